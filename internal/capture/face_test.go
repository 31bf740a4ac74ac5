package capture_test

import (
	"bytes"
	"image"
	_ "image/jpeg"
	"testing"
	"time"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/blob"
	"zhipai/internal/capture"
	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/photo/synth"
	"zhipai/internal/raster"
	"zhipai/internal/store"
)

// TestFaceComparison: with the student's consent the photo is compared
// with the card's portrait; another person's face on the card gives the
// reviewer an R20 warning (never a block); the student's own does not.
// Without consent nothing is compared and the reviewer is told to look.
// Each compared student is counted once; nothing of the faces is kept.
func TestFaceComparison(t *testing.T) {
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	cid := env.Demo.CampaignID
	e := env.App.Enrol
	hopper := func() *raster.Image {
		m, _, err := image.Decode(bytes.NewReader(apptest.Testdata(t, "hopper.jpg")))
		if err != nil {
			t.Fatal(err)
		}
		return raster.FromImage(m)
	}()
	var first domain.Caller
	photoOf := func(phone string, s app.DemoStudent, cardFace *raster.Image, agree *bool) capture.UploadView {
		t.Helper()
		who := apptest.SignIn(t, env, phone, "10.4.4.4")
		if first.UserID == 0 {
			first = who
		}
		apptest.Enrolled(t, env, who, s.Name, s.DocNumber)
		if cardFace != nil { // the card shows someone else
			front, _, err := app.DemoCardPhotos(synth.PortraitFrame(cardFace), app.CardPerson(s.Name, s.DocNumber))
			apptest.NoErr(t, err)
			apptest.Must(env.App.Store.SetIDImage(ctx, apptest.Must(env.App.Store.EnrolmentOf(ctx, who.UserID, cid))(t).ID,
				"front", apptest.Must(blob.PutBytes(ctx, env.App.Blobs, "idcard", front))(t), ""))(t)
		}
		if agree != nil {
			v := apptest.Must(e.FaceConsent(ctx, who, cid))(t)
			if v.Decision != "" || v.Text == "" {
				t.Fatalf("before deciding: %+v", v)
			}
			v = apptest.Must(e.DecideFaceConsent(ctx, who, cid, v.Version, *agree))(t)
			if st := apptest.Must(env.App.Capture.Status(ctx, who, cid))(t); st.FaceConsent != v.Decision {
				t.Fatalf("status says %q, decided %q", st.FaceConsent, v.Decision)
			}
		}
		up := must3(env.App.Capture.Upload(ctx, who, cid, "key-face-"+phone, apptest.Testdata(t, "astronaut.png")))(t)
		apptest.NoErr(t, env.App.Capture.ProcessUpload(ctx, up.ID))
		return apptest.Must(env.App.Capture.WaitUpload(ctx, who, up.ID, time.Second))(t)
	}
	codes := func(v capture.UploadView) map[string]string {
		out := map[string]string{}
		for _, f := range v.Findings {
			out[f.Code] = f.Severity
		}
		return out
	}
	yes, no := true, false
	own := photoOf("13200132001", app.DemoStudentAt(4), nil, &yes)
	if c := codes(own); c["face.mismatch"] != "" || c["face.card_unreadable"] != "" || !own.CanSubmit {
		t.Errorf("own card: findings %v, can submit %v", c, own.CanSubmit)
	}
	other := photoOf("13200132002", app.DemoStudentAt(5), hopper, &yes)
	if c := codes(other); c["face.mismatch"] != string(domain.SeverityWarn) || !other.CanSubmit {
		t.Errorf("another face on the card: findings %v, can submit %v", c, other.CanSubmit)
	}
	refused := photoOf("13200132003", app.DemoStudentAt(6), hopper, &no)
	if c := codes(refused); c["face.mismatch"] != "" || c["face.not_compared"] != string(domain.SeverityInfo) {
		t.Errorf("refused: findings %v", c)
	}
	undecided := photoOf("13200132004", app.DemoStudentAt(7), hopper, nil)
	if c := codes(undecided); c["face.mismatch"] != "" {
		t.Errorf("not asked: findings %v", c)
	}
	if n := apptest.Must(env.App.Store.FaceComparisons(ctx, env.Demo.SchoolID))(t); n != 2 {
		t.Errorf("%d compared subjects, want 2", n)
	}
	_, err := e.DecideFaceConsent(ctx, first, cid, "old", true)
	apptest.Code(t, err, enrol.CodeConsentOutdated)
}
