/* libFuzzer target for the IPC writer and equality: an input the reader
 * accepts (so it is valid Arrow) is written again as a stream or a file, with
 * the compression the input's size picks, read back, and must compare equal
 * batch for batch. A failure to write, to read back, or a difference is a
 * bug: abort with the reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "arrow/compare.h"
#include "arrow/ipc.h"
#include "arrow/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const rr_error_t *err) {
    fprintf(stderr, "ipc round trip: %s: %s\n", what, err->msg);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rr_arrow_blob_t *blob = rr_arrow_blob_wrap(data, size, NULL, NULL);
    if (!blob) return 0;
    rr_arrow_table_t in = {0}, back = {0};
    rr_error_t err = {0};
    rr_status_t st = rr_arrow_ipc_read_table(blob, &in, &err);
    rr_arrow_blob_release(blob);
    if (st != RR_OK) return 0;
    rr_arrow_ipc_write_options_t opts = {
        .compression = (rr_arrow_compression_t)(size % 3),
        .file_format = (size / 3) & 1,
    };
    rr_buf_t out = {0};
    st = rr_arrow_ipc_write_table(&out, &in.schema, in.batches, in.n_batches, &opts, &err);
    /* The file format cannot hold a dictionary replaced between batches. */
    if (st == RR_ERR_UNSUPPORTED && opts.file_format) goto done;
    if (st != RR_OK) fail("write", &err);
    size_t len = 0;
    uint8_t *bytes = rr_buf_detach(&out, &len);
    rr_arrow_blob_t *b2 = rr_arrow_blob_adopt(bytes, len);
    if (!b2) abort();
    st = rr_arrow_ipc_read_table(b2, &back, &err);
    rr_arrow_blob_release(b2);
    if (st != RR_OK) fail("read back", &err);
    if (!rr_arrow_schema_equal(&in.schema, &back.schema, &err)) fail("schema", &err);
    if (in.n_batches != back.n_batches) {
        fprintf(stderr, "ipc round trip: %lld batches became %lld\n", (long long)in.n_batches,
                (long long)back.n_batches);
        abort();
    }
    for (int64_t i = 0; i < in.n_batches; i++)
        if (!rr_arrow_array_equal(&in.schema, &in.batches[i], &back.schema, &back.batches[i], &err))
            fail("batch", &err);
done:
    rr_buf_free(&out);
    rr_arrow_table_release(&in);
    rr_arrow_table_release(&back);
    return 0;
}
