// Package blob stores photos and identity-document images, encrypted at
// rest (AES-256-GCM under a key kept outside the database, requirements
// PS-4). Keys are opaque names the store hands out; the database holds the
// names, never the bytes.
package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"zhipai/internal/secret"
)

// ErrNotFound means no blob has the key.
var ErrNotFound = errors.New("blob: not found")

// Store keeps blobs.
type Store interface {
	// Put stores data under a new key beginning with kind.
	Put(ctx context.Context, kind string, data []byte) (string, error)
	// Get returns the data of a key.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes a key (no error if it is already gone).
	Delete(ctx context.Context, key string) error
}

// Local keeps blobs as files under a directory.
type Local struct {
	dir  string
	keys *secret.Keys
	now  func() time.Time
}

var (
	kindRe = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	keyRe  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}/\d{6}/[0-9a-f]{32}$`)
)

// NewLocal opens (creating) a blob directory.
func NewLocal(dir string, keys *secret.Keys) (*Local, error) {
	if keys == nil {
		return nil, errors.New("blob: no keys")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Local{dir: dir, keys: keys, now: time.Now}, nil
}

// Put encrypts and writes a blob atomically (a crash leaves either nothing
// or the whole file). Kinds are short lower-case words: photo, result,
// idcard...
func (l *Local) Put(ctx context.Context, kind string, data []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	key, err := newKey(kind, l.now())
	if err != nil {
		return "", err
	}
	if err := l.putSealed(ctx, key, l.keys.SealBlob(data, key)); err != nil {
		return "", fmt.Errorf("blob: write %s: %w", key, err)
	}
	return key, nil
}

// newKey is a fresh key of a kind: kind/YYYYMM/32 hex digits. Kinds are
// short lower-case words: photo, result, idcard...
func newKey(kind string, now time.Time) (string, error) {
	if !kindRe.MatchString(kind) {
		return "", fmt.Errorf("blob: bad kind %q", kind)
	}
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("blob: %w", err)
	}
	return kind + "/" + now.UTC().Format("200601") + "/" + hex.EncodeToString(r[:]), nil
}

// Get reads and decrypts a blob; the key is authenticated with the data,
// so a file moved to another key's place does not decrypt.
func (l *Local) Get(ctx context.Context, key string) ([]byte, error) {
	sealed, err := l.getSealed(ctx, key)
	if err != nil {
		return nil, err
	}
	data, err := l.keys.OpenBlob(sealed, key)
	if err != nil {
		return nil, fmt.Errorf("blob: %s: %w", key, err)
	}
	return data, nil
}

// Delete removes a blob.
func (l *Local) Delete(ctx context.Context, key string) error {
	if !keyRe.MatchString(key) {
		return fmt.Errorf("blob: key %q: %w", key, ErrNotFound)
	}
	err := os.Remove(filepath.Join(l.dir, filepath.FromSlash(key)))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}
