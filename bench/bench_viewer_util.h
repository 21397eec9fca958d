/* The physical baseline of the viewer benchmarks: a frame that only clears,
 * resolves and reads back the same target, timed in the same run. */
#ifndef RR_BENCH_VIEWER_UTIL_H
#define RR_BENCH_VIEWER_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "bench_util.h"
#include "viewer/gfx/math.h"
#include "viewer/gfx/renderer.h"

/* Median seconds of `frames` such frames (times: room for frames values;
 * px: w*h*4 bytes); prints it as the baseline line. */
static inline double bench_viewer_baseline(const char *prog, rr_gfx_renderer_t *r,
                                           rr_gfx_target_t *t, uint8_t *px, double *times,
                                           int frames) {
    rr_error_t err = {0};
    rr_mat4_t id = rr_mat4_identity();
    const float bg[4] = {0.05f, 0.05f, 0.06f, 1};
    for (int f = 0; f < frames; f++) {
        double t0 = bench_now_s();
        rr_gfx_begin(r, t, &id, &id, bg);
        if (rr_gfx_end(r, &err) != RR_OK) bench_die(prog, "clear frame", &err);
        if (rr_gfx_target_read_rgba(t, px, &err) != RR_OK) bench_die(prog, "read back", &err);
        times[f] = bench_now_s() - t0;
    }
    double base = bench_median(times, frames);
    printf("%-34s %9.2f ms\n", "clear + read back (baseline)", base * 1e3);
    return base;
}

#endif
