package photo

import (
	"math"
	"sort"

	"zhipai/internal/raster"
)

// verifyStep measures the head in the composed output and refuses an
// output outside the spec. The crown is measured again on the refined
// matte (sharper than the network's mask); when it moved out of range the
// crop is planned once more with the refined crown.
func (p *Pipeline) verifyStep(st *state) error {
	for attempt := 0; ; attempt++ {
		g := st.measureOutput()
		st.report.Geometry.Out = g
		s := st.spec
		if s.Crown.Contains(g.CrownPx) || attempt > 0 || math.IsNaN(g.CrownPx) {
			return checkGeometry(s, g)
		}
		// Move the crown estimate by what the matte says and redo the crop.
		st.seg.crownY += (g.CrownPx - st.crop.crown) / st.crop.scale
		st.seg.crownSource = "matte"
		for _, step := range []func(*state) error{p.cropStep, p.matteStep, p.composeStep} {
			if err := step(st); err != nil {
				return err
			}
		}
	}
}

func checkGeometry(s *Spec, g OutputGeometry) error {
	switch {
	case math.IsNaN(g.CrownPx):
		return fail(CodeGeometryMissing, nil, "no crown in the output matte")
	case !s.Crown.Contains(g.CrownPx):
		return fail(CodeProportions, nil, "crown at %.1f px, spec %s", g.CrownPx, s.Crown)
	case !s.EyeLine.Contains(g.EyeLinePx):
		return fail(CodeProportions, nil, "eye line at %.1f px, spec %s", g.EyeLinePx, s.EyeLine)
	case !s.FaceWidth.Contains(g.FaceWidthPx):
		return fail(CodeProportions, nil, "face width %.1f px, spec %s", g.FaceWidthPx, s.FaceWidth)
	case math.Abs(g.CentreOffsetPx) > s.MaxCentreOffset:
		return fail(CodeSides, nil, "face centre %.1f px off", g.CentreOffsetPx)
	}
	return nil
}

// measureOutput reads the head's geometry in output pixels: the crown from
// the matte, the rest from the landmarks mapped through the crop.
func (st *state) measureOutput() OutputGeometry {
	c, m := st.crop, st.meas
	toOutY := func(y float64) float64 { return (y - c.rect.Y0) * c.scale }
	toOutX := func(x float64) float64 { return (x - c.rect.X0) * c.scale }
	g := OutputGeometry{
		EyeLinePx:      toOutY(m.eyeY),
		FaceWidthPx:    m.faceWidth * c.scale,
		ChinPx:         toOutY(m.chinY),
		CentreOffsetPx: toOutX(m.centreX) - float64(st.spec.Width)/2,
		EyeTiltPx:      (m.leftEye.Y - m.rightEye.Y) * c.scale,
	}
	g.CrownPx = matteTop(st.alpha, toOutX(m.centreX), crownColumns*g.FaceWidthPx, toOutY(m.eyeY))
	return roundGeometry(g)
}

// matteTop finds the top of the person in the matte over the columns
// cx +- half, searching down to row stop: per column the first crossing of
// crownAlpha (low, so that fine hair a viewer sees counts), then the same
// low percentile as the mask's crown.
func matteTop(a *raster.Plane, cx, half, stop float64) float64 {
	var tops []float64
	for x := int(cx - half); x <= int(cx+half); x++ {
		prev := a.At(x, 0)
		if prev >= crownAlpha {
			tops = append(tops, 0)
			continue
		}
		for y := 1; float64(y) < stop; y++ {
			v := a.At(x, y)
			if v >= crownAlpha {
				tops = append(tops, float64(y-1)+0.5+float64((crownAlpha-prev)/(v-prev)))
				break
			}
			prev = v
		}
	}
	if len(tops) == 0 {
		return math.NaN()
	}
	sort.Float64s(tops)
	return tops[len(tops)/6]
}

// crownAlpha is the matte level at which hair counts as the head's top.
const crownAlpha = 0.3

func roundGeometry(g OutputGeometry) OutputGeometry {
	r := func(v float64) float64 { return math.Round(v*10) / 10 }
	return OutputGeometry{
		CrownPx: r(g.CrownPx), EyeLinePx: r(g.EyeLinePx), FaceWidthPx: r(g.FaceWidthPx),
		ChinPx: r(g.ChinPx), CentreOffsetPx: r(g.CentreOffsetPx), EyeTiltPx: r(g.EyeTiltPx),
	}
}
