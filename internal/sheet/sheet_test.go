package sheet

import "testing"

func TestSafe(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+86 138":                    "'+86 138",
		"-1+2":                       "'-1+2",
		"@SUM(A1)":                   "'@SUM(A1)",
		"\t=1":                       "'\t=1",
		"＝1+1":                       "'＝1+1",
		"  =1":                       "'  =1",
		"张三":                         "张三",
		"2026001":                    "2026001",
		"":                           "",
	} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSafe(f *testing.F) {
	for _, s := range []string{"=1", "张三", "", "@", "\r=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := Safe(s); FormulaLike(got) {
			t.Fatalf("Safe(%q) = %q is still formula-like", s, got)
		}
	})
}
