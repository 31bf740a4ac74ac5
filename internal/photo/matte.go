package photo

import (
	"fmt"
	"math"

	"zhipai/internal/raster"
)

// MatteConfig tunes the matte refinement (all lengths in output pixels).
type MatteConfig struct {
	// Sure is the coarse-mask level above which (and below 1-Sure) a pixel
	// is certainly person (wall), before erosion by Erode pixels.
	Sure  float64
	Erode int
	// GuideRadius and GuideEps are the guided filter's window and
	// regularisation (on luma in [0,1]).
	GuideRadius int
	GuideEps    float64
	// BackgroundRadius and ForegroundRadius are the windows over which the
	// wall's and the person's local colours are estimated.
	BackgroundRadius int
	ForegroundRadius int
	// Known-background matting is trusted fully when person and wall differ
	// by FullContrast (linear RGB distance) and not at all below
	// MinContrast, and only where the wall's local noise is under
	// MaxWallNoise.
	MinContrast  float64
	FullContrast float64
	MaxWallNoise float64
	// MaxResidual is the distance from the wall-person colour line beyond
	// which the projection is not trusted.
	MaxResidual float64
	// Clip snaps alpha below Clip to 0 and above 1-Clip to 1.
	Clip float64
}

// DefaultMatteConfig returns the tuned defaults.
func DefaultMatteConfig() MatteConfig {
	return MatteConfig{
		Sure: 0.9, Erode: 2,
		GuideRadius: 6, GuideEps: 2e-3,
		BackgroundRadius: 28, ForegroundRadius: 12,
		MinContrast: 0.05, FullContrast: 0.18, MaxWallNoise: 0.05, MaxResidual: 0.12,
		Clip: 0.03,
	}
}

// aboveCrown is how far above the mask's crown, in face widths, the matte
// may still hold hair.
const aboveCrown = 0.12

// referenceFaceWidth is the face width (px) the radii are tuned for.
const referenceFaceWidth = 240

// scaled adapts the pixel radii to an image whose face is faceWidth wide.
func (c MatteConfig) scaled(faceWidth float64) MatteConfig {
	k := max(0.3, faceWidth/referenceFaceWidth)
	r := func(v int) int { return max(1, int(float64(v)*k+0.5)) }
	c.Erode, c.GuideRadius = r(c.Erode), r(c.GuideRadius)
	c.BackgroundRadius, c.ForegroundRadius = r(c.BackgroundRadius), r(c.ForegroundRadius)
	return c
}

// Validate rejects settings that cannot work.
func (c MatteConfig) Validate() error {
	if c.Sure <= 0.5 || c.Sure >= 1 || c.GuideRadius < 1 || c.GuideEps <= 0 ||
		c.BackgroundRadius < 1 || c.ForegroundRadius < 1 || c.MinContrast >= c.FullContrast ||
		c.MaxWallNoise <= 0 || c.MaxResidual <= 0 || c.Clip < 0 || c.Clip >= 0.5 {
		return fmt.Errorf("photo: matte config %+v", c)
	}
	return nil
}

// background is the local estimate of the wall behind each pixel, in
// linear light, and what the refinement learned about it.
type background struct {
	lin        [3]*raster.Plane
	wall       RGB
	wallNoise  float64 // 0-255 scale
	knownShare float64
}

// matteStep refines the coarse mask into an alpha matte at output size.
func (p *Pipeline) matteStep(st *state) error {
	seg, plan := st.seg, st.crop
	// The crop in mask coordinates, so the mask resamples onto the output
	// grid exactly.
	x0, y0 := seg.toMask(plan.rect.X0, plan.rect.Y0)
	x1, y1 := seg.toMask(plan.rect.X1, plan.rect.Y1)
	coarse := raster.ResamplePlane(seg.mask, raster.Rect{X0: x0, Y0: y0, X1: x1, Y1: y1}, st.out.W, st.out.H, raster.Triangle)
	// Outside the segmented region there is no mask: wall.
	for y := 0; y < coarse.H; y++ {
		for x := 0; x < coarse.W; x++ {
			ix := plan.rect.X0 + (float64(x)+0.5)/plan.scale
			iy := plan.rect.Y0 + (float64(y)+0.5)/plan.scale
			if ix < seg.region.X0 || ix >= seg.region.X1 || iy < seg.region.Y0 || iy >= seg.region.Y1 {
				coarse.Pix[y*coarse.W+x] = 0
			}
		}
	}
	st.alpha, st.bgLocal = refineMatte(st.out, coarse, p.cfg.Matte.scaled(plan.faceWidth))
	// Nothing above the top of the head belongs to the student (a raised
	// hand, a lamp, someone behind): clear it, leaving room for hair that
	// stands higher than the mask's crown.
	top := int((seg.crownY-plan.rect.Y0)*plan.scale - aboveCrown*plan.faceWidth)
	for y := 0; y < min(top, st.alpha.H); y++ {
		clear(st.alpha.Pix[y*st.alpha.W : (y+1)*st.alpha.W])
	}
	return nil
}

// refineMatte turns the network's coarse mask into a matte that follows
// the photo's own edges, hair strands included. Two estimates are blended
// in the uncertain band around the mask's edge:
//
//   - known-background matting: the wall is nearly uniform, so its colour
//     behind each edge pixel can be estimated from nearby wall pixels (B),
//     and the person's from nearby person pixels (F); the pixel I = aF +
//     (1-a)B then gives a = (I-B).(F-B)/|F-B|^2, exact where the wall is
//     plain and differs from the person;
//   - a guided filter of the coarse mask by the photo's luma, which snaps
//     the mask to the photo's edges where the first cannot be trusted (a
//     white shirt on a white wall, a busy background).
func refineMatte(img *raster.Image, coarse *raster.Plane, c MatteConfig) (*raster.Plane, *background) {
	w, h := img.W, img.H
	n := w * h
	lut := srgbLinearLUT()
	var lin [3]*raster.Plane
	luma := raster.NewPlane(w, h)
	for k := range lin {
		lin[k] = raster.NewPlane(w, h)
	}
	for i := 0; i < n; i++ {
		r, g, b := img.Pix[3*i], img.Pix[3*i+1], img.Pix[3*i+2]
		lin[0].Pix[i], lin[1].Pix[i], lin[2].Pix[i] = lut[r], lut[g], lut[b]
		luma.Pix[i] = (0.299*float32(r) + 0.587*float32(g) + 0.114*float32(b)) / 255
	}
	fg, bg := raster.NewPlane(w, h), raster.NewPlane(w, h)
	for i, v := range coarse.Pix {
		if float64(v) >= c.Sure {
			fg.Pix[i] = 1
		} else if float64(v) <= 1-c.Sure {
			bg.Pix[i] = 1
		}
	}
	fg, bg = erode(fg, c.Erode), erode(bg, c.Erode)

	bgLin, noise, wall, wallNoise := localMean(lin, bg, c.BackgroundRadius, true)
	fgLin, _, _, _ := localMean(lin, fg, c.ForegroundRadius, false)
	guided := guidedFilter(luma, coarse, c.GuideRadius, float32(c.GuideEps))

	alpha := raster.NewPlane(w, h)
	var confSum float64
	var band int
	for i := 0; i < n; i++ {
		switch {
		case fg.Pix[i] == 1:
			alpha.Pix[i] = 1
			continue
		case bg.Pix[i] == 1:
			continue
		}
		var dot, dd float32
		for k := 0; k < 3; k++ {
			d := fgLin[k].Pix[i] - bgLin[k].Pix[i]
			dot += (lin[k].Pix[i] - bgLin[k].Pix[i]) * d
			dd += d * d
		}
		contrast := math.Sqrt(float64(dd))
		plain := 1 - smoothstep(float64(noise.Pix[i]), c.MaxWallNoise/2, c.MaxWallNoise)
		conf := smoothstep(contrast, c.MinContrast, c.FullContrast) * plain
		var kb float32
		if dd > 1e-6 {
			kb = clamp01(dot / dd)
			// The pixel must lie near the line from wall to person colour
			// for the projection to mean anything (dark hair next to light
			// skin does not).
			var res float32
			for k := 0; k < 3; k++ {
				d := (lin[k].Pix[i] - bgLin[k].Pix[i]) - kb*(fgLin[k].Pix[i]-bgLin[k].Pix[i])
				res += d * d
			}
			conf *= 1 - smoothstep(math.Sqrt(float64(res)), c.MaxResidual/4, c.MaxResidual)
		}
		a := float32(conf)*kb + float32(1-conf)*clamp01(guided.Pix[i])
		// Physics bounds alpha from below: the person's colour
		// F = B + (I-B)/a must be a real colour, so a pixel far from the
		// wall's colour is mostly person whatever the estimates say. This
		// is also what keeps the composite free of tinted fringes.
		// (Only where the wall is plain: on a busy background the local
		// estimate of B is not the colour behind the pixel.)
		if lo := minAlpha(lin, bgLin, i) * float32(plain); a < lo {
			a = lo
		}
		if float64(a) < c.Clip {
			a = 0
		} else if float64(a) > 1-c.Clip {
			a = 1
		}
		alpha.Pix[i] = a
		confSum += conf
		band++
	}
	est := &background{lin: bgLin, wall: wall, wallNoise: wallNoise}
	if band > 0 {
		est.knownShare = confSum / float64(band)
	}
	return alpha, est
}

// minAlpha is the smallest alpha for which B + (I-B)/alpha stays inside
// [0,1] in every channel.
func minAlpha(lin, bg [3]*raster.Plane, i int) float32 {
	var lo float32
	for k := 0; k < 3; k++ {
		in, b := lin[k].Pix[i], bg[k].Pix[i]
		var a float32
		switch {
		case in < b && b > 1e-4:
			a = (b - in) / b
		case in > b && b < 1-1e-4:
			a = (in - b) / (1 - b)
		}
		lo = max(lo, a)
	}
	return lo
}

// erode keeps the pixels of a binary mask whose whole (2r+1)^2 window is
// set.
func erode(m *raster.Plane, r int) *raster.Plane {
	if r <= 0 {
		return m
	}
	mean := raster.BoxMean(m, r)
	for i, v := range mean.Pix {
		if v >= 0.9999 {
			mean.Pix[i] = 1
		} else {
			mean.Pix[i] = 0
		}
	}
	return mean
}

// localMean estimates, for every pixel, the mean linear colour of the
// masked pixels around it (normalised convolution over a window of radius
// r, computed at quarter resolution: the estimate is smooth). Pixels with
// no masked neighbour take the estimate of a four times wider window, then
// the global mean. With noise set it also returns the local spread.
func localMean(lin [3]*raster.Plane, mask *raster.Plane, r int, withNoise bool) (mean [3]*raster.Plane, noise *raster.Plane, global RGB, globalNoise float64) {
	w, h := mask.W, mask.H
	const f = 4
	qw, qh := (w+f-1)/f, (h+f-1)/f
	quarter := raster.Rect{X1: float64(qw * f), Y1: float64(qh * f)}
	down := func(p *raster.Plane) *raster.Plane {
		return raster.ResamplePlane(p, quarter, qw, qh, raster.Box)
	}
	mq := down(mask)
	var sums [3]*raster.Plane
	var sq *raster.Plane
	if withNoise {
		sq = raster.NewPlane(w, h)
	}
	var gsum [3]float64
	var gcount float64
	for k := 0; k < 3; k++ {
		prod := raster.NewPlane(w, h)
		for i, m := range mask.Pix {
			v := lin[k].Pix[i] * m
			prod.Pix[i] = v
			gsum[k] += float64(v)
			if withNoise {
				sq.Pix[i] += v * lin[k].Pix[i]
			}
		}
		sums[k] = down(prod)
	}
	for _, m := range mask.Pix {
		gcount += float64(m)
	}
	var g [3]float32
	for k := range g {
		if gcount > 0 {
			g[k] = float32(gsum[k] / gcount)
		}
	}
	global = RGB{linearTo8(g[0]), linearTo8(g[1]), linearTo8(g[2])}
	rq := max(1, r/f)
	den := raster.BoxMean(mq, rq)
	wide := raster.BoxMean(mq, 4*rq)
	var sqq *raster.Plane
	var denSq *raster.Plane
	if withNoise {
		sqq = raster.BoxMean(down(sq), rq)
		denSq = den
	}
	var meanQ [3]*raster.Plane
	for k := 0; k < 3; k++ {
		num := raster.BoxMean(sums[k], rq)
		numWide := raster.BoxMean(sums[k], 4*rq)
		meanQ[k] = raster.NewPlane(qw, qh)
		for i := range meanQ[k].Pix {
			switch {
			case den.Pix[i] > 1e-3:
				meanQ[k].Pix[i] = num.Pix[i] / den.Pix[i]
			case wide.Pix[i] > 1e-4:
				meanQ[k].Pix[i] = numWide.Pix[i] / wide.Pix[i]
			default:
				meanQ[k].Pix[i] = g[k]
			}
		}
		mean[k] = raster.ResamplePlane(meanQ[k], raster.Rect{X1: float64(qw), Y1: float64(qh)}, w, h, raster.Triangle)
	}
	if withNoise {
		nq := raster.NewPlane(qw, qh)
		var nsum, ncount float64
		for i := range nq.Pix {
			if denSq.Pix[i] <= 1e-3 {
				// No wall nearby: its colour here is a guess, as if noisy.
				nq.Pix[i] = 1
				continue
			}
			var m2 float32
			for k := 0; k < 3; k++ {
				m2 += meanQ[k].Pix[i] * meanQ[k].Pix[i]
			}
			v := sqq.Pix[i]/denSq.Pix[i] - m2
			if v < 0 {
				v = 0
			}
			nq.Pix[i] = float32(math.Sqrt(float64(v) / 3))
			nsum += float64(nq.Pix[i]) * float64(mq.Pix[i])
			ncount += float64(mq.Pix[i])
		}
		noise = raster.ResamplePlane(nq, raster.Rect{X1: float64(qw), Y1: float64(qh)}, w, h, raster.Triangle)
		if ncount > 0 {
			globalNoise = 255 * nsum / ncount
		}
	}
	return mean, noise, global, globalNoise
}

// guidedFilter is He, Sun and Tang's edge-preserving filter of p by the
// guide i (grey): locally p ~ a*i + b.
func guidedFilter(i, p *raster.Plane, r int, eps float32) *raster.Plane {
	n := len(i.Pix)
	ip := raster.NewPlane(i.W, i.H)
	ii := raster.NewPlane(i.W, i.H)
	for k := 0; k < n; k++ {
		ip.Pix[k] = i.Pix[k] * p.Pix[k]
		ii.Pix[k] = i.Pix[k] * i.Pix[k]
	}
	mi, mp := raster.BoxMean(i, r), raster.BoxMean(p, r)
	mip, mii := raster.BoxMean(ip, r), raster.BoxMean(ii, r)
	a, b := ip, ii // reuse buffers
	for k := 0; k < n; k++ {
		cov := mip.Pix[k] - mi.Pix[k]*mp.Pix[k]
		v := mii.Pix[k] - mi.Pix[k]*mi.Pix[k]
		a.Pix[k] = cov / (v + eps)
		b.Pix[k] = mp.Pix[k] - a.Pix[k]*mi.Pix[k]
	}
	ma, mb := raster.BoxMean(a, r), raster.BoxMean(b, r)
	q := raster.NewPlane(i.W, i.H)
	for k := 0; k < n; k++ {
		q.Pix[k] = ma.Pix[k]*i.Pix[k] + mb.Pix[k]
	}
	return q
}

func smoothstep(x, lo, hi float64) float64 {
	t := (x - lo) / (hi - lo)
	if t <= 0 {
		return 0
	}
	if t >= 1 {
		return 1
	}
	return t * t * (3 - 2*t)
}

func clamp01(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// srgbLinearLUT maps 8-bit sRGB to linear light.
func srgbLinearLUT() *[256]float32 {
	var t [256]float32
	for i := range t {
		t[i] = float32(srgbToLinear(float64(i) / 255))
	}
	return &t
}

func linearTo8(v float32) uint8 {
	return uint8(math.Round(255 * linearToSRGB(math.Min(1, math.Max(0, float64(v))))))
}
