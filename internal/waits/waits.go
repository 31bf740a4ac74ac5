// Package waits lets requests wait for work finished elsewhere (a job on
// this instance or on another): a signal per awaited id, closed when the
// work finishes here or its announcement is heard from the database, and
// a poll as the fallback, so a lost signal costs a few seconds, never a
// result.
package waits

import (
	"context"
	"sync"
	"time"
)

// Set holds the signals of the ids someone is waiting for.
type Set struct {
	mu sync.Mutex
	m  map[int64]chan struct{}
}

// signal is closed when the id's work finishes.
func (w *Set) signal(id int64) <-chan struct{} {
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

// forget drops a waiter's signal that never fired (the work was finished
// by another instance, or the wait ended first), so the set only holds ids
// someone is waiting for. A waiter still waiting on it registers again
// within a second.
func (w *Set) forget(id int64, ch <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if cur, ok := w.m[id]; ok && (<-chan struct{})(cur) == ch {
		delete(w.m, id)
	}
}

// Finished wakes the requests waiting for id.
func (w *Set) Finished(id int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.m[id]; ok {
		close(ch)
		delete(w.m, id)
	}
}

// Count is how many ids have a waiter.
func (w *Set) Count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.m)
}

// Wait reads id's state with read until done says it is finished, wait
// has passed or ctx ends (a client gone: the last state read, no error),
// reading again whenever id is signalled finished and at least every
// poll.
func Wait[T any](ctx context.Context, w *Set, id int64, wait, poll time.Duration, read func() (T, error), done func(T) bool) (T, error) {
	deadline := time.Now().Add(wait)
	for {
		signal := w.signal(id) // before reading: no finish is missed
		v, err := read()
		left := time.Until(deadline)
		if err != nil || done(v) || left <= 0 {
			w.forget(id, signal)
			return v, err
		}
		t := time.NewTimer(min(left, poll))
		select {
		case <-signal:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			w.forget(id, signal)
			return v, nil
		}
		t.Stop()
	}
}
