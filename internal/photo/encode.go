package photo

import (
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
		// Binary search for the highest quality under the top of the window.
		lo, hi := s.MinQuality, 100
		var best []byte
		bestQ := 0
		for lo <= hi {
			q := (lo + hi) / 2
			data, err := enc(q, full)
			if err != nil {
				return nil, 0, false, fail(CodeInternal, err, "encode")
			}
			if maxB == 0 || len(data) <= maxB {
				best, bestQ = data, q
				lo = q + 1
			} else {
				hi = q - 1
			}
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
