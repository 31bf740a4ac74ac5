package photo

import (
	"testing"

	"zhipai/internal/photo/synth"
)

// FuzzDecode is the front door: whatever bytes arrive, decoding refuses
// them with a public code or reads them, within its limits; it never
// panics and never needs more than the budget.
func FuzzDecode(f *testing.F) {
	f.Add(synth.ScanBomb(64, 64, 20))
	f.Add(synth.PNGBomb(32, 32, 16))
	f.Add(synth.PNGBomb(16, 16, 8))
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*\x00\x00\x00\x08"))
	f.Add([]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"))
	f.Add([]byte("GIF89a"))
	p := decoder()
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := decode(data)
		if err != nil {
			if codeOf(err) == CodeInternal || codeOf(err) == "" {
				t.Fatalf("decode error without a public code: %v", err)
			}
			return
		}
		if d.img == nil || d.img.W <= 0 || d.img.H <= 0 {
			t.Fatalf("decoded without an image: %+v", d)
		}
		if MemoryNeed(data) <= 0 || int64(d.img.W)*int64(d.img.H) > p.cfg.MaxPixels {
			t.Fatalf("decoded %dx%d past the limits", d.img.W, d.img.H)
		}
	})
}

// FuzzEXIF: the EXIF parser survives any TIFF structure.
func FuzzEXIF(f *testing.F) {
	f.Add([]byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00"))
	f.Add([]byte("II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x08\x00\x00\x00"))
	f.Add([]byte("II*\x00\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e := readEXIF(b)
		if e.Orientation < 0 || e.Orientation > 8 {
			t.Fatalf("orientation %d", e.Orientation)
		}
	})
}

// FuzzICC: the ICC parser refuses or reads any profile, never panics.
func FuzzICC(f *testing.F) {
	f.Add(make([]byte, 128))
	f.Add(append(make([]byte, 128), []byte("\x00\x00\x00\x01rXYZ\x00\x00\x00\x80\x00\x00\x00\x14")...))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseICC(b)
	})
}
