package service

import (
	"context"
	"fmt"
)

// photoNice is the scheduling niceness of photo work: requests are served
// first and photos take the rest of the CPU, so the API stays quick while
// every core is busy standardizing (a nice-10 thread gets about a tenth of
// a core against a normal one, and all of it when nothing else runs).
const photoNice = 5

// withCPU runs CPU-heavy work once a core is free, whatever the number of
// requests and jobs asking, on an OS thread of its own at low priority.
// The thread ends with the work (it is never handed back to the Go
// runtime with its priority lowered).
func (s *Service) withCPU(ctx context.Context, fn func()) (err error) {
	select {
	case s.cpu <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.cpu }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("service: panic in photo work: %v", v)
			}
		}()
		lowPriorityThread()
		fn()
	}()
	<-done
	return err
}
