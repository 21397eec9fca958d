/* Slice, concat, take and filter (see kernels.h).
 *
 * Concat, take and filter are one operation underneath: gather. The output
 * is described as a list of segments, each a run of consecutive slots of one
 * source array (or a run of nulls); concat has one segment per input, filter
 * one per run of set mask bits, take one per run of consecutive indices.
 * Gathering a node copies each segment with one memcpy (fixed-width data,
 * var-size bytes) or one bulk offset rebase, and derives its children's
 * segments from its own: struct and sparse union children take the same
 * runs, lists the runs their offsets span, fixed-size lists the runs scaled
 * by the list size, dense unions one slot per chosen child. So nesting costs
 * per run, not per slot, wherever the runs are long. */
#include "arrow/kernels.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/compare.h"
#include "arrow/type.h"
#include "base/mem.h"

#define MAX_DEPTH 64

/* ---- segments ---- */

/* start < 0: len null slots (src is then meaningless). */
typedef struct seg {
    int64_t src;
    int64_t start;
    int64_t len;
} seg_t;

typedef struct seglist {
    seg_t *v;
    int64_t n, cap;
} seglist_t;

static void seglist_free(seglist_t *l) {
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static rr_status_t nomem(rr_error_t *err) {
    return rr_error_set(err, RR_ERR_NOMEM, "out of memory in an Arrow kernel");
}

/* Appends a run, merging it into the last one when it continues it. */
static rr_status_t seg_push(seglist_t *l, int64_t src, int64_t start, int64_t len,
                            rr_error_t *err) {
    if (len <= 0) return RR_OK;
    if (l->n > 0) {
        seg_t *last = &l->v[l->n - 1];
        if (start < 0 && last->start < 0) {
            last->len += len;
            return RR_OK;
        }
        if (start >= 0 && last->start >= 0 && last->src == src && last->start + last->len == start) {
            last->len += len;
            return RR_OK;
        }
    }
    if (l->n == l->cap) {
        int64_t cap = l->cap ? l->cap * 2 : 16;
        seg_t *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) return nomem(err);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (seg_t){src, start < 0 ? -1 : start, len};
    return RR_OK;
}

/* ---- bitmaps ---- */

static void set_bits(uint8_t *d, int64_t pos, int64_t n) {
    while (n > 0 && (pos & 7)) {
        d[pos >> 3] |= (uint8_t)(1u << (pos & 7));
        pos++;
        n--;
    }
    if (n >= 8) {
        memset(d + (pos >> 3), 0xff, (size_t)(n >> 3));
        pos += n & ~(int64_t)7;
        n &= 7;
    }
    while (n > 0) {
        d[pos >> 3] |= (uint8_t)(1u << (pos & 7));
        pos++;
        n--;
    }
}

/* Copies n bits; the destination range must be zero. Reads only bits
 * [spos, spos+n) of the source. */
static void copy_bits(uint8_t *d, int64_t dpos, const uint8_t *s, int64_t spos, int64_t n) {
    while (n > 0 && (dpos & 7)) {
        if (rr_arrow_bit_get(s, spos)) d[dpos >> 3] |= (uint8_t)(1u << (dpos & 7));
        dpos++;
        spos++;
        n--;
    }
    int64_t nbytes = n >> 3;
    if (nbytes > 0) {
        uint8_t *dp = d + (dpos >> 3);
        const uint8_t *sp = s + (spos >> 3);
        int sh = (int)(spos & 7);
        if (sh == 0) {
            memcpy(dp, sp, (size_t)nbytes);
        } else {
            for (int64_t k = 0; k < nbytes; k++)
                dp[k] = (uint8_t)((sp[k] >> sh) | (sp[k + 1] << (8 - sh)));
        }
        dpos += nbytes * 8;
        spos += nbytes * 8;
        n -= nbytes * 8;
    }
    while (n > 0) {
        if (rr_arrow_bit_get(s, spos)) d[dpos >> 3] |= (uint8_t)(1u << (dpos & 7));
        dpos++;
        spos++;
        n--;
    }
}

/* ---- structure checks (cheap: per node, not per slot) ---- */

static rr_status_t check_structure(const struct ArrowSchema *s, const struct ArrowArray *a,
                                   int depth, rr_error_t *err) {
    if (depth > MAX_DEPTH)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "nested deeper than %d levels", MAX_DEPTH);
    if (!a || !a->release)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "'%s': array is missing or released",
                            s->name ? s->name : "");
    rr_arrow_type_t t;
    RR_TRY(rr_arrow_type_parse(s->format, &t, err));
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    int64_t nc = l.n_children < 0 ? s->n_children : l.n_children;
    if (a->n_buffers != l.n_buffers || a->n_children != nc || s->n_children != nc ||
        (s->dictionary != NULL) != (a->dictionary != NULL) || a->length < 0 || a->offset < 0)
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "'%s': array (%lld buffers, %lld children%s) does not match its "
                            "schema \"%s\"",
                            s->name ? s->name : "", (long long)a->n_buffers,
                            (long long)a->n_children, a->dictionary ? ", dictionary" : "",
                            s->format);
    if (nc > 0 && (!a->children || !s->children))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "'%s': children list is NULL",
                            s->name ? s->name : "");
    for (int64_t k = 0; k < nc; k++) RR_TRY(check_structure(s->children[k], a->children[k], depth + 1, err));
    if (s->dictionary) RR_TRY(check_structure(s->dictionary, a->dictionary, depth + 1, err));
    return RR_OK;
}

/* ---- gather ---- */

static rr_status_t gather(const struct ArrowSchema *s, const struct ArrowArray *const *srcs,
                          int64_t n_src, const seg_t *segs, int64_t n_segs, int64_t out_len,
                          bool top, int depth, struct ArrowArray *out, rr_error_t *err);

static int64_t read_index(rr_arrow_type_id_t id, const void *buf, int64_t i) {
    switch (id) {
    case RR_ARROW_INT8: return ((const int8_t *)buf)[i];
    case RR_ARROW_UINT8: return ((const uint8_t *)buf)[i];
    case RR_ARROW_INT16: return ((const int16_t *)buf)[i];
    case RR_ARROW_UINT16: return ((const uint16_t *)buf)[i];
    case RR_ARROW_INT32: return ((const int32_t *)buf)[i];
    case RR_ARROW_UINT32: return ((const uint32_t *)buf)[i];
    case RR_ARROW_INT64: return ((const int64_t *)buf)[i];
    case RR_ARROW_UINT64: return (int64_t)((const uint64_t *)buf)[i];
    default: return 0;
    }
}

static int64_t index_max(rr_arrow_type_id_t id) {
    switch (id) {
    case RR_ARROW_INT8: return INT8_MAX;
    case RR_ARROW_UINT8: return UINT8_MAX;
    case RR_ARROW_INT16: return INT16_MAX;
    case RR_ARROW_UINT16: return UINT16_MAX;
    case RR_ARROW_INT32: return INT32_MAX;
    case RR_ARROW_UINT32: return UINT32_MAX;
    default: return INT64_MAX;
    }
}

/* Adds base to n indices in place. */
static void rebase_indices(rr_arrow_type_id_t id, void *buf, int64_t from, int64_t n,
                           int64_t base) {
    for (int64_t i = from; i < from + n; i++) {
        switch (id) {
        case RR_ARROW_INT8: ((int8_t *)buf)[i] = (int8_t)(((int8_t *)buf)[i] + base); break;
        case RR_ARROW_UINT8: ((uint8_t *)buf)[i] = (uint8_t)(((uint8_t *)buf)[i] + base); break;
        case RR_ARROW_INT16: ((int16_t *)buf)[i] = (int16_t)(((int16_t *)buf)[i] + base); break;
        case RR_ARROW_UINT16:
            ((uint16_t *)buf)[i] = (uint16_t)(((uint16_t *)buf)[i] + base);
            break;
        case RR_ARROW_INT32: ((int32_t *)buf)[i] = (int32_t)(((int32_t *)buf)[i] + base); break;
        case RR_ARROW_UINT32:
            ((uint32_t *)buf)[i] = (uint32_t)(((uint32_t *)buf)[i] + base);
            break;
        case RR_ARROW_INT64: ((int64_t *)buf)[i] += base; break;
        case RR_ARROW_UINT64: ((uint64_t *)buf)[i] += (uint64_t)base; break;
        default: break;
        }
    }
}

/* Same storage: the same buffers, window and children. */
static bool same_array(const struct ArrowArray *a, const struct ArrowArray *b) {
    if (a == b) return true;
    if (a->length != b->length || a->offset != b->offset || a->n_buffers != b->n_buffers ||
        a->n_children != b->n_children || (a->dictionary == NULL) != (b->dictionary == NULL))
        return false;
    for (int64_t i = 0; i < a->n_buffers; i++)
        if (a->buffers[i] != b->buffers[i]) return false;
    for (int64_t k = 0; k < a->n_children; k++)
        if (!same_array(a->children[k], b->children[k])) return false;
    return !a->dictionary || same_array(a->dictionary, b->dictionary);
}

/* Whether the dictionaries of the sources that appear in segs are one. */
static bool dictionaries_agree(const struct ArrowSchema *s, const struct ArrowArray *const *srcs,
                               int64_t n_src) {
    for (int64_t k = 1; k < n_src; k++) {
        if (same_array(srcs[0]->dictionary, srcs[k]->dictionary)) continue;
        if (!rr_arrow_array_equal(s->dictionary, srcs[0]->dictionary, s->dictionary,
                                  srcs[k]->dictionary, NULL))
            return false;
    }
    return true;
}

/* A dictionary-encoded node whose inputs' dictionaries differ, at the top:
 * the output is the decoded values. */
static rr_status_t gather_decoded(const struct ArrowSchema *s, rr_arrow_type_id_t index_type,
                                  const struct ArrowArray *const *srcs, int64_t n_src,
                                  const seg_t *segs, int64_t n_segs, int64_t out_len, int depth,
                                  struct ArrowArray *out, rr_error_t *err) {
    seglist_t vs = {0};
    const struct ArrowArray **dicts = malloc((size_t)n_src * sizeof *dicts);
    if (!dicts) return nomem(err);
    for (int64_t k = 0; k < n_src; k++) dicts[k] = srcs[k]->dictionary;
    rr_status_t st = RR_OK;
    for (int64_t g = 0; g < n_segs && st == RR_OK; g++) {
        const seg_t *sg = &segs[g];
        if (sg->start < 0) {
            st = seg_push(&vs, 0, -1, sg->len, err);
            continue;
        }
        const struct ArrowArray *a = srcs[sg->src];
        for (int64_t i = 0; i < sg->len && st == RR_OK; i++) {
            int64_t slot = a->offset + sg->start + i;
            const uint8_t *v = a->null_count == 0 ? NULL : a->buffers[0];
            if (v && !rr_arrow_bit_get(v, slot))
                st = seg_push(&vs, 0, -1, 1, err);
            else
                st = seg_push(&vs, sg->src, read_index(index_type, a->buffers[1], slot), 1, err);
        }
    }
    if (st == RR_OK)
        st = gather(s->dictionary, dicts, n_src, vs.v, vs.n, out_len, false, depth + 1, out, err);
    seglist_free(&vs);
    free(dicts);
    return st;
}

/* Output validity from the segments; sets null_count. */
static rr_status_t gather_validity(const struct ArrowArray *const *srcs, const seg_t *segs,
                                   int64_t n_segs, int64_t out_len, struct ArrowArray *out,
                                   rr_error_t *err) {
    bool any_null = false;
    for (int64_t g = 0; g < n_segs && !any_null; g++)
        any_null = segs[g].start < 0 || srcs[segs[g].src]->null_count != 0;
    out->null_count = 0;
    if (!any_null) return RR_OK;
    uint8_t *bits = rr_calloc_aligned((size_t)rr_arrow_bitmap_bytes(out_len));
    if (!bits) return nomem(err);
    int64_t pos = 0;
    for (int64_t g = 0; g < n_segs; g++) {
        const seg_t *sg = &segs[g];
        if (sg->start >= 0) {
            const struct ArrowArray *a = srcs[sg->src];
            const uint8_t *v = a->buffers[0];
            if (!v || a->null_count == 0)
                set_bits(bits, pos, sg->len);
            else
                copy_bits(bits, pos, v, a->offset + sg->start, sg->len);
        }
        pos += sg->len;
    }
    int64_t nulls = out_len - rr_arrow_bitmap_count_set(bits, 0, out_len);
    if (nulls == 0) {
        rr_free_aligned(bits);
        return RR_OK;
    }
    rr_arrow_array_set_buffer_owned(out, 0, bits);
    out->null_count = nulls;
    return RR_OK;
}

static rr_status_t gather_fixed(int32_t bit_width, const struct ArrowArray *const *srcs,
                                const seg_t *segs, int64_t n_segs, int64_t out_len, int buf,
                                struct ArrowArray *out, rr_error_t *err) {
    if (bit_width == 1) {
        uint8_t *bits = rr_calloc_aligned((size_t)rr_arrow_bitmap_bytes(out_len));
        if (!bits) return nomem(err);
        int64_t pos = 0;
        for (int64_t g = 0; g < n_segs; g++) {
            const seg_t *sg = &segs[g];
            if (sg->start >= 0) {
                const struct ArrowArray *a = srcs[sg->src];
                copy_bits(bits, pos, a->buffers[buf], a->offset + sg->start, sg->len);
            }
            pos += sg->len;
        }
        rr_arrow_array_set_buffer_owned(out, buf, bits);
        return RR_OK;
    }
    size_t w = (size_t)bit_width / 8, bytes;
    if (__builtin_mul_overflow((size_t)out_len, w, &bytes)) return nomem(err);
    uint8_t *d = rr_alloc_aligned(bytes);
    if (!d) return nomem(err);
    size_t pos = 0;
    for (int64_t g = 0; g < n_segs; g++) {
        const seg_t *sg = &segs[g];
        size_t n = (size_t)sg->len * w;
        if (sg->start < 0) {
            memset(d + pos, 0, n);
        } else {
            const struct ArrowArray *a = srcs[sg->src];
            const uint8_t *src = (const uint8_t *)a->buffers[buf] + (size_t)(a->offset + sg->start) * w;
            /* Single slots (random takes) skip the memcpy call. */
            if (sg->len == 1 && w == 4)
                memcpy(d + pos, src, 4);
            else if (sg->len == 1 && w == 8)
                memcpy(d + pos, src, 8);
            else if (n)
                memcpy(d + pos, src, n);
        }
        pos += n;
    }
    rr_arrow_array_set_buffer_owned(out, buf, d);
    return RR_OK;
}

/* Offsets of var-size and list types: writes the output offsets (rebased in
 * bulk per segment) into buffer 1 and lists the ranges they cover in the
 * data / child (in its logical slots) as inner segments. */
#define DEFINE_GATHER_OFFSETS(NAME, T, LIMIT, TYPE_NAME)                                     \
    static rr_status_t NAME(const struct ArrowArray *const *srcs, const seg_t *segs,          \
                            int64_t n_segs, int64_t out_len, struct ArrowArray *out,          \
                            seglist_t *inner, int64_t *total, rr_error_t *err) {              \
        int64_t sum = 0;                                                                      \
        for (int64_t g = 0; g < n_segs; g++) {                                                \
            const seg_t *sg = &segs[g];                                                       \
            if (sg->start < 0) continue;                                                      \
            const struct ArrowArray *a = srcs[sg->src];                                       \
            const T *so = (const T *)a->buffers[1] + a->offset + sg->start;                   \
            int64_t n = (int64_t)so[sg->len] - (int64_t)so[0];                                \
            RR_TRY(seg_push(inner, sg->src, so[0], n, err));                                  \
            if (n > (int64_t)(LIMIT) - sum)                                                   \
                return rr_error_set(err, RR_ERR_INVALID_ARG,                                  \
                                    "result exceeds the %s offset range", TYPE_NAME);         \
            sum += n;                                                                         \
        }                                                                                     \
        T *oo = rr_alloc_aligned((size_t)(out_len + 1) * sizeof(T));                          \
        if (!oo) return nomem(err);                                                           \
        rr_arrow_array_set_buffer_owned(out, 1, oo);                                          \
        T cur = 0;                                                                            \
        int64_t pos = 0;                                                                      \
        oo[0] = 0;                                                                            \
        for (int64_t g = 0; g < n_segs; g++) {                                                \
            const seg_t *sg = &segs[g];                                                       \
            T *dst = oo + pos + 1;                                                            \
            if (sg->start < 0) {                                                              \
                for (int64_t i = 0; i < sg->len; i++) dst[i] = cur;                           \
            } else {                                                                          \
                const struct ArrowArray *a = srcs[sg->src];                                   \
                const T *so = (const T *)a->buffers[1] + a->offset + sg->start;               \
                T delta = (T)(cur - so[0]);                                                   \
                for (int64_t i = 0; i < sg->len; i++) dst[i] = (T)(so[i + 1] + delta);        \
                cur = dst[sg->len - 1];                                                       \
            }                                                                                 \
            pos += sg->len;                                                                   \
        }                                                                                     \
        *total = sum;                                                                         \
        return RR_OK;                                                                         \
    }

/* The rebase adds in the unsigned type so a (transiently) negative delta
 * cannot overflow; results are in range by the sum check above. */
typedef uint32_t u32_off_t;
typedef uint64_t u64_off_t;
DEFINE_GATHER_OFFSETS(gather_offsets32_u, u32_off_t, INT32_MAX, "int32")
DEFINE_GATHER_OFFSETS(gather_offsets64_u, u64_off_t, INT64_MAX, "int64")

static rr_status_t gather_offsets(bool wide, const struct ArrowArray *const *srcs,
                                  const seg_t *segs, int64_t n_segs, int64_t out_len,
                                  struct ArrowArray *out, seglist_t *inner, int64_t *total,
                                  rr_error_t *err) {
    /* Offsets are non-negative in valid input, so reading them unsigned is
     * the same as reading them signed. */
    return wide ? gather_offsets64_u(srcs, segs, n_segs, out_len, out, inner, total, err)
                : gather_offsets32_u(srcs, segs, n_segs, out_len, out, inner, total, err);
}

static rr_status_t gather_bytes(const struct ArrowArray *const *srcs, const seglist_t *inner,
                                int64_t total, struct ArrowArray *out, rr_error_t *err) {
    uint8_t *d = rr_alloc_aligned((size_t)total);
    if (!d) return nomem(err);
    size_t pos = 0;
    for (int64_t g = 0; g < inner->n; g++) {
        const seg_t *sg = &inner->v[g];
        memcpy(d + pos, (const uint8_t *)srcs[sg->src]->buffers[2] + sg->start, (size_t)sg->len);
        pos += (size_t)sg->len;
    }
    rr_arrow_array_set_buffer_owned(out, 2, d);
    return RR_OK;
}

/* Child segments of struct and sparse union children: the same runs, in the
 * child's slots (the parent's offset applied). */
static rr_status_t child_segs_same(const struct ArrowArray *const *srcs, const seg_t *segs,
                                   int64_t n_segs, int64_t scale, seglist_t *cs, rr_error_t *err) {
    for (int64_t g = 0; g < n_segs; g++) {
        const seg_t *sg = &segs[g];
        if (sg->start < 0)
            RR_TRY(seg_push(cs, 0, -1, sg->len * scale, err));
        else
            RR_TRY(seg_push(cs, sg->src, (srcs[sg->src]->offset + sg->start) * scale,
                            sg->len * scale, err));
    }
    return RR_OK;
}

static rr_status_t gather_child(const struct ArrowSchema *s, const struct ArrowArray *const *srcs,
                                int64_t n_src, int64_t k, const seglist_t *cs, int64_t len,
                                int depth, struct ArrowArray *out, rr_error_t *err) {
    const struct ArrowArray **kids = malloc((size_t)(n_src ? n_src : 1) * sizeof *kids);
    if (!kids) return nomem(err);
    for (int64_t i = 0; i < n_src; i++) kids[i] = srcs[i]->children[k];
    rr_status_t st =
        gather(s->children[k], kids, n_src, cs->v, cs->n, len, false, depth + 1, out->children[k], err);
    free(kids);
    return st;
}

static rr_status_t gather_dense_union(const struct ArrowSchema *s, const rr_arrow_type_t *t,
                                      const struct ArrowArray *const *srcs, int64_t n_src,
                                      const seg_t *segs, int64_t n_segs, int64_t out_len,
                                      int depth, struct ArrowArray *out, rr_error_t *err) {
    int64_t nc = s->n_children;
    int16_t child_of[256];
    for (int i = 0; i < 256; i++) child_of[i] = -1;
    for (int32_t k = 0; k < t->n_type_codes; k++) child_of[(uint8_t)t->type_codes[k]] = (int16_t)k;
    int8_t *ids = rr_alloc_aligned((size_t)out_len);
    int32_t *offs = rr_alloc_aligned((size_t)out_len * 4);
    seglist_t *cs = calloc((size_t)(nc ? nc : 1), sizeof *cs);
    int64_t *count = calloc((size_t)(nc ? nc : 1), sizeof *count);
    rr_status_t st = RR_OK;
    if (!ids || !offs || !cs || !count) {
        rr_free_aligned(ids);
        rr_free_aligned(offs);
        free(cs);
        free(count);
        return nomem(err);
    }
    rr_arrow_array_set_buffer_owned(out, 0, ids);
    rr_arrow_array_set_buffer_owned(out, 1, offs);
    int64_t pos = 0;
    for (int64_t g = 0; g < n_segs && st == RR_OK; g++) {
        const seg_t *sg = &segs[g];
        if (sg->start < 0) {
            if (nc == 0) {
                st = rr_error_set(err, RR_ERR_INVALID_ARG,
                                  "'%s': a null slot needs a union child to hold it",
                                  s->name ? s->name : "");
                break;
            }
            /* A null union slot is a null in its first child. */
            for (int64_t i = 0; i < sg->len; i++) {
                ids[pos + i] = t->type_codes[0];
                offs[pos + i] = (int32_t)count[0]++;
            }
            st = seg_push(&cs[0], 0, -1, sg->len, err);
        } else {
            const struct ArrowArray *a = srcs[sg->src];
            const int8_t *si = (const int8_t *)a->buffers[0] + a->offset + sg->start;
            const int32_t *so = (const int32_t *)a->buffers[1] + a->offset + sg->start;
            for (int64_t i = 0; i < sg->len && st == RR_OK; i++) {
                int k = child_of[(uint8_t)si[i]];
                if (k < 0) {
                    st = rr_error_set(err, RR_ERR_INVALID_ARG, "'%s': type id %d is undeclared",
                                      s->name ? s->name : "", (int)si[i]);
                    break;
                }
                ids[pos + i] = si[i];
                offs[pos + i] = (int32_t)count[k]++;
                st = seg_push(&cs[k], sg->src, so[i], 1, err);
            }
        }
        pos += sg->len;
    }
    for (int64_t k = 0; k < nc && st == RR_OK; k++) {
        if (count[k] > INT32_MAX)
            st = rr_error_set(err, RR_ERR_INVALID_ARG, "dense union child exceeds int32 offsets");
        else
            st = gather_child(s, srcs, n_src, k, &cs[k], count[k], depth, out, err);
    }
    for (int64_t k = 0; k < nc; k++) seglist_free(&cs[k]);
    free(cs);
    free(count);
    return st;
}

/* The dictionary of a dictionary-encoded node (the indices are done). */
static rr_status_t gather_dictionary(const struct ArrowSchema *s, rr_arrow_type_id_t index_type,
                                     const struct ArrowArray *const *srcs, int64_t n_src,
                                     const seg_t *segs, int64_t n_segs, bool agree, int depth,
                                     struct ArrowArray *out, rr_error_t *err) {
    const struct ArrowArray **dicts = malloc((size_t)(n_src ? n_src : 1) * sizeof *dicts);
    int64_t *base = calloc((size_t)(n_src ? n_src : 1), sizeof *base);
    seglist_t ds = {0};
    rr_status_t st = RR_OK;
    if (!dicts || !base) {
        free(dicts);
        free(base);
        return nomem(err);
    }
    int64_t total = 0, n_dicts = 0;
    if (n_src == 0) {
        /* An empty concat: an empty dictionary. */
    } else if (n_src == 1 || agree || dictionaries_agree(s, srcs, n_src)) {
        /* One dictionary: a compact copy of it. */
        dicts[0] = srcs[0]->dictionary;
        n_dicts = 1;
        total = dicts[0]->length;
        st = seg_push(&ds, 0, 0, total, err);
    } else {
        /* Inside a nested type the type must not change: append the
         * distinct dictionaries and shift each input's indices. */
        n_dicts = n_src;
        for (int64_t k = 0; k < n_src && st == RR_OK; k++) {
            dicts[k] = srcs[k]->dictionary;
            int64_t j = 0;
            while (j < k && !same_array(srcs[j]->dictionary, srcs[k]->dictionary)) j++;
            if (j < k) {
                base[k] = base[j];
                continue;
            }
            base[k] = total;
            total += dicts[k]->length;
            st = seg_push(&ds, k, 0, dicts[k]->length, err);
        }
        if (st == RR_OK && total - 1 > index_max(index_type))
            st = rr_error_set(err, RR_ERR_UNSUPPORTED,
                              "'%s': the inputs' dictionaries differ and together (%lld values) "
                              "exceed the %s index range",
                              s->name ? s->name : "", (long long)total,
                              rr_arrow_type_id_name(index_type));
        int64_t pos = 0;
        for (int64_t g = 0; g < n_segs && st == RR_OK; g++) {
            if (segs[g].start >= 0 && base[segs[g].src])
                rebase_indices(index_type, (void *)out->buffers[1], pos, segs[g].len,
                               base[segs[g].src]);
            pos += segs[g].len;
        }
    }
    if (st == RR_OK)
        st = gather(s->dictionary, dicts, n_dicts, ds.v, ds.n, total, false, depth + 1,
                    out->dictionary, err);
    seglist_free(&ds);
    free(dicts);
    free(base);
    return st;
}

static rr_status_t gather_node(const struct ArrowSchema *s, const rr_arrow_type_t *t,
                               const rr_arrow_layout_t *l, const struct ArrowArray *const *srcs,
                               int64_t n_src, const seg_t *segs, int64_t n_segs, int64_t out_len,
                               bool dict_agree, int depth, struct ArrowArray *out,
                               rr_error_t *err) {
    if (l->n_buffers > 0 && l->kinds[0] == RR_ARROW_BUF_VALIDITY)
        RR_TRY(gather_validity(srcs, segs, n_segs, out_len, out, err));
    seglist_t cs = {0};
    int64_t total = 0;
    rr_status_t st = RR_OK;
    switch (t->id) {
    case RR_ARROW_NA: out->null_count = out_len; break;
    case RR_ARROW_STRING:
    case RR_ARROW_BINARY:
    case RR_ARROW_LARGE_STRING:
    case RR_ARROW_LARGE_BINARY: {
        bool wide = t->id == RR_ARROW_LARGE_STRING || t->id == RR_ARROW_LARGE_BINARY;
        st = gather_offsets(wide, srcs, segs, n_segs, out_len, out, &cs, &total, err);
        if (st == RR_OK) st = gather_bytes(srcs, &cs, total, out, err);
        break;
    }
    case RR_ARROW_LIST:
    case RR_ARROW_LARGE_LIST:
    case RR_ARROW_MAP:
        st = gather_offsets(t->id == RR_ARROW_LARGE_LIST, srcs, segs, n_segs, out_len, out, &cs,
                            &total, err);
        if (st == RR_OK) st = gather_child(s, srcs, n_src, 0, &cs, total, depth, out, err);
        break;
    case RR_ARROW_FIXED_SIZE_LIST:
        st = child_segs_same(srcs, segs, n_segs, t->fixed_size, &cs, err);
        if (st == RR_OK)
            st = gather_child(s, srcs, n_src, 0, &cs, out_len * t->fixed_size, depth, out, err);
        break;
    case RR_ARROW_STRUCT:
    case RR_ARROW_SPARSE_UNION:
        st = child_segs_same(srcs, segs, n_segs, 1, &cs, err);
        for (int64_t k = 0; k < s->n_children && st == RR_OK; k++)
            st = gather_child(s, srcs, n_src, k, &cs, out_len, depth, out, err);
        if (st == RR_OK && t->id == RR_ARROW_SPARSE_UNION) {
            if (s->n_children == 0 && out_len > 0) {
                bool has_null = false;
                for (int64_t g = 0; g < n_segs; g++) has_null |= segs[g].start < 0;
                if (has_null) {
                    st = rr_error_set(err, RR_ERR_INVALID_ARG,
                                      "'%s': a null slot needs a union child to hold it",
                                      s->name ? s->name : "");
                    break;
                }
            }
            int8_t *ids = rr_alloc_aligned((size_t)out_len);
            if (!ids) {
                st = nomem(err);
                break;
            }
            rr_arrow_array_set_buffer_owned(out, 0, ids);
            int64_t pos = 0;
            for (int64_t g = 0; g < n_segs; g++) {
                const seg_t *sg = &segs[g];
                if (sg->start < 0)
                    memset(ids + pos, t->type_codes[0], (size_t)sg->len);
                else
                    memcpy(ids + pos,
                           (const int8_t *)srcs[sg->src]->buffers[0] + srcs[sg->src]->offset +
                               sg->start,
                           (size_t)sg->len);
                pos += sg->len;
            }
        }
        break;
    case RR_ARROW_DENSE_UNION:
        st = gather_dense_union(s, t, srcs, n_src, segs, n_segs, out_len, depth, out, err);
        break;
    default: /* fixed width */
        st = gather_fixed(l->data_bit_width, srcs, segs, n_segs, out_len, 1, out, err);
        if (st == RR_OK && s->dictionary)
            st = gather_dictionary(s, t->id, srcs, n_src, segs, n_segs, dict_agree, depth, out,
                                   err);
        break;
    }
    seglist_free(&cs);
    return st;
}

static rr_status_t gather(const struct ArrowSchema *s, const struct ArrowArray *const *srcs,
                          int64_t n_src, const seg_t *segs, int64_t n_segs, int64_t out_len,
                          bool top, int depth, struct ArrowArray *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (depth > MAX_DEPTH)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "nested deeper than %d levels", MAX_DEPTH);
    rr_arrow_type_t t;
    RR_TRY(rr_arrow_type_parse(s->format, &t, err));
    bool dict_agree = false;
    if (s->dictionary && top && n_src > 1) {
        dict_agree = dictionaries_agree(s, srcs, n_src);
        if (!dict_agree)
            return gather_decoded(s, t.id, srcs, n_src, segs, n_segs, out_len, depth, out, err);
    }
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    int64_t nc = l.n_children < 0 ? s->n_children : l.n_children;
    RR_TRY(rr_arrow_array_init(out, l.n_buffers, nc, s->dictionary != NULL, err));
    out->length = out_len;
    rr_status_t st =
        gather_node(s, &t, &l, srcs, n_src, segs, n_segs, out_len, dict_agree, depth, out, err);
    if (st != RR_OK) rr_arrow_array_release(out);
    return st;
}

/* ---- the kernels ---- */

rr_status_t rr_arrow_slice(const struct ArrowSchema *schema, struct ArrowArray *array,
                           int64_t offset, int64_t length, struct ArrowArray *out,
                           rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (!schema || !array)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "slice of a NULL schema or array");
    RR_TRY(check_structure(schema, array, 0, err));
    if (offset < 0 || length < 0 || offset > array->length || length > array->length - offset)
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "slice [%lld, %lld + %lld) is outside an array of length %lld",
                            (long long)offset, (long long)offset, (long long)length,
                            (long long)array->length);
    rr_arrow_type_t t;
    RR_TRY(rr_arrow_type_parse(schema->format, &t, err));
    RR_TRY(rr_arrow_array_share(array, out, err));
    out->offset += offset;
    out->length = length;
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    if (t.id == RR_ARROW_NA) {
        out->null_count = length;
    } else if (l.n_buffers > 0 && l.kinds[0] == RR_ARROW_BUF_VALIDITY) {
        const uint8_t *v = out->buffers[0];
        if (array->null_count == 0 || !v)
            out->null_count = 0;
        else
            out->null_count = length - rr_arrow_bitmap_count_set(v, out->offset, length);
    } else {
        out->null_count = 0;
    }
    return RR_OK;
}

rr_status_t rr_arrow_concat(const struct ArrowSchema *schema, const struct ArrowArray *const *arrays,
                            int64_t n, struct ArrowArray *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (!schema || n < 0 || (n > 0 && !arrays))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "concat of %lld arrays with %s", (long long)n,
                            schema ? "no array list" : "no schema");
    seglist_t segs = {0};
    int64_t total = 0;
    rr_status_t st = RR_OK;
    for (int64_t k = 0; k < n; k++) {
        st = check_structure(schema, arrays[k], 0, err);
        if (st != RR_OK) {
            rr_error_prefix(err, "concat input %lld: ", (long long)k);
            seglist_free(&segs);
            return st;
        }
        if (arrays[k]->length > INT64_MAX - total) {
            seglist_free(&segs);
            return rr_error_set(err, RR_ERR_INVALID_ARG, "concat: total length overflows");
        }
        total += arrays[k]->length;
        /* Each input its own run, even where two inputs are adjacent views
         * of one buffer: runs only merge within one source. */
        if (arrays[k]->length > 0) {
            if (segs.n == segs.cap) {
                int64_t cap = segs.cap ? segs.cap * 2 : 16;
                seg_t *v = realloc(segs.v, (size_t)cap * sizeof *v);
                if (!v) {
                    seglist_free(&segs);
                    return nomem(err);
                }
                segs.v = v;
                segs.cap = cap;
            }
            segs.v[segs.n++] = (seg_t){k, 0, arrays[k]->length};
        }
    }
    if (n == 0) {
        /* An empty array of the type: gather from no source. */
        st = gather(schema, NULL, 0, NULL, 0, 0, false, 0, out, err);
    } else {
        st = gather(schema, arrays, n, segs.v, segs.n, total, true, 0, out, err);
    }
    seglist_free(&segs);
    return st;
}

rr_status_t rr_arrow_take(const struct ArrowSchema *schema, const struct ArrowArray *array,
                          const int64_t *indices, int64_t n, struct ArrowArray *out,
                          rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (!schema || !array || n < 0 || (n > 0 && !indices))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "take of %lld indices with a NULL argument",
                            (long long)n);
    RR_TRY(check_structure(schema, array, 0, err));
    seglist_t segs = {0};
    rr_status_t st = RR_OK;
    for (int64_t i = 0; i < n && st == RR_OK; i++) {
        int64_t idx = indices[i];
        if (idx >= array->length)
            st = rr_error_set(err, RR_ERR_INVALID_ARG,
                              "take: index %lld (position %lld) is out of range for an array of "
                              "length %lld",
                              (long long)idx, (long long)i, (long long)array->length);
        else
            st = seg_push(&segs, 0, idx < 0 ? -1 : idx, 1, err);
    }
    if (st == RR_OK) st = gather(schema, &array, 1, segs.v, segs.n, n, false, 0, out, err);
    seglist_free(&segs);
    return st;
}

rr_status_t rr_arrow_filter(const struct ArrowSchema *schema, const struct ArrowArray *array,
                            const uint8_t *mask, struct ArrowArray *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (!schema || !array || (!mask && array->length > 0))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "filter with a NULL argument");
    RR_TRY(check_structure(schema, array, 0, err));
    seglist_t segs = {0};
    rr_status_t st = RR_OK;
    int64_t len = array->length, i = 0, total = 0;
    while (i < len && st == RR_OK) {
        if (!(i & 7) && i + 8 <= len && mask[i >> 3] == 0) {
            i += 8;
            continue;
        }
        if (!rr_arrow_bit_get(mask, i)) {
            i++;
            continue;
        }
        int64_t j = i + 1;
        while (j < len) {
            if (!(j & 7) && j + 8 <= len && mask[j >> 3] == 0xff) {
                j += 8;
                continue;
            }
            if (!rr_arrow_bit_get(mask, j)) break;
            j++;
        }
        st = seg_push(&segs, 0, i, j - i, err);
        total += j - i;
        i = j;
    }
    if (st == RR_OK) st = gather(schema, &array, 1, segs.v, segs.n, total, false, 0, out, err);
    seglist_free(&segs);
    return st;
}
