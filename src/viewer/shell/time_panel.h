/* The time panel: the shell's bottom panel, laid out as Rerun 0.33's
 * (re_time_panel). A top row of playback controls (play, follow, pause,
 * step back, step forward, loop), the timeline selector, the playback speed
 * and the current time as an editable field; below it, on the left the
 * streams tree (a row for the whole recording, then one per entity,
 * collapsible by path, an entity's components as rows under it) and on the
 * right the time area: the ruler with ticks and labels, each row's data
 * density along the same time axis, and the current-time cursor.
 *
 * Mouse: a press or drag in the time area (ruler, rows, or under them)
 * scrubs, to a row's event exactly when one is within 3 points; the wheel
 * over the ruler (or with Ctrl over the rows) zooms around the mouse; a drag
 * with the right or middle button pans; a double click on the ruler shows
 * the whole range again. Hovering a row's density shows the row and the
 * number of events under the mouse. Clicking a row's name offers it to the
 * shell for selection (rr_time_panel_clicked).
 *
 * Cost: the densities are a histogram per row over the visible time range
 * at one bucket per point, computed from the store's chunks (their time
 * columns, or their time ranges when an entity has many rows) and kept until
 * the store changes (its chunk count, memory and the app's items loaded:
 * the store has no generation counter), the timeline, the visible range or
 * the width changes; a frame that changes none of them only paints.
 *
 * Ownership: the panel owns its caches; it borrows the app and the ui for
 * one call. It keeps a store pointer only to notice the active recording
 * changing (never dereferenced after the app switched away from it). The
 * shell draws the panel's background. */
#ifndef RR_VIEWER_SHELL_TIME_PANEL_H
#define RR_VIEWER_SHELL_TIME_PANEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "model/entity_path.h"
#include "model/time.h"
#include "store/store.h"
#include "viewer/app.h"
#include "viewer/ui/ui.h"

typedef struct rr_time_panel rr_time_panel_t;

rr_status_t rr_time_panel_new(rr_time_panel_t **out, rr_error_t *err);
void rr_time_panel_free(rr_time_panel_t *tp); /* NULL-safe */

/* Lays out and draws the panel into rect (points) for this frame and applies
 * what the user did to app (timeline, time, playback). */
rr_status_t rr_time_panel(rr_time_panel_t *tp, rr_ui_t *ui, rr_app_t *app, rr_ui_rect_t rect,
                          rr_error_t *err);

/* Where things were laid out by the last rr_time_panel call (points), for
 * hosts and tests that script the mouse. */
typedef struct rr_time_panel_layout {
    rr_ui_rect_t top_row;
    rr_ui_rect_t play, follow, pause, step_back, step_forward, loop;
    rr_ui_rect_t timeline_combo, speed_combo, time_field;
    rr_ui_rect_t tree;      /* the left column of the streams tree */
    rr_ui_rect_t ruler;     /* the time axis above the rows */
    rr_ui_rect_t streams;   /* the rows' time area (visible part) */
    size_t n_rows;          /* rows laid out (recording + open entities) */
    float row_height;
    /* The first row's (the recording's) rect in the time area. */
    rr_ui_rect_t recording_row;
} rr_time_panel_layout_t;
const rr_time_panel_layout_t *rr_time_panel_layout(const rr_time_panel_t *tp);

/* The time axis of the last frame: x (points) <-> time. */
float rr_time_panel_x_from_time(const rr_time_panel_t *tp, double t);
double rr_time_panel_time_from_x(const rr_time_panel_t *tp, float x);
/* The time range the ruler shows (view), and whether the user zoomed/panned
 * away from the whole range. */
void rr_time_panel_view(const rr_time_panel_t *tp, double *t_min, double *t_max, bool *user_zoomed);
/* The rect of a row in the time area, if it was laid out in the last
 * frame: rows are named by their entity path ("/a/b"; "" or "/" for the
 * recording), a component's row "<entity path> <component>"
 * ("/a/b Points3D:positions"). */
bool rr_time_panel_row_rect(const rr_time_panel_t *tp, const char *path, rr_ui_rect_t *out);

/* The row the shell has selected, named as rr_time_panel_row_rect names
 * them (NULL or "": none; copied): it is highlighted and its density drawn
 * in Rerun's selected colour. */
void rr_time_panel_set_selected(rr_time_panel_t *tp, const char *entity_path);
/* The entity path whose row name was clicked in the last frame ("/" for
 * the recording's row; a component's row gives its entity), for the shell
 * to select; NULL when none. Valid until the next rr_time_panel call. */
const char *rr_time_panel_clicked(const rr_time_panel_t *tp);

/* How many times the densities were computed (not taken from the cache)
 * since the panel was made, and what the last one cost (seconds): for
 * tests of the cache. A recompute that cost over 2 ms makes the next ones
 * caused by new data (and the axis following it), not by the user's zoom,
 * pan or the width, wait until eight times that cost has passed, asking
 * for a repaint meanwhile. */
uint64_t rr_time_panel_density_recomputes(const rr_time_panel_t *tp);
double rr_time_panel_density_last_cost(const rr_time_panel_t *tp);

/* ---------------- formatting time as Rerun does ---------------- */

/* A time value as Rerun 0.33 shows it (re_log_types TimeType::format with
 * the UTC timestamp format): sequences "#42" (thousands separated by a thin
 * space, U+2009; negative with U+2212), durations in seconds with a sign
 * and up to six decimals, trailing zeros dropped ("+1.5s", "+2s",
 * "+1.234 567s"), timestamps "2024-01-02 03:04:05.5Z" (the date dropped when
 * it is the UTC day of today_ns; pass RR_TIME_STATIC to always show it).
 * RR_TIME_STATIC, RR_TIME_MIN and RR_TIME_MAX are "<static>", "beginning"
 * and "end". Always NUL-terminates; returns the length it wanted. */
size_t rr_time_panel_format(rr_time_type_t type, int64_t value, int64_t today_ns, char *out,
                            size_t cap);
/* The ruler's labels (Rerun's Timestamp::format_time_compact in UTC):
 * timestamps as a date at midnight, "+123 ms" within a second, "HH:MM" on
 * whole minutes, else "HH:MM:SS"; other types as rr_time_panel_format. */
size_t rr_time_panel_format_compact(rr_time_type_t type, int64_t value, char *out, size_t cap);
/* Parses what a user types into the time field: sequences "#42" or "42";
 * durations "1.5s", "250ms", "3us", "7ns", "2min", "1h" or a bare integer of
 * nanoseconds; timestamps "YYYY-MM-DD[ T]HH:MM[:SS[.frac]][Z]" (UTC) or a
 * bare integer of nanoseconds since the epoch. Separators Rerun prints
 * (thin spaces, U+2212) are accepted. False when it makes no sense. */
bool rr_time_panel_parse(rr_time_type_t type, const char *s, int64_t *out);

/* ---------------- data density ---------------- */

/* Adds the events of entity on timeline into n buckets that split [t0, t1)
 * evenly (bucket i: [t0 + i*w, t0 + (i+1)*w), w = (t1-t0)/n). An event is
 * a temporal row with data in some cell (not all null). Entities whose
 * chunks in the range hold fewer than 10 000 rows add each event at its
 * time; larger ones add each chunk's row count spread evenly over its time
 * range (as Rerun's density graph does past that many events). Returns the
 * events it found in [t0, t1) (spread chunks: all their rows). */
uint64_t rr_time_panel_density(const rr_store_t *s, const rr_entity_path_t *entity,
                               const char *timeline, double t0, double t1, float *buckets,
                               size_t n);

#endif
