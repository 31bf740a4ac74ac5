// Package notify tells students what happened to their photo (requirements
// CS-1, CS-5): every notice goes into the in-app inbox in the transaction
// of its cause, and out by SMS and WeChat subscribe message where the
// student has them, each delivery a job that is retried, deduplicated and
// rate-limited per phone, and recorded.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/ratelimit"
	"zhipai/internal/secret"
	"zhipai/internal/store"
)

// The kinds of notice.
const (
	KindReceived = "submission.received"
	KindRejected = "submission.rejected"
	KindApproved = "submission.approved"
	KindClosing  = "campaign.closing"
	KindReminder = "campaign.reminder"
	KindTicket   = "ticket.reply"
)

// Kinds lists them (configuration validates template maps against it).
func Kinds() []string {
	return []string{KindReceived, KindRejected, KindApproved, KindClosing, KindReminder, KindTicket}
}

// Sender delivers a notice by one channel.
type Sender interface {
	// Channel is "sms" or "wechat".
	Channel() string
	// Send sends n to the address (a phone, an openid). ErrRefused (wrapped)
	// means the channel will never take it; any other error is retried.
	Send(ctx context.Context, to string, n domain.Notification, params map[string]string) error
}

// ErrRefused is a delivery not worth retrying.
var ErrRefused = errors.New("notify: refused")

// ErrNoTemplate means the channel has no template for the notice's kind:
// the delivery is skipped.
var ErrNoTemplate = errors.New("notify: no template for this kind")

// Queue schedules deliveries in the transaction that made them.
type Queue interface {
	EnqueueDeliveries(ctx context.Context, tx *store.Tx, ids []int64, at time.Time) error
}

// Config tunes the notices.
type Config struct {
	// ApprovalDelay holds an approval back for the reviewer's undo window.
	ApprovalDelay time.Duration
	// ClosingDays are the days before a campaign closes on which students
	// who have not finished are reminded (each once).
	ClosingDays []int
}

// DefaultConfig: two minutes to undo; reminders three days and one day
// before the close.
func DefaultConfig() Config { return Config{ApprovalDelay: 2 * time.Minute, ClosingDays: []int{3, 1}} }

// Deps are what the service uses.
type Deps struct {
	Store   *store.Store
	Keys    *secret.Keys
	Limiter *ratelimit.Limiter
	Queue   Queue
	Senders []Sender
	Log     *slog.Logger
}

// Service makes and delivers notices.
type Service struct {
	cfg Config
	Deps
	now func() time.Time
}

// New builds the service; Hook must be installed on the store for the
// submission notices.
func New(cfg Config, d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, Deps: d, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// channels are the channels with a sender.
func (s *Service) channels() []string {
	out := make([]string, 0, len(s.Senders))
	for _, x := range s.Senders {
		out = append(out, x.Channel())
	}
	return out
}

// post inserts a notice and schedules its deliveries, in tx; false when
// the student had it already.
func (s *Service) post(ctx context.Context, tx *store.Tx, n domain.Notification, params map[string]string) (bool, error) {
	if params == nil {
		params = map[string]string{}
	}
	raw, _ := json.Marshal(params)
	n.ParamsJSON = string(raw)
	if n.VisibleAt.IsZero() {
		n.VisibleAt = s.now()
	}
	fresh, ids, err := s.Store.InsertNotification(ctx, tx, n, s.channels())
	if err != nil || !fresh {
		return false, err
	}
	if s.Queue != nil && len(ids) > 0 {
		if err := s.Queue.EnqueueDeliveries(ctx, tx, ids, n.VisibleAt); err != nil {
			return false, err
		}
	}
	return true, nil
}

// Hook is the store's transition hook: the notices of a submission.
func (s *Service) Hook(ctx context.Context, tx *store.Tx, t store.StateChange) error {
	sub, c := t.Submission, t.Campaign
	key := "sub:" + strconv.FormatInt(sub.ID, 10) + ":"
	base := domain.Notification{UserID: t.UserID, CampaignID: c.ID, Link: "#/c/" + strconv.FormatInt(c.ID, 10)}
	params := map[string]string{"campaign": c.Name}
	switch {
	case sub.State == domain.StatePending && t.From == "":
		n := base
		n.Kind, n.DedupKey, n.Title = KindReceived, key+"received", "照片已提交审核"
		n.Body = "你提交的照片已进入审核，预计" + day(sub.DueAt) + "前完成。审核期间如发现个人信息有误，请立即通过“联系客服”告诉我们。"
		params["status"], params["hint"], params["deadline"] = "审核中", "预计"+day(sub.DueAt)+"前完成", stamp(sub.DueAt)
		_, err := s.post(ctx, tx, n, params)
		return err
	case sub.State == domain.StateRejected:
		n := base
		n.Kind, n.Title = KindRejected, "照片未通过审核，请重拍"
		n.DedupKey = key + "rejected:" + strconv.FormatInt(sub.UpdatedAt.UnixMilli(), 10)
		var texts []string
		for _, code := range strings.Split(sub.Reasons, ",") {
			if code == "" {
				continue
			}
			text, _ := c.ReasonText(domain.Reason(code))
			texts = append(texts, domain.Reason(code).Title()+"："+text)
		}
		body := "未通过的原因：" + strings.Join(texts, "；")
		if !strings.HasSuffix(body, "。") {
			body += "。"
		}
		if sub.Note != "" {
			body += "审核员备注：" + sub.Note + "。"
		}
		n.Body = body + "请在" + stamp(sub.Deadline) + "前按提示重新拍摄上传。"
		params["status"], params["deadline"] = "未通过", stamp(sub.Deadline)
		params["hint"] = "请在" + day(sub.Deadline) + "前重拍"
		if len(texts) > 0 {
			params["reason"] = strings.SplitN(texts[0], "：", 2)[0]
		}
		_, err := s.post(ctx, tx, n, params)
		return err
	case sub.State == domain.StateApproved:
		n := base
		n.Kind, n.DedupKey, n.Title = KindApproved, key+"approved", "照片已通过审核"
		n.Body = "你的照片已通过审核并锁定，无需再做什么。学校导出后会用于学籍、校园卡等系统。"
		n.VisibleAt = s.now().Add(s.cfg.ApprovalDelay)
		params["status"], params["hint"], params["deadline"] = "已通过", "照片已锁定，无需操作", stamp(sub.DecidedAt)
		_, err := s.post(ctx, tx, n, params)
		return err
	case sub.State == domain.StatePending && t.From == domain.StateApproved:
		// An approval undone within its window: the student never hears
		// of it.
		_, err := s.Store.WithdrawNotification(ctx, tx, t.UserID, key+"approved")
		return err
	}
	return nil
}

var chinaTime = domain.China

// stamp and day write times as a student reads them (Beijing time).
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(chinaTime).Format("2006年1月2日 15:04")
}

func day(t time.Time) string {
	if t.IsZero() {
		return "近日"
	}
	return t.In(chinaTime).Format("1月2日")
}

// TicketAnswered tells the student of an answer to their ticket, in the
// answer's transaction.
// author is who the student is told answered (客服, 学校老师).
func (s *Service) TicketAnswered(ctx context.Context, tx *store.Tx, t domain.Ticket, msgID int64, author, body string) error {
	n := domain.Notification{UserID: t.UserID, CampaignID: t.CampaignID, Kind: KindTicket, Title: author + "回复了你的问题（" + t.Kind.Title() + "）",
		Body: body, Link: "#/tickets/" + strconv.FormatInt(t.ID, 10), DedupKey: "ticket:" + strconv.FormatInt(t.ID, 10) + ":" + strconv.FormatInt(msgID, 10)}
	_, err := s.post(ctx, tx, n, map[string]string{"campaign": t.CampaignName, "status": "已回复", "hint": "请在消息中查看客服回复", "deadline": stamp(s.now())})
	return err
}

// Inbox is the student's notices, newest first (30 a page, before the id
// given), and how many are unread.
func (s *Service) Inbox(ctx context.Context, who domain.Caller, before int64) ([]domain.Notification, int, error) {
	list, unread, err := s.Store.Inbox(ctx, who.UserID, before, 30)
	if err != nil {
		return nil, 0, domain.Internal("inbox: %w", err)
	}
	return list, unread, nil
}

// MarkRead marks one of the student's notices read, or all with id 0.
func (s *Service) MarkRead(ctx context.Context, who domain.Caller, id int64) error {
	if err := s.Store.MarkRead(ctx, who.UserID, id); err != nil {
		return domain.Internal("mark read: %w", err)
	}
	return nil
}
