/* Internals of the chunk store shared by store.c (indices, queries, GC,
 * events) and store_grow.c (chunks that compaction appends to in place). Not
 * for use outside src/store/store*.c. */
#ifndef RR_STORE_INTERNAL_H
#define RR_STORE_INTERNAL_H

#include "arrow/array.h"
#include "store/store.h"

/* A chunk whose buffers have spare capacity, so compaction appends rows in
 * amortised O(1) instead of concatenating. Only columns of fixed-width
 * values (a list of primitives or of fixed-size lists of primitives) can
 * grow; store_grow_can_take says which chunks qualify. */
typedef struct store_grow_col {
    int64_t width;             /* bytes per child element (N * primitive for a fixed-size list) */
    bool fsl;                  /* child is a fixed-size list (values in the grandchild) */
    int64_t cap_vals;          /* child elements the buffers hold */
    int64_t n_vals;
    rr_arrow_blob_t *validity; /* list validity, cap_rows bits */
    rr_arrow_blob_t *offsets;  /* (cap_rows + 1) int32 */
    rr_arrow_blob_t *cvalid;   /* child validity, cap_vals bits */
    rr_arrow_blob_t *values;   /* cap_vals * width */
} store_grow_col_t;

typedef struct store_grow {
    int64_t cap_rows;
    rr_arrow_blob_t *row_ids;  /* cap_rows * 16 */
    rr_arrow_blob_t **times;   /* per index column: cap_rows * 8 */
    int64_t n_times;
    store_grow_col_t *cols;    /* per component column */
    int64_t n_cols;
    uint64_t bytes;            /* the blobs' lengths, kept as they grow */
} store_grow_t;

/* Whether every component column of c is of a growable type and its values
 * can be copied (no nulls inside fixed-size lists). */
bool store_grow_can_take(const rr_chunk_t *c);

/* Bytes the rows of c use, what rr_chunk_byte_size counts for them, when
 * store_grow_can_take(c); UINT64_MAX when it cannot (one pass for both
 * questions). For the compaction thresholds. */
uint64_t store_grow_rows_bytes(const rr_chunk_t *c);
/* The same for a chunk c whose columns are those of the growable chunk g
 * holds (same names and types): g's widths stand for parsing c's types. */
uint64_t store_grow_rows_bytes_as(const rr_chunk_t *c, const store_grow_t *g);

/* A new empty growable chunk with the columns (names, types, descriptors) of
 * like, holding cap_rows rows, with a new chunk id. */
rr_status_t store_grow_new(const rr_chunk_t *like, int64_t cap_rows, rr_chunk_t **out,
                           store_grow_t **grow, rr_error_t *err);
/* Appends every row of src (same columns as dst) to dst, growing buffers. */
rr_status_t store_grow_append(rr_chunk_t *dst, store_grow_t *g, const rr_chunk_t *src,
                              rr_error_t *err);
/* Bytes the growable buffers allocate (capacity, not length). */
uint64_t store_grow_bytes(const store_grow_t *g);
void store_grow_free(store_grow_t *g); /* NULL-safe; the chunk's arrays keep their own references */

#endif
