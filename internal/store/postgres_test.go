package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"zhipai/internal/store"
	"zhipai/internal/store/storetest"
)

// TestPostgresRunsWithoutJIT: the pool's connections plan without JIT
// compilation unless the URL asks for it.
func TestPostgresRunsWithoutJIT(t *testing.T) {
	url := storetest.URL(t, store.Postgres)
	ctx := context.Background()
	for _, c := range []struct{ suffix, want string }{{"", "off"}, {"&jit=on", "on"}} {
		s, err := store.Open(ctx, url+c.suffix)
		if err != nil {
			t.Fatal(err)
		}
		var jit string
		if err := s.DB().QueryRowContext(ctx, `SHOW jit`).Scan(&jit); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if jit != c.want {
			t.Errorf("URL ...%s: jit %s, want %s", c.suffix, jit, c.want)
		}
	}
}

// TestOldRateTakeStillAnswers: zhipai_rate_take (one key), which an
// instance not yet upgraded calls during a rolling upgrade, counts and
// refuses as it did: the index of the first limit reached, or -1 and the
// event recorded.
func TestOldRateTakeStillAnswers(t *testing.T) {
	s := storetest.Open(t, store.Postgres)
	ctx := context.Background()
	now := time.Now()
	take := func(key string) int {
		t.Helper()
		var over int
		err := s.DB().QueryRowContext(ctx, `SELECT zhipai_rate_take($1, $2, $3::bigint[], $4::int[])`,
			key, now.UnixMilli(), []int64{now.Add(-time.Minute).UnixMilli(), now.Add(-time.Hour).UnixMilli()}, []int32{3, 2}).Scan(&over)
		if err != nil {
			t.Fatal(err)
		}
		return over
	}
	got := fmt.Sprint(take("k"), take("k"), take("k"), take("other"))
	if got != "-1 -1 1 -1" {
		t.Fatalf("takes answered %s, want -1 -1 1 -1 (the hour's limit of 2 reached by the third)", got)
	}
	counts, err := s.CountSince(ctx, "k", []time.Time{now.Add(-time.Hour)})
	if err != nil || counts[0] != 2 {
		t.Fatalf("k counted %v (%v), want the 2 allowed", counts, err)
	}
}

// BenchmarkRateTakeAmongManyEvents times a take of a sign-in code's three
// limits on PostgreSQL while rate_events holds 250,000 other events, as
// after a day of a rush: a take's cost must not grow with the table.
func BenchmarkRateTakeAmongManyEvents(b *testing.B) {
	s := storetest.Open(b, store.Postgres)
	ctx := context.Background()
	now := time.Now()
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO rate_events (key, at)
		SELECT 'other:' || (g % 50000), $1::bigint - (g % 3600000) FROM generate_series(1, 250000) AS g`, now.UnixMilli()); err != nil {
		b.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `ANALYZE rate_events`); err != nil {
		b.Fatal(err)
	}
	since := []time.Time{now.Add(-time.Minute), now.Add(-time.Hour), now.Add(-time.Hour)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := fmt.Sprintf("bench:%d", i)
		if _, err := s.Take(ctx, []string{"phone:" + k, "ip:" + k, "both:" + k}, since, []int{1, 5, 10}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPostgresTransactionsReadingOutsideThemDoNotStall: 40 transactions,
// every write turn held by one that reads outside itself; the reads' own
// line lets them all finish (in one line the turns' holders would each
// wait for a turn forever).
func TestPostgresTransactionsReadingOutsideThemDoNotStall(t *testing.T) {
	s := storetest.Open(t, store.Postgres)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO rate_events (key, at) VALUES ('k', 1)`); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 40)
	for range 40 {
		go func() {
			errs <- s.InTx(ctx, func(tx *store.Tx) error {
				counts, err := s.CountSince(ctx, "k", []time.Time{time.UnixMilli(0)}) // outside tx, on purpose
				if err == nil && counts[0] != 1 {
					err = fmt.Errorf("counted %v", counts)
				}
				return err
			})
		}()
	}
	for range 40 {
		if err := <-errs; err != nil {
			t.Fatalf("a transaction reading outside itself: %v (stalled if the context ended)", err)
		}
	}
}
