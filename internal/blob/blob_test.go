package blob

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
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

func TestKeysAreBoundToTheirData(t *testing.T) {
	t.Parallel()
	l, dir := newLocal(t)
	ctx := context.Background()
	a, _ := PutBytes(ctx, l, "photo", []byte("student a"))
	b, _ := PutBytes(ctx, l, "photo", []byte("student b"))
	// Swapping files on disk must not serve one student's photo as another's.
	os.Rename(filepath.Join(dir, a), filepath.Join(dir, b))
	if _, err := Get(ctx, l, b); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("moved blob decrypted or vanished: %v", err)
	}
	other, _ := secret.New(bytes.Repeat([]byte{8}, secret.KeySize))
	l2, _ := NewLocal(dir, other)
	c, _ := PutBytes(ctx, l, "photo", []byte("c"))
	if _, err := Get(ctx, l2, c); err == nil {
		t.Fatal("blob decrypted under another key")
	}
}
