package api

import (
	"fmt"
	"net/http"
	"strings"

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

// idImage takes a photo of the document's side. With Prefer:
// respond-async (RFC 7240) it answers 202 at once with the check queued,
// its Location the check to wait for (GET /api/v1/id-checks/{id}?wait=N);
// without, the check runs in the request, as the first clients expect.
func (a identityRoutes) idImage(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	data, err := a.readPhoto(w, r, c)
	if err != nil {
		return err
	}
	if preferAsync(r) {
		return withID(w, r, http.StatusAccepted, func(id int64) (enrol.CardCheckView, error) {
			v, err := a.enrol.SubmitIDImage(r.Context(), c, id, r.PathValue("side"), data)
			if err == nil {
				w.Header().Set("Location", fmt.Sprintf("/api/v1/id-checks/%d", v.ID))
				w.Header().Set("Preference-Applied", "respond-async")
			}
			return v, err
		})
	}
	return withID(w, r, http.StatusOK, func(id int64) (enrol.IDImageResult, error) {
		v, err := a.enrol.UploadIDImage(r.Context(), c, id, r.PathValue("side"), data)
		if v.Findings == nil {
			v.Findings = []photo.Finding{} // a card without remarks: [], never null
		}
		return v, err
	})
}

// preferAsync reports whether the client asked for the answer to come
// later (Prefer: respond-async).
func preferAsync(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(strings.SplitN(p, ";", 2)[0]), "respond-async") {
				return true
			}
		}
	}
	return false
}

// idCheck answers a card photo's check, held up to ?wait=N seconds (at
// most 30) until it is finished.
func (a identityRoutes) idCheck(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	ctx, wait, cancel := a.longPoll(r)
	defer cancel()
	return withID(w, r, http.StatusOK, func(id int64) (enrol.CardCheckView, error) {
		return a.enrol.WaitCardCheck(ctx, c, id, wait)
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
