package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Hit records an event under a rate-limit key. Every instance sees the
// same events: the limits hold across a cluster.
func (s *Store) Hit(ctx context.Context, key string) error { return s.hit(ctx, nil, key) }

func (s *Store) hit(ctx context.Context, tx *Tx, key string) error {
	_, err := s.exec(ctx, tx, `INSERT INTO rate_events (key, at) VALUES (?, ?)`, key, s.ms())
	return err
}

// CountSince returns how many events a rate-limit key has had since each
// of several moments, in one query.
func (s *Store) CountSince(ctx context.Context, key string, since []time.Time) ([]int, error) {
	return s.countSince(ctx, nil, key, since)
}

// Take records one event of each of several keys, or of none. Limit i
// allows keys[i] max[i] events since since[i] (a key may have several
// limits); when one is reached Take records nothing and returns the first
// such i, else -1. Counts and inserts are one transaction (SQLite has one
// writer), on PostgreSQL one statement that holds a lock on each key until
// it commits, so twenty requests sent at once for one phone cannot all be
// counted before any is recorded. A sign-in code's three limits (phone,
// address, both) are one take, not three: a refusal by the third does not
// spend the first two, and the single writer is taken once.
func (s *Store) Take(ctx context.Context, keys []string, since []time.Time, max []int) (int, error) {
	over := -1
	if s.dialect == Postgres { // in one round trip (migration 0012)
		at, limit := make([]int64, len(since)), make([]int32, len(max))
		for i := range since {
			at[i], limit[i] = since[i].UnixMilli(), int32(max[i])
		}
		err := s.row(ctx, nil, `SELECT zhipai_rate_take_all(?::text[], ?, ?::bigint[], ?::int[])`, keys, s.ms(), at, limit).Scan(&over)
		return over, err
	}
	// The limits of each key, in the order the keys first appear.
	var order []string
	of := map[string][]int{}
	for i, k := range keys {
		if of[k] == nil {
			order = append(order, k)
		}
		of[k] = append(of[k], i)
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		for _, k := range order {
			at := make([]time.Time, len(of[k]))
			for j, i := range of[k] {
				at[j] = since[i]
			}
			counts, err := s.countSince(ctx, tx, k, at)
			if err != nil {
				return err
			}
			for j, i := range of[k] {
				if counts[j] >= max[i] && (over < 0 || i < over) {
					over = i
				}
			}
		}
		if over >= 0 {
			return nil
		}
		for _, k := range order {
			if err := s.hit(ctx, tx, k); err != nil {
				return err
			}
		}
		return nil
	})
	return over, err
}

func (s *Store) countSince(ctx context.Context, tx *Tx, key string, since []time.Time) ([]int, error) {
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
	if err := s.row(ctx, tx, q.String(), args...).Scan(dst...); err != nil {
		return nil, err
	}
	out := make([]int, len(since))
	for i, c := range counts {
		out[i] = int(c)
	}
	return out, nil
}

// Prune drops rate events, sign-in codes and finished card checks from
// before a moment, and the sessions expired at another.
func (s *Store) Prune(ctx context.Context, before, now time.Time) error {
	for _, q := range []struct {
		sql string
		at  time.Time
	}{
		{`DELETE FROM rate_events WHERE at < ?`, before},
		{`DELETE FROM sms_codes WHERE created_at < ?`, before},
		{`DELETE FROM card_checks WHERE status <> '` + CardChecking + `' AND updated_at < ?`, before},
		{`DELETE FROM sessions WHERE expires_at < ?`, now},
		{`DELETE FROM captchas WHERE expires_at < ?`, now},
	} {
		if _, err := s.exec(ctx, nil, q.sql, q.at.UnixMilli()); err != nil {
			return fmt.Errorf("store: prune: %w", err)
		}
	}
	return nil
}
