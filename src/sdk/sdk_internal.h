/* What the SDK's own files share: the archetype container's layout, the
 * refcounted instance arrays rows point to, the batcher and the sinks.
 *
 * The model headers come first: include/rerun.h then skips its copies of the
 * definitions it shares with them (store kind, time type, component
 * descriptor). None of the SDK files that include this one may include
 * base/log.h, whose rr_log is another function (see sdk_log.c). */
#ifndef RR_SDK_INTERNAL_H
#define RR_SDK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/chunk.h"
#include "model/component.h"
#include "model/entity_path.h"
#include "model/log_msg.h"
#include "model/time.h"
#include "rerun.h"

/* ---- instance arrays ---- */

/* One component batch's instances, shared by the archetype that holds it and
 * by every pending row logged from it (a row takes a reference instead of
 * copying). Immutable once made. */
typedef struct rr_sdk_cell {
    atomic_long refs;
    struct ArrowArray array;
    int64_t bytes; /* buffer bytes, for the batcher's byte threshold */
} rr_sdk_cell_t;

rr_sdk_cell_t *rr_sdk_cell_new(struct ArrowArray *array, const struct ArrowSchema *schema);
static inline void rr_sdk_cell_retain(rr_sdk_cell_t *c) {
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}
void rr_sdk_cell_release(rr_sdk_cell_t *c); /* NULL-safe */
/* Bytes of the buffers an array of this schema uses (an estimate for
 * nested and dictionary types; exact for the flat ones). */
int64_t rr_sdk_array_bytes(const struct ArrowSchema *schema, const struct ArrowArray *array);

/* ---- archetypes ---- */

typedef struct rr_sdk_batch {
    rr_component_descriptor_t desc; /* owned strings */
    struct ArrowSchema schema;      /* the instance type (owned) */
    rr_sdk_cell_t *cell;            /* one reference */
    bool borrowed;                  /* buffers in caller memory: copy when logging */
} rr_sdk_batch_t;

struct rr_archetype {
    char *name; /* NULL for loose components */
    size_t n, cap;
    rr_sdk_batch_t *batches;
};

/* ---- errors ---- */

/* Fills err and logs the message once per call site (site: a static flag).
 * Returns code. */
rr_status_t rr_sdk_fail(rr_error_t *err, atomic_bool *site, rr_status_t code, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));
/* Writes a warning line through the library's logger (sdk_log.c). */
void rr_sdk_log_warn(const char *msg);

#define RR_SDK_FAIL(err, code, ...)                                                            \
    do {                                                                                      \
        static atomic_bool rr_sdk_site_;                                                       \
        return rr_sdk_fail((err), &rr_sdk_site_, (code), __VA_ARGS__);                         \
    } while (0)

#endif
