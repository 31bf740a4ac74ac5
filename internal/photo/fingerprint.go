package photo

import (
	"encoding/hex"
	"math/bits"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/raster"
)

// Fingerprint is a perceptual hash of a photo: the 256-bit difference hash
// of its 17x16 grey thumbnail (each bit: is this cell brighter than its
// right neighbour), plus 256 bits marking which comparisons were clear
// (more than fingerprintMargin apart). Near-ties, as on a plain wall, flip
// under recompression; FingerprintDistance counts only bits both photos
// are sure of. Used to refuse a photo already rejected (requirements RV-5).
func Fingerprint(img *raster.Image) string {
	small := raster.Resample(img, raster.Rect{X1: float64(img.W), Y1: float64(img.H)}, 17, 16, raster.Box)
	var h [64]byte // bits, then confidence
	bit := 0
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			d := grey(small, x, y) - grey(small, x+1, y)
			if d > 0 {
				h[bit/8] |= 1 << (bit % 8)
			}
			if d > fingerprintMargin || d < -fingerprintMargin {
				h[32+bit/8] |= 1 << (bit % 8)
			}
			bit++
		}
	}
	return hex.EncodeToString(h[:])
}

// fingerprintMargin is 3 grey levels (grey is scaled by 1000).
const fingerprintMargin = 3000

func grey(m *raster.Image, x, y int) int {
	i := (y*m.W + x) * 3
	return 299*int(m.Pix[i]) + 587*int(m.Pix[i+1]) + 114*int(m.Pix[i+2])
}

// FingerprintDistance counts the comparisons both photos are sure of and
// disagree on (256 when either fingerprint is malformed).
func FingerprintDistance(a, b string) int {
	x, err1 := hex.DecodeString(a)
	y, err2 := hex.DecodeString(b)
	if err1 != nil || err2 != nil || len(x) != 64 || len(y) != 64 {
		return 256
	}
	d := 0
	for i := 0; i < 32; i++ {
		d += bits.OnesCount8((x[i] ^ y[i]) & x[32+i] & y[32+i])
	}
	return d
}

// SameFingerprint is the largest distance at which two photos count as
// the same picture. Measured (TestFingerprint): 60 PFCN portraits halved
// and recompressed at quality 60 stay 0 bits from their originals, while
// any two different portraits are 33 or more apart. A fixed lab camera
// (Yale faces: same person, same place, another expression) gives pairs 4
// apart at the 5th percentile, 23 at the median: a retake in the same spot
// must not be refused, so the bar sits well below that.
const SameFingerprint = 2

// Preview is a small JPEG of a photo (its long side at most long pixels),
// for the before/after view.
func Preview(img *raster.Image, long int) ([]byte, error) {
	w, h := img.W, img.H
	if max(w, h) > long {
		if w >= h {
			w, h = long, max(1, img.H*long/img.W)
		} else {
			w, h = max(1, img.W*long/img.H), long
		}
		img = raster.Resample(img, raster.Rect{X1: float64(img.W), Y1: float64(img.H)}, w, h, raster.Triangle)
	}
	return jpegturbo.Encode(img, jpegturbo.EncodeOptions{Quality: 82, DPI: 72})
}
