/* Chunk store tests: latest-at (raw and with clears) and range checked
 * against a naive reference that scans every row on thousands of randomized
 * recordings (fixed seed; random entities, timelines, times with ties, row ids
 * out of order, static writes, clears, null and empty cells, compaction on,
 * off and with tiny thresholds); events; GC under a memory limit; a
 * recording written by an example loads through the .rrd decoder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/compare.h"
#include "arrow/schema.h"
#include "store/store.h"
#include "store_testgen.h"

/* ---------------- random recordings and the reference ---------------- */

#define N_ENT 4
#define N_TL 2
#define N_COMP 4 /* x: list<i64>, p: list<fsl<3,f32>>, s: list<utf8>, clear: list<bool> */
#define C_CLEAR 3

static const char *ENT[N_ENT] = {"/a", "/a/b", "/a/b/c", "/d"};
static const char *TL[N_TL] = {"frame", "time"};
static const char *COMP[N_COMP] = {"T:x", "T:p", "T:s", RR_STORE_CLEAR_COMPONENT};
static const char *ARCH[N_COMP] = {"T", "T", "T", "T"};
static const char *CHILD[N_COMP] = {"l", "+w:3", "u", "b"};

typedef tg_row_t ref_row_t;
typedef tg_ref_t ref_t;

static tg_world_t W;
static bool world_ready;

static uint32_t rnd(uint32_t n) { return tg_rnd(&W, n); }

static void setup_types(void) {
    if (world_ready) return;
    tg_world_init(&W, 0x9E3779B97F4A7C15ULL, N_ENT, ENT, N_TL, TL, N_COMP, COMP, ARCH, CHILD, C_CLEAR);
    world_ready = true;
}

static void teardown_types(void) {
    if (world_ready) tg_world_free(&W);
    world_ready = false;
}

/* A random chunk; its rows go into the reference too. */
static rr_chunk_t *random_chunk(ref_t *ref, bool allow_strings) {
    tg_plan_t p = {0};
    p.ent = (int)rnd(N_ENT);
    p.is_static = rnd(10) == 0;
    p.n = 1 + (int)rnd(rnd(4) == 0 ? 12 : 4);
    p.has_tl[0] = !p.is_static;
    p.has_tl[1] = !p.is_static && rnd(2) == 0;
    int ncomp = 0;
    for (int c = 0; c < N_COMP; c++) {
        p.has_comp[c] = rnd(100) < (c == 2 ? (allow_strings ? 20 : 0) : c == C_CLEAR ? 15 : 60);
        ncomp += p.has_comp[c];
    }
    if (!ncomp) p.has_comp[0] = true;
    p.rid_time_base = 1000;
    p.rid_time_spread = 40;
    p.time_spread = 30;
    p.chunk_id_time = 5;
    return tg_chunk(&W, &p, ref);
}

/* (time, row id) ordering with static above all, as the store and re_query do. */
static int idx_cmp(int64_t ta, rr_tuid_t ra, int64_t tb, rr_tuid_t rb) {
    bool sa = ta == RR_TIME_STATIC, sb = tb == RR_TIME_STATIC;
    if (sa != sb) return sa ? 1 : -1;
    if (!sa && ta != tb) return ta < tb ? -1 : 1;
    return rr_tuid_cmp(ra, rb);
}

static const ref_row_t *ref_static(const ref_t *ref, int ent, int comp) {
    const ref_row_t *best = NULL;
    for (size_t i = 0; i < ref->n; i++) {
        const ref_row_t *r = &ref->rows[i];
        if (r->ent != ent || !r->is_static || r->state[comp] == TG_ABSENT || r->state[comp] == TG_NUL)
            continue;
        if (!best || rr_tuid_cmp(r->rid, best->rid) > 0) best = r;
    }
    return best;
}

/* Raw latest-at: returns the row and its index time. */
static const ref_row_t *ref_latest(const ref_t *ref, int ent, int tl, int64_t t, int comp,
                                   int64_t *time) {
    const ref_row_t *st = ref_static(ref, ent, comp);
    if (st) {
        *time = RR_TIME_STATIC;
        return st;
    }
    const ref_row_t *best = NULL;
    for (size_t i = 0; i < ref->n; i++) {
        const ref_row_t *r = &ref->rows[i];
        if (r->ent != ent || r->is_static || !r->has[tl] || r->time[tl] > t) continue;
        if (r->state[comp] == TG_ABSENT || r->state[comp] == TG_NUL) continue;
        if (!best || idx_cmp(r->time[tl], r->rid, best->time[tl], best->rid) > 0) best = r;
    }
    if (best) *time = best->time[tl];
    return best;
}

static int ent_of_depth(int ent, int depth) {
    /* "/a/b/c" -> depth 0 "/" (not an entity here), 1 "/a", 2 "/a/b". */
    static const int parts[N_ENT] = {1, 2, 3, 1};
    if (depth == parts[ent]) return ent;
    if (ent == 3) return -1; /* "/d" has only the root above it */
    return depth == 1 ? 0 : depth == 2 ? 1 : -1;
}

static const ref_row_t *ref_query(const ref_t *ref, int ent, int tl, int64_t t, int comp,
                                  int64_t *time) {
    static const int parts[N_ENT] = {1, 2, 3, 1};
    bool any = false;
    int64_t ct = 0;
    rr_tuid_t crid = {0, 0};
    for (int depth = parts[ent]; depth >= 0; depth--) {
        int e = ent_of_depth(ent, depth);
        if (e < 0) continue;
        int64_t tt;
        const ref_row_t *c = ref_latest(ref, e, tl, t, C_CLEAR, &tt);
        if (!c) continue;
        bool rec = c->state[C_CLEAR] == TG_VALS && c->val[C_CLEAR] == 1;
        if (e != ent && !rec) continue;
        if (!any || idx_cmp(tt, c->rid, ct, crid) > 0) {
            ct = tt;
            crid = c->rid;
            any = true;
        }
    }
    const ref_row_t *r = ref_latest(ref, ent, tl, t, comp, time);
    if (r && any && comp != C_CLEAR && idx_cmp(*time, r->rid, ct, crid) <= 0) return NULL;
    return r;
}

static int ref_row_cmp_tl;
static int ref_sort(const void *a, const void *b) {
    const ref_row_t *x = *(const ref_row_t *const *)a, *y = *(const ref_row_t *const *)b;
    return idx_cmp(x->time[ref_row_cmp_tl], x->rid, y->time[ref_row_cmp_tl], y->rid);
}

/* Checks the cell a store row points at holds what the reference says. */
static void check_cell(const rr_store_row_t *r, const ref_row_t *want, int comp) {
    int64_t start, len;
    rr_store_row_values_range(r, &start, &len);
    if (want->state[comp] == TG_EMPTY) {
        assert_int_equal(len, 0);
        return;
    }
    assert_int_equal(len, 1);
    const struct ArrowArray *ch = rr_store_row_component(r)->array.children[0];
    if (comp == 0) {
        assert_int_equal(((const int64_t *)ch->buffers[1])[ch->offset + start], want->val[comp]);
    } else if (comp == 1) {
        const struct ArrowArray *g = ch->children[0];
        const float *f = (const float *)g->buffers[1] + g->offset + (ch->offset + start) * 3;
        assert_true(f[0] == (float)want->val[comp] && f[2] == (float)(want->val[comp] + 2));
    }
}

static int64_t n_checks;

static void check_store(const rr_store_t *s, const ref_t *ref) {
    rr_error_t err = {0};
    rr_store_rows_t rows;
    rr_store_rows_init(&rows);
    const ref_row_t **want = malloc((ref->n + 1) * sizeof *want);
    for (int e = 0; e < N_ENT; e++) {
        for (int tl = 0; tl < N_TL; tl++) {
            for (int64_t t = -1; t <= 31; t += 1 + (int64_t)rnd(4)) {
                rr_store_row_t out[N_COMP];
                bool found[N_COMP];
                rr_store_query_latest_at(s, &W.path[e], TL[tl], t, COMP, N_COMP, out, found);
                for (int c = 0; c < N_COMP; c++) {
                    int64_t wt;
                    rr_store_row_t r;
                    const ref_row_t *w = ref_latest(ref, e, tl, t, c, &wt);
                    bool got = rr_store_latest_at(s, &W.path[e], TL[tl], t, COMP[c], &r);
                    n_checks++;
                    if ((w != NULL) != got)
                        fail_msg("latest-at %s %s@%lld %s: store %d reference %d", ENT[e], TL[tl],
                                 (long long)t, COMP[c], got, w != NULL);
                    if (w) {
                        if (rr_tuid_cmp(r.row_id, w->rid) != 0 || r.time != wt)
                            fail_msg("latest-at %s %s@%lld %s: row %llu@%lld, reference %llu@%lld",
                                     ENT[e], TL[tl], (long long)t, COMP[c],
                                     (unsigned long long)r.row_id.inc, (long long)r.time,
                                     (unsigned long long)w->rid.inc, (long long)wt);
                        check_cell(&r, w, c);
                    }
                    const ref_row_t *q = ref_query(ref, e, tl, t, c, &wt);
                    if ((q != NULL) != found[c])
                        fail_msg("query latest-at (clears) %s %s@%lld %s: store %d reference %d",
                                 ENT[e], TL[tl], (long long)t, COMP[c], found[c], q != NULL);
                    if (q) assert_true(rr_tuid_cmp(out[c].row_id, q->rid) == 0);
                }
            }
            for (int rep = 0; rep < 3; rep++) {
                int64_t a = (int64_t)rnd(34) - 2, b = a + (int64_t)rnd(15);
                if (rep == 2) {
                    a = INT64_MIN;
                    b = INT64_MAX;
                }
                for (int c = 0; c < N_COMP; c++) {
                    rr_store_rows_clear(&rows);
                    assert_rr_ok(rr_store_range(s, &W.path[e], TL[tl], (rr_time_range_t){a, b},
                                                COMP[c], &rows, &err),
                                 &err);
                    n_checks++;
                    size_t nw = 0;
                    const ref_row_t *st = ref_static(ref, e, c);
                    if (st) {
                        want[nw++] = st;
                    } else {
                        for (size_t i = 0; i < ref->n; i++) {
                            const ref_row_t *r = &ref->rows[i];
                            if (r->ent != e || r->is_static || !r->has[tl]) continue;
                            if (r->state[c] == TG_ABSENT || r->state[c] == TG_NUL) continue;
                            if (r->time[tl] < a || r->time[tl] > b) continue;
                            want[nw++] = r;
                        }
                        ref_row_cmp_tl = tl;
                        qsort(want, nw, sizeof *want, ref_sort);
                    }
                    if (rows.n != nw)
                        fail_msg("range %s %s [%lld,%lld] %s: %zu rows, reference %zu", ENT[e],
                                 TL[tl], (long long)a, (long long)b, COMP[c], rows.n, nw);
                    for (size_t i = 0; i < nw; i++) {
                        assert_true(rr_tuid_cmp(rows.rows[i].row_id, want[i]->rid) == 0);
                        assert_int_equal(rows.rows[i].time, st ? RR_TIME_STATIC : want[i]->time[tl]);
                        check_cell(&rows.rows[i], want[i], c);
                    }
                }
            }
        }
    }
    free(want);
    rr_store_rows_free(&rows);
}

/* Gives c's rows to rr_store_append_rows instead of inserting c (the
 * columns are lent, then c is freed). */
static void append_chunk(rr_store_t *s, rr_chunk_t *c) {
    rr_error_t err = {0};
    rr_tuid_t *rids = malloc((size_t)(c->num_rows + 1) * sizeof *rids);
    rr_store_time_column_t tc[4];
    rr_store_component_column_t cc[8];
    assert_non_null(rids);
    assert_true(c->n_indexes <= 4 && c->n_components <= 8);
    for (int64_t i = 0; i < c->num_rows; i++) rids[i] = rr_chunk_row_id(c, i);
    /* reversed, so the store has to put the columns in order itself */
    for (int64_t k = 0; k < c->n_indexes; k++) {
        const rr_chunk_index_t *ix = &c->indexes[c->n_indexes - 1 - k];
        tc[k] = (rr_store_time_column_t){ix->timeline.name, ix->timeline.type,
                                         (const int64_t *)ix->array.buffers[1] + ix->array.offset};
    }
    for (int64_t j = 0; j < c->n_components; j++) {
        const rr_chunk_component_t *x = &c->components[c->n_components - 1 - j];
        cc[j] = (rr_store_component_column_t){&x->descr, &x->type, &x->array};
    }
    assert_rr_ok(rr_store_append_rows(s, &c->entity_path, c->num_rows, rids, tc, (size_t)c->n_indexes,
                                      cc, (size_t)c->n_components, &err), &err);
    free(rids);
    rr_chunk_free(c);
}

static bool use_append; /* run_property appends rows instead of inserting chunks */
static bool use_pack;   /* run_property inserts packed copies where columns allow */
static int64_t n_packed;

static void run_property(const rr_store_config_t *cfg, int recordings, bool strings) {
    setup_types();
    rr_error_t err = {0};
    uint64_t compactions = 0;
    for (int rec = 0; rec < recordings; rec++) {
        rr_store_t *s = NULL;
        assert_rr_ok(rr_store_new(NULL, cfg, &s, &err), &err);
        ref_t ref = {0};
        int n_chunks = 1 + (int)rnd(rnd(3) == 0 ? 60 : 12);
        for (int i = 0; i < n_chunks; i++) {
            rr_chunk_t *c = random_chunk(&ref, strings);
            if (use_pack && rr_chunk_can_pack(c)) {
                rr_chunk_t *p = NULL;
                assert_rr_ok(rr_chunk_pack(c, &p, &err), &err);
                rr_chunk_free(c);
                c = p;
                n_packed++;
            }
            if (use_append)
                append_chunk(s, c);
            else
                assert_rr_ok(rr_store_insert_chunk(s, c, &err), &err);
            if (rnd(8) == 0) check_store(s, &ref);
        }
        check_store(s, &ref);
        rr_store_stats_t st;
        rr_store_get_stats(s, &st);
        compactions += st.num_compactions;
        tg_ref_free(&ref);
        rr_store_free(s);
    }
    bool compaction = !cfg || cfg->chunk_max_rows || cfg->chunk_max_bytes;
    print_message("%d recordings, %llu compactions\n", recordings, (unsigned long long)compactions);
    if (compaction)
        assert_true(compactions > 0);
    else
        assert_int_equal(compactions, 0);
}

static void test_property_default(void **state) {
    (void)state;
    run_property(NULL, 400, true);
}

static void test_property_no_compaction(void **state) {
    (void)state;
    rr_store_config_t cfg;
    rr_store_config_default(&cfg);
    cfg.chunk_max_bytes = cfg.chunk_max_rows = cfg.chunk_max_rows_if_unsorted = 0;
    run_property(&cfg, 300, true);
}

static void test_property_tiny_thresholds(void **state) {
    (void)state;
    rr_store_config_t cfg;
    rr_store_config_default(&cfg);
    cfg.chunk_max_rows = 24;
    cfg.chunk_max_rows_if_unsorted = 10;
    run_property(&cfg, 300, false);
    run_property(NULL, 200, false);
    /* strings, bools and structs compact by concatenation */
    run_property(&cfg, 300, true);
    print_message("%lld query checks against the reference\n", (long long)n_checks);
}

/* The same recordings through rr_store_append_rows: the in-place path for
 * fixed-width rows, the chunk path for the rest, with the same answers. */
static void test_property_append_rows(void **state) {
    (void)state;
    rr_store_config_t cfg;
    rr_store_config_default(&cfg);
    cfg.chunk_max_rows = 24;
    cfg.chunk_max_rows_if_unsorted = 10;
    use_append = true;
    run_property(&cfg, 300, false);
    run_property(NULL, 200, true);
    cfg.chunk_max_bytes = cfg.chunk_max_rows = cfg.chunk_max_rows_if_unsorted = 0;
    run_property(&cfg, 100, true);
    use_append = false;
}

/* Packed chunks (they carry a column key the store finds compaction targets
 * by): the same answers, with targets filling and moving often (tiny
 * thresholds) and with Rerun's. */
static void test_property_packed(void **state) {
    (void)state;
    rr_store_config_t cfg;
    rr_store_config_default(&cfg);
    cfg.chunk_max_rows = 24;
    cfg.chunk_max_rows_if_unsorted = 10;
    use_pack = true;
    n_packed = 0;
    run_property(&cfg, 300, false);
    run_property(NULL, 200, true);
    use_pack = false;
    print_message("%lld chunks inserted packed\n", (long long)n_packed);
    assert_true(n_packed > 1000);
}

/* ---------------- scalar chunks (events, GC) ---------------- */

static rr_chunk_t *scalar_chunk(const char *path, int64_t t0, int64_t n, bool is_static) {
    rr_error_t err = {0};
    rr_entity_path_t p;
    assert_rr_ok(rr_entity_path_parse(path, strlen(path), &p, &err), &err);
    rr_chunk_t *c = NULL;
    assert_rr_ok(rr_chunk_new(rr_tuid_new(), &p, n, NULL, &c, &err), &err);
    rr_entity_path_free(&p);
    int64_t *t = malloc((size_t)n * sizeof *t);
    for (int64_t i = 0; i < n; i++) t[i] = t0 + i;
    if (!is_static) assert_rr_ok(rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, t, &err), &err);
    rr_arrow_builder_t *b = NULL;
    setup_types();
    assert_rr_ok(rr_arrow_builder_new(&W.type[0], &b, &err), &err);
    for (int64_t i = 0; i < n; i++) tg_build_cell(&W, b, 0, TG_VALS, t0 + i);
    struct ArrowArray a;
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    rr_arrow_builder_free(b);
    rr_component_descriptor_t d;
    assert_rr_ok(rr_component_descriptor_init(&d, "T", "T:x", NULL, &err), &err);
    assert_rr_ok(rr_chunk_add_component(c, &d, &W.type[0], &a, &err), &err);
    rr_component_descriptor_free(&d);
    free(t);
    return c;
}

typedef struct ev_log {
    int added, compacted, removed;
    size_t last_from;
} ev_log_t;

static void on_event(void *ctx, const rr_store_event_t *ev) {
    ev_log_t *l = ctx;
    if (ev->kind == RR_STORE_EVENT_ADDED) l->added++;
    if (ev->kind == RR_STORE_EVENT_COMPACTED) {
        l->compacted++;
        l->last_from = ev->n_compacted_from;
        assert_true(rr_tuid_cmp(ev->chunk_id, ev->chunk->id) == 0);
    }
    if (ev->kind == RR_STORE_EVENT_REMOVED) l->removed++;
}

/* Strings and bools compact as fixed-width columns do: ten 1-row chunks
 * become one chunk (concatenated), and every row reads back. */
static void test_compact_var_width(void **state) {
    (void)state;
    setup_types();
    rr_error_t err = {0};
    rr_store_t *s = NULL;
    assert_rr_ok(rr_store_new(NULL, NULL, &s, &err), &err);
    ev_log_t log = {0};
    rr_store_subscribe(s, on_event, &log);
    rr_entity_path_t p;
    assert_rr_ok(rr_entity_path_parse("/s", 2, &p, &err), &err);
    rr_component_descriptor_t d[2];
    assert_rr_ok(rr_component_descriptor_init(&d[0], "T", "T:s", NULL, &err), &err);
    assert_rr_ok(rr_component_descriptor_init(&d[1], "T", "T:b", NULL, &err), &err);
    for (int64_t t = 0; t < 10; t++) {
        rr_chunk_t *c = NULL;
        assert_rr_ok(rr_chunk_new(rr_tuid_new(), &p, 1, NULL, &c, &err), &err);
        assert_rr_ok(rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, &t, &err), &err);
        for (int k = 0; k < 2; k++) {
            int comp = k == 0 ? 2 : 3;
            rr_arrow_builder_t *b = NULL;
            assert_rr_ok(rr_arrow_builder_new(&W.type[comp], &b, &err), &err);
            tg_build_cell(&W, b, comp, t == 4 ? TG_NUL : TG_VALS, t % 3 == 0 ? 0 : t + 1);
            struct ArrowArray a;
            assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
            rr_arrow_builder_free(b);
            assert_rr_ok(rr_chunk_add_component(c, &d[k], &W.type[comp], &a, &err), &err);
        }
        assert_rr_ok(rr_store_insert_chunk(s, c, &err), &err);
    }
    assert_int_equal(rr_store_num_chunks(s), 1);
    assert_int_equal(log.added, 1);
    assert_int_equal(log.compacted, 9);
    assert_int_equal(rr_chunk_num_rows(rr_store_chunk_at(s, 0)), 10);
    for (int64_t t = 0; t < 10; t++) {
        rr_store_row_t r;
        assert_true(rr_store_latest_at(s, &p, "frame", t, "T:s", &r));
        /* row 4 is null: latest-at there finds row 3 */
        int64_t want = t == 4 ? 3 : t;
        assert_int_equal(r.time, want);
        const struct ArrowArray *l = &rr_store_row_component(&r)->array;
        int64_t start, len;
        rr_store_row_values_range(&r, &start, &len);
        assert_int_equal(len, 1);
        const struct ArrowArray *ch = l->children[0];
        const int32_t *off = (const int32_t *)ch->buffers[1] + ch->offset;
        char expect[32];
        int n = snprintf(expect, sizeof expect, "v%lld", (long long)(want % 3 == 0 ? 0 : want + 1));
        assert_int_equal(off[start + 1] - off[start], n);
        assert_memory_equal((const char *)ch->buffers[2] + off[start], expect, (size_t)n);
        assert_true(rr_store_latest_at(s, &p, "frame", t, "T:b", &r));
        rr_store_row_values_range(&r, &start, &len);
        ch = rr_store_row_component(&r)->array.children[0];
        assert_int_equal(rr_arrow_bit_get(ch->buffers[1], ch->offset + start), want % 3 != 0);
    }
    rr_component_descriptor_free(&d[0]);
    rr_component_descriptor_free(&d[1]);
    rr_entity_path_free(&p);
    rr_store_free(s);
}

/* Rows appended without a chunk: the first call makes a chunk (ADDED), the
 * next ones grow it in place (COMPACTED, with a new chunk id each time), and
 * the rows read back; a static append and a bad list take the chunk path
 * and its checks. */
static void test_append_events(void **state) {
    (void)state;
    setup_types();
    rr_error_t err = {0};
    rr_store_t *s = NULL;
    assert_rr_ok(rr_store_new(NULL, NULL, &s, &err), &err);
    ev_log_t log = {0};
    rr_store_subscribe(s, on_event, &log);
    rr_entity_path_t p;
    assert_rr_ok(rr_entity_path_parse("/x", 2, &p, &err), &err);
    rr_component_descriptor_t d;
    assert_rr_ok(rr_component_descriptor_init(&d, "T", "T:x", NULL, &err), &err);
    rr_tuid_t prev_id = {0, 0};
    for (int64_t t = 0; t < 5; t++) {
        rr_arrow_builder_t *b = NULL;
        assert_rr_ok(rr_arrow_builder_new(&W.type[0], &b, &err), &err);
        tg_build_cell(&W, b, 0, TG_VALS, 100 + t);
        struct ArrowArray a;
        assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
        rr_arrow_builder_free(b);
        rr_store_time_column_t tc = {"frame", RR_TIME_SEQUENCE, &t};
        rr_store_component_column_t cc = {&d, &W.type[0], &a};
        assert_rr_ok(rr_store_append_rows(s, &p, 1, NULL, &tc, 1, &cc, 1, &err), &err);
        rr_arrow_array_release(&a); /* lent only */
        assert_int_equal(rr_store_num_chunks(s), 1);
        rr_tuid_t id = rr_store_chunk_at(s, 0)->id;
        assert_true(rr_tuid_cmp(id, prev_id) != 0);
        assert_non_null(rr_store_find_chunk(s, id));
        prev_id = id;
    }
    assert_int_equal(log.added, 1);
    assert_int_equal(log.compacted, 4);
    assert_int_equal(log.last_from, 2);
    rr_store_rows_t rows;
    rr_store_rows_init(&rows);
    assert_rr_ok(rr_store_range(s, &p, "frame", (rr_time_range_t){0, 10}, "T:x", &rows, &err), &err);
    assert_int_equal(rows.n, 5);
    for (size_t i = 0; i < rows.n; i++) {
        int64_t start, len;
        rr_store_row_values_range(&rows.rows[i], &start, &len);
        const struct ArrowArray *ch = rr_store_row_component(&rows.rows[i])->array.children[0];
        assert_int_equal(len, 1);
        assert_int_equal(((const int64_t *)ch->buffers[1])[ch->offset + start], 100 + (int64_t)i);
    }
    rr_store_rows_free(&rows);
    /* Many targets growing at once (more than the store keeps unfiled):
     * every chunk is found by its current id, and by no id it had before. */
    rr_tuid_t old_ids[12 * 3];
    size_t n_old = 0;
    for (int round = 0; round < 3; round++) {
        for (int e = 0; e < 12; e++) {
            char name[16];
            int len = snprintf(name, sizeof name, "/y/%d", e);
            rr_entity_path_t q;
            assert_rr_ok(rr_entity_path_parse(name, (size_t)len, &q, &err), &err);
            rr_arrow_builder_t *bb = NULL;
            assert_rr_ok(rr_arrow_builder_new(&W.type[0], &bb, &err), &err);
            tg_build_cell(&W, bb, 0, TG_VALS, round);
            struct ArrowArray aa;
            assert_rr_ok(rr_arrow_builder_finish(bb, &aa, &err), &err);
            rr_arrow_builder_free(bb);
            int64_t tt = round;
            rr_store_time_column_t tcc = {"frame", RR_TIME_SEQUENCE, &tt};
            rr_store_component_column_t ccc = {&d, &W.type[0], &aa};
            assert_rr_ok(rr_store_append_rows(s, &q, 1, NULL, &tcc, 1, &ccc, 1, &err), &err);
            rr_arrow_array_release(&aa);
            rr_store_row_t r;
            assert_true(rr_store_latest_at(s, &q, "frame", 100, "T:x", &r));
            old_ids[n_old++] = r.chunk->id;
            rr_entity_path_free(&q);
        }
    }
    for (size_t i = 0; i < rr_store_num_chunks(s); i++) {
        const rr_chunk_t *c = rr_store_chunk_at(s, i);
        assert_ptr_equal(rr_store_find_chunk(s, c->id), c);
    }
    size_t gone = 0;
    for (size_t i = 0; i < n_old; i++) {
        const rr_chunk_t *c = rr_store_find_chunk(s, old_ids[i]);
        if (!c) gone++;
        else assert_true(rr_tuid_cmp(c->id, old_ids[i]) == 0);
    }
    assert_int_equal(gone, 24); /* the ids of rounds 0 and 1 */
    assert_int_equal(rr_store_num_chunks(s), 13);
    /* An id that no longer exists may come back on a new chunk (the stale
     * entry it was filed under does not hide it). */
    rr_chunk_t *again = scalar_chunk("/z", 0, 2, false);
    again->id = old_ids[n_old - 1 - 12]; /* round 1's id of /y/11 */
    assert_null(rr_store_find_chunk(s, again->id));
    rr_tuid_t again_id = again->id;
    assert_rr_ok(rr_store_insert_chunk(s, again, &err), &err);
    assert_int_equal(rr_store_num_chunks(s), 14);
    const rr_chunk_t *found = rr_store_find_chunk(s, again_id);
    assert_non_null(found);
    assert_string_equal(found->entity_path.str, "/z");
    /* a list whose length is not the row count: refused, nothing added */
    rr_arrow_builder_t *b = NULL;
    assert_rr_ok(rr_arrow_builder_new(&W.type[0], &b, &err), &err);
    tg_build_cell(&W, b, 0, TG_VALS, 1);
    tg_build_cell(&W, b, 0, TG_VALS, 2);
    struct ArrowArray a;
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    rr_arrow_builder_free(b);
    int64_t t = 7;
    rr_store_time_column_t tc = {"frame", RR_TIME_SEQUENCE, &t};
    rr_store_component_column_t cc = {&d, &W.type[0], &a};
    assert_int_equal(rr_store_append_rows(s, &p, 1, NULL, &tc, 1, &cc, 1, &err), RR_ERR_INVALID_DATA);
    /* static rows: the chunk path */
    assert_rr_ok(rr_store_append_rows(s, &p, 2, NULL, NULL, 0, &cc, 1, &err), &err);
    assert_true(rr_store_entity_component_is_static(s, &p, "T:x"));
    rr_arrow_array_release(&a);
    rr_component_descriptor_free(&d);
    rr_entity_path_free(&p);
    rr_store_free(s);
}

/* Appenders against rr_store_append_rows: the same random row streams (1 to
 * 3 rows, times out of order now and then, nulls) over four entities, one
 * appender each kept across calls while targets fill and turn over, with a
 * GC now and then; both stores answer every range the same. */
static void test_appenders(void **state) {
    (void)state;
    setup_types();
    rr_error_t err = {0};
    rr_store_config_t cfg;
    rr_store_config_default(&cfg);
    cfg.chunk_max_rows = 24;
    cfg.chunk_max_rows_if_unsorted = 10;
    rr_store_t *sa = NULL, *sb = NULL;
    assert_rr_ok(rr_store_new(NULL, &cfg, &sa, &err), &err);
    assert_rr_ok(rr_store_new(NULL, &cfg, &sb, &err), &err);
    rr_component_descriptor_t d[2];
    assert_rr_ok(rr_component_descriptor_init(&d[0], "T", "T:x", NULL, &err), &err);
    assert_rr_ok(rr_component_descriptor_init(&d[1], "T", "T:p", NULL, &err), &err);
    rr_store_appender_t *app[N_ENT];
    for (int e = 0; e < N_ENT; e++) {
        /* given in reverse of the chunk's order: the appender sorts them */
        rr_store_time_column_t tc[2] = {{"time", RR_TIME_SEQUENCE, NULL}, {"frame", RR_TIME_SEQUENCE, NULL}};
        rr_store_component_column_t cc[2] = {{&d[1], &W.type[1], NULL}, {&d[0], &W.type[0], NULL}};
        assert_rr_ok(rr_store_appender_new(sb, &W.path[e], tc, 2, cc, 2, &app[e], &err), &err);
    }
    for (int call = 0; call < 3000; call++) {
        int e = (int)rnd(N_ENT);
        int64_t n = 1 + (int64_t)rnd(3);
        rr_tuid_t rids[3];
        int64_t tf[3], tt[3];
        for (int64_t i = 0; i < n; i++) {
            rids[i] = rr_tuid_new();
            tf[i] = call + (rnd(8) == 0 ? -(int64_t)rnd(50) : 0);
            tt[i] = (int64_t)rnd(1000);
        }
        struct ArrowArray a[2];
        for (int c = 0; c < 2; c++) {
            rr_arrow_builder_t *b = NULL;
            assert_rr_ok(rr_arrow_builder_new(&W.type[c], &b, &err), &err);
            for (int64_t i = 0; i < n; i++)
                tg_build_cell(&W, b, c, rnd(6) == 0 ? TG_NUL : TG_VALS, call * 10 + i);
            assert_rr_ok(rr_arrow_builder_finish(b, &a[c], &err), &err);
            rr_arrow_builder_free(b);
        }
        rr_store_time_column_t tc[2] = {{"frame", RR_TIME_SEQUENCE, tf}, {"time", RR_TIME_SEQUENCE, tt}};
        rr_store_component_column_t cc[2] = {{&d[0], &W.type[0], &a[0]}, {&d[1], &W.type[1], &a[1]}};
        assert_rr_ok(rr_store_append_rows(sa, &W.path[e], n, rids, tc, 2, cc, 2, &err), &err);
        const int64_t *times[2] = {tt, tf};
        const struct ArrowArray *lists[2] = {&a[1], &a[0]};
        assert_rr_ok(rr_store_appender_append(app[e], n, rids, times, lists, &err), &err);
        rr_arrow_array_release(&a[0]);
        rr_arrow_array_release(&a[1]);
        if (call % 700 == 699) {
            rr_store_gc_options_t o = {0};
            o.drop_at_least_fraction = 0.3;
            assert_rr_ok(rr_store_gc(sa, &o, NULL, &err), &err);
            assert_rr_ok(rr_store_gc(sb, &o, NULL, &err), &err);
        }
    }
    rr_store_stats_t st_a, st_b;
    rr_store_get_stats(sa, &st_a);
    rr_store_get_stats(sb, &st_b);
    assert_int_equal(st_a.num_rows, st_b.num_rows);
    assert_true(st_b.num_compactions > 1000);
    rr_store_rows_t ra, rb;
    rr_store_rows_init(&ra);
    rr_store_rows_init(&rb);
    for (int e = 0; e < N_ENT; e++)
        for (int tl = 0; tl < 2; tl++)
            for (int c = 0; c < 2; c++) {
                rr_store_rows_clear(&ra);
                rr_store_rows_clear(&rb);
                rr_time_range_t all = {RR_TIME_MIN, RR_TIME_MAX};
                assert_rr_ok(rr_store_range(sa, &W.path[e], TL[tl], all, COMP[c], &ra, &err), &err);
                assert_rr_ok(rr_store_range(sb, &W.path[e], TL[tl], all, COMP[c], &rb, &err), &err);
                assert_int_equal(ra.n, rb.n);
                for (size_t i = 0; i < ra.n; i++) {
                    assert_int_equal(ra.rows[i].time, rb.rows[i].time);
                    assert_true(rr_tuid_cmp(ra.rows[i].row_id, rb.rows[i].row_id) == 0);
                }
            }
    rr_store_rows_free(&ra);
    rr_store_rows_free(&rb);
    for (int e = 0; e < N_ENT; e++) rr_store_appender_free(app[e]);
    rr_component_descriptor_free(&d[0]);
    rr_component_descriptor_free(&d[1]);
    rr_store_free(sa);
    rr_store_free(sb);
}

static void test_events(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_store_t *s = NULL;
    assert_rr_ok(rr_store_new(NULL, NULL, &s, &err), &err);
    ev_log_t log = {0};
    uint32_t h = rr_store_subscribe(s, on_event, &log);
    assert_true(h > 0);
    assert_rr_ok(rr_store_insert_chunk(s, scalar_chunk("/x", 0, 3, false), &err), &err);
    assert_rr_ok(rr_store_insert_chunk(s, scalar_chunk("/x", 3, 3, false), &err), &err);
    assert_int_equal(log.added, 1);
    assert_int_equal(log.compacted, 1);
    assert_int_equal(log.last_from, 2);
    assert_int_equal(rr_store_num_chunks(s), 1);
    /* A duplicate id is ignored. */
    rr_chunk_t *c = scalar_chunk("/x", 100, 2, false);
    rr_tuid_t id = c->id;
    assert_rr_ok(rr_store_insert_chunk(s, c, &err), &err);
    /* compaction turned it into the merged chunk: its id is gone, a new one exists */
    assert_null(rr_store_find_chunk(s, id));
    assert_int_equal(log.compacted, 2);
    /* Static overwrite drops the older static chunk. */
    assert_rr_ok(rr_store_insert_chunk(s, scalar_chunk("/y", 0, 1, true), &err), &err);
    assert_rr_ok(rr_store_insert_chunk(s, scalar_chunk("/y", 5, 1, true), &err), &err);
    assert_int_equal(log.added, 3);
    assert_int_equal(log.removed, 1);
    rr_store_row_t r;
    assert_true(rr_store_latest_at(s, &(rr_entity_path_t){0}, "frame", 0, "T:x", &r) == false);
    /* GC of everything temporal with nothing protected. */
    rr_store_gc_options_t o = {.drop_at_least_fraction = 1.0, .protect_latest = 0};
    rr_store_gc_report_t rep;
    assert_rr_ok(rr_store_gc(s, &o, &rep, &err), &err);
    assert_int_equal(rep.chunks_dropped, 1);
    assert_int_equal(rep.rows_dropped, 8);
    assert_true(rep.bytes_dropped > 0);
    assert_int_equal(log.removed, 2);
    assert_int_equal(rr_store_num_chunks(s), 1); /* the static one */
    rr_store_unsubscribe(s, h);
    assert_rr_ok(rr_store_insert_chunk(s, scalar_chunk("/x", 0, 3, false), &err), &err);
    assert_int_equal(log.added, 3);
    rr_store_free(s);
}

static void test_gc_limit(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_store_config_t cfg;
    rr_store_config_default(&cfg);
    const uint64_t limit = 4u << 20;
    cfg.gc_limit_bytes = limit;
    rr_store_t *s = NULL;
    assert_rr_ok(rr_store_new(NULL, &cfg, &s, &err), &err);
    assert_rr_ok(rr_store_insert_chunk(s, scalar_chunk("/static", 7, 1, true), &err), &err);
    /* Four times the limit in 100-row chunks over two entities. */
    uint64_t fed = 0;
    int64_t t = 0;
    uint64_t peak = 0;
    while (fed < 4 * limit) {
        rr_chunk_t *c = scalar_chunk(t % 200 < 100 ? "/a" : "/b", t, 100, false);
        fed += (uint64_t)rr_chunk_byte_size(c);
        assert_rr_ok(rr_store_insert_chunk(s, c, &err), &err);
        uint64_t m = rr_store_memory_bytes(s);
        if (m > peak) peak = m;
        assert_true(m <= limit);
        t += 100;
    }
    rr_store_stats_t st;
    rr_store_get_stats(s, &st);
    assert_true(st.gc_chunks_dropped > 0);
    assert_true(st.total_bytes <= limit);
    print_message("fed %llu bytes, peak %llu, limit %llu, %llu chunks dropped in %llu GCs\n",
                  (unsigned long long)fed, (unsigned long long)peak, (unsigned long long)limit,
                  (unsigned long long)st.gc_chunks_dropped, (unsigned long long)st.gc_runs);
    rr_entity_path_t p;
    assert_rr_ok(rr_entity_path_parse("/static", 7, &p, &err), &err);
    rr_store_row_t r;
    assert_true(rr_store_latest_at(s, &p, "frame", 0, "T:x", &r));
    assert_true(rr_store_row_is_static(&r));
    rr_entity_path_free(&p);
    /* The newest frame of each entity answers. */
    assert_rr_ok(rr_entity_path_parse("/b", 2, &p, &err), &err);
    assert_true(rr_store_latest_at(s, &p, "frame", t, "T:x", &r));
    assert_int_equal(r.time, t - 1);
    rr_time_range_t tr;
    assert_true(rr_store_time_range(s, &p, "frame", &tr));
    assert_int_equal(tr.max, t - 1);
    assert_true(tr.min > 0); /* the oldest went */
    rr_entity_path_free(&p);
    rr_store_free(s);
}

/* ---------------- a recording written by an example ---------------- */

static void test_example_recording(void **state) {
    (void)state;
    const char *bd = getenv("RR_BUILD_DIR");
    if (!bd) {
        print_message("RR_BUILD_DIR not set: skipping\n");
        skip();
    }
    char cmd[1024], path[512];
    snprintf(path, sizeof path, "%s/test_store_points3d.rrd", bd);
    snprintf(cmd, sizeof cmd, "%s/examples/points3d --save %s --recording-id store-test", bd, path);
    if (system(cmd) != 0) {
        print_message("cannot run %s: skipping\n", cmd);
        skip();
    }
    rr_error_t err = {0};
    rr_store_set_t *set = NULL;
    assert_rr_ok(rr_store_set_new(NULL, &set, &err), &err);
    assert_rr_ok(rr_store_set_load_rrd_file(set, path, &err), &err);
    /* Loading the same file again merges into the same store (duplicates ignored). */
    assert_rr_ok(rr_store_set_load_rrd_file(set, path, &err), &err);
    assert_int_equal(rr_store_set_count(set), 1);
    rr_store_t *s = rr_store_set_get(set, 0);
    assert_string_equal(rr_store_store_id(s)->recording_id, "store-test");
    rr_entity_path_t p;
    assert_rr_ok(rr_entity_path_parse("/drifting", 9, &p, &err), &err);
    assert_true(rr_store_has_entity(s, &p));
    rr_store_row_t r;
    assert_true(rr_store_latest_at(s, &p, "frame", 1000, "Points3D:positions", &r));
    assert_int_equal(r.time, 29);
    assert_int_equal(rr_store_row_num_instances(&r), 10);
    assert_true(rr_store_latest_at(s, &p, "frame", 12, "Points3D:labels", &r));
    assert_int_equal(r.time, 12);
    struct ArrowArray cell;
    assert_rr_ok(rr_store_row_cell(&r, &cell, &err), &err);
    assert_int_equal(cell.length, 1);
    rr_arrow_array_release(&cell);
    assert_false(rr_store_latest_at(s, &p, "frame", -1, "Points3D:positions", &r));
    assert_int_equal(rr_store_row_cell(&r, &cell, &err), RR_ERR_INVALID_ARG);
    rr_store_rows_t rows;
    rr_store_rows_init(&rows);
    assert_rr_ok(rr_store_range(s, &p, "frame", (rr_time_range_t){0, 29}, "Points3D:positions",
                                &rows, &err),
                 &err);
    assert_int_equal(rows.n, 30);
    for (size_t i = 0; i < rows.n; i++) assert_int_equal(rows.rows[i].time, (int64_t)i);
    rr_store_rows_free(&rows);
    rr_time_range_t tr;
    assert_true(rr_store_time_range(s, NULL, "frame", &tr));
    assert_int_equal(tr.min, 0);
    assert_int_equal(tr.max, 29);
    /* The same bytes through the copying decoder path (push + next) give
     * the same store as the in-place file path (read_fd + next_ref). */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = malloc((size_t)len);
    assert_int_equal(fread(bytes, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    rr_store_set_t *set2 = NULL;
    assert_rr_ok(rr_store_set_new(NULL, &set2, &err), &err);
    assert_rr_ok(rr_store_set_load_rrd_bytes(set2, bytes, (size_t)len, &err), &err);
    free(bytes);
    rr_store_t *s2 = rr_store_set_get(set2, 0);
    rr_store_stats_t a, b;
    rr_store_get_stats(s, &a);
    rr_store_get_stats(s2, &b);
    assert_int_equal(a.num_rows, b.num_rows);
    assert_int_equal(a.num_chunks, b.num_chunks);
    assert_int_equal(rr_store_num_entities(s), rr_store_num_entities(s2));
    for (int64_t t = 0; t < 30; t++) {
        rr_store_row_t r1, r2;
        assert_true(rr_store_latest_at(s, &p, "frame", t, "Points3D:positions", &r1));
        assert_true(rr_store_latest_at(s2, &p, "frame", t, "Points3D:positions", &r2));
        assert_true(rr_tuid_cmp(r1.row_id, r2.row_id) == 0);
        struct ArrowArray c1, c2;
        assert_rr_ok(rr_store_row_cell(&r1, &c1, &err), &err);
        assert_rr_ok(rr_store_row_cell(&r2, &c2, &err), &err);
        assert_true(rr_arrow_array_equal(&rr_store_row_component(&r1)->type, &c1,
                                         &rr_store_row_component(&r2)->type, &c2, NULL));
        rr_arrow_array_release(&c1);
        rr_arrow_array_release(&c2);
    }
    rr_store_set_free(set2);
    rr_entity_path_free(&p);
    rr_store_set_free(set);
    remove(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_property_default),
        cmocka_unit_test(test_property_no_compaction),
        cmocka_unit_test(test_property_tiny_thresholds),
        cmocka_unit_test(test_property_append_rows),
        cmocka_unit_test(test_property_packed),
        cmocka_unit_test(test_compact_var_width),
        cmocka_unit_test(test_append_events),
        cmocka_unit_test(test_appenders),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_gc_limit),
        cmocka_unit_test(test_example_recording),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    teardown_types();
    return rc;
}
