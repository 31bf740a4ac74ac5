package photo

import (
	"math"
	"sort"

	"zhipai/internal/raster"
)

// segmentation is the person mask around the head and shoulders.
type segmentation struct {
	region      raster.Rect   // input pixels covered by the mask
	mask        *raster.Plane // soft mask over region
	crownY      float64
	crownSource string
}

// Where the segmentation looks, in face widths from the face's centre and
// eye line: wide and tall enough for every crop a spec may ask for.
const (
	segHalfWidth = 1.9
	segAbove     = 2.4
	segBelow     = 3.4
	// crownColumns is the half-width of the band of columns whose tops
	// give the crown, in face widths.
	crownColumns = 0.3
)

// segmentStep runs the person segmentation over the head-and-shoulders
// region and finds the crown, the top of the hair.
func (p *Pipeline) segmentStep(st *state) error {
	m := st.meas
	d := st.dec
	above := segAbove
	for attempt := 0; ; attempt++ {
		region := raster.Rect{
			X0: m.centreX - segHalfWidth*m.faceWidth, X1: m.centreX + segHalfWidth*m.faceWidth,
			Y0: m.eyeY - above*m.faceWidth, Y1: m.eyeY + segBelow*m.faceWidth,
		}.Intersect(raster.Rect{X1: float64(d.width), Y1: float64(d.height)})
		mask, err := p.vision.Segment(d.img, region.Scale(d.scale))
		if err != nil {
			return fail(CodeInternal, err, "segment")
		}
		seg := &segmentation{region: region, mask: mask}
		seg.keepPerson(m)
		crown, touching := seg.crown(m)
		switch {
		case touching && region.Y0 <= 0.5:
			return fail(CodeHeadCut, nil, "person mask reaches the top edge")
		case touching && attempt == 0:
			// Tall hair or a hat reaches past the region: look higher once.
			above *= 1.8
			continue
		case touching:
			return fail(CodeProportions, nil, "head extends more than %.1f face widths above the eyes", above)
		}
		seg.crownY, seg.crownSource = crown, "mask"
		// A crown below the top of the forehead means the mask missed the
		// head: fall back on the usual skull height above the forehead.
		if minCrown := m.foreheadY - 0.05*m.faceWidth; crown > minCrown || math.IsNaN(crown) {
			seg.crownY, seg.crownSource = m.foreheadY-0.25*m.faceWidth, "estimate"
		}
		st.seg = seg
		return nil
	}
}

// toMask maps input pixels to mask coordinates.
func (s *segmentation) toMask(x, y float64) (float64, float64) {
	return (x - s.region.X0) / s.region.W() * float64(s.mask.W), (y - s.region.Y0) / s.region.H() * float64(s.mask.H)
}

// fromMaskY maps a mask row coordinate back to input pixels.
func (s *segmentation) fromMaskY(v float64) float64 {
	return s.region.Y0 + v/float64(s.mask.H)*s.region.H()
}

// crown returns the top of the head in input pixels: in each mask column
// over the middle of the face, the first row from the top where the mask
// turns to person (interpolated to sub-pixel), then a low percentile of
// those (the highest tops, robust to a stray column). touching reports a
// head that is already person at the region's top row.
func (s *segmentation) crown(m measures) (y float64, touching bool) {
	x0, _ := s.toMask(m.centreX-crownColumns*m.faceWidth, 0)
	x1, _ := s.toMask(m.centreX+crownColumns*m.faceWidth, 0)
	_, stop := s.toMask(0, m.foreheadY)
	var tops []float64
	for x := max(0, int(x0)); x <= min(s.mask.W-1, int(x1)); x++ {
		prev := s.mask.Pix[x]
		if prev >= 0.5 {
			touching = true
			continue
		}
		for yy := 1; yy < s.mask.H && float64(yy) <= stop; yy++ {
			v := s.mask.Pix[yy*s.mask.W+x]
			if v >= 0.5 {
				t := (0.5 - prev) / (v - prev) // crossing between rows yy-1 and yy
				tops = append(tops, float64(yy-1)+0.5+float64(t))
				break
			}
			prev = v
		}
	}
	if len(tops) == 0 {
		return math.NaN(), touching
	}
	sort.Float64s(tops)
	return s.fromMaskY(tops[len(tops)/6]), touching
}

// edgeClear reports whether the mask shows only background along an image
// edge between two input coordinates: the crop may then reach past that
// edge, as the photo would have shown more wall there.
func (s *segmentation) edgeClear(edge string, from, to float64, frameW, frameH float64) bool {
	const clear = 0.3
	switch edge {
	case "top":
		if s.region.Y0 > 0.5 {
			return false
		}
		for x := from; x <= to; x += s.region.W() / float64(s.mask.W) {
			mx, _ := s.toMask(x, 0)
			if s.mask.At(int(mx), 0) >= clear {
				return false
			}
		}
		return true
	case "left", "right":
		col := 0
		if edge == "right" {
			if s.region.X1 < frameW-0.5 {
				return false
			}
			col = s.mask.W - 1
		} else if s.region.X0 > 0.5 {
			return false
		}
		for y := from; y <= to; y += s.region.H() / float64(s.mask.H) {
			_, my := s.toMask(0, y)
			if my < 0 || my >= float64(s.mask.H) {
				continue
			}
			if s.mask.At(col, int(my)) >= clear {
				return false
			}
		}
		return true
	}
	return false
}

// The head's extent beside the face, in face widths from its centre line:
// above the neck nothing wider than this belongs to the student (hair
// included); what is there is someone or something behind them.
const (
	headHalfWidth = 1.05
	headFalloff   = 0.35
	// Below the chin the allowance widens to the shoulders over this many
	// face widths.
	neckToShoulders = 0.6
)

// keepPerson removes from the mask what cannot be the student: anything
// beside the head above the shoulders, and every region not connected to
// the face.
func (s *segmentation) keepPerson(m measures) {
	w, h := s.mask.W, s.mask.H
	for y := 0; y < h; y++ {
		iy := s.region.Y0 + (float64(y)+0.5)/float64(h)*s.region.H()
		// Allowed half-width at this row.
		limit := headHalfWidth
		if below := (iy - m.chinY) / m.faceWidth; below > 0 {
			limit += 4 * below / neckToShoulders
		}
		for x := 0; x < w; x++ {
			ix := s.region.X0 + (float64(x)+0.5)/float64(w)*s.region.W()
			off := math.Abs(ix-m.centreX)/m.faceWidth - limit
			if off > 0 {
				s.mask.Pix[y*w+x] *= float32(1 - smoothstep(off, 0, headFalloff))
			}
		}
	}
	// Connected to the face: flood the mask (>= 0.5) from the point
	// between the eyes, grow it by a few pixels for its soft edge, and
	// clear everything else.
	sx, sy := s.toMask(m.centreX, m.eyeY)
	seed := clampInt(int(sy), 0, h-1)*w + clampInt(int(sx), 0, w-1)
	keep := make([]bool, w*h)
	if s.mask.Pix[seed] < 0.5 {
		return // the mask missed the face; leave it to the crown's fallback
	}
	stack := []int{seed}
	keep[seed] = true
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		x, y := i%w, i/w
		for _, n := range [4][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
			if n[0] < 0 || n[1] < 0 || n[0] >= w || n[1] >= h {
				continue
			}
			j := n[1]*w + n[0]
			if !keep[j] && s.mask.Pix[j] >= 0.5 {
				keep[j] = true
				stack = append(stack, j)
			}
		}
	}
	grown := raster.NewPlane(w, h)
	for i, k := range keep {
		if k {
			grown.Pix[i] = 1
		}
	}
	grown = raster.BoxMean(grown, 3)
	for i, g := range grown.Pix {
		if g == 0 {
			s.mask.Pix[i] = 0
		}
	}
}

func clampInt(v, lo, hi int) int { return min(max(v, lo), hi) }
