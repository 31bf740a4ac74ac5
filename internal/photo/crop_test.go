package photo

import (
	"math"
	"testing"
)

// A head as the landmarks measure it in a 3000x4000 photo: crown at 900,
// eyes at 1450, chin at 1900, face 600 px wide, centred.
func head() cropInput {
	return cropInput{crown: 900, eye: 1450, chin: 1900, faceWidth: 600, centreX: 1500, frameW: 3000, frameH: 4000}
}

func TestCropMeetsEverySpecWithMargin(t *testing.T) {
	t.Parallel()
	for name, spec := range BuiltinSpecs() {
		in := head()
		// A head of the proportions the spec's middle values imply.
		in.crown = in.eye - in.faceWidth*(spec.EyeLine.Mid()-spec.Crown.Mid())/spec.FaceWidth.Mid()
		plan, err := planCrop(in, spec, 0.12, 0.04, 3)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, c := range []struct {
			what string
			r    Range
			v    float64
		}{{"crown", spec.Crown, plan.crown}, {"eye", spec.EyeLine, plan.eye}, {"face width", spec.FaceWidth, plan.faceWidth}} {
			if margin := rangeMargin(c.r, c.v); margin < 0.04 {
				t.Errorf("%s: %s %.1f only %.2f inside %s", name, c.what, c.v, margin, c.r)
			}
		}
		// Exact output size, face centred.
		if w := plan.rect.W() * plan.scale; math.Abs(w-float64(spec.Width)) > 1e-6 {
			t.Errorf("%s: crop maps to %.2f px wide", name, w)
		}
		if off := (in.centreX-plan.rect.X0)*plan.scale - float64(spec.Width)/2; math.Abs(off) > 1e-6 {
			t.Errorf("%s: face %.2f px off centre", name, off)
		}
	}
}

func TestCropRefusesWithTheReason(t *testing.T) {
	t.Parallel()
	chsi := BuiltinSpecs()["chsi"]
	cases := []struct {
		name string
		edit func(*cropInput)
		code string
	}{
		{"head at the top edge", func(c *cropInput) { c.crown, c.eye, c.chin = 30, 580, 1030 }, CodeHeadTop},
		{"cut below the chin", func(c *cropInput) { c.frameH = 2100 }, CodeShoulders},
		{"face at the side", func(c *cropInput) { c.centreX = 350 }, CodeSides},
		{"too close", func(c *cropInput) { c.crown, c.eye, c.chin, c.faceWidth, c.frameH = 40, 800, 1600, 1300, 1800 }, CodeTooClose},
		{"face too small", func(c *cropInput) { c.faceWidth, c.crown, c.eye, c.chin = 40, 1420, 1450, 1480 }, CodeFaceTooSmall},
		{"hair too tall", func(c *cropInput) { c.crown = 200 }, CodeProportions},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := head()
			c.edit(&in)
			_, err := planCrop(in, chsi, 0.12, 0.04, 3)
			if got := codeOf(err); got != c.code {
				t.Fatalf("code %q (%v), want %q", got, err, c.code)
			}
		})
	}
}

func TestCropReachesPastAnEdgeOfPlainWall(t *testing.T) {
	t.Parallel()
	chsi := BuiltinSpecs()["chsi"]
	in := head()
	in.crown, in.eye, in.chin = 60, 610, 1060 // little room above the head
	if _, err := planCrop(in, chsi, 0.12, 0.04, 3); codeOf(err) != CodeHeadTop {
		t.Fatalf("without wall above: %v", err)
	}
	in.allowTop = 300
	plan, err := planCrop(in, chsi, 0.12, 0.04, 3)
	if err != nil {
		t.Fatalf("with wall above: %v", err)
	}
	if plan.rect.Y0 >= 0 || plan.rect.Y0 < -300 {
		t.Fatalf("crop top %.1f, want above the photo by at most 300 px", plan.rect.Y0)
	}
}

func TestMaximise(t *testing.T) {
	t.Parallel()
	got := maximise(func(x float64) float64 { return -math.Abs(x - 3.7) }, -10, 10)
	if math.Abs(got-3.7) > 0.01 {
		t.Fatalf("maximum at %v", got)
	}
}
