package vision

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"zhipai/models"
)

// Config tunes the engine. The zero value is usable.
type Config struct {
	// LibraryPath is libonnxruntime.so.1; empty means FindLibrary's search.
	LibraryPath string
	// Threads is ONNX Runtime's intra-op thread count per network call.
	// One keeps a photo on one core; the server runs photos in parallel.
	Threads int
	// MinFaceScore is the BlazeFace confidence a face must reach.
	MinFaceScore float32
	// NMSOverlap is the overlap above which two detections are one face.
	NMSOverlap float64
	// PitchOffset (degrees) is added to the fitted pitch so that a face
	// looking straight into the camera reads 0. The canonical-face fit reads
	// frontal faces slightly chin-down: -0.9 on average over the 22 frontal
	// photos of the Yale faces, -3.5 over the 29 frontal, frontally lit
	// ones of Extended Yale B (`make eval` data); 2.2 centres them. Zero
	// means the default; use a tiny value to disable.
	PitchOffset float64
}

// Defaults fills unset fields.
func (c Config) withDefaults() Config {
	if c.Threads <= 0 {
		c.Threads = 1
	}
	if c.MinFaceScore == 0 {
		c.MinFaceScore = 0.5
	}
	if c.NMSOverlap == 0 {
		c.NMSOverlap = 0.3
	}
	if c.PitchOffset == 0 {
		c.PitchOffset = 2.2
	}
	return c
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.MinFaceScore <= 0 || c.MinFaceScore >= 1 {
		return fmt.Errorf("vision: MinFaceScore %v outside (0,1)", c.MinFaceScore)
	}
	if c.Threads > 64 {
		return fmt.Errorf("vision: %d threads", c.Threads)
	}
	return nil
}

// Engine holds the loaded networks. It is safe for concurrent use.
type Engine struct {
	cfg       Config
	detBack   *session
	detFront  *session
	mesh      *session
	iris      *session
	segment   *session
	embed     *session
	canonical canonicalFace
	// SSD anchors of the two detectors, laid out once.
	backAnchors, frontAnchors []anchor
	// LoadTime is how long New took: the models are loaded once.
	LoadTime time.Duration
}

// New loads every network; it is the only slow call.
func New(cfg Config) (*Engine, error) {
	start := time.Now()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	lib, err := FindLibrary(cfg.LibraryPath)
	if err != nil {
		return nil, err
	}
	if err := acquireEnv(lib); err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:          cfg,
		backAnchors:  ssdAnchors(backSize, []int{16, 32, 32, 32}),
		frontAnchors: ssdAnchors(frontSize, []int{8, 16, 16, 16}),
	}
	if err := e.load(); err != nil {
		e.Close()
		return nil, err
	}
	e.LoadTime = time.Since(start)
	return e, nil
}

func (e *Engine) load() error {
	read := func(name string) ([]byte, error) {
		b, err := models.Files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("vision: embedded model %s: %w", name, err)
		}
		return b, nil
	}
	type spec struct {
		dst      **session
		file     string
		input    string
		inShape  []int64
		outputs  []string
		outShape [][]int64
	}
	detOut := []string{"Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0"}
	detShapes := [][]int64{{1, 512, 1}, {1, 384, 1}, {1, 512, 16}, {1, 384, 16}}
	specs := []spec{
		{&e.detBack, "blazeface_back.onnx", "input:0", []int64{1, backSize, backSize, 3}, detOut, detShapes},
		{&e.detFront, "blazeface_front.onnx", "input:0", []int64{1, frontSize, frontSize, 3}, detOut, detShapes},
		{&e.mesh, "facemesh.onnx", "input", []int64{1, meshSize, meshSize, 3}, []string{"mesh", "faceflag"}, [][]int64{{1, 1404}, {1, 1}}},
		{&e.iris, "iris.onnx", "input", []int64{2, irisSize, irisSize, 3}, []string{"landmarks"}, [][]int64{{2, 1, 1, 228}}},
		{&e.segment, "selfie.onnx", "input", []int64{1, segSize, segSize, 3}, []string{"mask"}, [][]int64{{1, segSize, segSize, 1}}},
		{&e.embed, "facerec.onnx", "input", []int64{1, embedSize, embedSize, 3}, []string{"descriptor"}, [][]int64{{1, EmbeddingDims}}},
	}
	for _, s := range specs {
		data, err := read(s.file)
		if err != nil {
			return err
		}
		sess, err := newSession(s.file, data, e.cfg.Threads, s.input, s.inShape, s.outputs, s.outShape)
		if err != nil {
			return err
		}
		*s.dst = sess
	}
	geom, err := read("face_geometry.json")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(geom, &e.canonical); err != nil {
		return fmt.Errorf("vision: face geometry: %w", err)
	}
	return e.canonical.prepare()
}

// Close releases the networks and, with the last engine, ONNX Runtime.
func (e *Engine) Close() error {
	var errs []error
	for _, s := range []*session{e.detBack, e.detFront, e.mesh, e.iris, e.segment, e.embed} {
		errs = append(errs, s.close())
	}
	errs = append(errs, releaseEnv())
	return errors.Join(errs...)
}
