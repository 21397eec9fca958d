/* Tests of the IPC buffer codecs: exact sizes, frames whose end mark and
 * checksum follow the last byte of output, and corrupt or short input. */
#include <lz4frame.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/compress.h"
#include "testutil.h"

static uint8_t *sample(size_t n) {
    uint8_t *p = malloc(n);
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)((i * 7) % 13 + (i % 100 == 0 ? i : 0));
    return p;
}

static void roundtrip(rr_arrow_compression_t codec) {
    rr_error_t err = {0};
    for (size_t n = 0; n < 5000; n = n * 3 + 1) {
        uint8_t *src = sample(n);
        rr_buf_t out = {0};
        assert_rr_ok(rr_arrow_compress(codec, 0, src, n, &out, &err), &err);
        uint8_t *dst = malloc(n + 1);
        assert_rr_ok(rr_arrow_decompress(codec, out.data, out.len, dst, n, &err), &err);
        assert_memory_equal(dst, src, n);
        /* A declared size one too small or one too large is an error. */
        if (n > 0) assert_int_not_equal(rr_arrow_decompress(codec, out.data, out.len, dst, n - 1, &err), RR_OK);
        assert_int_not_equal(rr_arrow_decompress(codec, out.data, out.len, dst, n + 1, &err), RR_OK);
        /* Every truncation is an error, never a crash. */
        for (size_t cut = 0; n > 0 && cut < out.len; cut += 1 + out.len / 50)
            assert_int_not_equal(rr_arrow_decompress(codec, out.data, cut, dst, n, &err), RR_OK);
        free(dst);
        free(src);
        rr_buf_free(&out);
    }
}

static void test_lz4_roundtrip(void **state) {
    (void)state;
    roundtrip(RR_ARROW_COMPRESSION_LZ4_FRAME);
}

static void test_zstd_roundtrip(void **state) {
    (void)state;
    roundtrip(RR_ARROW_COMPRESSION_ZSTD);
}

/* Other writers (apache-arrow JS with lz4js, for one) emit frames without a
 * content size and with a content checksum: the output fills before the end
 * mark and checksum are read. */
static void test_lz4_frame_with_checksum_after_output(void **state) {
    (void)state;
    rr_error_t err = {0};
    size_t n = 1000;
    uint8_t *src = sample(n);
    LZ4F_preferences_t prefs = LZ4F_INIT_PREFERENCES;
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    size_t bound = LZ4F_compressFrameBound(n, &prefs);
    uint8_t *frame = malloc(bound);
    size_t len = LZ4F_compressFrame(frame, bound, src, n, &prefs);
    assert_false(LZ4F_isError(len));
    uint8_t *dst = malloc(n);
    assert_rr_ok(rr_arrow_decompress(RR_ARROW_COMPRESSION_LZ4_FRAME, frame, len, dst, n, &err), &err);
    assert_memory_equal(dst, src, n);
    assert_int_equal(rr_arrow_decompress(RR_ARROW_COMPRESSION_LZ4_FRAME, frame, len, dst, n - 10, &err),
                     RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "more than the declared"));
    frame[len - 1] ^= 0xff; /* checksum */
    assert_int_equal(rr_arrow_decompress(RR_ARROW_COMPRESSION_LZ4_FRAME, frame, len, dst, n, &err),
                     RR_ERR_INVALID_DATA);
    free(dst);
    free(frame);
    free(src);
}

static void test_garbage(void **state) {
    (void)state;
    rr_error_t err = {0};
    uint8_t junk[64], dst[64];
    for (int i = 0; i < 64; i++) junk[i] = (uint8_t)(i * 31);
    assert_int_not_equal(rr_arrow_decompress(RR_ARROW_COMPRESSION_LZ4_FRAME, junk, 64, dst, 64, &err), RR_OK);
    assert_non_null(strstr(err.msg, "LZ4"));
    assert_int_not_equal(rr_arrow_decompress(RR_ARROW_COMPRESSION_ZSTD, junk, 64, dst, 64, &err), RR_OK);
    assert_non_null(strstr(err.msg, "ZSTD"));
    assert_int_equal(rr_arrow_decompress((rr_arrow_compression_t)9, junk, 64, dst, 64, &err), RR_ERR_UNSUPPORTED);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lz4_roundtrip),
        cmocka_unit_test(test_zstd_roundtrip),
        cmocka_unit_test(test_lz4_frame_with_checksum_after_output),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
