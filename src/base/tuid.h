/* TUIDs: Rerun's time-based 128-bit ids (row ids, chunk ids), as re_tuid.
 * The high 64 bits are nanoseconds since the Unix epoch (the wall clock read
 * once per process, advanced by the monotonic clock), the low 64 bits an
 * increment that starts at a random value below 2^63 and grows by one per
 * id. Rerun keeps that state per thread; we keep one per process behind a
 * lock, so generated ids are strictly increasing across threads too. */
#ifndef RR_BASE_TUID_H
#define RR_BASE_TUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rr_tuid {
    uint64_t time_ns;
    uint64_t inc;
} rr_tuid_t;

/* A new id, greater than every id this process generated before. Thread-safe. */
rr_tuid_t rr_tuid_new(void);
/* Like rr_tuid_new (unique, above every id handed out before), but its time
 * comes from the coarse clock (a few ms resolution, a fraction of the cost):
 * for ids whose time part nobody reads, such as the new id of a chunk the
 * store merged into. */
rr_tuid_t rr_tuid_new_coarse(void);

/* -1, 0, 1 ordering by (time_ns, inc). */
static inline int rr_tuid_cmp(rr_tuid_t a, rr_tuid_t b) {
    if (a.time_ns != b.time_ns) return a.time_ns < b.time_ns ? -1 : 1;
    if (a.inc != b.inc) return a.inc < b.inc ? -1 : 1;
    return 0;
}

/* The next id after t (same time, inc + 1, carrying into time; Rerun's
 * Tuid::next wraps inc instead, which differs only at inc == UINT64_MAX). */
rr_tuid_t rr_tuid_next(rr_tuid_t t);

/* 16 bytes big-endian (time_ns then inc), the order in which Rerun stores TUIDs
 * in Arrow FixedSizeBinary(16) so that byte order equals id order. */
void rr_tuid_to_bytes(rr_tuid_t t, uint8_t out[16]);
rr_tuid_t rr_tuid_from_bytes(const uint8_t in[16]);

/* 32 hex digits + NUL as Rerun's Display: time_ns as 16 UPPER-case digits,
 * then inc as 16 lower-case digits ("182342300C5F8C327a7b4a6e5a379ac4").
 * This is the string of the "rerun:id" chunk metadata. */
void rr_tuid_format(rr_tuid_t t, char out[33]);

/* Parses a TUID as Rerun's FromStr (a base-16 u128: an optional '+', then
 * hex digits of either case, at most 128 bits of value). len bytes of s are
 * read, no NUL needed. false on anything else. */
bool rr_tuid_parse(const char *s, size_t len, rr_tuid_t *out);

#endif
