/* Matrix and box helpers of math.h. */
#include "viewer/gfx/math.h"

#include <string.h>

rr_mat4_t rr_mat4_identity(void) {
    rr_mat4_t r = {{0}};
    r.m[0] = r.m[5] = r.m[10] = r.m[15] = 1.0f;
    return r;
}

rr_mat4_t rr_mat4_mul(const rr_mat4_t *a, const rr_mat4_t *b) {
    rr_mat4_t r;
    for (int c = 0; c < 4; c++)
        for (int row = 0; row < 4; row++) {
            float s = 0;
            for (int k = 0; k < 4; k++) s += a->m[k * 4 + row] * b->m[c * 4 + k];
            r.m[c * 4 + row] = s;
        }
    return r;
}

rr_mat4_t rr_mat4_translation(rr_vec3_t t) {
    rr_mat4_t r = rr_mat4_identity();
    r.m[12] = t.x;
    r.m[13] = t.y;
    r.m[14] = t.z;
    return r;
}

rr_mat4_t rr_mat4_scale(rr_vec3_t s) {
    rr_mat4_t r = rr_mat4_identity();
    r.m[0] = s.x;
    r.m[5] = s.y;
    r.m[10] = s.z;
    return r;
}

rr_mat4_t rr_mat4_from_quat(float x, float y, float z, float w) {
    float n = sqrtf(x * x + y * y + z * z + w * w);
    if (!(n > 0) || !isfinite(n)) return rr_mat4_identity();
    x /= n, y /= n, z /= n, w /= n;
    rr_mat4_t r = rr_mat4_identity();
    r.m[0] = 1 - 2 * (y * y + z * z);
    r.m[1] = 2 * (x * y + z * w);
    r.m[2] = 2 * (x * z - y * w);
    r.m[4] = 2 * (x * y - z * w);
    r.m[5] = 1 - 2 * (x * x + z * z);
    r.m[6] = 2 * (y * z + x * w);
    r.m[8] = 2 * (x * z + y * w);
    r.m[9] = 2 * (y * z - x * w);
    r.m[10] = 1 - 2 * (x * x + y * y);
    return r;
}

rr_mat4_t rr_mat4_axis_angle(rr_vec3_t axis, float angle) {
    float l = rr_v3_len(axis);
    if (!(l > 0) || !isfinite(angle)) return rr_mat4_identity();
    axis = rr_v3_scale(axis, 1.0f / l);
    float s = sinf(angle * 0.5f);
    return rr_mat4_from_quat(axis.x * s, axis.y * s, axis.z * s, cosf(angle * 0.5f));
}

rr_mat4_t rr_mat4_from_mat3(const float c[9]) {
    rr_mat4_t r = rr_mat4_identity();
    for (int col = 0; col < 3; col++)
        for (int row = 0; row < 3; row++) r.m[col * 4 + row] = c[col * 3 + row];
    return r;
}

bool rr_mat4_invert(const rr_mat4_t *a, rr_mat4_t *out) {
    /* Gauss-Jordan with partial pivoting on [A | I], rows of the math matrix. */
    double w[4][8];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) {
            w[r][c] = a->m[c * 4 + r];
            w[r][c + 4] = r == c;
        }
    for (int c = 0; c < 4; c++) {
        int p = c;
        for (int r = c + 1; r < 4; r++)
            if (fabs(w[r][c]) > fabs(w[p][c])) p = r;
        if (fabs(w[p][c]) < 1e-20) {
            *out = rr_mat4_identity();
            return false;
        }
        if (p != c)
            for (int k = 0; k < 8; k++) {
                double t = w[c][k];
                w[c][k] = w[p][k];
                w[p][k] = t;
            }
        double inv = 1.0 / w[c][c];
        for (int k = 0; k < 8; k++) w[c][k] *= inv;
        for (int r = 0; r < 4; r++) {
            if (r == c || w[r][c] == 0) continue;
            double f = w[r][c];
            for (int k = 0; k < 8; k++) w[r][k] -= f * w[c][k];
        }
    }
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) out->m[c * 4 + r] = (float)w[r][c + 4];
    return true;
}

rr_vec3_t rr_mat4_point(const rr_mat4_t *a, rr_vec3_t p) {
    const float *m = a->m;
    return rr_v3(m[0] * p.x + m[4] * p.y + m[8] * p.z + m[12],
                 m[1] * p.x + m[5] * p.y + m[9] * p.z + m[13],
                 m[2] * p.x + m[6] * p.y + m[10] * p.z + m[14]);
}

rr_vec3_t rr_mat4_project(const rr_mat4_t *a, rr_vec3_t p) {
    const float *m = a->m;
    rr_vec3_t q = rr_mat4_point(a, p);
    float w = m[3] * p.x + m[7] * p.y + m[11] * p.z + m[15];
    return w != 0 ? rr_v3_scale(q, 1.0f / w) : q;
}

rr_mat4_t rr_mat4_look_at(rr_vec3_t eye, rr_vec3_t target, rr_vec3_t up) {
    rr_vec3_t f = rr_v3_norm(rr_v3_sub(target, eye));
    rr_vec3_t s = rr_v3_cross(f, up);
    if (rr_v3_len(s) < 1e-6f) /* looking along up: any side vector will do */
        s = rr_v3_cross(f, fabsf(f.x) < 0.9f ? rr_v3(1, 0, 0) : rr_v3(0, 1, 0));
    s = rr_v3_norm(s);
    rr_vec3_t u = rr_v3_cross(s, f);
    rr_mat4_t r = rr_mat4_identity();
    r.m[0] = s.x, r.m[4] = s.y, r.m[8] = s.z;
    r.m[1] = u.x, r.m[5] = u.y, r.m[9] = u.z;
    r.m[2] = -f.x, r.m[6] = -f.y, r.m[10] = -f.z;
    r.m[12] = -rr_v3_dot(s, eye);
    r.m[13] = -rr_v3_dot(u, eye);
    r.m[14] = rr_v3_dot(f, eye);
    return r;
}

rr_mat4_t rr_mat4_perspective(float fovy, float aspect, float znear, float zfar) {
    float f = 1.0f / tanf(fovy * 0.5f);
    rr_mat4_t r = {{0}};
    r.m[0] = f / aspect;
    r.m[5] = f;
    r.m[10] = (zfar + znear) / (znear - zfar);
    r.m[11] = -1.0f;
    r.m[14] = 2.0f * zfar * znear / (znear - zfar);
    return r;
}

float rr_mat4_max_scale(const rr_mat4_t *a) {
    float best = 0;
    for (int c = 0; c < 3; c++) {
        float l = rr_v3_len(rr_v3(a->m[c * 4], a->m[c * 4 + 1], a->m[c * 4 + 2]));
        if (l > best) best = l;
    }
    return best;
}

void rr_aabb_add_point(rr_aabb_t *b, rr_vec3_t p) {
    if (!isfinite(p.x) || !isfinite(p.y) || !isfinite(p.z)) return;
    b->min = rr_v3(fminf(b->min.x, p.x), fminf(b->min.y, p.y), fminf(b->min.z, p.z));
    b->max = rr_v3(fmaxf(b->max.x, p.x), fmaxf(b->max.y, p.y), fmaxf(b->max.z, p.z));
}

void rr_aabb_add_box(rr_aabb_t *b, const rr_aabb_t *o) {
    if (rr_aabb_is_empty(o)) return;
    rr_aabb_add_point(b, o->min);
    rr_aabb_add_point(b, o->max);
}

rr_aabb_t rr_aabb_transform(const rr_aabb_t *b, const rr_mat4_t *m) {
    rr_aabb_t r = rr_aabb_empty();
    if (rr_aabb_is_empty(b)) return r;
    for (int i = 0; i < 8; i++) {
        rr_vec3_t p = rr_v3(i & 1 ? b->max.x : b->min.x, i & 2 ? b->max.y : b->min.y,
                            i & 4 ? b->max.z : b->min.z);
        rr_aabb_add_point(&r, rr_mat4_point(m, p));
    }
    return r;
}
