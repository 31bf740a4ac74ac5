package photo

import (
	"math"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/raster"
)

// encodeStep writes the JPEG: exact pixel size, 24-bit, JFIF density at the
// spec's DPI, no other metadata, quality at or above the floor, and the
// size inside the spec's window, reached by choosing the quality (never
// by padding the file).
func (p *Pipeline) encodeStep(st *state) error {
	data, q, full, err := encodeForSpec(st.out, st.spec)
	if err != nil {
		return err
	}
	st.jpeg = data
	chroma := "4:2:0"
	if full {
		chroma = "4:4:4"
	}
	st.report.Output = &OutputReport{
		Width: st.out.W, Height: st.out.H, DPI: st.spec.DPI, Quality: q, Chroma: chroma,
		Bytes: len(data), MinKB: st.spec.MinKB, MaxKB: st.spec.MaxKB,
	}
	return nil
}

// encodeForSpec searches the quality: the highest quality whose file fits
// under the window's top, with 4:2:0 chroma first and 4:4:4 (finer colour,
// larger file) when 4:2:0 stays below the window's bottom even at 100.
func encodeForSpec(img *raster.Image, s *Spec) ([]byte, int, bool, error) {
	enc := func(q int, full bool) ([]byte, error) {
		return jpegturbo.Encode(img, jpegturbo.EncodeOptions{Quality: q, DPI: s.DPI, FullChroma: full})
	}
	minB, maxB := s.MinKB*1024, s.MaxKB*1024
	if s.MinKB == 0 && s.MaxKB == 0 {
		data, err := enc(s.EncodeQuality(), false)
		if err != nil {
			return nil, 0, false, fail(CodeInternal, err, "encode")
		}
		return data, s.EncodeQuality(), false, nil
	}
	var smallest int
	for _, full := range []bool{false, true} {
		best, bestQ, err := highestQualityUnder(enc, s.MinQuality, maxB, full)
		if err != nil {
			return nil, 0, false, err
		}
		if best == nil {
			// Too large even at the quality floor.
			data, _ := enc(s.MinQuality, full)
			return nil, 0, false, fail(CodeSizeWindow, nil, "%d bytes at quality %d, window %d-%d KB", len(data), s.MinQuality, s.MinKB, s.MaxKB)
		}
		if len(best) >= minB {
			return best, bestQ, full, nil
		}
		smallest = len(best)
	}
	return nil, 0, false, fail(CodeSizeWindow, nil, "at most %d bytes at quality 100, window %d-%d KB", smallest, s.MinKB, s.MaxKB)
}

// highestQualityUnder finds the highest quality in [floor, 100] whose file
// is at most maxB bytes (0: no limit), or nil when even the floor is too
// large. The file size grows about exponentially with the quality, so a
// secant step on log(size) lands within a step or two of the answer; the
// bracket [lo, hi] keeps it a bisection when the model is off.
func highestQualityUnder(enc func(int, bool) ([]byte, error), floor, maxB int, full bool) ([]byte, int, error) {
	if maxB == 0 {
		data, err := enc(100, full)
		if err != nil {
			return nil, 0, fail(CodeInternal, err, "encode")
		}
		return data, 100, nil
	}
	cache := map[int][]byte{}
	size := func(q int) (int, error) {
		if b, ok := cache[q]; ok {
			return len(b), nil
		}
		b, err := enc(q, full)
		if err != nil {
			return 0, fail(CodeInternal, err, "encode")
		}
		cache[q] = b
		return len(b), nil
	}
	lo, hi := floor-1, 101 // lo: largest known to fit (or below floor); hi: smallest known not to fit
	q := min(max(85, floor), 100)
	var lastQ, lastSize int
	for hi-lo > 1 {
		n, err := size(q)
		if err != nil {
			return nil, 0, err
		}
		if n <= maxB {
			lo = q
		} else {
			hi = q
		}
		// Where the size crosses maxB: with one point, assume the usual
		// slope of JPEG size against quality (about 4% per step for photos
		// of this size); with two, the secant through them.
		slope := 0.04
		if lastQ != 0 && lastQ != q && lastSize > 0 {
			if s := (math.Log(float64(n)) - math.Log(float64(lastSize))) / float64(q-lastQ); s > 1e-4 {
				slope = s
			}
		}
		next := q + int(math.Floor(math.Log(float64(maxB)/float64(n))/slope))
		// Probe inside the bracket; next to lo when the estimate says lo is
		// the answer, to prove that lo+1 is not.
		next = min(max(next, lo+1), hi-1)
		lastQ, lastSize, q = q, n, next
	}
	if lo < floor {
		return nil, 0, nil
	}
	if _, err := size(lo); err != nil {
		return nil, 0, err
	}
	return cache[lo], lo, nil
}
