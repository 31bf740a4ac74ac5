package photo

import (
	"slices"

	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// detectStep finds the faces and keeps the dominant one. A second face of
// comparable size makes a group photo; smaller faces (people far behind)
// stay in the report for the background check.
func (p *Pipeline) detectStep(st *state) error {
	d := st.dec
	st.report.Input.Format = d.format
	st.report.Input.Width, st.report.Input.Height = d.width, d.height
	st.report.Input.Orientation = d.orientation
	st.report.Input.ICCProfile = d.profile
	st.report.Input.FocalLength35mm = d.exif.FocalLength35mm
	st.report.Input.Software = d.exif.Software
	st.report.Input.DecodeScale = d.scale
	if min(d.width, d.height) < p.cfg.MinInputSide {
		return fail(CodeTooSmall, nil, "%dx%d", d.width, d.height)
	}

	work, faces, err := p.detectFaces(d)
	if err != nil {
		return fail(CodeInternal, err, "detect")
	}
	for _, f := range faces {
		st.report.Faces = append(st.report.Faces, FaceReport{Box: f.Box, Score: f.Score})
	}
	st.detected, st.workFaces, st.faces = true, work, faces
	if len(faces) == 0 {
		return fail(CodeNoFace, nil, "")
	}
	main := faces[0]
	for _, f := range faces[1:] {
		if f.Box.W() >= p.cfg.OtherFaceRatio*main.Box.W() {
			return fail(CodeManyFaces, nil, "%d faces", len(faces))
		}
	}
	// A face box reaching well past the frame means part of the face is
	// outside the photo.
	frame := raster.Rect{X1: float64(d.width), Y1: float64(d.height)}
	tol := 0.08 * main.Box.W()
	b := main.Box
	if b.X0 < frame.X0-tol || b.Y0 < frame.Y0-tol || b.X1 > frame.X1+tol || b.Y1 > frame.Y1+tol {
		return fail(CodeFaceCut, nil, "face box %v in %v", b, frame)
	}
	st.face = main
	return nil
}

// detectFaces runs the detector on the decoded image and returns its faces
// in decoded pixels (where the mesh runs) and in input pixels.
func (p *Pipeline) detectFaces(d *decoded) (work, input []vision.Face, err error) {
	work, err = p.vision.DetectFaces(d.img)
	if err != nil {
		return nil, nil, err
	}
	input = slices.Clone(work)
	inv := 1 / d.scale
	for i := range input {
		input[i].Box = input[i].Box.Scale(inv)
		for k := range input[i].Keypoints {
			input[i].Keypoints[k] = vision.Point{X: input[i].Keypoints[k].X * inv, Y: input[i].Keypoints[k].Y * inv}
		}
	}
	return work, input, nil
}
