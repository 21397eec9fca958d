/* The gRPC server's event loop and what both transports share: one thread
 * on epoll (listening socket, an eventfd for post/stop, the connections;
 * the epoll timeout is the deadline timer), connections that sniff their
 * first bytes to pick HTTP/2 (server_h2.c) or HTTP/1.1 gRPC-web (web.c),
 * calls with their request deframing, gzip, deadlines and bounded response
 * queues, and an output queue of refcounted segments written with one
 * sendmsg per batch, so payloads reach the socket without copies. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "base/log.h"
#include "net/server_internal.h"

static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define H2_PREFACE_LEN 24
#define SCRATCH_BYTES (32u << 10)
#define READ_BYTES (256u << 10)

int64_t rr_grpc_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const rr_grpc_registered_t *rr_grpc_find_method(const rr_grpc_server_t *srv, const char *path,
                                                size_t len) {
    for (size_t i = 0; i < srv->nmethods; i++) {
        const char *p = srv->methods[i].m.path;
        if (strlen(p) == len && memcmp(p, path, len) == 0) return &srv->methods[i];
    }
    return NULL;
}

char *rr_grpc_percent_encode(const char *s) {
    /* grpc-message: printable ASCII except '%' goes as is (PROTOCOL-HTTP2.md). */
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p >= 0x20 && *p <= 0x7e && *p != '%') ? 1 : 3;
    char *out = malloc(n + 1);
    if (!out) return NULL;
    char *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p <= 0x7e && *p != '%') {
            *o++ = (char)*p;
        } else {
            static const char hex[] = "0123456789ABCDEF";
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = 0;
    return out;
}

/* --- connections: output queue --------------------------------------- */

void rr_grpc_conn_mark_dirty(rr_grpc_conn_t *c) {
    if (c->dirty || c->dead) return;
    c->dirty = true;
    c->dirty_next = c->srv->dirty;
    c->srv->dirty = c;
}

static bool seg_reserve(rr_grpc_conn_t *c) {
    if (c->seg_head + c->seg_count < c->seg_cap) return true;
    if (c->seg_head > 0) {
        memmove(c->segs, c->segs + c->seg_head, c->seg_count * sizeof *c->segs);
        c->seg_head = 0;
        if (c->seg_count < c->seg_cap) return true;
    }
    size_t cap = c->seg_cap ? c->seg_cap * 2 : 64;
    rr_grpc_seg_t *s = realloc(c->segs, cap * sizeof *s);
    if (!s) return false;
    c->segs = s;
    c->seg_cap = cap;
    return true;
}

rr_status_t rr_grpc_conn_out_ref(rr_grpc_conn_t *c, rr_grpc_bytes_t *owner, const uint8_t *p,
                                 size_t len) {
    if (len == 0) return RR_OK;
    if (c->seg_count) {
        rr_grpc_seg_t *last = &c->segs[c->seg_head + c->seg_count - 1];
        if (last->owner == owner && last->p + last->len == p) {
            last->len += len;
            c->out_bytes += len;
            return RR_OK;
        }
    }
    if (!seg_reserve(c)) return RR_ERR_NOMEM;
    c->segs[c->seg_head + c->seg_count++] =
        (rr_grpc_seg_t){.p = p, .len = len, .owner = rr_grpc_bytes_ref(owner)};
    c->out_bytes += len;
    return RR_OK;
}

rr_status_t rr_grpc_conn_out_copy(rr_grpc_conn_t *c, const void *p, size_t len) {
    if (len == 0) return RR_OK;
    if (len > SCRATCH_BYTES / 4) {
        rr_grpc_bytes_t *b = rr_grpc_bytes_new(p, len);
        if (!b) return RR_ERR_NOMEM;
        rr_status_t st = rr_grpc_conn_out_ref(c, b, b->data, len);
        rr_grpc_bytes_unref(b);
        return st;
    }
    if (!c->scratch || c->scratch_used + len > c->scratch->len) {
        rr_grpc_bytes_t *s = rr_grpc_bytes_alloc(SCRATCH_BYTES);
        if (!s) return RR_ERR_NOMEM;
        rr_grpc_bytes_unref(c->scratch);
        c->scratch = s;
        c->scratch_used = 0;
    }
    uint8_t *dst = c->scratch->data + c->scratch_used;
    memcpy(dst, p, len);
    c->scratch_used += len;
    return rr_grpc_conn_out_ref(c, c->scratch, dst, len);
}

static void epoll_update(rr_grpc_conn_t *c) {
    if (c->fd < 0) return;
    struct epoll_event ev = {.data.ptr = c};
    if (!c->epollin_off) ev.events |= EPOLLIN | EPOLLRDHUP;
    if (c->epollout) ev.events |= EPOLLOUT;
    epoll_ctl(c->srv->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

void rr_grpc_conn_set_epollin(rr_grpc_conn_t *c, bool on) {
    if (c->epollin_off == !on) return;
    c->epollin_off = !on;
    epoll_update(c);
}

static void out_consume(rr_grpc_conn_t *c, size_t n) {
    c->out_bytes -= n;
    while (n > 0 || (c->seg_count && c->segs[c->seg_head].len == 0)) {
        rr_grpc_seg_t *s = &c->segs[c->seg_head];
        size_t take = n < s->len ? n : s->len;
        s->p += take;
        s->len -= take;
        n -= take;
        if (s->len == 0) {
            rr_grpc_bytes_unref(s->owner);
            c->seg_head++;
            c->seg_count--;
        }
        if (!c->seg_count) break;
    }
    if (!c->seg_count) c->seg_head = 0;
}

bool rr_grpc_conn_flush(rr_grpc_conn_t *c) {
    if (c->dead) return false;
    if (c->fd < 0) {
        out_consume(c, c->out_bytes);
        return true;
    }
    while (c->seg_count) {
        struct iovec iov[256];
        size_t n = c->seg_count < 256 ? c->seg_count : 256;
        for (size_t i = 0; i < n; i++) {
            iov[i].iov_base = (void *)c->segs[c->seg_head + i].p;
            iov[i].iov_len = c->segs[c->seg_head + i].len;
        }
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = n};
        ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!c->epollout) {
                    c->epollout = true;
                    epoll_update(c);
                }
                return true;
            }
            RR_LOG_DEBUG("grpc server: %s: send: %s", c->peer, strerror(errno));
            return false;
        }
        out_consume(c, (size_t)w);
    }
    if (c->epollout) {
        c->epollout = false;
        epoll_update(c);
    }
    return true;
}

/* --- calls ----------------------------------------------------------- */

rr_grpc_call_t *rr_grpc_call_new(rr_grpc_conn_t *c, int32_t stream_id, bool web) {
    rr_grpc_call_t *call = calloc(1, sizeof *call);
    if (!call) return NULL;
    call->srv = c->srv;
    call->conn = c;
    call->stream_id = stream_id;
    call->web = web;
    call->deframer.max_message = c->srv->cfg.max_message_bytes;
    call->next = c->calls;
    if (c->calls) c->calls->prev = call;
    c->calls = call;
    c->ncalls++;
    return call;
}

static void queue_clear(rr_grpc_call_t *call) {
    for (size_t i = 0; i < call->q_count; i++)
        rr_grpc_bytes_unref(call->q[(call->q_head + i) % call->q_cap]);
    call->q_head = call->q_count = call->q_off = 0;
    call->pending = 0;
}

static void call_clear_deadline(rr_grpc_call_t *call) {
    if (call->deadline_ns) {
        call->deadline_ns = 0;
        call->srv->ndeadlines--;
    }
}

void rr_grpc_call_destroy(rr_grpc_call_t *call, rr_grpc_code_t code) {
    if (call->opened && !call->closed) {
        call->closed = true;
        if (call->method->m.on_close) call->method->m.on_close(call, code, call->method->ud);
    }
    rr_grpc_conn_t *c = call->conn;
    if (call->prev) call->prev->next = call->next;
    else c->calls = call->next;
    if (call->next) call->next->prev = call->prev;
    c->ncalls--;
    call_clear_deadline(call);
    queue_clear(call);
    free(call->q);
    free(call->hdrs);
    free(call->message);
    rr_grpc_deframer_free(&call->deframer);
    free(call);
}

rr_status_t rr_grpc_call_add_header(rr_grpc_call_t *call, const char *name, size_t nlen,
                                    const char *value, size_t vlen) {
    size_t need = nlen + vlen + 2;
    if (call->hdrs_len + need > RR_GRPC_MAX_HEADER_BYTES) return RR_ERR_NOMEM;
    if (call->hdrs_len + need > call->hdrs_cap) {
        size_t cap = call->hdrs_cap ? call->hdrs_cap : 512;
        while (cap < call->hdrs_len + need) cap *= 2;
        char *h = realloc(call->hdrs, cap);
        if (!h) return RR_ERR_NOMEM;
        call->hdrs = h;
        call->hdrs_cap = cap;
    }
    char *o = call->hdrs + call->hdrs_len;
    for (size_t i = 0; i < nlen; i++) {
        char ch = name[i];
        o[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    o[nlen] = 0;
    memcpy(o + nlen + 1, value, vlen);
    o[nlen + 1 + vlen] = 0;
    call->hdrs_len += need;
    return RR_OK;
}

const char *rr_grpc_call_header(const rr_grpc_call_t *call, const char *name) {
    size_t pos = 0;
    while (pos < call->hdrs_len) {
        const char *n = call->hdrs + pos;
        size_t nl = strlen(n);
        const char *v = n + nl + 1;
        if (strcmp(n, name) == 0) return v;
        pos += nl + strlen(v) + 2;
    }
    return NULL;
}

rr_grpc_code_t rr_grpc_call_check_headers(rr_grpc_call_t *call, char *msg, size_t msg_cap) {
    const char *enc = rr_grpc_call_header(call, "grpc-encoding");
    if (enc && strcmp(enc, "identity") != 0) {
        if (strcmp(enc, "gzip") != 0) {
            snprintf(msg, msg_cap, "grpc-encoding '%.64s' is not supported (identity, gzip)", enc);
            return RR_GRPC_UNIMPLEMENTED;
        }
        call->gzip = true;
    }
    const char *to = rr_grpc_call_header(call, "grpc-timeout");
    if (to) {
        /* TimeoutValue: 1 to 8 digits; TimeoutUnit: H M S m u n. */
        size_t n = strlen(to);
        uint64_t v = 0;
        bool ok = n >= 2 && n <= 9;
        for (size_t i = 0; ok && i + 1 < n; i++) {
            if (to[i] < '0' || to[i] > '9') ok = false;
            else v = v * 10 + (uint64_t)(to[i] - '0');
        }
        uint64_t unit = 0;
        if (ok) {
            switch (to[n - 1]) {
            case 'H': unit = 3600000000000ull; break;
            case 'M': unit = 60000000000ull; break;
            case 'S': unit = 1000000000ull; break;
            case 'm': unit = 1000000ull; break;
            case 'u': unit = 1000ull; break;
            case 'n': unit = 1ull; break;
            default: ok = false;
            }
        }
        if (!ok) {
            snprintf(msg, msg_cap, "malformed grpc-timeout '%.32s'", to);
            return RR_GRPC_INTERNAL;
        }
        /* 99999999 hours overflows int64 nanoseconds: cap at ~100 years. */
        uint64_t ns = v > UINT64_MAX / unit ? UINT64_MAX : v * unit;
        if (ns > (uint64_t)3155760000000000000ull) ns = 3155760000000000000ull;
        call->deadline_ns = rr_grpc_now_ns() + (int64_t)ns;
        if (call->deadline_ns == 0) call->deadline_ns = 1;
        call->srv->ndeadlines++;
    }
    msg[0] = 0;
    return RR_GRPC_OK;
}

rr_grpc_code_t rr_grpc_call_open(rr_grpc_call_t *call) {
    call->opened = true;
    if (!call->method->m.on_open) return RR_GRPC_OK;
    return call->method->m.on_open(call, call->method->ud);
}

static void kick(rr_grpc_call_t *call) {
    if (!call->web && call->conn->h2) rr_grpc_h2_call_kick(call);
    rr_grpc_conn_mark_dirty(call->conn);
}

void rr_grpc_call_fail(rr_grpc_call_t *call, rr_grpc_code_t code, const char *fmt, ...) {
    call->rx_done = true;
    if (call->finished) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    RR_LOG_DEBUG("grpc server: %s: call failed with %s: %s", call->conn->peer,
                 rr_grpc_code_name(code), msg);
    /* A message partly on the wire stays, so the client never sees a torn
     * message before the status. */
    rr_grpc_bytes_t *head = call->q_count && call->q_off ? rr_grpc_bytes_ref(call->q[call->q_head]) : NULL;
    size_t head_off = call->q_off;
    queue_clear(call);
    if (head) {
        call->q[0] = head;
        call->q_count = 1;
        call->q_off = head_off;
        call->pending = RR_GRPC_FRAME_HEADER + head->len - head_off;
    }
    rr_grpc_call_finish(call, code, msg);
}

/* gzip-compressed message (grpc-encoding: gzip) inflated within the limit. */
static rr_status_t inflate_gzip(const uint8_t *in, size_t len, size_t limit, uint8_t **out,
                                size_t *out_len) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK) return RR_ERR_NOMEM;
    size_t cap = len < 4096 ? 16384 : len * 4;
    if (limit && cap > limit + 1) cap = limit + 1;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        inflateEnd(&z);
        return RR_ERR_NOMEM;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    size_t have = 0;
    rr_status_t st = RR_OK;
    for (;;) {
        if (have == cap) {
            if (limit && cap > limit) {
                st = RR_ERR_FULL;
                break;
            }
            size_t ncap = cap * 2;
            if (limit && ncap > limit + 1) ncap = limit + 1;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                st = RR_ERR_NOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t room = cap - have;
        if (room > (1u << 30)) room = 1u << 30;
        z.next_out = buf + have;
        z.avail_out = (uInt)room;
        int zr = inflate(&z, Z_NO_FLUSH);
        have += room - z.avail_out;
        if (zr == Z_STREAM_END) break;
        if (zr == Z_BUF_ERROR && z.avail_in == 0) {
            st = RR_ERR_TRUNCATED;
            break;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            st = RR_ERR_INVALID_DATA;
            break;
        }
    }
    inflateEnd(&z);
    if (st == RR_OK && limit && have > limit) st = RR_ERR_FULL;
    if (st != RR_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *out_len = have;
    return RR_OK;
}

static rr_status_t on_request_msg(void *ud, const uint8_t *data, size_t len, bool compressed,
                                  rr_error_t *err) {
    rr_grpc_call_t *call = ud;
    if (call->rx_done) return RR_OK;
    if (compressed) {
        if (!call->gzip) {
            rr_grpc_call_fail(call, RR_GRPC_INTERNAL,
                              "message has the compressed flag but no grpc-encoding was given");
            return rr_error_set(err, RR_ERR_INVALID_DATA, "compressed flag without encoding");
        }
        uint8_t *plain = NULL;
        size_t plain_len = 0;
        rr_status_t st = inflate_gzip(data, len, call->srv->cfg.max_message_bytes, &plain,
                                      &plain_len);
        if (st == RR_ERR_FULL) {
            rr_grpc_call_fail(call, RR_GRPC_RESOURCE_EXHAUSTED,
                              "gzip message inflates past the limit of %zu bytes",
                              call->srv->cfg.max_message_bytes);
            return rr_error_set(err, st, "inflated message too large");
        }
        if (st != RR_OK) {
            rr_grpc_call_fail(call, RR_GRPC_INTERNAL, "gzip message of %zu bytes: %s", len,
                              st == RR_ERR_NOMEM ? "out of memory" : "corrupt deflate data");
            return rr_error_set(err, st, "inflate failed");
        }
        if (call->method->m.on_message)
            call->method->m.on_message(call, plain, plain_len, call->method->ud);
        free(plain);
        return RR_OK;
    }
    if (call->method->m.on_message) call->method->m.on_message(call, data, len, call->method->ud);
    return RR_OK;
}

void rr_grpc_call_rx(rr_grpc_call_t *call, const uint8_t *data, size_t len) {
    if (call->rx_done || !call->method) return;
    rr_error_t err = {0};
    rr_status_t st = rr_grpc_deframer_push(&call->deframer, data, len, on_request_msg, call, &err);
    if (st == RR_OK || call->rx_done) return;
    if (st == RR_ERR_NOMEM && call->deframer.msg_len > call->srv->cfg.max_message_bytes)
        rr_grpc_call_fail(call, RR_GRPC_RESOURCE_EXHAUSTED,
                          "request message of %zu bytes is over the limit of %zu bytes",
                          call->deframer.msg_len, call->srv->cfg.max_message_bytes);
    else
        rr_grpc_call_fail(call, st == RR_ERR_NOMEM ? RR_GRPC_RESOURCE_EXHAUSTED : RR_GRPC_INTERNAL,
                          "%s", err.msg);
}

void rr_grpc_call_rx_end(rr_grpc_call_t *call) {
    if (call->rx_done || !call->method) return;
    if (!rr_grpc_deframer_idle(&call->deframer)) {
        rr_grpc_call_fail(call, RR_GRPC_INTERNAL,
                          "request ended inside a message (%zu of %zu bytes received)",
                          call->deframer.hdr_have < RR_GRPC_FRAME_HEADER
                              ? call->deframer.hdr_have
                              : call->deframer.msg_have,
                          call->deframer.hdr_have < RR_GRPC_FRAME_HEADER
                              ? (size_t)RR_GRPC_FRAME_HEADER
                              : call->deframer.msg_len);
        return;
    }
    call->rx_done = true;
    if (call->method->m.on_half_close) call->method->m.on_half_close(call, call->method->ud);
}

size_t rr_grpc_call_take(rr_grpc_call_t *call, size_t max) {
    rr_grpc_conn_t *c = call->conn;
    size_t done = 0;
    while (done < max && call->q_count) {
        rr_grpc_bytes_t *m = call->q[call->q_head];
        size_t total = RR_GRPC_FRAME_HEADER + m->len;
        if (call->q_off < RR_GRPC_FRAME_HEADER) {
            uint8_t hdr[RR_GRPC_FRAME_HEADER];
            rr_grpc_frame_header(hdr, m->len, false);
            size_t take = RR_GRPC_FRAME_HEADER - call->q_off;
            if (take > max - done) take = max - done;
            if (rr_grpc_conn_out_copy(c, hdr + call->q_off, take) != RR_OK) break;
            call->q_off += take;
            done += take;
        }
        if (call->q_off >= RR_GRPC_FRAME_HEADER && call->q_off < total && done < max) {
            size_t off = call->q_off - RR_GRPC_FRAME_HEADER;
            size_t take = m->len - off;
            if (take > max - done) take = max - done;
            if (rr_grpc_conn_out_ref(c, m, m->data + off, take) != RR_OK) break;
            call->q_off += take;
            done += take;
        }
        if (call->q_off == total) {
            rr_grpc_bytes_unref(m);
            call->q_head = (call->q_head + 1) % call->q_cap;
            call->q_count--;
            call->q_off = 0;
        }
    }
    call->pending -= done;
    if (!call->q_count) call->q_head = 0;
    if (call->want_writable && call->pending < call->srv->cfg.max_pending_bytes_per_call / 2)
        rr_grpc_conn_mark_dirty(c);
    return done;
}

rr_grpc_bytes_t *rr_grpc_call_pop_message(rr_grpc_call_t *call) {
    if (!call->q_count) return NULL;
    rr_grpc_bytes_t *m = call->q[call->q_head];
    call->q_head = (call->q_head + 1) % call->q_cap;
    call->q_count--;
    call->pending -= RR_GRPC_FRAME_HEADER + m->len - call->q_off;
    call->q_off = 0;
    if (!call->q_count) call->q_head = 0;
    if (call->want_writable && call->pending < call->srv->cfg.max_pending_bytes_per_call / 2)
        rr_grpc_conn_mark_dirty(call->conn);
    return m;
}

rr_status_t rr_grpc_call_send(rr_grpc_call_t *call, rr_grpc_bytes_t *msg) {
    if (!call || !msg) return RR_ERR_INVALID_ARG;
    if (call->finished || call->closed) return RR_ERR_UNAVAILABLE;
    if (msg->len > 0xffffffffu) return RR_ERR_INVALID_ARG;
    size_t max = call->srv->cfg.max_pending_bytes_per_call;
    if (call->pending >= max) {
        call->want_writable = true;
        return RR_ERR_FULL;
    }
    if (call->q_count == call->q_cap) {
        size_t cap = call->q_cap ? call->q_cap * 2 : 16;
        rr_grpc_bytes_t **q = malloc(cap * sizeof *q);
        if (!q) return RR_ERR_NOMEM;
        for (size_t i = 0; i < call->q_count; i++) q[i] = call->q[(call->q_head + i) % call->q_cap];
        free(call->q);
        call->q = q;
        call->q_cap = cap;
        call->q_head = 0;
    }
    call->q[(call->q_head + call->q_count) % call->q_cap] = rr_grpc_bytes_ref(msg);
    call->q_count++;
    call->pending += RR_GRPC_FRAME_HEADER + msg->len;
    if (call->pending >= max / 2) call->want_writable = true;
    kick(call);
    return RR_OK;
}

rr_status_t rr_grpc_call_send_copy(rr_grpc_call_t *call, const void *data, size_t len) {
    rr_grpc_bytes_t *b = rr_grpc_bytes_new(data, len);
    if (!b) return RR_ERR_NOMEM;
    rr_status_t st = rr_grpc_call_send(call, b);
    rr_grpc_bytes_unref(b);
    return st;
}

size_t rr_grpc_call_pending_bytes(const rr_grpc_call_t *call) { return call->pending; }

void rr_grpc_call_finish(rr_grpc_call_t *call, rr_grpc_code_t code, const char *message) {
    if (!call || call->finished || call->closed) return;
    call->finished = true;
    call->rx_done = true;
    call->code = code;
    free(call->message);
    call->message = message && *message ? rr_grpc_percent_encode(message) : NULL;
    call_clear_deadline(call);
    kick(call);
}

void rr_grpc_call_set_data(rr_grpc_call_t *call, void *data) { call->data = data; }
void *rr_grpc_call_data(const rr_grpc_call_t *call) { return call->data; }
const char *rr_grpc_call_peer(const rr_grpc_call_t *call) { return call->conn->peer; }
bool rr_grpc_call_is_web(const rr_grpc_call_t *call) { return call->web; }

static void dispatch_writable(rr_grpc_conn_t *c) {
    size_t half = c->srv->cfg.max_pending_bytes_per_call / 2;
    for (rr_grpc_call_t *call = c->calls; call; call = call->next) {
        if (!call->want_writable || call->pending >= half) continue;
        call->want_writable = false;
        if (call->opened && !call->finished && !call->closed && call->method->m.on_writable)
            call->method->m.on_writable(call, call->method->ud);
    }
}

/* --- connections ----------------------------------------------------- */

static rr_grpc_conn_t *conn_new(rr_grpc_server_t *srv, int fd, const char *peer) {
    rr_grpc_conn_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->srv = srv;
    c->fd = fd;
    snprintf(c->peer, sizeof c->peer, "%s", peer);
    c->next = srv->conns;
    if (srv->conns) srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    return c;
}

static void conn_close(rr_grpc_conn_t *c) {
    if (c->dead) return;
    rr_grpc_server_t *srv = c->srv;
    c->dead = true;
    if (c->fd >= 0) {
        epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    if (c->h2) rr_grpc_h2_free(c);
    rr_grpc_web_free(c);
    rr_grpc_code_t code = srv->stopping ? RR_GRPC_UNAVAILABLE : RR_GRPC_CANCELLED;
    while (c->calls) rr_grpc_call_destroy(c->calls, c->calls->finished && c->calls->trailers_sent
                                                        ? c->calls->code
                                                        : code);
    out_consume(c, c->out_bytes);
    rr_grpc_bytes_unref(c->scratch);
    c->scratch = NULL;
    if (c->prev) c->prev->next = c->next;
    else srv->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    srv->nconns--;
    c->dead_next = srv->dead;
    srv->dead = c;
}

static void free_dead(rr_grpc_server_t *srv) {
    rr_grpc_conn_t **pp = &srv->dead;
    while (*pp) {
        rr_grpc_conn_t *c = *pp;
        if (c->dirty) { /* still on the dirty list; freed next round */
            pp = &c->dead_next;
            continue;
        }
        *pp = c->dead_next;
        free(c->segs);
        free(c);
    }
}

static void conn_input(rr_grpc_conn_t *c, const uint8_t *data, size_t len) {
    bool ok = true;
    if (c->mode == RR_CONN_SNIFF) {
        size_t i = 0;
        while (i < len && c->sniffed < H2_PREFACE_LEN &&
               data[i] == (uint8_t)h2_preface[c->sniffed]) {
            i++;
            c->sniffed++;
        }
        if (c->sniffed == H2_PREFACE_LEN) {
            c->mode = RR_CONN_H2;
            if (rr_grpc_h2_start(c) != RR_OK) {
                conn_close(c);
                return;
            }
            ok = rr_grpc_h2_recv(c, (const uint8_t *)h2_preface, H2_PREFACE_LEN);
            if (ok && i < len) ok = rr_grpc_h2_recv(c, data + i, len - i);
        } else if (i < len) {
            c->mode = RR_CONN_WEB;
            /* Bytes matched in earlier reads are not in data any more. */
            size_t earlier = c->sniffed - i;
            if (earlier) ok = rr_grpc_web_recv(c, (const uint8_t *)h2_preface, earlier);
            if (ok) ok = rr_grpc_web_recv(c, data, len);
        }
    } else if (c->mode == RR_CONN_H2) {
        ok = rr_grpc_h2_recv(c, data, len);
    } else {
        ok = rr_grpc_web_recv(c, data, len);
    }
    if (!ok) {
        c->close_after = true;
        rr_grpc_conn_set_epollin(c, false);
    }
    rr_grpc_conn_mark_dirty(c);
}

static void resume_blocked(rr_grpc_conn_t *c) {
    c->out_blocked = false;
    for (rr_grpc_call_t *call = c->calls; call; call = call->next)
        if (call->deferred && (call->pending || call->finished)) rr_grpc_h2_call_kick(call);
}

static void conn_process(rr_grpc_conn_t *c) {
    bool alive = true;
    for (int round = 0; round < 4 && !c->dead; round++) {
        if (c->mode == RR_CONN_H2) alive = rr_grpc_h2_pump(c);
        else if (c->mode == RR_CONN_WEB) alive = rr_grpc_web_pump(c);
        if (c->dead) return;
        if (!rr_grpc_conn_flush(c)) {
            conn_close(c);
            return;
        }
        if (c->mode != RR_CONN_H2 || !c->out_blocked || c->out_bytes >= RR_GRPC_OUTQ_LIMIT / 2)
            break;
        if (round == 3) break; /* out_blocked stays: the next round goes on */
        resume_blocked(c);
    }
    dispatch_writable(c);
    if (c->dead) return;
    if ((!alive || c->close_after) && c->seg_count == 0) {
        conn_close(c);
        return;
    }
    /* Output stopped at the bound but the socket took it all: no EPOLLOUT
     * will come, so the next round carries on. */
    bool more = c->mode == RR_CONN_H2 ? c->out_blocked : (c->web.call && c->web.call->q_count);
    if (more && !c->epollout) rr_grpc_conn_mark_dirty(c);
}

static void process_dirty(rr_grpc_server_t *srv) {
    rr_grpc_conn_t *list = srv->dirty;
    srv->dirty = NULL;
    while (list) {
        rr_grpc_conn_t *c = list;
        list = c->dirty_next;
        c->dirty = false;
        if (!c->dead) conn_process(c);
    }
}

static void conn_read(rr_grpc_conn_t *c) {
    rr_grpc_server_t *srv = c->srv;
    ssize_t n = read(c->fd, srv->rbuf, srv->rbuf_cap);
    if (n > 0) {
        conn_input(c, srv->rbuf, (size_t)n);
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    /* EOF or a reset: the peer is gone, whatever it had asked for. */
    conn_close(c);
}

static void expire_deadlines(rr_grpc_server_t *srv, int64_t now) {
    if (!srv->ndeadlines) return;
    for (rr_grpc_conn_t *c = srv->conns; c; c = c->next)
        for (rr_grpc_call_t *call = c->calls; call; call = call->next)
            if (call->deadline_ns && call->deadline_ns <= now) {
                call_clear_deadline(call);
                rr_grpc_call_fail(call, RR_GRPC_DEADLINE_EXCEEDED, "deadline exceeded");
            }
}

static int next_timeout_ms(rr_grpc_server_t *srv) {
    if (srv->dirty) return 0;
    if (!srv->ndeadlines) return -1;
    int64_t first = INT64_MAX;
    for (rr_grpc_conn_t *c = srv->conns; c; c = c->next)
        for (rr_grpc_call_t *call = c->calls; call; call = call->next)
            if (call->deadline_ns && call->deadline_ns < first) first = call->deadline_ns;
    int64_t now = rr_grpc_now_ns();
    if (first <= now) return 0;
    int64_t ms = (first - now + 999999) / 1000000;
    return ms > 60000 ? 60000 : (int)ms;
}

static void run_posts(rr_grpc_server_t *srv) {
    pthread_mutex_lock(&srv->post_mu);
    rr_grpc_post_t *p = srv->posts;
    srv->posts = srv->posts_tail = NULL;
    pthread_mutex_unlock(&srv->post_mu);
    while (p) {
        rr_grpc_post_t *next = p->next;
        p->fn(p->ud);
        free(p);
        p = next;
    }
}

static void accept_all(rr_grpc_server_t *srv) {
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage sa;
        socklen_t sl = sizeof sa;
        int fd = accept4(srv->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                RR_LOG_WARN("grpc server: accept: %s", strerror(errno));
            return;
        }
        char host[INET6_ADDRSTRLEN] = "?", peer[64];
        uint16_t port = 0;
        if (sa.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&sa;
            inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
            port = ntohs(a->sin_port);
            snprintf(peer, sizeof peer, "%s:%u", host, port);
        } else {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&sa;
            inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
            port = ntohs(a->sin6_port);
            snprintf(peer, sizeof peer, "[%s]:%u", host, port);
        }
        if (srv->nconns >= srv->cfg.max_connections) {
            RR_LOG_WARN("grpc server: refusing connection from %s: %u connections open "
                        "(max_connections)",
                        peer, srv->nconns);
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        rr_grpc_conn_t *c = conn_new(srv, fd, peer);
        if (!c) {
            close(fd);
            continue;
        }
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            conn_close(c);
            continue;
        }
        RR_LOG_DEBUG("grpc server: connection from %s", peer);
    }
}

/* --- server ---------------------------------------------------------- */

rr_status_t rr_grpc_server_new(const rr_grpc_server_config_t *cfg, rr_grpc_server_t **out,
                               rr_error_t *err) {
    *out = NULL;
    rr_grpc_server_t *srv = calloc(1, sizeof *srv);
    if (!srv) return rr_error_set(err, RR_ERR_NOMEM, "grpc server: out of memory");
    if (cfg) srv->cfg = *cfg;
    snprintf(srv->bind, sizeof srv->bind, "%s", srv->cfg.bind ? srv->cfg.bind : "127.0.0.1");
    srv->cfg.bind = srv->bind;
    if (!srv->cfg.max_message_bytes) srv->cfg.max_message_bytes = 64u << 20;
    if (!srv->cfg.max_connections) srv->cfg.max_connections = 256;
    if (!srv->cfg.max_streams_per_connection) srv->cfg.max_streams_per_connection = 100;
    if (!srv->cfg.max_pending_bytes_per_call) srv->cfg.max_pending_bytes_per_call = 64u << 20;
    srv->lfd = srv->epfd = srv->evfd = -1;
    atomic_init(&srv->stop, false);
    pthread_mutex_init(&srv->post_mu, NULL);
    srv->rbuf_cap = READ_BYTES;
    srv->rbuf = malloc(srv->rbuf_cap);
    if (!srv->rbuf) {
        rr_grpc_server_free(srv);
        return rr_error_set(err, RR_ERR_NOMEM, "grpc server: out of memory");
    }

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", srv->cfg.port);
    int gr = getaddrinfo(srv->bind, port, &hints, &ai);
    if (gr != 0) {
        rr_status_t st = rr_error_set(err, RR_ERR_INVALID_ARG, "grpc server: bind address '%s': %s",
                                      srv->bind, gai_strerror(gr));
        rr_grpc_server_free(srv);
        return st;
    }
    int e = 0;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            e = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 512) == 0) {
            srv->lfd = fd;
            break;
        }
        e = errno;
        close(fd);
    }
    freeaddrinfo(ai);
    if (srv->lfd < 0) {
        rr_status_t st = rr_error_set(err, RR_ERR_IO, "grpc server: cannot listen on %s:%u: %s",
                                      srv->bind, srv->cfg.port, strerror(e));
        rr_grpc_server_free(srv);
        return st;
    }
    struct sockaddr_storage sa;
    socklen_t sl = sizeof sa;
    getsockname(srv->lfd, (struct sockaddr *)&sa, &sl);
    srv->port = ntohs(sa.ss_family == AF_INET ? ((struct sockaddr_in *)&sa)->sin_port
                                              : ((struct sockaddr_in6 *)&sa)->sin6_port);

    srv->epfd = epoll_create1(EPOLL_CLOEXEC);
    srv->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (srv->epfd < 0 || srv->evfd < 0) {
        rr_status_t st = rr_error_set(err, RR_ERR_IO, "grpc server: epoll/eventfd: %s",
                                      strerror(errno));
        rr_grpc_server_free(srv);
        return st;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &srv->lfd};
    epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &ev);
    ev.data.ptr = &srv->evfd;
    epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->evfd, &ev);
    *out = srv;
    return RR_OK;
}

rr_status_t rr_grpc_server_add_method(rr_grpc_server_t *srv, const rr_grpc_method_t *m, void *ud,
                                      rr_error_t *err) {
    if (!srv || !m || !m->path || m->path[0] != '/')
        return rr_error_set(err, RR_ERR_INVALID_ARG, "grpc server: a method needs a path '/pkg.Service/Method'");
    if (rr_grpc_find_method(srv, m->path, strlen(m->path)))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "grpc server: method %s added twice", m->path);
    if (srv->nmethods == srv->methods_cap) {
        size_t cap = srv->methods_cap ? srv->methods_cap * 2 : 8;
        rr_grpc_registered_t *r = realloc(srv->methods, cap * sizeof *r);
        if (!r) return rr_error_set(err, RR_ERR_NOMEM, "grpc server: out of memory");
        srv->methods = r;
        srv->methods_cap = cap;
    }
    srv->methods[srv->nmethods++] = (rr_grpc_registered_t){.m = *m, .ud = ud};
    return RR_OK;
}

uint16_t rr_grpc_server_port(const rr_grpc_server_t *srv) { return srv->port; }

static void shutdown_all(rr_grpc_server_t *srv) {
    srv->stopping = true;
    run_posts(srv);
    while (srv->conns) conn_close(srv->conns);
    process_dirty(srv);
    free_dead(srv);
    srv->stopping = false;
}

rr_status_t rr_grpc_server_run(rr_grpc_server_t *srv, rr_error_t *err) {
    struct epoll_event evs[64];
    RR_LOG_INFO("grpc server: listening on %s:%u", srv->bind, srv->port);
    while (!atomic_load(&srv->stop)) {
        int n = epoll_wait(srv->epfd, evs, 64, next_timeout_ms(srv));
        if (n < 0) {
            if (errno == EINTR) continue;
            rr_status_t st = rr_error_set(err, RR_ERR_IO, "grpc server: epoll_wait: %s",
                                          strerror(errno));
            shutdown_all(srv);
            return st;
        }
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &srv->lfd) {
                accept_all(srv);
            } else if (p == &srv->evfd) {
                uint64_t v;
                while (read(srv->evfd, &v, sizeof v) > 0) {
                }
                run_posts(srv);
            } else {
                rr_grpc_conn_t *c = p;
                uint32_t e = evs[i].events;
                if (c->dead) continue;
                if (e & EPOLLOUT) {
                    if (!rr_grpc_conn_flush(c)) {
                        conn_close(c);
                        continue;
                    }
                    rr_grpc_conn_mark_dirty(c);
                }
                if (e & (EPOLLIN | EPOLLRDHUP)) conn_read(c);
                else if (e & (EPOLLHUP | EPOLLERR)) conn_close(c);
            }
        }
        expire_deadlines(srv, rr_grpc_now_ns());
        process_dirty(srv);
        free_dead(srv);
    }
    shutdown_all(srv);
    return RR_OK;
}

void rr_grpc_server_stop(rr_grpc_server_t *srv) {
    if (!srv) return;
    atomic_store(&srv->stop, true);
    uint64_t one = 1;
    ssize_t r = write(srv->evfd, &one, sizeof one);
    (void)r;
}

rr_status_t rr_grpc_server_post(rr_grpc_server_t *srv, void (*fn)(void *ud), void *ud) {
    if (!srv || !fn) return RR_ERR_INVALID_ARG;
    rr_grpc_post_t *p = malloc(sizeof *p);
    if (!p) return RR_ERR_NOMEM;
    *p = (rr_grpc_post_t){.fn = fn, .ud = ud};
    pthread_mutex_lock(&srv->post_mu);
    if (srv->posts_tail) srv->posts_tail->next = p;
    else srv->posts = p;
    srv->posts_tail = p;
    pthread_mutex_unlock(&srv->post_mu);
    uint64_t one = 1;
    ssize_t r = write(srv->evfd, &one, sizeof one);
    (void)r;
    return RR_OK;
}

void rr_grpc_server_free(rr_grpc_server_t *srv) {
    if (!srv) return;
    /* Posts that never reached the loop still run, so their ud is released. */
    shutdown_all(srv);
    if (srv->lfd >= 0) close(srv->lfd);
    if (srv->epfd >= 0) close(srv->epfd);
    if (srv->evfd >= 0) close(srv->evfd);
    pthread_mutex_destroy(&srv->post_mu);
    free(srv->methods);
    free(srv->rbuf);
    free(srv);
}

/* --- fuzzing --------------------------------------------------------- */

void rr_grpc_server_feed_memory(rr_grpc_server_t *srv, rr_grpc_conn_mode_t mode,
                                const uint8_t *data, size_t len, size_t piece) {
    rr_grpc_conn_t *c = conn_new(srv, -1, "memory:0");
    if (!c) return;
    if (mode == RR_CONN_H2) conn_input(c, (const uint8_t *)h2_preface, H2_PREFACE_LEN);
    else if (mode == RR_CONN_WEB) c->mode = RR_CONN_WEB;
    if (piece == 0) piece = len ? len : 1;
    for (size_t pos = 0; pos < len && !c->dead;) {
        size_t n = len - pos < piece ? len - pos : piece;
        conn_input(c, data + pos, n);
        pos += n;
        run_posts(srv);
        process_dirty(srv);
        if (!c->dead && c->close_after) break;
    }
    /* Deadlines all expire now, so their paths run too. */
    expire_deadlines(srv, INT64_MAX);
    process_dirty(srv);
    conn_close(c);
    process_dirty(srv);
    free_dead(srv);
}
