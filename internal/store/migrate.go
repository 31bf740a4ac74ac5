package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrations embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	dir := "migrations/" + string(s.dialect)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: no version number", e.Name())
		}
		b, err := migrations.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, e.Name(), string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// SchemaVersion returns the applied version and the newest one the binary
// knows.
func (s *Store) SchemaVersion(ctx context.Context) (applied, latest int, err error) {
	ms, err := s.migrations()
	if err != nil {
		return 0, 0, err
	}
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	if _, err := s.exec(ctx, nil, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return 0, 0, fmt.Errorf("store: migrations table: %w", err)
	}
	err = s.row(ctx, nil, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&applied)
	return applied, latest, err
}

// Migrate applies the migrations not yet applied, each in its own
// transaction (forward only).
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	current, _, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	ms, err := s.migrations()
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		err := s.InTx(ctx, func(tx *Tx) error {
			for _, stmt := range splitSQL(m.sql) {
				if _, err := tx.tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("store: migration %s: %w", m.name, err)
				}
			}
			_, err := s.exec(ctx, tx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, s.ms())
			return err
		})
		if err != nil {
			return applied, err
		}
		applied = append(applied, m.name)
	}
	return applied, nil
}

// splitSQL splits a migration into statements at semicolons ending a line,
// except inside a dollar-quoted function body (a line with an odd number
// of $$ opens or closes one).
func splitSQL(script string) []string {
	var out []string
	var cur strings.Builder
	inBody := false
	for _, line := range strings.Split(script, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "--") && !inBody {
			continue
		}
		cur.WriteString(line + "\n")
		if strings.Count(line, "$$")%2 == 1 {
			inBody = !inBody
		}
		if strings.HasSuffix(t, ";") && !inBody {
			if s := strings.TrimSpace(cur.String()); s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
