package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"zhipai/internal/app/apptest"
	"zhipai/internal/auth"
	"zhipai/internal/domain"
	"zhipai/internal/store"
)

var ctx = context.Background()

func TestSMSCodes(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	now := time.Now()
	env.App.SetClock(func() time.Time { return now })
	const phone = "13700137000"

	_, err := env.App.Auth.SendCode(ctx, phone, "ip1", false, apptest.Captcha(t, env, "ip1"))
	apptest.Code(t, err, auth.CodeAgreement)
	_, err = env.App.Auth.SendCode(ctx, "1380013800", "ip1", true, apptest.Captcha(t, env, "ip1"))
	apptest.Code(t, err, auth.CodePhone)
	_, err = env.App.Auth.SendCode(ctx, "23800138000", "ip1", true, apptest.Captcha(t, env, "ip1"))
	apptest.Code(t, err, auth.CodePhone)
	apptest.Must(env.App.Auth.SendCode(ctx, "+86 137-0013-7000", "ip1", true, apptest.Captcha(t, env, "ip1")))(t)
	first := env.SMS.Code(phone)
	if len(first) != 6 {
		t.Fatalf("code %q", first)
	}
	_, err = env.App.Auth.SendCode(ctx, phone, "ip1", true, apptest.Captcha(t, env, "ip1"))
	if pe := apptest.Code(t, err, auth.CodeSMSTooFrequent); pe.RetryAfter <= 0 {
		t.Fatalf("too frequent: %+v", pe)
	}
	_, err = env.App.Auth.SignInSMS(ctx, phone, first, "ip1", false)
	apptest.Code(t, err, auth.CodeAgreement)
	wrong := fmt.Sprintf("%06d", (atoi(first)+1)%1000000)
	_, err = env.App.Auth.SignInSMS(ctx, phone, wrong, "ip1", true)
	apptest.Code(t, err, auth.CodeCodeWrong)
	in := apptest.Must(env.App.Auth.SignInSMS(ctx, phone, first, "ip1", true))(t)
	_, err = env.App.Auth.SignInSMS(ctx, phone, first, "ip1", true)
	apptest.Code(t, err, auth.CodeCodeUsed)
	who := apptest.Must(env.App.Auth.Authenticate(ctx, in.Token, "ip1"))(t)
	me := apptest.Must(env.App.Auth.Whoami(ctx, who))(t)
	if me.PhoneMasked != "137****7000" {
		t.Errorf("me %+v", me)
	}

	// Expiry: a code is good for five minutes.
	now = now.Add(2 * time.Minute)
	apptest.Must(env.App.Auth.SendCode(ctx, phone, "ip1", true, apptest.Captcha(t, env, "ip1")))(t)
	second := env.SMS.Code(phone)
	now = now.Add(5*time.Minute + time.Second)
	_, err = env.App.Auth.SignInSMS(ctx, phone, second, "ip1", true)
	apptest.Code(t, err, auth.CodeCodeExpired)

	// One client's wrong guesses back it off (3 a minute); all clients'
	// guesses together void the code after 10, even the right one after.
	now = now.Add(time.Minute)
	apptest.Must(env.App.Auth.SendCode(ctx, phone, "ip1", true, apptest.Captcha(t, env, "ip1")))(t)
	third := env.SMS.Code(phone)
	guess := 0
	wrongGuess := func(ip string) error {
		guess++
		_, err := env.App.Auth.SignInSMS(ctx, phone, fmt.Sprintf("%06d", (atoi(third)+guess)%1000000), ip, true)
		return err
	}
	for range 3 {
		apptest.Code(t, wrongGuess("ip1"), auth.CodeCodeWrong)
	}
	if pe := apptest.Code(t, wrongGuess("ip1"), auth.CodeTooManyAttempts); pe.RetryAfter <= 0 {
		t.Fatalf("backed off without a retry hint: %+v", pe)
	}
	for _, ip := range []string{"ip2", "ip2", "ip2", "ip3", "ip3", "ip3", "ip4"} {
		apptest.Code(t, wrongGuess(ip), auth.CodeCodeWrong)
	}
	_, err = env.App.Auth.SignInSMS(ctx, phone, third, "ip5", true)
	apptest.Code(t, err, auth.CodeCodeLocked)

	// The per-phone hourly limit (5) holds whatever the address.
	for i := 0; i < 2; i++ {
		now = now.Add(61 * time.Second)
		apptest.Must(env.App.Auth.SendCode(ctx, phone, fmt.Sprintf("ip-%d", i), true, apptest.Captcha(t, env, "ip")))(t)
	}
	now = now.Add(61 * time.Second)
	_, err = env.App.Auth.SendCode(ctx, phone, "ip-9", true, apptest.Captcha(t, env, "ip-9"))
	apptest.Code(t, err, auth.CodeSMSTooFrequent)
	if env.SMS.Sent() != 5 {
		t.Errorf("sent %d messages, want 5", env.SMS.Sent())
	}
	// One client's share of a phone's daily codes is three.
	other := "13700137001"
	for range 3 {
		now = now.Add(61 * time.Second)
		apptest.Must(env.App.Auth.SendCode(ctx, other, "ip-x", true, apptest.Captcha(t, env, "ip-x")))(t)
	}
	now = now.Add(61 * time.Second)
	_, err = env.App.Auth.SendCode(ctx, other, "ip-x", true, apptest.Captcha(t, env, "ip-x"))
	apptest.Code(t, err, auth.CodeSMSTooFrequent)
	apptest.Must(env.App.Auth.SendCode(ctx, other, "ip-y", true, apptest.Captcha(t, env, "ip-y")))(t)

	// Sessions end.
	if err := env.App.Auth.SignOut(ctx, in.Token); err != nil {
		t.Fatal(err)
	}
	_, err = env.App.Auth.Authenticate(ctx, in.Token, "ip1")
	apptest.Code(t, err, auth.CodeAuthRequired)
	_, err = env.App.Auth.Authenticate(ctx, "", "ip1")
	apptest.Code(t, err, auth.CodeAuthRequired)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestWeChatSignIn(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	in := apptest.Must(env.App.Auth.SignInWeChat(ctx, "wx-alice", "ip"))(t)
	b, _ := json.Marshal(in)
	if bytes.Contains(b, []byte("SESSIONKEY")) || in.Token == "" {
		t.Fatalf("sign-in result %s", b)
	}
	again := apptest.Must(env.App.Auth.SignInWeChat(ctx, "wx-alice", "ip"))(t)
	if again.UserID != in.UserID {
		t.Errorf("same openid, two users")
	}
	bob := apptest.Must(env.App.Auth.SignInWeChat(ctx, "wx-bob", "ip"))(t)
	if bob.UserID == in.UserID {
		t.Errorf("two openids, one user")
	}
	who := apptest.Must(env.App.Auth.Authenticate(ctx, in.Token, "ip"))(t)
	if who.Channel != domain.ChannelWeChat {
		t.Errorf("channel %q", who.Channel)
	}
	_, err := env.App.Auth.SignInWeChat(ctx, "used", "ip")
	apptest.Code(t, err, auth.CodeWeChatCode)
	_, err = env.App.Auth.SignInWeChat(ctx, "risky", "ip")
	apptest.Code(t, err, auth.CodeWeChatBlocked)
	_, err = env.App.Auth.SignInWeChat(ctx, "busy", "ip")
	if pe := apptest.Code(t, err, auth.CodeWeChatBusy); pe.RetryAfter <= 0 {
		t.Errorf("busy without retry hint")
	}
}

// TestStrangerCannotLockOwnerOut: ten wrong verifies from a stranger, for a
// phone that was sent no code and then while it has one, do not stop its
// owner signing in.
func TestStrangerCannotLockOwnerOut(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	const phone = "13700137100"
	for i := range 10 {
		_, err := env.App.Auth.SignInSMS(ctx, phone, fmt.Sprintf("%06d", i), "stranger", true)
		apptest.Code(t, err, auth.CodeCodeExpired) // no code: nothing to guess, nothing counted
	}
	apptest.Must(env.App.Auth.SendCode(ctx, phone, "owner", true, apptest.Captcha(t, env, "owner")))(t)
	code := env.SMS.Code(phone)
	for i := range 10 {
		_, err := env.App.Auth.SignInSMS(ctx, phone, fmt.Sprintf("%06d", (atoi(code)+1+i)%1000000), "stranger", true)
		if c := domain.Public(err).Code; c != auth.CodeCodeWrong && c != auth.CodeTooManyAttempts {
			t.Fatalf("stranger's guess %d: %v", i, err)
		}
	}
	apptest.Must(env.App.Auth.SignInSMS(ctx, phone, code, "owner", true))(t)
}

// TestCaptchaBeforeSMS: no code is sent without a passed challenge; a
// challenge is good for one try, right or wrong, and for five minutes.
func TestCaptchaBeforeSMS(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	now := time.Now()
	env.App.SetClock(func() time.Time { return now })
	const phone = "13700137200"
	_, err := env.App.Auth.SendCode(ctx, phone, "ip", true, auth.CaptchaAnswer{})
	apptest.Code(t, err, auth.CodeCaptchaRequired)
	c := apptest.Captcha(t, env, "ip")
	wrong := c
	wrong.Answer = "99"
	_, err = env.App.Auth.SendCode(ctx, phone, "ip", true, wrong)
	apptest.Code(t, err, auth.CodeCaptchaWrong)
	_, err = env.App.Auth.SendCode(ctx, phone, "ip", true, c) // the right answer, too late: spent
	apptest.Code(t, err, auth.CodeCaptchaExpired)
	late := apptest.Captcha(t, env, "ip")
	now = now.Add(5*time.Minute + time.Second)
	_, err = env.App.Auth.SendCode(ctx, phone, "ip", true, late)
	apptest.Code(t, err, auth.CodeCaptchaExpired)
	if env.SMS.Sent() != 0 {
		t.Fatalf("%d codes sent without a passed challenge", env.SMS.Sent())
	}
	full := apptest.Captcha(t, env, "ip")
	full.Answer = " " + string(rune('０'+int(full.Answer[0]-'0'))) + full.Answer[1:] // full-width digits, spaces: still right
	apptest.Must(env.App.Auth.SendCode(ctx, phone, "ip", true, full))(t)
}
