package quality

import (
	"context"
	"runtime"
	"testing"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo"
	"zhipai/internal/photo/synth"
)

// BenchmarkChecks512 times every check on a standardized 512x512 photo
// (one core): the cost the checks add to the pipeline.
func BenchmarkChecks512(b *testing.B) {
	p, c := setup(b)
	data := fixtureB(b, "astronaut.png")
	spec, _ := photo.LookupSpec("chsi")
	res, err := p.Standardize(context.Background(), data, spec)
	if err != nil {
		b.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Check(res, spec, nil)
	}
}

// BenchmarkCheckIDCard times the identity-card check on a 1600x1200 photo
// of a rendered card (one core), decoding included, as the identity step
// runs it.
func BenchmarkCheckIDCard(b *testing.B) {
	p, c := setup(b)
	astro, _, err := p.Decode(fixtureB(b, "astronaut.png"))
	if err != nil {
		b.Fatal(err)
	}
	photoJPEG, err := jpegturbo.Encode(synth.CardPhoto(synth.IDCard(true, astro, 1), [4][2]float64{{150, 140}, {1450, 160}, {1430, 990}, {170, 975}}, 1600, 1200, 0, 0, 2),
		jpegturbo.EncodeOptions{Quality: 90, DPI: 72})
	if err != nil {
		b.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		img, _, err := p.Decode(photoJPEG)
		if err != nil {
			b.Fatal(err)
		}
		if rep := c.CheckIDCard(img, SideFront); len(rep.Findings) != 0 {
			b.Fatalf("a clean card: %+v", rep.Findings)
		}
	}
}
