/* The native viewer loop (app_window.h): poll the window's input into the
 * UI context, drain the sources' queue under a small budget, advance
 * playback, run the shell's frame and draw it straight into the window's
 * default framebuffer, present, and write the debug dump every few frames.
 *
 * The views render into their own targets inside the shell's frame; the
 * window itself is drawn by the UI pass, so no frame is read back except
 * for a screenshot (F12, the palette, SaveScreenshot over gRPC, exit). The
 * loop redraws only when something changed (input, new data, playback,
 * resize, an animation the shell asks for) and otherwise sleeps a little.
 *
 * HiDPI: the ratio of the framebuffer to the window's size (GLFW reports
 * the mouse in window coordinates, which are the UI's points) gives the
 * UI's scale. It is read again every frame: a window moved to a screen of
 * another density gets a font rasterised for it (rr_ui_set_font), the rest
 * of the UI's state kept. */
#include "viewer/app_window.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "viewer/gfx/context_glfw.h"
#include "viewer/gfx/gl.h"
#include "viewer/gfx/png.h"
#include "viewer/gfx/renderer.h"
#include "viewer/shell/shell.h"
#include "viewer/ui/font.h"
#include "viewer/ui/ui.h"

static volatile sig_atomic_t g_close_requested;

void rr_app_window_request_close(void) { g_close_requested = 1; }

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* GLFW's key codes. */
enum {
    GK_ENTER = 257, GK_TAB = 258, GK_BACKSPACE = 259, GK_DELETE = 261, GK_PAGE_UP = 266, GK_PAGE_DOWN = 267,
};

typedef struct win {
    rr_app_t *app;
    const rr_app_window_options_t *o;
    rr_gfx_context_t *ctx;
    rr_gfx_renderer_t *r;
    rr_ui_font_t *font;
    rr_ui_t *ui;
    rr_shell_t *shell;
    float scale;
    int fb_w, fb_h;
    bool dirty;
    uint64_t frame;
    int shots;
} win_t;

static rr_ui_key_t ui_key_of(int k) {
    switch (k) {
    case RR_KEY_LEFT: return RR_UI_KEY_LEFT;
    case RR_KEY_RIGHT: return RR_UI_KEY_RIGHT;
    case RR_KEY_UP: return RR_UI_KEY_UP;
    case RR_KEY_DOWN: return RR_UI_KEY_DOWN;
    case RR_KEY_HOME: return RR_UI_KEY_HOME;
    case RR_KEY_END: return RR_UI_KEY_END;
    case GK_PAGE_UP: return RR_UI_KEY_PAGE_UP;
    case GK_PAGE_DOWN: return RR_UI_KEY_PAGE_DOWN;
    case GK_BACKSPACE: return RR_UI_KEY_BACKSPACE;
    case GK_DELETE: return RR_UI_KEY_DELETE;
    case GK_ENTER: return RR_UI_KEY_ENTER;
    case RR_KEY_ESCAPE: return RR_UI_KEY_ESCAPE;
    case GK_TAB: return RR_UI_KEY_TAB;
    case RR_KEY_SPACE: return RR_UI_KEY_SPACE;
    case 'A': return RR_UI_KEY_A;
    case 'C': return RR_UI_KEY_C;
    case 'P': return RR_UI_KEY_P;
    case 'V': return RR_UI_KEY_V;
    case 'X': return RR_UI_KEY_X;
    case 'Z': return RR_UI_KEY_Z;
    default: return RR_UI_KEY_NONE;
    }
}

static size_t utf8_encode(unsigned cp, char out[5]) {
    size_t n;
    if (cp < 0x80) out[0] = (char)cp, n = 1;
    else if (cp < 0x800) out[0] = (char)(0xc0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    else if (cp < 0x10000)
        out[0] = (char)(0xe0 | cp >> 12), out[1] = (char)(0x80 | ((cp >> 6) & 0x3f)), out[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    else if (cp < 0x110000)
        out[0] = (char)(0xf0 | cp >> 18), out[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), out[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    else n = 0;
    out[n] = 0;
    return n;
}

/* Feeds the window's events to the UI; true when any arrived. F12 is the
 * host's (a screenshot), the rest the shell's. */
static bool feed_input(win_t *w, bool *want_shot) {
    const rr_input_event_t *ev;
    size_t n = rr_gfx_window_poll(w->ctx, &ev);
    for (size_t i = 0; i < n; i++) {
        const rr_input_event_t *e = &ev[i];
        switch (e->kind) {
        case RR_INPUT_MOUSE_MOVE: rr_ui_input_mouse_pos(w->ui, (float)e->x, (float)e->y); break;
        case RR_INPUT_MOUSE_BUTTON:
            rr_ui_input_mouse_pos(w->ui, (float)e->x, (float)e->y);
            if (e->button >= 0 && e->button < 3) rr_ui_input_mouse_button(w->ui, e->button, e->pressed);
            break;
        /* Wheel notches as GLFW reports them (the web host passes the same unit). */
        case RR_INPUT_SCROLL:
            rr_ui_input_wheel(w->ui, (float)e->dx * RR_UI_WHEEL_NOTCH, (float)e->dy * RR_UI_WHEEL_NOTCH);
            break;
        case RR_INPUT_KEY: {
            rr_ui_input_modifiers(w->ui, (unsigned)e->mods & 15u);
            if (e->key == RR_KEY_F12) {
                if (e->pressed) *want_shot = true;
                break;
            }
            rr_ui_key_t k = ui_key_of(e->key);
            if (k != RR_UI_KEY_NONE) rr_ui_input_key(w->ui, k, e->pressed);
            break;
        }
        case RR_INPUT_CHAR: {
            char u[5];
            if (utf8_encode(e->codepoint, u)) rr_ui_input_text(w->ui, u);
            break;
        }
        }
    }
    return n > 0;
}

/* The scale a framebuffer of fb_w pixels gives a window win_w points wide,
 * kept within 0.5 .. 4 (1 when unknown). */
static float window_scale(int fb_w, int win_w) {
    float s = fb_w > 0 && win_w > 0 ? (float)fb_w / (float)win_w : 1.0f;
    return s >= 0.5f && s <= 4.0f ? s : 1.0f;
}

/* A new font when the scale moved (another screen); true when it did. A
 * font that does not load keeps the old one (blurred, but working). */
static bool follow_scale(win_t *w) {
    int ww, wh;
    rr_gfx_window_size(w->ctx, &ww, &wh);
    if (ww <= 0 || w->fb_w <= 0) return false; /* minimised */
    float s = window_scale(w->fb_w, ww);
    if (fabsf(s - w->scale) < 0.01f * w->scale) return false;
    rr_ui_font_t *f = NULL;
    rr_error_t err = {0};
    if (rr_ui_font_load(rr_ui_font_default_path(), 13, s, &f, &err) != RR_OK) {
        fprintf(stderr, "rerun: keeping the font at scale %g: %s\n", (double)w->scale, err.msg);
        w->scale = s;
        return true;
    }
    rr_ui_set_font(w->ui, f);
    rr_ui_font_free(w->font);
    w->font = f;
    w->scale = s;
    return true;
}

/* One frame of the shell into the window's framebuffer (not presented). */
static rr_status_t draw(win_t *w, double t, rr_error_t *err) {
    rr_gfx_window_framebuffer_size(w->ctx, &w->fb_w, &w->fb_h);
    if (w->fb_w < 1 || w->fb_h < 1) w->fb_w = w->fb_h = 1; /* minimised */
    follow_scale(w);
    RR_TRY(rr_shell_frame(w->shell, (float)w->fb_w / w->scale, (float)w->fb_h / w->scale, w->scale, t, err));
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glViewport(0, 0, w->fb_w, w->fb_h);
    glClearColor(0, 0, 0, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    RR_TRY(rr_shell_render(w->shell, w->fb_w, w->fb_h, err));
    GLenum e = glGetError();
    if (e != GL_NO_ERROR) return rr_error_set(err, RR_ERR_INTERNAL, "window: GL error 0x%x drawing the frame", (unsigned)e);
    return RR_OK;
}

/* Reads the drawn (not yet presented) frame and writes it as a PNG. */
static rr_status_t write_screenshot(win_t *w, const char *path, rr_error_t *err) {
    size_t row = (size_t)w->fb_w * 4;
    uint8_t *px = malloc(row * (size_t)w->fb_h), *tmp = malloc(row);
    if (!px || !tmp) {
        free(px);
        free(tmp);
        return rr_error_set(err, RR_ERR_NOMEM, "screenshot: out of memory for %dx%d", w->fb_w, w->fb_h);
    }
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, w->fb_w, w->fb_h, GL_RGBA, GL_UNSIGNED_BYTE, px);
    /* GL's rows run bottom-up; PNG's top-down. */
    for (int y = 0; y < w->fb_h / 2; y++) {
        memcpy(tmp, px + row * (size_t)y, row);
        memcpy(px + row * (size_t)y, px + row * (size_t)(w->fb_h - 1 - y), row);
        memcpy(px + row * (size_t)(w->fb_h - 1 - y), tmp, row);
    }
    for (size_t i = 3; i < row * (size_t)w->fb_h; i += 4) px[i] = 255;
    rr_status_t st = rr_png_write_rgba(path, w->fb_w, w->fb_h, px, err);
    free(px);
    free(tmp);
    if (st == RR_OK) fprintf(stderr, "rerun: wrote %s (%dx%d)\n", path, w->fb_w, w->fb_h);
    return st;
}

static const char *default_shot_path(win_t *w, char *buf, size_t cap) {
    if (w->o->screenshot) return w->o->screenshot;
    snprintf(buf, cap, "rerun_screenshot_%d.png", w->shots++);
    return buf;
}

/* After a frame is drawn: the screenshots asked for by F12 or the palette,
 * and SaveScreenshot requests from the gRPC endpoint, each answered. */
static void take_screenshots(win_t *w, bool want_shot) {
    char buf[64];
    rr_error_t err = {0};
    if (want_shot || rr_shell_take_screenshot_request(w->shell)) {
        if (write_screenshot(w, default_shot_path(w, buf, sizeof buf), &err) != RR_OK)
            rr_app_report_error(w->app, "screenshot", err.msg);
    }
    rr_app_screenshot_t shot;
    while (rr_app_take_screenshot(w->app, &shot)) {
        if (shot.has_view) {
            /* Our views have no ids of Rerun's kind (blueprint UUIDs). */
            char msg[400];
            snprintf(msg, sizeof msg, "no view with id '%s' (this viewer screenshots the whole window only)", shot.view_id);
            rr_app_screenshot_done(w->app, &shot, false, true, msg);
            continue;
        }
        const char *path = shot.path[0] ? shot.path : default_shot_path(w, buf, sizeof buf);
        memset(&err, 0, sizeof err);
        rr_status_t st = write_screenshot(w, path, &err);
        rr_app_screenshot_done(w->app, &shot, st == RR_OK, false, st == RR_OK ? NULL : err.msg);
    }
}

static void dump(win_t *w) {
    if (!w->o->debug_dump) return;
    size_t cap = 32768;
    char *extra = malloc(cap);
    if (!extra) return;
    size_t drawables = 0;
    for (size_t i = 0; i < rr_shell_num_views(w->shell); i++) {
        rr_shell_view_info_t vi;
        if (rr_shell_view_info(w->shell, i, &vi) && vi.shown) drawables += vi.drawables;
    }
    int n = snprintf(extra, cap, "\"frame\":%llu,\"width\":%d,\"height\":%d,\"scale\":%g,\"drawables\":%zu,",
                     (unsigned long long)w->frame, w->fb_w, w->fb_h, (double)w->scale, drawables);
    if (n > 0 && (size_t)n < cap) rr_shell_debug_json(w->shell, extra + n, cap - (size_t)n);
    rr_error_t err = {0};
    if (rr_app_write_debug_dump(w->app, w->o->debug_dump, extra, &err) != RR_OK) fprintf(stderr, "rerun: %s\n", err.msg);
    free(extra);
}

static void update_title(win_t *w, char *title, size_t cap) {
    const char *e = rr_app_error(w->app);
    char want[512];
    rr_store_t *s = rr_app_active_store(w->app);
    const rr_store_id_t *id = s ? rr_store_store_id(s) : NULL;
    char loading[32] = "";
    if (rr_app_loading(w->app)) snprintf(loading, sizeof loading, " (loading %.0f%%)", rr_app_progress(w->app) * 100.0);
    snprintf(want, sizeof want, "Rerun — %s%s%s%s", id && id->application_id ? id->application_id : "waiting for data",
             loading, e[0] ? " — error: " : "", e[0] ? e : "");
    if (strcmp(want, title) != 0) {
        snprintf(title, cap, "%s", want);
        rr_gfx_window_set_title(w->ctx, title);
    }
}

static void win_free(win_t *w) {
    rr_shell_free(w->shell);
    rr_ui_free(w->ui);
    rr_ui_font_free(w->font);
    rr_gfx_renderer_free(w->r);
    rr_gfx_context_free(w->ctx);
}

rr_status_t rr_app_run_window(rr_app_t *app, const rr_app_window_options_t *o, rr_error_t *err) {
    win_t w;
    memset(&w, 0, sizeof w);
    w.app = app;
    w.o = o;
    int ww = o->width > 0 ? o->width : 1280, wh = o->height > 0 ? o->height : 800;
    RR_TRY(rr_gfx_context_new_window(o->title ? o->title : "Rerun", ww, wh, &w.ctx, err));
    rr_gfx_window_framebuffer_size(w.ctx, &w.fb_w, &w.fb_h);
    w.scale = window_scale(w.fb_w, ww);
    rr_status_t st = rr_gfx_renderer_new(&w.r, err);
    if (st == RR_OK) st = rr_ui_font_load(rr_ui_font_default_path(), 13, w.scale, &w.font, err);
    if (st == RR_OK) st = rr_ui_new(w.font, &w.ui, err);
    if (st == RR_OK) st = rr_shell_new(app, w.r, w.ui, &w.shell, err);
    if (st != RR_OK) {
        win_free(&w);
        return st;
    }
    rr_app_accept_screenshots(app, true);
    int every = o->dump_every > 0 ? o->dump_every : 10;
    double start = now_s(), last = start;
    char title[512] = "";
    int last_w = 0, last_h = 0;
    while (st == RR_OK && !g_close_requested && !rr_gfx_window_should_close(w.ctx)) {
        double t = now_s();
        if (o->max_seconds > 0 && t - start >= o->max_seconds) break;
        bool want_shot = false;
        if (feed_input(&w, &want_shot)) w.dirty = true;
        /* A few ms of loading per frame keeps the window responsive while a
         * large file streams in. */
        if (rr_app_update(app, 8) > 0) w.dirty = true;
        int64_t before = rr_app_time(app);
        /* A stalled frame moves playback by at most 0.1 s, as Rerun bounds
         * its per-frame motions. */
        rr_app_tick(app, t - last < 0.1 ? t - last : 0.1);
        last = t;
        if (rr_app_time(app) != before) w.dirty = true;
        int fw, fh;
        rr_gfx_window_framebuffer_size(w.ctx, &fw, &fh);
        if (fw != last_w || fh != last_h) w.dirty = true, last_w = fw, last_h = fh;
        if (rr_app_screenshot_pending(app)) w.dirty = true;
        if (w.dirty || want_shot || w.frame == 0 || rr_shell_wants_repaint(w.shell)) {
            st = draw(&w, t - start, err);
            if (st == RR_OK) take_screenshots(&w, want_shot);
            if (st == RR_OK) rr_gfx_context_present(w.ctx);
            w.dirty = false;
            if (rr_shell_take_quit_request(w.shell)) g_close_requested = 1;
        } else {
            usleep(8000); /* nothing changed: poll again soon */
        }
        w.frame++;
        if (w.frame % (uint64_t)every == 0) dump(&w);
        update_title(&w, title, sizeof title);
    }
    rr_app_accept_screenshots(app, false);
    if (st == RR_OK && o->screenshot_on_exit) {
        /* The last frame as shown, redrawn so it reflects the final state. */
        rr_app_update(app, 8);
        st = draw(&w, now_s() - start, err);
        if (st == RR_OK) st = write_screenshot(&w, o->screenshot ? o->screenshot : "rerun_screenshot.png", err);
    }
    dump(&w);
    win_free(&w);
    return st;
}
