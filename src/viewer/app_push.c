/* Push sources for the app core (app_push.h): bytes and LogMsgs handed over
 * by the caller, decoded on its thread and queued without waiting.
 *
 * Built with RR_APP_PUSH_ONLY_SOURCES (the browser build, scripts/build-web)
 * this file also stands in for app_sources.c, whose sources need threads,
 * sockets and files the browser does not give: there every source arrives
 * from JavaScript as a push source, so the app's source list holds push
 * sources, and opening files, URLs or an endpoint from C is unsupported. */
#include "viewer/app_push.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrd/decoder.h"
#include "viewer/app_internal.h"

struct rr_app_push_source {
    rr_app_t *app; /* NULL once the app is gone (browser build) */
    char name[256];
    rr_rrd_decoder_t *dec; /* made on the first .rrd bytes */
    rr_store_chunk_decoder_t *chunks; /* made on the first message */
    rr_app_push_info_fn info_fn;
    void *info_ud;
    bool finished, live, failed;
    /* under app->mu: read by rr_app_progress */
    uint64_t bytes_in, bytes_total;
#ifdef RR_APP_PUSH_ONLY_SOURCES
    rr_app_source_t *entry; /* this source in app->sources */
#endif
};

#ifdef RR_APP_PUSH_ONLY_SOURCES
/* The app's source list holds these; each points at its push source. */
struct rr_app_source {
    rr_app_push_source_t *push;
};

static rr_status_t register_source(rr_app_t *app, rr_app_push_source_t *p, rr_error_t *err) {
    rr_app_source_t *e = calloc(1, sizeof *e);
    if (!e) return rr_error_set(err, RR_ERR_NOMEM, "viewer: out of memory for a source");
    e->push = p;
    pthread_mutex_lock(&app->mu);
    if (app->n_sources == app->cap_sources) {
        size_t cap = app->cap_sources ? app->cap_sources * 2 : 8;
        rr_app_source_t **n = realloc(app->sources, cap * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&app->mu);
            free(e);
            return rr_error_set(err, RR_ERR_NOMEM, "viewer: out of memory for a source");
        }
        app->sources = n;
        app->cap_sources = cap;
    }
    app->sources[app->n_sources++] = e;
    pthread_mutex_unlock(&app->mu);
    p->entry = e;
    return RR_OK;
}

static void unregister_source(rr_app_push_source_t *p) {
    rr_app_t *app = p->app;
    if (!app || !p->entry) return;
    pthread_mutex_lock(&app->mu);
    for (size_t i = 0; i < app->n_sources; i++) {
        if (app->sources[i] != p->entry) continue;
        memmove(&app->sources[i], &app->sources[i + 1], (app->n_sources - i - 1) * sizeof *app->sources);
        app->n_sources--;
        break;
    }
    pthread_mutex_unlock(&app->mu);
    free(p->entry);
    p->entry = NULL;
}

void rr_app_sources_stop(rr_app_t *app) {
    pthread_mutex_lock(&app->mu);
    atomic_store(&app->stopping, true);
    for (size_t i = 0; i < app->n_sources; i++) {
        /* the caller still owns the push source: it only loses its app */
        app->sources[i]->push->app = NULL;
        app->sources[i]->push->entry = NULL;
        free(app->sources[i]);
    }
    free(app->sources);
    app->sources = NULL;
    app->n_sources = app->cap_sources = 0;
    pthread_mutex_unlock(&app->mu);
}

bool rr_app_sources_busy(rr_app_t *app, bool *any_live) {
    bool busy = false;
    *any_live = false;
    for (size_t i = 0; i < app->n_sources; i++) {
        const rr_app_push_source_t *p = app->sources[i]->push;
        if (p->live)
            *any_live = true;
        else if (!p->finished)
            busy = true;
    }
    return busy;
}

double rr_app_sources_progress(rr_app_t *app) {
    uint64_t read = 0, total = 0;
    for (size_t i = 0; i < app->n_sources; i++) {
        const rr_app_push_source_t *p = app->sources[i]->push;
        if (!p->bytes_total) continue;
        total += p->bytes_total;
        read += p->finished || p->bytes_in > p->bytes_total ? p->bytes_total : p->bytes_in;
    }
    return total ? (double)read / (double)total : 1.0;
}

static rr_status_t browser_only(rr_error_t *err, const char *what) {
    return rr_error_set(err, RR_ERR_UNSUPPORTED,
                        "%s: not in the browser build (sources come from JavaScript: WebViewer.open)", what);
}

rr_status_t rr_app_open_file(rr_app_t *app, const char *path, rr_error_t *err) {
    (void)app;
    return browser_only(err, path);
}

rr_status_t rr_app_open_fd(rr_app_t *app, int fd, bool take_fd, const char *name, rr_error_t *err) {
    (void)app, (void)fd, (void)take_fd;
    return browser_only(err, name ? name : "<fd>");
}

rr_status_t rr_app_open_url(rr_app_t *app, const char *url, rr_error_t *err) {
    (void)app;
    return browser_only(err, url);
}

rr_status_t rr_app_listen(rr_app_t *app, const char *bind, uint16_t port, rr_error_t *err) {
    (void)app, (void)bind, (void)port;
    return browser_only(err, "a gRPC endpoint");
}

uint16_t rr_app_listen_port(const rr_app_t *app) {
    (void)app;
    return 0;
}
#endif

rr_status_t rr_app_open_push(rr_app_t *app, const char *name, rr_app_push_source_t **out,
                             rr_error_t *err) {
    *out = NULL;
    rr_app_push_source_t *p = calloc(1, sizeof *p);
    if (!p) return rr_error_set(err, RR_ERR_NOMEM, "viewer: out of memory for a source");
    p->app = app;
    snprintf(p->name, sizeof p->name, "%s", name ? name : "<push>");
#ifdef RR_APP_PUSH_ONLY_SOURCES
    rr_status_t st = register_source(app, p, err);
    if (st != RR_OK) {
        free(p);
        return st;
    }
#endif
    *out = p;
    return RR_OK;
}

void rr_app_push_free(rr_app_push_source_t *src) {
    if (!src) return;
#ifdef RR_APP_PUSH_ONLY_SOURCES
    unregister_source(src);
#endif
    rr_rrd_decoder_free(src->dec);
    rr_store_chunk_decoder_free(src->chunks);
    free(src);
}

static void report(rr_app_push_source_t *p, const char *msg) {
    if (p->app) rr_app_report_error(p->app, p->name, msg);
}

static void count_bytes(rr_app_push_source_t *p, size_t n) {
    pthread_mutex_lock(&p->app->mu);
    p->bytes_in += n;
    pthread_mutex_unlock(&p->app->mu);
}

/* Queues one decoded message (taken). */
static rr_status_t queue_msg(rr_app_push_source_t *p, rr_log_msg_t *msg, uint64_t offset, bool at_offset) {
    if (msg->kind == RR_LOG_MSG_SET_STORE_INFO && p->info_fn) p->info_fn(p->info_ud, &msg->u.set_store_info.info);
    rr_error_t err = {0};
    /* Without a chunk decoder, messages still decode (the general way). */
    if (!p->chunks && rr_store_chunk_decoder_new(&p->chunks, NULL) != RR_OK) p->chunks = NULL;
    rr_app_item_t *it = rr_app_item_from_msg(msg, p->chunks, &err);
    if (!it) {
        if (at_offset) rr_error_prefix(&err, "message at byte %llu: ", (unsigned long long)offset);
        report(p, err.msg);
        return RR_ERR_INVALID_DATA;
    }
    /* never waits: the caller may be the only thread there is */
    rr_app_push(p->app, it, false);
    return RR_OK;
}

static rr_status_t drain(rr_app_push_source_t *p) {
    for (;;) {
        rr_rrd_message_t m;
        bool have = false;
        rr_error_t err = {0};
        rr_status_t st = rr_rrd_decoder_next_ref(p->dec, &m, &have, &err);
        if (st != RR_OK) {
            report(p, err.msg);
            if (rr_rrd_decoder_failed(p->dec)) {
                p->failed = true;
                return st;
            }
            continue; /* a bad body: the decoder moved on to the next frame */
        }
        if (!have) return RR_OK;
        queue_msg(p, &m.msg, m.offset, true);
        rr_rrd_message_free(&m);
    }
}

static rr_status_t closed_source(const rr_app_push_source_t *p) {
    return p->app ? RR_ERR_INVALID_ARG : RR_ERR_UNAVAILABLE;
}

rr_status_t rr_app_push_bytes(rr_app_push_source_t *p, const void *data, size_t len) {
    if (!p->app || p->finished) return closed_source(p);
    if (p->failed) return RR_ERR_INVALID_DATA;
    rr_error_t err = {0};
    if (!p->dec && rr_rrd_decoder_new(NULL, &p->dec, &err) != RR_OK) {
        report(p, err.msg);
        p->failed = true;
        return err.code;
    }
    count_bytes(p, len);
    if (rr_rrd_decoder_push(p->dec, data, len, &err) != RR_OK) {
        report(p, err.msg);
        p->failed = true;
        return err.code;
    }
    return drain(p);
}

rr_status_t rr_app_push_log_msg(rr_app_push_source_t *p, const uint8_t *data, size_t len) {
    if (!p->app || p->finished) return closed_source(p);
    count_bytes(p, len);
    rr_log_msg_t msg;
    rr_error_t err = {0};
    if (rr_log_msg_decode_wrapped(data, len, &msg, &err) != RR_OK) {
        report(p, err.msg);
        return RR_ERR_INVALID_DATA;
    }
    return queue_msg(p, &msg, 0, false);
}

/* Reads a protobuf varint; false when it runs past n or beyond 64 bits. */
static bool get_varint(const uint8_t *d, size_t n, size_t *pos, uint64_t *v) {
    *v = 0;
    for (int shift = 0; *pos < n && shift < 64; shift += 7) {
        uint8_t b = d[(*pos)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return true;
    }
    return false;
}

rr_status_t rr_app_push_read_response(rr_app_push_source_t *p, const uint8_t *data, size_t len) {
    if (!p->app || p->finished) return closed_source(p);
    size_t pos = 0;
    while (pos < len) {
        uint64_t tag = 0, n = 0;
        if (!get_varint(data, len, &pos, &tag) || (tag >> 3) == 0) break;
        if (tag == ((1u << 3) | 2)) { /* field 1, length-delimited: the LogMsg */
            if (!get_varint(data, len, &pos, &n) || n > len - pos) break;
            return rr_app_push_log_msg(p, data + pos, (size_t)n);
        }
        /* unknown fields are skipped, as protobuf readers do */
        switch (tag & 7) {
        case 0:
            if (!get_varint(data, len, &pos, &n)) pos = len + 1;
            break;
        case 1: pos = len - pos >= 8 ? pos + 8 : len + 1; break;
        case 5: pos = len - pos >= 4 ? pos + 4 : len + 1; break;
        case 2:
            if (!get_varint(data, len, &pos, &n) || n > len - pos)
                pos = len + 1;
            else
                pos += (size_t)n;
            break;
        default: pos = len + 1;
        }
        if (pos > len) break;
    }
    /* Well-formed without a LogMsg: Rerun's reader skips it quietly. */
    if (pos == len) return RR_OK;
    char msg[96];
    snprintf(msg, sizeof msg, "a malformed ReadMessagesResponse (%zu bytes, bad at byte %zu)", len,
             pos < len ? pos : len);
    report(p, msg);
    return RR_ERR_INVALID_DATA;
}

rr_status_t rr_app_push_finish(rr_app_push_source_t *p) {
    if (!p->app || p->finished) return closed_source(p);
    rr_status_t st = RR_OK;
    if (p->dec && !p->failed) {
        rr_error_t err = {0};
        st = rr_rrd_decoder_finish(p->dec, &err);
        if (st != RR_OK) report(p, err.msg);
    } else if (p->failed) {
        st = RR_ERR_INVALID_DATA;
    }
    pthread_mutex_lock(&p->app->mu);
    p->finished = true;
    pthread_cond_broadcast(&p->app->cv);
    pthread_mutex_unlock(&p->app->mu);
    return st;
}

void rr_app_push_set_size(rr_app_push_source_t *p, uint64_t total) {
    if (!p->app) return;
    pthread_mutex_lock(&p->app->mu);
    p->bytes_total = total;
    pthread_mutex_unlock(&p->app->mu);
}

void rr_app_push_set_live(rr_app_push_source_t *p, bool live) { p->live = live; }

uint64_t rr_app_push_bytes_in(const rr_app_push_source_t *p) { return p->bytes_in; }

bool rr_app_push_open(const rr_app_push_source_t *p) { return p->app && !p->finished; }

bool rr_app_push_backlogged(const rr_app_push_source_t *p) {
    if (!p->app) return false;
    pthread_mutex_lock(&p->app->mu);
    bool over = p->app->queued_bytes > p->app->queue_bound;
    pthread_mutex_unlock(&p->app->mu);
    return over;
}

void rr_app_push_on_store_info(rr_app_push_source_t *p, rr_app_push_info_fn fn, void *ud) {
    p->info_fn = fn;
    p->info_ud = ud;
}
