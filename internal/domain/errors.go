package domain

import "time"

// Error is what a student (or a mini-program) is told when something is
// refused: a stable code and a Chinese message that says what to do.
// RetryAfter says when to try again, where that is known. Err is the
// cause, for the log only. How a code travels (an HTTP status, an exit
// code) is for the layer that carries it to decide.
type Error struct {
	Code       string
	Message    string
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Err.Error()
	}
	return e.Code
}

func (e *Error) Unwrap() error { return e.Err }
