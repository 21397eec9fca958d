/* Orbit camera math (camera.h). Angles are measured in a frame built from
 * the up axis, so any ViewCoordinates up (+Y, -Z, ...) orbits naturally. */
#include "viewer/gfx/camera.h"

#define RR_PI 3.14159265358979f
#define PITCH_LIMIT (0.5f * RR_PI - 0.01f)

/* Two unit vectors spanning the plane perpendicular to up. */
static void horizon_basis(rr_vec3_t up, rr_vec3_t *fwd0, rr_vec3_t *side0) {
    /* z-up: the eye starts on the -Y side; other ups: on the +Z side. */
    rr_vec3_t ref = fabsf(up.z) >= 0.9f ? rr_v3(0, -1, 0) : rr_v3(0, 0, 1);
    rr_vec3_t f = rr_v3_sub(ref, rr_v3_scale(up, rr_v3_dot(ref, up)));
    *fwd0 = rr_v3_norm(f);
    *side0 = rr_v3_cross(up, *fwd0);
}

void rr_camera_init(rr_camera_t *c) {
    c->target = rr_v3(0, 0, 0);
    c->distance = 5.0f;
    c->yaw = -0.6f;
    c->pitch = 0.45f;
    c->up = rr_v3(0, 0, 1);
    c->fovy = 55.0f * RR_PI / 180.0f;
}

void rr_camera_set_up(rr_camera_t *c, rr_vec3_t up) {
    if (rr_v3_len(up) > 0) c->up = rr_v3_norm(up);
}

void rr_camera_fit(rr_camera_t *c, const rr_aabb_t *bounds) { rr_camera_fit_aspect(c, bounds, 1.0f); }

void rr_camera_fit_aspect(rr_camera_t *c, const rr_aabb_t *bounds, float aspect) {
    rr_aabb_t b = *bounds;
    if (rr_aabb_is_empty(&b)) b = (rr_aabb_t){{-1, -1, -1}, {1, 1, 1}};
    c->target = rr_v3_scale(rr_v3_add(b.min, b.max), 0.5f);
    float radius = 0.5f * rr_v3_len(rr_v3_sub(b.max, b.min));
    if (!(radius > 1e-6f)) radius = 1.0f;
    /* A sphere of that radius fits the narrower of the two fields of view
     * (the horizontal one in a viewport taller than wide). */
    float half = 0.5f * c->fovy;
    if (aspect > 0 && aspect < 1) half = atanf(tanf(half) * aspect);
    c->distance = radius / sinf(half) * 1.05f;
    c->yaw = -0.6f;
    c->pitch = 0.45f;
}

void rr_camera_orbit(rr_camera_t *c, float dyaw, float dpitch) {
    c->yaw = fmodf(c->yaw + dyaw, 2.0f * RR_PI);
    c->pitch += dpitch;
    if (c->pitch > PITCH_LIMIT) c->pitch = PITCH_LIMIT;
    if (c->pitch < -PITCH_LIMIT) c->pitch = -PITCH_LIMIT;
}

rr_vec3_t rr_camera_eye(const rr_camera_t *c) {
    rr_vec3_t f0, s0;
    horizon_basis(c->up, &f0, &s0);
    rr_vec3_t horiz = rr_v3_add(rr_v3_scale(f0, cosf(c->yaw)), rr_v3_scale(s0, sinf(c->yaw)));
    rr_vec3_t dir = rr_v3_add(rr_v3_scale(horiz, cosf(c->pitch)), rr_v3_scale(c->up, sinf(c->pitch)));
    return rr_v3_add(c->target, rr_v3_scale(dir, c->distance));
}

void rr_camera_pan(rr_camera_t *c, float dx, float dy, float height_px) {
    if (!(height_px > 0)) return;
    rr_mat4_t v = rr_camera_view(c);
    rr_vec3_t right = rr_v3(v.m[0], v.m[4], v.m[8]);
    rr_vec3_t upv = rr_v3(v.m[1], v.m[5], v.m[9]);
    float world_per_px = 2.0f * c->distance * tanf(0.5f * c->fovy) / height_px;
    rr_vec3_t d = rr_v3_add(rr_v3_scale(right, -dx * world_per_px), rr_v3_scale(upv, dy * world_per_px));
    c->target = rr_v3_add(c->target, d);
}

void rr_camera_zoom(rr_camera_t *c, float factor) {
    if (!(factor > 0) || !isfinite(factor)) return;
    c->distance *= factor;
    if (c->distance < 1e-5f) c->distance = 1e-5f;
    if (c->distance > 1e9f) c->distance = 1e9f;
}

rr_mat4_t rr_camera_view(const rr_camera_t *c) {
    return rr_mat4_look_at(rr_camera_eye(c), c->target, c->up);
}

rr_mat4_t rr_camera_projection(const rr_camera_t *c, float aspect, float scene_radius) {
    float reach = c->distance + (scene_radius > 0 ? scene_radius * 2.0f : c->distance);
    float znear = c->distance * 0.01f;
    if (scene_radius > 0 && znear > scene_radius * 0.01f) znear = scene_radius * 0.01f;
    if (znear < 1e-6f) znear = 1e-6f;
    return rr_mat4_perspective(c->fovy, aspect > 0 ? aspect : 1.0f, znear, reach * 4.0f);
}
