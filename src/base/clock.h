/* A cheap monotonic clock for hot paths (row ids and log_time of every
 * logged row). On the 2-core KVM machines this was written on, a loop of
 * 10M calls measured clock_gettime (vDSO) at 22-29 ns and reading the
 * CPU's time-stamp counter at about 11 (a one-off check, not a benchmark
 * of the repository). Where the counter runs at a
 * constant rate in every power state (x86-64's invariant TSC, which Linux
 * then also uses as its clocksource), rr_clock_fast_ns scales it to
 * CLOCK_MONOTONIC nanoseconds; elsewhere it is CLOCK_MONOTONIC itself.
 *
 * Each thread keeps its own scale: its first readings come from
 * CLOCK_MONOTONIC until 1 ms has passed between two of them, which gives a
 * first rate; from then on it reads the counter and, every ~50 ms of it,
 * CLOCK_MONOTONIC once more, restarting from that reading and refining the
 * rate over the whole time since the first. Readings so stay within a few
 * microseconds of CLOCK_MONOTONIC, but may step back by that much at a
 * restart, or when a thread moves between cores whose counters differ:
 * callers that need them never to decrease (row ids) clamp them, as they
 * clamp any clock. */
#ifndef RR_BASE_CLOCK_H
#define RR_BASE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* CLOCK_MONOTONIC, in nanoseconds. */
uint64_t rr_clock_mono_ns(void);

/* CLOCK_MONOTONIC in nanoseconds, approximately (see above); thread-safe. */
uint64_t rr_clock_fast_ns(void);

/* Whether rr_clock_fast_ns reads the counter on this machine. */
bool rr_clock_fast_uses_counter(void);

#endif
