/* Record batch views: the one batch of a small Arrow IPC stream read in
 * place, against a schema the caller parsed before and keeps (a stream of
 * small Rerun ArrowMsgs repeats one schema per entity). A view's arrays live
 * in the view and point into the caller's bytes; nothing is allocated and
 * nothing needs releasing. Every bound is checked on every read, as the
 * general reader (ipc.h) does: the same sizes go through the same
 * rr_arrow_validate_sized. Whatever a view does not cover — compressed
 * bodies, dictionaries, unions, misaligned buffers, more nodes than fit, a
 * stream of more than one batch — is answered with *fits false and is the
 * general reader's to read (and to report, when it is damage). Implemented
 * in ipc_read.c. */
#ifndef RR_ARROW_IPC_VIEW_H
#define RR_ARROW_IPC_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arrow/abi.h"
#include "arrow/type.h"
#include "arrow/validate.h"
#include "base/status.h"

#define RR_ARROW_VIEW_MAX_NODES 64
#define RR_ARROW_VIEW_MAX_BUFFERS 192

/* One node of the schema in IPC order (depth-first, pre-order). */
typedef struct rr_arrow_view_node {
    int8_t n_buffers;
    uint8_t kinds[3]; /* rr_arrow_buffer_kind_t */
    int16_t n_children;
} rr_arrow_view_node_t;

/* What a schema's batches look like in a RecordBatch message, worked out
 * once per schema. */
typedef struct rr_arrow_batch_plan {
    int64_t n_columns;
    int32_t n_nodes, n_buffers;
    rr_arrow_view_node_t nodes[RR_ARROW_VIEW_MAX_NODES];
    rr_arrow_type_t types[RR_ARROW_VIEW_MAX_NODES]; /* each node's, parsed once */
} rr_arrow_batch_plan_t;

/* false when batches of this schema ("+s" of columns) are not for views. */
bool rr_arrow_batch_plan_init(const struct ArrowSchema *schema, rr_arrow_batch_plan_t *p);

typedef struct rr_arrow_batch_view {
    struct ArrowArray root; /* "+s": children are the columns; length the batch's */
    struct ArrowArray *columns[RR_ARROW_VIEW_MAX_NODES];
    struct ArrowArray nodes[RR_ARROW_VIEW_MAX_NODES];
    struct ArrowArray *child_ptrs[RR_ARROW_VIEW_MAX_NODES];
    int32_t n_child_ptrs;
    const void *root_bufs[1];
    const void *bufs[RR_ARROW_VIEW_MAX_BUFFERS];
    int64_t sizes[RR_ARROW_VIEW_MAX_BUFFERS + 1];
} rr_arrow_batch_view_t;

/* Where the stream in data[0, len) keeps its Schema message: the
 * flatbuffer's bytes data[*fb_off, *fb_off + *fb_len) (what identifies the
 * schema) and *next, the offset of the message after it. *fits false (and
 * RR_OK) when the input does not start with a Schema message of a stream;
 * an error when its framing is damaged. */
rr_status_t rr_arrow_ipc_schema_span(const uint8_t *data, size_t len, size_t *fb_off,
                                     size_t *fb_len, size_t *next, bool *fits, rr_error_t *err);

/* Reads the RecordBatch message at data + off, which must be the stream's
 * last before its end-of-stream marker (or end of input), as batch `schema`
 * (planned by rr_arrow_batch_plan_init) into *v. data must stay unchanged
 * while v is used. RR_OK with *fits true: v->root is a validated batch.
 * RR_OK with *fits false: not for views (see above). An error: the batch is
 * damaged (the general reader reports the same damage in its own words). */
rr_status_t rr_arrow_ipc_read_batch_view(const uint8_t *data, size_t len, size_t off,
                                         const struct ArrowSchema *schema,
                                         const rr_arrow_batch_plan_t *p,
                                         rr_arrow_batch_view_t *v, bool *fits, rr_error_t *err);

/* rr_arrow_validate_sized for a record batch ("+s" root; sizes without the
 * root's own validity, as an IPC RecordBatch lists them) whose nodes'
 * types, in pre-order, were parsed before (a batch plan's): the same
 * checks without parsing every format again. Implemented in validate.c. */
rr_status_t rr_arrow_validate_batch_typed(const struct ArrowSchema *schema,
                                          const struct ArrowArray *batch,
                                          const rr_arrow_buffer_sizes_t *sizes,
                                          const rr_arrow_type_t *types, int64_t n_types,
                                          rr_error_t *err);

#endif
