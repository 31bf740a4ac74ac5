package capture

import (
	"context"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/waits"
)

// WaitUpload returns one of the caller's uploads once it is processed, or
// as it is after wait: one long request instead of a poll every second.
// Processing in this process answers at once; processing by another
// instance (PostgreSQL deployments) is seen as it is announced, or at
// the next poll.
func (s *Service) WaitUpload(ctx context.Context, who domain.Caller, uploadID int64, wait time.Duration) (UploadView, error) {
	return waits.Wait(ctx, &s.waiting, uploadID, wait, s.Store.PollEvery(),
		func() (UploadView, error) { return s.UploadStatus(ctx, who, uploadID) },
		func(v UploadView) bool { return v.Status.Finished() })
}

// Finished ends the waits for an upload another instance finished, as
// the database announces it (PostgreSQL).
func (s *Service) Finished(id int64) {
	s.heard.Add(1)
	s.waiting.Finished(id)
}

// Waiting is how many uploads have a request waiting for them now.
func (s *Service) Waiting() int { return s.waiting.Count() }
