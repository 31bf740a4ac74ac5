package photo

import (
	"math"

	"zhipai/internal/vision"
)

// measures are the head measurements in input pixels.
type measures struct {
	rightEye, leftEye vision.Point
	eyeY              float64 // the eye line at the face's centre
	faceWidth         float64
	centreX           float64
	chinY, foreheadY  float64
	pose              vision.Pose
}

// landmarkStep places the face mesh and the irises, measures the head and
// estimates its pose.
func (p *Pipeline) landmarkStep(st *state) error {
	d := st.dec
	// The networks run on the decoded image; the face is in input pixels.
	f := st.face
	f.Box = f.Box.Scale(d.scale)
	for k := range f.Keypoints {
		f.Keypoints[k] = vision.Point{X: f.Keypoints[k].X * d.scale, Y: f.Keypoints[k].Y * d.scale}
	}
	mesh, err := p.vision.FaceMesh(d.img, f)
	if err != nil {
		return fail(CodeInternal, err, "mesh")
	}
	if mesh.Score < p.cfg.MinMeshScore {
		return fail(CodeNoFace, nil, "mesh score %.2f", mesh.Score)
	}
	right, left, err := p.vision.Irises(d.img, mesh)
	if err != nil {
		return fail(CodeInternal, err, "iris")
	}
	pose := p.vision.HeadPose(mesh)
	// Back to input pixels.
	inv := 1 / d.scale
	mapLandmarks(mesh, []*vision.Iris{right, left}, func(v float64) float64 { return v * inv })
	st.mesh, st.irises = mesh, [2]*vision.Iris{right, left}

	// The mesh must lie inside the photo: a face cut by the frame cannot
	// be measured.
	b := mesh.Bounds()
	fw := math.Hypot(mesh.At(vision.MeshLeftCheek).X-mesh.At(vision.MeshRightCheek).X, mesh.At(vision.MeshLeftCheek).Y-mesh.At(vision.MeshRightCheek).Y)
	tol := 0.03 * fw
	if b.X0 < -tol || b.Y0 < -tol || b.X1 > float64(d.width)+tol || b.Y1 > float64(d.height)+tol {
		return fail(CodeFaceCut, nil, "mesh %v", b)
	}

	// Eye centres: the iris centre where the Iris network agrees with the
	// mesh's eye contour, the contour's centre otherwise.
	cr, cl := mesh.EyeCentres()
	re, le := right.Centre, left.Centre
	source := "iris"
	eyeW := math.Hypot(mesh.At(vision.MeshRightEyeOuter).X-mesh.At(vision.MeshRightEyeInner).X, mesh.At(vision.MeshRightEyeOuter).Y-mesh.At(vision.MeshRightEyeInner).Y)
	if dist(re, cr) > 0.35*eyeW || dist(le, cl) > 0.35*eyeW {
		re, le, source = cr, cl, "contour"
	}
	rc, lc := mesh.At(vision.MeshRightCheek), mesh.At(vision.MeshLeftCheek)
	m := measures{
		rightEye:  re,
		leftEye:   le,
		faceWidth: fw,
		// The face's centre line runs between the eyes: the pupils are the
		// most precisely located points of a face, the cheek contour the
		// least.
		centreX:   (re.X + le.X) / 2,
		chinY:     mesh.At(vision.MeshChin).Y,
		foreheadY: mesh.At(vision.MeshForehead).Y,
		pose:      pose,
	}
	// The eye line's height where it crosses the face's centre line.
	if dx := le.X - re.X; math.Abs(dx) > 1e-6 {
		m.eyeY = re.Y + (le.Y-re.Y)*(m.centreX-re.X)/dx
	} else {
		m.eyeY = (re.Y + le.Y) / 2
	}
	st.meas = m
	st.pose = &pose
	st.report.Pose = st.pose
	st.report.Landmarks = &Landmarks{
		RightEye: re, LeftEye: le, EyeSource: source,
		Forehead: mesh.At(vision.MeshForehead), Chin: mesh.At(vision.MeshChin),
		RightCheek: rc, LeftCheek: lc, NoseTip: mesh.At(vision.MeshNoseTip),
		MeshScore: mesh.Score, IrisRadius: (right.Radius() + left.Radius()) / 2,
	}
	return nil
}

func dist(a, b vision.Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// mapLandmarks applies f to every coordinate of a mesh and its irises
// (from the decoded image's pixels back to the input's).
func mapLandmarks(mesh *vision.Mesh, irises []*vision.Iris, f func(float64) float64) {
	for i := range mesh.Points {
		p := &mesh.Points[i]
		p.X, p.Y, p.Z = f(p.X), f(p.Y), f(p.Z)
	}
	pt := func(q vision.Point) vision.Point { return vision.Point{X: f(q.X), Y: f(q.Y)} }
	for _, ir := range irises {
		ir.Centre = pt(ir.Centre)
		for j := range ir.Edge {
			ir.Edge[j] = pt(ir.Edge[j])
		}
		for j := range ir.Contour {
			ir.Contour[j] = pt(ir.Contour[j])
		}
	}
}
