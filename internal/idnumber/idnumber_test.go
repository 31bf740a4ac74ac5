package idnumber

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestResidentID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want string
		err  error
	}{
		{"11010519491231002X", "11010519491231002X", nil},
		{"11010519491231002x", "11010519491231002X", nil},
		{" ４４０５２４１８８００１０１００１４ ", "440524188001010014", nil}, // full width, spaces
		{"440524188001010014", "440524188001010014", nil},
		{"110105194912310021", "", ErrCheckDigit},
		{"110105194913310020", "", ErrBirthDate},
		{"990105194912310021", "", ErrRegion}, // 99: no province
		{"11010519491231002", "", ErrFormat},
		{"1101051949123100ZX", "", ErrFormat},
		{"110105491231002", "11010519491231002X", nil}, // 15 digits -> 18
		{"110105491331002", "", ErrBirthDate},
		{"810000200001010013", "", ErrRegion}, // residence permit number is not a citizen ID
	}
	for _, c := range cases {
		n, err := Parse(ResidentID, c.in)
		if !errors.Is(err, c.err) {
			t.Errorf("%q: error %v, want %v", c.in, err, c.err)
			continue
		}
		if err == nil && n.Value != c.want {
			t.Errorf("%q: %s, want %s", c.in, n.Value, c.want)
		}
	}
	n, _ := Parse(ResidentID, "110105491231002")
	if n.Legacy15 != "110105491231002" || n.Warning == "" || n.Birth != time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC) || n.Male {
		t.Fatalf("15-digit conversion: %+v", n)
	}
	n, _ = Parse(ResidentID, "11010519491231002X")
	if n.Male || n.Birth.Year() != 1949 {
		t.Fatalf("sex and birth: %+v", n)
	}
}

func TestOtherDocuments(t *testing.T) {
	t.Parallel()
	hk := "810000199001010000"
	hk = hk[:17] + string(CheckChar(hk[:17]))
	tw := "830000199001010000"
	tw = tw[:17] + string(CheckChar(tw[:17]))
	fp := "911000199001010000"
	fp = fp[:17] + string(CheckChar(fp[:17]))
	cases := []struct {
		typ Type
		in  string
		key string
		ok  bool
	}{
		{HKMOResidence, hk, hk, true},
		{HKMOResidence, tw, "", false},
		{TWResidence, tw, tw, true},
		{HKMOPermit, "H1234567801", "H12345678", true}, // re-issue count dropped from the key
		{HKMOPermit, "H12345678", "H12345678", true},
		{HKMOPermit, "X1234567801", "", false},
		{TWPermit, "12345678", "12345678", true},
		{TWPermit, "1234567801(B)", "12345678", true},
		{TWPermit, "1234567", "", false},
		{ForeignPermanent, "USA110012345678", "USA110012345678", true},
		{ForeignPermanent, fp, fp, true},
		{ForeignPermanent, "811000199001010000", "", false},
		{ChinesePassport, "E12345678", "E12345678", true},
		{ChinesePassport, "EA1234567", "EA1234567", true},
		{ChinesePassport, "G1234567", "", false},
		{ForeignPassport, "x1234567", "X1234567", true},
		{ForeignPassport, "AB!", "", false},
	}
	for _, c := range cases {
		n, err := Parse(c.typ, c.in)
		if (err == nil) != c.ok {
			t.Errorf("%s %q: error %v", c.typ, c.in, err)
			continue
		}
		if c.ok && n.Key != c.key {
			t.Errorf("%s %q: key %s, want %s", c.typ, c.in, n.Key, c.key)
		}
	}
	if _, err := Parse("nonsense", "123"); !errors.Is(err, ErrType) {
		t.Fatalf("unknown type: %v", err)
	}
}

func TestTypesAndNames(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"居民身份证", "身份证", "resident_id"} {
		if ty, ok := ParseType(in); !ok || ty != ResidentID {
			t.Errorf("%q read as %v", in, ty)
		}
	}
	if Mask("11010519491231002X") != "110***********002X" {
		t.Fatalf("mask %s", Mask("11010519491231002X"))
	}
	if Mask("H12345678") != "H12**5678" || Mask("AB") != "**" {
		t.Fatalf("short masks %s %s", Mask("H12345678"), Mask("AB"))
	}
	for in, want := range map[string]string{
		"  张三 ": "张三", "阿依古丽・买买提": "阿依古丽·买买提", "JOHN　 SMITH": "JOHN SMITH", "王𬌗": "王𬌗",
		"阿依古丽.买买提": "阿依古丽·买买提", "阿依古丽•买买提": "阿依古丽·买买提", "阿依古丽･买买提": "阿依古丽·买买提",
		"阿依古丽．买买提": "阿依古丽·买买提", "阿依古丽·买买提": "阿依古丽·买买提",
	} {
		if got := NormaliseName(in); got != want || ValidName(got) != nil {
			t.Errorf("%q normalised to %q (%v)", in, got, ValidName(got))
		}
	}
	for _, bad := range []string{"", "张三1", "<script>"} {
		if ValidName(bad) == nil {
			t.Errorf("%q accepted as a name", bad)
		}
	}
	// A refused symbol is named, with the hint for minority names.
	if err := ValidName("阿依古丽_买买提"); err == nil || !strings.Contains(err.Error(), "“_”") || !strings.Contains(err.Error(), "间隔号") {
		t.Errorf("refusal of a symbol says %v", err)
	}
}
