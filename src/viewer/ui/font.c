/* The UI's fonts (font.h): stb_truetype packs the code point ranges a viewer
 * needs (Latin, punctuation, arrows, geometric shapes, check marks) into one
 * coverage atlas; this is the only file that compiles stb_truetype. */
#include "viewer/ui/font.h"

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* stb_truetype is third-party code that does not hold our warning flags. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wstrict-overflow"
#define STB_TRUETYPE_IMPLEMENTATION
#define STB_RECT_PACK_IMPLEMENTATION
#define STBTT_STATIC
#define STBRP_STATIC
#include <stb/stb_rect_pack.h>
#include <stb/stb_truetype.h>
#pragma GCC diagnostic pop

#define DEFAULT_FONT_PATH "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define ATLAS_W 512
#define WHITE_ROWS 4 /* rows above the packed glyphs holding the opaque block */

/* Code point ranges in the atlas: what labels, trees and the time panel use. */
static const struct {
    uint32_t first, count;
} k_ranges[] = {
    {0x20, 0x5F},    /* ASCII */
    {0xA0, 0x60},    /* Latin-1 supplement */
    {0x2000, 0x40},  /* spaces (thin: Rerun's digit groups), dashes, quotes, bullet, ellipsis */
    {0x2190, 0x10},  /* arrows */
    {0x2212, 0x1},   /* minus sign */
    {0x23F4, 0xC},   /* media controls (play, pause, stop, record) */
    {0x25A0, 0x60},  /* geometric shapes: squares, triangles, circles */
    {0x2713, 0x6},   /* check and cross marks */
    {0xFFFD, 0x1},   /* replacement character */
};
#define N_RANGES (sizeof k_ranges / sizeof k_ranges[0])

struct rr_ui_font {
    uint8_t *ttf;
    stbtt_fontinfo info;
    float size, scale, ascent, line_height;
    uint8_t *atlas;
    int atlas_h;
    float white_u, white_v;
    rr_ui_glyph_t *glyphs; /* per range, in k_ranges order */
    uint32_t range_start[N_RANGES];
    const rr_ui_glyph_t *fallback;
};

const char *rr_ui_font_default_path(void) {
    const char *p = getenv("RR_UI_FONT");
    return p && *p ? p : DEFAULT_FONT_PATH;
}

static rr_status_t pack(rr_ui_font_t *f, rr_error_t *err) {
    float px = f->size * f->scale;
    size_t total = 0;
    for (size_t i = 0; i < N_RANGES; i++) total += k_ranges[i].count;
    stbtt_packedchar *pc = calloc(total, sizeof *pc);
    if (!pc) return rr_error_set(err, RR_ERR_NOMEM, "ui font: out of memory for %zu glyphs", total);
    /* Grow the atlas until every glyph fits; large sizes need more rows. */
    for (int h = 256; h <= 8192; h *= 2) {
        uint8_t *pixels = calloc((size_t)ATLAS_W * (size_t)h, 1);
        if (!pixels) break;
        stbtt_pack_context ctx;
        if (!stbtt_PackBegin(&ctx, pixels + (size_t)WHITE_ROWS * ATLAS_W, ATLAS_W, h - WHITE_ROWS,
                             ATLAS_W, 1, NULL)) {
            free(pixels);
            break;
        }
        stbtt_pack_range ranges[N_RANGES];
        size_t at = 0;
        for (size_t i = 0; i < N_RANGES; i++) {
            ranges[i] = (stbtt_pack_range){0};
            ranges[i].font_size = px;
            ranges[i].first_unicode_codepoint_in_range = (int)k_ranges[i].first;
            ranges[i].num_chars = (int)k_ranges[i].count;
            ranges[i].chardata_for_range = pc + at;
            at += k_ranges[i].count;
        }
        int ok = stbtt_PackFontRanges(&ctx, f->ttf, 0, ranges, (int)N_RANGES);
        stbtt_PackEnd(&ctx);
        if (!ok) {
            free(pixels);
            continue;
        }
        for (int y = 0; y < WHITE_ROWS - 1; y++) memset(pixels + (size_t)y * ATLAS_W, 255, 3);
        f->atlas = pixels;
        f->atlas_h = h;
        f->white_u = 1.5f / ATLAS_W;
        f->white_v = 1.5f / (float)h;
        f->glyphs = calloc(total, sizeof *f->glyphs);
        if (!f->glyphs) {
            free(pc);
            return rr_error_set(err, RR_ERR_NOMEM, "ui font: out of memory for glyphs");
        }
        at = 0;
        for (size_t i = 0; i < N_RANGES; i++) {
            f->range_start[i] = (uint32_t)at;
            at += k_ranges[i].count;
        }
        for (size_t i = 0; i < total; i++) {
            const stbtt_packedchar *c = &pc[i];
            rr_ui_glyph_t *g = &f->glyphs[i];
            g->x0 = c->xoff / f->scale;
            g->y0 = c->yoff / f->scale;
            g->x1 = c->xoff2 / f->scale;
            g->y1 = c->yoff2 / f->scale;
            g->u0 = (float)c->x0 / ATLAS_W;
            g->u1 = (float)c->x1 / ATLAS_W;
            g->v0 = (float)(c->y0 + WHITE_ROWS) / (float)h;
            g->v1 = (float)(c->y1 + WHITE_ROWS) / (float)h;
            g->advance = c->xadvance / f->scale;
        }
        free(pc);
        return RR_OK;
    }
    free(pc);
    return rr_error_set(err, RR_ERR_NOMEM, "ui font: glyphs of %.1f px do not fit an atlas", px);
}

static const rr_ui_glyph_t *lookup(const rr_ui_font_t *f, uint32_t cp) {
    for (size_t i = 0; i < N_RANGES; i++)
        if (cp >= k_ranges[i].first && cp - k_ranges[i].first < k_ranges[i].count)
            return &f->glyphs[f->range_start[i] + (cp - k_ranges[i].first)];
    return NULL;
}

rr_status_t rr_ui_font_new(const uint8_t *ttf, size_t len, float size_pt, float scale,
                           rr_ui_font_t **out, rr_error_t *err) {
    *out = NULL;
    if (!ttf || len < 12 || len > (size_t)1 << 30)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "ui font: %zu bytes are not a TrueType font",
                            ttf ? len : 0);
    if (!(size_pt >= 4 && size_pt <= 200) || !(scale >= 0.25f && scale <= 8))
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "ui font: size %.2f pt at scale %.2f is out of range (4..200 pt, 0.25..8)",
                            (double)size_pt, (double)scale);
    rr_ui_font_t *f = calloc(1, sizeof *f);
    if (!f || !(f->ttf = malloc(len))) {
        free(f);
        return rr_error_set(err, RR_ERR_NOMEM, "ui font: out of memory");
    }
    memcpy(f->ttf, ttf, len);
    f->size = size_pt;
    f->scale = scale;
    /* stb_truetype trusts the table directory; check the tables it reads
     * lie inside the bytes before handing them over. */
    uint32_t tag = (uint32_t)ttf[0] << 24 | (uint32_t)ttf[1] << 16 | (uint32_t)ttf[2] << 8 | ttf[3];
    int ntables = ttf[4] << 8 | ttf[5];
    bool sane = (tag == 0x00010000u || tag == 0x74727565u /* true */ || tag == 0x4F54544Fu /* OTTO */) &&
                12 + (size_t)ntables * 16 <= len;
    for (int i = 0; sane && i < ntables; i++) {
        const uint8_t *e = ttf + 12 + (size_t)i * 16;
        uint32_t off = (uint32_t)e[8] << 24 | (uint32_t)e[9] << 16 | (uint32_t)e[10] << 8 | e[11];
        uint32_t n = (uint32_t)e[12] << 24 | (uint32_t)e[13] << 16 | (uint32_t)e[14] << 8 | e[15];
        if ((uint64_t)off + n > len) sane = false;
    }
    if (!sane || !stbtt_InitFont(&f->info, f->ttf, 0)) {
        rr_ui_font_free(f);
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "ui font: not a TrueType font (bad table directory in %zu bytes)", len);
    }
    int asc, desc, gap;
    stbtt_GetFontVMetrics(&f->info, &asc, &desc, &gap);
    float em = stbtt_ScaleForPixelHeight(&f->info, size_pt);
    f->ascent = (float)asc * em;
    f->line_height = (float)(asc - desc + gap) * em;
    rr_status_t st = pack(f, err);
    if (st != RR_OK) {
        rr_ui_font_free(f);
        return st;
    }
    f->fallback = lookup(f, 0xFFFD);
    if (!f->fallback || f->fallback->advance <= 0) f->fallback = lookup(f, '?');
    *out = f;
    return RR_OK;
}

rr_status_t rr_ui_font_load(const char *path, float size_pt, float scale, rr_ui_font_t **out,
                            rr_error_t *err) {
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return rr_error_set(err, errno == ENOENT ? RR_ERR_NOT_FOUND : RR_ERR_IO,
                            "ui font: cannot open %s: %s (Debian: apt-get install fonts-dejavu-core, "
                            "or set RR_UI_FONT to a .ttf file)",
                            path, strerror(errno));
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 1 << 20;
            uint8_t *nb = ncap <= (size_t)1 << 30 ? realloc(buf, ncap) : NULL;
            if (!nb) {
                free(buf);
                fclose(fp);
                return rr_error_set(err, RR_ERR_NOMEM, "ui font: %s is too large", path);
            }
            buf = nb;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, fp);
        len += n;
        if (n == 0) break;
    }
    bool bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return rr_error_set(err, RR_ERR_IO, "ui font: reading %s failed", path);
    }
    rr_status_t st = rr_ui_font_new(buf, len, size_pt, scale, out, err);
    free(buf);
    if (st != RR_OK) rr_error_prefix(err, "%s: ", path);
    return st;
}

void rr_ui_font_free(rr_ui_font_t *f) {
    if (!f) return;
    free(f->glyphs);
    free(f->atlas);
    free(f->ttf);
    free(f);
}

float rr_ui_font_size(const rr_ui_font_t *f) { return f->size; }
float rr_ui_font_scale(const rr_ui_font_t *f) { return f->scale; }
float rr_ui_font_ascent(const rr_ui_font_t *f) { return f->ascent; }
float rr_ui_font_line_height(const rr_ui_font_t *f) { return f->line_height; }

const rr_ui_glyph_t *rr_ui_font_glyph(const rr_ui_font_t *f, uint32_t cp) {
    const rr_ui_glyph_t *g = lookup(f, cp);
    return g && (g->advance > 0 || cp == 0x20) ? g : f->fallback;
}

uint32_t rr_ui_utf8_next(const char *s, size_t len, size_t *i) {
    const uint8_t *p = (const uint8_t *)s + *i;
    size_t left = len - *i;
    uint8_t c = p[0];
    int n;
    uint32_t cp, min;
    if (c < 0x80) {
        *i += 1;
        return c;
    } else if ((c & 0xE0) == 0xC0) {
        n = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 3, cp = c & 0x07, min = 0x10000;
    } else {
        *i += 1;
        return 0xFFFD;
    }
    if ((size_t)n >= left) {
        *i += 1;
        return 0xFFFD;
    }
    for (int k = 1; k <= n; k++) {
        if ((p[k] & 0xC0) != 0x80) {
            *i += 1;
            return 0xFFFD;
        }
        cp = cp << 6 | (p[k] & 0x3F);
    }
    *i += (size_t)n + 1;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
    return cp;
}

size_t rr_ui_utf8_prev(const char *s, size_t i) {
    if (i == 0) return 0;
    size_t j = i - 1;
    /* At most three continuation bytes belong to one character. */
    while (j > 0 && i - j < 4 && ((uint8_t)s[j] & 0xC0) == 0x80) j--;
    return j;
}

float rr_ui_font_text_width(const rr_ui_font_t *f, const char *s, size_t len) {
    if (len == (size_t)-1) len = strlen(s);
    float w = 0;
    for (size_t i = 0; i < len;) w += rr_ui_font_glyph(f, rr_ui_utf8_next(s, len, &i))->advance;
    return w;
}

size_t rr_ui_font_hit(const rr_ui_font_t *f, const char *s, size_t len, float x) {
    if (len == (size_t)-1) len = strlen(s);
    float w = 0;
    for (size_t i = 0; i < len;) {
        size_t at = i;
        float adv = rr_ui_font_glyph(f, rr_ui_utf8_next(s, len, &i))->advance;
        if (x < w + adv * 0.5f) return at;
        w += adv;
    }
    return len;
}

const uint8_t *rr_ui_font_atlas(const rr_ui_font_t *f, int *width, int *height) {
    *width = ATLAS_W;
    *height = f->atlas_h;
    return f->atlas;
}

void rr_ui_font_white_uv(const rr_ui_font_t *f, float *u, float *v) {
    *u = f->white_u;
    *v = f->white_v;
}
