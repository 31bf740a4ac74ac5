package quality

import "math"

// The light on the face: sharpness, and how evenly it falls.

// sharpness is the spread of the luma's Laplacian over the inner face
// relative to the luma's own spread: blur removes fine detail faster than
// contrast. Measured on the aligned crop, where the face always has the
// same size, so a photo enlarged from too few pixels reads as blurred too.
func sharpness(s *subject, idx []int) float64 {
	var lap, l1, l2, n float64
	for _, i := range idx {
		x, y := i%alignedSize, i/alignedSize
		if x < 1 || y < 1 || x >= alignedSize-1 || y >= alignedSize-1 {
			continue
		}
		c := float64(s.luma[i])
		v := 4*c - float64(s.luma[i-1]) - float64(s.luma[i+1]) - float64(s.luma[i-alignedSize]) - float64(s.luma[i+alignedSize])
		lap += v * v
		l1 += c
		l2 += c * c
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	variance := l2/n - (l1/n)*(l1/n)
	return math.Sqrt(lap/n) / math.Sqrt(variance+1e-4)
}

// lightBalance compares the two halves of the face (cheek and temple
// patches on each side, as OFIQ's illumination uniformity uses the
// cheeks): darker half's mean luma over the brighter half's, 1 when even.
func lightBalance(s *subject) float64 {
	iod := float64(alignedIOD)
	side := func(cheek, temple int) float64 {
		var sum, n float64
		for _, c := range []int{cheek, temple} {
			p := s.pt(c)
			// Plain luma: on a half-lit face the dark side's skin no longer
			// looks like the skin model, which is learnt on both cheeks.
			for _, i := range s.rect(p.X-0.2*iod, p.Y-0.2*iod, p.X+0.2*iod, p.Y+0.2*iod) {
				sum += float64(s.luma[i])
				n++
			}
		}
		if n == 0 {
			return math.NaN()
		}
		return sum / n
	}
	a, b := side(205, 116), side(425, 345)
	if math.IsNaN(a) || math.IsNaN(b) || math.Max(a, b) <= 0 {
		return math.NaN()
	}
	return math.Min(a, b) / math.Max(a, b)
}
