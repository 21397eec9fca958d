/* The message proxy's core (see proxy.h): checking what writers send,
 * history under a memory limit, and fanning messages out to readers, each
 * within its own bound. Transport-free: proxy_grpc.c binds it to the gRPC
 * server, tests drive it with their own sinks. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "model/log_msg.h"
#include "server/proxy.h"
#include "server/proxy_internal.h"

#include "sdk_comms.pb-c.h"

/* ---------------- sizes ---------------- */

rr_status_t rr_proxy_parse_memory_limit(const char *s, uint64_t *out, rr_error_t *err) {
    if (!s || !*s) return rr_error_set(err, RR_ERR_INVALID_ARG, "memory limit: empty");
    if (!strcmp(s, "0")) {
        *out = 0;
        return RR_OK;
    }
    if (!strcmp(s, "unlimited") || !strcmp(s, "none") || !strcmp(s, "max") || !strcmp(s, "\xe2\x88\x9e")) {
        *out = RR_PROXY_UNLIMITED;
        return RR_OK;
    }
    size_t n = strlen(s);
    if (s[n - 1] == '%') {
        char num[64];
        if (n - 1 >= sizeof num) return rr_error_set(err, RR_ERR_INVALID_ARG, "memory limit '%s': expected e.g. '50%%'", s);
        memcpy(num, s, n - 1);
        num[n - 1] = 0;
        char *end;
        errno = 0;
        double pct = strtod(num, &end);
        if (end == num || *end || errno || !isfinite(pct))
            return rr_error_set(err, RR_ERR_INVALID_ARG, "memory limit '%s': expected e.g. '50%%'", s);
        if (pct < 0 || pct > 100)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "memory limit '%s': percentage must be between 0 and 100", s);
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        if (pages <= 0 || page <= 0) {
            /* Rerun sets no limit when it cannot tell the total. */
            RR_LOG_INFO("couldn't determine total memory; setting no memory limit");
            *out = RR_PROXY_UNLIMITED;
            return RR_OK;
        }
        *out = (uint64_t)llround(pct / 100.0 * (double)pages * (double)page);
        return RR_OK;
    }
    static const struct {
        const char *suffix;
        double scale;
    } units[] = {
        {"kB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
        {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t sl = strlen(units[i].suffix);
        if (n <= sl || strcmp(s + n - sl, units[i].suffix)) continue;
        char num[64];
        if (n - sl >= sizeof num) break;
        memcpy(num, s, n - sl);
        num[n - sl] = 0;
        char *end;
        errno = 0;
        double v = strtod(num, &end);
        if (end == num || *end || errno || !isfinite(v) || num[0] == ' ') break;
        if (v < 0) return rr_error_set(err, RR_ERR_INVALID_ARG, "memory limit '%s' must be non-negative", s);
        double bytes = v * units[i].scale;
        if (bytes >= 1.8e19) return rr_error_set(err, RR_ERR_INVALID_ARG, "memory limit '%s' is too large", s);
        *out = (uint64_t)bytes; /* truncates, as Rerun's `as` cast does */
        return RR_OK;
    }
    if (n > 1 && s[n - 1] == 'B') {
        /* Plain bytes: an integer only. */
        char *end;
        errno = 0;
        if (s[0] == '-') return rr_error_set(err, RR_ERR_INVALID_ARG, "memory limit '%s' must be non-negative", s);
        unsigned long long v = strtoull(s, &end, 10);
        if (end != s + n - 1 || errno || s[0] < '0' || s[0] > '9')
            return rr_error_set(err, RR_ERR_INVALID_ARG, "memory limit '%s': expected e.g. '16GB'", s);
        *out = v;
        return RR_OK;
    }
    return rr_error_set(err, RR_ERR_INVALID_ARG, "memory limit '%s': expected e.g. '16GB', '1GiB' or '50%%'", s);
}

void rr_proxy_format_bytes(uint64_t bytes, char out[32]) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) {
        snprintf(out, 32, "%" PRIu64 " B", bytes);
        return;
    }
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 6) {
        v /= 1024.0;
        u++;
    }
    if (v < 100.0)
        snprintf(out, 32, "%.1f %s", v, units[u]);
    else
        snprintf(out, 32, "%.0f %s", v, units[u]);
}

/* ---------------- protobuf scanning ---------------- */

/* Just enough protobuf to check a message's shape and find fields without
 * copying payloads: a field is (number, wire type, and its value span). */
typedef struct pb_field {
    uint32_t num;
    uint32_t wire;
    uint64_t varint;       /* wire 0 */
    const uint8_t *data;   /* wire 2: the bytes */
    size_t len;
} pb_field_t;

static bool pb_read_varint(const uint8_t *d, size_t len, size_t *pos, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= len) return false;
        uint8_t b = d[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Next field at *pos; false with a reason at the end or on malformed input
 * (*why NULL at a clean end). */
static bool pb_next(const uint8_t *d, size_t len, size_t *pos, pb_field_t *f, const char **why) {
    *why = NULL;
    if (*pos >= len) return false;
    uint64_t key;
    size_t at = *pos;
    if (!pb_read_varint(d, len, pos, &key)) {
        *why = "truncated field key";
        *pos = at;
        return false;
    }
    f->num = (uint32_t)(key >> 3);
    f->wire = (uint32_t)(key & 7);
    if ((key >> 3) == 0 || (key >> 3) > 536870911u) {
        *why = "bad field number";
        return false;
    }
    switch (f->wire) {
    case 0:
        if (!pb_read_varint(d, len, pos, &f->varint)) {
            *why = "truncated varint";
            return false;
        }
        return true;
    case 1:
        if (len - *pos < 8) {
            *why = "truncated fixed64";
            return false;
        }
        *pos += 8;
        return true;
    case 5:
        if (len - *pos < 4) {
            *why = "truncated fixed32";
            return false;
        }
        *pos += 4;
        return true;
    case 2: {
        uint64_t l;
        if (!pb_read_varint(d, len, pos, &l)) {
            *why = "truncated length";
            return false;
        }
        if (l > len - *pos) {
            *why = "length past the end";
            return false;
        }
        f->data = d + *pos;
        f->len = (size_t)l;
        *pos += (size_t)l;
        return true;
    }
    default:
        /* Groups (3, 4) are proto2-only and never in these messages. */
        *why = "unsupported wire type";
        return false;
    }
}

/* Checks that bytes parse as protobuf fields; returns a reason or NULL. */
static const char *pb_check(const uint8_t *d, size_t len) {
    size_t pos = 0;
    pb_field_t f;
    const char *why;
    while (pb_next(d, len, &pos, &f, &why)) {
    }
    return why;
}

rr_status_t rr_proxy_check_protobuf(const uint8_t *d, size_t len, const char *what, rr_error_t *err) {
    const char *why = pb_check(d, len);
    if (why) return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: malformed protobuf (%s)", what, why);
    return RR_OK;
}

/* Gathers all occurrences of embedded-message field `num` as protobuf
 * merges them: concatenated. *one points into d when there is only one
 * occurrence; *joined (malloc'ed) holds the concatenation otherwise. Only
 * fields whose numbers are in `oneof` (a bitmask of 1..31) reset the
 * gathering, as a later member of a oneof replaces an earlier one. */
typedef struct pb_gather {
    uint32_t num; /* 0: none found */
    const uint8_t *data;
    size_t len;
    uint8_t *joined;
} pb_gather_t;

static rr_status_t pb_gather(const uint8_t *d, size_t len, uint32_t oneof_mask, pb_gather_t *g,
                             const char *what, rr_error_t *err) {
    memset(g, 0, sizeof *g);
    size_t pos = 0, joined_cap = 0;
    pb_field_t f;
    const char *why;
    while (pb_next(d, len, &pos, &f, &why)) {
        if (f.num >= 32 || !(oneof_mask & (1u << f.num))) continue;
        if (f.wire != 2) {
            free(g->joined);
            memset(g, 0, sizeof *g);
            return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: field %u has wire type %u, expected a message", what,
                                f.num, f.wire);
        }
        if (g->num != f.num) {
            /* A different member of the oneof replaces what came before. */
            free(g->joined);
            g->joined = NULL;
            g->num = f.num;
            g->data = f.data;
            g->len = f.len;
            continue;
        }
        /* The same field again: protobuf merges, which for a serialized
         * message is concatenation. */
        if (!g->joined) {
            joined_cap = g->len + f.len;
            g->joined = malloc(joined_cap ? joined_cap : 1);
            if (!g->joined) return rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory", what);
            if (g->len) memcpy(g->joined, g->data, g->len);
        } else if (g->len + f.len > joined_cap) {
            joined_cap = (g->len + f.len) * 2;
            uint8_t *nj = realloc(g->joined, joined_cap);
            if (!nj) {
                free(g->joined);
                memset(g, 0, sizeof *g);
                return rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory", what);
            }
            g->joined = nj;
        }
        if (f.len) memcpy(g->joined + g->len, f.data, f.len);
        g->len += f.len;
        g->data = g->joined;
    }
    if (why) {
        free(g->joined);
        memset(g, 0, sizeof *g);
        return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: malformed protobuf at byte %zu (%s)", what, pos, why);
    }
    return RR_OK;
}

/* ---------------- classification ---------------- */

rr_status_t rr_proxy_classify_message(const uint8_t *req, size_t len, rr_proxy_class_t *out,
                                      rr_error_t *err) {
    *out = RR_PROXY_CLASS_NONE;
    pb_gather_t outer, inner;
    RR_TRY(pb_gather(req, len, 1u << 1, &outer, "WriteMessagesRequest", err));
    if (!outer.num) return RR_OK; /* no LogMsg: skipped by the caller */
    rr_status_t st = pb_gather(outer.data, outer.len, (1u << 1) | (1u << 2) | (1u << 3), &inner, "LogMsg", err);
    if (st != RR_OK) {
        free(outer.joined);
        return st;
    }
    if (!inner.num) {
        free(outer.joined);
        return rr_error_set(err, RR_ERR_INVALID_DATA, "LogMsg: no message set (field 'msg' is missing)");
    }
    if (inner.num == 2) {
        rr_arrow_msg_t am;
        st = rr_arrow_msg_decode_borrowed(inner.data, inner.len, &am, err);
        if (st == RR_OK) {
            if (am.store_id.kind == RR_STORE_KIND_BLUEPRINT)
                *out = RR_PROXY_CLASS_PERSISTENT;
            else if (am.has_is_static && am.is_static)
                *out = RR_PROXY_CLASS_STATIC;
            else
                *out = RR_PROXY_CLASS_DISPOSABLE;
            rr_arrow_msg_free_borrowed(&am);
        } else {
            rr_error_prefix(err, "LogMsg.arrow_msg: ");
        }
    } else {
        rr_log_msg_t m;
        rr_log_msg_kind_t kind = inner.num == 1 ? RR_LOG_MSG_SET_STORE_INFO : RR_LOG_MSG_BLUEPRINT_ACTIVATION;
        st = rr_log_msg_decode(kind, inner.data, inner.len, &m, err);
        if (st == RR_OK) {
            *out = RR_PROXY_CLASS_PERSISTENT;
            rr_log_msg_free(&m);
        } else {
            rr_error_prefix(err, "LogMsg.%s: ", inner.num == 1 ? "set_store_info" : "blueprint_activation_command");
        }
    }
    free(inner.joined);
    free(outer.joined);
    return st;
}

/* ---------------- history queues ---------------- */

/* What one history entry costs beyond its message bytes: the refcount and
 * header in front of the bytes (rr_grpc_bytes_alloc), glibc malloc's chunk
 * header and 16-byte rounding, and the ring slot. */
static uint64_t entry_cost(size_t len) {
    size_t alloc = len + 1 + sizeof(size_t) + sizeof(rr_grpc_bytes_t) + sizeof(size_t);
    alloc = (alloc + 15) & ~(size_t)15;
    if (alloc < 32) alloc = 32;
    return (uint64_t)alloc + sizeof(rr_proxy_entry_t);
}

static rr_status_t queue_push(rr_proxy_queue_t *q, rr_grpc_bytes_t *msg, uint8_t type, uint64_t seq) {
    if (q->tail - q->head == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 64;
        rr_proxy_entry_t *nr = malloc(ncap * sizeof *nr);
        if (!nr) return RR_ERR_NOMEM;
        for (uint64_t i = q->head; i < q->tail; i++) nr[i & (ncap - 1)] = q->ring[i & (q->cap - 1)];
        free(q->ring);
        q->ring = nr;
        q->cap = ncap;
    }
    rr_proxy_entry_t *e = &q->ring[q->tail & (q->cap - 1)];
    e->msg = rr_grpc_bytes_ref(msg);
    e->cost = entry_cost(msg->len);
    e->type = type;
    e->seq = seq;
    q->bytes += e->cost;
    q->tail++;
    return RR_OK;
}

static uint64_t queue_pop(rr_proxy_queue_t *q) {
    rr_proxy_entry_t *e = &q->ring[q->head & (q->cap - 1)];
    uint64_t cost = e->cost;
    rr_grpc_bytes_unref(e->msg);
    e->msg = NULL;
    q->bytes -= cost;
    q->head++;
    return cost;
}

static void queue_free(rr_proxy_queue_t *q) {
    while (q->head < q->tail) queue_pop(q);
    free(q->ring);
    memset(q, 0, sizeof *q);
}

static uint64_t history_bytes(const rr_proxy_t *p) {
    return p->queues[0].bytes + p->queues[1].bytes + p->queues[2].bytes;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Drops the oldest disposable, then static, messages until history is within
 * the limit. Rerun drops before adding and lets history pass the limit by one
 * message; dropping after adding keeps the held bytes at or under it. */
static void history_gc(rr_proxy_t *p) {
    uint64_t limit = p->cfg.memory_limit;
    if (limit == RR_PROXY_UNLIMITED || history_bytes(p) <= limit) return;
    char lim[32], cur[32];
    rr_proxy_format_bytes(limit, lim);
    if (!p->logged_dropping) {
        p->logged_dropping = true;
        RR_LOG_INFO("gRPC proxy: memory limit (%s) reached; dropping the oldest log messages. Readers connecting "
                    "after this will not see the full history.",
                    lim);
    }
    uint64_t n = 0, bytes = 0;
    rr_proxy_queue_t *dq = &p->queues[RR_PROXY_CLASS_DISPOSABLE];
    while (dq->head < dq->tail && history_bytes(p) > limit) {
        bytes += queue_pop(dq);
        n++;
    }
    rr_proxy_queue_t *sq = &p->queues[RR_PROXY_CLASS_STATIC];
    if (history_bytes(p) > limit && sq->head < sq->tail) {
        if (!p->logged_dropping_static) {
            p->logged_dropping_static = true;
            RR_LOG_INFO("gRPC proxy: memory limit (%s) reached with no temporal data left; dropping old *static* "
                        "messages as well. Readers connecting after this will not see all static data.",
                        lim);
        }
        while (sq->head < sq->tail && history_bytes(p) > limit) {
            bytes += queue_pop(sq);
            n++;
        }
    }
    p->stats.dropped_messages += n;
    p->stats.dropped_bytes += bytes;
    if (history_bytes(p) > limit && !p->logged_over) {
        p->logged_over = true;
        rr_proxy_format_bytes(history_bytes(p), cur);
        RR_LOG_WARN("gRPC proxy: history holds %s, more than its memory limit (%s), with only store info and "
                    "blueprints left",
                    cur, lim);
    }
    /* A running tally now and then, not a line per message. */
    double t = now_seconds();
    if (n && t - p->last_drop_log >= 10.0) {
        p->last_drop_log = t;
        char dropped[32];
        rr_proxy_format_bytes(p->stats.dropped_bytes, dropped);
        rr_proxy_format_bytes(history_bytes(p), cur);
        RR_LOG_INFO("gRPC proxy: %" PRIu64 " messages (%s) dropped from history so far; holding %s in %" PRIu64
                    " messages",
                    p->stats.dropped_messages, dropped, cur,
                    (uint64_t)((p->queues[0].tail - p->queues[0].head) + (p->queues[1].tail - p->queues[1].head) +
                               (p->queues[2].tail - p->queues[2].head)));
    }
}

/* ---------------- readers ---------------- */

struct rr_proxy_reader {
    rr_proxy_t *proxy;
    rr_proxy_reader_t *prev, *next;
    rr_proxy_stream_t stream;
    rr_proxy_sink_t sink;
    void *ctx;
    char name[64];
    bool finished;
    /* Replay: per queue, the next absolute index to send and where the
     * replay of that queue ends (the queue's tail when the reader opened,
     * moved on when the reader is rebased). */
    bool replaying;
    uint64_t cursor[3];
    uint64_t replay_end[3];
    /* Messages waiting behind the replay or a full sink: a ring of refs. */
    rr_grpc_bytes_t **backlog;
    size_t bl_cap, bl_head, bl_count;
    uint64_t bl_bytes;
    uint64_t sent;
};

static uint8_t stream_type(rr_proxy_stream_t s) {
    return s == RR_PROXY_READ_TABLES ? RR_PROXY_ENTRY_TABLE : RR_PROXY_ENTRY_LOG;
}

static void backlog_clear(rr_proxy_reader_t *r) {
    while (r->bl_count) {
        rr_grpc_bytes_t *m = r->backlog[r->bl_head];
        r->bl_bytes -= m->len;
        r->proxy->stats.backlog_bytes -= m->len;
        rr_grpc_bytes_unref(m);
        r->bl_head = (r->bl_head + 1) % r->bl_cap;
        r->bl_count--;
    }
    free(r->backlog);
    r->backlog = NULL;
    r->bl_cap = r->bl_head = 0;
}

/* Gives up on a reader that fell behind its bound. Last thing done with r:
 * the sink's finish may close it at once. */
static void reader_cut(rr_proxy_reader_t *r, const char *why) {
    rr_proxy_t *p = r->proxy;
    r->finished = true;
    p->stats.readers_cut++;
    char bound[32];
    rr_proxy_format_bytes(p->cfg.reader_backlog_bytes, bound);
    char msg[256];
    snprintf(msg, sizeof msg, "reader too slow: %s (more than %s waiting); reconnect to read again", why, bound);
    RR_LOG_WARN("gRPC proxy: disconnecting reader %s after %" PRIu64 " messages: %s", r->name, r->sent, msg);
    backlog_clear(r);
    r->sink.finish(r->ctx, RR_GRPC_RESOURCE_EXHAUSTED, msg);
}

/* false: the backlog bound is passed (the caller cuts the reader). */
static bool backlog_push(rr_proxy_reader_t *r, rr_grpc_bytes_t *m) {
    rr_proxy_t *p = r->proxy;
    if (r->bl_bytes + m->len > p->cfg.reader_backlog_bytes) return false;
    if (r->bl_count == r->bl_cap) {
        size_t ncap = r->bl_cap ? r->bl_cap * 2 : 64;
        rr_grpc_bytes_t **nb = malloc(ncap * sizeof *nb);
        if (!nb) return false;
        for (size_t i = 0; i < r->bl_count; i++) nb[i] = r->backlog[(r->bl_head + i) % r->bl_cap];
        free(r->backlog);
        r->backlog = nb;
        r->bl_cap = ncap;
        r->bl_head = 0;
    }
    r->backlog[(r->bl_head + r->bl_count) % r->bl_cap] = rr_grpc_bytes_ref(m);
    r->bl_count++;
    r->bl_bytes += m->len;
    p->stats.backlog_bytes += m->len;
    return true;
}

/* Sends what it can: the rest of the replay, then the backlog. Returns
 * false when the sink is full (or the reader is finished). */
static bool reader_pump(rr_proxy_reader_t *r) {
    rr_proxy_t *p = r->proxy;
    uint8_t want = stream_type(r->stream);
    for (int qi = 0; r->replaying && qi < 3; qi++) {
        rr_proxy_queue_t *q = &p->queues[qi];
        for (;;) {
            if (r->cursor[qi] < q->head) r->cursor[qi] = q->head; /* dropped meanwhile */
            if (r->cursor[qi] >= r->replay_end[qi]) break;
            rr_proxy_entry_t *e = &q->ring[r->cursor[qi] & (q->cap - 1)];
            if (e->type == want) {
                if (r->sink.send(r->ctx, e->msg) != RR_OK) return false;
                r->sent++;
            }
            r->cursor[qi]++;
        }
    }
    r->replaying = false;
    while (r->bl_count) {
        rr_grpc_bytes_t *m = r->backlog[r->bl_head];
        rr_status_t st = r->sink.send(r->ctx, m);
        if (st != RR_OK) return false;
        r->sent++;
        r->bl_bytes -= m->len;
        p->stats.backlog_bytes -= m->len;
        rr_grpc_bytes_unref(m);
        r->bl_head = (r->bl_head + 1) % r->bl_cap;
        r->bl_count--;
    }
    return true;
}

rr_status_t rr_proxy_reader_open(rr_proxy_t *p, rr_proxy_stream_t stream, const rr_proxy_sink_t *sink,
                                 void *ctx, const char *name, rr_proxy_reader_t **out,
                                 rr_error_t *err) {
    *out = NULL;
    if (!sink || !sink->send || !sink->finish)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "proxy reader: sink needs send and finish");
    rr_proxy_reader_t *r = calloc(1, sizeof *r);
    if (!r) return rr_error_set(err, RR_ERR_NOMEM, "proxy reader: out of memory");
    r->proxy = p;
    r->stream = stream;
    r->sink = *sink;
    r->ctx = ctx;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "?");
    r->replaying = true;
    for (int i = 0; i < 3; i++) {
        r->cursor[i] = p->queues[i].head;
        r->replay_end[i] = p->queues[i].tail;
    }
    r->next = p->readers;
    if (p->readers) p->readers->prev = r;
    p->readers = r;
    p->stats.readers++;
    *out = r;
    RR_LOG_DEBUG("gRPC proxy: reader %s opened (%s)", r->name, stream == RR_PROXY_READ_TABLES ? "tables" : "messages");
    reader_pump(r);
    return RR_OK;
}

void rr_proxy_reader_writable(rr_proxy_reader_t *r) {
    if (r && !r->finished) reader_pump(r);
}

void rr_proxy_reader_close(rr_proxy_reader_t *r) {
    if (!r) return;
    rr_proxy_t *p = r->proxy;
    if (r->prev)
        r->prev->next = r->next;
    else
        p->readers = r->next;
    if (r->next) r->next->prev = r->prev;
    if (p->dispatch_next == r) p->dispatch_next = r->next;
    p->stats.readers--;
    backlog_clear(r);
    RR_LOG_DEBUG("gRPC proxy: reader %s closed after %" PRIu64 " messages", r->name, r->sent);
    free(r);
}

/* Live delivery of one new message to every reader of its type. */
static void dispatch(rr_proxy_t *p, rr_grpc_bytes_t *m, uint8_t type, bool in_history) {
    for (rr_proxy_reader_t *r = p->readers; r; r = p->dispatch_next) {
        /* A sink's finish may close r (and so unlink it): read on from a
         * pointer that close keeps current. */
        p->dispatch_next = r->next;
        if (r->finished || stream_type(r->stream) != type) continue;
        if (!r->replaying && !r->bl_count) {
            rr_status_t st = r->sink.send(r->ctx, m);
            if (st == RR_OK) {
                r->sent++;
                continue;
            }
        }
        if (backlog_push(r, m)) continue;
        if (r->replaying && in_history) {
            /* Still replaying a long history while writers go on: rather
             * than cut it, let the reader take everything that came since it
             * opened from history too (all of it is there, minus what the
             * limit drops), as a reader that connected now would. */
            backlog_clear(r);
            for (int i = 0; i < 3; i++) r->replay_end[i] = p->queues[i].tail;
            RR_LOG_DEBUG("gRPC proxy: reader %s still replaying; it now replays up to the newest message", r->name);
            continue;
        }
        reader_cut(r, r->replaying ? "history replay not done" : "send queue full");
    }
    p->dispatch_next = NULL;
}

/* ---------------- proxy ---------------- */

rr_status_t rr_proxy_new(const rr_proxy_config_t *cfg, rr_proxy_t **out, rr_error_t *err) {
    *out = NULL;
    rr_proxy_t *p = calloc(1, sizeof *p);
    if (!p) return rr_error_set(err, RR_ERR_NOMEM, "proxy: out of memory");
    if (cfg) p->cfg = *cfg;
    else p->cfg.memory_limit = RR_PROXY_DEFAULT_MEMORY_LIMIT;
    if (!p->cfg.reader_backlog_bytes) p->cfg.reader_backlog_bytes = RR_PROXY_DEFAULT_READER_BACKLOG;
    p->last_drop_log = -1e9;
    *out = p;
    return RR_OK;
}

void rr_proxy_free(rr_proxy_t *p) {
    if (!p) return;
    while (p->readers) rr_proxy_reader_close(p->readers);
    for (int i = 0; i < 3; i++) queue_free(&p->queues[i]);
    free(p);
}

static rr_status_t accept_msg(rr_proxy_t *p, rr_grpc_bytes_t *m, rr_proxy_class_t cls, uint8_t type,
                              rr_error_t *err) {
    p->stats.messages_in++;
    uint64_t seq = p->next_seq++;
    /* Into history before the readers see it, so that a reader still
     * replaying can be moved on to it (dispatch); dropping waits until the
     * readers had it. Limit 0 keeps no history, as in Rerun. */
    bool keep = p->cfg.memory_limit != 0;
    if (keep && queue_push(&p->queues[cls], m, type, seq) != RR_OK)
        return rr_error_set(err, RR_ERR_NOMEM, "proxy: out of memory growing the history");
    dispatch(p, m, type, keep);
    if (!keep) return RR_OK;
    history_gc(p);
    uint64_t held = history_bytes(p);
    if (held > p->stats.history_peak_bytes) p->stats.history_peak_bytes = held;
    return RR_OK;
}

rr_status_t rr_proxy_write_message_bytes(rr_proxy_t *p, rr_grpc_bytes_t *req, rr_error_t *err) {
    rr_proxy_class_t cls;
    RR_TRY(rr_proxy_classify_message(req->data, req->len, &cls, err));
    if (cls == RR_PROXY_CLASS_NONE) {
        RR_LOG_WARN("gRPC proxy: missing log_msg in WriteMessagesRequest; skipped");
        return RR_OK;
    }
    return accept_msg(p, req, cls, RR_PROXY_ENTRY_LOG, err);
}

rr_status_t rr_proxy_write_message(rr_proxy_t *p, const uint8_t *req, size_t len, rr_error_t *err) {
    rr_proxy_class_t cls;
    RR_TRY(rr_proxy_classify_message(req, len, &cls, err));
    if (cls == RR_PROXY_CLASS_NONE) {
        RR_LOG_WARN("gRPC proxy: missing log_msg in WriteMessagesRequest; skipped");
        return RR_OK;
    }
    rr_grpc_bytes_t *m = rr_grpc_bytes_new(req, len);
    if (!m) return rr_error_set(err, RR_ERR_NOMEM, "proxy: out of memory for a %zu-byte message", len);
    rr_status_t st = accept_msg(p, m, cls, RR_PROXY_ENTRY_LOG, err);
    rr_grpc_bytes_unref(m);
    return st;
}

rr_status_t rr_proxy_write_table(rr_proxy_t *p, const uint8_t *req, size_t len, rr_error_t *err) {
    Rerun__SdkComms__V1alpha1__WriteTableRequest *t =
        rerun__sdk_comms__v1alpha1__write_table_request__unpack(NULL, len, req);
    if (!t) return rr_error_set(err, RR_ERR_INVALID_DATA, "WriteTableRequest: malformed protobuf");
    bool complete = t->id && t->data;
    rerun__sdk_comms__v1alpha1__write_table_request__free_unpacked(t, NULL);
    if (!complete) {
        RR_LOG_WARN("gRPC proxy: malformed WriteTableRequest (needs both id and data); skipped");
        return RR_OK;
    }
    rr_grpc_bytes_t *m = rr_grpc_bytes_new(req, len);
    if (!m) return rr_error_set(err, RR_ERR_NOMEM, "proxy: out of memory for a %zu-byte table", len);
    rr_status_t st = accept_msg(p, m, RR_PROXY_CLASS_DISPOSABLE, RR_PROXY_ENTRY_TABLE, err);
    rr_grpc_bytes_unref(m);
    return st;
}

void rr_proxy_get_stats(const rr_proxy_t *p, rr_proxy_stats_t *out) {
    *out = p->stats;
    out->persistent_bytes = p->queues[RR_PROXY_CLASS_PERSISTENT].bytes;
    out->static_bytes = p->queues[RR_PROXY_CLASS_STATIC].bytes;
    out->disposable_bytes = p->queues[RR_PROXY_CLASS_DISPOSABLE].bytes;
    out->history_bytes = history_bytes(p);
    out->history_messages = 0;
    for (int i = 0; i < 3; i++) out->history_messages += p->queues[i].tail - p->queues[i].head;
}

void rr_proxy_set_screenshot_handler(rr_proxy_t *p, rr_proxy_screenshot_fn fn, void *ud) {
    p->screenshot_fn = fn;
    p->screenshot_ud = fn ? ud : NULL;
}
