// Package memceil keeps the process under its memory ceiling
// (ZHIPAI_MEMORY_MB) by giving the Go heap what the C libraries leave.
//
// The Go collector can hold its own memory under a limit, but ONNX
// Runtime, Tesseract and libjpeg-turbo allocate outside it, and how much
// they hold grows with the work: 170 MB with the models loaded, about
// 340 MB after a storm of large photos, in malloc arenas that keep what
// was freed in them (e2e TestHostileUploadsStayUnderTheCeiling). A fixed
// share for Go was either too large for the storm (seven tenths reached
// 1,055 MB of a 1,024 MB ceiling: the collector keeps its memory near
// the limit, and the C side's peak came on top) or too small for a
// quiet server. Hold measures the C side instead, a few times a second,
// and sets the Go limit to the rest.
package memceil

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// Every is how often Hold measures.
const Every = 100 * time.Millisecond

// LimitFor is the Go limit that keeps a process of rss bytes resident, of
// which goMapped are the Go runtime's, under ceiling: what the rest (the
// C libraries, the binary) leaves, less a tenth for what they may take
// before the next measurement and for the collector's overshoot (the
// storm's peak came within 53 MB of the limit with a 16th). It stays between four and seven tenths of
// the ceiling: below, the collector would run all the time (better to
// fail an allocation in C than to stall every request); above, a burst
// of Go allocations would not leave the C side its usual share.
func LimitFor(ceiling, rss, goMapped int64) int64 {
	native := max(0, rss-goMapped)
	margin := ceiling / 10
	return min(max(ceiling-native-margin, ceiling*4/10), ceiling*7/10)
}

// Hold sets the Go memory limit for ceiling now and then keeps it up to
// date until ctx ends. log hears of a change of more than a tenth.
func Hold(ctx context.Context, ceiling int64, log *slog.Logger) {
	m := meter{read: readRSS, set: debug.SetMemoryLimit}
	m.adjust(ceiling, log)
	go func() {
		t := time.NewTicker(Every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.adjust(ceiling, log)
			}
		}
	}()
}

type meter struct {
	read   func() (int64, bool)
	set    func(int64) int64
	last   int64 // the limit set, 0 before the first
	logged int64 // the limit last logged
}

// adjust sets the limit for what the process holds now, when it moved by
// more than a 64th of the ceiling (a collector's limit that moves by a
// few pages each time only costs).
func (m *meter) adjust(ceiling int64, log *slog.Logger) {
	rss, ok := m.read()
	if !ok { // no /proc: the upper share, as before this package
		if m.last == 0 {
			m.last = ceiling * 7 / 10
			m.set(m.last)
		}
		return
	}
	limit := LimitFor(ceiling, rss, goMapped())
	if m.last != 0 && abs(limit-m.last) <= ceiling/64 {
		return
	}
	m.set(limit)
	m.last = limit
	if log != nil && abs(limit-m.logged) > ceiling/10 {
		log.Info("go memory limit", "limit_mb", limit>>20, "resident_mb", rss>>20, "ceiling_mb", ceiling>>20)
		m.logged = limit
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// goMapped is the memory the Go runtime holds from the system and has not
// given back: what its own limit is held against.
func goMapped() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()) - int64(s[1].Value.Uint64())
}

// readRSS is the process's resident memory, from /proc/self/statm.
func readRSS() (int64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}
