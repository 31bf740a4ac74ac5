package photo_test

import (
	"sync"
	"testing"

	"zhipai/internal/photo"
	"zhipai/internal/vision"
)

// The models load once for the whole test binary.
var shared struct {
	once sync.Once
	p    *photo.Pipeline
	err  error
}

func testPipeline(tb testing.TB) *photo.Pipeline {
	tb.Helper()
	shared.once.Do(func() {
		v, err := vision.New(vision.Config{})
		if err != nil {
			shared.err = err
			return
		}
		shared.p, shared.err = photo.New(photo.DefaultConfig(), v)
	})
	if shared.err != nil {
		tb.Fatalf("load models: %v (run `make setup` first)", shared.err)
	}
	return shared.p
}
