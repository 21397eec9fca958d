/* Headless frame time of the Spatial 3D view with 1, 4 and 10 million
 * points (one Points3D cell with per-point colours, Rerun's default radius),
 * the camera orbiting a little every frame, on whatever GL the EGL context
 * gives (llvmpipe without a GPU; its name is printed). A frame is the view's
 * query + draw + resolve + read back of the picture; the physical baseline,
 * measured in the same run on the same target, is a frame that only clears
 * and reads back. The upload (building the GPU buffer from the chunk, once)
 * is timed apart. Medians over frames.
 *
 * A pick (rr_spatial3d_pick: what is under a pixel) is timed at 25 pixels
 * spread over the view, beside its physical baseline: one memcpy of the
 * points' positions and radii (what a plain scan over them would read).
 *
 *   bench_viewer_points [--size WxH] [--samples N] [--frames N] [--max-millions M]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arrow/builder.h"
#include "arrow/schema.h"
#include "bench_util.h"
#include "bench_viewer_util.h"
#include "store/store.h"
#include "viewer/gfx/camera.h"
#include "viewer/gfx/context.h"
#include "viewer/gfx/renderer.h"
#include "viewer/views/spatial3d.h"

#define PROG "bench_viewer_points"

static void check(rr_status_t st, const char *what, const rr_error_t *err) {
    if (st != RR_OK) bench_die(PROG, what, err);
}

/* A one-row chunk at frame 0 with n positions in a 10-unit cube and n colours. */
static rr_chunk_t *cloud_chunk(int64_t n) {
    rr_error_t err = {0};
    rr_entity_path_t p;
    check(rr_entity_path_parse("cloud", 5, &p, &err), "entity path", &err);
    rr_chunk_t *c = NULL;
    check(rr_chunk_new(rr_tuid_new(), &p, 1, NULL, &c, &err), "chunk", &err);
    rr_entity_path_free(&p);
    int64_t frame = 0;
    check(rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, &frame, &err), "index", &err);
    float *xyz = malloc((size_t)n * 3 * sizeof *xyz);
    uint32_t *rgba = malloc((size_t)n * sizeof *rgba);
    if (!xyz || !rgba) bench_die(PROG, "out of memory", NULL);
    uint32_t s = 1;
    for (int64_t i = 0; i < n * 3; i++) {
        s = s * 1664525u + 1013904223u;
        xyz[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * 10.0f;
    }
    for (int64_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        rgba[i] = s | 0xffu;
    }
    for (int comp = 0; comp < 2; comp++) {
        struct ArrowSchema type;
        check(rr_arrow_schema_init(&type, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), "schema", &err);
        if (comp == 0) {
            check(rr_arrow_schema_init(type.children[0], "+w:3", "item", ARROW_FLAG_NULLABLE, 1, &err), "schema", &err);
            check(rr_arrow_schema_init(type.children[0]->children[0], "f", "item", ARROW_FLAG_NULLABLE, 0, &err),
                  "schema", &err);
        } else {
            check(rr_arrow_schema_init(type.children[0], "I", "item", ARROW_FLAG_NULLABLE, 0, &err), "schema", &err);
        }
        rr_arrow_builder_t *b = NULL;
        check(rr_arrow_builder_new(&type, &b, &err), "builder", &err);
        rr_arrow_builder_t *items = rr_arrow_builder_child(b, 0);
        if (comp == 0) {
            rr_arrow_builder_t *floats = rr_arrow_builder_child(items, 0);
            for (int64_t i = 0; i < n; i++) {
                check(rr_arrow_builder_append_values(floats, xyz + i * 3, 3, NULL, &err), "values", &err);
                check(rr_arrow_builder_finish_element(items, &err), "fsl", &err);
            }
        } else {
            check(rr_arrow_builder_append_values(items, rgba, n, NULL, &err), "values", &err);
        }
        check(rr_arrow_builder_finish_element(b, &err), "list", &err);
        struct ArrowArray a;
        check(rr_arrow_builder_finish(b, &a, &err), "finish", &err);
        rr_arrow_builder_free(b);
        rr_component_descriptor_t d;
        check(rr_component_descriptor_init(&d, "rerun.archetypes.Points3D",
                                           comp == 0 ? "Points3D:positions" : "Points3D:colors",
                                           comp == 0 ? "rerun.components.Position3D" : "rerun.components.Color", &err),
              "descriptor", &err);
        check(rr_chunk_add_component(c, &d, &type, &a, &err), "component", &err);
        rr_component_descriptor_free(&d);
        rr_arrow_schema_release(&type);
    }
    free(xyz);
    free(rgba);
    return c;
}

int main(int argc, char **argv) {
    int w = 1280, h = 720, samples = 4, frames = 9, max_millions = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--size")) sscanf(argv[i + 1], "%dx%d", &w, &h);
        else if (!strcmp(argv[i], "--samples")) samples = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--frames")) frames = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--max-millions")) max_millions = atoi(argv[i + 1]);
    }
    if (frames < 1 || frames > 1000 || w < 1 || h < 1) bench_die(PROG, "bad arguments", NULL);
    rr_error_t err = {0};
    rr_gfx_context_t *ctx = NULL;
    if (rr_gfx_context_new_headless(&ctx, &err) != RR_OK) {
        printf("%s: skipped: %s\n", PROG, err.msg);
        return 0;
    }
    rr_gfx_renderer_t *r = NULL;
    check(rr_gfx_renderer_new(&r, &err), "renderer", &err);
    rr_gfx_target_t *t = NULL;
    check(rr_gfx_target_new(r, w, h, samples, &t, &err), "target", &err);
    printf("%s: renderer %s (%s), %dx%d, %d MSAA samples, median of %d frames\n", PROG,
           rr_gfx_renderer_name(r), rr_gfx_renderer_gl_version(r), w, h, rr_gfx_target_samples(t), frames);
    uint8_t *px = malloc((size_t)w * h * 4);
    double *times = malloc((size_t)frames * sizeof *times);
    if (!px || !times) bench_die(PROG, "out of memory", NULL);

    double base = bench_viewer_baseline(PROG, r, t, px, times, frames);

    static const int millions[] = {1, 4, 10};
    for (size_t m = 0; m < sizeof millions / sizeof millions[0]; m++) {
        if (millions[m] > max_millions) break;
        int64_t n = (int64_t)millions[m] * 1000000;
        rr_store_id_t sid = {RR_STORE_KIND_RECORDING, NULL, NULL};
        rr_store_t *store = NULL;
        check(rr_store_new(&sid, NULL, &store, &err), "store", &err);
        check(rr_store_insert_chunk(store, cloud_chunk(n), &err), "insert", &err);
        rr_spatial3d_t *view = NULL;
        check(rr_spatial3d_new(r, store, &view, &err), "view", &err);
        double t0 = bench_now_s();
        check(rr_spatial3d_prepare(view, "frame", 0, &err), "prepare", &err);
        rr_gfx_finish(r);
        double upload = bench_now_s() - t0;
        rr_camera_t cam;
        rr_camera_init(&cam);
        rr_aabb_t bounds = rr_spatial3d_bounds(view);
        rr_camera_fit(&cam, &bounds);
        rr_gfx_stats_t s0, s1;
        rr_gfx_renderer_stats(r, &s0);
        struct timespec c0, c1;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        for (int f = 0; f < frames; f++) {
            double f0 = bench_now_s();
            rr_camera_orbit(&cam, 0.05f, 0.0f);
            check(rr_spatial3d_prepare(view, "frame", 0, &err), "prepare", &err);
            check(rr_spatial3d_draw(view, t, &cam, NULL, &err), "draw", &err);
            check(rr_gfx_target_read_rgba(t, px, &err), "read back", &err);
            times[f] = bench_now_s() - f0;
        }
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        double cpu = ((double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) * 1e-9) / frames;
        rr_gfx_renderer_stats(r, &s1);
        if (s1.bytes_uploaded != s0.bytes_uploaded) bench_die(PROG, "frames re-uploaded geometry", NULL);
        double med = bench_median(times, frames);
        enum { PICKS = 25 };
        double pick_times[PICKS];
        int hits = 0;
        for (int k = 0; k < PICKS; k++) {
            float x = (float)w * (0.1f + 0.2f * (float)(k % 5)), y = (float)h * (0.1f + 0.2f * (float)(k / 5));
            rr_pick_t pk;
            double p0 = bench_now_s();
            hits += rr_spatial3d_pick(view, &cam, w, h, x, y, &pk);
            pick_times[k] = bench_now_s() - p0;
        }
        size_t scan_bytes = (size_t)n * 16;
        uint8_t *src = malloc(scan_bytes), *dst = malloc(scan_bytes);
        if (!src || !dst) bench_die(PROG, "out of memory", NULL);
        memset(src, 1, scan_bytes);
        memset(dst, 0, scan_bytes);
        double copy_times[5];
        for (int k = 0; k < 5; k++) {
            double c0 = bench_now_s();
            memcpy(dst, src, scan_bytes);
            copy_times[k] = bench_now_s() - c0;
            src[k] = dst[scan_bytes - 1 - (size_t)k]; /* the copy is used: not optimised away */
        }
        free(src);
        free(dst);
        double pick_med = bench_median(pick_times, PICKS), copy_med = bench_median(copy_times, 5);
        char what[64];
        snprintf(what, sizeof what, "%dM points, frame", millions[m]);
        printf("%-34s %9.2f ms  (%5.1f fps)  ratio %6.1fx clear+readback;  upload once %8.1f ms (%.0f MB)\n", what,
               med * 1e3, 1.0 / med, med / base, upload * 1e3, (double)(s0.bytes_live) / 1e6);
        /* CPU time of every thread (llvmpipe's rasterisers too): steadier than
         * the wall clock on a machine shared with other work. */
        snprintf(what, sizeof what, "%dM points, frame CPU", millions[m]);
        printf("%-34s %9.2f ms  (all threads, mean)\n", what, cpu * 1e3);
        snprintf(what, sizeof what, "%dM points, pick", millions[m]);
        printf("%-34s %9.3f ms  (%d of %d hit)  ratio %6.3fx memcpy of the %.0f MB of positions+radii (%.2f ms)\n",
               what, pick_med * 1e3, hits, PICKS, pick_med / copy_med, (double)scan_bytes / 1e6, copy_med * 1e3);
        rr_spatial3d_free(view);
        rr_store_free(store);
    }
    free(px);
    free(times);
    rr_gfx_target_free(t);
    rr_gfx_renderer_free(r);
    rr_gfx_context_free(ctx);
    return 0;
}
