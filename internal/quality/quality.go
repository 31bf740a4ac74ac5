// Package quality runs the compliance checks of the photo guide on the
// standardization engine's result: every rule students are given (light,
// pose, expression, glasses, accessories, clothes, background, retouching,
// distance) becomes a measurement with a threshold, a stable code, the
// review reason it suggests, a severity, and a message in Chinese that
// says what to change. It also checks the photos of identity documents.
package quality

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"zhipai/internal/domain"
	"zhipai/internal/photo"
	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// Checker runs the checks. It is safe for concurrent use.
type Checker struct {
	cfg    Config
	vision *vision.Engine
}

// New builds a checker on a loaded vision engine (used when the engine
// refused a photo before measuring its face, to measure it anyway).
func New(cfg Config, v *vision.Engine) (*Checker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("quality: no vision engine")
	}
	return &Checker{cfg: cfg, vision: v}, nil
}

// Measure returns every raw measurement the checks use, by name (for the
// evaluation and for calibration).
func (c *Checker) Measure(res *photo.Result, spec *photo.Spec) map[string]float64 {
	return measure(c.complete(res), spec)
}

// complete fills in the face, landmarks and mask of a result the
// standardizer refused before measuring them (a face cut by the frame, a
// thumbnail): the checks still have something to say about such a photo.
// The result itself is not changed.
func (c *Checker) complete(res *photo.Result) *photo.Result {
	if res == nil || res.Work == nil || (res.Mesh != nil && res.Irises[0] != nil && res.Mask != nil) {
		return res
	}
	out := *res
	rep := *res.Report
	out.Report = &rep
	s := res.Scale
	if out.Mesh == nil {
		faces, err := c.vision.DetectFaces(res.Work)
		if err != nil || len(faces) == 0 {
			return res
		}
		mesh, err := c.vision.FaceMesh(res.Work, faces[0])
		if err != nil || mesh.Score < 0.5 {
			return res
		}
		right, left, err := c.vision.Irises(res.Work, mesh)
		if err != nil {
			return res
		}
		pose := c.vision.HeadPose(mesh)
		rep.Pose = &pose
		toInput := func(p vision.Point) vision.Point { return vision.Point{X: p.X / s, Y: p.Y / s} }
		for i := range mesh.Points {
			mesh.Points[i].X /= s
			mesh.Points[i].Y /= s
			mesh.Points[i].Z /= s
		}
		for _, ir := range []*vision.Iris{right, left} {
			ir.Centre = toInput(ir.Centre)
			for j := range ir.Edge {
				ir.Edge[j] = toInput(ir.Edge[j])
			}
			for j := range ir.Contour {
				ir.Contour[j] = toInput(ir.Contour[j])
			}
		}
		for i := range faces {
			faces[i].Box = faces[i].Box.Scale(1 / s)
		}
		out.Mesh, out.Irises, out.Faces = mesh, [2]*vision.Iris{right, left}, faces
	}
	if out.Mask == nil {
		full := raster.Rect{X1: float64(res.Work.W), Y1: float64(res.Work.H)}
		mask, err := c.vision.Segment(res.Work, full)
		if err == nil {
			out.Mask, out.MaskRegion = mask, full.Scale(1/s)
		}
	}
	return &out
}

// Check returns the findings for a standardization result and the
// engine's error (nil when the photo was produced): the refusal itself, if
// any, and every check that can be measured. Blocking findings come first.
func (c *Checker) Check(res *photo.Result, spec *photo.Spec, engineErr error) []photo.Finding {
	fs, _ := c.CheckMeasured(res, spec, engineErr)
	return fs
}

// CheckMeasured is Check that also returns the measurements (by the name
// each check's Measure gives), for the evaluation.
func (c *Checker) CheckMeasured(res *photo.Result, spec *photo.Spec, engineErr error) ([]photo.Finding, map[string]float64) {
	var out []photo.Finding
	if engineErr != nil {
		out = append(out, refusalFinding(engineErr))
	}
	m := measure(c.complete(res), spec)
	for _, r := range rules() {
		v, ok := m[r.measure]
		if !ok || (r.when != nil && !r.when(m, spec)) {
			continue
		}
		t := c.cfg.Thresholds[r.code]
		f := photo.Finding{Code: r.code, Reason: r.reason, Value: round3(v), Message: r.message}
		switch {
		case fires(v, t.Block, r.above):
			f.Severity, f.Threshold = domain.SeverityBlock, t.Block
		case fires(v, t.Warn, r.above) && r.info:
			f.Severity, f.Threshold = domain.SeverityInfo, t.Warn
		case fires(v, t.Warn, r.above):
			f.Severity, f.Threshold = domain.SeverityWarn, t.Warn
		default:
			continue
		}
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return severityRank(out[i].Severity) < severityRank(out[j].Severity) })
	return out, m
}

// Blocking reports whether any finding stops submission.
func Blocking(fs []photo.Finding) bool {
	for _, f := range fs {
		if f.Severity == domain.SeverityBlock {
			return true
		}
	}
	return false
}

func severityRank(s domain.Severity) int {
	switch s {
	case domain.SeverityBlock:
		return 0
	case domain.SeverityWarn:
		return 1
	}
	return 2
}

// refusalFinding turns the standardizer's refusal into a blocking finding
// with the reason a reviewer would give.
func refusalFinding(err error) photo.Finding {
	pe := photo.AsError(err)
	reason := domain.ReasonOther
	switch {
	case pe.Code == photo.CodeTooSmall:
		reason = domain.ReasonBlur
	case pe.Code == photo.CodeManyFaces:
		reason = domain.ReasonBackground
	case pe.Code == photo.CodeFaceCut, pe.Code == photo.CodeHeadCut, pe.Code == photo.CodeGeometryMissing,
		strings.HasPrefix(pe.Code, "crop."):
		reason = domain.ReasonGeometry
	}
	return photo.Finding{Code: pe.Code, Reason: reason, Severity: domain.SeverityBlock, Message: pe.Message}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// CodeInfo describes one check.
type CodeInfo struct {
	Code    string
	Reason  domain.Reason
	Message string
	// Measure names the measurement the check reads.
	Measure string
}

// Codes lists every check.
func Codes() []CodeInfo {
	var out []CodeInfo
	for _, r := range rules() {
		out = append(out, CodeInfo{Code: r.code, Reason: r.reason, Message: r.message, Measure: r.measure})
	}
	return out
}
