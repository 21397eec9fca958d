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

static const int64_t *index_values(const rr_chunk_index_t *ix) {
    return (const int64_t *)ix->array.buffers[1] + ix->array.offset;
}

static const uint8_t *row_id_bytes(const rr_chunk_t *c) {
    return (const uint8_t *)c->row_ids.buffers[1] + 16 * c->row_ids.offset;
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

static void free_index(rr_chunk_index_t *ix) {
    rr_timeline_free(&ix->timeline);
    rr_arrow_array_release(&ix->array);
}

static void free_component(rr_chunk_component_t *cc) {
    rr_component_descriptor_free(&cc->descr);
    rr_arrow_schema_release(&cc->type);
    rr_arrow_array_release(&cc->array);
}

void rr_chunk_free(rr_chunk_t *c) {
    if (!c) return;
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
            for (int64_t i = 0; i < num_rows; i++)
                rr_tuid_to_bytes(row_ids ? row_ids[i] : rr_tuid_new(), b + 16 * i);
            c->is_sorted = row_ids_sorted(c);
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
