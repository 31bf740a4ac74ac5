package vision

import "testing"

// Per-network inference time (one thread), for `zhipai photo bench`'s
// stage figures to be read against.
func BenchmarkNetworks(b *testing.B) {
	e, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	for _, c := range []struct {
		name string
		s    *session
		n    int
	}{{"blazeface_back", e.detBack, backSize * backSize * 3}, {"facemesh", e.mesh, meshSize * meshSize * 3},
		{"iris (both eyes)", e.iris, 2 * irisSize * irisSize * 3}, {"selfie", e.segment, segSize * segSize * 3},
		{"facerec (descriptor)", e.embed, embedSize * embedSize * 3}} {
		in := make([]float32, c.n)
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := c.s.run(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
