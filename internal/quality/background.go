package quality

import (
	"math"

	"zhipai/internal/photo"
)

// The wall behind the student, before it was replaced.

// backgroundClutter is the share of wall pixels around the person (in the
// original photo, before replacement) that sit on a clear edge: a plain
// wall has none, shelves, doors and people have many.
func backgroundClutter(res *photo.Result) float64 {
	reg, mask, img, sc := res.MaskRegion, res.Mask, res.Work, res.Scale
	// Sample on a grid of about 160x160 over the segmented region.
	step := math.Max(1, math.Max(reg.W(), reg.H())*sc/160)
	var edges, n float64
	for y := reg.Y0 * sc; y < reg.Y1*sc-step; y += step {
		for x := reg.X0 * sc; x < reg.X1*sc-step; x += step {
			mx := (x/sc - reg.X0) / reg.W() * float64(mask.W)
			my := (y/sc - reg.Y0) / reg.H() * float64(mask.H)
			// Away from the person: its own edges are not clutter.
			if mask.Bilinear(mx, my) > 0.02 || mask.Bilinear(mx+4, my) > 0.02 || mask.Bilinear(mx-4, my) > 0.02 ||
				mask.Bilinear(mx, my+4) > 0.02 || mask.Bilinear(mx, my-4) > 0.02 {
				continue
			}
			ix, iy := int(x), int(y)
			l := func(dx, dy int) float64 {
				r, g, b := img.At(ix+dx, iy+dy)
				return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 255
			}
			d := int(math.Max(1, step/2))
			gx, gy := l(d, 0)-l(-d, 0), l(0, d)-l(0, -d)
			if math.Hypot(gx, gy) > 0.12 {
				edges++
			}
			n++
		}
	}
	if n < 50 {
		return math.NaN()
	}
	return edges / n
}
