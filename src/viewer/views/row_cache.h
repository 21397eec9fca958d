/* The views' GPU caches are keyed by a store row: (chunk id, row, kind of
 * thing drawn). This is the hash table under them: entries the view defines
 * with an rr_row_cache_entry_t as their first member (`base`), allocated
 * zeroed by insert, found by key, and dropped a chunk at a time when the
 * store removes or compacts that chunk (store events). The view frees what
 * an entry holds in its drop callback. Not thread-safe (the UI thread). */
#ifndef RR_VIEWER_VIEWS_ROW_CACHE_H
#define RR_VIEWER_VIEWS_ROW_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/tuid.h"

typedef struct rr_row_cache_entry {
    struct rr_row_cache_entry *next;
    rr_tuid_t chunk_id;
    int64_t row;
    int kind;
} rr_row_cache_entry_t;

typedef struct rr_row_cache {
    rr_row_cache_entry_t **buckets;
    size_t n_buckets; /* a power of two */
    size_t n_entries;
} rr_row_cache_t;

/* Frees an entry and what it holds (ctx: the view). */
typedef void (*rr_row_cache_drop_fn)(void *ctx, rr_row_cache_entry_t *e);

/* n_buckets: a power of two. False when out of memory. */
bool rr_row_cache_init(rr_row_cache_t *c, size_t n_buckets);
/* Drops every entry, frees the table, zeroes *c. */
void rr_row_cache_free(rr_row_cache_t *c, rr_row_cache_drop_fn drop, void *ctx);
rr_row_cache_entry_t *rr_row_cache_find(const rr_row_cache_t *c, rr_tuid_t id, int64_t row, int kind);
/* A new zeroed entry of `size` bytes (the view's entry type) with this key;
 * NULL when out of memory. The table grows as it fills. */
rr_row_cache_entry_t *rr_row_cache_insert(rr_row_cache_t *c, size_t size, rr_tuid_t id, int64_t row,
                                          int kind);
/* Drops the entries of chunk id; returns how many went. */
size_t rr_row_cache_drop_chunk(rr_row_cache_t *c, rr_tuid_t id, rr_row_cache_drop_fn drop, void *ctx);

#endif
