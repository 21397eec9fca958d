/* The chunk store: an in-memory database of chunks for one recording (one
 * store id), with Rerun 0.33's semantics (crates/store/re_chunk_store and, for
 * clears, crates/store/re_query).
 *
 * - Chunks come in from any source in any order (rr_store_insert_chunk, or
 *   .rrd messages through rr_store_insert_log_msg); a store set routes the
 *   messages of many sources by store id, so several sources with one store
 *   id merge into one store.
 * - Static chunks (no index column) hold one value per (entity, component):
 *   the static cell with the greatest row id. Static data hides temporal data
 *   of the same component at the same entity, in latest-at and range alike.
 *   Static chunks whose every cell has been overwritten are dropped.
 * - Temporal chunks are indexed per (entity, timeline, component) by their
 *   time range on that timeline, so queries look at O(log n + hits) chunks.
 * - Compaction on insert: a small temporal chunk merges with a neighbouring
 *   chunk of the same entity, timelines and component columns (descriptors
 *   and datatypes) while the result stays within the thresholds
 *   (chunk_max_rows, or chunk_max_rows_if_unsorted when a time column would be
 *   unsorted, and chunk_max_bytes). The merged chunk gets a new chunk id.
 *   Fixed-width columns grow in place; others (strings, bools, structs,
 *   nested lists) are concatenated, as Rerun does. Rows can also be appended
 *   without making a chunk (rr_store_append_rows, appenders).
 * - Latest-at at time t on a timeline: among the rows with a non-null cell for
 *   the component and index time <= t, the greatest (time, row id). A null
 *   cell is no data; an empty list is data (an empty value). Static wins.
 * - Range [t0, t1]: every row with a non-null cell and t0 <= time <= t1, in
 *   (time, row id) order; when the component is static at the entity, the
 *   static row alone.
 * - Clears (re_query): rr_store_query_latest_at also applies the Clear
 *   archetype's "Clear:is_recursive" tombstones; rr_store_latest_at and
 *   rr_store_range are the raw store queries (Rerun's range ignores clears too).
 * - GC drops whole temporal chunks, oldest (smallest min row id) first, or the
 *   ones furthest from a given time on a timeline first; static chunks and the
 *   protect_latest newest chunks of every (entity, timeline, component) stay.
 * - Memory is measured from the Arrow buffers the chunks hold plus the store's
 *   own index allocations.
 *
 * Ownership and lifetimes: the store owns every chunk inserted into it.
 * Pointers the store hands out (chunks, entity paths, timelines, descriptors,
 * rows) are borrowed and stay valid until the next call that mutates the
 * store (insert, GC, free). Query functions only read: any number of threads
 * may query concurrently as long as no thread mutates the store meanwhile.
 * Event callbacks run synchronously inside the mutating call and must not
 * call mutating functions of that store. */
#ifndef RR_STORE_STORE_H
#define RR_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arrow/abi.h"
#include "base/status.h"
#include "base/tuid.h"
#include "model/chunk.h"
#include "model/component.h"
#include "model/entity_path.h"
#include "model/log_msg.h"
#include "model/time.h"

/* ---------------- configuration ---------------- */

/* Rerun 0.33's ChunkStoreConfig::DEFAULT (re_chunk_store store.rs). */
#define RR_STORE_DEFAULT_CHUNK_MAX_BYTES (12u * 8u * 4096u) /* 384 KiB */
#define RR_STORE_DEFAULT_CHUNK_MAX_ROWS 4096u
#define RR_STORE_DEFAULT_CHUNK_MAX_ROWS_IF_UNSORTED 1024u

/* The component whose rows are clear tombstones (the Clear archetype). */
#define RR_STORE_CLEAR_COMPONENT "Clear:is_recursive"

typedef struct rr_store_config {
    /* Compaction thresholds; all three 0 disables compaction (Rerun's
     * COMPACTION_DISABLED). */
    uint64_t chunk_max_bytes;
    uint64_t chunk_max_rows;
    uint64_t chunk_max_rows_if_unsorted;
    /* Automatic GC after an insert when memory passes a limit: the smaller of
     * gc_limit_bytes (0: none) and gc_limit_ram_fraction of the machine's
     * physical RAM (0: none). GC then drops down to 90 % of the limit. */
    uint64_t gc_limit_bytes;
    double gc_limit_ram_fraction;
    /* Newest chunks per (entity, timeline, component) that GC keeps (the
     * viewer uses 1). */
    uint32_t gc_protect_latest;
} rr_store_config_t;

/* Rerun's defaults, no GC limit, gc_protect_latest 1. */
void rr_store_config_default(rr_store_config_t *cfg);

/* ---------------- the store ---------------- */

typedef struct rr_store rr_store_t;

/* A new empty store for id (copied). cfg NULL: the defaults. */
rr_status_t rr_store_new(const rr_store_id_t *id, const rr_store_config_t *cfg, rr_store_t **out,
                         rr_error_t *err);
void rr_store_free(rr_store_t *s); /* NULL-safe */

const rr_store_id_t *rr_store_store_id(const rr_store_t *s);
const rr_store_config_t *rr_store_config(const rr_store_t *s);

/* Inserts a chunk. The chunk is TAKEN (owned by the store from then on, also
 * on failure, when it is freed). An empty chunk (0 rows) is accepted and
 * dropped. A chunk whose id is already in the store is ignored (RR_OK), as
 * Rerun does with duplicates. May compact, drop overwritten static chunks and
 * run the automatic GC; fires the matching events. */
rr_status_t rr_store_insert_chunk(rr_store_t *s, rr_chunk_t *chunk, rr_error_t *err);

/* Decodes an ArrowMsg's payload into a chunk and inserts it (the message is
 * only read). The message's store id is not checked (see the store set). */
rr_status_t rr_store_insert_arrow_msg(rr_store_t *s, const rr_arrow_msg_t *msg, rr_error_t *err);

/* ArrowMsg to chunk, as rr_rrd_payload_decode + rr_chunk_from_record_batch
 * give it (same chunk, same errors), but fast for streams of small messages:
 * a decoder keeps the schemas it has seen (by their bytes, up to 64) and
 * reads each small batch in place against its cached schema, validated as
 * the general reader does, straight into a packed chunk. Each store has its
 * own (rr_store_insert_arrow_msg); a thread turning messages into chunks
 * for a store (the viewer's sources) keeps one. A decoder is not
 * thread-safe; d may be NULL (the general path only). */
typedef struct rr_store_chunk_decoder rr_store_chunk_decoder_t;
rr_status_t rr_store_chunk_decoder_new(rr_store_chunk_decoder_t **out, rr_error_t *err);
void rr_store_chunk_decoder_free(rr_store_chunk_decoder_t *d); /* NULL-safe */
rr_status_t rr_store_chunk_decode(rr_store_chunk_decoder_t *d, const rr_arrow_msg_t *msg,
                                  rr_chunk_t **out, rr_error_t *err);

/* Inserts the chunk of an ArrowMsg whose store id is this store's; other
 * messages (other stores, SetStoreInfo, blueprint activation) are skipped.
 * *inserted (may be NULL) says whether a chunk went in. */
rr_status_t rr_store_insert_log_msg(rr_store_t *s, const rr_log_msg_t *msg, bool *inserted,
                                    rr_error_t *err);

/* ---------------- appending rows without building a chunk ---------------- */

/* One time column of rows to append: num_rows values (borrowed). */
typedef struct rr_store_time_column {
    const char *timeline;
    rr_time_type_t type;
    const int64_t *values;
} rr_store_time_column_t;

/* One component column of rows to append: a list array of num_rows rows and
 * its list datatype ("+l"), both borrowed. */
typedef struct rr_store_component_column {
    const rr_component_descriptor_t *descr;
    const struct ArrowSchema *type;
    const struct ArrowArray *list;
} rr_store_component_column_t;

/* Appends rows as if a chunk of them (a fresh chunk id; row_ids, NULL: fresh
 * ones) were given to rr_store_insert_chunk, with the same semantics and
 * events, but without making one when it can be helped: when the rows fit
 * the open compaction target of their entity and columns (temporal rows,
 * compaction on, fixed-width columns, within the thresholds), their values
 * are copied straight into it and the event is COMPACTED as for an inserted
 * chunk. Otherwise a chunk is built (times copied, the lists' buffers
 * shared) and inserted. Everything passed is borrowed; columns may come in
 * any order. n_times 0 appends static rows. */
rr_status_t rr_store_append_rows(rr_store_t *s, const rr_entity_path_t *entity, int64_t num_rows,
                                 const rr_tuid_t *row_ids, const rr_store_time_column_t *times,
                                 size_t n_times, const rr_store_component_column_t *components,
                                 size_t n_components, rr_error_t *err);

/* An appender: rr_store_append_rows for one entity and one set of columns,
 * called many times. It keeps its own copies of the names, descriptors and
 * types, and remembers the open compaction target between calls, so an
 * append of a few rows looks nothing up by name. Semantics and events as
 * rr_store_append_rows. Free it before the store; use it from the thread
 * that mutates the store. */
typedef struct rr_store_appender rr_store_appender_t;

/* times[k].values and components[j].list are not read here (only names,
 * types and descriptors, copied); at most 8 time and 8 component columns. */
rr_status_t rr_store_appender_new(rr_store_t *s, const rr_entity_path_t *entity,
                                  const rr_store_time_column_t *times, size_t n_times,
                                  const rr_store_component_column_t *components,
                                  size_t n_components, rr_store_appender_t **out,
                                  rr_error_t *err);
/* times[k]: num_rows values for the appender's time column k; lists[j]: a
 * list array of num_rows rows for its component column j (both borrowed,
 * in the order given to rr_store_appender_new). row_ids NULL: fresh. */
rr_status_t rr_store_appender_append(rr_store_appender_t *a, int64_t num_rows,
                                     const rr_tuid_t *row_ids, const int64_t *const *times,
                                     const struct ArrowArray *const *lists, rr_error_t *err);
void rr_store_appender_free(rr_store_appender_t *a); /* NULL-safe */

/* ---------------- query results ---------------- */

/* One row of one component column: a cell. */
typedef struct rr_store_row {
    const rr_chunk_t *chunk; /* borrowed: valid until the store is mutated */
    int64_t row;             /* physical row in chunk */
    int64_t column;          /* index into chunk->components */
    int64_t time;            /* index time on the queried timeline; RR_TIME_STATIC when static */
    rr_tuid_t row_id;
} rr_store_row_t;

static inline bool rr_store_row_is_static(const rr_store_row_t *r) {
    return r->time == RR_TIME_STATIC;
}
/* The component column the row belongs to. */
static inline const rr_chunk_component_t *rr_store_row_component(const rr_store_row_t *r) {
    return &r->chunk->components[r->column];
}
/* The cell as a list array of length 1 (a compact copy of that one row, so
 * it outlives the store; its datatype is rr_store_row_component(r)->type).
 * *out is owned by the caller (release it). For zero-copy reading use the
 * chunk's column with rr_store_row_values_range. RR_ERR_INVALID_ARG for a
 * zeroed row (a query that found nothing). */
rr_status_t rr_store_row_cell(const rr_store_row_t *r, struct ArrowArray *out, rr_error_t *err);
/* Instances in the cell (the list's length at that row; 0 for an empty list). */
int64_t rr_store_row_num_instances(const rr_store_row_t *r);
/* The cell's instances as [*start, *start + *len) into the list's child
 * array (rr_store_row_component(r)->array.children[0]; offsets already
 * applied to the list, not to the child's own offset). */
void rr_store_row_values_range(const rr_store_row_t *r, int64_t *start, int64_t *len);

/* A growable list of rows, owned by the caller: init (or zero), fill by a
 * query, free. A query appends to whatever the list holds. */
typedef struct rr_store_rows {
    rr_store_row_t *rows;
    size_t n;
    size_t cap;
} rr_store_rows_t;

void rr_store_rows_init(rr_store_rows_t *r);
void rr_store_rows_clear(rr_store_rows_t *r); /* n = 0, keeps the storage */
void rr_store_rows_free(rr_store_rows_t *r);  /* NULL-safe, zeroes */

/* ---------------- queries ---------------- */

/* Raw latest-at (re_chunk_store ChunkStore::latest_at): the static cell of
 * the component at entity when there is one; else, on timeline (NULL: static
 * only), the row with the greatest (time, row id) among non-null cells with
 * time <= t. Returns false (and *out zeroed) when nothing matches. */
bool rr_store_latest_at(const rr_store_t *s, const rr_entity_path_t *entity, const char *timeline,
                        int64_t t, const char *component, rr_store_row_t *out);

/* Latest-at with clears (re_query QueryCache::latest_at): for each of the n
 * components, found[i] says whether out[i] holds a row. A row is hidden when
 * a clear shadows it: the latest-at "Clear:is_recursive" cell of the entity
 * itself (any value), or of an ancestor whose latest-at cell's first instance
 * is true, with an index (static above every time, then time, then row id)
 * greater than or equal to the row's. The clear component itself is never
 * hidden. */
void rr_store_query_latest_at(const rr_store_t *s, const rr_entity_path_t *entity,
                              const char *timeline, int64_t t, const char *const *components,
                              size_t n, rr_store_row_t *out, bool *found);

/* Range (re_chunk_store ChunkStore::range): appends to *out every row of the
 * component at entity on timeline with a non-null cell and a time within
 * range (inclusive), sorted by (time, row id); or only the static row when
 * the component is static at entity. */
rr_status_t rr_store_range(const rr_store_t *s, const rr_entity_path_t *entity,
                           const char *timeline, rr_time_range_t range, const char *component,
                           rr_store_rows_t *out, rr_error_t *err);

/* The static row of a component at entity, if any (greatest row id). */
bool rr_store_latest_static(const rr_store_t *s, const rr_entity_path_t *entity,
                            const char *component, rr_store_row_t *out);

/* ---------------- what the store holds ---------------- */

/* Entities that have (or had, until dropped) data, in rr_entity_path_cmp
 * order. */
size_t rr_store_num_entities(const rr_store_t *s);
const rr_entity_path_t *rr_store_entity(const rr_store_t *s, size_t i);
bool rr_store_has_entity(const rr_store_t *s, const rr_entity_path_t *entity);

/* Timelines seen in any chunk, by name. */
size_t rr_store_num_timelines(const rr_store_t *s);
const rr_timeline_t *rr_store_timeline(const rr_store_t *s, size_t i);
const rr_timeline_t *rr_store_find_timeline(const rr_store_t *s, const char *name);

/* Time range of the data held on a timeline (over all entities, or one
 * entity when entity is not NULL). false when there is none. */
bool rr_store_time_range(const rr_store_t *s, const rr_entity_path_t *entity, const char *timeline,
                         rr_time_range_t *out);

/* Components of an entity (static or temporal), ordered by descriptor. The
 * datatype is the component's list type as first inserted. */
size_t rr_store_entity_num_components(const rr_store_t *s, const rr_entity_path_t *entity);
const rr_component_descriptor_t *rr_store_entity_component(const rr_store_t *s,
                                                           const rr_entity_path_t *entity,
                                                           size_t i,
                                                           const struct ArrowSchema **type);
/* Whether the component has static data at entity. */
bool rr_store_entity_component_is_static(const rr_store_t *s, const rr_entity_path_t *entity,
                                         const char *component);

/* Every chunk in the store (temporal and static), in no particular order. */
size_t rr_store_num_chunks(const rr_store_t *s);
const rr_chunk_t *rr_store_chunk_at(const rr_store_t *s, size_t i);
const rr_chunk_t *rr_store_find_chunk(const rr_store_t *s, rr_tuid_t chunk_id);

/* Calls fn for every temporal chunk of entity that holds component (NULL:
 * any component) on timeline with a time range intersecting range, in order
 * of their start time; then stops early when fn returns false. */
typedef bool (*rr_store_chunk_fn)(void *ctx, const rr_chunk_t *chunk);
void rr_store_visit_temporal_chunks(const rr_store_t *s, const rr_entity_path_t *entity,
                                    const char *timeline, const char *component,
                                    rr_time_range_t range, rr_store_chunk_fn fn, void *ctx);
/* Calls fn for every static chunk of entity (NULL: all entities). */
void rr_store_visit_static_chunks(const rr_store_t *s, const rr_entity_path_t *entity,
                                  rr_store_chunk_fn fn, void *ctx);

/* ---------------- events ---------------- */

typedef enum rr_store_event_kind {
    RR_STORE_EVENT_ADDED = 1,     /* a chunk went in as it came */
    RR_STORE_EVENT_COMPACTED = 2, /* a chunk went in merged with others: chunk is the merge */
    RR_STORE_EVENT_REMOVED = 3,   /* a chunk left (GC, static overwrite, merged away) */
} rr_store_event_kind_t;

typedef struct rr_store_event {
    rr_store_event_kind_t kind;
    const rr_store_t *store;
    uint64_t event_id;       /* increasing per store */
    const rr_chunk_t *chunk; /* ADDED, COMPACTED: the chunk now in the store;
                                REMOVED: the chunk leaving (valid during the call) */
    rr_tuid_t chunk_id;      /* chunk's id */
    /* COMPACTED: the ids that no longer exist because they were merged into
     * chunk (the inserted chunk's and the merged-into chunk's). No REMOVED
     * events are sent for them. */
    const rr_tuid_t *compacted_from;
    size_t n_compacted_from;
} rr_store_event_t;

typedef void (*rr_store_event_fn)(void *ctx, const rr_store_event_t *ev);

/* Returns a handle > 0 for unsubscribing; 0 when out of memory. */
uint32_t rr_store_subscribe(rr_store_t *s, rr_store_event_fn fn, void *ctx);
void rr_store_unsubscribe(rr_store_t *s, uint32_t handle);

/* ---------------- GC and memory ---------------- */

typedef struct rr_store_gc_options {
    uint64_t drop_at_least_bytes; /* used when > 0 */
    double drop_at_least_fraction; /* of the memory before; used when > 0 */
    uint32_t protect_latest;      /* newest chunks kept per (entity, timeline, component) */
    /* When set, chunks furthest from furthest_from_time on this timeline go
     * first (Rerun's furthest_from), then the rest by row id. */
    const char *furthest_from_timeline;
    int64_t furthest_from_time;
} rr_store_gc_options_t;

typedef struct rr_store_gc_report {
    uint64_t chunks_dropped;
    uint64_t rows_dropped;
    uint64_t bytes_dropped; /* of memory as rr_store_memory_bytes measures it */
    uint64_t bytes_before;
    uint64_t bytes_after;
} rr_store_gc_report_t;

/* Drops temporal chunks until the target is met or nothing droppable is
 * left; fires REMOVED events. report may be NULL. */
rr_status_t rr_store_gc(rr_store_t *s, const rr_store_gc_options_t *opts,
                        rr_store_gc_report_t *report, rr_error_t *err);

typedef struct rr_store_stats {
    uint64_t num_chunks, num_static_chunks;
    uint64_t num_rows, num_static_rows;
    uint64_t arrow_bytes;     /* Arrow buffer bytes the chunks hold (shared buffers once per column) */
    uint64_t index_bytes;     /* the store's own allocations: indices, per-chunk metadata */
    uint64_t total_bytes;     /* arrow_bytes + index_bytes: what the GC limit applies to */
    uint64_t num_inserts;     /* chunks given to insert, and appends */
    uint64_t num_compactions; /* inserts that merged */
    uint64_t gc_runs, gc_chunks_dropped, gc_bytes_dropped; /* automatic and explicit GC */
} rr_store_stats_t;

void rr_store_get_stats(const rr_store_t *s, rr_store_stats_t *out);
uint64_t rr_store_memory_bytes(const rr_store_t *s);
/* The effective automatic GC limit in bytes (0: none). */
uint64_t rr_store_gc_limit(const rr_store_t *s);

/* ---------------- store sets: many stores fed from .rrd streams ---------------- */

typedef struct rr_store_set rr_store_set_t;

/* cfg (copied; NULL: defaults) applies to every store the set creates. */
rr_status_t rr_store_set_new(const rr_store_config_t *cfg, rr_store_set_t **out, rr_error_t *err);
void rr_store_set_free(rr_store_set_t *set); /* NULL-safe; frees its stores */

/* Routes a message to the store of its store id, creating the store on
 * first sight (SetStoreInfo or ArrowMsg). Blueprint activations are
 * ignored. */
rr_status_t rr_store_set_insert_log_msg(rr_store_set_t *set, const rr_log_msg_t *msg,
                                        rr_error_t *err);
/* Decodes a whole .rrd byte stream (any number of concatenated streams) into
 * the set. */
rr_status_t rr_store_set_load_rrd_bytes(rr_store_set_t *set, const void *data, size_t len,
                                        rr_error_t *err);
/* Same from a file path, "-" for standard input (streamed, not read whole;
 * see rr_store_set_load_rrd_fd). */
rr_status_t rr_store_set_load_rrd_file(rr_store_set_t *set, const char *path, rr_error_t *err);
/* Same from an open file descriptor (a file, a pipe), read to its end and
 * not closed, through the decoder's in-place path (rr_rrd_decoder_read_fd +
 * next_ref): large record batches are read where the kernel put their bytes
 * and the chunks share those buffers. name labels errors. */
rr_status_t rr_store_set_load_rrd_fd(rr_store_set_t *set, int fd, const char *name,
                                     rr_error_t *err);

size_t rr_store_set_count(const rr_store_set_t *set);
rr_store_t *rr_store_set_get(const rr_store_set_t *set, size_t i); /* in order of first sight */
rr_store_t *rr_store_set_find(const rr_store_set_t *set, const rr_store_id_t *id);

#endif
