/* The service both gRPC server fuzz targets (fuzz_h2_server, fuzz_grpc_web)
 * run their input against: it echoes, streams and hangs, so calls open,
 * stream, finish early, time out and get reset. The input's first byte picks
 * the size of the pieces the rest is fed in. Included by one target each. */
#ifndef RR_FUZZ_GRPC_SERVICE_H
#define RR_FUZZ_GRPC_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "net/server_internal.h"

static void echo(rr_grpc_call_t *call, const uint8_t *d, size_t n, void *ud) {
    rr_grpc_call_send_copy(call, d, n);
    if (n && d[0] == 'F') rr_grpc_call_finish(call, RR_GRPC_ABORTED, "early \xff finish");
}
static void stream(rr_grpc_call_t *call, const uint8_t *d, size_t n, void *ud) {
    for (size_t i = 0; i < (n ? d[0] : 0u); i++)
        if (rr_grpc_call_send_copy(call, d, n) != RR_OK) break;
}
static void done(rr_grpc_call_t *call, void *ud) { rr_grpc_call_finish(call, RR_GRPC_OK, NULL); }
static void writable(rr_grpc_call_t *call, void *ud) { rr_grpc_call_send_copy(call, "w", 1); }

static rr_grpc_server_t *server(void) {
    static rr_grpc_server_t *srv;
    if (srv) return srv;
    rr_grpc_server_config_t cfg = {.max_message_bytes = 4096, .max_pending_bytes_per_call = 8192,
                                   .max_streams_per_connection = 8};
    if (rr_grpc_server_new(&cfg, &srv, NULL) != RR_OK) abort();
    const rr_grpc_method_t m[] = {
        {.path = "/a", .on_message = echo, .on_half_close = done},
        {.path = "/b", .on_message = stream, .on_writable = writable},
        {.path = "/c"},
    };
    for (size_t i = 0; i < 3; i++)
        if (rr_grpc_server_add_method(srv, &m[i], NULL, NULL) != RR_OK) abort();
    return srv;
}

static void fuzz_grpc_feed(rr_grpc_conn_mode_t mode, const uint8_t *data, size_t size) {
    if (size < 1) return;
    size_t piece = data[0] ? data[0] : size;
    rr_grpc_server_feed_memory(server(), mode, data + 1, size - 1, piece);
}

#endif
