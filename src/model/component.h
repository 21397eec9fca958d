/* Component descriptors: what a component column holds, as Rerun 0.33's
 * ComponentDescriptor (crates/store/re_types_core/src/component_descriptor.rs):
 * an optional archetype ("rerun.archetypes.Points3D"), the component
 * identifier ("Points3D:positions", also the column's display name) and an
 * optional component type ("rerun.components.Position3D"). In Arrow field
 * metadata they are "rerun:archetype", "rerun:component" and
 * "rerun:component_type". */
#ifndef RR_MODEL_COMPONENT_H
#define RR_MODEL_COMPONENT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/status.h"

#define RR_META_ARCHETYPE "rerun:archetype"
#define RR_META_COMPONENT "rerun:component"
#define RR_META_COMPONENT_TYPE "rerun:component_type"

typedef struct rr_component_descriptor {
    char *archetype;      /* owned; NULL when absent */
    char *component;      /* owned; never NULL */
    char *component_type; /* owned; NULL when absent */
} rr_component_descriptor_t;

/* Copies the strings (archetype and component_type may be NULL; component
 * must be non-empty). */
rr_status_t rr_component_descriptor_init(rr_component_descriptor_t *d, const char *archetype,
                                         const char *component, const char *component_type,
                                         rr_error_t *err);
rr_status_t rr_component_descriptor_copy(const rr_component_descriptor_t *src,
                                         rr_component_descriptor_t *dst, rr_error_t *err);
void rr_component_descriptor_free(rr_component_descriptor_t *d); /* NULL-safe, zeroes */

bool rr_component_descriptor_equal(const rr_component_descriptor_t *a,
                                   const rr_component_descriptor_t *b);
/* Orders as Rerun's derived Ord: archetype (absent first), component, type. */
int rr_component_descriptor_cmp(const rr_component_descriptor_t *a,
                                const rr_component_descriptor_t *b);
/* The name Rerun shows and uses as the chunk column name: the component. */
static inline const char *rr_component_descriptor_display_name(const rr_component_descriptor_t *d) {
    return d->component;
}
uint64_t rr_component_descriptor_hash(const rr_component_descriptor_t *d);

#endif
