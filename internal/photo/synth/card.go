package synth

import (
	"math"
	"math/rand/v2"

	"zhipai/internal/raster"
)

// IDCard renders a stand-in for an identity card (ID-1, 856x540 px): a pale
// patterned ground, bars of "text", and on the front a portrait, on the
// back a red round emblem. No real document is depicted; the card check's
// tests photograph this.
func IDCard(front bool, portrait *raster.Image, seed uint64) *raster.Image {
	return idCard(front, portrait, seed, true)
}

// idCard draws the card, with bars standing in for its text or without.
func idCard(front bool, portrait *raster.Image, seed uint64, bars bool) *raster.Image {
	const w, h = 856, 540
	img := raster.NewImage(w, h)
	rng := rand.New(rand.NewPCG(seed, 3))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/w, float64(y)/h
			wave := 6 * math.Sin(float64(x)/9+4*math.Sin(float64(y)/37))
			img.Set(x, y, clamp(232-8*fy+wave/3), clamp(236-4*fx+wave/2), clamp(230+6*fx+wave))
		}
	}
	bar := func(x0, y0, bw, bh int, r, g, b uint8) {
		for y := y0; y < y0+bh && y < h; y++ {
			for x := x0; x < x0+bw && x < w; x++ {
				img.Set(x, y, r, g, b)
			}
		}
	}
	// Lines of text: characters as small dark blocks with gaps.
	text := func(x0, y0, chars int) {
		if !bars {
			return
		}
		x := x0
		for i := 0; i < chars; i++ {
			cw := 14 + rng.IntN(10)
			for s := 0; s < 3; s++ {
				bar(x+rng.IntN(cw-4), y0+rng.IntN(18), 3+rng.IntN(5), 3+rng.IntN(10), 40, 40, 45)
			}
			x += cw + 6
		}
	}
	if front {
		for i, n := range []int{6, 5, 9, 12, 12} {
			text(60, 70+i*60, n)
		}
		text(60, 430, 18)
		if portrait != nil {
			face := raster.Resample(portrait, raster.Rect{X0: 130, Y0: 20, X1: 330, Y1: 280}, 220, 286, raster.Box)
			for y := 0; y < face.H; y++ {
				for x := 0; x < face.W; x++ {
					r, g, b := face.At(x, y)
					img.Set(580+x, 60+y, r, g, b)
				}
			}
		}
	} else {
		cx, cy := 120.0, 120.0
		for y := 40; y < 200; y++ {
			for x := 40; x < 200; x++ {
				d := math.Hypot(float64(x)-cx, float64(y)-cy)
				switch {
				case d < 42 && math.Mod(math.Atan2(float64(y)-cy, float64(x)-cx)*5/math.Pi+10, 2) < 0.5:
					img.Set(x, y, 235, 200, 40)
				case d < 75:
					img.Set(x, y, 200, 25, 30)
				}
			}
		}
		if bars {
			bar(260, 70, 420, 40, 50, 50, 60)
			bar(320, 140, 300, 30, 50, 50, 60)
		}
		text(250, 380, 10)
		text(250, 440, 16)
	}
	return img
}

// CardPhoto photographs a card lying on a dark table: the card's corners
// land on the given points of a w x h photo (top left, top right, bottom
// right, bottom left), its corners rounded as a real card's. blur is a
// box-blur radius applied to the photo, glare the radius (0: none) of a
// blown-out reflection centred on the card.
func CardPhoto(card *raster.Image, corners [4][2]float64, w, h int, blur, glare float64, seed uint64) *raster.Image {
	cw, ch := float64(card.W), float64(card.H)
	toCard, err := raster.HomographyFrom(corners, [4][2]float64{{0, 0}, {cw, 0}, {cw, ch}, {0, ch}})
	if err != nil {
		panic(err)
	}
	rng := rand.New(rand.NewPCG(seed, 4))
	img := raster.NewImage(w, h)
	const radius = 32 // rounded corners, card pixels
	for y := 0; y < h; y++ {
		grain := 8 * math.Sin(float64(y)/3.7+2*math.Sin(float64(y)/41))
		for x := 0; x < w; x++ {
			u, v := toCard.Apply(float64(x)+0.5, float64(y)+0.5)
			inside := u >= 0 && v >= 0 && u < cw && v < ch
			if inside {
				// Round the corners.
				ex := math.Max(math.Max(radius-u, u-(cw-radius)), 0)
				ey := math.Max(math.Max(radius-v, v-(ch-radius)), 0)
				inside = math.Hypot(ex, ey) <= radius
			}
			if inside {
				var px [3]uint8
				cx, cy := math.Min(u, cw-1), math.Min(v, ch-1)
				r, g, b := card.At(int(cx), int(cy))
				px = [3]uint8{r, g, b}
				img.Set(x, y, px[0], px[1], px[2])
				continue
			}
			img.Set(x, y, clamp(70+grain), clamp(48+grain*0.7), clamp(32+grain*0.5))
		}
	}
	if glare > 0 {
		gx := (corners[0][0] + corners[2][0]) / 2
		gy := (corners[0][1] + corners[2][1]) / 2
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				d := math.Hypot(float64(x)-gx, (float64(y)-gy)*1.6) / glare
				if d < 1.4 {
					a := math.Min(1, 1.6*(1.4-d))
					r, g, b := img.At(x, y)
					img.Set(x, y, mix(255, r, a), mix(255, g, a), mix(255, b, a))
				}
			}
		}
	}
	if blur > 0 {
		img = boxBlur(img, int(blur))
	}
	for i := range img.Pix {
		img.Pix[i] = clamp(float64(img.Pix[i]) + rng.NormFloat64()*2)
	}
	return img
}

// boxBlur blurs by three box passes (close to a Gaussian of sigma ~ r).
func boxBlur(img *raster.Image, r int) *raster.Image {
	var planes [3]*raster.Plane
	for c := range planes {
		p := raster.NewPlane(img.W, img.H)
		for i := range p.Pix {
			p.Pix[i] = float32(img.Pix[3*i+c])
		}
		for k := 0; k < 3; k++ {
			p = raster.BoxMean(p, r)
		}
		planes[c] = p
	}
	out := raster.NewImage(img.W, img.H)
	for i := 0; i < img.W*img.H; i++ {
		for c := 0; c < 3; c++ {
			out.Pix[3*i+c] = clamp(float64(planes[c].Pix[i]))
		}
	}
	return out
}

// Blur is a Gaussian-like blur of the whole image (three box passes of
// radius r): the tests' honest stand-in for a shaken or unfocused photo.
func Blur(img *raster.Image, r int) *raster.Image { return boxBlur(img, r) }
