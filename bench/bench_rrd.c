/* Benchmark of .rrd writing and reading against raw file I/O on tmpfs.
 *
 * Two recordings of about BENCH_MIB MiB each (default 1024; also the first
 * argument), as their uncompressed .rrd size:
 *   points   large point batches: chunks of 10 rows x 10 000 points (100k
 *            points: positions list<fsl<f32,3>>, colors list<u32>) on a
 *            `frame` timeline;
 *   scalars  many small chunks: one row each, one float64 Scalar on a
 *            `log_time` timeline.
 * For each, measured in the same run, each figure the median of BENCH_REPS
 * runs (default 5):
 *   raw write   write(2) of that many bytes from a buffer, 1 MiB per call,
 *               to a new file in BENCH_DIR (default /dev/shm), then close;
 *   raw read    read(2) of that file back, 1 MiB per call;
 *   write       rr_rrd_writer over a file descriptor: SetStoreInfo, every
 *               chunk (record batch, Arrow IPC, LZ4 block when on, protobuf
 *               frame, manifest entry), End + footer; LZ4 off and on;
 *   read        the streaming decoder reading the file (read(2) through
 *               rr_rrd_decoder_read_fd: a large message's body straight
 *               into its own buffer, the rest in 64 KiB pieces), every
 *               ArrowMsg decoded down to its chunk (rr_rrd_decoder_next_ref +
 *               rr_rrd_payload_decode + rr_chunk_from_record_batch);
 *               LZ4 off and on.
 * Throughput counts the recording's uncompressed .rrd bytes for every
 * figure (so LZ4 on and off compare on the same data), and each is also
 * given as a ratio to the raw figure of the same direction. BENCH_ONLY=points
 * or BENCH_ONLY=scalars runs one of the two. Chunks are built
 * before timing (a pool of distinct chunks written round-robin): building
 * them is the SDK's work, not the codec's. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arrow/array.h"
#include "arrow/schema.h"
#include "base/mem.h"
#include "model/chunk.h"
#include "rrd/decoder.h"
#include "rrd/encoder.h"
#include "bench_util.h"


/* ---------------- the recordings ---------------- */

typedef struct recording {
    const char *name;
    int n_pool;
    rr_chunk_t **pool;   /* distinct chunks, written round-robin */
    int64_t n_chunks;    /* chunks written per recording */
    int64_t rows;        /* rows per recording */
    uint64_t rrd_bytes;  /* uncompressed .rrd size */
    uint64_t lz4_bytes;  /* LZ4 .rrd size */
} recording_t;

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static rr_entity_path_t entity(const char *s) {
    rr_entity_path_t ep;
    rr_error_t err = {0};
    if (rr_entity_path_parse(s, strlen(s), &ep, &err)) bench_die("bench_rrd", "entity path", &err);
    return ep;
}

/* list<item> with the item schema filled by the caller. */
static struct ArrowSchema *list_type(struct ArrowSchema *s) {
    rr_error_t err = {0};
    if (rr_arrow_schema_init(s, "+l", "", 0, 1, &err)) bench_die("bench_rrd", "schema", &err);
    return s->children[0];
}

/* Offsets 0, per, 2 per, ... for rows lists of per items each. */
static void even_offsets(struct ArrowArray *list, int64_t rows, int64_t per) {
    int32_t *o = rr_arrow_array_alloc_buffer(list, 1, (size_t)(rows + 1) * 4);
    if (!o) bench_die("bench_rrd", "out of memory", NULL);
    for (int64_t i = 0; i <= rows; i++) o[i] = (int32_t)(i * per);
    list->length = rows;
    list->null_count = 0;
}

#define PTS_ROWS 10
#define PTS_PER_ROW 10000

/* 10 frames of 10 000 points: noisy positions (point clouds compress
 * poorly) and smooth colors (they do). */
static rr_chunk_t *points_chunk(int64_t first_frame) {
    rr_error_t err = {0};
    rr_entity_path_t ep = entity("/world/points");
    rr_chunk_t *c;
    if (rr_chunk_new(rr_tuid_new(), &ep, PTS_ROWS, NULL, &c, &err)) bench_die("bench_rrd", "chunk", &err);
    rr_entity_path_free(&ep);
    int64_t frames[PTS_ROWS];
    for (int i = 0; i < PTS_ROWS; i++) frames[i] = first_frame + i;
    if (rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, frames, &err)) bench_die("bench_rrd", "index", &err);
    const int64_t n = (int64_t)PTS_ROWS * PTS_PER_ROW;

    struct ArrowSchema pos_t, col_t;
    struct ArrowSchema *fsl_t = list_type(&pos_t);
    if (rr_arrow_schema_init(fsl_t, "+w:3", "item", ARROW_FLAG_NULLABLE, 1, &err) ||
        rr_arrow_schema_init(fsl_t->children[0], "f", "item", 0, 0, &err))
        bench_die("bench_rrd", "schema", &err);
    if (rr_arrow_schema_init(list_type(&col_t), "I", "item", ARROW_FLAG_NULLABLE, 0, &err))
        bench_die("bench_rrd", "schema", &err);

    struct ArrowArray pos, col;
    if (rr_arrow_array_init(&pos, 2, 1, false, &err)) bench_die("bench_rrd", "array", &err);
    even_offsets(&pos, PTS_ROWS, PTS_PER_ROW);
    struct ArrowArray *fsl = pos.children[0];
    if (rr_arrow_array_init(fsl, 1, 1, false, &err)) bench_die("bench_rrd", "array", &err);
    fsl->length = n;
    struct ArrowArray *xyz = fsl->children[0];
    if (rr_arrow_array_init(xyz, 2, 0, false, &err)) bench_die("bench_rrd", "array", &err);
    xyz->length = n * 3;
    float *v = rr_arrow_array_alloc_buffer(xyz, 1, (size_t)n * 12);
    if (!v) bench_die("bench_rrd", "out of memory", NULL);
    for (int64_t i = 0; i < n * 3; i++) v[i] = (float)(next_rand() >> 40) * (1.0f / 16777216.0f);

    if (rr_arrow_array_init(&col, 2, 1, false, &err)) bench_die("bench_rrd", "array", &err);
    even_offsets(&col, PTS_ROWS, PTS_PER_ROW);
    struct ArrowArray *rgba = col.children[0];
    if (rr_arrow_array_init(rgba, 2, 0, false, &err)) bench_die("bench_rrd", "array", &err);
    rgba->length = n;
    uint32_t *cv = rr_arrow_array_alloc_buffer(rgba, 1, (size_t)n * 4);
    if (!cv) bench_die("bench_rrd", "out of memory", NULL);
    for (int64_t i = 0; i < n; i++) cv[i] = ((uint32_t)(i % PTS_PER_ROW) * 255 / PTS_PER_ROW) << 24 | 0x8040ffu;

    rr_component_descriptor_t dp, dc;
    if (rr_component_descriptor_init(&dp, "rerun.archetypes.Points3D", "Points3D:positions",
                                     "rerun.components.Position3D", &err) ||
        rr_component_descriptor_init(&dc, "rerun.archetypes.Points3D", "Points3D:colors",
                                     "rerun.components.Color", &err))
        bench_die("bench_rrd", "descriptor", &err);
    if (rr_chunk_add_component(c, &dp, &pos_t, &pos, &err) ||
        rr_chunk_add_component(c, &dc, &col_t, &col, &err))
        bench_die("bench_rrd", "component", &err);
    rr_component_descriptor_free(&dp);
    rr_component_descriptor_free(&dc);
    rr_arrow_schema_release(&pos_t);
    rr_arrow_schema_release(&col_t);
    return c;
}

/* One row, one float64 scalar at a log time. */
static rr_chunk_t *scalar_chunk(int64_t k) {
    rr_error_t err = {0};
    rr_entity_path_t ep = entity("/plots/signal");
    rr_chunk_t *c;
    if (rr_chunk_new(rr_tuid_new(), &ep, 1, NULL, &c, &err)) bench_die("bench_rrd", "chunk", &err);
    rr_entity_path_free(&ep);
    int64_t t = 1700000000000000000LL + k * 1000000;
    if (rr_chunk_add_index(c, "log_time", RR_TIME_TIMESTAMP_NS, &t, &err)) bench_die("bench_rrd", "index", &err);
    struct ArrowSchema type;
    if (rr_arrow_schema_init(list_type(&type), "g", "item", ARROW_FLAG_NULLABLE, 0, &err))
        bench_die("bench_rrd", "schema", &err);
    struct ArrowArray list;
    if (rr_arrow_array_init(&list, 2, 1, false, &err)) bench_die("bench_rrd", "array", &err);
    even_offsets(&list, 1, 1);
    struct ArrowArray *vals = list.children[0];
    if (rr_arrow_array_init(vals, 2, 0, false, &err)) bench_die("bench_rrd", "array", &err);
    vals->length = 1;
    double *d = rr_arrow_array_alloc_buffer(vals, 1, 8);
    if (!d) bench_die("bench_rrd", "out of memory", NULL);
    d[0] = sin(0.01 * (double)k);
    rr_component_descriptor_t ds;
    if (rr_component_descriptor_init(&ds, "rerun.archetypes.Scalars", "Scalars:scalars",
                                     "rerun.components.Scalar", &err))
        bench_die("bench_rrd", "descriptor", &err);
    if (rr_chunk_add_component(c, &ds, &type, &list, &err)) bench_die("bench_rrd", "component", &err);
    rr_component_descriptor_free(&ds);
    rr_arrow_schema_release(&type);
    return c;
}

/* ---------------- timed work ---------------- */

/* Seconds to write the recording as .rrd; *bytes gets the file size. */
static double rrd_write(const char *path, const recording_t *rec, bool lz4, uint64_t *bytes) {
    rr_error_t err = {0};
    rr_store_id_t store;
    if (rr_store_id_init(&store, RR_STORE_KIND_RECORDING, "bench_rrd", rec->name, &err))
        bench_die("bench_rrd", "store id", &err);
    rr_store_info_t info;
    memset(&info, 0, sizeof info);
    info.store_id = store;
    rr_rrd_writer_options_t opts;
    memset(&opts, 0, sizeof opts);
    opts.no_compression = !lz4;
    double t0 = bench_now_s();
    int fd = bench_open_new(path);
    rr_rrd_writer_t *w;
    if (rr_rrd_writer_open_fd(fd, &opts, &w, &err) || rr_rrd_writer_set_store_info(w, &info, &err))
        bench_die("bench_rrd", "rrd writer", &err);
    for (int64_t i = 0; i < rec->n_chunks; i++)
        if (rr_rrd_writer_write_chunk(w, &store, rec->pool[i % rec->n_pool], &err))
            bench_die("bench_rrd", "write chunk", &err);
    *bytes = rr_rrd_writer_bytes_written(w);
    if (rr_rrd_writer_finish(w, &err)) bench_die("bench_rrd", "rrd writer finish", &err);
    if (close(fd) != 0) bench_die("bench_rrd", "close", NULL);
    double t = bench_now_s() - t0;
    rr_store_id_free(&store);
    return t;
}

/* Seconds to decode the file down to chunks; checks the row count. */
static double rrd_read(const char *path, const recording_t *rec) {
    rr_error_t err = {0};
    int64_t rows = 0, chunks = 0;
    double t0 = bench_now_s();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) bench_die("bench_rrd", path, NULL);
    rr_rrd_decoder_t *dec;
    if (rr_rrd_decoder_new(NULL, &dec, &err)) bench_die("bench_rrd", "decoder", &err);
    for (;;) {
        size_t n;
        if (rr_rrd_decoder_read_fd(dec, fd, &n, &err)) bench_die("bench_rrd", "read", &err);
        if (n == 0) break;
        for (;;) {
            rr_rrd_message_t m;
            bool got;
            if (rr_rrd_decoder_next_ref(dec, &m, &got, &err)) bench_die("bench_rrd", "decode", &err);
            if (!got) break;
            if (m.msg.kind == RR_LOG_MSG_ARROW) {
                struct ArrowSchema schema;
                struct ArrowArray batch;
                rr_chunk_t *c;
                if (rr_rrd_payload_decode(&m.msg.u.arrow, 0, &schema, &batch, &err)) bench_die("bench_rrd", "payload", &err);
                if (rr_chunk_from_record_batch(&schema, &batch, &c, &err)) bench_die("bench_rrd", "chunk", &err);
                rows += c->num_rows;
                chunks++;
                rr_chunk_free(c);
                rr_arrow_schema_release(&schema);
            }
            rr_rrd_message_free(&m);
        }
    }
    if (rr_rrd_decoder_finish(dec, &err)) bench_die("bench_rrd", "decoder finish", &err);
    rr_rrd_decoder_free(dec);
    close(fd);
    double t = bench_now_s() - t0;
    if (rows != rec->rows || chunks != rec->n_chunks) {
        fprintf(stderr, "bench_rrd: read back %lld rows in %lld chunks, expected %lld in %lld\n",
                (long long)rows, (long long)chunks, (long long)rec->rows, (long long)rec->n_chunks);
        exit(1);
    }
    return t;
}

static void run_case(recording_t *rec, const char *path, int reps, double goal_write_off) {
    uint8_t *buf = rr_alloc_aligned(BENCH_PIECE);
    if (!buf) bench_die("bench_rrd", "out of memory", NULL);
    memset(buf, 0x5a, BENCH_PIECE);
    double *t = malloc((size_t)reps * sizeof *t);
    double tw[2], tr[2];
    if (!t) bench_die("bench_rrd", "out of memory", NULL);

    /* A first write of each kind sizes the recording and warms the allocator. */
    rrd_write(path, rec, true, &rec->lz4_bytes);
    rrd_write(path, rec, false, &rec->rrd_bytes);
    double bytes = (double)rec->rrd_bytes;
    printf("bench_rrd: %s: %lld chunks, %lld rows; .rrd %.1f MiB uncompressed, %.1f MiB LZ4 "
           "(%.2fx); median of %d runs in %s\n",
           rec->name, (long long)rec->n_chunks, (long long)rec->rows, bytes / 1048576,
           (double)rec->lz4_bytes / 1048576, bytes / (double)rec->lz4_bytes, reps, path);

    for (int r = 0; r < reps; r++) t[r] = bench_raw_write(path, buf, rec->rrd_bytes);
    double raw_w = bytes / bench_median(t, reps) / 1e9;
    uint64_t got = 0;
    for (int r = 0; r < reps; r++) t[r] = bench_raw_read(path, buf, &got);
    if (got != rec->rrd_bytes) bench_die("bench_rrd", "raw read: short file", NULL);
    double raw_r = bytes / bench_median(t, reps) / 1e9;

    for (int lz4 = 0; lz4 < 2; lz4++) {
        uint64_t size;
        for (int r = 0; r < reps; r++) t[r] = rrd_write(path, rec, lz4, &size);
        tw[lz4] = bench_median(t, reps);
        for (int r = 0; r < reps; r++) t[r] = rrd_read(path, rec);
        tr[lz4] = bench_median(t, reps);
    }
    unlink(path);
    char label[64];
    bench_print_line("raw write(2)", bytes, bytes / raw_w / 1e9, 0, "", 0);
    bench_print_line("raw read(2)", bytes, bytes / raw_r / 1e9, 0, "", 0);
    snprintf(label, sizeof label, "%s write lz4 off", rec->name);
    bench_print_line(label, bytes, tw[0], raw_w, "raw write", goal_write_off);
    snprintf(label, sizeof label, "%s write lz4 on", rec->name);
    bench_print_line(label, bytes, tw[1], raw_w, "raw write", 0);
    snprintf(label, sizeof label, "%s read lz4 off", rec->name);
    bench_print_line(label, bytes, tr[0], raw_r, "raw read", goal_write_off);
    snprintf(label, sizeof label, "%s read lz4 on", rec->name);
    bench_print_line(label, bytes, tr[1], raw_r, "raw read", 0);
    fflush(stdout);
    free(t);
    rr_free_aligned(buf);
}

static void free_pool(recording_t *rec) {
    for (int i = 0; i < rec->n_pool; i++) rr_chunk_free(rec->pool[i]);
    free(rec->pool);
}

int main(int argc, char **argv) {
    double mib = 1024;
    const char *env = getenv("BENCH_MIB");
    if (argc > 1)
        mib = atof(argv[1]);
    else if (env)
        mib = atof(env);
    int reps = getenv("BENCH_REPS") ? atoi(getenv("BENCH_REPS")) : 5;
    const char *dir = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "/dev/shm";
    if (!(mib > 0) || reps < 1) {
        fprintf(stderr, "usage: bench_rrd [MiB] (or BENCH_MIB=...; BENCH_REPS, BENCH_DIR)\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/bench_rrd.%d.rrd", dir, (int)getpid());
    double target = mib * 1048576;

    const char *only = getenv("BENCH_ONLY");
    /* (a) large point batches: ~1.6 MB of Arrow data per chunk. */
    if (!only || !strcmp(only, "points")) {
    recording_t pts = {.name = "points", .n_pool = 16};
    pts.pool = calloc((size_t)pts.n_pool, sizeof *pts.pool);
    if (!pts.pool) bench_die("bench_rrd", "out of memory", NULL);
    for (int i = 0; i < pts.n_pool; i++) pts.pool[i] = points_chunk((int64_t)i * PTS_ROWS);
    /* Size the chunk count from one chunk's encoded size. */
    {
        rr_buf_t one = {0};
        rr_error_t err = {0};
        rr_rrd_writer_t *w;
        rr_rrd_writer_options_t o = {.no_compression = true, .no_footer = true};
        rr_store_id_t s;
        if (rr_store_id_init(&s, RR_STORE_KIND_RECORDING, "bench_rrd", "size", &err) ||
            rr_rrd_writer_open_buf(&one, &o, &w, &err))
            bench_die("bench_rrd", "sizing", &err);
        uint64_t before = rr_rrd_writer_bytes_written(w);
        if (rr_rrd_writer_write_chunk(w, &s, pts.pool[0], &err)) bench_die("bench_rrd", "sizing", &err);
        uint64_t per = rr_rrd_writer_bytes_written(w) - before;
        rr_rrd_writer_free(w);
        rr_store_id_free(&s);
        rr_buf_free(&one);
        pts.n_chunks = (int64_t)(target / (double)per);
        if (pts.n_chunks < 1) pts.n_chunks = 1;
    }
    pts.rows = pts.n_chunks * PTS_ROWS;
    run_case(&pts, path, reps, 0.5);
    free_pool(&pts);
    }

    /* (b) many small chunks: one scalar each. */
    if (!only || !strcmp(only, "scalars")) {
    recording_t sc = {.name = "scalars", .n_pool = 1024};
    sc.pool = calloc((size_t)sc.n_pool, sizeof *sc.pool);
    if (!sc.pool) bench_die("bench_rrd", "out of memory", NULL);
    for (int i = 0; i < sc.n_pool; i++) sc.pool[i] = scalar_chunk(i);
    {
        rr_buf_t one = {0};
        rr_error_t err = {0};
        rr_rrd_writer_t *w;
        rr_rrd_writer_options_t o = {.no_compression = true, .no_footer = true};
        rr_store_id_t s;
        if (rr_store_id_init(&s, RR_STORE_KIND_RECORDING, "bench_rrd", "size", &err) ||
            rr_rrd_writer_open_buf(&one, &o, &w, &err))
            bench_die("bench_rrd", "sizing", &err);
        uint64_t before = rr_rrd_writer_bytes_written(w);
        if (rr_rrd_writer_write_chunk(w, &s, sc.pool[0], &err)) bench_die("bench_rrd", "sizing", &err);
        uint64_t per = rr_rrd_writer_bytes_written(w) - before;
        rr_rrd_writer_free(w);
        rr_store_id_free(&s);
        rr_buf_free(&one);
        /* The footer's manifest adds to each chunk's share; aim at the target. */
        sc.n_chunks = (int64_t)(target / (double)per);
        if (sc.n_chunks < 1) sc.n_chunks = 1;
    }
    sc.rows = sc.n_chunks;
    run_case(&sc, path, reps, 0);
    free_pool(&sc);
    }
    return 0;
}
