package app

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// secureDataDir makes the data directory private to this user: it holds
// the database (names, student numbers), the sealed photos and the key.
// The directory is made 0700 (an existing one is tightened), files are
// created 0600 from now on (umask), and the database files already there
// are tightened too.
func secureDataDir(dir, databaseURL string, log *slog.Logger) error {
	privateFiles()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("app: data directory: %w", err)
	}
	if err := tighten(dir, 0o700, log); err != nil {
		return err
	}
	if db, ok := strings.CutPrefix(databaseURL, "sqlite:"); ok && db != ":memory:" {
		db = strings.TrimPrefix(db, "//")
		for _, f := range []string{db, db + "-wal", db + "-shm", filepath.Join(dir, "secret.key")} {
			if err := tighten(f, 0o600, log); err != nil {
				return err
			}
		}
	}
	return nil
}

// tighten takes group and other permissions away from a path, if it
// exists.
func tighten(path string, want os.FileMode, log *slog.Logger) error {
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	if fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	log.Warn("tightening permissions: others could read personal data", "path", path, "was", fi.Mode().Perm().String(), "now", want.String())
	if err := os.Chmod(path, want); err != nil {
		return fmt.Errorf("app: %s is readable by others and cannot be made private: %w", path, err)
	}
	return nil
}
