package engine

import (
	"context"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestUrgentWorkGoesFirst: with the one slot busy, background work that
// asked first waits while urgent work that asked later gets the slot; a
// waiter whose request ends leaves the line without taking a slot.
func TestUrgentWorkGoesFirst(t *testing.T) {
	s := NewSlots(1)
	ctx := context.Background()
	busy, release := make(chan struct{}), make(chan struct{})
	go s.Run(ctx, func() { close(busy); <-release })
	<-busy
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	lineIs := func(normal, urgent int) {
		for {
			s.mu.Lock()
			n, u := len(s.normal), len(s.urgent)
			s.mu.Unlock()
			if n == normal && u == urgent {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	queue := func(name string, urgent bool) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run := s.Run
			if urgent {
				run = s.RunUrgent
			}
			run(ctx, func() { mu.Lock(); order = append(order, name); mu.Unlock() })
		}()
	}
	gone, cancel := context.WithCancel(ctx)
	left := make(chan error, 1)
	go func() { left <- s.Run(gone, func() { t.Error("a cancelled waiter ran") }) }()
	lineIs(1, 0)
	queue("photo", false)
	lineIs(2, 0)
	queue("card", true)
	lineIs(2, 1)
	cancel()
	if err := <-left; err == nil {
		t.Error("a cancelled waiter got no error")
	}
	lineIs(1, 1)
	close(release)
	wg.Wait()
	if len(order) != 2 || order[0] != "card" || order[1] != "photo" {
		t.Fatalf("order %v, want the card check first", order)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.free != 1 || len(s.normal)+len(s.urgent) != 0 {
		t.Errorf("after all: %d free, %d waiting", s.free, len(s.normal)+len(s.urgent))
	}
}

// TestReserveProcs: each slot gets a P beside the default ones, once,
// however many engines ask, and never more than the default's number.
func TestReserveProcs(t *testing.T) {
	if os.Getenv("GOMAXPROCS") != "" {
		t.Skip("GOMAXPROCS is set in the environment, which ReserveProcs leaves alone")
	}
	before := procs.reserved
	defer func() {
		procs.reserved = before
		runtime.SetDefaultGOMAXPROCS()
	}()
	procs.reserved = 0
	runtime.SetDefaultGOMAXPROCS()
	def := runtime.GOMAXPROCS(0)
	ReserveProcs(1)
	if got := runtime.GOMAXPROCS(0); got != def+1 {
		t.Fatalf("GOMAXPROCS %d after reserving 1, want %d", got, def+1)
	}
	ReserveProcs(1)
	if got := runtime.GOMAXPROCS(0); got != def+1 {
		t.Fatalf("GOMAXPROCS %d after reserving 1 twice, want %d", got, def+1)
	}
	// More slots than the default's processors (a quota below the host's
	// cores) get no more than the default again.
	ReserveProcs(10 * def)
	if got := runtime.GOMAXPROCS(0); got != 2*def {
		t.Fatalf("GOMAXPROCS %d after reserving %d, want %d", got, 10*def, 2*def)
	}
}
