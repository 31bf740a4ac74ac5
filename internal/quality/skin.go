package quality

import "math"

// skinModel is the student's own skin colour, learnt from the cheeks and
// the nose: a Gaussian in (Cb, Cr) with a tolerant range of brightness,
// which is what tells skin from hair, fabric or an ornament under the
// photo's own light.
type skinModel struct {
	cb, cr          float64 // mean chroma
	icc, icr, icrcb float64 // inverse covariance
	y, ySpread      float64 // mean and spread of brightness (0-255)
	ok              bool
}

func ycbcr(r, g, b float64) (y, cb, cr float64) {
	y = 0.299*r + 0.587*g + 0.114*b
	cb = 128 - 0.168736*r - 0.331264*g + 0.5*b
	cr = 128 + 0.5*r - 0.418688*g - 0.081312*b
	return
}

// fitSkin samples the cheeks (below each eye, above the mouth corners) and
// the nose bridge.
func fitSkin(s *subject) skinModel {
	var idx []int
	for _, c := range []int{205, 425, 6, 151} { // cheeks, nose bridge, mid forehead
		p := s.pt(c)
		h := 0.18 * alignedIOD
		idx = append(idx, s.rect(p.X-h, p.Y-h, p.X+h, p.Y+h)...)
	}
	var n, sy, sb, sr float64
	ys := make([]float64, 0, len(idx))
	for _, i := range idx {
		y, cb, cr := ycbcr(s.at(i%alignedSize, i/alignedSize))
		sy, sb, sr = sy+y, sb+cb, sr+cr
		ys = append(ys, y)
		n++
	}
	if n < 10 {
		return skinModel{}
	}
	m := skinModel{cb: sb / n, cr: sr / n, y: sy / n, ok: true}
	var vbb, vrr, vbr, vyy float64
	for k, i := range idx {
		_, cb, cr := ycbcr(s.at(i%alignedSize, i/alignedSize))
		db, dr := cb-m.cb, cr-m.cr
		vbb, vrr, vbr = vbb+db*db, vrr+dr*dr, vbr+db*dr
		dy := ys[k] - m.y
		vyy += dy * dy
	}
	// Floor the spread: a perfectly flat patch must not make every other
	// skin pixel an outlier.
	vbb, vrr, vbr = vbb/n+4, vrr/n+4, vbr/n
	det := vbb*vrr - vbr*vbr
	m.icc, m.icr, m.icrcb = vrr/det, vbb/det, -vbr/det
	m.ySpread = math.Max(math.Sqrt(vyy/n), 12)
	return m
}

// distance is the Mahalanobis distance of a colour's chroma from the skin.
func (m skinModel) distance(r, g, b float64) float64 {
	_, cb, cr := ycbcr(r, g, b)
	db, dr := cb-m.cb, cr-m.cr
	return math.Sqrt(db*db*m.icc + dr*dr*m.icr + 2*db*dr*m.icrcb)
}

// isSkin accepts a colour close to the skin's chroma and not far darker or
// brighter than the skin (shadow and highlight allowed).
func (m skinModel) isSkin(r, g, b float64) bool {
	if !m.ok {
		return false
	}
	y, _, _ := ycbcr(r, g, b)
	return m.distance(r, g, b) < 3.5 && y > m.y-3.5*m.ySpread-30 && y < m.y+3*m.ySpread+30
}

// hsv gives saturation and value (0-1) of an 8-bit colour, and its hue in
// degrees.
func hsv(r, g, b float64) (h, s, v float64) {
	mx := math.Max(r, math.Max(g, b))
	mn := math.Min(r, math.Min(g, b))
	v = mx / 255
	if mx == 0 {
		return 0, 0, 0
	}
	s = (mx - mn) / mx
	if mx == mn {
		return 0, s, v
	}
	switch mx {
	case r:
		h = 60 * math.Mod((g-b)/(mx-mn), 6)
	case g:
		h = 60 * ((b-r)/(mx-mn) + 2)
	default:
		h = 60 * ((r-g)/(mx-mn) + 4)
	}
	if h < 0 {
		h += 360
	}
	return h, s, v
}

// lab converts an 8-bit sRGB colour to CIE L*a*b* (D65).
func lab(r, g, b float64) (l, a, bb float64) {
	lin := func(c float64) float64 {
		c /= 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	R, G, B := lin(r), lin(g), lin(b)
	x := (0.4124*R + 0.3576*G + 0.1805*B) / 0.95047
	y := 0.2126*R + 0.7152*G + 0.0722*B
	z := (0.0193*R + 0.1192*G + 0.9505*B) / 1.08883
	f := func(t float64) float64 {
		if t > 0.008856 {
			return math.Cbrt(t)
		}
		return 7.787*t + 16.0/116
	}
	fx, fy, fz := f(x), f(y), f(z)
	return 116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)
}
