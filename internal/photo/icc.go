package photo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"

	"zhipai/internal/raster"
)

// colourProfile is the part of an ICC profile Zhipai can apply exactly: an
// RGB matrix/TRC profile (what phones write: sRGB, Display P3, Adobe RGB).
type colourProfile struct {
	Description string
	matrix      [3][3]float64 // linear RGB -> XYZ (D50), columns r, g, b
	trc         [3]*toneCurve
}

// The sRGB profile's colorants, chromatically adapted to D50 as ICC
// profiles store them.
var srgbD50 = [3][3]float64{
	{0.4360747, 0.3850649, 0.1430804},
	{0.2225045, 0.7168786, 0.0606169},
	{0.0139322, 0.0971045, 0.7141733},
}

var errProfile = errors.New("icc: unsupported profile")

// parseICC reads a matrix/TRC RGB profile. A grey profile yields nil, nil
// (nothing to convert); anything else that cannot be applied exactly is
// errProfile.
func parseICC(b []byte) (*colourProfile, error) {
	if len(b) < 132 || string(b[36:40]) != "acsp" {
		return nil, fmt.Errorf("%w: not an ICC profile", errProfile)
	}
	space := string(b[16:20])
	if space == "GRAY" {
		return nil, nil
	}
	if space != "RGB " {
		return nil, fmt.Errorf("%w: colour space %q", errProfile, space)
	}
	if pcs := string(b[20:24]); pcs != "XYZ " {
		return nil, fmt.Errorf("%w: connection space %q", errProfile, pcs)
	}
	tags := map[string][]byte{}
	n := int(binary.BigEndian.Uint32(b[128:]))
	for i := 0; i < n; i++ {
		e := 132 + 12*i
		if e+12 > len(b) {
			return nil, fmt.Errorf("%w: tag table truncated", errProfile)
		}
		sig := string(b[e : e+4])
		off := int(binary.BigEndian.Uint32(b[e+4:]))
		size := int(binary.BigEndian.Uint32(b[e+8:]))
		if off < 0 || size < 0 || off > len(b) || size > len(b)-off {
			return nil, fmt.Errorf("%w: tag %s out of bounds", errProfile, sig)
		}
		tags[sig] = b[off : off+size]
	}
	p := &colourProfile{Description: iccText(tags["desc"])}
	for c, name := range []string{"rXYZ", "gXYZ", "bXYZ"} {
		t := tags[name]
		if len(t) < 20 || string(t[:4]) != "XYZ " {
			return nil, fmt.Errorf("%w: no %s colorant (a LUT-based profile)", errProfile, name)
		}
		for k := 0; k < 3; k++ {
			p.matrix[k][c] = s15f16(t[8+4*k:])
		}
	}
	for c, name := range []string{"rTRC", "gTRC", "bTRC"} {
		curve, err := parseCurve(tags[name])
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", errProfile, name, err)
		}
		p.trc[c] = curve
	}
	return p, nil
}

func s15f16(b []byte) float64 { return float64(int32(binary.BigEndian.Uint32(b))) / 65536 }

// iccText decodes a 'desc' (ICC v2) or 'mluc' (v4) text tag, best effort.
func iccText(t []byte) string {
	switch {
	case len(t) >= 12 && string(t[:4]) == "desc":
		n := int(binary.BigEndian.Uint32(t[8:]))
		if n > 0 && 12+n <= len(t) {
			return strings.TrimRight(string(t[12:12+n]), "\x00")
		}
	case len(t) >= 28 && string(t[:4]) == "mluc":
		size := int(binary.BigEndian.Uint32(t[20:]))
		off := int(binary.BigEndian.Uint32(t[24:]))
		if off >= 0 && size >= 0 && off+size <= len(t) {
			u := make([]uint16, size/2)
			for i := range u {
				u[i] = binary.BigEndian.Uint16(t[off+2*i:])
			}
			return string(utf16.Decode(u))
		}
	}
	return ""
}

// toneCurve maps an encoded value in [0,1] to linear light.
type toneCurve struct {
	gamma  float64   // pure power law when table and params are empty
	table  []float64 // sampled curve
	params []float64 // parametric curve g, a, b, c, d, e, f
	fn     int
}

func parseCurve(t []byte) (*toneCurve, error) {
	if len(t) < 12 {
		return nil, fmt.Errorf("missing curve")
	}
	switch string(t[:4]) {
	case "curv":
		n := int(binary.BigEndian.Uint32(t[8:]))
		switch {
		case n == 0:
			return &toneCurve{gamma: 1}, nil
		case n == 1 && len(t) >= 14:
			return &toneCurve{gamma: float64(binary.BigEndian.Uint16(t[12:])) / 256}, nil
		case n > 1 && len(t) >= 12+2*n:
			c := &toneCurve{table: make([]float64, n)}
			for i := range c.table {
				c.table[i] = float64(binary.BigEndian.Uint16(t[12+2*i:])) / 65535
			}
			return c, nil
		}
	case "para":
		fn := int(binary.BigEndian.Uint16(t[8:]))
		counts := []int{1, 3, 4, 5, 7}
		if fn < 0 || fn >= len(counts) || len(t) < 12+4*counts[fn] {
			return nil, fmt.Errorf("parametric curve type %d", fn)
		}
		c := &toneCurve{fn: fn}
		for i := 0; i < counts[fn]; i++ {
			c.params = append(c.params, s15f16(t[12+4*i:]))
		}
		return c, nil
	}
	return nil, fmt.Errorf("curve type %q", string(t[:4]))
}

func (c *toneCurve) eval(x float64) float64 {
	switch {
	case c.table != nil:
		pos := x * float64(len(c.table)-1)
		i := int(pos)
		if i >= len(c.table)-1 {
			return c.table[len(c.table)-1]
		}
		f := pos - float64(i)
		return c.table[i]*(1-f) + c.table[i+1]*f
	case c.params != nil:
		p := c.params
		g := p[0]
		switch c.fn {
		case 0:
			return math.Pow(x, g)
		case 1:
			if x >= -p[2]/p[1] {
				return math.Pow(p[1]*x+p[2], g)
			}
			return 0
		case 2:
			if x >= -p[2]/p[1] {
				return math.Pow(p[1]*x+p[2], g) + p[3]
			}
			return p[3]
		case 3:
			if x >= p[4] {
				return math.Pow(p[1]*x+p[2], g)
			}
			return p[3] * x
		case 4:
			if x >= p[4] {
				return math.Pow(p[1]*x+p[2], g) + p[5]
			}
			return p[3]*x + p[6]
		}
	}
	return math.Pow(x, c.gamma)
}

// isSRGB reports whether the profile is sRGB to within a rounding of its
// numbers, so converting would change nothing.
func (p *colourProfile) isSRGB() bool {
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			if math.Abs(p.matrix[i][j]-srgbD50[i][j]) > 0.003 {
				return false
			}
		}
	}
	for _, c := range p.trc {
		for _, x := range []float64{0.02, 0.2, 0.5, 0.8} {
			if math.Abs(c.eval(x)-srgbToLinear(x)) > 0.004 {
				return false
			}
		}
	}
	return true
}

// converter builds the per-channel lookup tables and matrix that take the
// profile's pixels to sRGB.
func (p *colourProfile) converter() *colourConverter {
	cv := &colourConverter{}
	inv := invert3(srgbD50)
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			var s float64
			for k := 0; k < 3; k++ {
				s += inv[i][k] * p.matrix[k][j]
			}
			cv.m[i][j] = float32(s)
		}
	}
	for c := 0; c < 3; c++ {
		for v := 0; v < 256; v++ {
			cv.lin[c][v] = float32(p.trc[c].eval(float64(v) / 255))
		}
	}
	for i := range cv.enc {
		cv.enc[i] = uint8(math.Round(255 * linearToSRGB(float64(i)/float64(len(cv.enc)-1))))
	}
	return cv
}

type colourConverter struct {
	m   [3][3]float32
	lin [3][256]float32
	enc [4096]uint8
}

// apply converts the image in place.
func (cv *colourConverter) apply(img *raster.Image) {
	n := float32(len(cv.enc) - 1)
	encode := func(v float32) uint8 {
		if v <= 0 {
			return 0
		}
		if v >= 1 {
			return 255
		}
		return cv.enc[int(v*n+0.5)]
	}
	m := cv.m
	for i := 0; i < len(img.Pix); i += 3 {
		r, g, b := cv.lin[0][img.Pix[i]], cv.lin[1][img.Pix[i+1]], cv.lin[2][img.Pix[i+2]]
		img.Pix[i] = encode(m[0][0]*r + m[0][1]*g + m[0][2]*b)
		img.Pix[i+1] = encode(m[1][0]*r + m[1][1]*g + m[1][2]*b)
		img.Pix[i+2] = encode(m[2][0]*r + m[2][1]*g + m[2][2]*b)
	}
}

func srgbToLinear(x float64) float64 {
	if x <= 0.04045 {
		return x / 12.92
	}
	return math.Pow((x+0.055)/1.055, 2.4)
}

func linearToSRGB(x float64) float64 {
	if x <= 0.0031308 {
		return 12.92 * x
	}
	return 1.055*math.Pow(x, 1/2.4) - 0.055
}

func invert3(m [3][3]float64) [3][3]float64 {
	det := m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
		m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
		m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	var r [3][3]float64
	r[0][0] = (m[1][1]*m[2][2] - m[1][2]*m[2][1]) / det
	r[0][1] = (m[0][2]*m[2][1] - m[0][1]*m[2][2]) / det
	r[0][2] = (m[0][1]*m[1][2] - m[0][2]*m[1][1]) / det
	r[1][0] = (m[1][2]*m[2][0] - m[1][0]*m[2][2]) / det
	r[1][1] = (m[0][0]*m[2][2] - m[0][2]*m[2][0]) / det
	r[1][2] = (m[0][2]*m[1][0] - m[0][0]*m[1][2]) / det
	r[2][0] = (m[1][0]*m[2][1] - m[1][1]*m[2][0]) / det
	r[2][1] = (m[0][1]*m[2][0] - m[0][0]*m[2][1]) / det
	r[2][2] = (m[0][0]*m[1][1] - m[0][1]*m[1][0]) / det
	return r
}
