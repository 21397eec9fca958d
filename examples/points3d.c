/* Points3D: ten random points with random colours and radii at "random"
 * (Rerun's points3d_random snippet), then the same cloud drifting over the
 * `frame` timeline at "drifting" with per-point labels.
 *
 *   points3d [--save PATH | --stdout] [--recording-id ID]
 */
#include "example_util.h"

#define N 10
#define FRAMES 30

/* A small deterministic generator so every run logs the same data. */
static uint32_t rng_state = 12345;
static float uniform(float lo, float hi) {
    rng_state = rng_state * 1664525u + 1013904223u;
    return lo + (hi - lo) * (float)(rng_state >> 8) / 16777216.0f;
}

int main(int argc, char **argv) {
    rr_recording_stream_t *rec = example_start("points3d", argc, argv, NULL);

    rr_position3d_t positions[N];
    rr_color_t colors[N];
    rr_radius_t radii[N];
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < 3; k++) positions[i][k] = uniform(-5.0f, 5.0f);
        colors[i] = (uint32_t)uniform(0, 256) << 24 | (uint32_t)uniform(0, 256) << 16 |
                    (uint32_t)uniform(0, 256) << 8 | 0xff;
        radii[i] = uniform(0.1f, 1.0f);
    }

    rr_error_t err = {0};
    rr_archetype_t *points = NULL;
    bool failed = rr_points3d_new(&points, positions, N, RR_BORROW, &err) ||
                  rr_points3d_set_colors(points, colors, N, RR_BORROW, &err) ||
                  rr_points3d_set_radii(points, radii, N, RR_BORROW, &err) ||
                  rr_log(rec, "random", points, &err);
    rr_archetype_free(points);

    /* The same cloud, moving: one row per frame. */
    const char *labels[N] = {"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"};
    for (int frame = 0; frame < FRAMES && !failed; frame++) {
        for (int i = 0; i < N; i++) positions[i][2] += 0.1f;
        points = NULL;
        failed = example_failed(rr_set_time_sequence(rec, "frame", frame), &err, "rr_set_time_sequence") ||
                 rr_points3d_new(&points, positions, N, RR_BORROW, &err) ||
                 rr_points3d_set_colors(points, colors, N, RR_BORROW, &err) ||
                 rr_points3d_set_labels(points, labels, N, RR_BORROW, &err) ||
                 rr_log(rec, "drifting", points, &err);
        rr_archetype_free(points);
    }
    return example_finish(rec, failed ? &err : NULL);
}
