/* The browser viewer's C side (Wasm, WebGL 2): the viewer's app core
 * (app.h) fed by push sources (app_push.h) that JavaScript fills as data
 * arrives (fetch streams of .rrd files, gRPC-web streams of a message
 * proxy's LogMsgs; see rerun_web.js), the state the JS API reads and sets
 * (recordings, the active one, its timeline, time and playback), and a frame
 * loop (emscripten_set_main_loop, i.e. requestAnimationFrame) that moves
 * queued data into the stores, advances playback and draws the active
 * recording's views into the canvas: Rerun's default blueprint (a 3D view
 * per space root, a plot per scalar entity) in a grid, each view keeping its
 * GPU caches across frames.
 *
 * The same decoder, store, app core and renderer as the native viewer run
 * here; the libraries Debian ships only for the host are replaced by
 * web_compat.c, and app_sources.c (threads, sockets) by app_push.c built
 * with RR_APP_PUSH_ONLY_SOURCES. Every exported function returns plain
 * numbers or strings owned by this module (valid until the next call), so
 * the JS side needs no struct layouts. Only scripts/build-web compiles this
 * file. */
#ifdef __EMSCRIPTEN__

#include <emscripten.h>
#include <emscripten/html5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "store/store.h"
#include "viewer/app.h"
#include "viewer/app_push.h"
#include "viewer/blueprint.h"
#include "viewer/gfx/camera.h"
#include "viewer/gfx/gl.h"
#include "viewer/gfx/renderer.h"
#include "viewer/views/spatial3d.h"
#include "viewer/views/timeseries.h"

/* What a recording's SetStoreInfo says that the stores do not keep, as the
 * official viewer reports it in recording_open: the source's short name and
 * the SDK version. */
typedef struct web_info {
    char recording_id[128];
    char source[64];
    char version[32];
} web_info_t;

typedef struct web_viewer {
    rr_app_t *app;
    /* open push sources by handle (the JS side holds the index) */
    rr_app_push_source_t **sources;
    size_t n_sources;
    web_info_t *infos;
    size_t n_infos;
    EMSCRIPTEN_WEBGL_CONTEXT_HANDLE gl;
    rr_gfx_renderer_t *r;
    /* the active recording's views (default blueprint), their grid */
    rr_blueprint_t bp;
    struct web_view *views;
    size_t n_views, view_entities;
    rr_store_t *view_store;
    uint8_t *cell; /* one view's read-back */
    GLuint tex, fbo;
    uint8_t *pixels;
    int w, h;
    double last_ms;
    uint64_t frames;
    char error[512]; /* the web layer's own first error (the app's banner holds the sources') */
} web_viewer_t;

static web_viewer_t g_v;

static void views_free(void);
static char g_out[8192];

static void note_error(const char *what, const rr_error_t *err) {
    if (g_v.error[0]) return; /* keep the first: later ones usually follow from it */
    snprintf(g_v.error, sizeof g_v.error, "%s: %s", what, err->msg);
}

static bool ensure_app(void) {
    if (g_v.app) return true;
    rr_error_t err = {0};
    if (rr_app_new(NULL, &g_v.app, &err) != RR_OK) {
        note_error("viewer", &err);
        return false;
    }
    return true;
}

/* ---------------- recordings ---------------- */

/* The recordings in order of arrival (the JS API's indices). */
static size_t num_recordings(void) {
    if (!g_v.app) return 0;
    rr_store_set_t *set = rr_app_stores(g_v.app);
    size_t n = 0;
    for (size_t i = 0; i < rr_store_set_count(set); i++)
        if (rr_store_store_id(rr_store_set_get(set, i))->kind == RR_STORE_KIND_RECORDING) n++;
    return n;
}

static rr_store_t *recording(int idx) {
    if (!g_v.app || idx < 0) return NULL;
    rr_store_set_t *set = rr_app_stores(g_v.app);
    int n = 0;
    for (size_t i = 0; i < rr_store_set_count(set); i++) {
        rr_store_t *s = rr_store_set_get(set, i);
        if (rr_store_store_id(s)->kind != RR_STORE_KIND_RECORDING) continue;
        if (n++ == idx) return s;
    }
    return NULL;
}

static int recording_index(const rr_store_t *s) {
    for (int i = 0; s && (size_t)i < num_recordings(); i++)
        if (recording(i) == s) return i;
    return -1;
}

static const web_info_t *info_for(const char *recording_id) {
    for (size_t i = 0; recording_id && i < g_v.n_infos; i++)
        if (!strcmp(g_v.infos[i].recording_id, recording_id)) return &g_v.infos[i];
    return NULL;
}

/* Names as Rerun 0.33's viewer events give them (re_viewer event.rs). */
static void source_name(const rr_store_info_t *info, char *out, size_t n) {
    switch (info->source_kind) {
    case RR_STORE_SOURCE_C_SDK: snprintf(out, n, "cpp"); break;
    case RR_STORE_SOURCE_PYTHON_SDK: snprintf(out, n, "python"); break;
    case RR_STORE_SOURCE_RUST_SDK: snprintf(out, n, "rust"); break;
    case RR_STORE_SOURCE_FILE: snprintf(out, n, "file"); break;
    case RR_STORE_SOURCE_VIEWER: snprintf(out, n, "viewer"); break;
    case RR_STORE_SOURCE_OTHER:
        /* Other carries its name as the extra payload */
        snprintf(out, n, "%.*s", (int)(info->source_extra_len < n ? info->source_extra_len : n - 1),
                 info->source_extra ? (const char *)info->source_extra : "");
        break;
    default: snprintf(out, n, "unknown"); break;
    }
}

/* Every source's SetStoreInfo (app_push.h's observer): the first one of a
 * recording wins, as the official viewer reports the first. */
static void on_store_info(void *ud, const rr_store_info_t *info) {
    (void)ud;
    const char *id = info->store_id.recording_id;
    if (info->store_id.kind != RR_STORE_KIND_RECORDING || !id || info_for(id)) return;
    web_info_t *n = realloc(g_v.infos, (g_v.n_infos + 1) * sizeof *n);
    if (!n) return;
    g_v.infos = n;
    web_info_t *w = &g_v.infos[g_v.n_infos++];
    memset(w, 0, sizeof *w);
    snprintf(w->recording_id, sizeof w->recording_id, "%s", id);
    source_name(info, w->source, sizeof w->source);
    if (info->has_version)
        snprintf(w->version, sizeof w->version, "%u.%u.%u", info->version[0], info->version[1],
                 info->version[2]);
}

/* The timeline Rerun starts a recording on: the first one the user logged
 * on, the built-in log_time / log_tick only when there is nothing else. */
static const char *default_timeline(rr_store_t *s) {
    const char *best = NULL;
    for (size_t i = 0; i < rr_store_num_timelines(s); i++) {
        const char *n = rr_store_timeline(s, i)->name;
        bool builtin = !strcmp(n, "log_time") || !strcmp(n, "log_tick");
        if (!best || (!builtin && (!strcmp(best, "log_time") || !strcmp(best, "log_tick")))) best = n;
    }
    return best;
}

/* The time state lives in the app for the recording shown; acting on
 * another recording through the API shows it first. */
static rr_store_t *activate(int i) {
    rr_store_t *s = recording(i);
    if (s && rr_app_active_store(g_v.app) != s) rr_app_set_active_store(g_v.app, s);
    return s;
}

/* ---------------- sources ---------------- */

EMSCRIPTEN_KEEPALIVE int rr_web_source_open(const char *name) {
    if (!ensure_app()) return -1;
    rr_error_t err = {0};
    rr_app_push_source_t *src = NULL;
    if (rr_app_open_push(g_v.app, name, &src, &err) != RR_OK) {
        note_error(name, &err);
        return -1;
    }
    rr_app_push_on_store_info(src, on_store_info, NULL);
    for (size_t i = 0; i < g_v.n_sources; i++) {
        if (!g_v.sources[i]) {
            g_v.sources[i] = src;
            return (int)i;
        }
    }
    rr_app_push_source_t **n = realloc(g_v.sources, (g_v.n_sources + 1) * sizeof *n);
    if (!n) {
        rr_app_push_free(src);
        return -1;
    }
    g_v.sources = n;
    g_v.sources[g_v.n_sources] = src;
    return (int)g_v.n_sources++;
}

static rr_app_push_source_t *source(int h) {
    return h >= 0 && (size_t)h < g_v.n_sources ? g_v.sources[h] : NULL;
}

/* len bytes of an .rrd stream at data (JS-owned, copied): 0, or -1 once
 * the stream is broken for good (the banner says why). */
EMSCRIPTEN_KEEPALIVE int rr_web_source_push(int h, const uint8_t *data, int len) {
    rr_app_push_source_t *s = source(h);
    if (!s || len < 0) return -1;
    rr_status_t st = rr_app_push_bytes(s, data, (size_t)len);
    /* a damaged message was skipped: the stream goes on */
    return st == RR_OK || st == RR_ERR_INVALID_DATA ? (rr_app_push_open(s) ? 0 : -1) : -1;
}

/* One ReadMessagesResponse of a message proxy (gRPC-web): 0, or -1 when
 * it was malformed (reported, skipped). */
EMSCRIPTEN_KEEPALIVE int rr_web_source_push_response(int h, const uint8_t *data, int len) {
    rr_app_push_source_t *s = source(h);
    if (!s || len < 0) return -1;
    return rr_app_push_read_response(s, data, (size_t)len) == RR_OK ? 0 : -1;
}

EMSCRIPTEN_KEEPALIVE void rr_web_source_set_size(int h, double total) {
    rr_app_push_source_t *s = source(h);
    if (s && total > 0) rr_app_push_set_size(s, (uint64_t)total);
}

EMSCRIPTEN_KEEPALIVE void rr_web_source_set_live(int h) {
    rr_app_push_source_t *s = source(h);
    if (s) rr_app_push_set_live(s, true);
}

/* The stream ended; 0, or -1 when it was cut off (reported). */
EMSCRIPTEN_KEEPALIVE int rr_web_source_finish(int h) {
    rr_app_push_source_t *s = source(h);
    if (!s || !rr_app_push_open(s)) return -1;
    return rr_app_push_finish(s) == RR_OK ? 0 : -1;
}

/* What went wrong outside the bytes (a failed fetch, a gRPC status) goes to
 * the banner under the source's name. */
EMSCRIPTEN_KEEPALIVE void rr_web_report_error(const char *name, const char *msg) {
    if (ensure_app()) rr_app_report_error(g_v.app, name, msg);
}

EMSCRIPTEN_KEEPALIVE void rr_web_source_close(int h) {
    rr_app_push_source_t *s = source(h);
    if (!s) return;
    rr_app_push_free(s);
    g_v.sources[h] = NULL;
}

/* ---------------- state for the JS API ---------------- */

/* The app's banner (every source's errors), else the web layer's own. */
EMSCRIPTEN_KEEPALIVE const char *rr_web_error(void) {
    const char *e = g_v.app ? rr_app_error(g_v.app) : "";
    return *e ? e : g_v.error;
}

EMSCRIPTEN_KEEPALIVE int rr_web_loading(void) { return g_v.app && rr_app_loading(g_v.app) ? 1 : 0; }
EMSCRIPTEN_KEEPALIVE double rr_web_progress(void) { return g_v.app ? rr_app_progress(g_v.app) : 1.0; }

/* Moves queued data into the stores (the frame loop does too; the API's
 * poll calls this so state follows while the page is hidden and no frames
 * run). */
EMSCRIPTEN_KEEPALIVE void rr_web_update(double budget_ms) {
    if (g_v.app) rr_app_update(g_v.app, budget_ms);
}

EMSCRIPTEN_KEEPALIVE int rr_web_recording_count(void) { return (int)num_recordings(); }

/* Recording i as JSON: ids, source and version, the active timeline, time
 * and playing state (the app's for the recording shown; another one's
 * default timeline at its newest time), every timeline's range. */
EMSCRIPTEN_KEEPALIVE const char *rr_web_recording_json(int i) {
    g_out[0] = 0;
    rr_store_t *s = recording(i);
    if (!s) return g_out;
    bool shown = rr_app_active_store(g_v.app) == s;
    const rr_store_id_t *id = rr_store_store_id(s);
    const web_info_t *info = info_for(id->recording_id);
    const char *timeline = shown ? rr_app_timeline(g_v.app) : default_timeline(s);
    if (timeline && !*timeline) timeline = NULL;
    int64_t time = 0;
    rr_time_range_t tr;
    if (shown)
        time = rr_app_time(g_v.app);
    else if (timeline && rr_store_time_range(s, NULL, timeline, &tr))
        time = tr.max;
    rr_buf_t b = {0};
    rr_json_writer_t w;
    rr_json_writer_init(&w, &b, 0);
    rr_json_begin_object(&w);
    rr_json_key(&w, "recording_id");
    rr_json_string(&w, id->recording_id ? id->recording_id : "");
    rr_json_key(&w, "application_id");
    rr_json_string(&w, id->application_id ? id->application_id : "");
    rr_json_key(&w, "source");
    rr_json_string(&w, info ? info->source : "unknown");
    rr_json_key(&w, "version");
    if (info && info->version[0])
        rr_json_string(&w, info->version);
    else
        rr_json_null(&w);
    rr_json_key(&w, "timeline");
    if (timeline)
        rr_json_string(&w, timeline);
    else
        rr_json_null(&w);
    rr_json_key(&w, "time");
    rr_json_int(&w, time);
    rr_json_key(&w, "playing");
    rr_json_bool(&w, shown && rr_app_playing(g_v.app));
    rr_json_key(&w, "timelines");
    rr_json_begin_object(&w);
    for (size_t k = 0; k < rr_store_num_timelines(s); k++) {
        const rr_timeline_t *tl = rr_store_timeline(s, k);
        rr_json_key(&w, tl->name);
        if (rr_store_time_range(s, NULL, tl->name, &tr)) {
            rr_json_begin_object(&w);
            rr_json_key(&w, "min");
            rr_json_int(&w, tr.min);
            rr_json_key(&w, "max");
            rr_json_int(&w, tr.max);
            rr_json_end_object(&w);
        } else {
            rr_json_null(&w);
        }
    }
    rr_json_end_object(&w);
    rr_json_end_object(&w);
    rr_error_t err = {0};
    if (rr_json_writer_finish(&w, &err) == RR_OK && b.len < sizeof g_out) {
        memcpy(g_out, b.data, b.len);
        g_out[b.len] = 0;
    }
    rr_buf_free(&b);
    return g_out;
}

EMSCRIPTEN_KEEPALIVE int rr_web_active(void) {
    return g_v.app ? recording_index(rr_app_active_store(g_v.app)) : -1;
}

EMSCRIPTEN_KEEPALIVE void rr_web_set_active(int i) { activate(i); }

EMSCRIPTEN_KEEPALIVE int rr_web_set_timeline(int i, const char *name) {
    if (!activate(i)) return -1;
    rr_error_t err = {0};
    return rr_app_set_timeline(g_v.app, name, &err) == RR_OK ? 0 : -1;
}

/* JS numbers are doubles: times come in and out as doubles. */
EMSCRIPTEN_KEEPALIVE void rr_web_set_time(int i, double t) {
    if (activate(i)) rr_app_set_time(g_v.app, (int64_t)t);
}

EMSCRIPTEN_KEEPALIVE void rr_web_set_playing(int i, int playing) {
    if (activate(i)) rr_app_set_playing(g_v.app, playing != 0);
}

EMSCRIPTEN_KEEPALIVE double rr_web_frames(void) { return (double)g_v.frames; }

/* Drops everything loaded and every source (WebViewer.close / stop). */
EMSCRIPTEN_KEEPALIVE void rr_web_reset(void) {
    views_free();
    for (size_t i = 0; i < g_v.n_sources; i++) rr_app_push_free(g_v.sources[i]);
    free(g_v.sources);
    g_v.sources = NULL;
    g_v.n_sources = 0;
    rr_app_free(g_v.app);
    g_v.app = NULL;
    free(g_v.infos);
    g_v.infos = NULL;
    g_v.n_infos = 0;
    g_v.error[0] = 0;
}

/* ---------------- drawing ---------------- */

static void present(void) {
    if (!g_v.tex) {
        glGenTextures(1, &g_v.tex);
        glGenFramebuffers(1, &g_v.fbo);
    }
    glBindTexture(GL_TEXTURE_2D, g_v.tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, g_v.w, g_v.h, 0, GL_RGBA, GL_UNSIGNED_BYTE, g_v.pixels);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, g_v.fbo);
    glFramebufferTexture2D(GL_READ_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, g_v.tex, 0);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
    /* the pixels are top row first: flip into GL's bottom-up canvas */
    glBlitFramebuffer(0, 0, g_v.w, g_v.h, 0, g_v.h, g_v.w, 0, GL_COLOR_BUFFER_BIT, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
}

/* One view of the default blueprint with its own target (its grid cell). */
typedef struct web_view {
    rr_view_class_t cls;
    const rr_blueprint_view_t *bv; /* in g_v.bp */
    rr_gfx_target_t *target;
    rr_spatial3d_t *s3d;
    rr_timeseries_t *ts;
    int x, y, w, h;
} web_view_t;

static void views_free(void) {
    for (size_t i = 0; i < g_v.n_views; i++) {
        rr_spatial3d_free(g_v.views[i].s3d);
        rr_timeseries_free(g_v.views[i].ts);
        rr_gfx_target_free(g_v.views[i].target);
    }
    free(g_v.views);
    g_v.views = NULL;
    g_v.n_views = 0;
    rr_blueprint_free(&g_v.bp);
    free(g_v.cell);
    g_v.cell = NULL;
    g_v.view_store = NULL;
}

/* Rebuilds the views from Rerun's default blueprint heuristics whenever the
 * active recording or its set of entities changed (the views keep their GPU
 * caches otherwise). No view (nothing loaded): one empty 3D cell. */
static rr_status_t views_update(rr_store_t *s, rr_error_t *err) {
    size_t n_ent = s ? rr_store_num_entities(s) : 0;
    if (g_v.views && s == g_v.view_store && n_ent == g_v.view_entities) return RR_OK;
    views_free();
    g_v.view_store = s;
    g_v.view_entities = n_ent;
    if (s) RR_TRY(rr_blueprint_default(s, &g_v.bp, err));
    size_t n = g_v.bp.n_views ? g_v.bp.n_views : 1;
    g_v.views = calloc(n, sizeof *g_v.views);
    g_v.cell = malloc((size_t)g_v.w * (size_t)g_v.h * 4);
    if (!g_v.views || !g_v.cell) return rr_error_set(err, RR_ERR_NOMEM, "web viewer: out of memory for views");
    g_v.n_views = n;
    for (size_t i = 0; i < n; i++) {
        web_view_t *v = &g_v.views[i];
        v->bv = g_v.bp.n_views ? &g_v.bp.views[i] : NULL;
        v->cls = v->bv ? v->bv->cls : RR_VIEW_SPATIAL3D;
        rr_blueprint_grid_cell(n, i, g_v.w, g_v.h, &v->x, &v->y, &v->w, &v->h);
        RR_TRY(rr_gfx_target_new(g_v.r, v->w, v->h, 4, &v->target, err));
        if (!s) continue;
        if (v->cls == RR_VIEW_SPATIAL3D)
            RR_TRY(rr_spatial3d_new(g_v.r, s, &v->s3d, err));
        else if (v->cls == RR_VIEW_TIMESERIES)
            RR_TRY(rr_timeseries_new(g_v.r, s, &v->bv->origin, v->bv->subtree, &v->ts, err));
    }
    return RR_OK;
}

static rr_status_t draw_view(web_view_t *v, const char *timeline, int64_t t, rr_error_t *err) {
    if (v->s3d) {
        RR_TRY(rr_spatial3d_prepare(v->s3d, timeline, t, err));
        rr_camera_t cam;
        rr_camera_init(&cam);
        rr_camera_set_up(&cam, rr_spatial3d_up(v->s3d));
        rr_aabb_t bounds = rr_spatial3d_bounds(v->s3d);
        rr_camera_fit(&cam, &bounds);
        RR_TRY(rr_spatial3d_draw(v->s3d, v->target, &cam, NULL, err));
    } else if (v->ts && timeline) {
        RR_TRY(rr_timeseries_prepare(v->ts, timeline, t, err));
        RR_TRY(rr_timeseries_draw(v->ts, v->target, err));
    } else {
        /* nothing to draw yet (or a 2D view, not drawn yet): the background */
        static const float bg[4] = {0.05f, 0.05f, 0.06f, 1.0f};
        rr_mat4_t id = rr_mat4_identity();
        rr_gfx_begin(g_v.r, v->target, &id, &id, bg);
        RR_TRY(rr_gfx_end(g_v.r, err));
    }
    RR_TRY(rr_gfx_target_read_rgba(v->target, g_v.cell, err));
    for (int row = 0; row < v->h; row++)
        memcpy(g_v.pixels + ((size_t)(v->y + row) * (size_t)g_v.w + (size_t)v->x) * 4,
               g_v.cell + (size_t)row * (size_t)v->w * 4, (size_t)v->w * 4);
    return RR_OK;
}

static void frame(void) {
    double now = emscripten_get_now();
    double dt = g_v.last_ms > 0 ? (now - g_v.last_ms) / 1000.0 : 0;
    g_v.last_ms = now;
    if (!g_v.r || !ensure_app()) return;
    /* a few ms of the 16 a frame has: a large file fills in over frames */
    rr_app_update(g_v.app, 8);
    rr_app_tick(g_v.app, dt);
    rr_error_t err = {0};
    rr_store_t *s = rr_app_active_store(g_v.app);
    if (s && rr_store_store_id(s)->kind != RR_STORE_KIND_RECORDING) s = NULL;
    rr_status_t st = views_update(s, &err);
    const char *timeline = s && *rr_app_timeline(g_v.app) ? rr_app_timeline(g_v.app) : NULL;
    for (size_t i = 0; st == RR_OK && i < g_v.n_views; i++)
        st = draw_view(&g_v.views[i], timeline, rr_app_time(g_v.app), &err);
    if (st != RR_OK) {
        note_error("frame", &err);
        return;
    }
    present();
    g_v.frames++;
}

/* Creates the WebGL 2 context on the canvas (a CSS selector), the renderer
 * and the frame loop. */
EMSCRIPTEN_KEEPALIVE int rr_web_start(const char *canvas, int width, int height) {
    EmscriptenWebGLContextAttributes a;
    emscripten_webgl_init_context_attributes(&a);
    a.majorVersion = 2;
    a.minorVersion = 0;
    a.antialias = false;
    a.depth = false;
    a.preserveDrawingBuffer = true; /* screenshots of the canvas read what was drawn */
    emscripten_set_canvas_element_size(canvas, width, height);
    g_v.gl = emscripten_webgl_create_context(canvas, &a);
    if (g_v.gl <= 0) {
        snprintf(g_v.error, sizeof g_v.error, "WebGL 2 is not available on %s", canvas);
        return -1;
    }
    emscripten_webgl_make_context_current(g_v.gl);
    rr_error_t err = {0};
    g_v.w = width;
    g_v.h = height;
    g_v.pixels = malloc((size_t)width * (size_t)height * 4);
    if (!g_v.pixels || rr_gfx_renderer_new(&g_v.r, &err) != RR_OK) {
        note_error("renderer", &err);
        return -1;
    }
    if (!ensure_app()) return -1;
    emscripten_set_main_loop(frame, 0, 0);
    return 0;
}

/* Ends the frame loop and frees everything (WebViewer.stop). */
EMSCRIPTEN_KEEPALIVE void rr_web_stop(void) {
    emscripten_cancel_main_loop();
    rr_web_reset();
    rr_gfx_renderer_free(g_v.r);
    g_v.r = NULL;
    free(g_v.pixels);
    g_v.pixels = NULL;
    if (g_v.gl > 0) emscripten_webgl_destroy_context(g_v.gl);
    g_v.gl = 0;
    g_v.tex = g_v.fbo = 0;
}

int main(void) { return 0; }

#else
typedef int rr_web_main_host_build_empty;
#endif
