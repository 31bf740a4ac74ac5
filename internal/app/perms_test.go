package app_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"zhipai/internal/app/apptest"
	"zhipai/internal/config"
	"zhipai/internal/store"
)

// TestDataIsPrivate: the data directory is 0700 and every file in it 0600,
// also when the directory existed with wider permissions.
func TestDataIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	env := apptest.New(t, store.SQLite, apptest.Options{Config: func(c *config.Config) {
		c.DataDir = dir
		c.DatabaseURL = "sqlite:" + filepath.Join(dir, "zhipai.db")
		c.SecretKey = ""
		c.SecretKeyFile = filepath.Join(dir, "secret.key")
	}})
	// Something in every kind of file: a photo blob.
	who := apptest.SignIn(t, env, "13300133000", "ip")
	apptest.Enrolled(t, env, who, env.Demo.Student.Name, env.Demo.Student.DocNumber)
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %s: readable by others", path, fi.Mode().Perm())
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d paths under the data directory", n)
	}
}
