/* The browser viewer's C side (Wasm, WebGL 2): the viewer's app core
 * (app.h) fed by push sources (app_push.h) that JavaScript fills as data
 * arrives (fetch streams of .rrd files, gRPC-web streams of a message
 * proxy's LogMsgs; see rerun_web.js), the state the JS API reads and sets
 * (recordings, the active one, its timeline, time and playback), and a frame
 * loop (emscripten_set_main_loop, i.e. requestAnimationFrame) that moves
 * queued data into the stores, advances playback and draws the viewer's
 * shell (shell/shell.h: top bar, recordings and blueprint tree, the views,
 * selection and time panels) into the canvas, driven by the canvas's mouse,
 * wheel and keyboard events that JavaScript forwards (positions in CSS
 * pixels, which are the UI's points; the device pixel ratio is its scale).
 * A frame is drawn only when something changed: input, new data, playback,
 * a resize, or the shell asking for it.
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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "store/store.h"
#include "viewer/app.h"
#include "viewer/app_push.h"
#include "viewer/gfx/gl.h"
#include "viewer/gfx/renderer.h"
#include "viewer/shell/shell.h"
#include "viewer/ui/font.h"
#include "viewer/ui/ui.h"

/* The UI's text size in points (the native viewer's too). */
#define WEB_FONT_PT 13.0f

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
    char canvas[128]; /* its CSS selector */
    rr_gfx_renderer_t *r;
    rr_ui_font_t *font;
    rr_ui_t *ui;
    rr_shell_t *shell; /* borrows app, r and ui */
    float css_w, css_h, scale; /* the canvas's CSS box and device pixel ratio */
    int fb_w, fb_h;
    signed char panels[3]; /* the page's panel overrides by rr_shell_panel_t: 1 shown, 0 hidden, -1 none */
    bool dirty; /* draw the next frame */
    uint64_t drawn_state; /* state_key() of the last frame drawn */
    double last_ms;
    uint64_t frames;
    char error[512]; /* the web layer's own first error (the app's banner holds the sources') */
} web_viewer_t;

static web_viewer_t g_v = {.panels = {-1, -1, -1}};

static char g_out[8192];

static void note_error(const char *what, const rr_error_t *err) {
    if (g_v.error[0]) return; /* keep the first: later ones usually follow from it */
    snprintf(g_v.error, sizeof g_v.error, "%s: %s", what, err->msg);
}

/* The app, and once the canvas is up the shell over it. */
static bool ensure_app(void) {
    rr_error_t err = {0};
    if (!g_v.app && rr_app_new(NULL, &g_v.app, &err) != RR_OK) {
        note_error("viewer", &err);
        return false;
    }
    if (g_v.ui && !g_v.shell) {
        if (rr_shell_new(g_v.app, g_v.r, g_v.ui, &g_v.shell, &err) != RR_OK) {
            note_error("shell", &err);
            return false;
        }
        /* a new shell (reset, new pixel ratio) keeps what the page asked for */
        for (int p = RR_SHELL_PANEL_LEFT; p <= RR_SHELL_PANEL_BOTTOM; p++)
            if (g_v.panels[p] >= 0) rr_shell_set_panel(g_v.shell, (rr_shell_panel_t)p, g_v.panels[p] != 0);
        g_v.dirty = true;
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
    /* Nothing here can wait for the frame loop to drain the queue: take the
     * excess into the stores now, so a large file never queues whole. */
    while (rr_app_push_backlogged(s))
        if (rr_app_update(g_v.app, 2) == 0) break;
    /* a damaged message was skipped: the stream goes on */
    return st == RR_OK || st == RR_ERR_INVALID_DATA ? (rr_app_push_open(s) ? 0 : -1) : -1;
}

/* One ReadMessagesResponse of a message proxy (gRPC-web): 0, or -1 when
 * it was malformed (reported, skipped). */
EMSCRIPTEN_KEEPALIVE int rr_web_source_push_response(int h, const uint8_t *data, int len) {
    rr_app_push_source_t *s = source(h);
    if (!s || len < 0) return -1;
    rr_status_t st = rr_app_push_read_response(s, data, (size_t)len);
    while (rr_app_push_backlogged(s))
        if (rr_app_update(g_v.app, 2) == 0) break;
    return st == RR_OK ? 0 : -1;
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
    rr_shell_free(g_v.shell); /* it borrows the app */
    g_v.shell = NULL;
    g_v.dirty = true;
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

/* ---------------- input ---------------- */

/* KeyboardEvent.key names of the keys the UI knows. */
static rr_ui_key_t key_of(const char *k) {
    static const struct {
        const char *name;
        rr_ui_key_t key;
    } keys[] = {
        {"ArrowLeft", RR_UI_KEY_LEFT}, {"ArrowRight", RR_UI_KEY_RIGHT}, {"ArrowUp", RR_UI_KEY_UP},
        {"ArrowDown", RR_UI_KEY_DOWN}, {"Home", RR_UI_KEY_HOME}, {"End", RR_UI_KEY_END},
        {"PageUp", RR_UI_KEY_PAGE_UP}, {"PageDown", RR_UI_KEY_PAGE_DOWN},
        {"Backspace", RR_UI_KEY_BACKSPACE}, {"Delete", RR_UI_KEY_DELETE}, {"Enter", RR_UI_KEY_ENTER},
        {"Escape", RR_UI_KEY_ESCAPE}, {"Tab", RR_UI_KEY_TAB}, {" ", RR_UI_KEY_SPACE},
        {"a", RR_UI_KEY_A}, {"c", RR_UI_KEY_C}, {"p", RR_UI_KEY_P}, {"v", RR_UI_KEY_V},
        {"x", RR_UI_KEY_X}, {"z", RR_UI_KEY_Z},
    };
    char lower[16];
    size_t n = strlen(k);
    if (n >= sizeof lower) return RR_UI_KEY_NONE;
    for (size_t i = 0; i <= n; i++) lower[i] = n == 1 && k[i] >= 'A' && k[i] <= 'Z' ? (char)(k[i] + 32) : k[i];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(keys[i].name, lower)) return keys[i].key;
    return RR_UI_KEY_NONE;
}

EMSCRIPTEN_KEEPALIVE void rr_web_input_mouse_pos(double x, double y) {
    if (!g_v.ui) return;
    rr_ui_input_mouse_pos(g_v.ui, (float)x, (float)y);
    g_v.dirty = true;
}

EMSCRIPTEN_KEEPALIVE void rr_web_input_mouse_leave(void) {
    if (!g_v.ui) return;
    rr_ui_input_mouse_leave(g_v.ui);
    g_v.dirty = true;
}

/* button as MouseEvent.button: 0 left, 1 middle, 2 right. */
EMSCRIPTEN_KEEPALIVE void rr_web_input_mouse_button(int button, int down) {
    if (!g_v.ui) return;
    int b = button == 1 ? RR_UI_MOUSE_MIDDLE : button == 2 ? RR_UI_MOUSE_RIGHT : RR_UI_MOUSE_LEFT;
    rr_ui_input_mouse_button(g_v.ui, b, down != 0);
    g_v.dirty = true;
}

/* In GLFW's unit (a notch is 1) and sign (positive dy: away from the
 * user), as the native window gets it; both hand the toolkit points. */
EMSCRIPTEN_KEEPALIVE void rr_web_input_wheel(double dx, double dy) {
    if (!g_v.ui) return;
    rr_ui_input_wheel(g_v.ui, (float)dx * RR_UI_WHEEL_NOTCH, (float)dy * RR_UI_WHEEL_NOTCH);
    g_v.dirty = true;
}

/* mods: 1 shift, 2 ctrl, 4 alt, 8 meta (rr_ui's bits). Returns 1 when the
 * key is one the UI knows (the page then keeps it from the browser). */
EMSCRIPTEN_KEEPALIVE int rr_web_input_key(const char *key, int down, int mods) {
    if (!g_v.ui) return 0;
    rr_ui_input_modifiers(g_v.ui, (unsigned)mods);
    rr_ui_key_t k = key_of(key);
    if (k != RR_UI_KEY_NONE) rr_ui_input_key(g_v.ui, k, down != 0);
    g_v.dirty = true;
    return k != RR_UI_KEY_NONE;
}

EMSCRIPTEN_KEEPALIVE void rr_web_input_text(const char *utf8) {
    if (!g_v.ui) return;
    rr_ui_input_text(g_v.ui, utf8);
    g_v.dirty = true;
}

/* The mouse cursor the UI asks for, as a CSS cursor name. */
EMSCRIPTEN_KEEPALIVE const char *rr_web_cursor(void) {
    switch (g_v.ui ? rr_ui_cursor(g_v.ui) : RR_UI_CURSOR_ARROW) {
    case RR_UI_CURSOR_HAND: return "pointer";
    case RR_UI_CURSOR_TEXT: return "text";
    case RR_UI_CURSOR_RESIZE_H: return "ew-resize";
    case RR_UI_CURSOR_RESIZE_V: return "ns-resize";
    default: return "default";
    }
}

/* The UI at the current scale: the font's atlas is rasterised for one
 * pixel ratio, so a new ratio (browser zoom, another screen) makes a new
 * font, UI context and shell (the shell borrows the context; its panel
 * sizes and selection start over). */
static bool make_ui(void) {
    rr_shell_free(g_v.shell);
    g_v.shell = NULL;
    rr_ui_free(g_v.ui);
    g_v.ui = NULL;
    rr_ui_font_free(g_v.font);
    g_v.font = NULL;
    rr_error_t err = {0};
    /* the font was embedded at its Debian path (scripts/build-web) */
    if (rr_ui_font_load(rr_ui_font_default_path(), WEB_FONT_PT, g_v.scale, &g_v.font, &err) != RR_OK ||
        rr_ui_new(g_v.font, &g_v.ui, &err) != RR_OK) {
        note_error("ui", &err);
        return false;
    }
    return ensure_app();
}

/* The canvas's CSS box or the device pixel ratio changed: the drawing
 * buffer follows in device pixels. */
EMSCRIPTEN_KEEPALIVE void rr_web_resize(double css_w, double css_h, double dpr) {
    if (css_w < 1 || css_h < 1 || !g_v.gl) return;
    g_v.css_w = (float)css_w;
    g_v.css_h = (float)css_h;
    float scale = dpr >= 0.5 && dpr <= 8 ? (float)dpr : 1.0f;
    if (fabsf(scale - g_v.scale) > 0.01f) {
        g_v.scale = scale;
        if (g_v.ui) make_ui();
    }
    g_v.fb_w = (int)(css_w * (double)g_v.scale + 0.5);
    g_v.fb_h = (int)(css_h * (double)g_v.scale + 0.5);
    emscripten_set_canvas_element_size(g_v.canvas, g_v.fb_w, g_v.fb_h);
    g_v.dirty = true;
}

/* The shell's layout as JSON (panels and views, in CSS pixels), so a page or
 * a test can find what to click. */
EMSCRIPTEN_KEEPALIVE const char *rr_web_layout_json(void) {
    g_out[0] = 0;
    if (!g_v.shell) return g_out;
    rr_shell_layout_t l;
    rr_shell_layout(g_v.shell, &l);
    const struct {
        const char *name;
        rr_ui_rect_t r;
    } rects[] = {{"top_bar", l.top_bar}, {"banner", l.banner}, {"left", l.left},
                 {"right", l.right},     {"bottom", l.bottom}, {"viewport", l.viewport}};
    rr_buf_t b = {0};
    rr_json_writer_t w;
    rr_json_writer_init(&w, &b, 0);
    rr_json_begin_object(&w);
    for (size_t i = 0; i < sizeof rects / sizeof rects[0]; i++) {
        rr_json_key(&w, rects[i].name);
        rr_json_begin_array(&w);
        rr_json_double(&w, rects[i].r.x);
        rr_json_double(&w, rects[i].r.y);
        rr_json_double(&w, rects[i].r.w);
        rr_json_double(&w, rects[i].r.h);
        rr_json_end_array(&w);
    }
    rr_json_key(&w, "views");
    rr_json_begin_array(&w);
    for (size_t i = 0; i < rr_shell_num_views(g_v.shell); i++) {
        rr_shell_view_info_t v;
        if (!rr_shell_view_info(g_v.shell, i, &v)) continue;
        rr_json_begin_object(&w);
        rr_json_key(&w, "name");
        rr_json_string(&w, v.name);
        rr_json_key(&w, "origin");
        rr_json_string(&w, v.origin);
        rr_json_key(&w, "shown");
        rr_json_bool(&w, v.shown);
        rr_json_key(&w, "drawables");
        rr_json_int(&w, (int64_t)v.drawables);
        rr_json_key(&w, "content");
        rr_json_begin_array(&w);
        rr_json_double(&w, v.content.x);
        rr_json_double(&w, v.content.y);
        rr_json_double(&w, v.content.w);
        rr_json_double(&w, v.content.h);
        rr_json_end_array(&w);
        rr_json_end_object(&w);
    }
    rr_json_end_array(&w);
    rr_json_end_object(&w);
    rr_error_t err = {0};
    if (rr_json_writer_finish(&w, &err) == RR_OK && b.len < sizeof g_out) {
        memcpy(g_out, b.data, b.len);
        g_out[b.len] = 0;
    }
    rr_buf_free(&b);
    return g_out;
}

/* Shows (1) or hides (0) one of the shell's panels, or drops the page's
 * override (-1, the panel shown again): 0 left (blueprint), 1 right
 * (selection), 2 bottom (time), as rr_shell_panel_t. Kept for shells made
 * later. */
EMSCRIPTEN_KEEPALIVE void rr_web_set_panel(int panel, int shown) {
    if (panel < RR_SHELL_PANEL_LEFT || panel > RR_SHELL_PANEL_BOTTOM) return;
    g_v.panels[panel] = (signed char)(shown < 0 ? -1 : shown != 0);
    if (g_v.shell) rr_shell_set_panel(g_v.shell, (rr_shell_panel_t)panel, shown != 0);
    g_v.dirty = true;
}

/* One of the last frame's clickable items by the shell's key
 * (rr_shell_item_rect: "recording:<id>", "view:<i>", "toggle:<p>", ...) as
 * JSON [x, y, w, h] in CSS pixels; "" when it was not drawn. */
EMSCRIPTEN_KEEPALIVE const char *rr_web_item_rect(const char *key) {
    g_out[0] = 0;
    rr_ui_rect_t r;
    if (g_v.shell && rr_shell_item_rect(g_v.shell, key, &r))
        snprintf(g_out, sizeof g_out, "[%.2f,%.2f,%.2f,%.2f]", (double)r.x, (double)r.y, (double)r.w, (double)r.h);
    return g_out;
}

/* ---------------- frames ---------------- */

/* Changes whenever what the app shows changed, by any path (a frame's
 * update, the JS API's poll, set_current_time...). */
static uint64_t state_key(void) {
    uint64_t h = 1469598103934665603ull;
    const uint64_t parts[] = {
        rr_app_items_loaded(g_v.app), (uint64_t)rr_app_time(g_v.app),
        (uint64_t)(uintptr_t)rr_app_active_store(g_v.app), rr_app_num_errors(g_v.app),
        (uint64_t)rr_app_playing(g_v.app) | (uint64_t)rr_app_following(g_v.app) << 1 |
            (uint64_t)rr_app_looping(g_v.app) << 2,
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) h = (h ^ parts[i]) * 1099511628211ull;
    for (const char *c = rr_app_timeline(g_v.app); *c; c++) h = (h ^ (uint8_t)*c) * 1099511628211ull;
    return h;
}

static void frame(void) {
    double now = emscripten_get_now();
    double dt = g_v.last_ms > 0 ? (now - g_v.last_ms) / 1000.0 : 0;
    g_v.last_ms = now;
    if (!g_v.r || !ensure_app() || !g_v.shell) return;
    /* a few ms of the 16 a frame has: a large file fills in over frames */
    if (rr_app_update(g_v.app, 8) > 0) g_v.dirty = true;
    if (rr_app_playing(g_v.app)) {
        /* A stalled frame (a busy machine, a throttled tab) moves playback
         * by at most 0.1 s, as Rerun bounds its per-frame motions. */
        rr_app_tick(g_v.app, dt < 0.1 ? dt : 0.1);
        g_v.dirty = true;
    }
    uint64_t key = state_key();
    if (key != g_v.drawn_state || rr_app_loading(g_v.app) || rr_shell_wants_repaint(g_v.shell)) g_v.dirty = true;
    if (!g_v.dirty || g_v.fb_w <= 0 || g_v.fb_h <= 0) return;
    g_v.dirty = false;
    g_v.drawn_state = key;
    rr_error_t err = {0};
    rr_status_t st = rr_shell_frame(g_v.shell, g_v.css_w, g_v.css_h, g_v.scale, now / 1000.0, &err);
    if (st == RR_OK) {
        glBindFramebuffer(GL_FRAMEBUFFER, 0);
        glViewport(0, 0, g_v.fb_w, g_v.fb_h);
        glClearColor(0.05f, 0.05f, 0.06f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        st = rr_shell_render(g_v.shell, g_v.fb_w, g_v.fb_h, &err);
    }
    if (st != RR_OK) {
        note_error("frame", &err);
        return;
    }
    g_v.frames++;
}

/* Creates the WebGL 2 context on the canvas (a CSS selector) of css_w x
 * css_h CSS pixels at device pixel ratio dpr, the renderer, the UI and the
 * shell, and starts the frame loop. */
EMSCRIPTEN_KEEPALIVE int rr_web_start(const char *canvas, double css_w, double css_h, double dpr) {
    EmscriptenWebGLContextAttributes a;
    emscripten_webgl_init_context_attributes(&a);
    a.majorVersion = 2;
    a.minorVersion = 0;
    a.antialias = false; /* views draw into their own (multisampled) targets */
    a.depth = false;
    a.preserveDrawingBuffer = true; /* frames are drawn on change only, and screenshots read the canvas */
    snprintf(g_v.canvas, sizeof g_v.canvas, "%s", canvas);
    g_v.gl = emscripten_webgl_create_context(canvas, &a);
    if (g_v.gl <= 0) {
        snprintf(g_v.error, sizeof g_v.error, "WebGL 2 is not available on %s", canvas);
        return -1;
    }
    emscripten_webgl_make_context_current(g_v.gl);
    g_v.scale = dpr >= 0.5 && dpr <= 8 ? (float)dpr : 1.0f;
    rr_web_resize(css_w, css_h, dpr);
    rr_error_t err = {0};
    if (rr_gfx_renderer_new(&g_v.r, &err) != RR_OK) {
        note_error("renderer", &err);
        return -1;
    }
    if (!make_ui()) return -1;
    emscripten_set_main_loop(frame, 0, 0);
    return 0;
}

/* Ends the frame loop and frees everything (WebViewer.stop). */
EMSCRIPTEN_KEEPALIVE void rr_web_stop(void) {
    emscripten_cancel_main_loop();
    rr_web_reset();
    memset(g_v.panels, -1, sizeof g_v.panels);
    rr_ui_free(g_v.ui);
    g_v.ui = NULL;
    rr_ui_font_free(g_v.font);
    g_v.font = NULL;
    rr_gfx_renderer_free(g_v.r);
    g_v.r = NULL;
    if (g_v.gl > 0) emscripten_webgl_destroy_context(g_v.gl);
    g_v.gl = 0;
}

int main(void) { return 0; }

#else
typedef int rr_web_main_host_build_empty;
#endif
