/* Fonts for the UI toolkit: a TrueType font (stb_truetype) rasterised once
 * into a single-channel glyph atlas at the display's HiDPI scale, glyph
 * lookup by code point, and text measuring over UTF-8.
 *
 * Sizes the caller sees are in UI points; the atlas holds pixels (points *
 * scale), so text stays sharp on HiDPI screens. The atlas also holds a small
 * opaque block (rr_ui_font_white_uv) so solid shapes and glyphs share one
 * texture and one draw call.
 *
 * The font bytes come from the caller (rr_ui_font_new copies them), so a web
 * build can hand over a file it fetched or embedded; rr_ui_font_load reads a
 * file. Ownership: the caller frees the font with rr_ui_font_free. */
#ifndef RR_VIEWER_UI_FONT_H
#define RR_VIEWER_UI_FONT_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef struct rr_ui_font rr_ui_font_t;

typedef struct rr_ui_glyph {
    float x0, y0, x1, y1; /* quad relative to the pen on the baseline, points */
    float u0, v0, u1, v1; /* atlas coordinates */
    float advance;        /* points */
} rr_ui_glyph_t;

/* Debian's fonts-dejavu-core path, or $RR_UI_FONT when set. */
const char *rr_ui_font_default_path(void);

/* A font of size_pt points rasterised at scale pixels per point, from the
 * TrueType bytes ttf[0..len) (copied). RR_ERR_INVALID_DATA when the bytes
 * are not a TrueType font, RR_ERR_INVALID_ARG for sizes out of range. */
rr_status_t rr_ui_font_new(const uint8_t *ttf, size_t len, float size_pt, float scale,
                           rr_ui_font_t **out, rr_error_t *err);
/* Reads path and calls rr_ui_font_new; RR_ERR_NOT_FOUND naming the path
 * (and the package that provides it) when the file is missing. */
rr_status_t rr_ui_font_load(const char *path, float size_pt, float scale, rr_ui_font_t **out,
                            rr_error_t *err);
void rr_ui_font_free(rr_ui_font_t *f); /* NULL-safe */

float rr_ui_font_size(const rr_ui_font_t *f);   /* points */
float rr_ui_font_scale(const rr_ui_font_t *f);  /* pixels per point */
float rr_ui_font_ascent(const rr_ui_font_t *f); /* points above the baseline */
float rr_ui_font_line_height(const rr_ui_font_t *f);

/* The glyph of code point cp; code points the atlas lacks map to U+FFFD
 * (or '?'), so the result is never NULL. */
const rr_ui_glyph_t *rr_ui_font_glyph(const rr_ui_font_t *f, uint32_t cp);

/* Width in points of the UTF-8 text s[0..len) (len (size_t)-1: up to NUL). */
float rr_ui_font_text_width(const rr_ui_font_t *f, const char *s, size_t len);
/* The byte offset in s[0..len) of the character boundary nearest to x points
 * from the text's start (for placing a text cursor under the mouse). */
size_t rr_ui_font_hit(const rr_ui_font_t *f, const char *s, size_t len, float x);

/* The atlas: width*height bytes of coverage, row 0 first. */
const uint8_t *rr_ui_font_atlas(const rr_ui_font_t *f, int *width, int *height);
void rr_ui_font_white_uv(const rr_ui_font_t *f, float *u, float *v);

/* Decodes one UTF-8 character at s[*i] (advancing *i, at least by one);
 * malformed bytes give U+FFFD. */
uint32_t rr_ui_utf8_next(const char *s, size_t len, size_t *i);
/* The start of the character before byte offset i (0 at the start). */
size_t rr_ui_utf8_prev(const char *s, size_t i);

#endif
