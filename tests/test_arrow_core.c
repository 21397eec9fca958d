/* Tests of the Arrow core: format strings, schemas and metadata, arrays,
 * blobs and sharing. */
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/schema.h"
#include "arrow/type.h"
#include "base/mem.h"
#include "testutil.h"

static void test_format_roundtrip(void **state) {
    (void)state;
    const char *formats[] = {"n",    "b",        "c",        "C",          "s",      "S",
                             "i",    "I",        "l",        "L",          "e",      "f",
                             "g",    "z",        "Z",        "u",          "U",      "w:16",
                             "tdD",  "tdm",      "tts",      "ttm",        "ttu",    "ttn",
                             "tss:", "tsn:UTC",  "tsu:Europe/Paris",        "tDs",    "tDn",
                             "tiM",  "tiD",      "tin",      "d:10,2",     "d:76,3,256",
                             "+l",   "+L",       "+w:3",     "+s",         "+m",     "+ud:0,1,5",
                             "+us:2,7"};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        rr_arrow_type_t t;
        rr_error_t err = {0};
        assert_rr_ok(rr_arrow_type_parse(formats[i], &t, &err), &err);
        char out[64];
        assert_rr_ok(rr_arrow_type_format(&t, out, sizeof out, &err), &err);
        assert_string_equal(out, formats[i]);
    }
}

static void test_format_rejects(void **state) {
    (void)state;
    const char *bad[] = {"", "x", "w:", "w:-1", "d:", "d:1", "d:1,2,7", "tx", "tsx:", "+w:",
                         "+ud:1,", "+ud:200", "+ux:1", "ii", "tdX"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rr_arrow_type_t t;
        rr_error_t err = {0};
        assert_int_not_equal(rr_arrow_type_parse(bad[i], &t, &err), RR_OK);
        assert_true(strlen(err.msg) > 0);
    }
}

static void test_layouts(void **state) {
    (void)state;
    rr_arrow_type_t t;
    rr_arrow_type_parse("u", &t, NULL);
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    assert_int_equal(l.n_buffers, 3);
    assert_int_equal(l.kinds[1], RR_ARROW_BUF_OFFSETS32);
    rr_arrow_type_parse("+ud:0,1", &t, NULL);
    l = rr_arrow_type_layout(&t);
    assert_int_equal(l.n_buffers, 2);
    assert_int_equal(l.kinds[0], RR_ARROW_BUF_TYPE_IDS);
    rr_arrow_type_parse("w:7", &t, NULL);
    assert_int_equal(rr_arrow_type_layout(&t).data_bit_width, 56);
    rr_arrow_type_parse("n", &t, NULL);
    assert_int_equal(rr_arrow_type_layout(&t).n_buffers, 0);
}

static void test_schema_metadata_copy_equal(void **state) {
    (void)state;
    rr_error_t err = {0};
    struct ArrowSchema s;
    assert_rr_ok(rr_arrow_schema_init(&s, "+s", "", 0, 2, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(s.children[0], "+l", "points", ARROW_FLAG_NULLABLE, 1, &err),
                 &err);
    assert_rr_ok(rr_arrow_schema_init(s.children[0]->children[0], "+w:3", "item", 0, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(s.children[0]->children[0]->children[0], "f", "item", 0, 0,
                                      &err),
                 &err);
    assert_rr_ok(rr_arrow_schema_init(s.children[1], "c", "dict", 0, 0, &err), &err);
    struct ArrowSchema *d = rr_arrow_schema_add_dictionary(s.children[1], &err);
    assert_non_null(d);
    assert_rr_ok(rr_arrow_schema_init(d, "u", "", 0, 0, &err), &err);
    rr_arrow_kv_t kv[2] = {{"rerun:kind", 10, "data", 4}, {"empty", 5, "", 0}};
    assert_rr_ok(rr_arrow_schema_set_metadata(s.children[0], kv, 2, &err), &err);

    assert_int_equal(rr_arrow_metadata_count(s.children[0]->metadata), 2);
    rr_arrow_kv_t got;
    assert_true(rr_arrow_metadata_find(s.children[0]->metadata, "rerun:kind", &got));
    assert_int_equal(got.value_len, 4);
    assert_memory_equal(got.value, "data", 4);
    assert_false(rr_arrow_metadata_find(s.children[0]->metadata, "nope", NULL));
    assert_int_equal(rr_arrow_metadata_size(s.children[0]->metadata), 4 + 8 + 10 + 4 + 8 + 5);

    struct ArrowSchema c;
    assert_rr_ok(rr_arrow_schema_copy(&s, &c, &err), &err);
    assert_true(rr_arrow_schema_equal(&s, &c, &err));
    assert_rr_ok(rr_arrow_schema_set_name(c.children[0]->children[0], "other", &err), &err);
    assert_false(rr_arrow_schema_equal(&s, &c, &err));
    assert_non_null(strstr(err.msg, "points.item"));
    rr_arrow_schema_release(&c);
    rr_arrow_schema_release(&s);
    assert_null(s.release);
}

static int g_freed;
static void count_free(void *ctx) {
    (void)ctx;
    g_freed++;
}

static void test_array_blob_share(void **state) {
    (void)state;
    rr_error_t err = {0};
    static const int32_t values[4] = {1, 2, 3, 4};
    rr_arrow_blob_t *blob = rr_arrow_blob_wrap(values, sizeof values, count_free, NULL);
    struct ArrowArray a;
    assert_rr_ok(rr_arrow_array_init(&a, 2, 0, false, &err), &err);
    a.length = 4;
    rr_arrow_array_set_buffer_blob(&a, 1, values, blob);
    rr_arrow_blob_release(blob);
    assert_int_equal(g_freed, 0);
    uint8_t *bits = rr_arrow_array_alloc_buffer(&a, 0, 1);
    bits[0] = 0x0b; /* slots 0,1,3 valid */
    a.null_count = 1;
    assert_true(rr_arrow_array_is_valid(&a, 0));
    assert_false(rr_arrow_array_is_valid(&a, 2));

    struct ArrowArray b;
    assert_rr_ok(rr_arrow_array_share(&a, &b, &err), &err);
    assert_ptr_equal(a.buffers[1], b.buffers[1]);
    rr_arrow_array_release(&a);
    assert_int_equal(g_freed, 0);
    assert_int_equal(((const int32_t *)b.buffers[1])[3], 4);
    rr_arrow_array_release(&b);
    assert_int_equal(g_freed, 1);
}

static void test_bitmap_count(void **state) {
    (void)state;
    uint8_t bits[40];
    for (int i = 0; i < 40; i++) bits[i] = (uint8_t)(i * 37 + 11);
    for (int off = 0; off < 20; off++)
        for (int len = 0; len < 300; len += 7) {
            int64_t want = 0;
            for (int i = off; i < off + len; i++) want += rr_arrow_bit_get(bits, i);
            assert_int_equal(rr_arrow_bitmap_count_set(bits, off, len), want);
        }
}

static void test_buf_arena(void **state) {
    (void)state;
    rr_buf_t b = {0};
    for (int i = 0; i < 1000; i++) assert_int_equal(rr_buf_append(&b, "abc", 3), RR_OK);
    assert_int_equal(b.len, 3000);
    assert_int_equal(rr_buf_pad_to(&b, 64), RR_OK);
    assert_int_equal(b.len % 64, 0);
    assert_int_equal((uintptr_t)b.data % RR_ALIGNMENT, 0);
    rr_buf_free(&b);
    rr_arena_t ar = {0};
    for (int i = 0; i < 10000; i++) {
        char *s = rr_arena_strndup(&ar, "hello", 5);
        assert_string_equal(s, "hello");
    }
    void *big = rr_arena_alloc(&ar, 1 << 20);
    assert_non_null(big);
    rr_arena_reset(&ar);
    assert_non_null(rr_arena_alloc(&ar, 10));
    rr_arena_free(&ar);
}

static void test_error_prefix(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_error_set(&err, RR_ERR_INVALID_DATA, "slot %d bad", 3);
    rr_error_prefix(&err, "column '%s': ", "x");
    assert_string_equal(err.msg, "column 'x': slot 3 bad");
    assert_int_equal(err.code, RR_ERR_INVALID_DATA);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_roundtrip),  cmocka_unit_test(test_format_rejects),
        cmocka_unit_test(test_layouts),           cmocka_unit_test(test_schema_metadata_copy_equal),
        cmocka_unit_test(test_array_blob_share),  cmocka_unit_test(test_bitmap_count),
        cmocka_unit_test(test_buf_arena),         cmocka_unit_test(test_error_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
