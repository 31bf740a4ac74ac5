package api

import (
	"net/http"

	"zhipai/internal/capture"
	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/photo"
)

// identityRoutes serve the student's identity: the document, its photos, the roster match.
type identityRoutes struct{ *API }

func (a identityRoutes) setIdentity(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	var req enrol.IdentityInput
	if err := readJSON(r, &req); err != nil {
		return err
	}
	return withID(w, r, http.StatusOK, func(id int64) (enrol.IdentityView, error) {
		return a.enrol.SetIdentity(r.Context(), c, id, req)
	})
}

func (a identityRoutes) idImage(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	data, err := a.readPhoto(w, r, c)
	if err != nil {
		return err
	}
	return withID(w, r, http.StatusOK, func(id int64) (enrol.IDImageResult, error) {
		v, err := a.enrol.UploadIDImage(r.Context(), c, id, r.PathValue("side"), data)
		if v.Findings == nil {
			v.Findings = []photo.Finding{} // a card without remarks: [], never null
		}
		return v, err
	})
}

func (a identityRoutes) match(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (enrol.RecordView, error) { return a.enrol.Match(r.Context(), c, id) })
}

func (a identityRoutes) confirm(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (capture.Status, error) {
		if err := a.enrol.Confirm(r.Context(), c, id); err != nil {
			return capture.Status{}, err
		}
		return a.capture.Status(r.Context(), c, id)
	})
}
