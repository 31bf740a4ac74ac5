package photo

import (
	"math"
	"math/rand/v2"
	"testing"

	"zhipai/internal/raster"
)

// scene renders a dark-haired head (a disk) with a lighter face on a plain,
// slightly shaded wall, plus fine strands of hair beyond the disk, with
// 4x4 supersampling. It returns the photo, the true alpha, and the
// coarse mask a segmentation network would give (the disk without the
// strands, blurred).
func scene() (*raster.Image, *raster.Plane, *raster.Plane) {
	const w, h = 240, 300
	hair := [3]float64{0.02, 0.015, 0.01} // linear light
	skin := [3]float64{0.55, 0.3, 0.2}
	img := raster.NewImage(w, h)
	truth := raster.NewPlane(w, h)
	coarse := raster.NewPlane(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			wall := 0.62 - 0.1*float64(y)/h
			var acc [3]float64
			var cover float64
			for sy := 0; sy < 4; sy++ {
				for sx := 0; sx < 4; sx++ {
					px, py := float64(x)+(float64(sx)+0.5)/4, float64(y)+(float64(sy)+0.5)/4
					dx, dy := px-120, py-150
					r := math.Hypot(dx, dy)
					c := [3]float64{wall, wall * 0.98, wall * 0.95}
					in := r < 70
					// Strands: thin rays above the head out to radius 90.
					ang := math.Atan2(dy, dx)
					if !in && r < 90 && dy < 0 && math.Abs(math.Mod(ang*40+100, 1)-0.5) < 0.06 {
						in = true
					}
					if in {
						c = hair
						if r < 50 && dy > -20 {
							c = skin
						}
						cover++
					}
					for k := range acc {
						acc[k] += c[k]
					}
				}
			}
			for k := range acc {
				img.Pix[3*(y*w+x)+k] = uint8(math.Round(255 * linearToSRGB(acc[k]/16)))
			}
			truth.Pix[y*w+x] = float32(cover / 16)
			r := math.Hypot(float64(x)+0.5-120, float64(y)+0.5-150)
			coarse.Pix[y*w+x] = float32(1 - smoothstep(r, 64, 76))
		}
	}
	return img, truth, coarse
}

func TestMatteAndComposeLeaveNoHaloOrTint(t *testing.T) {
	t.Parallel()
	img, truth, coarse := scene()
	alpha, bg := refineMatte(img, halve(coarse), DefaultMatteConfig().scaled(140))
	spec := &Spec{Background: RGB{100, 197, 255}}
	st := &state{spec: spec, out: img.Clone(), alpha: alpha, bgLocal: bg, report: &Report{}}
	compose(st)
	out := st.out
	lut := srgbLinearLUT()
	n := [3]float32{lut[100], lut[197], lut[255]}
	// The reference: the true alpha over the new colour, in linear light.
	var sumErr, edge float64
	var worst float64
	for i, a := range truth.Pix {
		x, y := i%img.W, i/img.W
		r := math.Hypot(float64(x)+0.5-120, float64(y)+0.5-150)
		if r < 60 || r > 100 {
			continue
		}
		// Foreground colour at this pixel: hair.
		f := [3]float32{0.02, 0.015, 0.01}
		for k := 0; k < 3; k++ {
			want := 255 * linearToSRGB(float64(a*f[k]+(1-a)*n[k]))
			got := float64(out.Pix[3*i+k])
			d := math.Abs(got - want)
			sumErr += d
			worst = math.Max(worst, d)
			edge++
		}
	}
	mean := sumErr / edge
	t.Logf("edge pixels: mean error %.1f, worst %.0f (0-255)", mean, worst)
	if mean > 12 {
		t.Errorf("composite differs from the true blend by %.1f on average", mean)
	}
	// Far from the head the wall is the new colour exactly.
	for _, p := range [][2]int{{5, 5}, {230, 290}, {5, 290}} {
		i := 3 * (p[1]*img.W + p[0])
		if out.Pix[i] != 100 || out.Pix[i+1] != 197 || out.Pix[i+2] != 255 {
			t.Errorf("wall at %v is %v", p, out.Pix[i:i+3])
		}
	}
	// Inside the face the photo is untouched.
	if i := 3 * (160*img.W + 120); out.Pix[i] != img.Pix[i] || out.Pix[i+1] != img.Pix[i+1] {
		t.Errorf("face changed: %v -> %v", img.Pix[i:i+3], out.Pix[i:i+3])
	}
	// No tint: an edge pixel is never bluer than the new background nor a
	// saturated blue darker than it (what a hair strand with a too-low alpha
	// turns into).
	for i := range truth.Pix {
		r, g, b := float64(out.Pix[3*i]), float64(out.Pix[3*i+1]), float64(out.Pix[3*i+2])
		if b-r > 160 && g < 150 {
			t.Fatalf("tinted fringe at (%d,%d): %v,%v,%v", i%img.W, i/img.W, r, g, b)
		}
	}
	if bg.wallNoise > 2 || bg.knownShare < 0.3 {
		t.Errorf("a plain wall read as noise %.2f, known-background share %.2f", bg.wallNoise, bg.knownShare)
	}
}

func TestMatteKeepsTheCertainRegions(t *testing.T) {
	t.Parallel()
	img, _, coarse := scene()
	alpha, _ := refineMatte(img, halve(coarse), DefaultMatteConfig().scaled(140))
	if a := alpha.Pix[150*img.W+120]; a != 1 {
		t.Errorf("centre alpha %v", a)
	}
	if a := alpha.Pix[10*img.W+10]; a != 0 {
		t.Errorf("corner alpha %v", a)
	}
	// The strands, which the coarse mask missed, are partly recovered.
	var strands float64
	for y := 62; y < 75; y++ {
		for x := 100; x < 140; x++ {
			strands += float64(alpha.Pix[y*img.W+x])
		}
	}
	if strands < 5 {
		t.Errorf("strand alpha sum %.1f: the fine hair above the head is lost", strands)
	}
}

// halve gives the coarse mask at the half resolution refineMatte takes.
func halve(p *raster.Plane) *raster.Plane {
	return raster.ResamplePlane(p, raster.Rect{X1: float64(p.W), Y1: float64(p.H)}, (p.W+1)/2, (p.H+1)/2, raster.Box)
}

// TestEdgeWallNoiseTellsBusyFromPlain: the same head on the plain wall of
// scene() and on a textured one (foliage, a street: blocks of unrelated
// colours): the wall's spread along the edge, what the R16 refusal reads,
// is far below the pipeline's limit on the first and above it on the
// second. (Saturated blocks: a street of shop signs, a poster wall.)
func TestEdgeWallNoiseTellsBusyFromPlain(t *testing.T) {
	t.Parallel()
	img, truth, coarse := scene()
	limit := DefaultConfig().MaxEdgeWallNoise
	c := DefaultMatteConfig().scaled(140)
	_, plain := refineMatte(img, halve(coarse), c)
	busy := img.Clone()
	rng := rand.New(rand.NewPCG(1, 2))
	for by := 0; by < busy.H; by += 6 {
		for bx := 0; bx < busy.W; bx += 6 {
			col := [3]uint8{uint8(255 * rng.IntN(2)), uint8(255 * rng.IntN(2)), uint8(255 * rng.IntN(2))}
			for y := by; y < min(by+6, busy.H); y++ {
				for x := bx; x < min(bx+6, busy.W); x++ {
					i := y*busy.W + x
					a := truth.Pix[i]
					for k := 0; k < 3; k++ {
						v := float32(img.Pix[3*i+k])*a + float32(col[k])*(1-a)
						busy.Pix[3*i+k] = uint8(v + 0.5)
					}
				}
			}
		}
	}
	_, textured := refineMatte(busy, halve(coarse), c)
	t.Logf("edge wall noise: plain %.1f, textured %.1f (limit %.0f)", plain.edgeNoise, textured.edgeNoise, limit)
	if plain.edgeNoise > limit/3 {
		t.Errorf("a plain wall measures %.1f along the edge, limit %.0f", plain.edgeNoise, limit)
	}
	if textured.edgeNoise <= limit {
		t.Errorf("a textured wall measures %.1f along the edge, not above the limit %.0f", textured.edgeNoise, limit)
	}
}
