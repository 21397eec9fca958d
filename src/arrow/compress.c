/* LZ4-frame and ZSTD codecs for IPC body buffers (see compress.h), on the
 * Debian liblz4 and libzstd. */
#include "arrow/compress.h"

#include <stdbool.h>

#include <lz4frame.h>
#include <zstd.h>

static rr_status_t lz4_decompress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
                                  rr_error_t *err) {
    LZ4F_dctx *ctx = NULL;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION)))
        return rr_error_set(err, RR_ERR_NOMEM, "cannot create an LZ4 decompression context");
    size_t in_pos = 0, out_pos = 0;
    rr_status_t st = RR_OK;
    /* Once dst is full the frame may still hold its end mark and checksum:
     * keep feeding it with a scratch output, which must stay empty. */
    uint8_t scratch[64];
    for (;;) {
        bool full = out_pos == dst_len;
        size_t in_n = src_len - in_pos, out_n = full ? sizeof scratch : dst_len - out_pos;
        size_t r = LZ4F_decompress(ctx, full ? scratch : dst + out_pos, &out_n, src + in_pos,
                                   &in_n, NULL);
        if (LZ4F_isError(r)) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA, "corrupt LZ4 frame at input byte %zu: %s",
                              in_pos, LZ4F_getErrorName(r));
            break;
        }
        in_pos += in_n;
        if (full && out_n > 0) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA,
                              "LZ4 frame decodes to more than the declared %zu bytes", dst_len);
            break;
        }
        out_pos += full ? 0 : out_n;
        if (r == 0) break; /* frame complete */
        if (in_n == 0 && out_n == 0) {
            st = rr_error_set(err, RR_ERR_TRUNCATED,
                              "LZ4 frame ends early (%zu of %zu bytes decoded)", out_pos, dst_len);
            break;
        }
    }
    if (st == RR_OK && out_pos != dst_len)
        st = rr_error_set(err, RR_ERR_INVALID_DATA,
                          "LZ4 frame decodes to %zu bytes, the buffer declares %zu", out_pos,
                          dst_len);
    LZ4F_freeDecompressionContext(ctx);
    return st;
}

rr_status_t rr_arrow_decompress(rr_arrow_compression_t codec, const uint8_t *src, size_t src_len,
                                uint8_t *dst, size_t dst_len, rr_error_t *err) {
    switch (codec) {
    case RR_ARROW_COMPRESSION_LZ4_FRAME:
        return lz4_decompress(src, src_len, dst, dst_len, err);
    case RR_ARROW_COMPRESSION_ZSTD: {
        size_t r = ZSTD_decompress(dst, dst_len, src, src_len);
        if (ZSTD_isError(r))
            return rr_error_set(err, RR_ERR_INVALID_DATA, "corrupt ZSTD frame: %s",
                                ZSTD_getErrorName(r));
        if (r != dst_len)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "ZSTD frame decodes to %zu bytes, the buffer declares %zu", r,
                                dst_len);
        return RR_OK;
    }
    default:
        return rr_error_set(err, RR_ERR_UNSUPPORTED, "unknown compression codec %d", (int)codec);
    }
}

rr_status_t rr_arrow_compress(rr_arrow_compression_t codec, int level, const uint8_t *src,
                              size_t src_len, rr_buf_t *out, rr_error_t *err) {
    switch (codec) {
    case RR_ARROW_COMPRESSION_LZ4_FRAME: {
        LZ4F_preferences_t prefs = LZ4F_INIT_PREFERENCES;
        prefs.compressionLevel = level;
        prefs.frameInfo.contentSize = src_len;
        size_t bound = LZ4F_compressFrameBound(src_len, &prefs);
        if (rr_buf_reserve(out, bound) != RR_OK)
            return rr_error_set(err, RR_ERR_NOMEM, "out of memory compressing %zu bytes", src_len);
        size_t r = LZ4F_compressFrame(out->data + out->len, bound, src, src_len, &prefs);
        if (LZ4F_isError(r))
            return rr_error_set(err, RR_ERR_INTERNAL, "LZ4 compression failed: %s",
                                LZ4F_getErrorName(r));
        out->len += r;
        return RR_OK;
    }
    case RR_ARROW_COMPRESSION_ZSTD: {
        size_t bound = ZSTD_compressBound(src_len);
        if (rr_buf_reserve(out, bound) != RR_OK)
            return rr_error_set(err, RR_ERR_NOMEM, "out of memory compressing %zu bytes", src_len);
        size_t r = ZSTD_compress(out->data + out->len, bound, src, src_len,
                                 level ? level : ZSTD_CLEVEL_DEFAULT);
        if (ZSTD_isError(r))
            return rr_error_set(err, RR_ERR_INTERNAL, "ZSTD compression failed: %s",
                                ZSTD_getErrorName(r));
        out->len += r;
        return RR_OK;
    }
    default:
        return rr_error_set(err, RR_ERR_INVALID_ARG, "unknown compression codec %d", (int)codec);
    }
}
