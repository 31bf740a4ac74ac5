package vision

import (
	"image"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"sync"
	"testing"

	"zhipai/internal/raster"
)

var shared struct {
	once sync.Once
	e    *Engine
	err  error
}

// engine loads the models once for all tests of the package.
func engine(t *testing.T) *Engine {
	t.Helper()
	shared.once.Do(func() { shared.e, shared.err = New(Config{}) })
	if shared.err != nil {
		t.Fatalf("load models: %v (run `make setup` first)", shared.err)
	}
	return shared.e
}

func load(t *testing.T, name string) *raster.Image {
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

func mirror(img *raster.Image) *raster.Image {
	out := raster.NewImage(img.W, img.H)
	for y := 0; y < img.H; y++ {
		for x := 0; x < img.W; x++ {
			r, g, b := img.At(img.W-1-x, y)
			out.Set(x, y, r, g, b)
		}
	}
	return out
}

// The astronaut's face, measured by hand on testdata/astronaut.png: eyes at
// about (204,101) and (247,103), chin near y=176.
var astronautFace = raster.Rect{X0: 168, Y0: 60, X1: 283, Y1: 185}

func TestDetectFindsTheOneFace(t *testing.T) {
	e := engine(t)
	for _, name := range []string{"astronaut.png", "hopper.jpg"} {
		faces, err := e.DetectFaces(load(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(faces) != 1 {
			t.Fatalf("%s: %d faces", name, len(faces))
		}
		f := faces[0]
		if f.Score < 0.7 {
			t.Errorf("%s: score %.2f", name, f.Score)
		}
		if re, le := f.Keypoints[KeyRightEye], f.Keypoints[KeyLeftEye]; re.X >= le.X {
			t.Errorf("%s: subject's right eye (%v) should be left of the left eye (%v) in the photo", name, re, le)
		}
		if name == "astronaut.png" && f.Box.IoU(astronautFace) < 0.5 {
			t.Errorf("astronaut box %v far from %v", f.Box, astronautFace)
		}
	}
}

func TestDetectFindsNoFaceInAWall(t *testing.T) {
	e := engine(t)
	wall := raster.NewImage(640, 480)
	wall.Fill(230, 228, 225)
	faces, err := e.DetectFaces(wall)
	if err != nil {
		t.Fatal(err)
	}
	if len(faces) != 0 {
		t.Fatalf("%d faces on a blank wall", len(faces))
	}
}

func TestDetectTightCrop(t *testing.T) {
	e := engine(t)
	img := load(t, "astronaut.png")
	// The face alone, cut at the hairline and chin.
	crop := raster.Resample(img, raster.Rect{X0: 180, Y0: 75, X1: 272, Y1: 180}, 92, 105, raster.Box)
	faces, err := e.DetectFaces(crop)
	if err != nil {
		t.Fatal(err)
	}
	if len(faces) == 0 {
		t.Fatal("no face in a tight crop")
	}
}

func TestMeshLandsOnTheFace(t *testing.T) {
	e := engine(t)
	img := load(t, "astronaut.png")
	faces, _ := e.DetectFaces(img)
	m, err := e.FaceMesh(img, faces[0])
	if err != nil {
		t.Fatal(err)
	}
	if m.Score < 0.9 {
		t.Fatalf("mesh score %.2f", m.Score)
	}
	re, le := m.EyeCentres()
	if math.Abs(re.X-204) > 6 || math.Abs(re.Y-101) > 6 || math.Abs(le.X-247) > 6 || math.Abs(le.Y-103) > 6 {
		t.Errorf("eye centres %v %v, expected near (204,101) (247,103)", re, le)
	}
	if chin := m.At(MeshChin); math.Abs(chin.Y-176) > 8 {
		t.Errorf("chin at %v", chin)
	}
	right, left, err := e.Irises(img, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ iris, eye Point }{{right.Centre, re}, {left.Centre, le}} {
		if math.Hypot(p.iris.X-p.eye.X, p.iris.Y-p.eye.Y) > 4 {
			t.Errorf("iris centre %v far from eye centre %v", p.iris, p.eye)
		}
	}
	if r := right.Radius(); r < 2.5 || r > 7 {
		t.Errorf("iris radius %.1f px for a face about 100 px wide", r)
	}
}

func TestPoseOfAFrontalFaceAndItsMirror(t *testing.T) {
	e := engine(t)
	img := load(t, "astronaut.png")
	pose := func(img *raster.Image) Pose {
		faces, _ := e.DetectFaces(img)
		m, err := e.FaceMesh(img, faces[0])
		if err != nil {
			t.Fatal(err)
		}
		return e.HeadPose(m)
	}
	p, q := pose(img), pose(mirror(img))
	for _, v := range []float64{p.Yaw, p.Pitch, p.Roll} {
		if math.Abs(v) > 12 {
			t.Fatalf("frontal face reads %+v", p)
		}
	}
	// Mirroring turns yaw and roll around and keeps pitch (the network is
	// not exactly mirror-symmetric: a degree or two of slack).
	if math.Abs(p.Yaw+q.Yaw) > 2.5 || math.Abs(p.Roll+q.Roll) > 2.5 || math.Abs(p.Pitch-q.Pitch) > 2.5 {
		t.Fatalf("pose %+v, mirrored %+v", p, q)
	}
	if p.Roll*q.Roll >= 0 {
		t.Fatalf("roll %.1f kept its sign in the mirror (%.1f)", p.Roll, q.Roll)
	}
}

func TestPoseFollowsARotation(t *testing.T) {
	e := engine(t)
	img := load(t, "astronaut.png")
	faces, _ := e.DetectFaces(img)
	base, _ := e.FaceMesh(img, faces[0])
	// Turn the photo by 15 degrees: the roll must change by 15.
	rot, _ := raster.Warp(img, raster.Square{CX: 225, CY: 130, Size: 300, Angle: 15 * math.Pi / 180}, 300)
	rf, _ := e.DetectFaces(rot)
	if len(rf) == 0 {
		t.Fatal("no face after rotation")
	}
	rm, err := e.FaceMesh(rot, rf[0])
	if err != nil {
		t.Fatal(err)
	}
	d := e.HeadPose(rm).Roll - e.HeadPose(base).Roll
	if math.Abs(math.Abs(d)-15) > 2 {
		t.Fatalf("roll changed by %.1f, want 15", d)
	}
}

func TestHornRecoversARotation(t *testing.T) {
	t.Parallel()
	// A known rotation about an oblique axis.
	ax := [3]float64{0.3, -0.8, 0.52}
	n := math.Sqrt(ax[0]*ax[0] + ax[1]*ax[1] + ax[2]*ax[2])
	th := 0.4
	s, c := math.Sin(th/2), math.Cos(th/2)
	w, x, y, z := c, s*ax[0]/n, s*ax[1]/n, s*ax[2]/n
	r := [3][3]float64{
		{w*w + x*x - y*y - z*z, 2 * (x*y - w*z), 2 * (x*z + w*y)},
		{2 * (x*y + w*z), w*w - x*x + y*y - z*z, 2 * (y*z - w*x)},
		{2 * (x*z - w*y), 2 * (y*z + w*x), w*w - x*x - y*y + z*z},
	}
	pts := [][3]float64{{1, 0, 0}, {0, 2, 0}, {0, 0, 3}, {1, 1, -1}, {-2, 0.5, 1}}
	var mp, mq [3]float64
	qs := make([][3]float64, len(pts))
	for i, p := range pts {
		for a := 0; a < 3; a++ {
			for b := 0; b < 3; b++ {
				qs[i][a] += r[a][b] * p[b]
			}
			mp[a] += p[a] / float64(len(pts))
			mq[a] += qs[i][a] / float64(len(pts))
		}
	}
	var cov [3][3]float64
	for i, p := range pts {
		for a := 0; a < 3; a++ {
			for b := 0; b < 3; b++ {
				cov[a][b] += (p[a] - mp[a]) * (qs[i][b] - mq[b])
			}
		}
	}
	got := hornRotation(cov)
	for a := 0; a < 3; a++ {
		for b := 0; b < 3; b++ {
			if math.Abs(got[a][b]-r[a][b]) > 1e-9 {
				t.Fatalf("rotation %v, want %v", got, r)
			}
		}
	}
}

func TestSegmentSeparatesPersonFromBackground(t *testing.T) {
	e := engine(t)
	img := load(t, "astronaut.png")
	full := raster.Rect{X1: float64(img.W), Y1: float64(img.H)}
	mask, err := e.Segment(img, full)
	if err != nil {
		t.Fatal(err)
	}
	at := func(x, y float64) float32 { return mask.Bilinear(x/float64(img.W)*256, y/float64(img.H)*256) }
	if v := at(225, 130); v < 0.9 {
		t.Errorf("face reads %.2f", v)
	}
	if v := at(225, 40); v < 0.9 {
		t.Errorf("hair reads %.2f", v)
	}
	if v := at(440, 60); v > 0.1 {
		t.Errorf("background right of the head reads %.2f", v)
	}
}

func TestAnchorsAndNMS(t *testing.T) {
	t.Parallel()
	if n := len(ssdAnchors(backSize, []int{16, 32, 32, 32})); n != 896 {
		t.Fatalf("back anchors %d", n)
	}
	if n := len(ssdAnchors(frontSize, []int{8, 16, 16, 16})); n != 896 {
		t.Fatalf("front anchors %d", n)
	}
	faces := weightedNMS([]Face{
		{Box: raster.Rect{X0: 0, Y0: 0, X1: 10, Y1: 10}, Score: 0.9},
		{Box: raster.Rect{X0: 1, Y0: 1, X1: 11, Y1: 11}, Score: 0.6},
		{Box: raster.Rect{X0: 50, Y0: 50, X1: 60, Y1: 60}, Score: 0.7},
	}, 0.3)
	if len(faces) != 2 {
		t.Fatalf("%d faces after NMS, want 2", len(faces))
	}
	if x := faces[0].Box.X0; x <= 0 || x >= 1 {
		t.Fatalf("merged box starts at %v, want the score-weighted mean of 0 and 1", x)
	}
}

func TestMissingLibrary(t *testing.T) {
	t.Parallel()
	if _, err := FindLibrary("/nonexistent/libonnxruntime.so.1"); err == nil {
		t.Fatal("missing explicit library accepted")
	}
	if err := (Config{MinFaceScore: 1.5}).Validate(); err == nil {
		t.Fatal("score above 1 accepted")
	}
}
