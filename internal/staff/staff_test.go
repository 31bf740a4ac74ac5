package staff_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"zhipai/internal/app/apptest"
	"zhipai/internal/audit"
	"zhipai/internal/domain"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

var ctx = context.Background()

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestStaffSignIn: an account made by the bootstrap signs in with its
// one-time password and a TOTP code, must change the password, is locked
// with back-off after repeated failures, ends on idle, and every step is
// in the audit chain, which verifies until a row is edited. Both engines.
func TestStaffSignIn(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{NoWorkers: true})
			now := time.Now()
			env.App.SetClock(func() time.Time { return now })
			s := env.App.Staff
			where := staff.Where{IP: "10.1.2.3", UA: "test"}
			acct := apptest.Must(s.Create(ctx, nil, staff.CreateInput{Login: "Root.Admin", Name: "平台管理员", Role: domain.RolePlatformAdmin}, where))(t)
			if acct.User.Login != "root.admin" || len(acct.Password) < 12 || acct.Secret == "" || acct.OTPURI[:15] != "otpauth://totp/" {
				t.Fatalf("new account %+v", acct)
			}
			_, err := s.Create(ctx, nil, staff.CreateInput{Login: "root.admin", Name: "x", Role: domain.RolePlatformAdmin}, where)
			apptest.Code(t, err, staff.CodeLoginTaken)
			_, err = s.Create(ctx, nil, staff.CreateInput{Login: "school.x", Name: "x", Role: domain.RoleSchoolAdmin}, where)
			apptest.Code(t, err, staff.CodeRole) // a school role needs its school

			// Wrong code, wrong password, no such login: one answer.
			_, err = s.SignIn(ctx, "root.admin", acct.Password, "000000", where)
			apptest.Code(t, err, staff.CodeSignIn)
			_, err = s.SignIn(ctx, "root.admin", "wrong password!", code(t, acct.Secret, now), where)
			apptest.Code(t, err, staff.CodeSignIn)
			_, err = s.SignIn(ctx, "nobody", "x", "123456", where)
			apptest.Code(t, err, staff.CodeSignIn)
			in := apptest.Must(s.SignIn(ctx, " ROOT.admin ", acct.Password, code(t, acct.Secret, now), where))(t)
			if !in.MustChangePassword || in.Token == "" || in.CSRF == "" || !in.ExpiresAt.Equal(now.Add(12*time.Hour)) {
				t.Fatalf("signed in %+v", in)
			}
			who := apptest.Must(s.Authenticate(ctx, in.Token, "ip"))(t)
			if !who.Scope.Vendor {
				t.Fatalf("platform admin's scope %+v", who.Scope)
			}
			for _, weak := range []string{"short1!", "password1234", "iloveyou", "root.admin-2026!"} {
				err := s.ChangePassword(ctx, who, acct.Password, weak, where)
				apptest.Code(t, err, staff.CodeWeakPassword)
			}
			apptest.Code(t, s.ChangePassword(ctx, who, "not the old one", "a good long passphrase 7", where), staff.CodeWrongPassword)
			apptest.NoErr(t, s.ChangePassword(ctx, who, acct.Password, "a good long passphrase 7", where))

			// Lockout: five failures lock for a minute, the next doubles it.
			for i := range 5 {
				_, err := s.SignIn(ctx, "root.admin", fmt.Sprint("bad", i), code(t, acct.Secret, now), where)
				apptest.Code(t, err, staff.CodeSignIn)
			}
			_, err = s.SignIn(ctx, "root.admin", "a good long passphrase 7", code(t, acct.Secret, now), where)
			if pe := apptest.Code(t, err, staff.CodeLocked); pe.RetryAfter <= 0 || pe.RetryAfter > time.Minute {
				t.Fatalf("locked: %+v", pe)
			}
			now = now.Add(61 * time.Second)
			_, err = s.SignIn(ctx, "root.admin", "bad again", code(t, acct.Secret, now), where)
			apptest.Code(t, err, staff.CodeSignIn)
			_, err = s.SignIn(ctx, "root.admin", "a good long passphrase 7", code(t, acct.Secret, now), where)
			if pe := apptest.Code(t, err, staff.CodeLocked); pe.RetryAfter <= time.Minute {
				t.Fatalf("the second lock did not grow: %+v", pe)
			}
			now = now.Add(3 * time.Minute)
			in2 := apptest.Must(s.SignIn(ctx, "root.admin", "a good long passphrase 7", code(t, acct.Secret, now), where))(t)

			// Idle timeout, and sign out everywhere.
			now = now.Add(31 * time.Minute)
			_, err = s.Authenticate(ctx, in2.Token, "ip")
			apptest.Code(t, err, staff.CodeAuthRequired)
			in3 := apptest.Must(s.SignIn(ctx, "root.admin", "a good long passphrase 7", code(t, acct.Secret, now), where))(t)
			in4 := apptest.Must(s.SignIn(ctx, "root.admin", "a good long passphrase 7", code(t, acct.Secret, now.Add(30*time.Second)), where))(t)
			who3 := apptest.Must(s.Authenticate(ctx, in3.Token, "ip"))(t)
			if n := apptest.Must(s.SignOutEverywhere(ctx, who3, where))(t); n < 2 {
				t.Fatalf("signed out %d sessions", n)
			}
			_, err = s.Authenticate(ctx, in4.Token, "ip")
			apptest.Code(t, err, staff.CodeAuthRequired)

			// The audit chain holds every step, and breaks where edited.
			log := audit.New(env.App.Store)
			n, err := log.Verify(ctx)
			if err != nil || n < 15 {
				t.Fatalf("verify: %d rows, %v", n, err)
			}
			rows := apptest.Must(env.App.Store.AuditRows(ctx, 0, 0, 100))(t)
			actions := map[string]int{}
			for _, r := range rows {
				if r.IP == "demo seed" {
					continue // the demo accounts apptest seeds
				}
				actions[r.Action]++
				if r.IP != "10.1.2.3" || r.UA != "test" {
					t.Errorf("row %d without where: %+v", r.Seq, r)
				}
			}
			if actions["staff.create"] != 1 || actions["staff.signin"] != 4 || actions["staff.signin_failed"] < 9 || actions["staff.password_change"] != 1 || actions["staff.signout_everywhere"] != 1 {
				t.Fatalf("audit actions %v", actions)
			}
			if _, err := env.App.Store.DB().ExecContext(ctx, `UPDATE audit_log SET reason = 'nothing happened' WHERE tenant_id = 0 AND seq = 3`); err != nil {
				t.Fatal(err)
			}
			_, err = log.Verify(ctx)
			var broken *audit.Broken
			if !errors.As(err, &broken) || broken.Seq != 3 {
				t.Fatalf("verify after an edit: %v", err)
			}
		})
	}
}
