// Package engine is the photo work of Zhipai as one unit: it runs the
// CPU-heavy steps (standardization, checks, previews, fingerprints, the
// identity-card check) in bounded slots at low priority, so that requests
// are served first and photo work takes the rest of the cores.
package engine

import (
	"context"
	"fmt"
)

// photoNice is the scheduling niceness of photo work: requests are served
// first and photos take the rest of the CPU, so the API stays quick while
// every core is busy standardizing (a nice-10 thread gets about a tenth of
// a core against a normal one, and all of it when nothing else runs).
const photoNice = 5

// Slots bounds the CPU-heavy work to a number of cores.
type Slots struct{ ch chan struct{} }

// NewSlots makes n slots (at least one).
func NewSlots(n int) *Slots { return &Slots{ch: make(chan struct{}, max(1, n))} }

// Run runs CPU-heavy work once a slot is free, whatever the number of
// requests and jobs asking, on an OS thread of its own at low priority.
// The thread ends with the work (it is never handed back to the Go
// runtime with its priority lowered). A panic in fn is an error.
func (s *Slots) Run(ctx context.Context, fn func()) (err error) {
	select {
	case s.ch <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.ch }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("engine: panic in photo work: %v", v)
			}
		}()
		lowPriorityThread()
		fn()
	}()
	<-done
	return err
}
