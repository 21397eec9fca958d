/* Tests of the compute kernels (kernels.h): slice, concat, take and filter
 * over every type family, with sliced, empty and all-null inputs.
 *
 * Every result is validated (rr_arrow_validate also checks null_count
 * exactly), checked compact and 64-byte aligned, and compared slot by slot
 * with the input it came from: a one-slot slice of the output must equal
 * (rr_arrow_array_equal) the one-slot slice of the input it names. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/compare.h"
#include "arrow/ipc.h"
#include "arrow/kernels.h"
#include "arrow/schema.h"
#include "arrow/type.h"
#include "arrow/validate.h"
#include "base/mem.h"
#include "testutil.h"

/* ---- hand-built schemas and arrays ---- */

static void sch(struct ArrowSchema *s, const char *format, const char *name, int64_t n_children) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_schema_init(s, format, name, ARROW_FLAG_NULLABLE, n_children, &err),
                 &err);
}

static struct ArrowSchema *sch_dict(struct ArrowSchema *s, const char *value_format) {
    rr_error_t err = {0};
    struct ArrowSchema *d = rr_arrow_schema_add_dictionary(s, &err);
    assert_non_null(d);
    sch(d, value_format, "", 0);
    return d;
}

static void arr(struct ArrowArray *a, int64_t n_buffers, int64_t n_children, bool dict,
                int64_t length) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_array_init(a, n_buffers, n_children, dict, &err), &err);
    a->length = length;
}

/* validity from a string of '0'/'1' (NULL: none); sets null_count. */
static void set_validity(struct ArrowArray *a, const char *valid) {
    a->null_count = 0;
    if (!valid) return;
    int64_t n = (int64_t)strlen(valid), nulls = 0;
    uint8_t *bits = rr_arrow_array_alloc_buffer(a, 0, (size_t)rr_arrow_bitmap_bytes(n));
    for (int64_t i = 0; i < n; i++) {
        rr_arrow_bit_set(bits, i, valid[i] == '1');
        nulls += valid[i] != '1';
    }
    a->null_count = nulls;
}

/* Fixed-width values: n values of width bytes each, the k-th value's bytes
 * being seed + k*width + j. */
static void mk_fixed(struct ArrowArray *a, int width, int64_t n, int seed, const char *valid) {
    arr(a, 2, 0, false, n);
    uint8_t *d = rr_arrow_array_alloc_buffer(a, 1, (size_t)(n * width));
    for (int64_t i = 0; i < n * width; i++) d[i] = (uint8_t)(seed + i * 7);
    set_validity(a, valid);
}

static void mk_i32(struct ArrowArray *a, const int32_t *v, int64_t n, const char *valid) {
    arr(a, 2, 0, false, n);
    void *d = rr_arrow_array_alloc_buffer(a, 1, (size_t)n * 4);
    if (n) memcpy(d, v, (size_t)n * 4);
    set_validity(a, valid);
}

static void mk_bool(struct ArrowArray *a, const char *bits, const char *valid) {
    int64_t n = (int64_t)strlen(bits);
    arr(a, 2, 0, false, n);
    uint8_t *d = rr_arrow_array_alloc_buffer(a, 1, (size_t)rr_arrow_bitmap_bytes(n));
    for (int64_t i = 0; i < n; i++) rr_arrow_bit_set(d, i, bits[i] == '1');
    set_validity(a, valid);
}

static void mk_str(struct ArrowArray *a, const char *const *s, int64_t n, bool wide,
                   const char *valid) {
    arr(a, 3, 0, false, n);
    int w = wide ? 8 : 4;
    uint8_t *o = rr_arrow_array_alloc_buffer(a, 1, (size_t)(n + 1) * (size_t)w);
    size_t total = 0;
    for (int64_t i = 0; i < n; i++) total += strlen(s[i]);
    char *d = rr_arrow_array_alloc_buffer(a, 2, total);
    int64_t pos = 0;
    for (int64_t i = 0; i <= n; i++) {
        if (wide)
            ((int64_t *)o)[i] = pos;
        else
            ((int32_t *)o)[i] = (int32_t)pos;
        if (i < n) {
            memcpy(d + pos, s[i], strlen(s[i]));
            pos += (int64_t)strlen(s[i]);
        }
    }
    set_validity(a, valid);
}

static void mk_list(struct ArrowArray *a, const int64_t *offs, int64_t n, bool wide,
                    struct ArrowArray *child, const char *valid) {
    arr(a, 2, 1, false, n);
    uint8_t *o = rr_arrow_array_alloc_buffer(a, 1, (size_t)(n + 1) * (wide ? 8 : 4));
    for (int64_t i = 0; i <= n; i++) {
        if (wide)
            ((int64_t *)o)[i] = offs[i];
        else
            ((int32_t *)o)[i] = (int32_t)offs[i];
    }
    rr_arrow_array_move(child, a->children[0]);
    set_validity(a, valid);
}

static const char *const k_words[12] = {"alpha", "", "gamma", "de", "epsilon", "z",
                                        "eta",   "theta", "", "kappa", "lambda-long", "mu"};

#define N 10
enum { N_CASES = 17 };

/* Case c: a schema and an array of N slots of one type family. */
static void make_case(int c, struct ArrowSchema *s, struct ArrowArray *a) {
    struct ArrowArray k0, k1, k2;
    switch (c) {
    case 0:
        sch(s, "i", "int32", 0);
        mk_fixed(a, 4, N, 1, "1101101110");
        break;
    case 1:
        sch(s, "b", "bool", 0);
        mk_bool(a, "1100101011", "1111011101");
        break;
    case 2:
        sch(s, "u", "utf8", 0);
        mk_str(a, k_words, N, false, "1110111101");
        break;
    case 3:
        sch(s, "Z", "large_binary", 0);
        mk_str(a, k_words + 1, N, true, NULL);
        break;
    case 4:
        sch(s, "w:3", "fsb", 0);
        mk_fixed(a, 3, N, 9, "0111111110");
        break;
    case 5: {
        sch(s, "+l", "list", 1);
        sch(s->children[0], "i", "item", 0);
        int32_t v[15];
        for (int i = 0; i < 15; i++) v[i] = i * 10;
        mk_i32(&k0, v, 15, "111101111110111");
        /* slot 3 is null with an empty range, slot 6 null with a non-empty one */
        int64_t offs[N + 1] = {0, 2, 2, 5, 5, 6, 9, 11, 11, 14, 15};
        mk_list(a, offs, N, false, &k0, "1110110111");
        break;
    }
    case 6: {
        sch(s, "+L", "large_list", 1);
        sch(s->children[0], "u", "item", 0);
        mk_str(&k0, k_words, 12, false, "111111111011");
        int64_t offs[N + 1] = {0, 1, 3, 3, 4, 7, 8, 8, 10, 11, 12};
        mk_list(a, offs, N, true, &k0, "1101111111");
        break;
    }
    case 7:
        sch(s, "+w:2", "fsl", 1);
        sch(s->children[0], "s", "item", 0);
        mk_fixed(&k0, 2, 2 * N, 3, "11111111111111110111");
        arr(a, 1, 1, false, N);
        rr_arrow_array_move(&k0, a->children[0]);
        set_validity(a, "1110111111");
        break;
    case 8:
        sch(s, "+s", "struct", 2);
        sch(s->children[0], "i", "a", 0);
        sch(s->children[1], "u", "b", 0);
        mk_fixed(&k0, 4, N, 5, "1011111111");
        mk_str(&k1, k_words, N, false, "1111111011");
        arr(a, 1, 2, false, N);
        rr_arrow_array_move(&k0, a->children[0]);
        rr_arrow_array_move(&k1, a->children[1]);
        set_validity(a, "1111101111");
        break;
    case 9: {
        sch(s, "+m", "map", 1);
        sch(s->children[0], "+s", "entries", 2);
        sch(s->children[0]->children[0], "u", "key", 0);
        sch(s->children[0]->children[1], "i", "value", 0);
        mk_str(&k1, k_words, 12, false, NULL);
        mk_fixed(&k2, 4, 12, 2, "110111111111");
        arr(&k0, 1, 2, false, 12);
        rr_arrow_array_move(&k1, k0.children[0]);
        rr_arrow_array_move(&k2, k0.children[1]);
        int64_t offs[N + 1] = {0, 2, 3, 3, 5, 6, 6, 8, 9, 11, 12};
        mk_list(a, offs, N, false, &k0, "1110111111");
        break;
    }
    case 10: {
        sch(s, "+us:4,1", "sparse", 2);
        sch(s->children[0], "i", "i", 0);
        sch(s->children[1], "u", "s", 0);
        mk_fixed(&k0, 4, N, 8, "1111011111");
        mk_str(&k1, k_words, N, false, "1011111111");
        arr(a, 1, 2, false, N);
        rr_arrow_array_move(&k0, a->children[0]);
        rr_arrow_array_move(&k1, a->children[1]);
        int8_t *ids = rr_arrow_array_alloc_buffer(a, 0, N);
        const int8_t t[N] = {4, 1, 1, 4, 4, 1, 4, 1, 1, 4};
        memcpy(ids, t, N);
        break;
    }
    case 11: {
        sch(s, "+ud:0,3", "dense", 2);
        sch(s->children[0], "i", "i", 0);
        sch(s->children[1], "u", "s", 0);
        mk_fixed(&k0, 4, 5, 8, "11011");
        mk_str(&k1, k_words, 6, false, "011111");
        arr(a, 2, 2, false, N);
        rr_arrow_array_move(&k0, a->children[0]);
        rr_arrow_array_move(&k1, a->children[1]);
        int8_t *ids = rr_arrow_array_alloc_buffer(a, 0, N);
        int32_t *uo = rr_arrow_array_alloc_buffer(a, 1, N * 4);
        const int8_t t[N] = {0, 3, 3, 0, 0, 3, 0, 3, 3, 3};
        const int32_t o[N] = {0, 0, 1, 1, 2, 2, 4, 3, 5, 4}; /* child 0 slot 3 unused */
        memcpy(ids, t, N);
        memcpy(uo, o, sizeof o);
        break;
    }
    case 12: {
        sch(s, "c", "dict", 0);
        sch_dict(s, "u");
        arr(a, 2, 0, true, N);
        int8_t *idx = rr_arrow_array_alloc_buffer(a, 1, N);
        const int8_t v[N] = {0, 3, 3, 1, 0, 2, 3, 1, 0, 2};
        memcpy(idx, v, N);
        set_validity(a, "1101111011");
        mk_str(a->dictionary, k_words + 2, 4, false, NULL);
        break;
    }
    case 13:
        sch(s, "n", "null", 0);
        arr(a, 0, 0, false, N);
        a->null_count = N;
        break;
    case 14: {
        /* list<struct<x: double, tag: dictionary<uint16, utf8>>> */
        sch(s, "+l", "deep", 1);
        struct ArrowSchema *st = s->children[0];
        sch(st, "+s", "item", 2);
        sch(st->children[0], "g", "x", 0);
        sch(st->children[1], "S", "tag", 0);
        sch_dict(st->children[1], "u");
        mk_fixed(&k1, 8, 14, 4, "11111101111111");
        arr(&k2, 2, 0, true, 14);
        uint16_t *idx = rr_arrow_array_alloc_buffer(&k2, 1, 14 * 2);
        for (int i = 0; i < 14; i++) idx[i] = (uint16_t)(i % 5);
        set_validity(&k2, "11011111111110");
        mk_str(k2.dictionary, k_words, 5, false, NULL);
        arr(&k0, 1, 2, false, 14);
        rr_arrow_array_move(&k1, k0.children[0]);
        rr_arrow_array_move(&k2, k0.children[1]);
        set_validity(&k0, "11111111011111");
        int64_t offs[N + 1] = {0, 3, 3, 4, 6, 6, 9, 10, 12, 13, 14};
        mk_list(a, offs, N, false, &k0, "1011111101");
        break;
    }
    case 15:
        sch(s, "tin", "interval", 0);
        mk_fixed(a, 16, N, 11, "1111111110");
        break;
    case 16:
        sch(s, "d:38,4", "decimal", 0);
        mk_fixed(a, 16, N, 13, NULL);
        break;
    default: fail_msg("no case %d", c);
    }
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_validate(s, a, &err), &err);
}

/* ---- checking results ---- */

/* Compact (offset 0) and 64-byte aligned buffers, all the way down. */
static void check_compact(const struct ArrowArray *a) {
    assert_int_equal(a->offset, 0);
    for (int64_t i = 0; i < a->n_buffers; i++)
        assert_int_equal((uintptr_t)a->buffers[i] % RR_ALIGNMENT, 0);
    for (int64_t k = 0; k < a->n_children; k++) check_compact(a->children[k]);
    if (a->dictionary) check_compact(a->dictionary);
}

static void check_result(const struct ArrowSchema *s, const struct ArrowArray *out) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_validate(s, out, &err), &err);
    check_compact(out);
}

/* Whether logical slot i is null, for every type (unions: the chosen child). */
static bool slot_is_null(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i) {
    rr_arrow_type_t t;
    assert_int_equal(rr_arrow_type_parse(s->format, &t, NULL), RR_OK);
    if (t.id == RR_ARROW_NA) return true;
    if (t.id == RR_ARROW_SPARSE_UNION || t.id == RR_ARROW_DENSE_UNION) {
        int8_t id = ((const int8_t *)a->buffers[0])[a->offset + i];
        int k = 0;
        while (t.type_codes[k] != id) k++;
        int64_t ci = t.id == RR_ARROW_DENSE_UNION ? ((const int32_t *)a->buffers[1])[a->offset + i]
                                                  : a->offset + i;
        return slot_is_null(s->children[k], a->children[k], ci);
    }
    return !rr_arrow_array_is_valid(a, i);
}

/* out[i] must equal in[idx[i]] (null where idx[i] < 0). Slicing shares, so
 * both arrays become mirrors of themselves: fine for tests. */
static void check_slots(const struct ArrowSchema *s, struct ArrowArray *in, struct ArrowArray *out,
                        const int64_t *idx, int64_t n) {
    rr_error_t err = {0};
    assert_int_equal(out->length, n);
    for (int64_t i = 0; i < n; i++) {
        if (idx[i] < 0) {
            if (!slot_is_null(s, out, i)) fail_msg("'%s' slot %lld: expected null", s->name, (long long)i);
            continue;
        }
        struct ArrowArray a, b;
        assert_rr_ok(rr_arrow_slice(s, out, i, 1, &a, &err), &err);
        assert_rr_ok(rr_arrow_slice(s, in, idx[i], 1, &b, &err), &err);
        if (!rr_arrow_array_equal(s, &a, s, &b, &err))
            fail_msg("'%s' slot %lld (from %lld): %s", s->name, (long long)i, (long long)idx[i],
                     err.msg);
        rr_arrow_array_release(&a);
        rr_arrow_array_release(&b);
    }
}

static void expect_equal(const struct ArrowSchema *s, const struct ArrowArray *a,
                         const struct ArrowArray *b) {
    rr_error_t err = {0};
    if (!rr_arrow_array_equal(s, a, s, b, &err)) fail_msg("'%s': %s", s->name, err.msg);
}

/* ---- tests over every case ---- */

static void test_take_all_types(void **state) {
    (void)state;
    static const int64_t lists[][12] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},      /* identity */
        {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},      /* reversed */
        {3, 3, 3, -1, 0, 9, -1, -1, 5, 6, 7}, /* repeats, nulls, runs */
        {-1, -1, -1},                        /* all null */
        {0},
    };
    static const int64_t lens[] = {10, 10, 11, 3, 0};
    for (int c = 0; c < N_CASES; c++) {
        for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
            struct ArrowSchema s;
            struct ArrowArray a, out;
            rr_error_t err = {0};
            make_case(c, &s, &a);
            assert_rr_ok(rr_arrow_take(&s, &a, lists[l], lens[l], &out, &err), &err);
            check_result(&s, &out);
            check_slots(&s, &a, &out, lists[l], lens[l]);
            if (l == 0) expect_equal(&s, &a, &out);
            rr_arrow_array_release(&out);
            rr_arrow_array_release(&a);
            rr_arrow_schema_release(&s);
        }
    }
}

static void test_filter_all_types(void **state) {
    (void)state;
    /* masks over 10 slots: all, none, alternate, runs */
    static const uint8_t masks[][2] = {{0xff, 0x03}, {0, 0}, {0x55, 0x01}, {0x9c, 0x03}};
    for (int c = 0; c < N_CASES; c++) {
        for (size_t m = 0; m < sizeof masks / sizeof *masks; m++) {
            struct ArrowSchema s;
            struct ArrowArray a, out, ref;
            rr_error_t err = {0};
            make_case(c, &s, &a);
            assert_rr_ok(rr_arrow_filter(&s, &a, masks[m], &out, &err), &err);
            check_result(&s, &out);
            int64_t idx[N], n = 0;
            for (int i = 0; i < N; i++)
                if (rr_arrow_bit_get(masks[m], i)) idx[n++] = i;
            check_slots(&s, &a, &out, idx, n);
            assert_rr_ok(rr_arrow_take(&s, &a, idx, n, &ref, &err), &err);
            expect_equal(&s, &out, &ref);
            rr_arrow_array_release(&ref);
            rr_arrow_array_release(&out);
            rr_arrow_array_release(&a);
            rr_arrow_schema_release(&s);
        }
    }
}

static void test_slice_concat_all_types(void **state) {
    (void)state;
    for (int c = 0; c < N_CASES; c++) {
        struct ArrowSchema s;
        struct ArrowArray a, p0, p1, p2, out;
        rr_error_t err = {0};
        make_case(c, &s, &a);
        assert_rr_ok(rr_arrow_slice(&s, &a, 0, 3, &p0, &err), &err);
        assert_rr_ok(rr_arrow_slice(&s, &a, 3, 0, &p1, &err), &err);
        assert_rr_ok(rr_arrow_slice(&s, &a, 3, 7, &p2, &err), &err);
        assert_rr_ok(rr_arrow_validate(&s, &p0, &err), &err);
        assert_rr_ok(rr_arrow_validate(&s, &p1, &err), &err);
        assert_rr_ok(rr_arrow_validate(&s, &p2, &err), &err);
        assert_int_equal(p2.offset, a.offset + 3);
        assert_ptr_equal(p2.n_buffers ? p2.buffers[p2.n_buffers - 1] : NULL,
                         a.n_buffers ? a.buffers[a.n_buffers - 1] : NULL); /* zero-copy */

        const struct ArrowArray *parts[3] = {&p0, &p1, &p2};
        assert_rr_ok(rr_arrow_concat(&s, parts, 3, &out, &err), &err);
        check_result(&s, &out);
        expect_equal(&s, &a, &out);
        rr_arrow_array_release(&out);

        /* out of order and repeated, with sliced inputs */
        const struct ArrowArray *mix[3] = {&p2, &p0, &p2};
        assert_rr_ok(rr_arrow_concat(&s, mix, 3, &out, &err), &err);
        check_result(&s, &out);
        int64_t idx[17];
        for (int i = 0; i < 7; i++) idx[i] = 3 + i;
        for (int i = 0; i < 3; i++) idx[7 + i] = i;
        for (int i = 0; i < 7; i++) idx[10 + i] = 3 + i;
        check_slots(&s, &a, &out, idx, 17);
        rr_arrow_array_release(&out);

        /* take and filter on a sliced input */
        const int64_t tidx[4] = {6, -1, 0, 2};
        assert_rr_ok(rr_arrow_take(&s, &p2, tidx, 4, &out, &err), &err);
        check_result(&s, &out);
        const int64_t want[4] = {9, -1, 3, 5};
        check_slots(&s, &a, &out, want, 4);
        rr_arrow_array_release(&out);
        const uint8_t mask[1] = {0x4b}; /* 0,1,3,6 */
        assert_rr_ok(rr_arrow_filter(&s, &p2, mask, &out, &err), &err);
        check_result(&s, &out);
        const int64_t fwant[4] = {3, 4, 6, 9};
        check_slots(&s, &a, &out, fwant, 4);
        rr_arrow_array_release(&out);

        /* empty inputs */
        const struct ArrowArray *empties[2] = {&p1, &p1};
        assert_rr_ok(rr_arrow_concat(&s, empties, 2, &out, &err), &err);
        check_result(&s, &out);
        assert_int_equal(out.length, 0);
        rr_arrow_array_release(&out);
        assert_rr_ok(rr_arrow_concat(&s, NULL, 0, &out, &err), &err);
        check_result(&s, &out);
        assert_int_equal(out.length, 0);
        rr_arrow_array_release(&out);
        assert_rr_ok(rr_arrow_take(&s, &p1, NULL, 0, &out, &err), &err);
        check_result(&s, &out);
        rr_arrow_array_release(&out);
        assert_rr_ok(rr_arrow_filter(&s, &p1, NULL, &out, &err), &err);
        check_result(&s, &out);
        assert_int_equal(out.length, 0);
        rr_arrow_array_release(&out);

        /* all-null input: take of nulls, then everything on it */
        const int64_t nulls[5] = {-1, -1, -1, -1, -1};
        struct ArrowArray an;
        assert_rr_ok(rr_arrow_take(&s, &a, nulls, 5, &an, &err), &err);
        check_result(&s, &an);
        const int64_t some[3] = {4, 0, -1};
        assert_rr_ok(rr_arrow_take(&s, &an, some, 3, &out, &err), &err);
        check_result(&s, &out);
        check_slots(&s, &an, &out, nulls, 3);
        rr_arrow_array_release(&out);
        const struct ArrowArray *two[2] = {&an, &p0};
        assert_rr_ok(rr_arrow_concat(&s, two, 2, &out, &err), &err);
        check_result(&s, &out);
        const int64_t cw[8] = {-1, -1, -1, -1, -1, 0, 1, 2};
        check_slots(&s, &a, &out, cw, 8);
        rr_arrow_array_release(&out);

        rr_arrow_array_release(&an);
        rr_arrow_array_release(&p0);
        rr_arrow_array_release(&p1);
        rr_arrow_array_release(&p2);
        rr_arrow_array_release(&a);
        rr_arrow_schema_release(&s);
    }
}

/* ---- specifics ---- */

static void test_slice_null_count_and_errors(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray a, out;
    rr_error_t err = {0};
    make_case(0, &s, &a); /* 1101101110 */
    assert_rr_ok(rr_arrow_slice(&s, &a, 2, 5, &out, &err), &err); /* 01101 */
    assert_int_equal(out.null_count, 2);
    assert_int_equal(out.length, 5);
    assert_int_equal(out.offset, 2);
    rr_arrow_array_release(&out);
    assert_int_equal(rr_arrow_slice(&s, &a, 8, 3, &out, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "outside an array of length 10"));
    assert_int_equal(rr_arrow_slice(&s, &a, -1, 3, &out, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_slice(&s, &a, 0, -1, &out, &err), RR_ERR_INVALID_ARG);
    assert_null(out.release);
    /* a slice of a slice */
    struct ArrowArray s1, s2;
    assert_rr_ok(rr_arrow_slice(&s, &a, 1, 8, &s1, &err), &err);
    rr_arrow_array_release(&a);
    assert_rr_ok(rr_arrow_slice(&s, &s1, 2, 3, &s2, &err), &err);
    assert_int_equal(s2.offset, 3);
    assert_int_equal(s2.null_count, 1); /* 110 */
    rr_arrow_array_release(&s1);
    assert_rr_ok(rr_arrow_validate(&s, &s2, &err), &err);
    rr_arrow_array_release(&s2);
    rr_arrow_schema_release(&s);
}

static void test_argument_errors(void **state) {
    (void)state;
    struct ArrowSchema s, other;
    struct ArrowArray a, b, out;
    rr_error_t err = {0};
    make_case(2, &s, &a);
    const int64_t bad[3] = {0, 10, 1};
    assert_int_equal(rr_arrow_take(&s, &a, bad, 3, &out, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "index 10 (position 1) is out of range"));
    assert_null(out.release);
    assert_int_equal(rr_arrow_take(&s, &a, NULL, 2, &out, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_arrow_filter(&s, &a, NULL, &out, &err), RR_ERR_INVALID_ARG);

    make_case(0, &other, &b); /* an int32 array where a utf8 one is expected */
    const struct ArrowArray *mix[2] = {&a, &b};
    assert_int_equal(rr_arrow_concat(&s, mix, 2, &out, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "concat input 1"));
    assert_null(out.release);
    assert_int_equal(rr_arrow_take(&s, &b, bad, 1, &out, &err), RR_ERR_INVALID_ARG);
    rr_arrow_array_release(&b);
    rr_arrow_schema_release(&other);

    /* a released input */
    struct ArrowArray gone = {0};
    const struct ArrowArray *g[1] = {&gone};
    assert_int_equal(rr_arrow_concat(&s, g, 1, &out, &err), RR_ERR_INVALID_ARG);
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

static void test_dictionary_concat(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray a, b, c, out;
    rr_error_t err = {0};
    make_case(12, &s, &a); /* dictionary gamma de epsilon z */

    /* the same dictionary (a slice shares it): indices concatenated */
    assert_rr_ok(rr_arrow_slice(&s, &a, 4, 6, &b, &err), &err);
    const struct ArrowArray *same[2] = {&a, &b};
    assert_rr_ok(rr_arrow_concat(&s, same, 2, &out, &err), &err);
    check_result(&s, &out);
    assert_non_null(out.dictionary);
    assert_int_equal(out.dictionary->length, 4);
    int64_t idx[16];
    for (int i = 0; i < 10; i++) idx[i] = i;
    for (int i = 0; i < 6; i++) idx[10 + i] = 4 + i;
    check_slots(&s, &a, &out, idx, 16);
    rr_arrow_array_release(&out);

    /* take keeps the dictionary */
    const int64_t t[3] = {5, -1, 1};
    assert_rr_ok(rr_arrow_take(&s, &a, t, 3, &out, &err), &err);
    check_result(&s, &out);
    assert_non_null(out.dictionary);
    check_slots(&s, &a, &out, t, 3);
    /* a dictionary equal by content (the take's copy) still counts as one */
    const struct ArrowArray *eq[2] = {&a, &out};
    assert_rr_ok(rr_arrow_concat(&s, eq, 2, &c, &err), &err);
    check_result(&s, &c);
    assert_non_null(c.dictionary);
    rr_arrow_array_release(&c);
    rr_arrow_array_release(&out);

    /* a different dictionary: the result is decoded to utf8 */
    arr(&c, 2, 0, true, 3);
    int8_t *ci = rr_arrow_array_alloc_buffer(&c, 1, 3);
    ci[0] = 1;
    ci[1] = 0;
    ci[2] = 1;
    set_validity(&c, "101");
    const char *words[2] = {"one", "two"};
    mk_str(c.dictionary, words, 2, false, NULL);
    assert_rr_ok(rr_arrow_validate(&s, &c, &err), &err);
    const struct ArrowArray *diff[2] = {&b, &c};
    assert_rr_ok(rr_arrow_concat(&s, diff, 2, &out, &err), &err);
    check_result(s.dictionary, &out);
    assert_null(out.dictionary);
    assert_int_equal(out.length, 9);
    assert_int_equal(out.null_count, 2);
    /* b = slots 4..9 of a: indices 0 2 3 1 0 2 validity 1 1 1 0 1 1 */
    const char *want[9] = {"gamma", "epsilon", "z", NULL, "gamma", "epsilon", "two", NULL, "two"};
    const int32_t *o = out.buffers[1];
    const char *d = out.buffers[2];
    for (int i = 0; i < 9; i++) {
        if (!want[i]) {
            assert_false(rr_arrow_array_is_valid(&out, i));
            continue;
        }
        assert_true(rr_arrow_array_is_valid(&out, i));
        assert_int_equal(o[i + 1] - o[i], strlen(want[i]));
        assert_memory_equal(d + o[i], want[i], strlen(want[i]));
    }
    rr_arrow_array_release(&out);
    rr_arrow_array_release(&a);
    rr_arrow_array_release(&b);
    rr_arrow_array_release(&c);
    rr_arrow_schema_release(&s);
}

static void test_nested_dictionary_concat(void **state) {
    (void)state;
    /* struct<tag: dictionary<int8, utf8>>: inside a nested type the type is
     * kept, the dictionaries appended and the indices shifted */
    struct ArrowSchema s;
    sch(&s, "+s", "", 1);
    sch(s.children[0], "c", "tag", 0);
    sch_dict(s.children[0], "u");
    struct ArrowArray in[2], out;
    rr_error_t err = {0};
    const char *d0[2] = {"a", "b"}, *d1[3] = {"x", "y", "z"};
    for (int k = 0; k < 2; k++) {
        struct ArrowArray col;
        arr(&col, 2, 0, true, 3);
        int8_t *ix = rr_arrow_array_alloc_buffer(&col, 1, 3);
        ix[0] = 1;
        ix[1] = 0;
        ix[2] = (int8_t)(k ? 2 : 1);
        set_validity(&col, k ? "110" : NULL);
        mk_str(col.dictionary, k ? d1 : d0, k ? 3 : 2, false, NULL);
        arr(&in[k], 1, 1, false, 3);
        rr_arrow_array_move(&col, in[k].children[0]);
        assert_rr_ok(rr_arrow_validate(&s, &in[k], &err), &err);
    }
    const struct ArrowArray *parts[2] = {&in[0], &in[1]};
    assert_rr_ok(rr_arrow_concat(&s, parts, 2, &out, &err), &err);
    check_result(&s, &out);
    assert_int_equal(out.children[0]->dictionary->length, 5);
    const int8_t *ix = out.children[0]->buffers[1];
    assert_int_equal(ix[0], 1);
    assert_int_equal(ix[3], 3);
    assert_int_equal(ix[4], 2);
    struct ArrowArray first, second;
    assert_rr_ok(rr_arrow_slice(&s, &out, 0, 3, &first, &err), &err);
    assert_rr_ok(rr_arrow_slice(&s, &out, 3, 3, &second, &err), &err);
    expect_equal(&s, &first, &in[0]);
    expect_equal(&s, &second, &in[1]);
    rr_arrow_array_release(&first);
    rr_arrow_array_release(&second);
    rr_arrow_array_release(&out);

    /* too many values for the index type */
    struct ArrowArray big;
    arr(&big, 1, 1, false, 1);
    struct ArrowArray *col = big.children[0];
    arr(col, 2, 0, true, 1);
    rr_arrow_array_alloc_buffer(col, 1, 1);
    const char *many[200];
    for (int i = 0; i < 200; i++) many[i] = "w";
    mk_str(col->dictionary, many, 200, false, NULL);
    const struct ArrowArray *over[2] = {&in[0], &big};
    assert_int_equal(rr_arrow_concat(&s, over, 2, &out, &err), RR_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "exceed the int8 index range"));
    assert_null(out.release);
    rr_arrow_array_release(&big);
    rr_arrow_array_release(&in[0]);
    rr_arrow_array_release(&in[1]);
    rr_arrow_schema_release(&s);
}

/* Large enough for the bulk paths: bitmaps at odd bit offsets, long runs,
 * random takes, compared value by value. */
static void test_large(void **state) {
    (void)state;
    enum { L = 100003 };
    struct ArrowSchema s, bs;
    struct ArrowArray a, b, out;
    rr_error_t err = {0};
    sch(&s, "l", "v", 0);
    arr(&a, 2, 0, false, L);
    int64_t *v = rr_arrow_array_alloc_buffer(&a, 1, L * 8);
    uint8_t *valid = rr_arrow_array_alloc_buffer(&a, 0, (L + 7) / 8);
    int64_t nulls = 0;
    uint64_t x = 88172645463325252ull;
    for (int64_t i = 0; i < L; i++) {
        v[i] = i * 3;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bool ok = (x % 10) != 0;
        rr_arrow_bit_set(valid, i, ok);
        nulls += !ok;
    }
    a.null_count = nulls;
    sch(&bs, "b", "flag", 0);
    arr(&b, 2, 0, false, L);
    uint8_t *bits = rr_arrow_array_alloc_buffer(&b, 1, (L + 7) / 8);
    for (int64_t i = 0; i < L; i++) rr_arrow_bit_set(bits, i, (i % 3) == 0);

    /* filter with long runs and an odd start */
    uint8_t *mask = calloc((L + 7) / 8, 1);
    int64_t kept = 0;
    for (int64_t i = 0; i < L; i++)
        if ((i / 1000) % 2 == 1 || i % 7 == 0) {
            rr_arrow_bit_set(mask, i, true);
            kept++;
        }
    assert_rr_ok(rr_arrow_filter(&s, &a, mask, &out, &err), &err);
    check_result(&s, &out);
    assert_int_equal(out.length, kept);
    int64_t j = 0;
    for (int64_t i = 0; i < L; i++) {
        if (!rr_arrow_bit_get(mask, i)) continue;
        assert_int_equal(rr_arrow_array_is_valid(&out, j), rr_arrow_bit_get(valid, i));
        if (rr_arrow_bit_get(valid, i)) assert_int_equal(((const int64_t *)out.buffers[1])[j], i * 3);
        j++;
    }
    rr_arrow_array_release(&out);
    assert_rr_ok(rr_arrow_filter(&bs, &b, mask, &out, &err), &err);
    check_result(&bs, &out);
    j = 0;
    for (int64_t i = 0; i < L; i++)
        if (rr_arrow_bit_get(mask, i))
            assert_int_equal(rr_arrow_bit_get(out.buffers[1], j++), (i % 3) == 0);
    rr_arrow_array_release(&out);

    /* random take */
    int64_t *idx = malloc(L * sizeof *idx);
    for (int64_t i = 0; i < L; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        idx[i] = (x % 50 == 0) ? -1 : (int64_t)(x % L);
    }
    assert_rr_ok(rr_arrow_take(&s, &a, idx, L, &out, &err), &err);
    check_result(&s, &out);
    for (int64_t i = 0; i < L; i++) {
        bool ok = idx[i] >= 0 && rr_arrow_bit_get(valid, idx[i]);
        assert_int_equal(rr_arrow_array_is_valid(&out, i), ok);
        if (ok) assert_int_equal(((const int64_t *)out.buffers[1])[i], idx[i] * 3);
    }
    rr_arrow_array_release(&out);

    /* concat of slices at odd offsets reassembles the original */
    struct ArrowArray p[3];
    assert_rr_ok(rr_arrow_slice(&bs, &b, 0, 12345, &p[0], &err), &err);
    assert_rr_ok(rr_arrow_slice(&bs, &b, 12345, 7, &p[1], &err), &err);
    assert_rr_ok(rr_arrow_slice(&bs, &b, 12352, L - 12352, &p[2], &err), &err);
    const struct ArrowArray *parts[3] = {&p[0], &p[1], &p[2]};
    assert_rr_ok(rr_arrow_concat(&bs, parts, 3, &out, &err), &err);
    check_result(&bs, &out);
    expect_equal(&bs, &b, &out);
    rr_arrow_array_release(&out);
    for (int k = 0; k < 3; k++) rr_arrow_array_release(&p[k]);

    free(idx);
    free(mask);
    rr_arrow_array_release(&a);
    rr_arrow_array_release(&b);
    rr_arrow_schema_release(&s);
    rr_arrow_schema_release(&bs);
}

static void test_offset_overflow(void **state) {
    (void)state;
    /* a take that repeats a 1 MiB string past 2^31 bytes must fail cleanly */
    struct ArrowSchema s;
    struct ArrowArray a, out;
    rr_error_t err = {0};
    sch(&s, "z", "bin", 0);
    arr(&a, 3, 0, false, 1);
    int32_t *o = rr_arrow_array_alloc_buffer(&a, 1, 8);
    o[1] = 1 << 20;
    rr_arrow_array_alloc_buffer(&a, 2, 1 << 20);
    enum { REPS = 2100 };
    int64_t *idx = calloc(REPS, sizeof *idx);
    assert_int_equal(rr_arrow_take(&s, &a, idx, REPS, &out, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "int32 offset range"));
    assert_null(out.release);
    free(idx);
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

/* ---- the Arrow integration gold files: real data of every type ---- */

static void free_ctx(void *ctx) { free(ctx); }

/* Runs every kernel over each batch of one stream and checks the results. */
static bool kernels_on_stream(const char *path) {
    size_t len = 0;
    uint8_t *bytes = rr_test_read_file(path, &len);
    assert_non_null(bytes);
    rr_arrow_blob_t *blob = rr_arrow_blob_wrap(bytes, len, free_ctx, bytes);
    rr_arrow_table_t t;
    rr_error_t err = {0};
    rr_status_t st = rr_arrow_ipc_read_table(blob, &t, &err);
    rr_arrow_blob_release(blob);
    if (st != RR_OK) {
        printf("kernels gold: %s: not read (%s), skipped\n", path, err.msg);
        return false;
    }
    struct ArrowSchema *s = &t.schema;
    int64_t total = 0;
    for (int64_t b = 0; b < t.n_batches; b++) {
        struct ArrowArray *a = &t.batches[b];
        int64_t n = a->length;
        total += n;
        /* reversed, with a null in the middle */
        int64_t *idx = malloc((size_t)(n + 1) * sizeof *idx);
        for (int64_t i = 0; i < n; i++) idx[i + (i >= n / 2)] = n - 1 - i;
        idx[n / 2] = -1;
        struct ArrowArray out, ref;
        assert_rr_ok(rr_arrow_take(s, a, idx, n + 1, &out, &err), &err);
        check_result(s, &out);
        check_slots(s, a, &out, idx, n + 1);
        rr_arrow_array_release(&out);
        /* every third slot */
        uint8_t *mask = calloc((size_t)rr_arrow_bitmap_bytes(n) + 1, 1);
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++)
            if (i % 3 != 1) {
                rr_arrow_bit_set(mask, i, true);
                idx[m++] = i;
            }
        assert_rr_ok(rr_arrow_filter(s, a, mask, &out, &err), &err);
        check_result(s, &out);
        assert_rr_ok(rr_arrow_take(s, a, idx, m, &ref, &err), &err);
        expect_equal(s, &out, &ref);
        rr_arrow_array_release(&ref);
        rr_arrow_array_release(&out);
        free(mask);
        free(idx);
    }
    /* all batches in one, and each batch back out of it by a slice */
    const struct ArrowArray **parts = malloc((size_t)(t.n_batches + 1) * sizeof *parts);
    for (int64_t b = 0; b < t.n_batches; b++) parts[b] = &t.batches[b];
    struct ArrowArray all;
    assert_rr_ok(rr_arrow_concat(s, parts, t.n_batches, &all, &err), &err);
    check_result(s, &all);
    assert_int_equal(all.length, total);
    int64_t at = 0;
    for (int64_t b = 0; b < t.n_batches; b++) {
        struct ArrowArray piece;
        assert_rr_ok(rr_arrow_slice(s, &all, at, t.batches[b].length, &piece, &err), &err);
        if (!rr_arrow_array_equal(s, &piece, s, &t.batches[b], &err))
            fail_msg("%s: batch %lld after concat: %s", path, (long long)b, err.msg);
        at += t.batches[b].length;
        rr_arrow_array_release(&piece);
    }
    rr_arrow_array_release(&all);
    free(parts);
    rr_arrow_table_release(&t);
    return true;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_gold_streams(void **state) {
    (void)state;
    const char *root = rr_test_data_dir();
    char dir[1024];
    if (root) snprintf(dir, sizeof dir, "%s/arrow-ipc/1.0.0-littleendian", root);
    DIR *d = root ? opendir(dir) : NULL;
    if (!d) {
        printf("kernels gold: SKIPPED: no Arrow test data (RR_TESTDATA/arrow-ipc)\n");
        skip();
        return;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        size_t l = strlen(e->d_name);
        if (l > 7 && !strcmp(e->d_name + l - 7, ".stream")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    assert_true(n > 10);
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        done += kernels_on_stream(path);
        free(names[i]);
    }
    printf("kernels gold: take, filter, concat and slice checked on %zu of %zu streams\n", done, n);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_all_types),
        cmocka_unit_test(test_filter_all_types),
        cmocka_unit_test(test_slice_concat_all_types),
        cmocka_unit_test(test_slice_null_count_and_errors),
        cmocka_unit_test(test_argument_errors),
        cmocka_unit_test(test_dictionary_concat),
        cmocka_unit_test(test_nested_dictionary_concat),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_offset_overflow),
        cmocka_unit_test(test_gold_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
