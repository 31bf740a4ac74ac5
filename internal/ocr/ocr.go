// Package ocr reads single lines of printed text (an identity card's
// number, name and validity dates) with Tesseract, Debian's libtesseract
// through the gosseract binding, and its eng and chi_sim models
// (tools/setup/debian.sh installs them). Tesseract's objects are not safe
// for concurrent use and take a while to load, so the reader keeps a small
// pool of loaded ones per script.
package ocr

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/otiai10/gosseract/v2"

	"zhipai/internal/config"
	"zhipai/internal/raster"
)

// Script is what a line holds, which decides the model and the characters
// Tesseract may answer with.
type Script int

const (
	// Digits: an identity number (digits and the check character X).
	Digits Script = iota
	// Dates: a validity period, 2021.09.01-2031.09.01.
	Dates
	// Chinese: a name, an authority, the word 长期.
	Chinese
	scripts
)

// whitelist is the characters a script's lines are made of ("": any).
func (s Script) whitelist() string {
	return [scripts]string{Digits: "0123456789X", Dates: "0123456789.-"}[s]
}

// Tesseract's models: digits and dates are read with eng (one loaded
// model serves both, the allowed characters are set per read), names with
// chi_sim.
const (
	eng = iota
	chiSim
	models
)

func (s Script) model() int {
	if s == Chinese {
		return chiSim
	}
	return eng
}

// ModelDir is the directory of the Chinese model that reads names,
// tools/setup/tessdata.sh's install: chi_sim.traineddata and the config
// that loads only its LSTM network. The eng model is Debian's.
const ModelDir = "tessdata"

// ErrNoModels means the names' model directory could not be found.
var ErrNoModels = errors.New("ocr: the names' model, " + ModelDir + "/chi_sim.traineddata, not found (run `make setup`, or set ZHIPAI_TESSDATA_DIR)")

// FindModels returns the first directory holding the names' model among:
// the explicit one, the executable's directory's tessdata (and
// ../lib/tessdata beside it), and lib/tessdata in the working directory
// or any parent (a source checkout).
func FindModels(explicit string) (string, error) {
	ok := func(dir string) bool {
		for _, f := range []string{"chi_sim.traineddata", "lstm.config"} {
			if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.IsDir() {
				return false
			}
		}
		return true
	}
	if explicit != "" {
		if !ok(explicit) {
			return "", fmt.Errorf("ocr: %s lacks chi_sim.traineddata or lstm.config (tools/setup/tessdata.sh installs them)", explicit)
		}
		return explicit, nil
	}
	for _, c := range config.Beside(ModelDir) {
		if ok(c) {
			return filepath.Clean(c), nil
		}
	}
	return "", ErrNoModels
}

func setup(c *gosseract.Client, model int, dir string) error {
	var err error
	if model == chiSim {
		// tessdata's chi_sim, LSTM only: it reads names far better than
		// Debian's smaller network.
		if err = c.SetTessdataPrefix(dir); err == nil {
			err = c.SetConfigFile(filepath.Join(dir, "lstm.config"))
		}
	}
	if err == nil {
		err = c.SetLanguage([models]string{eng: "eng", chiSim: "chi_sim"}[model])
	}
	// The page segmentation mode as a variable, which the client applies
	// after initializing Tesseract: SetPageSegMode before that is lost
	// with the engine Init replaces, and Tesseract then looks for a block
	// of lines, cutting a name like 吕霞 into a row of tops (己张) and a row
	// of bottoms (月殷).
	if err == nil {
		err = c.SetVariable("tessedit_pageseg_mode", strconv.Itoa(int(gosseract.PSM_SINGLE_LINE)))
	}
	// No dictionary words: a number or a name is not prose.
	for _, v := range []gosseract.SettableVariable{"load_system_dawg", "load_freq_dawg"} {
		if err == nil {
			err = c.SetVariable(v, "0")
		}
	}
	return err
}

// Line is a line read: its text (spaces dropped) and Tesseract's
// confidence, the lowest of its words' (0 to 1).
type Line struct {
	Text       string
	Confidence float64
	// Chars is each character's confidence, from ReadChars only (nil when
	// Tesseract's symbols do not line up with the text): a part of a line,
	// a date before a word the model cannot read, can be sure when the
	// whole is not.
	Chars []float64
}

// ConfidenceOf is the lowest confidence of the characters from the i-th
// to before the j-th (runes), or the line's when they are not known.
func (l Line) ConfidenceOf(i, j int) float64 {
	if i < 0 || j > len(l.Chars) || i >= j {
		return l.Confidence
	}
	return slices.Min(l.Chars[i:j])
}

// Reader reads lines; it is safe for concurrent use (a read waits for a
// free instance of its model).
type Reader struct {
	pools [models]chan *gosseract.Client
}

// Footprint is about what Open(size, dir)'s instances hold once loaded, for the
// caller's memory budget.
func Footprint(size int) int64 {
	return int64(max(1, size))*15<<20 + int64(max(1, size/2))*60<<20
}

// Open prepares size Tesseract instances of eng and half as many (at
// least one) of chi_sim, from the names' model directory dir ("": found
// by FindModels), each loaded on its first read. Loaded, an eng instance
// holds some 15 MB and a chi_sim one some 60 MB: the card's number and
// dates are read on every card side, its name once per front. It fails
// when a model is missing, saying what installs it.
func Open(size int, dir string) (*Reader, error) {
	langs, err := gosseract.GetAvailableLanguages()
	if err != nil {
		return nil, fmt.Errorf("ocr: %w", err)
	}
	if !slices.Contains(langs, "eng") {
		return nil, fmt.Errorf("ocr: Tesseract's eng model is missing (tesseract-ocr-eng; tools/setup/debian.sh installs it)")
	}
	if dir, err = FindModels(dir); err != nil {
		return nil, err
	}
	r := &Reader{}
	for m, n := range [models]int{eng: max(1, size), chiSim: max(1, size/2)} {
		r.pools[m] = make(chan *gosseract.Client, n)
		for range n {
			c := gosseract.NewClient()
			if err := setup(c, m, dir); err != nil {
				c.Close()
				r.Close()
				return nil, fmt.Errorf("ocr: %w", err)
			}
			r.pools[m] <- c
		}
	}
	return r, nil
}

// Close frees the Tesseract instances.
func (r *Reader) Close() {
	for _, p := range r.pools {
		if p == nil {
			continue
		}
		for len(p) > 0 {
			(<-p).Close()
		}
	}
}

// Read reads the one line of text in img: a tight crop of it, dark on
// light, its characters some 30 to 60 pixels high.
func (r *Reader) Read(img *raster.Image, s Script) (Line, error) {
	return r.ReadOnly(img, s, "")
}

// ReadOnly reads the line as Read does, but answers only with the
// characters of only (all of the script's when empty): checking that a
// line says an expected text, a name, is far surer than reading it freely.
func (r *Reader) ReadOnly(img *raster.Image, s Script, only string) (Line, error) {
	return r.read(img, s, only, false)
}

// ReadChars reads as ReadOnly does, and each character's confidence too
// (Line.Chars), for a line whose parts are judged apart (a validity
// period's dates). It costs a second recognition: gosseract runs the
// recognizer on every request for boxes, and the characters' text and
// confidences are not the words' (reading names from them got 2.5% of
// rendered cards' names wrong that the words get right).
func (r *Reader) ReadChars(img *raster.Image, s Script, only string) (Line, error) {
	return r.read(img, s, only, true)
}

func (r *Reader) read(img *raster.Image, s Script, only string, chars bool) (Line, error) {
	pool := r.pools[s.model()]
	c := <-pool
	defer func() { pool <- c }()
	if only == "" {
		only = s.whitelist()
	}
	if err := c.SetWhitelist(only); err != nil {
		return Line{}, fmt.Errorf("ocr: %w", err)
	}
	if err := c.SetImageFromBytes(pgm(flatten(trim(img)))); err != nil {
		return Line{}, fmt.Errorf("ocr: %w", err)
	}
	words, err := c.GetBoundingBoxes(gosseract.RIL_WORD)
	if err != nil {
		return Line{}, fmt.Errorf("ocr: %w", err)
	}
	var b strings.Builder
	out := Line{Confidence: 1}
	for _, w := range words {
		text := strings.Join(strings.Fields(w.Word), "")
		if text == "" {
			continue
		}
		b.WriteString(text)
		out.Confidence = min(out.Confidence, w.Confidence/100)
	}
	out.Text = b.String()
	if out.Text == "" {
		out.Confidence = 0
		return out, nil
	}
	if !chars {
		return out, nil
	}
	symbols, err := c.GetBoundingBoxes(gosseract.RIL_SYMBOL)
	if err != nil {
		return Line{}, fmt.Errorf("ocr: %w", err)
	}
	for _, sym := range symbols {
		for range strings.Join(strings.Fields(sym.Word), "") {
			out.Chars = append(out.Chars, sym.Confidence/100)
		}
	}
	if len(out.Chars) != utf8.RuneCountInString(out.Text) {
		out.Chars = nil
	}
	return out, nil
}

// trim cuts the crop down to its ink and a margin of half the ink's
// height: Tesseract reads a short line (a two-character name) far better
// without a wide empty field beside it. Ink is what is much darker than
// the crop's median.
func trim(img *raster.Image) *raster.Image {
	luma := make([]uint8, img.W*img.H)
	var hist [256]int
	for y := range img.H {
		for x := range img.W {
			r, g, b := img.At(x, y)
			v := uint8((299*int(r) + 587*int(g) + 114*int(b)) / 1000)
			luma[y*img.W+x] = v
			hist[v]++
		}
	}
	median, seen := 0, 0
	for v, n := range hist {
		if seen += n; seen*2 >= len(luma) {
			median = v
			break
		}
	}
	dark := uint8(max(0, median*6/10))
	inkCol := make([]bool, img.W)
	for y := range img.H {
		for x := range img.W {
			if luma[y*img.W+x] < dark {
				inkCol[x] = true
			}
		}
	}
	// Ink cut by the crop's left or right edge is a neighbour's (a label
	// beside the field): drop it when a gap parts it from the rest.
	gap := max(3, img.H/6)
	lo, hi := 0, img.W-1
	if inkCol[0] || inkCol[1] {
		if end := gapAfter(inkCol, 0, 1, gap); end >= 0 {
			lo = end
		}
	}
	if inkCol[img.W-1] || inkCol[img.W-2] {
		if end := gapAfter(inkCol, img.W-1, -1, gap); end >= 0 {
			hi = end
		}
	}
	x0, y0, x1, y1 := img.W, img.H, -1, -1
	for y := range img.H {
		for x := lo; x <= hi; x++ {
			if luma[y*img.W+x] < dark {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return img
	}
	m := (y1 - y0 + 1) / 2
	x0, y0, x1, y1 = max(0, x0-m), max(0, y0-m), min(img.W-1, x1+m), min(img.H-1, y1+m)
	out := raster.NewImage(x1-x0+1, y1-y0+1)
	for y := range out.H {
		copy(out.Pix[3*y*out.W:3*(y+1)*out.W], img.Pix[3*((y0+y)*img.W+x0):3*((y0+y)*img.W+x1+1)])
	}
	return out
}

// flatten stretches the crop's luma so that its paper (the median and
// anything lighter) is white and its darkest ink black: the card's
// guilloche and a shadow across it fade, the strokes stay.
func flatten(img *raster.Image) *raster.Image {
	var hist [256]int
	for i := 0; i < len(img.Pix); i += 3 {
		hist[(299*int(img.Pix[i])+587*int(img.Pix[i+1])+114*int(img.Pix[i+2]))/1000]++
	}
	n := len(img.Pix) / 3
	median, ink, seen := 255, 0, 0
	for v, c := range hist {
		if seen < n/100 && seen+c >= n/100 {
			ink = v // the darkest 1%
		}
		if seen += c; seen*2 >= n {
			median = v
			break
		}
	}
	out := raster.NewImage(img.W, img.H)
	span := max(1, median-ink)
	for i := 0; i < len(img.Pix); i += 3 {
		v := (299*int(img.Pix[i]) + 587*int(img.Pix[i+1]) + 114*int(img.Pix[i+2])) / 1000
		g := uint8(min(255, max(0, (v-ink)*255/span)))
		out.Pix[i], out.Pix[i+1], out.Pix[i+2] = g, g, g
	}
	return out
}

// gapAfter walks the columns from start in direction dir past the first
// run of ink and returns the column where a gap of at least gap empty
// columns ends, or -1 when there is none (the ink is one piece).
func gapAfter(ink []bool, start, dir, gap int) int {
	x := start
	for x >= 0 && x < len(ink) && ink[x] {
		x += dir
	}
	run := 0
	for ; x >= 0 && x < len(ink); x += dir {
		if ink[x] {
			if run >= gap {
				return x
			}
			run = 0
			continue
		}
		run++
	}
	return -1
}

// pgm encodes img as a binary greyscale PNM (Leptonica reads it without a
// decoder of its own), with a white border: Tesseract wants space around
// a line.
func pgm(img *raster.Image) []byte {
	const border = 12
	w, h := img.W+2*border, img.H+2*border
	var buf bytes.Buffer
	buf.WriteString("P5\n" + strconv.Itoa(w) + " " + strconv.Itoa(h) + "\n255\n")
	row := make([]byte, w)
	blank := bytes.Repeat([]byte{255}, w)
	for range border {
		buf.Write(blank)
	}
	for y := range img.H {
		for i := range row {
			row[i] = 255
		}
		for x := range img.W {
			r, g, b := img.At(x, y)
			row[border+x] = uint8((299*int(r) + 587*int(g) + 114*int(b)) / 1000)
		}
		buf.Write(row)
	}
	for range border {
		buf.Write(blank)
	}
	return buf.Bytes()
}
