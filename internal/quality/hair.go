package quality

import "math"

// Hair and headwear: a forehead, brows or ears covered, ornaments and hats
// on the head.

// foreheadCovered is the share of non-skin pixels in the strip just above
// the eyebrows, across both brows: hair there covers the forehead or the
// brows.
func foreheadCovered(s *subject) float64 {
	iod := float64(alignedIOD)
	top := math.Min(s.pt(105).Y, s.pt(334).Y)
	x0, x1 := s.pt(70).X, s.pt(300).X
	idx := s.rect(x0, top-0.35*iod, x1, top-0.05*iod)
	if len(idx) == 0 {
		return math.NaN()
	}
	var not float64
	for _, i := range idx {
		if !s.skin.isSkin(s.at(i%alignedSize, i/alignedSize)) {
			not++
		}
	}
	return not / float64(len(idx))
}

// earsVisible is the skin share, on the less visible side, of a box beside
// the face contour at ear height: hair over the ears leaves little skin.
func earsVisible(s *subject) float64 {
	iod := float64(alignedIOD)
	y0 := (s.iris[0].Y + s.iris[1].Y) / 2
	y1 := s.pt(2).Y // under the nose
	boxes := [][4]float64{
		{s.pt(234).X - 0.45*iod, y0, s.pt(234).X - 0.05*iod, y1},
		{s.pt(454).X + 0.05*iod, y0, s.pt(454).X + 0.45*iod, y1},
	}
	lo := 1.0
	for _, b := range boxes {
		idx := s.rect(b[0], b[1], b[2], b[3])
		if len(idx) == 0 {
			return math.NaN()
		}
		var skin float64
		for _, i := range idx {
			if s.skin.isSkin(s.at(i%alignedSize, i/alignedSize)) {
				skin++
			}
		}
		lo = math.Min(lo, skin/float64(len(idx)))
	}
	return lo
}

// headTop reads the part of the person above the forehead against the
// student's own hair, sampled where hair hangs beside the face at brow
// height: strongly coloured spots unlike the hair are ornaments (a
// headband, clips); a large share of non-hair, non-skin colour on top is a
// hat or a covering.
func headTop(s *subject) (ornament, covering float64) {
	iod := float64(alignedIOD)
	browY := math.Min(s.pt(105).Y, s.pt(334).Y)
	var hl, ha, hb, hn float64
	for _, side := range []struct{ x0, x1 float64 }{
		{s.pt(234).X - 0.6*iod, s.pt(234).X}, {s.pt(454).X, s.pt(454).X + 0.6*iod},
	} {
		for _, i := range s.rect(side.x0, browY-0.3*iod, side.x1, browY+0.3*iod) {
			if s.mask.Pix[i] < 0.7 {
				continue
			}
			r, g, b := s.at(i%alignedSize, i/alignedSize)
			if s.skin.isSkin(r, g, b) {
				continue
			}
			l, a, bb := lab(r, g, b)
			hl, ha, hb, hn = hl+l, ha+a, hb+bb, hn+1
		}
	}
	if hn < 20 {
		return math.NaN(), math.NaN() // no hair beside the face to compare with
	}
	hl, ha, hb = hl/hn, ha/hn, hb/hn
	top := s.pt(10).Y - 0.1*iod
	cx := (s.iris[0].X + s.iris[1].X) / 2
	var orn, other, n float64
	for _, i := range s.rect(cx-1.3*iod, 0, cx+1.3*iod, top) {
		if s.mask.Pix[i] < 0.6 {
			continue
		}
		r, g, b := s.at(i%alignedSize, i/alignedSize)
		if s.skin.isSkin(r, g, b) {
			continue
		}
		n++
		l, a, bb := lab(r, g, b)
		if math.Sqrt((l-hl)*(l-hl)+(a-ha)*(a-ha)+(bb-hb)*(bb-hb)) < 25 {
			continue
		}
		other++
		if _, sat, v := hsv(r, g, b); sat > 0.5 && v > 0.3 {
			orn++
		}
	}
	if n < 20 {
		return math.NaN(), math.NaN()
	}
	return orn / n, other / n
}
