package photo_test

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo"
	"zhipai/internal/photo/synth"
	"zhipai/internal/raster"
)

// busyPhoto composites the astronaut (with the pipeline's own matte) onto
// a rendered busy background: blocks of unrelated colours, as a street or
// a shop behind the student.
func busyPhoto(t *testing.T, p *photo.Pipeline) []byte {
	data, err := os.ReadFile("../../testdata/astronaut.png")
	if err != nil {
		t.Fatal(err)
	}
	an, err := p.Analyze(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	const W, H = 1200, 1600
	bg := raster.NewImage(W, H)
	rng := rand.New(rand.NewPCG(3, 4))
	for by := 0; by < H; by += 40 {
		for bx := 0; bx < W; bx += 40 {
			r, g, b := uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256))
			for y := by; y < min(by+40, H); y++ {
				for x := bx; x < min(bx+40, W); x++ {
					bg.Set(x, y, r, g, b)
				}
			}
		}
	}
	scale := 280 / (2.3 * (an.Mesh.At(263).X - an.Mesh.At(33).X))
	pw, ph := float64(an.Image.W)*scale, float64(an.Image.H)*scale
	synth.Composite(bg, an.Image, an.Alpha, raster.Rect{X0: (W - pw) / 2, Y0: H - ph, X1: (W + pw) / 2, Y1: H}, 3, 5)
	jpg, err := jpegturbo.Encode(bg, jpegturbo.EncodeOptions{Quality: 92, DPI: 72})
	if err != nil {
		t.Fatal(err)
	}
	return jpg
}

// TestBusyBackgroundIsRefused: behind the student a busy background the
// matte cannot separate with confidence; the photo is refused with the
// background code (R16) rather than emitted with the old background
// showing, or, if produced, its wall is the spec's colour.
func TestBusyBackgroundIsRefused(t *testing.T) {
	p := testPipeline(t)
	s := spec(t, "chsi")
	res, err := p.Standardize(context.Background(), busyPhoto(t, p), s)
	if err != nil {
		if pe := photo.AsError(err); pe.Code != photo.CodeBackground {
			t.Fatalf("refused with %s (%s), want %s", pe.Code, pe.Detail, photo.CodeBackground)
		}
		return
	}
	out := res.Output
	for _, pt := range [][2]int{{5, 5}, {out.W - 6, 5}, {5, out.H / 2}, {out.W - 6, out.H / 2}} {
		r, g, b := out.At(pt[0], pt[1])
		if (photo.RGB{R: r, G: g, B: b}) != s.Background {
			t.Fatalf("produced with the old background at %v: %v", pt, photo.RGB{R: r, G: g, B: b})
		}
	}
}
