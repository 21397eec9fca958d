/* The chunk store: chunks per recording, indexed per (entity, timeline,
 * component) by time range, with Rerun 0.33's latest-at, range, static,
 * clear, compaction and GC semantics (see store.h for the rules).
 *
 * Layout: an entity holds its components; a component holds its static
 * winner (chunk, row, row id) and, per timeline, an index: the chunks that
 * carry the component on that timeline sorted by their start time, with a
 * running maximum of their end times. Latest-at walks that index backwards
 * from the last chunk starting at or before t and stops as soon as the
 * running maximum falls below the best time found, so with chunks that do
 * not overlap it looks at one or two chunks. Inside a chunk rows are found by
 * binary search over the chunk's (time, row id) order: the physical order
 * when it is already sorted, else a permutation kept beside the chunk. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrow/kernels.h"
#include "arrow/schema.h"
#include "rrd/decoder.h"
#include "rrd/frames.h"
#include "store/store_internal.h"

/* ---------------- types ---------------- */

typedef struct entity entity_t;
typedef struct ecomp ecomp_t;

typedef struct schunk {
    rr_chunk_t *c;
    store_grow_t *grow; /* when compaction appends to this chunk in place */
    uint64_t bytes;     /* Arrow bytes accounted for it */
    uint64_t meta_bytes;
    rr_tuid_t min_row_id;
    int32_t **order; /* per index column: rows in (time, row id) order; NULL when physical */
    size_t slot;     /* position in store->chunks */
    entity_t *ent;
    uint64_t used;        /* Arrow bytes its columns use (compaction thresholds) */
    /* While it grows in place: its columns' store components and its index
     * columns' store timelines, so re-indexing after an append looks up
     * nothing by name. */
    ecomp_t **ecs;
    int32_t *tlx;
    rr_tuid_t filed_id; /* the id it is filed under in the id table */
    bool stale;         /* its id changed since (it is in store->stale) */
    uint32_t static_wins; /* static: cells it is the winner of */
    bool is_static, dead, protect;
} schunk_t;

/* The pointers a lookup needs are copied in, so a query touches the entry
 * and the chunk's buffers, not the chain of structs in between. */
typedef struct ix_entry {
    int64_t min, max;
    schunk_t *sc;
    const int64_t *times;       /* the index column's values (offset applied) */
    const int32_t *order;       /* (time, row id) order, NULL when physical */
    const uint8_t *row_ids;     /* 16 bytes per row (offset applied) */
    const struct ArrowArray *list;
    int32_t col, k;
} ix_entry_t;

typedef struct tindex {
    ix_entry_t *e;
    int64_t *pmax; /* pmax[i] = max of e[0..i].max */
    size_t n, cap;
} tindex_t;

struct ecomp {
    rr_component_descriptor_t descr;
    struct ArrowSchema type;
    bool has_static;
    schunk_t *st_sc;
    int64_t st_row;
    int32_t st_col;
    rr_tuid_t st_rid;
    tindex_t *tl; /* indexed by store timeline number */
    size_t n_tl;
};

typedef struct open_slot {
    schunk_t *sc;
    /* A target of these columns filled up before: rows of them stream in,
     * so the next target's buffers start at the row threshold instead of
     * growing to it by doubling (half the copies and page faults). */
    bool streaming;
} open_slot_t;

struct entity {
    rr_entity_path_t path;
    ecomp_t **comps; /* by descriptor */
    size_t n_comps, cap_comps;
    open_slot_t *open;
    size_t n_open, cap_open;
};

typedef struct id_entry {
    rr_tuid_t id;
    schunk_t *sc; /* NULL: free slot */
} id_entry_t;

/* Where the last chunk with a given column key (rr_chunk_column_key) went:
 * its entity and open compaction target, while no open target changed
 * since (gen == store->open_gen). A stream of small packed chunks then
 * finds both with one hash and one memcmp instead of comparing the entity
 * path and every column name. */
typedef struct key_hit {
    entity_t *e; /* NULL: empty */
    size_t slot; /* in e->open */
    uint64_t gen, hash;
    uint8_t *key;
    size_t len, cap;
} key_hit_t;
#define KEY_HITS 16

typedef struct sub {
    uint32_t handle;
    rr_store_event_fn fn;
    void *ctx;
} sub_t;

struct rr_store {
    rr_store_id_t id;
    rr_store_config_t cfg;
    uint64_t gc_limit;
    entity_t **ents; /* sorted by path */
    size_t n_ents, cap_ents;
    entity_t **etab; /* open addressing by path hash */
    size_t ecap;
    rr_timeline_t *tls;
    size_t n_tls, cap_tls;
    schunk_t **chunks;
    size_t n_chunks, cap_chunks;
    id_entry_t *idtab; /* open addressing by chunk id, backward-shift deletion */
    size_t idcap, idcount;
    /* Chunks growing in place get a new id per append; they stay filed
     * under an older one until this short list fills (see id_find). */
    schunk_t *stale[8];
    size_t n_stale;
    uint64_t open_gen; /* changes whenever an open compaction target does (appenders) */
    key_hit_t hits[KEY_HITS]; /* by key hash */
    sub_t *subs;
    size_t n_subs;
    uint32_t next_handle;
    uint64_t next_event;
    bool has_clears;
    uint64_t arrow_bytes, index_bytes;
    rr_store_stats_t st; /* counters; the sizes are filled on demand */
    rr_store_chunk_decoder_t *ingest; /* small ArrowMsgs' schema cache (ingest.c) */
};

/* ---------------- small helpers ---------------- */

static rr_status_t nomem(rr_error_t *err, const char *what) {
    return rr_error_set(err, RR_ERR_NOMEM, "store: out of memory (%s)", what);
}

static bool grow_array(void **p, size_t *cap, size_t need, size_t elem, uint64_t *acct) {
    if (need <= *cap) return true;
    size_t nc = *cap ? *cap * 2 : 8;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q) return false;
    if (acct) *acct += (nc - *cap) * elem;
    *p = q;
    *cap = nc;
    return true;
}

static uint64_t mix64(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static bool schema_same(const struct ArrowSchema *a, const struct ArrowSchema *b) {
    if (strcmp(a->format, b->format) != 0 || a->n_children != b->n_children) return false;
    if ((a->dictionary == NULL) != (b->dictionary == NULL)) return false;
    for (int64_t i = 0; i < a->n_children; i++)
        if (!schema_same(a->children[i], b->children[i])) return false;
    return !a->dictionary || schema_same(a->dictionary, b->dictionary);
}

/* Same timelines and component columns (descriptors and datatypes); the
 * entity paths are the caller's to compare. */
static bool same_columns(const rr_chunk_t *a, const rr_chunk_t *b) {
    if (a->n_indexes != b->n_indexes || a->n_components != b->n_components) return false;
    for (int64_t k = 0; k < a->n_indexes; k++)
        if (!rr_timeline_equal(&a->indexes[k].timeline, &b->indexes[k].timeline)) return false;
    for (int64_t j = 0; j < a->n_components; j++) {
        if (!rr_component_descriptor_equal(&a->components[j].descr, &b->components[j].descr))
            return false;
        if (!schema_same(&a->components[j].type, &b->components[j].type)) return false;
    }
    return true;
}

static inline const uint8_t *row_id_ptr(const rr_chunk_t *c, int64_t i) {
    return (const uint8_t *)c->row_ids.buffers[1] + 16 * (c->row_ids.offset + i);
}
/* A big-endian TUID read in two loads: queries read one per row returned. */
static inline rr_tuid_t tuid_load(const uint8_t *p) {
    uint64_t hi, lo;
    memcpy(&hi, p, 8);
    memcpy(&lo, p + 8, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    hi = __builtin_bswap64(hi);
    lo = __builtin_bswap64(lo);
#endif
    return (rr_tuid_t){hi, lo};
}
static inline rr_tuid_t row_id_at(const rr_chunk_t *c, int64_t i) {
    return tuid_load(row_id_ptr(c, i));
}
static inline const int64_t *times_of(const rr_chunk_t *c, int64_t k) {
    return (const int64_t *)c->indexes[k].array.buffers[1] + c->indexes[k].array.offset;
}
static inline bool cell_valid(const rr_chunk_t *c, int64_t col, int64_t row) {
    return rr_arrow_array_is_valid(&c->components[col].array, row);
}

/* (static above every time, then time, then row id) as Rerun's re_query
 * compare_indices. */
static int index_cmp(int64_t ta, rr_tuid_t ra, int64_t tb, rr_tuid_t rb) {
    bool sa = ta == RR_TIME_STATIC, sb = tb == RR_TIME_STATIC;
    if (sa != sb) return sa ? 1 : -1;
    if (!sa && ta != tb) return ta < tb ? -1 : 1;
    return rr_tuid_cmp(ra, rb);
}

/* ---------------- entities, timelines, components ---------------- */

static entity_t *find_entity(const rr_store_t *s, const rr_entity_path_t *p) {
    if (!s->ecap) return NULL;
    size_t m = s->ecap - 1, i = (size_t)mix64(p->hash) & m;
    for (;; i = (i + 1) & m) {
        entity_t *e = s->etab[i];
        if (!e) return NULL;
        if (rr_entity_path_equal(&e->path, p)) return e;
    }
}

static bool etab_put(rr_store_t *s, entity_t *e) {
    if ((s->n_ents + 1) * 2 > s->ecap) {
        size_t nc = s->ecap ? s->ecap * 2 : 64;
        entity_t **t = calloc(nc, sizeof *t);
        if (!t) return false;
        for (size_t i = 0; i < s->ecap; i++) {
            entity_t *x = s->etab[i];
            if (!x) continue;
            size_t j = (size_t)mix64(x->path.hash) & (nc - 1);
            while (t[j]) j = (j + 1) & (nc - 1);
            t[j] = x;
        }
        s->index_bytes += (nc - s->ecap) * sizeof *t;
        free(s->etab);
        s->etab = t;
        s->ecap = nc;
    }
    size_t j = (size_t)mix64(e->path.hash) & (s->ecap - 1);
    while (s->etab[j]) j = (j + 1) & (s->ecap - 1);
    s->etab[j] = e;
    return true;
}

static rr_status_t get_entity(rr_store_t *s, const rr_entity_path_t *p, entity_t **out,
                              rr_error_t *err) {
    entity_t *e = find_entity(s, p);
    if (e) {
        *out = e;
        return RR_OK;
    }
    e = calloc(1, sizeof *e);
    if (!e) return nomem(err, "entity");
    rr_status_t st = rr_entity_path_copy(p, &e->path, err);
    if (st != RR_OK) {
        free(e);
        return st;
    }
    if (!grow_array((void **)&s->ents, &s->cap_ents, s->n_ents + 1, sizeof *s->ents,
                    &s->index_bytes) ||
        !etab_put(s, e)) {
        rr_entity_path_free(&e->path);
        free(e);
        return nomem(err, "entity table");
    }
    size_t lo = 0, hi = s->n_ents;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (rr_entity_path_cmp(&s->ents[mid]->path, p) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(&s->ents[lo + 1], &s->ents[lo], (s->n_ents - lo) * sizeof *s->ents);
    s->ents[lo] = e;
    s->n_ents++;
    s->index_bytes += sizeof *e + strlen(p->str) + 1;
    *out = e;
    return RR_OK;
}

static int find_tl(const rr_store_t *s, const char *name) {
    if (!name) return -1;
    for (size_t i = 0; i < s->n_tls; i++)
        if (strcmp(s->tls[i].name, name) == 0) return (int)i;
    return -1;
}

static rr_status_t get_tl(rr_store_t *s, const rr_timeline_t *tl, int *out, rr_error_t *err) {
    int i = find_tl(s, tl->name);
    if (i >= 0) {
        if (s->tls[i].type != tl->type)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "store: timeline '%s' is a %s, the chunk says %s", tl->name,
                                rr_time_type_name(s->tls[i].type), rr_time_type_name(tl->type));
        *out = i;
        return RR_OK;
    }
    if (!grow_array((void **)&s->tls, &s->cap_tls, s->n_tls + 1, sizeof *s->tls, &s->index_bytes))
        return nomem(err, "timelines");
    RR_TRY(rr_timeline_copy(tl, &s->tls[s->n_tls], err));
    *out = (int)s->n_tls++;
    return RR_OK;
}

static ecomp_t *find_comp(const entity_t *e, const char *name) {
    if (!e || !name) return NULL;
    for (size_t i = 0; i < e->n_comps; i++)
        if (strcmp(e->comps[i]->descr.component, name) == 0) return e->comps[i];
    return NULL;
}

static rr_status_t get_comp(rr_store_t *s, entity_t *e, const rr_chunk_component_t *cc,
                            ecomp_t **out, rr_error_t *err) {
    ecomp_t *ec = find_comp(e, cc->descr.component);
    if (ec) {
        *out = ec;
        return RR_OK;
    }
    ec = calloc(1, sizeof *ec);
    if (!ec) return nomem(err, "component");
    rr_status_t st = rr_component_descriptor_copy(&cc->descr, &ec->descr, err);
    if (st == RR_OK) st = rr_arrow_schema_copy(&cc->type, &ec->type, err);
    if (st == RR_OK && !grow_array((void **)&e->comps, &e->cap_comps, e->n_comps + 1,
                                   sizeof *e->comps, &s->index_bytes))
        st = nomem(err, "components");
    if (st != RR_OK) {
        rr_component_descriptor_free(&ec->descr);
        if (ec->type.release) ec->type.release(&ec->type);
        free(ec);
        return st;
    }
    size_t i = e->n_comps;
    while (i > 0 && rr_component_descriptor_cmp(&e->comps[i - 1]->descr, &ec->descr) > 0) {
        e->comps[i] = e->comps[i - 1];
        i--;
    }
    e->comps[i] = ec;
    e->n_comps++;
    s->index_bytes += sizeof *ec;
    *out = ec;
    return RR_OK;
}

/* ---------------- chunk id table ---------------- */

static size_t id_slot(rr_tuid_t id, size_t cap) {
    return (size_t)mix64(id.time_ns * 31 + id.inc) & (cap - 1);
}

/* Entries carry the id they were filed under, so probing and shifting never
 * reach into the chunks (cache misses on every compaction otherwise). A
 * chunk whose id changed since it was filed (stale) is found by its new id
 * in store->stale, and its old entry no longer answers. */
static schunk_t *id_find(const rr_store_t *s, rr_tuid_t id) {
    if (!s->idcap) return NULL;
    for (size_t i = id_slot(id, s->idcap);; i = (i + 1) & (s->idcap - 1)) {
        const id_entry_t *x = &s->idtab[i];
        if (!x->sc) break;
        /* A stale entry holds an id its chunk no longer has; a chunk
         * inserted since with that id may be filed further on. */
        if (x->id.time_ns == id.time_ns && x->id.inc == id.inc && !x->sc->stale) return x->sc;
    }
    for (size_t k = 0; k < s->n_stale; k++)
        if (rr_tuid_cmp(s->stale[k]->c->id, id) == 0) return s->stale[k];
    return NULL;
}

static bool id_put(rr_store_t *s, schunk_t *sc) {
    if ((s->idcount + 1) * 2 > s->idcap) {
        size_t nc = s->idcap ? s->idcap * 2 : 256;
        id_entry_t *t = calloc(nc, sizeof *t);
        if (!t) return false;
        for (size_t i = 0; i < s->idcap; i++) {
            const id_entry_t *x = &s->idtab[i];
            if (!x->sc) continue;
            size_t j = id_slot(x->id, nc);
            while (t[j].sc) j = (j + 1) & (nc - 1);
            t[j] = *x;
        }
        s->index_bytes += (nc - s->idcap) * sizeof *t;
        free(s->idtab);
        s->idtab = t;
        s->idcap = nc;
    }
    size_t j = id_slot(sc->c->id, s->idcap);
    while (s->idtab[j].sc) j = (j + 1) & (s->idcap - 1);
    s->idtab[j] = (id_entry_t){sc->c->id, sc};
    sc->filed_id = sc->c->id;
    s->idcount++;
    return true;
}

/* Takes sc out of the table (found under the id it was filed with) and out
 * of the stale list. */
static void id_del(rr_store_t *s, schunk_t *sc) {
    if (sc->stale) {
        for (size_t k = 0; k < s->n_stale; k++)
            if (s->stale[k] == sc) s->stale[k] = s->stale[--s->n_stale];
        sc->stale = false;
    }
    if (!s->idcap) return;
    size_t m = s->idcap - 1, i = id_slot(sc->filed_id, s->idcap);
    while (s->idtab[i].sc && s->idtab[i].sc != sc) i = (i + 1) & m;
    if (!s->idtab[i].sc) return;
    s->idtab[i].sc = NULL;
    s->idcount--;
    /* Backward-shift the cluster after the hole so probes stay unbroken. */
    for (size_t j = (i + 1) & m; s->idtab[j].sc; j = (j + 1) & m) {
        size_t home = id_slot(s->idtab[j].id, s->idcap);
        bool moves = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
        if (moves) {
            s->idtab[i] = s->idtab[j];
            s->idtab[j].sc = NULL;
            i = j;
        }
    }
}

/* Gives sc a new id, filing it again only when the stale list is full (then
 * every stale chunk is refiled under its current id). Refiling takes one
 * entry out before putting one in, so the table never grows here. */
static void id_change(rr_store_t *s, schunk_t *sc, rr_tuid_t id) {
    if (!sc->stale) {
        if (s->n_stale == sizeof s->stale / sizeof *s->stale) {
            while (s->n_stale) {
                schunk_t *x = s->stale[0];
                id_del(s, x);
                bool ok = id_put(s, x);
                assert(ok);
                (void)ok;
            }
        }
        sc->stale = true;
        s->stale[s->n_stale++] = sc;
    }
    sc->c->id = id;
}

/* ---------------- per-chunk order ---------------- */

typedef struct order_ctx {
    const int64_t *t;
    const rr_chunk_t *c;
} order_ctx_t;

static int order_cmp(const void *a, const void *b, void *ctx) {
    const order_ctx_t *o = ctx;
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    if (o->t[x] != o->t[y]) return o->t[x] < o->t[y] ? -1 : 1;
    int r = memcmp(row_id_ptr(o->c, x), row_id_ptr(o->c, y), 16);
    return r ? r : (x < y ? -1 : x > y);
}

static void free_order(rr_store_t *s, schunk_t *sc) {
    if (!sc->order) return;
    for (int64_t k = 0; k < sc->c->n_indexes; k++) free(sc->order[k]);
    free(sc->order);
    sc->order = NULL;
    s->index_bytes -= sc->meta_bytes;
    sc->meta_bytes = 0;
}

/* Physical order is (time, row id) order when times never go down and row
 * ids go up among equal times. */
static bool physically_sorted(const rr_chunk_t *c, int64_t k) {
    const int64_t *t = times_of(c, k);
    for (int64_t i = 1; i < c->num_rows; i++) {
        if (t[i] < t[i - 1]) return false;
        if (t[i] == t[i - 1] && memcmp(row_id_ptr(c, i - 1), row_id_ptr(c, i), 16) > 0)
            return false;
    }
    return true;
}

static rr_status_t build_order(rr_store_t *s, schunk_t *sc, rr_error_t *err) {
    free_order(s, sc);
    const rr_chunk_t *c = sc->c;
    if (c->num_rows > INT32_MAX) return rr_error_set(err, RR_ERR_UNSUPPORTED, "store: chunk of %lld rows", (long long)c->num_rows);
    for (int64_t k = 0; k < c->n_indexes; k++) {
        bool sorted = (c->indexes[k].is_sorted && c->is_sorted) ? true : physically_sorted(c, k);
        if (sorted) continue;
        if (!sc->order) {
            sc->order = calloc((size_t)c->n_indexes, sizeof *sc->order);
            if (!sc->order) return nomem(err, "chunk order");
            sc->meta_bytes += (uint64_t)c->n_indexes * sizeof *sc->order;
        }
        int32_t *o = malloc((size_t)c->num_rows * sizeof *o);
        if (!o) return nomem(err, "chunk order");
        for (int64_t i = 0; i < c->num_rows; i++) o[i] = (int32_t)i;
        order_ctx_t ctx = {times_of(c, k), c};
        qsort_r(o, (size_t)c->num_rows, sizeof *o, order_cmp, &ctx);
        sc->order[k] = o;
        sc->meta_bytes += (uint64_t)c->num_rows * sizeof *o;
    }
    s->index_bytes += sc->meta_bytes;
    return RR_OK;
}

static inline int64_t ord_row(const schunk_t *sc, int64_t k, int64_t p) {
    return (sc->order && sc->order[k]) ? sc->order[k][p] : p;
}

/* Positions in (time, row id) order with time <= t. */
static int64_t upper_time(const schunk_t *sc, int64_t k, int64_t t) {
    const int64_t *tm = times_of(sc->c, k);
    int64_t lo = 0, hi = sc->c->num_rows;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (tm[ord_row(sc, k, mid)] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---------------- temporal indices ---------------- */

static tindex_t *comp_tindex(rr_store_t *s, ecomp_t *ec, int tl) {
    if ((size_t)tl >= ec->n_tl) {
        tindex_t *t = realloc(ec->tl, s->n_tls * sizeof *t);
        if (!t) return NULL;
        memset(t + ec->n_tl, 0, (s->n_tls - ec->n_tl) * sizeof *t);
        s->index_bytes += (s->n_tls - ec->n_tl) * sizeof *t;
        ec->tl = t;
        ec->n_tl = s->n_tls;
    }
    return &ec->tl[tl];
}

static void pmax_from(tindex_t *ti, size_t i) {
    for (; i < ti->n; i++) {
        int64_t m = ti->e[i].max;
        ti->pmax[i] = (i > 0 && ti->pmax[i - 1] > m) ? ti->pmax[i - 1] : m;
    }
}

static bool tindex_add(rr_store_t *s, tindex_t *ti, ix_entry_t en) {
    if (ti->n + 1 > ti->cap) {
        size_t nc = ti->cap ? ti->cap * 2 : 4;
        ix_entry_t *e = realloc(ti->e, nc * sizeof *e);
        if (!e) return false;
        ti->e = e;
        int64_t *p = realloc(ti->pmax, nc * sizeof *p);
        if (!p) return false;
        ti->pmax = p;
        s->index_bytes += (nc - ti->cap) * (sizeof *e + sizeof *p);
        ti->cap = nc;
    }
    size_t lo = 0, hi = ti->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ti->e[mid].min <= en.min)
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(&ti->e[lo + 1], &ti->e[lo], (ti->n - lo) * sizeof *ti->e);
    memmove(&ti->pmax[lo + 1], &ti->pmax[lo], (ti->n - lo) * sizeof *ti->pmax);
    ti->e[lo] = en;
    ti->n++;
    pmax_from(ti, lo);
    return true;
}

static void tindex_del(tindex_t *ti, schunk_t *sc) {
    for (size_t i = ti->n; i-- > 0;) {
        if (ti->e[i].sc != sc) continue;
        memmove(&ti->e[i], &ti->e[i + 1], (ti->n - i - 1) * sizeof *ti->e);
        memmove(&ti->pmax[i], &ti->pmax[i + 1], (ti->n - i - 1) * sizeof *ti->pmax);
        ti->n--;
        pmax_from(ti, i);
        return;
    }
}

/* Time range of a column's non-null cells on index k (empty when none). */
static rr_time_range_t col_range(const schunk_t *sc, int64_t col, int64_t k) {
    const rr_chunk_t *c = sc->c;
    const struct ArrowArray *l = &c->components[col].array;
    if (l->null_count == 0 || l->buffers[0] == NULL) return c->indexes[k].range;
    rr_time_range_t r = rr_time_range_empty();
    const int64_t *t = times_of(c, k);
    for (int64_t i = 0; i < c->num_rows; i++) {
        if (!rr_arrow_array_is_valid(l, i)) continue;
        if (t[i] < r.min) r.min = t[i];
        if (t[i] > r.max) r.max = t[i];
    }
    return r;
}

static rr_status_t index_chunk(rr_store_t *s, schunk_t *sc, rr_error_t *err) {
    const rr_chunk_t *c = sc->c;
    for (int64_t k = 0; k < c->n_indexes; k++) {
        int tl;
        RR_TRY(get_tl(s, &c->indexes[k].timeline, &tl, err));
        for (int64_t j = 0; j < c->n_components; j++) {
            rr_time_range_t r = col_range(sc, j, k);
            if (rr_time_range_is_empty(r)) continue;
            ecomp_t *ec = find_comp(sc->ent, c->components[j].descr.component);
            tindex_t *ti = ec ? comp_tindex(s, ec, tl) : NULL;
            ix_entry_t en = {r.min, r.max, sc, times_of(c, k),
                             sc->order ? sc->order[k] : NULL, row_id_ptr(c, 0),
                             &c->components[j].array, (int32_t)j, (int32_t)k};
            if (!ti || !tindex_add(s, ti, en)) return nomem(err, "index");
        }
    }
    return RR_OK;
}

static void unindex_chunk(rr_store_t *s, schunk_t *sc) {
    const rr_chunk_t *c = sc->c;
    for (int64_t k = 0; k < c->n_indexes; k++) {
        int tl = find_tl(s, c->indexes[k].timeline.name);
        if (tl < 0) continue;
        for (int64_t j = 0; j < c->n_components; j++) {
            ecomp_t *ec = find_comp(sc->ent, c->components[j].descr.component);
            if (ec && (size_t)tl < ec->n_tl) tindex_del(&ec->tl[tl], sc);
        }
    }
}

/* ---------------- events ---------------- */

static void fire(rr_store_t *s, rr_store_event_kind_t kind, const rr_chunk_t *c,
                 const rr_tuid_t *from, size_t n_from) {
    if (!s->n_subs) return;
    rr_store_event_t ev = {kind, s, ++s->next_event, c, c->id, from, n_from};
    for (size_t i = 0; i < s->n_subs; i++) s->subs[i].fn(s->subs[i].ctx, &ev);
}

uint32_t rr_store_subscribe(rr_store_t *s, rr_store_event_fn fn, void *ctx) {
    sub_t *n = realloc(s->subs, (s->n_subs + 1) * sizeof *n);
    if (!n || !fn) return 0;
    s->subs = n;
    uint32_t h = ++s->next_handle;
    s->subs[s->n_subs++] = (sub_t){h, fn, ctx};
    return h;
}

void rr_store_unsubscribe(rr_store_t *s, uint32_t handle) {
    for (size_t i = 0; i < s->n_subs; i++) {
        if (s->subs[i].handle != handle) continue;
        memmove(&s->subs[i], &s->subs[i + 1], (s->n_subs - i - 1) * sizeof *s->subs);
        s->n_subs--;
        return;
    }
}

/* ---------------- chunk records ---------------- */

static uint64_t chunk_bytes(const schunk_t *sc) {
    return sc->grow ? store_grow_bytes(sc->grow) : (uint64_t)rr_chunk_byte_size(sc->c);
}

static rr_tuid_t min_row_id(const rr_chunk_t *c) {
    if (c->is_sorted) return row_id_at(c, 0);
    const uint8_t *m = row_id_ptr(c, 0);
    for (int64_t i = 1; i < c->num_rows; i++)
        if (memcmp(row_id_ptr(c, i), m, 16) < 0) m = row_id_ptr(c, i);
    return rr_tuid_from_bytes(m);
}

/* Adds sc to the chunk list and id table and accounts for it. */
static rr_status_t attach(rr_store_t *s, schunk_t *sc, rr_error_t *err) {
    if (!grow_array((void **)&s->chunks, &s->cap_chunks, s->n_chunks + 1, sizeof *s->chunks,
                    &s->index_bytes) ||
        !id_put(s, sc))
        return nomem(err, "chunk list");
    sc->slot = s->n_chunks;
    s->chunks[s->n_chunks++] = sc;
    sc->bytes = chunk_bytes(sc);
    s->arrow_bytes += sc->bytes;
    s->index_bytes += sizeof *sc;
    sc->min_row_id = min_row_id(sc->c);
    return RR_OK;
}

static void free_lookup(rr_store_t *s, schunk_t *sc) {
    if (!sc->ecs) return;
    s->index_bytes -= (uint64_t)sc->c->n_components * sizeof *sc->ecs +
                      (uint64_t)sc->c->n_indexes * sizeof *sc->tlx;
    free(sc->ecs);
    free(sc->tlx);
    sc->ecs = NULL;
    sc->tlx = NULL;
}

static void free_schunk(rr_store_t *s, schunk_t *sc) {
    free_lookup(s, sc);
    free_order(s, sc);
    rr_chunk_free(sc->c);
    store_grow_free(sc->grow);
    free(sc);
}

/* Takes sc out of the list, the id table, the open slots and the accounts
 * (not out of the indices); does not free it. */
static void detach(rr_store_t *s, schunk_t *sc) {
    size_t i = sc->slot;
    s->chunks[i] = s->chunks[--s->n_chunks];
    s->chunks[i]->slot = i;
    id_del(s, sc);
    s->arrow_bytes -= sc->bytes;
    s->index_bytes -= sizeof *sc;
    entity_t *e = sc->ent;
    for (size_t j = 0; j < e->n_open; j++)
        if (e->open[j].sc == sc) {
            e->open[j] = e->open[--e->n_open];
            s->open_gen++;
        }
}

/* Removes a static chunk that wins no cell any more. */
static void drop_static(rr_store_t *s, schunk_t *sc) {
    detach(s, sc);
    fire(s, RR_STORE_EVENT_REMOVED, sc->c, NULL, 0);
    free_schunk(s, sc);
}

/* ---------------- configuration and lifecycle ---------------- */

void rr_store_config_default(rr_store_config_t *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->chunk_max_bytes = RR_STORE_DEFAULT_CHUNK_MAX_BYTES;
    cfg->chunk_max_rows = RR_STORE_DEFAULT_CHUNK_MAX_ROWS;
    cfg->chunk_max_rows_if_unsorted = RR_STORE_DEFAULT_CHUNK_MAX_ROWS_IF_UNSORTED;
    cfg->gc_protect_latest = 1;
}

static uint64_t compute_limit(const rr_store_config_t *cfg) {
    uint64_t lim = cfg->gc_limit_bytes;
    if (cfg->gc_limit_ram_fraction > 0) {
        long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
        if (pages > 0 && psz > 0) {
            double f = cfg->gc_limit_ram_fraction > 1 ? 1 : cfg->gc_limit_ram_fraction;
            uint64_t r = (uint64_t)((double)pages * (double)psz * f);
            if (lim == 0 || r < lim) lim = r;
        }
    }
    return lim;
}

rr_status_t rr_store_new(const rr_store_id_t *id, const rr_store_config_t *cfg, rr_store_t **out,
                         rr_error_t *err) {
    *out = NULL;
    rr_store_t *s = calloc(1, sizeof *s);
    if (!s) return nomem(err, "store");
    if (cfg)
        s->cfg = *cfg;
    else
        rr_store_config_default(&s->cfg);
    s->gc_limit = compute_limit(&s->cfg);
    if (id) {
        rr_status_t st = rr_store_id_copy(&s->id, id, err);
        if (st != RR_OK) {
            free(s);
            return st;
        }
    }
    s->index_bytes = sizeof *s;
    *out = s;
    return RR_OK;
}

void rr_store_free(rr_store_t *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n_chunks; i++) free_schunk(s, s->chunks[i]);
    for (size_t i = 0; i < s->n_ents; i++) {
        entity_t *e = s->ents[i];
        for (size_t j = 0; j < e->n_comps; j++) {
            ecomp_t *ec = e->comps[j];
            for (size_t t = 0; t < ec->n_tl; t++) {
                free(ec->tl[t].e);
                free(ec->tl[t].pmax);
            }
            free(ec->tl);
            rr_component_descriptor_free(&ec->descr);
            if (ec->type.release) ec->type.release(&ec->type);
            free(ec);
        }
        free(e->comps);
        free(e->open);
        rr_entity_path_free(&e->path);
        free(e);
    }
    for (size_t i = 0; i < s->n_tls; i++) rr_timeline_free(&s->tls[i]);
    rr_store_chunk_decoder_free(s->ingest);
    free(s->tls);
    free(s->ents);
    free(s->etab);
    free(s->chunks);
    free(s->idtab);
    free(s->subs);
    for (size_t i = 0; i < KEY_HITS; i++) free(s->hits[i].key);
    rr_store_id_free(&s->id);
    free(s);
}

const rr_store_id_t *rr_store_store_id(const rr_store_t *s) { return &s->id; }
const rr_store_config_t *rr_store_config(const rr_store_t *s) { return &s->cfg; }
uint64_t rr_store_gc_limit(const rr_store_t *s) { return s->gc_limit; }

/* ---------------- insertion ---------------- */

static rr_status_t insert_static(rr_store_t *s, schunk_t *sc, rr_error_t *err) {
    rr_chunk_t *c = sc->c;
    RR_TRY(attach(s, sc, err));
    schunk_t *losers[64];
    size_t n_losers = 0;
    bool overflow = false;
    for (int64_t j = 0; j < c->n_components; j++) {
        int64_t best = -1;
        for (int64_t i = 0; i < c->num_rows; i++) {
            if (!cell_valid(c, j, i)) continue;
            if (best < 0 || memcmp(row_id_ptr(c, i), row_id_ptr(c, best), 16) > 0) best = i;
        }
        if (best < 0) continue;
        ecomp_t *ec = find_comp(sc->ent, c->components[j].descr.component);
        rr_tuid_t rid = row_id_at(c, best);
        if (ec->has_static && rr_tuid_cmp(rid, ec->st_rid) < 0) continue;
        if (ec->has_static && ec->st_sc != sc) {
            schunk_t *old = ec->st_sc;
            if (--old->static_wins == 0) {
                if (n_losers < 64)
                    losers[n_losers++] = old;
                else
                    overflow = true;
            }
        }
        if (!ec->has_static || ec->st_sc != sc) sc->static_wins++;
        ec->has_static = true;
        ec->st_sc = sc;
        ec->st_row = best;
        ec->st_col = (int32_t)j;
        ec->st_rid = rid;
    }
    if (sc->static_wins == 0) {
        /* Older than every static cell already held: nothing to keep. */
        detach(s, sc);
        free_schunk(s, sc);
        return RR_OK;
    }
    fire(s, RR_STORE_EVENT_ADDED, c, NULL, 0);
    for (size_t i = 0; i < n_losers; i++) drop_static(s, losers[i]);
    if (overflow) {
        for (size_t i = 0; i < s->n_chunks;) {
            schunk_t *x = s->chunks[i];
            if (x->is_static && x->static_wins == 0)
                drop_static(s, x);
            else
                i++;
        }
    }
    return RR_OK;
}

/* Whether appending src after dst keeps every time column and the row ids
 * in order. */
static bool merge_stays_sorted(const rr_chunk_t *dst, const rr_chunk_t *src) {
    if (dst->num_rows == 0) return true;
    if (!dst->is_sorted || !src->is_sorted) return false;
    if (rr_tuid_cmp(row_id_at(dst, dst->num_rows - 1), row_id_at(src, 0)) > 0) return false;
    for (int64_t k = 0; k < dst->n_indexes; k++) {
        if (!dst->indexes[k].is_sorted || !src->indexes[k].is_sorted) return false;
        if (times_of(dst, k)[dst->num_rows - 1] > times_of(src, k)[0]) return false;
    }
    return true;
}

static bool all_sorted(const rr_chunk_t *c) {
    for (int64_t k = 0; k < c->n_indexes; k++)
        if (!c->indexes[k].is_sorted) return false;
    return true;
}

static bool compaction_on(const rr_store_t *s) {
    return s->cfg.chunk_max_bytes || s->cfg.chunk_max_rows || s->cfg.chunk_max_rows_if_unsorted;
}

static uint64_t used_bytes(const rr_chunk_t *c) { return (uint64_t)rr_chunk_byte_size(c); }

/* Rerun's thresholds for the new chunk alone (used: its bytes). */
static bool small_enough(const rr_store_t *s, const rr_chunk_t *c, uint64_t used) {
    uint64_t rows = (uint64_t)c->num_rows;
    uint64_t lim = all_sorted(c) ? s->cfg.chunk_max_rows : s->cfg.chunk_max_rows_if_unsorted;
    return rows <= lim && used <= s->cfg.chunk_max_bytes;
}

/* The open compaction target of c's entity (e) with c's columns, if any. */
static open_slot_t *find_open(entity_t *e, const rr_chunk_t *c) {
    for (size_t i = 0; i < e->n_open; i++)
        if (same_columns(e->open[i].sc->c, c)) return &e->open[i];
    return NULL;
}

/* The entity and open target a chunk with key k went to last, if still
 * open. */
static open_slot_t *hit_find(rr_store_t *s, const rr_chunk_key_t *k, entity_t **e) {
    key_hit_t *h = &s->hits[k->hash & (KEY_HITS - 1)];
    if (!h->e || h->gen != s->open_gen || h->hash != k->hash || h->len != k->len ||
        h->slot >= h->e->n_open || memcmp(h->key, k->bytes, k->len) != 0)
        return NULL;
    *e = h->e;
    return &h->e->open[h->slot];
}

/* Remembers that chunks with key k go to entity e's open slot os (found by
 * the full comparison). */
static void hit_put(rr_store_t *s, const rr_chunk_key_t *k, entity_t *e, open_slot_t *os) {
    key_hit_t *h = &s->hits[k->hash & (KEY_HITS - 1)];
    if (h->cap < k->len) {
        size_t nc = k->len < 64 ? 64 : k->len;
        uint8_t *nk = realloc(h->key, nc);
        if (!nk) {
            h->e = NULL;
            return;
        }
        s->index_bytes += nc - h->cap;
        h->key = nk;
        h->cap = nc;
    }
    memcpy(h->key, k->bytes, k->len);
    h->len = k->len;
    h->hash = k->hash;
    h->e = e;
    h->slot = (size_t)(os - e->open);
    h->gen = s->open_gen;
}

/* Whether c (used bytes) may merge into target within the thresholds. */
static bool fits(const rr_store_t *s, const schunk_t *target, const rr_chunk_t *c, uint64_t used,
                 bool *sorted_after) {
    const rr_chunk_t *t = target->c;
    uint64_t rows = (uint64_t)(t->num_rows + c->num_rows);
    *sorted_after = merge_stays_sorted(t, c);
    uint64_t lim = *sorted_after ? s->cfg.chunk_max_rows : s->cfg.chunk_max_rows_if_unsorted;
    return rows <= lim && target->used + used <= s->cfg.chunk_max_bytes;
}

/* Time range of the non-null cells of column col on index k of any chunk. */
static rr_time_range_t chunk_col_range(const rr_chunk_t *c, int64_t col, int64_t k) {
    const struct ArrowArray *l = &c->components[col].array;
    if (l->null_count == 0 || l->buffers[0] == NULL) return c->indexes[k].range;
    rr_time_range_t r = rr_time_range_empty();
    const int64_t *t = times_of(c, k);
    for (int64_t i = 0; i < c->num_rows; i++) {
        if (!rr_arrow_array_is_valid(l, i)) continue;
        if (t[i] < r.min) r.min = t[i];
        if (t[i] > r.max) r.max = t[i];
    }
    return r;
}

/* After rows of src were appended to target (same columns), brings the
 * index entries of target up to date without taking them out and putting
 * them back: an entry whose start did not move keeps its place and gets the
 * new end and buffer pointers (the buffers may have moved when they grew). */
static rr_status_t reindex_grown(rr_store_t *s, schunk_t *target, const rr_chunk_t *src,
                                 rr_error_t *err) {
    const rr_chunk_t *c = target->c;
    if (!target->ecs) {
        target->ecs = malloc((size_t)(c->n_components + 1) * sizeof *target->ecs);
        target->tlx = malloc((size_t)(c->n_indexes + 1) * sizeof *target->tlx);
        if (!target->ecs || !target->tlx) {
            free(target->ecs);
            free(target->tlx);
            target->ecs = NULL;
            target->tlx = NULL;
            return nomem(err, "index");
        }
        s->index_bytes += (uint64_t)c->n_components * sizeof *target->ecs +
                          (uint64_t)c->n_indexes * sizeof *target->tlx;
        for (int64_t j = 0; j < c->n_components; j++)
            target->ecs[j] = find_comp(target->ent, c->components[j].descr.component);
        for (int64_t k = 0; k < c->n_indexes; k++)
            target->tlx[k] = find_tl(s, c->indexes[k].timeline.name);
    }
    for (int64_t k = 0; k < c->n_indexes; k++) {
        int tl = target->tlx[k];
        if (tl < 0) return rr_error_set(err, RR_ERR_INVALID_ARG, "store: lost timeline");
        for (int64_t j = 0; j < c->n_components; j++) {
            /* src's new cells; even with none the buffers may have moved */
            rr_time_range_t add = chunk_col_range(src, j, k);
            ecomp_t *ec = target->ecs[j];
            tindex_t *ti = ec ? comp_tindex(s, ec, tl) : NULL;
            if (!ti) return nomem(err, "index");
            size_t i = ti->n;
            while (i > 0 && ti->e[i - 1].sc != target) i--;
            ix_entry_t en = {0, 0, target, times_of(c, k), target->order ? target->order[k] : NULL,
                             row_id_ptr(c, 0), &c->components[j].array, (int32_t)j, (int32_t)k};
            if (i == 0) {
                if (rr_time_range_is_empty(add)) continue;
                en.min = add.min;
                en.max = add.max;
                if (!tindex_add(s, ti, en)) return nomem(err, "index");
                continue;
            }
            ix_entry_t *old = &ti->e[i - 1];
            en.min = old->min;
            en.max = old->max;
            if (!rr_time_range_is_empty(add)) {
                if (add.max > en.max) en.max = add.max;
                if (add.min < en.min) {
                    en.min = add.min;
                    tindex_del(ti, target);
                    if (!tindex_add(s, ti, en)) return nomem(err, "index");
                    continue;
                }
            }
            *old = en;
            pmax_from(ti, i - 1);
        }
    }
    return RR_OK;
}

/* A new chunk holding a's rows then b's (same columns), every column
 * concatenated: the compaction of columns that cannot grow in place
 * (strings, bools, structs, nested lists...), as Rerun concatenates. */
static rr_status_t concat_chunks(const rr_chunk_t *a, const rr_chunk_t *b, rr_chunk_t **out,
                                 rr_error_t *err) {
    *out = NULL;
    int64_t n = a->num_rows + b->num_rows;
    rr_tuid_t *rids = malloc((size_t)(n ? n : 1) * sizeof *rids);
    int64_t *tv = malloc((size_t)(n ? n : 1) * sizeof *tv);
    rr_chunk_t *c = NULL;
    rr_status_t st = (!rids || !tv) ? nomem(err, "compaction") : RR_OK;
    if (st == RR_OK) {
        for (int64_t i = 0; i < a->num_rows; i++) rids[i] = row_id_at(a, i);
        for (int64_t i = 0; i < b->num_rows; i++) rids[a->num_rows + i] = row_id_at(b, i);
        st = rr_chunk_new(rr_tuid_new(), &a->entity_path, n, rids, &c, err);
    }
    for (int64_t k = 0; k < a->n_indexes && st == RR_OK; k++) {
        memcpy(tv, times_of(a, k), (size_t)a->num_rows * sizeof *tv);
        memcpy(tv + a->num_rows, times_of(b, k), (size_t)b->num_rows * sizeof *tv);
        st = rr_chunk_add_index(c, a->indexes[k].timeline.name, a->indexes[k].timeline.type, tv, err);
    }
    for (int64_t j = 0; j < a->n_components && st == RR_OK; j++) {
        const struct ArrowArray *parts[2] = {&a->components[j].array, &b->components[j].array};
        struct ArrowArray cat;
        memset(&cat, 0, sizeof cat);
        st = rr_arrow_concat(&a->components[j].type, parts, 2, &cat, err);
        if (st == RR_OK)
            st = rr_chunk_add_component(c, &a->components[j].descr, &a->components[j].type, &cat, err);
        if (st != RR_OK)
            rr_error_prefix(err, "store: compacting column '%s' of %s: ",
                            a->components[j].descr.component, a->entity_path.str);
    }
    free(rids);
    free(tv);
    if (st != RR_OK) {
        rr_chunk_free(c);
        return st;
    }
    *out = c;
    return RR_OK;
}

/* Appends c into the open chunk target: in place when every column can
 * grow, else by concatenation into a new chunk that replaces the target's.
 * c stays the caller's (it may be a borrowed view). */
static rr_status_t merge_into(rr_store_t *s, schunk_t *target, const rr_chunk_t *c, uint64_t used,
                              bool c_can_grow, bool sorted_after, const rr_tuid_t *new_id,
                              bool presize, rr_error_t *err) {
    rr_tuid_t from[2] = {target->c->id, c->id};
    bool grow = c_can_grow && (target->grow || store_grow_can_take(target->c));
    uint64_t lim = sorted_after ? s->cfg.chunk_max_rows : s->cfg.chunk_max_rows_if_unsorted;
    bool lazy = grow && target->grow; /* the id changes, the chunk stays filed */
    if (!lazy) id_del(s, target);
    rr_status_t st = RR_OK;
    bool in_place = false;
    if (lazy) {
        id_change(s, target, new_id ? *new_id : rr_tuid_new_coarse());
        st = store_grow_append(target->c, target->grow, c, err);
        in_place = st == RR_OK;
    } else if (grow) {
        /* First merge: copy the target into growable buffers sized for the
         * row threshold's next power of two at most. */
        int64_t need = target->c->num_rows + c->num_rows, cap = 16;
        while (cap < need) cap *= 2;
        if (presize && (uint64_t)cap < lim && lim <= (1u << 20)) cap = (int64_t)lim;
        if ((uint64_t)cap > lim && (uint64_t)need <= lim) cap = (int64_t)lim;
        rr_chunk_t *g = NULL;
        store_grow_t *gs = NULL;
        st = store_grow_new(target->c, cap, &g, &gs, err);
        if (st == RR_OK) st = store_grow_append(g, gs, target->c, err);
        if (st == RR_OK) st = store_grow_append(g, gs, c, err);
        if (st != RR_OK) {
            rr_chunk_free(g);
            store_grow_free(gs);
        } else {
            unindex_chunk(s, target);
            rr_chunk_free(target->c);
            target->c = g;
            target->grow = gs;
        }
    } else {
        rr_chunk_t *g = NULL;
        st = concat_chunks(target->c, c, &g, err);
        if (st == RR_OK) {
            unindex_chunk(s, target);
            rr_chunk_free(target->c);
            store_grow_free(target->grow);
            target->grow = NULL;
            target->c = g;
        }
    }
    if (!lazy && !id_put(s, target) && st == RR_OK) st = nomem(err, "chunk ids");
    if (st == RR_OK) st = build_order(s, target, err);
    if (st == RR_OK && in_place) {
        st = reindex_grown(s, target, c, err);
    } else {
        /* a new chunk (its entries were taken out above), or a failure that
         * may have moved buffers: index from scratch */
        unindex_chunk(s, target);
        rr_status_t st2 = index_chunk(s, target, err);
        if (st == RR_OK) st = st2;
    }
    s->arrow_bytes -= target->bytes;
    target->bytes = chunk_bytes(target);
    s->arrow_bytes += target->bytes;
    if (st != RR_OK) return st;
    target->used += used;
    rr_tuid_t m = min_row_id(c);
    if (rr_tuid_cmp(m, target->min_row_id) < 0) target->min_row_id = m;
    s->st.num_compactions++;
    fire(s, RR_STORE_EVENT_COMPACTED, target->c, from, 2);
    return RR_OK;
}

static rr_status_t auto_gc(rr_store_t *s, rr_error_t *err);

/* Registers the timelines, entity and components of c. */
static rr_status_t register_columns(rr_store_t *s, const rr_chunk_t *c, entity_t **out,
                                    rr_error_t *err) {
    for (int64_t k = 0; k < c->n_indexes; k++) {
        int tl;
        rr_status_t st = get_tl(s, &c->indexes[k].timeline, &tl, err);
        if (st != RR_OK) {
            rr_error_prefix(err, "chunk of %s: ", c->entity_path.str);
            return st;
        }
    }
    entity_t *e = NULL;
    RR_TRY(get_entity(s, &c->entity_path, &e, err));
    for (int64_t j = 0; j < c->n_components; j++) {
        ecomp_t *ec;
        RR_TRY(get_comp(s, e, &c->components[j], &ec, err));
        if (strcmp(c->components[j].descr.component, RR_STORE_CLEAR_COMPONENT) == 0)
            s->has_clears = true;
    }
    *out = e;
    return RR_OK;
}

rr_status_t rr_store_insert_chunk(rr_store_t *s, rr_chunk_t *c, rr_error_t *err) {
    if (!c) return rr_error_set(err, RR_ERR_INVALID_ARG, "store: NULL chunk");
    s->st.num_inserts++;
    if (c->num_rows == 0 || id_find(s, c->id)) {
        rr_chunk_free(c);
        return RR_OK;
    }
    /* An open compaction target with c's columns means they are all
     * registered already (a stream of small chunks skips the lookups). */
    rr_chunk_key_t key;
    bool keyed = !rr_chunk_is_static(c) && compaction_on(s) && rr_chunk_column_key(c, &key);
    entity_t *e = NULL;
    open_slot_t *os_found = keyed ? hit_find(s, &key, &e) : NULL;
    if (!os_found) {
        e = rr_chunk_is_static(c) ? NULL : find_entity(s, &c->entity_path);
        os_found = e && e->n_open && compaction_on(s) ? find_open(e, c) : NULL;
        if (os_found && keyed) hit_put(s, &key, e, os_found);
    }
    rr_status_t st = os_found ? RR_OK : register_columns(s, c, &e, err);
    if (st != RR_OK) {
        rr_chunk_free(c);
        return st;
    }
    if (rr_chunk_is_static(c)) {
        schunk_t *sc = calloc(1, sizeof *sc);
        if (!sc) {
            rr_chunk_free(c);
            return nomem(err, "chunk");
        }
        sc->c = c;
        sc->ent = e;
        sc->is_static = true;
        st = insert_static(s, sc, err);
        if (st != RR_OK) {
            detach(s, sc);
            free_schunk(s, sc);
            return st;
        }
        return auto_gc(s, err);
    }
    /* Temporal: compaction first. One pass says whether c's columns can
     * grow in place and what they use. */
    uint64_t grow_used = os_found && os_found->sc->grow
                             ? store_grow_rows_bytes_as(c, os_found->sc->grow)
                             : store_grow_rows_bytes(c);
    bool c_can_grow = grow_used != UINT64_MAX;
    uint64_t used = c_can_grow ? grow_used : used_bytes(c);
    bool can_open = compaction_on(s) && small_enough(s, c, used);
    if (can_open) {
        open_slot_t *os = os_found;
        bool sorted_after;
        if (os && fits(s, os->sc, c, used, &sorted_after)) {
            st = merge_into(s, os->sc, c, used, c_can_grow, sorted_after, NULL,
                            os->streaming, err);
            rr_chunk_free(c);
            if (st != RR_OK) return st;
            return auto_gc(s, err);
        }
    }
    schunk_t *sc = calloc(1, sizeof *sc);
    if (!sc) {
        rr_chunk_free(c);
        return nomem(err, "chunk");
    }
    sc->c = c;
    sc->ent = e;
    sc->used = used;
    st = attach(s, sc, err);
    if (st == RR_OK) st = build_order(s, sc, err);
    if (st == RR_OK) st = index_chunk(s, sc, err);
    if (st != RR_OK) {
        unindex_chunk(s, sc);
        detach(s, sc);
        free_schunk(s, sc);
        return st;
    }
    if (can_open) {
        open_slot_t *os = find_open(e, c);
        if (os && os->sc != sc) {
            /* the old target was full (else c would have gone into it) */
            os->streaming = os->sc->c->num_rows >= 64;
            os->sc = sc;
            s->open_gen++;
        } else if (!os && grow_array((void **)&e->open, &e->cap_open, e->n_open + 1,
                                     sizeof *e->open, &s->index_bytes)) {
            e->open[e->n_open++] = (open_slot_t){sc, false};
            s->open_gen++;
        }
    }
    fire(s, RR_STORE_EVENT_ADDED, c, NULL, 0);
    return auto_gc(s, err);
}

/* ---------------- appending rows ---------------- */

static bool type_is_list(const struct ArrowSchema *t) {
    return t && t->format && strcmp(t->format, "+l") == 0 && t->n_children == 1;
}

/* What store_grow_append reads of a list column, checked (bad input must not
 * make it read out of bounds): int32 offsets, non-decreasing, inside a
 * child of a fixed-width type that has its value buffer. */
static bool list_appendable(const struct ArrowSchema *t, const struct ArrowArray *l, int64_t n) {
    if (!type_is_list(t) || !l || l->length != n || l->offset < 0 || l->n_buffers != 2 ||
        l->n_children != 1 || !l->buffers || !l->buffers[1] || !l->children || !l->children[0])
        return false;
    if (l->null_count != 0 && !l->buffers[0] && l->null_count != -1) return false;
    const struct ArrowArray *ch = l->children[0];
    const struct ArrowSchema *ct = t->children[0];
    if (ch->offset < 0 || !ch->buffers) return false;
    const int32_t *off = (const int32_t *)l->buffers[1] + l->offset;
    if (off[0] < 0) return false;
    for (int64_t i = 0; i < n; i++)
        if (off[i + 1] < off[i]) return false;
    if (off[n] > ch->length) return false;
    if (strncmp(ct->format, "+w:", 3) == 0) {
        long items = strtol(ct->format + 3, NULL, 10);
        if (ch->n_children != 1 || !ch->children || !ch->children[0]) return false;
        const struct ArrowArray *g = ch->children[0];
        if (g->n_buffers != 2 || !g->buffers || !g->buffers[1] || g->offset < 0 ||
            (ch->offset + ch->length) * items > g->offset + g->length)
            return false;
        if (ch->n_buffers < 1) return false;
    } else {
        if (ch->n_buffers != 2 || !ch->buffers[1]) return false;
    }
    if (ch->null_count != 0 && !ch->buffers[0]) return false;
    return true;
}

static int view_index_cmp(const void *a, const void *b) {
    const rr_chunk_index_t *x = a, *y = b;
    int c = strcmp(x->timeline.name, y->timeline.name);
    if (c) return c;
    return (x->timeline.type > y->timeline.type) - (x->timeline.type < y->timeline.type);
}

static int view_comp_cmp(const void *a, const void *b) {
    const rr_chunk_component_t *x = a, *y = b;
    return rr_component_descriptor_cmp(&x->descr, &y->descr);
}

/* The slow path: a real chunk of the rows, inserted. */
static rr_status_t append_as_chunk(rr_store_t *s, const rr_entity_path_t *entity, int64_t n,
                                   const rr_tuid_t *row_ids, rr_tuid_t chunk_id,
                                   const rr_store_time_column_t *times, size_t n_times,
                                   const rr_store_component_column_t *comps, size_t n_comps,
                                   rr_error_t *err) {
    rr_chunk_t *c = NULL;
    RR_TRY(rr_chunk_new(chunk_id, entity, n, row_ids, &c, err));
    rr_status_t st = RR_OK;
    for (size_t k = 0; k < n_times && st == RR_OK; k++)
        st = rr_chunk_add_index(c, times[k].timeline, times[k].type, times[k].values, err);
    for (size_t j = 0; j < n_comps && st == RR_OK; j++) {
        struct ArrowArray shared;
        memset(&shared, 0, sizeof shared);
        if (!comps[j].list || !comps[j].list->release) {
            st = rr_error_set(err, RR_ERR_INVALID_ARG, "store: append to %s: column %zu has no array",
                              entity->str, j);
            break;
        }
        st = rr_arrow_array_share((struct ArrowArray *)comps[j].list, &shared, err);
        if (st == RR_OK) st = rr_chunk_add_component(c, comps[j].descr, comps[j].type, &shared, err);
    }
    if (st != RR_OK) {
        rr_chunk_free(c);
        return st;
    }
    return rr_store_insert_chunk(s, c, err);
}

/* Appends the rows of view v into the open target sc when they fit
 * (*done); fresh: the last row id when the row ids were made here. */
static rr_status_t view_merge(rr_store_t *s, schunk_t *sc, const rr_chunk_t *v,
                              const rr_tuid_t *fresh, bool *done, rr_error_t *err) {
    *done = false;
    if (!sc->grow) return RR_OK;
    uint64_t used = store_grow_rows_bytes(v);
    bool sorted_after;
    if (used == UINT64_MAX || !small_enough(s, v, used) || !fits(s, sc, v, used, &sorted_after))
        return RR_OK;
    *done = true;
    s->st.num_inserts++;
    /* The merged chunk needs a new id. When the row ids were made here, the
     * last one is such an id already: the generator hands out every TUID
     * once, and this one is used as a row id in this chunk only, so as a
     * chunk id it clashes with no other chunk's (row ids and chunk ids are
     * separate namespaces). It saves a clock read per call. */
    RR_TRY(merge_into(s, sc, v, used, true, sorted_after, fresh, false, err));
    return auto_gc(s, err);
}

rr_status_t rr_store_append_rows(rr_store_t *s, const rr_entity_path_t *entity, int64_t num_rows,
                                 const rr_tuid_t *row_ids, const rr_store_time_column_t *times,
                                 size_t n_times, const rr_store_component_column_t *comps,
                                 size_t n_comps, rr_error_t *err) {
    if (!entity || num_rows < 0 || (n_times && !times) || (n_comps && !comps))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "store: append: bad arguments");
    for (size_t j = 0; j < n_comps; j++)
        if (!comps[j].descr || !comps[j].descr->component || !comps[j].type || !comps[j].type->format)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "store: append to %s: column %zu has no descriptor or type",
                                entity->str, j);
    for (size_t k = 0; k < n_times; k++)
        if (!times[k].timeline || (num_rows && !times[k].values))
            return rr_error_set(err, RR_ERR_INVALID_ARG, "store: append to %s: time column %zu is incomplete",
                                entity->str, k);
    enum { MAXV = 8, MAXR = 64 };
    entity_t *e = find_entity(s, entity);
    bool fast = num_rows > 0 && num_rows <= MAXR && n_times > 0 && n_times <= MAXV &&
                n_comps <= MAXV && compaction_on(s) && e && e->n_open > 0;
    for (size_t j = 0; fast && j < n_comps; j++)
        fast = list_appendable(comps[j].type, comps[j].list, num_rows);
    for (size_t k = 0; fast && k < n_times; k++)
        for (int64_t i = 0; fast && i < num_rows; i++) fast = times[k].values[i] != RR_TIME_STATIC;
    if (fast) {
        /* A borrowed view of the rows as a chunk (nothing allocated): what
         * compaction reads of an inserted chunk. */
        uint8_t rid[16 * MAXR];
        const void *rid_bufs[2] = {NULL, rid};
        const void *time_bufs[MAXV][2];
        rr_chunk_index_t ix[MAXV];
        rr_chunk_component_t cc[MAXV];
        rr_chunk_t v;
        memset(&v, 0, sizeof v);
        v.entity_path = *entity;
        v.num_rows = num_rows;
        v.is_sorted = true;
        rr_tuid_t last_rid = {0, 0};
        for (int64_t i = 0; i < num_rows; i++) {
            last_rid = row_ids ? row_ids[i] : rr_tuid_new();
            rr_tuid_to_bytes(last_rid, rid + 16 * i);
            if (i && memcmp(rid + 16 * (i - 1), rid + 16 * i, 16) > 0) v.is_sorted = false;
        }
        /* The view never enters the store (only its id, in the COMPACTED
         * event's compacted_from), so it needs no clock of its own. */
        v.id = rr_tuid_next(last_rid);
        v.row_ids.length = num_rows;
        v.row_ids.n_buffers = 2;
        v.row_ids.buffers = rid_bufs;
        memset(ix, 0, n_times * sizeof *ix);
        for (size_t k = 0; k < n_times; k++) {
            time_bufs[k][0] = NULL;
            time_bufs[k][1] = times[k].values;
            ix[k].timeline.name = (char *)times[k].timeline;
            ix[k].timeline.type = times[k].type;
            ix[k].array.length = num_rows;
            ix[k].array.n_buffers = 2;
            ix[k].array.buffers = time_bufs[k];
            rr_time_range_t r = rr_time_range_empty();
            bool sorted = true;
            for (int64_t i = 0; i < num_rows; i++) {
                int64_t t = times[k].values[i];
                if (t < r.min) r.min = t;
                if (t > r.max) r.max = t;
                if (i && t < times[k].values[i - 1]) sorted = false;
            }
            ix[k].range = r;
            ix[k].is_sorted = sorted;
        }
        for (size_t j = 0; j < n_comps; j++) {
            cc[j].descr = *comps[j].descr;
            cc[j].type = *comps[j].type;
            cc[j].array = *comps[j].list;
        }
        if (n_times > 1) qsort(ix, n_times, sizeof *ix, view_index_cmp);
        if (n_comps > 1) qsort(cc, n_comps, sizeof *cc, view_comp_cmp);
        v.n_indexes = (int64_t)n_times;
        v.indexes = ix;
        v.n_components = (int64_t)n_comps;
        v.components = cc;
        open_slot_t *os = find_open(e, &v);
        bool done = false;
        rr_status_t st = os ? view_merge(s, os->sc, &v, row_ids ? NULL : &last_rid, &done, err) : RR_OK;
        if (st != RR_OK || done) return st;
    }
    return append_as_chunk(s, entity, num_rows, row_ids, rr_tuid_new(), times, n_times, comps,
                           n_comps, err);
}

rr_status_t rr_store_insert_arrow_msg(rr_store_t *s, const rr_arrow_msg_t *msg, rr_error_t *err) {
    if (!s->ingest) RR_TRY(rr_store_chunk_decoder_new(&s->ingest, err));
    rr_chunk_t *c = NULL;
    RR_TRY(rr_store_chunk_decode(s->ingest, msg, &c, err));
    return rr_store_insert_chunk(s, c, err);
}

rr_status_t rr_store_insert_log_msg(rr_store_t *s, const rr_log_msg_t *msg, bool *inserted,
                                    rr_error_t *err) {
    if (inserted) *inserted = false;
    if (msg->kind != RR_LOG_MSG_ARROW || !rr_store_id_equal(&msg->u.arrow.store_id, &s->id))
        return RR_OK;
    RR_TRY(rr_store_insert_arrow_msg(s, &msg->u.arrow, err));
    if (inserted) *inserted = true;
    return RR_OK;
}

/* ---------------- appenders ---------------- */

#define APP_MAXV 8
#define APP_MAXR 64

struct rr_store_appender {
    rr_store_t *s;
    rr_entity_path_t path;
    size_t n_times, n_comps;
    /* in the chunk's column order; perm maps it to the caller's order */
    rr_timeline_t tl[APP_MAXV];
    size_t tperm[APP_MAXV];
    rr_component_descriptor_t descr[APP_MAXV];
    struct ArrowSchema type[APP_MAXV];
    size_t cperm[APP_MAXV];
    schunk_t *sc;  /* the open target when gen == s->open_gen */
    uint64_t gen;
};

void rr_store_appender_free(rr_store_appender_t *a) {
    if (!a) return;
    rr_entity_path_free(&a->path);
    for (size_t k = 0; k < a->n_times; k++) rr_timeline_free(&a->tl[k]);
    for (size_t j = 0; j < a->n_comps; j++) {
        rr_component_descriptor_free(&a->descr[j]);
        if (a->type[j].release) a->type[j].release(&a->type[j]);
    }
    free(a);
}

rr_status_t rr_store_appender_new(rr_store_t *s, const rr_entity_path_t *entity,
                                  const rr_store_time_column_t *times, size_t n_times,
                                  const rr_store_component_column_t *comps, size_t n_comps,
                                  rr_store_appender_t **out, rr_error_t *err) {
    *out = NULL;
    if (!s || !entity || n_times > APP_MAXV || n_comps > APP_MAXV || (n_times && !times) ||
        (n_comps && !comps))
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "store: appender: bad arguments (at most %d time and %d component columns)",
                            APP_MAXV, APP_MAXV);
    rr_store_appender_t *a = calloc(1, sizeof *a);
    if (!a) return nomem(err, "appender");
    a->s = s;
    rr_status_t st = rr_entity_path_copy(entity, &a->path, err);
    for (size_t k = 0; k < n_times && st == RR_OK; k++) {
        if (!times[k].timeline) {
            st = rr_error_set(err, RR_ERR_INVALID_ARG, "store: appender for %s: time column %zu has no name",
                              entity->str, k);
            break;
        }
        /* insertion into the chunk's order: by timeline name, then type */
        rr_timeline_t tl;
        st = rr_timeline_init(&tl, times[k].timeline, times[k].type, err);
        if (st != RR_OK) break;
        size_t at = a->n_times;
        while (at > 0 && (strcmp(a->tl[at - 1].name, tl.name) > 0 ||
                          (strcmp(a->tl[at - 1].name, tl.name) == 0 && a->tl[at - 1].type > tl.type))) {
            a->tl[at] = a->tl[at - 1];
            a->tperm[at] = a->tperm[at - 1];
            at--;
        }
        a->tl[at] = tl;
        a->tperm[at] = k;
        a->n_times++;
    }
    for (size_t j = 0; j < n_comps && st == RR_OK; j++) {
        if (!comps[j].descr || !comps[j].descr->component || !comps[j].type) {
            st = rr_error_set(err, RR_ERR_INVALID_ARG,
                              "store: appender for %s: column %zu has no descriptor or type", entity->str, j);
            break;
        }
        rr_component_descriptor_t d;
        struct ArrowSchema t;
        memset(&t, 0, sizeof t);
        st = rr_component_descriptor_copy(comps[j].descr, &d, err);
        if (st != RR_OK) break;
        st = rr_arrow_schema_copy(comps[j].type, &t, err);
        if (st != RR_OK) {
            rr_component_descriptor_free(&d);
            break;
        }
        size_t at = a->n_comps;
        while (at > 0 && rr_component_descriptor_cmp(&a->descr[at - 1], &d) > 0) {
            a->descr[at] = a->descr[at - 1];
            a->type[at] = a->type[at - 1];
            a->cperm[at] = a->cperm[at - 1];
            at--;
        }
        a->descr[at] = d;
        a->type[at] = t;
        a->cperm[at] = j;
        a->n_comps++;
    }
    if (st != RR_OK) {
        rr_store_appender_free(a);
        return st;
    }
    *out = a;
    return RR_OK;
}

/* The general path: the rows through rr_store_append_rows. */
static rr_status_t appender_slow(rr_store_appender_t *a, int64_t n, const rr_tuid_t *row_ids,
                                 const int64_t *const *times, const struct ArrowArray *const *lists,
                                 rr_error_t *err) {
    rr_store_time_column_t tc[APP_MAXV];
    rr_store_component_column_t cc[APP_MAXV];
    for (size_t k = 0; k < a->n_times; k++)
        tc[k] = (rr_store_time_column_t){a->tl[k].name, a->tl[k].type, times[a->tperm[k]]};
    for (size_t j = 0; j < a->n_comps; j++)
        cc[j] = (rr_store_component_column_t){&a->descr[j], &a->type[j], lists[a->cperm[j]]};
    return rr_store_append_rows(a->s, &a->path, n, row_ids, tc, a->n_times, cc, a->n_comps, err);
}

rr_status_t rr_store_appender_append(rr_store_appender_t *a, int64_t n, const rr_tuid_t *row_ids,
                                     const int64_t *const *times,
                                     const struct ArrowArray *const *lists, rr_error_t *err) {
    rr_store_t *s = a->s;
    if ((a->n_times && !times) || (a->n_comps && !lists) || n < 0)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "store: append to %s: bad arguments", a->path.str);
    for (size_t k = 0; k < a->n_times; k++)
        if (n && !times[k])
            return rr_error_set(err, RR_ERR_INVALID_ARG, "store: append to %s: time column %zu is missing",
                                a->path.str, k);
    for (size_t j = 0; j < a->n_comps; j++)
        if (!lists[j])
            return rr_error_set(err, RR_ERR_INVALID_ARG, "store: append to %s: column %zu is missing",
                                a->path.str, j);
    bool fast = n > 0 && n <= APP_MAXR && a->n_times > 0 && compaction_on(s);
    for (size_t j = 0; fast && j < a->n_comps; j++)
        fast = list_appendable(&a->type[j], lists[a->cperm[j]], n);
    for (size_t k = 0; fast && k < a->n_times; k++)
        for (int64_t i = 0; fast && i < n; i++) fast = times[k][i] != RR_TIME_STATIC;
    if (!fast) return appender_slow(a, n, row_ids, times, lists, err);
    uint8_t rid[16 * APP_MAXR];
    const void *rid_bufs[2] = {NULL, rid};
    const void *time_bufs[APP_MAXV][2];
    rr_chunk_index_t ix[APP_MAXV];
    rr_chunk_component_t cc[APP_MAXV];
    rr_chunk_t v;
    memset(&v, 0, sizeof v);
    v.entity_path = a->path;
    v.num_rows = n;
    v.is_sorted = true;
    rr_tuid_t last_rid = {0, 0};
    for (int64_t i = 0; i < n; i++) {
        last_rid = row_ids ? row_ids[i] : rr_tuid_new();
        rr_tuid_to_bytes(last_rid, rid + 16 * i);
        if (i && memcmp(rid + 16 * (i - 1), rid + 16 * i, 16) > 0) v.is_sorted = false;
    }
    v.id = rr_tuid_next(last_rid); /* see rr_store_append_rows */
    v.row_ids.length = n;
    v.row_ids.n_buffers = 2;
    v.row_ids.buffers = rid_bufs;
    memset(ix, 0, a->n_times * sizeof *ix);
    for (size_t k = 0; k < a->n_times; k++) {
        const int64_t *tv = times[a->tperm[k]];
        time_bufs[k][0] = NULL;
        time_bufs[k][1] = tv;
        ix[k].timeline = a->tl[k];
        ix[k].array.length = n;
        ix[k].array.n_buffers = 2;
        ix[k].array.buffers = time_bufs[k];
        rr_time_range_t r = rr_time_range_empty();
        bool sorted = true;
        for (int64_t i = 0; i < n; i++) {
            if (tv[i] < r.min) r.min = tv[i];
            if (tv[i] > r.max) r.max = tv[i];
            if (i && tv[i] < tv[i - 1]) sorted = false;
        }
        ix[k].range = r;
        ix[k].is_sorted = sorted;
    }
    for (size_t j = 0; j < a->n_comps; j++) {
        cc[j].descr = a->descr[j];
        cc[j].type = a->type[j];
        cc[j].array = *lists[a->cperm[j]];
    }
    v.n_indexes = (int64_t)a->n_times;
    v.indexes = ix;
    v.n_components = (int64_t)a->n_comps;
    v.components = cc;
    if (a->gen != s->open_gen || !a->sc) {
        entity_t *e = find_entity(s, &a->path);
        open_slot_t *os = e ? find_open(e, &v) : NULL;
        a->sc = os ? os->sc : NULL;
        a->gen = s->open_gen;
    }
    bool done = false;
    if (a->sc) RR_TRY(view_merge(s, a->sc, &v, row_ids ? NULL : &last_rid, &done, err));
    if (done) return RR_OK;
    return appender_slow(a, n, row_ids, times, lists, err);
}

/* ---------------- rows ---------------- */

void rr_store_rows_init(rr_store_rows_t *r) { memset(r, 0, sizeof *r); }
void rr_store_rows_clear(rr_store_rows_t *r) { r->n = 0; }
void rr_store_rows_free(rr_store_rows_t *r) {
    if (!r) return;
    free(r->rows);
    memset(r, 0, sizeof *r);
}

static bool rows_push(rr_store_rows_t *r, rr_store_row_t row) {
    if (r->n == r->cap && !grow_array((void **)&r->rows, &r->cap, r->n + 1, sizeof *r->rows, NULL))
        return false;
    r->rows[r->n++] = row;
    return true;
}

int64_t rr_store_row_num_instances(const rr_store_row_t *r) {
    const struct ArrowArray *l = &r->chunk->components[r->column].array;
    const int32_t *off = (const int32_t *)l->buffers[1] + l->offset;
    return (int64_t)off[r->row + 1] - off[r->row];
}

void rr_store_row_values_range(const rr_store_row_t *r, int64_t *start, int64_t *len) {
    const struct ArrowArray *l = &r->chunk->components[r->column].array;
    const int32_t *off = (const int32_t *)l->buffers[1] + l->offset;
    *start = off[r->row];
    *len = (int64_t)off[r->row + 1] - off[r->row];
}

rr_status_t rr_store_row_cell(const rr_store_row_t *r, struct ArrowArray *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (!r->chunk || r->column < 0 || r->column >= r->chunk->n_components || r->row < 0 ||
        r->row >= r->chunk->num_rows)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "store: cell of an empty or bad row");
    const rr_chunk_component_t *cc = &r->chunk->components[r->column];
    int64_t idx = r->row;
    return rr_arrow_take(&cc->type, &cc->array, &idx, 1, out, err);
}

/* ---------------- queries ---------------- */

static void fill_row(rr_store_row_t *out, const schunk_t *sc, int64_t row, int64_t col,
                     int64_t time) {
    out->chunk = sc->c;
    out->row = row;
    out->column = col;
    out->time = time;
    out->row_id = row_id_at(sc->c, row);
}

bool rr_store_latest_static(const rr_store_t *s, const rr_entity_path_t *entity,
                            const char *component, rr_store_row_t *out) {
    memset(out, 0, sizeof *out);
    ecomp_t *ec = find_comp(find_entity(s, entity), component);
    if (!ec || !ec->has_static) return false;
    fill_row(out, ec->st_sc, ec->st_row, ec->st_col, RR_TIME_STATIC);
    return true;
}

static const tindex_t *get_tindex(const rr_store_t *s, const ecomp_t *ec, const char *timeline) {
    int tl = find_tl(s, timeline);
    if (tl < 0 || (size_t)tl >= ec->n_tl) return NULL;
    return &ec->tl[tl];
}

bool rr_store_latest_at(const rr_store_t *s, const rr_entity_path_t *entity, const char *timeline,
                        int64_t t, const char *component, rr_store_row_t *out) {
    memset(out, 0, sizeof *out);
    ecomp_t *ec = find_comp(find_entity(s, entity), component);
    if (!ec) return false;
    if (ec->has_static) {
        fill_row(out, ec->st_sc, ec->st_row, ec->st_col, RR_TIME_STATIC);
        return true;
    }
    const tindex_t *ti = get_tindex(s, ec, timeline);
    if (!ti || ti->n == 0) return false;
    size_t lo = 0, hi = ti->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ti->e[mid].min <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    bool found = false;
    int64_t best_t = 0;
    const uint8_t *best_rid = NULL;
    for (size_t i = lo; i-- > 0;) {
        if (found && ti->pmax[i] < best_t) break;
        const ix_entry_t *en = &ti->e[i];
        if (found && en->max < best_t) continue;
        const int64_t *tm = en->times;
        const int32_t *ord = en->order;
        int64_t a = 0, b = en->sc->c->num_rows;
        while (a < b) {
            int64_t mid = a + (b - a) / 2;
            if (tm[ord ? ord[mid] : mid] <= t)
                a = mid + 1;
            else
                b = mid;
        }
        for (int64_t p = a; p-- > 0;) {
            int64_t row = ord ? ord[p] : p;
            if (found && tm[row] < best_t) break;
            if (!rr_arrow_array_is_valid(en->list, row)) continue;
            const uint8_t *rid = en->row_ids + 16 * row;
            if (!found || tm[row] > best_t || memcmp(rid, best_rid, 16) > 0) {
                found = true;
                best_t = tm[row];
                best_rid = rid;
                out->chunk = en->sc->c;
                out->row = row;
                out->column = en->col;
                out->time = tm[row];
            }
            break;
        }
    }
    if (found) out->row_id = rr_tuid_from_bytes(best_rid);
    return found;
}

/* The clear that shadows data at entity: the greatest index among the
 * entity's own latest clear and its ancestors' recursive latest clears. */
static bool max_clear(const rr_store_t *s, const rr_entity_path_t *entity, const char *timeline,
                      int64_t t, int64_t *ct, rr_tuid_t *crid) {
    bool any = false;
    size_t n = entity->n_parts;
    for (size_t depth = n + 1; depth-- > 0;) {
        rr_entity_path_t tmp;
        const rr_entity_path_t *p = entity;
        if (depth != n) {
            if (rr_entity_path_from_parts((const char *const *)entity->parts, depth, &tmp, NULL) != RR_OK)
                continue;
            p = &tmp;
        }
        rr_store_row_t r;
        bool got = rr_store_latest_at(s, p, timeline, t, RR_STORE_CLEAR_COMPONENT, &r);
        if (p != entity) rr_entity_path_free(&tmp);
        if (!got) continue;
        bool recursive = false;
        if (depth != n) {
            const struct ArrowArray *l = &r.chunk->components[r.column].array;
            const struct ArrowSchema *ty = &r.chunk->components[r.column].type;
            int64_t start, len;
            rr_store_row_values_range(&r, &start, &len);
            const struct ArrowArray *ch = l->children[0];
            if (len > 0 && strcmp(ty->children[0]->format, "b") == 0 &&
                rr_arrow_array_is_valid(ch, start))
                recursive = rr_arrow_bit_get(ch->buffers[1], ch->offset + start);
        }
        if (depth != n && !recursive) continue;
        if (!any || index_cmp(r.time, r.row_id, *ct, *crid) > 0) {
            *ct = r.time;
            *crid = r.row_id;
            any = true;
        }
    }
    return any;
}

void rr_store_query_latest_at(const rr_store_t *s, const rr_entity_path_t *entity,
                              const char *timeline, int64_t t, const char *const *components,
                              size_t n, rr_store_row_t *out, bool *found) {
    int64_t ct = 0;
    rr_tuid_t crid = {0, 0};
    bool cleared = s->has_clears && max_clear(s, entity, timeline, t, &ct, &crid);
    for (size_t i = 0; i < n; i++) {
        found[i] = rr_store_latest_at(s, entity, timeline, t, components[i], &out[i]);
        if (found[i] && cleared && strcmp(components[i], RR_STORE_CLEAR_COMPONENT) != 0 &&
            index_cmp(out[i].time, out[i].row_id, ct, crid) <= 0) {
            found[i] = false;
            memset(&out[i], 0, sizeof out[i]);
        }
    }
}

static int row_cmp(const void *a, const void *b) {
    const rr_store_row_t *x = a, *y = b;
    if (x->time != y->time) return x->time < y->time ? -1 : 1;
    return rr_tuid_cmp(x->row_id, y->row_id);
}

rr_status_t rr_store_range(const rr_store_t *s, const rr_entity_path_t *entity,
                           const char *timeline, rr_time_range_t range, const char *component,
                           rr_store_rows_t *out, rr_error_t *err) {
    ecomp_t *ec = find_comp(find_entity(s, entity), component);
    if (!ec) return RR_OK;
    if (ec->has_static) {
        rr_store_row_t r;
        fill_row(&r, ec->st_sc, ec->st_row, ec->st_col, RR_TIME_STATIC);
        if (!rows_push(out, r)) return nomem(err, "range rows");
        return RR_OK;
    }
    const tindex_t *ti = get_tindex(s, ec, timeline);
    if (!ti || ti->n == 0 || rr_time_range_is_empty(range)) return RR_OK;
    /* First entry whose running max reaches range.min; last with min <= range.max. */
    size_t lo = 0, hi = ti->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ti->pmax[mid] < range.min)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t first = lo;
    lo = first;
    hi = ti->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ti->e[mid].min <= range.max)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo, n0 = out->n;
    bool ordered = true;
    for (size_t i = first; i < end; i++) {
        const ix_entry_t *en = &ti->e[i];
        if (en->max < range.min) continue;
        const schunk_t *sc = en->sc;
        const int64_t *tm = times_of(sc->c, en->k);
        int64_t a = range.min == INT64_MIN ? 0 : upper_time(sc, en->k, range.min - 1);
        int64_t b = upper_time(sc, en->k, range.max);
        if (a < b && out->n > n0) {
            const rr_store_row_t *last = &out->rows[out->n - 1];
            int64_t r0 = ord_row(sc, en->k, a);
            if (tm[r0] < last->time ||
                (tm[r0] == last->time && rr_tuid_cmp(row_id_at(sc->c, r0), last->row_id) < 0))
                ordered = false;
        }
        size_t need = out->n + (size_t)(b - a);
        if (need > out->cap && !grow_array((void **)&out->rows, &out->cap, need, sizeof *out->rows, NULL))
            return nomem(err, "range rows");
        const struct ArrowArray *l = &sc->c->components[en->col].array;
        bool nulls = l->null_count != 0 && l->buffers[0];
        if (!nulls && !(sc->order && sc->order[en->k])) {
            /* physical order, every cell valid: a straight copy */
            rr_store_row_t *r = out->rows + out->n;
            const uint8_t *rid = row_id_ptr(sc->c, 0);
            for (int64_t p = a; p < b; p++, r++) {
                r->chunk = sc->c;
                r->row = p;
                r->column = en->col;
                r->time = tm[p];
                r->row_id = tuid_load(rid + 16 * p);
            }
            out->n += (size_t)(b - a);
            continue;
        }
        for (int64_t p = a; p < b; p++) {
            int64_t row = ord_row(sc, en->k, p);
            if (nulls && !rr_arrow_array_is_valid(l, row)) continue;
            rr_store_row_t *r = &out->rows[out->n++];
            r->chunk = sc->c;
            r->row = row;
            r->column = en->col;
            r->time = tm[row];
            r->row_id = row_id_at(sc->c, row);
        }
    }
    if (!ordered) qsort(out->rows + n0, out->n - n0, sizeof *out->rows, row_cmp);
    return RR_OK;
}

/* ---------------- what the store holds ---------------- */

size_t rr_store_num_entities(const rr_store_t *s) { return s->n_ents; }
const rr_entity_path_t *rr_store_entity(const rr_store_t *s, size_t i) {
    return i < s->n_ents ? &s->ents[i]->path : NULL;
}
bool rr_store_has_entity(const rr_store_t *s, const rr_entity_path_t *entity) {
    return find_entity(s, entity) != NULL;
}
size_t rr_store_num_timelines(const rr_store_t *s) { return s->n_tls; }
const rr_timeline_t *rr_store_timeline(const rr_store_t *s, size_t i) {
    return i < s->n_tls ? &s->tls[i] : NULL;
}
const rr_timeline_t *rr_store_find_timeline(const rr_store_t *s, const char *name) {
    int i = find_tl(s, name);
    return i < 0 ? NULL : &s->tls[i];
}

static void entity_range(const rr_store_t *s, const entity_t *e, int tl, rr_time_range_t *r) {
    (void)s;
    for (size_t j = 0; j < e->n_comps; j++) {
        const ecomp_t *ec = e->comps[j];
        if ((size_t)tl >= ec->n_tl || ec->tl[tl].n == 0) continue;
        const tindex_t *ti = &ec->tl[tl];
        rr_time_range_t x = {ti->e[0].min, ti->pmax[ti->n - 1]};
        *r = rr_time_range_union(*r, x);
    }
}

bool rr_store_time_range(const rr_store_t *s, const rr_entity_path_t *entity, const char *timeline,
                         rr_time_range_t *out) {
    *out = rr_time_range_empty();
    int tl = find_tl(s, timeline);
    if (tl < 0) return false;
    if (entity) {
        const entity_t *e = find_entity(s, entity);
        if (e) entity_range(s, e, tl, out);
    } else {
        for (size_t i = 0; i < s->n_ents; i++) entity_range(s, s->ents[i], tl, out);
    }
    return !rr_time_range_is_empty(*out);
}

size_t rr_store_entity_num_components(const rr_store_t *s, const rr_entity_path_t *entity) {
    const entity_t *e = find_entity(s, entity);
    return e ? e->n_comps : 0;
}

const rr_component_descriptor_t *rr_store_entity_component(const rr_store_t *s,
                                                           const rr_entity_path_t *entity,
                                                           size_t i,
                                                           const struct ArrowSchema **type) {
    const entity_t *e = find_entity(s, entity);
    if (!e || i >= e->n_comps) return NULL;
    if (type) *type = &e->comps[i]->type;
    return &e->comps[i]->descr;
}

bool rr_store_entity_component_is_static(const rr_store_t *s, const rr_entity_path_t *entity,
                                         const char *component) {
    const ecomp_t *ec = find_comp(find_entity(s, entity), component);
    return ec && ec->has_static;
}

size_t rr_store_num_chunks(const rr_store_t *s) { return s->n_chunks; }
const rr_chunk_t *rr_store_chunk_at(const rr_store_t *s, size_t i) {
    return i < s->n_chunks ? s->chunks[i]->c : NULL;
}
const rr_chunk_t *rr_store_find_chunk(const rr_store_t *s, rr_tuid_t id) {
    const schunk_t *sc = id_find(s, id);
    return sc ? sc->c : NULL;
}

void rr_store_visit_temporal_chunks(const rr_store_t *s, const rr_entity_path_t *entity,
                                    const char *timeline, const char *component,
                                    rr_time_range_t range, rr_store_chunk_fn fn, void *ctx) {
    const entity_t *e = find_entity(s, entity);
    int tl = find_tl(s, timeline);
    if (!e || tl < 0) return;
    if (component) {
        const ecomp_t *ec = find_comp(e, component);
        if (!ec || (size_t)tl >= ec->n_tl) return;
        const tindex_t *ti = &ec->tl[tl];
        for (size_t i = 0; i < ti->n && ti->e[i].min <= range.max; i++)
            if (ti->e[i].max >= range.min && !fn(ctx, ti->e[i].sc->c)) return;
        return;
    }
    /* Any component: gather the distinct chunks of every component's index. */
    size_t cap = 0, n = 0;
    ix_entry_t *all = NULL;
    for (size_t j = 0; j < e->n_comps; j++) {
        const ecomp_t *ec = e->comps[j];
        if ((size_t)tl >= ec->n_tl) continue;
        const tindex_t *ti = &ec->tl[tl];
        for (size_t i = 0; i < ti->n && ti->e[i].min <= range.max; i++) {
            if (ti->e[i].max < range.min) continue;
            if (!grow_array((void **)&all, &cap, n + 1, sizeof *all, NULL)) goto out;
            all[n++] = ti->e[i];
        }
    }
    for (size_t i = 1; i < n; i++) {
        ix_entry_t x = all[i];
        size_t j = i;
        while (j > 0 && (all[j - 1].min > x.min ||
                         (all[j - 1].min == x.min && (uintptr_t)all[j - 1].sc > (uintptr_t)x.sc))) {
            all[j] = all[j - 1];
            j--;
        }
        all[j] = x;
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && all[i].sc == all[i - 1].sc) continue;
        bool dup = false;
        for (size_t j = i; j-- > 0 && all[j].min == all[i].min;)
            if (all[j].sc == all[i].sc) dup = true;
        if (!dup && !fn(ctx, all[i].sc->c)) break;
    }
out:
    free(all);
}

void rr_store_visit_static_chunks(const rr_store_t *s, const rr_entity_path_t *entity,
                                  rr_store_chunk_fn fn, void *ctx) {
    for (size_t i = 0; i < s->n_chunks; i++) {
        const schunk_t *sc = s->chunks[i];
        if (!sc->is_static) continue;
        if (entity && !rr_entity_path_equal(&sc->c->entity_path, entity)) continue;
        if (!fn(ctx, sc->c)) return;
    }
}

/* ---------------- GC ---------------- */

uint64_t rr_store_memory_bytes(const rr_store_t *s) { return s->arrow_bytes + s->index_bytes; }

void rr_store_get_stats(const rr_store_t *s, rr_store_stats_t *out) {
    *out = s->st;
    out->num_chunks = s->n_chunks;
    out->num_static_chunks = out->num_rows = out->num_static_rows = 0;
    for (size_t i = 0; i < s->n_chunks; i++) {
        const schunk_t *sc = s->chunks[i];
        out->num_rows += (uint64_t)sc->c->num_rows;
        if (sc->is_static) {
            out->num_static_chunks++;
            out->num_static_rows += (uint64_t)sc->c->num_rows;
        }
    }
    out->arrow_bytes = s->arrow_bytes;
    out->index_bytes = s->index_bytes;
    out->total_bytes = s->arrow_bytes + s->index_bytes;
}

typedef struct gc_cand {
    schunk_t *sc;
    int64_t dist; /* furthest-from distance; -1 when not on that timeline */
} gc_cand_t;

static int cand_cmp(const void *a, const void *b) {
    const gc_cand_t *x = a, *y = b;
    if (x->dist != y->dist) return x->dist > y->dist ? -1 : 1;
    return rr_tuid_cmp(x->sc->min_row_id, y->sc->min_row_id);
}

static void mark_protected(rr_store_t *s, uint32_t keep) {
    for (size_t i = 0; i < s->n_chunks; i++) s->chunks[i]->protect = false;
    if (!keep) return;
    for (size_t i = 0; i < s->n_ents; i++) {
        entity_t *e = s->ents[i];
        for (size_t j = 0; j < e->n_comps; j++) {
            ecomp_t *ec = e->comps[j];
            for (size_t t = 0; t < ec->n_tl; t++) {
                tindex_t *ti = &ec->tl[t];
                /* The newest by start time, and the newest by end time. */
                for (size_t q = 0; q < keep && q < ti->n; q++) ti->e[ti->n - 1 - q].sc->protect = true;
                for (uint32_t q = 0; q < keep && q < ti->n; q++) {
                    ix_entry_t *best = NULL;
                    for (size_t x = 0; x < ti->n; x++) {
                        ix_entry_t *en = &ti->e[x];
                        if (en->sc->protect && q > 0) continue;
                        if (!best || en->max > best->max) best = en;
                    }
                    if (best) best->sc->protect = true;
                }
            }
        }
    }
}

static void purge_dead_from_indices(rr_store_t *s) {
    for (size_t i = 0; i < s->n_ents; i++) {
        entity_t *e = s->ents[i];
        for (size_t j = 0; j < e->n_comps; j++) {
            ecomp_t *ec = e->comps[j];
            for (size_t t = 0; t < ec->n_tl; t++) {
                tindex_t *ti = &ec->tl[t];
                size_t w = 0;
                for (size_t r = 0; r < ti->n; r++)
                    if (!ti->e[r].sc->dead) ti->e[w++] = ti->e[r];
                if (w != ti->n) {
                    ti->n = w;
                    pmax_from(ti, 0);
                }
            }
        }
    }
}

rr_status_t rr_store_gc(rr_store_t *s, const rr_store_gc_options_t *opts,
                        rr_store_gc_report_t *report, rr_error_t *err) {
    rr_store_gc_report_t rep;
    memset(&rep, 0, sizeof rep);
    rep.bytes_before = rr_store_memory_bytes(s);
    uint64_t target = opts->drop_at_least_bytes;
    if (opts->drop_at_least_fraction > 0) {
        uint64_t f = (uint64_t)((double)rep.bytes_before * opts->drop_at_least_fraction + 0.5);
        if (f > target) target = f;
    }
    s->st.gc_runs++;
    gc_cand_t *cands = NULL;
    size_t n = 0;
    if (target > 0) {
        cands = malloc((s->n_chunks + 1) * sizeof *cands);
        if (!cands) return nomem(err, "gc");
        mark_protected(s, opts->protect_latest);
        for (size_t i = 0; i < s->n_chunks; i++) {
            schunk_t *sc = s->chunks[i];
            if (sc->is_static || sc->protect) continue;
            int64_t dist = -1;
            if (opts->furthest_from_timeline) {
                rr_time_range_t r;
                if (rr_chunk_time_range(sc->c, opts->furthest_from_timeline, &r)) {
                    int64_t t0 = opts->furthest_from_time;
                    uint64_t d = r.max < t0 ? (uint64_t)t0 - (uint64_t)r.max
                                 : r.min > t0 ? (uint64_t)r.min - (uint64_t)t0 : 0;
                    dist = d > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)d;
                }
            }
            cands[n++] = (gc_cand_t){sc, dist};
        }
        qsort(cands, n, sizeof *cands, cand_cmp);
    }
    uint64_t dropped = 0;
    size_t n_dead = 0;
    for (size_t i = 0; i < n && dropped < target; i++) {
        schunk_t *sc = cands[i].sc;
        sc->dead = true;
        dropped += sc->bytes + sizeof *sc + sc->meta_bytes;
        n_dead++;
    }
    if (n_dead) {
        purge_dead_from_indices(s);
        for (size_t i = 0; i < n_dead; i++) {
            schunk_t *sc = cands[i].sc;
            rep.chunks_dropped++;
            rep.rows_dropped += (uint64_t)sc->c->num_rows;
            detach(s, sc);
            fire(s, RR_STORE_EVENT_REMOVED, sc->c, NULL, 0);
            free_schunk(s, sc);
        }
    }
    free(cands);
    rep.bytes_after = rr_store_memory_bytes(s);
    rep.bytes_dropped = rep.bytes_before > rep.bytes_after ? rep.bytes_before - rep.bytes_after : 0;
    s->st.gc_chunks_dropped += rep.chunks_dropped;
    s->st.gc_bytes_dropped += rep.bytes_dropped;
    if (report) *report = rep;
    return RR_OK;
}

static rr_status_t auto_gc(rr_store_t *s, rr_error_t *err) {
    if (!s->gc_limit) return RR_OK;
    uint64_t used = rr_store_memory_bytes(s);
    if (used <= s->gc_limit) return RR_OK;
    rr_store_gc_options_t o;
    memset(&o, 0, sizeof o);
    o.drop_at_least_bytes = used - s->gc_limit + s->gc_limit / 10;
    o.protect_latest = s->cfg.gc_protect_latest;
    return rr_store_gc(s, &o, NULL, err);
}

/* ---------------- store sets ---------------- */

struct rr_store_set {
    rr_store_config_t cfg;
    rr_store_t **stores;
    size_t n, cap;
};

rr_status_t rr_store_set_new(const rr_store_config_t *cfg, rr_store_set_t **out, rr_error_t *err) {
    rr_store_set_t *set = calloc(1, sizeof *set);
    if (!set) return nomem(err, "store set");
    if (cfg)
        set->cfg = *cfg;
    else
        rr_store_config_default(&set->cfg);
    *out = set;
    return RR_OK;
}

void rr_store_set_free(rr_store_set_t *set) {
    if (!set) return;
    for (size_t i = 0; i < set->n; i++) rr_store_free(set->stores[i]);
    free(set->stores);
    free(set);
}

size_t rr_store_set_count(const rr_store_set_t *set) { return set->n; }
rr_store_t *rr_store_set_get(const rr_store_set_t *set, size_t i) {
    return i < set->n ? set->stores[i] : NULL;
}
rr_store_t *rr_store_set_find(const rr_store_set_t *set, const rr_store_id_t *id) {
    for (size_t i = 0; i < set->n; i++)
        if (rr_store_id_equal(&set->stores[i]->id, id)) return set->stores[i];
    return NULL;
}

static rr_status_t set_store(rr_store_set_t *set, const rr_store_id_t *id, rr_store_t **out,
                             rr_error_t *err) {
    rr_store_t *s = rr_store_set_find(set, id);
    if (!s) {
        if (!grow_array((void **)&set->stores, &set->cap, set->n + 1, sizeof *set->stores, NULL))
            return nomem(err, "store set");
        RR_TRY(rr_store_new(id, &set->cfg, &s, err));
        set->stores[set->n++] = s;
    }
    *out = s;
    return RR_OK;
}

rr_status_t rr_store_set_insert_log_msg(rr_store_set_t *set, const rr_log_msg_t *msg,
                                        rr_error_t *err) {
    rr_store_t *s;
    if (msg->kind == RR_LOG_MSG_SET_STORE_INFO)
        return set_store(set, &msg->u.set_store_info.info.store_id, &s, err);
    if (msg->kind != RR_LOG_MSG_ARROW) return RR_OK;
    RR_TRY(set_store(set, &msg->u.arrow.store_id, &s, err));
    return rr_store_insert_arrow_msg(s, &msg->u.arrow, err);
}

static rr_status_t set_on_message(void *ctx, rr_rrd_message_t *m, rr_error_t *err) {
    rr_status_t st = rr_store_set_insert_log_msg(ctx, &m->msg, err);
    if (st != RR_OK) rr_error_prefix(err, "message at byte %llu: ", (unsigned long long)m->offset);
    rr_rrd_message_free(m);
    return st;
}

rr_status_t rr_store_set_load_rrd_bytes(rr_store_set_t *set, const void *data, size_t len,
                                        rr_error_t *err) {
    return rr_rrd_decode_all(data, len, set_on_message, set, err);
}

rr_status_t rr_store_set_load_rrd_fd(rr_store_set_t *set, int fd, const char *name,
                                     rr_error_t *err) {
    rr_rrd_decoder_t *d = NULL;
    rr_status_t st = rr_rrd_decoder_new(NULL, &d, err);
    while (st == RR_OK) {
        /* Messages first: next_ref must have been called before a large
         * body arrives for read_fd to place it in its own buffer. */
        for (;;) {
            rr_rrd_message_t m;
            bool have = false;
            st = rr_rrd_decoder_next_ref(d, &m, &have, err);
            if (st != RR_OK || !have) break;
            st = set_on_message(set, &m, err);
            if (st != RR_OK) break;
        }
        if (st != RR_OK) break;
        size_t got = 0;
        st = rr_rrd_decoder_read_fd(d, fd, &got, err);
        if (st != RR_OK || got == 0) break;
    }
    if (st == RR_OK) st = rr_rrd_decoder_finish(d, err);
    if (st != RR_OK) rr_error_prefix(err, "%s: ", name ? name : "<fd>");
    rr_rrd_decoder_free(d);
    return st;
}

rr_status_t rr_store_set_load_rrd_file(rr_store_set_t *set, const char *path, rr_error_t *err) {
    if (strcmp(path, "-") == 0) return rr_store_set_load_rrd_fd(set, 0, "<stdin>", err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return rr_error_set(err, RR_ERR_IO, "store: cannot open %s: %s", path, strerror(errno));
    rr_status_t st = rr_store_set_load_rrd_fd(set, fd, path, err);
    close(fd);
    return st;
}
