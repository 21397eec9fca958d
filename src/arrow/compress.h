/* Buffer compression codecs of the Arrow IPC format (LZ4 frame, ZSTD), used by
 * the IPC reader and writer. Internal to src/arrow/. */
#ifndef RR_ARROW_COMPRESS_H
#define RR_ARROW_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "arrow/ipc.h"
#include "base/mem.h"
#include "base/status.h"

/* Decompresses src into exactly dst_len bytes at dst. An input that is
 * corrupt, or that does not decode to exactly dst_len bytes, is an
 * RR_ERR_INVALID_DATA error. */
rr_status_t rr_arrow_decompress(rr_arrow_compression_t codec, const uint8_t *src, size_t src_len,
                                uint8_t *dst, size_t dst_len, rr_error_t *err);

/* Appends the compressed form of src to out. level 0 means the codec default. */
rr_status_t rr_arrow_compress(rr_arrow_compression_t codec, int level, const uint8_t *src,
                              size_t src_len, rr_buf_t *out, rr_error_t *err);

#endif
