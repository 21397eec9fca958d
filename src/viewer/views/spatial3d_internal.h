/* What the Spatial 3D view's two files share (spatial3d.c: the cache,
 * frames, transforms, picking and drawing; spatial3d_build.c: reading the
 * Arrow cells of each archetype into geometry and its picking index).
 * Internal: nothing outside views/spatial3d*.c includes it. */
#ifndef RR_VIEWER_VIEWS_SPATIAL3D_INTERNAL_H
#define RR_VIEWER_VIEWS_SPATIAL3D_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "viewer/views/cells.h"
#include "viewer/views/row_cache.h"
#include "viewer/views/spatial3d.h"

/* Rerun's defaults (re_sdk_types radius_ext.rs, re_view_spatial
 * shared_fallbacks.rs, re_component_fallbacks): negative radii are UI
 * points. */
#define DEFAULT_RADIUS (-1.5f)
#define DEFAULT_BOX_LINE_RADIUS (-0.5f)
#define DEFAULT_FRUSTUM_LINE_RADIUS (-1.0f)
#define FRUSTUM_COLOR 0x9f9f9fffu /* the dark theme's frustum_color, Gray.600 */
/* FillMode: MajorWireframe 1, DenseWireframe 2, Solid 3,
 * TransparentFillMajorWireframe 4 (the default). */
#define FILL_MODE_MAJOR 1
#define FILL_MODE_DENSE 2
#define FILL_MODE_SOLID 3
#define FILL_MODE_TRANSPARENT 4
/* Outlines (re_view outlines.rs): hover is the strong text colour, the
 * selection the selection stroke colour, both 2 points wide, so 1 point
 * (here a pixel) of outline around the shape. */
#define HOVER_COLOR 0xffffffffu
#define SELECT_COLOR 0xf0f2ffffu
#define OUTLINE_PX 1.0f
/* Extra pixels around every shape a pick accepts: the renderer draws
 * discs half a pixel wider, and hairlines need some mercy. */
#define PICK_SLACK_PX 1.0f

enum vis_kind {
    VIS_POINTS = 1, VIS_LINES, VIS_BOXES, VIS_MESH, VIS_ARROWS, VIS_ELLIPSOIDS,
    VIS_DEPTH, VIS_ENCODED_DEPTH, /* depth clouds: under a pinhole */
    VIS_PINHOLE
};

/* The pinhole a depth cloud is projected through: its image_from_camera
 * (column-major 3x3) and resolution (has_res false: none logged). */
typedef struct rr_s3d_camera {
    float k[9];
    bool has_res;
    float res[2];
} rr_s3d_camera_t;

/* ---------------- CPU copies of the geometry ---------------- */

enum geo_kind { GEO_POINTS = 1, GEO_SEGS, GEO_ARROWS, GEO_TRIS };

/* Items are picked cell by cell: a cell's box (of the items' positions,
 * sizes left out) and largest sizes reject it whole when the pick ray
 * passes wide of it. */
typedef struct cell {
    uint32_t first, count; /* into perm (points) or the items themselves */
    rr_aabb_t box;
    float r_scene; /* largest radius in scene units */
    float r_px;    /* largest radius in UI points (pixels) */
} cell_t;

#define CELL_ITEMS 2048

typedef struct geo {
    int kind;
    size_t n;       /* points, segments, arrows or triangles */
    void *items;    /* rr_gfx_point_t, rr_gfx_segment_t or 3 rr_gfx_vertex_t per item */
    uint32_t *inst; /* instance of each item; NULL: the item's index */
    cell_t *cells;
    size_t n_cells;
    uint32_t *perm; /* points only: item indices grouped by cell */
    rr_aabb_t box;  /* of all items' positions, sizes left out */
    float r_scene, r_px; /* the largest sizes, as in the cells */
    bool whole;     /* picked as the entity as a whole (a mesh), not by instance */
    bool transparent; /* drawn blended, after everything opaque */
    rr_gfx_buffer_t *buf;
} geo_t;

#define MAX_GEOS 2

typedef struct cache_entry {
    rr_row_cache_entry_t base; /* the chunk holding the primary component's cell, its row */
    uint64_t key2; /* which secondary cells (colours, radii, ...) it was built from */
    bool built;
    geo_t geo[MAX_GEOS];
    int n_geo;
    rr_aabb_t bounds; /* in the entity's own space */
} cache_entry_t;

typedef struct drawable {
    const geo_t *geo;
    rr_mat4_t model;     /* entity to view space */
    size_t name;         /* offset of the entity path text in names */
    const char *archetype;
} drawable_t;

struct rr_spatial3d {
    rr_gfx_renderer_t *r;
    rr_store_t *store;
    uint32_t subscription;
    rr_row_cache_t cache;
    drawable_t *draws;
    size_t n_draws, cap_draws;
    size_t n_things; /* entity and archetype pairs drawn */
    char *names; /* entity path texts of this frame's drawables */
    size_t n_names, cap_names;
    rr_mat4_t *world; /* per store entity, this frame */
    size_t cap_world;
    rr_aabb_t bounds;
    rr_vec3_t up;
    char warning[512];
    rr_entity_path_t origin;
    bool has_origin, subtree;
    rr_entity_path_t *hidden;
    size_t n_hidden;
    rr_pick_t hover, selected;
    rr_mat4_t *poses; /* the current entity's InstancePoses3D */
    size_t n_poses, cap_poses;
    rr_s3d_camera_t depth_cam; /* for the depth cloud being built */
};

/* ---------------- reading cells and building geometry (spatial3d_build.c) ---------------- */

/* A cell's instances as a packed run of width x leaf values. */
typedef struct span {
    const uint8_t *p;
    int64_t n;
} span_t;

static inline float rr_s3d_span_f(const span_t *s, int width, int64_t i, int k) {
    float f;
    memcpy(&f, s->p + ((size_t)i * (size_t)width + (size_t)k) * 4, 4);
    return f;
}

static inline int64_t rr_s3d_clamp_i(int64_t i, int64_t n) { return i < n ? i : n - 1; }

/* The cell of row as list<leaf> (width 0) or list<fixed_size_list<leaf, width>>.
 * false with *why set when the datatype or the buffers do not fit. */
bool rr_s3d_cell_span(const rr_store_row_t *row, const char *leaf, int width, span_t *out, const char **why);
/* The positions an item of g spans (1 point, 2 segment ends, 3 corners) and its radius. */
int rr_s3d_item_points(const geo_t *g, size_t i, const float *out[3], float *radius);
rr_gfx_segment_t rr_s3d_seg(rr_vec3_t a, rr_vec3_t c, float radius, uint32_t color);

typedef struct build {
    rr_spatial3d_t *v;
    const rr_entity_path_t *entity;
    const rr_store_row_t *rows;
    const bool *found;
    rr_aabb_t bounds;
    cache_entry_t *ce;
    float plane_dist; /* pinholes: the image plane distance */
    const rr_mat4_t *poses; /* InstancePoses3D, for the shapes that take them per instance */
    size_t n_poses;
} build_t;

/* Optional instance component i of b as a span (n = 0 when absent or unreadable). */
span_t rr_s3d_opt_span(build_t *b, int i, const char *leaf, int width, const char *name);
rr_vec3_t rr_s3d_span_v3(const span_t *s, int64_t i, rr_vec3_t dflt);

/* Per-instance rotations of Boxes3D and Ellipsoids3D: rotation_axis_angles
 * (a struct {axis: [f32; 3], angle: f32}) then quaternions, as Rerun's
 * PoseRotationAxisAngle and PoseRotationQuat. */
typedef struct rotations {
    const struct ArrowArray *st, *axis, *angle;
    int64_t start, len;
    span_t quats;
} rotations_t;

void rr_s3d_read_rotations(build_t *b, int i_aa, int i_q, const char *arch, rotations_t *out);
rr_mat4_t rr_s3d_rotation_at(const rotations_t *r, int64_t i);

typedef struct archetype_desc {
    int kind;
    const char *name;
    const char *const *components; /* [0] is the primary (required) one */
    size_t n;
    rr_status_t (*build)(build_t *b, rr_error_t *err);
} archetype_desc_t;

#define MAX_COMPONENTS 8
extern const archetype_desc_t rr_s3d_archetypes[];
extern const size_t rr_s3d_n_archetypes;
/* Depth clouds (VIS_DEPTH, VIS_ENCODED_DEPTH) are built in the camera
 * space of v->depth_cam. The Pinhole's (the last archetype) components. */
extern const char *const rr_s3d_pinhole_components[];
#define PINHOLE_DESC (&rr_s3d_archetypes[rr_s3d_n_archetypes - 1])

/* ---------------- spatial3d.c ---------------- */

/* Records the frame's first data problem (rr_spatial3d_warning). */
void rr_s3d_warn(rr_spatial3d_t *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
