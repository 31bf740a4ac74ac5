package quality

import (
	"context"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"zhipai/internal/domain"
	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo"
	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

var shared struct {
	once sync.Once
	p    *photo.Pipeline
	c    *Checker
	v    *vision.Engine
	err  error
}

func setup(t testing.TB) (*photo.Pipeline, *Checker) {
	t.Helper()
	shared.once.Do(func() {
		shared.v, shared.err = vision.New(vision.Config{})
		if shared.err != nil {
			return
		}
		shared.p, shared.err = photo.New(photo.DefaultConfig(), shared.v)
		if shared.err == nil {
			shared.c, shared.err = New(DefaultConfig(), shared.v)
		}
	})
	if shared.err != nil {
		t.Fatalf("load models: %v (run `make setup` first)", shared.err)
	}
	return shared.p, shared.c
}

// evalData is where the labelled photos are: ../shared/data/photos beside
// the repository, or ZHIPAI_EVAL_DATA.
func evalData() string {
	if d := os.Getenv("ZHIPAI_EVAL_DATA"); d != "" {
		return d
	}
	return "../../../shared/data/photos"
}

// realPhoto reads a labelled photo; the test is skipped without the data
// set (CI has it beside the repository).
func realPhoto(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(evalData(), rel))
	if os.IsNotExist(err) {
		t.Skipf("%s: evaluation photos not present (set ZHIPAI_EVAL_DATA)", rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixture(t *testing.T, name string) []byte { return fixtureB(t, name) }

func fixtureB(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeImage(t *testing.T, data []byte) *raster.Image {
	t.Helper()
	p, _ := setup(t)
	img, _, err := p.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func jpegOf(t *testing.T, img *raster.Image) []byte {
	t.Helper()
	b, err := jpegturbo.Encode(img, jpegturbo.EncodeOptions{Quality: 95, DPI: 72})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// check standardizes to chsi and runs the checks.
func check(t *testing.T, data []byte) ([]photo.Finding, map[string]float64) {
	t.Helper()
	p, c := setup(t)
	spec, _ := photo.LookupSpec("chsi")
	res, err := p.Standardize(context.Background(), data, spec)
	return c.CheckMeasured(res, spec, err)
}

func fired(fs []photo.Finding, code string) *photo.Finding {
	for i := range fs {
		if fs[i].Code == code {
			return &fs[i]
		}
	}
	return nil
}

// expect asserts that a check fires (at least at the given severity) on
// the positive photo and stays silent on the negative one.
func expect(t *testing.T, code string, positive, negative []byte, atLeast domain.Severity) {
	t.Helper()
	fs, m := check(t, positive)
	f := fired(fs, code)
	if f == nil {
		t.Errorf("%s did not fire on the positive example (measures %v)", code, m)
	} else if atLeast == domain.SeverityBlock && f.Severity != domain.SeverityBlock {
		t.Errorf("%s fired as %s, want block (value %v)", code, f.Severity, f.Value)
	} else if f.Message == "" || !f.Reason.Valid() {
		t.Errorf("%s: finding without message or reason: %+v", code, f)
	}
	if negative != nil {
		fs, m = check(t, negative)
		if f := fired(fs, code); f != nil {
			t.Errorf("%s fired on the negative example: %+v (measures %v)", code, f, m)
		}
	}
}

// astronaut returns the public-domain portrait and its landmarks.
func astronaut(t *testing.T) (*raster.Image, *vision.Mesh) {
	t.Helper()
	p, _ := setup(t)
	an, err := p.Analyze(context.Background(), fixture(t, "astronaut.png"))
	if err != nil {
		t.Fatal(err)
	}
	return an.Image.Clone(), an.Mesh
}

func loadPNG(t testing.TB, name string) *raster.Image {
	t.Helper()
	f, err := os.Open("../../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return raster.FromImage(m)
}

// paintEllipse fills an ellipse (centre, radii) with a colour, mixed by a.
func paintEllipse(img *raster.Image, cx, cy, rx, ry float64, r, g, b uint8, a float64) {
	for y := int(cy - ry); y <= int(cy+ry); y++ {
		for x := int(cx - rx); x <= int(cx+rx); x++ {
			if x < 0 || y < 0 || x >= img.W || y >= img.H {
				continue
			}
			if math.Hypot((float64(x)-cx)/rx, (float64(y)-cy)/ry) > 1 {
				continue
			}
			or, og, ob := img.At(x, y)
			mix := func(o, n uint8) uint8 { return uint8(float64(o)*(1-a) + float64(n)*a) }
			img.Set(x, y, mix(or, r), mix(og, g), mix(ob, b))
		}
	}
}

// pixelsIn lists image pixels inside a polygon through mesh points.
func pixelsIn(img *raster.Image, m *vision.Mesh, idx []int) []int {
	poly := make([]vision.Point, len(idx))
	for k, i := range idx {
		poly[k] = m.At(i)
	}
	return fillPolygon(poly, img.W, img.H)
}

func pointOf(p [2]float64) vision.Point { return vision.Point{X: p[0], Y: p[1]} }
