/* Benchmark of Arrow IPC encoding and decoding against memcpy.
 *
 * One record batch of about BENCH_MIB MiB (default 256; also the first
 * argument) with the three column shapes rerun logs most: a float32 column,
 * a list<fixed_size_list<float32, 3>> column (points) and a utf8 column.
 * Measured in the same run, each the median of several repetitions:
 *   memcpy   copying the batch's buffer bytes: the physical baseline;
 *   encode   rr_arrow_ipc_write_table into a pre-reserved buffer, uncompressed;
 *   decode   rr_arrow_ipc_read_table (zero-copy plus validation), per column
 *            and for the whole batch.
 * Each is printed as GB/s of Arrow buffer bytes and as a ratio to memcpy's
 * throughput, with the goal it is held to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arrow/array.h"
#include "arrow/ipc.h"
#include "arrow/schema.h"
#include "base/mem.h"
#include "bench_util.h"

/* Sum of the buffer bytes an array references (its logical extent). */
static int64_t array_bytes(const struct ArrowArray *a, int id) {
    /* id: 0 float32, 1 points, 2 utf8 */
    const int64_t n = a->length;
    switch (id) {
    case 0: return n * 4;
    case 1: {
        const int32_t *o = a->buffers[1];
        return (n + 1) * 4 + (int64_t)o[n] * 12;
    }
    default: {
        const int32_t *o = a->buffers[1];
        return (n + 1) * 4 + o[n];
    }
    }
}

typedef struct column {
    struct ArrowSchema schema; /* a one-column "+s" schema */
    struct ArrowArray batch;   /* a one-column batch */
    int64_t bytes;
    const char *name;
} column_t;

static void make_schema(struct ArrowSchema *s, int id) {
    rr_error_t err = {0};
    if (rr_arrow_schema_init(s, "+s", "", 0, 1, &err)) bench_die("bench_ipc", "schema", &err);
    struct ArrowSchema *c = s->children[0];
    switch (id) {
    case 0:
        if (rr_arrow_schema_init(c, "f", "scalar", 0, 0, &err)) bench_die("bench_ipc", "schema", &err);
        break;
    case 1:
        if (rr_arrow_schema_init(c, "+l", "points", 0, 1, &err) ||
            rr_arrow_schema_init(c->children[0], "+w:3", "item", 0, 1, &err) ||
            rr_arrow_schema_init(c->children[0]->children[0], "f", "item", 0, 0, &err))
            bench_die("bench_ipc", "schema", &err);
        break;
    default:
        if (rr_arrow_schema_init(c, "u", "label", 0, 0, &err)) bench_die("bench_ipc", "schema", &err);
        break;
    }
}

/* rows rows of column id, deterministic contents, no nulls. */
static void make_column(struct ArrowArray *a, int id, int64_t rows) {
    rr_error_t err = {0};
    uint64_t x = 0x9E3779B97F4A7C15ull ^ (uint64_t)id;
#define NEXT() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
    switch (id) {
    case 0: {
        if (rr_arrow_array_init(a, 2, 0, false, &err)) bench_die("bench_ipc", "array", &err);
        float *v = rr_arrow_array_alloc_buffer(a, 1, (size_t)rows * 4);
        if (!v) bench_die("bench_ipc", "out of memory", NULL);
        for (int64_t i = 0; i < rows; i++) v[i] = (float)(NEXT() >> 40) * 1e-3f;
        break;
    }
    case 1: {
        /* 0..4 points per row, 2 on average */
        if (rr_arrow_array_init(a, 2, 1, false, &err)) bench_die("bench_ipc", "array", &err);
        int32_t *o = rr_arrow_array_alloc_buffer(a, 1, (size_t)(rows + 1) * 4);
        if (!o) bench_die("bench_ipc", "out of memory", NULL);
        int64_t pts = 0;
        for (int64_t i = 0; i < rows; i++) {
            o[i] = (int32_t)pts;
            pts += (int64_t)(NEXT() % 5);
        }
        o[rows] = (int32_t)pts;
        struct ArrowArray *fsl = a->children[0];
        if (rr_arrow_array_init(fsl, 1, 1, false, &err)) bench_die("bench_ipc", "array", &err);
        fsl->length = pts;
        struct ArrowArray *f = fsl->children[0];
        if (rr_arrow_array_init(f, 2, 0, false, &err)) bench_die("bench_ipc", "array", &err);
        f->length = pts * 3;
        float *v = rr_arrow_array_alloc_buffer(f, 1, (size_t)pts * 12);
        if (!v) bench_die("bench_ipc", "out of memory", NULL);
        for (int64_t i = 0; i < pts * 3; i++) v[i] = (float)i * 0.25f;
        break;
    }
    default: {
        /* 8..24 bytes per string, 16 on average */
        if (rr_arrow_array_init(a, 3, 0, false, &err)) bench_die("bench_ipc", "array", &err);
        int32_t *o = rr_arrow_array_alloc_buffer(a, 1, (size_t)(rows + 1) * 4);
        char *d = rr_arrow_array_alloc_buffer(a, 2, (size_t)rows * 24);
        if (!o || !d) bench_die("bench_ipc", "out of memory", NULL);
        int64_t pos = 0;
        for (int64_t i = 0; i < rows; i++) {
            o[i] = (int32_t)pos;
            int64_t len = 8 + (int64_t)(NEXT() % 17);
            for (int64_t k = 0; k < len; k++) d[pos + k] = (char)('a' + (i + k) % 26);
            pos += len;
        }
        o[rows] = (int32_t)pos;
        break;
    }
    }
#undef NEXT
    a->length = rows;
    a->null_count = 0;
}

/* Wraps a column into a one-column batch (moved in). */
static void make_batch(struct ArrowArray *b, struct ArrowArray *col) {
    rr_error_t err = {0};
    if (rr_arrow_array_init(b, 1, 1, false, &err)) bench_die("bench_ipc", "array", &err);
    b->length = col->length;
    b->null_count = 0;
    rr_arrow_array_move(col, b->children[0]);
}

typedef struct span {
    const void *p;
    size_t len;
} span_t;

/* The (pointer, length) of every non-empty buffer in the logical extent of
 * the three columns, for the memcpy baseline. */
static int collect_spans(column_t *cols, span_t *spans) {
    int n = 0;
    for (int c = 0; c < 3; c++) {
        const struct ArrowArray *a = cols[c].batch.children[0];
        int64_t rows = a->length;
        switch (c) {
        case 0: spans[n++] = (span_t){a->buffers[1], (size_t)rows * 4}; break;
        case 1: {
            const int32_t *o = a->buffers[1];
            spans[n++] = (span_t){o, (size_t)(rows + 1) * 4};
            const struct ArrowArray *f = a->children[0]->children[0];
            spans[n++] = (span_t){f->buffers[1], (size_t)o[rows] * 12};
            break;
        }
        default: {
            const int32_t *o = a->buffers[1];
            spans[n++] = (span_t){o, (size_t)(rows + 1) * 4};
            spans[n++] = (span_t){a->buffers[2], (size_t)o[rows]};
            break;
        }
        }
    }
    return n;
}

/* Median seconds of rr_arrow_ipc_read_table over an encoded stream. */
static double time_decode(const rr_buf_t *enc, int reps, int64_t expect_rows) {
    double *t = malloc((size_t)reps * sizeof *t);
    rr_error_t err = {0};
    for (int r = 0; r < reps; r++) {
        rr_arrow_blob_t *blob = rr_arrow_blob_wrap(enc->data, enc->len, NULL, NULL);
        if (!blob) bench_die("bench_ipc", "out of memory", NULL);
        rr_arrow_table_t tab;
        double t0 = bench_now_s();
        if (rr_arrow_ipc_read_table(blob, &tab, &err)) bench_die("bench_ipc", "decode", &err);
        t[r] = bench_now_s() - t0;
        if (tab.n_batches != 1 || tab.batches[0].length != expect_rows)
            bench_die("bench_ipc", "decode: wrong shape", NULL);
        rr_arrow_table_release(&tab);
        rr_arrow_blob_release(blob);
    }
    double m = bench_median(t, reps);
    free(t);
    return m;
}

int main(int argc, char **argv) {
    double mib = 256;
    const char *env = getenv("BENCH_MIB");
    if (argc > 1)
        mib = atof(argv[1]);
    else if (env)
        mib = atof(env);
    if (!(mib > 0)) {
        fprintf(stderr, "usage: bench_ipc [MiB] (or BENCH_MIB=...)\n");
        return 2;
    }
    int reps = 9, decode_reps = 31;
    /* Bytes per row: 4 (float) + 4 + 2 * 12 (points) + 4 + 16 (label). */
    int64_t rows = (int64_t)(mib * 1024 * 1024 / 52);
    column_t cols[3];
    static const char *names[3] = {"float32", "list<fsl<f32,3>>", "utf8"};
    for (int c = 0; c < 3; c++) {
        struct ArrowArray col;
        make_schema(&cols[c].schema, c);
        make_column(&col, c, rows);
        make_batch(&cols[c].batch, &col);
        cols[c].bytes = array_bytes(cols[c].batch.children[0], c);
        cols[c].name = names[c];
    }

    /* The whole batch: a three-column schema and a batch sharing the columns. */
    rr_error_t err = {0};
    struct ArrowSchema all_schema;
    if (rr_arrow_schema_init(&all_schema, "+s", "", 0, 3, &err)) bench_die("bench_ipc", "schema", &err);
    for (int c = 0; c < 3; c++)
        if (rr_arrow_schema_copy(cols[c].schema.children[0], all_schema.children[c], &err))
            bench_die("bench_ipc", "schema", &err);
    struct ArrowArray all;
    if (rr_arrow_array_init(&all, 1, 3, false, &err)) bench_die("bench_ipc", "array", &err);
    all.length = rows;
    all.null_count = 0;
    for (int c = 0; c < 3; c++)
        if (rr_arrow_array_share(cols[c].batch.children[0], all.children[c], &err))
            bench_die("bench_ipc", "share", &err);
    int64_t total = cols[0].bytes + cols[1].bytes + cols[2].bytes;
    printf("bench_ipc: %lld rows, %.1f MiB of Arrow buffers (float32 %.1f, points %.1f, "
           "utf8 %.1f MiB); median of %d (decode %d) runs\n",
           (long long)rows, (double)total / 1048576, (double)cols[0].bytes / 1048576,
           (double)cols[1].bytes / 1048576, (double)cols[2].bytes / 1048576, reps, decode_reps);

    /* memcpy baseline: the same buffers into one pre-faulted destination. */
    span_t spans[8];
    int n_spans = collect_spans(cols, spans);
    uint8_t *dst = rr_alloc_aligned((size_t)total + 4096);
    if (!dst) bench_die("bench_ipc", "out of memory", NULL);
    memset(dst, 1, (size_t)total + 4096);
    double *t = malloc((size_t)reps * sizeof *t);
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now_s();
        size_t pos = 0;
        for (int s = 0; s < n_spans; s++) {
            memcpy(dst + pos, spans[s].p, spans[s].len);
            pos += spans[s].len;
        }
        t[r] = bench_now_s() - t0;
    }
    double memcpy_s = bench_median(t, reps);
    double memcpy_gbs = (double)total / memcpy_s / 1e9;
    rr_free_aligned(dst);
    printf("%-22s %9.2f GB/s\n", "memcpy", memcpy_gbs);

    /* encode: into a buffer reserved (and faulted in) by a first run. */
    rr_buf_t enc = {0};
    rr_arrow_ipc_write_options_t opts = {0};
    if (rr_arrow_ipc_write_table(&enc, &all_schema, &all, 1, &opts, &err)) bench_die("bench_ipc", "encode", &err);
    memset(enc.data, 0, enc.cap);
    for (int r = 0; r < reps; r++) {
        enc.len = 0;
        double t0 = bench_now_s();
        if (rr_arrow_ipc_write_table(&enc, &all_schema, &all, 1, &opts, &err))
            bench_die("bench_ipc", "encode", &err);
        t[r] = bench_now_s() - t0;
    }
    bench_print_line("encode all", (double)total, bench_median(t, reps), memcpy_gbs, "memcpy", 0.5);

    /* decode: each column alone, then the whole batch. */
    rr_buf_t one = {0};
    for (int c = 0; c < 3; c++) {
        one.len = 0;
        if (rr_arrow_ipc_write_table(&one, &cols[c].schema, &cols[c].batch, 1, &opts, &err))
            bench_die("bench_ipc", "encode", &err);
        double s = time_decode(&one, decode_reps, rows);
        char label[64];
        snprintf(label, sizeof label, "decode %s", cols[c].name);
        bench_print_line(label, (double)cols[c].bytes, s, memcpy_gbs, "memcpy", c == 0 ? 5.0 : 1.0);
    }
    bench_print_line("decode all", (double)total, time_decode(&enc, decode_reps, rows), memcpy_gbs, "memcpy",
               1.0);

    free(t);
    rr_buf_free(&one);
    rr_buf_free(&enc);
    rr_arrow_array_release(&all);
    rr_arrow_schema_release(&all_schema);
    for (int c = 0; c < 3; c++) {
        rr_arrow_array_release(&cols[c].batch);
        rr_arrow_schema_release(&cols[c].schema);
    }
    return 0;
}
