/* libFuzzer target for loading .rrd bytes into a store set: the decoder,
 * then the store's own chunk decoder for ArrowMsgs (schemas cached by their
 * bytes, small batches read in place and packed by a per-schema plan), then
 * insertion, compaction and the store's indexes. fuzz_rrd_read stops at the
 * decoded record batch and never reaches this path. Any crash, leak, hang
 * or sanitizer report is a bug; errors are fine. */
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rr_store_set_t *set = NULL;
    rr_error_t err;
    if (rr_store_set_new(NULL, &set, &err) != RR_OK) return 0;
    (void)rr_store_set_load_rrd_bytes(set, data, size, &err);
    /* What loaded must be readable: walk every store's timelines. */
    for (size_t i = 0; i < rr_store_set_count(set); i++) {
        rr_store_t *s = rr_store_set_get(set, i);
        for (size_t t = 0; t < rr_store_num_timelines(s); t++) {
            rr_time_range_t r;
            (void)rr_store_time_range(s, NULL, rr_store_timeline(s, t)->name, &r);
        }
    }
    rr_store_set_free(set);
    return 0;
}
