package synth

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"zhipai/internal/idnumber"
	"zhipai/internal/jpegturbo"
	"zhipai/internal/raster"
)

// CardPerson is what a specimen card says: always a fictitious person
// (no real identity document may be depicted, committed or shared).
type CardPerson struct {
	Name, Sex, Ethnic string
	// Birth is "2008年1月5日" as the card prints it: year, month, day.
	BirthYear, BirthMonth, BirthDay int
	Address                         string
	Number                          string
	Authority                       string
	// ValidFrom and ValidTo are "2021.09.01"; ValidTo may be "长期".
	ValidFrom, ValidTo string
}

// Fonts of the specimen cards, from Debian's packages (tools/setup/debian.sh):
// Droid Sans Fallback for the Chinese text, DejaVu Sans Mono Bold for the
// digits of the number and dates (the real card uses OCR-B).
var fontFiles = struct{ chinese, digits string }{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
}

var cardFonts struct {
	once            sync.Once
	chinese, digits *opentype.Font
	err             error
}

func loadCardFonts() error {
	cardFonts.once.Do(func() {
		read := func(path string) (*opentype.Font, error) {
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("synth: the card font is missing (tools/setup/debian.sh installs it): %w", err)
			}
			if strings.HasSuffix(path, ".ttc") {
				c, err := opentype.ParseCollection(b)
				if err != nil {
					return nil, err
				}
				return c.Font(0)
			}
			return opentype.Parse(b)
		}
		if cardFonts.chinese, cardFonts.err = read(fontFiles.chinese); cardFonts.err == nil {
			cardFonts.digits, cardFonts.err = read(fontFiles.digits)
		}
	})
	return cardFonts.err
}

// cardScale is how much finer than the 856x540 card grid the text card is
// drawn, so that a photo of it shows smooth glyphs.
const cardScale = 2

// IDCardText renders a specimen identity card that carries a fictitious
// person's particulars where a real 居民身份证 prints them (the front: name,
// sex, ethnicity, birth date, address, number beside the portrait; the
// back: issuing authority and validity period under the emblem), at twice
// the 856x540 grid. The OCR is tested and evaluated on these.
func IDCardText(front bool, portrait *raster.Image, p CardPerson, seed uint64) (*raster.Image, error) {
	if err := loadCardFonts(); err != nil {
		return nil, err
	}
	base := idCard(front, portrait, seed, false)
	img := raster.Resample(base, raster.Rect{X1: float64(base.W), Y1: float64(base.H)}, base.W*cardScale, base.H*cardScale, raster.Triangle)
	label, ink := [3]uint8{45, 120, 185}, [3]uint8{25, 25, 30}
	t := &cardWriter{img: img}
	if front {
		t.text(24, 60, 95, "姓 名", label, 0)
		t.text(34, 150, 97, p.Name, ink, 0)
		t.text(24, 60, 165, "性 别", label, 0)
		t.text(30, 150, 167, p.Sex, ink, 0)
		t.text(24, 250, 165, "民 族", label, 0)
		t.text(30, 340, 167, p.Ethnic, ink, 0)
		t.text(24, 60, 235, "出 生", label, 0)
		x := 150.0
		for _, part := range []string{fmt.Sprint(p.BirthYear), "年", fmt.Sprint(p.BirthMonth), "月", fmt.Sprint(p.BirthDay), "日"} {
			x = t.text(30, x, 237, part, ink, 0) + 8
		}
		t.text(24, 60, 305, "住 址", label, 0)
		for i, line := range wrapRunes(p.Address, 11) {
			if i < 3 {
				t.text(30, 150, 307+float64(i)*42, line, ink, 1)
			}
		}
		t.text(24, 60, 470, "公民身份号码", label, 0)
		t.text(38, 290, 476, p.Number, ink, 3)
	} else {
		t.text(46, 270, 125, "中华人民共和国", ink, 8)
		t.text(62, 290, 215, "居民身份证", ink, 18)
		t.text(24, 190, 405, "签发机关", ink, 0)
		t.text(30, 330, 407, p.Authority, ink, 1)
		t.text(24, 190, 470, "有效期限", ink, 0)
		t.text(30, 330, 472, p.ValidFrom+"-"+p.ValidTo, ink, 1)
	}
	return img, nil
}

func wrapRunes(s string, n int) []string {
	r := []rune(s)
	var out []string
	for len(r) > n {
		out = append(out, string(r[:n]))
		r = r[n:]
	}
	return append(out, string(r))
}

// cardWriter draws text on the card in the 856x540 grid's coordinates.
type cardWriter struct {
	img *raster.Image
}

// text draws s with its baseline at (x, y) in size px (856x540 grid),
// with extra spacing px between glyphs, and returns where it ends. Digits
// and Latin letters come from the digits font, the rest from the Chinese.
func (t *cardWriter) text(size, x, y float64, s string, col [3]uint8, spacing float64) float64 {
	var faces [2]font.Face
	for i, f := range []*opentype.Font{cardFonts.chinese, cardFonts.digits} {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size * cardScale, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return x
		}
		defer face.Close()
		faces[i] = face
	}
	// The glyphs land in a band around the baseline: draw there only.
	y0, y1 := max(0, int((y-1.2*size)*cardScale)), min(t.img.H, int((y+0.5*size)*cardScale))
	x0 := max(0, int((x-size)*cardScale))
	mask := image.NewAlpha(image.Rect(x0, y0, t.img.W, y1))
	d := &font.Drawer{Dst: mask, Src: image.Opaque}
	pen := fixed.Int26_6(x * cardScale * 64)
	for _, r := range s {
		d.Face = faces[0]
		if r < 0x80 {
			d.Face = faces[1]
		}
		d.Dot = fixed.Point26_6{X: pen, Y: fixed.Int26_6(y * cardScale * 64)}
		d.DrawString(string(r))
		pen = d.Dot.X + fixed.Int26_6(spacing*cardScale*64)
	}
	for py := y0; py < y1; py++ {
		row := mask.Pix[(py-y0)*mask.Stride : (py-y0)*mask.Stride+t.img.W-x0]
		for i, a := range row {
			if a == 0 {
				continue
			}
			al := float64(a) / 255
			r, g, b := t.img.At(x0+i, py)
			t.img.Set(x0+i, py, mix(col[0], r, al), mix(col[1], g, al), mix(col[2], b, al))
		}
	}
	return float64(pen) / 64 / cardScale
}

// RandomPerson makes up a person for a specimen card: a name of two or
// three common characters, a valid number (its region, birth date and
// check character right), an address, and a validity period that has not
// ended by 2026 (ten years, or 长期 now and then). Seeded, so that an
// evaluation is repeatable.
func RandomPerson(seed uint64) CardPerson {
	rng := rand.New(rand.NewPCG(seed, 11))
	pick := func(s string) string { r := []rune(s); return string(r[rng.IntN(len(r))]) }
	surnames := "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
	given := "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉力晨宇浩然子涵梓萱一诺欣怡思远嘉怡俊杰雨轩博文佳琪志强海燕雪梅玉兰晓东春梅立新"
	name := pick(surnames) + pick(given)
	if rng.IntN(3) > 0 {
		name += pick(given)
	}
	regions := []string{"110101", "310104", "440106", "330106", "420102", "510107", "610113", "320102", "370102", "500103"}
	year, month, day := 2005+rng.IntN(5), 1+rng.IntN(12), 1+rng.IntN(28)
	first := fmt.Sprintf("%s%04d%02d%02d%03d", regions[rng.IntN(len(regions))], year, month, day, rng.IntN(1000))
	number := first + string(idnumber.CheckChar(first))
	sex := "女"
	if (first[16]-'0')%2 == 1 {
		sex = "男"
	}
	from := time.Date(2017+rng.IntN(9), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	to := from.AddDate(10, 0, 0).Format("2006.01.02")
	if rng.IntN(8) == 0 {
		to = "长期"
	}
	streets := []string{"建设路", "人民路", "解放路", "中山路", "和平街", "文化路", "新华街", "示范路"}
	return CardPerson{Name: name, Sex: sex, Ethnic: "汉", BirthYear: year, BirthMonth: month, BirthDay: day,
		Address:   fmt.Sprintf("示范省示范市%s%d号%d栋%d单元%d号", streets[rng.IntN(len(streets))], 1+rng.IntN(300), 1+rng.IntN(30), 1+rng.IntN(6), 101+rng.IntN(1500)),
		Number:    number,
		Authority: "示范市公安局示范分局",
		ValidFrom: from.Format("2006.01.02"), ValidTo: to}
}

// CardSnapshot photographs a card as a student would, as a JPEG: tilted
// and turned a little (up to 8 degrees, a slight perspective), at some
// distance (the card 60 to 75% of the frame's width), now and then a
// little soft or with a faint reflection, at JPEG quality 60 to 95.
func CardSnapshot(card *raster.Image, seed uint64) ([]byte, error) {
	rng := rand.New(rand.NewPCG(seed, 5))
	const w, h = 1600, 1200
	scale := 0.6 + 0.15*rng.Float64()
	angle := (rng.Float64()*2 - 1) * 8 * math.Pi / 180
	cx, cy := w/2+(rng.Float64()*2-1)*60, h/2+(rng.Float64()*2-1)*50
	cw := scale * w / 2
	ch := cw * float64(card.H) / float64(card.W)
	var at [4][2]float64
	for i, c := range [4][2]float64{{-cw, -ch}, {cw, -ch}, {cw, ch}, {-cw, ch}} {
		k := 1 + 0.04*(rng.Float64()*2-1)*c[1]/ch // the far edge shorter
		x, y := c[0]*k, c[1]
		at[i] = [2]float64{cx + x*math.Cos(angle) - y*math.Sin(angle), cy + x*math.Sin(angle) + y*math.Cos(angle)}
	}
	blur, glare := 0.0, 0.0
	if rng.IntN(4) == 0 {
		blur = 1
	}
	if rng.IntN(5) == 0 {
		glare = 25
	}
	return jpegturbo.Encode(CardPhoto(card, at, w, h, blur, glare, seed), jpegturbo.EncodeOptions{Quality: 60 + rng.IntN(36), DPI: 72})
}

// PortraitFrame lays any face photo out as the card renderers take their
// portrait (the window (130,20)-(330,280) of a 512x512 frame, which fits
// a 512 px portrait such as testdata/astronaut.png), printed as a card
// prints it: smaller, faded towards grey, with less contrast.
func PortraitFrame(face *raster.Image) *raster.Image {
	frame := raster.NewImage(512, 512)
	for i := range frame.Pix {
		frame.Pix[i] = 236
	}
	scale := min(200/float64(face.W), 260/float64(face.H))
	w, h := int(float64(face.W)*scale), int(float64(face.H)*scale)
	fitted := raster.Resample(face, raster.Rect{X1: float64(face.W), Y1: float64(face.H)}, w, h, raster.Triangle)
	x0, y0 := 130+(200-w)/2, 20+(260-h)/2
	for y := range h {
		for x := range w {
			r, g, b := fitted.At(x, y)
			l := (299*float64(r) + 587*float64(g) + 114*float64(b)) / 1000
			fade := func(c uint8) uint8 { return uint8(0.55*(0.5*float64(c)+0.5*l) + 0.45*200) }
			frame.Set(x0+x, y0+y, fade(r), fade(g), fade(b))
		}
	}
	return frame
}
