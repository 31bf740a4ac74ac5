package domain

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

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

// Codes every use case may return.
const (
	CodeRequest         = "request.invalid"
	CodeRequestTooLarge = "request.too_large"
	CodeNotFound        = "not_found"
	CodeInternal        = "internal"
)

// Errors are the messages of the codes above.
var Errors = Catalogue{
	CodeRequest:         "请求格式不正确，请刷新页面后重试",
	CodeRequestTooLarge: "文件超过 30 MB，请上传手机相机拍摄的原图",
	CodeNotFound:        "没有找到该记录",
	CodeInternal:        "服务器开小差了，请稍后重试；如多次失败请联系客服",
}

// Catalogue is a package's public codes and their messages. Each use
// case keeps its own; web/api gives every code its HTTP status.
type Catalogue map[string]string

// Fail is the public error of a code (an unknown code is internal).
func (c Catalogue) Fail(code string, cause error) *Error {
	m, ok := c[code]
	if !ok {
		return Internal("unknown error code %s: %w", code, cause)
	}
	return &Error{Code: code, Message: m, Err: cause}
}

// FailMsg is Fail with a more specific message.
func (c Catalogue) FailMsg(code, msg string) *Error {
	e := c.Fail(code, nil)
	e.Message = msg
	return e
}

// Codes lists the catalogue's codes, sorted.
func (c Catalogue) Codes() []string {
	out := make([]string, 0, len(c))
	for code := range c {
		out = append(out, code)
	}
	sort.Strings(out)
	return out
}

// Internal is an error the client is told nothing of but "try again".
func Internal(format string, args ...any) *Error {
	return &Error{Code: CodeInternal, Message: Errors[CodeInternal], Err: fmt.Errorf(format, args...)}
}

// WithRetry sets when to try again and returns e.
func (e *Error) WithRetry(d time.Duration) *Error {
	e.RetryAfter = d
	return e
}

// Publisher is an error of a lower layer (a photo refusal) that knows its
// public form.
type Publisher interface {
	error
	Public() *Error
}

// Public turns any error into what a client may see: a public error keeps
// its code; anything else is internal (its text is not shown).
func Public(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var p Publisher
	if errors.As(err, &p) {
		pe := p.Public()
		if pe.Err == nil {
			pe.Err = err
		}
		return pe
	}
	return &Error{Code: CodeInternal, Message: Errors[CodeInternal], Err: err}
}
