/* Compute kernels the chunk store needs: slice, concat, take and filter, for
 * every type of type.h (nested types, unions and dictionaries included).
 *
 * Inputs must be valid (rr_arrow_validate); the kernels check only that each
 * array's shape matches the schema (buffer and child counts, dictionary
 * presence), never the values. Outputs are new arrays owned by the caller,
 * with an exact null_count. Slice shares buffers without copying; the others
 * copy into fresh, compact (offset 0), 64-byte aligned buffers, and leave
 * *out released on error. Concat, take and filter never modify their inputs.
 *
 * Nulls: a null slot the kernels create (a negative take index) in a union
 * is a null in the union's first child (type code type_codes[0]). Outputs
 * omit the validity bitmap when they have no nulls. utf8 / binary / list
 * results whose data would pass the int32 offset range fail with
 * RR_ERR_INVALID_ARG (use the large_ types). */
#ifndef RR_ARROW_KERNELS_H
#define RR_ARROW_KERNELS_H

#include <stdint.h>

#include "arrow/abi.h"
#include "base/status.h"

/* out = array[offset .. offset+length), zero-copy (adjusts offset, shares
 * buffers). rr_arrow_array_share turns *array into a mirror of itself (same
 * buffers and values, new release), which is why it is not const: do not
 * slice an array another thread is reading. A range outside the array is an
 * RR_ERR_INVALID_ARG error. */
rr_status_t rr_arrow_slice(const struct ArrowSchema *schema, struct ArrowArray *array,
                           int64_t offset, int64_t length, struct ArrowArray *out,
                           rr_error_t *err);

/* out = arrays[0] ++ arrays[1] ++ ... (all of the given schema; n == 0
 * gives an empty array). Dictionary arrays: the result is decoded into the
 * value type (schema->dictionary: out->dictionary is then NULL) only when
 * the inputs' dictionaries differ; when every input has one dictionary (the
 * same buffers, or equal contents by rr_arrow_array_equal) indices are
 * concatenated and the dictionary kept (a compact copy).
 * Decoding applies to the root array only: a dictionary-encoded field inside
 * a nested type (a record batch's column, a list's items) keeps its type, so
 * there the differing dictionaries are appended one after another and each
 * input's indices shifted; RR_ERR_UNSUPPORTED when the appended dictionary
 * does not fit the index type. */
rr_status_t rr_arrow_concat(const struct ArrowSchema *schema, const struct ArrowArray *const *arrays,
                            int64_t n, struct ArrowArray *out, rr_error_t *err);

/* out[i] = array[indices[i]]; an index < 0 gives a null slot. Indices out of
 * range are an RR_ERR_INVALID_ARG error naming the index and its position.
 * Runs of consecutive indices are copied as runs. Dictionary arrays keep
 * their dictionary (a compact copy; the indices are not remapped). */
rr_status_t rr_arrow_take(const struct ArrowSchema *schema, const struct ArrowArray *array,
                          const int64_t *indices, int64_t n, struct ArrowArray *out,
                          rr_error_t *err);

/* Keeps the slots whose mask bit is set (mask: bitmap of array->length bits,
 * bit i for logical slot i; may be NULL for an empty array). */
rr_status_t rr_arrow_filter(const struct ArrowSchema *schema, const struct ArrowArray *array,
                            const uint8_t *mask, struct ArrowArray *out, rr_error_t *err);

#endif
