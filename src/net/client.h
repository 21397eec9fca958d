/* gRPC client over HTTP/2 (nghttp2, prior-knowledge h2c on TCP; no TLS).
 * One connection, any number of calls on it: client streaming
 * (WriteMessages), unary, and server streaming (ReadMessages) with a
 * callback per response message.
 *
 * Threading: a client and its calls belong to one thread, which drives all
 * I/O through rr_grpc_client_pump (or the blocking helpers that pump for
 * it). Nothing runs in the background. Sending does not copy message bytes:
 * a call keeps a reference to each rr_grpc_bytes_t until its last byte went
 * to the socket.
 *
 * Errors: a lost connection, a refused stream or a call that ended with a
 * non-OK grpc-status are reported as rr_status_t with messages naming the
 * method, the gRPC status name and the server's grpc-message. */
#ifndef RR_NET_CLIENT_H
#define RR_NET_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "net/grpc.h"
#include "net/url.h"

typedef struct rr_grpc_client rr_grpc_client_t;
typedef struct rr_grpc_ccall rr_grpc_ccall_t;

typedef struct rr_grpc_client_config {
    uint32_t connect_timeout_ms; /* 0: 5000 */
    size_t max_message_bytes;    /* largest response message accepted; 0: 4 GiB - 1 */
    /* Unsent bytes the client buffers towards the socket before it stops
     * pulling from calls; 0: 4 MiB. */
    size_t max_out_bytes;
} rr_grpc_client_config_t;

/* Connects (TCP, then the HTTP/2 preface and our SETTINGS: large windows).
 * cfg may be NULL. RR_ERR_UNAVAILABLE when nothing listens or the timeout
 * passes; RR_ERR_UNSUPPORTED for TLS URLs. */
rr_status_t rr_grpc_client_connect(const char *host, uint16_t port,
                                   const rr_grpc_client_config_t *cfg, rr_grpc_client_t **out,
                                   rr_error_t *err);
rr_status_t rr_grpc_client_connect_url(const rr_url_t *url, const rr_grpc_client_config_t *cfg,
                                       rr_grpc_client_t **out, rr_error_t *err);
/* Closes the connection (GOAWAY, best effort) and frees the client and any
 * calls still open (their callbacks are not called). NULL-safe. */
void rr_grpc_client_free(rr_grpc_client_t *c);

/* One round of I/O: waits up to timeout_ms for the socket (or for extra_fd,
 * when >= 0, to become readable: a wake-up pipe), reads and handles what
 * arrived, writes what is pending. RR_ERR_UNAVAILABLE once the connection
 * is gone (the message says why); the client is then unusable. */
rr_status_t rr_grpc_client_pump(rr_grpc_client_t *c, int timeout_ms, int extra_fd,
                                rr_error_t *err);
/* True while the connection is up. */
bool rr_grpc_client_alive(const rr_grpc_client_t *c);
/* Bytes queued towards the socket (frames nghttp2 produced, not yet written). */
size_t rr_grpc_client_out_bytes(const rr_grpc_client_t *c);

/* PING: returns its number (1, 2, ...); rr_grpc_client_ping_acked tells the
 * highest number the server acknowledged. The server answers a PING after
 * reading every frame sent before it, which makes a PING ack a delivery
 * receipt for everything written earlier. */
rr_status_t rr_grpc_client_ping(rr_grpc_client_t *c, uint64_t *id, rr_error_t *err);
uint64_t rr_grpc_client_ping_acked(const rr_grpc_client_t *c);

/* --- calls ------------------------------------------------------------ */

/* A response message (data valid during the call only). A non-OK return
 * cancels the call (RST_STREAM CANCEL) and is reported by the call's end. */
typedef rr_status_t (*rr_grpc_ccall_msg_fn)(void *ud, const uint8_t *data, size_t len,
                                            rr_error_t *err);

/* Opens a call of `path` ("/package.Service/Method"). on_msg may be NULL
 * (responses are then dropped, e.g. WriteMessages' empty reply). The call is
 * owned by the client until rr_grpc_ccall_free. */
rr_status_t rr_grpc_ccall_start(rr_grpc_client_t *c, const char *path, rr_grpc_ccall_msg_fn on_msg,
                                void *ud, rr_grpc_ccall_t **out, rr_error_t *err);
/* Queues one request message; takes its own reference to msg (the 5-byte
 * gRPC prefix is added on the wire, msg holds the protobuf bytes only). */
rr_status_t rr_grpc_ccall_send(rr_grpc_ccall_t *call, rr_grpc_bytes_t *msg, rr_error_t *err);
/* Ends the request side (END_STREAM after the queued messages). */
rr_status_t rr_grpc_ccall_close_send(rr_grpc_ccall_t *call, rr_error_t *err);
/* Request bytes queued and not yet written to the socket. */
size_t rr_grpc_ccall_pending_bytes(const rr_grpc_ccall_t *call);
/* Request messages whose every byte was written to the socket. */
uint64_t rr_grpc_ccall_written(const rr_grpc_ccall_t *call);
/* True once the server ended the call (trailers, reset, or connection loss). */
bool rr_grpc_ccall_done(const rr_grpc_ccall_t *call);
/* After done: OK for grpc-status 0; otherwise the error names the method,
 * the status and the server's message. *code (may be NULL) gets the status. */
rr_status_t rr_grpc_ccall_result(const rr_grpc_ccall_t *call, rr_grpc_code_t *code,
                                 rr_error_t *err);
/* Waits (pumping) until the call is done or timeout_ms passes (< 0: no
 * limit), then returns rr_grpc_ccall_result. A timeout cancels the call and
 * returns an error naming DEADLINE_EXCEEDED. */
rr_status_t rr_grpc_ccall_wait(rr_grpc_ccall_t *call, int timeout_ms, rr_grpc_code_t *code,
                               rr_error_t *err);
/* Cancels (RST_STREAM) if still open, and frees. NULL-safe. */
void rr_grpc_ccall_free(rr_grpc_ccall_t *call);

/* Unary: one request, one response (copied into *resp, which the caller
 * frees with rr_grpc_bytes_unref). */
rr_status_t rr_grpc_client_unary(rr_grpc_client_t *c, const char *path, const void *req,
                                 size_t req_len, int timeout_ms, rr_grpc_bytes_t **resp,
                                 rr_error_t *err);
/* Server streaming: one request, on_msg per response message until the
 * server ends the call (or on_msg returns non-OK, or timeout_ms passes,
 * < 0 for none). */
rr_status_t rr_grpc_client_server_stream(rr_grpc_client_t *c, const char *path, const void *req,
                                         size_t req_len, rr_grpc_ccall_msg_fn on_msg, void *ud,
                                         int timeout_ms, rr_error_t *err);

#endif
