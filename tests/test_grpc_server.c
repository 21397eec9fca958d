/* The gRPC server (src/net/grpc.h) against clients written here, apart from
 * the project's own client: an nghttp2 client session over a blocking
 * socket for gRPC over HTTP/2, and raw HTTP/1.1 for gRPC-web. A test
 * service covers unary, client- and server-streaming calls, a call that
 * never ends (deadlines, cancellation, stop) and a flood that meets the
 * per-call pending-bytes bound. */
#include <arpa/inet.h>
#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "net/grpc.h"
#include "testutil.h"

/* --- the test service ------------------------------------------------ */

static atomic_int last_close_code = -1;
static atomic_int closes;
static atomic_int flood_full, flood_writable;
#define FLOOD_MSGS 64
#define FLOOD_BYTES (16 << 10)

/* cmocka asserts belong to the test thread; the service counts surprises. */
static atomic_int service_errors;
static void echo_msg(rr_grpc_call_t *call, const uint8_t *d, size_t n, void *ud) {
    if (rr_grpc_call_send_copy(call, d, n) != RR_OK) atomic_fetch_add(&service_errors, 1);
}
static void finish_ok(rr_grpc_call_t *call, void *ud) { rr_grpc_call_finish(call, RR_GRPC_OK, NULL); }
static void note_close(rr_grpc_call_t *call, rr_grpc_code_t code, void *ud) {
    atomic_store(&last_close_code, (int)code);
    atomic_fetch_add(&closes, 1);
    free(rr_grpc_call_data(call));
}

static rr_grpc_code_t sum_open(rr_grpc_call_t *call, void *ud) {
    rr_grpc_call_set_data(call, calloc(1, sizeof(uint64_t)));
    return RR_GRPC_OK;
}
static void sum_msg(rr_grpc_call_t *call, const uint8_t *d, size_t n, void *ud) {
    uint64_t *sum = rr_grpc_call_data(call);
    for (size_t i = 0; i < n; i++) *sum += d[i];
}
static void sum_end(rr_grpc_call_t *call, void *ud) {
    char buf[32];
    int l = snprintf(buf, sizeof buf, "%llu", (unsigned long long)*(uint64_t *)rr_grpc_call_data(call));
    rr_grpc_call_send_copy(call, buf, (size_t)l);
    rr_grpc_call_finish(call, RR_GRPC_OK, NULL);
}

static void count_msg(rr_grpc_call_t *call, const uint8_t *d, size_t n, void *ud) {
    uint32_t count = n >= 4 ? (uint32_t)d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3] : 0;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t m[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        if (rr_grpc_call_send_copy(call, m, 4) != RR_OK) atomic_fetch_add(&service_errors, 1);
    }
    rr_grpc_call_finish(call, RR_GRPC_OK, "done: 100% \xc3\xa9");
}

typedef struct flood {
    int sent;
} flood_t;
static void flood_more(rr_grpc_call_t *call) {
    flood_t *f = rr_grpc_call_data(call);
    static uint8_t payload[FLOOD_BYTES];
    while (f->sent < FLOOD_MSGS) {
        payload[0] = (uint8_t)f->sent;
        rr_grpc_bytes_t *b = rr_grpc_bytes_new(payload, sizeof payload);
        rr_status_t st = rr_grpc_call_send(call, b);
        rr_grpc_bytes_unref(b);
        if (st == RR_ERR_FULL) {
            atomic_fetch_add(&flood_full, 1);
            return;
        }
        if (st != RR_OK) atomic_fetch_add(&service_errors, 1);
        f->sent++;
    }
    rr_grpc_call_finish(call, RR_GRPC_OK, NULL);
}
static rr_grpc_code_t flood_open(rr_grpc_call_t *call, void *ud) {
    rr_grpc_call_set_data(call, calloc(1, sizeof(flood_t)));
    flood_more(call);
    return RR_GRPC_OK;
}
static void flood_writable_cb(rr_grpc_call_t *call, void *ud) {
    atomic_fetch_add(&flood_writable, 1);
    flood_more(call);
}
static rr_grpc_code_t refuse_open(rr_grpc_call_t *call, void *ud) { return RR_GRPC_PERMISSION_DENIED; }

typedef struct server_fixture {
    rr_grpc_server_t *srv;
    pthread_t th;
    uint16_t port;
} server_fixture_t;

static void *run_thread(void *arg) {
    server_fixture_t *f = arg;
    rr_error_t err = {0};
    rr_status_t st = rr_grpc_server_run(f->srv, &err);
    if (st != RR_OK) fprintf(stderr, "run: %s\n", err.msg);
    return NULL;
}

static void start_server(server_fixture_t *f, const rr_grpc_server_config_t *cfg) {
    rr_error_t err = {0};
    assert_rr_ok(rr_grpc_server_new(cfg, &f->srv, &err), &err);
    const rr_grpc_method_t methods[] = {
        {.path = "/test.Svc/Echo", .on_message = echo_msg, .on_half_close = finish_ok, .on_close = note_close},
        {.path = "/test.Svc/Sum", .on_open = sum_open, .on_message = sum_msg, .on_half_close = sum_end, .on_close = note_close},
        {.path = "/test.Svc/Count", .on_message = count_msg, .on_close = note_close},
        {.path = "/test.Svc/Hang", .on_close = note_close},
        {.path = "/test.Svc/Flood", .on_open = flood_open, .on_writable = flood_writable_cb, .on_close = note_close},
        {.path = "/test.Svc/Refuse", .on_open = refuse_open, .on_close = note_close},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        assert_rr_ok(rr_grpc_server_add_method(f->srv, &methods[i], NULL, &err), &err);
    f->port = rr_grpc_server_port(f->srv);
    assert_true(f->port > 0);
    assert_int_equal(pthread_create(&f->th, NULL, run_thread, f), 0);
}

static void stop_server(server_fixture_t *f) {
    rr_grpc_server_stop(f->srv);
    pthread_join(f->th, NULL);
    rr_grpc_server_free(f->srv);
}

static server_fixture_t S;

static int setup(void **state) {
    rr_grpc_server_config_t cfg = {.max_message_bytes = 64 << 10,
                                   .max_pending_bytes_per_call = 128 << 10};
    start_server(&S, &cfg);
    return 0;
}
static int teardown(void **state) {
    stop_server(&S);
    assert_int_equal(atomic_load(&service_errors), 0);
    return 0;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int dial(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* True when the peer closed the connection within ms. */
static bool closed_within(int fd, int ms) {
    int64_t end = now_ms() + ms;
    char buf[4096];
    while (now_ms() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return true;
    }
    return false;
}

/* --- a small HTTP/2 client -------------------------------------------- */

typedef struct h2_stream {
    int32_t id;
    char status[8];
    int grpc_status; /* -1 until seen */
    char grpc_message[256];
    bool status_in_headers; /* trailers-only */
    char content_type[64];
    uint8_t *data;
    size_t len;
    bool closed;
    uint32_t rst_code;
    /* request body */
    const uint8_t *body;
    size_t body_len, body_off;
    bool end_after_body;
    int headers_frames;
} h2_stream_t;

typedef struct h2c {
    int fd;
    nghttp2_session *s;
    bool broken;
} h2c_t;

static ssize_t c_send(nghttp2_session *s, const uint8_t *d, size_t n, int fl, void *ud) {
    h2c_t *c = ud;
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(c->fd, d + off, n - off, MSG_NOSIGNAL);
        if (w <= 0) {
            c->broken = true;
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
        off += (size_t)w;
    }
    return (ssize_t)n;
}
static int c_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nl,
                    const uint8_t *value, size_t vl, uint8_t flags, void *ud) {
    h2_stream_t *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    if (!st) return 0;
    char v[256];
    snprintf(v, sizeof v, "%.*s", (int)vl, value);
    if (nl == 7 && !memcmp(name, ":status", 7)) snprintf(st->status, sizeof st->status, "%.7s", v);
    if (nl == 12 && !memcmp(name, "content-type", 12))
        snprintf(st->content_type, sizeof st->content_type, "%.63s", v);
    if (nl == 11 && !memcmp(name, "grpc-status", 11)) {
        st->grpc_status = atoi(v);
        st->status_in_headers = st->headers_frames == 0;
    }
    if (nl == 12 && !memcmp(name, "grpc-message", 12))
        snprintf(st->grpc_message, sizeof st->grpc_message, "%s", v);
    return 0;
}
static int c_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
    h2_stream_t *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    if (st && f->hd.type == NGHTTP2_HEADERS) st->headers_frames++;
    return 0;
}
static int c_data(nghttp2_session *s, uint8_t fl, int32_t sid, const uint8_t *d, size_t n, void *ud) {
    h2_stream_t *st = nghttp2_session_get_stream_user_data(s, sid);
    if (!st) return 0;
    st->data = realloc(st->data, st->len + n);
    memcpy(st->data + st->len, d, n);
    st->len += n;
    nghttp2_session_consume(s, sid, n);
    return 0;
}
static int c_close(nghttp2_session *s, int32_t sid, uint32_t code, void *ud) {
    h2_stream_t *st = nghttp2_session_get_stream_user_data(s, sid);
    if (st) {
        st->closed = true;
        st->rst_code = code;
    }
    return 0;
}

static h2c_t *h2c_open(uint16_t port) {
    h2c_t *c = calloc(1, sizeof *c);
    c->fd = dial(port);
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_send_callback(cb, c_send);
    nghttp2_session_callbacks_set_on_header_callback(cb, c_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, c_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, c_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, c_close);
    nghttp2_option *opt;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_auto_window_update(opt, 0);
    nghttp2_session_client_new2(&c->s, cb, c, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(c->s, NGHTTP2_FLAG_NONE, NULL, 0);
    return c;
}

static void h2c_free(h2c_t *c) {
    nghttp2_session_del(c->s);
    close(c->fd);
    free(c);
}

/* Exchanges frames until done(ud) or ms pass; false on timeout. */
static bool h2c_run(h2c_t *c, bool (*done)(void *), void *ud, int ms) {
    int64_t end = now_ms() + ms;
    while (now_ms() < end) {
        if (nghttp2_session_send(c->s) != 0) return false;
        if (done(ud)) return true;
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0) continue;
        uint8_t buf[65536];
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n <= 0) {
            c->broken = true;
            return done(ud);
        }
        if (nghttp2_session_mem_recv(c->s, buf, (size_t)n) < 0) return false;
    }
    return done(ud);
}

static ssize_t c_body(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
                      nghttp2_data_source *src, void *ud) {
    h2_stream_t *st = src->ptr;
    size_t n = st->body_len - st->body_off;
    if (n > len) n = len;
    if (n) memcpy(buf, st->body + st->body_off, n);
    st->body_off += n;
    if (st->body_off == st->body_len) {
        if (!st->end_after_body) return n ? (ssize_t)n : NGHTTP2_ERR_DEFERRED;
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return (ssize_t)n;
}

static void h2c_start(h2c_t *c, h2_stream_t *st, const char *path, const char *content_type,
                      const nghttp2_nv *extra, size_t nextra, const uint8_t *body, size_t len,
                      bool end) {
    memset(st, 0, sizeof *st);
    st->grpc_status = -1;
    st->body = body;
    st->body_len = len;
    st->end_after_body = end;
    nghttp2_nv nv[16] = {
        {(uint8_t *)":method", (uint8_t *)"POST", 7, 4, 0},
        {(uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0},
        {(uint8_t *)":authority", (uint8_t *)"localhost", 10, 9, 0},
        {(uint8_t *)":path", (uint8_t *)path, 5, strlen(path), 0},
        {(uint8_t *)"content-type", (uint8_t *)content_type, 12, strlen(content_type), 0},
        {(uint8_t *)"te", (uint8_t *)"trailers", 2, 8, 0},
    };
    size_t n = 6;
    for (size_t i = 0; i < nextra; i++) nv[n++] = extra[i];
    nghttp2_data_provider dp = {.source.ptr = st, .read_callback = c_body};
    st->id = nghttp2_submit_request(c->s, NULL, nv, n, &dp, st);
    assert_true(st->id > 0);
}

static bool stream_closed(void *ud) { return ((h2_stream_t *)ud)->closed; }

/* Frames a message the gRPC way into out (returns its length). */
static size_t frame(uint8_t *out, const void *msg, size_t len, bool compressed) {
    rr_grpc_frame_header(out, len, compressed);
    memcpy(out + 5, msg, len);
    return len + 5;
}

static void unary(h2c_t *c, h2_stream_t *st, const char *path, const void *msg, size_t len) {
    static uint8_t body[1 << 20];
    size_t bl = frame(body, msg, len, false);
    h2c_start(c, st, path, "application/grpc", NULL, 0, body, bl, true);
    assert_true(h2c_run(c, stream_closed, st, 5000));
}

static void test_h2_unary_echo(void **state) {
    h2c_t *c = h2c_open(S.port);
    h2_stream_t st;
    unary(c, &st, "/test.Svc/Echo", "hello", 5);
    assert_string_equal(st.status, "200");
    assert_string_equal(st.content_type, "application/grpc");
    assert_int_equal(st.grpc_status, 0);
    assert_false(st.status_in_headers);
    assert_int_equal(st.len, 10);
    assert_memory_equal(st.data, "\0\0\0\0\5hello", 10);
    free(st.data);
    /* A second call on the same connection. */
    unary(c, &st, "/test.Svc/Echo", "", 0);
    assert_int_equal(st.grpc_status, 0);
    assert_int_equal(st.len, 5);
    free(st.data);
    h2c_free(c);
}

static void test_h2_server_streaming(void **state) {
    h2c_t *c = h2c_open(S.port);
    h2_stream_t st;
    uint8_t n[4] = {0, 0, 0x27, 0x10}; /* 10000 */
    unary(c, &st, "/test.Svc/Count", n, 4);
    assert_int_equal(st.grpc_status, 0);
    assert_string_equal(st.grpc_message, "done: 100%25 %C3%A9");
    assert_int_equal(st.len, 10000 * 9);
    for (uint32_t i = 0; i < 10000; i++) {
        const uint8_t *m = st.data + i * 9;
        assert_int_equal(m[4], 4);
        assert_int_equal((uint32_t)m[5] << 24 | m[6] << 16 | m[7] << 8 | m[8], i);
    }
    free(st.data);
    h2c_free(c);
}

static void test_h2_client_streaming(void **state) {
    h2c_t *c = h2c_open(S.port);
    h2_stream_t st;
    /* 300 messages of 1000 bytes of 1: crosses many DATA frames. */
    size_t len = 300 * 1005;
    uint8_t *body = malloc(len);
    uint8_t msg[1000];
    memset(msg, 1, sizeof msg);
    for (int i = 0; i < 300; i++) frame(body + i * 1005, msg, sizeof msg, false);
    h2c_start(c, &st, "/test.Svc/Sum", "application/grpc+proto", NULL, 0, body, len, true);
    assert_true(h2c_run(c, stream_closed, &st, 5000));
    assert_int_equal(st.grpc_status, 0);
    assert_int_equal(st.len, 5 + 6);
    assert_memory_equal(st.data + 5, "300000", 6);
    free(st.data);
    free(body);
    h2c_free(c);
}

static void test_h2_errors(void **state) {
    h2c_t *c = h2c_open(S.port);
    h2_stream_t st;
    unary(c, &st, "/test.Svc/Nope", "x", 1);
    assert_string_equal(st.status, "200");
    assert_int_equal(st.grpc_status, RR_GRPC_UNIMPLEMENTED);
    assert_true(st.status_in_headers);
    assert_non_null(strstr(st.grpc_message, "/test.Svc/Nope"));
    free(st.data);

    atomic_store(&last_close_code, -1);
    unary(c, &st, "/test.Svc/Refuse", "x", 1);
    assert_int_equal(st.grpc_status, RR_GRPC_PERMISSION_DENIED);
    free(st.data);

    uint8_t body[16];
    size_t bl = frame(body, "x", 1, false);
    h2c_start(c, &st, "/test.Svc/Echo", "text/plain", NULL, 0, body, bl, true);
    assert_true(h2c_run(c, stream_closed, &st, 5000));
    assert_string_equal(st.status, "415");
    free(st.data);

    /* Oversized: RESOURCE_EXHAUSTED, and the connection keeps working. */
    static uint8_t big[100000];
    unary(c, &st, "/test.Svc/Echo", big, sizeof big);
    assert_int_equal(st.grpc_status, RR_GRPC_RESOURCE_EXHAUSTED);
    free(st.data);
    unary(c, &st, "/test.Svc/Echo", "ok", 2);
    assert_int_equal(st.grpc_status, 0);
    assert_int_equal(st.len, 7);
    free(st.data);

    /* Compressed flag without grpc-encoding: INTERNAL. */
    bl = frame(body, "x", 1, true);
    h2c_start(c, &st, "/test.Svc/Echo", "application/grpc", NULL, 0, body, bl, true);
    assert_true(h2c_run(c, stream_closed, &st, 5000));
    assert_int_equal(st.grpc_status, RR_GRPC_INTERNAL);
    free(st.data);

    /* A request that ends inside a message: INTERNAL. */
    h2c_start(c, &st, "/test.Svc/Echo", "application/grpc", NULL, 0, (const uint8_t *)"\0\0\0\0\011abc", 8, true);
    assert_true(h2c_run(c, stream_closed, &st, 5000));
    assert_int_equal(st.grpc_status, RR_GRPC_INTERNAL);
    free(st.data);
    h2c_free(c);
}

static void test_h2_gzip(void **state) {
    const char *plain = "hello hello hello hello gzip";
    uint8_t gz[256];
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)plain;
    z.avail_in = (uInt)strlen(plain);
    z.next_out = gz;
    z.avail_out = sizeof gz;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t gzlen = sizeof gz - z.avail_out;
    deflateEnd(&z);
    uint8_t body[300];
    size_t bl = frame(body, gz, gzlen, true);
    nghttp2_nv enc = {(uint8_t *)"grpc-encoding", (uint8_t *)"gzip", 13, 4, 0};
    h2c_t *c = h2c_open(S.port);
    h2_stream_t st;
    h2c_start(c, &st, "/test.Svc/Echo", "application/grpc", &enc, 1, body, bl, true);
    assert_true(h2c_run(c, stream_closed, &st, 5000));
    assert_int_equal(st.grpc_status, 0);
    assert_int_equal(st.len, 5 + strlen(plain));
    assert_memory_equal(st.data + 5, plain, strlen(plain));
    free(st.data);
    nghttp2_nv br = {(uint8_t *)"grpc-encoding", (uint8_t *)"br", 13, 2, 0};
    h2c_start(c, &st, "/test.Svc/Echo", "application/grpc", &br, 1, body, bl, true);
    assert_true(h2c_run(c, stream_closed, &st, 5000));
    assert_int_equal(st.grpc_status, RR_GRPC_UNIMPLEMENTED);
    free(st.data);
    h2c_free(c);
}

static bool close_seen(void *ud) { return atomic_load(&closes) >= *(int *)ud; }

static void test_h2_deadline_and_cancel(void **state) {
    h2c_t *c = h2c_open(S.port);
    h2_stream_t st;
    nghttp2_nv to = {(uint8_t *)"grpc-timeout", (uint8_t *)"150m", 12, 4, 0};
    int64_t t0 = now_ms();
    h2c_start(c, &st, "/test.Svc/Hang", "application/grpc", &to, 1, NULL, 0, false);
    assert_true(h2c_run(c, stream_closed, &st, 5000));
    assert_true(now_ms() - t0 >= 140);
    assert_int_equal(st.grpc_status, RR_GRPC_DEADLINE_EXCEEDED);
    assert_int_equal(atomic_load(&last_close_code), RR_GRPC_DEADLINE_EXCEEDED);

    /* The client resets a call the server still holds: on_close(CANCELLED). */
    atomic_store(&last_close_code, -1);
    int want = atomic_load(&closes) + 1;
    h2c_start(c, &st, "/test.Svc/Hang", "application/grpc", NULL, 0, NULL, 0, false);
    h2c_run(c, stream_closed, &st, 200);
    assert_false(st.closed);
    nghttp2_submit_rst_stream(c->s, NGHTTP2_FLAG_NONE, st.id, NGHTTP2_CANCEL);
    int64_t end = now_ms() + 5000;
    while (!close_seen(&want) && now_ms() < end) h2c_run(c, close_seen, &want, 100);
    assert_int_equal(atomic_load(&last_close_code), RR_GRPC_CANCELLED);

    /* A disconnect does the same. */
    atomic_store(&last_close_code, -1);
    want = atomic_load(&closes) + 1;
    h2c_start(c, &st, "/test.Svc/Hang", "application/grpc", NULL, 0, NULL, 0, false);
    h2c_run(c, stream_closed, &st, 200);
    h2c_free(c);
    end = now_ms() + 5000;
    while (!close_seen(&want) && now_ms() < end) usleep(10000);
    assert_int_equal(atomic_load(&last_close_code), RR_GRPC_CANCELLED);
}

static void test_h2_pending_full_and_writable(void **state) {
    atomic_store(&flood_full, 0);
    atomic_store(&flood_writable, 0);
    h2c_t *c = h2c_open(S.port);
    h2_stream_t st;
    h2c_start(c, &st, "/test.Svc/Flood", "application/grpc", NULL, 0, NULL, 0, true);
    assert_true(h2c_run(c, stream_closed, &st, 10000));
    assert_int_equal(st.grpc_status, 0);
    assert_int_equal(st.len, FLOOD_MSGS * (FLOOD_BYTES + 5));
    for (int i = 0; i < FLOOD_MSGS; i++) assert_int_equal(st.data[i * (FLOOD_BYTES + 5) + 5], i);
    assert_true(atomic_load(&flood_full) > 0);
    assert_true(atomic_load(&flood_writable) > 0);
    free(st.data);
    h2c_free(c);
}

static void test_garbage_closes_connection(void **state) {
    int fd = dial(S.port);
    const char junk[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x04\x01\x07\x00\x00\x00\x01garbage!";
    assert_int_equal(send(fd, junk, sizeof junk - 1, 0), (ssize_t)(sizeof junk - 1));
    assert_true(closed_within(fd, 3000));
    close(fd);
    fd = dial(S.port);
    const char junk2[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n";
    send(fd, junk2, sizeof junk2 - 1, 0);
    assert_true(closed_within(fd, 3000));
    close(fd);
    h2c_t *c = h2c_open(S.port);
    h2_stream_t st;
    unary(c, &st, "/test.Svc/Echo", "still here", 10);
    assert_int_equal(st.grpc_status, 0);
    free(st.data);
    h2c_free(c);
}

/* --- gRPC-web over HTTP/1.1 ------------------------------------------ */

typedef struct http_resp {
    int status;
    char headers[4096];
    uint8_t body[1 << 16];
    size_t body_len;
} http_resp_t;

/* Reads one HTTP/1.1 response (chunked, Content-Length or none). */
static bool read_response(int fd, http_resp_t *r) {
    static uint8_t buf[1 << 17];
    size_t have = 0;
    int64_t end = now_ms() + 5000;
    size_t hend = 0;
    memset(r, 0, sizeof *r);
    for (;;) {
        if (!hend) {
            for (size_t i = 0; i + 3 < have; i++)
                if (!memcmp(buf + i, "\r\n\r\n", 4)) {
                    hend = i + 4;
                    break;
                }
        }
        if (hend) {
            snprintf(r->headers, sizeof r->headers, "%.*s", (int)hend, (char *)buf);
            r->status = atoi(r->headers + 9);
            if (strstr(r->headers, "Transfer-Encoding: chunked")) {
                size_t pos = hend;
                r->body_len = 0;
                for (;;) {
                    char *e = memmem(buf + pos, have - pos, "\r\n", 2);
                    if (!e) break;
                    size_t sz = strtoul((char *)buf + pos, NULL, 16);
                    size_t data = (size_t)((uint8_t *)e - buf) + 2;
                    if (data + sz + 2 > have) break;
                    if (sz == 0) return true;
                    memcpy(r->body + r->body_len, buf + data, sz);
                    r->body_len += sz;
                    pos = data + sz + 2;
                }
            } else {
                char *cl = strstr(r->headers, "Content-Length: ");
                size_t n = cl ? strtoul(cl + 16, NULL, 10) : 0;
                if (have >= hend + n) {
                    memcpy(r->body, buf + hend, n);
                    r->body_len = n;
                    return true;
                }
            }
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (now_ms() > end) return false;
        if (poll(&p, 1, 50) <= 0) continue;
        ssize_t n = recv(fd, buf + have, sizeof buf - have, 0);
        if (n <= 0) return false;
        have += (size_t)n;
    }
}

static void send_all(int fd, const void *d, size_t n) {
    assert_int_equal(send(fd, d, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void test_web_binary(void **state) {
    int fd = dial(S.port);
    char req[512];
    for (int round = 0; round < 2; round++) { /* keep-alive: twice on one connection */
        int l = snprintf(req, sizeof req,
                         "POST /test.Svc/Echo HTTP/1.1\r\nHost: localhost\r\n"
                         "Content-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\n"
                         "Origin: http://example.test\r\nContent-Length: 10\r\n\r\n");
        send_all(fd, req, (size_t)l);
        send_all(fd, "\0\0\0\0\5hello", 10);
        http_resp_t r;
        assert_true(read_response(fd, &r));
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.headers, "Content-Type: application/grpc-web+proto"));
        assert_non_null(strstr(r.headers, "Access-Control-Allow-Origin: http://example.test"));
        assert_non_null(strstr(r.headers, "Access-Control-Expose-Headers: grpc-status, grpc-message"));
        assert_true(r.body_len >= 10 + 5);
        assert_memory_equal(r.body, "\0\0\0\0\5hello", 10);
        assert_int_equal(r.body[10], 0x80);
        assert_memory_equal(r.body + 15, "grpc-status:0\r\n", 15);
    }
    /* Unknown method: the status comes in the trailer frame. */
    int l = snprintf(req, sizeof req,
                     "POST /x.Y/Z HTTP/1.1\r\nContent-Type: application/grpc-web\r\n"
                     "Content-Length: 5\r\n\r\n");
    send_all(fd, req, (size_t)l);
    send_all(fd, "\0\0\0\0\0", 5);
    http_resp_t r;
    assert_true(read_response(fd, &r));
    assert_int_equal(r.body[0], 0x80);
    assert_non_null(memmem(r.body, r.body_len, "grpc-status:12\r\n", 16));
    assert_non_null(memmem(r.body, r.body_len, "/x.Y/Z", 6));
    close(fd);
}

static void test_web_text_chunked_streaming(void **state) {
    int fd = dial(S.port);
    /* Two Sum messages ({1,2} and {3}), each base64 with its own padding,
     * sent as two HTTP chunks. */
    const char *b1 = "AAAAAAIBAg==";   /* 00 00000002 01 02 */
    const char *b2 = "AAAAAAED";       /* 00 00000001 03 */
    char req[512];
    int l = snprintf(req, sizeof req,
                     "POST /test.Svc/Sum HTTP/1.1\r\nContent-Type: application/grpc-web-text\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n%zx\r\n%s\r\n0\r\n\r\n",
                     strlen(b1), b1, strlen(b2), b2);
    send_all(fd, req, (size_t)l);
    http_resp_t r;
    assert_true(read_response(fd, &r));
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "Content-Type: application/grpc-web-text"));
    assert_non_null(strstr(r.headers, "Access-Control-Allow-Origin: *"));
    /* First chunk: base64 of 00 00000001 '6'. */
    assert_memory_equal(r.body, "AAAAAAE2", 8);

    /* Server streaming over gRPC-web, binary. */
    l = snprintf(req, sizeof req,
                 "POST /test.Svc/Count HTTP/1.1\r\nContent-Type: application/grpc-web+proto\r\n"
                 "Content-Length: 9\r\n\r\n");
    send_all(fd, req, (size_t)l);
    send_all(fd, "\0\0\0\0\4\0\0\x03\xe8", 9); /* 1000 */
    assert_true(read_response(fd, &r));
    const uint8_t *trailer = r.body + 1000 * 9;
    assert_int_equal(trailer[0], 0x80);
    assert_true(memmem(trailer, r.body_len - 9000, "grpc-message:done: 100%25 %C3%A9\r\n", 34) != NULL);
    for (int i = 0; i < 1000; i++) assert_int_equal(r.body[i * 9 + 8], (uint8_t)i);
    close(fd);
}

static void test_web_preflight_and_malformed(void **state) {
    int fd = dial(S.port);
    const char *pre = "OPTIONS /test.Svc/Echo HTTP/1.1\r\nHost: x\r\nOrigin: http://a.test:1\r\n"
                      "Access-Control-Request-Method: POST\r\n"
                      "Access-Control-Request-Headers: content-type,x-grpc-web\r\n\r\n";
    send_all(fd, pre, strlen(pre));
    http_resp_t r;
    assert_true(read_response(fd, &r));
    assert_int_equal(r.status, 204);
    assert_non_null(strstr(r.headers, "Access-Control-Allow-Origin: http://a.test:1\r\n"));
    assert_non_null(strstr(r.headers, "Access-Control-Allow-Headers: content-type,x-grpc-web\r\n"));
    assert_non_null(strstr(r.headers, "Access-Control-Allow-Methods: POST, GET, OPTIONS\r\n"));
    assert_non_null(strstr(r.headers, "Access-Control-Max-Age: "));
    /* Still open for the POST that follows. */
    const char *post = "POST /test.Svc/Echo HTTP/1.1\r\nContent-Type: application/grpc-web+proto\r\n"
                       "Content-Length: 6\r\n\r\n\0\0\0\0\1z";
    send_all(fd, post, strlen(post) + 7);
    assert_true(read_response(fd, &r));
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, "\0\0\0\0\1z", 6);
    close(fd);

    const char *bad[] = {
        "GARBAGE\r\n\r\n",
        "POST /test.Svc/Echo HTTP/1.1\r\nContent-Type: application/grpc-web\r\n"
        "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST /test.Svc/Echo HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n",
        "POST /test.Svc/Echo HTTP/1.1\r\n Folded: x\r\n\r\n",
        "POST /test.Svc/Echo HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fd = dial(S.port);
        send_all(fd, bad[i], strlen(bad[i]));
        assert_true(read_response(fd, &r));
        assert_true(r.status >= 400 && r.status < 600);
        assert_true(closed_within(fd, 3000));
        close(fd);
    }
    /* Oversized headers. */
    fd = dial(S.port);
    char *huge = malloc(40000);
    memset(huge, 'a', 40000);
    memcpy(huge, "POST / HTTP/1.1\r\nX: ", 20);
    send(fd, huge, 40000, MSG_NOSIGNAL);
    free(huge);
    assert_true(read_response(fd, &r));
    assert_int_equal(r.status, 431);
    close(fd);
}

/* --- limits and lifecycle ---------------------------------------------- */

static void test_max_connections(void **state) {
    server_fixture_t f;
    rr_grpc_server_config_t cfg = {.max_connections = 2};
    start_server(&f, &cfg);
    h2c_t *a = h2c_open(f.port), *b = h2c_open(f.port);
    h2_stream_t st;
    unary(a, &st, "/test.Svc/Echo", "a", 1);
    assert_int_equal(st.grpc_status, 0);
    free(st.data);
    unary(b, &st, "/test.Svc/Echo", "b", 1);
    assert_int_equal(st.grpc_status, 0);
    free(st.data);
    int third = dial(f.port);
    assert_true(closed_within(third, 3000));
    close(third);
    h2c_free(b);
    /* A slot frees up once the server sees b go. */
    bool ok = false;
    for (int i = 0; i < 50 && !ok; i++) {
        usleep(20000);
        h2c_t *c = h2c_open(f.port);
        h2c_start(c, &st, "/test.Svc/Echo", "application/grpc", NULL, 0,
                  (const uint8_t *)"\0\0\0\0\0", 5, true);
        ok = h2c_run(c, stream_closed, &st, 1000) && st.grpc_status == 0;
        free(st.data);
        h2c_free(c);
    }
    assert_true(ok);
    h2c_free(a);
    stop_server(&f);
}

static atomic_int posted;
static void post_fn(void *ud) { atomic_fetch_add(&posted, *(int *)ud); }

static void test_stop_closes_calls_unavailable(void **state) {
    server_fixture_t f;
    start_server(&f, NULL);
    int v = 7;
    atomic_store(&posted, 0);
    assert_int_equal(rr_grpc_server_post(f.srv, post_fn, &v), RR_OK);
    int64_t end = now_ms() + 3000;
    while (atomic_load(&posted) != 7 && now_ms() < end) usleep(1000);
    assert_int_equal(atomic_load(&posted), 7);

    h2c_t *c = h2c_open(f.port);
    h2_stream_t st;
    atomic_store(&last_close_code, -1);
    h2c_start(c, &st, "/test.Svc/Hang", "application/grpc", NULL, 0, NULL, 0, false);
    h2c_run(c, stream_closed, &st, 300);
    assert_false(st.closed);
    stop_server(&f);
    assert_int_equal(atomic_load(&last_close_code), RR_GRPC_UNAVAILABLE);
    h2c_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h2_unary_echo),
        cmocka_unit_test(test_h2_server_streaming),
        cmocka_unit_test(test_h2_client_streaming),
        cmocka_unit_test(test_h2_errors),
        cmocka_unit_test(test_h2_gzip),
        cmocka_unit_test(test_h2_deadline_and_cancel),
        cmocka_unit_test(test_h2_pending_full_and_writable),
        cmocka_unit_test(test_garbage_closes_connection),
        cmocka_unit_test(test_web_binary),
        cmocka_unit_test(test_web_text_chunked_streaming),
        cmocka_unit_test(test_web_preflight_and_malformed),
        cmocka_unit_test(test_max_connections),
        cmocka_unit_test(test_stop_closes_calls_unavailable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
