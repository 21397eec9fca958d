/* RRD manifests: the per-recording chunk index an .rrd footer carries, so a
 * reader can list and locate every chunk (and know its entity, timelines,
 * time ranges and components) without decoding any of them.
 *
 * As Rerun 0.33 writes it (crates/store/re_log_encoding/src/rrd/footer/
 * builders.rs, raw_rrd_manifest.rs), an RrdManifest holds
 *   - the store id;
 *   - the recording's "sorbet" schema: the union of its chunks' columns, data
 *     columns named "<entity path>:<component>" with rerun:entity_path added and
 *     rerun:is_static set when any chunk had them static (rerun:is_sorted dropped),
 *     as an Arrow IPC stream holding only that schema;
 *   - the SHA-256 of that schema with fields sorted by name and no top-level
 *     metadata, serialized as an IPC stream (ours hashes our IPC bytes; Rerun
 *     only checks the hash in its own tests);
 *   - a record batch (DataframePart: IPC stream, LZ4 block), one row per chunk:
 *     chunk_entity_path (utf8), chunk_id (fixed_size_binary 16), chunk_is_static
 *     (bool), chunk_num_rows, chunk_byte_offset, chunk_byte_size,
 *     chunk_byte_size_uncompressed (u64; offset and size of the ArrowMsg body,
 *     excluding its 16-byte frame header; size before LZ4); then
 *       "<component>:has_static_data" (bool) per component descriptor,
 *       "<timeline>:start" / ":end" per timeline (the timeline's datatype, null
 *         when the chunk is static or lacks the timeline),
 *       "<timeline>:<component>:start" / ":end" / ":num_rows" per timeline and
 *         component (rows where the component is not null),
 *     where <component> is "<archetype short name>:<field>" or the bare component,
 *     names sanitized (',', ' ', '-', '.', '\\' become '_'), and every index field
 *     carries rerun:index (timeline name, or "rerun:static") and the component's
 *     rerun:archetype / rerun:component / rerun:component_type metadata. */
#ifndef RR_RRD_MANIFEST_H
#define RR_RRD_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>

#include "arrow/abi.h"
#include "base/status.h"
#include "base/tuid.h"
#include "model/chunk.h"
#include "model/log_msg.h"

typedef struct rr_rrd_manifest_builder rr_rrd_manifest_builder_t;

rr_status_t rr_rrd_manifest_builder_new(rr_rrd_manifest_builder_t **out, rr_error_t *err);
void rr_rrd_manifest_builder_free(rr_rrd_manifest_builder_t *b); /* NULL-safe */

/* Adds one chunk: the chunk, its record batch schema (for the sorbet schema),
 * where its ArrowMsg body sits (offset from the stream start, size) and its
 * payload's uncompressed size. */
rr_status_t rr_rrd_manifest_builder_add(rr_rrd_manifest_builder_t *b, const rr_chunk_t *chunk,
                                        const struct ArrowSchema *chunk_schema,
                                        uint64_t byte_offset, uint64_t byte_size,
                                        uint64_t byte_size_uncompressed, rr_error_t *err);
/* Number of chunks added. */
int64_t rr_rrd_manifest_builder_count(const rr_rrd_manifest_builder_t *b);

/* Builds the manifest message for store_id (copied); *out is owned by the
 * caller (rr_rrd_manifest_msg_free). The builder can be freed afterwards. */
rr_status_t rr_rrd_manifest_builder_finish(rr_rrd_manifest_builder_t *b,
                                           const rr_store_id_t *store_id,
                                           rr_rrd_manifest_msg_t *out, rr_error_t *err);

/* ---------------- reading ---------------- */

typedef struct rr_rrd_manifest_entry {
    rr_tuid_t chunk_id;
    char *entity_path; /* owned */
    bool is_static;
    uint64_t num_rows;
    uint64_t byte_offset; /* of the ArrowMsg body, from its stream's start */
    uint64_t byte_size;
    uint64_t byte_size_uncompressed;
} rr_rrd_manifest_entry_t;

typedef struct rr_rrd_manifest {
    rr_store_id_t store_id;
    int64_t n_chunks;
    rr_rrd_manifest_entry_t *chunks;
    /* The whole manifest table, for the per-timeline columns: one batch per
     * part, each a struct array of data_schema. */
    struct ArrowSchema data_schema;
    int64_t n_batches;
    struct ArrowArray *batches;
    /* The recording's sorbet schema (released when absent). */
    struct ArrowSchema sorbet_schema;
} rr_rrd_manifest_t;

/* Decodes a manifest message: its table (decompressed), the global columns
 * checked for presence and types, and the sorbet schema. */
rr_status_t rr_rrd_manifest_read(const rr_rrd_manifest_msg_t *m, rr_rrd_manifest_t *out,
                                 rr_error_t *err);
void rr_rrd_manifest_free(rr_rrd_manifest_t *m); /* NULL-safe, zeroes */

/* SHA-256 (FIPS 180-4), used for the sorbet schema hash. */
void rr_rrd_sha256(const void *data, size_t len, uint8_t out[32]);

#endif
