#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>
#include <jerror.h>

#include "zp_jpeg.h"

struct zp_err {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	int flags;
	char msg[JMSG_LENGTH_MAX];
};

static void zp_error_exit(j_common_ptr cinfo) {
	struct zp_err *e = (struct zp_err *)cinfo->err;
	(*cinfo->err->format_message)(cinfo, e->msg);
	longjmp(e->jb, 1);
}

/* Warnings are how libjpeg reports damaged data; record them as flags
 * instead of printing to stderr. */
static void zp_emit(j_common_ptr cinfo, int level) {
	struct zp_err *e = (struct zp_err *)cinfo->err;
	if (level >= 0) return;
	switch (cinfo->err->msg_code) {
	case JWRN_JPEG_EOF:
		e->flags |= ZP_TRUNCATED;
		break;
	case JWRN_HIT_MARKER:
	case JWRN_HUFF_BAD_CODE:
	case JWRN_MUST_RESYNC:
	case JWRN_NOT_SEQUENTIAL:
	case JWRN_BOGUS_PROGRESSION:
		e->flags |= ZP_CORRUPT;
		break;
	}
	cinfo->err->num_warnings++;
}

static long long zp_now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The progress monitor bounds the work of a hostile file: libjpeg calls it
 * between rows of every scan, so a progressive file with thousands of
 * scans, or any decode past its deadline, is stopped within milliseconds
 * (libjpeg itself has no such limit). */
struct zp_progress {
	struct jpeg_progress_mgr pub;
	int max_scans;
	long long deadline_ms; /* CLOCK_MONOTONIC; 0: none */
};

static void zp_monitor(j_common_ptr cinfo) {
	struct zp_progress *p = (struct zp_progress *)cinfo->progress;
	struct zp_err *e = (struct zp_err *)cinfo->err;
	if (!cinfo->is_decompressor) return;
	j_decompress_ptr d = (j_decompress_ptr)cinfo;
	if (p->max_scans > 0 && d->input_scan_number > p->max_scans) {
		e->flags |= ZP_TOO_MANY_SCANS;
		snprintf(e->msg, sizeof e->msg, "more than %d scans", p->max_scans);
		longjmp(e->jb, 1);
	}
	if (p->deadline_ms > 0 && zp_now_ms() > p->deadline_ms) {
		e->flags |= ZP_TIMEOUT;
		snprintf(e->msg, sizeof e->msg, "decode took too long");
		longjmp(e->jb, 1);
	}
}

struct zp_decoder {
	struct jpeg_decompress_struct cinfo;
	struct zp_err err;
	struct zp_progress progress;
	unsigned char *icc;
};

zp_decoder *zp_open(const unsigned char *buf, size_t len, int scale_num, int max_scans, int timeout_ms, zp_info *info) {
	zp_decoder *d = calloc(1, sizeof(*d));
	if (!d) {
		info->flags = ZP_ERR;
		snprintf(info->msg, sizeof info->msg, "out of memory");
		return NULL;
	}
	d->cinfo.err = jpeg_std_error(&d->err.pub);
	d->err.pub.error_exit = zp_error_exit;
	d->err.pub.emit_message = zp_emit;
	if (setjmp(d->err.jb)) {
		info->flags = ZP_ERR | d->err.flags;
		snprintf(info->msg, sizeof info->msg, "%s", d->err.msg);
		zp_close(d);
		return NULL;
	}
	jpeg_create_decompress(&d->cinfo);
	d->progress.pub.progress_monitor = zp_monitor;
	d->progress.max_scans = max_scans;
	d->progress.deadline_ms = timeout_ms > 0 ? zp_now_ms() + timeout_ms : 0;
	d->cinfo.progress = &d->progress.pub;
	jpeg_mem_src(&d->cinfo, buf, (unsigned long)len);
	jpeg_save_markers(&d->cinfo, JPEG_APP0 + 1, 0xFFFF);
	jpeg_save_markers(&d->cinfo, JPEG_APP0 + 2, 0xFFFF);
	jpeg_read_header(&d->cinfo, TRUE);

	info->width = (int)d->cinfo.image_width;
	info->height = (int)d->cinfo.image_height;
	info->components = d->cinfo.num_components;
	info->cmyk = d->cinfo.jpeg_color_space == JCS_CMYK || d->cinfo.jpeg_color_space == JCS_YCCK;
	info->exif = NULL;
	info->exif_len = 0;
	for (jpeg_saved_marker_ptr m = d->cinfo.marker_list; m; m = m->next) {
		if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 && memcmp(m->data, "Exif\0\0", 6) == 0) {
			info->exif = m->data + 6;
			info->exif_len = m->data_length - 6;
			break;
		}
	}
	JOCTET *icc = NULL;
	unsigned int icc_len = 0;
	if (jpeg_read_icc_profile(&d->cinfo, &icc, &icc_len)) {
		d->icc = icc;
		info->icc = icc;
		info->icc_len = icc_len;
	}
	if (!info->cmyk) {
		d->cinfo.out_color_space = JCS_RGB;
		d->cinfo.scale_num = (unsigned int)scale_num;
		d->cinfo.scale_denom = 8;
		d->cinfo.dct_method = JDCT_ISLOW;
		jpeg_calc_output_dimensions(&d->cinfo);
		info->out_width = (int)d->cinfo.output_width;
		info->out_height = (int)d->cinfo.output_height;
	}
	info->flags = d->err.flags;
	return d;
}

int zp_read(zp_decoder *d, unsigned char *out, zp_info *info) {
	if (setjmp(d->err.jb)) {
		info->flags = ZP_ERR | d->err.flags;
		snprintf(info->msg, sizeof info->msg, "%s", d->err.msg);
		return info->flags;
	}
	jpeg_start_decompress(&d->cinfo);
	size_t stride = (size_t)d->cinfo.output_width * 3;
	while (d->cinfo.output_scanline < d->cinfo.output_height) {
		JSAMPROW rows[8];
		int n = 0;
		for (; n < 8 && d->cinfo.output_scanline + n < d->cinfo.output_height; n++)
			rows[n] = out + stride * (d->cinfo.output_scanline + n);
		jpeg_read_scanlines(&d->cinfo, rows, (JDIMENSION)n);
	}
	jpeg_finish_decompress(&d->cinfo);
	info->flags = d->err.flags;
	return info->flags;
}

void zp_close(zp_decoder *d) {
	if (!d) return;
	jpeg_destroy_decompress(&d->cinfo);
	free(d->icc);
	free(d);
}

int zp_encode(const unsigned char *rgb, int w, int h, int quality, int dpi, int full_chroma, int progressive,
              unsigned char **out, unsigned long *out_len, char *msg) {
	struct jpeg_compress_struct cinfo;
	struct zp_err err;
	memset(&err, 0, sizeof err);
	*out = NULL;
	*out_len = 0;
	cinfo.err = jpeg_std_error(&err.pub);
	err.pub.error_exit = zp_error_exit;
	err.pub.emit_message = zp_emit;
	if (setjmp(err.jb)) {
		snprintf(msg, 200, "%s", err.msg);
		jpeg_destroy_compress(&cinfo);
		free(*out);
		*out = NULL;
		return ZP_ERR;
	}
	jpeg_create_compress(&cinfo);
	jpeg_mem_dest(&cinfo, out, out_len);
	cinfo.image_width = (JDIMENSION)w;
	cinfo.image_height = (JDIMENSION)h;
	cinfo.input_components = 3;
	cinfo.in_color_space = JCS_RGB;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, quality, TRUE);
	cinfo.optimize_coding = TRUE;
	cinfo.dct_method = JDCT_ISLOW;
	cinfo.write_JFIF_header = TRUE;
	cinfo.JFIF_major_version = 1;
	cinfo.JFIF_minor_version = 1;
	cinfo.density_unit = 1; /* dots per inch */
	cinfo.X_density = (UINT16)dpi;
	cinfo.Y_density = (UINT16)dpi;
	if (full_chroma) {
		cinfo.comp_info[0].h_samp_factor = 1;
		cinfo.comp_info[0].v_samp_factor = 1;
	}
	if (progressive) jpeg_simple_progression(&cinfo);
	jpeg_start_compress(&cinfo, TRUE);
	size_t stride = (size_t)w * 3;
	while (cinfo.next_scanline < cinfo.image_height) {
		JSAMPROW row = (JSAMPROW)(rgb + stride * cinfo.next_scanline);
		jpeg_write_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	return ZP_OK;
}
