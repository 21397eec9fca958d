/* The native viewer loop (app_window.h): poll input, drain the sources'
 * queue under a small budget, advance playback, render the Spatial 3D view
 * of the active recording at the current time, present, and write the debug
 * dump every few frames.
 *
 * The renderer draws into its own off-screen target (renderer.h has no
 * access to the window's default framebuffer); the finished frame is read
 * back and blitted to the window through a texture. That costs a read-back
 * per redraw, so the loop redraws only when something changed (input, new
 * data, playback, resize). */
#include "viewer/app_window.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "viewer/gfx/camera.h"
#include "viewer/gfx/context_glfw.h"
#include "viewer/gfx/gl.h"
#include "viewer/gfx/png.h"
#include "viewer/gfx/renderer.h"
#include "viewer/views/spatial3d.h"

static volatile sig_atomic_t g_close_requested;

void rr_app_window_request_close(void) { g_close_requested = 1; }

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct win {
    rr_app_t *app;
    const rr_app_window_options_t *o;
    rr_gfx_context_t *ctx;
    rr_gfx_renderer_t *r;
    rr_gfx_target_t *target;
    int w, h;
    uint8_t *pixels;
    GLuint tex, fbo;
    rr_spatial3d_t *view;
    rr_store_t *view_store;
    rr_camera_t cam;
    bool camera_touched; /* the user moved it: stop fitting new data */
    bool dirty;
    uint64_t frame;
    int shots;
    /* mouse */
    double mx, my;
    bool drag[3];
    double last_click;
} win_t;

static rr_status_t ensure_target(win_t *w, rr_error_t *err) {
    int fw = 0, fh = 0;
    rr_gfx_window_framebuffer_size(w->ctx, &fw, &fh);
    if (fw < 1 || fh < 1) fw = fh = 1; /* minimised */
    if (w->target && fw == w->w && fh == w->h) return RR_OK;
    rr_gfx_target_free(w->target);
    w->target = NULL;
    free(w->pixels);
    w->pixels = malloc((size_t)fw * (size_t)fh * 4);
    if (!w->pixels) return rr_error_set(err, RR_ERR_NOMEM, "window: out of memory for %dx%d", fw, fh);
    RR_TRY(rr_gfx_target_new(w->r, fw, fh, 4, &w->target, err));
    w->w = fw, w->h = fh;
    if (!w->tex) glGenTextures(1, &w->tex);
    if (!w->fbo) glGenFramebuffers(1, &w->fbo);
    glBindTexture(GL_TEXTURE_2D, w->tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, fw, fh, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, w->fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, w->tex, 0);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    w->dirty = true;
    return RR_OK;
}

static void reset_camera(win_t *w) {
    rr_camera_init(&w->cam);
    if (w->view) {
        rr_camera_set_up(&w->cam, rr_spatial3d_up(w->view));
        rr_aabb_t b = rr_spatial3d_bounds(w->view);
        rr_camera_fit(&w->cam, &b);
    }
    w->dirty = true;
}

static rr_status_t write_screenshot(win_t *w, const char *path, rr_error_t *err) {
    RR_TRY(rr_png_write_rgba(path, w->w, w->h, w->pixels, err));
    fprintf(stderr, "rerun: wrote %s (%dx%d)\n", path, w->w, w->h);
    return RR_OK;
}

static void handle_input(win_t *w) {
    const rr_input_event_t *ev;
    size_t n = rr_gfx_window_poll(w->ctx, &ev);
    for (size_t i = 0; i < n; i++) {
        const rr_input_event_t *e = &ev[i];
        switch (e->kind) {
        case RR_INPUT_MOUSE_MOVE: {
            double dx = e->x - w->mx, dy = e->y - w->my;
            if (w->drag[0]) {
                rr_camera_orbit(&w->cam, (float)(-dx * 0.01), (float)(dy * 0.01));
                w->camera_touched = w->dirty = true;
            } else if (w->drag[1] || w->drag[2]) {
                rr_camera_pan(&w->cam, (float)dx, (float)dy, (float)(w->h > 0 ? w->h : 1));
                w->camera_touched = w->dirty = true;
            }
            w->mx = e->x, w->my = e->y;
            break;
        }
        case RR_INPUT_MOUSE_BUTTON:
            if (e->button >= 0 && e->button < 3) w->drag[e->button] = e->pressed;
            w->mx = e->x, w->my = e->y;
            if (e->button == 0 && e->pressed) {
                if (e->time - w->last_click < 0.35) {
                    reset_camera(w);
                    w->camera_touched = false;
                    w->last_click = -1;
                } else {
                    w->last_click = e->time;
                }
            }
            break;
        case RR_INPUT_SCROLL:
            rr_camera_zoom(&w->cam, powf(0.9f, (float)e->dy));
            w->camera_touched = w->dirty = true;
            break;
        case RR_INPUT_KEY:
            if (!e->pressed) break;
            if (e->key == RR_KEY_SPACE) rr_app_toggle_playing(w->app);
            else if (e->key == RR_KEY_LEFT) rr_app_step(w->app, -1);
            else if (e->key == RR_KEY_RIGHT) rr_app_step(w->app, 1);
            else if (e->key == RR_KEY_R) {
                reset_camera(w);
                w->camera_touched = false;
            } else if (e->key == RR_KEY_F12) {
                char path[64];
                const char *p = w->o->screenshot;
                if (!p) {
                    snprintf(path, sizeof path, "rerun_screenshot_%d.png", w->shots++);
                    p = path;
                }
                rr_error_t err = {0};
                if (write_screenshot(w, p, &err) != RR_OK) rr_app_report_error(w->app, "screenshot", err.msg);
            } else if (e->key == RR_KEY_ESCAPE) {
                g_close_requested = 1;
            }
            w->dirty = true;
            break;
        case RR_INPUT_CHAR:
            break;
        }
    }
}

static rr_status_t render(win_t *w, rr_error_t *err) {
    rr_store_t *s = rr_app_active_store(w->app);
    if (s != w->view_store) {
        rr_spatial3d_free(w->view);
        w->view = NULL;
        w->view_store = s;
        if (s) RR_TRY(rr_spatial3d_new(w->r, s, &w->view, err));
        w->camera_touched = false;
    }
    RR_TRY(ensure_target(w, err));
    glClearColor(0.05f, 0.05f, 0.06f, 1);
    if (w->view) {
        const char *tl = rr_app_timeline(w->app);
        RR_TRY(rr_spatial3d_prepare(w->view, tl[0] ? tl : NULL, rr_app_time(w->app), err));
        /* Until the user takes the camera, it keeps the whole scene in view
         * as data arrives. */
        if (!w->camera_touched) {
            rr_camera_init(&w->cam);
            rr_camera_set_up(&w->cam, rr_spatial3d_up(w->view));
            rr_aabb_t b = rr_spatial3d_bounds(w->view);
            rr_camera_fit(&w->cam, &b);
        }
        RR_TRY(rr_spatial3d_draw(w->view, w->target, &w->cam, NULL, err));
        RR_TRY(rr_gfx_target_read_rgba(w->target, w->pixels, err));
    } else {
        /* Nothing to show yet: the background the view would draw. */
        for (size_t i = 0; i < (size_t)w->w * (size_t)w->h; i++) {
            w->pixels[4 * i] = 13, w->pixels[4 * i + 1] = 13, w->pixels[4 * i + 2] = 15, w->pixels[4 * i + 3] = 255;
        }
    }
    glBindTexture(GL_TEXTURE_2D, w->tex);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w->w, w->h, GL_RGBA, GL_UNSIGNED_BYTE, w->pixels);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, w->fbo);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
    glViewport(0, 0, w->w, w->h);
    /* The pixels are top row first; GL's row 0 is the bottom: flip. */
    glBlitFramebuffer(0, 0, w->w, w->h, 0, w->h, w->w, 0, GL_COLOR_BUFFER_BIT, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    GLenum e = glGetError();
    if (e != GL_NO_ERROR) return rr_error_set(err, RR_ERR_INTERNAL, "window: GL error 0x%x presenting the frame", (unsigned)e);
    rr_gfx_context_present(w->ctx);
    return RR_OK;
}

static void dump(win_t *w) {
    if (!w->o->debug_dump) return;
    char extra[256];
    snprintf(extra, sizeof extra, "\"frame\":%llu,\"width\":%d,\"height\":%d,\"drawables\":%zu",
             (unsigned long long)w->frame, w->w, w->h, w->view ? rr_spatial3d_num_drawables(w->view) : (size_t)0);
    rr_error_t err = {0};
    if (rr_app_write_debug_dump(w->app, w->o->debug_dump, extra, &err) != RR_OK)
        fprintf(stderr, "rerun: %s\n", err.msg);
}

rr_status_t rr_app_run_window(rr_app_t *app, const rr_app_window_options_t *o, rr_error_t *err) {
    win_t w;
    memset(&w, 0, sizeof w);
    w.app = app;
    w.o = o;
    w.last_click = -1;
    rr_status_t st = rr_gfx_context_new_window(o->title ? o->title : "Rerun", o->width > 0 ? o->width : 1280,
                                               o->height > 0 ? o->height : 800, &w.ctx, err);
    if (st != RR_OK) return st;
    st = rr_gfx_renderer_new(&w.r, err);
    rr_camera_init(&w.cam);
    int every = o->dump_every > 0 ? o->dump_every : 10;
    double start = now_s(), last = start;
    char title[512] = "";
    while (st == RR_OK && !g_close_requested && !rr_gfx_window_should_close(w.ctx)) {
        double t = now_s();
        if (o->max_seconds > 0 && t - start >= o->max_seconds) break;
        handle_input(&w);
        /* A few ms of loading per frame keeps the window responsive while a
         * large file streams in. */
        if (rr_app_update(app, 8) > 0) w.dirty = true;
        int64_t before = rr_app_time(app);
        rr_app_tick(app, t - last);
        last = t;
        if (rr_app_time(app) != before || rr_app_playing(app)) w.dirty = true;
        if (w.dirty || w.frame == 0) {
            st = render(&w, err);
            w.dirty = false;
        } else {
            usleep(8000); /* idle: nothing changed, no need to spin */
        }
        w.frame++;
        if (w.frame % (uint64_t)every == 0) dump(&w);
        const char *e = rr_app_error(app);
        char want[512];
        rr_store_t *s = rr_app_active_store(app);
        const rr_store_id_t *id = s ? rr_store_store_id(s) : NULL;
        char loading[32] = "";
        if (rr_app_loading(app)) snprintf(loading, sizeof loading, " (loading %.0f%%)", rr_app_progress(app) * 100.0);
        snprintf(want, sizeof want, "Rerun — %s%s%s%s", id && id->application_id ? id->application_id : "waiting for data",
                 loading, e[0] ? " — error: " : "", e[0] ? e : "");
        if (strcmp(want, title) != 0) {
            memcpy(title, want, sizeof title);
            rr_gfx_window_set_title(w.ctx, title);
        }
    }
    if (st == RR_OK && o->screenshot_on_exit) {
        /* The last frame as shown, redrawn so it reflects the final state. */
        rr_app_update(app, 8);
        st = render(&w, err);
        if (st == RR_OK) st = write_screenshot(&w, o->screenshot ? o->screenshot : "rerun_screenshot.png", err);
    }
    dump(&w);
    if (w.tex) glDeleteTextures(1, &w.tex);
    if (w.fbo) glDeleteFramebuffers(1, &w.fbo);
    rr_spatial3d_free(w.view);
    rr_gfx_target_free(w.target);
    rr_gfx_renderer_free(w.r);
    rr_gfx_context_free(w.ctx);
    free(w.pixels);
    return st;
}
