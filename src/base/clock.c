/* The cheap monotonic clock (clock.h). */
#include "base/clock.h"

#include <time.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && defined(__linux__)
#include <cpuid.h>
#include <x86intrin.h>
#define RR_CLOCK_TSC 1
#else
#define RR_CLOCK_TSC 0
#endif

uint64_t rr_clock_mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#if RR_CLOCK_TSC

enum {
    CALIBRATE_NS = 1000000,   /* the first rate: over at least 1 ms */
    RESTART_NS = 50000000,    /* a fresh CLOCK_MONOTONIC reading every ~50 ms */
};

/* -1: not known yet, 0: no invariant counter, 1: one. */
static int g_invariant = -1;

static bool invariant_tsc(void) {
    int v = __atomic_load_n(&g_invariant, __ATOMIC_RELAXED);
    if (v < 0) {
        unsigned a, b, c, d;
        /* CPUID 0x80000007: EDX bit 8, the invariant TSC. */
        v = __get_cpuid(0x80000000u, &a, &b, &c, &d) && a >= 0x80000007u &&
            __get_cpuid(0x80000007u, &a, &b, &c, &d) && (d & (1u << 8));
        __atomic_store_n(&g_invariant, v, __ATOMIC_RELAXED);
    }
    return v != 0;
}

static _Thread_local struct {
    uint64_t first_tsc, first_ns; /* the calibration's start */
    uint64_t tsc, ns;             /* the last restart */
    uint64_t restart_tsc;         /* the counter value of the next restart */
    uint64_t mult;                /* ns per tick << 32; 0 while calibrating */
    bool started;
} t_clock;

/* A CLOCK_MONOTONIC reading paired with the counter: the counter read on
 * both sides, its midpoint taken; of a few tries, the tightest pair (a
 * thread preempted between the reads would pair times far apart). */
static uint64_t paired(uint64_t *tsc) {
    uint64_t best_ns = 0, best_gap = UINT64_MAX;
    for (int i = 0; i < 4; i++) {
        uint64_t a = __rdtsc();
        uint64_t ns = rr_clock_mono_ns();
        uint64_t b = __rdtsc();
        if (b >= a && b - a < best_gap) {
            best_gap = b - a;
            best_ns = ns;
            *tsc = a + (b - a) / 2;
        }
        if (best_gap < 2000) break; /* about a microsecond or less: tight */
    }
    if (best_gap == UINT64_MAX) { /* the counter went back every time */
        *tsc = __rdtsc();
        best_ns = rr_clock_mono_ns();
    }
    return best_ns;
}

uint64_t rr_clock_fast_ns(void) {
    if (t_clock.mult) {
        /* Within 50 ms of the restart the product stays below 2^64 (it is
         * about the elapsed ns << 32). A counter below the restart's (another
         * core's) wraps the difference and restarts too. */
        uint64_t now = __rdtsc();
        if (now - t_clock.tsc < t_clock.restart_tsc - t_clock.tsc)
            return t_clock.ns + (((now - t_clock.tsc) * t_clock.mult) >> 32);
    } else if (!invariant_tsc()) {
        return rr_clock_mono_ns();
    }
    uint64_t tsc, ns;
    if (!t_clock.started) {
        (void)rr_clock_mono_ns(); /* a first call may be slow: not in the pair */
        t_clock.first_ns = paired(&t_clock.first_tsc);
        t_clock.started = true;
        return t_clock.first_ns;
    }
    ns = paired(&tsc);
    uint64_t span = ns - t_clock.first_ns;
    if (span < CALIBRATE_NS || tsc <= t_clock.first_tsc) return ns;
    double ns_per_tick = (double)span / (double)(tsc - t_clock.first_tsc);
    /* A counter slower than 1 kHz or faster than 1 THz is not one to use. */
    if (!(ns_per_tick > 1e-3 && ns_per_tick < 1e6)) {
        __atomic_store_n(&g_invariant, 0, __ATOMIC_RELAXED);
        return ns;
    }
    /* The rate's error is the pairs' jitter over the span; restarting no
     * later than one span on keeps the drift below that jitter. */
    uint64_t next = span < RESTART_NS ? span : RESTART_NS;
    t_clock.mult = (uint64_t)(ns_per_tick * 4294967296.0);
    t_clock.tsc = tsc;
    t_clock.ns = ns;
    t_clock.restart_tsc = tsc + (uint64_t)((double)next / ns_per_tick);
    return ns;
}

bool rr_clock_fast_uses_counter(void) { return invariant_tsc(); }

#else

uint64_t rr_clock_fast_ns(void) { return rr_clock_mono_ns(); }

bool rr_clock_fast_uses_counter(void) { return false; }

#endif
