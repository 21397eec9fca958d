/* Wire messages (log_msg.h) over the protobuf-c code generated from
 * proto/log_msg.proto and proto/common.proto.
 *
 * Our .proto files are proto2 (explicit presence on every scalar) while Rerun's
 * are proto3; to write the bytes prost writes, encoders set a scalar's has_
 * flag only when it differs from the proto3 default, and decoders read an
 * absent scalar as that default. Large byte fields (ArrowMsg payloads) are
 * taken over from the unpacked message instead of copied a second time: they
 * come from protobuf-c's default allocator, i.e. malloc. */
#include "model/log_msg.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common.pb-c.h"
#include "log_msg.pb-c.h"

typedef Rerun__Common__V1alpha1__StoreId PbStoreId;
typedef Rerun__Common__V1alpha1__ApplicationId PbAppId;
typedef Rerun__Common__V1alpha1__Tuid PbTuid;
typedef Rerun__Common__V1alpha1__Schema PbSchema;
typedef Rerun__Common__V1alpha1__DataframePart PbDataframePart;
typedef Rerun__LogMsg__V1alpha1__LogMsg PbLogMsg;
typedef Rerun__LogMsg__V1alpha1__SetStoreInfo PbSetStoreInfo;
typedef Rerun__LogMsg__V1alpha1__StoreInfo PbStoreInfo;
typedef Rerun__LogMsg__V1alpha1__StoreSource PbStoreSource;
typedef Rerun__LogMsg__V1alpha1__StoreSourceExtra PbStoreSourceExtra;
typedef Rerun__LogMsg__V1alpha1__StoreVersion PbStoreVersion;
typedef Rerun__LogMsg__V1alpha1__ArrowMsg PbArrowMsg;
typedef Rerun__LogMsg__V1alpha1__BlueprintActivationCommand PbBlueprintActivation;
typedef Rerun__LogMsg__V1alpha1__RrdFooter PbRrdFooter;
typedef Rerun__LogMsg__V1alpha1__RrdManifest PbRrdManifest;

/* ---------------- small helpers ---------------- */

static char *dup_str(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

static bool dup_ok(const char *src, const char *dst) { return src == NULL || dst != NULL; }

/* Takes a bytes field's storage out of an unpacked message (see top comment). */
static uint8_t *steal_bytes(ProtobufCBinaryData *bd, protobuf_c_boolean *has, size_t *len) {
    uint8_t *p = NULL;
    *len = 0;
    if (has && !*has) return NULL;
    if (bd->len > 0 && bd->data) {
        p = bd->data;
        *len = bd->len;
    }
    bd->data = NULL;
    bd->len = 0;
    if (has) *has = 0;
    return p;
}

static rr_status_t pack_into(const ProtobufCMessage *m, rr_buf_t *out, const char *what,
                             rr_error_t *err) {
    size_t n = protobuf_c_message_get_packed_size(m);
    if (rr_buf_reserve(out, n) != RR_OK)
        return rr_error_set(err, RR_ERR_NOMEM, "%s: cannot allocate %zu bytes", what, n);
    size_t w = protobuf_c_message_pack(m, out->data + out->len);
    if (w != n) return rr_error_set(err, RR_ERR_INTERNAL, "%s: packed %zu of %zu bytes", what, w, n);
    out->len += n;
    return RR_OK;
}

static rr_status_t bad_protobuf(rr_error_t *err, const char *what, size_t len) {
    return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: malformed protobuf (%zu bytes)", what, len);
}

/* ---------------- store ids ---------------- */

rr_status_t rr_store_id_init(rr_store_id_t *id, rr_store_kind_t kind, const char *application_id,
                             const char *recording_id, rr_error_t *err) {
    memset(id, 0, sizeof *id);
    id->kind = kind;
    id->application_id = dup_str(application_id);
    id->recording_id = dup_str(recording_id);
    if (!dup_ok(application_id, id->application_id) || !dup_ok(recording_id, id->recording_id)) {
        rr_store_id_free(id);
        return rr_error_set(err, RR_ERR_NOMEM, "store id: out of memory");
    }
    return RR_OK;
}

rr_status_t rr_store_id_copy(rr_store_id_t *dst, const rr_store_id_t *src, rr_error_t *err) {
    return rr_store_id_init(dst, src->kind, src->application_id, src->recording_id, err);
}

static bool str_eq_empty(const char *a, const char *b) {
    return strcmp(a ? a : "", b ? b : "") == 0;
}

bool rr_store_id_equal(const rr_store_id_t *a, const rr_store_id_t *b) {
    return a->kind == b->kind && str_eq_empty(a->application_id, b->application_id) &&
           str_eq_empty(a->recording_id, b->recording_id);
}

void rr_store_id_free(rr_store_id_t *id) {
    if (!id) return;
    free(id->application_id);
    free(id->recording_id);
    memset(id, 0, sizeof *id);
}

const char *rr_store_kind_str(rr_store_kind_t kind) {
    switch (kind) {
    case RR_STORE_KIND_RECORDING: return "recording";
    case RR_STORE_KIND_BLUEPRINT: return "blueprint";
    default: return "unspecified";
    }
}

void rr_store_info_free(rr_store_info_t *info) {
    if (!info) return;
    rr_store_id_free(&info->store_id);
    free(info->source_extra);
    memset(info, 0, sizeof *info);
}

/* Protobuf views of our structs, built on the stack for packing. */
typedef struct pb_store_id_view {
    PbStoreId id;
    PbAppId app;
} pb_store_id_view_t;

static void store_id_to_pb(const rr_store_id_t *src, pb_store_id_view_t *v) {
    PbStoreId id = RERUN__COMMON__V1ALPHA1__STORE_ID__INIT;
    PbAppId app = RERUN__COMMON__V1ALPHA1__APPLICATION_ID__INIT;
    v->id = id;
    v->app = app;
    if (src->kind != RR_STORE_KIND_UNSPECIFIED) {
        v->id.has_kind = 1;
        v->id.kind = (Rerun__Common__V1alpha1__StoreKind)src->kind;
    }
    if (src->recording_id && src->recording_id[0]) v->id.recording_id = src->recording_id;
    /* Rerun always sets the application id message, even for an empty id. */
    if (src->application_id && src->application_id[0]) v->app.id = src->application_id;
    v->id.application_id = &v->app;
}

static rr_status_t store_id_from_pb(const PbStoreId *pb, const char *what, rr_store_id_t *out,
                                    rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (!pb) return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: missing store id", what);
    rr_store_kind_t kind = pb->has_kind ? (rr_store_kind_t)pb->kind : RR_STORE_KIND_UNSPECIFIED;
    const char *app = pb->application_id ? pb->application_id->id : NULL;
    return rr_store_id_init(out, kind, app ? app : "", pb->recording_id ? pb->recording_id : "", err);
}

static void tuid_to_pb(rr_tuid_t t, PbTuid *pb) {
    PbTuid init = RERUN__COMMON__V1ALPHA1__TUID__INIT;
    *pb = init;
    pb->has_time_ns = 1;
    pb->time_ns = t.time_ns;
    pb->has_inc = 1;
    pb->inc = t.inc;
}

static rr_tuid_t tuid_from_pb(const PbTuid *pb) {
    rr_tuid_t t = {0, 0};
    if (pb) {
        t.time_ns = pb->has_time_ns ? pb->time_ns : 0;
        t.inc = pb->has_inc ? pb->inc : 0;
    }
    return t;
}

/* ---------------- SetStoreInfo ---------------- */

static rr_status_t encode_set_store_info(const rr_set_store_info_t *s, rr_buf_t *out,
                                         rr_error_t *err) {
    PbSetStoreInfo msg = RERUN__LOG_MSG__V1ALPHA1__SET_STORE_INFO__INIT;
    PbStoreInfo info = RERUN__LOG_MSG__V1ALPHA1__STORE_INFO__INIT;
    PbStoreSource source = RERUN__LOG_MSG__V1ALPHA1__STORE_SOURCE__INIT;
    PbStoreSourceExtra extra = RERUN__LOG_MSG__V1ALPHA1__STORE_SOURCE_EXTRA__INIT;
    PbStoreVersion version = RERUN__LOG_MSG__V1ALPHA1__STORE_VERSION__INIT;
    PbTuid row_id;
    pb_store_id_view_t sid;

    tuid_to_pb(s->row_id, &row_id);
    msg.row_id = &row_id;
    store_id_to_pb(&s->info.store_id, &sid);
    info.store_id = &sid.id;
    if (s->info.source_kind != RR_STORE_SOURCE_UNSPECIFIED) {
        source.has_kind = 1;
        source.kind = (Rerun__LogMsg__V1alpha1__StoreSourceKind)s->info.source_kind;
    }
    /* Rerun always writes `extra`, empty when the source has nothing to say. */
    if (s->info.source_extra_len > 0) {
        extra.has_payload = 1;
        extra.payload.data = s->info.source_extra;
        extra.payload.len = s->info.source_extra_len;
    }
    source.extra = &extra;
    info.store_source = &source;
    if (s->info.has_version) {
        uint32_t bits = (uint32_t)s->info.version[0] | (uint32_t)s->info.version[1] << 8 |
                        (uint32_t)s->info.version[2] << 16 | (uint32_t)s->info.version[3] << 24;
        if (bits != 0) {
            version.has_crate_version_bits = 1;
            version.crate_version_bits = (int32_t)bits;
        }
        info.store_version = &version;
    }
    msg.info = &info;
    return pack_into(&msg.base, out, "SetStoreInfo", err);
}

static rr_status_t decode_set_store_info(PbSetStoreInfo *pb, rr_set_store_info_t *out,
                                         rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (!pb->row_id) return rr_error_set(err, RR_ERR_INVALID_DATA, "SetStoreInfo: missing row_id");
    if (!pb->info) return rr_error_set(err, RR_ERR_INVALID_DATA, "SetStoreInfo: missing info");
    out->row_id = tuid_from_pb(pb->row_id);
    PbStoreInfo *info = pb->info;
    RR_TRY(store_id_from_pb(info->store_id, "SetStoreInfo.info", &out->info.store_id, err));
    /* Files from before 0.25 keep the application id in StoreInfo only. */
    if ((!out->info.store_id.application_id || !out->info.store_id.application_id[0]) &&
        info->application_id && info->application_id->id && info->application_id->id[0]) {
        char *app = dup_str(info->application_id->id);
        if (!app) {
            rr_store_info_free(&out->info);
            return rr_error_set(err, RR_ERR_NOMEM, "SetStoreInfo: out of memory");
        }
        free(out->info.store_id.application_id);
        out->info.store_id.application_id = app;
    }
    if (!info->store_source) {
        rr_store_info_free(&out->info);
        return rr_error_set(err, RR_ERR_INVALID_DATA, "SetStoreInfo.info: missing store_source");
    }
    out->info.source_kind = info->store_source->has_kind
                                ? (rr_store_source_kind_t)info->store_source->kind
                                : RR_STORE_SOURCE_UNSPECIFIED;
    if (info->store_source->extra)
        out->info.source_extra = steal_bytes(&info->store_source->extra->payload,
                                             &info->store_source->extra->has_payload,
                                             &out->info.source_extra_len);
    if (info->store_version) {
        uint32_t bits = info->store_version->has_crate_version_bits
                            ? (uint32_t)info->store_version->crate_version_bits
                            : 0;
        out->info.has_version = true;
        for (int i = 0; i < 4; i++) out->info.version[i] = (uint8_t)(bits >> (8 * i));
    }
    return RR_OK;
}

/* ---------------- ArrowMsg ---------------- */

static rr_status_t encode_arrow_msg(const rr_arrow_msg_t *a, rr_buf_t *out, rr_error_t *err) {
    PbArrowMsg msg = RERUN__LOG_MSG__V1ALPHA1__ARROW_MSG__INIT;
    pb_store_id_view_t sid;
    PbTuid chunk_id;
    store_id_to_pb(&a->store_id, &sid);
    msg.store_id = &sid.id;
    if (a->has_chunk_id) {
        tuid_to_pb(a->chunk_id, &chunk_id);
        msg.chunk_id = &chunk_id;
    }
    if (a->compression != RR_PAYLOAD_COMPRESSION_UNSPECIFIED) {
        msg.has_compression = 1;
        msg.compression = (Rerun__Common__V1alpha1__Compression)a->compression;
    }
    if (a->uncompressed_size) {
        msg.has_uncompressed_size = 1;
        msg.uncompressed_size = a->uncompressed_size;
    }
    if (a->encoding) {
        msg.has_encoding = 1;
        msg.encoding = (Rerun__LogMsg__V1alpha1__Encoding)a->encoding;
    }
    if (a->payload_len) {
        msg.has_payload = 1;
        msg.payload.data = a->payload;
        msg.payload.len = a->payload_len;
    }
    if (a->has_is_static) { /* proto3 `optional` upstream: presence is kept */
        msg.has_is_static = 1;
        msg.is_static = a->is_static;
    }
    return pack_into(&msg.base, out, "ArrowMsg", err);
}

static rr_status_t decode_arrow_msg(PbArrowMsg *pb, rr_arrow_msg_t *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    RR_TRY(store_id_from_pb(pb->store_id, "ArrowMsg", &out->store_id, err));
    if (pb->chunk_id) {
        out->has_chunk_id = true;
        out->chunk_id = tuid_from_pb(pb->chunk_id);
    }
    out->compression = pb->has_compression ? (rr_payload_compression_t)pb->compression
                                           : RR_PAYLOAD_COMPRESSION_UNSPECIFIED;
    out->uncompressed_size = pb->has_uncompressed_size ? pb->uncompressed_size : 0;
    out->encoding = pb->has_encoding ? (int32_t)pb->encoding : 0;
    out->payload = steal_bytes(&pb->payload, &pb->has_payload, &out->payload_len);
    out->has_is_static = pb->has_is_static;
    out->is_static = pb->has_is_static && pb->is_static;
    return RR_OK;
}

/* ArrowMsg without the payload copy. protobuf-c copies every bytes field while
 * unpacking, which for a chunk payload (megabytes) costs more than the rest of
 * reading it. So the body is scanned field by field, the payload fields (5)
 * are cut out, and protobuf-c unpacks the small rest: every other field keeps
 * its exact semantics. Like protobuf-c, the last payload field wins. The scan follows
 * protobuf-c 1.4's rules (tags of at most 5 bytes whose first byte names a
 * field, varints of at most 10 bytes, length prefixes of at most 5 bytes and
 * INT_MAX, groups refused), so that a body is refused exactly when
 * rr_log_msg_decode refuses it. */

enum { ARROW_MSG_PAYLOAD_FIELD = 5, PB_WT_VARINT = 0, PB_WT_64 = 1, PB_WT_LEN = 2, PB_WT_32 = 5 };

static bool pb_varint(const uint8_t *p, size_t len, size_t *pos, int max_bytes, uint64_t *v) {
    uint64_t r = 0;
    for (int i = 0; i < max_bytes; i++) {
        if (*pos >= len) return false;
        uint8_t b = p[(*pos)++];
        if (i < 10) r |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = r;
            return true;
        }
    }
    return false;
}

/* One field at *pos: its number, wire type and (length-delimited) value span;
 * *pos moves past it. false when malformed or cut. */
static bool pb_field(const uint8_t *p, size_t len, size_t *pos, uint32_t *field, int *wt,
                     size_t *val_at, size_t *val_len) {
    uint64_t tag, v;
    size_t tag_at = *pos;
    /* protobuf-c refuses a first tag byte of field 0 and keeps the low 32
     * bits of the field number. */
    if (!pb_varint(p, len, pos, 5, &tag) || (p[tag_at] & 0xf8) == 0) return false;
    *field = (uint32_t)(tag >> 3);
    *wt = (int)(tag & 7);
    switch (*wt) {
    case PB_WT_VARINT: return pb_varint(p, len, pos, 10, &v);
    case PB_WT_64:
        if (len - *pos < 8) return false;
        *pos += 8;
        return true;
    case PB_WT_32:
        if (len - *pos < 4) return false;
        *pos += 4;
        return true;
    case PB_WT_LEN:
        if (!pb_varint(p, len, pos, 5, &v) || v > INT_MAX || v > len - *pos) return false;
        *val_at = *pos;
        *val_len = (size_t)v;
        *pos += (size_t)v;
        return true;
    default: return false; /* groups and reserved wire types */
    }
}

/* ArrowMsg in one pass, for the shape every writer produces: each field at
 * most once, with its own wire type, small enum values, strings without
 * NULs, no unknown fields. Such a body decodes here exactly as protobuf-c
 * + decode_arrow_msg decode it, without protobuf-c's allocations (a stream
 * of small chunks pays them per message); anything else returns false,
 * untouched, for protobuf-c to decode (and to judge). The payload is
 * copied when copy_payload, else borrowed (rr_arrow_msg_decode_borrowed).
 * *st is the status when true is returned (RR_OK, or out of memory). */
typedef struct pb_span {
    size_t at, len;
    bool have;
} pb_span_t;

/* Fields 1..max of a message of the simple shape: LEN spans or varint /
 * fixed64 values, by the wire type each must have (wts[f]). */
static bool pb_simple(const uint8_t *p, size_t len, int max, const int *wts, pb_span_t *spans,
                      uint64_t *vals) {
    size_t pos = 0;
    while (pos < len) {
        uint32_t f;
        int wt;
        size_t at = 0, n = 0, start = pos;
        if (!pb_field(p, len, &pos, &f, &wt, &at, &n)) return false;
        if (f < 1 || f > (uint32_t)max || wt != wts[f] || spans[f].have) return false;
        spans[f].have = true;
        if (wt == PB_WT_LEN) {
            spans[f].at = at;
            spans[f].len = n;
        } else if (wt == PB_WT_64) {
            uint64_t v = 0;
            for (int i = 7; i >= 0; i--) v = v << 8 | p[pos - 8 + (size_t)i];
            vals[f] = v;
        } else {
            size_t q = start;
            uint64_t tag;
            if (!pb_varint(p, len, &q, 5, &tag) || !pb_varint(p, len, &q, 10, &vals[f])) return false;
        }
    }
    return true;
}

/* A string field as a NUL-terminated copy in buf; false when too long or
 * holding a NUL (protobuf-c's C string would end there). */
static bool pb_string(const uint8_t *p, const pb_span_t *sp, char *buf, size_t cap) {
    buf[0] = 0;
    if (!sp->have) return true;
    if (sp->len >= cap || memchr(p + sp->at, 0, sp->len)) return false;
    memcpy(buf, p + sp->at, sp->len);
    buf[sp->len] = 0;
    return true;
}

static bool arrow_msg_simple(const uint8_t *data, size_t len, bool copy_payload,
                             rr_arrow_msg_t *out, rr_status_t *st, rr_error_t *err) {
    static const int wts[8] = {-1, PB_WT_LEN, PB_WT_VARINT, PB_WT_VARINT, PB_WT_VARINT,
                               PB_WT_LEN,  PB_WT_LEN,    PB_WT_VARINT};
    static const int sid_wts[4] = {-1, PB_WT_VARINT, PB_WT_LEN, PB_WT_LEN};
    static const int app_wts[2] = {-1, PB_WT_LEN};
    static const int tuid_wts[3] = {-1, PB_WT_64, PB_WT_64};
    pb_span_t f[8] = {{0}}, sf[4] = {{0}}, af[2] = {{0}}, tf[3] = {{0}};
    uint64_t v[8] = {0}, sv[4] = {0}, av[2] = {0}, tv[3] = {0};
    if (!pb_simple(data, len, 7, wts, f, v) || !f[1].have) return false;
    const uint8_t *sid = data + f[1].at;
    if (!pb_simple(sid, f[1].len, 3, sid_wts, sf, sv)) return false;
    if (sf[3].have && !pb_simple(sid + sf[3].at, sf[3].len, 1, app_wts, af, av)) return false;
    if (f[6].have && !pb_simple(data + f[6].at, f[6].len, 2, tuid_wts, tf, tv)) return false;
    /* enum and bool values protobuf-c keeps as they are */
    if (v[2] > 127 || v[4] > 127 || v[7] > 1 || sv[1] > 127) return false;
    char rec[256], app[256];
    if (!pb_string(sid, &sf[2], rec, sizeof rec) ||
        !pb_string(sid + sf[3].at, &af[1], app, sizeof app))
        return false;
    memset(out, 0, sizeof *out);
    *st = rr_store_id_init(&out->store_id,
                           sf[1].have ? (rr_store_kind_t)sv[1] : RR_STORE_KIND_UNSPECIFIED, app, rec,
                           err);
    if (*st != RR_OK) return true;
    if (f[6].have) {
        out->has_chunk_id = true;
        out->chunk_id.time_ns = tf[1].have ? tv[1] : 0;
        out->chunk_id.inc = tf[2].have ? tv[2] : 0;
    }
    out->compression = f[2].have ? (rr_payload_compression_t)v[2] : RR_PAYLOAD_COMPRESSION_UNSPECIFIED;
    out->uncompressed_size = f[3].have ? v[3] : 0;
    out->encoding = f[4].have ? (int32_t)v[4] : 0;
    out->has_is_static = f[7].have;
    out->is_static = f[7].have && v[7];
    /* protobuf-c leaves an empty bytes field without storage: so do we. */
    if (f[5].have && f[5].len > 0) {
        if (copy_payload) {
            out->payload = malloc(f[5].len);
            if (!out->payload) {
                rr_store_id_free(&out->store_id);
                memset(out, 0, sizeof *out);
                *st = rr_error_set(err, RR_ERR_NOMEM, "ArrowMsg: out of memory");
                return true;
            }
            memcpy(out->payload, data + f[5].at, f[5].len);
        } else {
            out->payload = (uint8_t *)data + f[5].at;
        }
        out->payload_len = f[5].len;
    }
    *st = RR_OK;
    return true;
}

bool rr_arrow_msg_payload_offset(const uint8_t *data, size_t len, size_t *offset) {
    size_t pos = 0;
    while (pos < len) {
        uint32_t field;
        int wt;
        size_t at = 0, n = 0;
        size_t start = pos;
        /* A payload that runs past the bytes given still starts here. */
        uint64_t tag, plen;
        if (pb_varint(data, len, &start, 5, &tag) && tag == (ARROW_MSG_PAYLOAD_FIELD << 3 | PB_WT_LEN) &&
            pb_varint(data, len, &start, 5, &plen)) {
            *offset = start;
            return true;
        }
        if (!pb_field(data, len, &pos, &field, &wt, &at, &n)) return false;
    }
    return false;
}

rr_status_t rr_arrow_msg_decode_borrowed(const uint8_t *data, size_t len, rr_arrow_msg_t *out,
                                         rr_error_t *err) {
    memset(out, 0, sizeof *out);
    rr_status_t fast;
    if (arrow_msg_simple(data, len, false, out, &fast, err)) return fast;
    /* Pass 1: find the payload fields and the size of the rest. */
    size_t pos = 0, rest = 0, pay_at = 0, pay_len = 0;
    bool have_payload = false;
    while (pos < len) {
        size_t start = pos, at = 0, n = 0;
        uint32_t field;
        int wt;
        if (!pb_field(data, len, &pos, &field, &wt, &at, &n)) return bad_protobuf(err, "ArrowMsg", len);
        if (field == ARROW_MSG_PAYLOAD_FIELD && wt == PB_WT_LEN) {
            have_payload = true;
            pay_at = at;
            pay_len = n;
        } else {
            rest += pos - start;
        }
    }
    /* Pass 2: the rest, contiguous, for protobuf-c. */
    uint8_t small[512] = {0};
    uint8_t *tmp = rest <= sizeof small ? small : malloc(rest);
    if (!tmp) return rr_error_set(err, RR_ERR_NOMEM, "ArrowMsg: out of memory");
    size_t w = 0;
    pos = 0;
    while (pos < len) {
        size_t start = pos, at = 0, n = 0;
        uint32_t field = 0;
        int wt = 0;
        (void)pb_field(data, len, &pos, &field, &wt, &at, &n); /* checked in pass 1 */
        if (field == ARROW_MSG_PAYLOAD_FIELD && wt == PB_WT_LEN) continue;
        memcpy(tmp + w, data + start, pos - start);
        w += pos - start;
    }
    PbArrowMsg *pb = rerun__log_msg__v1alpha1__arrow_msg__unpack(NULL, w, tmp);
    if (tmp != small) free(tmp);
    if (!pb) return bad_protobuf(err, "ArrowMsg", len);
    rr_status_t st = decode_arrow_msg(pb, out, err);
    rerun__log_msg__v1alpha1__arrow_msg__free_unpacked(pb, NULL);
    if (st != RR_OK) {
        rr_arrow_msg_free_borrowed(out);
        return st;
    }
    /* protobuf-c leaves an empty bytes field without storage: so do we. */
    if (have_payload && pay_len > 0) {
        out->payload = (uint8_t *)data + pay_at;
        out->payload_len = pay_len;
    }
    return RR_OK;
}

void rr_arrow_msg_free_borrowed(rr_arrow_msg_t *msg) {
    if (!msg) return;
    rr_store_id_free(&msg->store_id);
    memset(msg, 0, sizeof *msg);
}

/* ---------------- BlueprintActivationCommand ---------------- */

static rr_status_t encode_blueprint_activation(const rr_blueprint_activation_t *b, rr_buf_t *out,
                                               rr_error_t *err) {
    PbBlueprintActivation msg = RERUN__LOG_MSG__V1ALPHA1__BLUEPRINT_ACTIVATION_COMMAND__INIT;
    pb_store_id_view_t sid;
    store_id_to_pb(&b->blueprint_id, &sid);
    msg.blueprint_id = &sid.id;
    msg.has_make_active = b->make_active;
    msg.make_active = b->make_active;
    msg.has_make_default = b->make_default;
    msg.make_default = b->make_default;
    return pack_into(&msg.base, out, "BlueprintActivationCommand", err);
}

static rr_status_t decode_blueprint_activation(PbBlueprintActivation *pb,
                                               rr_blueprint_activation_t *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    RR_TRY(store_id_from_pb(pb->blueprint_id, "BlueprintActivationCommand", &out->blueprint_id, err));
    out->make_active = pb->has_make_active && pb->make_active;
    out->make_default = pb->has_make_default && pb->make_default;
    return RR_OK;
}

/* ---------------- LogMsg ---------------- */

rr_status_t rr_log_msg_encode(const rr_log_msg_t *msg, rr_buf_t *out, rr_error_t *err) {
    switch (msg->kind) {
    case RR_LOG_MSG_SET_STORE_INFO: return encode_set_store_info(&msg->u.set_store_info, out, err);
    case RR_LOG_MSG_ARROW: return encode_arrow_msg(&msg->u.arrow, out, err);
    case RR_LOG_MSG_BLUEPRINT_ACTIVATION:
        return encode_blueprint_activation(&msg->u.blueprint_activation, out, err);
    }
    return rr_error_set(err, RR_ERR_INVALID_ARG, "log message: unknown kind %d", (int)msg->kind);
}

rr_status_t rr_log_msg_decode(rr_log_msg_kind_t kind, const uint8_t *data, size_t len,
                              rr_log_msg_t *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    out->kind = kind;
    rr_status_t st;
    switch (kind) {
    case RR_LOG_MSG_SET_STORE_INFO: {
        PbSetStoreInfo *pb = rerun__log_msg__v1alpha1__set_store_info__unpack(NULL, len, data);
        if (!pb) return bad_protobuf(err, "SetStoreInfo", len);
        st = decode_set_store_info(pb, &out->u.set_store_info, err);
        rerun__log_msg__v1alpha1__set_store_info__free_unpacked(pb, NULL);
        break;
    }
    case RR_LOG_MSG_ARROW: {
        if (arrow_msg_simple(data, len, true, &out->u.arrow, &st, err)) break;
        PbArrowMsg *pb = rerun__log_msg__v1alpha1__arrow_msg__unpack(NULL, len, data);
        if (!pb) return bad_protobuf(err, "ArrowMsg", len);
        st = decode_arrow_msg(pb, &out->u.arrow, err);
        rerun__log_msg__v1alpha1__arrow_msg__free_unpacked(pb, NULL);
        break;
    }
    case RR_LOG_MSG_BLUEPRINT_ACTIVATION: {
        PbBlueprintActivation *pb =
            rerun__log_msg__v1alpha1__blueprint_activation_command__unpack(NULL, len, data);
        if (!pb) return bad_protobuf(err, "BlueprintActivationCommand", len);
        st = decode_blueprint_activation(pb, &out->u.blueprint_activation, err);
        rerun__log_msg__v1alpha1__blueprint_activation_command__free_unpacked(pb, NULL);
        break;
    }
    default:
        return rr_error_set(err, RR_ERR_INVALID_DATA, "log message: unknown kind %d", (int)kind);
    }
    if (st != RR_OK) rr_log_msg_free(out);
    return st;
}

rr_status_t rr_log_msg_encode_wrapped(const rr_log_msg_t *msg, rr_buf_t *out, rr_error_t *err) {
    /* LogMsg is a oneof of the three bodies: field number = kind, wire type 2.
     * Writing the tag and length by hand avoids building a second view. */
    rr_buf_t body = {0};
    rr_status_t st = rr_log_msg_encode(msg, &body, err);
    if (st == RR_OK) {
        uint8_t hdr[11];
        size_t n = 0;
        hdr[n++] = (uint8_t)(((unsigned)msg->kind << 3) | 2);
        uint64_t v = body.len;
        do {
            uint8_t b = v & 0x7f;
            v >>= 7;
            hdr[n++] = (uint8_t)(b | (v ? 0x80 : 0));
        } while (v);
        if (rr_buf_append(out, hdr, n) != RR_OK || rr_buf_append(out, body.data, body.len) != RR_OK)
            st = rr_error_set(err, RR_ERR_NOMEM, "LogMsg: out of memory");
    }
    rr_buf_free(&body);
    return st;
}

rr_status_t rr_log_msg_decode_wrapped(const uint8_t *data, size_t len, rr_log_msg_t *out,
                                      rr_error_t *err) {
    memset(out, 0, sizeof *out);
    PbLogMsg *pb = rerun__log_msg__v1alpha1__log_msg__unpack(NULL, len, data);
    if (!pb) return bad_protobuf(err, "LogMsg", len);
    rr_status_t st;
    switch (pb->msg_case) {
    case RERUN__LOG_MSG__V1ALPHA1__LOG_MSG__MSG_SET_STORE_INFO:
        out->kind = RR_LOG_MSG_SET_STORE_INFO;
        st = decode_set_store_info(pb->set_store_info, &out->u.set_store_info, err);
        break;
    case RERUN__LOG_MSG__V1ALPHA1__LOG_MSG__MSG_ARROW_MSG:
        out->kind = RR_LOG_MSG_ARROW;
        st = decode_arrow_msg(pb->arrow_msg, &out->u.arrow, err);
        break;
    case RERUN__LOG_MSG__V1ALPHA1__LOG_MSG__MSG_BLUEPRINT_ACTIVATION_COMMAND:
        out->kind = RR_LOG_MSG_BLUEPRINT_ACTIVATION;
        st = decode_blueprint_activation(pb->blueprint_activation_command,
                                         &out->u.blueprint_activation, err);
        break;
    default: st = rr_error_set(err, RR_ERR_INVALID_DATA, "LogMsg: no message set"); break;
    }
    rerun__log_msg__v1alpha1__log_msg__free_unpacked(pb, NULL);
    if (st != RR_OK) rr_log_msg_free(out);
    return st;
}

void rr_log_msg_free(rr_log_msg_t *msg) {
    if (!msg) return;
    switch (msg->kind) {
    case RR_LOG_MSG_SET_STORE_INFO: rr_store_info_free(&msg->u.set_store_info.info); break;
    case RR_LOG_MSG_ARROW:
        rr_store_id_free(&msg->u.arrow.store_id);
        if (msg->u.arrow.payload_owner) rr_arrow_blob_release(msg->u.arrow.payload_owner);
        else free(msg->u.arrow.payload);
        break;
    case RR_LOG_MSG_BLUEPRINT_ACTIVATION:
        rr_store_id_free(&msg->u.blueprint_activation.blueprint_id);
        break;
    }
    memset(msg, 0, sizeof *msg);
}

const char *rr_log_msg_kind_str(rr_log_msg_kind_t kind) {
    switch (kind) {
    case RR_LOG_MSG_SET_STORE_INFO: return "SetStoreInfo";
    case RR_LOG_MSG_ARROW: return "ArrowMsg";
    case RR_LOG_MSG_BLUEPRINT_ACTIVATION: return "BlueprintActivationCommand";
    }
    return "unknown";
}

const rr_store_id_t *rr_log_msg_store_id(const rr_log_msg_t *msg) {
    switch (msg->kind) {
    case RR_LOG_MSG_SET_STORE_INFO: return &msg->u.set_store_info.info.store_id;
    case RR_LOG_MSG_ARROW: return &msg->u.arrow.store_id;
    case RR_LOG_MSG_BLUEPRINT_ACTIVATION: return &msg->u.blueprint_activation.blueprint_id;
    }
    return NULL;
}

/* ---------------- RrdFooter ---------------- */

rr_status_t rr_rrd_footer_encode(const rr_rrd_footer_msg_t *footer, rr_buf_t *out,
                                 rr_error_t *err) {
    size_t n = footer->n_manifests;
    PbRrdFooter msg = RERUN__LOG_MSG__V1ALPHA1__RRD_FOOTER__INIT;
    PbRrdManifest *ms = calloc(n ? n : 1, sizeof *ms);
    PbRrdManifest **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    pb_store_id_view_t *sids = calloc(n ? n : 1, sizeof *sids);
    PbSchema *schemas = calloc(n ? n : 1, sizeof *schemas);
    PbDataframePart *parts = calloc(n ? n : 1, sizeof *parts);
    rr_status_t st = RR_OK;
    if (!ms || !ptrs || !sids || !schemas || !parts) {
        st = rr_error_set(err, RR_ERR_NOMEM, "RrdFooter: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const rr_rrd_manifest_msg_t *m = &footer->manifests[i];
        PbRrdManifest mi = RERUN__LOG_MSG__V1ALPHA1__RRD_MANIFEST__INIT;
        PbSchema si = RERUN__COMMON__V1ALPHA1__SCHEMA__INIT;
        PbDataframePart pi = RERUN__COMMON__V1ALPHA1__DATAFRAME_PART__INIT;
        ms[i] = mi;
        schemas[i] = si;
        parts[i] = pi;
        store_id_to_pb(&m->store_id, &sids[i]);
        ms[i].store_id = &sids[i].id;
        if (m->has_sorbet_schema) {
            schemas[i].has_arrow_schema = 1;
            schemas[i].arrow_schema.data = m->sorbet_schema_ipc;
            schemas[i].arrow_schema.len = m->sorbet_schema_ipc_len;
            ms[i].sorbet_schema = &schemas[i];
        }
        if (m->has_sorbet_schema_sha256) {
            ms[i].has_sorbet_schema_sha256 = 1;
            ms[i].sorbet_schema_sha256.data = (uint8_t *)m->sorbet_schema_sha256;
            ms[i].sorbet_schema_sha256.len = 32;
        }
        if (m->data.present) {
            PbDataframePart *p = &parts[i];
            if (m->data.encoder_version) {
                p->has_encoder_version = 1;
                p->encoder_version = (Rerun__Common__V1alpha1__EncoderVersion)m->data.encoder_version;
            }
            p->has_payload = 1; /* proto3 `optional` upstream */
            p->payload.data = m->data.payload;
            p->payload.len = m->data.payload_len;
            if (m->data.compression) {
                p->has_compression = 1;
                p->compression = (Rerun__Common__V1alpha1__Compression)m->data.compression;
            }
            if (m->data.uncompressed_size) {
                p->has_uncompressed_size = 1;
                p->uncompressed_size = m->data.uncompressed_size;
            }
            ms[i].data = p;
        }
        ptrs[i] = &ms[i];
    }
    msg.n_manifests = n;
    msg.manifests = ptrs;
    st = pack_into(&msg.base, out, "RrdFooter", err);
done:
    free(ms);
    free(ptrs);
    free(sids);
    free(schemas);
    free(parts);
    return st;
}

static rr_status_t manifest_from_pb(PbRrdManifest *pb, size_t index, rr_rrd_manifest_msg_t *out,
                                    rr_error_t *err) {
    memset(out, 0, sizeof *out);
    rr_status_t st = store_id_from_pb(pb->store_id, "RrdManifest", &out->store_id, err);
    if (st != RR_OK) return rr_error_wrap(st, err, "manifest %zu: ", index);
    if (pb->sorbet_schema) {
        out->has_sorbet_schema = true;
        out->sorbet_schema_ipc = steal_bytes(&pb->sorbet_schema->arrow_schema,
                                             &pb->sorbet_schema->has_arrow_schema,
                                             &out->sorbet_schema_ipc_len);
    }
    if (pb->has_sorbet_schema_sha256) {
        if (pb->sorbet_schema_sha256.len != 32) {
            rr_rrd_manifest_msg_free(out);
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "RrdManifest %zu: sorbet_schema_sha256 has %zu bytes, not 32",
                                index, pb->sorbet_schema_sha256.len);
        }
        out->has_sorbet_schema_sha256 = true;
        memcpy(out->sorbet_schema_sha256, pb->sorbet_schema_sha256.data, 32);
    }
    if (pb->data) {
        PbDataframePart *p = pb->data;
        out->data.present = true;
        out->data.encoder_version = p->has_encoder_version ? (int32_t)p->encoder_version : 0;
        out->data.compression =
            p->has_compression ? (rr_payload_compression_t)p->compression : 0;
        out->data.uncompressed_size = p->has_uncompressed_size ? p->uncompressed_size : 0;
        out->data.payload = steal_bytes(&p->payload, &p->has_payload, &out->data.payload_len);
    }
    return RR_OK;
}

rr_status_t rr_rrd_footer_decode(const uint8_t *data, size_t len, rr_rrd_footer_msg_t *out,
                                 rr_error_t *err) {
    memset(out, 0, sizeof *out);
    PbRrdFooter *pb = rerun__log_msg__v1alpha1__rrd_footer__unpack(NULL, len, data);
    if (!pb) return bad_protobuf(err, "RrdFooter", len);
    rr_status_t st = RR_OK;
    if (pb->n_manifests) {
        out->manifests = calloc(pb->n_manifests, sizeof *out->manifests);
        if (!out->manifests) st = rr_error_set(err, RR_ERR_NOMEM, "RrdFooter: out of memory");
    }
    for (size_t i = 0; st == RR_OK && i < pb->n_manifests; i++) {
        st = manifest_from_pb(pb->manifests[i], i, &out->manifests[i], err);
        if (st == RR_OK) out->n_manifests = i + 1;
    }
    rerun__log_msg__v1alpha1__rrd_footer__free_unpacked(pb, NULL);
    if (st != RR_OK) rr_rrd_footer_free(out);
    return st;
}

void rr_rrd_manifest_msg_free(rr_rrd_manifest_msg_t *m) {
    if (!m) return;
    rr_store_id_free(&m->store_id);
    free(m->sorbet_schema_ipc);
    free(m->data.payload);
    memset(m, 0, sizeof *m);
}

void rr_rrd_footer_free(rr_rrd_footer_msg_t *footer) {
    if (!footer) return;
    for (size_t i = 0; i < footer->n_manifests; i++) rr_rrd_manifest_msg_free(&footer->manifests[i]);
    free(footer->manifests);
    memset(footer, 0, sizeof *footer);
}
