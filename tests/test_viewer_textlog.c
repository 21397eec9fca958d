/* Tests of the text log view (views/textlog.h) and its place in the
 * default blueprint: entries of every TextLog entity, one per instance, in
 * time then row-id order across entities, static ones first; level and
 * colour from the same row; hidden entities left out; the view's origin
 * respected; the entry count before a time (the row the table scrolls to);
 * Rerun's level colours; rebuilt when the store changes, not otherwise; one
 * TextLog view at the root when any entity logs text, and a TextDocument
 * view per document entity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/blueprint.h"
#include "viewer/views/textlog.h"
#include "rerun.h" /* after the internal headers (it skips what they define) */
#include "rerun_archetypes.h"
#include "testutil.h"
#include "viewer_scene.h"

static rr_archetype_t *text_log(const char *text, const char *level, uint32_t color) {
    rr_archetype_t *a = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_text_log_new(&a, text, RR_COPY, &err), &err);
    if (level) assert_rr_ok(rr_text_log_set_level(a, level, RR_COPY, &err), &err);
    if (color) assert_rr_ok(rr_text_log_set_color(a, color, RR_COPY, &err), &err);
    return a;
}

static void expect_entry(const rr_textlog_t *v, size_t i, int64_t time, const char *entity, const char *body,
                         const char *level) {
    const rr_textlog_entry_t *e = rr_textlog_entry(v, i);
    assert_non_null(e);
    if (e->time != time) fail_msg("entry %zu at %lld, want %lld", i, (long long)e->time, (long long)time);
    assert_string_equal(e->entity, entity);
    assert_int_equal(e->body_len, strlen(body));
    assert_memory_equal(e->body, body, e->body_len);
    if (!level) {
        assert_null(e->level);
    } else {
        assert_int_equal(e->level_len, strlen(level));
        assert_memory_equal(e->level, level, e->level_len);
    }
}

static rr_entity_path_t path(const char *s) {
    rr_entity_path_t p;
    rr_error_t err = {0};
    assert_rr_ok(rr_entity_path_parse(s, strlen(s), &p, &err), &err);
    return p;
}

static void test_entries(void **state) {
    (void)state;
    rr_error_t err = {0};
    scene_t s;
    scene_begin(&s);
    log_at(&s, "robot/arm", 3, text_log("arm moved", "INFO", 0));
    log_at(&s, "robot/base", 1, text_log("base ready", "DEBUG", 0));
    log_at(&s, "robot/arm", 1, text_log("arm ready", NULL, 0xff0000ffu));
    log_static(&s, "robot/base", text_log("firmware 1.2", "INFO", 0));
    log_at(&s, "other", 2, text_log("elsewhere", "WARN", 0));
    rr_store_t *store = scene_end(&s);

    rr_entity_path_t root = path("/");
    rr_textlog_t *v = NULL;
    assert_rr_ok(rr_textlog_new(store, &root, true, &v, &err), &err);
    assert_rr_ok(rr_textlog_prepare(v, "frame", &err), &err);
    /* A static TextLog:text at an entity shadows its temporal ones (Rerun's
     * range on a static component), so /robot/base shows the static one. */
    assert_int_equal(rr_textlog_num_entries(v), 4);
    expect_entry(v, 0, RR_TIME_STATIC, "/robot/base", "firmware 1.2", "INFO");
    expect_entry(v, 1, 1, "/robot/arm", "arm ready", NULL);
    expect_entry(v, 2, 2, "/other", "elsewhere", "WARN");
    expect_entry(v, 3, 3, "/robot/arm", "arm moved", "INFO");
    const rr_textlog_entry_t *e = rr_textlog_entry(v, 1);
    assert_true(e->has_color);
    assert_int_equal(e->color, 0xff0000ffu);
    assert_false(rr_textlog_entry(v, 3)->has_color);
    assert_null(rr_textlog_entry(v, 4));
    /* Entries before a time: the static one counts as earliest. */
    assert_int_equal(rr_textlog_before(v, 0), 1);
    assert_int_equal(rr_textlog_before(v, 2), 2);
    assert_int_equal(rr_textlog_before(v, 3), 3);
    assert_int_equal(rr_textlog_before(v, 100), 4);
    /* Hidden entities are left out; unhidden they come back. */
    const char *hide[] = {"/robot/arm"};
    assert_rr_ok(rr_textlog_set_hidden(v, hide, 1, &err), &err);
    assert_rr_ok(rr_textlog_prepare(v, "frame", &err), &err);
    assert_int_equal(rr_textlog_num_entries(v), 2);
    expect_entry(v, 1, 2, "/other", "elsewhere", "WARN");
    assert_rr_ok(rr_textlog_set_hidden(v, NULL, 0, &err), &err);
    assert_rr_ok(rr_textlog_prepare(v, "frame", &err), &err);
    assert_int_equal(rr_textlog_num_entries(v), 4);
    /* No timeline: the static entries only. */
    assert_rr_ok(rr_textlog_prepare(v, NULL, &err), &err);
    assert_int_equal(rr_textlog_num_entries(v), 1);
    rr_textlog_free(v);

    /* A view over /robot: /other is outside it. */
    rr_entity_path_t robot = path("robot");
    assert_rr_ok(rr_textlog_new(store, &robot, true, &v, &err), &err);
    assert_rr_ok(rr_textlog_prepare(v, "frame", &err), &err);
    assert_int_equal(rr_textlog_num_entries(v), 3);
    for (size_t i = 0; i < 3; i++) assert_string_not_equal(rr_textlog_entry(v, i)->entity, "/other");
    rr_textlog_free(v);
    rr_entity_path_free(&robot);
    rr_entity_path_free(&root);
    scene_free(&s);
}

/* New data is picked up at the next prepare; nothing new, nothing rebuilt
 * (the entries stay where they were). */
static void test_follows_store(void **state) {
    (void)state;
    rr_error_t err = {0};
    scene_t s;
    scene_begin(&s);
    log_at(&s, "log", 1, text_log("one", "INFO", 0));
    rr_store_t *store = scene_end(&s);
    rr_textlog_t *v = NULL;
    assert_rr_ok(rr_textlog_new(store, NULL, true, &v, &err), &err);
    assert_rr_ok(rr_textlog_prepare(v, "frame", &err), &err);
    assert_int_equal(rr_textlog_num_entries(v), 1);
    const rr_textlog_entry_t *before = rr_textlog_entry(v, 0);
    assert_rr_ok(rr_textlog_prepare(v, "frame", &err), &err);
    assert_ptr_equal(rr_textlog_entry(v, 0), before);
    /* More of the same recording, loaded into the same store. */
    rr_recording_options_t o = {.recording_id = rr_store_store_id(store)->recording_id,
                                .batcher = {.no_threads = true}, .no_properties = true,
                                .no_default_timelines = true};
    rr_recording_stream_t *rec = NULL;
    rr_memory_sink_t *m = NULL;
    assert_rr_ok(rr_recording_stream_new("test_viewer_scene", &o, &rec, &err), &err);
    assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
    assert_rr_ok(rr_set_time_sequence(rec, "frame", 2), &err);
    rr_archetype_t *a = text_log("two", "INFO", 0);
    assert_rr_ok(rr_log(rec, "log", a, &err), &err);
    rr_archetype_free(a);
    assert_rr_ok(rr_flush(rec, &err), &err);
    size_t len = 0;
    const uint8_t *data = rr_memory_sink_data(m, &len);
    assert_rr_ok(rr_store_set_load_rrd_bytes(s.set, data, len, &err), &err);
    rr_recording_stream_free(rec);
    assert_int_equal(rr_store_set_count(s.set), 1);
    assert_rr_ok(rr_textlog_prepare(v, "frame", &err), &err);
    assert_int_equal(rr_textlog_num_entries(v), 2);
    expect_entry(v, 1, 2, "/log", "two", "INFO");
    rr_textlog_free(v);
    scene_free(&s);
}

static void test_level_colors(void **state) {
    (void)state;
    assert_int_equal(rr_textlog_level_color("ERROR", 5, true), 0xab0116ffu);
    assert_int_equal(rr_textlog_level_color("CRITICAL", 8, false), 0xab0116ffu);
    assert_int_equal(rr_textlog_level_color("WARN", 4, true), 0xff7a0cffu);
    assert_int_equal(rr_textlog_level_color("INFO", 4, true), 0x00da7effu);
    assert_int_equal(rr_textlog_level_color("INFO", 4, false), 0x00894dffu);
    assert_int_equal(rr_textlog_level_color("DEBUG", 5, true), 0xadbbffffu);
    assert_int_equal(rr_textlog_level_color("TRACE", 5, true), 0xbfbfbfffu);
    assert_int_equal(rr_textlog_level_color("INFOX", 5, true), 0);
    assert_int_equal(rr_textlog_level_color("INF", 3, true), 0);
    assert_int_equal(rr_textlog_level_color(NULL, 0, true), 0);
}

/* One TextLog view at the root holding every text-logging entity; one
 * TextDocument view per document. */
static void test_blueprint(void **state) {
    (void)state;
    rr_error_t err = {0};
    scene_t s;
    scene_begin(&s);
    log_at(&s, "a/log", 1, text_log("x", NULL, 0));
    log_at(&s, "b/c/log", 1, text_log("y", NULL, 0));
    for (int k = 0; k < 2; k++) {
        rr_archetype_t *a = NULL;
        assert_rr_ok(rr_text_document_new(&a, k ? "# notes" : "readme", RR_COPY, &err), &err);
        log_static(&s, k ? "docs/notes" : "docs/readme", a);
    }
    rr_store_t *store = scene_end(&s);
    rr_blueprint_t bp;
    assert_rr_ok(rr_blueprint_default(store, &bp, &err), &err);
    size_t found = 0;
    for (size_t i = 0; i < bp.n_views; i++) {
        if (bp.views[i].cls != RR_VIEW_TEXTLOG) continue;
        found++;
        assert_true(rr_entity_path_is_root(&bp.views[i].origin));
        assert_int_equal(bp.views[i].n_entities, 2);
    }
    assert_int_equal(found, 1);
    assert_string_equal(rr_view_class_name(RR_VIEW_TEXTLOG), "TextLog");
    /* A TextDocument view per document entity, its origin the entity. */
    size_t docs = 0;
    for (size_t i = 0; i < bp.n_views; i++) {
        if (bp.views[i].cls != RR_VIEW_TEXTDOC) continue;
        assert_false(bp.views[i].subtree);
        assert_int_equal(bp.views[i].n_entities, 1);
        assert_string_equal(bp.views[i].origin.str, docs ? "/docs/readme" : "/docs/notes");
        docs++;
    }
    assert_int_equal(docs, 2);
    assert_string_equal(rr_view_class_name(RR_VIEW_TEXTDOC), "TextDocument");
    rr_blueprint_free(&bp);
    scene_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries),
        cmocka_unit_test(test_follows_store),
        cmocka_unit_test(test_level_colors),
        cmocka_unit_test(test_blueprint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
