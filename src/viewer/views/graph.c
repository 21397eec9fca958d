/* The graph view's nodes, edges and layout (views/graph.h). */
#include "viewer/views/graph.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "viewer/views/cells.h"
#include "viewer/views/transform.h"

struct rr_graph_view {
    rr_view_scope_t scope; /* first: rr_view_scope_new */
    rr_graph_view_node_t *nodes;
    size_t n_nodes, cap_nodes;
    rr_graph_view_edge_t *edges;
    size_t n_edges, cap_edges;
    uint32_t *slots; /* node index + 1 by (entity, id) hash; 0 empty */
    size_t n_slots;
    uint64_t key; /* what the last layout was made for */
    float *last_xy; /* its positions */
    size_t n_last;
    uint64_t layouts;
    char warning[256];
};

rr_status_t rr_graph_view_new(rr_store_t *store, const rr_entity_path_t *origin, bool subtree,
                              rr_graph_view_t **out, rr_error_t *err) {
    void *v = NULL;
    rr_status_t st = rr_view_scope_new(sizeof(rr_graph_view_t), store, origin, subtree, &v, err);
    *out = v;
    return st;
}

void rr_graph_view_free(rr_graph_view_t *v) {
    if (!v) return;
    rr_view_scope_free(&v->scope);
    free(v->nodes);
    free(v->edges);
    free(v->slots);
    free(v->last_xy);
    free(v);
}

static void warn(rr_graph_view_t *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(rr_graph_view_t *v, const char *fmt, ...) {
    if (v->warning[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->warning, sizeof v->warning, fmt, ap);
    va_end(ap);
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t node_hash(size_t entity, const char *id, size_t len) {
    return hash_bytes(0xcbf29ce484222325ull ^ (entity * 0x9e3779b97f4a7c15ull), id, len);
}

/* The node (entity, id), added (implicit) when absent; -1 when out of memory. */
static long node_at(rr_graph_view_t *v, size_t entity, const char *id, size_t len, bool *added) {
    *added = false;
    if (v->n_nodes * 2 >= v->n_slots) {
        size_t ns = v->n_slots ? v->n_slots * 2 : 64;
        uint32_t *s = calloc(ns, sizeof *s);
        if (!s) return -1;
        for (size_t i = 0; i < v->n_nodes; i++) {
            size_t h = node_hash(v->nodes[i].entity, v->nodes[i].id, v->nodes[i].id_len) & (ns - 1);
            while (s[h]) h = (h + 1) & (ns - 1);
            s[h] = (uint32_t)i + 1;
        }
        free(v->slots);
        v->slots = s;
        v->n_slots = ns;
    }
    size_t h = node_hash(entity, id, len) & (v->n_slots - 1);
    for (; v->slots[h]; h = (h + 1) & (v->n_slots - 1)) {
        const rr_graph_view_node_t *n = &v->nodes[v->slots[h] - 1];
        if (n->entity == entity && n->id_len == len && !memcmp(n->id, id, len)) return (long)v->slots[h] - 1;
    }
    if (v->n_nodes == v->cap_nodes) {
        size_t cap = v->cap_nodes ? v->cap_nodes * 2 : 64;
        rr_graph_view_node_t *p = realloc(v->nodes, cap * sizeof *p);
        if (!p) return -1;
        v->nodes = p;
        v->cap_nodes = cap;
    }
    rr_graph_view_node_t *n = &v->nodes[v->n_nodes];
    memset(n, 0, sizeof *n);
    n->id = id, n->id_len = len, n->entity = entity, n->implicit = true;
    v->slots[h] = (uint32_t)v->n_nodes + 1;
    *added = true;
    return (long)v->n_nodes++;
}

static bool bool_at(const rr_cell_t *c, int64_t i) {
    const struct ArrowArray *a = c->arr;
    if (i < 0 || i >= c->len || strcmp(c->type->format, "b") || a->n_buffers < 2 || !a->buffers[1]) return true;
    return rr_arrow_bit_get(a->buffers[1], a->offset + c->start + i);
}

static rr_status_t read_nodes(rr_graph_view_t *v, size_t entity, const rr_store_row_t *rows, const bool *found,
                              rr_error_t *err) {
    rr_cell_t ids, pos = {0}, colors = {0}, labels = {0}, show = {0}, radii = {0};
    if (!rr_cell_of(&rows[0], &ids)) return RR_OK;
    const uint8_t *xy = NULL;
    if (found[1] && rr_cell_of(&rows[1], &pos) && pos.len > 0) xy = rr_cell_fsl(&pos, 2, "f");
    bool has_colors = found[2] && rr_cell_of(&rows[2], &colors) && colors.len > 0;
    bool has_labels = found[3] && rr_cell_of(&rows[3], &labels) && labels.len > 0;
    bool show_labels = !(found[4] && rr_cell_of(&rows[4], &show) && show.len > 0) || bool_at(&show, 0);
    bool has_radii = found[5] && rr_cell_of(&rows[5], &radii) && radii.len > 0;
    for (int64_t i = 0; i < ids.len; i++) {
        const uint8_t *p;
        size_t len;
        if (!rr_cell_bytes(&ids, i, true, &p, &len)) continue;
        bool added;
        long k = node_at(v, entity, (const char *)p, len, &added);
        if (k < 0) return rr_error_set(err, RR_ERR_NOMEM, "graph view: out of memory");
        rr_graph_view_node_t *n = &v->nodes[k];
        n->implicit = false;
        if (xy && i < pos.len) {
            float f[2];
            memcpy(f, xy + (size_t)i * 8, 8);
            if (isfinite(f[0]) && isfinite(f[1])) n->x = f[0], n->y = f[1], n->fixed = true;
        }
        double d;
        if (has_colors && rr_cell_scalar(&colors, "I", i < colors.len ? i : colors.len - 1, &d))
            n->has_color = true, n->color = (uint32_t)d;
        if (has_radii && rr_cell_scalar(&radii, "f", i < radii.len ? i : radii.len - 1, &d) && d > 0)
            n->radius = (float)d;
        if (has_labels && show_labels && i < labels.len && rr_cell_bytes(&labels, i, true, &p, &len))
            n->label = (const char *)p, n->label_len = len;
    }
    return RR_OK;
}

static rr_status_t read_edges(rr_graph_view_t *v, size_t entity, const rr_store_row_t *rows, const bool *found,
                              rr_error_t *err) {
    rr_cell_t e, gt;
    if (!rr_cell_of(&rows[0], &e)) return RR_OK;
    double type = 1;
    if (found[1] && rr_cell_of(&rows[1], &gt)) rr_cell_scalar(&gt, "C", 0, &type);
    if (strcmp(e.type->format, "+s")) {
        warn(v, "%s: GraphEdges:edges: not pairs of node ids", rr_store_entity(v->scope.store, entity)->str);
        return RR_OK;
    }
    for (int64_t i = 0; i < e.len; i++) {
        const char *a, *b;
        size_t al, bl;
        if (!rr_cell_struct_text(e.type, e.arr, e.start + i, "first", &a, &al) ||
            !rr_cell_struct_text(e.type, e.arr, e.start + i, "second", &b, &bl))
            continue;
        bool added;
        long ia = node_at(v, entity, a, al, &added), ib = ia < 0 ? -1 : node_at(v, entity, b, bl, &added);
        if (ia < 0 || ib < 0) return rr_error_set(err, RR_ERR_NOMEM, "graph view: out of memory");
        if (v->n_edges == v->cap_edges) {
            size_t cap = v->cap_edges ? v->cap_edges * 2 : 64;
            rr_graph_view_edge_t *p = realloc(v->edges, cap * sizeof *p);
            if (!p) return rr_error_set(err, RR_ERR_NOMEM, "graph view: out of memory");
            v->edges = p;
            v->cap_edges = cap;
        }
        v->edges[v->n_edges++] = (rr_graph_view_edge_t){(uint32_t)ia, (uint32_t)ib, type == 2};
    }
    return RR_OK;
}

/* What decides the layout: every node's entity, id and fixed position, and
 * the edges. */
static uint64_t graph_key(const rr_graph_view_t *v) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < v->n_nodes; i++) {
        const rr_graph_view_node_t *n = &v->nodes[i];
        h = hash_bytes(h, &n->entity, sizeof n->entity);
        h = hash_bytes(h, n->id, n->id_len);
        h = hash_bytes(h, &n->fixed, sizeof n->fixed);
        if (n->fixed) h = hash_bytes(hash_bytes(h, &n->x, 4), &n->y, 4);
    }
    for (size_t e = 0; e < v->n_edges; e++) {
        uint32_t w[3] = {v->edges[e].from, v->edges[e].to, v->edges[e].directed};
        h = hash_bytes(h, w, sizeof w);
    }
    return h;
}

/* Fruchterman-Reingold with a pull to the centre: repulsion k^2/d between
 * every pair, attraction d^2/k along edges, steps capped by a temperature
 * that cools to nothing; fixed nodes stay. Starts from a golden-angle
 * spiral around the fixed nodes' centre. */
static void layout(rr_graph_view_t *v) {
    size_t n = v->n_nodes;
    const float k = 60.0f;
    float cx = 0, cy = 0;
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        if (v->nodes[i].fixed) cx += v->nodes[i].x, cy += v->nodes[i].y, nf++;
    if (nf) cx /= (float)nf, cy /= (float)nf;
    for (size_t i = 0; i < n; i++) {
        rr_graph_view_node_t *a = &v->nodes[i];
        if (a->fixed) continue;
        float r = k * sqrtf((float)i + 0.5f), ang = (float)i * 2.39996323f;
        a->x = cx + r * cosf(ang), a->y = cy + r * sinf(ang);
    }
    if (nf == n) return;
    float *d = calloc(2 * n, sizeof *d);
    if (!d) return;
    int iters = n <= 500 ? 300 : n <= 2000 ? 60 : 0;
    float temp = k * 2;
    for (int it = 0; it < iters; it++, temp *= 0.985f) {
        memset(d, 0, 2 * n * sizeof *d);
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                float dx = v->nodes[i].x - v->nodes[j].x, dy = v->nodes[i].y - v->nodes[j].y;
                float d2 = dx * dx + dy * dy;
                if (d2 < 1e-4f) dx = 0.01f * (float)(i + 1), dy = 0.01f * (float)(j + 1), d2 = dx * dx + dy * dy;
                float f = k * k / d2; /* k^2 / dist, along the unit vector */
                d[2 * i] += dx * f, d[2 * i + 1] += dy * f;
                d[2 * j] -= dx * f, d[2 * j + 1] -= dy * f;
            }
        for (size_t e = 0; e < v->n_edges; e++) {
            size_t a = v->edges[e].from, b = v->edges[e].to;
            if (a == b) continue;
            float dx = v->nodes[a].x - v->nodes[b].x, dy = v->nodes[a].y - v->nodes[b].y;
            float dist = sqrtf(dx * dx + dy * dy), f = dist / k; /* dist^2 / k along the unit vector */
            d[2 * a] -= dx * f, d[2 * a + 1] -= dy * f;
            d[2 * b] += dx * f, d[2 * b + 1] += dy * f;
        }
        for (size_t i = 0; i < n; i++) {
            rr_graph_view_node_t *a = &v->nodes[i];
            if (a->fixed) continue;
            float dx = d[2 * i] - 0.02f * (a->x - cx), dy = d[2 * i + 1] - 0.02f * (a->y - cy);
            float len = sqrtf(dx * dx + dy * dy);
            if (len > temp) dx *= temp / len, dy *= temp / len;
            if (isfinite(dx) && isfinite(dy)) a->x += dx, a->y += dy;
        }
    }
    free(d);
}

rr_status_t rr_graph_view_prepare(rr_graph_view_t *v, const char *timeline, int64_t t, rr_error_t *err) {
    v->n_nodes = v->n_edges = 0;
    v->warning[0] = 0;
    if (v->slots) memset(v->slots, 0, v->n_slots * sizeof *v->slots);
    static const char *const node_c[6] = {"GraphNodes:node_ids", "GraphNodes:positions", "GraphNodes:colors",
                                          "GraphNodes:labels",   "GraphNodes:show_labels", "GraphNodes:radii"};
    static const char *const edge_c[2] = {"GraphEdges:edges", "GraphEdges:graph_type"};
    for (size_t i = 0; i < rr_store_num_entities(v->scope.store); i++) {
        const rr_entity_path_t *e = rr_store_entity(v->scope.store, i);
        if (!rr_view_scope_holds(&v->scope, e)) continue;
        rr_store_row_t rows[6];
        bool found[6];
        rr_store_query_latest_at(v->scope.store, e, timeline, t, node_c, 6, rows, found);
        if (found[0]) RR_TRY(read_nodes(v, i, rows, found, err));
        rr_store_query_latest_at(v->scope.store, e, timeline, t, edge_c, 2, rows, found);
        if (found[0]) RR_TRY(read_edges(v, i, rows, found, err));
    }
    uint64_t key = graph_key(v);
    if (key == v->key && v->n_last == v->n_nodes && v->last_xy) {
        for (size_t i = 0; i < v->n_nodes; i++) v->nodes[i].x = v->last_xy[2 * i], v->nodes[i].y = v->last_xy[2 * i + 1];
        return RR_OK;
    }
    layout(v);
    v->layouts++;
    float *xy = realloc(v->last_xy, (v->n_nodes ? v->n_nodes : 1) * 2 * sizeof *xy);
    if (!xy) return rr_error_set(err, RR_ERR_NOMEM, "graph view: out of memory");
    v->last_xy = xy;
    for (size_t i = 0; i < v->n_nodes; i++) xy[2 * i] = v->nodes[i].x, xy[2 * i + 1] = v->nodes[i].y;
    v->n_last = v->n_nodes;
    v->key = key;
    return RR_OK;
}

size_t rr_graph_view_num_nodes(const rr_graph_view_t *v) { return v->n_nodes; }
const rr_graph_view_node_t *rr_graph_view_node(const rr_graph_view_t *v, size_t i) {
    return i < v->n_nodes ? &v->nodes[i] : NULL;
}
size_t rr_graph_view_num_edges(const rr_graph_view_t *v) { return v->n_edges; }
const rr_graph_view_edge_t *rr_graph_view_edge(const rr_graph_view_t *v, size_t i) {
    return i < v->n_edges ? &v->edges[i] : NULL;
}
uint64_t rr_graph_view_layouts(const rr_graph_view_t *v) { return v->layouts; }
const char *rr_graph_view_warning(const rr_graph_view_t *v) { return v->warning[0] ? v->warning : NULL; }
