// Package app is the composition root: it builds Zhipai's components from
// one Config and hands them to the commands and the server.
package app

import (
	"context"
	"fmt"

	"zhipai/internal/config"
	"zhipai/internal/photo"
	"zhipai/internal/quality"
	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// Photo is a loaded photo pipeline, its compliance checks and the engine
// under both.
type Photo struct {
	Pipeline *photo.Pipeline
	Checker  *quality.Checker
	Vision   *vision.Engine
}

// OpenPhoto loads the models once and builds the pipeline on them.
func OpenPhoto(c config.Config) (*Photo, error) {
	v, err := vision.New(vision.Config{LibraryPath: c.ONNXRuntimeLib})
	if err != nil {
		return nil, err
	}
	p, err := photo.New(photo.DefaultConfig(), v)
	if err != nil {
		v.Close()
		return nil, fmt.Errorf("app: photo pipeline: %w", err)
	}
	checker, err := quality.New(quality.DefaultConfig(), v)
	if err != nil {
		v.Close()
		return nil, fmt.Errorf("app: checks: %w", err)
	}
	return &Photo{Pipeline: p, Checker: checker, Vision: v}, nil
}

// Close releases the models.
func (p *Photo) Close() error { return p.Vision.Close() }

// Standardize runs the standardization and the compliance checks; the
// report carries the findings (also for a refused photo: its refusal and
// whatever could still be measured).
func (p *Photo) Standardize(ctx context.Context, data []byte, spec *photo.Spec) (*photo.Result, error) {
	res, err := p.Pipeline.Standardize(ctx, data, spec)
	if ctx.Err() == nil {
		res.Report.Findings = p.Checker.Check(res, spec, err)
	}
	return res, err
}

// Decode reads a photo as the pipeline does.
func (p *Photo) Decode(data []byte) (*raster.Image, float64, error) { return p.Pipeline.Decode(data) }

// CheckIDCard checks a photo of an identity card.
func (p *Photo) CheckIDCard(img *raster.Image, side string) *quality.CardReport {
	return p.Checker.CheckIDCard(img, side)
}
