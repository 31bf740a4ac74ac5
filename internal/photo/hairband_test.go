package photo

import (
	"math"
	"testing"
)

// TestMatteKeepsFineHairStrands: on a plain wall (the synthetic scene of
// matte_test.go: a head composited onto a rendered, shaded wall, with thin
// strands beyond the network's coarse mask), the matte in the hair band
// is fractional where the strands are, not only 0 or 1, and follows the
// true coverage; the tightened matte does not cut the strands away.
func TestMatteKeepsFineHairStrands(t *testing.T) {
	t.Parallel()
	img, truth, coarse := scene()
	alpha, _ := refineMatte(img, halve(coarse), DefaultMatteConfig().scaled(140))
	keepConnected(alpha, 120, 150)
	var band, fractional, strand int
	var kept, want float64
	for i, a := range alpha.Pix {
		x, y := i%img.W, i/img.W
		dx, dy := float64(x)+0.5-120, float64(y)+0.5-150
		r := math.Hypot(dx, dy)
		if r < 66 || r > 86 || dy > -10 {
			continue
		}
		band++
		if a > 0.05 && a < 0.95 {
			fractional++
		}
		if truth.Pix[i] > 0.2 {
			strand++
			kept += float64(a)
			want += float64(truth.Pix[i])
		}
	}
	if band == 0 || strand == 0 {
		t.Fatal("no hair band in the scene")
	}
	if share := float64(fractional) / float64(band); share < 0.05 {
		t.Errorf("alpha in the hair band is fractional on %.1f%% of its pixels, want >= 5%%", 100*share)
	}
	if kept < 0.5*want {
		t.Errorf("strands keep %.0f of %.0f units of alpha", kept, want)
	}
}
