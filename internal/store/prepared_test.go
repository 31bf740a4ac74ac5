package store

import (
	"context"
	"fmt"
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
	s := openSQLiteFile(t)
	const insert = `INSERT INTO rate_events (key, at) VALUES (?, ?)`
	take := func() {
		t.Helper()
		over, err := s.Take(ctx, []string{"k"}, []time.Time{time.Now().Add(-time.Hour)}, []int{10})
		if err != nil || over != -1 {
			t.Fatalf("take: %d, %v", over, err)
		}
	}
	take()
	if _, ok := s.stmts.m.Load(insert); !ok {
		t.Fatal("the transaction's insert was not prepared after it committed")
	}
	before := s.stmts.n.Load()
	take()
	if n := s.stmts.n.Load(); n != before {
		t.Fatalf("the second transaction prepared %d statements again", n-before)
	}
	if counts, err := s.CountSince(ctx, "k", []time.Time{time.Now().Add(-time.Hour)}); err != nil || counts[0] != 2 {
		t.Fatalf("counts %v, %v: want both takes recorded", counts, err)
	}
}

// On SQLite, a SELECT outside any transaction runs on the read-only
// connections: it is answered while a transaction holds the one writer,
// and it sees what was committed just before.
func TestReadsRunBesideTheWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openSQLiteFile(t)
	hour := []time.Time{time.Now().Add(-time.Hour)}
	if err := s.Hit(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	holding, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.InTx(ctx, func(tx *Tx) error {
			if err := s.hit(ctx, tx, "k"); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	counts, err := s.CountSince(rctx, "k", hour)
	cancel()
	if err != nil || counts[0] != 1 {
		t.Fatalf("read while the writer is held: %v, %v; want 1 (the committed hit only)", counts, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if counts, err := s.CountSince(ctx, "k", hour); err != nil || counts[0] != 2 {
		t.Fatalf("read after the commit: %v, %v; want 2", counts, err)
	}
	// A write that reached the readers would fail, not race the writer.
	if _, err := s.readers.db.ExecContext(ctx, `INSERT INTO rate_events (key, at) VALUES ('x', 1)`); err == nil {
		t.Fatal("a read-only connection took a write")
	}
}

// A private in-memory database has one connection only: its reads stay
// on it.
func TestInMemoryDatabaseHasNoReaders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if s.readers != nil {
		t.Fatal("an in-memory database got a second pool, which would be another, empty database")
	}
	if err := s.Hit(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if counts, err := s.CountSince(ctx, "k", []time.Time{time.Now().Add(-time.Hour)}); err != nil || counts[0] != 1 {
		t.Fatalf("counts %v, %v", counts, err)
	}
}

// openSQLiteFile opens and migrates a SQLite file of the test's own.
func openSQLiteFile(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "z.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// On SQLite, writes wait for the one writer in the order they came, and a
// write whose request ends while it waits leaves the line without
// writing.
func TestWritersTakeTurnsInOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openSQLiteFile(t)
	holding, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.InTx(ctx, func(tx *Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	queued := func(n int32) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); s.waiting.Load() != n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d writes waiting, want %d", s.waiting.Load(), n)
			}
		}
	}
	gone, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		_, err := s.exec(gone, nil, `INSERT INTO rate_events (key, at) VALUES ('gone', 1)`)
		errc <- err
	}()
	queued(1)
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("a write whose context ended while it waited was made")
	}
	const n = 12
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := s.exec(ctx, nil, `INSERT INTO rate_events (key, at) VALUES ('order', ?)`, i)
			errs <- err
		}()
		queued(int32(i + 1))
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.rows(ctx, nil, `SELECT key, at FROM rate_events ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var key string
		var at int64
		rows.Scan(&key, &at)
		got = append(got, fmt.Sprint(key, at))
	}
	for i, g := range got {
		if g != fmt.Sprint("order", i) {
			t.Fatalf("written in the order %v, want order0 to order%d", got, n-1)
		}
	}
	if len(got) != n {
		t.Fatalf("%d rows, want %d: %v", len(got), n, got)
	}
}
