/* Push sources of the viewer's app core (src/viewer/app_push.h), the way the
 * browser build feeds it: .rrd bytes in pieces of any size, protobuf LogMsgs
 * and ReadMessagesResponses from a live proxy; damage (a cut-off stream,
 * garbage, a malformed message) reaches the banner under the source's name
 * and keeps what loaded; every SetStoreInfo reaches the host's callback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "rrd/decoder.h"
#include "viewer/app.h"
#include "viewer/app_push.h"
#include "rerun.h"
#include "testutil.h"

static uint8_t *g_rrd;
static size_t g_rrd_len;

/* 10 frames of 5 points on timeline "frame" (0, 2, .. 18), a chunk each. */
static int setup(void **state) {
    (void)state;
    char path[] = "/tmp/test_viewer_app_push.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    close(fd);
    rr_recording_options_t opts = {.recording_id = "rec_push"};
    rr_recording_stream_t *rec = NULL;
    rr_error_t err = {0};
    if (rr_recording_stream_new("test_viewer_app_push", &opts, &rec, &err) != RR_OK) return -1;
    if (rr_save(rec, path, &err) != RR_OK) return -1;
    rr_position3d_t pos[5];
    for (int f = 0; f < 10; f++) {
        for (int i = 0; i < 5; i++) {
            pos[i][0] = (float)i;
            pos[i][1] = (float)f;
            pos[i][2] = 1;
        }
        rr_set_time_sequence(rec, "frame", f * 2);
        rr_archetype_t *a = NULL;
        if (rr_points3d_new(&a, (const rr_position3d_t *)pos, 5, RR_BORROW, &err) != RR_OK) return -1;
        rr_log(rec, "points", a, &err);
        rr_archetype_free(a);
        rr_flush(rec, &err);
    }
    rr_recording_stream_free(rec);
    g_rrd = rr_test_read_file(path, &g_rrd_len);
    unlink(path);
    return g_rrd ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    free(g_rrd);
    return 0;
}

static rr_app_t *new_app(void) {
    rr_app_t *app = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_app_new(NULL, &app, &err), &err);
    return app;
}

typedef struct infos {
    int n;
    char recording_id[64];
    int source_kind;
} infos_t;

static void on_info(void *ud, const rr_store_info_t *info) {
    infos_t *i = ud;
    i->n++;
    snprintf(i->recording_id, sizeof i->recording_id, "%s",
             info->store_id.recording_id ? info->store_id.recording_id : "");
    i->source_kind = (int)info->source_kind;
}

static void expect_loaded(rr_app_t *app) {
    rr_app_update(app, -1);
    rr_store_t *s = rr_app_active_store(app);
    assert_non_null(s);
    assert_string_equal(rr_store_store_id(s)->recording_id, "rec_push");
    assert_string_equal(rr_app_timeline(app), "frame");
    rr_time_range_t r;
    assert_true(rr_app_time_range(app, &r));
    assert_int_equal(r.min, 0);
    assert_int_equal(r.max, 18);
}

static void test_bytes_in_pieces(void **state) {
    (void)state;
    rr_app_t *app = new_app();
    rr_app_push_source_t *src = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_app_open_push(app, "pieces.rrd", &src, &err), &err);
    infos_t infos = {0};
    rr_app_push_on_store_info(src, on_info, &infos);
    rr_app_push_set_size(src, g_rrd_len);
    assert_true(rr_app_push_open(src));
    /* odd piece sizes cut every frame header and body somewhere */
    size_t pos = 0, step = 7;
    while (pos < g_rrd_len) {
        size_t n = g_rrd_len - pos < step ? g_rrd_len - pos : step;
        assert_int_equal(rr_app_push_bytes(src, g_rrd + pos, n), RR_OK);
        pos += n;
        step = step * 3 % 1013 + 1;
        if (pos < g_rrd_len / 2) rr_app_update(app, 0);
    }
    assert_int_equal(rr_app_push_bytes_in(src), g_rrd_len);
    assert_int_equal(rr_app_push_finish(src), RR_OK);
    assert_false(rr_app_push_open(src));
    expect_loaded(app);
    assert_int_equal(infos.n, 1);
    assert_string_equal(infos.recording_id, "rec_push");
    assert_int_equal(infos.source_kind, RR_STORE_SOURCE_C_SDK);
    assert_string_equal(rr_app_error(app), "");
    /* finished: more bytes are refused */
    assert_int_not_equal(rr_app_push_bytes(src, g_rrd, 16), RR_OK);
    rr_app_push_free(src);
    rr_app_free(app);
}

/* A small queue bound: pushing faster than the UI drains shows as
 * backlogged until rr_app_update catches up (which drains past its budget
 * while the queue is over the bound). */
static void test_backlog(void **state) {
    (void)state;
    rr_app_config_t cfg = {.queue_bytes = 1024};
    rr_app_t *app = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_app_new(&cfg, &app, &err), &err);
    rr_app_push_source_t *src = NULL;
    assert_rr_ok(rr_app_open_push(app, "backlog.rrd", &src, &err), &err);
    assert_false(rr_app_push_backlogged(src));
    assert_int_equal(rr_app_push_bytes(src, g_rrd, g_rrd_len), RR_OK);
    assert_true(rr_app_push_backlogged(src));
    size_t rounds = 0;
    while (rr_app_push_backlogged(src) && rounds < 1000) {
        assert_true(rr_app_update(app, 0) > 0);
        rounds++;
    }
    assert_false(rr_app_push_backlogged(src));
    assert_int_equal(rounds, 1);
    assert_int_equal(rr_app_push_finish(src), RR_OK);
    expect_loaded(app);
    rr_app_push_free(src);
    rr_app_free(app);
}

static void test_truncated(void **state) {
    (void)state;
    rr_app_t *app = new_app();
    rr_app_push_source_t *src = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_app_open_push(app, "cut.rrd", &src, &err), &err);
    /* cut inside the last message: everything before it loads */
    size_t cut = g_rrd_len * 3 / 4;
    assert_int_equal(rr_app_push_bytes(src, g_rrd, cut), RR_OK);
    assert_int_equal(rr_app_push_finish(src), RR_ERR_TRUNCATED);
    rr_app_update(app, -1);
    assert_non_null(rr_app_active_store(app));
    assert_true(rr_app_num_chunks(app) > 0);
    assert_non_null(strstr(rr_app_error(app), "cut.rrd: "));
    assert_int_equal(rr_app_num_errors(app), 1);
    /* the app goes first, the source after it */
    rr_app_free(app);
    rr_app_push_free(src);
}

static void test_garbage(void **state) {
    (void)state;
    rr_app_t *app = new_app();
    rr_app_push_source_t *src = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_app_open_push(app, "garbage", &src, &err), &err);
    static const char junk[] = "this is not an rrd stream at all, not even close.....";
    assert_int_not_equal(rr_app_push_bytes(src, junk, sizeof junk), RR_OK);
    /* a failed stream takes nothing more, and says so once */
    assert_int_not_equal(rr_app_push_bytes(src, g_rrd, g_rrd_len), RR_OK);
    assert_int_not_equal(rr_app_push_finish(src), RR_OK);
    rr_app_update(app, -1);
    assert_null(rr_app_active_store(app));
    assert_non_null(strstr(rr_app_error(app), "garbage: "));
    assert_int_equal(rr_app_num_errors(app), 1);
    rr_app_push_free(src);
    rr_app_free(app);
}

/* Every message of the .rrd, re-encoded as the LogMsg oneof. */
typedef struct wrapped {
    rr_buf_t msgs[64];
    size_t n;
} wrapped_t;

static rr_status_t wrap_one(void *ctx, rr_rrd_message_t *m, rr_error_t *err) {
    wrapped_t *w = ctx;
    if (w->n == 64) return rr_error_set(err, RR_ERR_FULL, "too many messages");
    memset(&w->msgs[w->n], 0, sizeof w->msgs[w->n]);
    rr_status_t st = rr_log_msg_encode_wrapped(&m->msg, &w->msgs[w->n++], err);
    rr_rrd_message_free(m); /* the callback owns it */
    return st;
}

static void test_log_msgs(void **state) {
    (void)state;
    wrapped_t *w = calloc(1, sizeof *w);
    assert_non_null(w);
    rr_error_t err = {0};
    assert_rr_ok(rr_rrd_decode_all(g_rrd, g_rrd_len, wrap_one, w, &err), &err);
    assert_true(w->n > 10);

    rr_app_t *app = new_app();
    rr_app_push_source_t *src = NULL;
    assert_rr_ok(rr_app_open_push(app, "rerun+http://127.0.0.1:1/proxy", &src, &err), &err);
    rr_app_push_set_live(src, true);
    infos_t infos = {0};
    rr_app_push_on_store_info(src, on_info, &infos);
    for (size_t i = 0; i < w->n; i++) {
        if (i % 2) {
            assert_int_equal(rr_app_push_log_msg(src, w->msgs[i].data, w->msgs[i].len), RR_OK);
            continue;
        }
        /* a ReadMessagesResponse: an unknown varint field 2, then field 1 */
        rr_buf_t r = {0};
        uint8_t head[12] = {0x10, 0x96, 0x01, 0x0a};
        size_t hl = 4, len = w->msgs[i].len;
        while (len >= 0x80) {
            head[hl++] = (uint8_t)(len | 0x80);
            len >>= 7;
        }
        head[hl++] = (uint8_t)len;
        assert_rr_ok(rr_buf_append(&r, head, hl), &err);
        assert_rr_ok(rr_buf_append(&r, w->msgs[i].data, w->msgs[i].len), &err);
        assert_int_equal(rr_app_push_read_response(src, r.data, r.len), RR_OK);
        rr_buf_free(&r);
    }
    expect_loaded(app);
    assert_int_equal(infos.n, 1);
    assert_string_equal(rr_app_error(app), "");
    /* a live source is not "loading" */
    assert_false(rr_app_loading(app));

    /* a response without field 1 is skipped quietly, as Rerun's reader
     * does; malformed: a LogMsg cut short, a length running past the end,
     * a varint cut short */
    static const uint8_t no_field[] = {0x10, 0x01};
    assert_int_equal(rr_app_push_read_response(src, no_field, sizeof no_field), RR_OK);
    assert_int_equal(rr_app_push_read_response(src, no_field, 0), RR_OK);
    static const uint8_t cut_varint[] = {0x10, 0x81};
    assert_int_equal(rr_app_push_read_response(src, cut_varint, sizeof cut_varint), RR_ERR_INVALID_DATA);
    assert_int_equal(rr_app_push_log_msg(src, w->msgs[1].data, w->msgs[1].len / 2), RR_ERR_INVALID_DATA);
    static const uint8_t overrun[] = {0x0a, 0x7f, 0x01};
    assert_int_equal(rr_app_push_read_response(src, overrun, sizeof overrun), RR_ERR_INVALID_DATA);
    assert_int_equal(rr_app_num_errors(app), 3);
    assert_non_null(strstr(rr_app_error(app), "rerun+http://127.0.0.1:1/proxy: "));
    assert_non_null(strstr(rr_app_error(app), "malformed ReadMessagesResponse"));
    rr_app_update(app, -1);
    expect_loaded(app); /* what loaded stays */

    for (size_t i = 0; i < w->n; i++) rr_buf_free(&w->msgs[i]);
    free(w);
    rr_app_push_free(src);
    rr_app_free(app);
}

/* Damage anywhere never crashes or leaks: every prefix of a response and
 * of a LogMsg, and the .rrd with single bytes flipped (every 7th position)
 * pushed in pieces; each either loads or reports. */
static void test_damage(void **state) {
    (void)state;
    wrapped_t *w = calloc(1, sizeof *w);
    assert_non_null(w);
    rr_error_t err = {0};
    assert_rr_ok(rr_rrd_decode_all(g_rrd, g_rrd_len, wrap_one, w, &err), &err);
    rr_app_t *app = new_app();
    rr_app_push_source_t *src = NULL;
    assert_rr_ok(rr_app_open_push(app, "damage", &src, &err), &err);
    size_t bad = 0;
    for (size_t m = 0; m < w->n && m < 4; m++) {
        const rr_buf_t *b = &w->msgs[m];
        for (size_t n = 0; n < b->len; n++) {
            if (rr_app_push_log_msg(src, b->data, n) != RR_OK) bad++;
            if (rr_app_push_read_response(src, b->data, n) != RR_OK) bad++;
        }
        rr_app_update(app, -1);
    }
    assert_true(bad > 0);
    assert_int_equal(rr_app_num_errors(app), bad);
    rr_app_push_free(src);
    rr_app_free(app);

    uint8_t *copy = malloc(g_rrd_len);
    assert_non_null(copy);
    size_t loaded = 0, reported = 0;
    for (size_t pos = 0; pos < g_rrd_len; pos += 7) {
        memcpy(copy, g_rrd, g_rrd_len);
        copy[pos] ^= 0x5a;
        app = new_app();
        assert_rr_ok(rr_app_open_push(app, "flipped", &src, &err), &err);
        for (size_t at = 0; at < g_rrd_len; at += 1000)
            rr_app_push_bytes(src, copy + at, g_rrd_len - at < 1000 ? g_rrd_len - at : 1000);
        rr_app_push_finish(src);
        rr_app_update(app, -1);
        if (rr_app_num_errors(app)) reported++;
        if (rr_app_num_chunks(app)) loaded++;
        rr_app_push_free(src);
        rr_app_free(app);
    }
    /* most flips land in a chunk's bytes: reported, the rest still loads */
    assert_true(reported > 0);
    assert_true(loaded > 0);
    free(copy);
    for (size_t i = 0; i < w->n; i++) rr_buf_free(&w->msgs[i]);
    free(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_in_pieces),
        cmocka_unit_test(test_backlog),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_log_msgs),
        cmocka_unit_test(test_damage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
