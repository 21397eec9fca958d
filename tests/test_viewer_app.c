/* The viewer's app core without a window (src/viewer/app.h): sources load
 * into the stores on background threads (file, pipe, HTTP with a length and
 * chunked, a live proxy, the built-in endpoint an SDK connects to), the UI
 * thread drains them progressively, the memory limit holds, damaged input
 * keeps what loaded and sets the banner, and playback moves the time. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The internal headers first: rerun.h then skips what they declared. */
#include "viewer/app.h"
#include "rerun.h"
#include "testutil.h"

static char g_dir[256];
static char g_small[300], g_big[300];
static uint8_t *g_small_bytes;
static size_t g_small_len;

/* A recording of `frames` frames of `n` points each on timeline "frame",
 * one chunk per frame (flushed each frame). */
static void write_recording(const char *path, const char *rec_id, int frames, size_t n) {
    rr_recording_options_t opts = {.recording_id = rec_id};
    rr_recording_stream_t *rec = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_recording_stream_new("test_viewer_app", &opts, &rec, &err), &err);
    assert_rr_ok(rr_save(rec, path, &err), &err);
    rr_position3d_t *pos = calloc(n, sizeof *pos);
    assert_non_null(pos);
    for (int f = 0; f < frames; f++) {
        for (size_t i = 0; i < n; i++) {
            pos[i][0] = (float)i;
            pos[i][1] = (float)f;
            pos[i][2] = 1;
        }
        rr_set_time_sequence(rec, "frame", f * 2);
        rr_archetype_t *a = NULL;
        assert_rr_ok(rr_points3d_new(&a, (const rr_position3d_t *)pos, n, RR_BORROW, &err), &err);
        char path_e[64];
        snprintf(path_e, sizeof path_e, "points/%d", f % 3);
        assert_rr_ok(rr_log(rec, path_e, a, &err), &err);
        rr_archetype_free(a);
        assert_rr_ok(rr_flush(rec, &err), &err);
    }
    free(pos);
    rr_recording_stream_free(rec);
}

static int setup(void **state) {
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/test_viewer_app.XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    snprintf(g_small, sizeof g_small, "%s/small.rrd", g_dir);
    snprintf(g_big, sizeof g_big, "%s/big.rrd", g_dir);
    write_recording(g_small, "rec_small", 10, 5);
    write_recording(g_big, "rec_big", 120, 2000);
    g_small_bytes = rr_test_read_file(g_small, &g_small_len);
    return g_small_bytes ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    free(g_small_bytes);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static rr_app_t *new_app(uint64_t limit, uint64_t queue) {
    rr_app_config_t cfg = {.memory_limit = limit, .queue_bytes = queue};
    rr_app_t *app = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_app_new(&cfg, &app, &err), &err);
    return app;
}

static const char *shown_recording(rr_app_t *app) {
    rr_store_t *s = rr_app_active_store(app);
    return s ? rr_store_store_id(s)->recording_id : NULL;
}

static void test_file_loads(void **state) {
    (void)state;
    rr_app_t *app = new_app(0, 0);
    rr_error_t err = {0};
    assert_rr_ok(rr_app_open_file(app, g_small, &err), &err);
    assert_true(rr_app_wait_loaded(app, 20000));
    assert_string_equal(shown_recording(app), "rec_small");
    assert_string_equal(rr_app_timeline(app), "frame");
    rr_time_range_t r;
    assert_true(rr_app_time_range(app, &r));
    assert_int_equal(r.min, 0);
    assert_int_equal(r.max, 18);
    /* Following: the newest time. */
    assert_true(rr_app_following(app));
    assert_int_equal(rr_app_time(app), 18);
    assert_true(rr_app_num_chunks(app) > 0);
    assert_string_equal(rr_app_error(app), "");
    assert_true(rr_app_progress(app) == 1.0);
    assert_false(rr_app_loading(app));
    /* A missing file is an error at once. */
    assert_int_not_equal(rr_app_open_file(app, "/nonexistent/x.rrd", &err), RR_OK);
    assert_non_null(strstr(err.msg, "/nonexistent/x.rrd"));
    rr_app_free(app);
}

static void test_progressive(void **state) {
    (void)state;
    /* A small queue bound: the loader waits for the UI, which takes one
     * item per update with a zero budget, so the store fills in steps. */
    rr_app_t *app = new_app(0, 64 * 1024);
    rr_error_t err = {0};
    assert_rr_ok(rr_app_open_file(app, g_big, &err), &err);
    size_t updates_with_data = 0;
    bool saw_partial = false;
    uint64_t last = 0;
    for (int i = 0; i < 200000 && rr_app_loading(app); i++) {
        size_t n = rr_app_update(app, 0);
        assert_true(n <= 1);
        if (n) {
            updates_with_data++;
            assert_int_equal(rr_app_items_loaded(app), last + 1);
            last++;
            double p = rr_app_progress(app);
            assert_true(p >= 0 && p <= 1);
            if (p < 1 && rr_app_num_chunks(app) > 0) saw_partial = true;
        } else {
            usleep(200);
        }
    }
    assert_false(rr_app_loading(app));
    assert_true(updates_with_data >= 120);
    assert_true(saw_partial);
    assert_true(rr_app_progress(app) == 1.0);
    rr_time_range_t r;
    assert_true(rr_app_time_range(app, &r));
    assert_int_equal(r.max, 238);
    rr_app_free(app);
}

static void test_memory_limit(void **state) {
    (void)state;
    /* Above what GC must keep: the newest chunk of each of the 3 entities
     * (protect_latest 1, compacted to ~4000 rows, ~200 KB each). */
    const uint64_t limit = 1u << 20;
    rr_app_t *app = new_app(limit, 0);
    rr_error_t err = {0};
    assert_rr_ok(rr_app_open_file(app, g_big, &err), &err);
    uint64_t peak = 0;
    while (rr_app_loading(app)) {
        rr_app_update(app, 5);
        uint64_t m = rr_app_memory_bytes(app);
        if (m > peak) peak = m;
        usleep(100);
    }
    rr_app_update(app, -1);
    /* The whole recording is far larger than the limit. */
    rr_app_t *full = new_app(0, 0);
    assert_rr_ok(rr_app_open_file(full, g_big, &err), &err);
    assert_true(rr_app_wait_loaded(full, 30000));
    assert_true(rr_app_memory_bytes(full) > 2 * limit);
    assert_true(rr_app_memory_bytes(app) <= limit);
    assert_true(peak <= limit + limit / 2);
    /* The newest data is kept: the end of the timeline is still there. */
    rr_time_range_t r;
    assert_true(rr_app_time_range(app, &r));
    assert_int_equal(r.max, 238);
    rr_app_free(full);
    rr_app_free(app);
}

static void write_bytes(const char *path, const uint8_t *d, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, n, f), n);
    fclose(f);
}

static void test_damaged_files(void **state) {
    (void)state;
    char path[320];
    rr_error_t err = {0};
    /* Truncated in the middle: what came before is there, and an error. */
    snprintf(path, sizeof path, "%s/cut.rrd", g_dir);
    write_bytes(path, g_small_bytes, g_small_len * 2 / 3);
    rr_app_t *app = new_app(0, 0);
    assert_rr_ok(rr_app_open_file(app, path, &err), &err);
    assert_true(rr_app_wait_loaded(app, 20000));
    assert_true(rr_app_num_chunks(app) > 0);
    assert_string_equal(shown_recording(app), "rec_small");
    assert_non_null(strstr(rr_app_error(app), "cut.rrd"));
    assert_true(rr_app_num_errors(app) >= 1);
    rr_app_free(app);
    /* Garbage in the middle of the stream. */
    uint8_t *bad = malloc(g_small_len);
    assert_non_null(bad);
    memcpy(bad, g_small_bytes, g_small_len);
    for (size_t i = g_small_len / 2; i < g_small_len / 2 + 64; i++) bad[i] ^= 0x5a;
    snprintf(path, sizeof path, "%s/bad.rrd", g_dir);
    write_bytes(path, bad, g_small_len);
    app = new_app(0, 0);
    assert_rr_ok(rr_app_open_file(app, path, &err), &err);
    assert_true(rr_app_wait_loaded(app, 20000));
    assert_true(rr_app_num_chunks(app) > 0);
    assert_true(rr_app_error(app)[0] != 0);
    rr_app_free(app);
    /* Not an .rrd at all. */
    snprintf(path, sizeof path, "%s/junk.rrd", g_dir);
    write_bytes(path, (const uint8_t *)"hello, this is not a recording at all", 38);
    app = new_app(0, 0);
    assert_rr_ok(rr_app_open_file(app, path, &err), &err);
    assert_true(rr_app_wait_loaded(app, 20000));
    assert_int_equal(rr_app_num_chunks(app), 0);
    assert_null(rr_app_active_store(app));
    assert_true(rr_app_error(app)[0] != 0);
    free(bad);
    rr_app_free(app);
}

static void *feed_pipe(void *arg) {
    int fd = *(int *)arg;
    for (size_t off = 0; off < g_small_len;) {
        size_t n = g_small_len - off < 100 ? g_small_len - off : 100;
        ssize_t w = write(fd, g_small_bytes + off, n);
        if (w <= 0) break;
        off += (size_t)w;
        usleep(100);
    }
    close(fd);
    return NULL;
}

static void test_pipe(void **state) {
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pthread_t t;
    pthread_create(&t, NULL, feed_pipe, &p[1]);
    rr_app_t *app = new_app(0, 0);
    rr_error_t err = {0};
    assert_rr_ok(rr_app_open_fd(app, p[0], true, "<pipe>", &err), &err);
    assert_true(rr_app_wait_loaded(app, 20000));
    pthread_join(t, NULL);
    assert_string_equal(shown_recording(app), "rec_small");
    assert_string_equal(rr_app_error(app), "");
    rr_time_range_t r;
    assert_true(rr_app_time_range(app, &r));
    assert_int_equal(r.max, 18);
    rr_app_free(app);
}

/* ---- a one-shot HTTP server ---- */

typedef struct http_srv {
    int lfd;
    uint16_t port;
    bool chunked;
    int status;
    pthread_t t;
} http_srv_t;

static void send_all(int fd, const void *d, size_t n) {
    const uint8_t *p = d;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return;
        p += w, n -= (size_t)w;
    }
}

static void *http_serve(void *arg) {
    http_srv_t *s = arg;
    int fd = accept(s->lfd, NULL, NULL);
    if (fd < 0) return NULL;
    char req[4096];
    size_t got = 0;
    while (got < sizeof req - 1) {
        ssize_t r = recv(fd, req + got, sizeof req - 1 - got, 0);
        if (r <= 0) break;
        got += (size_t)r;
        req[got] = 0;
        if (strstr(req, "\r\n\r\n")) break;
    }
    char head[256];
    if (s->status != 200) {
        snprintf(head, sizeof head, "HTTP/1.1 %d Not Found\r\nContent-Length: 0\r\n\r\n", s->status);
        send_all(fd, head, strlen(head));
    } else if (!s->chunked) {
        snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %zu\r\n\r\n", g_small_len);
        send_all(fd, head, strlen(head));
        send_all(fd, g_small_bytes, g_small_len);
    } else {
        snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        send_all(fd, head, strlen(head));
        for (size_t off = 0; off < g_small_len; off += 777) {
            size_t n = g_small_len - off < 777 ? g_small_len - off : 777;
            char line[32];
            snprintf(line, sizeof line, "%zx\r\n", n);
            send_all(fd, line, strlen(line));
            send_all(fd, g_small_bytes + off, n);
            send_all(fd, "\r\n", 2);
        }
        send_all(fd, "0\r\n\r\n", 5);
    }
    close(fd);
    return NULL;
}

static void http_start(http_srv_t *s) {
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->lfd, 4), 0);
    socklen_t len = sizeof a;
    getsockname(s->lfd, (struct sockaddr *)&a, &len);
    s->port = ntohs(a.sin_port);
    pthread_create(&s->t, NULL, http_serve, s);
}

static void http_url(rr_app_t *app, bool chunked, int status) {
    http_srv_t s = {.chunked = chunked, .status = status};
    http_start(&s);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/rec/small.rrd", s.port);
    rr_error_t err = {0};
    assert_rr_ok(rr_app_open_url(app, url, &err), &err);
    assert_true(rr_app_wait_loaded(app, 20000));
    pthread_join(s.t, NULL);
    close(s.lfd);
}

static void test_http(void **state) {
    (void)state;
    for (int chunked = 0; chunked < 2; chunked++) {
        rr_app_t *app = new_app(0, 0);
        http_url(app, chunked, 200);
        assert_string_equal(rr_app_error(app), "");
        assert_string_equal(shown_recording(app), "rec_small");
        assert_true(rr_app_progress(app) == 1.0);
        rr_app_free(app);
    }
    rr_app_t *app = new_app(0, 0);
    http_url(app, false, 404);
    assert_non_null(strstr(rr_app_error(app), "404"));
    assert_int_equal(rr_app_num_chunks(app), 0);
    rr_error_t err = {0};
    assert_int_equal(rr_app_open_url(app, "https://example.com/x.rrd", &err), RR_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "TLS not supported"));
    assert_int_equal(rr_app_open_url(app, "rerun+https://example.com/proxy", &err), RR_ERR_UNSUPPORTED);
    rr_app_free(app);
}

/* Waits (updating) until the app shows recording `id`. */
static bool wait_for_recording(rr_app_t *app, const char *id, size_t min_chunks) {
    for (int i = 0; i < 2000; i++) {
        rr_app_update(app, 10);
        const char *shown = shown_recording(app);
        if (shown && !strcmp(shown, id) && rr_app_num_chunks(app) >= min_chunks) return true;
        usleep(5000);
    }
    return false;
}

static void log_live(const char *url, const char *rec_id) {
    rr_recording_options_t opts = {.recording_id = rec_id};
    rr_recording_stream_t *rec = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_recording_stream_new("test_viewer_app_live", &opts, &rec, &err), &err);
    assert_rr_ok(rr_connect_grpc(rec, url, &err), &err);
    rr_position3d_t p[2] = {{1, 2, 3}, {4, 5, 6}};
    for (int f = 0; f < 5; f++) {
        rr_set_time_sequence(rec, "frame", f);
        rr_archetype_t *a = NULL;
        assert_rr_ok(rr_points3d_new(&a, (const rr_position3d_t *)p, 2, RR_BORROW, &err), &err);
        assert_rr_ok(rr_log(rec, "live/points", a, &err), &err);
        rr_archetype_free(a);
    }
    assert_rr_ok(rr_flush(rec, &err), &err);
    rr_recording_stream_free(rec);
}

static void test_endpoint_and_live(void **state) {
    (void)state;
    /* The built-in endpoint: an SDK connects to the viewer. */
    rr_app_t *viewer = new_app(0, 0);
    rr_error_t err = {0};
    assert_rr_ok(rr_app_listen(viewer, NULL, 0, &err), &err);
    uint16_t port = rr_app_listen_port(viewer);
    assert_true(port > 0);
    char url[128];
    snprintf(url, sizeof url, "rerun+http://127.0.0.1:%u/proxy", port);
    log_live(url, "rec_live");
    assert_true(wait_for_recording(viewer, "rec_live", 1));
    assert_string_equal(rr_app_timeline(viewer), "frame");

    /* A second viewer reads the first one's endpoint as a live source:
     * history first. */
    rr_app_t *reader = new_app(0, 0);
    assert_rr_ok(rr_app_open_url(reader, url, &err), &err);
    assert_true(wait_for_recording(reader, "rec_live", 1));
    rr_time_range_t r;
    for (int i = 0; i < 500 && !(rr_app_time_range(reader, &r) && r.max == 4); i++) {
        rr_app_update(reader, 10);
        usleep(5000);
    }
    assert_true(rr_app_time_range(reader, &r));
    assert_int_equal(r.max, 4);

    /* The port is taken: the second listener says by whom. */
    rr_app_t *other = new_app(0, 0);
    assert_int_equal(rr_app_listen(other, NULL, port, &err), RR_ERR_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "another Rerun viewer or proxy"));
    rr_app_free(other);
    rr_app_free(reader);
    rr_app_free(viewer);

    /* A proxy that is not there: an error in the banner, no crash. */
    rr_app_t *lost = new_app(0, 0);
    assert_rr_ok(rr_app_open_url(lost, url, &err), &err);
    for (int i = 0; i < 400 && rr_app_num_errors(lost) == 0; i++) usleep(10000);
    assert_true(rr_app_num_errors(lost) >= 1);
    rr_app_free(lost);
}

static void test_playback(void **state) {
    (void)state;
    rr_app_t *app = new_app(0, 0);
    rr_error_t err = {0};
    assert_rr_ok(rr_app_open_file(app, g_small, &err), &err);
    assert_true(rr_app_wait_loaded(app, 20000));
    /* Play from the end starts over from the beginning; 30 steps/s. */
    rr_app_set_playing(app, true);
    assert_true(rr_app_playing(app));
    assert_false(rr_app_following(app));
    assert_int_equal(rr_app_time(app), 0);
    rr_app_tick(app, 0.1);
    assert_int_equal(rr_app_time(app), 3);
    rr_app_set_speed(app, 2.0);
    rr_app_tick(app, 0.1);
    assert_int_equal(rr_app_time(app), 9);
    /* Past the end without looping: stops at the end. */
    rr_app_tick(app, 10);
    assert_int_equal(rr_app_time(app), 18);
    assert_false(rr_app_playing(app));
    /* Looping wraps. */
    rr_app_set_looping(app, true);
    rr_app_set_playing(app, true);
    assert_int_equal(rr_app_time(app), 0);
    rr_app_tick(app, 10);
    assert_int_equal(rr_app_time(app), 0);
    assert_true(rr_app_playing(app));
    /* Steps go to the times holding data (every 2 frames here). */
    rr_app_set_looping(app, false);
    rr_app_set_time(app, 5);
    assert_false(rr_app_playing(app));
    rr_app_step(app, 1);
    assert_int_equal(rr_app_time(app), 6);
    rr_app_step(app, -1);
    assert_int_equal(rr_app_time(app), 4);
    rr_app_set_time(app, 18);
    rr_app_step(app, 1);
    assert_int_equal(rr_app_time(app), 18);
    rr_app_set_looping(app, true);
    rr_app_step(app, 1);
    assert_int_equal(rr_app_time(app), 0);
    /* Times outside the data clamp; unknown timelines are refused. */
    rr_app_set_time(app, 1000);
    assert_int_equal(rr_app_time(app), 18);
    assert_int_equal(rr_app_set_timeline(app, "nope", &err), RR_ERR_NOT_FOUND);
    assert_rr_ok(rr_app_set_timeline(app, "log_tick", &err), &err);
    assert_string_equal(rr_app_timeline(app), "log_tick");

    /* The debug dump reads back. */
    char path[320];
    snprintf(path, sizeof path, "%s/dump.json", g_dir);
    assert_rr_ok(rr_app_write_debug_dump(app, path, "\"frame\":7", &err), &err);
    size_t n = 0;
    char *text = (char *)rr_test_read_file(path, &n);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"recording_id\":\"rec_small\""));
    assert_non_null(strstr(text, "\"timeline\":\"log_tick\""));
    assert_non_null(strstr(text, "\"frame\":7"));
    assert_non_null(strstr(text, "\"playing\":false"));
    free(text);
    rr_app_free(app);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_loads),   cmocka_unit_test(test_progressive),
        cmocka_unit_test(test_memory_limit), cmocka_unit_test(test_damaged_files),
        cmocka_unit_test(test_pipe),         cmocka_unit_test(test_http),
        cmocka_unit_test(test_endpoint_and_live), cmocka_unit_test(test_playback),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
