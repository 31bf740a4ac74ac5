package quality

import (
	"math"

	"zhipai/internal/vision"
)

// Glasses and jewellery.

// lenses looks at the eye sockets: glasses are a frame bar across the nose
// bridge (strong horizontal edges there); tinted lenses darken the whole
// socket against the cheeks; glare is the larger share, over the two
// sockets, of blown-out pixels off the pupil.
func lenses(s *subject) (glasses, darkness, glare float64) {
	iod := float64(alignedIOD)
	// Bridge: between the inner eye corners, from the brows to the eye line.
	bx := (s.pt(133).X + s.pt(362).X) / 2
	by := (s.pt(168).Y + s.pt(6).Y) / 2
	var edge, n float64
	for _, i := range s.rect(bx-0.12*iod, by-0.25*iod, bx+0.12*iod, by+0.25*iod) {
		x, y := i%alignedSize, i/alignedSize
		if y < 1 || y >= alignedSize-1 || x < 1 || x >= alignedSize-1 {
			continue
		}
		edge += math.Abs(float64(s.luma[i+alignedSize] - s.luma[i-alignedSize]))
		n++
	}
	if n > 0 {
		glasses = edge / n / 2
	}
	// Sockets: around each eye, inside the brow-to-cheek band, excluding
	// the eye itself.
	eyeSet := map[int]bool{}
	for _, e := range [][]int{rightEye, leftEye} {
		for _, i := range s.polygon(e) {
			eyeSet[i] = true
		}
	}
	// Per side, the socket against the cheek below it, so that light from
	// one side does not pass for a tinted lens; tinted lenses darken both,
	// so the brighter side decides.
	glare = 0
	darkness = 0
	for k, e := range [][2]int{{33, 133}, {362, 263}} {
		a, b := s.pt(e[0]), s.pt(e[1])
		cy := s.iris[k].Y
		var sock, sockN, bright float64
		for _, i := range s.rect(math.Min(a.X, b.X)-0.1*iod, cy-0.3*iod, math.Max(a.X, b.X)+0.1*iod, cy+0.3*iod) {
			x, y := float64(i%alignedSize), float64(i/alignedSize)
			if eyeSet[i] {
				continue
			}
			l := float64(s.luma[i])
			sock += l
			sockN++
			if l > 0.92 && math.Hypot(x-s.iris[k].X, y-s.iris[k].Y) > 1.5*s.irisRadius {
				bright++
			}
		}
		cheekPt := s.pt([]int{205, 425}[k])
		var cheek, cheekN float64
		for _, i := range s.rect(cheekPt.X-0.15*iod, cheekPt.Y-0.15*iod, cheekPt.X+0.15*iod, cheekPt.Y+0.15*iod) {
			cheek += float64(s.luma[i])
			cheekN++
		}
		if sockN == 0 || cheekN == 0 || cheek == 0 {
			return glasses, math.NaN(), math.NaN()
		}
		darkness = math.Max(darkness, (sock/sockN)/(cheek/cheekN))
		glare = math.Max(glare, bright/sockN)
	}
	return glasses, darkness, glare
}

// earrings counts, under the ear lobes, compact spots of jewel-like
// pixels on the person: bigger than a speck, smaller than a collar.
func earrings(s *subject) float64 {
	iod := float64(alignedIOD)
	y0 := s.pt(2).Y
	spots := 0.0
	for _, p := range []vision.Point{s.pt(234), s.pt(454)} {
		dx := -1.0
		if p.X > float64(alignedSize)/2 {
			dx = 1
		}
		x0, x1 := p.X+dx*0.0*iod, p.X+dx*0.45*iod
		bx0, bx1 := int(math.Min(x0, x1)), int(math.Max(x0, x1))
		by0, by1 := int(y0), int(y0+0.7*iod)
		seen := map[int]bool{}
		for y := max(0, by0); y < min(alignedSize, by1); y++ {
			for x := max(0, bx0); x < min(alignedSize, bx1); x++ {
				i := y*alignedSize + x
				if seen[i] || s.mask.Pix[i] < 0.5 || !s.jewel(i) {
					continue
				}
				// Flood the spot (4-connected) inside the box.
				stack := []int{i}
				seen[i] = true
				area, minX, maxX, minY, maxY := 0, x, x, y, y
				for len(stack) > 0 {
					j := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					area++
					jx, jy := j%alignedSize, j/alignedSize
					minX, maxX, minY, maxY = min(minX, jx), max(maxX, jx), min(minY, jy), max(maxY, jy)
					for _, k := range []int{j - 1, j + 1, j - alignedSize, j + alignedSize} {
						kx, ky := k%alignedSize, k/alignedSize
						if k < 0 || k >= len(s.luma) || kx < bx0 || kx >= bx1 || ky < by0 || ky >= by1 || seen[k] || s.mask.Pix[k] < 0.5 || !s.jewel(k) {
							continue
						}
						seen[k] = true
						stack = append(stack, k)
					}
				}
				bw, bh := maxX-minX+1, maxY-minY+1
				fill := float64(area) / float64(bw*bh)
				if area >= 6 && float64(area) <= 0.06*iod*iod && fill > 0.4 && max(bw, bh) <= int(0.3*iod) {
					spots++
				}
			}
		}
	}
	return spots
}

// jewel reports a pixel that looks like metal or a gem: bright and grey,
// or strongly coloured, and not skin.
func (s *subject) jewel(i int) bool {
	r, g, b := s.at(i%alignedSize, i/alignedSize)
	if s.skin.isSkin(r, g, b) {
		return false
	}
	_, sat, v := hsv(r, g, b)
	return (v > 0.8 && sat < 0.2) || (sat > 0.5 && v > 0.45)
}

// necklace is the share of columns across the neck and collar in which a
// thin band (at most 6% of the pupil distance... up to 0.15 IOD) of
// jewel-like pixels crosses: a chain is thin, a white collar is not.
func necklace(s *subject) float64 {
	iod := float64(alignedIOD)
	c := s.pt(152)
	y0, y1 := int(c.Y+0.3*iod), int(c.Y+1.4*iod)
	maxRun := int(math.Max(2, 0.15*iod))
	var cols, hit float64
	for x := int(c.X - 0.7*iod); x <= int(c.X+0.7*iod); x++ {
		if x < 0 || x >= alignedSize {
			continue
		}
		cols++
		run := 0
		for y := max(0, y0); y < min(alignedSize, y1); y++ {
			i := y*alignedSize + x
			if s.mask.Pix[i] >= 0.5 && s.jewel(i) {
				run++
				continue
			}
			if run > 0 && run <= maxRun {
				hit++
				break
			}
			run = 0
		}
	}
	if cols == 0 {
		return math.NaN()
	}
	return hit / cols
}
