/* The Spatial 3D view: what a recording's store holds of Points3D,
 * LineStrips3D, Boxes3D, Arrows3D, Ellipsoids3D, Mesh3D and Pinhole frusta
 * at one time, placed in the world through the Transform3D hierarchy of
 * entity paths, drawn by the gfx renderer with a grid and axes. Rerun 0.33's
 * semantics (re_view_spatial): latest-at per component, instance components
 * clamped to the last value, default radii (1.5 UI points; 0.5 for box and
 * ellipsoid lines; 1 for frusta) and per-entity automatic colours.
 *
 * The view shows the subtree of its origin (default: the root) in the
 * origin's space, minus the entities the user hid. Picking (what is under a
 * pixel) runs on the CPU over copies of the geometry kept with the GPU
 * cache, indexed in cells so a pick on ten million points tests only the
 * cells the pick ray crosses.
 *
 * GPU geometry is cached per store chunk: an entry belongs to the chunk that
 * holds the entity's primary component (positions, strips, half sizes,
 * vertex positions) at the queried row and is released when the store
 * drops or compacts that chunk (store events). A frame whose data did not
 * change uploads nothing.
 *
 * Ownership: the view borrows the renderer and the store (both must outlive
 * it) and subscribes to the store's events until freed. Needs the
 * renderer's GL context current in every call. */
#ifndef RR_VIEWER_VIEWS_SPATIAL3D_H
#define RR_VIEWER_VIEWS_SPATIAL3D_H

#include <stdbool.h>
#include <stdint.h>

#include "base/status.h"
#include "store/store.h"
#include "viewer/gfx/camera.h"
#include "viewer/gfx/renderer.h"
#include "viewer/views/pick.h"

typedef struct rr_spatial3d rr_spatial3d_t;

typedef struct rr_spatial3d_options {
    bool grid;
    bool axes;
    float background[4]; /* RGBA 0..1 */
} rr_spatial3d_options_t;

void rr_spatial3d_options_default(rr_spatial3d_options_t *o);

rr_status_t rr_spatial3d_new(rr_gfx_renderer_t *r, rr_store_t *store, rr_spatial3d_t **out,
                             rr_error_t *err);
void rr_spatial3d_free(rr_spatial3d_t *v); /* NULL-safe */

/* Queries the store at time t on timeline (NULL: static data only) and
 * builds the frame's draw list, uploading geometry not cached yet. Bad data
 * at an entity skips that entity and is reported by rr_spatial3d_warning;
 * the status is for failures of the view itself (out of memory, GL). */
rr_status_t rr_spatial3d_prepare(rr_spatial3d_t *v, const char *timeline, int64_t t,
                                 rr_error_t *err);
/* The world bounds of what the last prepare found (empty when nothing). */
rr_aabb_t rr_spatial3d_bounds(const rr_spatial3d_t *v);
/* The scene's up axis from ViewCoordinates at the root ("/"), else +Z. */
rr_vec3_t rr_spatial3d_up(const rr_spatial3d_t *v);
/* Things drawn by the last prepare (one per entity and archetype). */
size_t rr_spatial3d_num_drawables(const rr_spatial3d_t *v);
/* The first data problem met by the last prepare, or NULL. */
const char *rr_spatial3d_warning(const rr_spatial3d_t *v);
/* GPU cache entries alive (for tests). */
size_t rr_spatial3d_cache_size(const rr_spatial3d_t *v);

/* The view's space: the subtree at origin (subtree false: the origin
 * alone), transforms relative to the origin's (its world transform becomes
 * the identity, as Rerun's view at an origin). NULL: the root. The path is
 * copied. Takes effect at the next prepare. */
rr_status_t rr_spatial3d_set_origin(rr_spatial3d_t *v, const rr_entity_path_t *origin, bool subtree,
                                    rr_error_t *err);
/* Entities the user hid, as path text ("/world/points"); each hides its
 * whole subtree, as Rerun's visibility toggle. Replaces the previous set
 * (n = 0: nothing hidden); unparsable paths are ignored. Next prepare. */
void rr_spatial3d_set_hidden(rr_spatial3d_t *v, const char *const *entities, size_t n);
/* The closest instance drawn by the last prepare under pixel (px, py) of a
 * w x h target (top-left origin, pixel centres at +0.5) seen by cam: points
 * within their on-screen radius, lines and arrows within their width, boxes,
 * ellipsoids, meshes by the ray against their surfaces or lines. false (and
 * out->hit false) on a miss. */
bool rr_spatial3d_pick(rr_spatial3d_t *v, const rr_camera_t *cam, int w, int h, float px, float py,
                       rr_pick_t *out);
/* What to draw highlighted, as Rerun's outlines: the hovered and the
 * selected instance (or the whole entity for RR_PICK_ALL_INSTANCES) get a
 * one-pixel outline drawn over the scene; solid surfaces are brightened.
 * NULL or !hit: none. Copied. */
void rr_spatial3d_set_highlight(rr_spatial3d_t *v, const rr_pick_t *hover, const rr_pick_t *selected);

/* Renders the prepared frame into target. */
rr_status_t rr_spatial3d_draw(rr_spatial3d_t *v, rr_gfx_target_t *target, const rr_camera_t *cam,
                              const rr_spatial3d_options_t *opts, rr_error_t *err);

#endif
