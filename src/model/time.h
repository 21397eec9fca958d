/* Timelines and time values.
 *
 * A timeline has a name and a type: a sequence (frame numbers), a duration in
 * nanoseconds, or a timestamp in nanoseconds since the Unix epoch. Time
 * values are int64 on every type. Static data has no timeline at all; Rerun
 * reserves INT64_MIN as the static marker, so the smallest temporal value is
 * INT64_MIN + 1 (re_log_types TimeInt). In Arrow, sequences are int64 ("l"),
 * durations duration[ns] ("tDn"), timestamps timestamp[ns] without a time
 * zone ("tsn:"); a timestamp with a zone is read as the same instant. */
#ifndef RR_MODEL_TIME_H
#define RR_MODEL_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef enum rr_time_type {
    RR_TIME_SEQUENCE = 0,
    RR_TIME_DURATION_NS = 1,
    RR_TIME_TIMESTAMP_NS = 2,
} rr_time_type_t;

#define RR_TIME_STATIC INT64_MIN
#define RR_TIME_MIN (INT64_MIN + 1)
#define RR_TIME_MAX INT64_MAX

/* "sequence", "duration", "timestamp" (Rerun's Display of TimeType). */
const char *rr_time_type_name(rr_time_type_t t);
/* The Arrow C format string Rerun writes for this type. */
const char *rr_time_type_arrow_format(rr_time_type_t t);
/* Maps an Arrow format to a time type as Rerun does (int64, duration[ns],
 * timestamp[ns] with any zone); false for anything else. */
bool rr_time_type_from_arrow_format(const char *format, rr_time_type_t *out);

typedef struct rr_timeline {
    char *name; /* owned, NUL-terminated */
    rr_time_type_t type;
} rr_timeline_t;

rr_status_t rr_timeline_init(rr_timeline_t *tl, const char *name, rr_time_type_t type,
                             rr_error_t *err);
rr_status_t rr_timeline_copy(const rr_timeline_t *src, rr_timeline_t *dst, rr_error_t *err);
void rr_timeline_free(rr_timeline_t *tl); /* NULL-safe, zeroes */
bool rr_timeline_equal(const rr_timeline_t *a, const rr_timeline_t *b);

/* An inclusive range of time values. Empty when min > max. */
typedef struct rr_time_range {
    int64_t min;
    int64_t max;
} rr_time_range_t;

static inline rr_time_range_t rr_time_range_empty(void) {
    rr_time_range_t r = {INT64_MAX, INT64_MIN};
    return r;
}
static inline bool rr_time_range_is_empty(rr_time_range_t r) { return r.min > r.max; }
static inline rr_time_range_t rr_time_range_union(rr_time_range_t a, rr_time_range_t b) {
    rr_time_range_t r = {a.min < b.min ? a.min : b.min, a.max > b.max ? a.max : b.max};
    return r;
}
static inline bool rr_time_range_contains(rr_time_range_t r, int64_t t) {
    return t >= r.min && t <= r.max;
}
static inline bool rr_time_range_intersects(rr_time_range_t a, rr_time_range_t b) {
    return a.min <= b.max && b.min <= a.max;
}

/* Writes a time value for people: sequences as "#42", durations as seconds
 * ("1.500000000s"), timestamps as UTC ISO-8601 with nanoseconds. Always
 * NUL-terminates (truncating to cap). Returns the length it wanted. */
size_t rr_time_format(rr_time_type_t type, int64_t value, char *out, size_t cap);

#endif
