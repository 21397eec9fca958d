/* Tests of entity paths: Rerun's own parse/print examples (re_log_types
 * parse_path.rs and entity_path_part.rs tests at 0.33.0) as a table, round
 * trips, errors with positions, and the tree relations. */
#include <stdlib.h>
#include <string.h>

#include "model/entity_path.h"
#include "testutil.h"

#define MAXP 4

typedef struct case_ {
    const char *in;
    size_t n;               /* expected part count */
    const char *parts[MAXP];
    const char *printed;    /* canonical string */
} case_t;

static void check_parts(const rr_entity_path_t *p, const case_t *c) {
    if (p->n_parts != c->n) fail_msg("'%s': %zu parts, expected %zu", c->in, p->n_parts, c->n);
    for (size_t i = 0; i < c->n; i++) assert_string_equal(p->parts[i], c->parts[i]);
    assert_string_equal(p->str, c->printed);
}

static void test_strict_ok(void **state) {
    (void)state;
    static const case_t cases[] = {
        {"/", 0, {0}, "/"},
        {"foo", 1, {"foo"}, "/foo"},
        {"/foo", 1, {"foo"}, "/foo"},
        {"foo/bar", 2, {"foo", "bar"}, "/foo/bar"},
        {"/foo/bar", 2, {"foo", "bar"}, "/foo/bar"},
        {"hall\xc3\xa5" "d\xc3\xa4r", 1, {"hall\xc3\xa5" "d\xc3\xa4r"}, "/hall\xc3\xa5" "d\xc3\xa4r"},
        {"hello_there", 1, {"hello_there"}, "/hello_there"},
        {"hello-there", 1, {"hello-there"}, "/hello-there"},
        {"hello.there", 1, {"hello.there"}, "/hello.there"},
        /* entity_path_part.rs strict examples */
        {"Hall\\u{00E5}\\n\\r\\t", 1, {"Hall\xc3\xa5\n\r\t"}, "/Hall\xc3\xa5\\n\\r\\t"},
        {"Hello\\ world\\!", 1, {"Hello world!"}, "/Hello\\ world\\!"},
        {"\\u{262E}", 1, {"\xe2\x98\xae"}, "/\\u{262E}"},
        {"\\u{0001}", 1, {"\x01"}, "/\\u{0001}"},
        {"Hello\\ world\\!\\ \\u{262E}", 1, {"Hello world! \xe2\x98\xae"},
         "/Hello\\ world\\!\\ \\u{262E}"},
        /* entity_path.rs: an escaped slash stays inside a part */
        {"world/robot\\/arm", 2, {"world", "robot/arm"}, "/world/robot\\/arm"},
        {"x/42", 2, {"x", "42"}, "/x/42"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const case_t *c = &cases[i];
        rr_entity_path_t p;
        rr_error_t err = {0};
        assert_rr_ok(rr_entity_path_parse(c->in, strlen(c->in), &p, &err), &err);
        check_parts(&p, c);
        /* Printing then parsing gives the same path. */
        rr_entity_path_t q;
        assert_rr_ok(rr_entity_path_parse(p.str, strlen(p.str), &q, &err), &err);
        assert_true(rr_entity_path_equal(&p, &q));
        assert_true(p.hash == q.hash);
        rr_entity_path_free(&q);
        rr_entity_path_free(&p);
    }
    rr_entity_path_t p;
    rr_error_t err = {0};
    const char *s = "a/\\:b/\\#c/\\[d\\]";
    assert_rr_ok(rr_entity_path_parse(s, strlen(s), &p, &err), &err);
    assert_int_equal(p.n_parts, 4);
    assert_string_equal(p.parts[1], ":b");
    assert_string_equal(p.parts[2], "#c");
    assert_string_equal(p.parts[3], "[d]");
    assert_string_equal(p.str, "/a/\\:b/\\#c/\\[d\\]");
    rr_entity_path_free(&p);
}

static void test_forgiving(void **state) {
    (void)state;
    static const case_t cases[] = {
        /* parse_path.rs test_parse_entity_path_forgiving */
        {"", 0, {0}, "/"},
        {"/", 0, {0}, "/"},
        {"//", 0, {0}, "/"},
        {"foo", 1, {"foo"}, "/foo"},
        {"foo/bar", 2, {"foo", "bar"}, "/foo/bar"},
        {"foo/bar :/.", 3, {"foo", "bar :", "."}, "/foo/bar\\ \\:/."},
        {"/foo/bar/", 2, {"foo", "bar"}, "/foo/bar"},
        {"/foo///bar//", 2, {"foo", "bar"}, "/foo/bar"},
        {"foo/bar:baz", 2, {"foo", "bar:baz"}, "/foo/bar\\:baz"},
        {"foo/42", 2, {"foo", "42"}, "/foo/42"},
        {"foo/#bar/baz", 3, {"foo", "#bar", "baz"}, "/foo/\\#bar/baz"},
        {"foo/Hall\xc3\xa5 D\xc3\xa4r!", 2, {"foo", "Hall\xc3\xa5 D\xc3\xa4r!"},
         "/foo/Hall\xc3\xa5\\ D\xc3\xa4r\\!"},
        /* entity_path_part.rs forgiving examples */
        {"Hello\\", 1, {"Hello\\"}, "/Hello\\\\"},
        {"\\u{apa}\\u{262E}", 1, {"\\u{apa}\xe2\x98\xae"}, "/\\\\u\\{apa\\}\\u{262E}"},
        {"Hello \\\"World\\\" \\\\ \\n\\r\\t \\u{00E5}", 1,
         {"Hello \"World\" \\ \n\r\t \xc3\xa5"},
         "/Hello\\ \\\"World\\\"\\ \\\\\\ \\n\\r\\t\\ \xc3\xa5"},
        {"\xe2\x98\xae", 1, {"\xe2\x98\xae"}, "/\\u{262E}"},
        /* unknown escape: the character alone (a Windows path) */
        {"C:\\Users\\x", 1, {"C:Usersx"}, "/C\\:Usersx"},
        /* invalid UTF-8 becomes U+FFFD */
        {"a\xff", 1, {"a\xef\xbf\xbd"}, "/a\\u{FFFD}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const case_t *c = &cases[i];
        rr_entity_path_t p;
        rr_error_t err = {0};
        assert_rr_ok(rr_entity_path_parse_forgiving(c->in, strlen(c->in), &p, &err), &err);
        check_parts(&p, c);
        /* The canonical string parses strictly back to the same path. */
        rr_entity_path_t q;
        assert_rr_ok(rr_entity_path_parse(p.str, strlen(p.str), &q, &err), &err);
        assert_true(rr_entity_path_equal(&p, &q));
        rr_entity_path_free(&q);
        rr_entity_path_free(&p);
    }
}

typedef struct bad_ {
    const char *in;
    const char *msg_part; /* a piece of the message we expect */
} bad_t;

static void test_strict_errors(void **state) {
    (void)state;
    static const bad_t bad[] = {
        {"", "empty string"},
        {"foo//bar", "double slash with no part between at byte 4"},
        {"foo/bar/", "trailing slash at byte 7"},
        {"entity:component", "unexpected component suffix at byte 6"},
        {"entity:", "trailing colon"},
        {"entity[#123]", "unexpected instance index at byte 6"},
        {"entity[#12x]", "invalid instance index"},
        {"entity[1]", "invalid instance index"},
        {"hello there", "at byte 5 needs to be escaped"},
        {"a/b c", "at byte 3 needs to be escaped"},
        {"a#b", "'#' at byte 1 needs to be escaped"},
        {"\\u{apa}!", "bad unicode escape at byte 0"},
        {"ab\\u{D800}", "bad unicode escape at byte 2"},
        {"a\\qb", "unknown escape sequence '\\q' at byte 1"},
        {"abc\\", "ends in a backslash (byte 3)"},
        {"a\xff", "invalid UTF-8 at byte 1"},
        {"\xe2\x98\xae", "at byte 0 needs to be escaped"},
        {"//", "double slash"},
        {"a\\u{0000}", "NUL"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rr_entity_path_t p;
        rr_error_t err = {0};
        rr_status_t st = rr_entity_path_parse(bad[i].in, strlen(bad[i].in), &p, &err);
        if (st == RR_OK) fail_msg("'%s' parsed", bad[i].in);
        assert_int_equal(st, RR_ERR_INVALID_DATA);
        if (!strstr(err.msg, bad[i].msg_part))
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].in, err.msg, bad[i].msg_part);
        assert_null(p.parts);
        assert_null(p.str);
    }
    /* Embedded NUL within the given length. */
    rr_entity_path_t p;
    rr_error_t err = {0};
    assert_int_equal(rr_entity_path_parse("a\0b", 3, &p, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "byte 1"));
    /* Forgiving never fails on content, even with NULs. */
    assert_rr_ok(rr_entity_path_parse_forgiving("a\0b/\0", 5, &p, &err), &err);
    assert_int_equal(p.n_parts, 1);
    assert_string_equal(p.parts[0], "ab");
    rr_entity_path_free(&p);
}

static void test_relations(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_entity_path_t root, a, ab, abc, ax, tmp;
    assert_rr_ok(rr_entity_path_root(&root, &err), &err);
    assert_rr_ok(rr_entity_path_parse("a", 1, &a, &err), &err);
    assert_rr_ok(rr_entity_path_parse("/a/b", 4, &ab, &err), &err);
    assert_rr_ok(rr_entity_path_child(&ab, "c/d", &abc, &err), &err);
    assert_rr_ok(rr_entity_path_parse("a/x", 3, &ax, &err), &err);
    assert_string_equal(abc.str, "/a/b/c\\/d");
    assert_true(rr_entity_path_is_root(&root));
    assert_string_equal(root.str, "/");

    assert_true(rr_entity_path_starts_with(&abc, &ab));
    assert_true(rr_entity_path_starts_with(&ab, &ab));
    assert_true(rr_entity_path_starts_with(&ab, &root));
    assert_true(rr_entity_path_is_descendant_of(&abc, &a));
    assert_true(rr_entity_path_is_descendant_of(&a, &root));
    assert_false(rr_entity_path_is_descendant_of(&ab, &ab));
    assert_false(rr_entity_path_is_descendant_of(&ax, &ab));
    assert_true(rr_entity_path_is_child_of(&abc, &ab));
    assert_false(rr_entity_path_is_child_of(&abc, &a));
    assert_true(rr_entity_path_is_child_of(&a, &root));

    assert_rr_ok(rr_entity_path_parent(&abc, &tmp, &err), &err);
    assert_true(rr_entity_path_equal(&tmp, &ab));
    assert_true(tmp.hash == ab.hash);
    rr_entity_path_free(&tmp);
    assert_rr_ok(rr_entity_path_parent(&a, &tmp, &err), &err);
    assert_true(rr_entity_path_equal(&tmp, &root));
    rr_entity_path_free(&tmp);
    assert_int_equal(rr_entity_path_parent(&root, &tmp, &err), RR_ERR_INVALID_ARG);

    assert_true(rr_entity_path_cmp(&a, &ab) < 0);
    assert_true(rr_entity_path_cmp(&ab, &ax) < 0);
    assert_true(rr_entity_path_cmp(&ax, &ab) > 0);
    assert_int_equal(rr_entity_path_cmp(&ab, &ab), 0);
    assert_false(rr_entity_path_equal(&ab, &ax));
    assert_true(ab.hash != ax.hash);

    assert_rr_ok(rr_entity_path_copy(&abc, &tmp, &err), &err);
    assert_true(rr_entity_path_equal(&tmp, &abc));
    assert_string_equal(tmp.str, abc.str);
    rr_entity_path_free(&tmp);
    rr_entity_path_free(&tmp); /* twice is fine: freeing zeroes */

    const char *parts[] = {"a", ""};
    assert_int_equal(rr_entity_path_from_parts(parts, 2, &tmp, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_entity_path_child(&a, "", &tmp, &err), RR_ERR_INVALID_ARG);

    char *e = rr_entity_path_escape_part("x y/\xf0\x9f\x98\x80");
    assert_string_equal(e, "x\\ y\\/\\u{1F600}");
    free(e);

    rr_entity_path_free(&root);
    rr_entity_path_free(&a);
    rr_entity_path_free(&ab);
    rr_entity_path_free(&abc);
    rr_entity_path_free(&ax);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict_ok),
        cmocka_unit_test(test_forgiving),
        cmocka_unit_test(test_strict_errors),
        cmocka_unit_test(test_relations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
