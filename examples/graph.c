/* Graph: three nodes with positions and labels and a directed cycle of
 * edges between them, both at "simple" (Rerun's graph_directed snippet).
 *
 *   graph [--save PATH | --stdout] [--recording-id ID]
 */
#include "example_util.h"

int main(int argc, char **argv) {
    rr_recording_stream_t *rec = example_start("graph", argc, argv, NULL);
    const rr_graph_node_t nodes[3] = {"a", "b", "c"};
    const rr_position2d_t positions[3] = {{0, 100}, {-100, 0}, {100, 0}};
    const rr_text_t labels[3] = {"A", "B", "C"};
    const rr_graph_edge_t edges[3] = {{"a", "b"}, {"b", "c"}, {"c", "a"}};

    rr_error_t err = {0};
    rr_archetype_t *node_set = NULL, *edge_set = NULL;
    bool failed = rr_graph_nodes_new(&node_set, nodes, 3, RR_BORROW, &err) ||
                  rr_graph_nodes_set_positions(node_set, positions, 3, RR_BORROW, &err) ||
                  rr_graph_nodes_set_labels(node_set, labels, 3, RR_BORROW, &err) ||
                  rr_log(rec, "simple", node_set, &err) ||
                  rr_graph_edges_new(&edge_set, edges, 3, RR_BORROW, &err) ||
                  /* Graphs are undirected unless told. */
                  rr_graph_edges_set_graph_type(edge_set, RR_GRAPH_TYPE_DIRECTED, RR_COPY, &err) ||
                  rr_log(rec, "simple", edge_set, &err);
    rr_archetype_free(node_set);
    rr_archetype_free(edge_set);
    return example_finish(rec, failed ? &err : NULL);
}
