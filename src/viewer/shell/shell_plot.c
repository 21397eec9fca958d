/* The text of a Time series view, drawn by the shell over the plot's image
 * with the UI toolkit (the renderer draws no text): value labels left of
 * the plot at the view's value ticks, time labels under it at its time
 * ticks (formatted as the time panel shows times of that timeline), and
 * the legend's series names beside their swatches. The positions come from
 * timeseries.h's plot math, in target pixels, divided by the UI scale. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "viewer/shell/shell_internal.h"
#include "viewer/shell/time_panel.h"

#define LABEL_COLOR 0x9a9ea3ffu
#define LEGEND_TEXT 0xd0d3d6ffu

static int64_t today_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void shell_plot_overlay(rr_shell_t *s, shell_view_t *v) {
    rr_ui_t *ui = s->ui;
    rr_ui_font_t *font = rr_ui_font(ui);
    float lh = rr_ui_font_line_height(font), sc = s->scale;
    rr_ts_window_t win = rr_timeseries_window(v->ts);
    rr_ts_rect_t pr = rr_timeseries_plot_rect(v->tw, v->th);
    double tstep, ystep;
    rr_ts_tick_steps(&win, &pr, &tstep, &ystep);
    float ox = v->content.x, oy = v->content.y;
    rr_ui_push_clip(ui, v->content);
    char txt[64];
    for (double y = ceil(win.v0 / ystep) * ystep; y <= win.v1; y += ystep) {
        float py = rr_ts_y_of_value(&win, &pr, y) / sc;
        int n = snprintf(txt, sizeof txt, "%g", fabs(y) < ystep * 1e-9 ? 0.0 : y);
        float tw = rr_ui_font_text_width(font, txt, (size_t)n);
        rr_ui_draw_text(ui, ox + pr.x / sc - 6 - tw, oy + py - lh * 0.5f, txt, (size_t)n, LABEL_COLOR);
    }
    const char *tl = rr_app_timeline(s->app);
    rr_store_t *store = rr_app_active_store(s->app);
    const rr_timeline_t *timeline = tl[0] && store ? rr_store_find_timeline(store, tl) : NULL;
    int64_t today = today_ns();
    for (double t = ceil(win.t0 / tstep) * tstep; t <= win.t1; t += tstep) {
        float px = rr_ts_x_of_time(&win, &pr, t) / sc;
        size_t n;
        if (timeline) {
            n = rr_time_panel_format(timeline->type, (int64_t)llround(t), today, txt, sizeof txt);
            if (n >= sizeof txt) n = strlen(txt);
        } else {
            int k = snprintf(txt, sizeof txt, "%.0f", t);
            n = k < 0 ? 0 : (size_t)k;
        }
        float tw = rr_ui_font_text_width(font, txt, n);
        rr_ui_draw_text(ui, ox + px - tw * 0.5f, oy + (pr.y + pr.h) / sc + 6, txt, n, LABEL_COLOR);
    }
    size_t row = 0;
    for (size_t i = 0; i < rr_timeseries_num_series(v->ts); i++) {
        const rr_ts_series_info_t *in = rr_timeseries_series(v->ts, i);
        if (!in->visible) continue;
        float y = rr_ts_legend_row(&pr, row++);
        if (y >= pr.y + pr.h - 4) break;
        rr_ui_draw_text(ui, ox + (pr.x + RR_TS_LEGEND_TEXT_X) / sc, oy + y / sc - lh * 0.5f, in->name, strlen(in->name),
                        LEGEND_TEXT);
    }
    rr_ui_pop_clip(ui);
}
