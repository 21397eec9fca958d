/* What the SDK's own files share: the archetype container's layout, the
 * refcounted instance arrays rows point to, the batcher and the sinks.
 *
 * The model headers come first: include/rerun.h then skips its copies of the
 * definitions it shares with them (store kind, time type, component
 * descriptor). */
#ifndef RR_SDK_INTERNAL_H
#define RR_SDK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/chunk.h"
#include "model/component.h"
#include "model/entity_path.h"
#include "model/log_msg.h"
#include "model/time.h"
#include "rerun.h"

/* ---- instance arrays ---- */

/* One component batch's instances, shared by the archetype that holds it and
 * by every pending row logged from it (a row takes a reference instead of
 * copying). Immutable once made. */
typedef struct rr_sdk_cell {
    atomic_long refs;
    struct ArrowArray array;
    int64_t bytes; /* buffer bytes, for the batcher's byte threshold */
} rr_sdk_cell_t;

rr_sdk_cell_t *rr_sdk_cell_new(struct ArrowArray *array, const struct ArrowSchema *schema);
static inline void rr_sdk_cell_retain(rr_sdk_cell_t *c) {
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}
void rr_sdk_cell_release(rr_sdk_cell_t *c); /* NULL-safe */
/* Bytes of the buffers an array of this schema uses (an estimate for
 * nested and dictionary types; exact for the flat ones). */
int64_t rr_sdk_array_bytes(const struct ArrowSchema *schema, const struct ArrowArray *array);

/* ---- archetypes ---- */

/* Flat batches up to this many bytes live inside the batch itself. */
#define RR_SDK_SMALL_BYTES 48

/* One component batch. Two forms:
 *  - flat: fixed-width values without nulls (a primitive or a fixed-size list
 *    of one), kept as plain bytes (`width` bytes per instance): inline for
 *    small batches, else a heap copy or the caller's memory (borrowed). The
 *    batcher appends these bytes to its pending columns; no Arrow array is
 *    made per batch.
 *  - cell: any other array, in a refcounted cell rows take references to.
 * The descriptor strings are owned, or static (the generated code's tables,
 * never freed); the instance type is owned, or a view of a shared one (made
 * once per datatype by the generated runtime, never freed).
 * A flat batch also shows its bytes as an Arrow array (`cell` points at
 * `view`, inside the batch, no allocation; never released or retained) for
 * readers that want one; put_batch sets its pointers where the batch lands. */
typedef struct rr_sdk_flat_view {
    rr_sdk_cell_t cell;
    struct ArrowArray child; /* fixed-size lists: the values */
    struct ArrowArray *children[1];
    const void *bufs[2], *child_bufs[2];
} rr_sdk_flat_view_t;

typedef struct rr_sdk_batch {
    rr_component_descriptor_t desc;   /* owned strings unless static_desc */
    bool static_desc;
    bool borrowed;                    /* data in caller memory: copy when logging */
    uint32_t width;                   /* flat: bytes per instance; 0: a cell batch */
    int64_t length;                   /* instances */
    const struct ArrowSchema *shared; /* the shared instance type, or NULL */
    struct ArrowSchema schema;        /* owned, or a copy of *shared (never released) */
    rr_sdk_cell_t *cell;              /* cell batches: one reference; flat: &view.cell */
    const void *ext;                  /* flat data outside the batch (NULL: small) */
    bool owns_ext;                    /* ext is our malloc'd copy */
    _Alignas(16) uint8_t small[RR_SDK_SMALL_BYTES];
    rr_sdk_flat_view_t view;
} rr_sdk_batch_t;

static inline const struct ArrowSchema *rr_sdk_batch_schema(const rr_sdk_batch_t *b) {
    return &b->schema;
}
static inline const void *rr_sdk_batch_data(const rr_sdk_batch_t *b) {
    return b->ext ? b->ext : b->small;
}

struct rr_archetype {
    const char *name; /* NULL for loose components */
    bool static_name; /* name has static storage (not freed) */
    size_t n, cap;
    rr_sdk_batch_t *batches;
    rr_sdk_batch_t first[3]; /* the batches until a fourth: no allocation */
};

/* Bytes per instance when values of this instance type can be flat (a
 * fixed-width primitive other than bool, or a fixed-size list of one); 0
 * otherwise. */
uint32_t rr_sdk_flat_width(const struct ArrowSchema *s);

/* For the generated builders: starts an archetype whose name has static
 * storage. */
rr_status_t rr_sdk_archetype_new_static(const char *name, rr_archetype_t **out, rr_error_t *err);
/* Adds a flat batch of n instances of width bytes (item_width: bytes of
 * one primitive value; width for primitives): copied (inline when small),
 * or borrowed when borrow. desc has static storage; schema is shared
 * (outlives a) and flat (rr_sdk_flat_width(schema) == width). */
rr_status_t rr_sdk_archetype_add_flat(rr_archetype_t *a, const rr_component_descriptor_t *desc,
                                      const struct ArrowSchema *schema, const void *data,
                                      int64_t n, uint32_t width, uint32_t item_width, bool borrow,
                                      rr_error_t *err);
/* Adds a cell batch (array TAKEN in all cases) with a static descriptor and
 * a shared schema. */
rr_status_t rr_sdk_archetype_add_shared(rr_archetype_t *a, const rr_component_descriptor_t *desc,
                                        const struct ArrowSchema *schema, struct ArrowArray *array,
                                        bool borrowed, rr_error_t *err);
/* The instances of a batch as a fresh array (a copy: caller releases). */
rr_status_t rr_sdk_batch_values(const rr_sdk_batch_t *b, struct ArrowArray *out, rr_error_t *err);
/* Reads the values of a nulls-free flat array (width bytes per instance):
 * a pointer to its first instance, or NULL when it has nulls. */
const void *rr_sdk_flat_values(const struct ArrowArray *a, uint32_t width,
                               const struct ArrowSchema *s);

/* ---- errors ---- */

/* Fills err and logs the message once per call site (site: a static flag).
 * Returns code. */
rr_status_t rr_sdk_fail(rr_error_t *err, atomic_bool *site, rr_status_t code, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));
/* Writes a warning line through the library's logger (sdk_log.c). */
void rr_sdk_log_warn(const char *msg);

#define RR_SDK_FAIL(err, code, ...)                                                            \
    do {                                                                                      \
        static atomic_bool rr_sdk_site_;                                                       \
        return rr_sdk_fail((err), &rr_sdk_site_, (code), __VA_ARGS__);                         \
    } while (0)

/* How the SDK's sinks compress ArrowMsg payloads (files, stdout, memory,
 * and the bodies custom sinks get) by default (RR_COMPRESSION_DEFAULT;
 * RR_COMPRESSION_LZ4 and _NONE are the other choices). Rows of a few
 * scalars (bench_sdk (c): ~52 bytes a row, row ids and times mostly) cost
 * LZ4 proper ~91 ns a row and shrink to 61%; rr_rrd_lz4_strided (matches
 * at distances 8 and 16 only, where fixed-width columns repeat, one word at
 * a time) ~25 ns for 64% (build/bench/bench_lz4, medians of 21, idle
 * 2-core machine). Payloads it does not
 * shrink by 1/8 (text, say) get LZ4_compress_fast's block, with
 * acceleration 1. Either way the blocks are ordinary LZ4, which Rerun
 * reads. */
#define RR_SDK_LZ4_ACCELERATION 1
#define RR_SDK_LZ4_STRIDED true

/* ---- batcher ---- */

typedef struct rr_sdk_batcher_config {
    uint64_t flush_tick_ns;
    uint64_t flush_num_bytes;
    uint64_t flush_num_rows;
    uint64_t chunk_max_rows_if_unsorted;
    bool no_threads;
} rr_sdk_batcher_config_t;

/* Rerun's defaults (re_chunk batcher.rs ChunkBatcherConfig::DEFAULT). */
#define RR_SDK_DEFAULT_FLUSH_TICK_NS 200000000ull
#define RR_SDK_DEFAULT_FLUSH_NUM_BYTES (2ull * 1024 * 1024)
#define RR_SDK_DEFAULT_FLUSH_NUM_ROWS UINT64_MAX
#define RR_SDK_DEFAULT_CHUNK_MAX_ROWS_IF_UNSORTED 8192ull

/* Defaults, then RERUN_FLUSH_TICK_SECS / RERUN_FLUSH_NUM_BYTES /
 * RERUN_FLUSH_NUM_ROWS / RERUN_CHUNK_MAX_ROWS_IF_UNSORTED, then the non-zero
 * fields of api (may be NULL). A malformed variable is logged and ignored. */
void rr_sdk_batcher_config_resolve(const rr_batcher_config_t *api, rr_sdk_batcher_config_t *out);

/* One time of a row: rows carry them sorted by timeline name. */
typedef struct rr_sdk_time {
    const char *name;
    rr_time_type_t type;
    int64_t value;
} rr_sdk_time_t;

/* Receives every chunk the batcher makes, in order, one call at a time
 * (under the batcher's output lock); takes ownership of the chunk. */
typedef void (*rr_sdk_emit_fn)(void *ctx, rr_chunk_t *chunk);

typedef struct rr_sdk_batcher rr_sdk_batcher_t;

rr_status_t rr_sdk_batcher_new(const rr_sdk_batcher_config_t *cfg, rr_sdk_emit_fn emit, void *ctx,
                               rr_sdk_batcher_t **out, rr_error_t *err);
/* Flushes everything, stops the thread, frees. NULL-safe. */
void rr_sdk_batcher_free(rr_sdk_batcher_t *b);

/* Adds one row at entity (a strictly parsed path; a bad one is
 * RR_ERR_INVALID_ARG naming it) with the given times (none: static) and one
 * cell per batch of a. times_gen: 0, or a process-unique number that every
 * call with the same timeline names and types in times passes (and no call
 * with others): the batcher then compares them once. */
rr_status_t rr_sdk_batcher_push_row(rr_sdk_batcher_t *b, const char *entity,
                                    const rr_sdk_time_t *times, size_t n_times,
                                    uint64_t times_gen, rr_tuid_t row_id,
                                    const rr_archetype_t *a, rr_error_t *err);
/* Writes a chunk at once, under the batcher's output lock, without keeping
 * it: its buffers may be the logging caller's memory, valid only during the
 * call. Returns false when it cannot (no sink yet: the chunk would have to
 * be held), and the row then takes the ordinary path. */
typedef bool (*rr_sdk_write_through_fn)(void *ctx, const rr_chunk_t *chunk);
/* Rows of at least RR_SDK_WRITE_THROUGH_BYTES (and at least an eighth of
 * flush_num_bytes) are written through: the entity's pending rows and the
 * queue go out first, then the row as a chunk of its own, made from the
 * archetype's batches as they are (borrowed data included: no copy at all),
 * before rr_log returns. Batching them would save nothing but cost two
 * copies of every byte. */
#define RR_SDK_WRITE_THROUGH_BYTES (256 * 1024)
void rr_sdk_batcher_set_write_through(rr_sdk_batcher_t *b, rr_sdk_write_through_fn fn);

/* Queues a finished chunk (columnar logging); taken in all cases. */
void rr_sdk_batcher_push_chunk(rr_sdk_batcher_t *b, rr_chunk_t *chunk);
/* Every pending row becomes chunks and reaches emit before this returns. */
void rr_sdk_batcher_flush(rr_sdk_batcher_t *b);
/* Holds off emit while the caller changes what emit writes to. */
void rr_sdk_batcher_lock_output(rr_sdk_batcher_t *b);
void rr_sdk_batcher_unlock_output(rr_sdk_batcher_t *b);

/* A list column of n rows, row i holding arrays[i] (all of type item): the
 * list schema ("+l" over a copy of item) and array. */
rr_status_t rr_sdk_list_column(const struct ArrowSchema *item,
                               const struct ArrowArray *const *arrays, int64_t n,
                               struct ArrowSchema *list_schema, struct ArrowArray *list,
                               rr_error_t *err);

/* A deep copy of an instance array into fresh buffers (for borrowed data). */
rr_status_t rr_sdk_copy_array(const struct ArrowSchema *schema, const struct ArrowArray *src,
                              struct ArrowArray *dst, rr_error_t *err);

uint64_t rr_sdk_now_ns(void);          /* monotonic */
int64_t rr_sdk_wall_clock_ns(void);    /* since the Unix epoch */

#endif
