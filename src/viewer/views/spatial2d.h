/* The Spatial 2D view: what a recording's store holds of Image,
 * EncodedImage (PNG, JPEG), DepthImage, EncodedDepthImage (PNG; not RVL),
 * SegmentationImage, Points2D (with keypoints), Arrows2D, LineStrips2D,
 * Boxes2D and Ellipses2D at one time, in the 2D space of the view's origin
 * (its subtree; entities behind a deeper Pinhole belong to another space and
 * are left out), drawn back to front by draw order with Rerun 0.33's
 * semantics (re_view_spatial): default draw orders (depth image -20, image
 * -10, segmentation 0, boxes and ellipses 10, lines and arrows 20, points
 * 30), default radii of 1.5 UI points, per-entity automatic colours, image
 * value ranges by the channel type and the data, depth through a colormap
 * (Turbo by default) over [0, max] unless a depth range is given,
 * segmentation class ids and keypoints through the nearest
 * AnnotationContext (else automatic class colours), default opacities (0.5
 * for colour images over depth images and for segmentation over other
 * images, else 1), hover and selection outlines as the 3D view's.
 *
 * Transform3D along the path from the origin (exclusive) to an entity
 * places it, as in the 3D view (only x and y count here).
 *
 * Its own 2D camera, y down as image coordinates: the content's bounds (a
 * Pinhole's resolution at the origin when there is one) fit the target,
 * letterboxed with the aspect kept, until the user pans or zooms; reset
 * fits again.
 *
 * Images are converted to RGBA once per store row and kept as GL textures
 * (the other archetypes as GPU buffers) per chunk, released when the
 * store drops or compacts that chunk, or when the cache passes its GPU
 * budget (least recently drawn first). Images larger than the GL limit (at
 * most 8192 pixels a side) are downscaled, with a warning. Labels are not
 * drawn here (text belongs to the UI toolkit): the view lists them, placed
 * for a target, for the shell to draw over it (rr_spatial2d_label).
 *
 * Ownership: the view borrows the renderer and the store (both must outlive
 * it) and subscribes to the store's events until freed. Needs the
 * renderer's GL context current in every call but _pick, _pan, _zoom,
 * _reset_view, _visible_rect, _set_highlight, _set_hidden, _label and
 * _pixel. */
#ifndef RR_VIEWER_VIEWS_SPATIAL2D_H
#define RR_VIEWER_VIEWS_SPATIAL2D_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "model/entity_path.h"
#include "store/store.h"
#include "viewer/gfx/renderer.h"
#include "viewer/views/pick.h"

typedef struct rr_spatial2d rr_spatial2d_t;

/* origin: the view's space (copied; NULL: the root "/"). */
rr_status_t rr_spatial2d_new(rr_gfx_renderer_t *r, rr_store_t *store,
                             const rr_entity_path_t *origin, rr_spatial2d_t **out,
                             rr_error_t *err);
void rr_spatial2d_free(rr_spatial2d_t *v); /* NULL-safe */

/* Queries the store at time t on timeline (NULL: static data only) and
 * builds the frame's draw list, converting and uploading what is not cached
 * yet. Bad data at an entity (a buffer shorter than its format says, a
 * corrupt PNG) skips that entity and is reported by rr_spatial2d_warning;
 * the status is for failures of the view itself (out of memory, GL). */
rr_status_t rr_spatial2d_prepare(rr_spatial2d_t *v, const char *timeline, int64_t t,
                                 rr_error_t *err);
/* Renders the prepared frame into target (camera fitted to its size unless
 * the user moved it). */
rr_status_t rr_spatial2d_draw(rr_spatial2d_t *v, rr_gfx_target_t *target, rr_error_t *err);

/* Camera, for a target of w x h pixels: pan by (dx, dy) pixels; zoom by
 * factor (> 1: closer) keeping the scene point under pixel (px, py) fixed;
 * reset to fitting the content again. */
void rr_spatial2d_pan(rr_spatial2d_t *v, int w, int h, float dx, float dy);
void rr_spatial2d_zoom(rr_spatial2d_t *v, int w, int h, float factor, float px, float py);
void rr_spatial2d_reset_view(rr_spatial2d_t *v);
/* The scene rectangle (x0, y0, x1, y1) the camera shows in a w x h target. */
void rr_spatial2d_visible_rect(rr_spatial2d_t *v, int w, int h, float out[4]);
/* The bounds of what the last prepare found (x0, y0, x1, y1); false when
 * nothing. */
bool rr_spatial2d_bounds(const rr_spatial2d_t *v, float out[4]);

/* The labels of the last prepare (Points2D, LineStrips2D, Boxes2D,
 * Ellipses2D, Arrows2D), by
 * Rerun's rules: shown when ShowLabels says so, else when an entity has a
 * single label or fewer than 30 instances; an instance without a label of
 * its own takes its class's from the AnnotationContext. */
typedef struct rr_spatial2d_label {
    const char *text;   /* valid until the next prepare */
    const char *entity; /* likewise, "/points" */
    uint64_t instance;  /* RR_PICK_ALL_INSTANCES: one label for the whole entity */
    uint32_t color;     /* the instance's colour, 0xRRGGBBAA (Rerun fills the label's
                           background with it) */
    float x, y;         /* the anchor in target pixels: the text's top centre goes 5 pixels below */
    float wrap_width;   /* box labels wrap to this many pixels; 0: no wrapping */
} rr_spatial2d_label_t;
size_t rr_spatial2d_num_labels(const rr_spatial2d_t *v);
/* Label i placed for a w x h target under the current camera. */
bool rr_spatial2d_label(rr_spatial2d_t *v, size_t i, int w, int h, rr_spatial2d_label_t *out);

/* The value of pixel (x, y) of the raw image (Image, DepthImage,
 * SegmentationImage) at entity (text, "/image") at the last prepare's time,
 * for hover readouts: channels as stored (YUV formats: the RGB shown),
 * depth also in meters (DepthImage:meter, else Rerun's fallback of 1000 for
 * integer and 1 for float images). false when there is no such pixel
 * (EncodedImage included: its pixels exist only on the GPU). */
typedef enum rr_spatial2d_pixel_kind {
    RR_SPATIAL2D_PIXEL_COLOR = 1,
    RR_SPATIAL2D_PIXEL_DEPTH,
    RR_SPATIAL2D_PIXEL_CLASS, /* value[0] is the class id */
} rr_spatial2d_pixel_kind_t;
typedef struct rr_spatial2d_pixel {
    rr_spatial2d_pixel_kind_t kind;
    int channels;
    double value[4];
    double meters;
    uint32_t width, height; /* of the image */
} rr_spatial2d_pixel_t;
bool rr_spatial2d_pixel(rr_spatial2d_t *v, const char *entity, uint32_t x, uint32_t y,
                        rr_spatial2d_pixel_t *out);

/* Things drawn by the last prepare (one per entity and archetype). */
size_t rr_spatial2d_num_drawables(const rr_spatial2d_t *v);
/* The first data problem met by the last prepare, or NULL. */
const char *rr_spatial2d_warning(const rr_spatial2d_t *v);
/* Cached entries alive (for tests). */
size_t rr_spatial2d_cache_size(const rr_spatial2d_t *v);

/* GPU memory the cache may hold: past it, prepare releases the textures
 * and buffers drawn least recently (not the frame's own). */
#define RR_SPATIAL2D_DEFAULT_GPU_BUDGET ((size_t)512 << 20)
void rr_spatial2d_set_gpu_budget(rr_spatial2d_t *v, size_t bytes);
size_t rr_spatial2d_gpu_bytes(const rr_spatial2d_t *v); /* held now */

/* What is under pixel (px, py) (top-left origin) of a w x h target, topmost
 * first by draw order: a point, line strip or box instance (world = the hit
 * position in the view's space), or an image (instance
 * RR_PICK_ALL_INSTANCES, world = the hit position in the image's pixels, so
 * floor(world) is the pixel whatever the image's transform). false
 * (out->hit false) when nothing. */
bool rr_spatial2d_pick(rr_spatial2d_t *v, int w, int h, float px, float py, rr_pick_t *out);
/* Outlines what hover and selected name (either may be NULL) from the next
 * draw on. */
void rr_spatial2d_set_highlight(rr_spatial2d_t *v, const rr_pick_t *hover,
                                const rr_pick_t *selected);
/* Entity paths as text ("/image") the user hid, with their subtrees; copied.
 * Takes effect at the next prepare. */
rr_status_t rr_spatial2d_set_hidden(rr_spatial2d_t *v, const char *const *entities, size_t n,
                                    rr_error_t *err);

#endif
