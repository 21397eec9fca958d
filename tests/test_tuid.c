/* Tests of TUIDs: strictly increasing ids across threads, the big-endian
 * byte order Rerun stores in Arrow, and Rerun's text form. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/tuid.h"
#include "testutil.h"

#define N_THREADS 4
#define N_PER_THREAD 20000

static rr_tuid_t ids[N_THREADS][N_PER_THREAD];

static void *gen_thread(void *arg) {
    rr_tuid_t *out = arg;
    for (int i = 0; i < N_PER_THREAD; i++) out[i] = rr_tuid_new();
    return NULL;
}

static int cmp_tuid(const void *a, const void *b) {
    return rr_tuid_cmp(*(const rr_tuid_t *)a, *(const rr_tuid_t *)b);
}

static void test_monotonic_across_threads(void **state) {
    (void)state;
    pthread_t th[N_THREADS];
    for (int t = 0; t < N_THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, gen_thread, ids[t]), 0);
    for (int t = 0; t < N_THREADS; t++) pthread_join(th[t], NULL);
    /* Each thread sees strictly increasing ids. */
    for (int t = 0; t < N_THREADS; t++)
        for (int i = 1; i < N_PER_THREAD; i++)
            assert_true(rr_tuid_cmp(ids[t][i - 1], ids[t][i]) < 0);
    /* All are distinct across threads. */
    size_t n = (size_t)N_THREADS * N_PER_THREAD;
    rr_tuid_t *all = malloc(n * sizeof *all);
    assert_non_null(all);
    memcpy(all, ids, n * sizeof *all);
    qsort(all, n, sizeof *all, cmp_tuid);
    for (size_t i = 1; i < n; i++) assert_true(rr_tuid_cmp(all[i - 1], all[i]) < 0);
    /* Later ids on the main thread are above all of them; the increment
     * starts below 2^63 as in Rerun. */
    rr_tuid_t later = rr_tuid_new();
    assert_true(rr_tuid_cmp(all[n - 1], later) < 0);
    assert_true(later.inc < (UINT64_C(1) << 63) + n + 1);
    /* Time is nanoseconds since the epoch: after 2020-01-01. */
    assert_true(later.time_ns > UINT64_C(1577836800) * 1000000000u);
    free(all);
}

static void test_byte_order(void **state) {
    (void)state;
    rr_tuid_t t = {0x0102030405060708ull, 0x090A0B0C0D0E0F10ull};
    uint8_t b[16];
    rr_tuid_to_bytes(t, b);
    for (int i = 0; i < 16; i++) assert_int_equal(b[i], i + 1);
    rr_tuid_t back = rr_tuid_from_bytes(b);
    assert_int_equal(rr_tuid_cmp(t, back), 0);
    /* Byte order sorts as id order. */
    rr_tuid_t a = {5, UINT64_MAX}, c = {6, 0};
    uint8_t ba[16], bc[16];
    rr_tuid_to_bytes(a, ba);
    rr_tuid_to_bytes(c, bc);
    assert_true(memcmp(ba, bc, 16) < 0);
}

static void test_format_parse(void **state) {
    (void)state;
    /* Rerun's own example (re_tuid test_tuid_formatting). */
    rr_tuid_t t = {0x182342300c5f8c32ull, 0x7a7b4a6e5a379ac4ull};
    char s[33];
    rr_tuid_format(t, s);
    assert_string_equal(s, "182342300C5F8C327a7b4a6e5a379ac4");
    rr_tuid_t p;
    assert_true(rr_tuid_parse(s, strlen(s), &p));
    assert_int_equal(rr_tuid_cmp(t, p), 0);
    /* Short, '+' and mixed case parse as a u128 does. */
    assert_true(rr_tuid_parse("+fF", 3, &p));
    assert_true(p.time_ns == 0 && p.inc == 255);
    assert_true(rr_tuid_parse("000000000000000000000000000000000001", 36, &p));
    assert_true(p.time_ns == 0 && p.inc == 1);
    assert_true(rr_tuid_parse("10000000000000000", 17, &p));
    assert_true(p.time_ns == 1 && p.inc == 0);
    const char *bad[] = {"", "+", "-1", "xyz", "1 2", "100000000000000000000000000000000"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(rr_tuid_parse(bad[i], strlen(bad[i]), &p));
    /* Zero and max format with fixed width. */
    rr_tuid_format((rr_tuid_t){0, 0}, s);
    assert_string_equal(s, "00000000000000000000000000000000");
    rr_tuid_format((rr_tuid_t){UINT64_MAX, UINT64_MAX}, s);
    assert_string_equal(s, "FFFFFFFFFFFFFFFFffffffffffffffff");
}

static void test_next(void **state) {
    (void)state;
    rr_tuid_t t = {7, 9};
    rr_tuid_t n = rr_tuid_next(t);
    assert_true(n.time_ns == 7 && n.inc == 10);
    n = rr_tuid_next((rr_tuid_t){7, UINT64_MAX});
    assert_true(n.time_ns == 8 && n.inc == 0);
    assert_true(rr_tuid_cmp((rr_tuid_t){1, 2}, (rr_tuid_t){1, 3}) < 0);
    assert_true(rr_tuid_cmp((rr_tuid_t){2, 0}, (rr_tuid_t){1, 3}) > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monotonic_across_threads),
        cmocka_unit_test(test_byte_order),
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_next),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
