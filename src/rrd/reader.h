/* Random-access .rrd reading: jump to the 32-byte stream footer at the end,
 * check it (magic, xxh32 of the RrdFooter, offsets inside the file, a stream
 * header where the offsets say the stream starts), decode the manifests, and
 * fetch any chunk by its manifest entry without reading the others.
 *
 * For concatenated files (`cat a.rrd b.rrd`) the tail footer describes the
 * last stream only; its start is found from the footer itself (the RrdFooter
 * body ends where the stream footer begins), so the offsets still resolve. A
 * file without footer gives RR_ERR_NOT_FOUND: use the streaming decoder. */
#ifndef RR_RRD_READER_H
#define RR_RRD_READER_H

#include <stddef.h>
#include <stdint.h>

#include "arrow/abi.h"
#include "base/status.h"
#include "model/log_msg.h"
#include "rrd/manifest.h"

/* Reads exactly len bytes at offset into dst. */
typedef rr_status_t (*rr_rrd_read_at_fn)(void *ctx, uint64_t offset, void *dst, size_t len,
                                         rr_error_t *err);

typedef struct rr_rrd_source {
    rr_rrd_read_at_fn read_at;
    void *ctx;
    uint64_t size;
} rr_rrd_source_t;

/* Sources over memory (borrowed) and over an open file descriptor (pread). */
void rr_rrd_source_mem(rr_rrd_source_t *src, const void *data, size_t len);
rr_status_t rr_rrd_source_fd(rr_rrd_source_t *src, int fd, rr_error_t *err);

typedef struct rr_rrd_index {
    uint64_t stream_start; /* absolute offset of the stream the footer belongs to */
    uint8_t version[4];
    size_t n_manifests;
    rr_rrd_manifest_t *manifests; /* one per recording with chunks */
} rr_rrd_index_t;

rr_status_t rr_rrd_index_read(const rr_rrd_source_t *src, rr_rrd_index_t *out, rr_error_t *err);
void rr_rrd_index_free(rr_rrd_index_t *idx); /* NULL-safe, zeroes */

/* Reads and decodes one chunk's ArrowMsg (protobuf level; the payload is
 * then rr_rrd_payload_decode's business) from where the entry says. */
rr_status_t rr_rrd_index_read_msg(const rr_rrd_source_t *src, const rr_rrd_index_t *idx,
                                  const rr_rrd_manifest_entry_t *entry, rr_arrow_msg_t *out,
                                  rr_error_t *err);
/* Same, down to the record batch (schema and batch owned by the caller); the
 * chunk id in the schema must match the entry's. */
rr_status_t rr_rrd_index_read_batch(const rr_rrd_source_t *src, const rr_rrd_index_t *idx,
                                    const rr_rrd_manifest_entry_t *entry,
                                    struct ArrowSchema *schema, struct ArrowArray *batch,
                                    rr_error_t *err);

#endif
