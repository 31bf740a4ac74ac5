package ratelimit_test

import (
	"context"
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
