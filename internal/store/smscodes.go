package store

import (
	"context"
	"database/sql"
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
func (s *Store) UseSMSCode(ctx context.Context, id int64) error { return s.useSMSCode(ctx, nil, id) }

func (s *Store) useSMSCode(ctx context.Context, tx *Tx, id int64) error {
	res, err := s.exec(ctx, tx, `UPDATE sms_codes SET used_at = ? WHERE id = ? AND used_at IS NULL`, s.ms(), id)
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
