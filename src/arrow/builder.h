/* Builders: append values one slot at a time (or in bulk) and finish into an
 * ArrowArray owned by the caller. One builder type serves every type of
 * type.h; nested types have a child builder per child.
 *
 * Nested usage, in the style of the Arrow format itself:
 *   list / large_list / map: append the items to child 0, then
 *     rr_arrow_builder_finish_element(list) (records the offset, marks valid).
 *   fixed_size_list: append exactly list-size items to child 0, then
 *     rr_arrow_builder_finish_element.
 *   struct: append one slot to every child, then finish_element.
 *   sparse union: append one slot to the chosen child, then
 *     rr_arrow_builder_finish_union_element(u, type_code) (the other children
 *     get a null slot); dense union: append to the chosen child, then the same.
 *   dictionary: append the index with rr_arrow_builder_append_int and the
 *     values to rr_arrow_builder_dictionary(b).
 * append_null on a nested builder appends what the layout needs to its
 * children (nothing for lists, list-size nulls for fixed-size lists, one null
 * per child for structs, a null in the first child for unions).
 *
 * A wrong call (a string to an int builder, a value out of the type's range,
 * finishing a fixed-size list with the wrong item count) returns
 * RR_ERR_INVALID_ARG and leaves the builder as it was. */
#ifndef RR_ARROW_BUILDER_H
#define RR_ARROW_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arrow/abi.h"
#include "base/status.h"

typedef struct rr_arrow_builder rr_arrow_builder_t;

/* A builder for arrays of the given schema (copied; the caller keeps its own). */
rr_status_t rr_arrow_builder_new(const struct ArrowSchema *schema, rr_arrow_builder_t **out,
                                 rr_error_t *err);
void rr_arrow_builder_free(rr_arrow_builder_t *b); /* NULL-safe */

/* The schema this builder builds (owned by the builder). */
const struct ArrowSchema *rr_arrow_builder_schema(const rr_arrow_builder_t *b);
/* Child builder i of a nested type (owned by the parent); NULL when none. */
rr_arrow_builder_t *rr_arrow_builder_child(rr_arrow_builder_t *b, int64_t i);
/* Builder of the dictionary values of a dictionary-encoded type; NULL when none. */
rr_arrow_builder_t *rr_arrow_builder_dictionary(rr_arrow_builder_t *b);
/* Slots appended so far. */
int64_t rr_arrow_builder_length(const rr_arrow_builder_t *b);

/* Reserves room for n more slots (optional; appends grow as needed). */
rr_status_t rr_arrow_builder_reserve(rr_arrow_builder_t *b, int64_t n, rr_error_t *err);

rr_status_t rr_arrow_builder_append_null(rr_arrow_builder_t *b, rr_error_t *err);
rr_status_t rr_arrow_builder_append_nulls(rr_arrow_builder_t *b, int64_t n, rr_error_t *err);
rr_status_t rr_arrow_builder_append_bool(rr_arrow_builder_t *b, bool v, rr_error_t *err);
/* Signed and unsigned integers, and the integer-backed types (date, time,
 * timestamp, duration, interval months, dictionary indices). Range checked. */
rr_status_t rr_arrow_builder_append_int(rr_arrow_builder_t *b, int64_t v, rr_error_t *err);
rr_status_t rr_arrow_builder_append_uint(rr_arrow_builder_t *b, uint64_t v, rr_error_t *err);
/* float16 (rounded to nearest even), float32, float64. */
rr_status_t rr_arrow_builder_append_double(rr_arrow_builder_t *b, double v, rr_error_t *err);
/* utf8 / large_utf8 / binary / large_binary; and fixed-width types given
 * their exact little-endian bytes (fixed_size_binary, decimals, intervals). */
rr_status_t rr_arrow_builder_append_bytes(rr_arrow_builder_t *b, const void *data, size_t len,
                                          rr_error_t *err);
static inline rr_status_t rr_arrow_builder_append_str(rr_arrow_builder_t *b, const char *s,
                                                      size_t len, rr_error_t *err) {
    return rr_arrow_builder_append_bytes(b, s, len, err);
}
/* Bulk append of n valid fixed-width values in the type's native layout
 * (bool: one byte per value, 0 or 1). validity may be NULL (all valid) or a
 * byte per value (0 = null). */
rr_status_t rr_arrow_builder_append_values(rr_arrow_builder_t *b, const void *values, int64_t n,
                                           const uint8_t *validity, rr_error_t *err);

rr_status_t rr_arrow_builder_finish_element(rr_arrow_builder_t *b, rr_error_t *err);
rr_status_t rr_arrow_builder_finish_union_element(rr_arrow_builder_t *b, int8_t type_code,
                                                  rr_error_t *err);

/* Moves the built array into *out (not live) and empties the builder for
 * reuse with the same schema. */
rr_status_t rr_arrow_builder_finish(rr_arrow_builder_t *b, struct ArrowArray *out,
                                    rr_error_t *err);

#endif
