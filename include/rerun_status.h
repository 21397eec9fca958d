/* Status codes and the error type of rerun-c, shared by the public API
 * (rerun.h includes this) and the library's internals (src/base/status.h). */
#ifndef RERUN_STATUS_H
#define RERUN_STATUS_H

typedef enum rr_status {
    RR_OK = 0,
    RR_ERR_INVALID_ARG,  /* a wrong argument from the caller */
    RR_ERR_INVALID_DATA, /* malformed or corrupt input */
    RR_ERR_TRUNCATED,    /* input ended before a complete item */
    RR_ERR_UNSUPPORTED,  /* valid but not supported by us */
    RR_ERR_NOMEM,        /* allocation failed or a size limit was hit */
    RR_ERR_IO,           /* the operating system refused */
    RR_ERR_NOT_FOUND,
    RR_ERR_INTERNAL,
    RR_ERR_FULL,        /* a bounded queue or buffer is full; nothing was taken */
    RR_ERR_UNAVAILABLE, /* the peer (server, viewer) cannot be reached now */
} rr_status_t;

#define RR_ERROR_MSG_MAX 512

typedef struct rr_error {
    rr_status_t code;
    char msg[RR_ERROR_MSG_MAX];
} rr_error_t;

#endif
