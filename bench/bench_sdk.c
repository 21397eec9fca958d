/* Benchmark of the C logging SDK: Rerun's own log benchmarks
 * (tests/cpp/log_benchmark, tests/rust/log_benchmark) written against the
 * public API (rerun.h), each logging to a file sink (rr_save) on tmpfs:
 *   (a) points3d_many_individual  1 000 000 rr_log calls of one Points3D
 *       (position, colour, radius), each after rr_set_time_sequence;
 *   (b) points3d_large_batch      one rr_log of 10 000 000 points (positions,
 *       colours, radii, one label);
 *   (c) scalars                   10 entities x 100 000 scalars, one rr_log
 *       of one Scalars each, after rr_set_time_sequence (1 000 000 calls),
 *       with the default compression and again with RR_COMPRESSION_NONE;
 *       (c') the same values sent with one rr_send_columns per entity;
 *   (d) image                     1000 rr_log of a 640x480 RGB image, one
 *       pixel changed each time.
 * The builders borrow the caller's data (RR_BORROW; rr_log copies it), as a
 * user logging from their own buffers would. Every figure is the median of
 * BENCH_REPS runs (default 5) and covers the whole job: stream creation,
 * rr_save, the log calls, rr_flush and closing the file; for (a) and (c)
 * the time until the last log call returns is also given (the batcher
 * thread may still be encoding then). Throughput is given in rows/s and in
 * GB/s of payload (the bytes the program handed to the SDK: 20 per point,
 * 8 per scalar, 921 600 per image), and as a ratio to write(2) of the same
 * number of payload bytes to a new file in the same directory, measured in
 * the same run. The .rrd sizes are printed too (the file sink's default
 * LZ4 compression applies, where it pays).
 * The machine is shared, so the process CPU time (all threads) of each run
 * and of the raw write is given too, with the same ratio: on a busy machine
 * wall time measures the neighbours as much as us.
 * Environment: BENCH_SCALE multiplies every count (e.g. 0.01 for a quick
 * run), BENCH_REPS, BENCH_DIR (default /dev/shm), BENCH_ONLY=a,b,c,d (r: (c)
 * without (c')),
 * BENCH_IMAGE_NOISE=1 (images of noise instead of black ones).
 * Goals (issue 4): (a) <= 300 ns per call, (c) >= 10 million scalars/s,
 * (b) and (d) >= 0.5x raw. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rerun.h"
#include "bench_util.h"

#define PROG "bench_sdk"

static void check(rr_status_t st, const rr_error_t *err, const char *what) {
    if (st != RR_OK) bench_die(PROG, what, err);
}

/* Rerun's benchmarks' generator: a 24-bit linear congruential sequence. */
static int64_t lcg(int64_t *state) {
    *state = (1140671485 * *state + 128201163) % 16777216;
    return *state;
}

/* ---------------- inputs, prepared before timing ---------------- */

typedef struct points_input {
    size_t n;
    rr_position3d_t *positions;
    rr_color_t *colors;
    rr_radius_t *radii;
} points_input_t;

static points_input_t prepare_points(int64_t seed, size_t n) {
    points_input_t in = {.n = n};
    in.positions = malloc(n * sizeof *in.positions);
    in.colors = malloc(n * sizeof *in.colors);
    in.radii = malloc(n * sizeof *in.radii);
    if (!in.positions || !in.colors || !in.radii) bench_die(PROG, "out of memory", NULL);
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) in.positions[i][k] = (float)lcg(&seed);
    for (size_t i = 0; i < n; i++) in.colors[i] = (uint32_t)lcg(&seed);
    for (size_t i = 0; i < n; i++) in.radii[i] = (float)lcg(&seed);
    return in;
}

static void free_points(points_input_t *in) {
    free(in->positions);
    free(in->colors);
    free(in->radii);
}

typedef struct scalars_input {
    size_t n_entities, n_steps;
    char (*paths)[32];
    double *values; /* [entity][step]: a random walk per entity */
    int64_t *steps;
} scalars_input_t;

static scalars_input_t prepare_scalars(size_t n_entities, size_t n_steps) {
    scalars_input_t in = {.n_entities = n_entities, .n_steps = n_steps};
    in.paths = malloc(n_entities * sizeof *in.paths);
    in.values = malloc(n_entities * n_steps * sizeof *in.values);
    in.steps = malloc(n_steps * sizeof *in.steps);
    if (!in.paths || !in.values || !in.steps) bench_die(PROG, "out of memory", NULL);
    int64_t seed = 42;
    for (size_t e = 0; e < n_entities; e++) {
        snprintf(in.paths[e], sizeof in.paths[e], "scalar_%zu", e);
        double v = 0;
        for (size_t t = 0; t < n_steps; t++) {
            v += (double)(lcg(&seed) - 8388608) / 83886080.0; /* +-0.1 */
            in.values[e * n_steps + t] = v;
        }
    }
    for (size_t t = 0; t < n_steps; t++) in.steps[t] = (int64_t)t;
    return in;
}

static void free_scalars(scalars_input_t *in) {
    free(in->paths);
    free(in->values);
    free(in->steps);
}

typedef struct image_input {
    size_t n_calls;
    uint32_t width, height;
    uint8_t *rgb;
} image_input_t;

/* ---------------- the workloads (timed) ---------------- */

static void log_many_individual(rr_recording_stream_t *rec, const void *arg) {
    const points_input_t *in = arg;
    rr_error_t err = {0};
    for (size_t i = 0; i < in->n; i++) {
        check(rr_set_time_sequence(rec, "my_timeline", (int64_t)i), NULL, "rr_set_time_sequence");
        rr_archetype_t *p;
        check(rr_points3d_new(&p, &in->positions[i], 1, RR_BORROW, &err), &err, "rr_points3d_new");
        check(rr_points3d_set_colors(p, &in->colors[i], 1, RR_BORROW, &err), &err, "set_colors");
        check(rr_points3d_set_radii(p, &in->radii[i], 1, RR_BORROW, &err), &err, "set_radii");
        check(rr_log(rec, "large_batch", p, &err), &err, "rr_log");
        rr_archetype_free(p);
    }
}

static void log_large_batch(rr_recording_stream_t *rec, const void *arg) {
    const points_input_t *in = arg;
    rr_error_t err = {0};
    rr_archetype_t *p;
    const rr_text_t label = "some label";
    check(rr_points3d_new(&p, in->positions, in->n, RR_BORROW, &err), &err, "rr_points3d_new");
    check(rr_points3d_set_colors(p, in->colors, in->n, RR_BORROW, &err), &err, "set_colors");
    check(rr_points3d_set_radii(p, in->radii, in->n, RR_BORROW, &err), &err, "set_radii");
    check(rr_points3d_set_labels(p, &label, 1, RR_BORROW, &err), &err, "set_labels");
    check(rr_log(rec, "large_batch", p, &err), &err, "rr_log");
    rr_archetype_free(p);
}

static void log_scalars_rows(rr_recording_stream_t *rec, const void *arg) {
    const scalars_input_t *in = arg;
    rr_error_t err = {0};
    for (size_t t = 0; t < in->n_steps; t++) {
        check(rr_set_time_sequence(rec, "frame", (int64_t)t), NULL, "rr_set_time_sequence");
        for (size_t e = 0; e < in->n_entities; e++) {
            rr_archetype_t *s;
            check(rr_scalars_new(&s, &in->values[e * in->n_steps + t], 1, RR_BORROW, &err), &err,
                  "rr_scalars_new");
            check(rr_log(rec, in->paths[e], s, &err), &err, "rr_log");
            rr_archetype_free(s);
        }
    }
}

static void log_scalars_columns(rr_recording_stream_t *rec, const void *arg) {
    const scalars_input_t *in = arg;
    rr_error_t err = {0};
    const rr_time_column_t frame = {
        .timeline = "frame", .type = RR_TIME_SEQUENCE, .times = in->steps, .n_rows = in->n_steps};
    for (size_t e = 0; e < in->n_entities; e++) {
        rr_archetype_t *s;
        check(rr_scalars_new(&s, &in->values[e * in->n_steps], in->n_steps, RR_BORROW, &err), &err,
              "rr_scalars_new");
        check(rr_send_columns(rec, in->paths[e], &frame, 1, s, NULL, &err), &err, "rr_send_columns");
        rr_archetype_free(s);
    }
}

static void log_images(rr_recording_stream_t *rec, const void *arg) {
    const image_input_t *in = arg;
    rr_error_t err = {0};
    const rr_image_format_t format = {.width = in->width,
                                      .height = in->height,
                                      .color_model = RR_COLOR_MODEL_RGB,
                                      .channel_datatype = RR_CHANNEL_DATATYPE_U8};
    const size_t size = (size_t)in->width * in->height * 3;
    for (size_t i = 0; i < in->n_calls; i++) {
        in->rgb[i % size] += 1; /* each image differs, as in Rerun's benchmark */
        rr_archetype_t *img;
        check(rr_image_new(&img, in->rgb, size, &format, RR_BORROW, &err), &err, "rr_image_new");
        check(rr_log(rec, "test_image", img, &err), &err, "rr_log");
        rr_archetype_free(img);
    }
}

/* ---------------- measurement ---------------- */

static double cpu_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double thread_cpu_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The sinks' compression of the runs (rr_recording_options_t). */
static rr_compression_t g_compression = RR_COMPRESSION_DEFAULT;

typedef struct timing {
    double calls; /* until the last log call returned */
    double calls_cpu; /* the logging thread's CPU seconds in the calls */
    double total; /* until the file was complete and closed */
    double cpu;   /* process CPU seconds, all threads, for total */
    uint64_t file_bytes;
} timing_t;

static timing_t run_once(const char *app, const char *path, void (*fn)(rr_recording_stream_t *, const void *),
                         const void *in) {
    rr_error_t err = {0};
    unlink(path);
    double c0 = cpu_now_s();
    double t0 = bench_now_s();
    rr_recording_stream_t *rec;
    rr_recording_options_t opts;
    memset(&opts, 0, sizeof opts);
    opts.compression = g_compression;
    check(rr_recording_stream_new(app, &opts, &rec, &err), &err, "rr_recording_stream_new");
    check(rr_save(rec, path, &err), &err, "rr_save");
    double l0 = thread_cpu_now_s();
    fn(rec, in);
    double l1 = thread_cpu_now_s();
    double t1 = bench_now_s();
    check(rr_flush(rec, &err), &err, "rr_flush");
    rr_recording_stream_free(rec);
    double t2 = bench_now_s();
    double c2 = cpu_now_s();
    struct stat st;
    if (stat(path, &st) != 0) bench_die(PROG, path, NULL);
    unlink(path);
    return (timing_t){
        .calls = t1 - t0, .calls_cpu = l1 - l0, .total = t2 - t0, .cpu = c2 - c0, .file_bytes = (uint64_t)st.st_size};
}

typedef struct result {
    double calls, total, cpu, calls_cpu; /* medians, seconds */
    uint64_t file_bytes;
    double raw_gbs;     /* raw write(2) of the payload bytes */
    double raw_cpu_gbs; /* the same per CPU second */
} result_t;

/* Medians of reps runs of the workload, and of raw writes of payload bytes
 * interleaved with them (so both see the same machine state). */
static result_t measure(const char *app, const char *path, void (*fn)(rr_recording_stream_t *, const void *),
                        const void *in, uint64_t payload, int reps, const uint8_t *buf) {
    double *tc = malloc((size_t)reps * sizeof *tc), *tt = malloc((size_t)reps * sizeof *tt),
           *tr = malloc((size_t)reps * sizeof *tr), *tu = malloc((size_t)reps * sizeof *tu),
           *trc = malloc((size_t)reps * sizeof *trc), *tl = malloc((size_t)reps * sizeof *tl);
    if (!tc || !tt || !tr || !tu || !trc || !tl) bench_die(PROG, "out of memory", NULL);
    result_t r = {0};
    run_once(app, path, fn, in); /* warm the allocator and the page cache */
    for (int i = 0; i < reps; i++) {
        timing_t t = run_once(app, path, fn, in);
        tc[i] = t.calls;
        tt[i] = t.total;
        tu[i] = t.cpu;
        tl[i] = t.calls_cpu;
        r.file_bytes = t.file_bytes;
        double c0 = cpu_now_s();
        tr[i] = bench_raw_write(path, buf, payload);
        trc[i] = cpu_now_s() - c0;
        unlink(path);
    }
    r.calls = bench_median(tc, reps);
    r.total = bench_median(tt, reps);
    r.cpu = bench_median(tu, reps);
    r.calls_cpu = bench_median(tl, reps);
    r.raw_gbs = (double)payload / bench_median(tr, reps) / 1e9;
    r.raw_cpu_gbs = (double)payload / bench_median(trc, reps) / 1e9;
    free(tc);
    free(tt);
    free(tr);
    free(tu);
    free(trc);
    free(tl);
    return r;
}

static void print_header(const char *what, const char *detail, uint64_t payload, const result_t *r, int reps,
                         const char *dir) {
    printf("%s: %s: %s; payload %.1f MB, .rrd %.1f MB; median of %d runs in %s\n", PROG, what, detail,
           (double)payload / 1e6, (double)r->file_bytes / 1e6, reps, dir);
    printf("  %-26s %9.2f GB/s (%.2f GB per CPU second)\n", "raw write(2) of payload", r->raw_gbs,
           r->raw_cpu_gbs);
}

/* rows/s, ns per row, GB/s of payload and the ratio to raw, for secs. */
static void print_rate(const char *what, double rows, uint64_t payload, double secs, double raw_gbs) {
    double gbs = (double)payload / secs / 1e9;
    printf("  %-26s %12.0f rows/s %9.1f ns/row %8.3f GB/s  ratio %6.3fx raw\n", what, rows / secs,
           secs * 1e9 / rows, gbs, gbs / raw_gbs);
}

/* The same per CPU second of the process (all its threads). */
static void print_cpu(double rows, uint64_t payload, const result_t *r) {
    double gbs = (double)payload / r->cpu / 1e9;
    printf("  %-26s %12.0f rows/s %9.1f ns/row %8.3f GB/s  ratio %6.3fx raw (CPU time)\n",
           "CPU time, all threads", rows / r->cpu, r->cpu * 1e9 / rows, gbs, gbs / r->raw_cpu_gbs);
}

/* Where the CPU time goes, for row-by-row logging: the logging thread
 * during its calls, and everything else (the batcher thread, the final
 * flush and close). Two cores reach a rate only when each share per row is
 * under the time per row the rate allows. */
static void print_cpu_split(double rows, const result_t *r) {
    double mine = r->calls_cpu * 1e9 / rows, rest = (r->cpu - r->calls_cpu) * 1e9 / rows;
    printf("  %-26s %9.1f ns/row in the logging thread's calls, %.1f ns/row elsewhere\n",
           "CPU time, split", mine, rest);
    /* What two otherwise idle cores would allow if the two shares ran side
     * by side all the time: an upper bound, not a measurement. */
    printf("  %-26s %12.0f rows/s (1 / the larger share)\n", "two-core bound", 1e9 / (mine > rest ? mine : rest));
}

static bool wanted(const char *only, char c) {
    if (!only) return true;
    for (const char *p = only; *p; p++)
        if (*p == c) return true;
    return false;
}

static size_t scaled(double base, double scale) {
    double n = floor(base * scale);
    return n < 1 ? 1 : (size_t)n;
}

int main(int argc, char **argv) {
    (void)argv;
    double scale = getenv("BENCH_SCALE") ? atof(getenv("BENCH_SCALE")) : 1.0;
    int reps = getenv("BENCH_REPS") ? atoi(getenv("BENCH_REPS")) : 5;
    const char *dir = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "/dev/shm";
    const char *only = getenv("BENCH_ONLY");
    if (argc > 1 || !(scale > 0) || reps < 1) {
        fprintf(stderr, "usage: bench_sdk (environment: BENCH_SCALE=1, BENCH_REPS=5, BENCH_DIR=/dev/shm, "
                        "BENCH_ONLY=abcdr)\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/bench_sdk.%d.rrd", dir, (int)getpid());
    uint8_t *buf = malloc(BENCH_PIECE);
    if (!buf) bench_die(PROG, "out of memory", NULL);
    memset(buf, 0x5a, BENCH_PIECE);
    printf("%s: %s, BENCH_SCALE=%g\n", PROG, rr_version_string(), scale);

    if (wanted(only, 'a')) {
        points_input_t in = prepare_points(1337, scaled(1e6, scale));
        uint64_t payload = (uint64_t)in.n * 20;
        result_t r = measure("rerun_example_benchmark_points3d_many_individual", path, log_many_individual, &in,
                             payload, reps, buf);
        char detail[128];
        snprintf(detail, sizeof detail, "%zu rr_log of 1 point + rr_set_time_sequence", in.n);
        print_header("(a) points3d_many_individual", detail, payload, &r, reps, dir);
        print_rate("log calls returned", (double)in.n, payload, r.calls, r.raw_gbs);
        print_rate("end to end (file closed)", (double)in.n, payload, r.total, r.raw_gbs);
        print_cpu((double)in.n, payload, &r);
        print_cpu_split((double)in.n, &r);
        double ns = r.total * 1e9 / (double)in.n;
        printf("  goal <= 300 ns per call: %.0f ns end to end, %.0f ns until the calls return: %s\n", ns,
               r.calls * 1e9 / (double)in.n, ns <= 300 ? "met" : "MISSED");
        fflush(stdout);
        free_points(&in);
    }

    if (wanted(only, 'b')) {
        points_input_t in = prepare_points(42, scaled(1e7, scale));
        uint64_t payload = (uint64_t)in.n * 20;
        result_t r = measure("rerun_example_benchmark_points3d_large_batch", path, log_large_batch, &in, payload,
                             reps, buf);
        char detail[128];
        snprintf(detail, sizeof detail, "one rr_log of %zu points", in.n);
        print_header("(b) points3d_large_batch", detail, payload, &r, reps, dir);
        print_rate("end to end (file closed)", (double)in.n, payload, r.total, r.raw_gbs);
        print_cpu((double)in.n, payload, &r);
        double ratio = (double)payload / r.total / 1e9 / r.raw_gbs;
        printf("  goal >= 0.5x raw: %.3fx: %s\n", ratio, ratio >= 0.5 ? "met" : "MISSED");
        fflush(stdout);
        free_points(&in);
    }

    if (wanted(only, 'c') || wanted(only, 'r')) {
        scalars_input_t in = prepare_scalars(10, scaled(1e5, scale));
        double n = (double)(in.n_entities * in.n_steps);
        uint64_t payload = (uint64_t)n * 8;
        result_t r = measure("rerun_example_benchmark_scalars", path, log_scalars_rows, &in, payload, reps, buf);
        char detail[160];
        snprintf(detail, sizeof detail, "%zu entities x %zu scalars, one rr_log each + rr_set_time_sequence",
                 in.n_entities, in.n_steps);
        print_header("(c) scalars", detail, payload, &r, reps, dir);
        print_rate("log calls returned", n, payload, r.calls, r.raw_gbs);
        print_rate("end to end (file closed)", n, payload, r.total, r.raw_gbs);
        print_cpu(n, payload, &r);
        print_cpu_split(n, &r);
        double rate = n / r.total;
        printf("  goal >= 10 million scalars/s: %.2f million/s end to end: %s\n", rate / 1e6,
               rate >= 1e7 ? "met" : "MISSED");
        fflush(stdout);
        /* The trade-off: the same without compression (bigger files). */
        g_compression = RR_COMPRESSION_NONE;
        r = measure("rerun_example_benchmark_scalars", path, log_scalars_rows, &in, payload, reps, buf);
        g_compression = RR_COMPRESSION_DEFAULT;
        print_header("(c) scalars, RR_COMPRESSION_NONE", detail, payload, &r, reps, dir);
        print_rate("log calls returned", n, payload, r.calls, r.raw_gbs);
        print_rate("end to end (file closed)", n, payload, r.total, r.raw_gbs);
        print_cpu(n, payload, &r);
        print_cpu_split(n, &r);
        fflush(stdout);
        if (!wanted(only, 'c')) {
            free_scalars(&in);
            goto images;
        }
        r = measure("rerun_example_benchmark_scalars", path, log_scalars_columns, &in, payload, reps, buf);
        snprintf(detail, sizeof detail, "%zu entities x %zu scalars, one rr_send_columns per entity",
                 in.n_entities, in.n_steps);
        print_header("(c') scalars columns", detail, payload, &r, reps, dir);
        print_rate("end to end (file closed)", n, payload, r.total, r.raw_gbs);
        print_cpu(n, payload, &r);
        fflush(stdout);
        free_scalars(&in);
    }

images:
    if (wanted(only, 'd')) {
        image_input_t in = {.n_calls = scaled(1000, scale), .width = 640, .height = 480};
        size_t size = (size_t)in.width * in.height * 3;
        in.rgb = calloc(1, size);
        if (!in.rgb) bench_die(PROG, "out of memory", NULL);
        /* Black like Rerun's benchmark (LZ4 shrinks it to almost nothing),
         * or noise that does not compress with BENCH_IMAGE_NOISE=1. */
        bool noise = getenv("BENCH_IMAGE_NOISE") && atoi(getenv("BENCH_IMAGE_NOISE"));
        int64_t seed = 7;
        for (size_t i = 0; noise && i < size; i++) in.rgb[i] = (uint8_t)(lcg(&seed) >> 8);
        uint64_t payload = (uint64_t)in.n_calls * size;
        result_t r = measure("rerun_example_benchmark_image", path, log_images, &in, payload, reps, buf);
        char detail[128];
        snprintf(detail, sizeof detail, "%zu rr_log of a 640x480 RGB image (%s)", in.n_calls,
                 noise ? "noise" : "black");
        print_header("(d) image", detail, payload, &r, reps, dir);
        print_rate("end to end (file closed)", (double)in.n_calls, payload, r.total, r.raw_gbs);
        print_cpu((double)in.n_calls, payload, &r);
        double ratio = (double)payload / r.total / 1e9 / r.raw_gbs;
        printf("  goal >= 0.5x raw: %.3fx: %s\n", ratio, ratio >= 0.5 ? "met" : "MISSED");
        fflush(stdout);
        free(in.rgb);
    }
    free(buf);
    return 0;
}
