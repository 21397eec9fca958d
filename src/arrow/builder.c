/* Builders (see builder.h): one node per schema node, each growing its own
 * buffers (rr_buf_t, doubling) and finishing into an ArrowArray whose buffers
 * are the builder's storage handed over without a copy.
 *
 * Every public call first checks everything that could make it wrong, then
 * reserves what it will write (which may fail only for lack of memory and
 * changes no logical content), and only then writes: so a rejected call
 * leaves the builder as it was. The one exception is running out of memory
 * half-way through a null that fills several nested children. */
#include "arrow/builder.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/schema.h"
#include "arrow/type.h"
#include "base/mem.h"

typedef enum kind {
    K_NULL,   /* the null type: only a length */
    K_BOOL,   /* bit-packed values */
    K_FIXED,  /* width bytes per value */
    K_VAR32,  /* utf8 / binary */
    K_VAR64,  /* large_utf8 / large_binary */
    K_LIST32, /* list, map */
    K_LIST64, /* large_list */
    K_FSL,    /* fixed_size_list */
    K_STRUCT,
    K_SPARSE,
    K_DENSE,
} kind_t;

struct rr_arrow_builder {
    const struct ArrowSchema *schema; /* points into the root's owned copy */
    struct ArrowSchema *owned;        /* root only: the copy every node points into */
    rr_arrow_builder_t *parent;
    char *path; /* field path for messages */
    rr_arrow_type_t type;
    kind_t kind;
    int32_t width;  /* bytes per value (K_FIXED) */
    bool is_index;  /* dictionary-encoded: this node holds the indices */
    int64_t length, null_count;
    bool has_bitmap; /* validity allocated (lazily, at the first null) */
    rr_buf_t validity;
    rr_buf_t data;    /* values, bool bits, var-size bytes or union type ids */
    rr_buf_t offsets; /* offsets of var-size and list types; dense union offsets */
    int64_t end;      /* last offset of var-size and list types */
    int64_t n_children;
    rr_arrow_builder_t **children;
    int64_t *committed;  /* dense union: slots of each child referenced so far */
    int8_t child_of[128]; /* union type code -> child index, -1 when undeclared */
    rr_arrow_builder_t *dict;
};

static rr_status_t bad(const rr_arrow_builder_t *b, rr_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static rr_status_t bad(const rr_arrow_builder_t *b, rr_error_t *err, const char *fmt, ...) {
    if (!err) return RR_ERR_INVALID_ARG;
    char what[RR_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return rr_error_set(err, RR_ERR_INVALID_ARG, "builder '%s' (%s%s): %s",
                        b->path[0] ? b->path : "<root>", rr_arrow_type_id_name(b->type.id),
                        b->is_index ? " dictionary indices" : "", what);
}

static rr_status_t nomem(const rr_arrow_builder_t *b, rr_error_t *err) {
    return rr_error_set(err, RR_ERR_NOMEM, "builder '%s': out of memory",
                        b->path[0] ? b->path : "<root>");
}

#define TRY_MEM(b, err, expr)                                                                      \
    do {                                                                                           \
        if ((expr) != RR_OK) return nomem((b), (err));                                             \
    } while (0)

/* ---- bitmaps in growable buffers ---- */

/* Makes room for bits [0, nbits); new bytes are zero, so bits past the
 * length stay clear. */
static rr_status_t bits_reserve(rr_buf_t *bm, int64_t nbits) {
    size_t need = (size_t)rr_arrow_bitmap_bytes(nbits);
    if (bm->len >= need) return RR_OK;
    return rr_buf_append_zeros(bm, need - bm->len);
}

static void bits_set_range(uint8_t *bits, int64_t from, int64_t n, bool v) {
    int64_t i = from, end = from + n;
    while (i < end && (i & 7)) rr_arrow_bit_set(bits, i++, v);
    if (end - i >= 8) {
        memset(bits + (i >> 3), v ? 0xff : 0, (size_t)((end - i) >> 3));
        i += (end - i) & ~(int64_t)7;
    }
    while (i < end) rr_arrow_bit_set(bits, i++, v);
}

/* Reserves the validity for n more slots, creating the bitmap (all earlier
 * slots valid) when any of them is null. */
static rr_status_t validity_reserve(rr_arrow_builder_t *b, int64_t n, bool any_null) {
    if (!b->has_bitmap && !any_null) return RR_OK;
    if (!b->has_bitmap) {
        RR_TRY(bits_reserve(&b->validity, b->length + n));
        bits_set_range(b->validity.data, 0, b->length, true);
        b->has_bitmap = true;
        return RR_OK;
    }
    return bits_reserve(&b->validity, b->length + n);
}

/* Marks n slots from the current length; validity must be reserved. */
static void validity_write(rr_arrow_builder_t *b, int64_t n, bool valid) {
    if (b->has_bitmap) bits_set_range(b->validity.data, b->length, n, valid);
}

/* ---- offsets ---- */

static int offset_width(const rr_arrow_builder_t *b) {
    return b->kind == K_VAR64 || b->kind == K_LIST64 ? 8 : 4;
}

/* Var-size and list offsets start with a 0 entry. */
static rr_status_t offsets_start(rr_arrow_builder_t *b) {
    if (b->offsets.len) return RR_OK;
    return rr_buf_append_zeros(&b->offsets, (size_t)offset_width(b));
}

static void offsets_push(rr_arrow_builder_t *b, int64_t v) {
    if (offset_width(b) == 8) {
        memcpy(b->offsets.data + b->offsets.len, &v, 8);
        b->offsets.len += 8;
    } else {
        int32_t x = (int32_t)v;
        memcpy(b->offsets.data + b->offsets.len, &x, 4);
        b->offsets.len += 4;
    }
}

static int64_t offset_max(const rr_arrow_builder_t *b) {
    return offset_width(b) == 8 ? INT64_MAX : INT32_MAX;
}

/* ---- creation ---- */

static void node_free(rr_arrow_builder_t *b) {
    if (!b) return;
    for (int64_t i = 0; i < b->n_children; i++) node_free(b->children[i]);
    free(b->children);
    node_free(b->dict);
    free(b->committed);
    rr_buf_free(&b->validity);
    rr_buf_free(&b->data);
    rr_buf_free(&b->offsets);
    free(b->path);
    if (b->owned) {
        rr_arrow_schema_release(b->owned);
        free(b->owned);
    }
    free(b);
}

static char *join_path(const char *parent, const char *name) {
    size_t pl = parent ? strlen(parent) : 0, nl = strlen(name);
    char *p = malloc(pl + nl + 2);
    if (!p) return NULL;
    if (pl) {
        memcpy(p, parent, pl);
        p[pl++] = '.';
    }
    memcpy(p + pl, name, nl + 1);
    return p;
}

static rr_status_t node_new(const struct ArrowSchema *s, rr_arrow_builder_t *parent,
                            const char *name, bool as_index, rr_arrow_builder_t **out,
                            rr_error_t *err) {
    *out = NULL;
    rr_arrow_builder_t *b = calloc(1, sizeof *b);
    if (!b) return rr_error_set(err, RR_ERR_NOMEM, "out of memory creating a builder");
    b->schema = s;
    b->parent = parent;
    b->path = join_path(parent ? parent->path : NULL, name);
    if (!b->path) {
        free(b);
        return rr_error_set(err, RR_ERR_NOMEM, "out of memory creating a builder");
    }
    rr_status_t st = rr_arrow_type_parse(s->format, &b->type, err);
    if (st != RR_OK) {
        rr_error_prefix(err, "builder '%s': ", b->path);
        node_free(b);
        return st;
    }
    b->is_index = as_index;
    memset(b->child_of, -1, sizeof b->child_of);
    rr_arrow_layout_t l = rr_arrow_type_layout(&b->type);
    const char *problem = NULL;
    if (as_index) {
        switch (b->type.id) {
        case RR_ARROW_INT8: case RR_ARROW_UINT8: case RR_ARROW_INT16: case RR_ARROW_UINT16:
        case RR_ARROW_INT32: case RR_ARROW_UINT32: case RR_ARROW_INT64: case RR_ARROW_UINT64:
            break;
        default: problem = "dictionary indices must be an integer type";
        }
    }
    if (!problem && l.n_children >= 0 && s->n_children != l.n_children)
        problem = "wrong number of children for the type";
    if (!problem && (b->type.id == RR_ARROW_SPARSE_UNION || b->type.id == RR_ARROW_DENSE_UNION)) {
        if (b->type.n_type_codes != s->n_children) problem = "union type codes do not match its children";
        for (int32_t k = 0; !problem && k < b->type.n_type_codes; k++) {
            int8_t code = b->type.type_codes[k];
            if (code < 0 || b->child_of[code] >= 0) problem = "bad or repeated union type code";
            else b->child_of[code] = (int8_t)k;
        }
    }
    if (!problem && b->type.id == RR_ARROW_FIXED_SIZE_LIST && b->type.fixed_size < 0)
        problem = "negative list size";
    if (problem) {
        rr_status_t code = bad(b, err, "%s", problem);
        node_free(b);
        return code;
    }
    switch (b->type.id) {
    case RR_ARROW_NA: b->kind = K_NULL; break;
    case RR_ARROW_BOOL: b->kind = K_BOOL; break;
    case RR_ARROW_STRING: case RR_ARROW_BINARY: b->kind = K_VAR32; break;
    case RR_ARROW_LARGE_STRING: case RR_ARROW_LARGE_BINARY: b->kind = K_VAR64; break;
    case RR_ARROW_LIST: case RR_ARROW_MAP: b->kind = K_LIST32; break;
    case RR_ARROW_LARGE_LIST: b->kind = K_LIST64; break;
    case RR_ARROW_FIXED_SIZE_LIST: b->kind = K_FSL; break;
    case RR_ARROW_STRUCT: b->kind = K_STRUCT; break;
    case RR_ARROW_SPARSE_UNION: b->kind = K_SPARSE; break;
    case RR_ARROW_DENSE_UNION: b->kind = K_DENSE; break;
    default:
        b->kind = K_FIXED;
        b->width = l.data_bit_width / 8;
        break;
    }
    if (s->n_children > 0) {
        b->children = calloc((size_t)s->n_children, sizeof *b->children);
        b->committed = calloc((size_t)s->n_children, sizeof *b->committed);
        if (!b->children || !b->committed) {
            node_free(b);
            return rr_error_set(err, RR_ERR_NOMEM, "out of memory creating a builder");
        }
        b->n_children = s->n_children;
        for (int64_t i = 0; i < s->n_children; i++) {
            const struct ArrowSchema *c = s->children[i];
            char cname[32];
            const char *nm = c->name && c->name[0] ? c->name : NULL;
            if (!nm) {
                snprintf(cname, sizeof cname, "%" PRId64, i);
                nm = cname;
            }
            st = node_new(c, b, nm, c->dictionary != NULL, &b->children[i], err);
            if (st != RR_OK) {
                node_free(b);
                return st;
            }
        }
    }
    if (s->dictionary && as_index) {
        st = node_new(s->dictionary, b, "<dictionary>", s->dictionary->dictionary != NULL, &b->dict,
                      err);
        if (st != RR_OK) {
            node_free(b);
            return st;
        }
    }
    *out = b;
    return RR_OK;
}

rr_status_t rr_arrow_builder_new(const struct ArrowSchema *schema, rr_arrow_builder_t **out,
                                 rr_error_t *err) {
    *out = NULL;
    if (!schema || !schema->release || !schema->format)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "builder for a missing or released schema");
    rr_arrow_builder_t *b = NULL;
    struct ArrowSchema *held = malloc(sizeof *held);
    if (!held) return rr_error_set(err, RR_ERR_NOMEM, "out of memory creating a builder");
    rr_status_t cst = rr_arrow_schema_copy(schema, held, err);
    if (cst != RR_OK) {
        free(held);
        return cst;
    }
    rr_status_t st = node_new(held, NULL, held->name ? held->name : "", held->dictionary != NULL,
                              &b, err);
    if (st != RR_OK) {
        rr_arrow_schema_release(held);
        free(held);
        return st;
    }
    b->owned = held;
    *out = b;
    return RR_OK;
}

void rr_arrow_builder_free(rr_arrow_builder_t *b) { node_free(b); }

const struct ArrowSchema *rr_arrow_builder_schema(const rr_arrow_builder_t *b) {
    return b->schema;
}

rr_arrow_builder_t *rr_arrow_builder_child(rr_arrow_builder_t *b, int64_t i) {
    return b && i >= 0 && i < b->n_children ? b->children[i] : NULL;
}

rr_arrow_builder_t *rr_arrow_builder_dictionary(rr_arrow_builder_t *b) { return b ? b->dict : NULL; }

int64_t rr_arrow_builder_length(const rr_arrow_builder_t *b) { return b->length; }

/* ---- reserve ---- */

rr_status_t rr_arrow_builder_reserve(rr_arrow_builder_t *b, int64_t n, rr_error_t *err) {
    if (n < 0) return bad(b, err, "reserve of %" PRId64 " slots", n);
    if (n == 0) return RR_OK;
    if (b->has_bitmap) TRY_MEM(b, err, bits_reserve(&b->validity, b->length + n));
    switch (b->kind) {
    case K_NULL: break;
    case K_BOOL:
        TRY_MEM(b, err, rr_buf_reserve(&b->data, (size_t)rr_arrow_bitmap_bytes(b->length + n) -
                                                     b->data.len + 1));
        break;
    case K_FIXED: TRY_MEM(b, err, rr_buf_reserve(&b->data, (size_t)(n * b->width))); break;
    case K_VAR32: case K_VAR64: case K_LIST32: case K_LIST64:
        TRY_MEM(b, err, offsets_start(b));
        TRY_MEM(b, err, rr_buf_reserve(&b->offsets, (size_t)(n * offset_width(b))));
        break;
    case K_FSL: return rr_arrow_builder_reserve(b->children[0], n * b->type.fixed_size, err);
    case K_STRUCT: case K_SPARSE:
        if (b->kind == K_SPARSE) TRY_MEM(b, err, rr_buf_reserve(&b->data, (size_t)n));
        for (int64_t i = 0; i < b->n_children; i++)
            RR_TRY(rr_arrow_builder_reserve(b->children[i], n, err));
        break;
    case K_DENSE:
        TRY_MEM(b, err, rr_buf_reserve(&b->data, (size_t)n));
        TRY_MEM(b, err, rr_buf_reserve(&b->offsets, (size_t)n * 4));
        break;
    }
    return RR_OK;
}

/* ---- nulls ---- */

/* Whether n nulls can be appended: nested children must have no pending
 * slots, since their null fill goes where the next element's slots go. */
static rr_status_t check_nulls(rr_arrow_builder_t *b, rr_error_t *err) {
    switch (b->kind) {
    case K_FSL: {
        rr_arrow_builder_t *c = b->children[0];
        if (c->length != b->length * b->type.fixed_size)
            return bad(b, err, "null appended while child '%s' holds %" PRId64
                               " items not finished into an element", c->path,
                       c->length - b->length * b->type.fixed_size);
        return check_nulls(c, err);
    }
    case K_STRUCT:
    case K_SPARSE:
        if (b->kind == K_SPARSE && b->n_children == 0)
            return bad(b, err, "null appended to a union without children");
        for (int64_t i = 0; i < b->n_children; i++) {
            rr_arrow_builder_t *c = b->children[i];
            if (c->length != b->length)
                return bad(b, err, "null appended while child '%s' has %" PRId64
                                   " slots for %" PRId64 " elements", c->path, c->length, b->length);
            RR_TRY(check_nulls(c, err));
        }
        return RR_OK;
    case K_DENSE:
        if (b->n_children == 0) return bad(b, err, "null appended to a union without children");
        if (b->children[0]->length != b->committed[0])
            return bad(b, err, "null appended while child '%s' has a slot not finished into an element",
                       b->children[0]->path);
        return check_nulls(b->children[0], err);
    default: return RR_OK;
    }
}

static rr_status_t nulls_unchecked(rr_arrow_builder_t *b, int64_t n, rr_error_t *err) {
    if (n == 0) return RR_OK;
    switch (b->kind) {
    case K_NULL: break;
    case K_BOOL: TRY_MEM(b, err, bits_reserve(&b->data, b->length + n)); break;
    case K_FIXED: TRY_MEM(b, err, rr_buf_reserve(&b->data, (size_t)(n * b->width))); break;
    case K_VAR32: case K_VAR64: case K_LIST32: case K_LIST64:
        TRY_MEM(b, err, offsets_start(b));
        TRY_MEM(b, err, rr_buf_reserve(&b->offsets, (size_t)(n * offset_width(b))));
        break;
    case K_FSL: RR_TRY(nulls_unchecked(b->children[0], n * b->type.fixed_size, err)); break;
    case K_STRUCT:
        for (int64_t i = 0; i < b->n_children; i++) RR_TRY(nulls_unchecked(b->children[i], n, err));
        break;
    case K_SPARSE:
        TRY_MEM(b, err, rr_buf_reserve(&b->data, (size_t)n));
        for (int64_t i = 0; i < b->n_children; i++) RR_TRY(nulls_unchecked(b->children[i], n, err));
        memset(b->data.data + b->data.len, b->type.type_codes[0], (size_t)n);
        b->data.len += (size_t)n;
        b->length += n;
        return RR_OK; /* unions have no validity of their own */
    case K_DENSE: {
        TRY_MEM(b, err, rr_buf_reserve(&b->data, (size_t)n));
        TRY_MEM(b, err, rr_buf_reserve(&b->offsets, (size_t)n * 4));
        if (b->committed[0] + n > INT32_MAX) return bad(b, err, "dense union offset overflow");
        RR_TRY(nulls_unchecked(b->children[0], n, err));
        for (int64_t i = 0; i < n; i++) {
            int32_t o = (int32_t)(b->committed[0] + i);
            memcpy(b->offsets.data + b->offsets.len, &o, 4);
            b->offsets.len += 4;
        }
        b->committed[0] += n;
        memset(b->data.data + b->data.len, b->type.type_codes[0], (size_t)n);
        b->data.len += (size_t)n;
        b->length += n;
        return RR_OK;
    }
    }
    if (b->kind != K_NULL) TRY_MEM(b, err, validity_reserve(b, n, true));
    /* Everything is reserved: write. */
    switch (b->kind) {
    case K_FIXED:
        memset(b->data.data + b->data.len, 0, (size_t)(n * b->width));
        b->data.len += (size_t)(n * b->width);
        break;
    case K_VAR32: case K_VAR64: case K_LIST32: case K_LIST64:
        for (int64_t i = 0; i < n; i++) offsets_push(b, b->end);
        break;
    default: break;
    }
    validity_write(b, n, false);
    b->length += n;
    b->null_count += n;
    return RR_OK;
}

rr_status_t rr_arrow_builder_append_nulls(rr_arrow_builder_t *b, int64_t n, rr_error_t *err) {
    if (n < 0) return bad(b, err, "append of %" PRId64 " nulls", n);
    RR_TRY(check_nulls(b, err));
    return nulls_unchecked(b, n, err);
}

rr_status_t rr_arrow_builder_append_null(rr_arrow_builder_t *b, rr_error_t *err) {
    return rr_arrow_builder_append_nulls(b, 1, err);
}

/* ---- values ---- */

/* Appends one valid fixed-width value of b->width bytes. */
static rr_status_t push_fixed(rr_arrow_builder_t *b, const void *bytes, rr_error_t *err) {
    TRY_MEM(b, err, rr_buf_reserve(&b->data, (size_t)b->width));
    TRY_MEM(b, err, validity_reserve(b, 1, false));
    memcpy(b->data.data + b->data.len, bytes, (size_t)b->width);
    b->data.len += (size_t)b->width;
    validity_write(b, 1, true);
    b->length++;
    return RR_OK;
}

rr_status_t rr_arrow_builder_append_bool(rr_arrow_builder_t *b, bool v, rr_error_t *err) {
    if (b->kind != K_BOOL || b->is_index) return bad(b, err, "append_bool on a non-bool builder");
    TRY_MEM(b, err, bits_reserve(&b->data, b->length + 1));
    TRY_MEM(b, err, validity_reserve(b, 1, false));
    rr_arrow_bit_set(b->data.data, b->length, v);
    validity_write(b, 1, true);
    b->length++;
    return RR_OK;
}

/* Round to nearest, ties to even, of a double to IEEE binary16. */
static uint16_t double_to_half(double d) {
    uint64_t bits;
    memcpy(&bits, &d, 8);
    uint16_t sign = (uint16_t)((bits >> 48) & 0x8000);
    int exp = (int)((bits >> 52) & 0x7ff);
    uint64_t man = bits & 0xfffffffffffffull;
    if (exp == 0x7ff) /* inf stays inf; NaN stays a (quiet) NaN with its top payload */
        return (uint16_t)(sign | 0x7c00 | (man ? 0x200 | (uint16_t)(man >> 42) : 0));
    int e = exp - 1023 + 15; /* the biased half exponent */
    if (e >= 31) return sign | 0x7c00;
    uint64_t m;
    int shift;
    if (e <= 0) {
        /* subnormal half: value in units of 2^-24 */
        if (exp == 0) return sign; /* double subnormals are far below half's range */
        m = man | (1ull << 52);
        shift = 43 - e;
        if (shift > 63) return sign;
    } else {
        m = man;
        shift = 42;
    }
    uint64_t q = m >> shift, r = m & ((1ull << shift) - 1), halfway = 1ull << (shift - 1);
    if (r > halfway || (r == halfway && (q & 1))) q++;
    /* A rounding carry moves into the exponent, and past the largest finite
     * value into infinity, as the encoding is monotonic. */
    uint32_t h = e <= 0 ? (uint32_t)q : ((uint32_t)e << 10) + (uint32_t)q;
    if (h >= 0x7c00) h = 0x7c00;
    return (uint16_t)(sign | h);
}

static rr_status_t push_double(rr_arrow_builder_t *b, double v, rr_error_t *err) {
    switch (b->type.id) {
    case RR_ARROW_HALF_FLOAT: {
        uint16_t h = double_to_half(v);
        return push_fixed(b, &h, err);
    }
    case RR_ARROW_FLOAT: {
        float f = (float)v;
        return push_fixed(b, &f, err);
    }
    default: return push_fixed(b, &v, err);
    }
}

static bool is_float_type(const rr_arrow_builder_t *b) {
    return !b->is_index && (b->type.id == RR_ARROW_HALF_FLOAT || b->type.id == RR_ARROW_FLOAT ||
                            b->type.id == RR_ARROW_DOUBLE);
}

rr_status_t rr_arrow_builder_append_double(rr_arrow_builder_t *b, double v, rr_error_t *err) {
    if (!is_float_type(b)) return bad(b, err, "append_double on a non-floating-point builder");
    return push_double(b, v, err);
}

/* Range of the integer-backed types; false for the others. */
static bool int_range(const rr_arrow_builder_t *b, int64_t *lo, int64_t *hi) {
    switch (b->type.id) {
    case RR_ARROW_INT8: *lo = INT8_MIN; *hi = INT8_MAX; return true;
    case RR_ARROW_UINT8: *lo = 0; *hi = UINT8_MAX; return true;
    case RR_ARROW_INT16: *lo = INT16_MIN; *hi = INT16_MAX; return true;
    case RR_ARROW_UINT16: *lo = 0; *hi = UINT16_MAX; return true;
    case RR_ARROW_INT32: case RR_ARROW_DATE32: case RR_ARROW_TIME32:
    case RR_ARROW_INTERVAL_MONTHS:
        *lo = INT32_MIN; *hi = INT32_MAX; return true;
    case RR_ARROW_UINT32: *lo = 0; *hi = UINT32_MAX; return true;
    case RR_ARROW_INT64: case RR_ARROW_DATE64: case RR_ARROW_TIME64: case RR_ARROW_TIMESTAMP:
    case RR_ARROW_DURATION:
        *lo = INT64_MIN; *hi = INT64_MAX; return true;
    case RR_ARROW_UINT64: *lo = 0; *hi = INT64_MAX; return true;
    case RR_ARROW_DECIMAL32: case RR_ARROW_DECIMAL64: case RR_ARROW_DECIMAL128:
    case RR_ARROW_DECIMAL256: {
        /* the unscaled value, within the declared precision */
        int64_t p10 = 1;
        for (int32_t i = 0; i < b->type.precision && i < 18; i++) p10 *= 10;
        if (b->type.precision >= 19) {
            *lo = INT64_MIN;
            *hi = INT64_MAX;
        } else {
            *lo = -(p10 - 1);
            *hi = p10 - 1;
        }
        return true;
    }
    default: return false;
    }
}

rr_status_t rr_arrow_builder_append_int(rr_arrow_builder_t *b, int64_t v, rr_error_t *err) {
    if (is_float_type(b)) return push_double(b, (double)v, err);
    int64_t lo, hi;
    if (b->kind != K_FIXED || !int_range(b, &lo, &hi))
        return bad(b, err, "append_int on a non-integer builder");
    if (b->is_index) lo = 0;
    if (v < lo || v > hi)
        return bad(b, err, "%" PRId64 " is out of range [%" PRId64 ", %" PRId64 "]", v, lo, hi);
    uint8_t bytes[32];
    /* Little-endian, sign-extended to the width (wide decimals). */
    memset(bytes, v < 0 ? 0xff : 0, sizeof bytes);
    memcpy(bytes, &v, 8);
    return push_fixed(b, bytes, err);
}

rr_status_t rr_arrow_builder_append_uint(rr_arrow_builder_t *b, uint64_t v, rr_error_t *err) {
    if (v <= (uint64_t)INT64_MAX) return rr_arrow_builder_append_int(b, (int64_t)v, err);
    if (is_float_type(b)) return push_double(b, (double)v, err);
    if (b->kind == K_FIXED && b->type.id == RR_ARROW_UINT64) return push_fixed(b, &v, err);
    if (b->kind == K_FIXED && int_range(b, &(int64_t){0}, &(int64_t){0}))
        return bad(b, err, "%" PRIu64 " is out of range", v);
    return bad(b, err, "append_uint on a non-integer builder");
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF);
 * returns the offset of the first bad byte or len when valid. */
static size_t utf8_check(const uint8_t *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) n = 2, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0) n = 3, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0) n = 4, cp = c & 0x07, min = 0x10000;
        else return i;
        if (len - i < n) return i;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
        i += n;
    }
    return len;
}

rr_status_t rr_arrow_builder_append_bytes(rr_arrow_builder_t *b, const void *data, size_t len,
                                          rr_error_t *err) {
    if (len > 0 && !data) return bad(b, err, "append_bytes of %zu bytes from NULL", len);
    if (b->is_index) return bad(b, err, "append_bytes on dictionary indices (append the index)");
    if (b->kind == K_FIXED) {
        /* Raw bytes only for types without a numeric append of their own,
         * so a string given to an int builder is caught. */
        switch (b->type.id) {
        case RR_ARROW_FIXED_SIZE_BINARY: case RR_ARROW_DECIMAL32: case RR_ARROW_DECIMAL64:
        case RR_ARROW_DECIMAL128: case RR_ARROW_DECIMAL256: case RR_ARROW_INTERVAL_MONTHS:
        case RR_ARROW_INTERVAL_DAY_TIME: case RR_ARROW_INTERVAL_MONTH_DAY_NANO:
            break;
        default: return bad(b, err, "append_bytes on a numeric builder");
        }
        if (len != (size_t)b->width)
            return bad(b, err, "append_bytes of %zu bytes, the type takes exactly %d", len, b->width);
        if (b->width == 0) {
            TRY_MEM(b, err, validity_reserve(b, 1, false));
            validity_write(b, 1, true);
            b->length++;
            return RR_OK;
        }
        return push_fixed(b, data, err);
    }
    if (b->kind != K_VAR32 && b->kind != K_VAR64)
        return bad(b, err, "append_bytes on a builder of neither bytes nor fixed-width values");
    if (b->type.id == RR_ARROW_STRING || b->type.id == RR_ARROW_LARGE_STRING) {
        size_t at = utf8_check(data, len);
        if (at != len) return bad(b, err, "invalid UTF-8 at byte %zu of a %zu-byte string", at, len);
    }
    if ((uint64_t)len > (uint64_t)(offset_max(b) - b->end))
        return bad(b, err, "%zu more bytes overflow the %d-bit offsets", len, 8 * offset_width(b));
    TRY_MEM(b, err, offsets_start(b));
    TRY_MEM(b, err, rr_buf_reserve(&b->offsets, (size_t)offset_width(b)));
    TRY_MEM(b, err, rr_buf_reserve(&b->data, len));
    TRY_MEM(b, err, validity_reserve(b, 1, false));
    if (len) memcpy(b->data.data + b->data.len, data, len);
    b->data.len += len;
    b->end += (int64_t)len;
    offsets_push(b, b->end);
    validity_write(b, 1, true);
    b->length++;
    return RR_OK;
}

rr_status_t rr_arrow_builder_append_values(rr_arrow_builder_t *b, const void *values, int64_t n,
                                           const uint8_t *validity, rr_error_t *err) {
    if (n < 0) return bad(b, err, "append_values of %" PRId64 " values", n);
    if (b->kind != K_FIXED && b->kind != K_BOOL)
        return bad(b, err, "append_values needs a fixed-width type");
    if (n == 0) return RR_OK;
    if (!values) return bad(b, err, "append_values from NULL");
    int64_t nulls = 0;
    if (validity)
        for (int64_t i = 0; i < n; i++) nulls += validity[i] == 0;
    if (b->is_index) {
        /* Indices must not be negative (the upper bound waits for finish,
         * when the dictionary is complete). */
        for (int64_t i = 0; i < n; i++) {
            if (validity && !validity[i]) continue;
            const uint8_t *p = (const uint8_t *)values + i * b->width;
            if (b->type.id == RR_ARROW_INT8 || b->type.id == RR_ARROW_INT16 ||
                b->type.id == RR_ARROW_INT32 || b->type.id == RR_ARROW_INT64) {
                if (p[b->width - 1] & 0x80)
                    return bad(b, err, "negative dictionary index at value %" PRId64, i);
            } else if (b->type.id == RR_ARROW_UINT64 && (p[7] & 0x80)) {
                return bad(b, err, "dictionary index past 2^63 at value %" PRId64, i);
            }
        }
    }
    TRY_MEM(b, err, validity_reserve(b, n, nulls > 0));
    if (b->kind == K_BOOL) {
        TRY_MEM(b, err, bits_reserve(&b->data, b->length + n));
        const uint8_t *v = values;
        for (int64_t i = 0; i < n; i++) rr_arrow_bit_set(b->data.data, b->length + i, v[i] != 0);
    } else {
        size_t bytes = (size_t)n * (size_t)b->width;
        TRY_MEM(b, err, rr_buf_append(&b->data, values, bytes));
    }
    if (b->has_bitmap) {
        if (validity)
            for (int64_t i = 0; i < n; i++)
                rr_arrow_bit_set(b->validity.data, b->length + i, validity[i] != 0);
        else
            validity_write(b, n, true);
    }
    b->length += n;
    b->null_count += nulls;
    return RR_OK;
}

/* ---- elements of nested types ---- */

rr_status_t rr_arrow_builder_finish_element(rr_arrow_builder_t *b, rr_error_t *err) {
    switch (b->kind) {
    case K_LIST32:
    case K_LIST64: {
        int64_t end = b->children[0]->length;
        if (end > offset_max(b))
            return bad(b, err, "child '%s' has %" PRId64 " items, past the %d-bit offsets",
                       b->children[0]->path, end, 8 * offset_width(b));
        TRY_MEM(b, err, offsets_start(b));
        TRY_MEM(b, err, rr_buf_reserve(&b->offsets, (size_t)offset_width(b)));
        TRY_MEM(b, err, validity_reserve(b, 1, false));
        b->end = end;
        offsets_push(b, end);
        break;
    }
    case K_FSL: {
        int64_t have = b->children[0]->length - b->length * b->type.fixed_size;
        if (have != b->type.fixed_size)
            return bad(b, err, "element finished with %" PRId64 " items in child '%s', the list size is %d",
                       have, b->children[0]->path, b->type.fixed_size);
        TRY_MEM(b, err, validity_reserve(b, 1, false));
        break;
    }
    case K_STRUCT:
        for (int64_t i = 0; i < b->n_children; i++)
            if (b->children[i]->length != b->length + 1)
                return bad(b, err, "element finished with %" PRId64 " slots in child '%s' for %" PRId64
                                   " elements",
                           b->children[i]->length, b->children[i]->path, b->length + 1);
        TRY_MEM(b, err, validity_reserve(b, 1, false));
        break;
    default:
        return bad(b, err, "finish_element on a builder that is not a list, fixed-size list, map or struct");
    }
    validity_write(b, 1, true);
    b->length++;
    return RR_OK;
}

rr_status_t rr_arrow_builder_finish_union_element(rr_arrow_builder_t *b, int8_t type_code,
                                                  rr_error_t *err) {
    if (b->kind != K_SPARSE && b->kind != K_DENSE)
        return bad(b, err, "finish_union_element on a non-union builder");
    int k = type_code >= 0 ? b->child_of[type_code] : -1;
    if (k < 0) return bad(b, err, "type code %d is not declared by the union", type_code);
    rr_arrow_builder_t *chosen = b->children[k];
    if (b->kind == K_SPARSE) {
        if (chosen->length != b->length + 1)
            return bad(b, err, "type code %d chosen but child '%s' has %" PRId64
                               " slots for %" PRId64 " elements",
                       type_code, chosen->path, chosen->length, b->length + 1);
        for (int64_t i = 0; i < b->n_children; i++) {
            rr_arrow_builder_t *c = b->children[i];
            if (i == k || c->length == b->length + 1) continue;
            if (c->length != b->length)
                return bad(b, err, "child '%s' has %" PRId64 " slots for %" PRId64 " elements",
                           c->path, c->length, b->length + 1);
            RR_TRY(check_nulls(c, err));
        }
        TRY_MEM(b, err, rr_buf_reserve(&b->data, 1));
        for (int64_t i = 0; i < b->n_children; i++)
            if (b->children[i]->length == b->length) RR_TRY(nulls_unchecked(b->children[i], 1, err));
    } else {
        for (int64_t i = 0; i < b->n_children; i++) {
            int64_t want = b->committed[i] + (i == k);
            if (b->children[i]->length != want)
                return bad(b, err, "type code %d chosen but child '%s' has %" PRId64
                                   " slots where %" PRId64 " are expected",
                           type_code, b->children[i]->path, b->children[i]->length, want);
        }
        if (b->committed[k] >= INT32_MAX) return bad(b, err, "dense union offset overflow");
        TRY_MEM(b, err, rr_buf_reserve(&b->data, 1));
        TRY_MEM(b, err, rr_buf_reserve(&b->offsets, 4));
        int32_t o = (int32_t)b->committed[k]++;
        memcpy(b->offsets.data + b->offsets.len, &o, 4);
        b->offsets.len += 4;
    }
    b->data.data[b->data.len++] = (uint8_t)type_code;
    b->length++;
    return RR_OK;
}

/* ---- finish ---- */

static uint64_t index_at(const rr_arrow_builder_t *b, int64_t i) {
    const uint8_t *p = b->data.data + i * b->width;
    switch (b->width) {
    case 1: return p[0];
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    }
}

/* Everything that would make the built array inconsistent, before any of
 * the builder is moved. */
static rr_status_t check_finish(rr_arrow_builder_t *b, rr_error_t *err) {
    switch (b->kind) {
    case K_LIST32:
    case K_LIST64:
        if (b->children[0]->length != b->end)
            return bad(b, err, "child '%s' holds %" PRId64 " items not finished into an element",
                       b->children[0]->path, b->children[0]->length - b->end);
        break;
    case K_FSL:
        if (b->children[0]->length != b->length * b->type.fixed_size)
            return bad(b, err, "child '%s' has %" PRId64 " items for %" PRId64 " lists of %d",
                       b->children[0]->path, b->children[0]->length, b->length, b->type.fixed_size);
        break;
    case K_STRUCT:
    case K_SPARSE:
        for (int64_t i = 0; i < b->n_children; i++)
            if (b->children[i]->length != b->length)
                return bad(b, err, "child '%s' has %" PRId64 " slots for %" PRId64 " elements",
                           b->children[i]->path, b->children[i]->length, b->length);
        break;
    case K_DENSE:
        for (int64_t i = 0; i < b->n_children; i++)
            if (b->children[i]->length != b->committed[i])
                return bad(b, err, "child '%s' has %" PRId64 " slots not finished into an element",
                           b->children[i]->path, b->children[i]->length - b->committed[i]);
        break;
    default: break;
    }
    if (b->is_index && b->dict) {
        for (int64_t i = 0; i < b->length; i++) {
            if (b->has_bitmap && !rr_arrow_bit_get(b->validity.data, i)) continue;
            uint64_t k = index_at(b, i);
            if (k >= (uint64_t)b->dict->length)
                return bad(b, err, "index %" PRIu64 " at slot %" PRId64
                                   " is past the dictionary's %" PRId64 " values",
                           k, i, b->dict->length);
        }
    }
    for (int64_t i = 0; i < b->n_children; i++) RR_TRY(check_finish(b->children[i], err));
    if (b->dict) RR_TRY(check_finish(b->dict, err));
    return RR_OK;
}

/* Zero padding up to a multiple of 64 bytes keeps uninitialised memory out
 * of files the array is written to. */
static size_t padded(size_t len) { return (len + RR_ALIGNMENT - 1) & ~(size_t)(RR_ALIGNMENT - 1); }

static rr_status_t reserve_padded(rr_buf_t *buf) {
    size_t want = padded(buf->len);
    if (want == 0) want = RR_ALIGNMENT; /* never a NULL buffer */
    return rr_buf_reserve(buf, want - buf->len);
}

/* Allocates the array tree and buffer room: all that can fail. */
static rr_status_t prepare(rr_arrow_builder_t *b, struct ArrowArray *out, rr_error_t *err) {
    rr_arrow_layout_t l = rr_arrow_type_layout(&b->type);
    RR_TRY(rr_arrow_array_init(out, l.n_buffers, b->n_children, b->dict != NULL, err));
    rr_status_t st = RR_OK;
    if (b->kind == K_VAR32 || b->kind == K_VAR64 || b->kind == K_LIST32 || b->kind == K_LIST64)
        st = offsets_start(b);
    bool has_data = b->kind == K_BOOL || b->kind == K_FIXED || b->kind == K_VAR32 ||
                    b->kind == K_VAR64 || b->kind == K_SPARSE || b->kind == K_DENSE;
    bool has_offsets = b->kind == K_VAR32 || b->kind == K_VAR64 || b->kind == K_LIST32 ||
                       b->kind == K_LIST64 || b->kind == K_DENSE;
    if (st == RR_OK && has_data) st = reserve_padded(&b->data);
    if (st == RR_OK && has_offsets) st = reserve_padded(&b->offsets);
    if (st == RR_OK && b->has_bitmap && b->null_count > 0) st = reserve_padded(&b->validity);
    if (st != RR_OK) {
        rr_arrow_array_release(out);
        return nomem(b, err);
    }
    for (int64_t i = 0; i < b->n_children; i++) {
        st = prepare(b->children[i], out->children[i], err);
        if (st != RR_OK) {
            rr_arrow_array_release(out);
            return st;
        }
    }
    if (b->dict) {
        st = prepare(b->dict, out->dictionary, err);
        if (st != RR_OK) {
            rr_arrow_array_release(out);
            return st;
        }
    }
    return RR_OK;
}

static void *detach_padded(rr_buf_t *buf) {
    size_t want = padded(buf->len);
    if (want == 0) want = RR_ALIGNMENT;
    memset(buf->data + buf->len, 0, want - buf->len);
    return rr_buf_detach(buf, NULL);
}

/* Hands the buffers over (cannot fail) and empties the builder. */
static void transfer(rr_arrow_builder_t *b, struct ArrowArray *out) {
    out->length = b->length;
    out->offset = 0;
    switch (b->kind) {
    case K_NULL: out->null_count = b->length; break;
    case K_SPARSE:
        out->null_count = 0;
        rr_arrow_array_set_buffer_owned(out, 0, detach_padded(&b->data));
        break;
    case K_DENSE:
        out->null_count = 0;
        rr_arrow_array_set_buffer_owned(out, 0, detach_padded(&b->data));
        rr_arrow_array_set_buffer_owned(out, 1, detach_padded(&b->offsets));
        break;
    default:
        out->null_count = b->null_count;
        if (b->has_bitmap && b->null_count > 0)
            rr_arrow_array_set_buffer_owned(out, 0, detach_padded(&b->validity));
        if (b->kind == K_VAR32 || b->kind == K_VAR64) {
            rr_arrow_array_set_buffer_owned(out, 1, detach_padded(&b->offsets));
            rr_arrow_array_set_buffer_owned(out, 2, detach_padded(&b->data));
        } else if (b->kind == K_LIST32 || b->kind == K_LIST64) {
            rr_arrow_array_set_buffer_owned(out, 1, detach_padded(&b->offsets));
        } else if (b->kind == K_BOOL || b->kind == K_FIXED) {
            rr_arrow_array_set_buffer_owned(out, 1, detach_padded(&b->data));
        }
        break;
    }
    rr_buf_free(&b->validity);
    rr_buf_free(&b->data);
    rr_buf_free(&b->offsets);
    b->has_bitmap = false;
    b->length = b->null_count = b->end = 0;
    for (int64_t i = 0; i < b->n_children; i++) {
        b->committed[i] = 0;
        transfer(b->children[i], out->children[i]);
    }
    if (b->dict) transfer(b->dict, out->dictionary);
}

rr_status_t rr_arrow_builder_finish(rr_arrow_builder_t *b, struct ArrowArray *out,
                                    rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (b->parent)
        return bad(b, err, "finish on a child builder (finish the root, '%s')",
                   b->parent->path[0] ? b->parent->path : "<root>");
    RR_TRY(check_finish(b, err));
    RR_TRY(prepare(b, out, err));
    transfer(b, out);
    return RR_OK;
}
