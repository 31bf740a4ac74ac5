// Package store is the only package with SQL. One API over SQLite (the
// embedded default: a file, one connection, WAL) and PostgreSQL (for
// several instances sharing one database); the same queries run on both,
// with ? placeholders rebound for PostgreSQL, and the schema lives in
// numbered SQL migrations per dialect, embedded.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"zhipai/internal/domain"
)

// Dialect is the database engine.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Errors.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: conflict")
)

// Store is the database.
type Store struct {
	db      *sql.DB
	dialect Dialect
	now     func() time.Time
	hook    TransitionHook
	url     string // PostgreSQL's, for LISTEN on a connection of its own
	// listening: Listen holds its LISTEN now.
	listening atomic.Bool
	// What every request reads, kept for CacheTTL.
	campaignCache ttlCache[int64, domain.Campaign]
	sessionCache  ttlCache[string, domain.Session]
	// SQLite's prepared statements of db by query (see prepared), and
	// those first met in a transaction, to prepare when it has ended.
	stmts stmtCache
	later sync.Map
	// readers: SQLite's read-only connections beside its one writer, for
	// the SELECTs outside transactions (WAL lets them run while the writer
	// writes); nil on PostgreSQL, whose pool is shared by both.
	readers *readPool
	// turns: the writes' line (see turn): SQLite's one writer, or on
	// PostgreSQL pgWriteTurns of the pool's connections. readTurns:
	// PostgreSQL's line for one-row reads outside transactions (see
	// row); nil on SQLite, whose readers do not wait for the writer.
	turns     chan struct{}
	readTurns chan struct{}
	waiting   atomic.Int32 // how many wait for a write's turn now
}

// stmtCache is a pool's prepared statements by query.
type stmtCache struct {
	m sync.Map
	n atomic.Int32
}

// readPool is SQLite's read-only connections and their statements.
type readPool struct {
	db    *sql.DB
	stmts stmtCache
}

// readerConns is how many read-only connections SQLite has: one per core
// lets reads use every core while the writer holds its connection, and a
// few more cover those waiting for the CPU mid-query.
func readerConns() int { return 2 * runtime.NumCPU() }

// pgPoolSize is how many connections an instance keeps to PostgreSQL
// (the README's sizing counts on it).
const pgPoolSize = 20

// On PostgreSQL, writes (transactions, and exec and insert outside one)
// and one-row reads outside a transaction each take one of a line's
// turns before they take a connection, first come first served, as
// SQLite's writes do (turn). database/sql hands a freed connection to a
// waiter chosen at random: in the sign-up rush of 200 students there
// were 10,000 waits for the 20 connections and the unlucky requests
// waited many times their share (bench flow --database postgres:
// non-photo p95 248-324 ms, max 766-889, against 190-196 and 239-242 in
// these lines; 10 write turns were no better). Two lines, so that a
// transaction's read of something outside it (a turn within a turn)
// never waits for a transaction: a read holds its turn only until its row
// is scanned, and waits for nothing but a connection. The rest of the
// pool is for multi-row reads and River.
const (
	pgWriteTurns = 8
	pgReadTurns  = 8
)

// Open connects to a database URL: postgres://... or sqlite:PATH (a file;
// sqlite::memory: for a private in-memory database).
func Open(ctx context.Context, url string) (*Store, error) {
	var (
		db, readDB *sql.DB
		err        error
		dialect    Dialect
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		dialect = Postgres
		var cfg *pgx.ConnConfig
		if cfg, err = pgx.ParseConfig(url); err == nil {
			// Every query here is a short one, planned in well under a
			// millisecond; a JIT compilation costs tens of them, and a
			// cost estimate that grows with a table (rate_events) would
			// start paying it on every call. An operator's own setting
			// in the URL (jit=on) is kept.
			if _, set := cfg.RuntimeParams["jit"]; !set {
				cfg.RuntimeParams["jit"] = "off"
			}
			db = stdlib.OpenDB(*cfg)
			// As many idle slots as connections: at a rush's end a pool
			// with fewer closed the extra ones, and the next burst paid
			// for new backends and their prepared statements again.
			db.SetMaxOpenConns(pgPoolSize)
			db.SetMaxIdleConns(pgPoolSize)
			db.SetConnMaxIdleTime(10 * time.Minute)
		}
	case strings.HasPrefix(url, "sqlite:"):
		dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		// busy_timeout first (it must be in force for the pragmas after
		// it), WAL for readers beside the writer, foreign keys on, and
		// BEGIN IMMEDIATE so a transaction takes the write lock up front.
		dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		db, err = sql.Open("sqlite", dsn)
		if err == nil {
			// One connection: SQLite has one writer, and River's SQLite
			// driver needs this to avoid SQLITE_BUSY.
			db.SetMaxOpenConns(1)
		}
		if err == nil && path != ":memory:" { // a private memory database has no second connection
			// query_only: a write sent here by mistake fails loudly
			// instead of racing the writer for the lock.
			var r *sql.DB
			if r, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)"); err == nil {
				r.SetMaxOpenConns(readerConns())
				r.SetMaxIdleConns(readerConns())
				readDB = r
			}
		}
	default:
		return nil, fmt.Errorf("store: unsupported database URL (want postgres:// or sqlite:)")
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if readDB != nil {
			readDB.Close()
		}
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	st := &Store{db: db, dialect: dialect, now: time.Now}
	if dialect == Postgres {
		st.url = url
	}
	if readDB != nil {
		st.readers = &readPool{db: readDB}
	}
	switch dialect {
	case SQLite:
		st.turns = make(chan struct{}, 1)
	case Postgres:
		st.turns, st.readTurns = make(chan struct{}, pgWriteTurns), make(chan struct{}, pgReadTurns)
	}
	return st, nil
}

// DB is the connection pool (for River, which shares it).
func (s *Store) DB() *sql.DB { return s.db }

// Dialect is the engine in use.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the pools.
func (s *Store) Close() error {
	s.stmts.close()
	if s.readers != nil {
		s.readers.stmts.close()
		s.readers.db.Close()
	}
	return s.db.Close()
}

func (p *stmtCache) close() {
	p.m.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}

// ReaderStats is the statistics of SQLite's read-only pool (the bench),
// and ok false on PostgreSQL.
func (s *Store) ReaderStats() (st sql.DBStats, ok bool) {
	if s.readers == nil {
		return st, false
	}
	return s.readers.db.Stats(), true
}

// SetClock replaces the clock (tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

func (s *Store) ms() int64 { return s.now().UnixMilli() }

// rebind turns ? placeholders into PostgreSQL's $1, $2, ...
func (s *Store) rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// querier is what both the pool and a transaction offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a transaction. It has no queries of its own: the Store's methods
// that take a *Tx run in it, and nothing else does, so a query cannot
// quietly run beside the transaction it was meant for. SQL() hands the
// raw transaction to River for inserting jobs in it.
type Tx struct {
	tx *sql.Tx
}

// SQL is the underlying transaction.
func (t *Tx) SQL() *sql.Tx { return t.tx }

// InTx runs fn in a transaction, committing if it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if err := s.inTx(ctx, fn); err != nil {
		return err
	}
	s.prepareLater(ctx)
	return nil
}

func (s *Store) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	done, err := s.turn(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer done()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(&Tx{tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// turn waits for the caller's turn at the writes' line (SQLite's one
// writer, or PostgreSQL's pgWriteTurns), first come first served, and
// returns what ends it: a transaction takes it before it begins, and a
// write outside one (exec, insert) before it runs. A call in a
// transaction has it already. On SQLite a row read on the writer outside
// insert does not wait in line (its connection is held until its caller
// scans, which turn cannot see). database/sql hands a freed connection
// to a waiter chosen at random, so in a crowd of two hundred requests
// some waited many times their share: the sign-up rush's p95 was four to
// ten times its p50. Waiters on a channel are woken in order.
func (s *Store) turn(ctx context.Context, tx *Tx) (done func(), err error) {
	if s.turns == nil || tx != nil {
		return noTurn, nil
	}
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	return take(ctx, s.turns)
}

func noTurn() {}

// take waits for one of line's turns and returns what gives it back.
func take(ctx context.Context, line chan struct{}) (done func(), err error) {
	select {
	case line <- struct{}{}:
		return func() { <-line }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// q is the querier of a call: the transaction when there is one.
func (s *Store) q(tx *Tx) querier {
	if tx != nil {
		return tx.tx
	}
	return s.db
}

func (s *Store) exec(ctx context.Context, tx *Tx, query string, args ...any) (sql.Result, error) {
	done, err := s.turn(ctx, tx)
	if err != nil {
		return nil, err
	}
	defer done()
	st, q := s.on(ctx, tx, query)
	if st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.ExecContext(ctx, s.rebind(query), args...)
}

// row runs a query for one row. On PostgreSQL, outside a transaction, it
// waits its turn in the reads' line and holds it until the row is
// scanned (the row holds its connection until then).
func (s *Store) row(ctx context.Context, tx *Tx, query string, args ...any) *row {
	done := noTurn
	if s.readTurns != nil && tx == nil {
		var err error
		if done, err = take(ctx, s.readTurns); err != nil {
			return &row{err: err}
		}
	}
	return &row{r: s.rowNow(ctx, tx, query, args...), done: done}
}

// rowNow is row without a turn.
func (s *Store) rowNow(ctx context.Context, tx *Tx, query string, args ...any) *sql.Row {
	st, q := s.on(ctx, tx, query)
	if st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.QueryRowContext(ctx, s.rebind(query), args...)
}

// row is a *sql.Row that gives its turn back when it is scanned.
type row struct {
	r    *sql.Row
	done func()
	err  error // the wait for a turn's
}

// Scan is sql.Row's.
func (r *row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.done()
	return r.r.Scan(dest...)
}

func (s *Store) rows(ctx context.Context, tx *Tx, query string, args ...any) (*sql.Rows, error) {
	st, q := s.on(ctx, tx, query)
	if st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.QueryContext(ctx, s.rebind(query), args...)
}

// on is where a query runs: its prepared statement, or when it has none
// the querier to run it as text on. A SELECT outside any transaction
// runs on SQLite's readers; everything else on the pool or the
// transaction.
func (s *Store) on(ctx context.Context, tx *Tx, query string) (*sql.Stmt, querier) {
	if r := s.reader(tx, query); r != nil {
		return r.stmts.prepare(ctx, r.db, query), r.db
	}
	return s.prepared(ctx, tx, query), s.q(tx)
}

// reader is the read-only pool for a query, or nil for the writer's: a
// SELECT outside any transaction reads on SQLite's readers, and
// everything else (writes, INSERT ... RETURNING, what a transaction reads)
// stays on the one writer.
func (s *Store) reader(tx *Tx, query string) *readPool {
	if s.readers == nil || tx != nil {
		return nil
	}
	q := strings.TrimLeft(query, " \t\r\n")
	if len(q) < 6 || !strings.EqualFold(q[:6], "SELECT") {
		return nil
	}
	return s.readers
}

// maxPrepared bounds the statements kept prepared (queries built with a
// varying number of placeholders are many).
const maxPrepared = 1000

// prepared is SQLite's prepared statement of a query, in the transaction
// when there is one, or nil to run the query as text. The pure-Go SQLite
// spent more time parsing the queries of a request than running them, on
// the one connection every request waits for. (pgx keeps PostgreSQL's
// prepared statements itself.) A statement is prepared outside any
// transaction only, since in one the only connection is the
// transaction's: one first met in a transaction is prepared when the
// transaction has committed.
func (s *Store) prepared(ctx context.Context, tx *Tx, query string) *sql.Stmt {
	if s.dialect != SQLite {
		return nil
	}
	if v, ok := s.stmts.m.Load(query); ok {
		if tx != nil {
			return tx.tx.StmtContext(ctx, v.(*sql.Stmt))
		}
		return v.(*sql.Stmt)
	}
	if tx != nil { // the one connection is the transaction's
		s.later.Store(query, struct{}{})
		return nil
	}
	return s.stmts.prepare(ctx, s.db, query)
}

// prepareLater prepares the statements a transaction ran as text, now
// that the connection is free: most of a request's writes are only ever
// run in transactions.
func (s *Store) prepareLater(ctx context.Context) {
	if s.dialect != SQLite {
		return
	}
	s.later.Range(func(k, _ any) bool {
		s.later.Delete(k)
		s.stmts.prepare(ctx, s.db, k.(string)) // a no-op if another did already
		return true
	})
}

// prepare is the statement of a query on db, prepared the first time and
// kept, up to maxPrepared statements; nil to run the query as text.
func (p *stmtCache) prepare(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	if v, ok := p.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if p.n.Load() >= maxPrepared {
		return nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil // run as text, which reports the error
	}
	if v, loaded := p.m.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	p.n.Add(1)
	return st
}

// insert runs an INSERT ... RETURNING id.
func (s *Store) insert(ctx context.Context, tx *Tx, query string, args ...any) (int64, error) {
	done, err := s.turn(ctx, tx)
	if err != nil {
		return 0, err
	}
	defer done()
	var id int64
	err = s.rowNow(ctx, tx, query+" RETURNING id", args...).Scan(&id) // in the writes' line
	if isUnique(err) {
		return 0, ErrConflict
	}
	return id, err
}

// isUnique recognises a unique-constraint violation on either engine.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "UNIQUE constraint failed") || strings.Contains(m, "SQLSTATE 23505") || strings.Contains(m, "duplicate key value")
}

func notFound(err error, what string, id any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s %v: %w", what, id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: %s %v: %w", what, id, err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func msTime(v int64) time.Time { return time.UnixMilli(v) }

// optMs is a time kept as milliseconds with 0 for none.
func optMs(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return msTime(v)
}

func nullMs(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64)
}

// JobCount is how many jobs of a queue are in a state (the metrics).
type JobCount struct {
	Queue, State string
	N            int
}

// JobCounts counts River's jobs that are waiting or running, by queue and
// state; finished ones are left out (River prunes them).
func (s *Store) JobCounts(ctx context.Context) ([]JobCount, error) {
	rows, err := s.rows(ctx, nil, `SELECT queue, state, COUNT(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'running', 'retryable') GROUP BY queue, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JobCount
	for rows.Next() {
		var c JobCount
		if err := rows.Scan(&c.Queue, &c.State, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ids runs a query of one integer column and returns its values.
func (s *Store) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.rows(ctx, nil, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
