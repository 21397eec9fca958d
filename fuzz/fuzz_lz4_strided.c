/* libFuzzer target for our LZ4 block encoder (rr_rrd_lz4_strided in
 * src/rrd/frames.c), which every SDK sink uses: whatever the input, it must
 * stay inside its output buffer, return 0 or a block that liblz4's safe
 * decoder turns back into exactly the input, and do so also when the output
 * buffer is too small to hold it (then it returns 0). The first byte picks
 * how much output room it gets; the rest is the input. */
#include <lz4.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rrd/frames.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const uint8_t *src = data + 1;
    size_t n = size - 1;
    size_t bound = (size_t)LZ4_compressBound((int)n);
    /* Room: the full bound, or a cut one to exercise the end checks. */
    size_t cap = (data[0] & 1) ? bound : (bound * (data[0] >> 1)) / 128;
    uint8_t *dst = malloc(cap ? cap : 1);
    uint8_t *back = malloc(n ? n : 1);
    if (!dst || !back) abort();
    size_t got = rr_rrd_lz4_strided(src, n, dst, cap);
    if (got > cap) abort();
    if (got) {
        int r = LZ4_decompress_safe((const char *)dst, (char *)back, (int)got, (int)n);
        if (r != (int)n || memcmp(back, src, n) != 0) abort();
    } else if (cap >= bound && n > 0) {
        abort(); /* with LZ4's bound of room it must always succeed */
    }
    free(dst);
    free(back);
    return 0;
}
