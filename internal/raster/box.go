package raster

// BoxMean returns the mean of p over a (2r+1) x (2r+1) window around each
// pixel; windows are cut at the edges and averaged over what remains. It
// runs in time independent of r (running sums), so large windows are cheap.
func BoxMean(p *Plane, r int) *Plane {
	if r <= 0 {
		return &Plane{W: p.W, H: p.H, Pix: append([]float32(nil), p.Pix...)}
	}
	w, h := p.W, p.H
	tmp := make([]float32, w*h)
	// Horizontal running sums.
	for y := 0; y < h; y++ {
		row := p.Pix[y*w : (y+1)*w]
		out := tmp[y*w : (y+1)*w]
		var sum float32
		hi := min(r, w-1)
		for x := 0; x <= hi; x++ {
			sum += row[x]
		}
		for x := 0; x < w; x++ {
			lo, hi := max(0, x-r), min(w-1, x+r)
			out[x] = sum / float32(hi-lo+1)
			if x+r+1 < w {
				sum += row[x+r+1]
			}
			if x-r >= 0 {
				sum -= row[x-r]
			}
		}
	}
	// Vertical running sums, a row at a time for cache locality.
	dst := NewPlane(w, h)
	sum := make([]float32, w)
	for y := 0; y <= min(r, h-1); y++ {
		for x, v := range tmp[y*w : (y+1)*w] {
			sum[x] += v
		}
	}
	for y := 0; y < h; y++ {
		lo, hi := max(0, y-r), min(h-1, y+r)
		inv := 1 / float32(hi-lo+1)
		out := dst.Pix[y*w : (y+1)*w]
		for x := range out {
			out[x] = sum[x] * inv
		}
		if y+r+1 < h {
			for x, v := range tmp[(y+r+1)*w : (y+r+2)*w] {
				sum[x] += v
			}
		}
		if y-r >= 0 {
			for x, v := range tmp[(y-r)*w : (y-r+1)*w] {
				sum[x] -= v
			}
		}
	}
	return dst
}
