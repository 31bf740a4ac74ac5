package photo_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"zhipai/internal/eval"
	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo"
	"zhipai/internal/photo/synth"
	"zhipai/internal/raster"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func spec(t *testing.T, name string) *photo.Spec {
	t.Helper()
	s, err := photo.LookupSpec(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkOutput measures the output from its bytes alone (eval.CheckOutput:
// Go's decoder, a fresh detection) against the spec.
func checkOutput(t *testing.T, p *photo.Pipeline, res *photo.Result, s *photo.Spec) {
	t.Helper()
	c := eval.CheckOutput(vision(p), res.JPEG, s)
	if !c.Pass() {
		t.Fatalf("output outside %s: %v", s.Name, c.Failures)
	}
	g := res.Report.Geometry.Out
	if !s.Crown.Contains(g.CrownPx) || !s.EyeLine.Contains(g.EyeLinePx) || !s.FaceWidth.Contains(g.FaceWidthPx) {
		t.Fatalf("report geometry %+v outside %s", g, s.Name)
	}
}

func TestStandardizeAstronautToEverySpec(t *testing.T) {
	p := testPipeline(t)
	data := fixture(t, "astronaut.png")
	for _, name := range []string{"chsi", "xueji-blue", "xueji-white", "2inch"} {
		s := spec(t, name)
		res, err := p.Standardize(context.Background(), data, s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkOutput(t, p, res, s)
		r := res.Report
		if r.Output.Width != s.Width || r.Output.DPI != s.DPI || r.Background.Output != s.Background {
			t.Fatalf("%s: report %+v %+v", name, r.Output, r.Background)
		}
		for _, step := range []string{"decode", "detect", "landmarks", "segment", "crop", "matte", "compose", "verify", "encode", "total"} {
			if _, ok := r.TimingsMS[step]; !ok {
				t.Fatalf("%s: no timing for %s", name, step)
			}
		}
		if r.Landmarks == nil || r.Pose == nil || len(r.Faces) != 1 || r.Findings == nil {
			t.Fatalf("%s: report incomplete: %+v", name, r)
		}
	}
}

func TestStandardizeWebP(t *testing.T) {
	p := testPipeline(t)
	s := spec(t, "chsi")
	res, err := p.Standardize(context.Background(), fixture(t, "astronaut.webp"), s)
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, p, res, s)
}

func TestStandardizePhonePhoto(t *testing.T) {
	p := testPipeline(t)
	s := spec(t, "chsi")
	data := phonePhoto(t, p)
	res, err := p.Standardize(context.Background(), data, s)
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, p, res, s)
	in := res.Report.Input
	if in.Width != 3024 || in.Height != 4032 || in.Orientation != 6 || in.DecodeScale >= 1 {
		t.Fatalf("input read as %+v", in)
	}
	// A plain wall: the background is matted against its colour.
	if bg := res.Report.Background; bg.WallNoise > 6 || bg.KnownBackgroundShare < 0.3 {
		t.Fatalf("wall read as %+v", bg)
	}
}

func TestStandardizeRefusesWithReasons(t *testing.T) {
	p := testPipeline(t)
	s := spec(t, "chsi")
	// The astronaut cut off just under the chin: no shoulders.
	astro := fixture(t, "astronaut.png")
	an, err := p.Analyze(context.Background(), astro)
	if err != nil {
		t.Fatal(err)
	}
	noShoulders, _ := jpegturbo.Encode(raster.Resample(an.Image, raster.Rect{X0: 100, Y0: 0, X1: 350, Y1: 200}, 250, 200, raster.Box), jpegturbo.EncodeOptions{Quality: 90, DPI: 72})
	wall := synth.Wall(800, 600, 3)
	blank, _ := jpegturbo.Encode(wall, jpegturbo.EncodeOptions{Quality: 90, DPI: 72})
	// Two people side by side.
	pair := raster.NewImage(1024, 512)
	for y := 0; y < 512; y++ {
		for x := 0; x < 1024; x++ {
			r, g, b := an.Image.At(x%512, y)
			pair.Set(x, y, r, g, b)
		}
	}
	two, _ := jpegturbo.Encode(pair, jpegturbo.EncodeOptions{Quality: 90, DPI: 72})
	small, _ := jpegturbo.Encode(raster.Resample(an.Image, raster.Rect{X1: 512, Y1: 512}, 100, 100, raster.Box), jpegturbo.EncodeOptions{Quality: 90, DPI: 72})
	cases := []struct {
		name string
		data []byte
		code string
	}{
		{"hat touching the top edge", fixture(t, "hopper.jpg"), photo.CodeHeadCut},
		{"no shoulders", noShoulders, photo.CodeShoulders},
		{"blank wall", blank, photo.CodeNoFace},
		{"two people", two, photo.CodeManyFaces},
		{"thumbnail", small, photo.CodeTooSmall},
		{"heic", append([]byte{0, 0, 0, 24}, []byte("ftypheic\x00\x00\x00\x00mif1heic")...), photo.CodeHEIC},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := p.Standardize(context.Background(), c.data, s)
			var pe *photo.Error
			if !errors.As(err, &pe) || pe.Code != c.code {
				t.Fatalf("error %v, want code %s", err, c.code)
			}
			if res.JPEG != nil {
				t.Fatal("a refused photo produced an output")
			}
			if res.Report.Error == nil || res.Report.Error.Code != c.code || res.Report.Error.Message == "" {
				t.Fatalf("report error %+v", res.Report.Error)
			}
		})
	}
}

func TestStandardizeStopsWhenCancelled(t *testing.T) {
	p := testPipeline(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Standardize(ctx, fixture(t, "astronaut.png"), spec(t, "chsi"))
	if pe := photo.AsError(err); pe == nil || pe.Code != photo.CodeCancelled {
		t.Fatalf("cancelled run: %v", err)
	}
	if _, err := p.Standardize(context.Background(), fixture(t, "astronaut.png"), nil); photo.AsError(err).Code != photo.CodeSpec {
		t.Fatalf("no spec: %v", err)
	}
}

func FuzzStandardize(f *testing.F) {
	for _, name := range []string{"astronaut.webp", "hopper.jpg"} {
		b, err := os.ReadFile("../../testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:len(b)/3])
		f.Add(b)
	}
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8X"))
	s := photo.BuiltinSpecs()["chsi"]
	f.Fuzz(func(t *testing.T, data []byte) {
		p := testPipeline(t)
		res, err := p.Standardize(context.Background(), data, s)
		if err != nil {
			if pe := photo.AsError(err); pe.Code == photo.CodeInternal {
				t.Fatalf("internal error (a bug): %v", err)
			}
			return
		}
		if res.JPEG == nil {
			t.Fatal("no output and no error")
		}
	})
}
