/* The SDK's gRPC sink (rr_connect_grpc), in the net layer because it
 * needs the gRPC client (net sits above sdk; it plugs in through the public
 * rr_add_sink). It streams the recording's messages to
 * a message proxy (MessageProxyService.WriteMessages), as Rerun's GrpcSink.
 *
 * A background thread owns the connection (src/net/client.h); the logging
 * side only appends to a queue bounded in bytes and wakes it. Messages stay
 * in the queue until the server confirmed it read them: after writing, the
 * thread sends an HTTP/2 PING, and the server acknowledges a PING only after
 * reading every frame sent before it. When the connection fails or the
 * server goes away, the thread reconnects with exponential backoff, sends
 * the recording's SetStoreInfo first (so the server knows the recording
 * again) and then every unconfirmed message, in order. A server that got
 * bytes just before it died may so see a message twice; it never misses one
 * the sink still holds.
 *
 * Backpressure follows Rerun (send_blocking: the logging thread waits while
 * the queue is full), except that it never waits on a server that is not
 * there: while disconnected, or after waiting a flush timeout for room, a
 * message that does not fit is dropped, with a warning logged once. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "net/client.h"
#include "net/url.h"
#include "base/status.h"
#include "rerun.h"

#define WRITE_PATH "/rerun.sdk_comms.v1alpha1.MessageProxyService/WriteMessages"
#define DEFAULT_QUEUE_BYTES (64u << 20)
#define DEFAULT_FLUSH_TIMEOUT_MS 5000
#define BACKOFF_FIRST_MS 100
#define BACKOFF_CAP_MS 2000
#define CONNECT_TIMEOUT_MS 2000
#define CALL_PENDING_MAX (8u << 20) /* handed to the call, not yet written */

typedef struct grpc_sink {
    rr_url_t url;
    char url_text[600];
    size_t max_bytes;
    uint32_t flush_timeout_ms;

    pthread_mutex_t mu;
    pthread_cond_t cond; /* progress: confirmations, state changes, room */
    int wake[2];         /* logging side -> I/O thread */
    pthread_t thread;
    bool thread_started;

    /* Under mu. The queue holds unconfirmed WriteMessagesRequest bytes in
     * order; q[q_head] has sequence number base_seq. */
    rr_grpc_bytes_t **q;
    size_t q_head, q_len, q_cap, q_bytes;
    uint64_t base_seq;
    rr_grpc_bytes_t *store_info;
    bool store_info_confirmed;
    bool connected, ever_connected, quit;
    int64_t last_progress_ms;
    uint64_t dropped;
    bool flush_failed;         /* the last flush timed out ... */
    uint64_t flush_failed_seq; /* ... with base_seq here */
    char last_error[RR_ERROR_MSG_MAX];
} grpc_sink_t;

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void deadline_ts(struct timespec *ts, int64_t ms_from_now) {
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms_from_now / 1000;
    ts->tv_nsec += (long)(ms_from_now % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static size_t varint_len(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* WriteMessagesRequest { LogMsg log_msg = 1 { oneof: field `kind` = body } },
 * made by prefixing the body with the two tags and lengths. */
static rr_grpc_bytes_t *wrap_request(uint32_t kind, const uint8_t *body, size_t len) {
    size_t inner = 1 + varint_len(len) + len;
    size_t total = 1 + varint_len(inner) + inner;
    rr_grpc_bytes_t *b = rr_grpc_bytes_alloc(total);
    if (!b) return NULL;
    uint8_t *p = b->data;
    *p++ = 0x0a; /* field 1, length-delimited */
    p = put_varint(p, inner);
    *p++ = (uint8_t)(kind << 3 | 2);
    p = put_varint(p, len);
    if (len) memcpy(p, body, len);
    return b;
}

static void wake_io(grpc_sink_t *s) {
    uint8_t one = 1;
    ssize_t r = write(s->wake[1], &one, 1);
    (void)r; /* a full pipe already means "wake up" */
}

static void drain_wake(grpc_sink_t *s) {
    uint8_t buf[256];
    while (read(s->wake[0], buf, sizeof buf) > 0) {
    }
}

/* Drops confirmed messages up to (excluding) seq. Under mu. */
static void confirm_upto(grpc_sink_t *s, uint64_t seq) {
    bool progress = false;
    while (s->q_len > 0 && s->base_seq < seq) {
        rr_grpc_bytes_t *m = s->q[s->q_head];
        s->q_bytes -= m->len;
        rr_grpc_bytes_unref(m);
        s->q[s->q_head] = NULL;
        s->q_head++;
        s->q_len--;
        s->base_seq++;
        progress = true;
    }
    if (s->q_len == 0) s->q_head = 0;
    if (progress) {
        s->last_progress_ms = now_ms();
        pthread_cond_broadcast(&s->cond);
    }
}

/* ---- the I/O thread ---- */

typedef struct conn {
    rr_grpc_client_t *client;
    rr_grpc_ccall_t *call;
    uint64_t conn_base;     /* seq of the call's message 1 (message 0: store info) */
    uint64_t handed;        /* next seq to hand to the call */
    uint64_t ping_id;       /* outstanding PING, 0 when none */
    uint64_t ping_written;  /* call messages written when it was sent */
} conn_t;

static void conn_close(conn_t *c) {
    rr_grpc_ccall_free(c->call);
    rr_grpc_client_free(c->client);
    memset(c, 0, sizeof *c);
}

/* Connects and opens the call; SetStoreInfo goes first. */
static rr_status_t conn_open(grpc_sink_t *s, conn_t *c, rr_error_t *err) {
    rr_grpc_client_config_t cfg = {.connect_timeout_ms = CONNECT_TIMEOUT_MS};
    RR_TRY(rr_grpc_client_connect_url(&s->url, &cfg, &c->client, err));
    rr_status_t st = rr_grpc_ccall_start(c->client, WRITE_PATH, NULL, NULL, &c->call, err);
    pthread_mutex_lock(&s->mu);
    if (st == RR_OK && s->store_info) st = rr_grpc_ccall_send(c->call, s->store_info, err);
    c->conn_base = s->base_seq;
    c->handed = s->base_seq;
    pthread_mutex_unlock(&s->mu);
    if (st != RR_OK) conn_close(c);
    return st;
}

/* Hands queued messages to the call, keeping the call's backlog bounded. */
static rr_status_t conn_feed(grpc_sink_t *s, conn_t *c, rr_error_t *err) {
    pthread_mutex_lock(&s->mu);
    rr_status_t st = RR_OK;
    while (c->handed < s->base_seq + s->q_len &&
           rr_grpc_ccall_pending_bytes(c->call) < CALL_PENDING_MAX) {
        rr_grpc_bytes_t *m = s->q[s->q_head + (size_t)(c->handed - s->base_seq)];
        st = rr_grpc_ccall_send(c->call, m, err);
        if (st != RR_OK) break;
        c->handed++;
    }
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* PING receipts turn "written" into "confirmed". */
static rr_status_t conn_confirm(grpc_sink_t *s, conn_t *c, rr_error_t *err) {
    if (c->ping_id && rr_grpc_client_ping_acked(c->client) >= c->ping_id) {
        pthread_mutex_lock(&s->mu);
        if (c->ping_written >= 1 && !s->store_info_confirmed && s->store_info) {
            s->store_info_confirmed = true;
            s->last_progress_ms = now_ms();
            pthread_cond_broadcast(&s->cond);
        }
        if (c->ping_written >= 1) confirm_upto(s, c->conn_base + c->ping_written - 1);
        pthread_mutex_unlock(&s->mu);
        c->ping_id = 0;
    }
    uint64_t written = rr_grpc_ccall_written(c->call);
    if (!c->ping_id && written > c->ping_written) {
        RR_TRY(rr_grpc_client_ping(c->client, &c->ping_id, err));
        c->ping_written = written;
    }
    return RR_OK;
}

static void *io_main(void *arg) {
    grpc_sink_t *s = arg;
    conn_t c = {0};
    int64_t backoff = BACKOFF_FIRST_MS, next_attempt = 0;
    bool warned_connect = false;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool quit = s->quit;
        bool all_done = s->q_len == 0 && (!s->store_info || s->store_info_confirmed);
        pthread_mutex_unlock(&s->mu);
        if (quit && (!c.client || !all_done)) break; /* close already flushed what it could */

        rr_error_t e;
        rr_error_clear(&e);
        if (!c.client) {
            int64_t now = now_ms();
            pthread_mutex_lock(&s->mu);
            bool have_info = s->store_info != NULL;
            pthread_mutex_unlock(&s->mu);
            /* Each call starts with SetStoreInfo, so connect once it is known. */
            if (now < next_attempt || !have_info) {
                int64_t left = have_info ? next_attempt - now : 100;
                struct pollfd pfd = {.fd = s->wake[0], .events = POLLIN};
                poll(&pfd, 1, (int)left);
                drain_wake(s);
                continue;
            }
            if (conn_open(s, &c, &e) != RR_OK) {
                pthread_mutex_lock(&s->mu);
                snprintf(s->last_error, sizeof s->last_error, "%s", e.msg);
                pthread_mutex_unlock(&s->mu);
                if (!warned_connect)
                    RR_LOG_WARN("gRPC sink: cannot reach %s (%s); retrying with backoff up to %d ms",
                                s->url_text, e.msg, BACKOFF_CAP_MS);
                else
                    RR_LOG_DEBUG("gRPC sink: still cannot reach %s: %s", s->url_text, e.msg);
                warned_connect = true;
                next_attempt = now_ms() + backoff;
                backoff = backoff * 2 > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : backoff * 2;
                continue;
            }
            pthread_mutex_lock(&s->mu);
            size_t resend = s->q_len;
            bool again = s->ever_connected;
            s->connected = s->ever_connected = true;
            s->last_error[0] = 0;
            pthread_cond_broadcast(&s->cond);
            pthread_mutex_unlock(&s->mu);
            if (again || warned_connect)
                RR_LOG_WARN("gRPC sink: %s %s; sending the recording's SetStoreInfo and %zu "
                            "messages not yet confirmed",
                            again ? "reconnected to" : "connected to", s->url_text, resend);
            else
                RR_LOG_INFO("gRPC sink: connected to %s", s->url_text);
            warned_connect = false;
            backoff = BACKOFF_FIRST_MS;
        }

        rr_status_t st = conn_feed(s, &c, &e);
        if (st == RR_OK && quit && all_done) {
            /* Everything confirmed: end the call politely and leave. */
            rr_grpc_ccall_close_send(c.call, &e);
            rr_grpc_code_t code;
            if (rr_grpc_ccall_wait(c.call, 1000, &code, &e) != RR_OK)
                RR_LOG_DEBUG("gRPC sink: closing the WriteMessages call: %s", e.msg);
            break;
        }
        if (st == RR_OK) st = conn_confirm(s, &c, &e);
        if (st == RR_OK) st = rr_grpc_client_pump(c.client, 100, s->wake[0], &e);
        drain_wake(s);
        if (st == RR_OK) st = conn_confirm(s, &c, &e);
        if (st == RR_OK && rr_grpc_ccall_done(c.call)) {
            rr_grpc_code_t code;
            st = rr_grpc_ccall_result(c.call, &code, &e);
            if (st == RR_OK)
                st = rr_error_set(&e, RR_ERR_UNAVAILABLE,
                                  "the server ended the WriteMessages call early (status OK)");
        }
        if (st != RR_OK) {
            pthread_mutex_lock(&s->mu);
            size_t held = s->q_len;
            s->connected = false;
            snprintf(s->last_error, sizeof s->last_error, "%s", e.msg);
            pthread_cond_broadcast(&s->cond);
            pthread_mutex_unlock(&s->mu);
            RR_LOG_WARN("gRPC sink: connection to %s lost (%s); %zu messages not yet confirmed "
                        "are kept; reconnecting",
                        s->url_text, e.msg, held);
            conn_close(&c);
            warned_connect = true; /* the loss was said; say the reconnect */
            next_attempt = now_ms() + backoff;
            backoff = backoff * 2 > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : backoff * 2;
        }
    }
    conn_close(&c);
    pthread_mutex_lock(&s->mu);
    s->connected = false;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- the sink vtable (logging / batcher thread) ---- */

static rr_status_t sink_write(void *ctx, uint32_t kind, const uint8_t *body, size_t len,
                              rr_error_t *err) {
    grpc_sink_t *s = ctx;
    if (kind < 1 || kind > 3)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "gRPC sink: unknown message kind %u", kind);
    rr_grpc_bytes_t *m = wrap_request(kind, body, len);
    if (!m)
        return rr_error_set(err, RR_ERR_NOMEM, "gRPC sink: out of memory for a %zu-byte message",
                            len);
    pthread_mutex_lock(&s->mu);
    if (kind == 1 && !s->store_info) {
        /* Sent first on every connection rather than queued once. */
        s->store_info = m;
        pthread_mutex_unlock(&s->mu);
        wake_io(s);
        return RR_OK;
    }
    if (kind == 1) {
        rr_grpc_bytes_unref(s->store_info);
        s->store_info = rr_grpc_bytes_ref(m);
    }
    int64_t give_up = now_ms() + s->flush_timeout_ms;
    while (s->q_len > 0 && s->q_bytes + m->len > s->max_bytes) {
        if (!s->connected || now_ms() >= give_up) {
            if (s->dropped++ == 0)
                RR_LOG_WARN("gRPC sink: the queue to %s is full (%zu bytes; %s); dropping messages "
                            "until there is room (this warning is logged once)",
                            s->url_text, s->max_bytes,
                            s->connected ? "the server is not keeping up" : "not connected");
            pthread_mutex_unlock(&s->mu);
            rr_grpc_bytes_unref(m);
            return RR_OK;
        }
        struct timespec ts;
        deadline_ts(&ts, 100);
        pthread_cond_timedwait(&s->cond, &s->mu, &ts);
    }
    if (s->q_head + s->q_len == s->q_cap) {
        if (s->q_head > 0) {
            memmove(s->q, s->q + s->q_head, s->q_len * sizeof *s->q);
            s->q_head = 0;
        }
        if (s->q_len == s->q_cap) {
            size_t cap = s->q_cap ? s->q_cap * 2 : 256;
            rr_grpc_bytes_t **n = realloc(s->q, cap * sizeof *n);
            if (!n) {
                pthread_mutex_unlock(&s->mu);
                rr_grpc_bytes_unref(m);
                return rr_error_set(err, RR_ERR_NOMEM, "gRPC sink: out of memory queueing");
            }
            s->q = n;
            s->q_cap = cap;
        }
    }
    s->q[s->q_head + s->q_len++] = m;
    s->q_bytes += m->len;
    pthread_mutex_unlock(&s->mu);
    wake_io(s);
    return RR_OK;
}

/* Waits until everything queued before the call is confirmed, failing once
 * flush_timeout_ms pass without any progress (no connection, or a server
 * that stopped reading). Progress restarts the clock, so a long upload to
 * a live server is not cut short. */
static rr_status_t sink_flush(void *ctx, rr_error_t *err) {
    grpc_sink_t *s = ctx;
    pthread_mutex_lock(&s->mu);
    uint64_t target = s->base_seq + s->q_len;
    int64_t start = now_ms();
    wake_io(s);
    for (;;) {
        bool info_done = !s->store_info || s->store_info_confirmed;
        if (s->base_seq >= target && info_done) break;
        int64_t since = s->last_progress_ms > start ? s->last_progress_ms : start;
        int64_t now = now_ms();
        if (now - since >= s->flush_timeout_ms) {
            size_t n = (size_t)(target > s->base_seq ? target - s->base_seq : 0) +
                       (info_done ? 0 : 1);
            rr_status_t st = rr_error_set(
                err, RR_ERR_UNAVAILABLE,
                "gRPC sink: flush to %s timed out after %.1f s without progress: %zu messages "
                "still pending (%s%s%.300s)",
                s->url_text, (double)(now - start) / 1000.0, n,
                s->connected ? "connected, but the server confirms nothing" : "not connected",
                s->last_error[0] ? "; last error: " : "", s->last_error);
            s->flush_failed = true;
            s->flush_failed_seq = s->base_seq;
            pthread_mutex_unlock(&s->mu);
            return st;
        }
        struct timespec ts;
        int64_t wait = since + s->flush_timeout_ms - now;
        deadline_ts(&ts, wait < 100 ? wait : 100);
        pthread_cond_timedwait(&s->cond, &s->mu, &ts);
    }
    pthread_mutex_unlock(&s->mu);
    return RR_OK;
}

static void sink_free(grpc_sink_t *s) {
    for (size_t i = 0; i < s->q_len; i++) rr_grpc_bytes_unref(s->q[s->q_head + i]);
    free(s->q);
    rr_grpc_bytes_unref(s->store_info);
    if (s->wake[0] >= 0) close(s->wake[0]);
    if (s->wake[1] >= 0) close(s->wake[1]);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static void sink_close(void *ctx) {
    grpc_sink_t *s = ctx;
    rr_error_t e;
    pthread_mutex_lock(&s->mu);
    /* A flush that just gave up on a server that is still away is not
     * waited for a second time. */
    bool stuck = s->flush_failed && !s->connected && s->base_seq == s->flush_failed_seq;
    size_t left = s->q_len + (s->store_info && !s->store_info_confirmed ? 1 : 0);
    pthread_mutex_unlock(&s->mu);
    if (stuck && left)
        RR_LOG_WARN("gRPC sink: closing with %zu messages to %s undelivered (not connected); "
                    "they are dropped",
                    left, s->url_text);
    else if (sink_flush(s, &e) != RR_OK)
        RR_LOG_WARN("%s; they are dropped at close", e.msg);
    pthread_mutex_lock(&s->mu);
    s->quit = true;
    if (s->dropped)
        RR_LOG_WARN("gRPC sink: %llu messages to %s were dropped because the queue was full",
                    (unsigned long long)s->dropped, s->url_text);
    pthread_mutex_unlock(&s->mu);
    wake_io(s);
    if (s->thread_started) pthread_join(s->thread, NULL);
    sink_free(s);
}

rr_status_t rr_connect_grpc_opts(rr_recording_stream_t *rec, const char *url,
                                 const rr_grpc_options_t *opts, rr_error_t *err) {
    if (!url) url = RR_DEFAULT_CONNECT_URL;
    if (!rec && !rr_global_recording())
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "rr_connect_grpc: no recording stream (rec is NULL and no global "
                            "recording is set)");
    grpc_sink_t *s = calloc(1, sizeof *s);
    if (!s) return rr_error_set(err, RR_ERR_NOMEM, "rr_connect_grpc: out of memory");
    s->wake[0] = s->wake[1] = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    rr_status_t st = rr_url_parse_proxy(url, &s->url, err);
    if (st == RR_OK && s->url.tls)
        st = rr_error_set(err, RR_ERR_UNSUPPORTED,
                          "'%s': TLS is not supported by this build (use "
                          "rerun+http:// for a plain-text connection)",
                          url);
    if (st != RR_OK) {
        rr_error_prefix(err, "rr_connect_grpc: ");
        sink_free(s);
        RR_LOG_WARN("%s", err ? err->msg : "rr_connect_grpc: bad URL");
        return st;
    }
    rr_url_format(&s->url, s->url_text, sizeof s->url_text);
    s->max_bytes = opts && opts->queue_bytes ? opts->queue_bytes : DEFAULT_QUEUE_BYTES;
    s->flush_timeout_ms =
        opts && opts->flush_timeout_ms ? opts->flush_timeout_ms : DEFAULT_FLUSH_TIMEOUT_MS;
    if (pipe2(s->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        st = rr_error_set(err, RR_ERR_IO, "rr_connect_grpc: pipe: %s", strerror(errno));
        sink_free(s);
        return st;
    }
    int pe = pthread_create(&s->thread, NULL, io_main, s);
    if (pe != 0) {
        st = rr_error_set(err, RR_ERR_IO, "rr_connect_grpc: cannot start its thread: %s",
                          strerror(pe));
        sink_free(s);
        return st;
    }
    s->thread_started = true;
    rr_sink_vtable_t vt = {.write_message = sink_write, .flush = sink_flush, .close = sink_close};
    /* rr_add_sink calls close on failure, which joins the thread and frees. */
    return rr_add_sink(rec, &vt, s, err);
}

rr_status_t rr_connect_grpc(rr_recording_stream_t *rec, const char *url, rr_error_t *err) {
    return rr_connect_grpc_opts(rec, url, NULL, err);
}
