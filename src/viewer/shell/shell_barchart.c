/* The bar chart view drawn by the shell, as Rerun's BarChartView
 * (re_view_bar_chart): the latest BarChart of the view's entity, bar i
 * spanning [abscissa[i], abscissa[i] + width[i]] (abscissa 0, 1, 2, ... and
 * width 1 by default) up or down from 0 to values[i], filled with the
 * colour at 3/4 strength and outlined at half that (the entity's automatic
 * colour by default), over a grid with labelled ticks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/gfx/image_decode.h"
#include "viewer/shell/shell_internal.h"
#include "viewer/views/cells.h"

#define BC_PAD 8.0f
#define BC_LEFT 48.0f   /* room for the value labels */
#define BC_BOTTOM 20.0f /* room for the abscissa labels */

/* A "nice" tick step (1, 2 or 5 times a power of ten) for about n ticks. */
static double nice_step(double span, int n) {
    double raw = span / (n > 0 ? n : 1);
    if (!(raw > 0) || !isfinite(raw)) return 1;
    double p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

static void tick_label(double v, double step, char *out, size_t cap) {
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step));
    if (dec > 6) dec = 6;
    snprintf(out, cap, "%.*f", dec, fabs(v) < step * 1e-9 ? 0.0 : v);
}

void shell_barchart_overlay(rr_shell_t *s, shell_view_t *v) {
    rr_ui_t *ui = s->ui;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    rr_ui_rect_t r = shell_view_clear(s, v);
    rr_store_t *store = rr_app_active_store(s->app);
    if (!store || r.w < 2 * BC_PAD + BC_LEFT + 8 || r.h < 2 * BC_PAD + BC_BOTTOM + 8) return;
    static const char *const comps[4] = {"BarChart:values", "BarChart:color", "BarChart:abscissa",
                                         "BarChart:widths"};
    rr_store_row_t rows[4];
    bool found[4];
    const char *tl = rr_app_timeline(s->app);
    rr_store_query_latest_at(store, &v->origin, tl[0] ? tl : NULL, rr_app_time(s->app), comps, 4, rows, found);
    double *vals = NULL, *abs = NULL;
    size_t n = 0, n_abs = 0;
    uint64_t shape_n = 0;
    const char *why = NULL;
    rr_cell_t c;
    rr_ui_push_clip(ui, r);
    if (!found[0] || !rr_cell_of(&rows[0], &c) || !rr_cell_tensor_values(&c, 0, &vals, &n, &shape_n, &why)) {
        const char *msg = found[0] ? why : "(empty)";
        rr_ui_draw_text(ui, r.x + BC_PAD, r.y + BC_PAD, msg ? msg : "unreadable values", strlen(msg ? msg : "unreadable values"),
                        th->text_subdued);
        rr_ui_pop_clip(ui);
        return;
    }
    if (found[2] && rr_cell_of(&rows[2], &c) && !rr_cell_tensor_values(&c, 0, &abs, &n_abs, &shape_n, &why))
        abs = NULL, n_abs = 0;
    rr_cell_t wc = {0}, cc = {0};
    bool have_w = found[3] && rr_cell_of(&rows[3], &wc) && wc.len > 0;
    double col = 0;
    uint32_t color = found[1] && rr_cell_of(&rows[1], &cc) && rr_cell_scalar(&cc, "I", 0, &col)
                         ? (uint32_t)col
                         : rr_auto_color((uint16_t)(v->origin.hash % 65535u));

    /* Bar i: [x0, x0 + w] by [0, value]. */
    double x_lo = INFINITY, x_hi = -INFINITY, y_lo = 0, y_hi = 0;
    for (size_t i = 0; i < n; i++) {
        double x0 = i < n_abs ? abs[i] : (double)i, w = 1;
        if (have_w) rr_cell_scalar(&wc, "f", (int64_t)(i < (size_t)wc.len ? i : (size_t)wc.len - 1), &w);
        if (!isfinite(x0) || !isfinite(w)) continue;
        if (x0 < x_lo) x_lo = x0;
        if (x0 + w > x_hi) x_hi = x0 + w;
        if (isfinite(vals[i])) {
            if (vals[i] < y_lo) y_lo = vals[i];
            if (vals[i] > y_hi) y_hi = vals[i];
        }
    }
    if (!(x_hi > x_lo)) x_lo = 0, x_hi = 1;
    if (!(y_hi > y_lo)) y_hi = y_lo + 1;
    double xm = 0.05 * (x_hi - x_lo), ym = 0.05 * (y_hi - y_lo);
    x_lo -= xm, x_hi += xm, y_lo -= y_lo < 0 ? ym : 0, y_hi += ym;
    rr_ui_rect_t p = {r.x + BC_PAD + BC_LEFT, r.y + BC_PAD, r.w - 2 * BC_PAD - BC_LEFT, r.h - 2 * BC_PAD - BC_BOTTOM};
#define PX(val_) (p.x + (float)(((val_) - x_lo) / (x_hi - x_lo)) * p.w)
#define PY(val_) (p.y + p.h - (float)(((val_) - y_lo) / (y_hi - y_lo)) * p.h)
    /* Grid and ticks. */
    char lab[32];
    float lh = rr_ui_font_line_height(rr_ui_font(ui));
    double ys = nice_step(y_hi - y_lo, (int)(p.h / 40) + 1);
    for (double y = ceil(y_lo / ys) * ys; y <= y_hi; y += ys) {
        float py = PY(y);
        rr_ui_draw_line(ui, p.x, py, p.x + p.w, py, th->widget_stroke, 1);
        tick_label(y, ys, lab, sizeof lab);
        float tw = rr_ui_text_width(ui, lab);
        rr_ui_draw_text(ui, p.x - tw - 6, py - lh * 0.5f, lab, strlen(lab), th->text_subdued);
    }
    double xs = nice_step(x_hi - x_lo, (int)(p.w / 60) + 1);
    for (double x = ceil(x_lo / xs) * xs; x <= x_hi; x += xs) {
        float px = PX(x);
        rr_ui_draw_line(ui, px, p.y, px, p.y + p.h, th->widget_stroke, 1);
        tick_label(x, xs, lab, sizeof lab);
        float tw = rr_ui_text_width(ui, lab);
        rr_ui_draw_text(ui, px - tw * 0.5f, p.y + p.h + 4, lab, strlen(lab), th->text_subdued);
    }
    /* The bars: re_view_bar_chart's fill (3/4 of the colour) and stroke
     * (half the fill). */
    rr_ui_color_t fill = (color & ~0xffu) | 191u, stroke = (color & ~0xffu) | 96u;
    float zero = PY(0);
    for (size_t i = 0; i < n; i++) {
        double x0 = i < n_abs ? abs[i] : (double)i, w = 1;
        if (have_w) rr_cell_scalar(&wc, "f", (int64_t)(i < (size_t)wc.len ? i : (size_t)wc.len - 1), &w);
        if (!isfinite(x0) || !isfinite(w) || !isfinite(vals[i])) continue;
        float bx0 = PX(x0), bx1 = PX(x0 + w), by = PY(vals[i]);
        rr_ui_rect_t b = {fminf(bx0, bx1), fminf(by, zero), fabsf(bx1 - bx0), fabsf(zero - by)};
        rr_ui_draw_rect(ui, b, fill, 0);
        rr_ui_draw_rect_stroke(ui, b, stroke, 1);
    }
#undef PX
#undef PY
    rr_ui_pop_clip(ui);
    v->drawables = n;
    free(vals);
    free(abs);
}
