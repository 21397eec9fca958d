/* ArrowArray trees that rerun-c owns: allocation, buffer ownership, and the
 * shared byte blobs that make zero-copy reading possible.
 *
 * An array made here has a release callback that frees what it owns: buffers
 * it allocated (rr_alloc_aligned), references it holds on blobs (a blob is a
 * refcounted byte range, e.g. a whole IPC message body or a mapped file),
 * its children and its dictionary. Arrays of one IPC message all point into
 * the message's blob and keep it alive; the caller may drop its own blob
 * reference right after reading. */
#ifndef RR_ARROW_ARRAY_H
#define RR_ARROW_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arrow/abi.h"
#include "arrow/type.h"
#include "base/status.h"

/* ---- blobs ---- */

typedef struct rr_arrow_blob {
    const uint8_t *data;
    size_t len;
    /* private */
    long refcount; /* atomic */
    void (*free_fn)(void *ctx);
    void *ctx;
} rr_arrow_blob_t;

/* A new blob of len bytes of RR_ALIGNMENT-aligned, uninitialised storage
 * (write through (uint8_t *)blob->data). refcount 1. NULL on failure. */
rr_arrow_blob_t *rr_arrow_blob_new(size_t len);
/* Copies len bytes into a new aligned blob. */
rr_arrow_blob_t *rr_arrow_blob_copy(const void *data, size_t len);
/* Wraps memory owned elsewhere; free_fn(ctx) runs when the last reference
 * goes (free_fn may be NULL for memory that outlives every array). */
rr_arrow_blob_t *rr_arrow_blob_wrap(const void *data, size_t len, void (*free_fn)(void *ctx),
                                    void *ctx);
/* Takes ownership of memory from rr_alloc_aligned / rr_buf_detach. */
rr_arrow_blob_t *rr_arrow_blob_adopt(void *aligned_data, size_t len);
void rr_arrow_blob_retain(rr_arrow_blob_t *b);
void rr_arrow_blob_release(rr_arrow_blob_t *b); /* NULL-safe */

/* ---- arrays ---- */

#define RR_ARROW_MAX_BUFFERS 3

/* Fills *a (not live) with a zero-length array having n_buffers NULL
 * buffers, n_children zeroed child slots (release == NULL) and, when
 * with_dictionary, a zeroed dictionary slot. The caller sets length,
 * null_count, offset, buffers and children. */
rr_status_t rr_arrow_array_init(struct ArrowArray *a, int64_t n_buffers, int64_t n_children,
                                bool with_dictionary, rr_error_t *err);

/* Same, with buffer and child counts from a type's layout (children: the
 * schema's n_children for struct/union). */
rr_status_t rr_arrow_array_init_for(struct ArrowArray *a, const struct ArrowSchema *schema,
                                    rr_error_t *err);

/* Buffer i of an array made here becomes p, freed with rr_free_aligned on
 * release (replacing and freeing what was there). */
void rr_arrow_array_set_buffer_owned(struct ArrowArray *a, int64_t i, void *p);
/* Buffer i becomes p, inside blob (retained; NULL blob: memory outlives the array). */
void rr_arrow_array_set_buffer_blob(struct ArrowArray *a, int64_t i, const void *p,
                                    rr_arrow_blob_t *blob);
/* Allocates buffer i (size bytes, aligned, zero-filled) and returns it. */
void *rr_arrow_array_alloc_buffer(struct ArrowArray *a, int64_t i, size_t size);

/* Releases if live and zeroes. Safe on a zeroed struct. */
void rr_arrow_array_release(struct ArrowArray *a);
/* Moves src into dst (dst not live); src is left released. */
void rr_arrow_array_move(struct ArrowArray *src, struct ArrowArray *dst);

/* A second owner of the same data without copying: dst shares every buffer
 * of src, which must have been made here or imported (the two release
 * independently). Works for any valid array by wrapping src when foreign. */
rr_status_t rr_arrow_array_share(struct ArrowArray *src, struct ArrowArray *dst, rr_error_t *err);

/* ---- reading helpers ---- */

static inline bool rr_arrow_bit_get(const uint8_t *bits, int64_t i) {
    return (bits[i >> 3] >> (i & 7)) & 1;
}
static inline void rr_arrow_bit_set(uint8_t *bits, int64_t i, bool v) {
    if (v)
        bits[i >> 3] |= (uint8_t)(1u << (i & 7));
    else
        bits[i >> 3] &= (uint8_t)~(1u << (i & 7));
}
/* Whether logical slot i (offset applied) is valid (not null). Only for
 * types whose buffer 0 is a validity bitmap (not null type, not unions). */
static inline bool rr_arrow_array_is_valid(const struct ArrowArray *a, int64_t i) {
    const uint8_t *v = a->n_buffers > 0 ? (const uint8_t *)a->buffers[0] : NULL;
    return v == NULL || rr_arrow_bit_get(v, a->offset + i);
}
/* Counts set bits in [offset, offset+length). */
int64_t rr_arrow_bitmap_count_set(const uint8_t *bits, int64_t offset, int64_t length);

/* Bytes of a bitmap of n bits. */
static inline int64_t rr_arrow_bitmap_bytes(int64_t n) { return (n + 7) / 8; }

#endif
