package captcha

import (
	"bytes"
	"image/png"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestChallenges(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for range 500 {
		c := New(rng)
		n, err := strconv.Atoi(c.Answer)
		if err != nil || n < 0 || n > 18 {
			t.Fatalf("answer %q", c.Answer)
		}
		if got, ok := Solve(c.Question); !ok || got != c.Answer {
			t.Fatalf("%q solved as %q, want %q", c.Question, got, c.Answer)
		}
		m, err := png.Decode(bytes.NewReader(c.PNG))
		if err != nil || m.Bounds().Dx() != 200 || m.Bounds().Dy() != 64 {
			t.Fatalf("image: %v", err)
		}
		seen[c.Question] = true
	}
	if len(seen) < 100 {
		t.Errorf("only %d different questions in 500", len(seen))
	}
}

// BenchmarkNew is the cost of one challenge, paid on every sign-in page
// shown: go test -bench New ./internal/captcha
func BenchmarkNew(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var size int
	for b.Loop() {
		size += len(New(rng).PNG)
	}
	b.ReportMetric(float64(size)/float64(b.N), "bytes/op")
}
