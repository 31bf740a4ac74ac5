#ifndef ZP_JPEG_H
#define ZP_JPEG_H

#include <stddef.h>

/* Outcome flags of a decode. */
enum {
	ZP_OK = 0,
	ZP_ERR = 1,       /* libjpeg refused the data; msg says why */
	ZP_TRUNCATED = 2, /* the file ended before the image did */
	ZP_CORRUPT = 4,   /* entropy-coded data damaged */
	ZP_TOO_MANY_SCANS = 8, /* more scans than allowed: a decompression bomb */
	ZP_TIMEOUT = 16   /* the decode ran past its deadline */
};

typedef struct zp_decoder zp_decoder;

typedef struct {
	int width, height;      /* full size from the header */
	int components;         /* 1 grey, 3 colour, 4 CMYK/YCCK */
	int cmyk;               /* Adobe CMYK or YCCK */
	int out_width, out_height;
	unsigned char *exif;    /* APP1 Exif payload (after "Exif\0\0"), or NULL */
	unsigned int exif_len;
	unsigned char *icc;     /* ICC profile, or NULL */
	unsigned int icc_len;
	int flags;
	char msg[200];
} zp_info;

/* zp_open parses the header and prepares a decode scaled by num/8, of at
 * most max_scans scans (0: any) and timeout_ms milliseconds from now (0:
 * no deadline), both for the header and the decode. */
zp_decoder *zp_open(const unsigned char *buf, size_t len, int scale_num, int max_scans, int timeout_ms, zp_info *info);
/* zp_read decodes RGB rows into out (3 * out_width * out_height bytes). */
int zp_read(zp_decoder *d, unsigned char *out, zp_info *info);
void zp_close(zp_decoder *d);

/* zp_encode writes baseline (or progressive) JPEG with a JFIF header
 * carrying dpi, optimised Huffman tables and 4:2:0 (or 4:4:4) chroma; *out
 * is malloc'ed. */
int zp_encode(const unsigned char *rgb, int w, int h, int quality, int dpi, int full_chroma, int progressive,
              unsigned char **out, unsigned long *out_len, char *msg);

#endif
