/* The Spatial 3D view's archetypes, origin and visibility filters, picking
 * and highlights, drawn headless (EGL on llvmpipe) and read back: each thing
 * must land on the pixels a known camera puts it at, a pick must name what
 * is under the pixel, a highlight must change that thing's pixels only.
 * Exits 77 (skip) when the machine has no EGL / OpenGL ES 3. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "arrow/builder.h"
#include "arrow/schema.h"
#include "store/store.h"
#include "viewer/gfx/camera.h"
#include "viewer/gfx/context.h"
#include "viewer/gfx/png.h"
#include "viewer/gfx/renderer.h"
#include "viewer/views/spatial3d.h"

#define W 160
#define H 160
#define RED 0xff0000ffu
#define GREEN 0x00ff00ffu
#define BLUE 0x0000ffffu

static rr_gfx_context_t *g_ctx;
static rr_gfx_renderer_t *g_r;

/* ---------------- building recordings ---------------- */

static rr_store_t *new_store(void) {
    rr_error_t err = {0};
    rr_store_id_t id = {RR_STORE_KIND_RECORDING, NULL, NULL};
    rr_store_config_t cfg;
    rr_store_config_default(&cfg);
    cfg.chunk_max_bytes = cfg.chunk_max_rows = cfg.chunk_max_rows_if_unsorted = 0; /* no compaction */
    rr_store_t *store = NULL;
    assert_rr_ok(rr_store_new(&id, &cfg, &store, &err), &err);
    return store;
}

/* A static one-row chunk at path. */
static rr_chunk_t *chunk(const char *path) {
    rr_error_t err = {0};
    rr_entity_path_t p;
    assert_rr_ok(rr_entity_path_parse(path, strlen(path), &p, &err), &err);
    rr_chunk_t *c = NULL;
    assert_rr_ok(rr_chunk_new(rr_tuid_new(), &p, 1, NULL, &c, &err), &err);
    rr_entity_path_free(&p);
    return c;
}

/* A cell of n instances, list<leaf> (width 0) or list<fixed_size_list<leaf,
 * width>>; strip_len > 0: n strips of strip_len 3D points. */
static void cell(rr_chunk_t *c, const char *component, const char *leaf, int width, const double *values,
                 int n, int strip_len) {
    rr_error_t err = {0};
    struct ArrowSchema type;
    struct ArrowSchema *s = &type;
    assert_rr_ok(rr_arrow_schema_init(s, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    s = s->children[0];
    if (strip_len) {
        assert_rr_ok(rr_arrow_schema_init(s, "+l", "item", ARROW_FLAG_NULLABLE, 1, &err), &err);
        s = s->children[0];
    }
    if (width) {
        char fsl[16];
        snprintf(fsl, sizeof fsl, "+w:%d", width);
        assert_rr_ok(rr_arrow_schema_init(s, fsl, "item", ARROW_FLAG_NULLABLE, 1, &err), &err);
        s = s->children[0];
    }
    assert_rr_ok(rr_arrow_schema_init(s, leaf, "item", ARROW_FLAG_NULLABLE, 0, &err), &err);
    rr_arrow_builder_t *b = NULL;
    assert_rr_ok(rr_arrow_builder_new(&type, &b, &err), &err);
    rr_arrow_builder_t *inst = rr_arrow_builder_child(b, 0);
    for (int i = 0, k = 0; i < n; i++) {
        rr_arrow_builder_t *pt = strip_len ? rr_arrow_builder_child(inst, 0) : inst;
        for (int j = 0; j < (strip_len ? strip_len : 1); j++) {
            rr_arrow_builder_t *lb = width ? rr_arrow_builder_child(pt, 0) : pt;
            for (int w = 0; w < (width ? width : 1); w++, k++) {
                if (!strcmp(leaf, "f")) assert_rr_ok(rr_arrow_builder_append_double(lb, values[k], &err), &err);
                else assert_rr_ok(rr_arrow_builder_append_uint(lb, (uint64_t)values[k], &err), &err);
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
    snprintf(arch, sizeof arch, "rerun.archetypes.%.*s", (int)(strchr(component, ':') - component), component);
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

/* ---------------- looking at it ---------------- */

/* Almost straight down on the XY plane from +Z. */
static rr_camera_t top_camera(rr_vec3_t target, float distance) {
    rr_camera_t cam;
    rr_camera_init(&cam);
    cam.target = target;
    cam.distance = distance;
    cam.yaw = 0;
    cam.pitch = 1.55f;
    return cam;
}

/* Where the view's camera puts a point of its space (pixel, top-left origin). */
static void project(const rr_spatial3d_t *v, const rr_camera_t *cam, int w, int h, rr_vec3_t p, float *x,
                    float *y) {
    rr_aabb_t b = rr_spatial3d_bounds(v);
    float radius = rr_aabb_is_empty(&b) ? 0 : 0.5f * rr_v3_len(rr_v3_sub(b.max, b.min));
    rr_mat4_t view = rr_camera_view(cam), proj = rr_camera_projection(cam, (float)w / (float)h, radius);
    rr_mat4_t vp = rr_mat4_mul(&proj, &view);
    rr_vec3_t n = rr_mat4_project(&vp, p);
    *x = (n.x + 1) * 0.5f * (float)w;
    *y = (1 - n.y) * 0.5f * (float)h;
}

/* RR_TEST_PNG_DIR=dir keeps every picture drawn (to look at them). */
static void keep_picture(const uint8_t *px) {
    static int n;
    const char *dir = getenv("RR_TEST_PNG_DIR");
    if (!dir) return;
    char path[512];
    snprintf(path, sizeof path, "%s/spatial3d_%02d.png", dir, n++);
    rr_error_t err = {0};
    assert_rr_ok(rr_png_write_rgba(path, W, H, px, &err), &err);
}

static uint8_t *draw(rr_spatial3d_t *v, const rr_camera_t *cam) {
    rr_error_t err = {0};
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 1, &t, &err), &err);
    rr_spatial3d_options_t o;
    rr_spatial3d_options_default(&o);
    o.grid = o.axes = false;
    o.background[0] = o.background[1] = o.background[2] = 0;
    assert_rr_ok(rr_spatial3d_draw(v, t, cam, &o, &err), &err);
    uint8_t *px = malloc(W * H * 4);
    assert_non_null(px);
    assert_rr_ok(rr_gfx_target_read_rgba(t, px, &err), &err);
    rr_gfx_target_free(t);
    keep_picture(px);
    return px;
}

static const uint8_t *at(const uint8_t *px, int x, int y) { return px + ((size_t)y * W + (size_t)x) * 4; }
static const uint8_t *at_p(const rr_spatial3d_t *v, const rr_camera_t *cam, const uint8_t *px, rr_vec3_t p) {
    float x, y;
    project(v, cam, W, H, p, &x, &y);
    assert_in_range((int)x, 0, W - 1);
    assert_in_range((int)y, 0, H - 1);
    return at(px, (int)x, (int)y);
}
static bool near_rgb(const uint8_t *p, int r, int g, int b, int tol) {
    return abs(p[0] - r) <= tol && abs(p[1] - g) <= tol && abs(p[2] - b) <= tol;
}
static bool is_black(const uint8_t *p) { return p[0] < 8 && p[1] < 8 && p[2] < 8; }

static rr_spatial3d_t *prepared(rr_store_t *store) {
    rr_error_t err = {0};
    rr_spatial3d_t *v = NULL;
    assert_rr_ok(rr_spatial3d_new(g_r, store, &v, &err), &err);
    assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
    return v;
}

static void pick_at(rr_spatial3d_t *v, const rr_camera_t *cam, rr_vec3_t p, rr_pick_t *out);

/* ---------------- archetypes ---------------- */

static void test_arrows(void **state) {
    (void)state;
    rr_store_t *store = new_store();
    rr_chunk_t *c = chunk("arrows");
    double vec[3] = {2, 0, 0}, org[3] = {-1, 0, 0}, col[1] = {RED}, rad[1] = {0.05};
    cell(c, "Arrows3D:vectors", "f", 3, vec, 1, 0);
    cell(c, "Arrows3D:origins", "f", 3, org, 1, 0);
    cell(c, "Arrows3D:colors", "I", 0, col, 1, 0);
    cell(c, "Arrows3D:radii", "f", 0, rad, 1, 0);
    insert(store, c);
    rr_spatial3d_t *v = prepared(store);
    assert_null(rr_spatial3d_warning(v));
    assert_int_equal(rr_spatial3d_num_drawables(v), 1);
    rr_camera_t cam = top_camera(rr_v3(0, 0, 0), 4);
    uint8_t *px = draw(v, &cam);
    assert_true(near_rgb(at_p(v, &cam, px, rr_v3(0, 0, 0)), 255, 0, 0, 8));     /* the shaft */
    assert_true(near_rgb(at_p(v, &cam, px, rr_v3(0.9f, 0, 0)), 255, 0, 0, 8));  /* the head */
    assert_true(is_black(at_p(v, &cam, px, rr_v3(-1.3f, 0, 0))));              /* before the origin */
    assert_true(is_black(at_p(v, &cam, px, rr_v3(1.3f, 0, 0))));               /* past the tip */
    /* The head (4 radii long, 4 wide) is twice as wide as the shaft: 0.1 vs 0.2 units. */
    assert_true(is_black(at_p(v, &cam, px, rr_v3(0, 0.09f, 0))));
    assert_true(near_rgb(at_p(v, &cam, px, rr_v3(0.82f, 0.07f, 0)), 255, 0, 0, 40));
    free(px);
    rr_spatial3d_free(v);
    rr_store_free(store);
}

static void test_ellipsoids(void **state) {
    (void)state;
    rr_store_t *store = new_store();
    rr_chunk_t *c = chunk("wire");
    double hs[3] = {1, 0.5, 0.5}, ctr[3] = {-1.2, 0, 0}, col[1] = {GREEN};
    cell(c, "Ellipsoids3D:half_sizes", "f", 3, hs, 1, 0);
    cell(c, "Ellipsoids3D:centers", "f", 3, ctr, 1, 0);
    cell(c, "Ellipsoids3D:colors", "I", 0, col, 1, 0);
    insert(store, c);
    c = chunk("solid");
    double ctr2[3] = {1.2, 0, 0}, fill[1] = {3}, col2[1] = {BLUE};
    /* A quarter turn about z: the long axis along y. */
    double quat[4] = {0, 0, sin(M_PI / 4), cos(M_PI / 4)};
    cell(c, "Ellipsoids3D:half_sizes", "f", 3, hs, 1, 0);
    cell(c, "Ellipsoids3D:centers", "f", 3, ctr2, 1, 0);
    cell(c, "Ellipsoids3D:colors", "I", 0, col2, 1, 0);
    cell(c, "Ellipsoids3D:fill_mode", "C", 0, fill, 1, 0);
    cell(c, "Ellipsoids3D:quaternions", "f", 4, quat, 1, 0);
    insert(store, c);
    c = chunk("major");
    double ctr3[3] = {0, 1.8, 0}, major[1] = {1};
    cell(c, "Ellipsoids3D:half_sizes", "f", 3, hs, 1, 0);
    cell(c, "Ellipsoids3D:centers", "f", 3, ctr3, 1, 0);
    cell(c, "Ellipsoids3D:fill_mode", "C", 0, major, 1, 0);
    insert(store, c);
    rr_spatial3d_t *v = prepared(store);
    assert_null(rr_spatial3d_warning(v));
    assert_int_equal(rr_spatial3d_num_drawables(v), 3);
    rr_aabb_t b = rr_spatial3d_bounds(v);
    assert_true(fabsf(b.min.x + 2.2f) < 1e-4f && fabsf(b.max.y - 2.3f) < 1e-4f);
    rr_camera_t cam = top_camera(rr_v3(0, 0, 0), 6);
    uint8_t *px = draw(v, &cam);
    /* Rerun's default: the major wireframe (the outline in the XY plane and
     * the other cross-sections) over a fill at a quarter of the alpha. */
    const uint8_t *rim = at_p(v, &cam, px, rr_v3(-2.2f, 0, 0));
    assert_true(rim[1] > 120 && rim[0] < 30 && rim[2] < 30);
    rim = at_p(v, &cam, px, rr_v3(-1.2f, 0.5f, 0));
    assert_true(rim[1] > 120 && rim[0] < 30 && rim[2] < 30);
    const uint8_t *in = at_p(v, &cam, px, rr_v3(-1.6f, 0.2f, 0));
    assert_true(in[1] > 10 && in[1] < 110 && in[0] < 8 && in[2] < 8);
    /* Solid, turned: filled and lit blue along y, nothing along x past the short half size. */
    const uint8_t *p = at_p(v, &cam, px, rr_v3(1.2f, 0.7f, 0));
    assert_true(p[2] > 120 && p[0] < 20 && p[1] < 20);
    p = at_p(v, &cam, px, rr_v3(1.4f, 0.2f, 0));
    assert_true(p[2] > 120);
    assert_true(is_black(at_p(v, &cam, px, rr_v3(1.2f + 0.8f, 0, 0))));
    /* MajorWireframe: the three cross-sections only, hollow between them. */
    assert_false(is_black(at_p(v, &cam, px, rr_v3(1.0f, 1.8f, 0))));
    assert_true(is_black(at_p(v, &cam, px, rr_v3(0.4f, 2.0f, 0))));
    free(px);
    rr_spatial3d_free(v);
    rr_store_free(store);
}

static void test_pinhole(void **state) {
    (void)state;
    rr_store_t *store = new_store();
    rr_chunk_t *c = chunk("cam");
    /* fx = fy = 100, principal point (50, 50): a 100 x 100 image spans
     * [-0.5, 0.5]^2 at depth 1 (column-major, as Rerun's Mat3x3). */
    double k[9] = {100, 0, 0, 0, 100, 0, 50, 50, 1}, res[2] = {100, 100}, dist[1] = {1};
    cell(c, "Pinhole:image_from_camera", "f", 9, k, 1, 0);
    cell(c, "Pinhole:resolution", "f", 2, res, 1, 0);
    cell(c, "Pinhole:image_plane_distance", "f", 0, dist, 1, 0);
    insert(store, c);
    /* Something else so the scene has a size. */
    c = chunk("pt");
    double pos[3] = {0, 0, 0};
    cell(c, "Points3D:positions", "f", 3, pos, 1, 0);
    insert(store, c);
    rr_spatial3d_t *v = prepared(store);
    assert_null(rr_spatial3d_warning(v));
    assert_int_equal(rr_spatial3d_num_drawables(v), 2);
    rr_camera_t cam = top_camera(rr_v3(0, 0, 0.5f), 4);
    uint8_t *px = draw(v, &cam);
    /* RDF: forward is +z; the image rectangle at z = 1, its edges and the
     * lines from the centre to its corners in Rerun's frustum grey. */
    assert_true(near_rgb(at_p(v, &cam, px, rr_v3(0.5f, 0.1f, 1)), 0x9f, 0x9f, 0x9f, 24));
    assert_true(near_rgb(at_p(v, &cam, px, rr_v3(-0.2f, -0.5f, 1)), 0x9f, 0x9f, 0x9f, 24));
    assert_true(near_rgb(at_p(v, &cam, px, rr_v3(0.3f, 0.3f, 0.6f)), 0x9f, 0x9f, 0x9f, 24));
    assert_true(is_black(at_p(v, &cam, px, rr_v3(0.25f, 0, 1))));
    free(px);

    /* camera_xyz RUB (OpenGL's): the camera looks along -z, so the frustum
     * opens downward; the rectangle at z = -1. */
    c = chunk("cam");
    double rub[3] = {3, 1, 6};
    cell(c, "Pinhole:camera_xyz", "C", 3, rub, 1, 0);
    insert(store, c);
    rr_error_t err = {0};
    assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
    rr_aabb_t b = rr_spatial3d_bounds(v);
    assert_true(b.min.z > -0.01f); /* frusta do not count in the bounds */
    /* ...their cameras' centres do. */
    c = chunk("cam");
    double up[3] = {0, 0, 3};
    cell(c, "Transform3D:translation", "f", 3, up, 1, 0);
    insert(store, c);
    assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
    b = rr_spatial3d_bounds(v);
    assert_true(fabsf(b.max.z - 3) < 1e-5f && fabsf(b.min.z) < 1e-5f);
    c = chunk("cam");
    cell(c, "Transform3D:translation", "f", 3, pos, 1, 0);
    insert(store, c);
    assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
    rr_pick_t pick;
    cam = top_camera(rr_v3(0, 0, 0), 4);
    float x, y;
    project(v, &cam, W, H, rr_v3(0.5f, 0.1f, -1), &x, &y);
    assert_true(rr_spatial3d_pick(v, &cam, W, H, x, y, &pick));
    assert_string_equal(pick.entity, "/cam");
    assert_string_equal(pick.archetype, "Pinhole");
    assert_true(fabsf(pick.world[2] + 1) < 0.05f);
    rr_spatial3d_free(v);
    rr_store_free(store);
}

/* ---------------- origin and hidden entities ---------------- */

static void test_origin_and_hidden(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_store_t *store = new_store();
    rr_chunk_t *c = chunk("a");
    double tr[3] = {5, 0, 0};
    cell(c, "Transform3D:translation", "f", 3, tr, 1, 0);
    insert(store, c);
    double pos[3] = {0, 0, 0}, pos2[3] = {1, 0, 0};
    c = chunk("a/pts");
    cell(c, "Points3D:positions", "f", 3, pos, 1, 0);
    insert(store, c);
    c = chunk("b/pts");
    cell(c, "Points3D:positions", "f", 3, pos2, 1, 0);
    insert(store, c);
    rr_spatial3d_t *v = prepared(store);
    assert_int_equal(rr_spatial3d_num_drawables(v), 2);
    assert_true(fabsf(rr_spatial3d_bounds(v).max.x - 5) < 1e-5f);

    /* At /a: only its subtree, in its space (its translation undone). */
    rr_entity_path_t a;
    assert_rr_ok(rr_entity_path_parse("a", 1, &a, &err), &err);
    assert_rr_ok(rr_spatial3d_set_origin(v, &a, true, &err), &err);
    assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
    assert_int_equal(rr_spatial3d_num_drawables(v), 1);
    rr_aabb_t b = rr_spatial3d_bounds(v);
    assert_true(fabsf(b.min.x) < 1e-5f && fabsf(b.max.x) < 1e-5f);
    /* The origin alone has nothing to draw. */
    assert_rr_ok(rr_spatial3d_set_origin(v, &a, false, &err), &err);
    assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
    assert_int_equal(rr_spatial3d_num_drawables(v), 0);
    /* At /b (no data, no transform of its own): /b/pts where it is. */
    rr_entity_path_t bp;
    assert_rr_ok(rr_entity_path_parse("b", 1, &bp, &err), &err);
    assert_rr_ok(rr_spatial3d_set_origin(v, &bp, true, &err), &err);
    assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
    assert_int_equal(rr_spatial3d_num_drawables(v), 1);
    assert_true(fabsf(rr_spatial3d_bounds(v).max.x - 1) < 1e-5f);
    rr_entity_path_free(&a);
    rr_entity_path_free(&bp);

    /* Back at the root; hiding /a hides /a/pts; hiding a leaf hides it alone. */
    assert_rr_ok(rr_spatial3d_set_origin(v, NULL, true, &err), &err);
    const char *hide_a[] = {"/a"};
    rr_spatial3d_set_hidden(v, hide_a, 1);
    assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
    assert_int_equal(rr_spatial3d_num_drawables(v), 1);
    assert_true(fabsf(rr_spatial3d_bounds(v).max.x - 1) < 1e-5f);
    const char *hide_b[] = {"/b/pts", "/nothing/here"};
    rr_spatial3d_set_hidden(v, hide_b, 2);
    assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
    assert_int_equal(rr_spatial3d_num_drawables(v), 1);
    assert_true(fabsf(rr_spatial3d_bounds(v).max.x - 5) < 1e-5f);
    rr_spatial3d_set_hidden(v, NULL, 0);
    assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
    assert_int_equal(rr_spatial3d_num_drawables(v), 2);
    rr_spatial3d_free(v);
    rr_store_free(store);
}

/* InstancePoses3D: a point drawn once per pose; boxes posed one by one
 * (the longest of their components and the poses counts); a mesh picked
 * as the whole entity. */
static void test_instance_poses(void **state) {
    (void)state;
    rr_store_t *store = new_store();
    rr_chunk_t *c = chunk("pt");
    double pos[3] = {0, 0, 0}, col[1] = {RED}, tr[6] = {-1, 0, 0, 1, 0, 0};
    cell(c, "Points3D:positions", "f", 3, pos, 1, 0);
    cell(c, "Points3D:colors", "I", 0, col, 1, 0);
    cell(c, "InstancePoses3D:translations", "f", 3, tr, 2, 0);
    insert(store, c);
    c = chunk("box");
    double hs[3] = {0.2, 0.2, 0.2}, fill[1] = {3}, col2[1] = {GREEN}, tr2[6] = {-1, 1.5, 0, 1, 1.5, 0};
    double sc[3] = {2, 2, 2};
    cell(c, "Boxes3D:half_sizes", "f", 3, hs, 1, 0);
    cell(c, "Boxes3D:fill_mode", "C", 0, fill, 1, 0);
    cell(c, "Boxes3D:colors", "I", 0, col2, 1, 0);
    cell(c, "InstancePoses3D:translations", "f", 3, tr2, 2, 0);
    cell(c, "InstancePoses3D:scales", "f", 3, sc, 1, 0);
    insert(store, c);
    c = chunk("mesh");
    double vx[9] = {-0.5, -2, 0, 0.5, -2, 0, 0, -1.2, 0};
    cell(c, "Mesh3D:vertex_positions", "f", 3, vx, 3, 0);
    insert(store, c);
    rr_spatial3d_t *v = prepared(store);
    assert_null(rr_spatial3d_warning(v));
    assert_int_equal(rr_spatial3d_num_drawables(v), 3); /* the points (twice), the boxes, the mesh */
    rr_camera_t cam = top_camera(rr_v3(0, 0, 0), 6);
    uint8_t *px = draw(v, &cam);
    assert_true(near_rgb(at_p(v, &cam, px, rr_v3(-1, 0, 0)), 255, 0, 0, 8));
    assert_true(near_rgb(at_p(v, &cam, px, rr_v3(1, 0, 0)), 255, 0, 0, 8));
    assert_true(is_black(at_p(v, &cam, px, rr_v3(0, 0, 0))));
    /* Scaled by 2: 0.8 across, so green 0.3 from the box's centre. */
    const uint8_t *p = at_p(v, &cam, px, rr_v3(1.3f, 1.5f, 0));
    assert_true(p[1] > 60 && p[0] < 20);
    assert_true(is_black(at_p(v, &cam, px, rr_v3(0, 1.5f, 0))));
    free(px);
    rr_pick_t pk;
    pick_at(v, &cam, rr_v3(1, 0, 0), &pk);
    assert_true(pk.hit);
    assert_string_equal(pk.entity, "/pt");
    assert_int_equal(pk.instance, 0);
    pick_at(v, &cam, rr_v3(-1.3f, 1.5f, 0.4f), &pk);
    assert_true(pk.hit);
    assert_string_equal(pk.entity, "/box");
    assert_int_equal(pk.instance, 0);
    pick_at(v, &cam, rr_v3(0, -1.6f, 0), &pk);
    assert_true(pk.hit);
    assert_string_equal(pk.entity, "/mesh");
    assert_string_equal(pk.archetype, "Mesh3D");
    assert_true(pk.instance == RR_PICK_ALL_INSTANCES);
    rr_spatial3d_free(v);
    rr_store_free(store);
}

/* Geometry wholly outside the view is not handed to the GL; a disc whose
 * centre is just outside but whose on-screen radius reaches in still is. */
static void test_culling(void **state) {
    (void)state;
    rr_store_t *store = new_store();
    rr_chunk_t *c = chunk("near");
    double pos[3] = {0, 0, 0}, col[1] = {RED};
    cell(c, "Points3D:positions", "f", 3, pos, 1, 0);
    cell(c, "Points3D:colors", "I", 0, col, 1, 0);
    insert(store, c);
    c = chunk("far");
    double pos2[3] = {100, 0, 0};
    cell(c, "Points3D:positions", "f", 3, pos2, 1, 0);
    insert(store, c);
    rr_spatial3d_t *v = prepared(store);
    rr_camera_t cam = top_camera(rr_v3(0, 0, 0), 4);
    rr_gfx_stats_t st;
    uint8_t *px = draw(v, &cam);
    rr_gfx_renderer_stats(g_r, &st);
    assert_int_equal(st.draw_calls, 1);
    assert_true(near_rgb(at_p(v, &cam, px, rr_v3(0, 0, 0)), 255, 0, 0, 8));
    free(px);
    cam.target = rr_v3(100, 0, 0);
    px = draw(v, &cam);
    rr_gfx_renderer_stats(g_r, &st);
    assert_int_equal(st.draw_calls, 1);
    free(px);
    /* A 20-point disc 8 pixels past the right edge still shows at the edge. */
    c = chunk("edge");
    float x, y;
    cam.target = rr_v3(0, 0, 0);
    project(v, &cam, W, H, rr_v3(1, 0, 0), &x, &y);
    double units_per_px = 1.0 / (x - W / 2.0);
    double pos3[3] = {(W / 2.0 + 8) * units_per_px, 0, 0}, rad[1] = {-20}, col3[1] = {BLUE};
    cell(c, "Points3D:positions", "f", 3, pos3, 1, 0);
    cell(c, "Points3D:radii", "f", 0, rad, 1, 0);
    cell(c, "Points3D:colors", "I", 0, col3, 1, 0);
    insert(store, c);
    rr_error_t err = {0};
    assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
    px = draw(v, &cam);
    rr_gfx_renderer_stats(g_r, &st);
    assert_int_equal(st.draw_calls, 2);
    project(v, &cam, W, H, rr_v3(0, 0, 0), &x, &y);
    assert_true(near_rgb(at(px, W - 1, (int)y), 0, 0, 255, 8));
    free(px);
    rr_spatial3d_free(v);
    rr_store_free(store);
}

/* ---------------- picking and highlights ---------------- */

/* Points at x = -1, 0, 1; two strips at y = +-1; two solid boxes, a
 * wireframe one and one in the default fill mode. */
static rr_store_t *pick_scene(void) {
    rr_store_t *store = new_store();
    rr_chunk_t *c = chunk("pts");
    double pos[9] = {-1, 0, 0, 0, 0, 0, 1, 0, 0}, rad[1] = {-5}, col[3] = {RED, GREEN, BLUE};
    cell(c, "Points3D:positions", "f", 3, pos, 3, 0);
    cell(c, "Points3D:radii", "f", 0, rad, 1, 0);
    cell(c, "Points3D:colors", "I", 0, col, 3, 0);
    insert(store, c);
    c = chunk("strips");
    double strips[12] = {-1, 1, 0, 1, 1, 0, -1, -1, 0, 1, -1, 0};
    cell(c, "LineStrips3D:strips", "f", 3, strips, 2, 2);
    insert(store, c);
    c = chunk("boxes");
    double hs[3] = {0.2, 0.2, 0.2}, ctr[6] = {-1.5, 1.6, 0, 1.5, -1.6, 0}, fill[1] = {3};
    cell(c, "Boxes3D:half_sizes", "f", 3, hs, 1, 0);
    cell(c, "Boxes3D:centers", "f", 3, ctr, 2, 0);
    cell(c, "Boxes3D:fill_mode", "C", 0, fill, 1, 0);
    insert(store, c);
    c = chunk("wirebox");
    double ctr3[3] = {1.5, 1.6, 0}, major[1] = {1};
    cell(c, "Boxes3D:half_sizes", "f", 3, hs, 1, 0);
    cell(c, "Boxes3D:centers", "f", 3, ctr3, 1, 0);
    cell(c, "Boxes3D:fill_mode", "C", 0, major, 1, 0);
    insert(store, c);
    c = chunk("defaultbox");
    double ctr4[3] = {0, 2.2, 0};
    cell(c, "Boxes3D:half_sizes", "f", 3, hs, 1, 0);
    cell(c, "Boxes3D:centers", "f", 3, ctr4, 1, 0);
    insert(store, c);
    return store;
}

static void pick_at(rr_spatial3d_t *v, const rr_camera_t *cam, rr_vec3_t p, rr_pick_t *out) {
    float x, y;
    project(v, cam, W, H, p, &x, &y);
    rr_spatial3d_pick(v, cam, W, H, x, y, out);
}

static void test_pick(void **state) {
    (void)state;
    rr_store_t *store = pick_scene();
    rr_spatial3d_t *v = prepared(store);
    assert_null(rr_spatial3d_warning(v));
    rr_camera_t cam = top_camera(rr_v3(0, 0, 0), 6);
    rr_pick_t p;
    pick_at(v, &cam, rr_v3(1, 0, 0), &p);
    assert_true(p.hit);
    assert_string_equal(p.entity, "/pts");
    assert_string_equal(p.archetype, "Points3D");
    assert_int_equal(p.instance, 2);
    assert_true(fabsf(p.world[0] - 1) < 0.1f && p.depth > 5 && p.depth < 6.1f);
    /* Within the on-screen radius (5 points), not beyond. */
    float x, y;
    project(v, &cam, W, H, rr_v3(-1, 0, 0), &x, &y);
    assert_true(rr_spatial3d_pick(v, &cam, W, H, x + 4, y, &p));
    assert_int_equal(p.instance, 0);
    assert_false(rr_spatial3d_pick(v, &cam, W, H, x + 9, y + 9, &p));
    assert_false(p.hit);
    pick_at(v, &cam, rr_v3(0.3f, -1, 0), &p);
    assert_true(p.hit);
    assert_string_equal(p.entity, "/strips");
    assert_int_equal(p.instance, 1);
    pick_at(v, &cam, rr_v3(1.5f, -1.6f, 0), &p);
    assert_true(p.hit);
    assert_string_equal(p.entity, "/boxes");
    assert_int_equal(p.instance, 1);
    assert_true(fabsf(p.world[2] - 0.2f) < 0.02f); /* the top face */
    /* A wireframe box is hit on its edges, not through its middle. */
    pick_at(v, &cam, rr_v3(1.7f, 1.6f, 0.2f), &p);
    assert_true(p.hit);
    assert_string_equal(p.entity, "/wirebox");
    assert_int_equal(p.instance, 0);
    pick_at(v, &cam, rr_v3(1.5f, 1.6f, 0.2f), &p);
    assert_false(p.hit);
    /* Rerun's default fill (transparent) is picked through its middle. */
    pick_at(v, &cam, rr_v3(0, 2.2f, 0.2f), &p);
    assert_true(p.hit);
    assert_string_equal(p.entity, "/defaultbox");
    /* Empty space. */
    pick_at(v, &cam, rr_v3(0, 0.5f, 0), &p);
    assert_false(p.hit);
    assert_false(rr_spatial3d_pick(v, &cam, W, H, 1, 1, &p));
    /* The nearer of two things under the same pixel: a point above the strip. */
    rr_chunk_t *c = chunk("above");
    double pos[3] = {0.5, 1, 1}, rad[1] = {0.2};
    cell(c, "Points3D:positions", "f", 3, pos, 1, 0);
    cell(c, "Points3D:radii", "f", 0, rad, 1, 0);
    insert(store, c);
    rr_error_t err = {0};
    assert_rr_ok(rr_spatial3d_prepare(v, NULL, 0, &err), &err);
    pick_at(v, &cam, rr_v3(0.5f, 1, 1), &p);
    assert_true(p.hit);
    assert_string_equal(p.entity, "/above");
    assert_true(p.world[2] > 1.15f && p.world[2] < 1.25f); /* the sphere's top, give or take the slack */
    rr_spatial3d_free(v);
    rr_store_free(store);
}

/* A grid of 300 x 300 points (the picking index's cells at work): every
 * probed point is found by its own pixel in a large target. */
static void test_pick_many(void **state) {
    (void)state;
    enum { N = 300 };
    double *pos = malloc(N * N * 3 * sizeof *pos);
    assert_non_null(pos);
    for (int i = 0; i < N * N; i++) {
        pos[i * 3] = i % N;
        pos[i * 3 + 1] = i / N;
        pos[i * 3 + 2] = (i * 7919) % 13 * 0.1;
    }
    rr_store_t *store = new_store();
    rr_chunk_t *c = chunk("grid");
    cell(c, "Points3D:positions", "f", 3, pos, N * N, 0);
    insert(store, c);
    rr_spatial3d_t *v = prepared(store);
    rr_camera_t cam = top_camera(rr_v3(N / 2.0f, N / 2.0f, 0), 400);
    const int big = 8000;
    for (int probe = 0; probe < 20; probe++) {
        int i = (probe * 4513 + 17) % (N * N);
        float x, y;
        project(v, &cam, big, big, rr_v3((float)pos[i * 3], (float)pos[i * 3 + 1], (float)pos[i * 3 + 2]), &x, &y);
        rr_pick_t p;
        bool hit = rr_spatial3d_pick(v, &cam, big, big, x, y, &p);
        assert_true(hit);
        assert_int_equal(p.instance, (uint64_t)i);
    }
    free(pos);
    rr_spatial3d_free(v);
    rr_store_free(store);
}

/* Pixels that differ between two pictures, and their bounding box. */
static int diff_box(const uint8_t *a, const uint8_t *b, int box[4]) {
    int n = 0;
    box[0] = box[1] = 1 << 30;
    box[2] = box[3] = -1;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const uint8_t *p = at(a, x, y), *q = at(b, x, y);
            if (abs(p[0] - q[0]) + abs(p[1] - q[1]) + abs(p[2] - q[2]) <= 6) continue;
            n++;
            if (x < box[0]) box[0] = x;
            if (y < box[1]) box[1] = y;
            if (x > box[2]) box[2] = x;
            if (y > box[3]) box[3] = y;
        }
    return n;
}

static void test_highlight(void **state) {
    (void)state;
    rr_store_t *store = pick_scene();
    rr_spatial3d_t *v = prepared(store);
    rr_camera_t cam = top_camera(rr_v3(0, 0, 0), 6);
    uint8_t *plain = draw(v, &cam);
    /* Hovering point 1 changes pixels around it only (its outline). */
    rr_pick_t hover;
    pick_at(v, &cam, rr_v3(0, 0, 0), &hover);
    assert_true(hover.hit);
    assert_int_equal(hover.instance, 1);
    rr_spatial3d_set_highlight(v, &hover, NULL);
    uint8_t *lit = draw(v, &cam);
    int box[4];
    assert_true(diff_box(plain, lit, box) > 4);
    float x, y;
    project(v, &cam, W, H, rr_v3(0, 0, 0), &x, &y);
    assert_true(box[0] >= (int)x - 8 && box[2] <= (int)x + 8 && box[1] >= (int)y - 8 && box[3] <= (int)y + 8);
    /* The outline is Rerun's hover colour (white). */
    bool white = false;
    for (int yy = box[1]; yy <= box[3]; yy++)
        for (int xx = box[0]; xx <= box[2]; xx++) white |= near_rgb(at(lit, xx, yy), 255, 255, 255, 30);
    assert_true(white);
    free(lit);
    /* Selecting solid box 0 brightens that box only. */
    rr_pick_t sel = {0};
    sel.hit = true;
    snprintf(sel.entity, sizeof sel.entity, "/boxes");
    sel.instance = 0;
    rr_spatial3d_set_highlight(v, NULL, &sel);
    lit = draw(v, &cam);
    assert_true(diff_box(plain, lit, box) > 4);
    project(v, &cam, W, H, rr_v3(-1.5f, 1.6f, 0), &x, &y);
    assert_true(box[0] >= (int)x - 12 && box[2] <= (int)x + 12 && box[1] >= (int)y - 12 && box[3] <= (int)y + 12);
    const uint8_t *before = at(plain, (int)x, (int)y), *after = at(lit, (int)x, (int)y);
    assert_true(after[0] + after[1] + after[2] > before[0] + before[1] + before[2] + 60);
    free(lit);
    /* The whole strips entity selected: both strips change, the rest does not. */
    snprintf(sel.entity, sizeof sel.entity, "/strips");
    sel.instance = RR_PICK_ALL_INSTANCES;
    rr_spatial3d_set_highlight(v, NULL, &sel);
    lit = draw(v, &cam);
    assert_true(diff_box(plain, lit, box) > 20);
    float x0, y0, x1, y1;
    project(v, &cam, W, H, rr_v3(-1, 1, 0), &x0, &y0);
    project(v, &cam, W, H, rr_v3(1, -1, 0), &x1, &y1);
    assert_true(box[0] >= (int)fminf(x0, x1) - 4 && box[2] <= (int)fmaxf(x0, x1) + 4);
    assert_true(box[1] >= (int)fminf(y0, y1) - 4 && box[3] <= (int)fmaxf(y0, y1) + 4);
    free(lit);
    /* Nothing highlighted: the plain picture again. */
    rr_spatial3d_set_highlight(v, NULL, NULL);
    lit = draw(v, &cam);
    assert_int_equal(diff_box(plain, lit, box), 0);
    free(lit);
    free(plain);
    rr_spatial3d_free(v);
    rr_store_free(store);
}

int main(void) {
    rr_error_t err = {0};
    if (rr_gfx_context_new_headless(&g_ctx, &err) != RR_OK) {
        printf("test_viewer_spatial3d: skipped: %s\n", err.msg);
        return 77;
    }
    if (rr_gfx_renderer_new(&g_r, &err) != RR_OK) {
        printf("test_viewer_spatial3d: renderer: %s\n", err.msg);
        rr_gfx_context_free(g_ctx);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arrows),          cmocka_unit_test(test_ellipsoids),
        cmocka_unit_test(test_pinhole),         cmocka_unit_test(test_origin_and_hidden),
        cmocka_unit_test(test_instance_poses),  cmocka_unit_test(test_culling),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_pick_many),
        cmocka_unit_test(test_highlight),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rr_gfx_renderer_free(g_r);
    rr_gfx_context_free(g_ctx);
    return rc;
}
