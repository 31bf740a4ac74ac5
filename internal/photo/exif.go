package photo

import (
	"encoding/binary"
	"strings"

	"zhipai/internal/raster"
)

// exifInfo is what Zhipai reads from a photo's EXIF block (the output
// carries none of it).
type exifInfo struct {
	Orientation int // 1-8; 1 when absent
	// FocalLength35mm is the lens's 35 mm-equivalent focal length (tag
	// 0xA405), which with the iris size tells how far the camera was.
	FocalLength35mm int
	// Software names the program that last wrote the file (tag 0x0131):
	// a retouching app leaves its name here.
	Software string
}

// exifOrientation reads the orientation alone.
func exifOrientation(tiff []byte) int { return readEXIF(tiff).Orientation }

// readEXIF reads IFD0 (orientation, software) and the Exif sub-IFD (35 mm
// focal length) of a TIFF-structured EXIF block. Every offset is checked:
// the block comes from the student's file.
func readEXIF(tiff []byte) exifInfo {
	info := exifInfo{Orientation: 1}
	if len(tiff) > 6 && string(tiff[:6]) == "Exif\x00\x00" {
		tiff = tiff[6:]
	}
	if len(tiff) < 8 {
		return info
	}
	var bo binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return info
	}
	// entries calls fn for each 12-byte entry of the IFD at off.
	entries := func(off int, fn func(tag, typ uint16, count uint32, value []byte)) {
		if off < 8 || off+2 > len(tiff) {
			return
		}
		n := int(bo.Uint16(tiff[off:]))
		for i := 0; i < n; i++ {
			e := off + 2 + 12*i
			if e+12 > len(tiff) {
				return
			}
			fn(bo.Uint16(tiff[e:]), bo.Uint16(tiff[e+2:]), bo.Uint32(tiff[e+4:]), tiff[e+8:e+12])
		}
	}
	exifIFD := 0
	entries(int(bo.Uint32(tiff[4:8])), func(tag, typ uint16, count uint32, value []byte) {
		switch {
		case tag == 0x0112 && typ == 3:
			if v := int(bo.Uint16(value)); v >= 1 && v <= 8 {
				info.Orientation = v
			}
		case tag == 0x0131 && typ == 2:
			info.Software = asciiValue(tiff, bo, count, value)
		case tag == 0x8769 && (typ == 4 || typ == 13):
			exifIFD = int(bo.Uint32(value))
		}
	})
	entries(exifIFD, func(tag, typ uint16, count uint32, value []byte) {
		if tag == 0xA405 && typ == 3 {
			info.FocalLength35mm = int(bo.Uint16(value))
		}
	})
	return info
}

// asciiValue reads an ASCII entry's text, inline or at its offset.
func asciiValue(tiff []byte, bo binary.ByteOrder, count uint32, value []byte) string {
	if count == 0 || count > 256 {
		return ""
	}
	var b []byte
	if count <= 4 {
		b = value[:count]
	} else {
		off := int(bo.Uint32(value))
		if off < 0 || off+int(count) > len(tiff) {
			return ""
		}
		b = tiff[off : off+int(count)]
	}
	return strings.TrimRight(string(b), "\x00 ")
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
