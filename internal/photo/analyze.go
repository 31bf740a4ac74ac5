package photo

import (
	"context"

	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// Analysis is the first half of the pipeline applied to a whole photo: the
// face, its landmarks, and the person's matte over the decoded image. The
// evaluation scores it against labelled masks; the compliance checks read
// it.
type Analysis struct {
	Image  *raster.Image // decoded, upright, sRGB
	Scale  float64       // Image pixels per input pixel
	Face   vision.Face   // in input pixels
	Mesh   *vision.Mesh  // in input pixels
	Pose   vision.Pose
	Alpha  *raster.Plane // matte over Image
	Coarse *raster.Plane // the network's mask over Image, before refinement
	CrownY float64       // in input pixels
	// Region is the part of the photo (input pixels) the segmentation saw;
	// outside it the matte is wall by construction.
	Region raster.Rect
	Report *Report
}

// Decode reads a photo as the pipeline does (limits, orientation, colour)
// and returns it with its scale (decoded pixels per input pixel).
func (p *Pipeline) Decode(data []byte) (*raster.Image, float64, error) {
	st := &state{input: data, report: &Report{TimingsMS: map[string]float64{}}}
	if err := p.decodeStep(st); err != nil {
		return nil, 0, err
	}
	return st.dec.img, st.dec.scale, nil
}

// Analyze runs decode, detect, landmarks and segment, then refines the mask
// over the whole decoded photo (not just a crop).
func (p *Pipeline) Analyze(ctx context.Context, data []byte) (*Analysis, error) {
	st := &state{
		spec:   &Spec{Name: "analysis"},
		input:  data,
		report: &Report{Input: InputReport{Bytes: len(data)}, TimingsMS: map[string]float64{}, Findings: []Finding{}},
	}
	for _, s := range p.steps()[:4] {
		if err := ctx.Err(); err != nil {
			return nil, fail(CodeCancelled, err, "")
		}
		if err := s.run(st); err != nil {
			return nil, err
		}
	}
	d, seg := st.dec, st.seg
	img := d.img
	// The mask over the whole image: the segmentation region's mask placed
	// at its position, wall elsewhere.
	coarse := raster.NewPlane(img.W, img.H)
	for y := 0; y < img.H; y++ {
		iy := (float64(y) + 0.5) / d.scale
		if iy < seg.region.Y0 || iy >= seg.region.Y1 {
			continue
		}
		for x := 0; x < img.W; x++ {
			ix := (float64(x) + 0.5) / d.scale
			if ix < seg.region.X0 || ix >= seg.region.X1 {
				continue
			}
			mx, my := seg.toMask(ix, iy)
			coarse.Pix[y*img.W+x] = seg.mask.Bilinear(mx, my)
		}
	}
	half := raster.ResamplePlane(coarse, raster.Rect{X1: float64(img.W), Y1: float64(img.H)}, (img.W+1)/2, (img.H+1)/2, raster.Box)
	alpha, _ := refineMatte(img, half, p.cfg.Matte.scaled(st.meas.faceWidth*d.scale))
	return &Analysis{
		Image: img, Scale: d.scale, Face: st.face, Mesh: st.mesh, Pose: st.meas.pose,
		Alpha: alpha, Coarse: coarse, CrownY: seg.crownY, Region: seg.region, Report: st.report,
	}, nil
}
