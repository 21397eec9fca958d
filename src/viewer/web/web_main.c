/* The browser viewer's C side (Wasm, WebGL 2): a store set fed progressively
 * with .rrd bytes that JavaScript hands over as they arrive (fetch streams,
 * see rerun_web.js), the per-recording time state the JS API reads and sets,
 * and a frame loop (emscripten_set_main_loop, i.e. requestAnimationFrame)
 * that draws the active recording's views into the canvas: Rerun's default
 * blueprint (a 3D view per space root, a plot per scalar entity) in a grid,
 * each view keeping its GPU caches across frames.
 *
 * The same decoder, store and renderer as the native viewer run here; the
 * libraries Debian ships only for the host are replaced by web_compat.c.
 * Every exported function returns plain numbers or strings owned by this
 * module (valid until the next call), so the JS side needs no struct
 * layouts. Only scripts/build-web compiles this file. */
#ifdef __EMSCRIPTEN__

#include <emscripten.h>
#include <emscripten/html5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "rrd/decoder.h"
#include "store/store.h"
#include "viewer/blueprint.h"
#include "viewer/gfx/camera.h"
#include "viewer/gfx/gl.h"
#include "viewer/gfx/renderer.h"
#include "viewer/views/spatial3d.h"
#include "viewer/views/timeseries.h"

/* What the time panel would hold for one recording. */
typedef struct web_rec {
    rr_store_t *store;
    char timeline[128]; /* "" until the store has a timeline */
    int64_t time;
    double carry; /* playback's not yet whole time steps */
    bool playing, time_set;
    /* From its SetStoreInfo, as the official viewer reports them in
     * recording_open: the source's short name and the store version. */
    char source[64];
    char version[32];
} web_rec_t;

typedef struct web_viewer {
    rr_store_set_t *set;
    rr_rrd_decoder_t *dec;
    web_rec_t *recs;
    size_t n_recs, active;
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
    char error[512];
    bool failed;
    web_rec_t *pending_info; /* the last SetStoreInfo's facts, for pending_id */
    rr_store_id_t pending_id;
} web_viewer_t;

static web_viewer_t g_v;

static void views_free(void);
static char g_out[8192];

static void note_error(const char *what, const rr_error_t *err) {
    if (g_v.error[0]) return; /* keep the first: later ones usually follow from it */
    snprintf(g_v.error, sizeof g_v.error, "%s: %s", what, err->msg);
}

static web_rec_t *rec_for(rr_store_t *s) {
    for (size_t i = 0; i < g_v.n_recs; i++)
        if (g_v.recs[i].store == s) return &g_v.recs[i];
    web_rec_t *nr = realloc(g_v.recs, (g_v.n_recs + 1) * sizeof *nr);
    if (!nr) return NULL;
    g_v.recs = nr;
    web_rec_t *r = &g_v.recs[g_v.n_recs++];
    memset(r, 0, sizeof *r);
    r->store = s;
    snprintf(r->source, sizeof r->source, "unknown");
    if (g_v.pending_info && rr_store_id_equal(&g_v.pending_id, rr_store_store_id(s))) {
        memcpy(r->source, g_v.pending_info->source, sizeof r->source);
        memcpy(r->version, g_v.pending_info->version, sizeof r->version);
    }
    return r;
}

/* Rerun starts on the first timeline the user logged on; the built-in
 * log_time / log_tick only when there is nothing else. */
static void pick_timeline(web_rec_t *r) {
    if (r->timeline[0]) return;
    const char *best = NULL;
    for (size_t i = 0; i < rr_store_num_timelines(r->store); i++) {
        const char *n = rr_store_timeline(r->store, i)->name;
        bool builtin = !strcmp(n, "log_time") || !strcmp(n, "log_tick");
        if (!best || (!builtin && (!strcmp(best, "log_time") || !strcmp(best, "log_tick")))) best = n;
    }
    if (best) snprintf(r->timeline, sizeof r->timeline, "%s", best);
}

/* Follows the store set after new messages: new recordings, timelines and,
 * while the user has not set a time, the time at the newest data. */
static void sync_recordings(void) {
    for (size_t i = 0; i < rr_store_set_count(g_v.set); i++) {
        rr_store_t *s = rr_store_set_get(g_v.set, i);
        if (rr_store_store_id(s)->kind != RR_STORE_KIND_RECORDING) continue;
        web_rec_t *r = rec_for(s);
        if (!r) return;
        pick_timeline(r);
        rr_time_range_t tr;
        if (!r->time_set && r->timeline[0] && rr_store_time_range(s, NULL, r->timeline, &tr))
            r->time = tr.max;
    }
}

EMSCRIPTEN_KEEPALIVE int rr_web_open(void) {
    rr_error_t err = {0};
    if (!g_v.set && rr_store_set_new(NULL, &g_v.set, &err) != RR_OK) {
        note_error("store", &err);
        return -1;
    }
    rr_rrd_decoder_free(g_v.dec);
    g_v.dec = NULL;
    if (rr_rrd_decoder_new(NULL, &g_v.dec, &err) != RR_OK) {
        note_error("decoder", &err);
        return -1;
    }
    return 0;
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

/* Stores the SetStoreInfo facts with the recording (created here when the
 * store set has not made its store yet: it does so on this message). */
static void note_store_info(const rr_store_info_t *info) {
    if (info->store_id.kind != RR_STORE_KIND_RECORDING) return;
    free(g_v.pending_info);
    g_v.pending_info = malloc(sizeof *g_v.pending_info);
    if (!g_v.pending_info) return;
    web_rec_t *r = g_v.pending_info;
    memset(r, 0, sizeof *r);
    source_name(info, r->source, sizeof r->source);
    if (info->has_version)
        snprintf(r->version, sizeof r->version, "%u.%u.%u", info->version[0], info->version[1],
                 info->version[2]);
    rr_error_t err = {0};
    rr_store_id_t *id = &g_v.pending_id;
    rr_store_id_free(id);
    if (rr_store_id_copy(id, &info->store_id, &err) != RR_OK) note_error("store info", &err);
}

static int drain(void) {
    rr_error_t err = {0};
    for (;;) {
        rr_rrd_message_t m;
        bool got = false;
        if (rr_rrd_decoder_next(g_v.dec, &m, &got, &err) != RR_OK) {
            note_error("rrd", &err);
            g_v.failed = true;
            return -1;
        }
        if (!got) break;
        if (m.msg.kind == RR_LOG_MSG_SET_STORE_INFO) note_store_info(&m.msg.u.set_store_info.info);
        bool info = m.msg.kind == RR_LOG_MSG_SET_STORE_INFO;
        rr_status_t st = rr_store_set_insert_log_msg(g_v.set, &m.msg, &err);
        rr_rrd_message_free(&m);
        if (info) sync_recordings(); /* the new recording takes its info now */
        if (st != RR_OK) {
            /* a bad chunk skips that chunk, as the native viewer does */
            note_error("store", &err);
            err.msg[0] = 0;
        }
    }
    sync_recordings();
    return 0;
}

/* Takes len bytes of an .rrd stream at data (JS-owned, copied). */
EMSCRIPTEN_KEEPALIVE int rr_web_push(const uint8_t *data, int len) {
    if (!g_v.dec || g_v.failed) return -1;
    rr_error_t err = {0};
    if (rr_rrd_decoder_push(g_v.dec, data, (size_t)len, &err) != RR_OK) {
        note_error("rrd", &err);
        g_v.failed = true;
        return -1;
    }
    return drain();
}

/* The stream ended: a cut-off message becomes an error. */
EMSCRIPTEN_KEEPALIVE int rr_web_finish(void) {
    if (!g_v.dec || g_v.failed) return -1;
    rr_error_t err = {0};
    if (rr_rrd_decoder_finish(g_v.dec, &err) != RR_OK) {
        note_error("rrd", &err);
        return -1;
    }
    return drain();
}

EMSCRIPTEN_KEEPALIVE const char *rr_web_error(void) { return g_v.error; }

EMSCRIPTEN_KEEPALIVE int rr_web_recording_count(void) { return (int)g_v.n_recs; }

/* Recording i as JSON: ids, timelines with their ranges, the active
 * timeline, time and playing state. */
EMSCRIPTEN_KEEPALIVE const char *rr_web_recording_json(int i) {
    g_out[0] = 0;
    if (i < 0 || (size_t)i >= g_v.n_recs) return g_out;
    web_rec_t *r = &g_v.recs[i];
    const rr_store_id_t *id = rr_store_store_id(r->store);
    rr_buf_t b = {0};
    rr_json_writer_t w;
    rr_json_writer_init(&w, &b, 0);
    rr_json_begin_object(&w);
    rr_json_key(&w, "recording_id");
    rr_json_string(&w, id->recording_id ? id->recording_id : "");
    rr_json_key(&w, "application_id");
    rr_json_string(&w, id->application_id ? id->application_id : "");
    rr_json_key(&w, "source");
    rr_json_string(&w, r->source);
    rr_json_key(&w, "version");
    if (r->version[0])
        rr_json_string(&w, r->version);
    else
        rr_json_null(&w);
    rr_json_key(&w, "timeline");
    if (r->timeline[0])
        rr_json_string(&w, r->timeline);
    else
        rr_json_null(&w);
    rr_json_key(&w, "time");
    rr_json_int(&w, r->time);
    rr_json_key(&w, "playing");
    rr_json_bool(&w, r->playing);
    rr_json_key(&w, "timelines");
    rr_json_begin_object(&w);
    for (size_t k = 0; k < rr_store_num_timelines(r->store); k++) {
        const rr_timeline_t *tl = rr_store_timeline(r->store, k);
        rr_time_range_t tr;
        rr_json_key(&w, tl->name);
        if (rr_store_time_range(r->store, NULL, tl->name, &tr)) {
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

EMSCRIPTEN_KEEPALIVE int rr_web_active(void) { return g_v.n_recs ? (int)g_v.active : -1; }
EMSCRIPTEN_KEEPALIVE void rr_web_set_active(int i) {
    if (i >= 0 && (size_t)i < g_v.n_recs) g_v.active = (size_t)i;
}

EMSCRIPTEN_KEEPALIVE int rr_web_set_timeline(int i, const char *name) {
    if (i < 0 || (size_t)i >= g_v.n_recs || !rr_store_find_timeline(g_v.recs[i].store, name)) return -1;
    snprintf(g_v.recs[i].timeline, sizeof g_v.recs[i].timeline, "%s", name);
    return 0;
}

/* JS numbers are doubles: times come in and out as doubles. */
EMSCRIPTEN_KEEPALIVE void rr_web_set_time(int i, double t) {
    if (i < 0 || (size_t)i >= g_v.n_recs) return;
    g_v.recs[i].time = (int64_t)t;
    g_v.recs[i].time_set = true;
}

EMSCRIPTEN_KEEPALIVE void rr_web_set_playing(int i, int playing) {
    if (i < 0 || (size_t)i >= g_v.n_recs) return;
    web_rec_t *r = &g_v.recs[i];
    r->playing = playing != 0;
    if (r->playing) {
        rr_time_range_t tr;
        r->time_set = true;
        if (r->timeline[0] && rr_store_time_range(r->store, NULL, r->timeline, &tr) && r->time >= tr.max)
            r->time = tr.min; /* playing from the end starts over */
    }
}

EMSCRIPTEN_KEEPALIVE double rr_web_frames(void) { return (double)g_v.frames; }

/* Drops everything loaded (WebViewer.close / stop). */
EMSCRIPTEN_KEEPALIVE void rr_web_reset(void) {
    views_free();
    rr_rrd_decoder_free(g_v.dec);
    g_v.dec = NULL;
    rr_store_set_free(g_v.set);
    g_v.set = NULL;
    free(g_v.recs);
    g_v.recs = NULL;
    free(g_v.pending_info);
    g_v.pending_info = NULL;
    rr_store_id_free(&g_v.pending_id);
    g_v.n_recs = g_v.active = 0;
    g_v.error[0] = 0;
    g_v.failed = false;
}

/* Playback: sequence timelines step 30 per second (one frame index per tick
 * of Rerun's default 30 fps), temporal ones run in real time. */
static void advance(double dt) {
    for (size_t i = 0; i < g_v.n_recs; i++) {
        web_rec_t *r = &g_v.recs[i];
        if (!r->playing || !r->timeline[0]) continue;
        const rr_timeline_t *tl = rr_store_find_timeline(r->store, r->timeline);
        rr_time_range_t tr;
        if (!tl || !rr_store_time_range(r->store, NULL, r->timeline, &tr)) continue;
        /* fractions carry over: at 60 frames/s a sequence moves every other frame */
        r->carry += tl->type == RR_TIME_SEQUENCE ? dt * 30.0 : dt * 1e9;
        int64_t step = (int64_t)r->carry;
        r->carry -= (double)step;
        r->time += step;
        if (r->time >= tr.max) {
            r->time = tr.max;
            r->playing = false;
        }
    }
}

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
    advance(dt);
    if (!g_v.r) return;
    rr_error_t err = {0};
    web_rec_t *r = g_v.n_recs ? &g_v.recs[g_v.active] : NULL;
    rr_status_t st = views_update(r ? r->store : NULL, &err);
    const char *timeline = r && r->timeline[0] ? r->timeline : NULL;
    for (size_t i = 0; st == RR_OK && i < g_v.n_views; i++)
        st = draw_view(&g_v.views[i], timeline, r ? r->time : 0, &err);
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
    if (rr_web_open() != 0) return -1;
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
