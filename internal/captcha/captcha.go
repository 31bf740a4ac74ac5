// Package captcha makes the challenge a browser must pass before an SMS
// code is sent (requirements AU-2): a small sum drawn as a distorted image,
// with the same sum asked in words for those who cannot see the image
// (screen readers read it out). It is self-hosted: nothing is fetched from
// a third party, and nothing of the answer leaves the server but the image
// and the question.
//
// The spoken alternative is as easy for a program as for a screen reader;
// that is the price of accessibility. The challenge is one brake among
// several: codes are limited per phone, per phone and client, and per
// address, and a challenge is good for one try.
package captcha

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
)

// Challenge is one sum to solve.
type Challenge struct {
	// Question asks the sum in words (the accessible alternative).
	Question string
	// Answer is the sum, in Arabic digits.
	Answer string
	// PNG draws the sum, distorted.
	PNG []byte
}

var digitsZH = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// numberZH writes 0..20 in Chinese.
func numberZH(n int) string {
	switch {
	case n <= 10:
		return digitsZH[n]
	case n < 20:
		return "十" + digitsZH[n-10]
	}
	return "二十"
}

// New makes a challenge: a + b or a - b with a result from 0 to 18.
func New(rng *rand.Rand) Challenge {
	a, b := 2+rng.IntN(8), 1+rng.IntN(9)
	plus := rng.IntN(2) == 0
	if !plus && b > a {
		a, b = b, a
	}
	op, word, sum := "+", "加", a+b
	if !plus {
		op, word, sum = "-", "减", a-b
	}
	phrasing := []string{"%s%s%s等于几？", "请计算：%s%s%s等于多少？"}[rng.IntN(2)]
	q := fmt.Sprintf(phrasing, numberZH(a), word, numberZH(b)) + "请用阿拉伯数字回答。"
	return Challenge{Question: q, Answer: strconv.Itoa(sum), PNG: draw(strconv.Itoa(a)+op+strconv.Itoa(b)+"=?", rng)}
}

// Solve answers a question of New as a screen-reader user would, for the
// load generator and the tests (which cannot read the image).
func Solve(question string) (string, bool) {
	rs := []rune(question)
	var nums []int
	op := 0
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '加':
			op = 1
			continue
		case '减':
			op = -1
			continue
		}
		n, w := readZH(rs[i:])
		if w > 0 {
			nums = append(nums, n)
			i += w - 1
		}
	}
	if len(nums) != 2 || op == 0 {
		return "", false
	}
	return strconv.Itoa(nums[0] + op*nums[1]), true
}

func readZH(rs []rune) (n, width int) {
	val := func(r rune) int {
		for i, d := range digitsZH {
			if []rune(d)[0] == r {
				return i
			}
		}
		return -1
	}
	v := val(rs[0])
	if v < 0 {
		return 0, 0
	}
	if v == 10 { // 十, 十X
		if len(rs) > 1 && val(rs[1]) > 0 && val(rs[1]) < 10 {
			return 10 + val(rs[1]), 2
		}
		return 10, 1
	}
	if v == 2 && len(rs) > 1 && val(rs[1]) == 10 { // 二十
		return 20, 2
	}
	return v, 1
}

// glyphs are strokes on a 4 x 6 grid: each a polyline.
var glyphs = map[rune][][]float64{
	'0': {{0, 0, 4, 0, 4, 6, 0, 6, 0, 0}},
	'1': {{1, 1, 2, 0, 2, 6}, {1, 6, 3, 6}},
	'2': {{0, 0, 4, 0, 4, 3, 0, 3, 0, 6, 4, 6}},
	'3': {{0, 0, 4, 0, 4, 6, 0, 6}, {1, 3, 4, 3}},
	'4': {{0, 0, 0, 3, 4, 3}, {3, 0, 3, 6}},
	'5': {{4, 0, 0, 0, 0, 3, 4, 3, 4, 6, 0, 6}},
	'6': {{4, 0, 0, 0, 0, 6, 4, 6, 4, 3, 0, 3}},
	'7': {{0, 0, 4, 0, 1, 6}},
	'8': {{0, 0, 4, 0, 4, 6, 0, 6, 0, 0}, {0, 3, 4, 3}},
	'9': {{4, 3, 0, 3, 0, 0, 4, 0, 4, 6, 0, 6}},
	'+': {{0, 3, 4, 3}, {2, 1, 2, 5}},
	'-': {{0, 3, 4, 3}},
	'=': {{0, 2, 4, 2}, {0, 4, 4, 4}},
	'?': {{0, 1, 1, 0, 3, 0, 4, 1, 4, 2, 2, 3, 2, 4}, {2, 5.5, 2, 6}},
}

// draw renders the text at 200 x 64 with each glyph scaled, turned and
// shifted at random, a wave through the whole, and noise lines.
func draw(text string, rng *rand.Rand) []byte {
	const w, h = 200, 64
	img := image.NewPaletted(image.Rect(0, 0, w, h), palette)
	for i := 0; i < len(img.Pix); i += 21 { // 3 bits a pixel from each draw
		r := rng.Uint64()
		for j := i; j < min(i+21, len(img.Pix)); j++ {
			img.Pix[j], r = uint8(r&7), r>>3
		}
	}
	ink := func(x, y float64, r float64) {
		for dy := -r; dy <= r; dy++ {
			for dx := -r; dx <= r; dx++ {
				if dx*dx+dy*dy <= r*r {
					xi, yi := int(x+dx), int(y+dy)
					if xi >= 0 && yi >= 0 && xi < w && yi < h {
						img.Pix[yi*w+xi] = uint8(8 + rng.IntN(8))
					}
				}
			}
		}
	}
	phase, amp := rng.Float64()*2*math.Pi, 2+rng.Float64()*3
	wave := func(x, y float64) (float64, float64) { return x, y + amp*math.Sin(x/17+phase) }
	x0 := 10 + rng.Float64()*8
	for _, ch := range text {
		scale := 6 + rng.Float64()*2
		sin, cos := math.Sincos((rng.Float64() - 0.5) * 0.5) // the glyph's turn
		top := 10 + rng.Float64()*8
		for _, stroke := range glyphs[ch] {
			for i := 0; i+3 < len(stroke); i += 2 {
				ax, ay, bx, by := stroke[i], stroke[i+1], stroke[i+2], stroke[i+3]
				steps := int(math.Hypot(bx-ax, by-ay)*scale*2) + 1
				for s := 0; s <= steps; s++ {
					t := float64(s) / float64(steps)
					gx, gy := (ax+(bx-ax)*t-2)*scale, (ay+(by-ay)*t-3)*scale
					rx, ry := gx*cos-gy*sin, gx*sin+gy*cos
					px, py := wave(x0+2*scale+rx, top+3*scale+ry)
					ink(px, py, 1.6)
				}
			}
		}
		x0 += 4*scale + 4 + rng.Float64()*4
	}
	for range 4 { // noise lines across
		ax, ay, bx, by := rng.Float64()*w, rng.Float64()*h, rng.Float64()*w, rng.Float64()*h
		for s := 0; s <= 200; s++ {
			t := float64(s) / 200
			ink(ax+(bx-ax)*t, ay+(by-ay)*t, 0.7)
		}
	}
	var b bytes.Buffer
	encoder.Encode(&b, img)
	return b.Bytes()
}

// palette is 8 light greys for the paper and 8 dark ones for the ink: an
// image of 16 colours is written 4 bits a pixel without the filters a
// grey image is tried with, which were half the time of a challenge.
var palette = func() color.Palette {
	p := make(color.Palette, 16)
	for i := range 8 {
		p[i] = color.Gray{Y: uint8(230 + 3*i)}
		p[8+i] = color.Gray{Y: uint8(30 + 5*i)}
	}
	return p
}()

// encoder keeps its buffers between images and does not compress: the
// noise does not compress anyway (6.5 KB stored against 5.7 KB at
// deflate's fastest, which was half the time of a challenge), and every
// sign-in page waits on this.
var encoder = png.Encoder{CompressionLevel: png.NoCompression, BufferPool: new(bufferPool)}

type bufferPool struct{ p sync.Pool }

func (p *bufferPool) Get() *png.EncoderBuffer {
	b, _ := p.p.Get().(*png.EncoderBuffer)
	return b
}

func (p *bufferPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }
