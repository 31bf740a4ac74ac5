package api

import (
	"net/http"
	"strconv"

	"zhipai/internal/capture"
	"zhipai/internal/domain"
)

// Submissions: sending a photo to review, following it, withdrawing.

func (a *API) submit(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusCreated, func(id int64) (capture.SubmissionView, error) { return a.capture.Submit(r.Context(), c, id) })
}

func (a *API) submission(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (capture.SubmissionView, error) { return a.capture.Submission(r.Context(), c, id) })
}

func (a *API) withdraw(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (capture.SubmissionView, error) { return a.capture.Withdraw(r.Context(), c, id) })
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
