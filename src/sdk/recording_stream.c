/* Recording streams, as Rerun's RecordingStream (crates/top/re_sdk/src/
 * recording_stream.rs): a store id (kind, application id, recording id
 * "rec_" + a random UUID unless given), a batcher, the sinks, a log tick
 * counter, and the time each thread set for it.
 *
 * Time is per thread and per stream: a thread-local list of (timeline, type,
 * value) per stream, sorted by timeline name. A temporal row carries those
 * times plus log_time (the wall clock) and log_tick (the stream's counter,
 * which every log call advances, static ones too), unless the stream was made
 * with no_default_timelines. Static rows carry no time.
 *
 * Sinks get SetStoreInfo first, then every chunk in order. Chunks made before
 * any sink exists are held and go to every sink added before live output
 * begins. Each .rrd sink has its
 * own rrd writer (same bytes for the same messages: the SetStoreInfo is built
 * once, LZ4 is deterministic); custom sinks get each message's protobuf body,
 * encoded once for all of them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "arrow/array.h"
#include "arrow/schema.h"
#include "base/clock.h"
#include "base/mem.h"
#include "rrd/encoder.h"
#include "rrd/frames.h"
#include "sdk/sdk_internal.h"

/* ---- sinks ---- */

typedef enum sink_kind { SINK_FILE, SINK_STDOUT, SINK_MEMORY, SINK_CUSTOM } sink_kind_t;

struct rr_memory_sink {
    rr_recording_stream_t *rec;
    rr_buf_t buf;
};

typedef struct sink {
    sink_kind_t kind;
    rr_rrd_writer_t *w; /* .rrd sinks */
    int fd;             /* file sinks */
    char *path;
    rr_memory_sink_t *mem;
    rr_sink_vtable_t vt; /* custom sinks */
    void *ctx;
    bool failed;  /* .rrd sinks: stopped at their first write error */
    bool failing; /* the last call failed, already logged (see sink_error) */
} sink_t;

struct rr_recording_stream {
    uint64_t serial; /* keys the thread-local time */
    rr_store_id_t store_id;
    bool default_timelines;
    /* How every sink encodes chunks (the same bytes for all of them). */
    rr_rrd_writer_options_t sink_opts;
    atomic_llong tick;
    /* The one thread that has logged to the stream so far (the address of
     * its t_tick_token), 0 before any, TICK_SHARED once a second one has:
     * see next_tick. */
    _Atomic(uintptr_t) tick_owner;
    rr_sdk_batcher_t *batcher;

    /* Under the batcher's output lock: */
    size_t n_sinks;
    sink_t *sinks;
    size_t n_held, cap_held;
    rr_chunk_t **held; /* chunks made before the first sink (see add_sink) */
    rr_log_msg_t store_info;    /* SetStoreInfo, one row id for every sink */
    rr_buf_t store_info_body;   /* its protobuf body (custom sinks) */
    rr_status_t sink_status;    /* first sink error since the last rr_flush */
    rr_error_t sink_error;
};

static atomic_ullong g_serial;
static _Atomic(rr_recording_stream_t *) g_global;

/* Records a sink failure, reported by the next rr_flush. fatal: the sink
 * gets nothing more (an .rrd writer whose write failed may have left half a
 * message; what follows would not be readable), logged once. Otherwise
 * (custom sinks, which keep their own state and may recover, as the gRPC
 * sink reconnecting after an outage; a file's failed sync) the sink keeps
 * getting every message, and the failure is logged once per run of
 * failures: again only after the sink succeeded in between. */
static void sink_error(rr_recording_stream_t *rec, sink_t *s, const rr_error_t *e, bool fatal) {
    if (!s->failed && !s->failing) {
        char msg[RR_ERROR_MSG_MAX + 64];
        snprintf(msg, sizeof msg, "sink %s %s: %s", s->path ? s->path : "",
                 fatal ? "stops" : "failed (still used)", e->msg);
        rr_sdk_log_warn(msg);
    }
    if (fatal) s->failed = true;
    else s->failing = true;
    if (rec->sink_status == RR_OK) {
        rec->sink_status = e->code ? e->code : RR_ERR_IO;
        rec->sink_error = *e;
    }
}

static void sink_failed(rr_recording_stream_t *rec, sink_t *s, const rr_error_t *e) {
    sink_error(rec, s, e, s->kind != SINK_CUSTOM);
}

/* Writes c to sinks [first, n_sinks). */
static void write_chunk(rr_recording_stream_t *rec, const rr_chunk_t *c, size_t first) {
    rr_buf_t body = {0};
    bool encoded = false;
    rr_error_t e;
    for (size_t i = first; i < rec->n_sinks; i++) {
        sink_t *s = &rec->sinks[i];
        if (s->failed) continue;
        if (s->w) {
            if (rr_rrd_writer_write_chunk(s->w, &rec->store_id, c, &e) != RR_OK)
                sink_failed(rec, s, &e);
            continue;
        }
        if (!encoded) {
            if (rr_rrd_chunk_body_encode_opts(&rec->store_id, c, &rec->sink_opts, &body, &e) !=
                RR_OK) {
                sink_failed(rec, s, &e);
                continue;
            }
            encoded = true;
        }
        e.code = RR_OK;
        e.msg[0] = 0;
        if (s->vt.write_message(s->ctx, RR_LOG_MSG_ARROW, body.data, body.len, &e) != RR_OK) {
            if (!e.code) e.code = RR_ERR_IO;
            sink_failed(rec, s, &e);
        } else {
            s->failing = false;
        }
    }
    rr_buf_free(&body);
}

static void drop_held(rr_recording_stream_t *rec) {
    for (size_t i = 0; i < rec->n_held; i++) rr_chunk_free(rec->held[i]);
    free(rec->held);
    rec->held = NULL;
    rec->n_held = rec->cap_held = 0;
}

/* The batcher's output (under its output lock). */
static void emit(void *ctx, rr_chunk_t *c) {
    rr_recording_stream_t *rec = ctx;
    if (rec->n_sinks == 0) {
        if (rec->n_held == rec->cap_held) {
            size_t cap = rec->cap_held ? rec->cap_held * 2 : 16;
            rr_chunk_t **h = realloc(rec->held, cap * sizeof *h);
            if (!h) {
                rr_sdk_log_warn("out of memory holding a chunk until a sink is added; dropped");
                rr_chunk_free(c);
                return;
            }
            rec->held = h;
            rec->cap_held = cap;
        }
        rec->held[rec->n_held++] = c;
        return;
    }
    /* Live output begins: sinks added from now on start here. */
    drop_held(rec);
    write_chunk(rec, c, 0);
    rr_chunk_free(c);
}

/* The batcher's write-through of a large row (under its output lock): only
 * once live output has begun, since a held chunk would outlive the caller's
 * memory. */
static bool write_through(void *ctx, const rr_chunk_t *c) {
    rr_recording_stream_t *rec = ctx;
    if (rec->n_sinks == 0) return false;
    drop_held(rec);
    write_chunk(rec, c, 0);
    return true;
}

static void sink_close(rr_recording_stream_t *rec, sink_t *s) {
    rr_error_t e;
    if (s->w) {
        rr_status_t st = s->failed ? (rr_rrd_writer_free(s->w), RR_OK)
                                   : rr_rrd_writer_finish(s->w, &e);
        if (st != RR_OK) sink_failed(rec, s, &e);
        s->w = NULL;
    }
    if (s->kind == SINK_FILE && s->fd >= 0) {
        if (close(s->fd) != 0 && !s->failed) {
            rr_error_set(&e, RR_ERR_IO, "closing '%s': %s", s->path, strerror(errno));
            sink_failed(rec, s, &e);
        }
        s->fd = -1;
    }
    if (s->kind == SINK_CUSTOM && s->vt.close) s->vt.close(s->ctx);
    if (s->mem) {
        rr_buf_free(&s->mem->buf);
        free(s->mem);
        s->mem = NULL;
    }
    free(s->path);
    s->path = NULL;
}

/* Adds a sink (its writer already open, or a custom one): SetStoreInfo, then
 * the chunks made before the first sink. Every sink added before rows are
 * logged to a sink gets those, so sinks added one after the other see the
 * same bytes however the batcher's thread is timed. Takes s in all cases. */
static rr_status_t add_sink(rr_recording_stream_t *rec, sink_t *s, rr_error_t *err) {
    /* Rows still in the batcher from before the first sink join the held
     * chunks now, not whenever the batcher's thread next ticks. */
    rr_sdk_batcher_flush(rec->batcher);
    rr_sdk_batcher_lock_output(rec->batcher);
    rr_status_t st;
    if (s->w) {
        st = rr_rrd_writer_write_msg(s->w, &rec->store_info, err);
    } else {
        if (err) rr_error_clear(err);
        st = s->vt.write_message(s->ctx, RR_LOG_MSG_SET_STORE_INFO, rec->store_info_body.data,
                                 rec->store_info_body.len, err);
    }
    sink_t *ns = NULL;
    if (st == RR_OK) {
        ns = realloc(rec->sinks, (rec->n_sinks + 1) * sizeof *ns);
        if (!ns) st = rr_error_set(err, RR_ERR_NOMEM, "out of memory adding a sink");
    }
    if (st != RR_OK) {
        rr_sdk_batcher_unlock_output(rec->batcher);
        sink_close(rec, s);
        return st;
    }
    rec->sinks = ns;
    rec->sinks[rec->n_sinks++] = *s;
    for (size_t i = 0; i < rec->n_held; i++) write_chunk(rec, rec->held[i], rec->n_sinks - 1);
    rr_sdk_batcher_unlock_output(rec->batcher);
    return RR_OK;
}

static rr_recording_stream_t *resolve(rr_recording_stream_t *rec) {
    return rec ? rec : atomic_load(&g_global);
}

#define NEED_REC(rec, fn, err)                                                                 \
    do {                                                                                      \
        if (!(rec = resolve(rec)))                                                             \
            RR_SDK_FAIL(err, RR_ERR_INVALID_ARG,                                               \
                        "%s: no recording stream (rec is NULL and no global recording is set)", \
                        fn);                                                                   \
    } while (0)

rr_status_t rr_save(rr_recording_stream_t *rec, const char *path, rr_error_t *err) {
    NEED_REC(rec, "rr_save", err);
    if (!path || !path[0]) RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "rr_save: path is NULL or empty");
    sink_t s;
    memset(&s, 0, sizeof s);
    s.kind = SINK_FILE;
    if (!(s.path = strdup(path))) return rr_error_set(err, RR_ERR_NOMEM, "rr_save: out of memory");
    s.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (s.fd < 0) {
        int e = errno;
        free(s.path);
        RR_SDK_FAIL(err, RR_ERR_IO, "rr_save: cannot create '%s': %s", path, strerror(e));
    }
    /* Each message reaches the file in whole write(2) calls, so a crash
     * leaves a readable prefix. */
    rr_status_t st = rr_rrd_writer_open_fd(s.fd, &rec->sink_opts, &s.w, err);
    if (st != RR_OK) {
        close(s.fd);
        free(s.path);
        return rr_error_wrap(st, err, "rr_save '%s': ", path);
    }
    return add_sink(rec, &s, err);
}

rr_status_t rr_stdout(rr_recording_stream_t *rec, rr_error_t *err) {
    NEED_REC(rec, "rr_stdout", err);
    sink_t s;
    memset(&s, 0, sizeof s);
    s.kind = SINK_STDOUT;
    s.fd = STDOUT_FILENO;
    if (!(s.path = strdup("<stdout>"))) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    rr_status_t st = rr_rrd_writer_open_fd(STDOUT_FILENO, &rec->sink_opts, &s.w, err);
    if (st != RR_OK) {
        free(s.path);
        return st;
    }
    return add_sink(rec, &s, err);
}

rr_status_t rr_memory_sink(rr_recording_stream_t *rec, rr_memory_sink_t **out, rr_error_t *err) {
    NEED_REC(rec, "rr_memory_sink", err);
    if (!out) RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "rr_memory_sink: out is NULL");
    *out = NULL;
    sink_t s;
    memset(&s, 0, sizeof s);
    s.kind = SINK_MEMORY;
    s.mem = calloc(1, sizeof *s.mem);
    if (!s.mem || !(s.path = strdup("<memory>"))) {
        free(s.mem);
        return rr_error_set(err, RR_ERR_NOMEM, "rr_memory_sink: out of memory");
    }
    s.mem->rec = rec;
    rr_status_t st = rr_rrd_writer_open_buf(&s.mem->buf, &rec->sink_opts, &s.w, err);
    if (st != RR_OK) {
        free(s.mem);
        free(s.path);
        return st;
    }
    rr_memory_sink_t *m = s.mem;
    RR_TRY(add_sink(rec, &s, err));
    *out = m;
    return RR_OK;
}

const uint8_t *rr_memory_sink_data(rr_memory_sink_t *sink, size_t *len) {
    if (!sink) {
        if (len) *len = 0;
        return NULL;
    }
    rr_sdk_batcher_lock_output(sink->rec->batcher);
    const uint8_t *d = sink->buf.data;
    if (len) *len = sink->buf.len;
    rr_sdk_batcher_unlock_output(sink->rec->batcher);
    return d;
}

rr_status_t rr_add_sink(rr_recording_stream_t *rec, const rr_sink_vtable_t *vt, void *ctx,
                        rr_error_t *err) {
    NEED_REC(rec, "rr_add_sink", err);
    if (!vt || !vt->write_message)
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "rr_add_sink: the vtable or its write_message is NULL");
    sink_t s;
    memset(&s, 0, sizeof s);
    s.kind = SINK_CUSTOM;
    s.vt = *vt;
    s.ctx = ctx;
    if (!(s.path = strdup("<custom>"))) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    return add_sink(rec, &s, err);
}

rr_status_t rr_flush(rr_recording_stream_t *rec, rr_error_t *err) {
    NEED_REC(rec, "rr_flush", err);
    rr_sdk_batcher_flush(rec->batcher);
    rr_sdk_batcher_lock_output(rec->batcher);
    rr_error_t e;
    for (size_t i = 0; i < rec->n_sinks; i++) {
        sink_t *s = &rec->sinks[i];
        if (s->failed) continue;
        if (s->kind == SINK_FILE && fdatasync(s->fd) != 0 && errno != EINVAL && errno != EROFS) {
            /* The writes were accepted; later ones may still reach the disk. */
            rr_error_set(&e, RR_ERR_IO, "syncing '%s': %s", s->path, strerror(errno));
            sink_error(rec, s, &e, false);
        }
        if (s->kind == SINK_CUSTOM && s->vt.flush) {
            rr_error_clear(&e);
            if (s->vt.flush(s->ctx, &e) != RR_OK) {
                if (!e.code) e.code = RR_ERR_IO;
                sink_failed(rec, s, &e);
            } else {
                s->failing = false;
            }
        }
    }
    rr_status_t st = rec->sink_status;
    if (st != RR_OK && err) *err = rec->sink_error;
    rec->sink_status = RR_OK;
    rr_sdk_batcher_unlock_output(rec->batcher);
    return st;
}

/* ---- thread-local time ---- */

typedef struct tl_time {
    char *name;
    rr_time_type_t type;
    int64_t value;
    long at; /* its index in merged, -1 when a default timeline replaces it */
} tl_time_t;

/* merged: the times a row carries (the thread's merged with log_tick and
 * log_time), kept between calls so a row costs no merge: set_time of a
 * known timeline writes its value there too; a new, disabled or reset
 * timeline makes it stale (rebuilt by the next row) and gives it a new
 * generation. A generation (process-unique, never reused) names one list
 * of timeline names and types, which lets the batcher skip comparing them
 * with a shape's. */
typedef struct tl_stream {
    uint64_t serial;
    size_t n, cap;
    tl_time_t *times; /* sorted by name */
    bool stale;
    uint64_t gen;
    size_t n_merged, cap_merged;
    rr_sdk_time_t *merged;
    long tick_at, time_at; /* log_tick's and log_time's slots, -1: none */
    int64_t tick_next, tick_end; /* this thread's reserved ticks (next_tick) */
} tl_stream_t;

static atomic_ullong g_times_gen;

typedef struct tl_state {
    size_t n, cap;
    tl_stream_t *streams;
} tl_state_t;

static _Thread_local tl_state_t *t_state;
static pthread_key_t g_tl_key;
static pthread_once_t g_tl_once = PTHREAD_ONCE_INIT;

static void tl_stream_clear(tl_stream_t *s) {
    for (size_t i = 0; i < s->n; i++) free(s->times[i].name);
    free(s->times);
    s->times = NULL;
    s->n = s->cap = 0;
    free(s->merged);
    s->merged = NULL;
    s->n_merged = s->cap_merged = 0;
    s->stale = true;
}

static void tl_state_free(void *p) {
    tl_state_t *st = p;
    if (!st) return;
    for (size_t i = 0; i < st->n; i++) tl_stream_clear(&st->streams[i]);
    free(st->streams);
    free(st);
}

static void tl_key_init(void) { pthread_key_create(&g_tl_key, tl_state_free); }

/* This thread's times for a stream; NULL when none were set (create false)
 * or out of memory. */
static tl_stream_t *tl_find(uint64_t serial, bool create) {
    tl_state_t *st = t_state;
    if (st)
        for (size_t i = 0; i < st->n; i++)
            if (st->streams[i].serial == serial) return &st->streams[i];
    if (!create) return NULL;
    if (!st) {
        pthread_once(&g_tl_once, tl_key_init);
        if (!(st = calloc(1, sizeof *st))) return NULL;
        t_state = st;
        pthread_setspecific(g_tl_key, st);
    }
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 4;
        tl_stream_t *ns = realloc(st->streams, cap * sizeof *ns);
        if (!ns) return NULL;
        st->streams = ns;
        st->cap = cap;
    }
    tl_stream_t *s = &st->streams[st->n++];
    memset(s, 0, sizeof *s);
    s->serial = serial;
    s->stale = true;
    return s;
}

/* Forgets this thread's times for a stream being freed. */
static void tl_forget(uint64_t serial) {
    tl_state_t *st = t_state;
    if (!st) return;
    for (size_t i = 0; i < st->n; i++) {
        if (st->streams[i].serial != serial) continue;
        tl_stream_clear(&st->streams[i]);
        st->streams[i] = st->streams[--st->n];
        break;
    }
    if (st->n == 0) {
        pthread_setspecific(g_tl_key, NULL);
        tl_state_free(st);
        t_state = NULL;
    }
}

static rr_status_t set_time(rr_recording_stream_t *rec, const char *fn, const char *timeline,
                            rr_time_type_t type, int64_t value) {
    NEED_REC(rec, fn, NULL);
    if (!timeline || !timeline[0])
        RR_SDK_FAIL(NULL, RR_ERR_INVALID_ARG, "%s: timeline name is NULL or empty", fn);
    if (value == RR_TIME_STATIC)
        RR_SDK_FAIL(NULL, RR_ERR_INVALID_ARG,
                    "%s: timeline '%s': INT64_MIN is reserved for static data", fn, timeline);
    tl_stream_t *s = tl_find(rec->serial, true);
    if (!s) return RR_ERR_NOMEM;
    size_t i = 0;
    int c = 1;
    while (i < s->n && (c = strcmp(s->times[i].name, timeline)) < 0) i++;
    if (i < s->n && c == 0) {
        if (s->times[i].type != type) s->stale = true;
        s->times[i].type = type;
        s->times[i].value = value;
        if (!s->stale && s->times[i].at >= 0) s->merged[s->times[i].at].value = value;
        return RR_OK;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        tl_time_t *nt = realloc(s->times, cap * sizeof *nt);
        if (!nt) return RR_ERR_NOMEM;
        s->times = nt;
        s->cap = cap;
    }
    char *name = strdup(timeline);
    if (!name) return RR_ERR_NOMEM;
    memmove(&s->times[i + 1], &s->times[i], (s->n - i) * sizeof *s->times);
    s->times[i] = (tl_time_t){name, type, value, -1};
    s->n++;
    s->stale = true;
    return RR_OK;
}

rr_status_t rr_set_time_sequence(rr_recording_stream_t *rec, const char *timeline, int64_t seq) {
    return set_time(rec, "rr_set_time_sequence", timeline, RR_TIME_SEQUENCE, seq);
}
rr_status_t rr_set_time_duration_ns(rr_recording_stream_t *rec, const char *timeline, int64_t ns) {
    return set_time(rec, "rr_set_time_duration_ns", timeline, RR_TIME_DURATION_NS, ns);
}
rr_status_t rr_set_time_timestamp_ns(rr_recording_stream_t *rec, const char *timeline,
                                     int64_t ns_since_epoch) {
    return set_time(rec, "rr_set_time_timestamp_ns", timeline, RR_TIME_TIMESTAMP_NS,
                    ns_since_epoch);
}

rr_status_t rr_disable_timeline(rr_recording_stream_t *rec, const char *timeline) {
    NEED_REC(rec, "rr_disable_timeline", NULL);
    if (!timeline)
        RR_SDK_FAIL(NULL, RR_ERR_INVALID_ARG, "rr_disable_timeline: timeline name is NULL");
    tl_stream_t *s = tl_find(rec->serial, false);
    for (size_t i = 0; s && i < s->n; i++) {
        if (strcmp(s->times[i].name, timeline) != 0) continue;
        free(s->times[i].name);
        memmove(&s->times[i], &s->times[i + 1], (s->n - i - 1) * sizeof *s->times);
        s->n--;
        s->stale = true;
        break;
    }
    return RR_OK;
}

rr_status_t rr_reset_time(rr_recording_stream_t *rec) {
    NEED_REC(rec, "rr_reset_time", NULL);
    tl_stream_t *s = tl_find(rec->serial, false);
    if (s) tl_stream_clear(s);
    return RR_OK;
}

/* ---- streams ---- */

static void random_recording_id(char out[37]) {
    uint8_t u[16];
    size_t got = 0;
    while (got < sizeof u) {
        ssize_t n = getrandom(u + got, sizeof u - got, 0);
        if (n <= 0) {
            /* No entropy source: fall back to the clock and a TUID. */
            rr_tuid_t t = rr_tuid_new();
            uint64_t x = t.time_ns ^ (t.inc * 0x9E3779B97F4A7C15ull) ^ rr_sdk_now_ns();
            for (; got < sizeof u; got++, x = x * 6364136223846793005ull + 1442695040888963407ull)
                u[got] = (uint8_t)(x >> 56);
            break;
        }
        got += (size_t)n;
    }
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* UUID version 4 */
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "rec_", 4);
    for (int i = 0; i < 16; i++) {
        out[4 + 2 * i] = hex[u[i] >> 4];
        out[5 + 2 * i] = hex[u[i] & 15];
    }
    out[36] = 0;
}

/* Rerun's RecordingInfo at /__properties: the recording's start time. */
static rr_status_t log_properties(rr_recording_stream_t *rec, rr_error_t *err) {
    rr_archetype_t *a;
    RR_TRY(rr_archetype_new("rerun.archetypes.RecordingInfo", &a, err));
    struct ArrowSchema s;
    struct ArrowArray arr;
    rr_status_t st = rr_arrow_schema_init(&s, "l", "", ARROW_FLAG_NULLABLE, 0, err);
    if (st == RR_OK) st = rr_arrow_array_init(&arr, 2, 0, false, err);
    if (st == RR_OK) {
        int64_t *v = rr_arrow_array_alloc_buffer(&arr, 1, sizeof(int64_t));
        if (!v) {
            rr_arrow_array_release(&arr);
            st = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        } else {
            *v = rr_sdk_wall_clock_ns();
            arr.length = 1;
        }
    }
    if (st != RR_OK) {
        rr_arrow_schema_release(&s);
        rr_archetype_free(a);
        return st;
    }
    rr_component_descriptor_t d = {(char *)"rerun.archetypes.RecordingInfo",
                                   (char *)"RecordingInfo:start_time",
                                   (char *)"rerun.components.Timestamp"};
    st = rr_archetype_add_arrow(a, &d, &s, &arr, err);
    if (st == RR_OK)
        st = rr_sdk_batcher_push_row(rec->batcher, "/__properties", NULL, 0, 0, rr_tuid_new(), a, err);
    rr_archetype_free(a);
    return st;
}

rr_status_t rr_recording_stream_new(const char *application_id, const rr_recording_options_t *opts,
                                    rr_recording_stream_t **out, rr_error_t *err) {
    static const char fn[] = "rr_recording_stream_new";
    if (!out) RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: out is NULL", fn);
    *out = NULL;
    if (!application_id || !application_id[0])
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: application id is NULL or empty", fn);
    rr_recording_options_t o;
    memset(&o, 0, sizeof o);
    if (opts) o = *opts;
    if (o.store_kind == 0) o.store_kind = RR_STORE_KIND_RECORDING;
    if (o.store_kind != RR_STORE_KIND_RECORDING && o.store_kind != RR_STORE_KIND_BLUEPRINT)
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: unknown store kind %d", fn, (int)o.store_kind);
    if ((unsigned)o.compression > RR_COMPRESSION_NONE)
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: unknown compression %d", fn, (int)o.compression);
    if (o.recording_id && !o.recording_id[0])
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: recording id is empty", fn);

    rr_recording_stream_t *rec = calloc(1, sizeof *rec);
    if (!rec) return rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory", fn);
    rec->serial = atomic_fetch_add(&g_serial, 1) + 1;
    rec->default_timelines = !o.no_default_timelines;
    rec->sink_opts.lz4_acceleration = RR_SDK_LZ4_ACCELERATION;
    rec->sink_opts.lz4_strided = o.compression == RR_COMPRESSION_DEFAULT && RR_SDK_LZ4_STRIDED;
    rec->sink_opts.no_compression = o.compression == RR_COMPRESSION_NONE;
    atomic_init(&rec->tick, 0);
    char rid[37];
    if (!o.recording_id) random_recording_id(rid);
    rr_status_t st = rr_store_id_init(&rec->store_id, o.store_kind, application_id,
                                      o.recording_id ? o.recording_id : rid, err);
    if (st == RR_OK) {
        rec->store_info.kind = RR_LOG_MSG_SET_STORE_INFO;
        rec->store_info.u.set_store_info.row_id = rr_tuid_new();
        rr_store_info_t *info = &rec->store_info.u.set_store_info.info;
        info->store_id = rec->store_id; /* borrowed; never freed through info */
        info->source_kind = RR_STORE_SOURCE_C_SDK;
        info->has_version = true;
        static const uint8_t v[4] = RR_CRATE_VERSION_0_33_0;
        memcpy(info->version, v, 4);
        st = rr_log_msg_encode(&rec->store_info, &rec->store_info_body, err);
    }
    rr_sdk_batcher_config_t cfg;
    rr_sdk_batcher_config_resolve(&o.batcher, &cfg);
    if (st == RR_OK) st = rr_sdk_batcher_new(&cfg, emit, rec, &rec->batcher, err);
    if (st == RR_OK) rr_sdk_batcher_set_write_through(rec->batcher, write_through);
    if (st == RR_OK && o.store_kind == RR_STORE_KIND_RECORDING && !o.no_properties)
        st = log_properties(rec, err);
    if (st != RR_OK) {
        rr_recording_stream_free(rec);
        return st;
    }
    *out = rec;
    return RR_OK;
}

void rr_recording_stream_free(rr_recording_stream_t *rec) {
    if (!rec) return;
    rr_recording_stream_t *expect = rec;
    atomic_compare_exchange_strong(&g_global, &expect, NULL);
    if (rec->batcher) {
        rr_sdk_batcher_free(rec->batcher); /* flushes into the sinks */
        rec->batcher = NULL;
    }
    for (size_t i = 0; i < rec->n_sinks; i++) sink_close(rec, &rec->sinks[i]);
    free(rec->sinks);
    drop_held(rec);
    rr_buf_free(&rec->store_info_body);
    rr_store_id_free(&rec->store_id);
    tl_forget(rec->serial);
    free(rec);
}

void rr_set_global_recording(rr_recording_stream_t *rec) { atomic_store(&g_global, rec); }
rr_recording_stream_t *rr_global_recording(void) { return atomic_load(&g_global); }

const char *rr_recording_id(const rr_recording_stream_t *rec) {
    rec = rec ? rec : atomic_load(&g_global);
    return rec ? rec->store_id.recording_id : NULL;
}
const char *rr_application_id(const rr_recording_stream_t *rec) {
    rec = rec ? rec : atomic_load(&g_global);
    return rec ? rec->store_id.application_id : NULL;
}

const char *rr_version_string(void) { return "0.1.0 (Rerun 0.33.0 formats)"; }

/* ---- logging ---- */

/* strcmp, deciding on the first byte when it differs (the usual case when
 * merging "log_tick"/"log_time" into a thread's timelines). */
static inline int name_cmp(const char *a, const char *b) {
    if (a[0] != b[0]) return (unsigned char)a[0] < (unsigned char)b[0] ? -1 : 1;
    return strcmp(a, b);
}

/* Row ids come from a per-thread generator, as Rerun's RowId::new: the
 * first id of a thread is a global rr_tuid_new() (time base and a random
 * increment), then time advances with the monotonic clock (its cheap
 * reading, base/clock.h: ~11 ns instead of ~25 for every logged row) and
 * the increment by one, with no lock. Ids are strictly increasing within a thread; across
 * threads they are unique (the increments start at random 63-bit values). */
static _Thread_local struct {
    bool started;
    int64_t mono_to_tuid; /* tuid time minus CLOCK_MONOTONIC */
    rr_tuid_t last;
} t_rowid;

static rr_tuid_t next_row_id(void) {
    if (!t_rowid.started) {
        rr_tuid_t first = rr_tuid_new();
        t_rowid.mono_to_tuid = (int64_t)first.time_ns - (int64_t)rr_clock_fast_ns();
        t_rowid.last = first;
        t_rowid.started = true;
        /* Room to count up without reaching another thread's start. */
        uint64_t r = 0;
        if (getrandom(&r, sizeof r, 0) == (ssize_t)sizeof r)
            t_rowid.last.inc = r & ~(UINT64_C(1) << 63);
        return t_rowid.last;
    }
    rr_tuid_t t = {(uint64_t)((int64_t)rr_clock_fast_ns() + t_rowid.mono_to_tuid),
                   t_rowid.last.inc + 1};
    if (t.time_ns < t_rowid.last.time_ns) t.time_ns = t_rowid.last.time_ns;
    if (t.inc == 0) t.time_ns++;
    t_rowid.last = t;
    return t;
}

/* n row ids as n calls of next_row_id would give them, with one clock
 * read (out: n ids, malloc'ed; NULL when out of memory). */
static rr_tuid_t *next_row_ids(int64_t n) {
    rr_tuid_t *ids = malloc((size_t)(n > 0 ? n : 1) * sizeof *ids);
    if (!ids || n <= 0) return ids;
    ids[0] = next_row_id();
    for (int64_t i = 1; i < n; i++) {
        rr_tuid_t t = {ids[i - 1].time_ns, ids[i - 1].inc + 1};
        if (t.inc == 0) t.time_ns++;
        ids[i] = t;
    }
    t_rowid.last = ids[n - 1];
    return ids;
}

/* log_tick, as Rerun's: one per log call (static and columnar ones too),
 * from one counter per stream, so that ticks are unique, grow in each
 * thread's call order and follow the order in which calls from different
 * threads met. A locked add per call costs ~8 ns, so while only one thread
 * has ever logged to the stream it reserves TICK_BLOCK ticks at a time and
 * hands them out from its thread-local state (s; NULL: a thread without
 * times, which takes one tick from the counter). The first call from a
 * second thread makes the stream shared for good: every call then adds to
 * the counter, the first thread too (it checks before each call), which
 * leaves the rest of its block unused: ticks skip that gap once, the only
 * difference from Rerun's (in which tick n is the n-th call). */
#define TICK_BLOCK 1024
#define TICK_SHARED ((uintptr_t)1)
static _Thread_local char t_tick_token;

static int64_t next_tick(rr_recording_stream_t *rec, tl_stream_t *s) {
    uintptr_t me = (uintptr_t)&t_tick_token;
    uintptr_t owner = atomic_load_explicit(&rec->tick_owner, memory_order_relaxed);
    if (owner == 0 && s &&
        atomic_compare_exchange_strong_explicit(&rec->tick_owner, &owner, me,
                                                memory_order_relaxed, memory_order_relaxed))
        owner = me;
    if (owner == me && s) {
        if (s->tick_next < s->tick_end) return s->tick_next++;
        /* Ticks below the counter are all handed out, so a block reserved
         * now starts above every one of them. */
        int64_t base = atomic_fetch_add_explicit(&rec->tick, TICK_BLOCK, memory_order_relaxed);
        s->tick_next = base + 1;
        s->tick_end = base + TICK_BLOCK;
        return base;
    }
    if (owner != TICK_SHARED && owner != me)
        atomic_store_explicit(&rec->tick_owner, TICK_SHARED, memory_order_relaxed);
    return atomic_fetch_add_explicit(&rec->tick, 1, memory_order_relaxed);
}

/* Rebuilds a thread's merged times: log_tick and log_time (sorted:
 * "log_tick" < "log_time") merged into its sorted timelines, replacing a
 * user timeline of the same name, as Rerun's insert does. Their values are
 * set per row. */
static bool merged_rebuild(tl_stream_t *s, bool defaults) {
    size_t need = s->n + 2;
    if (need > s->cap_merged) {
        rr_sdk_time_t *m = realloc(s->merged, need * sizeof *m);
        if (!m) return false;
        s->merged = m;
        s->cap_merged = need;
    }
    static const rr_sdk_time_t defs[2] = {{"log_tick", RR_TIME_SEQUENCE, 0},
                                          {"log_time", RR_TIME_TIMESTAMP_NS, 0}};
    size_t nd = defaults ? 2 : 0, di = 0, n = 0;
    long at[2] = {-1, -1};
    for (size_t i = 0; i < s->n; i++) {
        tl_time_t *t = &s->times[i];
        while (di < nd && name_cmp(defs[di].name, t->name) < 0) {
            at[di] = (long)n;
            s->merged[n++] = defs[di++];
        }
        if (di < nd && name_cmp(defs[di].name, t->name) == 0) {
            t->at = -1;
            continue;
        }
        t->at = (long)n;
        s->merged[n++] = (rr_sdk_time_t){t->name, t->type, t->value};
    }
    while (di < nd) {
        at[di] = (long)n;
        s->merged[n++] = defs[di++];
    }
    s->n_merged = n;
    s->tick_at = at[0];
    s->time_at = at[1];
    s->gen = atomic_fetch_add_explicit(&g_times_gen, 1, memory_order_relaxed) + 1;
    s->stale = false;
    return true;
}

static rr_status_t log_row(rr_recording_stream_t *rec, const char *fn, const char *entity_path,
                           const rr_archetype_t *a, bool is_static, rr_error_t *err) {
    NEED_REC(rec, fn, err);
    if (!entity_path) RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: entity path is NULL", fn);
    if (!a) RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: archetype is NULL (entity '%s')", fn,
                        entity_path);
    /* As Rerun: the tick advances with every log call, static ones too. */
    tl_stream_t *s = tl_find(rec->serial, false);
    int64_t tick = next_tick(rec, s);
    if (a->n == 0) return RR_OK;

    rr_tuid_t row_id = next_row_id();
    rr_sdk_time_t local[2];
    const rr_sdk_time_t *times = local;
    size_t n = 0;
    uint64_t gen = 0;
    if (!is_static) {
        if (s && s->stale && !merged_rebuild(s, rec->default_timelines))
            return rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory", fn);
        if (s) {
            /* One clock read per call: log_time is the row id's time (the
             * wall clock at the first id, advanced by the monotonic clock). */
            if (s->tick_at >= 0) s->merged[s->tick_at].value = tick;
            if (s->time_at >= 0) s->merged[s->time_at].value = (int64_t)row_id.time_ns;
            times = s->merged;
            n = s->n_merged;
            gen = s->gen;
        } else if (rec->default_timelines) {
            local[0] = (rr_sdk_time_t){"log_tick", RR_TIME_SEQUENCE, tick};
            local[1] = (rr_sdk_time_t){"log_time", RR_TIME_TIMESTAMP_NS, (int64_t)row_id.time_ns};
            n = 2;
        }
    }
    rr_status_t st =
        rr_sdk_batcher_push_row(rec->batcher, entity_path, times, n, gen, row_id, a, err);
    if (st == RR_ERR_INVALID_ARG) {
        /* A bad entity path: log it once (the batcher only filled err). */
        static atomic_bool site;
        char msg[RR_ERROR_MSG_MAX];
        if (err)
            snprintf(msg, sizeof msg, "%s", err->msg);
        else
            snprintf(msg, sizeof msg, "bad entity path \"%s\"", entity_path);
        return rr_sdk_fail(err, &site, st, "%s: %s", fn, msg);
    }
    return st;
}

rr_status_t rr_log(rr_recording_stream_t *rec, const char *entity_path, const rr_archetype_t *a,
                   rr_error_t *err) {
    return log_row(rec, "rr_log", entity_path, a, false, err);
}

rr_status_t rr_log_static(rr_recording_stream_t *rec, const char *entity_path,
                          const rr_archetype_t *a, rr_error_t *err) {
    return log_row(rec, "rr_log_static", entity_path, a, true, err);
}

/* ---- columnar logging ---- */

rr_status_t rr_send_columns(rr_recording_stream_t *rec, const char *entity_path,
                            const rr_time_column_t *time_columns, size_t n_time_columns,
                            const rr_archetype_t *a, const uint32_t *const *lengths_per_batch,
                            rr_error_t *err) {
    static const char fn[] = "rr_send_columns";
    NEED_REC(rec, fn, err);
    if (!entity_path) RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: entity path is NULL", fn);
    if (!a) RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: archetype is NULL", fn);
    if (n_time_columns && !time_columns)
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: time_columns is NULL", fn);
    rr_entity_path_t path;
    rr_error_t pe;
    if (rr_entity_path_parse(entity_path, strlen(entity_path), &path, &pe) != RR_OK)
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: bad entity path \"%s\": %s", fn, entity_path,
                    pe.msg);

    /* The row count: from the time columns, else from a batch of one
     * instance per row. */
    int64_t n_rows = -1;
    rr_status_t st = RR_OK;
    for (size_t t = 0; t < n_time_columns; t++) {
        const rr_time_column_t *tc = &time_columns[t];
        if (!tc->timeline || !tc->timeline[0] || (!tc->times && tc->n_rows)) {
            st = RR_ERR_INVALID_ARG;
            rr_error_set(&pe, st, "time column %zu: timeline name or times missing", t);
            break;
        }
        if ((unsigned)tc->type > RR_TIME_TIMESTAMP_NS) {
            st = RR_ERR_INVALID_ARG;
            rr_error_set(&pe, st, "time column '%s': unknown time type %d", tc->timeline,
                         (int)tc->type);
            break;
        }
        if (n_rows >= 0 && (int64_t)tc->n_rows != n_rows) {
            st = RR_ERR_INVALID_ARG;
            rr_error_set(&pe, st, "time column '%s' has %zu rows, '%s' has %lld", tc->timeline,
                         tc->n_rows, time_columns[0].timeline, (long long)n_rows);
            break;
        }
        n_rows = (int64_t)tc->n_rows;
        for (size_t i = 0; i < tc->n_rows; i++)
            if (tc->times[i] == RR_TIME_STATIC) {
                st = RR_ERR_INVALID_ARG;
                rr_error_set(&pe, st, "time column '%s' row %zu: INT64_MIN is reserved", tc->timeline, i);
                break;
            }
        if (st != RR_OK) break;
        for (size_t u = 0; u < t; u++)
            if (strcmp(time_columns[u].timeline, tc->timeline) == 0) {
                st = RR_ERR_INVALID_ARG;
                rr_error_set(&pe, st, "timeline '%s' given twice", tc->timeline);
            }
        if (st != RR_OK) break;
    }
    for (size_t k = 0; st == RR_OK && n_rows < 0 && k < a->n; k++)
        if (!lengths_per_batch || !lengths_per_batch[k]) n_rows = a->batches[k].length;
    if (st == RR_OK && n_rows < 0) {
        st = RR_ERR_INVALID_ARG;
        rr_error_set(&pe, st, "no time column and every batch has lengths: the row count is unknown");
    }
    /* Every batch must hold exactly the sum of its lengths. */
    for (size_t k = 0; st == RR_OK && k < a->n; k++) {
        const uint32_t *len = lengths_per_batch ? lengths_per_batch[k] : NULL;
        int64_t sum = 0;
        if (len)
            for (int64_t i = 0; i < n_rows; i++) sum += len[i];
        else
            sum = n_rows;
        int64_t have = a->batches[k].length;
        if (sum != have) {
            st = RR_ERR_INVALID_ARG;
            rr_error_set(&pe, st, "component '%s' has %lld instances, its lengths sum to %lld",
                         a->batches[k].desc.component, (long long)have, (long long)sum);
        }
    }
    if (st != RR_OK) {
        rr_entity_path_free(&path);
        RR_SDK_FAIL(err, st, "%s: entity '%s': %s", fn, entity_path, pe.msg);
    }
    (void)next_tick(rec, tl_find(rec->serial, false));
    if (a->n == 0 || n_rows == 0) {
        rr_entity_path_free(&path);
        return RR_OK;
    }

    /* Row ids from this thread's generator: one clock read, not one per row. */
    rr_tuid_t *ids = next_row_ids(n_rows);
    if (!ids) {
        rr_entity_path_free(&path);
        return rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory", fn);
    }
    rr_chunk_t *c;
    st = rr_chunk_new(rr_tuid_new(), &path, n_rows, ids, &c, err);
    free(ids);
    rr_entity_path_free(&path);
    RR_TRY(st);
    for (size_t t = 0; st == RR_OK && t < n_time_columns; t++)
        st = rr_chunk_add_index(c, time_columns[t].timeline, time_columns[t].type,
                                time_columns[t].times, err);
    for (size_t k = 0; st == RR_OK && k < a->n; k++) {
        const rr_sdk_batch_t *bt = &a->batches[k];
        const uint32_t *len = lengths_per_batch ? lengths_per_batch[k] : NULL;
        /* The list's values: a copy of the batch (it stays the caller's). */
        struct ArrowArray values;
        st = rr_sdk_batch_values(bt, &values, err);
        struct ArrowSchema ls;
        struct ArrowArray la;
        memset(&ls, 0, sizeof ls);
        memset(&la, 0, sizeof la);
        if (st == RR_OK) st = rr_arrow_schema_init(&ls, "+l", "", ARROW_FLAG_NULLABLE, 1, err);
        if (st == RR_OK) st = rr_arrow_schema_copy(rr_sdk_batch_schema(bt), ls.children[0], err);
        if (st == RR_OK) st = rr_arrow_schema_set_name(ls.children[0], "item", err);
        if (st == RR_OK) st = rr_arrow_array_init(&la, 2, 1, false, err);
        int32_t *off = NULL;
        if (st == RR_OK &&
            !(off = rr_arrow_array_alloc_buffer(&la, 1, (size_t)(n_rows + 1) * sizeof *off)))
            st = rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory", fn);
        if (st == RR_OK && values.length > INT32_MAX)
            st = rr_error_set(err, RR_ERR_INVALID_ARG, "%s: component '%s': too many instances",
                              fn, bt->desc.component);
        if (st == RR_OK) {
            off[0] = 0;
            for (int64_t i = 0; i < n_rows; i++) off[i + 1] = off[i] + (int32_t)(len ? len[i] : 1);
            la.length = n_rows;
            rr_arrow_array_move(&values, la.children[0]);
            st = rr_chunk_add_component(c, &bt->desc, &ls, &la, err);
        } else {
            rr_arrow_array_release(&values);
            rr_arrow_array_release(&la);
        }
        rr_arrow_schema_release(&ls);
    }
    if (st != RR_OK) {
        rr_chunk_free(c);
        return rr_error_wrap(st, err, "%s: entity '%s': ", fn, entity_path);
    }
    rr_sdk_batcher_push_chunk(rec->batcher, c);
    return RR_OK;
}
