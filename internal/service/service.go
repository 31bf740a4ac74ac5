// Package service holds Zhipai's use cases: sign-in, joining a campaign,
// consent, identity, roster match, photo upload and processing, submission,
// review. Handlers and jobs call it; it calls the store, the blob store and
// the photo engine, and decides every rule in between. Whatever it returns
// to a student is an *Error with a stable code and a Chinese message.
package service

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"zhipai/internal/ratelimit"

	"zhipai/internal/blob"
	"zhipai/internal/photo"
	"zhipai/internal/quality"
	"zhipai/internal/raster"
	"zhipai/internal/secret"
	"zhipai/internal/sms"
	"zhipai/internal/store"
	"zhipai/internal/wechat"
)

// Config holds the rules' numbers.
type Config struct {
	SessionTTL time.Duration
	// SMS codes.
	CodeTTL         time.Duration // 5 minutes
	CodeMaxAttempts int           // wrong guesses before a code is void
	// QueueLimit is how many photos may wait before uploads get 429.
	QueueLimit int
	// MaxUploadBytes bounds a photo or document image.
	MaxUploadBytes int64
	// PhotoWorkers bounds the CPU-heavy work (photos, document checks).
	PhotoWorkers int
	// RetakeWindow is how long a rejected student has to retake.
	RetakeWindow time.Duration
	// Limits are the abuse limits, by name (nil: ratelimit.Defaults).
	Limits map[string][]ratelimit.Rule
}

// DefaultConfig is the production configuration.
func DefaultConfig() Config {
	return Config{
		SessionTTL:      7 * 24 * time.Hour,
		CodeTTL:         5 * time.Minute,
		CodeMaxAttempts: 5,
		QueueLimit:      256,
		MaxUploadBytes:  30 << 20,
		PhotoWorkers:    runtime.NumCPU(),
		RetakeWindow:    48 * time.Hour,
		Limits:          ratelimit.Defaults(),
	}
}

// Engine is the photo engine (app.Photo).
type Engine interface {
	Standardize(ctx context.Context, data []byte, spec *photo.Spec) (*photo.Result, error)
	Decode(data []byte) (*raster.Image, float64, error)
	CheckIDCard(img *raster.Image, side string) *quality.CardReport
}

// Queue enqueues background work inside the transaction that creates it.
type Queue interface {
	EnqueueStandardize(ctx context.Context, tx *store.Tx, uploadID int64) error
}

// Deps are the service's collaborators.
type Deps struct {
	Store  *store.Store
	Blob   blob.Store
	Keys   *secret.Keys
	Engine Engine
	Queue  Queue
	SMS    sms.Sender     // nil: SMS sign-in unavailable
	WeChat *wechat.Client // nil: WeChat sign-in unavailable
	Log    *slog.Logger
}

// Service runs the use cases.
type Service struct {
	cfg Config
	Deps
	cpu     chan struct{}
	now     func() time.Time
	limiter *ratelimit.Limiter
	// finished signals the requests waiting for an upload's result.
	finished struct {
		sync.Mutex
		m map[int64]chan struct{}
	}
}

// New builds the service.
func New(cfg Config, d Deps) (*Service, error) {
	if d.Store == nil || d.Blob == nil || d.Keys == nil || d.Engine == nil || d.Queue == nil {
		return nil, errors.New("service: store, blob, keys, engine and queue are required")
	}
	if cfg.PhotoWorkers < 1 {
		cfg.PhotoWorkers = 1
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, Deps: d, cpu: make(chan struct{}, cfg.PhotoWorkers), now: time.Now,
		limiter: ratelimit.New(d.Store, cfg.Limits)}, nil
}

// SetClock replaces the clock of the service and its store (tests).
func (s *Service) SetClock(now func() time.Time) {
	s.now = now
	s.Store.SetClock(now)
	s.limiter.SetClock(now)
}

// limit counts an event against the named limits of a key and refuses it
// with code, and a Retry-After, when any is exceeded.
func (s *Service) limit(ctx context.Context, name, key, code string) error {
	wait, err := s.limiter.Allow(ctx, name, key)
	if err != nil {
		return internal("%w", err)
	}
	if wait > 0 {
		return retryAfter(fail(code, nil), wait)
	}
	return nil
}

// Prune drops what has expired: rate events older than the longest
// window (a day), sign-in codes older than a day, ended sessions.
func (s *Service) Prune(ctx context.Context) error {
	return s.Store.Prune(ctx, s.now().Add(-25*time.Hour), s.now())
}

// Identity index kinds: each blind index is keyed by what it indexes, so
// equal strings of different kinds never collide.
const (
	indexPhone  = "phone"
	indexOpenID = "wechat-openid"
	indexDoc    = "document"
	indexSMS    = "sms-code"
)
