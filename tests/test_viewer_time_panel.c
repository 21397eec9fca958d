/* The time panel (src/viewer/shell/time_panel.c) driven by scripted input
 * and drawn headless (EGL on llvmpipe, the UI drawn into an off-screen
 * target): time text as Rerun 0.33 writes it (its own test vectors), typed
 * times parsed back, the density histogram against a naive count of random
 * recordings, the timeline combo, clicking and dragging the ruler, playing,
 * zooming and panning, and the density bars' pixels landing at the data's x
 * and nowhere else. Exits 77 (skip) without EGL / OpenGL ES 3 or the font. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "store_testgen.h"

#include "arrow/builder.h"
#include "arrow/schema.h"
#include "model/chunk.h"
#include "store/store.h"
#include "viewer/app.h"
#include "viewer/gfx/context.h"
#include "viewer/gfx/png.h"
#include "viewer/gfx/renderer.h"
#include "viewer/shell/time_panel.h"
#include "viewer/ui/ui.h"
#include "viewer/ui/ui_gl.h"

#define W 800
#define H 300
#define TS "\xE2\x80\x89" /* U+2009 thin space */

static rr_gfx_context_t *g_ctx;
static rr_gfx_renderer_t *g_r;
static rr_ui_gl_t *g_gl;
static rr_ui_font_t *g_font;
static rr_ui_t *g_ui;
static double g_now;

/* ---------------- formatting ---------------- */

static void check_fmt(rr_time_type_t type, int64_t v, int64_t today, const char *want) {
    char buf[128];
    size_t n = rr_time_panel_format(type, v, today, buf, sizeof buf);
    if (strcmp(buf, want) != 0) fail_msg("format(%d, %lld): got '%s', want '%s'", (int)type, (long long)v, buf, want);
    assert_int_equal(n, strlen(want));
}

static void check_compact(int64_t v, const char *want) {
    char buf[64];
    rr_time_panel_format_compact(RR_TIME_TIMESTAMP_NS, v, buf, sizeof buf);
    if (strcmp(buf, want) != 0) fail_msg("compact(%lld): got '%s', want '%s'", (long long)v, buf, want);
}

static void test_format(void **state) {
    (void)state;
    const int64_t NEVER = RR_TIME_STATIC; /* never hide the date */
    /* Sequences (re_log_types time_type.rs test_format_parse). */
    check_fmt(RR_TIME_SEQUENCE, 42, NEVER, "#42");
    check_fmt(RR_TIME_SEQUENCE, -42, NEVER, "#\xE2\x88\x92" "42");
    check_fmt(RR_TIME_SEQUENCE, 12345, NEVER, "#12" TS "345");
    check_fmt(RR_TIME_SEQUENCE, 1234567, NEVER, "#1" TS "234" TS "567");
    check_fmt(RR_TIME_SEQUENCE, RR_TIME_STATIC, NEVER, "<static>");
    check_fmt(RR_TIME_SEQUENCE, RR_TIME_MIN, NEVER, "beginning");
    check_fmt(RR_TIME_SEQUENCE, RR_TIME_MAX, NEVER, "end");
    /* Durations (duration.rs test_formatting_duration). */
    check_fmt(RR_TIME_DURATION_NS, 42000000000LL, NEVER, "+42s");
    check_fmt(RR_TIME_DURATION_NS, 69000000LL, NEVER, "+0.069s");
    check_fmt(RR_TIME_DURATION_NS, 69900000LL, NEVER, "+0.069" TS "900s");
    check_fmt(RR_TIME_DURATION_NS, 42123000000000LL, NEVER, "+42" TS "123s");
    check_fmt(RR_TIME_DURATION_NS, 1234567891LL, NEVER, "+1.234" TS "568s");
    check_fmt(RR_TIME_DURATION_NS, 1500000000LL, NEVER, "+1.5s");
    check_fmt(RR_TIME_DURATION_NS, 0, NEVER, "+0s");
    check_fmt(RR_TIME_DURATION_NS, -250000000LL, NEVER, "\xE2\x88\x92" "0.250s");
    /* Timestamps: UTC with the date, or without it on the same day. */
    const int64_t t = 1640995203123456789LL; /* 2022-01-01T00:00:03.123456789Z */
    check_fmt(RR_TIME_TIMESTAMP_NS, t, NEVER, "2022-01-01 00:00:03.123" TS "456Z");
    check_fmt(RR_TIME_TIMESTAMP_NS, t, t + 3600000000000LL, "00:00:03.123" TS "456Z");
    check_fmt(RR_TIME_TIMESTAMP_NS, 1640995203000000000LL, NEVER, "2022-01-01 00:00:03Z");
    check_fmt(RR_TIME_TIMESTAMP_NS, 1640995203500000000LL, NEVER, "2022-01-01 00:00:03.5Z");
    check_fmt(RR_TIME_TIMESTAMP_NS, 0, NEVER, "1970-01-01 00:00:00Z");
    check_fmt(RR_TIME_TIMESTAMP_NS, -1000000000LL, NEVER, "1969-12-31 23:59:59Z");
    check_fmt(RR_TIME_TIMESTAMP_NS, 951782400000000000LL, NEVER, "2000-02-29 00:00:00Z");
    /* The ruler's compact labels (timestamp.rs test_format_compact). */
    const int64_t day = 1640995200000000000LL; /* 2022-01-01T00:00:00Z */
    const int64_t hms = day + (1 * 3600 + 2 * 60 + 3) * 1000000000LL;
    check_compact(hms + 123450000LL, "+123.45 ms");
    check_compact(hms + 123000000LL, "+123 ms");
    check_compact(hms, "01:02:03");
    check_compact(hms - 3000000000LL, "01:02");
    check_compact(day, "2022-01-01");
    /* Truncation keeps a terminated prefix and reports the full length. */
    char small[4];
    assert_int_equal(rr_time_panel_format(RR_TIME_SEQUENCE, 12345, NEVER, small, sizeof small), 9);
    assert_string_equal(small, "#12");
}

static void test_parse(void **state) {
    (void)state;
    int64_t v;
    assert_true(rr_time_panel_parse(RR_TIME_SEQUENCE, "#42", &v) && v == 42);
    assert_true(rr_time_panel_parse(RR_TIME_SEQUENCE, "17", &v) && v == 17);
    assert_true(rr_time_panel_parse(RR_TIME_SEQUENCE, "#12" TS "345", &v) && v == 12345);
    assert_true(rr_time_panel_parse(RR_TIME_SEQUENCE, "#\xE2\x88\x92" "42", &v) && v == -42);
    assert_false(rr_time_panel_parse(RR_TIME_SEQUENCE, "#4x", &v));
    assert_false(rr_time_panel_parse(RR_TIME_SEQUENCE, "", &v));
    assert_true(rr_time_panel_parse(RR_TIME_DURATION_NS, "+1.5s", &v) && v == 1500000000LL);
    assert_true(rr_time_panel_parse(RR_TIME_DURATION_NS, "250ms", &v) && v == 250000000LL);
    assert_true(rr_time_panel_parse(RR_TIME_DURATION_NS, "+1.234" TS "568s", &v) && v == 1234568000LL);
    assert_true(rr_time_panel_parse(RR_TIME_DURATION_NS, "12345", &v) && v == 12345);
    assert_false(rr_time_panel_parse(RR_TIME_DURATION_NS, "1.5 parsecs", &v));
    assert_true(rr_time_panel_parse(RR_TIME_TIMESTAMP_NS, "2022-01-01 00:00:03.123456789Z", &v) &&
                v == 1640995203123456789LL);
    assert_true(rr_time_panel_parse(RR_TIME_TIMESTAMP_NS, "2022-01-01T00:00:03Z", &v) &&
                v == 1640995203000000000LL);
    assert_true(rr_time_panel_parse(RR_TIME_TIMESTAMP_NS, "2000-02-29", &v) && v == 951782400000000000LL);
    assert_false(rr_time_panel_parse(RR_TIME_TIMESTAMP_NS, "2022-13-01", &v));
    assert_false(rr_time_panel_parse(RR_TIME_TIMESTAMP_NS, "yesterday", &v));
    /* What the panel writes, it reads back. */
    const int64_t samples[] = {0, 1, 999, 1234567, -5, 1640995203123456000LL};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
            char buf[128];
            rr_time_panel_format((rr_time_type_t)k, samples[i], RR_TIME_STATIC, buf, sizeof buf);
            assert_true(rr_time_panel_parse((rr_time_type_t)k, buf, &v));
            /* Durations show six decimals at most: microseconds. */
            int64_t want = k == RR_TIME_SEQUENCE ? samples[i]
                                                 : (int64_t)floor((double)samples[i] / 1000) * 1000;
            if (k == RR_TIME_DURATION_NS) want = (int64_t)llround((double)samples[i] / 1000) * 1000;
            if (v != want) fail_msg("type %d: '%s' parsed to %lld, want %lld", k, buf, (long long)v, (long long)want);
        }
}

/* Any int64 of each type formats to text that parses back (to the
 * microsecond for durations and timestamps: six decimals shown); random
 * bytes never upset the parser. */
static void test_format_parse_random(void **state) {
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t v = (int64_t)x;
        if (i % 3 == 0) v >>= (int)(x % 60); /* small values too */
        if (v == RR_TIME_STATIC || v == RR_TIME_MIN || v == RR_TIME_MAX) continue;
        for (int k = 0; k < 3; k++) {
            char buf[128];
            size_t n = rr_time_panel_format((rr_time_type_t)k, v, RR_TIME_STATIC, buf, sizeof buf);
            assert_true(n < sizeof buf && strlen(buf) == n);
            int64_t back;
            if (!rr_time_panel_parse((rr_time_type_t)k, buf, &back)) fail_msg("type %d: '%s' (%lld) does not parse", k, buf, (long long)v);
            int64_t want = v;
            if (k == RR_TIME_DURATION_NS) {
                /* rounded to the closest microsecond, away from zero on ties */
                uint64_t a = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
                int64_t us = (int64_t)((a + 500) / 1000);
                want = v < 0 ? -us * 1000 : us * 1000;
            } else if (k == RR_TIME_TIMESTAMP_NS) {
                want = v - (((v % 1000) + 1000) % 1000); /* floored */
            }
            if (back != want)
                fail_msg("type %d: %lld -> '%s' -> %lld, want %lld", k, (long long)v, buf, (long long)back, (long long)want);
        }
        char junk[24];
        size_t len = x % sizeof junk;
        for (size_t j = 0; j < len; j++) junk[j] = (char)(1 + (x >> (j % 56)) % 255);
        junk[len] = 0;
        int64_t out;
        for (int k = 0; k < 3; k++) (void)rr_time_panel_parse((rr_time_type_t)k, junk, &out);
    }
}

/* ---------------- recordings ---------------- */

static void add_scalars(rr_chunk_t *c, int64_t rows) {
    rr_error_t err = {0};
    struct ArrowSchema type;
    assert_rr_ok(rr_arrow_schema_init(&type, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(type.children[0], "g", "item", ARROW_FLAG_NULLABLE, 0, &err), &err);
    rr_arrow_builder_t *b = NULL;
    assert_rr_ok(rr_arrow_builder_new(&type, &b, &err), &err);
    for (int64_t r = 0; r < rows; r++) {
        assert_rr_ok(rr_arrow_builder_append_double(rr_arrow_builder_child(b, 0), (double)r, &err), &err);
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    }
    struct ArrowArray a;
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    rr_arrow_builder_free(b);
    rr_component_descriptor_t d;
    assert_rr_ok(rr_component_descriptor_init(&d, "rerun.archetypes.Scalars", "Scalars:scalars", NULL, &err), &err);
    assert_rr_ok(rr_chunk_add_component(c, &d, &type, &a, &err), &err);
    rr_component_descriptor_free(&d);
    rr_arrow_schema_release(&type);
}

/* A chunk of entity path with rows at frames (sequence "frame") and, when
 * sim is set, at frame * 0.1 s on the duration timeline "sim_time" and at
 * 23:59:30 + frame s on 2022-01-01 on the timestamp timeline "log_time";
 * frames NULL: static. */
static rr_chunk_t *make_chunk(const char *path, const int64_t *frames, int64_t rows, bool sim) {
    rr_error_t err = {0};
    rr_entity_path_t p;
    assert_rr_ok(rr_entity_path_parse(path, strlen(path), &p, &err), &err);
    rr_chunk_t *c = NULL;
    assert_rr_ok(rr_chunk_new(rr_tuid_new(), &p, rows, NULL, &c, &err), &err);
    rr_entity_path_free(&p);
    if (frames) {
        assert_rr_ok(rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, frames, &err), &err);
        if (sim) {
            int64_t *ns = malloc((size_t)rows * sizeof *ns);
            assert_non_null(ns);
            for (int64_t i = 0; i < rows; i++) ns[i] = frames[i] * 100000000LL;
            assert_rr_ok(rr_chunk_add_index(c, "sim_time", RR_TIME_DURATION_NS, ns, &err), &err);
            /* 2022-01-01T23:59:30Z + frame seconds: the ruler crosses midnight. */
            for (int64_t i = 0; i < rows; i++) ns[i] = 1641081570000000000LL + frames[i] * 1000000000LL;
            assert_rr_ok(rr_chunk_add_index(c, "log_time", RR_TIME_TIMESTAMP_NS, ns, &err), &err);
            free(ns);
        }
    }
    add_scalars(c, rows);
    return c;
}

static void insert(rr_store_t *s, rr_chunk_t *c) {
    rr_error_t err = {0};
    assert_rr_ok(rr_store_insert_chunk(s, c, &err), &err);
}

static void insert_range(rr_store_t *s, const char *path, int64_t from, int64_t to, bool sim) {
    int64_t n = to - from + 1;
    int64_t *f = malloc((size_t)n * sizeof *f);
    assert_non_null(f);
    for (int64_t i = 0; i < n; i++) f[i] = from + i;
    insert(s, make_chunk(path, f, n, sim));
    free(f);
}

/* An app showing one recording: /points at frames 10..19, /robot/arm at
 * 50..59 (both also on sim_time), /robot/static static only; with
 * static_only, /robot/static alone. */
static rr_app_t *make_app_with(bool static_only) {
    rr_error_t err = {0};
    rr_app_t *app = NULL;
    assert_rr_ok(rr_app_new(NULL, &app, &err), &err);
    rr_log_msg_t info;
    memset(&info, 0, sizeof info);
    info.kind = RR_LOG_MSG_SET_STORE_INFO;
    assert_rr_ok(rr_store_id_init(&info.u.set_store_info.info.store_id, RR_STORE_KIND_RECORDING, "time_panel_test", "rec", &err), &err);
    assert_rr_ok(rr_store_set_insert_log_msg(rr_app_stores(app), &info, &err), &err);
    rr_store_t *s = rr_store_set_find(rr_app_stores(app), &info.u.set_store_info.info.store_id);
    assert_non_null(s);
    rr_store_id_free(&info.u.set_store_info.info.store_id);
    if (!static_only) {
        insert_range(s, "/points", 10, 19, true);
        insert_range(s, "/robot/arm", 50, 59, true);
    }
    insert(s, make_chunk("/robot/static", NULL, 1, false));
    rr_app_update(app, -1);
    assert_ptr_equal(rr_app_active_store(app), s);
    if (!static_only) assert_rr_ok(rr_app_set_timeline(app, "frame", &err), &err);
    return app;
}

static rr_app_t *make_app(void) { return make_app_with(false); }

/* ---------------- the histogram ---------------- */

static void test_density_direct(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_store_id_t id = {RR_STORE_KIND_RECORDING, NULL, NULL};
    rr_store_t *s = NULL;
    assert_rr_ok(rr_store_new(&id, NULL, &s, &err), &err);
    const int64_t fa[] = {10, 10, 11, 30};
    insert(s, make_chunk("/a", fa, 4, false));
    insert_range(s, "/b", 100, 199, false);
    rr_entity_path_t a, b, none;
    assert_rr_ok(rr_entity_path_parse("/a", 2, &a, &err), &err);
    assert_rr_ok(rr_entity_path_parse("/b", 2, &b, &err), &err);
    assert_rr_ok(rr_entity_path_parse("/none", 5, &none, &err), &err);
    float bk[200];
    memset(bk, 0, sizeof bk);
    assert_int_equal(rr_time_panel_density(s, &a, "frame", 0, 200, bk, 200), 4);
    for (int i = 0; i < 200; i++) {
        float want = i == 10 ? 2 : i == 11 || i == 30 ? 1 : 0;
        if (bk[i] != want) fail_msg("bucket %d: %g, want %g", i, bk[i], want);
    }
    /* Two units per bucket, and a window cutting the data. */
    float b2[50];
    memset(b2, 0, sizeof b2);
    assert_int_equal(rr_time_panel_density(s, &b, "frame", 150, 250, b2, 50), 50);
    for (int i = 0; i < 50; i++) assert_float_equal(b2[i], i < 25 ? 2 : 0, 0);
    /* Nothing for an unknown entity, timeline or an empty window. */
    memset(b2, 0, sizeof b2);
    assert_int_equal(rr_time_panel_density(s, &none, "frame", 0, 200, b2, 50), 0);
    assert_int_equal(rr_time_panel_density(s, &a, "nope", 0, 200, b2, 50), 0);
    assert_int_equal(rr_time_panel_density(s, &a, "frame", 5, 5, b2, 50), 0);
    for (int i = 0; i < 50; i++) assert_float_equal(b2[i], 0, 0);

    /* Past 10 000 rows the chunks spread their rows over their range: the
     * total stays, and so does where it lies. */
    insert_range(s, "/big", 1000, 1000 + 11999, false);
    rr_entity_path_t big;
    assert_rr_ok(rr_entity_path_parse("/big", 4, &big, &err), &err);
    float b3[100];
    memset(b3, 0, sizeof b3);
    uint64_t rows = rr_time_panel_density(s, &big, "frame", 0, 20000, b3, 100);
    assert_int_equal(rows, 12000);
    double sum = 0;
    for (int i = 0; i < 100; i++) {
        sum += b3[i];
        bool inside = i * 200 >= 1000 && (i + 1) * 200 <= 13000;
        bool outside = (i + 1) * 200 <= 1000 || i * 200 >= 13000;
        if (inside) assert_float_equal(b3[i], 200, 2);
        if (outside) assert_float_equal(b3[i], 0, 0);
    }
    assert_float_equal(sum, 12000, 1);
    rr_entity_path_free(&a);
    rr_entity_path_free(&b);
    rr_entity_path_free(&none);
    rr_entity_path_free(&big);
    rr_store_free(s);
}

/* Random recordings (store_testgen.h): every bucket holds exactly the
 * rows a naive scan finds in it, per entity and timeline. */
static void test_density_random(void **state) {
    (void)state;
    static const char *const ents[] = {"/a", "/a/b", "/c", "/d/e/f"};
    static const char *const tls[] = {"frame", "tick"};
    static const char *const comps[] = {"Points3D:positions", "Points3D:colors"};
    static const char *const archs[] = {"rerun.archetypes.Points3D", "rerun.archetypes.Points3D"};
    static const char *const fmts[] = {"l", "+w:3"};
    for (uint64_t seed = 1; seed <= 20; seed++) {
        rr_error_t err = {0};
        tg_world_t w;
        tg_world_init(&w, seed * 7919, 4, ents, 2, tls, 2, comps, archs, fmts, -1);
        tg_ref_t ref = {0};
        rr_store_id_t id = {RR_STORE_KIND_RECORDING, NULL, NULL};
        rr_store_t *s = NULL;
        assert_rr_ok(rr_store_new(&id, NULL, &s, &err), &err);
        int nchunks = 1 + (int)tg_rnd(&w, 40);
        for (int k = 0; k < nchunks; k++) {
            tg_plan_t p = {0};
            p.ent = (int)tg_rnd(&w, 4);
            p.is_static = tg_rnd(&w, 8) == 0;
            p.static_cells_valued = true;
            p.n = 1 + (int)tg_rnd(&w, TG_MAX_ROWS);
            p.has_tl[0] = true;
            p.has_tl[1] = tg_rnd(&w, 2);
            p.has_comp[0] = true;
            p.has_comp[1] = tg_rnd(&w, 2);
            p.rid_time_base = 1000;
            p.rid_time_spread = 100;
            p.time_spread = 1 + tg_rnd(&w, 300);
            p.chunk_id_time = 5000 + (uint64_t)k;
            insert(s, tg_chunk(&w, &p, &ref));
        }
        const size_t n = 37;
        const double t0 = -3.5, t1 = 290;
        const double bw = (t1 - t0) / (double)n;
        for (int e = 0; e < 4; e++) {
            for (int k = 0; k < 2; k++) {
                float got[37], want[37];
                memset(got, 0, sizeof got);
                memset(want, 0, sizeof want);
                uint64_t want_rows = 0;
                for (size_t i = 0; i < ref.n; i++) {
                    const tg_row_t *r = &ref.rows[i];
                    if (r->ent != e || r->is_static || !r->has[k]) continue;
                    bool data = false; /* an event: some cell not null */
                    for (int cc = 0; cc < 2; cc++) data |= r->state[cc] == TG_EMPTY || r->state[cc] == TG_VALS;
                    if (!data) continue;
                    double t = (double)r->time[k];
                    if (t < t0 || t >= t1) continue;
                    size_t b = (size_t)((t - t0) / bw);
                    want[b < n ? b : n - 1] += 1;
                    want_rows++;
                }
                uint64_t rows = rr_time_panel_density(s, &w.path[e], tls[k], t0, t1, got, n);
                if (rows != want_rows) fail_msg("seed %llu %s %s: %llu rows, want %llu", (unsigned long long)seed, ents[e], tls[k], (unsigned long long)rows, (unsigned long long)want_rows);
                for (size_t b = 0; b < n; b++)
                    if (got[b] != want[b]) fail_msg("seed %llu %s %s bucket %zu: %g, want %g", (unsigned long long)seed, ents[e], tls[k], b, got[b], want[b]);
            }
        }
        rr_store_free(s);
        tg_ref_free(&ref);
        tg_world_free(&w);
    }
}

/* ---------------- the panel, driven ---------------- */

static void move(float x, float y) { rr_ui_input_mouse_pos(g_ui, x, y); }
static void press(int b) { rr_ui_input_mouse_button(g_ui, b, true); }
static void release(int b) { rr_ui_input_mouse_button(g_ui, b, false); }
static float cx(rr_ui_rect_t r) { return r.x + r.w * 0.5f; }
static float cy(rr_ui_rect_t r) { return r.y + r.h * 0.5f; }

static void reset_ui(void) {
    rr_ui_free(g_ui);
    rr_error_t err = {0};
    assert_rr_ok(rr_ui_new(g_font, &g_ui, &err), &err);
    move(-100, -100);
}

static void frame(rr_time_panel_t *tp, rr_app_t *app) {
    rr_error_t err = {0};
    g_now += 1.0 / 60;
    rr_ui_begin_frame(g_ui, W, H, g_now);
    /* The shell draws the panel's background before calling it. */
    rr_ui_draw_rect(g_ui, (rr_ui_rect_t){0, 0, W, H}, rr_ui_theme(g_ui)->bottom_bar_bg, 0);
    assert_rr_ok(rr_time_panel(tp, g_ui, app, (rr_ui_rect_t){0, 0, W, H}, &err), &err);
    assert_rr_ok(rr_ui_end_frame(g_ui, &err), &err);
}

static void click(rr_time_panel_t *tp, rr_app_t *app, float x, float y) {
    move(x, y);
    frame(tp, app);
    press(0);
    release(0);
    frame(tp, app);
}

/* A fresh UI and the test recording, and a panel on them. */
static rr_time_panel_t *panel_new(rr_app_t **app) {
    reset_ui();
    *app = make_app();
    rr_time_panel_t *tp = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_time_panel_new(&tp, &err), &err);
    return tp;
}

static void test_timeline_combo(void **state) {
    (void)state;
    rr_app_t *app;
    rr_time_panel_t *tp = panel_new(&app);
    frame(tp, app);
    assert_string_equal(rr_app_timeline(app), "frame");
    rr_ui_rect_t combo = rr_time_panel_layout(tp)->timeline_combo;
    assert_true(combo.w > 0);
    click(tp, app, combo.x + 10, cy(combo));
    frame(tp, app);
    /* The list opens under the combo: timelines by name, "sim_time" third. */
    float step = combo.h + rr_ui_theme(g_ui)->spacing_y;
    click(tp, app, combo.x + 10, combo.y + combo.h + 4 + 2 * step + 0.5f * combo.h);
    assert_string_equal(rr_app_timeline(app), "sim_time");
    frame(tp, app);
    /* The ruler now spans sim_time: 1 s .. 5.9 s. */
    double lo, hi;
    bool zoomed;
    rr_time_panel_view(tp, &lo, &hi, &zoomed);
    assert_false(zoomed);
    assert_float_equal(lo, 1e9, 1);
    assert_float_equal(hi, 5.9e9, 1);
    /* The field shows the current time as Rerun writes it. */
    char want[64];
    rr_time_panel_format(RR_TIME_DURATION_NS, rr_app_time(app), RR_TIME_STATIC, want, sizeof want);
    assert_int_equal(rr_app_time(app), 5900000000LL); /* following: the newest */
    assert_string_equal(want, "+5.9s");
    rr_time_panel_free(tp);
    rr_app_free(app);
}

static void test_ruler_click_and_drag(void **state) {
    (void)state;
    rr_app_t *app;
    rr_time_panel_t *tp = panel_new(&app);
    frame(tp, app);
    const rr_time_panel_layout_t *L = rr_time_panel_layout(tp);
    rr_ui_rect_t ruler = L->ruler;
    assert_true(ruler.w > 200);
    /* The whole range fills the ruler between its side margins. */
    assert_float_equal(rr_time_panel_x_from_time(tp, 10), ruler.x + 26, 0.01);
    assert_float_equal(rr_time_panel_x_from_time(tp, 59), ruler.x + ruler.w - 26, 0.01);
    for (int64_t T = 10; T <= 59; T += 7) {
        float x = rr_time_panel_x_from_time(tp, (double)T);
        click(tp, app, x, cy(ruler));
        double per_px = 1.0 / (double)(rr_time_panel_x_from_time(tp, 1) - rr_time_panel_x_from_time(tp, 0));
        if (fabs((double)(rr_app_time(app) - T)) > per_px + 0.5)
            fail_msg("clicked at time %lld, got %lld", (long long)T, (long long)rr_app_time(app));
        assert_false(rr_app_following(app));
    }
    /* Dragging in the time area (here under the rows; on the ruler a drag
     * makes a loop selection, as in Rerun) scrubs: the time follows the
     * mouse while held, wherever it goes, and stays within the data. */
    float x20 = rr_time_panel_x_from_time(tp, 20), x40 = rr_time_panel_x_from_time(tp, 40);
    float below_y = L->streams.y + L->streams.h - 4;
    move(x20, below_y);
    frame(tp, app);
    press(0);
    frame(tp, app);
    assert_int_equal(rr_app_time(app), 20);
    for (int i = 1; i <= 10; i++) {
        move(x20 + (x40 - x20) * (float)i / 10, cy(ruler));
        frame(tp, app);
    }
    assert_int_equal(rr_app_time(app), 40);
    move(ruler.x + ruler.w + 50, cy(ruler));
    frame(tp, app);
    assert_int_equal(rr_app_time(app), 59);
    release(0);
    frame(tp, app);
    assert_false(rr_app_time_selection(app, NULL));
    /* A click in a row's data area scrubs too. */
    rr_ui_rect_t row;
    assert_true(rr_time_panel_row_rect(tp, "/points", &row));
    click(tp, app, rr_time_panel_x_from_time(tp, 33), cy(row));
    assert_int_equal(rr_app_time(app), 33);
    /* And so does one in the empty area under the rows. */
    const rr_time_panel_layout_t *L2 = rr_time_panel_layout(tp);
    click(tp, app, rr_time_panel_x_from_time(tp, 44), L2->streams.y + L2->streams.h - 4);
    assert_int_equal(rr_app_time(app), 44);
    rr_time_panel_free(tp);
    rr_app_free(app);
}

/* A press, a move in steps and a release: a drag. */
static void drag(rr_time_panel_t *tp, rr_app_t *app, float x0, float x1, float y) {
    move(x0, y);
    frame(tp, app);
    press(0);
    frame(tp, app);
    for (int i = 1; i <= 8; i++) {
        move(x0 + (x1 - x0) * (float)i / 8, y);
        frame(tp, app);
    }
    release(0);
    frame(tp, app);
}

static void assert_selection(rr_app_t *app, int64_t lo, int64_t hi) {
    rr_time_range_t r;
    assert_true(rr_app_time_selection(app, &r));
    if (r.min != lo || r.max != hi)
        fail_msg("selection %lld..%lld, want %lld..%lld", (long long)r.min, (long long)r.max,
                 (long long)lo, (long long)hi);
}

/* The loop selection (time_selection_ui.rs): a drag on the ruler makes one
 * and loops it; playback and steps stay inside it; a click on it switches
 * looping it on and off, Alt+click removes it; its edges resize it and its
 * middle moves it (within the data); a click beside it removes it; the
 * loop button cycles off, all, selection (making one when there is none);
 * a change of timeline drops it. */
static void test_loop_selection(void **state) {
    (void)state;
    rr_app_t *app;
    rr_time_panel_t *tp = panel_new(&app);
    rr_error_t err = {0};
    frame(tp, app);
    const rr_time_panel_layout_t *L = rr_time_panel_layout(tp);
    rr_ui_rect_t ruler = L->ruler;
#define X(t) rr_time_panel_x_from_time(tp, (double)(t))
    assert_false(rr_app_time_selection(app, NULL));
    drag(tp, app, X(20), X(40), cy(ruler));
    assert_selection(app, 20, 40);
    assert_int_equal(rr_app_loop_mode(app), RR_APP_LOOP_SELECTION);
    assert_int_equal(rr_app_time(app), 20); /* the press moved the time */
    /* Playback wraps inside the selection (30 frames a second). */
    rr_app_set_playing(app, true);
    rr_app_tick(app, 0.5);
    assert_int_equal(rr_app_time(app), 35);
    rr_app_tick(app, 0.5);
    assert_int_equal(rr_app_time(app), 20);
    /* Outside it, playing starts over at its start. */
    rr_app_set_time(app, 55);
    rr_app_set_playing(app, true);
    rr_app_tick(app, 0.1);
    assert_int_equal(rr_app_time(app), 20);
    rr_app_set_playing(app, false);
    /* Steps: the next time with data (50) is past the selection: back to
     * its start; the previous one (10) before it: to its end. */
    rr_app_set_time(app, 30);
    rr_app_step(app, 1);
    assert_int_equal(rr_app_time(app), 20);
    rr_app_step(app, -1);
    assert_int_equal(rr_app_time(app), 40);
    /* A click on it: looping off and on again; the selection stays. */
    click(tp, app, X(30), cy(ruler));
    assert_int_equal(rr_app_loop_mode(app), RR_APP_LOOP_OFF);
    assert_selection(app, 20, 40);
    click(tp, app, X(30), cy(ruler));
    assert_int_equal(rr_app_loop_mode(app), RR_APP_LOOP_SELECTION);
    /* The right edge, then the middle (moved past the data's end: it
     * keeps its length and stops at 59). */
    drag(tp, app, X(40), X(50), cy(ruler));
    assert_selection(app, 20, 50);
    drag(tp, app, X(30), X(35), cy(ruler));
    assert_selection(app, 25, 55);
    drag(tp, app, X(40), X(58), cy(ruler));
    assert_selection(app, 29, 59);
    /* The left edge, dragged past the right one: they swap. */
    drag(tp, app, X(29), X(20), cy(ruler));
    assert_selection(app, 20, 59);
    /* Alt+click removes it (and its loop). */
    rr_ui_input_modifiers(g_ui, RR_UI_MOD_ALT);
    click(tp, app, X(40), cy(ruler));
    rr_ui_input_modifiers(g_ui, 0);
    assert_false(rr_app_time_selection(app, NULL));
    assert_int_equal(rr_app_loop_mode(app), RR_APP_LOOP_OFF);
    /* The loop button: off -> all -> selection (a new one, the middle half
     * of the view) -> off. */
    click(tp, app, L->loop.x + 6, cy(L->loop));
    assert_int_equal(rr_app_loop_mode(app), RR_APP_LOOP_ALL);
    click(tp, app, L->loop.x + 6, cy(L->loop));
    assert_int_equal(rr_app_loop_mode(app), RR_APP_LOOP_SELECTION);
    rr_time_range_t r;
    assert_true(rr_app_time_selection(app, &r));
    double span = 59 - 10;
    assert_true(llabs(r.min - (int64_t)llround(10 + 0.25 * span)) <= 1);
    assert_true(llabs(r.max - (int64_t)llround(10 + 0.75 * span)) <= 1);
    click(tp, app, L->loop.x + 6, cy(L->loop));
    assert_int_equal(rr_app_loop_mode(app), RR_APP_LOOP_OFF);
    assert_true(rr_app_time_selection(app, NULL));
    /* A click on the ruler beside it removes it and moves the time. */
    click(tp, app, X(55), cy(ruler));
    assert_false(rr_app_time_selection(app, NULL));
    assert_int_equal(rr_app_time(app), 55);
    /* A selection belongs to its timeline. */
    drag(tp, app, X(15), X(25), cy(ruler));
    assert_selection(app, 15, 25);
    assert_rr_ok(rr_app_set_timeline(app, "sim_time", &err), &err);
    assert_false(rr_app_time_selection(app, NULL));
    assert_int_equal(rr_app_loop_mode(app), RR_APP_LOOP_OFF);
#undef X
    rr_time_panel_free(tp);
    rr_app_free(app);
}

static void test_play_step_and_controls(void **state) {
    (void)state;
    rr_app_t *app;
    rr_time_panel_t *tp = panel_new(&app);
    frame(tp, app);
    const rr_time_panel_layout_t *L = rr_time_panel_layout(tp);
    rr_app_set_time(app, 10);
    click(tp, app, cx(L->play), cy(L->play));
    assert_true(rr_app_playing(app));
    int64_t before = rr_app_time(app);
    rr_app_tick(app, 0.5); /* 30 frames per second on sequences */
    assert_int_equal(rr_app_time(app), before + 15);
    click(tp, app, cx(L->play), cy(L->play));
    assert_false(rr_app_playing(app));
    /* Steps go to the neighbouring times with data. */
    rr_app_set_time(app, 19);
    click(tp, app, cx(L->step_forward), cy(L->step_forward));
    assert_int_equal(rr_app_time(app), 50);
    click(tp, app, cx(L->step_back), cy(L->step_back));
    assert_int_equal(rr_app_time(app), 19);
    /* Loop and follow toggles. */
    assert_false(rr_app_looping(app));
    click(tp, app, L->loop.x + 6, cy(L->loop));
    assert_true(rr_app_looping(app));
    click(tp, app, L->follow.x + 6, cy(L->follow));
    assert_true(rr_app_following(app));
    assert_int_equal(rr_app_time(app), 59);
    /* Speed: the combo's fifth entry is 4x (list rows are a row and the
     * item spacing apart). */
    click(tp, app, L->speed_combo.x + 10, cy(L->speed_combo));
    frame(tp, app);
    float step = L->speed_combo.h + rr_ui_theme(g_ui)->spacing_y;
    click(tp, app, L->speed_combo.x + 10, L->speed_combo.y + L->speed_combo.h + 4 + 4 * step + 0.5f * L->speed_combo.h);
    assert_float_equal(rr_app_speed(app), 4.0, 0);
    /* Typing a time goes there. */
    click(tp, app, cx(L->time_field), cy(L->time_field));
    rr_ui_input_key(g_ui, RR_UI_KEY_A, true);
    rr_ui_input_modifiers(g_ui, RR_UI_MOD_CTRL);
    frame(tp, app);
    rr_ui_input_key(g_ui, RR_UI_KEY_A, false);
    rr_ui_input_modifiers(g_ui, 0);
    rr_ui_input_key(g_ui, RR_UI_KEY_BACKSPACE, true);
    rr_ui_input_key(g_ui, RR_UI_KEY_BACKSPACE, false);
    frame(tp, app);
    rr_ui_input_text(g_ui, "#52");
    frame(tp, app);
    rr_ui_input_key(g_ui, RR_UI_KEY_ENTER, true);
    rr_ui_input_key(g_ui, RR_UI_KEY_ENTER, false);
    frame(tp, app);
    assert_int_equal(rr_app_time(app), 52);
    rr_time_panel_free(tp);
    rr_app_free(app);
}

static void test_zoom_pan_reset(void **state) {
    (void)state;
    rr_app_t *app;
    rr_time_panel_t *tp = panel_new(&app);
    frame(tp, app);
    rr_ui_rect_t ruler = rr_time_panel_layout(tp)->ruler;
    double lo0, hi0, lo, hi;
    bool zoomed;
    rr_time_panel_view(tp, &lo0, &hi0, &zoomed);
    /* The wheel zooms in around the mouse: the time under it stays put. */
    float mx = rr_time_panel_x_from_time(tp, 30);
    move(mx, cy(ruler));
    frame(tp, app);
    rr_ui_input_wheel(g_ui, 0, 8 * RR_UI_WHEEL_NOTCH); /* eight notches: over 2x */
    frame(tp, app);
    rr_time_panel_view(tp, &lo, &hi, &zoomed);
    assert_true(zoomed);
    assert_true(hi - lo < (hi0 - lo0) * 0.5);
    assert_float_equal(rr_time_panel_time_from_x(tp, mx), 30, 1e-6);
    /* A right-button drag pans: 100 points to the left shows later times. */
    double span = hi - lo;
    press(1);
    frame(tp, app);
    move(mx - 100, cy(ruler));
    frame(tp, app);
    release(1);
    frame(tp, app);
    double lo2, hi2;
    rr_time_panel_view(tp, &lo2, &hi2, &zoomed);
    double per_pt = span / (double)(rr_time_panel_x_from_time(tp, hi2) - rr_time_panel_x_from_time(tp, lo2));
    assert_float_equal(lo2 - lo, 100 * per_pt, 1e-6);
    assert_float_equal(hi2 - lo2, span, 1e-6);
    /* A double click shows the whole range again. */
    move(cx(ruler), cy(ruler));
    frame(tp, app);
    press(0), release(0);
    frame(tp, app);
    press(0), release(0);
    frame(tp, app);
    rr_time_panel_view(tp, &lo, &hi, &zoomed);
    assert_false(zoomed);
    assert_float_equal(lo, lo0, 0);
    assert_float_equal(hi, hi0, 0);
    rr_time_panel_free(tp);
    rr_app_free(app);
}

/* Renders the ended frame; malloc'ed RGBA, top row first. */
static uint8_t *render(void) {
    rr_error_t err = {0};
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 1, &t, &err), &err);
    rr_mat4_t id = rr_mat4_identity();
    const float clear[4] = {1, 0, 1, 1};
    rr_gfx_begin(g_r, t, &id, &id, clear);
    assert_rr_ok(rr_ui_gl_render(g_gl, g_ui, W, H, &err), &err);
    assert_rr_ok(rr_gfx_end(g_r, &err), &err);
    uint8_t *px = malloc((size_t)W * H * 4);
    assert_non_null(px);
    assert_rr_ok(rr_gfx_target_read_rgba(t, px, &err), &err);
    rr_gfx_target_free(t);
    return px;
}

/* Whether any pixel in column x, rows y0..y1, differs from bg. */
static bool column_has_ink(const uint8_t *px, int x, int y0, int y1, uint32_t bg) {
    for (int y = y0; y <= y1; y++) {
        const uint8_t *p = px + ((size_t)y * W + (size_t)x) * 4;
        if (abs(p[0] - (int)(bg >> 24)) > 3 || abs(p[1] - (int)(bg >> 16 & 0xff)) > 3 ||
            abs(p[2] - (int)(bg >> 8 & 0xff)) > 3)
            return true;
    }
    return false;
}

static void test_density_pixels(void **state) {
    (void)state;
    rr_app_t *app;
    rr_time_panel_t *tp = panel_new(&app);
    rr_error_t err = {0};
    /* Top-level entities start open, so /robot/arm shows; the cursor goes
     * to the start, out of the way of /robot/arm's data. */
    frame(tp, app);
    rr_app_set_time(app, 10);
    move(-100, -100);
    frame(tp, app);
    frame(tp, app);
    /* /points is open (top level): its component's row carries the data. */
    rr_ui_rect_t points, arm, stat, rec;
    assert_true(rr_time_panel_row_rect(tp, "/points Scalars:scalars", &points));
    assert_true(rr_time_panel_row_rect(tp, "/robot/arm", &arm));
    assert_true(rr_time_panel_row_rect(tp, "/robot/static", &stat));
    assert_true(rr_time_panel_row_rect(tp, "", &rec));
    rr_ui_rect_t robot, points_entity;
    assert_true(rr_time_panel_row_rect(tp, "/robot", &robot));
    assert_true(rr_time_panel_row_rect(tp, "/points", &points_entity));
    assert_true(points.y > points_entity.y);
    rr_ui_rect_t none;
    assert_false(rr_time_panel_row_rect(tp, "/robot/arm Scalars:scalars", &none)); /* closed */
    uint8_t *px = render();
    /* For people to look at: $RR_BUILD_DIR/time_panel.png. */
    const char *dir = getenv("RR_BUILD_DIR");
    char png[1024];
    snprintf(png, sizeof png, "%s/time_panel.png", dir ? dir : ".");
    assert_rr_ok(rr_png_write_rgba(png, W, H, px, &err), &err);
    uint32_t bg = rr_ui_theme(g_ui)->bottom_bar_bg;
    float x10 = rr_time_panel_x_from_time(tp, 10);
    float cursor = x10;
    /* Each row's bars: at every event's x and nowhere else along the row
     * (the cursor's column aside). */
    struct {
        rr_ui_rect_t r;
        int64_t a0, a1, b0, b1; /* the data's frames */
    } rows[] = {{points, 10, 19, 0, -1}, {arm, 50, 59, 0, -1}, {rec, 10, 19, 50, 59}};
    for (size_t k = 0; k < 3; k++) {
        int y0 = (int)rows[k].r.y + 2, y1 = (int)(rows[k].r.y + rows[k].r.h) - 3;
        float xs[20];
        int nx = 0;
        for (int64_t t = rows[k].a0; t <= rows[k].a1; t++) xs[nx++] = rr_time_panel_x_from_time(tp, (double)t);
        for (int64_t t = rows[k].b0; t <= rows[k].b1; t++) xs[nx++] = rr_time_panel_x_from_time(tp, (double)t);
        for (int i = 0; i < nx; i++) {
            if (fabsf(xs[i] - cursor) < 3) continue;
            bool ink = false;
            for (int dx = -1; dx <= 1; dx++) ink |= column_has_ink(px, (int)xs[i] + dx, y0, y1, bg);
            if (!ink) fail_msg("row %zu: no bar at x=%g", k, xs[i]);
        }
        int stray = 0;
        for (int x = (int)rows[k].r.x + 1; x < (int)(rows[k].r.x + rows[k].r.w) - 14; x++) {
            float fx = (float)x + 0.5f;
            bool near = fabsf(fx - cursor) < 3;
            /* The band is blurred over two buckets each side and tapers
             * over one more. */
            for (int i = 0; i < nx; i++) near |= fabsf(fx - xs[i]) < 5;
            if (!near && column_has_ink(px, x, y0, y1, bg)) stray++;
        }
        if (stray) fail_msg("row %zu: %d columns inked away from the data", k, stray);
    }
    float x19 = rr_time_panel_x_from_time(tp, 19);
    /* The open /robot and /points leave their density to their rows. */
    for (int k = 0; k < 2; k++) {
        rr_ui_rect_t o = k ? points_entity : robot;
        for (int x = (int)o.x + 1; x < (int)(o.x + o.w) - 14; x++)
            if (fabsf((float)x + 0.5f - cursor) >= 3 && column_has_ink(px, x, (int)o.y + 2, (int)(o.y + o.h) - 3, bg))
                fail_msg("open row %d: ink at x=%d", k, x);
    }
    /* The static-only entity has no bars, only its mark at the left. */
    int stray = 0;
    for (int x = (int)(x19 + 40); x < (int)(stat.x + stat.w) - 14; x++)
        if (fabsf((float)x + 0.5f - cursor) >= 3 && column_has_ink(px, x, (int)stat.y + 2, (int)(stat.y + stat.h) - 3, bg)) stray++;
    assert_int_equal(stray, 0);
    bool mark = false;
    for (int x = (int)stat.x + 2; x < (int)stat.x + 40; x++)
        mark |= column_has_ink(px, x, (int)stat.y + 2, (int)(stat.y + stat.h) - 3, bg);
    assert_true(mark);
    free(px);

    /* Hovering /points' bars says how many events lie under the mouse. */
    move(rr_time_panel_x_from_time(tp, 15), cy(points));
    for (int i = 0; i < 60; i++) frame(tp, app);
    rr_ui_draw_data_t dd;
    rr_ui_draw_data(g_ui, &dd);
    const rr_ui_draw_list_t *tl = dd.lists[RR_UI_LAYER_TOOLTIP];
    assert_true(tl->n_vtx > 0);
    /* Its box fits the text it should say (the toolkit pads the text by
     * padding_x + 2 each side). */
    float x0 = 1e9f, x1 = -1e9f;
    for (size_t i = 0; i < tl->n_vtx; i++) {
        x0 = fminf(x0, tl->vtx[i].x);
        x1 = fmaxf(x1, tl->vtx[i].x);
    }
    const char *want = "/points Scalars:scalars: 1 event, nearest at #15";
    float tw = rr_ui_text_width(g_ui, want) + 2 * rr_ui_theme(g_ui)->padding_x + 4;
    if (fabsf((x1 - x0) - tw) > 2.5f) fail_msg("tooltip %g wide, '%s' makes %g", x1 - x0, want, tw);
    rr_time_panel_free(tp);
    rr_app_free(app);
}

/* More data arriving (a new chunk) shows without any other change: the
 * cache follows the store. */
static void test_cache_follows_store(void **state) {
    (void)state;
    rr_app_t *app;
    rr_time_panel_t *tp = panel_new(&app);
    rr_error_t err = {0};
    rr_app_set_time(app, 10);
    frame(tp, app);
    /* Frames that change nothing paint from the cache. */
    uint64_t n0 = rr_time_panel_density_recomputes(tp);
    for (int i = 0; i < 5; i++) frame(tp, app);
    assert_int_equal(rr_time_panel_density_recomputes(tp), n0);
    rr_ui_rect_t points;
    assert_true(rr_time_panel_row_rect(tp, "/points Scalars:scalars", &points));
    float x55 = rr_time_panel_x_from_time(tp, 55);
    uint8_t *px = render();
    uint32_t bg = rr_ui_theme(g_ui)->bottom_bar_bg;
    assert_false(column_has_ink(px, (int)x55, (int)points.y + 2, (int)(points.y + points.h) - 3, bg));
    free(px);
    const int64_t f[] = {55};
    insert(rr_app_active_store(app), make_chunk("/points", f, 1, false));
    rr_app_update(app, -1);
    frame(tp, app);
    assert_int_equal(rr_time_panel_density_recomputes(tp), n0 + 1);
    px = render();
    assert_true(column_has_ink(px, (int)x55, (int)points.y + 2, (int)(points.y + points.h) - 3, bg));
    free(px);
    /* So does a zoom; and switching timelines. */
    move(x55, cy(points));
    rr_ui_input_modifiers(g_ui, RR_UI_MOD_CTRL);
    frame(tp, app);
    rr_ui_input_wheel(g_ui, 0, 30);
    frame(tp, app);
    rr_ui_input_modifiers(g_ui, 0);
    assert_int_equal(rr_time_panel_density_recomputes(tp), n0 + 2);
    assert_rr_ok(rr_app_set_timeline(app, "sim_time", &err), &err);
    frame(tp, app);
    assert_int_equal(rr_time_panel_density_recomputes(tp), n0 + 3);
    frame(tp, app);
    assert_int_equal(rr_time_panel_density_recomputes(tp), n0 + 3);
    rr_time_panel_free(tp);
    rr_app_free(app);
}

/* Clicking a name hands the entity to the shell; the selected entity's
 * row is highlighted and its density drawn in Rerun's selected colour
 * (Blue.800 on the dark theme) instead of Gray.700. */
static void test_select_row(void **state) {
    (void)state;
    rr_app_t *app;
    rr_time_panel_t *tp = panel_new(&app);
    rr_app_set_time(app, 10);
    frame(tp, app);
    rr_ui_rect_t points, arm;
    assert_true(rr_time_panel_row_rect(tp, "/points", &points));
    assert_true(rr_time_panel_row_rect(tp, "/robot/arm", &arm));
    const rr_time_panel_layout_t *L = rr_time_panel_layout(tp);
    assert_null(rr_time_panel_clicked(tp));
    click(tp, app, L->tree.x + L->tree.w - 20, cy(points));
    assert_non_null(rr_time_panel_clicked(tp));
    assert_string_equal(rr_time_panel_clicked(tp), "/points");
    frame(tp, app);
    assert_null(rr_time_panel_clicked(tp));
    move(-100, -100);
    for (int sel = 0; sel < 2; sel++) {
        rr_time_panel_set_selected(tp, sel ? "/robot/arm" : NULL);
        frame(tp, app);
        frame(tp, app);
        uint8_t *px = render();
        int x = (int)rr_time_panel_x_from_time(tp, 55), y = (int)cy(arm);
        const uint8_t *p = px + ((size_t)y * W + (size_t)x) * 4;
        if (sel) assert_true(p[2] > p[0] + 20); /* blue */
        else assert_true(abs(p[2] - p[0]) < 8); /* grey */
        /* Away from the data the row is the highlight (or the background). */
        const uint8_t *q = px + ((size_t)y * W + (size_t)rr_time_panel_x_from_time(tp, 35)) * 4;
        uint32_t bg = rr_ui_theme(g_ui)->bottom_bar_bg;
        bool is_bg = abs(q[0] - (int)(bg >> 24)) <= 3 && abs(q[2] - (int)(bg >> 8 & 0xff)) <= 3;
        assert_true(sel ? !is_bg : is_bg);
        free(px);
    }
    rr_time_panel_free(tp);
    rr_app_free(app);
}

/* The ruler of each timeline type: ticks and labels at round steps, drawn
 * where their times are (the label's text right of its tick). Writes
 * $RR_BUILD_DIR/time_panel_<timeline>.png for people to look at. */
static void test_ruler_labels(void **state) {
    (void)state;
    static const char *const names[] = {"frame", "sim_time", "log_time"};
    for (int k = 0; k < 3; k++) {
        reset_ui();
        rr_app_t *app = make_app();
        rr_time_panel_t *tp = NULL;
        rr_error_t err = {0};
        assert_rr_ok(rr_time_panel_new(&tp, &err), &err);
        assert_rr_ok(rr_app_set_timeline(app, names[k], &err), &err);
        rr_app_set_time(app, rr_app_time(app)); /* stop following */
        frame(tp, app);
        frame(tp, app);
        uint8_t *px = render();
        const char *dir = getenv("RR_BUILD_DIR");
        char png[1024];
        snprintf(png, sizeof png, "%s/time_panel_%s.png", dir ? dir : ".", names[k]);
        assert_rr_ok(rr_png_write_rgba(png, W, H, px, &err), &err);
        /* Ticks: columns of the ruler's lower edge inked, evenly spaced, at
         * least four of them. */
        rr_ui_rect_t ru = rr_time_panel_layout(tp)->ruler;
        uint32_t bg = rr_ui_theme(g_ui)->bottom_bar_bg;
        int y = (int)(ru.y + ru.h) - 2, ticks = 0;
        for (int x = (int)ru.x + 1; x < (int)(ru.x + ru.w) - 1; x++)
            if (column_has_ink(px, x, y, y, bg) && !column_has_ink(px, x - 1, y, y, bg)) ticks++;
        if (ticks < 4) fail_msg("%s: %d ticks", names[k], ticks);
        free(px);
        rr_time_panel_free(tp);
        rr_app_free(app);
    }
}

/* A large recording still streaming: data-only changes wait while the last
 * recompute was costly, then show; a zoom never waits. */
static void test_recompute_throttle(void **state) {
    (void)state;
    reset_ui();
    rr_app_t *app = make_app();
    rr_store_t *s = rr_app_active_store(app);
    for (int i = 0; i < 400; i++) {
        char path[32];
        snprintf(path, sizeof path, "/bulk/e%03d", i);
        insert_range(s, path, 10, 10 + 400, false);
    }
    rr_app_update(app, -1);
    rr_time_panel_t *tp = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_time_panel_new(&tp, &err), &err);
    rr_app_set_time(app, 10);
    frame(tp, app);
    uint64_t n0 = rr_time_panel_density_recomputes(tp);
    double cost = rr_time_panel_density_last_cost(tp);
    assert_true(cost > 0);
    print_message("density recompute over %zu entities: %.3f ms\n", rr_store_num_entities(s), cost * 1e3);
    const int64_t f[] = {30};
    insert(s, make_chunk("/points", f, 1, false));
    rr_app_update(app, -1);
    frame(tp, app);
    if (cost > 0.002) {
        /* Deferred, with a repaint asked for. */
        assert_int_equal(rr_time_panel_density_recomputes(tp), n0);
        assert_true(rr_ui_wants_repaint(g_ui));
        /* A zoom goes through at once. */
        rr_ui_rect_t ru = rr_time_panel_layout(tp)->ruler;
        move(cx(ru), cy(ru));
        rr_ui_input_wheel(g_ui, 0, 20);
        frame(tp, app);
        assert_int_equal(rr_time_panel_density_recomputes(tp), n0 + 1);
        n0++;
        /* More data waits again (when that recompute was costly too), also
         * when it widens the range the axis follows, then shows once the
         * time has passed. */
        cost = rr_time_panel_density_last_cost(tp);
        /* A double click: the axis follows the data again. */
        rr_ui_rect_t ru2 = rr_time_panel_layout(tp)->ruler;
        move(cx(ru2), cy(ru2));
        frame(tp, app);
        press(0), release(0);
        frame(tp, app);
        press(0), release(0);
        frame(tp, app);
        bool zoomed;
        rr_time_panel_view(tp, NULL, NULL, &zoomed);
        assert_false(zoomed);
        n0 = rr_time_panel_density_recomputes(tp);
        cost = rr_time_panel_density_last_cost(tp);
        const int64_t later[] = {900};
        insert(s, make_chunk("/points", later, 1, false));
        rr_app_update(app, -1);
        frame(tp, app);
        if (cost > 0.002) assert_int_equal(rr_time_panel_density_recomputes(tp), n0);
        double waited = 0;
        while (rr_time_panel_density_recomputes(tp) == n0 && waited < 10) {
            struct timespec ts = {0, 20000000};
            nanosleep(&ts, NULL);
            waited += 0.02;
            frame(tp, app);
        }
        assert_int_equal(rr_time_panel_density_recomputes(tp), n0 + 1);
    } else {
        assert_int_equal(rr_time_panel_density_recomputes(tp), n0 + 1);
    }
    rr_time_panel_free(tp);
    rr_app_free(app);
}

/* A recording of static data only: no timeline, no ruler, the entity
 * marked static; clicks in the time area change nothing. */
static void test_static_only_recording(void **state) {
    (void)state;
    reset_ui();
    rr_app_t *app = make_app_with(true);
    rr_time_panel_t *tp = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_time_panel_new(&tp, &err), &err);
    frame(tp, app);
    assert_string_equal(rr_app_timeline(app), "");
    rr_ui_rect_t stat;
    assert_true(rr_time_panel_row_rect(tp, "/robot/static", &stat));
    click(tp, app, cx(stat), cy(stat));
    click(tp, app, cx(rr_time_panel_layout(tp)->ruler), cy(rr_time_panel_layout(tp)->ruler));
    move(-100, -100);
    frame(tp, app);
    uint8_t *px = render();
    uint32_t bg = rr_ui_theme(g_ui)->bottom_bar_bg;
    bool mark = false, beyond = false;
    for (int x = (int)stat.x + 2; x < (int)stat.x + 40; x++)
        mark |= column_has_ink(px, x, (int)stat.y + 2, (int)(stat.y + stat.h) - 3, bg);
    for (int x = (int)stat.x + 60; x < (int)(stat.x + stat.w) - 14; x++)
        beyond |= column_has_ink(px, x, (int)stat.y + 2, (int)(stat.y + stat.h) - 3, bg);
    assert_true(mark);
    assert_false(beyond);
    free(px);
    assert_string_equal(rr_app_timeline(app), "");
    assert_int_equal(rr_time_panel_density_recomputes(tp), 0);
    rr_time_panel_free(tp);
    rr_app_free(app);
}

/* A press on a row near one of its events goes exactly to that event; away
 * from events, to the time under the mouse. */
static void test_click_snaps_to_event(void **state) {
    (void)state;
    rr_app_t *app;
    rr_time_panel_t *tp = panel_new(&app);
    rr_error_t err = {0};
    assert_rr_ok(rr_app_set_timeline(app, "sim_time", &err), &err);
    frame(tp, app);
    frame(tp, app);
    rr_ui_rect_t arm;
    assert_true(rr_time_panel_row_rect(tp, "/robot/arm", &arm));
    float x = rr_time_panel_x_from_time(tp, 5.3e9) + 2;
    assert_true(fabs(rr_time_panel_time_from_x(tp, x) - 5.3e9) > 1e6); /* not on it by itself */
    click(tp, app, x, cy(arm));
    assert_int_equal(rr_app_time(app), 5300000000LL);
    /* Between events (1.9 s .. 5 s) the time under the mouse. */
    x = rr_time_panel_x_from_time(tp, 3.2e9);
    click(tp, app, x, cy(arm));
    assert_true(llabs(rr_app_time(app) - 3200000000LL) < 10000000LL);
    rr_time_panel_free(tp);
    rr_app_free(app);
}

/* Odd sizes and no data: nothing breaks, nothing is drawn outside the
 * panel's rect. */
static void test_odd_sizes(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_app_t *empty = NULL;
    assert_rr_ok(rr_app_new(NULL, &empty, &err), &err);
    rr_app_t *full = make_app();
    const rr_ui_rect_t rects[] = {{0, 0, 0, 0}, {10, 10, 50, 20}, {0, 0, 120, 60}, {5, 200, 790, 95}, {0, 0, W, H}};
    for (int a = 0; a < 2; a++) {
        rr_app_t *app = a ? full : empty;
        for (size_t k = 0; k < sizeof rects / sizeof rects[0]; k++) {
            reset_ui();
            rr_time_panel_t *tp = NULL;
            assert_rr_ok(rr_time_panel_new(&tp, &err), &err);
            for (int f = 0; f < 3; f++) {
                move(rects[k].x + rects[k].w * 0.5f, rects[k].y + rects[k].h * 0.5f);
                if (f == 1) press(0);
                if (f == 2) release(0);
                g_now += 1.0 / 60;
                rr_ui_begin_frame(g_ui, W, H, g_now);
                assert_rr_ok(rr_time_panel(tp, g_ui, app, rects[k], &err), &err);
                assert_rr_ok(rr_ui_end_frame(g_ui, &err), &err);
            }
            uint8_t *px = render();
            /* Outside the rect: the clear colour (magenta) only. */
            int outside = 0;
            for (int y = 0; y < H; y += 3)
                for (int x = 0; x < W; x += 3) {
                    if (rr_ui_rect_contains(rects[k], (float)x + 0.5f, (float)y + 0.5f)) continue;
                    const uint8_t *p = px + ((size_t)y * W + (size_t)x) * 4;
                    if (!(p[0] == 255 && p[1] == 0 && p[2] == 255)) outside++;
                }
            if (outside) fail_msg("rect %zu, app %d: %d pixels drawn outside", k, a, outside);
            free(px);
            rr_time_panel_free(tp);
        }
    }
    assert_int_equal(rr_time_panel(NULL, g_ui, full, rects[4], &err), RR_ERR_INVALID_ARG);
    rr_app_free(empty);
    rr_app_free(full);
}

/* Many entities: the rows scroll under the ruler with the wheel (which
 * zooms only over the ruler or with Ctrl), and rows scrolled away are not
 * drawn. */
static void test_many_entities_scroll(void **state) {
    (void)state;
    reset_ui();
    rr_app_t *app = make_app();
    rr_store_t *s = rr_app_active_store(app);
    for (int i = 0; i < 40; i++) {
        char path[32];
        snprintf(path, sizeof path, "/many%02d", i);
        insert_range(s, path, 20 + i, 20 + i, false);
    }
    rr_app_update(app, -1);
    rr_time_panel_t *tp = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_time_panel_new(&tp, &err), &err);
    frame(tp, app);
    const rr_time_panel_layout_t *L = rr_time_panel_layout(tp);
    rr_ui_rect_t first, last;
    assert_true(rr_time_panel_row_rect(tp, "/many00", &first));
    assert_true(rr_time_panel_row_rect(tp, "/many39", &last));
    assert_true(last.y > L->streams.y + L->streams.h); /* below the panel */
    double lo, hi, lo2, hi2;
    bool zoomed;
    rr_time_panel_view(tp, &lo, &hi, &zoomed);
    move(cx(L->streams), L->streams.y + 20);
    frame(tp, app);
    rr_ui_input_wheel(g_ui, 0, -200);
    frame(tp, app);
    frame(tp, app);
    rr_time_panel_view(tp, &lo2, &hi2, &zoomed);
    assert_false(zoomed);
    assert_float_equal(lo2, lo, 0);
    assert_float_equal(hi2, hi, 0);
    rr_ui_rect_t first2;
    assert_true(rr_time_panel_row_rect(tp, "/many00", &first2));
    assert_float_equal(first2.y, first.y - 200, 0.5);
    rr_time_panel_free(tp);
    rr_app_free(app);
}

int main(void) {
    rr_error_t err = {0};
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_format_parse_random),
        cmocka_unit_test(test_density_direct),
        cmocka_unit_test(test_density_random),
    };
    int rc = cmocka_run_group_tests_name("time_panel_pure", pure, NULL, NULL);
    if (rr_gfx_context_new_headless(&g_ctx, &err) != RR_OK) {
        printf("skipping the drawn tests: no headless OpenGL ES 3 context: %s\n", err.msg);
        return rc ? rc : 77;
    }
    if (rr_ui_font_load(rr_ui_font_default_path(), 12, 1, &g_font, &err) != RR_OK) {
        printf("skipping the drawn tests: %s\n", err.msg);
        rr_gfx_context_free(g_ctx);
        return rc ? rc : 77;
    }
    if (rr_gfx_renderer_new(&g_r, &err) != RR_OK || rr_ui_gl_new(&g_gl, &err) != RR_OK) {
        fprintf(stderr, "renderer: %s\n", err.msg);
        return 1;
    }
    const struct CMUnitTest drawn[] = {
        cmocka_unit_test(test_timeline_combo),
        cmocka_unit_test(test_ruler_click_and_drag),
        cmocka_unit_test(test_play_step_and_controls),
        cmocka_unit_test(test_loop_selection),
        cmocka_unit_test(test_zoom_pan_reset),
        cmocka_unit_test(test_density_pixels),
        cmocka_unit_test(test_cache_follows_store),
        cmocka_unit_test(test_many_entities_scroll),
        cmocka_unit_test(test_select_row),
        cmocka_unit_test(test_ruler_labels),
        cmocka_unit_test(test_recompute_throttle),
        cmocka_unit_test(test_static_only_recording),
        cmocka_unit_test(test_click_snaps_to_event),
        cmocka_unit_test(test_odd_sizes),
    };
    rc |= cmocka_run_group_tests_name("time_panel_drawn", drawn, NULL, NULL);
    rr_ui_free(g_ui);
    rr_ui_gl_free(g_gl);
    rr_gfx_renderer_free(g_r);
    rr_ui_font_free(g_font);
    rr_gfx_context_free(g_ctx);
    return rc;
}
