package apptest

import (
	"context"
	"testing"
	"time"

	"zhipai/internal/auth"
	"zhipai/internal/captcha"
	"zhipai/internal/capture"
	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/jpegturbo"
	"zhipai/internal/raster"
)

// Code asserts err is a public error with the code and a message.
func Code(t testing.TB, err error, want string) *domain.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	pe := domain.Public(err)
	if pe.Code != want {
		t.Fatalf("error %s (%v), want %s", pe.Code, err, want)
	}
	if pe.Message == "" {
		t.Fatalf("error %s without a message: %+v", want, pe)
	}
	return pe
}

// Must(f())(t) fails the test when f fails.
func Must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// NoErr fails the test on an error.
func NoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// SignIn signs a phone in by SMS through the local gateway.
func SignIn(t testing.TB, env *Env, phone, ip string) domain.Caller {
	t.Helper()
	ctx, a := context.Background(), env.App.Auth
	Must(a.SendCode(ctx, phone, ip, true, Captcha(t, env, ip)))(t)
	in := Must(a.SignInSMS(ctx, phone, env.SMS.Code(phone), ip, true))(t)
	return Must(a.Authenticate(ctx, in.Token, ip))(t)
}

// Enrolled takes a caller to the capture step as the roster's student
// with this name and document number.
func Enrolled(t testing.TB, env *Env, who domain.Caller, name, doc string) {
	t.Helper()
	ctx, e, cid := context.Background(), env.App.Enrol, env.Demo.CampaignID
	NoErr(t, e.Join(ctx, who, cid))
	c := Must(e.Consent(ctx, who, cid))(t)
	NoErr(t, e.AcceptConsent(ctx, who, cid, c.Version))
	Must(e.SetIdentity(ctx, who, cid, enrol.IdentityInput{Name: name, DocType: "resident_id", DocNumber: doc}))(t)
	front, back := CardsFor(t, name, doc)
	Must(e.UploadIDImage(ctx, who, cid, enrol.SideFront, front))(t)
	Must(e.UploadIDImage(ctx, who, cid, enrol.SideBack, back))(t)
	Must(e.Match(ctx, who, cid))(t)
	NoErr(t, e.Confirm(ctx, who, cid))
}

// WaitUpload polls until the job has processed the upload.
func WaitUpload(t testing.TB, env *Env, who domain.Caller, id int64) capture.UploadView {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		u := Must(env.App.Capture.UploadStatus(context.Background(), who, id))(t)
		if u.Status.Finished() {
			return u
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("upload %d not processed in 60 s", id)
	return capture.UploadView{}
}

// Mirrored is a different photo of the same person (a retake stand-in
// when the evaluation photos are absent).
func Mirrored(t testing.TB) []byte {
	img := Astronaut(t)
	out := raster.NewImage(img.W, img.H)
	for y := 0; y < img.H; y++ {
		for x := 0; x < img.W; x++ {
			r, g, b := img.At(img.W-1-x, y)
			out.Set(x, y, r, g, b)
		}
	}
	jb, err := jpegturbo.Encode(out, jpegturbo.EncodeOptions{Quality: 92, DPI: 72})
	if err != nil {
		t.Fatal(err)
	}
	return jb
}

// Captcha passes a sign-in challenge as a screen-reader user would: by its
// question in words.
func Captcha(t testing.TB, env *Env, ip string) auth.CaptchaAnswer {
	t.Helper()
	c := Must(env.App.Auth.NewCaptcha(context.Background(), ip))(t)
	answer, ok := captcha.Solve(c.Question)
	if !ok {
		t.Fatalf("cannot read the challenge %q", c.Question)
	}
	return auth.CaptchaAnswer{ID: c.ID, Answer: answer}
}

// Must2 is Must for a call with two results.
func Must2[T, U any](v T, w U, err error) func(testing.TB) (T, U) {
	return func(t testing.TB) (T, U) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v, w
	}
}
