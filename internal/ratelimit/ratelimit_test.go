package ratelimit_test

import (
	"context"
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
