package quality

import (
	"sync"
	"testing"
	"time"

	"zhipai/internal/ocr"
	"zhipai/internal/photo"
	"zhipai/internal/photo/synth"
	"zhipai/internal/raster"
)

var reading struct {
	once sync.Once
	c    *Checker
	err  error
}

// readingChecker is a checker that reads the cards (Tesseract loaded once).
func readingChecker(t testing.TB) *Checker {
	t.Helper()
	_, _ = setup(t)
	reading.once.Do(func() {
		var r *ocr.Reader
		if r, reading.err = ocr.Open(1, ""); reading.err != nil {
			return
		}
		if reading.c, reading.err = New(DefaultConfig(), shared.v); reading.err == nil {
			reading.c.ReadCards(r)
		}
	})
	if reading.err != nil {
		t.Fatalf("OCR: %v (run `make setup` first)", reading.err)
	}
	return reading.c
}

// cardSnap is a phone's shot of a rendered card (synth.CardSnapshot), as
// uploaded.
func cardSnap(t testing.TB, front bool, p synth.CardPerson, portrait *raster.Image, seed uint64) []byte {
	t.Helper()
	card, err := synth.IDCardText(front, portrait, p, seed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := synth.CardSnapshot(card, seed)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cardShot is cardSnap decoded as the server decodes it.
func cardShot(t testing.TB, pl *photo.Pipeline, front bool, p synth.CardPerson, portrait *raster.Image, seed uint64) *raster.Image {
	t.Helper()
	img, _, err := pl.Decode(cardSnap(t, front, p, portrait, seed))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestReadIDCard(t *testing.T) {
	c := readingChecker(t)
	pl, _ := setup(t)
	astro := loadPNG(t, "astronaut.png")
	const n = 20
	var number, name, confirmed, valid int
	var took time.Duration
	for i := range n {
		p := synth.RandomPerson(uint64(i + 1))
		frontShot, backShot := cardShot(t, pl, true, p, astro, uint64(i+1)), cardShot(t, pl, false, p, nil, uint64(i+100))
		start := time.Now()
		// As the identity step checks the front: for the typed name.
		front, back := c.CheckIDCardOf(frontShot, SideFront, p.Name), c.CheckIDCard(backShot, SideBack)
		took += time.Since(start)
		if front.Text == nil || back.Text == nil {
			t.Logf("card %d not read: %+v %+v", i, front.Findings, back.Findings)
			continue
		}
		if front.Text.Number == p.Number {
			number++
		} else {
			t.Logf("card %d: number %q, want %q", i, front.Text.Number, p.Number)
		}
		if front.Text.NameVerified {
			confirmed++
		}
		if front.Text.Name == p.Name {
			name++
		} else {
			t.Logf("card %d: name %q (%.2f), want %q", i, front.Text.Name, front.Text.NameConf, p.Name)
		}
		to := "长期"
		if !back.Text.LongTerm {
			to = back.Text.ValidTo.Format("2006.01.02")
		}
		if got := back.Text.ValidFrom.Format("2006.01.02") + "-" + to; got == p.ValidFrom+"-"+p.ValidTo {
			valid++
		} else {
			t.Logf("card %d: validity %q, want %q", i, got, p.ValidFrom+"-"+p.ValidTo)
		}
	}
	t.Logf("read %d cards: number %d, name %d (confirmed %d), validity %d; %.0f ms per card (both sides, checks included)", n, number, name, confirmed, valid, float64(took.Milliseconds())/n)
	// The figures over 200 cards are `zhipai idcard eval`'s (number 99.5%,
	// name 95% read freely and 97% confirmed, validity 99%); on 20 a card
	// is 5%, so the free read of the name, which only pre-fills the form,
	// may miss two (90%).
	for _, c := range []struct {
		what     string
		got, pct int
	}{{"number", number, 95}, {"name", name, 90}, {"name confirmed", confirmed, 95}, {"validity", valid, 95}} {
		if c.got*100 < c.pct*n {
			t.Errorf("%s read right on %d of %d cards, under %d%%", c.what, c.got, n, c.pct)
		}
	}
}

// TestContradictsName: a sure free read contradicts the typed name when
// it is another name, not when it is one look-alike off a longer name, nor
// when it is unsure or the typed name was verified.
func TestContradictsName(t *testing.T) {
	for _, tc := range []struct {
		read     string
		conf     float64
		verified bool
		typed    string
		want     bool
	}{
		{"尤三卡", 0.82, false, "尤三十", false}, // one look-alike in three
		{"尤三卡", 0.82, false, "尤二卡", false},
		{"钱霜", 0.87, false, "钱霞", true}, // one in two: too much of the name
		{"李四", 0.95, false, "张三", true},
		{"张三丰", 0.95, false, "李四光", true},
		{"张三", 0.95, false, "张三丰", true}, // another length
		{"李四", 0.6, false, "张三", false},  // unsure
		{"李四", 0.95, true, "张三", false},  // the restricted read found the typed name
		{"张三", 0.95, false, "张三", false},
		{"", 0.95, false, "张三", false},
	} {
		c := CardText{Name: tc.read, NameConf: tc.conf, NameVerified: tc.verified}
		if got := c.ContradictsName(tc.typed); got != tc.want {
			t.Errorf("read %q (%.2f, verified %v) against %q: contradicts %v, want %v", tc.read, tc.conf, tc.verified, tc.typed, got, tc.want)
		}
	}
}
