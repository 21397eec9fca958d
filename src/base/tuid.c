/* TUID generation, byte order and text form, following Rerun's re_tuid.
 *
 * Rerun reads the wall clock once (the first id of the process) and from then
 * on adds monotonic-clock elapsed time to it, so ids never go back when the
 * wall clock is adjusted. The increment starts at a random value with the top
 * bit clear (room to grow without wrapping) and is bumped for every id, which
 * keeps ids strictly increasing even when two reads of the clock agree. One
 * lock covers the whole process: Rerun's per-thread state only promises order
 * within a thread, our contract promises it across threads. */
#include "base/tuid.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static pthread_mutex_t tuid_lock = PTHREAD_MUTEX_INITIALIZER;
static bool tuid_started;
static uint64_t tuid_epoch_ns;        /* wall clock at start */
static struct timespec tuid_mono0;    /* monotonic clock at start */
static rr_tuid_t tuid_latest;

static uint64_t ts_ns(const struct timespec *ts) {
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static uint64_t random_u64(void) {
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
        /* No entropy source: any start value works, randomness only makes
         * ids of concurrent processes less likely to meet. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        v = ts_ns(&ts) * 0x9E3779B97F4A7C15ull;
    }
    return v;
}

static rr_tuid_t tuid_new_on(clockid_t clock) {
    pthread_mutex_lock(&tuid_lock);
    struct timespec now;
    if (!tuid_started) {
        struct timespec wall;
        clock_gettime(CLOCK_REALTIME, &wall);
        clock_gettime(CLOCK_MONOTONIC, &tuid_mono0);
        tuid_epoch_ns = wall.tv_sec < 0 ? 0 : ts_ns(&wall);
        tuid_latest.time_ns = tuid_epoch_ns;
        tuid_latest.inc = random_u64() & ~(UINT64_C(1) << 63);
        tuid_started = true;
    }
    clock_gettime(clock, &now);
    /* The coarse clock may lag the start reading of the fine one by a tick. */
    uint64_t elapsed = ts_ns(&now) > ts_ns(&tuid_mono0) ? ts_ns(&now) - ts_ns(&tuid_mono0) : 0;
    rr_tuid_t t = {tuid_epoch_ns + elapsed, tuid_latest.inc + 1};
    /* The monotonic clock never goes back, but keep the promise even if a
     * platform's did: never hand out an id below the previous one. */
    if (t.time_ns < tuid_latest.time_ns) t.time_ns = tuid_latest.time_ns;
    tuid_latest = t;
    pthread_mutex_unlock(&tuid_lock);
    return t;
}

rr_tuid_t rr_tuid_new(void) { return tuid_new_on(CLOCK_MONOTONIC); }

rr_tuid_t rr_tuid_new_coarse(void) { return tuid_new_on(CLOCK_MONOTONIC_COARSE); }

rr_tuid_t rr_tuid_next(rr_tuid_t t) {
    t.inc++;
    if (t.inc == 0) t.time_ns++;
    return t;
}

void rr_tuid_to_bytes(rr_tuid_t t, uint8_t out[16]) {
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(t.time_ns >> (56 - 8 * i));
        out[8 + i] = (uint8_t)(t.inc >> (56 - 8 * i));
    }
}

rr_tuid_t rr_tuid_from_bytes(const uint8_t in[16]) {
    rr_tuid_t t = {0, 0};
    for (int i = 0; i < 8; i++) {
        t.time_ns = (t.time_ns << 8) | in[i];
        t.inc = (t.inc << 8) | in[8 + i];
    }
    return t;
}

void rr_tuid_format(rr_tuid_t t, char out[33]) {
    static const char upper[] = "0123456789ABCDEF";
    static const char lower[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[i] = upper[(t.time_ns >> (60 - 4 * i)) & 15];
        out[16 + i] = lower[(t.inc >> (60 - 4 * i)) & 15];
    }
    out[32] = '\0';
}

bool rr_tuid_parse(const char *s, size_t len, rr_tuid_t *out) {
    size_t i = 0;
    if (s == NULL) return false;
    if (len > 0 && s[0] == '+') i = 1;
    if (i == len) return false;
    uint64_t hi = 0, lo = 0;
    for (; i < len; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
        else return false;
        if (hi >> 60) return false; /* would overflow 128 bits */
        hi = (hi << 4) | (lo >> 60);
        lo = (lo << 4) | d;
    }
    if (out) {
        out->time_ns = hi;
        out->inc = lo;
    }
    return true;
}
