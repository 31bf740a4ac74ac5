package synth

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/raster"
)

// The hostile files of the security review, made small and exact so that
// tests can send them: each costs a naive decoder far more than its size.

// ScanBomb is a progressive JPEG of w x h plain grey whose last scan is
// repeated scans times: every repeat is a few bytes, and libjpeg, which
// has no scan limit of its own, walks the whole image again for each (the
// review's 1 MB file of 9,500 scans took 67 s of CPU).
func ScanBomb(w, h, scans int) []byte {
	img := raster.NewImage(w, h)
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	b, err := jpegturbo.Encode(img, jpegturbo.EncodeOptions{Quality: 75, DPI: 72, Progressive: true})
	if err != nil {
		panic(err)
	}
	last := bytes.LastIndex(b, []byte{0xFF, 0xDA})
	eoi := len(b) - 2
	scan := b[last:eoi]
	out := make([]byte, 0, last+len(scan)*scans+2)
	out = append(out, b[:eoi]...)
	for range scans - 1 {
		out = append(out, scan...)
	}
	return append(out, 0xFF, 0xD9)
}

// PNGBomb is a w x h PNG of one colour, 8 or 16 bits per channel, RGBA:
// a few hundred kilobytes that decode to w*h*4 (or *8) bytes.
func PNGBomb(w, h, depth int) []byte {
	bpp := 4 * depth / 8
	var raw bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&raw, zlib.BestCompression)
	row := make([]byte, 1+w*bpp) // filter byte 0, then zeros: transparent black
	for i := 1; i < len(row); i++ {
		row[i] = 0x80
	}
	for range h {
		zw.Write(row)
	}
	zw.Close()
	var out bytes.Buffer
	out.Write([]byte("\x89PNG\r\n\x1a\n"))
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = byte(depth), 6 // RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", raw.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}
