/* The batcher: turns logged rows into chunks, as Rerun's ChunkBatcher
 * (crates/store/re_chunk/src/batcher.rs). Rows gather per entity; an
 * entity's pending rows are cut into chunks when they reach flush_num_rows
 * rows or flush_num_bytes bytes, and every entity's are at each flush tick
 * and on rr_flush. Within an entity, rows with the same timelines and the
 * same component columns (names and datatypes) go into one chunk, split
 * further (as Rerun) every chunk_max_rows_if_unsorted rows once a timeline is
 * out of order.
 *
 * Logging threads only append under `mu`: a row keeps references to the
 * archetype's instance cells, no copy. Rows of one-instance fixed-width
 * generated components (a scalar, a point) skip even that: they go to the
 * thread's stage for the entity, without a lock (see "per-thread staging"),
 * and a stage holding STAGE_EARLY_ROWS rows goes out as a chunk before the
 * thresholds when the background thread is idle: else a thread logging
 * several entities in turn fills all of their chunks at once, and the
 * background thread sits idle until then and busy long after. Building
 * chunks (concatenating the cells) and handing them to emit happen on the
 * background thread, or, with no_threads, on the logging thread that
 * crosses a threshold and in rr_flush. `out_mu` keeps emit calls one at a
 * time and in queue order; lock order is out_mu before mu. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arrow/array.h"
#include "arrow/kernels.h"
#include "arrow/schema.h"
#include "base/clock.h"
#include "sdk/sdk_internal.h"

uint64_t rr_sdk_now_ns(void) { return rr_clock_mono_ns(); }

int64_t rr_sdk_wall_clock_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + (int64_t)ts.tv_nsec;
}

/* ---- configuration ---- */

static void warn_env(const char *name, const char *value) {
    char msg[256];
    snprintf(msg, sizeof msg, "ignoring %s=%s: not a valid value", name, value);
    rr_sdk_log_warn(msg);
}

/* "123", "2MiB", "10MB", "1.5 GB": decimal (kB, MB, GB, TB) and binary
 * (KiB, MiB, GiB, TiB) units, as Rerun's re_format::parse_bytes. */
static bool parse_bytes(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0) return false;
    while (*end == ' ') end++;
    static const struct { const char *unit; double mul; } units[] = {
        {"", 1},          {"B", 1},          {"kB", 1e3},          {"KB", 1e3},
        {"MB", 1e6},      {"GB", 1e9},       {"TB", 1e12},         {"KiB", 1024.0},
        {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            double r = v * units[i].mul;
            *out = r >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)r;
            return true;
        }
    }
    return false;
}

static bool parse_u64(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    if (*s == '-' || *s == 0) return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno) return false;
    *out = v;
    return true;
}

void rr_sdk_batcher_config_resolve(const rr_batcher_config_t *api, rr_sdk_batcher_config_t *out) {
    out->flush_tick_ns = RR_SDK_DEFAULT_FLUSH_TICK_NS;
    out->flush_num_bytes = RR_SDK_DEFAULT_FLUSH_NUM_BYTES;
    out->flush_num_rows = RR_SDK_DEFAULT_FLUSH_NUM_ROWS;
    out->chunk_max_rows_if_unsorted = RR_SDK_DEFAULT_CHUNK_MAX_ROWS_IF_UNSORTED;
    out->no_threads = false;
    const char *s;
    if ((s = getenv("RERUN_FLUSH_TICK_SECS"))) {
        char *end;
        errno = 0;
        double secs = strtod(s, &end);
        if (end == s || *end || errno || !(secs >= 0) || secs > 1e9)
            warn_env("RERUN_FLUSH_TICK_SECS", s);
        else
            out->flush_tick_ns = (uint64_t)(secs * 1e9);
    }
    uint64_t v;
    if ((s = getenv("RERUN_FLUSH_NUM_BYTES"))) {
        if (parse_bytes(s, &v)) out->flush_num_bytes = v;
        else warn_env("RERUN_FLUSH_NUM_BYTES", s);
    }
    if ((s = getenv("RERUN_FLUSH_NUM_ROWS"))) {
        if (parse_u64(s, &v)) out->flush_num_rows = v;
        else warn_env("RERUN_FLUSH_NUM_ROWS", s);
    }
    if ((s = getenv("RERUN_CHUNK_MAX_ROWS_IF_UNSORTED"))) {
        if (parse_u64(s, &v)) out->chunk_max_rows_if_unsorted = v;
        else warn_env("RERUN_CHUNK_MAX_ROWS_IF_UNSORTED", s);
    }
    if (api) {
        if (api->flush_tick_ns) out->flush_tick_ns = api->flush_tick_ns;
        if (api->flush_num_bytes) out->flush_num_bytes = api->flush_num_bytes;
        if (api->flush_num_rows) out->flush_num_rows = api->flush_num_rows;
        out->no_threads = api->no_threads;
    }
    /* A zero tick would spin the thread; the smallest useful one is 1 ms. */
    if (out->flush_tick_ns < 1000000) out->flush_tick_ns = 1000000;
}

/* ---- pending rows ---- */

typedef struct shape_col {
    rr_component_descriptor_t desc;
    struct ArrowSchema schema; /* instance type */
    /* For generated batches (static descriptor strings, shared schema) the
     * pointers the column was made from: the same pointers match without
     * comparing strings. NULL otherwise. */
    const char *src_archetype, *src_component, *src_type;
    const struct ArrowSchema *src_schema;
    uint32_t width; /* flat column: bytes per instance; 0: a column of cells */
} shape_col_t;

/* Pending values of one column: a flat column appends each row's bytes to
 * one growable buffer (the chunk's values buffer later, no copy); a column
 * of cells keeps a reference per row. */
typedef struct pcol {
    int32_t *offs;         /* flat: n + 1 instance offsets; NULL while every row
                            * holds one instance (row i is instance i) */
    uint8_t *data;         /* flat: the values */
    size_t len, cap;       /* flat: bytes */
    rr_sdk_cell_t **cells; /* cells: one per row */
} pcol_t;

/* Instances before row i of a flat column. */
static inline int32_t pcol_inst(const pcol_t *p, size_t i) {
    return p->offs ? p->offs[i] : (int32_t)i;
}

/* The pending rows of a shape, moved out whole when they are queued. */
typedef struct rows {
    size_t n, cap;
    bool ring; /* row_ids and times are a stage's ring columns (handed over) */
    rr_tuid_t *row_ids;
    int64_t *times; /* n x n_times */
    pcol_t *cols;   /* n_cols */
} rows_t;

/* Rows of one entity with one set of timelines and component columns. Never
 * freed before the batcher: queued rows point at their shape. */
typedef struct shape {
    struct shape *next;
    uint64_t times_gen; /* a generation of times known to match (0: none) */
    /* Rows and flat bytes per column the last detached rows reached: the
     * next rows start at that size instead of growing (and copying) there
     * by doubling again. Bounded by what the shape held before. */
    size_t hint_rows;
    size_t *hint_bytes; /* n_cols */
    size_t n_times;
    rr_timeline_t *timelines; /* sorted by name */
    size_t n_cols;
    shape_col_t *cols;
    rows_t rows;
} shape_t;

typedef struct entity {
    struct entity *hnext;
    uint64_t hash;
    char *raw; /* the string as logged */
    rr_entity_path_t path;
    shape_t *shapes;
    shape_t *last; /* the shape of the entity's last row */
    uint64_t n_rows, n_bytes;
} entity_t;

/* A queued unit of output: the detached rows of one shape, or a chunk. */
typedef struct ready {
    struct ready *next;
    entity_t *ent;
    shape_t *shape;
    rows_t rows;
    rr_chunk_t *chunk;
} ready_t;

struct rr_sdk_batcher {
    rr_sdk_batcher_config_t cfg;
    rr_sdk_emit_fn emit;
    rr_sdk_write_through_fn write_through;
    void *ctx;

    pthread_mutex_t mu;     /* entities, shapes, the queue */
    pthread_mutex_t out_mu; /* emit */
    pthread_cond_t wake;
    pthread_t thread;
    bool has_thread, stop, skip_next_tick;
    uint64_t last_tick_ns;
    uint64_t last_tick_row_ns; /* no_threads: the row id time of the last tick */

    entity_t **buckets;
    size_t n_buckets, n_entities;
    /* Entities by the address of the string last logged with them: a hit
     * costs one strcmp, no hash (callers log from a few fixed strings). */
    struct {
        const char *raw;
        entity_t *e;
    } ent_cache[32]; /* indexed by the top 5 bits of a hash */
    ready_t *q_head, *q_tail;
    /* The background thread waits with nothing queued: logging threads
     * then hand their stages over early (see stage_push). Set by that thread
     * as it starts waiting, cleared as it wakes and by the logging thread
     * that gives it a chunk; written under mu, read without it. */
    atomic_bool idle;
    uint64_t id;           /* process-unique: threads' stages name their batcher by it */
    struct stage *stages;  /* every thread's stage for this batcher (under mu) */
};

static atomic_uint_fast64_t g_batcher_ids;

/* Ring columns (row ids, times, values of handed-over and outgrown
 * rings) kept for the next rings, process-wide: memory that malloc gave
 * back to the system (it does for blocks this large) costs a page fault per
 * 4 KiB written again, ~15 ns a logged scalar. At most SPARE_BLOCKS blocks
 * and SPARE_MAX_BYTES stay kept; smaller blocks than SPARE_MIN_BYTES are
 * left to malloc, which reuses them anyway. */
#define SPARE_BLOCKS 64
#define SPARE_MIN_BYTES (64 * 1024)
#define SPARE_MAX_BYTES (48u << 20)
static struct {
    void *p;
    size_t bytes;
} g_spare[SPARE_BLOCKS];
static size_t g_n_spare, g_spare_bytes;
static pthread_mutex_t g_spare_mu = PTHREAD_MUTEX_INITIALIZER;

/* A block of exactly bytes: a kept one, else a new one. */
static void *spare_take(size_t bytes) {
    if (bytes >= SPARE_MIN_BYTES) {
        pthread_mutex_lock(&g_spare_mu);
        for (size_t i = g_n_spare; i-- > 0;)
            if (g_spare[i].bytes == bytes) {
                void *p = g_spare[i].p;
                g_spare[i] = g_spare[--g_n_spare];
                g_spare_bytes -= bytes;
                pthread_mutex_unlock(&g_spare_mu);
                return p;
            }
        pthread_mutex_unlock(&g_spare_mu);
    }
    return malloc(bytes ? bytes : 1);
}

/* Keeps a block of bytes for spare_take, or frees it. NULL-safe. */
static void spare_give(void *p, size_t bytes) {
    if (!p) return;
    if (bytes >= SPARE_MIN_BYTES) {
        pthread_mutex_lock(&g_spare_mu);
        if (g_n_spare < SPARE_BLOCKS && g_spare_bytes + bytes <= SPARE_MAX_BYTES) {
            g_spare[g_n_spare].p = p;
            g_spare[g_n_spare].bytes = bytes;
            g_n_spare++;
            g_spare_bytes += bytes;
            p = NULL;
        }
        pthread_mutex_unlock(&g_spare_mu);
    }
    free(p);
}

/* A blob's release of a values column taken from a ring (ctx: spare_ctx_t). */
typedef struct spare_ctx {
    void *p;
    size_t bytes;
} spare_ctx_t;
static void spare_blob_free(void *ctx) {
    spare_ctx_t *c = ctx;
    spare_give(c->p, c->bytes);
    free(c);
}

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static void rows_free(rows_t *r, size_t n_cols) {
    for (size_t k = 0; r->cols && k < n_cols; k++) {
        pcol_t *p = &r->cols[k];
        if (p->cells)
            for (size_t i = 0; i < r->n; i++) rr_sdk_cell_release(p->cells[i]);
        free(p->cells);
        free(p->offs);
        free(p->data);
    }
    free(r->cols);
    free(r->row_ids);
    free(r->times);
    memset(r, 0, sizeof *r);
}

static void shape_free(shape_t *s) {
    for (size_t i = 0; i < s->n_times; i++) rr_timeline_free(&s->timelines[i]);
    free(s->timelines);
    rows_free(&s->rows, s->n_cols);
    for (size_t i = 0; i < s->n_cols; i++) {
        rr_component_descriptor_free(&s->cols[i].desc);
        rr_arrow_schema_release(&s->cols[i].schema);
    }
    free(s->cols);
    free(s->hint_bytes);
    free(s);
}

static void ready_free(ready_t *r) {
    if (r->shape) rows_free(&r->rows, r->shape->n_cols);
    rr_chunk_free(r->chunk);
    free(r);
}

static void enqueue(rr_sdk_batcher_t *b, ready_t *r) {
    if (b->q_tail) b->q_tail->next = r;
    else b->q_head = r;
    b->q_tail = r;
}

/* Moves an entity's pending rows into the queue (under mu). */
static void detach_entity(rr_sdk_batcher_t *b, entity_t *e) {
    if (!e->n_rows) return;
    for (shape_t *s = e->shapes; s; s = s->next) {
        if (!s->rows.n) continue;
        ready_t *r = calloc(1, sizeof *r);
        if (!r) {
            /* Keep the rows: the next flush tries again. */
            rr_sdk_log_warn("batcher: out of memory queueing rows; retrying at the next flush");
            return;
        }
        r->ent = e;
        r->shape = s;
        s->hint_rows = s->rows.n;
        for (size_t k = 0; s->hint_bytes && s->rows.cols && k < s->n_cols; k++)
            s->hint_bytes[k] = s->rows.cols[k].len;
        r->rows = s->rows;
        memset(&s->rows, 0, sizeof s->rows);
        enqueue(b, r);
    }
    e->n_rows = e->n_bytes = 0;
}

static bool stages_collect(rr_sdk_batcher_t *b);
static void stages_release(rr_sdk_batcher_t *b);

static void detach_all(rr_sdk_batcher_t *b) {
    for (size_t i = 0; i < b->n_buckets; i++)
        for (entity_t *e = b->buckets[i]; e; e = e->hnext) detach_entity(b, e);
}

/* ---- chunks ---- */

rr_status_t rr_sdk_copy_array(const struct ArrowSchema *schema, const struct ArrowArray *src,
                              struct ArrowArray *dst, rr_error_t *err) {
    const struct ArrowArray *one[1] = {src};
    return rr_arrow_concat(schema, one, 1, dst, err);
}

rr_status_t rr_sdk_list_column(const struct ArrowSchema *item,
                               const struct ArrowArray *const *arrays, int64_t n,
                               struct ArrowSchema *list_schema, struct ArrowArray *list,
                               rr_error_t *err) {
    memset(list_schema, 0, sizeof *list_schema);
    memset(list, 0, sizeof *list);
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++) total += arrays[i]->length;
    if (total > INT32_MAX)
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "%lld instances in one chunk column (at most %d)", (long long)total,
                            INT32_MAX);
    struct ArrowArray values;
    RR_TRY(rr_arrow_concat(item, arrays, n, &values, err));
    rr_status_t st = rr_arrow_schema_init(list_schema, "+l", "", ARROW_FLAG_NULLABLE, 1, err);
    if (st == RR_OK) st = rr_arrow_schema_copy(item, list_schema->children[0], err);
    if (st == RR_OK) st = rr_arrow_schema_set_name(list_schema->children[0], "item", err);
    if (st == RR_OK) st = rr_arrow_array_init(list, 2, 1, false, err);
    int32_t *off = NULL;
    if (st == RR_OK) {
        off = rr_arrow_array_alloc_buffer(list, 1, (size_t)(n + 1) * sizeof(int32_t));
        if (!off) st = rr_error_set(err, RR_ERR_NOMEM, "out of memory building a list column");
    }
    if (st != RR_OK) {
        rr_arrow_array_release(&values);
        rr_arrow_array_release(list);
        rr_arrow_schema_release(list_schema);
        return st;
    }
    off[0] = 0;
    for (int64_t i = 0; i < n; i++) off[i + 1] = off[i] + (int32_t)arrays[i]->length;
    list->length = n;
    list->null_count = 0;
    rr_arrow_array_move(&values, list->children[0]);
    return RR_OK;
}

/* Rows [from, to) of a flat column as a list column: offsets rebased, the
 * values a slice of blob (shared, not copied). */
static rr_status_t flat_column(const shape_col_t *c, const pcol_t *p, rr_arrow_blob_t *blob,
                               size_t from, size_t to, struct ArrowSchema *ls,
                               struct ArrowArray *la, rr_error_t *err) {
    memset(ls, 0, sizeof *ls);
    memset(la, 0, sizeof *la);
    size_t n = to - from;
    int32_t base = pcol_inst(p, from);
    int64_t inst = pcol_inst(p, to) - base;
    const uint8_t *values = blob ? (const uint8_t *)blob->data + (size_t)base * c->width : NULL;
    bool fsl = strncmp(c->schema.format, "+w:", 3) == 0;
    rr_status_t st = rr_arrow_schema_init(ls, "+l", "", ARROW_FLAG_NULLABLE, 1, err);
    if (st == RR_OK) st = rr_arrow_schema_copy(&c->schema, ls->children[0], err);
    if (st == RR_OK) st = rr_arrow_schema_set_name(ls->children[0], "item", err);
    if (st == RR_OK) st = rr_arrow_array_init(la, 2, 1, false, err);
    int32_t *off = NULL;
    if (st == RR_OK && !(off = rr_arrow_array_alloc_buffer(la, 1, (n + 1) * sizeof *off)))
        st = rr_error_set(err, RR_ERR_NOMEM, "out of memory building a list column");
    struct ArrowArray *v = st == RR_OK ? la->children[0] : NULL;
    if (st == RR_OK) st = rr_arrow_array_init(v, fsl ? 1 : 2, fsl ? 1 : 0, false, err);
    if (st == RR_OK) {
        if (p->offs)
            for (size_t i = 0; i <= n; i++) off[i] = p->offs[from + i] - base;
        else
            for (size_t i = 0; i <= n; i++) off[i] = (int32_t)i;
        la->length = (int64_t)n;
        v->length = inst;
        struct ArrowArray *leaf = v;
        if (fsl) {
            leaf = v->children[0];
            st = rr_arrow_array_init(leaf, 2, 0, false, err);
            leaf->length = inst * (int64_t)(c->width / rr_sdk_flat_width(c->schema.children[0]));
        }
        if (st == RR_OK && values && inst) rr_arrow_array_set_buffer_blob(leaf, 1, values, blob);
    }
    if (st != RR_OK) {
        rr_arrow_array_release(la);
        rr_arrow_schema_release(ls);
    }
    return st;
}

/* Rows [from, to) of a detached shape as one chunk; blobs[k] holds flat
 * column k's values. */
static rr_status_t build_chunk(const ready_t *r, rr_arrow_blob_t *const *blobs, size_t from,
                               size_t to, rr_chunk_t **out, rr_error_t *err) {
    const shape_t *s = r->shape;
    const rows_t *rw = &r->rows;
    size_t n = to - from;
    rr_chunk_t *c;
    RR_TRY(rr_chunk_new(rr_tuid_new(), &r->ent->path, (int64_t)n, rw->row_ids + from, &c, err));
    rr_status_t st = RR_OK;
    const struct ArrowArray **arrs = NULL;
    if (s->n_cols && !(arrs = malloc(n * sizeof *arrs)))
        st = rr_error_set(err, RR_ERR_NOMEM, "out of memory building a chunk");
    /* The time columns, out of the rows' times (row after row) in one pass. */
    enum { TIMES_AT_ONCE = 8 };
    for (size_t t0 = 0; st == RR_OK && t0 < s->n_times; t0 += TIMES_AT_ONCE) {
        size_t nt = s->n_times - t0 < TIMES_AT_ONCE ? s->n_times - t0 : TIMES_AT_ONCE;
        struct ArrowArray cols[TIMES_AT_ONCE];
        int64_t *v[TIMES_AT_ONCE];
        size_t made = 0;
        while (st == RR_OK && made < nt) {
            st = rr_arrow_array_init(&cols[made], 2, 0, false, err);
            if (st != RR_OK) break;
            if (!(v[made] = rr_arrow_array_alloc_buffer(&cols[made], 1, n ? n * 8 : 8))) {
                rr_arrow_array_release(&cols[made]);
                st = rr_error_set(err, RR_ERR_NOMEM, "out of memory building a chunk");
                break;
            }
            made++;
        }
        if (st == RR_OK) {
            const int64_t *row = rw->times + from * s->n_times + t0;
            for (size_t i = 0; i < n; i++, row += s->n_times)
                for (size_t k = 0; k < nt; k++) v[k][i] = row[k];
        }
        for (size_t k = 0; k < made; k++) {
            cols[k].length = (int64_t)n;
            if (st == RR_OK)
                st = rr_chunk_add_index_array(c, s->timelines[t0 + k].name,
                                              s->timelines[t0 + k].type, &cols[k], err);
            else
                rr_arrow_array_release(&cols[k]);
        }
    }
    for (size_t k = 0; st == RR_OK && k < s->n_cols; k++) {
        const pcol_t *p = &rw->cols[k];
        struct ArrowSchema ls;
        struct ArrowArray la;
        if (s->cols[k].width) {
            st = flat_column(&s->cols[k], p, blobs[k], from, to, &ls, &la, err);
        } else {
            for (size_t i = 0; i < n; i++) arrs[i] = &p->cells[from + i]->array;
            st = rr_sdk_list_column(&s->cols[k].schema, arrs, (int64_t)n, &ls, &la, err);
        }
        if (st == RR_OK) {
            st = rr_chunk_add_component(c, &s->cols[k].desc, &ls, &la, err);
            rr_arrow_schema_release(&ls);
        }
        if (st != RR_OK)
            rr_error_prefix(err, "component '%s': ", s->cols[k].desc.component);
    }
    free(arrs);
    if (st != RR_OK) {
        rr_chunk_free(c);
        return rr_error_wrap(st, err, "entity '%s': ", r->ent->path.str);
    }
    *out = c;
    return RR_OK;
}

static void free_ctx(void *p) { free(p); }

/* Emits a queued unit as one or more chunks (under out_mu, not mu). */
static void process(rr_sdk_batcher_t *b, ready_t *r) {
    rr_error_t err;
    if (r->chunk) {
        rr_chunk_t *c = r->chunk;
        r->chunk = NULL;
        b->emit(b->ctx, c);
        return;
    }
    const shape_t *s = r->shape;
    rows_t *rw = &r->rows;
    /* Flat columns' values pass to the chunks by reference. */
    rr_arrow_blob_t *local[16];
    rr_arrow_blob_t **blobs = s->n_cols <= 16 ? local : calloc(s->n_cols, sizeof *blobs);
    bool ok = blobs != NULL;
    for (size_t k = 0; ok && k < s->n_cols; k++) {
        pcol_t *p = &rw->cols[k];
        blobs[k] = NULL;
        if (!s->cols[k].width || !p->data) continue;
        spare_ctx_t *sc = rw->ring ? malloc(sizeof *sc) : NULL;
        if (sc) *sc = (spare_ctx_t){p->data, p->cap};
        blobs[k] = sc ? rr_arrow_blob_wrap(p->data, p->len, spare_blob_free, sc)
                      : rr_arrow_blob_wrap(p->data, p->len, free_ctx, p->data);
        if (!blobs[k]) {
            free(sc);
            ok = false;
            for (size_t j = 0; j < k; j++) rr_arrow_blob_release(blobs[j]);
        } else {
            p->data = NULL;
        }
    }
    if (!ok) {
        rr_sdk_log_warn("batcher: dropping rows: out of memory building a chunk");
        if (blobs != local) free(blobs);
        return;
    }
    size_t from = 0;
    /* Per timeline: is it sorted so far within the current chunk. */
    bool unsorted = false;
    uint64_t max_rows = b->cfg.chunk_max_rows_if_unsorted;
    /* Rows in order on every timeline (the usual case) make one chunk:
     * each time is at least the one a row before, s->n_times values back. */
    size_t nt = s->n_times, nv = rw->n * nt;
    bool sorted = true;
    for (size_t j = nt; j < nv; j++) sorted &= rw->times[j] >= rw->times[j - nt];
    for (size_t i = sorted && rw->n > 1 ? rw->n : 1; i <= rw->n; i++) {
        if (i < rw->n) {
            for (size_t t = 0; !unsorted && t < s->n_times; t++)
                if (i > from && rw->times[i * s->n_times + t] < rw->times[(i - 1) * s->n_times + t])
                    unsorted = true;
            if (!(unsorted && i - from >= max_rows)) continue;
        }
        rr_chunk_t *c = NULL;
        if (build_chunk(r, blobs, from, i, &c, &err) == RR_OK) {
            b->emit(b->ctx, c);
        } else {
            char msg[RR_ERROR_MSG_MAX + 64];
            snprintf(msg, sizeof msg, "batcher: dropping rows: %s", err.msg);
            rr_sdk_log_warn(msg);
        }
        from = i;
        unsorted = false;
    }
    for (size_t k = 0; k < s->n_cols; k++) rr_arrow_blob_release(blobs[k]);
    if (blobs != local) free(blobs);
}

/* Takes the whole queue and emits it. Caller holds out_mu, not mu. */
static void drain(rr_sdk_batcher_t *b) {
    pthread_mutex_lock(&b->mu);
    ready_t *q = b->q_head;
    b->q_head = b->q_tail = NULL;
    pthread_mutex_unlock(&b->mu);
    while (q) {
        ready_t *next = q->next;
        process(b, q);
        if (q->shape && q->rows.ring) {
            spare_give(q->rows.row_ids, q->rows.cap * sizeof *q->rows.row_ids);
            spare_give(q->rows.times, q->rows.cap * q->shape->n_times * sizeof *q->rows.times);
            q->rows.row_ids = NULL;
            q->rows.times = NULL;
        }
        ready_free(q);
        q = next;
    }
}

static void *thread_main(void *arg) {
    rr_sdk_batcher_t *b = arg;
    pthread_mutex_lock(&b->mu);
    while (!b->stop) {
        uint64_t now = rr_sdk_now_ns();
        uint64_t deadline = b->last_tick_ns + b->cfg.flush_tick_ns;
        if (!b->q_head && now < deadline) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            uint64_t wait = deadline - now;
            ts.tv_sec += (time_t)(wait / 1000000000ull);
            ts.tv_nsec += (long)(wait % 1000000000ull);
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            atomic_store_explicit(&b->idle, true, memory_order_relaxed);
            pthread_cond_timedwait(&b->wake, &b->mu, &ts);
            atomic_store_explicit(&b->idle, false, memory_order_relaxed);
            continue;
        }
        if (now >= deadline) {
            /* As Rerun: a flush for rows or bytes makes the next tick skip. */
            bool skip = b->skip_next_tick;
            (void)stages_collect(b);
            if (!skip) detach_all(b);
            b->skip_next_tick = false;
            b->last_tick_ns = now;
        }
        if (b->q_head) {
            pthread_mutex_unlock(&b->mu);
            pthread_mutex_lock(&b->out_mu);
            drain(b);
            pthread_mutex_unlock(&b->out_mu);
            pthread_mutex_lock(&b->mu);
        }
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

rr_status_t rr_sdk_batcher_new(const rr_sdk_batcher_config_t *cfg, rr_sdk_emit_fn emit, void *ctx,
                               rr_sdk_batcher_t **out, rr_error_t *err) {
    rr_sdk_batcher_t *b = calloc(1, sizeof *b);
    if (b) atomic_init(&b->idle, false);
    if (!b) return rr_error_set(err, RR_ERR_NOMEM, "batcher: out of memory");
    b->cfg = *cfg;
    b->emit = emit;
    b->ctx = ctx;
    b->id = atomic_fetch_add(&g_batcher_ids, 1) + 1;
    b->n_buckets = 64;
    b->buckets = calloc(b->n_buckets, sizeof *b->buckets);
    if (!b->buckets) {
        free(b);
        return rr_error_set(err, RR_ERR_NOMEM, "batcher: out of memory");
    }
    pthread_mutex_init(&b->mu, NULL);
    pthread_mutex_init(&b->out_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->wake, &ca);
    pthread_condattr_destroy(&ca);
    b->last_tick_ns = rr_sdk_now_ns();
    b->last_tick_row_ns = rr_tuid_new().time_ns;
    if (!cfg->no_threads) {
        int rc = pthread_create(&b->thread, NULL, thread_main, b);
        if (rc != 0) {
            pthread_cond_destroy(&b->wake);
            pthread_mutex_destroy(&b->mu);
            pthread_mutex_destroy(&b->out_mu);
            free(b->buckets);
            free(b);
            return rr_error_set(err, RR_ERR_IO, "batcher: cannot start its thread: %s",
                                strerror(rc));
        }
        b->has_thread = true;
    }
    *out = b;
    return RR_OK;
}

void rr_sdk_batcher_flush(rr_sdk_batcher_t *b) {
    pthread_mutex_lock(&b->out_mu);
    pthread_mutex_lock(&b->mu);
    (void)stages_collect(b);
    detach_all(b);
    b->skip_next_tick = true;
    pthread_mutex_unlock(&b->mu);
    drain(b);
    pthread_mutex_unlock(&b->out_mu);
}

void rr_sdk_batcher_free(rr_sdk_batcher_t *b) {
    if (!b) return;
    if (b->has_thread) {
        pthread_mutex_lock(&b->mu);
        b->stop = true;
        pthread_cond_signal(&b->wake);
        pthread_mutex_unlock(&b->mu);
        pthread_join(b->thread, NULL);
    }
    rr_sdk_batcher_flush(b);
    stages_release(b);
    for (size_t i = 0; i < b->n_buckets; i++) {
        entity_t *e = b->buckets[i];
        while (e) {
            entity_t *next = e->hnext;
            shape_t *s = e->shapes;
            while (s) {
                shape_t *sn = s->next;
                shape_free(s);
                s = sn;
            }
            rr_entity_path_free(&e->path);
            free(e->raw);
            free(e);
            e = next;
        }
    }
    free(b->buckets);
    pthread_cond_destroy(&b->wake);
    pthread_mutex_destroy(&b->mu);
    pthread_mutex_destroy(&b->out_mu);
    free(b);
}

void rr_sdk_batcher_lock_output(rr_sdk_batcher_t *b) { pthread_mutex_lock(&b->out_mu); }
void rr_sdk_batcher_unlock_output(rr_sdk_batcher_t *b) { pthread_mutex_unlock(&b->out_mu); }

/* ---- rows ---- */

/* Datatypes compared by their format strings, recursively (names and
 * metadata of the instance type do not make a different column). */
static bool same_type(const struct ArrowSchema *a, const struct ArrowSchema *b) {
    if (strcmp(a->format, b->format) != 0 || a->n_children != b->n_children) return false;
    if (!a->dictionary != !b->dictionary) return false;
    if (a->dictionary && !same_type(a->dictionary, b->dictionary)) return false;
    for (int64_t i = 0; i < a->n_children; i++)
        if (!same_type(a->children[i], b->children[i])) return false;
    return true;
}

static bool str_eq(const char *a, const char *b) {
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether a cell batch can go into a flat column of width bytes: its values
 * without nulls (*values: the first instance's bytes). */
static bool cell_flat(const rr_sdk_batch_t *bt, uint32_t width, const void **values) {
    *values = NULL;
    if (bt->cell->array.length == 0) return true;
    *values = rr_sdk_flat_values(&bt->cell->array, width, rr_sdk_batch_schema(bt));
    return *values != NULL;
}

static bool col_matches(const shape_col_t *c, const rr_sdk_batch_t *bt) {
    const struct ArrowSchema *bs = rr_sdk_batch_schema(bt);
    bool same = c->src_schema && bt->static_desc && bt->shared == c->src_schema &&
                bt->desc.component == c->src_component &&
                bt->desc.archetype == c->src_archetype && bt->desc.component_type == c->src_type;
    if (!same && (!str_eq(c->desc.component, bt->desc.component) ||
                  !str_eq(c->desc.archetype, bt->desc.archetype) ||
                  !str_eq(c->desc.component_type, bt->desc.component_type) ||
                  !same_type(&c->schema, bs)))
        return false;
    const void *v;
    return !c->width || bt->width || cell_flat(bt, c->width, &v);
}

static bool shape_matches(const shape_t *s, const rr_sdk_time_t *times, size_t n_times,
                          uint64_t times_gen, const rr_archetype_t *a) {
    if (s->n_times != n_times || s->n_cols != a->n) return false;
    for (size_t i = 0; (!times_gen || times_gen != s->times_gen) && i < n_times; i++)
        if (s->timelines[i].type != times[i].type || strcmp(s->timelines[i].name, times[i].name))
            return false;
    for (size_t k = 0; k < a->n; k++)
        if (!col_matches(&s->cols[k], &a->batches[k])) return false;
    return true;
}

static shape_t *shape_new(const rr_sdk_time_t *times, size_t n_times, const rr_archetype_t *a,
                          rr_error_t *err) {
    shape_t *s = calloc(1, sizeof *s);
    if (!s) goto nomem;
    if (n_times && !(s->timelines = calloc(n_times, sizeof *s->timelines))) goto nomem;
    for (size_t i = 0; i < n_times; i++) {
        if (rr_timeline_init(&s->timelines[i], times[i].name, times[i].type, err) != RR_OK)
            goto fail;
        s->n_times = i + 1;
    }
    if (a->n && !(s->cols = calloc(a->n, sizeof *s->cols))) goto nomem;
    if (a->n && !(s->hint_bytes = calloc(a->n, sizeof *s->hint_bytes))) goto nomem;
    for (size_t k = 0; k < a->n; k++) {
        const rr_sdk_batch_t *bt = &a->batches[k];
        shape_col_t *c = &s->cols[k];
        if (rr_component_descriptor_copy(&bt->desc, &c->desc, err) != RR_OK) goto fail;
        if (rr_arrow_schema_copy(rr_sdk_batch_schema(bt), &c->schema, err) != RR_OK) {
            rr_component_descriptor_free(&c->desc);
            goto fail;
        }
        s->n_cols = k + 1;
        /* A flat batch makes a flat column; cells a column of cells. */
        c->width = bt->width;
        if (bt->static_desc && bt->shared) {
            c->src_archetype = bt->desc.archetype;
            c->src_component = bt->desc.component;
            c->src_type = bt->desc.component_type;
            c->src_schema = bt->shared;
        }
    }
    return s;
nomem:
    rr_error_set(err, RR_ERR_NOMEM, "batcher: out of memory");
fail:
    if (s) shape_free(s);
    return NULL;
}

static rr_status_t grow_buckets(rr_sdk_batcher_t *b) {
    size_t n = b->n_buckets * 2;
    entity_t **nb = calloc(n, sizeof *nb);
    if (!nb) return RR_ERR_NOMEM;
    for (size_t i = 0; i < b->n_buckets; i++) {
        entity_t *e = b->buckets[i];
        while (e) {
            entity_t *next = e->hnext;
            e->hnext = nb[e->hash & (n - 1)];
            nb[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(b->buckets);
    b->buckets = nb;
    b->n_buckets = n;
    return RR_OK;
}

/* The entity for a logged path string (under mu). */
static entity_t *entity_for(rr_sdk_batcher_t *b, const char *raw, rr_error_t *err) {
    /* Fibonacci hashing: strings in an array of fixed-size slots (a common
     * way to keep entity paths) would otherwise share a few slots. */
    size_t slot = (size_t)(((uint64_t)(uintptr_t)raw * UINT64_C(0x9E3779B97F4A7C15)) >> 59);
    /* The string at that address may have changed since: compare it. */
    if (b->ent_cache[slot].raw == raw && strcmp(b->ent_cache[slot].e->raw, raw) == 0)
        return b->ent_cache[slot].e;
    uint64_t h = hash_str(raw);
    for (entity_t *e = b->buckets[h & (b->n_buckets - 1)]; e; e = e->hnext)
        if (e->hash == h && strcmp(e->raw, raw) == 0) {
            b->ent_cache[slot].raw = raw;
            b->ent_cache[slot].e = e;
            return e;
        }
    entity_t *e = calloc(1, sizeof *e);
    if (!e || !(e->raw = strdup(raw))) {
        free(e);
        rr_error_set(err, RR_ERR_NOMEM, "batcher: out of memory");
        return NULL;
    }
    rr_error_t pe;
    if (rr_entity_path_parse(raw, strlen(raw), &e->path, &pe) != RR_OK) {
        free(e->raw);
        free(e);
        rr_error_set(err, RR_ERR_INVALID_ARG, "bad entity path \"%s\": %s", raw, pe.msg);
        return NULL;
    }
    e->hash = h;
    if (b->n_entities >= b->n_buckets) (void)grow_buckets(b);
    e->hnext = b->buckets[h & (b->n_buckets - 1)];
    b->buckets[h & (b->n_buckets - 1)] = e;
    b->n_entities++;
    b->ent_cache[slot].raw = raw;
    b->ent_cache[slot].e = e;
    return e;
}

/* Room for `more` rows in every per-row array. */
static rr_status_t rows_reserve_n(const shape_t *s, rows_t *r, size_t more) {
    if (!r->cols && s->n_cols && !(r->cols = calloc(s->n_cols, sizeof *r->cols)))
        return RR_ERR_NOMEM;
    if (r->n + more <= r->cap) return RR_OK;
    size_t cap = r->cap ? r->cap * 2 : s->hint_rows > 16 ? s->hint_rows : 16;
    while (cap < r->n + more) cap *= 2;
    rr_tuid_t *ids = realloc(r->row_ids, cap * sizeof *ids);
    if (!ids) return RR_ERR_NOMEM;
    r->row_ids = ids;
    if (s->n_times) {
        int64_t *t = realloc(r->times, cap * s->n_times * sizeof *t);
        if (!t) return RR_ERR_NOMEM;
        r->times = t;
    }
    for (size_t k = 0; k < s->n_cols; k++) {
        pcol_t *p = &r->cols[k];
        if (s->cols[k].width) {
            if (!p->offs) continue; /* implicit until a row of another size */
            int32_t *o = realloc(p->offs, (cap + 1) * sizeof *o);
            if (!o) return RR_ERR_NOMEM;
            p->offs = o;
        } else {
            rr_sdk_cell_t **c = realloc(p->cells, cap * sizeof *c);
            if (!c) return RR_ERR_NOMEM;
            p->cells = c;
        }
    }
    r->cap = cap;
    return RR_OK;
}

static rr_status_t rows_reserve(const shape_t *s, rows_t *r) { return rows_reserve_n(s, r, 1); }

/* Appends bytes to a flat column (hint: its first capacity; rows: the
 * capacity of its rows). */
static rr_status_t flat_append(pcol_t *p, size_t row, const void *data, int64_t inst,
                               uint32_t width, size_t hint, size_t rows) {
    size_t bytes = (size_t)inst * width;
    if (!p->offs && inst != 1) {
        /* The first row of another size: the offsets become explicit. */
        int32_t *o = malloc((rows + 1) * sizeof *o);
        if (!o) return RR_ERR_NOMEM;
        for (size_t i = 0; i <= row; i++) o[i] = (int32_t)i;
        p->offs = o;
    }
    if (p->len + bytes > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : hint > 256 ? hint : 256;
        if (cap < p->len + bytes) cap = p->len + bytes;
        uint8_t *d = realloc(p->data, cap);
        if (!d) return RR_ERR_NOMEM;
        p->data = d;
        p->cap = cap;
    }
    if (bytes) memcpy(p->data + p->len, data, bytes);
    p->len += bytes;
    if (p->offs) p->offs[row + 1] = p->offs[row] + (int32_t)inst;
    return RR_OK;
}

/* Whether a row adds more instances to a flat column than 32-bit list
 * offsets hold: the pending rows must go first. */
static bool flat_full(const shape_t *s, const rows_t *r, const rr_archetype_t *a) {
    if (!r->n) return false;
    for (size_t k = 0; k < s->n_cols; k++)
        if (s->cols[k].width &&
            (int64_t)pcol_inst(&r->cols[k], r->n) + a->batches[k].length > INT32_MAX)
            return true;
    return false;
}

/* Appends the row (under mu; s has room). cells[k]: the reference made for a
 * cell batch, used up by a column of cells. */
static rr_status_t append_row(shape_t *s, rr_tuid_t row_id, const rr_sdk_time_t *times,
                              const rr_archetype_t *a, rr_sdk_cell_t **cells, rr_error_t *err) {
    rows_t *r = &s->rows;
    size_t i = r->n;
    for (size_t k = 0; k < s->n_cols; k++) {
        const rr_sdk_batch_t *bt = &a->batches[k];
        pcol_t *p = &r->cols[k];
        rr_status_t st = RR_OK;
        if (s->cols[k].width) {
            const void *v = bt->width ? rr_sdk_batch_data(bt) : NULL;
            if (!bt->width) cell_flat(bt, s->cols[k].width, &v);
            st = flat_append(p, i, v, bt->length, s->cols[k].width, s->hint_bytes[k], r->cap);
        } else if (cells[k]) {
            p->cells[i] = cells[k];
            cells[k] = NULL;
        } else {
            /* A flat batch in a column of cells. */
            struct ArrowArray arr;
            st = rr_sdk_batch_values(bt, &arr, err);
            if (st == RR_OK && !(p->cells[i] = rr_sdk_cell_new(&arr, rr_sdk_batch_schema(bt)))) {
                rr_arrow_array_release(&arr);
                st = RR_ERR_NOMEM;
            }
        }
        if (st != RR_OK) {
            /* Undo the columns already appended. */
            for (size_t j = 0; j < k; j++)
                if (s->cols[j].width) {
                    pcol_t *q = &r->cols[j];
                    q->len -= (size_t)(pcol_inst(q, i + 1) - pcol_inst(q, i)) * s->cols[j].width;
                } else {
                    rr_sdk_cell_release(r->cols[j].cells[i]);
                }
            return st == RR_ERR_NOMEM ? rr_error_set(err, st, "batcher: out of memory") : st;
        }
    }
    r->row_ids[i] = row_id;
    for (size_t t = 0; t < s->n_times; t++) r->times[i * s->n_times + t] = times[t].value;
    r->n = i + 1;
    return RR_OK;
}

/* ---- per-thread staging ----
 *
 * A thread logging one-instance rows of fixed-width generated components
 * (scalars, single points, ...) appends them to its own stage for that
 * entity and shape: plain columns (row ids, times, values) in a ring that
 * only it writes, with no lock and no atomic read-modify-write: a row is
 * published by a release store of `pub`. Taking rows out (into the shape's
 * pending rows) happens under `mu` only, by the thread itself when its
 * stage holds `limit` rows (the rows that complete the entity's pending
 * chunk, at most STAGE_MAX_ROWS), by the batcher thread at every tick and
 * by every flush, and before the thread's own other rows of the entity or
 * a write-through; so every row still leaves within a tick and no flush
 * misses a row whose rr_log returned. The thread itself hands a ring that
 * starts at index 0 over whole to empty pending rows (its columns become
 * the chunk's, and the stage takes fresh ones); otherwise, and for the
 * batcher thread, rows are copied, one copy per column. The row that
 * (re)targets a stage goes into it too, and a full ring grows in place, so
 * that a thread logging an entity fast fills rings that are handed over.
 *
 * A stage is shared by its thread (a slot of t_stages, keyed by the
 * batcher's id and the logged string's address) and by the batcher (its
 * `stages` list): refs counts both. A thread that exits marks its stages
 * orphaned (the batcher frees them once their rows are out); a batcher
 * that goes away marks them dead (the thread drops them when it meets
 * them again). */

#define STAGE_MAX_ROWS 65536 /* a power of two; Rerun's 2 MiB of 52-byte rows fit */
#define STAGE_FIRST_ROWS 64
#define STAGE_SLOTS 64 /* a power of two */
#define STAGE_PROBES 4

typedef struct stage {
    atomic_int refs;
    atomic_bool orphan, dead;
    /* Rows [taken, pub) are staged at index & (cap - 1). pub is written by
     * the thread only; taken, and everything below but the ring's
     * contents, only under b->mu. */
    _Atomic uint64_t pub, taken;
    struct stage *next; /* in the batcher's list */
    uint64_t bid;
    const char *raw; /* the logged string's address */
    entity_t *e;
    shape_t *s;
    uint64_t times_gen;
    size_t cap, limit, n_vals;
    uint64_t row_bytes; /* as push_row counts a row */
    rr_tuid_t *ids;
    int64_t *times; /* cap x s->n_times */
    uint8_t **vals; /* per column: cap x width bytes */
} stage_t;

static _Thread_local stage_t *t_stages[STAGE_SLOTS];
static pthread_key_t g_stage_key;
static pthread_once_t g_stage_once = PTHREAD_ONCE_INIT;

static size_t stage_slot(uint64_t bid, const char *raw) {
    uint64_t h = ((uint64_t)(uintptr_t)raw ^ (bid << 40)) * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 58);
}

/* The ring's columns go (to the spare blocks when their sizes are known:
 * the next recording's rings reuse them). */
static void stage_free_columns(stage_t *st) {
    const shape_t *s = st->s;
    for (size_t k = 0; st->vals && k < st->n_vals; k++) {
        if (s && k < s->n_cols) spare_give(st->vals[k], st->cap * s->cols[k].width);
        else free(st->vals[k]);
    }
    free(st->vals);
    if (s) {
        spare_give(st->ids, st->cap * sizeof *st->ids);
        spare_give(st->times, st->cap * s->n_times * sizeof *st->times);
    } else {
        free(st->ids);
        free(st->times);
    }
    st->vals = NULL;
    st->ids = NULL;
    st->times = NULL;
    st->cap = st->n_vals = 0;
    atomic_store(&st->pub, 0);
    atomic_store(&st->taken, 0);
}

static void stage_unref(stage_t *st) {
    if (atomic_fetch_sub(&st->refs, 1) != 1) return;
    stage_free_columns(st);
    free(st);
}

/* Thread exit: the batcher takes what is left and frees the stages. */
static void stage_thread_exit(void *unused) {
    (void)unused;
    for (size_t i = 0; i < STAGE_SLOTS; i++) {
        stage_t *st = t_stages[i];
        if (!st) continue;
        t_stages[i] = NULL;
        atomic_store(&st->orphan, true);
        stage_unref(st);
    }
}

static void stage_key_init(void) {
    if (pthread_key_create(&g_stage_key, stage_thread_exit) != 0) g_stage_key = (pthread_key_t)-1;
}

/* Whether every column of s can be staged and a row of a fits them: flat,
 * one instance, the generated descriptor and type the column came from. */
static bool stage_fits(const shape_t *s, const rr_archetype_t *a) {
    if (a->n != s->n_cols || a->n == 0) return false;
    for (size_t k = 0; k < a->n; k++) {
        const rr_sdk_batch_t *bt = &a->batches[k];
        const shape_col_t *c = &s->cols[k];
        if (!c->src_schema || bt->width != c->width || !bt->width || bt->length != 1 ||
            !bt->static_desc || bt->shared != c->src_schema ||
            bt->desc.component != c->src_component || bt->desc.archetype != c->src_archetype ||
            bt->desc.component_type != c->src_type)
            return false;
    }
    return true;
}

/* The stage's first m rows (at ring index 0) become the shape's pending
 * rows (empty) by handing over the ring's columns, and the stage gets
 * fresh ones: no copy. Only the stage's own thread may do this (it writes
 * the ring without a lock). False when out of memory (nothing done). */
static bool stage_hand_over(shape_t *s, stage_t *st, size_t m) {
    rows_t *r = &s->rows;
    size_t cap = st->cap, nt = s->n_times;
    if (!r->cols && !(r->cols = calloc(s->n_cols, sizeof *r->cols))) return false;
    uint8_t *local[8];
    uint8_t **vals = s->n_cols <= 8 ? local : calloc(s->n_cols, sizeof *vals);
    rr_tuid_t *ids = spare_take(cap * sizeof *ids);
    int64_t *times = nt ? spare_take(cap * nt * sizeof *times) : NULL;
    bool ok = vals && ids && (times || !nt);
    for (size_t k = 0; vals && k < s->n_cols; k++)
        if (!(vals[k] = ok ? spare_take(cap * s->cols[k].width) : NULL)) ok = false;
    if (!ok) {
        for (size_t k = 0; vals && k < s->n_cols; k++) free(vals[k]);
        if (vals != local) free(vals);
        free(ids);
        free(times);
        return false;
    }
    free(r->row_ids);
    free(r->times);
    r->row_ids = st->ids;
    r->times = st->times;
    r->cap = cap;
    r->n = m;
    r->ring = true;
    st->ids = ids;
    st->times = times;
    for (size_t k = 0; k < s->n_cols; k++) {
        pcol_t *p = &r->cols[k];
        free(p->data);
        free(p->offs);
        free(p->cells);
        size_t w = s->cols[k].width;
        *p = (pcol_t){.data = st->vals[k], .len = m * w, .cap = cap * w};
        st->vals[k] = vals[k];
    }
    if (vals != local) free(vals);
    return true;
}

/* The rows after which this thread's stage moves them (under b->mu): as
 * many as complete the entity's pending chunk, so that a stage that
 * filled up to there is handed over whole. */
static size_t stage_limit(const rr_sdk_batcher_t *b, const stage_t *st) {
    const entity_t *e = st->e;
    uint64_t lim = STAGE_MAX_ROWS;
    uint64_t rows = b->cfg.flush_num_rows > e->n_rows ? b->cfg.flush_num_rows - e->n_rows : 1;
    uint64_t left = b->cfg.flush_num_bytes > e->n_bytes ? b->cfg.flush_num_bytes - e->n_bytes : 1;
    /* Rows pushed one by one are cut once their bytes reach the threshold. */
    uint64_t by_bytes = (left + st->row_bytes - 1) / st->row_bytes;
    if (rows < lim) lim = rows;
    if (by_bytes < lim) lim = by_bytes;
    return lim ? (size_t)lim : 1;
}

/* Rows moved from a stage by handing its columns over, at least. */
#define STAGE_HAND_OVER_ROWS 1024
/* Rows of an entity after which its thread's stage goes to the background
 * thread as a chunk whenever that thread is idle (below the thresholds). */
#ifndef STAGE_EARLY_ROWS
#define STAGE_EARLY_ROWS 4096
#endif

/* Moves a stage's rows into its shape's pending rows (under b->mu), cut
 * where the entity reaches a threshold exactly as rows pushed one by one
 * would be. own: called by the stage's thread, which may hand whole rings
 * over instead of copying them. Returns whether rows were queued. */
static bool stage_move(rr_sdk_batcher_t *b, stage_t *st, bool own) {
    bool due = false;
    uint64_t t = atomic_load_explicit(&st->taken, memory_order_relaxed);
    uint64_t end = atomic_load_explicit(&st->pub, memory_order_acquire);
    entity_t *e = st->e;
    shape_t *s = st->s;
    size_t nt = s->n_times;
    while (t < end) {
        rows_t *r = &s->rows;
        size_t at = (size_t)(t & (st->cap - 1));
        size_t m = (size_t)(end - t);
        if (m > st->cap - at) m = st->cap - at; /* contiguous in the ring */
        uint64_t room = b->cfg.flush_num_rows > e->n_rows ? b->cfg.flush_num_rows - e->n_rows : 1;
        if (m > room) m = (size_t)room;
        uint64_t left = b->cfg.flush_num_bytes > e->n_bytes ? b->cfg.flush_num_bytes - e->n_bytes : 1;
        room = (left + st->row_bytes - 1) / st->row_bytes;
        if (m > room) m = (size_t)room;
        if (r->n && r->cols && (int64_t)pcol_inst(&r->cols[0], r->n) + (int64_t)m > INT32_MAX) {
            detach_entity(b, e);
            due = true;
            continue;
        }
        /* A whole ring from its start into empty pending rows: handed over. */
        if (!(own && at == 0 && m == end - t && !r->n && m >= STAGE_HAND_OVER_ROWS &&
              stage_hand_over(s, st, m))) {
            bool ok = rows_reserve_n(s, r, m) == RR_OK;
            for (size_t k = 0; ok && k < s->n_cols; k++) {
                pcol_t *p = &r->cols[k];
                size_t bytes = m * s->cols[k].width;
                if (p->len + bytes <= p->cap) continue;
                size_t cap = p->cap ? p->cap * 2 : s->hint_bytes[k] > 256 ? s->hint_bytes[k] : 256;
                while (cap < p->len + bytes) cap *= 2;
                uint8_t *d = realloc(p->data, cap);
                if (!d) ok = false;
                else {
                    p->data = d;
                    p->cap = cap;
                }
            }
            if (!ok) {
                /* The rest stays staged: the next move tries again. */
                rr_sdk_log_warn("batcher: out of memory moving staged rows; retrying later");
                break;
            }
            memcpy(r->row_ids + r->n, st->ids + at, m * sizeof *st->ids);
            if (nt) memcpy(r->times + r->n * nt, st->times + at * nt, m * nt * sizeof *st->times);
            for (size_t k = 0; k < s->n_cols; k++) {
                pcol_t *p = &r->cols[k];
                uint32_t w = s->cols[k].width;
                memcpy(p->data + p->len, st->vals[k] + at * w, m * w);
                p->len += m * w;
                if (p->offs) {
                    int32_t o = p->offs[r->n];
                    for (size_t j = 1; j <= m; j++) p->offs[r->n + j] = o + (int32_t)j;
                }
            }
            r->n += m;
        }
        s->times_gen = st->times_gen;
        e->last = s;
        e->n_rows += m;
        e->n_bytes += m * st->row_bytes;
        t += m;
        if (e->n_rows >= b->cfg.flush_num_rows || e->n_bytes >= b->cfg.flush_num_bytes) {
            detach_entity(b, e);
            due = true;
        }
    }
    atomic_store_explicit(&st->taken, t, memory_order_release);
    if (own) {
        /* An empty ring starts again at index 0, where hand-overs happen. */
        if (t == end) {
            atomic_store_explicit(&st->taken, 0, memory_order_relaxed);
            atomic_store_explicit(&st->pub, 0, memory_order_relaxed);
        }
        st->limit = stage_limit(b, st);
    }
    if (due) b->skip_next_tick = true;
    return due;
}

/* Every stage's rows into pending rows; frees the stages of exited threads
 * (under mu). Returns whether rows were queued. */
static bool stages_collect(rr_sdk_batcher_t *b) {
    bool due = false;
    for (stage_t **pp = &b->stages; *pp;) {
        stage_t *st = *pp;
        /* Read first: an exited thread's rows are all published by then. */
        bool orphan = atomic_load(&st->orphan);
        if (st->s) due |= stage_move(b, st, false);
        if (orphan && atomic_load(&st->taken) == atomic_load(&st->pub)) {
            *pp = st->next;
            stage_unref(st);
        } else {
            pp = &st->next;
        }
    }
    return due;
}

/* The batcher is going: its stages (already collected; nobody logs to it
 * any more) lose their columns and are marked dead for their threads. */
static void stages_release(rr_sdk_batcher_t *b) {
    stage_t *st = b->stages;
    b->stages = NULL;
    while (st) {
        stage_t *next = st->next;
        stage_free_columns(st);
        st->s = NULL;
        st->e = NULL;
        atomic_store(&st->dead, true);
        stage_unref(st);
        st = next;
    }
}

/* This thread's stage for (bid, raw), or NULL. A stage lives in the first
 * free slot of the STAGE_PROBES after its string's home slot: ten entities
 * in 64 slots share a home slot about every other run, and two entities
 * re-targeting one stage row by row would cost a slow path per row. */
static stage_t *stage_find(uint64_t bid, const char *raw) {
    size_t h = stage_slot(bid, raw);
    for (size_t i = 0; i < STAGE_PROBES; i++) {
        stage_t *st = t_stages[(h + i) & (STAGE_SLOTS - 1)];
        if (st && st->raw == raw && st->bid == bid) return st;
    }
    return NULL;
}

/* The slot for this thread's stage of (bid, raw): its own, else a free
 * one, else one holding another batcher's stage (emptied: that batcher is
 * not touched, another thread may be freeing it now; the stage becomes an
 * orphan whose rows its next tick or flush takes, as an exited thread's),
 * else the home slot, whose stage (this batcher's, for another string) is
 * then re-targeted. */
static stage_t **stage_claim(uint64_t bid, const char *raw) {
    size_t h = stage_slot(bid, raw);
    stage_t **empty = NULL, **foreign = NULL;
    for (size_t i = 0; i < STAGE_PROBES; i++) {
        stage_t **p = &t_stages[(h + i) & (STAGE_SLOTS - 1)];
        if (!*p) {
            if (!empty) empty = p;
        } else if ((*p)->bid != bid) {
            if (!foreign) foreign = p;
        } else if ((*p)->raw == raw) {
            return p;
        }
    }
    if (empty) return empty;
    if (foreign) {
        stage_t *st = *foreign;
        *foreign = NULL;
        atomic_store(&st->orphan, true);
        stage_unref(st);
        return foreign;
    }
    return &t_stages[h];
}

/* This thread's stage's rows for (b, raw) into pending rows (under b->mu):
 * they go before the row being logged. */
static bool stage_move_mine(rr_sdk_batcher_t *b, const char *raw) {
    stage_t *st = stage_find(b->id, raw);
    if (!st || !st->s) return false;
    return stage_move(b, st, true);
}

/* Sets the ring's size (empty; under b->mu). */
static bool stage_resize(stage_t *st, size_t cap) {
    const shape_t *s = st->s;
    rr_tuid_t *ids = realloc(st->ids, cap * sizeof *ids);
    if (!ids) return false;
    st->ids = ids;
    if (s->n_times) {
        int64_t *t = realloc(st->times, cap * s->n_times * sizeof *t);
        if (!t) return false;
        st->times = t;
    }
    for (size_t k = 0; k < s->n_cols; k++) {
        uint8_t *v = realloc(st->vals[k], cap * s->cols[k].width);
        if (!v) return false;
        st->vals[k] = v;
    }
    st->cap = cap;
    atomic_store(&st->pub, 0);
    atomic_store(&st->taken, 0);
    return true;
}

/* Rings grow by this factor (a power of two): a thread logging an entity
 * fast reaches a chunk's rows in few copies, and a ring stays within a few
 * times the rows its thread logs between two ticks. */
#define STAGE_GROWTH 8

/* The size a full ring of cap rows grows to (at most STAGE_MAX_ROWS). */
static size_t stage_next_cap(size_t cap) {
    return cap * STAGE_GROWTH < STAGE_MAX_ROWS ? cap * STAGE_GROWTH : STAGE_MAX_ROWS;
}

/* Grows a full ring whose rows start at index 0, keeping them (the
 * owning thread, under b->mu): no move to pending rows, so the ring stays
 * aligned for a hand-over. False when out of memory (the ring unchanged,
 * though some columns may have grown). */
static void *spare_grow(void *p, size_t bytes, size_t new_bytes) {
    void *n = spare_take(new_bytes);
    if (!n) return NULL;
    memcpy(n, p, bytes);
    spare_give(p, bytes);
    return n;
}

static bool stage_grow(stage_t *st) {
    const shape_t *s = st->s;
    size_t old = st->cap, cap = stage_next_cap(old);
    rr_tuid_t *ids = spare_grow(st->ids, old * sizeof *ids, cap * sizeof *ids);
    if (!ids) return false;
    st->ids = ids;
    if (s->n_times) {
        size_t row = s->n_times * sizeof *st->times;
        int64_t *t = spare_grow(st->times, old * row, cap * row);
        if (!t) return false;
        st->times = t;
    }
    for (size_t k = 0; k < s->n_cols; k++) {
        uint8_t *v = spare_grow(st->vals[k], old * s->cols[k].width, cap * s->cols[k].width);
        if (!v) return false;
        st->vals[k] = v;
    }
    uint64_t n = atomic_load_explicit(&st->pub, memory_order_relaxed);
    uint64_t t = atomic_load_explicit(&st->taken, memory_order_relaxed);
    atomic_store_explicit(&st->taken, 0, memory_order_relaxed);
    atomic_store_explicit(&st->pub, n - t, memory_order_relaxed);
    st->cap = cap;
    return true;
}

/* Points this thread's slot for (b, raw) at entity e and shape s, for the
 * rows after this one (under b->mu; the thread's earlier rows of e are
 * already out). Returns whether rows of the slot's former entity were
 * queued. */
static bool stage_target(rr_sdk_batcher_t *b, const char *raw, entity_t *e, shape_t *s,
                         uint64_t times_gen) {
    stage_t **slot = stage_claim(b->id, raw);
    stage_t *st = *slot;
    bool due = false;
    if (!st) {
        pthread_once(&g_stage_once, stage_key_init);
        if (g_stage_key == (pthread_key_t)-1 || !(st = calloc(1, sizeof *st))) return false;
        atomic_init(&st->refs, 2);
        atomic_init(&st->orphan, false);
        atomic_init(&st->dead, false);
        atomic_init(&st->pub, 0);
        atomic_init(&st->taken, 0);
        st->bid = b->id;
        st->next = b->stages;
        b->stages = st;
        *slot = st;
        (void)pthread_setspecific(g_stage_key, (void *)1);
    }
    if (st->s) due = stage_move(b, st, true); /* a slot shared with another entity */
    if (st->s != s) {
        stage_free_columns(st);
        st->s = NULL;
        if (!(st->vals = calloc(s->n_cols, sizeof *st->vals))) return due;
        st->n_vals = s->n_cols;
        st->s = s;
        if (!stage_resize(st, STAGE_FIRST_ROWS)) {
            stage_free_columns(st);
            st->s = NULL;
            return due;
        }
    }
    st->raw = raw;
    st->e = e;
    st->times_gen = times_gen;
    st->row_bytes = 16 + 8 * (uint64_t)s->n_times;
    for (size_t k = 0; k < s->n_cols; k++) st->row_bytes += 4 + s->cols[k].width;
    st->limit = stage_limit(b, st);
    return due;
}

/* Row n of the ring (not full) written and published (the stage's thread). */
static inline void stage_write(stage_t *st, uint64_t n, rr_tuid_t row_id,
                               const rr_sdk_time_t *times, size_t n_times,
                               const rr_archetype_t *a) {
    const shape_t *s = st->s;
    size_t i = (size_t)(n & (st->cap - 1));
    st->ids[i] = row_id;
    for (size_t k = 0; k < n_times; k++) st->times[i * n_times + k] = times[k].value;
    for (size_t k = 0; k < s->n_cols; k++) {
        uint32_t w = s->cols[k].width;
        uint8_t *dst = st->vals[k] + i * w;
        const void *src = rr_sdk_batch_data(&a->batches[k]);
        /* Copies of a constant size are a move or two, not a call. */
        switch (w) {
        case 4: memcpy(dst, src, 4); break;
        case 8: memcpy(dst, src, 8); break;
        case 12: memcpy(dst, src, 12); break;
        case 16: memcpy(dst, src, 16); break;
        default: memcpy(dst, src, w); break;
        }
    }
    atomic_store_explicit(&st->pub, n + 1, memory_order_release);
}

/* The row that re-targeted this thread's stage (under b->mu) goes into the
 * stage too: a ring whose rows all came through it can be handed over
 * whole. False when the stage does not hold e and s now (the row then goes
 * to the pending rows). */
static bool stage_put_first(rr_sdk_batcher_t *b, const char *raw, entity_t *e, shape_t *s,
                            const rr_sdk_time_t *times, size_t n_times, rr_tuid_t row_id,
                            const rr_archetype_t *a, bool *due) {
    stage_t *st = stage_find(b->id, raw);
    if (!st || st->s != s || st->e != e) return false;
    uint64_t n = atomic_load_explicit(&st->pub, memory_order_relaxed);
    uint64_t t = atomic_load_explicit(&st->taken, memory_order_relaxed);
    if (n - t >= st->cap) return false;
    stage_write(st, n, row_id, times, n_times, a);
    if (n + 1 - t >= st->limit && stage_move(b, st, true)) *due = true;
    return true;
}

/* The fast path: the row into this thread's stage. False when the row does
 * not fit the stage (nothing done). */
static bool stage_push(rr_sdk_batcher_t *b, const char *entity, const rr_sdk_time_t *times,
                       size_t n_times, uint64_t times_gen, rr_tuid_t row_id,
                       const rr_archetype_t *a) {
    stage_t *st = stage_find(b->id, entity);
    if (!st || !st->s) return false;
    const shape_t *s = st->s;
    /* Same timelines: the generation says so (a new one goes the slow way
     * once, which re-targets the stage). */
    if (s->n_times != n_times || !stage_fits(s, a) || strcmp(st->e->raw, entity) != 0)
        return false;
    if (n_times && (!times_gen || times_gen != st->times_gen)) {
        if (times_gen) return false;
        /* No generation (the default timelines alone): by name. */
        for (size_t k = 0; k < n_times; k++)
            if (s->timelines[k].type != times[k].type || strcmp(s->timelines[k].name, times[k].name))
                return false;
    }
    uint64_t n = atomic_load_explicit(&st->pub, memory_order_relaxed);
    uint64_t t = atomic_load_explicit(&st->taken, memory_order_acquire);
    if (n - t >= st->cap) {
        /* Full below its limit: a bigger ring, in place when its rows start
         * at index 0, else after moving them out. */
        bool due = false, ok;
        pthread_mutex_lock(&b->mu);
        t = atomic_load_explicit(&st->taken, memory_order_relaxed);
        if (st->cap < STAGE_MAX_ROWS && (t & (st->cap - 1)) == 0 && st->limit > st->cap &&
            stage_grow(st)) {
            ok = true;
        } else {
            due = stage_move(b, st, true);
            ok = atomic_load(&st->taken) == atomic_load(&st->pub) &&
                 (st->cap >= STAGE_MAX_ROWS || stage_resize(st, stage_next_cap(st->cap)));
        }
        if (due) pthread_cond_signal(&b->wake);
        pthread_mutex_unlock(&b->mu);
        if (!ok) return false;
        n = atomic_load_explicit(&st->pub, memory_order_relaxed);
        t = atomic_load_explicit(&st->taken, memory_order_relaxed);
    }
    stage_write(st, n, row_id, times, n_times, a);
    uint64_t held = n + 1 - t;
    if (held >= st->limit) {
        pthread_mutex_lock(&b->mu);
        if (stage_move(b, st, true)) pthread_cond_signal(&b->wake);
        pthread_mutex_unlock(&b->mu);
    } else if (held >= STAGE_EARLY_ROWS &&
               atomic_load_explicit(&b->idle, memory_order_relaxed)) {
        /* The background thread has nothing to do: a chunk now rather than
         * at the threshold keeps it busy while this thread logs on, instead
         * of leaving it every entity's chunk at once later (all of them
         * reach the threshold together when logged in turn) and this
         * thread's flush waiting for them. Once it is busy, chunks grow to
         * the thresholds again. */
        pthread_mutex_lock(&b->mu);
        bool due = stage_move(b, st, true);
        if (!due && atomic_load_explicit(&b->idle, memory_order_relaxed) && st->e->n_rows) {
            detach_entity(b, st->e);
            due = true;
        }
        if (due) {
            /* Busy from now on (it clears the flag itself once it wakes). */
            atomic_store_explicit(&b->idle, false, memory_order_relaxed);
            pthread_cond_signal(&b->wake);
        }
        pthread_mutex_unlock(&b->mu);
    }
    return true;
}

void rr_sdk_batcher_set_write_through(rr_sdk_batcher_t *b, rr_sdk_write_through_fn fn) {
    pthread_mutex_lock(&b->out_mu);
    b->write_through = fn;
    pthread_mutex_unlock(&b->out_mu);
}

/* A view of a cell's array for a chunk that lives shorter than the cell:
 * same buffers and children, and a release that lets go of nothing. */
static void release_view(struct ArrowArray *a) { a->release = NULL; }

/* One row as a chunk made from the archetype's batches without copying
 * their values (write-through; the chunk must not outlive the call). */
static rr_status_t direct_chunk(const entity_t *e, const rr_sdk_time_t *times, size_t n_times,
                                rr_tuid_t row_id, const rr_archetype_t *a, rr_chunk_t **out,
                                rr_error_t *err) {
    rr_chunk_t *c;
    RR_TRY(rr_chunk_new(rr_tuid_new(), &e->path, 1, &row_id, &c, err));
    rr_status_t st = RR_OK;
    for (size_t t = 0; st == RR_OK && t < n_times; t++)
        st = rr_chunk_add_index(c, times[t].name, times[t].type, &times[t].value, err);
    for (size_t k = 0; st == RR_OK && k < a->n; k++) {
        const rr_sdk_batch_t *bt = &a->batches[k];
        struct ArrowSchema ls;
        struct ArrowArray la;
        if (bt->width) {
            /* flat_column over a one-row pending column holding the batch. */
            shape_col_t col;
            memset(&col, 0, sizeof col);
            col.schema = *rr_sdk_batch_schema(bt); /* read only */
            col.width = bt->width;
            int32_t offs[2] = {0, (int32_t)bt->length};
            pcol_t p = {.offs = offs};
            size_t len = (size_t)bt->length * bt->width;
            rr_arrow_blob_t *blob = len ? rr_arrow_blob_wrap(rr_sdk_batch_data(bt), len, NULL, NULL)
                                        : NULL;
            if (len && !blob) st = rr_error_set(err, RR_ERR_NOMEM, "batcher: out of memory");
            if (st == RR_OK) st = flat_column(&col, &p, blob, 0, 1, &ls, &la, err);
            rr_arrow_blob_release(blob);
        } else {
            const struct ArrowArray *src = &bt->cell->array;
            memset(&ls, 0, sizeof ls);
            memset(&la, 0, sizeof la);
            st = rr_arrow_schema_init(&ls, "+l", "", ARROW_FLAG_NULLABLE, 1, err);
            if (st == RR_OK) st = rr_arrow_schema_copy(rr_sdk_batch_schema(bt), ls.children[0], err);
            if (st == RR_OK) st = rr_arrow_schema_set_name(ls.children[0], "item", err);
            if (st == RR_OK) st = rr_arrow_array_init(&la, 2, 1, false, err);
            int32_t *off = NULL;
            if (st == RR_OK && !(off = rr_arrow_array_alloc_buffer(&la, 1, 2 * sizeof *off)))
                st = rr_error_set(err, RR_ERR_NOMEM, "batcher: out of memory");
            if (st == RR_OK) {
                off[0] = 0;
                off[1] = (int32_t)src->length;
                la.length = 1;
                la.null_count = 0;
                *la.children[0] = *src;
                la.children[0]->private_data = NULL;
                la.children[0]->release = release_view;
            } else {
                rr_arrow_array_release(&la);
                rr_arrow_schema_release(&ls);
            }
        }
        if (st == RR_OK) {
            st = rr_chunk_add_component(c, &bt->desc, &ls, &la, err);
            rr_arrow_schema_release(&ls);
        }
        if (st != RR_OK) rr_error_prefix(err, "component '%s': ", bt->desc.component);
    }
    if (st != RR_OK) {
        rr_chunk_free(c);
        return st;
    }
    *out = c;
    return RR_OK;
}

/* The write-through path (see RR_SDK_WRITE_THROUGH_BYTES). False when the
 * row must take the ordinary path (*st then says nothing). */
static bool write_through_row(rr_sdk_batcher_t *b, const char *entity, const rr_sdk_time_t *times,
                              size_t n_times, rr_tuid_t row_id, const rr_archetype_t *a,
                              rr_status_t *st, rr_error_t *err) {
    pthread_mutex_lock(&b->out_mu);
    if (!b->write_through) {
        pthread_mutex_unlock(&b->out_mu);
        return false;
    }
    pthread_mutex_lock(&b->mu);
    entity_t *e = entity_for(b, entity, err);
    if (!e) {
        pthread_mutex_unlock(&b->mu);
        pthread_mutex_unlock(&b->out_mu);
        *st = err ? err->code : RR_ERR_INVALID_ARG;
        return true;
    }
    /* What the entity logged before goes out before this row. */
    (void)stage_move_mine(b, entity);
    detach_entity(b, e);
    pthread_mutex_unlock(&b->mu);
    drain(b);
    rr_chunk_t *c = NULL;
    rr_error_t e2;
    bool done = false;
    if (direct_chunk(e, times, n_times, row_id, a, &c, &e2) == RR_OK) {
        done = b->write_through(b->ctx, c);
        rr_chunk_free(c);
    }
    pthread_mutex_unlock(&b->out_mu);
    *st = RR_OK;
    return done;
}

rr_status_t rr_sdk_batcher_push_row(rr_sdk_batcher_t *b, const char *entity,
                                    const rr_sdk_time_t *times, size_t n_times,
                                    uint64_t times_gen, rr_tuid_t row_id,
                                    const rr_archetype_t *a, rr_error_t *err) {
    if (b->has_thread) {
        if (stage_push(b, entity, times, n_times, times_gen, row_id, a)) return RR_OK;
    }
    /* Large rows: written through when they can be. */
    if (b->write_through) {
        uint64_t big = 0;
        for (size_t k = 0; k < a->n; k++) {
            const rr_sdk_batch_t *bt = &a->batches[k];
            big += bt->width ? (uint64_t)bt->length * bt->width : (uint64_t)bt->cell->bytes;
        }
        bool ok_len = true;
        for (size_t k = 0; k < a->n; k++)
            if (a->batches[k].length > INT32_MAX) ok_len = false;
        rr_status_t st;
        if (ok_len && big >= RR_SDK_WRITE_THROUGH_BYTES && big * 8 >= b->cfg.flush_num_bytes &&
            write_through_row(b, entity, times, n_times, row_id, a, &st, err))
            return st;
    }

    /* Cell batches: a reference, or a copy of borrowed instances, made
     * before taking the lock. Flat batches are copied into the pending
     * column under it. */
    rr_sdk_cell_t *local[16];
    rr_sdk_cell_t **cells = a->n <= 16 ? local : malloc(a->n * sizeof *cells);
    if (!cells) return rr_error_set(err, RR_ERR_NOMEM, "batcher: out of memory");
    int64_t bytes = 16 + 8 * (int64_t)n_times;
    rr_status_t st = RR_OK;
    size_t k = 0;
    for (; k < a->n; k++) {
        const rr_sdk_batch_t *bt = &a->batches[k];
        cells[k] = NULL;
        if (bt->width) {
            if (bt->length > INT32_MAX) {
                st = rr_error_set(err, RR_ERR_INVALID_ARG,
                                  "component '%s': %lld instances in one row (at most %d)",
                                  bt->desc.component, (long long)bt->length, INT32_MAX);
                break;
            }
            bytes += 4 + bt->length * (int64_t)bt->width;
        } else if (!bt->borrowed) {
            rr_sdk_cell_retain(bt->cell);
            cells[k] = bt->cell;
        } else {
            struct ArrowArray copy;
            st = rr_sdk_copy_array(rr_sdk_batch_schema(bt), &bt->cell->array, &copy, err);
            if (st != RR_OK) break;
            if (!(cells[k] = rr_sdk_cell_new(&copy, rr_sdk_batch_schema(bt)))) {
                rr_arrow_array_release(&copy);
                st = rr_error_set(err, RR_ERR_NOMEM, "batcher: out of memory");
                break;
            }
        }
        if (cells[k]) bytes += cells[k]->bytes;
    }
    if (st != RR_OK) {
        while (k > 0) rr_sdk_cell_release(cells[--k]);
        if (cells != local) free(cells);
        return st;
    }

    bool due = false, staged = false;
    pthread_mutex_lock(&b->mu);
    entity_t *e = entity_for(b, entity, err);
    shape_t *s = NULL;
    if (!e) {
        st = err ? err->code : RR_ERR_INVALID_ARG;
    } else {
        /* This thread's staged rows of the entity go before this one. */
        if (stage_move_mine(b, entity)) due = true;
        s = e->last;
        if (!s || !shape_matches(s, times, n_times, times_gen, a))
            for (s = e->shapes; s && !shape_matches(s, times, n_times, times_gen, a);
                 s = s->next) {
            }
        if (!s) {
            if ((s = shape_new(times, n_times, a, err))) {
                s->next = e->shapes;
                e->shapes = s;
            } else {
                st = err ? err->code : RR_ERR_NOMEM;
            }
        }
        if (s && b->has_thread && stage_fits(s, a)) {
            if (stage_target(b, entity, e, s, times_gen)) due = true;
            staged = stage_put_first(b, entity, e, s, times, n_times, row_id, a, &due);
        }
        if (s && !staged && flat_full(s, &s->rows, a)) {
            detach_entity(b, e);
            b->skip_next_tick = true;
            due = true;
        }
        if (s && !staged && rows_reserve(s, &s->rows) != RR_OK)
            st = rr_error_set(err, RR_ERR_NOMEM, "batcher: out of memory");
        if (st == RR_OK && !staged) st = append_row(s, row_id, times, a, cells, err);
    }
    if (st == RR_OK && staged) {
        s->times_gen = times_gen;
    } else if (st == RR_OK) {
        s->times_gen = times_gen;
        e->last = s;
        e->n_rows++;
        e->n_bytes += (uint64_t)bytes;
        if (e->n_rows >= b->cfg.flush_num_rows || e->n_bytes >= b->cfg.flush_num_bytes) {
            detach_entity(b, e);
            b->skip_next_tick = true;
            due = true;
        } else if (!b->has_thread && row_id.time_ns > b->last_tick_row_ns &&
                   row_id.time_ns - b->last_tick_row_ns >= b->cfg.flush_tick_ns) {
            /* The row id's time is the clock read of this call (monotonic
             * within a thread; another thread's ids, or the ids of a thread
             * whose clock started before the batcher, may be a little
             * behind the last tick's). */
            detach_all(b);
            b->last_tick_row_ns = row_id.time_ns;
            due = true;
        }
    }
    if (due && b->has_thread) pthread_cond_signal(&b->wake);
    pthread_mutex_unlock(&b->mu);
    for (k = 0; k < a->n; k++) rr_sdk_cell_release(cells[k]);
    if (cells != local) free(cells);
    if (due && !b->has_thread) {
        pthread_mutex_lock(&b->out_mu);
        drain(b);
        pthread_mutex_unlock(&b->out_mu);
    }
    return st;
}

void rr_sdk_batcher_push_chunk(rr_sdk_batcher_t *b, rr_chunk_t *chunk) {
    ready_t *r = calloc(1, sizeof *r);
    if (!r) {
        rr_sdk_log_warn("batcher: out of memory queueing a chunk; it is dropped");
        rr_chunk_free(chunk);
        return;
    }
    r->chunk = chunk;
    pthread_mutex_lock(&b->mu);
    enqueue(b, r);
    if (b->has_thread) pthread_cond_signal(&b->wake);
    pthread_mutex_unlock(&b->mu);
    if (!b->has_thread) {
        pthread_mutex_lock(&b->out_mu);
        drain(b);
        pthread_mutex_unlock(&b->out_mu);
    }
}
