/* Logical equality of two arrays (see compare.h).
 *
 * Everything is a comparison of a range of logical slots of one array with a
 * range of another (eq_range), which makes nesting uniform: a list compares
 * its item ranges, a struct its children's ranges, a dictionary the decoded
 * value slots. Runs of valid list / struct slots become one child range, so
 * the recursion happens per run rather than per slot. The first difference
 * found is described with the path of schema names leading to it. */
#include "arrow/compare.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/schema.h"
#include "arrow/type.h"

typedef struct cmp_ctx {
    rr_error_t *err;
    char path[320];
    size_t path_len;
    int depth; /* 0 at the root array */
    bool root_is_struct; /* then the root's children are "column 'x'" */
} cmp_ctx_t;

/* ---- path and messages ---- */

static size_t path_push(cmp_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t path_push(cmp_ctx_t *c, const char *fmt, ...) {
    size_t old = c->path_len;
    size_t cap = sizeof c->path;
    if (old + 4 >= cap) return old;
    size_t at = old;
    if (at) {
        memcpy(c->path + at, " > ", 3);
        at += 3;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->path + at, cap - at, fmt, ap);
    va_end(ap);
    size_t nl = n < 0 ? at : at + (size_t)n;
    if (nl >= cap) nl = cap - 1;
    c->path[nl] = '\0';
    c->path_len = nl;
    return old;
}

static void path_pop(cmp_ctx_t *c, size_t old) {
    c->path_len = old;
    c->path[old] = '\0';
}

/* Path component of a child: columns of the root record batch are named as
 * such, deeper children by their field name. */
static size_t push_child(cmp_ctx_t *c, const struct ArrowSchema *child, int64_t i) {
    const char *name = child->name && child->name[0] ? child->name : NULL;
    if (c->depth == 0 && c->root_is_struct) {
        if (name) return path_push(c, "column '%s'", name);
        return path_push(c, "column %" PRId64, i);
    }
    if (name) return path_push(c, "%s", name);
    return path_push(c, "child %" PRId64, i);
}

static bool differ(cmp_ctx_t *c, int64_t slot, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool differ(cmp_ctx_t *c, int64_t slot, const char *fmt, ...) {
    if (!c->err) return false;
    char what[RR_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (slot >= 0)
        rr_error_set(c->err, RR_ERR_INVALID_DATA, "%s%sslot %" PRId64 ": %s", c->path,
                     c->path_len ? ": " : "", slot, what);
    else
        rr_error_set(c->err, RR_ERR_INVALID_DATA, "%s%s%s", c->path, c->path_len ? ": " : "",
                     what);
    return false;
}

/* ---- reading slots ---- */

static const uint8_t *buf(const struct ArrowArray *a, int64_t i) {
    return i < a->n_buffers ? (const uint8_t *)a->buffers[i] : NULL;
}

/* Validity of logical slot i for types whose buffer 0 is a bitmap. */
static bool bit_valid(const struct ArrowArray *a, int64_t i) {
    const uint8_t *v = buf(a, 0);
    return v == NULL || a->null_count == 0 || rr_arrow_bit_get(v, a->offset + i);
}

/* When neither side has a null, every slot is valid and nested children can
 * be compared as one run. This also bounds the work for struct arrays with
 * no buffers (a batch of no columns), whose length memory does not bound. */
static bool all_valid(const struct ArrowArray *a, const struct ArrowArray *b) {
    return (!buf(a, 0) || a->null_count == 0) && (!buf(b, 0) || b->null_count == 0);
}

static bool has_validity(rr_arrow_type_id_t id) {
    return id != RR_ARROW_NA && id != RR_ARROW_SPARSE_UNION && id != RR_ARROW_DENSE_UNION;
}

/* Whether any of n logical slots from i is null. */
static bool range_has_nulls(const struct ArrowArray *a, int64_t i, int64_t n) {
    const uint8_t *v = buf(a, 0);
    if (v == NULL || a->null_count == 0 || n == 0) return false;
    return rr_arrow_bitmap_count_set(v, a->offset + i, n) != n;
}

static int64_t read_index(rr_arrow_type_id_t id, const uint8_t *data, int64_t phys, bool *neg) {
    *neg = false;
    int64_t v = 0;
    switch (id) {
    case RR_ARROW_INT8: v = ((const int8_t *)data)[phys]; break;
    case RR_ARROW_UINT8: v = ((const uint8_t *)data)[phys]; break;
    case RR_ARROW_INT16: {
        int16_t x;
        memcpy(&x, data + 2 * phys, 2);
        v = x;
        break;
    }
    case RR_ARROW_UINT16: {
        uint16_t x;
        memcpy(&x, data + 2 * phys, 2);
        v = x;
        break;
    }
    case RR_ARROW_INT32: {
        int32_t x;
        memcpy(&x, data + 4 * phys, 4);
        v = x;
        break;
    }
    case RR_ARROW_UINT32: {
        uint32_t x;
        memcpy(&x, data + 4 * phys, 4);
        v = x;
        break;
    }
    case RR_ARROW_INT64: memcpy(&v, data + 8 * phys, 8); break;
    case RR_ARROW_UINT64: {
        uint64_t x;
        memcpy(&x, data + 8 * phys, 8);
        if (x > (uint64_t)INT64_MAX) *neg = true;
        v = (int64_t)x;
        break;
    }
    default: *neg = true; break;
    }
    if (v < 0) *neg = true;
    return v;
}

static double half_to_double(uint16_t h) {
    int sign = h >> 15, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    double v;
    if (exp == 0) v = (double)man / 1024.0 / 16384.0;
    else if (exp == 31) v = man ? (double)NAN : (double)INFINITY;
    else v = (1.0 + (double)man / 1024.0) * (double)(1 << exp) / 32768.0;
    return sign ? -v : v;
}

/* A short human form of a fixed-width value (for messages). */
static void fmt_fixed(const rr_arrow_type_t *t, const uint8_t *p, int32_t width, char *out,
                      size_t cap) {
    switch (t->id) {
    case RR_ARROW_INT8: snprintf(out, cap, "%d", (int)*(const int8_t *)p); return;
    case RR_ARROW_UINT8: snprintf(out, cap, "%u", (unsigned)*p); return;
    case RR_ARROW_INT16: {
        int16_t x;
        memcpy(&x, p, 2);
        snprintf(out, cap, "%d", (int)x);
        return;
    }
    case RR_ARROW_UINT16: {
        uint16_t x;
        memcpy(&x, p, 2);
        snprintf(out, cap, "%u", (unsigned)x);
        return;
    }
    case RR_ARROW_INT32:
    case RR_ARROW_DATE32:
    case RR_ARROW_TIME32:
    case RR_ARROW_INTERVAL_MONTHS:
    case RR_ARROW_DECIMAL32: {
        int32_t x;
        memcpy(&x, p, 4);
        snprintf(out, cap, "%" PRId32, x);
        return;
    }
    case RR_ARROW_UINT32: {
        uint32_t x;
        memcpy(&x, p, 4);
        snprintf(out, cap, "%" PRIu32, x);
        return;
    }
    case RR_ARROW_INT64:
    case RR_ARROW_DATE64:
    case RR_ARROW_TIME64:
    case RR_ARROW_TIMESTAMP:
    case RR_ARROW_DURATION:
    case RR_ARROW_DECIMAL64: {
        int64_t x;
        memcpy(&x, p, 8);
        snprintf(out, cap, "%" PRId64, x);
        return;
    }
    case RR_ARROW_UINT64: {
        uint64_t x;
        memcpy(&x, p, 8);
        snprintf(out, cap, "%" PRIu64, x);
        return;
    }
    case RR_ARROW_HALF_FLOAT: {
        uint16_t x;
        memcpy(&x, p, 2);
        snprintf(out, cap, "%g", half_to_double(x));
        return;
    }
    case RR_ARROW_FLOAT: {
        float x;
        memcpy(&x, p, 4);
        snprintf(out, cap, "%.9g", (double)x);
        return;
    }
    case RR_ARROW_DOUBLE: {
        double x;
        memcpy(&x, p, 8);
        snprintf(out, cap, "%.17g", x);
        return;
    }
    case RR_ARROW_INTERVAL_DAY_TIME: {
        int32_t d, ms;
        memcpy(&d, p, 4);
        memcpy(&ms, p + 4, 4);
        snprintf(out, cap, "%" PRId32 "d %" PRId32 "ms", d, ms);
        return;
    }
    case RR_ARROW_INTERVAL_MONTH_DAY_NANO: {
        int32_t m, d;
        int64_t ns;
        memcpy(&m, p, 4);
        memcpy(&d, p + 4, 4);
        memcpy(&ns, p + 8, 8);
        snprintf(out, cap, "%" PRId32 "mo %" PRId32 "d %" PRId64 "ns", m, d, ns);
        return;
    }
    default: break;
    }
    /* fixed_size_binary, wide decimals: bytes in hex, in memory order. */
    size_t at = 0;
    out[0] = '\0';
    at += (size_t)snprintf(out, cap, "0x");
    for (int32_t i = 0; i < width && at + 3 < cap; i++) {
        if (i == 16 && width > 17) {
            snprintf(out + at, cap - at, "...");
            break;
        }
        at += (size_t)snprintf(out + at, cap - at, "%02x", p[i]);
    }
}

/* A quoted, truncated form of a var-size value. */
static void fmt_bytes(bool text, const uint8_t *p, int64_t len, char *out, size_t cap) {
    size_t at = 0;
    out[at++] = text ? '"' : '<';
    for (int64_t i = 0; i < len; i++) {
        if (at + 8 >= cap) {
            at += (size_t)snprintf(out + at, cap - at, "...");
            break;
        }
        uint8_t ch = p[i];
        if (text && ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
            out[at++] = (char)ch;
        else if (text)
            at += (size_t)snprintf(out + at, cap - at, "\\x%02x", ch);
        else
            at += (size_t)snprintf(out + at, cap - at, "%02x", ch);
    }
    if (at + 2 < cap) out[at++] = text ? '"' : '>';
    out[at] = '\0';
}

static bool is_nan_bits(rr_arrow_type_id_t id, const uint8_t *p) {
    switch (id) {
    case RR_ARROW_HALF_FLOAT: {
        uint16_t h;
        memcpy(&h, p, 2);
        return (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
    }
    case RR_ARROW_FLOAT: {
        float f;
        memcpy(&f, p, 4);
        return f != f;
    }
    case RR_ARROW_DOUBLE: {
        double d;
        memcpy(&d, p, 8);
        return d != d;
    }
    default: return false;
    }
}

/* ---- comparison ---- */

static bool eq_range(cmp_ctx_t *c, const struct ArrowSchema *sa, const struct ArrowArray *a,
                     int64_t ai, const struct ArrowSchema *sb, const struct ArrowArray *b,
                     int64_t bi, int64_t n);

/* The validity of slot s of both sides: returns false (after filling the
 * error) when they differ; *both_valid tells whether values need comparing. */
static bool eq_validity(cmp_ctx_t *c, const struct ArrowArray *a, int64_t ai,
                        const struct ArrowArray *b, int64_t bi, bool *both_valid) {
    bool va = bit_valid(a, ai), vb = bit_valid(b, bi);
    *both_valid = va && vb;
    if (va != vb) return differ(c, ai, "%s != %s", va ? "valid" : "null", vb ? "valid" : "null");
    return true;
}

static bool eq_bool(cmp_ctx_t *c, const struct ArrowArray *a, int64_t ai,
                    const struct ArrowArray *b, int64_t bi, int64_t n) {
    const uint8_t *da = buf(a, 1), *db = buf(b, 1);
    for (int64_t s = 0; s < n; s++) {
        bool both;
        if (!eq_validity(c, a, ai + s, b, bi + s, &both)) return false;
        if (!both) continue;
        if (!da || !db) return differ(c, ai + s, "missing data buffer");
        bool x = rr_arrow_bit_get(da, a->offset + ai + s), y = rr_arrow_bit_get(db, b->offset + bi + s);
        if (x != y) return differ(c, ai + s, "%s != %s", x ? "true" : "false", y ? "true" : "false");
    }
    return true;
}

static bool eq_fixed(cmp_ctx_t *c, const rr_arrow_type_t *t, int32_t width,
                     const struct ArrowArray *a, int64_t ai, const struct ArrowArray *b,
                     int64_t bi, int64_t n) {
    const uint8_t *da = buf(a, 1), *db = buf(b, 1);
    bool has_data = da && db && width > 0;
    const uint8_t *pa = has_data ? da + (a->offset + ai) * (int64_t)width : NULL;
    const uint8_t *pb = has_data ? db + (b->offset + bi) * (int64_t)width : NULL;
    /* Fast path: whole ranges identical and no nulls to mask. */
    if (has_data && !range_has_nulls(a, ai, n) && !range_has_nulls(b, bi, n) &&
        memcmp(pa, pb, (size_t)(n * width)) == 0)
        return true;
    for (int64_t s = 0; s < n; s++) {
        bool both;
        if (!eq_validity(c, a, ai + s, b, bi + s, &both)) return false;
        if (!both || width == 0) continue;
        if (!has_data) return differ(c, ai + s, "missing data buffer");
        const uint8_t *x = pa + s * width, *y = pb + s * width;
        if (memcmp(x, y, (size_t)width) == 0) continue;
        if (is_nan_bits(t->id, x) && is_nan_bits(t->id, y)) continue;
        char fx[80], fy[80];
        fmt_fixed(t, x, width, fx, sizeof fx);
        fmt_fixed(t, y, width, fy, sizeof fy);
        return differ(c, ai + s, "%s != %s", fx, fy);
    }
    return true;
}

static void offsets_at(const struct ArrowArray *a, bool large, int64_t i, int64_t *start,
                       int64_t *end) {
    const uint8_t *o = buf(a, 1);
    int64_t phys = a->offset + i;
    if (large) {
        memcpy(start, o + 8 * phys, 8);
        memcpy(end, o + 8 * (phys + 1), 8);
    } else {
        int32_t s, e;
        memcpy(&s, o + 4 * phys, 4);
        memcpy(&e, o + 4 * (phys + 1), 4);
        *start = s;
        *end = e;
    }
}

static bool eq_varsize(cmp_ctx_t *c, bool text, bool large, const struct ArrowArray *a, int64_t ai,
                       const struct ArrowArray *b, int64_t bi, int64_t n) {
    const uint8_t *da = buf(a, 2), *db = buf(b, 2);
    for (int64_t s = 0; s < n; s++) {
        bool both;
        if (!eq_validity(c, a, ai + s, b, bi + s, &both)) return false;
        if (!both) continue;
        int64_t as, ae, bs, be;
        offsets_at(a, large, ai + s, &as, &ae);
        offsets_at(b, large, bi + s, &bs, &be);
        if (ae - as == be - bs && ae > as && (!da || !db))
            return differ(c, ai + s, "missing data buffer");
        if (ae - as == be - bs && (ae == as || memcmp(da + as, db + bs, (size_t)(ae - as)) == 0))
            continue;
        char fx[96], fy[96];
        fmt_bytes(text, ae > as ? da + as : (const uint8_t *)"", ae - as, fx, sizeof fx);
        fmt_bytes(text, be > bs ? db + bs : (const uint8_t *)"", be - bs, fy, sizeof fy);
        return differ(c, ai + s, "%s != %s", fx, fy);
    }
    return true;
}

/* Child 0 ranges of a run of valid list slots, compared in one go. */
static bool eq_child_run(cmp_ctx_t *c, const struct ArrowSchema *sa, const struct ArrowArray *a,
                         int64_t ca, const struct ArrowSchema *sb, const struct ArrowArray *b,
                         int64_t cb, int64_t n) {
    if (n == 0) return true;
    if (a->n_children < 1 || b->n_children < 1 || sa->n_children < 1)
        return differ(c, -1, "list array without a child");
    size_t old = push_child(c, sa->children[0], 0);
    c->depth++;
    bool ok = eq_range(c, sa->children[0], a->children[0], ca, sb->children[0], b->children[0], cb,
                       n);
    c->depth--;
    if (ok) path_pop(c, old);
    return ok;
}

static bool eq_list(cmp_ctx_t *c, bool large, const struct ArrowSchema *sa,
                    const struct ArrowArray *a, int64_t ai, const struct ArrowSchema *sb,
                    const struct ArrowArray *b, int64_t bi, int64_t n) {
    int64_t run_a = -1, run_b = -1, run_len = 0; /* child start of the run, items in it */
    for (int64_t s = 0; s < n; s++) {
        bool both;
        if (!eq_validity(c, a, ai + s, b, bi + s, &both)) return false;
        if (both) {
            int64_t as, ae, bs, be;
            offsets_at(a, large, ai + s, &as, &ae);
            offsets_at(b, large, bi + s, &bs, &be);
            if (ae - as != be - bs)
                return differ(c, ai + s, "list length %" PRId64 " != %" PRId64, ae - as, be - bs);
            if (run_a >= 0 && run_a + run_len == as && run_b + run_len == bs) {
                run_len += ae - as;
                continue;
            }
            if (run_a >= 0 && !eq_child_run(c, sa, a, run_a, sb, b, run_b, run_len)) return false;
            run_a = as;
            run_b = bs;
            run_len = ae - as;
        }
    }
    if (run_a >= 0) return eq_child_run(c, sa, a, run_a, sb, b, run_b, run_len);
    return true;
}

static bool eq_fixed_list(cmp_ctx_t *c, int32_t size, const struct ArrowSchema *sa,
                          const struct ArrowArray *a, int64_t ai, const struct ArrowSchema *sb,
                          const struct ArrowArray *b, int64_t bi, int64_t n) {
    bool one_run = all_valid(a, b);
    int64_t run = one_run ? 0 : -1;
    for (int64_t s = one_run ? n : 0; s <= n; s++) {
        bool both = false;
        if (s < n && !eq_validity(c, a, ai + s, b, bi + s, &both)) return false;
        if (both) {
            if (run < 0) run = s;
            continue;
        }
        if (run >= 0) {
            int64_t len = s - run;
            if (!eq_child_run(c, sa, a, (a->offset + ai + run) * size, sb, b,
                              (b->offset + bi + run) * size, len * size))
                return false;
            run = -1;
        }
    }
    return true;
}

static bool eq_struct(cmp_ctx_t *c, const struct ArrowSchema *sa, const struct ArrowArray *a,
                      int64_t ai, const struct ArrowSchema *sb, const struct ArrowArray *b,
                      int64_t bi, int64_t n) {
    if (a->n_children != sa->n_children || b->n_children != sb->n_children)
        return differ(c, -1, "struct array has %" PRId64 " / %" PRId64 " children, schema %" PRId64,
                      a->n_children, b->n_children, sa->n_children);
    bool one_run = all_valid(a, b);
    int64_t run = one_run ? 0 : -1;
    for (int64_t s = one_run ? n : 0; s <= n; s++) {
        bool both = false;
        if (s < n && !eq_validity(c, a, ai + s, b, bi + s, &both)) return false;
        if (both) {
            if (run < 0) run = s;
            continue;
        }
        if (run < 0) continue;
        for (int64_t k = 0; k < sa->n_children; k++) {
            size_t old = push_child(c, sa->children[k], k);
            c->depth++;
            bool ok = eq_range(c, sa->children[k], a->children[k], a->offset + ai + run,
                               sb->children[k], b->children[k], b->offset + bi + run, s - run);
            c->depth--;
            if (!ok) return false;
            path_pop(c, old);
        }
        run = -1;
    }
    return true;
}

static bool eq_union(cmp_ctx_t *c, const rr_arrow_type_t *t, bool dense,
                     const struct ArrowSchema *sa, const struct ArrowArray *a, int64_t ai,
                     const struct ArrowSchema *sb, const struct ArrowArray *b, int64_t bi,
                     int64_t n) {
    int8_t child_of[128];
    memset(child_of, -1, sizeof child_of);
    for (int32_t k = 0; k < t->n_type_codes && k < sa->n_children; k++)
        if (t->type_codes[k] >= 0) child_of[t->type_codes[k]] = (int8_t)k;
    const int8_t *ta = (const int8_t *)buf(a, 0), *tb = (const int8_t *)buf(b, 0);
    const uint8_t *oa = dense ? buf(a, 1) : NULL, *ob = dense ? buf(b, 1) : NULL;
    for (int64_t s = 0; s < n; s++) {
        int8_t ida = ta[a->offset + ai + s], idb = tb[b->offset + bi + s];
        if (ida != idb) return differ(c, ai + s, "type id %d != %d", ida, idb);
        int k = ida >= 0 ? child_of[ida] : -1;
        if (k < 0 || k >= a->n_children || k >= b->n_children)
            return differ(c, ai + s, "type id %d is not declared by the union type", ida);
        int64_t ca, cb;
        if (dense) {
            int32_t x, y;
            memcpy(&x, oa + 4 * (a->offset + ai + s), 4);
            memcpy(&y, ob + 4 * (b->offset + bi + s), 4);
            ca = x;
            cb = y;
        } else {
            ca = a->offset + ai + s;
            cb = b->offset + bi + s;
        }
        size_t old = push_child(c, sa->children[k], k);
        c->depth++;
        bool ok = eq_range(c, sa->children[k], a->children[k], ca, sb->children[k], b->children[k],
                           cb, 1);
        c->depth--;
        if (!ok) return false;
        path_pop(c, old);
    }
    return true;
}

/* Whether logical slot i of an array is null once decoded (dictionary values
 * that are null make their slot null too). */
static bool slot_is_null(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i) {
    rr_arrow_type_t t;
    if (rr_arrow_type_parse(s->format, &t, NULL) != RR_OK) return false;
    if (t.id == RR_ARROW_NA) return true;
    if (!has_validity(t.id)) return false;
    if (!bit_valid(a, i)) return true;
    if (s->dictionary && a->dictionary) {
        bool neg;
        int64_t k = read_index(t.id, buf(a, 1), a->offset + i, &neg);
        if (neg || k >= a->dictionary->length) return false;
        return slot_is_null(s->dictionary, a->dictionary, k);
    }
    return false;
}

static bool eq_dictionary(cmp_ctx_t *c, const rr_arrow_type_t *index_type,
                          const struct ArrowSchema *sa, const struct ArrowArray *a, int64_t ai,
                          const struct ArrowSchema *sb, const struct ArrowArray *b, int64_t bi,
                          int64_t n) {
    const struct ArrowArray *da = a->dictionary, *db = b->dictionary;
    if (!da || !db) return differ(c, -1, "dictionary-encoded array without a dictionary");
    const uint8_t *ia = buf(a, 1), *ib = buf(b, 1);
    for (int64_t s = 0; s < n; s++) {
        bool na = !bit_valid(a, ai + s), nb = !bit_valid(b, bi + s);
        int64_t ka = -1, kb = -1;
        if (!na) {
            bool neg;
            ka = read_index(index_type->id, ia, a->offset + ai + s, &neg);
            if (neg || ka >= da->length)
                return differ(c, ai + s, "dictionary index out of range");
            na = slot_is_null(sa->dictionary, da, ka);
        }
        if (!nb) {
            bool neg;
            kb = read_index(index_type->id, ib, b->offset + bi + s, &neg);
            if (neg || kb >= db->length)
                return differ(c, ai + s, "dictionary index out of range");
            nb = slot_is_null(sb->dictionary, db, kb);
        }
        if (na != nb) return differ(c, ai + s, "%s != %s", na ? "null" : "valid", nb ? "null" : "valid");
        if (na) continue;
        size_t old = path_push(c, "slot %" PRId64 " > dictionary", ai + s);
        c->depth++;
        bool ok = eq_range(c, sa->dictionary, da, ka, sb->dictionary, db, kb, 1);
        c->depth--;
        if (!ok) return false;
        path_pop(c, old);
    }
    return true;
}

static bool eq_range(cmp_ctx_t *c, const struct ArrowSchema *sa, const struct ArrowArray *a,
                     int64_t ai, const struct ArrowSchema *sb, const struct ArrowArray *b,
                     int64_t bi, int64_t n) {
    if (n <= 0) return true;
    rr_arrow_type_t t;
    rr_error_t perr = {0};
    if (rr_arrow_type_parse(sa->format, &t, &perr) != RR_OK) return differ(c, -1, "%s", perr.msg);
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    if (a->n_buffers < l.n_buffers || b->n_buffers < l.n_buffers)
        return differ(c, -1, "array has fewer buffers than a %s needs", rr_arrow_type_id_name(t.id));
    if (sa->dictionary) return eq_dictionary(c, &t, sa, a, ai, sb, b, bi, n);
    switch (t.id) {
    case RR_ARROW_NA: return true;
    case RR_ARROW_BOOL: return eq_bool(c, a, ai, b, bi, n);
    case RR_ARROW_STRING: return eq_varsize(c, true, false, a, ai, b, bi, n);
    case RR_ARROW_LARGE_STRING: return eq_varsize(c, true, true, a, ai, b, bi, n);
    case RR_ARROW_BINARY: return eq_varsize(c, false, false, a, ai, b, bi, n);
    case RR_ARROW_LARGE_BINARY: return eq_varsize(c, false, true, a, ai, b, bi, n);
    case RR_ARROW_LIST:
    case RR_ARROW_MAP: return eq_list(c, false, sa, a, ai, sb, b, bi, n);
    case RR_ARROW_LARGE_LIST: return eq_list(c, true, sa, a, ai, sb, b, bi, n);
    case RR_ARROW_FIXED_SIZE_LIST: return eq_fixed_list(c, t.fixed_size, sa, a, ai, sb, b, bi, n);
    case RR_ARROW_STRUCT: return eq_struct(c, sa, a, ai, sb, b, bi, n);
    case RR_ARROW_SPARSE_UNION: return eq_union(c, &t, false, sa, a, ai, sb, b, bi, n);
    case RR_ARROW_DENSE_UNION: return eq_union(c, &t, true, sa, a, ai, sb, b, bi, n);
    default: return eq_fixed(c, &t, l.data_bit_width / 8, a, ai, b, bi, n);
    }
}

bool rr_arrow_array_equal(const struct ArrowSchema *schema_a, const struct ArrowArray *a,
                          const struct ArrowSchema *schema_b, const struct ArrowArray *b,
                          rr_error_t *err) {
    if (!schema_a || !schema_b || !a || !b || !schema_a->release || !schema_b->release ||
        !a->release || !b->release) {
        rr_error_set(err, RR_ERR_INVALID_ARG, "comparing a missing or released array or schema");
        return false;
    }
    if (!rr_arrow_schema_equal(schema_a, schema_b, err)) return false;
    cmp_ctx_t c = {.err = err, .root_is_struct = !strcmp(schema_a->format, "+s")};
    if (a->length != b->length)
        return differ(&c, -1, "length %" PRId64 " != %" PRId64, a->length, b->length);
    if (a == b) return true;
    if (!eq_range(&c, schema_a, a, 0, schema_b, b, 0, a->length)) return false;
    rr_error_clear(err);
    return true;
}
