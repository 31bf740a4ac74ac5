package memceil

import "testing"

const mb = 1 << 20

func TestLimitForLeavesTheCSideItsShare(t *testing.T) {
	const ceiling = 1024 * mb
	for _, c := range []struct {
		name          string
		rss, goMapped int64
		want          int64
	}{
		// 170 MB of models and libraries: Go may take up to the upper
		// share, 7/10.
		{"quiet", 220 * mb, 50 * mb, ceiling * 7 / 10},
		// The C side grew to 340 MB: Go gets the rest less a tenth.
		{"after a storm", 923 * mb, 583 * mb, ceiling - 340*mb - ceiling/10},
		// The C side took nearly everything: Go keeps 4/10.
		{"C side huge", 900 * mb, 100 * mb, ceiling * 4 / 10},
		// Go holds more than the process's resident pages (mapped, not
		// touched): the C side counts as nothing.
		{"untouched Go pages", 300 * mb, 400 * mb, ceiling * 7 / 10},
	} {
		if got := LimitFor(ceiling, c.rss, c.goMapped); got != c.want {
			t.Errorf("%s: limit %d MB, want %d MB", c.name, got/mb, c.want/mb)
		}
	}
}

func TestAdjustFollowsTheCSide(t *testing.T) {
	const ceiling = 1024 * mb
	var set []int64
	rss := int64(0)
	m := meter{read: func() (int64, bool) { return rss, true }, set: func(v int64) int64 { set = append(set, v); return 0 }}
	base := goMapped()
	// C side of 170 MB, then 400, then 404 (too small a move to set).
	for _, native := range []int64{170 * mb, 400 * mb, 404 * mb} {
		rss = base + native
		m.adjust(ceiling, nil)
	}
	if len(set) != 2 {
		t.Fatalf("limits set %d times (%v), want 2: the last move is below a 64th of the ceiling", len(set), set)
	}
	if set[1] > ceiling-400*mb-ceiling/10+4*mb || set[1] >= set[0] {
		t.Errorf("limits %d then %d MB: the second should leave 400 MB and the margin", set[0]/mb, set[1]/mb)
	}
}

func TestAdjustWithoutProcSetsTheUpperShare(t *testing.T) {
	var got int64
	m := meter{read: func() (int64, bool) { return 0, false }, set: func(v int64) int64 { got = v; return 0 }}
	m.adjust(1000*mb, nil)
	if got != 700*mb {
		t.Fatalf("limit %d MB without /proc, want 700", got/mb)
	}
}
