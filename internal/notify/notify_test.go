package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zhipai/internal/app"
	"zhipai/internal/app/apptest"
	"zhipai/internal/config"
	"zhipai/internal/domain"
	"zhipai/internal/review"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

func withTemplates(c *config.Config) {
	c.Notify = config.Notify{
		SMSTemplates:    "submission.received=SMS_R,submission.rejected=SMS_J,submission.approved=SMS_A,campaign.reminder=SMS_M",
		WeChatTemplates: "submission.rejected=WX_J,campaign.reminder=WX_M",
		WeChatFields:    "thing1=campaign,phrase2=status,thing3=hint,time4=deadline",
		WeChatPage:      "pages/index/index",
	}
	c.UndoWindow = time.Minute
}

// wait polls until cond holds (deliveries are jobs).
func wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func inbox(t *testing.T, env *apptest.Env, sub int64) []domain.Notification {
	t.Helper()
	s := apptest.Must(env.App.Store.Submission(context.Background(), sub))(t)
	e := apptest.Must(env.App.Store.Enrolment(context.Background(), s.EnrolmentID))(t)
	list, _, err := env.App.Store.Inbox(context.Background(), e.UserID, 0, 50)
	apptest.NoErr(t, err)
	return list
}

func kinds(list []domain.Notification) string {
	var out []string
	for _, n := range list {
		out = append(out, n.Kind)
	}
	return strings.Join(out, " ")
}

// TestNotices: a submission's every move reaches the student's inbox in
// its own transaction and goes out by SMS with the kind's template; an
// approval is held back for the undo window and an undone one is never
// heard of; a counsellor's reminder reaches each unfinished student once a
// day; a phone past its share is limited. On both engines.
func TestNotices(t *testing.T) {
	ctx := context.Background()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			env := apptest.New(t, d, apptest.Options{Config: withTemplates})
			ids := apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 4, 0))(t)
			if got := kinds(inbox(t, env, ids[0])); got != "submission.received" {
				t.Fatalf("inbox after submitting: %q", got)
			}
			wait(t, "four received SMS", func() bool { return len(env.SMS.Messages()) >= 4 })
			for _, m := range env.SMS.Messages() {
				if m.Template != "SMS_R" || m.Params["campaign"] == "" || !strings.HasPrefix(m.Phone, "139") {
					t.Errorf("received SMS %+v", m)
				}
			}

			rev := staff.Staff{User: domain.StaffUser{Login: "rev", Name: "审核员", Role: domain.RoleSchoolReviewer, SchoolID: env.Demo.SchoolID, PasswordHash: "x", TOTPSealed: []byte{1}},
				Scope: domain.Scope{SchoolID: env.Demo.SchoolID}}
			rev.User.ID = apptest.Must(env.App.Store.CreateStaff(ctx, rev.User))(t)
			where := staff.Where{IP: "test"}
			r := env.App.Review
			apptest.Must(r.Open(ctx, rev, ids[0], where))(t)
			apptest.Must(r.DecideAs(ctx, rev, ids[0], review.Decision{Reasons: []string{"R09"}, Note: "嘴请闭合"}, where))(t)
			got := inbox(t, env, ids[0])
			if len(got) != 2 || got[0].Kind != "submission.rejected" || !strings.Contains(got[0].Body, "嘴请闭合") || !strings.Contains(got[0].Body, "前按提示重新拍摄上传") {
				t.Fatalf("inbox after rejection: %+v", got)
			}
			wait(t, "the rejection SMS", func() bool {
				for _, m := range env.SMS.Messages() {
					if m.Template == "SMS_J" && m.Params["deadline"] != "" && m.Params["reason"] != "" {
						return true
					}
				}
				return false
			})

			// An approval is held back; undone, it is withdrawn unseen.
			apptest.Must(r.Open(ctx, rev, ids[1], where))(t)
			apptest.Must(r.DecideAs(ctx, rev, ids[1], review.Decision{Approve: true}, where))(t)
			if got := kinds(inbox(t, env, ids[1])); got != "submission.received" {
				t.Fatalf("an approval shown within its undo window: %q", got)
			}
			undone := apptest.Must(r.Undo(ctx, rev, []int64{ids[1], ids[0]}, where))(t)
			if len(undone) != 1 || undone[0] != ids[1] {
				t.Fatalf("undo took %v, want only the approval %d", undone, ids[1])
			}
			if sub := apptest.Must(env.App.Store.Submission(ctx, ids[1]))(t); sub.State != domain.StatePending {
				t.Fatalf("undone approval is %s", sub.State)
			}
			env.App.Store.SetClock(func() time.Time { return time.Now().Add(2 * time.Minute) })
			if got := kinds(inbox(t, env, ids[1])); got != "submission.received" {
				t.Fatalf("an undone approval reached the inbox: %q", got)
			}
			env.App.Store.SetClock(time.Now)

			// The counsellor's reminder: the rejected student (and nobody
			// waiting for review) gets it, once a day.
			sc := domain.Scope{SchoolID: env.Demo.SchoolID}
			c := apptest.Must(env.App.Store.Campaign(ctx, env.Demo.CampaignID))(t)
			first := apptest.Must(env.App.Notify.Remind(ctx, sc, c, "", ""))(t)
			again := apptest.Must(env.App.Notify.Remind(ctx, sc, c, "", ""))(t)
			if first.Sent != 1 || again.Sent != 0 || again.Already != 1 || first.NoAccount == 0 {
				t.Fatalf("reminders %+v then %+v", first, again)
			}
			if got := kinds(inbox(t, env, ids[0])); got != "campaign.reminder submission.rejected submission.received" {
				t.Fatalf("inbox after the reminder: %q", got)
			}
			wait(t, "the reminder SMS", func() bool {
				n := 0
				for _, m := range env.SMS.Messages() {
					if m.Template == "SMS_M" {
						n++
					}
				}
				return n == 1
			})
			// The gateway has the message a moment before the delivery
			// is recorded.
			wait(t, "six SMS recorded as sent", func() bool {
				var sent, other int
				apptest.NoErr(t, env.App.Store.DB().QueryRowContext(ctx, `SELECT
					COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN status <> 'sent' THEN 1 ELSE 0 END), 0)
					FROM deliveries WHERE channel = 'sms'`).Scan(&sent, &other))
				return sent == 6 && other == 0
			})
		})
	}
}

// TestDeliveries: a WeChat subscribe message fills the template's fields
// (clipped to their types), a student who has not subscribed is refused
// for good, an SMS provider's refusal is final, and a phone gets no more
// than its share in an hour.
func TestDeliveries(t *testing.T) {
	ctx := context.Background()
	env := apptest.New(t, store.SQLite, apptest.Options{Config: withTemplates, NoWorkers: true})
	st, keys, n := env.App.Store, env.App.Keys, env.App.Notify
	user := func(openid, phone string) int64 {
		if openid != "" {
			return apptest.Must(st.UserByOpenID(ctx, keys.Index(domain.IndexOpenID, openid), keys.SealField(openid, domain.IndexOpenID)))(t).ID
		}
		return apptest.Must(st.UserByPhone(ctx, keys.Index(domain.IndexPhone, phone), keys.SealField(phone, domain.IndexPhone)))(t).ID
	}
	post := func(uid int64, kind, key string) []int64 {
		var ids []int64
		apptest.NoErr(t, st.InTx(ctx, func(tx *store.Tx) (err error) {
			_, ids, err = st.InsertNotification(ctx, tx, domain.Notification{UserID: uid, CampaignID: env.Demo.CampaignID, Kind: kind, Title: "t", Body: "b", DedupKey: key,
				ParamsJSON: `{"campaign":"2026级新生入学照片采集（本科生与研究生）","status":"审核未通过请重拍","hint":"请重拍","deadline":"2026年12月3日 18:00"}`}, []string{"sms", "wechat"})
			return err
		}))
		return ids
	}
	status := func(id int64) string { return apptest.Must(st.Delivery(ctx, id))(t).Status }

	ok := post(user("o-student", ""), "submission.rejected", "a")
	refused := post(user("o-refuse-1", ""), "submission.rejected", "a")
	noTemplate := post(user("o-student", ""), "submission.approved", "b")
	if len(ok) != 1 || len(refused) != 1 || len(noTemplate) != 1 {
		t.Fatalf("deliveries %v %v %v: a WeChat user has one channel", ok, refused, noTemplate)
	}
	if again := post(user("o-student", ""), "submission.rejected", "a"); again != nil {
		t.Fatalf("a repeated notice was delivered again: %v", again)
	}
	apptest.NoErr(t, n.Deliver(ctx, ok[0], false))
	apptest.NoErr(t, n.Deliver(ctx, ok[0], false)) // a retried job sends nothing twice
	apptest.NoErr(t, n.Deliver(ctx, refused[0], false))
	apptest.NoErr(t, n.Deliver(ctx, noTemplate[0], false))
	msgs := env.WeChatAPI.Messages()
	if len(msgs) != 1 || msgs[0].ToUser != "o-student" || msgs[0].Template != "WX_J" || msgs[0].Page != "pages/index/index" {
		t.Fatalf("WeChat got %+v", msgs)
	}
	if d := msgs[0].Data; len([]rune(d["thing1"]["value"])) != 20 || d["phrase2"]["value"] != "审核未通…" || d["time4"]["value"] != "2026年12月3日 18:00" {
		t.Errorf("subscribe data %v", d)
	}
	if status(ok[0]) != domain.DeliverySent || status(refused[0]) != domain.DeliveryRefused || status(noTemplate[0]) != domain.DeliverySkipped {
		t.Errorf("statuses %s %s %s", status(ok[0]), status(refused[0]), status(noTemplate[0]))
	}

	phone := user("", "13912345678")
	var last int64
	for i := range 6 {
		ids := post(phone, "submission.received", "p"+string(rune('0'+i)))
		apptest.NoErr(t, n.Deliver(ctx, ids[0], false))
		last = ids[0]
	}
	if status(last) != domain.DeliveryLimited || len(env.SMS.Messages()) != 5 {
		t.Errorf("sixth SMS in an hour: %s, %d sent", status(last), len(env.SMS.Messages()))
	}
	env.SMS.Refuse = "blacklisted"
	ids := post(user("", "13912345679"), "submission.received", "x")
	apptest.NoErr(t, n.Deliver(ctx, ids[0], false))
	if status(ids[0]) != domain.DeliveryRefused {
		t.Errorf("a provider's refusal: %s", status(ids[0]))
	}
}

// TestClosingReminders: a campaign closing within a day reminds its
// unfinished students (a rejected one, not the one waiting for review)
// with the one-day notice only, and once however often the sweep runs.
func TestClosingReminders(t *testing.T) {
	ctx := context.Background()
	env := apptest.New(t, store.SQLite, apptest.Options{NoWorkers: true})
	c := apptest.Must(env.App.Store.Campaign(ctx, env.Demo.CampaignID))(t)
	c.OpensAt, c.ClosesAt = time.Now().Add(-time.Hour), time.Now().Add(20*time.Hour)
	apptest.NoErr(t, env.App.Store.UpdateCampaign(ctx, c))
	ids := apptest.Must(app.SeedSubmissions(ctx, env.App, env.Demo.CampaignID, 2, 0))(t)
	apptest.Must(env.App.Review.Decide(ctx, ids[0], domain.StateRejected, []string{"R09"}, "", "reviewer:cli"))(t)
	if n := apptest.Must(env.App.Notify.SendClosingReminders(ctx))(t); n != 1 {
		t.Fatalf("first sweep reminded %d, want the rejected student", n)
	}
	if n := apptest.Must(env.App.Notify.SendClosingReminders(ctx))(t); n != 0 {
		t.Fatalf("second sweep reminded %d again", n)
	}
	got := inbox(t, env, ids[0])
	if got[0].Kind != "campaign.closing" || !strings.Contains(got[0].Body, "1天内") || !strings.Contains(got[0].Body, "重新拍摄") {
		t.Fatalf("the rejected student's inbox: %+v", got[0])
	}
	if kinds(inbox(t, env, ids[1])) != "submission.received" {
		t.Errorf("the student waiting for review was reminded: %q", kinds(inbox(t, env, ids[1])))
	}
}
