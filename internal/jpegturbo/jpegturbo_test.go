package jpegturbo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image/jpeg"
	"testing"

	"zhipai/internal/raster"
)

func testImage(w, h int) *raster.Image {
	img := raster.NewImage(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, uint8(x*255/w), uint8(y*255/h), uint8((x*y)%256))
		}
	}
	return img
}

// segments lists the JPEG's marker segments before the scan.
func segments(t *testing.T, b []byte) map[byte][]byte {
	t.Helper()
	out := map[byte][]byte{}
	for i := 2; i+4 <= len(b); {
		m := b[i+1]
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		out[m] = b[i+4 : i+2+n]
		if m == 0xDA {
			break
		}
		i += 2 + n
	}
	return out
}

func TestEncodeWritesJFIFDensityAndNothingElse(t *testing.T) {
	t.Parallel()
	data, err := Encode(testImage(120, 160), EncodeOptions{Quality: 80, DPI: 300})
	if err != nil {
		t.Fatal(err)
	}
	seg := segments(t, data)
	app0 := seg[0xE0]
	if len(app0) < 12 || string(app0[:5]) != "JFIF\x00" {
		t.Fatalf("no JFIF APP0: %q", app0)
	}
	if app0[7] != 1 || binary.BigEndian.Uint16(app0[8:]) != 300 || binary.BigEndian.Uint16(app0[10:]) != 300 {
		t.Fatalf("density: unit %d, %dx%d", app0[7], binary.BigEndian.Uint16(app0[8:]), binary.BigEndian.Uint16(app0[10:]))
	}
	for m := range seg {
		if m >= 0xE1 && m <= 0xEF {
			t.Errorf("unexpected APP%d segment", m-0xE0)
		}
	}
	// Go's own decoder reads it: a standard file, 3 components.
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 120 || b.Dy() != 160 {
		t.Fatalf("size %v", b)
	}
	if sof := seg[0xC0]; sof == nil || sof[5] != 3 {
		t.Fatalf("not a 3-component baseline frame")
	}
}

func TestQualityOrdersFileSize(t *testing.T) {
	t.Parallel()
	img := testImage(200, 200)
	var last int
	for _, q := range []int{40, 70, 95} {
		data, err := Encode(img, EncodeOptions{Quality: q, DPI: 72})
		if err != nil {
			t.Fatal(err)
		}
		if len(data) <= last {
			t.Fatalf("quality %d: %d bytes, not more than %d", q, len(data), last)
		}
		last = len(data)
	}
	full, _ := Encode(img, EncodeOptions{Quality: 95, DPI: 72, FullChroma: true})
	if len(full) <= last {
		t.Fatalf("4:4:4 (%d bytes) not larger than 4:2:0 (%d)", len(full), last)
	}
}

func TestDecodeAtReducedScale(t *testing.T) {
	t.Parallel()
	data, _ := Encode(testImage(400, 300), EncodeOptions{Quality: 90, DPI: 72})
	for num, want := range map[int][2]int{8: {400, 300}, 4: {200, 150}, 2: {100, 75}, 1: {50, 38}} {
		d, err := Open(data, num, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		img, err := d.Decode()
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		if img.W != want[0] || img.H != want[1] {
			t.Errorf("scale %d/8: %dx%d, want %v", num, img.W, img.H, want)
		}
		if d.Header.Width != 400 || d.Header.Height != 300 {
			t.Errorf("header size %dx%d", d.Header.Width, d.Header.Height)
		}
	}
}

func TestDecodeKeepsColour(t *testing.T) {
	t.Parallel()
	src := raster.NewImage(64, 64)
	src.Fill(100, 197, 255)
	data, _ := Encode(src, EncodeOptions{Quality: 95, DPI: 72})
	d, err := Open(data, 8, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	img, err := d.Decode()
	if err != nil {
		t.Fatal(err)
	}
	r, g, b := img.At(32, 32)
	if abs(int(r)-100) > 2 || abs(int(g)-197) > 2 || abs(int(b)-255) > 2 {
		t.Fatalf("colour %d,%d,%d", r, g, b)
	}
}

func TestBadFiles(t *testing.T) {
	t.Parallel()
	good, _ := Encode(testImage(300, 200), EncodeOptions{Quality: 90, DPI: 72})
	damaged := append([]byte(nil), good...)
	sos := bytes.Index(damaged, []byte{0xFF, 0xDA})
	for i := sos + 40; i < len(damaged)-10; i += 7 {
		damaged[i] = 0xFF // markers in the middle of entropy-coded data
	}
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"truncated", good[:len(good)/2], ErrTruncated},
		{"damaged", damaged, ErrCorrupt},
		{"header only", good[:sos], ErrTruncated},
		{"not a jpeg", []byte("\xFF\xD8\xFFthis is not really a jpeg file"), ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Open(c.data, 8, Limits{})
			if err == nil {
				_, err = d.Decode()
				d.Close()
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
	if _, err := Open(nil, 8, Limits{}); err == nil {
		t.Fatal("empty input accepted")
	}
}

func TestEncodeRejectsBadOptions(t *testing.T) {
	t.Parallel()
	img := testImage(8, 8)
	for _, o := range []EncodeOptions{{Quality: 0, DPI: 72}, {Quality: 101, DPI: 72}, {Quality: 80, DPI: 0}} {
		if _, err := Encode(img, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := Encode(&raster.Image{W: 4, H: 4, Pix: make([]uint8, 5)}, EncodeOptions{Quality: 80, DPI: 72}); err == nil {
		t.Error("short pixel buffer accepted")
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
