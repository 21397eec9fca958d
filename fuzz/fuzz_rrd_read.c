/* libFuzzer target for the .rrd readers. The first input byte picks how the
 * rest is pushed into the streaming decoder, and whether messages are taken
 * with next or next_ref (piece size 1..256, or all at
 * once); every message is taken out, every ArrowMsg payload decoded to a
 * record batch, decoding continues past recoverable errors, and every footer
 * manifest met is read. The same bytes then go through the random-access
 * reader (footer, manifests, each chunk). Any crash, leak, hang or sanitizer
 * report is a bug; errors are fine. */
#include <stddef.h>
#include <stdint.h>

#include "arrow/array.h"
#include "arrow/schema.h"
#include "model/chunk.h"
#include "rrd/decoder.h"
#include "rrd/manifest.h"
#include "rrd/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use_payload(const rr_arrow_msg_t *a) {
    struct ArrowSchema s;
    struct ArrowArray b;
    rr_error_t err;
    if (rr_rrd_payload_decode(a, 64u << 20, &s, &b, &err) == RR_OK) {
        rr_tuid_t id;
        (void)rr_chunk_id_from_schema(&s, &id);
        (void)rr_rrd_schema_is_static(&s);
        rr_arrow_array_release(&b);
        rr_arrow_schema_release(&s);
    }
}

static void use_footer(const rr_rrd_footer_msg_t *f) {
    for (size_t i = 0; i < f->n_manifests; i++) {
        rr_rrd_manifest_t m;
        rr_error_t err;
        if (rr_rrd_manifest_read(&f->manifests[i], &m, &err) == RR_OK) rr_rrd_manifest_free(&m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t step = data[0] == 0 ? size : data[0];
    data++;
    size--;
    rr_rrd_decoder_options_t opts = {.max_message_size = 64u << 20};
    rr_rrd_decoder_t *d;
    rr_error_t err;
    if (rr_rrd_decoder_new(&opts, &d, &err) != RR_OK) return 0;
    int errors = 0;
    for (size_t pos = 0; pos <= size && errors < 1000; pos += step) {
        size_t n = size - pos < step ? size - pos : step;
        if (rr_rrd_decoder_push(d, data + pos, n, &err) != RR_OK) break;
        for (;;) {
            rr_rrd_message_t m;
            bool got = false;
            /* Odd first bytes take the in-place path (own buffers, borrowed
             * payloads), even ones the copying path. */
            rr_status_t st = (step & 1) ? rr_rrd_decoder_next_ref(d, &m, &got, &err)
                                        : rr_rrd_decoder_next(d, &m, &got, &err);
            if (st != RR_OK) {
                if (rr_rrd_decoder_failed(d) || ++errors >= 1000) break;
                continue;
            }
            if (!got) break;
            if (m.msg.kind == RR_LOG_MSG_ARROW) use_payload(&m.msg.u.arrow);
            (void)rr_log_msg_store_id(&m.msg);
            rr_rrd_message_free(&m);
        }
        if (n == 0) break;
    }
    (void)rr_rrd_decoder_finish(d, &err);
    for (size_t i = 0; i < rr_rrd_decoder_footer_count(d); i++) use_footer(rr_rrd_decoder_footer(d, i));
    rr_rrd_decoder_free(d);

    rr_rrd_source_t src;
    rr_rrd_source_mem(&src, data, size);
    rr_rrd_index_t idx;
    if (rr_rrd_index_read(&src, &idx, &err) == RR_OK) {
        for (size_t i = 0; i < idx.n_manifests; i++)
            for (int64_t k = 0; k < idx.manifests[i].n_chunks && k < 64; k++) {
                struct ArrowSchema s;
                struct ArrowArray b;
                if (rr_rrd_index_read_batch(&src, &idx, &idx.manifests[i].chunks[k], &s, &b, &err) == RR_OK) {
                    rr_arrow_array_release(&b);
                    rr_arrow_schema_release(&s);
                }
            }
        rr_rrd_index_free(&idx);
    }
    return 0;
}
