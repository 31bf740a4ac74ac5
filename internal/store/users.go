package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"zhipai/internal/domain"
)

// InsertSMSCode stores a code (hashed).
func (s *Store) InsertSMSCode(ctx context.Context, phoneIndex, codeHash string, expires time.Time) error {
	_, err := s.insert(ctx, nil, `INSERT INTO sms_codes (phone_index, code_hash, expires_at, created_at) VALUES (?, ?, ?, ?)`,
		phoneIndex, codeHash, expires.UnixMilli(), s.ms())
	return err
}

// LatestSMSCode is the newest code sent to a phone.
func (s *Store) LatestSMSCode(ctx context.Context, phoneIndex string) (domain.SMSCode, error) {
	var c domain.SMSCode
	var exp int64
	var used sql.NullInt64
	err := s.row(ctx, nil, `SELECT id, code_hash, attempts, expires_at, used_at FROM sms_codes WHERE phone_index = ? ORDER BY id DESC LIMIT 1`, phoneIndex).
		Scan(&c.ID, &c.CodeHash, &c.Attempts, &exp, &used)
	c.ExpiresAt, c.Used = msTime(exp), used.Valid
	return c, notFound(err, "sms code", "")
}

// UseSMSCode marks a code used, once: ErrConflict if it already was.
func (s *Store) UseSMSCode(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, nil, `UPDATE sms_codes SET used_at = ? WHERE id = ? AND used_at IS NULL`, s.ms(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// CountSMSAttempt counts a wrong guess against a code.
func (s *Store) CountSMSAttempt(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, nil, `UPDATE sms_codes SET attempts = attempts + 1 WHERE id = ?`, id)
	return err
}

// Hit records an event under a rate-limit key. Every instance sees the
// same events: the limits hold across a cluster.
func (s *Store) Hit(ctx context.Context, key string) error {
	_, err := s.exec(ctx, nil, `INSERT INTO rate_events (key, at) VALUES (?, ?)`, key, s.ms())
	return err
}

// CountSince returns how many events a rate-limit key has had since each
// of several moments, in one query.
func (s *Store) CountSince(ctx context.Context, key string, since []time.Time) ([]int, error) {
	if len(since) == 0 {
		return nil, nil
	}
	var q strings.Builder
	args := make([]any, 0, len(since)+2)
	q.WriteString("SELECT ")
	for i, t := range since {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("COALESCE(SUM(CASE WHEN at >= ? THEN 1 ELSE 0 END), 0)")
		args = append(args, t.UnixMilli())
	}
	oldest := since[0]
	for _, t := range since {
		if t.Before(oldest) {
			oldest = t
		}
	}
	q.WriteString(" FROM rate_events WHERE key = ? AND at >= ?")
	args = append(args, key, oldest.UnixMilli())
	counts := make([]int64, len(since))
	dst := make([]any, len(since))
	for i := range counts {
		dst[i] = &counts[i]
	}
	if err := s.row(ctx, nil, q.String(), args...).Scan(dst...); err != nil {
		return nil, err
	}
	out := make([]int, len(since))
	for i, c := range counts {
		out[i] = int(c)
	}
	return out, nil
}

// Prune drops rate events and sign-in codes from before a moment, and
// the sessions expired at another.
func (s *Store) Prune(ctx context.Context, before, now time.Time) error {
	for _, q := range []struct {
		sql string
		at  time.Time
	}{
		{`DELETE FROM rate_events WHERE at < ?`, before},
		{`DELETE FROM sms_codes WHERE created_at < ?`, before},
		{`DELETE FROM sessions WHERE expires_at < ?`, now},
	} {
		if _, err := s.exec(ctx, nil, q.sql, q.at.UnixMilli()); err != nil {
			return fmt.Errorf("store: prune: %w", err)
		}
	}
	return nil
}

// UserByPhone finds or creates the user with a phone index.
func (s *Store) UserByPhone(ctx context.Context, phoneIndex string, phoneEnc []byte) (domain.User, error) {
	return s.userBy(ctx, "phone_index", phoneIndex, func() (int64, error) {
		return s.insert(ctx, nil, `INSERT INTO users (phone_index, phone_enc, created_at) VALUES (?, ?, ?)`, phoneIndex, phoneEnc, s.ms())
	})
}

// UserByOpenID finds or creates the user with a WeChat openid index.
func (s *Store) UserByOpenID(ctx context.Context, openidIndex string) (domain.User, error) {
	return s.userBy(ctx, "openid_index", openidIndex, func() (int64, error) {
		return s.insert(ctx, nil, `INSERT INTO users (openid_index, created_at) VALUES (?, ?)`, openidIndex, s.ms())
	})
}

// User gets a user.
func (s *Store) User(ctx context.Context, id int64) (domain.User, error) {
	var u domain.User
	var phone, openid sql.NullString
	err := s.row(ctx, nil, `SELECT id, phone_index, phone_enc, openid_index FROM users WHERE id = ?`, id).Scan(&u.ID, &phone, &u.PhoneEnc, &openid)
	u.PhoneIndex, u.OpenIDIndex = phone.String, openid.String
	return u, notFound(err, "user", id)
}

func (s *Store) userBy(ctx context.Context, col, value string, create func() (int64, error)) (domain.User, error) {
	for attempt := 0; attempt < 2; attempt++ {
		var u domain.User
		var phone, openid sql.NullString
		err := s.row(ctx, nil, `SELECT id, phone_index, phone_enc, openid_index FROM users WHERE `+col+` = ?`, value).
			Scan(&u.ID, &phone, &u.PhoneEnc, &openid)
		if err == nil {
			u.PhoneIndex, u.OpenIDIndex = phone.String, openid.String
			return u, nil
		}
		if err != sql.ErrNoRows {
			return u, err
		}
		if _, err := create(); err != nil && err != ErrConflict {
			return u, err
		} // on conflict another request created it: read again
	}
	return domain.User{}, ErrConflict
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, se domain.Session) error {
	_, err := s.exec(ctx, nil, `INSERT INTO sessions (token_hash, user_id, csrf, channel, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		se.TokenHash, se.UserID, se.CSRF, se.Channel, s.ms(), se.ExpiresAt.UnixMilli())
	return err
}

// SessionByToken finds a live session.
func (s *Store) SessionByToken(ctx context.Context, tokenHash string) (domain.Session, error) {
	var se domain.Session
	var exp int64
	err := s.row(ctx, nil, `SELECT token_hash, user_id, csrf, channel, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?`, tokenHash, s.ms()).
		Scan(&se.TokenHash, &se.UserID, &se.CSRF, &se.Channel, &exp)
	se.ExpiresAt = msTime(exp)
	return se, notFound(err, "session", "")
}

// DeleteSession signs a device out.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := s.exec(ctx, nil, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return err
}
