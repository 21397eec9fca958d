/* TUIDs: Rerun's time-based 128-bit ids (row ids, chunk ids). The high 64
 * bits are nanoseconds since the Unix epoch when the generator started (or
 * last caught up with the clock), the low 64 bits an increment; generated
 * ids are strictly increasing within a process and across threads. */
#ifndef RR_BASE_TUID_H
#define RR_BASE_TUID_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rr_tuid {
    uint64_t time_ns;
    uint64_t inc;
} rr_tuid_t;

/* A new id, greater than every id this process generated before. Thread-safe. */
rr_tuid_t rr_tuid_new(void);

/* -1, 0, 1 ordering by (time_ns, inc). */
static inline int rr_tuid_cmp(rr_tuid_t a, rr_tuid_t b) {
    if (a.time_ns != b.time_ns) return a.time_ns < b.time_ns ? -1 : 1;
    if (a.inc != b.inc) return a.inc < b.inc ? -1 : 1;
    return 0;
}

/* The next id after t (same time, inc + 1, carrying into time). */
rr_tuid_t rr_tuid_next(rr_tuid_t t);

/* 16 bytes big-endian (time_ns then inc), the order in which Rerun stores TUIDs
 * in Arrow FixedSizeBinary(16) so that byte order equals id order. */
void rr_tuid_to_bytes(rr_tuid_t t, uint8_t out[16]);
rr_tuid_t rr_tuid_from_bytes(const uint8_t in[16]);

/* 32 hex digits (time_ns then inc) + NUL. */
void rr_tuid_format(rr_tuid_t t, char out[33]);

#endif
