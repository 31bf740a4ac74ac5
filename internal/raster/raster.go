// Package raster holds the pixel buffers the photo pipeline and the vision
// models share, and the resampling between them. Buffers are plain slices
// (no image.Image interface calls in inner loops) because a 12-megapixel
// photo passes through here on every upload.
package raster

import (
	"fmt"
	"image"
	"image/color"
)

// Image is an 8-bit sRGB image, 3 bytes per pixel, rows packed.
type Image struct {
	W, H int
	Pix  []uint8
}

// NewImage allocates a black image.
func NewImage(w, h int) *Image {
	return &Image{W: w, H: h, Pix: make([]uint8, 3*w*h)}
}

// At returns the pixel at (x, y); coordinates outside are clamped to the edge.
func (m *Image) At(x, y int) (r, g, b uint8) {
	x = clampInt(x, 0, m.W-1)
	y = clampInt(y, 0, m.H-1)
	i := 3 * (y*m.W + x)
	return m.Pix[i], m.Pix[i+1], m.Pix[i+2]
}

// Set writes the pixel at (x, y), which must be inside.
func (m *Image) Set(x, y int, r, g, b uint8) {
	i := 3 * (y*m.W + x)
	m.Pix[i], m.Pix[i+1], m.Pix[i+2] = r, g, b
}

// Fill paints the whole image one colour.
func (m *Image) Fill(r, g, b uint8) {
	for i := 0; i < len(m.Pix); i += 3 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2] = r, g, b
	}
}

// Clone returns a deep copy.
func (m *Image) Clone() *Image {
	return &Image{W: m.W, H: m.H, Pix: append([]uint8(nil), m.Pix...)}
}

// FromImage converts any image.Image to sRGB bytes; alpha, if any, is
// composited over white (a transparent PNG is a photo on white paper).
func FromImage(src image.Image) *Image {
	b := src.Bounds()
	dst := NewImage(b.Dx(), b.Dy())
	switch s := src.(type) {
	case *image.YCbCr:
		for y := 0; y < dst.H; y++ {
			for x := 0; x < dst.W; x++ {
				yi := s.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := s.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bb := color.YCbCrToRGB(s.Y[yi], s.Cb[ci], s.Cr[ci])
				dst.Set(x, y, r, g, bb)
			}
		}
	case *image.RGBA:
		for y := 0; y < dst.H; y++ {
			row := s.Pix[(y)*s.Stride:]
			for x := 0; x < dst.W; x++ {
				p := row[4*x:]
				a := uint32(p[3])
				dst.Set(x, y, overWhite(p[0], a), overWhite(p[1], a), overWhite(p[2], a))
			}
		}
	case *image.NRGBA:
		for y := 0; y < dst.H; y++ {
			row := s.Pix[(y)*s.Stride:]
			for x := 0; x < dst.W; x++ {
				p := row[4*x:]
				a := uint32(p[3])
				dst.Set(x, y, blendWhite(p[0], a), blendWhite(p[1], a), blendWhite(p[2], a))
			}
		}
	case *image.Gray:
		for y := 0; y < dst.H; y++ {
			for x := 0; x < dst.W; x++ {
				v := s.Pix[y*s.Stride+x]
				dst.Set(x, y, v, v, v)
			}
		}
	default:
		for y := 0; y < dst.H; y++ {
			for x := 0; x < dst.W; x++ {
				c := color.NRGBA64Model.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
				a := uint32(c.A >> 8)
				dst.Set(x, y, blendWhite(uint8(c.R>>8), a), blendWhite(uint8(c.G>>8), a), blendWhite(uint8(c.B>>8), a))
			}
		}
	}
	return dst
}

// overWhite composites a premultiplied channel over white.
func overWhite(c uint8, a uint32) uint8 { return uint8(uint32(c) + (255 - a)) }

// blendWhite composites a straight-alpha channel over white.
func blendWhite(c uint8, a uint32) uint8 {
	return uint8((uint32(c)*a + 255*(255-a) + 127) / 255)
}

// ToNRGBA converts to the standard library's image type (for PNG output).
func (m *Image) ToNRGBA() *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, m.W, m.H))
	for i, j := 0, 0; i < len(m.Pix); i, j = i+3, j+4 {
		out.Pix[j], out.Pix[j+1], out.Pix[j+2], out.Pix[j+3] = m.Pix[i], m.Pix[i+1], m.Pix[i+2], 255
	}
	return out
}

// Plane is a single-channel float image: a mask, a matte, a luminance map.
type Plane struct {
	W, H int
	Pix  []float32
}

// NewPlane allocates a zero plane.
func NewPlane(w, h int) *Plane {
	return &Plane{W: w, H: h, Pix: make([]float32, w*h)}
}

// At returns the value at (x, y), clamped to the edge.
func (p *Plane) At(x, y int) float32 {
	return p.Pix[clampInt(y, 0, p.H-1)*p.W+clampInt(x, 0, p.W-1)]
}

// Bilinear samples at a continuous position (pixel centres at +0.5).
func (p *Plane) Bilinear(x, y float64) float32 {
	x -= 0.5
	y -= 0.5
	x0, y0 := floor(x), floor(y)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	a, b := p.At(x0, y0), p.At(x0+1, y0)
	c, d := p.At(x0, y0+1), p.At(x0+1, y0+1)
	return (a*(1-fx)+b*fx)*(1-fy) + (c*(1-fx)+d*fx)*fy
}

// Rect is an axis-aligned rectangle in continuous pixel coordinates.
type Rect struct{ X0, Y0, X1, Y1 float64 }

// W and H are the rectangle's size.
func (r Rect) W() float64 { return r.X1 - r.X0 }
func (r Rect) H() float64 { return r.Y1 - r.Y0 }

// CX and CY are its centre.
func (r Rect) CX() float64 { return (r.X0 + r.X1) / 2 }
func (r Rect) CY() float64 { return (r.Y0 + r.Y1) / 2 }

// Area is its area, zero when empty.
func (r Rect) Area() float64 {
	if r.X1 <= r.X0 || r.Y1 <= r.Y0 {
		return 0
	}
	return r.W() * r.H()
}

// Intersect returns the overlap of two rectangles.
func (r Rect) Intersect(o Rect) Rect {
	return Rect{max(r.X0, o.X0), max(r.Y0, o.Y0), min(r.X1, o.X1), min(r.Y1, o.Y1)}
}

// IoU is intersection over union.
func (r Rect) IoU(o Rect) float64 {
	in := r.Intersect(o).Area()
	u := r.Area() + o.Area() - in
	if u <= 0 {
		return 0
	}
	return in / u
}

// Scale multiplies every coordinate.
func (r Rect) Scale(s float64) Rect { return Rect{r.X0 * s, r.Y0 * s, r.X1 * s, r.Y1 * s} }

func (r Rect) String() string {
	return fmt.Sprintf("[%.1f,%.1f %.1fx%.1f]", r.X0, r.Y0, r.W(), r.H())
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func floor(v float64) int {
	i := int(v)
	if float64(i) > v {
		i--
	}
	return i
}
