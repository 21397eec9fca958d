/* Bounds-checked flatbuffer reading (see fb_reader.h). The flatbuffer wire
 * format: a root uoffset (u32) to a table; a table starts with an soffset
 * (i32) back to its vtable; a vtable is u16 vtable size, u16 table size, then
 * one u16 per field giving the field's offset inside the table (0: absent).
 * Offsets to sub-tables, vectors and strings are u32, relative to where they
 * are stored. Vectors and strings start with a u32 element count. */
#include "arrow/fb_reader.h"

#include <assert.h>

static const char *nm(const char *name) { return name ? name : "flatbuffer"; }

/* Opens the table at pos, checking its vtable and inline part. */
static rr_status_t open_table(const uint8_t *buf, size_t size, size_t pos, int depth,
                              const char *name, rr_fb_table_t *out, rr_error_t *err) {
    *out = (rr_fb_table_t){0};
    if (depth > RR_FB_MAX_DEPTH)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "flatbuffer %s: tables nested deeper than %d", nm(name),
                            RR_FB_MAX_DEPTH);
    if (pos > size || size - pos < 4)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "flatbuffer %s: table at %zu lies outside the %zu-byte buffer",
                            nm(name), pos, size);
    int64_t vt = (int64_t)pos - (int64_t)rr_fb_read_i32(buf + pos);
    if (vt < 0 || (uint64_t)vt > size || size - (size_t)vt < 4)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "flatbuffer %s: vtable at %lld lies outside the %zu-byte buffer",
                            nm(name), (long long)vt, size);
    uint16_t vt_size = rr_fb_read_u16(buf + vt);
    uint16_t tbl_size = rr_fb_read_u16(buf + vt + 2);
    if (vt_size < 4 || (vt_size & 1) || size - (size_t)vt < vt_size)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "flatbuffer %s: vtable of %u bytes at %lld is malformed or out of "
                            "bounds",
                            nm(name), (unsigned)vt_size, (long long)vt);
    if (tbl_size < 4 || size - pos < tbl_size)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "flatbuffer %s: table of %u bytes at %zu is malformed or out of "
                            "bounds",
                            nm(name), (unsigned)tbl_size, pos);
    out->buf = buf;
    out->size = size;
    out->pos = pos;
    out->vtable = (size_t)vt;
    out->vtable_size = vt_size;
    out->table_size = tbl_size;
    out->depth = depth;
    return RR_OK;
}

rr_status_t rr_fb_root(const uint8_t *buf, size_t len, const char *name, rr_fb_table_t *out,
                       rr_error_t *err) {
    *out = (rr_fb_table_t){0};
    if (!buf || len < 8)
        return rr_error_set(err, RR_ERR_TRUNCATED, "flatbuffer %s: %zu bytes is too short",
                            nm(name), len);
    return open_table(buf, len, rr_fb_read_u32(buf), 0, name, out, err);
}

/* Offset inside the table of slot's field when it is present and `width`
 * bytes of it fit in the table's inline part; 0 otherwise. */
static size_t field_off(const rr_fb_table_t *t, int slot, size_t width) {
    if (!t->buf || slot < 0) return 0;
    size_t e = 4 + 2 * (size_t)slot;
    if (e + 2 > t->vtable_size) return 0;
    size_t off = rr_fb_read_u16(t->buf + t->vtable + e);
    /* The first 4 bytes of a table are its soffset, never a field. */
    if (off < 4 || off + width > t->table_size) return 0;
    return off;
}

bool rr_fb_field_present(const rr_fb_table_t *t, int slot) { return field_off(t, slot, 1) != 0; }

int64_t rr_fb_field_i64(const rr_fb_table_t *t, int slot, int64_t def) {
    size_t off = field_off(t, slot, 8);
    return off ? rr_fb_read_i64(t->buf + t->pos + off) : def;
}

int32_t rr_fb_field_i32(const rr_fb_table_t *t, int slot, int32_t def) {
    size_t off = field_off(t, slot, 4);
    return off ? rr_fb_read_i32(t->buf + t->pos + off) : def;
}

int16_t rr_fb_field_i16(const rr_fb_table_t *t, int slot, int16_t def) {
    size_t off = field_off(t, slot, 2);
    return off ? (int16_t)rr_fb_read_u16(t->buf + t->pos + off) : def;
}

uint8_t rr_fb_field_u8(const rr_fb_table_t *t, int slot, uint8_t def) {
    size_t off = field_off(t, slot, 1);
    return off ? t->buf[t->pos + off] : def;
}

bool rr_fb_field_bool(const rr_fb_table_t *t, int slot, bool def) {
    size_t off = field_off(t, slot, 1);
    return off ? t->buf[t->pos + off] != 0 : def;
}

/* Follows the uoffset stored at `at` (4 bytes known in bounds): the target
 * position, checked to leave at least `need` bytes in the buffer. */
static rr_status_t follow(const uint8_t *buf, size_t size, size_t at, size_t need, const char *name,
                          size_t *target, rr_error_t *err) {
    uint64_t t = (uint64_t)at + rr_fb_read_u32(buf + at);
    if (t > size || size - t < need)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "flatbuffer %s: offset to %llu lies outside the %zu-byte buffer",
                            nm(name), (unsigned long long)t, size);
    *target = (size_t)t;
    return RR_OK;
}

/* Where slot's uoffset lives, or 0 when absent. A slot that is present in
 * the vtable but too small for a uoffset is an error. */
static rr_status_t offset_field(const rr_fb_table_t *t, int slot, const char *name, size_t *at,
                                rr_error_t *err) {
    *at = 0;
    if (!rr_fb_field_present(t, slot)) return RR_OK;
    size_t off = field_off(t, slot, 4);
    if (!off)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "flatbuffer %s: field does not fit in its table", nm(name));
    *at = t->pos + off;
    return RR_OK;
}

rr_status_t rr_fb_field_table(const rr_fb_table_t *t, int slot, const char *name,
                              rr_fb_table_t *out, rr_error_t *err) {
    *out = (rr_fb_table_t){0};
    size_t at, target;
    RR_TRY(offset_field(t, slot, name, &at, err));
    if (!at) return RR_OK;
    RR_TRY(follow(t->buf, t->size, at, 4, name, &target, err));
    return open_table(t->buf, t->size, target, t->depth + 1, name, out, err);
}

/* The string whose u32 length lives at pos. */
static rr_status_t string_at(const uint8_t *buf, size_t size, size_t pos, const char *name,
                             const char **s, size_t *len, rr_error_t *err) {
    uint32_t n = rr_fb_read_u32(buf + pos);
    /* The bytes and the NUL terminator must fit. */
    if ((uint64_t)n + 1 > size - pos - 4)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "flatbuffer %s: string of %u bytes at %zu runs past the %zu-byte "
                            "buffer",
                            nm(name), (unsigned)n, pos, size);
    if (buf[pos + 4 + n] != 0)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "flatbuffer %s: string at %zu is not NUL-terminated", nm(name), pos);
    *s = (const char *)buf + pos + 4;
    *len = n;
    return RR_OK;
}

rr_status_t rr_fb_field_string(const rr_fb_table_t *t, int slot, const char *name, const char **s,
                               size_t *len, rr_error_t *err) {
    *s = NULL;
    *len = 0;
    size_t at, target;
    RR_TRY(offset_field(t, slot, name, &at, err));
    if (!at) return RR_OK;
    RR_TRY(follow(t->buf, t->size, at, 4, name, &target, err));
    return string_at(t->buf, t->size, target, name, s, len, err);
}

rr_status_t rr_fb_field_vector(const rr_fb_table_t *t, int slot, size_t elem_size,
                               const char *name, rr_fb_vector_t *out, rr_error_t *err) {
    assert(elem_size > 0 && elem_size <= 4096);
    *out = (rr_fb_vector_t){.elem_size = (uint32_t)elem_size, .depth = t->depth};
    size_t at, target;
    RR_TRY(offset_field(t, slot, name, &at, err));
    if (!at) return RR_OK;
    RR_TRY(follow(t->buf, t->size, at, 4, name, &target, err));
    uint32_t n = rr_fb_read_u32(t->buf + target);
    if ((uint64_t)n * elem_size > t->size - target - 4)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "flatbuffer %s: vector of %u elements of %zu bytes at %zu runs past "
                            "the %zu-byte buffer",
                            nm(name), (unsigned)n, elem_size, target, t->size);
    out->buf = t->buf;
    out->size = t->size;
    out->pos = target + 4;
    out->len = n;
    return RR_OK;
}

const uint8_t *rr_fb_vector_elem(const rr_fb_vector_t *v, uint32_t i) {
    assert(i < v->len);
    return v->buf + v->pos + (size_t)i * v->elem_size;
}

rr_status_t rr_fb_vector_table(const rr_fb_vector_t *v, uint32_t i, const char *name,
                               rr_fb_table_t *out, rr_error_t *err) {
    *out = (rr_fb_table_t){0};
    if (v->elem_size != 4 || i >= v->len)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "flatbuffer %s: no table element %u",
                            nm(name), (unsigned)i);
    size_t at = v->pos + (size_t)i * 4, target;
    RR_TRY(follow(v->buf, v->size, at, 4, name, &target, err));
    return open_table(v->buf, v->size, target, v->depth + 1, name, out, err);
}

rr_status_t rr_fb_vector_string(const rr_fb_vector_t *v, uint32_t i, const char *name,
                                const char **s, size_t *len, rr_error_t *err) {
    *s = NULL;
    *len = 0;
    if (v->elem_size != 4 || i >= v->len)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "flatbuffer %s: no string element %u",
                            nm(name), (unsigned)i);
    size_t at = v->pos + (size_t)i * 4, target;
    RR_TRY(follow(v->buf, v->size, at, 4, name, &target, err));
    return string_at(v->buf, v->size, target, name, s, len, err);
}
