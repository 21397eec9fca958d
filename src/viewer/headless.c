/* `rerun --headless --screenshot` (headless.h): store set from files, the
 * recording to show, the time, an EGL context, the default blueprint's
 * views each rendered into its own target and copied into its grid cell,
 * a PNG (2D views without their labels: text is the shell's). With --ui
 * the files go through the app core instead (as the window loads them) and
 * the shell draws the whole viewer into one target. */
#include "viewer/headless.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "viewer/gfx/camera.h"
#include "viewer/gfx/context.h"
#include "viewer/gfx/png.h"
#include "viewer/blueprint.h"
#include "viewer/gfx/renderer.h"
#include "viewer/app.h"
#include "viewer/shell/shell.h"
#include "viewer/ui/font.h"
#include "viewer/ui/ui.h"
#include "viewer/views/spatial2d.h"
#include "viewer/views/spatial3d.h"
#include "viewer/views/timeseries.h"

static bool is_builtin_timeline(const char *name) {
    return !strcmp(name, "log_time") || !strcmp(name, "log_tick");
}

/* The recording to show: the first recording store (in order of first
 * sight) holding chunks, else the first store at all. */
static rr_store_t *pick_store(rr_store_set_t *set) {
    for (size_t i = 0; i < rr_store_set_count(set); i++) {
        rr_store_t *s = rr_store_set_get(set, i);
        if (rr_store_store_id(s)->kind == RR_STORE_KIND_RECORDING && rr_store_num_chunks(s) > 0) return s;
    }
    return rr_store_set_count(set) ? rr_store_set_get(set, 0) : NULL;
}

static rr_status_t pick_time(rr_store_t *s, const rr_headless_options_t *o, const char **timeline,
                             int64_t *t, rr_error_t *err) {
    *timeline = NULL;
    *t = 0;
    if (o->timeline) {
        if (!s || !rr_store_find_timeline(s, o->timeline))
            return rr_error_set(err, RR_ERR_NOT_FOUND, "no timeline '%s' in the recording", o->timeline);
        *timeline = rr_store_find_timeline(s, o->timeline)->name;
    } else if (s) {
        for (size_t i = 0; i < rr_store_num_timelines(s); i++) {
            const char *name = rr_store_timeline(s, i)->name;
            if (!*timeline || (is_builtin_timeline(*timeline) && !is_builtin_timeline(name))) *timeline = name;
        }
    }
    if (o->has_time) {
        *t = o->time;
    } else if (*timeline) {
        rr_time_range_t r;
        *t = rr_store_time_range(s, NULL, *timeline, &r) ? r.max : 0;
    }
    return RR_OK;
}

typedef struct frame_ctx {
    rr_gfx_renderer_t *r;
    rr_store_t *store;
    const char *timeline;
    int64_t t;
    int samples;
    rr_headless_result_t *res;
} frame_ctx_t;

static void note_warning(rr_headless_result_t *res, const char *w) {
    if (w && !res->warning[0]) snprintf(res->warning, sizeof res->warning, "%s", w);
}

/* Renders one view into a new w x h target and reads it into px. */
static rr_status_t render_view(frame_ctx_t *f, const rr_blueprint_view_t *bv, int w, int h, uint8_t *px,
                               rr_error_t *err) {
    rr_gfx_target_t *target = NULL;
    RR_TRY(rr_gfx_target_new(f->r, w, h, f->samples, &target, err));
    rr_status_t st = RR_OK;
    rr_view_class_t cls = bv ? bv->cls : RR_VIEW_SPATIAL3D;
    if (cls == RR_VIEW_SPATIAL3D) {
        rr_spatial3d_t *view = NULL;
        st = rr_spatial3d_new(f->r, f->store, &view, err);
        if (st == RR_OK && bv) st = rr_spatial3d_set_origin(view, &bv->origin, bv->subtree, err);
        if (st == RR_OK) st = rr_spatial3d_prepare(view, f->timeline, f->t, err);
        if (st == RR_OK) {
            f->res->drawables += rr_spatial3d_num_drawables(view);
            note_warning(f->res, rr_spatial3d_warning(view));
            rr_camera_t cam;
            rr_camera_init(&cam);
            rr_camera_set_up(&cam, rr_spatial3d_up(view));
            rr_aabb_t bounds = rr_spatial3d_bounds(view);
            rr_camera_fit_aspect(&cam, &bounds, (float)w / (float)h);
            st = rr_spatial3d_draw(view, target, &cam, NULL, err);
        }
        rr_spatial3d_free(view);
    } else if (cls == RR_VIEW_TIMESERIES) {
        rr_timeseries_t *view = NULL;
        st = rr_timeseries_new(f->r, f->store, &bv->origin, bv->subtree, &view, err);
        if (st == RR_OK) st = rr_timeseries_prepare(view, f->timeline, f->t, err);
        if (st == RR_OK) st = rr_timeseries_draw(view, target, err);
        if (st == RR_OK) {
            for (size_t i = 0; i < rr_timeseries_num_series(view); i++)
                f->res->drawables += rr_timeseries_series(view, i)->visible;
            note_warning(f->res, rr_timeseries_warning(view));
        }
        rr_timeseries_free(view);
    } else if (cls == RR_VIEW_TEXTLOG || cls == RR_VIEW_TEXTDOC || cls == RR_VIEW_BARCHART ||
               cls == RR_VIEW_GRAPH || cls == RR_VIEW_MAP || cls == RR_VIEW_TENSOR) {
        /* A table of text, which only the shell draws (--ui): an empty
         * image here. */
    } else {
        /* Labels are text, which only the shell draws (--ui). */
        rr_spatial2d_t *view = NULL;
        st = rr_spatial2d_new(f->r, f->store, &bv->origin, &view, err);
        if (st == RR_OK) st = rr_spatial2d_prepare(view, f->timeline, f->t, err);
        if (st == RR_OK) st = rr_spatial2d_draw(view, target, err);
        if (st == RR_OK) {
            f->res->drawables += rr_spatial2d_num_drawables(view);
            note_warning(f->res, rr_spatial2d_warning(view));
        }
        rr_spatial2d_free(view);
    }
    if (st == RR_OK) st = rr_gfx_target_read_rgba(target, px, err);
    rr_gfx_target_free(target);
    return st;
}

/* The shell's frames over the loaded app: the first lays the panels out
 * and sizes the views' targets, the second draws with everything settled. */
static rr_status_t shell_shot(rr_app_t *app, const rr_headless_options_t *o, int w, int h,
                              rr_headless_result_t *res, rr_error_t *err) {
    rr_gfx_context_t *ctx = NULL;
    rr_gfx_renderer_t *r = NULL;
    rr_ui_font_t *font = NULL;
    rr_ui_t *ui = NULL;
    rr_shell_t *shell = NULL;
    rr_gfx_target_t *target = NULL;
    uint8_t *pixels = NULL;
    rr_status_t st = rr_gfx_context_new_headless(&ctx, err);
    if (st == RR_OK) st = rr_gfx_renderer_new(&r, err);
    if (st == RR_OK) st = rr_ui_font_load(rr_ui_font_default_path(), 13, 1, &font, err);
    if (st == RR_OK) st = rr_ui_new(font, &ui, err);
    if (st == RR_OK) st = rr_shell_new(app, r, ui, &shell, err);
    if (st == RR_OK) st = rr_gfx_target_new(r, w, h, 1, &target, err);
    for (int f = 0; f < 2 && st == RR_OK; f++) st = rr_shell_frame(shell, (float)w, (float)h, 1, f / 60.0, err);
    if (st == RR_OK) {
        rr_mat4_t id = rr_mat4_identity();
        const float clear[4] = {0, 0, 0, 1};
        rr_gfx_begin(r, target, &id, &id, clear);
        st = rr_shell_render(shell, w, h, err);
        rr_status_t e = rr_gfx_end(r, st == RR_OK ? err : NULL);
        if (st == RR_OK) st = e;
    }
    if (st == RR_OK) {
        pixels = malloc((size_t)w * (size_t)h * 4);
        if (!pixels) st = rr_error_set(err, RR_ERR_NOMEM, "screenshot: out of memory for %dx%d", w, h);
    }
    if (st == RR_OK) st = rr_gfx_target_read_rgba(target, pixels, err);
    if (st == RR_OK) st = rr_png_write_rgba(o->out_png, w, h, pixels, err);
    if (st == RR_OK) {
        snprintf(res->renderer, sizeof res->renderer, "%s", rr_gfx_renderer_name(r));
        const char *tl = rr_app_timeline(app);
        snprintf(res->timeline, sizeof res->timeline, "%s", tl);
        res->time = tl[0] ? rr_app_time(app) : 0;
        res->n_views = rr_shell_num_views(shell);
        for (size_t i = 0; i < res->n_views; i++) {
            rr_shell_view_info_t vi;
            rr_shell_view_info(shell, i, &vi);
            res->drawables += vi.drawables;
            size_t len = strlen(res->views);
            snprintf(res->views + len, sizeof res->views - len, "%s%s %s", len ? ", " : "", rr_view_class_name(vi.cls),
                     vi.origin);
        }
    }
    free(pixels);
    rr_gfx_target_free(target);
    rr_shell_free(shell);
    rr_ui_free(ui);
    rr_ui_font_free(font);
    rr_gfx_renderer_free(r);
    rr_gfx_context_free(ctx);
    return st;
}

static rr_status_t screenshot_ui(const rr_headless_options_t *o, int w, int h, rr_headless_result_t *res,
                                 rr_error_t *err) {
    rr_app_t *app = NULL;
    rr_app_config_t cfg = {0};
    RR_TRY(rr_app_new(&cfg, &app, err));
    rr_status_t st = RR_OK;
    for (size_t i = 0; i < o->n_files && st == RR_OK; i++) st = rr_app_open_file(app, o->files[i], err);
    if (st == RR_OK) {
        rr_app_wait_loaded(app, -1);
        rr_app_update(app, -1);
        if (rr_app_num_errors(app)) {
            res->load_failed = true;
            rr_error_set(&res->load_error, RR_ERR_INVALID_DATA, "%s", rr_app_error(app));
        }
        if (o->timeline) st = rr_app_set_timeline(app, o->timeline, err);
        if (st == RR_OK && o->has_time) rr_app_set_time(app, o->time);
    }
    if (st == RR_OK) st = shell_shot(app, o, w, h, res, err);
    rr_app_free(app);
    return st;
}

rr_status_t rr_headless_screenshot(const rr_headless_options_t *o, rr_headless_result_t *res,
                                   rr_error_t *err) {
    memset(res, 0, sizeof *res);
    if (o->ui) return screenshot_ui(o, o->width > 0 ? o->width : 1024, o->height > 0 ? o->height : 768, res, err);
    int w = o->width > 0 ? o->width : 1024, h = o->height > 0 ? o->height : 768;
    rr_store_set_t *set = NULL;
    RR_TRY(rr_store_set_new(NULL, &set, err));
    for (size_t i = 0; i < o->n_files && !res->load_failed; i++)
        if (rr_store_set_load_rrd_file(set, o->files[i], &res->load_error) != RR_OK) res->load_failed = true;

    rr_gfx_context_t *ctx = NULL;
    rr_gfx_renderer_t *r = NULL;
    uint8_t *pixels = NULL, *cell = NULL;
    rr_blueprint_t bp = {0};
    rr_store_t *store = pick_store(set);
    rr_store_t *empty = NULL;
    const char *timeline = NULL;
    int64_t t = 0;
    rr_status_t st = pick_time(store, o, &timeline, &t, err);
    if (st == RR_OK && !store) { /* nothing loaded: an empty scene still renders */
        rr_store_id_t id = {RR_STORE_KIND_RECORDING, NULL, NULL};
        st = rr_store_new(&id, NULL, &empty, err);
        store = empty;
    }
    if (st == RR_OK) st = rr_blueprint_default(store, &bp, err);
    if (st == RR_OK) st = rr_gfx_context_new_headless(&ctx, err);
    if (st == RR_OK) st = rr_gfx_renderer_new(&r, err);
    if (st == RR_OK) {
        snprintf(res->renderer, sizeof res->renderer, "%s", rr_gfx_renderer_name(r));
        snprintf(res->timeline, sizeof res->timeline, "%s", timeline ? timeline : "");
        res->time = t;
        pixels = malloc((size_t)w * (size_t)h * 4);
        cell = malloc((size_t)w * (size_t)h * 4);
        if (!pixels || !cell) st = rr_error_set(err, RR_ERR_NOMEM, "screenshot: out of memory for %dx%d", w, h);
    }
    /* No view at all (nothing loaded, nothing viewable): the empty 3D scene. */
    size_t n = bp.n_views ? bp.n_views : 1;
    if (st == RR_OK) {
        /* Views are separated by a 1-pixel gap of the panel colour. */
        for (size_t i = 0; i < (size_t)w * (size_t)h; i++) memcpy(pixels + i * 4, (const uint8_t[]){0x1b, 0x1d, 0x20, 0xff}, 4);
    }
    frame_ctx_t f = {r, store, timeline, t, o->samples > 0 ? o->samples : 4, res};
    for (size_t i = 0; i < n && st == RR_OK; i++) {
        int x, y, cw, ch;
        rr_blueprint_grid_cell(n, i, w, h, &x, &y, &cw, &ch);
        if (n > 1) cw -= x + cw < w, ch -= y + ch < h;
        if (cw < 1 || ch < 1) continue;
        const rr_blueprint_view_t *bv = bp.n_views ? &bp.views[i] : NULL;
        st = render_view(&f, bv, cw, ch, cell, err);
        if (st == RR_OK)
            for (int row = 0; row < ch; row++)
                memcpy(pixels + ((size_t)(y + row) * (size_t)w + (size_t)x) * 4, cell + (size_t)row * (size_t)cw * 4,
                       (size_t)cw * 4);
        if (bv) {
            size_t len = strlen(res->views);
            snprintf(res->views + len, sizeof res->views - len, "%s%s %s", len ? ", " : "",
                     rr_view_class_name(bv->cls), bv->origin.str);
        }
    }
    res->n_views = bp.n_views;
    if (st == RR_OK) st = rr_png_write_rgba(o->out_png, w, h, pixels, err);
    free(pixels);
    free(cell);
    rr_blueprint_free(&bp);
    rr_gfx_renderer_free(r);
    rr_gfx_context_free(ctx);
    rr_store_free(empty);
    rr_store_set_free(set);
    return st;
}
