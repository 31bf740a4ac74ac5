package engine

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"runtime"
	"testing"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo"
	"zhipai/internal/photo/synth"
	"zhipai/internal/raster"
)

// BenchmarkFaceComparison is the cost of one comparison as an upload's job
// pays it, on one core: the card photo decoded, the card found and its
// portrait cut out, a face found and described on both sides.
func BenchmarkFaceComparison(b *testing.B) {
	e, err := Open(Config{Slots: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	raw, err := os.ReadFile("../../testdata/astronaut.png")
	if err != nil {
		b.Fatal(err)
	}
	m, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	astro := raster.FromImage(m)
	card, err := synth.IDCardText(true, astro, synth.RandomPerson(1), 1)
	if err != nil {
		b.Fatal(err)
	}
	front, err := jpegturbo.Encode(synth.CardPhoto(card, [4][2]float64{{150, 140}, {1450, 160}, {1430, 990}, {170, 975}}, 1600, 1200, 0, 0, 9),
		jpegturbo.EncodeOptions{Quality: 90, DPI: 72})
	if err != nil {
		b.Fatal(err)
	}
	spec, _ := photo.LookupSpec("chsi")
	res, err := e.Standardize(context.Background(), raw, spec)
	if err != nil {
		b.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b.ResetTimer()
	for b.Loop() {
		if m := e.compareFaces(front, res.Output); !m.Compared || m.Similarity < 0.5 {
			b.Fatalf("the astronaut against her own card: %+v", m)
		}
	}
}
