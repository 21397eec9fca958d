/* Chunk store benchmark (issue 5): insertion of scalar rows in 1-row and
 * 1000-row chunks (rows/s, compaction on as Rerun's defaults), latest-at on a
 * store of 100,000 chunks (median ns per query), range over 1 million rows
 * (GB/s of the bytes returned: row id, time and value per row, against memcpy
 * of as many bytes in the same run), and the store's memory against the
 * Arrow bytes it holds. Insertion is measured twice: chunks given to
 * rr_store_insert_chunk (built beforehand, untimed; their free is timed),
 * and rows given to rr_store_append_rows and to an appender
 * (rr_store_appender_append) from reused buffers, fresh row ids made by the
 * store. Insertion
 * ratios compare the rows' 32 bytes (row id, time, value) per second with
 * memcpy. BENCH_SCALE (default 1) shrinks every size. */
#include <math.h>

#include "bench_util.h"

#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/schema.h"
#include "rrd/encoder.h"
#include "store/store.h"

static const char *PROG = "bench_store";

/* CPU time of this thread: the machine is shared (2 cores, other builds
 * running), and wall time would count the time other processes hold the
 * core. The memcpy baseline is timed the same way. */
static double cpu_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#define bench_now_s cpu_now_s
static struct ArrowSchema scalar_type;
static rr_component_descriptor_t scalar_descr;

/* n rows of f64 scalars at frame t0.. on path, made in one call
 * (rr_chunk_new_columns: a packed chunk, one allocation, when small). */
static rr_chunk_t *scalar_chunk_packed(const rr_entity_path_t *p, int64_t t0, int64_t n,
                                       int64_t *tbuf, double *vbuf, struct ArrowArray *l) {
    rr_error_t err = {0};
    int32_t *off = (int32_t *)l->buffers[1];
    double *v = (double *)l->children[0]->buffers[1];
    for (int64_t i = 0; i < n; i++) {
        tbuf[i] = t0 + i;
        v[i] = vbuf[i] = sin((double)(t0 + i) * 0.01);
        off[i + 1] = (int32_t)(i + 1);
    }
    off[0] = 0;
    l->length = n;
    l->children[0]->length = n;
    rr_chunk_time_column_t tc = {"frame", RR_TIME_SEQUENCE, tbuf};
    rr_chunk_list_column_t lc = {&scalar_descr, &scalar_type, l};
    rr_chunk_t *c = NULL;
    if (rr_chunk_new_columns(rr_tuid_new(), p, n, NULL, &tc, 1, &lc, 1, &c, &err) != RR_OK)
        bench_die(PROG, "chunk", &err);
    return c;
}

/* n rows of f64 scalars at frame t0.. on path, built column by column. */
static rr_chunk_t *scalar_chunk(const rr_entity_path_t *p, int64_t t0, int64_t n, int64_t *tbuf,
                                double *vbuf) {
    rr_error_t err = {0};
    rr_chunk_t *c = NULL;
    if (rr_chunk_new(rr_tuid_new(), p, n, NULL, &c, &err) != RR_OK) bench_die(PROG, "chunk", &err);
    for (int64_t i = 0; i < n; i++) {
        tbuf[i] = t0 + i;
        vbuf[i] = sin((double)(t0 + i) * 0.01);
    }
    if (rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, tbuf, &err) != RR_OK) bench_die(PROG, "index", &err);
    /* The list column built by hand: offsets 0..n, values n doubles. */
    struct ArrowArray l;
    if (rr_arrow_array_init(&l, 2, 1, false, &err) != RR_OK ||
        rr_arrow_array_init(l.children[0], 2, 0, false, &err) != RR_OK)
        bench_die(PROG, "array", &err);
    int32_t *off = rr_arrow_array_alloc_buffer(&l, 1, (size_t)(n + 1) * 4);
    double *v = rr_arrow_array_alloc_buffer(l.children[0], 1, (size_t)n * 8);
    if (!off || !v) bench_die(PROG, "alloc", NULL);
    for (int64_t i = 0; i <= n; i++) off[i] = (int32_t)i;
    memcpy(v, vbuf, (size_t)n * 8);
    l.length = n;
    l.children[0]->length = n;
    if (rr_chunk_add_component(c, &scalar_descr, &scalar_type, &l, &err) != RR_OK) bench_die(PROG, "component", &err);
    return c;
}

static double memcpy_gbs(uint64_t bytes) {
    uint8_t *a = malloc(bytes), *b = malloc(bytes);
    if (!a || !b) bench_die(PROG, "alloc", NULL);
    memset(a, 1, bytes);
    memset(b, 2, bytes);
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t0 = bench_now_s();
        memcpy(b, a, bytes);
        double dt = bench_now_s() - t0;
        if (dt < best) best = dt;
    }
    volatile uint8_t sink = b[bytes / 2];
    (void)sink;
    free(a);
    free(b);
    return (double)bytes / best / 1e9;
}

static uint64_t held_arrow_bytes(const rr_store_t *s) {
    uint64_t b = 0;
    for (size_t i = 0; i < rr_store_num_chunks(s); i++) b += (uint64_t)rr_chunk_byte_size(rr_store_chunk_at(s, i));
    return b;
}

static void bench_insert(const rr_entity_path_t *p, int64_t total_rows, int64_t rows_per_chunk,
                         bool compaction, bool packed) {
    rr_error_t err = {0};
    rr_store_t *s = NULL;
    rr_store_config_t cfg;
    rr_store_config_default(&cfg);
    if (!compaction) cfg.chunk_max_bytes = cfg.chunk_max_rows = cfg.chunk_max_rows_if_unsorted = 0;
    if (rr_store_new(NULL, &cfg, &s, &err) != RR_OK) bench_die(PROG, "store", &err);
    /* Chunks are built in small batches right before they go in, as a
     * decoder hands them over: the insert, not the memory latency of chunks
     * built long ago, is what is timed. */
    int64_t batch_chunks = rows_per_chunk == 1 ? 256 : 16;
    rr_chunk_t **batch = malloc((size_t)batch_chunks * sizeof *batch);
    int64_t *tb = malloc((size_t)rows_per_chunk * 8);
    double *vb = malloc((size_t)rows_per_chunk * 8);
    struct ArrowArray l;
    if (rr_arrow_array_init(&l, 2, 1, false, &err) != RR_OK ||
        rr_arrow_array_init(l.children[0], 2, 0, false, &err) != RR_OK ||
        !rr_arrow_array_alloc_buffer(&l, 1, (size_t)(rows_per_chunk + 1) * 4) ||
        !rr_arrow_array_alloc_buffer(l.children[0], 1, (size_t)rows_per_chunk * 8))
        bench_die(PROG, "array", &err);
    double secs = 0, build_secs = 0;
    int64_t done = 0, n_chunks = 0;
    while (done < total_rows) {
        int64_t n = 0;
        double b0 = bench_now_s();
        for (; n < batch_chunks && done + n * rows_per_chunk < total_rows; n++)
            batch[n] = packed ? scalar_chunk_packed(p, done + n * rows_per_chunk, rows_per_chunk, tb, vb, &l)
                              : scalar_chunk(p, done + n * rows_per_chunk, rows_per_chunk, tb, vb);
        build_secs += bench_now_s() - b0;
        n_chunks += n;
        double t0 = bench_now_s();
        for (int64_t i = 0; i < n; i++)
            if (rr_store_insert_chunk(s, batch[i], &err) != RR_OK) bench_die(PROG, "insert", &err);
        secs += bench_now_s() - t0;
        done += n * rows_per_chunk;
    }
    rr_store_stats_t st;
    rr_store_get_stats(s, &st);
    uint64_t held = held_arrow_bytes(s);
    char what[64];
    snprintf(what, sizeof what, "insert %lld-row chunks%s%s", (long long)rows_per_chunk,
             packed ? " packed" : "", compaction ? "" : " (no compaction)");
    double rps = (double)done / secs;
    uint64_t base_bytes = (uint64_t)done * 32 > (1u << 26) ? (1u << 26) : (uint64_t)done * 32;
    printf("%-28s %9.2f M rows/s  (%lld rows in %.3f s, %llu chunks after compaction)  ratio %.3fx memcpy of the rows' 32 bytes",
           what, rps / 1e6, (long long)done, secs, (unsigned long long)st.num_chunks,
           rps * 32 / 1e9 / memcpy_gbs(base_bytes));
    if (rows_per_chunk == 1) printf("  (goal >= 5 M rows/s: %s)", rps >= 5e6 ? "met" : "MISSED");
    printf("\n");
    /* Not part of the figure, but what a caller pays before the insert:
     * work moved from the insert into making chunks shows here. */
    printf("%-28s %9.0f ns per chunk (untimed above; includes making the values)\n",
           "  building the chunks", build_secs / (double)n_chunks * 1e9);
    printf("%-28s %9.3fx  (store %llu bytes, Arrow bytes held %llu)  (goal <= 1.2x: %s)\n",
           "  memory / Arrow bytes", (double)st.total_bytes / (double)held,
           (unsigned long long)st.total_bytes, (unsigned long long)held,
           (double)st.total_bytes <= 1.2 * (double)held ? "met" : "MISSED");
    free(batch);
    free(tb);
    free(vb);
    rr_arrow_array_release(&l);
    rr_store_free(s);
}

/* The realistic path for a stream of small chunks: an .rrd of 1-row
 * chunks (as a live ArrowMsg stream carries them) decoded and inserted
 * (rr_store_set_load_rrd_bytes: frames, protobuf, IPC, chunk, store),
 * against memcpy of the same bytes; and the same rows in chunks of
 * per_chunk rows, as a batcher writes them. Medians of 3 runs. */
static void bench_load_rrd(const rr_entity_path_t *p, int64_t total_rows, int64_t per_chunk) {
    rr_error_t err = {0};
    rr_buf_t buf = {0};
    rr_rrd_writer_t *w = NULL;
    rr_store_id_t id;
    if (rr_store_id_init(&id, RR_STORE_KIND_RECORDING, "bench", "bench_rec", &err) != RR_OK ||
        rr_rrd_writer_open_buf(&buf, NULL, &w, &err) != RR_OK)
        bench_die(PROG, "writer", &err);
    rr_store_info_t info;
    memset(&info, 0, sizeof info);
    info.store_id = id;
    if (rr_rrd_writer_set_store_info(w, &info, &err) != RR_OK) bench_die(PROG, "store info", &err);
    int64_t *tb = malloc((size_t)per_chunk * 8);
    double *vb = malloc((size_t)per_chunk * 8);
    if (!tb || !vb) bench_die(PROG, "malloc", NULL);
    for (int64_t t = 0; t < total_rows; t += per_chunk) {
        int64_t n = total_rows - t < per_chunk ? total_rows - t : per_chunk;
        rr_chunk_t *c = scalar_chunk(p, t, n, tb, vb);
        if (rr_rrd_writer_write_chunk(w, &id, c, &err) != RR_OK) bench_die(PROG, "write", &err);
        rr_chunk_free(c);
    }
    free(tb);
    free(vb);
    if (rr_rrd_writer_finish(w, &err) != RR_OK) bench_die(PROG, "finish", &err);
    enum { REPS = 3 };
    double secs[REPS];
    uint64_t n_rows = 0;
    for (int rep = 0; rep < REPS; rep++) {
        rr_store_set_t *set = NULL;
        if (rr_store_set_new(NULL, &set, &err) != RR_OK) bench_die(PROG, "set", &err);
        double t0 = bench_now_s();
        if (rr_store_set_load_rrd_bytes(set, buf.data, buf.len, &err) != RR_OK)
            bench_die(PROG, "load", &err);
        secs[rep] = bench_now_s() - t0;
        rr_store_stats_t st;
        rr_store_get_stats(rr_store_set_get(set, 0), &st);
        n_rows = st.num_rows;
        rr_store_set_free(set);
    }
    if ((int64_t)n_rows != total_rows) {
        fprintf(stderr, "%s: loaded %llu rows, expected %lld\n", PROG, (unsigned long long)n_rows,
                (long long)total_rows);
        exit(1);
    }
    double m = bench_median(secs, REPS);
    double gbs = (double)buf.len / m / 1e9;
    char what[64];
    snprintf(what, sizeof what, "decode+insert .rrd %lld-row", (long long)per_chunk);
    printf("%-28s %9.2f M rows/s = %7.1f MB/s  (%lld rows, %.1f MB of .rrd in %.3f s)  ratio %.4fx "
           "memcpy of the .rrd bytes",
           what, (double)total_rows / m / 1e6, (double)buf.len / m / 1e6, (long long)total_rows,
           (double)buf.len / 1e6, m, gbs / memcpy_gbs(buf.len));
    if (per_chunk == 1) printf("  (goal >= 1 M rows/s: %s)", (double)total_rows / m >= 1e6 ? "met" : "MISSED");
    printf("\n");
    rr_buf_free(&buf);
    rr_store_id_free(&id);
}

/* The same rows through rr_store_append_rows: no chunk is built per call;
 * the caller's time and list buffers are rewritten and lent for each call,
 * as a logger appending to the store in process would. */
static void bench_append(const rr_entity_path_t *p, int64_t total_rows, int64_t rows_per_call,
                         bool use_appender) {
    rr_error_t err = {0};
    rr_store_t *s = NULL;
    if (rr_store_new(NULL, NULL, &s, &err) != RR_OK) bench_die(PROG, "store", &err);
    int64_t n = rows_per_call;
    int64_t *tb = malloc((size_t)n * 8);
    struct ArrowArray l;
    if (!tb || rr_arrow_array_init(&l, 2, 1, false, &err) != RR_OK ||
        rr_arrow_array_init(l.children[0], 2, 0, false, &err) != RR_OK)
        bench_die(PROG, "array", &err);
    int32_t *off = rr_arrow_array_alloc_buffer(&l, 1, (size_t)(n + 1) * 4);
    double *v = rr_arrow_array_alloc_buffer(l.children[0], 1, (size_t)n * 8);
    if (!off || !v) bench_die(PROG, "alloc", NULL);
    for (int64_t i = 0; i <= n; i++) off[i] = (int32_t)i;
    l.length = n;
    l.children[0]->length = n;
    rr_store_time_column_t tc = {"frame", RR_TIME_SEQUENCE, tb};
    rr_store_component_column_t cc = {&scalar_descr, &scalar_type, &l};
    rr_store_appender_t *app = NULL;
    if (use_appender && rr_store_appender_new(s, p, &tc, 1, &cc, 1, &app, &err) != RR_OK)
        bench_die(PROG, "appender", &err);
    const int64_t *times[1] = {tb};
    const struct ArrowArray *lists[1] = {&l};
    double t0 = bench_now_s();
    for (int64_t done = 0; done < total_rows; done += n) {
        for (int64_t i = 0; i < n; i++) {
            tb[i] = done + i;
            v[i] = (double)((done + i) & 1023) * 0.01;
        }
        rr_status_t st = app ? rr_store_appender_append(app, n, NULL, times, lists, &err)
                             : rr_store_append_rows(s, p, n, NULL, &tc, 1, &cc, 1, &err);
        if (st != RR_OK) bench_die(PROG, "append", &err);
    }
    double secs = bench_now_s() - t0;
    rr_store_appender_free(app);
    rr_store_stats_t st;
    rr_store_get_stats(s, &st);
    uint64_t held = held_arrow_bytes(s);
    char what[64];
    snprintf(what, sizeof what, "%s %lld-row calls", use_appender ? "appender" : "append_rows", (long long)n);
    double rps = (double)total_rows / secs;
    uint64_t base_bytes = (uint64_t)total_rows * 32 > (1u << 26) ? (1u << 26) : (uint64_t)total_rows * 32;
    printf("%-28s %9.2f M rows/s  (%lld rows in %.3f s, %llu chunks)  ratio %.3fx memcpy of the rows' 32 bytes",
           what, rps / 1e6, (long long)total_rows, secs, (unsigned long long)st.num_chunks,
           rps * 32 / 1e9 / memcpy_gbs(base_bytes));
    if (n == 1) printf("  (goal >= 5 M rows/s: %s)", rps >= 5e6 ? "met" : "MISSED");
    printf("\n");
    printf("%-28s %9.3fx  (store %llu bytes, Arrow bytes held %llu)  (goal <= 1.2x: %s)\n",
           "  memory / Arrow bytes", (double)st.total_bytes / (double)held,
           (unsigned long long)st.total_bytes, (unsigned long long)held,
           (double)st.total_bytes <= 1.2 * (double)held ? "met" : "MISSED");
    rr_arrow_array_release(&l);
    free(tb);
    rr_store_free(s);
}

static void bench_latest_at(int64_t n_chunks) {
    rr_error_t err = {0};
    rr_store_config_t cfg;
    rr_store_config_default(&cfg);
    cfg.chunk_max_bytes = cfg.chunk_max_rows = cfg.chunk_max_rows_if_unsorted = 0;
    rr_store_t *s = NULL;
    if (rr_store_new(NULL, &cfg, &s, &err) != RR_OK) bench_die(PROG, "store", &err);
    const int n_ent = 100;
    const int64_t rows = 10;
    rr_entity_path_t ents[100];
    int64_t tb[16];
    double vb[16];
    for (int e = 0; e < n_ent; e++) {
        char name[32];
        int n = snprintf(name, sizeof name, "/sensor/%d", e);
        if (rr_entity_path_parse(name, (size_t)n, &ents[e], &err) != RR_OK) bench_die(PROG, "path", &err);
    }
    int64_t per = n_chunks / n_ent;
    if (per < 1) per = 1;
    for (int64_t i = 0; i < per; i++)
        for (int e = 0; e < n_ent; e++)
            if (rr_store_insert_chunk(s, scalar_chunk(&ents[e], i * rows, rows, tb, vb), &err) != RR_OK)
                bench_die(PROG, "insert", &err);
    int64_t tmax = per * rows;
    enum { BATCH = 2000, REPS = 51 };
    double med[REPS];
    uint64_t r = 88172645463325252ULL;
    int64_t hits = 0;
    for (int rep = 0; rep < REPS; rep++) {
        int idx_e[BATCH];
        int64_t idx_t[BATCH];
        for (int q = 0; q < BATCH; q++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            idx_e[q] = (int)(r % (uint64_t)n_ent);
            idx_t[q] = (int64_t)((r >> 20) % (uint64_t)tmax);
        }
        double t0 = bench_now_s();
        for (int q = 0; q < BATCH; q++) {
            rr_store_row_t row;
            hits += rr_store_latest_at(s, &ents[idx_e[q]], "frame", idx_t[q], "Scalars:scalars", &row);
        }
        med[rep] = (bench_now_s() - t0) / BATCH * 1e9;
    }
    double m = bench_median(med, REPS);
    printf("%-28s %9.0f ns median per query  (%zu chunks, %lld hits)  (goal <= 1000 ns: %s)\n",
           "latest-at", m, rr_store_num_chunks(s), (long long)hits, m <= 1000 ? "met" : "MISSED");
    for (int e = 0; e < n_ent; e++) rr_entity_path_free(&ents[e]);
    rr_store_free(s);
}

static void bench_range(int64_t n_rows) {
    rr_error_t err = {0};
    rr_store_t *s = NULL;
    if (rr_store_new(NULL, NULL, &s, &err) != RR_OK) bench_die(PROG, "store", &err);
    rr_entity_path_t p;
    if (rr_entity_path_parse("/plot", 5, &p, &err) != RR_OK) bench_die(PROG, "path", &err);
    int64_t *tb = malloc(1000 * 8);
    double *vb = malloc(1000 * 8);
    for (int64_t t = 0; t < n_rows; t += 1000)
        if (rr_store_insert_chunk(s, scalar_chunk(&p, t, 1000, tb, vb), &err) != RR_OK)
            bench_die(PROG, "insert", &err);
    rr_store_rows_t rows;
    rr_store_rows_init(&rows);
    enum { REPS = 11 };
    double secs[REPS];
    double sum = 0;
    for (int rep = 0; rep < REPS; rep++) {
        rr_store_rows_clear(&rows);
        double t0 = bench_now_s();
        if (rr_store_range(s, &p, "frame", (rr_time_range_t){0, n_rows - 1}, "Scalars:scalars", &rows, &err) != RR_OK)
            bench_die(PROG, "range", &err);
        secs[rep] = bench_now_s() - t0;
        for (size_t i = 0; i < rows.n; i += 4096) sum += (double)rows.rows[i].time;
    }
    if ((int64_t)rows.n != n_rows) {
        fprintf(stderr, "%s: range returned %zu rows, expected %lld\n", PROG, rows.n, (long long)n_rows);
        exit(1);
    }
    /* What a row hands back: its row id (16), time (8) and value (8). */
    uint64_t bytes = (uint64_t)n_rows * 32;
    double base = memcpy_gbs(bytes);
    char what[64];
    snprintf(what, sizeof what, "range %lld rows", (long long)n_rows);
    bench_print_line(what, (double)bytes, bench_median(secs, REPS), base, "memcpy", 0.25);
    if (sum < 0) printf("%f\n", sum);
    rr_store_rows_free(&rows);
    free(tb);
    free(vb);
    rr_entity_path_free(&p);
    rr_store_free(s);
}

int main(void) {
    double scale = 1;
    const char *e = getenv("BENCH_SCALE");
    if (e) scale = atof(e);
    if (!(scale > 0)) scale = 1;
    rr_error_t err = {0};
    if (rr_arrow_schema_init(&scalar_type, "+l", "", ARROW_FLAG_NULLABLE, 1, &err) != RR_OK ||
        rr_arrow_schema_init(scalar_type.children[0], "g", "item", ARROW_FLAG_NULLABLE, 0, &err) != RR_OK ||
        rr_component_descriptor_init(&scalar_descr, "rerun.archetypes.Scalars", "Scalars:scalars",
                                     "rerun.components.Scalar", &err) != RR_OK)
        bench_die(PROG, "schema", &err);
    rr_entity_path_t p;
    if (rr_entity_path_parse("/scalar", 7, &p, &err) != RR_OK) bench_die(PROG, "path", &err);
    int64_t rows = (int64_t)(10e6 * scale);
    if (rows < 1000) rows = 1000;
    /* BENCH_STORE_ONLY=append|insert|range runs those figures alone
     * (profiling). */
    const char *only = getenv("BENCH_STORE_ONLY");
    bool all = !only || !*only;
    if (!all && strcmp(only, "insert") == 0) bench_insert(&p, rows, 1, true, true);
    if (!all && strcmp(only, "load") == 0) {
        bench_load_rrd(&p, rows / 100, 1);
        bench_load_rrd(&p, rows, 1000);
    }
    if (!all && strcmp(only, "range") == 0) {
        int64_t rr = (int64_t)(1e6 * scale);
        bench_range(rr < 1000 ? 1000 : rr / 1000 * 1000);
    }
    if (all) {
        bench_insert(&p, rows, 1, true, false);
        bench_insert(&p, rows, 1, true, true);
        bench_insert(&p, rows, 1000, true, false);
        bench_load_rrd(&p, rows / 100, 1);
        bench_load_rrd(&p, rows, 1000);
    }
    if (all || strcmp(only, "append") == 0) {
        bench_append(&p, rows, 1, false);
        bench_append(&p, rows, 1000, false);
        bench_append(&p, rows, 1, true);
    }
    if (!all) {
        rr_entity_path_free(&p);
        rr_component_descriptor_free(&scalar_descr);
        rr_arrow_schema_release(&scalar_type);
        return 0;
    }
    if (getenv("BENCH_STORE_NO_COMPACTION")) bench_insert(&p, rows / 10, 1, false, true);
    int64_t nch = (int64_t)(100000 * scale);
    if (nch < 100) nch = 100;
    bench_latest_at(nch);
    int64_t rr = (int64_t)(1e6 * scale);
    if (rr < 1000) rr = 1000;
    bench_range(rr / 1000 * 1000);
    rr_entity_path_free(&p);
    rr_component_descriptor_free(&scalar_descr);
    rr_arrow_schema_release(&scalar_type);
    return 0;
}
