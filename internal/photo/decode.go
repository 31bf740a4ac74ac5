package photo

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"time"

	"golang.org/x/image/webp"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/raster"
)

// Input formats.
const (
	FormatJPEG = "jpeg"
	FormatPNG  = "png"
	FormatWebP = "webp"
)

// Sniff names the file's format from its first bytes; the error is the
// public refusal for formats Zhipai does not take.
func Sniff(b []byte) (string, error) {
	switch {
	case len(b) == 0:
		return "", fail(CodeEmpty, nil, "no bytes")
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return FormatJPEG, nil
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return FormatPNG, nil
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return FormatWebP, nil
	case len(b) >= 6 && (string(b[:6]) == "GIF87a" || string(b[:6]) == "GIF89a"):
		return "", fail(CodeGIF, nil, "gif")
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		switch brand := string(b[8:12]); brand {
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1":
			return "", fail(CodeHEIC, nil, "brand %s", brand)
		default:
			return "", fail(CodeUnsupported, nil, "ISO media brand %q", brand)
		}
	}
	return "", fail(CodeUnsupported, nil, "unknown signature % x", b[:min(len(b), 8)])
}

// decoded is the photo upright and in sRGB, possibly at a reduced scale.
type decoded struct {
	format        string
	width, height int // full size, upright
	img           *raster.Image
	scale         float64 // img pixels per full-size pixel
	orientation   int
	exif          exifInfo
	profile       string // ICC description, when one was applied
	colour        *colourConverter
	jpegData      []byte // kept to decode again at a larger scale
	// full is a PNG's or WebP's full-size image (oriented, in sRGB) when
	// img is reduced to the work size; the crop takes its pixels from it.
	full *raster.Image
}

// decodeStep reads the file: format, limits from the header, pixels,
// orientation, colour.
func (p *Pipeline) decodeStep(st *state) error {
	data := st.input
	if int64(len(data)) > p.cfg.MaxBytes {
		return fail(CodeTooLarge, nil, "%d bytes", len(data))
	}
	format, err := Sniff(data)
	if err != nil {
		return err
	}
	d := &decoded{format: format}
	var icc []byte
	switch format {
	case FormatJPEG:
		img, hdr, err := p.decodeJPEG(data, 0)
		if err != nil {
			return err
		}
		d.img, d.jpegData = img, data
		d.width, d.height = hdr.Width, hdr.Height
		d.exif = readEXIF(hdr.EXIF)
		icc = hdr.ICC
	case FormatPNG, FormatWebP:
		cfg, err := decodeConfig(format, data)
		if err != nil {
			return err
		}
		if err := p.checkPixels(cfg.Width, cfg.Height); err != nil {
			return err
		}
		if need := decodeBytes(cfg); need > p.cfg.MaxDecodeBytes {
			return fail(CodeDimensions, nil, "%dx%d %T needs %d MB to decode", cfg.Width, cfg.Height, cfg.ColorModel, need>>20)
		}
		var exif []byte
		if format == FormatPNG {
			icc, exif = pngChunks(data)
		} else {
			icc, exif = webpChunks(data)
		}
		d.exif = readEXIF(exif)
		m, err := decodeImage(format, data, time.Now().Add(p.cfg.DecodeTimeout))
		if err != nil {
			return err
		}
		d.img = raster.FromImage(m)
		d.width, d.height = d.img.W, d.img.H
	}
	d.orientation = d.exif.Orientation
	if d.orientation >= 5 {
		d.width, d.height = d.height, d.width
	}
	d.img = orient(d.img, d.orientation)
	if len(icc) > 0 {
		prof, err := parseICC(icc)
		if err != nil {
			return fail(CodeColourSpace, err, "")
		}
		if prof != nil && !prof.isSRGB() {
			d.colour = prof.converter()
			d.colour.apply(d.img)
			d.profile = prof.Description
		}
	}
	// PNG and WebP are decoded at full size: the work is done on a copy
	// reduced as a JPEG's decode would be, and the full image waits for
	// the crop. (A 23-megapixel PNG worked on at full size took 700 MB.)
	if d.jpegData == nil && max(d.img.W, d.img.H) > p.cfg.WorkLongSide {
		k := float64(p.cfg.WorkLongSide) / float64(max(d.img.W, d.img.H))
		d.full = d.img
		d.img = raster.Resample(d.full, raster.Rect{X1: float64(d.full.W), Y1: float64(d.full.H)},
			max(1, int(float64(d.full.W)*k+0.5)), max(1, int(float64(d.full.H)*k+0.5)), raster.Box)
	}
	d.scale = float64(d.img.W) / float64(d.width)
	st.dec = d
	return nil
}

// decodeBytes is the memory a PNG or WebP decode takes: the decoded image
// in the colour model the header announces, and its RGB copy.
func decodeBytes(cfg image.Config) int64 {
	bpp := int64(4)
	switch cfg.ColorModel {
	case color.GrayModel:
		bpp = 1
	case color.Gray16Model:
		bpp = 2
	case color.RGBA64Model, color.NRGBA64Model:
		bpp = 8
	default:
		if _, ok := cfg.ColorModel.(color.Palette); ok {
			bpp = 1
		}
	}
	return int64(cfg.Width) * int64(cfg.Height) * (bpp + 3)
}

func (p *Pipeline) checkPixels(w, h int) error {
	if w <= 0 || h <= 0 {
		return fail(CodeCorrupt, nil, "size %dx%d", w, h)
	}
	if int64(w)*int64(h) > p.cfg.MaxPixels {
		return fail(CodeTooManyPixels, nil, "%dx%d", w, h)
	}
	return nil
}

// decodeJPEG decodes at the smallest DCT scale (n/8) whose long side still
// reaches WorkLongSide, or at least the scale needed for minScale (image
// pixels per full-size pixel) when that is given.
func (p *Pipeline) decodeJPEG(data []byte, minScale float64) (*raster.Image, jpegturbo.Header, error) {
	lim := jpegturbo.Limits{MaxScans: p.cfg.MaxScans, Timeout: p.cfg.DecodeTimeout}
	dec, err := jpegturbo.Open(data, 8, lim)
	if err != nil {
		return nil, jpegturbo.Header{}, jpegError(err)
	}
	defer dec.Close()
	hdr := dec.Header
	if err := p.checkPixels(hdr.Width, hdr.Height); err != nil {
		return nil, hdr, err
	}
	if hdr.CMYK {
		return nil, hdr, fail(CodeColourSpace, jpegturbo.ErrCMYK, "")
	}
	long := max(hdr.Width, hdr.Height)
	num := 8
	for n := 1; n < 8; n++ {
		if long*n/8 >= p.cfg.WorkLongSide && float64(n)/8 >= minScale {
			num = n
			break
		}
	}
	if num != 8 {
		dec.Close()
		if dec, err = jpegturbo.Open(data, num, lim); err != nil {
			return nil, hdr, jpegError(err)
		}
		defer dec.Close()
	}
	img, err := dec.Decode()
	if err != nil {
		return nil, hdr, jpegError(err)
	}
	return img, hdr, nil
}

func jpegError(err error) error {
	switch {
	case errors.Is(err, jpegturbo.ErrTruncated):
		return fail(CodeTruncated, err, "")
	case errors.Is(err, jpegturbo.ErrTooManyScans):
		return fail(CodeTooComplex, err, "")
	case errors.Is(err, jpegturbo.ErrTimeout):
		return fail(CodeDecodeTimeout, err, "")
	}
	return fail(CodeCorrupt, err, "")
}

func decodeConfig(format string, data []byte) (image.Config, error) {
	var cfg image.Config
	var err error
	if format == FormatPNG {
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	} else {
		cfg, err = webp.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return cfg, readError(err)
	}
	return cfg, nil
}

func decodeImage(format string, data []byte, deadline time.Time) (image.Image, error) {
	var m image.Image
	var err error
	r := &deadlineReader{r: bytes.NewReader(data), deadline: deadline}
	if format == FormatPNG {
		m, err = png.Decode(r)
	} else {
		m, err = webp.Decode(r)
	}
	if errors.Is(err, errDeadline) {
		return nil, fail(CodeDecodeTimeout, err, "")
	}
	if err != nil {
		return nil, readError(err)
	}
	return m, nil
}

var errDeadline = errors.New("photo: decode past its deadline")

// deadlineReader stops a Go decoder that reads past its deadline (the
// decoders read their input in small pieces as they go).
type deadlineReader struct {
	r        io.Reader
	deadline time.Time
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	if time.Now().After(d.deadline) {
		return 0, errDeadline
	}
	return d.r.Read(p)
}

func readError(err error) error {
	// image/png reports a file that ends inside the image data as a format
	// error with this text rather than as an unexpected EOF.
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "not enough pixel data") {
		return fail(CodeTruncated, err, "")
	}
	return fail(CodeCorrupt, err, "")
}

// pngChunks returns the ICC profile (iCCP) and EXIF (eXIf) of a PNG.
func pngChunks(b []byte) (icc, exif []byte) {
	b = b[8:]
	for len(b) >= 12 {
		n := int(binary.BigEndian.Uint32(b))
		typ := string(b[4:8])
		if n < 0 || n > len(b)-12 {
			return
		}
		body := b[8 : 8+n]
		switch typ {
		case "iCCP":
			// name, NUL, compression method (0 = zlib), data
			if i := bytes.IndexByte(body, 0); i >= 0 && i+2 <= len(body) {
				if zr, err := zlib.NewReader(bytes.NewReader(body[i+2:])); err == nil {
					icc, _ = io.ReadAll(io.LimitReader(zr, 4<<20))
				}
			}
		case "eXIf":
			exif = body
		case "IDAT", "IEND":
			return
		}
		b = b[12+n:]
	}
	return
}

// webpChunks returns the ICC profile and EXIF of an extended WebP.
func webpChunks(b []byte) (icc, exif []byte) {
	b = b[12:]
	for len(b) >= 8 {
		typ := string(b[:4])
		n := int(binary.LittleEndian.Uint32(b[4:]))
		if n < 0 || n > len(b)-8 {
			return
		}
		switch typ {
		case "ICCP":
			icc = b[8 : 8+n]
		case "EXIF":
			exif = b[8 : 8+n]
		}
		n += n & 1 // chunks are padded to even length
		if 8+n > len(b) {
			return
		}
		b = b[8+n:]
	}
	return
}

// redecode decodes the JPEG again at a larger scale when the crop needs
// more pixels than the first, reduced decode kept.
func (p *Pipeline) redecode(d *decoded, minScale float64) error {
	if d.full != nil && d.scale < minScale {
		d.img, d.scale = d.full, 1
		return nil
	}
	if d.jpegData == nil || d.scale >= minScale || d.scale >= 1 {
		return nil
	}
	img, _, err := p.decodeJPEG(d.jpegData, minScale)
	if err != nil {
		return err
	}
	img = orient(img, d.orientation)
	if d.colour != nil {
		d.colour.apply(img)
	}
	d.img = img
	d.scale = float64(img.W) / float64(d.width)
	return nil
}

// pipelineBytes is what the pipeline itself holds for a photo whatever its
// format: the work image at WorkLongSide, the masks, the mattes and the
// models' tensors (measured: about 70 MB above the loaded models for a
// 12-megapixel JPEG, rounded up).
const pipelineBytes = 96 << 20

// MemoryNeed estimates from the header alone the memory standardizing or
// checking a photo takes: JPEG is decoded scaled down, so its need is the
// pipeline's; PNG and WebP are decoded at full size, then copied to RGB
// and oriented. An unreadable header needs little (it is refused at once).
func MemoryNeed(data []byte) int64 {
	format, err := Sniff(data)
	if err != nil || format == FormatJPEG {
		return pipelineBytes
	}
	cfg, err := decodeConfig(format, data)
	if err != nil {
		return pipelineBytes
	}
	return decodeBytes(cfg) + 3*int64(cfg.Width)*int64(cfg.Height) + pipelineBytes
}
