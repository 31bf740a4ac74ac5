package blob

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zhipai/internal/secret"
)

func newLocal(t *testing.T) (*Local, string) {
	t.Helper()
	keys, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	l, err := NewLocal(dir, keys)
	if err != nil {
		t.Fatal(err)
	}
	return l, dir
}

func TestPutGetDelete(t *testing.T) {
	t.Parallel()
	l, dir := newLocal(t)
	ctx := context.Background()
	data := []byte("\xff\xd8 a face photo \xff\xd9")
	key, err := l.Put(ctx, "photo", data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "photo/") {
		t.Errorf("key %q", key)
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, key))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(onDisk, []byte("a face photo")) {
		t.Fatal("blob stored in clear")
	}
	got, err := l.Get(ctx, key)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get %q %v", got, err)
	}
	if err := l.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := l.Delete(ctx, key); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if _, err := l.Get(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted blob: %v", err)
	}
}

func TestKeysAreBoundToTheirData(t *testing.T) {
	t.Parallel()
	l, dir := newLocal(t)
	ctx := context.Background()
	a, _ := l.Put(ctx, "photo", []byte("student a"))
	b, _ := l.Put(ctx, "photo", []byte("student b"))
	// Swapping files on disk must not serve one student's photo as another's.
	os.Rename(filepath.Join(dir, a), filepath.Join(dir, b))
	if _, err := l.Get(ctx, b); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("moved blob decrypted or vanished: %v", err)
	}
	other, _ := secret.New(bytes.Repeat([]byte{8}, secret.KeySize))
	l2, _ := NewLocal(dir, other)
	c, _ := l.Put(ctx, "photo", []byte("c"))
	if _, err := l2.Get(ctx, c); err == nil {
		t.Fatal("blob decrypted under another key")
	}
}

func TestBadKeysAndKinds(t *testing.T) {
	t.Parallel()
	l, _ := newLocal(t)
	ctx := context.Background()
	for _, kind := range []string{"", "../x", "Photo", "a/b"} {
		if _, err := l.Put(ctx, kind, nil); err == nil {
			t.Errorf("kind %q accepted", kind)
		}
	}
	for _, key := range []string{"", "../../etc/passwd", "photo/202611/../../x", "photo/202611/zz"} {
		if _, err := l.Get(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("key %q: %v", key, err)
		}
	}
}
