/* Tests of the batcher's per-thread staging (rows of one-instance generated
 * components logged from a thread with a batcher thread): every row arrives
 * once, in order per entity, with its times and values; row and byte
 * thresholds cut chunks where rows pushed one by one would; the tick takes
 * rows from a thread that logs no more; rr_flush takes another living
 * thread's rows and an exited thread's; the thread's other rows of the
 * entity (several instances, another archetype) keep their place; static
 * rows; one thread logging the same string to two recordings, one of them
 * freed in between; forty entities from one array of paths; whole stages
 * handed over at the byte threshold, and early to an idle batcher thread. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arrow/schema.h"
#include "rrd/decoder.h"
#include "rrd/frames.h"
#include "sdk/sdk_internal.h"
#include "sdk_decode.h"
#include "testutil.h"

/* ---- helpers ---- */

static rr_recording_stream_t *stream(const rr_batcher_config_t *b) {
    rr_recording_options_t o;
    memset(&o, 0, sizeof o);
    if (b) o.batcher = *b;
    o.no_properties = true;
    rr_recording_stream_t *rec;
    rr_error_t err = {0};
    assert_rr_ok(rr_recording_stream_new("test_stage", &o, &rec, &err), &err);
    return rec;
}

static void log_scalar(rr_recording_stream_t *rec, const char *path, double v) {
    rr_error_t err = {0};
    rr_archetype_t *a;
    assert_rr_ok(rr_scalars_new(&a, &v, 1, RR_BORROW, &err), &err);
    assert_rr_ok(rr_log(rec, path, a, &err), &err);
    rr_archetype_free(a);
}

/* The value of row r of a chunk's one-instance f64 list column. */
static double scalar_at(const rr_chunk_t *c, int64_t r) {
    const rr_chunk_component_t *cc = rr_chunk_find_component(c, "Scalars:scalars");
    assert_non_null(cc);
    const int32_t *off = cc->array.buffers[1];
    int64_t i = cc->array.offset + r;
    assert_int_equal(off[i + 1] - off[i], 1);
    const struct ArrowArray *v = cc->array.children[0];
    return ((const double *)v->buffers[1])[v->offset + off[i]];
}

/* Rows of path over all chunks, in output order: checks that frame counts
 * 0, 1, 2, ... with value frame * 0.5 + bias, that row ids ascend, and
 * returns how many rows there were. */
static int64_t check_entity(const decoded_t *d, const char *path, double bias) {
    int64_t n = 0;
    rr_tuid_t last = {0, 0};
    for (size_t k = 0; k < d->n_chunks; k++) {
        const rr_chunk_t *c = d->chunks[k];
        const char *got = c->entity_path.str;
        if (strcmp(got + (got[0] == '/'), path) != 0) continue;
        const rr_chunk_index_t *f = rr_chunk_find_index(c, "frame");
        assert_non_null(f);
        assert_non_null(rr_chunk_find_index(c, "log_time"));
        assert_non_null(rr_chunk_find_index(c, "log_tick"));
        for (int64_t r = 0; r < c->num_rows; r++, n++) {
            assert_int_equal(rr_chunk_index_value(f, r), n);
            assert_true(scalar_at(c, r) == (double)n * 0.5 + bias);
            rr_tuid_t id = rr_chunk_row_id(c, r);
            assert_true(id.time_ns > last.time_ns ||
                        (id.time_ns == last.time_ns && id.inc > last.inc));
            last = id;
        }
    }
    return n;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- tests ---- */

/* Interleaved entities, more rows than a stage holds: all there, in order. */
static void test_interleaved_entities(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_stream_t *rec = stream(NULL);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    static const char *paths[3] = {"a", "b/c", "d"};
    for (int i = 0; i < 10000; i++) {
        assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
        for (int e = 0; e < 3; e++) log_scalar(rec, paths[e], i * 0.5 + e);
    }
    decoded_t *d = decode_sink(rec, m);
    for (int e = 0; e < 3; e++) assert_int_equal(check_entity(d, paths[e], e), 10000);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

/* Row and byte thresholds cut exactly as for rows pushed one by one. */
static void test_thresholds(void **state) {
    (void)state;
    rr_error_t err = {0};
    for (int mode = 0; mode < 2; mode++) {
        /* A scalar row: 16 (row id) + 3 x 8 (times) + 4 + 8 = 52 bytes. */
        rr_batcher_config_t b = {.flush_tick_ns = 3600000000000ull};
        if (mode == 0) b.flush_num_rows = 100;
        else b.flush_num_bytes = 520;
        rr_recording_stream_t *rec = stream(&b);
        rr_memory_sink_t *m;
        assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
        for (int i = 0; i < 1050; i++) {
            assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
            log_scalar(rec, "e", i * 0.5);
        }
        decoded_t *d = decode_sink(rec, m);
        int64_t each = mode == 0 ? 100 : 10;
        assert_int_equal(d->n_chunks, (size_t)(1050 / each + (1050 % each != 0)));
        for (size_t k = 0; k + 1 < d->n_chunks; k++) assert_int_equal(d->chunks[k]->num_rows, each);
        assert_int_equal(check_entity(d, "e", 0), 1050);
        decoded_free(d);
        rr_recording_stream_free(rec);
    }
}

/* A custom sink counting what reaches it (the batcher thread writes). */
static rr_status_t count_write(void *ctx, uint32_t kind, const uint8_t *body, size_t len,
                               rr_error_t *err) {
    (void)kind;
    (void)body;
    (void)len;
    (void)err;
    atomic_fetch_add((atomic_int *)ctx, 1);
    return RR_OK;
}

/* A thread that logs a few rows and stops: the tick sends them. */
static void test_tick_takes_idle_rows(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_batcher_config_t b = {.flush_tick_ns = 20000000ull};
    rr_recording_stream_t *rec = stream(&b);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    atomic_int writes;
    atomic_init(&writes, 0);
    rr_sink_vtable_t vt = {count_write, NULL, NULL};
    assert_rr_ok(rr_add_sink(rec, &vt, &writes, &err), &err);
    int before = atomic_load(&writes);
    for (int i = 0; i < 5; i++) {
        assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
        log_scalar(rec, "idle", i * 0.5);
    }
    for (int tries = 0; tries < 500 && atomic_load(&writes) == before; tries++) sleep_ms(10);
    assert_int_equal(atomic_load(&writes), before + 1); /* one chunk, no flush */
    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(d->n_chunks, 1);
    assert_int_equal(check_entity(d, "idle", 0), 5);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

typedef struct worker {
    rr_recording_stream_t *rec;
    const char *path;
    int n;
    atomic_int phase; /* 1: logged; 2: may exit */
} worker_t;

static void *worker_main(void *p) {
    worker_t *w = p;
    for (int i = 0; i < w->n; i++) {
        if (rr_set_time_sequence(w->rec, "frame", i) != RR_OK) abort();
        double v = i * 0.5;
        rr_archetype_t *a;
        if (rr_scalars_new(&a, &v, 1, RR_BORROW, NULL) != RR_OK) abort();
        if (rr_log(w->rec, w->path, a, NULL) != RR_OK) abort();
        rr_archetype_free(a);
    }
    int idle = 0;
    atomic_compare_exchange_strong(&w->phase, &idle, 1); /* phase 2 already: exit */
    while (atomic_load(&w->phase) != 2) sleep_ms(1);
    return NULL;
}

/* rr_flush on one thread takes the rows another (living, then exited)
 * thread staged. */
static void test_flush_reaches_other_threads(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_batcher_config_t b = {.flush_tick_ns = 3600000000000ull};
    rr_recording_stream_t *rec = stream(&b);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    worker_t w1 = {.rec = rec, .path = "t1", .n = 300}, w2 = {.rec = rec, .path = "t2", .n = 7000};
    atomic_init(&w1.phase, 0);
    atomic_init(&w2.phase, 0);
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, worker_main, &w1), 0);
    assert_int_equal(pthread_create(&t2, NULL, worker_main, &w2), 0);
    while (atomic_load(&w1.phase) != 1 || atomic_load(&w2.phase) != 1) sleep_ms(1);
    /* Both alive, idle, with staged rows. */
    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(check_entity(d, "t1", 0), 300);
    assert_int_equal(check_entity(d, "t2", 0), 7000);
    decoded_free(d);
    atomic_store(&w1.phase, 2);
    pthread_join(t1, NULL);
    /* A thread that exits with staged rows: the flush still finds them. */
    worker_t w3 = {.rec = rec, .path = "t3", .n = 50};
    atomic_init(&w3.phase, 2);
    pthread_t t3;
    assert_int_equal(pthread_create(&t3, NULL, worker_main, &w3), 0);
    pthread_join(t3, NULL);
    d = decode_sink(rec, m);
    assert_int_equal(check_entity(d, "t3", 0), 50);
    decoded_free(d);
    atomic_store(&w2.phase, 2);
    pthread_join(t2, NULL);
    rr_recording_stream_free(rec);
}

/* Rows of the entity that cannot be staged (two instances, another
 * archetype) come after the staged ones logged before them. */
static void test_other_rows_keep_order(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_stream_t *rec = stream(NULL);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    int64_t pairs = 0;
    for (int i = 0; i < 600; i++) {
        assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
        if (i % 50 == 49) {
            double v[2] = {i * 0.5, -1};
            rr_archetype_t *a;
            assert_rr_ok(rr_scalars_new(&a, v, 2, RR_BORROW, &err), &err);
            assert_rr_ok(rr_log(rec, "mix", a, &err), &err);
            rr_archetype_free(a);
            pairs++;
        } else {
            log_scalar(rec, "mix", i * 0.5);
        }
        if (i % 97 == 0) {
            float xyz[3] = {(float)i, 0, 0};
            rr_archetype_t *p;
            assert_rr_ok(rr_points3d_new(&p, (const rr_position3d_t *)xyz, 1, RR_BORROW, &err), &err);
            assert_rr_ok(rr_log(rec, "mix", p, &err), &err);
            rr_archetype_free(p);
        }
    }
    decoded_t *d = decode_sink(rec, m);
    /* Scalars rows: frames 0..599 in order across the chunks. */
    int64_t n = 0, seen_pairs = 0;
    for (size_t k = 0; k < d->n_chunks; k++) {
        const rr_chunk_t *c = d->chunks[k];
        const rr_chunk_component_t *cc = rr_chunk_find_component(c, "Scalars:scalars");
        if (!cc) continue;
        const rr_chunk_index_t *f = rr_chunk_find_index(c, "frame");
        const int32_t *off = cc->array.buffers[1];
        for (int64_t r = 0; r < c->num_rows; r++, n++) {
            assert_int_equal(rr_chunk_index_value(f, r), n);
            int64_t len = off[cc->array.offset + r + 1] - off[cc->array.offset + r];
            assert_int_equal(len, n % 50 == 49 ? 2 : 1);
            seen_pairs += len == 2;
        }
    }
    assert_int_equal(n, 600);
    assert_int_equal(seen_pairs, pairs);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

/* Forty entities logged in turn from paths kept in one array (strings 32
 * bytes apart: several share a stage slot's home, and more than its probes
 * do): every row there once, in order. */
static void test_many_entities(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_batcher_config_t b = {.flush_tick_ns = 3600000000000ull};
    rr_recording_stream_t *rec = stream(&b);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    enum { N = 40, ROWS = 1500 };
    static char paths[N][32];
    for (int e = 0; e < N; e++) snprintf(paths[e], sizeof paths[e], "many/e%d", e);
    for (int i = 0; i < ROWS; i++) {
        assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
        for (int e = 0; e < N; e++) log_scalar(rec, paths[e], i * 0.5 + e);
    }
    decoded_t *d = decode_sink(rec, m);
    for (int e = 0; e < N; e++) assert_int_equal(check_entity(d, paths[e], e), ROWS);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

/* A stage that fills up to the byte threshold hands its rows over whole
 * (more than STAGE_HAND_OVER_ROWS of them): chunks of exactly the threshold's
 * rows, values and times in order, for two entities in turn, with a row of
 * two instances and a flush in between (which leave rows pending and the
 * ring not at its start, so copies and hand-overs mix). */
static void test_hand_over(void **state) {
    (void)state;
    rr_error_t err = {0};
    enum { EACH = 2000, ROWS = 11000 };
    rr_batcher_config_t b = {.flush_tick_ns = 3600000000000ull, .flush_num_bytes = 52 * EACH};
    rr_recording_stream_t *rec = stream(&b);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    for (int i = 0; i < ROWS; i++) {
        assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
        log_scalar(rec, "h/a", i * 0.5);
        log_scalar(rec, "h/b", i * 0.5 + 1);
    }
    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(check_entity(d, "h/a", 0), ROWS);
    assert_int_equal(check_entity(d, "h/b", 1), ROWS);
    size_t full = 0;
    for (size_t k = 0; k < d->n_chunks; k++) {
        assert_true(d->chunks[k]->num_rows <= EACH);
        full += d->chunks[k]->num_rows == EACH;
    }
    assert_int_equal(full, 2 * (ROWS / EACH));
    decoded_free(d);
    rr_recording_stream_free(rec);

    /* Mixed: a flush and a row of two instances part-way. */
    rec = stream(&b);
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    for (int i = 0; i < ROWS; i++) {
        assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
        if (i == 3333) {
            double v[2] = {i * 0.5, -1};
            rr_archetype_t *a;
            assert_rr_ok(rr_scalars_new(&a, v, 2, RR_BORROW, &err), &err);
            assert_rr_ok(rr_log(rec, "h/a", a, &err), &err);
            rr_archetype_free(a);
        } else {
            log_scalar(rec, "h/a", i * 0.5);
        }
        if (i == 777 || i == 5000) assert_rr_ok(rr_flush(rec, &err), &err);
    }
    d = decode_sink(rec, m);
    int64_t n = 0;
    for (size_t k = 0; k < d->n_chunks; k++) {
        const rr_chunk_t *c = d->chunks[k];
        const rr_chunk_component_t *cc = rr_chunk_find_component(c, "Scalars:scalars");
        const rr_chunk_index_t *f = rr_chunk_find_index(c, "frame");
        assert_non_null(cc);
        assert_true(c->num_rows <= EACH);
        const int32_t *off = cc->array.buffers[1];
        const struct ArrowArray *v = cc->array.children[0];
        const double *vals = (const double *)v->buffers[1] + v->offset;
        for (int64_t r = 0; r < c->num_rows; r++, n++) {
            assert_int_equal(rr_chunk_index_value(f, r), n);
            int64_t i = cc->array.offset + r;
            assert_int_equal(off[i + 1] - off[i], n == 3333 ? 2 : 1);
            assert_true(vals[off[i]] == (double)n * 0.5);
            if (n == 3333) assert_true(vals[off[i] + 1] == -1);
        }
    }
    assert_int_equal(n, ROWS);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

/* A thread that logs fast while the batcher thread is idle hands its
 * stage over as a chunk early, before the byte threshold: the batcher works
 * while the thread logs on. Each early chunk holds at least the early
 * count of rows (4096), none more than the threshold, and every row
 * arrives once, in order. The thread pauses between rounds so that the
 * batcher thread surely waits idle at some point. */
static void test_early_chunks(void **state) {
    (void)state;
    rr_error_t err = {0};
    enum { ROUND = 5000, ROUNDS = 4, EARLY = 4096, MAX_ROWS = 2 * 1024 * 1024 / 52 + 1 };
    rr_batcher_config_t b = {.flush_tick_ns = 3600000000000ull};
    rr_recording_stream_t *rec = stream(&b);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    for (int i = 0; i < ROUND * ROUNDS; i++) {
        if (i % ROUND == 0) sleep_ms(20);
        assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
        log_scalar(rec, "fast", i * 0.5);
    }
    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(check_entity(d, "fast", 0), ROUND * ROUNDS);
    /* Without early chunks: one chunk (the byte threshold is ~40k rows). */
    assert_true(d->n_chunks >= 2);
    for (size_t k = 0; k < d->n_chunks; k++) {
        assert_true(d->chunks[k]->num_rows <= MAX_ROWS);
        if (k + 1 < d->n_chunks) assert_true(d->chunks[k]->num_rows >= EARLY);
    }
    decoded_free(d);
    rr_recording_stream_free(rec);
}

/* Static rows stage too (no times). */
static void test_static_rows(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_stream_t *rec = stream(NULL);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    for (int i = 0; i < 20; i++) {
        double v = i;
        rr_archetype_t *a;
        assert_rr_ok(rr_scalars_new(&a, &v, 1, RR_BORROW, &err), &err);
        assert_rr_ok(rr_log_static(rec, "s", a, &err), &err);
        rr_archetype_free(a);
    }
    decoded_t *d = decode_sink(rec, m);
    int64_t n = 0;
    for (size_t k = 0; k < d->n_chunks; k++) {
        assert_true(rr_chunk_is_static(d->chunks[k]));
        for (int64_t r = 0; r < d->chunks[k]->num_rows; r++, n++)
            assert_true(scalar_at(d->chunks[k], r) == (double)n);
    }
    assert_int_equal(n, 20);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

/* One thread, one string, two recordings; the first freed mid-way and a
 * third made after it. */
static void test_two_recordings(void **state) {
    (void)state;
    rr_error_t err = {0};
    const char *path = "shared";
    rr_recording_stream_t *r1 = stream(NULL), *r2 = stream(NULL);
    rr_memory_sink_t *m1, *m2;
    assert_rr_ok(rr_memory_sink(r1, &m1, &err), &err);
    assert_rr_ok(rr_memory_sink(r2, &m2, &err), &err);
    for (int i = 0; i < 5000; i++) {
        assert_rr_ok(rr_set_time_sequence(r1, "frame", i), &err);
        assert_rr_ok(rr_set_time_sequence(r2, "frame", i), &err);
        log_scalar(r1, path, i * 0.5);
        log_scalar(r2, path, i * 0.5 + 1);
    }
    decoded_t *d = decode_sink(r1, m1);
    assert_int_equal(check_entity(d, "shared", 0), 5000);
    decoded_free(d);
    rr_recording_stream_free(r1);
    for (int i = 5000; i < 6000; i++) {
        assert_rr_ok(rr_set_time_sequence(r2, "frame", i), &err);
        log_scalar(r2, path, i * 0.5 + 1);
    }
    rr_recording_stream_t *r3 = stream(NULL);
    rr_memory_sink_t *m3;
    assert_rr_ok(rr_memory_sink(r3, &m3, &err), &err);
    for (int i = 0; i < 100; i++) {
        assert_rr_ok(rr_set_time_sequence(r3, "frame", i), &err);
        log_scalar(r3, path, i * 0.5 + 2);
    }
    d = decode_sink(r2, m2);
    assert_int_equal(check_entity(d, "shared", 1), 6000);
    decoded_free(d);
    d = decode_sink(r3, m3);
    assert_int_equal(check_entity(d, "shared", 2), 100);
    decoded_free(d);
    rr_recording_stream_free(r2);
    rr_recording_stream_free(r3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interleaved_entities),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_tick_takes_idle_rows),
        cmocka_unit_test(test_flush_reaches_other_threads),
        cmocka_unit_test(test_other_rows_keep_order),
        cmocka_unit_test(test_many_entities),
        cmocka_unit_test(test_hand_over),
        cmocka_unit_test(test_early_chunks),
        cmocka_unit_test(test_static_rows),
        cmocka_unit_test(test_two_recordings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
