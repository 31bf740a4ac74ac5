package quality

import (
	"math"
	"sort"
)

// Eyes and mouth: are the eyes open and the irises visible, is the mouth
// closed.

// eyesOpen is the smaller of the two eyes' openings: the lid gap over the
// eye's width, read on the Iris network's eye contour (finer on the lids
// than the face mesh), which lists the contour in the mesh's order: outer
// corner first, lower lid, inner corner, upper lid.
func eyesOpen(s *subject) float64 {
	open := math.Inf(1)
	for _, ir := range s.res.Irises {
		c := ir.Contour
		w := dist(c[0], c[8])
		if w <= 0 {
			return math.NaN()
		}
		open = math.Min(open, dist(c[12], c[4])/w)
	}
	return open
}

// irisVisible is, for the less visible eye, the share of the iris disc
// that does not look like skin: an open eye shows a dark or coloured iris
// there, a closed one the eyelid.
func irisVisible(s *subject) float64 {
	lo := 1.0
	for k := range s.iris {
		c := s.iris[k]
		r := math.Max(2, 0.8*s.irisRadius)
		idx := s.rect(c.X-r, c.Y-r, c.X+r, c.Y+r)
		var not, n float64
		for _, i := range idx {
			x, y := float64(i%alignedSize)+0.5, float64(i/alignedSize)+0.5
			if math.Hypot(x-c.X, y-c.Y) > r {
				continue
			}
			n++
			if !s.skin.isSkin(s.at(i%alignedSize, i/alignedSize)) {
				not++
			}
		}
		if n == 0 {
			return math.NaN()
		}
		lo = math.Min(lo, not/n)
	}
	return lo
}

// mouthOpen is the inner lips' opening: the area between them over the
// square of the mouth's width (several lip points, not one pair).
func mouthOpen(s *subject) float64 {
	var area float64
	for i := range lipsInner {
		a, b := s.pt(lipsInner[i]), s.pt(lipsInner[(i+1)%len(lipsInner)])
		area += a.X*b.Y - b.X*a.Y
	}
	w := dist(s.pt(61), s.pt(291))
	if w <= 0 {
		return math.NaN()
	}
	return math.Abs(area) / 2 / (w * w)
}

// mouthCavity looks for the mouth's dark inside without trusting the
// mesh's lips (which close over an O-shaped mouth): in the middle columns
// of a box around the mouth, the longest run of pixels much darker than
// the box's median, over the mouth's width.
func mouthCavity(s *subject) float64 {
	l, r := s.pt(61), s.pt(291)
	w := dist(l, r)
	top, bot := s.pt(0).Y, s.pt(17).Y
	h := bot - top
	if w <= 0 || h <= 0 {
		return math.NaN()
	}
	y0, y1 := int(top-0.3*h), int(bot+0.3*h)
	var lum []float64
	for y := y0; y <= y1; y++ {
		for x := int(l.X); x <= int(r.X); x++ {
			lum = append(lum, float64(s.luma[clampIdx(y)*alignedSize+clampIdx(x)]))
		}
	}
	if len(lum) < 10 {
		return math.NaN()
	}
	sort.Float64s(lum)
	dark := 0.45 * lum[len(lum)/2]
	var runs []float64
	for k := 0; k < 9; k++ {
		x := clampIdx(int(l.X + (0.3+0.4*float64(k)/8)*(r.X-l.X)))
		longest, cur := 0, 0
		for y := y0; y <= y1; y++ {
			if float64(s.luma[clampIdx(y)*alignedSize+x]) < dark {
				cur++
				longest = max(longest, cur)
			} else {
				cur = 0
			}
		}
		runs = append(runs, float64(longest))
	}
	sort.Float64s(runs)
	return runs[len(runs)/2] / w
}

// teeth is the share of the inner-lip opening that is bright and grey
// (teeth), relative to the mouth's area.
func teeth(s *subject) float64 {
	in := s.polygon(lipsInner)
	all := s.polygon(lipsOuter)
	if len(all) == 0 {
		return math.NaN()
	}
	var t float64
	for _, i := range in {
		_, sat, v := hsv(s.at(i%alignedSize, i/alignedSize))
		if v > 0.5 && sat < 0.35 {
			t++
		}
	}
	return t / float64(len(all))
}
