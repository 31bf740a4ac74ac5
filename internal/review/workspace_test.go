package review_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/domain"
	"zhipai/internal/review"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// reviewers makes n school reviewers of the demo school.
func reviewers(t *testing.T, env *apptest.Env, n int) []staff.Staff {
	t.Helper()
	var out []staff.Staff
	for i := range n {
		u := domain.StaffUser{Login: fmt.Sprintf("rev%02d", i), Name: "审核员", Role: domain.RoleSchoolReviewer, SchoolID: env.Demo.SchoolID, PasswordHash: "x", TOTPSealed: []byte{1}}
		u.ID = apptest.Must(env.App.Store.CreateStaff(context.Background(), u))(t)
		out = append(out, staff.Staff{User: u, Scope: domain.Scope{SchoolID: env.Demo.SchoolID}})
	}
	return out
}

// TestConcurrentReviewers: 20 reviewers take items from one queue at once
// (next, then a decision) until it is empty: no item is handed to two of
// them, every item is decided exactly once, and no decision is lost to a
// conflict. On both engines.
func TestConcurrentReviewers(t *testing.T) {
	ctx := context.Background()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{NoWorkers: true})
			ids := apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 28, 0))(t)
			team := reviewers(t, env, 20)
			var mu sync.Mutex
			given := map[int64][]string{}
			var wg sync.WaitGroup
			errs := make(chan error, len(team))
			for _, who := range team {
				wg.Go(func() {
					for {
						v, found, err := env.App.Review.Next(ctx, who, domain.QueueFilter{CampaignID: env.Demo.CampaignID}, staff.Where{IP: "test"})
						if err != nil {
							errs <- err
							return
						}
						if !found {
							return
						}
						mu.Lock()
						given[v.ID] = append(given[v.ID], who.User.Login)
						mu.Unlock()
						d := review.Decision{Approve: v.ID%3 != 0}
						if !d.Approve {
							d.Reasons = []string{"R09"}
						}
						if _, err := env.App.Review.DecideAs(ctx, who, v.ID, d, staff.Where{IP: "test"}); err != nil {
							errs <- fmt.Errorf("%s deciding %d: %w", who.User.Login, v.ID, err)
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if len(given) != len(ids) {
				t.Errorf("%d items handed out, want %d", len(given), len(ids))
			}
			for id, who := range given {
				if len(who) != 1 {
					t.Errorf("item %d went to %v", id, who)
				}
			}
			for _, id := range ids {
				events := apptest.Must(env.App.Store.Events(ctx, id))(t)
				if len(events) != 2 {
					t.Errorf("item %d has %d events", id, len(events))
				}
			}
		})
	}
}

// TestReviewWorkspace: an item opened by one reviewer is refused to
// another until skipped; a rejection needs one of the campaign's reasons;
// batch approval takes only clean, waiting, unclaimed items; the original
// is an audited view; a counsellor may look but not decide.
func TestReviewWorkspace(t *testing.T) {
	ctx := context.Background()
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	ids := apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 4, 0))(t)
	team := reviewers(t, env, 2)
	a, b := team[0], team[1]
	r, where := env.App.Review, staff.Where{IP: "test"}
	v := apptest.Must(r.Open(ctx, a, ids[0], where))(t)
	if v.Name == "" || v.ClaimUntil.IsZero() || len(v.Reasons) == 0 || v.DocMasked == "" {
		t.Fatalf("opened %+v", v)
	}
	_, err := r.Open(ctx, b, ids[0], where)
	apptest.Code(t, err, review.CodeClaimed)
	_, err = r.DecideAs(ctx, b, ids[0], review.Decision{Approve: true}, where)
	apptest.Code(t, err, review.CodeClaimLost)
	_, err = r.DecideAs(ctx, a, ids[0], review.Decision{}, where)
	apptest.Code(t, err, review.CodeReviewReason)
	apptest.NoErr(t, r.Skip(ctx, a, ids[0]))
	apptest.Must(r.Open(ctx, b, ids[0], where))(t)
	if st := apptest.Must(r.DecideAs(ctx, b, ids[0], review.Decision{Reasons: []string{"r09"}, Note: "请闭嘴"}, where))(t); st != domain.StateRejected {
		t.Fatalf("state %s", st)
	}
	_, err = r.DecideAs(ctx, b, ids[0], review.Decision{Approve: true}, where)
	apptest.Code(t, err, review.CodeReviewState)

	// Batch approval takes only photos the checks passed cleanly: the
	// astronaut's open mouth is flagged on every one of these, so none is
	// approved and all stay waiting (the clean case is the browser test's).
	apptest.Must(r.Open(ctx, a, ids[1], where))(t)
	done := apptest.Must(r.BatchApprove(ctx, b, ids, where))(t)
	if len(done) != 0 {
		t.Errorf("batch approval took flagged photos %v", done)
	}
	for _, id := range ids[1:] {
		if sub := apptest.Must(env.App.Store.Submission(ctx, id))(t); sub.State != domain.StatePending || sub.Findings == "" {
			t.Errorf("after batch approval %d: %+v", id, sub)
		}
	}
	q := apptest.Must(r.Queue(ctx, a, domain.QueueFilter{CampaignID: env.Demo.CampaignID}))(t)
	if q.Total != len(ids)-1-len(done) {
		t.Errorf("queue %d after deciding %d", q.Total, 1+len(done))
	}
	apptest.Must(r.Image(ctx, a, ids[1], review.ImageOriginal, where))(t)
	viewed := false
	for _, row := range apptest.Must(env.App.Store.AuditRows(ctx, env.Demo.SchoolID, 0, 1000))(t) {
		viewed = viewed || row.Action == "photo.view_original"
	}
	if !viewed {
		t.Error("the view of the original is not audited")
	}
	// Unlocking an approved photo: admins only, with a reason the student
	// reads; it becomes a rejection they retake.
	apptest.Must(r.Open(ctx, b, ids[2], where))(t)
	apptest.Must(r.DecideAs(ctx, b, ids[2], review.Decision{Approve: true}, where))(t)
	done = []int64{ids[2]}
	{
		apptest.Code(t, r.Unlock(ctx, a, done[0], "学生信息有误", where), review.CodeForbidden)
		admin := staff.Staff{User: domain.StaffUser{ID: 998, Login: "admin", Role: domain.RoleSchoolAdmin, SchoolID: env.Demo.SchoolID}, Scope: domain.Scope{SchoolID: env.Demo.SchoolID}}
		apptest.Code(t, r.Unlock(ctx, admin, done[0], "", where), review.CodeReviewReason)
		apptest.NoErr(t, r.Unlock(ctx, admin, done[0], "学生反映照片与本人不符，请重拍", where))
		sub := apptest.Must(env.App.Store.Submission(ctx, done[0]))(t)
		if sub.State != domain.StateRejected || sub.Note != "学生反映照片与本人不符，请重拍" || sub.Deadline.IsZero() {
			t.Errorf("unlocked %+v", sub)
		}
		apptest.Code(t, r.Unlock(ctx, admin, done[0], "再解锁一次", where), review.CodeReviewState)
	}
	counsellor := staff.Staff{User: domain.StaffUser{ID: 999, Role: domain.RoleCounsellor, SchoolID: env.Demo.SchoolID}, Scope: domain.Scope{SchoolID: env.Demo.SchoolID, Classes: []string{}}}
	_, err = r.Open(ctx, counsellor, ids[1], where)
	apptest.Code(t, err, review.CodeForbidden)
}

// TestTwoLevelReviewAndSampling: on a campaign with a second review, the
// vendor's reviewer passes first (the photo keeps waiting, their queue
// moves on) and the school's reviewer decides, seeing the first verdict;
// overturning it counts against the first reviewer. Every approval is
// drawn at 100%; a sample check keeps one and overturns another into a
// rejection the student retakes. The statistics show who did what.
// On both engines.
func TestTwoLevelReviewAndSampling(t *testing.T) {
	ctx := context.Background()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{NoWorkers: true})
			c := apptest.Must(env.App.Store.Campaign(ctx, env.Demo.CampaignID))(t)
			c.SecondReview, c.SamplePercent = true, 100
			apptest.NoErr(t, env.App.Store.UpdateCampaign(ctx, c))
			ids := apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 3, 0))(t)
			r, where := env.App.Review, staff.Where{IP: "test"}
			newStaff := func(login string, role domain.Role, school int64) staff.Staff {
				u := domain.StaffUser{Login: login, Name: login, Role: role, SchoolID: school, PasswordHash: "x", TOTPSealed: []byte{1}}
				u.ID = apptest.Must(env.App.Store.CreateStaff(ctx, u))(t)
				sc := domain.Scope{SchoolID: school, Vendor: school == 0}
				return staff.Staff{User: u, Scope: sc}
			}
			vendor := newStaff("vendor.rev", domain.RoleVendorReviewer, 0)
			school := newStaff("school.rev", domain.RoleSchoolReviewer, env.Demo.SchoolID)
			sampler := newStaff("school.sampler", domain.RoleSchoolAdmin, env.Demo.SchoolID)
			f := domain.QueueFilter{CampaignID: env.Demo.CampaignID}

			// The vendor passes all three first: two approvals, one rejection.
			for i := range ids {
				v, found := apptest.Must2(r.Next(ctx, vendor, f, where))(t)
				if !found {
					t.Fatalf("first pass %d: the queue is empty", i)
				}
				dec := review.Decision{Approve: i < 2}
				if !dec.Approve {
					dec.Reasons = []string{"R09"}
				}
				if st := apptest.Must(r.DecideAs(ctx, vendor, v.ID, dec, where))(t); st != domain.StatePending {
					t.Fatalf("a first pass moved the photo to %s", st)
				}
			}
			if _, found := apptest.Must2(r.Next(ctx, vendor, f, where))(t); found {
				t.Fatal("the vendor's queue still has items after passing them all")
			}
			// The school decides: it overturns the first approval.
			for i := range ids {
				v, found := apptest.Must2(r.Next(ctx, school, f, where))(t)
				if !found || v.FirstPass == nil || v.FirstPass.By != "vendor.rev" {
					t.Fatalf("final %d: %+v %v", i, v.FirstPass, found)
				}
				dec := review.Decision{Approve: v.FirstPass.Verdict == "approved"}
				if i == 0 {
					dec.Approve = !dec.Approve
				}
				if !dec.Approve {
					dec.Reasons = []string{"R09"}
				}
				apptest.Must(r.DecideAs(ctx, school, v.ID, dec, where))(t)
			}
			// Sampling: every approval was drawn.
			q := apptest.Must(r.Queue(ctx, sampler, domain.QueueFilter{CampaignID: env.Demo.CampaignID, State: "sample"}))(t)
			if len(q.Items) == 0 {
				t.Fatal("no approval was drawn for sampling at 100%")
			}
			apptest.Code(t, r.Sample(ctx, school, q.Items[0].ID, review.Decision{Approve: true}, where), review.CodeForbidden) // their own approval
			apptest.Code(t, r.Sample(ctx, sampler, q.Items[0].ID, review.Decision{}, where), review.CodeReviewReason)
			apptest.NoErr(t, r.Sample(ctx, sampler, q.Items[0].ID, review.Decision{Reasons: []string{"R11"}, Note: "抽检发现光线不均"}, where))
			apptest.Code(t, r.Sample(ctx, sampler, q.Items[0].ID, review.Decision{Approve: true}, where), review.CodeReviewState)
			if sub := apptest.Must(env.App.Store.Submission(ctx, q.Items[0].ID))(t); sub.State != domain.StateRejected || sub.Deadline.IsZero() {
				t.Fatalf("overturned sample: %+v", sub)
			}
			stats := apptest.Must(r.Stats(ctx, sampler, env.Demo.CampaignID, 7))(t)
			by := map[string]review.ReviewerStats{}
			for _, s := range stats {
				by[s.Login] = s
			}
			if v := by["vendor.rev"]; v.FirstPasses != 3 || v.Reversed != 1 || v.PerHour <= 0 {
				t.Errorf("the vendor's stats %+v", v)
			}
			if s := by["school.rev"]; s.Approved+s.Rejected != 3 || s.Reversed != 1 || s.Sampled != 1 {
				t.Errorf("the school reviewer's stats %+v", s)
			}
		})
	}
}
