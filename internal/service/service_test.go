package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/config"
	"zhipai/internal/domain"
	"zhipai/internal/job"
	"zhipai/internal/jpegturbo"
	"zhipai/internal/raster"
	"zhipai/internal/service"
	"zhipai/internal/store"
)

var ctx = context.Background()

// code asserts err is a public error with the code.
func code(t *testing.T, err error, want string) *service.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	pe := service.Public(err)
	if pe.Code != want {
		t.Fatalf("error %s (%v), want %s", pe.Code, err, want)
	}
	if pe.Message == "" {
		t.Fatalf("error %s without a message: %+v", want, pe)
	}
	return pe
}

// must(f())(t) fails the test when f fails.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// signIn signs a phone in by SMS through the local gateway.
func signIn(t *testing.T, env *apptest.Env, phone, ip string) service.Caller {
	t.Helper()
	svc := env.App.Service
	must(svc.SendCode(ctx, phone, ip, true))(t)
	in := must(svc.SignInSMS(ctx, phone, env.SMS.Code(phone), ip, true))(t)
	return must(svc.Authenticate(ctx, in.Token, ip))(t)
}

// enrolled takes a caller to the capture step as the demo student i.
func enrolled(t *testing.T, env *apptest.Env, who service.Caller, name, doc string) {
	t.Helper()
	svc, cid := env.App.Service, env.Demo.CampaignID
	must(svc.Join(ctx, who, cid))(t)
	c := must(svc.Consent(ctx, who, cid))(t)
	if err := svc.AcceptConsent(ctx, who, cid, c.Version); err != nil {
		t.Fatal(err)
	}
	must(svc.SetIdentity(ctx, who, cid, service.IdentityInput{Name: name, DocType: "resident_id", DocNumber: doc}))(t)
	front, back := apptest.Cards(t)
	must(svc.UploadIDImage(ctx, who, cid, service.SideFront, front))(t)
	must(svc.UploadIDImage(ctx, who, cid, service.SideBack, back))(t)
	must(svc.Match(ctx, who, cid))(t)
	must(svc.Confirm(ctx, who, cid))(t)
}

// waitUpload polls until the job has processed the upload.
func waitUpload(t *testing.T, env *apptest.Env, who service.Caller, id int64) service.UploadView {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		u := must(env.App.Service.UploadStatus(ctx, who, id))(t)
		if u.Status.Finished() {
			return u
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("upload %d not processed in 60 s", id)
	return service.UploadView{}
}

// mirrored is a different photo of the same person (a retake stand-in
// when the evaluation photos are absent).
func mirrored(t *testing.T) []byte {
	img := apptest.Astronaut(t)
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

func retakePhoto(t *testing.T) []byte {
	if b, ok := apptest.SharedPhoto(t, "hivision/test1.jpg"); ok {
		return b
	}
	return mirrored(t)
}

// TestStudentPath walks the whole path on both engines: every state of
// the review, and the refusals met on the way.
func TestStudentPath(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{NoWorkers: true}) // started once the upload is seen waiting
			svc, cid := env.App.Service, env.Demo.CampaignID
			who := signIn(t, env, "13800138000", "10.0.0.1")

			st := must(svc.Status(ctx, who, cid))(t)
			if st.Joined || st.Step != service.StepJoin {
				t.Fatalf("before joining: %+v", st)
			}
			must(svc.Join(ctx, who, cid))(t)
			_, err := svc.SetIdentity(ctx, who, cid, service.IdentityInput{Name: "张三", DocType: "resident_id", DocNumber: env.Demo.Student.DocNumber})
			code(t, err, service.CodeConsentRequired) // ID-9: consent before any ID number
			code(t, svc.AcceptConsent(ctx, who, cid, "old-version"), service.CodeConsentOutdated)
			c := must(svc.Consent(ctx, who, cid))(t)
			if err := svc.AcceptConsent(ctx, who, cid, c.Version); err != nil {
				t.Fatal(err)
			}

			doc := env.Demo.Student.DocNumber
			bad := []byte(doc)
			bad[17] = "0123456789X"[(strings.IndexByte("0123456789X", bad[17])+1)%11]
			for _, tc := range []struct {
				in   service.IdentityInput
				code string
			}{
				{service.IdentityInput{Name: "张三", DocType: "resident_id", DocNumber: string(bad)}, service.CodeCheckDigit},
				{service.IdentityInput{Name: "张三", DocType: "resident_id", DocNumber: "11010120071332" + "0011"}, service.CodeBirthDate},
				{service.IdentityInput{Name: "张三", DocType: "resident_id", DocNumber: "12345"}, service.CodeDocFormat},
				{service.IdentityInput{Name: "", DocType: "resident_id", DocNumber: doc}, service.CodeName},
				{service.IdentityInput{Name: "张三", DocType: "driving_licence", DocNumber: doc}, service.CodeDocType},
				{service.IdentityInput{Name: "张三", DocType: "cn_passport", DocNumber: "E12345678"}, service.CodeDocType}, // not accepted by this campaign
			} {
				_, err := svc.SetIdentity(ctx, who, cid, tc.in)
				code(t, err, tc.code)
			}
			// The name the roster does not have: the match fails with the
			// one generic message.
			idv := must(svc.SetIdentity(ctx, who, cid, service.IdentityInput{Name: "张叁", DocType: "居民身份证", DocNumber: doc}))(t)
			if idv.DocMasked != doc[:3]+"***********"+doc[14:] || strings.Contains(fmt.Sprint(idv), doc) {
				t.Fatalf("identity shown unmasked: %+v", idv)
			}
			_, err = svc.Match(ctx, who, cid)
			code(t, err, service.CodeIDImages)
			front, back := apptest.Cards(t)
			_, err = svc.UploadIDImage(ctx, who, cid, service.SideFront, back)
			if pe := code(t, err, "idcard.side"); !strings.Contains(pe.Message, "人像面") {
				t.Errorf("wrong side message %q", pe.Message)
			}
			_, err = svc.UploadIDImage(ctx, who, cid, service.SideFront, []byte("GIF89a...."))
			code(t, err, "photo.gif")
			_, err = svc.UploadIDImage(ctx, who, cid, "left", front)
			code(t, err, service.CodeIDSide)
			must(svc.UploadIDImage(ctx, who, cid, service.SideFront, front))(t)
			must(svc.UploadIDImage(ctx, who, cid, service.SideBack, back))(t)
			_, err = svc.Match(ctx, who, cid)
			noMatch := code(t, err, service.CodeNoMatch)
			if noMatch.Message != service.Message(service.CodeNoMatch) || !strings.Contains(noMatch.Message, "末位的 X") {
				t.Errorf("no-match message %q", noMatch.Message)
			}
			must(svc.SetIdentity(ctx, who, cid, service.IdentityInput{Name: " 张三 ", DocType: "resident_id", DocNumber: strings.ToLower(doc)}))(t)
			rec := must(svc.Match(ctx, who, cid))(t)
			if rec.Name != "张三" || rec.College == "" || rec.ClassName == "" || rec.DocMasked == doc || !strings.Contains(rec.DocMasked, "***") {
				t.Fatalf("record %+v", rec)
			}
			_, err = svc.SetIdentity(ctx, who, cid, service.IdentityInput{Name: "张三", DocType: "resident_id", DocNumber: doc})
			code(t, err, service.CodeIdentityLocked)

			// A second account cannot take the same roster row.
			other := signIn(t, env, "13900139000", "10.0.0.2")
			must(svc.Join(ctx, other, cid))(t)
			svc.AcceptConsent(ctx, other, cid, c.Version)
			must(svc.SetIdentity(ctx, other, cid, service.IdentityInput{Name: "张三", DocType: "resident_id", DocNumber: doc}))(t)
			must(svc.UploadIDImage(ctx, other, cid, service.SideFront, front))(t)
			must(svc.UploadIDImage(ctx, other, cid, service.SideBack, back))(t)
			_, err = svc.Match(ctx, other, cid)
			code(t, err, service.CodeRosterBound)

			_, _, err = svc.Upload(ctx, who, cid, "key-00000001", apptest.Testdata(t, "astronaut.png"))
			code(t, err, service.CodeNotConfirmed)
			st = must(svc.Confirm(ctx, who, cid))(t)
			if st.Step != service.StepCapture || st.Record == nil {
				t.Fatalf("after confirm %+v", st)
			}

			// Uploads: bad input first.
			_, _, err = svc.Upload(ctx, who, cid, "k", apptest.Testdata(t, "astronaut.png"))
			code(t, err, service.CodeIdempotencyKey)
			_, _, err = svc.Upload(ctx, who, cid, "key-bad-type", []byte("%PDF-1.4 not a photo"))
			code(t, err, "photo.unsupported_format")
			_, _, err = svc.Upload(ctx, who, cid, "key-too-big", make([]byte, 30<<20+1))
			code(t, err, service.CodeRequestTooLarge)

			photo1 := apptest.Testdata(t, "astronaut.png")
			up, created, err := svc.Upload(ctx, who, cid, "key-00000001", photo1)
			if err != nil || !created || up.Status != domain.UploadQueued {
				t.Fatalf("upload %+v %v %v", up, created, err)
			}
			again, created, err := svc.Upload(ctx, who, cid, "key-00000001", photo1)
			if err != nil || created || again.ID != up.ID {
				t.Fatalf("retried upload made another: %+v %v %v", again, created, err)
			}
			// Queued, not processed yet: nothing to submit.
			_, err = svc.Submit(ctx, who, up.ID)
			code(t, err, service.CodeNotReady)
			env.Start(t)
			done := waitUpload(t, env, who, up.ID)
			if done.Status != domain.UploadDone || !done.HasResult || done.Blocking || !done.CanSubmit || done.Output == nil || done.Output.Width != 480 {
				t.Fatalf("processed upload %+v", done)
			}
			result := must(svc.UploadImage(ctx, who, up.ID, service.ImageResult))(t)
			if cfg, err := jpeg.DecodeConfig(bytes.NewReader(result)); err != nil || cfg.Width != 480 || cfg.Height != 640 {
				t.Fatalf("result image %+v: %v", cfg, err)
			}
			if len(must(svc.UploadImage(ctx, who, up.ID, service.ImagePreview))(t)) == 0 {
				t.Fatal("no preview")
			}
			// Nobody else sees it.
			_, err = svc.UploadStatus(ctx, other, up.ID)
			code(t, err, service.CodeNotFound)
			_, err = svc.UploadImage(ctx, other, up.ID, service.ImageResult)
			code(t, err, service.CodeNotFound)
			_, err = svc.Submit(ctx, other, up.ID)
			code(t, err, service.CodeNotFound)

			sub := must(svc.Submit(ctx, who, up.ID))(t)
			if sub.State != domain.StatePending || !sub.CanWithdraw || sub.StateTitle != "待审核" {
				t.Fatalf("submitted %+v", sub)
			}
			_, err = svc.Submit(ctx, who, up.ID)
			code(t, err, service.CodeAlreadySubmitted)
			_, err = svc.Withdraw(ctx, other, sub.ID)
			code(t, err, service.CodeNotFound)
			_, _, err = svc.Upload(ctx, who, cid, "key-00000002", photo1)
			code(t, err, service.CodeUnderReview)

			// Withdraw, upload again, submit, and be rejected.
			w := must(svc.Withdraw(ctx, who, sub.ID))(t)
			if w.State != domain.StateWithdrawn || w.CanWithdraw || !w.CanRetake {
				t.Fatalf("withdrawn %+v", w)
			}
			_, err = svc.Withdraw(ctx, who, sub.ID)
			code(t, err, service.CodeCannotWithdraw)
			up2 := must3(svc.Upload(ctx, who, cid, "key-00000002", photo1))(t)
			waitUpload(t, env, who, up2.ID)
			_, err = svc.Submit(ctx, who, up.ID)
			code(t, err, service.CodeAlreadySubmitted) // the withdrawn photo itself
			sub2 := must(svc.Submit(ctx, who, up2.ID))(t)
			_, err = svc.Review(ctx, sub2.ID, domain.StateRejected, nil, "", "cli")
			code(t, err, service.CodeReviewReason)
			_, err = svc.Review(ctx, sub2.ID, domain.StateRejected, []string{"R77"}, "", "cli")
			code(t, err, service.CodeReviewReason)
			rej := must(svc.Review(ctx, sub2.ID, domain.StateRejected, []string{"r09"}, "请闭上嘴", "cli"))(t)
			if rej.State != "rejected" || len(rej.Reasons) != 1 || rej.Reasons[0].Code != "R09" || rej.Reasons[0].Advice == "" || rej.Deadline == nil || !rej.CanRetake {
				t.Fatalf("rejected %+v", rej)
			}
			_, err = svc.Withdraw(ctx, who, sub2.ID)
			code(t, err, service.CodeCannotWithdraw)
			st = must(svc.Status(ctx, who, cid))(t)
			if st.Step != service.StepCapture || st.Submission == nil || st.Submission.State != "rejected" || st.Upload.CanSubmit {
				t.Fatalf("status after rejection %+v", st)
			}

			// The same photo again: refused, exactly (same bytes) and
			// perceptually (the WebP copy of the same picture).
			_, _, err = svc.Upload(ctx, who, cid, "key-00000003", photo1)
			code(t, err, service.CodeDuplicate)
			dupe := must3(svc.Upload(ctx, who, cid, "key-00000004", apptest.Testdata(t, "astronaut.webp")))(t)
			if got := waitUpload(t, env, who, dupe.ID); got.Status != domain.UploadFailed || got.Error == nil || got.Error.Code != service.CodeDuplicate {
				t.Fatalf("re-encoded rejected photo: %+v", got)
			}

			// A refused photo cannot be submitted.
			refused := must3(svc.Upload(ctx, who, cid, "key-00000005", apptest.Testdata(t, "hopper.jpg")))(t)
			if got := waitUpload(t, env, who, refused.ID); got.Status != domain.UploadFailed || got.Error == nil || got.Error.Message == "" || got.CanSubmit {
				t.Fatalf("refused photo: %+v", got)
			}
			_, err = svc.Submit(ctx, who, refused.ID)
			code(t, err, service.CodeRefused)

			// The retake is approved and then locked.
			retake := must3(svc.Upload(ctx, who, cid, "key-00000006", retakePhoto(t)))(t)
			if got := waitUpload(t, env, who, retake.ID); !got.CanSubmit {
				t.Fatalf("retake: %+v", got)
			}
			_, err = svc.Submit(ctx, who, up2.ID)
			code(t, err, service.CodeAlreadySubmitted) // the rejected one
			_, err = svc.Submit(ctx, who, dupe.ID)
			code(t, err, service.CodeNotSuperseded) // an older upload
			sub3 := must(svc.Submit(ctx, who, retake.ID))(t)
			must(svc.Review(ctx, sub3.ID, domain.StateInReview, nil, "", "cli"))(t)
			_, err = svc.Withdraw(ctx, who, sub3.ID)
			code(t, err, service.CodeCannotWithdraw)
			ok := must(svc.Review(ctx, sub3.ID, domain.StateApproved, nil, "", "cli"))(t)
			if !ok.Locked || ok.CanRetake || len(ok.History) != 3 {
				t.Fatalf("approved %+v", ok)
			}
			_, _, err = svc.Upload(ctx, who, cid, "key-00000007", mirrored(t))
			code(t, err, service.CodeLocked)
			_, err = svc.Review(ctx, sub3.ID, domain.StateRejected, []string{"R01"}, "", "cli")
			code(t, err, service.CodeReviewState)
			st = must(svc.Status(ctx, who, cid))(t)
			// Five uploads, two of them refused without a result (the perceptual
			// duplicate and the refused photo): only the three results count.
			if st.Step != service.StepApproved || st.UploadsLeft != 10-3 {
				t.Fatalf("final status step %s, uploads left %d", st.Step, st.UploadsLeft)
			}
		})
	}
}

// must3(svc.Upload(...))(t) is a new upload, or the test fails.
func must3(v service.UploadView, created bool, err error) func(*testing.T) service.UploadView {
	return func(t *testing.T) service.UploadView {
		t.Helper()
		if err != nil || !created {
			t.Fatalf("upload: created %v, %v", created, err)
		}
		return v
	}
}

func TestSMSCodes(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	svc := env.App.Service
	now := time.Now()
	svc.SetClock(func() time.Time { return now })
	const phone = "13700137000"

	_, err := svc.SendCode(ctx, phone, "ip1", false)
	code(t, err, service.CodeAgreement)
	_, err = svc.SendCode(ctx, "1380013800", "ip1", true)
	code(t, err, service.CodePhone)
	_, err = svc.SendCode(ctx, "23800138000", "ip1", true)
	code(t, err, service.CodePhone)
	must(svc.SendCode(ctx, "+86 137-0013-7000", "ip1", true))(t)
	first := env.SMS.Code(phone)
	if len(first) != 6 {
		t.Fatalf("code %q", first)
	}
	_, err = svc.SendCode(ctx, phone, "ip1", true)
	if pe := code(t, err, service.CodeSMSTooFrequent); pe.RetryAfter <= 0 {
		t.Fatalf("too frequent: %+v", pe)
	}
	_, err = svc.SignInSMS(ctx, phone, first, "ip1", false)
	code(t, err, service.CodeAgreement)
	wrong := fmt.Sprintf("%06d", (atoi(first)+1)%1000000)
	_, err = svc.SignInSMS(ctx, phone, wrong, "ip1", true)
	code(t, err, service.CodeCodeWrong)
	in := must(svc.SignInSMS(ctx, phone, first, "ip1", true))(t)
	_, err = svc.SignInSMS(ctx, phone, first, "ip1", true)
	code(t, err, service.CodeCodeUsed)
	who := must(svc.Authenticate(ctx, in.Token, "ip1"))(t)
	me := must(svc.Whoami(ctx, who))(t)
	if me.PhoneMasked != "137****7000" {
		t.Errorf("me %+v", me)
	}

	// Expiry: a code is good for five minutes.
	now = now.Add(2 * time.Minute)
	must(svc.SendCode(ctx, phone, "ip1", true))(t)
	second := env.SMS.Code(phone)
	now = now.Add(5*time.Minute + time.Second)
	_, err = svc.SignInSMS(ctx, phone, second, "ip1", true)
	code(t, err, service.CodeCodeExpired)

	// Five wrong guesses void a code, even the right one after them.
	now = now.Add(time.Minute)
	must(svc.SendCode(ctx, phone, "ip1", true))(t)
	third := env.SMS.Code(phone)
	for i := 0; i < 5; i++ {
		_, err = svc.SignInSMS(ctx, phone, fmt.Sprintf("%06d", (atoi(third)+1+i)%1000000), "ip1", true)
		code(t, err, service.CodeCodeWrong)
	}
	_, err = svc.SignInSMS(ctx, phone, third, "ip1", true)
	code(t, err, service.CodeCodeLocked)

	// The per-phone hourly limit (5) holds whatever the address.
	for i := 0; i < 2; i++ {
		now = now.Add(61 * time.Second)
		must(svc.SendCode(ctx, phone, fmt.Sprintf("ip-%d", i), true))(t)
	}
	now = now.Add(61 * time.Second)
	_, err = svc.SendCode(ctx, phone, "ip-9", true)
	code(t, err, service.CodeSMSTooFrequent)
	if env.SMS.Sent() != 5 {
		t.Errorf("sent %d messages, want 5", env.SMS.Sent())
	}

	// Sessions end.
	if err := svc.SignOut(ctx, in.Token); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Authenticate(ctx, in.Token, "ip1")
	code(t, err, service.CodeAuthRequired)
	_, err = svc.Authenticate(ctx, "", "ip1")
	code(t, err, service.CodeAuthRequired)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestWeChatSignIn(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	svc := env.App.Service
	in := must(svc.SignInWeChat(ctx, "wx-alice", "ip"))(t)
	b, _ := json.Marshal(in)
	if bytes.Contains(b, []byte("SESSIONKEY")) || in.Token == "" {
		t.Fatalf("sign-in result %s", b)
	}
	again := must(svc.SignInWeChat(ctx, "wx-alice", "ip"))(t)
	if again.UserID != in.UserID {
		t.Errorf("same openid, two users")
	}
	bob := must(svc.SignInWeChat(ctx, "wx-bob", "ip"))(t)
	if bob.UserID == in.UserID {
		t.Errorf("two openids, one user")
	}
	who := must(svc.Authenticate(ctx, in.Token, "ip"))(t)
	if who.Channel != service.ChannelWeChat {
		t.Errorf("channel %q", who.Channel)
	}
	_, err := svc.SignInWeChat(ctx, "used", "ip")
	code(t, err, service.CodeWeChatCode)
	_, err = svc.SignInWeChat(ctx, "risky", "ip")
	code(t, err, service.CodeWeChatBlocked)
	_, err = svc.SignInWeChat(ctx, "busy", "ip")
	if pe := code(t, err, service.CodeWeChatBusy); pe.RetryAfter <= 0 {
		t.Errorf("busy without retry hint")
	}
}

func TestMatchAttemptsAreLimited(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	svc, cid := env.App.Service, env.Demo.CampaignID
	who := signIn(t, env, "13600136000", "10.1.1.1")
	must(svc.Join(ctx, who, cid))(t)
	c := must(svc.Consent(ctx, who, cid))(t)
	svc.AcceptConsent(ctx, who, cid, c.Version)
	must(svc.SetIdentity(ctx, who, cid, service.IdentityInput{Name: "不在名单", DocType: "resident_id", DocNumber: env.Demo.Student.DocNumber}))(t)
	front, back := apptest.Cards(t)
	must(svc.UploadIDImage(ctx, who, cid, service.SideFront, front))(t)
	must(svc.UploadIDImage(ctx, who, cid, service.SideBack, back))(t)
	for i := 0; i < 5; i++ {
		_, err := svc.Match(ctx, who, cid)
		code(t, err, service.CodeNoMatch)
	}
	_, err := svc.Match(ctx, who, cid)
	if pe := code(t, err, service.CodeMatchLimited); pe.RetryAfter <= 0 {
		t.Fatalf("limit %+v", pe)
	}
}

func TestCampaignErrors(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	svc := env.App.Service
	who := signIn(t, env, "13500135000", "ip")
	_, err := svc.Join(ctx, who, 99999)
	code(t, err, service.CodeCampaignNotFound)
	_, err = svc.CampaignByCode(ctx, "NOSUCHCODE")
	code(t, err, service.CodeCampaignNotFound)
	c := must(svc.CampaignByCode(ctx, " zhipai2026 "))(t)
	if c.ID != env.Demo.CampaignID || c.Spec.Width != 480 || len(c.FAQ) == 0 || c.Contact.Phone == "" {
		t.Fatalf("campaign %+v", c)
	}
	_, err = svc.SetIdentity(ctx, who, c.ID, service.IdentityInput{})
	code(t, err, service.CodeNotJoined)
	// A campaign that has closed takes no one.
	svc.SetClock(func() time.Time { return time.Now().AddDate(2, 0, 0) })
	_, err = svc.Join(ctx, who, c.ID)
	code(t, err, service.CodeCampaignClosed)
	if list := must(svc.Campaigns(ctx))(t); len(list) != 0 {
		t.Errorf("closed campaign listed")
	}
}

// TestQueueFullAnswers429: with the queue at its limit, an upload is
// refused with a retry hint and nothing is stored.
func TestQueueFullAnswers429(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true, Config: func(c *config.Config) { c.QueueLimit = 1 }})
	svc, cid := env.App.Service, env.Demo.CampaignID
	who := signIn(t, env, "13400134000", "ip")
	enrolled(t, env, who, env.Demo.Student.Name, env.Demo.Student.DocNumber)
	must3(svc.Upload(ctx, who, cid, "key-queue-1", apptest.Testdata(t, "astronaut.png")))(t)
	who2 := signIn(t, env, "13400134001", "ip")
	s1 := app.DemoStudentAt(1)
	enrolled(t, env, who2, s1.Name, s1.DocNumber)
	_, _, err := svc.Upload(ctx, who2, cid, "key-queue-2", apptest.Testdata(t, "astronaut.png"))
	if pe := code(t, err, service.CodeQueueFull); pe.RetryAfter <= 0 {
		t.Fatalf("queue full: %+v", pe)
	}
	if n := must(env.App.Store.PendingUploads(ctx))(t); n != 1 {
		t.Fatalf("pending %d", n)
	}
}

// TestCrashLosesNoUpload: the process dies while a photo job runs (the
// job is left "running"); the next process's rescuer retries it and the
// photo is processed.
func TestCrashLosesNoUpload(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{NoWorkers: true, Job: func(c *job.Config) {
				c.JobTimeout, c.RescueAfter = time.Second, 2*time.Second
			}})
			svc, cid := env.App.Service, env.Demo.CampaignID
			who := signIn(t, env, "13300133000", "ip")
			enrolled(t, env, who, env.Demo.Student.Name, env.Demo.Student.DocNumber)
			up := must3(svc.Upload(ctx, who, cid, "key-crash-1", apptest.Testdata(t, "astronaut.png")))(t)
			// What a crash mid-job leaves: the job running, attempted long
			// ago by a process that no longer exists, the upload processing.
			old := time.Now().Add(-time.Hour)
			q := `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = ?, attempted_by = ? WHERE kind = 'standardize_photo'`
			args := []any{old.UTC().Format("2006-01-02 15:04:05.000"), `["dead-process"]`}
			if d == store.Postgres {
				q = `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = $1, attempted_by = ARRAY['dead-process'] WHERE kind = 'standardize_photo'`
				args = []any{old}
			}
			res, err := env.App.Store.DB().ExecContext(ctx, q, args...)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				t.Fatalf("%d jobs marked running", n)
			}
			if err := env.App.Store.StartUpload(ctx, up.ID); err != nil {
				t.Fatal(err)
			}
			env.Start(t)
			if got := waitUpload(t, env, who, up.ID); got.Status != domain.UploadDone || !got.HasResult {
				t.Fatalf("after restart: %+v", got)
			}
		})
	}
}

func TestPublicHidesInternalErrors(t *testing.T) {
	pe := service.Public(errors.New("pq: relation users does not exist"))
	if pe.Code != service.CodeInternal || strings.Contains(pe.Message, "users") {
		t.Fatalf("%+v", pe)
	}
	for _, code := range service.Codes() {
		if service.Message(code) == "" {
			t.Errorf("%s: no message", code)
		}
	}
}

// TestInstancesShareOneDatabase: two instances on one PostgreSQL (and one
// photo directory): a student signs in on one and is served by the other,
// the upload stored by the first is processed by the second's workers,
// and a request waiting on the first sees the result.
func TestInstancesShareOneDatabase(t *testing.T) {
	a := apptest.New(t, store.Postgres, apptest.Options{NoWorkers: true})
	b := apptest.New(t, store.Postgres, apptest.Options{Share: a})
	svcA, svcB, cid := a.App.Service, b.App.Service, a.Demo.CampaignID
	if b.Demo.CampaignID != cid {
		t.Fatalf("the second instance seeded another campaign: %d, %d", b.Demo.CampaignID, cid)
	}
	must(svcA.SendCode(ctx, "13200132000", "ip", true))(t)
	in := must(svcA.SignInSMS(ctx, "13200132000", a.SMS.Code("13200132000"), "ip", true))(t)
	who := must(svcB.Authenticate(ctx, in.Token, "ip"))(t) // the session holds across instances
	enrolled(t, b, who, a.Demo.Student.Name, a.Demo.Student.DocNumber)
	// Rate limits hold across instances too: the second code within the
	// minute is refused by the other instance.
	_, err := svcB.SendCode(ctx, "13200132000", "ip", true)
	code(t, err, service.CodeSMSTooFrequent)

	up := must3(svcA.Upload(ctx, who, cid, "key-shared-1", apptest.Testdata(t, "astronaut.png")))(t)
	got := must(svcA.WaitUpload(ctx, who, up.ID, 60*time.Second))(t) // instance A has no workers
	if got.Status != domain.UploadDone || !got.HasResult {
		t.Fatalf("processed by the other instance: %+v", got)
	}
	if n := svcA.Waiting(); n != 0 {
		t.Errorf("%d finish signals left behind by a wait the other instance ended", n)
	}
	if len(must(svcA.UploadImage(ctx, who, up.ID, service.ImageResult))(t)) == 0 {
		t.Fatal("the result is not readable from the instance that took the upload")
	}
}

// TestUnprocessableUploadIsToldNotLeftWaiting: an upload whose photo is
// gone fails every attempt; after the last one the student is told.
func TestUnprocessableUploadIsToldNotLeftWaiting(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	svc, cid := env.App.Service, env.Demo.CampaignID
	who := signIn(t, env, "13100131000", "ip")
	enrolled(t, env, who, env.Demo.Student.Name, env.Demo.Student.DocNumber)
	up := must3(svc.Upload(ctx, who, cid, "key-gone-0001", apptest.Testdata(t, "astronaut.png")))(t)
	u := must(env.App.Store.Upload(ctx, up.ID))(t)
	if err := os.Remove(filepath.Join(env.Config.DataDir, "blobs", u.OriginalBlob)); err != nil {
		t.Fatal(err)
	}
	err := svc.ProcessUpload(ctx, up.ID)
	if err == nil {
		t.Fatal("processing a missing photo succeeded")
	}
	if err := svc.GiveUpUpload(ctx, up.ID, err); err != nil {
		t.Fatal(err)
	}
	got := must(svc.WaitUpload(ctx, who, up.ID, time.Second))(t)
	if got.Status != domain.UploadFailed || got.Error == nil || got.Error.Code != service.CodeInternal || got.Error.Message == "" || got.CanSubmit {
		t.Fatalf("given up: %+v", got)
	}
	if n := must(env.App.Store.PendingUploads(ctx))(t); n != 0 {
		t.Errorf("a given-up upload still fills the queue: %d", n)
	}
}

// TestConcurrentUploadsAtTheLimit: with one try left, eight uploads sent
// at once (different photos, different keys) give exactly one upload; the
// others are refused with upload.limit. On both engines.
func TestConcurrentUploadsAtTheLimit(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{NoWorkers: true})
			svc, cid := env.App.Service, env.Demo.CampaignID
			if _, err := env.App.Store.DB().ExecContext(ctx, fmt.Sprintf("UPDATE campaigns SET max_uploads = 1 WHERE id = %d", cid)); err != nil {
				t.Fatal(err)
			}
			who := signIn(t, env, "13400134100", "ip")
			s := app.DemoStudentAt(7)
			enrolled(t, env, who, s.Name, s.DocNumber)
			photo := apptest.Testdata(t, "astronaut.png")
			const n = 8
			errs := make(chan error, n)
			start := make(chan struct{})
			for i := range n {
				data := append(bytes.Clone(photo), byte(i)) // trailing bytes: another file, the same picture
				go func() {
					<-start
					_, _, err := svc.Upload(ctx, who, cid, fmt.Sprintf("key-race-%04d", i), data)
					errs <- err
				}()
			}
			close(start)
			ok := 0
			for range n {
				switch err := <-errs; {
				case err == nil:
					ok++
				case service.Public(err).Code != service.CodeUploadLimit:
					t.Errorf("upload: %v", err)
				}
			}
			if ok != 1 {
				t.Fatalf("%d of %d concurrent uploads passed a limit of one", ok, n)
			}
		})
	}
}
