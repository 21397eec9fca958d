/* The gRPC client (src/net/client.c) and the SDK's gRPC sink
 * (src/net/grpc_sink.c).
 *
 * Without arguments: cmocka tests that need no server (refused and bad
 * connections, TLS refusal, the sink with no server in bounded time and
 * without blocking the logging thread).
 *
 * With arguments it is a tool for the script tests, which bring a real
 * server (tests/js/grpc_test_server.mjs on @grpc/grpc-js, or ours):
 *   test_grpc_client call URL       unary, unary failing with a status,
 *                                   server streaming, against the grpc-js
 *                                   server's test methods
 *   test_grpc_client read URL OUT [MS]  ReadMessages into an .rrd file,
 *                                   for up to MS ms (default 10000)
 *   test_grpc_client log URL SAVE MS  logs for MS milliseconds to the gRPC
 *                                   sink and to the file SAVE at once */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/client.h"
#include "net/url.h"
#include "rerun.h"
#include "testutil.h"

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listening socket on an ephemeral loopback port. */
static int listen_any(uint16_t *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0) return -1;
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_connect_refused(void **state) {
    (void)state;
    uint16_t port;
    int fd = listen_any(&port);
    assert_true(fd >= 0);
    close(fd); /* nothing listens there now */
    rr_grpc_client_t *c = NULL;
    rr_error_t err;
    rr_status_t st = rr_grpc_client_connect("127.0.0.1", port, NULL, &c, &err);
    assert_int_equal(st, RR_ERR_UNAVAILABLE);
    assert_null(c);
    char where[32];
    snprintf(where, sizeof where, "127.0.0.1:%u", port);
    if (!strstr(err.msg, where) || !strstr(err.msg, "refused"))
        fail_msg("error does not name the address and the refusal: %s", err.msg);
}

static void test_tls_refused(void **state) {
    (void)state;
    rr_url_t u;
    rr_error_t err;
    assert_rr_ok(rr_url_parse_proxy("rerun+https://127.0.0.1:9876/proxy", &u, &err), &err);
    rr_grpc_client_t *c = NULL;
    assert_int_equal(rr_grpc_client_connect_url(&u, NULL, &c, &err), RR_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "TLS is not supported by this build"));
    rr_recording_stream_t *rec;
    assert_rr_ok(rr_recording_stream_new("rerun_example_test", NULL, &rec, &err), &err);
    assert_int_equal(rr_connect_grpc(rec, "rerun://127.0.0.1/proxy", &err), RR_ERR_UNSUPPORTED);
    assert_int_equal(rr_connect_grpc(rec, "rerun+http://127.0.0.1/catalog", &err),
                     RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "/proxy"));
    rr_recording_stream_free(rec);
}

/* A peer that answers in HTTP/1.1 and hangs up. */
static void *http1_peer(void *arg) {
    int lfd = *(int *)arg;
    int fd = accept(lfd, NULL, NULL);
    if (fd >= 0) {
        char buf[256];
        ssize_t r = read(fd, buf, sizeof buf);
        (void)r;
        const char *resp = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        r = write(fd, resp, strlen(resp));
        close(fd);
    }
    return NULL;
}

static void test_not_http2(void **state) {
    (void)state;
    uint16_t port;
    int lfd = listen_any(&port);
    assert_true(lfd >= 0);
    pthread_t t;
    pthread_create(&t, NULL, http1_peer, &lfd);
    rr_grpc_client_t *c = NULL;
    rr_error_t err;
    assert_rr_ok(rr_grpc_client_connect("127.0.0.1", port, NULL, &c, &err), &err);
    rr_grpc_bytes_t *resp = NULL;
    int64_t t0 = now_ms();
    rr_status_t st = rr_grpc_client_unary(c, "/rrtest.Test/Echo", "x", 1, 3000, &resp, &err);
    assert_int_not_equal(st, RR_OK);
    assert_null(resp);
    assert_true(now_ms() - t0 < 3000); /* the failure is seen, not timed out */
    if (!strstr(err.msg, "/rrtest.Test/Echo") || !strstr(err.msg, "127.0.0.1"))
        fail_msg("error does not name the method and the server: %s", err.msg);
    assert_false(rr_grpc_client_alive(c));
    rr_grpc_client_free(c);
    pthread_join(t, NULL);
    close(lfd);
}

/* A server that accepts and never answers: a call times out with
 * DEADLINE_EXCEEDED. */
static void test_deadline(void **state) {
    (void)state;
    uint16_t port;
    int lfd = listen_any(&port);
    assert_true(lfd >= 0);
    rr_grpc_client_t *c = NULL;
    rr_error_t err;
    assert_rr_ok(rr_grpc_client_connect("127.0.0.1", port, NULL, &c, &err), &err);
    rr_grpc_bytes_t *resp = NULL;
    int64_t t0 = now_ms();
    rr_status_t st = rr_grpc_client_unary(c, "/rrtest.Test/Echo", "x", 1, 300, &resp, &err);
    int64_t took = now_ms() - t0;
    assert_int_not_equal(st, RR_OK);
    assert_non_null(strstr(err.msg, "DEADLINE_EXCEEDED"));
    assert_true(took >= 250 && took < 2000);
    rr_grpc_client_free(c);
    close(lfd);
}

static void log_points(rr_recording_stream_t *rec, int n) {
    for (int i = 0; i < n; i++) {
        rr_position3d_t xyz = {(float)i, 0, 0};
        rr_archetype_t *p;
        rr_error_t err;
        assert_rr_ok(rr_points3d_new(&p, &xyz, 1, RR_COPY, &err), &err);
        rr_set_time_sequence(rec, "frame", i);
        assert_rr_ok(rr_log(rec, "points", p, &err), &err);
        rr_archetype_free(p);
    }
}

/* No server at all: logging goes on, flush fails after its timeout saying
 * how much is pending, and freeing the stream does not hang. */
static void test_sink_no_server(void **state) {
    (void)state;
    uint16_t port;
    int fd = listen_any(&port);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "rerun+http://127.0.0.1:%u/proxy", port);
    rr_recording_stream_t *rec;
    rr_error_t err;
    assert_rr_ok(rr_recording_stream_new("rerun_example_test", NULL, &rec, &err), &err);
    rr_grpc_options_t opts = {.flush_timeout_ms = 400};
    assert_rr_ok(rr_connect_grpc_opts(rec, url, &opts, &err), &err);
    int64_t t0 = now_ms();
    log_points(rec, 100);
    assert_true(now_ms() - t0 < 1000);
    rr_status_t st = rr_flush(rec, &err);
    int64_t took = now_ms() - t0;
    assert_int_equal(st, RR_ERR_UNAVAILABLE);
    if (!strstr(err.msg, "still pending") || !strstr(err.msg, "not connected") ||
        !strstr(err.msg, url))
        fail_msg("flush error does not say what is pending and why: %s", err.msg);
    assert_true(took >= 350 && took < 3000);
    t0 = now_ms();
    rr_recording_stream_free(rec);
    assert_true(now_ms() - t0 < 3000);
}

/* A full queue with no server drops instead of blocking the logger. */
static void test_sink_full_queue(void **state) {
    (void)state;
    uint16_t port;
    int fd = listen_any(&port);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "rerun+http://127.0.0.1:%u/proxy", port);
    rr_recording_options_t ro = {.batcher = {.flush_num_rows = 1}};
    rr_recording_stream_t *rec;
    rr_error_t err;
    assert_rr_ok(rr_recording_stream_new("rerun_example_test", &ro, &rec, &err), &err);
    rr_grpc_options_t opts = {.flush_timeout_ms = 200, .queue_bytes = 4096};
    assert_rr_ok(rr_connect_grpc_opts(rec, url, &opts, &err), &err);
    int64_t t0 = now_ms();
    log_points(rec, 500);
    rr_status_t st = rr_flush(rec, &err);
    assert_int_equal(st, RR_ERR_UNAVAILABLE);
    assert_true(now_ms() - t0 < 3000);
    rr_recording_stream_free(rec);
}

/* ---- tool modes for the script tests ---- */

static int tool_fail(const char *what, const rr_error_t *err) {
    fprintf(stderr, "FAIL: %s: %s\n", what, err ? err->msg : "");
    return 1;
}

typedef struct count_ctx {
    int n;
    bool in_order;
} count_ctx_t;

static rr_status_t on_count(void *ud, const uint8_t *data, size_t len, rr_error_t *err) {
    count_ctx_t *c = ud;
    char want[32];
    snprintf(want, sizeof want, "%d", c->n);
    if (len != strlen(want) || memcmp(data, want, len) != 0) c->in_order = false;
    c->n++;
    return RR_OK;
}

static int tool_call(const char *url_text) {
    rr_url_t url;
    rr_error_t err;
    if (rr_url_parse_proxy(url_text, &url, &err) != RR_OK) return tool_fail("URL", &err);
    rr_grpc_client_t *c;
    if (rr_grpc_client_connect_url(&url, NULL, &c, &err) != RR_OK) return tool_fail("connect", &err);
    int bad = 0;
    /* Unary with a payload bigger than a frame and the default window. */
    size_t n = 300000;
    uint8_t *payload = malloc(n);
    for (size_t i = 0; i < n; i++) payload[i] = (uint8_t)(i * 7);
    rr_grpc_bytes_t *resp = NULL;
    if (rr_grpc_client_unary(c, "/rrtest.Test/Echo", payload, n, 5000, &resp, &err) != RR_OK)
        bad |= tool_fail("Echo", &err);
    else if (resp->len != n || memcmp(resp->data, payload, n) != 0)
        bad |= tool_fail("Echo returned other bytes", NULL);
    else
        printf("Echo: %zu bytes back\n", resp->len);
    rr_grpc_bytes_unref(resp);
    free(payload);
    /* A status with a percent-encoded message. */
    rr_status_t st = rr_grpc_client_unary(c, "/rrtest.Test/Fail", "", 0, 5000, &resp, &err);
    if (st == RR_OK || !strstr(err.msg, "FAILED_PRECONDITION") ||
        !strstr(err.msg, "told to fail: 100% on purpose") || !strstr(err.msg, "/rrtest.Test/Fail"))
        bad |= tool_fail("Fail did not report its status and message", &err);
    else
        printf("Fail: %s\n", err.msg);
    /* Unknown method: UNIMPLEMENTED. */
    st = rr_grpc_client_unary(c, "/rrtest.Test/Nope", "", 0, 5000, &resp, &err);
    if (st != RR_ERR_UNSUPPORTED || !strstr(err.msg, "UNIMPLEMENTED"))
        bad |= tool_fail("an unknown method is not UNIMPLEMENTED", &err);
    else
        printf("Nope: %s\n", err.msg);
    /* Server streaming. */
    count_ctx_t cc = {0, true};
    if (rr_grpc_client_server_stream(c, "/rrtest.Test/Count", "5000", 4, on_count, &cc, 10000,
                                     &err) != RR_OK)
        bad |= tool_fail("Count", &err);
    else if (cc.n != 5000 || !cc.in_order)
        bad |= tool_fail("Count: wrong messages", NULL);
    else
        printf("Count: %d messages in order\n", cc.n);
    rr_grpc_client_free(c);
    return bad;
}

typedef struct read_ctx {
    FILE *f;
    int n;
} read_ctx_t;

static size_t get_varint(const uint8_t *d, size_t n, size_t *pos, uint64_t *v) {
    *v = 0;
    for (int shift = 0; *pos < n && shift < 64; shift += 7) {
        uint8_t b = d[(*pos)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return 1;
    }
    return 0;
}

/* ReadMessagesResponse { LogMsg log_msg = 1 { oneof kind = body } } -> a frame. */
static rr_status_t on_read(void *ud, const uint8_t *d, size_t n, rr_error_t *err) {
    read_ctx_t *r = ud;
    size_t pos = 0;
    uint64_t tag, len, kind, blen;
    if (!get_varint(d, n, &pos, &tag) || tag != 0x0a || !get_varint(d, n, &pos, &len) ||
        !get_varint(d, n, &pos, &kind) || (kind & 7) != 2 || !get_varint(d, n, &pos, &blen) ||
        pos + blen != n)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "ReadMessagesResponse %d is malformed", r->n);
    uint8_t h[16];
    for (int i = 0; i < 8; i++) {
        h[i] = (uint8_t)((kind >> 3) >> (8 * i));
        h[8 + i] = (uint8_t)(blen >> (8 * i));
    }
    fwrite(h, 1, 16, r->f);
    fwrite(d + pos, 1, blen, r->f);
    r->n++;
    return RR_OK;
}

static int tool_read(const char *url_text, const char *out, int ms) {
    rr_url_t url;
    rr_error_t err;
    if (rr_url_parse_proxy(url_text, &url, &err) != RR_OK) return tool_fail("URL", &err);
    rr_grpc_client_t *c;
    if (rr_grpc_client_connect_url(&url, NULL, &c, &err) != RR_OK) return tool_fail("connect", &err);
    read_ctx_t r = {fopen(out, "wb"), 0};
    if (!r.f) return tool_fail("cannot create the output", NULL);
    static const uint8_t header[12] = {'R', 'R', 'F', '2', 0, 0x21, 0, 0, 0, 2, 0, 0};
    fwrite(header, 1, sizeof header, r.f);
    rr_status_t st = rr_grpc_client_server_stream(
        c, "/rerun.sdk_comms.v1alpha1.MessageProxyService/ReadMessages", "", 0, on_read, &r,
        ms, &err);
    fclose(r.f);
    rr_grpc_client_free(c);
    /* A proxy streams live data after the history and never ends on its
     * own: the deadline ending the read is expected there. */
    if (st != RR_OK && !strstr(err.msg, "DEADLINE_EXCEEDED")) return tool_fail("ReadMessages", &err);
    printf("ReadMessages: %d messages\n", r.n);
    return 0;
}

static int tool_log(const char *url, const char *save, int ms) {
    rr_recording_options_t ro = {.batcher = {.flush_tick_ns = 20000000}};
    rr_recording_stream_t *rec;
    rr_error_t err;
    if (rr_recording_stream_new("rerun_example_grpc_log", &ro, &rec, &err) != RR_OK)
        return tool_fail("stream", &err);
    rr_grpc_options_t opts = {.flush_timeout_ms = 10000};
    if (rr_connect_grpc_opts(rec, url, &opts, &err) != RR_OK || rr_save(rec, save, &err) != RR_OK) {
        rr_recording_stream_free(rec);
        return tool_fail("sinks", &err);
    }
    int64_t end = now_ms() + ms;
    int i = 0;
    while (now_ms() < end) {
        rr_position3d_t xyz = {(float)i, (float)(i % 7), 1.0f};
        rr_archetype_t *p;
        if (rr_points3d_new(&p, &xyz, 1, RR_COPY, &err) != RR_OK) return tool_fail("points", &err);
        rr_set_time_sequence(rec, "step", i);
        rr_status_t st = rr_log(rec, "world/points", p, &err);
        rr_archetype_free(p);
        if (st != RR_OK) return tool_fail("log", &err);
        i++;
        usleep(5000);
    }
    rr_status_t st = rr_flush(rec, &err);
    rr_recording_stream_free(rec);
    if (st != RR_OK) return tool_fail("flush", &err);
    printf("logged %d rows\n", i);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "call")) return tool_call(argv[2]);
    if (argc >= 4 && !strcmp(argv[1], "read"))
        return tool_read(argv[2], argv[3], argc >= 5 ? atoi(argv[4]) : 10000);
    if (argc >= 5 && !strcmp(argv[1], "log")) return tool_log(argv[2], argv[3], atoi(argv[4]));
    if (argc > 1) {
        fprintf(stderr, "usage: %s [call URL | read URL OUT [MS] | log URL SAVE MS]\n", argv[0]);
        return 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_refused), cmocka_unit_test(test_tls_refused),
        cmocka_unit_test(test_not_http2),       cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_sink_no_server),  cmocka_unit_test(test_sink_full_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
