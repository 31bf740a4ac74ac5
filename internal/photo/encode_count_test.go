package photo

import (
	"testing"

	"zhipai/internal/jpegturbo"
)

func TestQualitySearchIsExactAndShort(t *testing.T) {
	t.Parallel()
	for _, noise := range []float64{2, 6, 12} {
		img := texture(noise)
		n := 0
		enc := func(q int, full bool) ([]byte, error) {
			n++
			return jpegturbo.Encode(img, jpegturbo.EncodeOptions{Quality: q, DPI: 300, FullChroma: full})
		}
		for _, kb := range []int{20, 40, 60, 100} {
			n = 0
			b, q, err := highestQualityUnder(enc, 60, kb*1024, false)
			if err != nil {
				t.Fatal(err)
			}
			searched := n
			// The answer is exact: q fits and q+1 does not.
			if b != nil {
				if len(b) > kb*1024 {
					t.Fatalf("quality %d: %d bytes over %d KB", q, len(b), kb)
				}
				if q < 100 {
					up, _ := enc(q+1, false)
					if len(up) <= kb*1024 {
						t.Fatalf("noise %v, %d KB: quality %d chosen but %d fits", noise, kb, q, q+1)
					}
				}
			}
			if searched > 6 {
				t.Errorf("noise %v, %d KB: %d encodes", noise, kb, searched)
			}
			t.Logf("noise %v, %d KB: quality %d in %d encodes", noise, kb, q, searched)
		}
	}
}
