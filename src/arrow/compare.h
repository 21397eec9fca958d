/* Logical equality of arrays: same type, length and, slot by slot, the same
 * validity and (for valid slots) the same values. Null slots' bytes, offsets
 * and buffer padding do not matter; slices compare by their logical content.
 * Dictionary arrays compare their decoded values (so two encodings of the
 * same data are equal). Floats compare by bits except that NaN equals NaN. */
#ifndef RR_ARROW_COMPARE_H
#define RR_ARROW_COMPARE_H

#include <stdbool.h>

#include "arrow/abi.h"
#include "base/status.h"

/* True when equal. When not, and err is given, err->msg says where the first
 * difference is ("column 'b' > child 'item': slot 17: 3 != 4"). Types must
 * be equal (rr_arrow_schema_equal) for arrays to be equal. */
bool rr_arrow_array_equal(const struct ArrowSchema *schema_a, const struct ArrowArray *a,
                          const struct ArrowSchema *schema_b, const struct ArrowArray *b,
                          rr_error_t *err);

#endif
