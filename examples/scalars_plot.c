/* Scalars plotted over time: sin and cos on the `step` timeline, styled by
 * SeriesLines logged once as static data (it applies on every timeline),
 * as in Rerun's series_lines_style snippet.
 *
 *   scalars_plot [--save PATH | --stdout] [--recording-id ID]
 */
#include <math.h>

#include "example_util.h"

#define TAU 6.28318530717958647692

/* Colour, name and width of the line at path, as static data. */
static rr_status_t log_style(rr_recording_stream_t *rec, const char *path, rr_color_t color,
                             rr_name_t name, rr_stroke_width_t width, rr_error_t *err) {
    rr_archetype_t *style = NULL;
    rr_status_t st = rr_series_lines_new(&style, err);
    if (!st) st = rr_series_lines_set_colors(style, &color, 1, RR_COPY, err);
    if (!st) st = rr_series_lines_set_names(style, &name, 1, RR_COPY, err);
    if (!st) st = rr_series_lines_set_widths(style, &width, 1, RR_COPY, err);
    if (!st) st = rr_log_static(rec, path, style, err);
    rr_archetype_free(style);
    return st;
}

static rr_status_t log_scalar(rr_recording_stream_t *rec, const char *path, double value, rr_error_t *err) {
    rr_archetype_t *scalar = NULL;
    rr_status_t st = rr_scalars_new(&scalar, &value, 1, RR_BORROW, err);
    if (!st) st = rr_log(rec, path, scalar, err);
    rr_archetype_free(scalar);
    return st;
}

int main(int argc, char **argv) {
    rr_recording_stream_t *rec = example_start("scalars_plot", argc, argv, NULL);
    rr_error_t err = {0};
    /* Both series under "trig"; Rerun 0.33 gives each entity its own plot (one time series view per entity). */
    bool failed = log_style(rec, "trig/sin", 0xff0000ff, "sin(0.01t)", 2.0f, &err) ||
                  log_style(rec, "trig/cos", 0x00ff00ff, "cos(0.01t)", 4.0f, &err);
    for (int t = 0; t < (int)(TAU * 2.0 * 100.0) && !failed; t++)
        failed = example_failed(rr_set_time_sequence(rec, "step", t), &err, "rr_set_time_sequence") ||
                 log_scalar(rec, "trig/sin", sin(t / 100.0), &err) ||
                 log_scalar(rec, "trig/cos", cos(t / 100.0), &err);
    return example_finish(rec, failed ? &err : NULL);
}
