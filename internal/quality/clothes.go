package quality

import (
	"math"

	"zhipai/internal/photo"
)

// The clothes, read in the output photo.

// clothesMeasures reads the clothes in the output photo: the share of
// them within CIE L*a*b* distance 20 of the spec's background (edges
// vanish into it), the share with a blue hue, and how much skin shows
// below the neck.
func clothesMeasures(s *subject, res *photo.Result, spec *photo.Spec, m measures) {
	g := res.Report.Geometry
	out, alpha := res.Output, res.Alpha
	fw := g.Out.FaceWidthPx
	y0 := int(g.Out.ChinPx + 0.45*fw)
	if y0 >= out.H-4 {
		return
	}
	bl, ba, bb := lab(float64(spec.Background.R), float64(spec.Background.G), float64(spec.Background.B))
	var like, n, skin, person float64
	var hues []float64
	for y := y0; y < out.H; y++ {
		for x := 0; x < out.W; x++ {
			i := y*out.W + x
			if alpha.Pix[i] < 0.9 {
				continue
			}
			person++
			r, gg, b := float64(out.Pix[3*i]), float64(out.Pix[3*i+1]), float64(out.Pix[3*i+2])
			if s.skin.isSkin(r, gg, b) {
				skin++
				continue
			}
			l, a, b2 := lab(r, gg, b)
			if math.Sqrt((l-bl)*(l-bl)+(a-ba)*(a-ba)+(b2-bb)*(b2-bb)) < 20 {
				like++
			}
			n++
			if h, sat, v := hsv(r, gg, b); sat > 0.35 && v > 0.2 {
				hues = append(hues, h)
			}
		}
	}
	if person < 100 {
		return
	}
	m.set(mClothesSkin, skin/person)
	if n < 100 {
		return
	}
	m.set(mClothesLike, like/n)
	// Blue: the share of the clothes' clearly coloured pixels with a blue
	// hue (190-250 degrees).
	var blue float64
	for _, h := range hues {
		if h >= 190 && h <= 250 {
			blue++
		}
	}
	m.set(mClothesBlue, blue/n)
}
