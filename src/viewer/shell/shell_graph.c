/* The graph view drawn by the shell, as Rerun's GraphView (re_view_graph
 * ui/draw.rs): the laid-out graph fitted into the view, edges as lines
 * (with an arrow head at the target for directed graphs), nodes with a
 * label as the label in a framed box, the others as dots (their logged
 * radius, by default 4 graph units) in their colour, implicit ones in the
 * weak text colour. A drag pans it, the wheel zooms (shell_views.c). */
#include <math.h>
#include <string.h>

#include "viewer/shell/shell_internal.h"

#define GR_PAD 24.0f
#define GR_DOT 4.0f    /* a node without a label: its size on screen for arrow heads */
#define GR_RADIUS 4.0f /* its default radius, in graph units */

/* A dot's radius on screen: its own or Rerun's default, times the fit and the zoom. */
static float dot_radius(const shell_view_t *v, const rr_graph_view_node_t *nd, float scale) {
    float r = (nd->radius > 0 ? nd->radius : GR_RADIUS) * scale * (v->pz_zoom > 0 ? v->pz_zoom : 1);
    return r < 1.5f ? 1.5f : r;
}

void shell_graph_overlay(rr_shell_t *s, shell_view_t *v) {
    rr_ui_t *ui = s->ui;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    rr_ui_rect_t r = shell_view_clear(s, v);
    if (!v->graph) return;
    size_t n = rr_graph_view_num_nodes(v->graph);
    if (n == 0 || r.w < 2 * GR_PAD || r.h < 2 * GR_PAD) return;
    /* Fit the nodes' positions (y down) into the view, the same scale on both axes. */
    float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        const rr_graph_view_node_t *nd = rr_graph_view_node(v->graph, i);
        x0 = fminf(x0, nd->x), x1 = fmaxf(x1, nd->x), y0 = fminf(y0, nd->y), y1 = fmaxf(y1, nd->y);
    }
    float w = r.w - 2 * GR_PAD, h = r.h - 2 * GR_PAD;
    float span_x = x1 - x0 > 1e-6f ? x1 - x0 : 1, span_y = y1 - y0 > 1e-6f ? y1 - y0 : 1;
    float scale = fminf(w / span_x, h / span_y);
    if (!(scale > 0) || !isfinite(scale)) scale = 1;
    float ox = r.x + GR_PAD + (w - span_x * scale) * 0.5f - x0 * scale;
    float oy = r.y + GR_PAD + (h - span_y * scale) * 0.5f - y0 * scale;
#define SX(nd) (ox + (nd)->x * scale)
#define SY(nd) (oy + (nd)->y * scale)
    rr_ui_push_clip(ui, r);
    /* Edges first, under the nodes. */
    for (size_t e = 0; e < rr_graph_view_num_edges(v->graph); e++) {
        const rr_graph_view_edge_t *ed = rr_graph_view_edge(v->graph, e);
        const rr_graph_view_node_t *a = rr_graph_view_node(v->graph, ed->from), *b = rr_graph_view_node(v->graph, ed->to);
        float ax = SX(a), ay = SY(a), bx = SX(b), by = SY(b);
        shell_view_pz(v, &ax, &ay);
        shell_view_pz(v, &bx, &by);
        rr_ui_draw_line(ui, ax, ay, bx, by, th->text_subdued, 1);
        float dx = bx - ax, dy = by - ay, len = sqrtf(dx * dx + dy * dy);
        if (ed->directed && len > 1) {
            /* The head ends at the target's edge: its label box, else its dot. */
            float back = b->label ? 0 : GR_DOT;
            if (b->label) {
                float tw = rr_ui_font_text_width(rr_ui_font(ui), b->label, b->label_len) + 12;
                float bh = rr_ui_font_line_height(rr_ui_font(ui)) + 8;
                float tx = fabsf(dx) > 1e-6f ? 0.5f * tw / fabsf(dx) : INFINITY;
                float ty = fabsf(dy) > 1e-6f ? 0.5f * bh / fabsf(dy) : INFINITY;
                back = fminf(tx, ty) * len;
            }
            float ux = dx / len, uy = dy / len, tipx = bx - ux * back, tipy = by - uy * back, sz = 8;
            rr_ui_draw_triangle(ui, tipx, tipy, tipx - ux * sz - uy * sz * 0.5f, tipy - uy * sz + ux * sz * 0.5f,
                                tipx - ux * sz + uy * sz * 0.5f, tipy - uy * sz - ux * sz * 0.5f, th->text_subdued);
        }
    }
    /* The node under the mouse (its box, or within its dot and a few points). */
    long picked = -1;
    float best = 1e30f;
    for (size_t i = 0; i < n; i++) {
        const rr_graph_view_node_t *nd = rr_graph_view_node(v->graph, i);
        float cx = SX(nd), cy = SY(nd);
        shell_view_pz(v, &cx, &cy);
        float dx = fabsf(v->pz_mx - cx), dy = fabsf(v->pz_my - cy), reach_x = dot_radius(v, nd, scale) + 3;
        float reach_y = reach_x;
        if (nd->label) {
            reach_x = 0.5f * rr_ui_font_text_width(rr_ui_font(ui), nd->label, nd->label_len) + 6;
            reach_y = 0.5f * rr_ui_font_line_height(rr_ui_font(ui)) + 4;
        }
        if (dx <= reach_x && dy <= reach_y && dx + dy < best) best = dx + dy, picked = (long)i;
    }
    if (v->pz_hover || v->pz_clicked) {
        const rr_graph_view_node_t *pn = picked >= 0 ? rr_graph_view_node(v->graph, (size_t)picked) : NULL;
        rr_pick_t hit = pn ? shell_entity_pick(rr_store_entity(rr_app_active_store(s->app), pn->entity)->str,
                                               RR_PICK_ALL_INSTANCES, "GraphNodes")
                           : shell_entity_pick(NULL, 0, NULL);
        shell_pick_result(s, v->pz_hover, v->pz_clicked, false, &hit);
    }
    for (size_t i = 0; i < n; i++) {
        const rr_graph_view_node_t *nd = rr_graph_view_node(v->graph, i);
        float cx = SX(nd), cy = SY(nd);
        shell_view_pz(v, &cx, &cy);
        if (nd->label) {
            float tw = rr_ui_font_text_width(rr_ui_font(ui), nd->label, nd->label_len);
            float lh = rr_ui_font_line_height(rr_ui_font(ui));
            rr_ui_rect_t box = {cx - tw * 0.5f - 6, cy - lh * 0.5f - 4, tw + 12, lh + 8};
            rr_ui_draw_rect(ui, box, th->widget_bg, 2);
            rr_ui_draw_rect_stroke(ui, box, th->text, 1);
            rr_ui_draw_text(ui, cx - tw * 0.5f, cy - lh * 0.5f, nd->label, nd->label_len,
                            nd->has_color ? nd->color | 0xffu : th->text);
        } else {
            /* re_component_fallbacks: a node's radius is 4 scene units. */
            float rad = dot_radius(v, nd, scale);
            rr_ui_color_t c = nd->implicit ? th->text_subdued : nd->has_color ? nd->color | 0xffu : th->text;
            rr_ui_draw_rect(ui, (rr_ui_rect_t){cx - rad, cy - rad, 2 * rad, 2 * rad}, c, rad);
        }
    }
#undef SX
#undef SY
    rr_ui_pop_clip(ui);
}
