/* Tests of array validation (validate.h): every check, with a passing case
 * and a failing case whose message names the path, the slot and the fault. */
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/schema.h"
#include "arrow/validate.h"
#include "base/mem.h"
#include "testutil.h"

/* ---- hand-built schemas and arrays ---- */

static void sch(struct ArrowSchema *s, const char *format, const char *name, int64_t n_children) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_schema_init(s, format, name, ARROW_FLAG_NULLABLE, n_children, &err),
                 &err);
}

static void arr(struct ArrowArray *a, int64_t n_buffers, int64_t n_children, bool dict,
                int64_t length) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_array_init(a, n_buffers, n_children, dict, &err), &err);
    a->length = length;
}

/* validity from a string of '0'/'1' (NULL: no bitmap); sets null_count. */
static void set_validity(struct ArrowArray *a, const char *valid) {
    if (!valid) return;
    int64_t n = (int64_t)strlen(valid), nulls = 0;
    uint8_t *bits = rr_arrow_array_alloc_buffer(a, 0, (size_t)rr_arrow_bitmap_bytes(n));
    for (int64_t i = 0; i < n; i++) {
        rr_arrow_bit_set(bits, i, valid[i] == '1');
        nulls += valid[i] != '1';
    }
    a->null_count = nulls;
}

static void mk_i32(struct ArrowArray *a, const int32_t *v, int64_t n, const char *valid) {
    arr(a, 2, 0, false, n);
    void *d = rr_arrow_array_alloc_buffer(a, 1, (size_t)n * 4);
    if (n) memcpy(d, v, (size_t)n * 4);
    set_validity(a, valid);
}

static void mk_str(struct ArrowArray *a, const char *const *s, int64_t n, const char *valid) {
    arr(a, 3, 0, false, n);
    int32_t *o = rr_arrow_array_alloc_buffer(a, 1, (size_t)(n + 1) * 4);
    size_t total = 0;
    for (int64_t i = 0; i < n; i++) total += strlen(s[i]);
    char *d = rr_arrow_array_alloc_buffer(a, 2, total);
    o[0] = 0;
    for (int64_t i = 0; i < n; i++) {
        size_t l = strlen(s[i]);
        memcpy(d + o[i], s[i], l);
        o[i + 1] = o[i] + (int32_t)l;
    }
    set_validity(a, valid);
}

/* list<int32> from offsets and a child array (moved in). */
static void mk_list(struct ArrowArray *a, const int32_t *offs, int64_t n, struct ArrowArray *child) {
    arr(a, 2, 1, false, n);
    int32_t *o = rr_arrow_array_alloc_buffer(a, 1, (size_t)(n + 1) * 4);
    memcpy(o, offs, (size_t)(n + 1) * 4);
    rr_arrow_array_move(child, a->children[0]);
}

static void expect_ok(const struct ArrowSchema *s, const struct ArrowArray *a) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_validate(s, a, &err), &err);
}

static void expect_fail(const struct ArrowSchema *s, const struct ArrowArray *a,
                        const char *fragment) {
    rr_error_t err = {0};
    rr_status_t st = rr_arrow_validate(s, a, &err);
    if (st == RR_OK) fail_msg("validation passed, expected \"%s\"", fragment);
    if (!strstr(err.msg, fragment)) fail_msg("message \"%s\" lacks \"%s\"", err.msg, fragment);
}

static void expect_sized(const struct ArrowSchema *s, const struct ArrowArray *a,
                         const int64_t *sizes, int64_t n, const char *fragment) {
    rr_error_t err = {0};
    rr_arrow_buffer_sizes_t bs = {sizes, n};
    rr_status_t st = rr_arrow_validate_sized(s, a, &bs, &err);
    if (!fragment) {
        assert_rr_ok(st, &err);
        return;
    }
    if (st == RR_OK) fail_msg("sized validation passed, expected \"%s\"", fragment);
    if (!strstr(err.msg, fragment)) fail_msg("message \"%s\" lacks \"%s\"", err.msg, fragment);
}

/* ---- tests ---- */

static void test_primitive(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray a;
    sch(&s, "i", "x", 0);
    int32_t v[5] = {1, 2, 3, 4, 5};
    mk_i32(&a, v, 5, "11011");
    expect_ok(&s, &a);

    a.null_count = -1; /* unknown: fine */
    expect_ok(&s, &a);
    a.null_count = 2;
    expect_fail(&s, &a, "column 'x': null_count is 2 but the validity bitmap has 1 nulls");
    a.null_count = 6;
    expect_fail(&s, &a, "exceeds length");
    a.null_count = -2;
    expect_fail(&s, &a, "negative");
    a.null_count = 1;

    a.offset = 1;
    a.length = 4;
    expect_ok(&s, &a);
    a.offset = 2;
    a.length = 3;
    a.null_count = 0;
    expect_fail(&s, &a, "null_count is 0 but the validity bitmap has 1 nulls");
    a.offset = 0;
    a.length = 5;
    a.null_count = 1;

    a.length = -1;
    expect_fail(&s, &a, "length -1 is negative");
    a.length = 5;
    a.offset = -3;
    expect_fail(&s, &a, "offset -3 is negative");
    a.offset = INT64_MAX - 2;
    expect_fail(&s, &a, "overflows");
    a.offset = 0;

    /* validity absent */
    rr_arrow_array_set_buffer_owned(&a, 0, NULL);
    a.null_count = 0;
    expect_ok(&s, &a);
    a.null_count = 1;
    expect_fail(&s, &a, "validity bitmap is NULL but null_count is 1");
    a.null_count = 0;

    /* data buffer absent */
    void *saved = (void *)a.buffers[1];
    a.buffers[1] = NULL;
    expect_fail(&s, &a, "buffer 1 (data) is NULL");
    a.length = 0;
    expect_ok(&s, &a); /* an empty array needs no data */
    a.buffers[1] = saved;
    a.length = 5;

    a.n_buffers = 3;
    expect_fail(&s, &a, "array has 3 buffers, type int32 has 2");
    a.n_buffers = 2;

    void (*rel)(struct ArrowArray *) = a.release;
    a.release = NULL;
    expect_fail(&s, &a, "released");
    a.release = rel;

    struct ArrowSchema bad;
    sch(&bad, "q", "x", 0);
    expect_fail(&bad, &a, "format");
    rr_arrow_schema_release(&bad);

    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

static void test_every_fixed_width(void **state) {
    (void)state;
    const char *formats[] = {"b",   "c",   "C",   "s",   "S",      "i",        "I",
                             "l",   "L",   "e",   "f",   "g",      "w:3",      "tdD",
                             "tdm", "tts", "ttn", "tsu:UTC",       "tDm",      "tiM",
                             "tiD", "tin", "d:9,2,32", "d:18,2,64", "d:30,2", "d:60,2,256"};
    for (size_t f = 0; f < sizeof formats / sizeof *formats; f++) {
        struct ArrowSchema s;
        struct ArrowArray a;
        sch(&s, formats[f], "v", 0);
        arr(&a, 2, 0, false, 10);
        rr_arrow_array_alloc_buffer(&a, 1, 10 * 32);
        set_validity(&a, "1111111110");
        expect_ok(&s, &a);
        /* buffer sizes: validity 2 bytes; data by bit width */
        rr_arrow_type_t t;
        rr_arrow_type_parse(formats[f], &t, NULL);
        int64_t bits = rr_arrow_type_layout(&t).data_bit_width;
        int64_t need = (10 * bits + 7) / 8;
        int64_t sizes[2] = {2, need};
        expect_sized(&s, &a, sizes, 2, NULL);
        sizes[1] = need - 1;
        expect_sized(&s, &a, sizes, 2, "buffer 1 (data) has");
        sizes[1] = need;
        sizes[0] = 1;
        expect_sized(&s, &a, sizes, 2, "buffer 0 (validity) has 1 bytes, 2 needed");
        rr_arrow_array_release(&a);
        rr_arrow_schema_release(&s);
    }
}

static void test_null_type(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray a;
    sch(&s, "n", "nothing", 0);
    arr(&a, 0, 0, false, 7);
    a.null_count = 7;
    expect_ok(&s, &a);
    expect_sized(&s, &a, NULL, 0, NULL);
    rr_arrow_array_release(&a);
    arr(&a, 1, 0, false, 7);
    expect_fail(&s, &a, "array has 1 buffers, type null has 0");
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

static void test_strings(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray a;
    sch(&s, "u", "name", 0);
    const char *v[4] = {"ab", "", "cde", "f"};
    mk_str(&a, v, 4, "1011");
    expect_ok(&s, &a);
    int64_t sizes[3] = {1, 20, 6};
    expect_sized(&s, &a, sizes, 3, NULL);
    sizes[2] = 5;
    expect_sized(&s, &a, sizes, 3, "data buffer has 5 bytes but the last offset is 6");
    sizes[2] = 6;
    sizes[1] = 19;
    expect_sized(&s, &a, sizes, 3, "buffer 1 (offsets) has 19 bytes, 20 needed");
    sizes[1] = 20;
    expect_sized(&s, &a, sizes, 2, "only 2 buffer sizes given");
    int64_t more[4] = {1, 20, 6, 0};
    expect_sized(&s, &a, more, 4, "4 buffer sizes given, the array has 3 buffers");

    int32_t *o = (int32_t *)a.buffers[1];
    o[2] = 1; /* 0 2 1 5 6 */
    expect_fail(&s, &a, "column 'name': offset 2 (1) is less than offset 1 (2)");
    o[2] = 2;
    o[0] = -1;
    expect_fail(&s, &a, "offset 0 (-1) is negative");
    o[0] = 0;
    /* a slice starting past a bad region is fine */
    o[1] = 7;
    expect_fail(&s, &a, "offset 2 (2) is less than offset 1 (7)");
    a.offset = 2;
    a.length = 2;
    a.null_count = 0;
    expect_ok(&s, &a);
    o[1] = 2;
    a.offset = 0;
    a.length = 4;
    a.null_count = 1;

    const void *data = a.buffers[2];
    a.buffers[2] = NULL;
    expect_fail(&s, &a, "buffer 2 (data) is NULL");
    a.buffers[2] = data;
    rr_arrow_array_release(&a);

    /* all empty strings: the data buffer may be absent */
    const char *empties[3] = {"", "", ""};
    mk_str(&a, empties, 3, NULL);
    rr_arrow_array_set_buffer_owned(&a, 2, NULL);
    expect_ok(&s, &a);
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);

    /* large_binary */
    sch(&s, "Z", "blob", 0);
    arr(&a, 3, 0, false, 3);
    int64_t *lo = rr_arrow_array_alloc_buffer(&a, 1, 4 * 8);
    lo[0] = 0;
    lo[1] = 3;
    lo[2] = 3;
    lo[3] = 10;
    rr_arrow_array_alloc_buffer(&a, 2, 10);
    expect_ok(&s, &a);
    int64_t lsizes[3] = {0, 32, 9};
    expect_sized(&s, &a, lsizes, 3, "data buffer has 9 bytes but the last offset is 10");
    lo[2] = 2;
    expect_fail(&s, &a, "offset 2 (2) is less than offset 1 (3)");
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

static void test_long_offsets(void **state) {
    (void)state;
    /* long enough for the block scans; the fault sits past the first blocks */
    enum { N = 2000 };
    struct ArrowSchema s;
    struct ArrowArray a;
    sch(&s, "z", "bin", 0);
    arr(&a, 3, 0, false, N);
    int32_t *o = rr_arrow_array_alloc_buffer(&a, 1, (N + 1) * 4);
    for (int i = 0; i <= N; i++) o[i] = i * 2;
    rr_arrow_array_alloc_buffer(&a, 2, N * 2);
    expect_ok(&s, &a);
    o[1537] = 3000;
    expect_fail(&s, &a, "offset 1537 (3000) is less than offset 1536 (3072)");
    o[1537] = 3074;
    o[N] = N * 2 - 3;
    expect_fail(&s, &a, "offset 2000 (3997) is less than offset 1999 (3998)");
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

static void test_lists(void **state) {
    (void)state;
    struct ArrowSchema s;
    sch(&s, "+s", "", 1);
    sch(s.children[0], "+l", "a", 1);
    sch(s.children[0]->children[0], "u", "item", 0);

    const char *items[5] = {"p", "q", "r", "s", "t"};
    struct ArrowArray child, list, batch;
    mk_str(&child, items, 5, "11101");
    int32_t offs[4] = {0, 2, 2, 5};
    mk_list(&list, offs, 3, &child);
    arr(&batch, 1, 1, false, 3);
    rr_arrow_array_move(&list, batch.children[0]);
    expect_ok(&s, &batch);

    /* sizes: batch validity omitted as IPC does; list validity, offsets, then
     * the child's three buffers */
    int64_t sizes[5] = {0, 16, 1, 24, 5};
    expect_sized(&s, &batch, sizes, 5, NULL);
    int64_t with_root[6] = {0, 0, 16, 1, 24, 5};
    expect_sized(&s, &batch, with_root, 6, NULL);
    sizes[4] = 4;
    expect_sized(&s, &batch, sizes, 5,
                 "column 'a' > child 'item': data buffer has 4 bytes but the last offset is 5");

    struct ArrowArray *l = batch.children[0];
    int32_t *o = (int32_t *)l->buffers[1];
    o[3] = 6;
    expect_fail(&s, &batch, "column 'a': last offset 6 is beyond the length 5 of child 'item'");
    o[3] = 5;
    ((int32_t *)l->children[0]->buffers[1])[3] = 1;
    expect_fail(&s, &batch, "column 'a' > child 'item': offset 3 (1) is less than offset 2 (2)");
    ((int32_t *)l->children[0]->buffers[1])[3] = 3;
    expect_ok(&s, &batch);

    batch.children[0]->length = 2;
    expect_fail(&s, &batch, "child 'a' has length 2, 3 needed");
    batch.children[0]->length = 3;

    batch.n_children = 0;
    expect_fail(&s, &batch, "array has 0 children, the schema has 1");
    batch.n_children = 1;
    rr_arrow_array_release(&batch);
    rr_arrow_schema_release(&s);

    /* large list with a sliced parent */
    sch(&s, "+L", "big", 1);
    sch(s.children[0], "i", "item", 0);
    int32_t vals[6] = {1, 2, 3, 4, 5, 6};
    struct ArrowArray a;
    mk_i32(&child, vals, 6, NULL);
    arr(&a, 2, 1, false, 3);
    int64_t *lo = rr_arrow_array_alloc_buffer(&a, 1, 4 * 8);
    lo[0] = 0;
    lo[1] = 1;
    lo[2] = 4;
    lo[3] = 6;
    rr_arrow_array_move(&child, a.children[0]);
    expect_ok(&s, &a);
    a.offset = 1;
    a.length = 2;
    expect_ok(&s, &a);
    a.children[0]->length = 5;
    expect_fail(&s, &a, "column 'big': last offset 6 is beyond the length 5 of child 'item'");
    a.length = 1;
    expect_ok(&s, &a);
    a.n_children = 0;
    expect_fail(&s, &a, "column 'big': array has 0 children, the schema has 1");
    a.n_children = 1;
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

static void test_fixed_size_list_struct(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray a, child;
    sch(&s, "+w:3", "xyz", 1);
    sch(s.children[0], "i", "item", 0);
    int32_t v[9] = {0};
    mk_i32(&child, v, 9, NULL);
    arr(&a, 1, 1, false, 3);
    rr_arrow_array_move(&child, a.children[0]);
    expect_ok(&s, &a);
    a.children[0]->length = 8;
    expect_fail(&s, &a, "column 'xyz': child 'item' has length 8, 9 needed for 3 lists of 3");
    a.offset = 1;
    a.length = 1;
    expect_ok(&s, &a);
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);

    sch(&s, "+s", "st", 2);
    sch(s.children[0], "i", "p", 0);
    sch(s.children[1], "u", "q", 0);
    const char *strs[2] = {"x", "y"};
    struct ArrowArray c0, c1;
    mk_i32(&c0, v, 3, NULL);
    mk_str(&c1, strs, 2, NULL);
    arr(&a, 1, 2, false, 2);
    rr_arrow_array_move(&c0, a.children[0]);
    rr_arrow_array_move(&c1, a.children[1]);
    set_validity(&a, "01");
    expect_ok(&s, &a);
    a.length = 3;
    expect_fail(&s, &a, "null_count");
    a.buffers[0] = NULL;
    rr_arrow_array_set_buffer_owned(&a, 0, NULL);
    a.null_count = 0;
    expect_fail(&s, &a, "column 'st': child 'q' has length 2, 3 needed");
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

static void test_map(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray a, entries, k, v;
    sch(&s, "+m", "m", 1);
    sch(s.children[0], "+s", "entries", 2);
    sch(s.children[0]->children[0], "u", "key", 0);
    sch(s.children[0]->children[1], "i", "value", 0);
    const char *keys[3] = {"a", "b", "c"};
    int32_t vals[3] = {1, 2, 3};
    mk_str(&k, keys, 3, NULL);
    mk_i32(&v, vals, 3, "101");
    arr(&entries, 1, 2, false, 3);
    rr_arrow_array_move(&k, entries.children[0]);
    rr_arrow_array_move(&v, entries.children[1]);
    int32_t offs[3] = {0, 1, 3};
    mk_list(&a, offs, 2, &entries);
    expect_ok(&s, &a);
    a.children[0]->children[1]->null_count = 0;
    expect_fail(&s, &a, "column 'm' > child 'entries' > child 'value': null_count is 0");
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);

    /* a map whose child is not a struct */
    sch(&s, "+m", "m", 1);
    sch(s.children[0], "i", "entries", 0);
    mk_i32(&v, vals, 3, NULL);
    mk_list(&a, offs, 2, &v);
    expect_fail(&s, &a, "map child must be a struct");
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

static void test_unions(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray a, c0, c1;
    int32_t iv[4] = {10, 11, 12, 13};
    const char *sv[4] = {"a", "b", "c", "d"};

    /* sparse, codes 5 and 2 */
    sch(&s, "+us:5,2", "u", 2);
    sch(s.children[0], "i", "int", 0);
    sch(s.children[1], "u", "str", 0);
    mk_i32(&c0, iv, 4, NULL);
    mk_str(&c1, sv, 4, NULL);
    arr(&a, 1, 2, false, 4);
    rr_arrow_array_move(&c0, a.children[0]);
    rr_arrow_array_move(&c1, a.children[1]);
    int8_t *ids = rr_arrow_array_alloc_buffer(&a, 0, 4);
    ids[0] = 5;
    ids[1] = 2;
    ids[2] = 2;
    ids[3] = 5;
    expect_ok(&s, &a);
    int64_t sizes[7] = {4, 0, 16, 0, 20, 4};
    expect_sized(&s, &a, sizes, 6, NULL);
    sizes[0] = 3;
    expect_sized(&s, &a, sizes, 6, "buffer 0 (type ids) has 3 bytes, 4 needed");
    ids[2] = 1;
    expect_fail(&s, &a, "column 'u': slot 2: type id 1 is not one of the union's type codes");
    ids[2] = -3;
    expect_fail(&s, &a, "slot 2: type id -3 is not one of");
    ids[2] = 2;
    a.children[1]->length = 3;
    expect_fail(&s, &a, "sparse union child 'str' has length 3, 4 needed");
    a.offset = 1;
    a.length = 2;
    expect_ok(&s, &a);
    a.n_children = 1;
    expect_fail(&s, &a, "array has 1 children, the schema has 2");
    a.n_children = 2;
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);

    /* a schema declaring fewer codes than children */
    sch(&s, "+us:5", "u", 2);
    sch(s.children[0], "i", "int", 0);
    sch(s.children[1], "u", "str", 0);
    arr(&a, 1, 2, false, 0);
    arr(a.children[0], 2, 0, false, 0);
    arr(a.children[1], 3, 0, false, 0);
    expect_fail(&s, &a, "union declares 1 type codes for 2 children");
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);

    /* dense */
    sch(&s, "+ud:0,1", "d", 2);
    sch(s.children[0], "i", "int", 0);
    sch(s.children[1], "u", "str", 0);
    mk_i32(&c0, iv, 2, NULL);
    mk_str(&c1, sv, 3, NULL);
    arr(&a, 2, 2, false, 5);
    rr_arrow_array_move(&c0, a.children[0]);
    rr_arrow_array_move(&c1, a.children[1]);
    ids = rr_arrow_array_alloc_buffer(&a, 0, 5);
    int32_t *uo = rr_arrow_array_alloc_buffer(&a, 1, 5 * 4);
    int8_t want_ids[5] = {0, 1, 1, 0, 1};
    int32_t want_offs[5] = {0, 0, 1, 1, 2};
    memcpy(ids, want_ids, 5);
    memcpy(uo, want_offs, sizeof want_offs);
    expect_ok(&s, &a);
    uo[3] = 2;
    expect_fail(&s, &a, "column 'd': slot 3: union offset 2 is outside child 'int' (length 2)");
    uo[3] = -1;
    expect_fail(&s, &a, "slot 3: union offset -1 is outside child 'int'");
    uo[3] = 1;
    ids[4] = 7;
    expect_fail(&s, &a, "slot 4: type id 7 is not one of");
    ids[4] = 1;
    int64_t dsizes[8] = {5, 20, 0, 8, 0, 16, 3};
    expect_sized(&s, &a, dsizes, 7, NULL);
    dsizes[1] = 16;
    expect_sized(&s, &a, dsizes, 7, "buffer 1 (union offsets) has 16 bytes, 20 needed");
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);

    /* long dense union for the block scan */
    enum { N = 1500 };
    sch(&s, "+ud:3", "d", 1);
    sch(s.children[0], "i", "int", 0);
    int32_t *big = calloc(N, sizeof *big);
    mk_i32(&c0, big, N, NULL);
    free(big);
    arr(&a, 2, 1, false, N);
    rr_arrow_array_move(&c0, a.children[0]);
    ids = rr_arrow_array_alloc_buffer(&a, 0, N);
    uo = rr_arrow_array_alloc_buffer(&a, 1, N * 4);
    for (int i = 0; i < N; i++) {
        ids[i] = 3;
        uo[i] = N - 1 - i;
    }
    expect_ok(&s, &a);
    uo[1400] = N;
    expect_fail(&s, &a, "slot 1400: union offset 1500 is outside child 'int' (length 1500)");
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

static void test_dictionary(void **state) {
    (void)state;
    const char *index_formats[] = {"c", "C", "s", "S", "i", "I", "l", "L"};
    const int sizes[] = {1, 1, 2, 2, 4, 4, 8, 8};
    for (int f = 0; f < 8; f++) {
        struct ArrowSchema s;
        struct ArrowArray a;
        rr_error_t err = {0};
        sch(&s, index_formats[f], "dict", 0);
        struct ArrowSchema *ds = rr_arrow_schema_add_dictionary(&s, &err);
        assert_non_null(ds);
        sch(ds, "u", "", 0);
        arr(&a, 2, 0, true, 300);
        uint8_t *idx = rr_arrow_array_alloc_buffer(&a, 1, 300 * 8);
        const char *words[3] = {"x", "yy", "zzz"};
        mk_str(a.dictionary, words, 3, NULL);
        for (int i = 0; i < 300; i++) idx[i * sizes[f]] = (uint8_t)(i % 3);
        expect_ok(&s, &a);
        idx[257 * sizes[f]] = 3;
        expect_fail(&s, &a, "column 'dict': slot 257: dictionary index 3 is outside the dictionary "
                            "(length 3)");
        /* make slot 257 null: its index no longer matters */
        char valid[301];
        memset(valid, '1', 300);
        valid[300] = 0;
        valid[257] = '0';
        set_validity(&a, valid);
        expect_ok(&s, &a);
        /* negative / huge: all bytes 0xff */
        memset(idx + 12 * sizes[f], 0xff, (size_t)sizes[f]);
        expect_fail(&s, &a, "slot 12: dictionary index");
        memset(idx + 12 * sizes[f], 0, (size_t)sizes[f]);
        /* a bad dictionary is reported under its path */
        ((int32_t *)a.dictionary->buffers[1])[1] = 5;
        expect_fail(&s, &a, "column 'dict' > dictionary: offset 2 (3) is less than offset 1 (5)");
        ((int32_t *)a.dictionary->buffers[1])[1] = 1;
        /* sized: the dictionary's buffers are not in the list */
        int64_t bs[2] = {38, 300 * sizes[f]};
        expect_sized(&s, &a, bs, 2, NULL);
        rr_arrow_array_release(&a);

        arr(&a, 2, 0, false, 0);
        expect_fail(&s, &a, "the schema is dictionary-encoded but the array has no dictionary");
        rr_arrow_array_release(&a);
        rr_arrow_schema_release(&s);
    }

    /* value index types only */
    struct ArrowSchema s;
    struct ArrowArray a;
    rr_error_t err = {0};
    sch(&s, "f", "dict", 0);
    sch(rr_arrow_schema_add_dictionary(&s, &err), "u", "", 0);
    arr(&a, 2, 0, true, 0);
    arr(a.dictionary, 3, 0, false, 0);
    expect_fail(&s, &a, "dictionary index type float32 is not an integer type");
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

static void test_dictionary_edges(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray a;
    rr_error_t err = {0};
    sch(&s, "c", "d", 0);
    sch(rr_arrow_schema_add_dictionary(&s, &err), "i", "", 0);
    /* a dictionary longer than the index type can address */
    int32_t *big = calloc(300, sizeof *big);
    arr(&a, 2, 0, true, 3);
    int8_t *idx = rr_arrow_array_alloc_buffer(&a, 1, 3);
    idx[0] = 127;
    idx[1] = 0;
    idx[2] = 5;
    mk_i32(a.dictionary, big, 300, NULL);
    expect_ok(&s, &a);
    idx[1] = -128;
    expect_fail(&s, &a, "slot 1: dictionary index -128 is outside the dictionary (length 300)");
    rr_arrow_array_release(&a);
    /* an empty dictionary: only null slots are possible */
    arr(&a, 2, 0, true, 3);
    rr_arrow_array_alloc_buffer(&a, 1, 3);
    mk_i32(a.dictionary, big, 0, NULL);
    set_validity(&a, "000");
    expect_ok(&s, &a);
    rr_arrow_array_release(&a);
    arr(&a, 2, 0, true, 3);
    rr_arrow_array_alloc_buffer(&a, 1, 3);
    mk_i32(a.dictionary, big, 0, NULL);
    set_validity(&a, "001");
    expect_fail(&s, &a, "slot 2: dictionary index 0 is outside the dictionary (length 0)");
    rr_arrow_array_release(&a);
    free(big);
    rr_arrow_schema_release(&s);
}

static void test_sizes_argument(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray a;
    sch(&s, "i", "x", 0);
    int32_t v[2] = {1, 2};
    mk_i32(&a, v, 2, NULL);
    int64_t sizes[2] = {-1, 8};
    expect_sized(&s, &a, sizes, 2, "buffer 0 (validity) has negative size -1");
    sizes[0] = 0;
    expect_sized(&s, &a, sizes, 2, NULL);
    rr_arrow_buffer_sizes_t bs = {NULL, 3};
    rr_error_t err = {0};
    assert_int_equal(rr_arrow_validate_sized(&s, &a, &bs, &err), RR_ERR_INVALID_ARG);
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

static void test_depth_limit(void **state) {
    (void)state;
    enum { DEPTH = 100 };
    struct ArrowSchema s;
    struct ArrowArray a;
    sch(&s, "+l", "deep", 1);
    arr(&a, 2, 1, false, 0);
    struct ArrowSchema *sp = &s;
    struct ArrowArray *ap = &a;
    for (int d = 1; d < DEPTH; d++) {
        sp = sp->children[0];
        ap = ap->children[0];
        sch(sp, "+l", "item", 1);
        arr(ap, 2, 1, false, 0);
    }
    sch(sp->children[0], "i", "item", 0);
    arr(ap->children[0], 2, 0, false, 0);
    expect_fail(&s, &a, "nested deeper than");
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

static void test_utf8(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray a;
    rr_error_t err = {0};
    sch(&s, "u", "txt", 0);
    const char *good[5] = {"plain ascii text", "h\xc3\xa9llo", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                           ""};
    mk_str(&a, good, 5, NULL);
    assert_rr_ok(rr_arrow_validate_utf8(&s, &a, &err), &err);
    rr_arrow_array_release(&a);

    struct {
        const char *s;
        const char *fragment;
    } bad[] = {
        {"ok\xff", "slot 1: invalid UTF-8 at byte 2"},
        {"\xc0\xaf", "slot 1: invalid UTF-8 at byte 0"},          /* overlong */
        {"\xed\xa0\x80", "slot 1: invalid UTF-8"},                 /* surrogate */
        {"\xf4\x90\x80\x80", "slot 1: invalid UTF-8"},             /* > U+10FFFF */
        {"abcdefghij\xe2\x82", "slot 1: invalid UTF-8 at byte 10"}, /* truncated */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *strs[3] = {"fine", bad[i].s, "after"};
        mk_str(&a, strs, 3, NULL);
        assert_int_equal(rr_arrow_validate_utf8(&s, &a, &err), RR_ERR_INVALID_DATA);
        if (!strstr(err.msg, bad[i].fragment))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, bad[i].fragment);
        assert_non_null(strstr(err.msg, "column 'txt'"));
        rr_arrow_array_release(&a);
    }

    /* a character split across two strings */
    const char *split[2] = {"\xc3", "\xa9"};
    mk_str(&a, split, 2, NULL);
    assert_int_equal(rr_arrow_validate_utf8(&s, &a, &err), RR_ERR_INVALID_DATA);
    rr_arrow_array_release(&a);
    const char *whole[1] = {"\xc3\xa9"};
    mk_str(&a, whole, 1, NULL);
    ((int32_t *)a.buffers[1])[0] = 1; /* starts on the continuation byte */
    assert_int_equal(rr_arrow_validate_utf8(&s, &a, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "slot 0"));
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);

    /* nested: list<utf8>, invalid inside */
    sch(&s, "+l", "l", 1);
    sch(s.children[0], "U", "item", 0);
    struct ArrowArray child;
    arr(&child, 3, 0, false, 2);
    int64_t *o = rr_arrow_array_alloc_buffer(&child, 1, 3 * 8);
    char *d = rr_arrow_array_alloc_buffer(&child, 2, 3);
    o[0] = 0;
    o[1] = 1;
    o[2] = 3;
    memcpy(d, "a\xe2\x82", 3);
    int32_t lo[2] = {0, 2};
    mk_list(&a, lo, 1, &child);
    assert_int_equal(rr_arrow_validate_utf8(&s, &a, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "column 'l' > child 'item': slot 1"));
    rr_arrow_array_release(&a);
    rr_arrow_schema_release(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_primitive),      cmocka_unit_test(test_every_fixed_width),
        cmocka_unit_test(test_null_type),      cmocka_unit_test(test_strings),
        cmocka_unit_test(test_long_offsets),   cmocka_unit_test(test_lists),
        cmocka_unit_test(test_fixed_size_list_struct), cmocka_unit_test(test_map),
        cmocka_unit_test(test_unions),         cmocka_unit_test(test_dictionary),      cmocka_unit_test(test_dictionary_edges),
        cmocka_unit_test(test_sizes_argument), cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
