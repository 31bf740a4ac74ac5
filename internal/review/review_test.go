package review_test

import (
	"context"
	"testing"

	"zhipai/internal/app/apptest"
	"zhipai/internal/domain"
	"zhipai/internal/review"
	"zhipai/internal/store"
)

// TestDecide: a reviewer's decisions follow the state machine, a
// rejection needs a known reason and sets the retake deadline, and an
// approved submission is final. On both engines.
func TestDecide(t *testing.T) {
	ctx := context.Background()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{})
			who := apptest.SignIn(t, env, "13100131000", "ip")
			s := env.Demo.Student
			apptest.Enrolled(t, env, who, s.Name, s.DocNumber)
			up, _, err := env.App.Capture.Upload(ctx, who, env.Demo.CampaignID, "key-review-0001", apptest.Testdata(t, "astronaut.png"))
			apptest.NoErr(t, err)
			apptest.WaitUpload(t, env, who, up.ID)
			sub := apptest.Must(env.App.Capture.Submit(ctx, who, up.ID))(t)
			r := env.App.Review

			_, err = r.Decide(ctx, sub.ID+1000, domain.StateApproved, nil, "", "t")
			apptest.Code(t, err, domain.CodeNotFound)
			_, err = r.Decide(ctx, sub.ID, domain.StateRejected, nil, "", "t")
			apptest.Code(t, err, review.CodeReviewReason)
			_, err = r.Decide(ctx, sub.ID, domain.StateRejected, []string{"R00"}, "", "t")
			apptest.Code(t, err, review.CodeReviewReason)
			_, err = r.Decide(ctx, sub.ID, domain.StateWithdrawn, nil, "", "t")
			apptest.Code(t, err, review.CodeReviewState) // students withdraw, reviewers do not
			got := apptest.Must(r.Decide(ctx, sub.ID, domain.StateRejected, []string{" r09 ", "R14"}, "请闭上嘴唇", "t"))(t)
			if got.State != domain.StateRejected || got.Reasons != "R09,R14" || got.Note != "请闭上嘴唇" || got.Deadline.IsZero() {
				t.Fatalf("rejected: %+v", got)
			}
			_, err = r.Decide(ctx, sub.ID, domain.StateApproved, nil, "", "t")
			apptest.Code(t, err, review.CodeReviewState) // a rejected submission waits for the retake
		})
	}
}
