package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"testing"
	"time"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo/synth"
	"zhipai/internal/raster"
)

// decoder is a pipeline without models: enough for the decode step.
func decoder() *Pipeline { return &Pipeline{cfg: DefaultConfig()} }

func decode(data []byte) (*decoded, error) {
	st := &state{input: data, report: &Report{TimingsMS: map[string]float64{}}}
	err := decoder().decodeStep(st)
	return st.dec, err
}

func codeOf(err error) string {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// gradient is an asymmetric test picture: every pixel tells where it is.
func gradient(w, h int) *raster.Image {
	img := raster.NewImage(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, uint8(x*255/(w-1)), uint8(y*255/(h-1)), 128)
		}
	}
	return img
}

func jpegOf(t testing.TB, img *raster.Image) []byte {
	t.Helper()
	b, err := jpegturbo.Encode(img, jpegturbo.EncodeOptions{Quality: 95, DPI: 72})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSniffRefusesWhatStudentsMustNotUpload(t *testing.T) {
	t.Parallel()
	var gifBuf bytes.Buffer
	gif.Encode(&gifBuf, image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.White}), nil)
	heic := append([]byte{0, 0, 0, 24}, []byte("ftypheic\x00\x00\x00\x00mif1heic")...)
	avif := append([]byte{0, 0, 0, 24}, []byte("ftypavif\x00\x00\x00\x00mif1avif")...)
	cases := []struct {
		name string
		data []byte
		code string
	}{
		{"empty", nil, CodeEmpty},
		{"gif", gifBuf.Bytes(), CodeGIF},
		{"heic", heic, CodeHEIC},
		{"avif", avif, CodeUnsupported},
		{"bmp", []byte("BM\x36\x00\x00\x00\x00\x00\x00\x00"), CodeUnsupported},
		{"pdf", []byte("%PDF-1.7\n"), CodeUnsupported},
		{"text", []byte("hello"), CodeUnsupported},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decode(c.data)
			if got := codeOf(err); got != c.code {
				t.Fatalf("code %q (%v), want %q", got, err, c.code)
			}
			pe := AsError(err)
			if pe.Message == "" {
				t.Fatalf("no student message: %+v", pe)
			}
		})
	}
}

func TestDecodeRefusesDamagedFiles(t *testing.T) {
	t.Parallel()
	good := jpegOf(t, gradient(300, 200))
	sos := bytes.Index(good, []byte{0xFF, 0xDA})
	damaged := append([]byte(nil), good...)
	for i := sos + 30; i < len(damaged)-4; i += 5 {
		damaged[i] = 0xFF
	}
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, gradient(64, 64).ToNRGBA())
	pngData := pngBuf.Bytes()
	cases := []struct {
		name string
		data []byte
		code string
	}{
		{"truncated jpeg", good[:len(good)*2/3], CodeTruncated},
		{"damaged jpeg", damaged, CodeCorrupt},
		{"truncated png", pngData[:len(pngData)/2], CodeTruncated},
		{"png with a broken header", append(append([]byte(nil), pngData[:16]...), bytes.Repeat([]byte{0}, 40)...), CodeCorrupt},
		{"webp header only", []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), CodeTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decode(c.data)
			if got := codeOf(err); got != c.code {
				t.Fatalf("code %q (%v), want %q", got, err, c.code)
			}
		})
	}
}

func TestDecodeRefusesBombsBeforeDecoding(t *testing.T) {
	t.Parallel()
	// A small JPEG whose frame header claims 10000x6000 pixels.
	small := jpegOf(t, gradient(16, 16))
	sof := bytes.Index(small, []byte{0xFF, 0xC0})
	bomb := append([]byte(nil), small...)
	binary.BigEndian.PutUint16(bomb[sof+5:], 6000)
	binary.BigEndian.PutUint16(bomb[sof+7:], 10000)
	if _, err := decode(bomb); codeOf(err) != CodeTooManyPixels {
		t.Fatalf("jpeg bomb: %v", err)
	}
	// A PNG header claiming 8000x8000.
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, gradient(8, 8).ToNRGBA())
	p := append([]byte(nil), pngBuf.Bytes()...)
	binary.BigEndian.PutUint32(p[16:], 8000)
	binary.BigEndian.PutUint32(p[20:], 8000)
	binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29])) // IHDR's CRC
	if _, err := decode(p); codeOf(err) != CodeTooManyPixels {
		t.Fatalf("png bomb: %v", err)
	}
	// 7000x7000 PNGs of a few hundred kilobytes: 16 bits a channel asks
	// for 539 MB and 8 bits for 343 MB to decode, both over the budget.
	for _, depth := range []int{16, 8} {
		bomb := synth.PNGBomb(7000, 7000, depth)
		start := time.Now()
		if _, err := decode(bomb); codeOf(err) != CodeDimensions || time.Since(start) > time.Second {
			t.Fatalf("%d-bit 7000x7000 png: %v after %s", depth, err, time.Since(start))
		}
	}
	// A progressive JPEG of 3,000 repeated scans: refused at the scan
	// limit within milliseconds.
	scans := synth.ScanBomb(2000, 2000, 3000)
	start := time.Now()
	if _, err := decode(scans); codeOf(err) != CodeTooComplex || time.Since(start) > 2*time.Second {
		t.Fatalf("scan bomb: %v after %s", err, time.Since(start))
	}
	// Over 30 MB, whatever it is.
	huge := make([]byte, 30<<20+1)
	copy(huge, small)
	if _, err := decode(huge); codeOf(err) != CodeTooLarge {
		t.Fatalf("30 MB file: %v", err)
	}
}

func TestDecodeFormats(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"astronaut.png", "astronaut.webp", "hopper.jpg"} {
		data, err := os.ReadFile("../../testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		d, err := decode(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.width != 512 || d.height != 512 || d.img.W != 512 {
			t.Fatalf("%s: %dx%d decoded to %dx%d", name, d.width, d.height, d.img.W, d.img.H)
		}
	}
}

func TestDecodeReducesLargeJPEGs(t *testing.T) {
	t.Parallel()
	d, err := decode(jpegOf(t, gradient(4000, 3000)))
	if err != nil {
		t.Fatal(err)
	}
	if d.width != 4000 || d.img.W != 2000 || d.scale != 0.5 {
		t.Fatalf("4000 px wide decoded to %d (scale %v)", d.img.W, d.scale)
	}
	// The crop step can ask for the full resolution back.
	if err := decoder().redecode(d, 0.9); err != nil {
		t.Fatal(err)
	}
	if d.img.W != 4000 || d.scale != 1 {
		t.Fatalf("redecoded to %d (scale %v)", d.img.W, d.scale)
	}
}

func TestDecodeAppliesEXIFOrientation(t *testing.T) {
	t.Parallel()
	upright := gradient(60, 40)
	for _, o := range []int{1, 3, 6, 8} {
		stored := synth.Rotate(upright, o)
		d, err := decode(synth.WithEXIFOrientation(jpegOf(t, stored), o))
		if err != nil {
			t.Fatal(err)
		}
		if d.orientation != o || d.img.W != 60 || d.img.H != 40 {
			t.Fatalf("orientation %d: read %d, %dx%d", o, d.orientation, d.img.W, d.img.H)
		}
		// The top-right corner is red-ish and the bottom-left green-ish, as
		// in the upright picture.
		r, g, _ := d.img.At(59, 0)
		r2, g2, _ := d.img.At(0, 39)
		if r < 200 || g > 60 || r2 > 60 || g2 < 200 {
			t.Fatalf("orientation %d not undone: top right %d,%d bottom left %d,%d", o, r, g, r2, g2)
		}
	}
}

func TestOrientAllEight(t *testing.T) {
	t.Parallel()
	src := gradient(5, 3)
	// Where the source's top-left pixel must end up for each orientation
	// (EXIF 2.32, table of Orientation values).
	want := map[int][2]int{1: {0, 0}, 2: {4, 0}, 3: {4, 2}, 4: {0, 2}, 5: {0, 0}, 6: {2, 0}, 7: {2, 4}, 8: {0, 4}}
	r0, g0, _ := src.At(0, 0)
	for o, at := range want {
		out := orient(src, o)
		if r, g, _ := out.At(at[0], at[1]); r != r0 || g != g0 {
			t.Errorf("orientation %d: top-left pixel not at %v", o, at)
		}
	}
}

func TestEXIFParserSurvivesGarbage(t *testing.T) {
	t.Parallel()
	valid := synth.WithEXIFOrientation(jpegOf(t, gradient(8, 8)), 6)
	app1 := bytes.Index(valid, []byte("Exif\x00\x00"))
	block := valid[app1 : app1+6+26]
	if got := exifOrientation(block); got != 6 {
		t.Fatalf("valid block read %d", got)
	}
	for n := 0; n < len(block); n++ {
		exifOrientation(block[:n]) // must not panic
	}
	for _, bad := range [][]byte{nil, []byte("II*\x00\xff\xff\xff\xff"), []byte("MM\x00*\x00\x00\x00\x08\xff\xff")} {
		if got := exifOrientation(bad); got != 1 {
			t.Errorf("garbage %q read %d", bad, got)
		}
	}
}

func TestEXIFFocalLengthAndSoftware(t *testing.T) {
	t.Parallel()
	data := synth.WithEXIF(jpegOf(t, gradient(16, 16)), synth.EXIF{Orientation: 8, FocalLength35mm: 26, Software: "Meitu 9.2"})
	d, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if d.exif.Orientation != 8 || d.exif.FocalLength35mm != 26 || d.exif.Software != "Meitu 9.2" {
		t.Fatalf("read %+v", d.exif)
	}
}
