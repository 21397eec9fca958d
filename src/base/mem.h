/* Memory: 64-byte aligned allocation (Arrow's recommended buffer alignment),
 * a growable byte buffer, and a bump arena for short-lived work. */
#ifndef RR_BASE_MEM_H
#define RR_BASE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

#define RR_ALIGNMENT 64

/* Aligned to RR_ALIGNMENT; size 0 gives a valid unique pointer. Free with
 * rr_free_aligned. NULL on failure. */
void *rr_alloc_aligned(size_t size);
/* Like rr_alloc_aligned, zero-filled. */
void *rr_calloc_aligned(size_t size);
void rr_free_aligned(void *p);

/* Growable byte buffer whose storage is RR_ALIGNMENT-aligned.
 * Zero-initialise (`rr_buf_t b = {0};`) before use; free with rr_buf_free. */
typedef struct rr_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} rr_buf_t;

rr_status_t rr_buf_reserve(rr_buf_t *b, size_t extra); /* room for len+extra */
rr_status_t rr_buf_append(rr_buf_t *b, const void *src, size_t n);
rr_status_t rr_buf_append_zeros(rr_buf_t *b, size_t n);
/* Pads with zero bytes until len is a multiple of align (a power of two). */
rr_status_t rr_buf_pad_to(rr_buf_t *b, size_t align);
static inline rr_status_t rr_buf_append_u8(rr_buf_t *b, uint8_t v) { return rr_buf_append(b, &v, 1); }
/* Hands the storage to the caller (free with rr_free_aligned) and resets b. */
uint8_t *rr_buf_detach(rr_buf_t *b, size_t *len);
void rr_buf_free(rr_buf_t *b);

/* Bump arena: many small allocations freed together. */
typedef struct rr_arena_block rr_arena_block_t;
typedef struct rr_arena {
    rr_arena_block_t *head;
    size_t block_size; /* 0 means the default (64 KiB) */
} rr_arena_t;

/* 16-byte aligned; NULL on failure. */
void *rr_arena_alloc(rr_arena_t *a, size_t size);
char *rr_arena_strndup(rr_arena_t *a, const char *s, size_t n);
/* Frees all but the first block and rewinds it, for per-frame reuse. */
void rr_arena_reset(rr_arena_t *a);
void rr_arena_free(rr_arena_t *a);

#endif
