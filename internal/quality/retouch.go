package quality

import (
	"math"
	"strings"
)

// Signs of retouching: smoothed skin, lipstick, a beauty app.

// skinTexture is the fine detail left on the cheeks (luma minus its 5x5
// local mean) relative to the same measure on the hair and clothes: a
// beauty filter smooths skin and leaves the rest.
func skinTexture(s *subject) float64 {
	hp := func(idx []int) float64 {
		var sum, n float64
		for _, i := range idx {
			x, y := i%alignedSize, i/alignedSize
			if x < 2 || y < 2 || x >= alignedSize-2 || y >= alignedSize-2 {
				continue
			}
			var local float64
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					local += float64(s.luma[i+dy*alignedSize+dx])
				}
			}
			d := float64(s.luma[i]) - local/25
			sum += d * d
			n++
		}
		if n == 0 {
			return math.NaN()
		}
		return math.Sqrt(sum / n)
	}
	iod := float64(alignedIOD)
	var cheeks []int
	for _, c := range []int{205, 425} {
		p := s.pt(c)
		cheeks = append(cheeks, s.rect(p.X-0.2*iod, p.Y-0.2*iod, p.X+0.2*iod, p.Y+0.2*iod)...)
	}
	// Elsewhere: the person outside the face (hair, clothes).
	var rest []int
	oval := map[int]bool{}
	for _, i := range s.polygon(faceOval) {
		oval[i] = true
	}
	for i, v := range s.mask.Pix {
		if v > 0.9 && !oval[i] && i%3 == 0 {
			rest = append(rest, i)
		}
	}
	a, b := hp(cheeks), hp(rest)
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return math.NaN()
	}
	return a / b
}

// lipChroma is how much more colourful the lips are than the skin (CIE
// a*b* chroma difference): lipstick stands out.
func lipChroma(s *subject) float64 {
	lips := map[int]bool{}
	for _, i := range s.polygon(lipsOuter) {
		lips[i] = true
	}
	for _, i := range s.polygon(lipsInner) {
		delete(lips, i)
	}
	chroma := func(idx []int) float64 {
		var sum, n float64
		for _, i := range idx {
			_, a, b := lab(s.at(i%alignedSize, i/alignedSize))
			sum += math.Hypot(a, b)
			n++
		}
		if n == 0 {
			return math.NaN()
		}
		return sum / n
	}
	var lip []int
	for i := range lips {
		lip = append(lip, i)
	}
	iod := float64(alignedIOD)
	var cheeks []int
	for _, c := range []int{205, 425} {
		p := s.pt(c)
		cheeks = append(cheeks, s.rect(p.X-0.15*iod, p.Y-0.15*iod, p.X+0.15*iod, p.Y+0.15*iod)...)
	}
	return chroma(lip) - chroma(cheeks)
}

// retouchApp is 1 when the EXIF Software names a beauty or retouching
// app, 0 otherwise.
func retouchApp(software string) float64 {
	sw := strings.ToLower(software)
	for _, app := range []string{"meitu", "美图", "beautycam", "beauty cam", "snow", "b612", "facetune", "photoshop", "醒图", "轻颜", "faceu", "picsart", "ulike", "facelab"} {
		if sw != "" && strings.Contains(sw, app) {
			return 1
		}
	}
	return 0
}
