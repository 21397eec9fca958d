/* The Time series view and the default blueprint: min/max decimation
 * against a brute-force reference, the plot's pixel mapping, zoom and pan,
 * series and the cursor landing on known pixels (EGL, llvmpipe), the
 * per-chunk column cache, and the spawn heuristics on synthetic stores.
 * The GL parts skip (77) when the machine has no EGL / OpenGL ES 3. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "arrow/builder.h"
#include "arrow/schema.h"
#include "store/store.h"
#include "viewer/blueprint.h"
#include "viewer/gfx/context.h"
#include "viewer/gfx/renderer.h"
#include "viewer/views/timeseries.h"

static rr_gfx_context_t *g_ctx;
static rr_gfx_renderer_t *g_r;

static uint64_t g_seed = 88172645463325252ull;
static uint64_t rnd(void) {
    g_seed ^= g_seed << 13, g_seed ^= g_seed >> 7, g_seed ^= g_seed << 17;
    return g_seed;
}

/* ---------------- pure math ---------------- */

static void test_decimate_matches_brute_force(void **state) {
    (void)state;
    for (int round = 0; round < 20; round++) {
        size_t n = 1 + rnd() % 5000, n_cols = 1 + rnd() % 300;
        int64_t *t = malloc(n * sizeof *t);
        double *v = malloc(n * sizeof *v);
        assert_non_null(t), assert_non_null(v);
        bool sorted = round % 2;
        for (size_t i = 0; i < n; i++) {
            t[i] = sorted ? (int64_t)i * 3 - 200 : (int64_t)(rnd() % 20000) - 5000;
            v[i] = (double)(int64_t)(rnd() % 2000001 - 1000000) / 1000.0;
            if (rnd() % 50 == 0) v[i] = NAN;
        }
        double dt = 0.5 + (double)(rnd() % 4000) / 100.0;
        int64_t c0 = (int64_t)(rnd() % 200) - 100;
        rr_ts_column_t *cols = calloc(n_cols, sizeof *cols), *a = calloc(n_cols, sizeof *a),
                       *b = calloc(n_cols, sizeof *b);
        assert_non_null(cols), assert_non_null(a), assert_non_null(b);
        rr_ts_decimate(t, v, n, dt, c0, cols, n_cols);
        /* Two halves merged are the whole. */
        rr_ts_decimate(t, v, n / 2, dt, c0, a, n_cols);
        rr_ts_decimate(t + n / 2, v + n / 2, n - n / 2, dt, c0, b, n_cols);
        rr_ts_columns_merge(a, b, n_cols);
        for (size_t c = 0; c < n_cols; c++) {
            uint32_t cnt = 0;
            double mn = INFINITY, mx = -INFINITY;
            for (size_t i = 0; i < n; i++) {
                int64_t col = (int64_t)floor((double)t[i] / dt) - c0;
                if (col != (int64_t)c || !isfinite(v[i])) continue;
                cnt++;
                mn = fmin(mn, v[i]);
                mx = fmax(mx, v[i]);
            }
            assert_int_equal(cols[c].n, cnt);
            assert_int_equal(a[c].n, cnt);
            if (cnt) {
                assert_true(cols[c].min == mn && cols[c].max == mx);
                assert_true(a[c].min == mn && a[c].max == mx);
                assert_true(cols[c].t_first <= cols[c].t_last);
                assert_true(cols[c].first >= mn && cols[c].first <= mx);
            }
        }
        free(t), free(v), free(cols), free(a), free(b);
    }
}

static void test_window_math(void **state) {
    (void)state;
    rr_ts_window_t w = {100, 200, -1, 1};
    rr_ts_rect_t r = {10, 20, 100, 50};
    assert_float_equal(rr_ts_x_of_time(&w, &r, 100), 10, 1e-4);
    assert_float_equal(rr_ts_x_of_time(&w, &r, 150), 60, 1e-4);
    assert_float_equal(rr_ts_y_of_value(&w, &r, 1), 20, 1e-4);  /* top */
    assert_float_equal(rr_ts_y_of_value(&w, &r, -1), 70, 1e-4); /* bottom */
    assert_float_equal(rr_ts_time_of_x(&w, &r, 35), 125, 1e-9);
    assert_float_equal(rr_ts_value_of_y(&w, &r, 45), 0, 1e-9);
    /* Zoom about a point keeps the data under it. */
    double t = rr_ts_time_of_x(&w, &r, 30), v = rr_ts_value_of_y(&w, &r, 30);
    rr_ts_window_zoom(&w, &r, 4, 2, 30, 30);
    assert_float_equal(w.t1 - w.t0, 25, 1e-9);
    assert_float_equal(w.v1 - w.v0, 1, 1e-9);
    assert_float_equal(rr_ts_time_of_x(&w, &r, 30), t, 1e-9);
    assert_float_equal(rr_ts_value_of_y(&w, &r, 30), v, 1e-9);
    /* A drag moves the data with the mouse. */
    rr_ts_window_t before = w;
    double t_at = rr_ts_time_of_x(&w, &r, 50), v_at = rr_ts_value_of_y(&w, &r, 40);
    rr_ts_window_pan(&w, &r, 12, -7);
    assert_float_equal(rr_ts_time_of_x(&w, &r, 62), t_at, 1e-9);
    assert_float_equal(rr_ts_value_of_y(&w, &r, 33), v_at, 1e-9);
    assert_float_equal(w.t1 - w.t0, before.t1 - before.t0, 1e-9);
    /* The grid step: at most a pixel's span, within a quarter octave of it. */
    for (double span = 1e-3; span < 1e12; span *= 3.7) {
        double s = rr_ts_grid_step(span);
        assert_true(s <= span * (1 + 1e-12) && s > span / 1.1893);
    }
    assert_true(rr_ts_grid_step(0) > 0);
}

/* ---------------- stores ---------------- */

static rr_chunk_t *new_chunk(const char *path, const char *timeline, const int64_t *times, int64_t rows) {
    rr_error_t err = {0};
    rr_entity_path_t p;
    assert_rr_ok(rr_entity_path_parse(path, strlen(path), &p, &err), &err);
    rr_chunk_t *c = NULL;
    assert_rr_ok(rr_chunk_new(rr_tuid_new(), &p, rows, NULL, &c, &err), &err);
    rr_entity_path_free(&p);
    if (times) assert_rr_ok(rr_chunk_add_index(c, timeline, RR_TIME_SEQUENCE, times, &err), &err);
    return c;
}

/* A column of `rows` cells of per_row values each: leaf "g" (f64), "f", "I"
 * (u32) or "u" (utf8, from strs). */
static void add_column(rr_chunk_t *c, const char *archetype, const char *component, const char *leaf,
                       const double *values, const char *const *strs, int64_t rows, int per_row) {
    rr_error_t err = {0};
    struct ArrowSchema type;
    assert_rr_ok(rr_arrow_schema_init(&type, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(type.children[0], leaf, "item", ARROW_FLAG_NULLABLE, 0, &err), &err);
    rr_arrow_builder_t *b = NULL;
    assert_rr_ok(rr_arrow_builder_new(&type, &b, &err), &err);
    rr_arrow_builder_t *items = rr_arrow_builder_child(b, 0);
    for (int64_t r = 0, k = 0; r < rows; r++) {
        for (int j = 0; j < per_row; j++, k++) {
            if (!strcmp(leaf, "u")) assert_rr_ok(rr_arrow_builder_append_str(items, strs[k], strlen(strs[k]), &err), &err);
            else if (!strcmp(leaf, "I")) assert_rr_ok(rr_arrow_builder_append_uint(items, (uint64_t)values[k], &err), &err);
            else assert_rr_ok(rr_arrow_builder_append_double(items, values[k], &err), &err);
        }
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    }
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

static rr_store_t *new_store(const rr_store_config_t *cfg) {
    rr_error_t err = {0};
    rr_store_id_t id = {RR_STORE_KIND_RECORDING, NULL, NULL};
    rr_store_t *s = NULL;
    assert_rr_ok(rr_store_new(&id, cfg, &s, &err), &err);
    return s;
}

static void insert(rr_store_t *s, rr_chunk_t *c) {
    rr_error_t err = {0};
    assert_rr_ok(rr_store_insert_chunk(s, c, &err), &err);
}

/* Scalars at path: values f(t) for t in [t0, t1) on `frame`, in chunks of `per_chunk` rows. */
static void add_scalars(rr_store_t *s, const char *path, int64_t t0, int64_t t1, int64_t per_chunk,
                        double (*f)(int64_t)) {
    for (int64_t a = t0; a < t1; a += per_chunk) {
        int64_t n = a + per_chunk <= t1 ? per_chunk : t1 - a;
        int64_t *t = malloc((size_t)n * sizeof *t);
        double *v = malloc((size_t)n * sizeof *v);
        assert_non_null(t), assert_non_null(v);
        for (int64_t i = 0; i < n; i++) t[i] = a + i, v[i] = f(a + i);
        rr_chunk_t *c = new_chunk(path, "frame", t, n);
        add_column(c, "Scalars", "Scalars:scalars", "g", v, NULL, n, 1);
        insert(s, c);
        free(t), free(v);
    }
}

static void add_line_style(rr_store_t *s, const char *path, uint32_t color, double width, const char *name) {
    rr_chunk_t *c = new_chunk(path, NULL, NULL, 1);
    double col = color;
    add_column(c, "SeriesLines", "SeriesLines:colors", "I", &col, NULL, 1, 1);
    add_column(c, "SeriesLines", "SeriesLines:widths", "f", &width, NULL, 1, 1);
    add_column(c, "SeriesLines", "SeriesLines:names", "u", NULL, (const char *const[]){name}, 1, 1);
    insert(s, c);
}

static double ramp(int64_t t) { return (double)t; }
static double flat25(int64_t t) { return (void)t, 25.0; }
static double wave(int64_t t) { return sin((double)t * 0.001) * 10.0 + (double)(t % 7); }

/* ---------------- the view, drawn ---------------- */

#define W 200
#define H 150

static uint8_t *draw(rr_timeseries_t *v, rr_gfx_target_t *t) {
    rr_error_t err = {0};
    assert_rr_ok(rr_timeseries_draw(v, t, &err), &err);
    uint8_t *px = malloc((size_t)rr_gfx_target_width(t) * (size_t)rr_gfx_target_height(t) * 4);
    assert_non_null(px);
    assert_rr_ok(rr_gfx_target_read_rgba(t, px, &err), &err);
    return px;
}
static const uint8_t *at(const uint8_t *px, int x, int y) { return px + ((size_t)y * W + (size_t)x) * 4; }
static bool is_rgb(const uint8_t *p, int r, int g, int b) {
    return abs(p[0] - r) <= 40 && abs(p[1] - g) <= 40 && abs(p[2] - b) <= 40;
}
/* Any pixel within d of (x, y) with that colour. */
static bool near_rgb(const uint8_t *px, int x, int y, int d, int r, int g, int b) {
    for (int yy = y - d; yy <= y + d; yy++)
        for (int xx = x - d; xx <= x + d; xx++)
            if (xx >= 0 && yy >= 0 && xx < W && yy < H && is_rgb(at(px, xx, yy), r, g, b)) return true;
    return false;
}

static rr_timeseries_t *new_view(rr_store_t *s, const char *origin, bool subtree) {
    rr_error_t err = {0};
    rr_entity_path_t o;
    assert_rr_ok(rr_entity_path_parse(origin, strlen(origin), &o, &err), &err);
    rr_timeseries_t *v = NULL;
    assert_rr_ok(rr_timeseries_new(g_r, s, &o, subtree, &v, &err), &err);
    rr_entity_path_free(&o);
    return v;
}

static void test_series_land_on_pixels(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_store_t *s = new_store(NULL);
    add_scalars(s, "plots/ramp", 0, 101, 40, ramp);
    add_scalars(s, "plots/flat", 0, 101, 1000, flat25);
    add_line_style(s, "plots/ramp", 0xff0000ffu, 3.0, "the ramp");
    add_line_style(s, "plots/flat", 0x00ff00ffu, 3.0, "flat");
    rr_timeseries_t *v = new_view(s, "plots", true);
    assert_rr_ok(rr_timeseries_prepare(v, "frame", 50, &err), &err);
    assert_int_equal(rr_timeseries_num_series(v), 2);
    const rr_ts_series_info_t *flat = rr_timeseries_series(v, 0), *rmp = rr_timeseries_series(v, 1);
    assert_string_equal(flat->entity->str, "/plots/flat");
    assert_string_equal(rmp->name, "the ramp");
    assert_int_equal(rmp->color, 0xff0000ffu);
    assert_float_equal(rmp->radius_px, 1.5, 1e-6);
    assert_int_equal(rmp->kind, RR_TS_LINES);
    /* The X window follows the data. */
    rr_ts_window_t w = rr_timeseries_window(v);
    assert_float_equal(w.t0, 0, 0), assert_float_equal(w.t1, 100, 0);

    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 1, &t, &err), &err);
    uint8_t *px = draw(v, t);
    /* Y auto-fit: [0, 100] plus 5 %. */
    w = rr_timeseries_window(v);
    assert_float_equal(w.v0, -5, 1e-9), assert_float_equal(w.v1, 105, 1e-9);
    rr_ts_rect_t pr = rr_timeseries_plot_rect(W, H);
    /* (From t = 30: the legend's swatches sit in the top left corner.) */
    for (int tt = 30; tt <= 90; tt += 20) {
        if (tt == 50) continue; /* the cursor */
        int x = (int)rr_ts_x_of_time(&w, &pr, tt), y = (int)rr_ts_y_of_value(&w, &pr, tt);
        assert_true(near_rgb(px, x, y, 1, 255, 0, 0));
        int yf = (int)rr_ts_y_of_value(&w, &pr, 25);
        assert_true(near_rgb(px, x, yf, 1, 0, 255, 0));
        /* Far from both lines: no series colour. */
        int yo = (int)rr_ts_y_of_value(&w, &pr, tt > 50 ? 5 : 95);
        assert_false(near_rgb(px, x, yo, 2, 255, 0, 0));
        assert_false(near_rgb(px, x, yo, 2, 0, 255, 0));
    }
    /* The cursor at t = 50: a light vertical line, away from the series. */
    float cx = rr_timeseries_cursor_x(v, W, H);
    assert_float_equal(cx, rr_ts_x_of_time(&w, &pr, 50), 1e-4);
    assert_true(near_rgb(px, (int)cx, (int)rr_ts_y_of_value(&w, &pr, 90), 1, 0xd0, 0xd3, 0xd6));
    free(px);

    /* A given window: ramp from (0, 0) to (100, 100) is the plot's diagonal;
     * zoomed 2x about the centre it still is. */
    rr_ts_window_t fixed = {0, 100, 0, 100};
    rr_timeseries_set_window(v, &fixed);
    rr_timeseries_zoom(v, W, H, 2, 2, pr.x + pr.w / 2, pr.y + pr.h / 2);
    w = rr_timeseries_window(v);
    assert_float_equal(w.t0, 25, 1e-9), assert_float_equal(w.v1, 75, 1e-9);
    px = draw(v, t);
    w = rr_timeseries_window(v);
    assert_float_equal(w.v0, 25, 1e-9); /* zoomed: no auto-fit any more */
    int x = (int)(pr.x + pr.w * 0.2f), y = (int)(pr.y + pr.h * 0.8f);
    assert_true(near_rgb(px, x, y, 1, 255, 0, 0));
    /* The cursor left the window on a pan to the right. */
    rr_timeseries_pan(v, W, H, -pr.w, 0);
    assert_true(isnan(rr_timeseries_cursor_x(v, W, H)));
    free(px);
    rr_gfx_target_free(t);
    rr_timeseries_free(v);
    rr_store_free(s);
}

static void test_decimation_cache_and_size(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_store_config_t cfg;
    rr_store_config_default(&cfg);
    rr_store_t *s = new_store(&cfg);
    add_scalars(s, "big", 0, 200000, 4096, wave);
    rr_timeseries_t *v = new_view(s, "big", false);
    assert_rr_ok(rr_timeseries_prepare(v, "frame", 0, &err), &err);
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 1, &t, &err), &err);
    free(draw(v, t));
    rr_ts_stats_t st0, st1;
    rr_timeseries_stats(v, &st0);
    assert_int_equal(st0.points_decimated, 200000);
    rr_ts_rect_t pr = rr_timeseries_plot_rect(W, H);
    /* O(width): at most two segments per grid column (~1.19 per pixel) + 1. */
    assert_true(rr_timeseries_series(v, 0)->vertices <= (size_t)(2 * (pr.w * 1.2f + 2) + 1));
    assert_true(rr_timeseries_series(v, 0)->vertices >= (size_t)pr.w);
    /* The same frame again, and pans: no chunk is read again. */
    free(draw(v, t));
    rr_timeseries_pan(v, W, H, 17, 5);
    free(draw(v, t));
    rr_timeseries_pan(v, W, H, -40, 0);
    free(draw(v, t));
    rr_timeseries_stats(v, &st1);
    assert_int_equal(st1.chunks_decimated, st0.chunks_decimated);
    /* A zoom by 4 is another grid: the visible chunks only are read. */
    rr_timeseries_zoom(v, W, H, 4, 1, pr.x + pr.w / 2, 0);
    free(draw(v, t));
    rr_timeseries_stats(v, &st1);
    assert_true(st1.chunks_decimated > st0.chunks_decimated);
    assert_true(st1.points_decimated - st0.points_decimated < 200000 / 4 + 3 * 4096);
    rr_timeseries_free(v);
    rr_store_free(s);
    rr_gfx_target_free(t);
}

/* Cached columns of a chunk leave with it (compaction, GC). */
static void test_cache_follows_store(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_store_t *s = new_store(NULL);
    add_scalars(s, "a", 0, 10, 10, ramp);
    rr_timeseries_t *v = new_view(s, "/", true);
    assert_rr_ok(rr_timeseries_prepare(v, "frame", 0, &err), &err);
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 1, &t, &err), &err);
    free(draw(v, t));
    rr_ts_stats_t st;
    rr_timeseries_stats(v, &st);
    assert_int_equal(st.cache_entries, 1);
    add_scalars(s, "a", 10, 20, 10, ramp); /* compacts into the first chunk */
    rr_timeseries_stats(v, &st);
    assert_int_equal(st.cache_entries, 0);
    assert_rr_ok(rr_timeseries_prepare(v, "frame", 0, &err), &err);
    free(draw(v, t));
    rr_ts_window_t w = rr_timeseries_window(v);
    assert_float_equal(w.t1, 19, 0);
    assert_float_equal(w.v1, 19 + 0.95, 1e-9);
    rr_store_gc_options_t gc = {0};
    gc.drop_at_least_fraction = 1.0;
    assert_rr_ok(rr_store_gc(s, &gc, NULL, &err), &err);
    rr_timeseries_stats(v, &st);
    assert_int_equal(st.cache_entries, 0);
    rr_gfx_target_free(t);
    rr_timeseries_free(v);
    rr_store_free(s);
}

/* ---------------- blueprint heuristics ---------------- */

static void add_points3d(rr_store_t *s, const char *path) {
    int64_t t = 0;
    rr_chunk_t *c = new_chunk(path, "frame", &t, 1);
    /* positions as list<f32> is enough for classification */
    double xyz[3] = {1, 2, 3};
    add_column(c, "Points3D", "Points3D:positions", "f", xyz, NULL, 1, 3);
    insert(s, c);
}

static void add_marker(rr_store_t *s, const char *path, const char *archetype, const char *component) {
    int64_t t = 0;
    rr_chunk_t *c = new_chunk(path, "frame", &t, 1);
    double one = 1;
    add_column(c, archetype, component, "f", &one, NULL, 1, 1);
    insert(s, c);
}

static void test_blueprint_heuristics(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_blueprint_t bp;
    /* 3D points + scalars: a 3D view at the root and a plot. */
    rr_store_t *s = new_store(NULL);
    add_points3d(s, "world/points");
    add_scalars(s, "metrics/loss", 0, 5, 5, ramp);
    assert_rr_ok(rr_blueprint_default(s, &bp, &err), &err);
    assert_int_equal(bp.n_views, 2);
    assert_int_equal(bp.views[0].cls, RR_VIEW_SPATIAL3D);
    assert_string_equal(bp.views[0].origin.str, "/");
    assert_true(bp.views[0].subtree);
    assert_int_equal(bp.views[0].n_entities, 1);
    assert_string_equal(bp.views[0].entities[0].str, "/world/points");
    assert_int_equal(bp.views[1].cls, RR_VIEW_TIMESERIES);
    assert_string_equal(bp.views[1].origin.str, "/metrics/loss");
    assert_false(bp.views[1].subtree);
    assert_string_equal(bp.views[1].name, "loss");
    rr_blueprint_free(&bp);
    rr_store_free(s);

    /* Scalars only: one time series view. */
    s = new_store(NULL);
    add_scalars(s, "loss", 0, 5, 5, ramp);
    assert_rr_ok(rr_blueprint_default(s, &bp, &err), &err);
    assert_int_equal(bp.n_views, 1);
    assert_int_equal(bp.views[0].cls, RR_VIEW_TIMESERIES);
    rr_blueprint_free(&bp);
    /* A second scalar entity is a second plot (Rerun 0.33 recommends one per entity). */
    add_scalars(s, "acc", 0, 5, 5, ramp);
    assert_rr_ok(rr_blueprint_default(s, &bp, &err), &err);
    assert_int_equal(bp.n_views, 2);
    assert_string_equal(bp.views[0].origin.str, "/acc");
    rr_blueprint_free(&bp);
    /* Static scalars are not plotted. */
    rr_store_free(s);
    s = new_store(NULL);
    rr_chunk_t *c = new_chunk("const", NULL, NULL, 1);
    double one = 1;
    add_column(c, "Scalars", "Scalars:scalars", "g", &one, NULL, 1, 1);
    insert(s, c);
    assert_rr_ok(rr_blueprint_default(s, &bp, &err), &err);
    assert_int_equal(bp.n_views, 0);
    rr_blueprint_free(&bp);
    rr_store_free(s);

    /* An image under a pinhole: the 3D scene and the camera's 2D view;
     * ViewCoordinates on a subtree gives that subtree its own 3D view and
     * the root still gets one for what it does not cover. */
    s = new_store(NULL);
    add_marker(s, "world/camera", "Pinhole", "Pinhole:image_from_camera");
    add_marker(s, "world/camera/image", "Image", "Image:buffer");
    add_marker(s, "robot", "ViewCoordinates", "ViewCoordinates:xyz");
    add_points3d(s, "robot/arm");
    add_points3d(s, "world/points");
    assert_rr_ok(rr_blueprint_default(s, &bp, &err), &err);
    assert_int_equal(bp.n_views, 3);
    assert_int_equal(bp.views[0].cls, RR_VIEW_SPATIAL3D);
    assert_string_equal(bp.views[0].origin.str, "/");
    assert_int_equal(bp.views[1].cls, RR_VIEW_SPATIAL3D);
    assert_string_equal(bp.views[1].origin.str, "/robot");
    assert_int_equal(bp.views[2].cls, RR_VIEW_SPATIAL2D);
    assert_string_equal(bp.views[2].origin.str, "/world/camera");
    assert_int_equal(bp.views[2].n_entities, 1);
    assert_string_equal(bp.views[2].entities[0].str, "/world/camera/image");
    rr_blueprint_free(&bp);
    rr_store_free(s);

    /* The grid tiles the picture exactly. */
    for (size_t n = 1; n <= 9; n++) {
        long area = 0;
        for (size_t i = 0; i < n; i++) {
            int x, y, w, h;
            rr_blueprint_grid_cell(n, i, 101, 77, &x, &y, &w, &h);
            assert_true(x >= 0 && y >= 0 && x + w <= 101 && y + h <= 77 && w > 0 && h > 0);
            area += (long)w * h;
        }
        size_t cols = (size_t)ceil(sqrt((double)n)), rows = (n + cols - 1) / cols;
        if (n == cols * rows) assert_int_equal(area, 101 * 77);
    }
    int x, y, w, h;
    rr_blueprint_grid_cell(2, 1, 100, 50, &x, &y, &w, &h);
    assert_int_equal(x, 50), assert_int_equal(y, 0), assert_int_equal(w, 50), assert_int_equal(h, 50);
}

int main(void) {
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_decimate_matches_brute_force),
        cmocka_unit_test(test_window_math),
        cmocka_unit_test(test_blueprint_heuristics),
    };
    int rc = cmocka_run_group_tests_name("timeseries math and blueprint", pure, NULL, NULL);
    rr_error_t err = {0};
    if (rr_gfx_context_new_headless(&g_ctx, &err) != RR_OK) {
        printf("skipping the drawn tests: no headless OpenGL ES 3 context: %s\n", err.msg);
        return rc ? rc : 77;
    }
    if (rr_gfx_renderer_new(&g_r, &err) != RR_OK) {
        fprintf(stderr, "renderer: %s\n", err.msg);
        rr_gfx_context_free(g_ctx);
        return 1;
    }
    printf("renderer: %s (%s)\n", rr_gfx_renderer_name(g_r), rr_gfx_renderer_gl_version(g_r));
    const struct CMUnitTest drawn[] = {
        cmocka_unit_test(test_series_land_on_pixels),
        cmocka_unit_test(test_decimation_cache_and_size),
        cmocka_unit_test(test_cache_follows_store),
    };
    rc |= cmocka_run_group_tests_name("timeseries drawn", drawn, NULL, NULL);
    rr_gfx_renderer_free(g_r);
    rr_gfx_context_free(g_ctx);
    return rc;
}
