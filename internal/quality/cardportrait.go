package quality

import (
	"zhipai/internal/raster"
)

// The front of a resident identity card has its
// portrait in the right third: when no face is found on the rectified
// card, this region is shown.
const (
	portraitX0, portraitX1 = 0.60, 0.95
	portraitY0, portraitY1 = 0.08, 0.86
)

// CardPortrait is the portrait region of an identity card's front, cut
// from the rectified card: around the face found on it (with the hair
// and shoulders a reviewer compares), or the layout's portrait area. False
// when no card is found in the photo.
func (c *Checker) CardPortrait(img *raster.Image) (*raster.Image, bool) {
	quad, _, ok := findCard(img)
	if !ok {
		return nil, false
	}
	h, err := cardToPhoto(quad)
	if err != nil {
		return nil, false
	}
	card := raster.WarpPerspective(img, h, cardW, cardH)
	r := raster.Rect{X0: portraitX0 * cardW, Y0: portraitY0 * cardH, X1: portraitX1 * cardW, Y1: portraitY1 * cardH}
	best := 0.0
	faces, _ := c.vision.DetectDistantFaces(card)
	for _, f := range faces {
		if f.Score < 0.7 || f.Box.H() < cardPortraitShare*cardH || f.Box.Area() <= best {
			continue
		}
		best = f.Box.Area()
		w, hh := 1.8*f.Box.W(), 2.3*f.Box.H()
		cx, cy := f.Box.CX(), f.Box.CY()+0.12*f.Box.H()
		r = raster.Rect{X0: cx - w/2, Y0: cy - hh/2, X1: cx + w/2, Y1: cy + hh/2}.Intersect(raster.Rect{X1: cardW, Y1: cardH})
	}
	x0, y0 := int(r.X0), int(r.Y0)
	out := raster.NewImage(max(1, int(r.W())), max(1, int(r.H())))
	for y := range out.H {
		for x := range out.W {
			r, g, b := card.At(min(x0+x, cardW-1), min(y0+y, cardH-1))
			out.Set(x, y, r, g, b)
		}
	}
	return out, true
}
