// Package jpegturbo decodes and encodes JPEG with libjpeg-turbo, linked
// statically from Debian's libjpeg62-turbo-dev. Go's image/jpeg needs about
// 130 ms for a 12-megapixel phone photo on this machine's cores and cannot
// decode at a reduced scale; libjpeg-turbo decodes the same file at half
// size in a fraction of that (DCT-domain scaling) and writes optimised
// Huffman tables and the JFIF density the photo specs require.
package jpegturbo

/*
#cgo CFLAGS: -O2
#cgo LDFLAGS: -l:libjpeg.a
#include <stdlib.h>
#include "zp_jpeg.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"zhipai/internal/raster"
)

// Errors a decode can end with.
var (
	ErrTruncated = errors.New("jpeg: file ends before the image does")
	ErrCorrupt   = errors.New("jpeg: damaged image data")
	ErrCMYK      = errors.New("jpeg: CMYK image")
	// ErrTooManyScans: a progressive file with more scans than Limits
	// allow (phones write about ten; thousands are a decompression bomb).
	ErrTooManyScans = errors.New("jpeg: too many scans")
	// ErrTimeout: the decode ran past Limits.Timeout and was stopped.
	ErrTimeout = errors.New("jpeg: decode took too long")
)

// Limits bound the work of one decode, header and image: libjpeg calls a
// progress monitor between rows, which stops it.
type Limits struct {
	MaxScans int           // 0: any number
	Timeout  time.Duration // from Open; 0: none
}

// Header is what the file says about itself.
type Header struct {
	Width, Height int
	Components    int
	CMYK          bool
	EXIF          []byte // APP1 payload after "Exif\0\0"
	ICC           []byte // embedded colour profile
}

// Decoder holds a parsed header, ready to decode at a chosen scale.
type Decoder struct {
	d      *C.zp_decoder
	info   C.zp_info
	pinned unsafe.Pointer // C copy of the file
	Header Header
}

// Open parses the header. scaleNum picks the output size scaleNum/8 of the
// full size (1..16; 8 is full size). Close must be called.
func Open(data []byte, scaleNum int, lim Limits) (*Decoder, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("jpeg: empty file")
	}
	if scaleNum < 1 || scaleNum > 16 {
		return nil, fmt.Errorf("jpeg: scale %d/8", scaleNum)
	}
	// libjpeg reads the buffer during the whole decode; keep it in C memory
	// so the Go garbage collector may move or free the slice meanwhile.
	buf := C.CBytes(data)
	dec := &Decoder{pinned: buf}
	dec.d = C.zp_open((*C.uchar)(buf), C.size_t(len(data)), C.int(scaleNum), C.int(lim.MaxScans), C.int(lim.Timeout.Milliseconds()), &dec.info)
	if dec.d == nil {
		C.free(buf)
		return nil, decodeErr(&dec.info)
	}
	dec.Header = Header{
		Width:      int(dec.info.width),
		Height:     int(dec.info.height),
		Components: int(dec.info.components),
		CMYK:       dec.info.cmyk != 0,
	}
	if dec.info.exif != nil {
		dec.Header.EXIF = C.GoBytes(unsafe.Pointer(dec.info.exif), C.int(dec.info.exif_len))
	}
	if dec.info.icc != nil {
		dec.Header.ICC = C.GoBytes(unsafe.Pointer(dec.info.icc), C.int(dec.info.icc_len))
	}
	return dec, nil
}

// OutputSize is the size Decode will produce.
func (d *Decoder) OutputSize() (w, h int) { return int(d.info.out_width), int(d.info.out_height) }

// Decode decodes to RGB at the scale chosen in Open.
func (d *Decoder) Decode() (*raster.Image, error) {
	if d.Header.CMYK {
		return nil, ErrCMYK
	}
	w, h := d.OutputSize()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: size %dx%d", ErrCorrupt, w, h)
	}
	// C writes straight into the Go slice: allowed, as it keeps no pointer
	// after the call.
	img := raster.NewImage(w, h)
	if C.zp_read(d.d, (*C.uchar)(unsafe.Pointer(&img.Pix[0])), &d.info) != 0 {
		return nil, decodeErr(&d.info)
	}
	return img, nil
}

// Close frees the decoder.
func (d *Decoder) Close() {
	if d.d != nil {
		C.zp_close(d.d)
		d.d = nil
	}
	if d.pinned != nil {
		C.free(d.pinned)
		d.pinned = nil
	}
}

func decodeErr(info *C.zp_info) error {
	flags := int(info.flags)
	switch {
	case flags&C.ZP_TOO_MANY_SCANS != 0:
		return ErrTooManyScans
	case flags&C.ZP_TIMEOUT != 0:
		return ErrTimeout
	case flags&C.ZP_TRUNCATED != 0:
		return ErrTruncated
	case flags&C.ZP_CORRUPT != 0:
		return ErrCorrupt
	}
	return fmt.Errorf("%w: %s", ErrCorrupt, C.GoString(&info.msg[0]))
}

// EncodeOptions control Encode.
type EncodeOptions struct {
	Quality    int  // 1..100, libjpeg's scale
	DPI        int  // written to the JFIF header
	FullChroma bool // 4:4:4 instead of 4:2:0
	// Progressive writes libjpeg's standard progression of scans instead of
	// one baseline scan (the photos we emit are baseline).
	Progressive bool
}

// Encode writes a baseline JFIF JPEG with no other metadata.
func Encode(img *raster.Image, o EncodeOptions) ([]byte, error) {
	if o.Quality < 1 || o.Quality > 100 {
		return nil, fmt.Errorf("jpeg: quality %d", o.Quality)
	}
	if o.DPI < 1 || o.DPI > 65535 {
		return nil, fmt.Errorf("jpeg: dpi %d", o.DPI)
	}
	if img.W <= 0 || img.H <= 0 || len(img.Pix) != 3*img.W*img.H {
		return nil, fmt.Errorf("jpeg: bad image %dx%d", img.W, img.H)
	}
	var out *C.uchar
	var outLen C.ulong
	var msg [200]C.char
	full := 0
	if o.FullChroma {
		full = 1
	}
	if C.zp_encode((*C.uchar)(unsafe.Pointer(&img.Pix[0])), C.int(img.W), C.int(img.H), C.int(o.Quality), C.int(o.DPI), C.int(full), C.int(boolInt(o.Progressive)), &out, &outLen, &msg[0]) != 0 {
		return nil, fmt.Errorf("jpeg: encode: %s", C.GoString(&msg[0]))
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoBytes(unsafe.Pointer(out), C.int(outLen)), nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
