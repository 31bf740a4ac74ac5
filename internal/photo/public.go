package photo

import "zhipai/internal/domain"

// Public is the refusal as a client may see it: its code and message
// (domain.Public finds it through any wrapping).
func (e *Error) Public() *domain.Error {
	return &domain.Error{Code: e.Code, Message: e.Message, Err: e}
}
