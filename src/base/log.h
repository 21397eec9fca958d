/* A tiny logging helper: leveled messages to stderr (rr_log itself is the
 * public API's logging of data, see include/rerun.h). The level is process
 * global (one of the two globals the design allows) and starts from the
 * RERUN_LOG environment variable (error, warn, info, debug; default warn). */
#ifndef RR_BASE_LOG_H
#define RR_BASE_LOG_H

typedef enum rr_log_level {
    RR_LOG_ERROR = 0,
    RR_LOG_WARN = 1,
    RR_LOG_INFO = 2,
    RR_LOG_DEBUG = 3,
} rr_log_level_t;

void rr_log_set_level(rr_log_level_t level);
rr_log_level_t rr_log_get_level(void);
void rr_log_write(rr_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define RR_LOG_ERROR(...) rr_log_write(RR_LOG_ERROR, __VA_ARGS__)
#define RR_LOG_WARN(...) rr_log_write(RR_LOG_WARN, __VA_ARGS__)
#define RR_LOG_INFO(...) rr_log_write(RR_LOG_INFO, __VA_ARGS__)
#define RR_LOG_DEBUG(...) rr_log_write(RR_LOG_DEBUG, __VA_ARGS__)

#endif
