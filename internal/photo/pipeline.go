// Package photo turns a student's phone photo into the ID photo a spec
// asks for: decode, find the face, separate the person from the wall,
// crop by the head's geometry, replace the background, encode into the
// spec's size window. It is a list of steps (one file each) over a shared
// state; every measurement goes into the Report. It touches neither the
// database nor the web: bytes and a spec in, bytes and a report out.
package photo

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// Config holds the pipeline's tunable numbers.
type Config struct {
	// MaxBytes and MaxPixels refuse decompression bombs before decoding.
	MaxBytes  int64
	MaxPixels int64
	// MaxDecodeBytes bounds the memory a decode may take, judged from the
	// header before any pixel is decoded: PNG and WebP are decoded at full
	// size, so a 7000x7000 16-bit PNG of a few hundred kilobytes would ask
	// for 400 MB (JPEG is decoded scaled down and stays far below).
	MaxDecodeBytes int64
	// MaxScans and DecodeTimeout bound a decode's work: a progressive JPEG
	// of thousands of scans takes a minute of CPU in libjpeg, and any
	// decode past the deadline is stopped where it is.
	MaxScans      int
	DecodeTimeout time.Duration
	// MinInputSide refuses thumbnails.
	MinInputSide int
	// WorkLongSide is the long side a JPEG is decoded at (by DCT scaling)
	// when the photo is larger; the crop is decoded again at full size when
	// it needs the pixels.
	WorkLongSide int
	// MaxUpscale is the largest enlargement from input to output pixels.
	MaxUpscale float64
	// OtherFaceRatio: a second face at least this wide relative to the
	// main one makes the photo a group photo.
	OtherFaceRatio float64
	// MinMeshScore is the landmark network's face-presence probability a
	// face needs.
	MinMeshScore float32
	// CropMargin keeps the crop's measurements this share of each spec
	// range away from the range's ends, so that a re-measurement of the
	// output stays inside; MinCropMargin is the least it accepts (a photo
	// that allows no crop with that margin is refused, the best margin it
	// allows in the detail). 0.1: for 学信网 6 px of the crown's range, 10 of
	// the eye line's, 12 of the face width's, what another detector's
	// re-measurement moved by on held-out outputs.
	CropMargin    float64
	MinCropMargin float64
	// MinMatteConfidence is the least share of the person's edge that is
	// matted against a plain wall of a distinct colour (known-background
	// matting) for the output to be emitted; below it the photo is refused
	// with CodeBackground (R16). Calibrated on pfcn_portrait (person masks):
	// the produced photos with more than 2% leftover background nearly all
	// fall below 0.1.
	MinMatteConfidence float64
	// MaxEdgeWallNoise is the most the wall may vary along the person's
	// edge (the mean local spread of its linear colour, 0-255 scale, a
	// spot with no wall nearby counting as 255) for the output to be
	// emitted. Where it varies more (trees, a street, a window behind the
	// student) the segmenter's edge itself is in doubt, and no refinement
	// against the wall can repair it. Calibrated on pfcn_portrait: every
	// produced photo with more than 2% leftover background measures 76 or
	// more, every one with less measures 48 or less.
	MaxEdgeWallNoise float64
	Matte            MatteConfig
}

// DefaultConfig returns the settings used unless configured otherwise.
func DefaultConfig() Config {
	return Config{
		MaxBytes:           30 << 20,
		MaxPixels:          50_000_000,
		MaxDecodeBytes:     256 << 20,
		MaxScans:           100,
		DecodeTimeout:      10 * time.Second,
		MinInputSide:       128,
		WorkLongSide:       2000,
		MaxUpscale:         3,
		OtherFaceRatio:     0.6,
		MinMeshScore:       0.5,
		CropMargin:         0.12,
		MinCropMargin:      0.1,
		MinMatteConfidence: 0.1,
		MaxEdgeWallNoise:   65,
		Matte:              DefaultMatteConfig(),
	}
}

// Validate rejects settings that cannot work.
func (c Config) Validate() error {
	switch {
	case c.MaxBytes <= 0 || c.MaxPixels <= 0:
		return fmt.Errorf("photo: limits must be positive")
	case c.WorkLongSide < 256:
		return fmt.Errorf("photo: WorkLongSide %d below 256", c.WorkLongSide)
	case c.MaxUpscale < 1:
		return fmt.Errorf("photo: MaxUpscale %v below 1", c.MaxUpscale)
	case c.OtherFaceRatio <= 0 || c.OtherFaceRatio > 1:
		return fmt.Errorf("photo: OtherFaceRatio %v outside (0,1]", c.OtherFaceRatio)
	case c.CropMargin < 0 || c.CropMargin >= 0.5 || c.MinCropMargin < 0 || c.MinCropMargin > c.CropMargin:
		return fmt.Errorf("photo: CropMargin %v, MinCropMargin %v", c.CropMargin, c.MinCropMargin)
	case c.MaxEdgeWallNoise <= 0:
		return fmt.Errorf("photo: MaxEdgeWallNoise %v must be positive (0 would refuse every photo)", c.MaxEdgeWallNoise)
	}
	return c.Matte.Validate()
}

// Pipeline standardizes photos. It is safe for concurrent use.
type Pipeline struct {
	cfg    Config
	vision *vision.Engine
}

// New builds a pipeline on a loaded vision engine.
func New(cfg Config, v *vision.Engine) (*Pipeline, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("photo: no vision engine")
	}
	return &Pipeline{cfg: cfg, vision: v}, nil
}

// Result is a standardized photo, or what was learnt of a refused one.
type Result struct {
	JPEG   []byte
	Report *Report
	// Images and measurements for inspection (contact sheets, the
	// compliance checks); nil where the pipeline stopped before making
	// them. A photo refused while the face and the person were being
	// analysed still carries that analysis, completed for the checks
	// (see completeAnalysis).
	Work   *raster.Image // the decoded photo (possibly reduced)
	Scale  float64       // Work pixels per input pixel
	Output *raster.Image // the composed photo before JPEG encoding
	Alpha  *raster.Plane // the person's matte at output size
	Mesh   *vision.Mesh  // landmarks in input pixels
	// Irises are the subject's right and left iris, in input pixels.
	Irises [2]*vision.Iris
	// Pose is the head's pose: the report's, or, for a photo refused
	// before the report got one, the completed analysis's.
	Pose *vision.Pose
	// Faces are all faces found (input pixels), the student's first.
	Faces []vision.Face
	// Mask is the person mask over MaskRegion (input pixels) of the
	// original photo, before the background was replaced.
	Mask       *raster.Plane
	MaskRegion raster.Rect
}

// state is what the steps share.
type state struct {
	spec   *Spec
	input  []byte
	report *Report

	dec *decoded
	// detected reports that the detector ran; workFaces are its faces in
	// decoded pixels, faces the same in input pixels.
	detected  bool
	workFaces []vision.Face
	faces     []vision.Face
	face      vision.Face // the student's
	mesh      *vision.Mesh
	irises    [2]*vision.Iris // in input pixels
	pose      *vision.Pose
	meas      measures
	seg       *segmentation
	crop      *cropPlan
	out       *raster.Image // resampled crop, then composed
	alpha     *raster.Plane
	bgLocal   *background
	jpeg      []byte
}

type step struct {
	name string
	run  func(*state) error
}

func (p *Pipeline) steps() []step {
	return []step{
		{"decode", p.decodeStep},
		{"detect", p.detectStep},
		{"landmarks", p.landmarkStep},
		{"segment", p.segmentStep},
		{"crop", p.cropStep},
		{"matte", p.matteStep},
		{"compose", p.composeStep},
		{"verify", p.verifyStep},
		{"encode", p.encodeStep},
	}
}

// Standardize runs every step. On refusal the error is a *Error and the
// result still carries the report of what was measured and the analysis
// of the face and the person (completed when the refusal came before it
// was whole), so the compliance checks never run the models again.
func (p *Pipeline) Standardize(ctx context.Context, data []byte, spec *Spec) (res *Result, err error) {
	start := time.Now()
	st := &state{
		spec:   spec,
		input:  data,
		report: &Report{Input: InputReport{Bytes: len(data)}, TimingsMS: map[string]float64{}, Findings: []Finding{}},
	}
	res = &Result{Report: st.report}
	if spec == nil {
		return res, fail(CodeSpec, nil, "no spec")
	}
	st.report.Spec = spec.Name
	if err := spec.Validate(); err != nil {
		return res, fail(CodeSpec, err, "")
	}
	defer func() {
		// A bug must cost one photo, never the process.
		if r := recover(); r != nil {
			err = fail(CodeInternal, fmt.Errorf("panic: %v", r), "%s", debug.Stack())
		}
		if _, ok := st.report.TimingsMS["total"]; !ok {
			st.report.TimingsMS["total"] = ms(time.Since(start))
		}
		p.fillResult(st, res)
		if err != nil {
			pe := AsError(err)
			err = pe
			st.report.Error = &ErrorReport{Code: pe.Code, Message: pe.Message, Detail: pe.Detail}
		}
	}()
	for _, s := range p.steps() {
		if err := ctx.Err(); err != nil {
			return res, fail(CodeCancelled, err, "")
		}
		t := time.Now()
		err := s.run(st)
		st.report.TimingsMS[s.name] = ms(time.Since(t))
		if err != nil {
			// "total" is the steps' time, up to the refusal; completing the
			// analysis for the checks is timed on its own.
			st.report.TimingsMS["total"] = ms(time.Since(start))
			t = time.Now()
			if p.completeAnalysis(ctx, st, s.name) {
				st.report.TimingsMS["salvage"] = ms(time.Since(t))
			}
			return res, err
		}
	}
	return res, nil
}

func (p *Pipeline) fillResult(st *state, res *Result) {
	res.JPEG = st.jpeg
	res.Output = st.out
	res.Alpha = st.alpha
	res.Mesh = st.mesh
	res.Irises = st.irises
	res.Pose = st.pose
	res.Faces = st.faces
	if st.seg != nil {
		res.Mask, res.MaskRegion = st.seg.mask, st.seg.region
	}
	if st.dec != nil {
		res.Work, res.Scale = st.dec.img, st.dec.scale
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
