/* What the spatial views share about placing entities: where an entity sits
 * in the store's sorted entity list, its nearest ancestor that holds data,
 * and its Transform3D read as Rerun 0.33 does (re_view_spatial's transform
 * tree): only the components of the latest log call count (an update resets
 * the fields it does not set), applied mat3x3 first and translation last,
 * and a ChildFromParent relation inverts the result. Reads the store only;
 * no GL. */
#ifndef RR_VIEWER_VIEWS_TRANSFORM_H
#define RR_VIEWER_VIEWS_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "model/entity_path.h"
#include "store/store.h"
#include "viewer/gfx/math.h"

/* What a view shows: a store's entity origin, and its descendants when
 * subtree. Views that read the store themselves (graph, text log) start
 * with one. */
typedef struct rr_view_scope {
    rr_store_t *store;
    rr_entity_path_t origin; /* owned */
    bool subtree;
} rr_view_scope_t;
/* A new zeroed object of size bytes whose first member is an
 * rr_view_scope_t, set to store, origin (NULL: the root) and subtree. */
rr_status_t rr_view_scope_new(size_t size, rr_store_t *store, const rr_entity_path_t *origin, bool subtree,
                              void **out, rr_error_t *err);
void rr_view_scope_free(rr_view_scope_t *sc); /* its origin; not the object */
/* Whether the scope holds e. */
bool rr_view_scope_holds(const rr_view_scope_t *sc, const rr_entity_path_t *e);

/* Index of e in the store's sorted entity list, or -1. */
long rr_view_find_entity(const rr_store_t *s, const rr_entity_path_t *e);

/* The nearest proper ancestor of e, with more than min_parts - 1 parts
 * (min_parts 0: up to the root), that the store holds at an index below
 * `before` (a parent sorts before its children): *out is its index, or -1. */
rr_status_t rr_view_stored_ancestor(const rr_store_t *s, const rr_entity_path_t *e, size_t before,
                                    size_t min_parts, long *out, rr_error_t *err);

/* The entity's Transform3D at time t on timeline (NULL: static) as
 * parent_from_entity; identity when it has none. A component that cannot
 * be read is skipped and, like a relation that cannot be inverted, written
 * to problem (cap bytes; "" when none) for the view's warning. */
rr_mat4_t rr_view_local_transform(rr_store_t *s, const rr_entity_path_t *e, const char *timeline, int64_t t,
                                  char *problem, size_t cap);

#endif
