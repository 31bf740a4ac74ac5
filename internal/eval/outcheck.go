package eval

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/jpeg"
	"math"

	"zhipai/internal/photo"
	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// OutputCheck is a standardized photo measured from its bytes alone, with
// a decoder (Go's) and detections of its own, against its spec.
type OutputCheck struct {
	Width, Height  int
	Components     int
	DPI            int
	Quality        int // estimated from the quantisation tables
	Bytes          int
	Metadata       []string // APPn segments other than JFIF
	CrownPx        float64
	EyeLinePx      float64
	FaceWidthPx    float64
	CentreOffsetPx float64
	Border         photo.RGB // mean colour of the top rows
	Failures       []string
}

// Pass reports whether every constraint held.
func (c *OutputCheck) Pass() bool { return len(c.Failures) == 0 }

// CheckOutput measures a standardized JPEG against its spec.
func CheckOutput(v *vision.Engine, data []byte, s *photo.Spec) *OutputCheck {
	c := &OutputCheck{Bytes: len(data)}
	failf := func(format string, a ...any) { c.Failures = append(c.Failures, fmt.Sprintf(format, a...)) }
	if err := c.readMarkers(data); err != nil {
		failf("markers: %v", err)
		return c
	}
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		failf("decode: %v", err)
		return c
	}
	img := raster.FromImage(m)
	if c.Width != s.Width || c.Height != s.Height {
		failf("size %dx%d, spec %dx%d", c.Width, c.Height, s.Width, s.Height)
	}
	if c.Components != 3 {
		failf("%d components, want 3 (24-bit colour)", c.Components)
	}
	if c.DPI != s.DPI {
		failf("density %d dpi, spec %d", c.DPI, s.DPI)
	}
	if c.Quality < s.MinQuality {
		failf("quality about %d, floor %d", c.Quality, s.MinQuality)
	}
	if (s.MinKB > 0 && c.Bytes < s.MinKB*1024) || (s.MaxKB > 0 && c.Bytes > s.MaxKB*1024) {
		failf("%d bytes outside %d-%d KB", c.Bytes, s.MinKB, s.MaxKB)
	}
	if len(c.Metadata) > 0 {
		failf("metadata left: %v", c.Metadata)
	}
	c.Border = meanRows(img, 0, 6)
	if colourDist(c.Border, s.Background) > 6 {
		failf("top border %v, spec background %v", c.Border, s.Background)
	}
	if v == nil {
		failf("geometry not measured: no vision engine")
		return c
	}
	faces, err := v.DetectFaces(img)
	if err != nil || len(faces) == 0 {
		failf("no face found in the output")
		return c
	}
	mesh, err := v.FaceMesh(img, faces[0])
	if err != nil {
		failf("mesh: %v", err)
		return c
	}
	right, left, err := v.Irises(img, mesh)
	if err != nil {
		failf("iris: %v", err)
		return c
	}
	rc, lc := mesh.At(vision.MeshRightCheek), mesh.At(vision.MeshLeftCheek)
	c.FaceWidthPx = math.Hypot(lc.X-rc.X, lc.Y-rc.Y)
	re, le := right.Centre, left.Centre
	cx := (re.X + le.X) / 2
	c.CentreOffsetPx = cx - float64(s.Width)/2
	c.EyeLinePx = re.Y + (le.Y-re.Y)*(cx-re.X)/(le.X-re.X)
	c.CrownPx = photo.CrownByBackground(img, s.Background, cx, 0.3*c.FaceWidthPx, c.EyeLinePx)
	// The output is measured by other means than the pipeline used; allow
	// the measurement's own error (a pixel or two) at the range ends.
	const tol = 2
	within := func(name string, r photo.Range, v float64) {
		if v < r.Min-tol || v > r.Max+tol {
			failf("%s %.1f px outside %s", name, v, r)
		}
	}
	within("crown", s.Crown, c.CrownPx)
	within("eye line", s.EyeLine, c.EyeLinePx)
	within("face width", s.FaceWidth, c.FaceWidthPx)
	if math.Abs(c.CentreOffsetPx) > s.MaxCentreOffset+tol {
		failf("face centre %.1f px off centre (max %.1f)", c.CentreOffsetPx, s.MaxCentreOffset)
	}
	return c
}

// readMarkers walks the JPEG's segments up to the scan: frame size and
// components, JFIF density, quantisation tables, other APPn segments.
func (c *OutputCheck) readMarkers(b []byte) error {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return fmt.Errorf("not a JPEG")
	}
	var lumaQ []int
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return fmt.Errorf("bad marker at %d", i)
		}
		marker := b[i+1]
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return fmt.Errorf("segment past the end")
		}
		seg := b[i+4 : i+2+n]
		switch {
		case marker == 0xE0 && len(seg) >= 12 && string(seg[:5]) == "JFIF\x00":
			units := seg[7]
			x := int(binary.BigEndian.Uint16(seg[8:]))
			switch units {
			case 1:
				c.DPI = x
			case 2:
				c.DPI = int(math.Round(float64(x) * 2.54))
			}
		case marker >= 0xE0 && marker <= 0xEF:
			c.Metadata = append(c.Metadata, fmt.Sprintf("APP%d", marker-0xE0))
		case marker == 0xDB:
			for len(seg) > 0 {
				pq, tq := seg[0]>>4, seg[0]&15
				size := 64 * (1 + int(pq))
				if 1+size > len(seg) {
					break
				}
				if tq == 0 {
					lumaQ = lumaQ[:0]
					for k := 0; k < 64; k++ {
						if pq == 0 {
							lumaQ = append(lumaQ, int(seg[1+k]))
						} else {
							lumaQ = append(lumaQ, int(binary.BigEndian.Uint16(seg[1+2*k:])))
						}
					}
				}
				seg = seg[1+size:]
			}
		case marker == 0xC0 || marker == 0xC1 || marker == 0xC2:
			if len(seg) >= 6 {
				c.Height = int(binary.BigEndian.Uint16(seg[1:]))
				c.Width = int(binary.BigEndian.Uint16(seg[3:]))
				c.Components = int(seg[5])
			}
		case marker == 0xDA:
			c.Quality = ijgQuality(lumaQ)
			return nil
		}
		i += 2 + n
	}
	return fmt.Errorf("no scan")
}

// ijgStdLuma is the IJG (JPEG Annex K) luminance table, in zigzag order as
// it appears in a file.
var ijgStdLuma = [64]int{
	16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40,
	26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51,
	56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87,
	95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
}

// ijgQuality inverts libjpeg's quality scaling from the luminance table.
func ijgQuality(q []int) int {
	if len(q) != 64 {
		return 0
	}
	var sq, ss float64
	for k, v := range q {
		sq += float64(v)
		ss += float64(ijgStdLuma[k])
	}
	scale := 100 * sq / ss
	if scale <= 100 {
		return int(math.Round((200 - scale) / 2))
	}
	return int(math.Round(5000 / scale))
}

func meanRows(img *raster.Image, y0, y1 int) photo.RGB {
	var s [3]float64
	n := 0
	for y := y0; y < y1 && y < img.H; y++ {
		for x := 0; x < img.W; x++ {
			r, g, b := img.At(x, y)
			s[0] += float64(r)
			s[1] += float64(g)
			s[2] += float64(b)
			n++
		}
	}
	return photo.RGB{R: uint8(s[0]/float64(n) + 0.5), G: uint8(s[1]/float64(n) + 0.5), B: uint8(s[2]/float64(n) + 0.5)}
}

// colourDist is the largest per-channel difference.
func colourDist(a, b photo.RGB) float64 {
	d := func(x, y uint8) float64 { return math.Abs(float64(x) - float64(y)) }
	return math.Max(d(a.R, b.R), math.Max(d(a.G, b.G), d(a.B, b.B)))
}
