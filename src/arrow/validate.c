/* Validation of arrays against their schemas (see validate.h).
 *
 * This runs on every IPC read, so the per-slot loops touch only offsets,
 * union type ids and dictionary indices (never value bytes), and are written
 * as branch-free scans over fixed-size blocks that the compiler vectorises.
 * A scan only answers "is anything wrong"; when it is, a slow second pass
 * finds the first faulty slot for the message. */
#include "arrow/ipc_view.h"
#include "arrow/validate.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/type.h"

/* Deeper trees are refused rather than risking the stack on hostile input. */
#define MAX_DEPTH 64
/* Slots per block of the branch-free scans: a multiple of every vector width. */
#define BLOCK 256

/* Where the walk is, kept as pointers and formatted only when an error is
 * reported: validating a healthy batch (every decode of a small chunk does)
 * must not pay for printing paths. Names point into the schema being
 * validated, which outlives the walk. */
#define PATH_SEGS 64
typedef struct path_seg {
    const char *kind;
    const char *name; /* may be NULL */
} path_seg_t;

typedef struct vctx {
    rr_error_t *err;
    const int64_t *sizes; /* NULL when buffer sizes are unknown */
    int64_t n_sizes;
    int64_t pos; /* next unread entry of sizes */
    /* Types of the nodes in pre-order, parsed once by the caller (a batch
     * plan, ipc_view.h); NULL: each node's format is parsed here. */
    const rr_arrow_type_t *types;
    int64_t n_types, ti;
    size_t nseg; /* may exceed PATH_SEGS: deeper segments are not kept */
    path_seg_t segs[PATH_SEGS];
} vctx_t;

static rr_status_t failc(vctx_t *c, rr_status_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static rr_status_t failc(vctx_t *c, rr_status_t code, const char *fmt, ...) {
    char msg[RR_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!c->nseg) return rr_error_set(c->err, code, "%s", msg);
    char path[320];
    size_t len = 0;
    size_t kept = c->nseg < PATH_SEGS ? c->nseg : PATH_SEGS;
    for (size_t i = 0; i < kept && len < sizeof path - 1; i++) {
        const path_seg_t *g = &c->segs[i];
        int n = g->name ? snprintf(path + len, sizeof path - len, "%s%s '%s'", i ? " > " : "",
                                   g->kind, g->name)
                        : snprintf(path + len, sizeof path - len, "%s%s", i ? " > " : "", g->kind);
        if (n < 0) break;
        len += (size_t)n < sizeof path - len ? (size_t)n : sizeof path - len - 1;
    }
    if (kept < c->nseg && len + 7 <= sizeof path) {
        memcpy(path + len, " > ...", 7);
    }
    return rr_error_set(c->err, code, "%s: %s", path, msg);
}

#define fail(c, ...) failc((c), RR_ERR_INVALID_DATA, __VA_ARGS__)

static size_t path_push(vctx_t *c, const char *kind, const char *name) {
    if (c->nseg < PATH_SEGS) c->segs[c->nseg] = (path_seg_t){kind, name};
    return c->nseg++;
}

static void path_pop(vctx_t *c, size_t saved) { c->nseg = saved; }

static const char *kind_name(rr_arrow_buffer_kind_t k) {
    switch (k) {
    case RR_ARROW_BUF_VALIDITY: return "validity";
    case RR_ARROW_BUF_OFFSETS32:
    case RR_ARROW_BUF_OFFSETS64: return "offsets";
    case RR_ARROW_BUF_DATA: return "data";
    case RR_ARROW_BUF_TYPE_IDS: return "type ids";
    case RR_ARROW_BUF_UNION_OFFSETS: return "union offsets";
    }
    return "?";
}

static bool is_integer(rr_arrow_type_id_t id) {
    return id >= RR_ARROW_INT8 && id <= RR_ARROW_UINT64;
}

/* ---- offsets ---- */

/* Checks offsets[off .. off+len] (len+1 entries): first >= 0, monotone.
 * Sets *first and *last. The scan ORs, per pair, the difference and the
 * value: when every value is non-negative the differences cannot overflow,
 * so a set sign bit means a decrease or a negative value. (Accumulating in
 * the element's own width is what lets gcc vectorise it.) */
#define DEFINE_CHECK_OFFSETS(NAME, T, U)                                                    \
    static rr_status_t NAME(vctx_t *c, const T *o, int64_t off, int64_t len, int64_t *first, \
                            int64_t *last) {                                                \
        const T *p = o + off;                                                               \
        T bad = p[0];                                                                       \
        int64_t i = 0;                                                                      \
        for (; i + BLOCK <= len && bad >= 0; i += BLOCK) {                                  \
            T b = 0;                                                                        \
            for (int j = 0; j < BLOCK; j++)                                                 \
                b |= (T)((U)p[i + j + 1] - (U)p[i + j]) | p[i + j + 1];                     \
            bad |= b;                                                                       \
        }                                                                                   \
        if (bad >= 0)                                                                       \
            for (; i < len; i++) bad |= (T)((U)p[i + 1] - (U)p[i]) | p[i + 1];              \
        if (p[0] < 0)                                                                       \
            return fail(c, "offset 0 (%lld) is negative", (long long)p[0]);                 \
        if (bad < 0) {                                                                      \
            for (i = 0; i < len; i++)                                                       \
                if (p[i + 1] < p[i])                                                        \
                    return fail(c, "offset %lld (%lld) is less than offset %lld (%lld)",    \
                                (long long)(i + 1), (long long)p[i + 1], (long long)i,      \
                                (long long)p[i]);                                           \
        }                                                                                   \
        *first = p[0];                                                                      \
        *last = p[len];                                                                     \
        return RR_OK;                                                                       \
    }

DEFINE_CHECK_OFFSETS(check_offsets32, int32_t, uint32_t)
DEFINE_CHECK_OFFSETS(check_offsets64, int64_t, uint64_t)

static rr_status_t check_offsets(vctx_t *c, const struct ArrowArray *a, bool wide,
                                 int64_t *first, int64_t *last) {
    *first = *last = 0;
    if (a->length == 0) return RR_OK;
    if (wide) return check_offsets64(c, a->buffers[1], a->offset, a->length, first, last);
    return check_offsets32(c, a->buffers[1], a->offset, a->length, first, last);
}

/* ---- dictionary indices ---- */

/* First slot in [0, len) whose index is outside [0, n) and that is valid,
 * or -1. Null slots may hold anything. The scan compares in the index's own
 * type against the largest allowed index, so it vectorises. */
#define SCAN_INDICES(T, TMAX, IS_BAD)                                                       \
    const T *p = (const T *)buf + off;                                                      \
    T maxv = n - 1 > (uint64_t)(TMAX) ? (T)(TMAX) : (T)(n - 1);                             \
    T bad = n == 0;                                                                         \
    int64_t i = 0;                                                                          \
    for (; i + BLOCK <= len && !bad; i += BLOCK) {                                          \
        T b = 0;                                                                            \
        for (int j = 0; j < BLOCK; j++) b |= (T)(IS_BAD(p[i + j]));                         \
        bad |= b;                                                                           \
    }                                                                                       \
    if (!bad)                                                                               \
        for (; i < len; i++) bad |= (T)(IS_BAD(p[i]));                                      \
    if (!bad) return -1;                                                                    \
    for (i = 0; i < len; i++)                                                               \
        if ((n == 0 || IS_BAD(p[i])) && (!validity || rr_arrow_bit_get(validity, off + i))) \
            return i;                                                                       \
    return -1;

#define BAD_SIGNED(v) (((v) < 0) | ((v) > maxv))
#define BAD_UNSIGNED(v) ((v) > maxv)
#define DEFINE_CHECK_INDICES(NAME, T, TMAX, IS_BAD)                                         \
    static int64_t NAME(const void *buf, int64_t off, int64_t len, uint64_t n,              \
                        const uint8_t *validity) {                                          \
        SCAN_INDICES(T, TMAX, IS_BAD)                                                       \
    }

DEFINE_CHECK_INDICES(check_idx_i8, int8_t, INT8_MAX, BAD_SIGNED)
DEFINE_CHECK_INDICES(check_idx_u8, uint8_t, UINT8_MAX, BAD_UNSIGNED)
DEFINE_CHECK_INDICES(check_idx_i16, int16_t, INT16_MAX, BAD_SIGNED)
DEFINE_CHECK_INDICES(check_idx_u16, uint16_t, UINT16_MAX, BAD_UNSIGNED)
DEFINE_CHECK_INDICES(check_idx_i32, int32_t, INT32_MAX, BAD_SIGNED)
DEFINE_CHECK_INDICES(check_idx_u32, uint32_t, UINT32_MAX, BAD_UNSIGNED)
DEFINE_CHECK_INDICES(check_idx_i64, int64_t, INT64_MAX, BAD_SIGNED)
DEFINE_CHECK_INDICES(check_idx_u64, uint64_t, UINT64_MAX, BAD_UNSIGNED)

static rr_status_t check_indices(vctx_t *c, rr_arrow_type_id_t id, const struct ArrowArray *a,
                                 int64_t dict_len) {
    if (a->length == 0) return RR_OK;
    const uint8_t *validity = a->null_count == 0 ? NULL : a->buffers[0];
    uint64_t n = (uint64_t)dict_len;
    const void *b = a->buffers[1];
    int64_t slot = -1;
    char v[32];
    switch (id) {
    case RR_ARROW_INT8:
        if ((slot = check_idx_i8(b, a->offset, a->length, n, validity)) >= 0)
            snprintf(v, sizeof v, "%d", ((const int8_t *)b)[a->offset + slot]);
        break;
    case RR_ARROW_UINT8:
        if ((slot = check_idx_u8(b, a->offset, a->length, n, validity)) >= 0)
            snprintf(v, sizeof v, "%u", ((const uint8_t *)b)[a->offset + slot]);
        break;
    case RR_ARROW_INT16:
        if ((slot = check_idx_i16(b, a->offset, a->length, n, validity)) >= 0)
            snprintf(v, sizeof v, "%d", ((const int16_t *)b)[a->offset + slot]);
        break;
    case RR_ARROW_UINT16:
        if ((slot = check_idx_u16(b, a->offset, a->length, n, validity)) >= 0)
            snprintf(v, sizeof v, "%u", ((const uint16_t *)b)[a->offset + slot]);
        break;
    case RR_ARROW_INT32:
        if ((slot = check_idx_i32(b, a->offset, a->length, n, validity)) >= 0)
            snprintf(v, sizeof v, "%d", (int)((const int32_t *)b)[a->offset + slot]);
        break;
    case RR_ARROW_UINT32:
        if ((slot = check_idx_u32(b, a->offset, a->length, n, validity)) >= 0)
            snprintf(v, sizeof v, "%u", (unsigned)((const uint32_t *)b)[a->offset + slot]);
        break;
    case RR_ARROW_INT64:
        if ((slot = check_idx_i64(b, a->offset, a->length, n, validity)) >= 0)
            snprintf(v, sizeof v, "%lld", (long long)((const int64_t *)b)[a->offset + slot]);
        break;
    case RR_ARROW_UINT64:
        if ((slot = check_idx_u64(b, a->offset, a->length, n, validity)) >= 0)
            snprintf(v, sizeof v, "%llu",
                     (unsigned long long)((const uint64_t *)b)[a->offset + slot]);
        break;
    default: return fail(c, "dictionary index type %s is not an integer", rr_arrow_type_id_name(id));
    }
    if (slot >= 0)
        return fail(c, "slot %lld: dictionary index %s is outside the dictionary (length %lld)",
                    (long long)slot, v, (long long)dict_len);
    return RR_OK;
}

/* ---- unions ---- */

static rr_status_t check_union(vctx_t *c, const rr_arrow_type_t *t, const struct ArrowSchema *s,
                               const struct ArrowArray *a) {
    /* child_of[code] = child index, -1 for codes the type does not declare;
     * indexed by the id as uint8 so negative ids land in the undeclared half. */
    int16_t child_of[256];
    int64_t child_len[256];
    for (int k = 0; k < 256; k++) {
        child_of[k] = -1;
        child_len[k] = 0;
    }
    for (int32_t k = 0; k < t->n_type_codes; k++) {
        uint8_t code = (uint8_t)t->type_codes[k];
        if (child_of[code] >= 0)
            return fail(c, "union type code %d is declared twice", (int)code);
        child_of[code] = (int16_t)k;
        int64_t cl = a->children[k]->length;
        child_len[code] = cl > 0 ? cl : 0;
    }
    int64_t end = a->offset + a->length;
    if (t->id == RR_ARROW_SPARSE_UNION) {
        for (int64_t k = 0; k < a->n_children; k++)
            if (a->children[k]->length < end)
                return fail(c, "sparse union child '%s' has length %lld, %lld needed",
                            s->children[k]->name ? s->children[k]->name : "",
                            (long long)a->children[k]->length, (long long)end);
    }
    if (a->length == 0) return RR_OK;
    const int8_t *ids = (const int8_t *)a->buffers[0] + a->offset;
    const int32_t *offs =
        t->id == RR_ARROW_DENSE_UNION ? (const int32_t *)a->buffers[1] + a->offset : NULL;
    int64_t len = a->length, i = 0;
    int bad = 0;
    if (!offs) {
        for (; i + BLOCK <= len && !bad; i += BLOCK) {
            int b = 0;
            for (int j = 0; j < BLOCK; j++) b |= child_of[(uint8_t)ids[i + j]] < 0;
            bad = b;
        }
        if (!bad)
            for (; i < len; i++) bad |= child_of[(uint8_t)ids[i]] < 0;
    } else {
        /* An undeclared code has child_len 0, so the one comparison catches
         * both faults. */
        for (; i + BLOCK <= len && !bad; i += BLOCK) {
            int b = 0;
            for (int j = 0; j < BLOCK; j++)
                b |= (uint64_t)(int64_t)offs[i + j] >= (uint64_t)child_len[(uint8_t)ids[i + j]];
            bad = b;
        }
        if (!bad)
            for (; i < len; i++)
                bad |= (uint64_t)(int64_t)offs[i] >= (uint64_t)child_len[(uint8_t)ids[i]];
    }
    if (!bad) return RR_OK;
    for (i = 0; i < len; i++) {
        int k = child_of[(uint8_t)ids[i]];
        if (k < 0)
            return fail(c, "slot %lld: type id %d is not one of the union's type codes",
                        (long long)i, (int)ids[i]);
        if (offs && (offs[i] < 0 || offs[i] >= a->children[k]->length))
            return fail(c, "slot %lld: union offset %d is outside child '%s' (length %lld)",
                        (long long)i, (int)offs[i],
                        s->children[k]->name ? s->children[k]->name : "",
                        (long long)a->children[k]->length);
    }
    return RR_OK;
}

/* ---- one node ---- */

static rr_status_t validate_node(vctx_t *c, const struct ArrowSchema *s,
                                 const struct ArrowArray *a, int depth);

static rr_status_t validate_children(vctx_t *c, const struct ArrowSchema *s,
                                     const struct ArrowArray *a, int depth) {
    for (int64_t k = 0; k < a->n_children; k++) {
        const char *name = s->children[k]->name ? s->children[k]->name : "";
        size_t saved = path_push(c, depth == 0 && c->nseg == 0 ? "column" : "child", name);
        rr_status_t st = validate_node(c, s->children[k], a->children[k], depth + 1);
        path_pop(c, saved);
        RR_TRY(st);
    }
    return RR_OK;
}

static rr_status_t validate_node(vctx_t *c, const struct ArrowSchema *s,
                                 const struct ArrowArray *a, int depth) {
    if (depth > MAX_DEPTH) return fail(c, "nested deeper than %d levels", MAX_DEPTH);
    if (!s || !s->format) return fail(c, "missing schema");
    if (!a) return fail(c, "missing array");
    if (!a->release) return fail(c, "array is released (its release callback is NULL)");

    rr_arrow_type_t t;
    rr_status_t st;
    if (c->types) {
        if (c->ti >= c->n_types) return fail(c, "more nodes than the %lld types given", (long long)c->n_types);
        t = c->types[c->ti++];
    } else {
        rr_error_t terr;
        st = rr_arrow_type_parse(s->format, &t, &terr);
        if (st != RR_OK) return failc(c, st, "%s", terr.msg);
    }
    bool has_dict = s->dictionary != NULL;
    if (has_dict && !is_integer(t.id))
        return fail(c, "dictionary index type %s is not an integer type",
                    rr_arrow_type_id_name(t.id));
    if (has_dict != (a->dictionary != NULL))
        return fail(c, has_dict ? "the schema is dictionary-encoded but the array has no dictionary"
                                : "the array has a dictionary but the schema is not dictionary-encoded");

    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    if (a->n_buffers != l.n_buffers)
        return fail(c, "array has %lld buffers, type %s has %d", (long long)a->n_buffers,
                    rr_arrow_type_id_name(t.id), (int)l.n_buffers);
    if (l.n_buffers > 0 && !a->buffers) return fail(c, "array's buffer list is NULL");
    int64_t nc = l.n_children < 0 ? s->n_children : l.n_children;
    if (s->n_children != nc)
        return fail(c, "type %s has %lld children, the schema has %lld",
                    rr_arrow_type_id_name(t.id), (long long)nc, (long long)s->n_children);
    if (a->n_children != nc)
        return fail(c, "array has %lld children, the schema has %lld", (long long)a->n_children,
                    (long long)nc);
    if (nc > 0 && (!a->children || !s->children)) return fail(c, "children list is NULL");
    for (int64_t k = 0; k < nc; k++) {
        if (!s->children[k]) return fail(c, "schema child %lld is NULL", (long long)k);
        if (!a->children[k]) return fail(c, "array child %lld is NULL", (long long)k);
    }
    if ((t.id == RR_ARROW_SPARSE_UNION || t.id == RR_ARROW_DENSE_UNION) && t.n_type_codes != nc)
        return fail(c, "union declares %d type codes for %lld children", (int)t.n_type_codes,
                    (long long)nc);
    if (t.id == RR_ARROW_MAP &&
        (!s->children[0]->format || strcmp(s->children[0]->format, "+s") != 0 ||
         s->children[0]->n_children != 2))
        return fail(c, "map child must be a struct of key and value, not \"%s\" with %lld children",
                    s->children[0]->format ? s->children[0]->format : "",
                    (long long)s->children[0]->n_children);

    int64_t len = a->length, off = a->offset, nulls = a->null_count;
    if (len < 0) return fail(c, "length %lld is negative", (long long)len);
    if (off < 0) return fail(c, "offset %lld is negative", (long long)off);
    if (nulls < -1) return fail(c, "null_count %lld is negative", (long long)nulls);
    if (nulls > len)
        return fail(c, "null_count %lld exceeds length %lld", (long long)nulls, (long long)len);
    if (len > INT64_MAX - off)
        return fail(c, "offset %lld + length %lld overflows", (long long)off, (long long)len);
    int64_t end = off + len;

    /* This node's entries of the buffer sizes (pre-order: before its children). */
    const int64_t *have = NULL;
    if (c->sizes) {
        if (c->pos + l.n_buffers > c->n_sizes)
            return fail(c, "only %lld buffer sizes given for more buffers than that",
                        (long long)c->n_sizes);
        have = c->sizes + c->pos;
        c->pos += l.n_buffers;
        for (int i = 0; i < l.n_buffers; i++)
            if (have[i] < 0)
                return fail(c, "buffer %d (%s) has negative size %lld", i, kind_name(l.kinds[i]),
                            (long long)have[i]);
    }

    const uint8_t *validity = NULL;
    for (int i = 0; i < l.n_buffers; i++) {
        const void *b = a->buffers[i];
        int64_t need = 0;
        bool overflow = false;
        switch (l.kinds[i]) {
        case RR_ARROW_BUF_VALIDITY:
            if (!b) {
                if (nulls > 0)
                    return fail(c, "validity bitmap is NULL but null_count is %lld",
                                (long long)nulls);
                continue;
            }
            validity = b;
            need = rr_arrow_bitmap_bytes(end);
            break;
        case RR_ARROW_BUF_OFFSETS32:
            overflow = __builtin_mul_overflow(end + (end < INT64_MAX), (int64_t)4, &need);
            break;
        case RR_ARROW_BUF_OFFSETS64:
            overflow = __builtin_mul_overflow(end + (end < INT64_MAX), (int64_t)8, &need);
            break;
        case RR_ARROW_BUF_DATA:
            if (l.data_bit_width == 0) continue; /* var-size: bounded by the offsets below */
            overflow = __builtin_mul_overflow(end, (int64_t)l.data_bit_width, &need);
            need = need / 8 + (need % 8 != 0);
            break;
        case RR_ARROW_BUF_TYPE_IDS: need = end; break;
        case RR_ARROW_BUF_UNION_OFFSETS:
            overflow = __builtin_mul_overflow(end, (int64_t)4, &need);
            break;
        }
        if (overflow)
            return fail(c, "buffer %d (%s) for offset %lld + length %lld is too large", i,
                        kind_name(l.kinds[i]), (long long)off, (long long)len);
        if (len == 0) continue; /* nothing of it is read */
        if (!b && need > 0) return fail(c, "buffer %d (%s) is NULL", i, kind_name(l.kinds[i]));
        if (have && have[i] < need)
            return fail(c, "buffer %d (%s) has %lld bytes, %lld needed for %lld slots at offset %lld",
                        i, kind_name(l.kinds[i]), (long long)have[i], (long long)need,
                        (long long)len, (long long)off);
    }

    if (validity && len > 0 && nulls >= 0) {
        int64_t counted = len - rr_arrow_bitmap_count_set(validity, off, len);
        if (counted != nulls)
            return fail(c, "null_count is %lld but the validity bitmap has %lld nulls",
                        (long long)nulls, (long long)counted);
    }

    int64_t first = 0, last = 0;
    switch (t.id) {
    case RR_ARROW_STRING:
    case RR_ARROW_BINARY:
    case RR_ARROW_LARGE_STRING:
    case RR_ARROW_LARGE_BINARY: {
        bool wide = t.id == RR_ARROW_LARGE_STRING || t.id == RR_ARROW_LARGE_BINARY;
        RR_TRY(check_offsets(c, a, wide, &first, &last));
        if (have && have[2] < last)
            return fail(c, "data buffer has %lld bytes but the last offset is %lld",
                        (long long)have[2], (long long)last);
        if (last > 0 && !a->buffers[2]) return fail(c, "buffer 2 (data) is NULL");
        break;
    }
    case RR_ARROW_LIST:
    case RR_ARROW_LARGE_LIST:
    case RR_ARROW_MAP:
        RR_TRY(check_offsets(c, a, t.id == RR_ARROW_LARGE_LIST, &first, &last));
        if (last > a->children[0]->length)
            return fail(c, "last offset %lld is beyond the length %lld of child '%s'",
                        (long long)last, (long long)a->children[0]->length,
                        s->children[0]->name ? s->children[0]->name : "");
        break;
    case RR_ARROW_FIXED_SIZE_LIST: {
        int64_t need;
        if (__builtin_mul_overflow(end, (int64_t)t.fixed_size, &need))
            return fail(c, "fixed-size list of %lld slots of %d items overflows", (long long)end,
                        (int)t.fixed_size);
        if (a->children[0]->length < need)
            return fail(c, "child '%s' has length %lld, %lld needed for %lld lists of %d",
                        s->children[0]->name ? s->children[0]->name : "",
                        (long long)a->children[0]->length, (long long)need, (long long)end,
                        (int)t.fixed_size);
        break;
    }
    case RR_ARROW_STRUCT:
        for (int64_t k = 0; k < nc; k++)
            if (a->children[k]->length < end)
                return fail(c, "child '%s' has length %lld, %lld needed",
                            s->children[k]->name ? s->children[k]->name : "",
                            (long long)a->children[k]->length, (long long)end);
        break;
    case RR_ARROW_SPARSE_UNION:
    case RR_ARROW_DENSE_UNION: RR_TRY(check_union(c, &t, s, a)); break;
    default: break;
    }

    RR_TRY(validate_children(c, s, a, depth));

    if (has_dict) {
        /* Dictionaries travel in their own IPC messages: no sizes here. */
        const int64_t *saved_sizes = c->sizes;
        c->sizes = NULL;
        size_t saved = path_push(c, "dictionary", NULL);
        st = validate_node(c, s->dictionary, a->dictionary, depth + 1);
        path_pop(c, saved);
        c->sizes = saved_sizes;
        RR_TRY(st);
        RR_TRY(check_indices(c, t.id, a, a->dictionary->length));
    }
    return RR_OK;
}

/* Buffers of a schema's nodes, dictionaries excluded; -1 when malformed. */
static int64_t count_buffers(const struct ArrowSchema *s, int depth) {
    rr_arrow_type_t t;
    if (depth > MAX_DEPTH || !s || rr_arrow_type_parse(s->format, &t, NULL) != RR_OK) return -1;
    int64_t n = rr_arrow_type_layout(&t).n_buffers;
    for (int64_t k = 0; k < s->n_children; k++) {
        int64_t m = s->children ? count_buffers(s->children[k], depth + 1) : -1;
        if (m < 0) return -1;
        n += m;
    }
    return n;
}

static rr_status_t validate_root(const struct ArrowSchema *schema, const struct ArrowArray *array,
                                 const rr_arrow_buffer_sizes_t *sizes, const rr_arrow_type_t *types,
                                 int64_t n_types, rr_error_t *err) {
    vctx_t c = {.err = err};
    if (!schema || !array) return fail(&c, "NULL schema or array");
    bool root_struct = schema->format && strcmp(schema->format, "+s") == 0;
    /* A nameless root is a record batch: its children are the columns. */
    if (schema->name && schema->name[0]) path_push(&c, "column", schema->name);
    if (sizes) {
        if (sizes->count < 0 || (sizes->count > 0 && !sizes->sizes))
            return failc(&c, RR_ERR_INVALID_ARG, "bad buffer size list (%lld entries)",
                         (long long)sizes->count);
        static const int64_t none[1] = {0};
        c.sizes = sizes->sizes ? sizes->sizes : none;
        c.n_sizes = sizes->count;
    }
    /* An IPC record batch has no node for the batch itself: its columns'
     * buffers come first, so skip the root struct's validity there. */
    bool skip_root = false;
    if (sizes && root_struct) {
        int64_t total = -1;
        if (types && !schema->dictionary) {
            total = 1; /* the root struct's validity */
            for (int64_t i = 0; i < n_types; i++) total += rr_arrow_type_layout(&types[i]).n_buffers;
        } else {
            total = count_buffers(schema, 0);
        }
        skip_root = total > 0 && sizes->count == total - 1;
    }
    if (skip_root) {
        /* Validate the root without sizes, then each column with them. */
        const int64_t *saved = c.sizes;
        c.sizes = NULL;
        struct ArrowArray root = *array;
        root.n_children = 0;
        struct ArrowSchema root_schema = *schema;
        root_schema.n_children = 0;
        RR_TRY(validate_node(&c, &root_schema, &root, 0));
        if (array->n_children != schema->n_children)
            return fail(&c, "array has %lld children, the schema has %lld",
                        (long long)array->n_children, (long long)schema->n_children);
        if (array->n_children > 0 && (!array->children || !schema->children))
            return fail(&c, "children list is NULL");
        for (int64_t k = 0; k < array->n_children; k++) {
            if (!array->children[k] || !schema->children[k])
                return fail(&c, "child %lld is NULL", (long long)k);
            if (array->children[k]->length < array->offset + array->length)
                return fail(&c, "child '%s' has length %lld, %lld needed",
                            schema->children[k]->name ? schema->children[k]->name : "",
                            (long long)array->children[k]->length,
                            (long long)(array->offset + array->length));
        }
        c.sizes = saved;
        if (types && !schema->dictionary) {
            c.types = types;
            c.n_types = n_types;
        }
        RR_TRY(validate_children(&c, schema, array, 0));
        if (c.types && c.ti != c.n_types)
            return fail(&c, "%lld types given for %lld nodes", (long long)c.n_types, (long long)c.ti);
    } else {
        RR_TRY(validate_node(&c, schema, array, 0));
    }
    if (c.sizes && c.pos != c.n_sizes)
        return fail(&c, "%lld buffer sizes given, the array has %lld buffers",
                    (long long)c.n_sizes, (long long)c.pos);
    return RR_OK;
}

rr_status_t rr_arrow_validate(const struct ArrowSchema *schema, const struct ArrowArray *array,
                              rr_error_t *err) {
    return validate_root(schema, array, NULL, NULL, 0, err);
}

rr_status_t rr_arrow_validate_sized(const struct ArrowSchema *schema,
                                    const struct ArrowArray *array,
                                    const rr_arrow_buffer_sizes_t *sizes, rr_error_t *err) {
    return validate_root(schema, array, sizes, NULL, 0, err);
}

rr_status_t rr_arrow_validate_batch_typed(const struct ArrowSchema *schema,
                                          const struct ArrowArray *batch,
                                          const rr_arrow_buffer_sizes_t *sizes,
                                          const rr_arrow_type_t *types, int64_t n_types,
                                          rr_error_t *err) {
    return validate_root(schema, batch, sizes, types, n_types, err);
}

/* ---- UTF-8 ---- */

/* Index of the first byte of the first malformed sequence in s[0..n), or -1.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static int64_t utf8_first_invalid(const uint8_t *s, int64_t n) {
    int64_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        uint8_t b = s[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        int more;
        uint32_t cp;
        if (b >= 0xC2 && b <= 0xDF) {
            more = 1;
            cp = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
            more = 2;
            cp = b & 0x0F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            more = 3;
            cp = b & 0x07;
        } else {
            return i;
        }
        if (n - i <= more) return i;
        for (int k = 1; k <= more; k++) {
            uint8_t x = s[i + k];
            if ((x & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (x & 0x3F);
        }
        if (more == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return i;
        if (more == 3 && (cp < 0x10000 || cp > 0x10FFFF)) return i;
        i += more + 1;
    }
    return -1;
}

static int64_t offset_at(const void *offsets, bool wide, int64_t i) {
    return wide ? ((const int64_t *)offsets)[i] : ((const int32_t *)offsets)[i];
}

static rr_status_t utf8_node(vctx_t *c, const struct ArrowSchema *s, const struct ArrowArray *a,
                             int depth) {
    rr_arrow_type_t t;
    RR_TRY(rr_arrow_type_parse(s->format, &t, c->err));
    if ((t.id == RR_ARROW_STRING || t.id == RR_ARROW_LARGE_STRING) && !s->dictionary &&
        a->length > 0) {
        bool wide = t.id == RR_ARROW_LARGE_STRING;
        const void *o = a->buffers[1];
        const uint8_t *data = a->buffers[2];
        int64_t first = offset_at(o, wide, a->offset);
        int64_t last = offset_at(o, wide, a->offset + a->length);
        /* The whole range being valid and every string starting on a
         * character boundary makes every string valid on its own. */
        int64_t bad = last > first ? utf8_first_invalid(data + first, last - first) : -1;
        int64_t slot = -1;
        if (bad >= 0) {
            bad += first;
            for (int64_t i = 0; i < a->length; i++)
                if (offset_at(o, wide, a->offset + i + 1) > bad) {
                    slot = i;
                    break;
                }
            return fail(c, "slot %lld: invalid UTF-8 at byte %lld of the string",
                        (long long)slot, (long long)(bad - offset_at(o, wide, a->offset + slot)));
        }
        for (int64_t i = 0; i < a->length; i++) {
            int64_t p = offset_at(o, wide, a->offset + i);
            if (p < last && (data[p] & 0xC0) == 0x80)
                return fail(c, "slot %lld: string starts inside a UTF-8 sequence", (long long)i);
        }
    }
    for (int64_t k = 0; k < a->n_children; k++) {
        const char *name = s->children[k]->name ? s->children[k]->name : "";
        size_t saved = path_push(c, depth == 0 && c->nseg == 0 ? "column" : "child", name);
        rr_status_t st = utf8_node(c, s->children[k], a->children[k], depth + 1);
        path_pop(c, saved);
        RR_TRY(st);
    }
    if (s->dictionary) {
        size_t saved = path_push(c, "dictionary", NULL);
        rr_status_t st = utf8_node(c, s->dictionary, a->dictionary, depth + 1);
        path_pop(c, saved);
        RR_TRY(st);
    }
    return RR_OK;
}

rr_status_t rr_arrow_validate_utf8(const struct ArrowSchema *schema,
                                   const struct ArrowArray *array, rr_error_t *err) {
    /* Structure first, so the walk below cannot read out of bounds. */
    RR_TRY(rr_arrow_validate(schema, array, err));
    vctx_t c = {.err = err};
    if (schema->name && schema->name[0]) path_push(&c, "column", schema->name);
    return utf8_node(&c, schema, array, 0);
}
