package raster

import "math"

// Affine maps a point (x, y) to (A*x + B*y + C, D*x + E*y + F).
type Affine struct{ A, B, C, D, E, F float64 }

// Apply transforms a point.
func (t Affine) Apply(x, y float64) (float64, float64) {
	return t.A*x + t.B*y + t.C, t.D*x + t.E*y + t.F
}

// Invert returns the inverse transform.
func (t Affine) Invert() Affine {
	det := t.A*t.E - t.B*t.D
	a, b, d, e := t.E/det, -t.B/det, -t.D/det, t.A/det
	return Affine{A: a, B: b, C: -(a*t.C + b*t.F), D: d, E: e, F: -(d*t.C + e*t.F)}
}

// Square is a square region of a photo turned by Angle (radians,
// counter-clockwise as seen, image y pointing down): what a model's input
// crop covers.
type Square struct {
	CX, CY, Size, Angle float64
}

// Warp samples the box into an n x n image (bilinear, edges repeated) and
// returns the transform from the crop's pixel coordinates back to the
// source's. A box much larger than n is first shrunk with an area filter so
// that the sampling does not alias.
func Warp(src *Image, b Square, n int) (*Image, Affine) {
	scale := b.Size / float64(n)
	cos, sin := math.Cos(b.Angle), math.Sin(b.Angle)
	// Crop pixel (u, v) -> source, rotating about the box centre.
	toSrc := Affine{
		A: scale * cos, B: scale * sin, C: b.CX - scale*(cos+sin)*float64(n)/2,
		D: -scale * sin, E: scale * cos, F: b.CY - scale*(cos-sin)*float64(n)/2,
	}
	img, pre := src, Affine{A: 1, E: 1}
	if scale > 1.5 {
		// Area-shrink the box's bounding square so one crop pixel covers
		// about one pixel of the shrunk image.
		half := b.Size / 2 * (math.Abs(cos) + math.Abs(sin))
		r := Rect{b.CX - half - scale, b.CY - half - scale, b.CX + half + scale, b.CY + half + scale}
		w := max(1, int(math.Round(r.W()/scale)))
		h := max(1, int(math.Round(r.H()/scale)))
		img = Resample(src, r, w, h, Box)
		// shrunk pixel -> source pixel, and its inverse for sampling.
		pre = Affine{A: r.W() / float64(w), C: r.X0, E: r.H() / float64(h), F: r.Y0}
	}
	sample := composeAffine(pre.Invert(), toSrc)
	dst := NewImage(n, n)
	for v := 0; v < n; v++ {
		// Walk the row incrementally: the sample position moves by (A, D)
		// per crop pixel.
		x, y := sample.Apply(0.5, float64(v)+0.5)
		out := dst.Pix[3*v*n : 3*(v+1)*n]
		for u := 0; u < n; u++ {
			sampleBilinear(img, x, y, out[3*u:3*u+3])
			x += sample.A
			y += sample.D
		}
	}
	return dst, toSrc
}

// sampleBilinear writes the bilinear interpolation at (x, y) (pixel
// centres at +0.5; edges repeated) into out[0:3].
func sampleBilinear(m *Image, x, y float64, out []uint8) {
	x -= 0.5
	y -= 0.5
	x0, y0 := floor(x), floor(y)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	x1, y1 := x0+1, y0+1
	if x0 < 0 || y0 < 0 || x1 >= m.W || y1 >= m.H {
		x0, x1 = clampInt(x0, 0, m.W-1), clampInt(x1, 0, m.W-1)
		y0, y1 = clampInt(y0, 0, m.H-1), clampInt(y1, 0, m.H-1)
	}
	r0, r1 := m.Pix[3*y0*m.W:], m.Pix[3*y1*m.W:]
	a, b := r0[3*x0:3*x0+3], r0[3*x1:3*x1+3]
	c, d := r1[3*x0:3*x0+3], r1[3*x1:3*x1+3]
	w00, w10, w01, w11 := (1-fx)*(1-fy), fx*(1-fy), (1-fx)*fy, fx*fy
	for k := 0; k < 3; k++ {
		out[k] = uint8(w00*float32(a[k]) + w10*float32(b[k]) + w01*float32(c[k]) + w11*float32(d[k]) + 0.5)
	}
}

// composeAffine returns the transform applying inner, then outer.
func composeAffine(outer, inner Affine) Affine {
	return Affine{
		A: outer.A*inner.A + outer.B*inner.D,
		B: outer.A*inner.B + outer.B*inner.E,
		C: outer.A*inner.C + outer.B*inner.F + outer.C,
		D: outer.D*inner.A + outer.E*inner.D,
		E: outer.D*inner.B + outer.E*inner.E,
		F: outer.D*inner.C + outer.E*inner.F + outer.F,
	}
}
