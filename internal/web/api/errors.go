package api

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"zhipai/internal/domain"
	"zhipai/internal/photo"
	"zhipai/internal/service"
)

// statuses is the one place where a public code becomes an HTTP status.
// The codes and their messages belong to the packages that refuse
// (service, photo); how a refusal travels over HTTP is the API's.
var statuses = map[string]int{
	// The use cases (package service).
	service.CodeRequest:          http.StatusBadRequest,
	service.CodeRequestTooLarge:  http.StatusRequestEntityTooLarge,
	service.CodeNotFound:         http.StatusNotFound,
	service.CodeInternal:         http.StatusInternalServerError,
	service.CodeAuthRequired:     http.StatusUnauthorized,
	service.CodeCSRF:             http.StatusForbidden,
	service.CodePhone:            http.StatusBadRequest,
	service.CodeAgreement:        http.StatusBadRequest,
	service.CodeSMSTooFrequent:   http.StatusTooManyRequests,
	service.CodeSMSUnavailable:   http.StatusServiceUnavailable,
	service.CodeCodeWrong:        http.StatusBadRequest,
	service.CodeCodeExpired:      http.StatusBadRequest,
	service.CodeCodeUsed:         http.StatusBadRequest,
	service.CodeCodeLocked:       http.StatusTooManyRequests,
	service.CodeTooManyAttempts:  http.StatusTooManyRequests,
	service.CodeWeChatCode:       http.StatusUnauthorized,
	service.CodeWeChatBlocked:    http.StatusForbidden,
	service.CodeWeChatLimited:    http.StatusTooManyRequests,
	service.CodeWeChatBusy:       http.StatusServiceUnavailable,
	service.CodeWeChatOff:        http.StatusServiceUnavailable,
	service.CodeCampaignNotFound: http.StatusNotFound,
	service.CodeCampaignClosed:   http.StatusForbidden,
	service.CodeNotJoined:        http.StatusConflict,
	service.CodeConsentRequired:  http.StatusForbidden,
	service.CodeConsentOutdated:  http.StatusConflict,
	service.CodeName:             http.StatusBadRequest,
	service.CodeDocType:          http.StatusBadRequest,
	service.CodeDocFormat:        http.StatusBadRequest,
	service.CodeCheckDigit:       http.StatusBadRequest,
	service.CodeBirthDate:        http.StatusBadRequest,
	service.CodeRegion:           http.StatusBadRequest,
	service.CodeIdentityLocked:   http.StatusConflict,
	service.CodeIdentityRequired: http.StatusConflict,
	service.CodeIDSide:           http.StatusBadRequest,
	service.CodeIDImages:         http.StatusConflict,
	service.CodeNoMatch:          http.StatusUnprocessableEntity,
	service.CodeRosterBound:      http.StatusConflict,
	service.CodeMatchLimited:     http.StatusTooManyRequests,
	service.CodeNotMatched:       http.StatusConflict,
	service.CodeNotConfirmed:     http.StatusConflict,
	service.CodeIdempotencyKey:   http.StatusBadRequest,
	service.CodeQueueFull:        http.StatusTooManyRequests,
	service.CodeUploadLimit:      http.StatusForbidden,
	service.CodeDuplicate:        http.StatusConflict,
	service.CodeLocked:           http.StatusConflict,
	service.CodeUnderReview:      http.StatusConflict,
	service.CodeRetakeExpired:    http.StatusForbidden,
	service.CodeNotReady:         http.StatusConflict,
	service.CodeBlocked:          http.StatusConflict,
	service.CodeRefused:          http.StatusConflict,
	service.CodeAlreadySubmitted: http.StatusConflict,
	service.CodeNotSuperseded:    http.StatusConflict,
	service.CodeCannotWithdraw:   http.StatusConflict,
	service.CodeReviewState:      http.StatusConflict,
	service.CodeReviewReason:     http.StatusBadRequest,
	// Photos and document images (package photo).
	photo.CodeEmpty:           http.StatusBadRequest,
	photo.CodeTooLarge:        http.StatusRequestEntityTooLarge,
	photo.CodeTooManyPixels:   http.StatusRequestEntityTooLarge,
	photo.CodeTooSmall:        http.StatusUnprocessableEntity,
	photo.CodeHEIC:            http.StatusUnsupportedMediaType,
	photo.CodeGIF:             http.StatusUnsupportedMediaType,
	photo.CodeUnsupported:     http.StatusUnsupportedMediaType,
	photo.CodeTruncated:       http.StatusUnprocessableEntity,
	photo.CodeCorrupt:         http.StatusUnprocessableEntity,
	photo.CodeColourSpace:     http.StatusUnprocessableEntity,
	photo.CodeNoFace:          http.StatusUnprocessableEntity,
	photo.CodeManyFaces:       http.StatusUnprocessableEntity,
	photo.CodeFaceCut:         http.StatusUnprocessableEntity,
	photo.CodeHeadCut:         http.StatusUnprocessableEntity,
	photo.CodeHeadTop:         http.StatusUnprocessableEntity,
	photo.CodeShoulders:       http.StatusUnprocessableEntity,
	photo.CodeSides:           http.StatusUnprocessableEntity,
	photo.CodeTooClose:        http.StatusUnprocessableEntity,
	photo.CodeFaceTooSmall:    http.StatusUnprocessableEntity,
	photo.CodeProportions:     http.StatusUnprocessableEntity,
	photo.CodeSizeWindow:      http.StatusUnprocessableEntity,
	photo.CodeSpec:            http.StatusInternalServerError,
	photo.CodeCancelled:       http.StatusServiceUnavailable,
	photo.CodeGeometryMissing: http.StatusUnprocessableEntity,
	// The API itself.
	CodeMethod: http.StatusMethodNotAllowed,
}

// statusOf is the HTTP status of a public code. The ID-card check's codes
// (idcard.blur, idcard.glare...) are all 422: the photo was read, and it is
// not good enough.
func statusOf(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	if strings.HasPrefix(code, "idcard.") {
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// errorOf is the public error of a code, with its message.
func errorOf(code string, cause error) *domain.Error {
	msg := service.Message(code)
	if msg == "" {
		msg = photo.Message(code)
	}
	return &domain.Error{Code: code, Message: msg, Err: cause}
}

// ErrorBody is every error's JSON.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers with the public form of err: its code's status, a
// Retry-After where the refusal knows when to try again, and
// {"code","message"}. Internal errors are logged, never shown.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	pe := service.Public(err)
	status := statusOf(pe.Code)
	if recordError != nil {
		recordError(r.Pattern, pe.Code, status)
	}
	if status >= 500 {
		a.log.ErrorContext(r.Context(), "request failed", "route", r.Pattern, "code", pe.Code, "error", err)
	}
	if pe.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(pe.RetryAfter.Seconds()))))
	}
	writeJSON(w, status, ErrorBody{Code: pe.Code, Message: pe.Message})
}
