/* The orbit camera of 3D views: it circles a target point at a distance,
 * around the scene's up axis. The math a UI drives with the mouse (orbit on
 * drag, pan, zoom on scroll, reset = fit to the scene's bounds) lives here so
 * headless renders and the interactive viewer agree. */
#ifndef RR_VIEWER_GFX_CAMERA_H
#define RR_VIEWER_GFX_CAMERA_H

#include "viewer/gfx/math.h"

typedef struct rr_camera {
    rr_vec3_t target;
    float distance; /* eye to target, > 0 */
    float yaw;      /* radians about up, 0 looks along +forward0 */
    float pitch;    /* radians above the horizon, kept inside (-pi/2, pi/2) */
    rr_vec3_t up;   /* the scene's up axis (unit) */
    float fovy;     /* vertical field of view, radians */
} rr_camera_t;

/* Up +Z, target at the origin, a default eye direction. */
void rr_camera_init(rr_camera_t *c);
/* Sets the up axis (normalised; ignored when zero) keeping the rest. */
void rr_camera_set_up(rr_camera_t *c, rr_vec3_t up);
/* Looks at the box's centre from far enough to see all of it from the
 * default direction (an empty box: the unit cube around the origin). */
void rr_camera_fit(rr_camera_t *c, const rr_aabb_t *bounds);
/* The same for a viewport of this aspect (width / height): a tall one fits
 * the bounds across its width. */
void rr_camera_fit_aspect(rr_camera_t *c, const rr_aabb_t *bounds, float aspect);
/* Rotates around the target (radians). */
void rr_camera_orbit(rr_camera_t *c, float dyaw, float dpitch);
/* Moves target and eye in the view plane by a drag of (dx, dy) pixels in a
 * viewport height_px tall, so the point under the cursor follows it. */
void rr_camera_pan(rr_camera_t *c, float dx, float dy, float height_px);
/* Multiplies the distance (factor < 1 zooms in). */
void rr_camera_zoom(rr_camera_t *c, float factor);

rr_vec3_t rr_camera_eye(const rr_camera_t *c);
rr_mat4_t rr_camera_view(const rr_camera_t *c);
/* Perspective for a viewport of this aspect; near/far follow the distance
 * and scene_radius (the bounds' half diagonal, 0 when unknown). */
rr_mat4_t rr_camera_projection(const rr_camera_t *c, float aspect, float scene_radius);

#endif
