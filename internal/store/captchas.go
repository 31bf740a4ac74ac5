package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// InsertCaptcha records a challenge by its id and the keyed hash of its
// answer.
func (s *Store) InsertCaptcha(ctx context.Context, id, answerHash string, expires time.Time) error {
	_, err := s.exec(ctx, nil, `INSERT INTO captchas (id, answer_hash, expires_at) VALUES (?, ?, ?)`, id, answerHash, expires.UnixMilli())
	return err
}

// UseCaptcha spends a challenge: it returns the answer's hash once, while
// the challenge is live; ErrNotFound for an unknown, spent or expired one.
func (s *Store) UseCaptcha(ctx context.Context, id string) (string, error) {
	var hash string
	err := s.row(ctx, nil, `UPDATE captchas SET used = 1 WHERE id = ? AND used = 0 AND expires_at > ? RETURNING answer_hash`, id, s.ms()).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return hash, err
}
