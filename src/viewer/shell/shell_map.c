/* The map view drawn by the shell, after Rerun's MapView (re_view_map):
 * every GeoPoints and GeoLineStrings of the view's entities at the current
 * time, in the Web Mercator projection, fitted into the view (at least
 * about a kilometre across), over a graticule of labelled latitudes and
 * longitudes. Rerun draws them over map tiles fetched from the network;
 * this view has no tiles (the machines it was made on have no network),
 * and says so in its corner. A drag pans it, the wheel zooms
 * (shell_views.c). Radii: negative in UI points, positive in
 * metres; by default 5 points for points and 2 for lines, as Rerun's
 * fallbacks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/gfx/image_decode.h"
#include "viewer/shell/shell_internal.h"
#include "viewer/views/cells.h"

#define MAP_PAD 16.0f
#define MAP_MIN_SPAN 2.5e-5 /* of the Mercator square (~1 km at the equator) */
#define EARTH_M 40075016.686 /* the equator, in metres */

static double merc_x(double lon) { return (lon + 180.0) / 360.0; }
static double merc_y(double lat) {
    double l = lat > 85.05112878 ? 85.05112878 : lat < -85.05112878 ? -85.05112878 : lat;
    double r = l * M_PI / 180.0;
    return 0.5 - log(tan(M_PI / 4 + r / 2)) / (2 * M_PI);
}
static double merc_lat(double y) { return atan(sinh(M_PI * (1 - 2 * y))) * 180.0 / M_PI; }

/* screen = offset + (mercator - x0/y0) * scale, scale including the
 * view's zoom, offset its pan (see shell_view_pz). */
typedef struct map_frame {
    double x0, y0, scale;
    float ox, oy;
} map_frame_t;

static float sx(const map_frame_t *f, double lon) { return f->ox + (float)((merc_x(lon) - f->x0) * f->scale); }
static float sy(const map_frame_t *f, double lat) { return f->oy + (float)((merc_y(lat) - f->y0) * f->scale); }

/* A radius (negative: points, positive: metres at lat) in points on screen. */
static float radius_px(const map_frame_t *f, double r, double lat) {
    if (r < 0) return (float)-r;
    return (float)(r / (EARTH_M * cos(lat * M_PI / 180.0)) * f->scale);
}

typedef struct map_ctx {
    rr_shell_t *s;
    shell_view_t *v;
    bool bounds_only;
    double bx0, by0, bx1, by1; /* Mercator bounds */
    size_t drawn;
    map_frame_t f;
    /* The point under the mouse: its entity and index, how near. */
    const rr_entity_path_t *pick_e;
    int64_t pick_i;
    float pick_d;
} map_ctx_t;

static void visit(map_ctx_t *m, double lat, double lon) {
    if (!isfinite(lat) || !isfinite(lon)) return;
    double x = merc_x(lon), y = merc_y(lat);
    m->bx0 = fmin(m->bx0, x), m->bx1 = fmax(m->bx1, x), m->by0 = fmin(m->by0, y), m->by1 = fmax(m->by1, y);
}

/* The positions, colours and radii of one entity's GeoPoints and GeoLineStrings. */
static void entity_geo(map_ctx_t *m, const rr_entity_path_t *e) {
    rr_ui_t *ui = m->s->ui;
    rr_store_t *store = rr_app_active_store(m->s->app);
    const char *tl = rr_app_timeline(m->s->app);
    uint32_t auto_c = rr_auto_color((uint16_t)(e->hash % 65535u));
    static const char *const pc[3] = {"GeoPoints:positions", "GeoPoints:radii", "GeoPoints:colors"};
    static const char *const lc[3] = {"GeoLineStrings:line_strings", "GeoLineStrings:radii", "GeoLineStrings:colors"};
    rr_store_row_t rows[3];
    bool found[3];
    rr_cell_t c, rc, cc;
    rr_store_query_latest_at(store, e, tl[0] ? tl : NULL, rr_app_time(m->s->app), pc, 3, rows, found);
    const uint8_t *p;
    if (found[0] && rr_cell_of(&rows[0], &c) && (p = rr_cell_fsl(&c, 2, "g"))) {
        bool hr = found[1] && rr_cell_of(&rows[1], &rc) && rc.len > 0;
        bool hc = found[2] && rr_cell_of(&rows[2], &cc) && cc.len > 0;
        for (int64_t i = 0; i < c.len; i++) {
            double ll[2], r = -5, col;
            memcpy(ll, p + (size_t)i * 16, 16);
            if (m->bounds_only) {
                visit(m, ll[0], ll[1]);
                continue;
            }
            if (!isfinite(ll[0]) || !isfinite(ll[1])) continue;
            if (hr) rr_cell_scalar(&rc, "f", i < rc.len ? i : rc.len - 1, &r);
            uint32_t color = hc && rr_cell_scalar(&cc, "I", i < cc.len ? i : cc.len - 1, &col) ? (uint32_t)col : auto_c;
            float rad = radius_px(&m->f, r, ll[0]), x = sx(&m->f, ll[1]), y = sy(&m->f, ll[0]);
            if (rad < 1) rad = 1;
            rr_ui_draw_rect(ui, (rr_ui_rect_t){x - rad, y - rad, 2 * rad, 2 * rad}, color | 0xffu, rad);
            float d = hypotf(m->v->pz_mx - x, m->v->pz_my - y);
            if (d <= rad + 3 && d < m->pick_d) m->pick_d = d, m->pick_e = e, m->pick_i = i;
            m->drawn++;
        }
    }
    rr_store_query_latest_at(store, e, tl[0] ? tl : NULL, rr_app_time(m->s->app), lc, 3, rows, found);
    rr_cell_t strip;
    if (found[0] && rr_cell_of(&rows[0], &c)) {
        bool hr = found[1] && rr_cell_of(&rows[1], &rc) && rc.len > 0;
        bool hc = found[2] && rr_cell_of(&rows[2], &cc) && cc.len > 0;
        for (int64_t i = 0; i < c.len; i++) {
            if (!rr_cell_list_instance(&c, i, &strip) || !(p = rr_cell_fsl(&strip, 2, "g"))) continue;
            double r = -2, col;
            if (hr) rr_cell_scalar(&rc, "f", i < rc.len ? i : rc.len - 1, &r);
            uint32_t color = hc && rr_cell_scalar(&cc, "I", i < cc.len ? i : cc.len - 1, &col) ? (uint32_t)col : auto_c;
            for (int64_t k = 0; k < strip.len; k++) {
                double a[2], b[2];
                memcpy(a, p + (size_t)k * 16, 16);
                if (m->bounds_only) {
                    visit(m, a[0], a[1]);
                    continue;
                }
                if (k + 1 >= strip.len) break;
                memcpy(b, p + (size_t)(k + 1) * 16, 16);
                if (!isfinite(a[0] + a[1] + b[0] + b[1])) continue;
                float w = 2 * radius_px(&m->f, r, a[0]);
                rr_ui_draw_line(ui, sx(&m->f, a[1]), sy(&m->f, a[0]), sx(&m->f, b[1]), sy(&m->f, b[0]), color | 0xffu,
                                w < 1 ? 1 : w);
            }
            if (!m->bounds_only) m->drawn++;
        }
    }
}

static double nice_deg(double span) {
    static const double steps[] = {1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1,
                                   0.2,  0.5,  1,    2,    5,    10,   15,   30,   45,   90};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (span / steps[i] <= 6) return steps[i];
    return 90;
}

void shell_map_overlay(rr_shell_t *s, shell_view_t *v) {
    rr_ui_t *ui = s->ui;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    rr_ui_rect_t r = shell_view_clear(s, v);
    rr_store_t *store = rr_app_active_store(s->app);
    v->drawables = 0;
    if (!store || r.w < 2 * MAP_PAD || r.h < 2 * MAP_PAD) return;
    map_ctx_t m = {s, v, true, INFINITY, INFINITY, -INFINITY, -INFINITY, 0, {0, 0, 0, 0, 0}, NULL, 0, 1e30f};
    /* The shown entities' paths, for both passes (bounds, then drawing). */
    rr_entity_path_t *paths = calloc(v->n_entities ? v->n_entities : 1, sizeof *paths);
    size_t np = 0;
    for (size_t i = 0; paths && i < v->n_entities; i++)
        if (!v->entities[i].hidden &&
            rr_entity_path_parse(v->entities[i].path, strlen(v->entities[i].path), &paths[np], NULL) == RR_OK)
            np++;
    for (size_t i = 0; i < np; i++) entity_geo(&m, &paths[i]);
    if (!(m.bx1 >= m.bx0)) m.bx0 = m.bx1 = 0.5, m.by0 = m.by1 = 0.5;
    double cx = 0.5 * (m.bx0 + m.bx1), cy = 0.5 * (m.by0 + m.by1);
    double span = fmax(fmax(m.bx1 - m.bx0, m.by1 - m.by0), MAP_MIN_SPAN) * 1.1;
    double w = r.w - 2 * MAP_PAD, h = r.h - 2 * MAP_PAD;
    double zoom = v->pz_zoom > 0 ? v->pz_zoom : 1;
    m.f.scale = fmin(w, h) / span * zoom;
    m.f.x0 = cx, m.f.y0 = cy;
    m.f.ox = r.x + r.w * 0.5f + v->pz_x, m.f.oy = r.y + r.h * 0.5f + v->pz_y;
    /* The centre of what the view shows, for the graticule. */
    cx -= v->pz_x / m.f.scale, cy -= v->pz_y / m.f.scale;
    rr_ui_push_clip(ui, r);
    /* The graticule over what the view shows. */
    double lon0 = (cx - 0.5 * r.w / m.f.scale) * 360 - 180, lon1 = (cx + 0.5 * r.w / m.f.scale) * 360 - 180;
    double lat0 = merc_lat(cy + 0.5 * r.h / m.f.scale), lat1 = merc_lat(cy - 0.5 * r.h / m.f.scale);
    double st = nice_deg(fmax(lon1 - lon0, lat1 - lat0));
    char lab[32];
    int dec = st >= 1 ? 0 : (int)ceil(-log10(st));
    for (double lon = ceil(lon0 / st) * st; lon <= lon1; lon += st) {
        float x = sx(&m.f, lon);
        rr_ui_draw_line(ui, x, r.y, x, r.y + r.h, th->widget_stroke, 1);
        snprintf(lab, sizeof lab, "%.*f\xC2\xB0", dec, lon);
        rr_ui_draw_text(ui, x + 3, r.y + r.h - 18, lab, strlen(lab), th->text_subdued);
    }
    for (double lat = ceil(lat0 / st) * st; lat <= lat1; lat += st) {
        float y = sy(&m.f, lat);
        rr_ui_draw_line(ui, r.x, y, r.x + r.w, y, th->widget_stroke, 1);
        snprintf(lab, sizeof lab, "%.*f\xC2\xB0", dec, lat);
        rr_ui_draw_text(ui, r.x + 4, y + 2, lab, strlen(lab), th->text_subdued);
    }
    m.bounds_only = false;
    for (size_t i = 0; i < np; i++) entity_geo(&m, &paths[i]);
    if (v->pz_hover || v->pz_clicked) {
        rr_pick_t hit = m.pick_e ? shell_entity_pick(m.pick_e->str, (uint64_t)m.pick_i, "GeoPoints")
                                 : shell_entity_pick(NULL, 0, NULL);
        shell_pick_result(s, v->pz_hover, v->pz_clicked, false, &hit);
    }
    static const char note[] = "no map tiles (offline)";
    float tw = rr_ui_text_width(ui, note);
    rr_ui_draw_text(ui, r.x + r.w - tw - 6, r.y + 4, note, sizeof note - 1, th->text_subdued);
    rr_ui_pop_clip(ui);
    v->drawables = m.drawn;
    for (size_t i = 0; i < np; i++) rr_entity_path_free(&paths[i]);
    free(paths);
}
