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
		// The crown as a reviewer sees it (the first row that is not
		// background) decides: when it is not where the plan put it, the
		// crop is planned again around it, so the margins the plan chose
		// hold on the output.
		if math.Abs(g.CrownPx-st.crop.crown) <= crownSlack || attempt > 0 || math.IsNaN(g.CrownPx) {
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

// crownSlack is how far (output px) the crown measured on the output may be
// from the plan's before the crop is planned again.
const crownSlack = 2

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
	g.CrownPx = CrownByBackground(st.out, st.spec.Background, toOutX(m.centreX), crownColumns*g.FaceWidthPx, toOutY(m.eyeY))
	return roundGeometry(g)
}

// CrownVisible is how far (largest channel difference, 0-255) a pixel must
// differ from the background colour to count as the head.
const CrownVisible = 40

// CrownByBackground measures the top of the head in a standardized photo
// the way a viewer (or a checker) sees it: in each column over cx +- half,
// the first row whose pixel differs clearly from the background colour,
// down to row stop; then a low percentile over the columns, so that one
// strand of hair does not decide alone. NaN when no column has one.
func CrownByBackground(img *raster.Image, bg RGB, cx, half, stop float64) float64 {
	var tops []float64
	for x := int(cx - half); x <= int(cx+half); x++ {
		if x < 0 || x >= img.W {
			continue
		}
		for y := 0; y < int(stop) && y < img.H; y++ {
			i := 3 * (y*img.W + x)
			d := max(absDiff(img.Pix[i], bg.R), absDiff(img.Pix[i+1], bg.G), absDiff(img.Pix[i+2], bg.B))
			if d > CrownVisible {
				tops = append(tops, float64(y))
				break
			}
		}
	}
	if len(tops) == 0 {
		return math.NaN()
	}
	sort.Float64s(tops)
	return tops[len(tops)/6]
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func roundGeometry(g OutputGeometry) OutputGeometry {
	r := func(v float64) float64 { return math.Round(v*10) / 10 }
	return OutputGeometry{
		CrownPx: r(g.CrownPx), EyeLinePx: r(g.EyeLinePx), FaceWidthPx: r(g.FaceWidthPx),
		ChinPx: r(g.ChinPx), CentreOffsetPx: r(g.CentreOffsetPx), EyeTiltPx: r(g.EyeTiltPx),
	}
}
