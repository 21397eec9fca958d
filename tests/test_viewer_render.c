/* The renderer and the Spatial 3D view drawn headless (EGL on llvmpipe) and
 * read back: known geometry under a known camera must land on known pixels.
 * Exits 77 (skip) when the machine has no EGL / OpenGL ES 3. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "viewer_testgl.h"

#include "arrow/builder.h"
#include "arrow/schema.h"
#include "store/store.h"
#include "viewer/gfx/camera.h"
#include "viewer/gfx/context.h"
#include "viewer/gfx/png.h"
#include "viewer/gfx/renderer.h"
#include "viewer/views/spatial3d.h"

#define W 128
#define H 128
#define RED 0xff0000ffu
#define GREEN 0x00ff00ffu
#define BLUE 0x0000ffffu

static rr_gfx_context_t *g_ctx;
static rr_gfx_renderer_t *g_r;
static const float black[4] = {0, 0, 0, 1};

/* A camera on +Z at distance d looking at the origin, y up, 90 degrees
 * vertical field of view: at depth D one pixel is 2 * D / H units. */
static void camera_z(float d, rr_mat4_t *view, rr_mat4_t *proj) {
    *view = rr_mat4_look_at(rr_v3(0, 0, d), rr_v3(0, 0, 0), rr_v3(0, 1, 0));
    *proj = rr_mat4_perspective(1.5707963f, (float)W / H, 0.1f, 100.0f);
}

static uint8_t *render(rr_gfx_target_t *t, const rr_gfx_buffer_t *const *bufs, size_t n) {
    rr_mat4_t view, proj;
    camera_z(5, &view, &proj);
    rr_gfx_begin(g_r, t, &view, &proj, black);
    for (size_t i = 0; i < n; i++) rr_gfx_draw(g_r, bufs[i], NULL);
    rr_error_t err = {0};
    assert_rr_ok(rr_gfx_end(g_r, &err), &err);
    uint8_t *px = malloc(W * H * 4);
    assert_non_null(px);
    assert_rr_ok(rr_gfx_target_read_rgba(t, px, &err), &err);
    return px;
}

static const uint8_t *at(const uint8_t *px, int x, int y) { return px + ((size_t)y * W + (size_t)x) * 4; }
static bool is_rgb(const uint8_t *p, int r, int g, int b) {
    return abs(p[0] - r) <= 8 && abs(p[1] - g) <= 8 && abs(p[2] - b) <= 8;
}

static rr_gfx_buffer_t *points(const rr_gfx_point_t *p, size_t n) {
    rr_gfx_buffer_t *b = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_gfx_points_upload(g_r, p, n, &b, &err), &err);
    return b;
}

static void test_point_at_centre(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 1, &t, &err), &err);
    /* Radius 0.5 at depth 5: 0.5 / (2 * 5 / 128) = 6.4 pixels. */
    rr_gfx_point_t p = {{0, 0, 0}, 0.5f, RED};
    rr_gfx_buffer_t *b = points(&p, 1);
    uint8_t *px = render(t, (const rr_gfx_buffer_t *const[]){b}, 1);
    assert_true(is_rgb(at(px, W / 2, H / 2), 255, 0, 0));
    assert_true(is_rgb(at(px, 0, 0), 0, 0, 0));
    int width = 0;
    for (int x = 0; x < W; x++) width += at(px, x, H / 2)[0] > 128;
    assert_in_range(width, 11, 15); /* 12.8 pixels across */
    assert_int_equal(at(px, W / 2, H / 2)[3], 255);
    free(px);
    rr_gfx_buffer_free(g_r, b);
    rr_gfx_target_free(t);
}

static void test_ui_point_radius(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 1, &t, &err), &err);
    /* -10: ten UI points (pixels) whatever the depth; off-centre to the right. */
    rr_gfx_point_t p = {{2.5f, 0, 0}, -10.0f, GREEN};
    rr_gfx_buffer_t *b = points(&p, 1);
    uint8_t *px = render(t, (const rr_gfx_buffer_t *const[]){b}, 1);
    /* x = 2.5 at depth 5 lands at 64 + 2.5 / 5 * 64 = 96. */
    int width = 0, sum = 0;
    for (int x = 0; x < W; x++)
        if (at(px, x, H / 2)[1] > 128) width++, sum += x;
    assert_in_range(width, 19, 21);
    assert_in_range(sum / width, 95, 97);
    free(px);
    rr_gfx_buffer_free(g_r, b);
    rr_gfx_target_free(t);
}

static void test_depth_order(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 4, &t, &err), &err);
    /* Green is nearer the camera; drawn first or last, it must win. */
    rr_gfx_point_t far = {{0, 0, 0}, 1.0f, RED}, near = {{0, 0, 1.5f}, 0.5f, GREEN};
    rr_gfx_buffer_t *a = points(&far, 1), *b = points(&near, 1);
    uint8_t *px1 = render(t, (const rr_gfx_buffer_t *const[]){a, b}, 2);
    uint8_t *px2 = render(t, (const rr_gfx_buffer_t *const[]){b, a}, 2);
    assert_true(is_rgb(at(px1, W / 2, H / 2), 0, 255, 0));
    assert_true(is_rgb(at(px2, W / 2, H / 2), 0, 255, 0));
    /* Red shows around the nearer disc. */
    assert_true(is_rgb(at(px1, W / 2 + 11, H / 2), 255, 0, 0));
    free(px1);
    free(px2);
    rr_gfx_buffer_free(g_r, a);
    rr_gfx_buffer_free(g_r, b);
    rr_gfx_target_free(t);
}

/* A sphere's depth, not a flat disc's: a blue quad at z = 0.5 cuts through a
 * red point of radius 1 at the origin, hiding the point's rim but not its
 * centre (a flat disc at z = 0 would hide entirely, one at z = 1 not at all). */
static void test_points_are_spheres(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 1, &t, &err), &err);
    rr_gfx_point_t p = {{0, 0, 0}, 1.0f, RED};
    rr_gfx_vertex_t q[4] = {{{-3, -3, 0.5f}, {0, 0, 1}, BLUE}, {{3, -3, 0.5f}, {0, 0, 1}, BLUE},
                            {{3, 3, 0.5f}, {0, 0, 1}, BLUE},   {{-3, 3, 0.5f}, {0, 0, 1}, BLUE}};
    uint32_t idx[6] = {0, 1, 2, 0, 2, 3};
    rr_gfx_buffer_t *a = points(&p, 1), *m = NULL;
    assert_rr_ok(rr_gfx_mesh_upload(g_r, q, 4, idx, 6, &m, &err), &err);
    uint8_t *px = render(t, (const rr_gfx_buffer_t *const[]){m, a}, 2);
    assert_true(at(px, W / 2, H / 2)[0] > 200 && at(px, W / 2, H / 2)[2] < 50);
    /* The disc is about 12.8 px in radius; at 11 px out the sphere is behind the quad. */
    const uint8_t *rim = at(px, W / 2 + 11, H / 2);
    assert_true(rim[2] > 150 && rim[0] < 50);
    free(px);
    rr_gfx_buffer_free(g_r, a);
    rr_gfx_buffer_free(g_r, m);
    rr_gfx_target_free(t);
}

static void test_line_width(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 1, &t, &err), &err);
    for (int w = 2; w <= 8; w += 3) {
        rr_gfx_segment_t s = {{-2, 0.3f, 0}, {2, 0.3f, 0}, -(float)w / 2, RED};
        rr_gfx_buffer_t *b = NULL;
        assert_rr_ok(rr_gfx_lines_upload(g_r, &s, 1, &b, &err), &err);
        uint8_t *px = render(t, (const rr_gfx_buffer_t *const[]){b}, 1);
        int covered = 0;
        for (int y = 0; y < H; y++) covered += at(px, W / 2, y)[0] > 128;
        assert_in_range(covered, w - 1, w + 1);
        /* y = 0.3 at depth 5 is 0.3 / 5 * 64 = 3.84 pixels above the centre. */
        int top = -1;
        for (int y = 0; y < H && top < 0; y++)
            if (at(px, W / 2, y)[0] > 128) top = y;
        assert_in_range(top + covered / 2, H / 2 - 6, H / 2 - 2);
        /* Ends: 2 units at depth 5 = 25.6 px from the centre (+ half width). */
        assert_true(at(px, W / 2 + 20, top)[0] > 128);
        assert_true(at(px, W / 2 + 32, top)[0] < 16);
        free(px);
        rr_gfx_buffer_free(g_r, b);
    }
    rr_gfx_target_free(t);
}

static void test_mesh_lit(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 4, &t, &err), &err);
    /* Facing the camera (flat normals from derivatives): full brightness. */
    rr_gfx_vertex_t v[3] = {{{-1, -1, 0}, {0}, 0xc0c0c0ffu}, {{1, -1, 0}, {0}, 0xc0c0c0ffu}, {{0, 1, 0}, {0}, 0xc0c0c0ffu}};
    rr_gfx_buffer_t *b = NULL;
    assert_rr_ok(rr_gfx_mesh_upload(g_r, v, 3, NULL, 0, &b, &err), &err);
    uint8_t *px = render(t, (const rr_gfx_buffer_t *const[]){b}, 1);
    assert_true(is_rgb(at(px, W / 2, H / 2), 0xc0, 0xc0, 0xc0));
    assert_true(is_rgb(at(px, 2, 2), 0, 0, 0));
    free(px);
    rr_gfx_buffer_free(g_r, b);
    /* Indices past the vertices are refused, not drawn. */
    uint32_t bad[3] = {0, 1, 7};
    assert_int_equal(rr_gfx_mesh_upload(g_r, v, 3, bad, 3, &b, &err), RR_ERR_INVALID_ARG);
    assert_null(b);
    rr_gfx_target_free(t);
}

static void test_png_roundtrip(void **state) {
    (void)state;
    uint8_t img[7 * 5 * 4];
    for (size_t i = 0; i < sizeof img; i++) img[i] = (uint8_t)(i * 37 + 11);
    for (size_t i = 3; i < sizeof img; i += 4) img[i] = 255;
    char path[] = "/tmp/rr_test_viewer_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    rr_error_t err = {0};
    assert_rr_ok(rr_png_write_rgba(path, 7, 5, img, &err), &err);
    int w, h;
    uint8_t *back = NULL;
    assert_rr_ok(rr_png_read_rgba(path, &w, &h, &back, &err), &err);
    assert_int_equal(w, 7);
    assert_int_equal(h, 5);
    assert_memory_equal(back, img, sizeof img);
    rr_image_diff_t d;
    rr_image_compare(back, img, 7, 5, 0, &d);
    assert_int_equal(d.max_channel_diff, 0);
    free(back);
    /* Every truncation is an error, never a crash. */
    size_t len = 0;
    uint8_t *file = rr_test_read_file(path, &len);
    assert_non_null(file);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *out = NULL;
        assert_int_not_equal(rr_png_decode_rgba(file, cut, &w, &h, &out, &err), RR_OK);
        assert_null(out);
    }
    file[len / 2] ^= 0x40; /* CRC catches a flipped bit */
    uint8_t *out = NULL;
    assert_int_not_equal(rr_png_decode_rgba(file, len, &w, &h, &out, &err), RR_OK);
    free(file);
    unlink(path);
}

/* ---- the Spatial 3D view over a store ---- */

/* One-row chunks built column by column, as the SDK would log them. */
static rr_chunk_t *new_chunk(const char *path, int64_t frame) {
    rr_error_t err = {0};
    rr_entity_path_t p;
    assert_rr_ok(rr_entity_path_parse(path, strlen(path), &p, &err), &err);
    rr_chunk_t *c = NULL;
    assert_rr_ok(rr_chunk_new(rr_tuid_new(), &p, 1, NULL, &c, &err), &err);
    rr_entity_path_free(&p);
    if (frame >= 0) assert_rr_ok(rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, &frame, &err), &err);
    return c;
}

/* A cell of n instances: list<leaf> (width 0), list<fixed_size_list<leaf, width>>,
 * or with strip_len > 0 list<list<fixed_size_list<f32, 3>>> of n strips. */
static void add_cell(rr_chunk_t *c, const char *archetype, const char *component, const char *leaf,
                     int width, const double *values, int n, int strip_len) {
    rr_error_t err = {0};
    struct ArrowSchema type;
    char fsl[16];
    snprintf(fsl, sizeof fsl, "+w:%d", width);
    struct ArrowSchema *s = &type;
    assert_rr_ok(rr_arrow_schema_init(s, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    s = s->children[0];
    if (strip_len) {
        assert_rr_ok(rr_arrow_schema_init(s, "+l", "item", ARROW_FLAG_NULLABLE, 1, &err), &err);
        s = s->children[0];
    }
    if (width) {
        assert_rr_ok(rr_arrow_schema_init(s, fsl, "item", ARROW_FLAG_NULLABLE, 1, &err), &err);
        s = s->children[0];
    }
    assert_rr_ok(rr_arrow_schema_init(s, leaf, "item", ARROW_FLAG_NULLABLE, 0, &err), &err);
    rr_arrow_builder_t *b = NULL;
    assert_rr_ok(rr_arrow_builder_new(&type, &b, &err), &err);
    rr_arrow_builder_t *inst = rr_arrow_builder_child(b, 0);
    int per_inst = strip_len ? strip_len : 1;
    for (int i = 0, k = 0; i < n; i++) {
        rr_arrow_builder_t *pt = strip_len ? rr_arrow_builder_child(inst, 0) : inst;
        for (int j = 0; j < per_inst; j++) {
            rr_arrow_builder_t *leafb = width ? rr_arrow_builder_child(pt, 0) : pt;
            for (int w = 0; w < (width ? width : 1); w++, k++) {
                if (!strcmp(leaf, "f")) assert_rr_ok(rr_arrow_builder_append_double(leafb, values[k], &err), &err);
                else assert_rr_ok(rr_arrow_builder_append_uint(leafb, (uint64_t)values[k], &err), &err);
            }
            if (width) assert_rr_ok(rr_arrow_builder_finish_element(pt, &err), &err);
        }
        if (strip_len) assert_rr_ok(rr_arrow_builder_finish_element(inst, &err), &err);
    }
    assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    struct ArrowArray a;
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    rr_arrow_builder_free(b);
    char arch[64];
    snprintf(arch, sizeof arch, "rerun.archetypes.%s", archetype);
    rr_component_descriptor_t d;
    assert_rr_ok(rr_component_descriptor_init(&d, arch, component, NULL, &err), &err);
    assert_rr_ok(rr_chunk_add_component(c, &d, &type, &a, &err), &err);
    rr_component_descriptor_free(&d);
    rr_arrow_schema_release(&type);
}

static void insert(rr_store_t *s, rr_chunk_t *c) {
    rr_error_t err = {0};
    assert_rr_ok(rr_store_insert_chunk(s, c, &err), &err);
}

static void test_spatial3d_transforms_and_cache(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_store_id_t id = {RR_STORE_KIND_RECORDING, NULL, NULL};
    rr_store_config_t cfg;
    rr_store_config_default(&cfg);
    cfg.chunk_max_bytes = cfg.chunk_max_rows = cfg.chunk_max_rows_if_unsorted = 0; /* no compaction */
    rr_store_t *store = NULL;
    assert_rr_ok(rr_store_new(&id, &cfg, &store, &err), &err);

    /* world: translated by (10, 0, 0) after a 90 degree turn about z (static);
     * its child's point at (1, 0, 0) lands at (10, 1, 0). */
    rr_chunk_t *c = new_chunk("world", -1);
    double tr[3] = {10, 0, 0}, q[4] = {0, 0, sin(M_PI / 4), cos(M_PI / 4)};
    add_cell(c, "Transform3D", "Transform3D:translation", "f", 3, tr, 1, 0);
    add_cell(c, "Transform3D", "Transform3D:quaternion", "f", 4, q, 1, 0);
    insert(store, c);
    c = new_chunk("world/pts", 1);
    double pos[3] = {1, 0, 0}, col[1] = {RED}, rad[1] = {0.25};
    add_cell(c, "Points3D", "Points3D:positions", "f", 3, pos, 1, 0);
    add_cell(c, "Points3D", "Points3D:colors", "I", 0, col, 1, 0);
    add_cell(c, "Points3D", "Points3D:radii", "f", 0, rad, 1, 0);
    insert(store, c);
    /* A box and a strip elsewhere, so the scene has several kinds. */
    c = new_chunk("box", 1);
    double hs[3] = {0.5, 0.5, 0.5};
    add_cell(c, "Boxes3D", "Boxes3D:half_sizes", "f", 3, hs, 1, 0);
    insert(store, c);
    c = new_chunk("strip", 1);
    double strip[9] = {0, 0, 0, 0, 2, 0, 0, 2, 2};
    add_cell(c, "LineStrips3D", "LineStrips3D:strips", "f", 3, strip, 1, 3);
    insert(store, c);

    rr_gfx_stats_t s0;
    rr_gfx_renderer_stats(g_r, &s0);
    rr_spatial3d_t *v = NULL;
    assert_rr_ok(rr_spatial3d_new(g_r, store, &v, &err), &err);
    assert_rr_ok(rr_spatial3d_prepare(v, "frame", 1, &err), &err);
    assert_null(rr_spatial3d_warning(v));
    assert_int_equal(rr_spatial3d_num_drawables(v), 3);
    rr_aabb_t b = rr_spatial3d_bounds(v);
    assert_true(fabsf(b.max.x - 10.0f) < 1e-4f && fabsf(b.max.y - 2.0f) < 1e-4f);
    assert_true(fabsf(b.min.x + 0.5f) < 1e-4f && fabsf(b.max.z - 2.0f) < 1e-4f);

    /* Render with a camera looking down on (10, 1, 0): the red point is in the middle. */
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 4, &t, &err), &err);
    rr_camera_t cam;
    rr_camera_init(&cam);
    cam.target = rr_v3(10, 1, 0);
    cam.distance = 5;
    cam.pitch = 1.5f;
    rr_spatial3d_options_t o;
    rr_spatial3d_options_default(&o);
    o.grid = false;
    o.axes = false;
    assert_rr_ok(rr_spatial3d_draw(v, t, &cam, &o, &err), &err);
    uint8_t *px = malloc(W * H * 4);
    assert_rr_ok(rr_gfx_target_read_rgba(t, px, &err), &err);
    assert_true(is_rgb(at(px, W / 2, H / 2), 255, 0, 0));
    free(px);

    /* The next frame at the same time re-uploads nothing. */
    rr_gfx_stats_t s1, s2;
    rr_gfx_renderer_stats(g_r, &s1);
    size_t cached = rr_spatial3d_cache_size(v);
    assert_int_equal(cached, 3);
    assert_rr_ok(rr_spatial3d_prepare(v, "frame", 1, &err), &err);
    assert_rr_ok(rr_spatial3d_draw(v, t, &cam, &o, &err), &err);
    rr_gfx_renderer_stats(g_r, &s2);
    assert_int_equal(s2.bytes_uploaded, s1.bytes_uploaded);
    assert_int_equal(s2.buffers_created, s1.buffers_created);
    assert_int_equal(rr_spatial3d_cache_size(v), cached);
    /* Before frame 1 the temporal data is absent. */
    assert_rr_ok(rr_spatial3d_prepare(v, "frame", 0, &err), &err);
    assert_int_equal(rr_spatial3d_num_drawables(v), 0);

    /* New colours for the points (a later row): rebuilt from the same positions chunk. */
    c = new_chunk("world/pts", 2);
    double col2[1] = {GREEN};
    add_cell(c, "Points3D", "Points3D:colors", "I", 0, col2, 1, 0);
    insert(store, c);
    assert_rr_ok(rr_spatial3d_prepare(v, "frame", 2, &err), &err);
    rr_gfx_renderer_stats(g_r, &s2);
    assert_int_equal(s2.buffers_created, s1.buffers_created + 1);
    assert_int_equal(rr_spatial3d_cache_size(v), cached);

    /* GC drops every temporal chunk: their GPU buffers go with them. */
    rr_store_gc_options_t gc = {0};
    gc.drop_at_least_fraction = 1.0;
    assert_rr_ok(rr_store_gc(store, &gc, NULL, &err), &err);
    assert_int_equal(rr_spatial3d_cache_size(v), 0);
    rr_gfx_renderer_stats(g_r, &s2);
    assert_true(s1.buffers_live > s0.buffers_live + cached - 1); /* the box has a fill and edges */
    assert_int_equal(s2.buffers_live, s0.buffers_live);

    rr_gfx_target_free(t);
    rr_spatial3d_free(v);
    rr_store_free(store);
}

/* Camera math the UI will drive: fit frames the bounds, pan keeps the point
 * under the cursor, zoom and orbit keep the target and clamp the pitch. */
static void test_camera(void **state) {
    (void)state;
    rr_camera_t cam;
    rr_camera_init(&cam);
    rr_aabb_t box = {{-1, -1, -1}, {3, 1, 1}};
    rr_camera_fit(&cam, &box);
    rr_mat4_t view = rr_camera_view(&cam), proj = rr_camera_projection(&cam, 1.0f, 2.45f);
    rr_mat4_t vp = rr_mat4_mul(&proj, &view);
    rr_vec3_t c = rr_mat4_project(&vp, rr_v3(1, 0, 0));
    assert_true(fabsf(c.x) < 1e-4f && fabsf(c.y) < 1e-4f);
    for (int i = 0; i < 8; i++) {
        rr_vec3_t q = rr_mat4_project(&vp, rr_v3(i & 1 ? 3 : -1, i & 2 ? 1 : -1, i & 4 ? 1 : -1));
        assert_true(fabsf(q.x) <= 1 && fabsf(q.y) <= 1 && fabsf(q.z) <= 1);
    }
    /* A drag of 10 pixels right in a 100-pixel view: the old target follows to +0.2 NDC. */
    rr_vec3_t old = cam.target;
    rr_camera_pan(&cam, 10, 0, 100);
    view = rr_camera_view(&cam);
    vp = rr_mat4_mul(&proj, &view);
    rr_vec3_t moved = rr_mat4_project(&vp, old);
    assert_true(fabsf(moved.x - 0.2f) < 1e-3f && fabsf(moved.y) < 1e-3f);
    float d = cam.distance;
    rr_camera_zoom(&cam, 0.5f);
    assert_true(fabsf(cam.distance - d * 0.5f) < 1e-5f);
    rr_camera_zoom(&cam, -1.0f); /* nonsense is ignored */
    assert_true(fabsf(cam.distance - d * 0.5f) < 1e-5f);
    rr_camera_orbit(&cam, 1.0f, 10.0f);
    assert_true(cam.pitch < 1.5708f);
    assert_true(fabsf(rr_v3_len(rr_v3_sub(rr_camera_eye(&cam), cam.target)) - cam.distance) < 1e-3f);
    /* A y-up scene (ViewCoordinates): the eye's height is along y. */
    rr_camera_set_up(&cam, rr_v3(0, 2, 0));
    cam.pitch = 1.2f;
    assert_true(rr_camera_eye(&cam).y - cam.target.y > 0.9f * cam.distance);
}

int main(void) {
    int gl = viewer_test_gl_open(&g_ctx, &g_r);
    if (gl) return gl;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_point_at_centre),
        cmocka_unit_test(test_ui_point_radius),
        cmocka_unit_test(test_depth_order),
        cmocka_unit_test(test_points_are_spheres),
        cmocka_unit_test(test_line_width),
        cmocka_unit_test(test_mesh_lit),
        cmocka_unit_test(test_png_roundtrip),
        cmocka_unit_test(test_camera),
        cmocka_unit_test(test_spatial3d_transforms_and_cache),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rr_gfx_renderer_free(g_r);
    rr_gfx_context_free(g_ctx);
    return rc;
}
