// Package review decides submissions: a reviewer claims, approves, or
// rejects with reason codes and a retake deadline, from the staff
// console's queue (workspace.go) or the command line.
package review

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"zhipai/internal/audit"
	"zhipai/internal/blob"
	"zhipai/internal/domain"
	"zhipai/internal/store"
)

// Config holds the rules' numbers.
type Config struct {
	// RetakeWindow is how long a rejected student has to retake.
	RetakeWindow time.Duration
	// ClaimFor is how long opening an item holds it for its reviewer.
	ClaimFor time.Duration
	// UndoWindow is how long a reviewer may take back an approval.
	UndoWindow time.Duration
}

// DefaultConfig is the production configuration.
func DefaultConfig() Config {
	return Config{RetakeWindow: 48 * time.Hour, ClaimFor: 5 * time.Minute, UndoWindow: 2 * time.Minute}
}

// Service decides submissions.
type Service struct {
	cfg       Config
	store     *store.Store
	blob      blob.Store
	audit     *audit.Log
	log       *slog.Logger
	now       func() time.Time
	portraits Portraits
}

// New builds the service.
func New(cfg Config, st *store.Store, bs blob.Store, a *audit.Log, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.ClaimFor == 0 {
		cfg.ClaimFor = DefaultConfig().ClaimFor
	}
	return &Service{cfg: cfg, store: st, blob: bs, audit: a, log: log, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Decide moves a submission as a reviewer: approve, reject with at least
// one reason code (and the retake deadline), or claim. It returns the
// submission as it now is.
func (s *Service) Decide(ctx context.Context, submissionID int64, to domain.State, reasons []string, note, actor string) (domain.Submission, error) {
	sub, err := s.store.Submission(ctx, submissionID)
	if errors.Is(err, store.ErrNotFound) {
		return sub, domain.Errors.Fail(domain.CodeNotFound, nil)
	}
	if err != nil {
		return sub, domain.Internal("submission: %w", err)
	}
	if err := domain.CanTransition(sub.State, to, domain.ActorReviewer); err != nil {
		return sub, Errors.FailMsg(CodeReviewState, "提交 "+strconv.FormatInt(submissionID, 10)+" 当前为"+sub.State.Title()+"，不能改为"+to.Title())
	}
	c, err := s.store.CampaignOfSubmission(ctx, submissionID)
	if err != nil {
		return sub, domain.Internal("campaign: %w", err)
	}
	pick, deadline := reasonCodes, time.Time{}
	if to == domain.StateRejected {
		pick, deadline = rejectionCodes, s.now().Add(s.cfg.RetakeWindow)
	}
	codes, err := pick(c, reasons)
	if err != nil {
		return sub, err
	}
	err = s.store.Transition(ctx, sub.ID, sub.State, to, actor, strings.Join(codes, ","), note, deadline)
	if errors.Is(err, store.ErrConflict) {
		return sub, fail(CodeReviewState, err) // someone else moved it meanwhile
	}
	if err != nil {
		return sub, domain.Internal("review: %w", err)
	}
	s.log.InfoContext(ctx, "submission reviewed", "submission", sub.ID, "from", sub.State, "to", to, "reasons", strings.Join(codes, ","), "actor", actor)
	after, err := s.store.Submission(ctx, sub.ID)
	if err != nil {
		return after, domain.Internal("submission: %w", err)
	}
	return after, nil
}
