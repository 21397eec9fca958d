/* The Time series view: Scalars plotted over one timeline (sequence,
 * duration or timestamp), styled by SeriesLines / SeriesPoints, as Rerun
 * 0.33's re_view_time_series does it:
 *
 * - every entity under the view's origin (or the origin alone) with a
 *   "Scalars:scalars" column is plotted; a row of k scalars is k series;
 * - style per series from "SeriesLines:*" (colors, widths, names,
 *   visible_series) or "SeriesPoints:*" (colors, marker_sizes, names,
 *   visible_series; markers are drawn as discs), read latest-at at the
 *   cursor time; an entity with SeriesPoints components is drawn as points,
 *   otherwise as lines (Rerun's fallback visualizer);
 * - defaults: stroke width 0.75 UI points, drawn at least 1.5 px wide;
 *   marker size 3 UI points (a radius); colour: Rerun's automatic colour of
 *   the entity path (of (path, i) hashes for several series);
 * - the X window starts as the data's whole time range and Y auto-fits the
 *   visible data with a 5 % margin (Rerun's add_margin_to_range 0.05) until
 *   the user zooms or pans that axis.
 *
 * Drawing is O(plot width) per series whatever the point count: the points
 * of every chunk in the visible window are reduced to min / max / first /
 * last per column of a time grid (one column per pixel or a little finer:
 * the grid step is the pixel's time span rounded down to a power of
 * 2^(1/4), anchored at time 0, so a pan by any amount and a zoom within one
 * step reuse it). Those columns are cached per chunk and grid step, so a
 * frame whose window moved little re-reads no chunk; the cache follows the
 * store's events (chunks removed or compacted away are dropped).
 *
 * Coordinates: the pure math below works in pixels of the target, top row
 * y = 0, x growing right; time on X, value on Y (up).
 *
 * Ownership: the view borrows the renderer and the store (both outlive it)
 * and copies the origin path. GL calls need the renderer's context current;
 * the math and prepare do not touch GL. */
#ifndef RR_VIEWER_VIEWS_TIMESERIES_H
#define RR_VIEWER_VIEWS_TIMESERIES_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "model/entity_path.h"
#include "store/store.h"
#include "viewer/gfx/renderer.h"

/* Rerun's fallbacks (re_component_fallbacks). */
#define RR_TS_DEFAULT_STROKE_WIDTH 0.75f
#define RR_TS_DEFAULT_MARKER_SIZE 3.0f
#define RR_TS_MIN_LINE_RADIUS 0.75f

/* ---------------- plot math (no GL, no store) ---------------- */

/* What the plot shows: times [t0, t1] across, values [v0, v1] up. */
typedef struct rr_ts_window {
    double t0, t1, v0, v1;
} rr_ts_window_t;

/* A rectangle of pixels: left, top, width, height. */
typedef struct rr_ts_rect {
    float x, y, w, h;
} rr_ts_rect_t;

float rr_ts_x_of_time(const rr_ts_window_t *win, const rr_ts_rect_t *r, double t);
float rr_ts_y_of_value(const rr_ts_window_t *win, const rr_ts_rect_t *r, double v);
double rr_ts_time_of_x(const rr_ts_window_t *win, const rr_ts_rect_t *r, float x);
double rr_ts_value_of_y(const rr_ts_window_t *win, const rr_ts_rect_t *r, float y);

/* A step of 1, 2 or 5 times a power of ten giving about `want` ticks
 * over span (1 for an empty span). */
double rr_ts_nice_step(double span, double want);
/* The tick steps of the plot's axes for a window over plot rect pr: about
 * one time tick per 100 pixels (at least 1: times are integers), one
 * value tick per 60. Ticks lie at the multiples of the steps inside the
 * window; the view draws their grid lines, the shell their labels. */
void rr_ts_tick_steps(const rr_ts_window_t *win, const rr_ts_rect_t *pr, double *tstep, double *ystep);

/* The legend, top left inside the plot: row i's swatch spans x from
 * pr.x + SWATCH_X0 to + SWATCH_X1 at y = rr_ts_legend_row(pr, i); its name
 * starts at pr.x + TEXT_X (drawn by the shell, vertically centred on y). */
#define RR_TS_LEGEND_SWATCH_X0 8.0f
#define RR_TS_LEGEND_SWATCH_X1 22.0f
#define RR_TS_LEGEND_TEXT_X 28.0f
#define RR_TS_LEGEND_ROW_HEIGHT 16.0f
static inline float rr_ts_legend_row(const rr_ts_rect_t *pr, size_t i) {
    return pr->y + 12.0f + RR_TS_LEGEND_ROW_HEIGHT * (float)i;
}

/* Zooms by fx across and fy up (> 1 zooms in, 1 leaves the axis alone)
 * about the pixel (px, py): the data point under it stays under it. */
void rr_ts_window_zoom(rr_ts_window_t *win, const rr_ts_rect_t *r, double fx, double fy, float px,
                       float py);
/* A drag by (dx, dy) pixels: the data under the mouse moves with it. */
void rr_ts_window_pan(rr_ts_window_t *win, const rr_ts_rect_t *r, float dx, float dy);

/* One column of the decimation grid: the count of finite values that fell
 * into it, their min and max, and the values at the earliest and latest
 * time (ties: the first / last seen). */
typedef struct rr_ts_column {
    uint32_t n;
    double min, max;
    double first, last;
    int64_t t_first, t_last;
} rr_ts_column_t;

/* The column index of time t on the grid (origin 0, step dt): floor(t / dt). */
static inline int64_t rr_ts_column_of(int64_t t, double dt) { return (int64_t)floor((double)t / dt); }
/* Rounds the time span of a pixel down to the grid's ladder (powers of
 * 2^(1/4)); never below 1e-9 (time units are integers). */
double rr_ts_grid_step(double pixel_span);

void rr_ts_columns_clear(rr_ts_column_t *cols, size_t n);
/* Adds n (time, value) points to cols[c - c0] for the points whose column
 * c = rr_ts_column_of(t, dt) lies in [c0, c0 + n_cols); others and
 * non-finite values are skipped. */
void rr_ts_decimate(const int64_t *times, const double *values, size_t n, double dt, int64_t c0,
                    rr_ts_column_t *cols, size_t n_cols);
/* dst[i] becomes the union of dst[i] and src[i]. */
void rr_ts_columns_merge(rr_ts_column_t *dst, const rr_ts_column_t *src, size_t n);

/* ---------------- the view ---------------- */

typedef struct rr_timeseries rr_timeseries_t;

typedef enum rr_ts_kind { RR_TS_LINES = 1, RR_TS_POINTS = 2 } rr_ts_kind_t;

/* A series of the last prepare. */
typedef struct rr_ts_series_info {
    const rr_entity_path_t *entity; /* borrowed from the store */
    int instance;                   /* which scalar of the row */
    rr_ts_kind_t kind;
    uint32_t color;                 /* 0xRRGGBBAA */
    float radius_px;                /* half the line width, or the marker radius */
    bool visible;
    char name[96];
    size_t vertices;                /* drawn by the last draw (O(plot width)) */
} rr_ts_series_info_t;

/* origin: the view's root; subtree false plots the origin alone (Rerun's
 * heuristic views hold one entity each). */
rr_status_t rr_timeseries_new(rr_gfx_renderer_t *r, rr_store_t *store,
                              const rr_entity_path_t *origin, bool subtree,
                              rr_timeseries_t **out, rr_error_t *err);
void rr_timeseries_free(rr_timeseries_t *v); /* NULL-safe */

/* Finds the series on timeline and their styles at time `cursor` (the
 * current time, drawn as the cursor). The first prepare on a timeline, and
 * any prepare while the X axis is automatic, sets the X window to the data's
 * time range. Bad data at an entity skips it (rr_timeseries_warning). */
rr_status_t rr_timeseries_prepare(rr_timeseries_t *v, const char *timeline, int64_t cursor,
                                  rr_error_t *err);

/* The plot area inside a target of width x height (margins for the axes). */
rr_ts_rect_t rr_timeseries_plot_rect(int width, int height);

/* The window drawn (after auto-fit of the last draw). */
rr_ts_window_t rr_timeseries_window(const rr_timeseries_t *v);
/* Sets the window; both axes stop following the data. */
void rr_timeseries_set_window(rr_timeseries_t *v, const rr_ts_window_t *win);
/* Interaction in pixels of a target of width x height: zoom about a point,
 * drag; the axes touched stop following the data. */
void rr_timeseries_zoom(rr_timeseries_t *v, int width, int height, double fx, double fy, float px,
                        float py);
void rr_timeseries_pan(rr_timeseries_t *v, int width, int height, float dx, float dy);
/* Entities the user hid (path text, "/plot/a"), each with its subtree: not
 * plotted (their series are left out of the next prepare). Replaces the
 * previous set; unparsable paths are ignored. */
rr_status_t rr_timeseries_set_hidden(rr_timeseries_t *v, const char *const *entities, size_t n, rr_error_t *err);
/* Back to following the data on both axes (Rerun's double click). */
void rr_timeseries_reset_view(rr_timeseries_t *v);
/* The cursor's x in a target of width x height, or NAN when it is outside
 * the window. */
float rr_timeseries_cursor_x(const rr_timeseries_t *v, int width, int height);

size_t rr_timeseries_num_series(const rr_timeseries_t *v);
const rr_ts_series_info_t *rr_timeseries_series(const rr_timeseries_t *v, size_t i);
const char *rr_timeseries_warning(const rr_timeseries_t *v);

typedef struct rr_ts_stats {
    uint64_t chunks_decimated; /* chunk reads into the column cache, ever */
    uint64_t points_decimated; /* points read by them, ever */
    size_t cache_entries;
    size_t last_frame_chunks;  /* chunks the last draw merged */
    size_t last_frame_segments; /* line segments + points the last draw sent */
} rr_ts_stats_t;
void rr_timeseries_stats(const rr_timeseries_t *v, rr_ts_stats_t *out);

/* Renders the plot (grid, axes, tick marks, series, legend swatches,
 * cursor) into the whole target; the text (tick labels, series names) is
 * the caller's to draw over it (rr_ts_tick_steps, rr_ts_legend_row). Needs
 * a prepare first. */
rr_status_t rr_timeseries_draw(rr_timeseries_t *v, rr_gfx_target_t *target, rr_error_t *err);

#endif
