/* Tests of the builders (builder.h): a record batch with a column of every
 * type of type.h, built twice and compared; buffers checked by hand for a
 * few; nested and union layouts; dictionaries; float16 rounding; bulk
 * appends; wrong calls that must fail and leave the builder usable. Built
 * arrays must pass rr_arrow_validate and compare (compare.h) as expected. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/compare.h"
#include "arrow/schema.h"
#include "arrow/type.h"
#include "arrow/validate.h"
#include "base/mem.h"
#include "testutil.h"

/* ---- schemas ---- */

static struct ArrowSchema *sch(struct ArrowSchema *s, const char *format, const char *name,
                               int64_t n_children) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_schema_init(s, format, name, ARROW_FLAG_NULLABLE, n_children, &err), &err);
    return s;
}

static void dict_of(struct ArrowSchema *s, const char *value_format) {
    rr_error_t err = {0};
    struct ArrowSchema *d = rr_arrow_schema_add_dictionary(s, &err);
    assert_non_null(d);
    sch(d, value_format, "", 0);
}

static const char *const k_flat[] = {
    "n",    "b",    "c",       "C",    "s",       "S",    "i",    "I",    "l",
    "L",    "e",    "f",       "g",    "u",       "U",    "z",    "Z",    "w:3",
    "tdD",  "tdm",  "tts",     "ttm",  "ttu",     "ttn",  "tsu:UTC", "tsn:", "tDs",
    "tiM",  "tiD",  "tin",     "d:9,2,32", "d:18,2,64", "d:10,2", "d:76,3,256",
};
#define N_FLAT (sizeof k_flat / sizeof *k_flat)

/* A record batch with one column per flat type, then the nested ones. */
static void all_types_schema(struct ArrowSchema *s) {
    int64_t n = (int64_t)N_FLAT + 9;
    sch(s, "+s", "", n);
    int64_t c = 0;
    char name[32];
    for (size_t i = 0; i < N_FLAT; i++) {
        snprintf(name, sizeof name, "col_%s", k_flat[i]);
        sch(s->children[c++], k_flat[i], name, 0);
    }
    sch(sch(s->children[c++], "+l", "list", 1)->children[0], "i", "item", 0);
    sch(sch(s->children[c++], "+L", "large_list", 1)->children[0], "u", "item", 0);
    struct ArrowSchema *pts = sch(s->children[c++], "+l", "points", 1);
    sch(sch(pts->children[0], "+w:2", "item", 1)->children[0], "f", "item", 0);
    struct ArrowSchema *st = sch(s->children[c++], "+s", "struct", 2);
    sch(st->children[0], "i", "x", 0);
    sch(st->children[1], "u", "y", 0);
    struct ArrowSchema *m = sch(s->children[c++], "+m", "map", 1);
    struct ArrowSchema *entries = sch(m->children[0], "+s", "entries", 2);
    entries->flags = 0;
    sch(entries->children[0], "u", "key", 0)->flags = 0;
    sch(entries->children[1], "i", "value", 0);
    struct ArrowSchema *su = sch(s->children[c++], "+us:0,1", "sparse", 2);
    sch(su->children[0], "i", "i", 0);
    sch(su->children[1], "u", "s", 0);
    struct ArrowSchema *du = sch(s->children[c++], "+ud:5,7", "dense", 2);
    sch(du->children[0], "i", "i", 0);
    sch(du->children[1], "u", "s", 0);
    dict_of(sch(s->children[c++], "c", "color", 0), "u");
    /* a list of dictionary-encoded values */
    dict_of(sch(sch(s->children[c++], "+l", "tags", 1)->children[0], "s", "item", 0), "u");
    assert_int_equal(c, n);
}

/* ---- filling ---- */

static const char *const k_colors[] = {"red", "green", "blue"};

/* Index of color k in dictionary variant v (variant 1 is reordered and has
 * an extra unused value). */
static int64_t color_index(int v, int64_t k) { return v ? (2 - k) : k; }

static void fill_dictionary(rr_arrow_builder_t *b, int v) {
    rr_error_t err = {0};
    rr_arrow_builder_t *d = rr_arrow_builder_dictionary(b);
    assert_non_null(d);
    for (int64_t k = 0; k < 3; k++) {
        const char *c = k_colors[color_index(v, k)];
        assert_rr_ok(rr_arrow_builder_append_str(d, c, strlen(c), &err), &err);
    }
    if (v) assert_rr_ok(rr_arrow_builder_append_str(d, "unused", 6, &err), &err);
}

/* Appends one slot derived from r to b (any type); v picks an encoding
 * variant where the type allows two encodings of the same values. */
static void append_value(rr_arrow_builder_t *b, int64_t r, int v) {
    rr_error_t err = {0};
    const struct ArrowSchema *s = rr_arrow_builder_schema(b);
    rr_arrow_type_t t;
    assert_rr_ok(rr_arrow_type_parse(s->format, &t, &err), &err);
    /* map entries and keys may not be null */
    bool nullable = strcmp(s->name, "entries") && strcmp(s->name, "key");
    if ((nullable && r % 4 == 3) || t.id == RR_ARROW_NA) {
        assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
        return;
    }
    if (s->dictionary) {
        /* the dictionary is filled once per build, by the caller */
        assert_rr_ok(rr_arrow_builder_append_int(b, color_index(v, r % 3), &err), &err);
        return;
    }
    char text[64];
    switch (t.id) {
    case RR_ARROW_BOOL: assert_rr_ok(rr_arrow_builder_append_bool(b, r % 2, &err), &err); break;
    case RR_ARROW_INT8: case RR_ARROW_INT16: case RR_ARROW_INT32: case RR_ARROW_INT64:
    case RR_ARROW_DECIMAL32: case RR_ARROW_DECIMAL64: case RR_ARROW_DECIMAL128:
    case RR_ARROW_DECIMAL256:
        assert_rr_ok(rr_arrow_builder_append_int(b, r * 3 - 5, &err), &err);
        break;
    case RR_ARROW_UINT8: case RR_ARROW_UINT16: case RR_ARROW_UINT32: case RR_ARROW_UINT64:
        assert_rr_ok(rr_arrow_builder_append_uint(b, (uint64_t)r * 3, &err), &err);
        break;
    case RR_ARROW_HALF_FLOAT: case RR_ARROW_FLOAT: case RR_ARROW_DOUBLE:
        assert_rr_ok(rr_arrow_builder_append_double(b, (double)r * 0.5, &err), &err);
        break;
    case RR_ARROW_STRING: case RR_ARROW_LARGE_STRING: case RR_ARROW_BINARY:
    case RR_ARROW_LARGE_BINARY: {
        int n = snprintf(text, sizeof text, "v%lld", (long long)r);
        if (r % 5 == 0) n = 0; /* some empty values */
        assert_rr_ok(rr_arrow_builder_append_str(b, text, (size_t)n, &err), &err);
        break;
    }
    case RR_ARROW_FIXED_SIZE_BINARY: {
        uint8_t bytes[3] = {(uint8_t)r, (uint8_t)(r + 1), (uint8_t)(r + 2)};
        assert_rr_ok(rr_arrow_builder_append_bytes(b, bytes, 3, &err), &err);
        break;
    }
    case RR_ARROW_INTERVAL_DAY_TIME: {
        int32_t dt[2] = {(int32_t)r, (int32_t)r * 1000};
        assert_rr_ok(rr_arrow_builder_append_bytes(b, dt, 8, &err), &err);
        break;
    }
    case RR_ARROW_INTERVAL_MONTH_DAY_NANO: {
        uint8_t mdn[16];
        int32_t m = (int32_t)r, d = (int32_t)-r;
        int64_t ns = r * 1000000;
        memcpy(mdn, &m, 4);
        memcpy(mdn + 4, &d, 4);
        memcpy(mdn + 8, &ns, 8);
        assert_rr_ok(rr_arrow_builder_append_bytes(b, mdn, 16, &err), &err);
        break;
    }
    case RR_ARROW_DATE32: case RR_ARROW_DATE64: case RR_ARROW_TIME32: case RR_ARROW_TIME64:
    case RR_ARROW_TIMESTAMP: case RR_ARROW_DURATION: case RR_ARROW_INTERVAL_MONTHS:
        assert_rr_ok(rr_arrow_builder_append_int(b, r * 1000, &err), &err);
        break;
    case RR_ARROW_LIST: case RR_ARROW_LARGE_LIST: case RR_ARROW_MAP:
        for (int64_t k = 0; k < r % 3; k++) append_value(rr_arrow_builder_child(b, 0), r * 10 + k, v);
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
        break;
    case RR_ARROW_FIXED_SIZE_LIST:
        for (int64_t k = 0; k < t.fixed_size; k++)
            append_value(rr_arrow_builder_child(b, 0), r * 10 + k, v);
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
        break;
    case RR_ARROW_STRUCT:
        for (int64_t k = 0; k < s->n_children; k++)
            append_value(rr_arrow_builder_child(b, k), r * 10 + k, v);
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
        break;
    case RR_ARROW_SPARSE_UNION: case RR_ARROW_DENSE_UNION: {
        int64_t k = r % 2;
        append_value(rr_arrow_builder_child(b, k), r * 10 + k, v);
        assert_rr_ok(rr_arrow_builder_finish_union_element(b, t.type_codes[k], &err), &err);
        break;
    }
    default: fail_msg("unhandled type %s", rr_arrow_type_id_name(t.id));
    }
}

/* Dictionary builders of a tree (each gets the colors once per build). */
static void fill_dictionaries(rr_arrow_builder_t *b, int v) {
    if (rr_arrow_builder_dictionary(b)) fill_dictionary(b, v);
    for (int64_t i = 0; rr_arrow_builder_child(b, i); i++)
        fill_dictionaries(rr_arrow_builder_child(b, i), v);
}

static void build_rows(rr_arrow_builder_t *root, int64_t from, int64_t to, int v,
                       struct ArrowArray *out) {
    rr_error_t err = {0};
    fill_dictionaries(root, v);
    for (int64_t r = from; r < to; r++) {
        for (int64_t c = 0; rr_arrow_builder_child(root, c); c++)
            append_value(rr_arrow_builder_child(root, c), r, v);
        assert_rr_ok(rr_arrow_builder_finish_element(root, &err), &err);
    }
    assert_rr_ok(rr_arrow_builder_finish(root, out, &err), &err);
}

static void assert_aligned(const struct ArrowArray *a) {
    for (int64_t i = 0; i < a->n_buffers; i++)
        if (a->buffers[i]) assert_int_equal((uintptr_t)a->buffers[i] % RR_ALIGNMENT, 0);
    for (int64_t i = 0; i < a->n_children; i++) assert_aligned(a->children[i]);
    if (a->dictionary) assert_aligned(a->dictionary);
}

static int64_t column_index(const struct ArrowSchema *s, const char *name) {
    for (int64_t i = 0; i < s->n_children; i++)
        if (!strcmp(s->children[i]->name, name)) return i;
    fail_msg("no column %s", name);
    return -1;
}

/* ---- tests ---- */

static void test_all_types(void **state) {
    (void)state;
    rr_error_t err = {0};
    struct ArrowSchema s;
    all_types_schema(&s);
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(&s, &b, &err), &err);
    struct ArrowArray a0, a1, big;
    build_rows(b, 0, 12, 0, &a0);
    build_rows(b, 0, 12, 1, &a1); /* the builder is reusable after finish */
    assert_int_equal(a0.length, 12);
    assert_rr_ok(rr_arrow_validate(&s, &a0, &err), &err);
    assert_rr_ok(rr_arrow_validate(&s, &a1, &err), &err);
    assert_aligned(&a0);
    /* different dictionary order, same decoded data */
    if (!rr_arrow_array_equal(&s, &a0, &s, &a1, &err)) fail_msg("%s", err.msg);

    /* a slice (offset on the root applies to every column) */
    build_rows(b, 0, 20, 0, &big);
    assert_rr_ok(rr_arrow_validate(&s, &big, &err), &err);
    struct ArrowArray part;
    build_rows(b, 5, 17, 1, &part);
    assert_false(rr_arrow_array_equal(&s, &big, &s, &part, &err));
    big.offset = 5;
    big.length = 12;
    assert_rr_ok(rr_arrow_validate(&s, &big, &err), &err);
    if (!rr_arrow_array_equal(&s, &big, &s, &part, &err)) fail_msg("%s", err.msg);
    assert_false(rr_arrow_array_equal(&s, &big, &s, &a0, &err));
    rr_arrow_array_release(&part);
    rr_arrow_array_release(&big);

    /* by hand: int32 column, rows 0..11, null at r%4==3, value r*3-5 */
    const struct ArrowArray *ci = a0.children[column_index(&s, "col_i")];
    assert_int_equal(ci->null_count, 3);
    const uint8_t *bits = ci->buffers[0];
    assert_int_equal(bits[0], 0x77);
    assert_int_equal(bits[1], 0x07);
    const int32_t *iv = ci->buffers[1];
    assert_int_equal(iv[4], 7);
    assert_int_equal(iv[3], 0);
    /* utf8: offsets, with empty strings at r%5==0 */
    const struct ArrowArray *cu = a0.children[column_index(&s, "col_u")];
    const int32_t *uo = cu->buffers[1];
    assert_int_equal(uo[0], 0);
    assert_int_equal(uo[1], 0);  /* "" */
    assert_int_equal(uo[2], 2);  /* "v1" */
    assert_int_equal(uo[4], 4);  /* null */
    assert_memory_equal((const char *)cu->buffers[2] + uo[1], "v1v2", 4);
    /* large_utf8 offsets are 64-bit */
    const struct ArrowArray *cU = a0.children[column_index(&s, "col_U")];
    assert_int_equal(((const int64_t *)cU->buffers[1])[12], uo[12]);
    /* null type */
    const struct ArrowArray *cn = a0.children[column_index(&s, "col_n")];
    assert_int_equal(cn->n_buffers, 0);
    assert_int_equal(cn->null_count, 12);
    /* a column without nulls gets no bitmap */
    const struct ArrowArray *root_list = a0.children[column_index(&s, "list")];
    const struct ArrowArray *items = root_list->children[0];
    const int32_t *lo = root_list->buffers[1];
    assert_int_equal(lo[1], 0);
    assert_int_equal(lo[2], 1);
    assert_int_equal(lo[3], 3);
    assert_int_equal(lo[4], 3); /* null list: empty */
    assert_int_equal(items->length, lo[12]);
    /* dense union: type codes 5/7 alternate; nulls go to child 0 */
    const struct ArrowArray *du = a0.children[column_index(&s, "dense")];
    const int8_t *ids = du->buffers[0];
    const int32_t *doff = du->buffers[1];
    assert_int_equal(du->null_count, 0);
    int8_t want_ids[6] = {5, 7, 5, 5, 5, 7};
    int32_t want_off[6] = {0, 0, 1, 2, 3, 1};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(ids[i], want_ids[i]);
        assert_int_equal(doff[i], want_off[i]);
    }
    /* sparse union: every child as long as the union */
    const struct ArrowArray *sp = a0.children[column_index(&s, "sparse")];
    assert_int_equal(sp->children[0]->length, 12);
    assert_int_equal(sp->children[1]->length, 12);
    /* dictionary: indices in variant 1 are reversed */
    const struct ArrowArray *d0 = a0.children[column_index(&s, "color")];
    const struct ArrowArray *d1 = a1.children[column_index(&s, "color")];
    assert_int_equal(((const int8_t *)d0->buffers[1])[1], 1);
    assert_int_equal(((const int8_t *)d1->buffers[1])[0], 2);
    assert_int_equal(d1->dictionary->length, 4);
    /* a change deep down is found and named */
    struct ArrowArray *fl = a1.children[column_index(&s, "points")]->children[0]->children[0];
    ((float *)fl->buffers[1])[0] += 1;
    assert_false(rr_arrow_array_equal(&s, &a0, &s, &a1, &err));
    assert_string_equal(err.msg, "column 'points' > item > item: slot 0: 50 != 51");
    ((float *)fl->buffers[1])[0] -= 1;
    ((int8_t *)d1->buffers[1])[0] = 1;
    assert_false(rr_arrow_array_equal(&s, &a0, &s, &a1, &err));
    assert_non_null(strstr(err.msg, "column 'color' > slot 0 > dictionary"));

    rr_arrow_array_release(&a0);
    rr_arrow_array_release(&a1);
    rr_arrow_builder_free(b);
    rr_arrow_schema_release(&s);
}

static void test_primitive_buffers(void **state) {
    (void)state;
    rr_error_t err = {0};
    struct ArrowSchema s;
    sch(&s, "s", "v", 0);
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(&s, &b, &err), &err);
    assert_rr_ok(rr_arrow_builder_reserve(b, 100, &err), &err);
    for (int i = 0; i < 10; i++) assert_rr_ok(rr_arrow_builder_append_int(b, i * 100, &err), &err);
    struct ArrowArray a;
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    assert_null(a.buffers[0]); /* no null, no bitmap */
    assert_int_equal(a.null_count, 0);
    assert_int_equal(((const int16_t *)a.buffers[1])[9], 900);
    rr_arrow_array_release(&a);

    /* nulls after valid values: the bitmap appears with earlier bits set */
    for (int i = 0; i < 9; i++) assert_rr_ok(rr_arrow_builder_append_int(b, i, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_nulls(b, 10, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_int(b, -1, &err), &err);
    assert_int_equal(rr_arrow_builder_length(b), 20);
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    const uint8_t *bits = a.buffers[0];
    assert_int_equal(bits[0], 0xff);
    assert_int_equal(bits[1], 0x01);
    assert_int_equal(bits[2], 0x08);
    assert_int_equal(a.null_count, 10);
    assert_int_equal(((const int16_t *)a.buffers[1])[19], -1);
    assert_int_equal(((const int16_t *)a.buffers[1])[12], 0);
    assert_rr_ok(rr_arrow_validate(&s, &a, &err), &err);
    rr_arrow_array_release(&a);

    /* bulk append: equal to one-by-one */
    int16_t vals[300];
    uint8_t valid[300];
    for (int i = 0; i < 300; i++) {
        vals[i] = (int16_t)(i * 7);
        valid[i] = i % 7 != 0;
    }
    assert_rr_ok(rr_arrow_builder_append_values(b, vals, 300, valid, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_values(b, vals, 5, NULL, &err), &err);
    struct ArrowArray bulk, one;
    assert_rr_ok(rr_arrow_builder_finish(b, &bulk, &err), &err);
    for (int i = 0; i < 305; i++) {
        if (i < 300 && !valid[i]) assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
        else assert_rr_ok(rr_arrow_builder_append_int(b, vals[i % 300], &err), &err);
    }
    assert_rr_ok(rr_arrow_builder_finish(b, &one, &err), &err);
    assert_int_equal(bulk.null_count, 43);
    assert_rr_ok(rr_arrow_validate(&s, &bulk, &err), &err);
    if (!rr_arrow_array_equal(&s, &bulk, &s, &one, &err)) fail_msg("%s", err.msg);
    rr_arrow_array_release(&bulk);
    rr_arrow_array_release(&one);
    rr_arrow_builder_free(b);
    rr_arrow_schema_release(&s);

    /* bool bulk: one byte per value */
    sch(&s, "b", "flag", 0);
    assert_rr_ok(rr_arrow_builder_new(&s, &b, &err), &err);
    uint8_t flags[10] = {1, 0, 1, 1, 0, 0, 0, 0, 1, 1};
    assert_rr_ok(rr_arrow_builder_append_values(b, flags, 10, NULL, &err), &err);
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    assert_int_equal(((const uint8_t *)a.buffers[1])[0], 0x0d);
    assert_int_equal(((const uint8_t *)a.buffers[1])[1], 0x03);
    rr_arrow_array_release(&a);
    rr_arrow_builder_free(b);
    rr_arrow_schema_release(&s);
}

static uint16_t half_of(double v) {
    rr_error_t err = {0};
    struct ArrowSchema s;
    sch(&s, "e", "h", 0);
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(&s, &b, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_double(b, v, &err), &err);
    struct ArrowArray a;
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    uint16_t h = ((const uint16_t *)a.buffers[1])[0];
    rr_arrow_array_release(&a);
    rr_arrow_builder_free(b);
    rr_arrow_schema_release(&s);
    return h;
}

static void test_float16(void **state) {
    (void)state;
    assert_int_equal(half_of(1.0), 0x3c00);
    assert_int_equal(half_of(-2.0), 0xc000);
    assert_int_equal(half_of(0.0), 0x0000);
    assert_int_equal(half_of(-0.0), 0x8000);
    assert_int_equal(half_of(0.1), 0x2e66);
    assert_int_equal(half_of(65504.0), 0x7bff);
    assert_int_equal(half_of(65519.99), 0x7bff);
    assert_int_equal(half_of(65520.0), 0x7c00); /* rounds to infinity */
    assert_int_equal(half_of(1e10), 0x7c00);
    assert_int_equal(half_of(-INFINITY), 0xfc00);
    uint16_t nan = half_of(NAN);
    assert_int_equal(nan & 0x7c00, 0x7c00);
    assert_true((nan & 0x3ff) != 0);
    assert_int_equal(half_of(ldexp(1, -24)), 0x0001);         /* smallest subnormal */
    assert_int_equal(half_of(ldexp(1, -25)), 0x0000);         /* tie to even: 0 */
    assert_int_equal(half_of(ldexp(3, -25)), 0x0002);         /* tie to even: 2 */
    assert_int_equal(half_of(ldexp(1, -25) * 1.0001), 0x0001); /* above the tie */
    assert_int_equal(half_of(1.0 + ldexp(1, -11)), 0x3c00);   /* tie to even */
    assert_int_equal(half_of(1.0 + ldexp(3, -11)), 0x3c02);   /* tie to even, up */
    assert_int_equal(half_of(ldexp(1, -14) - ldexp(1, -25)), 0x0400); /* carry into normal */
    assert_int_equal(half_of(1e-300), 0x0000);
}

static void test_nested_layouts(void **state) {
    (void)state;
    rr_error_t err = {0};
    /* list<fixed_size_list<int8, 2>> */
    struct ArrowSchema s;
    sch(sch(sch(&s, "+l", "lines", 1)->children[0], "+w:2", "point", 1)->children[0], "c", "xy", 0);
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(&s, &b, &err), &err);
    rr_arrow_builder_t *pt = rr_arrow_builder_child(b, 0), *xy = rr_arrow_builder_child(pt, 0);
    assert_null(rr_arrow_builder_child(b, 1));
    assert_null(rr_arrow_builder_dictionary(b));
    for (int i = 0; i < 3; i++) {
        assert_rr_ok(rr_arrow_builder_append_int(xy, i, &err), &err);
        assert_rr_ok(rr_arrow_builder_append_int(xy, -i, &err), &err);
        assert_rr_ok(rr_arrow_builder_finish_element(pt, &err), &err);
    }
    assert_rr_ok(rr_arrow_builder_append_null(pt, &err), &err); /* a null point: 2 null items */
    assert_int_equal(rr_arrow_builder_length(xy), 8);
    assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
    assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err); /* empty list */

    /* wrong item count: rejected, builder unchanged */
    assert_rr_ok(rr_arrow_builder_append_int(xy, 7, &err), &err);
    assert_int_equal(rr_arrow_builder_finish_element(pt, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "lines.point"));
    assert_non_null(strstr(err.msg, "list size is 2"));
    assert_int_equal(rr_arrow_builder_length(pt), 4);
    /* finishing with pending items is refused too */
    struct ArrowArray a;
    assert_int_equal(rr_arrow_builder_finish(b, &a, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_append_null(pt, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_finish(pt, &a, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "child builder"));
    assert_rr_ok(rr_arrow_builder_append_int(xy, 8, &err), &err);
    assert_rr_ok(rr_arrow_builder_finish_element(pt, &err), &err);
    assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    assert_rr_ok(rr_arrow_validate(&s, &a, &err), &err);

    assert_int_equal(a.length, 4);
    assert_int_equal(a.null_count, 1);
    const int32_t *off = a.buffers[1];
    int32_t want[5] = {0, 4, 4, 4, 5};
    for (int i = 0; i < 5; i++) assert_int_equal(off[i], want[i]);
    const struct ArrowArray *pa = a.children[0];
    assert_int_equal(pa->length, 5);
    assert_int_equal(pa->null_count, 1);
    assert_int_equal(((const uint8_t *)pa->buffers[0])[0], 0x17);
    const struct ArrowArray *xa = pa->children[0];
    assert_int_equal(xa->length, 10);
    assert_int_equal(xa->null_count, 2);
    assert_int_equal(((const int8_t *)xa->buffers[1])[9], 8);
    rr_arrow_array_release(&a);
    rr_arrow_builder_free(b);
    rr_arrow_schema_release(&s);

    /* struct: every child one slot per element */
    sch(&s, "+s", "pose", 2);
    sch(s.children[0], "g", "x", 0);
    sch(s.children[1], "u", "label", 0);
    assert_rr_ok(rr_arrow_builder_new(&s, &b, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_double(rr_arrow_builder_child(b, 0), 1.5, &err), &err);
    assert_int_equal(rr_arrow_builder_finish_element(b, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "pose.label"));
    assert_rr_ok(rr_arrow_builder_append_str(rr_arrow_builder_child(b, 1), "a", 1, &err), &err);
    assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    assert_rr_ok(rr_arrow_validate(&s, &a, &err), &err);
    assert_int_equal(a.null_count, 1);
    assert_int_equal(a.children[0]->length, 2);
    assert_int_equal(a.children[1]->null_count, 1);
    rr_arrow_array_release(&a);
    rr_arrow_builder_free(b);
    rr_arrow_schema_release(&s);
}

static void test_unions(void **state) {
    (void)state;
    rr_error_t err = {0};
    for (int dense = 0; dense < 2; dense++) {
        struct ArrowSchema s;
        sch(&s, dense ? "+ud:3,9" : "+us:3,9", "u", 2);
        sch(s.children[0], "f", "f", 0);
        sch(s.children[1], "b", "b", 0);
        rr_arrow_builder_t *b;
        assert_rr_ok(rr_arrow_builder_new(&s, &b, &err), &err);
        rr_arrow_builder_t *f = rr_arrow_builder_child(b, 0), *bo = rr_arrow_builder_child(b, 1);
        assert_rr_ok(rr_arrow_builder_append_bool(bo, true, &err), &err);
        assert_int_equal(rr_arrow_builder_finish_union_element(b, 4, &err), RR_ERR_INVALID_ARG);
        assert_non_null(strstr(err.msg, "type code 4"));
        assert_int_equal(rr_arrow_builder_finish_union_element(b, 3, &err), RR_ERR_INVALID_ARG);
        assert_int_equal(rr_arrow_builder_length(b), 0);
        assert_rr_ok(rr_arrow_builder_finish_union_element(b, 9, &err), &err);
        assert_rr_ok(rr_arrow_builder_append_double(f, 2.5, &err), &err);
        assert_rr_ok(rr_arrow_builder_finish_union_element(b, 3, &err), &err);
        assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
        struct ArrowArray a;
        assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
        assert_rr_ok(rr_arrow_validate(&s, &a, &err), &err);
        const int8_t *ids = a.buffers[0];
        assert_int_equal(ids[0], 9);
        assert_int_equal(ids[1], 3);
        assert_int_equal(ids[2], 3);
        if (dense) {
            const int32_t *o = a.buffers[1];
            assert_int_equal(o[0], 0);
            assert_int_equal(o[1], 0);
            assert_int_equal(o[2], 1);
            assert_int_equal(a.children[0]->length, 2);
            assert_int_equal(a.children[1]->length, 1);
        } else {
            assert_int_equal(a.children[0]->length, 3);
            assert_int_equal(a.children[1]->length, 3);
            assert_int_equal(a.children[1]->null_count, 2);
        }
        /* the same data with another type id differs by type id */
        assert_rr_ok(rr_arrow_builder_append_bool(bo, true, &err), &err);
        if (!dense) assert_rr_ok(rr_arrow_builder_append_double(f, 1, &err), &err);
        assert_rr_ok(rr_arrow_builder_finish_union_element(b, dense ? 9 : 3, &err), &err);
        assert_rr_ok(rr_arrow_builder_append_double(f, 2.5, &err), &err);
        assert_rr_ok(rr_arrow_builder_finish_union_element(b, 3, &err), &err);
        assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
        struct ArrowArray c;
        assert_rr_ok(rr_arrow_builder_finish(b, &c, &err), &err);
        if (dense) {
            if (!rr_arrow_array_equal(&s, &a, &s, &c, &err)) fail_msg("%s", err.msg);
        } else {
            assert_false(rr_arrow_array_equal(&s, &a, &s, &c, &err));
            assert_string_equal(err.msg, "slot 0: type id 9 != 3");
        }
        rr_arrow_array_release(&a);
        rr_arrow_array_release(&c);
        rr_arrow_builder_free(b);
        rr_arrow_schema_release(&s);
    }
}

static void test_dictionary(void **state) {
    (void)state;
    rr_error_t err = {0};
    struct ArrowSchema s;
    sch(&s, "C", "label", 0);
    dict_of(&s, "u");
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(&s, &b, &err), &err);
    rr_arrow_builder_t *d = rr_arrow_builder_dictionary(b);
    assert_non_null(d);
    assert_int_equal(rr_arrow_builder_append_str(b, "x", 1, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_append_int(b, -1, &err), RR_ERR_INVALID_ARG);
    assert_rr_ok(rr_arrow_builder_append_int(b, 1, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_str(d, "a", 1, &err), &err);
    struct ArrowArray a;
    /* index 1 needs two dictionary values */
    assert_int_equal(rr_arrow_builder_finish(b, &a, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "past the dictionary"));
    assert_rr_ok(rr_arrow_builder_append_str(d, "b", 1, &err), &err);
    uint8_t idx[3] = {0, 1, 0}; /* "C" is uint8 */
    assert_rr_ok(rr_arrow_builder_append_values(b, idx, 3, NULL, &err), &err);
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    assert_rr_ok(rr_arrow_validate(&s, &a, &err), &err);
    assert_int_equal(a.length, 5);
    assert_int_equal(a.dictionary->length, 2);
    assert_int_equal(rr_arrow_builder_length(d), 0);
    /* the same strings through a one-value-per-slot dictionary */
    const char *plain[5] = {"b", NULL, "a", "b", "a"};
    for (int i = 0; i < 5; i++) {
        if (!plain[i]) {
            assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
            assert_rr_ok(rr_arrow_builder_append_null(d, &err), &err); /* keeps positions */
            continue;
        }
        assert_rr_ok(rr_arrow_builder_append_int(b, i, &err), &err);
        assert_rr_ok(rr_arrow_builder_append_str(d, plain[i], 1, &err), &err);
    }
    struct ArrowArray c;
    assert_int_equal(rr_arrow_builder_finish(b, &c, &err), RR_OK);
    if (!rr_arrow_array_equal(&s, &a, &s, &c, &err)) fail_msg("%s", err.msg);
    rr_arrow_array_release(&a);
    rr_arrow_array_release(&c);
    rr_arrow_builder_free(b);
    rr_arrow_schema_release(&s);
}

static void test_bad_calls(void **state) {
    (void)state;
    rr_error_t err = {0};
    struct ArrowSchema s;
    sch(&s, "+s", "", 5);
    sch(s.children[0], "c", "small", 0);
    sch(s.children[1], "u", "text", 0);
    sch(s.children[2], "w:4", "fixed", 0);
    sch(s.children[3], "I", "u32", 0);
    sch(s.children[4], "d:5,2", "dec", 0);
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(&s, &b, &err), &err);
    rr_arrow_builder_t *small = rr_arrow_builder_child(b, 0), *text = rr_arrow_builder_child(b, 1),
                       *fixed = rr_arrow_builder_child(b, 2), *u32 = rr_arrow_builder_child(b, 3),
                       *dec = rr_arrow_builder_child(b, 4);
    assert_int_equal(rr_arrow_builder_append_int(small, 300, &err), RR_ERR_INVALID_ARG);
    assert_string_equal(err.msg, "builder 'small' (int8): 300 is out of range [-128, 127]");
    assert_int_equal(rr_arrow_builder_append_str(small, "x", 1, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "builder 'small'"));
    assert_int_equal(rr_arrow_builder_append_double(small, 1.0, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_append_bool(small, true, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_finish_element(small, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_finish_union_element(small, 0, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_append_int(text, 1, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_append_values(text, "ab", 2, NULL, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_append_str(text, "\xc3\x28", 2, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "UTF-8"));
    assert_int_equal(rr_arrow_builder_append_str(text, "\xed\xa0\x80", 3, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_append_bytes(fixed, "abc", 3, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "exactly 4"));
    assert_int_equal(rr_arrow_builder_append_int(u32, -1, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_append_uint(u32, 1ull << 32, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_append_uint(u32, UINT64_MAX, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_append_int(dec, 100000, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_builder_append_nulls(small, -1, &err), RR_ERR_INVALID_ARG);
    /* no child took a slot; the struct refuses an element */
    for (int64_t i = 0; i < 5; i++)
        assert_int_equal(rr_arrow_builder_length(rr_arrow_builder_child(b, i)), 0);
    assert_int_equal(rr_arrow_builder_finish_element(b, &err), RR_ERR_INVALID_ARG);
    /* and everything still works */
    assert_rr_ok(rr_arrow_builder_append_int(small, -128, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_str(text, "h\xc3\xa9", 3, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_bytes(fixed, "abcd", 4, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_uint(u32, UINT32_MAX, &err), &err);
    assert_rr_ok(rr_arrow_builder_append_int(dec, -99999, &err), &err);
    assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    struct ArrowArray a;
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    assert_rr_ok(rr_arrow_validate(&s, &a, &err), &err);
    assert_int_equal(a.length, 1);
    assert_int_equal(((const uint32_t *)a.children[3]->buffers[1])[0], UINT32_MAX);
    const int64_t *d128 = a.children[4]->buffers[1];
    assert_int_equal(d128[0], -99999);
    assert_int_equal(d128[1], -1); /* sign-extended */
    rr_arrow_array_release(&a);
    rr_arrow_builder_free(b);
    rr_arrow_schema_release(&s);
}

/* Many values: geometric growth, 64-bit offsets, zeroed padding to 64 bytes,
 * and nulls that reach nested children through a union. */
static void test_growth_and_padding(void **state) {
    (void)state;
    rr_error_t err = {0};
    struct ArrowSchema s;
    sch(&s, "+s", "", 2);
    sch(s.children[0], "U", "text", 0);
    struct ArrowSchema *u = sch(s.children[1], "+us:1,2", "u", 2);
    struct ArrowSchema *p = sch(u->children[0], "+s", "pair", 2);
    sch(p->children[0], "i", "a", 0);
    sch(sch(p->children[1], "+w:0", "empty", 1)->children[0], "n", "item", 0);
    sch(u->children[1], "g", "x", 0); /* never chosen */
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(&s, &b, &err), &err);
    rr_arrow_builder_t *text = rr_arrow_builder_child(b, 0), *ub = rr_arrow_builder_child(b, 1);
    rr_arrow_builder_t *pair = rr_arrow_builder_child(ub, 0);
    const int64_t n = 1001;
    for (int64_t i = 0; i < n; i++) {
        char buf[32];
        int len = snprintf(buf, sizeof buf, "%lld", (long long)(i * i));
        if (i % 10 == 9) assert_rr_ok(rr_arrow_builder_append_null(text, &err), &err);
        else assert_rr_ok(rr_arrow_builder_append_str(text, buf, (size_t)len, &err), &err);
        if (i % 3 == 0) {
            assert_rr_ok(rr_arrow_builder_append_null(ub, &err), &err);
        } else {
            assert_rr_ok(rr_arrow_builder_append_int(rr_arrow_builder_child(pair, 0), i, &err), &err);
            assert_rr_ok(rr_arrow_builder_finish_element(rr_arrow_builder_child(pair, 1), &err),
                         &err);
            assert_rr_ok(rr_arrow_builder_finish_element(pair, &err), &err);
            assert_rr_ok(rr_arrow_builder_finish_union_element(ub, 1, &err), &err);
        }
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    }
    struct ArrowArray a;
    assert_rr_ok(rr_arrow_builder_finish(b, &a, &err), &err);
    assert_rr_ok(rr_arrow_validate(&s, &a, &err), &err);
    const struct ArrowArray *t = a.children[0];
    assert_int_equal(t->null_count, 100);
    const int64_t *off = t->buffers[1];
    assert_int_equal(off[2] - off[1], 1); /* "1" */
    assert_memory_equal((const char *)t->buffers[2] + off[1000], "1000000", 7);
    /* offsets: 1002 * 8 bytes, padded with zeros to a multiple of 64 */
    const uint8_t *ob = t->buffers[1];
    for (size_t i = 1002 * 8; i < 8064; i++) assert_int_equal(ob[i], 0);
    /* validity: bits past the length are clear */
    const uint8_t *vb = t->buffers[0];
    assert_int_equal(vb[125] & 0xfe, 0);
    assert_int_equal(vb[126] | vb[127], 0);
    const struct ArrowArray *ua = a.children[1];
    assert_int_equal(ua->children[0]->length, n);
    assert_int_equal(ua->children[0]->null_count, 334);
    assert_int_equal(ua->children[0]->children[0]->null_count, 334);
    assert_int_equal(ua->children[0]->children[1]->length, n);
    assert_int_equal(ua->children[1]->null_count, n);
    rr_arrow_array_release(&a);
    rr_arrow_builder_free(b);
    rr_arrow_schema_release(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_types),      cmocka_unit_test(test_primitive_buffers),
        cmocka_unit_test(test_float16),        cmocka_unit_test(test_nested_layouts),
        cmocka_unit_test(test_unions),         cmocka_unit_test(test_dictionary),
        cmocka_unit_test(test_bad_calls),      cmocka_unit_test(test_growth_and_padding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
