package eval

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"zhipai/internal/photo"
	"zhipai/internal/raster"
)

// The contact sheet shows, per photo: the input, the matte at output size,
// and the output (or the refusal's code).
const (
	thumbH    = 160
	inputBox  = 160
	outW      = 120
	gap       = 6
	labelH    = 16
	perRow    = 4
	cellWidth = inputBox + 2*outW + 4*gap
)

type sheetRow struct {
	label         string
	input         *raster.Image
	matte, output *raster.Image
}

func newSheetRow(it Item, img *raster.Image, res *photo.Result, refused string, check *OutputCheck) *sheetRow {
	w, h := fit(img.W, img.H, inputBox, thumbH)
	row := &sheetRow{input: raster.Resample(img, raster.Rect{X1: float64(img.W), Y1: float64(img.H)}, w, h, raster.Box)}
	status := "ok"
	switch {
	case refused != "":
		status = refused
	case check != nil && !check.Pass():
		status = "OUT OF SPEC"
	}
	row.label = fmt.Sprintf("%s  %s", filepath.Base(it.Rel), status)
	if res != nil && res.Alpha != nil {
		a := res.Alpha
		g := raster.NewImage(a.W, a.H)
		for i, v := range a.Pix {
			c := uint8(255 * min(max(v, 0), 1))
			g.Pix[3*i], g.Pix[3*i+1], g.Pix[3*i+2] = c, c, c
		}
		row.matte = raster.Resample(g, raster.Rect{X1: float64(a.W), Y1: float64(a.H)}, outW, thumbH, raster.Box)
	}
	if res != nil && res.JPEG != nil {
		if m, err := jpeg.Decode(bytes.NewReader(res.JPEG)); err == nil {
			o := raster.FromImage(m)
			row.output = raster.Resample(o, raster.Rect{X1: float64(o.W), Y1: float64(o.H)}, outW, thumbH, raster.CatmullRom)
		}
	}
	return row
}

func fit(w, h, bw, bh int) (int, int) {
	s := min(float64(bw)/float64(w), float64(bh)/float64(h))
	return max(1, int(float64(w)*s+0.5)), max(1, int(float64(h)*s+0.5))
}

// WriteSheet writes the contact sheet PNG.
func (r *Result) WriteSheet(path string) error {
	if len(r.sheet) == 0 {
		return fmt.Errorf("eval: no photos for the contact sheet")
	}
	return writeSheet(path, r.sheet)
}

// WriteLeftoverSheet writes the ten pfcn_portrait outputs with the most
// leftover background: input, matte, and the output with leftover wall in
// red and bitten person in yellow. It returns the file written ("" when
// there was nothing to show).
func (r *Result) WriteLeftoverSheet(path string) (string, error) {
	if len(r.bgSheet) == 0 {
		return "", nil
	}
	rows := append([]bgRow(nil), r.bgSheet...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].score > rows[j].score })
	var sel []sheetRow
	for _, b := range rows[:min(10, len(rows))] {
		sel = append(sel, b.row)
	}
	return path, writeSheet(path, sel)
}

func writeSheet(path string, rowsIn []sheetRow) error {
	rows := (len(rowsIn) + perRow - 1) / perRow
	cellH := thumbH + labelH + gap
	sheet := image.NewRGBA(image.Rect(0, 0, perRow*cellWidth, rows*cellH+gap))
	draw.Draw(sheet, sheet.Bounds(), &image.Uniform{color.RGBA{235, 235, 235, 255}}, image.Point{}, draw.Src)
	for i, row := range rowsIn {
		x0 := (i%perRow)*cellWidth + gap
		y0 := (i/perRow)*cellH + gap
		paste(sheet, row.input, x0, y0)
		x := x0 + inputBox + gap
		if row.matte != nil {
			paste(sheet, row.matte, x, y0)
		} else {
			box(sheet, x, y0, outW, thumbH, color.RGBA{200, 200, 200, 255})
		}
		x += outW + gap
		if row.output != nil {
			paste(sheet, row.output, x, y0)
		} else {
			box(sheet, x, y0, outW, thumbH, color.RGBA{220, 190, 190, 255})
		}
		d := font.Drawer{Dst: sheet, Src: image.Black, Face: basicfont.Face7x13, Dot: fixed.P(x0, y0+thumbH+12)}
		d.DrawString(row.label)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, sheet); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func paste(dst *image.RGBA, src *raster.Image, x0, y0 int) {
	for y := 0; y < src.H; y++ {
		for x := 0; x < src.W; x++ {
			r, g, b := src.At(x, y)
			dst.SetRGBA(x0+x, y0+y, color.RGBA{r, g, b, 255})
		}
	}
}

func box(dst *image.RGBA, x0, y0, w, h int, c color.RGBA) {
	draw.Draw(dst, image.Rect(x0, y0, x0+w, y0+h), &image.Uniform{c}, image.Point{}, draw.Src)
}
