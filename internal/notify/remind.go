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
	r := Reminded{NoAccount: none}
	today := s.now().In(chinaTime).Format("2006-01-02")
	for _, u := range list {
		n := domain.Notification{UserID: u.UserID, CampaignID: c.ID, Kind: KindReminder, Link: "#/c/" + strconv.FormatInt(c.ID, 10),
			DedupKey: "remind:" + strconv.FormatInt(c.ID, 10) + ":" + today, Title: "老师提醒你完成照片采集"}
		n.Body = "「" + c.Name + "」将于" + stamp(c.ClosesAt) + "截止，你还没有完成照片采集。" + unfinishedHint(u.State)
		var fresh bool
		err := s.Store.InTx(ctx, func(tx *store.Tx) (err error) {
			fresh, err = s.post(ctx, tx, n, map[string]string{"campaign": c.Name, "status": "待完成", "hint": "请尽快完成照片采集", "deadline": stamp(c.ClosesAt)})
			return err
		})
		if err != nil {
			return r, err
		}
		if fresh {
			r.Sent++
		} else {
			r.Already++
		}
	}
	return r, nil
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
		for _, u := range list {
			n := domain.Notification{UserID: u.UserID, CampaignID: c.ID, Kind: KindClosing, Link: "#/c/" + strconv.FormatInt(c.ID, 10),
				DedupKey: "closing:" + strconv.FormatInt(c.ID, 10) + ":" + strconv.Itoa(mark), Title: "照片采集即将截止"}
			n.Body = "「" + c.Name + "」将在" + strconv.Itoa(mark) + "天内（" + stamp(c.ClosesAt) + "）截止，你还没有完成照片采集。" + unfinishedHint(u.State)
			var fresh bool
			err := s.Store.InTx(ctx, func(tx *store.Tx) (err error) {
				fresh, err = s.post(ctx, tx, n, map[string]string{"campaign": c.Name, "status": "即将截止", "hint": strconv.Itoa(mark) + "天内截止", "deadline": stamp(c.ClosesAt)})
				return err
			})
			if err != nil {
				return sent, err
			}
			if fresh {
				sent++
			}
		}
	}
	return sent, nil
}
