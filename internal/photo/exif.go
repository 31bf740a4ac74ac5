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
	// Destination pixel (x, y) shows source pixel (sx, sy) with
	// sx = ax*x + bx*y + cx and sy = ay*x + by*y + cy; as a byte offset into
	// the source that is start(y) + x*step.
	var ax, bx, cx, ay, by, cy int
	switch o {
	case 2:
		ax, cx, by = -1, src.W-1, 1
	case 3:
		ax, cx, by, cy = -1, src.W-1, -1, src.H-1
	case 4:
		ax, by, cy = 1, -1, src.H-1
	case 5:
		bx, ay = 1, 1
	case 6:
		bx, ay, cy = 1, -1, src.H-1
	case 7:
		bx, cx, ay, cy = -1, src.W-1, -1, src.H-1
	case 8:
		bx, cx, ay = -1, src.W-1, 1
	}
	step := 3 * (ay*src.W + ax)
	for y := 0; y < h; y++ {
		si := 3 * ((by*y+cy)*src.W + bx*y + cx)
		row := dst.Pix[3*y*w : 3*(y+1)*w]
		for x := 0; x < len(row); x += 3 {
			p := src.Pix[si : si+3]
			row[x], row[x+1], row[x+2] = p[0], p[1], p[2]
			si += step
		}
	}
	return dst
}
