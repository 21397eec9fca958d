/* A recording made with the SDK for the viewer's tests: log into a stream
 * whose memory sink is then loaded into a store set, as the viewer loads a
 * file. No batcher thread, no properties; without default timelines unless
 * asked (scene_begin_with: log_tick and log_time as the SDK adds them). */
#ifndef RR_TESTS_VIEWER_SCENE_H
#define RR_TESTS_VIEWER_SCENE_H

#include <string.h>

#include "store/store.h" /* before rerun.h, which then skips its copies */
#include "rerun.h"
#include "testutil.h"

typedef struct scene {
    rr_recording_stream_t *rec;
    rr_memory_sink_t *sink;
    rr_store_set_t *set;
    rr_store_t *store;
} scene_t;

/* recording_id NULL: a random one. */
static inline void scene_begin_with(scene_t *s, bool default_timelines, const char *recording_id) {
    memset(s, 0, sizeof *s);
    rr_recording_options_t opts = {.recording_id = recording_id, .batcher = {.no_threads = true},
                                   .no_properties = true, .no_default_timelines = !default_timelines};
    rr_error_t err = {0};
    assert_rr_ok(rr_recording_stream_new("test_viewer_scene", &opts, &s->rec, &err), &err);
    assert_rr_ok(rr_memory_sink(s->rec, &s->sink, &err), &err);
}

static inline void scene_begin(scene_t *s) { scene_begin_with(s, false, NULL); }

/* Logs a (taken) static, or at frame on the "frame" timeline. */
static inline void log_static(scene_t *s, const char *path, rr_archetype_t *a) {
    rr_error_t err = {0};
    assert_non_null(a);
    assert_rr_ok(rr_log_static(s->rec, path, a, &err), &err);
    rr_archetype_free(a);
}

static inline void log_at(scene_t *s, const char *path, int64_t frame, rr_archetype_t *a) {
    rr_error_t err = {0};
    assert_non_null(a);
    assert_rr_ok(rr_set_time_sequence(s->rec, "frame", frame), &err);
    assert_rr_ok(rr_log(s->rec, path, a, &err), &err);
    rr_archetype_free(a);
}

/* Flushes what was logged into a store. */
static inline rr_store_t *scene_end(scene_t *s) {
    rr_error_t err = {0};
    assert_rr_ok(rr_flush(s->rec, &err), &err);
    size_t len = 0;
    const uint8_t *data = rr_memory_sink_data(s->sink, &len);
    assert_non_null(data);
    assert_rr_ok(rr_store_set_new(NULL, &s->set, &err), &err);
    assert_rr_ok(rr_store_set_load_rrd_bytes(s->set, data, len, &err), &err);
    rr_recording_stream_free(s->rec);
    s->rec = NULL;
    assert_int_equal(rr_store_set_count(s->set), 1);
    s->store = rr_store_set_get(s->set, 0);
    return s->store;
}

static inline void scene_free(scene_t *s) {
    rr_recording_stream_free(s->rec);
    rr_store_set_free(s->set);
}

#endif
