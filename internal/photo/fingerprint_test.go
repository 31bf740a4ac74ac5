package photo_test

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo"
	"zhipai/internal/raster"
)

// TestFingerprint measures the perceptual hash on real portraits (PFCN:
// half-body portraits in similar poses, the hardest case for telling two
// photos apart): a re-encode at quality 60 plus halving must stay within
// SameFingerprint of the original; any two different portraits must
// stay far beyond it.
func TestFingerprint(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(evalDir(), "pfcn_portrait", "*.jpg"))
	if len(files) < 10 {
		t.Skip("evaluation photos not present (set ZHIPAI_EVAL_DATA)")
	}
	if len(files) > 60 {
		files = files[:60]
	}
	var prints []string
	worstSame := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			continue
		}
		img := raster.FromImage(m)
		fp := photo.Fingerprint(img)
		// What a chat app does to a photo: halve it, recompress it hard.
		half := raster.Resample(img, raster.Rect{X1: float64(img.W), Y1: float64(img.H)}, img.W/2, img.H/2, raster.Triangle)
		jb, err := jpegturbo.Encode(half, jpegturbo.EncodeOptions{Quality: 60, DPI: 72})
		if err != nil {
			t.Fatal(err)
		}
		m2, _ := jpeg.Decode(bytes.NewReader(jb))
		d := photo.FingerprintDistance(fp, photo.Fingerprint(raster.FromImage(m2)))
		worstSame = max(worstSame, d)
		if d > photo.SameFingerprint {
			t.Errorf("%s: recompressed copy %d bits away", filepath.Base(f), d)
		}
		prints = append(prints, fp)
	}
	var apart []int
	for i := range prints {
		for j := i + 1; j < len(prints); j++ {
			apart = append(apart, photo.FingerprintDistance(prints[i], prints[j]))
		}
	}
	sort.Ints(apart)
	t.Logf("%d portraits: copies within %d bits; different portraits at least %d (1st percentile %d) of 256", len(prints), worstSame, apart[0], apart[len(apart)/100])
	if apart[0] <= 4*photo.SameFingerprint {
		t.Errorf("two different portraits %d bits apart: the threshold would refuse a new photo", apart[0])
	}
	if photo.FingerprintDistance("zz", prints[0]) != 256 {
		t.Error("malformed fingerprint compared")
	}
}

func evalDir() string {
	if d := os.Getenv("ZHIPAI_EVAL_DATA"); d != "" {
		return d
	}
	return "../../../shared/data/photos"
}
