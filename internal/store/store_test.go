package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/store"
	"zhipai/internal/store/storetest"
)

// Every test runs on both engines: SQLite in a temporary file and
// PostgreSQL in a schema of its own (storetest.Each).

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		applied, latest, err := s.SchemaVersion(ctx)
		if err != nil || applied != latest || latest < 1 {
			t.Fatalf("after migrate: applied %d latest %d err %v", applied, latest, err)
		}
		again, err := s.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %v, %v", again, err)
		}
	})
}

func TestCampaigns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.Seed(t, s)
		c, err := s.Campaign(ctx, f.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != f.Campaign.Name || c.School.Name != f.School.Name || !c.AllowAlbum || c.MaxUploads != 10 {
			t.Fatalf("campaign read back as %+v", c)
		}
		if !c.OpensAt.Equal(f.Campaign.OpensAt.Truncate(time.Millisecond)) {
			t.Errorf("opens %v, want %v", c.OpensAt, f.Campaign.OpensAt)
		}
		byCode, err := s.CampaignByJoinCode(ctx, f.Campaign.JoinCode)
		if err != nil || byCode.ID != c.ID {
			t.Fatalf("by join code: %+v %v", byCode, err)
		}
		if _, err := s.CampaignByJoinCode(ctx, "NOPE"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown join code: %v", err)
		}
		if _, err := s.Campaign(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown campaign: %v", err)
		}
		dup := f.Campaign
		if _, err := s.CreateCampaign(ctx, dup); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate join code: %v", err)
		}
		closed := f.Campaign
		closed.JoinCode, closed.OpensAt, closed.ClosesAt = "CLOSED1", time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour)
		if _, err := s.CreateCampaign(ctx, closed); err != nil {
			t.Fatal(err)
		}
		open, err := s.OpenCampaigns(ctx, time.Now())
		if err != nil || len(open) != 1 || open[0].ID != c.ID {
			t.Fatalf("open campaigns: %+v %v", open, err)
		}
	})
}

func TestUsersAreCreatedOnceUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := make([]int64, 8)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u, err := s.UserByPhone(ctx, "phone-index-1", []byte("sealed"))
				if err != nil {
					t.Error(err)
				}
				ids[i] = u.ID
			}()
		}
		wg.Wait()
		for _, id := range ids[1:] {
			if id != ids[0] || id == 0 {
				t.Fatalf("one phone became users %v", ids)
			}
		}
		w, err := s.UserByOpenID(ctx, "openid-index-1", []byte("sealed"))
		if err != nil || w.ID == ids[0] {
			t.Fatalf("wechat user %+v %v", w, err)
		}
		w2, _ := s.UserByOpenID(ctx, "openid-index-1", []byte("sealed"))
		if w2.ID != w.ID {
			t.Errorf("same openid, two users %d %d", w.ID, w2.ID)
		}
		// A user just made is returned as a read gives it back.
		made, _ := s.UserByPhone(ctx, "phone-index-2", []byte("sealed-2"))
		read, _ := s.UserByPhone(ctx, "phone-index-2", nil)
		if !reflect.DeepEqual(made, read) || made.ID == 0 {
			t.Errorf("made %+v, read back %+v", made, read)
		}
		wmade, _ := s.UserByOpenID(ctx, "openid-index-2", nil)
		if wread, _ := s.UserByOpenID(ctx, "openid-index-2", nil); !reflect.DeepEqual(wmade, wread) || wmade.ID == 0 {
			t.Errorf("wechat user made %+v, read back %+v", wmade, wread)
		}
	})
}

func TestSessionsExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u, _ := s.UserByPhone(ctx, "p", nil)
		now := time.Now()
		s.SetClock(func() time.Time { return now })
		if err := s.CreateSession(ctx, domain.Session{TokenHash: "h1", UserID: u.ID, CSRF: "c", Channel: "web", ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		se, err := s.SessionByToken(ctx, "h1")
		if err != nil || se.UserID != u.ID || se.CSRF != "c" {
			t.Fatalf("session %+v %v", se, err)
		}
		s.SetClock(func() time.Time { return now.Add(2 * time.Hour) })
		if _, err := s.SessionByToken(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired session still found: %v", err)
		}
		s.SetClock(time.Now)
		if err := s.DeleteSession(ctx, "h1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByToken(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted session still found: %v", err)
		}
	})
}

func TestSMSCodesAreSingleUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.LatestSMSCode(ctx, "p"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no code yet: %v", err)
		}
		s.InsertSMSCode(ctx, "p", "old", time.Now().Add(5*time.Minute))
		s.InsertSMSCode(ctx, "p", "new", time.Now().Add(5*time.Minute))
		c, err := s.LatestSMSCode(ctx, "p")
		if err != nil || c.CodeHash != "new" || c.Used {
			t.Fatalf("latest %+v %v", c, err)
		}
		s.CountSMSAttempt(ctx, c.ID)
		s.CountSMSAttempt(ctx, c.ID)
		if err := s.UseSMSCode(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.UseSMSCode(ctx, c.ID); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second use: %v", err)
		}
		c, _ = s.LatestSMSCode(ctx, "p")
		if !c.Used || c.Attempts != 2 {
			t.Errorf("after use %+v", c)
		}
	})
}

// TestSignInWithCode: one code, spent by eight requests at once, opens
// one session for a user made once; a second code of the phone finds the
// same user.
func TestSignInWithCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		exp := time.Now().Add(time.Hour)
		s.InsertSMSCode(ctx, "p", "h", exp)
		c, _ := s.LatestSMSCode(ctx, "p")
		var won atomic.Int32
		var users sync.Map
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				u, err := s.SignInWithCode(ctx, c.ID, "p", []byte("sealed"), domain.Session{TokenHash: fmt.Sprint("t", i), CSRF: "c", Channel: "web", ExpiresAt: exp})
				switch {
				case err == nil:
					won.Add(1)
					users.Store(u.ID, fmt.Sprint("t", i))
				case !errors.Is(err, store.ErrConflict):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := won.Load(); n != 1 {
			t.Fatalf("one code signed in %d times", n)
		}
		var uid int64
		var token string
		users.Range(func(k, v any) bool { uid, token = k.(int64), v.(string); return true })
		if se, err := s.SessionByToken(ctx, token); err != nil || se.UserID != uid {
			t.Fatalf("the winner's session: %+v, %v", se, err)
		}
		for i := range 8 {
			if tok := fmt.Sprint("t", i); tok != token {
				if _, err := s.SessionByToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("a losing request left session %s: %v", tok, err)
				}
			}
		}
		s.InsertSMSCode(ctx, "p", "h2", exp)
		c2, _ := s.LatestSMSCode(ctx, "p")
		u, err := s.SignInWithCode(ctx, c2.ID, "p", []byte("sealed"), domain.Session{TokenHash: "again", CSRF: "c", Channel: "web", ExpiresAt: exp})
		if err != nil || u.ID != uid {
			t.Fatalf("second sign-in: user %d (%v), want %d", u.ID, err, uid)
		}
	})
}

func TestRateEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		count := func(key string, since time.Time) int {
			n, err := s.CountSince(ctx, key, []time.Time{since})
			if err != nil {
				t.Fatal(err)
			}
			return n[0]
		}
		start := time.Now()
		for i := 1; i <= 3; i++ {
			if err := s.Hit(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			if n := count("k", start.Add(-time.Minute)); n != i {
				t.Fatalf("hit %d counted %d", i, n)
			}
		}
		counts, err := s.CountSince(ctx, "k", []time.Time{start.Add(-time.Hour), start.Add(time.Hour)})
		if err != nil || len(counts) != 2 || counts[0] != 3 || counts[1] != 0 {
			t.Fatalf("windows %v %v", counts, err)
		}
		if n := count("nothing", start); n != 0 {
			t.Errorf("empty key counted %d", n)
		}
		if n := count("other", start.Add(-time.Minute)); n != 0 {
			t.Errorf("other key counted %d", n)
		}
		if n := count("k", start.Add(time.Minute)); n != 0 {
			t.Errorf("window in the future counted %d", n)
		}
		u, _ := s.UserByPhone(ctx, "p", nil)
		s.CreateSession(ctx, domain.Session{TokenHash: "old", UserID: u.ID, CSRF: "c", Channel: "web", ExpiresAt: start.Add(-time.Second)})
		s.CreateSession(ctx, domain.Session{TokenHash: "live", UserID: u.ID, CSRF: "c", Channel: "web", ExpiresAt: start.Add(time.Hour)})
		s.InsertSMSCode(ctx, "p", "h", start.Add(5*time.Minute))
		if err := s.Prune(ctx, start.Add(time.Minute), start); err != nil {
			t.Fatal(err)
		}
		if n := count("k", time.Time{}); n != 0 {
			t.Errorf("pruned events still counted: %d", n)
		}
		if _, err := s.LatestSMSCode(ctx, "p"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("old sign-in code kept: %v", err)
		}
		var n int
		s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n)
		if n != 1 {
			t.Errorf("%d sessions after pruning, want the live one", n)
		}
	})
}

func TestRosterUpsertAndBinding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.Seed(t, s)
		row := domain.RosterRow{CampaignID: f.Campaign.ID, Name: "张三", DocType: "resident_id", DocIndex: "idx-1", DocEnc: []byte{1, 2}, DocMasked: "110***********002X", College: "信息学院"}
		created, err := s.UpsertRosterRow(ctx, nil, row)
		if err != nil || !created {
			t.Fatalf("insert: %v %v", created, err)
		}
		got, err := s.RosterRowByDoc(ctx, f.Campaign.ID, "idx-1")
		if err != nil || got.College != "信息学院" || got.BoundUserID != 0 {
			t.Fatalf("read %+v %v", got, err)
		}
		u1, _ := s.UserByPhone(ctx, "a", nil)
		u2, _ := s.UserByPhone(ctx, "b", nil)
		if err := s.BindRosterRow(ctx, nil, got.ID, u1.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.BindRosterRow(ctx, nil, got.ID, u1.ID); err != nil {
			t.Errorf("binding again to the same account: %v", err)
		}
		if err := s.BindRosterRow(ctx, nil, got.ID, u2.ID); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second account bound the row: %v", err)
		}
		row.College = "数学学院"
		created, err = s.UpsertRosterRow(ctx, nil, row)
		if err != nil || created {
			t.Fatalf("update: %v %v", created, err)
		}
		got, _ = s.RosterRow(ctx, got.ID)
		if got.College != "数学学院" || got.BoundUserID != u1.ID {
			t.Errorf("after re-import %+v: the update must keep the binding", got)
		}
		if n, _ := s.RosterCount(ctx, f.Campaign.ID); n != 1 {
			t.Errorf("count %d", n)
		}
		if _, err := s.RosterRowByDoc(ctx, f.Campaign.ID, "idx-2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing row: %v", err)
		}
	})
}

func TestEnrolmentMatchesOneRowPerAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.Seed(t, s)
		s.UpsertRosterRow(ctx, nil, domain.RosterRow{CampaignID: f.Campaign.ID, Name: "李四", DocType: "resident_id", DocIndex: "i", DocEnc: []byte{1}, DocMasked: "m"})
		row, _ := s.RosterRowByDoc(ctx, f.Campaign.ID, "i")
		u1, _ := s.UserByPhone(ctx, "a", nil)
		u2, _ := s.UserByPhone(ctx, "b", nil)
		e1, err := s.Enrol(ctx, u1.ID, f.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := s.Enrol(ctx, u1.ID, f.Campaign.ID)
		if again.ID != e1.ID {
			t.Fatalf("enrolled twice: %d %d", e1.ID, again.ID)
		}
		if err := s.SetIdentity(ctx, e1.ID, "李四", "resident_id", "i", []byte{9}, "m"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetIDImage(ctx, e1.ID, "back", "blob-back", ""); err != nil {
			t.Fatal(err)
		}
		if err := s.MatchRoster(ctx, e1.ID, u1.ID, row.ID); err != nil {
			t.Fatal(err)
		}
		e2, _ := s.Enrol(ctx, u2.ID, f.Campaign.ID)
		if err := s.MatchRoster(ctx, e2.ID, u2.ID, row.ID); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("row matched to a second account: %v", err)
		}
		if got, _ := s.Enrolment(ctx, e2.ID); got.RosterRowID != 0 {
			t.Errorf("failed match left the row on the enrolment")
		}
		s.ConfirmEnrolment(ctx, e1.ID)
		got, _ := s.EnrolmentOf(ctx, u1.ID, f.Campaign.ID)
		if got.RosterRowID != row.ID || got.ConfirmedAt.IsZero() || got.IDBackBlob != "blob-back" || got.Name != "李四" {
			t.Errorf("enrolment %+v", got)
		}
		if list, _ := s.EnrolmentsOf(ctx, u1.ID); len(list) != 1 {
			t.Errorf("enrolments %d", len(list))
		}
	})
}

func TestUploadsAndSubmissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.Seed(t, s)
		u, _ := s.UserByPhone(ctx, "a", nil)
		e, _ := s.Enrol(ctx, u.ID, f.Campaign.ID)
		up := domain.Upload{EnrolmentID: e.ID, UserID: u.ID, IdempotencyKey: "k1", OriginalBlob: "b1", SHA256: "sha1"}

		// A failed transaction leaves nothing behind.
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if _, err := s.InsertUpload(ctx, tx, up); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if _, err := s.UploadByKey(ctx, u.ID, "k1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rolled back upload exists: %v", err)
		}

		var id int64
		if err := s.InTx(ctx, func(tx *store.Tx) (err error) { id, err = s.InsertUpload(ctx, tx, up); return }); err != nil {
			t.Fatal(err)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { _, err := s.InsertUpload(ctx, tx, up); return err }); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("retried upload: %v", err)
		}
		if n, _ := s.PendingUploads(ctx); n != 1 {
			t.Errorf("pending %d", n)
		}
		s.StartUpload(ctx, id)
		if got, _ := s.Upload(ctx, id); got.Status != domain.UploadProcessing {
			t.Errorf("status %s", got.Status)
		}
		out := store.Outcome{Status: domain.UploadDone, ResultBlob: "r1", PreviewBlob: "p1", PHash: "ph1", ReportJSON: `{"a":1}`}
		for range 2 { // idempotent
			if err := s.FinishUpload(ctx, id, out); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := s.UploadByKey(ctx, u.ID, "k1")
		if got.ID != id || got.Status != domain.UploadDone || got.ResultBlob != "r1" || got.PreviewBlob != "p1" || got.PHash != "ph1" || got.Blocking {
			t.Fatalf("finished upload %+v", got)
		}
		if n, _ := s.PendingUploads(ctx); n != 0 {
			t.Errorf("pending after finish %d", n)
		}
		if latest, _ := s.LatestUpload(ctx, e.ID); latest.ID != id {
			t.Errorf("latest %d", latest.ID)
		}

		var subID int64
		if err := s.InTx(ctx, func(tx *store.Tx) (err error) {
			subID, err = s.InsertSubmission(ctx, tx, e.ID, id, "pending", "", time.Time{})
			return
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.InsertSubmission(ctx, tx, e.ID, id, "pending", "", time.Time{})
			return err
		}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("double submit: %v", err)
		}
		if err := s.Transition(ctx, subID, "in_review", "approved", "reviewer", "", "", time.Time{}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("transition from a state it is not in: %v", err)
		}
		deadline := time.Now().Add(48 * time.Hour).Truncate(time.Millisecond)
		if err := s.Transition(ctx, subID, "pending", "rejected", "reviewer:cli", "R09,R14", "张嘴", deadline); err != nil {
			t.Fatal(err)
		}
		sub, _ := s.LatestSubmission(ctx, e.ID)
		if sub.ID != subID || sub.State != "rejected" || sub.Reasons != "R09,R14" || !sub.Deadline.Equal(deadline) {
			t.Fatalf("submission %+v", sub)
		}
		events, _ := s.Events(ctx, subID)
		if len(events) != 2 || events[1].From != "pending" || events[1].To != "rejected" || events[1].Actor != "reviewer:cli" {
			t.Fatalf("events %+v", events)
		}
		sha, ph, err := s.RejectedFingerprints(ctx, e.ID)
		if err != nil || len(sha) != 1 || sha[0] != "sha1" || ph[0] != "ph1" {
			t.Fatalf("fingerprints %v %v %v", sha, ph, err)
		}
		if n, _ := s.CountUploads(ctx, nil, e.ID); n != 1 {
			t.Errorf("uploads %d", n)
		}
	})
}

func TestConsents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.Seed(t, s)
		u, _ := s.UserByPhone(ctx, "a", nil)
		if ok, _ := s.HasConsent(ctx, u.ID, f.Campaign.ID, "v1"); ok {
			t.Fatal("consent before accepting")
		}
		if err := s.InsertConsent(ctx, domain.Consent{UserID: u.ID, CampaignID: f.Campaign.ID, Version: "v1", TextHash: "h", Channel: "web"}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.HasConsent(ctx, u.ID, f.Campaign.ID, "v1"); !ok {
			t.Error("accepted consent not found")
		}
		if ok, _ := s.HasConsent(ctx, u.ID, f.Campaign.ID, "v2"); ok {
			t.Error("a new version counts as accepted")
		}
	})
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	for _, url := range []string{"mysql://x", "", "file.db"} {
		if _, err := store.Open(context.Background(), url); err == nil {
			t.Errorf("%q opened", url)
		}
	}
	_, err := store.Open(context.Background(), fmt.Sprintf("postgres://nobody@127.0.0.1:1/x?connect_timeout=1"))
	if err == nil {
		t.Error("unreachable PostgreSQL opened")
	}
}

// TestCachedReadsFollowWrites: campaigns are cached, and a write through
// the store is read back at once (a campaign's settings, its school's); a
// write the store did not make, as another instance's, within CacheTTL.
// (TestSessionsExpire covers the cached session signed out or expired.)
func TestCachedReadsFollowWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.Seed(t, s)
		c, err := s.Campaign(ctx, f.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		c.MaxUploads = 3
		if err := s.UpdateCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Campaign(ctx, c.ID); got.MaxUploads != 3 {
			t.Errorf("max uploads read back as %d after the update", got.MaxUploads)
		}
		if err := s.SetStaffIPAllow(ctx, f.School.ID, "10.0.0.0/8"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Campaign(ctx, c.ID); got.School.StaffIPAllow != "10.0.0.0/8" {
			t.Errorf("the school's allow-list read back as %q", got.School.StaffIPAllow)
		}
		// A write the cache did not see (another instance's) shows within CacheTTL.
		if _, err := s.DB().ExecContext(ctx, fmt.Sprintf(`UPDATE campaigns SET max_uploads = 4 WHERE id = %d`, c.ID)); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(store.CacheTTL + time.Second)
		for got, _ := s.Campaign(ctx, c.ID); got.MaxUploads != 4; got, _ = s.Campaign(ctx, c.ID) {
			if time.Now().After(deadline) {
				t.Fatalf("another instance's update not seen after %v", store.CacheTTL+time.Second)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestStudentStateAgreesWithItsParts checks the one-statement read that
// every student step answers with against the separate reads it replaces,
// as the enrolment moves from joined to submitted.
func TestStudentStateAgreesWithItsParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.Seed(t, s)
		u, _ := s.UserByPhone(ctx, "a", nil)
		other, _ := s.UserByPhone(ctx, "b", nil)
		if _, err := s.StudentStateOf(ctx, u.ID, f.Campaign.ID, "v1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("state before joining: %v", err)
		}
		for range 2 { // joining twice is joining once
			if err := s.Join(ctx, u.ID, f.Campaign.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Join(ctx, other.ID, f.Campaign.ID); err != nil {
			t.Fatal(err)
		}
		e, err := s.EnrolmentOf(ctx, u.ID, f.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		oe, _ := s.EnrolmentOf(ctx, other.ID, f.Campaign.ID)
		if list, _ := s.EnrolmentsOf(ctx, u.ID); len(list) != 1 {
			t.Fatalf("enrolments after joining twice: %d", len(list))
		}
		check := func(step string, consented bool, used int, last, sub int64) {
			t.Helper()
			st, err := s.StudentStateOf(ctx, u.ID, f.Campaign.ID, "v1")
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			had, _ := s.HasConsent(ctx, u.ID, f.Campaign.ID, "v1")
			n, _ := s.CountUploads(ctx, nil, e.ID)
			if st.ID != e.ID || st.Consented != consented || had != consented || st.UploadsUsed != used || n != used || st.LastUpload != last || st.LastSubmit != sub {
				t.Errorf("%s: state %+v (consent %v, uploads %d), want consent %v, uploads %d, last %d, submission %d",
					step, st, had, n, consented, used, last, sub)
			}
			e2, c2, err := s.EnrolmentConsented(ctx, u.ID, f.Campaign.ID, "v1")
			if err != nil || e2.ID != e.ID || c2 != consented {
				t.Errorf("%s: EnrolmentConsented %d %v %v", step, e2.ID, c2, err)
			}
		}
		check("joined", false, 0, 0, 0)
		// Another student's and another version's consent are not this one's.
		for _, c := range []domain.Consent{{UserID: other.ID, CampaignID: f.Campaign.ID, Version: "v1"}, {UserID: u.ID, CampaignID: f.Campaign.ID, Version: "v0"}} {
			c.TextHash, c.Channel = "h", "web"
			if err := s.InsertConsent(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		check("others consented", false, 0, 0, 0)
		if err := s.InsertConsent(ctx, domain.Consent{UserID: u.ID, CampaignID: f.Campaign.ID, Version: "v1", TextHash: "h", Channel: "web"}); err != nil {
			t.Fatal(err)
		}
		check("consented", true, 0, 0, 0)

		upload := func(en domain.Enrolment, key string) int64 {
			var id int64
			if err := s.InTx(ctx, func(tx *store.Tx) (err error) {
				id, err = s.InsertUpload(ctx, tx, domain.Upload{EnrolmentID: en.ID, UserID: en.UserID, IdempotencyKey: key, OriginalBlob: key, SHA256: key})
				return
			}); err != nil {
				t.Fatal(err)
			}
			return id
		}
		first := upload(e, "k1")
		upload(oe, "o1")
		check("queued", true, 1, first, 0)
		// A refused photo costs no try, but is still the latest upload.
		if err := s.FinishUpload(ctx, first, store.Outcome{Status: domain.UploadDone, ErrorCode: "no_face"}); err != nil {
			t.Fatal(err)
		}
		check("refused", true, 0, first, 0)
		second := upload(e, "k2")
		if err := s.FinishUpload(ctx, second, store.Outcome{Status: domain.UploadDone, ResultBlob: "r2", ReportJSON: `{}`}); err != nil {
			t.Fatal(err)
		}
		check("standardized", true, 1, second, 0)
		var sub int64
		if err := s.InTx(ctx, func(tx *store.Tx) (err error) {
			sub, err = s.InsertSubmission(ctx, tx, e.ID, second, "pending", "", time.Time{})
			return
		}); err != nil {
			t.Fatal(err)
		}
		check("submitted", true, 1, second, sub)
		if latest, _ := s.LatestSubmission(ctx, e.ID); latest.ID != sub {
			t.Errorf("latest submission %d, state says %d", latest.ID, sub)
		}
	})
}
