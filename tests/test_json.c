/* Tests of the strict JSON parser and writer (base/json.h): the RFC grammar,
 * escapes and surrogate pairs, UTF-8 checks, depth limits, truncation,
 * error positions, exact integers, and writer round trips. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/mem.h"
#include "testutil.h"

static rr_status_t parse(const char *s, rr_arena_t *a, rr_json_value_t **v, rr_error_t *err) {
    return rr_json_parse(s, strlen(s), NULL, a, v, err);
}

static void test_valid_documents(void **state) {
    (void)state;
    const char *ok[] = {"0", "-0", "1.5e3", "-12.25E-2", "1E+2", "true", "false", "null",
                        "\"\"", "[]", "{}", " [ 1 , 2 ,3 ] ", "{\"a\":{\"b\":[null]}}",
                        "\t\r\n42\n", "\"\\u00e9\"", "[[[[]]]]", "{\"\":0}"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        rr_arena_t a = {0};
        rr_json_value_t *v;
        rr_error_t err = {0};
        rr_status_t st = parse(ok[i], &a, &v, &err);
        if (st != RR_OK) fail_msg("'%s': %s", ok[i], err.msg);
        rr_arena_free(&a);
    }
}

static void test_invalid_documents(void **state) {
    (void)state;
    const char *bad[] = {"",          " ",          "01",         "1.",        ".5",
                         "+1",        "1e",         "-",          "[1,]",      "{\"a\":1,}",
                         "[1 2]",     "{a:1}",      "{'a':1}",    "NaN",       "Infinity",
                         "tru",       "truex",      "nul",        "[",         "{\"a\"}",
                         "\"abc",     "\"\\x\"",    "\"a\tb\"",   "\"\\u12\"", "\"\\uZZZZ\"",
                         "[1]]",      "1 2",        "\xEF\xBB\xBF{}", "// c\n1",  "\"\\ud800\"",
                         "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\xC0\xAF\"", "\"\xED\xA0\x80\"",
                         "\"\xF4\x90\x80\x80\"", "\"\xFF\"", "[\"a\"\x00]", "0x10", "-01"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rr_arena_t a = {0};
        rr_json_value_t *v = (rr_json_value_t *)1;
        rr_error_t err = {0};
        size_t len = strlen(bad[i]);
        if (i == 36) len = 6; /* the embedded NUL case */
        rr_status_t st = rr_json_parse(bad[i], len, NULL, &a, &v, &err);
        if (st == RR_OK) fail_msg("accepted invalid JSON #%zu '%s'", i, bad[i]);
        assert_null(v);
        assert_non_null(strstr(err.msg, "line "));
        rr_arena_free(&a);
    }
}

static void test_error_positions_and_truncation(void **state) {
    (void)state;
    rr_arena_t a = {0};
    rr_json_value_t *v;
    rr_error_t err = {0};
    assert_int_equal(parse("{\n  \"a\": [1,\n    2,, 3]\n}", &a, &v, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "line 3, column 7"));
    /* Every strict prefix of a document is truncated, never accepted. */
    const char *doc = "{\"k\": [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\", true, null, {}]}";
    size_t n = strlen(doc);
    for (size_t i = 0; i < n; i++) {
        rr_arena_t b = {0};
        rr_status_t st = rr_json_parse(doc, i, NULL, &b, &v, &err);
        if (st != RR_ERR_TRUNCATED) fail_msg("prefix %zu: status %d (%s)", i, st, err.msg);
        rr_arena_free(&b);
    }
    assert_rr_ok(rr_json_parse(doc, n, NULL, &a, &v, &err), &err);
    /* A UTF-8 sequence cut by the end of input is truncation too. */
    assert_int_equal(rr_json_parse("\"\xE2\x82", 3, NULL, &a, &v, &err), RR_ERR_TRUNCATED);
    rr_arena_free(&a);
}

static void test_strings_and_surrogates(void **state) {
    (void)state;
    rr_arena_t a = {0};
    rr_json_value_t *v;
    rr_error_t err = {0};
    assert_rr_ok(parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0000\\u20AC\\ud83d\\ude00\xC3\xA9\"", &a,
                       &v, &err),
                 &err);
    assert_int_equal(v->type, RR_JSON_STRING);
    const char want[] = "a\"b\\c/d\b\f\n\r\t\0\xE2\x82\xAC\xF0\x9F\x98\x80\xC3\xA9";
    assert_int_equal(v->u.string.len, sizeof want - 1);
    assert_memory_equal(v->u.string.ptr, want, sizeof want - 1);
    assert_int_equal(v->u.string.ptr[v->u.string.len], 0);
    rr_arena_free(&a);
}

static void test_depth_limit(void **state) {
    (void)state;
    char buf[2 * 300 + 1];
    for (int depth = 255; depth <= 257; depth++) {
        memset(buf, '[', (size_t)depth);
        memset(buf + depth, ']', (size_t)depth);
        rr_arena_t a = {0};
        rr_json_value_t *v;
        rr_error_t err = {0};
        rr_status_t st = rr_json_parse(buf, 2 * (size_t)depth, NULL, &a, &v, &err);
        if (depth <= 256)
            assert_rr_ok(st, &err);
        else {
            assert_int_equal(st, RR_ERR_INVALID_DATA);
            assert_non_null(strstr(err.msg, "nesting"));
        }
        rr_arena_free(&a);
    }
    /* Very deep input does not overflow the C stack. */
    size_t big = 1000000;
    char *deep = malloc(big);
    memset(deep, '[', big);
    rr_arena_t a = {0};
    rr_json_value_t *v;
    rr_error_t err = {0};
    assert_int_equal(rr_json_parse(deep, big, NULL, &a, &v, &err), RR_ERR_INVALID_DATA);
    free(deep);
    rr_json_parse_options_t o = {.max_depth = 2};
    assert_int_not_equal(rr_json_parse("[[[]]]", 6, &o, &a, &v, &err), RR_OK);
    assert_rr_ok(rr_json_parse("[[]]", 4, &o, &a, &v, &err), &err);
    rr_arena_free(&a);
}

static void test_numbers_exact(void **state) {
    (void)state;
    rr_arena_t a = {0};
    rr_json_value_t *v;
    rr_error_t err = {0};
    assert_rr_ok(parse("[9223372036854775807, \"-9223372036854775808\", 18446744073709551615, "
                       "9223372036854775808, 1.0, 1e3, \"007\", 0.1]",
                       &a, &v, &err),
                 &err);
    rr_json_value_t **it = v->u.array.items;
    int64_t i;
    uint64_t u;
    assert_rr_ok(rr_json_to_i64(it[0], &i, &err), &err);
    assert_true(i == INT64_MAX);
    assert_rr_ok(rr_json_to_i64(it[1], &i, &err), &err);
    assert_true(i == INT64_MIN);
    assert_rr_ok(rr_json_to_u64(it[2], &u, &err), &err);
    assert_true(u == UINT64_MAX);
    assert_int_not_equal(rr_json_to_i64(it[3], &i, &err), RR_OK);
    assert_int_not_equal(rr_json_to_i64(it[4], &i, &err), RR_OK);
    assert_int_not_equal(rr_json_to_i64(it[5], &i, &err), RR_OK);
    assert_int_not_equal(rr_json_to_i64(it[6], &i, &err), RR_OK);
    assert_string_equal(it[7]->u.number.text, "0.1");
    assert_true(it[7]->u.number.value == 0.1);
    assert_true(it[5]->u.number.value == 1000.0);
    assert_false(rr_json_parse_u64("18446744073709551616", 20, &u));
    assert_false(rr_json_parse_i64("-", 1, &i));
    assert_false(rr_json_parse_i64("", 0, &i));
    rr_arena_free(&a);
}

static void test_duplicates_and_get(void **state) {
    (void)state;
    rr_arena_t a = {0};
    rr_json_value_t *v;
    rr_error_t err = {0};
    const char *doc = "{\"a\":1,\"b\":2,\"a\":3}";
    assert_rr_ok(parse(doc, &a, &v, &err), &err);
    assert_string_equal(rr_json_get(v, "a")->u.number.text, "1");
    assert_null(rr_json_get(v, "c"));
    rr_json_parse_options_t o = {.reject_duplicate_keys = true};
    assert_int_equal(rr_json_parse(doc, strlen(doc), &o, &a, &v, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "duplicate key \"a\""));
    /* Large objects go through the sorted check. */
    char big[4096];
    size_t n = 0;
    n += (size_t)snprintf(big + n, sizeof big - n, "{");
    for (int k = 0; k < 40; k++)
        n += (size_t)snprintf(big + n, sizeof big - n, "%s\"k%d\":%d", k ? "," : "", k % 39, k);
    snprintf(big + n, sizeof big - n, "}");
    assert_int_equal(rr_json_parse(big, strlen(big), &o, &a, &v, &err), RR_ERR_INVALID_DATA);
    rr_arena_free(&a);
}

static void test_writer_roundtrip(void **state) {
    (void)state;
    for (int indent = 0; indent <= 2; indent += 2) {
        rr_buf_t b = {0};
        rr_json_writer_t w;
        rr_json_writer_init(&w, &b, indent);
        rr_json_begin_object(&w);
        rr_json_key(&w, "s");
        rr_json_string_n(&w, "q\"\\\n\x01\xE2\x82\xAC\0z", 10);
        rr_json_key(&w, "nums");
        rr_json_begin_array(&w);
        rr_json_int(&w, INT64_MIN);
        rr_json_uint(&w, UINT64_MAX);
        rr_json_double(&w, 0.1);
        rr_json_double(&w, -1e300);
        rr_json_float(&w, 641.818f);
        rr_json_bool(&w, true);
        rr_json_null(&w);
        rr_json_begin_object(&w);
        rr_json_end_object(&w);
        rr_json_end_array(&w);
        rr_json_key(&w, "empty");
        rr_json_begin_array(&w);
        rr_json_end_array(&w);
        rr_json_end_object(&w);
        rr_error_t err = {0};
        assert_rr_ok(rr_json_writer_finish(&w, &err), &err);

        rr_arena_t a = {0};
        rr_json_value_t *v;
        assert_rr_ok(rr_json_parse((const char *)b.data, b.len, NULL, &a, &v, &err), &err);
        const rr_json_value_t *s = rr_json_get(v, "s");
        assert_int_equal(s->u.string.len, 10);
        assert_memory_equal(s->u.string.ptr, "q\"\\\n\x01\xE2\x82\xAC\0z", 10);
        const rr_json_value_t *nums = rr_json_get(v, "nums");
        assert_int_equal(nums->u.array.count, 8);
        assert_string_equal(nums->u.array.items[0]->u.number.text, "-9223372036854775808");
        assert_string_equal(nums->u.array.items[1]->u.number.text, "18446744073709551615");
        assert_string_equal(nums->u.array.items[2]->u.number.text, "0.1");
        assert_true(nums->u.array.items[3]->u.number.value == -1e300);
        assert_string_equal(nums->u.array.items[4]->u.number.text, "641.818");
        assert_int_equal(nums->u.array.items[7]->type, RR_JSON_OBJECT);
        assert_int_equal(rr_json_get(v, "empty")->u.array.count, 0);
        rr_arena_free(&a);
        rr_buf_free(&b);
    }
}

static void test_writer_errors(void **state) {
    (void)state;
    rr_buf_t b = {0};
    rr_json_writer_t w;
    rr_error_t err = {0};
    rr_json_writer_init(&w, &b, 2);
    rr_json_begin_array(&w);
    rr_json_string_n(&w, "\xC0\x80", 2);
    rr_json_end_array(&w);
    assert_int_equal(rr_json_writer_finish(&w, &err), RR_ERR_INVALID_DATA);
    rr_json_writer_init(&w, &b, 0);
    rr_json_begin_array(&w);
    rr_json_double(&w, NAN);
    rr_json_end_array(&w);
    assert_int_equal(rr_json_writer_finish(&w, &err), RR_ERR_INVALID_DATA);
    rr_json_writer_init(&w, &b, 0);
    rr_json_begin_object(&w);
    rr_json_int(&w, 1); /* no key */
    assert_int_not_equal(rr_json_writer_finish(&w, &err), RR_OK);
    rr_json_writer_init(&w, &b, 0);
    rr_json_begin_object(&w);
    assert_int_not_equal(rr_json_writer_finish(&w, &err), RR_OK); /* unclosed */
    rr_buf_free(&b);
    assert_int_equal(rr_utf8_valid_prefix("ab\xF0\x9F\x98", 5), 2);
    assert_int_equal(rr_utf8_valid_prefix("\xF0\x9F\x98\x80", 4), 4);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_documents),
        cmocka_unit_test(test_invalid_documents),
        cmocka_unit_test(test_error_positions_and_truncation),
        cmocka_unit_test(test_strings_and_surrogates),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_numbers_exact),
        cmocka_unit_test(test_duplicates_and_get),
        cmocka_unit_test(test_writer_roundtrip),
        cmocka_unit_test(test_writer_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
