/* libFuzzer target for the Arrow IPC reader: the input is opened as an IPC
 * stream or file (by its magic) and every batch is read and released. Any
 * crash, leak, hang or sanitizer report is a reader bug; errors are fine. */
#include <stddef.h>
#include <stdint.h>

#include "arrow/array.h"
#include "arrow/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* A blob over the fuzzer's own buffer: it outlives everything here. */
    rr_arrow_blob_t *blob = rr_arrow_blob_wrap(data, size, NULL, NULL);
    if (!blob) return 0;
    rr_arrow_ipc_reader_t *r = NULL;
    rr_error_t err;
    /* Half the inputs run with no error to fill, as callers may. */
    rr_error_t *e = (size & 1) ? NULL : &err;
    if (rr_arrow_ipc_reader_open(blob, &r, e) == RR_OK) {
        /* Touch what a consumer would: the schema and every batch. */
        (void)rr_arrow_ipc_reader_schema(r);
        for (int i = 0; i < 100000; i++) {
            struct ArrowArray batch;
            bool done = false;
            if (rr_arrow_ipc_reader_next(r, &batch, &done, e) != RR_OK || done) break;
            (void)rr_arrow_ipc_reader_offset(r);
            (void)rr_arrow_ipc_reader_compression(r);
            rr_arrow_array_release(&batch);
        }
        rr_arrow_ipc_reader_free(r);
    }
    rr_arrow_blob_release(blob);
    return 0;
}
