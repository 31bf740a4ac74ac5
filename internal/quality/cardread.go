package quality

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"zhipai/internal/idnumber"
	"zhipai/internal/ocr"
	"zhipai/internal/raster"
)

// CardText is what the card says, as read: the front's number and name,
// the back's validity period, each with a confidence from 0 to 1 (0: not
// read). It never leaves the identity step: the enrolment keeps only
// whether the number matched, as a blind index.
type CardText struct {
	Number     string  `json:"number,omitempty"`
	NumberConf float64 `json:"number_confidence,omitempty"`
	Name       string  `json:"name,omitempty"`
	NameConf   float64 `json:"name_confidence,omitempty"`
	// NameVerified: the card was checked for an expected name and says it
	// (read with that name's characters only, surely).
	NameVerified bool `json:"name_verified,omitempty"`
	// ValidFrom and ValidTo as dates (ValidTo zero and LongTerm for 长期).
	ValidFrom time.Time `json:"-"`
	ValidTo   time.Time `json:"-"`
	LongTerm  bool      `json:"-"`
	ValidConf float64   `json:"-"`
}

// Where a 居民身份证 prints its fields, on the 856x540 grid of the
// rectified card (the layout is the same on every card of the second
// generation), with room for a card found a few pixels off.
var (
	cardNumberBox = raster.Rect{X0: 270, Y0: 430, X1: 850, Y1: 494}
	cardNameBox   = raster.Rect{X0: 138, Y0: 52, X1: 520, Y1: 116}
	cardValidBox  = raster.Rect{X0: 318, Y0: 432, X1: 850, Y1: 492}
)

// Each field is read at the first of its scales (the crop's resolution
// over the card grid's: the number at 1.5, its digits some 40 px high;
// Chinese at 1.0, some 30 px, which chi_sim reads best) and, when that
// read is unsure, at the others too; the surest read wins.
var (
	digitScales   = []float64{1.5, 1.2, 1.9}
	chineseScales = []float64{1.0, 0.85, 1.2}
)

// sure is the confidence above which a field is not read again.
const sure = 0.85

// ContradictsName says whether the card says another name than the
// expected one: not verified, and read freely, surely, as another. An
// unsure read contradicts nothing (chi_sim misreads rare characters, and
// knows it), nor does a read of three or more characters that differs in
// one of them: chi_sim is sometimes sure of a look-alike (尤三十 read as
// 尤三卡), and the name only backs up the number, which must be the typed
// one, while the roster match then holds the typed name to the school's.
func (t *CardText) ContradictsName(name string) bool {
	if t.NameVerified || t.Name == "" || t.NameConf < minNameConf || t.Name == name {
		return false
	}
	read, want := []rune(t.Name), []rune(name)
	if len(read) != len(want) || len(want) < 3 {
		return true
	}
	differ := 0
	for i := range read {
		if read[i] != want[i] {
			differ++
		}
	}
	return differ > 1
}

// minNameConf is the confidence a free read of the name needs to
// contradict the expected one.
const minNameConf = 0.8

// minVerifiedConf is the confidence a read restricted to the expected
// name's characters needs to say the card carries that name.
const minVerifiedConf = 0.5

// cardPhoto is a card side's photo and where the card lies in it, for
// reading its fields.
type cardPhoto struct {
	ocr     *ocr.Reader
	img     *raster.Image
	toPhoto raster.Homography // card grid to photo pixels
}

// crop is the box of the card grid, straightened, at scale times the
// grid's resolution (nil when the card's corners are degenerate).
func (p cardPhoto) crop(r raster.Rect, scale float64) *raster.Image {
	w, h := int(r.W()*scale), int(r.H()*scale)
	var dst [4][2]float64
	for i, c := range [4][2]float64{{r.X0, r.Y0}, {r.X1, r.Y0}, {r.X1, r.Y1}, {r.X0, r.Y1}} {
		dst[i][0], dst[i][1] = p.toPhoto.Apply(c[0], c[1])
	}
	hc, err := raster.HomographyFrom([4][2]float64{{0, 0}, {float64(w), 0}, {float64(w), float64(h)}, {0, float64(h)}}, dst)
	if err != nil {
		return nil
	}
	return dropColour(raster.WarpPerspective(p.img, hc, w, h))
}

// dropColour keeps each pixel's brightest channel, in grey: a card prints
// its particulars in black but its labels (姓名, 公民身份号码, 有效期限)
// in blue and its guilloche in pastel, and a label that a card found a few
// pixels off pushes into a field's box reads as characters of the name.
// Through its brightest channel, black stays black while blue becomes a
// light grey, lighter than what reading takes for ink.
func dropColour(img *raster.Image) *raster.Image {
	for i := 0; i+2 < len(img.Pix); i += 3 {
		v := max(img.Pix[i], img.Pix[i+1], img.Pix[i+2])
		img.Pix[i], img.Pix[i+1], img.Pix[i+2] = v, v, v
	}
	return img
}

// readField returns the surest parse of the field in box over the
// script's scales, read with the characters of only (any of the script's
// when empty); parse scores a read, 0 when it is not one.
func readField[T any](p cardPhoto, box raster.Rect, s ocr.Script, only string, parse func(ocr.Line) (T, float64)) (T, float64) {
	return readFieldWith(p, box, s, only, p.ocr.ReadOnly, parse)
}

// readDates is readField for a validity line, whose dates are judged by
// their own characters' confidence (ocr.Reader.ReadChars).
func readDates(p cardPhoto, s ocr.Script, parse func(ocr.Line) (validity, float64)) (validity, float64) {
	return readFieldWith(p, cardValidBox, s, "", p.ocr.ReadChars, parse)
}

func readFieldWith[T any](p cardPhoto, box raster.Rect, s ocr.Script, only string, read func(*raster.Image, ocr.Script, string) (ocr.Line, error),
	parse func(ocr.Line) (T, float64)) (T, float64) {
	scales := chineseScales
	if s != ocr.Chinese {
		scales = digitScales
	}
	var best T
	score := 0.0
	for _, sc := range scales {
		m := p.crop(box, sc)
		if m == nil {
			break
		}
		l, err := read(m, s, only)
		if err != nil {
			break
		}
		if v, sv := parse(l); sv > score {
			best, score = v, sv
		}
		if score >= sure {
			break
		}
	}
	return best, score
}

// readCard reads the side's fields from the photo, through toPhoto (card
// grid to photo pixels); on the front, it also checks for the expected
// name, when one is given.
func (c *Checker) readCard(img *raster.Image, toPhoto raster.Homography, side, name string) *CardText {
	if c.ocr == nil {
		return nil
	}
	p := cardPhoto{ocr: c.ocr, img: img, toPhoto: toPhoto}
	out := &CardText{}
	if side == SideFront {
		out.Number, out.NumberConf = readField(p, cardNumberBox, ocr.Digits, "", parseCardNumber)
		out.Name, out.NameConf = readField(p, cardNameBox, ocr.Chinese, "", parseCardName)
		if name != "" && out.Name == name && out.NameConf >= sure {
			out.NameVerified = true
		} else if name != "" {
			got, conf := readField(p, cardNameBox, ocr.Chinese, name, parseCardName)
			out.NameVerified = got == name && conf >= minVerifiedConf
		}
		return out
	}
	// The dates model reads 2021.09.01-2031.09.01 best, and the start of
	// 2021.09.01-长期; the word itself needs the Chinese model, which often
	// misreads the digits beside it. Each part is taken from the model that
	// reads it surest. A start date alone counts half, so that a whole
	// period read at another scale wins.
	dates, score := readDates(p, ocr.Dates, func(l ocr.Line) (validity, float64) {
		switch v := parseValidity(l); {
		case !v.to.IsZero():
			return v, min(v.fromConf, v.toConf)
		case !v.from.IsZero():
			return v, v.fromConf / 2
		default:
			return v, 0
		}
	})
	if !dates.to.IsZero() {
		out.ValidFrom, out.ValidTo, out.ValidConf = dates.from, dates.to, score
		return out
	}
	chinese, _ := readDates(p, ocr.Chinese, func(l ocr.Line) (validity, float64) {
		v := parseValidity(l)
		if !v.long && v.to.IsZero() {
			return v, 0
		}
		return v, v.toConf
	})
	switch {
	case chinese.long && !dates.from.IsZero() && dates.fromConf >= chinese.fromConf:
		out.ValidFrom, out.LongTerm, out.ValidConf = dates.from, true, min(dates.fromConf, chinese.toConf)
	case !chinese.from.IsZero() && (chinese.long || !chinese.to.IsZero()):
		out.ValidFrom, out.ValidTo, out.LongTerm, out.ValidConf = chinese.from, chinese.to, chinese.long, min(chinese.fromConf, chinese.toConf)
	}
	return out
}

// parseCardNumber keeps a read that is a whole number with a right check
// character; anything else is not read.
func parseCardNumber(l ocr.Line) (string, float64) {
	n := strings.ToUpper(l.Text)
	if len(n) != 18 {
		return "", 0
	}
	if _, err := idnumber.Parse(idnumber.ResidentID, n); err != nil {
		return "", 0
	}
	return n, l.Confidence
}

// parseCardName keeps the Han characters (and the middle dot of minority
// names) of a read.
func parseCardName(l ocr.Line) (string, float64) {
	var b strings.Builder
	for _, r := range l.Text {
		if unicode.Is(unicode.Han, r) || r == '·' {
			b.WriteRune(r)
		}
	}
	name := b.String()
	if n := len([]rune(name)); n < 2 || n > 20 {
		return "", 0
	}
	return name, l.Confidence
}

// longTerm is what a card valid for life prints instead of an end date.
const longTerm = "长期"

// validityRe matches 2021.09.01-2031.09.01 (dots and dash optional), or
// the start alone (a card valid for life, or an end not read).
var validityRe = regexp.MustCompile(`(\d{4})\.?(\d{2})\.?(\d{2})-?(?:(\d{4})\.?(\d{2})\.?(\d{2}))?`)

// validity is a validity line as read: its start, its end (a date, or
// long for 长期), each with the confidence of its characters (zero when
// not read).
type validity struct {
	from, to         time.Time
	long             bool
	fromConf, toConf float64
}

// parseValidity reads a validity line; an impossible date is not read,
// nor an end before the start, but 长期 is, even after a misread start.
func parseValidity(l ocr.Line) validity {
	// conf is the confidence of the bytes from i to j of the text.
	conf := func(i, j int) float64 {
		return l.ConfidenceOf(utf8.RuneCountInString(l.Text[:i]), utf8.RuneCountInString(l.Text[:j]))
	}
	var v validity
	if i := strings.Index(l.Text, longTerm); i >= 0 {
		v.long, v.toConf = true, conf(i, i+len(longTerm))
	}
	m := validityRe.FindStringSubmatchIndex(l.Text)
	if m == nil {
		return v
	}
	date := func(k int) time.Time {
		if m[2*k] < 0 {
			return time.Time{}
		}
		t, err := time.ParseInLocation("20060102", l.Text[m[2*k]:m[2*k+1]]+l.Text[m[2*k+2]:m[2*k+3]]+l.Text[m[2*k+4]:m[2*k+5]], time.UTC)
		if err != nil {
			return time.Time{}
		}
		return t
	}
	if v.from = date(1); v.from.IsZero() {
		return v
	}
	v.fromConf = conf(m[2], m[7])
	if to := date(4); !to.IsZero() && to.After(v.from) && !v.long {
		v.to, v.toConf = to, conf(m[8], m[13])
	}
	return v
}
