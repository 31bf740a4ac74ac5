// Package app is the composition root: it builds Zhipai's components from
// one Config and hands them to the commands and the server.
package app

import (
	"fmt"

	"zhipai/internal/config"
	"zhipai/internal/photo"
	"zhipai/internal/vision"
)

// Photo is a loaded photo pipeline and the engine under it.
type Photo struct {
	Pipeline *photo.Pipeline
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
	return &Photo{Pipeline: p, Vision: v}, nil
}

// Close releases the models.
func (p *Photo) Close() error { return p.Vision.Close() }
