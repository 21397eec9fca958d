/* The flatbuffer builder of fb_builder.h: a byte buffer filled from its end
 * toward its front, with vtable sharing. */
#include "arrow/fb_builder.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Flatbuffer offsets are 32-bit (signed for vtable offsets): stay well below. */
#define FB_MAX_SIZE ((size_t)0x7FFFFF00)

void rr_fb_init(rr_fb_builder_t *b) { memset(b, 0, sizeof *b); }

void rr_fb_reset(rr_fb_builder_t *b) {
    b->used = 0;
    b->minalign = 1;
    b->failed = false;
    b->in_table = false;
    b->n_vtables = 0;
}

void rr_fb_free(rr_fb_builder_t *b) {
    free(b->buf);
    free(b->vtables);
    memset(b, 0, sizeof *b);
}

/* Room for n more bytes in front of the data. The data moves to the end of
 * the new storage, so positions counted from the end do not change. */
static bool fb_grow(rr_fb_builder_t *b, size_t n) {
    if (b->failed) return false;
    if (b->cap - b->used >= n) return true;
    if (b->used + n > FB_MAX_SIZE) {
        b->failed = true;
        return false;
    }
    size_t cap = b->cap ? b->cap : 1024;
    while (cap - b->used < n) cap *= 2;
    uint8_t *nb = malloc(cap);
    if (!nb) {
        b->failed = true;
        return false;
    }
    if (b->used) memcpy(nb + cap - b->used, b->buf + b->cap - b->used, b->used);
    free(b->buf);
    b->buf = nb;
    b->cap = cap;
    return true;
}

static inline uint8_t *fb_front(rr_fb_builder_t *b) { return b->buf + b->cap - b->used; }

/* Zero padding so that, after `additional` more bytes, the data length is a
 * multiple of align. */
static bool fb_prep(rr_fb_builder_t *b, size_t align, size_t additional) {
    if (align > b->minalign) b->minalign = align;
    size_t pad = (size_t)(-(b->used + additional)) & (align - 1);
    if (!fb_grow(b, pad + additional)) return false;
    b->used += pad;
    memset(fb_front(b), 0, pad);
    return true;
}

/* Pushes n bytes (room must have been made by fb_prep). */
static void fb_push(rr_fb_builder_t *b, const void *p, size_t n) {
    b->used += n;
    memcpy(fb_front(b), p, n);
}

static void fb_push_u32(rr_fb_builder_t *b, uint32_t v) { fb_push(b, &v, 4); }

/* A uoffset at the front pointing to ref: the distance from where it is
 * stored to the target, which lies behind it. */
static void fb_push_ref(rr_fb_builder_t *b, rr_fb_ref_t ref) {
    assert(ref <= b->used + 4);
    fb_push_u32(b, (uint32_t)(b->used + 4 - ref));
}

rr_fb_ref_t rr_fb_create_string(rr_fb_builder_t *b, const char *s, size_t len) {
    assert(!b->in_table);
    /* Align for the bytes and NUL, then make room for the length before them. */
    if (len > FB_MAX_SIZE || !fb_prep(b, 4, len + 1) || !fb_grow(b, len + 1 + 4)) {
        b->failed = true;
        return 0;
    }
    b->used += 1;
    *fb_front(b) = 0;
    if (len) fb_push(b, s, len);
    fb_push_u32(b, (uint32_t)len);
    return (rr_fb_ref_t)b->used;
}

rr_fb_ref_t rr_fb_create_vector(rr_fb_builder_t *b, const void *data, size_t n, size_t elem_size,
                                size_t align) {
    assert(!b->in_table);
    assert(align && (align & (align - 1)) == 0 && align <= 16);
    if (elem_size && n > FB_MAX_SIZE / elem_size) {
        b->failed = true;
        return 0;
    }
    size_t bytes = n * elem_size;
    /* The elements end aligned to align, and the length sits right before. */
    if (!fb_prep(b, align < 4 ? 4 : align, bytes) || !fb_prep(b, 4, bytes + 4)) return 0;
    if (bytes) fb_push(b, data, bytes);
    fb_push_u32(b, (uint32_t)n);
    return (rr_fb_ref_t)b->used;
}

rr_fb_ref_t rr_fb_create_ref_vector(rr_fb_builder_t *b, const rr_fb_ref_t *refs, size_t n) {
    assert(!b->in_table);
    if (n > FB_MAX_SIZE / 4 || !fb_prep(b, 4, 4 * n + 4)) {
        b->failed = true;
        return 0;
    }
    for (size_t i = n; i-- > 0;) fb_push_ref(b, refs[i]);
    fb_push_u32(b, (uint32_t)n);
    return (rr_fb_ref_t)b->used;
}

void rr_fb_start_table(rr_fb_builder_t *b) {
    assert(!b->in_table);
    b->in_table = true;
    b->table_end = b->used;
    b->n_slots = 0;
    memset(b->slot_pos, 0, sizeof b->slot_pos);
}

static void fb_add_scalar(rr_fb_builder_t *b, int slot, const void *v, size_t size) {
    assert(b->in_table && slot >= 0 && slot < RR_FB_MAX_SLOTS);
    if (!fb_prep(b, size, size)) return;
    fb_push(b, v, size);
    b->slot_pos[slot] = (uint32_t)b->used;
    if (slot + 1 > b->n_slots) b->n_slots = slot + 1;
}

void rr_fb_add_u8(rr_fb_builder_t *b, int slot, uint8_t v) { fb_add_scalar(b, slot, &v, 1); }
void rr_fb_add_bool(rr_fb_builder_t *b, int slot, bool v) {
    uint8_t u = v ? 1 : 0;
    fb_add_scalar(b, slot, &u, 1);
}
void rr_fb_add_i16(rr_fb_builder_t *b, int slot, int16_t v) { fb_add_scalar(b, slot, &v, 2); }
void rr_fb_add_i32(rr_fb_builder_t *b, int slot, int32_t v) { fb_add_scalar(b, slot, &v, 4); }
void rr_fb_add_i64(rr_fb_builder_t *b, int slot, int64_t v) { fb_add_scalar(b, slot, &v, 8); }

void rr_fb_add_ref(rr_fb_builder_t *b, int slot, rr_fb_ref_t ref) {
    assert(b->in_table && slot >= 0 && slot < RR_FB_MAX_SLOTS);
    if (!fb_prep(b, 4, 4)) return;
    fb_push_ref(b, ref);
    b->slot_pos[slot] = (uint32_t)b->used;
    if (slot + 1 > b->n_slots) b->n_slots = slot + 1;
}

void rr_fb_add_struct(rr_fb_builder_t *b, int slot, const void *data, size_t size, size_t align) {
    assert(b->in_table && slot >= 0 && slot < RR_FB_MAX_SLOTS);
    if (!fb_prep(b, align, size)) return;
    fb_push(b, data, size);
    b->slot_pos[slot] = (uint32_t)b->used;
    if (slot + 1 > b->n_slots) b->n_slots = slot + 1;
}

rr_fb_ref_t rr_fb_end_table(rr_fb_builder_t *b) {
    assert(b->in_table);
    b->in_table = false;
    /* The table starts with an soffset to its vtable, filled in below. */
    if (!fb_prep(b, 4, 4)) return 0;
    fb_push_u32(b, 0);
    size_t table_pos = b->used;

    uint16_t vt[2 + RR_FB_MAX_SLOTS];
    int32_t n = b->n_slots;
    vt[0] = (uint16_t)(4 + 2 * n);
    if (table_pos - b->table_end > 0xFFFF) {
        b->failed = true;
        return 0;
    }
    vt[1] = (uint16_t)(table_pos - b->table_end);
    for (int32_t i = 0; i < n; i++)
        vt[2 + i] = b->slot_pos[i] ? (uint16_t)(table_pos - b->slot_pos[i]) : 0;
    size_t vt_bytes = (size_t)vt[0];

    /* Share an identical vtable written before. */
    size_t vt_pos = 0;
    for (size_t i = 0; i < b->n_vtables; i++) {
        const uint8_t *old = b->buf + b->cap - b->vtables[i];
        uint16_t old_bytes;
        memcpy(&old_bytes, old, 2);
        if (old_bytes == vt_bytes && memcmp(old, vt, vt_bytes) == 0) {
            vt_pos = b->vtables[i];
            break;
        }
    }
    if (!vt_pos) {
        if (!fb_prep(b, 2, vt_bytes)) return 0;
        fb_push(b, vt, vt_bytes);
        vt_pos = b->used;
        if (b->n_vtables == b->cap_vtables) {
            size_t nc = b->cap_vtables ? 2 * b->cap_vtables : 16;
            uint32_t *nv = realloc(b->vtables, nc * sizeof *nv);
            if (!nv) {
                b->failed = true;
                return 0;
            }
            b->vtables = nv;
            b->cap_vtables = nc;
        }
        b->vtables[b->n_vtables++] = (uint32_t)vt_pos;
    }
    /* vtable address = table address - soffset. */
    int32_t soff = (int32_t)((int64_t)vt_pos - (int64_t)table_pos);
    memcpy(b->buf + b->cap - table_pos, &soff, 4);
    return (rr_fb_ref_t)table_pos;
}

rr_status_t rr_fb_finish(rr_fb_builder_t *b, rr_fb_ref_t root, const uint8_t **data, size_t *len,
                         rr_error_t *err) {
    assert(!b->in_table);
    if (b->minalign < 4) b->minalign = 4;
    if (!b->failed && fb_prep(b, b->minalign, 4)) fb_push_ref(b, root);
    if (b->failed)
        return rr_error_set(err, RR_ERR_NOMEM,
                            "out of memory or over the 2 GiB flatbuffer limit building IPC metadata");
    *data = fb_front(b);
    *len = b->used;
    return RR_OK;
}
