/* The views' per-row GPU cache table (row_cache.h): chained buckets, the
 * chunk id hashed (a chunk's rows share a bucket, so dropping a chunk walks
 * one chain), doubled when it holds twice as many entries as buckets. */
#include "viewer/views/row_cache.h"

#include <stdlib.h>

static size_t bucket_of(const rr_row_cache_t *c, rr_tuid_t id) {
    uint64_t h = (id.time_ns * 0x9E3779B97F4A7C15ull) ^ (id.inc * 0xC2B2AE3D27D4EB4Full);
    return (size_t)(h >> 17) & (c->n_buckets - 1);
}

static bool same_chunk(rr_tuid_t a, rr_tuid_t b) { return a.time_ns == b.time_ns && a.inc == b.inc; }

bool rr_row_cache_init(rr_row_cache_t *c, size_t n_buckets) {
    c->n_entries = 0;
    c->n_buckets = n_buckets;
    c->buckets = calloc(n_buckets, sizeof *c->buckets);
    return c->buckets != NULL;
}

void rr_row_cache_free(rr_row_cache_t *c, rr_row_cache_drop_fn drop, void *ctx) {
    for (size_t i = 0; c->buckets && i < c->n_buckets; i++)
        for (rr_row_cache_entry_t *e = c->buckets[i], *next; e; e = next) {
            next = e->next;
            drop(ctx, e);
        }
    free(c->buckets);
    c->buckets = NULL;
    c->n_buckets = c->n_entries = 0;
}

rr_row_cache_entry_t *rr_row_cache_find(const rr_row_cache_t *c, rr_tuid_t id, int64_t row, int kind) {
    for (rr_row_cache_entry_t *e = c->buckets[bucket_of(c, id)]; e; e = e->next)
        if (same_chunk(e->chunk_id, id) && e->row == row && e->kind == kind) return e;
    return NULL;
}

static void grow(rr_row_cache_t *c) {
    size_t n = c->n_buckets * 2;
    rr_row_cache_entry_t **nb = calloc(n, sizeof *nb);
    if (!nb) return; /* longer chains, still correct */
    rr_row_cache_entry_t **old = c->buckets;
    size_t old_n = c->n_buckets;
    c->buckets = nb;
    c->n_buckets = n;
    for (size_t i = 0; i < old_n; i++)
        for (rr_row_cache_entry_t *e = old[i], *next; e; e = next) {
            next = e->next;
            size_t b = bucket_of(c, e->chunk_id);
            e->next = nb[b];
            nb[b] = e;
        }
    free(old);
}

rr_row_cache_entry_t *rr_row_cache_insert(rr_row_cache_t *c, size_t size, rr_tuid_t id, int64_t row,
                                          int kind) {
    if (c->n_entries >= c->n_buckets * 2) grow(c);
    rr_row_cache_entry_t *e = calloc(1, size);
    if (!e) return NULL;
    e->chunk_id = id;
    e->row = row;
    e->kind = kind;
    size_t b = bucket_of(c, id);
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->n_entries++;
    return e;
}

size_t rr_row_cache_drop_chunk(rr_row_cache_t *c, rr_tuid_t id, rr_row_cache_drop_fn drop, void *ctx) {
    size_t n = 0;
    rr_row_cache_entry_t **pp = &c->buckets[bucket_of(c, id)];
    while (*pp) {
        rr_row_cache_entry_t *e = *pp;
        if (same_chunk(e->chunk_id, id)) {
            *pp = e->next;
            c->n_entries--;
            drop(ctx, e);
            n++;
        } else {
            pp = &e->next;
        }
    }
    return n;
}
