package ratelimit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zhipai/internal/ratelimit"
	"zhipai/internal/store"
	"zhipai/internal/store/storetest"
)

// TestLimiter counts in the real store, on both engines.
func TestLimiter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		now := time.Now().Truncate(time.Second)
		clock := func() time.Time { return now }
		s.SetClock(clock)
		l := ratelimit.New(s, map[string][]ratelimit.Rule{"x": {{Max: 2, Window: time.Minute}, {Max: 3, Window: time.Hour}}})
		l.SetClock(clock)
		ctx := context.Background()
		for i := range 2 {
			if w, err := l.Allow(ctx, "x", "k"); w != 0 || err != nil {
				t.Fatalf("event %d refused (%v, %v)", i, w, err)
			}
		}
		if w, _ := l.Allow(ctx, "x", "k"); w != time.Minute {
			t.Fatalf("third event in a minute: wait %v", w)
		}
		if w, _ := l.Allow(ctx, "x", "other"); w != 0 {
			t.Fatal("another key shares the count")
		}
		now = now.Add(61 * time.Second)
		if w, _ := l.Allow(ctx, "x", "k"); w != 0 {
			t.Fatal("refused after the minute")
		}
		// Refused events were not counted: three in the hour, not four.
		if w, _ := l.Allow(ctx, "x", "k"); w != 15*time.Minute {
			t.Fatalf("fourth event in the hour: wait %v", w)
		}
		if w, _ := l.Allow(ctx, "unnamed", "k"); w != 0 {
			t.Fatal("a name without rules refuses")
		}
	})
}

// TestLimiterUnderABurst: forty requests for one key at once (an attacker
// asking for SMS codes in parallel) get exactly the limit through, on
// both engines.
func TestLimiterUnderABurst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		l := ratelimit.New(s, map[string][]ratelimit.Rule{"x": {{Max: 3, Window: time.Minute}}})
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				w, err := l.Allow(context.Background(), "x", "13800138000")
				if err != nil {
					t.Error(err)
				} else if w == 0 {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := allowed.Load(); n != 3 {
			t.Fatalf("%d of 40 parallel requests allowed, limit 3", n)
		}
	})
}

// TestAllowAllCountsAllOrNone: an event counted against several keys is
// counted against every one of them, or, refused by one, against none.
func TestAllowAllCountsAllOrNone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		l := ratelimit.New(s, map[string][]ratelimit.Rule{
			"phone": {{Max: 5, Window: time.Hour}},
			"ip":    {{Max: 2, Window: time.Minute}, {Max: 3, Window: time.Hour}},
		})
		ctx := context.Background()
		both := func(phone string) time.Duration {
			t.Helper()
			w, err := l.AllowAll(ctx, ratelimit.Key{Name: "phone", Key: phone}, ratelimit.Key{Name: "ip", Key: "10.0.0.1"}, ratelimit.Key{Name: "unruled", Key: "x"})
			if err != nil {
				t.Fatal(err)
			}
			return w
		}
		if both("a") != 0 || both("b") != 0 {
			t.Fatal("the first two events refused")
		}
		if w := both("c"); w != time.Minute {
			t.Fatalf("third event from the address in a minute: wait %v, want the address's minute", w)
		}
		// Phone c was refused with the address: its count is still 0.
		counts, err := s.CountSince(ctx, "phone:c", []time.Time{time.Now().Add(-time.Hour)})
		if err != nil || counts[0] != 0 {
			t.Fatalf("phone c counted %v (%v) for a refused event", counts, err)
		}
		counts, err = s.CountSince(ctx, "phone:a", []time.Time{time.Now().Add(-time.Hour)})
		if err != nil || counts[0] != 1 {
			t.Fatalf("phone a counted %v (%v), want 1", counts, err)
		}
	})
}

// TestAllowAllUnderABurst: takes of overlapping key sets sent at once,
// in both orders, neither deadlock nor let more through than the shared
// key's limit.
func TestAllowAllUnderABurst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		l := ratelimit.New(s, map[string][]ratelimit.Rule{"x": {{Max: 4, Window: time.Minute}}, "y": {{Max: 100, Window: time.Minute}}})
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for i := range 40 {
			keys := []ratelimit.Key{{Name: "x", Key: "shared"}, {Name: "y", Key: "other"}}
			if i%2 == 1 {
				keys[0], keys[1] = keys[1], keys[0]
			}
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				w, err := l.AllowAll(ctx, keys...)
				if err != nil {
					t.Error(err)
				} else if w == 0 {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := allowed.Load(); n != 4 {
			t.Fatalf("%d of 40 parallel takes allowed, limit 4", n)
		}
		counts, err := s.CountSince(context.Background(), "y:other", []time.Time{time.Now().Add(-time.Minute)})
		if err != nil || counts[0] != 4 {
			t.Fatalf("the other key counted %v (%v), want the 4 allowed", counts, err)
		}
	})
}

// takes counts the takes that reach the store.
type takes struct {
	*store.Store
	n atomic.Int32
}

func (c *takes) Take(ctx context.Context, keys []string, since []time.Time, max []int) (int, error) {
	c.n.Add(1)
	return c.Store.Take(ctx, keys, since, max)
}

// TestARefusedKeyIsAnsweredWithoutTheDatabase: once the database refused
// a key, the same instance refuses it for a second without a take, for
// any request that counts against it, and then asks the database again.
func TestARefusedKeyIsAnsweredWithoutTheDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		now := time.Now().Truncate(time.Second)
		clock := func() time.Time { return now }
		s.SetClock(clock)
		c := &takes{Store: s}
		l := ratelimit.New(c, map[string][]ratelimit.Rule{
			"ip":    {{Max: 2, Window: time.Minute}},
			"phone": {{Max: 5, Window: time.Hour}},
		})
		l.SetClock(clock)
		ctx := context.Background()
		from := func(phone string) time.Duration {
			t.Helper()
			w, err := l.AllowAll(ctx, ratelimit.Key{Name: "phone", Key: phone}, ratelimit.Key{Name: "ip", Key: "10.0.0.1"})
			if err != nil {
				t.Fatal(err)
			}
			return w
		}
		if from("a") != 0 || from("b") != 0 || from("c") != time.Minute {
			t.Fatal("the address's limit of 2 a minute does not hold")
		}
		if n := c.n.Load(); n != 3 {
			t.Fatalf("%d takes for 3 requests", n)
		}
		for _, p := range []string{"c", "d", "e"} { // a new phone behind the same address too
			if w := from(p); w != time.Minute {
				t.Fatalf("phone %s from the refused address: wait %v", p, w)
			}
		}
		if n := c.n.Load(); n != 3 {
			t.Fatalf("requests from a refused address reached the database: %d takes", n)
		}
		if w, _ := l.Allow(ctx, "ip", "10.0.0.2"); w != 0 {
			t.Fatal("another address is refused with the first")
		}
		// A second later the database is asked again, and still refuses.
		now = now.Add(ratelimit.RefusalMemo)
		if w := from("f"); w != time.Minute {
			t.Fatalf("after the memo: wait %v", w)
		}
		if n := c.n.Load(); n != 5 {
			t.Fatalf("%d takes, want the refused address asked again once", n)
		}
		// When the minute has passed the address is let through.
		now = now.Add(time.Minute)
		if w := from("g"); w != 0 {
			t.Fatalf("after the window: wait %v", w)
		}
	})
}

// BenchmarkHammeringARefusedAddress: eight clients at once ask for SMS
// codes for new phones from a campus address already at its day's limit
// (5,000 events), on PostgreSQL. Each refusal is answered from the memo;
// the database sees about one take a second.
func BenchmarkHammeringARefusedAddress(b *testing.B) {
	s := storetest.Open(b, store.Postgres)
	ctx := context.Background()
	now := time.Now()
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO rate_events (key, at)
		SELECT 'sms-ip:10.0.0.1', $1::bigint - g * 1000 FROM generate_series(1, 5000) AS g`, now.UnixMilli()); err != nil {
		b.Fatal(err)
	}
	c := &takes{Store: s}
	l := ratelimit.New(c, nil)
	var phone atomic.Int64
	b.SetParallelism(4) // 8 on two cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w, err := l.AllowAll(ctx, ratelimit.Key{Name: "sms-phone", Key: fmt.Sprint(phone.Add(1))}, ratelimit.Key{Name: "sms-ip", Key: "10.0.0.1"})
			if err != nil || w == 0 {
				b.Errorf("allowed past the address's limit (%v)", err) // not Fatal: this is not the benchmark's goroutine
				return
			}
		}
	})
	b.ReportMetric(float64(c.n.Load())/b.Elapsed().Seconds(), "takes/s")
}
