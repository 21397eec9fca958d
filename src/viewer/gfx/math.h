/* Small 3D math for the viewer: vectors, column-major 4x4 matrices (the
 * layout GL uniforms take), quaternions and axis-aligned boxes. Values, no
 * allocation. */
#ifndef RR_VIEWER_GFX_MATH_H
#define RR_VIEWER_GFX_MATH_H

#include <math.h>
#include <stdbool.h>

typedef struct rr_vec3 {
    float x, y, z;
} rr_vec3_t;

/* m[col * 4 + row], as glUniformMatrix4fv with transpose = GL_FALSE. */
typedef struct rr_mat4 {
    float m[16];
} rr_mat4_t;

typedef struct rr_aabb {
    rr_vec3_t min, max; /* empty when min.x > max.x */
} rr_aabb_t;

static inline rr_vec3_t rr_v3(float x, float y, float z) { return (rr_vec3_t){x, y, z}; }
static inline rr_vec3_t rr_v3_add(rr_vec3_t a, rr_vec3_t b) { return rr_v3(a.x + b.x, a.y + b.y, a.z + b.z); }
static inline rr_vec3_t rr_v3_sub(rr_vec3_t a, rr_vec3_t b) { return rr_v3(a.x - b.x, a.y - b.y, a.z - b.z); }
static inline rr_vec3_t rr_v3_scale(rr_vec3_t a, float s) { return rr_v3(a.x * s, a.y * s, a.z * s); }
static inline float rr_v3_dot(rr_vec3_t a, rr_vec3_t b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static inline rr_vec3_t rr_v3_cross(rr_vec3_t a, rr_vec3_t b) {
    return rr_v3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}
static inline float rr_v3_len(rr_vec3_t a) { return sqrtf(rr_v3_dot(a, a)); }
static inline rr_vec3_t rr_v3_norm(rr_vec3_t a) {
    float l = rr_v3_len(a);
    return l > 0 ? rr_v3_scale(a, 1.0f / l) : a;
}

rr_mat4_t rr_mat4_identity(void);
rr_mat4_t rr_mat4_mul(const rr_mat4_t *a, const rr_mat4_t *b); /* a * b */
rr_mat4_t rr_mat4_translation(rr_vec3_t t);
rr_mat4_t rr_mat4_scale(rr_vec3_t s);
/* Rotation by a unit quaternion (x, y, z, w); normalised here, identity when
 * it has zero length. */
rr_mat4_t rr_mat4_from_quat(float x, float y, float z, float w);
/* Rotation of angle radians about axis (normalised here; identity for a zero axis). */
rr_mat4_t rr_mat4_axis_angle(rr_vec3_t axis, float angle);
/* From a column-major 3x3 matrix (Rerun's Mat3x3 layout). */
rr_mat4_t rr_mat4_from_mat3(const float c[9]);
/* General inverse; false (and *out identity) when singular. */
bool rr_mat4_invert(const rr_mat4_t *a, rr_mat4_t *out);
rr_vec3_t rr_mat4_point(const rr_mat4_t *a, rr_vec3_t p); /* affine: w = 1, no divide */
/* Projection with perspective divide (clip -> NDC). */
rr_vec3_t rr_mat4_project(const rr_mat4_t *a, rr_vec3_t p);
rr_mat4_t rr_mat4_look_at(rr_vec3_t eye, rr_vec3_t target, rr_vec3_t up);
/* OpenGL-style perspective (NDC z in [-1, 1]); fovy in radians. */
rr_mat4_t rr_mat4_perspective(float fovy, float aspect, float znear, float zfar);
/* Largest scale factor of the upper 3x3 (for radii given in scene units). */
float rr_mat4_max_scale(const rr_mat4_t *a);

static inline rr_aabb_t rr_aabb_empty(void) {
    return (rr_aabb_t){{INFINITY, INFINITY, INFINITY}, {-INFINITY, -INFINITY, -INFINITY}};
}
static inline bool rr_aabb_is_empty(const rr_aabb_t *b) { return !(b->min.x <= b->max.x); }
void rr_aabb_add_point(rr_aabb_t *b, rr_vec3_t p);
void rr_aabb_add_box(rr_aabb_t *b, const rr_aabb_t *o);
/* The box of the 8 corners of b under m. */
rr_aabb_t rr_aabb_transform(const rr_aabb_t *b, const rr_mat4_t *m);

#endif
