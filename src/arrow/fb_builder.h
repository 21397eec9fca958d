/* A small flatbuffer builder, enough for the Arrow IPC metadata the writer
 * emits (Message, Schema, RecordBatch, DictionaryBatch, Footer). Internal to
 * src/arrow/.
 *
 * Flatbuffers are built back to front: every object is written below the
 * ones it refers to, so a reference is only ever to something already
 * written. References (rr_fb_ref_t) are positions counted from the END of
 * the buffer, which stay valid while the buffer grows. Alignment is kept
 * relative to the end too; rr_fb_finish pads the front so the finished
 * buffer is a multiple of the largest alignment used, which makes every
 * scalar aligned when the buffer itself is placed at an 8-aligned address.
 *
 * Usage: make strings, vectors and sub-tables first, then
 *   rr_fb_start_table; rr_fb_add_*(slot, ...) ...; ref = rr_fb_end_table;
 * Tables cannot nest while being built. Identical vtables are shared.
 *
 * Allocation failures are sticky: calls after one do nothing and
 * rr_fb_finish reports RR_ERR_NOMEM. */
#ifndef RR_ARROW_FB_BUILDER_H
#define RR_ARROW_FB_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef uint32_t rr_fb_ref_t;

#define RR_FB_MAX_SLOTS 16

typedef struct rr_fb_builder {
    uint8_t *buf; /* data lives in buf[cap - used, cap) */
    size_t cap;
    size_t used;
    size_t minalign;
    bool failed;
    /* the table being built */
    bool in_table;
    size_t table_end;                       /* used when the table started */
    uint32_t slot_pos[RR_FB_MAX_SLOTS];     /* 0: absent */
    int32_t n_slots;
    /* vtables written so far (positions from the end), for sharing */
    uint32_t *vtables;
    size_t n_vtables, cap_vtables;
} rr_fb_builder_t;

/* Zero-initialisation is a valid empty builder. */
void rr_fb_init(rr_fb_builder_t *b);
/* Empties the builder for the next buffer, keeping its memory. */
void rr_fb_reset(rr_fb_builder_t *b);
void rr_fb_free(rr_fb_builder_t *b);

/* A string (uint32 length, bytes, NUL). */
rr_fb_ref_t rr_fb_create_string(rr_fb_builder_t *b, const char *s, size_t len);
/* A vector of n scalars or structs of elem_size bytes each, copied from data
 * (little-endian), aligned to align (a power of two, at most 16). */
rr_fb_ref_t rr_fb_create_vector(rr_fb_builder_t *b, const void *data, size_t n, size_t elem_size,
                                size_t align);
/* A vector of n references to tables or strings. */
rr_fb_ref_t rr_fb_create_ref_vector(rr_fb_builder_t *b, const rr_fb_ref_t *refs, size_t n);

void rr_fb_start_table(rr_fb_builder_t *b);
void rr_fb_add_u8(rr_fb_builder_t *b, int slot, uint8_t v);
void rr_fb_add_bool(rr_fb_builder_t *b, int slot, bool v);
void rr_fb_add_i16(rr_fb_builder_t *b, int slot, int16_t v);
void rr_fb_add_i32(rr_fb_builder_t *b, int slot, int32_t v);
void rr_fb_add_i64(rr_fb_builder_t *b, int slot, int64_t v);
/* A reference to a table, string or vector already built. */
void rr_fb_add_ref(rr_fb_builder_t *b, int slot, rr_fb_ref_t ref);
/* An inline struct of size bytes aligned to align. */
void rr_fb_add_struct(rr_fb_builder_t *b, int slot, const void *data, size_t size, size_t align);
rr_fb_ref_t rr_fb_end_table(rr_fb_builder_t *b);

/* Writes the root reference and hands out the finished buffer (owned by the
 * builder, valid until the next reset/free). Its length is a multiple of 8
 * when any 8-byte scalar was written (of the largest alignment used). */
rr_status_t rr_fb_finish(rr_fb_builder_t *b, rr_fb_ref_t root, const uint8_t **data, size_t *len,
                         rr_error_t *err);

#endif
