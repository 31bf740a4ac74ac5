package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"

	"zhipai/internal/secret"
)

// S3Config locates a bucket on any S3-compatible store (Aliyun OSS,
// Tencent COS, Ceph, SeaweedFS, MinIO, versitygw).
type S3Config struct {
	Endpoint  string // host:port
	Secure    bool   // https
	Region    string
	Bucket    string
	Prefix    string // every key under it: one prefix per tenant or installation
	AccessKey string
	SecretKey string
	// SSE asks the store to encrypt at rest as well (SSE-S3), on top of
	// Zhipai's own AES-GCM, where the store offers it.
	SSE bool
}

// ParseS3URL reads s3://bucket/prefix?endpoint=host:port&region=R&secure=false&sse=1.
func ParseS3URL(raw string) (S3Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return S3Config{}, fmt.Errorf("blob: %q is not s3://bucket/prefix?endpoint=host:port", raw)
	}
	q := u.Query()
	c := S3Config{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/"), Endpoint: q.Get("endpoint"), Region: q.Get("region"),
		Secure: q.Get("secure") != "false", SSE: q.Get("sse") == "1"}
	if c.Endpoint == "" {
		return S3Config{}, fmt.Errorf("blob: %s: the endpoint (endpoint=host:port) is required", raw)
	}
	if c.Prefix != "" {
		c.Prefix += "/"
	}
	return c, nil
}

// S3 keeps blobs as objects, sealed with the same keys as Local, so a
// blob moves between the two unchanged (blob migrate).
type S3 struct {
	c    *minio.Client
	cfg  S3Config
	keys *secret.Keys
	now  func() time.Time
}

// NewS3 connects to the bucket (which must exist).
func NewS3(ctx context.Context, cfg S3Config, keys *secret.Keys) (*S3, error) {
	if keys == nil {
		return nil, errors.New("blob: no keys")
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Secure: cfg.Secure, Region: cfg.Region})
	if err != nil {
		return nil, fmt.Errorf("blob: s3: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: s3 bucket %s: %w", cfg.Bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob: s3 bucket %s does not exist", cfg.Bucket)
	}
	return &S3{c: c, cfg: cfg, keys: keys, now: time.Now}, nil
}

// Put seals and uploads a blob under a new key, as it is read.
func (s *S3) Put(ctx context.Context, kind string, r io.Reader, size int64) (string, error) {
	key, err := newKey(kind, s.now())
	if err != nil {
		return "", err
	}
	if err := put(ctx, s.keys, key, r, size, s.putSealed, s.Delete); err != nil {
		return "", err
	}
	return key, nil
}

// partSize is what an upload of unknown length buffers per part (minio's
// default for such uploads would be 512 MiB).
const partSize = 16 << 20

func (s *S3) putSealed(ctx context.Context, key string, sealed io.Reader, size int64) error {
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	if size < 0 {
		opts.PartSize = partSize
	}
	if s.cfg.SSE {
		opts.ServerSideEncryption = encrypt.NewSSE()
	}
	if _, err := s.c.PutObject(ctx, s.cfg.Bucket, s.cfg.Prefix+key, sealed, size, opts); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

// Open opens a blob; it is downloaded as it is read.
func (s *S3) Open(ctx context.Context, key string) (Reader, error) {
	obj, size, err := s.openSealed(ctx, key)
	if err != nil {
		return nil, err
	}
	return open(s.keys, key, obj, size)
}

func (s *S3) openSealed(ctx context.Context, key string) (io.ReadSeekCloser, int64, error) {
	if !keyRe.MatchString(key) {
		return nil, 0, fmt.Errorf("blob: key %q: %w", key, ErrNotFound)
	}
	obj, err := s.c.GetObject(ctx, s.cfg.Bucket, s.cfg.Prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, s.mapErr(key, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, 0, s.mapErr(key, err)
	}
	return obj, st.Size, nil
}

func (s *S3) mapErr(key string, err error) error {
	if minio.ToErrorResponse(err).Code == "NoSuchKey" {
		return fmt.Errorf("blob: key %s: %w", key, ErrNotFound)
	}
	return fmt.Errorf("blob: get %s: %w", key, err)
}

// Delete removes a blob (no error if it is gone).
func (s *S3) Delete(ctx context.Context, key string) error {
	if !keyRe.MatchString(key) {
		return fmt.Errorf("blob: key %q: %w", key, ErrNotFound)
	}
	if err := s.c.RemoveObject(ctx, s.cfg.Bucket, s.cfg.Prefix+key, minio.RemoveObjectOptions{}); err != nil && minio.ToErrorResponse(err).Code != "NoSuchKey" {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// Walk calls fn with every key, in no promised order.
func (s *S3) Walk(ctx context.Context, fn func(key string) error) error {
	for o := range s.c.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: s.cfg.Prefix, Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("blob: list: %w", o.Err)
		}
		if key := strings.TrimPrefix(o.Key, s.cfg.Prefix); keyRe.MatchString(key) {
			if err := fn(key); err != nil {
				return err
			}
		}
	}
	return nil
}

// Has reports whether a key is stored.
func (s *S3) Has(ctx context.Context, key string) (bool, error) {
	_, err := s.c.StatObject(ctx, s.cfg.Bucket, s.cfg.Prefix+key, minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if minio.ToErrorResponse(err).Code == "NoSuchKey" {
		return false, nil
	}
	return false, fmt.Errorf("blob: stat %s: %w", key, err)
}

// Ping checks that the bucket answers (readiness).
func (s *S3) Ping(ctx context.Context) error {
	_, err := s.c.BucketExists(ctx, s.cfg.Bucket)
	return err
}
