package raster

// Erode keeps the set pixels (value 1) of a binary mask whose whole
// (2r+1) x (2r+1) window is set, in two separable passes over prefix
// counts of unset pixels: constant time per pixel whatever r is.
func Erode(m *Plane, r int) *Plane {
	w, h := m.W, m.H
	out := NewPlane(w, h)
	if r <= 0 {
		copy(out.Pix, m.Pix)
		return out
	}
	// Horizontal: a pixel survives when no unset pixel lies within r in
	// its row (pixels past the edge count as set, as BoxMean's cut windows
	// do).
	tmp := make([]uint8, w*h)
	prefix := make([]int32, w+1)
	for y := 0; y < h; y++ {
		row := m.Pix[y*w : (y+1)*w]
		for x, v := range row {
			prefix[x+1] = prefix[x]
			if v != 1 {
				prefix[x+1]++
			}
		}
		t := tmp[y*w : (y+1)*w]
		for x := range t {
			if row[x] == 1 && prefix[min(w, x+r+1)]-prefix[max(0, x-r)] == 0 {
				t[x] = 1
			}
		}
	}
	// Vertical, a column of running counts per row.
	count := make([]int32, w) // unset pixels of tmp in the window rows
	for y := 0; y <= min(r, h-1); y++ {
		for x, v := range tmp[y*w : (y+1)*w] {
			if v == 0 {
				count[x]++
			}
		}
	}
	for y := 0; y < h; y++ {
		o := out.Pix[y*w : (y+1)*w]
		t := tmp[y*w : (y+1)*w]
		for x := range o {
			if t[x] == 1 && count[x] == 0 {
				o[x] = 1
			}
		}
		if y+r+1 < h {
			for x, v := range tmp[(y+r+1)*w : (y+r+2)*w] {
				if v == 0 {
					count[x]++
				}
			}
		}
		if y-r >= 0 {
			for x, v := range tmp[(y-r)*w : (y-r+1)*w] {
				if v == 0 {
					count[x]--
				}
			}
		}
	}
	return out
}
