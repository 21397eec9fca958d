/* gRPC client on nghttp2 (see client.h). The session writes into an output
 * queue of segments instead of a flat buffer: control frames and DATA frame
 * headers are small copies, message payloads are references to the callers'
 * rr_grpc_bytes_t, so a message goes from the caller to sendmsg(2) without
 * being copied. Zero-length marker segments record where a request message
 * ends, so a call knows how many of its messages reached the socket. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "net/client.h"

#define CONN_WINDOW (64u << 20)   /* connection receive window */
#define STREAM_WINDOW (16u << 20) /* per-stream receive window */
#define SMALL_SEG 4096
#define READ_CHUNK (256u << 10) /* big reads: fewer syscalls for streamed replies */

typedef struct out_seg {
    rr_grpc_bytes_t *ref;  /* payload reference, or NULL */
    uint8_t *own;          /* our copy (small frames), or NULL */
    size_t cap;            /* own: capacity */
    const uint8_t *p;
    size_t len, off;       /* bytes, bytes already written */
    rr_grpc_ccall_t *call; /* marker: a request message of call ends here */
} out_seg_t;

typedef struct send_item {
    rr_grpc_bytes_t *msg;
    uint8_t prefix[RR_GRPC_FRAME_HEADER];
    size_t off; /* into prefix + msg */
} send_item_t;

struct rr_grpc_ccall {
    rr_grpc_client_t *c;
    struct rr_grpc_ccall *next, *prev;
    int32_t stream_id;
    char path[256];
    rr_grpc_ccall_msg_fn on_msg;
    void *ud;
    send_item_t *q;
    size_t q_head, q_len, q_cap;
    size_t pending;    /* queued request bytes not yet handed to the session */
    bool close_send, deferred;
    uint64_t written;
    rr_grpc_deframer_t deframer;
    int http_status;
    bool has_grpc_status;
    int grpc_status;
    char grpc_message[256];
    bool done;
    uint32_t reset_code;
    rr_status_t local_st; /* our own failure (callback, deframing, connection) */
    rr_error_t local_err;
};

struct rr_grpc_client {
    int fd;
    nghttp2_session *s;
    bool alive;
    char why[256];  /* why the connection is gone */
    char authority[RR_URL_HOST_MAX + 16];
    out_seg_t *segs;
    size_t seg_head, seg_n, seg_cap;
    size_t out_bytes, max_out;
    size_t max_message;
    uint64_t ping_next, ping_acked;
    bool goaway;
    rr_grpc_ccall_t *calls;
    uint8_t rbuf[READ_CHUNK]; /* on the heap with the client, not on the caller's stack */
};

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- output queue ---- */

static out_seg_t *seg_push(rr_grpc_client_t *c) {
    if (c->seg_head > 0 && c->seg_head == c->seg_n) c->seg_head = c->seg_n = 0;
    if (c->seg_n == c->seg_cap) {
        if (c->seg_head > c->seg_cap / 2) {
            memmove(c->segs, c->segs + c->seg_head, (c->seg_n - c->seg_head) * sizeof *c->segs);
            c->seg_n -= c->seg_head;
            c->seg_head = 0;
        } else {
            size_t cap = c->seg_cap ? c->seg_cap * 2 : 64;
            out_seg_t *n = realloc(c->segs, cap * sizeof *n);
            if (!n) return NULL;
            c->segs = n;
            c->seg_cap = cap;
        }
    }
    out_seg_t *s = &c->segs[c->seg_n++];
    memset(s, 0, sizeof *s);
    return s;
}

static bool out_copy(rr_grpc_client_t *c, const uint8_t *data, size_t len) {
    if (len == 0) return true;
    out_seg_t *last = c->seg_n > c->seg_head ? &c->segs[c->seg_n - 1] : NULL;
    if (!last || !last->own || last->cap - last->len < len) {
        size_t cap = len > SMALL_SEG ? len : SMALL_SEG;
        uint8_t *own = malloc(cap);
        if (!own) return false;
        last = seg_push(c);
        if (!last) {
            free(own);
            return false;
        }
        last->own = own;
        last->cap = cap;
        last->p = own;
    }
    memcpy(last->own + last->len, data, len);
    last->len += len;
    c->out_bytes += len;
    return true;
}

static bool out_ref(rr_grpc_client_t *c, rr_grpc_bytes_t *b, size_t off, size_t len) {
    out_seg_t *s = seg_push(c);
    if (!s) return false;
    s->ref = rr_grpc_bytes_ref(b);
    s->p = b->data + off;
    s->len = len;
    c->out_bytes += len;
    return true;
}

static bool out_marker(rr_grpc_client_t *c, rr_grpc_ccall_t *call) {
    out_seg_t *s = seg_push(c);
    if (!s) return false;
    s->call = call;
    return true;
}

static void seg_release(out_seg_t *s) {
    rr_grpc_bytes_unref(s->ref);
    free(s->own);
    s->ref = NULL;
    s->own = NULL;
}

/* Writes what it can without blocking. */
static rr_status_t out_flush(rr_grpc_client_t *c, rr_error_t *err) {
    while (c->seg_head < c->seg_n) {
        struct iovec iov[64];
        int n = 0;
        for (size_t i = c->seg_head; i < c->seg_n && n < 64; i++) {
            out_seg_t *s = &c->segs[i];
            if (s->len == s->off) continue;
            iov[n].iov_base = (void *)(s->p + s->off);
            iov[n].iov_len = s->len - s->off;
            n++;
        }
        ssize_t w = 0;
        if (n > 0) {
            /* sendmsg, not writev: MSG_NOSIGNAL keeps a closed peer from
             * raising SIGPIPE in the user's program. */
            struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
            w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return RR_OK;
                snprintf(c->why, sizeof c->why, "writing to the server: %s", strerror(errno));
                c->alive = false;
                return rr_error_set(err, RR_ERR_UNAVAILABLE, "gRPC connection to %s: %s",
                                    c->authority, c->why);
            }
        }
        size_t left = (size_t)w;
        while (c->seg_head < c->seg_n) {
            out_seg_t *s = &c->segs[c->seg_head];
            size_t take = s->len - s->off < left ? s->len - s->off : left;
            s->off += take;
            left -= take;
            c->out_bytes -= take;
            if (s->off < s->len) break;
            if (s->call) s->call->written++;
            seg_release(s);
            c->seg_head++;
        }
        if (n == 0) break;
    }
    return RR_OK;
}

/* ---- nghttp2 callbacks ---- */

static ssize_t cb_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *ud) {
    rr_grpc_client_t *c = ud;
    return out_copy(c, data, len) ? (ssize_t)len : NGHTTP2_ERR_CALLBACK_FAILURE;
}

static ssize_t cb_read(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length,
                       uint32_t *data_flags, nghttp2_data_source *source, void *ud) {
    /* The stream's user data, not source->ptr: a freed call clears it. */
    rr_grpc_ccall_t *call = nghttp2_session_get_stream_user_data(s, stream_id);
    *data_flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (!call) {
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
        return 0;
    }
    if (call->pending == 0) {
        if (call->close_send) {
            *data_flags |= NGHTTP2_DATA_FLAG_EOF;
            return 0;
        }
        call->deferred = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    size_t n = call->pending < length ? call->pending : length;
    if (n == call->pending && call->close_send) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static int cb_send_data(nghttp2_session *s, nghttp2_frame *frame, const uint8_t *framehd,
                        size_t length, nghttp2_data_source *source, void *ud) {
    rr_grpc_client_t *c = ud;
    rr_grpc_ccall_t *call = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);
    if (!call && length > 0) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    if (c->out_bytes >= c->max_out) return NGHTTP2_ERR_WOULDBLOCK;
    if (!out_copy(c, framehd, 9)) return NGHTTP2_ERR_CALLBACK_FAILURE;
    if (frame->data.padlen > 0) {
        uint8_t pad[256] = {0};
        pad[0] = (uint8_t)(frame->data.padlen - 1);
        if (!out_copy(c, pad, 1)) return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    size_t left = length;
    while (left > 0) {
        send_item_t *it = &call->q[call->q_head];
        size_t total = RR_GRPC_FRAME_HEADER + it->msg->len;
        if (it->off < RR_GRPC_FRAME_HEADER) {
            size_t take = RR_GRPC_FRAME_HEADER - it->off;
            if (take > left) take = left;
            if (!out_copy(c, it->prefix + it->off, take)) return NGHTTP2_ERR_CALLBACK_FAILURE;
            it->off += take;
            left -= take;
        }
        if (left > 0 && it->off < total) {
            size_t moff = it->off - RR_GRPC_FRAME_HEADER;
            size_t take = it->msg->len - moff;
            if (take > left) take = left;
            if (!out_ref(c, it->msg, moff, take)) return NGHTTP2_ERR_CALLBACK_FAILURE;
            it->off += take;
            left -= take;
        }
        if (it->off == total) {
            if (!out_marker(c, call)) return NGHTTP2_ERR_CALLBACK_FAILURE;
            rr_grpc_bytes_unref(it->msg);
            it->msg = NULL;
            call->q_head++;
            call->q_len--;
        }
    }
    if (call) call->pending -= length;
    if (frame->data.padlen > 1) {
        uint8_t zeros[256] = {0};
        if (!out_copy(c, zeros, frame->data.padlen - 1)) return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return 0;
}

static rr_grpc_ccall_t *call_of(nghttp2_session *s, int32_t id) {
    return nghttp2_session_get_stream_user_data(s, id);
}

static rr_status_t deliver(void *ud, const uint8_t *data, size_t len, bool compressed,
                           rr_error_t *err) {
    rr_grpc_ccall_t *call = ud;
    if (compressed)
        return rr_error_set(err, RR_ERR_UNSUPPORTED,
                            "%s: the server sent a compressed message, but we asked for none",
                            call->path);
    if (!call->on_msg) return RR_OK;
    return call->on_msg(call->ud, data, len, err);
}

static int cb_data_chunk(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data,
                         size_t len, void *ud) {
    rr_grpc_ccall_t *call = call_of(s, stream_id);
    if (!call || call->local_st != RR_OK) return 0;
    rr_error_t e;
    rr_error_clear(&e);
    rr_status_t st = rr_grpc_deframer_push(&call->deframer, data, len, deliver, call, &e);
    if (st != RR_OK) {
        call->local_st = st;
        call->local_err = e;
        rr_error_prefix(&call->local_err, "%s: ", call->path);
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
    }
    return 0;
}

/* grpc-message is percent-encoded (PROTOCOL-HTTP2.md). */
static void percent_decode(char *dst, size_t cap, const uint8_t *src, size_t len) {
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        char ch = (char)src[i];
        if (ch == '%' && i + 2 < len) {
            char h[3] = {(char)src[i + 1], (char)src[i + 2], 0};
            char *end;
            long v = strtol(h, &end, 16);
            if (end == h + 2) {
                ch = (char)v;
                i += 2;
            }
        }
        dst[o++] = (ch >= 0 && ch < 0x20) ? ' ' : ch;
    }
    dst[o] = 0;
}

static int cb_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *ud) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    rr_grpc_ccall_t *call = call_of(s, frame->hd.stream_id);
    if (!call) return 0;
    char v[32];
    size_t vl = valuelen < sizeof v - 1 ? valuelen : sizeof v - 1;
    if (namelen == 7 && !memcmp(name, ":status", 7)) {
        memcpy(v, value, vl);
        v[vl] = 0;
        call->http_status = atoi(v);
    } else if (namelen == 11 && !memcmp(name, "grpc-status", 11)) {
        memcpy(v, value, vl);
        v[vl] = 0;
        call->has_grpc_status = true;
        call->grpc_status = atoi(v);
    } else if (namelen == 12 && !memcmp(name, "grpc-message", 12)) {
        percent_decode(call->grpc_message, sizeof call->grpc_message, value, valuelen);
    }
    return 0;
}

static int cb_frame_recv(nghttp2_session *s, const nghttp2_frame *frame, void *ud) {
    rr_grpc_client_t *c = ud;
    if (frame->hd.type == NGHTTP2_PING && (frame->hd.flags & NGHTTP2_FLAG_ACK)) {
        uint64_t id = 0;
        for (int i = 0; i < 8; i++) id = id << 8 | frame->ping.opaque_data[i];
        if (id > c->ping_acked && id < c->ping_next) c->ping_acked = id;
    } else if (frame->hd.type == NGHTTP2_GOAWAY) {
        c->goaway = true;
    }
    return 0;
}

static int cb_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code, void *ud) {
    rr_grpc_ccall_t *call = call_of(s, stream_id);
    if (!call) return 0;
    call->done = true;
    call->reset_code = error_code;
    nghttp2_session_set_stream_user_data(s, stream_id, NULL);
    call->stream_id = -1;
    return 0;
}

/* ---- connection ---- */

static rr_status_t tcp_connect(const char *host, uint16_t port, uint32_t timeout_ms, int *out_fd,
                               rr_error_t *err) {
    char ports[8];
    snprintf(ports, sizeof ports, "%u", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, ports, &hints, &res);
    if (gai != 0)
        return rr_error_set(err, RR_ERR_UNAVAILABLE, "connecting to %s:%u: cannot resolve '%s': %s",
                            host, port, host, gai_strerror(gai));
    int64_t deadline = now_ms() + timeout_ms;
    char last[160] = "no address";
    rr_status_t st = RR_ERR_UNAVAILABLE;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol);
        if (fd < 0) {
            snprintf(last, sizeof last, "socket: %s", strerror(errno));
            continue;
        }
        int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r != 0 && errno == EINPROGRESS) {
            for (;;) {
                int64_t left = deadline - now_ms();
                if (left <= 0) {
                    snprintf(last, sizeof last, "timed out after %u ms", timeout_ms);
                    st = RR_ERR_UNAVAILABLE;
                    break;
                }
                struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                int pr = poll(&pfd, 1, (int)left);
                if (pr < 0 && errno == EINTR) continue;
                if (pr <= 0) continue;
                int soerr = 0;
                socklen_t sl = sizeof soerr;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
                r = soerr ? -1 : 0;
                errno = soerr;
                break;
            }
        }
        if (r == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            *out_fd = fd;
            freeaddrinfo(res);
            return RR_OK;
        }
        if (errno) snprintf(last, sizeof last, "%s", strerror(errno));
        close(fd);
    }
    freeaddrinfo(res);
    return rr_error_set(err, st, "connecting to %s:%u: %s", host, port, last);
}

rr_status_t rr_grpc_client_connect(const char *host, uint16_t port,
                                   const rr_grpc_client_config_t *cfg, rr_grpc_client_t **out,
                                   rr_error_t *err) {
    if (!out || !host) return rr_error_set(err, RR_ERR_INVALID_ARG, "gRPC connect: NULL argument");
    *out = NULL;
    rr_grpc_client_config_t conf = {0};
    if (cfg) conf = *cfg;
    if (!conf.connect_timeout_ms) conf.connect_timeout_ms = 5000;
    if (!conf.max_out_bytes) conf.max_out_bytes = 4u << 20;
    if (!conf.max_message_bytes) conf.max_message_bytes = 0xffffffffu;

    rr_grpc_client_t *c = calloc(1, sizeof *c);
    if (!c) return rr_error_set(err, RR_ERR_NOMEM, "gRPC connect: out of memory");
    c->fd = -1;
    c->max_out = conf.max_out_bytes;
    c->max_message = conf.max_message_bytes;
    c->ping_next = 1;
    if (strchr(host, ':')) snprintf(c->authority, sizeof c->authority, "[%s]:%u", host, port);
    else snprintf(c->authority, sizeof c->authority, "%s:%u", host, port);

    rr_status_t st = tcp_connect(host, port, conf.connect_timeout_ms, &c->fd, err);
    if (st != RR_OK) {
        free(c);
        return st;
    }

    nghttp2_session_callbacks *cbs;
    if (nghttp2_session_callbacks_new(&cbs) != 0) {
        close(c->fd);
        free(c);
        return rr_error_set(err, RR_ERR_NOMEM, "gRPC connect: out of memory");
    }
    nghttp2_session_callbacks_set_send_callback(cbs, cb_send);
    nghttp2_session_callbacks_set_send_data_callback(cbs, cb_send_data);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, cb_data_chunk);
    nghttp2_session_callbacks_set_on_header_callback(cbs, cb_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, cb_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, cb_stream_close);
    int r = nghttp2_session_client_new(&c->s, cbs, c);
    nghttp2_session_callbacks_del(cbs);
    if (r != 0) {
        close(c->fd);
        free(c);
        return rr_error_set(err, RR_ERR_NOMEM, "gRPC connect: nghttp2: %s", nghttp2_strerror(r));
    }
    c->alive = true;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
        {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 1u << 20},
    };
    r = nghttp2_submit_settings(c->s, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]);
    if (r == 0) r = nghttp2_session_set_local_window_size(c->s, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW);
    if (r != 0) {
        rr_grpc_client_free(c);
        return rr_error_set(err, RR_ERR_INTERNAL, "gRPC connect: nghttp2: %s", nghttp2_strerror(r));
    }
    /* The preface and SETTINGS go out now, so a server that refuses HTTP/2
     * shows up on the first pump rather than on the first call. */
    if (nghttp2_session_send(c->s) != 0 || out_flush(c, err) != RR_OK) {
        rr_grpc_client_free(c);
        return rr_error_set(err, RR_ERR_UNAVAILABLE, "gRPC connect to %s:%u: sending the preface failed",
                            host, port);
    }
    *out = c;
    return RR_OK;
}

rr_status_t rr_grpc_client_connect_url(const rr_url_t *url, const rr_grpc_client_config_t *cfg,
                                       rr_grpc_client_t **out, rr_error_t *err) {
    if (!url) return rr_error_set(err, RR_ERR_INVALID_ARG, "gRPC connect: url is NULL");
    if (url->tls) {
        char text[400];
        rr_url_format(url, text, sizeof text);
        return rr_error_set(err, RR_ERR_UNSUPPORTED,
                            "%s: TLS is not supported by this build (use rerun+http:// for a "
                            "plain-text connection)",
                            text);
    }
    return rr_grpc_client_connect(rr_url_connect_host(url), url->port, cfg, out, err);
}

static void call_fail(rr_grpc_ccall_t *call, rr_status_t st, const char *why) {
    if (call->done) return;
    call->done = true;
    if (call->local_st == RR_OK) {
        call->local_st = st;
        rr_error_set(&call->local_err, st, "%s: %s", call->path, why);
    }
}

static void conn_lost(rr_grpc_client_t *c, const char *why) {
    if (c->alive) snprintf(c->why, sizeof c->why, "%s", why);
    c->alive = false;
    for (rr_grpc_ccall_t *k = c->calls; k; k = k->next) {
        char m[RR_URL_HOST_MAX + 16 + 256 + 32];
        snprintf(m, sizeof m, "connection to %s lost: %s", c->authority, c->why);
        call_fail(k, RR_ERR_UNAVAILABLE, m);
    }
}

bool rr_grpc_client_alive(const rr_grpc_client_t *c) { return c && c->alive; }
size_t rr_grpc_client_out_bytes(const rr_grpc_client_t *c) { return c ? c->out_bytes : 0; }

/* Lets the session produce frames and writes them, until neither moves. */
static rr_status_t drive_send(rr_grpc_client_t *c, rr_error_t *err) {
    for (int round = 0; round < 64; round++) {
        size_t before = c->out_bytes;
        int r = nghttp2_session_send(c->s);
        if (r != 0) {
            char m[160];
            snprintf(m, sizeof m, "HTTP/2 session: %s", nghttp2_strerror(r));
            conn_lost(c, m);
            return rr_error_set(err, RR_ERR_UNAVAILABLE, "gRPC connection to %s: %s", c->authority,
                                c->why);
        }
        size_t produced = c->out_bytes;
        if (out_flush(c, err) != RR_OK) {
            conn_lost(c, c->why);
            return RR_ERR_UNAVAILABLE;
        }
        /* Stop when the socket is full or nothing new was produced. */
        if (c->out_bytes > 0 || produced == before) break;
    }
    return RR_OK;
}

rr_status_t rr_grpc_client_pump(rr_grpc_client_t *c, int timeout_ms, int extra_fd,
                                rr_error_t *err) {
    if (!c->alive)
        return rr_error_set(err, RR_ERR_UNAVAILABLE, "gRPC connection to %s is gone: %s",
                            c->authority, c->why);
    RR_TRY(drive_send(c, err));
    struct pollfd pfd[2] = {{.fd = c->fd, .events = POLLIN}, {.fd = extra_fd, .events = POLLIN}};
    if (c->out_bytes > 0) pfd[0].events |= POLLOUT;
    int pr = poll(pfd, extra_fd >= 0 ? 2 : 1, timeout_ms);
    if (pr < 0 && errno != EINTR) {
        conn_lost(c, strerror(errno));
        return rr_error_set(err, RR_ERR_UNAVAILABLE, "gRPC connection to %s: poll: %s",
                            c->authority, c->why);
    }
    if (pr > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        uint8_t *buf = c->rbuf;
        for (int i = 0; i < 16; i++) {
            ssize_t n = read(c->fd, buf, READ_CHUNK);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            if (n <= 0) {
                conn_lost(c, n == 0 ? "the server closed the connection" : strerror(errno));
                return rr_error_set(err, RR_ERR_UNAVAILABLE, "gRPC connection to %s: %s",
                                    c->authority, c->why);
            }
            ssize_t used = nghttp2_session_mem_recv(c->s, buf, (size_t)n);
            if (used < 0) {
                char m[160];
                snprintf(m, sizeof m, "bad HTTP/2 from the server: %s",
                         nghttp2_strerror((int)used));
                conn_lost(c, m);
                return rr_error_set(err, RR_ERR_UNAVAILABLE, "gRPC connection to %s: %s",
                                    c->authority, c->why);
            }
            if ((size_t)n < READ_CHUNK) break;
        }
    }
    RR_TRY(drive_send(c, err));
    if (!nghttp2_session_want_read(c->s) && !nghttp2_session_want_write(c->s) &&
        c->out_bytes == 0) {
        conn_lost(c, c->goaway ? "the server sent GOAWAY" : "the HTTP/2 session ended");
        return rr_error_set(err, RR_ERR_UNAVAILABLE, "gRPC connection to %s: %s", c->authority,
                            c->why);
    }
    return RR_OK;
}

rr_status_t rr_grpc_client_ping(rr_grpc_client_t *c, uint64_t *id, rr_error_t *err) {
    if (!c->alive)
        return rr_error_set(err, RR_ERR_UNAVAILABLE, "gRPC connection to %s is gone: %s",
                            c->authority, c->why);
    uint8_t opaque[8];
    uint64_t n = c->ping_next;
    for (int i = 0; i < 8; i++) opaque[i] = (uint8_t)(n >> (56 - 8 * i));
    int r = nghttp2_submit_ping(c->s, NGHTTP2_FLAG_NONE, opaque);
    if (r != 0)
        return rr_error_set(err, RR_ERR_NOMEM, "gRPC PING: %s", nghttp2_strerror(r));
    c->ping_next++;
    if (id) *id = n;
    return RR_OK;
}

uint64_t rr_grpc_client_ping_acked(const rr_grpc_client_t *c) { return c->ping_acked; }

void rr_grpc_client_free(rr_grpc_client_t *c) {
    if (!c) return;
    while (c->calls) rr_grpc_ccall_free(c->calls);
    if (c->s) {
        if (c->alive) {
            nghttp2_session_terminate_session(c->s, NGHTTP2_NO_ERROR);
            rr_error_t e;
            drive_send(c, &e);
        }
        nghttp2_session_del(c->s);
    }
    for (size_t i = c->seg_head; i < c->seg_n; i++) seg_release(&c->segs[i]);
    free(c->segs);
    if (c->fd >= 0) close(c->fd);
    free(c);
}

/* ---- calls ---- */

rr_status_t rr_grpc_ccall_start(rr_grpc_client_t *c, const char *path, rr_grpc_ccall_msg_fn on_msg,
                                void *ud, rr_grpc_ccall_t **out, rr_error_t *err) {
    if (!c || !path || !out || path[0] != '/')
        return rr_error_set(err, RR_ERR_INVALID_ARG, "gRPC call: bad argument (path must start with '/')");
    *out = NULL;
    if (strlen(path) >= sizeof((rr_grpc_ccall_t *)0)->path)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "gRPC call: path '%.64s...' is too long", path);
    if (!c->alive)
        return rr_error_set(err, RR_ERR_UNAVAILABLE, "%s: gRPC connection to %s is gone: %s", path,
                            c->authority, c->why);
    if (c->goaway)
        return rr_error_set(err, RR_ERR_UNAVAILABLE,
                            "%s: the server at %s is going away (GOAWAY) and takes no new calls",
                            path, c->authority);
    rr_grpc_ccall_t *call = calloc(1, sizeof *call);
    if (!call) return rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory", path);
    call->c = c;
    snprintf(call->path, sizeof call->path, "%s", path);
    call->on_msg = on_msg;
    call->ud = ud;
    call->deframer.max_message = c->max_message;
    nghttp2_nv nva[] = {
#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE}
        NV(":method", "POST"),
        NV(":scheme", "http"),
        NV(":path", call->path),
        NV(":authority", c->authority),
        NV("content-type", "application/grpc"),
        NV("te", "trailers"),
        NV("user-agent", "rerun-c/0.1 (grpc-c nghttp2)"),
#undef NV
    };
    nghttp2_data_provider prd = {.source.ptr = call, .read_callback = cb_read};
    int32_t id = nghttp2_submit_request(c->s, NULL, nva, sizeof nva / sizeof nva[0], &prd, call);
    if (id < 0) {
        free(call);
        return rr_error_set(err, RR_ERR_UNAVAILABLE, "%s: cannot open a stream: %s", path,
                            nghttp2_strerror(id));
    }
    call->stream_id = id;
    call->next = c->calls;
    if (c->calls) c->calls->prev = call;
    c->calls = call;
    *out = call;
    return RR_OK;
}

static void resume(rr_grpc_ccall_t *call) {
    if (call->deferred && call->stream_id > 0) {
        call->deferred = false;
        nghttp2_session_resume_data(call->c->s, call->stream_id);
    }
}

rr_status_t rr_grpc_ccall_send(rr_grpc_ccall_t *call, rr_grpc_bytes_t *msg, rr_error_t *err) {
    if (!call || !msg) return rr_error_set(err, RR_ERR_INVALID_ARG, "gRPC send: NULL argument");
    if (call->done) {
        rr_grpc_ccall_result(call, NULL, err);
        return rr_error_prefix(err, "sending on an ended call: ");
    }
    if (call->close_send)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "%s: send after close_send", call->path);
    if (msg->len > 0xffffffffu)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "%s: message of %zu bytes is over 4 GiB",
                            call->path, msg->len);
    if (call->q_head > 0 && call->q_head + call->q_len == call->q_cap) {
        memmove(call->q, call->q + call->q_head, call->q_len * sizeof *call->q);
        call->q_head = 0;
    }
    if (call->q_head + call->q_len == call->q_cap) {
        size_t cap = call->q_cap ? call->q_cap * 2 : 32;
        send_item_t *n = realloc(call->q, cap * sizeof *n);
        if (!n) return rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory queueing", call->path);
        call->q = n;
        call->q_cap = cap;
    }
    send_item_t *it = &call->q[call->q_head + call->q_len++];
    it->msg = rr_grpc_bytes_ref(msg);
    it->off = 0;
    rr_grpc_frame_header(it->prefix, msg->len, false);
    call->pending += RR_GRPC_FRAME_HEADER + msg->len;
    resume(call);
    return RR_OK;
}

rr_status_t rr_grpc_ccall_close_send(rr_grpc_ccall_t *call, rr_error_t *err) {
    if (!call) return rr_error_set(err, RR_ERR_INVALID_ARG, "gRPC close_send: NULL call");
    call->close_send = true;
    resume(call);
    return RR_OK;
}

size_t rr_grpc_ccall_pending_bytes(const rr_grpc_ccall_t *call) { return call->pending; }
uint64_t rr_grpc_ccall_written(const rr_grpc_ccall_t *call) { return call->written; }
bool rr_grpc_ccall_done(const rr_grpc_ccall_t *call) { return call->done; }

static rr_status_t status_of(rr_grpc_code_t code) {
    switch (code) {
    case RR_GRPC_OK: return RR_OK;
    case RR_GRPC_INVALID_ARGUMENT:
    case RR_GRPC_OUT_OF_RANGE: return RR_ERR_INVALID_ARG;
    case RR_GRPC_NOT_FOUND: return RR_ERR_NOT_FOUND;
    case RR_GRPC_RESOURCE_EXHAUSTED: return RR_ERR_NOMEM;
    case RR_GRPC_UNIMPLEMENTED: return RR_ERR_UNSUPPORTED;
    case RR_GRPC_UNAVAILABLE: return RR_ERR_UNAVAILABLE;
    case RR_GRPC_DATA_LOSS: return RR_ERR_INVALID_DATA;
    case RR_GRPC_INTERNAL: return RR_ERR_INTERNAL;
    default: return RR_ERR_IO;
    }
}

rr_status_t rr_grpc_ccall_result(const rr_grpc_ccall_t *call, rr_grpc_code_t *code,
                                 rr_error_t *err) {
    rr_grpc_code_t cd = RR_GRPC_UNKNOWN;
    rr_status_t st;
    if (!call->done) {
        st = rr_error_set(err, RR_ERR_INTERNAL, "%s: the call has not ended yet", call->path);
    } else if (call->local_st != RR_OK) {
        if (err) *err = call->local_err;
        st = call->local_st;
        cd = st == RR_ERR_UNAVAILABLE ? RR_GRPC_UNAVAILABLE : RR_GRPC_CANCELLED;
    } else if (call->has_grpc_status) {
        cd = (rr_grpc_code_t)call->grpc_status;
        st = status_of(cd);
        if (st != RR_OK)
            rr_error_set(err, st, "%s: gRPC status %s (%d)%s%s", call->path, rr_grpc_code_name(cd),
                         call->grpc_status, call->grpc_message[0] ? ": " : "",
                         call->grpc_message);
    } else if (call->http_status && call->http_status != 200) {
        st = rr_error_set(err, RR_ERR_IO, "%s: HTTP status %d without a gRPC status", call->path,
                          call->http_status);
    } else if (call->reset_code) {
        cd = call->reset_code == NGHTTP2_REFUSED_STREAM ? RR_GRPC_UNAVAILABLE : RR_GRPC_INTERNAL;
        st = rr_error_set(err, status_of(cd), "%s: the server reset the stream (HTTP/2 %s)",
                          call->path, nghttp2_http2_strerror(call->reset_code));
    } else {
        st = rr_error_set(err, RR_ERR_IO, "%s: the call ended without a grpc-status trailer",
                          call->path);
    }
    if (code) *code = st == RR_OK ? RR_GRPC_OK : cd;
    return st;
}

rr_status_t rr_grpc_ccall_wait(rr_grpc_ccall_t *call, int timeout_ms, rr_grpc_code_t *code,
                               rr_error_t *err) {
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
    while (!call->done) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            if (call->stream_id > 0) {
                nghttp2_submit_rst_stream(call->c->s, NGHTTP2_FLAG_NONE, call->stream_id,
                                          NGHTTP2_CANCEL);
                rr_error_t e;
                drive_send(call->c, &e);
            }
            if (code) *code = RR_GRPC_DEADLINE_EXCEEDED;
            return rr_error_set(err, RR_ERR_UNAVAILABLE,
                                "%s: gRPC status DEADLINE_EXCEEDED: no end of the call within %d ms",
                                call->path, timeout_ms);
        }
        rr_error_t e;
        if (rr_grpc_client_pump(call->c, left > 200 ? 200 : (int)left, -1, &e) != RR_OK) break;
    }
    return rr_grpc_ccall_result(call, code, err);
}

void rr_grpc_ccall_free(rr_grpc_ccall_t *call) {
    if (!call) return;
    rr_grpc_client_t *c = call->c;
    if (call->stream_id > 0) {
        if (c->alive && !call->done)
            nghttp2_submit_rst_stream(c->s, NGHTTP2_FLAG_NONE, call->stream_id, NGHTTP2_CANCEL);
        /* The session may still hold the stream's data provider; with no
         * user data it ends the stream instead of reading the freed call. */
        nghttp2_session_set_stream_user_data(c->s, call->stream_id, NULL);
    }
    for (size_t i = c->seg_head; i < c->seg_n; i++)
        if (c->segs[i].call == call) c->segs[i].call = NULL;
    for (size_t i = 0; i < call->q_len; i++) rr_grpc_bytes_unref(call->q[call->q_head + i].msg);
    free(call->q);
    rr_grpc_deframer_free(&call->deframer);
    if (call->prev) call->prev->next = call->next;
    else c->calls = call->next;
    if (call->next) call->next->prev = call->prev;
    free(call);
}

/* ---- one-shot helpers ---- */

typedef struct unary_ctx {
    rr_grpc_bytes_t *resp;
    int count;
} unary_ctx_t;

static rr_status_t unary_msg(void *ud, const uint8_t *data, size_t len, rr_error_t *err) {
    unary_ctx_t *u = ud;
    if (++u->count > 1)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "a unary call got a second response message");
    u->resp = rr_grpc_bytes_new(data, len);
    if (!u->resp) return rr_error_set(err, RR_ERR_NOMEM, "out of memory for a response");
    return RR_OK;
}

static rr_status_t one_request(rr_grpc_client_t *c, const char *path, const void *req,
                               size_t req_len, rr_grpc_ccall_msg_fn on_msg, void *ud,
                               int timeout_ms, rr_error_t *err) {
    rr_grpc_ccall_t *call;
    RR_TRY(rr_grpc_ccall_start(c, path, on_msg, ud, &call, err));
    rr_grpc_bytes_t *b = rr_grpc_bytes_new(req, req_len);
    rr_status_t st = b ? rr_grpc_ccall_send(call, b, err)
                       : rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory", path);
    rr_grpc_bytes_unref(b);
    if (st == RR_OK) st = rr_grpc_ccall_close_send(call, err);
    if (st == RR_OK) st = rr_grpc_ccall_wait(call, timeout_ms, NULL, err);
    rr_grpc_ccall_free(call);
    return st;
}

rr_status_t rr_grpc_client_unary(rr_grpc_client_t *c, const char *path, const void *req,
                                 size_t req_len, int timeout_ms, rr_grpc_bytes_t **resp,
                                 rr_error_t *err) {
    if (!resp) return rr_error_set(err, RR_ERR_INVALID_ARG, "gRPC unary: resp is NULL");
    *resp = NULL;
    unary_ctx_t u = {0};
    rr_status_t st = one_request(c, path, req, req_len, unary_msg, &u, timeout_ms, err);
    if (st == RR_OK && !u.resp)
        st = rr_error_set(err, RR_ERR_INVALID_DATA, "%s: the server sent no response message", path);
    if (st != RR_OK) {
        rr_grpc_bytes_unref(u.resp);
        return st;
    }
    *resp = u.resp;
    return RR_OK;
}

rr_status_t rr_grpc_client_server_stream(rr_grpc_client_t *c, const char *path, const void *req,
                                         size_t req_len, rr_grpc_ccall_msg_fn on_msg, void *ud,
                                         int timeout_ms, rr_error_t *err) {
    return one_request(c, path, req, req_len, on_msg, ud, timeout_ms, err);
}
