/* Tests of recording streams, the batcher and the sinks: rows logged with
 * various times reach a memory sink as the expected chunks (decoded with the
 * .rrd decoder and the chunk conversion); row, byte and time thresholds give
 * the expected chunk counts; no_threads mode; four threads logging at once
 * with their own times (and unique log_ticks in each thread's order); one
 * thread's log_ticks counting every call; send_columns; static rows; several sinks getting the
 * same bytes; a custom sink whose flush or write fails once keeps getting
 * rows; rows logged before the first sink; files readable after flush
 * and complete (footer) after free; large rows written through; wrong
 * arguments. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/schema.h"
#include "rrd/decoder.h"
#include "rrd/frames.h"
#include "sdk/sdk_internal.h"
#include "sdk_decode.h"
#include "testutil.h"

/* ---- helpers ---- */

static const rr_component_descriptor_t k_pos = {
    (char *)"rerun.archetypes.Points3D", (char *)"Points3D:positions",
    (char *)"rerun.components.Position3D"};
static const rr_component_descriptor_t k_col = {
    (char *)"rerun.archetypes.Points3D", (char *)"Points3D:colors",
    (char *)"rerun.components.Color"};

/* A Points3D-like archetype: n positions (FixedSizeList(3, f32)) starting at
 * x0, and with_colors: n u32 colours. */
static rr_archetype_t *points(int64_t n, float x0, bool with_colors) {
    rr_error_t err = {0};
    rr_archetype_t *a;
    assert_rr_ok(rr_archetype_new("rerun.archetypes.Points3D", &a, &err), &err);
    struct ArrowSchema s;
    assert_rr_ok(rr_arrow_schema_init(&s, "+w:3", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(s.children[0], "f", "item", ARROW_FLAG_NULLABLE, 0, &err),
                 &err);
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(&s, &b, &err), &err);
    for (int64_t i = 0; i < n; i++) {
        float xyz[3] = {x0 + (float)i, 0, 0};
        assert_rr_ok(rr_arrow_builder_append_values(rr_arrow_builder_child(b, 0), xyz, 3, NULL,
                                                    &err),
                     &err);
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    }
    struct ArrowArray arr;
    assert_rr_ok(rr_arrow_builder_finish(b, &arr, &err), &err);
    rr_arrow_builder_free(b);
    assert_rr_ok(rr_archetype_add_arrow(a, &k_pos, &s, &arr, &err), &err);
    if (with_colors) {
        struct ArrowSchema cs;
        assert_rr_ok(rr_arrow_schema_init(&cs, "I", "", ARROW_FLAG_NULLABLE, 0, &err), &err);
        assert_rr_ok(rr_arrow_builder_new(&cs, &b, &err), &err);
        for (int64_t i = 0; i < n; i++)
            assert_rr_ok(rr_arrow_builder_append_uint(b, 0xff0000ffu, &err), &err);
        assert_rr_ok(rr_arrow_builder_finish(b, &arr, &err), &err);
        rr_arrow_builder_free(b);
        assert_rr_ok(rr_archetype_add_arrow(a, &k_col, &cs, &arr, &err), &err);
    }
    return a;
}

static int64_t total_rows(const decoded_t *d) {
    int64_t n = 0;
    for (size_t i = 0; i < d->n_chunks; i++) n += d->chunks[i]->num_rows;
    return n;
}

/* A stream without the properties chunk (most tests count chunks). */
static rr_recording_stream_t *stream(const rr_recording_options_t *o_in) {
    rr_recording_options_t o;
    memset(&o, 0, sizeof o);
    if (o_in) o = *o_in;
    o.no_properties = true;
    rr_recording_stream_t *rec;
    rr_error_t err = {0};
    assert_rr_ok(rr_recording_stream_new("test_app", &o, &rec, &err), &err);
    return rec;
}

static int64_t list_len(const rr_chunk_component_t *c, int64_t row) {
    const int32_t *off = c->array.buffers[1];
    int64_t i = c->array.offset + row;
    return off[i + 1] - off[i];
}

/* ---- tests ---- */

static void test_rows_and_times(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_stream_t *rec;
    rr_recording_options_t o = {.recording_id = "my_recording"};
    assert_rr_ok(rr_recording_stream_new("test_app", &o, &rec, &err), &err);
    assert_string_equal(rr_recording_id(rec), "my_recording");
    assert_string_equal(rr_application_id(rec), "test_app");
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    int64_t before = rr_sdk_wall_clock_ns();
    for (int i = 0; i < 10; i++) {
        assert_rr_ok(rr_set_time_sequence(rec, "frame", 100 + i), &err);
        assert_rr_ok(rr_set_time_duration_ns(rec, "sim", i * 1000), &err);
        rr_archetype_t *a = points(1 + i % 3, (float)i, i < 5);
        assert_rr_ok(rr_log(rec, "world/points", a, &err), &err);
        rr_archetype_free(a);
    }
    int64_t after = rr_sdk_wall_clock_ns();
    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(d->kinds[0], RR_LOG_MSG_SET_STORE_INFO);
    assert_string_equal(d->info.store_id.application_id, "test_app");
    assert_string_equal(d->info.store_id.recording_id, "my_recording");
    assert_int_equal(d->info.store_id.kind, RR_STORE_KIND_RECORDING);
    assert_int_equal(d->info.source_kind, RR_STORE_SOURCE_C_SDK);
    /* The properties chunk first, then two shapes: with colours, without. */
    assert_int_equal(d->n_chunks, 3);
    assert_string_equal(d->chunks[0]->entity_path.str, "/__properties");
    assert_true(rr_chunk_is_static(d->chunks[0]));
    const rr_chunk_component_t *st = rr_chunk_find_component(d->chunks[0], "RecordingInfo:start_time");
    assert_non_null(st);
    assert_int_equal(total_rows(d), 11);
    int64_t frame_seen = 0;
    for (size_t k = 1; k < d->n_chunks; k++) {
        const rr_chunk_t *c = d->chunks[k];
        assert_string_equal(c->entity_path.str, "/world/points");
        assert_int_equal(c->n_indexes, 4);
        const rr_chunk_index_t *fr = rr_chunk_find_index(c, "frame");
        const rr_chunk_index_t *tick = rr_chunk_find_index(c, "log_tick");
        const rr_chunk_index_t *lt = rr_chunk_find_index(c, "log_time");
        const rr_chunk_index_t *sim = rr_chunk_find_index(c, "sim");
        assert_non_null(fr);
        assert_non_null(tick);
        assert_non_null(lt);
        assert_non_null(sim);
        assert_int_equal(fr->timeline.type, RR_TIME_SEQUENCE);
        assert_int_equal(tick->timeline.type, RR_TIME_SEQUENCE);
        assert_int_equal(lt->timeline.type, RR_TIME_TIMESTAMP_NS);
        assert_int_equal(sim->timeline.type, RR_TIME_DURATION_NS);
        bool colours = rr_chunk_find_component(c, "Points3D:colors") != NULL;
        assert_int_equal(c->num_rows, 5);
        const rr_chunk_component_t *pos = rr_chunk_find_component(c, "Points3D:positions");
        assert_non_null(pos);
        assert_string_equal(pos->descr.component_type, "rerun.components.Position3D");
        for (int64_t r = 0; r < c->num_rows; r++) {
            int64_t f = rr_chunk_index_value(fr, r) - 100;
            assert_true(colours ? f < 5 : f >= 5);
            assert_int_equal(rr_chunk_index_value(sim, r), f * 1000);
            /* Stream tick: the 10 log calls are ticks 0..9. */
            assert_int_equal(rr_chunk_index_value(tick, r), f);
            int64_t t = rr_chunk_index_value(lt, r);
            assert_true(t >= before && t <= after);
            assert_int_equal(list_len(pos, r), 1 + f % 3);
            frame_seen |= 1 << f;
        }
    }
    assert_int_equal(frame_seen, 0x3ff);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

static void test_random_recording_id(void **state) {
    (void)state;
    rr_recording_stream_t *a = stream(NULL), *b = stream(NULL);
    const char *ia = rr_recording_id(a), *ib = rr_recording_id(b);
    assert_int_equal(strlen(ia), 36);
    assert_memory_equal(ia, "rec_", 4);
    for (int i = 4; i < 36; i++) assert_non_null(strchr("0123456789abcdef", ia[i]));
    assert_int_equal(ia[4 + 12], '4'); /* UUID v4 */
    assert_string_not_equal(ia, ib);
    rr_recording_stream_free(a);
    rr_recording_stream_free(b);
}

static void test_no_default_timelines_and_static(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_options_t o = {.no_default_timelines = true};
    rr_recording_stream_t *rec = stream(&o);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    rr_archetype_t *a = points(2, 0, false);
    assert_rr_ok(rr_log(rec, "no_time", a, &err), &err); /* no timeline at all: static */
    assert_rr_ok(rr_set_time_timestamp_ns(rec, "ts", 1700000000000000000ll), &err);
    assert_rr_ok(rr_log(rec, "timed", a, &err), &err);
    assert_rr_ok(rr_log_static(rec, "static", a, &err), &err);
    assert_rr_ok(rr_disable_timeline(rec, "ts"), &err);
    assert_rr_ok(rr_log(rec, "timed", a, &err), &err);
    rr_archetype_free(a);
    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(d->n_chunks, 4);
    int n_static = 0;
    for (size_t i = 0; i < d->n_chunks; i++) {
        const rr_chunk_t *c = d->chunks[i];
        if (rr_chunk_is_static(c)) {
            n_static++;
            continue;
        }
        assert_string_equal(c->entity_path.str, "/timed");
        assert_int_equal(c->n_indexes, 1);
        assert_string_equal(c->indexes[0].timeline.name, "ts");
        assert_int_equal(c->indexes[0].timeline.type, RR_TIME_TIMESTAMP_NS);
        assert_int_equal(rr_chunk_index_value(&c->indexes[0], 0), 1700000000000000000ll);
    }
    assert_int_equal(n_static, 3);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

/* The thread's times are merged with log_tick/log_time once and kept: every
 * change of them (a value, a new timeline, a changed type, a user timeline
 * named like a default one, disable, reset) shows in the next row, and rows
 * with the same timelines still share a chunk. Row i goes to entity "r<i>"
 * (one chunk each) except rows 1-2, which share "same". */
static const rr_chunk_t *chunk_of(const decoded_t *d, const char *path) {
    for (size_t k = 0; k < d->n_chunks; k++)
        if (strcmp(d->chunks[k]->entity_path.str, path) == 0) return d->chunks[k];
    fail_msg("no chunk for %s", path);
    return NULL;
}

static void expect_time(const rr_chunk_t *c, int64_t row, const char *name, rr_time_type_t type,
                        int64_t value) {
    const rr_chunk_index_t *ix = rr_chunk_find_index(c, name);
    assert_non_null(ix);
    assert_int_equal(ix->timeline.type, type);
    assert_int_equal(rr_chunk_index_value(ix, row), value);
}

static void test_time_cache(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_options_t o = {0};
    o.batcher.no_threads = true;
    rr_recording_stream_t *rec = stream(&o);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    rr_archetype_t *a = points(1, 0, false);
    assert_rr_ok(rr_log(rec, "r0", a, &err), &err); /* tick 0 */
    assert_rr_ok(rr_set_time_sequence(rec, "b", 1), &err);
    assert_rr_ok(rr_log(rec, "same", a, &err), &err); /* tick 1 */
    assert_rr_ok(rr_set_time_sequence(rec, "b", 2), &err);
    assert_rr_ok(rr_log(rec, "same", a, &err), &err); /* tick 2 */
    assert_rr_ok(rr_set_time_sequence(rec, "a", 5), &err);
    assert_rr_ok(rr_log(rec, "r3", a, &err), &err); /* tick 3 */
    assert_rr_ok(rr_set_time_sequence(rec, "log_tick", 100), &err);
    assert_rr_ok(rr_log(rec, "r4", a, &err), &err); /* tick 4 */
    assert_rr_ok(rr_disable_timeline(rec, "a"), &err);
    assert_rr_ok(rr_log(rec, "r5", a, &err), &err); /* tick 5 */
    assert_rr_ok(rr_set_time_duration_ns(rec, "b", 7), &err);
    assert_rr_ok(rr_log(rec, "r6", a, &err), &err); /* tick 6 */
    assert_rr_ok(rr_reset_time(rec), &err);
    assert_rr_ok(rr_log(rec, "r7", a, &err), &err); /* tick 7 */
    assert_rr_ok(rr_set_time_sequence(rec, "b", 9), &err);
    assert_rr_ok(rr_log_static(rec, "r8", a, &err), &err);
    rr_archetype_free(a);

    decoded_t *d = decode_sink(rec, m);
    const rr_chunk_t *c = chunk_of(d, "/r0");
    assert_int_equal(c->n_indexes, 2);
    expect_time(c, 0, "log_tick", RR_TIME_SEQUENCE, 0);
    c = chunk_of(d, "/same");
    assert_int_equal(c->num_rows, 2);
    assert_int_equal(c->n_indexes, 3);
    expect_time(c, 0, "b", RR_TIME_SEQUENCE, 1);
    expect_time(c, 1, "b", RR_TIME_SEQUENCE, 2);
    expect_time(c, 1, "log_tick", RR_TIME_SEQUENCE, 2);
    c = chunk_of(d, "/r3");
    assert_int_equal(c->n_indexes, 4);
    expect_time(c, 0, "a", RR_TIME_SEQUENCE, 5);
    expect_time(c, 0, "b", RR_TIME_SEQUENCE, 2);
    c = chunk_of(d, "/r4");
    assert_int_equal(c->n_indexes, 4);
    expect_time(c, 0, "log_tick", RR_TIME_SEQUENCE, 4); /* the default wins */
    c = chunk_of(d, "/r5");
    assert_int_equal(c->n_indexes, 3);
    assert_null(rr_chunk_find_index(c, "a"));
    expect_time(c, 0, "log_tick", RR_TIME_SEQUENCE, 5);
    c = chunk_of(d, "/r6");
    assert_int_equal(c->n_indexes, 3);
    expect_time(c, 0, "b", RR_TIME_DURATION_NS, 7);
    c = chunk_of(d, "/r7");
    assert_int_equal(c->n_indexes, 2);
    expect_time(c, 0, "log_tick", RR_TIME_SEQUENCE, 7);
    assert_true(rr_chunk_is_static(chunk_of(d, "/r8")));
    decoded_free(d);
    rr_recording_stream_free(rec);
}

static void test_reset_time(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_stream_t *rec = stream(NULL);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    rr_archetype_t *a = points(1, 0, false);
    assert_rr_ok(rr_set_time_sequence(rec, "frame", 1), &err);
    assert_rr_ok(rr_reset_time(rec), &err);
    assert_rr_ok(rr_log(rec, "e", a, &err), &err);
    rr_archetype_free(a);
    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(d->n_chunks, 1);
    assert_int_equal(d->chunks[0]->n_indexes, 2); /* log_tick, log_time */
    assert_null(rr_chunk_find_index(d->chunks[0], "frame"));
    decoded_free(d);
    rr_recording_stream_free(rec);
}

/* Messages in a memory sink, without decoding chunks (counts while logging). */
static size_t count_chunks(rr_memory_sink_t *m) {
    size_t len;
    const uint8_t *data = rr_memory_sink_data(m, &len);
    decoded_t *d = decode(data, len);
    size_t n = d->n_chunks;
    decoded_free(d);
    return n;
}

static void test_row_threshold_no_threads(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_options_t o = {.batcher = {.flush_num_rows = 4, .flush_tick_ns = 3600000000000ull,
                                            .no_threads = true}};
    rr_recording_stream_t *rec = stream(&o);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    rr_archetype_t *a = points(1, 0, false);
    for (int i = 0; i < 10; i++) {
        assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
        assert_rr_ok(rr_log(rec, "e", a, &err), &err);
        /* No thread: thresholds act inside rr_log itself. */
        assert_int_equal(count_chunks(m), (size_t)(i + 1) / 4);
    }
    rr_archetype_free(a);
    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(d->n_chunks, 3);
    assert_int_equal(d->chunks[0]->num_rows, 4);
    assert_int_equal(d->chunks[1]->num_rows, 4);
    assert_int_equal(d->chunks[2]->num_rows, 2);
    for (size_t k = 0; k < 3; k++)
        for (int64_t r = 0; r < d->chunks[k]->num_rows; r++)
            assert_int_equal(rr_chunk_index_value(rr_chunk_find_index(d->chunks[k], "frame"), r),
                             (int64_t)k * 4 + r);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

static void test_byte_threshold(void **state) {
    (void)state;
    rr_error_t err = {0};
    /* A row of one point is 16 (row id) + 3 x 8 (times) + 12 bytes = 52. */
    rr_recording_options_t o = {.batcher = {.flush_num_bytes = 100,
                                            .flush_tick_ns = 3600000000000ull,
                                            .no_threads = true}};
    rr_recording_stream_t *rec = stream(&o);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    rr_archetype_t *a = points(1, 0, false);
    for (int i = 0; i < 6; i++) {
        assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
        assert_rr_ok(rr_log(rec, "e", a, &err), &err);
    }
    assert_int_equal(count_chunks(m), 3);
    rr_archetype_free(a);
    rr_recording_stream_free(rec);
}

static void test_env_config(void **state) {
    (void)state;
    rr_error_t err = {0};
    setenv("RERUN_FLUSH_NUM_ROWS", "3", 1);
    setenv("RERUN_FLUSH_TICK_SECS", "3600", 1);
    setenv("RERUN_FLUSH_NUM_BYTES", "1MiB", 1);
    rr_sdk_batcher_config_t cfg;
    rr_sdk_batcher_config_resolve(NULL, &cfg);
    assert_int_equal(cfg.flush_num_rows, 3);
    assert_int_equal(cfg.flush_num_bytes, 1048576);
    assert_int_equal(cfg.flush_tick_ns, 3600000000000ull);
    /* The API overrides the environment. */
    rr_batcher_config_t api = {.flush_num_rows = 7};
    rr_sdk_batcher_config_resolve(&api, &cfg);
    assert_int_equal(cfg.flush_num_rows, 7);
    setenv("RERUN_FLUSH_NUM_BYTES", "lots", 1);
    rr_sdk_batcher_config_resolve(NULL, &cfg);
    assert_int_equal(cfg.flush_num_bytes, RR_SDK_DEFAULT_FLUSH_NUM_BYTES);

    rr_recording_options_t o = {.batcher = {.no_threads = true}};
    rr_recording_stream_t *rec = stream(&o);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    rr_archetype_t *a = points(1, 0, false);
    for (int i = 0; i < 7; i++) assert_rr_ok(rr_log(rec, "e", a, &err), &err);
    assert_int_equal(count_chunks(m), 2);
    rr_archetype_free(a);
    rr_recording_stream_free(rec);
    unsetenv("RERUN_FLUSH_NUM_ROWS");
    unsetenv("RERUN_FLUSH_TICK_SECS");
    unsetenv("RERUN_FLUSH_NUM_BYTES");
    rr_sdk_batcher_config_resolve(NULL, &cfg);
    assert_int_equal(cfg.flush_tick_ns, RR_SDK_DEFAULT_FLUSH_TICK_NS);
    assert_int_equal(cfg.flush_num_bytes, 2 * 1024 * 1024);
    assert_int_equal(cfg.flush_num_rows, UINT64_MAX);
}

/* A custom sink counting ArrowMsg messages (written by the batcher thread
 * while the test thread reads the count: a memory sink's bytes may not be
 * read then). */
static rr_status_t count_arrow(void *ctx, uint32_t kind, const uint8_t *body, size_t len,
                               rr_error_t *err) {
    (void)body;
    (void)len;
    (void)err;
    if (kind == RR_LOG_MSG_ARROW) atomic_fetch_add((atomic_int *)ctx, 1);
    return RR_OK;
}

static void test_time_threshold(void **state) {
    (void)state;
    rr_error_t err = {0};
    /* Background thread, 20 ms tick: rows arrive without rr_flush. */
    rr_recording_options_t o = {.batcher = {.flush_tick_ns = 20000000}};
    rr_recording_stream_t *rec = stream(&o);
    atomic_int arrows = 0;
    rr_sink_vtable_t vt = {count_arrow, NULL, NULL};
    assert_rr_ok(rr_add_sink(rec, &vt, &arrows, &err), &err);
    rr_archetype_t *a = points(1, 0, false);
    assert_rr_ok(rr_log(rec, "e", a, &err), &err);
    int n = 0;
    for (int i = 0; i < 200 && n == 0; i++) {
        usleep(5000);
        n = atomic_load(&arrows);
    }
    assert_int_equal(n, 1);
    assert_rr_ok(rr_log(rec, "e", a, &err), &err);
    for (int i = 0; i < 200 && n == 1; i++) {
        usleep(5000);
        n = atomic_load(&arrows);
    }
    assert_int_equal(n, 2);
    rr_archetype_free(a);
    rr_recording_stream_free(rec);

    /* Without threads, the tick is checked at log time. */
    rr_recording_options_t o2 = {.batcher = {.flush_tick_ns = 20000000, .no_threads = true}};
    rec = stream(&o2);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    a = points(1, 0, false);
    assert_rr_ok(rr_log(rec, "e", a, &err), &err);
    assert_int_equal(count_chunks(m), 0);
    usleep(30000);
    assert_rr_ok(rr_log(rec, "e", a, &err), &err);
    assert_int_equal(count_chunks(m), 1);
    rr_archetype_free(a);
    rr_recording_stream_free(rec);
}

static void test_unsorted_split(void **state) {
    (void)state;
    rr_error_t err = {0};
    setenv("RERUN_CHUNK_MAX_ROWS_IF_UNSORTED", "4", 1);
    rr_recording_options_t o = {.batcher = {.no_threads = true}};
    rr_recording_stream_t *rec = stream(&o);
    unsetenv("RERUN_CHUNK_MAX_ROWS_IF_UNSORTED");
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    rr_archetype_t *a = points(1, 0, false);
    for (int i = 0; i < 10; i++) {
        assert_rr_ok(rr_set_time_sequence(rec, "frame", 100 - i), &err);
        assert_rr_ok(rr_log(rec, "e", a, &err), &err);
    }
    rr_archetype_free(a);
    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(d->n_chunks, 3);
    assert_int_equal(total_rows(d), 10);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

typedef struct thread_arg {
    rr_recording_stream_t *rec;
    int id;
    int n;
    rr_archetype_t *a;
} thread_arg_t;

static void *logger(void *p) {
    thread_arg_t *t = p;
    char path[32];
    snprintf(path, sizeof path, "thread/%d", t->id);
    for (int j = 0; j < t->n; j++) {
        rr_set_time_sequence(t->rec, "frame", t->id * 100000 + j);
        if (rr_log(t->rec, path, t->a, NULL) != RR_OK) abort();
    }
    return NULL;
}

/* One thread: log_tick counts every call, 0, 1, 2, ... with no gap across
 * the thread's reserved blocks of ticks, static calls, send_columns calls
 * (one tick each, as Rerun) and rr_reset_time. */
static void test_ticks_one_thread(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_stream_t *rec = stream(NULL);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    rr_archetype_t *a = points(1, 0, false);
    int64_t calls = 0;
    int64_t *want = calloc(5000, sizeof *want); /* the tick of frame f */
    for (int64_t f = 0; f < 3000; f++) {
        if (f % 700 == 350) assert_rr_ok(rr_reset_time(rec), &err);
        assert_rr_ok(rr_set_time_sequence(rec, "frame", f), &err);
        if (f % 100 == 99) {
            assert_rr_ok(rr_log_static(rec, "st", a, &err), &err);
            calls++;
        }
        if (f % 1000 == 500) {
            int64_t fr[1] = {-1};
            rr_time_column_t tc = {"other", RR_TIME_SEQUENCE, fr, 1};
            assert_rr_ok(rr_send_columns(rec, "cols", &tc, 1, a, NULL, &err), &err);
            calls++;
        }
        want[f] = calls++;
        assert_rr_ok(rr_log(rec, "t", a, &err), &err);
    }
    rr_archetype_free(a);
    decoded_t *d = decode_sink(rec, m);
    int64_t n = 0;
    for (size_t k = 0; k < d->n_chunks; k++) {
        const rr_chunk_t *c = d->chunks[k];
        if (strcmp(c->entity_path.str, "/t") != 0) continue;
        const rr_chunk_index_t *fr = rr_chunk_find_index(c, "frame");
        const rr_chunk_index_t *tk = rr_chunk_find_index(c, "log_tick");
        for (int64_t r = 0; r < c->num_rows; r++, n++)
            assert_int_equal(rr_chunk_index_value(tk, r), want[rr_chunk_index_value(fr, r)]);
    }
    assert_int_equal(n, 3000);
    free(want);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_threads(void **state) {
    (void)state;
    rr_error_t err = {0};
    for (int mode = 0; mode < 2; mode++) {
        rr_recording_options_t o = {.batcher = {.flush_num_rows = 97, .no_threads = mode == 1}};
        rr_recording_stream_t *rec = stream(&o);
        rr_memory_sink_t *m;
        assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
        /* The main thread's time is its own. */
        assert_rr_ok(rr_set_time_sequence(rec, "frame", -5), &err);
        rr_archetype_t *a = points(1, 0, false);
        pthread_t th[4];
        thread_arg_t args[4];
        for (int i = 0; i < 4; i++) {
            args[i] = (thread_arg_t){rec, i + 1, 2000, a};
            assert_int_equal(pthread_create(&th[i], NULL, logger, &args[i]), 0);
        }
        for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
        assert_rr_ok(rr_log(rec, "main", a, &err), &err);
        rr_archetype_free(a);
        decoded_t *d = decode_sink(rec, m);
        assert_int_equal(total_rows(d), 4 * 2000 + 1);
        uint8_t *seen = calloc(4 * 2000, 1);
        int64_t *ticks = calloc(4 * 2000, sizeof *ticks), main_tick = -1;
        int64_t last_tick[5] = {-1, -1, -1, -1, -1};
        for (size_t k = 0; k < d->n_chunks; k++) {
            const rr_chunk_t *c = d->chunks[k];
            const rr_chunk_index_t *fr = rr_chunk_find_index(c, "frame");
            assert_non_null(fr);
            const rr_chunk_index_t *tk = rr_chunk_find_index(c, "log_tick");
            if (strcmp(c->entity_path.str, "/main") == 0) {
                assert_int_equal(rr_chunk_index_value(fr, 0), -5);
                main_tick = rr_chunk_index_value(tk, 0);
                continue;
            }
            int id = c->entity_path.str[8] - '0';
            for (int64_t r = 0; r < c->num_rows; r++) {
                int64_t f = rr_chunk_index_value(fr, r);
                assert_int_equal(f / 100000, id);
                int64_t j = f % 100000;
                /* Each thread's rows keep their order. */
                if (r > 0) assert_true(f > rr_chunk_index_value(fr, r - 1));
                assert_false(seen[(id - 1) * 2000 + j]);
                seen[(id - 1) * 2000 + j] = 1;
                ticks[(id - 1) * 2000 + j] = rr_chunk_index_value(tk, r);
            }
        }
        for (int i = 0; i < 8000; i++) assert_true(seen[i]);
        /* Ticks: each thread's grow with its calls, no two rows share one,
         * and the main row, logged after the threads ended, has the
         * greatest. (The first thread to log reserves ticks in blocks until
         * a second one logs: they may skip that block's rest once.) */
        for (int i = 0; i < 8000; i++) {
            int id = i / 2000;
            assert_true(ticks[i] > last_tick[id]);
            last_tick[id] = ticks[i];
            assert_true(ticks[i] < main_tick);
        }
        qsort(ticks, 8000, sizeof *ticks, cmp_i64);
        for (int i = 1; i < 8000; i++) assert_true(ticks[i] > ticks[i - 1]);
        assert_true(main_tick < 8000 + 1024);
        free(ticks);
        free(seen);
        decoded_free(d);
        rr_recording_stream_free(rec);
    }
}

static void test_send_columns(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_stream_t *rec = stream(NULL);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    rr_archetype_t *a = points(6, 0, true);
    int64_t frames[3] = {10, 20, 30};
    int64_t ts[3] = {1000, 2000, 3000};
    rr_time_column_t tcs[2] = {{"frame", RR_TIME_SEQUENCE, frames, 3},
                               {"t", RR_TIME_TIMESTAMP_NS, ts, 3}};
    uint32_t lens[3] = {1, 2, 3};
    const uint32_t *lp[2] = {lens, lens};
    assert_rr_ok(rr_send_columns(rec, "cols", tcs, 2, a, lp, &err), &err);

    /* Mismatched lengths, rows, duplicate timelines, bad paths: errors. */
    uint32_t bad[3] = {1, 1, 1};
    const uint32_t *lb[2] = {bad, lens};
    assert_int_equal(rr_send_columns(rec, "cols", tcs, 2, a, lb, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "Points3D:positions"));
    rr_time_column_t short_tc[2] = {{"frame", RR_TIME_SEQUENCE, frames, 3},
                                    {"t", RR_TIME_TIMESTAMP_NS, ts, 2}};
    assert_int_equal(rr_send_columns(rec, "cols", short_tc, 2, a, lp, &err), RR_ERR_INVALID_ARG);
    rr_time_column_t dup[2] = {{"frame", RR_TIME_SEQUENCE, frames, 3},
                               {"frame", RR_TIME_SEQUENCE, frames, 3}};
    assert_int_equal(rr_send_columns(rec, "cols", dup, 2, a, lp, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_send_columns(rec, "a//b", tcs, 2, a, lp, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "a//b"));
    assert_int_equal(rr_send_columns(rec, "cols", tcs, 2, NULL, lp, &err), RR_ERR_INVALID_ARG);
    /* One instance per row: NULL lengths; no time column: static rows. */
    rr_archetype_t *one = points(3, 0, false);
    assert_rr_ok(rr_send_columns(rec, "static_cols", NULL, 0, one, NULL, &err), &err);
    rr_archetype_free(one);
    rr_archetype_free(a);

    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(d->n_chunks, 2);
    const rr_chunk_t *c = d->chunks[0];
    assert_string_equal(c->entity_path.str, "/cols");
    assert_int_equal(c->num_rows, 3);
    assert_int_equal(c->n_indexes, 2); /* no log_time / log_tick, as Rerun */
    const rr_chunk_index_t *fr = rr_chunk_find_index(c, "frame");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rr_chunk_index_value(fr, i), frames[i]);
        assert_int_equal(rr_chunk_index_value(rr_chunk_find_index(c, "t"), i), ts[i]);
        assert_int_equal(list_len(rr_chunk_find_component(c, "Points3D:positions"), i), i + 1);
        assert_int_equal(list_len(rr_chunk_find_component(c, "Points3D:colors"), i), i + 1);
    }
    const rr_chunk_component_t *pos = rr_chunk_find_component(c, "Points3D:positions");
    const float *xyz = pos->array.children[0]->children[0]->buffers[1];
    assert_true(xyz[3 * 5] == 5.0f);
    assert_true(rr_chunk_is_static(d->chunks[1]));
    assert_int_equal(d->chunks[1]->num_rows, 3);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

typedef struct collect {
    rr_buf_t frames;
    int flushes, closes;
} collect_t;

static rr_status_t collect_write(void *ctx, uint32_t kind, const uint8_t *body, size_t len,
                                 rr_error_t *err) {
    collect_t *c = ctx;
    uint8_t h[16];
    rr_rrd_message_header_write(kind, len, h);
    if (rr_buf_append(&c->frames, h, 16) != RR_OK || rr_buf_append(&c->frames, body, len) != RR_OK)
        return rr_error_set(err, RR_ERR_NOMEM, "collect");
    return RR_OK;
}
static rr_status_t collect_flush(void *ctx, rr_error_t *err) {
    (void)err;
    ((collect_t *)ctx)->flushes++;
    return RR_OK;
}
static void collect_close(void *ctx) { ((collect_t *)ctx)->closes++; }

static void test_several_sinks(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_stream_t *rec = stream(NULL);
    rr_memory_sink_t *m1, *m2;
    assert_rr_ok(rr_memory_sink(rec, &m1, &err), &err);
    assert_rr_ok(rr_memory_sink(rec, &m2, &err), &err);
    collect_t col = {0};
    rr_sink_vtable_t vt = {collect_write, collect_flush, collect_close};
    assert_rr_ok(rr_add_sink(rec, &vt, &col, &err), &err);
    char path[] = "/tmp/rr_test_sdk_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_rr_ok(rr_save(rec, path, &err), &err);
    rr_archetype_t *a = points(3, 1, true);
    for (int i = 0; i < 20; i++) {
        rr_set_time_sequence(rec, "frame", i);
        assert_rr_ok(rr_log(rec, i % 2 ? "a" : "b", a, &err), &err);
    }
    rr_archetype_free(a);
    assert_rr_ok(rr_flush(rec, &err), &err);
    assert_int_equal(col.flushes, 1);
    size_t l1, l2;
    const uint8_t *d1 = rr_memory_sink_data(m1, &l1);
    const uint8_t *d2 = rr_memory_sink_data(m2, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(d1, d2, l1);
    /* The custom sink got the same messages, minus the stream header. */
    assert_int_equal(col.frames.len, l1 - 12);
    assert_memory_equal(col.frames.data, d1 + 12, l1 - 12);
    /* The file so far is the same bytes and reads to a clean end. */
    size_t fl;
    uint8_t *fdata = rr_test_read_file(path, &fl);
    assert_non_null(fdata);
    assert_int_equal(fl, l1);
    assert_memory_equal(fdata, d1, l1);
    free(fdata);
    decoded_t *d = decode(d1, l1);
    assert_int_equal(total_rows(d), 20);
    decoded_free(d);
    rr_recording_stream_free(rec);
    assert_int_equal(col.closes, 1);
    rr_buf_free(&col.frames);
    /* Closed: End + footer, checked by the decoder. */
    fdata = rr_test_read_file(path, &fl);
    assert_true(fl > l1);
    rr_rrd_decoder_t *dec;
    assert_rr_ok(rr_rrd_decoder_new(NULL, &dec, &err), &err);
    assert_rr_ok(rr_rrd_decoder_push(dec, fdata, fl, &err), &err);
    bool got = true;
    while (got) {
        rr_rrd_message_t msg;
        assert_rr_ok(rr_rrd_decoder_next(dec, &msg, &got, &err), &err);
        if (got) rr_rrd_message_free(&msg);
    }
    assert_rr_ok(rr_rrd_decoder_finish(dec, &err), &err);
    assert_int_equal(rr_rrd_decoder_footer_count(dec), 1);
    rr_rrd_decoder_free(dec);
    free(fdata);
    unlink(path);
}

/* A custom sink whose flush (or one write) fails once: rr_flush reports it,
 * and the sink still gets every later row (as the gRPC sink, which
 * reconnects on its own, needs). */
typedef struct flaky {
    collect_t col;
    int fail_flushes, fail_writes; /* the next calls that fail */
    int flushes, writes;
} flaky_t;

static rr_status_t flaky_write(void *ctx, uint32_t kind, const uint8_t *body, size_t len,
                               rr_error_t *err) {
    flaky_t *f = ctx;
    f->writes++;
    if (kind == RR_LOG_MSG_ARROW && f->fail_writes > 0) {
        f->fail_writes--;
        return rr_error_set(err, RR_ERR_IO, "flaky write");
    }
    return collect_write(&f->col, kind, body, len, err);
}

static rr_status_t flaky_flush(void *ctx, rr_error_t *err) {
    flaky_t *f = ctx;
    f->flushes++;
    if (f->fail_flushes > 0) {
        f->fail_flushes--;
        return rr_error_set(err, RR_ERR_IO, "flaky flush");
    }
    return RR_OK;
}

static int64_t frame_rows(const collect_t *c) {
    decoded_t *d = decode(c->frames.data, c->frames.len);
    int64_t n = total_rows(d);
    decoded_free(d);
    return n;
}

static void test_custom_sink_recovers(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_options_t o = {0};
    o.batcher.no_threads = true;
    rr_recording_stream_t *rec = stream(&o);
    flaky_t f = {0};
    /* The decoder wants the stream header a custom sink does not get: the
     * memory sink's. */
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    size_t hl;
    const uint8_t *hdr = rr_memory_sink_data(m, &hl);
    assert_true(hl >= 12);
    assert_int_equal(rr_buf_append(&f.col.frames, hdr, 12), RR_OK);
    rr_sink_vtable_t vt = {flaky_write, flaky_flush, NULL};
    assert_rr_ok(rr_add_sink(rec, &vt, &f, &err), &err);
    rr_archetype_t *a = points(2, 1, false);

    assert_rr_ok(rr_log(rec, "p", a, &err), &err);
    f.fail_flushes = 1;
    assert_int_equal(rr_flush(rec, &err), RR_ERR_IO);
    assert_non_null(strstr(err.msg, "flaky flush"));
    assert_int_equal(frame_rows(&f.col), 1);
    /* Later rows still arrive, and the next flush is clean again. */
    assert_rr_ok(rr_log(rec, "p", a, &err), &err);
    assert_rr_ok(rr_flush(rec, &err), &err);
    assert_int_equal(frame_rows(&f.col), 2);
    assert_int_equal(f.flushes, 2);

    /* A failed write loses that message (the sink's to keep or drop) and
     * is reported, but the sink is not dropped. */
    f.fail_writes = 1;
    assert_rr_ok(rr_log(rec, "p", a, &err), &err);
    assert_int_equal(rr_flush(rec, &err), RR_ERR_IO);
    assert_non_null(strstr(err.msg, "flaky write"));
    assert_rr_ok(rr_log(rec, "p", a, &err), &err);
    assert_rr_ok(rr_flush(rec, &err), &err);
    assert_int_equal(frame_rows(&f.col), 3);
    /* The memory sink beside it lost nothing. */
    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(total_rows(d), 4);
    decoded_free(d);
    rr_archetype_free(a);
    rr_recording_stream_free(rec);
    rr_buf_free(&f.col.frames);
}

static void test_rows_before_sink(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_stream_t *rec;
    assert_rr_ok(rr_recording_stream_new("late", NULL, &rec, &err), &err);
    rr_archetype_t *a = points(1, 0, false);
    for (int i = 0; i < 5; i++) assert_rr_ok(rr_log(rec, "early", a, &err), &err);
    assert_rr_ok(rr_flush(rec, &err), &err); /* chunks made and held */
    for (int i = 0; i < 3; i++) assert_rr_ok(rr_log(rec, "early", a, &err), &err);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    /* A second sink added before more rows are logged gets the same backlog. */
    rr_memory_sink_t *m2;
    assert_rr_ok(rr_memory_sink(rec, &m2, &err), &err);
    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(d->kinds[0], RR_LOG_MSG_SET_STORE_INFO);
    assert_string_equal(d->chunks[0]->entity_path.str, "/__properties");
    assert_int_equal(total_rows(d), 1 + 8);
    decoded_free(d);
    size_t len;
    const uint8_t *data = rr_memory_sink_data(m2, &len);
    d = decode(data, len);
    assert_int_equal(total_rows(d), 1 + 8);
    decoded_free(d);
    /* Once rows went to sinks, a sink added later gets only what follows it. */
    assert_rr_ok(rr_log(rec, "early", a, &err), &err);
    assert_rr_ok(rr_flush(rec, &err), &err);
    rr_memory_sink_t *m3;
    assert_rr_ok(rr_memory_sink(rec, &m3, &err), &err);
    for (int i = 0; i < 2; i++) assert_rr_ok(rr_log(rec, "early", a, &err), &err);
    assert_rr_ok(rr_flush(rec, &err), &err);
    data = rr_memory_sink_data(m3, &len);
    d = decode(data, len);
    assert_int_equal(total_rows(d), 2);
    decoded_free(d);
    rr_archetype_free(a);
    rr_recording_stream_free(rec);
}

/* Large rows are written through (their own chunk, no copy): after the
 * entity's earlier rows, with their times, values read from the caller's
 * memory at rr_log (changing it afterwards changes nothing); before any sink
 * they are held like other rows; in both forms the data (flat and cell
 * batches) survives. */
static void test_write_through(void **state) {
    (void)state;
    rr_error_t err = {0};
    const int64_t n = 40000; /* 40000 x (12 + 4) bytes: above the write-through size */
    rr_position3d_t *pos = malloc((size_t)n * sizeof *pos);
    rr_color_t *col = malloc((size_t)n * sizeof *col);
    for (int64_t i = 0; i < n; i++) {
        pos[i][0] = (float)i;
        pos[i][1] = 1;
        pos[i][2] = 2;
        col[i] = (uint32_t)i * 2654435761u;
    }
    assert_true((uint64_t)n * 16 >= RR_SDK_WRITE_THROUGH_BYTES);
    const size_t img_size = 512 * 512 * 3;
    uint8_t *rgb = malloc(img_size);
    for (size_t i = 0; i < img_size; i++) rgb[i] = (uint8_t)(i * 7);
    const rr_image_format_t fmt = {.width = 512, .height = 512, .color_model = RR_COLOR_MODEL_RGB,
                                   .channel_datatype = RR_CHANNEL_DATATYPE_U8};

    for (int late_sink = 0; late_sink < 2; late_sink++) {
        rr_recording_stream_t *rec = stream(NULL);
        rr_memory_sink_t *m = NULL;
        if (!late_sink) assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
        /* Two small rows first, then the large one, of one entity. */
        rr_archetype_t *small = points(2, 0, false);
        for (int i = 0; i < 2; i++) {
            assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
            assert_rr_ok(rr_log(rec, "cloud", small, &err), &err);
        }
        rr_archetype_free(small);
        assert_rr_ok(rr_set_time_sequence(rec, "frame", 9), &err);
        rr_archetype_t *big;
        assert_rr_ok(rr_points3d_new(&big, pos, (size_t)n, RR_BORROW, &err), &err);
        assert_rr_ok(rr_points3d_set_colors(big, col, (size_t)n, RR_BORROW, &err), &err);
        assert_rr_ok(rr_log(rec, "cloud", big, &err), &err);
        rr_archetype_free(big);
        if (!late_sink) {
            /* Already in the sink when rr_log returns, without a flush. */
            size_t len;
            rr_memory_sink_data(m, &len);
            assert_true(len > (size_t)n * 4);
        }
        rr_archetype_t *img;
        assert_rr_ok(rr_image_new(&img, rgb, img_size, &fmt, RR_BORROW, &err), &err);
        assert_rr_ok(rr_log(rec, "camera", img, &err), &err);
        rr_archetype_free(img);
        /* The caller's memory may change once rr_log returned. */
        pos[5][0] = -1;
        rgb[5] ^= 0xff;
        if (late_sink) assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
        decoded_t *d = decode_sink(rec, m);
        pos[5][0] = 5;
        rgb[5] ^= 0xff;
        assert_int_equal(total_rows(d), 4);
        int seen_big = 0, seen_img = 0;
        for (size_t c = 0; c < d->n_chunks; c++) {
            const rr_chunk_t *ch = d->chunks[c];
            const rr_chunk_index_t *fr = rr_chunk_find_index(ch, "frame");
            assert_non_null(fr);
            if (strcmp(ch->entity_path.str, "/camera") == 0) {
                const rr_chunk_component_t *b = rr_chunk_find_component(ch, "Image:buffer");
                assert_non_null(b);
                const struct ArrowArray *blob = b->array.children[0];   /* list<u8> per instance */
                const struct ArrowArray *bytes = blob->children[0];
                const int32_t *bo = blob->buffers[1];
                assert_int_equal(bo[blob->offset + 1] - bo[blob->offset], (int32_t)img_size);
                assert_memory_equal((const uint8_t *)bytes->buffers[1] + bytes->offset + bo[blob->offset],
                                    rgb, img_size);
                seen_img++;
                continue;
            }
            assert_string_equal(ch->entity_path.str, "/cloud");
            if (ch->num_rows == 1 && rr_chunk_index_value(fr, 0) == 9) {
                /* The large row: after the small ones, in a chunk of its own. */
                assert_int_equal(seen_big, 0);
                const rr_chunk_component_t *p = rr_chunk_find_component(ch, "Points3D:positions");
                const rr_chunk_component_t *k = rr_chunk_find_component(ch, "Points3D:colors");
                assert_non_null(p);
                assert_non_null(k);
                assert_int_equal(list_len(p, 0), n);
                const struct ArrowArray *fsl = p->array.children[0];
                const float *xyz = (const float *)fsl->children[0]->buffers[1] + 3 * fsl->offset;
                assert_memory_equal(xyz, pos, (size_t)n * sizeof *pos);
                const struct ArrowArray *cv = k->array.children[0];
                assert_memory_equal((const uint32_t *)cv->buffers[1] + cv->offset, col,
                                    (size_t)n * sizeof *col);
                seen_big++;
            } else {
                assert_int_equal(seen_big, 0); /* the small rows came first */
                for (int64_t r = 0; r < ch->num_rows; r++)
                    assert_true(rr_chunk_index_value(fr, r) < 2);
            }
        }
        assert_int_equal(seen_big, 1);
        assert_int_equal(seen_img, 1);
        decoded_free(d);
        rr_recording_stream_free(rec);
    }
    free(pos);
    free(col);
    free(rgb);
}

static void test_global_and_bad_args(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_archetype_t *a = points(1, 0, false);
    /* No global stream yet. */
    rr_set_global_recording(NULL);
    assert_int_equal(rr_log(NULL, "x", a, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "no recording stream"));
    assert_int_equal(rr_set_time_sequence(NULL, "f", 1), RR_ERR_INVALID_ARG);
    assert_null(rr_recording_id(NULL));

    rr_recording_stream_t *rec = stream(NULL);
    rr_set_global_recording(rec);
    assert_ptr_equal(rr_global_recording(), rec);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(NULL, &m, &err), &err);
    assert_rr_ok(rr_set_time_sequence(NULL, "frame", 3), &err);
    assert_rr_ok(rr_log(NULL, "global", a, &err), &err);

    assert_int_equal(rr_log(rec, "bad//path", a, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "bad//path"));
    assert_int_equal(rr_log(rec, "", a, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_log(rec, NULL, a, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_log(rec, "x", NULL, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_log(rec, "bad//path", a, NULL), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_set_time_sequence(rec, NULL, 1), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_set_time_sequence(rec, "f", INT64_MIN), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_save(rec, NULL, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_save(rec, "/nonexistent_dir/x.rrd", &err), RR_ERR_IO);
    assert_non_null(strstr(err.msg, "/nonexistent_dir/x.rrd"));
    assert_int_equal(rr_add_sink(rec, NULL, NULL, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_memory_sink(rec, NULL, &err), RR_ERR_INVALID_ARG);
    rr_recording_stream_t *r2;
    assert_int_equal(rr_recording_stream_new(NULL, NULL, &r2, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_recording_stream_new("x", NULL, NULL, &err), RR_ERR_INVALID_ARG);
    rr_recording_options_t o = {.store_kind = 7};
    assert_int_equal(rr_recording_stream_new("x", &o, &r2, &err), RR_ERR_INVALID_ARG);
    /* An empty archetype logs nothing. */
    rr_archetype_t *empty;
    assert_rr_ok(rr_archetype_new(NULL, &empty, &err), &err);
    assert_rr_ok(rr_log(rec, "nothing", empty, &err), &err);
    rr_archetype_free(empty);

    decoded_t *d = decode_sink(rec, m);
    assert_int_equal(d->n_chunks, 1);
    assert_string_equal(d->chunks[0]->entity_path.str, "/global");
    assert_int_equal(rr_chunk_index_value(rr_chunk_find_index(d->chunks[0], "frame"), 0), 3);
    decoded_free(d);
    rr_recording_stream_free(rec);
    assert_null(rr_global_recording()); /* freeing the global stream unsets it */
    rr_recording_stream_free(NULL);
    rr_archetype_free(a);
}

/* Borrowed instances are copied at log time: changing the caller's memory
 * after rr_log does not change what was logged. */
static void test_borrowed(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_recording_stream_t *rec = stream(NULL);
    rr_memory_sink_t *m;
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    float user[3] = {7, 8, 9};
    rr_archetype_t *a;
    assert_rr_ok(rr_archetype_new(NULL, &a, &err), &err);
    struct ArrowSchema s;
    assert_rr_ok(rr_arrow_schema_init(&s, "+w:3", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(s.children[0], "f", "item", ARROW_FLAG_NULLABLE, 0, &err),
                 &err);
    struct ArrowArray arr;
    assert_rr_ok(rr_arrow_array_init(&arr, 1, 1, false, &err), &err);
    arr.length = 1;
    assert_rr_ok(rr_arrow_array_init(arr.children[0], 2, 0, false, &err), &err);
    arr.children[0]->length = 3;
    rr_arrow_array_set_buffer_blob(arr.children[0], 1, user, NULL);
    assert_rr_ok(rr_archetype_add_arrow_borrowed(a, &k_pos, &s, &arr, &err), &err);
    assert_rr_ok(rr_log(rec, "b", a, &err), &err);
    rr_archetype_free(a);
    user[0] = -1;
    decoded_t *d = decode_sink(rec, m);
    const rr_chunk_component_t *pos = rr_chunk_find_component(d->chunks[0], "Points3D:positions");
    const float *xyz = pos->array.children[0]->children[0]->buffers[1];
    assert_true(xyz[pos->array.children[0]->children[0]->offset] == 7.0f);
    decoded_free(d);
    rr_recording_stream_free(rec);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_and_times),
        cmocka_unit_test(test_random_recording_id),
        cmocka_unit_test(test_no_default_timelines_and_static),
        cmocka_unit_test(test_reset_time),
        cmocka_unit_test(test_time_cache),
        cmocka_unit_test(test_row_threshold_no_threads),
        cmocka_unit_test(test_byte_threshold),
        cmocka_unit_test(test_env_config),
        cmocka_unit_test(test_time_threshold),
        cmocka_unit_test(test_unsorted_split),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_ticks_one_thread),
        cmocka_unit_test(test_send_columns),
        cmocka_unit_test(test_several_sinks),
        cmocka_unit_test(test_custom_sink_recovers),
        cmocka_unit_test(test_rows_before_sink),
        cmocka_unit_test(test_global_and_bad_args),
        cmocka_unit_test(test_borrowed),
        cmocka_unit_test(test_write_through),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
