/* Tests of entity path filters: Rerun's own examples (re_log_types
 * entity_path_filter.rs and natural_ordering.rs tests at 0.33.0) as tables,
 * tokenising, rule order, properties default, errors with positions, and a
 * randomized check against a naive "longest matching rule" definition. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/entity_path.h"
#include "store/filter.h"
#include "testutil.h"

static rr_entity_path_filter_t parse(const char *s, bool strict) {
    rr_entity_path_filter_t f;
    rr_error_t err = {0};
    assert_rr_ok(rr_entity_path_filter_parse(s, strlen(s), NULL, strict, &f, &err), &err);
    return f;
}

static rr_entity_path_t path(const char *s) {
    rr_entity_path_t p;
    rr_error_t err = {0};
    assert_rr_ok(rr_entity_path_parse_forgiving(s, strlen(s), &p, &err), &err);
    return p;
}

typedef struct effect_case {
    const char *path;
    rr_filter_effect_t effect;
} effect_case_t;

static void check_effects(const rr_entity_path_filter_t *f, const effect_case_t *cases, size_t n) {
    for (size_t i = 0; i < n; i++) {
        rr_entity_path_t p = path(cases[i].path);
        rr_filter_effect_t got = rr_entity_path_filter_most_specific(f, &p);
        if (got != cases[i].effect)
            fail_msg("path %s: effect %d, expected %d", cases[i].path, got, cases[i].effect);
        assert_int_equal(rr_entity_path_filter_matches(f, &p), cases[i].effect == RR_FILTER_INCLUDE);
        rr_entity_path_free(&p);
    }
}

static void check_format(const rr_entity_path_filter_t *f, bool props, const char *expected) {
    char *s = rr_entity_path_filter_format(f, props);
    assert_non_null(s);
    assert_string_equal(s, expected);
    free(s);
}

/* test_entity_path_filter */
static void test_most_specific(void **state) {
    (void)state;
    rr_entity_path_filter_t f = parse("\n            - /__properties/**\n            + /world/**\n"
                                      "            - /world/\n            - /world/car/**\n"
                                      "            + /world/car/driver\n            ",
                                      false);
    static const effect_case_t cases[] = {
        {"/__properties/**", RR_FILTER_EXCLUDE},
        {"/unworldly", RR_FILTER_NO_MATCH},
        {"/world", RR_FILTER_EXCLUDE},
        {"/world/house", RR_FILTER_INCLUDE},
        {"/world/car", RR_FILTER_EXCLUDE},
        {"/world/car/hood", RR_FILTER_EXCLUDE},
        {"/world/car/driver", RR_FILTER_INCLUDE},
        {"/world/car/driver/head", RR_FILTER_EXCLUDE},
    };
    check_effects(&f, cases, sizeof cases / sizeof *cases);
    rr_entity_path_filter_free(&f);

    f = parse("/**", true);
    check_format(&f, true, "+ /**\n- /__properties/**");
    check_format(&f, false, "+ /**");
    rr_entity_path_t props = path("/__properties/recording"), root = path("/");
    assert_false(rr_entity_path_filter_matches(&f, &props));
    assert_true(rr_entity_path_filter_matches(&f, &root));
    rr_entity_path_free(&props);
    rr_entity_path_free(&root);
    rr_entity_path_filter_free(&f);

    rr_error_t err = {0};
    assert_rr_ok(rr_entity_path_filter_all(&f, &err), &err);
    check_format(&f, true, "+ /**\n- /__properties/**");
    rr_entity_path_filter_free(&f);
}

/* test_entity_path_filter_subs */
static void test_substitution(void **state) {
    (void)state;
    rr_entity_path_t origin = path("/annoyingly/long/path");
    const char *text = "\n        + /__properties/**\n        + $origin/**\n        - $origin\n"
                       "        - $origin/car/**\n        + ${origin}/car/driver\n        ";
    rr_entity_path_filter_t f;
    rr_error_t err = {0};
    assert_rr_ok(rr_entity_path_filter_parse(text, strlen(text), &origin, true, &f, &err), &err);
    static const effect_case_t cases[] = {
        {"/__properties/**", RR_FILTER_INCLUDE},
        {"/unworldly", RR_FILTER_NO_MATCH},
        {"/annoyingly/long/path", RR_FILTER_EXCLUDE},
        {"/annoyingly/long/path/house", RR_FILTER_INCLUDE},
        {"/annoyingly/long/path/car", RR_FILTER_EXCLUDE},
        {"/annoyingly/long/path/car/hood", RR_FILTER_EXCLUDE},
        {"/annoyingly/long/path/car/driver", RR_FILTER_INCLUDE},
        {"/annoyingly/long/path/car/driver/head", RR_FILTER_EXCLUDE},
    };
    check_effects(&f, cases, sizeof cases / sizeof *cases);
    /* The rules print as written, in evaluation order. */
    check_format(&f, true,
                 "+ $origin/**\n- $origin\n- $origin/car/**\n+ ${origin}/car/driver\n"
                 "+ /__properties/**");
    rr_entity_path_filter_free(&f);

    /* Strict without an origin: the variable is unresolved. */
    const char *bad = "+ /a - $origin/b";
    assert_int_equal(rr_entity_path_filter_parse(bad, strlen(bad), NULL, true, &f, &err),
                     RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "unresolved substitution '$origin/b'"));
    assert_non_null(strstr(err.msg, "byte 5"));
    assert_int_equal(f.n_rules, 0);
    rr_entity_path_free(&origin);
}

/* test_entity_path_filter_subtree */
static void test_subtree_included(void **state) {
    (void)state;
    rr_entity_path_filter_t f = parse("\n        + /world/**\n        - /world/car/**\n"
                                      "        + /world/car/driver\n"
                                      "        - /world/car/driver/head/**\n"
                                      "        - /world/city\n        - /world/houses/**\n",
                                      true);
    static const struct {
        const char *p;
        bool expected;
    } cases[] = {
        {"/2D", false},
        {"/2D/image", false},
        {"/world", true},
        {"/world/car", true},
        {"/world/car/driver", true},
        {"/world/car/driver/head", false},
        {"/world/car/driver/head/ear", false},
        {"/world/city", true},
        {"/world/city/block", true},
        {"/world/houses", false},
        {"/world/houses/1", false},
        {"/world/houses/1/roof", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rr_entity_path_t p = path(cases[i].p);
        if (rr_entity_path_filter_subtree_included(&f, &p) != cases[i].expected)
            fail_msg("subtree of %s", cases[i].p);
        rr_entity_path_free(&p);
    }
    rr_entity_path_filter_free(&f);

    /* Only a deep include: its ancestors' subtrees are included. */
    f = parse("+ /world/car/driver", true);
    rr_entity_path_t w = path("/world"), h = path("/world/house");
    assert_true(rr_entity_path_filter_subtree_included(&f, &w));
    assert_false(rr_entity_path_filter_matches(&f, &w));
    assert_false(rr_entity_path_filter_subtree_included(&f, &h));
    rr_entity_path_free(&w);
    rr_entity_path_free(&h);
    rr_entity_path_filter_free(&f);
}

/* Looks up a rule by text; NULL when absent. */
static const rr_entity_path_rule_t *find_rule(const rr_entity_path_filter_t *f, const char *expr) {
    for (size_t i = 0; i < f->n_rules; i++)
        if (strcmp(f->rules[i].expr, expr) == 0) return &f->rules[i];
    return NULL;
}

typedef struct tok_case {
    const char *text;
    const char *rules[5]; /* "+expr" or "-expr", as the tokens resolve */
} tok_case_t;

/* test_split_whitespace_smart, seen through the rules each split gives. */
static void test_tokens(void **state) {
    (void)state;
    static const tok_case_t cases[] = {
        {"/world", {"+/world"}},
        {"a b c", {"+a", "+b", "+c"}},
        {"a\nb\tc  ", {"+a", "+b", "+c"}},
        {"a\\ b c", {"+a\\ b", "+c"}},
        {" + a - b + c", {"+a", "-b", "+c"}},
        {"+ a -\n b + c", {"+a", "-", "+b", "+c"}},
        {"/weird/path- +/oth- erpath", {"+/weird/path-", "+/oth-", "+erpath"}},
        {"+world/** -/world/points", {"+world/**", "-/world/points"}},
        {"+ world/** - /world/points", {"+world/**", "-/world/points"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rr_entity_path_filter_t f = parse(cases[i].text, false);
        size_t n = 0;
        for (; n < 5 && cases[i].rules[n]; n++) {
            const rr_entity_path_rule_t *r = find_rule(&f, cases[i].rules[n] + 1);
            if (!r) fail_msg("'%s': no rule '%s'", cases[i].text, cases[i].rules[n] + 1);
            assert_int_equal(r->effect,
                             cases[i].rules[n][0] == '-' ? RR_FILTER_EXCLUDE : RR_FILTER_INCLUDE);
        }
        /* + the default properties exclusion */
        if (f.n_rules != n + 1) fail_msg("'%s': %zu rules, expected %zu", cases[i].text, f.n_rules, n + 1);
        rr_entity_path_filter_free(&f);
    }
    /* An escaped space stays in the path. */
    rr_entity_path_filter_t f = parse("+ /a\\ b/**", true);
    const rr_entity_path_rule_t *r = find_rule(&f, "/a\\ b/**");
    assert_non_null(r);
    assert_true(r->subtree);
    assert_string_equal(r->path.parts[0], "a b");
    rr_entity_path_filter_free(&f);
    /* Empty filters include nothing. */
    f = parse("", true);
    assert_int_equal(f.n_rules, 1);
    rr_entity_path_t p = path("/a");
    assert_false(rr_entity_path_filter_matches(&f, &p));
    rr_entity_path_free(&p);
    rr_entity_path_filter_free(&f);
}

/* test_resolved_rule_order: evaluation order is a total order by path and
 * kind, whatever the written order. */
static void test_rule_order(void **state) {
    (void)state;
    static const char *const order[] = {"/**",        "/apa",       "/world/**",
                                        "/world/",    "/world/car", "/world/car/driver",
                                        "/x/y/z",     "/__properties/**"};
    rr_entity_path_filter_t f = parse("/x/y/z /world/car/driver /world/car /world/ /world/** "
                                      "/apa /**",
                                      false);
    assert_int_equal(f.n_rules, 8);
    for (size_t i = 0; i < 8; i++) assert_string_equal(f.rules[i].expr, order[i]);
    rr_entity_path_filter_free(&f);

    /* test_formatted */
    f = parse("\n        + /**\n        - /__properties/**\n        ", true);
    check_format(&f, false, "+ /**");
    rr_entity_path_filter_free(&f);
    f = parse("\n        + /**\n        + /__properties/**\n        ", true);
    check_format(&f, false, "+ /**\n+ /__properties/**");
    rr_entity_path_filter_free(&f);
}

static void test_later_and_specific(void **state) {
    (void)state;
    /* The same rule twice: the later sign wins. */
    rr_entity_path_filter_t f = parse("+ /a - /a + /b/** - /b/**", true);
    static const effect_case_t c1[] = {
        {"/a", RR_FILTER_EXCLUDE}, {"/b", RR_FILTER_EXCLUDE}, {"/b/c", RR_FILTER_EXCLUDE}};
    check_effects(&f, c1, 3);
    rr_entity_path_filter_free(&f);
    /* Different rules: the most specific wins, whatever the order. */
    f = parse("- /world/car/** + /world/** - /world/cam", true);
    static const effect_case_t c2[] = {
        {"/world", RR_FILTER_INCLUDE},
        {"/world/cam", RR_FILTER_EXCLUDE},
        {"/world/cam/x", RR_FILTER_INCLUDE},
        {"/world/car", RR_FILTER_EXCLUDE},
        {"/world/car/x", RR_FILTER_EXCLUDE},
        {"/other", RR_FILTER_NO_MATCH},
    };
    check_effects(&f, c2, 6);
    rr_entity_path_filter_free(&f);
    /* An exact rule beats a subtree rule on the same path. */
    f = parse("- /a + /a/**", true);
    static const effect_case_t c3[] = {{"/a", RR_FILTER_EXCLUDE}, {"/a/b", RR_FILTER_INCLUDE}};
    check_effects(&f, c3, 2);
    rr_entity_path_filter_free(&f);
    /* Forgiving: "/world/" and "/world" are one rule; the text sorting last
     * ("/world/") keeps its sign. */
    f = parse("- /world/ + /world", false);
    static const effect_case_t c4[] = {{"/world", RR_FILTER_EXCLUDE}};
    check_effects(&f, c4, 1);
    assert_int_equal(f.n_rules, 2);
    rr_entity_path_filter_free(&f);
}

static void test_errors(void **state) {
    (void)state;
    static const struct {
        const char *text;
        const char *needle;
    } cases[] = {
        {"+ /world/** - /world/ca:t", "rule '- /world/ca:t' at byte 12"},
        {"+ /a -\n /b", "rule '- ' at byte 5: empty entity path"},
        {"+ /world//x", "rule '+ /world//x' at byte 0"},
        {"/world/", "rule '+ /world/' at byte 0"},
        {"+ /a/**/b", "rule '+ /a/**/b'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rr_entity_path_filter_t f;
        rr_error_t err = {0};
        rr_status_t st = rr_entity_path_filter_parse(cases[i].text, strlen(cases[i].text), NULL,
                                                     true, &f, &err);
        if (st == RR_OK) fail_msg("'%s' parsed", cases[i].text);
        if (!strstr(err.msg, cases[i].needle))
            fail_msg("'%s': message '%s' lacks '%s'", cases[i].text, err.msg, cases[i].needle);
        assert_int_equal(f.n_rules, 0);
        /* Forgiving never fails on content. */
        assert_rr_ok(rr_entity_path_filter_parse(cases[i].text, strlen(cases[i].text), NULL, false,
                                                 &f, &err),
                     &err);
        rr_entity_path_filter_free(&f);
    }
}

static void check_total_order(const char *const *strs, size_t n) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int c = rr_entity_path_part_cmp_natural(strs[i], strs[j]);
            int want = i < j ? -1 : i > j;
            if ((c > 0) - (c < 0) != want)
                fail_msg("'%s' vs '%s': %d, expected %d", strs[i], strs[j], c, want);
        }
}

/* test_natural_ordering, natord's own tables, and reserved parts last. */
static void test_natural_order(void **state) {
    (void)state;
    static const char *const a[] = {"10", "a", "aa", "b", "c"};
    static const char *const b[] = {"a", "a0", "a1", "a1a", "a1b", "a2", "a10", "a20"};
    static const char *const c[] = {"1.001", "1.002", "1.010", "1.02", "1.1", "1.3"};
    static const char *const d[] = {"a 2", "a2"};
    static const char *const e[] = {"a", "B", "b", "c"};
    static const char *const f[] = {"x2-g8", "x2-y7", "x2-y8", "x8-y8"};
    static const char *const g[] = {"image2", "image10", "z", "__a", "__b"};
    check_total_order(a, 5);
    check_total_order(b, 8);
    check_total_order(c, 6);
    check_total_order(d, 2);
    check_total_order(e, 4);
    check_total_order(f, 4);
    check_total_order(g, 5);
    assert_int_not_equal(rr_entity_path_part_cmp_natural("a", "A"), 0);

    rr_entity_path_t p1 = path("/a/b"), p2 = path("/a"), p3 = path("/a/b10"), p4 = path("/a/b9");
    assert_true(rr_entity_path_cmp_natural(&p2, &p1) < 0);
    assert_true(rr_entity_path_cmp_natural(&p4, &p3) < 0);
    assert_true(rr_entity_path_cmp_natural(&p1, &p4) < 0);
    assert_int_equal(rr_entity_path_cmp_natural(&p1, &p1), 0);
    rr_entity_path_free(&p1);
    rr_entity_path_free(&p2);
    rr_entity_path_free(&p3);
    rr_entity_path_free(&p4);
}

/* Random filters over a small tree against the definition: among matching
 * rules the longest path decides, an exact rule beating a subtree rule of
 * the same path, and the last written of identical rules. */
static void test_random_vs_naive(void **state) {
    (void)state;
    static const char *const names[] = {"a", "b", "c"};
    uint64_t rng = 0x9E3779B97F4A7C15ull;
#define NEXT() (rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17, rng)
    for (int iter = 0; iter < 3000; iter++) {
        char text[512] = "";
        size_t tl = 0;
        int n_rules = (int)(NEXT() % 6);
        struct {
            char p[32];
            bool sub, inc;
        } raw[8];
        for (int r = 0; r < n_rules; r++) {
            int depth = (int)(NEXT() % 4);
            char p[32] = "";
            size_t pl = 0;
            for (int d = 0; d < depth; d++)
                pl += (size_t)snprintf(p + pl, sizeof p - pl, "/%s", names[NEXT() % 3]);
            if (depth == 0) strcpy(p, "/");
            bool sub = NEXT() % 2, inc = NEXT() % 2;
            strcpy(raw[r].p, p);
            raw[r].sub = sub;
            raw[r].inc = inc;
            tl += (size_t)snprintf(text + tl, sizeof text - tl, "%s%s%s%s", r ? (NEXT() % 2 ? "\n" : " ") : "",
                                   inc ? "+ " : "- ", depth == 0 && sub ? "" : p,
                                   sub ? "/**" : "");
        }
        rr_entity_path_filter_t f = parse(text, true);
        /* every path of depth <= 3 */
        for (int code = 0; code < 40; code++) {
            char p[32] = "/";
            size_t pl = 0;
            int c = code, depth = code == 0 ? 0 : (code <= 3 ? 1 : (code <= 12 ? 2 : 3));
            int base = depth == 0 ? 0 : depth == 1 ? 1 : depth == 2 ? 4 : 13;
            c -= base;
            for (int d = 0; d < depth; d++) {
                int k = c % 3;
                c /= 3;
                pl += (size_t)snprintf(p + pl, sizeof p - pl, "/%s", names[k]);
            }
            rr_entity_path_t ep = path(p);
            int best = -1;
            size_t best_len = 0;
            bool best_exact = false;
            for (int r = 0; r < n_rules; r++) {
                rr_entity_path_t rp = path(raw[r].p);
                bool m = raw[r].sub ? rr_entity_path_starts_with(&ep, &rp)
                                    : rr_entity_path_equal(&ep, &rp);
                if (m) {
                    bool exact = !raw[r].sub;
                    if (best < 0 || rp.n_parts > best_len ||
                        (rp.n_parts == best_len && (exact || !best_exact))) {
                        best = r;
                        best_len = rp.n_parts;
                        best_exact = exact;
                    }
                }
                rr_entity_path_free(&rp);
            }
            rr_filter_effect_t want = best < 0 ? RR_FILTER_NO_MATCH
                                               : (raw[best].inc ? RR_FILTER_INCLUDE : RR_FILTER_EXCLUDE);
            rr_filter_effect_t got = rr_entity_path_filter_most_specific(&f, &ep);
            if (got != want) fail_msg("filter %s path %s: %d, expected %d", text, p, got, want);
            rr_entity_path_free(&ep);
        }
        rr_entity_path_filter_free(&f);
    }
#undef NEXT
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_most_specific),      cmocka_unit_test(test_substitution),
        cmocka_unit_test(test_subtree_included),   cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_rule_order),         cmocka_unit_test(test_later_and_specific),
        cmocka_unit_test(test_errors),             cmocka_unit_test(test_natural_order),
        cmocka_unit_test(test_random_vs_naive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
