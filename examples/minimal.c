/* The smallest complete program: a 10x10x10 grid of coloured points logged
 * once at "my_points" (Rerun's cpp/minimal example).
 *
 *   minimal [--save PATH | --stdout] [--recording-id ID]
 */
#include "example_util.h"

#define N 10

int main(int argc, char **argv) {
    rr_recording_stream_t *rec = example_start("minimal", argc, argv, NULL);

    rr_position3d_t positions[N * N * N];
    rr_color_t colors[N * N * N];
    for (int x = 0, i = 0; x < N; x++)
        for (int y = 0; y < N; y++)
            for (int z = 0; z < N; z++, i++) {
                positions[i][0] = -10.0f + 20.0f * (float)x / (N - 1);
                positions[i][1] = -10.0f + 20.0f * (float)y / (N - 1);
                positions[i][2] = -10.0f + 20.0f * (float)z / (N - 1);
                /* Colours are 0xRRGGBBAA. */
                colors[i] = (uint32_t)(255 * x / (N - 1)) << 24 | (uint32_t)(255 * y / (N - 1)) << 16 |
                            (uint32_t)(255 * z / (N - 1)) << 8 | 0xff;
            }
    const rr_radius_t radius = 0.5f;

    rr_error_t err = {0};
    rr_archetype_t *points = NULL;
    bool failed = rr_points3d_new(&points, positions, N * N * N, RR_BORROW, &err) ||
                  rr_points3d_set_colors(points, colors, N * N * N, RR_BORROW, &err) ||
                  rr_points3d_set_radii(points, &radius, 1, RR_BORROW, &err) ||
                  rr_log(rec, "my_points", points, &err);
    rr_archetype_free(points);
    return example_finish(rec, failed ? &err : NULL);
}
