package photo

import (
	"fmt"
	"math"
	"sort"

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
	// HairReach is how far beyond the network's mask the matte looks for
	// hair strands on a plain wall.
	HairReach int
	// Clip snaps alpha below Clip to 0 and above 1-Clip to 1.
	Clip float64
	// A band pixel within WallSigma local noise deviations (plus WallFloor,
	// linear RGB) of the local wall colour is wall (0: off; it gained
	// little on pfcn_portrait and thinned fine strands on the synthetic
	// scene).
	WallSigma, WallFloor float64
	// OuterClip is the soft threshold on alpha where the network's mask
	// says wall (scaled down towards its 0.5 contour).
	OuterClip float64
}

// DefaultMatteConfig returns the tuned defaults.
func DefaultMatteConfig() MatteConfig {
	return MatteConfig{
		Sure: 0.9, Erode: 2,
		GuideRadius: 6, GuideEps: 2e-3,
		BackgroundRadius: 28, ForegroundRadius: 12,
		MinContrast: 0.05, FullContrast: 0.18, MaxWallNoise: 0.05, MaxResidual: 0.12,
		HairReach: 12, Clip: 0.03,
		WallSigma: 0, WallFloor: 0, OuterClip: 0.2,
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
	c.Erode, c.GuideRadius, c.HairReach = r(c.Erode), r(c.GuideRadius), r(c.HairReach)
	c.BackgroundRadius, c.ForegroundRadius = r(c.BackgroundRadius), r(c.ForegroundRadius)
	return c
}

// Validate rejects settings that cannot work.
func (c MatteConfig) Validate() error {
	if c.Sure <= 0.5 || c.Sure >= 1 || c.GuideRadius < 1 || c.GuideEps <= 0 ||
		c.BackgroundRadius < 1 || c.ForegroundRadius < 1 || c.MinContrast >= c.FullContrast ||
		c.MaxWallNoise <= 0 || c.MaxResidual <= 0 || c.HairReach < 0 || c.Clip < 0 || c.Clip >= 0.5 {
		return fmt.Errorf("photo: matte config %+v", c)
	}
	return nil
}

// background is the local estimate of the wall behind each pixel, in
// linear light (kept at quarter resolution: it is smooth), and what the
// refinement learned about it.
type background struct {
	lin        [3]*raster.Plane // quarter resolution
	factor     float64          // output pixels per plane pixel
	wall       RGB
	wallNoise  float64 // 0-255 scale
	knownShare float64
	// edgeNoise is the wall's mean local noise along the person's edge
	// (0-255 scale).
	edgeNoise float64
}

// at returns the wall's linear colour behind output pixel (x, y).
func (b *background) at(x, y int) [3]float32 {
	u, v := (float64(x)+0.5)/b.factor, (float64(y)+0.5)/b.factor
	return [3]float32{b.lin[0].Bilinear(u, v), b.lin[1].Bilinear(u, v), b.lin[2].Bilinear(u, v)}
}

// matteStep refines the coarse mask into an alpha matte at output size.
func (p *Pipeline) matteStep(st *state) error {
	seg, plan := st.seg, st.crop
	// The crop in mask coordinates, so the mask resamples onto the output
	// grid (at half resolution: see refineMatte) exactly.
	x0, y0 := seg.toMask(plan.rect.X0, plan.rect.Y0)
	x1, y1 := seg.toMask(plan.rect.X1, plan.rect.Y1)
	hw, hh := (st.out.W+1)/2, (st.out.H+1)/2
	coarse := raster.ResamplePlane(seg.mask, raster.Rect{X0: x0, Y0: y0, X1: x1, Y1: y1}, hw, hh, raster.Triangle)
	// Outside the segmented region there is no mask: wall.
	inside := seg.region.Intersect(plan.rect)
	s := plan.scale / 2
	ox0 := int(math.Ceil((inside.X0-plan.rect.X0)*s - 0.5))
	ox1 := int(math.Floor((inside.X1-plan.rect.X0)*s - 0.5))
	oy0 := int(math.Ceil((inside.Y0-plan.rect.Y0)*s - 0.5))
	oy1 := int(math.Floor((inside.Y1-plan.rect.Y0)*s - 0.5))
	for y := 0; y < coarse.H; y++ {
		row := coarse.Pix[y*coarse.W : (y+1)*coarse.W]
		if y < oy0 || y > oy1 {
			clear(row)
			continue
		}
		clear(row[:min(max(ox0, 0), coarse.W)])
		clear(row[min(max(ox1+1, 0), coarse.W):])
	}
	st.alpha, st.bgLocal = refineMatte(st.out, coarse, p.cfg.Matte.scaled(plan.faceWidth))
	// Nothing above the top of the head belongs to the student (a raised
	// hand, a lamp, someone behind): clear it, leaving room for hair that
	// stands higher than the mask's crown.
	top := int((seg.crownY-plan.rect.Y0)*plan.scale - aboveCrown*plan.faceWidth)
	for y := 0; y < min(top, st.alpha.H); y++ {
		clear(st.alpha.Pix[y*st.alpha.W : (y+1)*st.alpha.W])
	}
	m := st.meas
	keepConnected(st.alpha, int((m.centreX-plan.rect.X0)*plan.scale), int((m.eyeY-plan.rect.Y0)*plan.scale))
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
//
// The coarse mask comes at half resolution ((W+1)/2 x (H+1)/2): it is an
// enlarged network output with nothing finer in it. The local colour
// estimates are smooth, so they are computed at quarter resolution, the
// guided filter's coefficients at half resolution, and only the band's
// pixels are visited at full resolution.
func refineMatte(img *raster.Image, coarse *raster.Plane, c MatteConfig) (*raster.Plane, *background) {
	w, h := img.W, img.H
	lut := srgbLinearLUT()
	cls := trimap(coarse, w, h, c)
	wallQ, personQ := localColours(img, cls, lut, c)
	gA, gB := guidedCoefficients(img, coarse, c.GuideRadius, float32(c.GuideEps))

	wallPlain := 1 - smoothstep(wallQ.typicalNoise/255, c.MaxWallNoise/2, c.MaxWallNoise)
	alpha := raster.NewPlane(w, h)
	var confSum, noiseSum float64
	var band int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			nearWall := false
			switch cls[i] {
			case pxPerson:
				alpha.Pix[i] = 1
				continue
			case pxFarWall:
				continue
			case pxWall:
				if wallPlain < 0.5 {
					continue
				}
				nearWall = true
			}
			px := img.Pix[3*i : 3*i+3]
			in := [3]float32{lut[px[0]], lut[px[1]], lut[px[2]]}
			bq, fq := wallQ.at(x, y), personQ.at(x, y)
			noise := wallQ.noiseAt(x, y)
			var dot, dd float32
			for k := 0; k < 3; k++ {
				d := fq[k] - bq[k]
				dot += (in[k] - bq[k]) * d
				dd += d * d
			}
			// Plain wall: the photo's wall as a whole is plain (its typical
			// local noise is low) and this spot is not busy. The local figure
			// alone would also count the hair strands that lie on the wall.
			plain := wallPlain * (1 - smoothstep(float64(noise), 2*c.MaxWallNoise, 4*c.MaxWallNoise))
			conf := smoothstep(math.Sqrt(float64(dd)), c.MinContrast, c.FullContrast) * plain
			var kb float32
			if dd > 1e-6 {
				kb = clamp01(dot / dd)
				// The pixel must lie near the line from wall to person colour
				// for the projection to mean anything (dark hair next to light
				// skin does not).
				var res float32
				for k := 0; k < 3; k++ {
					d := (in[k] - bq[k]) - kb*(fq[k]-bq[k])
					res += d * d
				}
				conf *= 1 - smoothstep(math.Sqrt(float64(res)), c.MaxResidual/4, c.MaxResidual)
			}
			// Known background: a pixel whose colour is the local wall's,
			// within the wall's own noise, is wall, whatever the smooth
			// estimates say (where the person differs from the wall enough
			// for the test to mean something).
			var diff float32
			for k := 0; k < 3; k++ {
				d := in[k] - bq[k]
				diff += d * d
			}
			dist := math.Sqrt(float64(diff) / 3)
			wallLike := 0.0
			if c.WallSigma > 0 {
				wallLike = (1 - smoothstep(dist, c.WallSigma*float64(noise)+c.WallFloor, 2*c.WallSigma*float64(noise)+3*c.WallFloor)) *
					plain * smoothstep(math.Sqrt(float64(dd)), c.MinContrast, c.FullContrast)
			}
			var a float32
			if nearWall {
				// Outside the network's mask only the wall-colour evidence
				// counts.
				a = float32(conf) * kb
			} else {
				luma := (0.299*float32(px[0]) + 0.587*float32(px[1]) + 0.114*float32(px[2])) / 255
				u, v := (float64(x)+0.5)/4, (float64(y)+0.5)/4
				guided := gA.Bilinear(u, v)*luma + gB.Bilinear(u, v)
				a = float32(conf)*kb + float32(1-conf)*clamp01(guided)
			}
			a *= float32(1 - wallLike)
			// Physics bounds alpha from below: the person's colour
			// F = B + (I-B)/a must be a real colour, so a pixel far from the
			// wall's colour is mostly person whatever the estimates say. This
			// is also what keeps the composite free of tinted fringes. (Only
			// where the wall is plain: on a busy background the local
			// estimate of B is not the colour behind the pixel.)
			if lo := minAlpha(in, bq, max(2.5*noise, 0.02)) * float32(plain); a < lo {
				a = lo
			}
			// Outside the network's mask, faint alpha is mostly the wall's
			// shading and texture (and flyaway strands no reviewer wants):
			// a soft threshold takes it out and keeps the visible strands.
			if cv := coarse.Pix[(y/2)*coarse.W+x/2]; cv < 0.5 {
				t := float32(c.OuterClip) * (1 - 2*cv)
				a = clamp01((a - t) / (1 - t))
			}
			if float64(a) < c.Clip {
				a = 0
			} else if float64(a) > 1-c.Clip {
				a = 1
			}
			alpha.Pix[i] = a
			if !nearWall {
				confSum += conf
				noiseSum += float64(noise)
				band++
			}
		}
	}
	est := &background{lin: wallQ.mean, factor: quarter, wall: wallQ.global, wallNoise: wallQ.typicalNoise}
	if band > 0 {
		est.knownShare = confSum / float64(band)
		est.edgeNoise = 255 * noiseSum / float64(band)
	}
	return alpha, est
}

// minAlpha is the smallest alpha for which B + (I-B)/alpha stays inside
// [0,1] in every channel, once the wall's own noise (tol) is allowed for;
// the ends of the range are kept away from 0 and 1, where a bright or dark
// wall would make the bound blow up on a slightly brighter or darker spot.
func minAlpha(in, b [3]float32, tol float32) float32 {
	var lo float32
	for k := 0; k < 3; k++ {
		d := in[k] - b[k]
		var a float32
		switch {
		case d < -tol:
			a = (-d - tol) / max(b[k], 0.3)
		case d > tol:
			a = (d - tol) / max(1-b[k], 0.3)
		}
		lo = max(lo, a)
	}
	return min(lo, 1)
}

// quarter is the reduction of the local colour statistics.
const quarter = 4

// localStats are the mean linear colour (and its spread) of the masked
// pixels around each point, at quarter resolution.
type localStats struct {
	mean        [3]*raster.Plane
	noise       *raster.Plane
	global      RGB
	globalNoise float64 // mean local noise, 0-255 scale
	// typicalNoise is the median local noise (0-255 scale): robust to the
	// few places where hair or an object lies on the wall.
	typicalNoise float64
}

func (s *localStats) at(x, y int) [3]float32 {
	u, v := (float64(x)+0.5)/quarter, (float64(y)+0.5)/quarter
	return [3]float32{s.mean[0].Bilinear(u, v), s.mean[1].Bilinear(u, v), s.mean[2].Bilinear(u, v)}
}

func (s *localStats) noiseAt(x, y int) float32 {
	return s.noise.Bilinear((float64(x)+0.5)/quarter, (float64(y)+0.5)/quarter)
}

// Pixel classes of the trimap.
const (
	pxBand    = iota // uncertain: the matte is estimated here
	pxPerson         // certainly the person
	pxWall           // certainly wall, but near enough for stray hair
	pxFarWall        // certainly wall
)

// trimap classifies every pixel from the half-resolution coarse mask:
// certain person and certain wall eroded away from the soft edge by Erode
// pixels, and the wall beyond HairReach more. The morphology runs at half
// resolution too; the trimap needs no finer precision than a pixel.
func trimap(coarse *raster.Plane, w, h int, c MatteConfig) []uint8 {
	hw := coarse.W
	fg, bg := raster.NewPlane(coarse.W, coarse.H), raster.NewPlane(coarse.W, coarse.H)
	sure, notSure := float32(c.Sure), float32(1-c.Sure)
	for i, v := range coarse.Pix {
		if v >= sure {
			fg.Pix[i] = 1
		} else if v <= notSure {
			bg.Pix[i] = 1
		}
	}
	half := func(r int) int { return (r + 1) / 2 }
	fg = raster.Erode(fg, half(c.Erode))
	wall := raster.Erode(bg, half(c.Erode))
	far := raster.Erode(bg, half(c.Erode+c.HairReach))
	cls := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		row := cls[y*w : (y+1)*w]
		hrow := (y / 2) * hw
		for x := range row {
			j := hrow + x/2
			switch {
			case fg.Pix[j] == 1:
				row[x] = pxPerson
			case far.Pix[j] == 1:
				row[x] = pxFarWall
			case wall.Pix[j] == 1:
				row[x] = pxWall
			}
		}
	}
	return cls
}

// localColours estimates, for every point, the mean linear colour of the
// wall pixels and of the person pixels around it (normalised convolution:
// 4x4 block sums, box-filtered over BackgroundRadius and ForegroundRadius).
// Points with no such neighbour take the global mean; there the wall's
// noise reads as high, since its colour is a guess (band pixels always have
// wall and person nearby). The wall's local spread is estimated too.
func localColours(img *raster.Image, cls []uint8, lut *[256]float32, c MatteConfig) (wall, person *localStats) {
	w, h := img.W, img.H
	qw, qh := (w+quarter-1)/quarter, (h+quarter-1)/quarter
	type acc struct {
		sums      [3]*raster.Plane
		count, sq *raster.Plane
		gsum      [3]float64
		gcount    float64
	}
	newAcc := func() *acc {
		a := &acc{count: raster.NewPlane(qw, qh), sq: raster.NewPlane(qw, qh)}
		for k := range a.sums {
			a.sums[k] = raster.NewPlane(qw, qh)
		}
		return a
	}
	wa, pa := newAcc(), newAcc()
	for y := 0; y < h; y++ {
		qrow := (y / quarter) * qw
		for x := 0; x < w; x++ {
			i := y*w + x
			var a *acc
			switch cls[i] {
			case pxPerson:
				a = pa
			case pxWall, pxFarWall:
				a = wa
			default:
				continue
			}
			q := qrow + x/quarter
			r, g, b := lut[img.Pix[3*i]], lut[img.Pix[3*i+1]], lut[img.Pix[3*i+2]]
			a.sums[0].Pix[q] += r
			a.sums[1].Pix[q] += g
			a.sums[2].Pix[q] += b
			a.sq.Pix[q] += r*r + g*g + b*b
			a.count.Pix[q]++
		}
	}
	finish := func(a *acc, r int, withNoise bool) *localStats {
		s := &localStats{}
		var g [3]float32
		var total float64
		for k := 0; k < 3; k++ {
			var sum float64
			for _, v := range a.sums[k].Pix {
				sum += float64(v)
			}
			a.gsum[k] = sum
		}
		for _, v := range a.count.Pix {
			total += float64(v)
		}
		for k := range g {
			if total > 0 {
				g[k] = float32(a.gsum[k] / total)
			}
		}
		s.global = RGB{linearTo8(g[0]), linearTo8(g[1]), linearTo8(g[2])}
		rq := max(1, r/quarter)
		den := raster.BoxMean(a.count, rq)
		const minCount = 0.05 // masked pixels per block, on average, to trust
		for k := 0; k < 3; k++ {
			num := raster.BoxMean(a.sums[k], rq)
			s.mean[k] = raster.NewPlane(qw, qh)
			for i := range s.mean[k].Pix {
				if den.Pix[i] > minCount {
					s.mean[k].Pix[i] = num.Pix[i] / den.Pix[i]
				} else {
					s.mean[k].Pix[i] = g[k]
				}
			}
		}
		if !withNoise {
			return s
		}
		sqm := raster.BoxMean(a.sq, rq)
		s.noise = raster.NewPlane(qw, qh)
		var nsum, ncount float64
		var cells []float64
		for i := range s.noise.Pix {
			if den.Pix[i] <= minCount {
				s.noise.Pix[i] = 1
				continue
			}
			var m2 float32
			for k := 0; k < 3; k++ {
				m2 += s.mean[k].Pix[i] * s.mean[k].Pix[i]
			}
			v := float32(math.Sqrt(float64(max(sqm.Pix[i]/den.Pix[i]-m2, 0)) / 3))
			s.noise.Pix[i] = v
			if a.count.Pix[i] > 0 {
				nsum += float64(v) * float64(a.count.Pix[i])
				ncount += float64(a.count.Pix[i])
				cells = append(cells, float64(v))
			}
		}
		if ncount > 0 {
			s.globalNoise = 255 * nsum / ncount
		}
		s.typicalNoise = 255
		if len(cells) > 0 {
			sort.Float64s(cells)
			s.typicalNoise = 255 * cells[len(cells)/2]
		}
		return s
	}
	return finish(wa, c.BackgroundRadius, true), finish(pa, c.ForegroundRadius, false)
}
