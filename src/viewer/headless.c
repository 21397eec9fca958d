/* `rerun --headless --screenshot` (headless.h): store set from files, the
 * recording to show, the time, an EGL context, one frame, a PNG. */
#include "viewer/headless.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "viewer/gfx/camera.h"
#include "viewer/gfx/context.h"
#include "viewer/gfx/png.h"
#include "viewer/gfx/renderer.h"
#include "viewer/views/spatial3d.h"

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

rr_status_t rr_headless_screenshot(const rr_headless_options_t *o, rr_headless_result_t *res,
                                   rr_error_t *err) {
    memset(res, 0, sizeof *res);
    int w = o->width > 0 ? o->width : 1024, h = o->height > 0 ? o->height : 768;
    rr_store_set_t *set = NULL;
    RR_TRY(rr_store_set_new(NULL, &set, err));
    for (size_t i = 0; i < o->n_files && !res->load_failed; i++)
        if (rr_store_set_load_rrd_file(set, o->files[i], &res->load_error) != RR_OK) res->load_failed = true;

    rr_gfx_context_t *ctx = NULL;
    rr_gfx_renderer_t *r = NULL;
    rr_gfx_target_t *target = NULL;
    rr_spatial3d_t *view = NULL;
    uint8_t *pixels = NULL;
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
    if (st == RR_OK) st = rr_gfx_context_new_headless(&ctx, err);
    if (st == RR_OK) st = rr_gfx_renderer_new(&r, err);
    if (st == RR_OK) {
        snprintf(res->renderer, sizeof res->renderer, "%s", rr_gfx_renderer_name(r));
        st = rr_gfx_target_new(r, w, h, o->samples > 0 ? o->samples : 4, &target, err);
    }
    if (st == RR_OK) st = rr_spatial3d_new(r, store, &view, err);
    if (st == RR_OK) st = rr_spatial3d_prepare(view, timeline, t, err);
    if (st == RR_OK) {
        snprintf(res->timeline, sizeof res->timeline, "%s", timeline ? timeline : "");
        res->time = t;
        res->drawables = rr_spatial3d_num_drawables(view);
        const char *warning = rr_spatial3d_warning(view);
        snprintf(res->warning, sizeof res->warning, "%s", warning ? warning : "");
        rr_camera_t cam;
        rr_camera_init(&cam);
        rr_camera_set_up(&cam, rr_spatial3d_up(view));
        rr_aabb_t bounds = rr_spatial3d_bounds(view);
        rr_camera_fit(&cam, &bounds);
        st = rr_spatial3d_draw(view, target, &cam, NULL, err);
    }
    if (st == RR_OK) {
        pixels = malloc((size_t)w * (size_t)h * 4);
        if (!pixels) st = rr_error_set(err, RR_ERR_NOMEM, "screenshot: out of memory for %dx%d", w, h);
    }
    if (st == RR_OK) st = rr_gfx_target_read_rgba(target, pixels, err);
    if (st == RR_OK) st = rr_png_write_rgba(o->out_png, w, h, pixels, err);
    free(pixels);
    rr_spatial3d_free(view);
    rr_gfx_target_free(target);
    rr_gfx_renderer_free(r);
    rr_gfx_context_free(ctx);
    rr_store_free(empty);
    rr_store_set_free(set);
    return st;
}
