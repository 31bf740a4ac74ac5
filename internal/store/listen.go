package store

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// The channels on which PostgreSQL announces finished work, the id as
// the payload.
const (
	channelUploads    = "zhipai_upload"
	channelCardChecks = "zhipai_card_check"
)

// Announcements are told of the work any instance finishes: uploads
// processed, ID-card photos checked.
type Announcements struct {
	Upload, CardCheck func(id int64)
}

// Listen tells a of every upload and card check any instance finishes,
// until ctx ends: PostgreSQL's LISTEN on a connection of its own, opened
// again (after a pause) whenever it drops. On SQLite, a single process, it
// returns at once: there is no other instance to hear from. Waiting
// requests still poll (PollEvery), so a lost announcement costs a few
// seconds, never a result.
func (s *Store) Listen(ctx context.Context, a Announcements) {
	if s.dialect != Postgres || s.url == "" {
		return
	}
	for ctx.Err() == nil {
		s.listenOnce(ctx, a)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (s *Store) listenOnce(ctx context.Context, a Announcements) {
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return
	}
	defer conn.Close(context.WithoutCancel(ctx))
	to := map[string]func(int64){channelUploads: a.Upload, channelCardChecks: a.CardCheck}
	for ch, fn := range to {
		if fn == nil {
			continue
		}
		if _, err := conn.Exec(ctx, "LISTEN "+ch); err != nil {
			return
		}
	}
	s.listening.Store(true)
	defer s.listening.Store(false)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return
		}
		id, err := strconv.ParseInt(n.Payload, 10, 64)
		if fn := to[n.Channel]; err == nil && fn != nil {
			fn(id)
		}
	}
}

// announce tells the listening instances that the work id is finished
// (PostgreSQL; nothing on SQLite).
func (s *Store) announce(ctx context.Context, channel string, id int64) error {
	if s.dialect != Postgres {
		return nil
	}
	_, err := s.exec(ctx, nil, `SELECT pg_notify(?, CAST(? AS text))`, channel, strconv.FormatInt(id, 10))
	return err
}

// PollEvery is how often a request waiting for work finished elsewhere
// reads its state again, beneath the signals: seldom where every finish
// signals its waits (SQLite, one process; PostgreSQL while its LISTEN
// holds), every second where one may be missed. Hundreds of students
// waiting at once otherwise read their state hundreds of times a second,
// queueing the other requests behind them.
func (s *Store) PollEvery() time.Duration {
	if s.dialect != Postgres || s.listening.Load() {
		return 5 * time.Second
	}
	return time.Second
}

// Listening reports whether the announcements are heard now.
func (s *Store) Listening() bool { return s.listening.Load() }
