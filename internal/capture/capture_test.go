package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/auth"
	"zhipai/internal/capture"
	"zhipai/internal/config"
	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/job"
	"zhipai/internal/review"
	"zhipai/internal/store"
)

var ctx = context.Background()

// TestStudentPath walks the whole path on both engines: every state of
// the review, and the refusals met on the way.
func TestStudentPath(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{NoWorkers: true}) // started once the upload is seen waiting
			cid := env.Demo.CampaignID
			who := apptest.SignIn(t, env, "13800138000", "10.0.0.1")

			st := apptest.Must(env.App.Capture.Status(ctx, who, cid))(t)
			if st.Joined || st.Step != domain.StepJoin {
				t.Fatalf("before joining: %+v", st)
			}
			apptest.NoErr(t, env.App.Enrol.Join(ctx, who, cid))
			_, err := env.App.Enrol.SetIdentity(ctx, who, cid, enrol.IdentityInput{Name: "张三", DocType: "resident_id", DocNumber: env.Demo.Student.DocNumber})
			apptest.Code(t, err, enrol.CodeConsentRequired) // ID-9: consent before any ID number
			apptest.Code(t, env.App.Enrol.AcceptConsent(ctx, who, cid, "old-version"), enrol.CodeConsentOutdated)
			c := apptest.Must(env.App.Enrol.Consent(ctx, who, cid))(t)
			if err := env.App.Enrol.AcceptConsent(ctx, who, cid, c.Version); err != nil {
				t.Fatal(err)
			}

			doc := env.Demo.Student.DocNumber
			bad := []byte(doc)
			bad[17] = "0123456789X"[(strings.IndexByte("0123456789X", bad[17])+1)%11]
			for _, tc := range []struct {
				in   enrol.IdentityInput
				code string
			}{
				{enrol.IdentityInput{Name: "张三", DocType: "resident_id", DocNumber: string(bad)}, enrol.CodeCheckDigit},
				{enrol.IdentityInput{Name: "张三", DocType: "resident_id", DocNumber: "11010120071332" + "0011"}, enrol.CodeBirthDate},
				{enrol.IdentityInput{Name: "张三", DocType: "resident_id", DocNumber: "12345"}, enrol.CodeDocFormat},
				{enrol.IdentityInput{Name: "", DocType: "resident_id", DocNumber: doc}, enrol.CodeName},
				{enrol.IdentityInput{Name: "张三", DocType: "driving_licence", DocNumber: doc}, enrol.CodeDocType},
				{enrol.IdentityInput{Name: "张三", DocType: "cn_passport", DocNumber: "E12345678"}, enrol.CodeDocType}, // not accepted by this campaign
			} {
				_, err := env.App.Enrol.SetIdentity(ctx, who, cid, tc.in)
				apptest.Code(t, err, tc.code)
			}
			// The name the roster does not have: the match fails with the
			// one generic message.
			idv := apptest.Must(env.App.Enrol.SetIdentity(ctx, who, cid, enrol.IdentityInput{Name: "张叁", DocType: "居民身份证", DocNumber: doc}))(t)
			if idv.DocMasked != doc[:3]+"***********"+doc[14:] || strings.Contains(fmt.Sprint(idv), doc) {
				t.Fatalf("identity shown unmasked: %+v", idv)
			}
			_, err = env.App.Enrol.Match(ctx, who, cid)
			apptest.Code(t, err, enrol.CodeIDImages)
			front, back := apptest.Cards(t)
			_, err = env.App.Enrol.UploadIDImage(ctx, who, cid, enrol.SideFront, back)
			if pe := apptest.Code(t, err, "idcard.side"); !strings.Contains(pe.Message, "人像面") {
				t.Errorf("wrong side message %q", pe.Message)
			}
			_, err = env.App.Enrol.UploadIDImage(ctx, who, cid, enrol.SideFront, []byte("GIF89a...."))
			apptest.Code(t, err, "photo.gif")
			_, err = env.App.Enrol.UploadIDImage(ctx, who, cid, "left", front)
			apptest.Code(t, err, enrol.CodeIDSide)
			// The card says 张三: the typo is caught at the card.
			_, err = env.App.Enrol.UploadIDImage(ctx, who, cid, enrol.SideFront, front)
			apptest.Code(t, err, enrol.CodeCardNameMismatch)
			apptest.Must(env.App.Enrol.UploadIDImage(ctx, who, cid, enrol.SideBack, back))(t)
			apptest.Must(env.App.Enrol.SetIdentity(ctx, who, cid, enrol.IdentityInput{Name: " 张三 ", DocType: "resident_id", DocNumber: strings.ToLower(doc)}))(t)
			apptest.Must(env.App.Enrol.UploadIDImage(ctx, who, cid, enrol.SideFront, front))(t)
			rec := apptest.Must(env.App.Enrol.Match(ctx, who, cid))(t)
			if rec.Name != "张三" || rec.College == "" || rec.ClassName == "" || rec.DocMasked == doc || !strings.Contains(rec.DocMasked, "***") {
				t.Fatalf("record %+v", rec)
			}
			_, err = env.App.Enrol.SetIdentity(ctx, who, cid, enrol.IdentityInput{Name: "张三", DocType: "resident_id", DocNumber: doc})
			apptest.Code(t, err, enrol.CodeIdentityLocked)

			// A second account cannot take the same roster row.
			other := apptest.SignIn(t, env, "13900139000", "10.0.0.2")
			apptest.NoErr(t, env.App.Enrol.Join(ctx, other, cid))
			env.App.Enrol.AcceptConsent(ctx, other, cid, c.Version)
			apptest.Must(env.App.Enrol.SetIdentity(ctx, other, cid, enrol.IdentityInput{Name: "张三", DocType: "resident_id", DocNumber: doc}))(t)
			apptest.Must(env.App.Enrol.UploadIDImage(ctx, other, cid, enrol.SideFront, front))(t)
			apptest.Must(env.App.Enrol.UploadIDImage(ctx, other, cid, enrol.SideBack, back))(t)
			// It holds the row's card: it is told the row is taken and the
			// school gets a support case (the ticket: package enrol's test).
			_, err = env.App.Enrol.Match(ctx, other, cid)
			apptest.Code(t, err, enrol.CodeRosterClaimed)
			_, err = env.App.Enrol.Match(ctx, other, cid) // retried: still one case
			apptest.Code(t, err, enrol.CodeRosterClaimed)
			cases := apptest.Must(env.App.Store.OpenSupportCases(ctx, cid))(t)
			if len(cases) != 1 || cases[0].Kind != domain.CaseRosterClaimed || cases[0].UserID != other.UserID || cases[0].IP != "10.0.0.2" {
				t.Fatalf("support cases %+v", cases)
			}

			_, _, err = env.App.Capture.Upload(ctx, who, cid, "key-00000001", apptest.Testdata(t, "astronaut.png"))
			apptest.Code(t, err, capture.CodeNotConfirmed)
			apptest.NoErr(t, env.App.Enrol.Confirm(ctx, who, cid))
			st = apptest.Must(env.App.Capture.Status(ctx, who, cid))(t)
			if st.Step != domain.StepCapture || st.Record == nil {
				t.Fatalf("after confirm %+v", st)
			}

			// Uploads: bad input first.
			_, _, err = env.App.Capture.Upload(ctx, who, cid, "k", apptest.Testdata(t, "astronaut.png"))
			apptest.Code(t, err, capture.CodeIdempotencyKey)
			_, _, err = env.App.Capture.Upload(ctx, who, cid, "key-bad-type", []byte("%PDF-1.4 not a photo"))
			apptest.Code(t, err, "photo.unsupported_format")
			_, _, err = env.App.Capture.Upload(ctx, who, cid, "key-too-big", make([]byte, 30<<20+1))
			apptest.Code(t, err, domain.CodeRequestTooLarge)

			photo1 := apptest.Testdata(t, "astronaut.png")
			up, created, err := env.App.Capture.Upload(ctx, who, cid, "key-00000001", photo1)
			if err != nil || !created || up.Status != domain.UploadQueued {
				t.Fatalf("upload %+v %v %v", up, created, err)
			}
			again, created, err := env.App.Capture.Upload(ctx, who, cid, "key-00000001", photo1)
			if err != nil || created || again.ID != up.ID {
				t.Fatalf("retried upload made another: %+v %v %v", again, created, err)
			}
			// Queued, not processed yet: nothing to submit.
			_, err = env.App.Capture.Submit(ctx, who, up.ID)
			apptest.Code(t, err, capture.CodeNotReady)
			env.Start(t)
			done := apptest.WaitUpload(t, env, who, up.ID)
			if done.Status != domain.UploadDone || !done.HasResult || done.Blocking || !done.CanSubmit || done.Output == nil || done.Output.Width != 480 {
				t.Fatalf("processed upload %+v", done)
			}
			result := apptest.Must(env.App.Capture.UploadImage(ctx, who, up.ID, capture.ImageResult))(t)
			if cfg, err := jpeg.DecodeConfig(bytes.NewReader(result)); err != nil || cfg.Width != 480 || cfg.Height != 640 {
				t.Fatalf("result image %+v: %v", cfg, err)
			}
			if len(apptest.Must(env.App.Capture.UploadImage(ctx, who, up.ID, capture.ImagePreview))(t)) == 0 {
				t.Fatal("no preview")
			}
			// Nobody else sees it.
			_, err = env.App.Capture.UploadStatus(ctx, other, up.ID)
			apptest.Code(t, err, domain.CodeNotFound)
			_, err = env.App.Capture.UploadImage(ctx, other, up.ID, capture.ImageResult)
			apptest.Code(t, err, domain.CodeNotFound)
			_, err = env.App.Capture.Submit(ctx, other, up.ID)
			apptest.Code(t, err, domain.CodeNotFound)

			sub := apptest.Must(env.App.Capture.Submit(ctx, who, up.ID))(t)
			if sub.State != domain.StatePending || !sub.CanWithdraw || sub.StateTitle != "待审核" {
				t.Fatalf("submitted %+v", sub)
			}
			_, err = env.App.Capture.Submit(ctx, who, up.ID)
			apptest.Code(t, err, capture.CodeAlreadySubmitted)
			_, err = env.App.Capture.Withdraw(ctx, other, sub.ID)
			apptest.Code(t, err, domain.CodeNotFound)
			_, _, err = env.App.Capture.Upload(ctx, who, cid, "key-00000002", photo1)
			apptest.Code(t, err, capture.CodeUnderReview)

			// Withdraw, upload again, submit, and be rejected.
			w := apptest.Must(env.App.Capture.Withdraw(ctx, who, sub.ID))(t)
			if w.State != domain.StateWithdrawn || w.CanWithdraw || !w.CanRetake {
				t.Fatalf("withdrawn %+v", w)
			}
			_, err = env.App.Capture.Withdraw(ctx, who, sub.ID)
			apptest.Code(t, err, capture.CodeCannotWithdraw)
			up2 := must3(env.App.Capture.Upload(ctx, who, cid, "key-00000002", photo1))(t)
			apptest.WaitUpload(t, env, who, up2.ID)
			_, err = env.App.Capture.Submit(ctx, who, up.ID)
			apptest.Code(t, err, capture.CodeAlreadySubmitted) // the withdrawn photo itself
			sub2 := apptest.Must(env.App.Capture.Submit(ctx, who, up2.ID))(t)
			_, err = decide(t, env, who, sub2.ID, domain.StateRejected, nil, "", "cli")
			apptest.Code(t, err, review.CodeReviewReason)
			_, err = decide(t, env, who, sub2.ID, domain.StateRejected, []string{"R77"}, "", "cli")
			apptest.Code(t, err, review.CodeReviewReason)
			rej := apptest.Must(decide(t, env, who, sub2.ID, domain.StateRejected, []string{"r09"}, "请闭上嘴", "cli"))(t)
			if rej.State != "rejected" || len(rej.Reasons) != 1 || rej.Reasons[0].Code != "R09" || rej.Reasons[0].Advice == "" || rej.Deadline == nil || !rej.CanRetake {
				t.Fatalf("rejected %+v", rej)
			}
			_, err = env.App.Capture.Withdraw(ctx, who, sub2.ID)
			apptest.Code(t, err, capture.CodeCannotWithdraw)
			st = apptest.Must(env.App.Capture.Status(ctx, who, cid))(t)
			if st.Step != domain.StepCapture || st.Submission == nil || st.Submission.State != "rejected" || st.Upload.CanSubmit {
				t.Fatalf("status after rejection %+v", st)
			}

			// The same photo again: refused, exactly (same bytes) and
			// perceptually (the WebP copy of the same picture).
			_, _, err = env.App.Capture.Upload(ctx, who, cid, "key-00000003", photo1)
			apptest.Code(t, err, capture.CodeDuplicate)
			dupe := must3(env.App.Capture.Upload(ctx, who, cid, "key-00000004", apptest.Testdata(t, "astronaut.webp")))(t)
			if got := apptest.WaitUpload(t, env, who, dupe.ID); got.Status != domain.UploadFailed || got.Error == nil || got.Error.Code != capture.CodeDuplicate {
				t.Fatalf("re-encoded rejected photo: %+v", got)
			}

			// A refused photo cannot be submitted.
			refused := must3(env.App.Capture.Upload(ctx, who, cid, "key-00000005", apptest.Testdata(t, "hopper.jpg")))(t)
			if got := apptest.WaitUpload(t, env, who, refused.ID); got.Status != domain.UploadFailed || got.Error == nil || got.Error.Message == "" || got.CanSubmit {
				t.Fatalf("refused photo: %+v", got)
			}
			_, err = env.App.Capture.Submit(ctx, who, refused.ID)
			apptest.Code(t, err, capture.CodeRefused)

			// The retake is approved and then locked.
			retake := must3(env.App.Capture.Upload(ctx, who, cid, "key-00000006", apptest.Mirrored(t)))(t)
			if got := apptest.WaitUpload(t, env, who, retake.ID); !got.CanSubmit {
				t.Fatalf("retake: %+v", got)
			}
			_, err = env.App.Capture.Submit(ctx, who, up2.ID)
			apptest.Code(t, err, capture.CodeAlreadySubmitted) // the rejected one
			_, err = env.App.Capture.Submit(ctx, who, dupe.ID)
			apptest.Code(t, err, capture.CodeNotSuperseded) // an older upload
			sub3 := apptest.Must(env.App.Capture.Submit(ctx, who, retake.ID))(t)
			apptest.Must(decide(t, env, who, sub3.ID, domain.StateInReview, nil, "", "cli"))(t)
			_, err = env.App.Capture.Withdraw(ctx, who, sub3.ID)
			apptest.Code(t, err, capture.CodeCannotWithdraw)
			ok := apptest.Must(decide(t, env, who, sub3.ID, domain.StateApproved, nil, "", "cli"))(t)
			if !ok.Locked || ok.CanRetake || len(ok.History) != 3 {
				t.Fatalf("approved %+v", ok)
			}
			_, _, err = env.App.Capture.Upload(ctx, who, cid, "key-00000007", apptest.Mirrored(t))
			apptest.Code(t, err, capture.CodeLocked)
			_, err = decide(t, env, who, sub3.ID, domain.StateRejected, []string{"R01"}, "", "cli")
			apptest.Code(t, err, review.CodeReviewState)
			st = apptest.Must(env.App.Capture.Status(ctx, who, cid))(t)
			// Five uploads, two of them refused without a result (the perceptual
			// duplicate and the refused photo): only the three results count.
			if st.Step != domain.StepApproved || st.UploadsLeft != 10-3 {
				t.Fatalf("final status step %s, uploads left %d", st.Step, st.UploadsLeft)
			}
		})
	}
}

// must3(env.App.Capture.Upload(...))(t) is a new upload, or the test fails.
func must3(v capture.UploadView, created bool, err error) func(*testing.T) capture.UploadView {
	return func(t *testing.T) capture.UploadView {
		t.Helper()
		if err != nil || !created {
			t.Fatalf("upload: created %v, %v", created, err)
		}
		return v
	}
}

// TestQueueFullAnswers429: with the queue at its limit, an upload is
// refused with a retry hint and nothing is stored.
func TestQueueFullAnswers429(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true, Config: func(c *config.Config) { c.QueueLimit = 1 }})
	cid := env.Demo.CampaignID
	who := apptest.SignIn(t, env, "13400134000", "ip")
	apptest.Enrolled(t, env, who, env.Demo.Student.Name, env.Demo.Student.DocNumber)
	must3(env.App.Capture.Upload(ctx, who, cid, "key-queue-1", apptest.Testdata(t, "astronaut.png")))(t)
	who2 := apptest.SignIn(t, env, "13400134001", "ip")
	s1 := app.DemoStudentAt(1)
	apptest.Enrolled(t, env, who2, s1.Name, s1.DocNumber)
	_, _, err := env.App.Capture.Upload(ctx, who2, cid, "key-queue-2", apptest.Testdata(t, "astronaut.png"))
	if pe := apptest.Code(t, err, capture.CodeQueueFull); pe.RetryAfter <= 0 {
		t.Fatalf("queue full: %+v", pe)
	}
	if n := apptest.Must(env.App.Store.PendingUploads(ctx))(t); n != 1 {
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
			cid := env.Demo.CampaignID
			who := apptest.SignIn(t, env, "13300133000", "ip")
			apptest.Enrolled(t, env, who, env.Demo.Student.Name, env.Demo.Student.DocNumber)
			up := must3(env.App.Capture.Upload(ctx, who, cid, "key-crash-1", apptest.Testdata(t, "astronaut.png")))(t)
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
			if got := apptest.WaitUpload(t, env, who, up.ID); got.Status != domain.UploadDone || !got.HasResult {
				t.Fatalf("after restart: %+v", got)
			}
		})
	}
}

// TestInstancesShareOneDatabase: two instances on one PostgreSQL (and one
// photo directory): a student signs in on one and is served by the other,
// the upload stored by the first is processed by the second's workers,
// and a request waiting on the first sees the result.
func TestInstancesShareOneDatabase(t *testing.T) {
	a := apptest.New(t, store.Postgres, apptest.Options{NoWorkers: true})
	b := apptest.New(t, store.Postgres, apptest.Options{Share: a})
	cid := a.Demo.CampaignID
	if b.Demo.CampaignID != cid {
		t.Fatalf("the second instance seeded another campaign: %d, %d", b.Demo.CampaignID, cid)
	}
	apptest.Must(a.App.Auth.SendCode(ctx, "13200132000", "ip", true, apptest.Captcha(t, a, "ip")))(t)
	in := apptest.Must(a.App.Auth.SignInSMS(ctx, "13200132000", a.SMS.Code("13200132000"), "ip", true))(t)
	who := apptest.Must(b.App.Auth.Authenticate(ctx, in.Token, "ip"))(t) // the session holds across instances
	apptest.Enrolled(t, b, who, a.Demo.Student.Name, a.Demo.Student.DocNumber)
	// Rate limits hold across instances too: the second code within the
	// minute is refused by the other instance.
	_, err := b.App.Auth.SendCode(ctx, "13200132000", "ip", true, apptest.Captcha(t, b, "ip"))
	apptest.Code(t, err, auth.CodeSMSTooFrequent)

	for i := 0; i < 250 && !a.App.Store.Listening(); i++ {
		time.Sleep(20 * time.Millisecond) // the listener connects in the background
	}
	up := must3(a.App.Capture.Upload(ctx, who, cid, "key-shared-1", apptest.Testdata(t, "astronaut.png")))(t)
	got := apptest.Must(a.App.Capture.WaitUpload(ctx, who, up.ID, 60*time.Second))(t) // instance A has no workers
	if got.Status != domain.UploadDone || !got.HasResult {
		t.Fatalf("processed by the other instance: %+v", got)
	}
	if n := a.App.Capture.Waiting(); n != 0 {
		t.Errorf("%d finish signals left behind by a wait the other instance ended", n)
	}
	// The other instance announced it (LISTEN/NOTIFY): the wait did not
	// have to poll to see it.
	for i := 0; i < 50 && a.App.Capture.Heard() == 0; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if a.App.Capture.Heard() == 0 {
		t.Error("the finished upload was not announced to the other instance")
	}
	if len(apptest.Must(a.App.Capture.UploadImage(ctx, who, up.ID, capture.ImageResult))(t)) == 0 {
		t.Fatal("the result is not readable from the instance that took the upload")
	}
}

// TestUnprocessableUploadIsToldNotLeftWaiting: an upload whose photo is
// gone fails every attempt; after the last one the student is told.
func TestUnprocessableUploadIsToldNotLeftWaiting(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	cid := env.Demo.CampaignID
	who := apptest.SignIn(t, env, "13100131000", "ip")
	apptest.Enrolled(t, env, who, env.Demo.Student.Name, env.Demo.Student.DocNumber)
	up := must3(env.App.Capture.Upload(ctx, who, cid, "key-gone-0001", apptest.Testdata(t, "astronaut.png")))(t)
	u := apptest.Must(env.App.Store.Upload(ctx, up.ID))(t)
	if err := os.Remove(filepath.Join(env.Config.DataDir, "blobs", u.OriginalBlob)); err != nil {
		t.Fatal(err)
	}
	err := env.App.Capture.ProcessUpload(ctx, up.ID)
	if err == nil {
		t.Fatal("processing a missing photo succeeded")
	}
	if err := env.App.Capture.GiveUpUpload(ctx, up.ID, err); err != nil {
		t.Fatal(err)
	}
	got := apptest.Must(env.App.Capture.WaitUpload(ctx, who, up.ID, time.Second))(t)
	if got.Status != domain.UploadFailed || got.Error == nil || got.Error.Code != domain.CodeInternal || got.Error.Message == "" || got.CanSubmit {
		t.Fatalf("given up: %+v", got)
	}
	if n := apptest.Must(env.App.Store.PendingUploads(ctx))(t); n != 0 {
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
			cid := env.Demo.CampaignID
			c, err := env.App.Store.Campaign(ctx, cid)
			apptest.NoErr(t, err)
			c.MaxUploads = 1
			apptest.NoErr(t, env.App.Store.UpdateCampaign(ctx, c))
			who := apptest.SignIn(t, env, "13400134100", "ip")
			s := app.DemoStudentAt(7)
			apptest.Enrolled(t, env, who, s.Name, s.DocNumber)
			photo := apptest.Testdata(t, "astronaut.png")
			const n = 8
			errs := make(chan error, n)
			start := make(chan struct{})
			for i := range n {
				data := append(bytes.Clone(photo), byte(i)) // trailing bytes: another file, the same picture
				go func() {
					<-start
					_, _, err := env.App.Capture.Upload(ctx, who, cid, fmt.Sprintf("key-race-%04d", i), data)
					errs <- err
				}()
			}
			close(start)
			ok := 0
			for range n {
				switch err := <-errs; {
				case err == nil:
					ok++
				case domain.Public(err).Code != capture.CodeUploadLimit:
					t.Errorf("upload: %v", err)
				}
			}
			if ok != 1 {
				t.Fatalf("%d of %d concurrent uploads passed a limit of one", ok, n)
			}
		})
	}
}

// decide is a reviewer's decision (the CLI's path), then the submission
// as the student sees it.
func decide(t *testing.T, env *apptest.Env, who domain.Caller, id int64, to domain.State, reasons []string, note, actor string) (capture.SubmissionView, error) {
	t.Helper()
	if _, err := env.App.Review.Decide(ctx, id, to, reasons, note, actor); err != nil {
		return capture.SubmissionView{}, err
	}
	return env.App.Capture.Submission(ctx, who, id)
}
