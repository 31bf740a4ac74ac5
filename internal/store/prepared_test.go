package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A statement that only ever runs in a transaction (most writes) is
// prepared once the transaction has committed, and the transactions after
// run it prepared.
func TestStatementsOfTransactionsArePrepared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "z.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const insert = `INSERT INTO rate_events (key, at) VALUES (?, ?)`
	take := func() {
		t.Helper()
		over, err := s.Take(ctx, "k", []time.Time{time.Now().Add(-time.Hour)}, []int{10})
		if err != nil || over != -1 {
			t.Fatalf("take: %d, %v", over, err)
		}
	}
	take()
	if _, ok := s.stmts.Load(insert); !ok {
		t.Fatal("the transaction's insert was not prepared after it committed")
	}
	before := s.nstmts.Load()
	take()
	if n := s.nstmts.Load(); n != before {
		t.Fatalf("the second transaction prepared %d statements again", n-before)
	}
	if counts, err := s.CountSince(ctx, "k", []time.Time{time.Now().Add(-time.Hour)}); err != nil || counts[0] != 2 {
		t.Fatalf("counts %v, %v: want both takes recorded", counts, err)
	}
}
