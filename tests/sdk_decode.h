/* What the SDK tests read back from an .rrd the SDK wrote (a memory sink,
 * usually): the message kinds in order, the first SetStoreInfo, and every
 * chunk (after the first, /__properties chunks are left out: the stream test
 * checks them on its own). Shared by test_sdk_stream, test_sdk_flat and
 * test_sdk_stage; the functions are static inline so a test need not use
 * them all. */
#ifndef RR_TESTS_SDK_DECODE_H
#define RR_TESTS_SDK_DECODE_H

#include <stdlib.h>
#include <string.h>

#include "model/chunk.h"
#include "rerun.h"
#include "rrd/decoder.h"
#include "rrd/frames.h"
#include "testutil.h"

typedef struct decoded {
    size_t n_msgs;
    rr_log_msg_kind_t kinds[4096];
    rr_store_info_t info; /* the first SetStoreInfo */
    size_t n_chunks;
    rr_chunk_t *chunks[4096];
} decoded_t;

static inline rr_status_t sdk_decode_on_msg(void *ctx, rr_rrd_message_t *m, rr_error_t *err) {
    decoded_t *d = ctx;
    if (d->n_msgs < 4096) d->kinds[d->n_msgs] = m->msg.kind;
    d->n_msgs++;
    if (m->msg.kind == RR_LOG_MSG_SET_STORE_INFO && !d->info.store_id.application_id) {
        d->info = m->msg.u.set_store_info.info;
        memset(&m->msg.u.set_store_info.info, 0, sizeof m->msg.u.set_store_info.info);
    }
    if (m->msg.kind == RR_LOG_MSG_ARROW) {
        struct ArrowSchema s;
        struct ArrowArray b;
        rr_status_t st = rr_rrd_payload_decode(&m->msg.u.arrow, 0, &s, &b, err);
        if (st == RR_OK) {
            rr_chunk_t *c;
            st = rr_chunk_from_record_batch(&s, &b, &c, err);
            rr_arrow_schema_release(&s);
            /* The properties chunk is checked on its own. */
            if (st == RR_OK && strcmp(c->entity_path.str, "/__properties") == 0 && d->n_chunks) {
                rr_chunk_free(c);
            } else if (st == RR_OK) {
                assert_true(d->n_chunks < 4096);
                d->chunks[d->n_chunks++] = c;
            }
        }
        if (st != RR_OK) {
            rr_rrd_message_free(m);
            return st;
        }
    }
    rr_rrd_message_free(m);
    return RR_OK;
}

static inline decoded_t *decode(const uint8_t *data, size_t len) {
    decoded_t *d = calloc(1, sizeof *d);
    rr_error_t err = {0};
    assert_rr_ok(rr_rrd_decode_all(data, len, sdk_decode_on_msg, d, &err), &err);
    return d;
}

static inline decoded_t *decode_sink(rr_recording_stream_t *rec, rr_memory_sink_t *m) {
    rr_error_t err = {0};
    assert_rr_ok(rr_flush(rec, &err), &err);
    size_t len;
    const uint8_t *data = rr_memory_sink_data(m, &len);
    return decode(data, len);
}

static inline void decoded_free(decoded_t *d) {
    for (size_t i = 0; i < d->n_chunks; i++) rr_chunk_free(d->chunks[i]);
    rr_store_info_free(&d->info);
    free(d);
}

#endif
