package raster

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestResampleKeepsFlatColour(t *testing.T) {
	t.Parallel()
	src := NewImage(37, 23)
	src.Fill(10, 200, 97)
	for _, k := range []Kernel{Box, Triangle, CatmullRom} {
		for _, size := range [][2]int{{11, 7}, {37, 23}, {90, 61}} {
			dst := Resample(src, Rect{X1: 37, Y1: 23}, size[0], size[1], k)
			for i := 0; i < len(dst.Pix); i += 3 {
				if dst.Pix[i] != 10 || dst.Pix[i+1] != 200 || dst.Pix[i+2] != 97 {
					t.Fatalf("kernel %d size %v: pixel %v", k, size, dst.Pix[i:i+3])
				}
			}
		}
	}
}

func TestResampleAveragesWhenHalving(t *testing.T) {
	t.Parallel()
	src := NewImage(4, 2)
	// Columns alternate 0 and 200: halving averages pairs to 100.
	for y := 0; y < 2; y++ {
		for x := 0; x < 4; x++ {
			v := uint8(200 * (x % 2))
			src.Set(x, y, v, v, v)
		}
	}
	dst := Resample(src, Rect{X1: 4, Y1: 2}, 2, 1, Box)
	for x := 0; x < 2; x++ {
		if r, _, _ := dst.At(x, 0); r != 100 {
			t.Errorf("x=%d: %d, want 100", x, r)
		}
	}
}

func TestResampleCropsTheRequestedRectangle(t *testing.T) {
	t.Parallel()
	src := NewImage(100, 100)
	src.Set(60, 30, 255, 255, 255)
	// The 10x10 rectangle at (55,25) mapped 1:1: the dot lands at (5,5).
	dst := Resample(src, Rect{X0: 55, Y0: 25, X1: 65, Y1: 35}, 10, 10, Triangle)
	if r, _, _ := dst.At(5, 5); r != 255 {
		t.Fatalf("dot not at (5,5): %d", r)
	}
	if r, _, _ := dst.At(4, 5); r != 0 {
		t.Fatalf("dot spread to (4,5): %d", r)
	}
}

func TestResamplePlaneHasUnitGain(t *testing.T) {
	t.Parallel()
	p := NewPlane(50, 40)
	for i := range p.Pix {
		p.Pix[i] = 0.25
	}
	q := ResamplePlane(p, Rect{X0: -3, Y0: 2, X1: 48, Y1: 30}, 200, 111, CatmullRom)
	for _, v := range q.Pix {
		if math.Abs(float64(v)-0.25) > 1e-4 {
			t.Fatalf("value %v, want 0.25", v)
		}
	}
}

func TestBoxMeanMatchesBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	p := NewPlane(31, 17)
	for i := range p.Pix {
		p.Pix[i] = rng.Float32()
	}
	for _, r := range []int{1, 3, 8, 40} {
		got := BoxMean(p, r)
		for y := 0; y < p.H; y++ {
			for x := 0; x < p.W; x++ {
				var sum float64
				n := 0
				for yy := max(0, y-r); yy <= min(p.H-1, y+r); yy++ {
					for xx := max(0, x-r); xx <= min(p.W-1, x+r); xx++ {
						sum += float64(p.Pix[yy*p.W+xx])
						n++
					}
				}
				if d := math.Abs(sum/float64(n) - float64(got.Pix[y*p.W+x])); d > 1e-4 {
					t.Fatalf("r=%d (%d,%d): off by %g", r, x, y, d)
				}
			}
		}
	}
}

func TestWarpMapsCropPixelsToSource(t *testing.T) {
	t.Parallel()
	src := NewImage(200, 200)
	for y := 0; y < 200; y++ {
		for x := 0; x < 200; x++ {
			src.Set(x, y, uint8(x), uint8(y), 0)
		}
	}
	for _, angle := range []float64{0, 0.3, -1.1} {
		sq := Square{CX: 100, CY: 90, Size: 64, Angle: angle}
		crop, toSrc := Warp(src, sq, 64)
		// Every crop pixel shows the source pixel the transform names.
		for _, p := range [][2]int{{0, 0}, {32, 32}, {63, 10}, {5, 60}} {
			sx, sy := toSrc.Apply(float64(p[0])+0.5, float64(p[1])+0.5)
			r, g, _ := crop.At(p[0], p[1])
			if math.Abs(float64(r)-(sx-0.5)) > 1.01 || math.Abs(float64(g)-(sy-0.5)) > 1.01 {
				t.Fatalf("angle %v crop %v: shows (%d,%d), transform says (%.1f,%.1f)", angle, p, r, g, sx, sy)
			}
		}
		// The crop's centre is the square's centre.
		cx, cy := toSrc.Apply(32, 32)
		if math.Abs(cx-100) > 1e-6 || math.Abs(cy-90) > 1e-6 {
			t.Fatalf("angle %v: centre maps to (%v,%v)", angle, cx, cy)
		}
		inv := toSrc.Invert()
		u, v := inv.Apply(toSrc.Apply(10, 20))
		if math.Abs(u-10) > 1e-9 || math.Abs(v-20) > 1e-9 {
			t.Fatalf("inverse round trip: (%v,%v)", u, v)
		}
	}
}

func TestWarpShrinksLargeBoxesWithoutAliasing(t *testing.T) {
	t.Parallel()
	// A fine checkerboard sampled 8:1 must come out mid-grey, not a moire.
	src := NewImage(512, 512)
	for y := 0; y < 512; y++ {
		for x := 0; x < 512; x++ {
			v := uint8(255 * ((x + y) % 2))
			src.Set(x, y, v, v, v)
		}
	}
	crop, _ := Warp(src, Square{CX: 256, CY: 256, Size: 384}, 48)
	for i := 0; i < len(crop.Pix); i += 3 {
		if crop.Pix[i] < 100 || crop.Pix[i] > 155 {
			t.Fatalf("aliased value %d", crop.Pix[i])
		}
	}
}

func TestRectIoU(t *testing.T) {
	t.Parallel()
	a := Rect{0, 0, 10, 10}
	if got := a.IoU(Rect{5, 0, 15, 10}); math.Abs(got-1.0/3) > 1e-9 {
		t.Fatalf("IoU %v", got)
	}
	if a.IoU(Rect{20, 20, 30, 30}) != 0 {
		t.Fatal("disjoint rectangles overlap")
	}
}

func TestErodeMatchesTheDefinition(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	m := NewPlane(40, 30)
	for i := range m.Pix {
		if rng.Float32() < 0.93 {
			m.Pix[i] = 1
		}
	}
	for _, r := range []int{0, 1, 2, 5} {
		got := Erode(m, r)
		for y := 0; y < m.H; y++ {
			for x := 0; x < m.W; x++ {
				want := float32(1)
				for yy := max(0, y-r); yy <= min(m.H-1, y+r); yy++ {
					for xx := max(0, x-r); xx <= min(m.W-1, x+r); xx++ {
						if m.Pix[yy*m.W+xx] != 1 {
							want = 0
						}
					}
				}
				if got.Pix[y*m.W+x] != want {
					t.Fatalf("r=%d (%d,%d): %v, want %v", r, x, y, got.Pix[y*m.W+x], want)
				}
			}
		}
	}
}

func TestHomographyMapsTheCorners(t *testing.T) {
	t.Parallel()
	src := [4][2]float64{{0, 0}, {100, 0}, {100, 60}, {0, 60}}
	dst := [4][2]float64{{12, 30}, {180, 10}, {200, 140}, {5, 120}}
	h, err := HomographyFrom(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	for i := range src {
		x, y := h.Apply(src[i][0], src[i][1])
		if math.Abs(x-dst[i][0]) > 1e-6 || math.Abs(y-dst[i][1]) > 1e-6 {
			t.Fatalf("corner %d maps to (%v,%v), want %v", i, x, y, dst[i])
		}
	}
	if _, err := HomographyFrom(src, [4][2]float64{{0, 0}, {1, 1}, {2, 2}, {3, 3}}); err == nil {
		t.Fatal("collinear corners accepted")
	}
}
