package photo

import (
	"context"

	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// completeAnalysis runs, after a refusal in one of the analysing steps,
// what the compliance checks read and the steps did not reach: the steps
// stop at their first gate, but the checks still have something to say
// about a thumbnail, a group photo or a head cut by the frame (its
// sharpness, light, expression). Without the gates, it places the mesh,
// irises and pose on the first detected face and segments the person over
// the whole photo, reusing what the steps found so that no model runs
// twice on the same input. A photo whose mesh cannot be placed gets
// neither. The report stays as the refusal left it: what is found goes
// into the Result only. It reports whether it ran a model.
func (p *Pipeline) completeAnalysis(ctx context.Context, st *state, refusedAt string) bool {
	if st.dec == nil || ctx.Err() != nil {
		return false
	}
	switch refusedAt {
	case "detect":
		// Refused before the mesh (too small, several faces, a face cut
		// by the frame).
		ran := !st.detected || len(st.workFaces) > 0
		if !p.completeLandmarks(st) {
			return ran
		}
	case "landmarks":
		// With a mesh the face was cut by the frame; without one the mesh
		// did not believe in the face, and neither would a second try.
		if st.mesh == nil {
			return false
		}
	case "segment":
		// The head reaches past the segmented region: the steps' mask is
		// not the person's.
	default:
		return false
	}
	p.completeMask(st)
	return true
}

// completeLandmarks places the mesh and the irises on the first detected
// face (running the detector if the steps refused before it) and measures
// the pose; it reports whether the mesh found a face.
func (p *Pipeline) completeLandmarks(st *state) bool {
	d := st.dec
	work, faces := st.workFaces, st.faces
	if !st.detected {
		var err error
		if work, faces, err = p.detectFaces(d); err != nil {
			return false
		}
	}
	if len(work) == 0 {
		return false
	}
	mesh, err := p.vision.FaceMesh(d.img, work[0])
	if err != nil || mesh.Score < p.cfg.MinMeshScore {
		return false
	}
	right, left, err := p.vision.Irises(d.img, mesh)
	if err != nil {
		return false
	}
	pose := p.vision.HeadPose(mesh)
	// Back to input pixels.
	// (Divided, not multiplied by the inverse as the pipeline does: the
	// checks measured these landmarks so before, to the last bit.)
	s := d.scale
	mapLandmarks(mesh, []*vision.Iris{right, left}, func(v float64) float64 { return v / s })
	st.mesh, st.irises, st.pose, st.faces = mesh, [2]*vision.Iris{right, left}, &pose, faces
	return true
}

// completeMask segments the person over the whole decoded photo.
func (p *Pipeline) completeMask(st *state) {
	d := st.dec
	full := raster.Rect{X1: float64(d.img.W), Y1: float64(d.img.H)}
	mask, err := p.vision.Segment(d.img, full)
	if err != nil {
		return
	}
	st.seg = &segmentation{region: full.Scale(1 / d.scale), mask: mask}
}
