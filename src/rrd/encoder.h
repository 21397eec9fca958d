/* .rrd writer: stream header, one frame per message (SetStoreInfo, ArrowMsg per
 * chunk, BlueprintActivationCommand), and at finish the End frame carrying an
 * RrdFooter with one manifest per recording that has chunks (manifest.h),
 * then the 32-byte RRF2FOOT stream footer with the footer's xxh32 — the shape
 * Rerun 0.33's own encoder writes (crates/store/re_log_encoding/src/rrd/
 * encoder.rs). Layout in frames.h.
 *
 * Output goes to a sink: an rr_buf_t, a FILE*, a file descriptor, or a
 * callback. Each message is encoded whole before any of it is written, so a
 * failing message never leaves half a frame behind. */
#ifndef RR_RRD_ENCODER_H
#define RR_RRD_ENCODER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/mem.h"
#include "base/status.h"
#include "model/chunk.h"
#include "model/log_msg.h"

typedef struct rr_rrd_writer_options {
    bool no_compression; /* ArrowMsg payloads uncompressed (LZ4 block is the default) */
    bool no_footer;      /* finish without End, RrdFooter and stream footer */
    uint8_t version[4];  /* stream version bytes; all zero means 0.33.0 (00 21 00 00) */
    /* LZ4_compress_fast's acceleration for ArrowMsg payloads (0 or 1: LZ4's
     * default, the smallest files). Any value makes blocks every reader
     * (Rerun's included) decompresses the same way. */
    int lz4_acceleration;
    /* ArrowMsg payloads compressed by rr_rrd_lz4_strided (frames.h): faster
     * on chunks of fixed-width columns, a little bigger; payloads where it
     * saves less than 1/8 get LZ4_compress_fast's block. Ordinary LZ4 blocks
     * either way. */
    bool lz4_strided;
} rr_rrd_writer_options_t;

/* Writes all len bytes or fails. */
typedef rr_status_t (*rr_rrd_sink_fn)(void *ctx, const void *data, size_t len, rr_error_t *err);

typedef struct rr_rrd_writer rr_rrd_writer_t;

/* Each opener writes the stream header at once. opts may be NULL. The sink
 * (buffer, FILE*, fd) stays the caller's and must outlive the writer. */
rr_status_t rr_rrd_writer_open(rr_rrd_sink_fn sink, void *ctx, const rr_rrd_writer_options_t *opts,
                               rr_rrd_writer_t **out, rr_error_t *err);
rr_status_t rr_rrd_writer_open_buf(rr_buf_t *buf, const rr_rrd_writer_options_t *opts,
                                   rr_rrd_writer_t **out, rr_error_t *err);
rr_status_t rr_rrd_writer_open_file(FILE *f, const rr_rrd_writer_options_t *opts,
                                    rr_rrd_writer_t **out, rr_error_t *err);
rr_status_t rr_rrd_writer_open_fd(int fd, const rr_rrd_writer_options_t *opts,
                                  rr_rrd_writer_t **out, rr_error_t *err);

/* SetStoreInfo for info's store (a fresh row id; our C SDK source and the
 * 0.33.0 version unless info says otherwise: source_kind UNSPECIFIED becomes
 * C_SDK and a missing version becomes the stream's). */
rr_status_t rr_rrd_writer_set_store_info(rr_rrd_writer_t *w, const rr_store_info_t *info,
                                         rr_error_t *err);
/* One chunk as an ArrowMsg of store (its record batch as an Arrow IPC stream,
 * LZ4 unless turned off), and an entry in that store's manifest. */
rr_status_t rr_rrd_writer_write_chunk(rr_rrd_writer_t *w, const rr_store_id_t *store,
                                      const rr_chunk_t *chunk, rr_error_t *err);
/* The protobuf body of the ArrowMsg the writer writes for a chunk (appended
 * to out): what a message sink other than a file gets, byte for byte. */
rr_status_t rr_rrd_chunk_body_encode(const rr_store_id_t *store, const rr_chunk_t *chunk,
                                     bool compress, rr_buf_t *out, rr_error_t *err);
/* The same as a writer opened with opts (may be NULL) writes it. */
rr_status_t rr_rrd_chunk_body_encode_opts(const rr_store_id_t *store, const rr_chunk_t *chunk,
                                          const rr_rrd_writer_options_t *opts, rr_buf_t *out,
                                          rr_error_t *err);
/* Any message as given. An ArrowMsg written this way has no manifest entry,
 * so the writer then omits the footer (as Rerun does for raw messages). */
rr_status_t rr_rrd_writer_write_msg(rr_rrd_writer_t *w, const rr_log_msg_t *msg, rr_error_t *err);

/* Bytes written so far. */
uint64_t rr_rrd_writer_bytes_written(const rr_rrd_writer_t *w);

/* Writes End, RrdFooter and the stream footer (unless no_footer), then frees
 * the writer whatever the result. Does not flush or close the sink. */
rr_status_t rr_rrd_writer_finish(rr_rrd_writer_t *w, rr_error_t *err);
/* Frees without finishing (the stream then just ends: readers accept it). */
void rr_rrd_writer_free(rr_rrd_writer_t *w); /* NULL-safe */

#endif
