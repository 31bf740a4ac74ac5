package photo

import (
	"fmt"
	"math"

	"zhipai/internal/raster"
)

// cropPlan is the chosen crop: a rectangle of input pixels that becomes
// the whole output photo.
type cropPlan struct {
	rect  raster.Rect
	scale float64 // output pixels per input pixel
	// Predicted output measurements.
	crown, eye, faceWidth, chin float64
}

// cropInput is what the solver knows of the head and the frame, in input
// pixels.
type cropInput struct {
	crown, eye, chin, faceWidth, centreX float64
	frameW, frameH                       float64
	// How far the crop may reach past the top, left and right edges
	// (where the photo shows only wall).
	allowTop, allowLeft, allowRight float64
}

// minBelowChin is the share of the output height kept under the chin, so
// the neck and shoulders show.
const minBelowChin = 0.08

type cropLimits struct {
	bounds     bool    // respect the frame
	maxScale   float64 // 0: unlimited
	margin     float64 // share of each range kept free at both ends
	scaleSteps int
}

// solveCrop chooses the scale and position that put crown, eye line and
// face width as close to the spec's preferred values as the constraints
// allow: the face centred, every measurement inside its range (less the
// margin), and (when bounds is set) the crop inside the frame. Geometry
// decides, never a fixed ratio.
func solveCrop(in cropInput, spec *Spec, lim cropLimits) (*cropPlan, bool) {
	W, H := float64(spec.Width), float64(spec.Height)
	shrink := func(r Range) Range { return r.Shrink(lim.margin * (r.Max - r.Min)) }
	rc, re, rf := shrink(spec.Crown), shrink(spec.EyeLine), shrink(spec.FaceWidth)
	wc := 1 / sq(spec.Crown.Max-spec.Crown.Min)
	we := 1 / sq(spec.EyeLine.Max-spec.EyeLine.Min)
	wf := 1 / sq(spec.FaceWidth.Max-spec.FaceWidth.Min)
	sMin, sMax := rf.Min/in.faceWidth, rf.Max/in.faceWidth
	if lim.maxScale > 0 {
		sMax = math.Min(sMax, lim.maxScale)
	}
	steps := lim.scaleSteps
	if steps == 0 {
		steps = 240
	}
	var best *cropPlan
	bestCost := math.Inf(1)
	for i := 0; i <= steps && sMin <= sMax; i++ {
		s := sMin + (sMax-sMin)*float64(i)/float64(steps)
		// Feasible interval of the crop's top edge y0.
		lo := math.Max(in.crown-rc.Max/s, in.eye-re.Max/s)
		hi := math.Min(in.crown-rc.Min/s, in.eye-re.Min/s)
		lo = math.Max(lo, in.chin-(H*(1-minBelowChin))/s)
		x0 := in.centreX - W/(2*s)
		if lim.bounds {
			lo = math.Max(lo, -in.allowTop)
			hi = math.Min(hi, in.frameH-H/s)
			if x0 < -in.allowLeft-1e-9 || x0+W/s > in.frameW+in.allowRight+1e-9 {
				continue
			}
		}
		if lo > hi {
			continue
		}
		// y0 maximising the smaller of the crown's and the eye line's
		// margins (a concave, piecewise-linear function: golden-section
		// search), so the output survives a re-measurement.
		margin := func(y0 float64) float64 {
			return math.Min(rangeMargin(spec.Crown, (in.crown-y0)*s), rangeMargin(spec.EyeLine, (in.eye-y0)*s))
		}
		y0 := maximise(margin, lo, hi)
		p := &cropPlan{
			rect:      raster.Rect{X0: x0, Y0: y0, X1: x0 + W/s, Y1: y0 + H/s},
			scale:     s,
			crown:     (in.crown - y0) * s,
			eye:       (in.eye - y0) * s,
			faceWidth: in.faceWidth * s,
			chin:      (in.chin - y0) * s,
		}
		// Maximise the worst margin; among equals, prefer the spec's
		// targets.
		worst := p.worstMargin(spec)
		cost := -worst + 0.01*(wf*sq(p.faceWidth-spec.FaceWidth.Mid())+wc*sq(p.crown-spec.Crown.Mid())+we*sq(p.eye-spec.EyeLine.Mid()))
		if cost < bestCost {
			best, bestCost = p, cost
		}
	}
	return best, best != nil
}

func sq(v float64) float64 { return v * v }

// worstMargin is the plan's smallest margin over the spec's ranges, as a
// share of each range.
func (p *cropPlan) worstMargin(spec *Spec) float64 {
	return math.Min(math.Min(rangeMargin(spec.Crown, p.crown), rangeMargin(spec.EyeLine, p.eye)), rangeMargin(spec.FaceWidth, p.faceWidth))
}

// rangeMargin is v's distance to the nearer end of r as a share of r's
// width (negative outside).
func rangeMargin(r Range, v float64) float64 {
	return math.Min(v-r.Min, r.Max-v) / (r.Max - r.Min)
}

// maximise finds the maximum of a unimodal function on [lo, hi].
func maximise(f func(float64) float64, lo, hi float64) float64 {
	const phi = 0.6180339887498949
	a, b := lo, hi
	for i := 0; i < 40 && b-a > 1e-3; i++ {
		c, d := b-phi*(b-a), a+phi*(b-a)
		if f(c) >= f(d) {
			b = d
		} else {
			a = c
		}
	}
	return (a + b) / 2
}

// planCrop solves the crop, relaxing the safety margin to its minimum
// before giving up (a photo that meets the spec only at the very ends of its
// ranges would fail the next measurement), and names the reason when no
// crop exists.
func planCrop(in cropInput, spec *Spec, margin, minMargin, maxUpscale float64) (*cropPlan, error) {
	for _, m := range []float64{margin, minMargin} {
		if p, ok := solveCrop(in, spec, cropLimits{bounds: true, maxScale: maxUpscale, margin: m}); ok {
			return p, nil
		}
	}
	// Diagnose: drop constraints one at a time; the detail says how much
	// margin the photo would allow.
	best := "no crop inside the frame"
	if p, ok := solveCrop(in, spec, cropLimits{bounds: true, maxScale: maxUpscale}); ok {
		best = fmt.Sprintf("best margin %.0f%% of a range, %.0f%% needed", 100*p.worstMargin(spec), 100*minMargin)
	}
	free, ok := solveCrop(in, spec, cropLimits{margin: minMargin})
	if !ok {
		return nil, fail(CodeProportions, nil, "crown %.0f, eyes %.0f, face width %.0f px cannot meet %s/%s/%s (%s)",
			in.crown, in.eye, in.faceWidth, spec.Crown, spec.EyeLine, spec.FaceWidth, best)
	}
	if _, ok := solveCrop(in, spec, cropLimits{maxScale: maxUpscale, margin: minMargin}); !ok {
		return nil, fail(CodeFaceTooSmall, nil, "needs %.2fx enlargement (limit %.1f)", free.scale, maxUpscale)
	}
	r := free.rect
	top := r.Y0 < -in.allowTop
	bottom := r.Y1 > in.frameH
	sides := r.X0 < -in.allowLeft || r.X1 > in.frameW+in.allowRight
	detail := "crop %v in a %.0fx%.0f photo (%s)"
	switch {
	case top && bottom, top && sides && bottom:
		return nil, fail(CodeTooClose, nil, detail, r, in.frameW, in.frameH, best)
	case top:
		return nil, fail(CodeHeadTop, nil, detail, r, in.frameW, in.frameH, best)
	case bottom:
		return nil, fail(CodeShoulders, nil, detail, r, in.frameW, in.frameH, best)
	case sides:
		return nil, fail(CodeSides, nil, detail, r, in.frameW, in.frameH, best)
	}
	// Each bound alone can be met but not all together.
	return nil, fail(CodeTooClose, nil, detail, r, in.frameW, in.frameH, best)
}

// cropStep chooses the crop and resamples it to the output size, decoding
// the JPEG again at a larger scale when the reduced decode lacks pixels.
func (p *Pipeline) cropStep(st *state) error {
	d, m, seg := st.dec, st.meas, st.seg
	in := cropInput{
		crown: seg.crownY, eye: m.eyeY, chin: m.chinY, faceWidth: m.faceWidth, centreX: m.centreX,
		frameW: float64(d.width), frameH: float64(d.height),
	}
	// Extending past an edge is allowed where that edge shows only wall,
	// by up to half a face width.
	reach := 0.5 * m.faceWidth
	if seg.edgeClear("top", m.centreX-2*m.faceWidth, m.centreX+2*m.faceWidth, in.frameW, in.frameH) {
		in.allowTop = reach
	}
	if seg.edgeClear("left", seg.crownY, m.eyeY+2*m.faceWidth, in.frameW, in.frameH) {
		in.allowLeft = reach
	}
	if seg.edgeClear("right", seg.crownY, m.eyeY+2*m.faceWidth, in.frameW, in.frameH) {
		in.allowRight = reach
	}
	plan, err := planCrop(in, st.spec, p.cfg.CropMargin, p.cfg.MinCropMargin, p.cfg.MaxUpscale)
	if err != nil {
		return err
	}
	st.crop = plan
	// Enough decoded pixels for the output? (scale is output per input
	// pixel; the decode has d.scale pixels per input pixel.)
	if d.scale < plan.scale {
		if err := p.redecode(d, plan.scale); err != nil {
			return err
		}
		st.report.Input.DecodeScale = d.scale
	}
	st.out = raster.Resample(d.img, plan.rect.Scale(d.scale), st.spec.Width, st.spec.Height, raster.CatmullRom)
	st.report.Geometry = &Geometry{
		CrownY: seg.crownY, CrownSource: seg.crownSource, EyeY: m.eyeY, ChinY: m.chinY,
		FaceWidth: m.faceWidth, FaceCentreX: m.centreX, Crop: plan.rect, Scale: plan.scale,
		Limits: GeometryLimits{Crown: st.spec.Crown, EyeLine: st.spec.EyeLine, FaceWidth: st.spec.FaceWidth, MaxCentreOffset: st.spec.MaxCentreOffset},
	}
	return nil
}
