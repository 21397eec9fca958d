/* The writing half of ipc.h: Arrow IPC streams and files, metadata version
 * V5, from ArrowArray record batches.
 *
 * A batch is first "encoded": walked depth-first into a list of field nodes
 * and a list of body buffers, each buffer a (pointer, length) into the
 * caller's memory whenever the bytes can be written as they are, or into
 * per-message scratch memory when a slice needs re-basing (offsets that do
 * not start at 0, bitmaps that do not start on a byte). Only then is anything
 * appended to the output, so a bad batch leaves the output untouched, and the
 * uncompressed path copies every buffer with a single memcpy.
 *
 * Dictionaries are compared by content (their encoded bytes) with what was
 * last sent for their id: unchanged ones are not repeated, extended ones go
 * out as deltas, others as replacements (which the file format forbids). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/compress.h"
#include "arrow/fb_builder.h"
#include "arrow/ipc.h"
#include "arrow/ipc_format.h"
#include "arrow/schema.h"
#include "arrow/type.h"
#include "base/mem.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the IPC writer stores buffers as they are in memory: little-endian only");

/* One body buffer to be written: bytes owned by the caller or the scratch arena. */
typedef struct wbuf {
    const uint8_t *p;
    int64_t len;
    bool scratch; /* in the scratch arena: gone after the message */
} wbuf_t;

typedef struct wnode {
    int64_t length;
    int64_t null_count;
} wnode_t;

/* Nodes and buffers of one record batch (or dictionary batch), in IPC order. */
typedef struct encoding {
    wnode_t *nodes;
    int64_t n_nodes, cap_nodes;
    wbuf_t *bufs;
    int64_t n_bufs, cap_bufs;
} encoding_t;

/* What the writer knows of one dictionary id. */
typedef struct dict_state {
    const struct ArrowSchema *field; /* the dictionary-encoded field, in w->schema */
    bool sent;
    int64_t length;                  /* of the dictionary the reader now holds */
    rr_buf_t image;                  /* its encoded nodes and buffers, for comparisons */
    /* set while a batch is being prepared */
    int action;                      /* DICT_SKIP, DICT_FULL, DICT_DELTA */
    const struct ArrowArray *pending;
    rr_buf_t pending_image;
} dict_state_t;

enum { DICT_SKIP = 0, DICT_FULL, DICT_DELTA };

typedef struct block {
    int64_t offset;
    int32_t meta_len;
    int64_t body_len;
} block_t;

typedef struct block_list {
    block_t *items;
    int64_t n, cap;
} block_list_t;

struct rr_arrow_ipc_writer {
    rr_buf_t *out;
    size_t base; /* where the stream (or file) starts in out */
    rr_arrow_ipc_write_options_t opts;
    struct ArrowSchema schema;
    dict_state_t *dicts;
    int64_t n_dicts;
    block_list_t dict_blocks, batch_blocks;
    rr_fb_builder_t fb;
    rr_arena_t scratch;
    encoding_t enc;       /* dictionaries */
    encoding_t enc_batch; /* the record batch */
    rr_buf_t cbody;  /* compressed body of the message being written */
    int64_t *b_off;  /* per buffer: offset and length in the body */
    int64_t *b_len;
    int64_t cap_b;
    bool failed;     /* a write failed after output was appended: stop */
    /* Gather mode (rr_arrow_ipc_write_table_gather): large body buffers
     * become pieces pointing at the caller's memory instead of copies. */
    rr_arrow_ipc_pieces_t *gather;
    size_t gather_min;
    size_t seg_start; /* start in out of the bytes not yet made a piece */
    int64_t gathered_bytes; /* stream bytes held by pieces outside out */
};

/* Prepends context to err (when given) and returns st unchanged. */

/* ------------------------------------------------------------------ */
/* schema checks                                                        */

static bool is_int_type(rr_arrow_type_id_t id) {
    switch (id) {
    case RR_ARROW_INT8:
    case RR_ARROW_UINT8:
    case RR_ARROW_INT16:
    case RR_ARROW_UINT16:
    case RR_ARROW_INT32:
    case RR_ARROW_UINT32:
    case RR_ARROW_INT64:
    case RR_ARROW_UINT64: return true;
    default: return false;
    }
}

static const char *field_name(const struct ArrowSchema *s) {
    return s && s->name ? s->name : "";
}

/* Checks a field (and its children and dictionary) is something we can write. */
static rr_status_t check_field(const struct ArrowSchema *s, int depth, rr_error_t *err) {
    if (depth > 64)
        return rr_error_set(err, RR_ERR_UNSUPPORTED, "schema nested deeper than 64 levels");
    if (!s->format) return rr_error_set(err, RR_ERR_INVALID_ARG, "field without a format");
    rr_arrow_type_t t;
    RR_TRY(rr_arrow_type_parse(s->format, &t, err));
    const struct ArrowSchema *vs = s;
    if (s->dictionary) {
        if (!is_int_type(t.id))
            return rr_error_set(err, RR_ERR_INVALID_ARG,
                                "dictionary index type '%s' is not an integer", s->format);
        if (s->n_children != 0)
            return rr_error_set(err, RR_ERR_INVALID_ARG,
                                "dictionary-encoded field has %lld children of its own",
                                (long long)s->n_children);
        vs = s->dictionary;
        if (!vs->format)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "dictionary without a format");
        if (vs->dictionary)
            return rr_error_set(err, RR_ERR_INVALID_ARG,
                                "dictionary whose values are dictionary-encoded themselves");
        RR_TRY(rr_arrow_type_parse(vs->format, &t, err));
    }
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    if (l.n_children >= 0 && vs->n_children != l.n_children)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "type '%s' needs %d children, the field has %lld",
                            vs->format, (int)l.n_children, (long long)vs->n_children);
    if ((t.id == RR_ARROW_SPARSE_UNION || t.id == RR_ARROW_DENSE_UNION) &&
        vs->n_children != t.n_type_codes)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "union '%s' declares %d type codes for %lld children",
                            vs->format, (int)t.n_type_codes, (long long)vs->n_children);
    if (vs->n_children < 0 || (vs->n_children > 0 && !vs->children))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "field with a bad child list");
    for (int64_t i = 0; i < vs->n_children; i++) {
        const struct ArrowSchema *c = vs->children[i];
        if (!c) return rr_error_set(err, RR_ERR_INVALID_ARG, "child %lld is NULL", (long long)i);
        rr_status_t st = check_field(c, depth + 1, err);
        if (st != RR_OK) return rr_error_wrap(st, err, "child '%s': ", field_name(c));
    }
    return RR_OK;
}

/* Dictionary-encoded fields in depth-first pre-order: their ids. */
static rr_status_t collect_dicts(rr_arrow_ipc_writer_t *w, const struct ArrowSchema *s,
                                 rr_error_t *err) {
    if (s->dictionary) {
        dict_state_t *nd = realloc(w->dicts, (size_t)(w->n_dicts + 1) * sizeof *nd);
        if (!nd) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        w->dicts = nd;
        memset(&nd[w->n_dicts], 0, sizeof *nd);
        nd[w->n_dicts++].field = s;
        s = s->dictionary;
    }
    for (int64_t i = 0; i < s->n_children; i++) RR_TRY(collect_dicts(w, s->children[i], err));
    return RR_OK;
}

static int64_t dict_id_of(const rr_arrow_ipc_writer_t *w, const struct ArrowSchema *s) {
    for (int64_t i = 0; i < w->n_dicts; i++)
        if (w->dicts[i].field == s) return i;
    return -1;
}

/* ------------------------------------------------------------------ */
/* flatbuffer metadata                                                  */

static rr_fb_ref_t fb_metadata(rr_fb_builder_t *fb, const char *md) {
    int32_t n = rr_arrow_metadata_count(md);
    if (n <= 0) return 0;
    rr_fb_ref_t *refs = malloc((size_t)n * sizeof *refs);
    if (!refs) {
        fb->failed = true;
        return 0;
    }
    /* Walk the encoding once rather than calling metadata_get per entry. */
    const char *p = md + 4;
    for (int32_t i = 0; i < n; i++) {
        int32_t kl, vl;
        memcpy(&kl, p, 4);
        const char *k = p + 4;
        memcpy(&vl, k + kl, 4);
        const char *v = k + kl + 4;
        p = v + vl;
        rr_fb_ref_t ks = rr_fb_create_string(fb, k, (size_t)kl);
        rr_fb_ref_t vs = rr_fb_create_string(fb, v, (size_t)vl);
        rr_fb_start_table(fb);
        rr_fb_add_ref(fb, RR_FB_KV_KEY, ks);
        rr_fb_add_ref(fb, RR_FB_KV_VALUE, vs);
        refs[i] = rr_fb_end_table(fb);
    }
    rr_fb_ref_t vec = rr_fb_create_ref_vector(fb, refs, (size_t)n);
    free(refs);
    return vec;
}

static int32_t int_bit_width(rr_arrow_type_id_t id) {
    switch (id) {
    case RR_ARROW_INT8:
    case RR_ARROW_UINT8: return 8;
    case RR_ARROW_INT16:
    case RR_ARROW_UINT16: return 16;
    case RR_ARROW_INT32:
    case RR_ARROW_UINT32: return 32;
    default: return 64;
    }
}

static bool int_signed(rr_arrow_type_id_t id) {
    return id == RR_ARROW_INT8 || id == RR_ARROW_INT16 || id == RR_ARROW_INT32 ||
           id == RR_ARROW_INT64;
}

static rr_fb_ref_t fb_int_table(rr_fb_builder_t *fb, rr_arrow_type_id_t id) {
    rr_fb_start_table(fb);
    rr_fb_add_i32(fb, RR_FB_INT_BIT_WIDTH, int_bit_width(id));
    rr_fb_add_bool(fb, RR_FB_INT_IS_SIGNED, int_signed(id));
    return rr_fb_end_table(fb);
}

/* The Type union member for t; *tag gets its union tag. */
static rr_fb_ref_t fb_type(rr_fb_builder_t *fb, const rr_arrow_type_t *t,
                           const struct ArrowSchema *vs, uint8_t *tag) {
    rr_fb_ref_t extra = 0;
    switch (t->id) {
    case RR_ARROW_TIMESTAMP:
        if (t->timezone && t->timezone[0])
            extra = rr_fb_create_string(fb, t->timezone, strlen(t->timezone));
        break;
    case RR_ARROW_SPARSE_UNION:
    case RR_ARROW_DENSE_UNION: {
        int32_t ids[RR_ARROW_MAX_UNION_TYPES];
        for (int32_t i = 0; i < t->n_type_codes; i++) ids[i] = t->type_codes[i];
        extra = rr_fb_create_vector(fb, ids, (size_t)t->n_type_codes, 4, 4);
        break;
    }
    default: break;
    }

    rr_fb_start_table(fb);
    switch (t->id) {
    case RR_ARROW_NA: *tag = RR_FB_TYPE_NULL; break;
    case RR_ARROW_BOOL: *tag = RR_FB_TYPE_BOOL; break;
    case RR_ARROW_INT8:
    case RR_ARROW_UINT8:
    case RR_ARROW_INT16:
    case RR_ARROW_UINT16:
    case RR_ARROW_INT32:
    case RR_ARROW_UINT32:
    case RR_ARROW_INT64:
    case RR_ARROW_UINT64:
        *tag = RR_FB_TYPE_INT;
        rr_fb_add_i32(fb, RR_FB_INT_BIT_WIDTH, int_bit_width(t->id));
        rr_fb_add_bool(fb, RR_FB_INT_IS_SIGNED, int_signed(t->id));
        break;
    case RR_ARROW_HALF_FLOAT:
    case RR_ARROW_FLOAT:
    case RR_ARROW_DOUBLE:
        *tag = RR_FB_TYPE_FLOATING_POINT;
        rr_fb_add_i16(fb, RR_FB_FLOAT_PRECISION,
                      t->id == RR_ARROW_HALF_FLOAT ? RR_FB_PRECISION_HALF
                      : t->id == RR_ARROW_FLOAT    ? RR_FB_PRECISION_SINGLE
                                                   : RR_FB_PRECISION_DOUBLE);
        break;
    case RR_ARROW_STRING: *tag = RR_FB_TYPE_UTF8; break;
    case RR_ARROW_LARGE_STRING: *tag = RR_FB_TYPE_LARGE_UTF8; break;
    case RR_ARROW_BINARY: *tag = RR_FB_TYPE_BINARY; break;
    case RR_ARROW_LARGE_BINARY: *tag = RR_FB_TYPE_LARGE_BINARY; break;
    case RR_ARROW_FIXED_SIZE_BINARY:
        *tag = RR_FB_TYPE_FIXED_SIZE_BINARY;
        rr_fb_add_i32(fb, RR_FB_FIXED_SIZE_BINARY_BYTE_WIDTH, t->fixed_size);
        break;
    case RR_ARROW_DATE32:
    case RR_ARROW_DATE64:
        *tag = RR_FB_TYPE_DATE;
        rr_fb_add_i16(fb, RR_FB_DATE_UNIT,
                      t->id == RR_ARROW_DATE32 ? RR_FB_DATE_DAY : RR_FB_DATE_MILLISECOND);
        break;
    case RR_ARROW_TIME32:
    case RR_ARROW_TIME64:
        *tag = RR_FB_TYPE_TIME;
        rr_fb_add_i16(fb, RR_FB_TIME_UNIT, (int16_t)t->unit);
        rr_fb_add_i32(fb, RR_FB_TIME_BIT_WIDTH, t->id == RR_ARROW_TIME32 ? 32 : 64);
        break;
    case RR_ARROW_TIMESTAMP:
        *tag = RR_FB_TYPE_TIMESTAMP;
        rr_fb_add_i16(fb, RR_FB_TIMESTAMP_UNIT, (int16_t)t->unit);
        if (extra) rr_fb_add_ref(fb, RR_FB_TIMESTAMP_TIMEZONE, extra);
        break;
    case RR_ARROW_DURATION:
        *tag = RR_FB_TYPE_DURATION;
        rr_fb_add_i16(fb, RR_FB_DURATION_UNIT, (int16_t)t->unit);
        break;
    case RR_ARROW_INTERVAL_MONTHS:
    case RR_ARROW_INTERVAL_DAY_TIME:
    case RR_ARROW_INTERVAL_MONTH_DAY_NANO:
        *tag = RR_FB_TYPE_INTERVAL;
        rr_fb_add_i16(fb, RR_FB_INTERVAL_UNIT,
                      t->id == RR_ARROW_INTERVAL_MONTHS     ? RR_FB_INTERVAL_YEAR_MONTH
                      : t->id == RR_ARROW_INTERVAL_DAY_TIME ? RR_FB_INTERVAL_DAY_TIME
                                                            : RR_FB_INTERVAL_MONTH_DAY_NANO);
        break;
    case RR_ARROW_DECIMAL32:
    case RR_ARROW_DECIMAL64:
    case RR_ARROW_DECIMAL128:
    case RR_ARROW_DECIMAL256:
        *tag = RR_FB_TYPE_DECIMAL;
        rr_fb_add_i32(fb, RR_FB_DECIMAL_PRECISION, t->precision);
        rr_fb_add_i32(fb, RR_FB_DECIMAL_SCALE, t->scale);
        rr_fb_add_i32(fb, RR_FB_DECIMAL_BIT_WIDTH,
                      t->id == RR_ARROW_DECIMAL32   ? 32
                      : t->id == RR_ARROW_DECIMAL64 ? 64
                      : t->id == RR_ARROW_DECIMAL128 ? 128
                                                     : 256);
        break;
    case RR_ARROW_LIST: *tag = RR_FB_TYPE_LIST; break;
    case RR_ARROW_LARGE_LIST: *tag = RR_FB_TYPE_LARGE_LIST; break;
    case RR_ARROW_FIXED_SIZE_LIST:
        *tag = RR_FB_TYPE_FIXED_SIZE_LIST;
        rr_fb_add_i32(fb, RR_FB_FIXED_SIZE_LIST_SIZE, t->fixed_size);
        break;
    case RR_ARROW_STRUCT: *tag = RR_FB_TYPE_STRUCT; break;
    case RR_ARROW_SPARSE_UNION:
    case RR_ARROW_DENSE_UNION:
        *tag = RR_FB_TYPE_UNION;
        rr_fb_add_i16(fb, RR_FB_UNION_MODE,
                      t->id == RR_ARROW_SPARSE_UNION ? RR_FB_UNION_SPARSE : RR_FB_UNION_DENSE);
        rr_fb_add_ref(fb, RR_FB_UNION_TYPE_IDS, extra);
        break;
    case RR_ARROW_MAP:
        *tag = RR_FB_TYPE_MAP;
        rr_fb_add_bool(fb, RR_FB_MAP_KEYS_SORTED, (vs->flags & ARROW_FLAG_MAP_KEYS_SORTED) != 0);
        break;
    default: *tag = RR_FB_TYPE_NONE; break;
    }
    return rr_fb_end_table(fb);
}

/* A Field table (children first: tables are built bottom-up). The schema was
 * checked at open, so parsing cannot fail here. */
static rr_fb_ref_t fb_field(const rr_arrow_ipc_writer_t *w, rr_fb_builder_t *fb,
                            const struct ArrowSchema *s) {
    const struct ArrowSchema *vs = s->dictionary ? s->dictionary : s;
    rr_arrow_type_t t;
    if (rr_arrow_type_parse(vs->format, &t, NULL) != RR_OK) {
        fb->failed = true;
        return 0;
    }
    rr_fb_ref_t *kids = NULL;
    if (vs->n_children > 0) {
        kids = malloc((size_t)vs->n_children * sizeof *kids);
        if (!kids) {
            fb->failed = true;
            return 0;
        }
        for (int64_t i = 0; i < vs->n_children; i++) kids[i] = fb_field(w, fb, vs->children[i]);
    }
    rr_fb_ref_t children = rr_fb_create_ref_vector(fb, kids, (size_t)vs->n_children);
    free(kids);
    rr_fb_ref_t name = rr_fb_create_string(fb, field_name(s), strlen(field_name(s)));
    rr_fb_ref_t md = fb_metadata(fb, s->metadata);
    uint8_t tag = RR_FB_TYPE_NONE;
    rr_fb_ref_t type = fb_type(fb, &t, vs, &tag);
    rr_fb_ref_t dict = 0;
    if (s->dictionary) {
        rr_arrow_type_t it;
        if (rr_arrow_type_parse(s->format, &it, NULL) != RR_OK) {
            fb->failed = true;
            return 0;
        }
        rr_fb_ref_t index_type = fb_int_table(fb, it.id);
        rr_fb_start_table(fb);
        rr_fb_add_i64(fb, RR_FB_DICT_ID, dict_id_of(w, s));
        rr_fb_add_ref(fb, RR_FB_DICT_INDEX_TYPE, index_type);
        rr_fb_add_bool(fb, RR_FB_DICT_IS_ORDERED, (s->flags & ARROW_FLAG_DICTIONARY_ORDERED) != 0);
        dict = rr_fb_end_table(fb);
    }
    rr_fb_start_table(fb);
    rr_fb_add_ref(fb, RR_FB_FIELD_NAME, name);
    rr_fb_add_bool(fb, RR_FB_FIELD_NULLABLE, (s->flags & ARROW_FLAG_NULLABLE) != 0);
    rr_fb_add_u8(fb, RR_FB_FIELD_TYPE_TYPE, tag);
    rr_fb_add_ref(fb, RR_FB_FIELD_TYPE, type);
    if (dict) rr_fb_add_ref(fb, RR_FB_FIELD_DICTIONARY, dict);
    rr_fb_add_ref(fb, RR_FB_FIELD_CHILDREN, children);
    if (md) rr_fb_add_ref(fb, RR_FB_FIELD_CUSTOM_METADATA, md);
    return rr_fb_end_table(fb);
}

static rr_fb_ref_t fb_schema(const rr_arrow_ipc_writer_t *w, rr_fb_builder_t *fb) {
    const struct ArrowSchema *s = &w->schema;
    rr_fb_ref_t *kids = NULL;
    if (s->n_children > 0) {
        kids = malloc((size_t)s->n_children * sizeof *kids);
        if (!kids) {
            fb->failed = true;
            return 0;
        }
        for (int64_t i = 0; i < s->n_children; i++) kids[i] = fb_field(w, fb, s->children[i]);
    }
    rr_fb_ref_t fields = rr_fb_create_ref_vector(fb, kids, (size_t)s->n_children);
    free(kids);
    rr_fb_ref_t md = fb_metadata(fb, s->metadata);
    rr_fb_start_table(fb);
    rr_fb_add_i16(fb, RR_FB_SCHEMA_ENDIANNESS, 0);
    rr_fb_add_ref(fb, RR_FB_SCHEMA_FIELDS, fields);
    if (md) rr_fb_add_ref(fb, RR_FB_SCHEMA_CUSTOM_METADATA, md);
    return rr_fb_end_table(fb);
}

static rr_fb_ref_t fb_message(rr_fb_builder_t *fb, uint8_t header_type, rr_fb_ref_t header,
                              int64_t body_len) {
    rr_fb_start_table(fb);
    rr_fb_add_i16(fb, RR_FB_MESSAGE_VERSION, RR_FB_METADATA_V5);
    rr_fb_add_u8(fb, RR_FB_MESSAGE_HEADER_TYPE, header_type);
    rr_fb_add_ref(fb, RR_FB_MESSAGE_HEADER, header);
    rr_fb_add_i64(fb, RR_FB_MESSAGE_BODY_LENGTH, body_len);
    return rr_fb_end_table(fb);
}

/* ------------------------------------------------------------------ */
/* encoding arrays into nodes and buffers                               */

static void encoding_clear(encoding_t *e) { e->n_nodes = e->n_bufs = 0; }

static rr_status_t push_node(encoding_t *e, int64_t length, int64_t null_count, rr_error_t *err) {
    if (e->n_nodes == e->cap_nodes) {
        int64_t nc = e->cap_nodes ? 2 * e->cap_nodes : 32;
        wnode_t *nn = realloc(e->nodes, (size_t)nc * sizeof *nn);
        if (!nn) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        e->nodes = nn;
        e->cap_nodes = nc;
    }
    e->nodes[e->n_nodes++] = (wnode_t){length, null_count};
    return RR_OK;
}

static rr_status_t push_buf(encoding_t *e, const void *p, int64_t len, rr_error_t *err) {
    if (e->n_bufs == e->cap_bufs) {
        int64_t nc = e->cap_bufs ? 2 * e->cap_bufs : 64;
        wbuf_t *nb = realloc(e->bufs, (size_t)nc * sizeof *nb);
        if (!nb) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        e->bufs = nb;
        e->cap_bufs = nc;
    }
    e->bufs[e->n_bufs++] = (wbuf_t){(const uint8_t *)p, len, false};
    return RR_OK;
}

/* A buffer made in the scratch arena (rebased offsets, shifted bitmaps). */
static rr_status_t push_scratch_buf(encoding_t *e, const void *p, int64_t len, rr_error_t *err) {
    RR_TRY(push_buf(e, p, len, err));
    e->bufs[e->n_bufs - 1].scratch = true;
    return RR_OK;
}

static void *scratch_alloc(rr_arrow_ipc_writer_t *w, int64_t n, rr_error_t *err) {
    void *p = rr_arena_alloc(&w->scratch, (size_t)(n > 0 ? n : 1));
    if (!p) rr_error_set(err, RR_ERR_NOMEM, "out of memory (%lld bytes of scratch)", (long long)n);
    return p;
}

/* Bits [off, off+len) of a bitmap, as a bitmap starting at bit 0. */
static rr_status_t push_bitmap(rr_arrow_ipc_writer_t *w, encoding_t *e, const uint8_t *bits,
                               int64_t off, int64_t len, rr_error_t *err) {
    int64_t nbytes = rr_arrow_bitmap_bytes(len);
    if (len == 0) return push_buf(e, NULL, 0, err);
    if ((off & 7) == 0) return push_buf(e, bits + (off >> 3), nbytes, err);
    uint8_t *dst = scratch_alloc(w, nbytes, err);
    if (!dst) return RR_ERR_NOMEM;
    const uint8_t *src = bits + (off >> 3);
    int shift = (int)(off & 7);
    /* Never read past the byte holding the last bit. */
    int64_t last = ((off + len - 1) >> 3) - (off >> 3);
    for (int64_t i = 0; i < nbytes; i++) {
        unsigned v = src[i] >> shift;
        if (i + 1 <= last) v |= (unsigned)src[i + 1] << (8 - shift);
        dst[i] = (uint8_t)v;
    }
    /* Bits past the end are left as zero, as the spec recommends. */
    if (len & 7) dst[nbytes - 1] &= (uint8_t)((1u << (len & 7)) - 1);
    return push_scratch_buf(e, dst, nbytes, err);
}

static const int64_t k_zero_offset = 0;

/* Offsets [off, off+len] of a 32- or 64-bit offsets buffer, re-based to start
 * at 0; *first and *last get the range of values (or child slots) they
 * reference. */
static rr_status_t push_offsets(rr_arrow_ipc_writer_t *w, encoding_t *e, const void *buf,
                                int width, int64_t off, int64_t len, int64_t *first, int64_t *last,
                                rr_error_t *err) {
    if (len == 0) {
        *first = *last = 0;
        return push_buf(e, &k_zero_offset, width, err);
    }
    if (!buf) return rr_error_set(err, RR_ERR_INVALID_ARG, "offsets buffer is NULL");
    int64_t f, l;
    if (width == 4) {
        const int32_t *o = (const int32_t *)buf + off;
        f = o[0];
        l = o[len];
    } else {
        const int64_t *o = (const int64_t *)buf + off;
        f = o[0];
        l = o[len];
    }
    if (f < 0 || l < f)
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "offsets run from %lld to %lld (slots %lld..%lld)", (long long)f,
                            (long long)l, (long long)off, (long long)(off + len));
    *first = f;
    *last = l;
    int64_t bytes = (len + 1) * width;
    if (f == 0) return push_buf(e, (const uint8_t *)buf + off * width, bytes, err);
    void *dst = scratch_alloc(w, bytes, err);
    if (!dst) return RR_ERR_NOMEM;
    if (width == 4) {
        const int32_t *o = (const int32_t *)buf + off;
        int32_t *d = dst, f32 = (int32_t)f;
        for (int64_t i = 0; i <= len; i++) d[i] = o[i] - f32;
    } else {
        const int64_t *o = (const int64_t *)buf + off;
        int64_t *d = dst;
        for (int64_t i = 0; i <= len; i++) d[i] = o[i] - f;
    }
    return push_scratch_buf(e, dst, bytes, err);
}

/* Buffer and child counts of an array against its field. */
static rr_status_t check_array(const struct ArrowSchema *s, const rr_arrow_layout_t *l, const struct ArrowArray *a,
                               rr_error_t *err) {
    if (!a || !a->release) return rr_error_set(err, RR_ERR_INVALID_ARG, "array is released");
    if (a->length < 0 || a->offset < 0)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "negative length %lld or offset %lld",
                            (long long)a->length, (long long)a->offset);
    if (a->n_buffers != l->n_buffers || (a->n_buffers > 0 && !a->buffers))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "array has %lld buffers, type '%s' has %d",
                            (long long)a->n_buffers, s->format, (int)l->n_buffers);
    int64_t nch = l->n_children >= 0 ? l->n_children : s->n_children;
    if (a->n_children != nch || (nch > 0 && !a->children))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "array has %lld children, type '%s' has %lld",
                            (long long)a->n_children, s->format, (long long)nch);
    for (int64_t i = 0; i < nch; i++)
        if (!a->children[i] || !a->children[i]->release)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "child %lld is released", (long long)i);
    if (s->dictionary && (!a->dictionary || !a->dictionary->release))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "dictionary-encoded array without a dictionary");
    return RR_OK;
}

/* A child's view: `start` slots into its logical array, n slots. */
static rr_status_t child_range(const struct ArrowArray *c, int64_t start, int64_t n,
                               int64_t *abs_off, rr_error_t *err) {
    if (start < 0 || n < 0 || start > c->length || n > c->length - start)
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "parent refers to child slots %lld..%lld, the child has %lld",
                            (long long)start, (long long)(start + n), (long long)c->length);
    *abs_off = c->offset + start;
    return RR_OK;
}

static rr_status_t encode_node(rr_arrow_ipc_writer_t *w, encoding_t *e,
                               const struct ArrowSchema *s, const struct ArrowArray *a,
                               int64_t off, int64_t len, int depth, rr_error_t *err);

static rr_status_t encode_child(rr_arrow_ipc_writer_t *w, encoding_t *e,
                                const struct ArrowSchema *s, const struct ArrowArray *c,
                                int64_t start, int64_t n, int depth, rr_error_t *err) {
    int64_t off = 0;
    rr_status_t st = child_range(c, start, n, &off, err);
    if (st == RR_OK) st = encode_node(w, e, s, c, off, n, depth + 1, err);
    if (st != RR_OK) return rr_error_wrap(st, err, "child '%s': ", field_name(s));
    return RR_OK;
}

/* Appends the node(s) and buffers of slots [off, off+len) of a (off counts
 * from the start of a's buffers, a->offset included). */
static rr_status_t encode_node(rr_arrow_ipc_writer_t *w, encoding_t *e,
                               const struct ArrowSchema *s, const struct ArrowArray *a,
                               int64_t off, int64_t len, int depth, rr_error_t *err) {
    rr_arrow_type_t t;
    RR_TRY(rr_arrow_type_parse(s->format, &t, err));
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    RR_TRY(check_array(s, &l, a, err));

    int64_t nulls = 0;
    const uint8_t *valid = NULL;
    if (t.id == RR_ARROW_NA) {
        nulls = len;
    } else if (l.kinds[0] == RR_ARROW_BUF_VALIDITY) {
        valid = a->buffers[0];
        if (off == a->offset && len == a->length && a->null_count >= 0)
            nulls = a->null_count;
        else
            nulls = valid ? len - rr_arrow_bitmap_count_set(valid, off, len) : 0;
        if (nulls > len)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "null_count %lld exceeds length %lld",
                                (long long)nulls, (long long)len);
        if (nulls > 0 && !valid)
            return rr_error_set(err, RR_ERR_INVALID_ARG,
                                "null_count %lld without a validity bitmap", (long long)nulls);
    }
    RR_TRY(push_node(e, len, nulls, err));

    int64_t first = 0, last = 0; /* value / child range referenced by offsets */
    for (int32_t i = 0; i < l.n_buffers; i++) {
        const uint8_t *b = a->buffers[i];
        /* Var-size data may be NULL when every value is empty. */
        bool may_be_null = l.kinds[i] == RR_ARROW_BUF_VALIDITY ||
                           (l.kinds[i] == RR_ARROW_BUF_DATA && l.data_bit_width == 0 &&
                            last == first);
        if (!b && len > 0 && !may_be_null)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "buffer %d is NULL", (int)i);
        switch (l.kinds[i]) {
        case RR_ARROW_BUF_VALIDITY:
            if (nulls == 0)
                RR_TRY(push_buf(e, NULL, 0, err));
            else
                RR_TRY(push_bitmap(w, e, valid, off, len, err));
            break;
        case RR_ARROW_BUF_OFFSETS32:
            RR_TRY(push_offsets(w, e, b, 4, off, len, &first, &last, err));
            break;
        case RR_ARROW_BUF_OFFSETS64:
            RR_TRY(push_offsets(w, e, b, 8, off, len, &first, &last, err));
            break;
        case RR_ARROW_BUF_DATA:
            if (l.data_bit_width == 1)
                RR_TRY(push_bitmap(w, e, b, off, len, err));
            else if (l.data_bit_width > 0) {
                int64_t bw = l.data_bit_width / 8;
                RR_TRY(push_buf(e, len ? b + off * bw : NULL, len * bw, err));
            } else {
                RR_TRY(push_buf(e, last > first ? b + first : NULL, last - first, err));
            }
            break;
        case RR_ARROW_BUF_TYPE_IDS: RR_TRY(push_buf(e, len ? b + off : NULL, len, err)); break;
        case RR_ARROW_BUF_UNION_OFFSETS:
            RR_TRY(push_buf(e, len ? b + off * 4 : NULL, len * 4, err));
            break;
        }
    }
    if (depth > 64) return rr_error_set(err, RR_ERR_UNSUPPORTED, "array nested deeper than 64");

    switch (t.id) {
    case RR_ARROW_LIST:
    case RR_ARROW_LARGE_LIST:
    case RR_ARROW_MAP:
        return encode_child(w, e, s->children[0], a->children[0], first, last - first, depth, err);
    case RR_ARROW_FIXED_SIZE_LIST: {
        int64_t n = t.fixed_size, start, count;
        /* The child is indexed by the parent's slot counted from its buffer
         * start, the parent's offset included. */
        if (__builtin_mul_overflow(off, n, &start) || __builtin_mul_overflow(len, n, &count))
            return rr_error_set(err, RR_ERR_INVALID_ARG, "fixed-size list too long");
        return encode_child(w, e, s->children[0], a->children[0], start, count, depth, err);
    }
    case RR_ARROW_STRUCT:
    case RR_ARROW_SPARSE_UNION:
        for (int64_t i = 0; i < a->n_children; i++)
            RR_TRY(encode_child(w, e, s->children[i], a->children[i], off, len, depth, err));
        return RR_OK;
    case RR_ARROW_DENSE_UNION:
        /* The offsets point anywhere in the children: write them whole. */
        for (int64_t i = 0; i < a->n_children; i++)
            RR_TRY(encode_child(w, e, s->children[i], a->children[i], 0, a->children[i]->length,
                                depth, err));
        return RR_OK;
    default: return RR_OK;
    }
}

/* The encoded form as bytes (nodes, then each buffer with its length), to
 * compare dictionaries by content. */
static rr_status_t encoding_image(const encoding_t *e, rr_buf_t *img, rr_error_t *err) {
    img->len = 0;
    if (rr_buf_append(img, e->nodes, (size_t)e->n_nodes * sizeof *e->nodes) != RR_OK)
        goto nomem;
    for (int64_t i = 0; i < e->n_bufs; i++) {
        if (rr_buf_append(img, &e->bufs[i].len, 8) != RR_OK) goto nomem;
        if (e->bufs[i].len && rr_buf_append(img, e->bufs[i].p, (size_t)e->bufs[i].len) != RR_OK)
            goto nomem;
    }
    return RR_OK;
nomem:
    return rr_error_set(err, RR_ERR_NOMEM, "out of memory comparing dictionaries");
}

/* ------------------------------------------------------------------ */
/* messages                                                             */

static int64_t align_up(int64_t v, int64_t a) { return (v + a - 1) & ~(a - 1); }

static rr_status_t block_push(block_list_t *l, block_t b, rr_error_t *err) {
    if (l->n == l->cap) {
        int64_t nc = l->cap ? 2 * l->cap : 16;
        block_t *ni = realloc(l->items, (size_t)nc * sizeof *ni);
        if (!ni) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        l->items = ni;
        l->cap = nc;
    }
    l->items[l->n++] = b;
    return RR_OK;
}

/* Lays the body of e out (compressing when asked): fills w->b_off/b_len and
 * returns the body length. */
static rr_status_t layout_body(rr_arrow_ipc_writer_t *w, const encoding_t *e, int64_t *body_len,
                               rr_error_t *err) {
    int64_t align = w->opts.alignment;
    if (e->n_bufs > w->cap_b) {
        int64_t nc = e->n_bufs * 2;
        int64_t *no = realloc(w->b_off, (size_t)nc * sizeof *no);
        if (!no) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        w->b_off = no;
        int64_t *nl = realloc(w->b_len, (size_t)nc * sizeof *nl);
        if (!nl) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        w->b_len = nl;
        w->cap_b = nc;
    }
    if (w->opts.compression == RR_ARROW_COMPRESSION_NONE) {
        int64_t pos = 0;
        for (int64_t i = 0; i < e->n_bufs; i++) {
            w->b_off[i] = pos;
            w->b_len[i] = e->bufs[i].len;
            pos += align_up(e->bufs[i].len, align);
        }
        *body_len = pos;
        return RR_OK;
    }
    rr_buf_t *cb = &w->cbody;
    cb->len = 0;
    for (int64_t i = 0; i < e->n_bufs; i++) {
        const wbuf_t *b = &e->bufs[i];
        w->b_off[i] = (int64_t)cb->len;
        /* Empty buffers stay empty: there is nothing to (de)compress. */
        if (b->len > 0) {
            size_t start = cb->len;
            int64_t raw = b->len;
            if (rr_buf_append(cb, &raw, 8) != RR_OK) goto nomem;
            RR_TRY(rr_arrow_compress(w->opts.compression, w->opts.compression_level, b->p,
                                     (size_t)b->len, cb, err));
            if ((int64_t)(cb->len - start - 8) >= b->len) {
                /* Compression did not help: store the bytes as they are. */
                cb->len = start;
                int64_t minus_one = -1;
                if (rr_buf_append(cb, &minus_one, 8) != RR_OK ||
                    rr_buf_append(cb, b->p, (size_t)b->len) != RR_OK)
                    goto nomem;
            }
        }
        w->b_len[i] = (int64_t)cb->len - w->b_off[i];
        if (rr_buf_pad_to(cb, (size_t)align) != RR_OK) goto nomem;
    }
    *body_len = (int64_t)cb->len;
    return RR_OK;
nomem:
    return rr_error_set(err, RR_ERR_NOMEM, "out of memory compressing a body");
}

static rr_status_t piece_push(rr_arrow_ipc_pieces_t *ps, rr_arrow_ipc_piece_t p, rr_error_t *err) {
    if (ps->n == ps->cap) {
        size_t nc = ps->cap ? 2 * ps->cap : 16;
        rr_arrow_ipc_piece_t *ni = realloc(ps->items, nc * sizeof *ni);
        if (!ni) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        ps->items = ni;
        ps->cap = nc;
    }
    ps->items[ps->n++] = p;
    return RR_OK;
}

/* Gather mode: the output bytes since the last cut become a piece. */
static rr_status_t gather_cut(rr_arrow_ipc_writer_t *w, rr_error_t *err) {
    size_t end = w->out->len;
    if (end > w->seg_start)
        RR_TRY(piece_push(w->gather, (rr_arrow_ipc_piece_t){NULL, w->seg_start, end - w->seg_start},
                          err));
    w->seg_start = end;
    return RR_OK;
}

/* Whether a body buffer goes out as a piece of its own (gather mode). */
static bool gathered(const rr_arrow_ipc_writer_t *w, const wbuf_t *b) {
    return w->gather && !b->scratch && b->len > 0 && (size_t)b->len >= w->gather_min;
}

/* Appends one framed message: continuation, metadata length, the flatbuffer
 * padded so the body starts aligned, then the body (from e, or the
 * compressed body). Records a file block when blocks is given. */
static rr_status_t append_message(rr_arrow_ipc_writer_t *w, const uint8_t *meta, size_t meta_len,
                                  const encoding_t *e, int64_t body_len, block_list_t *blocks,
                                  rr_error_t *err) {
    rr_buf_t *out = w->out;
    int64_t align = w->opts.alignment;
    int64_t msg_pos = (int64_t)(out->len - w->base) + w->gathered_bytes;
    int64_t padded = align_up(msg_pos + 8 + (int64_t)meta_len, align) - (msg_pos + 8);
    if (padded > INT32_MAX)
        return rr_error_set(err, RR_ERR_UNSUPPORTED, "IPC metadata of %zu bytes", meta_len);
    /* In gather mode the bytes copied here leave out the gathered buffers;
     * msg_pos above counts stream bytes, which pieces outside out hold too. */
    int64_t inline_len = body_len;
    if (e && w->gather && w->opts.compression == RR_ARROW_COMPRESSION_NONE)
        for (int64_t i = 0; i < e->n_bufs; i++)
            if (gathered(w, &e->bufs[i])) inline_len -= e->bufs[i].len;
    if (rr_buf_reserve(out, (size_t)(8 + padded + inline_len)) != RR_OK)
        return rr_error_set(err, RR_ERR_NOMEM, "out of memory writing a %lld-byte IPC message",
                            (long long)(8 + padded + body_len));
    uint8_t *dst = out->data + out->len;
    uint32_t cont = RR_IPC_CONTINUATION;
    int32_t ml = (int32_t)padded;
    memcpy(dst, &cont, 4);
    memcpy(dst + 4, &ml, 4);
    memcpy(dst + 8, meta, meta_len);
    memset(dst + 8 + meta_len, 0, (size_t)padded - meta_len);
    dst += 8 + padded;
    if (e && body_len > 0 && inline_len != body_len) {
        /* Gather: copy the small buffers, cut a piece around each large one. */
        out->len += (size_t)(8 + padded);
        for (int64_t i = 0; i < e->n_bufs; i++) {
            const wbuf_t *b = &e->bufs[i];
            int64_t n = b->len, pad = align_up(n, align) - n;
            if (gathered(w, b)) {
                RR_TRY(gather_cut(w, err));
                RR_TRY(piece_push(w->gather, (rr_arrow_ipc_piece_t){b->p, 0, (size_t)n}, err));
                w->gathered_bytes += n;
            } else if (n) {
                memcpy(out->data + out->len, b->p, (size_t)n);
                out->len += (size_t)n;
            }
            memset(out->data + out->len, 0, (size_t)pad);
            out->len += (size_t)pad;
        }
        if (blocks)
            RR_TRY(block_push(blocks, (block_t){msg_pos, (int32_t)(8 + padded), body_len}, err));
        return RR_OK;
    }
    if (e && body_len > 0) {
        if (w->opts.compression != RR_ARROW_COMPRESSION_NONE) {
            memcpy(dst, w->cbody.data, (size_t)body_len);
        } else {
            for (int64_t i = 0; i < e->n_bufs; i++) {
                int64_t n = e->bufs[i].len, pad = align_up(n, align) - n;
                uint8_t *d = dst + w->b_off[i];
                if (n) memcpy(d, e->bufs[i].p, (size_t)n);
                if (pad) memset(d + n, 0, (size_t)pad);
            }
        }
    }
    out->len += (size_t)(8 + padded + body_len);
    if (blocks) RR_TRY(block_push(blocks, (block_t){msg_pos, (int32_t)(8 + padded), body_len}, err));
    return RR_OK;
}

/* A RecordBatch table for e (the body already laid out). */
static rr_fb_ref_t fb_record_batch(rr_arrow_ipc_writer_t *w, const encoding_t *e, int64_t length) {
    rr_fb_builder_t *fb = &w->fb;
    rr_fb_ref_t nodes = rr_fb_create_vector(fb, e->nodes, (size_t)e->n_nodes, 16, 8);
    /* Buffer structs: built in place in the scratch arena. */
    int64_t *bufs = rr_arena_alloc(&w->scratch, (size_t)(e->n_bufs > 0 ? e->n_bufs : 1) * 16);
    if (!bufs) {
        fb->failed = true;
        return 0;
    }
    for (int64_t i = 0; i < e->n_bufs; i++) {
        bufs[2 * i] = w->b_off[i];
        bufs[2 * i + 1] = w->b_len[i];
    }
    rr_fb_ref_t buffers = rr_fb_create_vector(fb, bufs, (size_t)e->n_bufs, 16, 8);
    rr_fb_ref_t comp = 0;
    if (w->opts.compression != RR_ARROW_COMPRESSION_NONE) {
        rr_fb_start_table(fb);
        rr_fb_add_u8(fb, RR_FB_COMPRESSION_CODEC,
                     w->opts.compression == RR_ARROW_COMPRESSION_LZ4_FRAME ? RR_FB_CODEC_LZ4_FRAME
                                                                           : RR_FB_CODEC_ZSTD);
        rr_fb_add_u8(fb, RR_FB_COMPRESSION_METHOD, 0);
        comp = rr_fb_end_table(fb);
    }
    rr_fb_start_table(fb);
    rr_fb_add_i64(fb, RR_FB_BATCH_LENGTH, length);
    rr_fb_add_ref(fb, RR_FB_BATCH_NODES, nodes);
    rr_fb_add_ref(fb, RR_FB_BATCH_BUFFERS, buffers);
    if (comp) rr_fb_add_ref(fb, RR_FB_BATCH_COMPRESSION, comp);
    return rr_fb_end_table(fb);
}

/* Writes e as a RecordBatch message, or as a DictionaryBatch when dict_id >= 0. */
static rr_status_t write_batch_message(rr_arrow_ipc_writer_t *w, const encoding_t *e,
                                       int64_t length, int64_t dict_id, bool is_delta,
                                       rr_error_t *err) {
    int64_t body_len = 0;
    RR_TRY(layout_body(w, e, &body_len, err));
    rr_fb_builder_t *fb = &w->fb;
    rr_fb_reset(fb);
    rr_fb_ref_t rb = fb_record_batch(w, e, length);
    rr_fb_ref_t msg;
    if (dict_id >= 0) {
        rr_fb_start_table(fb);
        rr_fb_add_i64(fb, RR_FB_DICT_BATCH_ID, dict_id);
        rr_fb_add_ref(fb, RR_FB_DICT_BATCH_DATA, rb);
        rr_fb_add_bool(fb, RR_FB_DICT_BATCH_IS_DELTA, is_delta);
        rr_fb_ref_t db = rr_fb_end_table(fb);
        msg = fb_message(fb, RR_FB_HEADER_DICTIONARY_BATCH, db, body_len);
    } else {
        msg = fb_message(fb, RR_FB_HEADER_RECORD_BATCH, rb, body_len);
    }
    const uint8_t *meta;
    size_t meta_len;
    RR_TRY(rr_fb_finish(fb, msg, &meta, &meta_len, err));
    block_list_t *blocks = NULL;
    if (w->opts.file_format) blocks = dict_id >= 0 ? &w->dict_blocks : &w->batch_blocks;
    return append_message(w, meta, meta_len, e, body_len, blocks, err);
}

/* ------------------------------------------------------------------ */
/* dictionaries                                                         */

/* Decides what to send for one dictionary (nothing is written yet). */
static rr_status_t plan_dict(rr_arrow_ipc_writer_t *w, dict_state_t *d,
                             const struct ArrowArray *dict, int64_t id, rr_error_t *err) {
    const struct ArrowSchema *vs = d->field->dictionary;
    encoding_t *e = &w->enc;
    encoding_clear(e);
    rr_status_t st = encode_node(w, e, vs, dict, dict->offset, dict->length, 0, err);
    if (st == RR_OK) st = encoding_image(e, &d->pending_image, err);
    if (st != RR_OK) return rr_error_wrap(st, err, "dictionary %lld: ", (long long)id);
    d->pending = dict;
    d->action = DICT_FULL;
    if (!d->sent) return RR_OK;
    if (dict->length == d->length && d->pending_image.len == d->image.len &&
        memcmp(d->pending_image.data, d->image.data, d->image.len) == 0) {
        d->action = DICT_SKIP;
        return RR_OK;
    }
    if (dict->length > d->length) {
        /* A delta when the first values are those the reader already has. */
        rr_buf_t prefix = {0};
        encoding_clear(e);
        st = encode_node(w, e, vs, dict, dict->offset, d->length, 0, err);
        if (st == RR_OK) st = encoding_image(e, &prefix, err);
        bool same = st == RR_OK && prefix.len == d->image.len &&
                    memcmp(prefix.data, d->image.data, prefix.len) == 0;
        rr_buf_free(&prefix);
        if (st != RR_OK) return rr_error_wrap(st, err, "dictionary %lld: ", (long long)id);
        if (same) {
            d->action = DICT_DELTA;
            return RR_OK;
        }
    }
    if (w->opts.file_format)
        return rr_error_set(err, RR_ERR_UNSUPPORTED,
                            "dictionary %lld (field '%s') changed: the IPC file format allows only "
                            "delta dictionaries, not replacements",
                            (long long)id, field_name(d->field));
    return RR_OK;
}

/* Walks the batch beside the schema; dictionaries nested in dictionary
 * values are planned before the dictionary holding them. */
static rr_status_t plan_dicts(rr_arrow_ipc_writer_t *w, const struct ArrowSchema *s,
                              const struct ArrowArray *a, int depth, rr_error_t *err) {
    if (depth > 64) return rr_error_set(err, RR_ERR_UNSUPPORTED, "array nested deeper than 64");
    if (!a || !a->release) return rr_error_set(err, RR_ERR_INVALID_ARG, "array is released");
    const struct ArrowSchema *vs = s;
    const struct ArrowArray *va = a;
    int64_t id = -1;
    if (s->dictionary) {
        if (!a->dictionary || !a->dictionary->release)
            return rr_error_set(err, RR_ERR_INVALID_ARG,
                                "dictionary-encoded array without a dictionary");
        id = dict_id_of(w, s);
        vs = s->dictionary;
        va = a->dictionary;
    }
    if (va->n_children != vs->n_children || (vs->n_children > 0 && !va->children))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "array has %lld children, the field %lld",
                            (long long)va->n_children, (long long)vs->n_children);
    for (int64_t i = 0; i < vs->n_children; i++) {
        rr_status_t st = plan_dicts(w, vs->children[i], va->children[i], depth + 1, err);
        if (st != RR_OK)
            return rr_error_wrap(st, err, "child '%s': ", field_name(vs->children[i]));
    }
    if (id >= 0) RR_TRY(plan_dict(w, &w->dicts[id], va, id, err));
    return RR_OK;
}

/* The order dictionaries were planned in, so nested ones are sent first. */
static void order_dicts(rr_arrow_ipc_writer_t *w, const struct ArrowSchema *s, int64_t *order,
                        int64_t *n) {
    const struct ArrowSchema *vs = s->dictionary ? s->dictionary : s;
    for (int64_t i = 0; i < vs->n_children; i++) order_dicts(w, vs->children[i], order, n);
    if (s->dictionary) order[(*n)++] = dict_id_of(w, s);
}

static rr_status_t send_dicts(rr_arrow_ipc_writer_t *w, rr_error_t *err) {
    if (w->n_dicts == 0) return RR_OK;
    int64_t *order = malloc((size_t)w->n_dicts * sizeof *order), n = 0;
    if (!order) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < w->schema.n_children; i++)
        order_dicts(w, w->schema.children[i], order, &n);
    rr_status_t st = RR_OK;
    for (int64_t k = 0; k < n && st == RR_OK; k++) {
        int64_t id = order[k];
        dict_state_t *d = &w->dicts[id];
        if (d->action == DICT_SKIP) continue;
        const struct ArrowArray *dict = d->pending;
        encoding_t *e = &w->enc;
        encoding_clear(e);
        bool delta = d->action == DICT_DELTA;
        int64_t start = delta ? d->length : 0;
        st = encode_node(w, e, d->field->dictionary, dict, dict->offset + start,
                         dict->length - start, 0, err);
        if (st == RR_OK) st = write_batch_message(w, e, dict->length - start, id, delta, err);
        if (st == RR_OK) {
            rr_buf_t tmp = d->image;
            d->image = d->pending_image;
            d->pending_image = tmp;
            d->length = dict->length;
            d->sent = true;
        }
        d->action = DICT_SKIP;
    }
    free(order);
    return st;
}

/* ------------------------------------------------------------------ */
/* public API                                                           */

void rr_arrow_ipc_writer_free(rr_arrow_ipc_writer_t *w) {
    if (!w) return;
    rr_arrow_schema_release(&w->schema);
    for (int64_t i = 0; i < w->n_dicts; i++) {
        rr_buf_free(&w->dicts[i].image);
        rr_buf_free(&w->dicts[i].pending_image);
    }
    free(w->dicts);
    free(w->dict_blocks.items);
    free(w->batch_blocks.items);
    rr_fb_free(&w->fb);
    rr_arena_free(&w->scratch);
    free(w->enc.nodes);
    free(w->enc.bufs);
    free(w->enc_batch.nodes);
    free(w->enc_batch.bufs);
    rr_buf_free(&w->cbody);
    free(w->b_off);
    free(w->b_len);
    free(w);
}

rr_status_t rr_arrow_ipc_writer_open(rr_buf_t *out, const struct ArrowSchema *schema,
                                     const rr_arrow_ipc_write_options_t *opts,
                                     rr_arrow_ipc_writer_t **writer, rr_error_t *err) {
    *writer = NULL;
    if (!out) return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: no output buffer");
    if (!schema || !schema->release)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: schema is released");
    if (!schema->format || strcmp(schema->format, "+s") != 0)
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "IPC writer: the schema must be a struct ('+s'), not '%s'",
                            schema->format ? schema->format : "(null)");
    rr_arrow_ipc_write_options_t o = {0};
    if (opts) o = *opts;
    if (o.alignment == 0) o.alignment = 64;
    if (o.alignment < 8 || o.alignment > 4096 || (o.alignment & (o.alignment - 1)))
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "IPC writer: alignment %d is not a power of two in 8..4096",
                            (int)o.alignment);
    if (o.compression != RR_ARROW_COMPRESSION_NONE &&
        o.compression != RR_ARROW_COMPRESSION_LZ4_FRAME && o.compression != RR_ARROW_COMPRESSION_ZSTD)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: unknown compression %d",
                            (int)o.compression);
    if (schema->n_children < 0 || (schema->n_children > 0 && !schema->children))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: bad schema child list");
    for (int64_t i = 0; i < schema->n_children; i++) {
        const struct ArrowSchema *c = schema->children[i];
        if (!c)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: column %lld is NULL",
                                (long long)i);
        rr_status_t st = check_field(c, 0, err);
        if (st != RR_OK) return rr_error_wrap(st, err, "IPC writer: column '%s': ", field_name(c));
    }

    rr_arrow_ipc_writer_t *w = calloc(1, sizeof *w);
    if (!w) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    w->out = out;
    w->base = out->len;
    w->opts = o;
    rr_fb_init(&w->fb);
    w->scratch.block_size = 256 * 1024;
    rr_status_t st = rr_arrow_schema_copy(schema, &w->schema, err);
    for (int64_t i = 0; st == RR_OK && i < w->schema.n_children; i++)
        st = collect_dicts(w, w->schema.children[i], err);
    if (st == RR_OK && o.file_format) {
        static const uint8_t magic[8] = {'A', 'R', 'R', 'O', 'W', '1', 0, 0};
        if (rr_buf_append(out, magic, 8) != RR_OK)
            st = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    }
    if (st == RR_OK) {
        rr_fb_reset(&w->fb);
        rr_fb_ref_t sch = fb_schema(w, &w->fb);
        rr_fb_ref_t msg = fb_message(&w->fb, RR_FB_HEADER_SCHEMA, sch, 0);
        const uint8_t *meta;
        size_t meta_len;
        st = rr_fb_finish(&w->fb, msg, &meta, &meta_len, err);
        if (st == RR_OK) st = append_message(w, meta, meta_len, NULL, 0, NULL, err);
    }
    if (st != RR_OK) {
        out->len = w->base;
        rr_arrow_ipc_writer_free(w);
        return st;
    }
    *writer = w;
    return RR_OK;
}

rr_status_t rr_arrow_ipc_writer_write(rr_arrow_ipc_writer_t *w, const struct ArrowArray *batch,
                                      rr_error_t *err) {
    if (!w) return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: no writer");
    if (w->failed)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: an earlier write failed");
    if (!batch || !batch->release)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: batch is released");
    const struct ArrowSchema *s = &w->schema;
    if (batch->n_children != s->n_children || (s->n_children > 0 && !batch->children))
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "IPC writer: batch has %lld columns, the schema %lld",
                            (long long)batch->n_children, (long long)s->n_children);
    if (batch->length < 0 || batch->offset < 0 || batch->n_buffers != 1 || !batch->buffers)
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "IPC writer: batch is not a struct array (length %lld, offset %lld, "
                            "%lld buffers)",
                            (long long)batch->length, (long long)batch->offset,
                            (long long)batch->n_buffers);
    if (batch->buffers[0]) {
        int64_t nulls = batch->null_count >= 0
                            ? batch->null_count
                            : batch->length - rr_arrow_bitmap_count_set(batch->buffers[0],
                                                                        batch->offset,
                                                                        batch->length);
        if (nulls > 0)
            return rr_error_set(err, RR_ERR_INVALID_ARG,
                                "IPC writer: batch has %lld null rows; a record batch has none",
                                (long long)nulls);
    }
    for (int64_t i = 0; i < s->n_children; i++) {
        if (!batch->children[i] || !batch->children[i]->release)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: column '%s' is released",
                                field_name(s->children[i]));
    }

    size_t saved = w->out->len;
    rr_arena_reset(&w->scratch);
    rr_status_t st = RR_OK;
    /* Everything is checked (the batch encoded, dictionaries planned) before
     * anything is written, so a bad batch leaves the output as it was. */
    encoding_t *e = &w->enc_batch;
    encoding_clear(e);
    for (int64_t i = 0; st == RR_OK && i < s->n_children; i++) {
        const struct ArrowArray *c = batch->children[i];
        int64_t off = 0;
        st = child_range(c, batch->offset, batch->length, &off, err);
        if (st == RR_OK) st = encode_node(w, e, s->children[i], c, off, batch->length, 0, err);
        if (st == RR_OK && w->n_dicts > 0) st = plan_dicts(w, s->children[i], c, 0, err);
        if (st != RR_OK)
            rr_error_wrap(st, err, "IPC writer: column '%s': ", field_name(s->children[i]));
    }
    if (st == RR_OK && w->n_dicts > 0) {
        st = send_dicts(w, err);
        /* Dictionary state has moved on: the stream cannot continue. */
        if (st != RR_OK) w->failed = true;
    }
    if (st == RR_OK) {
        st = write_batch_message(w, e, batch->length, -1, false, err);
        if (st != RR_OK && w->n_dicts > 0) w->failed = true;
    }
    if (st != RR_OK) {
        for (int64_t i = 0; i < w->n_dicts; i++) w->dicts[i].action = DICT_SKIP;
        w->out->len = saved;
    }
    rr_arena_reset(&w->scratch);
    return st;
}

/* Finishes a gathering writer: the end marker, then the last piece. */
static rr_status_t finish_gather(rr_arrow_ipc_writer_t *w, rr_error_t *err) {
    rr_arrow_ipc_pieces_t *ps = w->gather;
    rr_buf_t *out = w->out;
    size_t seg = w->seg_start;
    rr_status_t st = rr_arrow_ipc_writer_finish(w, err); /* frees w */
    if (st == RR_OK && out->len > seg)
        st = piece_push(ps, (rr_arrow_ipc_piece_t){NULL, seg, out->len - seg}, err);
    return st;
}

rr_status_t rr_arrow_ipc_writer_finish(rr_arrow_ipc_writer_t *w, rr_error_t *err) {
    if (!w) return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: no writer");
    rr_status_t st = RR_OK;
    if (w->failed) {
        st = rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: an earlier write failed");
        goto done;
    }
    static const uint8_t eos[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};
    if (rr_buf_append(w->out, eos, 8) != RR_OK) {
        st = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (w->opts.file_format) {
        rr_fb_builder_t *fb = &w->fb;
        rr_fb_reset(fb);
        rr_fb_ref_t sch = fb_schema(w, fb);
        rr_fb_ref_t vecs[2];
        const block_list_t *lists[2] = {&w->dict_blocks, &w->batch_blocks};
        for (int k = 0; k < 2; k++) {
            const block_list_t *l = lists[k];
            uint8_t *raw = l->n ? malloc((size_t)l->n * RR_FB_BLOCK_SIZE) : NULL;
            if (l->n && !raw) {
                fb->failed = true;
                vecs[k] = 0;
                continue;
            }
            for (int64_t i = 0; i < l->n; i++) {
                uint8_t *p = raw + i * RR_FB_BLOCK_SIZE;
                int32_t zero = 0;
                memcpy(p, &l->items[i].offset, 8);
                memcpy(p + 8, &l->items[i].meta_len, 4);
                memcpy(p + 12, &zero, 4);
                memcpy(p + 16, &l->items[i].body_len, 8);
            }
            vecs[k] = rr_fb_create_vector(fb, raw, (size_t)l->n, RR_FB_BLOCK_SIZE, 8);
            free(raw);
        }
        rr_fb_start_table(fb);
        rr_fb_add_i16(fb, RR_FB_FOOTER_VERSION, RR_FB_METADATA_V5);
        rr_fb_add_ref(fb, RR_FB_FOOTER_SCHEMA, sch);
        rr_fb_add_ref(fb, RR_FB_FOOTER_DICTIONARIES, vecs[0]);
        rr_fb_add_ref(fb, RR_FB_FOOTER_RECORD_BATCHES, vecs[1]);
        rr_fb_ref_t footer = rr_fb_end_table(fb);
        const uint8_t *meta;
        size_t meta_len;
        st = rr_fb_finish(fb, footer, &meta, &meta_len, err);
        if (st == RR_OK) {
            int32_t n = (int32_t)meta_len;
            if (rr_buf_append(w->out, meta, meta_len) != RR_OK ||
                rr_buf_append(w->out, &n, 4) != RR_OK ||
                rr_buf_append(w->out, RR_IPC_FILE_MAGIC, RR_IPC_FILE_MAGIC_LEN) != RR_OK)
                st = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        }
    }
done:
    rr_arrow_ipc_writer_free(w);
    return st;
}

rr_status_t rr_arrow_ipc_write_table(rr_buf_t *out, const struct ArrowSchema *schema,
                                     const struct ArrowArray *batches, int64_t n_batches,
                                     const rr_arrow_ipc_write_options_t *opts, rr_error_t *err) {
    if (n_batches < 0 || (n_batches > 0 && !batches))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: no batches given");
    size_t saved = out ? out->len : 0;
    rr_arrow_ipc_writer_t *w = NULL;
    RR_TRY(rr_arrow_ipc_writer_open(out, schema, opts, &w, err));
    for (int64_t i = 0; i < n_batches; i++) {
        rr_status_t st = rr_arrow_ipc_writer_write(w, &batches[i], err);
        if (st != RR_OK) {
            rr_arrow_ipc_writer_free(w);
            out->len = saved;
            return rr_error_wrap(st, err, "batch %lld: ", (long long)i);
        }
    }
    rr_status_t st = rr_arrow_ipc_writer_finish(w, err);
    if (st != RR_OK) out->len = saved;
    return st;
}

void rr_arrow_ipc_pieces_free(rr_arrow_ipc_pieces_t *p) {
    if (!p) return;
    free(p->items);
    memset(p, 0, sizeof *p);
}

rr_status_t rr_arrow_ipc_write_table_gather(rr_buf_t *out, const struct ArrowSchema *schema,
                                            const struct ArrowArray *batches, int64_t n_batches,
                                            const rr_arrow_ipc_write_options_t *opts,
                                            size_t min_piece, rr_arrow_ipc_pieces_t *pieces,
                                            rr_error_t *err) {
    if (!pieces) return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: no piece list");
    if (opts && (opts->compression != RR_ARROW_COMPRESSION_NONE || opts->file_format))
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "IPC writer: gathering is for uncompressed streams only");
    if (n_batches < 0 || (n_batches > 0 && !batches))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "IPC writer: no batches given");
    size_t saved = out ? out->len : 0, saved_n = pieces->n;
    rr_arrow_ipc_writer_t *w = NULL;
    RR_TRY(rr_arrow_ipc_writer_open(out, schema, opts, &w, err));
    /* The schema message just written belongs to the first piece. */
    w->gather = pieces;
    w->gather_min = min_piece ? min_piece : 1;
    w->seg_start = saved;
    rr_status_t st = RR_OK;
    for (int64_t i = 0; st == RR_OK && i < n_batches; i++) {
        st = rr_arrow_ipc_writer_write(w, &batches[i], err);
        if (st != RR_OK) rr_error_wrap(st, err, "batch %lld: ", (long long)i);
    }
    if (st != RR_OK) {
        rr_arrow_ipc_writer_free(w);
    } else {
        st = finish_gather(w, err);
    }
    if (st != RR_OK) {
        out->len = saved;
        pieces->n = saved_n;
    }
    return st;
}
