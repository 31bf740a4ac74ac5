package idnumber

import (
	"testing"
	"unicode/utf8"
)

// FuzzParse: any typed text either parses to a number whose check holds
// again, or is refused with a reason; names normalise to what ValidName
// judges, and normalising twice changes nothing.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "110105491231002", "H12345678", "８１０００００００", " 11010519491231002x ", "阿依古丽.买买提"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, ty := range Types() {
			n, err := Parse(ty, s)
			if err != nil {
				continue
			}
			again, err := Parse(ty, n.Value)
			if err != nil || again.Value != n.Value || again.Key != n.Key {
				t.Fatalf("%s %q parsed to %q, which parses to %q (%v)", ty, s, n.Value, again.Value, err)
			}
			if m := Mask(n.Value); utf8.RuneCountInString(m) != utf8.RuneCountInString(n.Value) {
				t.Fatalf("mask %q of %q", m, n.Value)
			}
		}
		name := NormaliseName(s)
		if NormaliseName(name) != name {
			t.Fatalf("normalising %q twice: %q then %q", s, name, NormaliseName(name))
		}
		ValidName(name)
	})
}
