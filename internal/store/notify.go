package store

import (
	"context"
	"database/sql"
	"time"

	"zhipai/internal/domain"
)

// TransitionHook runs in the transaction of every submission state change
// (submit, decision, undo, unlock, hand-back), after the change: what it
// writes commits or rolls back with it. The notifications use it, so that
// no path that moves a submission can forget to tell the student.
type TransitionHook func(ctx context.Context, tx *Tx, t StateChange) error

// StateChange is a state change as the hook sees it.
type StateChange struct {
	Submission domain.Submission
	UserID     int64
	Campaign   domain.Campaign
	From       domain.State
	Actor      string
}

// SetTransitionHook installs the hook (at composition, before serving).
func (s *Store) SetTransitionHook(h TransitionHook) { s.hook = h }

// recordEvent appends a submission's event and runs the hook.
func (s *Store) recordEvent(ctx context.Context, tx *Tx, id int64, actor string, from, to domain.State, reasons, note string) error {
	if _, err := s.exec(ctx, tx, `INSERT INTO submission_events (submission_id, actor, from_state, to_state, reasons, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, actor, from, to, reasons, note, s.ms()); err != nil {
		return err
	}
	if s.hook == nil {
		return nil
	}
	sub, err := scanSubmission(s.row(ctx, tx, `SELECT `+submissionCols+` FROM submissions WHERE id = ?`, id))
	if err != nil {
		return err
	}
	t := StateChange{Submission: sub, From: from, Actor: actor}
	var campaignID int64
	if err := s.row(ctx, tx, `SELECT user_id, campaign_id FROM enrolments WHERE id = ?`, sub.EnrolmentID).Scan(&t.UserID, &campaignID); err != nil {
		return err
	}
	if t.Campaign, err = scanCampaign(s.row(ctx, tx, `SELECT `+campaignCols+` FROM campaigns c JOIN schools s ON s.id = c.school_id WHERE c.id = ?`, campaignID)); err != nil {
		return err
	}
	return s.hook(ctx, tx, t)
}

// InsertNotification puts a notice in a student's inbox with a delivery
// row per channel the student has an address for ("sms": a phone,
// "wechat": an openid), and returns the deliveries' ids; a notice whose
// dedup key the student has already had is not repeated (false).
func (s *Store) InsertNotification(ctx context.Context, tx *Tx, n domain.Notification, channels []string) (bool, []int64, error) {
	if n.VisibleAt.IsZero() {
		n.VisibleAt = s.now()
	}
	var id int64
	err := s.row(ctx, tx, `INSERT INTO notifications (user_id, campaign_id, kind, title, body, link, params_json, dedup_key, created_at, visible_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, dedup_key) DO NOTHING RETURNING id`,
		n.UserID, n.CampaignID, n.Kind, n.Title, n.Body, n.Link, n.ParamsJSON, n.DedupKey, s.ms(), n.VisibleAt.UnixMilli()).Scan(&id)
	if err == sql.ErrNoRows {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	var out []int64
	for _, ch := range channels {
		col := map[string]string{"sms": "phone_enc", "wechat": "openid_enc"}[ch]
		if col == "" {
			continue
		}
		var d int64
		err := s.row(ctx, tx, `INSERT INTO deliveries (notification_id, channel, status, created_at)
			SELECT ?, ?, 'queued', ? FROM users WHERE id = ? AND `+col+` IS NOT NULL RETURNING id`, id, ch, s.ms(), n.UserID).Scan(&d)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return false, nil, err
		}
		out = append(out, d)
	}
	return true, out, nil
}

// WithdrawNotification takes back a notice not yet shown (an approval
// undone within its window) with its deliveries; true when there was one.
func (s *Store) WithdrawNotification(ctx context.Context, tx *Tx, userID int64, dedupKey string) (bool, error) {
	res, err := s.exec(ctx, tx, `DELETE FROM notifications WHERE user_id = ? AND dedup_key = ? AND visible_at > ?`, userID, dedupKey, s.ms())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Inbox lists a student's notices shown by now, newest first, before the
// id given (0: from the newest), and how many are unread.
func (s *Store) Inbox(ctx context.Context, userID, before int64, limit int) ([]domain.Notification, int, error) {
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := s.rows(ctx, nil, `SELECT id, user_id, campaign_id, kind, title, body, link, params_json, dedup_key, created_at, visible_at, read_at
		FROM notifications WHERE user_id = ? AND visible_at <= ? AND id < ? ORDER BY id DESC LIMIT ?`, userID, s.ms(), before, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []domain.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var unread int
	err = s.row(ctx, nil, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND visible_at <= ? AND read_at = 0`, userID, s.ms()).Scan(&unread)
	return out, unread, err
}

func scanNotification(sc interface{ Scan(...any) error }) (domain.Notification, error) {
	var n domain.Notification
	var created, visible, read int64
	err := sc.Scan(&n.ID, &n.UserID, &n.CampaignID, &n.Kind, &n.Title, &n.Body, &n.Link, &n.ParamsJSON, &n.DedupKey, &created, &visible, &read)
	n.CreatedAt, n.VisibleAt, n.ReadAt = msTime(created), msTime(visible), optMs(read)
	return n, err
}

// MarkRead marks a student's notices read: one, or all with id 0.
func (s *Store) MarkRead(ctx context.Context, userID, id int64) error {
	q, args := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at = 0 AND visible_at <= ?`, []any{s.ms(), userID, s.ms()}
	if id != 0 {
		q, args = q+` AND id = ?`, append(args, id)
	}
	_, err := s.exec(ctx, nil, q, args...)
	return err
}

// Delivery is a notice on its way by one channel, with what sending
// needs: the sealed phone or openid.
type Delivery struct {
	ID, NotificationID int64
	Channel, Status    string
	Attempts           int
	Notification       domain.Notification
	PhoneEnc           []byte
	OpenIDEnc          []byte
}

// Delivery loads a delivery (ErrNotFound once its notice was withdrawn).
func (s *Store) Delivery(ctx context.Context, id int64) (Delivery, error) {
	var d Delivery
	n := &d.Notification
	var created, visible, read int64
	err := s.row(ctx, nil, `SELECT d.id, d.notification_id, d.channel, d.status, d.attempts, u.phone_enc, u.openid_enc,
		n.id, n.user_id, n.campaign_id, n.kind, n.title, n.body, n.link, n.params_json, n.dedup_key, n.created_at, n.visible_at, n.read_at
		FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN users u ON u.id = n.user_id WHERE d.id = ?`, id).
		Scan(&d.ID, &d.NotificationID, &d.Channel, &d.Status, &d.Attempts, &d.PhoneEnc, &d.OpenIDEnc,
			&n.ID, &n.UserID, &n.CampaignID, &n.Kind, &n.Title, &n.Body, &n.Link, &n.ParamsJSON, &n.DedupKey, &created, &visible, &read)
	n.CreatedAt, n.VisibleAt, n.ReadAt = msTime(created), msTime(visible), optMs(read)
	return d, notFound(err, "delivery", id)
}

// FinishDelivery records a delivery's outcome: sent, failed (given up),
// refused (the provider or the student said no), limited (the phone had
// its share of messages) or skipped (no address or template).
func (s *Store) FinishDelivery(ctx context.Context, id int64, status, errText string) error {
	var sent int64
	if status == domain.DeliverySent {
		sent = s.ms()
	}
	_, err := s.exec(ctx, nil, `UPDATE deliveries SET status = ?, error = ?, attempts = attempts + 1, sent_at = ? WHERE id = ?`, status, errText, sent, id)
	return err
}

// CountAttempt counts a failed try that will be retried.
func (s *Store) CountAttempt(ctx context.Context, id int64, errText string) error {
	_, err := s.exec(ctx, nil, `UPDATE deliveries SET attempts = attempts + 1, error = ? WHERE id = ?`, errText, id)
	return err
}

// Unfinished is a student with an account who has not finished a
// campaign: nothing submitted, or the last submission rejected or
// withdrawn, and not exempt. A reminder goes to them.
type Unfinished struct {
	UserID, EnrolmentID int64
	State               domain.State
}

// UnfinishedIn lists a campaign's unfinished students in a scope, and how
// many students in it have no account yet (no channel reaches them).
func (s *Store) UnfinishedIn(ctx context.Context, sc domain.Scope, campaignID int64, college, class string) ([]Unfinished, int, error) {
	where, args := scopeWhere(sc)
	args = append([]any{campaignID}, args...)
	if college != "" {
		where += ` AND r.college = ?`
		args = append(args, college)
	}
	if class != "" {
		where += ` AND r.class_name = ?`
		args = append(args, class)
	}
	rows, err := s.rows(ctx, nil, `SELECT COALESCE(e.user_id, 0), COALESCE(e.id, 0), COALESCE(e.sub_state, '') FROM roster_rows r
		JOIN campaigns c ON c.id = r.campaign_id LEFT JOIN enrolments e ON e.roster_row_id = r.id
		WHERE r.campaign_id = ? AND r.exempt_reason = '' AND `+where+`
		AND COALESCE(e.sub_state, '') IN ('', 'rejected', 'withdrawn') ORDER BY r.id`, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Unfinished
	none := 0
	for rows.Next() {
		var u Unfinished
		if err := rows.Scan(&u.UserID, &u.EnrolmentID, &u.State); err != nil {
			return nil, 0, err
		}
		if u.UserID == 0 {
			none++
			continue
		}
		out = append(out, u)
	}
	return out, none, rows.Err()
}

// ClosingCampaigns are the campaigns open now that close before t.
func (s *Store) ClosingCampaigns(ctx context.Context, t time.Time) ([]domain.Campaign, error) {
	return s.campaigns(ctx, `WHERE c.opens_at <= ? AND c.closes_at > ? AND c.closes_at <= ? ORDER BY c.id`, s.ms(), s.ms(), t.UnixMilli())
}
