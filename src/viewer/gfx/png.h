/* PNG files for screenshots: an RGBA8 writer (zlib, nothing else) and a
 * reader for the 8-bit RGB/RGBA non-interlaced images screenshots are, so
 * tests can compare a render with a reference image. Corrupt or other PNGs
 * get an error naming the fault; the reader never reads out of bounds. */
#ifndef RR_VIEWER_GFX_PNG_H
#define RR_VIEWER_GFX_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* Writes width*height RGBA8 pixels (top row first) to path. */
rr_status_t rr_png_write_rgba(const char *path, int width, int height, const uint8_t *rgba,
                              rr_error_t *err);

/* Decodes a PNG in memory into malloc'ed RGBA8 pixels (*out, caller frees). */
rr_status_t rr_png_decode_rgba(const uint8_t *data, size_t len, int *width, int *height,
                               uint8_t **out, rr_error_t *err);
rr_status_t rr_png_read_rgba(const char *path, int *width, int *height, uint8_t **out,
                             rr_error_t *err);

/* How two images of one size differ: the largest channel difference, and
 * the share of pixels whose largest channel difference exceeds threshold. */
typedef struct rr_image_diff {
    int max_channel_diff;
    double frac_over; /* 0..1 */
    double mean_abs;  /* mean absolute channel difference (RGB) */
} rr_image_diff_t;
void rr_image_compare(const uint8_t *a, const uint8_t *b, int width, int height, int threshold,
                      rr_image_diff_t *out);

#endif
