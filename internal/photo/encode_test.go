package photo

import (
	"math/rand/v2"
	"testing"

	"zhipai/internal/raster"
)

// texture is a 480x640 photo-like image: smooth shading plus noise, so
// that its JPEG size depends on the quality as a photo's does.
func texture(noise float64) *raster.Image {
	img := raster.NewImage(480, 640)
	rng := rand.New(rand.NewPCG(3, 4))
	for y := 0; y < 640; y++ {
		for x := 0; x < 480; x++ {
			n := rng.NormFloat64() * noise
			img.Set(x, y, clampByte(120+float64(x)/8+n), clampByte(100+float64(y)/8+n), clampByte(140+n))
		}
	}
	return img
}

func clampByte(v float64) uint8 { return uint8(min(max(v, 0), 255)) }

func TestEncodeLandsInTheWindow(t *testing.T) {
	t.Parallel()
	spec := BuiltinSpecs()["chsi"]
	for _, noise := range []float64{2, 6, 10} {
		data, q, _, err := encodeForSpec(texture(noise), spec)
		if err != nil {
			t.Fatalf("noise %v: %v", noise, err)
		}
		if len(data) < 20*1024 || len(data) > 40*1024 || q < 60 {
			t.Fatalf("noise %v: %d bytes at quality %d", noise, len(data), q)
		}
		// The highest quality that fits: one step up would not.
		if q < 100 {
			st := &state{out: texture(noise), spec: spec}
			up, _, _, _ := encodeForSpec(st.out, &Spec{Name: "x", DPI: 300, MinQuality: q + 1, Quality: q + 1})
			if len(up) <= 40*1024 {
				t.Fatalf("noise %v: quality %d chosen but %d fits too (%d bytes)", noise, q, q+1, len(up))
			}
		}
	}
}

func TestEncodeRefusesAnImpossibleWindow(t *testing.T) {
	t.Parallel()
	spec := *BuiltinSpecs()["chsi"]
	spec.MaxKB = 3 // a noisy 480x640 photo cannot be 3 KB at quality 60
	if _, _, _, err := encodeForSpec(texture(20), &spec); codeOf(err) != CodeSizeWindow {
		t.Fatalf("3 KB window: %v", err)
	}
	flat := raster.NewImage(480, 640)
	flat.Fill(100, 197, 255)
	spec = *BuiltinSpecs()["chsi"]
	spec.MinKB, spec.MaxKB = 300, 400 // a flat image never reaches 300 KB
	if _, _, _, err := encodeForSpec(flat, &spec); codeOf(err) != CodeSizeWindow {
		t.Fatalf("300 KB window on a flat image: %v", err)
	}
}

func TestEncodeUsesFinerChromaToReachTheWindow(t *testing.T) {
	t.Parallel()
	spec := *BuiltinSpecs()["chsi"]
	img := texture(3)
	small, _, full, err := encodeForSpec(img, &spec)
	if err != nil || full {
		t.Fatalf("ordinary window: full chroma %v, %v", full, err)
	}
	// A window above what 4:2:0 gives at quality 100 but within 4:4:4.
	data420, _, _, _ := encodeForSpec(img, &Spec{Name: "x", DPI: 300, MinQuality: 100, Quality: 100})
	spec.MinKB, spec.MaxKB = len(data420)/1024+2, len(data420)/1024*3
	data, q, full, err := encodeForSpec(img, &spec)
	if err != nil || !full || len(data) < spec.MinKB*1024 {
		t.Fatalf("window %d-%d KB: %d bytes q%d full %v %v (4:2:0 at 100: %d, default %d)", spec.MinKB, spec.MaxKB, len(data), q, full, err, len(data420), len(small))
	}
}
