/* Mesh3D: a tetrahedron of four coloured vertices and four triangles
 * (indexed), logged at "tetrahedron"; the viewer blends the vertex colours
 * across each face.
 *
 *   mesh [--save PATH | --stdout] [--recording-id ID]
 */
#include "example_util.h"

int main(int argc, char **argv) {
    rr_recording_stream_t *rec = example_start("mesh", argc, argv, NULL);
    const rr_position3d_t vertices[4] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    const rr_color_t colors[4] = {0xff0000ff, 0x00ff00ff, 0x0000ffff, 0xffff00ff};
    /* Counter-clockwise seen from outside. */
    const rr_triangle_indices_t triangles[4] = {{0, 2, 1}, {0, 1, 3}, {0, 3, 2}, {1, 2, 3}};

    rr_error_t err = {0};
    rr_archetype_t *mesh = NULL;
    bool failed = rr_mesh3d_new(&mesh, vertices, 4, RR_BORROW, &err) ||
                  rr_mesh3d_set_triangle_indices(mesh, triangles, 4, RR_BORROW, &err) ||
                  rr_mesh3d_set_vertex_colors(mesh, colors, 4, RR_BORROW, &err) ||
                  rr_log(rec, "tetrahedron", mesh, &err);
    rr_archetype_free(mesh);
    return example_finish(rec, failed ? &err : NULL);
}
