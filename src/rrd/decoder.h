/* Streaming .rrd decoder: push bytes as they arrive (from a file, a pipe, a
 * socket; in pieces of any size, one byte at a time included) and take decoded
 * messages out in stream order, which is also each store's own order.
 *
 * It follows concatenated streams (`cat a.rrd b.rrd`), streams without End or
 * footer, and the official encoder's output (End + RrdFooter + RRF2FOOT, whose
 * checksum and offsets it checks). Messages are decoded to the protobuf level
 * (rr_log_msg_t); an ArrowMsg's record batch is decoded on demand with
 * rr_rrd_payload_decode (frames.h).
 *
 * Errors carry the absolute byte offset (counted over everything pushed).
 * Every message that was complete before the damage has already been handed
 * out. A message whose frame is sound but whose protobuf body is not yields an
 * error and the decoder moves on to the next frame (rr_rrd_decoder_next may be
 * called again); a framing error (bad magic, unknown kind, absurd length, bad
 * footer) is final: later calls return it again. Lengths above the limit are
 * refused as soon as the header is read, before anything is buffered for them. */
#ifndef RR_RRD_DECODER_H
#define RR_RRD_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arrow/array.h"
#include "base/status.h"
#include "model/log_msg.h"
#include "rrd/frames.h"

typedef struct rr_rrd_decoder_options {
    uint64_t max_message_size; /* 0 means 2 GiB */
} rr_rrd_decoder_options_t;

typedef struct rr_rrd_decoder rr_rrd_decoder_t;

/* One decoded message and where it came from. */
typedef struct rr_rrd_message {
    rr_log_msg_t msg;        /* owned: free with rr_rrd_message_free */
    uint64_t offset;         /* of its 16-byte frame header */
    uint64_t body_offset;    /* of the protobuf body (what a manifest points at) */
    uint64_t body_len;
    uint32_t stream_index;   /* 0 for the first stream, +1 per concatenated stream */
    uint8_t version[4];      /* of the stream's header */
} rr_rrd_message_t;

void rr_rrd_message_free(rr_rrd_message_t *m); /* NULL-safe, zeroes */

/* opts may be NULL. */
rr_status_t rr_rrd_decoder_new(const rr_rrd_decoder_options_t *opts, rr_rrd_decoder_t **out,
                               rr_error_t *err);
void rr_rrd_decoder_free(rr_rrd_decoder_t *d); /* NULL-safe */

/* Buffers bytes (copied). Fails only when out of memory. */
rr_status_t rr_rrd_decoder_push(rr_rrd_decoder_t *d, const void *data, size_t len, rr_error_t *err);

/* Next message: RR_OK with *got true and *out filled, or RR_OK with *got
 * false when more bytes are needed, or an error (see the top comment). */
rr_status_t rr_rrd_decoder_next(rr_rrd_decoder_t *d, rr_rrd_message_t *out, bool *got,
                                rr_error_t *err);

/* Same, but an ArrowMsg's payload is not copied out of the protobuf body:
 * msg.u.arrow.payload_owner holds it (log_msg.h), and rr_rrd_payload_decode
 * reads the record batch in place over it. Once next_ref has been called
 * on a decoder, a large ArrowMsg body (64 KiB to 64 MiB) gets a buffer of its
 * own as soon as its first bytes are in, placed so that the payload is
 * 64-byte aligned, and later bytes are pushed (or read,
 * rr_rrd_decoder_read_fd) straight into it: its columns are then read where
 * the bytes first landed. A small one's payload is copied once, into an
 * aligned blob. Free the message with rr_rrd_message_free (or its msg with
 * rr_log_msg_free). */
rr_status_t rr_rrd_decoder_next_ref(rr_rrd_decoder_t *d, rr_rrd_message_t *out, bool *got,
                                    rr_error_t *err);

/* Reads once from fd (read(2), retried on EINTR) into the decoder, instead of
 * push: straight into a large message's own buffer while one is filling
 * (next_ref in use; the rest of its body at once), else up to 64 KiB into
 * the queue, so that the bytes of a large message are copied once, by the
 * kernel. *n_read is 0
 * at end of file (and once the decoder has failed: next() says why).
 * RR_ERR_IO naming the offset when read fails, RR_ERR_NOMEM. */
rr_status_t rr_rrd_decoder_read_fd(rr_rrd_decoder_t *d, int fd, size_t *n_read, rr_error_t *err);

/* Says the input has ended. RR_OK when it ended between frames (after a
 * header, a message, an End or a footer); RR_ERR_TRUNCATED naming the offset
 * and the frame that was cut otherwise. Call after next() returned no message. */
rr_status_t rr_rrd_decoder_finish(rr_rrd_decoder_t *d, rr_error_t *err);

/* True once a framing error made the decoder stop. */
bool rr_rrd_decoder_failed(const rr_rrd_decoder_t *d);
/* Bytes consumed so far (the offset of the next frame). */
uint64_t rr_rrd_decoder_offset(const rr_rrd_decoder_t *d);
/* Streams started so far. */
uint32_t rr_rrd_decoder_stream_count(const rr_rrd_decoder_t *d);

/* The RrdFooters met so far (one per stream that had one), owned by the
 * decoder; their checksums and offsets were checked. */
size_t rr_rrd_decoder_footer_count(const rr_rrd_decoder_t *d);
const rr_rrd_footer_msg_t *rr_rrd_decoder_footer(const rr_rrd_decoder_t *d, size_t i);

/* Convenience: decodes a whole in-memory .rrd, calling fn for every message
 * (fn takes ownership of *m and must free it). Stops at the first error,
 * after delivering every message before it; a non-OK status from fn stops too
 * and is returned. */
typedef rr_status_t (*rr_rrd_message_fn)(void *ctx, rr_rrd_message_t *m, rr_error_t *err);
rr_status_t rr_rrd_decode_all(const void *data, size_t len, rr_rrd_message_fn fn, void *ctx,
                              rr_error_t *err);

#endif
