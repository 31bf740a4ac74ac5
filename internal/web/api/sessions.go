package api

import (
	"net/http"
	"time"

	"zhipai/internal/auth"
	"zhipai/internal/capture"
	"zhipai/internal/domain"
)

// sessionRoutes serve the sign-in resources: SMS codes, WeChat, the session and the student.
type sessionRoutes struct{ *API }

type smsSendReq struct {
	Phone  string `json:"phone"`
	Agreed bool   `json:"agreed"`
	auth.CaptchaAnswer
}

func (a sessionRoutes) sendCode(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	var req smsSendReq
	if err := readJSON(r, &req); err != nil {
		return err
	}
	cool, err := a.auth.SendCode(r.Context(), req.Phone, c.IP, req.Agreed, req.CaptchaAnswer)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"cooldown_seconds": int(cool.Seconds())})
	return nil
}

func (a sessionRoutes) captcha(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	v, err := a.auth.NewCaptcha(r.Context(), c.IP)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
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

func (a sessionRoutes) verifyCode(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
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

func (a sessionRoutes) wechatSignIn(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
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

func (a sessionRoutes) signOut(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
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

func (a sessionRoutes) me(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
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
