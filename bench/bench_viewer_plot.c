/* Headless frame time of the Time series view plotting 1 million scalars
 * (one entity, chunks of 4096 rows as the store's compaction leaves them),
 * on whatever GL the EGL context gives (llvmpipe without a GPU; its name is
 * printed). A frame is prepare + draw + resolve + read back of the picture.
 * The physical baseline, measured in the same run on the same target, is a
 * frame that only clears and reads back (as bench_viewer_points). Cold: the
 * first frame of a new view (every chunk decimated); warm: an unchanged
 * frame, pans of 7 pixels, and zooms of 5 % a frame (a new decimation grid
 * about every fourth frame, the visible chunks only). Medians over frames.
 *
 *   bench_viewer_plot [--size WxH] [--samples N] [--frames N] [--points N]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/builder.h"
#include "arrow/schema.h"
#include "bench_util.h"
#include "bench_viewer_util.h"
#include "store/store.h"
#include "viewer/gfx/context.h"
#include "viewer/gfx/renderer.h"
#include "viewer/views/timeseries.h"

#define PROG "bench_viewer_plot"
#define ROWS_PER_CHUNK 4096

static void check(rr_status_t st, const char *what, const rr_error_t *err) {
    if (st != RR_OK) bench_die(PROG, what, err);
}

/* A chunk of n rows at times t0.. on `step`, one noisy sine value each. */
static rr_chunk_t *scalar_chunk(const rr_entity_path_t *p, int64_t t0, int64_t n) {
    rr_error_t err = {0};
    rr_chunk_t *c = NULL;
    check(rr_chunk_new(rr_tuid_new(), p, n, NULL, &c, &err), "chunk", &err);
    int64_t *t = malloc((size_t)n * sizeof *t);
    if (!t) bench_die(PROG, "out of memory", NULL);
    for (int64_t i = 0; i < n; i++) t[i] = t0 + i;
    check(rr_chunk_add_index(c, "step", RR_TIME_SEQUENCE, t, &err), "index", &err);
    free(t);
    struct ArrowSchema type;
    check(rr_arrow_schema_init(&type, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), "schema", &err);
    check(rr_arrow_schema_init(type.children[0], "g", "item", ARROW_FLAG_NULLABLE, 0, &err), "schema", &err);
    rr_arrow_builder_t *b = NULL;
    check(rr_arrow_builder_new(&type, &b, &err), "builder", &err);
    rr_arrow_builder_t *items = rr_arrow_builder_child(b, 0);
    uint32_t s = (uint32_t)t0 * 2654435761u + 1;
    for (int64_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        double v = sin((double)(t0 + i) * 1e-4) + ((double)(s >> 8) / 16777216.0 - 0.5) * 0.2;
        check(rr_arrow_builder_append_double(items, v, &err), "value", &err);
        check(rr_arrow_builder_finish_element(b, &err), "row", &err);
    }
    struct ArrowArray a;
    check(rr_arrow_builder_finish(b, &a, &err), "finish", &err);
    rr_arrow_builder_free(b);
    rr_component_descriptor_t d;
    check(rr_component_descriptor_init(&d, "rerun.archetypes.Scalars", "Scalars:scalars", "rerun.components.Scalar",
                                       &err),
          "descriptor", &err);
    check(rr_chunk_add_component(c, &d, &type, &a, &err), "component", &err);
    rr_component_descriptor_free(&d);
    rr_arrow_schema_release(&type);
    return c;
}

static double frame(rr_timeseries_t *v, rr_gfx_target_t *t, uint8_t *px) {
    rr_error_t err = {0};
    double t0 = bench_now_s();
    check(rr_timeseries_prepare(v, "step", 0, &err), "prepare", &err);
    check(rr_timeseries_draw(v, t, &err), "draw", &err);
    check(rr_gfx_target_read_rgba(t, px, &err), "read back", &err);
    return bench_now_s() - t0;
}

int main(int argc, char **argv) {
    int w = 1280, h = 720, samples = 4, frames = 15;
    int64_t n = 1000000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--size")) sscanf(argv[i + 1], "%dx%d", &w, &h);
        else if (!strcmp(argv[i], "--samples")) samples = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--frames")) frames = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--points")) n = atoll(argv[i + 1]);
    }
    if (frames < 1 || frames > 1000 || w < 1 || h < 1 || n < 1) bench_die(PROG, "bad arguments", NULL);
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
    printf("%s: renderer %s (%s), %dx%d, %d MSAA samples, %lld points, median of %d frames\n", PROG,
           rr_gfx_renderer_name(r), rr_gfx_renderer_gl_version(r), w, h, rr_gfx_target_samples(t), (long long)n,
           frames);
    uint8_t *px = malloc((size_t)w * h * 4);
    double *times = malloc((size_t)frames * sizeof *times);
    if (!px || !times) bench_die(PROG, "out of memory", NULL);

    double base = bench_viewer_baseline(PROG, r, t, px, times, frames);

    rr_store_id_t sid = {RR_STORE_KIND_RECORDING, NULL, NULL};
    rr_store_t *store = NULL;
    check(rr_store_new(&sid, NULL, &store, &err), "store", &err);
    rr_entity_path_t path;
    check(rr_entity_path_parse("signal", 6, &path, &err), "path", &err);
    for (int64_t a = 0; a < n; a += ROWS_PER_CHUNK)
        check(rr_store_insert_chunk(store, scalar_chunk(&path, a, a + ROWS_PER_CHUNK <= n ? ROWS_PER_CHUNK : n - a), &err),
              "insert", &err);

    /* Cold: a new view each time. */
    int cold_n = frames < 5 ? frames : 5;
    rr_timeseries_t *v = NULL;
    for (int f = 0; f < cold_n; f++) {
        rr_timeseries_free(v);
        v = NULL;
        check(rr_timeseries_new(r, store, &path, false, &v, &err), "view", &err);
        times[f] = frame(v, t, px);
    }
    double cold = bench_median(times, cold_n);
    rr_ts_stats_t st;
    rr_timeseries_stats(v, &st);
    size_t verts = rr_timeseries_series(v, 0)->vertices;
    printf("%-34s %9.2f ms  ratio %6.1fx clear+readback  (%llu points decimated, %zu segments drawn)\n",
           "cold first frame", cold * 1e3, cold / base, (unsigned long long)st.points_decimated, verts);

    for (int f = 0; f < frames; f++) times[f] = frame(v, t, px);
    double same = bench_median(times, frames);
    printf("%-34s %9.2f ms  ratio %6.1fx clear+readback\n", "warm unchanged frame", same * 1e3, same / base);

    for (int f = 0; f < frames; f++) {
        rr_timeseries_pan(v, w, h, 7.0f, 3.0f);
        times[f] = frame(v, t, px);
    }
    double pan = bench_median(times, frames);
    printf("%-34s %9.2f ms  ratio %6.1fx clear+readback\n", "warm pan frame", pan * 1e3, pan / base);

    rr_ts_stats_t z0, z1;
    rr_timeseries_stats(v, &z0);
    for (int f = 0; f < frames; f++) {
        rr_timeseries_zoom(v, w, h, 1.05, 1.0, (float)w * 0.5f, (float)h * 0.5f);
        times[f] = frame(v, t, px);
    }
    rr_timeseries_stats(v, &z1);
    double zoom = bench_median(times, frames);
    printf("%-34s %9.2f ms  ratio %6.1fx clear+readback  (%llu chunk re-reads over %d frames)\n", "warm zoom frame",
           zoom * 1e3, zoom / base, (unsigned long long)(z1.chunks_decimated - z0.chunks_decimated), frames);

    rr_timeseries_free(v);
    rr_entity_path_free(&path);
    rr_store_free(store);
    free(px);
    free(times);
    rr_gfx_target_free(t);
    rr_gfx_renderer_free(r);
    rr_gfx_context_free(ctx);
    return 0;
}
