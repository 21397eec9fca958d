/* Aligned allocation, growable buffers and arenas (see mem.h). */
#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

void *rr_alloc_aligned(size_t size) {
    void *p = NULL;
    /* Round up so SIMD loops may read whole cache lines at the tail. */
    size_t rounded = (size + RR_ALIGNMENT - 1) & ~(size_t)(RR_ALIGNMENT - 1);
    if (rounded < size) return NULL;
    if (rounded == 0) rounded = RR_ALIGNMENT;
    if (posix_memalign(&p, RR_ALIGNMENT, rounded) != 0) return NULL;
    return p;
}

void *rr_calloc_aligned(size_t size) {
    void *p = rr_alloc_aligned(size);
    if (p) memset(p, 0, size);
    return p;
}

void rr_free_aligned(void *p) { free(p); }

rr_status_t rr_buf_reserve(rr_buf_t *b, size_t extra) {
    if (b->len + extra < b->len) return RR_ERR_NOMEM;
    size_t need = b->len + extra;
    if (need <= b->cap) return RR_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) { cap = need; break; }
        cap *= 2;
    }
    uint8_t *p = rr_alloc_aligned(cap);
    if (!p) return RR_ERR_NOMEM;
    if (b->len) memcpy(p, b->data, b->len);
    rr_free_aligned(b->data);
    b->data = p;
    b->cap = cap;
    return RR_OK;
}

rr_status_t rr_buf_append(rr_buf_t *b, const void *src, size_t n) {
    if (n == 0) return RR_OK;
    RR_TRY(rr_buf_reserve(b, n));
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return RR_OK;
}

rr_status_t rr_buf_append_zeros(rr_buf_t *b, size_t n) {
    if (n == 0) return RR_OK;
    RR_TRY(rr_buf_reserve(b, n));
    memset(b->data + b->len, 0, n);
    b->len += n;
    return RR_OK;
}

rr_status_t rr_buf_pad_to(rr_buf_t *b, size_t align) {
    size_t rem = b->len & (align - 1);
    return rem ? rr_buf_append_zeros(b, align - rem) : RR_OK;
}

uint8_t *rr_buf_detach(rr_buf_t *b, size_t *len) {
    uint8_t *p = b->data;
    if (len) *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void rr_buf_free(rr_buf_t *b) {
    rr_free_aligned(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

struct rr_arena_block {
    rr_arena_block_t *next;
    size_t used, size;
    _Alignas(16) unsigned char mem[];
};

void *rr_arena_alloc(rr_arena_t *a, size_t size) {
    size = (size + 15) & ~(size_t)15;
    rr_arena_block_t *blk = a->head;
    if (!blk || blk->size - blk->used < size) {
        size_t bs = a->block_size ? a->block_size : 64 * 1024;
        if (bs < size) bs = size;
        rr_arena_block_t *nb = malloc(sizeof *nb + bs);
        if (!nb) return NULL;
        nb->used = 0;
        nb->size = bs;
        /* Keep the partially used head in front when the new block is a
         * one-off big allocation, so small allocations keep filling it. */
        if (blk && bs > (a->block_size ? a->block_size : 64 * 1024)) {
            nb->next = blk->next;
            blk->next = nb;
        } else {
            nb->next = blk;
            a->head = nb;
        }
        blk = nb;
    }
    void *p = blk->mem + blk->used;
    blk->used += size;
    return p;
}

char *rr_arena_strndup(rr_arena_t *a, const char *s, size_t n) {
    char *p = rr_arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void rr_arena_reset(rr_arena_t *a) {
    if (!a->head) return;
    rr_arena_block_t *last = a->head;
    while (last->next) {
        rr_arena_block_t *dead = last;
        last = last->next;
        free(dead);
    }
    last->used = 0;
    a->head = last;
}

void rr_arena_free(rr_arena_t *a) {
    rr_arena_block_t *b = a->head;
    while (b) {
        rr_arena_block_t *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
}
