/* ArrowArray trees owned by rerun-c and refcounted blobs (see array.h). */
#include "arrow/array.h"

#include <stdlib.h>
#include <string.h>

#include "arrow/schema.h"
#include "base/mem.h"

/* ---- blobs ---- */

static void free_aligned_ctx(void *ctx) { rr_free_aligned(ctx); }

rr_arrow_blob_t *rr_arrow_blob_wrap(const void *data, size_t len, void (*free_fn)(void *ctx),
                                    void *ctx) {
    rr_arrow_blob_t *b = malloc(sizeof *b);
    if (!b) return NULL;
    b->data = data;
    b->len = len;
    b->refcount = 1;
    b->free_fn = free_fn;
    b->ctx = ctx;
    return b;
}

rr_arrow_blob_t *rr_arrow_blob_adopt(void *aligned_data, size_t len) {
    return rr_arrow_blob_wrap(aligned_data, len, free_aligned_ctx, aligned_data);
}

rr_arrow_blob_t *rr_arrow_blob_new(size_t len) {
    void *p = rr_alloc_aligned(len);
    if (!p) return NULL;
    rr_arrow_blob_t *b = rr_arrow_blob_adopt(p, len);
    if (!b) rr_free_aligned(p);
    return b;
}

rr_arrow_blob_t *rr_arrow_blob_copy(const void *data, size_t len) {
    rr_arrow_blob_t *b = rr_arrow_blob_new(len);
    if (b && len) memcpy((void *)b->data, data, len);
    return b;
}

void rr_arrow_blob_retain(rr_arrow_blob_t *b) {
    if (b) __atomic_add_fetch(&b->refcount, 1, __ATOMIC_RELAXED);
}

void rr_arrow_blob_release(rr_arrow_blob_t *b) {
    if (!b) return;
    if (__atomic_sub_fetch(&b->refcount, 1, __ATOMIC_ACQ_REL) == 0) {
        if (b->free_fn) b->free_fn(b->ctx);
        free(b);
    }
}

/* ---- arrays ---- */

typedef struct array_private {
    const void *buffers[RR_ARROW_MAX_BUFFERS];
    void *owned[RR_ARROW_MAX_BUFFERS];
    rr_arrow_blob_t *blobs[RR_ARROW_MAX_BUFFERS];
    rr_arrow_blob_t *keep; /* a whole-array owner (see rr_arrow_array_share) */
    struct ArrowArray *child_storage;
    struct ArrowArray **child_ptrs;
    struct ArrowArray *dictionary;
} array_private_t;

static void array_release(struct ArrowArray *a) {
    if (!a || !a->release) return;
    array_private_t *p = a->private_data;
    for (int64_t i = 0; i < a->n_children; i++) {
        struct ArrowArray *c = a->children[i];
        if (c && c->release) c->release(c);
    }
    if (a->dictionary && a->dictionary->release) a->dictionary->release(a->dictionary);
    if (p) {
        for (int i = 0; i < RR_ARROW_MAX_BUFFERS; i++) {
            rr_free_aligned(p->owned[i]);
            rr_arrow_blob_release(p->blobs[i]);
        }
        rr_arrow_blob_release(p->keep);
        free(p->child_storage);
        free(p->child_ptrs);
        free(p->dictionary);
        free(p);
    }
    a->release = NULL;
}

rr_status_t rr_arrow_array_init(struct ArrowArray *a, int64_t n_buffers, int64_t n_children,
                                bool with_dictionary, rr_error_t *err) {
    memset(a, 0, sizeof *a);
    if (n_buffers < 0 || n_buffers > RR_ARROW_MAX_BUFFERS || n_children < 0 ||
        n_children > (1 << 20))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "array with %lld buffers and %lld children",
                            (long long)n_buffers, (long long)n_children);
    array_private_t *p = calloc(1, sizeof *p);
    if (!p) goto nomem;
    a->private_data = p;
    a->release = array_release;
    a->n_buffers = n_buffers;
    a->buffers = p->buffers;
    if (n_children > 0) {
        p->child_storage = calloc((size_t)n_children, sizeof *p->child_storage);
        p->child_ptrs = calloc((size_t)n_children, sizeof *p->child_ptrs);
        if (!p->child_storage || !p->child_ptrs) goto nomem;
        for (int64_t i = 0; i < n_children; i++) p->child_ptrs[i] = &p->child_storage[i];
        a->children = p->child_ptrs;
        a->n_children = n_children;
    }
    if (with_dictionary) {
        p->dictionary = calloc(1, sizeof *p->dictionary);
        if (!p->dictionary) goto nomem;
        a->dictionary = p->dictionary;
    }
    return RR_OK;
nomem:
    rr_arrow_array_release(a);
    return rr_error_set(err, RR_ERR_NOMEM, "out of memory allocating an array");
}

rr_status_t rr_arrow_array_init_for(struct ArrowArray *a, const struct ArrowSchema *schema,
                                    rr_error_t *err) {
    rr_arrow_type_t t;
    memset(a, 0, sizeof *a);
    RR_TRY(rr_arrow_type_parse(schema->format, &t, err));
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    int64_t nc = l.n_children < 0 ? schema->n_children : l.n_children;
    if (nc != schema->n_children)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "type %s needs %d children, schema '%s' has %lld",
                            rr_arrow_type_id_name(t.id), (int)nc, schema->name ? schema->name : "",
                            (long long)schema->n_children);
    return rr_arrow_array_init(a, l.n_buffers, nc, schema->dictionary != NULL, err);
}

void rr_arrow_array_set_buffer_owned(struct ArrowArray *a, int64_t i, void *ptr) {
    array_private_t *p = a->private_data;
    rr_free_aligned(p->owned[i]);
    rr_arrow_blob_release(p->blobs[i]);
    p->blobs[i] = NULL;
    p->owned[i] = ptr;
    p->buffers[i] = ptr;
}

void rr_arrow_array_set_buffer_blob(struct ArrowArray *a, int64_t i, const void *ptr,
                                    rr_arrow_blob_t *blob) {
    array_private_t *p = a->private_data;
    rr_arrow_blob_retain(blob);
    rr_free_aligned(p->owned[i]);
    rr_arrow_blob_release(p->blobs[i]);
    p->owned[i] = NULL;
    p->blobs[i] = blob;
    p->buffers[i] = ptr;
}

void *rr_arrow_array_alloc_buffer(struct ArrowArray *a, int64_t i, size_t size) {
    void *ptr = rr_calloc_aligned(size);
    if (ptr) rr_arrow_array_set_buffer_owned(a, i, ptr);
    return ptr;
}

void rr_arrow_array_release(struct ArrowArray *a) {
    if (!a) return;
    if (a->release) a->release(a);
    memset(a, 0, sizeof *a);
}

void rr_arrow_array_move(struct ArrowArray *src, struct ArrowArray *dst) {
    *dst = *src;
    memset(src, 0, sizeof *src);
}

/* ---- sharing ---- */

static void release_held(void *ctx) {
    struct ArrowArray *inner = ctx;
    if (inner->release) inner->release(inner);
    free(inner);
}

/* Builds an array of ours mirroring node (buffers, lengths, children,
 * dictionary), keeping holder alive. */
static rr_status_t mirror(const struct ArrowArray *node, rr_arrow_blob_t *holder,
                          struct ArrowArray *out, rr_error_t *err) {
    RR_TRY(rr_arrow_array_init(out, node->n_buffers, node->n_children, node->dictionary != NULL,
                               err));
    array_private_t *p = out->private_data;
    rr_arrow_blob_retain(holder);
    p->keep = holder;
    out->length = node->length;
    out->null_count = node->null_count;
    out->offset = node->offset;
    for (int64_t i = 0; i < node->n_buffers; i++) p->buffers[i] = node->buffers[i];
    for (int64_t i = 0; i < node->n_children; i++) {
        rr_status_t st = mirror(node->children[i], holder, out->children[i], err);
        if (st != RR_OK) {
            rr_arrow_array_release(out);
            return st;
        }
    }
    if (node->dictionary) {
        rr_status_t st = mirror(node->dictionary, holder, out->dictionary, err);
        if (st != RR_OK) {
            rr_arrow_array_release(out);
            return st;
        }
    }
    return RR_OK;
}

rr_status_t rr_arrow_array_share(struct ArrowArray *src, struct ArrowArray *dst, rr_error_t *err) {
    memset(dst, 0, sizeof *dst);
    if (!src || !src->release)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "sharing a released array");
    /* Move src into a heap holder, then make src and dst two mirrors of it. */
    struct ArrowArray *inner = malloc(sizeof *inner);
    if (!inner) return rr_error_set(err, RR_ERR_NOMEM, "out of memory sharing an array");
    rr_arrow_blob_t *holder = rr_arrow_blob_wrap(NULL, 0, release_held, inner);
    if (!holder) {
        free(inner);
        return rr_error_set(err, RR_ERR_NOMEM, "out of memory sharing an array");
    }
    rr_arrow_array_move(src, inner);
    struct ArrowArray a, b;
    rr_status_t st = mirror(inner, holder, &a, err);
    if (st == RR_OK) {
        st = mirror(inner, holder, &b, err);
        if (st != RR_OK) rr_arrow_array_release(&a);
    }
    if (st != RR_OK) {
        /* Give src back untouched. */
        rr_arrow_array_move(inner, src);
        inner->release = NULL;
        rr_arrow_blob_release(holder);
        return st;
    }
    rr_arrow_blob_release(holder);
    *src = a;
    *dst = b;
    return RR_OK;
}

int64_t rr_arrow_bitmap_count_set(const uint8_t *bits, int64_t offset, int64_t length) {
    int64_t count = 0, i = offset, end = offset + length;
    while (i < end && (i & 7)) count += rr_arrow_bit_get(bits, i++);
    while (i + 64 <= end) {
        uint64_t w;
        memcpy(&w, bits + (i >> 3), 8);
        count += __builtin_popcountll(w);
        i += 64;
    }
    while (i + 8 <= end) {
        count += __builtin_popcount(bits[i >> 3]);
        i += 8;
    }
    while (i < end) count += rr_arrow_bit_get(bits, i++);
    return count;
}
