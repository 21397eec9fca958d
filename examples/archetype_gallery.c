/* Archetype gallery: one small recording per Rerun archetype that has a
 * picture of its own, each a typical, clearly visible use of it (with what
 * makes it visible: a static ViewCoordinates for 3D scenes, a timeline for
 * plots, an AnnotationContext for class ids, ...). The official viewer's
 * screenshots of these recordings are what tests/archetype_screenshots.sh
 * checks, so colours are strong and shapes fill a good part of the view.
 *
 *   archetype_gallery OUTDIR [NAME...]
 *
 * writes OUTDIR/NAME.rrd for every entry (or the NAMEs given) and
 * OUTDIR/gallery.tsv, one line per entry, control and archetype:
 *   shown    NAME  CHECK  TIER  ARCHETYPES   a recording; ARCHETYPES (comma
 *                                            separated) are what it shows
 *   control  NAME  CHECK  -     what it is   recordings that calibrate the
 *                                            check (_empty is the baseline)
 *   with     ARCHETYPE  NAME  -  why         logged only beside another one
 *   skipped  ARCHETYPE  -  -  why            no recording of its own
 * CHECK says how a screenshot proves the data is there: "color" (strongly
 * coloured pixels), "ink" (pixels unlike the empty baseline: text),
 * "blank" (must look empty: the data was cleared), "baseline". TIER is
 * "quick" (the CI subset) or "full". Every one of the 49 archetypes appears
 * in a shown, with or skipped line. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "rerun.h"

#define PI_F 3.14159265f

/* Strong, distinct colours (0xRRGGBBAA). */
static const rr_color_t PALETTE[8] = {
    0xE6194BFF, 0x3CB44BFF, 0x4363D8FF, 0xF58231FF,
    0x911EB4FF, 0x42D4F4FF, 0xF032E6FF, 0xFFE119FF,
};
#define COLOR(i) PALETTE[(i) % 8]

/* Frees the archetype and turns the chained `||` result into a status. */
static rr_status_t finish(rr_archetype_t *a, bool failed, rr_error_t *err) {
    rr_archetype_free(a);
    if (!failed) return RR_OK;
    return err->code != RR_OK ? err->code : RR_ERR_INTERNAL;
}

/* For the time setters, which report a status but no message. */
static rr_status_t set_step(rr_recording_stream_t *rec, int64_t step, rr_error_t *err) {
    rr_status_t st = rr_set_time_sequence(rec, "step", step);
    if (st != RR_OK) {
        err->code = st;
        snprintf(err->msg, sizeof err->msg, "rr_set_time_sequence(step, %lld) failed", (long long)step);
    }
    return st;
}

/* 3D scenes: Z up, as the data below is written. */
static rr_status_t world_z_up(rr_recording_stream_t *rec, rr_error_t *err) {
    static const rr_view_coordinates_t RIGHT_HAND_Z_UP = {3 /* right */, 5 /* forward */, 1 /* up */};
    rr_archetype_t *a = NULL;
    bool failed = rr_view_coordinates_new(&a, RIGHT_HAND_Z_UP, RR_COPY, err) ||
                  rr_log_static(rec, "world", a, err);
    return finish(a, failed, err);
}

/* ---- a PNG writer (stored deflate blocks), for the encoded images ---- */

typedef struct bytes {
    uint8_t *data;
    size_t len, cap;
    bool oom;
} bytes_t;

static void put(bytes_t *b, const void *src, size_t n) {
    if (b->oom || n == 0) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
}

static void put_be32(bytes_t *b, uint32_t v) {
    const uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, x, 4);
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void put_chunk(bytes_t *b, const char type[4], const uint8_t *body, size_t n) {
    put_be32(b, (uint32_t)n);
    size_t at = b->len;
    put(b, type, 4);
    put(b, body, n);
    if (!b->oom) put_be32(b, crc32_update(0, b->data + at, n + 4));
}

/* A PNG of w x h pixels: colour type 2 (RGB, 8 bit) when channels == 3,
 * colour type 0 (grey, 16 bit, samples given in host order) when 1. */
static bytes_t png_encode(uint32_t w, uint32_t h, int channels, const void *pixels) {
    const size_t sample = channels == 3 ? 1 : 2;
    const size_t row = (size_t)w * (size_t)channels * sample;
    bytes_t raw = {0}, z = {0}, png = {0};
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t filter_none = 0;
        put(&raw, &filter_none, 1);
        if (channels == 3) {
            put(&raw, (const uint8_t *)pixels + y * row, row);
        } else {
            for (uint32_t x = 0; x < w; x++) {
                uint16_t v = ((const uint16_t *)pixels)[(size_t)y * w + x];
                const uint8_t be[2] = {(uint8_t)(v >> 8), (uint8_t)v};
                put(&raw, be, 2);
            }
        }
    }
    /* zlib stream of stored blocks: no compression needed for a test image. */
    const uint8_t zhead[2] = {0x78, 0x01};
    put(&z, zhead, 2);
    size_t off = 0;
    do {
        size_t n = raw.len - off > 65535 ? 65535 : raw.len - off;
        const uint8_t hdr[5] = {(uint8_t)(off + n == raw.len), (uint8_t)n, (uint8_t)(n >> 8),
                                (uint8_t)~n, (uint8_t)(~n >> 8)};
        put(&z, hdr, 5);
        put(&z, raw.data + off, n);
        off += n;
    } while (off < raw.len);
    uint32_t a = 1, s = 0;
    for (size_t i = 0; i < raw.len; i++) {
        a = (a + raw.data[i]) % 65521u;
        s = (s + a) % 65521u;
    }
    put_be32(&z, s << 16 | a);

    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    put(&png, sig, 8);
    uint8_t ihdr[13] = {0};
    for (int i = 0; i < 4; i++) {
        ihdr[i] = (uint8_t)(w >> (24 - 8 * i));
        ihdr[4 + i] = (uint8_t)(h >> (24 - 8 * i));
    }
    ihdr[8] = (uint8_t)(sample * 8);
    ihdr[9] = channels == 3 ? 2 : 0;
    put_chunk(&png, "IHDR", ihdr, sizeof ihdr);
    put_chunk(&png, "IDAT", z.data, z.len);
    put_chunk(&png, "IEND", NULL, 0);
    if (raw.oom || z.oom) png.oom = true;
    free(raw.data);
    free(z.data);
    return png;
}

/* ---- test pictures ---- */

#define IMG_W 64
#define IMG_H 48

/* A hue sweep left to right, darker to the bottom: every pixel saturated. */
static void rainbow_rgb(uint8_t *rgb) {
    for (int y = 0; y < IMG_H; y++) {
        for (int x = 0; x < IMG_W; x++) {
            float hue = 6.0f * (float)x / IMG_W, v = 1.0f - 0.5f * (float)y / IMG_H;
            int sector = (int)hue;
            float f = hue - (float)sector, c[3];
            switch (sector % 6) {
            case 0: c[0] = 1, c[1] = f, c[2] = 0; break;
            case 1: c[0] = 1 - f, c[1] = 1, c[2] = 0; break;
            case 2: c[0] = 0, c[1] = 1, c[2] = f; break;
            case 3: c[0] = 0, c[1] = 1 - f, c[2] = 1; break;
            case 4: c[0] = f, c[1] = 0, c[2] = 1; break;
            default: c[0] = 1, c[1] = 0, c[2] = 1 - f; break;
            }
            for (int k = 0; k < 3; k++) rgb[(y * IMG_W + x) * 3 + k] = (uint8_t)(255.0f * v * c[k]);
        }
    }
}

/* Depth in millimetres: a bowl, 0.5 m in the middle to 3 m at the corners. */
static void bowl_depth(uint16_t *mm) {
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++) {
            float dx = (x - IMG_W / 2.0f) / IMG_W, dy = (y - IMG_H / 2.0f) / IMG_H;
            mm[y * IMG_W + x] = (uint16_t)(500.0f + 2500.0f * 2.0f * (dx * dx + dy * dy) / 0.5f * 0.5f);
        }
}

/* ---- the entries ---- */

static rr_status_t g_points3d(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_position3d_t pos[64];
    rr_color_t colors[64];
    for (int i = 0; i < 64; i++) {
        pos[i][0] = (float)(i % 4) - 1.5f;
        pos[i][1] = (float)(i / 4 % 4) - 1.5f;
        pos[i][2] = (float)(i / 16) - 1.5f;
        colors[i] = COLOR(i);
    }
    const rr_radius_t radius = 0.2f;
    rr_archetype_t *a = NULL;
    bool failed = world_z_up(rec, err) || rr_points3d_new(&a, pos, 64, RR_COPY, err) ||
                  rr_points3d_set_colors(a, colors, 64, RR_COPY, err) ||
                  rr_points3d_set_radii(a, &radius, 1, RR_COPY, err) ||
                  rr_log_static(rec, "world/points", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_points2d(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_position2d_t pos[60];
    rr_color_t colors[60];
    for (int i = 0; i < 60; i++) {
        float t = (float)i * 0.3f;
        pos[i][0] = 200.0f + 3.0f * (float)i * cosf(t);
        pos[i][1] = 200.0f + 3.0f * (float)i * sinf(t);
        colors[i] = COLOR(i);
    }
    const rr_radius_t radius = 6.0f;
    rr_archetype_t *a = NULL;
    bool failed = rr_points2d_new(&a, pos, 60, RR_COPY, err) ||
                  rr_points2d_set_colors(a, colors, 60, RR_COPY, err) ||
                  rr_points2d_set_radii(a, &radius, 1, RR_COPY, err) ||
                  rr_log_static(rec, "canvas/points", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_arrows3d(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_vector3d_t v[12];
    rr_color_t colors[12];
    for (int i = 0; i < 12; i++) {
        float t = 2.0f * PI_F * (float)i / 12.0f;
        v[i][0] = 2.0f * cosf(t), v[i][1] = 2.0f * sinf(t), v[i][2] = 0.5f * (float)(i % 3);
        colors[i] = COLOR(i);
    }
    const rr_radius_t radius = 0.08f;
    rr_archetype_t *a = NULL;
    bool failed = world_z_up(rec, err) || rr_arrows3d_new(&a, v, 12, RR_COPY, err) ||
                  rr_arrows3d_set_colors(a, colors, 12, RR_COPY, err) ||
                  rr_arrows3d_set_radii(a, &radius, 1, RR_COPY, err) ||
                  rr_log_static(rec, "world/arrows", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_arrows2d(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_vector2d_t v[8];
    rr_position2d_t o[8];
    rr_color_t colors[8];
    for (int i = 0; i < 8; i++) {
        float t = 2.0f * PI_F * (float)i / 8.0f;
        v[i][0] = 80.0f * cosf(t), v[i][1] = 80.0f * sinf(t);
        o[i][0] = 100.0f, o[i][1] = 100.0f;
        colors[i] = COLOR(i);
    }
    const rr_radius_t radius = 4.0f;
    rr_archetype_t *a = NULL;
    bool failed = rr_arrows2d_new(&a, v, 8, RR_COPY, err) ||
                  rr_arrows2d_set_origins(a, o, 8, RR_COPY, err) ||
                  rr_arrows2d_set_colors(a, colors, 8, RR_COPY, err) ||
                  rr_arrows2d_set_radii(a, &radius, 1, RR_COPY, err) ||
                  rr_log_static(rec, "canvas/arrows", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_boxes3d(rr_recording_stream_t *rec, rr_error_t *err) {
    const rr_half_size3d_t half[3] = {{1, 1, 1}, {0.5f, 1.5f, 0.5f}, {1.5f, 0.5f, 0.3f}};
    const rr_translation3d_t centers[3] = {{-3, 0, 0}, {0, 0, 0}, {3, 0, 0}};
    rr_archetype_t *a = NULL;
    bool failed = world_z_up(rec, err) || rr_boxes3d_new(&a, half, 3, RR_COPY, err) ||
                  rr_boxes3d_set_centers(a, centers, 3, RR_COPY, err) ||
                  rr_boxes3d_set_colors(a, PALETTE, 3, RR_COPY, err) ||
                  rr_boxes3d_set_fill_mode(a, RR_FILL_MODE_SOLID, RR_COPY, err) ||
                  rr_log_static(rec, "world/boxes", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_boxes2d(rr_recording_stream_t *rec, rr_error_t *err) {
    const rr_half_size2d_t half[3] = {{40, 30}, {25, 50}, {60, 20}};
    const rr_position2d_t centers[3] = {{60, 60}, {160, 90}, {110, 170}};
    const rr_radius_t radius = 4.0f;
    const rr_text_t labels[3] = {"red", "green", "blue"};
    rr_archetype_t *a = NULL;
    bool failed = rr_boxes2d_new(&a, half, 3, RR_COPY, err) ||
                  rr_boxes2d_set_centers(a, centers, 3, RR_COPY, err) ||
                  rr_boxes2d_set_colors(a, PALETTE, 3, RR_COPY, err) ||
                  rr_boxes2d_set_radii(a, &radius, 1, RR_COPY, err) ||
                  rr_boxes2d_set_labels(a, labels, 3, RR_COPY, err) ||
                  rr_log_static(rec, "canvas/boxes", a, err);
    return finish(a, failed, err);
}

/* Capsules and cylinders share their fields. */
static rr_status_t g_capsules3d(rr_recording_stream_t *rec, rr_error_t *err) {
    const rr_length_t lengths[3] = {2, 1, 3};
    const rr_radius_t radii[3] = {0.5f, 0.8f, 0.3f};
    const rr_translation3d_t at[3] = {{-3, 0, 0}, {0, 0, 0}, {3, 0, 0}};
    rr_archetype_t *a = NULL;
    bool failed = world_z_up(rec, err) || rr_capsules3d_new(&a, lengths, 3, radii, 3, RR_COPY, err) ||
                  rr_capsules3d_set_translations(a, at, 3, RR_COPY, err) ||
                  rr_capsules3d_set_colors(a, PALETTE + 3, 3, RR_COPY, err) ||
                  rr_capsules3d_set_fill_mode(a, RR_FILL_MODE_SOLID, RR_COPY, err) ||
                  rr_log_static(rec, "world/capsules", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_cylinders3d(rr_recording_stream_t *rec, rr_error_t *err) {
    const rr_length_t lengths[3] = {2, 1, 3};
    const rr_radius_t radii[3] = {0.5f, 0.8f, 0.3f};
    const rr_translation3d_t at[3] = {{-3, 0, 0}, {0, 0, 0}, {3, 0, 0}};
    rr_archetype_t *a = NULL;
    bool failed = world_z_up(rec, err) || rr_cylinders3d_new(&a, lengths, 3, radii, 3, RR_COPY, err) ||
                  rr_cylinders3d_set_centers(a, at, 3, RR_COPY, err) ||
                  rr_cylinders3d_set_colors(a, PALETTE + 1, 3, RR_COPY, err) ||
                  rr_cylinders3d_set_fill_mode(a, RR_FILL_MODE_SOLID, RR_COPY, err) ||
                  rr_log_static(rec, "world/cylinders", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_ellipsoids3d(rr_recording_stream_t *rec, rr_error_t *err) {
    const rr_half_size3d_t half[3] = {{1, 1, 1}, {0.5f, 1.5f, 0.7f}, {1.5f, 0.6f, 0.4f}};
    const rr_translation3d_t centers[3] = {{-3, 0, 0}, {0, 0, 0}, {3, 0, 0}};
    rr_archetype_t *a = NULL;
    bool failed = world_z_up(rec, err) || rr_ellipsoids3d_new(&a, half, 3, RR_COPY, err) ||
                  rr_ellipsoids3d_set_centers(a, centers, 3, RR_COPY, err) ||
                  rr_ellipsoids3d_set_colors(a, PALETTE + 4, 3, RR_COPY, err) ||
                  rr_ellipsoids3d_set_fill_mode(a, RR_FILL_MODE_SOLID, RR_COPY, err) ||
                  rr_log_static(rec, "world/ellipsoids", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_ellipses2d(rr_recording_stream_t *rec, rr_error_t *err) {
    const rr_half_size2d_t half[3] = {{60, 30}, {30, 60}, {45, 45}};
    const rr_position2d_t centers[3] = {{80, 80}, {200, 100}, {140, 190}};
    const rr_radius_t line = 5.0f;
    rr_archetype_t *a = NULL;
    bool failed = rr_ellipses2d_new(&a, half, 3, RR_COPY, err) ||
                  rr_ellipses2d_set_centers(a, centers, 3, RR_COPY, err) ||
                  rr_ellipses2d_set_colors(a, PALETTE + 2, 3, RR_COPY, err) ||
                  rr_ellipses2d_set_line_radii(a, &line, 1, RR_COPY, err) ||
                  rr_log_static(rec, "canvas/ellipses", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_line_strips3d(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_vec3d_t helix[2][80];
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < 80; i++) {
            float t = (float)i * 0.15f + (float)s * PI_F;
            helix[s][i][0] = 2.0f * cosf(t), helix[s][i][1] = 2.0f * sinf(t), helix[s][i][2] = (float)i * 0.06f;
        }
    const rr_line_strip3d_t strips[2] = {{helix[0], 80}, {helix[1], 80}};
    const rr_radius_t radius = 0.1f;
    rr_archetype_t *a = NULL;
    bool failed = world_z_up(rec, err) || rr_line_strips3d_new(&a, strips, 2, RR_COPY, err) ||
                  rr_line_strips3d_set_colors(a, PALETTE, 2, RR_COPY, err) ||
                  rr_line_strips3d_set_radii(a, &radius, 1, RR_COPY, err) ||
                  rr_log_static(rec, "world/helix", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_line_strips2d(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_vec2d_t zig[3][10];
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < 10; i++) zig[s][i][0] = 30.0f * (float)i, zig[s][i][1] = 60.0f * (float)s + (i % 2 ? 40.0f : 0.0f);
    const rr_line_strip2d_t strips[3] = {{zig[0], 10}, {zig[1], 10}, {zig[2], 10}};
    const rr_radius_t radius = 4.0f;
    rr_archetype_t *a = NULL;
    bool failed = rr_line_strips2d_new(&a, strips, 3, RR_COPY, err) ||
                  rr_line_strips2d_set_colors(a, PALETTE + 3, 3, RR_COPY, err) ||
                  rr_line_strips2d_set_radii(a, &radius, 1, RR_COPY, err) ||
                  rr_log_static(rec, "canvas/zigzag", a, err);
    return finish(a, failed, err);
}

/* A square pyramid with a colour per vertex. */
static rr_status_t g_mesh3d(rr_recording_stream_t *rec, rr_error_t *err) {
    const rr_position3d_t v[5] = {{-2, -2, 0}, {2, -2, 0}, {2, 2, 0}, {-2, 2, 0}, {0, 0, 3}};
    const rr_triangle_indices_t tri[6] = {{0, 2, 1}, {0, 3, 2}, {0, 1, 4}, {1, 2, 4}, {2, 3, 4}, {3, 0, 4}};
    const rr_color_t colors[5] = {PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[7]};
    rr_archetype_t *a = NULL;
    bool failed = world_z_up(rec, err) || rr_mesh3d_new(&a, v, 5, RR_COPY, err) ||
                  rr_mesh3d_set_triangle_indices(a, tri, 6, RR_COPY, err) ||
                  rr_mesh3d_set_vertex_colors(a, colors, 5, RR_COPY, err) ||
                  rr_log_static(rec, "world/pyramid", a, err);
    return finish(a, failed, err);
}

/* The same kind of pyramid as an OBJ file (text, with vertex colours). */
static rr_status_t g_asset3d(rr_recording_stream_t *rec, rr_error_t *err) {
    static const char OBJ[] =
        "# pyramid\n"
        "v -2 -2 0 0.9 0.1 0.3\n"
        "v 2 -2 0 0.2 0.7 0.3\n"
        "v 2 2 0 0.3 0.4 0.9\n"
        "v -2 2 0 1.0 0.5 0.2\n"
        "v 0 0 3 1.0 0.9 0.1\n"
        "f 1 3 2\nf 1 4 3\nf 1 2 5\nf 2 3 5\nf 3 4 5\nf 4 1 5\n";
    rr_archetype_t *a = NULL;
    bool failed = world_z_up(rec, err) ||
                  rr_asset3d_new(&a, (const uint8_t *)OBJ, sizeof OBJ - 1, RR_COPY, err) ||
                  rr_asset3d_set_media_type(a, "model/obj", RR_COPY, err) ||
                  rr_log_static(rec, "world/asset", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_image(rr_recording_stream_t *rec, rr_error_t *err) {
    static uint8_t rgb[IMG_W * IMG_H * 3];
    rainbow_rgb(rgb);
    const rr_image_format_t format = {.width = IMG_W, .height = IMG_H, .color_model = RR_COLOR_MODEL_RGB,
                                      .channel_datatype = RR_CHANNEL_DATATYPE_U8};
    rr_archetype_t *a = NULL;
    bool failed = rr_image_new(&a, rgb, sizeof rgb, &format, RR_COPY, err) ||
                  rr_log_static(rec, "camera/image", a, err);
    return finish(a, failed, err);
}

/* The encoded images are logged at step 0, not static as the raw images
 * are: the official web viewer 0.33.0 stops answering (its page hangs, no
 * error logged) on an EncodedImage or EncodedDepthImage that is static,
 * whoever wrote it (the same happens with a file built independently by
 * apache-arrow in the official schema), while it shows the very same blob
 * logged on a timeline. (In 0.33 the viewer plays both archetypes through
 * its video-stream cache, as an image sequence ranged over the view's
 * timeline: likely where static data goes wrong, not confirmed.) */
static rr_status_t g_encoded_image(rr_recording_stream_t *rec, rr_error_t *err) {
    static uint8_t rgb[IMG_W * IMG_H * 3];
    rainbow_rgb(rgb);
    bytes_t png = png_encode(IMG_W, IMG_H, 3, rgb);
    if (png.oom) {
        free(png.data);
        err->code = RR_ERR_NOMEM;
        snprintf(err->msg, sizeof err->msg, "encoded_image: out of memory making the PNG");
        return err->code;
    }
    rr_archetype_t *a = NULL;
    bool failed = rr_encoded_image_new(&a, png.data, png.len, RR_COPY, err) ||
                  rr_encoded_image_set_media_type(a, "image/png", RR_COPY, err) ||
                  set_step(rec, 0, err) || rr_log(rec, "camera/png", a, err);
    free(png.data);
    return finish(a, failed, err);
}

static rr_status_t g_depth_image(rr_recording_stream_t *rec, rr_error_t *err) {
    static uint16_t mm[IMG_W * IMG_H];
    bowl_depth(mm);
    const rr_image_format_t format = {.width = IMG_W, .height = IMG_H, .channel_datatype = RR_CHANNEL_DATATYPE_U16};
    rr_archetype_t *a = NULL;
    bool failed = rr_depth_image_new(&a, (const uint8_t *)mm, sizeof mm, &format, RR_COPY, err) ||
                  rr_depth_image_set_meter(a, 1000.0f, RR_COPY, err) ||
                  rr_depth_image_set_colormap(a, RR_COLORMAP_TURBO, RR_COPY, err) ||
                  rr_log_static(rec, "camera/depth", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_encoded_depth_image(rr_recording_stream_t *rec, rr_error_t *err) {
    static uint16_t mm[IMG_W * IMG_H];
    bowl_depth(mm);
    bytes_t png = png_encode(IMG_W, IMG_H, 1, mm);
    if (png.oom) {
        free(png.data);
        err->code = RR_ERR_NOMEM;
        snprintf(err->msg, sizeof err->msg, "encoded_depth_image: out of memory making the PNG");
        return err->code;
    }
    rr_archetype_t *a = NULL;
    bool failed = rr_encoded_depth_image_new(&a, png.data, png.len, RR_COPY, err) ||
                  rr_encoded_depth_image_set_media_type(a, "image/png", RR_COPY, err) ||
                  rr_encoded_depth_image_set_meter(a, 1000.0f, RR_COPY, err) ||
                  rr_encoded_depth_image_set_colormap(a, RR_COLORMAP_TURBO, RR_COPY, err) ||
                  set_step(rec, 0, err) || rr_log(rec, "camera/depth_png", a, err);
    free(png.data);
    return finish(a, failed, err);
}

/* Three classes in bands and a disc; their colours come from the
 * AnnotationContext logged at the parent. */
static rr_status_t g_segmentation_image(rr_recording_stream_t *rec, rr_error_t *err) {
    static uint8_t ids[IMG_W * IMG_H];
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++) {
            int dx = x - IMG_W / 2, dy = y - IMG_H / 2;
            ids[y * IMG_W + x] = dx * dx + dy * dy < 150 ? 3 : (uint8_t)(1 + (x * 2 / IMG_W));
        }
    rr_class_description_map_elem_t classes[3] = {0};
    const char *names[3] = {"ground", "sky", "ball"};
    for (int i = 0; i < 3; i++) {
        classes[i].class_id = (rr_class_id_t)(i + 1);
        classes[i].class_description.info.id = (uint16_t)(i + 1);
        classes[i].class_description.info.label = names[i];
        classes[i].class_description.info.has_color = true;
        classes[i].class_description.info.color = PALETTE[i];
    }
    const rr_image_format_t format = {.width = IMG_W, .height = IMG_H, .channel_datatype = RR_CHANNEL_DATATYPE_U8};
    rr_archetype_t *ctx = NULL, *a = NULL;
    bool failed = rr_annotation_context_new(&ctx, classes, 3, RR_COPY, err) ||
                  rr_log_static(rec, "camera", ctx, err) ||
                  rr_segmentation_image_new(&a, ids, sizeof ids, &format, RR_COPY, err) ||
                  rr_log_static(rec, "camera/segmentation", a, err);
    rr_archetype_free(ctx);
    return finish(a, failed, err);
}

static rr_status_t g_tensor(rr_recording_stream_t *rec, rr_error_t *err) {
    static float values[32 * 32];
    for (int y = 0; y < 32; y++)
        for (int x = 0; x < 32; x++) values[y * 32 + x] = sinf((float)x * 0.3f) * cosf((float)y * 0.2f);
    static const uint64_t shape[2] = {32, 32};
    static const char *const dims[2] = {"height", "width"};
    const rr_tensor_data_t data = {.shape = {shape, 2}, .names = {dims, 2},
                                   .buffer = {RR_TENSOR_BUFFER_F32, values, 32 * 32}};
    rr_archetype_t *a = NULL;
    bool failed = rr_tensor_new(&a, &data, RR_COPY, err) || rr_log_static(rec, "tensor", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_bar_chart(rr_recording_stream_t *rec, rr_error_t *err) {
    static const float values[10] = {3, 7, 2, 9, 5, 8, 1, 6, 4, 10};
    static const uint64_t len = 10;
    const rr_tensor_data_t data = {.shape = {&len, 1}, .buffer = {RR_TENSOR_BUFFER_F32, values, 10}};
    rr_archetype_t *a = NULL;
    bool failed = rr_bar_chart_new(&a, &data, RR_COPY, err) ||
                  rr_bar_chart_set_color(a, PALETTE[2], RR_COPY, err) ||
                  rr_log_static(rec, "bars", a, err);
    return finish(a, failed, err);
}

/* Scalars over the `step` timeline: one series per value in each row. */
static rr_status_t log_waves(rr_recording_stream_t *rec, const char *path, int n_series, rr_error_t *err) {
    for (int step = 0; step < 100; step++) {
        rr_scalar_t v[3] = {sin(step * 0.1), 0.5 * cos(step * 0.1 + 1.0), 0.8 * sin(step * 0.05 + 2.0)};
        rr_archetype_t *a = NULL;
        bool failed = set_step(rec, step, err) || rr_scalars_new(&a, v, (size_t)n_series, RR_COPY, err) ||
                      rr_log(rec, path, a, err);
        rr_status_t st = finish(a, failed, err);
        if (st != RR_OK) return st;
    }
    return RR_OK;
}

/* Three series in one Scalars batch, in the viewer's default style. */
static rr_status_t g_scalars(rr_recording_stream_t *rec, rr_error_t *err) {
    return log_waves(rec, "plot/waves", 3, err);
}

static rr_status_t g_series_lines(rr_recording_stream_t *rec, rr_error_t *err) {
    const rr_stroke_width_t widths[2] = {4, 4};
    const rr_name_t names[2] = {"sine", "cosine"};
    rr_archetype_t *a = NULL;
    bool failed = rr_series_lines_new(&a, err) ||
                  rr_series_lines_set_colors(a, PALETTE + 1, 2, RR_COPY, err) ||
                  rr_series_lines_set_widths(a, widths, 2, RR_COPY, err) ||
                  rr_series_lines_set_names(a, names, 2, RR_COPY, err) ||
                  rr_log_static(rec, "plot/trig", a, err);
    rr_status_t st = finish(a, failed, err);
    return st != RR_OK ? st : log_waves(rec, "plot/trig", 2, err);
}

static rr_status_t g_series_points(rr_recording_stream_t *rec, rr_error_t *err) {
    const rr_marker_shape_t markers[2] = {RR_MARKER_SHAPE_DIAMOND, RR_MARKER_SHAPE_SQUARE};
    const rr_marker_size_t sizes[2] = {5, 5};
    rr_archetype_t *a = NULL;
    bool failed = rr_series_points_new(&a, err) ||
                  rr_series_points_set_colors(a, PALETTE + 5, 2, RR_COPY, err) ||
                  rr_series_points_set_markers(a, markers, 2, RR_COPY, err) ||
                  rr_series_points_set_marker_sizes(a, sizes, 2, RR_COPY, err) ||
                  rr_log_static(rec, "plot/dots", a, err);
    rr_status_t st = finish(a, failed, err);
    return st != RR_OK ? st : log_waves(rec, "plot/dots", 2, err);
}

static rr_status_t g_text_log(rr_recording_stream_t *rec, rr_error_t *err) {
    static const char *const levels[3] = {"INFO", "WARN", "ERROR"};
    for (int i = 0; i < 24; i++) {
        char text[96];
        snprintf(text, sizeof text, "gallery log line %d: the quick brown fox jumps over the lazy dog", i);
        rr_archetype_t *a = NULL;
        bool failed = set_step(rec, i, err) || rr_text_log_new(&a, text, RR_COPY, err) ||
                      rr_text_log_set_level(a, levels[i % 3], RR_COPY, err) ||
                      rr_log(rec, "log", a, err);
        rr_status_t st = finish(a, failed, err);
        if (st != RR_OK) return st;
    }
    return RR_OK;
}

static rr_status_t g_text_document(rr_recording_stream_t *rec, rr_error_t *err) {
    static const char DOC[] =
        "# Archetype gallery\n\n"
        "This **TextDocument** was written by *rerun-c*, the Rerun SDK in C.\n\n"
        "## What it shows\n\n"
        "- one recording per archetype\n- screenshots from the official viewer\n"
        "- a check that each picture is not empty\n\n"
        "| archetype | view |\n|---|---|\n| Points3D | 3D |\n| Image | 2D |\n| Scalars | time series |\n";
    rr_archetype_t *a = NULL;
    bool failed = rr_text_document_new(&a, DOC, RR_COPY, err) ||
                  rr_text_document_set_media_type(a, "text/markdown", RR_COPY, err) ||
                  rr_log_static(rec, "readme", a, err);
    return finish(a, failed, err);
}

static const rr_graph_node_t NODES[6] = {"a", "b", "c", "d", "e", "f"};
static const rr_graph_edge_t EDGES[7] = {{"a", "b"}, {"b", "c"}, {"c", "a"}, {"c", "d"},
                                         {"d", "e"}, {"e", "f"}, {"f", "d"}};

static rr_status_t g_graph_nodes(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_position2d_t pos[6];
    for (int i = 0; i < 6; i++) {
        float t = 2.0f * PI_F * (float)i / 6.0f;
        pos[i][0] = 150.0f * cosf(t), pos[i][1] = 150.0f * sinf(t);
    }
    /* Labels off: a labelled node (by default its id is its label) is drawn
     * as the label in a box, an unlabelled one as a disc of its radius and
     * colour. */
    const rr_radius_t radius = 25.0f;
    rr_archetype_t *a = NULL;
    bool failed = rr_graph_nodes_new(&a, NODES, 6, RR_COPY, err) ||
                  rr_graph_nodes_set_positions(a, pos, 6, RR_COPY, err) ||
                  rr_graph_nodes_set_colors(a, PALETTE, 6, RR_COPY, err) ||
                  rr_graph_nodes_set_radii(a, &radius, 1, RR_COPY, err) ||
                  rr_graph_nodes_set_show_labels(a, false, RR_COPY, err) ||
                  rr_log_static(rec, "graph", a, err);
    return finish(a, failed, err);
}

/* Edges between small grey nodes (edges alone get no graph view from the
 * viewer's heuristics: a GraphNodes must be there); the edges, drawn as
 * lines with arrow heads, are most of the picture. */
static rr_status_t g_graph_edges(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_position2d_t pos[6];
    for (int i = 0; i < 6; i++) {
        float t = 2.0f * PI_F * (float)i / 6.0f;
        pos[i][0] = 150.0f * cosf(t), pos[i][1] = 150.0f * sinf(t);
    }
    const rr_radius_t radius = 3.0f;
    const rr_color_t grey = 0x808080FF;
    rr_archetype_t *nodes = NULL, *a = NULL;
    bool failed = rr_graph_nodes_new(&nodes, NODES, 6, RR_COPY, err) ||
                  rr_graph_nodes_set_positions(nodes, pos, 6, RR_COPY, err) ||
                  rr_graph_nodes_set_radii(nodes, &radius, 1, RR_COPY, err) ||
                  rr_graph_nodes_set_colors(nodes, &grey, 1, RR_COPY, err) ||
                  rr_graph_nodes_set_show_labels(nodes, false, RR_COPY, err) ||
                  rr_log_static(rec, "graph", nodes, err) ||
                  rr_graph_edges_new(&a, EDGES, 7, RR_COPY, err) ||
                  rr_graph_edges_set_graph_type(a, RR_GRAPH_TYPE_DIRECTED, RR_COPY, err) ||
                  rr_log_static(rec, "graph", a, err);
    rr_archetype_free(nodes);
    return finish(a, failed, err);
}

/* Around Zurich; negative radii are UI points, so the dots keep their size
 * whatever the zoom. */
static rr_status_t g_geo_points(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_lat_lon_t ll[12];
    for (int i = 0; i < 12; i++) {
        double t = 2.0 * 3.14159265358979 * i / 12.0;
        ll[i][0] = 47.3769 + 0.02 * sin(t), ll[i][1] = 8.5417 + 0.03 * cos(t);
    }
    const rr_radius_t radius = -12.0f;
    rr_archetype_t *a = NULL;
    bool failed = rr_geo_points_new(&a, ll, 12, RR_COPY, err) ||
                  rr_geo_points_set_colors(a, PALETTE, 8, RR_COPY, err) ||
                  rr_geo_points_set_radii(a, &radius, 1, RR_COPY, err) ||
                  rr_log_static(rec, "map/points", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_geo_line_strings(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_dvec2d_t ring[2][13];
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < 13; i++) {
            double t = 2.0 * 3.14159265358979 * i / 12.0, r = s ? 0.01 : 0.02;
            ring[s][i][0] = 47.3769 + r * sin(t), ring[s][i][1] = 8.5417 + 1.5 * r * cos(t);
        }
    const rr_geo_line_string_t lines[2] = {{ring[0], 13}, {ring[1], 13}};
    const rr_radius_t radius = -5.0f;
    rr_archetype_t *a = NULL;
    bool failed = rr_geo_line_strings_new(&a, lines, 2, RR_COPY, err) ||
                  rr_geo_line_strings_set_colors(a, PALETTE + 2, 2, RR_COPY, err) ||
                  rr_geo_line_strings_set_radii(a, &radius, 1, RR_COPY, err) ||
                  rr_log_static(rec, "map/rings", a, err);
    return finish(a, failed, err);
}

/* A camera frustum, drawn in a colour of its own, placed by a Transform3D. */
static rr_status_t g_pinhole(rr_recording_stream_t *rec, rr_error_t *err) {
    const rr_pinhole_projection_t k = {50, 0, 0, 0, 50, 0, 32, 24, 1};
    const rr_resolution_t res = {64, 48};
    const rr_translation3d_t at = {0, 0, 1};
    rr_archetype_t *pose = NULL, *a = NULL;
    bool failed = world_z_up(rec, err) || rr_transform3d_new(&pose, err) ||
                  rr_transform3d_set_translation(pose, at, RR_COPY, err) ||
                  rr_log_static(rec, "world/camera", pose, err) ||
                  rr_pinhole_new(&a, k, RR_COPY, err) ||
                  rr_pinhole_set_resolution(a, res, RR_COPY, err) ||
                  rr_pinhole_set_image_plane_distance(a, 2.0f, RR_COPY, err) ||
                  rr_pinhole_set_color(a, PALETTE[0], RR_COPY, err) ||
                  rr_pinhole_set_line_width(a, 0.05f, RR_COPY, err) ||
                  rr_log_static(rec, "world/camera", a, err);
    rr_archetype_free(pose);
    return finish(a, failed, err);
}

static rr_status_t g_transform_axes3d(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_status_t st = world_z_up(rec, err);
    for (int i = 0; i < 3 && st == RR_OK; i++) {
        char path[32];
        snprintf(path, sizeof path, "world/frame%d", i);
        const rr_translation3d_t at = {3.0f * (float)(i - 1), 0, 0};
        const rr_rotation_axis_angle_t rot = {{0, 0, 1}, 0.5f * (float)i};
        rr_archetype_t *t = NULL, *a = NULL;
        bool failed = rr_transform3d_new(&t, err) || rr_transform3d_set_translation(t, at, RR_COPY, err) ||
                      rr_transform3d_set_rotation_axis_angle(t, &rot, RR_COPY, err) ||
                      rr_log_static(rec, path, t, err) ||
                      rr_transform_axes3d_new(&a, 1.5f, RR_COPY, err) || rr_log_static(rec, path, a, err);
        rr_archetype_free(t);
        st = finish(a, failed, err);
    }
    return st;
}

/* A chain of Transform3Ds places the same box three times over. */
static rr_status_t g_transform3d(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_status_t st = world_z_up(rec, err);
    static const char *const paths[3] = {"world/a", "world/a/b", "world/a/b/c"};
    for (int i = 0; i < 3 && st == RR_OK; i++) {
        const rr_translation3d_t at = {2.5f, 0, 0.5f};
        const rr_rotation_axis_angle_t rot = {{0, 0, 1}, 0.6f};
        const rr_scale3d_t scale = {0.8f, 0.8f, 0.8f};
        const rr_half_size3d_t half = {1, 0.5f, 0.5f};
        rr_archetype_t *t = NULL, *a = NULL;
        bool failed = rr_transform3d_new(&t, err) || rr_transform3d_set_translation(t, at, RR_COPY, err) ||
                      rr_transform3d_set_rotation_axis_angle(t, &rot, RR_COPY, err) ||
                      rr_transform3d_set_scale(t, scale, RR_COPY, err) ||
                      rr_log_static(rec, paths[i], t, err) ||
                      rr_boxes3d_new(&a, &half, 1, RR_COPY, err) ||
                      rr_boxes3d_set_colors(a, &PALETTE[i], 1, RR_COPY, err) ||
                      rr_boxes3d_set_fill_mode(a, RR_FILL_MODE_SOLID, RR_COPY, err) ||
                      rr_log_static(rec, paths[i], a, err);
        rr_archetype_free(t);
        st = finish(a, failed, err);
    }
    return st;
}

/* One box, five poses: five boxes. */
static rr_status_t g_instance_poses3d(rr_recording_stream_t *rec, rr_error_t *err) {
    const rr_half_size3d_t half = {0.5f, 0.5f, 0.5f};
    rr_translation3d_t at[5];
    rr_rotation_axis_angle_t rot[5];
    for (int i = 0; i < 5; i++) {
        at[i][0] = 1.5f * (float)(i - 2), at[i][1] = 0, at[i][2] = 0.3f * (float)i;
        rot[i] = (rr_rotation_axis_angle_t){{0, 0, 1}, 0.3f * (float)i};
    }
    rr_archetype_t *box = NULL, *a = NULL;
    bool failed = world_z_up(rec, err) || rr_boxes3d_new(&box, &half, 1, RR_COPY, err) ||
                  rr_boxes3d_set_colors(box, &PALETTE[3], 1, RR_COPY, err) ||
                  rr_boxes3d_set_fill_mode(box, RR_FILL_MODE_SOLID, RR_COPY, err) ||
                  rr_log_static(rec, "world/boxes", box, err) ||
                  rr_instance_poses3d_new(&a, err) ||
                  rr_instance_poses3d_set_translations(a, at, 5, RR_COPY, err) ||
                  rr_instance_poses3d_set_rotation_axis_angles(a, rot, 5, RR_COPY, err) ||
                  rr_log_static(rec, "world/boxes", a, err);
    rr_archetype_free(box);
    return finish(a, failed, err);
}

/* An occupancy grid (ROS conventions: 0 free, 100 occupied, 255 unknown),
 * in the Turbo colormap: the RViz map palette is white, grey and black,
 * which the colour check rightly cannot tell from a 3D view's background. */
static rr_status_t g_grid_map(rr_recording_stream_t *rec, rr_error_t *err) {
    enum { N = 48 };
    static uint8_t cells[N * N];
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++)
            cells[y * N + x] = (x < 6 || y < 6 || x >= N - 6 || y >= N - 6) ? 255
                               : (x > 16 && x < 32 && y > 16 && y < 32) ? 100 : 0;
    const rr_image_format_t format = {.width = N, .height = N, .color_model = RR_COLOR_MODEL_L,
                                      .channel_datatype = RR_CHANNEL_DATATYPE_U8};
    const rr_translation3d_t at = {-2.4f, -2.4f, 0};
    rr_archetype_t *a = NULL;
    bool failed = world_z_up(rec, err) || rr_grid_map_new(&a, cells, sizeof cells, &format, 0.1f, RR_COPY, err) ||
                  rr_grid_map_set_translation(a, at, RR_COPY, err) ||
                  rr_grid_map_set_colormap(a, RR_COLORMAP_TURBO, RR_COPY, err) ||
                  rr_log_static(rec, "world/map", a, err);
    return finish(a, failed, err);
}

static rr_status_t log_states(rr_recording_stream_t *rec, rr_error_t *err) {
    static const char *const seq[8] = {"idle", "moving", "charging", "moving", "idle", "moving", "charging", "idle"};
    for (int i = 0; i < 8; i++) {
        rr_archetype_t *a = NULL;
        bool failed = set_step(rec, i * 10, err) || rr_state_change_new(&a, seq[i], RR_COPY, err) ||
                      rr_log(rec, "robot/mode", a, err);
        rr_status_t st = finish(a, failed, err);
        if (st != RR_OK) return st;
    }
    return RR_OK;
}

static rr_status_t g_state_change(rr_recording_stream_t *rec, rr_error_t *err) {
    return log_states(rec, err);
}

static rr_status_t g_state_configuration(rr_recording_stream_t *rec, rr_error_t *err) {
    const rr_text_t values[3] = {"idle", "moving", "charging"};
    const rr_text_t labels[3] = {"Idle", "Moving", "Charging"};
    rr_archetype_t *a = NULL;
    bool failed = rr_state_configuration_new(&a, err) ||
                  rr_state_configuration_set_values(a, values, 3, RR_COPY, err) ||
                  rr_state_configuration_set_labels(a, labels, 3, RR_COPY, err) ||
                  rr_state_configuration_set_colors(a, PALETTE + 4, 3, RR_COPY, err) ||
                  rr_log_static(rec, "robot/mode", a, err);
    rr_status_t st = finish(a, failed, err);
    return st != RR_OK ? st : log_states(rec, err);
}

/* Coloured points at step 0, a recursive Clear of their parent at step 1:
 * at the end of the timeline the 3D view must be empty. */
static rr_status_t g_clear(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_position3d_t pos[16];
    for (int i = 0; i < 16; i++) pos[i][0] = (float)(i % 4), pos[i][1] = (float)(i / 4), pos[i][2] = 0;
    const rr_radius_t radius = 0.3f;
    rr_archetype_t *p = NULL, *a = NULL;
    bool failed = world_z_up(rec, err) || set_step(rec, 0, err) ||
                  rr_points3d_new(&p, pos, 16, RR_COPY, err) ||
                  rr_points3d_set_colors(p, PALETTE, 8, RR_COPY, err) ||
                  rr_points3d_set_radii(p, &radius, 1, RR_COPY, err) ||
                  rr_log(rec, "world/things/points", p, err) ||
                  set_step(rec, 1, err) || rr_clear_new(&a, true, RR_COPY, err) ||
                  rr_log(rec, "world/things", a, err);
    rr_archetype_free(p);
    return finish(a, failed, err);
}

/* Controls: what the check must NOT count as shown data. */
static rr_status_t g_control_empty(rr_recording_stream_t *rec, rr_error_t *err) {
    (void)rec, (void)err;
    return RR_OK;
}

static rr_status_t g_control_grey3d(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_position3d_t pos[27];
    for (int i = 0; i < 27; i++) pos[i][0] = (float)(i % 3), pos[i][1] = (float)(i / 3 % 3), pos[i][2] = (float)(i / 9);
    const rr_color_t grey = 0x808080FF;
    const rr_radius_t radius = 0.2f;
    rr_archetype_t *a = NULL;
    bool failed = world_z_up(rec, err) || rr_points3d_new(&a, pos, 27, RR_COPY, err) ||
                  rr_points3d_set_colors(a, &grey, 1, RR_COPY, err) ||
                  rr_points3d_set_radii(a, &radius, 1, RR_COPY, err) ||
                  rr_log_static(rec, "world/grey", a, err);
    return finish(a, failed, err);
}

static rr_status_t g_control_blank_text(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_archetype_t *a = NULL;
    bool failed = rr_text_document_new(&a, "", RR_COPY, err) || rr_log_static(rec, "readme", a, err);
    return finish(a, failed, err);
}

typedef struct entry {
    const char *kind;  /* "shown" or "control" */
    const char *name;  /* the file is NAME.rrd */
    const char *check; /* see the header comment */
    const char *tier;
    const char *what;  /* shown: archetypes, comma separated; control: its purpose */
    rr_status_t (*log)(rr_recording_stream_t *rec, rr_error_t *err);
} entry_t;

static const entry_t ENTRIES[] = {
    {"control", "_empty", "baseline", "quick", "a SetStoreInfo alone: the empty viewer", g_control_empty},
    {"control", "_grey3d", "color", "quick", "grey points in a 3D view: must fail the color check", g_control_grey3d},
    {"control", "_blank_text", "ink", "full", "an empty TextDocument: must fail the ink check", g_control_blank_text},
    {"shown", "points3d", "color", "quick", "Points3D,ViewCoordinates", g_points3d},
    {"shown", "points2d", "color", "full", "Points2D", g_points2d},
    {"shown", "arrows3d", "color", "full", "Arrows3D,ViewCoordinates", g_arrows3d},
    {"shown", "arrows2d", "color", "full", "Arrows2D", g_arrows2d},
    {"shown", "boxes3d", "color", "full", "Boxes3D,ViewCoordinates", g_boxes3d},
    {"shown", "boxes2d", "color", "quick", "Boxes2D", g_boxes2d},
    {"shown", "capsules3d", "color", "full", "Capsules3D,ViewCoordinates", g_capsules3d},
    {"shown", "cylinders3d", "color", "full", "Cylinders3D,ViewCoordinates", g_cylinders3d},
    {"shown", "ellipsoids3d", "color", "full", "Ellipsoids3D,ViewCoordinates", g_ellipsoids3d},
    {"shown", "ellipses2d", "color", "full", "Ellipses2D", g_ellipses2d},
    {"shown", "line_strips3d", "color", "full", "LineStrips3D,ViewCoordinates", g_line_strips3d},
    {"shown", "line_strips2d", "color", "full", "LineStrips2D", g_line_strips2d},
    {"shown", "mesh3d", "color", "quick", "Mesh3D,ViewCoordinates", g_mesh3d},
    {"shown", "asset3d", "color", "full", "Asset3D,ViewCoordinates", g_asset3d},
    {"shown", "image", "color", "quick", "Image", g_image},
    {"shown", "encoded_image", "color", "full", "EncodedImage", g_encoded_image},
    {"shown", "depth_image", "color", "quick", "DepthImage", g_depth_image},
    {"shown", "encoded_depth_image", "color", "full", "EncodedDepthImage", g_encoded_depth_image},
    {"shown", "segmentation_image", "color", "full", "SegmentationImage,AnnotationContext", g_segmentation_image},
    {"shown", "tensor", "color", "quick", "Tensor", g_tensor},
    {"shown", "bar_chart", "color", "quick", "BarChart", g_bar_chart},
    {"shown", "scalars", "color", "quick", "Scalars", g_scalars},
    {"shown", "series_lines", "color", "full", "SeriesLines,Scalars", g_series_lines},
    {"shown", "series_points", "color", "full", "SeriesPoints,Scalars", g_series_points},
    {"shown", "text_log", "ink", "quick", "TextLog", g_text_log},
    {"shown", "text_document", "ink", "full", "TextDocument", g_text_document},
    {"shown", "graph_nodes", "color", "quick", "GraphNodes", g_graph_nodes},
    {"shown", "graph_edges", "ink", "full", "GraphEdges,GraphNodes", g_graph_edges},
    {"shown", "geo_points", "color", "quick", "GeoPoints", g_geo_points},
    {"shown", "geo_line_strings", "color", "full", "GeoLineStrings", g_geo_line_strings},
    {"shown", "pinhole", "color", "full", "Pinhole,Transform3D,ViewCoordinates", g_pinhole},
    {"shown", "transform_axes3d", "color", "full", "TransformAxes3D,Transform3D,ViewCoordinates", g_transform_axes3d},
    {"shown", "transform3d", "color", "full", "Transform3D,Boxes3D,ViewCoordinates", g_transform3d},
    {"shown", "instance_poses3d", "color", "full", "InstancePoses3D,Boxes3D,ViewCoordinates", g_instance_poses3d},
    {"shown", "grid_map", "color", "full", "GridMap,ViewCoordinates", g_grid_map},
    {"shown", "state_change", "color", "full", "StateChange", g_state_change},
    {"shown", "state_configuration", "color", "full", "StateConfiguration,StateChange", g_state_configuration},
    {"shown", "clear", "blank", "full", "Clear,Points3D,ViewCoordinates", g_clear},
};

/* Archetypes without a recording whose picture is theirs. */
static const char *const WITH[][3] = {
    {"AnnotationContext", "segmentation_image", "gives the class colours of the segmentation image; no visual of its own"},
    {"ViewCoordinates", "points3d", "orients every 3D scene (logged static at world); no visual of its own"},
};
static const char *const SKIPPED[][2] = {
    {"AssetVideo", "needs a real MP4 video; rerun-c has no video encoder to make one"},
    {"VideoStream", "needs real H.264/H.265/AV1 samples; rerun-c has no video encoder to make them"},
    {"VideoFrameReference", "shows frames of an AssetVideo, which needs a real video"},
    {"CoordinateFrame", "names the transform frame of an entity; configuration without a visual"},
    {"RecordingInfo", "recording properties (/__properties), shown in the selection panel, not in a view; "
                      "every gallery recording carries one"},
    {"McapChannel", "MCAP metadata; no visualizer in the viewer"},
    {"McapMessage", "MCAP raw message; no visualizer in the viewer"},
    {"McapSchema", "MCAP metadata; no visualizer in the viewer"},
    {"McapStatistics", "MCAP metadata; no visualizer in the viewer"},
};

static int write_entry(const char *outdir, const entry_t *e) {
    char path[4096], app[128], id[128];
    snprintf(path, sizeof path, "%s/%s.rrd", outdir, e->name);
    snprintf(app, sizeof app, "rerun_example_gallery_%s", e->name[0] == '_' ? e->name + 1 : e->name);
    snprintf(id, sizeof id, "gallery%s%s", e->name[0] == '_' ? "" : "_", e->name);
    /* The empty baseline is a SetStoreInfo alone: no properties either. */
    rr_recording_options_t opts = {.recording_id = id, .no_properties = e->log == g_control_empty};
    rr_recording_stream_t *rec = NULL;
    rr_error_t err = {0};
    rr_status_t st = rr_recording_stream_new(app, &opts, &rec, &err);
    if (st == RR_OK) st = rr_save(rec, path, &err);
    if (st == RR_OK) st = e->log(rec, &err);
    if (st == RR_OK) st = rr_flush(rec, &err);
    rr_recording_stream_free(rec);
    if (st != RR_OK) {
        fprintf(stderr, "archetype_gallery: %s: %s\n", e->name, err.msg[0] ? err.msg : "failed");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: archetype_gallery OUTDIR [NAME...]\n"
                        "  writes OUTDIR/NAME.rrd, one recording per archetype entry, and OUTDIR/gallery.tsv\n");
        return 2;
    }
    const char *outdir = argv[1];
    for (int i = 2; i < argc; i++) {
        bool known = false;
        for (size_t k = 0; k < sizeof ENTRIES / sizeof ENTRIES[0]; k++) known |= !strcmp(argv[i], ENTRIES[k].name);
        if (!known) {
            fprintf(stderr, "archetype_gallery: no entry named %s\n", argv[i]);
            return 2;
        }
    }
    char tsv_path[4096];
    snprintf(tsv_path, sizeof tsv_path, "%s/gallery.tsv", outdir);
    FILE *tsv = fopen(tsv_path, "w");
    if (!tsv) {
        fprintf(stderr, "archetype_gallery: cannot write %s\n", tsv_path);
        return 1;
    }
    int failures = 0;
    for (size_t k = 0; k < sizeof ENTRIES / sizeof ENTRIES[0]; k++) {
        const entry_t *e = &ENTRIES[k];
        bool wanted = argc == 2;
        for (int i = 2; i < argc; i++) wanted |= !strcmp(argv[i], e->name);
        fprintf(tsv, "%s\t%s\t%s\t%s\t%s\n", e->kind, e->name, e->check, e->tier, e->what);
        if (wanted) failures += write_entry(outdir, e);
    }
    for (size_t k = 0; k < sizeof WITH / sizeof WITH[0]; k++)
        fprintf(tsv, "with\t%s\t%s\t-\t%s\n", WITH[k][0], WITH[k][1], WITH[k][2]);
    for (size_t k = 0; k < sizeof SKIPPED / sizeof SKIPPED[0]; k++)
        fprintf(tsv, "skipped\t%s\t-\t-\t%s\n", SKIPPED[k][0], SKIPPED[k][1]);
    if (fclose(tsv) != 0) {
        fprintf(stderr, "archetype_gallery: cannot write %s\n", tsv_path);
        return 1;
    }
    return failures ? 1 : 0;
}
