package api

import (
	"net/http"
	"strconv"
	"time"

	"zhipai/internal/auth"
	"zhipai/internal/capture"
	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/idnumber"
	"zhipai/internal/photo"
)

type smsSendReq struct {
	Phone  string `json:"phone"`
	Agreed bool   `json:"agreed"`
}

func (a *API) sendCode(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	var req smsSendReq
	if err := readJSON(r, &req); err != nil {
		return err
	}
	cool, err := a.auth.SendCode(r.Context(), req.Phone, c.IP, req.Agreed)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"cooldown_seconds": int(cool.Seconds())})
	return nil
}

type smsVerifyReq struct {
	Phone  string `json:"phone"`
	Code   string `json:"code"`
	Agreed bool   `json:"agreed"`
}

// SignInBody answers a sign-in. Browsers get the token as an HttpOnly
// cookie and only the CSRF token in the body.
type SignInBody struct {
	UserID    int64     `json:"user_id"`
	CSRFToken string    `json:"csrf_token,omitempty"`
	Token     string    `json:"token,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (a *API) verifyCode(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	var req smsVerifyReq
	if err := readJSON(r, &req); err != nil {
		return err
	}
	in, err := a.auth.SignInSMS(r.Context(), req.Phone, req.Code, c.IP, req.Agreed)
	if err != nil {
		return err
	}
	a.setSession(w, in.Token, in.ExpiresAt)
	writeJSON(w, http.StatusOK, SignInBody{UserID: in.UserID, CSRFToken: in.CSRF, ExpiresAt: in.ExpiresAt})
	return nil
}

func (a *API) wechatSignIn(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	var req struct {
		Code string `json:"code"`
	}
	if err := readJSON(r, &req); err != nil {
		return err
	}
	in, err := a.auth.SignInWeChat(r.Context(), req.Code, c.IP)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, SignInBody{UserID: in.UserID, Token: in.Token, ExpiresAt: in.ExpiresAt})
	return nil
}

func (a *API) signOut(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	token := ""
	if ck, err := r.Cookie(CookieName); err == nil {
		token = ck.Value
	}
	if h := r.Header.Get("Authorization"); len(h) > 7 && h[:7] == "Bearer " {
		token = h[7:]
	}
	if err := a.auth.SignOut(r.Context(), token); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: a.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// MeBody is the signed-in student and their campaigns.
type MeBody struct {
	auth.Me
	CSRFToken string           `json:"csrf_token"`
	Campaigns []capture.Status `json:"campaigns"`
}

func (a *API) me(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	me, err := a.auth.Whoami(r.Context(), c)
	if err != nil {
		return err
	}
	list, err := a.capture.MyCampaigns(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, MeBody{Me: me, CSRFToken: c.CSRF, Campaigns: list})
	return nil
}

func (a *API) docTypes(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	out := []enrol.DocType{}
	for _, t := range idnumber.Types() {
		out = append(out, enrol.DocType{Code: string(t), Title: t.Title()})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) campaigns(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	list, err := a.enrol.Campaigns(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (a *API) campaignByCode(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	v, err := a.enrol.CampaignByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) campaign(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
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

func (a *API) join(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (capture.Status, error) {
		if err := a.enrol.Join(r.Context(), c, id); err != nil {
			return capture.Status{}, err
		}
		return a.capture.Status(r.Context(), c, id)
	})
}

func (a *API) status(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (capture.Status, error) { return a.capture.Status(r.Context(), c, id) })
}

func (a *API) consent(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (enrol.ConsentView, error) { return a.enrol.Consent(r.Context(), c, id) })
}

func (a *API) acceptConsent(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
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

func (a *API) setIdentity(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	var req enrol.IdentityInput
	if err := readJSON(r, &req); err != nil {
		return err
	}
	return withID(w, r, http.StatusOK, func(id int64) (enrol.IdentityView, error) {
		return a.enrol.SetIdentity(r.Context(), c, id, req)
	})
}

func (a *API) idImage(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	data, err := a.readPhoto(w, r)
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

func (a *API) match(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (enrol.RecordView, error) { return a.enrol.Match(r.Context(), c, id) })
}

func (a *API) confirm(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	return withID(w, r, http.StatusOK, func(id int64) (capture.Status, error) {
		if err := a.enrol.Confirm(r.Context(), c, id); err != nil {
			return capture.Status{}, err
		}
		return a.capture.Status(r.Context(), c, id)
	})
}

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

func (a *API) upload(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	data, err := a.readPhoto(w, r)
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

func (a *API) uploadStatus(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	// ?wait=N holds the request up to N seconds (at most 30) until the
	// photo is processed.
	wait, _ := strconv.Atoi(r.URL.Query().Get("wait"))
	return withID(w, r, http.StatusOK, func(id int64) (UploadBody, error) {
		v, err := a.capture.WaitUpload(r.Context(), c, id, time.Duration(min(max(wait, 0), 30))*time.Second)
		return uploadBody(v), err
	})
}

func (a *API) uploadImage(kind string) func(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
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
