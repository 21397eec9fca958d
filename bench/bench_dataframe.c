/* Dataframe benchmark: a store of 10 scalar entities x 1 million rows each
 * (one float64 per row on a "frame" sequence timeline, chunks of 4096 rows as
 * the store compacts them), read back as a dataframe indexed by frame. Prints
 * the throughput of the bytes the batches hold (index column, list offsets,
 * values) and its ratio to memcpy of the same number of bytes measured in
 * the same run (issue 5's goal: >= 0.25x). Also the latest-at fill variant
 * over a sparse entity.
 *
 *   BENCH_SCALE  fraction of the 1 million rows (default 1)
 *   BENCH_REPS   repetitions, the median is reported (default 3)
 *   BENCH_PAGE   rows per page (default RR_DF_DEFAULT_PAGE_ROWS)
 *   BENCH_ONLY   "nofill": the first figure only (for profiling) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/schema.h"
#include "bench_util.h"
#include "store/dataframe.h"
#include "store/store.h"

#define PROG "bench_dataframe"
#define N_ENT 10
#define CHUNK_ROWS 4096

/* CPU seconds of this thread: the machine is shared, so wall time would
 * measure the neighbours too (both the query and memcpy are timed so). */
static double cpu_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double env_double(const char *name, double def) {
    const char *s = getenv(name);
    return s && *s ? atof(s) : def;
}

/* One chunk of n scalar rows at frames t0, t0 + stride, ... of entity p. */
static rr_chunk_t *scalar_chunk(const rr_entity_path_t *p, const struct ArrowSchema *type,
                                int64_t t0, int64_t n, int64_t stride, double base) {
    rr_error_t err = {0};
    rr_chunk_t *c = NULL;
    if (rr_chunk_new(rr_tuid_new(), p, n, NULL, &c, &err)) bench_die(PROG, "chunk", &err);
    int64_t *times = malloc((size_t)n * sizeof *times);
    for (int64_t i = 0; i < n; i++) times[i] = t0 + i * stride;
    if (rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, times, &err)) bench_die(PROG, "index", &err);
    free(times);
    struct ArrowArray list;
    if (rr_arrow_array_init(&list, 2, 1, false, &err)) bench_die(PROG, "array", &err);
    int32_t *off = rr_arrow_array_alloc_buffer(&list, 1, (size_t)(n + 1) * sizeof *off);
    for (int64_t i = 0; i <= n; i++) off[i] = (int32_t)i;
    list.length = n;
    list.null_count = 0;
    struct ArrowArray *vals = list.children[0];
    if (rr_arrow_array_init(vals, 2, 0, false, &err)) bench_die(PROG, "array", &err);
    double *v = rr_arrow_array_alloc_buffer(vals, 1, (size_t)n * sizeof *v);
    for (int64_t i = 0; i < n; i++) v[i] = base + (double)(t0 + i) * 0.001;
    vals->length = n;
    vals->null_count = 0;
    rr_component_descriptor_t d;
    if (rr_component_descriptor_init(&d, "rerun.archetypes.Scalars", "Scalars:scalars",
                                     "rerun.components.Scalar", &err))
        bench_die(PROG, "descriptor", &err);
    if (rr_chunk_add_component(c, &d, type, &list, &err)) bench_die(PROG, "component", &err);
    rr_component_descriptor_free(&d);
    return c;
}

/* Bytes of the buffers a batch holds (what the caller receives). */
static double batch_bytes(const struct ArrowSchema *s, const struct ArrowArray *a) {
    double b = 0;
    if (!strcmp(s->format, "+l")) {
        b += (double)(a->length + 1) * 4;
        if (a->buffers[0]) b += (double)((a->length + 7) / 8);
        return b + batch_bytes(s->children[0], a->children[0]);
    }
    if (!strcmp(s->format, "+s")) {
        for (int64_t i = 0; i < s->n_children; i++) b += batch_bytes(s->children[i], a->children[i]);
        return b;
    }
    if (a->n_buffers > 1 && a->buffers[0]) b += (double)((a->length + 7) / 8);
    return b + (double)a->length * 8; /* int64 / float64 columns */
}

/* Runs one query to the end; returns seconds, *bytes and *rows. */
static double run_query(const rr_store_t *s, const rr_df_query_t *q, double *bytes, int64_t *rows) {
    rr_error_t err = {0};
    double t0 = cpu_now_s();
    rr_df_handle_t *h = NULL;
    if (rr_df_query_open(s, q, &h, &err)) bench_die(PROG, "query", &err);
    struct ArrowSchema sc;
    if (rr_df_schema(h, &sc, &err)) bench_die(PROG, "schema", &err);
    *bytes = 0;
    *rows = 0;
    for (;;) {
        struct ArrowArray b;
        bool done;
        if (rr_df_next_batch(h, &b, &done, &err)) bench_die(PROG, "next batch", &err);
        if (done) break;
        *bytes += batch_bytes(&sc, &b);
        *rows += b.length;
        rr_arrow_array_release(&b);
    }
    double secs = cpu_now_s() - t0;
    rr_arrow_schema_release(&sc);
    rr_df_query_free(h);
    return secs;
}

static double memcpy_gbs(size_t bytes, int reps) {
    uint8_t *src = malloc(bytes), *dst = malloc(bytes);
    if (!src || !dst) bench_die(PROG, "malloc", NULL);
    memset(src, 1, bytes);
    memset(dst, 2, bytes);
    double *t = malloc((size_t)reps * sizeof *t);
    for (int r = 0; r < reps; r++) {
        double t0 = cpu_now_s();
        memcpy(dst, src, bytes);
        t[r] = cpu_now_s() - t0;
        src[r % bytes] ^= dst[(r * 7) % bytes]; /* keep the copy observable */
    }
    double med = bench_median(t, reps);
    free(t);
    free(src);
    free(dst);
    return (double)bytes / med / 1e9;
}

int main(void) {
    double scale = env_double("BENCH_SCALE", 1.0);
    int reps = (int)env_double("BENCH_REPS", 3);
    if (reps < 1) reps = 1;
    int64_t rows = (int64_t)(1000000 * scale);
    if (rows < 1) rows = 1;
    rr_error_t err = {0};
    rr_store_id_t id;
    if (rr_store_id_init(&id, RR_STORE_KIND_RECORDING, "bench", "df", &err)) bench_die(PROG, "id", &err);
    rr_store_t *s = NULL;
    if (rr_store_new(&id, NULL, &s, &err)) bench_die(PROG, "store", &err);
    rr_store_id_free(&id);
    struct ArrowSchema type;
    if (rr_arrow_schema_init(&type, "+l", "", ARROW_FLAG_NULLABLE, 1, &err) ||
        rr_arrow_schema_init(type.children[0], "g", "item", ARROW_FLAG_NULLABLE, 0, &err))
        bench_die(PROG, "schema", &err);
    double t0 = bench_now_s();
    for (int e = 0; e < N_ENT; e++) {
        char name[32];
        snprintf(name, sizeof name, "/scalars/s%d", e);
        rr_entity_path_t p;
        if (rr_entity_path_parse(name, strlen(name), &p, &err)) bench_die(PROG, "path", &err);
        for (int64_t r0 = 0; r0 < rows; r0 += CHUNK_ROWS) {
            int64_t n = rows - r0 < CHUNK_ROWS ? rows - r0 : CHUNK_ROWS;
            if (rr_store_insert_chunk(s, scalar_chunk(&p, &type, r0, n, 1, e), &err))
                bench_die(PROG, "insert", &err);
        }
        rr_entity_path_free(&p);
    }
    /* one sparse entity for the fill variant: a value every 100 frames */
    rr_entity_path_t sp;
    if (rr_entity_path_parse("/sparse", 7, &sp, &err)) bench_die(PROG, "path", &err);
    printf("%s: %d entities x %lld rows (store filled in %.2f s), %d reps, median of thread CPU time\n", PROG, N_ENT,
           (long long)rows, bench_now_s() - t0, reps);

    rr_df_query_t q = {0};
    q.index = "frame";
    q.page_rows = (int64_t)env_double("BENCH_PAGE", 0);
    double *t = malloc((size_t)reps * sizeof *t);
    double bytes = 0;
    int64_t got = 0;
    for (int r = 0; r < reps; r++) t[r] = run_query(s, &q, &bytes, &got);
    double secs = bench_median(t, reps);
    if (got != rows) {
        fprintf(stderr, "%s: %lld rows returned, expected %lld\n", PROG, (long long)got, (long long)rows);
        return 1;
    }
    double base = memcpy_gbs((size_t)bytes, reps);
    printf("%-28s %9.0f MB returned, %.1f Mrows/s\n", "dataframe 10 x scalars", bytes / 1e6,
           (double)rows / secs / 1e6);
    bench_print_line("dataframe (no fill)", bytes, secs, base, "memcpy", 0.25);
    const char *only = getenv("BENCH_ONLY");
    if (only && !strcmp(only, "nofill")) {
        free(t);
        rr_entity_path_free(&sp);
        rr_arrow_schema_release(&type);
        rr_store_free(s);
        return 0;
    }

    /* Fill: the same query with latest-at fill on; the dense columns have
     * no nulls, so this measures the fill machinery's overhead only. */
    q.fill_latest_at = true;
    for (int r = 0; r < reps; r++) t[r] = run_query(s, &q, &bytes, &got);
    secs = bench_median(t, reps);
    bench_print_line("dataframe (fill, dense)", bytes, secs, base, "memcpy", 0.25);

    /* Fill over a sparse column: one value every 100 frames, filled in between. */
    for (int64_t r0 = 0; r0 < rows; r0 += 100 * CHUNK_ROWS) {
        int64_t n = (rows - r0 + 99) / 100 < CHUNK_ROWS ? (rows - r0 + 99) / 100 : CHUNK_ROWS;
        rr_chunk_t *c = scalar_chunk(&sp, &type, r0, n, 100, 100);
        if (rr_store_insert_chunk(s, c, &err)) bench_die(PROG, "insert", &err);
    }
    rr_entity_path_filter_t f;
    if (rr_entity_path_filter_parse("+ /sparse + /scalars/s0", 23, NULL, true, &f, &err))
        bench_die(PROG, "filter", &err);
    q.contents = &f;
    for (int r = 0; r < reps; r++) t[r] = run_query(s, &q, &bytes, &got);
    secs = bench_median(t, reps);
    double base2 = memcpy_gbs((size_t)bytes, reps);
    bench_print_line("dataframe (fill, 1% sparse)", bytes, secs, base2, "memcpy", 0);
    printf("%-28s %9.1f ns per filled cell\n", "", secs * 1e9 / (double)got);
    rr_entity_path_filter_free(&f);
    rr_entity_path_free(&sp);
    free(t);
    rr_arrow_schema_release(&type);
    rr_store_free(s);
    return 0;
}
