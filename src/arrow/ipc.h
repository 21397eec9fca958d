/* Arrow IPC: the streaming format and the file format, read and written.
 *
 * Messages are flatbuffers (Schema.fbs, Message.fbs, File.fbs of the Arrow
 * format), decoded by our own fb_reader.h and encoded by fb_builder.h. Reading is
 * zero-copy where the layout allows: arrays point into the input blob and
 * keep it alive; only compressed buffers and buffers whose alignment the
 * platform cannot use are copied. Every array read is validated before it is
 * handed out (validate.h), so readers of our output may trust it.
 *
 * The reader also accepts pre-1.0 streams without the 0xFFFFFFFF
 * continuation marker. Errors name the message (index and byte offset) and
 * the field at fault. */
#ifndef RR_ARROW_IPC_H
#define RR_ARROW_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arrow/abi.h"
#include "arrow/array.h"
#include "base/mem.h"
#include "base/status.h"

typedef enum rr_arrow_compression {
    RR_ARROW_COMPRESSION_NONE = 0,
    RR_ARROW_COMPRESSION_LZ4_FRAME = 1,
    RR_ARROW_COMPRESSION_ZSTD = 2,
} rr_arrow_compression_t;

/* ---------------- reading ---------------- */

typedef struct rr_arrow_ipc_reader rr_arrow_ipc_reader_t;

/* Opens a reader over a whole IPC stream or IPC file held in blob (the
 * reader takes its own reference). The format is detected by the "ARROW1"
 * magic. Reads up to and including the schema message. */
rr_status_t rr_arrow_ipc_reader_open(rr_arrow_blob_t *blob, rr_arrow_ipc_reader_t **out,
                                     rr_error_t *err);
void rr_arrow_ipc_reader_free(rr_arrow_ipc_reader_t *r); /* NULL-safe */

/* The stream's schema (owned by the reader; copy it to keep it). */
const struct ArrowSchema *rr_arrow_ipc_reader_schema(const rr_arrow_ipc_reader_t *r);
/* Custom metadata of the schema message is in the schema's own metadata. */

/* Next record batch as a struct array ("+s", children = columns), with
 * dictionaries attached to dictionary-encoded columns. Sets *done and leaves
 * *out released at end of stream. */
rr_status_t rr_arrow_ipc_reader_next(rr_arrow_ipc_reader_t *r, struct ArrowArray *out, bool *done,
                                     rr_error_t *err);

/* Compression seen in the last batch read (NONE when uncompressed). */
rr_arrow_compression_t rr_arrow_ipc_reader_compression(const rr_arrow_ipc_reader_t *r);

/* Byte offset in the input of the next message to be read. */
size_t rr_arrow_ipc_reader_offset(const rr_arrow_ipc_reader_t *r);

/* A whole stream or file read at once. */
typedef struct rr_arrow_table {
    struct ArrowSchema schema;
    int64_t n_batches;
    struct ArrowArray *batches; /* each a struct array */
} rr_arrow_table_t;

rr_status_t rr_arrow_ipc_read_table(rr_arrow_blob_t *blob, rr_arrow_table_t *out, rr_error_t *err);
void rr_arrow_table_release(rr_arrow_table_t *t); /* NULL-safe, zeroes */

/* ---------------- writing ---------------- */

typedef struct rr_arrow_ipc_write_options {
    rr_arrow_compression_t compression; /* per buffer; skipped when it does not help */
    bool file_format;                   /* ARROW1 magic and footer instead of a bare stream */
    int32_t alignment;                  /* body buffer alignment; 0 means 64 */
    int32_t compression_level;          /* 0 means the codec's default */
} rr_arrow_ipc_write_options_t;

typedef struct rr_arrow_ipc_writer rr_arrow_ipc_writer_t;

/* Starts writing to out (appended to; the caller owns out). Writes the
 * schema message (and, for the file format, the magic). The schema is
 * copied. Dictionary-encoded fields get dictionary ids 0, 1, ... in
 * depth-first field order. */
rr_status_t rr_arrow_ipc_writer_open(rr_buf_t *out, const struct ArrowSchema *schema,
                                     const rr_arrow_ipc_write_options_t *opts,
                                     rr_arrow_ipc_writer_t **writer, rr_error_t *err);
/* Writes one record batch (a struct array of the schema). Dictionaries are
 * written before it: in full the first time, again (as a replacement, or a
 * delta when the new dictionary extends the old) when they change. */
rr_status_t rr_arrow_ipc_writer_write(rr_arrow_ipc_writer_t *w, const struct ArrowArray *batch,
                                      rr_error_t *err);
/* Writes the end-of-stream marker (and the file footer). Frees the writer
 * whatever the result. */
rr_status_t rr_arrow_ipc_writer_finish(rr_arrow_ipc_writer_t *w, rr_error_t *err);
/* Frees without finishing (after an error). NULL-safe. */
void rr_arrow_ipc_writer_free(rr_arrow_ipc_writer_t *w);

/* One call: schema + batches to a stream or file in out. */
rr_status_t rr_arrow_ipc_write_table(rr_buf_t *out, const struct ArrowSchema *schema,
                                     const struct ArrowArray *batches, int64_t n_batches,
                                     const rr_arrow_ipc_write_options_t *opts, rr_error_t *err);

/* ---------------- gathered writing ---------------- */

/* One piece of a gathered stream: bytes of the caller's batch (ext), or, when
 * ext is NULL, `len` bytes at offset `off` of the output buffer. */
typedef struct rr_arrow_ipc_piece {
    const uint8_t *ext;
    size_t off;
    size_t len;
} rr_arrow_ipc_piece_t;

typedef struct rr_arrow_ipc_pieces {
    rr_arrow_ipc_piece_t *items;
    size_t n, cap;
} rr_arrow_ipc_pieces_t;

void rr_arrow_ipc_pieces_free(rr_arrow_ipc_pieces_t *p); /* NULL-safe, zeroes */

/* rr_arrow_ipc_write_table for an uncompressed stream, without copying the
 * large body buffers: the stream is the concatenation, in order, of the
 * pieces appended to *pieces. Body buffers of at least min_piece bytes (0:
 * every non-empty one) become pieces pointing into the batches' own memory
 * (valid as long as the batches are); everything else (messages, padding,
 * small buffers) is appended to out and referenced by offset, so out may
 * move until the pieces are used. opts may be NULL, or must ask for no
 * compression and the stream format. On failure out and pieces are as they
 * were. The bytes are those rr_arrow_ipc_write_table writes. */
rr_status_t rr_arrow_ipc_write_table_gather(rr_buf_t *out, const struct ArrowSchema *schema,
                                            const struct ArrowArray *batches, int64_t n_batches,
                                            const rr_arrow_ipc_write_options_t *opts,
                                            size_t min_piece, rr_arrow_ipc_pieces_t *pieces,
                                            rr_error_t *err);

#endif
