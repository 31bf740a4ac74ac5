package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"zhipai/internal/secret"
)

// Movable is a store blobs can be moved out of and into as they are
// sealed: both stores seal with the same keys and bind each blob to its
// key, so moving needs no decryption.
type Movable interface {
	Store
	Walk(ctx context.Context, fn func(key string) error) error
	Has(ctx context.Context, key string) (bool, error)
	// openSealed reads a blob as it is stored, and its stored size.
	openSealed(ctx context.Context, key string) (io.ReadSeekCloser, int64, error)
	// putSealed stores size sealed bytes under key.
	putSealed(ctx context.Context, key string, sealed io.Reader, size int64) error
	// Ping checks that the store answers (readiness).
	Ping(ctx context.Context) error
}

// Moved counts what Migrate did.
type Moved struct {
	Copied, Present int
}

// Migrate copies every blob of from that to does not have yet (so a run
// that stopped can simply be run again), under the same key. Nothing is
// deleted from from; progress, if set, is told of each key.
func Migrate(ctx context.Context, from, to Movable, progress func(key string, copied bool)) (Moved, error) {
	var m Moved
	err := from.Walk(ctx, func(key string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		have, err := to.Has(ctx, key)
		if err != nil {
			return err
		}
		if have {
			m.Present++
		} else {
			sealed, size, err := from.openSealed(ctx, key)
			if err != nil {
				return err
			}
			err = to.putSealed(ctx, key, sealed, size)
			sealed.Close()
			if err != nil {
				return err
			}
			m.Copied++
		}
		if progress != nil {
			progress(key, !have)
		}
		return nil
	})
	return m, err
}

// Walk calls fn with every key under the directory.
func (l *Local) Walk(ctx context.Context, fn func(key string) error) error {
	return filepath.WalkDir(l.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(l.dir, path)
		if err != nil {
			return err
		}
		if key := filepath.ToSlash(rel); keyRe.MatchString(key) && !strings.HasPrefix(d.Name(), ".") {
			return fn(key)
		}
		return nil
	})
}

// Has reports whether a key is stored.
func (l *Local) Has(ctx context.Context, key string) (bool, error) {
	_, err := os.Stat(filepath.Join(l.dir, filepath.FromSlash(key)))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (l *Local) openSealed(ctx context.Context, key string) (io.ReadSeekCloser, int64, error) {
	if !keyRe.MatchString(key) {
		return nil, 0, fmt.Errorf("blob: key %q: %w", key, ErrNotFound)
	}
	f, err := os.Open(filepath.Join(l.dir, filepath.FromSlash(key)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, fmt.Errorf("blob: key %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("blob: read %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("blob: read %s: %w", key, err)
	}
	return f, st.Size(), nil
}

// putSealed writes a sealed blob of size bytes (-1: unknown) atomically:
// a crash leaves either nothing or the whole file.
func (l *Local) putSealed(ctx context.Context, key string, sealed io.Reader, size int64) error {
	path := filepath.Join(l.dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".put-*")
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, ctxReader{ctx, sealed})
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("blob: %s: copied %d bytes of %d", key, n, size)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return err
}

// Ping checks that the directory is there (readiness).
func (l *Local) Ping(ctx context.Context) error {
	_, err := os.Stat(l.dir)
	return err
}

// Open opens the store a URL names: file:///path (or a bare path) for a
// local directory, s3://bucket/prefix?endpoint=... for an S3 bucket with
// the access and secret keys given.
func Open(ctx context.Context, rawURL, accessKey, secretKey string, keys *secret.Keys) (Movable, error) {
	switch {
	case strings.HasPrefix(rawURL, "s3://"):
		cfg, err := ParseS3URL(rawURL)
		if err != nil {
			return nil, err
		}
		cfg.AccessKey, cfg.SecretKey = accessKey, secretKey
		return NewS3(ctx, cfg, keys)
	case strings.HasPrefix(rawURL, "file://"):
		return NewLocal(strings.TrimPrefix(rawURL, "file://"), keys)
	case strings.Contains(rawURL, "://"):
		return nil, fmt.Errorf("blob: %q: want file:///dir or s3://bucket/prefix?endpoint=host:port", rawURL)
	}
	return NewLocal(rawURL, keys)
}
