/* Image data into RGBA8 (image_decode.h): one pass per image, run once per
 * store row by the 2D view, so clarity wins over SIMD here. The colormap
 * polynomials are the published fits (Turbo: Google's 2019 polynomial
 * approximation; Viridis, Plasma, Magma, Inferno: the CC0 degree-6 fits of
 * the matplotlib maps) as Rerun 0.33's re_renderer uses them; this is the
 * only file that compiles stb_image. */
#include "viewer/gfx/image_decode.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* stb_image is third-party code that does not hold our warning flags. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#ifndef __clang__ /* gcc's alone; clang (the fuzz build) does not know it */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wstrict-overflow"
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#define STBI_MAX_DIMENSIONS (1 << 15)
#include <stb/stb_image.h>
#pragma GCC diagnostic pop
/* Its static declarations of what STBI_ONLY_* leaves out are only
 * reported at the end of the file, past the pop above. */
#pragma GCC diagnostic ignored "-Wunused-function"

/* Rerun's enums (re_sdk_types datatypes). */
enum { CM_L = 1, CM_RGB, CM_RGBA, CM_BGR, CM_BGRA };
enum {
    DT_U8 = 6, DT_I8, DT_U16, DT_I16, DT_U32, DT_I32, DT_U64, DT_I64,
    DT_F16 = 33, DT_F32, DT_F64
};
enum {
    PF_Y_U_V12_LIMITED = 20, PF_NV12 = 26, PF_YUY2 = 27, PF_Y8_FULL = 30,
    PF_Y_U_V24_LIMITED = 39, PF_Y_U_V24_FULL = 40, PF_Y8_LIMITED = 41,
    PF_Y_U_V12_FULL = 44, PF_Y_U_V16_LIMITED = 49, PF_Y_U_V16_FULL = 50
};

/* Decoded images larger than this many pixels are refused (memory). */
#define MAX_DECODED_PIXELS ((size_t)1 << 27)

int rr_channel_datatype_size(int dt) {
    switch (dt) {
    case 0: case DT_U8: case DT_I8: return 1;
    case DT_U16: case DT_I16: case DT_F16: return 2;
    case DT_U32: case DT_I32: case DT_F32: return 4;
    case DT_U64: case DT_I64: case DT_F64: return 8;
    default: return 0;
    }
}

static int channels_of(int color_model) {
    switch (color_model) {
    case 0: case CM_L: return 1;
    case CM_RGB: case CM_BGR: return 3;
    case CM_RGBA: case CM_BGRA: return 4;
    default: return 0;
    }
}

static bool is_float(int dt) { return dt == DT_F16 || dt == DT_F32 || dt == DT_F64; }

/* w * h * k without overflow, 0 when it would. */
static size_t mul3(size_t a, size_t b, size_t k) {
    if (a && b > SIZE_MAX / a) return 0;
    size_t ab = a * b;
    if (ab && k > SIZE_MAX / ab) return 0;
    return ab * k;
}

size_t rr_image_spec_bytes(const rr_image_spec_t *s) {
    size_t w = s->width, h = s->height, wh = mul3(w, h, 1);
    if (!wh) return 0;
    /* Subsampled chroma of odd sizes rounds up (a last half-covered
     * column or row still has its sample); even sizes are Rerun's layouts. */
    size_t cw = (w + 1) / 2, chh = (h + 1) / 2;
    switch (s->pixel_format) {
    case 0: break;
    case PF_Y_U_V24_LIMITED: case PF_Y_U_V24_FULL: return mul3(w, h, 3);
    case PF_Y_U_V16_LIMITED: case PF_Y_U_V16_FULL: return wh + 2 * cw * h;
    case PF_Y_U_V12_LIMITED: case PF_Y_U_V12_FULL: return wh + 2 * cw * chh;
    case PF_Y8_LIMITED: case PF_Y8_FULL: return wh;
    case PF_NV12: return wh + 2 * cw * chh;
    case PF_YUY2: return 4 * cw * h;
    default: return 0;
    }
    int ch = channels_of(s->color_model), sz = rr_channel_datatype_size(s->channel_datatype);
    if (!ch || !sz) return 0;
    return mul3(wh, (size_t)ch, (size_t)sz);
}

static float half_to_float(uint16_t h) {
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    float sign = (h & 0x8000) ? -1.0f : 1.0f;
    if (e == 0) return sign * ldexpf((float)m, -24);
    if (e == 31) return m ? NAN : sign * INFINITY;
    return sign * ldexpf((float)(m | 0x400), e - 25);
}

/* Value i (in channel units) of a little-endian buffer of datatype dt. */
static double value_at(const uint8_t *p, int dt, size_t i) {
    switch (dt) {
    case 0: case DT_U8: return p[i];
    case DT_I8: return (int8_t)p[i];
    case DT_U16: { uint16_t v; memcpy(&v, p + i * 2, 2); return v; }
    case DT_I16: { int16_t v; memcpy(&v, p + i * 2, 2); return v; }
    case DT_F16: { uint16_t v; memcpy(&v, p + i * 2, 2); return half_to_float(v); }
    case DT_U32: { uint32_t v; memcpy(&v, p + i * 4, 4); return v; }
    case DT_I32: { int32_t v; memcpy(&v, p + i * 4, 4); return v; }
    case DT_F32: { float v; memcpy(&v, p + i * 4, 4); return v; }
    case DT_U64: { uint64_t v; memcpy(&v, p + i * 8, 8); return (double)v; }
    case DT_I64: { int64_t v; memcpy(&v, p + i * 8, 8); return (double)v; }
    case DT_F64: { double v; memcpy(&v, p + i * 8, 8); return v; }
    default: return 0;
    }
}

static uint8_t unit_to_u8(double x) {
    if (!(x > 0)) return 0;
    if (x >= 1) return 255;
    return (uint8_t)(x * 255.0 + 0.5);
}

static double linear_to_srgb(double x) {
    return x <= 0.0031308 ? 12.92 * x : 1.055 * pow(x, 1.0 / 2.4) - 0.055;
}

static rr_status_t check_spec(const rr_image_spec_t *s, size_t len, const char *what,
                              rr_error_t *err) {
    if (!s->width || !s->height)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: empty image (%ux%u)", what,
                            (unsigned)s->width, (unsigned)s->height);
    if (mul3(s->width, s->height, 1) > MAX_DECODED_PIXELS)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: %ux%u pixels is too large", what,
                            (unsigned)s->width, (unsigned)s->height);
    size_t need = rr_image_spec_bytes(s);
    if (!need)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "%s: unsupported format (pixel format %d, color model %d, datatype %d)",
                            what, s->pixel_format, s->color_model, s->channel_datatype);
    if (len < need)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "%s: buffer of %zu bytes, the %ux%u format needs %zu", what, len,
                            (unsigned)s->width, (unsigned)s->height, need);
    return RR_OK;
}

static uint8_t *alloc_rgba(const rr_image_spec_t *s, rr_error_t *err) {
    uint8_t *out = malloc(mul3(s->width, s->height, 4));
    if (!out)
        rr_error_set(err, RR_ERR_NOMEM, "image: %ux%u RGBA: out of memory", (unsigned)s->width,
                     (unsigned)s->height);
    return out;
}

/* ---------------- YUV ---------------- */

static void rgb_from_yuv(double y, double u, double v, bool limited, bool bt709, uint8_t *o) {
    if (limited) {
        y = (y - 16.0) / 219.0, u = (u - 128.0) / 224.0, v = (v - 128.0) / 224.0;
    } else {
        y /= 255.0, u = (u - 128.0) / 255.0, v = (v - 128.0) / 255.0;
    }
    double r, g, b;
    if (bt709) {
        r = y + 1.575 * v, g = y - 0.187 * u - 0.468 * v, b = y + 1.856 * u;
    } else {
        r = y + 1.402 * v, g = y - 0.344 * u - 0.714 * v, b = y + 1.772 * u;
    }
    /* Rerun truncates toward zero (saturating), not rounding. */
    double c[3] = {r, g, b};
    for (int k = 0; k < 3; k++) {
        double x = c[k] * 255.0;
        o[k] = x <= 0 ? 0 : x >= 255 ? 255 : (uint8_t)x;
    }
    o[3] = 255;
}

static rr_status_t yuv_to_rgba(const rr_image_spec_t *s, const uint8_t *buf, size_t len,
                               uint8_t *out, rr_error_t *err) {
    size_t w = s->width, h = s->height, wh = w * h, cw = (w + 1) / 2, ch = (h + 1) / 2;
    int pf = s->pixel_format;
    bool limited = pf == PF_Y_U_V24_LIMITED || pf == PF_Y_U_V16_LIMITED || pf == PF_Y_U_V12_LIMITED ||
                   pf == PF_Y8_LIMITED || pf == PF_NV12 || pf == PF_YUY2;
    bool bt709 = pf != PF_NV12 && pf != PF_YUY2;
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            size_t iy, iu, iv;
            switch (pf) {
            case PF_Y_U_V24_LIMITED: case PF_Y_U_V24_FULL:
                iy = y * w + x, iu = wh + iy, iv = 2 * wh + iy;
                break;
            case PF_Y_U_V16_LIMITED: case PF_Y_U_V16_FULL:
                iy = y * w + x, iu = wh + y * cw + x / 2, iv = iu + cw * h;
                break;
            case PF_Y_U_V12_LIMITED: case PF_Y_U_V12_FULL:
                iy = y * w + x, iu = wh + (y / 2) * cw + x / 2, iv = iu + cw * ch;
                break;
            case PF_NV12:
                iy = y * w + x, iu = wh + (y / 2) * 2 * cw + (x / 2) * 2, iv = iu + 1;
                break;
            case PF_YUY2: {
                size_t pair = y * 4 * cw + (x / 2) * 4;
                iy = pair + (x & 1) * 2, iu = pair + 1, iv = pair + 3;
                break;
            }
            default: /* Y8 */
                iy = y * w + x, iu = iv = SIZE_MAX;
                break;
            }
            if (iy >= len || (iu != SIZE_MAX && (iu >= len || iv >= len)))
                return rr_error_set(err, RR_ERR_INVALID_DATA,
                                    "image: YUV buffer of %zu bytes ends inside pixel (%zu, %zu)", len,
                                    x, y);
            double u = iu == SIZE_MAX ? 128 : buf[iu], v = iv == SIZE_MAX ? 128 : buf[iv];
            rgb_from_yuv(buf[iy], u, v, limited, bt709, out + (y * w + x) * 4);
        }
    return RR_OK;
}

/* ---------------- colour images ---------------- */

/* Rerun's data_range_heuristic over the finite range. */
static void range_heuristic(double min, double max, bool fl, double *lo, double *hi) {
    if (fl && 0 <= min && max <= 1) *lo = 0, *hi = 1;
    else if (0 <= min && max <= 255) *lo = 0, *hi = 255;
    else if (min == max) *lo = min - 1, *hi = max + 1;
    else *lo = min, *hi = max;
}

/* Integer types of at most 16 bits: a value's index into a table of
 * 65536 (the value plus 32768 for signed types), so per-value work (a
 * colormap, a range mapping) is done once per distinct value. */
static bool small_int(int dt) { return dt == 0 || dt == DT_U8 || dt == DT_I8 || dt == DT_U16 || dt == DT_I16; }
static uint32_t small_index(const uint8_t *p, int dt, size_t i) {
    switch (dt) {
    case DT_I8: return (uint32_t)((int8_t)p[i] + 32768);
    case DT_U16: { uint16_t v; memcpy(&v, p + i * 2, 2); return v; }
    case DT_I16: { int16_t v; memcpy(&v, p + i * 2, 2); return (uint32_t)(v + 32768); }
    default: return p[i];
    }
}
static double small_value(int dt, uint32_t idx) {
    return dt == DT_I8 || dt == DT_I16 ? (double)idx - 32768.0 : (double)idx;
}
#define SMALL_TABLE 65536

static void finite_range(const uint8_t *buf, int dt, size_t n, double *min, double *max) {
    *min = INFINITY, *max = -INFINITY;
    if (small_int(dt) && n) {
        uint32_t lo = UINT32_MAX, hi = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t k = small_index(buf, dt, i);
            lo = k < lo ? k : lo;
            hi = k > hi ? k : hi;
        }
        *min = small_value(dt, lo), *max = small_value(dt, hi);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double v = value_at(buf, dt, i);
        if (!isfinite(v)) continue;
        if (v < *min) *min = v;
        if (v > *max) *max = v;
    }
    if (*min > *max) *min = *max = 0; /* nothing finite */
}

rr_status_t rr_image_to_rgba(const rr_image_spec_t *s, const uint8_t *buf, size_t len,
                             uint8_t **out, rr_error_t *err) {
    *out = NULL;
    RR_TRY(check_spec(s, len, "image", err));
    uint8_t *o = alloc_rgba(s, err);
    if (!o) return RR_ERR_NOMEM;
    if (s->pixel_format) {
        rr_status_t st = yuv_to_rgba(s, buf, len, o, err);
        if (st != RR_OK) {
            free(o);
            return st;
        }
        *out = o;
        return RR_OK;
    }
    int dt = s->channel_datatype ? s->channel_datatype : DT_U8;
    int ch = channels_of(s->color_model);
    size_t n_px = (size_t)s->width * s->height;
    bool bgr = s->color_model == CM_BGR || s->color_model == CM_BGRA;
    if (dt == DT_U8) {
        /* The common case, bytes as they are: no per-value conversion. */
        for (size_t i = 0; i < n_px; i++) {
            const uint8_t *p = buf + i * (size_t)ch;
            uint8_t *q = o + i * 4;
            if (ch == 1) q[0] = q[1] = q[2] = p[0];
            else q[0] = p[bgr ? 2 : 0], q[1] = p[1], q[2] = p[bgr ? 0 : 2];
            q[3] = ch == 4 ? p[3] : 255;
        }
        *out = o;
        return RR_OK;
    }
    double lo = 0, hi = 255;
    bool as_srgb = true;
    {
        double min, max;
        finite_range(buf, dt, n_px * (size_t)ch, &min, &max);
        range_heuristic(min, max, is_float(dt), &lo, &hi);
        as_srgb = (0 <= min && max <= 255) || (is_float(dt) && 0 <= min && max <= 1);
    }
    /* One channel without the sRGB look goes through the grayscale map,
     * which is already perceptual: no transfer function for it. */
    if (ch == 1) as_srgb = true;
    double scale = hi > lo ? 1.0 / (hi - lo) : 0;
    size_t n_vals = n_px * (size_t)ch;
    uint8_t *lut = small_int(dt) && n_vals > SMALL_TABLE / 4 ? malloc(SMALL_TABLE * 2) : NULL;
    if (lut) {
        /* [k]: the colour byte of value k; [SMALL_TABLE + k]: as alpha. */
        for (uint32_t k = 0; k < SMALL_TABLE; k++) {
            double c = (small_value(dt, k) - lo) * scale;
            lut[k] = unit_to_u8(as_srgb ? c : linear_to_srgb(c < 0 ? 0 : c > 1 ? 1 : c));
            lut[SMALL_TABLE + k] = unit_to_u8(c);
        }
        for (size_t i = 0; i < n_px; i++) {
            uint8_t *p = o + i * 4;
            size_t base = i * (size_t)ch;
            if (ch == 1) {
                p[0] = p[1] = p[2] = lut[small_index(buf, dt, base)];
            } else {
                p[0] = lut[small_index(buf, dt, base + (bgr ? 2 : 0))];
                p[1] = lut[small_index(buf, dt, base + 1)];
                p[2] = lut[small_index(buf, dt, base + (bgr ? 0 : 2))];
            }
            p[3] = ch == 4 ? lut[SMALL_TABLE + small_index(buf, dt, base + 3)] : 255;
        }
        free(lut);
        *out = o;
        return RR_OK;
    }
    for (size_t i = 0; i < n_px; i++) {
        uint8_t *p = o + i * 4;
        double c[4] = {0, 0, 0, 0};
        for (int k = 0; k < ch; k++) {
            double v = value_at(buf, dt, i * (size_t)ch + (size_t)k);
            c[k] = isfinite(v) ? (v - lo) * scale : 0;
        }
        if (ch == 1) c[1] = c[2] = c[0];
        if (bgr) {
            double t = c[0];
            c[0] = c[2], c[2] = t;
        }
        for (int k = 0; k < 3; k++)
            p[k] = unit_to_u8(as_srgb ? c[k] : linear_to_srgb(c[k] < 0 ? 0 : c[k] > 1 ? 1 : c[k]));
        p[3] = ch == 4 ? unit_to_u8(c[3]) : 255;
    }
    *out = o;
    return RR_OK;
}

/* ---------------- colormaps ---------------- */

typedef struct poly7 {
    float c[7][3];
} poly7_t;

static const poly7_t viridis = {{{0.2777273272234177f, 0.005407344544966578f, 0.3340998053353061f},
                                 {0.1050930431085774f, 1.404613529898575f, 1.384590162594685f},
                                 {-0.3308618287255563f, 0.214847559468213f, 0.09509516302823659f},
                                 {-4.634230498983486f, -5.799100973351585f, -19.33244095627987f},
                                 {6.228269936347081f, 14.17993336680509f, 56.69055260068105f},
                                 {4.776384997670288f, -13.74514537774601f, -65.35303263337234f},
                                 {-5.435455855934631f, 4.645852612178535f, 26.3124352495832f}}};
static const poly7_t plasma = {{{0.05873234392399702f, 0.02333670892565664f, 0.5433401826748754f},
                                {2.176514634195958f, 0.2383834171260182f, 0.7539604599784036f},
                                {-2.689460476458034f, -7.455851135738909f, 3.110799939717086f},
                                {6.130348345893603f, 42.3461881477227f, -28.51885465332158f},
                                {-11.10743619062271f, -82.66631109428045f, 60.13984767418263f},
                                {10.02306557647065f, 71.41361770095349f, -54.07218655560067f},
                                {-3.658713842777788f, -22.93153465461149f, 18.19190778539828f}}};
static const poly7_t magma = {{{-0.002136485053939f, -0.000749655052795f, -0.005386127855323f},
                               {0.2516605407371642f, 0.6775232436837668f, 2.494026599312351f},
                               {8.353717279216625f, -3.577719514958484f, 0.3144679030132573f},
                               {-27.66873308576866f, 14.26473078096533f, -13.64921318813922f},
                               {52.17613981234068f, -27.94360607168351f, 12.94416944238394f},
                               {-50.76852536473588f, 29.04658282127291f, 4.23415299384598f},
                               {18.65570506591883f, -11.48977351997711f, -5.601961508734096f}}};
static const poly7_t inferno = {{{0.00021894036911922f, 0.0016510046310010f, -0.019480898437091f},
                                 {0.1065134194856116f, 0.5639564367884091f, 3.932712388889277f},
                                 {11.60249308247187f, -3.972853965665698f, -15.9423941062914f},
                                 {-41.70399613139459f, 17.43639888205313f, 44.35414519872813f},
                                 {77.162935699427f, -33.40235894210092f, -81.80730925738993f},
                                 {-71.31942824499214f, 32.62606426397723f, 73.20951985803202f},
                                 {25.13112622477341f, -12.24266895238567f, -23.07032500287172f}}};
static const poly7_t spectral = {{{0.584384543712538f, 0.006424432561482f, 0.231061410304836f},
                                  {3.768572852617221f, 2.487082885717158f, 2.821174312084977f},
                                  {-16.262574054760623f, -6.243215992229093f, -37.292187460541960f},
                                  {39.821464952234010f, 39.932449794574126f, 186.340471613899751f},
                                  {-46.140976850412727f, -99.423798167148249f, -388.532539629914481f},
                                  {12.716626092708825f, 96.954180217298671f, 360.627239851094203f},
                                  {5.942343111972585f, -33.440386037285862f, -123.635206049211334f}}};
static const poly7_t twilight = {{{0.99435322698120f, 0.85170793387210f, 0.93942033498486f},
                                  {-6.61774273956635f, -0.23133259259568f, -3.96704343424284f},
                                  {41.78124131041812f, -7.61851602599826f, 38.98566990464263f},
                                  {-158.29764239605322f, 3.73408709288658f, -170.02538195370874f},
                                  {301.70954078396789f, 25.04157831823896f, 319.73628266524258f},
                                  {-265.16454480601146f, -30.83148395246298f, -271.62226902484138f},
                                  {86.58914784721200f, 9.90660484718943f, 86.89294583380010f}}};

/* A colour channel as Rerun casts it: truncated, saturating. */
static uint32_t chan(float x) {
    x *= 255.0f;
    return x <= 0 ? 0u : x >= 255.0f ? 255u : (uint32_t)x;
}
static uint32_t pack(uint32_t r, uint32_t g, uint32_t b, uint32_t a) {
    return r << 24 | g << 16 | b << 8 | a;
}

static uint32_t eval_poly7(const poly7_t *p, float t) {
    float c[3];
    for (int k = 0; k < 3; k++) {
        float acc = p->c[6][k];
        for (int i = 5; i >= 0; i--) acc = p->c[i][k] + t * acc;
        c[k] = acc;
    }
    return pack(chan(c[0]), chan(c[1]), chan(c[2]), 255);
}

static uint32_t turbo(float t) {
    static const float r4[4] = {0.13572138f, 4.61539260f, -42.66032258f, 132.13108234f};
    static const float g4[4] = {0.09140261f, 2.19418839f, 4.84296658f, -14.18503333f};
    static const float b4[4] = {0.10667330f, 12.64194608f, -60.58204836f, 110.36276771f};
    static const float r2[2] = {-152.94239396f, 59.28637943f};
    static const float g2[2] = {4.27729857f, 2.82956604f};
    static const float b2[2] = {-89.90310912f, 27.34824973f};
    float v4[4] = {1.0f, t, t * t, t * t * t};
    float v2[2] = {v4[2] * v4[2], v4[3] * v4[2]};
    float c[3];
    const float *c4[3] = {r4, g4, b4}, *c2[3] = {r2, g2, b2};
    for (int k = 0; k < 3; k++)
        c[k] = v4[0] * c4[k][0] + v4[1] * c4[k][1] + v4[2] * c4[k][2] + v4[3] * c4[k][3] +
               v2[0] * c2[k][0] + v2[1] * c2[k][1];
    return pack(chan(c[0]), chan(c[1]), chan(c[2]), 255);
}

/* RViz's occupancy palettes, by the byte value of t. */
static uint32_t rviz(bool costmap, float t) {
    uint32_t v = (uint32_t)(t * 255.0f + 0.5f);
    if (!costmap) {
        if (v <= 100) {
            uint32_t x = (uint32_t)(255.0f - (float)v * 255.0f / 100.0f);
            return pack(x, x, x, 255);
        }
    } else {
        if (v == 0) return 0;
        if (v < 99) {
            uint32_t x = (uint32_t)((float)v * 255.0f / 100.0f);
            return pack(x, 0, 255 - x, 255);
        }
        if (v == 99) return pack(0, 255, 255, 255);
        if (v == 100) return pack(255, 0, 255, 255);
    }
    if (v < 128) return pack(0, 255, 0, 255);
    if (v < 255) return pack(255, (uint32_t)(255.0f * ((float)v - 128.0f) / 126.0f), 0, 255);
    return pack(112, 137, 134, 255);
}

uint32_t rr_colormap_rgba(int colormap, float t) {
    if (!(t >= 0)) t = 0; /* NaN too */
    if (t > 1) t = 1;
    switch (colormap) {
    case 1: {
        uint32_t g = (uint32_t)(t * 255.0f + 0.5f);
        return pack(g, g, g, 255);
    }
    case 2: return eval_poly7(&inferno, t);
    case 3: return eval_poly7(&magma, t);
    case 4: return eval_poly7(&plasma, t);
    case 6: return eval_poly7(&viridis, t);
    case 7: {
        float u = t * 2.0f - 1.0f;
        float r = (1.0f + 3.0f * u) / 4.0f, g = (1.0f + 3.0f * u * u) / 4.0f, b = (1.0f - 3.0f * u) / 4.0f;
        return pack(chan(r), chan(g), chan(b), 255);
    }
    case 8: return eval_poly7(&spectral, t);
    case 9: return eval_poly7(&twilight, t);
    case 10: return rviz(false, t);
    case 11: return rviz(true, t);
    default: return turbo(t);
    }
}

/* ---------------- depth and segmentation ---------------- */

static rr_status_t check_single_channel(const rr_image_spec_t *s, const char *what, rr_error_t *err) {
    if (s->pixel_format)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: pixel format %d is not supported", what,
                            s->pixel_format);
    if (channels_of(s->color_model) != 1)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: color model %d is not supported (L only)",
                            what, s->color_model);
    return RR_OK;
}

rr_status_t rr_depth_to_rgba(const rr_image_spec_t *s, const uint8_t *buf, size_t len,
                             int colormap, const double *range, double used_range[2],
                             uint8_t **out, rr_error_t *err) {
    *out = NULL;
    RR_TRY(check_single_channel(s, "depth image", err));
    RR_TRY(check_spec(s, len, "depth image", err));
    int dt = s->channel_datatype ? s->channel_datatype : DT_U8;
    size_t n = (size_t)s->width * s->height;
    double lo, hi;
    if (range) {
        lo = range[0], hi = range[1];
    } else {
        double min, max;
        finite_range(buf, dt, n, &min, &max);
        lo = 0, hi = max; /* depth starts at zero, whatever the data's minimum */
    }
    if (used_range) used_range[0] = lo, used_range[1] = hi;
    uint8_t *o = alloc_rgba(s, err);
    if (!o) return RR_ERR_NOMEM;
    double scale = hi != lo ? 1.0 / (hi - lo) : 0;
    uint32_t *lut = small_int(dt) && n > SMALL_TABLE / 4 ? malloc(SMALL_TABLE * sizeof *lut) : NULL;
    if (lut)
        for (uint32_t k = 0; k < SMALL_TABLE; k++)
            lut[k] = rr_colormap_rgba(colormap, (float)((small_value(dt, k) - lo) * scale));
    for (size_t i = 0; i < n; i++) {
        uint32_t c;
        if (lut) {
            c = lut[small_index(buf, dt, i)];
        } else {
            double v = value_at(buf, dt, i);
            c = isfinite(v) ? rr_colormap_rgba(colormap, (float)((v - lo) * scale)) : 0x000000ffu;
        }
        o[i * 4 + 0] = (uint8_t)(c >> 24), o[i * 4 + 1] = (uint8_t)(c >> 16);
        o[i * 4 + 2] = (uint8_t)(c >> 8), o[i * 4 + 3] = (uint8_t)c;
    }
    free(lut);
    *out = o;
    return RR_OK;
}

rr_status_t rr_segmentation_to_rgba(const rr_image_spec_t *s, const uint8_t *buf, size_t len,
                                    rr_class_color_fn class_color, void *ctx, uint8_t **out,
                                    rr_error_t *err) {
    *out = NULL;
    RR_TRY(check_single_channel(s, "segmentation image", err));
    RR_TRY(check_spec(s, len, "segmentation image", err));
    int dt = s->channel_datatype ? s->channel_datatype : DT_U8;
    size_t n = (size_t)s->width * s->height;
    uint8_t *o = alloc_rgba(s, err);
    if (!o) return RR_ERR_NOMEM;
    double last = NAN;
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++) {
        double v = value_at(buf, dt, i);
        if (v != last) { /* images are mostly runs of one class */
            last = v;
            c = v >= 0 && v <= 65535 ? class_color(ctx, (uint32_t)v) : 0;
        }
        o[i * 4 + 0] = (uint8_t)(c >> 24), o[i * 4 + 1] = (uint8_t)(c >> 16);
        o[i * 4 + 2] = (uint8_t)(c >> 8), o[i * 4 + 3] = (uint8_t)c;
    }
    *out = o;
    return RR_OK;
}

uint32_t rr_auto_color(uint16_t val) {
    float h = fmodf((float)val * 0.61803398875f, 1.0f) * 6.0f, sat = 0.85f, v = 0.5f;
    int i = (int)h % 6;
    float f = h - floorf(h);
    float p = v * (1 - sat), q = v * (1 - sat * f), t = v * (1 - sat * (1 - f));
    const float rgb[6][3] = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}};
    uint32_t c = 0;
    /* egui's Hsva is linear light; Color32 stores sRGB. */
    for (int k = 0; k < 3; k++) c = c << 8 | unit_to_u8(linear_to_srgb(rgb[i][k]));
    return c << 8 | 0xffu;
}

/* ---------------- encoded images ---------------- */

/* stb_image grows its buffer to a PNG chunk's stated length before it
 * looks for the bytes, so a damaged length asks for up to 4 GiB. Check
 * every chunk's length against what is there first (up to IEND). */
static bool png_chunks_ok(const uint8_t *d, size_t len, const char **why) {
    size_t i = 8; /* past the signature */
    while (i + 12 <= len) {
        size_t n = ((size_t)d[i] << 24) | ((size_t)d[i + 1] << 16) | ((size_t)d[i + 2] << 8) | d[i + 3];
        if (n > len - i - 12) {
            *why = "a chunk longer than the data left";
            return false;
        }
        if (!memcmp(d + i + 4, "IEND", 4)) return true;
        i += 12 + n;
    }
    *why = "no IEND chunk (truncated data)";
    return false;
}

/* Debian's stb_image (2022) writes past its Huffman size table when a DHT
 * segment's 16 code counts add up to more than 256 (fixed upstream later).
 * Walk the JPEG's marker segments first, including those between the scans
 * of a progressive file, and refuse such a table. False with *why. */
static bool jpeg_tables_ok(const uint8_t *d, size_t len, const char **why) {
    size_t i = 2; /* past SOI */
    while (i + 4 <= len) {
        if (d[i] != 0xff) { /* entropy-coded data: skip to the next marker */
            i++;
            continue;
        }
        uint8_t m = d[i + 1];
        if (m == 0x00 || m == 0xff || (m >= 0xd0 && m <= 0xd7) || m == 0x01) {
            i += m == 0xff ? 1 : 2; /* stuffed byte, fill, restart, TEM */
            continue;
        }
        if (m == 0xd9) return true; /* EOI */
        size_t seg = ((size_t)d[i + 2] << 8) | d[i + 3];
        if (seg < 2) {
            *why = "a marker segment shorter than its length field";
            return false;
        }
        size_t end = i + 2 + seg;
        if (end > len) end = len; /* truncated: stb reports that itself */
        if (m == 0xc4) {
            /* stb reads a cut-off table's missing counts as zeros. */
            size_t p = i + 4;
            while (p < end) {
                size_t n = 0;
                for (size_t k = p + 1; k < p + 17 && k < len; k++) n += d[k];
                if (n > 256) {
                    *why = "a Huffman table with more than 256 codes";
                    return false;
                }
                p += 17 + n;
            }
        }
        i = end;
    }
    return true;
}

rr_status_t rr_image_decode_encoded(const uint8_t *data, size_t len, const char *media_type,
                                    int *width, int *height, uint8_t **out, rr_error_t *err) {
    *out = NULL;
    *width = *height = 0;
    bool png = len >= 8 && !memcmp(data, "\x89PNG\r\n\x1a\n", 8);
    bool jpeg = len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff;
    if (media_type && *media_type && strcmp(media_type, "image/png") && strcmp(media_type, "image/jpeg"))
        return rr_error_set(err, RR_ERR_UNSUPPORTED, "encoded image: media type %s is not supported",
                            media_type);
    if (!png && !jpeg)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "encoded image: %zu bytes are neither PNG nor JPEG (%s)", len,
                            media_type && *media_type ? media_type : "no media type");
    if (len > (size_t)INT_MAX)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded image: %zu bytes is too large", len);
    const char *why = NULL;
    if (png && !png_chunks_ok(data, len, &why))
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded image: corrupt PNG: %s", why);
    if (jpeg && !png && !jpeg_tables_ok(data, len, &why))
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded image: corrupt JPEG: %s", why);
    int w = 0, h = 0, comp = 0;
    if (!stbi_info_from_memory(data, (int)len, &w, &h, &comp))
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded image: corrupt %s: %s",
                            png ? "PNG" : "JPEG", stbi_failure_reason());
    if (w <= 0 || h <= 0 || mul3((size_t)w, (size_t)h, 1) > MAX_DECODED_PIXELS)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded image: %dx%d pixels is too large", w, h);
    uint8_t *px = stbi_load_from_memory(data, (int)len, &w, &h, &comp, 4);
    if (!px) {
        why = stbi_failure_reason();
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded image: corrupt %s: %s",
                            png ? "PNG" : "JPEG", why && *why ? why : "truncated or damaged data");
    }
    /* Hand out memory the caller frees with free(), whatever stb allocates with. */
    size_t bytes = (size_t)w * (size_t)h * 4;
    uint8_t *o = malloc(bytes);
    if (!o) {
        stbi_image_free(px);
        return rr_error_set(err, RR_ERR_NOMEM, "encoded image: %dx%d: out of memory", w, h);
    }
    memcpy(o, px, bytes);
    stbi_image_free(px);
    *width = w, *height = h;
    *out = o;
    return RR_OK;
}

/* ---- RVL (re_rvl's format) ---- */

static uint32_t rd_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float rd_lef32(const uint8_t *p) {
    uint32_t u = rd_le32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* The stream's nibbles: 32-bit little-endian words, each read from its
 * high nibble down. */
typedef struct rvl_reader {
    const uint8_t *p, *end;
    uint32_t word;
    int left; /* nibbles left in word */
} rvl_reader_t;

/* A variable-length value: 3 bits a nibble, low bits first, the nibble's
 * top bit saying another follows. False at the stream's end or past 32
 * bits. */
static bool rvl_vle(rvl_reader_t *r, uint32_t *out) {
    uint32_t v = 0;
    for (unsigned shift = 0;; shift += 3) {
        if (shift >= 32) return false;
        if (r->left == 0) {
            if (r->end - r->p < 4) return false;
            r->word = rd_le32(r->p);
            r->p += 4;
            r->left = 8;
        }
        uint32_t nib = r->word >> 28;
        r->word <<= 4;
        r->left--;
        v |= (nib & 7u) << shift;
        if (!(nib & 8u)) break;
    }
    *out = v;
    return true;
}

enum { RVL_HEADER = 12, RVL_RESOLUTION = 8 };

static rr_status_t decode_rvl(const uint8_t *data, size_t len, rr_image_spec_t *spec,
                              uint8_t **out, size_t *out_len, rr_error_t *err) {
    if (len <= RVL_HEADER)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded depth image: RVL: %zu bytes, no header", len);
    if (len < RVL_HEADER + RVL_RESOLUTION)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded depth image: RVL: no resolution after the header");
    float qa = rd_lef32(data + 4), qb = rd_lef32(data + 8);
    uint32_t w = rd_le32(data + RVL_HEADER), h = rd_le32(data + RVL_HEADER + 4);
    if (w == 0 || h == 0)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded depth image: RVL: %ux%u pixels", w, h);
    size_t n = (size_t)w * (size_t)h;
    if ((uint64_t)w * h > MAX_DECODED_PIXELS)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded depth image: RVL: %ux%u pixels is too large", w, h);
    /* Each run pair takes at least one nibble: a stream this short cannot
     * hold n pixels unless runs are long; checked as it goes. */
    float *o = malloc(n * sizeof *o);
    if (!o) return rr_error_set(err, RR_ERR_NOMEM, "encoded depth image: RVL %ux%u: out of memory", w, h);
    rvl_reader_t r = {data + RVL_HEADER + RVL_RESOLUTION, data + len, 0, 0};
    bool quant = qa != 0.0f;
    size_t at = 0;
    int32_t prev = 0;
    const char *why = NULL;
    while (at < n && !why) {
        uint32_t zeros, nonzeros;
        if (!rvl_vle(&r, &zeros)) {
            why = "the stream ends early";
            break;
        }
        if (zeros > n - at) {
            why = "a run of zeros goes past the last pixel";
            break;
        }
        for (uint32_t i = 0; i < zeros; i++) o[at++] = quant ? NAN : 0.0f;
        if (!rvl_vle(&r, &nonzeros)) {
            why = "the stream ends early";
            break;
        }
        if (nonzeros > n - at) {
            why = "a run of values goes past the last pixel";
            break;
        }
        if (zeros == 0 && nonzeros == 0) {
            why = "an empty run";
            break;
        }
        for (uint32_t i = 0; i < nonzeros; i++) {
            uint32_t zz;
            if (!rvl_vle(&r, &zz)) {
                why = "the stream ends early";
                break;
            }
            /* zigzag: 0, -1, 1, -2, ... */
            int64_t v = (int64_t)prev + (int64_t)(zz >> 1) * ((zz & 1u) ? -1 : 1) - (int64_t)(zz & 1u);
            if (v < 0 || v > 65535) {
                why = "a value outside 0..65535";
                break;
            }
            prev = (int32_t)v;
            o[at++] = quant ? (v == 0 ? NAN : qa / ((float)v - qb)) : (float)v;
        }
    }
    if (why) {
        free(o);
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded depth image: RVL %ux%u: %s at pixel %zu", w, h,
                            why, at);
    }
    spec->width = w, spec->height = h;
    spec->color_model = CM_L;
    spec->channel_datatype = DT_F32;
    *out = (uint8_t *)o, *out_len = n * sizeof *o;
    return RR_OK;
}

rr_status_t rr_image_decode_depth(const uint8_t *data, size_t len, const char *media_type,
                                  rr_image_spec_t *spec, uint8_t **out, size_t *out_len,
                                  rr_error_t *err) {
    *out = NULL, *out_len = 0;
    memset(spec, 0, sizeof *spec);
    if (media_type && !strcmp(media_type, "application/rvl"))
        return decode_rvl(data, len, spec, out, out_len, err);
    bool png = len >= 8 && !memcmp(data, "\x89PNG\r\n\x1a\n", 8);
    if (media_type && *media_type && strcmp(media_type, "image/png"))
        return rr_error_set(err, RR_ERR_UNSUPPORTED, "encoded depth image: media type %s is not supported",
                            media_type);
    if (!png)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded depth image: %zu bytes are not a PNG", len);
    if (len > (size_t)INT_MAX)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded depth image: %zu bytes is too large", len);
    const char *why = NULL;
    if (!png_chunks_ok(data, len, &why))
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded depth image: corrupt PNG: %s", why);
    int w = 0, h = 0, comp = 0;
    if (!stbi_info_from_memory(data, (int)len, &w, &h, &comp) || w <= 0 || h <= 0)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded depth image: corrupt PNG: %s", stbi_failure_reason());
    if (mul3((size_t)w, (size_t)h, 1) > MAX_DECODED_PIXELS)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded depth image: %dx%d pixels is too large", w, h);
    bool wide = stbi_is_16_bit_from_memory(data, (int)len);
    void *px = wide ? (void *)stbi_load_16_from_memory(data, (int)len, &w, &h, &comp, 1)
                    : (void *)stbi_load_from_memory(data, (int)len, &w, &h, &comp, 1);
    if (!px) {
        why = stbi_failure_reason();
        return rr_error_set(err, RR_ERR_INVALID_DATA, "encoded depth image: corrupt PNG: %s",
                            why && *why ? why : "truncated or damaged data");
    }
    size_t bytes = (size_t)w * (size_t)h * (wide ? 2 : 1);
    uint8_t *o = malloc(bytes);
    if (!o) {
        stbi_image_free(px);
        return rr_error_set(err, RR_ERR_NOMEM, "encoded depth image: %dx%d: out of memory", w, h);
    }
    memcpy(o, px, bytes);
    stbi_image_free(px);
    spec->width = (uint32_t)w, spec->height = (uint32_t)h;
    spec->color_model = CM_L;
    spec->channel_datatype = wide ? DT_U16 : DT_U8;
    *out = o, *out_len = bytes;
    return RR_OK;
}

bool rr_image_value_at(const rr_image_spec_t *s, const uint8_t *buf, size_t len, uint32_t x,
                       uint32_t y, int c, double *out) {
    if (s->pixel_format || x >= s->width || y >= s->height) return false;
    int ch = channels_of(s->color_model), sz = rr_channel_datatype_size(s->channel_datatype);
    if (!ch || !sz || c < 0 || c >= ch) return false;
    size_t i = ((size_t)y * s->width + x) * (size_t)ch + (size_t)c;
    if ((i + 1) * (size_t)sz > len) return false;
    *out = value_at(buf, s->channel_datatype, i);
    return true;
}
