package photo_test

import (
	"context"
	"os"
	"runtime"
	"testing"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo"
	"zhipai/internal/photo/synth"
	"zhipai/internal/raster"
)

// The benchmarks time the whole pipeline on one core; `zhipai photo bench`
// reports the same per stage.

func BenchmarkStandardize512(b *testing.B) {
	p := testPipeline(b)
	data, err := os.ReadFile("../../testdata/astronaut.png")
	if err != nil {
		b.Fatal(err)
	}
	an, err := p.Analyze(context.Background(), data)
	if err != nil {
		b.Fatal(err)
	}
	jpg, err := jpegturbo.Encode(an.Image, jpegturbo.EncodeOptions{Quality: 92, DPI: 72})
	if err != nil {
		b.Fatal(err)
	}
	benchStandardize(b, p, jpg)
}

func BenchmarkStandardize12MP(b *testing.B) {
	p := testPipeline(b)
	benchStandardize(b, p, phonePhoto(b, p))
}

func benchStandardize(b *testing.B, p *photo.Pipeline, data []byte) {
	spec, _ := photo.LookupSpec("chsi")
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Standardize(context.Background(), data, spec); err != nil {
			b.Fatal(err)
		}
	}
}

// phonePhoto makes the 12 MP white-wall photo as `zhipai photo bench` does.
func phonePhoto(tb testing.TB, p *photo.Pipeline) []byte {
	data, err := os.ReadFile("../../testdata/astronaut.png")
	if err != nil {
		tb.Fatal(err)
	}
	an, err := p.Analyze(context.Background(), data)
	if err != nil {
		tb.Fatal(err)
	}
	const W, H = 3024, 4032
	wall := synth.Wall(W, H, 7)
	scale := 700 / (2.3 * (an.Mesh.At(263).X - an.Mesh.At(33).X))
	pw, ph := float64(an.Image.W)*scale, float64(an.Image.H)*scale
	synth.Composite(wall, an.Image, an.Alpha, raster.Rect{X0: (W - pw) / 2, Y0: H - ph, X1: (W + pw) / 2, Y1: H}, 4, 11)
	jpg, err := jpegturbo.Encode(synth.Rotate(wall, 6), jpegturbo.EncodeOptions{Quality: 95, DPI: 72})
	if err != nil {
		tb.Fatal(err)
	}
	return synth.WithEXIFOrientation(jpg, 6)
}
