/* libFuzzer target for the gRPC server's HTTP/2 side: the input is what a
 * client sends after the connection preface (frames of any shape), fed to a
 * server connection from memory (no socket; output discarded) in pieces
 * whose size the first byte picks. The service echoes, streams and hangs,
 * so calls open, stream, finish early, time out and get reset. Any
 * crash, leak, hang or sanitizer report is a bug; errors are fine. */
#include "fuzz_grpc_service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_grpc_feed(RR_CONN_H2, data, size);
    return 0;
}
