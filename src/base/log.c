/* Leveled logging to stderr (see log.h). */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int g_level = -1; /* -1: not yet read from the environment */

static rr_log_level_t level_from_env(void) {
    const char *s = getenv("RERUN_LOG");
    if (!s) return RR_LOG_WARN;
    if (!strcmp(s, "error")) return RR_LOG_ERROR;
    if (!strcmp(s, "info")) return RR_LOG_INFO;
    if (!strcmp(s, "debug") || !strcmp(s, "trace")) return RR_LOG_DEBUG;
    return RR_LOG_WARN;
}

void rr_log_set_level(rr_log_level_t level) { atomic_store(&g_level, (int)level); }

rr_log_level_t rr_log_get_level(void) {
    int l = atomic_load(&g_level);
    if (l < 0) {
        l = (int)level_from_env();
        atomic_store(&g_level, l);
    }
    return (rr_log_level_t)l;
}

void rr_log_write(rr_log_level_t level, const char *fmt, ...) {
    if (level > rr_log_get_level()) return;
    static const char *names[] = {"error", "warn", "info", "debug"};
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One fprintf call per line so concurrent threads do not interleave. */
    fprintf(stderr, "[rerun %s] %s\n", names[level], line);
}
