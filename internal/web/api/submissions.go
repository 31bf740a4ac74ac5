package api

import (
	"net/http"
	"strconv"

	"zhipai/internal/capture"
	"zhipai/internal/domain"
)

// submissionRoutes serve submissions: sending a photo to review, following it, withdrawing.
type submissionRoutes struct{ *API }

func (a submissionRoutes) submit(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusCreated, func(id int64) (capture.SubmissionView, error) { return a.capture.Submit(r.Context(), c, id) })
}

func (a submissionRoutes) submission(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (capture.SubmissionView, error) { return a.capture.Submission(r.Context(), c, id) })
}

func (a submissionRoutes) withdraw(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (capture.SubmissionView, error) { return a.capture.Withdraw(r.Context(), c, id) })
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
