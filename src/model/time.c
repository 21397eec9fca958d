/* Timelines and time values: the time types Rerun knows
 * (re_log_types/src/index/time_type.rs) with the Arrow datatype of each, and
 * formatting for people (the CLI and the viewer). */
#include "model/time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *rr_time_type_name(rr_time_type_t t) {
    switch (t) {
    case RR_TIME_SEQUENCE: return "sequence";
    case RR_TIME_DURATION_NS: return "duration";
    case RR_TIME_TIMESTAMP_NS: return "timestamp";
    }
    return "unknown";
}

const char *rr_time_type_arrow_format(rr_time_type_t t) {
    switch (t) {
    case RR_TIME_SEQUENCE: return "l";
    case RR_TIME_DURATION_NS: return "tDn";
    case RR_TIME_TIMESTAMP_NS: return "tsn:";
    }
    return "l";
}

bool rr_time_type_from_arrow_format(const char *format, rr_time_type_t *out) {
    if (!format) return false;
    rr_time_type_t t;
    if (strcmp(format, "l") == 0) t = RR_TIME_SEQUENCE;
    else if (strcmp(format, "tDn") == 0) t = RR_TIME_DURATION_NS;
    /* Rerun ignores the zone: values are UTC instants per the Arrow spec. */
    else if (strncmp(format, "tsn:", 4) == 0) t = RR_TIME_TIMESTAMP_NS;
    else return false;
    if (out) *out = t;
    return true;
}

rr_status_t rr_timeline_init(rr_timeline_t *tl, const char *name, rr_time_type_t type,
                             rr_error_t *err) {
    memset(tl, 0, sizeof *tl);
    if (!name) return rr_error_set(err, RR_ERR_INVALID_ARG, "timeline: NULL name");
    if (type != RR_TIME_SEQUENCE && type != RR_TIME_DURATION_NS && type != RR_TIME_TIMESTAMP_NS)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "timeline '%s': unknown time type %d", name,
                            (int)type);
    tl->name = strdup(name);
    if (!tl->name) return rr_error_set(err, RR_ERR_NOMEM, "timeline '%s': out of memory", name);
    tl->type = type;
    return RR_OK;
}

rr_status_t rr_timeline_copy(const rr_timeline_t *src, rr_timeline_t *dst, rr_error_t *err) {
    return rr_timeline_init(dst, src->name, src->type, err);
}

void rr_timeline_free(rr_timeline_t *tl) {
    if (!tl) return;
    free(tl->name);
    memset(tl, 0, sizeof *tl);
}

bool rr_timeline_equal(const rr_timeline_t *a, const rr_timeline_t *b) {
    return a->type == b->type && strcmp(a->name, b->name) == 0;
}

size_t rr_time_format(rr_time_type_t type, int64_t value, char *out, size_t cap) {
    char tmp[64];
    int n;
    if (value == RR_TIME_STATIC) {
        n = snprintf(tmp, sizeof tmp, "static");
    } else if (type == RR_TIME_SEQUENCE) {
        n = snprintf(tmp, sizeof tmp, "#%" PRId64, value);
    } else if (type == RR_TIME_DURATION_NS) {
        /* |INT64_MIN + 1| fits in uint64 */
        uint64_t mag = value < 0 ? (uint64_t)(-(value + 1)) + 1 : (uint64_t)value;
        n = snprintf(tmp, sizeof tmp, "%s%" PRIu64 ".%09" PRIu64 "s", value < 0 ? "-" : "",
                     mag / 1000000000u, mag % 1000000000u);
    } else {
        int64_t secs = value / 1000000000;
        int64_t nanos = value % 1000000000;
        if (nanos < 0) {
            nanos += 1000000000;
            secs -= 1;
        }
        time_t tt = (time_t)secs;
        struct tm tm;
        if (gmtime_r(&tt, &tm) == NULL) {
            n = snprintf(tmp, sizeof tmp, "%" PRId64 "ns", value);
        } else {
            n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId64 "Z",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                         tm.tm_sec, nanos);
        }
    }
    if (n < 0) n = 0;
    if (cap > 0) {
        size_t k = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
        memcpy(out, tmp, k);
        out[k] = '\0';
    }
    return (size_t)n;
}
