/* The byte layout of an .rrd stream (Rerun 0.33, "RRF2"), and the ArrowMsg
 * payload codec.
 *
 *   stream   := StreamHeader Message* [End RrdFooter StreamFooter]
 *   StreamHeader (12 bytes): "RRF2", 4 version bytes (major, minor, patch,
 *       meta), options: compression (0 off, 1 LZ4), serializer (2 protobuf), 0, 0
 *   Message header (16 bytes): u64 LE kind (0 End, 1 SetStoreInfo, 2 ArrowMsg,
 *       3 BlueprintActivationCommand), u64 LE body length; then the protobuf body
 *   End: kind 0, body = RrdFooter protobuf (may be empty in old files)
 *   StreamFooter (32 bytes): u64 LE start and u64 LE length of the RrdFooter
 *       body, u32 LE xxh32 of it (seed 7850921), "RRF2", "FOOT", u32 LE count (1)
 * Streams may be concatenated (`cat a.rrd b.rrd`): a new StreamHeader may
 * follow an End, a StreamFooter, or (in old files) a plain message.
 *
 * An ArrowMsg payload is an Arrow IPC stream (schema, one record batch, end
 * marker) of the chunk's record batch; with LZ4 it is compressed whole as one
 * LZ4 *block* (no frame, no size prefix) and uncompressed_size records the IPC
 * stream's length (also set when not compressed). */
#ifndef RR_RRD_FRAMES_H
#define RR_RRD_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arrow/abi.h"
#include "arrow/array.h"
#include "arrow/ipc.h"
#include "base/mem.h"
#include "base/status.h"
#include "model/log_msg.h"

#define RR_RRD_FOURCC "RRF2"
#define RR_RRD_STREAM_HEADER_SIZE 12
#define RR_RRD_MESSAGE_HEADER_SIZE 16
#define RR_RRD_STREAM_FOOTER_SIZE 32
#define RR_RRD_FOOTER_CRC_SEED 7850921u /* "RERUN" in base 26 */

/* Message kinds of the frame header (1..3 equal rr_log_msg_kind_t). */
#define RR_RRD_KIND_END 0

/* Stream-level compression flag (a hint: each ArrowMsg says its own). */
typedef enum rr_rrd_compression {
    RR_RRD_COMPRESSION_OFF = 0,
    RR_RRD_COMPRESSION_LZ4 = 1,
} rr_rrd_compression_t;

typedef struct rr_rrd_stream_header {
    uint8_t version[4];
    rr_rrd_compression_t compression;
} rr_rrd_stream_header_t;

void rr_rrd_stream_header_write(const rr_rrd_stream_header_t *h, uint8_t out[12]);
/* Checks the magic ("RRF0"/"RRF1" are named as older formats), the version
 * (0.23 and later, as Rerun 0.33 requires; 00000000 reads as 0.2.0 and is
 * refused), the options and the reserved bytes. offset names the place in
 * errors. */
rr_status_t rr_rrd_stream_header_parse(const uint8_t in[12], uint64_t offset,
                                       rr_rrd_stream_header_t *out, rr_error_t *err);

void rr_rrd_message_header_write(uint64_t kind, uint64_t len, uint8_t out[16]);
void rr_rrd_message_header_read(const uint8_t in[16], uint64_t *kind, uint64_t *len);

typedef struct rr_rrd_stream_footer {
    uint64_t footer_start; /* absolute offset of the RrdFooter body in its stream's file */
    uint64_t footer_len;
    uint32_t crc; /* xxh32 of the RrdFooter body */
} rr_rrd_stream_footer_t;

void rr_rrd_stream_footer_write(const rr_rrd_stream_footer_t *f, uint8_t out[32]);
/* Checks "RRF2FOOT" and an entry count of 1. */
rr_status_t rr_rrd_stream_footer_parse(const uint8_t in[32], uint64_t offset,
                                       rr_rrd_stream_footer_t *out, rr_error_t *err);
uint32_t rr_rrd_footer_crc(const void *data, size_t len);

/* ---------------- ArrowMsg payloads ---------------- */

/* Encodes a record batch (schema + struct array) as an Arrow IPC stream, LZ4
 * block compressed when lz4, into msg->payload (malloc'ed; the caller frees
 * it, e.g. with rr_log_msg_free) and sets compression, uncompressed_size and
 * encoding. Store id, chunk id and is_static are left to the caller. */
rr_status_t rr_rrd_payload_encode(const struct ArrowSchema *schema, const struct ArrowArray *batch,
                                  bool lz4, rr_arrow_msg_t *msg, rr_error_t *err);
/* Same, with the payload written to *payload (appended; the caller owns and
 * frees it) and msg->payload pointing into it: no copy of the IPC bytes when
 * not compressing. msg->payload is valid until *payload changes. */
rr_status_t rr_rrd_payload_encode_buf(const struct ArrowSchema *schema,
                                      const struct ArrowArray *batch, bool lz4, rr_buf_t *payload,
                                      rr_arrow_msg_t *msg, rr_error_t *err);
/* When a payload is LZ4-compressed (rr_rrd_payload_encode_gather). */
typedef enum rr_rrd_lz4_policy {
    RR_RRD_LZ4_NEVER = 0,
    RR_RRD_LZ4_ALWAYS,
    /* LZ4 unless it does not pay: a payload whose large buffers a sample
     * shows incompressible (saving under 1/8), or whose LZ4 block is not
     * smaller, goes uncompressed (ArrowMsg compression NONE, which Rerun
     * reads per message whatever the stream header says). */
    RR_RRD_LZ4_WHEN_IT_PAYS,
} rr_rrd_lz4_policy_t;

/* Large buffers (at least this many bytes) are gathered, not copied. */
#define RR_RRD_GATHER_MIN_PIECE 4096
/* Payloads whose gathered buffers hold this much are judged by a sample. */
#define RR_RRD_LZ4_SAMPLE_MIN (64 * 1024)

/* Buffers an encoder reuses from payload to payload (zero-initialise;
 * rr_rrd_payload_gather_free at the end). */
typedef struct rr_rrd_payload_gather {
    rr_buf_t meta;                /* IPC bytes made here (messages, padding, small buffers) */
    rr_buf_t flat;                /* the whole IPC stream, when it is compressed */
    rr_buf_t lz4;                 /* the LZ4 block */
    rr_arrow_ipc_pieces_t pieces; /* the payload, in order; every piece has ext set */
    /* LZ4_compress_fast's acceleration (0 or 1: LZ4's default). Higher is
     * faster and compresses less; every value makes an ordinary LZ4 block. */
    int lz4_acceleration;
    /* Blocks made by rr_rrd_lz4_strided; where that saves less than 1/8
     * (not columns of fixed-width values), by LZ4_compress_fast as well,
     * the smaller one kept. */
    bool lz4_strided;
} rr_rrd_payload_gather_t;

void rr_rrd_payload_gather_free(rr_rrd_payload_gather_t *g); /* NULL-safe */

/* The payload of a record batch as pieces (g->pieces, replaced), without a
 * copy of the batch's large buffers when uncompressed: the pieces point into
 * the batch (valid while it lives) and into g's buffers (valid until g is
 * used again). Sets compression, uncompressed_size, encoding and payload_len
 * of msg; msg->payload points at the bytes when they are one piece, else is
 * NULL. The bytes equal rr_rrd_payload_encode_buf's when it makes the same
 * compression choice. */
rr_status_t rr_rrd_payload_encode_gather(const struct ArrowSchema *schema,
                                         const struct ArrowArray *batch,
                                         rr_rrd_lz4_policy_t policy, rr_rrd_payload_gather_t *g,
                                         rr_arrow_msg_t *msg, rr_error_t *err);

/* Compresses n bytes of src into one LZ4 block at dst (dst_cap at least
 * LZ4_compressBound(n); 0 is returned otherwise) and returns its size. It
 * looks for matches only at distances 8 and 16, where the values of
 * fixed-width columns (row ids, times, offsets, numbers) repeat their
 * leading or trailing bytes, one 8-byte word at a time with word operations
 * and no hash table: about 3.6x faster than LZ4 on chunk payloads
 * (build/bench/bench_lz4), for blocks a few percent bigger (and far bigger ones on text, where matches lie
 * elsewhere). Any LZ4 block decoder reads it. */
size_t rr_rrd_lz4_strided(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_cap);

/* Decompresses (when LZ4) and reads the payload's one record batch into
 * *schema and *batch (both owned by the caller). An uncompressed payload
 * with a payload_owner (rr_rrd_decoder_next_ref) is read in place, as
 * rr_rrd_payload_decode_blob does; otherwise it is copied once into an
 * aligned blob. Sizes are checked before any
 * allocation: an uncompressed_size the LZ4 block cannot produce, or above
 * max_size (0 means 2 GiB, LZ4's own limit), is refused. */
rr_status_t rr_rrd_payload_decode(const rr_arrow_msg_t *msg, uint64_t max_size,
                                  struct ArrowSchema *schema, struct ArrowArray *batch,
                                  rr_error_t *err);

/* Same, for a payload lying inside owner (NULL: msg->payload_owner, which
 * may be NULL too): an uncompressed payload is read in place, the
 * batch's buffers referencing owner (retained as long as they live) instead
 * of a copy; buffers that are not 8-byte aligned there are still copied. */
rr_status_t rr_rrd_payload_decode_blob(const rr_arrow_msg_t *msg, rr_arrow_blob_t *owner,
                                       uint64_t max_size, struct ArrowSchema *schema,
                                       struct ArrowArray *batch, rr_error_t *err);

/* A chunk record batch is static when it has no index column (rerun:kind index). */
bool rr_rrd_schema_is_static(const struct ArrowSchema *schema);

#endif
