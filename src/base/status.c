/* Status names and error message formatting (see status.h). */
#include "base/status.h"

#include <stdio.h>
#include <string.h>

const char *rr_status_str(rr_status_t code) {
    switch (code) {
    case RR_OK: return "ok";
    case RR_ERR_INVALID_ARG: return "invalid argument";
    case RR_ERR_INVALID_DATA: return "invalid data";
    case RR_ERR_TRUNCATED: return "truncated";
    case RR_ERR_UNSUPPORTED: return "unsupported";
    case RR_ERR_NOMEM: return "out of memory";
    case RR_ERR_IO: return "i/o error";
    case RR_ERR_NOT_FOUND: return "not found";
    case RR_ERR_INTERNAL: return "internal error";
    case RR_ERR_FULL: return "full";
    case RR_ERR_UNAVAILABLE: return "unavailable";
    }
    return "unknown status";
}

rr_status_t rr_error_setv(rr_error_t *err, rr_status_t code, const char *fmt, va_list ap) {
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

rr_status_t rr_error_set(rr_error_t *err, rr_status_t code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    rr_error_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

static void prefix_v(rr_error_t *err, const char *fmt, va_list ap) {
    char head[RR_ERROR_MSG_MAX];
    if (vsnprintf(head, sizeof head, fmt, ap) < 0) return;
    size_t hl = strlen(head), ml = strlen(err->msg);
    if (hl >= sizeof err->msg) hl = sizeof err->msg - 1;
    if (hl + ml >= sizeof err->msg) ml = sizeof err->msg - 1 - hl;
    memmove(err->msg + hl, err->msg, ml);
    memcpy(err->msg, head, hl);
    err->msg[hl + ml] = '\0';
}

rr_status_t rr_error_prefix(rr_error_t *err, const char *fmt, ...) {
    if (!err) return RR_ERR_INTERNAL;
    va_list ap;
    va_start(ap, fmt);
    prefix_v(err, fmt, ap);
    va_end(ap);
    return err->code;
}

rr_status_t rr_error_wrap(rr_status_t st, rr_error_t *err, const char *fmt, ...) {
    if (!err) return st;
    va_list ap;
    va_start(ap, fmt);
    prefix_v(err, fmt, ap);
    va_end(ap);
    return st;
}

void rr_error_clear(rr_error_t *err) {
    if (err) {
        err->code = RR_OK;
        err->msg[0] = '\0';
    }
}
