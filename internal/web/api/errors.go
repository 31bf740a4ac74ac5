package api

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"zhipai/internal/auth"
	"zhipai/internal/capture"
	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/manage"
	"zhipai/internal/photo"
	"zhipai/internal/review"
	"zhipai/internal/roster"
	"zhipai/internal/staff"
	"zhipai/internal/ticket"
)

// statuses is the one place where a public code becomes an HTTP status.
// The codes and their messages belong to the packages that refuse
// (service, photo); how a refusal travels over HTTP is the API's.
var statuses = map[string]int{
	// The use cases (package service).
	domain.CodeRequest:           http.StatusBadRequest,
	domain.CodeRequestTooLarge:   http.StatusRequestEntityTooLarge,
	domain.CodeNotFound:          http.StatusNotFound,
	domain.CodeInternal:          http.StatusInternalServerError,
	auth.CodeAuthRequired:        http.StatusUnauthorized,
	auth.CodeCSRF:                http.StatusForbidden,
	auth.CodePhone:               http.StatusBadRequest,
	auth.CodeCaptchaRequired:     http.StatusBadRequest,
	auth.CodeCaptchaExpired:      http.StatusBadRequest,
	auth.CodeCaptchaWrong:        http.StatusBadRequest,
	auth.CodeAgreement:           http.StatusBadRequest,
	auth.CodeSMSTooFrequent:      http.StatusTooManyRequests,
	auth.CodeSMSUnavailable:      http.StatusServiceUnavailable,
	auth.CodeCodeWrong:           http.StatusBadRequest,
	auth.CodeCodeExpired:         http.StatusBadRequest,
	auth.CodeCodeUsed:            http.StatusBadRequest,
	auth.CodeCodeLocked:          http.StatusTooManyRequests,
	auth.CodeTooManyAttempts:     http.StatusTooManyRequests,
	auth.CodeWeChatCode:          http.StatusUnauthorized,
	auth.CodeWeChatBlocked:       http.StatusForbidden,
	auth.CodeWeChatLimited:       http.StatusTooManyRequests,
	auth.CodeWeChatBusy:          http.StatusServiceUnavailable,
	auth.CodeWeChatOff:           http.StatusServiceUnavailable,
	enrol.CodeCampaignNotFound:   http.StatusNotFound,
	enrol.CodeJoinCodeLimited:    http.StatusTooManyRequests,
	enrol.CodeCampaignClosed:     http.StatusForbidden,
	enrol.CodeNotJoined:          http.StatusConflict,
	enrol.CodeConsentRequired:    http.StatusForbidden,
	enrol.CodeConsentOutdated:    http.StatusConflict,
	enrol.CodeName:               http.StatusBadRequest,
	enrol.CodeDocType:            http.StatusBadRequest,
	enrol.CodeDocFormat:          http.StatusBadRequest,
	enrol.CodeCheckDigit:         http.StatusBadRequest,
	enrol.CodeBirthDate:          http.StatusBadRequest,
	enrol.CodeRegion:             http.StatusBadRequest,
	enrol.CodeIdentityLocked:     http.StatusConflict,
	enrol.CodeIdentityRequired:   http.StatusConflict,
	enrol.CodeIDSide:             http.StatusBadRequest,
	enrol.CodeIDImages:           http.StatusConflict,
	enrol.CodeNoMatch:            http.StatusUnprocessableEntity,
	enrol.CodeMatchLimited:       http.StatusTooManyRequests,
	enrol.CodeNotMatched:         http.StatusConflict,
	enrol.CodeCardUnreadable:     http.StatusUnprocessableEntity,
	enrol.CodeCardBackUnreadable: http.StatusUnprocessableEntity,
	enrol.CodeCardExpired:        http.StatusUnprocessableEntity,
	enrol.CodeCardNumberMismatch: http.StatusUnprocessableEntity,
	enrol.CodeCardNameMismatch:   http.StatusUnprocessableEntity,
	enrol.CodeCardRecheck:        http.StatusConflict,
	enrol.CodeRosterClaimed:      http.StatusConflict,
	capture.CodeNotConfirmed:     http.StatusConflict,
	capture.CodeIdempotencyKey:   http.StatusBadRequest,
	capture.CodeUploadRate:       http.StatusTooManyRequests,
	enrol.CodeIDImageRate:        http.StatusTooManyRequests,
	enrol.CodeCardChecking:       http.StatusConflict,
	capture.CodeQueueFull:        http.StatusTooManyRequests,
	capture.CodeUploadLimit:      http.StatusForbidden,
	capture.CodeDuplicate:        http.StatusConflict,
	capture.CodeLocked:           http.StatusConflict,
	capture.CodeUnderReview:      http.StatusConflict,
	capture.CodeRetakeExpired:    http.StatusForbidden,
	capture.CodeNotReady:         http.StatusConflict,
	capture.CodeBlocked:          http.StatusConflict,
	capture.CodeRefused:          http.StatusConflict,
	capture.CodeAlreadySubmitted: http.StatusConflict,
	capture.CodeNotSuperseded:    http.StatusConflict,
	capture.CodeCannotWithdraw:   http.StatusConflict,
	review.CodeReviewState:       http.StatusConflict,
	review.CodeReviewReason:      http.StatusBadRequest,
	review.CodeForbidden:         http.StatusForbidden,
	review.CodeClaimed:           http.StatusConflict,
	review.CodeClaimLost:         http.StatusConflict,
	// Photos and document images (package photo).
	photo.CodeEmpty:           http.StatusBadRequest,
	photo.CodeTooLarge:        http.StatusRequestEntityTooLarge,
	photo.CodeTooManyPixels:   http.StatusRequestEntityTooLarge,
	photo.CodeDimensions:      http.StatusRequestEntityTooLarge,
	photo.CodeTooComplex:      http.StatusUnprocessableEntity,
	photo.CodeBackground:      http.StatusUnprocessableEntity,
	photo.CodeDecodeTimeout:   http.StatusUnprocessableEntity,
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
	// The staff side.
	staff.CodeLogin:            http.StatusBadRequest,
	staff.CodeLoginTaken:       http.StatusConflict,
	staff.CodeName:             http.StatusBadRequest,
	staff.CodeRole:             http.StatusBadRequest,
	staff.CodeSignIn:           http.StatusUnauthorized,
	staff.CodeLocked:           http.StatusTooManyRequests,
	staff.CodeWeakPassword:     http.StatusBadRequest,
	staff.CodeMustChange:       http.StatusForbidden,
	staff.CodeAuthRequired:     http.StatusUnauthorized,
	staff.CodeCSRF:             http.StatusForbidden,
	staff.CodeWrongPassword:    http.StatusBadRequest,
	manage.CodeForbidden:       http.StatusForbidden,
	manage.CodeCampaignInvalid: http.StatusBadRequest,
	manage.CodeJoinCodeTaken:   http.StatusConflict,
	manage.CodeSupportAccess:   http.StatusForbidden,
	manage.CodeReason:          http.StatusBadRequest,
	manage.CodeStaffClass:      http.StatusBadRequest,
	manage.CodeExportInvalid:   http.StatusBadRequest,
	manage.CodeExportGone:      http.StatusGone,
	staff.CodeIPDenied:         http.StatusForbidden,
	staff.CodeIPList:           http.StatusBadRequest,
	roster.CodeFile:            http.StatusUnprocessableEntity,
	roster.CodeEmpty:           http.StatusUnprocessableEntity,
	roster.CodeHeader:          http.StatusUnprocessableEntity,
	ticket.CodeBody:            http.StatusBadRequest,
	ticket.CodeKind:            http.StatusBadRequest,
	ticket.CodeClosed:          http.StatusConflict,
	ticket.CodeTooMany:         http.StatusTooManyRequests,
	ticket.CodeAttachment:      http.StatusUnprocessableEntity,
	ticket.CodeForbidden:       http.StatusForbidden,
	ticket.CodeNoReview:        http.StatusConflict,
	ticket.CodeRosterFix:       http.StatusBadRequest,
	ticket.CodeFrequent:        http.StatusTooManyRequests,
	// The API itself.
	CodeMethod:        http.StatusMethodNotAllowed,
	CodeContentType:   http.StatusUnsupportedMediaType,
	CodeBodiesBusy:    http.StatusServiceUnavailable,
	CodeBodiesPerUser: http.StatusTooManyRequests,
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

// apiErrors are the API's own refusals.
var apiErrors = domain.Catalogue{
	CodeMethod:        "不支持该请求方法。",
	CodeContentType:   "请求格式不正确：请以 application/json 发送。",
	CodeBodiesBusy:    "当前上传人数较多，请稍后重试。",
	CodeBodiesPerUser: "你有照片正在上传，请等它完成后再试。",
}

// catalogue holds the messages of every use case's codes.
var catalogue = func() domain.Catalogue {
	all := domain.Catalogue{}
	for _, c := range []domain.Catalogue{domain.Errors, auth.Errors, enrol.Errors, capture.Errors, review.Errors, staff.Errors, manage.Errors, roster.Errors, ticket.Errors, apiErrors} {
		for code, msg := range c {
			all[code] = msg
		}
	}
	return all
}()

// errorOf is the public error of a code, with its message.
func errorOf(code string, cause error) *domain.Error {
	msg := catalogue[code]
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
	pe := domain.Public(err)
	status := statusOf(pe.Code)
	if recordError != nil {
		recordError(r.Pattern, pe.Code, status)
	}
	if a.cfg.Refused != nil {
		a.cfg.Refused(pe.Code, status)
	}
	if status >= 500 {
		a.log.ErrorContext(r.Context(), "request failed", "route", r.Pattern, "code", pe.Code, "error", err)
	}
	if pe.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(pe.RetryAfter.Seconds()))))
	}
	writeJSON(w, status, ErrorBody{Code: pe.Code, Message: pe.Message})
}
