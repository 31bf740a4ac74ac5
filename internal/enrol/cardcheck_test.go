package enrol_test

import (
	"testing"
	"time"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/blob"
	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/store"
)

// TestCardCheckAsJob: a card photo submitted for a queued check is
// stored at once; the roster match waits for it; the job accepts the
// student's own card and refuses another's with the error the check in
// the request gives, deleting the refused photo; a photo replaced before
// its check ran is deleted unchecked; a check is its student's alone.
func TestCardCheckAsJob(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{NoWorkers: true}) // started once the checks are seen waiting
			cid, st, e := env.Demo.CampaignID, env.Demo.Student, env.App.Enrol
			who := consented(t, env, "13700137011")
			apptest.Must(e.SetIdentity(ctx, who, cid, enrol.IdentityInput{Name: st.Name, DocType: "resident_id", DocNumber: st.DocNumber}))(t)
			front, back := apptest.Cards(t)
			other := app.DemoStudentAt(1)
			otherFront, _ := apptest.CardsFor(t, other.Name, other.DocNumber)

			replaced := apptest.Must(e.SubmitIDImage(ctx, who, cid, enrol.SideFront, otherFront))(t)
			wrong := apptest.Must(e.SubmitIDImage(ctx, who, cid, enrol.SideBack, otherFront))(t) // the front as the back
			if wrong.Status != store.CardChecking || wrong.ID == 0 {
				t.Fatalf("submitted: %+v", wrong)
			}
			own := apptest.Must(e.SubmitIDImage(ctx, who, cid, enrol.SideFront, front))(t) // replaces the first
			_, err := e.Match(ctx, who, cid)
			apptest.Code(t, err, enrol.CodeCardChecking)
			stranger := consented(t, env, "13700137012")
			_, err = e.CardCheck(ctx, stranger, own.ID)
			apptest.Code(t, err, domain.CodeNotFound)

			env.Start(t)
			v := apptest.Must(e.WaitCardCheck(ctx, who, own.ID, 30*time.Second))(t)
			if v.Status != store.CardAccepted || !v.Accepted || v.Error != nil {
				t.Fatalf("own front: %+v", v)
			}
			v = apptest.Must(e.WaitCardCheck(ctx, who, wrong.ID, 30*time.Second))(t)
			if v.Status != store.CardRefused || v.Accepted || v.Error == nil || v.Error.Code != "idcard.side" || v.Error.Message == "" {
				t.Fatalf("front as back: %+v", v)
			}
			v = apptest.Must(e.WaitCardCheck(ctx, who, replaced.ID, 30*time.Second))(t)
			if v.Status != store.CardSuperseded {
				t.Fatalf("replaced before its check: %+v", v)
			}
			for _, id := range []int64{wrong.ID, replaced.ID} {
				c := apptest.Must(env.App.Store.CardCheck(ctx, id))(t)
				waitGone(t, env, c.BlobKey)
			}
			en := apptest.Must(env.App.Store.EnrolmentOf(ctx, who.UserID, cid))(t)
			if c := apptest.Must(env.App.Store.CardCheck(ctx, own.ID))(t); en.IDFrontBlob != c.BlobKey || en.IDBackBlob != "" {
				t.Fatalf("enrolment holds front %q back %q, want the accepted %q and no back", en.IDFrontBlob, en.IDBackBlob, c.BlobKey)
			}

			b := apptest.Must(e.SubmitIDImage(ctx, who, cid, enrol.SideBack, back))(t)
			if v := apptest.Must(e.WaitCardCheck(ctx, who, b.ID, 30*time.Second))(t); v.Status != store.CardAccepted {
				t.Fatalf("back: %+v", v)
			}
			apptest.Must(e.Match(ctx, who, cid))(t)
		})
	}
}

// waitGone waits for a refused or superseded photo's blob to be deleted
// (it is, right after the check's answer is written).
func waitGone(t *testing.T, env *apptest.Env, key string) {
	t.Helper()
	for range 50 {
		if _, err := blob.Get(ctx, env.App.Blobs, key); err != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("photo %s kept after its check refused or superseded it", key)
}

// TestCardCheckAcrossInstances: a card photo taken in by an instance
// without workers is checked by another's, and the wait on the first ends
// as the database announces the answer (LISTEN/NOTIFY), not at its poll.
func TestCardCheckAcrossInstances(t *testing.T) {
	a := apptest.New(t, store.Postgres, apptest.Options{NoWorkers: true})
	b := apptest.New(t, store.Postgres, apptest.Options{Share: a})
	cid, st := a.Demo.CampaignID, a.Demo.Student
	who := consented(t, a, "13700137021")
	apptest.Must(a.App.Enrol.SetIdentity(ctx, who, cid, enrol.IdentityInput{Name: st.Name, DocType: "resident_id", DocNumber: st.DocNumber}))(t)
	for i := 0; i < 250 && !(a.App.Store.Listening() && b.App.Store.Listening()); i++ {
		time.Sleep(20 * time.Millisecond) // the listeners connect in the background
	}
	front, _ := apptest.Cards(t)
	v := apptest.Must(a.App.Enrol.SubmitIDImage(ctx, who, cid, enrol.SideFront, front))(t)
	if v = apptest.Must(a.App.Enrol.WaitCardCheck(ctx, who, v.ID, 60*time.Second))(t); v.Status != store.CardAccepted {
		t.Fatalf("checked by the other instance: %+v", v)
	}
	for i := 0; i < 50 && (a.App.Enrol.Heard() == 0 || b.App.Enrol.Heard() == 0); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if a.App.Enrol.Heard() == 0 {
		t.Error("the finished check was not announced to the instance that took the photo")
	}
	if b.App.Enrol.Heard() == 0 {
		t.Error("the instance that checked did not hear its own announcement either: is anything listening?")
	}
}
