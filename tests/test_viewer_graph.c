/* Tests of the graph view's data (views/graph.h): nodes keep their logged
 * positions, colours, radii and labels (labels hidden by show_labels
 * false); an edge naming an unlogged node adds it (implicit); node ids are
 * scoped by entity; the graph type makes edges directed; nodes without
 * positions are laid out apart from each other, edge ends closer than
 * strangers, the same way every time, and again only when the graph
 * changes; the default blueprint gives one Graph view per graph entity,
 * and one Map view at the root for geospatial data. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/blueprint.h"
#include "viewer/views/graph.h"
#include "rerun.h" /* after the internal headers (it skips what they define) */
#include "rerun_archetypes.h"
#include "testutil.h"
#include "viewer_scene.h"

static rr_archetype_t *nodes(const rr_graph_node_t *ids, size_t n, const rr_position2d_t *pos) {
    rr_archetype_t *a = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_graph_nodes_new(&a, ids, n, RR_COPY, &err), &err);
    if (pos) assert_rr_ok(rr_graph_nodes_set_positions(a, pos, n, RR_COPY, &err), &err);
    return a;
}

static rr_archetype_t *edges(const rr_graph_edge_t *e, size_t n, bool directed) {
    rr_archetype_t *a = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_graph_edges_new(&a, e, n, RR_COPY, &err), &err);
    if (directed) assert_rr_ok(rr_graph_edges_set_graph_type(a, RR_GRAPH_TYPE_DIRECTED, RR_COPY, &err), &err);
    return a;
}

static const rr_graph_view_node_t *find(const rr_graph_view_t *v, const char *id) {
    for (size_t i = 0; i < rr_graph_view_num_nodes(v); i++) {
        const rr_graph_view_node_t *n = rr_graph_view_node(v, i);
        if (n->id_len == strlen(id) && !memcmp(n->id, id, n->id_len)) return n;
    }
    return NULL;
}

static float dist(const rr_graph_view_node_t *a, const rr_graph_view_node_t *b) {
    return hypotf(a->x - b->x, a->y - b->y);
}

static void test_nodes_and_edges(void **state) {
    (void)state;
    rr_error_t err = {0};
    const rr_graph_node_t ids[3] = {"a", "b", "c"};
    const rr_position2d_t pos[3] = {{0, 100}, {-100, 0}, {100, 0}};
    const rr_graph_edge_t e[3] = {{"a", "b"}, {"b", "c"}, {"c", "ghost"}};
    scene_t s;
    scene_begin(&s);
    rr_archetype_t *a = nodes(ids, 3, pos);
    const rr_color_t red = 0xff0000ffu;
    const rr_text_t labels[3] = {"A", "B", "C"};
    const rr_radius_t radius = 7;
    assert_rr_ok(rr_graph_nodes_set_colors(a, &red, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_graph_nodes_set_labels(a, labels, 3, RR_COPY, &err), &err);
    assert_rr_ok(rr_graph_nodes_set_radii(a, &radius, 1, RR_COPY, &err), &err);
    log_static(&s, "g", a);
    log_static(&s, "g", edges(e, 3, true));
    rr_store_t *store = scene_end(&s);
    rr_entity_path_t g;
    assert_rr_ok(rr_entity_path_parse("g", 1, &g, &err), &err);
    rr_graph_view_t *v = NULL;
    assert_rr_ok(rr_graph_view_new(store, &g, false, &v, &err), &err);
    assert_rr_ok(rr_graph_view_prepare(v, NULL, 0, &err), &err);
    assert_null(rr_graph_view_warning(v));
    assert_int_equal(rr_graph_view_num_nodes(v), 4);
    assert_int_equal(rr_graph_view_num_edges(v), 3);
    const rr_graph_view_node_t *na = find(v, "a"), *ghost = find(v, "ghost");
    assert_non_null(na);
    assert_true(na->fixed && na->x == 0 && na->y == 100);
    assert_true(na->has_color && na->color == 0xff0000ffu);
    assert_true(na->radius == 7);
    assert_int_equal(na->label_len, 1);
    assert_memory_equal(na->label, "A", 1);
    assert_false(na->implicit);
    assert_non_null(ghost);
    assert_true(ghost->implicit && !ghost->fixed);
    for (size_t i = 0; i < 3; i++) assert_true(rr_graph_view_edge(v, i)->directed);
    rr_graph_view_free(v);
    scene_free(&s);

    /* The same nodes with show_labels false: no labels. */
    scene_begin(&s);
    a = nodes(ids, 3, pos);
    assert_rr_ok(rr_graph_nodes_set_labels(a, labels, 3, RR_COPY, &err), &err);
    assert_rr_ok(rr_graph_nodes_set_show_labels(a, false, RR_COPY, &err), &err);
    log_static(&s, "g", a);
    store = scene_end(&s);
    assert_rr_ok(rr_graph_view_new(store, &g, false, &v, &err), &err);
    assert_rr_ok(rr_graph_view_prepare(v, NULL, 0, &err), &err);
    assert_int_equal(rr_graph_view_num_nodes(v), 3);
    for (size_t i = 0; i < 3; i++) assert_null(rr_graph_view_node(v, i)->label);
    rr_graph_view_free(v);
    rr_entity_path_free(&g);
    scene_free(&s);
}

static void test_layout(void **state) {
    (void)state;
    rr_error_t err = {0};
    /* A path a-b-c-d and a lone e: no positions anywhere. */
    const rr_graph_node_t ids[5] = {"a", "b", "c", "d", "e"};
    const rr_graph_edge_t e[3] = {{"a", "b"}, {"b", "c"}, {"c", "d"}};
    float first[10];
    for (int run = 0; run < 2; run++) {
        scene_t s;
        scene_begin(&s);
        log_at(&s, "g", 1, nodes(ids, 5, NULL));
        log_at(&s, "g", 1, edges(e, 3, false));
        /* Another entity with a node "a" of its own. */
        log_at(&s, "h", 1, nodes(ids, 1, NULL));
        rr_store_t *store = scene_end(&s);
        rr_graph_view_t *v = NULL;
        assert_rr_ok(rr_graph_view_new(store, NULL, true, &v, &err), &err);
        assert_rr_ok(rr_graph_view_prepare(v, "frame", 1, &err), &err);
        assert_int_equal(rr_graph_view_num_nodes(v), 6); /* g's five, h's a */
        assert_false(rr_graph_view_edge(v, 0)->directed);
        const rr_graph_view_node_t *n[5];
        for (int i = 0; i < 5; i++) n[i] = rr_graph_view_node(v, (size_t)i);
        /* Apart from each other; neighbours nearer than the path's ends. */
        for (size_t i = 0; i < rr_graph_view_num_nodes(v); i++)
            for (size_t j = i + 1; j < rr_graph_view_num_nodes(v); j++)
                assert_true(dist(rr_graph_view_node(v, i), rr_graph_view_node(v, j)) > 5);
        assert_true(dist(n[0], n[1]) < dist(n[0], n[3]));
        assert_true(dist(n[1], n[2]) < dist(n[0], n[3]));
        for (int i = 0; i < 5; i++) {
            if (run == 0) first[2 * i] = n[i]->x, first[2 * i + 1] = n[i]->y;
            else assert_true(first[2 * i] == n[i]->x && first[2 * i + 1] == n[i]->y); /* deterministic */
        }
        /* The same graph again: no new layout; before its time: nothing. */
        uint64_t layouts = rr_graph_view_layouts(v);
        assert_rr_ok(rr_graph_view_prepare(v, "frame", 1, &err), &err);
        assert_int_equal(rr_graph_view_layouts(v), layouts);
        assert_rr_ok(rr_graph_view_prepare(v, "frame", 0, &err), &err);
        assert_int_equal(rr_graph_view_num_nodes(v), 0);
        rr_graph_view_free(v);
        scene_free(&s);
    }
}

static void test_blueprint(void **state) {
    (void)state;
    const rr_graph_node_t ids[1] = {"x"};
    const rr_graph_edge_t e[1] = {{"x", "y"}};
    scene_t s;
    scene_begin(&s);
    log_static(&s, "nodes_only", nodes(ids, 1, NULL));
    log_static(&s, "edges_only", edges(e, 1, false));
    rr_store_t *store = scene_end(&s);
    rr_blueprint_t bp;
    rr_error_t err = {0};
    assert_rr_ok(rr_blueprint_default(store, &bp, &err), &err);
    size_t found = 0;
    for (size_t i = 0; i < bp.n_views; i++)
        if (bp.views[i].cls == RR_VIEW_GRAPH) found++;
    assert_int_equal(found, 2);
    assert_string_equal(rr_view_class_name(RR_VIEW_GRAPH), "Graph");
    rr_blueprint_free(&bp);
    scene_free(&s);
}

/* GeoPoints and GeoLineStrings anywhere: one Map view at the root. */
static void test_map_blueprint(void **state) {
    (void)state;
    rr_error_t err = {0};
    const rr_lat_lon_t where[1] = {{59.3, 18.1}};
    scene_t s;
    scene_begin(&s);
    for (int k = 0; k < 2; k++) {
        rr_archetype_t *a = NULL;
        assert_rr_ok(rr_geo_points_new(&a, where, 1, RR_COPY, &err), &err);
        log_static(&s, k ? "fleet/b" : "fleet/a", a);
    }
    rr_store_t *store = scene_end(&s);
    rr_blueprint_t bp;
    assert_rr_ok(rr_blueprint_default(store, &bp, &err), &err);
    size_t found = 0;
    for (size_t i = 0; i < bp.n_views; i++) {
        if (bp.views[i].cls != RR_VIEW_MAP) continue;
        found++;
        assert_true(rr_entity_path_is_root(&bp.views[i].origin));
        assert_int_equal(bp.views[i].n_entities, 2);
    }
    assert_int_equal(found, 1);
    assert_string_equal(rr_view_class_name(RR_VIEW_MAP), "Map");
    rr_blueprint_free(&bp);
    scene_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nodes_and_edges),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_blueprint),
        cmocka_unit_test(test_map_blueprint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
