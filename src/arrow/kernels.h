/* Compute kernels the chunk store needs: slice, concat, take and filter, for
 * every type of type.h (nested types, unions and dictionaries included).
 *
 * Inputs must be valid (rr_arrow_validate); outputs are new arrays owned by
 * the caller. Slice shares buffers without copying; the others copy into
 * fresh, compact buffers (offset 0). */
#ifndef RR_ARROW_KERNELS_H
#define RR_ARROW_KERNELS_H

#include <stdint.h>

#include "arrow/abi.h"
#include "base/status.h"

/* out = array[offset .. offset+length), zero-copy (adjusts offset, shares
 * buffers). */
rr_status_t rr_arrow_slice(const struct ArrowSchema *schema, struct ArrowArray *array,
                           int64_t offset, int64_t length, struct ArrowArray *out,
                           rr_error_t *err);

/* out = arrays[0] ++ arrays[1] ++ ... (all of the given schema). Dictionary
 * arrays: the result is decoded into the value type only when the inputs'
 * dictionaries differ; when every input shares one dictionary (same buffers)
 * indices are concatenated and the dictionary kept. */
rr_status_t rr_arrow_concat(const struct ArrowSchema *schema, const struct ArrowArray *const *arrays,
                            int64_t n, struct ArrowArray *out, rr_error_t *err);

/* out[i] = array[indices[i]]; an index < 0 gives a null slot. Indices out of
 * range are an RR_ERR_INVALID_ARG error. */
rr_status_t rr_arrow_take(const struct ArrowSchema *schema, const struct ArrowArray *array,
                          const int64_t *indices, int64_t n, struct ArrowArray *out,
                          rr_error_t *err);

/* Keeps the slots whose mask bit is set (mask: bitmap of array->length bits,
 * bit i for logical slot i). */
rr_status_t rr_arrow_filter(const struct ArrowSchema *schema, const struct ArrowArray *array,
                            const uint8_t *mask, struct ArrowArray *out, rr_error_t *err);

#endif
