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
	"zhipai/internal/ocr"
	"zhipai/internal/photo"
	"zhipai/internal/vision"
)

// Checker runs the checks. It is safe for concurrent use.
type Checker struct {
	cfg    Config
	vision *vision.Engine
	ocr    *ocr.Reader // reads the identity card; nil: not read
}

// ReadCards has the identity-card check read the card's text with r.
func (c *Checker) ReadCards(r *ocr.Reader) { c.ocr = r }

// New builds a checker on a loaded vision engine (the identity-document
// check looks for the portrait on the card). The photo checks read only the
// pipeline's result, which carries its analysis also for a refused photo.
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
	return measure(res, spec)
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
	m := measure(res, spec)
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
	case pe.Code == photo.CodeManyFaces, pe.Code == photo.CodeBackground:
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
