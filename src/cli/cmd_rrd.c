/* `rerun rrd ...`: looking into, checking and rewriting .rrd recordings.
 *
 *   print [-v] FILE...   stores, then one line per chunk (entity path, rows,
 *                        static or timelines with their ranges, component
 *                        columns); -v adds one line per row with its data
 *   stats FILE...        per store: messages, chunks, rows, bytes on disk vs
 *                        uncompressed Arrow bytes, what a chunk store holds
 *                        of it (chunks after compaction, memory), and
 *                        per-entity totals
 *   verify FILE...       decodes every message down to the chunk and checks
 *                        each footer's manifests against the chunks seen
 *   merge -o OUT FILE... every store and chunk of every input in one file
 *   compact -o OUT FILE  the same chunks merged into larger ones (same
 *                        entity, columns and timelines; up to thresholds)
 *
 * Every input is read through the streaming decoder, so a FILE may be "-"
 * (stdin), a pipe, or several recordings concatenated. Faults are one line on
 * stderr naming the file, the byte offset and the fault, and exit 1; what was
 * decoded before the fault has been printed by then. Usage errors exit 2. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arrow/array.h"
#include "arrow/format.h"
#include "arrow/kernels.h"
#include "arrow/schema.h"
#include "store/store.h"
#include "arrow/type.h"
#include "cli/cli.h"
#include "model/chunk.h"
#include "rrd/decoder.h"
#include "rrd/encoder.h"
#include "rrd/reader.h"

#define RRD_USAGE                                                                          \
    "usage: rerun rrd print [-v] FILE...\n"                                                \
    "       rerun rrd stats FILE...\n"                                                     \
    "       rerun rrd verify FILE...\n"                                                    \
    "       rerun rrd merge -o OUT [--no-compression] FILE...\n"                           \
    "       rerun rrd compact -o OUT [--max-rows N] [--max-rows-if-unsorted N]\n"          \
    "                         [--max-bytes N] [--no-compression] FILE\n"                   \
    "FILE may be - (stdin). Compaction thresholds default to Rerun's chunk store:\n"       \
    "4096 rows (1024 when the merged chunk would not be time-sorted), 393216 bytes.\n"

/* Rerun 0.33's ChunkStoreConfig::DEFAULT (re_chunk_store store.rs). */
#define COMPACT_MAX_ROWS 4096
#define COMPACT_MAX_ROWS_IF_UNSORTED 1024
#define COMPACT_MAX_BYTES (12 * 8 * 4096)

#define READ_PIECE (1u << 20)

static int usage_error(const char *cmd, const char *fmt, const char *arg) {
    fprintf(stderr, "rerun: rrd%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    fprintf(stderr, fmt, arg ? arg : "");
    fputs(" (see rerun rrd --help)\n", stderr);
    return 2;
}

/* Library messages are one line already; keep it so. */
static const char *one_line(rr_error_t *err) {
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return err->msg;
}

static const char *display_name(const char *path) { return strcmp(path, "-") ? path : "<stdin>"; }

/* ---------------- stores seen in the input ---------------- */

typedef struct entity_stats {
    char *path;
    int64_t chunks, rows;
    uint64_t disk, arrow;
} entity_stats_t;

typedef struct store {
    rr_store_id_t id;
    int number; /* 1-based, in order of appearance */
    bool announced; /* print: its line was printed; rewrite: its SetStoreInfo was written */
    int64_t messages, chunks, rows;
    uint64_t disk, arrow;
    size_t n_ents, cap_ents;
    entity_stats_t *ents;
} store_t;

typedef struct stores {
    size_t n;
    store_t **v;
} stores_t;

static void stores_free(stores_t *s) {
    for (size_t i = 0; i < s->n; i++) {
        store_t *st = s->v[i];
        rr_store_id_free(&st->id);
        for (size_t e = 0; e < st->n_ents; e++) free(st->ents[e].path);
        free(st->ents);
        free(st);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* The store with this id, added when new. NULL only when out of memory. */
static store_t *stores_get(stores_t *s, const rr_store_id_t *id, rr_error_t *err) {
    for (size_t i = 0; i < s->n; i++)
        if (rr_store_id_equal(&s->v[i]->id, id)) return s->v[i];
    store_t **grown = realloc(s->v, (s->n + 1) * sizeof *grown);
    store_t *st = calloc(1, sizeof *st);
    if (grown) s->v = grown;
    if (!grown || !st || rr_store_id_copy(&st->id, id, err) != RR_OK) {
        free(st);
        rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        return NULL;
    }
    st->number = (int)s->n + 1;
    s->v[s->n++] = st;
    return st;
}

static entity_stats_t *entity_get(store_t *st, const char *path) {
    for (size_t i = 0; i < st->n_ents; i++)
        if (!strcmp(st->ents[i].path, path)) return &st->ents[i];
    if (st->n_ents == st->cap_ents) {
        size_t cap = st->cap_ents ? st->cap_ents * 2 : 8;
        entity_stats_t *grown = realloc(st->ents, cap * sizeof *grown);
        if (!grown) return NULL;
        st->ents = grown;
        st->cap_ents = cap;
    }
    entity_stats_t *e = &st->ents[st->n_ents];
    memset(e, 0, sizeof *e);
    if (!(e->path = strdup(path))) return NULL;
    st->n_ents++;
    return e;
}

static const char *source_name(rr_store_source_kind_t k) {
    switch (k) {
    case RR_STORE_SOURCE_C_SDK: return "C SDK";
    case RR_STORE_SOURCE_PYTHON_SDK: return "Python SDK";
    case RR_STORE_SOURCE_RUST_SDK: return "Rust SDK";
    case RR_STORE_SOURCE_FILE: return "file";
    case RR_STORE_SOURCE_VIEWER: return "viewer";
    case RR_STORE_SOURCE_OTHER: return "other";
    default: return "unspecified";
    }
}

static void print_store_id(FILE *o, const store_t *st) {
    fprintf(o, "store %d: %s application_id=%s recording_id=%s", st->number,
            rr_store_kind_str(st->id.kind), st->id.application_id ? st->id.application_id : "",
            st->id.recording_id ? st->id.recording_id : "");
}

/* ---------------- reading: files and stdin through the streaming decoder ---------------- */

typedef struct visitor {
    /* Each message in stream order; m is freed by the reader afterwards. */
    rr_status_t (*on_msg)(void *ctx, rr_rrd_message_t *m, rr_error_t *err);
    /* Each RrdFooter as its End frame is decoded, with the stream it closes
     * (stream_index; UINT32_MAX for a stream that delivered no message). */
    rr_status_t (*on_footer)(void *ctx, const rr_rrd_footer_msg_t *f, uint32_t stream_index,
                             rr_error_t *err);
    void *ctx;
} visitor_t;

/* Decodes a whole input, stopping at the first fault (err names its offset).
 * *n_bytes gets the bytes read. */
static rr_status_t read_rrd(const char *path, const visitor_t *v, uint64_t *n_bytes,
                            rr_error_t *err) {
    *n_bytes = 0;
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    if (fd < 0) return rr_error_set(err, RR_ERR_IO, "cannot open: %s", strerror(errno));
    uint8_t *buf = malloc(READ_PIECE);
    rr_rrd_decoder_t *dec = NULL;
    rr_status_t st = buf ? rr_rrd_decoder_new(NULL, &dec, err)
                         : rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    /* Which stream a footer closes: the stream of the last message delivered,
     * unless that one already had its footer (then a stream without messages). */
    int64_t last_msg_stream = -1, last_footer_stream = -1;
    size_t footers_done = 0;
    while (st == RR_OK) {
        ssize_t n = read(fd, buf, READ_PIECE);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            st = rr_error_set(err, RR_ERR_IO, "offset %" PRIu64 ": read failed: %s", *n_bytes,
                              strerror(errno));
            break;
        }
        *n_bytes += (uint64_t)n;
        if (n > 0) st = rr_rrd_decoder_push(dec, buf, (size_t)n, err);
        while (st == RR_OK) {
            rr_rrd_message_t m;
            bool got = false;
            st = rr_rrd_decoder_next(dec, &m, &got, err);
            if (st != RR_OK) break; /* the fault wins over footers decoded on the way */
            for (; footers_done < rr_rrd_decoder_footer_count(dec) && st == RR_OK; footers_done++) {
                int64_t s = last_msg_stream > last_footer_stream ? last_msg_stream : -1;
                if (s >= 0) last_footer_stream = s;
                if (v->on_footer)
                    st = v->on_footer(v->ctx, rr_rrd_decoder_footer(dec, footers_done),
                                      s >= 0 ? (uint32_t)s : UINT32_MAX, err);
            }
            if (!got || st != RR_OK) {
                if (got) rr_rrd_message_free(&m);
                break;
            }
            last_msg_stream = m.stream_index;
            if (v->on_msg) st = v->on_msg(v->ctx, &m, err);
            rr_rrd_message_free(&m);
        }
        if (st == RR_OK && n == 0) {
            st = rr_rrd_decoder_finish(dec, err);
            break;
        }
    }
    rr_rrd_decoder_free(dec);
    free(buf);
    if (fd != STDIN_FILENO) close(fd);
    return st;
}

/* The chunk of an ArrowMsg (payload decoded, record batch checked). */
static rr_status_t decode_chunk(const rr_rrd_message_t *m, rr_chunk_t **out, rr_error_t *err) {
    struct ArrowSchema schema;
    struct ArrowArray batch;
    memset(&schema, 0, sizeof schema);
    memset(&batch, 0, sizeof batch);
    *out = NULL;
    rr_status_t st = rr_rrd_payload_decode(&m->msg.u.arrow, 0, &schema, &batch, err);
    if (st == RR_OK) st = rr_chunk_from_record_batch(&schema, &batch, out, err);
    rr_arrow_schema_release(&schema);
    if (st != RR_OK)
        return rr_error_wrap(st, err, "offset %" PRIu64 ": ArrowMsg: ", m->offset);
    return RR_OK;
}

/* ---------------- print ---------------- */

static void print_time(FILE *o, rr_time_type_t type, int64_t v) {
    char b[64];
    rr_time_format(type, v, b, sizeof b);
    fputs(b, o);
}

static void print_chunk(FILE *o, const store_t *st, const rr_chunk_t *c, uint64_t offset,
                        bool verbose) {
    fprintf(o, "  chunk %s store=%d rows=%" PRId64, c->entity_path.str, st->number, c->num_rows);
    if (rr_chunk_is_static(c)) fputs(" static", o);
    for (int64_t i = 0; i < c->n_indexes; i++) {
        const rr_chunk_index_t *ix = &c->indexes[i];
        fprintf(o, " %s=", ix->timeline.name);
        if (rr_time_range_is_empty(ix->range)) {
            fputs("empty", o);
            continue;
        }
        print_time(o, ix->timeline.type, ix->range.min);
        fputs("..", o);
        print_time(o, ix->timeline.type, ix->range.max);
    }
    fputs(" components=", o);
    for (int64_t i = 0; i < c->n_components; i++)
        fprintf(o, "%s%s", i ? "," : "", c->components[i].descr.component);
    fprintf(o, " offset=%" PRIu64 "\n", offset);
    if (!verbose) return;
    for (int64_t r = 0; r < c->num_rows; r++) {
        char id[33];
        rr_tuid_format(rr_chunk_row_id(c, r), id);
        fprintf(o, "    row %s %s", c->entity_path.str, id);
        for (int64_t i = 0; i < c->n_indexes; i++) {
            fprintf(o, " %s=", c->indexes[i].timeline.name);
            print_time(o, c->indexes[i].timeline.type, rr_chunk_index_value(&c->indexes[i], r));
        }
        for (int64_t i = 0; i < c->n_components; i++) {
            fprintf(o, " %s=", c->components[i].descr.component);
            rr_arrow_put_value(o, &c->components[i].type, &c->components[i].array, r, RR_ARROW_STYLE_TEXT);
        }
        fputc('\n', o);
    }
}

typedef struct print_ctx {
    bool verbose;
    stores_t stores;
} print_ctx_t;

static rr_status_t print_msg(void *vctx, rr_rrd_message_t *m, rr_error_t *err) {
    print_ctx_t *p = vctx;
    const rr_store_id_t *id = rr_log_msg_store_id(&m->msg);
    store_t *st = stores_get(&p->stores, id, err);
    if (!st) return err->code;
    switch (m->msg.kind) {
    case RR_LOG_MSG_SET_STORE_INFO: {
        const rr_store_info_t *info = &m->msg.u.set_store_info.info;
        print_store_id(stdout, st);
        printf(" source=\"%s\"", source_name(info->source_kind));
        if (info->has_version)
            printf(" version=%u.%u.%u", info->version[0], info->version[1], info->version[2]);
        printf("\n");
        st->announced = true;
        return RR_OK;
    }
    case RR_LOG_MSG_ARROW: {
        if (!st->announced) {
            print_store_id(stdout, st);
            printf(" (no SetStoreInfo)\n");
            st->announced = true;
        }
        rr_chunk_t *c;
        RR_TRY(decode_chunk(m, &c, err));
        print_chunk(stdout, st, c, m->offset, p->verbose);
        rr_chunk_free(c);
        return RR_OK;
    }
    case RR_LOG_MSG_BLUEPRINT_ACTIVATION: {
        const rr_blueprint_activation_t *b = &m->msg.u.blueprint_activation;
        printf("  activate blueprint store=%d make_active=%d make_default=%d offset=%" PRIu64 "\n",
               st->number, b->make_active, b->make_default, m->offset);
        return RR_OK;
    }
    }
    return RR_OK;
}

static int cmd_print(int argc, char **argv) {
    bool verbose = false;
    int first = 0;
    for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
        if (!strcmp(argv[first], "-v") || !strcmp(argv[first], "--verbose"))
            verbose = true;
        else
            return usage_error("print", "unknown option '%s'", argv[first]);
    }
    if (first == argc) return usage_error("print", "no input file%s", NULL);
    int rc = 0;
    for (int i = first; i < argc; i++) {
        print_ctx_t p = {.verbose = verbose};
        visitor_t v = {print_msg, NULL, &p};
        rr_error_t err;
        memset(&err, 0, sizeof err);
        uint64_t n;
        printf("== %s\n", display_name(argv[i]));
        rr_status_t st = read_rrd(argv[i], &v, &n, &err);
        fflush(stdout);
        if (st != RR_OK) rc = rr_cli_fail("rrd print: %s: %s", display_name(argv[i]), one_line(&err));
        stores_free(&p.stores);
    }
    return rc;
}

/* ---------------- stats ---------------- */

/* Per file: the figures of the messages as stored, and a chunk store fed
 * the same messages for what a viewer or query would hold in memory. */
typedef struct stats_ctx {
    stores_t stores;
    rr_store_set_t *set;
} stats_ctx_t;

static rr_status_t stats_msg(void *vctx, rr_rrd_message_t *m, rr_error_t *err) {
    stats_ctx_t *ctx = vctx;
    store_t *st = stores_get(&ctx->stores, rr_log_msg_store_id(&m->msg), err);
    if (!st) return err->code;
    st->messages++;
    RR_TRY(rr_store_set_insert_log_msg(ctx->set, &m->msg, err));
    if (m->msg.kind != RR_LOG_MSG_ARROW) return RR_OK;
    rr_chunk_t *c;
    RR_TRY(decode_chunk(m, &c, err));
    entity_stats_t *e = entity_get(st, c->entity_path.str);
    if (!e) {
        rr_chunk_free(c);
        return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    }
    uint64_t disk = RR_RRD_MESSAGE_HEADER_SIZE + m->body_len;
    uint64_t arrow = m->msg.u.arrow.uncompressed_size;
    st->chunks++;
    st->rows += c->num_rows;
    st->disk += disk;
    st->arrow += arrow;
    e->chunks++;
    e->rows += c->num_rows;
    e->disk += disk;
    e->arrow += arrow;
    rr_chunk_free(c);
    return RR_OK;
}

static int cmp_entity(const void *a, const void *b) {
    return strcmp(((const entity_stats_t *)a)->path, ((const entity_stats_t *)b)->path);
}

static double ratio(uint64_t num, uint64_t den) { return den ? (double)num / (double)den : 0.0; }

static void print_stats(const char *name, uint64_t file_bytes, stores_t *stores,
                        const rr_store_set_t *set) {
    int64_t msgs = 0, chunks = 0, rows = 0;
    uint64_t disk = 0, arrow = 0;
    printf("== %s\n", name);
    for (size_t i = 0; i < stores->n; i++) {
        store_t *st = stores->v[i];
        print_store_id(stdout, st);
        printf("\n  messages=%" PRId64 " chunks=%" PRId64 " rows=%" PRId64 " disk_bytes=%" PRIu64
               " arrow_bytes=%" PRIu64 " compression_ratio=%.2f\n",
               st->messages, st->chunks, st->rows, st->disk, st->arrow, ratio(st->arrow, st->disk));
        const rr_store_t *mem = rr_store_set_find(set, &st->id);
        if (mem) {
            rr_store_stats_t ss;
            rr_store_get_stats(mem, &ss);
            printf("  in a chunk store: chunks=%" PRIu64 " (static %" PRIu64 ") rows=%" PRIu64
                   " arrow_bytes=%" PRIu64 " index_bytes=%" PRIu64 " memory_bytes=%" PRIu64
                   " compactions=%" PRIu64 "\n",
                   ss.num_chunks, ss.num_static_chunks, ss.num_rows, ss.arrow_bytes, ss.index_bytes,
                   ss.total_bytes, ss.num_compactions);
        }
        if (st->n_ents > 1) qsort(st->ents, st->n_ents, sizeof *st->ents, cmp_entity);
        for (size_t e = 0; e < st->n_ents; e++) {
            const entity_stats_t *en = &st->ents[e];
            printf("  entity %s chunks=%" PRId64 " rows=%" PRId64 " disk_bytes=%" PRIu64
                   " arrow_bytes=%" PRIu64 "\n",
                   en->path, en->chunks, en->rows, en->disk, en->arrow);
        }
        msgs += st->messages;
        chunks += st->chunks;
        rows += st->rows;
        disk += st->disk;
        arrow += st->arrow;
    }
    printf("total: stores=%zu messages=%" PRId64 " chunks=%" PRId64 " rows=%" PRId64
           " file_bytes=%" PRIu64 " chunk_bytes=%" PRIu64 " arrow_bytes=%" PRIu64
           " compression_ratio=%.2f\n",
           stores->n, msgs, chunks, rows, file_bytes, disk, arrow, ratio(arrow, disk));
}

static int cmd_stats(int argc, char **argv) {
    if (argc == 0) return usage_error("stats", "no input file%s", NULL);
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) return usage_error("stats", "unknown option '%s'", argv[i]);
    }
    for (int i = 0; i < argc; i++) {
        stats_ctx_t ctx = {0};
        rr_error_t err;
        memset(&err, 0, sizeof err);
        if (rr_store_set_new(NULL, &ctx.set, &err) != RR_OK)
            return rr_cli_fail("rrd stats: %s", one_line(&err));
        visitor_t v = {stats_msg, NULL, &ctx};
        uint64_t n;
        rr_status_t st = read_rrd(argv[i], &v, &n, &err);
        /* Partial figures are still worth showing: they cover what decoded. */
        print_stats(display_name(argv[i]), n, &ctx.stores, ctx.set);
        fflush(stdout);
        if (st != RR_OK) rc = rr_cli_fail("rrd stats: %s: %s", display_name(argv[i]), one_line(&err));
        stores_free(&ctx.stores);
        rr_store_set_free(ctx.set);
    }
    return rc;
}

/* ---------------- verify ---------------- */

/* What a manifest entry must say about a chunk. */
typedef struct seen_chunk {
    uint32_t stream;
    store_t *store;
    rr_tuid_t id;
    char *entity;
    bool is_static;
    uint64_t rows;
    uint64_t body_offset; /* absolute */
    uint64_t body_len;
    uint64_t uncompressed;
    int64_t n_ranges; /* per timeline of the chunk */
    struct seen_range {
        char *timeline;
        rr_time_range_t range;
    } *ranges;
} seen_chunk_t;

typedef struct verify_ctx {
    stores_t stores;
    size_t n_seen, cap_seen;
    seen_chunk_t *seen;
    size_t n_starts;
    uint64_t *stream_start; /* absolute offset of each stream, by index */
    int64_t rows;
    size_t footers;
} verify_ctx_t;

static void verify_ctx_free(verify_ctx_t *v) {
    for (size_t i = 0; i < v->n_seen; i++) {
        free(v->seen[i].entity);
        for (int64_t k = 0; k < v->seen[i].n_ranges; k++) free(v->seen[i].ranges[k].timeline);
        free(v->seen[i].ranges);
    }
    free(v->seen);
    free(v->stream_start);
    stores_free(&v->stores);
}

static rr_status_t verify_msg(void *vctx, rr_rrd_message_t *m, rr_error_t *err) {
    verify_ctx_t *v = vctx;
    const rr_store_id_t *id = rr_log_msg_store_id(&m->msg);
    if (id->kind != RR_STORE_KIND_RECORDING && id->kind != RR_STORE_KIND_BLUEPRINT)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "offset %" PRIu64 ": %s message: store kind %d",
                            m->offset, rr_log_msg_kind_str(m->msg.kind), (int)id->kind);
    store_t *st = stores_get(&v->stores, id, err);
    if (!st) return err->code;
    st->messages++;
    /* A stream's first message follows its 12-byte header directly. */
    while (v->n_starts <= m->stream_index) {
        uint64_t *grown = realloc(v->stream_start, (v->n_starts + 1) * sizeof *grown);
        if (!grown) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        v->stream_start = grown;
        v->stream_start[v->n_starts++] = m->offset - RR_RRD_STREAM_HEADER_SIZE;
    }
    if (m->msg.kind != RR_LOG_MSG_ARROW) return RR_OK;
    const rr_arrow_msg_t *a = &m->msg.u.arrow;
    rr_chunk_t *c;
    RR_TRY(decode_chunk(m, &c, err));
    rr_status_t status = RR_OK;
    char want[33], got[33];
    if (a->has_chunk_id && rr_tuid_cmp(a->chunk_id, c->id) != 0) {
        rr_tuid_format(a->chunk_id, want);
        rr_tuid_format(c->id, got);
        status = rr_error_set(err, RR_ERR_INVALID_DATA,
                              "offset %" PRIu64 ": ArrowMsg says chunk %s, its record batch is chunk %s",
                              m->offset, want, got);
    } else if (a->has_is_static && a->is_static != rr_chunk_is_static(c)) {
        status = rr_error_set(err, RR_ERR_INVALID_DATA,
                              "offset %" PRIu64 ": ArrowMsg says is_static=%d, chunk %s has %" PRId64
                              " timelines",
                              m->offset, a->is_static, c->entity_path.str, c->n_indexes);
    }
    if (status == RR_OK && v->n_seen == v->cap_seen) {
        size_t cap = v->cap_seen ? v->cap_seen * 2 : 64;
        seen_chunk_t *grown = realloc(v->seen, cap * sizeof *grown);
        if (!grown)
            status = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        else {
            v->seen = grown;
            v->cap_seen = cap;
        }
    }
    if (status == RR_OK) {
        seen_chunk_t *s = &v->seen[v->n_seen];
        *s = (seen_chunk_t){m->stream_index, st, c->id, strdup(c->entity_path.str),
                            rr_chunk_is_static(c), (uint64_t)c->num_rows, m->body_offset,
                            m->body_len, a->uncompressed_size, 0, NULL};
        if (s->entity && c->n_indexes) {
            s->ranges = calloc((size_t)c->n_indexes, sizeof *s->ranges);
            for (int64_t k = 0; s->ranges && k < c->n_indexes; k++, s->n_ranges++) {
                s->ranges[k].range = c->indexes[k].range;
                if (!(s->ranges[k].timeline = strdup(c->indexes[k].timeline.name))) break;
            }
        }
        if (s->entity && s->n_ranges == c->n_indexes) {
            v->n_seen++;
        } else {
            free(s->entity);
            for (int64_t k = 0; k < s->n_ranges; k++) free(s->ranges[k].timeline);
            free(s->ranges);
            status = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        }
        st->chunks++;
        st->rows += c->num_rows;
        v->rows += c->num_rows;
    }
    rr_chunk_free(c);
    return status;
}

/* The seen chunk of a stream whose body starts at rel (offset from the
 * stream's start), by binary search: within a stream, chunks come in offset order. */
static seen_chunk_t *find_seen(verify_ctx_t *v, uint32_t stream, uint64_t rel) {
    if (stream >= v->n_starts) return NULL;
    uint64_t abs_off = v->stream_start[stream] + rel;
    size_t lo = 0, hi = v->n_seen;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->seen[mid].body_offset < abs_off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < v->n_seen && v->seen[lo].body_offset == abs_off && v->seen[lo].stream == stream)
        return &v->seen[lo];
    return NULL;
}

/* The manifest column of a timeline's start or end, named as Rerun's
 * RawRrdManifest names it ("<timeline>:start", with ',', ' ', '-', '.', '\\'
 * made '_' and leading '_' dropped); -1 when absent. */
static int64_t range_column(const struct ArrowSchema *data_schema, const char *timeline,
                            const char *suffix) {
    size_t n = strlen(timeline) + strlen(suffix) + 2;
    char *name = malloc(n);
    if (!name) return -1;
    snprintf(name, n, "%s%s%s", timeline, timeline[0] ? ":" : "", suffix);
    for (char *p = name; *p; p++)
        if (strchr(", -.\\", *p)) *p = '_';
    const char *trimmed = name + strspn(name, "_");
    int64_t found = -1;
    for (int64_t c = 0; c < data_schema->n_children && found < 0; c++)
        if (data_schema->children[c]->name && !strcmp(data_schema->children[c]->name, trimmed))
            found = c;
    free(name);
    return found;
}

/* Entry i's start/end on each of its chunk's timelines equal the chunk's. */
static rr_status_t check_ranges(const rr_rrd_manifest_t *mf, int64_t i, const seen_chunk_t *s,
                                rr_error_t *err) {
    /* Entry i is row i of the manifest table, spread over its batches. */
    int64_t b = 0, r = i;
    while (b < mf->n_batches && r >= mf->batches[b].length) r -= mf->batches[b++].length;
    if (b == mf->n_batches)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "offset %" PRIu64 ": footer manifest table has no row %" PRId64,
                            s->body_offset, i);
    const struct ArrowArray *batch = &mf->batches[b];
    for (int64_t k = 0; k < s->n_ranges; k++) {
        for (int e = 0; e < 2; e++) {
            const char *what = e ? "end" : "start";
            int64_t c = range_column(&mf->data_schema, s->ranges[k].timeline, what);
            const struct ArrowArray *col = c >= 0 && c < batch->n_children ? batch->children[c] : NULL;
            rr_time_type_t type;
            if (!col || !rr_time_type_from_arrow_format(mf->data_schema.children[c]->format, &type))
                return rr_error_set(err, RR_ERR_INVALID_DATA,
                                    "offset %" PRIu64 ": chunk %s: the footer manifest has no "
                                    "time column '%s:%s'",
                                    s->body_offset, s->entity, s->ranges[k].timeline, what);
            int64_t at = batch->offset + r;
            int64_t want = e ? s->ranges[k].range.max : s->ranges[k].range.min;
            bool valid = rr_arrow_array_is_valid(col, at);
            int64_t got = valid ? ((const int64_t *)col->buffers[1])[col->offset + at] : 0;
            if (!valid || got != want)
                return rr_error_set(err, RR_ERR_INVALID_DATA,
                                    "offset %" PRIu64 ": chunk %s: the footer manifest's %s:%s is "
                                    "%s%" PRId64 ", the chunk's %" PRId64,
                                    s->body_offset, s->entity, s->ranges[k].timeline, what,
                                    valid ? "" : "null ", got, want);
        }
    }
    return RR_OK;
}

static rr_status_t check_manifest(verify_ctx_t *v, const rr_rrd_manifest_t *mf, uint32_t stream,
                                  rr_error_t *err) {
    /* The chunks this stream had for the manifest's store. */
    int64_t expected = 0;
    uint64_t first_offset = 0;
    for (size_t i = 0; i < v->n_seen; i++)
        if (v->seen[i].stream == stream && rr_store_id_equal(&v->seen[i].store->id, &mf->store_id)) {
            if (!expected) first_offset = v->seen[i].body_offset;
            expected++;
        }
    const char *rec = mf->store_id.recording_id ? mf->store_id.recording_id : "";
    if (expected != mf->n_chunks)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "offset %" PRIu64 ": footer manifest of store %s lists %" PRId64
                            " chunks, the stream has %" PRId64,
                            first_offset, rec, mf->n_chunks, expected);
    for (int64_t i = 0; i < mf->n_chunks; i++) {
        const rr_rrd_manifest_entry_t *e = &mf->chunks[i];
        seen_chunk_t *s = find_seen(v, stream, e->byte_offset);
        if (!s || !rr_store_id_equal(&s->store->id, &mf->store_id))
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "offset %" PRIu64 ": footer manifest of store %s: entry %" PRId64
                                " points at stream offset %" PRIu64 ", where no chunk of that store is",
                                v->stream_start[stream] + e->byte_offset, rec, i, e->byte_offset);
        const char *what = NULL;
        if (rr_tuid_cmp(s->id, e->chunk_id) != 0)
            what = "chunk id";
        else if (!e->entity_path || strcmp(s->entity, e->entity_path) != 0)
            what = "entity path";
        else if (s->is_static != e->is_static)
            what = "is_static";
        else if (s->rows != e->num_rows)
            what = "row count";
        else if (s->body_len != e->byte_size)
            what = "byte size";
        else if (s->uncompressed != e->byte_size_uncompressed)
            what = "uncompressed byte size";
        if (what)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "offset %" PRIu64 ": chunk %s: the footer manifest's %s differs "
                                "from the chunk's",
                                s->body_offset, s->entity, what);
        RR_TRY(check_ranges(mf, i, s, err));
    }
    return RR_OK;
}

static rr_status_t verify_footer(void *vctx, const rr_rrd_footer_msg_t *f, uint32_t stream,
                                 rr_error_t *err) {
    verify_ctx_t *v = vctx;
    v->footers++;
    for (size_t i = 0; i < f->n_manifests; i++) {
        rr_rrd_manifest_t mf;
        rr_status_t st = rr_rrd_manifest_read(&f->manifests[i], &mf, err);
        if (st != RR_OK)
            return rr_error_wrap(st, err, "RrdFooter of stream %u: manifest %zu: ",
                                 stream == UINT32_MAX ? 0 : stream + 1, i);
        if (stream == UINT32_MAX) {
            /* A stream without messages can list no chunk. */
            if (mf.n_chunks)
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "RrdFooter of a stream without messages lists %" PRId64 " chunks",
                                  mf.n_chunks);
        } else {
            st = check_manifest(v, &mf, stream, err);
        }
        rr_rrd_manifest_free(&mf);
        RR_TRY(st);
    }
    return RR_OK;
}

/* Seekable files with a footer: the random-access reader must find the same
 * chunks the last stream's footer lists, each at its place. */
static rr_status_t verify_random_access(const char *path, rr_error_t *err) {
    if (!strcmp(path, "-")) return RR_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return rr_error_set(err, RR_ERR_IO, "cannot open: %s", strerror(errno));
    struct stat sb;
    rr_status_t st = RR_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return RR_OK;
    }
    rr_rrd_source_t src;
    rr_rrd_index_t idx;
    memset(&idx, 0, sizeof idx);
    st = rr_rrd_source_fd(&src, fd, err);
    if (st == RR_OK) {
        st = rr_rrd_index_read(&src, &idx, err);
        if (st == RR_ERR_NOT_FOUND) {
            close(fd);
            return RR_OK; /* no footer at the end: nothing to check */
        }
        if (st != RR_OK) rr_error_prefix(err, "random access: ");
    }
    for (size_t m = 0; st == RR_OK && m < idx.n_manifests; m++) {
        const rr_rrd_manifest_t *mf = &idx.manifests[m];
        for (int64_t i = 0; st == RR_OK && i < mf->n_chunks; i++) {
            rr_arrow_msg_t a;
            memset(&a, 0, sizeof a);
            st = rr_rrd_index_read_msg(&src, &idx, &mf->chunks[i], &a, err);
            if (st == RR_OK && (!a.has_chunk_id || rr_tuid_cmp(a.chunk_id, mf->chunks[i].chunk_id)))
                st = rr_error_set(err, RR_ERR_INVALID_DATA, "chunk id differs from the manifest's");
            if (st != RR_OK)
                rr_error_prefix(err, "offset %" PRIu64 ": random access to manifest entry %" PRId64 ": ",
                                idx.stream_start + mf->chunks[i].byte_offset, i);
            rr_log_msg_t owned;
            memset(&owned, 0, sizeof owned);
            owned.kind = RR_LOG_MSG_ARROW;
            owned.u.arrow = a;
            rr_log_msg_free(&owned);
        }
    }
    rr_rrd_index_free(&idx);
    close(fd);
    return st;
}

static int cmd_verify(int argc, char **argv) {
    if (argc == 0) return usage_error("verify", "no input file%s", NULL);
    for (int i = 0; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1]) return usage_error("verify", "unknown option '%s'", argv[i]);
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        verify_ctx_t v;
        memset(&v, 0, sizeof v);
        visitor_t vis = {verify_msg, verify_footer, &v};
        rr_error_t err;
        memset(&err, 0, sizeof err);
        uint64_t n;
        rr_status_t st = read_rrd(argv[i], &vis, &n, &err);
        if (st == RR_OK) st = verify_random_access(argv[i], &err);
        if (st == RR_OK)
            printf("%s: ok (%" PRIu64 " bytes, %zu streams, %zu stores, %zu chunks, %" PRId64
                   " rows, %zu footers checked)\n",
                   display_name(argv[i]), n, v.n_starts, v.stores.n, v.n_seen, v.rows, v.footers);
        else
            rc = rr_cli_fail("rrd verify: %s: %s", display_name(argv[i]), one_line(&err));
        fflush(stdout);
        verify_ctx_free(&v);
    }
    return rc;
}

/* ---------------- merge and compact ---------------- */

typedef struct compact_opts {
    int64_t max_rows, max_rows_unsorted, max_bytes;
} compact_opts_t;

/* Chunks of one entity of one store waiting to be merged. */
typedef struct pending {
    store_t *store;
    char *entity;
    size_t n, cap;
    rr_chunk_t **chunks;
    int64_t rows, bytes;
    bool sorted;       /* every timeline non-decreasing across all of them */
    int64_t *last_max; /* per index column of chunks[0] */
} pending_t;

typedef struct rewrite {
    bool compact;
    compact_opts_t opts;
    rr_rrd_writer_t *w;
    stores_t stores;
    size_t n_pending;
    pending_t **pending;
    int64_t chunks_in, chunks_out, rows_in, rows_out;
} rewrite_t;

static rr_status_t announce(rewrite_t *r, store_t *st, const rr_store_info_t *info,
                            rr_error_t *err) {
    if (st->announced) return RR_OK;
    rr_store_info_t synth;
    if (!info) {
        /* A store whose chunks came without a SetStoreInfo still gets one first. */
        memset(&synth, 0, sizeof synth);
        synth.store_id = st->id;
        info = &synth;
    }
    RR_TRY(rr_rrd_writer_set_store_info(r->w, info, err));
    st->announced = true;
    return RR_OK;
}

static rr_status_t emit_chunk(rewrite_t *r, store_t *st, const rr_chunk_t *c, rr_error_t *err) {
    RR_TRY(rr_rrd_writer_write_chunk(r->w, &st->id, c, err));
    r->chunks_out++;
    r->rows_out += c->num_rows;
    return RR_OK;
}

static bool same_columns(const rr_chunk_t *a, const rr_chunk_t *b) {
    if (a->n_indexes != b->n_indexes || a->n_components != b->n_components) return false;
    for (int64_t i = 0; i < a->n_indexes; i++)
        if (!rr_timeline_equal(&a->indexes[i].timeline, &b->indexes[i].timeline)) return false;
    for (int64_t i = 0; i < a->n_components; i++)
        if (!rr_component_descriptor_equal(&a->components[i].descr, &b->components[i].descr) ||
            !rr_arrow_schema_equal(&a->components[i].type, &b->components[i].type, NULL))
            return false;
    return true;
}

/* One chunk of all the rows of cs[0..n) (same columns), with a fresh id. */
static rr_status_t concat_chunks(rr_chunk_t *const *cs, size_t n, rr_chunk_t **out,
                                 rr_error_t *err) {
    *out = NULL;
    int64_t total = 0;
    for (size_t k = 0; k < n; k++) total += cs[k]->num_rows;
    rr_tuid_t *ids = malloc((size_t)(total ? total : 1) * sizeof *ids);
    const struct ArrowArray **arrays = malloc(n * sizeof *arrays);
    if (!ids || !arrays) {
        free(ids);
        free(arrays);
        return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    }
    int64_t at = 0;
    for (size_t k = 0; k < n; k++)
        for (int64_t i = 0; i < cs[k]->num_rows; i++) ids[at++] = rr_chunk_row_id(cs[k], i);
    rr_chunk_t *m = NULL;
    rr_status_t st = rr_chunk_new(rr_tuid_new(), &cs[0]->entity_path, total, ids, &m, err);
    for (int64_t j = 0; st == RR_OK && j < cs[0]->n_indexes; j++) {
        const rr_timeline_t *tl = &cs[0]->indexes[j].timeline;
        struct ArrowSchema s;
        struct ArrowArray arr;
        memset(&s, 0, sizeof s);
        memset(&arr, 0, sizeof arr);
        for (size_t k = 0; k < n; k++) arrays[k] = &cs[k]->indexes[j].array;
        st = rr_arrow_schema_init(&s, rr_time_type_arrow_format(tl->type), "", 0, 0, err);
        if (st == RR_OK) st = rr_arrow_concat(&s, arrays, (int64_t)n, &arr, err);
        if (st == RR_OK) st = rr_chunk_add_index_array(m, tl->name, tl->type, &arr, err);
        rr_arrow_schema_release(&s);
    }
    for (int64_t j = 0; st == RR_OK && j < cs[0]->n_components; j++) {
        const rr_chunk_component_t *cc = &cs[0]->components[j];
        struct ArrowArray arr;
        memset(&arr, 0, sizeof arr);
        for (size_t k = 0; k < n; k++) arrays[k] = &cs[k]->components[j].array;
        st = rr_arrow_concat(&cc->type, arrays, (int64_t)n, &arr, err);
        if (st == RR_OK) st = rr_chunk_add_component(m, &cc->descr, &cc->type, &arr, err);
    }
    free(ids);
    free(arrays);
    if (st != RR_OK) {
        rr_chunk_free(m);
        return rr_error_wrap(st, err, "compacting %s: ", cs[0]->entity_path.str);
    }
    *out = m;
    return RR_OK;
}

static rr_status_t flush_pending(rewrite_t *r, pending_t *p, rr_error_t *err) {
    if (p->n == 0) return RR_OK;
    rr_status_t st;
    if (p->n == 1) {
        st = emit_chunk(r, p->store, p->chunks[0], err);
    } else {
        rr_chunk_t *m = NULL;
        st = concat_chunks(p->chunks, p->n, &m, err);
        if (st == RR_OK) st = emit_chunk(r, p->store, m, err);
        rr_chunk_free(m);
    }
    for (size_t i = 0; i < p->n; i++) rr_chunk_free(p->chunks[i]);
    p->n = 0;
    p->rows = p->bytes = 0;
    free(p->last_max);
    p->last_max = NULL;
    return st;
}

static bool chunk_time_sorted(const rr_chunk_t *c) {
    for (int64_t j = 0; j < c->n_indexes; j++)
        if (!c->indexes[j].is_sorted) return false;
    return true;
}

/* Whether c may join p, and whether the result stays time-sorted. */
static bool fits(const rewrite_t *r, const pending_t *p, const rr_chunk_t *c, bool *sorted) {
    *sorted = chunk_time_sorted(c);
    if (p->n == 0) return true;
    if (!same_columns(p->chunks[0], c)) return false;
    *sorted = *sorted && p->sorted;
    for (int64_t j = 0; *sorted && j < c->n_indexes; j++)
        if (c->num_rows && c->indexes[j].range.min < p->last_max[j]) *sorted = false;
    int64_t max_rows = *sorted ? r->opts.max_rows : r->opts.max_rows_unsorted;
    return p->rows + c->num_rows <= max_rows && p->bytes + rr_chunk_byte_size(c) <= r->opts.max_bytes;
}

static pending_t *pending_for(rewrite_t *r, store_t *st, const char *entity, rr_error_t *err) {
    for (size_t i = 0; i < r->n_pending; i++)
        if (r->pending[i]->store == st && !strcmp(r->pending[i]->entity, entity)) return r->pending[i];
    pending_t **grown = realloc(r->pending, (r->n_pending + 1) * sizeof *grown);
    pending_t *p = calloc(1, sizeof *p);
    if (grown) r->pending = grown;
    if (!grown || !p || !(p->entity = strdup(entity))) {
        free(p);
        rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        return NULL;
    }
    p->store = st;
    r->pending[r->n_pending++] = p;
    return p;
}

/* Takes c (frees it whatever happens). */
static rr_status_t compact_chunk(rewrite_t *r, store_t *st, rr_chunk_t *c, rr_error_t *err) {
    pending_t *p = pending_for(r, st, c->entity_path.str, err);
    rr_status_t status = p ? RR_OK : err->code;
    bool sorted = false;
    if (status == RR_OK && !fits(r, p, c, &sorted)) {
        status = flush_pending(r, p, err);
        sorted = chunk_time_sorted(c);
    }
    if (status == RR_OK && p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        rr_chunk_t **grown = realloc(p->chunks, cap * sizeof *grown);
        if (!grown)
            status = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        else {
            p->chunks = grown;
            p->cap = cap;
        }
    }
    if (status == RR_OK && p->n == 0 && c->n_indexes) {
        p->last_max = malloc((size_t)c->n_indexes * sizeof *p->last_max);
        if (!p->last_max)
            status = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        else
            for (int64_t j = 0; j < c->n_indexes; j++) p->last_max[j] = INT64_MIN;
    }
    if (status != RR_OK) {
        rr_chunk_free(c);
        return status;
    }
    for (int64_t j = 0; j < c->n_indexes; j++)
        if (c->num_rows && c->indexes[j].range.max > p->last_max[j])
            p->last_max[j] = c->indexes[j].range.max;
    p->sorted = sorted;
    p->rows += c->num_rows;
    p->bytes += rr_chunk_byte_size(c);
    p->chunks[p->n++] = c;
    return RR_OK;
}

static rr_status_t flush_all(rewrite_t *r, const store_t *only, rr_error_t *err) {
    for (size_t i = 0; i < r->n_pending; i++)
        if (!only || r->pending[i]->store == only) RR_TRY(flush_pending(r, r->pending[i], err));
    return RR_OK;
}

static void rewrite_free(rewrite_t *r) {
    for (size_t i = 0; i < r->n_pending; i++) {
        pending_t *p = r->pending[i];
        for (size_t k = 0; k < p->n; k++) rr_chunk_free(p->chunks[k]);
        free(p->chunks);
        free(p->last_max);
        free(p->entity);
        free(p);
    }
    free(r->pending);
    stores_free(&r->stores);
}

static rr_status_t rewrite_msg(void *vctx, rr_rrd_message_t *m, rr_error_t *err) {
    rewrite_t *r = vctx;
    store_t *st = stores_get(&r->stores, rr_log_msg_store_id(&m->msg), err);
    if (!st) return err->code;
    rr_status_t status = RR_OK;
    switch (m->msg.kind) {
    case RR_LOG_MSG_SET_STORE_INFO:
        status = announce(r, st, &m->msg.u.set_store_info.info, err);
        break;
    case RR_LOG_MSG_ARROW: {
        RR_TRY(announce(r, st, NULL, err));
        rr_chunk_t *c;
        RR_TRY(decode_chunk(m, &c, err));
        r->chunks_in++;
        r->rows_in += c->num_rows;
        if (r->compact) return compact_chunk(r, st, c, err);
        status = emit_chunk(r, st, c, err);
        rr_chunk_free(c);
        break;
    }
    case RR_LOG_MSG_BLUEPRINT_ACTIVATION:
        /* Activation comes after the blueprint's data: keep it so. */
        status = flush_all(r, stores_get(&r->stores, &m->msg.u.blueprint_activation.blueprint_id, err), err);
        if (status == RR_OK) status = rr_rrd_writer_write_msg(r->w, &m->msg, err);
        break;
    }
    if (status != RR_OK && status != RR_ERR_NOMEM)
        rr_error_prefix(err, "offset %" PRIu64 ": writing: ", m->offset);
    return status;
}

static bool parse_count(const char *s, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0) return false;
    *out = v;
    return true;
}

/* The same file by device and inode. */
static bool same_file(const char *a, const char *b) {
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int cmd_rewrite(const char *cmd, bool compact, int argc, char **argv) {
    const char *out_path = NULL;
    rr_rrd_writer_options_t wopts;
    memset(&wopts, 0, sizeof wopts);
    compact_opts_t copts = {COMPACT_MAX_ROWS, COMPACT_MAX_ROWS_IF_UNSORTED, COMPACT_MAX_BYTES};
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    if (!inputs) return rr_cli_fail("rrd %s: out of memory", cmd);
    int n_inputs = 0, rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        int64_t *count = NULL;
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) rc = usage_error(cmd, "%s needs a file name", a);
            else out_path = argv[++i];
            continue;
        }
        if (!strcmp(a, "--no-compression")) {
            wopts.no_compression = true;
            continue;
        }
        if (compact && !strcmp(a, "--max-rows")) count = &copts.max_rows;
        else if (compact && !strcmp(a, "--max-rows-if-unsorted")) count = &copts.max_rows_unsorted;
        else if (compact && !strcmp(a, "--max-bytes")) count = &copts.max_bytes;
        if (count) {
            if (i + 1 >= argc || !parse_count(argv[i + 1], count))
                rc = usage_error(cmd, "%s needs a non-negative number", a);
            i++;
            continue;
        }
        if (a[0] == '-' && a[1]) {
            rc = usage_error(cmd, "unknown option '%s'", a);
            continue;
        }
        inputs[n_inputs++] = argv[i];
    }
    if (rc == 0 && !out_path) rc = usage_error(cmd, "no output file (-o OUT)%s", NULL);
    if (rc == 0 && n_inputs == 0) rc = usage_error(cmd, "no input file%s", NULL);
    if (rc == 0 && compact && n_inputs != 1) rc = usage_error(cmd, "compact takes one input file%s", NULL);
    bool to_stdout = out_path && !strcmp(out_path, "-");
    for (int i = 0; rc == 0 && i < n_inputs; i++)
        if (!to_stdout && same_file(inputs[i], out_path))
            rc = usage_error(cmd, "the output '%s' is also an input", out_path);
    if (rc != 0) {
        free(inputs);
        return rc;
    }

    rewrite_t r;
    memset(&r, 0, sizeof r);
    r.compact = compact;
    r.opts = copts;
    rr_error_t err;
    memset(&err, 0, sizeof err);
    const char *at = out_path; /* what an error names */
    FILE *f = to_stdout ? stdout : fopen(out_path, "wb");
    rr_status_t st = f ? rr_rrd_writer_open_file(f, &wopts, &r.w, &err)
                       : rr_error_set(&err, RR_ERR_IO, "cannot create: %s", strerror(errno));
    visitor_t v = {rewrite_msg, NULL, &r};
    for (int i = 0; st == RR_OK && i < n_inputs; i++) {
        uint64_t n;
        st = read_rrd(inputs[i], &v, &n, &err);
        if (st != RR_OK) at = display_name(inputs[i]);
    }
    if (st == RR_OK) st = flush_all(&r, NULL, &err);
    if (st == RR_OK) {
        st = rr_rrd_writer_finish(r.w, &err);
        r.w = NULL;
    }
    rr_rrd_writer_free(r.w);
    if (f && fflush(f) != 0 && st == RR_OK)
        st = rr_error_set(&err, RR_ERR_IO, "write failed: %s", strerror(errno));
    if (f && !to_stdout && fclose(f) != 0 && st == RR_OK)
        st = rr_error_set(&err, RR_ERR_IO, "write failed: %s", strerror(errno));
    if (st != RR_OK) {
        /* Half a recording would pass for a whole one: remove it. */
        if (f && !to_stdout) unlink(out_path);
        rc = rr_cli_fail("rrd %s: %s: %s", cmd, at, one_line(&err));
    } else if (!to_stdout) {
        printf("wrote %s: %zu stores, %" PRId64 " chunks (from %" PRId64 "), %" PRId64 " rows (from %" PRId64 ")\n",
               out_path, r.stores.n, r.chunks_out, r.chunks_in, r.rows_out, r.rows_in);
    }
    rewrite_free(&r);
    free(inputs);
    return rc;
}

/* ---------------- dispatch ---------------- */

int rr_cli_rrd(int argc, char **argv) {
    if (argc < 1) {
        fputs(RRD_USAGE, stderr);
        return 2;
    }
    const char *sub = argv[0];
    bool help = !strcmp(sub, "help");
    for (int i = 0; i < argc; i++) help = help || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
    if (help) {
        fputs(RRD_USAGE, stdout);
        return 0;
    }
    if (!strcmp(sub, "print")) return cmd_print(argc - 1, argv + 1);
    if (!strcmp(sub, "stats")) return cmd_stats(argc - 1, argv + 1);
    if (!strcmp(sub, "verify")) return cmd_verify(argc - 1, argv + 1);
    if (!strcmp(sub, "merge")) return cmd_rewrite("merge", false, argc - 1, argv + 1);
    if (!strcmp(sub, "compact")) return cmd_rewrite("compact", true, argc - 1, argv + 1);
    return usage_error(NULL, "unknown subcommand '%s'", sub);
}
