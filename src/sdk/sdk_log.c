/* The SDK's error reporting: a wrong argument fills the caller's error and
 * is logged once per call site through the library's logger (base/log.h). */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/log.h"
#include "base/status.h"

void rr_sdk_log_warn(const char *msg);
rr_status_t rr_sdk_fail(rr_error_t *err, atomic_bool *site, rr_status_t code, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));

void rr_sdk_log_warn(const char *msg) { RR_LOG_WARN("%s", msg); }

rr_status_t rr_sdk_fail(rr_error_t *err, atomic_bool *site, rr_status_t code, const char *fmt,
                        ...) {
    rr_error_t local;
    rr_error_t *e = err ? err : &local;
    va_list ap;
    va_start(ap, fmt);
    rr_error_setv(e, code, fmt, ap);
    va_end(ap);
    if (!atomic_exchange(site, true)) RR_LOG_WARN("%s (logged once)", e->msg);
    return code;
}
