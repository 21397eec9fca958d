/* Chunks and their Arrow record batch form, Rerun 0.33's "sorbet" chunk
 * schema. Everything a batch carries beyond the Arrow data is written down
 * here, with the Rerun source file (tag 0.33.0) each fact comes from.
 *
 * Schema (record batch) metadata -- re_sorbet/src/sorbet_schema.rs,
 * chunk_schema.rs, metadata.rs:
 *   "sorbet:version"    = "0.1.3"                (SorbetSchema::METADATA_VERSION)
 *   "rerun:id"          = chunk id, ChunkId Display: "chunk_" + TUID Display
 *                         (re_types_core chunk_id.rs; re_tuid lib.rs: 16
 *                         upper-case hex digits of time, then 16 lower-case
 *                         of inc); the prefix is optional when parsing
 *   "rerun:entity_path" = entity path Display ("/a/b", escaped)
 *   (Rerun also knows "rerun:segment_id"/"rerun:partition_id" and the
 *   "rerun:timestamp_*" latency keys of timestamp_metadata.rs; chunks we write
 *   carry none of them, and reading ignores them.)
 *
 * Columns, in this order (chunk_columns.rs enforces it on reading):
 * 1. Row id -- row_id_column_descriptor.rs, re_types_core row_id.rs, tuid.rs:
 *    name "rerun.controls.RowId", FixedSizeBinary(16) ("w:16"), NOT nullable;
 *    each value is a TUID big-endian (time_ns then inc).
 *    metadata: "rerun:kind" = "control",
 *              "ARROW:extension:name" = "rerun.datatypes.TUID",
 *              "ARROW:extension:metadata" = {"namespace":"row"},
 *              "rerun:is_sorted" = "true" only when the row ids are sorted.
 * 2. Index columns, sorted by timeline (name, then type) --
 *    index_column_descriptor.rs, re_log_types index/time_type.rs:
 *    name = timeline name, nullable; datatype Int64 ("l") for sequence,
 *    Duration(ns) ("tDn") for duration, Timestamp(ns, no zone) ("tsn:") for
 *    timestamp. metadata: "rerun:kind" = "index",
 *    "rerun:index_name" = timeline name, "rerun:is_sorted" = "true" only when
 *    the times are sorted.
 * 3. Component columns, sorted by descriptor (archetype, component, type) --
 *    component_column_descriptor.rs, re_chunk transport.rs, re_types_core
 *    component_descriptor.rs:
 *    name = the component identifier (e.g. "Points3D:positions"), nullable,
 *    datatype List<instance type> ("+l"). metadata: "rerun:kind" = "data",
 *    "rerun:component" = component, "rerun:archetype" (when set),
 *    "rerun:component_type" (when set). The dataframe-only keys
 *    "rerun:is_static", "rerun:is_tombstone", "rerun:is_semantically_empty"
 *    and a per-column "rerun:entity_path" are never written for chunks
 *    (transport.rs sets them false).
 *
 * What reading accepts, as Rerun does (column_kind.rs, metadata.rs,
 * index_column_descriptor.rs, component_column_descriptor.rs, sorbet_schema.rs,
 * migrations/):
 *   - any "sorbet:version" or none (Rerun only warns on a mismatch);
 *   - "rerun:kind" values "control"/"row_id", "index"/"time",
 *     "data"/"component"; a field without "rerun:kind" is a component column;
 *   - boolean keys true unless the value is "false" or "no" (any case);
 *   - a missing "rerun:index_name" falls back on the field name, a missing
 *     "rerun:component" on the field name;
 *   - timestamp[ns] with any time zone;
 *   - a row id column with any metadata, as long as the datatype is
 *     FixedSizeBinary(16) (its validity is ignored, as Rerun does);
 *   - batches older than sorbet 0.1.1 (or unversioned) lose their indicator
 *     columns ("rerun:is_indicator" = true, or a "rerun.components.*Indicator"
 *     component), as migration v0_1_0__to__v0_1_1 does.
 * Not done: the renames of later migrations (Pose* components, SeriesVisible),
 * the pre-0.23 "rerun." key spellings, and wrapping non-list data columns in
 * lists (make_list_arrays.rs): such batches are rejected with an error.
 * Rejected with an error naming the column: a missing chunk id or entity
 * path, a missing or repeated row id column, columns out of order, an
 * unknown "rerun:kind", wrong datatypes, nulls in an index column, a repeated
 * timeline or component, columns of the wrong length, and invalid arrays. */
#include "model/chunk.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arrow/array.h"
#include "arrow/compare.h"
#include "arrow/schema.h"
#include "arrow/validate.h"

/* ---------------- small helpers ---------------- */

static int timeline_cmp(const rr_timeline_t *a, const rr_timeline_t *b) {
    int c = strcmp(a->name, b->name);
    if (c) return c < 0 ? -1 : 1;
    return (a->type > b->type) - (a->type < b->type);
}

/* (An empty column may have no buffer: no arithmetic on NULL.) */
static const int64_t *index_values(const rr_chunk_index_t *ix) {
    const int64_t *v = ix->array.buffers[1];
    return v ? v + ix->array.offset : NULL;
}

static const uint8_t *row_id_bytes(const rr_chunk_t *c) {
    const uint8_t *b = c->row_ids.buffers[1];
    return b ? b + 16 * c->row_ids.offset : NULL;
}

rr_tuid_t rr_chunk_row_id(const rr_chunk_t *c, int64_t i) {
    return rr_tuid_from_bytes(row_id_bytes(c) + 16 * i);
}

int64_t rr_chunk_index_value(const rr_chunk_index_t *ix, int64_t i) { return index_values(ix)[i]; }

static void index_stats(rr_chunk_index_t *ix, int64_t n) {
    const int64_t *v = index_values(ix);
    rr_time_range_t r = rr_time_range_empty();
    bool sorted = true;
    for (int64_t i = 0; i < n; i++) {
        if (v[i] < r.min) r.min = v[i];
        if (v[i] > r.max) r.max = v[i];
        if (i > 0 && v[i] < v[i - 1]) sorted = false;
    }
    ix->range = r;
    ix->is_sorted = sorted;
}

static bool row_ids_sorted(const rr_chunk_t *c) {
    const uint8_t *b = row_id_bytes(c);
    for (int64_t i = 1; i < c->num_rows; i++)
        if (memcmp(b + 16 * (i - 1), b + 16 * i, 16) > 0) return false;
    return true;
}

/* n ids as their 16 big-endian bytes each, in one pass (chunks of many
 * rows: a byte loop per id costs more than the rest of the chunk).
 * Returns whether they are in ascending order, as row_ids_sorted decides. */
static bool tuids_to_bytes(const rr_tuid_t *ids, int64_t n, uint8_t *out) {
    bool sorted = true;
    for (int64_t i = 0; i < n; i++) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        uint64_t hi = __builtin_bswap64(ids[i].time_ns), lo = __builtin_bswap64(ids[i].inc);
        memcpy(out + 16 * i, &hi, 8);
        memcpy(out + 16 * i + 8, &lo, 8);
#else
        rr_tuid_to_bytes(ids[i], out + 16 * i);
#endif
        if (i && (ids[i].time_ns < ids[i - 1].time_ns ||
                  (ids[i].time_ns == ids[i - 1].time_ns && ids[i].inc < ids[i - 1].inc)))
            sorted = false;
    }
    return sorted;
}

static void free_index(rr_chunk_index_t *ix) {
    rr_timeline_free(&ix->timeline);
    rr_arrow_array_release(&ix->array);
}

static void free_component(rr_chunk_component_t *cc) {
    rr_component_descriptor_free(&cc->descr);
    rr_arrow_schema_release(&cc->type);
    rr_arrow_array_release(&cc->array);
}

/* The header of a packed chunk's block (see "packed chunks" below). */
typedef struct pack_block {
    long refs; /* atomic */
    long own;  /* the references the chunk and its nodes were made with */
    /* The column key (rr_chunk_column_key): bytes at key_off from the
     * block's start, key_len of them (0: none). */
    uint32_t key_off, key_len;
    uint64_t key_hash;
} pack_block_t;
static void pack_unref(pack_block_t *b);
static void packed_array_release(struct ArrowArray *a);
static void packed_schema_release(struct ArrowSchema *s);

void rr_chunk_free(rr_chunk_t *c) {
    if (!c) return;
    if (c->packed) {
        /* names and tables live in the block; only the Arrow nodes have
         * references of their own */
        pack_block_t *blk = c->packed;
        /* When no node has left the chunk and nobody else holds one, the
         * block is all there is to free. */
        bool alone = __atomic_load_n(&blk->refs, __ATOMIC_ACQUIRE) == blk->own &&
                     c->row_ids.release == packed_array_release;
        for (int64_t i = 0; alone && i < c->n_indexes; i++)
            alone = c->indexes[i].array.release == packed_array_release;
        for (int64_t i = 0; alone && i < c->n_components; i++)
            alone = c->components[i].array.release == packed_array_release &&
                    c->components[i].type.release == packed_schema_release;
        if (alone) {
            free(blk);
            return;
        }
        rr_arrow_array_release(&c->row_ids);
        for (int64_t i = 0; i < c->n_indexes; i++) rr_arrow_array_release(&c->indexes[i].array);
        for (int64_t i = 0; i < c->n_components; i++) {
            rr_arrow_array_release(&c->components[i].array);
            rr_arrow_schema_release(&c->components[i].type);
        }
        pack_unref(blk);
        return;
    }
    rr_entity_path_free(&c->entity_path);
    rr_arrow_array_release(&c->row_ids);
    for (int64_t i = 0; i < c->n_indexes; i++) free_index(&c->indexes[i]);
    for (int64_t i = 0; i < c->n_components; i++) free_component(&c->components[i]);
    free(c->indexes);
    free(c->components);
    free(c);
}

/* ---------------- building ---------------- */

rr_status_t rr_chunk_new(rr_tuid_t chunk_id, const rr_entity_path_t *entity_path, int64_t num_rows,
                         const rr_tuid_t *row_ids, rr_chunk_t **out, rr_error_t *err) {
    *out = NULL;
    if (!entity_path || num_rows < 0 || num_rows > INT64_MAX / 32)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "chunk: bad entity path or row count %lld",
                            (long long)num_rows);
    rr_chunk_t *c = calloc(1, sizeof *c);
    if (!c) return rr_error_set(err, RR_ERR_NOMEM, "chunk: out of memory");
    c->id = chunk_id;
    c->num_rows = num_rows;
    rr_status_t st = rr_entity_path_copy(entity_path, &c->entity_path, err);
    if (st == RR_OK) st = rr_arrow_array_init(&c->row_ids, 2, 0, false, err);
    if (st == RR_OK) {
        uint8_t *b = rr_arrow_array_alloc_buffer(&c->row_ids, 1, (size_t)num_rows * 16);
        if (!b) {
            st = rr_error_set(err, RR_ERR_NOMEM, "chunk %s: out of memory for %lld row ids",
                              entity_path->str, (long long)num_rows);
        } else {
            c->row_ids.length = num_rows;
            if (row_ids) {
                c->is_sorted = tuids_to_bytes(row_ids, num_rows, b);
            } else {
                for (int64_t i = 0; i < num_rows; i++) rr_tuid_to_bytes(rr_tuid_new(), b + 16 * i);
                c->is_sorted = row_ids_sorted(c);
            }
        }
    }
    if (st != RR_OK) {
        rr_chunk_free(c);
        return st;
    }
    *out = c;
    return RR_OK;
}

/* Inserts ix (moved) in timeline order; fails on a repeated timeline name. */
static rr_status_t insert_index(rr_chunk_t *c, rr_chunk_index_t *ix, rr_error_t *err) {
    if (c->packed)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "chunk %s: a packed chunk takes no more columns",
                            c->entity_path.str);
    for (int64_t i = 0; i < c->n_indexes; i++)
        if (strcmp(c->indexes[i].timeline.name, ix->timeline.name) == 0)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "chunk %s: time column '%s' was specified more than once",
                                c->entity_path.str, ix->timeline.name);
    rr_chunk_index_t *v = realloc(c->indexes, (size_t)(c->n_indexes + 1) * sizeof *v);
    if (!v) return rr_error_set(err, RR_ERR_NOMEM, "chunk: out of memory");
    c->indexes = v;
    int64_t at = c->n_indexes;
    while (at > 0 && timeline_cmp(&v[at - 1].timeline, &ix->timeline) > 0) at--;
    memmove(&v[at + 1], &v[at], (size_t)(c->n_indexes - at) * sizeof *v);
    v[at] = *ix;
    memset(ix, 0, sizeof *ix);
    c->n_indexes++;
    return RR_OK;
}

static rr_status_t insert_component(rr_chunk_t *c, rr_chunk_component_t *cc, rr_error_t *err) {
    if (c->packed)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "chunk %s: a packed chunk takes no more columns",
                            c->entity_path.str);
    for (int64_t i = 0; i < c->n_components; i++)
        if (strcmp(c->components[i].descr.component, cc->descr.component) == 0)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "chunk %s: component column '%s' was specified more than once",
                                c->entity_path.str, cc->descr.component);
    rr_chunk_component_t *v = realloc(c->components, (size_t)(c->n_components + 1) * sizeof *v);
    if (!v) return rr_error_set(err, RR_ERR_NOMEM, "chunk: out of memory");
    c->components = v;
    int64_t at = c->n_components;
    while (at > 0 && rr_component_descriptor_cmp(&v[at - 1].descr, &cc->descr) > 0) at--;
    memmove(&v[at + 1], &v[at], (size_t)(c->n_components - at) * sizeof *v);
    v[at] = *cc;
    memset(cc, 0, sizeof *cc);
    c->n_components++;
    return RR_OK;
}

/* Checks an int64-layout index array and completes ix around it (moved in). */
static rr_status_t make_index(rr_chunk_t *c, const char *name, rr_time_type_t type,
                              struct ArrowArray *arr, rr_chunk_index_t *ix, rr_error_t *err) {
    memset(ix, 0, sizeof *ix);
    rr_status_t st = RR_OK;
    if (!arr || !arr->release) {
        return rr_error_set(err, RR_ERR_INVALID_ARG, "chunk %s: time column '%s': no array",
                            c->entity_path.str, name ? name : "?");
    }
    if (!name) st = rr_error_set(err, RR_ERR_INVALID_ARG, "chunk %s: time column without a name",
                                 c->entity_path.str);
    else if (arr->length != c->num_rows)
        st = rr_error_set(err, RR_ERR_INVALID_DATA,
                          "chunk %s: time column '%s' has %lld rows, the chunk %lld",
                          c->entity_path.str, name, (long long)arr->length, (long long)c->num_rows);
    else if (arr->n_buffers != 2 || arr->n_children != 0 || arr->offset < 0 ||
             (arr->length > 0 && !arr->buffers[1]))
        st = rr_error_set(err, RR_ERR_INVALID_DATA,
                          "chunk %s: time column '%s' is not an int64-layout array",
                          c->entity_path.str, name);
    else if (arr->null_count != 0 && arr->buffers[0] &&
             rr_arrow_bitmap_count_set(arr->buffers[0], arr->offset, arr->length) != arr->length)
        st = rr_error_set(err, RR_ERR_INVALID_DATA, "chunk %s: time column '%s' has nulls",
                          c->entity_path.str, name);
    if (st == RR_OK) st = rr_timeline_init(&ix->timeline, name, type, err);
    if (st != RR_OK) {
        rr_arrow_array_release(arr);
        return st;
    }
    rr_arrow_array_move(arr, &ix->array);
    index_stats(ix, c->num_rows);
    return RR_OK;
}

rr_status_t rr_chunk_add_index_array(rr_chunk_t *c, const char *timeline, rr_time_type_t type,
                                     struct ArrowArray *times, rr_error_t *err) {
    rr_chunk_index_t ix;
    RR_TRY(make_index(c, timeline, type, times, &ix, err));
    rr_status_t st = insert_index(c, &ix, err);
    if (st != RR_OK) free_index(&ix);
    return st;
}

rr_status_t rr_chunk_add_index(rr_chunk_t *c, const char *timeline, rr_time_type_t type,
                               const int64_t *times, rr_error_t *err) {
    struct ArrowArray a;
    RR_TRY(rr_arrow_array_init(&a, 2, 0, false, err));
    int64_t *v = rr_arrow_array_alloc_buffer(&a, 1, (size_t)c->num_rows * 8);
    if (!v) {
        rr_arrow_array_release(&a);
        return rr_error_set(err, RR_ERR_NOMEM, "chunk: out of memory");
    }
    for (int64_t i = 0; i < c->num_rows; i++) {
        if (times[i] == RR_TIME_STATIC) {
            rr_arrow_array_release(&a);
            return rr_error_set(err, RR_ERR_INVALID_ARG,
                                "chunk %s: time column '%s' row %lld holds the static marker",
                                c->entity_path.str, timeline ? timeline : "?", (long long)i);
        }
        v[i] = times[i];
    }
    a.length = c->num_rows;
    return rr_chunk_add_index_array(c, timeline, type, &a, err);
}

/* validate: false when the array was already validated with the batch. */
static rr_status_t add_component(rr_chunk_t *c, const rr_component_descriptor_t *descr,
                                 const struct ArrowSchema *type, struct ArrowArray *list,
                                 bool validate, rr_error_t *err) {
    rr_chunk_component_t cc;
    memset(&cc, 0, sizeof cc);
    rr_status_t st = RR_OK;
    const char *name = descr && descr->component ? descr->component : "?";
    if (!list || !list->release) {
        return rr_error_set(err, RR_ERR_INVALID_ARG, "chunk %s: component column '%s': no array",
                            c->entity_path.str, name);
    }
    if (!descr || !descr->component || !type || !type->format)
        st = rr_error_set(err, RR_ERR_INVALID_ARG, "chunk %s: component column without descriptor or type",
                          c->entity_path.str);
    else if (strcmp(type->format, "+l") != 0 || type->n_children != 1)
        st = rr_error_set(err, RR_ERR_INVALID_DATA,
                          "chunk %s: component column '%s' must be a list array, got format '%s'",
                          c->entity_path.str, name, type->format);
    else if (list->length != c->num_rows)
        st = rr_error_set(err, RR_ERR_INVALID_DATA,
                          "chunk %s: component column '%s' has %lld rows, the chunk %lld",
                          c->entity_path.str, name, (long long)list->length, (long long)c->num_rows);
    if (st == RR_OK) st = rr_component_descriptor_copy(descr, &cc.descr, err);
    if (st == RR_OK) st = rr_arrow_schema_copy(type, &cc.type, err);
    if (st == RR_OK) st = rr_arrow_schema_set_name(&cc.type, "", err);
    if (st == RR_OK) st = rr_arrow_schema_set_metadata(&cc.type, NULL, 0, err);
    if (st == RR_OK && validate) {
        cc.type.flags |= ARROW_FLAG_NULLABLE;
        st = rr_arrow_validate(&cc.type, list, err);
        if (st != RR_OK)
            rr_error_prefix(err, "chunk %s: component column '%s': ", c->entity_path.str, name);
    }
    if (st != RR_OK) {
        rr_arrow_array_release(list);
        free_component(&cc);
        return st;
    }
    rr_arrow_array_move(list, &cc.array);
    cc.type.flags |= ARROW_FLAG_NULLABLE;
    st = insert_component(c, &cc, err);
    if (st != RR_OK) free_component(&cc);
    return st;
}

rr_status_t rr_chunk_add_component(rr_chunk_t *c, const rr_component_descriptor_t *descr,
                                   const struct ArrowSchema *type, struct ArrowArray *list,
                                   rr_error_t *err) {
    return add_component(c, descr, type, list, true, err);
}

/* ---------------- reading ---------------- */

const rr_chunk_index_t *rr_chunk_find_index(const rr_chunk_t *c, const char *timeline) {
    for (int64_t i = 0; i < c->n_indexes; i++)
        if (strcmp(c->indexes[i].timeline.name, timeline) == 0) return &c->indexes[i];
    return NULL;
}

bool rr_chunk_time_range(const rr_chunk_t *c, const char *timeline, rr_time_range_t *out) {
    const rr_chunk_index_t *ix = rr_chunk_find_index(c, timeline);
    *out = ix ? ix->range : rr_time_range_empty();
    return ix != NULL;
}

const rr_chunk_component_t *rr_chunk_find_component(const rr_chunk_t *c, const char *component) {
    for (int64_t i = 0; i < c->n_components; i++)
        if (strcmp(c->components[i].descr.component, component) == 0) return &c->components[i];
    return NULL;
}

/* Buffer sizes of an array tree from its layout (offsets read where they
 * decide the child's extent). Approximate for unions and views; exact for
 * the primitive, binary and list types chunks hold. */
static int64_t array_bytes(const struct ArrowSchema *s, const struct ArrowArray *a) {
    if (!a || !a->release || !s) return 0;
    int64_t n = a->length + a->offset, total = 0;
    const char *f = s->format;
    if (a->n_buffers > 0 && a->buffers[0]) total += (n + 7) / 8;
    if (f[0] == 'b') total += (n + 7) / 8;
    else if (strchr("cC", f[0]) && f[1] == 0) total += n;
    else if (strchr("sSe", f[0]) && f[1] == 0) total += 2 * n;
    else if (strchr("iIf", f[0]) && f[1] == 0) total += 4 * n;
    else if (strchr("lLgtz", f[0]) && (f[0] != 'z' || f[1] == 0)) {
        if (f[0] == 'z' && a->buffers[1]) total += 4 * (n + 1) + ((const int32_t *)a->buffers[1])[n];
        else total += 8 * n;
    } else if (f[0] == 'u' && a->buffers[1]) total += 4 * (n + 1) + ((const int32_t *)a->buffers[1])[n];
    else if (f[0] == 'Z' || f[0] == 'U') total += 8 * (n + 1) + (a->buffers[1] ? ((const int64_t *)a->buffers[1])[n] : 0);
    else if (f[0] == 'w') total += (int64_t)atoi(f + 2) * n;
    else if (f[0] == 'd') total += 16 * n;
    else if (f[0] == '+' && f[1] == 'l') total += 4 * (n + 1);
    else if (f[0] == '+' && f[1] == 'L') total += 8 * (n + 1);
    for (int64_t i = 0; i < a->n_children && i < s->n_children; i++)
        total += array_bytes(s->children[i], a->children[i]);
    return total;
}

int64_t rr_chunk_byte_size(const rr_chunk_t *c) {
    int64_t total = 16 * (c->row_ids.length + c->row_ids.offset);
    for (int64_t i = 0; i < c->n_indexes; i++)
        total += 8 * (c->indexes[i].array.length + c->indexes[i].array.offset);
    for (int64_t i = 0; i < c->n_components; i++)
        total += array_bytes(&c->components[i].type, &c->components[i].array);
    return total;
}

bool rr_chunk_equal(const rr_chunk_t *a, const rr_chunk_t *b, rr_error_t *err) {
    if (rr_tuid_cmp(a->id, b->id) != 0) {
        rr_error_set(err, RR_ERR_INVALID_DATA, "chunk ids differ");
        return false;
    }
    if (!rr_entity_path_equal(&a->entity_path, &b->entity_path)) {
        rr_error_set(err, RR_ERR_INVALID_DATA, "entity paths differ: %s != %s", a->entity_path.str,
                     b->entity_path.str);
        return false;
    }
    if (a->num_rows != b->num_rows || a->is_sorted != b->is_sorted) {
        rr_error_set(err, RR_ERR_INVALID_DATA, "rows differ: %lld%s != %lld%s",
                     (long long)a->num_rows, a->is_sorted ? " (sorted)" : "",
                     (long long)b->num_rows, b->is_sorted ? " (sorted)" : "");
        return false;
    }
    if (memcmp(row_id_bytes(a), row_id_bytes(b), (size_t)a->num_rows * 16) != 0) {
        rr_error_set(err, RR_ERR_INVALID_DATA, "row ids differ");
        return false;
    }
    if (a->n_indexes != b->n_indexes || a->n_components != b->n_components) {
        rr_error_set(err, RR_ERR_INVALID_DATA, "column counts differ");
        return false;
    }
    for (int64_t i = 0; i < a->n_indexes; i++) {
        const rr_chunk_index_t *x = &a->indexes[i], *y = &b->indexes[i];
        if (!rr_timeline_equal(&x->timeline, &y->timeline) || x->is_sorted != y->is_sorted ||
            memcmp(index_values(x), index_values(y), (size_t)a->num_rows * 8) != 0) {
            rr_error_set(err, RR_ERR_INVALID_DATA, "time column '%s' differs", x->timeline.name);
            return false;
        }
    }
    for (int64_t i = 0; i < a->n_components; i++) {
        const rr_chunk_component_t *x = &a->components[i], *y = &b->components[i];
        if (!rr_component_descriptor_equal(&x->descr, &y->descr)) {
            rr_error_set(err, RR_ERR_INVALID_DATA, "component descriptors differ: '%s' != '%s'",
                         x->descr.component, y->descr.component);
            return false;
        }
        if (!rr_arrow_schema_equal(&x->type, &y->type, err) ||
            !rr_arrow_array_equal(&x->type, &x->array, &y->type, &y->array, err)) {
            if (err) rr_error_prefix(err, "component column '%s': ", x->descr.component);
            return false;
        }
    }
    return true;
}

/* ---------------- to a record batch ---------------- */

#define KV(k, v) ((rr_arrow_kv_t){(k), (int32_t)strlen(k), (v), (int32_t)strlen(v)})

/* A second owner of a column's buffers. The chunk's arrays are ours (made
 * here or read by our IPC reader), for which sharing leaves src untouched. */
static rr_status_t share(const struct ArrowArray *src, struct ArrowArray *dst, rr_error_t *err) {
    return rr_arrow_array_share((struct ArrowArray *)src, dst, err);
}

bool rr_chunk_id_parse(const char *s, size_t len, rr_tuid_t *out) {
    if (len >= 6 && memcmp(s, "chunk_", 6) == 0) {
        s += 6;
        len -= 6;
    }
    if (memchr(s, '_', len)) return false;
    return rr_tuid_parse(s, len, out);
}

bool rr_chunk_id_from_schema(const struct ArrowSchema *schema, rr_tuid_t *out) {
    rr_arrow_kv_t kv;
    if (!rr_arrow_metadata_find(schema->metadata, RR_META_CHUNK_ID, &kv) &&
        !rr_arrow_metadata_find(schema->metadata, "rerun.id", &kv))
        return false;
    return rr_chunk_id_parse(kv.value, (size_t)kv.value_len, out);
}

rr_status_t rr_chunk_to_record_batch(const rr_chunk_t *c, struct ArrowSchema *schema,
                                     struct ArrowArray *batch, rr_error_t *err) {
    memset(schema, 0, sizeof *schema);
    memset(batch, 0, sizeof *batch);
    int64_t ncols = 1 + c->n_indexes + c->n_components;
    char id[6 + 33] = "chunk_";
    rr_tuid_format(c->id, id + 6);
    rr_status_t st = rr_arrow_schema_init(schema, "+s", "", 0, ncols, err);
    if (st == RR_OK) {
        rr_arrow_kv_t md[] = {KV(RR_SORBET_VERSION_KEY, RR_SORBET_VERSION), KV(RR_META_CHUNK_ID, id),
                              KV(RR_META_ENTITY_PATH, c->entity_path.str)};
        st = rr_arrow_schema_set_metadata(schema, md, 3, err);
    }
    if (st == RR_OK) st = rr_arrow_array_init(batch, 1, ncols, false, err);
    if (st != RR_OK) goto fail;
    batch->length = c->num_rows;

    /* row ids */
    st = rr_arrow_schema_init(schema->children[0], "w:16", RR_ROW_ID_COLUMN_NAME, 0, 0, err);
    if (st == RR_OK) {
        rr_arrow_kv_t md[] = {KV(RR_META_KIND, RR_META_KIND_ROW_ID),
                              KV(RR_ARROW_EXTENSION_NAME, RR_TUID_EXTENSION_NAME),
                              KV(RR_ARROW_EXTENSION_METADATA, RR_ROW_ID_EXTENSION_METADATA),
                              KV(RR_META_IS_SORTED, "true")};
        st = rr_arrow_schema_set_metadata(schema->children[0], md, c->is_sorted ? 4 : 3, err);
    }
    if (st == RR_OK) st = share(&c->row_ids, batch->children[0], err);
    if (st != RR_OK) goto fail;

    for (int64_t i = 0; i < c->n_indexes; i++) {
        const rr_chunk_index_t *ix = &c->indexes[i];
        struct ArrowSchema *f = schema->children[1 + i];
        st = rr_arrow_schema_init(f, rr_time_type_arrow_format(ix->timeline.type),
                                  ix->timeline.name, ARROW_FLAG_NULLABLE, 0, err);
        if (st == RR_OK) {
            rr_arrow_kv_t md[] = {KV(RR_META_KIND, RR_META_KIND_INDEX),
                                  KV(RR_META_INDEX_NAME, ix->timeline.name),
                                  KV(RR_META_IS_SORTED, "true")};
            st = rr_arrow_schema_set_metadata(f, md, ix->is_sorted ? 3 : 2, err);
        }
        if (st == RR_OK) st = share(&ix->array, batch->children[1 + i], err);
        if (st != RR_OK) goto fail;
    }

    for (int64_t i = 0; i < c->n_components; i++) {
        const rr_chunk_component_t *cc = &c->components[i];
        struct ArrowSchema *f = schema->children[1 + c->n_indexes + i];
        st = rr_arrow_schema_copy(&cc->type, f, err);
        if (st == RR_OK) st = rr_arrow_schema_set_name(f, cc->descr.component, err);
        if (st == RR_OK) {
            f->flags |= ARROW_FLAG_NULLABLE;
            rr_arrow_kv_t md[4];
            int32_t n = 0;
            md[n++] = KV(RR_META_KIND, RR_META_KIND_COMPONENT);
            md[n++] = KV(RR_META_COMPONENT, cc->descr.component);
            if (cc->descr.archetype) md[n++] = KV(RR_META_ARCHETYPE, cc->descr.archetype);
            if (cc->descr.component_type)
                md[n++] = KV(RR_META_COMPONENT_TYPE, cc->descr.component_type);
            st = rr_arrow_schema_set_metadata(f, md, n, err);
        }
        if (st == RR_OK) st = share(&cc->array, batch->children[1 + c->n_indexes + i], err);
        if (st != RR_OK) goto fail;
    }
    return RR_OK;
fail:
    rr_arrow_schema_release(schema);
    rr_arrow_array_release(batch);
    return rr_error_prefix(err, "chunk %s to record batch: ", c->entity_path.str);
}

/* ---------------- from a record batch ---------------- */

/* A metadata value as a NUL-terminated copy (NULL when absent or out of
 * memory; *oom tells which). */
static char *meta_dup(const char *metadata, const char *key, bool *oom) {
    rr_arrow_kv_t kv;
    if (!metadata || !rr_arrow_metadata_find(metadata, key, &kv)) return NULL;
    char *s = strndup(kv.value, (size_t)kv.value_len);
    if (!s) *oom = true;
    return s;
}

static bool meta_bool(const char *metadata, const char *key) {
    rr_arrow_kv_t kv;
    if (!metadata || !rr_arrow_metadata_find(metadata, key, &kv)) return false;
    if (kv.value_len == 5 && strncasecmp(kv.value, "false", 5) == 0) return false;
    if (kv.value_len == 2 && strncasecmp(kv.value, "no", 2) == 0) return false;
    return true;
}

static bool meta_is(const rr_arrow_kv_t *kv, const char *s) {
    return kv->value_len == (int32_t)strlen(s) && memcmp(kv->value, s, (size_t)kv->value_len) == 0;
}

typedef enum { KIND_ROW_ID, KIND_INDEX, KIND_COMPONENT } col_kind_t;

/* sorbet:version as major.minor.patch; absent or unparsable gives 0.0.1,
 * the version Rerun assumes for unversioned batches. */
static long sorbet_version(const char *metadata) {
    rr_arrow_kv_t kv;
    if (!metadata || !rr_arrow_metadata_find(metadata, RR_SORBET_VERSION_KEY, &kv)) return 1;
    char buf[32];
    if (kv.value_len <= 0 || kv.value_len >= (int32_t)sizeof buf) return 1;
    memcpy(buf, kv.value, (size_t)kv.value_len);
    buf[kv.value_len] = 0;
    unsigned a, b, c;
    if (sscanf(buf, "%u.%u.%u", &a, &b, &c) != 3) return 1;
    return (long)a * 1000000 + (long)b * 1000 + (long)c;
}

static bool is_indicator(const struct ArrowSchema *f) {
    if (meta_bool(f->metadata, "rerun:is_indicator")) return true;
    rr_arrow_kv_t kv;
    if (!f->metadata || !rr_arrow_metadata_find(f->metadata, RR_META_COMPONENT, &kv)) return false;
    const char *pre = "rerun.components.", *suf = "Indicator";
    size_t lp = strlen(pre), ls = strlen(suf), n = (size_t)kv.value_len;
    return n >= lp + ls && memcmp(kv.value, pre, lp) == 0 && memcmp(kv.value + n - ls, suf, ls) == 0;
}

/* Shares column i of the batch as its own array covering the batch's rows. */
static rr_status_t take_column(struct ArrowArray *batch, int64_t i, const char *name,
                               struct ArrowArray *out, rr_error_t *err) {
    struct ArrowArray *col = batch->children[i];
    if (!col || !col->release)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "column '%s': released array", name);
    if (col->length < batch->offset + batch->length)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "column '%s': %lld rows where the batch has %lld", name,
                            (long long)col->length, (long long)(batch->offset + batch->length));
    RR_TRY(share(col, out, err));
    /* A batch slice is a window over every column: move it into the column. */
    out->offset += batch->offset;
    out->length = batch->length;
    if (batch->offset != 0 || col->length != batch->length) out->null_count = -1;
    return RR_OK;
}

static bool packed_from_batch(const struct ArrowSchema *schema, struct ArrowArray *batch,
                              rr_chunk_t **out);

rr_status_t rr_chunk_from_record_batch(const struct ArrowSchema *schema, struct ArrowArray *batch,
                                       rr_chunk_t **out, rr_error_t *err) {
    *out = NULL;
    rr_chunk_t *c = NULL;
    rr_status_t st = RR_OK;
    bool oom = false;
    char *id_str = NULL, *path_str = NULL;
    col_kind_t *kinds = NULL;
    if (!batch || !batch->release) {
        return rr_error_set(err, RR_ERR_INVALID_ARG, "record batch: no batch given");
    }
    if (!schema || !schema->release || !schema->format || strcmp(schema->format, "+s") != 0) {
        st = rr_error_set(err, RR_ERR_INVALID_DATA, "record batch: the schema is not a struct ('+s')");
        goto done;
    }
    if (schema->n_children != batch->n_children || batch->offset < 0 || batch->length < 0) {
        st = rr_error_set(err, RR_ERR_INVALID_DATA,
                          "record batch: %lld fields in the schema, %lld columns in the batch",
                          (long long)schema->n_children, (long long)batch->n_children);
        goto done;
    }
    /* Structure first (nothing read before this is trusted). */
    st = rr_arrow_validate(schema, batch, err);
    if (st != RR_OK) {
        rr_error_prefix(err, "record batch: ");
        goto done;
    }
    if (packed_from_batch(schema, batch, out)) return RR_OK;

    id_str = meta_dup(schema->metadata, RR_META_CHUNK_ID, &oom);
    path_str = meta_dup(schema->metadata, RR_META_ENTITY_PATH, &oom);
    if (oom) {
        st = rr_error_set(err, RR_ERR_NOMEM, "record batch: out of memory");
        goto done;
    }
    if (!id_str) {
        st = rr_error_set(err, RR_ERR_INVALID_DATA, "record batch: missing chunk id ('%s' metadata)",
                          RR_META_CHUNK_ID);
        goto done;
    }
    if (!path_str) {
        st = rr_error_set(err, RR_ERR_INVALID_DATA,
                          "record batch: missing entity path ('%s' metadata)", RR_META_ENTITY_PATH);
        goto done;
    }
    rr_tuid_t chunk_id;
    if (!rr_chunk_id_parse(id_str, strlen(id_str), &chunk_id)) {
        st = rr_error_set(err, RR_ERR_INVALID_DATA, "record batch: bad chunk id '%.64s' in '%s'",
                          id_str, RR_META_CHUNK_ID);
        goto done;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        st = rr_error_set(err, RR_ERR_NOMEM, "record batch: out of memory");
        goto done;
    }
    c->id = chunk_id;
    c->num_rows = batch->length;
    st = rr_entity_path_parse_forgiving(path_str, strlen(path_str), &c->entity_path, err);
    if (st != RR_OK) goto done;

    bool drop_indicators = sorbet_version(schema->metadata) < 1001; /* below 0.1.1 */
    bool have_row_id = false, row_ids_marked_sorted = false;
    /* Kinds and their order first, as Rerun classifies every column before
     * reading any (sorbet_columns.rs, chunk_columns.rs). */
    kinds = malloc((size_t)(schema->n_children ? schema->n_children : 1) * sizeof *kinds);
    if (!kinds) {
        st = rr_error_set(err, RR_ERR_NOMEM, "record batch: out of memory");
        goto done;
    }
    col_kind_t last = KIND_ROW_ID;
    for (int64_t i = 0; i < schema->n_children && st == RR_OK; i++) {
        const struct ArrowSchema *f = schema->children[i];
        const char *name = f->name ? f->name : "";
        col_kind_t kind = KIND_COMPONENT;
        rr_arrow_kv_t kv;
        if (f->metadata && rr_arrow_metadata_find(f->metadata, RR_META_KIND, &kv)) {
            if (meta_is(&kv, "control") || meta_is(&kv, "row_id")) kind = KIND_ROW_ID;
            else if (meta_is(&kv, "index") || meta_is(&kv, "time")) kind = KIND_INDEX;
            else if (meta_is(&kv, "data") || meta_is(&kv, "component")) kind = KIND_COMPONENT;
            else {
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "column '%s': unknown rerun:kind '%.*s' (expected control, "
                                  "index or data)", name, kv.value_len > 64 ? 64 : (int)kv.value_len,
                                  kv.value);
                break;
            }
        }
        if (kind == KIND_ROW_ID && have_row_id) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA, "column '%s': a second row id column", name);
            break;
        }
        if (kind < last) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA,
                              "column '%s': %s", name,
                              kind == KIND_ROW_ID ? "the row id column must be the first column"
                                                  : "index columns must come before any data columns");
            break;
        }
        if (kind == KIND_ROW_ID) have_row_id = true;
        last = kind;
        kinds[i] = kind;
    }
    if (st == RR_OK && !have_row_id)
        st = rr_error_set(err, RR_ERR_INVALID_DATA, "record batch: missing the row id column ('%s')",
                          RR_ROW_ID_COLUMN_NAME);

    for (int64_t i = 0; i < schema->n_children && st == RR_OK; i++) {
        const struct ArrowSchema *f = schema->children[i];
        const char *name = f->name ? f->name : "";
        col_kind_t kind = kinds[i];
        if (kind == KIND_ROW_ID) {
            if (strcmp(f->format, "w:16") != 0) {
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "column '%s': row ids must be fixed_size_binary(16) ('w:16'), got '%s'",
                                  name, f->format);
                break;
            }
            st = take_column(batch, i, name, &c->row_ids, err);
            row_ids_marked_sorted = meta_bool(f->metadata, RR_META_IS_SORTED);
        } else if (kind == KIND_INDEX) {
            rr_time_type_t tt;
            if (!rr_time_type_from_arrow_format(f->format, &tt)) {
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "column '%s': unsupported time type '%s' (expected int64, "
                                  "duration[ns] or timestamp[ns])", name, f->format);
                break;
            }
            char *tl = meta_dup(f->metadata, RR_META_INDEX_NAME, &oom);
            if (oom) {
                st = rr_error_set(err, RR_ERR_NOMEM, "record batch: out of memory");
                break;
            }
            struct ArrowArray a;
            st = take_column(batch, i, name, &a, err);
            if (st == RR_OK) st = rr_chunk_add_index_array(c, tl ? tl : name, tt, &a, err);
            free(tl);
        } else {
            if (drop_indicators && is_indicator(f)) continue;
            char *comp = meta_dup(f->metadata, RR_META_COMPONENT, &oom);
            char *arch = meta_dup(f->metadata, RR_META_ARCHETYPE, &oom);
            char *ctype = meta_dup(f->metadata, RR_META_COMPONENT_TYPE, &oom);
            rr_component_descriptor_t d;
            memset(&d, 0, sizeof d);
            if (oom) st = rr_error_set(err, RR_ERR_NOMEM, "record batch: out of memory");
            else if (!(comp ? comp : name)[0])
                st = rr_error_set(err, RR_ERR_INVALID_DATA, "column %lld: no component name", (long long)i);
            else st = rr_component_descriptor_init(&d, arch, comp ? comp : name, ctype, err);
            struct ArrowArray a;
            if (st == RR_OK) st = take_column(batch, i, name, &a, err);
            if (st == RR_OK) st = add_component(c, &d, f, &a, false, err);
            rr_component_descriptor_free(&d);
            free(comp);
            free(arch);
            free(ctype);
        }
    }
    if (st == RR_OK) c->is_sorted = row_ids_marked_sorted || row_ids_sorted(c);

done:
    free(kinds);
    free(id_str);
    free(path_str);
    rr_arrow_array_release(batch);
    if (st != RR_OK) {
        if (err && c && c->entity_path.str && strncmp(err->msg, "chunk ", 6) != 0)
            rr_error_prefix(err, "chunk %s: ", c->entity_path.str);
        rr_chunk_free(c);
        return st;
    }
    *out = c;
    return RR_OK;
}

/* ---------------- packed chunks ----------------
 *
 * A packed chunk lives in one malloc block: the rr_chunk_t, its column
 * tables, every ArrowArray and ArrowSchema node with their buffer and child
 * pointer arrays, its strings and a copy of its data. Small chunks (a live
 * stream of 1-row ArrowMsgs) otherwise cost 15-20 small allocations each,
 * which dominates their insertion into the store.
 *
 * Each array and schema node, and the chunk itself, holds one reference on
 * the block, so a column shared or moved out of the chunk (the C data
 * interface lets a consumer release children independently) keeps the block
 * alive; the last release frees it. A release is one atomic decrement. */

static void pack_unref(pack_block_t *b) {
    if (__atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) free(b);
}

static void packed_array_release(struct ArrowArray *a) {
    if (!a || !a->release) return;
    for (int64_t i = 0; i < a->n_children; i++)
        if (a->children[i] && a->children[i]->release) a->children[i]->release(a->children[i]);
    a->release = NULL;
    pack_unref(a->private_data);
}

static void packed_schema_release(struct ArrowSchema *s) {
    if (!s || !s->release) return;
    for (int64_t i = 0; i < s->n_children; i++)
        if (s->children[i] && s->children[i]->release) s->children[i]->release(s->children[i]);
    s->release = NULL;
    pack_unref(s->private_data);
}

/* Bump allocation over the block. Run once with base NULL to measure, then
 * for real: the same code decides both, so they cannot disagree. */
typedef struct bump {
    uint8_t *base;
    size_t off;
    long refs;
    /* The column key, at the end of the block, holds the names it covers
     * (the chunk points into it): key is its place (NULL while measuring),
     * key_len counts what went in so far. */
    uint8_t *key;
    size_t key_len;
    bool no_key; /* a type deeper than the key describes */
} bump_t;

static void *bump(bump_t *b, size_t size, size_t align) {
    b->off = (b->off + align - 1) & ~(align - 1);
    void *p = b->base ? b->base + b->off : NULL;
    b->off += size;
    return p;
}

static char *bump_str(bump_t *b, const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = bump(b, n, 1);
    if (p) memcpy(p, s, n);
    return p;
}

/* The key's hash, from what is at hand: the entity path's hash (made with
 * the path), the length and a few of the key's bytes (the last are the
 * last column's datatype). Enough to spread keys over a small table and
 * reject most unequal ones; hashing every byte would cost as much as the
 * compare it saves. */
static uint64_t key_fingerprint(uint64_t path_hash, const uint8_t *k, size_t n) {
    uint64_t a = 0, z = 0, m = 0;
    memcpy(&a, k, n < 8 ? n : 8);
    if (n >= 8) memcpy(&z, k + n - 8, 8);
    if (n >= 16) memcpy(&m, k + n / 2 - 4, 8);
    uint64_t h = path_hash ^ (n * 0x9E3779B97F4A7C15ull) ^ a ^ (z << 1 | z >> 63) ^ (m << 7 | m >> 57);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* Appends n bytes to the column key. */
static void key_put(bump_t *b, const void *p, size_t n) {
    if (b->key) memcpy(b->key + b->key_len, p, n);
    b->key_len += n;
}
static void key_u32(bump_t *b, uint64_t v) {
    uint32_t x = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    key_put(b, &x, 4);
}
/* bump_str for a name the key holds: the copy is made in the key itself
 * (the chunk's pointer goes there), so the key costs the block no second
 * copy. NULL is one 0xff byte in the key (a UTF-8 string never starts with
 * 0xff, so both read back unambiguously). */
static char *bump_key_str(bump_t *b, const char *s) {
    if (!s) {
        key_put(b, "\xff", 1);
        return NULL;
    }
    size_t n = strlen(s) + 1;
    char *p = b->key ? (char *)b->key + b->key_len : NULL;
    key_put(b, s, n);
    return p;
}

/* Bytes of a fixed-width primitive format ("c".."g"), 0 for anything else. */
static int prim_width(const char *f) {
    if (!f[0] || f[1]) return 0;
    switch (f[0]) {
    case 'c': case 'C': return 1;
    case 's': case 'S': case 'e': return 2;
    case 'i': case 'I': case 'f': return 4;
    case 'l': case 'L': case 'g': return 8;
    default: return 0;
    }
}

/* Items per element of a fixed-size list format "+w:N" of a primitive, 0
 * when the type is something else. */
static long fsl_items(const struct ArrowSchema *t) {
    if (strncmp(t->format, "+w:", 3) != 0 || t->n_children != 1 || t->dictionary) return 0;
    char *end;
    long n = strtol(t->format + 3, &end, 10);
    if (*end || n <= 0 || n > 1024 || !prim_width(t->children[0]->format) ||
        t->children[0]->dictionary)
        return 0;
    return n;
}

static size_t metadata_len(const char *md) {
    if (!md) return 0;
    int32_t n;
    memcpy(&n, md, 4);
    size_t at = 4;
    for (int32_t i = 0; i < n; i++) {
        int32_t l;
        memcpy(&l, md + at, 4);
        at += 4 + (size_t)l;
        memcpy(&l, md + at, 4);
        at += 4 + (size_t)l;
    }
    return at;
}

/* Whether a component column can be packed: a list of fixed-width values
 * or of fixed-size lists of them, plain buffers (no dictionaries). */
static bool pack_column_ok(const struct ArrowSchema *t, const struct ArrowArray *l) {
    if (strcmp(t->format, "+l") != 0 || t->n_children != 1 || t->dictionary) return false;
    if (l->n_buffers != 2 || l->n_children != 1 || l->dictionary || !l->buffers[1]) return false;
    const struct ArrowSchema *ct = t->children[0];
    const struct ArrowArray *ch = l->children[0];
    if (ct->dictionary || ch->dictionary) return false;
    if (prim_width(ct->format)) return ch->n_buffers == 2 && ch->n_children == 0;
    if (!fsl_items(ct)) return false;
    const struct ArrowArray *g = ch->children[0];
    return ch->n_buffers == 1 && ch->n_children == 1 && g->n_buffers == 2 && g->n_children == 0 &&
           !g->dictionary;
}

/* Limit on the data a packed chunk copies: past it, sharing the source's
 * buffers is cheaper than copying them. */
#define PACK_MAX_DATA (64 * 1024)

static void copy_bits(uint8_t *dst, const uint8_t *src, int64_t off, int64_t n) {
    if ((off & 7) == 0) {
        memcpy(dst, src + off / 8, (size_t)rr_arrow_bitmap_bytes(n));
        return;
    }
    memset(dst, 0, (size_t)rr_arrow_bitmap_bytes(n));
    for (int64_t i = 0; i < n; i++)
        if (rr_arrow_bit_get(src, off + i)) dst[i >> 3] |= (uint8_t)(1u << (i & 7));
}

/* A packed array node: length n, null_count, nb buffers, nc children. */
static struct ArrowArray *pack_node(bump_t *b, struct ArrowArray *a, int64_t n, int64_t nb,
                                    int64_t nc) {
    const void **bufs = bump(b, (size_t)nb * sizeof *bufs, 8);
    struct ArrowArray **kids = nc ? bump(b, (size_t)nc * sizeof *kids, 8) : NULL;
    struct ArrowArray *ks = nc ? bump(b, (size_t)nc * sizeof *ks, 8) : NULL;
    b->refs++;
    if (!b->base) return NULL;
    memset(a, 0, sizeof *a);
    a->length = n;
    a->n_buffers = nb;
    a->n_children = nc;
    a->buffers = bufs;
    for (int64_t i = 0; i < nb; i++) bufs[i] = NULL;
    for (int64_t i = 0; i < nc; i++) kids[i] = &ks[i];
    a->children = kids;
    a->release = packed_array_release;
    a->private_data = b->base;
    return a;
}

/* A validity bitmap of n bits from src (NULL: none) at offset off; returns
 * the null count. */
static int64_t pack_validity(bump_t *b, struct ArrowArray *a, const struct ArrowArray *src,
                             int64_t off, int64_t n) {
    const uint8_t *v = src->buffers[0];
    if (!v || src->null_count == 0 || n == 0) return 0;
    int64_t nulls = n - rr_arrow_bitmap_count_set(v, off, n);
    if (nulls == 0) return 0;
    uint8_t *dst = bump(b, (size_t)rr_arrow_bitmap_bytes(n), 8);
    if (dst) {
        copy_bits(dst, v, off, n);
        a->buffers[0] = dst;
    }
    return nulls;
}

static void *pack_bytes(bump_t *b, const void *src, size_t n) {
    void *p = bump(b, n, 16);
    if (p && n) memcpy(p, src, n);
    return p;
}

/* A packed schema node copying format, name, flags and metadata of src;
 * children filled by the caller. */
static struct ArrowSchema *pack_schema_node(bump_t *b, struct ArrowSchema *dst,
                                           const struct ArrowSchema *src, const char *name,
                                           bool keep_metadata) {
    /* the key holds the datatype tree: formats, child counts, dictionaries */
    char *format = bump_key_str(b, src->format);
    key_u32(b, (uint64_t)src->n_children);
    key_put(b, src->dictionary ? "d" : "-", 1);
    char *nm = bump_str(b, name ? name : "");
    size_t mdl = keep_metadata ? metadata_len(src->metadata) : 0;
    char *md = mdl ? bump(b, mdl, 8) : NULL;
    int64_t nc = src->n_children;
    struct ArrowSchema **kids = nc ? bump(b, (size_t)nc * sizeof *kids, 8) : NULL;
    struct ArrowSchema *ks = nc ? bump(b, (size_t)nc * sizeof *ks, 8) : NULL;
    b->refs++;
    if (!b->base) return NULL;
    memset(dst, 0, sizeof *dst);
    dst->format = format;
    dst->name = nm;
    if (md) memcpy(md, src->metadata, mdl);
    dst->metadata = md;
    dst->flags = src->flags;
    dst->n_children = nc;
    for (int64_t i = 0; i < nc; i++) kids[i] = &ks[i];
    dst->children = kids;
    dst->release = packed_schema_release;
    dst->private_data = b->base;
    return dst;
}

bool rr_chunk_column_key(const rr_chunk_t *c, rr_chunk_key_t *out) {
    const pack_block_t *blk = c->packed;
    if (!blk || !blk->key_len) return false;
    out->bytes = (const uint8_t *)blk + blk->key_off;
    out->len = blk->key_len;
    out->hash = blk->key_hash;
    return true;
}

/* Lays out (b->base NULL) or writes the packed form of view v, whose
 * columns are already in chunk order and pass pack_column_ok. */
static rr_chunk_t *pack_layout(bump_t *b, const rr_chunk_t *v) {
    int64_t n = v->num_rows;
    rr_chunk_t *c = bump(b, sizeof *c, 16);
    rr_chunk_index_t *ixs = bump(b, (size_t)v->n_indexes * sizeof *ixs, 8);
    rr_chunk_component_t *ccs = bump(b, (size_t)v->n_components * sizeof *ccs, 8);
    char **parts = bump(b, (v->entity_path.n_parts ? v->entity_path.n_parts : 1) * sizeof *parts, 8);
    b->refs++; /* the chunk's own */
    if (c) {
        memset(c, 0, sizeof *c);
        c->id = v->id;
        c->num_rows = n;
        c->is_sorted = v->is_sorted;
        c->n_indexes = v->n_indexes;
        c->indexes = ixs;
        c->n_components = v->n_components;
        c->components = ccs;
        c->packed = b->base;
        c->entity_path.n_parts = v->entity_path.n_parts;
        c->entity_path.parts = parts;
        c->entity_path.hash = v->entity_path.hash;
    }
    /* Key: every count before what it counts and every string terminated,
     * so equal keys mean equal entity paths (parts), timelines (type,
     * name), descriptors and datatype trees. */
    key_u32(b, v->entity_path.n_parts);
    for (size_t i = 0; i < v->entity_path.n_parts; i++) {
        char *p = bump_key_str(b, v->entity_path.parts[i]);
        if (c) parts[i] = p;
    }
    char *ps = bump_str(b, v->entity_path.str);
    if (c) c->entity_path.str = ps;

    /* row ids */
    struct ArrowArray *ra = pack_node(b, c ? &c->row_ids : NULL, n, 2, 0);
    const uint8_t *rsrc = (const uint8_t *)v->row_ids.buffers[1] + 16 * v->row_ids.offset;
    void *rb = pack_bytes(b, rsrc, (size_t)n * 16);
    if (ra) ra->buffers[1] = rb;

    key_u32(b, (uint64_t)v->n_indexes);
    for (int64_t k = 0; k < v->n_indexes; k++) {
        const rr_chunk_index_t *src = &v->indexes[k];
        rr_chunk_index_t *ix = c ? &ixs[k] : NULL;
        uint8_t ty = (uint8_t)src->timeline.type;
        key_put(b, &ty, 1);
        char *name = bump_key_str(b, src->timeline.name);
        struct ArrowArray *a = pack_node(b, ix ? &ix->array : NULL, n, 2, 0);
        void *tb = pack_bytes(b, index_values(src), (size_t)n * 8);
        if (ix) {
            ix->timeline.name = name;
            ix->timeline.type = src->timeline.type;
            ix->is_sorted = src->is_sorted;
            ix->range = src->range;
            a->buffers[1] = tb;
        }
    }

    key_u32(b, (uint64_t)v->n_components);
    for (int64_t j = 0; j < v->n_components; j++) {
        const rr_chunk_component_t *src = &v->components[j];
        rr_chunk_component_t *cc = c ? &ccs[j] : NULL;
        char *arch = bump_key_str(b, src->descr.archetype);
        char *comp = bump_key_str(b, src->descr.component);
        char *ctype = bump_key_str(b, src->descr.component_type);
        /* the type: the list without name and metadata, its child as is */
        const struct ArrowSchema *ct = src->type.children[0];
        struct ArrowSchema *ts = pack_schema_node(b, cc ? &cc->type : NULL, &src->type, "", false);
        struct ArrowSchema *cts =
            pack_schema_node(b, ts ? ts->children[0] : NULL, ct, ct->name, true);
        /* the key describes three levels with at most one child each */
        if (ct->n_children > 1 || (ct->n_children && ct->children[0]->n_children))
            b->no_key = true;
        if (ct->n_children) pack_schema_node(b, cts ? cts->children[0] : NULL, ct->children[0],
                                             ct->children[0]->name, true);
        if (ts) ts->flags |= ARROW_FLAG_NULLABLE;
        if (cc) {
            cc->descr.archetype = arch;
            cc->descr.component = comp;
            cc->descr.component_type = ctype;
        }
        /* the list: validity and offsets from 0 */
        const struct ArrowArray *l = &src->array;
        struct ArrowArray *la = pack_node(b, cc ? &cc->array : NULL, n, 2, 1);
        int64_t nulls = pack_validity(b, la, l, l->offset, n);
        const int32_t *so = (const int32_t *)l->buffers[1] + l->offset;
        int32_t *off = bump(b, (size_t)(n + 1) * 4, 16);
        int32_t base = so[0];
        if (off)
            for (int64_t i = 0; i <= n; i++) off[i] = so[i] - base;
        int64_t m = so[n] - base; /* child elements */
        if (la) {
            la->null_count = nulls;
            la->buffers[1] = off;
        }
        const struct ArrowArray *ch = l->children[0];
        struct ArrowArray *cha = pack_node(b, la ? la->children[0] : NULL, m, ct->n_children ? 1 : 2,
                                           ct->n_children ? 1 : 0);
        int64_t cn = pack_validity(b, cha, ch, ch->offset + base, m);
        if (cha) cha->null_count = cn;
        if (!ct->n_children) {
            size_t w = (size_t)prim_width(ct->format);
            void *vals = pack_bytes(b, (const uint8_t *)ch->buffers[1] + w * (size_t)(ch->offset + base),
                                    w * (size_t)m);
            if (cha) cha->buffers[1] = vals;
        } else {
            long items = fsl_items(ct);
            const struct ArrowArray *g = ch->children[0];
            size_t w = (size_t)prim_width(ct->children[0]->format);
            int64_t gstart = g->offset + (ch->offset + base) * items, gm = m * items;
            struct ArrowArray *ga = pack_node(b, cha ? cha->children[0] : NULL, gm, 2, 0);
            int64_t gn = pack_validity(b, ga, g, gstart, gm);
            void *vals = pack_bytes(b, (const uint8_t *)g->buffers[1] + w * (size_t)gstart,
                                    w * (size_t)gm);
            if (ga) {
                ga->null_count = gn;
                ga->buffers[1] = vals;
            }
        }
    }
    /* the key's room, at the end (its length is known once measured) */
    uint8_t *kp = bump(b, b->key_len, 1);
    if (c) {
        pack_block_t *blk = (pack_block_t *)b->base;
        assert(kp == b->key);
        bool keyed = !b->no_key && b->key_len <= UINT32_MAX;
        blk->key_len = keyed ? (uint32_t)b->key_len : 0;
        blk->key_off = (uint32_t)(b->key - b->base);
        blk->key_hash = keyed ? key_fingerprint(v->entity_path.hash, b->key, b->key_len) : 0;
    }
    return c;
}

/* Data bytes v's columns would copy, or -1 when v cannot be packed. The
 * list offsets are read, so v's arrays must be valid. */
static int64_t pack_data_bytes(const rr_chunk_t *v) {
    int64_t n = v->num_rows, total = n * (16 + 8 * v->n_indexes);
    if (v->row_ids.n_buffers != 2 || !v->row_ids.buffers[1]) return -1;
    for (int64_t k = 0; k < v->n_indexes; k++)
        if (v->indexes[k].array.n_buffers != 2 || (n && !v->indexes[k].array.buffers[1]))
            return -1;
    for (int64_t j = 0; j < v->n_components; j++) {
        const rr_chunk_component_t *cc = &v->components[j];
        if (!pack_column_ok(&cc->type, &cc->array)) return -1;
        const int32_t *o = (const int32_t *)cc->array.buffers[1] + cc->array.offset;
        int64_t m = (int64_t)o[n] - o[0];
        if (m < 0) return -1;
        const struct ArrowSchema *ct = cc->type.children[0];
        int64_t w = ct->n_children ? fsl_items(ct) * prim_width(ct->children[0]->format)
                                   : prim_width(ct->format);
        total += 4 * (n + 1) + m * w + n / 8 + m / 4 + 8;
        if (total > PACK_MAX_DATA) return -1;
    }
    return total;
}

bool rr_chunk_is_packed(const rr_chunk_t *c) { return c->packed != NULL; }

/* Packs view v (columns in chunk order) into one block. */
static rr_status_t pack_view(const rr_chunk_t *v, rr_chunk_t **out, rr_error_t *err) {
    bump_t b = {NULL, sizeof(pack_block_t), 0, NULL, 0, false};
    pack_layout(&b, v);
    pack_block_t *blk = malloc(b.off);
    if (!blk) return rr_error_set(err, RR_ERR_NOMEM, "chunk %s: out of memory", v->entity_path.str);
    long refs = b.refs;
    blk->refs = refs;
    blk->own = refs;
    /* the key goes in the measured room at the end of the block */
    size_t key_off = b.off - b.key_len;
    b = (bump_t){(uint8_t *)blk, sizeof(pack_block_t), 0, (uint8_t *)blk + key_off, 0, false};
    *out = pack_layout(&b, v);
    assert(b.refs == refs);
    return RR_OK;
}

rr_status_t rr_chunk_pack(const rr_chunk_t *src, rr_chunk_t **out, rr_error_t *err) {
    *out = NULL;
    if (pack_data_bytes(src) < 0)
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "chunk %s: cannot be packed (columns not fixed-width, or over %d bytes)",
                            src->entity_path.str, PACK_MAX_DATA);
    return pack_view(src, out, err);
}

bool rr_chunk_can_pack(const rr_chunk_t *c) { return pack_data_bytes(c) >= 0; }

/* Sorts view columns into chunk order (few columns: insertion sort). */
static void view_sort(rr_chunk_t *v) {
    for (int64_t i = 1; i < v->n_indexes; i++) {
        rr_chunk_index_t x = v->indexes[i];
        int64_t j = i;
        for (; j > 0 && timeline_cmp(&v->indexes[j - 1].timeline, &x.timeline) > 0; j--)
            v->indexes[j] = v->indexes[j - 1];
        v->indexes[j] = x;
    }
    for (int64_t i = 1; i < v->n_components; i++) {
        rr_chunk_component_t x = v->components[i];
        int64_t j = i;
        for (; j > 0 && rr_component_descriptor_cmp(&v->components[j - 1].descr, &x.descr) > 0; j--)
            v->components[j] = v->components[j - 1];
        v->components[j] = x;
    }
}

/* Whether view v (columns unsorted) is a well-formed chunk: no repeated
 * timeline or component, lengths right. Anything else goes the column by
 * column way, which reports it. */
static bool view_wellformed(const rr_chunk_t *v) {
    for (int64_t i = 0; i < v->n_indexes; i++)
        for (int64_t j = 0; j < i; j++)
            if (strcmp(v->indexes[i].timeline.name, v->indexes[j].timeline.name) == 0) return false;
    for (int64_t i = 0; i < v->n_components; i++) {
        if (v->components[i].array.length != v->num_rows) return false;
        for (int64_t j = 0; j < i; j++)
            if (strcmp(v->components[i].descr.component, v->components[j].descr.component) == 0)
                return false;
    }
    return true;
}

#define VIEW_MAXC 16

static rr_status_t new_columns_slow(rr_tuid_t chunk_id, const rr_entity_path_t *entity_path,
                                    int64_t n, const rr_tuid_t *row_ids,
                                    const rr_chunk_time_column_t *times, size_t n_times,
                                    const rr_chunk_list_column_t *comps, size_t n_comps,
                                    rr_chunk_t **out, rr_error_t *err) {
    rr_chunk_t *c = NULL;
    RR_TRY(rr_chunk_new(chunk_id, entity_path, n, row_ids, &c, err));
    rr_status_t st = RR_OK;
    for (size_t k = 0; k < n_times && st == RR_OK; k++) {
        if (!times[k].values && n)
            st = rr_error_set(err, RR_ERR_INVALID_ARG, "chunk %s: time column %zu has no values",
                              entity_path->str, k);
        else
            st = rr_chunk_add_index(c, times[k].timeline, times[k].type, times[k].values, err);
    }
    for (size_t j = 0; j < n_comps && st == RR_OK; j++) {
        struct ArrowArray shared;
        memset(&shared, 0, sizeof shared);
        if (!comps[j].list || !comps[j].list->release) {
            st = rr_error_set(err, RR_ERR_INVALID_ARG, "chunk %s: component column %zu has no array",
                              entity_path->str, j);
            break;
        }
        st = share(comps[j].list, &shared, err);
        if (st == RR_OK) st = add_component(c, comps[j].descr, comps[j].type, &shared, true, err);
    }
    if (st != RR_OK) {
        rr_chunk_free(c);
        return st;
    }
    *out = c;
    return RR_OK;
}

rr_status_t rr_chunk_new_columns(rr_tuid_t chunk_id, const rr_entity_path_t *entity_path,
                                 int64_t n, const rr_tuid_t *row_ids,
                                 const rr_chunk_time_column_t *times, size_t n_times,
                                 const rr_chunk_list_column_t *comps, size_t n_comps,
                                 rr_chunk_t **out, rr_error_t *err) {
    *out = NULL;
    enum { MAXR = 256 };
    bool fast = entity_path && n >= 0 && n <= MAXR && n_times <= VIEW_MAXC &&
                n_comps <= VIEW_MAXC && (times || !n_times) && (comps || !n_comps);
    rr_chunk_index_t ix[VIEW_MAXC];
    rr_chunk_component_t cc[VIEW_MAXC];
    const void *tbufs[VIEW_MAXC][2];
    uint8_t rid[16 * MAXR];
    const void *rbufs[2] = {NULL, rid};
    rr_chunk_t v;
    memset(&v, 0, sizeof v);
    for (size_t k = 0; fast && k < n_times; k++) {
        const int64_t *t = times[k].values;
        if (!times[k].timeline || (n && !t)) {
            fast = false;
            break;
        }
        memset(&ix[k], 0, sizeof ix[k]);
        ix[k].timeline.name = (char *)times[k].timeline;
        ix[k].timeline.type = times[k].type;
        rr_time_range_t r = rr_time_range_empty();
        bool sorted = true;
        for (int64_t i = 0; i < n; i++) {
            if (t[i] == RR_TIME_STATIC) fast = false;
            if (t[i] < r.min) r.min = t[i];
            if (t[i] > r.max) r.max = t[i];
            if (i && t[i] < t[i - 1]) sorted = false;
        }
        ix[k].range = r;
        ix[k].is_sorted = sorted;
        tbufs[k][0] = NULL;
        tbufs[k][1] = t;
        ix[k].array.length = n;
        ix[k].array.n_buffers = 2;
        ix[k].array.buffers = tbufs[k];
    }
    for (size_t j = 0; fast && j < n_comps; j++) {
        const rr_chunk_list_column_t *col = &comps[j];
        if (!col->descr || !col->descr->component || !col->descr->component[0] || !col->type ||
            !col->type->format || !col->list || !col->list->release ||
            strcmp(col->type->format, "+l") != 0 || col->type->n_children != 1 ||
            col->list->length != n) {
            fast = false;
            break;
        }
        struct ArrowSchema t = *col->type;
        t.flags |= ARROW_FLAG_NULLABLE;
        if (rr_arrow_validate(&t, col->list, NULL) != RR_OK) {
            fast = false;
            break;
        }
        cc[j].descr = *col->descr;
        cc[j].type = *col->type;
        cc[j].array = *col->list;
    }
    if (fast) {
        v.id = chunk_id;
        v.entity_path = *entity_path;
        v.num_rows = n;
        v.n_indexes = (int64_t)n_times;
        v.indexes = ix;
        v.n_components = (int64_t)n_comps;
        v.components = cc;
        fast = view_wellformed(&v);
    }
    v.row_ids.length = n;
    v.row_ids.n_buffers = 2;
    v.row_ids.buffers = rbufs;
    if (fast) {
        view_sort(&v);
        fast = pack_data_bytes(&v) >= 0;
    }
    if (!fast)
        return new_columns_slow(chunk_id, entity_path, n, row_ids, times, n_times, comps, n_comps,
                                out, err);
    v.is_sorted = true;
    for (int64_t i = 0; i < n; i++) {
        rr_tuid_to_bytes(row_ids ? row_ids[i] : rr_tuid_new(), rid + 16 * i);
        if (i && memcmp(rid + 16 * (i - 1), rid + 16 * i, 16) > 0) v.is_sorted = false;
    }
    return pack_view(&v, out, err);
}

/* The packed form of a small record batch, read without allocating per
 * column: true and *out set when it applies (the batch is then released);
 * false when the batch needs the general path (too large, not fixed-width,
 * or anything the general path must report). schema and batch are
 * validated. */
static bool packed_from_batch(const struct ArrowSchema *schema, struct ArrowArray *batch,
                              rr_chunk_t **out) {
    int64_t ncols = schema->n_children, n = batch->length;
    if (ncols > 2 * VIEW_MAXC + 1 || n > 4096) return false;
    rr_arrow_kv_t idkv, pathkv;
    if (!schema->metadata || !rr_arrow_metadata_find(schema->metadata, RR_META_CHUNK_ID, &idkv) ||
        !rr_arrow_metadata_find(schema->metadata, RR_META_ENTITY_PATH, &pathkv))
        return false;
    rr_tuid_t chunk_id;
    if (memchr(idkv.value, 0, (size_t)idkv.value_len) ||
        memchr(pathkv.value, 0, (size_t)pathkv.value_len) ||
        !rr_chunk_id_parse(idkv.value, (size_t)idkv.value_len, &chunk_id))
        return false;
    bool drop_indicators = sorbet_version(schema->metadata) < 1001;
    /* Names are copied NUL-terminated into scratch. */
    char scratch[4096];
    size_t used = 0;
#define SCRATCH(kv, dst)                                                            \
    do {                                                                            \
        if ((size_t)(kv).value_len + 1 > sizeof scratch - used ||                   \
            memchr((kv).value, 0, (size_t)(kv).value_len))                          \
            return false;                                                           \
        memcpy(scratch + used, (kv).value, (size_t)(kv).value_len);                 \
        scratch[used + (size_t)(kv).value_len] = 0;                                 \
        (dst) = scratch + used;                                                     \
        used += (size_t)(kv).value_len + 1;                                         \
    } while (0)
    rr_chunk_index_t ix[VIEW_MAXC];
    rr_chunk_component_t cc[VIEW_MAXC];
    struct ArrowArray rid;
    bool have_rid = false, rid_marked = false;
    int64_t nix = 0, ncc = 0;
    col_kind_t last = KIND_ROW_ID;
    for (int64_t i = 0; i < ncols; i++) {
        const struct ArrowSchema *f = schema->children[i];
        const struct ArrowArray *col = batch->children[i];
        if (!f->name || !col || !col->release || col->length < batch->offset + n) return false;
        col_kind_t kind = KIND_COMPONENT;
        rr_arrow_kv_t kv;
        if (f->metadata && rr_arrow_metadata_find(f->metadata, RR_META_KIND, &kv)) {
            if (meta_is(&kv, "control") || meta_is(&kv, "row_id")) kind = KIND_ROW_ID;
            else if (meta_is(&kv, "index") || meta_is(&kv, "time")) kind = KIND_INDEX;
            else if (meta_is(&kv, "data") || meta_is(&kv, "component")) kind = KIND_COMPONENT;
            else return false;
        }
        if ((kind == KIND_ROW_ID && have_rid) || kind < last) return false;
        last = kind;
        /* the column as a window of the batch's rows */
        struct ArrowArray w = *col;
        w.offset += batch->offset;
        w.length = n;
        if (batch->offset != 0 || col->length != n) w.null_count = -1;
        if (kind == KIND_ROW_ID) {
            if (strcmp(f->format, "w:16") != 0) return false;
            have_rid = true;
            rid = w;
            rid_marked = meta_bool(f->metadata, RR_META_IS_SORTED);
        } else if (kind == KIND_INDEX) {
            rr_time_type_t tt;
            if (nix == VIEW_MAXC || !rr_time_type_from_arrow_format(f->format, &tt)) return false;
            if (w.n_buffers != 2 || w.n_children != 0 || (n > 0 && !w.buffers[1])) return false;
            if (w.null_count != 0 && w.buffers[0] &&
                rr_arrow_bitmap_count_set(w.buffers[0], w.offset, n) != n)
                return false;
            rr_chunk_index_t *x = &ix[nix++];
            memset(x, 0, sizeof *x);
            if (f->metadata && rr_arrow_metadata_find(f->metadata, RR_META_INDEX_NAME, &kv))
                SCRATCH(kv, x->timeline.name);
            else
                x->timeline.name = (char *)f->name;
            x->timeline.type = tt;
            x->array = w;
            index_stats(x, n);
        } else {
            if (drop_indicators && is_indicator(f)) continue;
            if (ncc == VIEW_MAXC) return false;
            rr_chunk_component_t *y = &cc[ncc++];
            memset(y, 0, sizeof *y);
            if (f->metadata && rr_arrow_metadata_find(f->metadata, RR_META_COMPONENT, &kv))
                SCRATCH(kv, y->descr.component);
            else
                y->descr.component = (char *)f->name;
            if (!y->descr.component[0]) return false;
            if (f->metadata && rr_arrow_metadata_find(f->metadata, RR_META_ARCHETYPE, &kv))
                SCRATCH(kv, y->descr.archetype);
            if (f->metadata && rr_arrow_metadata_find(f->metadata, RR_META_COMPONENT_TYPE, &kv))
                SCRATCH(kv, y->descr.component_type);
            if (strcmp(f->format, "+l") != 0 || f->n_children != 1) return false;
            y->type = *f;
            y->array = w;
        }
    }
#undef SCRATCH
    if (!have_rid) return false;
    rr_chunk_t v;
    memset(&v, 0, sizeof v);
    v.id = chunk_id;
    v.num_rows = n;
    v.row_ids = rid;
    v.n_indexes = nix;
    v.indexes = ix;
    v.n_components = ncc;
    v.components = cc;
    if (!view_wellformed(&v)) return false;
    view_sort(&v);
    if (pack_data_bytes(&v) < 0) return false;
    v.is_sorted = rid_marked || row_ids_sorted(&v);
    if (rr_entity_path_parse_forgiving(pathkv.value, (size_t)pathkv.value_len, &v.entity_path,
                                       NULL) != RR_OK)
        return false;
    rr_status_t st = pack_view(&v, out, NULL);
    rr_entity_path_free(&v.entity_path);
    if (st != RR_OK) return false;
    rr_arrow_array_release(batch);
    return true;
}

/* ---------------- chunk plans ----------------
 *
 * packed_from_batch above works out, for every batch, what its schema
 * says: column kinds, timeline names, descriptors, the entity path, the
 * chunk's column order. A stream of small batches repeats one schema per
 * entity, so a plan works it out once and each batch only pays for its
 * values. The rules are packed_from_batch's; a schema it would send to the
 * general path gets no plan. */

struct rr_chunk_plan {
    rr_entity_path_t path;
    bool rid_marked;
    int64_t rid_col;
    int64_t n_ix, n_cc;
    /* in chunk order; names point into names */
    rr_chunk_index_t ix[VIEW_MAXC];
    int64_t ix_col[VIEW_MAXC];
    rr_chunk_component_t cc[VIEW_MAXC];
    int64_t cc_col[VIEW_MAXC];
    char *names;
};

void rr_chunk_plan_free(rr_chunk_plan_t *p) {
    if (!p) return;
    rr_entity_path_free(&p->path);
    free(p->names);
    free(p);
}

/* Whether a component's list type can be packed (pack_column_ok's
 * schema half; the array half holds for any validated array of it). */
static bool plan_type_ok(const struct ArrowSchema *t) {
    if (strcmp(t->format, "+l") != 0 || t->n_children != 1 || t->dictionary) return false;
    const struct ArrowSchema *ct = t->children[0];
    if (ct->dictionary) return false;
    return prim_width(ct->format) ? ct->n_children == 0 : fsl_items(ct) > 0;
}

rr_status_t rr_chunk_plan_new(const struct ArrowSchema *schema, rr_chunk_plan_t **out,
                              rr_error_t *err) {
    *out = NULL;
    if (!schema || !schema->format || strcmp(schema->format, "+s") != 0 || !schema->metadata ||
        schema->n_children > 2 * VIEW_MAXC + 1)
        return RR_OK;
    rr_arrow_kv_t pathkv;
    if (!rr_arrow_metadata_find(schema->metadata, RR_META_ENTITY_PATH, &pathkv) ||
        memchr(pathkv.value, 0, (size_t)pathkv.value_len))
        return RR_OK;
    bool drop_indicators = sorbet_version(schema->metadata) < 1001;
    /* names first, measured, then copied into one block */
    rr_arrow_kv_t nk[3 * (2 * VIEW_MAXC + 1)];
    int64_t nn = 0;
    size_t total = 0;
    rr_chunk_plan_t *p = calloc(1, sizeof *p);
    if (!p) return rr_error_set(err, RR_ERR_NOMEM, "chunk plan: out of memory");
    p->rid_col = -1;
    col_kind_t last = KIND_ROW_ID;
    /* where each slot's names start in nk (-1: the field's name) */
    int64_t ix_name[VIEW_MAXC], cc_name[VIEW_MAXC][3];
    for (int64_t i = 0; i < schema->n_children; i++) {
        const struct ArrowSchema *f = schema->children[i];
        if (!f || !f->format || !f->name) goto none;
        col_kind_t kind = KIND_COMPONENT;
        rr_arrow_kv_t kv;
        if (f->metadata && rr_arrow_metadata_find(f->metadata, RR_META_KIND, &kv)) {
            if (meta_is(&kv, "control") || meta_is(&kv, "row_id")) kind = KIND_ROW_ID;
            else if (meta_is(&kv, "index") || meta_is(&kv, "time")) kind = KIND_INDEX;
            else if (meta_is(&kv, "data") || meta_is(&kv, "component")) kind = KIND_COMPONENT;
            else goto none;
        }
        if ((kind == KIND_ROW_ID && p->rid_col >= 0) || kind < last) goto none;
        last = kind;
        if (kind == KIND_ROW_ID) {
            if (strcmp(f->format, "w:16") != 0) goto none;
            p->rid_col = i;
            p->rid_marked = meta_bool(f->metadata, RR_META_IS_SORTED);
        } else if (kind == KIND_INDEX) {
            rr_time_type_t tt;
            if (p->n_ix == VIEW_MAXC || !rr_time_type_from_arrow_format(f->format, &tt)) goto none;
            rr_chunk_index_t *x = &p->ix[p->n_ix];
            x->timeline.type = tt;
            ix_name[p->n_ix] = -1;
            if (f->metadata && rr_arrow_metadata_find(f->metadata, RR_META_INDEX_NAME, &kv)) {
                ix_name[p->n_ix] = nn;
                nk[nn++] = kv;
            }
            p->ix_col[p->n_ix++] = i;
        } else {
            if (drop_indicators && is_indicator(f)) continue;
            if (p->n_cc == VIEW_MAXC || !plan_type_ok(f)) goto none;
            static const char *const keys[3] = {RR_META_COMPONENT, RR_META_ARCHETYPE,
                                                RR_META_COMPONENT_TYPE};
            for (int q = 0; q < 3; q++) {
                cc_name[p->n_cc][q] = -1;
                if (f->metadata && rr_arrow_metadata_find(f->metadata, keys[q], &kv)) {
                    cc_name[p->n_cc][q] = nn;
                    nk[nn++] = kv;
                }
            }
            p->cc[p->n_cc].type = *f;
            p->cc_col[p->n_cc++] = i;
        }
    }
    if (p->rid_col < 0) goto none;
    for (int64_t q = 0; q < nn; q++) {
        if (memchr(nk[q].value, 0, (size_t)nk[q].value_len)) goto none;
        total += (size_t)nk[q].value_len + 1;
    }
    p->names = malloc(total ? total : 1);
    if (!p->names) {
        rr_chunk_plan_free(p);
        return rr_error_set(err, RR_ERR_NOMEM, "chunk plan: out of memory");
    }
    char *at = p->names;
    char *copied[3 * (2 * VIEW_MAXC + 1)];
    for (int64_t q = 0; q < nn; q++) {
        memcpy(at, nk[q].value, (size_t)nk[q].value_len);
        at[nk[q].value_len] = 0;
        copied[q] = at;
        at += nk[q].value_len + 1;
    }
    for (int64_t k = 0; k < p->n_ix; k++)
        p->ix[k].timeline.name = ix_name[k] >= 0 ? copied[ix_name[k]]
                                                 : (char *)schema->children[p->ix_col[k]]->name;
    for (int64_t j = 0; j < p->n_cc; j++) {
        rr_component_descriptor_t *d = &p->cc[j].descr;
        d->component = cc_name[j][0] >= 0 ? copied[cc_name[j][0]]
                                           : (char *)schema->children[p->cc_col[j]]->name;
        d->archetype = cc_name[j][1] >= 0 ? copied[cc_name[j][1]] : NULL;
        d->component_type = cc_name[j][2] >= 0 ? copied[cc_name[j][2]] : NULL;
        if (!d->component[0]) goto none;
    }
    /* repeated names are the general path's to report */
    for (int64_t i = 0; i < p->n_ix; i++)
        for (int64_t j = 0; j < i; j++)
            if (strcmp(p->ix[i].timeline.name, p->ix[j].timeline.name) == 0) goto none;
    for (int64_t i = 0; i < p->n_cc; i++)
        for (int64_t j = 0; j < i; j++)
            if (strcmp(p->cc[i].descr.component, p->cc[j].descr.component) == 0) goto none;
    /* chunk order, each slot keeping its column (view_sort's order) */
    for (int64_t i = 1; i < p->n_ix; i++) {
        rr_chunk_index_t x = p->ix[i];
        int64_t xc = p->ix_col[i], j = i;
        for (; j > 0 && timeline_cmp(&p->ix[j - 1].timeline, &x.timeline) > 0; j--) {
            p->ix[j] = p->ix[j - 1];
            p->ix_col[j] = p->ix_col[j - 1];
        }
        p->ix[j] = x;
        p->ix_col[j] = xc;
    }
    for (int64_t i = 1; i < p->n_cc; i++) {
        rr_chunk_component_t x = p->cc[i];
        int64_t xc = p->cc_col[i], j = i;
        for (; j > 0 && rr_component_descriptor_cmp(&p->cc[j - 1].descr, &x.descr) > 0; j--) {
            p->cc[j] = p->cc[j - 1];
            p->cc_col[j] = p->cc_col[j - 1];
        }
        p->cc[j] = x;
        p->cc_col[j] = xc;
    }
    if (rr_entity_path_parse_forgiving(pathkv.value, (size_t)pathkv.value_len, &p->path, NULL) !=
        RR_OK)
        goto none;
    *out = p;
    return RR_OK;
none:
    rr_chunk_plan_free(p);
    return RR_OK;
}

bool rr_chunk_plan_build(const rr_chunk_plan_t *p, rr_tuid_t id, const struct ArrowArray *batch,
                         rr_chunk_t **out) {
    int64_t n = batch->length;
    if (n > 4096 || batch->offset < 0) return false;
    rr_chunk_index_t ix[VIEW_MAXC];
    rr_chunk_component_t cc[VIEW_MAXC];
    rr_chunk_t v;
    memset(&v, 0, sizeof v);
    /* a column as a window of the batch's rows */
#define WINDOW(w, col)                                                                  \
    do {                                                                                \
        const struct ArrowArray *c_ = batch->children[col];                             \
        if (!c_ || c_->length < batch->offset + n) return false;                        \
        (w) = *c_;                                                                      \
        (w).offset += batch->offset;                                                    \
        (w).length = n;                                                                 \
        if (batch->offset != 0 || c_->length != n) (w).null_count = -1;                 \
    } while (0)
    WINDOW(v.row_ids, p->rid_col);
    for (int64_t k = 0; k < p->n_ix; k++) {
        ix[k] = p->ix[k];
        struct ArrowArray *w = &ix[k].array;
        WINDOW(*w, p->ix_col[k]);
        if (w->n_buffers != 2 || w->n_children != 0 || (n > 0 && !w->buffers[1])) return false;
        if (w->null_count != 0 && w->buffers[0] &&
            rr_arrow_bitmap_count_set(w->buffers[0], w->offset, n) != n)
            return false;
        index_stats(&ix[k], n);
    }
    for (int64_t j = 0; j < p->n_cc; j++) {
        cc[j] = p->cc[j];
        WINDOW(cc[j].array, p->cc_col[j]);
    }
#undef WINDOW
    v.id = id;
    v.num_rows = n;
    v.n_indexes = p->n_ix;
    v.indexes = ix;
    v.n_components = p->n_cc;
    v.components = cc;
    v.entity_path = p->path;
    if (pack_data_bytes(&v) < 0) return false;
    v.is_sorted = p->rid_marked || row_ids_sorted(&v);
    return pack_view(&v, out, NULL) == RR_OK;
}
