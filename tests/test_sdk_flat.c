/* Tests of the SDK's fast logging paths: flat batches (fixed-width values
 * kept as bytes in the archetype and appended to the batcher's pending
 * columns) must log exactly what the Arrow path logs. Values, row order and
 * times read back from a memory sink; unsorted splits sharing one values
 * buffer; flat and Arrow batches of one component mixed in one entity (and
 * nulls, which need a column of Arrow cells); borrowed data copied at
 * rr_log; setters replacing batches and archetypes of more than three
 * batches; empty batches; send_columns from flat batches; per-thread row ids
 * (unique, increasing per thread) and log_time equal to the row id's time. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The model headers (through sdk_internal.h) come before the public ones. */
#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/schema.h"
#include "rrd/decoder.h"
#include "sdk/sdk_internal.h"
#include "rerun_archetypes.h"
#include "sdk_decode.h"
#include "testutil.h"

/* ---- helpers ---- */

static rr_recording_stream_t *stream(bool no_threads, rr_memory_sink_t **m) {
    rr_recording_options_t o;
    memset(&o, 0, sizeof o);
    o.no_properties = true;
    o.batcher.no_threads = no_threads;
    rr_recording_stream_t *rec;
    rr_error_t err = {0};
    assert_rr_ok(rr_recording_stream_new("test_flat", &o, &rec, &err), &err);
    assert_rr_ok(rr_memory_sink(rec, m, &err), &err);
    return rec;
}

/* Row r of a list column: its first item's index in the values and its
 * length. */
static int64_t list_at(const rr_chunk_component_t *c, int64_t r, int64_t *len) {
    const int32_t *off = c->array.buffers[1];
    int64_t i = c->array.offset + r;
    *len = off[i + 1] - off[i];
    return off[i];
}

/* The floats of a list<fixed_size_list<f32>> column, from instance i. */
static const float *vec3_at(const rr_chunk_component_t *c, int64_t i) {
    const struct ArrowArray *fsl = c->array.children[0];
    const struct ArrowArray *f = fsl->children[0];
    return (const float *)f->buffers[1] + f->offset + (fsl->offset + i) * 3;
}

static const void *prim_at(const rr_chunk_component_t *c, int64_t i, size_t width) {
    const struct ArrowArray *v = c->array.children[0];
    return (const uint8_t *)v->buffers[1] + (size_t)(v->offset + i) * width;
}

/* ---- tests ---- */

/* Generated Points3D (flat positions, colours, radii) over many rows, with
 * times out of order so that rows split into several chunks: every value,
 * time and row in order. Both batcher modes. */
static void test_points_roundtrip(void **state) {
    (void)state;
    setenv("RERUN_CHUNK_MAX_ROWS_IF_UNSORTED", "64", 1);
    for (int mode = 0; mode < 2; mode++) {
        rr_memory_sink_t *m;
        rr_recording_stream_t *rec = stream(mode == 1, &m);
        rr_error_t err = {0};
        const int N = 1000;
        for (int i = 0; i < N; i++) {
            /* frame goes down every 100 rows: unsorted */
            assert_rr_ok(rr_set_time_sequence(rec, "frame", (i % 100) * 10 - i / 100), &err);
            int n = i % 3; /* 0, 1 or 2 points */
            rr_position3d_t p[2] = {{(float)i, 1, 2}, {(float)i, 3, 4}};
            rr_color_t c[2] = {(uint32_t)i, (uint32_t)i + 1};
            rr_radius_t r[2] = {(float)i / 2, (float)i / 4};
            rr_archetype_t *a;
            assert_rr_ok(rr_points3d_new(&a, p, (size_t)n, i & 1 ? RR_BORROW : RR_COPY, &err),
                         &err);
            assert_rr_ok(rr_points3d_set_colors(a, c, (size_t)n, RR_COPY, &err), &err);
            assert_rr_ok(rr_points3d_set_radii(a, r, (size_t)n, RR_BORROW, &err), &err);
            assert_rr_ok(rr_log(rec, "pts", a, &err), &err);
            rr_archetype_free(a);
            p[0][0] = -1; /* borrowed data changed after rr_log: not logged */
            r[0] = -1;
        }
        decoded_t *d = decode_sink(rec, m);
        assert_true(d->n_chunks > 1);
        int row = 0;
        rr_tuid_t prev = {0, 0};
        for (size_t k = 0; k < d->n_chunks; k++) {
            const rr_chunk_t *ch = d->chunks[k];
            const rr_chunk_component_t *pos = rr_chunk_find_component(ch, "Points3D:positions");
            const rr_chunk_component_t *col = rr_chunk_find_component(ch, "Points3D:colors");
            const rr_chunk_component_t *rad = rr_chunk_find_component(ch, "Points3D:radii");
            const rr_chunk_index_t *fr = rr_chunk_find_index(ch, "frame");
            assert_non_null(pos);
            assert_non_null(col);
            assert_non_null(rad);
            assert_non_null(fr);
            assert_string_equal(pos->descr.component_type, "rerun.components.Position3D");
            assert_string_equal(pos->type.children[0]->format, "+w:3");
            for (int64_t r = 0; r < ch->num_rows; r++, row++) {
                int i = row;
                assert_int_equal(rr_chunk_index_value(fr, r), (i % 100) * 10 - i / 100);
                rr_tuid_t id = rr_chunk_row_id(ch, r);
                assert_true(rr_tuid_cmp(prev, id) < 0);
                prev = id;
                int64_t len, at = list_at(pos, r, &len);
                assert_int_equal(len, i % 3);
                for (int64_t j = 0; j < len; j++) {
                    const float *v = vec3_at(pos, at + j);
                    assert_true(v[0] == (float)i);
                    assert_true(v[1] == (j ? 3.0f : 1.0f) && v[2] == (j ? 4.0f : 2.0f));
                }
                at = list_at(col, r, &len);
                assert_int_equal(len, i % 3);
                for (int64_t j = 0; j < len; j++)
                    assert_int_equal(*(const uint32_t *)prim_at(col, at + j, 4), (uint32_t)(i + j));
                at = list_at(rad, r, &len);
                for (int64_t j = 0; j < len; j++)
                    assert_true(*(const float *)prim_at(rad, at + j, 4) ==
                                (j ? (float)i / 4 : (float)i / 2));
            }
        }
        assert_int_equal(row, N);
        decoded_free(d);
        rr_recording_stream_free(rec);
    }
    unsetenv("RERUN_CHUNK_MAX_ROWS_IF_UNSORTED");
}

/* A Scalars batch added through the Arrow API (double array, with or
 * without a null). */
static rr_archetype_t *arrow_scalars(double v, bool with_null) {
    rr_error_t err = {0};
    rr_archetype_t *a;
    assert_rr_ok(rr_archetype_new("rerun.archetypes.Scalars", &a, &err), &err);
    struct ArrowSchema s;
    assert_rr_ok(rr_arrow_schema_init(&s, "g", "", ARROW_FLAG_NULLABLE, 0, &err), &err);
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(&s, &b, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_values(b, &v, 1, NULL, &err), &err);
    if (with_null) assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
    struct ArrowArray arr;
    assert_rr_ok(rr_arrow_builder_finish(b, &arr, &err), &err);
    rr_arrow_builder_free(b);
    rr_component_descriptor_t d = {(char *)"rerun.archetypes.Scalars", (char *)"Scalars:scalars",
                                   (char *)"rerun.components.Scalar"};
    assert_rr_ok(rr_archetype_add_arrow(a, &d, &s, &arr, &err), &err);
    return a;
}

/* Flat and Arrow batches of one component in one entity: rows without
 * nulls share the flat column; a row with a null goes to a column of cells
 * (another chunk); and the other way round, flat rows join a column of
 * cells. Every value and time comes back. */
static void test_mixed_flat_and_arrow(void **state) {
    (void)state;
    for (int first_arrow = 0; first_arrow < 2; first_arrow++) {
        rr_memory_sink_t *m;
        rr_recording_stream_t *rec = stream(true, &m);
        rr_error_t err = {0};
        for (int i = 0; i < 40; i++) {
            assert_rr_ok(rr_set_time_sequence(rec, "step", i), &err);
            rr_archetype_t *a;
            bool arrow = (i % 4 == 1) || (first_arrow && i == 0);
            bool with_null = i % 8 == 5;
            if (arrow || with_null) {
                a = arrow_scalars(i, with_null);
            } else {
                double v = i;
                assert_rr_ok(rr_scalars_new(&a, &v, 1, RR_COPY, &err), &err);
            }
            assert_rr_ok(rr_log(rec, "s", a, &err), &err);
            rr_archetype_free(a);
        }
        decoded_t *d = decode_sink(rec, m);
        uint8_t seen[40] = {0};
        for (size_t k = 0; k < d->n_chunks; k++) {
            const rr_chunk_t *ch = d->chunks[k];
            const rr_chunk_component_t *c = rr_chunk_find_component(ch, "Scalars:scalars");
            const rr_chunk_index_t *st = rr_chunk_find_index(ch, "step");
            assert_non_null(c);
            assert_string_equal(c->type.children[0]->format, "g");
            const struct ArrowArray *v = c->array.children[0];
            for (int64_t r = 0; r < ch->num_rows; r++) {
                int i = (int)rr_chunk_index_value(st, r);
                assert_false(seen[i]);
                seen[i] = 1;
                int64_t len, at = list_at(c, r, &len);
                assert_int_equal(len, i % 8 == 5 ? 2 : 1);
                assert_true(*(const double *)prim_at(c, at, 8) == (double)i);
                if (len == 2) assert_false(rr_arrow_array_is_valid(v, at + 1));
                else assert_true(rr_arrow_array_is_valid(v, at));
            }
        }
        for (int i = 0; i < 40; i++) assert_true(seen[i]);
        decoded_free(d);
        rr_recording_stream_free(rec);
    }
}

/* Every Points3D field set (7 batches: the archetype grows past its inline
 * slots), a setter replacing a flat batch, a batch larger than the inline
 * bytes, and empty batches (clear_fields) all log and read back. */
static void test_many_batches_and_empty(void **state) {
    (void)state;
    rr_memory_sink_t *m;
    rr_recording_stream_t *rec = stream(false, &m);
    rr_error_t err = {0};
    rr_position3d_t p[10];
    for (int i = 0; i < 10; i++) p[i][0] = p[i][1] = p[i][2] = (float)i;
    rr_color_t c[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    rr_radius_t r[1] = {0.5f};
    rr_text_t labels[2] = {"a", "b"};
    rr_class_id_t ids[2] = {7, 8};
    rr_archetype_t *a;
    assert_rr_ok(rr_points3d_new(&a, p, 10, RR_COPY, &err), &err);
    assert_rr_ok(rr_points3d_set_colors(a, c, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_points3d_set_radii(a, r, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_points3d_set_labels(a, labels, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_points3d_set_show_labels(a, true, RR_COPY, &err), &err);
    assert_rr_ok(rr_points3d_set_class_ids(a, ids, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_points3d_set_keypoint_ids(a, ids, 1, RR_COPY, &err), &err);
    /* replaces the first colours: 10 of them now (40 bytes) */
    assert_rr_ok(rr_points3d_set_colors(a, c, 10, RR_BORROW, &err), &err);
    assert_int_equal(rr_archetype_num_batches(a), 7);
    assert_int_equal(rr_archetype_batch_length(a, 1), 10);
    assert_rr_ok(rr_set_time_sequence(rec, "f", 1), &err);
    assert_rr_ok(rr_log(rec, "p", a, &err), &err);
    c[0] = 99; /* borrowed: changed after rr_log, not logged */
    rr_archetype_free(a);
    assert_rr_ok(rr_points3d_clear_fields(&a, &err), &err);
    assert_rr_ok(rr_set_time_sequence(rec, "f", 2), &err);
    assert_rr_ok(rr_log(rec, "p", a, &err), &err);
    rr_archetype_free(a);

    decoded_t *d = decode_sink(rec, m);
    int rows = 0;
    for (size_t k = 0; k < d->n_chunks; k++) {
        const rr_chunk_t *ch = d->chunks[k];
        assert_int_equal(ch->n_components, 7);
        const rr_chunk_component_t *pos = rr_chunk_find_component(ch, "Points3D:positions");
        const rr_chunk_component_t *col = rr_chunk_find_component(ch, "Points3D:colors");
        const rr_chunk_component_t *cls = rr_chunk_find_component(ch, "Points3D:class_ids");
        const rr_chunk_index_t *f = rr_chunk_find_index(ch, "f");
        for (int64_t row = 0; row < ch->num_rows; row++, rows++) {
            int64_t len, at;
            bool full = rr_chunk_index_value(f, row) == 1;
            at = list_at(pos, row, &len);
            assert_int_equal(len, full ? 10 : 0);
            for (int64_t j = 0; j < len; j++) assert_true(vec3_at(pos, at + j)[2] == (float)j);
            at = list_at(col, row, &len);
            assert_int_equal(len, full ? 10 : 0);
            for (int64_t j = 0; j < len; j++)
                assert_int_equal(*(const uint32_t *)prim_at(col, at + j, 4), (uint32_t)(j + 1));
            at = list_at(cls, row, &len);
            assert_int_equal(len, full ? 2 : 0);
            if (full) assert_int_equal(*(const uint16_t *)prim_at(cls, at + 1, 2), 8);
        }
    }
    assert_int_equal(rows, 2);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

/* send_columns from a flat batch: one scalar per row. */
static void test_send_columns_flat(void **state) {
    (void)state;
    rr_memory_sink_t *m;
    rr_recording_stream_t *rec = stream(true, &m);
    rr_error_t err = {0};
    double v[5] = {1.5, 2.5, 3.5, 4.5, 5.5};
    int64_t t[5] = {10, 11, 12, 13, 14};
    rr_archetype_t *a;
    assert_rr_ok(rr_scalars_new(&a, v, 5, RR_BORROW, &err), &err);
    rr_time_column_t tc = {.timeline = "t", .type = RR_TIME_SEQUENCE, .times = t, .n_rows = 5};
    assert_rr_ok(rr_send_columns(rec, "s", &tc, 1, a, NULL, &err), &err);
    rr_archetype_free(a);
    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(d->n_chunks, 1);
    const rr_chunk_component_t *c = rr_chunk_find_component(d->chunks[0], "Scalars:scalars");
    assert_non_null(c);
    for (int64_t r = 0; r < 5; r++) {
        int64_t len, at = list_at(c, r, &len);
        assert_int_equal(len, 1);
        assert_true(*(const double *)prim_at(c, at, 8) == v[r]);
    }
    decoded_free(d);
    rr_recording_stream_free(rec);
}

typedef struct targ {
    rr_recording_stream_t *rec;
    int id;
} targ_t;

static void *log_thread(void *p) {
    targ_t *t = p;
    for (int i = 0; i < 500; i++) {
        rr_set_time_sequence(t->rec, "i", i);
        double v = t->id * 1000 + i;
        rr_archetype_t *a;
        if (rr_scalars_new(&a, &v, 1, RR_COPY, NULL) != RR_OK) abort();
        if (rr_log(t->rec, "shared", a, NULL) != RR_OK) abort();
        rr_archetype_free(a);
    }
    return NULL;
}

/* Row ids from four threads into one entity: all distinct, increasing
 * within each thread; log_time is each row id's time. */
static void test_row_ids_threads(void **state) {
    (void)state;
    rr_memory_sink_t *m;
    rr_recording_stream_t *rec = stream(false, &m);
    pthread_t th[4];
    targ_t args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (targ_t){rec, i};
        assert_int_equal(pthread_create(&th[i], NULL, log_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    decoded_t *d = decode_sink(rec, m);
    rr_tuid_t last[4];
    int seen[4] = {0};
    rr_tuid_t *all = calloc(2000, sizeof *all);
    size_t n = 0;
    for (size_t k = 0; k < d->n_chunks; k++) {
        const rr_chunk_t *ch = d->chunks[k];
        const rr_chunk_component_t *c = rr_chunk_find_component(ch, "Scalars:scalars");
        const rr_chunk_index_t *lt = rr_chunk_find_index(ch, "log_time");
        assert_non_null(lt);
        for (int64_t r = 0; r < ch->num_rows; r++) {
            int64_t len, at = list_at(c, r, &len);
            int v = (int)*(const double *)prim_at(c, at, 8);
            int id = v / 1000;
            rr_tuid_t rid = rr_chunk_row_id(ch, r);
            assert_int_equal(rr_chunk_index_value(lt, r), (int64_t)rid.time_ns);
            assert_int_equal(v % 1000, seen[id]);
            if (seen[id]) assert_true(rr_tuid_cmp(last[id], rid) < 0);
            last[id] = rid;
            seen[id]++;
            all[n++] = rid;
        }
    }
    assert_int_equal(n, 2000);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) assert_int_not_equal(rr_tuid_cmp(all[i], all[j]), 0);
    free(all);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

/* Wrong arguments on the flat path: NaN positions, NULL with a count, a
 * bad copy mode; the archetype stays usable. */
static void test_flat_bad_args(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_archetype_t *a;
    rr_position3d_t p[2] = {{0, 0, 0}, {1, 0.0f / 0.0f, 0}};
    assert_int_equal(rr_points3d_new(&a, p, 2, RR_COPY, &err), RR_ERR_INVALID_ARG);
    assert_null(a);
    assert_non_null(strstr(err.msg, "instance 1"));
    assert_rr_ok(rr_points3d_new(&a, p, 1, RR_COPY, &err), &err);
    assert_int_equal(rr_points3d_set_radii(a, NULL, 3, RR_COPY, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_points3d_set_radii(a, NULL, 0, (rr_copy_mode_t)7, &err),
                     RR_ERR_INVALID_ARG);
    assert_int_equal(rr_archetype_num_batches(a), 1);
    rr_archetype_free(a);
}

/* The NaN/infinity check looks at blocks of values at once: a bad value
 * anywhere (first, last, either side of a block edge, the odd float of a
 * word) is still found and named, and large or tiny finite values pass. */
static void test_flat_non_finite_positions(void **state) {
    (void)state;
    enum { N = 700 };
    rr_position3d_t *p = calloc(N, sizeof *p);
    assert_non_null(p);
    float *f = (float *)p;
    for (size_t i = 0; i < 3 * N; i++) f[i] = (i % 3) ? 3.4e38f : 1e-44f;
    rr_error_t err = {0};
    rr_archetype_t *a;
    assert_rr_ok(rr_points3d_new(&a, p, N, RR_COPY, &err), &err);
    rr_archetype_free(a);
    const size_t at[] = {0, 1, 2, 255, 256, 257, 511, 512, 767, 768, 3 * N - 2, 3 * N - 1};
    const float bad[] = {0.0f / 0.0f, 1.0f / 0.0f, -1.0f / 0.0f};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        float keep = f[at[i]];
        f[at[i]] = bad[i % 3];
        char want[64];
        snprintf(want, sizeof want, "instance %zu:", at[i] / 3);
        assert_int_equal(rr_points3d_new(&a, p, N, RR_COPY, &err), RR_ERR_INVALID_ARG);
        assert_null(a);
        assert_non_null(strstr(err.msg, want));
        /* An odd number of floats: the last one is checked on its own. */
        size_t n = at[i] / 3 + 1;
        if (n % 2) {
            assert_int_equal(rr_points3d_new(&a, p, n, RR_COPY, &err), RR_ERR_INVALID_ARG);
            assert_non_null(strstr(err.msg, want));
        }
        f[at[i]] = keep;
    }
    free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points_roundtrip),
        cmocka_unit_test(test_mixed_flat_and_arrow),
        cmocka_unit_test(test_many_batches_and_empty),
        cmocka_unit_test(test_send_columns_flat),
        cmocka_unit_test(test_row_ids_threads),
        cmocka_unit_test(test_flat_bad_args),
        cmocka_unit_test(test_flat_non_finite_positions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
