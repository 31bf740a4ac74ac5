// Package blob stores photos and identity-document images, encrypted at
// rest (AES-256-GCM under a key kept outside the database, requirements
// PS-4). Keys are opaque names the store hands out; the database holds the
// names, never the bytes.
package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"zhipai/internal/secret"
)

// ErrNotFound means no blob has the key.
var ErrNotFound = errors.New("blob: not found")

// Store keeps blobs. They are written and read as streams, sealed in
// chunks (secret.SealBlobTo), so that an export of a whole school passes
// through in constant memory; Get and PutBytes serve the photos, which
// are decoded whole anyway.
type Store interface {
	// Put stores what r yields under a new key beginning with kind; size
	// is its length, or -1 when it is not known before the end.
	Put(ctx context.Context, kind string, r io.Reader, size int64) (string, error)
	// Open returns a reader of a key's data. A damaged or moved blob fails
	// as it is read: nothing unauthenticated is returned.
	Open(ctx context.Context, key string) (Reader, error)
	// Delete removes a key (no error if it is already gone).
	Delete(ctx context.Context, key string) error
}

// Reader is a blob as it is read back: it knows its size and seeks (a
// download resumed with a Range).
type Reader interface {
	io.ReadSeekCloser
	Size() int64
}

// MaxGet bounds what Get reads into memory (a photo is at most 30 MB).
const MaxGet = 64 << 20

// PutBytes stores data under a new key beginning with kind.
func PutBytes(ctx context.Context, s Store, kind string, data []byte) (string, error) {
	return s.Put(ctx, kind, bytes.NewReader(data), int64(len(data)))
}

// Get reads a whole blob of at most MaxGet bytes.
func Get(ctx context.Context, s Store, key string) ([]byte, error) {
	r, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if r.Size() > MaxGet {
		return nil, fmt.Errorf("blob: %s is %d bytes, more than a photo can be", key, r.Size())
	}
	b := make([]byte, r.Size())
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("blob: %s: %w", key, err)
	}
	return b, nil
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

// Put seals and writes a blob atomically (a crash leaves either nothing
// or the whole file).
func (l *Local) Put(ctx context.Context, kind string, r io.Reader, size int64) (string, error) {
	key, err := newKey(kind, l.now())
	if err != nil {
		return "", err
	}
	if err := put(ctx, l.keys, key, r, size, l.putSealed, l.Delete); err != nil {
		return "", fmt.Errorf("blob: write %s: %w", key, err)
	}
	return key, nil
}

// put seals r under key and hands the sealed stream, as it is made, to a
// store's putSealed (size -1: not known before the end): the one way in
// for both stores.
func put(ctx context.Context, keys *secret.Keys, key string, r io.Reader, size int64,
	putSealed func(context.Context, string, io.Reader, int64) error, del func(context.Context, string) error) error {
	sealedSize := int64(-1)
	if size >= 0 {
		sealedSize = secret.SealedSize(size)
	}
	pr, pw := io.Pipe()
	sealed := make(chan error, 1)
	go func() {
		err := seal(ctx, keys, pw, key, r, size)
		pw.CloseWithError(err)
		sealed <- err
	}()
	err := putSealed(ctx, key, pr, sealedSize)
	pr.CloseWithError(errors.New("blob: the store stopped reading")) // a failed store stops the sealing
	if serr := <-sealed; err == nil && serr != nil {                 // r was longer than size said
		del(context.WithoutCancel(ctx), key)
		err = serr
	}
	return err
}

// seal copies r onto w sealed under key, checking the length promised.
func seal(ctx context.Context, keys *secret.Keys, w io.Writer, key string, r io.Reader, size int64) error {
	sw, err := keys.SealBlobTo(w, key)
	if err != nil {
		return err
	}
	n, err := io.Copy(sw, ctxReader{ctx, r})
	if err != nil {
		return err
	}
	if size >= 0 && n != size {
		return fmt.Errorf("read %d bytes of %d", n, size)
	}
	return sw.Close()
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
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

// Open opens a blob for reading; the key is authenticated with the data,
// so a file moved to another key's place does not open.
func (l *Local) Open(ctx context.Context, key string) (Reader, error) {
	f, size, err := l.openSealed(ctx, key)
	if err != nil {
		return nil, err
	}
	return open(l.keys, key, f, size)
}

// open unseals a blob of either format: streams, and blobs sealed whole
// before streams (read into memory: they are photos).
func open(keys *secret.Keys, key string, f io.ReadSeekCloser, size int64) (Reader, error) {
	head := make([]byte, secret.StreamHeaderSize)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, fmt.Errorf("blob: read %s: %w", key, err)
	}
	if secret.IsBlobStream(head[:n]) {
		r, err := keys.OpenBlobStream(head[:n], f, size, key)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("blob: %s: %w", key, err)
		}
		return streamReader{r, f}, nil
	}
	defer f.Close()
	if size > MaxGet {
		return nil, fmt.Errorf("blob: %s: %d bytes sealed whole", key, size)
	}
	rest, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("blob: read %s: %w", key, err)
	}
	data, err := keys.OpenBlob(append(head[:n], rest...), key)
	if err != nil {
		return nil, fmt.Errorf("blob: %s: %w", key, err)
	}
	return memReader{bytes.NewReader(data)}, nil
}

type streamReader struct {
	*secret.BlobReader
	f io.Closer
}

func (s streamReader) Close() error { return s.f.Close() }

type memReader struct{ *bytes.Reader }

func (memReader) Close() error { return nil }

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
