/* Arrow IPC reading: the streaming format and the file format (see ipc.h).
 *
 * The metadata flatbuffers are decoded with fb_reader.h, which checks every
 * offset; this file checks what the flatbuffers say against the schema and
 * the message body. Buffers are handed out zero-copy, pointing into the
 * reader's blob, unless they are compressed or misaligned for the platform;
 * every batch and dictionary passes rr_arrow_validate_sized before anyone
 * sees it. Dictionaries are kept per id in a refcounted holder, and each
 * batch gets its own mirror of the current one, so batches outlive the
 * reader and later replacements. */
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/compress.h"
#include "arrow/fb_reader.h"
#include "arrow/ipc.h"
#include "arrow/ipc_format.h"
#include "arrow/ipc_view.h"
#include "arrow/kernels.h"
#include "arrow/schema.h"
#include "arrow/type.h"
#include "arrow/validate.h"
#include "base/mem.h"

#define MAX_METADATA ((int64_t)64 << 20)
#define MAX_NESTING 64
/* Node lengths beyond this are corrupt input, not data: it keeps every size
 * computation after (length * 32 bytes) far from overflow. */
#define MAX_LENGTH ((int64_t)1 << 48)
/* Codec expansion ratios no real encoder exceeds (LZ4 frame ~255, ZSTD
 * ~32768 with RLE blocks); a larger declared length is a decompression bomb. */
#define LZ4_MAX_RATIO 512
#define ZSTD_MAX_RATIO 65536
#define MAX_DECOMPRESSED ((int64_t)1 << 40)

/* Zero-length offset and data buffers point here so that a consumer can
 * always read offsets[0]. */
static alignas(64) const uint8_t k_zero_block[64];

typedef struct dict_entry {
    int64_t id;
    const struct ArrowSchema *field; /* the encoded field, inside reader->schema */
    const struct ArrowSchema *value; /* field->dictionary */
    /* The current dictionary, owned by a blob so that batch mirrors keep it
     * alive after it is replaced. NULL until the first dictionary batch. */
    rr_arrow_blob_t *holder;
} dict_entry_t;

struct rr_arrow_ipc_reader {
    rr_arrow_blob_t *blob;
    const uint8_t *data;
    size_t len;
    struct ArrowSchema schema;
    int16_t version;
    dict_entry_t *dicts; /* sorted by id once the schema is read */
    dict_entry_t **dicts_by_field; /* the same, sorted by field pointer */
    int32_t n_dicts, cap_dicts;
    rr_arrow_compression_t compression;
    bool done;
    /* stream */
    size_t offset;
    int64_t msg_index;
    /* file */
    bool file_format;
    size_t footer_start;
    rr_fb_vector_t file_dicts, file_batches;
    uint32_t next_block;
};

/* One framed message: where it is and what its flatbuffer says. */
typedef struct ipc_msg {
    /* "IPC message 3 at byte 1234", for errors: written by msg_what only
     * when one is reported (a healthy stream of small messages would format
     * it for every message) from the fields below */
    char what[96];
    const char *what_kind;   /* file block kind, NULL for a stream message */
    long long what_n, what_at; /* message index or block number; byte offset */
    size_t offset;
    bool eos;
    rr_fb_table_t message;
    int16_t version;
    uint8_t header_type;
    rr_fb_table_t header;
    size_t meta_end;
    size_t body_start;
    int64_t body_len;
    size_t end;
} ipc_msg_t;

/* Prepends context to err's message and returns st, the status that
 * failed (rr_error_prefix alone cannot know it when err is NULL). */
static rr_status_t prefixed(rr_status_t st, rr_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static rr_status_t prefixed(rr_status_t st, rr_error_t *err, const char *fmt, ...) {
    if (!err) return st;
    char head[RR_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    rr_error_prefix(err, "%s", head);
    return st;
}

/* ---------------- framing ---------------- */

static const char *msg_what(ipc_msg_t *m) {
    if (!m->what[0]) {
        if (m->what_kind)
            snprintf(m->what, sizeof m->what, "IPC file %s block %u (message at byte %lld)",
                     m->what_kind, (unsigned)m->what_n, m->what_at);
        else
            snprintf(m->what, sizeof m->what, "IPC message %lld at byte %lld", m->what_n,
                     m->what_at);
    }
    return m->what;
}

/* Decodes the prefix and flatbuffer of the message at off; its metadata
 * must end at or before limit. Leaves the body to the caller. */
static rr_status_t frame_message(const rr_arrow_ipc_reader_t *r, size_t off, size_t limit,
                                 ipc_msg_t *m, rr_error_t *err) {
    m->offset = off;
    m->eos = false;
    if (off == limit) {
        m->eos = true; /* end of data without an end-of-stream marker */
        m->end = off;
        return RR_OK;
    }
    if (off > limit || limit - off < 4)
        return rr_error_set(err, RR_ERR_TRUNCATED, "%s: only %zu bytes left, a message prefix "
                            "needs 4", msg_what(m), off > limit ? (size_t)0 : limit - off);
    const uint8_t *p = r->data + off;
    size_t meta = off + 4;
    int32_t meta_len;
    if (rr_fb_read_u32(p) == RR_IPC_CONTINUATION) {
        if (limit - off < 8)
            return rr_error_set(err, RR_ERR_TRUNCATED,
                                "%s: input ends inside the metadata length", msg_what(m));
        meta_len = rr_fb_read_i32(p + 4);
        meta = off + 8;
    } else {
        meta_len = rr_fb_read_i32(p); /* pre-1.0: no continuation marker */
    }
    if (meta_len == 0) {
        m->eos = true;
        m->end = meta;
        return RR_OK;
    }
    if (meta_len < 0)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: negative metadata length %d", msg_what(m),
                            (int)meta_len);
    if (meta_len > MAX_METADATA)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "%s: metadata of %d bytes exceeds the %lld-byte limit", msg_what(m),
                            (int)meta_len, (long long)MAX_METADATA);
    if ((size_t)meta_len > limit - meta)
        return rr_error_set(err, RR_ERR_TRUNCATED,
                            "%s: metadata of %d bytes runs past the end of the input (%zu bytes "
                            "left)",
                            msg_what(m), (int)meta_len, limit - meta);
    m->meta_end = meta + (size_t)meta_len;
    rr_status_t st = rr_fb_root(r->data + meta, (size_t)meta_len, "Message", &m->message, err);
    if (st != RR_OK) return prefixed(st, err, "%s: ", msg_what(m));
    m->version = rr_fb_field_i16(&m->message, RR_FB_MESSAGE_VERSION, RR_FB_METADATA_V1);
    if (m->version < RR_FB_METADATA_V4 || m->version > RR_FB_METADATA_V5)
        return rr_error_set(err, RR_ERR_UNSUPPORTED,
                            "%s: metadata version %d is not supported (V4 and V5 are)", msg_what(m),
                            (int)m->version + 1);
    m->header_type = rr_fb_field_u8(&m->message, RR_FB_MESSAGE_HEADER_TYPE, RR_FB_HEADER_NONE);
    st = rr_fb_field_table(&m->message, RR_FB_MESSAGE_HEADER, "Message.header", &m->header, err);
    if (st != RR_OK) return prefixed(st, err, "%s: ", msg_what(m));
    if (m->header_type == RR_FB_HEADER_NONE || !rr_fb_table_present(&m->header))
        return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: Message.header is missing", msg_what(m));
    m->body_len = rr_fb_field_i64(&m->message, RR_FB_MESSAGE_BODY_LENGTH, 0);
    if (m->body_len < 0)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: negative Message.bodyLength %lld",
                            msg_what(m), (long long)m->body_len);
    return RR_OK;
}

/* Places the body at body_start and checks it ends by limit. */
static rr_status_t place_body(ipc_msg_t *m, size_t body_start, size_t limit, rr_error_t *err) {
    m->body_start = body_start;
    if (body_start > limit || (uint64_t)m->body_len > limit - body_start)
        return rr_error_set(err, RR_ERR_TRUNCATED,
                            "%s: body of %lld bytes runs past the end of the input (%zu bytes "
                            "left)",
                            msg_what(m), (long long)m->body_len,
                            body_start > limit ? (size_t)0 : limit - body_start);
    m->end = body_start + (size_t)m->body_len;
    return RR_OK;
}

/* The next message of a stream, at r->offset. */
static rr_status_t read_stream_message(rr_arrow_ipc_reader_t *r, ipc_msg_t *m, rr_error_t *err) {
    m->what[0] = 0;
    m->what_kind = NULL;
    m->what_n = (long long)r->msg_index;
    m->what_at = (long long)r->offset;
    RR_TRY(frame_message(r, r->offset, r->len, m, err));
    if (m->eos) return RR_OK;
    return place_body(m, m->meta_end, r->len, err);
}

/* The message of file block i of v ("dictionary" or "record batch"). */
static rr_status_t read_block_message(rr_arrow_ipc_reader_t *r, const rr_fb_vector_t *v,
                                      uint32_t i, const char *kind, ipc_msg_t *m,
                                      rr_error_t *err) {
    const uint8_t *b = rr_fb_vector_elem(v, i);
    int64_t off = rr_fb_read_i64(b);
    int32_t meta_len = rr_fb_read_i32(b + 8);
    int64_t body_len = rr_fb_read_i64(b + 16);
    m->what[0] = 0;
    m->what_kind = kind;
    m->what_n = (long long)i;
    m->what_at = (long long)off;
    size_t limit = r->footer_start;
    if (off < 8 || (uint64_t)off >= limit || meta_len <= 0 ||
        (uint64_t)meta_len > limit - (uint64_t)off || body_len < 0)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "%s: block (offset %lld, metadata %d bytes, body %lld bytes) lies "
                            "outside the %zu bytes before the footer",
                            msg_what(m), (long long)off, (int)meta_len, (long long)body_len, limit);
    size_t meta_end = (size_t)off + (size_t)meta_len;
    RR_TRY(frame_message(r, (size_t)off, meta_end, m, err));
    if (m->eos)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: block holds an end-of-stream marker",
                            msg_what(m));
    if (m->body_len != body_len)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "%s: Message.bodyLength %lld differs from the block's %lld", msg_what(m),
                            (long long)m->body_len, (long long)body_len);
    return place_body(m, meta_end, limit, err);
}

/* ---------------- schema ---------------- */

typedef struct schema_ctx {
    rr_arrow_ipc_reader_t *r;
    int64_t budget; /* fields left to convert: stops shared-subtable blowups */
    char path[256];
} schema_ctx_t;

/* Appends ".name" to the path; returns the old length to restore. */
static size_t path_push(char *path, size_t cap, const char *name, size_t n) {
    size_t old = strlen(path), at = old, room = cap - old - 1;
    if (n > 64) n = 64;
    const char *nul = memchr(name, 0, n);
    if (nul) n = (size_t)(nul - name);
    /* truncated as snprintf would, without a printf per field */
    if (old && room) {
        path[at++] = '.';
        room--;
    }
    if (n > room) n = room;
    memcpy(path + at, name, n);
    path[at + n] = 0;
    return old;
}

static rr_status_t read_metadata(const rr_fb_table_t *t, int slot, const char *what,
                                 struct ArrowSchema *s, rr_error_t *err) {
    rr_fb_vector_t v;
    RR_TRY(rr_fb_field_vector(t, slot, 4, what, &v, err));
    if (v.len == 0) return RR_OK;
    rr_arrow_kv_t *kv = calloc(v.len, sizeof *kv);
    if (!kv) return rr_error_set(err, RR_ERR_NOMEM, "out of memory reading %s", what);
    rr_status_t st = RR_OK;
    for (uint32_t i = 0; i < v.len && st == RR_OK; i++) {
        rr_fb_table_t e;
        const char *k = NULL, *val = NULL;
        size_t kl = 0, vl = 0;
        st = rr_fb_vector_table(&v, i, what, &e, err);
        if (st == RR_OK) st = rr_fb_field_string(&e, RR_FB_KV_KEY, "KeyValue.key", &k, &kl, err);
        if (st == RR_OK)
            st = rr_fb_field_string(&e, RR_FB_KV_VALUE, "KeyValue.value", &val, &vl, err);
        kv[i] = (rr_arrow_kv_t){k ? k : "", (int32_t)kl, val ? val : "", (int32_t)vl};
    }
    if (st == RR_OK) st = rr_arrow_schema_set_metadata(s, kv, (int32_t)v.len, err);
    free(kv);
    return st;
}

/* The rr_arrow_type_t of a Field's type union. tz receives the timezone
 * (the type points into it). */
static rr_status_t read_type(uint8_t type_type, const rr_fb_table_t *tt, const char *field,
                             rr_arrow_type_t *t, char *tz, size_t tz_cap, rr_error_t *err) {
    memset(t, 0, sizeof *t);
    switch (type_type) {
    case RR_FB_TYPE_NULL: t->id = RR_ARROW_NA; break;
    case RR_FB_TYPE_BOOL: t->id = RR_ARROW_BOOL; break;
    case RR_FB_TYPE_BINARY: t->id = RR_ARROW_BINARY; break;
    case RR_FB_TYPE_UTF8: t->id = RR_ARROW_STRING; break;
    case RR_FB_TYPE_LARGE_BINARY: t->id = RR_ARROW_LARGE_BINARY; break;
    case RR_FB_TYPE_LARGE_UTF8: t->id = RR_ARROW_LARGE_STRING; break;
    case RR_FB_TYPE_LIST: t->id = RR_ARROW_LIST; break;
    case RR_FB_TYPE_LARGE_LIST: t->id = RR_ARROW_LARGE_LIST; break;
    case RR_FB_TYPE_STRUCT: t->id = RR_ARROW_STRUCT; break;
    case RR_FB_TYPE_MAP: t->id = RR_ARROW_MAP; break;
    case RR_FB_TYPE_INT: {
        int32_t bits = rr_fb_field_i32(tt, RR_FB_INT_BIT_WIDTH, 0);
        bool sign = rr_fb_field_bool(tt, RR_FB_INT_IS_SIGNED, false);
        switch (bits) {
        case 8: t->id = sign ? RR_ARROW_INT8 : RR_ARROW_UINT8; break;
        case 16: t->id = sign ? RR_ARROW_INT16 : RR_ARROW_UINT16; break;
        case 32: t->id = sign ? RR_ARROW_INT32 : RR_ARROW_UINT32; break;
        case 64: t->id = sign ? RR_ARROW_INT64 : RR_ARROW_UINT64; break;
        default:
            return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': Int.bitWidth %d", field,
                                (int)bits);
        }
        break;
    }
    case RR_FB_TYPE_FLOATING_POINT:
        switch (rr_fb_field_i16(tt, RR_FB_FLOAT_PRECISION, RR_FB_PRECISION_HALF)) {
        case RR_FB_PRECISION_HALF: t->id = RR_ARROW_HALF_FLOAT; break;
        case RR_FB_PRECISION_SINGLE: t->id = RR_ARROW_FLOAT; break;
        case RR_FB_PRECISION_DOUBLE: t->id = RR_ARROW_DOUBLE; break;
        default:
            return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': FloatingPoint.precision %d",
                                field, (int)rr_fb_field_i16(tt, RR_FB_FLOAT_PRECISION, 0));
        }
        break;
    case RR_FB_TYPE_DECIMAL: {
        int32_t bits = rr_fb_field_i32(tt, RR_FB_DECIMAL_BIT_WIDTH, 128);
        int32_t max_precision;
        switch (bits) {
        case 32: t->id = RR_ARROW_DECIMAL32; max_precision = 9; break;
        case 64: t->id = RR_ARROW_DECIMAL64; max_precision = 18; break;
        case 128: t->id = RR_ARROW_DECIMAL128; max_precision = 38; break;
        case 256: t->id = RR_ARROW_DECIMAL256; max_precision = 76; break;
        default:
            return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': Decimal.bitWidth %d", field,
                                (int)bits);
        }
        t->precision = rr_fb_field_i32(tt, RR_FB_DECIMAL_PRECISION, 0);
        t->scale = rr_fb_field_i32(tt, RR_FB_DECIMAL_SCALE, 0);
        if (t->precision < 1 || t->precision > max_precision)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "field '%s': Decimal.precision %d outside 1..%d for %d bits", field,
                                (int)t->precision, (int)max_precision, (int)bits);
        break;
    }
    case RR_FB_TYPE_DATE:
        switch (rr_fb_field_i16(tt, RR_FB_DATE_UNIT, RR_FB_DATE_MILLISECOND)) {
        case RR_FB_DATE_DAY: t->id = RR_ARROW_DATE32; break;
        case RR_FB_DATE_MILLISECOND: t->id = RR_ARROW_DATE64; break;
        default:
            return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': Date.unit %d", field,
                                (int)rr_fb_field_i16(tt, RR_FB_DATE_UNIT, 0));
        }
        break;
    case RR_FB_TYPE_TIME:
    case RR_FB_TYPE_TIMESTAMP:
    case RR_FB_TYPE_DURATION: {
        int slot = type_type == RR_FB_TYPE_TIME        ? RR_FB_TIME_UNIT
                   : type_type == RR_FB_TYPE_TIMESTAMP ? RR_FB_TIMESTAMP_UNIT
                                                       : RR_FB_DURATION_UNIT;
        int16_t def = type_type == RR_FB_TYPE_TIMESTAMP ? RR_ARROW_SECOND : RR_ARROW_MILLI;
        int16_t unit = rr_fb_field_i16(tt, slot, def);
        if (unit < RR_ARROW_SECOND || unit > RR_ARROW_NANO)
            return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': time unit %d", field,
                                (int)unit);
        t->unit = (rr_arrow_time_unit_t)unit;
        if (type_type == RR_FB_TYPE_TIME) {
            int32_t bits = rr_fb_field_i32(tt, RR_FB_TIME_BIT_WIDTH, 32);
            int32_t want = unit <= RR_ARROW_MILLI ? 32 : 64;
            if (bits != want)
                return rr_error_set(err, RR_ERR_INVALID_DATA,
                                    "field '%s': Time.bitWidth %d, unit %d needs %d", field,
                                    (int)bits, (int)unit, (int)want);
            t->id = want == 32 ? RR_ARROW_TIME32 : RR_ARROW_TIME64;
        } else if (type_type == RR_FB_TYPE_DURATION) {
            t->id = RR_ARROW_DURATION;
        } else {
            t->id = RR_ARROW_TIMESTAMP;
            const char *s;
            size_t n;
            RR_TRY(rr_fb_field_string(tt, RR_FB_TIMESTAMP_TIMEZONE, "Timestamp.timezone", &s, &n,
                                      err));
            if (n >= tz_cap)
                return rr_error_set(err, RR_ERR_INVALID_DATA,
                                    "field '%s': timezone of %zu bytes is too long", field, n);
            if (s && n) {
                memcpy(tz, s, n);
                tz[n] = '\0';
                t->timezone = tz;
            }
        }
        break;
    }
    case RR_FB_TYPE_INTERVAL:
        switch (rr_fb_field_i16(tt, RR_FB_INTERVAL_UNIT, RR_FB_INTERVAL_YEAR_MONTH)) {
        case RR_FB_INTERVAL_YEAR_MONTH: t->id = RR_ARROW_INTERVAL_MONTHS; break;
        case RR_FB_INTERVAL_DAY_TIME: t->id = RR_ARROW_INTERVAL_DAY_TIME; break;
        case RR_FB_INTERVAL_MONTH_DAY_NANO: t->id = RR_ARROW_INTERVAL_MONTH_DAY_NANO; break;
        default:
            return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': Interval.unit %d", field,
                                (int)rr_fb_field_i16(tt, RR_FB_INTERVAL_UNIT, 0));
        }
        break;
    case RR_FB_TYPE_FIXED_SIZE_BINARY:
        t->id = RR_ARROW_FIXED_SIZE_BINARY;
        t->fixed_size = rr_fb_field_i32(tt, RR_FB_FIXED_SIZE_BINARY_BYTE_WIDTH, 0);
        /* Bounded so that bit widths (8 * byteWidth) stay in an int32. */
        if (t->fixed_size < 0 || t->fixed_size > (1 << 24))
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "field '%s': FixedSizeBinary.byteWidth %d", field,
                                (int)t->fixed_size);
        break;
    case RR_FB_TYPE_FIXED_SIZE_LIST:
        t->id = RR_ARROW_FIXED_SIZE_LIST;
        t->fixed_size = rr_fb_field_i32(tt, RR_FB_FIXED_SIZE_LIST_SIZE, 0);
        if (t->fixed_size < 0)
            return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': FixedSizeList.listSize %d",
                                field, (int)t->fixed_size);
        break;
    case RR_FB_TYPE_UNION: {
        int16_t mode = rr_fb_field_i16(tt, RR_FB_UNION_MODE, RR_FB_UNION_SPARSE);
        if (mode != RR_FB_UNION_SPARSE && mode != RR_FB_UNION_DENSE)
            return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': Union.mode %d", field,
                                (int)mode);
        t->id = mode == RR_FB_UNION_DENSE ? RR_ARROW_DENSE_UNION : RR_ARROW_SPARSE_UNION;
        rr_fb_vector_t ids;
        RR_TRY(rr_fb_field_vector(tt, RR_FB_UNION_TYPE_IDS, 4, "Union.typeIds", &ids, err));
        if (ids.len > RR_ARROW_MAX_UNION_TYPES)
            return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': %u union type ids", field,
                                (unsigned)ids.len);
        /* n_type_codes < 0 marks "absent": the caller numbers the children. */
        t->n_type_codes = rr_fb_field_present(tt, RR_FB_UNION_TYPE_IDS) ? (int32_t)ids.len : -1;
        for (uint32_t i = 0; i < ids.len; i++) {
            int32_t id = rr_fb_vector_i32(&ids, i);
            if (id < 0 || id >= RR_ARROW_MAX_UNION_TYPES)
                return rr_error_set(err, RR_ERR_INVALID_DATA,
                                    "field '%s': union type id %d outside 0..127", field, (int)id);
            for (uint32_t j = 0; j < i; j++)
                if (t->type_codes[j] == id)
                    return rr_error_set(err, RR_ERR_INVALID_DATA,
                                        "field '%s': union type id %d appears twice", field,
                                        (int)id);
            t->type_codes[i] = (int8_t)id;
        }
        break;
    }
    case RR_FB_TYPE_RUN_END_ENCODED:
    case RR_FB_TYPE_BINARY_VIEW:
    case RR_FB_TYPE_UTF8_VIEW:
    case RR_FB_TYPE_LIST_VIEW:
    case RR_FB_TYPE_LARGE_LIST_VIEW: {
        static const char *const names[] = {"RunEndEncoded", "BinaryView", "Utf8View", "ListView",
                                            "LargeListView"};
        return rr_error_set(err, RR_ERR_UNSUPPORTED, "field '%s': type %s is not supported",
                            field, names[type_type - RR_FB_TYPE_RUN_END_ENCODED]);
    }
    case RR_FB_TYPE_NONE:
        return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s' has no type", field);
    default:
        return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': unknown type id %u", field,
                            (unsigned)type_type);
    }
    return RR_OK;
}

/* Appends a dictionary; uniqueness is checked once all are known
 * (finish_dicts), so that a schema of many dictionaries stays linear. */
static rr_status_t add_dict(rr_arrow_ipc_reader_t *r, int64_t id, const struct ArrowSchema *field,
                            rr_error_t *err) {
    if (r->n_dicts == r->cap_dicts) {
        int32_t cap = r->cap_dicts ? r->cap_dicts * 2 : 4;
        dict_entry_t *d = realloc(r->dicts, (size_t)cap * sizeof *d);
        if (!d) return rr_error_set(err, RR_ERR_NOMEM, "out of memory adding a dictionary");
        r->dicts = d;
        r->cap_dicts = cap;
    }
    r->dicts[r->n_dicts++] = (dict_entry_t){.id = id, .field = field, .value = field->dictionary};
    return RR_OK;
}

static int cmp_dict_id(const void *a, const void *b) {
    int64_t x = ((const dict_entry_t *)a)->id, y = ((const dict_entry_t *)b)->id;
    return (x > y) - (x < y);
}

static int cmp_dict_field(const void *a, const void *b) {
    uintptr_t x = (uintptr_t)(*(dict_entry_t *const *)a)->field;
    uintptr_t y = (uintptr_t)(*(dict_entry_t *const *)b)->field;
    return (x > y) - (x < y);
}

/* Sorts the dictionaries for lookup by id and by field, and checks each id
 * is used once. */
static rr_status_t finish_dicts(rr_arrow_ipc_reader_t *r, rr_error_t *err) {
    if (r->n_dicts == 0) return RR_OK;
    qsort(r->dicts, (size_t)r->n_dicts, sizeof *r->dicts, cmp_dict_id);
    for (int32_t i = 1; i < r->n_dicts; i++)
        if (r->dicts[i].id == r->dicts[i - 1].id)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "dictionary id %lld is used by two fields ('%s' and '%s')",
                                (long long)r->dicts[i].id, r->dicts[i - 1].field->name,
                                r->dicts[i].field->name);
    r->dicts_by_field = malloc((size_t)r->n_dicts * sizeof *r->dicts_by_field);
    if (!r->dicts_by_field) return rr_error_set(err, RR_ERR_NOMEM, "out of memory for dictionaries");
    for (int32_t i = 0; i < r->n_dicts; i++) r->dicts_by_field[i] = &r->dicts[i];
    qsort(r->dicts_by_field, (size_t)r->n_dicts, sizeof *r->dicts_by_field, cmp_dict_field);
    return RR_OK;
}

static rr_status_t convert_field(schema_ctx_t *c, const rr_fb_table_t *f, struct ArrowSchema *out,
                                 int depth, rr_error_t *err);

/* Converts the children of a field into s->children. */
static rr_status_t convert_children(schema_ctx_t *c, const rr_fb_vector_t *kids,
                                    struct ArrowSchema *s, int depth, rr_error_t *err) {
    for (uint32_t i = 0; i < kids->len; i++) {
        rr_fb_table_t k;
        RR_TRY(rr_fb_vector_table(kids, i, "Field.children", &k, err));
        RR_TRY(convert_field(c, &k, s->children[i], depth + 1, err));
    }
    return RR_OK;
}

static rr_status_t convert_field(schema_ctx_t *c, const rr_fb_table_t *f, struct ArrowSchema *out,
                                 int depth, rr_error_t *err) {
    const char *name;
    size_t name_len;
    RR_TRY(rr_fb_field_string(f, RR_FB_FIELD_NAME, "Field.name", &name, &name_len, err));
    size_t saved = path_push(c->path, sizeof c->path, name ? name : "", name_len);
    const char *path = c->path;
    if (depth > MAX_NESTING)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': fields nested deeper than %d",
                            path, MAX_NESTING);
    if (--c->budget < 0)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "field '%s': more fields than the metadata can hold", path);

    char *name_z = malloc(name_len + 1);
    if (!name_z) return rr_error_set(err, RR_ERR_NOMEM, "out of memory reading field names");
    if (name_len) memcpy(name_z, name, name_len);
    name_z[name_len] = '\0';

    rr_status_t st;
    rr_fb_table_t tt, dict;
    rr_fb_vector_t kids;
    uint8_t type_type = rr_fb_field_u8(f, RR_FB_FIELD_TYPE_TYPE, RR_FB_TYPE_NONE);
    bool nullable = rr_fb_field_bool(f, RR_FB_FIELD_NULLABLE, false);
    char tz[256];
    rr_arrow_type_t t;
    if ((st = rr_fb_field_table(f, RR_FB_FIELD_TYPE, "Field.type", &tt, err)) != RR_OK ||
        (st = rr_fb_field_vector(f, RR_FB_FIELD_CHILDREN, 4, "Field.children", &kids, err)) !=
            RR_OK ||
        (st = rr_fb_field_table(f, RR_FB_FIELD_DICTIONARY, "Field.dictionary", &dict, err)) !=
            RR_OK ||
        (st = read_type(type_type, &tt, path, &t, tz, sizeof tz, err)) != RR_OK)
        goto fail;

    int64_t n_kids = kids.len;
    int64_t want = -1; /* any */
    switch (t.id) {
    case RR_ARROW_LIST:
    case RR_ARROW_LARGE_LIST:
    case RR_ARROW_FIXED_SIZE_LIST:
    case RR_ARROW_MAP: want = 1; break;
    case RR_ARROW_STRUCT: break;
    case RR_ARROW_SPARSE_UNION:
    case RR_ARROW_DENSE_UNION:
        if (n_kids > RR_ARROW_MAX_UNION_TYPES) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': union of %lld children",
                              path, (long long)n_kids);
            goto fail;
        }
        if (t.n_type_codes < 0) {
            t.n_type_codes = (int32_t)n_kids;
            for (int32_t i = 0; i < t.n_type_codes; i++) t.type_codes[i] = (int8_t)i;
        }
        if (t.n_type_codes != n_kids) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA,
                              "field '%s': union has %d type ids for %lld children", path,
                              (int)t.n_type_codes, (long long)n_kids);
            goto fail;
        }
        break;
    default: want = 0; break;
    }
    if (want >= 0 && n_kids != want) {
        st = rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': type %s needs %lld children, "
                          "the field has %lld",
                          path, rr_arrow_type_id_name(t.id), (long long)want, (long long)n_kids);
        goto fail;
    }

    int64_t flags = nullable ? ARROW_FLAG_NULLABLE : 0;
    int64_t value_flags = 0;
    if (t.id == RR_ARROW_MAP && rr_fb_field_bool(&tt, RR_FB_MAP_KEYS_SORTED, false))
        value_flags |= ARROW_FLAG_MAP_KEYS_SORTED;
    struct ArrowSchema *holder = out; /* the schema that carries the value type */
    if (rr_fb_table_present(&dict)) {
        rr_fb_table_t it;
        if ((st = rr_fb_field_table(&dict, RR_FB_DICT_INDEX_TYPE, "DictionaryEncoding.indexType",
                                    &it, err)) != RR_OK)
            goto fail;
        rr_arrow_type_t index = {.id = RR_ARROW_INT32};
        if (rr_fb_table_present(&it) &&
            (st = read_type(RR_FB_TYPE_INT, &it, path, &index, NULL, 0, err)) != RR_OK)
            goto fail;
        if (rr_fb_field_i16(&dict, RR_FB_DICT_KIND, 0) != 0) {
            st = rr_error_set(err, RR_ERR_UNSUPPORTED, "field '%s': dictionary kind %d", path,
                              (int)rr_fb_field_i16(&dict, RR_FB_DICT_KIND, 0));
            goto fail;
        }
        if (rr_fb_field_bool(&dict, RR_FB_DICT_IS_ORDERED, false))
            flags |= ARROW_FLAG_DICTIONARY_ORDERED;
        if ((st = rr_arrow_schema_init_type(out, &index, name_z, flags, 0, err)) != RR_OK)
            goto fail;
        holder = rr_arrow_schema_add_dictionary(out, err);
        if (!holder) {
            st = err ? err->code : RR_ERR_NOMEM;
            goto fail;
        }
        /* Dictionary values may hold nulls whatever the field says. */
        value_flags |= ARROW_FLAG_NULLABLE;
        if ((st = rr_arrow_schema_init_type(holder, &t, "", value_flags, n_kids, err)) != RR_OK ||
            (st = add_dict(c->r, rr_fb_field_i64(&dict, RR_FB_DICT_ID, 0), out, err)) !=
                RR_OK)
            goto fail;
    } else {
        if ((st = rr_arrow_schema_init_type(out, &t, name_z, flags | value_flags, n_kids, err)) !=
            RR_OK)
            goto fail;
    }
    if ((st = read_metadata(f, RR_FB_FIELD_CUSTOM_METADATA, "Field.custom_metadata", out, err)) !=
            RR_OK ||
        (st = convert_children(c, &kids, holder, depth, err)) != RR_OK)
        goto fail;
    if (t.id == RR_ARROW_MAP) {
        const struct ArrowSchema *e = holder->children[0];
        if (strcmp(e->format, "+s") != 0 || e->n_children != 2 || e->dictionary) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA,
                              "field '%s': map entries must be a struct of key and value", path);
            goto fail;
        }
    }
    free(name_z);
    c->path[saved] = '\0';
    return RR_OK;
fail:
    free(name_z);
    /* Keep the path of the deepest failing field in the message; the schema
     * (with whatever was built) is released by the caller. */
    if (st != RR_OK && err && !strstr(err->msg, "field '"))
        prefixed(st, err, "field '%s': ", path);
    return st;
}

/* Schema table → r->schema (a "+s" root whose children are the fields). */
static rr_status_t convert_schema(rr_arrow_ipc_reader_t *r, const rr_fb_table_t *s,
                                  size_t metadata_len, rr_error_t *err) {
    int16_t endian = rr_fb_field_i16(s, RR_FB_SCHEMA_ENDIANNESS, 0);
    if (endian != 0)
        return rr_error_set(err, RR_ERR_UNSUPPORTED, "big-endian data is not supported");
    rr_fb_vector_t fields;
    RR_TRY(rr_fb_field_vector(s, RR_FB_SCHEMA_FIELDS, 4, "Schema.fields", &fields, err));
    rr_status_t st = rr_arrow_schema_init(&r->schema, "+s", "", 0, fields.len, err);
    if (st != RR_OK) return st;
    /* A Field costs well over 16 bytes of flatbuffer; more fields than that
     * means tables shared to multiply the work. */
    schema_ctx_t c = {.r = r, .budget = (int64_t)(metadata_len / 16) + 1};
    st = read_metadata(s, RR_FB_SCHEMA_CUSTOM_METADATA, "Schema.custom_metadata", &r->schema, err);
    if (st == RR_OK) st = convert_children(&c, &fields, &r->schema, 0, err);
    if (st == RR_OK) st = finish_dicts(r, err);
    if (st != RR_OK) {
        rr_arrow_schema_release(&r->schema);
        r->n_dicts = 0;
    }
    return st;
}

/* ---------------- record batches ---------------- */

typedef struct batch_ctx {
    rr_arrow_ipc_reader_t *r;
    const ipc_msg_t *m;
    rr_fb_vector_t nodes, buffers;
    uint32_t node_i, buf_i;
    const uint8_t *body;
    int64_t body_len;
    rr_arrow_compression_t codec;
    int64_t *sizes;
    int64_t n_sizes;
    char path[256];
} batch_ctx_t;

static dict_entry_t *find_dict_by_field(rr_arrow_ipc_reader_t *r, const struct ArrowSchema *f) {
    dict_entry_t key = {.field = f}, *pk = &key;
    dict_entry_t **hit = r->n_dicts ? bsearch(&pk, r->dicts_by_field, (size_t)r->n_dicts,
                                              sizeof *r->dicts_by_field, cmp_dict_field)
                                    : NULL;
    return hit ? *hit : NULL;
}

static dict_entry_t *find_dict_by_id(rr_arrow_ipc_reader_t *r, int64_t id) {
    dict_entry_t key = {.id = id};
    return r->n_dicts ? bsearch(&key, r->dicts, (size_t)r->n_dicts, sizeof *r->dicts, cmp_dict_id)
                      : NULL;
}

/* dst becomes an array of ours pointing at src's buffers, keeping holder
 * (which owns src) alive through a reference per buffer. */
static rr_status_t mirror(const struct ArrowArray *src, rr_arrow_blob_t *holder,
                          struct ArrowArray *dst, rr_error_t *err) {
    RR_TRY(rr_arrow_array_init(dst, src->n_buffers, src->n_children, src->dictionary != NULL, err));
    dst->length = src->length;
    dst->null_count = src->null_count;
    dst->offset = src->offset;
    for (int64_t i = 0; i < src->n_buffers; i++)
        rr_arrow_array_set_buffer_blob(dst, i, src->buffers[i], holder);
    rr_status_t st = RR_OK;
    for (int64_t i = 0; i < src->n_children && st == RR_OK; i++)
        st = mirror(src->children[i], holder, dst->children[i], err);
    if (st == RR_OK && src->dictionary) st = mirror(src->dictionary, holder, dst->dictionary, err);
    if (st != RR_OK) rr_arrow_array_release(dst);
    return st;
}

static void free_held_array(void *ctx) {
    struct ArrowArray *a = ctx;
    rr_arrow_array_release(a);
    free(a);
}

/* Wraps *a (moved) in a new holder blob. */
static rr_status_t hold_array(struct ArrowArray *a, rr_arrow_blob_t **out, rr_error_t *err) {
    struct ArrowArray *heap = malloc(sizeof *heap);
    rr_arrow_blob_t *b = heap ? rr_arrow_blob_wrap(NULL, 0, free_held_array, heap) : NULL;
    if (!b) {
        free(heap);
        rr_arrow_array_release(a);
        return rr_error_set(err, RR_ERR_NOMEM, "out of memory keeping a dictionary");
    }
    rr_arrow_array_move(a, heap);
    *out = b;
    return RR_OK;
}

/* Buffer k of a (of the given kind) from the next Buffer of the message. */
static rr_status_t load_buffer(batch_ctx_t *c, struct ArrowArray *a, int k,
                               rr_arrow_buffer_kind_t kind, rr_error_t *err) {
    uint32_t bi = c->buf_i++;
    if (bi >= c->buffers.len)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "field '%s': the message has %u buffers, the schema needs more", c->path,
                            (unsigned)c->buffers.len);
    const uint8_t *b = rr_fb_vector_elem(&c->buffers, bi);
    int64_t off = rr_fb_read_i64(b), len = rr_fb_read_i64(b + 8);
    if (off < 0 || len < 0 || off > c->body_len || len > c->body_len - off)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "field '%s': buffer %u (offset %lld, length %lld) lies outside the "
                            "%lld-byte body",
                            c->path, (unsigned)bi, (long long)off, (long long)len,
                            (long long)c->body_len);
    const uint8_t *src = c->body + off;
    if (c->codec != RR_ARROW_COMPRESSION_NONE && len > 0) {
        if (len < 8)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "field '%s': compressed buffer %u of %lld bytes has no length "
                                "prefix",
                                c->path, (unsigned)bi, (long long)len);
        int64_t ulen = rr_fb_read_i64(src);
        src += 8;
        len -= 8;
        if (ulen != -1) {
            int64_t ratio = c->codec == RR_ARROW_COMPRESSION_LZ4_FRAME ? LZ4_MAX_RATIO
                                                                       : ZSTD_MAX_RATIO;
            if (ulen < 0 || ulen > MAX_DECOMPRESSED || (ulen - 4096) / ratio > len)
                return rr_error_set(err, RR_ERR_INVALID_DATA,
                                    "field '%s': compressed buffer %u of %lld bytes declares an "
                                    "implausible %lld bytes uncompressed",
                                    c->path, (unsigned)bi, (long long)len, (long long)ulen);
            c->sizes[c->n_sizes++] = ulen;
            if (ulen == 0) goto empty;
            uint8_t *dst = rr_alloc_aligned((size_t)ulen);
            if (!dst)
                return rr_error_set(err, RR_ERR_NOMEM,
                                    "field '%s': out of memory for %lld bytes of buffer %u",
                                    c->path, (long long)ulen, (unsigned)bi);
            rr_arrow_array_set_buffer_owned(a, k, dst);
            rr_status_t st =
                rr_arrow_decompress(c->codec, src, (size_t)len, dst, (size_t)ulen, err);
            if (st != RR_OK)
                return prefixed(st, err, "field '%s': buffer %u: ", c->path, (unsigned)bi);
            return RR_OK;
        }
        /* -1: the rest is stored as is. */
    }
    c->sizes[c->n_sizes++] = len;
    if (len == 0) goto empty;
    if (((uintptr_t)src & 7) == 0) {
        rr_arrow_array_set_buffer_blob(a, k, src, c->r->blob);
    } else {
        /* The platform reads values in place only when aligned. */
        uint8_t *dst = rr_alloc_aligned((size_t)len);
        if (!dst)
            return rr_error_set(err, RR_ERR_NOMEM,
                                "field '%s': out of memory for %lld bytes of buffer %u", c->path,
                                (long long)len, (unsigned)bi);
        memcpy(dst, src, (size_t)len);
        rr_arrow_array_set_buffer_owned(a, k, dst);
    }
    return RR_OK;
empty:
    if (kind != RR_ARROW_BUF_VALIDITY) rr_arrow_array_set_buffer_blob(a, k, k_zero_block, NULL);
    return RR_OK;
}

static rr_status_t read_array(batch_ctx_t *c, const struct ArrowSchema *s, struct ArrowArray *a,
                              int depth, rr_error_t *err) {
    memset(a, 0, sizeof *a);
    if (depth > MAX_NESTING)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "field '%s': nested deeper than %d",
                            c->path, MAX_NESTING);
    rr_arrow_type_t t;
    RR_TRY(rr_arrow_type_parse(s->format, &t, err));
    uint32_t ni = c->node_i++;
    if (ni >= c->nodes.len)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "field '%s': the message has %u field nodes, the schema needs more",
                            c->path, (unsigned)c->nodes.len);
    const uint8_t *node = rr_fb_vector_elem(&c->nodes, ni);
    int64_t len = rr_fb_read_i64(node), nulls = rr_fb_read_i64(node + 8);
    if (len < 0 || len > MAX_LENGTH || nulls < 0 || nulls > len)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "field '%s': field node %u has length %lld and null count %lld",
                            c->path, (unsigned)ni, (long long)len, (long long)nulls);
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    int64_t nc = l.n_children < 0 ? s->n_children : l.n_children;
    RR_TRY(rr_arrow_array_init(a, l.n_buffers, nc, s->dictionary != NULL, err));
    a->length = len;
    a->null_count = nulls;
    rr_status_t st = RR_OK;
    bool is_union = t.id == RR_ARROW_SPARSE_UNION || t.id == RR_ARROW_DENSE_UNION;
    if (is_union && c->m->version < RR_FB_METADATA_V5) {
        /* Before V5 unions had a validity buffer; it carries nothing. */
        if (c->buf_i >= c->buffers.len) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA,
                              "field '%s': the message has %u buffers, the schema needs more",
                              c->path, (unsigned)c->buffers.len);
            goto fail;
        }
        c->buf_i++;
    }
    for (int k = 0; k < l.n_buffers && st == RR_OK; k++)
        st = load_buffer(c, a, k, l.kinds[k], err);
    if (st != RR_OK) goto fail;
    if (l.n_buffers > 0 && l.kinds[0] == RR_ARROW_BUF_VALIDITY && nulls > 0 && !a->buffers[0]) {
        st = rr_error_set(err, RR_ERR_INVALID_DATA,
                          "field '%s': %lld nulls but no validity buffer", c->path,
                          (long long)nulls);
        goto fail;
    }
    /* A dictionary-encoded field is its index array here: no children (the
     * values' children travel in the dictionary batch). */
    for (int64_t i = 0; i < nc && st == RR_OK; i++) {
        size_t saved = path_push(c->path, sizeof c->path, s->children[i]->name,
                                 strlen(s->children[i]->name));
        st = read_array(c, s->children[i], a->children[i], depth + 1, err);
        c->path[saved] = '\0';
    }
    if (st != RR_OK) goto fail;
    if (s->dictionary) {
        dict_entry_t *d = find_dict_by_field(c->r, s);
        if (!d || !d->holder) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA,
                              "field '%s': no dictionary (id %lld) has been read before this "
                              "batch",
                              c->path, d ? (long long)d->id : -1LL);
            goto fail;
        }
        st = mirror(d->holder->ctx, d->holder, a->dictionary, err);
        if (st != RR_OK) goto fail;
    }
    return RR_OK;
fail:
    rr_arrow_array_release(a);
    return st;
}

/* Reads a RecordBatch table of message m as one array per schema child of
 * `parent` into a struct array `out` (the batch) or, when single is set, the
 * one array of schema `parent` (a dictionary). */
static rr_status_t read_record_batch(rr_arrow_ipc_reader_t *r, const ipc_msg_t *m,
                                     const rr_fb_table_t *rb, const struct ArrowSchema *schema,
                                     bool single, struct ArrowArray *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    batch_ctx_t c = {.r = r, .m = m, .body = r->data + m->body_start, .body_len = m->body_len};
    int64_t length = rr_fb_field_i64(rb, RR_FB_BATCH_LENGTH, 0);
    if (length < 0 || length > MAX_LENGTH)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "RecordBatch.length %lld",
                            (long long)length);
    RR_TRY(rr_fb_field_vector(rb, RR_FB_BATCH_NODES, RR_FB_FIELD_NODE_SIZE, "RecordBatch.nodes",
                              &c.nodes, err));
    RR_TRY(rr_fb_field_vector(rb, RR_FB_BATCH_BUFFERS, RR_FB_BUFFER_SIZE, "RecordBatch.buffers",
                              &c.buffers, err));
    rr_fb_table_t comp;
    RR_TRY(rr_fb_field_table(rb, RR_FB_BATCH_COMPRESSION, "RecordBatch.compression", &comp, err));
    c.codec = RR_ARROW_COMPRESSION_NONE;
    if (rr_fb_table_present(&comp)) {
        uint8_t codec = rr_fb_field_u8(&comp, RR_FB_COMPRESSION_CODEC, RR_FB_CODEC_LZ4_FRAME);
        uint8_t method = rr_fb_field_u8(&comp, RR_FB_COMPRESSION_METHOD, 0);
        if (codec == RR_FB_CODEC_LZ4_FRAME)
            c.codec = RR_ARROW_COMPRESSION_LZ4_FRAME;
        else if (codec == RR_FB_CODEC_ZSTD)
            c.codec = RR_ARROW_COMPRESSION_ZSTD;
        else
            return rr_error_set(err, RR_ERR_UNSUPPORTED, "BodyCompression.codec %u",
                                (unsigned)codec);
        if (method != 0)
            return rr_error_set(err, RR_ERR_UNSUPPORTED, "BodyCompression.method %u",
                                (unsigned)method);
    }
    if (!single) r->compression = c.codec;
    c.sizes = malloc(((size_t)c.buffers.len + 1) * sizeof *c.sizes);
    if (!c.sizes) return rr_error_set(err, RR_ERR_NOMEM, "out of memory reading a batch");
    rr_status_t st;
    if (single) {
        st = read_array(&c, schema, out, 0, err);
        if (st == RR_OK && out->length != length)
            st = rr_error_set(err, RR_ERR_INVALID_DATA,
                              "dictionary values have length %lld, RecordBatch.length says %lld",
                              (long long)out->length, (long long)length);
    } else {
        c.sizes[c.n_sizes++] = 0; /* the batch's own validity: none */
        st = rr_arrow_array_init(out, 1, schema->n_children, false, err);
        if (st == RR_OK) out->length = length;
        for (int64_t i = 0; i < schema->n_children && st == RR_OK; i++) {
            const struct ArrowSchema *f = schema->children[i];
            size_t saved = path_push(c.path, sizeof c.path, f->name, strlen(f->name));
            st = read_array(&c, f, out->children[i], 1, err);
            if (st == RR_OK && out->children[i]->length != length)
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "field '%s': column length %lld differs from "
                                  "RecordBatch.length %lld",
                                  c.path, (long long)out->children[i]->length, (long long)length);
            c.path[saved] = '\0';
        }
    }
    if (st == RR_OK && c.node_i != c.nodes.len)
        st = rr_error_set(err, RR_ERR_INVALID_DATA,
                          "the message has %u field nodes, the schema has %u", (unsigned)c.nodes.len,
                          (unsigned)c.node_i);
    if (st == RR_OK && c.buf_i != c.buffers.len)
        st = rr_error_set(err, RR_ERR_INVALID_DATA, "the message has %u buffers, the schema has %u",
                          (unsigned)c.buffers.len, (unsigned)c.buf_i);
    if (st == RR_OK) {
        rr_arrow_buffer_sizes_t sizes = {c.sizes, c.n_sizes};
        st = rr_arrow_validate_sized(schema, out, &sizes, err);
    }
    free(c.sizes);
    if (st != RR_OK) rr_arrow_array_release(out);
    return st;
}

static rr_status_t read_dictionary(rr_arrow_ipc_reader_t *r, const ipc_msg_t *m, rr_error_t *err) {
    const rr_fb_table_t *db = &m->header;
    int64_t id = rr_fb_field_i64(db, RR_FB_DICT_BATCH_ID, 0);
    bool delta = rr_fb_field_bool(db, RR_FB_DICT_BATCH_IS_DELTA, false);
    dict_entry_t *d = find_dict_by_id(r, id);
    if (!d)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "DictionaryBatch.id %lld is not used by any field of the schema",
                            (long long)id);
    if (r->file_format && d->holder && !delta)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "dictionary %lld is replaced, which the file format does not allow",
                            (long long)id);
    rr_fb_table_t rb;
    RR_TRY(rr_fb_field_table(db, RR_FB_DICT_BATCH_DATA, "DictionaryBatch.data", &rb, err));
    if (!rr_fb_table_present(&rb))
        return rr_error_set(err, RR_ERR_INVALID_DATA, "DictionaryBatch.data is missing");
    struct ArrowArray values;
    rr_status_t st = read_record_batch(r, m, &rb, d->value, true, &values, err);
    if (st != RR_OK)
        return prefixed(st, err, "dictionary %lld: ", (long long)id);
    if (delta && d->holder) {
        const struct ArrowArray *parts[2] = {d->holder->ctx, &values};
        struct ArrowArray joined;
        st = rr_arrow_concat(d->value, parts, 2, &joined, err);
        rr_arrow_array_release(&values);
        if (st != RR_OK) return prefixed(st, err, "dictionary %lld delta: ", (long long)id);
        rr_arrow_array_move(&joined, &values);
    }
    rr_arrow_blob_t *holder = NULL;
    RR_TRY(hold_array(&values, &holder, err));
    rr_arrow_blob_release(d->holder);
    d->holder = holder;
    return RR_OK;
}

/* ---------------- the reader ---------------- */

static rr_status_t open_stream(rr_arrow_ipc_reader_t *r, rr_error_t *err) {
    ipc_msg_t m;
    RR_TRY(read_stream_message(r, &m, err));
    if (m.eos)
        return rr_error_set(err, RR_ERR_TRUNCATED, "%s: the stream ends before its schema",
                            msg_what(&m));
    if (m.header_type != RR_FB_HEADER_SCHEMA)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "%s: the stream starts with message type %u, not a Schema", msg_what(&m),
                            (unsigned)m.header_type);
    r->version = m.version;
    rr_status_t st = convert_schema(r, &m.header, m.meta_end - m.offset, err);
    if (st != RR_OK) return prefixed(st, err, "%s: Schema: ", msg_what(&m));
    r->offset = m.end;
    r->msg_index = 1;
    return RR_OK;
}

static rr_status_t open_file(rr_arrow_ipc_reader_t *r, rr_error_t *err) {
    const size_t magic = RR_IPC_FILE_MAGIC_LEN;
    if (r->len < 8 + 4 + magic)
        return rr_error_set(err, RR_ERR_TRUNCATED, "IPC file of %zu bytes is too short", r->len);
    if (memcmp(r->data + r->len - magic, RR_IPC_FILE_MAGIC, magic) != 0)
        return rr_error_set(err, RR_ERR_TRUNCATED,
                            "IPC file of %zu bytes does not end with the ARROW1 magic "
                            "(truncated?)",
                            r->len);
    int32_t flen = rr_fb_read_i32(r->data + r->len - magic - 4);
    size_t room = r->len - magic - 4 - 8;
    if (flen <= 0 || (size_t)flen > room || flen > MAX_METADATA)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "IPC file footer length %d does not fit the %zu-byte file", (int)flen,
                            r->len);
    r->footer_start = r->len - magic - 4 - (size_t)flen;
    char where[64];
    snprintf(where, sizeof where, "IPC file footer at byte %zu", r->footer_start);
    rr_fb_table_t footer, schema;
    rr_status_t st = rr_fb_root(r->data + r->footer_start, (size_t)flen, "Footer", &footer, err);
    if (st == RR_OK)
        st = rr_fb_field_table(&footer, RR_FB_FOOTER_SCHEMA, "Footer.schema", &schema, err);
    if (st == RR_OK && !rr_fb_table_present(&schema))
        st = rr_error_set(err, RR_ERR_INVALID_DATA, "Footer.schema is missing");
    if (st == RR_OK)
        st = rr_fb_field_vector(&footer, RR_FB_FOOTER_DICTIONARIES, RR_FB_BLOCK_SIZE,
                                "Footer.dictionaries", &r->file_dicts, err);
    if (st == RR_OK)
        st = rr_fb_field_vector(&footer, RR_FB_FOOTER_RECORD_BATCHES, RR_FB_BLOCK_SIZE,
                                "Footer.recordBatches", &r->file_batches, err);
    if (st != RR_OK) return prefixed(st, err, "%s: ", where);
    r->version = rr_fb_field_i16(&footer, RR_FB_FOOTER_VERSION, RR_FB_METADATA_V1);
    st = convert_schema(r, &schema, (size_t)flen, err);
    if (st != RR_OK) return prefixed(st, err, "%s: Schema: ", where);
    for (uint32_t i = 0; i < r->file_dicts.len; i++) {
        ipc_msg_t m;
        RR_TRY(read_block_message(r, &r->file_dicts, i, "dictionary", &m, err));
        if (m.header_type != RR_FB_HEADER_DICTIONARY_BATCH)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "%s: message type %u is not a DictionaryBatch", msg_what(&m),
                                (unsigned)m.header_type);
        st = read_dictionary(r, &m, err);
        if (st != RR_OK) return prefixed(st, err, "%s: ", msg_what(&m));
    }
    return RR_OK;
}

rr_status_t rr_arrow_ipc_reader_open(rr_arrow_blob_t *blob, rr_arrow_ipc_reader_t **out,
                                     rr_error_t *err) {
    *out = NULL;
    if (!blob || (!blob->data && blob->len))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC reader opened on no data");
    rr_arrow_ipc_reader_t *r = calloc(1, sizeof *r);
    if (!r) return rr_error_set(err, RR_ERR_NOMEM, "out of memory opening an IPC reader");
    rr_arrow_blob_retain(blob);
    r->blob = blob;
    r->data = blob->data;
    r->len = blob->len;
    r->file_format = r->len >= RR_IPC_FILE_MAGIC_LEN &&
                     memcmp(r->data, RR_IPC_FILE_MAGIC, RR_IPC_FILE_MAGIC_LEN) == 0;
    rr_status_t st = r->file_format ? open_file(r, err) : open_stream(r, err);
    if (st != RR_OK) {
        rr_arrow_ipc_reader_free(r);
        return st;
    }
    *out = r;
    return RR_OK;
}

void rr_arrow_ipc_reader_free(rr_arrow_ipc_reader_t *r) {
    if (!r) return;
    for (int32_t i = 0; i < r->n_dicts; i++) rr_arrow_blob_release(r->dicts[i].holder);
    free(r->dicts);
    free(r->dicts_by_field);
    rr_arrow_schema_release(&r->schema);
    rr_arrow_blob_release(r->blob);
    free(r);
}

const struct ArrowSchema *rr_arrow_ipc_reader_schema(const rr_arrow_ipc_reader_t *r) {
    return &r->schema;
}

rr_arrow_compression_t rr_arrow_ipc_reader_compression(const rr_arrow_ipc_reader_t *r) {
    return r->compression;
}

size_t rr_arrow_ipc_reader_offset(const rr_arrow_ipc_reader_t *r) {
    if (!r->file_format) return r->offset;
    if (r->next_block < r->file_batches.len) {
        int64_t off = rr_fb_read_i64(rr_fb_vector_elem(&r->file_batches, r->next_block));
        if (off >= 0 && (uint64_t)off < r->footer_start) return (size_t)off;
    }
    return r->footer_start;
}

static rr_status_t next_in_file(rr_arrow_ipc_reader_t *r, struct ArrowArray *out, bool *done,
                                rr_error_t *err) {
    if (r->next_block >= r->file_batches.len) {
        *done = true;
        return RR_OK;
    }
    ipc_msg_t m;
    RR_TRY(read_block_message(r, &r->file_batches, r->next_block, "record batch", &m, err));
    if (m.header_type != RR_FB_HEADER_RECORD_BATCH)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: message type %u is not a RecordBatch",
                            msg_what(&m), (unsigned)m.header_type);
    rr_status_t st = read_record_batch(r, &m, &m.header, &r->schema, false, out, err);
    if (st != RR_OK) return prefixed(st, err, "%s: ", msg_what(&m));
    r->next_block++;
    return RR_OK;
}

static rr_status_t next_in_stream(rr_arrow_ipc_reader_t *r, struct ArrowArray *out, bool *done,
                                  rr_error_t *err) {
    for (;;) {
        if (r->done) {
            *done = true;
            return RR_OK;
        }
        ipc_msg_t m;
        RR_TRY(read_stream_message(r, &m, err));
        if (m.eos) {
            r->done = true;
            r->offset = m.end;
            continue;
        }
        rr_status_t st;
        switch (m.header_type) {
        case RR_FB_HEADER_DICTIONARY_BATCH:
            st = read_dictionary(r, &m, err);
            if (st != RR_OK) return prefixed(st, err, "%s: ", msg_what(&m));
            break;
        case RR_FB_HEADER_RECORD_BATCH:
            st = read_record_batch(r, &m, &m.header, &r->schema, false, out, err);
            if (st != RR_OK) return prefixed(st, err, "%s: ", msg_what(&m));
            r->offset = m.end;
            r->msg_index++;
            return RR_OK;
        case RR_FB_HEADER_SCHEMA:
            return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: a second Schema message", msg_what(&m));
        default:
            return rr_error_set(err, RR_ERR_UNSUPPORTED, "%s: message type %u is not supported",
                                msg_what(&m), (unsigned)m.header_type);
        }
        r->offset = m.end;
        r->msg_index++;
    }
}

rr_status_t rr_arrow_ipc_reader_next(rr_arrow_ipc_reader_t *r, struct ArrowArray *out, bool *done,
                                     rr_error_t *err) {
    memset(out, 0, sizeof *out);
    *done = false;
    return r->file_format ? next_in_file(r, out, done, err) : next_in_stream(r, out, done, err);
}

rr_status_t rr_arrow_ipc_read_table(rr_arrow_blob_t *blob, rr_arrow_table_t *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    rr_arrow_ipc_reader_t *r;
    RR_TRY(rr_arrow_ipc_reader_open(blob, &r, err));
    rr_status_t st = rr_arrow_schema_copy(&r->schema, &out->schema, err);
    int64_t cap = 0;
    while (st == RR_OK) {
        struct ArrowArray batch;
        bool done;
        st = rr_arrow_ipc_reader_next(r, &batch, &done, err);
        if (st != RR_OK || done) break;
        if (out->n_batches == cap) {
            int64_t ncap = cap ? cap * 2 : 8;
            struct ArrowArray *b = realloc(out->batches, (size_t)ncap * sizeof *b);
            if (!b) {
                rr_arrow_array_release(&batch);
                st = rr_error_set(err, RR_ERR_NOMEM, "out of memory collecting batches");
                break;
            }
            out->batches = b;
            cap = ncap;
        }
        rr_arrow_array_move(&batch, &out->batches[out->n_batches++]);
    }
    rr_arrow_ipc_reader_free(r);
    if (st != RR_OK) rr_arrow_table_release(out);
    return st;
}

void rr_arrow_table_release(rr_arrow_table_t *t) {
    if (!t) return;
    for (int64_t i = 0; i < t->n_batches; i++) rr_arrow_array_release(&t->batches[i]);
    free(t->batches);
    rr_arrow_schema_release(&t->schema);
    memset(t, 0, sizeof *t);
}

/* ---------------- record batch views ----------------
 *
 * The path of a stream of small ArrowMsgs (a live logger, a file written by
 * one that flushes often): one schema repeats for every message of an
 * entity, so the caller parses it once (rr_arrow_ipc_reader_open) and keeps
 * it, and each message's batch is read into arrays that live in the view
 * itself and point into the caller's bytes: no allocation, no reference
 * counts. Bounds are checked on every message exactly as read_record_batch
 * does (the same rr_arrow_validate_sized pass over the same sizes). What the
 * view does not cover (compressed bodies, dictionaries, unions, misaligned
 * buffers, deep or wide schemas, a stream of more than one batch) it says
 * with *fits false, and the caller takes the general reader (ipc_view.h). */

/* Views are never released by anyone: their memory is the view's. */
static void view_release(struct ArrowArray *a) { (void)a; }

static bool plan_node(rr_arrow_batch_plan_t *p, const struct ArrowSchema *s, int depth) {
    if (depth > 8 || p->n_nodes >= RR_ARROW_VIEW_MAX_NODES || !s || !s->format || s->dictionary)
        return false;
    rr_arrow_type_t t;
    if (rr_arrow_type_parse(s->format, &t, NULL) != RR_OK) return false;
    if (t.id == RR_ARROW_SPARSE_UNION || t.id == RR_ARROW_DENSE_UNION) return false;
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    int64_t nc = l.n_children < 0 ? s->n_children : l.n_children;
    if (nc != s->n_children || p->n_buffers + l.n_buffers > RR_ARROW_VIEW_MAX_BUFFERS) return false;
    p->types[p->n_nodes] = t;
    rr_arrow_view_node_t *n = &p->nodes[p->n_nodes++];
    n->n_buffers = (int8_t)l.n_buffers;
    for (int k = 0; k < l.n_buffers; k++) n->kinds[k] = (uint8_t)l.kinds[k];
    n->n_children = (int16_t)nc;
    p->n_buffers += l.n_buffers;
    for (int64_t i = 0; i < nc; i++)
        if (!plan_node(p, s->children[i], depth + 1)) return false;
    return true;
}

bool rr_arrow_batch_plan_init(const struct ArrowSchema *schema, rr_arrow_batch_plan_t *p) {
    memset(p, 0, sizeof *p);
    if (!schema || !schema->format || strcmp(schema->format, "+s") != 0 || schema->dictionary ||
        schema->n_children < 0 || schema->n_children >= RR_ARROW_VIEW_MAX_NODES)
        return false;
    p->n_columns = schema->n_children;
    for (int64_t i = 0; i < schema->n_children; i++)
        if (!plan_node(p, schema->children[i], 1)) return false;
    return true;
}

rr_status_t rr_arrow_ipc_schema_span(const uint8_t *data, size_t len, size_t *fb_off,
                                     size_t *fb_len, size_t *next, bool *fits, rr_error_t *err) {
    *fits = false;
    rr_arrow_ipc_reader_t r;
    memset(&r, 0, sizeof r);
    r.data = data;
    r.len = len;
    if (len >= RR_IPC_FILE_MAGIC_LEN && memcmp(data, RR_IPC_FILE_MAGIC, RR_IPC_FILE_MAGIC_LEN) == 0)
        return RR_OK; /* the file format: the general reader's */
    ipc_msg_t m;
    RR_TRY(read_stream_message(&r, &m, err));
    if (m.eos || m.header_type != RR_FB_HEADER_SCHEMA) return RR_OK;
    size_t meta = m.offset + (rr_fb_read_u32(data + m.offset) == RR_IPC_CONTINUATION ? 8 : 4);
    *fb_off = meta;
    *fb_len = m.meta_end - meta;
    *next = m.end;
    *fits = true;
    return RR_OK;
}

/* Fills node *a (and its subtree) from the message, following the plan. */
static rr_status_t view_node(const rr_arrow_batch_plan_t *p, rr_arrow_batch_view_t *v,
                             batch_ctx_t *c, struct ArrowArray *a, bool *fits,
                             rr_error_t *err) {
    uint32_t ni = c->node_i++;
    const rr_arrow_view_node_t *pn = &p->nodes[ni];
    const uint8_t *node = rr_fb_vector_elem(&c->nodes, ni);
    int64_t len = rr_fb_read_i64(node), nulls = rr_fb_read_i64(node + 8);
    if (len < 0 || len > MAX_LENGTH || nulls < 0 || nulls > len)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "field node %u has length %lld and null count %lld", (unsigned)ni,
                            (long long)len, (long long)nulls);
    memset(a, 0, sizeof *a);
    a->length = len;
    a->null_count = nulls;
    a->n_buffers = pn->n_buffers;
    a->buffers = &v->bufs[c->buf_i];
    a->release = view_release;
    for (int k = 0; k < pn->n_buffers; k++) {
        uint32_t bi = c->buf_i++;
        const uint8_t *b = rr_fb_vector_elem(&c->buffers, bi);
        int64_t off = rr_fb_read_i64(b), blen = rr_fb_read_i64(b + 8);
        if (off < 0 || blen < 0 || off > c->body_len || blen > c->body_len - off)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "buffer %u (offset %lld, length %lld) lies outside the %lld-byte "
                                "body",
                                (unsigned)bi, (long long)off, (long long)blen,
                                (long long)c->body_len);
        c->sizes[c->n_sizes++] = blen;
        const uint8_t *src = c->body + off;
        if (blen == 0) {
            v->bufs[bi] = pn->kinds[k] == RR_ARROW_BUF_VALIDITY ? NULL : k_zero_block;
        } else {
            if (((uintptr_t)src & 7) != 0) return RR_OK; /* *fits stays false: a copy is needed */
            v->bufs[bi] = src;
        }
    }
    if (pn->n_buffers > 0 && pn->kinds[0] == RR_ARROW_BUF_VALIDITY && nulls > 0 && !a->buffers[0])
        return rr_error_set(err, RR_ERR_INVALID_DATA, "field node %u: %lld nulls but no validity "
                            "buffer", (unsigned)ni, (long long)nulls);
    a->n_children = pn->n_children;
    if (pn->n_children) {
        struct ArrowArray **kids = &v->child_ptrs[v->n_child_ptrs];
        v->n_child_ptrs += pn->n_children;
        a->children = kids;
        for (int16_t i = 0; i < pn->n_children; i++) {
            kids[i] = &v->nodes[c->node_i];
            bool sub = false;
            RR_TRY(view_node(p, v, c, kids[i], &sub, err));
            if (!sub) return RR_OK;
        }
    }
    *fits = true;
    return RR_OK;
}

rr_status_t rr_arrow_ipc_read_batch_view(const uint8_t *data, size_t len, size_t off,
                                         const struct ArrowSchema *schema,
                                         const rr_arrow_batch_plan_t *p,
                                         rr_arrow_batch_view_t *v, bool *fits, rr_error_t *err) {
    *fits = false;
    rr_arrow_ipc_reader_t r;
    memset(&r, 0, sizeof r);
    r.data = data;
    r.len = len;
    r.offset = off;
    r.msg_index = 1;
    ipc_msg_t m;
    RR_TRY(read_stream_message(&r, &m, err));
    if (m.eos || m.header_type != RR_FB_HEADER_RECORD_BATCH) return RR_OK;
    /* One batch, then the end: anything else is the general reader's. */
    r.offset = m.end;
    ipc_msg_t tail;
    memset(&tail, 0, sizeof tail);
    if (frame_message(&r, m.end, len, &tail, NULL) != RR_OK || !tail.eos) return RR_OK;
    const rr_fb_table_t *rb = &m.header;
    batch_ctx_t c = {.r = &r, .m = &m, .body = data + m.body_start, .body_len = m.body_len};
    int64_t length = rr_fb_field_i64(rb, RR_FB_BATCH_LENGTH, 0);
    if (length < 0 || length > MAX_LENGTH)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "RecordBatch.length %lld", (long long)length);
    RR_TRY(rr_fb_field_vector(rb, RR_FB_BATCH_NODES, RR_FB_FIELD_NODE_SIZE, "RecordBatch.nodes",
                              &c.nodes, err));
    RR_TRY(rr_fb_field_vector(rb, RR_FB_BATCH_BUFFERS, RR_FB_BUFFER_SIZE, "RecordBatch.buffers",
                              &c.buffers, err));
    if (rr_fb_field_present(rb, RR_FB_BATCH_COMPRESSION)) return RR_OK;
    if (c.nodes.len != (uint32_t)p->n_nodes || c.buffers.len != (uint32_t)p->n_buffers)
        return RR_OK; /* the general reader names the mismatch */
    c.sizes = v->sizes;
    v->n_child_ptrs = 0;
    memset(&v->root, 0, sizeof v->root);
    v->root.length = length;
    v->root.n_buffers = 1;
    v->root_bufs[0] = NULL;
    v->root.buffers = v->root_bufs;
    v->root.n_children = p->n_columns;
    v->root.children = v->columns;
    v->root.release = view_release;
    for (int64_t i = 0; i < p->n_columns; i++) {
        v->columns[i] = &v->nodes[c.node_i];
        bool sub = false;
        RR_TRY(view_node(p, v, &c, v->columns[i], &sub, err));
        if (!sub) return RR_OK;
        if (v->columns[i]->length != length)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "field '%s': column length %lld differs from RecordBatch.length "
                                "%lld",
                                schema->children[i]->name, (long long)v->columns[i]->length,
                                (long long)length);
    }
    rr_arrow_buffer_sizes_t sizes = {c.sizes, c.n_sizes};
    RR_TRY(rr_arrow_validate_batch_typed(schema, &v->root, &sizes, p->types, p->n_nodes, err));
    *fits = true;
    return RR_OK;
}
