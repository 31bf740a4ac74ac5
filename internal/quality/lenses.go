package quality

import (
	"math"
	"sort"
)

// eyeDetail looks inside each eye's contour for what a lens hides: the
// white of the eye (bright, unsaturated pixels, brighter than the cheek)
// and the eye's contrast (the spread between its darkest and brightest
// tenth, over the cheek's luma). Dark or mirrored lenses leave neither.
// The eye that shows more decides: a wink or light from one side changes
// one eye, sunglasses both.
func eyeDetail(s *subject) (sclera, spread float64) {
	iod := float64(alignedIOD)
	sclera, spread = math.NaN(), math.NaN()
	for k, contour := range [][]int{rightEye, leftEye} {
		cheekPt := s.pt([]int{205, 425}[k])
		var cheek, cheekN float64
		for _, i := range s.rect(cheekPt.X-0.15*iod, cheekPt.Y-0.15*iod, cheekPt.X+0.15*iod, cheekPt.Y+0.15*iod) {
			cheek += float64(s.luma[i])
			cheekN++
		}
		idx := s.polygon(contour)
		if len(idx) < 12 || cheekN == 0 || cheek == 0 {
			continue
		}
		cheek /= cheekN
		ls := make([]float64, 0, len(idx))
		white := 0.0
		for _, i := range idx {
			l := float64(s.luma[i])
			ls = append(ls, l)
			_, sat, _ := hsv(s.at(i%alignedSize, i/alignedSize))
			if l > 0.9*cheek && sat < 0.25 {
				white++
			}
		}
		sort.Float64s(ls)
		sp := (ls[len(ls)*9/10] - ls[len(ls)/10]) / cheek
		w := white / float64(len(idx))
		if math.IsNaN(sclera) || w > sclera {
			sclera = w
		}
		if math.IsNaN(spread) || sp > spread {
			spread = sp
		}
	}
	return sclera, spread
}
