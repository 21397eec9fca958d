/* The graph view's data, as Rerun's GraphView (re_view_graph): the nodes
 * (GraphNodes) and edges (GraphEdges) of the view's entities at a time,
 * laid out. Node ids are scoped by entity, as in Rerun; an edge naming a
 * node its entity did not log adds that node (implicit, drawn as a dot).
 * Nodes with a logged position stay there; the others are placed by a
 * force simulation (repulsion between nodes, springs along edges, a pull
 * to the centre) that starts from a fixed spiral, so the same graph always
 * gets the same layout; it runs again only when the graph changes. Texts
 * are borrowed from the store's chunks: valid until the next prepare.
 * Positions are in the view's units, y pointing down as on screen. */
#ifndef RR_VIEWER_VIEWS_GRAPH_H
#define RR_VIEWER_VIEWS_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "model/entity_path.h"
#include "store/store.h"

typedef struct rr_graph_view rr_graph_view_t;

typedef struct rr_graph_view_node {
    const char *id, *label; /* label NULL: none, or labels hidden */
    size_t id_len, label_len;
    size_t entity;          /* the store entity it belongs to */
    float x, y;
    float radius;           /* > 0: logged, in view units; else Rerun's 4 points */
    bool fixed;             /* its position was logged */
    bool implicit;          /* named by an edge only */
    bool has_color;
    uint32_t color;         /* 0xRRGGBBAA */
} rr_graph_view_node_t;

typedef struct rr_graph_view_edge {
    uint32_t from, to; /* node indices */
    bool directed;
} rr_graph_view_edge_t;

rr_status_t rr_graph_view_new(rr_store_t *store, const rr_entity_path_t *origin, bool subtree,
                              rr_graph_view_t **out, rr_error_t *err);
void rr_graph_view_free(rr_graph_view_t *v); /* NULL-safe */
/* The graph at time t on timeline (NULL: static only). */
rr_status_t rr_graph_view_prepare(rr_graph_view_t *v, const char *timeline, int64_t t, rr_error_t *err);
size_t rr_graph_view_num_nodes(const rr_graph_view_t *v);
const rr_graph_view_node_t *rr_graph_view_node(const rr_graph_view_t *v, size_t i);
size_t rr_graph_view_num_edges(const rr_graph_view_t *v);
const rr_graph_view_edge_t *rr_graph_view_edge(const rr_graph_view_t *v, size_t i);
/* How many times the layout ran (it runs only when the graph changed). */
uint64_t rr_graph_view_layouts(const rr_graph_view_t *v);
/* A warning about the data (the first of the last prepare), or NULL. */
const char *rr_graph_view_warning(const rr_graph_view_t *v);

#endif
