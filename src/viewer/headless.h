/* Headless rendering: a recording from .rrd files into a PNG screenshot of
 * its default views (blueprint.h) laid out in a grid (one view: the whole
 * picture), off-screen on EGL (what `rerun --headless --screenshot` runs);
 * with `ui`, the whole viewer shell (shell.h: panels, tabs, the error
 * banner) around those views instead. Damaged files render what loaded
 * before the damage; the load error is reported beside the picture (and in
 * the shell's banner). */
#ifndef RR_VIEWER_HEADLESS_H
#define RR_VIEWER_HEADLESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef struct rr_headless_options {
    const char *const *files; /* .rrd paths */
    size_t n_files;
    const char *out_png;
    int width, height;       /* 0: 1024 x 768 */
    int samples;             /* MSAA samples; 0: 4 (clamped to what the GL has) */
    const char *timeline;    /* NULL: the first timeline (log_time/log_tick last) */
    bool has_time;           /* false: the end of the timeline */
    int64_t time;
    bool ui;                 /* the whole shell, not the views alone */
} rr_headless_options_t;

typedef struct rr_headless_result {
    char renderer[256];      /* GL_RENDERER */
    char timeline[128];      /* what was rendered ("" for static only) */
    int64_t time;
    size_t drawables;        /* 3D and 2D drawables plus visible plotted series */
    size_t n_views;          /* views composited */
    char views[512];         /* their classes and origins, "Spatial3D /, TimeSeries /a" */
    bool load_failed;        /* load_error holds why; the picture shows what loaded */
    rr_error_t load_error;
    char warning[512];       /* first data problem of the view, "" when none */
} rr_headless_result_t;

/* Loads, renders and writes out_png. A load failure alone is not an error
 * of this call (see result->load_failed); no context (no EGL) is
 * RR_ERR_UNAVAILABLE. */
rr_status_t rr_headless_screenshot(const rr_headless_options_t *opts, rr_headless_result_t *result,
                                   rr_error_t *err);

#endif
