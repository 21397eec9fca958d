/* A small bounds-checked flatbuffer reader for the Arrow IPC metadata
 * (Message, Schema, Footer). Internal to src/arrow/.
 *
 * Nothing here trusts the input: every offset, vtable, vector length and
 * string is checked against the buffer before it is read, strings must be
 * NUL-terminated inside the buffer, and table nesting is limited to
 * RR_FB_MAX_DEPTH so a crafted buffer cannot recurse without end. Errors name
 * the table or field the caller is reading ("Message.header").
 *
 * A table that is absent reads as an empty table: buf == NULL, and every
 * field of it reads as its default (scalars) or as absent (the rest). Scalar
 * fields whose stored bytes would not fit inside their table read as their
 * default too (the bytes are never touched). */
#ifndef RR_ARROW_FB_READER_H
#define RR_ARROW_FB_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

#define RR_FB_MAX_DEPTH 64

typedef struct rr_fb_table {
    const uint8_t *buf; /* the whole flatbuffer; NULL when the table is absent */
    size_t size;
    size_t pos;          /* table start (where its soffset to the vtable lives) */
    size_t vtable;       /* vtable start */
    uint16_t vtable_size; /* bytes, header included */
    uint16_t table_size;  /* bytes of the table's inline part */
    int depth;            /* 0 for the root */
} rr_fb_table_t;

typedef struct rr_fb_vector {
    const uint8_t *buf;
    size_t size;
    size_t pos;        /* first element */
    uint32_t len;      /* element count; 0 when absent */
    uint32_t elem_size;
    int depth;         /* depth of the table holding the vector */
} rr_fb_vector_t;

/* Little-endian reads from memory already known to be in bounds. */
static inline uint16_t rr_fb_read_u16(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t rr_fb_read_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline int32_t rr_fb_read_i32(const uint8_t *p) { return (int32_t)rr_fb_read_u32(p); }
static inline int64_t rr_fb_read_i64(const uint8_t *p) {
    return (int64_t)((uint64_t)rr_fb_read_u32(p) | ((uint64_t)rr_fb_read_u32(p + 4) << 32));
}

/* Opens the root table of buf[0, len). name names it in errors ("Message"). */
rr_status_t rr_fb_root(const uint8_t *buf, size_t len, const char *name, rr_fb_table_t *out,
                       rr_error_t *err);

static inline bool rr_fb_table_present(const rr_fb_table_t *t) { return t->buf != NULL; }

/* Whether the vtable has a non-default entry for slot (field index). */
bool rr_fb_field_present(const rr_fb_table_t *t, int slot);

int64_t rr_fb_field_i64(const rr_fb_table_t *t, int slot, int64_t def);
int32_t rr_fb_field_i32(const rr_fb_table_t *t, int slot, int32_t def);
int16_t rr_fb_field_i16(const rr_fb_table_t *t, int slot, int16_t def);
uint8_t rr_fb_field_u8(const rr_fb_table_t *t, int slot, uint8_t def);
bool rr_fb_field_bool(const rr_fb_table_t *t, int slot, bool def);

/* A sub-table (or union value). Absent: RR_OK with out->buf == NULL. */
rr_status_t rr_fb_field_table(const rr_fb_table_t *t, int slot, const char *name,
                              rr_fb_table_t *out, rr_error_t *err);

/* A string: *s points into the buffer (NUL-terminated there), *len excludes
 * the NUL. Absent: RR_OK with *s == NULL, *len == 0. */
rr_status_t rr_fb_field_string(const rr_fb_table_t *t, int slot, const char *name, const char **s,
                               size_t *len, rr_error_t *err);

/* A vector of elem_size-byte elements (scalars, structs, or 4-byte offsets
 * for vectors of tables and strings). Absent: RR_OK with len 0. */
rr_status_t rr_fb_field_vector(const rr_fb_table_t *t, int slot, size_t elem_size,
                               const char *name, rr_fb_vector_t *out, rr_error_t *err);

/* Element i (< v->len, the caller's invariant) of a vector of structs or
 * scalars: a pointer to its elem_size bytes. */
const uint8_t *rr_fb_vector_elem(const rr_fb_vector_t *v, uint32_t i);
static inline int64_t rr_fb_vector_i64(const rr_fb_vector_t *v, uint32_t i) {
    return rr_fb_read_i64(rr_fb_vector_elem(v, i));
}
static inline int32_t rr_fb_vector_i32(const rr_fb_vector_t *v, uint32_t i) {
    return rr_fb_read_i32(rr_fb_vector_elem(v, i));
}

/* Element i of a vector of tables (elem_size 4). */
rr_status_t rr_fb_vector_table(const rr_fb_vector_t *v, uint32_t i, const char *name,
                               rr_fb_table_t *out, rr_error_t *err);
/* Element i of a vector of strings (elem_size 4). */
rr_status_t rr_fb_vector_string(const rr_fb_vector_t *v, uint32_t i, const char *name,
                                const char **s, size_t *len, rr_error_t *err);

#endif
