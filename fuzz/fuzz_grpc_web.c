/* libFuzzer target for the gRPC server's gRPC-web side: the input is what a
 * browser sends over HTTP/1.1 (requests, bodies, chunking of any shape), fed
 * to a sniffing server connection from memory (no socket; output discarded) in pieces
 * whose size the first byte picks. The service echoes, streams and hangs,
 * so calls open, stream, finish early, time out and get reset. Any
 * crash, leak, hang or sanitizer report is a bug; errors are fine. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "net/server_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t piece = data[0] ? data[0] : size;
    rr_grpc_server_feed_memory(server(), RR_CONN_SNIFF, data + 1, size - 1, piece);
    return 0;
}
