// Package synth makes the synthetic photos the benchmarks and tests use
// where no real photo of the kind can be committed: a person composited
// onto a rendered white wall at phone resolution, EXIF orientation and ICC
// profiles attached to JPEG bytes. Everything is deterministic (seeded).
package synth

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"

	"zhipai/internal/raster"
)

// Wall renders a white wall as a phone sees it indoors: light falling off
// from the upper left, a slight warm cast, sensor noise.
func Wall(w, h int, seed uint64) *raster.Image {
	img := raster.NewImage(w, h)
	rng := rand.New(rand.NewPCG(seed, 1))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			light := 236 - 18*math.Hypot(fx-0.2, fy-0.1)
			n := rng.NormFloat64() * 2
			img.Set(x, y, clamp(light+2+n), clamp(light+n), clamp(light-4+n))
		}
	}
	return img
}

// Composite places person (with its matte) onto dst, scaled into rect,
// then adds sensor noise of sigma over the whole frame.
func Composite(dst, person *raster.Image, alpha *raster.Plane, rect raster.Rect, sigma float64, seed uint64) {
	w, h := int(rect.W()+0.5), int(rect.H()+0.5)
	full := raster.Rect{X1: float64(person.W), Y1: float64(person.H)}
	p := raster.Resample(person, full, w, h, raster.Triangle)
	a := raster.ResamplePlane(alpha, full, w, h, raster.Triangle)
	x0, y0 := int(rect.X0), int(rect.Y0)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := x0+x, y0+y
			if dx < 0 || dy < 0 || dx >= dst.W || dy >= dst.H {
				continue
			}
			al := float64(min(max(a.Pix[y*w+x], 0), 1))
			if al == 0 {
				continue
			}
			pr, pg, pb := p.At(x, y)
			br, bg, bb := dst.At(dx, dy)
			dst.Set(dx, dy, mix(pr, br, al), mix(pg, bg, al), mix(pb, bb, al))
		}
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	for i := range dst.Pix {
		dst.Pix[i] = clamp(float64(dst.Pix[i]) + rng.NormFloat64()*sigma)
	}
}

func mix(a, b uint8, al float64) uint8 { return clamp(float64(a)*al + float64(b)*(1-al)) }

func clamp(v float64) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// Rotate returns the image turned so that EXIF orientation o shows it
// upright again: what a phone stores when held upright (o = 6: the sensor's
// pixels lie on their side).
func Rotate(img *raster.Image, o int) *raster.Image {
	if o != 6 && o != 8 && o != 3 {
		return img
	}
	w, h := img.W, img.H
	if o != 3 {
		w, h = h, w
	}
	out := raster.NewImage(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var sx, sy int
			switch o {
			case 6: // stored = upright turned 90 degrees counter-clockwise
				sx, sy = img.W-1-y, x
			case 8:
				sx, sy = y, img.H-1-x
			case 3:
				sx, sy = img.W-1-x, img.H-1-y
			}
			r, g, b := img.At(sx, sy)
			out.Set(x, y, r, g, b)
		}
	}
	return out
}

// EXIF is the metadata WithEXIF writes.
type EXIF struct {
	Orientation     int
	FocalLength35mm int    // tag 0xA405 in the Exif sub-IFD; 0: absent
	Software        string // tag 0x0131; empty: absent
}

// WithEXIFOrientation inserts an APP1 Exif segment holding the orientation
// tag right after the JPEG's SOI (and any JFIF APP0).
func WithEXIFOrientation(jpeg []byte, o int) []byte {
	return WithEXIF(jpeg, EXIF{Orientation: o})
}

// WithEXIF inserts an APP1 Exif segment (big-endian TIFF) with the given
// tags after the JPEG's SOI (and any JFIF APP0).
func WithEXIF(jpeg []byte, e EXIF) []byte {
	type entry struct {
		tag, typ uint16
		count    uint32
		value    uint32 // inline value or offset
	}
	be := binary.BigEndian
	var ifd0 []entry
	var extra []byte // data after the IFDs
	// Layout: header (8) | IFD0 | Exif IFD | strings
	n0 := 1
	if e.Software != "" {
		n0++
	}
	if e.FocalLength35mm > 0 {
		n0++
	}
	ifd0Size := 2 + 12*n0 + 4
	exifOff := 8 + ifd0Size
	exifSize := 0
	if e.FocalLength35mm > 0 {
		exifSize = 2 + 12 + 4
	}
	dataOff := exifOff + exifSize
	ifd0 = append(ifd0, entry{0x0112, 3, 1, uint32(e.Orientation) << 16})
	if e.Software != "" {
		s := append([]byte(e.Software), 0)
		ifd0 = append(ifd0, entry{0x0131, 2, uint32(len(s)), uint32(dataOff + len(extra))})
		extra = append(extra, s...)
	}
	if e.FocalLength35mm > 0 {
		ifd0 = append(ifd0, entry{0x8769, 4, 1, uint32(exifOff)})
	}
	var tiff bytes.Buffer
	tiff.WriteString("MM\x00*")
	binary.Write(&tiff, be, uint32(8))
	writeIFD := func(es []entry) {
		binary.Write(&tiff, be, uint16(len(es)))
		for _, x := range es {
			binary.Write(&tiff, be, x.tag)
			binary.Write(&tiff, be, x.typ)
			binary.Write(&tiff, be, x.count)
			binary.Write(&tiff, be, x.value)
		}
		binary.Write(&tiff, be, uint32(0))
	}
	writeIFD(ifd0)
	if e.FocalLength35mm > 0 {
		writeIFD([]entry{{0xA405, 3, 1, uint32(e.FocalLength35mm) << 16}})
	}
	tiff.Write(extra)
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	return insertSegment(jpeg, 0xE1, payload)
}

// WithICC inserts an ICC profile as APP2 ICC_PROFILE segment(s).
func WithICC(jpeg []byte, icc []byte) []byte {
	const chunk = 65519
	n := (len(icc) + chunk - 1) / chunk
	out := jpeg
	// Insert in reverse so the chunks end up in order after SOI/APP0.
	for i := n - 1; i >= 0; i-- {
		part := icc[i*chunk : min(len(icc), (i+1)*chunk)]
		payload := append([]byte("ICC_PROFILE\x00"), byte(i+1), byte(n))
		out = insertSegment(out, 0xE2, append(payload, part...))
	}
	return out
}

func insertSegment(jpeg []byte, marker byte, payload []byte) []byte {
	at := 2
	if len(jpeg) > 6 && jpeg[2] == 0xFF && jpeg[3] == 0xE0 {
		at = 4 + int(binary.BigEndian.Uint16(jpeg[4:]))
	}
	seg := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := make([]byte, 0, len(jpeg)+len(seg)+len(payload))
	out = append(out, jpeg[:at]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpeg[at:]...)
}
