package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/store"
)

// Reminded is what a reminder reached.
type Reminded struct {
	// Sent is how many students got it now; Already how many had it today;
	// NoAccount how many have not signed in, whom no channel reaches.
	Sent      int `json:"sent"`
	Already   int `json:"already"`
	NoAccount int `json:"no_account"`
}

// Remind tells every student in the scope (and the college or class, if
// given) who has not finished the campaign to do so: once a day per
// student however often it is asked. For counsellors' bulk reminders
// (requirements CS-5); the caller checks the role and audits.
func (s *Service) Remind(ctx context.Context, sc domain.Scope, c domain.Campaign, college, class string) (Reminded, error) {
	list, none, err := s.Store.UnfinishedIn(ctx, sc, c.ID, college, class)
	if err != nil {
		return Reminded{}, fmt.Errorf("notify: unfinished: %w", err)
	}
	today := s.now().In(chinaTime).Format("2006-01-02")
	sent, already, err := s.remindEach(ctx, c, list, reminder{kind: KindReminder, key: "remind:" + strconv.FormatInt(c.ID, 10) + ":" + today,
		title: "老师提醒你完成照片采集", body: "「" + c.Name + "」将于" + stamp(c.ClosesAt) + "截止，你还没有完成照片采集。",
		status: "待完成", hint: "请尽快完成照片采集"})
	return Reminded{Sent: sent, Already: already, NoAccount: none}, err
}

// reminder is a reminder's notice, the same for each student but the hint
// for their state.
type reminder struct {
	kind, key, title, body, status, hint string
}

// remindEach posts the reminder to each unfinished student, once per its
// key, each in its own transaction: how many got it now, how many had it.
func (s *Service) remindEach(ctx context.Context, c domain.Campaign, list []store.Unfinished, r reminder) (sent, already int, err error) {
	params := map[string]string{"campaign": c.Name, "status": r.status, "hint": r.hint, "deadline": stamp(c.ClosesAt)}
	for _, u := range list {
		n := domain.Notification{UserID: u.UserID, CampaignID: c.ID, Kind: r.kind, Link: "#/c/" + strconv.FormatInt(c.ID, 10),
			DedupKey: r.key, Title: r.title, Body: r.body + unfinishedHint(u.State)}
		var fresh bool
		if err := s.Store.InTx(ctx, func(tx *store.Tx) (err error) {
			fresh, err = s.post(ctx, tx, n, params)
			return err
		}); err != nil {
			return sent, already, err
		}
		if fresh {
			sent++
		} else {
			already++
		}
	}
	return sent, already, nil
}

func unfinishedHint(st domain.State) string {
	if st == domain.StateRejected {
		return "上次的照片未通过审核，请按原因重新拍摄上传。"
	}
	return "请按页面提示拍摄并提交。"
}

// SendClosingReminders reminds, on each of the configured days before a
// campaign closes, its students who have not finished (each once per
// day-mark). The queue runs it every hour.
func (s *Service) SendClosingReminders(ctx context.Context) (int, error) {
	maxDays := 0
	for _, d := range s.cfg.ClosingDays {
		maxDays = max(maxDays, d)
	}
	if maxDays == 0 {
		return 0, nil
	}
	now := s.now()
	campaigns, err := s.Store.ClosingCampaigns(ctx, now.AddDate(0, 0, maxDays))
	if err != nil {
		return 0, fmt.Errorf("notify: closing campaigns: %w", err)
	}
	sent := 0
	for _, c := range campaigns {
		// The smallest mark the remaining time is within: a campaign
		// found with 20 hours left gets the one-day notice, not both.
		mark := 0
		for _, d := range s.cfg.ClosingDays {
			if c.ClosesAt.Sub(now) <= time.Duration(d)*24*time.Hour && (mark == 0 || d < mark) {
				mark = d
			}
		}
		if mark == 0 {
			continue
		}
		list, _, err := s.Store.UnfinishedIn(ctx, domain.Scope{SchoolID: c.SchoolID}, c.ID, "", "")
		if err != nil {
			return sent, fmt.Errorf("notify: unfinished: %w", err)
		}
		days := strconv.Itoa(mark)
		n, _, err := s.remindEach(ctx, c, list, reminder{kind: KindClosing, key: "closing:" + strconv.FormatInt(c.ID, 10) + ":" + days,
			title: "照片采集即将截止", body: "「" + c.Name + "」将在" + days + "天内（" + stamp(c.ClosesAt) + "）截止，你还没有完成照片采集。",
			status: "即将截止", hint: days + "天内截止"})
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}
