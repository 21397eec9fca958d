/* Status codes and the error type every fallible function in rerun-c fills.
 *
 * A function that can fail returns an rr_status_t and, when given a non-NULL
 * rr_error_t, writes a message naming what failed and where (file offset,
 * field, entity path). Callers that do not care pass NULL. */
#ifndef RR_BASE_STATUS_H
#define RR_BASE_STATUS_H

#include <stdarg.h>
#include <stddef.h>

/* rr_status_t, rr_error_t and RR_ERROR_MSG_MAX are public (include/rerun_status.h). */
#include "rerun_status.h"

/* Short stable name of a status ("invalid data"). */
const char *rr_status_str(rr_status_t code);

/* Sets code and a printf-style message; returns code so a caller can write
 * `return rr_error_set(err, RR_ERR_INVALID_DATA, "...")`. err may be NULL. */
rr_status_t rr_error_set(rr_error_t *err, rr_status_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
rr_status_t rr_error_setv(rr_error_t *err, rr_status_t code, const char *fmt, va_list ap);

/* Prepends context to an already set message ("column 'x': " + msg) and
 * returns err->code. Used as errors travel up through nested decoders. */
rr_status_t rr_error_prefix(rr_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefixes context to err's message (when err is given) and returns st:
 * `return rr_error_wrap(st, err, "message %d: ", i);` as an error travels up. */
rr_status_t rr_error_wrap(rr_status_t st, rr_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void rr_error_clear(rr_error_t *err);

/* Propagate a non-OK status. */
#define RR_TRY(expr)                                                           \
    do {                                                                       \
        rr_status_t rr_try_st_ = (expr);                                       \
        if (rr_try_st_ != RR_OK) return rr_try_st_;                            \
    } while (0)

#endif
