/* The default blueprint: which views a recording gets when the user has
 * laid out none, by Rerun 0.33's spawn heuristics (re_view_spatial
 * view_3d.rs / view_2d.rs, re_view_time_series view_class.rs,
 * re_viewport_blueprint spawn_heuristic_views), on what our store can tell:
 *
 * - Spaces: the root space, and a 2D space under every entity holding a
 *   Pinhole (its origin is the pinhole entity).
 * - Spatial 3D: in the root space, a view at each entity with
 *   ViewCoordinates, plus one at the root "/" when some 3D content (3D
 *   archetypes, pinholes, view coordinates) is not under one of those; each
 *   view holds its origin's subtree.
 * - Spatial 2D: a view per pinhole space holding 2D content (images, 2D
 *   archetypes), and one for the root space's 2D content at the deepest
 *   common ancestor of those entities (Rerun also splits images by size;
 *   not done here).
 * - Time series: a view per entity with temporal Scalars, holding that
 *   entity alone (Rerun's single-entity recommendation), at most 8.
 * Views come in the order 3D, 2D, time series, each by entity path.
 *
 * The list is what headless mode composites now and what the shell's
 * blueprint tree shows. Ownership: the blueprint owns its paths; it does
 * not refer to the store after it is built. */
#ifndef RR_VIEWER_BLUEPRINT_H
#define RR_VIEWER_BLUEPRINT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"
#include "model/entity_path.h"
#include "store/store.h"

/* Rerun's DEFAULT_MAX_VIEWS_SPAWNED, per view class. */
#define RR_BLUEPRINT_MAX_VIEWS_PER_CLASS 8

typedef enum rr_view_class {
    RR_VIEW_SPATIAL3D = 1,
    RR_VIEW_SPATIAL2D = 2,
    RR_VIEW_TIMESERIES = 3,
    RR_VIEW_TEXTLOG = 4,
    RR_VIEW_TEXTDOC = 5,
    RR_VIEW_BARCHART = 6,
    RR_VIEW_GRAPH = 7,
    RR_VIEW_MAP = 8,
    RR_VIEW_TENSOR = 9,
} rr_view_class_t;

typedef struct rr_blueprint_view {
    rr_view_class_t cls;
    rr_entity_path_t origin;
    bool subtree;                /* the origin and its descendants (true), or the origin alone */
    rr_entity_path_t *entities;  /* the store's entities the view shows, sorted */
    size_t n_entities;
    char name[128];              /* display name: the origin's last part, "/" for the root */
} rr_blueprint_view_t;

typedef struct rr_blueprint {
    rr_blueprint_view_t *views;
    size_t n_views;
} rr_blueprint_t;

/* The class's display name ("Spatial3D", "Spatial2D", "TimeSeries",
 * "TextLog", "TextDocument", "BarChart", "Graph", "Map", "Tensor", as
 * Rerun's identifiers). */
const char *rr_view_class_name(rr_view_class_t cls);

/* Fills *out (zeroed first) with the default views of store's current
 * contents. */
rr_status_t rr_blueprint_default(const rr_store_t *store, rr_blueprint_t *out, rr_error_t *err);
void rr_blueprint_free(rr_blueprint_t *bp); /* NULL-safe, zeroes */

/* Cell i of n views laid out in a grid over width x height pixels:
 * ceil(sqrt(n)) columns, rows as needed, the last row's cells as wide as
 * the others; cells share the remainder pixels so they tile exactly. */
void rr_blueprint_grid_cell(size_t n, size_t i, int width, int height, int *x, int *y, int *w, int *h);

#endif
