package jpegturbo_test

// An external test: synth makes the bomb, and synth itself encodes with
// this package.

import (
	"errors"
	"testing"
	"time"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo/synth"
)

// TestScanBombIsStopped: a progressive file of thousands of repeated scans
// is refused at the scan limit at once, and any decode past its deadline is
// stopped (the progress monitor). Unlimited, 300 of its scans took 0.9 s.
func TestScanBombIsStopped(t *testing.T) {
	bomb := synth.ScanBomb(2000, 2000, 3000)
	start := time.Now()
	d, err := jpegturbo.Open(bomb, 8, jpegturbo.Limits{MaxScans: 100})
	if err == nil {
		_, err = d.Decode()
		d.Close()
	}
	if !errors.Is(err, jpegturbo.ErrTooManyScans) || time.Since(start) > 2*time.Second {
		t.Fatalf("scan bomb: %v after %s", err, time.Since(start))
	}
	d, err = jpegturbo.Open(bomb, 8, jpegturbo.Limits{Timeout: 50 * time.Millisecond})
	if err == nil {
		_, err = d.Decode()
		d.Close()
	}
	if !errors.Is(err, jpegturbo.ErrTimeout) || time.Since(start) > 4*time.Second {
		t.Fatalf("deadline: %v after %s", err, time.Since(start))
	}
}
