package api

import (
	"net/http"

	"zhipai/internal/capture"
	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/idnumber"
)

// campaignRoutes serve the campaigns and the student's place in one: joining, status, consent.
type campaignRoutes struct{ *API }

func (a campaignRoutes) docTypes(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	out := []enrol.DocType{}
	for _, t := range idnumber.Types() {
		out = append(out, enrol.DocType{Code: string(t), Title: t.Title()})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a campaignRoutes) campaigns(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	list, err := a.enrol.Campaigns(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (a campaignRoutes) campaignByCode(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	v, err := a.enrol.CampaignByCode(r.Context(), r.PathValue("code"), c.IP)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a campaignRoutes) campaign(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (enrol.CampaignView, error) { return a.enrol.Campaign(r.Context(), id) })
}

// withID runs fn with the id of the path (a campaign, an upload, a
// submission) and writes its answer as JSON.
func withID[T any](w http.ResponseWriter, r *http.Request, status int, fn func(id int64) (T, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := fn(id)
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

// withIDBody is withID for a route that also takes a JSON body.
func withIDBody[B, T any](w http.ResponseWriter, r *http.Request, status int, fn func(id int64, body B) (T, error)) error {
	var body B
	return withID(w, r, status, func(id int64) (T, error) {
		if err := readJSON(r, &body); err != nil {
			var zero T
			return zero, err
		}
		return fn(id, body)
	})
}

// noContent runs an action on the path's id with the JSON body and
// answers 204.
func noContent[B any](w http.ResponseWriter, r *http.Request, fn func(id int64, body B) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body B
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if err := fn(id, body); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a campaignRoutes) join(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (capture.Status, error) {
		if err := a.enrol.Join(r.Context(), c, id); err != nil {
			return capture.Status{}, err
		}
		return a.capture.Status(r.Context(), c, id)
	})
}

func (a campaignRoutes) status(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (capture.Status, error) { return a.capture.Status(r.Context(), c, id) })
}

func (a campaignRoutes) consent(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (enrol.ConsentView, error) { return a.enrol.Consent(r.Context(), c, id) })
}

func (a campaignRoutes) faceConsent(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (enrol.FaceConsentView, error) { return a.enrol.FaceConsent(r.Context(), c, id) })
}

func (a campaignRoutes) decideFaceConsent(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	var req struct {
		Version string `json:"version"`
		Agree   *bool  `json:"agree"`
	}
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if req.Agree == nil {
		return domain.Errors.FailMsg(domain.CodeRequest, "请选择是否同意人脸比对（agree 为 true 或 false）。")
	}
	return withID(w, r, http.StatusOK, func(id int64) (enrol.FaceConsentView, error) {
		return a.enrol.DecideFaceConsent(r.Context(), c, id, req.Version, *req.Agree)
	})
}

func (a campaignRoutes) acceptConsent(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	var req struct {
		Version string `json:"version"`
	}
	if err := readJSON(r, &req); err != nil {
		return err
	}
	return withID(w, r, http.StatusOK, func(id int64) (capture.Status, error) {
		if err := a.enrol.AcceptConsent(r.Context(), c, id, req.Version); err != nil {
			return capture.Status{}, err
		}
		return a.capture.Status(r.Context(), c, id)
	})
}
