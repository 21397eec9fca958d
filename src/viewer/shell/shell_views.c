/* The shell's views: kept in step with the active recording's default
 * blueprint (recomputed when its entity set changes; the user's changes —
 * a hidden view or entity, a moved camera — survive by view class and
 * origin and by entity path), each rendered into its own cached target
 * sized to its viewport cell, driven by the mouse over it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/gfx/texture.h"
#include "viewer/shell/shell_internal.h"

#define VIEW_SAMPLES 4
#define CLICK_SLOP 3.0f /* points a press may move and still be a click */

static void entities_free(shell_view_t *v) {
    for (size_t i = 0; i < v->n_entities; i++) free(v->entities[i].path);
    free(v->entities);
    v->entities = NULL;
    v->n_entities = 0;
}

static void view_release(shell_view_t *v) {
    rr_spatial3d_free(v->s3d);
    rr_spatial2d_free(v->s2d);
    rr_timeseries_free(v->ts);
    rr_textlog_free(v->tlog);
    rr_graph_view_free(v->graph);
    v->graph = NULL;
    rr_gfx_texture_free(v->tensor_tex);
    v->tensor_tex = NULL;
    v->tensor_key = 0;
    v->tensor_msg[0] = 0;
    free(v->bars);
    v->bars = NULL;
    v->n_bars = 0;
    v->bars_key = 0;
    v->bars_msg[0] = 0;
    rr_gfx_target_free(v->target);
    v->s3d = NULL, v->s2d = NULL, v->ts = NULL, v->tlog = NULL, v->target = NULL;
    v->tlog_followed = false;
    v->tw = v->th = 0;
}

static void view_free(shell_view_t *v) {
    view_release(v);
    entities_free(v);
    rr_entity_path_free(&v->origin);
}

void shell_views_free(rr_shell_t *s) {
    for (size_t i = 0; i < s->n_views; i++) view_free(&s->views[i]);
    free(s->views);
    s->views = NULL;
    s->n_views = 0;
    s->bp_store = NULL;
    s->bp_entities = 0;
}

void shell_view_reset(shell_view_t *v) {
    v->cam_touched = false;
    if (v->ts) rr_timeseries_reset_view(v->ts);
    if (v->s2d) rr_spatial2d_reset_view(v->s2d);
}

/* The view's hidden entities as the views take them: a view's list of
 * path texts, valid while v->entities is. NULL when none (n = 0). */
static const char **hidden_list(const shell_view_t *v, size_t *n) {
    *n = 0;
    for (size_t i = 0; i < v->n_entities; i++) *n += v->entities[i].hidden;
    if (!*n) return NULL;
    const char **list = malloc(*n * sizeof *list);
    if (!list) {
        *n = 0;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < v->n_entities; i++)
        if (v->entities[i].hidden) list[k++] = v->entities[i].path;
    return list;
}

/* Hover and click over a view that can pick: the tooltip names the hovered
 * instance, a click selects it (a click on nothing clears the selection,
 * as in Rerun). */
rr_pick_t shell_entity_pick(const char *entity, uint64_t instance, const char *archetype) {
    rr_pick_t p;
    memset(&p, 0, sizeof p);
    p.hit = entity != NULL;
    snprintf(p.entity, sizeof p.entity, "%s", entity ? entity : "");
    snprintf(p.archetype, sizeof p.archetype, "%s", archetype ? archetype : "");
    p.instance = instance;
    return p;
}

void shell_pick_result(rr_shell_t *s, bool hovered, bool clicked, bool dragging, const rr_pick_t *hit) {
    if (hovered && !dragging && hit->hit) {
        s->hover = *hit;
        char tip[600];
        if (hit->instance != RR_PICK_ALL_INSTANCES)
            snprintf(tip, sizeof tip, "%s #%llu", hit->entity, (unsigned long long)hit->instance);
        else
            snprintf(tip, sizeof tip, "%s", hit->entity);
        rr_ui_tooltip(s->ui, tip);
    }
    if (clicked) rr_shell_select(s, hit);
}

static shell_view_t *find_old(shell_view_t *old, size_t n, const rr_blueprint_view_t *bv) {
    for (size_t i = 0; i < n; i++)
        if (old[i].cls == bv->cls && old[i].origin.str && rr_entity_path_equal(&old[i].origin, &bv->origin))
            return &old[i];
    return NULL;
}

static bool old_hidden(const shell_view_t *o, const char *path) {
    for (size_t i = 0; o && i < o->n_entities; i++)
        if (!strcmp(o->entities[i].path, path)) return o->entities[i].hidden;
    return false;
}

rr_status_t shell_sync_blueprint(rr_shell_t *s, rr_error_t *err) {
    rr_store_t *store = rr_app_active_store(s->app);
    size_t ne = store ? rr_store_num_entities(store) : 0;
    if (store == s->bp_store && ne == s->bp_entities && (store || !s->n_views)) return RR_OK;
    if (store != s->bp_store) {
        /* Another recording: its views start fresh, and the old ones'
         * GPU caches go with them. */
        shell_views_free(s);
        s->maximized = -1;
    }
    s->bp_store = store;
    s->bp_entities = ne;
    if (!store) return RR_OK;
    rr_blueprint_t bp;
    RR_TRY(rr_blueprint_default(store, &bp, err));
    shell_view_t *nv = bp.n_views ? calloc(bp.n_views, sizeof *nv) : NULL;
    if (bp.n_views && !nv) {
        rr_blueprint_free(&bp);
        return rr_error_set(err, RR_ERR_NOMEM, "shell: out of memory for %zu views", bp.n_views);
    }
    rr_status_t st = RR_OK;
    for (size_t i = 0; i < bp.n_views && st == RR_OK; i++) {
        const rr_blueprint_view_t *bv = &bp.views[i];
        shell_view_t *v = &nv[i];
        shell_view_t *o = find_old(s->views, s->n_views, bv);
        if (o) {
            /* Keep its view objects, camera and target; entities anew. */
            *v = *o;
            v->entities = NULL;
            v->n_entities = 0;
            o->keep = true;
        } else {
            v->cls = bv->cls;
            v->visible = true;
            rr_camera_init(&v->cam);
            st = rr_entity_path_copy(&bv->origin, &v->origin, err);
        }
        v->subtree = bv->subtree;
        snprintf(v->name, sizeof v->name, "%s", bv->name);
        v->hidden_dirty = true;
        if (st == RR_OK && bv->n_entities) {
            v->entities = calloc(bv->n_entities, sizeof *v->entities);
            if (!v->entities) st = rr_error_set(err, RR_ERR_NOMEM, "shell: out of memory for a view's entities");
            for (size_t k = 0; st == RR_OK && k < bv->n_entities; k++) {
                v->entities[k].path = strdup(bv->entities[k].str);
                if (!v->entities[k].path) {
                    st = rr_error_set(err, RR_ERR_NOMEM, "shell: out of memory for a view's entities");
                    break;
                }
                v->entities[k].hidden = old_hidden(o, bv->entities[k].str);
                v->n_entities = k + 1;
            }
        }
    }
    /* Old views that are gone are freed; kept ones moved into nv. */
    for (size_t i = 0; i < s->n_views; i++) {
        if (s->views[i].keep) entities_free(&s->views[i]);
        else view_free(&s->views[i]);
    }
    free(s->views);
    s->views = nv;
    s->n_views = bp.n_views;
    for (size_t i = 0; i < s->n_views; i++) s->views[i].keep = false;
    if (s->maximized >= (int)s->n_views) s->maximized = -1;
    rr_blueprint_free(&bp);
    if (st != RR_OK) shell_views_free(s);
    return st;
}

/* The view's target at the cell's size in pixels. */
static rr_status_t ensure_target(rr_shell_t *s, shell_view_t *v, rr_error_t *err) {
    int w = (int)lroundf(v->content.w * s->scale), h = (int)lroundf(v->content.h * s->scale);
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    if (v->target && w == v->tw && h == v->th) return RR_OK;
    rr_gfx_target_free(v->target);
    v->target = NULL;
    RR_TRY(rr_gfx_target_new(s->r, w, h, VIEW_SAMPLES, &v->target, err));
    v->tw = w, v->th = h;
    return RR_OK;
}

static const char *timeline_or_null(rr_shell_t *s) {
    const char *tl = rr_app_timeline(s->app);
    return tl[0] ? tl : NULL;
}

/* The mouse over view i this frame, in its target's pixels. */
typedef struct view_mouse {
    bool hovered;          /* over the content, nothing above it */
    float px, py;          /* pixels, top-left origin */
    float dx, dy;          /* motion while a button drags it, pixels */
    int drag;              /* the button dragging it, or -1 */
    bool clicked;          /* left press and release without moving */
    bool double_clicked;
    float wheel;
    unsigned mods;
} view_mouse_t;

static view_mouse_t view_input(rr_shell_t *s, size_t i, shell_view_t *v) {
    rr_ui_t *ui = s->ui;
    view_mouse_t m = {.drag = -1};
    rr_ui_push_id_int(ui, (int64_t)i);
    rr_ui_response_t r = rr_ui_interact(ui, rr_ui_id(ui, "view_content"), v->content);
    rr_ui_pop_id(ui);
    float mx = shell_mouse_x(ui), my = shell_mouse_y(ui);
    m.px = (mx - v->content.x) * s->scale;
    m.py = (my - v->content.y) * s->scale;
    m.hovered = r.hovered || r.held;
    m.mods = shell_mods(ui);
    if (s->drag_view < 0 && m.hovered) {
        for (int b = 0; b < 3; b++)
            if (shell_button_pressed(ui, b)) {
                s->drag_view = (int)i, s->drag_button = b;
                s->press_x = mx, s->press_y = my;
                break;
            }
    }
    if (s->drag_view == (int)i) {
        m.drag = s->drag_button;
        m.dx = shell_mouse_dx(ui) * s->scale;
        m.dy = shell_mouse_dy(ui) * s->scale;
        if (!shell_button_down(ui, s->drag_button)) {
            if (s->drag_button == 0 && fabsf(mx - s->press_x) <= CLICK_SLOP && fabsf(my - s->press_y) <= CLICK_SLOP && m.hovered)
                m.clicked = true;
            s->drag_view = -1;
            m.drag = -1;
        }
    }
    m.double_clicked = r.double_clicked;
    if (m.hovered && !shell_mouse_over_popup(ui)) m.wheel = shell_wheel_y(ui);
    return m;
}

static rr_status_t frame_3d(rr_shell_t *s, size_t i, shell_view_t *v, rr_error_t *err) {
    rr_store_t *store = rr_app_active_store(s->app);
    if (!v->s3d) {
        RR_TRY(rr_spatial3d_new(s->r, store, &v->s3d, err));
        RR_TRY(rr_spatial3d_set_origin(v->s3d, &v->origin, v->subtree, err));
        v->hidden_dirty = true;
    }
    if (v->hidden_dirty) {
        size_t n;
        const char **list = hidden_list(v, &n);
        rr_spatial3d_set_hidden(v->s3d, list, n);
        free(list);
        v->hidden_dirty = false;
    }
    view_mouse_t m = view_input(s, i, v);
    if (m.drag == 0 && (m.dx || m.dy)) {
        rr_camera_orbit(&v->cam, -m.dx * 0.01f, m.dy * 0.01f);
        v->cam_touched = true;
    } else if ((m.drag == 1 || m.drag == 2) && (m.dx || m.dy)) {
        rr_camera_pan(&v->cam, m.dx, m.dy, (float)(v->th > 0 ? v->th : 1));
        v->cam_touched = true;
    }
    if (m.wheel) {
        /* One wheel notch zooms by 10 %. */
        rr_camera_zoom(&v->cam, powf(0.9f, m.wheel));
        v->cam_touched = true;
    }
    if (m.double_clicked) v->cam_touched = false;
    RR_TRY(rr_spatial3d_prepare(v->s3d, timeline_or_null(s), rr_app_time(s->app), err));
    if (!v->cam_touched) {
        /* Until the user takes the camera it keeps the whole scene in view
         * as data arrives. */
        rr_camera_init(&v->cam);
        rr_camera_set_up(&v->cam, rr_spatial3d_up(v->s3d));
        rr_aabb_t b = rr_spatial3d_bounds(v->s3d);
        rr_camera_fit_aspect(&v->cam, &b, v->content.h > 0 ? v->content.w / v->content.h : 1.0f);
    }
    v->drawables = rr_spatial3d_num_drawables(v->s3d);
    RR_TRY(ensure_target(s, v, err));
    if ((m.hovered && m.drag < 0) || m.clicked) {
        rr_pick_t hit;
        rr_spatial3d_pick(v->s3d, &v->cam, v->tw, v->th, m.px, m.py, &hit);
        shell_pick_result(s, m.hovered, m.clicked, m.drag >= 0, &hit);
    }
    rr_spatial3d_set_highlight(v->s3d, &s->hover, &s->selection);
    return rr_spatial3d_draw(v->s3d, v->target, &v->cam, NULL, err);
}

static rr_status_t frame_2d(rr_shell_t *s, size_t i, shell_view_t *v, rr_error_t *err) {
    rr_store_t *store = rr_app_active_store(s->app);
    if (!v->s2d) {
        RR_TRY(rr_spatial2d_new(s->r, store, &v->origin, &v->s2d, err));
        v->hidden_dirty = true;
    }
    if (v->hidden_dirty) {
        size_t n;
        const char **list = hidden_list(v, &n);
        rr_status_t st = rr_spatial2d_set_hidden(v->s2d, list, n, err);
        free(list);
        RR_TRY(st);
        v->hidden_dirty = false;
    }
    RR_TRY(ensure_target(s, v, err));
    view_mouse_t m = view_input(s, i, v);
    /* Rerun's 2D view: any drag pans, the wheel zooms about the mouse,
     * a double click fits the content again. */
    if (m.drag >= 0 && (m.dx || m.dy)) rr_spatial2d_pan(v->s2d, v->tw, v->th, m.dx, m.dy);
    if (m.wheel) rr_spatial2d_zoom(v->s2d, v->tw, v->th, powf(1.1f, m.wheel), m.px, m.py);
    if (m.double_clicked) rr_spatial2d_reset_view(v->s2d);
    RR_TRY(rr_spatial2d_prepare(v->s2d, timeline_or_null(s), rr_app_time(s->app), err));
    v->drawables = rr_spatial2d_num_drawables(v->s2d);
    if ((m.hovered && m.drag < 0) || m.clicked) {
        rr_pick_t hit;
        rr_spatial2d_pick(v->s2d, v->tw, v->th, m.px, m.py, &hit);
        shell_pick_result(s, m.hovered, m.clicked, m.drag >= 0, &hit);
    }
    rr_spatial2d_set_highlight(v->s2d, &s->hover, &s->selection);
    return rr_spatial2d_draw(v->s2d, v->target, err);
}

static rr_status_t frame_ts(rr_shell_t *s, size_t i, shell_view_t *v, rr_error_t *err) {
    rr_store_t *store = rr_app_active_store(s->app);
    if (!v->ts) {
        RR_TRY(rr_timeseries_new(s->r, store, &v->origin, v->subtree, &v->ts, err));
        v->hidden_dirty = true;
    }
    if (v->hidden_dirty) {
        size_t n;
        const char **list = hidden_list(v, &n);
        rr_status_t st = rr_timeseries_set_hidden(v->ts, list, n, err);
        free(list);
        RR_TRY(st);
        v->hidden_dirty = false;
    }
    RR_TRY(ensure_target(s, v, err));
    view_mouse_t m = view_input(s, i, v);
    int w = v->tw, h = v->th;
    if (m.drag == 0 && (m.dx || m.dy)) rr_timeseries_pan(v->ts, w, h, m.dx, m.dy);
    else if ((m.drag == 1 || m.drag == 2) && m.dy) rr_timeseries_zoom(v->ts, w, h, 1, exp(-m.dy * 0.01), m.px, m.py);
    if (m.wheel) {
        double f = pow(1.1, m.wheel);
        /* Ctrl zooms the values, the plain wheel the time axis. */
        if (m.mods & RR_UI_MOD_CTRL) rr_timeseries_zoom(v->ts, w, h, 1, f, m.px, m.py);
        else rr_timeseries_zoom(v->ts, w, h, f, 1, m.px, m.py);
    }
    if (m.double_clicked) rr_timeseries_reset_view(v->ts);
    else if (m.clicked && timeline_or_null(s)) {
        /* Rerun: a click in the plot moves the time cursor there. */
        rr_ts_window_t win = rr_timeseries_window(v->ts);
        rr_ts_rect_t pr = rr_timeseries_plot_rect(w, h);
        if (m.px >= pr.x && m.px <= pr.x + pr.w) rr_app_set_time(s->app, (int64_t)llround(rr_ts_time_of_x(&win, &pr, m.px)));
    }
    RR_TRY(rr_timeseries_prepare(v->ts, timeline_or_null(s), rr_app_time(s->app), err));
    RR_TRY(rr_timeseries_draw(v->ts, v->target, err));
    v->drawables = 0;
    for (size_t k = 0; k < rr_timeseries_num_series(v->ts); k++) v->drawables += rr_timeseries_series(v->ts, k)->visible;
    return RR_OK;
}

/* The text log: entries only, no GL target (the overlay draws the table). */
static rr_status_t frame_textlog(rr_shell_t *s, shell_view_t *v, rr_error_t *err) {
    rr_store_t *store = rr_app_active_store(s->app);
    if (!v->tlog) {
        RR_TRY(rr_textlog_new(store, &v->origin, v->subtree, &v->tlog, err));
        v->hidden_dirty = true;
    }
    if (v->hidden_dirty) {
        size_t n;
        const char **list = hidden_list(v, &n);
        rr_status_t st = rr_textlog_set_hidden(v->tlog, list, n, err);
        free(list);
        RR_TRY(st);
        v->hidden_dirty = false;
    }
    RR_TRY(rr_textlog_prepare(v->tlog, timeline_or_null(s), err));
    v->drawables = rr_textlog_num_entries(v->tlog);
    return RR_OK;
}

/* Pan and zoom for the views the shell draws in 2D (graph, map): a drag
 * pans, the wheel zooms about the mouse, a double click resets. */
static void pan_zoom(rr_shell_t *s, size_t i, shell_view_t *v) {
    view_mouse_t m = view_input(s, i, v);
    if (v->pz_zoom <= 0) v->pz_zoom = 1;
    v->pz_hover = m.hovered && m.drag < 0;
    v->pz_clicked = m.clicked;
    v->pz_mx = v->content.x + m.px / s->scale, v->pz_my = v->content.y + m.py / s->scale;
    if (m.drag >= 0) v->pz_x += m.dx / s->scale, v->pz_y += m.dy / s->scale;
    if (m.wheel) {
        float f = powf(1.1f, m.wheel), z = v->pz_zoom * f;
        if (z < 0.05f) z = 0.05f;
        if (z > 1e5f) z = 1e5f;
        /* The point under the mouse stays there. */
        float mx = m.px / s->scale, my = m.py / s->scale;
        float cx = 0.5f * v->content.w, cy = 0.5f * v->content.h;
        v->pz_x = mx - cx - (mx - cx - v->pz_x) * z / v->pz_zoom;
        v->pz_y = my - cy - (my - cy - v->pz_y) * z / v->pz_zoom;
        v->pz_zoom = z;
    }
    if (m.double_clicked) v->pz_zoom = 1, v->pz_x = v->pz_y = 0;
}

/* The graph: nodes, edges and layout; the overlay draws them. */
static rr_status_t frame_graph(rr_shell_t *s, size_t i, shell_view_t *v, rr_error_t *err) {
    pan_zoom(s, i, v);
    if (!v->graph) RR_TRY(rr_graph_view_new(rr_app_active_store(s->app), &v->origin, v->subtree, &v->graph, err));
    RR_TRY(rr_graph_view_prepare(v->graph, timeline_or_null(s), rr_app_time(s->app), err));
    v->drawables = rr_graph_view_num_nodes(v->graph);
    return RR_OK;
}

rr_status_t shell_view_frame(rr_shell_t *s, size_t i, rr_error_t *err) {
    shell_view_t *v = &s->views[i];
    switch (v->cls) {
    case RR_VIEW_TEXTLOG: return frame_textlog(s, v, err);
    case RR_VIEW_TEXTDOC: v->drawables = 1; return RR_OK; /* drawn by the overlay */
    case RR_VIEW_BARCHART: return RR_OK;                   /* the overlay counts its bars */
    case RR_VIEW_GRAPH: return frame_graph(s, i, v, err);
    case RR_VIEW_MAP: pan_zoom(s, i, v); return RR_OK; /* the overlay counts what it draws */
    case RR_VIEW_TENSOR: return shell_tensor_frame(s, v, err);
    case RR_VIEW_SPATIAL3D: return frame_3d(s, i, v, err);
    case RR_VIEW_TIMESERIES: return frame_ts(s, i, v, err);
    case RR_VIEW_SPATIAL2D: return frame_2d(s, i, v, err);
    }
    return RR_OK;
}

/* The 2D view's labels, as Rerun draws them: the text centred under its
 * anchor on a rounded box of the instance's colour. */
static void overlay_2d(rr_shell_t *s, shell_view_t *v) {
    rr_ui_t *ui = s->ui;
    rr_ui_push_clip(ui, v->content);
    for (size_t i = 0; i < rr_spatial2d_num_labels(v->s2d); i++) {
        rr_spatial2d_label_t l;
        if (!rr_spatial2d_label(v->s2d, i, v->tw, v->th, &l) || !l.text) continue;
        float tw = rr_ui_text_width(ui, l.text), lh = rr_ui_font_line_height(rr_ui_font(ui));
        float x = v->content.x + l.x / s->scale - tw * 0.5f, y = v->content.y + l.y / s->scale + 5;
        rr_ui_draw_rect(ui, (rr_ui_rect_t){x - 4, y - 1, tw + 8, lh + 2}, l.color | 0xffu, 3);
        /* Dark text on light fills, light on dark (perceived luminance). */
        unsigned r = l.color >> 24, g = (l.color >> 16) & 0xff, b = (l.color >> 8) & 0xff;
        rr_ui_color_t tc = (r * 299 + g * 587 + b * 114) / 1000 > 140 ? 0x000000ffu : 0xffffffffu;
        rr_ui_draw_text(ui, x, y, l.text, strlen(l.text), tc);
    }
    rr_ui_pop_clip(ui);
}

rr_ui_rect_t shell_view_clear(rr_shell_t *s, shell_view_t *v) {
    rr_ui_draw_rect(s->ui, v->content, rr_ui_theme(s->ui)->viewport_bg, 0);
    return v->content;
}

void shell_view_overlay(rr_shell_t *s, shell_view_t *v) {
    if (v->cls == RR_VIEW_SPATIAL2D && v->s2d) overlay_2d(s, v);
    if (v->cls == RR_VIEW_TIMESERIES && v->ts) shell_plot_overlay(s, v);
    if (v->cls == RR_VIEW_TEXTLOG) shell_textlog_overlay(s, v);
    if (v->cls == RR_VIEW_TEXTDOC) shell_textdoc_overlay(s, v);
    if (v->cls == RR_VIEW_BARCHART) shell_barchart_overlay(s, v);
    if (v->cls == RR_VIEW_GRAPH) shell_graph_overlay(s, v);
    if (v->cls == RR_VIEW_MAP) shell_map_overlay(s, v);
    if (v->cls == RR_VIEW_TENSOR) shell_tensor_overlay(s, v);
}
