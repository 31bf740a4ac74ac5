// Package storetest opens fresh databases for tests: a SQLite file in a
// temporary directory, and a PostgreSQL schema of its own on the server
// named by ZHIPAI_TEST_POSTGRES (default: the local server, database test),
// dropped when the test ends. When PostgreSQL is unreachable its half of a
// test is skipped, unless ZHIPAI_TEST_POSTGRES_REQUIRED=1 (as `make test`
// sets) makes that a failure.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/store"
)

// DefaultPostgres is the server `make test` starts.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Each runs fn once per engine, as subtests named sqlite and postgres.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a migrated, empty store of the given engine.
func Open(t testing.TB, d store.Dialect) *store.Store {
	t.Helper()
	url := URL(t, d)
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", d, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate %s: %v", d, err)
	}
	return s
}

// URL returns the URL of a fresh, empty database of the engine (not yet
// migrated), removed when the test ends.
func URL(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "zhipai.db")
	}
	base := os.Getenv("ZHIPAI_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgres
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if os.Getenv("ZHIPAI_TEST_POSTGRES_REQUIRED") == "1" {
			t.Fatalf("storetest: PostgreSQL at %s: %v", redact(base), err)
		}
		t.Skipf("storetest: PostgreSQL unreachable (%v); set ZHIPAI_TEST_POSTGRES_REQUIRED=1 to fail instead", err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "zt_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func redact(url string) string {
	if i := strings.Index(url, "@"); i >= 0 {
		if j := strings.Index(url, "://"); j >= 0 && j < i {
			return url[:j+3] + "…" + url[i:]
		}
	}
	return url
}

// Fixture is a seeded school with an open campaign.
type Fixture struct {
	School   domain.School
	Campaign domain.Campaign
}

// Seed creates a school and a campaign open from an hour ago for thirty
// days, with the 学信网 spec.
func Seed(t testing.TB, s *store.Store) Fixture {
	t.Helper()
	ctx := context.Background()
	sc := domain.School{Name: "测试大学", Code: "TEST", ContactName: "招生办", ContactPhone: "010-12345678", ContactHours: "工作日 9:00-17:00"}
	id, err := s.CreateSchool(ctx, sc)
	if err != nil {
		t.Fatalf("storetest: school: %v", err)
	}
	sc.ID = id
	c := domain.Campaign{
		SchoolID: id, Name: "2026 级新生采集", Kind: "freshman", SpecJSON: `{"name":"chsi"}`, JoinCode: "TEST2026",
		OpensAt: time.Now().Add(-time.Hour), ClosesAt: time.Now().Add(30 * 24 * time.Hour), AllowAlbum: true, RequireIDImages: true,
		IDTypes: "resident_id", ConsentVersion: "v1", ConsentText: "同意", FAQJSON: "[]", MaxUploads: 10,
	}
	cid, err := s.CreateCampaign(ctx, c)
	if err != nil {
		t.Fatalf("storetest: campaign: %v", err)
	}
	c.ID, c.School = cid, sc
	return Fixture{School: sc, Campaign: c}
}
