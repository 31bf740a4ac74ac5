package photo_test

import (
	"sync"
	"testing"

	"zhipai/internal/photo"
	visionpkg "zhipai/internal/vision"
)

// The models load once for the whole test binary.
var shared struct {
	once sync.Once
	p    *photo.Pipeline
	v    *visionpkg.Engine
	err  error
}

func testPipeline(tb testing.TB) *photo.Pipeline {
	tb.Helper()
	shared.once.Do(func() {
		v, err := visionpkg.New(visionpkg.Config{})
		if err != nil {
			shared.err = err
			return
		}
		shared.v = v
		shared.p, shared.err = photo.New(photo.DefaultConfig(), v)
	})
	if shared.err != nil {
		tb.Fatalf("load models: %v (run `make setup` first)", shared.err)
	}
	return shared.p
}

// vision is the engine under the shared pipeline.
func vision(*photo.Pipeline) *visionpkg.Engine { return shared.v }
