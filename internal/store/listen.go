package store

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// ListenUploads calls finished with the id of every upload any instance
// finishes, until ctx ends: PostgreSQL's LISTEN on a connection of its own,
// opened again (after a pause) whenever it drops. On SQLite, a single
// process, it returns at once: there is no other instance to hear from.
// Waiting requests still poll, so a lost notification costs a second,
// never a result.
func (s *Store) ListenUploads(ctx context.Context, finished func(id int64)) {
	if s.dialect != Postgres || s.url == "" {
		return
	}
	for ctx.Err() == nil {
		s.listenOnce(ctx, finished)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (s *Store) listenOnce(ctx context.Context, finished func(id int64)) {
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN zhipai_upload"); err != nil {
		return
	}
	s.listening.Store(true)
	defer s.listening.Store(false)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return
		}
		if id, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
			finished(id)
		}
	}
}

// Listening reports whether the announcements are heard now.
func (s *Store) Listening() bool { return s.listening.Load() }
