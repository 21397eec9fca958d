/* Validation of an array against its schema: the one check that lets data
 * from outside (IPC, foreign producers) be trusted by every kernel after.
 *
 * Checks, recursively through children and dictionaries: buffer counts and
 * presence; buffer sizes where the caller knows them (IPC passes them in via
 * the sized variant); offsets monotone, starting in bounds and ending within
 * the data / child length; fixed-size list and struct children long enough;
 * union type ids declared by the type and dense union offsets within the
 * chosen child; dictionary indices within the dictionary; null_count
 * consistent with the bitmap when it is not -1. Utf8 contents are not
 * checked (Arrow readers do not either; use rr_arrow_validate_utf8). */
#ifndef RR_ARROW_VALIDATE_H
#define RR_ARROW_VALIDATE_H

#include <stdint.h>

#include "arrow/abi.h"
#include "base/status.h"

/* Sizes in bytes of each buffer of each node, in the depth-first pre-order
 * the IPC format uses (a node's buffers, then its children's; dictionaries are
 * separate messages and not included). Pass NULL when unknown: then only
 * logical checks are done (buffers are assumed large enough).
 *
 * For a record batch (a root "+s" array) the list may leave out the root's
 * own validity buffer, as an IPC RecordBatch message does: when count is one
 * less than the whole tree's buffer count, the sizes start at the first
 * column. Otherwise count must equal the tree's buffer count exactly. A
 * validity buffer that is present must be large enough (pass NULL for an
 * absent one, e.g. one of size 0). */
typedef struct rr_arrow_buffer_sizes {
    const int64_t *sizes;
    int64_t count;
} rr_arrow_buffer_sizes_t;

/* Full validation. On failure the error (RR_ERR_INVALID_DATA) names the
 * path ("column 'a' > child 'item'"), the slot and what is wrong. A root with
 * an empty name is a record batch (its children are the columns); a root
 * with a name is itself the column. Slots in messages are logical (relative
 * to the array's offset). */
rr_status_t rr_arrow_validate(const struct ArrowSchema *schema, const struct ArrowArray *array,
                              rr_error_t *err);

/* Same, also checking each buffer is at least as large as the layout needs
 * given the sizes the container declared. */
rr_status_t rr_arrow_validate_sized(const struct ArrowSchema *schema,
                                    const struct ArrowArray *array,
                                    const rr_arrow_buffer_sizes_t *sizes, rr_error_t *err);

/* Checks the string data of every utf8 / large_utf8 array in the tree
 * (children and dictionaries too) is valid UTF-8, after a full structural
 * validation. Reads every string byte: not run on IPC reads. */
rr_status_t rr_arrow_validate_utf8(const struct ArrowSchema *schema,
                                   const struct ArrowArray *array, rr_error_t *err);

#endif
