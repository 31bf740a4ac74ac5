package ocr

import (
	"testing"

	"zhipai/internal/photo/synth"
	"zhipai/internal/raster"
)

// The card renderer draws at twice the 856x540 grid; the number's line
// lies in (270,430)-(850,494) and the name's in (138,52)-(520,116) of it.
func cardLine(t *testing.T, r raster.Rect, p synth.CardPerson) *raster.Image {
	t.Helper()
	card, err := synth.IDCardText(true, nil, p, 3)
	if err != nil {
		t.Fatal(err)
	}
	return raster.Resample(card, raster.Rect{X0: 2 * r.X0, Y0: 2 * r.Y0, X1: 2 * r.X1, Y1: 2 * r.Y1}, int(r.W()), int(r.H()), raster.Triangle)
}

func TestReadLines(t *testing.T) {
	r, err := Open(1, "")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := synth.RandomPerson(7)
	number := cardLine(t, raster.Rect{X0: 270, Y0: 430, X1: 850, Y1: 494}, p)
	if l, err := r.Read(number, Digits); err != nil || l.Text != p.Number || l.Confidence < 0.6 || l.Chars != nil {
		t.Errorf("number %+v %v, want %s (and no characters' confidences, which cost a second recognition)", l, err, p.Number)
	}
	if l, err := r.ReadChars(number, Digits, ""); err != nil || l.Text != p.Number || len(l.Chars) != len(p.Number) {
		t.Errorf("number with its characters %+v %v, want %s and %d confidences", l, err, p.Number, len(p.Number))
	}
	name := cardLine(t, raster.Rect{X0: 138, Y0: 52, X1: 520, Y1: 116}, p)
	if l, err := r.Read(name, Chinese); err != nil || l.Text != p.Name {
		t.Errorf("name %+v %v, want %s", l, err, p.Name)
	}
	// Restricted to another name's characters, the line does not read as
	// that name; and the restriction ends with the call.
	if l, _ := r.ReadOnly(name, Chinese, "钱孙"); l.Text == "钱孙" && l.Confidence > 0.5 {
		t.Errorf("read as another name: %+v", l)
	}
	if l, _ := r.Read(name, Chinese); l.Text != p.Name {
		t.Errorf("after a restricted read: %+v", l)
	}
	blank := raster.NewImage(200, 40)
	for i := range blank.Pix {
		blank.Pix[i] = 240
	}
	if l, err := r.Read(blank, Digits); err != nil || l.Text != "" || l.Confidence != 0 {
		t.Errorf("blank line read as %+v %v", l, err)
	}
}

func TestGapAfter(t *testing.T) {
	ink := func(s string) []bool {
		out := make([]bool, len(s))
		for i, c := range s {
			out[i] = c == '#'
		}
		return out
	}
	for _, tc := range []struct {
		cols       string
		start, dir int
		want       int
	}{
		{"##....###..", 0, 1, 6},   // a label's edge, a gap, the field
		{"##.###", 0, 1, -1},       // no gap wide enough: one piece
		{"..###....##", 10, -1, 4}, // from the right
	} {
		if got := gapAfter(ink(tc.cols), tc.start, tc.dir, 3); got != tc.want {
			t.Errorf("%q from %d: %d, want %d", tc.cols, tc.start, got, tc.want)
		}
	}
}

// An explicit model directory without the names' model is refused at
// Open, not at the first card.
func TestOpenWithoutModel(t *testing.T) {
	if _, err := Open(1, t.TempDir()); err == nil {
		t.Error("Open on an empty model directory succeeded")
	}
	dir, err := FindModels("")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(1, dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	r.Close()
}

// TestReadsStackedCharactersAsOneLine: characters built of parts above
// one another (吕, 高, 昌) are one line's, not two rows of tops and
// bottoms, which Tesseract reads when its page segmentation is left at a
// block of lines (it once was: the mode set before Tesseract's Init was
// lost with it).
func TestReadsStackedCharactersAsOneLine(t *testing.T) {
	r, err := Open(1, "")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, name := range []string{"吕昌", "高英", "彭志平"} {
		p := synth.RandomPerson(7)
		p.Name = name
		line := cardLine(t, raster.Rect{X0: 138, Y0: 52, X1: 520, Y1: 116}, p)
		if l, err := r.Read(line, Chinese); err != nil || l.Text != name {
			t.Errorf("%s read as %+v %v", name, l, err)
		}
	}
}
