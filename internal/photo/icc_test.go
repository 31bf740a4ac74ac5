package photo

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"zhipai/internal/photo/synth"
	"zhipai/internal/raster"
)

// Display P3's colorants as ICC profiles store them (adapted to D50).
var displayP3D50 = [3][3]float64{
	{0.515102, 0.291965, 0.157153},
	{0.241182, 0.692236, 0.066582},
	{-0.001050, 0.041882, 0.784378},
}

// makeICC writes a minimal ICC v2 RGB matrix/TRC profile with the sRGB
// tone curve (parametric type 3), as phones embed for Display P3.
func makeICC(colorants [3][3]float64, desc string, withColorants bool) []byte {
	type tag struct {
		sig  string
		data []byte
	}
	s15 := func(v float64) []byte {
		b := make([]byte, 4)
		binary.BigEndian.PutUint32(b, uint32(int32(math.Round(v*65536))))
		return b
	}
	xyz := func(c int) []byte {
		b := []byte("XYZ \x00\x00\x00\x00")
		for k := 0; k < 3; k++ {
			b = append(b, s15(colorants[k][c])...)
		}
		return b
	}
	para := []byte("para\x00\x00\x00\x00\x00\x03\x00\x00")
	for _, v := range []float64{2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045} {
		para = append(para, s15(v)...)
	}
	d := []byte("desc\x00\x00\x00\x00")
	d = binary.BigEndian.AppendUint32(d, uint32(len(desc)+1))
	d = append(d, desc...)
	d = append(d, make([]byte, 1+12+67)...)
	tags := []tag{{"desc", d}, {"rTRC", para}, {"gTRC", para}, {"bTRC", para}}
	if withColorants {
		tags = append(tags, tag{"rXYZ", xyz(0)}, tag{"gXYZ", xyz(1)}, tag{"bXYZ", xyz(2)})
	}
	header := make([]byte, 128)
	copy(header[12:], "mntr")
	copy(header[16:], "RGB ")
	copy(header[20:], "XYZ ")
	copy(header[36:], "acsp")
	table := binary.BigEndian.AppendUint32(nil, uint32(len(tags)))
	off := 128 + 4 + 12*len(tags)
	var body []byte
	for _, t := range tags {
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
		table = append(table, t.sig...)
		table = binary.BigEndian.AppendUint32(table, uint32(off+len(body)))
		table = binary.BigEndian.AppendUint32(table, uint32(len(t.data)))
		body = append(body, t.data...)
	}
	out := append(append(header, table...), body...)
	binary.BigEndian.PutUint32(out, uint32(len(out)))
	return out
}

func TestICCDisplayP3ConvertsToSRGB(t *testing.T) {
	t.Parallel()
	prof, err := parseICC(makeICC(displayP3D50, "Display P3", true))
	if err != nil {
		t.Fatal(err)
	}
	if prof.Description != "Display P3" || prof.isSRGB() {
		t.Fatalf("profile %q read as sRGB: %v", prof.Description, prof.isSRGB())
	}
	img := raster.NewImage(4, 1)
	img.Set(0, 0, 255, 255, 255)
	img.Set(1, 0, 128, 128, 128)
	img.Set(2, 0, 150, 80, 60)
	img.Set(3, 0, 0, 255, 0)
	prof.converter().apply(img)
	near := func(a, b uint8) bool { return math.Abs(float64(a)-float64(b)) <= 1 }
	if r, g, b := img.At(0, 0); !near(r, 255) || !near(g, 255) || !near(b, 255) {
		t.Errorf("white became %d,%d,%d", r, g, b)
	}
	if r, g, b := img.At(1, 0); !near(r, g) || !near(g, b) {
		t.Errorf("grey became %d,%d,%d", r, g, b)
	}
	// P3 primaries are more saturated than sRGB's: the same numbers mean
	// a redder red in P3, so in sRGB red rises and green falls.
	if r, g, _ := img.At(2, 0); r <= 150 || g >= 80 {
		t.Errorf("P3 (150,80,60) became %d,%d", r, g)
	}
	// P3's pure green lies outside sRGB: clipped, not wrapped.
	if r, g, _ := img.At(3, 0); r != 0 || g != 255 {
		t.Errorf("P3 green became %d,%d", r, g)
	}
}

func TestICCRecognisesSRGBAndRefusesTheRest(t *testing.T) {
	t.Parallel()
	prof, err := parseICC(makeICC(srgbD50, "sRGB IEC61966-2.1", true))
	if err != nil || !prof.isSRGB() {
		t.Fatalf("sRGB profile: %v, sRGB %v", err, prof != nil && prof.isSRGB())
	}
	if _, err := parseICC(makeICC(srgbD50, "LUT only", false)); err == nil {
		t.Fatal("a profile without colorants was accepted")
	}
	cmyk := makeICC(srgbD50, "CMYK", true)
	copy(cmyk[16:], "CMYK")
	if _, err := parseICC(cmyk); err == nil {
		t.Fatal("a CMYK profile was accepted")
	}
	full := makeICC(displayP3D50, "Display P3", true)
	for n := 0; n < len(full); n += 7 {
		parseICC(full[:n]) // truncated anywhere: an error, never a panic
	}
}

func TestDecodeConvertsEmbeddedProfiles(t *testing.T) {
	t.Parallel()
	img := raster.NewImage(64, 64)
	img.Fill(150, 80, 60)
	plain := jpegOf(t, img)
	d, err := decode(synth.WithICC(plain, makeICC(displayP3D50, "Display P3", true)))
	if err != nil {
		t.Fatal(err)
	}
	if d.profile != "Display P3" {
		t.Fatalf("profile %q", d.profile)
	}
	if r, _, _ := d.img.At(32, 32); r <= 152 {
		t.Fatalf("P3 photo not converted: red %d", r)
	}
	// An sRGB profile changes nothing.
	d, err = decode(synth.WithICC(plain, makeICC(srgbD50, "sRGB", true)))
	if err != nil || d.profile != "" {
		t.Fatalf("sRGB profile: %v %q", err, d.profile)
	}
	// A profile that cannot be applied exactly is refused, with its code.
	_, err = decode(synth.WithICC(plain, makeICC(srgbD50, "LUT", false)))
	if codeOf(err) != CodeColourSpace {
		t.Fatalf("LUT profile: %v", err)
	}
	if !bytes.Contains(synth.WithICC(plain, []byte("x")), []byte("ICC_PROFILE")) {
		t.Fatal("test helper did not embed the profile")
	}
}
