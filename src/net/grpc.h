/* gRPC server: HTTP/2 (nghttp2) and gRPC-web over HTTP/1.1 on one port, one
 * event loop thread. Services register methods by path and see whole
 * messages (protobuf bytes, gRPC framing removed); the server does framing,
 * the compression flag, trailers (grpc-status, grpc-message), deadlines
 * (grpc-timeout), cancellation, CORS, flow control and the limits below.
 *
 * Threading: everything runs on the thread that calls rr_grpc_server_run.
 * Method callbacks and rr_grpc_call_* are for that thread only; other
 * threads reach it through rr_grpc_server_post and rr_grpc_server_stop. */
#ifndef RR_NET_GRPC_H
#define RR_NET_GRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* gRPC status codes (grpc/doc/statuscodes.md). */
typedef enum rr_grpc_code {
    RR_GRPC_OK = 0,
    RR_GRPC_CANCELLED = 1,
    RR_GRPC_UNKNOWN = 2,
    RR_GRPC_INVALID_ARGUMENT = 3,
    RR_GRPC_DEADLINE_EXCEEDED = 4,
    RR_GRPC_NOT_FOUND = 5,
    RR_GRPC_ALREADY_EXISTS = 6,
    RR_GRPC_PERMISSION_DENIED = 7,
    RR_GRPC_RESOURCE_EXHAUSTED = 8,
    RR_GRPC_FAILED_PRECONDITION = 9,
    RR_GRPC_ABORTED = 10,
    RR_GRPC_OUT_OF_RANGE = 11,
    RR_GRPC_UNIMPLEMENTED = 12,
    RR_GRPC_INTERNAL = 13,
    RR_GRPC_UNAVAILABLE = 14,
    RR_GRPC_DATA_LOSS = 15,
    RR_GRPC_UNAUTHENTICATED = 16,
} rr_grpc_code_t;

const char *rr_grpc_code_name(rr_grpc_code_t code); /* "OK", "CANCELLED", ... */

/* Immutable reference-counted bytes: one received message fanned out to
 * many readers without copies. Thread-safe counts. */
typedef struct rr_grpc_bytes {
    size_t len;
    uint8_t *data; /* points into the same allocation */
} rr_grpc_bytes_t;

rr_grpc_bytes_t *rr_grpc_bytes_new(const void *data, size_t len); /* copies; NULL on OOM */
rr_grpc_bytes_t *rr_grpc_bytes_alloc(size_t len);                  /* uninitialised data */
rr_grpc_bytes_t *rr_grpc_bytes_ref(rr_grpc_bytes_t *b);
void rr_grpc_bytes_unref(rr_grpc_bytes_t *b); /* NULL-safe */

/* --- framing (shared with the client) ------------------------------- */

/* A gRPC message on the wire: 1 byte compressed flag, 4 bytes big-endian
 * length, then the message. Incremental parser over arbitrary pieces. */
#define RR_GRPC_FRAME_HEADER 5
typedef struct rr_grpc_deframer {
    size_t max_message; /* 0: no limit */
    uint8_t hdr[RR_GRPC_FRAME_HEADER];
    size_t hdr_have;
    uint8_t *msg; /* message being assembled */
    size_t msg_len, msg_have;
    bool compressed;
} rr_grpc_deframer_t;

/* Consumes up to len bytes; whenever a message completes, calls on_msg
 * (data valid only during the call; a non-OK return stops and is returned).
 * Errors (oversized message, compressed flag without an agreed encoding)
 * name the offset. *used tells how much was consumed. */
typedef rr_status_t (*rr_grpc_on_msg_fn)(void *ud, const uint8_t *data, size_t len, bool compressed,
                                        rr_error_t *err);
rr_status_t rr_grpc_deframer_push(rr_grpc_deframer_t *d, const uint8_t *data, size_t len,
                                  rr_grpc_on_msg_fn on_msg, void *ud, rr_error_t *err);
/* True between messages (nothing half-received). */
bool rr_grpc_deframer_idle(const rr_grpc_deframer_t *d);
void rr_grpc_deframer_free(rr_grpc_deframer_t *d);
/* Writes the 5-byte prefix for a message of len bytes. */
void rr_grpc_frame_header(uint8_t out[RR_GRPC_FRAME_HEADER], size_t len, bool compressed);

/* --- server ---------------------------------------------------------- */

typedef struct rr_grpc_server rr_grpc_server_t;
typedef struct rr_grpc_call rr_grpc_call_t;

typedef struct rr_grpc_server_config {
    const char *bind;            /* NULL: "127.0.0.1" (loopback unless told otherwise) */
    uint16_t port;               /* 0: an ephemeral port (see rr_grpc_server_port) */
    size_t max_message_bytes;    /* 0: 64 MiB; larger messages get RESOURCE_EXHAUSTED */
    uint32_t max_connections;    /* 0: 256; more are closed at accept, with a log line */
    uint32_t max_streams_per_connection; /* 0: 100 (SETTINGS_MAX_CONCURRENT_STREAMS) */
    size_t max_pending_bytes_per_call;   /* 0: 64 MiB; see rr_grpc_call_send */
} rr_grpc_server_config_t;

/* A method. Callbacks may be NULL where noted; ud is the value given to
 * rr_grpc_server_add_method. The server owns the call; it is valid from
 * on_open until on_close returns. */
typedef struct rr_grpc_method {
    const char *path; /* "/package.Service/Method" */
    /* Headers arrived. Non-OK code: the call is refused with that status. */
    rr_grpc_code_t (*on_open)(rr_grpc_call_t *call, void *ud);
    /* One whole request message (data valid during the call only). */
    void (*on_message)(rr_grpc_call_t *call, const uint8_t *data, size_t len, void *ud);
    /* The client ended its side (END_STREAM). May be NULL. */
    void (*on_half_close)(rr_grpc_call_t *call, void *ud);
    /* The queued response bytes fell below half the limit. May be NULL. */
    void (*on_writable)(rr_grpc_call_t *call, void *ud);
    /* Always exactly once, last, for every call whose on_open ran (also
     * when on_open refused it): after finish, reset, disconnect, deadline
     * or server stop. `code` is the status the call ended with. Release
     * per-call state here. May be NULL. Calls to unknown paths never reach
     * a service. */
    void (*on_close)(rr_grpc_call_t *call, rr_grpc_code_t code, void *ud);
} rr_grpc_method_t;

rr_status_t rr_grpc_server_new(const rr_grpc_server_config_t *cfg, rr_grpc_server_t **out,
                               rr_error_t *err); /* binds and listens */
/* Before run. The method struct is copied; path must outlive the server. */
rr_status_t rr_grpc_server_add_method(rr_grpc_server_t *srv, const rr_grpc_method_t *m, void *ud,
                                      rr_error_t *err);
uint16_t rr_grpc_server_port(const rr_grpc_server_t *srv);
/* Serves until rr_grpc_server_stop; returns OK then. */
rr_status_t rr_grpc_server_run(rr_grpc_server_t *srv, rr_error_t *err);
/* Any thread, async-signal-safe: makes run return soon (open calls get
 * on_close with UNAVAILABLE). */
void rr_grpc_server_stop(rr_grpc_server_t *srv);
/* Any thread: fn(ud) runs on the loop thread soon (or, if the loop never
 * gets to it, in rr_grpc_server_free, so ud is never leaked). */
rr_status_t rr_grpc_server_post(rr_grpc_server_t *srv, void (*fn)(void *ud), void *ud);
/* After run returned (or never ran). NULL-safe. */
void rr_grpc_server_free(rr_grpc_server_t *srv);

/* --- calls (loop thread only) -------------------------------------- */

/* Queues one response message (takes its own reference). Returns
 * RR_ERR_FULL (nothing queued) when the call already holds
 * max_pending_bytes_per_call unsent bytes: the caller decides to drop,
 * wait for on_writable, or finish the call. */
rr_status_t rr_grpc_call_send(rr_grpc_call_t *call, rr_grpc_bytes_t *msg);
rr_status_t rr_grpc_call_send_copy(rr_grpc_call_t *call, const void *data, size_t len);
size_t rr_grpc_call_pending_bytes(const rr_grpc_call_t *call);
/* Ends the call after the queued messages, with trailers grpc-status and
 * grpc-message (may be NULL). Further sends fail. on_close follows. */
void rr_grpc_call_finish(rr_grpc_call_t *call, rr_grpc_code_t code, const char *message);
void rr_grpc_call_set_data(rr_grpc_call_t *call, void *data);
void *rr_grpc_call_data(const rr_grpc_call_t *call);
/* "127.0.0.1:54321" — for log lines. */
const char *rr_grpc_call_peer(const rr_grpc_call_t *call);
/* True when the call came as gRPC-web over HTTP/1.1. */
bool rr_grpc_call_is_web(const rr_grpc_call_t *call);
/* A request header's value (lower-case name), or NULL. */
const char *rr_grpc_call_header(const rr_grpc_call_t *call, const char *name);

#endif
