package api

import (
	"net/http"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/staff"
)

// StaffCookieName is the staff session cookie: apart from the students'
// (another name, SameSite=Strict, a shorter life).
const StaffCookieName = "zp_staff"

// staffRoutes serve the staff side's sign-in and account.
type staffRoutes struct{ *API }

// staffOnly authenticates a staff member from the staff cookie (a change
// must carry the session's CSRF token too) and refuses everything but
// the account's own routes until a one-time password has been changed.
func (a *API) staffOnly(fn func(w http.ResponseWriter, r *http.Request, s staff.Staff) error, beforeChange bool) func(http.ResponseWriter, *http.Request, domain.Caller) error {
	return func(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
		ck, err := r.Cookie(StaffCookieName)
		if err != nil {
			return errorOf(staff.CodeAuthRequired, nil)
		}
		s, err := a.staff.Authenticate(r.Context(), ck.Value, a.clientIP(r))
		if err != nil {
			return err
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("X-CSRF-Token") != s.Session.CSRF {
			return errorOf(staff.CodeCSRF, nil)
		}
		if s.User.MustChangePassword && !beforeChange {
			return errorOf(staff.CodeMustChange, nil)
		}
		return fn(w, r, s)
	}
}

// where is where a staff request comes from, for the audit log.
func (a *API) where(r *http.Request) staff.Where {
	ua := r.UserAgent()
	if len(ua) > 256 {
		ua = ua[:256]
	}
	return staff.Where{IP: a.clientIP(r), UA: ua}
}

// StaffBody is a staff member as the console shows them.
type StaffBody struct {
	Login     string `json:"login"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	RoleTitle string `json:"role_title"`
	SchoolID  int64  `json:"school_id,omitempty"`
	College   string `json:"college,omitempty"`
	// MustChangePassword: the one-time password is still in use.
	MustChangePassword bool      `json:"must_change_password"`
	CSRFToken          string    `json:"csrf_token"`
	ExpiresAt          time.Time `json:"expires_at"`
}

func staffBody(u domain.StaffUser, csrf string, exp time.Time) StaffBody {
	return StaffBody{Login: u.Login, Name: u.Name, Role: string(u.Role), RoleTitle: u.Role.Title(), SchoolID: u.SchoolID, College: u.College,
		MustChangePassword: u.MustChangePassword, CSRFToken: csrf, ExpiresAt: exp}
}

func (a staffRoutes) signIn(w http.ResponseWriter, r *http.Request, c domain.Caller) error {
	var req struct {
		Login    string `json:"login"`
		Password string `json:"password"`
		TOTP     string `json:"totp"`
	}
	if err := readJSON(r, &req); err != nil {
		return err
	}
	in, err := a.staff.SignIn(r.Context(), req.Login, req.Password, req.TOTP, a.where(r))
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: StaffCookieName, Value: in.Token, Path: "/", Expires: in.ExpiresAt, MaxAge: int(time.Until(in.ExpiresAt).Seconds()),
		HttpOnly: true, Secure: a.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, staffBody(in.User, in.CSRF, in.ExpiresAt))
	return nil
}

func (a staffRoutes) me(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	writeJSON(w, http.StatusOK, staffBody(s.User, s.Session.CSRF, s.Session.ExpiresAt))
	return nil
}

func (a staffRoutes) changePassword(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	var req struct {
		Old string `json:"old_password"`
		New string `json:"new_password"`
	}
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if err := a.staff.ChangePassword(r.Context(), s, req.Old, req.New, a.where(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a staffRoutes) signOut(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	ck, _ := r.Cookie(StaffCookieName)
	if err := a.staff.SignOut(r.Context(), ck.Value); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: StaffCookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: a.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a staffRoutes) signOutEverywhere(w http.ResponseWriter, r *http.Request, s staff.Staff) error {
	n, err := a.staff.SignOutEverywhere(r.Context(), s, a.where(r))
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: StaffCookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: a.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, map[string]int64{"ended": n})
	return nil
}
