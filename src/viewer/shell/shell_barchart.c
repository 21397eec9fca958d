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

/* v->bars from the values (row 0), abscissa (2) and widths (3) cells,
 * decoded again only when one of them changed; bars with a value, start or
 * width that is not finite are left out. False (v->bars_msg says why) when
 * the values cannot be read. */
static bool bars_update(shell_view_t *v, const rr_store_row_t *rows, const bool *found) {
    uint64_t key = rr_cell_row_key(&rows[0], found[0]) * 961 + rr_cell_row_key(&rows[2], found[2]) * 31 +
                   rr_cell_row_key(&rows[3], found[3]);
    if (key == v->bars_key && (v->bars || v->bars_msg[0])) return v->bars != NULL;
    free(v->bars);
    v->bars = NULL;
    v->n_bars = 0;
    v->bars_key = key;
    v->bars_msg[0] = 0;
    double *vals = NULL, *abs = NULL;
    size_t n = 0, n_abs = 0;
    uint64_t shape_n = 0;
    const char *why = "unreadable values";
    rr_cell_t c, wc = {0};
    if (!rr_cell_of(&rows[0], &c) || !rr_cell_tensor_values(&c, 0, &vals, &n, &shape_n, &why)) {
        snprintf(v->bars_msg, sizeof v->bars_msg, "BarChart:values: %s", why);
        return false;
    }
    if (found[2] && rr_cell_of(&rows[2], &c) && !rr_cell_tensor_values(&c, 0, &abs, &n_abs, &shape_n, &why))
        abs = NULL, n_abs = 0;
    bool have_w = found[3] && rr_cell_of(&rows[3], &wc) && wc.len > 0;
    v->bars = malloc((n ? n : 1) * 3 * sizeof *v->bars);
    for (size_t i = 0; v->bars && i < n; i++) {
        double x0 = i < n_abs ? abs[i] : (double)i, w = 1;
        if (have_w) rr_cell_scalar(&wc, "f", (int64_t)(i < (size_t)wc.len ? i : (size_t)wc.len - 1), &w);
        if (!isfinite(x0) || !isfinite(w) || !isfinite(vals[i])) continue;
        double *b = v->bars + 3 * v->n_bars++;
        b[0] = x0, b[1] = w, b[2] = vals[i];
    }
    if (!v->bars) snprintf(v->bars_msg, sizeof v->bars_msg, "out of memory");
    free(vals);
    free(abs);
    return v->bars != NULL;
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
    rr_ui_push_clip(ui, r);
    if (!found[0] || !bars_update(v, rows, found)) {
        const char *msg = found[0] ? v->bars_msg : "(empty)";
        rr_ui_draw_text(ui, r.x + BC_PAD, r.y + BC_PAD, msg, strlen(msg), th->text_subdued);
        rr_ui_pop_clip(ui);
        v->drawables = 0;
        return;
    }
    rr_cell_t cc;
    double col = 0;
    uint32_t color = found[1] && rr_cell_of(&rows[1], &cc) && rr_cell_scalar(&cc, "I", 0, &col)
                         ? (uint32_t)col
                         : rr_auto_color((uint16_t)(v->origin.hash % 65535u));
    size_t n = v->n_bars;
    const double *bar = v->bars; /* x0, width, value */
    double x_lo = INFINITY, x_hi = -INFINITY, y_lo = 0, y_hi = 0;
    for (size_t i = 0; i < n; i++) {
        x_lo = fmin(x_lo, bar[3 * i]), x_hi = fmax(x_hi, bar[3 * i] + bar[3 * i + 1]);
        y_lo = fmin(y_lo, bar[3 * i + 2]), y_hi = fmax(y_hi, bar[3 * i + 2]);
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
        float bx0 = PX(bar[3 * i]), bx1 = PX(bar[3 * i] + bar[3 * i + 1]), by = PY(bar[3 * i + 2]);
        rr_ui_rect_t b = {fminf(bx0, bx1), fminf(by, zero), fabsf(bx1 - bx0), fabsf(zero - by)};
        rr_ui_draw_rect(ui, b, fill, 0);
        rr_ui_draw_rect_stroke(ui, b, stroke, 1);
    }
#undef PX
#undef PY
    rr_ui_pop_clip(ui);
    v->drawables = n;
}
