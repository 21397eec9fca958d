/* The viewer's data sources (app.h), each on its own thread, all ending in
 * the app's queue as decoded chunks:
 * - an .rrd stream from a file descriptor (files, standard input);
 * - an .rrd over HTTP/1.1 GET (Content-Length, chunked or close-delimited);
 * - a live message proxy (rerun+http://HOST:PORT/proxy, ReadMessages);
 * - the built-in endpoint: our own gRPC server with a message proxy, read
 *   in-process through a proxy reader whose sink decodes on the server's
 *   loop thread.
 * Threads poll with short timeouts so that freeing the app stops them
 * promptly; errors go to the banner with the source's name. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/client.h"
#include "net/grpc.h"
#include "net/url.h"
#include "rrd/decoder.h"
#include "server/proxy.h"
#include "viewer/app_internal.h"

typedef enum source_kind { SRC_FD = 1, SRC_HTTP, SRC_LIVE } source_kind_t;

struct rr_app_source {
    rr_app_t *app;
    source_kind_t kind;
    char name[512];
    int fd;
    bool take_fd;
    char host[RR_URL_HOST_MAX];
    uint16_t port;
    char path[1024];
    rr_url_t url;
    pthread_t thread;
    bool started;
    /* under app->mu */
    bool done;
    uint64_t bytes_read, bytes_total;
    rr_store_chunk_decoder_t *dec; /* the source thread's */
};

#define POLL_MS 100

static bool stopping(const rr_app_t *app) { return atomic_load(&((rr_app_t *)app)->stopping); }

static void set_progress(rr_app_source_t *s, uint64_t read, uint64_t total) {
    pthread_mutex_lock(&s->app->mu);
    s->bytes_read = read;
    if (total) s->bytes_total = total;
    pthread_mutex_unlock(&s->app->mu);
}

static void mark_done(rr_app_source_t *s) {
    pthread_mutex_lock(&s->app->mu);
    s->done = true;
    pthread_cond_broadcast(&s->app->cv);
    pthread_mutex_unlock(&s->app->mu);
}

/* Hands every whole message the decoder holds to the queue. False once the
 * decoder failed for good (the error is reported) or the app stops. */
static bool drain_decoder(rr_app_source_t *s, rr_rrd_decoder_t *d) {
    for (;;) {
        rr_rrd_message_t m;
        bool have = false;
        rr_error_t err = {0};
        rr_status_t st = rr_rrd_decoder_next_ref(d, &m, &have, &err);
        if (st != RR_OK) {
            rr_app_report_error(s->app, s->name, err.msg);
            if (rr_rrd_decoder_failed(d)) return false;
            continue; /* a bad body: the decoder moved on to the next frame */
        }
        if (!have) return !stopping(s->app);
        uint64_t offset = m.offset;
        rr_app_item_t *it = rr_app_item_from_msg(&m.msg, s->dec, &err);
        if (!it) {
            rr_error_prefix(&err, "message at byte %llu: ", (unsigned long long)offset);
            rr_app_report_error(s->app, s->name, err.msg);
            continue;
        }
        if (!rr_app_push(s->app, it, true)) return false;
    }
}

static void finish_decoder(rr_app_source_t *s, rr_rrd_decoder_t *d) {
    rr_error_t err = {0};
    if (!rr_rrd_decoder_failed(d) && !stopping(s->app) && rr_rrd_decoder_finish(d, &err) != RR_OK)
        rr_app_report_error(s->app, s->name, err.msg);
}

/* ---------------- file descriptors ---------------- */

static void *fd_thread(void *arg) {
    rr_app_source_t *s = arg;
    rr_rrd_decoder_t *d = NULL;
    rr_error_t err = {0};
    struct stat sb;
    uint64_t total = fstat(s->fd, &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
    if (rr_rrd_decoder_new(NULL, &d, &err) != RR_OK) {
        rr_app_report_error(s->app, s->name, err.msg);
    } else {
        bool ok = true;
        while (ok && drain_decoder(s, d)) {
            struct pollfd p = {.fd = s->fd, .events = POLLIN};
            int r = poll(&p, 1, POLL_MS);
            if (r == 0) continue;
            if (r < 0 && errno == EINTR) continue;
            size_t got = 0;
            if (rr_rrd_decoder_read_fd(d, s->fd, &got, &err) != RR_OK) {
                rr_app_report_error(s->app, s->name, err.msg);
                ok = false;
            }
            set_progress(s, rr_rrd_decoder_offset(d), total);
            if (got == 0) {
                if (ok && drain_decoder(s, d)) finish_decoder(s, d);
                break;
            }
        }
    }
    rr_rrd_decoder_free(d);
    if (s->take_fd) close(s->fd);
    s->fd = -1;
    mark_done(s);
    return NULL;
}

/* ---------------- registry ---------------- */

/* Registers s and starts its thread. On failure s is freed (no room in the
 * registry) or stays registered, marked done (no thread). */
static rr_status_t add_source(rr_app_t *app, rr_app_source_t *s, void *(*fn)(void *), rr_error_t *err) {
    s->app = app;
    /* Without one, messages still decode (the general way). */
    if (rr_store_chunk_decoder_new(&s->dec, NULL) != RR_OK) s->dec = NULL;
    pthread_mutex_lock(&app->mu);
    if (app->n_sources == app->cap_sources) {
        size_t cap = app->cap_sources ? app->cap_sources * 2 : 8;
        rr_app_source_t **n = realloc(app->sources, cap * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&app->mu);
            rr_store_chunk_decoder_free(s->dec);
            free(s);
            return rr_error_set(err, RR_ERR_NOMEM, "viewer: out of memory for a source");
        }
        app->sources = n;
        app->cap_sources = cap;
    }
    app->sources[app->n_sources++] = s;
    pthread_mutex_unlock(&app->mu);
    if (pthread_create(&s->thread, NULL, fn, s) != 0) {
        mark_done(s);
        return rr_error_set(err, RR_ERR_INTERNAL, "viewer: cannot start a thread for %s", s->name);
    }
    s->started = true;
    return RR_OK;
}

rr_status_t rr_app_open_fd(rr_app_t *app, int fd, bool take_fd, const char *name, rr_error_t *err) {
    rr_app_source_t *s = calloc(1, sizeof *s);
    if (!s) {
        if (take_fd) close(fd);
        return rr_error_set(err, RR_ERR_NOMEM, "viewer: out of memory for a source");
    }
    s->kind = SRC_FD;
    s->fd = fd;
    s->take_fd = take_fd;
    snprintf(s->name, sizeof s->name, "%s", name ? name : "<fd>");
    /* On failure s is freed or never runs: the fd is closed here. */
    rr_status_t st = add_source(app, s, fd_thread, err);
    if (st != RR_OK && take_fd) close(fd);
    return st;
}

rr_status_t rr_app_open_file(rr_app_t *app, const char *path, rr_error_t *err) {
    if (!strcmp(path, "-")) return rr_app_open_fd(app, 0, false, "<stdin>", err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return rr_error_set(err, RR_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        close(fd);
        return rr_error_set(err, RR_ERR_INVALID_ARG, "%s is a directory, not an .rrd file", path);
    }
    return rr_app_open_fd(app, fd, true, path, err);
}

/* ---------------- HTTP ---------------- */

static int tcp_connect(rr_app_t *app, const char *host, uint16_t port, rr_error_t *err) {
    char ports[8];
    snprintf(ports, sizeof ports, "%u", (unsigned)port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(host, ports, &hints, &res);
    if (gai != 0) {
        rr_error_set(err, RR_ERR_UNAVAILABLE, "cannot resolve %s: %s", host, gai_strerror(gai));
        return -1;
    }
    int fd = -1, last = 0;
    for (struct addrinfo *a = res; a && fd < 0 && !stopping(app); a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            last = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) rr_error_set(err, RR_ERR_UNAVAILABLE, "cannot connect to %s:%u: %s", host, port, strerror(last));
    return fd;
}

/* Reads what is there (waiting in short polls so a stop is noticed). 0 at
 * end of stream, -1 on error or stop. */
static ssize_t read_some(rr_app_source_t *s, int fd, void *buf, size_t n) {
    for (;;) {
        if (stopping(s->app)) return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, POLL_MS);
        if (r == 0 || (r < 0 && errno == EINTR)) continue;
        ssize_t got = recv(fd, buf, n, 0);
        if (got < 0 && errno == EINTR) continue;
        return got;
    }
}

typedef struct http_body {
    bool chunked;
    bool has_length;
    uint64_t length;
    /* chunked state */
    uint64_t chunk_left;
    int cstate; /* 0 size line, 1 data, 2 CRLF after data, 3 trailers, 4 done */
    char line[64];
    size_t line_len;
} http_body_t;

/* Feeds body bytes through the transfer decoding into the .rrd decoder. */
static rr_status_t http_feed(http_body_t *b, rr_rrd_decoder_t *d, const uint8_t *p, size_t n, rr_error_t *err) {
    if (!b->chunked) return rr_rrd_decoder_push(d, p, n, err);
    while (n > 0 && b->cstate != 4) {
        if (b->cstate == 1) {
            size_t take = n < b->chunk_left ? n : (size_t)b->chunk_left;
            RR_TRY(rr_rrd_decoder_push(d, p, take, err));
            p += take, n -= take, b->chunk_left -= take;
            if (b->chunk_left == 0) b->cstate = 2;
            continue;
        }
        char c = (char)*p++;
        n--;
        if (c != '\n') {
            if (b->line_len + 1 >= sizeof b->line)
                return rr_error_set(err, RR_ERR_INVALID_DATA, "HTTP: chunk size line too long");
            if (c != '\r') b->line[b->line_len++] = c;
            continue;
        }
        b->line[b->line_len] = 0;
        if (b->cstate == 0) {
            char *end = NULL;
            errno = 0;
            unsigned long long v = strtoull(b->line, &end, 16);
            if (end == b->line || errno) return rr_error_set(err, RR_ERR_INVALID_DATA, "HTTP: bad chunk size '%s'", b->line);
            b->chunk_left = v;
            b->cstate = v ? 1 : 3;
        } else if (b->cstate == 2) {
            if (b->line_len) return rr_error_set(err, RR_ERR_INVALID_DATA, "HTTP: no CRLF after a chunk");
            b->cstate = 0;
        } else if (b->cstate == 3 && b->line_len == 0) {
            b->cstate = 4;
        }
        b->line_len = 0;
    }
    return RR_OK;
}

static bool header_is(const char *line, const char *name, const char **value) {
    size_t n = strlen(name);
    if (strncasecmp(line, name, n) != 0 || line[n] != ':') return false;
    const char *v = line + n + 1;
    while (*v == ' ' || *v == '\t') v++;
    *value = v;
    return true;
}

static void *http_thread(void *arg) {
    rr_app_source_t *s = arg;
    rr_error_t err = {0};
    rr_rrd_decoder_t *d = NULL;
    uint8_t *buf = malloc(65536);
    char *head = malloc(16384);
    int fd = -1;
    rr_status_t st = buf && head ? RR_OK : rr_error_set(&err, RR_ERR_NOMEM, "out of memory");
    if (st == RR_OK) st = rr_rrd_decoder_new(NULL, &d, &err);
    if (st == RR_OK) {
        fd = tcp_connect(s->app, s->host, s->port, &err);
        if (fd < 0) st = err.code ? err.code : RR_ERR_UNAVAILABLE;
    }
    if (st == RR_OK) {
        char req[2048];
        int n = snprintf(req, sizeof req,
                         "GET %s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: rerun-c\r\nAccept: */*\r\n"
                         "Connection: close\r\n\r\n",
                         s->path, s->host, (unsigned)s->port);
        for (int off = 0; st == RR_OK && off < n;) {
            ssize_t w = send(fd, req + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) st = rr_error_set(&err, RR_ERR_IO, "sending the request failed: %s", strerror(errno));
            else off += (int)w;
        }
    }
    /* Headers: read until the blank line; what follows is body. */
    size_t hlen = 0, body_start = 0;
    http_body_t body = {0};
    while (st == RR_OK && !body_start) {
        if (hlen + 1 >= 16384) {
            st = rr_error_set(&err, RR_ERR_INVALID_DATA, "HTTP: response headers too long");
            break;
        }
        ssize_t got = read_some(s, fd, head + hlen, 16384 - 1 - hlen);
        if (got <= 0) {
            st = stopping(s->app) ? RR_ERR_UNAVAILABLE
                                  : rr_error_set(&err, RR_ERR_TRUNCATED, "connection closed before the response headers");
            break;
        }
        hlen += (size_t)got;
        head[hlen] = 0;
        char *e = strstr(head, "\r\n\r\n");
        if (e) body_start = (size_t)(e - head) + 4;
    }
    if (st == RR_OK) {
        int code = 0;
        if (sscanf(head, "HTTP/%*d.%*d %d", &code) != 1) {
            st = rr_error_set(&err, RR_ERR_INVALID_DATA, "not an HTTP response");
        } else if (code != 200) {
            char *eol = strstr(head, "\r\n");
            if (eol) *eol = 0;
            st = rr_error_set(&err, RR_ERR_NOT_FOUND, "HTTP GET %s: %s", s->path, head);
        } else {
            head[body_start - 2] = 0;
            for (char *line = strstr(head, "\r\n"); line; line = strstr(line, "\r\n")) {
                *line = 0;
                line += 2;
                const char *v;
                if (header_is(line, "Content-Length", &v)) {
                    body.has_length = true;
                    body.length = strtoull(v, NULL, 10);
                } else if (header_is(line, "Transfer-Encoding", &v) && strstr(v, "chunked")) {
                    body.chunked = true;
                }
            }
            if (body.chunked) body.has_length = false;
        }
    }
    uint64_t got_body = 0;
    if (st == RR_OK && hlen > body_start) {
        got_body = hlen - body_start;
        st = http_feed(&body, d, (const uint8_t *)head + body_start, hlen - body_start, &err);
    }
    bool ok = st == RR_OK;
    while (ok && drain_decoder(s, d)) {
        set_progress(s, got_body, body.has_length ? body.length : 0);
        if ((body.has_length && got_body >= body.length) || body.cstate == 4) break;
        ssize_t got = read_some(s, fd, buf, 65536);
        if (got < 0) {
            if (!stopping(s->app)) rr_app_report_error(s->app, s->name, strerror(errno));
            ok = false;
            break;
        }
        if (got == 0) {
            if ((body.has_length && got_body < body.length) || (body.chunked && body.cstate != 4))
                rr_app_report_error(s->app, s->name, "the connection closed before the whole body arrived");
            break;
        }
        got_body += (uint64_t)got;
        if (http_feed(&body, d, buf, (size_t)got, &err) != RR_OK) {
            rr_app_report_error(s->app, s->name, err.msg);
            ok = false;
        }
    }
    if (ok && drain_decoder(s, d)) finish_decoder(s, d);
    if (st != RR_OK && !stopping(s->app)) rr_app_report_error(s->app, s->name, err.msg);
    if (fd >= 0) close(fd);
    rr_rrd_decoder_free(d);
    free(buf);
    free(head);
    mark_done(s);
    return NULL;
}

/* http://HOST[:PORT][/PATH] */
static rr_status_t parse_http_url(const char *url, rr_app_source_t *s, rr_error_t *err) {
    const char *p = url + strlen("http://");
    const char *slash = strchr(p, '/');
    size_t hl = slash ? (size_t)(slash - p) : strlen(p);
    char hostport[RR_URL_HOST_MAX + 8];
    if (hl == 0 || hl >= sizeof hostport) return rr_error_set(err, RR_ERR_INVALID_ARG, "bad URL '%s': no host", url);
    memcpy(hostport, p, hl);
    hostport[hl] = 0;
    s->port = 80;
    char *colon = hostport[0] == '[' ? strstr(hostport, "]:") : strrchr(hostport, ':');
    if (colon) {
        if (*colon == ']') colon++;
        char *end = NULL;
        long port = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || *end || port < 1 || port > 65535)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "bad URL '%s': bad port", url);
        s->port = (uint16_t)port;
        *colon = 0;
    }
    char *h = hostport;
    if (*h == '[') {
        h++;
        char *rb = strchr(h, ']');
        if (rb) *rb = 0;
    }
    if (strlen(h) >= sizeof s->host) return rr_error_set(err, RR_ERR_INVALID_ARG, "bad URL '%s': host too long", url);
    memcpy(s->host, h, strlen(h) + 1);
    snprintf(s->path, sizeof s->path, "%s", slash ? slash : "/");
    return RR_OK;
}

/* ---------------- live proxies ---------------- */

#define READ_MESSAGES_PATH "/rerun.sdk_comms.v1alpha1.MessageProxyService/ReadMessages"

static bool get_varint(const uint8_t *d, size_t n, size_t *pos, uint64_t *v) {
    *v = 0;
    for (int shift = 0; *pos < n && shift < 64; shift += 7) {
        uint8_t b = d[(*pos)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return true;
    }
    return false;
}

/* A ReadMessagesResponse (LogMsg in field 1; also what a
 * WriteMessagesRequest is) into an item on the queue. */
static rr_status_t push_read_response(rr_app_t *app, const char *name,
                                      rr_store_chunk_decoder_t *dec, const uint8_t *d, size_t n,
                                      bool may_wait) {
    size_t pos = 0;
    uint64_t tag = 0, len = 0;
    rr_error_t err = {0};
    /* Unknown fields before the LogMsg are skipped, as protobuf readers do. */
    while (pos < n) {
        if (!get_varint(d, n, &pos, &tag)) break;
        if (tag == 0x0a) {
            if (!get_varint(d, n, &pos, &len) || len > n - pos) break;
            rr_log_msg_t msg;
            if (rr_log_msg_decode_wrapped(d + pos, (size_t)len, &msg, &err) != RR_OK) {
                rr_app_report_error(app, name, err.msg);
                return RR_OK;
            }
            rr_app_item_t *it = rr_app_item_from_msg(&msg, dec, &err);
            if (!it) {
                rr_app_report_error(app, name, err.msg);
                return RR_OK;
            }
            rr_app_push(app, it, may_wait);
            return RR_OK;
        }
        uint64_t skip = 0;
        switch (tag & 7) {
        case 0: if (!get_varint(d, n, &pos, &skip)) pos = n + 1; break;
        case 1: pos += 8; break;
        case 5: pos += 4; break;
        case 2: if (!get_varint(d, n, &pos, &skip) || skip > n - pos) pos = n + 1; else pos += skip; break;
        default: pos = n + 1;
        }
        if (pos > n) break;
    }
    rr_app_report_error(app, name, "a ReadMessagesResponse without a LogMsg (malformed)");
    return RR_OK;
}

static rr_status_t on_live_msg(void *ud, const uint8_t *data, size_t len, rr_error_t *err) {
    (void)err;
    rr_app_source_t *s = ud;
    return push_read_response(s->app, s->name, s->dec, data, len, true);
}

static void *live_thread(void *arg) {
    rr_app_source_t *s = arg;
    rr_error_t err = {0};
    rr_grpc_client_t *c = NULL;
    rr_grpc_ccall_t *call = NULL;
    rr_status_t st = rr_grpc_client_connect_url(&s->url, NULL, &c, &err);
    if (st == RR_OK) st = rr_grpc_ccall_start(c, READ_MESSAGES_PATH, on_live_msg, s, &call, &err);
    rr_grpc_bytes_t *req = st == RR_OK ? rr_grpc_bytes_alloc(0) : NULL;
    if (st == RR_OK && !req) st = rr_error_set(&err, RR_ERR_NOMEM, "out of memory");
    if (st == RR_OK) st = rr_grpc_ccall_send(call, req, &err);
    rr_grpc_bytes_unref(req);
    if (st == RR_OK) st = rr_grpc_ccall_close_send(call, &err);
    while (st == RR_OK && !stopping(s->app) && !rr_grpc_ccall_done(call))
        st = rr_grpc_client_pump(c, POLL_MS, -1, &err);
    if (st == RR_OK && call && rr_grpc_ccall_done(call)) {
        st = rr_grpc_ccall_result(call, NULL, &err);
        if (st == RR_OK) rr_app_report_error(s->app, s->name, "the proxy ended the stream");
    }
    if (st != RR_OK && !stopping(s->app)) rr_app_report_error(s->app, s->name, err.msg);
    rr_grpc_ccall_free(call);
    rr_grpc_client_free(c);
    mark_done(s);
    return NULL;
}

rr_status_t rr_app_open_url(rr_app_t *app, const char *url, rr_error_t *err) {
    if (!strncmp(url, "https://", 8) || !strncmp(url, "rerun+https://", 14) || !strncmp(url, "rerun://", 8))
        return rr_error_set(err, RR_ERR_UNSUPPORTED, "%s: TLS not supported by this build (use http:// or rerun+http://)", url);
    rr_app_source_t *s = calloc(1, sizeof *s);
    if (!s) return rr_error_set(err, RR_ERR_NOMEM, "viewer: out of memory for a source");
    s->fd = -1;
    snprintf(s->name, sizeof s->name, "%s", url);
    rr_status_t st;
    if (!strncmp(url, "http://", 7)) {
        s->kind = SRC_HTTP;
        st = parse_http_url(url, s, err);
        if (st == RR_OK) return add_source(app, s, http_thread, err);
    } else if (!strncmp(url, "rerun+http://", 13) || !strncmp(url, "rerun http://", 13)) {
        s->kind = SRC_LIVE;
        st = rr_url_parse_proxy(url, &s->url, err);
        if (st == RR_OK) return add_source(app, s, live_thread, err);
    } else {
        free(s);
        return rr_app_open_file(app, url, err);
    }
    free(s);
    return st;
}

/* ---------------- the built-in endpoint ---------------- */

static void on_screenshot(void *ud, rr_proxy_screenshot_t *req, const char *view_id, const char *file_path);

typedef struct endpoint {
    rr_app_t *app;
    rr_proxy_t *proxy;
    rr_grpc_server_t *srv;
    rr_proxy_reader_t *reader;
    pthread_t thread;
    uint16_t port;
    char name[64];
    rr_store_chunk_decoder_t *dec; /* the server loop thread's */
} endpoint_t;

/* Runs on the server's loop thread: decode there and queue without
 * waiting (the loop must not block; the proxy bounds what SDKs send). */
static rr_status_t endpoint_send(void *ctx, rr_grpc_bytes_t *msg) {
    endpoint_t *e = ctx;
    push_read_response(e->app, e->name, e->dec, msg->data, msg->len, false);
    return RR_OK;
}

static void endpoint_finish(void *ctx, rr_grpc_code_t code, const char *message) {
    endpoint_t *e = ctx;
    char text[512];
    snprintf(text, sizeof text, "the endpoint's reader ended: %s %s", rr_grpc_code_name(code), message ? message : "");
    rr_app_report_error(e->app, e->name, text);
}

static void *endpoint_thread(void *arg) {
    endpoint_t *e = arg;
    rr_error_t err = {0};
    if (rr_grpc_server_run(e->srv, &err) != RR_OK) rr_app_report_error(e->app, e->name, err.msg);
    return NULL;
}

static void close_reader(void *ud) {
    endpoint_t *e = ud;
    rr_proxy_reader_close(e->reader);
    e->reader = NULL;
}

/* Whether something answering gRPC (a Rerun viewer or proxy) holds the port. */
static bool proxy_answers(const char *host, uint16_t port) {
    rr_grpc_client_config_t cfg = {.connect_timeout_ms = 1000};
    rr_grpc_client_t *c = NULL;
    if (rr_grpc_client_connect(host, port, &cfg, &c, NULL) != RR_OK) return false;
    uint64_t id = 0;
    bool ok = rr_grpc_client_ping(c, &id, NULL) == RR_OK;
    for (int i = 0; ok && i < 20 && rr_grpc_client_ping_acked(c) < id; i++)
        ok = rr_grpc_client_pump(c, 50, -1, NULL) == RR_OK;
    ok = ok && rr_grpc_client_ping_acked(c) >= id;
    rr_grpc_client_free(c);
    return ok;
}

rr_status_t rr_app_listen(rr_app_t *app, const char *bind, uint16_t port, rr_error_t *err) {
    if (app->endpoint) return rr_error_set(err, RR_ERR_INVALID_ARG, "the viewer already listens");
    endpoint_t *e = calloc(1, sizeof *e);
    if (!e) return rr_error_set(err, RR_ERR_NOMEM, "viewer: out of memory for the endpoint");
    e->app = app;
    if (rr_store_chunk_decoder_new(&e->dec, NULL) != RR_OK) e->dec = NULL;
    rr_proxy_config_t pcfg = {.memory_limit = RR_PROXY_DEFAULT_MEMORY_LIMIT};
    rr_grpc_server_config_t scfg = {.bind = bind ? bind : "127.0.0.1", .port = port};
    rr_status_t st = rr_proxy_new(&pcfg, &e->proxy, err);
    if (st == RR_OK) {
        st = rr_grpc_server_new(&scfg, &e->srv, err);
        if (st != RR_OK && port != 0) {
            const char *host = !bind || !strcmp(bind, "0.0.0.0") || !strcmp(bind, "::") ? "127.0.0.1" : bind;
            if (proxy_answers(host, port))
                st = rr_error_set(err, RR_ERR_UNAVAILABLE,
                                  "port %u is taken by another Rerun viewer or proxy: send to it "
                                  "(rerun+http://%s:%u/proxy) or pick another --port",
                                  (unsigned)port, host, (unsigned)port);
            else
                rr_error_prefix(err, "cannot listen on %s:%u (taken by another program?): ", scfg.bind,
                                (unsigned)port);
        }
    }
    if (st == RR_OK) st = rr_proxy_register(e->proxy, e->srv, err);
    if (st == RR_OK) {
        e->port = rr_grpc_server_port(e->srv);
        snprintf(e->name, sizeof e->name, "gRPC endpoint :%u", (unsigned)e->port);
        rr_proxy_sink_t sink = {.send = endpoint_send, .finish = endpoint_finish};
        /* Before the loop runs, the proxy still belongs to this thread. */
        st = rr_proxy_reader_open(e->proxy, RR_PROXY_READ_MESSAGES, &sink, e, "viewer", &e->reader, err);
        if (st == RR_OK) rr_proxy_set_screenshot_handler(e->proxy, on_screenshot, app);
    }
    if (st == RR_OK && pthread_create(&e->thread, NULL, endpoint_thread, e) != 0)
        st = rr_error_set(err, RR_ERR_INTERNAL, "viewer: cannot start the endpoint's thread");
    if (st != RR_OK) {
        rr_proxy_reader_close(e->reader);
        rr_grpc_server_free(e->srv);
        rr_proxy_free(e->proxy);
        rr_store_chunk_decoder_free(e->dec);
        free(e);
        return st;
    }
    app->endpoint = e;
    return RR_OK;
}

/* ---------------- SaveScreenshot ---------------- */

/* On the server's loop thread: queue the request for the UI thread, or
 * refuse it when no host draws frames. */
static void on_screenshot(void *ud, rr_proxy_screenshot_t *req, const char *view_id, const char *file_path) {
    rr_app_t *app = ud;
    rr_app_shot_t *sh = calloc(1, sizeof *sh);
    if (!sh) {
        rr_proxy_screenshot_done(req, RR_GRPC_INTERNAL, "viewer: out of memory for the request");
        return;
    }
    sh->shot.req = req;
    sh->shot.has_view = view_id != NULL;
    snprintf(sh->shot.view_id, sizeof sh->shot.view_id, "%s", view_id ? view_id : "");
    snprintf(sh->shot.path, sizeof sh->shot.path, "%s", file_path ? file_path : "");
    pthread_mutex_lock(&app->mu);
    bool accepted = app->shots_accepted && !atomic_load(&app->stopping);
    if (accepted) {
        if (app->shots_tail) app->shots_tail->next = sh;
        else app->shots_head = sh;
        app->shots_tail = sh;
    }
    pthread_mutex_unlock(&app->mu);
    if (!accepted) {
        rr_proxy_screenshot_done(req, RR_GRPC_INTERNAL, "Screenshot completion signal was dropped before the screenshot was taken");
        free(sh);
    }
}

/* Refuses what waits (the host stopped, or the app is closing): every
 * request is answered exactly once, while the server is alive. */
static void refuse_screenshots(rr_app_t *app, const char *why) {
    pthread_mutex_lock(&app->mu);
    rr_app_shot_t *sh = app->shots_head;
    app->shots_head = app->shots_tail = NULL;
    pthread_mutex_unlock(&app->mu);
    while (sh) {
        rr_app_shot_t *next = sh->next;
        rr_proxy_screenshot_done(sh->shot.req, RR_GRPC_INTERNAL, why);
        free(sh);
        sh = next;
    }
}

void rr_app_accept_screenshots(rr_app_t *app, bool accept) {
    pthread_mutex_lock(&app->mu);
    app->shots_accepted = accept;
    pthread_mutex_unlock(&app->mu);
    if (!accept) refuse_screenshots(app, "the viewer's window closed before the screenshot was taken");
}

bool rr_app_screenshot_pending(rr_app_t *app) {
    pthread_mutex_lock(&app->mu);
    bool any = app->shots_head != NULL;
    pthread_mutex_unlock(&app->mu);
    return any;
}

bool rr_app_take_screenshot(rr_app_t *app, rr_app_screenshot_t *out) {
    pthread_mutex_lock(&app->mu);
    rr_app_shot_t *sh = app->shots_head;
    if (sh) {
        app->shots_head = sh->next;
        if (!app->shots_head) app->shots_tail = NULL;
    }
    pthread_mutex_unlock(&app->mu);
    if (!sh) return false;
    *out = sh->shot;
    free(sh);
    return true;
}

void rr_app_screenshot_done(rr_app_t *app, rr_app_screenshot_t *shot, bool ok, bool bad_view, const char *message) {
    (void)app;
    if (!shot->req) return;
    rr_proxy_screenshot_done(shot->req, ok ? RR_GRPC_OK : bad_view ? RR_GRPC_INVALID_ARGUMENT : RR_GRPC_INTERNAL,
                             message ? message : "");
    shot->req = NULL;
}

uint16_t rr_app_listen_port(const rr_app_t *app) {
    return app->endpoint ? ((const endpoint_t *)app->endpoint)->port : 0;
}

/* ---------------- lifecycle ---------------- */

void rr_app_sources_stop(rr_app_t *app) {
    pthread_mutex_lock(&app->mu);
    atomic_store(&app->stopping, true);
    pthread_cond_broadcast(&app->cv);
    pthread_mutex_unlock(&app->mu);
    endpoint_t *e = app->endpoint;
    if (e) {
        /* Screenshot requests still waiting are answered while the server
         * lives; none come after (stopping is set). */
        refuse_screenshots(app, "the viewer is closing");
        /* The reader belongs to the loop thread: close it there, then stop. */
        rr_grpc_server_post(e->srv, close_reader, e);
        rr_grpc_server_stop(e->srv);
        pthread_join(e->thread, NULL);
        rr_grpc_server_free(e->srv); /* runs close_reader if the loop did not */
        rr_proxy_reader_close(e->reader);
        rr_proxy_free(e->proxy);
        rr_store_chunk_decoder_free(e->dec);
        free(e);
        app->endpoint = NULL;
    }
    for (size_t i = 0; i < app->n_sources; i++) {
        rr_app_source_t *s = app->sources[i];
        if (s->started) pthread_join(s->thread, NULL);
        rr_store_chunk_decoder_free(s->dec);
        free(s);
    }
    free(app->sources);
    app->sources = NULL;
    app->n_sources = app->cap_sources = 0;
}

bool rr_app_sources_busy(rr_app_t *app, bool *any_live) {
    bool busy = false;
    *any_live = app->endpoint != NULL;
    for (size_t i = 0; i < app->n_sources; i++) {
        if (app->sources[i]->kind == SRC_LIVE) {
            *any_live = true;
            continue;
        }
        if (!app->sources[i]->done) busy = true;
    }
    return busy;
}

double rr_app_sources_progress(rr_app_t *app) {
    uint64_t read = 0, total = 0;
    for (size_t i = 0; i < app->n_sources; i++) {
        rr_app_source_t *s = app->sources[i];
        if (!s->bytes_total) continue;
        total += s->bytes_total;
        read += s->done ? s->bytes_total : (s->bytes_read < s->bytes_total ? s->bytes_read : s->bytes_total);
    }
    return total ? (double)read / (double)total : 1.0;
}
