/* Dataframe queries (see dataframe.h): Rerun's streaming join of many
 * (entity, component) columns on one index timeline, one page at a time.
 *
 * A page is found in two passes over the chunks that overlap it. Pass one
 * collects the next page_rows distinct index values from every view column
 * (and every clear that applies to a view entity): chunks come from the
 * store in order of their start time, sorted runs are merged into a capped
 * sorted set, and a column's walk stops as soon as a chunk starts beyond the
 * page's current last value. Pass two fills one cell per (page row, column):
 * the row with the greatest row id at that value, a clear's empty list when
 * the clear is newer, static data over everything, then latest-at fill.
 * Output columns are concatenations of zero-copy views of chunk rows (runs of
 * consecutive rows of one chunk become one view) and of prebuilt null, empty
 * and static runs, so each returned byte is copied once.
 *
 * The dense case (a column whose chunks in the page are time-sorted, without
 * null cells, clears or overlaps, each row at its own page value; what
 * logging at every tick gives) skips the cells: the column is a list of
 * chunk runs (segments), and list<primitive> columns are then written with
 * one memcpy per run, like Rerun's bulk emit.
 *
 * Rerun computes every distinct index value when the query starts; we only
 * ever hold one page of them, which is what keeps memory bounded. */
#include "store/dataframe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/kernels.h"
#include "arrow/schema.h"

/* ---------------- small helpers ---------------- */

static rr_status_t nomem(rr_error_t *err) {
    return rr_error_set(err, RR_ERR_NOMEM, "dataframe: out of memory");
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts and dedups v in place; returns the new count. */
static size_t sort_unique(int64_t *v, size_t n) {
    if (n < 2) return n;
    qsort(v, n, sizeof *v, cmp_i64);
    size_t w = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[w - 1]) v[w++] = v[i];
    return w;
}

/* Position of t in sorted v[0..n), or -1. */
static int64_t find_sorted(const int64_t *v, size_t n, int64_t t) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < n && v[lo] == t) ? (int64_t)lo : -1;
}

static const int64_t *index_values(const rr_chunk_index_t *ix) {
    return (const int64_t *)ix->array.buffers[1] + ix->array.offset;
}

/* First row of a sorted index column with a value >= t. */
static int64_t lower_bound_rows(const int64_t *tv, int64_t n, int64_t t) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (tv[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool list_valid(const struct ArrowArray *a, int64_t row) {
    if (a->null_count == 0 || a->n_buffers < 1 || !a->buffers[0]) return true;
    return rr_arrow_bit_get((const uint8_t *)a->buffers[0], a->offset + row);
}

/* True when two Arrow types have the same formats all the way down (names
 * and metadata aside): cells of one can be copied into a column of the other. */
static bool same_layout(const struct ArrowSchema *a, const struct ArrowSchema *b) {
    if (a == b) return true;
    if (strcmp(a->format, b->format) != 0 || a->n_children != b->n_children) return false;
    for (int64_t i = 0; i < a->n_children; i++)
        if (!same_layout(a->children[i], b->children[i])) return false;
    if ((a->dictionary == NULL) != (b->dictionary == NULL)) return false;
    return !a->dictionary || same_layout(a->dictionary, b->dictionary);
}

/* ---------------- handle ---------------- */

enum { CELL_NULL = 0, CELL_DATA, CELL_EMPTY, CELL_STATIC };

typedef struct df_cell {
    const rr_chunk_t *chunk; /* DATA / EMPTY: the row's chunk */
    int64_t row;
    int32_t col;             /* DATA: component index in chunk */
    int32_t kind;
    const uint8_t *row_id;   /* DATA / EMPTY: 16 big-endian bytes in the chunk (byte order is id order) */
} df_cell_t;

/* A run of page rows taken from consecutive rows of one chunk (the dense
 * case: no cell-by-cell resolution needed). */
typedef struct df_seg {
    int64_t slot, len;
    const rr_chunk_t *chunk;
    int64_t row;
    int32_t col;
} df_seg_t;

typedef struct df_clear_src {
    const rr_entity_path_t *path; /* the store's */
    bool recursive_only;          /* an ancestor: only rows whose clear is recursive */
} df_clear_src_t;

typedef struct df_entity {
    const rr_entity_path_t *path; /* the store's */
    size_t n_clear;
    df_clear_src_t *clear;
} df_entity_t;

typedef struct df_vcol {
    rr_df_column_t pub;
    size_t entity;              /* component columns: index into h->ents */
    const struct ArrowSchema *store_type; /* the store's list type */
    bool has_static_row;
    rr_store_row_t static_row;
    bool selected, need_cells;
    df_cell_t *cells;           /* page_rows, when need_cells */
    bool use_segs;              /* this page: segs instead of cells */
    df_seg_t *segs;
    size_t n_segs, cap_segs;
    struct ArrowArray nulls, empties, statics; /* page_rows long, built on first use */
} df_vcol_t;

typedef struct df_sel {
    int64_t view;        /* index into the timelines (kind INDEX) or vcols; -1: not in the view */
    rr_df_column_t own;  /* the column when view < 0 */
    const rr_df_column_t *col;
} df_sel_t;

struct rr_df_handle {
    const rr_store_t *store;
    char *index;              /* NULL: static-only query */
    int64_t page_rows;
    bool fill;
    int64_t range_min, range_max;
    int64_t *filtered;        /* sorted unique, or NULL */
    size_t n_filtered;
    bool has_filtered;
    int64_t *sampled;         /* using_index_values, sorted unique, no static */
    size_t n_sampled;
    bool has_sampled;
    int64_t pov;              /* view column making rows; -1 all; -2 none (no rows) */

    size_t n_tl;
    rr_df_column_t *tls;      /* index columns, one per store timeline */
    size_t n_ent;
    df_entity_t *ents;
    size_t n_vc;
    df_vcol_t *vcols;
    size_t n_sel;
    df_sel_t *sel;
    bool need_other_timelines;

    /* paging */
    bool exhausted;
    int64_t lo;               /* next index value to look from */
    size_t sampled_pos;
    int64_t rows_returned;
    int64_t *times;           /* the page's index values */
    size_t n_times;
    int64_t *scratch;         /* merge space */
    size_t scratch_cap;
    int64_t *run;             /* one chunk's times (unsorted chunks) */
    size_t run_cap;
};

static void column_free(rr_df_column_t *c) {
    free(c->name);
    rr_timeline_free(&c->timeline);
    rr_entity_path_free(&c->entity);
    rr_component_descriptor_free(&c->descr);
    rr_arrow_schema_release(&c->type);
    memset(c, 0, sizeof *c);
}

void rr_df_query_free(rr_df_handle_t *h) {
    if (!h) return;
    free(h->index);
    free(h->filtered);
    free(h->sampled);
    for (size_t i = 0; i < h->n_tl; i++) column_free(&h->tls[i]);
    free(h->tls);
    for (size_t i = 0; i < h->n_ent; i++) free(h->ents[i].clear);
    free(h->ents);
    for (size_t i = 0; i < h->n_vc; i++) {
        df_vcol_t *v = &h->vcols[i];
        column_free(&v->pub);
        free(v->cells);
        free(v->segs);
        rr_arrow_array_release(&v->nulls);
        rr_arrow_array_release(&v->empties);
        rr_arrow_array_release(&v->statics);
    }
    free(h->vcols);
    for (size_t i = 0; i < h->n_sel; i++) column_free(&h->sel[i].own);
    free(h->sel);
    free(h->times);
    free(h->scratch);
    free(h->run);
    free(h);
}

size_t rr_df_num_columns(const rr_df_handle_t *h) { return h->n_sel; }
const rr_df_column_t *rr_df_column(const rr_df_handle_t *h, size_t i) {
    return i < h->n_sel ? h->sel[i].col : NULL;
}
size_t rr_df_num_view_columns(const rr_df_handle_t *h) { return h->n_tl + h->n_vc; }
const rr_df_column_t *rr_df_view_column(const rr_df_handle_t *h, size_t i) {
    if (i < h->n_tl) return &h->tls[i];
    i -= h->n_tl;
    return i < h->n_vc ? &h->vcols[i].pub : NULL;
}
int64_t rr_df_rows_returned(const rr_df_handle_t *h) { return h->rows_returned; }

/* ---------------- column descriptions ---------------- */

/* Rerun's dataframe column name: "<entity>:<component>", with recording
 * properties as "property:<rest>:<component>" (re_sorbet column_name). */
static char *component_column_name(const rr_entity_path_t *e, const char *component) {
    const char *prefix = e->str;
    char *owned = NULL;
    if (e->n_parts >= 1 && strcmp(e->parts[0], "__properties") == 0) {
        if (e->n_parts == 1) {
            prefix = "property";
        } else {
            const char *rest = e->str + strlen("/__properties/");
            size_t n = strlen(rest) + strlen("property:") + 1;
            owned = malloc(n);
            if (!owned) return NULL;
            snprintf(owned, n, "property:%s", rest);
            prefix = owned;
        }
    }
    size_t n = strlen(prefix) + 1 + strlen(component) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s:%s", prefix, component);
    free(owned);
    return s;
}

/* The list type Rerun stores: List(Field("item", inner, nullable)). */
static rr_status_t make_list_type(const struct ArrowSchema *store_type, const char *name,
                                  struct ArrowSchema *out, rr_error_t *err) {
    RR_TRY(rr_arrow_schema_copy(store_type, out, err));
    rr_status_t st = rr_arrow_schema_set_name(out, name, err);
    if (st == RR_OK && out->n_children == 1 && (strcmp(out->format, "+l") == 0 ||
                                                strcmp(out->format, "+L") == 0))
        st = rr_arrow_schema_set_name(out->children[0], "item", err);
    if (st == RR_OK && out->n_children == 1) out->children[0]->flags |= ARROW_FLAG_NULLABLE;
    out->flags |= ARROW_FLAG_NULLABLE;
    if (st != RR_OK) rr_arrow_schema_release(out);
    return st;
}

static rr_status_t set_kv(struct ArrowSchema *s, rr_arrow_kv_t *kv, int32_t n, rr_error_t *err) {
    for (int32_t i = 0; i < n; i++) {
        kv[i].key_len = (int32_t)strlen(kv[i].key);
        kv[i].value_len = (int32_t)strlen(kv[i].value);
    }
    return rr_arrow_schema_set_metadata(s, kv, n, err);
}

static rr_status_t index_column_init(rr_df_column_t *c, const char *name, rr_time_type_t type,
                                     bool known, rr_error_t *err) {
    memset(c, 0, sizeof *c);
    c->kind = RR_DF_COLUMN_INDEX;
    rr_status_t st = rr_timeline_init(&c->timeline, name, type, err);
    if (st == RR_OK && !(c->name = strdup(name))) st = nomem(err);
    if (st == RR_OK)
        st = rr_arrow_schema_init(&c->type, known ? rr_time_type_arrow_format(type) : "n", name,
                                  ARROW_FLAG_NULLABLE, 0, err);
    if (st == RR_OK) {
        rr_arrow_kv_t kv[2] = {{RR_META_KIND, 0, RR_META_KIND_INDEX, 0},
                               {RR_META_INDEX_NAME, 0, name, 0}};
        st = set_kv(&c->type, kv, 2, err);
    }
    if (st != RR_OK) column_free(c);
    return st;
}

static rr_status_t component_column_init(rr_df_column_t *c, const rr_entity_path_t *entity,
                                         const rr_component_descriptor_t *descr,
                                         const struct ArrowSchema *store_type, bool is_static,
                                         bool is_tombstone, bool is_empty, rr_error_t *err) {
    memset(c, 0, sizeof *c);
    c->kind = RR_DF_COLUMN_COMPONENT;
    c->is_static = is_static;
    c->is_tombstone = is_tombstone;
    c->is_semantically_empty = is_empty;
    rr_status_t st = rr_entity_path_copy(entity, &c->entity, err);
    if (st == RR_OK) st = rr_component_descriptor_copy(descr, &c->descr, err);
    if (st == RR_OK && !(c->name = component_column_name(entity, descr->component)))
        st = nomem(err);
    if (st == RR_OK) {
        if (store_type)
            st = make_list_type(store_type, c->name, &c->type, err);
        else
            st = rr_arrow_schema_init(&c->type, "n", c->name, ARROW_FLAG_NULLABLE, 0, err);
    }
    if (st == RR_OK) {
        rr_arrow_kv_t kv[8];
        int32_t n = 0;
        kv[n++] = (rr_arrow_kv_t){RR_META_KIND, 0, RR_META_KIND_COMPONENT, 0};
        kv[n++] = (rr_arrow_kv_t){RR_META_COMPONENT, 0, descr->component, 0};
        kv[n++] = (rr_arrow_kv_t){RR_META_ENTITY_PATH, 0, entity->str, 0};
        if (descr->archetype) kv[n++] = (rr_arrow_kv_t){RR_META_ARCHETYPE, 0, descr->archetype, 0};
        if (descr->component_type)
            kv[n++] = (rr_arrow_kv_t){RR_META_COMPONENT_TYPE, 0, descr->component_type, 0};
        if (is_static) kv[n++] = (rr_arrow_kv_t){"rerun:is_static", 0, "true", 0};
        if (is_tombstone) kv[n++] = (rr_arrow_kv_t){"rerun:is_tombstone", 0, "true", 0};
        if (is_empty) kv[n++] = (rr_arrow_kv_t){"rerun:is_semantically_empty", 0, "true", 0};
        st = set_kv(&c->type, kv, n, err);
    }
    if (st != RR_OK) column_free(c);
    return st;
}

/* ---------------- selectors ---------------- */

rr_status_t rr_df_selector_parse(const char *s, rr_df_selector_t *out, char **storage,
                                 rr_error_t *err) {
    memset(out, 0, sizeof *out);
    *storage = NULL;
    if (!s || !*s) return rr_error_set(err, RR_ERR_INVALID_ARG, "column selector: empty");
    char *copy = strdup(s);
    if (!copy) return nomem(err);
    char *colon = NULL;
    for (char *p = copy; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == ':') {
            colon = p;
            break;
        }
    }
    if (!colon) {
        out->timeline = copy;
    } else {
        *colon = 0;
        if (colon == copy || !colon[1]) {
            free(copy);
            return rr_error_set(err, RR_ERR_INVALID_ARG,
                                "column selector '%s': expected TIMELINE or ENTITY:COMPONENT", s);
        }
        out->entity = copy;
        out->component = colon + 1;
    }
    *storage = copy;
    return RR_OK;
}

/* ---------------- opening ---------------- */

static int vcol_order(const void *pa, const void *pb) {
    const df_vcol_t *a = pa, *b = pb;
    int c = rr_entity_path_cmp_natural(&a->pub.entity, &b->pub.entity);
    if (c) return c;
    return rr_component_descriptor_cmp(&a->pub.descr, &b->pub.descr);
}

static int tl_order(const void *pa, const void *pb) {
    const rr_df_column_t *a = pa, *b = pb;
    int c = strcmp(a->timeline.name, b->timeline.name);
    if (c) return c;
    return (int)a->timeline.type - (int)b->timeline.type;
}

static bool component_listed(const rr_df_query_t *q, const char *component) {
    if (!q->components) return true;
    for (size_t i = 0; i < q->n_components; i++)
        if (q->components[i] && strcmp(q->components[i], component) == 0) return true;
    return false;
}

/* Marks the columns whose chunks hold at least one instance. */
static void mark_non_empty(rr_df_handle_t *h, bool *non_empty) {
    size_t n = rr_store_num_chunks(h->store);
    for (size_t i = 0; i < n; i++) {
        const rr_chunk_t *c = rr_store_chunk_at(h->store, i);
        /* view columns are grouped by entity; find the entity's range */
        for (size_t v = 0; v < h->n_vc; v++) {
            df_vcol_t *vc = &h->vcols[v];
            if (non_empty[v] || !rr_entity_path_equal(&vc->pub.entity, &c->entity_path)) continue;
            const rr_chunk_component_t *cc = rr_chunk_find_component(c, vc->pub.descr.component);
            if (cc && cc->array.n_children >= 1 && cc->array.children[0]->length > 0)
                non_empty[v] = true;
        }
    }
}

/* Entities whose Clear rows apply to e: e itself (any clear) and each
 * ancestor that has clears (recursive ones only). */
static rr_status_t collect_clear_sources(rr_df_handle_t *h, df_entity_t *ent, rr_error_t *err) {
    size_t n_ent = rr_store_num_entities(h->store);
    for (size_t i = 0; i < n_ent; i++) {
        const rr_entity_path_t *p = rr_store_entity(h->store, i);
        if (!rr_entity_path_starts_with(ent->path, p)) continue;
        bool has_clear = false;
        size_t nc = rr_store_entity_num_components(h->store, p);
        for (size_t k = 0; k < nc && !has_clear; k++) {
            const struct ArrowSchema *t;
            const rr_component_descriptor_t *d = rr_store_entity_component(h->store, p, k, &t);
            has_clear = d && strcmp(d->component, RR_STORE_CLEAR_COMPONENT) == 0;
        }
        if (!has_clear) continue;
        df_clear_src_t *ns = realloc(ent->clear, (ent->n_clear + 1) * sizeof *ns);
        if (!ns) return nomem(err);
        ent->clear = ns;
        ent->clear[ent->n_clear].path = p;
        ent->clear[ent->n_clear].recursive_only = p->n_parts < ent->path->n_parts;
        ent->n_clear++;
    }
    return RR_OK;
}

static rr_status_t resolve_view(rr_df_handle_t *h, const rr_df_query_t *q, rr_error_t *err) {
    const rr_store_t *s = h->store;
    /* index columns: every timeline */
    h->n_tl = rr_store_num_timelines(s);
    h->tls = calloc(h->n_tl ? h->n_tl : 1, sizeof *h->tls);
    if (!h->tls) return nomem(err);
    for (size_t i = 0; i < h->n_tl; i++) {
        const rr_timeline_t *tl = rr_store_timeline(s, i);
        RR_TRY(index_column_init(&h->tls[i], tl->name, tl->type, true, err));
    }
    if (h->n_tl > 1) qsort(h->tls, h->n_tl, sizeof *h->tls, tl_order);

    /* component columns of the entities the filter includes */
    rr_entity_path_filter_t all;
    const rr_entity_path_filter_t *filter = q->contents;
    if (!filter) {
        RR_TRY(rr_entity_path_filter_all(&all, err));
        filter = &all;
    }
    size_t n_ent = rr_store_num_entities(s), cap = 0;
    rr_status_t st = RR_OK;
    for (size_t i = 0; i < n_ent && st == RR_OK; i++) {
        const rr_entity_path_t *e = rr_store_entity(s, i);
        if (!rr_entity_path_filter_matches(filter, e)) continue;
        size_t nc = rr_store_entity_num_components(s, e);
        for (size_t k = 0; k < nc && st == RR_OK; k++) {
            const struct ArrowSchema *type = NULL;
            const rr_component_descriptor_t *d = rr_store_entity_component(s, e, k, &type);
            if (!d || !component_listed(q, d->component)) continue;
            bool tomb = strcmp(d->component, RR_STORE_CLEAR_COMPONENT) == 0;
            if (tomb && !q->include_tombstone_columns) continue;
            bool is_static = rr_store_entity_component_is_static(s, e, d->component);
            if (q->static_columns == RR_DF_STATIC_ONLY && !is_static) continue;
            if (q->static_columns == RR_DF_NON_STATIC_ONLY && is_static) continue;
            if (h->n_vc == cap) {
                cap = cap ? cap * 2 : 16;
                df_vcol_t *nv = realloc(h->vcols, cap * sizeof *nv);
                if (!nv) {
                    st = nomem(err);
                    break;
                }
                h->vcols = nv;
            }
            df_vcol_t *v = &h->vcols[h->n_vc];
            memset(v, 0, sizeof *v);
            st = component_column_init(&v->pub, e, d, type, is_static, tomb, false, err);
            if (st != RR_OK) break;
            v->store_type = type;
            h->n_vc++;
        }
    }
    if (filter == &all) rr_entity_path_filter_free(&all);
    if (st != RR_OK) return st;

    /* semantically empty columns */
    bool *non_empty = calloc(h->n_vc ? h->n_vc : 1, sizeof *non_empty);
    if (!non_empty) return nomem(err);
    mark_non_empty(h, non_empty);
    size_t w = 0;
    for (size_t v = 0; v < h->n_vc; v++) {
        if (!non_empty[v] && !q->include_semantically_empty_columns) {
            column_free(&h->vcols[v].pub);
            continue;
        }
        if (!non_empty[v]) {
            /* the metadata says so */
            df_vcol_t *vc = &h->vcols[v];
            rr_df_column_t redo;
            st = component_column_init(&redo, &vc->pub.entity, &vc->pub.descr, vc->store_type,
                                       vc->pub.is_static, vc->pub.is_tombstone, true, err);
            if (st != RR_OK) {
                free(non_empty);
                return st;
            }
            column_free(&vc->pub);
            vc->pub = redo;
        }
        h->vcols[w++] = h->vcols[v];
    }
    h->n_vc = w;
    free(non_empty);
    if (h->n_vc > 1) qsort(h->vcols, h->n_vc, sizeof *h->vcols, vcol_order);

    /* entities of the view, with their clear sources */
    h->ents = calloc(h->n_vc ? h->n_vc : 1, sizeof *h->ents);
    if (!h->ents) return nomem(err);
    for (size_t v = 0; v < h->n_vc; v++) {
        df_vcol_t *vc = &h->vcols[v];
        if (h->n_ent == 0 || !rr_entity_path_equal(h->ents[h->n_ent - 1].path, &vc->pub.entity)) {
            /* the store's own path object, which outlives the handle */
            const rr_entity_path_t *sp = NULL;
            for (size_t i = 0; i < n_ent && !sp; i++)
                if (rr_entity_path_equal(rr_store_entity(s, i), &vc->pub.entity))
                    sp = rr_store_entity(s, i);
            h->ents[h->n_ent].path = sp;
            RR_TRY(collect_clear_sources(h, &h->ents[h->n_ent], err));
            h->n_ent++;
        }
        vc->entity = h->n_ent - 1;
        vc->has_static_row = vc->pub.is_static && rr_store_latest_static(s, &vc->pub.entity,
                                                                         vc->pub.descr.component,
                                                                         &vc->static_row);
    }
    return RR_OK;
}

static bool selector_matches(const rr_df_selector_t *sel, const rr_df_column_t *c,
                             const rr_entity_path_t *sel_path) {
    if (sel->timeline) return c->kind == RR_DF_COLUMN_INDEX && strcmp(c->timeline.name, sel->timeline) == 0;
    return c->kind == RR_DF_COLUMN_COMPONENT && rr_entity_path_equal(&c->entity, sel_path) &&
           strcmp(c->descr.component, sel->component) == 0;
}

/* Finds a component selector's view column; -1 when absent. */
static rr_status_t find_component_column(const rr_df_handle_t *h, const rr_df_selector_t *sel,
                                         int64_t *out, rr_entity_path_t *path, rr_error_t *err) {
    *out = -1;
    if (!sel->entity || !sel->component)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "dataframe: a component selector needs an entity and a component");
    RR_TRY(rr_entity_path_parse_forgiving(sel->entity, strlen(sel->entity), path, err));
    for (size_t v = 0; v < h->n_vc && *out < 0; v++)
        if (selector_matches(sel, &h->vcols[v].pub, path)) *out = (int64_t)v;
    return RR_OK;
}

static rr_status_t resolve_selection(rr_df_handle_t *h, const rr_df_query_t *q, rr_error_t *err) {
    size_t n = q->has_selection ? q->n_selection : h->n_tl + h->n_vc;
    h->sel = calloc(n ? n : 1, sizeof *h->sel);
    if (!h->sel) return nomem(err);
    if (!q->has_selection) {
        for (size_t i = 0; i < h->n_tl; i++) {
            h->sel[h->n_sel].view = (int64_t)i;
            h->sel[h->n_sel++].col = &h->tls[i];
        }
        for (size_t v = 0; v < h->n_vc; v++) {
            h->sel[h->n_sel].view = (int64_t)v;
            h->sel[h->n_sel++].col = &h->vcols[v].pub;
            h->vcols[v].selected = true;
        }
        return RR_OK;
    }
    for (size_t i = 0; i < n; i++) {
        const rr_df_selector_t *sel = &q->selection[i];
        df_sel_t *d = &h->sel[h->n_sel];
        d->view = -1;
        if (sel->timeline) {
            for (size_t t = 0; t < h->n_tl && d->view < 0; t++)
                if (strcmp(h->tls[t].timeline.name, sel->timeline) == 0) d->view = (int64_t)t;
            if (d->view >= 0) {
                d->col = &h->tls[d->view];
            } else {
                RR_TRY(index_column_init(&d->own, sel->timeline, RR_TIME_SEQUENCE, false, err));
                d->col = &d->own;
            }
        } else {
            rr_entity_path_t path;
            RR_TRY(find_component_column(h, sel, &d->view, &path, err));
            rr_status_t st = RR_OK;
            if (d->view >= 0) {
                d->col = &h->vcols[d->view].pub;
                h->vcols[d->view].selected = true;
            } else {
                rr_component_descriptor_t descr = {NULL, (char *)sel->component, NULL};
                st = component_column_init(&d->own, &path, &descr, NULL, false, false, false, err);
                d->col = &d->own;
            }
            rr_entity_path_free(&path);
            RR_TRY(st);
        }
        h->n_sel++;
    }
    return RR_OK;
}

rr_status_t rr_df_query_open(const rr_store_t *store, const rr_df_query_t *q, rr_df_handle_t **out,
                             rr_error_t *err) {
    *out = NULL;
    if (!store || !q) return rr_error_set(err, RR_ERR_INVALID_ARG, "dataframe: NULL store or query");
    if (q->page_rows < 0)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "dataframe: page_rows %lld < 0",
                            (long long)q->page_rows);
    if ((q->has_selection && q->n_selection && !q->selection) ||
        (q->has_filtered_index_values && q->n_filtered_index_values && !q->filtered_index_values) ||
        (q->has_using_index_values && q->n_using_index_values && !q->using_index_values))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "dataframe: a list with a count but no items");
    rr_df_handle_t *h = calloc(1, sizeof *h);
    if (!h) return nomem(err);
    h->store = store;
    h->page_rows = q->page_rows ? q->page_rows : RR_DF_DEFAULT_PAGE_ROWS;
    h->fill = q->fill_latest_at;
    h->pov = -1;
    rr_status_t st = RR_OK;
    if (q->index && !(h->index = strdup(q->index))) st = nomem(err);
    h->range_min = RR_TIME_MIN;
    h->range_max = RR_TIME_MAX;
    if (st == RR_OK && q->has_range) {
        h->range_min = q->range.min < RR_TIME_MIN ? RR_TIME_MIN : q->range.min;
        h->range_max = q->range.max;
    }
    if (st == RR_OK && q->has_filtered_index_values) {
        h->has_filtered = true;
        h->filtered = malloc((q->n_filtered_index_values + 1) * sizeof *h->filtered);
        if (!h->filtered) {
            st = nomem(err);
        } else {
            for (size_t i = 0; i < q->n_filtered_index_values; i++)
                if (q->filtered_index_values[i] != RR_TIME_STATIC)
                    h->filtered[h->n_filtered++] = q->filtered_index_values[i];
            h->n_filtered = sort_unique(h->filtered, h->n_filtered);
        }
    }
    if (st == RR_OK && q->has_using_index_values) {
        h->has_sampled = true;
        h->sampled = malloc((q->n_using_index_values + 1) * sizeof *h->sampled);
        if (!h->sampled) {
            st = nomem(err);
        } else {
            for (size_t i = 0; i < q->n_using_index_values; i++)
                if (q->using_index_values[i] != RR_TIME_STATIC)
                    h->sampled[h->n_sampled++] = q->using_index_values[i];
            h->n_sampled = sort_unique(h->sampled, h->n_sampled);
        }
    }
    if (st == RR_OK) st = resolve_view(h, q, err);
    if (st == RR_OK) st = resolve_selection(h, q, err);
    if (st == RR_OK && q->pov) {
        rr_entity_path_t path;
        st = find_component_column(h, q->pov, &h->pov, &path, err);
        if (st == RR_OK) rr_entity_path_free(&path);
        if (h->pov < 0) h->pov = -2;
    }
    if (st == RR_OK) {
        /* Other index columns than the queried one take their values from
         * the cells of every view column, selected or not. */
        for (size_t i = 0; i < h->n_sel; i++) {
            const rr_df_column_t *c = h->sel[i].col;
            if (c->kind == RR_DF_COLUMN_INDEX && h->sel[i].view >= 0 &&
                (!h->index || strcmp(c->timeline.name, h->index) != 0))
                h->need_other_timelines = true;
        }
        if (!h->index) h->need_other_timelines = false; /* static cells have no times */
        for (size_t v = 0; v < h->n_vc && st == RR_OK; v++) {
            df_vcol_t *vc = &h->vcols[v];
            vc->need_cells = vc->selected || h->need_other_timelines;
            if (vc->need_cells && !(vc->cells = calloc((size_t)h->page_rows, sizeof *vc->cells)))
                st = nomem(err);
        }
        h->times = malloc((size_t)h->page_rows * sizeof *h->times);
        if (!h->times) st = nomem(err);
        h->lo = h->range_min;
        if (h->range_min > h->range_max) h->exhausted = true;
    }
    if (st != RR_OK) {
        rr_df_query_free(h);
        return st;
    }
    *out = h;
    return RR_OK;
}

/* ---------------- schema ---------------- */

rr_status_t rr_df_schema(const rr_df_handle_t *h, struct ArrowSchema *out, rr_error_t *err) {
    RR_TRY(rr_arrow_schema_init(out, "+s", "", 0, (int64_t)h->n_sel, err));
    for (size_t i = 0; i < h->n_sel; i++) {
        rr_status_t st = rr_arrow_schema_copy(&h->sel[i].col->type, out->children[i], err);
        if (st != RR_OK) {
            rr_arrow_schema_release(out);
            return st;
        }
    }
    return RR_OK;
}

/* ---------------- pass one: the page's index values ---------------- */

typedef struct collect {
    rr_df_handle_t *h;
    int64_t hi;            /* values above are not wanted (shrinks as the set fills) */
    size_t n;              /* values in h->times, sorted and unique */
    bool recursive_only;
    const char *component;
    bool is_clear;
    rr_status_t st;
    rr_error_t *err;
} collect_t;

static bool wanted(const rr_df_handle_t *h, int64_t t) {
    return !h->has_filtered || find_sorted(h->filtered, h->n_filtered, t) >= 0;
}

/* Merges sorted run[0..m) (repeats allowed) into the page set, capped at page_rows. */
static bool merge_run(collect_t *c, const int64_t *run, size_t m) {
    rr_df_handle_t *h = c->h;
    size_t cap = (size_t)h->page_rows;
    if (h->scratch_cap < cap) {
        int64_t *ns = realloc(h->scratch, cap * sizeof *ns);
        if (!ns) return false;
        h->scratch = ns;
        h->scratch_cap = cap;
    }
    const int64_t *a = h->times;
    if (m == 0) return true;
    /* The usual cases first: the run extends the set (one column's chunks,
     * in order), or the set already holds it (columns sharing their times). */
    if (c->n == 0 || run[0] > a[c->n - 1]) {
        size_t k = c->n;
        for (size_t j = 0; j < m && k < cap; j++)
            if (k == 0 || h->times[k - 1] != run[j]) h->times[k++] = run[j];
        c->n = k;
        if (k == cap && h->times[k - 1] < c->hi) c->hi = h->times[k - 1];
        return true;
    }
    {
        size_t lo = 0, hi = c->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (a[mid] < run[0])
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo + m <= c->n && memcmp(a + lo, run, m * sizeof *run) == 0) return true;
    }
    size_t i = 0, j = 0, k = 0;
    while (k < cap && (i < c->n || j < m)) {
        int64_t v;
        if (j >= m || (i < c->n && a[i] < run[j]))
            v = a[i++];
        else if (i >= c->n || run[j] < a[i])
            v = run[j++];
        else
            v = a[i++], j++;
        if (k && h->scratch[k - 1] == v) continue; /* repeats inside the run */
        h->scratch[k++] = v;
    }
    memcpy(h->times, h->scratch, k * sizeof *h->times);
    c->n = k;
    if (k == cap && h->times[k - 1] < c->hi) c->hi = h->times[k - 1];
    return true;
}

static bool run_push(rr_df_handle_t *h, size_t *m, int64_t v) {
    if (*m == h->run_cap) {
        size_t nc = h->run_cap ? h->run_cap * 2 : 1024;
        int64_t *nr = realloc(h->run, nc * sizeof *nr);
        if (!nr) return false;
        h->run = nr;
        h->run_cap = nc;
    }
    h->run[(*m)++] = v;
    return true;
}

/* Is this clear row one that applies? */
static bool clear_applies(const rr_chunk_component_t *cc, int64_t row, bool recursive_only) {
    if (!list_valid(&cc->array, row)) return false;
    if (!recursive_only) return true;
    const struct ArrowArray *l = &cc->array;
    if (strcmp(cc->type.format, "+l") != 0 || l->n_children < 1) return false;
    const int32_t *off = (const int32_t *)l->buffers[1] + l->offset;
    if (off[row + 1] <= off[row]) return false;
    const struct ArrowArray *b = l->children[0];
    if (strcmp(cc->type.children[0]->format, "b") != 0) return false;
    int64_t slot = b->offset + off[row];
    if (b->null_count != 0 && b->buffers[0] && !rr_arrow_bit_get(b->buffers[0], slot)) return false;
    return rr_arrow_bit_get((const uint8_t *)b->buffers[1], slot);
}

static bool collect_chunk(void *ctx, const rr_chunk_t *chunk) {
    collect_t *c = ctx;
    rr_df_handle_t *h = c->h;
    const rr_chunk_index_t *ix = rr_chunk_find_index(chunk, h->index);
    const rr_chunk_component_t *cc = rr_chunk_find_component(chunk, c->component);
    if (!ix || !cc) return true;
    if (ix->range.min > c->hi) return false; /* chunks come by start time: none further */
    const int64_t *tv = index_values(ix);
    int64_t n = chunk->num_rows, r0 = 0, r1 = n;
    if (ix->is_sorted) r0 = lower_bound_rows(tv, n, h->lo);
    if (ix->is_sorted && !c->is_clear && !h->has_filtered && cc->array.null_count == 0) {
        /* every row counts: the sorted times merge as they are */
        int64_t hi_row = c->hi == INT64_MAX ? n : lower_bound_rows(tv, n, c->hi + 1);
        if (hi_row < r0) hi_row = r0;
        if (hi_row > r0 && !merge_run(c, tv + r0, (size_t)(hi_row - r0))) {
            c->st = nomem(c->err);
            return false;
        }
        return true;
    }
    size_t m = 0;
    for (int64_t r = r0; r < r1; r++) {
        int64_t t = tv[r];
        if (t < h->lo) continue;
        if (t > c->hi) {
            if (ix->is_sorted) break;
            continue;
        }
        bool ok = c->is_clear ? clear_applies(cc, r, c->recursive_only) : list_valid(&cc->array, r);
        if (!ok || !wanted(h, t)) continue;
        if (m && h->run[m - 1] == t) continue;
        if (!run_push(h, &m, t)) {
            c->st = nomem(c->err);
            return false;
        }
    }
    if (!ix->is_sorted) m = sort_unique(h->run, m);
    if (m && !merge_run(c, h->run, m)) {
        c->st = nomem(c->err);
        return false;
    }
    return true;
}

/* Fills h->times with the next page of index values from h->lo on. */
static rr_status_t collect_page(rr_df_handle_t *h, rr_error_t *err) {
    collect_t c = {h, h->range_max, 0, false, NULL, false, RR_OK, err};
    rr_time_range_t win;
    bool *ent_done = calloc(h->n_ent ? h->n_ent : 1, sizeof *ent_done);
    if (!ent_done) return nomem(err);
    for (size_t v = 0; v < h->n_vc && c.st == RR_OK; v++) {
        if (h->pov != -1 && (int64_t)v != h->pov) continue;
        df_vcol_t *vc = &h->vcols[v];
        if (!vc->pub.is_static) {
            c.component = vc->pub.descr.component;
            c.recursive_only = false;
            c.is_clear = false;
            win = (rr_time_range_t){h->lo, c.hi};
            rr_store_visit_temporal_chunks(h->store, &vc->pub.entity, h->index, c.component, win,
                                           collect_chunk, &c);
        }
        /* Clears make rows for every column of their entity. */
        df_entity_t *e = &h->ents[vc->entity];
        if (ent_done[vc->entity]) continue;
        ent_done[vc->entity] = true;
        for (size_t k = 0; k < e->n_clear && c.st == RR_OK; k++) {
            c.component = RR_STORE_CLEAR_COMPONENT;
            c.recursive_only = e->clear[k].recursive_only;
            c.is_clear = true;
            win = (rr_time_range_t){h->lo, c.hi};
            rr_store_visit_temporal_chunks(h->store, e->clear[k].path, h->index, c.component, win,
                                           collect_chunk, &c);
        }
    }
    free(ent_done);
    h->n_times = c.n;
    return c.st;
}

/* ---------------- pass two: cells ---------------- */

typedef struct gather {
    rr_df_handle_t *h;
    df_cell_t *cells;
    const char *component;
    bool clear, recursive_only;
    const struct ArrowSchema *type; /* the column's store type (data cells) */
    int64_t lo, hi;
    bool layout_skipped; /* a chunk of another datatype was passed over */
} gather_t;

static bool gather_chunk(void *ctx, const rr_chunk_t *chunk) {
    gather_t *g = ctx;
    rr_df_handle_t *h = g->h;
    const rr_chunk_index_t *ix = rr_chunk_find_index(chunk, h->index);
    const rr_chunk_component_t *cc = rr_chunk_find_component(chunk, g->component);
    if (!ix || !cc) return true;
    if (ix->range.min > g->hi) return false;
    /* A chunk whose datatype differs from the column's cannot be copied into
     * it; its cells read as null (Rerun warns and keeps the first type). */
    if (!g->clear && !same_layout(&cc->type, g->type)) {
        g->layout_skipped = true;
        return true;
    }
    int32_t col = (int32_t)(cc - chunk->components);
    const int64_t *tv = index_values(ix);
    const uint8_t *rids = (const uint8_t *)chunk->row_ids.buffers[1] + 16 * chunk->row_ids.offset;
    int64_t n = chunk->num_rows, r0 = 0;
    if (ix->is_sorted) r0 = lower_bound_rows(tv, n, g->lo);
    /* sorted chunks walk the page's values alongside their rows */
    size_t slot = 0;
    if (ix->is_sorted && r0 < n) {
        int64_t first = tv[r0];
        size_t a = 0, b = h->n_times;
        while (a < b) {
            size_t mid = a + (b - a) / 2;
            if (h->times[mid] < first)
                a = mid + 1;
            else
                b = mid;
        }
        slot = a;
    }
    for (int64_t r = r0; r < n; r++) {
        int64_t t = tv[r];
        if (t < g->lo) continue;
        if (t > g->hi) {
            if (ix->is_sorted) break;
            continue;
        }
        int64_t s;
        if (ix->is_sorted) {
            while (slot < h->n_times && h->times[slot] < t) slot++;
            if (slot >= h->n_times || h->times[slot] != t) continue;
            s = (int64_t)slot;
        } else {
            s = find_sorted(h->times, h->n_times, t);
            if (s < 0) continue;
        }
        bool ok = g->clear ? clear_applies(cc, r, g->recursive_only) : list_valid(&cc->array, r);
        if (!ok) continue;
        df_cell_t *cell = &g->cells[s];
        const uint8_t *rid = rids + 16 * r;
        /* the greatest row id wins; a clear only when strictly newer (same row: data stays) */
        if (cell->kind != CELL_NULL && memcmp(rid, cell->row_id, 16) <= 0) continue;
        *cell = (df_cell_t){chunk, r, g->clear ? -1 : col, g->clear ? CELL_EMPTY : CELL_DATA, rid};
    }
    return true;
}

typedef struct dense {
    rr_df_handle_t *h;
    df_vcol_t *vc;
    int64_t lo, hi;
    bool ok;
    rr_status_t st;
    rr_error_t *err;
} dense_t;

/* The dense case, chunk by chunk: sorted, no null cells, and every row in
 * the page matches the page's values one to one. Anything else gives up
 * (ok = false) and the column takes the cell-by-cell path. */
static bool dense_chunk(void *ctx, const rr_chunk_t *chunk) {
    dense_t *d = ctx;
    rr_df_handle_t *h = d->h;
    const rr_chunk_index_t *ix = rr_chunk_find_index(chunk, h->index);
    const rr_chunk_component_t *cc = rr_chunk_find_component(chunk, d->vc->pub.descr.component);
    if (!ix || !cc) return true;
    if (ix->range.min > d->hi) return false;
    if (!ix->is_sorted || cc->array.null_count != 0 || !same_layout(&cc->type, d->vc->store_type)) {
        d->ok = false;
        return false;
    }
    const int64_t *tv = index_values(ix);
    int64_t n = chunk->num_rows;
    int64_t r0 = lower_bound_rows(tv, n, d->lo);
    int64_t r1 = d->hi == INT64_MAX ? n : lower_bound_rows(tv, n, d->hi + 1);
    if (r1 <= r0) return true;
    int64_t slot = find_sorted(h->times, h->n_times, tv[r0]);
    int64_t len = r1 - r0;
    /* page values are strictly increasing, so equality also says the rows' are */
    if (slot < 0 || slot + len > (int64_t)h->n_times ||
        memcmp(h->times + slot, tv + r0, (size_t)len * sizeof *tv) != 0) {
        d->ok = false;
        return false;
    }
    df_vcol_t *vc = d->vc;
    if (vc->n_segs == vc->cap_segs) {
        size_t nc = vc->cap_segs ? vc->cap_segs * 2 : 16;
        df_seg_t *ns = realloc(vc->segs, nc * sizeof *ns);
        if (!ns) {
            d->st = nomem(d->err);
            d->ok = false;
            return false;
        }
        vc->segs = ns;
        vc->cap_segs = nc;
    }
    vc->segs[vc->n_segs++] = (df_seg_t){slot, len, chunk, r0, (int32_t)(cc - chunk->components)};
    return true;
}

static int seg_order(const void *a, const void *b) {
    int64_t x = ((const df_seg_t *)a)->slot, y = ((const df_seg_t *)b)->slot;
    return x < y ? -1 : x > y;
}

/* Tries the dense path for one column; true when it applies. */
static bool gather_dense(rr_df_handle_t *h, df_vcol_t *vc, rr_status_t *st, rr_error_t *err) {
    vc->n_segs = 0;
    if (vc->pub.is_static || h->ents[vc->entity].n_clear) return false;
    dense_t d = {h, vc, h->times[0], h->times[h->n_times - 1], true, RR_OK, err};
    rr_time_range_t win = {d.lo, d.hi};
    rr_store_visit_temporal_chunks(h->store, &vc->pub.entity, h->index, vc->pub.descr.component,
                                   win, dense_chunk, &d);
    *st = d.st;
    if (!d.ok) return false;
    if (vc->n_segs > 1) qsort(vc->segs, vc->n_segs, sizeof *vc->segs, seg_order);
    int64_t covered = 0;
    for (size_t i = 0; i < vc->n_segs; i++) {
        /* overlapping chunks need row ids to decide */
        if (i && vc->segs[i - 1].slot + vc->segs[i - 1].len > vc->segs[i].slot) return false;
        covered += vc->segs[i].len;
    }
    /* holes would need fill */
    if (h->fill && covered != (int64_t)h->n_times) return false;
    return true;
}

static rr_status_t gather_page(rr_df_handle_t *h, rr_error_t *err) {
    if (h->n_times == 0) return RR_OK;
    int64_t lo = h->times[0], hi = h->times[h->n_times - 1];
    for (size_t v = 0; v < h->n_vc; v++) {
        df_vcol_t *vc = &h->vcols[v];
        vc->use_segs = false;
        if (!vc->need_cells) continue;
        rr_status_t st = RR_OK;
        if (gather_dense(h, vc, &st, err)) {
            vc->use_segs = true;
            continue;
        }
        RR_TRY(st);
        memset(vc->cells, 0, h->n_times * sizeof *vc->cells);
        rr_time_range_t win = {lo, hi};
        gather_t g = {h, vc->cells, vc->pub.descr.component, false, false, vc->store_type, lo, hi, false};
        if (!vc->pub.is_static)
            rr_store_visit_temporal_chunks(h->store, &vc->pub.entity, h->index, g.component, win,
                                           gather_chunk, &g);
        df_entity_t *e = &h->ents[vc->entity];
        for (size_t k = 0; k < e->n_clear; k++) {
            g.component = RR_STORE_CLEAR_COMPONENT;
            g.clear = true;
            g.recursive_only = e->clear[k].recursive_only;
            rr_store_visit_temporal_chunks(h->store, e->clear[k].path, h->index, g.component, win,
                                           gather_chunk, &g);
        }
        /* static data wins over everything (for the selected columns, as Rerun) */
        if (vc->selected && vc->has_static_row)
            for (size_t i = 0; i < h->n_times; i++) vc->cells[i].kind = CELL_STATIC;
        if (h->fill) {
            /* Latest-at fill walks the page in time order and carries the
             * last answer forward instead of asking the store again for
             * every null cell. That is exact when every time at which the
             * column has data is a page row (no filtered or sampled index
             * values, no other point of view), no clear can hide rows, no
             * static data shadows the column, and no row was passed over
             * for its datatype: then between two page rows nothing
             * changes, and a page row's own cell is the latest-at answer
             * there. The first null cell of a page asks the store. */
            bool carry = !h->has_filtered && !h->has_sampled &&
                         (h->pov == -1 || h->pov == (int64_t)v) && e->n_clear == 0 &&
                         !vc->has_static_row && !g.layout_skipped;
            bool have_last = false;
            df_cell_t last = {0};
            for (size_t i = 0; i < h->n_times; i++) {
                if (vc->cells[i].kind != CELL_NULL) {
                    last = vc->cells[i];
                    have_last = carry;
                    continue;
                }
                if (have_last) {
                    vc->cells[i] = last;
                    continue;
                }
                rr_store_row_t row;
                bool found = false;
                const char *comp = vc->pub.descr.component;
                rr_store_query_latest_at(h->store, &vc->pub.entity, h->index, h->times[i], &comp,
                                         1, &row, &found);
                if (found && rr_store_row_is_static(&row)) {
                    vc->cells[i].kind = CELL_STATIC;
                } else if (found && same_layout(&rr_store_row_component(&row)->type, vc->store_type)) {
                    const rr_chunk_t *rc = row.chunk;
                    const uint8_t *rid = (const uint8_t *)rc->row_ids.buffers[1] +
                                         16 * (rc->row_ids.offset + row.row);
                    vc->cells[i] = (df_cell_t){rc, row.row, (int32_t)row.column, CELL_DATA, rid};
                }
                last = vc->cells[i];
                have_last = carry;
            }
        }
    }
    return RR_OK;
}

/* ---------------- building columns ---------------- */

static rr_status_t prebuilt(df_vcol_t *vc, int kind, int64_t n, rr_error_t *err) {
    struct ArrowArray *dst = kind == CELL_NULL ? &vc->nulls : kind == CELL_EMPTY ? &vc->empties
                                                                                 : &vc->statics;
    if (dst->release) return RR_OK;
    if (kind == CELL_STATIC) {
        const rr_chunk_component_t *cc = rr_store_row_component(&vc->static_row);
        int64_t *idx = malloc((size_t)n * sizeof *idx);
        if (!idx) return nomem(err);
        for (int64_t i = 0; i < n; i++) idx[i] = vc->static_row.row;
        rr_status_t st = rr_arrow_take(&cc->type, &cc->array, idx, n, dst, err);
        free(idx);
        return st;
    }
    rr_arrow_builder_t *b;
    RR_TRY(rr_arrow_builder_new(&vc->pub.type, &b, err));
    rr_status_t st = rr_arrow_builder_reserve(b, n, err);
    if (st == RR_OK && kind == CELL_NULL) st = rr_arrow_builder_append_nulls(b, n, err);
    for (int64_t i = 0; st == RR_OK && kind == CELL_EMPTY && i < n; i++)
        st = rr_arrow_builder_finish_element(b, err);
    if (st == RR_OK) st = rr_arrow_builder_finish(b, dst, err);
    rr_arrow_builder_free(b);
    return st;
}

/* Views are never released: the no-op only marks them live for readers. */
static void view_release(struct ArrowArray *a) { a->release = NULL; }

/* A borrowed window on src: read-only, never released. */
static struct ArrowArray view_of(const struct ArrowArray *src, int64_t start, int64_t len) {
    struct ArrowArray v = *src;
    v.offset = src->offset + start;
    v.length = len;
    v.null_count = src->null_count == 0 ? 0 : -1;
    v.release = view_release;
    v.private_data = NULL;
    return v;
}

typedef struct pieces {
    struct ArrowArray *v;
    const struct ArrowArray **p;
    size_t n, cap;
} pieces_t;

static bool pieces_push(pieces_t *ps, struct ArrowArray a) {
    if (ps->n == ps->cap) {
        size_t nc = ps->cap ? ps->cap * 2 : 64;
        struct ArrowArray *nv = realloc(ps->v, nc * sizeof *nv);
        if (!nv) return false;
        ps->v = nv;
        ps->cap = nc;
    }
    ps->v[ps->n++] = a;
    return true;
}

/* Byte width of a primitive fixed-width Arrow format, or 0. */
static int fixed_width(const char *f) {
    if (!f[0] || f[1]) return 0;
    switch (f[0]) {
    case 'c': case 'C': return 1;
    case 's': case 'S': case 'e': return 2;
    case 'i': case 'I': case 'f': return 4;
    case 'l': case 'L': case 'g': return 8;
    default: return 0;
    }
}

/* The dense path's output for list<primitive> columns: offsets written
 * directly and each chunk run's values copied with one memcpy. false (and
 * nothing built) when the layout is another. */
static bool build_dense_fixed(rr_df_handle_t *h, df_vcol_t *vc, struct ArrowArray *out,
                              rr_status_t *st, rr_error_t *err) {
    const struct ArrowSchema *t = &vc->pub.type;
    if (strcmp(t->format, "+l") != 0 || t->n_children != 1 || t->children[0]->dictionary) return false;
    int w = fixed_width(t->children[0]->format);
    if (!w) return false;
    int64_t n = (int64_t)h->n_times, n_vals = 0, covered = 0;
    for (size_t k = 0; k < vc->n_segs; k++) {
        const df_seg_t *sg = &vc->segs[k];
        const struct ArrowArray *l = &sg->chunk->components[sg->col].array;
        if (l->children[0]->null_count != 0) return false;
        const int32_t *so = (const int32_t *)l->buffers[1] + l->offset;
        n_vals += so[sg->row + sg->len] - so[sg->row];
        covered += sg->len;
    }
    if (n_vals > INT32_MAX) return false;
    *st = rr_arrow_array_init(out, 2, 1, false, err);
    if (*st != RR_OK) return true;
    int32_t *off = rr_arrow_array_alloc_buffer(out, 1, (size_t)(n + 1) * sizeof *off);
    uint8_t *bits = covered < n ? rr_arrow_array_alloc_buffer(out, 0, (size_t)rr_arrow_bitmap_bytes(n)) : NULL;
    struct ArrowArray *child = out->children[0];
    *st = rr_arrow_array_init(child, 2, 0, false, err);
    uint8_t *vals = *st == RR_OK ? rr_arrow_array_alloc_buffer(child, 1, (size_t)(n_vals ? n_vals : 1) * (size_t)w) : NULL;
    if (*st != RR_OK || !off || (covered < n && !bits) || !vals) {
        if (*st == RR_OK) *st = nomem(err);
        rr_arrow_array_release(out);
        return true;
    }
    int64_t pos = 0;
    int32_t cur = 0;
    for (size_t k = 0; k <= vc->n_segs; k++) {
        int64_t next = k < vc->n_segs ? vc->segs[k].slot : n;
        for (; pos < next; pos++) off[pos] = cur; /* holes: null, no values */
        if (k == vc->n_segs) break;
        const df_seg_t *sg = &vc->segs[k];
        const struct ArrowArray *l = &sg->chunk->components[sg->col].array;
        const struct ArrowArray *lc = l->children[0];
        const int32_t *so = (const int32_t *)l->buffers[1] + l->offset + sg->row;
        int32_t base = so[0], cnt = so[sg->len] - base;
        memcpy(vals + (size_t)cur * (size_t)w, (const uint8_t *)lc->buffers[1] + (size_t)(lc->offset + base) * (size_t)w,
               (size_t)cnt * (size_t)w);
        int32_t delta = cur - base;
        for (int64_t j = 0; j < sg->len; j++) off[sg->slot + j] = so[j] + delta;
        if (bits)
            for (int64_t j = 0; j < sg->len; j++) rr_arrow_bit_set(bits, sg->slot + j, true);
        cur += cnt;
        pos = sg->slot + sg->len;
    }
    off[n] = cur;
    out->length = n;
    out->null_count = n - covered;
    child->length = cur;
    child->null_count = 0;
    return true;
}

static rr_status_t build_component(rr_df_handle_t *h, df_vcol_t *vc, struct ArrowArray *out,
                                   rr_error_t *err) {
    if (vc->use_segs) {
        rr_status_t st = RR_OK;
        if (build_dense_fixed(h, vc, out, &st, err)) return st;
    }
    int64_t n = (int64_t)h->n_times;
    pieces_t ps = {0};
    rr_status_t st = RR_OK;
    int64_t i = 0;
    if (vc->use_segs) {
        /* chunk runs, nulls in the holes between them */
        int64_t pos = 0;
        for (size_t k = 0; k <= vc->n_segs && st == RR_OK; k++) {
            int64_t next = k < vc->n_segs ? vc->segs[k].slot : n;
            if (next > pos) {
                st = prebuilt(vc, CELL_NULL, h->page_rows, err);
                if (st == RR_OK && !pieces_push(&ps, view_of(&vc->nulls, 0, next - pos))) st = nomem(err);
            }
            if (k < vc->n_segs && st == RR_OK) {
                const df_seg_t *sg = &vc->segs[k];
                if (!pieces_push(&ps, view_of(&sg->chunk->components[sg->col].array, sg->row, sg->len)))
                    st = nomem(err);
                pos = sg->slot + sg->len;
            }
        }
        i = n;
    }
    while (i < n && st == RR_OK) {
        const df_cell_t *c = &vc->cells[i];
        int64_t j = i + 1;
        struct ArrowArray piece;
        if (c->kind == CELL_DATA) {
            while (j < n && vc->cells[j].kind == CELL_DATA && vc->cells[j].chunk == c->chunk &&
                   vc->cells[j].col == c->col && vc->cells[j].row == c->row + (j - i))
                j++;
            piece = view_of(&c->chunk->components[c->col].array, c->row, j - i);
        } else {
            while (j < n && vc->cells[j].kind == c->kind) j++;
            st = prebuilt(vc, c->kind, h->page_rows, err);
            if (st != RR_OK) break;
            const struct ArrowArray *src = c->kind == CELL_NULL    ? &vc->nulls
                                           : c->kind == CELL_EMPTY ? &vc->empties
                                                                   : &vc->statics;
            piece = view_of(src, 0, j - i);
        }
        if (!pieces_push(&ps, piece)) st = nomem(err);
        i = j;
    }
    if (st == RR_OK) {
        ps.p = malloc((ps.n ? ps.n : 1) * sizeof *ps.p);
        if (!ps.p) st = nomem(err);
    }
    if (st == RR_OK) {
        for (size_t k = 0; k < ps.n; k++) ps.p[k] = &ps.v[k];
        st = rr_arrow_concat(&vc->pub.type, ps.p, (int64_t)ps.n, out, err);
    }
    free(ps.v);
    free(ps.p);
    return st;
}

/* An all-null column of the Null type (n slots, no buffers). */
static rr_status_t null_type_column(int64_t n, struct ArrowArray *out, rr_error_t *err) {
    RR_TRY(rr_arrow_array_init(out, 0, 0, false, err));
    out->length = n;
    out->null_count = n;
    return RR_OK;
}

/* An index column of n values with optional validity (NULL: all valid). */
static rr_status_t time_column(const int64_t *values, const uint8_t *valid, int64_t n,
                               struct ArrowArray *out, rr_error_t *err) {
    RR_TRY(rr_arrow_array_init(out, 2, 0, false, err));
    int64_t *dst = rr_arrow_array_alloc_buffer(out, 1, (size_t)(n ? n : 1) * sizeof *dst);
    if (!dst) {
        rr_arrow_array_release(out);
        return nomem(err);
    }
    if (n) memcpy(dst, values, (size_t)n * sizeof *dst);
    out->length = n;
    out->null_count = 0;
    if (valid) {
        int64_t nulls = n - rr_arrow_bitmap_count_set(valid, 0, n);
        if (nulls) {
            uint8_t *bits = rr_arrow_array_alloc_buffer(out, 0, (size_t)rr_arrow_bitmap_bytes(n));
            if (!bits) {
                rr_arrow_array_release(out);
                return nomem(err);
            }
            memcpy(bits, valid, (size_t)rr_arrow_bitmap_bytes(n));
            out->null_count = nulls;
        }
    }
    return RR_OK;
}

/* Another timeline's column: per row the greatest value among the row's cells. */
static rr_status_t other_time_column(rr_df_handle_t *h, const char *timeline,
                                     struct ArrowArray *out, rr_error_t *err) {
    int64_t n = (int64_t)h->n_times;
    int64_t *vals = calloc((size_t)(n ? n : 1), sizeof *vals);
    uint8_t *valid = calloc((size_t)rr_arrow_bitmap_bytes(n ? n : 1), 1);
    if (!vals || !valid) {
        free(vals);
        free(valid);
        return nomem(err);
    }
    for (size_t v = 0; v < h->n_vc; v++) {
        df_vcol_t *vc = &h->vcols[v];
        const rr_chunk_t *last = NULL;
        const rr_chunk_index_t *ix = NULL;
        if (vc->use_segs) {
            for (size_t k = 0; k < vc->n_segs; k++) {
                const df_seg_t *sg = &vc->segs[k];
                const rr_chunk_index_t *sx = rr_chunk_find_index(sg->chunk, timeline);
                if (!sx) continue;
                const int64_t *tv = index_values(sx) + sg->row;
                for (int64_t j = 0; j < sg->len; j++) {
                    int64_t i = sg->slot + j;
                    if (!rr_arrow_bit_get(valid, i) || tv[j] > vals[i]) {
                        vals[i] = tv[j];
                        rr_arrow_bit_set(valid, i, true);
                    }
                }
            }
            continue;
        }
        for (int64_t i = 0; i < n; i++) {
            const df_cell_t *c = &vc->cells[i];
            if (c->kind != CELL_DATA && c->kind != CELL_EMPTY) continue;
            if (c->chunk != last) {
                last = c->chunk;
                ix = rr_chunk_find_index(c->chunk, timeline);
            }
            if (!ix) continue;
            int64_t t = index_values(ix)[c->row];
            if (!rr_arrow_bit_get(valid, i) || t > vals[i]) {
                vals[i] = t;
                rr_arrow_bit_set(valid, i, true);
            }
        }
    }
    rr_status_t st = time_column(vals, valid, n, out, err);
    free(vals);
    free(valid);
    return st;
}

static rr_status_t build_batch(rr_df_handle_t *h, struct ArrowArray *out, rr_error_t *err) {
    int64_t n = (int64_t)h->n_times;
    RR_TRY(rr_arrow_array_init(out, 1, (int64_t)h->n_sel, false, err));
    out->length = n;
    out->null_count = 0;
    rr_status_t st = RR_OK;
    for (size_t i = 0; i < h->n_sel && st == RR_OK; i++) {
        const df_sel_t *s = &h->sel[i];
        struct ArrowArray col;
        memset(&col, 0, sizeof col);
        if (s->view < 0) {
            st = null_type_column(n, &col, err);
        } else if (s->col->kind == RR_DF_COLUMN_INDEX) {
            if (!h->index) {
                /* static rows have no time: null */
                int64_t *zeros = calloc((size_t)(n ? n : 1), sizeof *zeros);
                uint8_t *inval = calloc((size_t)rr_arrow_bitmap_bytes(n ? n : 1), 1);
                if (!zeros || !inval)
                    st = nomem(err);
                else
                    st = time_column(zeros, inval, n, &col, err);
                free(zeros);
                free(inval);
            } else if (strcmp(s->col->timeline.name, h->index) == 0) {
                st = time_column(h->times, NULL, n, &col, err);
            } else {
                st = other_time_column(h, s->col->timeline.name, &col, err);
            }
        } else {
            st = build_component(h, &h->vcols[s->view], &col, err);
        }
        if (st == RR_OK) rr_arrow_array_move(&col, out->children[i]);
    }
    if (st != RR_OK) rr_arrow_array_release(out);
    return st;
}

/* ---------------- paging ---------------- */

rr_status_t rr_df_next_batch(rr_df_handle_t *h, struct ArrowArray *out, bool *done,
                             rr_error_t *err) {
    memset(out, 0, sizeof *out);
    *done = false;
    if (h->exhausted) {
        *done = true;
        return RR_OK;
    }
    if (!h->index) {
        /* static only: one row of the static values */
        h->exhausted = true;
        h->n_times = 1;
        h->times[0] = RR_TIME_STATIC;
        for (size_t v = 0; v < h->n_vc; v++) {
            df_vcol_t *vc = &h->vcols[v];
            if (!vc->need_cells) continue;
            vc->cells[0].kind = (vc->selected && vc->has_static_row) ? CELL_STATIC : CELL_NULL;
        }
    } else if (h->has_sampled) {
        size_t left = h->n_sampled - h->sampled_pos;
        size_t n = left < (size_t)h->page_rows ? left : (size_t)h->page_rows;
        if (n == 0) {
            h->exhausted = true;
            *done = true;
            return RR_OK;
        }
        memcpy(h->times, h->sampled + h->sampled_pos, n * sizeof *h->times);
        h->n_times = n;
        h->sampled_pos += n;
        RR_TRY(gather_page(h, err));
    } else {
        if (h->pov == -2) {
            h->exhausted = true;
            *done = true;
            return RR_OK;
        }
        RR_TRY(collect_page(h, err));
        if (h->n_times == 0) {
            h->exhausted = true;
            *done = true;
            return RR_OK;
        }
        int64_t last = h->times[h->n_times - 1];
        if (h->n_times < (size_t)h->page_rows || last >= h->range_max)
            h->exhausted = true;
        else
            h->lo = last + 1;
        RR_TRY(gather_page(h, err));
    }
    RR_TRY(build_batch(h, out, err));
    h->rows_returned += (int64_t)h->n_times;
    return RR_OK;
}
