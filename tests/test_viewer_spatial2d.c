/* The Spatial 2D view drawn headless (EGL on llvmpipe) and read back: small
 * images of every kind, logged through the SDK into a memory sink and
 * loaded into a store, must come out as the expected colours; points land
 * where they should over an image and move predictably with pan and zoom;
 * picks name the right pixel or instance; bad data warns without crashing;
 * two scenes shaped like examples/image.c and examples/depth_image_pinhole.c
 * match tests/viewer_ref/2d_*.png (RR_UPDATE_REFS=1 rewrites them).
 * Exits 77 (skip) when the machine has no EGL / OpenGL ES 3. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* The internal headers first: rerun.h then skips what they declared. */
#include "store/store.h"
#include "viewer/gfx/context.h"
#include "viewer/gfx/image_decode.h"
#include "viewer/gfx/png.h"
#include "viewer/gfx/renderer.h"
#include "viewer/views/spatial2d.h"
#include "viewer/views/spatial3d.h"
#include "rerun.h"
#include "rerun_archetypes.h"
#include "testutil.h"
#include "viewer_scene.h"
#include "viewer_testgl.h"


/* A 16x16 JPEG of flat rgb(200, 40, 90), quality 90 (written once by
 * stb_image_write, whose encoder UBSan objects to, so it is not run here). */
static const uint8_t flat_jpeg[617] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x84, 0x00, 0x03, 0x02, 0x02, 0x03, 0x02, 0x02, 0x03,
    0x03, 0x03, 0x03, 0x04, 0x03, 0x03, 0x04, 0x05, 0x08, 0x05, 0x05, 0x04, 0x04, 0x05, 0x0a, 0x07,
    0x07, 0x06, 0x08, 0x0c, 0x0a, 0x0c, 0x0c, 0x0b, 0x0a, 0x0b, 0x0b, 0x0d, 0x0e, 0x12, 0x10, 0x0d,
    0x0e, 0x11, 0x0e, 0x0b, 0x0b, 0x10, 0x16, 0x10, 0x11, 0x13, 0x14, 0x15, 0x15, 0x15, 0x0c, 0x0f,
    0x17, 0x18, 0x16, 0x14, 0x18, 0x12, 0x14, 0x15, 0x14, 0x01, 0x03, 0x04, 0x04, 0x05, 0x04, 0x05,
    0x09, 0x05, 0x05, 0x09, 0x14, 0x0d, 0x0b, 0x0d, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00,
    0x10, 0x00, 0x10, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xc4, 0x01,
    0xa2, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x00,
    0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00, 0x00, 0x01, 0x7d, 0x01,
    0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22,
    0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24,
    0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29,
    0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a,
    0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a,
    0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a,
    0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
    0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6,
    0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3,
    0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
    0xfa, 0x01, 0x00, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x11, 0x00,
    0x02, 0x01, 0x02, 0x04, 0x04, 0x03, 0x04, 0x07, 0x05, 0x04, 0x04, 0x00, 0x01, 0x02, 0x77, 0x00,
    0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13,
    0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15,
    0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
    0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6,
    0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4,
    0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
    0xfa, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0xf2,
    0x3a, 0x28, 0xa2, 0xb2, 0x3f, 0xb2, 0x8f, 0xff, 0xd9,
};

/* A class-colour lookup for the decoder tests: any colour that follows the
 * id, opaque. */
static uint32_t color_of_class(void *ctx, uint32_t id) {
    (void)ctx;
    return id * 0x01020304u | 0xff;
}

static rr_gfx_context_t *g_ctx;
static rr_gfx_renderer_t *g_r;

/* ---------------- scenes ---------------- */

static rr_archetype_t *image(const void *buf, size_t len, uint32_t w, uint32_t h, rr_color_model_t cm,
                             rr_channel_datatype_t dt, rr_pixel_format_t pf) {
    rr_image_format_t f = {.width = w, .height = h, .color_model = cm, .channel_datatype = dt, .pixel_format = pf};
    rr_archetype_t *a = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_image_new(&a, buf, len, &f, RR_COPY, &err), &err);
    return a;
}

/* ---------------- rendering ---------------- */

typedef struct frame {
    int w, h;
    uint8_t *px;
} frame_t;

static rr_spatial2d_t *view_at(rr_store_t *store, const char *origin) {
    rr_error_t err = {0};
    rr_entity_path_t o = {0};
    if (origin) assert_rr_ok(rr_entity_path_parse(origin, strlen(origin), &o, &err), &err);
    rr_spatial2d_t *v = NULL;
    assert_rr_ok(rr_spatial2d_new(g_r, store, origin ? &o : NULL, &v, &err), &err);
    rr_entity_path_free(&o);
    assert_rr_ok(rr_spatial2d_prepare(v, NULL, 0, &err), &err);
    return v;
}

static frame_t draw_samples(rr_spatial2d_t *v, int w, int h, int samples) {
    rr_error_t err = {0};
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, w, h, samples, &t, &err), &err);
    assert_rr_ok(rr_spatial2d_draw(v, t, &err), &err);
    frame_t f = {w, h, malloc((size_t)w * h * 4)};
    assert_non_null(f.px);
    assert_rr_ok(rr_gfx_target_read_rgba(t, f.px, &err), &err);
    rr_gfx_target_free(t);
    return f;
}

static frame_t draw(rr_spatial2d_t *v, int w, int h) { return draw_samples(v, w, h, 1); }

static const uint8_t *at(const frame_t *f, int x, int y) { return f->px + ((size_t)y * f->w + x) * 4; }

static void expect_rgb(const frame_t *f, int x, int y, int r, int g, int b, int tol) {
    const uint8_t *p = at(f, x, y);
    if (abs(p[0] - r) > tol || abs(p[1] - g) > tol || abs(p[2] - b) > tol)
        fail_msg("pixel (%d, %d) is (%d, %d, %d), expected (%d, %d, %d) within %d", x, y, p[0], p[1], p[2], r, g, b,
                 tol);
}
static void expect_rgba32(const frame_t *f, int x, int y, uint32_t c, int tol) {
    expect_rgb(f, x, y, (int)(c >> 24), (int)(c >> 16 & 255), (int)(c >> 8 & 255), tol);
}

/* Writes a frame to $RR_BUILD_DIR/NAME.png for a look by eye. */
static void save_frame(const frame_t *f, const char *name) {
    rr_error_t err = {0};
    char path[4096];
    const char *bd = getenv("RR_BUILD_DIR");
    snprintf(path, sizeof path, "%s/%s.png", bd ? bd : ".", name);
    assert_rr_ok(rr_png_write_rgba(path, f->w, f->h, f->px, &err), &err);
}

/* Renders a w x h image entity into a target 10x its size (the fit is then
 * exactly 10 pixels per image pixel) and checks pixel centres. */
static frame_t render_single(rr_archetype_t *a, uint32_t w, uint32_t h, rr_spatial2d_t **view, scene_t *s) {
    scene_begin(s);
    log_static(s, "img", a);
    rr_store_t *store = scene_end(s);
    rr_spatial2d_t *v = view_at(store, NULL);
    if (rr_spatial2d_warning(v)) fail_msg("warning: %s", rr_spatial2d_warning(v));
    assert_int_equal(rr_spatial2d_num_drawables(v), 1);
    frame_t f = draw(v, (int)w * 10, (int)h * 10);
    *view = v;
    return f;
}
#define CENTRE(i) ((i) * 10 + 5)

/* ---------------- tests ---------------- */

static void test_image_rgb_u8(void **state) {
    (void)state;
    const uint8_t rgb[2 * 3 * 3] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0, 10, 20, 30, 200, 100, 50};
    scene_t s;
    rr_spatial2d_t *v;
    frame_t f = render_single(image(rgb, sizeof rgb, 3, 2, RR_COLOR_MODEL_RGB, RR_CHANNEL_DATATYPE_U8, 0), 3, 2, &v, &s);
    for (int i = 0; i < 6; i++) expect_rgb(&f, CENTRE(i % 3), CENTRE(i / 3), rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 1);
    /* Nearest magnification: sharp edges between image pixels. */
    expect_rgb(&f, 9, 5, 255, 0, 0, 1);
    expect_rgb(&f, 10, 5, 0, 255, 0, 1);
    /* The same through a multisampled target (as the shell's). */
    frame_t ms = draw_samples(v, f.w, f.h, 4);
    for (int i = 0; i < 6; i++) expect_rgb(&ms, CENTRE(i % 3), CENTRE(i / 3), rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 1);
    free(ms.px);
    /* Pick: the pixel under the mouse. */
    rr_pick_t p;
    assert_true(rr_spatial2d_pick(v, f.w, f.h, 25.5f, 14.0f, &p));
    assert_string_equal(p.entity, "/img");
    assert_string_equal(p.archetype, "Image");
    assert_int_equal((int)floorf(p.world[0]), 2);
    assert_int_equal((int)floorf(p.world[1]), 1);
    assert_true(p.instance == RR_PICK_ALL_INSTANCES);
    /* Its value, for the hover readout. */
    rr_spatial2d_pixel_t px;
    assert_true(rr_spatial2d_pixel(v, p.entity, 2, 1, &px));
    assert_int_equal(px.kind, RR_SPATIAL2D_PIXEL_COLOR);
    assert_int_equal(px.channels, 3);
    assert_true(px.value[0] == 200 && px.value[1] == 100 && px.value[2] == 50);
    assert_false(rr_spatial2d_pixel(v, p.entity, 3, 1, &px));
    assert_false(rr_spatial2d_pixel(v, "/nothing", 0, 0, &px));
    free(f.px);
    rr_spatial2d_free(v);
    scene_free(&s);
}

static void test_image_models_and_types(void **state) {
    (void)state;
    scene_t s;
    rr_spatial2d_t *v;
    frame_t f;
    /* BGR: channels swapped. */
    const uint8_t bgr[2 * 3] = {255, 0, 0, 0, 128, 255};
    f = render_single(image(bgr, sizeof bgr, 2, 1, RR_COLOR_MODEL_BGR, RR_CHANNEL_DATATYPE_U8, 0), 2, 1, &v, &s);
    expect_rgb(&f, CENTRE(0), 5, 0, 0, 255, 1);
    expect_rgb(&f, CENTRE(1), 5, 255, 128, 0, 1);
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
    /* RGBA: alpha 0 shows the black background, half alpha blends. */
    const uint8_t rgba[2 * 4] = {255, 255, 255, 0, 255, 255, 255, 128};
    f = render_single(image(rgba, sizeof rgba, 2, 1, RR_COLOR_MODEL_RGBA, RR_CHANNEL_DATATYPE_U8, 0), 2, 1, &v, &s);
    expect_rgb(&f, CENTRE(0), 5, 0, 0, 0, 1);
    expect_rgb(&f, CENTRE(1), 5, 128, 128, 128, 2);
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
    /* L u16 past 255: the data's range, as a gray ramp. */
    const uint16_t l16[3] = {1000, 2000, 3000};
    f = render_single(image(l16, sizeof l16, 3, 1, RR_COLOR_MODEL_L, RR_CHANNEL_DATATYPE_U16, 0), 3, 1, &v, &s);
    expect_rgb(&f, CENTRE(0), 5, 0, 0, 0, 1);
    expect_rgb(&f, CENTRE(1), 5, 128, 128, 128, 1);
    expect_rgb(&f, CENTRE(2), 5, 255, 255, 255, 1);
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
    /* L u16 within 0..255: Rerun takes it as 8-bit data. */
    const uint16_t l16_small[2] = {0, 255};
    f = render_single(image(l16_small, sizeof l16_small, 2, 1, RR_COLOR_MODEL_L, RR_CHANNEL_DATATYPE_U16, 0), 2, 1, &v,
                      &s);
    expect_rgb(&f, CENTRE(0), 5, 0, 0, 0, 1);
    expect_rgb(&f, CENTRE(1), 5, 255, 255, 255, 1);
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
    /* RGB f32 within 0..1: as sRGB values. */
    const float f32[2 * 3] = {1.0f, 0.5f, 0.0f, 0.25f, 0.0f, 1.0f};
    f = render_single(image(f32, sizeof f32, 2, 1, RR_COLOR_MODEL_RGB, RR_CHANNEL_DATATYPE_F32, 0), 2, 1, &v, &s);
    expect_rgb(&f, CENTRE(0), 5, 255, 128, 0, 1);
    expect_rgb(&f, CENTRE(1), 5, 64, 0, 255, 1);
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
    /* NV12, limited range: Y 235 with neutral chroma is white, Y 16 black;
     * a red-ish chroma pair shifts the second column pair. */
    uint8_t nv12[4 * 2 + 4] = {235, 235, 16, 16, 235, 235, 16, 16, 128, 128, 128, 240};
    f = render_single(image(nv12, sizeof nv12, 4, 2, 0, 0, RR_PIXEL_FORMAT_NV12), 4, 2, &v, &s);
    expect_rgb(&f, CENTRE(0), CENTRE(1), 255, 255, 255, 1);
    /* Y 16, U 128, V 240 (BT.601): r = 1.402 * 0.5, g = -0.714 * 0.5. */
    expect_rgb(&f, CENTRE(2), CENTRE(0), (int)(1.402 * 0.5 * 255), 0, 0, 1);
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
    /* YUY2: Y0 U Y1 V. */
    const uint8_t yuy2[4] = {235, 128, 16, 128};
    f = render_single(image(yuy2, sizeof yuy2, 2, 1, 0, 0, RR_PIXEL_FORMAT_YUY2), 2, 1, &v, &s);
    expect_rgb(&f, CENTRE(0), 5, 255, 255, 255, 1);
    expect_rgb(&f, CENTRE(1), 5, 0, 0, 0, 1);
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
}

static void test_depth_turbo(void **state) {
    (void)state;
    const uint16_t depth[3] = {0, 500, 1000};
    rr_image_format_t fmt = {.width = 3, .height = 1, .channel_datatype = RR_CHANNEL_DATATYPE_U16};
    rr_archetype_t *a = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_depth_image_new(&a, (const uint8_t *)depth, sizeof depth, &fmt, RR_COPY, &err), &err);
    assert_rr_ok(rr_depth_image_set_meter(a, 1000.0f, RR_COPY, &err), &err);
    scene_t s;
    rr_spatial2d_t *v;
    frame_t f = render_single(a, 3, 1, &v, &s);
    /* Turbo's polynomial at 0 and 1, worked by hand: (34, 23, 27) and (144, 12, 0). */
    expect_rgb(&f, CENTRE(0), 5, 34, 23, 27, 2);
    expect_rgba32(&f, CENTRE(1), 5, rr_colormap_rgba(5, 0.5f), 2);
    expect_rgb(&f, CENTRE(2), 5, 144, 12, 0, 2);
    rr_spatial2d_pixel_t px;
    assert_true(rr_spatial2d_pixel(v, "/img", 1, 0, &px));
    assert_int_equal(px.kind, RR_SPATIAL2D_PIXEL_DEPTH);
    assert_true(px.value[0] == 500 && fabs(px.meters - 0.5) < 1e-9);
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
    /* An explicit range and colormap. */
    assert_rr_ok(rr_depth_image_new(&a, (const uint8_t *)depth, sizeof depth, &fmt, RR_COPY, &err), &err);
    const rr_value_range_t range = {500, 1000};
    assert_rr_ok(rr_depth_image_set_depth_range(a, range, RR_COPY, &err), &err);
    assert_rr_ok(rr_depth_image_set_colormap(a, RR_COLORMAP_GRAYSCALE, RR_COPY, &err), &err);
    f = render_single(a, 3, 1, &v, &s);
    expect_rgb(&f, CENTRE(0), 5, 0, 0, 0, 1);
    expect_rgb(&f, CENTRE(1), 5, 0, 0, 0, 1);
    expect_rgb(&f, CENTRE(2), 5, 255, 255, 255, 1);
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
}

static void test_segmentation(void **state) {
    (void)state;
    rr_error_t err = {0};
    scene_t s;
    scene_begin(&s);
    rr_class_description_map_elem_t classes[2] = {
        {.class_id = 1, .class_description = {.info = {.id = 1, .label = "red", .has_color = true, .color = 0xff0000ffu}}},
        {.class_id = 2, .class_description = {.info = {.id = 7, .label = "auto"}}},
    };
    rr_archetype_t *a = NULL;
    assert_rr_ok(rr_annotation_context_new(&a, classes, 2, RR_COPY, &err), &err);
    log_static(&s, "seg", a);
    const uint8_t ids[4] = {0, 1, 2, 3};
    rr_image_format_t fmt = {.width = 4, .height = 1, .channel_datatype = RR_CHANNEL_DATATYPE_U8};
    assert_rr_ok(rr_segmentation_image_new(&a, ids, sizeof ids, &fmt, RR_COPY, &err), &err);
    log_static(&s, "seg/mask", a);
    rr_spatial2d_t *v = view_at(scene_end(&s), NULL);
    assert_null(rr_spatial2d_warning(v));
    frame_t f = draw(v, 40, 10);
    /* Class 0 is not described: its automatic colour; class 1 red; class 2
     * described without a colour: the automatic colour of its info id. */
    expect_rgba32(&f, CENTRE(0), 5, rr_auto_color(0), 1);
    expect_rgb(&f, CENTRE(1), 5, 255, 0, 0, 1);
    expect_rgba32(&f, CENTRE(2), 5, rr_auto_color(7), 1);
    expect_rgba32(&f, CENTRE(3), 5, rr_auto_color(3), 1);
    rr_spatial2d_pixel_t px;
    assert_true(rr_spatial2d_pixel(v, "seg/mask", 2, 0, &px));
    assert_int_equal(px.kind, RR_SPATIAL2D_PIXEL_CLASS);
    assert_true(px.value[0] == 2);
    /* auto colours differ from one class to the next */
    assert_true(rr_auto_color(0) != rr_auto_color(3));
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
}

static void test_encoded_png_and_jpeg(void **state) {
    (void)state;
    rr_error_t err = {0};
    uint8_t rgba[4 * 2 * 4];
    for (int i = 0; i < 8; i++) {
        rgba[i * 4] = (uint8_t)(i * 30), rgba[i * 4 + 1] = (uint8_t)(255 - i * 30), rgba[i * 4 + 2] = 77, rgba[i * 4 + 3] = 255;
    }
    char path[] = "/tmp/test_viewer_spatial2d_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_rr_ok(rr_png_write_rgba(path, 4, 2, rgba, &err), &err);
    size_t png_len = 0;
    uint8_t *png = rr_test_read_file(path, &png_len);
    unlink(path);
    assert_non_null(png);
    scene_t s;
    scene_begin(&s);
    rr_archetype_t *a = NULL;
    assert_rr_ok(rr_encoded_image_new(&a, png, png_len, RR_COPY, &err), &err);
    assert_rr_ok(rr_encoded_image_set_media_type(a, "image/png", RR_COPY, &err), &err);
    log_static(&s, "png", a);
    rr_spatial2d_t *v = view_at(scene_end(&s), NULL);
    assert_null(rr_spatial2d_warning(v));
    frame_t f = draw(v, 40, 20);
    for (int i = 0; i < 8; i++) expect_rgb(&f, CENTRE(i % 4), CENTRE(i / 4), i * 30, 255 - i * 30, 77, 1);
    /* Decoded once: another frame reuses the cached texture. */
    size_t cached = rr_spatial2d_cache_size(v);
    assert_rr_ok(rr_spatial2d_prepare(v, NULL, 0, &err), &err);
    assert_int_equal(rr_spatial2d_cache_size(v), cached);
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
    free(png);

    /* JPEG (lossy): a flat colour comes back close. */
    scene_begin(&s);
    assert_rr_ok(rr_encoded_image_new(&a, flat_jpeg, sizeof flat_jpeg, RR_COPY, &err), &err);
    log_static(&s, "jpg", a);
    v = view_at(scene_end(&s), NULL);
    assert_null(rr_spatial2d_warning(v));
    f = draw(v, 32, 32);
    expect_rgb(&f, 16, 16, 200, 40, 90, 6);
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
}


/* A 100x50 gray image with two points and a box over it. */
static rr_store_t *points_scene(scene_t *s) {
    rr_error_t err = {0};
    scene_begin(s);
    static uint8_t gray[100 * 50];
    memset(gray, 60, sizeof gray);
    log_static(s, "img", image(gray, sizeof gray, 100, 50, RR_COLOR_MODEL_L, RR_CHANNEL_DATATYPE_U8, 0));
    const rr_position2d_t pos[2] = {{10, 10}, {50, 25}};
    const rr_color_t colors[2] = {0xff0000ffu, 0x00ff00ffu};
    const rr_radius_t radii[1] = {-3.0f};
    rr_archetype_t *a = NULL;
    assert_rr_ok(rr_points2d_new(&a, pos, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_colors(a, colors, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_radii(a, radii, 1, RR_COPY, &err), &err);
    log_static(s, "img/points", a);
    const rr_half_size2d_t half[1] = {{10, 5}};
    const rr_position2d_t ctr[1] = {{80, 30}};
    const rr_color_t bc[1] = {0x0000ffffu};
    assert_rr_ok(rr_boxes2d_new(&a, half, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_boxes2d_set_centers(a, ctr, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_boxes2d_set_colors(a, bc, 1, RR_COPY, &err), &err);
    log_static(s, "img/box", a);
    const rr_vec2d_t strip[3] = {{5, 45}, {45, 45}, {45, 35}};
    const rr_line_strip2d_t strips[1] = {{strip, 3}};
    const rr_color_t lc[1] = {0xffff00ffu};
    assert_rr_ok(rr_line_strips2d_new(&a, strips, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_line_strips2d_set_colors(a, lc, 1, RR_COPY, &err), &err);
    log_static(s, "img/line", a);
    return scene_end(s);
}

static void test_points_pan_zoom_pick(void **state) {
    (void)state;
    scene_t s;
    rr_spatial2d_t *v = view_at(points_scene(&s), NULL);
    assert_null(rr_spatial2d_warning(v));
    assert_int_equal(rr_spatial2d_num_drawables(v), 4);
    float b[4];
    assert_true(rr_spatial2d_bounds(v, b));
    assert_true(b[0] == 0 && b[1] == 0 && b[2] == 100 && b[3] == 50);
    /* 200x200: 2 pixels per unit, letterboxed vertically (50 pixels above). */
    frame_t f = draw(v, 200, 200);
    expect_rgb(&f, 20, 50 + 20, 255, 0, 0, 1);
    expect_rgb(&f, 100, 50 + 50, 0, 255, 0, 1);
    expect_rgb(&f, 30, 50 + 20, 60, 60, 60, 1); /* the image beside the point */
    expect_rgb(&f, 100, 20, 0, 0, 0, 1);        /* the letterbox */
    expect_rgb(&f, 140, 50 + 50, 0, 0, 255, 1); /* the box's left edge at x = 70 */
    expect_rgb(&f, 50, 50 + 90, 255, 255, 0, 1); /* the line along y = 45 */
    free(f.px);
    /* Pick: the red point, the green one, the box, the image. */
    rr_pick_t p;
    assert_true(rr_spatial2d_pick(v, 200, 200, 21, 71, &p));
    assert_string_equal(p.entity, "/img/points");
    assert_string_equal(p.archetype, "Points2D");
    assert_int_equal(p.instance, 0);
    assert_true(rr_spatial2d_pick(v, 200, 200, 100, 100, &p));
    assert_int_equal(p.instance, 1);
    assert_true(rr_spatial2d_pick(v, 200, 200, 140, 110, &p));
    assert_string_equal(p.archetype, "Boxes2D");
    assert_true(rr_spatial2d_pick(v, 200, 200, 61, 131, &p));
    assert_string_equal(p.archetype, "Image");
    assert_int_equal((int)floorf(p.world[0]), 30);
    assert_int_equal((int)floorf(p.world[1]), 40);
    assert_false(rr_spatial2d_pick(v, 200, 200, 100, 10, &p));
    /* Pan by (30, -20) pixels: the red point follows. */
    rr_spatial2d_pan(v, 200, 200, 30, -20);
    f = draw(v, 200, 200);
    expect_rgb(&f, 50, 50, 255, 0, 0, 1);
    free(f.px);
    /* Zoom 1.5x around the red point: it stays, the green one (80, 30)
     * pixels from it moves to 1.5 times that. */
    rr_spatial2d_zoom(v, 200, 200, 1.5f, 50, 50);
    f = draw(v, 200, 200);
    expect_rgb(&f, 50, 50, 255, 0, 0, 1);
    expect_rgb(&f, 50 + 120, 50 + 45, 0, 255, 0, 1);
    float vis[4];
    rr_spatial2d_visible_rect(v, 200, 200, vis);
    assert_true(fabsf(vis[2] - vis[0] - 200.0f / 3.0f) < 1e-3f); /* 3 pixels per unit now */
    free(f.px);
    /* Reset: fitted again. */
    rr_spatial2d_reset_view(v);
    f = draw(v, 200, 200);
    expect_rgb(&f, 20, 70, 255, 0, 0, 1);
    free(f.px);
    rr_spatial2d_free(v);
    scene_free(&s);
}

static void test_hidden_and_highlight(void **state) {
    (void)state;
    scene_t s;
    rr_error_t err = {0};
    rr_spatial2d_t *v = view_at(points_scene(&s), NULL);
    const char *hide[1] = {"img/box"};
    assert_rr_ok(rr_spatial2d_set_hidden(v, hide, 1, &err), &err);
    assert_rr_ok(rr_spatial2d_prepare(v, NULL, 0, &err), &err);
    assert_int_equal(rr_spatial2d_num_drawables(v), 3);
    frame_t f = draw(v, 200, 200);
    expect_rgb(&f, 140, 100, 60, 60, 60, 1); /* no box edge */
    free(f.px);
    /* Hiding the image's path hides its subtree too. */
    const char *hide_all[1] = {"/img"};
    assert_rr_ok(rr_spatial2d_set_hidden(v, hide_all, 1, &err), &err);
    assert_rr_ok(rr_spatial2d_prepare(v, NULL, 0, &err), &err);
    assert_int_equal(rr_spatial2d_num_drawables(v), 0);
    assert_rr_ok(rr_spatial2d_set_hidden(v, NULL, 0, &err), &err);
    assert_rr_ok(rr_spatial2d_prepare(v, NULL, 0, &err), &err);
    assert_int_equal(rr_spatial2d_num_drawables(v), 4);
    /* Hovering the red point outlines it in white: a pixel around its
     * radius of 3, the point itself still red inside. */
    rr_pick_t hover;
    assert_true(rr_spatial2d_pick(v, 200, 200, 20, 70, &hover));
    rr_spatial2d_set_highlight(v, &hover, NULL);
    f = draw(v, 200, 200);
    save_frame(&f, "2d_hover");
    expect_rgb(&f, 20 + 3, 70, 255, 255, 255, 40);
    expect_rgb(&f, 21, 70, 255, 0, 0, 1);
    expect_rgb(&f, 20 + 5, 70, 60, 60, 60, 1);
    expect_rgb(&f, 100 + 3, 100, 60, 60, 60, 1); /* the other point is not outlined */
    free(f.px);
    rr_spatial2d_set_highlight(v, NULL, NULL);
    f = draw(v, 200, 200);
    expect_rgb(&f, 20 + 3, 70, 60, 60, 60, 1);
    free(f.px);
    /* Selecting the image outlines it (its top edge at y = 50). */
    rr_pick_t sel;
    assert_true(rr_spatial2d_pick(v, 200, 200, 60, 120, &sel));
    assert_string_equal(sel.archetype, "Image");
    rr_spatial2d_set_highlight(v, NULL, &sel);
    f = draw(v, 200, 200);
    expect_rgb(&f, 60, 50, 0xf0, 0xf2, 0xff, 40);
    expect_rgb(&f, 60, 55, 60, 60, 60, 1);
    free(f.px);
    rr_spatial2d_free(v);
    scene_free(&s);
}

static void test_bad_data(void **state) {
    (void)state;
    rr_error_t err = {0};
    scene_t s;
    scene_begin(&s);
    /* Says 10x10 RGB (300 bytes) but holds 20. */
    uint8_t short_buf[20] = {0};
    log_static(&s, "short", image(short_buf, sizeof short_buf, 10, 10, RR_COLOR_MODEL_RGB, RR_CHANNEL_DATATYPE_U8, 0));
    /* A PNG cut in the middle. */
    uint8_t rgba[8 * 8 * 4];
    memset(rgba, 200, sizeof rgba);
    char path[] = "/tmp/test_viewer_spatial2d_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_rr_ok(rr_png_write_rgba(path, 8, 8, rgba, &err), &err);
    size_t png_len = 0;
    uint8_t *png = rr_test_read_file(path, &png_len);
    unlink(path);
    assert_non_null(png);
    rr_archetype_t *a = NULL;
    assert_rr_ok(rr_encoded_image_new(&a, png, png_len / 2, RR_COPY, &err), &err);
    log_static(&s, "torn", a);
    /* Garbage that claims to be PNG. */
    uint8_t junk[64];
    memcpy(junk, "\x89PNG\r\n\x1a\n", 8);
    for (int i = 8; i < 64; i++) junk[i] = (uint8_t)(i * 37);
    assert_rr_ok(rr_encoded_image_new(&a, junk, sizeof junk, RR_COPY, &err), &err);
    log_static(&s, "junk", a);
    /* A YUV image cut short, and a depth image with three channels. */
    log_static(&s, "yuv", image(short_buf, 6, 4, 4, 0, 0, RR_PIXEL_FORMAT_NV12));
    rr_image_format_t fmt = {.width = 2, .height = 1, .color_model = RR_COLOR_MODEL_RGB, .channel_datatype = RR_CHANNEL_DATATYPE_U8};
    assert_rr_ok(rr_depth_image_new(&a, short_buf, 6, &fmt, RR_COPY, &err), &err);
    log_static(&s, "depth3", a);
    /* One good image still shows. */
    const uint8_t ok[3] = {0, 0, 255};
    log_static(&s, "ok", image(ok, 3, 1, 1, RR_COLOR_MODEL_RGB, RR_CHANNEL_DATATYPE_U8, 0));
    rr_spatial2d_t *v = view_at(scene_end(&s), NULL);
    const char *w = rr_spatial2d_warning(v);
    assert_non_null(w);
    printf("warning: %s\n", w);
    assert_int_equal(rr_spatial2d_num_drawables(v), 1);
    frame_t f = draw(v, 10, 10);
    expect_rgb(&f, 5, 5, 0, 0, 255, 1);
    free(f.px);
    /* Every bad entity is reported on its own. */
    const char *names[5] = {"short", "torn", "junk", "yuv", "depth3"};
    for (int i = 0; i < 5; i++) {
        char other[5][16];
        int k = 0;
        for (int j = 0; j < 5; j++)
            if (j != i) snprintf(other[k++], sizeof other[0], "%s", names[j]);
        const char *hide[5] = {other[0], other[1], other[2], other[3], "ok"};
        assert_rr_ok(rr_spatial2d_set_hidden(v, hide, 5, &err), &err);
        assert_rr_ok(rr_spatial2d_prepare(v, NULL, 0, &err), &err);
        w = rr_spatial2d_warning(v);
        assert_non_null(w);
        assert_non_null(strstr(w, names[i]));
        printf("  %s\n", w);
    }
    assert_non_null(strstr(rr_spatial2d_warning(v), "depth3"));
    free(png);
    rr_spatial2d_free(v);
    scene_free(&s);
    /* The decoders alone, on worse input. */
    int iw, ih;
    uint8_t *out = NULL;
    assert_int_equal(rr_image_decode_encoded(junk, 8, NULL, &iw, &ih, &out, &err), RR_ERR_INVALID_DATA);
    assert_int_equal(rr_image_decode_encoded(junk, 0, NULL, &iw, &ih, &out, &err), RR_ERR_INVALID_DATA);
    assert_int_equal(rr_image_decode_encoded(junk, 8, "image/webp", &iw, &ih, &out, &err), RR_ERR_UNSUPPORTED);
    rr_image_spec_t spec = {.width = 1u << 20, .height = 1u << 20, .color_model = 3, .channel_datatype = 6};
    assert_int_equal(rr_image_to_rgba(&spec, junk, sizeof junk, &out, &err), RR_ERR_INVALID_DATA);
    spec = (rr_image_spec_t){.width = 2, .height = 2, .color_model = 9};
    assert_int_equal(rr_image_to_rgba(&spec, junk, sizeof junk, &out, &err), RR_ERR_INVALID_DATA);
    assert_null(out);
}

static void test_pinhole_space_and_large_image(void **state) {
    (void)state;
    rr_error_t err = {0};
    scene_t s;
    scene_begin(&s);
    const rr_pinhole_projection_t k = {100, 0, 0, 0, 100, 0, 150, 100, 1};
    const rr_resolution_t res = {300, 200};
    rr_archetype_t *a = NULL;
    assert_rr_ok(rr_pinhole_new(&a, k, RR_COPY, &err), &err);
    assert_rr_ok(rr_pinhole_set_resolution(a, res, RR_COPY, &err), &err);
    log_static(&s, "world/cam", a);
    const uint8_t px[3] = {255, 0, 255};
    log_static(&s, "world/cam/img", image(px, 3, 1, 1, RR_COLOR_MODEL_RGB, RR_CHANNEL_DATATYPE_U8, 0));
    /* 9000 pixels wide: past the 8192 cap, downscaled. */
    static uint8_t wide[9000];
    memset(wide, 255, sizeof wide);
    log_static(&s, "flat/wide", image(wide, sizeof wide, 9000, 1, RR_COLOR_MODEL_L, RR_CHANNEL_DATATYPE_U8, 0));
    rr_store_t *store = scene_end(&s);
    /* At the pinhole: its resolution is the view's bounds. */
    rr_spatial2d_t *v = view_at(store, "world/cam");
    float b[4];
    assert_true(rr_spatial2d_bounds(v, b));
    assert_true(b[2] == 300 && b[3] == 200);
    assert_int_equal(rr_spatial2d_num_drawables(v), 1);
    frame_t f = draw(v, 300, 200);
    expect_rgb(&f, 0, 0, 255, 0, 255, 1);
    expect_rgb(&f, 2, 2, 0, 0, 0, 1);
    free(f.px);
    rr_spatial2d_free(v);
    /* At the root: what is behind the pinhole is another space. */
    v = view_at(store, NULL);
    assert_int_equal(rr_spatial2d_num_drawables(v), 1);
    assert_non_null(rr_spatial2d_warning(v));
    assert_non_null(strstr(rr_spatial2d_warning(v), "downscaled"));
    /* 0.1 pixels tall when fitted; zoomed 100x it fills the rows. */
    rr_spatial2d_zoom(v, 900, 10, 100.0f, 450, 5);
    f = draw(v, 900, 10);
    expect_rgb(&f, 450, 5, 255, 255, 255, 1);
    free(f.px);
    rr_spatial2d_free(v);
    scene_free(&s);
}

/* Over time: the latest image at t, and the cache follows the store. */
static void test_time_and_cache(void **state) {
    (void)state;
    rr_error_t err = {0};
    scene_t s;
    scene_begin(&s);
    for (int i = 0; i < 3; i++) {
        uint8_t c[3] = {(uint8_t)(i * 100), 0, 0};
        rr_set_time_sequence(s.rec, "frame", i);
        rr_archetype_t *a = image(c, 3, 1, 1, RR_COLOR_MODEL_RGB, RR_CHANNEL_DATATYPE_U8, 0);
        assert_rr_ok(rr_log(s.rec, "img", a, &err), &err);
        rr_archetype_free(a);
    }
    rr_store_t *store = scene_end(&s);
    rr_spatial2d_t *v = view_at(store, NULL);
    assert_int_equal(rr_spatial2d_num_drawables(v), 0); /* nothing static */
    for (int i = 0; i < 3; i++) {
        assert_rr_ok(rr_spatial2d_prepare(v, "frame", i, &err), &err);
        frame_t f = draw(v, 4, 4);
        expect_rgb(&f, 2, 2, i * 100, 0, 0, 1);
        free(f.px);
    }
    assert_int_equal(rr_spatial2d_cache_size(v), 3);
    assert_int_equal(rr_spatial2d_gpu_bytes(v), 3 * 4);
    /* A budget of one texture: stepping through time keeps only the frame's. */
    rr_spatial2d_set_gpu_budget(v, 4);
    for (int i = 0; i < 3; i++) {
        assert_rr_ok(rr_spatial2d_prepare(v, "frame", i, &err), &err);
        assert_int_equal(rr_spatial2d_gpu_bytes(v), 4);
        frame_t f = draw(v, 4, 4);
        expect_rgb(&f, 2, 2, i * 100, 0, 0, 1);
        free(f.px);
    }
    rr_spatial2d_set_gpu_budget(v, RR_SPATIAL2D_DEFAULT_GPU_BUDGET);
    /* GC drops the chunks: the textures go with them. */
    rr_store_gc_options_t gc = {.drop_at_least_fraction = 1.0};
    assert_rr_ok(rr_store_gc(store, &gc, NULL, &err), &err);
    assert_int_equal(rr_spatial2d_cache_size(v), 0);
    assert_int_equal(rr_spatial2d_num_drawables(v), 0);
    rr_spatial2d_free(v);
    scene_free(&s);
}

/* Rerun's fallbacks between images: a colour image over a depth image and
 * a segmentation image over a colour one are drawn at half opacity; an
 * explicit draw order puts points under an image. */
static void test_opacity_and_draw_order(void **state) {
    (void)state;
    rr_error_t err = {0};
    scene_t s;
    scene_begin(&s);
    const uint8_t white[3] = {255, 255, 255};
    log_static(&s, "a/rgb", image(white, 3, 1, 1, RR_COLOR_MODEL_RGB, RR_CHANNEL_DATATYPE_U8, 0));
    const uint8_t id[1] = {1};
    rr_class_description_map_elem_t cls[1] = {
        {.class_id = 1, .class_description = {.info = {.id = 1, .has_color = true, .color = 0x0000ffffu}}}};
    rr_archetype_t *a = NULL;
    assert_rr_ok(rr_annotation_context_new(&a, cls, 1, RR_COPY, &err), &err);
    log_static(&s, "a", a);
    rr_image_format_t fmt = {.width = 1, .height = 1, .channel_datatype = RR_CHANNEL_DATATYPE_U8};
    assert_rr_ok(rr_segmentation_image_new(&a, id, 1, &fmt, RR_COPY, &err), &err);
    log_static(&s, "a/seg", a);
    /* Points at draw order -100: under the image, hidden by it. */
    const rr_position2d_t pos[1] = {{0.5f, 0.5f}};
    const rr_color_t red[1] = {0xff0000ffu};
    assert_rr_ok(rr_points2d_new(&a, pos, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_colors(a, red, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_draw_order(a, -100.0f, RR_COPY, &err), &err);
    log_static(&s, "a/pts", a);
    rr_spatial2d_t *v = view_at(scene_end(&s), NULL);
    assert_null(rr_spatial2d_warning(v));
    assert_int_equal(rr_spatial2d_num_drawables(v), 3);
    frame_t f = draw(v, 10, 10);
    /* White under half-transparent blue. */
    expect_rgb(&f, 5, 5, 128, 128, 255, 2);
    free(f.px);
    rr_spatial2d_free(v);
    scene_free(&s);

    /* Colour over depth: the colour image at half. */
    scene_begin(&s);
    const uint16_t d[1] = {0};
    fmt.channel_datatype = RR_CHANNEL_DATATYPE_U16;
    assert_rr_ok(rr_depth_image_new(&a, (const uint8_t *)d, 2, &fmt, RR_COPY, &err), &err);
    assert_rr_ok(rr_depth_image_set_colormap(a, RR_COLORMAP_GRAYSCALE, RR_COPY, &err), &err);
    log_static(&s, "b/depth", a);
    log_static(&s, "b/rgb", image(white, 3, 1, 1, RR_COLOR_MODEL_RGB, RR_CHANNEL_DATATYPE_U8, 0));
    v = view_at(scene_end(&s), NULL);
    f = draw(v, 10, 10);
    expect_rgb(&f, 5, 5, 128, 128, 128, 2);
    free(f.px);
    rr_spatial2d_free(v);
    scene_free(&s);

    /* An explicit opacity wins over the fallback. */
    scene_begin(&s);
    a = image(white, 3, 1, 1, RR_COLOR_MODEL_RGB, RR_CHANNEL_DATATYPE_U8, 0);
    assert_rr_ok(rr_image_set_opacity(a, 0.25f, RR_COPY, &err), &err);
    log_static(&s, "c", a);
    v = view_at(scene_end(&s), NULL);
    f = draw(v, 10, 10);
    expect_rgb(&f, 5, 5, 64, 64, 64, 2);
    free(f.px);
    rr_spatial2d_free(v);
    scene_free(&s);
}

/* Labels, placed for a target: per point, below a box, one for a whole
 * entity, from the annotation context, and Rerun's 30-instance rule. */
static void test_labels(void **state) {
    (void)state;
    rr_error_t err = {0};
    scene_t s;
    scene_begin(&s);
    rr_archetype_t *a = NULL;
    const rr_half_size2d_t frame_half[1] = {{50, 50}};
    const rr_position2d_t frame_ctr[1] = {{50, 50}};
    assert_rr_ok(rr_boxes2d_new(&a, frame_half, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_boxes2d_set_centers(a, frame_ctr, 1, RR_COPY, &err), &err);
    const rr_text_t box_label[1] = {"frame"};
    assert_rr_ok(rr_boxes2d_set_labels(a, box_label, 1, RR_COPY, &err), &err);
    log_static(&s, "box", a);
    const rr_position2d_t pos[2] = {{10, 20}, {30, 40}};
    const rr_text_t labels[2] = {"first", "second"};
    const rr_color_t colors[2] = {0xff0000ffu, 0x00ff00ffu};
    assert_rr_ok(rr_points2d_new(&a, pos, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_labels(a, labels, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_colors(a, colors, 2, RR_COPY, &err), &err);
    log_static(&s, "pts", a);
    const rr_vec2d_t s0[2] = {{0, 0}, {20, 0}}, s1[2] = {{0, 20}, {20, 20}};
    const rr_line_strip2d_t strips[2] = {{s0, 2}, {s1, 2}};
    const rr_text_t one[1] = {"both"};
    assert_rr_ok(rr_line_strips2d_new(&a, strips, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_line_strips2d_set_labels(a, one, 1, RR_COPY, &err), &err);
    log_static(&s, "lines", a);
    /* 40 points labelled by class only: too many for labels by default. */
    rr_class_description_map_elem_t cls[1] = {{.class_id = 5, .class_description = {.info = {.id = 5, .label = "cls"}}}};
    assert_rr_ok(rr_annotation_context_new(&a, cls, 1, RR_COPY, &err), &err);
    log_static(&s, "many", a);
    rr_position2d_t many[40];
    for (int i = 0; i < 40; i++) many[i][0] = (float)i, many[i][1] = 90;
    const rr_class_id_t ids[1] = {5};
    assert_rr_ok(rr_points2d_new(&a, many, 40, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_class_ids(a, ids, 1, RR_COPY, &err), &err);
    log_static(&s, "many/pts", a);
    rr_store_t *store = scene_end(&s);
    rr_spatial2d_t *v = view_at(store, NULL);
    /* frame, first, second, both: the 40 class-labelled points stay quiet. */
    assert_int_equal(rr_spatial2d_num_labels(v), 4);
    bool seen[4] = {false, false, false, false};
    for (size_t i = 0; i < rr_spatial2d_num_labels(v); i++) {
        rr_spatial2d_label_t l;
        assert_true(rr_spatial2d_label(v, i, 200, 200, &l)); /* 2 pixels per unit */
        if (!strcmp(l.text, "frame")) {
            seen[0] = true;
            assert_string_equal(l.entity, "/box");
            assert_true(fabsf(l.x - 100) < 1e-3f && fabsf(l.y - 200) < 1e-3f); /* bottom centre */
            assert_true(fabsf(l.wrap_width - 196) < 1e-3f);
        } else if (!strcmp(l.text, "first")) {
            seen[1] = true;
            assert_true(fabsf(l.x - 20) < 1e-3f && fabsf(l.y - 40) < 1e-3f);
            assert_int_equal(l.instance, 0);
            assert_int_equal(l.color, 0xff0000ffu);
            assert_true(l.wrap_width == 0);
        } else if (!strcmp(l.text, "second")) {
            seen[2] = true;
            assert_true(fabsf(l.x - 60) < 1e-3f && fabsf(l.y - 80) < 1e-3f);
            assert_int_equal(l.instance, 1);
        } else if (!strcmp(l.text, "both")) {
            seen[3] = true;
            assert_string_equal(l.entity, "/lines");
            assert_true(l.instance == RR_PICK_ALL_INSTANCES);
            assert_true(fabsf(l.x - 20) < 1e-3f && fabsf(l.y - 20) < 1e-3f); /* the middle of both strips */
        } else {
            fail_msg("unexpected label %s", l.text);
        }
    }
    assert_true(seen[0] && seen[1] && seen[2] && seen[3]);
    /* Panned: the labels follow. */
    rr_spatial2d_pan(v, 200, 200, 10, 0);
    for (size_t i = 0; i < rr_spatial2d_num_labels(v); i++) {
        rr_spatial2d_label_t l;
        assert_true(rr_spatial2d_label(v, i, 200, 200, &l));
        if (!strcmp(l.text, "first")) assert_true(fabsf(l.x - 30) < 1e-3f);
    }
    rr_spatial2d_free(v);
    scene_free(&s);

    /* ShowLabels on the 40: each takes its class's label. */
    scene_begin(&s);
    assert_rr_ok(rr_annotation_context_new(&a, cls, 1, RR_COPY, &err), &err);
    log_static(&s, "many", a);
    assert_rr_ok(rr_points2d_new(&a, many, 40, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_class_ids(a, ids, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_show_labels(a, true, RR_COPY, &err), &err);
    log_static(&s, "many/pts", a);
    v = view_at(scene_end(&s), NULL);
    assert_int_equal(rr_spatial2d_num_labels(v), 40);
    rr_spatial2d_label_t l;
    assert_true(rr_spatial2d_label(v, 39, 100, 100, &l));
    assert_string_equal(l.text, "cls");
    assert_int_equal(l.instance, 39);
    assert_false(rr_spatial2d_label(v, 40, 100, 100, &l));
    rr_spatial2d_free(v);
    scene_free(&s);
}

/* The decoders on random formats and buffers (ASan watches the reads):
 * whatever the format says, a buffer shorter than it is refused and one
 * long enough converts. */
static void test_decoders_random(void **state) {
    (void)state;
    static const int pfs[] = {0, 0, 0, 20, 26, 27, 30, 39, 40, 41, 44, 49, 50, 99};
    static const int cms[] = {0, 1, 2, 3, 4, 5, 6};
    static const int dts[] = {0, 6, 7, 8, 9, 10, 11, 12, 13, 33, 34, 35, 3};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int iter = 0; iter < 3000; iter++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        rr_image_spec_t spec = {(uint32_t)(x % 7), (uint32_t)((x >> 8) % 6), pfs[(x >> 16) % 14], cms[(x >> 24) % 7],
                                dts[(x >> 32) % 13]};
        size_t need = rr_image_spec_bytes(&spec);
        size_t len = (x >> 40) % 3 == 0 ? need : (size_t)((x >> 44) % 400);
        uint8_t *buf = malloc(len ? len : 1);
        assert_non_null(buf);
        for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(x >> (i % 56));
        uint8_t *out = NULL;
        rr_error_t err = {0};
        rr_status_t st = rr_image_to_rgba(&spec, buf, len, &out, &err);
        if (need && len >= need && spec.width && spec.height && st != RR_OK)
            fail_msg("%ux%u pf %d cm %d dt %d, %zu of %zu bytes: %s", spec.width, spec.height, spec.pixel_format,
                     spec.color_model, spec.channel_datatype, len, need, err.msg);
        if (len < need || !need) assert_int_not_equal(st, RR_OK);
        free(out), out = NULL;
        double range[2] = {0, 100};
        st = rr_depth_to_rgba(&spec, buf, len, (int)(x % 13), (x & 1) ? range : NULL, NULL, &out, &err);
        if (len < need) assert_int_not_equal(st, RR_OK);
        free(out), out = NULL;
        st = rr_segmentation_to_rgba(&spec, buf, len, color_of_class, NULL, &out, &err);
        if (len < need) assert_int_not_equal(st, RR_OK);
        free(out), out = NULL;
        int w, h;
        st = rr_image_decode_encoded(buf, len, NULL, &w, &h, &out, &err);
        assert_int_not_equal(st, RR_OK);
        assert_null(out);
        double val;
        rr_image_value_at(&spec, buf, len, (uint32_t)(x >> 50) % 8, (uint32_t)(x >> 54) % 8, (int)(x >> 60) % 5, &val);
        free(buf);
    }
    /* Every colormap stays in range at its ends and beyond. */
    for (int cm = 0; cm <= 12; cm++)
        for (int k = -2; k <= 12; k++) {
            uint32_t c = rr_colormap_rgba(cm, (float)k / 10.0f);
            assert_int_equal(c & 0xff, cm == 11 && k <= 0 ? 0 : 255);
        }
    assert_int_equal(rr_colormap_rgba(1, NAN), rr_colormap_rgba(1, 0));
}

/* Integer images large enough for the decoders' 65536-entry tables come
 * out as the same values converted one by one in a small image. */
static void test_decoders_table_path(void **state) {
    (void)state;
    enum { N = 20001 };
    static uint16_t big[N * 3];
    static const int dts[2] = {RR_CHANNEL_DATATYPE_U16, RR_CHANNEL_DATATYPE_I16};
    for (int d = 0; d < 2; d++)
        for (int cm = 1; cm <= 2; cm++) {
            int ch = cm == 1 ? 1 : 3;
            for (int i = 0; i < N * ch; i++) {
                int v = 1000 + (i * 37) % 3001 - (d ? 2500 : 0);
                big[i] = (uint16_t)(int16_t)v;
            }
            big[0] = (uint16_t)(int16_t)(1000 - (d ? 2500 : 0));
            big[1] = (uint16_t)(int16_t)(4000 - (d ? 2500 : 0));
            /* The small image: the same min and max, then pixel 123's values. */
            uint16_t small[3 * 3];
            for (int k = 0; k < 3 * ch; k++) small[k] = big[k < 2 * ch ? k : 123 * ch + (k - 2 * ch)];
            if (ch == 3) small[0] = big[0], small[1] = big[1], small[2] = big[0], small[3] = big[1], small[4] = big[0],
                         small[5] = big[1];
            rr_image_spec_t sb = {N, 1, 0, cm, dts[d]}, ss = {3, 1, 0, cm, dts[d]};
            uint8_t *ob = NULL, *os = NULL;
            rr_error_t err = {0};
            assert_rr_ok(rr_image_to_rgba(&sb, (const uint8_t *)big, sizeof big, &ob, &err), &err);
            assert_rr_ok(rr_image_to_rgba(&ss, (const uint8_t *)small, sizeof small, &os, &err), &err);
            assert_memory_equal(ob + 123 * 4, os + 2 * 4, 4);
            free(ob), free(os);
            if (ch == 1) {
                rr_image_spec_t db = {N, 1, 0, 1, dts[d]}, ds = {3, 1, 0, 1, dts[d]};
                assert_rr_ok(rr_depth_to_rgba(&db, (const uint8_t *)big, sizeof big, 5, NULL, NULL, &ob, &err), &err);
                assert_rr_ok(rr_depth_to_rgba(&ds, (const uint8_t *)small, sizeof small, 5, NULL, NULL, &os, &err), &err);
                assert_memory_equal(ob + 123 * 4, os + 2 * 4, 4);
                free(ob), free(os);
            }
        }
}

/* Keypoints (a pose): the class's keypoint annotations colour and label
 * the points, its connections join them in the class's colour. */
static void test_keypoints(void **state) {
    (void)state;
    rr_error_t err = {0};
    scene_t s;
    scene_begin(&s);
    static uint8_t black[40 * 20];
    log_static(&s, "img", image(black, sizeof black, 40, 20, RR_COLOR_MODEL_L, RR_CHANNEL_DATATYPE_U8, 0));
    const rr_annotation_info_t kps[2] = {{.id = 0, .label = "head", .has_color = true, .color = 0xff0000ffu},
                                         {.id = 1, .label = "hand"}};
    const rr_keypoint_pair_t pairs[1] = {{0, 1}};
    rr_class_description_map_elem_t cls[1] = {{.class_id = 1,
                                               .class_description = {.info = {.id = 1, .label = "person",
                                                                              .has_color = true, .color = 0x0000ffffu},
                                                                     .keypoint_annotations = {kps, 2},
                                                                     .keypoint_connections = {pairs, 1}}}};
    rr_archetype_t *a = NULL;
    assert_rr_ok(rr_annotation_context_new(&a, cls, 1, RR_COPY, &err), &err);
    log_static(&s, "img", a);
    const rr_position2d_t pos[3] = {{10.5f, 10.5f}, {30.5f, 10.5f}, {20.5f, 3.5f}};
    const rr_class_id_t ids[1] = {1};
    const rr_keypoint_id_t kp_ids[3] = {0, 1, 7};
    const rr_radius_t r[1] = {-2.0f};
    assert_rr_ok(rr_points2d_new(&a, pos, 3, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_class_ids(a, ids, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_keypoint_ids(a, kp_ids, 3, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_radii(a, r, 1, RR_COPY, &err), &err);
    log_static(&s, "img/pose", a);
    rr_spatial2d_t *v = view_at(scene_end(&s), NULL);
    assert_null(rr_spatial2d_warning(v));
    frame_t f = draw(v, 40, 20);
    save_frame(&f, "2d_keypoints");
    expect_rgb(&f, 10, 10, 255, 0, 0, 1);  /* the head: its keypoint's colour */
    expect_rgb(&f, 30, 10, 0, 0, 255, 1);  /* the hand: no colour of its own, the class's */
    expect_rgb(&f, 20, 3, 0, 0, 255, 1);   /* keypoint 7 is not described: the class's */
    expect_rgb(&f, 20, 10, 0, 0, 255, 1);  /* the connection between them */
    expect_rgb(&f, 20, 15, 0, 0, 0, 1);
    free(f.px);
    /* Labels: the keypoints', else the class's. */
    assert_int_equal(rr_spatial2d_num_labels(v), 3);
    const char *want[3] = {"head", "hand", "person"};
    for (size_t i = 0; i < 3; i++) {
        rr_spatial2d_label_t l;
        assert_true(rr_spatial2d_label(v, i, 40, 20, &l));
        assert_string_equal(l.text, want[l.instance]);
    }
    rr_spatial2d_free(v);
    scene_free(&s);
}

/* A 16-bit grayscale PNG of w x 1 values, written here (zlib) since the
 * project's writer makes RGBA8 only. *len gets its size; caller frees. */
static uint8_t *gray16_png(const uint16_t *vals, uint32_t w, size_t *len) {
    uint8_t raw[1 + 2 * 64];
    assert_true(w <= 64);
    raw[0] = 0; /* filter: none */
    for (uint32_t i = 0; i < w; i++) raw[1 + 2 * i] = (uint8_t)(vals[i] >> 8), raw[2 + 2 * i] = (uint8_t)vals[i];
    uLongf zlen = compressBound(1 + 2 * w);
    uint8_t *z = malloc(zlen);
    assert_non_null(z);
    assert_int_equal(compress(z, &zlen, raw, 1 + 2 * w), Z_OK);
    uint8_t *png = malloc(8 + 25 + 12 + zlen + 12);
    assert_non_null(png);
    size_t n = 0;
    memcpy(png, "\x89PNG\r\n\x1a\n", 8), n = 8;
    const uint8_t ihdr[13] = {0, 0, 0, (uint8_t)w, 0, 0, 0, 1, 16, 0, 0, 0, 0};
    const struct { const char *type; const uint8_t *data; size_t len; } chunks[3] = {
        {"IHDR", ihdr, 13}, {"IDAT", z, zlen}, {"IEND", NULL, 0}};
    for (int c = 0; c < 3; c++) {
        uint8_t *p = png + n;
        size_t l = chunks[c].len;
        p[0] = (uint8_t)(l >> 24), p[1] = (uint8_t)(l >> 16), p[2] = (uint8_t)(l >> 8), p[3] = (uint8_t)l;
        memcpy(p + 4, chunks[c].type, 4);
        if (l) memcpy(p + 8, chunks[c].data, l);
        uLong crc = crc32(0, p + 4, (uInt)(4 + l));
        p[8 + l] = (uint8_t)(crc >> 24), p[9 + l] = (uint8_t)(crc >> 16), p[10 + l] = (uint8_t)(crc >> 8);
        p[11 + l] = (uint8_t)crc;
        n += 12 + l;
    }
    free(z);
    *len = n;
    return png;
}

/* An RVL stream (re_rvl's format, written here from its description): the
 * header (an i32, quantisation a and b), width and height, then for each
 * run of zeros and of non-zeros their lengths and the non-zeros' zigzag
 * deltas, as variable-length values of 3 bits a nibble (low bits first,
 * bit 3 for "more"), nibbles packed high first into little-endian u32s. */
typedef struct rvl_out {
    uint8_t *buf;
    size_t len;
    uint32_t word;
    int nibs;
} rvl_out_t;

static void rvl_u32(rvl_out_t *o, uint32_t v) {
    for (int i = 0; i < 4; i++) o->buf[o->len++] = (uint8_t)(v >> (8 * i));
}

static void rvl_nib(rvl_out_t *o, uint32_t nib) {
    o->word = o->word << 4 | nib;
    if (++o->nibs == 8) {
        rvl_u32(o, o->word);
        o->word = 0;
        o->nibs = 0;
    }
}

static void rvl_vle(rvl_out_t *o, uint32_t v) {
    do {
        uint32_t nib = v & 7u;
        v >>= 3;
        rvl_nib(o, nib | (v ? 8u : 0u));
    } while (v);
}

static uint8_t *rvl_encode(const uint16_t *vals, uint32_t w, uint32_t h, float qa, float qb, size_t *len) {
    size_t n = (size_t)w * h;
    rvl_out_t o = {malloc(20 + n * 8 + 8), 0, 0, 0};
    assert_non_null(o.buf);
    uint32_t u;
    rvl_u32(&o, 0);
    memcpy(&u, &qa, 4);
    rvl_u32(&o, u);
    memcpy(&u, &qb, 4);
    rvl_u32(&o, u);
    rvl_u32(&o, w);
    rvl_u32(&o, h);
    int32_t prev = 0;
    for (size_t i = 0; i < n;) {
        uint32_t zeros = 0, nonzeros = 0;
        while (i + zeros < n && vals[i + zeros] == 0) zeros++;
        while (i + zeros + nonzeros < n && vals[i + zeros + nonzeros] != 0) nonzeros++;
        rvl_vle(&o, zeros);
        rvl_vle(&o, nonzeros);
        i += zeros;
        for (uint32_t k = 0; k < nonzeros; k++, i++) {
            int32_t d = (int32_t)vals[i] - prev;
            rvl_vle(&o, (uint32_t)(d * 2) ^ (uint32_t)(d >> 31));
            prev = vals[i];
        }
    }
    if (o.nibs) rvl_u32(&o, o.word << (4 * (8 - o.nibs)));
    *len = o.len;
    return o.buf;
}

/* RVL decoding: values back exactly (runs of zeros, steps both ways, the
 * extremes), quantised depth as a / (d - b) with NaN for 0, and every kind
 * of damage refused with the reason and where. */
static void test_rvl_decode(void **state) {
    (void)state;
    rr_error_t err = {0};
    enum { W = 37, H = 11 };
    uint16_t vals[W * H];
    uint64_t seed = 7;
    for (int i = 0; i < W * H; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        int kind = (int)(seed >> 60);
        vals[i] = kind < 5 ? 0 : kind < 7 ? 65535 : (uint16_t)(seed >> 40);
    }
    size_t len;
    uint8_t *rvl = rvl_encode(vals, W, H, 0, 0, &len);
    rr_image_spec_t spec;
    uint8_t *out = NULL;
    size_t n = 0;
    assert_rr_ok(rr_image_decode_depth(rvl, len, "application/rvl", &spec, &out, &n, &err), &err);
    assert_int_equal(spec.width, W);
    assert_int_equal(spec.height, H);
    assert_int_equal(spec.channel_datatype, RR_CHANNEL_DATATYPE_F32);
    assert_int_equal(n, W * H * sizeof(float));
    for (int i = 0; i < W * H; i++) assert_true(((const float *)out)[i] == (float)vals[i]);
    free(out);
    /* Every cut of the stream is refused (all pixels are needed). */
    for (size_t cut = 0; cut < len; cut++) {
        rr_status_t st = rr_image_decode_depth(rvl, cut, "application/rvl", &spec, &out, &n, &err);
        if (st == RR_OK) {
            /* A cut inside the last word's unused nibbles can still hold every pixel. */
            assert_true(cut + 4 > len);
            free(out);
            continue;
        }
        assert_int_equal(st, RR_ERR_INVALID_DATA);
        assert_non_null(strstr(err.msg, "RVL"));
    }
    free(rvl);
    /* Quantised: a / (d - b), NaN where d is 0. */
    const uint16_t q[3] = {5, 0, 10};
    rvl = rvl_encode(q, 3, 1, 10.0f, 1.0f, &len);
    assert_rr_ok(rr_image_decode_depth(rvl, len, "application/rvl", &spec, &out, &n, &err), &err);
    const float *f = (const float *)out;
    assert_float_equal(f[0], 2.5, 1e-6);
    assert_true(isnan(f[1]));
    assert_float_equal(f[2], 10.0 / 9.0, 1e-6);
    free(out);
    /* Damage: a zero size, a run past the last pixel, an empty run. */
    rvl[12] = 0;
    assert_int_equal(rr_image_decode_depth(rvl, len, "application/rvl", &spec, &out, &n, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "0x1"));
    free(rvl);
    const uint16_t z[4] = {0, 0, 0, 0};
    rvl = rvl_encode(z, 4, 1, 0, 0, &len);
    rvl[12] = 2; /* 2 x 1 pixels, 4 zeros in the stream */
    assert_int_equal(rr_image_decode_depth(rvl, len, "application/rvl", &spec, &out, &n, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "past the last pixel"));
    free(rvl);
    uint8_t empty[24] = {0};
    empty[12] = 1, empty[16] = 1; /* 1 x 1 pixels; then the word 0: zeros 0, values 0 */
    assert_int_equal(rr_image_decode_depth(empty, 24, "application/rvl", &spec, &out, &n, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "empty run"));
    assert_int_equal(rr_image_decode_depth(empty, 10, "application/rvl", &spec, &out, &n, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "no header"));
}

/* EncodedDepthImage: a 16-bit PNG and the same values as RVL decoded to
 * their values, coloured as a DepthImage alike; a damaged RVL stream and
 * an unknown codec are refused with a warning. */
static void test_encoded_depth(void **state) {
    (void)state;
    rr_error_t err = {0};
    const uint16_t vals[3] = {0, 500, 1000};
    size_t len = 0, rvl_len = 0;
    uint8_t *png = gray16_png(vals, 3, &len);
    uint8_t *rvl = rvl_encode(vals, 3, 1, 0, 0, &rvl_len);
    for (int which = 0; which < 2; which++) {
        scene_t s;
        scene_begin(&s);
        rr_archetype_t *a = NULL;
        assert_rr_ok(rr_encoded_depth_image_new(&a, which ? rvl : png, which ? rvl_len : len, RR_COPY, &err), &err);
        assert_rr_ok(rr_encoded_depth_image_set_media_type(a, which ? "application/rvl" : "image/png", RR_COPY, &err), &err);
        log_static(&s, "depth", a);
        assert_rr_ok(rr_encoded_depth_image_new(&a, png, len, RR_COPY, &err), &err);
        assert_rr_ok(rr_encoded_depth_image_set_media_type(a, which ? "application/rvl" : "image/x-other", RR_COPY, &err), &err);
        log_static(&s, "bad", a);
        rr_spatial2d_t *v = view_at(scene_end(&s), NULL);
        assert_non_null(rr_spatial2d_warning(v));
        assert_non_null(strstr(rr_spatial2d_warning(v), which ? "RVL" : "image/x-other"));
        assert_int_equal(rr_spatial2d_num_drawables(v), 1);
        frame_t f = draw(v, 30, 10);
        expect_rgb(&f, CENTRE(0), 5, 34, 23, 27, 2);
        expect_rgba32(&f, CENTRE(1), 5, rr_colormap_rgba(5, 0.5f), 2);
        expect_rgb(&f, CENTRE(2), 5, 144, 12, 0, 2);
        free(f.px), rr_spatial2d_free(v), scene_free(&s);
    }
    free(png);
    free(rvl);
}

/* Depth images in the 3D view (Rerun's depth cloud): under a pinhole, a
 * point per pixel with depth, at ((x - cx) z / fx, (y - cy) z / fy, z) in
 * the pinhole's camera space with z = value / meter, placed by the
 * pinhole's transform; RVL the same; without a pinhole a warning. */
static void test_depth_cloud_3d(void **state) {
    (void)state;
    rr_error_t err = {0};
    /* 2 x 2 pixels: 1 m, none, 2 m, 3 m (millimetres: meter 1000). */
    const uint16_t depth[4] = {1000, 0, 2000, 3000};
    rr_image_format_t fmt = {.width = 2, .height = 2, .channel_datatype = RR_CHANNEL_DATATYPE_U16};
    const rr_pinhole_projection_t k = {2, 0, 0, 0, 2, 0, 1, 1, 1}; /* fx = fy = 2, centre (1, 1) */
    const rr_resolution_t res = {2, 2};
    size_t rvl_len = 0;
    uint8_t *rvl = rvl_encode(depth, 2, 2, 0, 0, &rvl_len);
    for (int which = 0; which < 3; which++) {
        scene_t s;
        scene_begin(&s);
        rr_archetype_t *a = NULL;
        if (which < 2) {
            assert_rr_ok(rr_pinhole_new(&a, k, RR_COPY, &err), &err);
            assert_rr_ok(rr_pinhole_set_resolution(a, res, RR_COPY, &err), &err);
            log_static(&s, "world/cam", a);
            const rr_translation3d_t up = {0, 0, 10};
            assert_rr_ok(rr_transform3d_new(&a, &err), &err);
            assert_rr_ok(rr_transform3d_set_translation(a, up, RR_COPY, &err), &err);
            log_static(&s, "world/cam", a);
        }
        if (which == 1) {
            assert_rr_ok(rr_encoded_depth_image_new(&a, rvl, rvl_len, RR_COPY, &err), &err);
            assert_rr_ok(rr_encoded_depth_image_set_media_type(a, "application/rvl", RR_COPY, &err), &err);
            /* RVL decodes to float values: their meter has to be given. */
            assert_rr_ok(rr_encoded_depth_image_set_meter(a, 1000.0f, RR_COPY, &err), &err);
        } else {
            assert_rr_ok(rr_depth_image_new(&a, (const uint8_t *)depth, sizeof depth, &fmt, RR_COPY, &err), &err);
        }
        log_static(&s, "world/cam/depth", a);
        rr_store_t *store = scene_end(&s);
        rr_spatial3d_t *v = NULL;
        assert_rr_ok(rr_spatial3d_new(g_r, store, &v, &err), &err);
        assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
        if (which == 2) {
            assert_non_null(rr_spatial3d_warning(v));
            assert_non_null(strstr(rr_spatial3d_warning(v), "not under a pinhole camera"));
            assert_int_equal(rr_spatial3d_num_drawables(v), 0);
        } else {
            if (rr_spatial3d_warning(v)) fail_msg("warning: %s", rr_spatial3d_warning(v));
            assert_int_equal(rr_spatial3d_num_drawables(v), 2); /* the frustum and the cloud */
            /* Points (-0.5, -0.5, 1), (-1, 0, 2), (0, 0, 3), 10 up; with the
             * camera's centre. */
            rr_aabb_t b = rr_spatial3d_bounds(v);
            assert_float_equal(b.min.x, -1, 1e-5);
            assert_float_equal(b.min.y, -0.5, 1e-5);
            assert_float_equal(b.min.z, 10, 1e-5);
            assert_float_equal(b.max.x, 0, 1e-5);
            assert_float_equal(b.max.y, 0, 1e-5);
            assert_float_equal(b.max.z, 13, 1e-5);
        }
        rr_spatial3d_free(v);
        scene_free(&s);
    }
    free(rvl);
}

/* Arrows2D: from each origin along its vector, a head at the tip; the
 * label 45 % along; picked along the shaft. Ellipses2D: outlines, labelled
 * at the centre. */
static void test_arrows(void **state) {
    (void)state;
    rr_error_t err = {0};
    scene_t s;
    scene_begin(&s);
    static uint8_t black[100 * 50];
    log_static(&s, "img", image(black, sizeof black, 100, 50, RR_COLOR_MODEL_L, RR_CHANNEL_DATATYPE_U8, 0));
    const rr_vector2d_t vecs[2] = {{60, 0}, {0, 30}};
    const rr_position2d_t orgs[2] = {{10, 10}, {90, 10}};
    const rr_color_t cols[2] = {0xff0000ffu, 0x00ff00ffu};
    const rr_radius_t r[1] = {-2.0f};
    const rr_text_t labels[2] = {"east", "south"};
    rr_archetype_t *a = NULL;
    assert_rr_ok(rr_arrows2d_new(&a, vecs, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_arrows2d_set_origins(a, orgs, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_arrows2d_set_colors(a, cols, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_arrows2d_set_radii(a, r, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_arrows2d_set_labels(a, labels, 2, RR_COPY, &err), &err);
    log_static(&s, "img/arrows", a);
    /* An ellipse around (50, 25), 20 by 10. */
    const rr_half_size2d_t eh[1] = {{20, 10}};
    const rr_position2d_t ec[1] = {{50, 30}};
    const rr_color_t ecol[1] = {0x0000ffffu};
    const rr_text_t elab[1] = {"oval"};
    assert_rr_ok(rr_ellipses2d_new(&a, eh, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_ellipses2d_set_centers(a, ec, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_ellipses2d_set_colors(a, ecol, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_ellipses2d_set_labels(a, elab, 1, RR_COPY, &err), &err);
    log_static(&s, "img/ellipse", a);
    rr_spatial2d_t *v = view_at(scene_end(&s), NULL);
    assert_null(rr_spatial2d_warning(v));
    frame_t f = draw(v, 200, 100); /* 2 pixels per unit */
    save_frame(&f, "2d_arrows");
    expect_rgb(&f, 60, 20, 255, 0, 0, 1);  /* along the red shaft */
    expect_rgb(&f, 180, 40, 0, 255, 0, 1); /* along the green one */
    expect_rgb(&f, 60, 40, 0, 0, 0, 1);
    expect_rgb(&f, 2 * 70, 2 * 30, 0, 0, 255, 1); /* the ellipse's right end */
    expect_rgb(&f, 2 * 50, 2 * 40, 0, 0, 255, 1); /* its bottom */
    expect_rgb(&f, 2 * 50, 2 * 30, 0, 0, 0, 1);   /* not filled */
    free(f.px);
    rr_pick_t p;
    assert_true(rr_spatial2d_pick(v, 200, 100, 100, 21, &p));
    assert_string_equal(p.archetype, "Arrows2D");
    assert_int_equal(p.instance, 0);
    assert_true(rr_spatial2d_pick(v, 200, 100, 181, 60, &p));
    assert_int_equal(p.instance, 1);
    assert_true(rr_spatial2d_pick(v, 200, 100, 2 * 30, 2 * 30, &p)); /* the ellipse's left end */
    assert_string_equal(p.archetype, "Ellipses2D");
    assert_int_equal(rr_spatial2d_num_labels(v), 3);
    for (size_t i = 0; i < 3; i++) {
        rr_spatial2d_label_t l;
        assert_true(rr_spatial2d_label(v, i, 200, 100, &l));
        if (!strcmp(l.text, "oval")) assert_true(fabsf(l.x - 100) < 1e-3f && fabsf(l.y - 60) < 1e-3f);
        else if (l.instance == 0) assert_true(fabsf(l.x - 2 * (10 + 27)) < 1e-3f && fabsf(l.y - 20) < 1e-3f);
        else assert_true(fabsf(l.x - 180) < 1e-3f && fabsf(l.y - 2 * (10 + 13.5f)) < 1e-3f);
    }
    rr_spatial2d_free(v);
    scene_free(&s);
}

/* Transform3D places entities in the view's space: a parent translated by
 * (10, 20) and scaled 2x, a child image and points under it; the origin's
 * own transform does not count. */
static void test_transforms(void **state) {
    (void)state;
    rr_error_t err = {0};
    scene_t s;
    scene_begin(&s);
    rr_archetype_t *a = NULL;
    const rr_translation3d_t far = {1000, 1000, 0};
    assert_rr_ok(rr_transform3d_new(&a, &err), &err);
    assert_rr_ok(rr_transform3d_set_translation(a, far, RR_COPY, &err), &err);
    log_static(&s, "space", a);
    const rr_translation3d_t tr = {10, 20, 0};
    const rr_scale3d_t sc = {2, 2, 1};
    assert_rr_ok(rr_transform3d_new(&a, &err), &err);
    assert_rr_ok(rr_transform3d_set_translation(a, tr, RR_COPY, &err), &err);
    assert_rr_ok(rr_transform3d_set_scale(a, sc, RR_COPY, &err), &err);
    log_static(&s, "space/scene", a);
    const uint8_t rgb[2 * 3] = {255, 0, 0, 0, 0, 255};
    log_static(&s, "space/scene/img", image(rgb, sizeof rgb, 2, 1, RR_COLOR_MODEL_RGB, RR_CHANNEL_DATATYPE_U8, 0));
    const rr_position2d_t pos[1] = {{0, 0}};
    const rr_color_t col[1] = {0x00ff00ffu};
    assert_rr_ok(rr_points2d_new(&a, pos, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_colors(a, col, 1, RR_COPY, &err), &err);
    log_static(&s, "space/scene/pt", a);
    /* A plain box at the origin's own coordinates, to pin the bounds' corner. */
    const rr_half_size2d_t half[1] = {{0.5f, 0.5f}};
    const rr_position2d_t ctr[1] = {{0.5f, 0.5f}};
    assert_rr_ok(rr_boxes2d_new(&a, half, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_boxes2d_set_centers(a, ctr, 1, RR_COPY, &err), &err);
    log_static(&s, "space/corner", a);
    rr_spatial2d_t *v = view_at(scene_end(&s), "space");
    assert_null(rr_spatial2d_warning(v));
    float b[4];
    assert_true(rr_spatial2d_bounds(v, b));
    /* The image covers (10, 20) - (14, 22); the box (0, 0) - (1, 1). */
    assert_true(b[0] == 0 && b[1] == 0 && b[2] == 14 && b[3] == 22);
    /* Zoom so that one unit is 10 pixels, the corner at the top left. */
    frame_t f = draw(v, 140, 220);
    expect_rgb(&f, 105, 205, 255, 0, 0, 1);  /* image pixel 0 spans x 10..12 */
    expect_rgb(&f, 135, 215, 0, 0, 255, 1);  /* image pixel 1 spans x 12..14 */
    expect_rgb(&f, 100, 200, 0, 255, 0, 1);  /* the point at the image's corner */
    expect_rgb(&f, 60, 100, 0, 0, 0, 1);
    free(f.px);
    rr_pick_t p;
    assert_true(rr_spatial2d_pick(v, 140, 220, 131, 211, &p));
    assert_string_equal(p.entity, "/space/scene/img");
    assert_int_equal((int)floorf(p.world[0]), 1); /* image pixels, not the view's units */
    assert_int_equal((int)floorf(p.world[1]), 0);
    assert_true(rr_spatial2d_pick(v, 140, 220, 101, 201, &p));
    assert_string_equal(p.archetype, "Points2D");
    rr_spatial2d_free(v);
    scene_free(&s);
}

/* ---------------- reference images ---------------- */

static void compare_ref(const frame_t *f, const char *name) {
    rr_error_t err = {0};
    char path[4096];
    const char *bd = getenv("RR_BUILD_DIR");
    snprintf(path, sizeof path, "%s/%s.png", bd ? bd : ".", name);
    assert_rr_ok(rr_png_write_rgba(path, f->w, f->h, f->px, &err), &err);
    const char *sd = getenv("RR_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tests/viewer_ref/%s.png", sd ? sd : "..", name);
    const char *update = getenv("RR_UPDATE_REFS");
    if (update && !strcmp(update, "1")) {
        assert_rr_ok(rr_png_write_rgba(path, f->w, f->h, f->px, &err), &err);
        printf("wrote %s\n", path);
        return;
    }
    int rw = 0, rh = 0;
    uint8_t *ref = NULL;
    assert_rr_ok(rr_png_read_rgba(path, &rw, &rh, &ref, &err), &err);
    assert_int_equal(rw, f->w);
    assert_int_equal(rh, f->h);
    rr_image_diff_t diff;
    rr_image_compare(f->px, ref, f->w, f->h, 24, &diff);
    printf("%s vs reference: %.4f%% of pixels differ by > 24, max %d\n", name, diff.frac_over * 100,
           diff.max_channel_diff);
    assert_true(diff.frac_over < 0.005);
    free(ref);
}

static void test_reference_images(void **state) {
    (void)state;
    rr_error_t err = {0};
    /* examples/image.c's first frame, with points over the square's corners. */
    scene_t s;
    scene_begin(&s);
    static uint8_t rgb[300 * 200 * 3];
    for (int y = 0; y < 200; y++)
        for (int x = 0; x < 300; x++) {
            uint8_t *p = rgb + 3 * (y * 300 + x);
            int inside = x >= 50 && x < 150 && y >= 50 && y < 150;
            p[0] = inside ? 0 : 255, p[1] = inside ? 255 : 0, p[2] = 0;
        }
    log_static(&s, "image", image(rgb, sizeof rgb, 300, 200, RR_COLOR_MODEL_RGB, RR_CHANNEL_DATATYPE_U8, 0));
    const rr_position2d_t corners[4] = {{50, 50}, {150, 50}, {150, 150}, {50, 150}};
    rr_archetype_t *a = NULL;
    const rr_radius_t r[1] = {-4.0f};
    assert_rr_ok(rr_points2d_new(&a, corners, 4, RR_COPY, &err), &err);
    assert_rr_ok(rr_points2d_set_radii(a, r, 1, RR_COPY, &err), &err);
    log_static(&s, "image/corners", a);
    rr_spatial2d_t *v = view_at(scene_end(&s), NULL);
    frame_t f = draw(v, 320, 240);
    compare_ref(&f, "2d_image");
    free(f.px), rr_spatial2d_free(v), scene_free(&s);

    /* examples/depth_image_pinhole.c: the depth image through Viridis, in the pinhole's space. */
    scene_begin(&s);
    static uint16_t depth[300 * 200];
    for (int i = 0; i < 300 * 200; i++) depth[i] = 65535;
    for (int y = 50; y < 150; y++)
        for (int x = 50; x < 150; x++) depth[y * 300 + x] = 20000;
    for (int y = 130; y < 180; y++)
        for (int x = 100; x < 280; x++) depth[y * 300 + x] = 45000;
    const rr_pinhole_projection_t k = {200, 0, 0, 0, 200, 0, 150, 100, 1};
    const rr_resolution_t res = {300, 200};
    assert_rr_ok(rr_pinhole_new(&a, k, RR_COPY, &err), &err);
    assert_rr_ok(rr_pinhole_set_resolution(a, res, RR_COPY, &err), &err);
    log_static(&s, "world/camera", a);
    rr_image_format_t fmt = {.width = 300, .height = 200, .channel_datatype = RR_CHANNEL_DATATYPE_U16};
    assert_rr_ok(rr_depth_image_new(&a, (const uint8_t *)depth, sizeof depth, &fmt, RR_COPY, &err), &err);
    assert_rr_ok(rr_depth_image_set_meter(a, 10000.0f, RR_COPY, &err), &err);
    assert_rr_ok(rr_depth_image_set_colormap(a, RR_COLORMAP_VIRIDIS, RR_COPY, &err), &err);
    log_static(&s, "world/camera/depth", a);
    v = view_at(scene_end(&s), "world/camera");
    assert_null(rr_spatial2d_warning(v));
    f = draw(v, 320, 240);
    /* Viridis at 1 (the far background) is yellow, at 20000/65535 blue-ish. */
    expect_rgba32(&f, 10, 30, rr_colormap_rgba(6, 1.0f), 2);
    expect_rgba32(&f, 100, 120 - 20, rr_colormap_rgba(6, 20000.0f / 65535.0f), 2);
    compare_ref(&f, "2d_depth");
    free(f.px), rr_spatial2d_free(v), scene_free(&s);
}

int main(void) {
    int gl = viewer_test_gl_open(&g_ctx, &g_r);
    if (gl) return gl;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_rgb_u8),
        cmocka_unit_test(test_image_models_and_types),
        cmocka_unit_test(test_depth_turbo),
        cmocka_unit_test(test_segmentation),
        cmocka_unit_test(test_encoded_png_and_jpeg),
        cmocka_unit_test(test_points_pan_zoom_pick),
        cmocka_unit_test(test_hidden_and_highlight),
        cmocka_unit_test(test_bad_data),
        cmocka_unit_test(test_pinhole_space_and_large_image),
        cmocka_unit_test(test_time_and_cache),
        cmocka_unit_test(test_transforms),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_keypoints),
        cmocka_unit_test(test_arrows),
        cmocka_unit_test(test_rvl_decode),
        cmocka_unit_test(test_encoded_depth),
        cmocka_unit_test(test_depth_cloud_3d),
        cmocka_unit_test(test_decoders_random),
        cmocka_unit_test(test_decoders_table_path),
        cmocka_unit_test(test_opacity_and_draw_order),
        cmocka_unit_test(test_reference_images),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rr_gfx_renderer_free(g_r);
    rr_gfx_context_free(g_ctx);
    return rc;
}
