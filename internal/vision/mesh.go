package vision

import (
	"math"

	"zhipai/internal/raster"
)

const meshSize = 192

// Point3 is a mesh vertex: x, y in photo pixels, z depth in the same scale
// (negative is towards the camera).
type Point3 struct{ X, Y, Z float64 }

// Mesh is FaceMesh's 468 landmarks of one face.
type Mesh struct {
	Points [468]Point3
	// Score is the network's face-presence probability for the crop.
	Score float32
}

// FaceMesh landmark indexes Zhipai measures with (MediaPipe's topology).
const (
	MeshForehead       = 10  // top of the forehead at the hairline's centre
	MeshChin           = 152 // bottom of the chin
	MeshNoseTip        = 1
	MeshRightCheek     = 234 // face contour, subject's right, at cheekbone level
	MeshLeftCheek      = 454
	MeshRightEyeOuter  = 33
	MeshRightEyeInner  = 133
	MeshLeftEyeInner   = 362
	MeshLeftEyeOuter   = 263
	MeshRightEyeTop    = 159
	MeshRightEyeBottom = 145
	MeshLeftEyeTop     = 386
	MeshLeftEyeBottom  = 374
	MeshMouthRight     = 61
	MeshMouthLeft      = 291
	MeshUpperLipInner  = 13
	MeshLowerLipInner  = 14
)

// Eye contours (16 points each), for eye centres.
var (
	rightEyeContour = [...]int{33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246}
	leftEyeContour  = [...]int{263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466}
)

// EyeCentres returns the centres of the subject's right and left eye (the
// mean of each eye's contour).
func (m *Mesh) EyeCentres() (right, left Point) {
	mean := func(idx []int) Point {
		var p Point
		for _, i := range idx {
			p.X += m.Points[i].X
			p.Y += m.Points[i].Y
		}
		return Point{p.X / float64(len(idx)), p.Y / float64(len(idx))}
	}
	return mean(rightEyeContour[:]), mean(leftEyeContour[:])
}

// At returns a landmark's image position.
func (m *Mesh) At(i int) Point { return Point{m.Points[i].X, m.Points[i].Y} }

// Bounds is the landmarks' bounding box.
func (m *Mesh) Bounds() raster.Rect {
	r := raster.Rect{X0: math.Inf(1), Y0: math.Inf(1), X1: math.Inf(-1), Y1: math.Inf(-1)}
	for _, p := range m.Points {
		r.X0, r.Y0 = min(r.X0, p.X), min(r.Y0, p.Y)
		r.X1, r.Y1 = max(r.X1, p.X), max(r.Y1, p.Y)
	}
	return r
}

// FaceMesh places the 468 landmarks on a detected face. It runs the network
// twice, as MediaPipe's tracker does between frames: first on the crop the
// detection suggests, then on the crop the first landmarks suggest, which
// is tighter and better aligned.
func (e *Engine) FaceMesh(img *raster.Image, f Face) (*Mesh, error) {
	re, le := f.Keypoints[KeyRightEye], f.Keypoints[KeyLeftEye]
	roi := raster.Square{
		CX:    f.Box.CX(),
		CY:    f.Box.CY(),
		Size:  max(f.Box.W(), f.Box.H()) * 1.5,
		Angle: math.Atan2(-(le.Y - re.Y), le.X-re.X),
	}
	m, err := e.meshOnce(img, roi)
	if err != nil {
		return nil, err
	}
	return e.meshOnce(img, meshROI(m))
}

// meshROI is MediaPipe's landmarks-to-ROI: the landmarks' box in the frame
// of the outer eye corners, enlarged 1.5 times.
func meshROI(m *Mesh) raster.Square {
	a, b := m.At(MeshRightEyeOuter), m.At(MeshLeftEyeOuter)
	angle := math.Atan2(-(b.Y - a.Y), b.X-a.X)
	cos, sin := math.Cos(angle), math.Sin(angle)
	// Rotate into the face frame: u along the eye line, v down the face.
	lo := [2]float64{math.Inf(1), math.Inf(1)}
	hi := [2]float64{math.Inf(-1), math.Inf(-1)}
	for _, p := range m.Points {
		u := p.X*cos - p.Y*sin
		v := p.X*sin + p.Y*cos
		lo[0], lo[1] = min(lo[0], u), min(lo[1], v)
		hi[0], hi[1] = max(hi[0], u), max(hi[1], v)
	}
	cu, cv := (lo[0]+hi[0])/2, (lo[1]+hi[1])/2
	return raster.Square{
		CX:    cu*cos + cv*sin,
		CY:    -cu*sin + cv*cos,
		Size:  max(hi[0]-lo[0], hi[1]-lo[1]) * 1.5,
		Angle: angle,
	}
}

func (e *Engine) meshOnce(img *raster.Image, roi raster.Square) (*Mesh, error) {
	crop, toSrc := raster.Warp(img, roi, meshSize)
	tensor := make([]float32, len(crop.Pix))
	for i, v := range crop.Pix {
		tensor[i] = float32(v) / 255
	}
	out, err := e.mesh.run(tensor)
	if err != nil {
		return nil, err
	}
	m := &Mesh{Score: out[1][0]}
	zScale := roi.Size / meshSize
	for i := range m.Points {
		x, y := toSrc.Apply(float64(out[0][3*i]), float64(out[0][3*i+1]))
		m.Points[i] = Point3{x, y, float64(out[0][3*i+2]) * zScale}
	}
	return m, nil
}
