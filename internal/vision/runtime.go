// Package vision runs the neural networks of the photo pipeline on ONNX
// Runtime: BlazeFace for face boxes, FaceMesh (and Iris) for landmarks and
// head pose, Selfie segmentation for the person mask. All cgo of the
// inference lives here; callers pass raster images and get plain Go values.
//
// ONNX Runtime keeps one environment per process, so the package counts its
// users (the only package-level state, forced by the C library): every
// Engine shares the environment and the last Close tears it down.
package vision

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"zhipai/internal/config"
)

// LibraryName is the ONNX Runtime shared library Zhipai loads.
const LibraryName = "libonnxruntime.so.1"

// ErrNoLibrary means the ONNX Runtime library could not be found.
var ErrNoLibrary = errors.New("vision: " + LibraryName + " not found (run `make setup`, or set ZHIPAI_ONNXRUNTIME_LIB)")

var env struct {
	sync.Mutex
	users int
	path  string
}

// FindLibrary returns the first existing candidate among: the explicit path,
// the executable's directory (and ../lib beside it), and lib/ in the
// working directory or any parent (a source checkout).
func FindLibrary(explicit string) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("vision: onnxruntime library %s: %w", explicit, err)
		}
		return explicit, nil
	}
	for _, c := range config.Beside(LibraryName) {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return filepath.Clean(c), nil
		}
	}
	return "", ErrNoLibrary
}

func acquireEnv(libPath string) error {
	env.Lock()
	defer env.Unlock()
	if env.users > 0 {
		if libPath != env.path {
			return fmt.Errorf("vision: onnxruntime already loaded from %s, not %s", env.path, libPath)
		}
		env.users++
		return nil
	}
	ort.SetSharedLibraryPath(libPath)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("vision: start onnxruntime from %s: %w", libPath, err)
	}
	env.users, env.path = 1, libPath
	return nil
}

func releaseEnv() error {
	env.Lock()
	defer env.Unlock()
	if env.users == 0 {
		return nil
	}
	env.users--
	if env.users == 0 {
		return ort.DestroyEnvironment()
	}
	return nil
}

// session is one loaded network with fixed input and output names. Run is
// safe for concurrent use: tensors are per call.
type session struct {
	name    string
	s       *ort.DynamicAdvancedSession
	inShape ort.Shape
	outs    []ort.Shape
}

func newSession(name string, data []byte, threads int, input string, inShape []int64, outputs []string, outShapes [][]int64) (*session, error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("vision: %s options: %w", name, err)
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(threads); err != nil {
		return nil, err
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, err
	}
	// Denormal floats are slow on x86 and meaningless in these networks.
	if err := opts.AddSessionConfigEntry("session.set_denormal_as_zero", "1"); err != nil {
		return nil, err
	}
	s, err := ort.NewDynamicAdvancedSessionWithONNXData(data, []string{input}, outputs, opts)
	if err != nil {
		return nil, fmt.Errorf("vision: load %s: %w", name, err)
	}
	ss := &session{name: name, s: s, inShape: ort.NewShape(inShape...)}
	for _, o := range outShapes {
		ss.outs = append(ss.outs, ort.NewShape(o...))
	}
	return ss, nil
}

// run feeds one input tensor and returns copies of the outputs.
func (s *session) run(input []float32) ([][]float32, error) {
	in, err := ort.NewTensor(s.inShape, input)
	if err != nil {
		return nil, fmt.Errorf("vision: %s input: %w", s.name, err)
	}
	defer in.Destroy()
	outs := make([]ort.Value, len(s.outs))
	tensors := make([]*ort.Tensor[float32], len(s.outs))
	for i, shape := range s.outs {
		t, err := ort.NewEmptyTensor[float32](shape)
		if err != nil {
			return nil, err
		}
		defer t.Destroy()
		outs[i], tensors[i] = t, t
	}
	if err := s.s.Run([]ort.Value{in}, outs); err != nil {
		return nil, fmt.Errorf("vision: run %s: %w", s.name, err)
	}
	res := make([][]float32, len(tensors))
	for i, t := range tensors {
		res[i] = append([]float32(nil), t.GetData()...)
	}
	return res, nil
}

func (s *session) close() error {
	if s == nil || s.s == nil {
		return nil
	}
	return s.s.Destroy()
}
