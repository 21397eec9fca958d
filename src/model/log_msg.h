/* The wire messages of a Rerun stream, as plain C structs: store ids and store
 * info, SetStoreInfo, ArrowMsg, BlueprintActivationCommand (the three kinds of
 * LogMsg), and the RrdFooter / RrdManifest carried by an .rrd End message.
 *
 * Encoding and decoding go through the protobuf-c code generated from
 * proto/log_msg.proto and proto/common.proto (same field numbers and wire
 * types as Rerun 0.33's log_msg.proto / common.proto). This header hides the
 * generated types: the rrd codec and the network layer use only these structs.
 *
 * Ownership: every pointer in a struct filled by a decode function is owned by
 * that struct and freed by its _free function. Structs given to an encode
 * function are only read. */
#ifndef RR_MODEL_LOG_MSG_H
#define RR_MODEL_LOG_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arrow/array.h"
#include "base/mem.h"
#include "base/status.h"
#include "base/tuid.h"

/* ---------------- store ids ---------------- */

typedef enum rr_store_kind {
    RR_STORE_KIND_UNSPECIFIED = 0,
    RR_STORE_KIND_RECORDING = 1,
    RR_STORE_KIND_BLUEPRINT = 2,
} rr_store_kind_t;

/* A recording or blueprint: (kind, application id, recording id). */
typedef struct rr_store_id {
    rr_store_kind_t kind;
    char *application_id; /* owned; NULL when absent on the wire */
    char *recording_id;   /* owned; NULL when absent on the wire */
} rr_store_id_t;

/* Fills *id with copies of the strings (NULL stays NULL). */
rr_status_t rr_store_id_init(rr_store_id_t *id, rr_store_kind_t kind, const char *application_id,
                             const char *recording_id, rr_error_t *err);
rr_status_t rr_store_id_copy(rr_store_id_t *dst, const rr_store_id_t *src, rr_error_t *err);
/* Same kind and same strings; NULL equals "" (proto3 cannot tell them apart). */
bool rr_store_id_equal(const rr_store_id_t *a, const rr_store_id_t *b);
void rr_store_id_free(rr_store_id_t *id); /* NULL-safe, zeroes */
const char *rr_store_kind_str(rr_store_kind_t kind); /* "recording", "blueprint", "unspecified" */

/* ---------------- store info ---------------- */

typedef enum rr_store_source_kind {
    RR_STORE_SOURCE_UNSPECIFIED = 0,
    RR_STORE_SOURCE_C_SDK = 1, /* what our SDK writes: the viewer shows "C SDK" */
    RR_STORE_SOURCE_PYTHON_SDK = 2,
    RR_STORE_SOURCE_RUST_SDK = 3,
    RR_STORE_SOURCE_FILE = 4,
    RR_STORE_SOURCE_VIEWER = 5,
    RR_STORE_SOURCE_OTHER = 6,
} rr_store_source_kind_t;

/* The version bytes Rerun 0.33.0 writes: major, minor, patch, meta. */
#define RR_CRATE_VERSION_0_33_0 {0, 33, 0, 0}

typedef struct rr_store_info {
    rr_store_id_t store_id;
    rr_store_source_kind_t source_kind;
    /* The source's `extra` payload (a nested protobuf for Python/Rust/File
     * sources, a string for Other; empty for the C SDK). Owned. */
    uint8_t *source_extra;
    size_t source_extra_len;
    bool has_version;
    uint8_t version[4]; /* major, minor, patch, meta */
} rr_store_info_t;

void rr_store_info_free(rr_store_info_t *info); /* NULL-safe, zeroes */

/* ---------------- LogMsg ---------------- */

/* The values equal the .rrd message-header kinds (End is 0). */
typedef enum rr_log_msg_kind {
    RR_LOG_MSG_SET_STORE_INFO = 1,
    RR_LOG_MSG_ARROW = 2,
    RR_LOG_MSG_BLUEPRINT_ACTIVATION = 3,
} rr_log_msg_kind_t;

typedef struct rr_set_store_info {
    rr_tuid_t row_id;
    rr_store_info_t info;
} rr_set_store_info_t;

/* Payload compression of an ArrowMsg or DataframePart (protobuf enum values). */
typedef enum rr_payload_compression {
    RR_PAYLOAD_COMPRESSION_UNSPECIFIED = 0, /* read as none */
    RR_PAYLOAD_COMPRESSION_NONE = 1,
    RR_PAYLOAD_COMPRESSION_LZ4 = 2, /* LZ4 block format, no size prefix */
} rr_payload_compression_t;

#define RR_PAYLOAD_ENCODING_ARROW_IPC 1

typedef struct rr_arrow_msg {
    rr_store_id_t store_id;
    bool has_chunk_id;
    rr_tuid_t chunk_id;
    rr_payload_compression_t compression;
    uint64_t uncompressed_size; /* of the Arrow IPC stream before compression */
    int32_t encoding;           /* RR_PAYLOAD_ENCODING_ARROW_IPC */
    uint8_t *payload;           /* owned after decode (free()), unless payload_owner */
    size_t payload_len;
    /* When set, payload points into this blob and is not owned on its own:
     * rr_log_msg_free releases the blob instead of freeing payload, and
     * rr_rrd_payload_decode reads the record batch in place over it. Set by
     * rr_rrd_decoder_next_ref; NULL after rr_log_msg_decode. */
    rr_arrow_blob_t *payload_owner;
    bool has_is_static;
    bool is_static;
} rr_arrow_msg_t;

typedef struct rr_blueprint_activation {
    rr_store_id_t blueprint_id;
    bool make_active;
    bool make_default;
} rr_blueprint_activation_t;

typedef struct rr_log_msg {
    rr_log_msg_kind_t kind;
    union {
        rr_set_store_info_t set_store_info;
        rr_arrow_msg_t arrow;
        rr_blueprint_activation_t blueprint_activation;
    } u;
} rr_log_msg_t;

/* Appends the protobuf encoding of the message body (SetStoreInfo, ArrowMsg or
 * BlueprintActivationCommand, not wrapped in LogMsg) to out: what an .rrd
 * message frame holds. Scalars are written only when not the proto3 default,
 * as Rerun's encoder does. */
rr_status_t rr_log_msg_encode(const rr_log_msg_t *msg, rr_buf_t *out, rr_error_t *err);
/* Decodes a message body of the given kind. Bad protobuf or a missing
 * required part (store id of an ArrowMsg...) is RR_ERR_INVALID_DATA naming the
 * message. On error *out is left freed. */
rr_status_t rr_log_msg_decode(rr_log_msg_kind_t kind, const uint8_t *data, size_t len,
                              rr_log_msg_t *out, rr_error_t *err);
/* Decodes an ArrowMsg body without copying its payload: out->payload points
 * into data (borrowed: valid while data is, never to be freed), everything
 * else is owned as after rr_log_msg_decode. Accepts and refuses exactly what
 * rr_log_msg_decode does, with the same errors. Free with
 * rr_arrow_msg_free_borrowed. */
rr_status_t rr_arrow_msg_decode_borrowed(const uint8_t *data, size_t len, rr_arrow_msg_t *out,
                                         rr_error_t *err);
void rr_arrow_msg_free_borrowed(rr_arrow_msg_t *msg); /* NULL-safe, zeroes; leaves payload alone */
/* Where the payload bytes (field 5) begin in an ArrowMsg body, judged from
 * its first len bytes: true with *offset when the field starts there. A
 * placement hint (to align the payload in memory before the body is read),
 * not a validation. */
bool rr_arrow_msg_payload_offset(const uint8_t *data, size_t len, size_t *offset);
/* The same messages wrapped in the LogMsg oneof (the gRPC transport's form). */
rr_status_t rr_log_msg_encode_wrapped(const rr_log_msg_t *msg, rr_buf_t *out, rr_error_t *err);
rr_status_t rr_log_msg_decode_wrapped(const uint8_t *data, size_t len, rr_log_msg_t *out,
                                      rr_error_t *err);
void rr_log_msg_free(rr_log_msg_t *msg); /* NULL-safe, zeroes */
const char *rr_log_msg_kind_str(rr_log_msg_kind_t kind);
/* The store a message is about (the blueprint for an activation command). */
const rr_store_id_t *rr_log_msg_store_id(const rr_log_msg_t *msg);

/* ---------------- RrdFooter / RrdManifest ---------------- */

/* An Arrow IPC stream of one record batch, optionally LZ4 block compressed. */
typedef struct rr_dataframe_part {
    bool present;
    int32_t encoder_version; /* 1 = V0 */
    rr_payload_compression_t compression;
    uint64_t uncompressed_size;
    uint8_t *payload; /* owned after decode */
    size_t payload_len;
} rr_dataframe_part_t;

typedef struct rr_rrd_manifest_msg {
    rr_store_id_t store_id;
    bool has_sorbet_schema;
    uint8_t *sorbet_schema_ipc; /* Arrow IPC stream holding only a schema; owned after decode */
    size_t sorbet_schema_ipc_len;
    bool has_sorbet_schema_sha256;
    uint8_t sorbet_schema_sha256[32];
    rr_dataframe_part_t data; /* one row per chunk (see rrd/manifest.h) */
} rr_rrd_manifest_msg_t;

typedef struct rr_rrd_footer_msg {
    size_t n_manifests;
    rr_rrd_manifest_msg_t *manifests; /* owned after decode */
} rr_rrd_footer_msg_t;

rr_status_t rr_rrd_footer_encode(const rr_rrd_footer_msg_t *footer, rr_buf_t *out,
                                 rr_error_t *err);
rr_status_t rr_rrd_footer_decode(const uint8_t *data, size_t len, rr_rrd_footer_msg_t *out,
                                 rr_error_t *err);
void rr_rrd_manifest_msg_free(rr_rrd_manifest_msg_t *m); /* NULL-safe, zeroes */
void rr_rrd_footer_free(rr_rrd_footer_msg_t *footer);     /* NULL-safe, zeroes */

#endif
