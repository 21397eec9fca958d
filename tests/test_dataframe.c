/* Dataframe query tests: every cell of every page checked against a naive
 * reference that scans all logged rows, on thousands of randomized
 * recordings (fixed seed: random entities, two timelines, times with ties,
 * row ids out of order, null and empty cells, static data, own and recursive
 * clears) and queries (contents filters, component lists, ranges, filtered
 * and sampled index values, a pov column, selections with unknown columns,
 * latest-at fill, static only, pages of 1..9 rows); column names and
 * metadata; and a recording written by the scalars_plot example. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/schema.h"
#include "store/dataframe.h"
#include "store/store.h"
#include "store_testgen.h"

#define N_ENT 3
#define N_COMP 3 /* x, y: list<int64>; clear: list<bool> */
#define C_CLEAR 2

static const char *ENT[N_ENT] = {"/a", "/a/b", "/c"};
static const char *COMP[N_COMP] = {"T:x", "T:y", RR_STORE_CLEAR_COMPONENT};
static const char *TL[2] = {"t", "u"};

typedef tg_row_t row_t;
typedef tg_ref_t ref_t;

static const char *ARCH[N_COMP] = {"T", "T", "rerun.archetypes.Clear"};
static const char *CHILD[N_COMP] = {"l", "l", "b"};
static tg_world_t W;

static uint32_t rnd(uint32_t n) { return tg_rnd(&W, n); }

static int setup(void **state) {
    (void)state;
    tg_world_init(&W, 0x2545F4914F6CDD1DULL, N_ENT, ENT, 2, TL, N_COMP, COMP, ARCH, CHILD, C_CLEAR);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tg_world_free(&W);
    return 0;
}

/* A random chunk; its rows also go into the reference. */
static rr_chunk_t *random_chunk(ref_t *ref) {
    tg_plan_t p = {0};
    p.ent = (int)rnd(N_ENT);
    bool is_clear = rnd(7) == 0;
    p.is_static = !is_clear && rnd(8) == 0;
    p.n = 1 + (int)rnd(rnd(4) == 0 ? 10 : 3);
    p.has_tl[0] = !p.is_static && rnd(8) != 0;
    p.has_tl[1] = !p.is_static && rnd(2) == 0;
    if (!p.is_static && !p.has_tl[0] && !p.has_tl[1]) p.has_tl[0] = true;
    p.has_comp[C_CLEAR] = is_clear;
    if (!is_clear) {
        p.has_comp[0] = rnd(3) != 0;
        p.has_comp[1] = rnd(2) == 0;
        if (!p.has_comp[0] && !p.has_comp[1]) p.has_comp[rnd(2)] = true;
    }
    /* static cells always hold values, so no static chunk is ever wholly
     * overwritten by empties */
    p.static_cells_valued = true;
    p.rid_time_base = 100;
    p.rid_time_spread = 50;
    p.time_spread = 20;
    p.chunk_id_time = 7;
    return tg_chunk(&W, &p, ref);
}

/* ---------------- the reference ---------------- */

static bool is_ancestor_or_self(int anc, int e) {
    return anc == e || (anc == 0 && e == 1); /* "/a" is the parent of "/a/b" */
}

static bool nonnull(const row_t *r, int c) { return r->state[c] == TG_EMPTY || r->state[c] == TG_VALS; }

/* (time, row id) order. */
static int idx_cmp(int64_t ta, rr_tuid_t ra, int64_t tb, rr_tuid_t rb) {
    if (ta != tb) return ta < tb ? -1 : 1;
    return rr_tuid_cmp(ra, rb);
}

static const row_t *ref_static(const ref_t *ref, int e, int c) {
    const row_t *best = NULL;
    for (size_t i = 0; i < ref->n; i++) {
        const row_t *r = &ref->rows[i];
        if (r->ent == e && r->is_static && nonnull(r, c) &&
            (!best || rr_tuid_cmp(r->rid, best->rid) > 0))
            best = r;
    }
    return best;
}

static const row_t *ref_latest_raw(const ref_t *ref, int e, int tl, int64_t t, int c) {
    const row_t *best = NULL;
    for (size_t i = 0; i < ref->n; i++) {
        const row_t *r = &ref->rows[i];
        if (r->ent != e || r->is_static || !r->has[tl] || r->time[tl] > t || !nonnull(r, c)) continue;
        if (!best || idx_cmp(r->time[tl], r->rid, best->time[tl], best->rid) > 0) best = r;
    }
    return best;
}

/* Latest-at with clears, as re_query. *is_static tells a static answer. */
static const row_t *ref_latest(const ref_t *ref, int e, int tl, int64_t t, int c, bool *is_static) {
    const row_t *s = ref_static(ref, e, c);
    *is_static = s != NULL;
    if (s) return s;
    const row_t *d = ref_latest_raw(ref, e, tl, t, c);
    if (!d) return NULL;
    for (int p = 0; p < N_ENT; p++) {
        if (!is_ancestor_or_self(p, e)) continue;
        const row_t *cl = ref_latest_raw(ref, p, tl, t, C_CLEAR);
        if (!cl) continue;
        bool applies = p == e || (cl->state[C_CLEAR] == TG_VALS && cl->val[C_CLEAR]);
        if (applies && idx_cmp(d->time[tl], d->rid, cl->time[tl], cl->rid) <= 0) return NULL;
    }
    return d;
}

/* Does this row clear entity e's columns at its time? */
static bool clear_row_applies(const row_t *r, int e) {
    if (r->is_static || !is_ancestor_or_self(r->ent, e) || !nonnull(r, C_CLEAR)) return false;
    return r->ent == e || (r->state[C_CLEAR] == TG_VALS && r->val[C_CLEAR]);
}

typedef struct vcol {
    int ent, comp;
    bool is_static, selected;
} vcol_t;

typedef struct cell {
    int kind; /* 0 null, 1 values, 2 empty */
    int64_t val;
    const row_t *src; /* for other timelines */
} cell_t;

typedef struct query_case {
    int tl;                 /* -1 static only */
    const char *filter;     /* NULL: all */
    int only_comp;          /* -1 all, else component index */
    bool has_range;
    int64_t rmin, rmax;
    int n_filtered;
    int64_t filtered[6];
    int n_sampled;
    int64_t sampled[6];
    bool fill;
    int pov;                /* -1 none, else view column index in the naive view */
    bool select;            /* a selection: u, pov-less column subset and unknown columns */
    int page;
} query_case_t;

static bool filter_has(const rr_entity_path_filter_t *f, int e) {
    return !f || rr_entity_path_filter_matches(f, &W.path[e]);
}

static bool column_nonempty(const ref_t *ref, int e, int c) {
    for (size_t i = 0; i < ref->n; i++)
        if (ref->rows[i].ent == e && ref->rows[i].state[c] == TG_VALS) return true;
    return false;
}

static bool column_static(const ref_t *ref, int e, int c) {
    for (size_t i = 0; i < ref->n; i++)
        if (ref->rows[i].ent == e && ref->rows[i].is_static && ref->rows[i].state[c] != TG_ABSENT)
            return true;
    return false;
}

static bool timeline_exists(const ref_t *ref, int k) {
    for (size_t i = 0; i < ref->n; i++)
        if (ref->rows[i].has[k]) return true;
    return false;
}

static int cmp64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static bool in_list(const int64_t *v, int n, int64_t t) {
    for (int i = 0; i < n; i++)
        if (v[i] == t) return true;
    return false;
}

/* The reference cell of a column at time t. */
static cell_t ref_cell(const ref_t *ref, const vcol_t *vc, int tl, int64_t t, bool fill) {
    cell_t out = {0, 0, NULL};
    const row_t *data = NULL, *clear = NULL;
    for (size_t i = 0; i < ref->n; i++) {
        const row_t *r = &ref->rows[i];
        if (!r->has[tl] || r->time[tl] != t) continue;
        if (!vc->is_static && r->ent == vc->ent && !r->is_static && nonnull(r, vc->comp) &&
            (!data || rr_tuid_cmp(r->rid, data->rid) > 0))
            data = r;
        if (clear_row_applies(r, vc->ent) && (!clear || rr_tuid_cmp(r->rid, clear->rid) > 0))
            clear = r;
    }
    if (data) out = (cell_t){data->state[vc->comp] == TG_VALS ? 1 : 2, data->val[vc->comp], data};
    if (clear && (!data || rr_tuid_cmp(clear->rid, data->rid) > 0)) out = (cell_t){2, 0, clear};
    if (vc->selected && vc->is_static) {
        const row_t *s = ref_static(ref, vc->ent, vc->comp);
        if (s) return (cell_t){s->state[vc->comp] == TG_VALS ? 1 : 2, s->val[vc->comp], NULL};
    }
    if (out.kind == 0 && fill) {
        bool st = false;
        const row_t *l = ref_latest(ref, vc->ent, tl, t, vc->comp, &st);
        if (l) out = (cell_t){l->state[vc->comp] == TG_VALS ? 1 : 2, l->val[vc->comp], st ? NULL : l};
    }
    return out;
}

/* ---------------- reading the output ---------------- */

static const struct ArrowArray *child_named(const struct ArrowSchema *s, const struct ArrowArray *a,
                                            const char *name) {
    for (int64_t i = 0; i < s->n_children; i++)
        if (strcmp(s->children[i]->name, name) == 0) return a->children[i];
    return NULL;
}

static cell_t out_cell(const struct ArrowArray *col, int64_t i) {
    cell_t c = {0, 0, NULL};
    if (!rr_arrow_array_is_valid(col, i)) return c;
    const int32_t *off = (const int32_t *)col->buffers[1] + col->offset;
    if (off[i + 1] == off[i]) return (cell_t){2, 0, NULL};
    assert_int_equal(off[i + 1] - off[i], 1);
    const struct ArrowArray *ch = col->children[0];
    return (cell_t){1, ((const int64_t *)ch->buffers[1])[ch->offset + off[i]], NULL};
}

/* ---------------- one query against the reference ---------------- */

static void run_case(const rr_store_t *s, const ref_t *ref, const query_case_t *qc, int iter) {
    rr_error_t err = {0};
    rr_entity_path_filter_t filter, *fp = NULL;
    if (qc->filter) {
        assert_rr_ok(rr_entity_path_filter_parse(qc->filter, strlen(qc->filter), NULL, true, &filter, &err), &err);
        fp = &filter;
    }
    /* the naive view */
    vcol_t view[N_ENT * 2];
    int nv = 0;
    for (int e = 0; e < N_ENT; e++)
        for (int c = 0; c < 2; c++) {
            if (!filter_has(fp, e) || (qc->only_comp >= 0 && qc->only_comp != c)) continue;
            if (!column_nonempty(ref, e, c)) continue;
            view[nv++] = (vcol_t){e, c, column_static(ref, e, c), !qc->select};
        }
    int tl = qc->tl;
    /* selection: u, every other view column, and two unknown columns */
    rr_df_selector_t sel[N_ENT * 2 + 3];
    char names[N_ENT * 2][64];
    int nsel = 0;
    if (qc->select) {
        sel[nsel++] = (rr_df_selector_t){"u", NULL, NULL};
        for (int v = 0; v < nv; v += 2) {
            snprintf(names[v], sizeof names[v], "%s", COMP[view[v].comp]);
            sel[nsel++] = (rr_df_selector_t){NULL, ENT[view[v].ent], names[v]};
            view[v].selected = true;
        }
        sel[nsel++] = (rr_df_selector_t){"nope", NULL, NULL};
        sel[nsel++] = (rr_df_selector_t){NULL, "/zz", "T:x"};
    }
    rr_df_selector_t pov = {0};
    bool use_pov = qc->pov >= 0 && qc->pov < nv && tl >= 0;
    if (use_pov) pov = (rr_df_selector_t){NULL, ENT[view[qc->pov].ent], COMP[view[qc->pov].comp]};

    /* expected rows */
    int64_t times[4096];
    int nt = 0;
    if (tl < 0) {
        nt = 1;
    } else if (qc->n_sampled) {
        for (int i = 0; i < qc->n_sampled; i++)
            if (!in_list(times, nt, qc->sampled[i])) times[nt++] = qc->sampled[i];
    } else {
        for (size_t i = 0; i < ref->n; i++) {
            const row_t *r = &ref->rows[i];
            if (r->is_static || !r->has[tl]) continue;
            int64_t t = r->time[tl];
            if (qc->has_range && (t < qc->rmin || t > qc->rmax)) continue;
            if (qc->n_filtered && !in_list(qc->filtered, qc->n_filtered, t)) continue;
            bool counts = false;
            for (int v = 0; v < nv && !counts; v++) {
                if (use_pov && v != qc->pov) continue;
                if (!view[v].is_static && r->ent == view[v].ent && nonnull(r, view[v].comp)) counts = true;
                if (clear_row_applies(r, view[v].ent)) counts = true;
            }
            if (counts && !in_list(times, nt, t)) times[nt++] = t;
        }
    }
    if (tl >= 0) qsort(times, (size_t)nt, sizeof *times, cmp64);

    rr_df_query_t q = {0};
    q.index = tl >= 0 ? TL[tl] : NULL;
    q.contents = fp;
    const char *only[1];
    if (qc->only_comp >= 0) {
        only[0] = COMP[qc->only_comp];
        q.components = only;
        q.n_components = 1;
    }
    q.has_range = qc->has_range;
    q.range = (rr_time_range_t){qc->rmin, qc->rmax};
    q.has_filtered_index_values = qc->n_filtered > 0;
    q.filtered_index_values = qc->filtered;
    q.n_filtered_index_values = (size_t)qc->n_filtered;
    q.has_using_index_values = qc->n_sampled > 0;
    q.using_index_values = qc->sampled;
    q.n_using_index_values = (size_t)qc->n_sampled;
    q.pov = use_pov ? &pov : NULL;
    q.fill_latest_at = qc->fill;
    q.has_selection = qc->select;
    q.selection = sel;
    q.n_selection = (size_t)nsel;
    q.page_rows = qc->page;
    rr_df_handle_t *h = NULL;
    assert_rr_ok(rr_df_query_open(s, &q, &h, &err), &err);

    /* columns */
    size_t ncol = rr_df_num_columns(h);
    bool has_u = timeline_exists(ref, 1), has_t = timeline_exists(ref, 0);
    if (!qc->select) {
        size_t want = (size_t)(has_t + has_u + nv);
        if (ncol != want) fail_msg("iter %d: %zu columns, expected %zu", iter, ncol, want);
        size_t k = 0;
        if (has_t) assert_string_equal(rr_df_column(h, k++)->name, "t");
        if (has_u) assert_string_equal(rr_df_column(h, k++)->name, "u");
        for (int v = 0; v < nv; v++) {
            char nm[64];
            snprintf(nm, sizeof nm, "%s:%s", ENT[view[v].ent], COMP[view[v].comp]);
            assert_string_equal(rr_df_column(h, k++)->name, nm);
        }
    } else {
        assert_int_equal(ncol, (size_t)nsel);
    }
    struct ArrowSchema schema;
    assert_rr_ok(rr_df_schema(h, &schema, &err), &err);

    int64_t row = 0;
    for (;;) {
        struct ArrowArray b;
        bool done = false;
        assert_rr_ok(rr_df_next_batch(h, &b, &done, &err), &err);
        if (done) break;
        assert_true(b.length >= 1 && b.length <= qc->page);
        assert_int_equal(b.n_children, (int64_t)ncol);
        for (int64_t i = 0; i < b.length; i++, row++) {
            if (row >= nt) fail_msg("iter %d: more rows than the %d expected", iter, nt);
            int64_t t = times[row];
            if (tl >= 0) {
                const struct ArrowArray *tc = child_named(&schema, &b, TL[tl]);
                if (tc && tc->n_buffers > 1) {
                    int64_t got = ((const int64_t *)tc->buffers[1])[tc->offset + i];
                    if (got != t) fail_msg("iter %d row %lld: index %lld, expected %lld", iter, (long long)row, (long long)got, (long long)t);
                }
            }
            cell_t cells[N_ENT * 2];
            for (int v = 0; v < nv; v++)
                cells[v] = tl >= 0 ? ref_cell(ref, &view[v], tl, t, qc->fill)
                                   : (view[v].selected && view[v].is_static
                                          ? (cell_t){1, ref_static(ref, view[v].ent, view[v].comp)->val[view[v].comp], NULL}
                                          : (cell_t){0, 0, NULL});
            /* component columns */
            for (int v = 0; v < nv; v++) {
                if (!view[v].selected) continue;
                char nm[64];
                snprintf(nm, sizeof nm, "%s:%s", ENT[view[v].ent], COMP[view[v].comp]);
                const struct ArrowArray *col = child_named(&schema, &b, nm);
                assert_non_null(col);
                cell_t got = out_cell(col, i);
                if (got.kind != cells[v].kind || (got.kind == 1 && got.val != cells[v].val))
                    fail_msg("iter %d tl %d page %d fill %d row %lld (t=%lld) column %s: got %d/%lld, "
                             "expected %d/%lld",
                             iter, tl, qc->page, qc->fill, (long long)row, (long long)t, nm, got.kind,
                             (long long)got.val, cells[v].kind, (long long)cells[v].val);
            }
            /* the other timeline: greatest among every view column's cells */
            int other = tl == 0 ? 1 : 0;
            const struct ArrowArray *oc = child_named(&schema, &b, TL[other]);
            if (tl >= 0 && oc && timeline_exists(ref, other)) {
                bool any = false;
                int64_t best = 0;
                for (int v = 0; v < nv; v++) {
                    const row_t *src = cells[v].src;
                    if (cells[v].kind == 0 || !src || !src->has[other]) continue;
                    if (!any || src->time[other] > best) best = src->time[other];
                    any = true;
                }
                bool valid = rr_arrow_array_is_valid(oc, i) && oc->null_count != oc->length;
                if (oc->null_count == 0) valid = true;
                if (valid != any) fail_msg("iter %d row %lld: %s valid %d, expected %d", iter, (long long)row, TL[other], valid, any);
                if (any) assert_int_equal(((const int64_t *)oc->buffers[1])[oc->offset + i], best);
            }
            if (tl < 0)
                for (int64_t k = 0; k < b.n_children; k++)
                    if (schema.children[k]->metadata &&
                        rr_arrow_metadata_find(schema.children[k]->metadata, RR_META_INDEX_NAME, &(rr_arrow_kv_t){0}))
                        assert_false(rr_arrow_array_is_valid(b.children[k], i) && b.children[k]->n_buffers > 1 &&
                                     b.children[k]->null_count == 0);
            if (qc->select) {
                /* unknown columns are all-null Null-typed columns */
                const struct ArrowArray *u1 = child_named(&schema, &b, "nope");
                const struct ArrowArray *u2 = child_named(&schema, &b, "/zz:T:x");
                assert_non_null(u1);
                assert_non_null(u2);
                assert_int_equal(u1->null_count, b.length);
                assert_int_equal(u2->null_count, b.length);
            }
        }
        rr_arrow_array_release(&b);
    }
    if (row != nt) fail_msg("iter %d: %lld rows, expected %d", iter, (long long)row, nt);
    assert_int_equal(rr_df_rows_returned(h), nt);
    rr_arrow_schema_release(&schema);
    rr_df_query_free(h);
    if (fp) rr_entity_path_filter_free(fp);
}

static void random_case(query_case_t *qc) {
    static const char *filters[] = {NULL, "+ /**", "+ /a/** - /a/b", "/a/b /c", "+ /a", "- /**"};
    memset(qc, 0, sizeof *qc);
    qc->tl = rnd(10) == 0 ? -1 : (int)rnd(2);
    qc->filter = filters[rnd(6)];
    qc->only_comp = rnd(4) == 0 ? (int)rnd(2) : -1;
    qc->has_range = rnd(3) == 0;
    qc->rmin = (int64_t)rnd(10);
    qc->rmax = qc->rmin + (int64_t)rnd(12);
    if (rnd(5) == 0) {
        qc->n_filtered = 1 + (int)rnd(5);
        for (int i = 0; i < qc->n_filtered; i++) qc->filtered[i] = (int64_t)rnd(22);
    } else if (rnd(5) == 0) {
        qc->n_sampled = 1 + (int)rnd(5);
        for (int i = 0; i < qc->n_sampled; i++) qc->sampled[i] = (int64_t)rnd(25) - 2;
    }
    qc->fill = rnd(2) == 0;
    qc->pov = rnd(6) == 0 ? (int)rnd(4) : -1;
    qc->select = rnd(5) == 0;
    qc->page = 1 + (int)rnd(9);
}

static void run_random(const rr_store_config_t *cfg, int recordings, int queries) {
    for (int it = 0; it < recordings; it++) {
        ref_t ref = {0};
        rr_error_t err = {0};
        rr_store_id_t id;
        assert_rr_ok(rr_store_id_init(&id, RR_STORE_KIND_RECORDING, "app", "rec", &err), &err);
        rr_store_t *s = NULL;
        assert_rr_ok(rr_store_new(&id, cfg, &s, &err), &err);
        rr_store_id_free(&id);
        int n_chunks = 1 + (int)rnd(25);
        for (int k = 0; k < n_chunks; k++) assert_rr_ok(rr_store_insert_chunk(s, random_chunk(&ref), &err), &err);
        for (int k = 0; k < queries; k++) {
            query_case_t qc;
            random_case(&qc);
            run_case(s, &ref, &qc, it);
        }
        rr_store_free(s);
        tg_ref_free(&ref);
    }
}

static void test_random_default(void **state) {
    (void)state;
    run_random(NULL, 1500, 4);
}

static void test_random_no_compaction(void **state) {
    (void)state;
    rr_store_config_t cfg;
    rr_store_config_default(&cfg);
    cfg.chunk_max_bytes = cfg.chunk_max_rows = cfg.chunk_max_rows_if_unsorted = 0;
    run_random(&cfg, 800, 4);
}

/* ---------------- fixed checks ---------------- */

static rr_store_t *scalar_store(int n_ent, int64_t rows, int64_t chunk_rows) {
    rr_error_t err = {0};
    rr_store_id_t id;
    assert_rr_ok(rr_store_id_init(&id, RR_STORE_KIND_RECORDING, "app", "rec", &err), &err);
    rr_store_t *s = NULL;
    assert_rr_ok(rr_store_new(&id, NULL, &s, &err), &err);
    rr_store_id_free(&id);
    struct ArrowSchema t;
    assert_rr_ok(rr_arrow_schema_init(&t, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(t.children[0], "g", "item", ARROW_FLAG_NULLABLE, 0, &err), &err);
    for (int e = 0; e < n_ent; e++) {
        char name[32];
        snprintf(name, sizeof name, "/scalar/%d", e);
        rr_entity_path_t p;
        assert_rr_ok(rr_entity_path_parse(name, strlen(name), &p, &err), &err);
        for (int64_t r0 = 0; r0 < rows; r0 += chunk_rows) {
            int64_t n = rows - r0 < chunk_rows ? rows - r0 : chunk_rows;
            rr_chunk_t *c = NULL;
            assert_rr_ok(rr_chunk_new(rr_tuid_new(), &p, n, NULL, &c, &err), &err);
            int64_t *times = malloc((size_t)n * sizeof *times);
            for (int64_t i = 0; i < n; i++) times[i] = r0 + i;
            assert_rr_ok(rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, times, &err), &err);
            free(times);
            rr_arrow_builder_t *b = NULL;
            assert_rr_ok(rr_arrow_builder_new(&t, &b, &err), &err);
            for (int64_t i = 0; i < n; i++) {
                assert_rr_ok(rr_arrow_builder_append_double(rr_arrow_builder_child(b, 0), (double)(r0 + i) + e * 0.5, &err), &err);
                assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
            }
            struct ArrowArray a;
            assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
            rr_arrow_builder_free(b);
            rr_component_descriptor_t d;
            assert_rr_ok(rr_component_descriptor_init(&d, "rerun.archetypes.Scalars", "Scalars:scalars",
                                                      "rerun.components.Scalar", &err),
                         &err);
            assert_rr_ok(rr_chunk_add_component(c, &d, &t, &a, &err), &err);
            rr_component_descriptor_free(&d);
            assert_rr_ok(rr_store_insert_chunk(s, c, &err), &err);
        }
        rr_entity_path_free(&p);
    }
    rr_arrow_schema_release(&t);
    return s;
}

static const char *meta(const struct ArrowSchema *f, const char *key, char *buf, size_t cap) {
    rr_arrow_kv_t kv;
    if (!rr_arrow_metadata_find(f->metadata, key, &kv)) return NULL;
    snprintf(buf, cap, "%.*s", kv.value_len, kv.value);
    return buf;
}

/* Names, types and metadata as re_sorbet writes them; pages of a large,
 * dense table; ranges. */
static void test_scalars_columns_and_pages(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_store_t *s = scalar_store(3, 10000, 1000);
    rr_df_query_t q = {0};
    q.index = "frame";
    q.page_rows = 4096;
    rr_df_handle_t *h = NULL;
    assert_rr_ok(rr_df_query_open(s, &q, &h, &err), &err);
    assert_int_equal(rr_df_num_columns(h), 4);
    struct ArrowSchema sc;
    assert_rr_ok(rr_df_schema(h, &sc, &err), &err);
    assert_string_equal(sc.format, "+s");
    assert_string_equal(sc.children[0]->name, "frame");
    assert_string_equal(sc.children[0]->format, "l");
    assert_string_equal(sc.children[1]->name, "/scalar/0:Scalars:scalars");
    assert_string_equal(sc.children[3]->name, "/scalar/2:Scalars:scalars");
    assert_string_equal(sc.children[1]->format, "+l");
    assert_string_equal(sc.children[1]->children[0]->name, "item");
    assert_string_equal(sc.children[1]->children[0]->format, "g");
    char buf[128];
    assert_string_equal(meta(sc.children[0], "rerun:kind", buf, sizeof buf), "index");
    assert_string_equal(meta(sc.children[0], "rerun:index_name", buf, sizeof buf), "frame");
    assert_string_equal(meta(sc.children[1], "rerun:kind", buf, sizeof buf), "data");
    assert_string_equal(meta(sc.children[1], "rerun:entity_path", buf, sizeof buf), "/scalar/0");
    assert_string_equal(meta(sc.children[1], "rerun:component", buf, sizeof buf), "Scalars:scalars");
    assert_string_equal(meta(sc.children[1], "rerun:archetype", buf, sizeof buf), "rerun.archetypes.Scalars");
    assert_string_equal(meta(sc.children[1], "rerun:component_type", buf, sizeof buf), "rerun.components.Scalar");
    assert_null(meta(sc.children[1], "rerun:is_static", buf, sizeof buf));
    int64_t total = 0, pages = 0;
    for (;;) {
        struct ArrowArray b;
        bool done;
        assert_rr_ok(rr_df_next_batch(h, &b, &done, &err), &err);
        if (done) break;
        pages++;
        const int64_t *fr = (const int64_t *)b.children[0]->buffers[1];
        for (int64_t i = 0; i < b.length; i++) {
            assert_int_equal(fr[i], total + i);
            for (int e = 0; e < 3; e++) {
                const struct ArrowArray *col = b.children[1 + e];
                const double *v = (const double *)col->children[0]->buffers[1];
                const int32_t *off = (const int32_t *)col->buffers[1];
                assert_int_equal(off[i + 1] - off[i], 1);
                assert_true(v[col->children[0]->offset + off[i]] == (double)(total + i) + e * 0.5);
            }
        }
        total += b.length;
        rr_arrow_array_release(&b);
    }
    assert_int_equal(total, 10000);
    assert_int_equal(pages, 3);
    rr_arrow_schema_release(&sc);
    rr_df_query_free(h);

    /* a range and a contents filter */
    rr_entity_path_filter_t f;
    assert_rr_ok(rr_entity_path_filter_parse("+ /scalar/** - /scalar/1", 24, NULL, true, &f, &err), &err);
    q.contents = &f;
    q.has_range = true;
    q.range = (rr_time_range_t){995, 1004};
    assert_rr_ok(rr_df_query_open(s, &q, &h, &err), &err);
    assert_int_equal(rr_df_num_columns(h), 3);
    assert_string_equal(rr_df_column(h, 2)->name, "/scalar/2:Scalars:scalars");
    struct ArrowArray b;
    bool done;
    assert_rr_ok(rr_df_next_batch(h, &b, &done, &err), &err);
    assert_false(done);
    assert_int_equal(b.length, 10);
    assert_int_equal(((const int64_t *)b.children[0]->buffers[1])[0], 995);
    rr_arrow_array_release(&b);
    assert_rr_ok(rr_df_next_batch(h, &b, &done, &err), &err);
    assert_true(done);
    rr_df_query_free(h);
    rr_entity_path_filter_free(&f);
    rr_store_free(s);
}

static void test_selector_parse(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_df_selector_t sel;
    char *st;
    assert_rr_ok(rr_df_selector_parse("frame", &sel, &st, &err), &err);
    assert_string_equal(sel.timeline, "frame");
    free(st);
    assert_rr_ok(rr_df_selector_parse("/world/points:Points3D:positions", &sel, &st, &err), &err);
    assert_null(sel.timeline);
    assert_string_equal(sel.entity, "/world/points");
    assert_string_equal(sel.component, "Points3D:positions");
    free(st);
    assert_rr_ok(rr_df_selector_parse("/a\\:b:C:c", &sel, &st, &err), &err);
    assert_string_equal(sel.entity, "/a\\:b");
    assert_string_equal(sel.component, "C:c");
    free(st);
    assert_int_equal(rr_df_selector_parse("/a:", &sel, &st, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_df_selector_parse("", &sel, &st, &err), RR_ERR_INVALID_ARG);
}

/* scalars_plot: sin and cos on "step", static styles. */
static void test_example_recording(void **state) {
    (void)state;
    const char *bd = getenv("RR_BUILD_DIR");
    if (!bd) {
        print_message("RR_BUILD_DIR not set: skipping\n");
        skip();
    }
    char cmd[1024], path[512];
    snprintf(path, sizeof path, "%s/test_dataframe_scalars.rrd", bd);
    snprintf(cmd, sizeof cmd, "%s/examples/scalars_plot --save %s --recording-id df-test", bd, path);
    if (system(cmd) != 0) {
        print_message("cannot run %s: skipping\n", cmd);
        skip();
    }
    rr_error_t err = {0};
    rr_store_set_t *set = NULL;
    assert_rr_ok(rr_store_set_new(NULL, &set, &err), &err);
    assert_rr_ok(rr_store_set_load_rrd_file(set, path, &err), &err);
    rr_store_t *s = rr_store_set_get(set, 0);
    rr_df_query_t q = {0};
    q.index = "step";
    q.page_rows = 500;
    rr_df_handle_t *h = NULL;
    assert_rr_ok(rr_df_query_open(s, &q, &h, &err), &err);
    int sin_col = -1, cos_col = -1, color_col = -1, step_col = -1;
    for (size_t i = 0; i < rr_df_num_columns(h); i++) {
        const char *n = rr_df_column(h, i)->name;
        if (!strcmp(n, "/trig/sin:Scalars:scalars")) sin_col = (int)i;
        if (!strcmp(n, "/trig/cos:Scalars:scalars")) cos_col = (int)i;
        if (!strcmp(n, "/trig/sin:SeriesLines:colors")) color_col = (int)i;
        if (!strcmp(n, "step")) step_col = (int)i;
    }
    assert_true(sin_col >= 0 && cos_col >= 0 && color_col >= 0 && step_col >= 0);
    assert_true(rr_df_column(h, (size_t)color_col)->is_static);
    int64_t total = 0;
    for (;;) {
        struct ArrowArray b;
        bool done;
        assert_rr_ok(rr_df_next_batch(h, &b, &done, &err), &err);
        if (done) break;
        const int64_t *step = (const int64_t *)b.children[step_col]->buffers[1];
        const struct ArrowArray *sc = b.children[sin_col];
        const struct ArrowArray *cc = b.children[color_col];
        for (int64_t i = 0; i < b.length; i++) {
            int64_t t = step[b.children[step_col]->offset + i];
            assert_int_equal(t, total + i);
            const int32_t *off = (const int32_t *)sc->buffers[1] + sc->offset;
            double v = ((const double *)sc->children[0]->buffers[1])[sc->children[0]->offset + off[i]];
            assert_true(v > -1.0000001 && v < 1.0000001);
            /* the static colour on every row */
            assert_true(rr_arrow_array_is_valid(cc, i));
        }
        total += b.length;
        rr_arrow_array_release(&b);
    }
    assert_int_equal(total, 1256); /* t < 2 tau * 100 */
    rr_df_query_free(h);

    /* static only: one row with the styles */
    q.index = NULL;
    assert_rr_ok(rr_df_query_open(s, &q, &h, &err), &err);
    struct ArrowArray b;
    bool done;
    assert_rr_ok(rr_df_next_batch(h, &b, &done, &err), &err);
    assert_int_equal(b.length, 1);
    rr_arrow_array_release(&b);
    assert_rr_ok(rr_df_next_batch(h, &b, &done, &err), &err);
    assert_true(done);
    rr_df_query_free(h);
    rr_store_set_free(set);
    remove(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_default),
        cmocka_unit_test(test_random_no_compaction),
        cmocka_unit_test(test_scalars_columns_and_pages),
        cmocka_unit_test(test_selector_parse),
        cmocka_unit_test(test_example_recording),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
