package capture

import (
	"context"
	"sync"
	"time"

	"zhipai/internal/domain"
)

// waits are the requests of this process waiting for uploads' results:
// a signal per upload, closed when its processing finishes here.
type waits struct {
	mu sync.Mutex
	m  map[int64]chan struct{}
}

// signal is closed when the upload's processing finishes in this process.
func (w *waits) signal(id int64) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = map[int64]chan struct{}{}
	}
	ch, ok := w.m[id]
	if !ok {
		ch = make(chan struct{})
		w.m[id] = ch
	}
	return ch
}

// forget drops a waiter's signal that never fired (the upload was
// finished by another instance, or the wait ended first), so the map only
// holds uploads someone is waiting for. A waiter still waiting on it
// re-registers within a second.
func (w *waits) forget(id int64, ch <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if cur, ok := w.m[id]; ok && (<-chan struct{})(cur) == ch {
		delete(w.m, id)
	}
}

// finished wakes the requests waiting for the upload.
func (w *waits) finished(id int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.m[id]; ok {
		close(ch)
		delete(w.m, id)
	}
}

// count is how many uploads have a waiter (tests).
func (w *waits) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.m)
}

// WaitUpload returns one of the caller's uploads once it is processed, or
// as it is after wait: one long request instead of a poll every second.
// Processing in this process answers at once; processing by another
// instance (PostgreSQL deployments) is seen within a second.
func (s *Service) WaitUpload(ctx context.Context, who domain.Caller, uploadID int64, wait time.Duration) (UploadView, error) {
	deadline := time.Now().Add(wait)
	for {
		signal := s.waiting.signal(uploadID) // before reading: no finish is missed
		v, err := s.UploadStatus(ctx, who, uploadID)
		left := time.Until(deadline)
		if err != nil || v.Status.Finished() || left <= 0 {
			s.waiting.forget(uploadID, signal)
			return v, err
		}
		t := time.NewTimer(min(left, time.Second))
		select {
		case <-signal:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			s.waiting.forget(uploadID, signal)
			return v, nil
		}
		t.Stop()
	}
}

// Listen ends waits for uploads other instances finish, as they announce
// them (PostgreSQL), until ctx ends.
func (s *Service) Listen(ctx context.Context) {
	s.Store.ListenUploads(ctx, func(id int64) {
		s.heard.Add(1)
		s.waiting.finished(id)
	})
}

// Waiting is how many uploads have a request waiting for them now.
func (s *Service) Waiting() int { return s.waiting.count() }
