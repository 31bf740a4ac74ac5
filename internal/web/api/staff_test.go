package api_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"zhipai/internal/app/apptest"
	"zhipai/internal/domain"
	"zhipai/internal/staff"
	"zhipai/internal/store"
	"zhipai/internal/web/api"
)

// TestStaffSignInOverHTTP: a staff member signs in with password and TOTP
// into a cookie of their own (SameSite=Strict), changes the one-time
// password, and signs out everywhere; the staff cookie opens no student
// route and a student's none of the staff's.
func TestStaffSignInOverHTTP(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ts, _ := newServer(t, env)
	acct := apptest.Must(env.App.Staff.Create(context.Background(), nil, staff.CreateInput{Login: "ops", Name: "运维", Role: domain.RolePlatformAdmin}, staff.Where{}))(t)
	c := newClient(t, ts.URL)
	otpNow := func() string { s, _ := totp.GenerateCode(acct.Secret, time.Now()); return s }
	c.json("POST", "/api/v1/staff/auth/signin", map[string]string{"login": "ops", "password": "wrong", "totp": otpNow()}).code(t, 401, "staff.signin_failed")
	c.json("GET", "/api/v1/staff/me", nil).code(t, 401, "staff.auth_required")
	a := c.json("POST", "/api/v1/staff/auth/signin", map[string]string{"login": "ops", "password": acct.Password, "totp": otpNow()})
	var me api.StaffBody
	a.json(t, &me)
	if a.status != 200 || !me.MustChangePassword || me.CSRFToken == "" || me.RoleTitle != "平台管理员" {
		t.Fatalf("signin: %d %s", a.status, a.body)
	}
	if ck := a.header.Get("Set-Cookie"); !strings.Contains(ck, api.StaffCookieName+"=") || !strings.Contains(ck, "SameSite=Strict") || !strings.Contains(ck, "HttpOnly") {
		t.Fatalf("staff cookie %q", ck)
	}
	c.json("POST", "/api/v1/staff/auth/password", map[string]string{"old_password": acct.Password, "new_password": "a good long passphrase 9"}).code(t, 403, "staff.csrf")
	c.csrf = me.CSRFToken
	c.json("POST", "/api/v1/staff/auth/password", map[string]string{"old_password": acct.Password, "new_password": "password1234"}).code(t, 400, "staff.weak_password")
	if a := c.json("POST", "/api/v1/staff/auth/password", map[string]string{"old_password": acct.Password, "new_password": "a good long passphrase 9"}); a.status != 204 {
		t.Fatalf("password: %d %s", a.status, a.body)
	}
	c.json("GET", "/api/v1/staff/me", nil).json(t, &me)
	if me.MustChangePassword {
		t.Fatal("still must change the password")
	}
	// A staff cookie is no student session, and the other way round.
	c.json("GET", "/api/v1/me", nil).code(t, 401, "auth.required")
	student := signIn(t, env, ts.URL, "13500135900")
	student.json("GET", "/api/v1/staff/me", nil).code(t, 401, "staff.auth_required")
	// Sign out everywhere ends this session too.
	if a := c.json("POST", "/api/v1/staff/auth/signout-all", nil); a.status != 200 {
		t.Fatalf("signout-all: %d %s", a.status, a.body)
	}
	c.json("GET", "/api/v1/staff/me", nil).code(t, 401, "staff.auth_required")
	u, _ := url.Parse(ts.URL)
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == api.StaffCookieName {
			t.Errorf("the staff cookie is still set: %v", ck)
		}
	}
}
