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

// BenchmarkReadIDCard times what the identity step does with a pair of
// card photos, as a phone takes them (synth.CardSnapshot), on one core:
// decode, find, check and read the front for the typed name, then the
// back. It is the card work a student costs the server.
func BenchmarkReadIDCard(b *testing.B) {
	c := readingChecker(b)
	pl, _ := setup(b)
	astro := loadPNG(b, "astronaut.png")
	type pair struct {
		p           synth.CardPerson
		front, back []byte
	}
	var pairs []pair
	for i := range 4 {
		p := synth.RandomPerson(uint64(i + 1))
		pairs = append(pairs, pair{p, cardSnap(b, true, p, astro, uint64(i+1)), cardSnap(b, false, p, nil, uint64(i+100))})
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pr := pairs[i%len(pairs)]
		for _, side := range []string{SideFront, SideBack} {
			data := pr.front
			if side == SideBack {
				data = pr.back
			}
			img, _, err := pl.Decode(data)
			if err != nil {
				b.Fatal(err)
			}
			if rep := c.CheckIDCardOf(img, side, pr.p.Name); rep.Text == nil {
				b.Fatalf("card %d %s not read: %+v", i%len(pairs), side, rep.Findings)
			}
		}
	}
}
