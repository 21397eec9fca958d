/* Chunks: the unit of data from the batcher through the .rrd file to the
 * store. A chunk holds rows for one entity path: a row id per row (TUID), zero
 * or more index (time) columns and component columns, each component column a
 * list array with one list of instances per row (a null list: no data for
 * that component in that row). A chunk with no index column is static.
 *
 * In files and on the wire a chunk is an Arrow record batch with Rerun 0.33's
 * "sorbet" schema (crates/store/re_sorbet); rr_chunk_to_record_batch and
 * rr_chunk_from_record_batch convert losslessly and chunk.c lists every
 * metadata key and datatype involved.
 *
 * Ownership: an rr_chunk_t owns everything it points to and is freed with
 * rr_chunk_free. Its fields are public for reading; change them only through
 * the functions here. Arrow arrays inside share buffers by reference count
 * (rr_arrow_array_share), so conversions never copy the data. */
#ifndef RR_MODEL_CHUNK_H
#define RR_MODEL_CHUNK_H

#include <stdbool.h>
#include <stdint.h>

#include "arrow/abi.h"
#include "base/status.h"
#include "base/tuid.h"
#include "model/component.h"
#include "model/entity_path.h"
#include "model/time.h"

/* Schema-level metadata keys (re_sorbet sorbet_schema.rs, metadata.rs). */
#define RR_SORBET_VERSION_KEY "sorbet:version"
#define RR_SORBET_VERSION "0.1.3"
#define RR_META_CHUNK_ID "rerun:id"
#define RR_META_ENTITY_PATH "rerun:entity_path"
/* Field-level metadata keys (re_sorbet *_column_descriptor.rs, column_kind.rs). */
#define RR_META_KIND "rerun:kind"
#define RR_META_KIND_ROW_ID "control"
#define RR_META_KIND_INDEX "index"
#define RR_META_KIND_COMPONENT "data"
#define RR_META_IS_SORTED "rerun:is_sorted"
#define RR_META_INDEX_NAME "rerun:index_name"
/* The row id column (re_types_core row_id.rs, re_tuid). */
#define RR_ROW_ID_COLUMN_NAME "rerun.controls.RowId"
#define RR_TUID_EXTENSION_NAME "rerun.datatypes.TUID"
#define RR_ROW_ID_EXTENSION_METADATA "{\"namespace\":\"row\"}"

typedef struct rr_chunk_index {
    rr_timeline_t timeline;
    bool is_sorted;         /* values non-decreasing */
    rr_time_range_t range;  /* min..max of the values; empty when no rows */
    struct ArrowArray array; /* int64 layout (format per timeline type), num_rows long */
} rr_chunk_index_t;

typedef struct rr_chunk_component {
    rr_component_descriptor_t descr;
    struct ArrowSchema type; /* the column's datatype: a list ("+l"); its name is unused */
    struct ArrowArray array; /* the list array, num_rows long */
} rr_chunk_component_t;

typedef struct rr_chunk {
    rr_tuid_t id;
    rr_entity_path_t entity_path;
    bool is_sorted;            /* row ids non-decreasing */
    int64_t num_rows;
    struct ArrowArray row_ids; /* FixedSizeBinary(16), big-endian TUIDs, no nulls */
    int64_t n_indexes;
    rr_chunk_index_t *indexes; /* in Rerun's column order: by timeline name, then type */
    int64_t n_components;
    rr_chunk_component_t *components; /* by descriptor (archetype, component, type) */
    /* private: the one allocation a packed chunk lives in (rr_chunk_pack);
     * NULL for a chunk built column by column */
    void *packed;
} rr_chunk_t;

/* ---- building ---- */

/* A new chunk of num_rows rows with no index or component columns yet. Row
 * ids are copied from row_ids (num_rows of them), or made fresh with
 * rr_tuid_new when row_ids is NULL. The entity path is copied. */
rr_status_t rr_chunk_new(rr_tuid_t chunk_id, const rr_entity_path_t *entity_path, int64_t num_rows,
                         const rr_tuid_t *row_ids, rr_chunk_t **out, rr_error_t *err);

/* Adds an index column for a timeline, copying num_rows values. A timeline
 * name may appear once per chunk. Times must not be RR_TIME_STATIC. */
rr_status_t rr_chunk_add_index(rr_chunk_t *c, const char *timeline, rr_time_type_t type,
                               const int64_t *times, rr_error_t *err);

/* Same from an Arrow array of any int64-layout type (int64, duration,
 * timestamp, without nulls). The array is TAKEN: moved into the chunk on
 * success, released on failure; the caller's struct is left released. */
rr_status_t rr_chunk_add_index_array(rr_chunk_t *c, const char *timeline, rr_time_type_t type,
                                     struct ArrowArray *times, rr_error_t *err);

/* Adds a component column. type is the list datatype ("+l" with one child
 * of the instance type); it is copied. list is a list array of num_rows
 * rows; it is TAKEN (moved in on success, released on failure). The
 * descriptor is copied; a component identifier may appear once per chunk. */
rr_status_t rr_chunk_add_component(rr_chunk_t *c, const rr_component_descriptor_t *descr,
                                   const struct ArrowSchema *type, struct ArrowArray *list,
                                   rr_error_t *err);

void rr_chunk_free(rr_chunk_t *c); /* NULL-safe */

/* ---- packed chunks: one allocation ----
 *
 * A packed chunk holds everything (the struct, column tables, Arrow nodes,
 * strings and a copy of the data) in one malloc block: made with one malloc,
 * freed with one free. Its Arrow arrays and schemas are ordinary ones with
 * release callbacks (each holds a reference on the block, so a column
 * shared or moved out outlives the chunk). It reads like any chunk; it
 * cannot take more columns (rr_chunk_add_* refuse it). Only small chunks of
 * fixed-width columns (lists of primitives or of fixed-size lists of
 * primitives, up to 64 KiB of data) can be packed: that is where the
 * allocations, not the bytes, are the cost. */

/* Whether c's columns and size allow packing. */
bool rr_chunk_can_pack(const rr_chunk_t *c);
/* A packed copy of src (same id, rows and columns; null counts exact, buffers
 * rebased to offset 0); RR_ERR_INVALID_ARG when it cannot be packed. */
rr_status_t rr_chunk_pack(const rr_chunk_t *src, rr_chunk_t **out, rr_error_t *err);
bool rr_chunk_is_packed(const rr_chunk_t *c);

/* A packed chunk's column key: its entity path, timelines and component
 * columns (descriptors and datatypes) as one byte string, and a hash of it.
 * Two chunks with equal keys have equal entity paths and the same columns
 * (what the store's compaction asks of a chunk before it merges it), so one
 * memcmp answers what would take a string compare per name. Equal keys
 * have equal hashes; the hash is cheap (not of every byte), for placing
 * keys in a table and rejecting unequal ones, never for accepting. The
 * bytes live in the chunk's block (valid while the chunk is). */
typedef struct rr_chunk_key {
    const uint8_t *bytes;
    size_t len;
    uint64_t hash;
} rr_chunk_key_t;
/* false (and *out untouched) when c is not packed or has no key. */
bool rr_chunk_column_key(const rr_chunk_t *c, rr_chunk_key_t *out);

/* One time column for rr_chunk_new_columns: num_rows values (borrowed). */
typedef struct rr_chunk_time_column {
    const char *timeline;
    rr_time_type_t type;
    const int64_t *values;
} rr_chunk_time_column_t;

/* One component column for rr_chunk_new_columns: a list array of num_rows
 * rows and its list datatype ("+l"), both borrowed. */
typedef struct rr_chunk_list_column {
    const rr_component_descriptor_t *descr;
    const struct ArrowSchema *type;
    const struct ArrowArray *list;
} rr_chunk_list_column_t;

/* A whole chunk in one call, as rr_chunk_new then rr_chunk_add_index and
 * rr_chunk_add_component for each column (same checks and errors; columns
 * in any order; row_ids NULL: fresh), but packed (one allocation, values
 * copied) when the columns allow it; otherwise built column by column with
 * the lists' buffers shared. Everything passed is borrowed. */
rr_status_t rr_chunk_new_columns(rr_tuid_t chunk_id, const rr_entity_path_t *entity_path,
                                 int64_t num_rows, const rr_tuid_t *row_ids,
                                 const rr_chunk_time_column_t *times, size_t n_times,
                                 const rr_chunk_list_column_t *components, size_t n_components,
                                 rr_chunk_t **out, rr_error_t *err);

/* ---- reading ---- */

static inline int64_t rr_chunk_num_rows(const rr_chunk_t *c) { return c->num_rows; }
static inline bool rr_chunk_is_static(const rr_chunk_t *c) { return c->n_indexes == 0; }

/* Row id of row i (0 <= i < num_rows). */
rr_tuid_t rr_chunk_row_id(const rr_chunk_t *c, int64_t i);
/* Value of row i in an index column. */
int64_t rr_chunk_index_value(const rr_chunk_index_t *ix, int64_t i);

/* The index column of a timeline, or NULL. */
const rr_chunk_index_t *rr_chunk_find_index(const rr_chunk_t *c, const char *timeline);
/* Time range on a timeline; false (and *out empty) when the chunk has no such
 * timeline. */
bool rr_chunk_time_range(const rr_chunk_t *c, const char *timeline, rr_time_range_t *out);
/* The component column with this component identifier, or NULL. */
const rr_chunk_component_t *rr_chunk_find_component(const rr_chunk_t *c, const char *component);

/* Bytes of Arrow buffers the chunk refers to (shared buffers counted once
 * per column, slices counted whole). For statistics and thresholds. */
int64_t rr_chunk_byte_size(const rr_chunk_t *c);

/* True when both have the same id, entity path, row ids, index columns and
 * component columns (descriptors, datatypes and values, nulls compared
 * logically). When different and err is given, err says where. */
bool rr_chunk_equal(const rr_chunk_t *a, const rr_chunk_t *b, rr_error_t *err);

/* ---- Arrow record batches (Rerun's sorbet chunk schema) ---- */

/* Fills *schema and *batch (both must not be live) with the chunk as Rerun
 * 0.33 writes it: the row id column, then index columns, then component
 * columns, with schema and field metadata as in chunk.c's header. The batch
 * is a struct array ("+s") sharing the chunk's buffers; the caller releases
 * both. */
rr_status_t rr_chunk_to_record_batch(const rr_chunk_t *c, struct ArrowSchema *schema,
                                     struct ArrowArray *batch, rr_error_t *err);

/* Builds a chunk from a record batch with a sorbet chunk schema (as written
 * by Rerun 0.33 or by us; older layouts as listed in chunk.c). schema is
 * borrowed. batch is TAKEN: moved into the chunk on success and released on
 * failure (the caller's struct is left released either way). Malformed
 * input gets RR_ERR_INVALID_DATA naming the column and the fault. A small
 * batch of fixed-width columns gives a packed chunk (see above). */
/* Parses a chunk id as Rerun writes it in "rerun:id": "chunk_" + TUID, or a
 * bare TUID (Rerun's parser takes both); any other namespace is refused. */
bool rr_chunk_id_parse(const char *s, size_t len, rr_tuid_t *out);
/* The chunk id in a chunk record batch's schema metadata ("rerun:id", or the
 * legacy "rerun.id"); false when absent or malformed. */
bool rr_chunk_id_from_schema(const struct ArrowSchema *schema, rr_tuid_t *out);

rr_status_t rr_chunk_from_record_batch(const struct ArrowSchema *schema, struct ArrowArray *batch,
                                       rr_chunk_t **out, rr_error_t *err);

/* ---- chunk plans: one schema, many small batches ----
 *
 * A stream of small ArrowMsgs (a live logger, a file written by one that
 * flushes often) repeats one schema per entity. A plan reads what the
 * schema says once (column kinds and order, timeline names, descriptors,
 * the entity path), so that building each batch's chunk only copies its
 * values: the packed chunk rr_chunk_from_record_batch would give, without
 * reading the metadata again. */
typedef struct rr_chunk_plan rr_chunk_plan_t;

/* A plan for batches of this sorbet schema, or *out NULL (and RR_OK) when
 * they are not for plans (columns not fixed-width, too many, anything odd:
 * rr_chunk_from_record_batch takes and reports those). The schema is
 * borrowed and must outlive the plan. RR_ERR_NOMEM only. */
rr_status_t rr_chunk_plan_new(const struct ArrowSchema *schema, rr_chunk_plan_t **out,
                              rr_error_t *err);
void rr_chunk_plan_free(rr_chunk_plan_t *p); /* NULL-safe */

/* The packed chunk of batch (a validated "+s" array of the plan's schema,
 * borrowed: its values are copied) with chunk id `id`; false when this
 * batch is too large for a packed chunk (take the general path). */
bool rr_chunk_plan_build(const rr_chunk_plan_t *p, rr_tuid_t id, const struct ArrowArray *batch,
                         rr_chunk_t **out);

#endif
