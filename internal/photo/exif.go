package photo

import (
	"encoding/binary"

	"zhipai/internal/raster"
)

// exifOrientation reads tag 0x0112 from IFD0 of a TIFF-structured EXIF
// block; 1 (upright) when absent or unreadable. Every offset is checked: the
// block comes from the student's file.
func exifOrientation(tiff []byte) int {
	if len(tiff) > 6 && string(tiff[:6]) == "Exif\x00\x00" {
		tiff = tiff[6:]
	}
	if len(tiff) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(tiff[4:8]))
	if ifd < 8 || ifd+2 > len(tiff) {
		return 1
	}
	n := int(bo.Uint16(tiff[ifd:]))
	for i := 0; i < n; i++ {
		e := ifd + 2 + 12*i
		if e+12 > len(tiff) {
			return 1
		}
		if bo.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		// SHORT, count 1: the value sits in the first two bytes of the
		// value field.
		if bo.Uint16(tiff[e+2:]) != 3 {
			return 1
		}
		v := int(bo.Uint16(tiff[e+8:]))
		if v < 1 || v > 8 {
			return 1
		}
		return v
	}
	return 1
}

// orient applies an EXIF orientation so the image is upright as the camera
// meant it. This is the display transform the file asks for, not a change
// to the photo.
func orient(src *raster.Image, o int) *raster.Image {
	if o <= 1 || o > 8 {
		return src
	}
	w, h := src.W, src.H
	if o >= 5 {
		w, h = h, w
	}
	dst := raster.NewImage(w, h)
	// For each destination pixel, the source pixel it shows.
	var at func(x, y int) (int, int)
	switch o {
	case 2:
		at = func(x, y int) (int, int) { return src.W - 1 - x, y }
	case 3:
		at = func(x, y int) (int, int) { return src.W - 1 - x, src.H - 1 - y }
	case 4:
		at = func(x, y int) (int, int) { return x, src.H - 1 - y }
	case 5:
		at = func(x, y int) (int, int) { return y, x }
	case 6:
		at = func(x, y int) (int, int) { return y, src.H - 1 - x }
	case 7:
		at = func(x, y int) (int, int) { return src.W - 1 - y, src.H - 1 - x }
	case 8:
		at = func(x, y int) (int, int) { return src.W - 1 - y, x }
	}
	for y := 0; y < h; y++ {
		row := dst.Pix[3*y*w : 3*(y+1)*w]
		for x := 0; x < w; x++ {
			sx, sy := at(x, y)
			i := 3 * (sy*src.W + sx)
			row[3*x], row[3*x+1], row[3*x+2] = src.Pix[i], src.Pix[i+1], src.Pix[i+2]
		}
	}
	return dst
}
