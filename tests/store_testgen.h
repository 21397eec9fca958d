/* Random recordings for the store's property tests (test_store.c,
 * test_dataframe.c), built once here: a "world" of entities, timelines and
 * component columns with their list types, a fixed-seed generator, and the
 * reference every test checks the store against (the logged rows, scanned
 * naively). Each test keeps its own distribution (which entity, static or
 * not, which timelines and columns: a tg_plan_t); this file makes the row
 * ids, times with ties, sorted or shuffled runs, null / empty / valued
 * cells, the chunk and the reference rows from it.
 *
 * Header-only (static inline): CMake builds each tests/test_*.c with
 * tests/testutil.c alone. */
#ifndef RR_TESTS_STORE_TESTGEN_H
#define RR_TESTS_STORE_TESTGEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "arrow/builder.h"
#include "arrow/schema.h"
#include "model/chunk.h"

#define TG_MAX_ENT 8
#define TG_MAX_TL 2
#define TG_MAX_COMP 4
#define TG_MAX_ROWS 16

/* A cell as logged: no column in the chunk, a null list, an empty list, or
 * a list of values (one value, or three for a fixed-size list). */
enum { TG_ABSENT = 0, TG_NUL = 1, TG_EMPTY = 2, TG_VALS = 3 };

typedef struct tg_row {
    int ent;
    bool is_static;
    bool has[TG_MAX_TL];
    int64_t time[TG_MAX_TL];
    rr_tuid_t rid;
    int state[TG_MAX_COMP];
    int64_t val[TG_MAX_COMP]; /* the Clear column: 1 recursive, 0 not */
} tg_row_t;

typedef struct tg_ref {
    tg_row_t *rows;
    size_t n, cap;
} tg_ref_t;

typedef struct tg_world {
    int n_ent, n_tl, n_comp;
    int clear; /* index of the Clear column, -1 when none */
    const char *const *tls;
    const char *const *comps;
    const char *const *archetypes;
    rr_entity_path_t path[TG_MAX_ENT];
    struct ArrowSchema type[TG_MAX_COMP]; /* list<child format> */
    uint64_t rng, next_inc, next_val;
} tg_world_t;

/* What one chunk holds; the test draws it, tg_chunk fills it. */
typedef struct tg_plan {
    int ent;
    bool is_static;
    int n; /* rows, 1..TG_MAX_ROWS */
    bool has_tl[TG_MAX_TL];
    bool has_comp[TG_MAX_COMP];
    bool static_cells_valued; /* static rows never hold null or empty cells */
    uint32_t rid_time_base, rid_time_spread; /* row id times: base + [0, spread) */
    uint32_t time_spread;                    /* times in [0, spread) */
    uint64_t chunk_id_time;
} tg_plan_t;

static inline uint32_t tg_rnd(tg_world_t *w, uint32_t n) {
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return (uint32_t)(w->rng % n);
}

/* child_formats: per component, the list's child type: "l" (int64), "+w:3"
 * (fixed-size list of 3 float32), "u" (utf8) or "b" (bool). */
static inline void tg_world_init(tg_world_t *w, uint64_t seed, int n_ent, const char *const *ents,
                                 int n_tl, const char *const *tls, int n_comp,
                                 const char *const *comps, const char *const *archetypes,
                                 const char *const *child_formats, int clear) {
    rr_error_t err = {0};
    memset(w, 0, sizeof *w);
    assert_true(n_ent <= TG_MAX_ENT && n_tl <= TG_MAX_TL && n_comp <= TG_MAX_COMP);
    w->n_ent = n_ent;
    w->n_tl = n_tl;
    w->n_comp = n_comp;
    w->clear = clear;
    w->tls = tls;
    w->comps = comps;
    w->archetypes = archetypes;
    w->rng = seed;
    w->next_inc = w->next_val = 1;
    for (int c = 0; c < n_comp; c++) {
        bool fsl = strncmp(child_formats[c], "+w:", 3) == 0;
        assert_rr_ok(rr_arrow_schema_init(&w->type[c], "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
        assert_rr_ok(rr_arrow_schema_init(w->type[c].children[0], child_formats[c], "item",
                                          ARROW_FLAG_NULLABLE, fsl ? 1 : 0, &err),
                     &err);
        if (fsl)
            assert_rr_ok(rr_arrow_schema_init(w->type[c].children[0]->children[0], "f", "item",
                                              ARROW_FLAG_NULLABLE, 0, &err),
                         &err);
    }
    for (int e = 0; e < n_ent; e++)
        assert_rr_ok(rr_entity_path_parse(ents[e], strlen(ents[e]), &w->path[e], &err), &err);
}

static inline void tg_world_free(tg_world_t *w) {
    for (int c = 0; c < w->n_comp; c++) rr_arrow_schema_release(&w->type[c]);
    for (int e = 0; e < w->n_ent; e++) rr_entity_path_free(&w->path[e]);
    memset(w, 0, sizeof *w);
}

static inline tg_row_t *tg_ref_push(tg_ref_t *r) {
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->rows = realloc(r->rows, r->cap * sizeof *r->rows);
        assert_non_null(r->rows);
    }
    tg_row_t *x = &r->rows[r->n++];
    memset(x, 0, sizeof *x);
    return x;
}

static inline void tg_ref_free(tg_ref_t *r) {
    free(r->rows);
    memset(r, 0, sizeof *r);
}

/* Appends one cell of column comp (state, value v) to the list builder b. */
static inline void tg_build_cell(const tg_world_t *w, rr_arrow_builder_t *b, int comp, int state,
                                 int64_t v) {
    rr_error_t err = {0};
    if (state == TG_NUL) {
        assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
        return;
    }
    rr_arrow_builder_t *ch = rr_arrow_builder_child(b, 0);
    if (state == TG_VALS) {
        const char *f = w->type[comp].children[0]->format;
        if (f[0] == 'l') {
            assert_rr_ok(rr_arrow_builder_append_int(ch, v, &err), &err);
        } else if (f[0] == '+') {
            rr_arrow_builder_t *g = rr_arrow_builder_child(ch, 0);
            for (int k = 0; k < 3; k++)
                assert_rr_ok(rr_arrow_builder_append_double(g, (double)(v + k), &err), &err);
            assert_rr_ok(rr_arrow_builder_finish_element(ch, &err), &err);
        } else if (f[0] == 'u') {
            char s[32];
            int n = snprintf(s, sizeof s, "v%lld", (long long)v);
            assert_rr_ok(rr_arrow_builder_append_str(ch, s, (size_t)n, &err), &err);
        } else {
            assert_rr_ok(rr_arrow_builder_append_bool(ch, v != 0, &err), &err);
        }
    }
    assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
}

/* The chunk of plan p with fresh row ids (times with ties, row ids out of
 * order), times shuffled or, half the time, sorted as a batcher makes them,
 * and cells null 20 %, empty 10 %, valued 70 % of the time; its rows are
 * appended to ref. */
static inline rr_chunk_t *tg_chunk(tg_world_t *w, const tg_plan_t *p, tg_ref_t *ref) {
    rr_error_t err = {0};
    int n = p->n;
    assert_true(n >= 1 && n <= TG_MAX_ROWS);
    rr_tuid_t rids[TG_MAX_ROWS];
    int64_t times[TG_MAX_TL][TG_MAX_ROWS];
    for (int i = 0; i < n; i++) {
        rids[i] = (rr_tuid_t){p->rid_time_base + tg_rnd(w, p->rid_time_spread), w->next_inc++};
        for (int k = 0; k < w->n_tl; k++) times[k][i] = (int64_t)tg_rnd(w, p->time_spread);
    }
    if (tg_rnd(w, 2))
        for (int k = 0; k < w->n_tl; k++)
            for (int i = 1; i < n; i++)
                for (int j = i; j > 0 && times[k][j - 1] > times[k][j]; j--) {
                    int64_t x = times[k][j];
                    times[k][j] = times[k][j - 1];
                    times[k][j - 1] = x;
                }
    rr_chunk_t *c = NULL;
    assert_rr_ok(rr_chunk_new((rr_tuid_t){p->chunk_id_time, w->next_inc++}, &w->path[p->ent], n,
                              rids, &c, &err),
                 &err);
    for (int k = 0; k < w->n_tl; k++)
        if (p->has_tl[k] && !p->is_static)
            assert_rr_ok(rr_chunk_add_index(c, w->tls[k], RR_TIME_SEQUENCE, times[k], &err), &err);
    size_t base = ref->n;
    for (int i = 0; i < n; i++) {
        tg_row_t *r = tg_ref_push(ref);
        r->ent = p->ent;
        r->is_static = p->is_static;
        for (int k = 0; k < w->n_tl; k++) {
            r->has[k] = p->has_tl[k] && !p->is_static;
            r->time[k] = times[k][i];
        }
        r->rid = rids[i];
    }
    for (int cc = 0; cc < w->n_comp; cc++) {
        if (!p->has_comp[cc]) continue;
        rr_arrow_builder_t *b = NULL;
        assert_rr_ok(rr_arrow_builder_new(&w->type[cc], &b, &err), &err);
        for (int i = 0; i < n; i++) {
            tg_row_t *r = &ref->rows[base + (size_t)i];
            uint32_t q = tg_rnd(w, 10);
            r->state[cc] = (p->is_static && p->static_cells_valued) ? TG_VALS
                           : q < 2                                   ? TG_NUL
                           : q < 3                                   ? TG_EMPTY
                                                                     : TG_VALS;
            r->val[cc] = cc == w->clear ? (int64_t)tg_rnd(w, 2) : (int64_t)w->next_val++;
            tg_build_cell(w, b, cc, r->state[cc], r->val[cc]);
        }
        struct ArrowArray a;
        assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
        rr_arrow_builder_free(b);
        rr_component_descriptor_t d;
        assert_rr_ok(rr_component_descriptor_init(&d, w->archetypes[cc], w->comps[cc], NULL, &err),
                     &err);
        assert_rr_ok(rr_chunk_add_component(c, &d, &w->type[cc], &a, &err), &err);
        rr_component_descriptor_free(&d);
    }
    return c;
}

#endif
