package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"zhipai/internal/capture"
	"zhipai/internal/domain"
)

// uploadRoutes serve photo uploads: taking one, waiting for its result, its images.
type uploadRoutes struct{ *API }

// UploadBody is an upload with the addresses of its images.
type UploadBody struct {
	capture.UploadView
	ResultURL  string `json:"result_url,omitempty"`
	PreviewURL string `json:"preview_url,omitempty"`
}

func uploadBody(v capture.UploadView) UploadBody {
	b := UploadBody{UploadView: v}
	if v.HasResult {
		b.ResultURL = "/api/v1/uploads/" + itoa(v.ID) + "/result.jpg"
	}
	if v.Status.Finished() {
		b.PreviewURL = "/api/v1/uploads/" + itoa(v.ID) + "/preview.jpg"
	}
	return b
}

func (a uploadRoutes) upload(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	data, err := a.readPhoto(w, r, c)
	if err != nil {
		return err
	}
	v, created, err := a.capture.Upload(r.Context(), c, id, r.Header.Get("Idempotency-Key"), data)
	if err != nil {
		return err
	}
	status := http.StatusOK // a retry: the first upload
	if created {
		status = http.StatusAccepted
		w.Header().Set("Location", "/api/v1/uploads/"+itoa(v.ID))
	}
	writeJSON(w, status, uploadBody(v))
	return nil
}

func (a uploadRoutes) uploadStatus(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	// ?wait=N holds the request up to N seconds (at most 30) until the
	// photo is processed.
	ctx, wait, cancel := a.longPoll(r)
	defer cancel()
	return withID(w, r, http.StatusOK, func(id int64) (UploadBody, error) {
		v, err := a.capture.WaitUpload(ctx, c, id, wait)
		return uploadBody(v), err
	})
}

// longPoll is the context and time of a request's wait for a result:
// ?wait=N seconds, at most 30, ended early when the server drains (the
// client asks again, of another instance).
func (a *API) longPoll(r *http.Request) (context.Context, time.Duration, context.CancelFunc) {
	wait, _ := strconv.Atoi(r.URL.Query().Get("wait"))
	ctx, cancel := context.WithCancel(r.Context())
	go func() {
		select {
		case <-a.draining:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, time.Duration(min(max(wait, 0), 30)) * time.Second, cancel
}

func (a uploadRoutes) uploadImage(kind string) func(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return func(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		b, err := a.capture.UploadImage(r.Context(), c, id, kind)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("Cache-Control", "private, no-store")
		w.Write(b)
		return nil
	}
}
