// Package engine is the photo work of Zhipai as one unit: it runs the
// CPU-heavy steps (standardization, checks, previews, fingerprints, the
// identity-card check) in bounded slots at low priority, so that requests
// are served first and photo work takes the rest of the cores.
package engine

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
)

// photoNice is the scheduling niceness of photo work: requests are served
// first and photos take the rest of the CPU, so the API stays quick while
// every core is busy standardizing (a nice-10 thread gets about a tenth of
// a core against a normal one, and all of it when nothing else runs).
const photoNice = 5

// Slots bounds the CPU-heavy work to a number of cores. Work a person is
// waiting for in a request (an ID-card check) goes before background work
// (the photo jobs): when a slot frees, an urgent waiter takes it first, so
// a card check answers in about its own time even while photo jobs fill
// every core.
type Slots struct {
	mu             sync.Mutex
	free           int
	urgent, normal []chan struct{} // waiters, first come first served
}

// NewSlots makes n slots (at least one).
func NewSlots(n int) *Slots { return &Slots{free: max(1, n)} }

// Run runs background work once a slot is free; RunUrgent runs work a
// request waits for. Either runs on an OS thread of its own at low
// priority, which ends with the work (it is never handed back to the Go
// runtime with its priority lowered). A panic in fn is an error.
func (s *Slots) Run(ctx context.Context, fn func()) error { return s.run(ctx, false, fn) }

// RunUrgent is Run ahead of every background waiter.
func (s *Slots) RunUrgent(ctx context.Context, fn func()) error { return s.run(ctx, true, fn) }

func (s *Slots) run(ctx context.Context, urgent bool, fn func()) (err error) {
	if err := s.acquire(ctx, urgent); err != nil {
		return err
	}
	defer s.release()
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

func (s *Slots) acquire(ctx context.Context, urgent bool) error {
	s.mu.Lock()
	if s.free > 0 && (urgent || len(s.urgent) == 0) {
		s.free--
		s.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	q := &s.normal
	if urgent {
		q = &s.urgent
	}
	*q = append(*q, ch)
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		i := slices.Index(*q, ch)
		if i >= 0 {
			*q = slices.Delete(*q, i, i+1)
		}
		s.mu.Unlock()
		if i < 0 { // handed over as the context ended: give it on
			s.release()
		}
		return ctx.Err()
	}
}

// release hands the slot to the first urgent waiter, else the first
// background one, else frees it.
func (s *Slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range []*[]chan struct{}{&s.urgent, &s.normal} {
		if len(*q) > 0 {
			ch := (*q)[0]
			*q = (*q)[1:]
			close(ch)
			return
		}
	}
	s.free++
}

// ReserveProcs gives each of n slots a Go processor (a P) of its own
// beside the runtime's default ones, for a server whose photo work runs
// in slots. Photo work keeps its P for a whole step on its low-priority
// thread; with one P per core, a request waits for the Go scheduler to
// preempt that work (every 10 ms or so), and the kernel, the only one
// that knows the thread's priority, is never asked. With a P more per
// slot, requests always have Ps of their own and the kernel runs their
// threads first, as photoNice intends: bench flow sqlite, non-photo calls
// while the engine works p95 20 -> 2 ms, photos/s 73 -> 83% of cores x
// single speed. At most the default's number more are reserved, and a
// GOMAXPROCS in the environment is left as it is.
func ReserveProcs(n int) {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	procs.Lock()
	defer procs.Unlock()
	if n <= procs.reserved {
		return
	}
	procs.reserved = n
	runtime.SetDefaultGOMAXPROCS()
	// At most as many more as the default: in a container with a CPU
	// quota the default is the quota, while the slots may have been sized
	// to the host's cores.
	def := runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(def + min(n, def))
}

// procs is what ReserveProcs has reserved in this process (the most any
// caller asked for: apps opened one after another in tests share it).
var procs struct {
	sync.Mutex
	reserved int
}
