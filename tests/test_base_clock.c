/* Tests of the cheap monotonic clock (base/clock.h): readings stay close to
 * CLOCK_MONOTONIC through its calibration and restarts (sleeps of various
 * lengths in between), never step back by more than the documented small
 * amount, advance with time, and behave the same in a second thread, which
 * calibrates on its own. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "base/clock.h"
#include "testutil.h"

/* Generous: a loaded machine may preempt a thread between two readings. */
#define CLOSE_NS 2000000ll

static void sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
    nanosleep(&ts, NULL);
}

/* The fast reading lies between two CLOCK_MONOTONIC readings around it,
 * give or take CLOSE_NS. */
static void check_close(void) {
    uint64_t before = rr_clock_mono_ns();
    uint64_t fast = rr_clock_fast_ns();
    uint64_t after = rr_clock_mono_ns();
    assert_true((long long)(fast - before) > -CLOSE_NS);
    assert_true((long long)(after - fast) > -CLOSE_NS);
}

static void *close_over_time(void *arg) {
    (void)arg;
    /* Through calibration (1 ms) and several restarts (doubling spans). */
    static const long sleeps_us[] = {0, 100, 300, 700, 1500, 3000, 6000, 12000, 25000, 60000};
    for (size_t i = 0; i < sizeof sleeps_us / sizeof sleeps_us[0]; i++) {
        sleep_us(sleeps_us[i]);
        for (int k = 0; k < 1000; k++) check_close();
    }
    return NULL;
}

static void test_close_to_monotonic(void **state) {
    (void)state;
    close_over_time(NULL);
}

static void test_second_thread(void **state) {
    (void)state;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, close_over_time, NULL), 0);
    close_over_time(NULL);
    assert_int_equal(pthread_join(t, NULL), 0);
}

/* Readings in a tight loop: any step back is small, and time advances. */
static void test_steps(void **state) {
    (void)state;
    uint64_t first = rr_clock_fast_ns(), prev = first;
    long long worst_back = 0;
    for (int i = 0; i < 2000000; i++) {
        uint64_t now = rr_clock_fast_ns();
        long long d = (long long)(now - prev);
        if (d < worst_back) worst_back = d;
        prev = now;
    }
    assert_true(worst_back > -CLOSE_NS);
    sleep_us(2000);
    assert_true(rr_clock_fast_ns() > first + 1000000);
    printf("counter used: %s; worst step back %lld ns\n",
           rr_clock_fast_uses_counter() ? "yes" : "no", -worst_back);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_close_to_monotonic),
        cmocka_unit_test(test_second_thread),
        cmocka_unit_test(test_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
