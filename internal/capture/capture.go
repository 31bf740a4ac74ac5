// Package capture is the photo half of the student path: uploading a
// portrait, its standardization in the background (with the result pushed
// to a waiting request), submitting it for review, withdrawing, and the
// student's status in a campaign.
package capture

import (
	"context"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	"zhipai/internal/blob"
	"zhipai/internal/engine"
	"zhipai/internal/enrol"
	"zhipai/internal/photo"
	"zhipai/internal/ratelimit"
	"zhipai/internal/store"
	"zhipai/internal/waits"
)

// Config holds the rules' numbers.
type Config struct {
	// QueueLimit is how many photos may wait before uploads get 429.
	QueueLimit int
	// MaxUploadBytes bounds a photo.
	MaxUploadBytes int64
	// PhotoWorkers is the number of photo slots (for the Retry-After of a
	// full queue).
	PhotoWorkers int
}

// DefaultConfig is the production configuration.
func DefaultConfig() Config {
	return Config{QueueLimit: 256, MaxUploadBytes: 30 << 20, PhotoWorkers: runtime.NumCPU()}
}

// Engine does a photo's CPU work (engine.Engine).
type Engine interface {
	Process(ctx context.Context, data []byte, spec *photo.Spec, card []byte) (engine.Processed, error)
}

// Queue enqueues background work inside the transaction that creates it.
type Queue interface {
	EnqueueStandardize(ctx context.Context, tx *store.Tx, uploadID int64) error
}

// Deps are the collaborators.
type Deps struct {
	Store  *store.Store
	Blob   blob.Store
	Engine Engine
	Queue  Queue
	// Limiter bounds uploads per student.
	Limiter *ratelimit.Limiter
	// Enrol finds the caller's enrolment and campaign.
	Enrol *enrol.Service
	Log   *slog.Logger
}

// Service runs the use cases of capture.
type Service struct {
	cfg Config
	Deps
	now     func() time.Time
	waiting waits.Set
	heard   atomic.Int64 // finishes announced by the database (tests)
	observe PhotoObserver
}

// PhotoObserver is told of every processed photo: the pipeline's stage
// timings (ms) and the refusal's code ("" when a photo was produced).
type PhotoObserver interface {
	Photo(timingsMS map[string]float64, refusal string)
}

// SetObserver installs the observer (the metrics; at composition).
func (s *Service) SetObserver(o PhotoObserver) { s.observe = o }

// New builds the service.
func New(cfg Config, d Deps) *Service {
	if cfg.PhotoWorkers < 1 {
		cfg.PhotoWorkers = 1
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, Deps: d, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }
