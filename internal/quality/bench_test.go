package quality

import (
	"context"
	"runtime"
	"testing"

	"zhipai/internal/photo"
)

// BenchmarkChecks512 times every check on a standardized 512x512 photo
// (one core): the cost the checks add to the pipeline.
func BenchmarkChecks512(b *testing.B) {
	p, c := setup(b)
	data := fixtureB(b, "astronaut.png")
	spec, _ := photo.LookupSpec("chsi")
	res, err := p.Standardize(context.Background(), data, spec)
	if err != nil {
		b.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Check(res, spec, nil)
	}
}
