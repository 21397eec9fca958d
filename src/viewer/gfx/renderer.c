/* The GLES3 renderer (renderer.h): three shader programs, instanced draws,
 * framebuffer targets with optional MSAA. GLSL ES 3.00 only, so WebGL 2
 * takes the same shaders. */
#include "viewer/gfx/renderer.h"
#include "viewer/gfx/shader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/gfx/gl.h"

enum buffer_kind { BUF_POINTS = 1, BUF_LINES, BUF_MESH, BUF_ARROWS };
#define N_STREAMS 4 /* one transient VAO per kind: each keeps its own attributes enabled */

struct rr_gfx_buffer {
    enum buffer_kind kind;
    GLuint vao, vbo, ibo;
    size_t count; /* instances (points, segments) or indices/vertices (mesh) */
    bool indexed;
    bool sprites; /* points drawn as GL points (one vertex each), see points_upload */
    bool tiny;    /* ...all of them small enough to skip the sphere depth, see tiny_fs */
    size_t bytes;
};

struct rr_gfx_target {
    rr_gfx_renderer_t *r;
    int w, h, samples;
    GLuint fbo, color_rb, depth_rb;   /* what we draw into (multisampled or not) */
    GLuint resolve_fbo, resolve_tex;  /* the finished frame as a texture (views are composited from it) */
};

typedef struct program {
    GLuint id;
    GLint u_model_view, u_proj, u_viewport, u_radius_scale, u_near, u_grow_px, u_tint;
} program_t;

struct rr_gfx_renderer {
    program_t points, sprites, tiny, tiny_msaa, lines, mesh, arrows;
    GLuint stream_vao[N_STREAMS], stream_vbo[N_STREAMS]; /* transient geometry, by kind - 1 */
    size_t stream_cap[N_STREAMS];
    rr_gfx_style_t style;
    char name[256], version[256];
    GLint max_samples;
    float max_point_size;
    rr_gfx_stats_t stats;
    /* The frame being drawn. */
    rr_gfx_target_t *target;
    rr_mat4_t view, proj;
    float near_plane;
};

/* ---------------- shaders ---------------- */

/* Size of one pixel in view units at view depth z (negative in front). */
#define GLSL_COMMON                                                              \
    "#version 300 es\n"                                                          \
    "precision highp float;\n"                                                   \
    "uniform mat4 u_model_view;\n"                                               \
    "uniform mat4 u_proj;\n"                                                     \
    "uniform vec2 u_viewport;\n"                                                 \
    "uniform float u_radius_scale;\n"                                            \
    "uniform float u_near;\n"                                                    \
    "uniform float u_grow_px;\n"                                                 \
    "uniform vec4 u_tint;\n"                                                     \
    "vec4 tinted(vec4 c) { return vec4(mix(c.rgb, u_tint.rgb, u_tint.a), c.a); }\n" \
    "float px_size(float z) {\n"                                                 \
    "  float persp = u_proj[2][3] != 0.0 ? max(-z, 1e-6) : 1.0;\n"               \
    "  return 2.0 * persp / (u_proj[1][1] * u_viewport.y);\n"                    \
    "}\n"                                                                        \
    "float view_radius(float r, float z) {\n"                                    \
    "  return r < 0.0 ? -r * px_size(z) : r * u_radius_scale;\n"                 \
    "}\n"                                                                        \
    "vec4 unpack_rgba(vec4 abgr) { return abgr.wzyx; }\n"

static const char *points_vs =
    GLSL_COMMON
    "layout(location = 0) in vec3 a_pos;\n"
    "layout(location = 1) in float a_radius;\n"
    "layout(location = 2) in vec4 a_color;\n"
    "out vec2 v_uv;\n"
    "out vec3 v_view;\n"
    "flat out vec4 v_color;\n"
    "flat out float v_radius;\n"
    "flat out float v_radius_px;\n"
    "void main() {\n"
    "  vec2 corner = vec2((gl_VertexID & 1) == 0 ? -1.0 : 1.0, (gl_VertexID & 2) == 0 ? -1.0 : 1.0);\n"
    "  vec4 c = u_model_view * vec4(a_pos, 1.0);\n"
    "  float r = view_radius(a_radius, c.z) + u_grow_px * px_size(c.z);\n"
    "  v_radius = r;\n"
    "  v_radius_px = r / px_size(c.z);\n"
    /* Half a pixel of slack keeps tiny points visible and the rim smooth. */
    "  float rq = r + 0.5 * px_size(c.z);\n"
    "  v_uv = corner * rq / max(r, 1e-20);\n"
    "  v_view = c.xyz + vec3(corner * rq, 0.0);\n"
    "  v_color = tinted(unpack_rgba(a_color));\n"
    "  gl_Position = u_proj * vec4(v_view, 1.0);\n"
    "}\n";

static const char *points_fs =
    GLSL_COMMON
    "in vec2 v_uv;\n"
    "in vec3 v_view;\n"
    "flat in vec4 v_color;\n"
    "flat in float v_radius;\n"
    "flat in float v_radius_px;\n"
    "out vec4 o_color;\n"
    "void main() {\n"
    "  float d2 = dot(v_uv, v_uv);\n"
    "  float d = sqrt(d2);\n"
    "  float cover = clamp((1.0 - d) * v_radius_px + 0.5, 0.0, 1.0);\n"
    "  if (cover <= 0.0) discard;\n"
    /* The depth of the sphere's front surface at this fragment. */
    "  vec3 p = vec3(v_view.xy, v_view.z + sqrt(max(1.0 - d2, 0.0)) * v_radius);\n"
    "  vec4 clip = u_proj * vec4(p, 1.0);\n"
    "  gl_FragDepth = clamp(clip.z / clip.w * 0.5 + 0.5, 0.0, 1.0);\n"
    "  o_color = vec4(v_color.rgb, cover);\n"
    "}\n";

/* Points whose radius is in UI points have a known size on screen: they go
 * as GL points, one vertex each instead of a four-vertex quad, which is what
 * software rasterisers (llvmpipe: vertex work is single-threaded) need for
 * millions of points. Same disc, same sphere depth. */
static const char *sprites_vs =
    GLSL_COMMON
    "layout(location = 0) in vec3 a_pos;\n"
    "layout(location = 1) in float a_radius;\n"
    "layout(location = 2) in vec4 a_color;\n"
    "flat out vec3 v_center;\n"
    "flat out vec4 v_color;\n"
    "flat out float v_radius;\n"
    "flat out float v_radius_px;\n"
    "void main() {\n"
    "  vec4 c = u_model_view * vec4(a_pos, 1.0);\n"
    "  float r = view_radius(a_radius, c.z) + u_grow_px * px_size(c.z);\n"
    "  v_radius = r;\n"
    "  v_radius_px = r / px_size(c.z);\n"
    "  v_center = c.xyz;\n"
    "  v_color = tinted(unpack_rgba(a_color));\n"
    "  gl_PointSize = 2.0 * v_radius_px + 1.0;\n"
    "  gl_Position = u_proj * c;\n"
    "}\n";

static const char *sprites_fs =
    GLSL_COMMON
    "flat in vec3 v_center;\n"
    "flat in vec4 v_color;\n"
    "flat in float v_radius;\n"
    "flat in float v_radius_px;\n"
    "out vec4 o_color;\n"
    "void main() {\n"
    "  vec2 uv = vec2(gl_PointCoord.x * 2.0 - 1.0, 1.0 - gl_PointCoord.y * 2.0)\n"
    "            * (v_radius_px + 0.5) / max(v_radius_px, 1e-6);\n"
    "  float d2 = dot(uv, uv);\n"
    "  float cover = clamp((1.0 - sqrt(d2)) * v_radius_px + 0.5, 0.0, 1.0);\n"
    "  if (cover <= 0.0) discard;\n"
    "  vec3 p = v_center + vec3(uv * v_radius, sqrt(max(1.0 - d2, 0.0)) * v_radius);\n"
    "  vec4 clip = u_proj * vec4(p, 1.0);\n"
    "  gl_FragDepth = clamp(clip.z / clip.w * 0.5 + 0.5, 0.0, 1.0);\n"
    "  o_color = vec4(v_color.rgb, cover);\n"
    "}\n";

/* Discs at most TINY_RADIUS_PX across on screen keep the depth of their
 * centre: the sphere's bulge is under a pixel of depth there, and a shader
 * that writes gl_FragDepth costs llvmpipe its early depth test and a
 * per-fragment projection (the fragment work is most of a frame of a
 * million points). */
#define TINY_RADIUS_PX 2.0f
/* One flat varying (llvmpipe sets every varying up per primitive, and with
 * a million primitives that setup is the frame): the colour with the
 * radius in pixels in place of alpha. */
static const char *tiny_vs =
    GLSL_COMMON
    "layout(location = 0) in vec3 a_pos;\n"
    "layout(location = 1) in float a_radius;\n"
    "layout(location = 2) in vec4 a_color;\n"
    "flat out vec4 v_color_r;\n"
    "void main() {\n"
    "  vec4 c = u_model_view * vec4(a_pos, 1.0);\n"
    "  float rpx = -a_radius + u_grow_px;\n"
    "  v_color_r = vec4(tinted(unpack_rgba(a_color)).rgb, rpx);\n"
    "  gl_PointSize = 2.0 * rpx + 1.0;\n"
    "  gl_Position = u_proj * c;\n"
    "}\n";

#define TINY_FS(DISCARD)                                               \
    GLSL_COMMON                                                        \
    "flat in vec4 v_color_r;\n"                                        \
    "out vec4 o_color;\n"                                              \
    "void main() {\n"                                                  \
    "  float rpx = v_color_r.a;\n"                                     \
    "  vec2 uv = (gl_PointCoord * 2.0 - 1.0) * (rpx + 0.5);\n"         \
    "  float cover = clamp(rpx - length(uv) + 0.5, 0.0, 1.0);\n"       \
    DISCARD                                                            \
    "  o_color = vec4(v_color_r.rgb, cover);\n"                        \
    "}\n"
static const char *tiny_fs = TINY_FS("  if (cover <= 0.0) discard;\n");
/* With MSAA, alpha to coverage already writes no sample where the cover
 * is 0, and a shader without discard runs a tenth faster on llvmpipe. */
static const char *tiny_msaa_fs = TINY_FS("");

static const char *lines_vs =
    GLSL_COMMON
    "layout(location = 0) in vec3 a_p0;\n"
    "layout(location = 1) in vec3 a_p1;\n"
    "layout(location = 2) in float a_radius;\n"
    "layout(location = 3) in vec4 a_color;\n"
    "flat out vec4 v_color;\n"
    "void main() {\n"
    "  vec4 a = u_model_view * vec4(a_p0, 1.0);\n"
    "  vec4 b = u_model_view * vec4(a_p1, 1.0);\n"
    "  float lim = -u_near * 1.001;\n"
    "  v_color = tinted(unpack_rgba(a_color));\n"
    "  if (a.z > lim && b.z > lim) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); return; }\n"
    /* Clip the segment at the near plane so both ends project. */
    "  if (a.z > lim) a = mix(a, b, (a.z - lim) / (a.z - b.z));\n"
    "  if (b.z > lim) b = mix(b, a, (b.z - lim) / (b.z - a.z));\n"
    "  bool at_b = (gl_VertexID & 1) == 1;\n"
    "  float side = (gl_VertexID & 2) == 0 ? -1.0 : 1.0;\n"
    "  vec4 ca = u_proj * a, cb = u_proj * b;\n"
    "  vec2 sa = ca.xy / ca.w * u_viewport * 0.5, sb = cb.xy / cb.w * u_viewport * 0.5;\n"
    "  vec2 dir = sb - sa;\n"
    "  dir = length(dir) > 1e-6 ? normalize(dir) : vec2(1.0, 0.0);\n"
    "  vec2 nrm = vec2(-dir.y, dir.x);\n"
    "  vec4 me = at_b ? b : a;\n"
    "  vec4 cm = at_b ? cb : ca;\n"
    "  float rpx = max(view_radius(a_radius, me.z) / px_size(me.z), 0.5) + u_grow_px;\n"
    "  vec2 off = (nrm * side + dir * (at_b ? 1.0 : -1.0)) * rpx;\n"
    "  cm.xy += off / (u_viewport * 0.5) * cm.w;\n"
    "  gl_Position = cm;\n"
    "}\n";

static const char *lines_fs =
    GLSL_COMMON
    "flat in vec4 v_color;\n"
    "out vec4 o_color;\n"
    "void main() { o_color = vec4(v_color.rgb, 1.0); }\n";

/* Nine vertices per arrow: the shaft's two triangles from the origin to the
 * head's base, then the head. Built in pixels like the lines; the head is
 * never longer than the arrow on screen. */
static const char *arrows_vs =
    GLSL_COMMON
    "layout(location = 0) in vec3 a_p0;\n"
    "layout(location = 1) in vec3 a_p1;\n"
    "layout(location = 2) in float a_radius;\n"
    "layout(location = 3) in vec4 a_color;\n"
    "flat out vec4 v_color;\n"
    "void main() {\n"
    "  vec4 a = u_model_view * vec4(a_p0, 1.0);\n"
    "  vec4 b = u_model_view * vec4(a_p1, 1.0);\n"
    "  float lim = -u_near * 1.001;\n"
    "  v_color = tinted(unpack_rgba(a_color));\n"
    "  if (a.z > lim && b.z > lim) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); return; }\n"
    "  if (a.z > lim) a = mix(a, b, (a.z - lim) / (a.z - b.z));\n"
    "  if (b.z > lim) b = mix(b, a, (b.z - lim) / (b.z - a.z));\n"
    "  vec4 ca = u_proj * a, cb = u_proj * b;\n"
    "  vec3 na = ca.xyz / ca.w, nb = cb.xyz / cb.w;\n"
    "  vec2 half_vp = u_viewport * 0.5;\n"
    "  vec2 sa = na.xy * half_vp, sb = nb.xy * half_vp;\n"
    "  float len = length(sb - sa);\n"
    "  vec2 dir = len > 1e-6 ? (sb - sa) / len : vec2(1.0, 0.0);\n"
    "  vec2 nrm = vec2(-dir.y, dir.x);\n"
    "  float ra = max(view_radius(a_radius, a.z) / px_size(a.z), 0.5) + u_grow_px;\n"
    "  float rb = max(view_radius(a_radius, b.z) / px_size(b.z), 0.5) + u_grow_px;\n"
    "  float head = min(4.0 * rb, len);\n"
    "  float f = len > 1e-6 ? 1.0 - head / len : 0.0;\n"
    "  vec2 sbase = mix(sa, sb, f);\n"
    "  float zbase = mix(na.z, nb.z, f);\n"
    "  int v = gl_VertexID;\n"
    "  vec2 s; float z;\n"
    "  if (v < 6) {\n"
    "    const int at_end[6] = int[6](0, 0, 1, 0, 1, 1);\n"
    "    const float side[6] = float[6](-1.0, 1.0, -1.0, 1.0, 1.0, -1.0);\n"
    "    bool e = at_end[v] == 1;\n"
    "    s = (e ? sbase : sa) + nrm * side[v] * (e ? rb : ra);\n"
    "    z = e ? zbase : na.z;\n"
    "  } else if (v < 8) {\n"
    "    s = sbase + nrm * (v == 6 ? -2.0 : 2.0) * rb;\n"
    "    z = zbase;\n"
    "  } else {\n"
    "    s = sb + dir * u_grow_px * 2.0;\n"
    "    z = nb.z;\n"
    "  }\n"
    "  gl_Position = vec4(s / half_vp, z, 1.0);\n"
    "}\n";

static const char *mesh_vs =
    GLSL_COMMON
    "layout(location = 0) in vec3 a_pos;\n"
    "layout(location = 1) in vec3 a_normal;\n"
    "layout(location = 2) in vec4 a_color;\n"
    "out vec3 v_view;\n"
    "out vec3 v_normal;\n"
    "out vec4 v_color;\n"
    "void main() {\n"
    "  vec4 c = u_model_view * vec4(a_pos, 1.0);\n"
    "  v_view = c.xyz;\n"
    "  v_normal = mat3(u_model_view) * a_normal;\n"
    "  v_color = unpack_rgba(a_color);\n"
    "  gl_Position = u_proj * c;\n"
    "}\n";

static const char *mesh_fs =
    GLSL_COMMON
    "in vec3 v_view;\n"
    "in vec3 v_normal;\n"
    "in vec4 v_color;\n"
    "out vec4 o_color;\n"
    "void main() {\n"
    "  vec3 n = length(v_normal) > 1e-6 ? normalize(v_normal)\n"
    "                                   : normalize(cross(dFdx(v_view), dFdy(v_view)));\n"
    /* A headlight, two-sided: faces toward the eye are brightest. */
    "  float l = abs(dot(n, normalize(-v_view)));\n"
    /* Alpha only counts when blending (transparent fills). */
    "  o_color = vec4(mix(v_color.rgb * (0.3 + 0.7 * l), u_tint.rgb, u_tint.a), v_color.a);\n"
    "}\n";

static rr_status_t link(program_t *p, const char *vs, const char *fs, const char *what,
                        rr_error_t *err) {
    RR_TRY(rr_gfx_program_build(vs, fs, what, &p->id, err));
    p->u_model_view = glGetUniformLocation(p->id, "u_model_view");
    p->u_proj = glGetUniformLocation(p->id, "u_proj");
    p->u_viewport = glGetUniformLocation(p->id, "u_viewport");
    p->u_radius_scale = glGetUniformLocation(p->id, "u_radius_scale");
    p->u_near = glGetUniformLocation(p->id, "u_near");
    p->u_grow_px = glGetUniformLocation(p->id, "u_grow_px");
    p->u_tint = glGetUniformLocation(p->id, "u_tint");
    return RR_OK;
}

static void copy_gl_string(char *dst, size_t cap, GLenum name) {
    const GLubyte *s = glGetString(name);
    snprintf(dst, cap, "%s", s ? (const char *)s : "(unknown)");
}

rr_status_t rr_gfx_renderer_new(rr_gfx_renderer_t **out, rr_error_t *err) {
    *out = NULL;
    rr_gfx_renderer_t *r = calloc(1, sizeof *r);
    if (!r) return rr_error_set(err, RR_ERR_NOMEM, "gfx: out of memory");
    copy_gl_string(r->name, sizeof r->name, GL_RENDERER);
    copy_gl_string(r->version, sizeof r->version, GL_VERSION);
    glGetIntegerv(GL_MAX_SAMPLES, &r->max_samples);
    GLfloat range[2] = {1, 1};
    glGetFloatv(GL_ALIASED_POINT_SIZE_RANGE, range);
    r->max_point_size = range[1];
    rr_status_t st = link(&r->points, points_vs, points_fs, "points", err);
    if (st == RR_OK) st = link(&r->sprites, sprites_vs, sprites_fs, "sprites", err);
    if (st == RR_OK) st = link(&r->tiny, tiny_vs, tiny_fs, "tiny sprites", err);
    if (st == RR_OK) st = link(&r->tiny_msaa, tiny_vs, tiny_msaa_fs, "tiny sprites (MSAA)", err);
    if (st == RR_OK) st = link(&r->lines, lines_vs, lines_fs, "lines", err);
    if (st == RR_OK) st = link(&r->mesh, mesh_vs, mesh_fs, "mesh", err);
    if (st == RR_OK) st = link(&r->arrows, arrows_vs, lines_fs, "arrows", err);
    if (st == RR_OK) {
        glGenVertexArrays(N_STREAMS, r->stream_vao);
        glGenBuffers(N_STREAMS, r->stream_vbo);
    }
    if (st != RR_OK) {
        rr_gfx_renderer_free(r);
        return st;
    }
    *out = r;
    return RR_OK;
}

void rr_gfx_renderer_free(rr_gfx_renderer_t *r) {
    if (!r) return;
    if (r->points.id) glDeleteProgram(r->points.id);
    if (r->sprites.id) glDeleteProgram(r->sprites.id);
    if (r->tiny.id) glDeleteProgram(r->tiny.id);
    if (r->tiny_msaa.id) glDeleteProgram(r->tiny_msaa.id);
    if (r->lines.id) glDeleteProgram(r->lines.id);
    if (r->mesh.id) glDeleteProgram(r->mesh.id);
    if (r->arrows.id) glDeleteProgram(r->arrows.id);
    if (r->stream_vao[0]) glDeleteVertexArrays(N_STREAMS, r->stream_vao);
    if (r->stream_vbo[0]) glDeleteBuffers(N_STREAMS, r->stream_vbo);
    free(r);
}

const char *rr_gfx_renderer_name(const rr_gfx_renderer_t *r) { return r->name; }
const char *rr_gfx_renderer_gl_version(const rr_gfx_renderer_t *r) { return r->version; }
void rr_gfx_renderer_stats(const rr_gfx_renderer_t *r, rr_gfx_stats_t *out) { *out = r->stats; }

/* ---------------- targets ---------------- */

static rr_status_t check_fbo(const char *what, rr_error_t *err) {
    GLenum s = glCheckFramebufferStatus(GL_FRAMEBUFFER);
    if (s != GL_FRAMEBUFFER_COMPLETE)
        return rr_error_set(err, RR_ERR_UNAVAILABLE, "gfx: %s framebuffer incomplete (0x%x)", what,
                            (unsigned)s);
    return RR_OK;
}

rr_status_t rr_gfx_target_new(rr_gfx_renderer_t *r, int width, int height, int samples,
                              rr_gfx_target_t **out, rr_error_t *err) {
    *out = NULL;
    GLint max_size = 0;
    glGetIntegerv(GL_MAX_RENDERBUFFER_SIZE, &max_size);
    if (width < 1 || height < 1 || width > max_size || height > max_size)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "gfx: target size %dx%d outside 1..%d", width,
                            height, (int)max_size);
    rr_gfx_target_t *t = calloc(1, sizeof *t);
    if (!t) return rr_error_set(err, RR_ERR_NOMEM, "gfx: out of memory");
    t->r = r;
    t->w = width;
    t->h = height;
    t->samples = samples > r->max_samples ? r->max_samples : samples;
    if (t->samples < 2) t->samples = 0;
    glGenFramebuffers(1, &t->fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, t->fbo);
    glGenRenderbuffers(1, &t->color_rb);
    glBindRenderbuffer(GL_RENDERBUFFER, t->color_rb);
    glRenderbufferStorageMultisample(GL_RENDERBUFFER, t->samples, GL_RGBA8, width, height);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, t->color_rb);
    glGenRenderbuffers(1, &t->depth_rb);
    glBindRenderbuffer(GL_RENDERBUFFER, t->depth_rb);
    glRenderbufferStorageMultisample(GL_RENDERBUFFER, t->samples, GL_DEPTH24_STENCIL8, width,
                                     height);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_STENCIL_ATTACHMENT, GL_RENDERBUFFER,
                              t->depth_rb);
    rr_status_t st = check_fbo("draw", err);
    if (st == RR_OK) {
        /* Every target resolves into a texture, MSAA or not, so a finished
         * frame can be drawn into another one (the shell's viewport). */
        glGenFramebuffers(1, &t->resolve_fbo);
        glBindFramebuffer(GL_FRAMEBUFFER, t->resolve_fbo);
        glGenTextures(1, &t->resolve_tex);
        glBindTexture(GL_TEXTURE_2D, t->resolve_tex);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        glBindTexture(GL_TEXTURE_2D, 0);
        glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, t->resolve_tex, 0);
        st = check_fbo("resolve", err);
    }
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    if (st != RR_OK) {
        rr_gfx_target_free(t);
        return st;
    }
    *out = t;
    return RR_OK;
}

void rr_gfx_target_free(rr_gfx_target_t *t) {
    if (!t) return;
    if (t->fbo) glDeleteFramebuffers(1, &t->fbo);
    if (t->resolve_fbo) glDeleteFramebuffers(1, &t->resolve_fbo);
    GLuint rbs[2] = {t->color_rb, t->depth_rb};
    glDeleteRenderbuffers(2, rbs);
    if (t->resolve_tex) glDeleteTextures(1, &t->resolve_tex);
    free(t);
}

int rr_gfx_target_samples(const rr_gfx_target_t *t) { return t->samples; }
int rr_gfx_target_width(const rr_gfx_target_t *t) { return t->w; }
int rr_gfx_target_height(const rr_gfx_target_t *t) { return t->h; }
uint32_t rr_gfx_target_texture(const rr_gfx_target_t *t) { return t->resolve_tex; }

rr_status_t rr_gfx_target_read_rgba(rr_gfx_target_t *t, uint8_t *out, rr_error_t *err) {
    glBindFramebuffer(GL_READ_FRAMEBUFFER, t->resolve_fbo);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, t->w, t->h, GL_RGBA, GL_UNSIGNED_BYTE, out);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
    GLenum e = glGetError();
    if (e != GL_NO_ERROR)
        return rr_error_set(err, RR_ERR_INTERNAL, "gfx: reading the target back: GL error 0x%x",
                            (unsigned)e);
    /* GL's rows run bottom-up; images run top-down. */
    size_t row = (size_t)t->w * 4;
    uint8_t *tmp = malloc(row);
    if (!tmp) return rr_error_set(err, RR_ERR_NOMEM, "gfx: out of memory");
    for (int y = 0; y < t->h / 2; y++) {
        uint8_t *a = out + (size_t)y * row, *b = out + (size_t)(t->h - 1 - y) * row;
        memcpy(tmp, a, row);
        memcpy(a, b, row);
        memcpy(b, tmp, row);
    }
    free(tmp);
    for (size_t i = 3; i < row * (size_t)t->h; i += 4) out[i] = 255;
    return RR_OK;
}

/* ---------------- buffers ---------------- */

static void attrib_f(GLuint loc, int n, size_t stride, size_t off) {
    glEnableVertexAttribArray(loc);
    glVertexAttribPointer(loc, n, GL_FLOAT, GL_FALSE, (GLsizei)stride, (const void *)off);
}
static void attrib_rgba(GLuint loc, size_t stride, size_t off) {
    glEnableVertexAttribArray(loc);
    glVertexAttribPointer(loc, 4, GL_UNSIGNED_BYTE, GL_TRUE, (GLsizei)stride, (const void *)off);
}

static void setup_points_vao(bool instanced) {
    attrib_f(0, 3, sizeof(rr_gfx_point_t), offsetof(rr_gfx_point_t, pos));
    attrib_f(1, 1, sizeof(rr_gfx_point_t), offsetof(rr_gfx_point_t, radius));
    attrib_rgba(2, sizeof(rr_gfx_point_t), offsetof(rr_gfx_point_t, color));
    for (GLuint i = 0; i < 3; i++) glVertexAttribDivisor(i, instanced ? 1 : 0);
}

static void setup_lines_vao(void) {
    attrib_f(0, 3, sizeof(rr_gfx_segment_t), offsetof(rr_gfx_segment_t, p0));
    attrib_f(1, 3, sizeof(rr_gfx_segment_t), offsetof(rr_gfx_segment_t, p1));
    attrib_f(2, 1, sizeof(rr_gfx_segment_t), offsetof(rr_gfx_segment_t, radius));
    attrib_rgba(3, sizeof(rr_gfx_segment_t), offsetof(rr_gfx_segment_t, color));
    for (GLuint i = 0; i < 4; i++) glVertexAttribDivisor(i, 1);
}

static void setup_mesh_vao(void) {
    attrib_f(0, 3, sizeof(rr_gfx_vertex_t), offsetof(rr_gfx_vertex_t, pos));
    attrib_f(1, 3, sizeof(rr_gfx_vertex_t), offsetof(rr_gfx_vertex_t, normal));
    attrib_rgba(2, sizeof(rr_gfx_vertex_t), offsetof(rr_gfx_vertex_t, color));
}

/* GL sizes are signed; refuse what a GLsizeiptr or instance count cannot say. */
static rr_status_t check_count(size_t n, size_t elem, const char *what, rr_error_t *err) {
    if (n > (size_t)INT32_MAX || elem * n > (size_t)PTRDIFF_MAX / 2)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "gfx: %zu %s are too many for one buffer", n,
                            what);
    return RR_OK;
}

static rr_status_t new_buffer(rr_gfx_renderer_t *r, enum buffer_kind kind, const void *data,
                              size_t bytes, size_t count, bool sprites, rr_gfx_buffer_t **out,
                              rr_error_t *err) {
    rr_gfx_buffer_t *b = calloc(1, sizeof *b);
    if (!b) return rr_error_set(err, RR_ERR_NOMEM, "gfx: out of memory");
    b->kind = kind;
    b->count = count;
    b->sprites = sprites;
    glGenVertexArrays(1, &b->vao);
    glBindVertexArray(b->vao);
    glGenBuffers(1, &b->vbo);
    glBindBuffer(GL_ARRAY_BUFFER, b->vbo);
    glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)bytes, data, GL_STATIC_DRAW);
    if (kind == BUF_POINTS) setup_points_vao(!sprites);
    else if (kind == BUF_LINES || kind == BUF_ARROWS) setup_lines_vao();
    else setup_mesh_vao();
    GLenum e = glGetError();
    if (e != GL_NO_ERROR) {
        glBindVertexArray(0);
        rr_gfx_buffer_free(r, b);
        return rr_error_set(err, e == GL_OUT_OF_MEMORY ? RR_ERR_NOMEM : RR_ERR_INTERNAL,
                            "gfx: uploading %zu bytes: GL error 0x%x", bytes, (unsigned)e);
    }
    b->bytes = bytes;
    r->stats.buffers_created++;
    r->stats.buffers_live++;
    r->stats.bytes_uploaded += bytes;
    r->stats.bytes_live += bytes;
    *out = b;
    return RR_OK;
}

rr_status_t rr_gfx_points_upload(rr_gfx_renderer_t *r, const rr_gfx_point_t *pts, size_t n,
                                 rr_gfx_buffer_t **out, rr_error_t *err) {
    *out = NULL;
    RR_TRY(check_count(n, sizeof *pts, "points", err));
    /* GL points when every radius is in UI points and fits the largest
     * point size (the sprite is the disc's diameter plus a pixel). */
    bool sprites = n > 0, tiny = true;
    for (size_t i = 0; i < n && sprites; i++) {
        sprites = pts[i].radius < 0 && -pts[i].radius * 2.0f + 1.0f <= r->max_point_size;
        tiny = tiny && -pts[i].radius <= TINY_RADIUS_PX;
    }
    rr_status_t st = new_buffer(r, BUF_POINTS, pts, n * sizeof *pts, n, sprites, out, err);
    if (st == RR_OK) (*out)->tiny = sprites && tiny;
    glBindVertexArray(0);
    return st;
}

rr_status_t rr_gfx_lines_upload(rr_gfx_renderer_t *r, const rr_gfx_segment_t *segs, size_t n,
                                rr_gfx_buffer_t **out, rr_error_t *err) {
    *out = NULL;
    RR_TRY(check_count(n, sizeof *segs, "line segments", err));
    rr_status_t st = new_buffer(r, BUF_LINES, segs, n * sizeof *segs, n, false, out, err);
    glBindVertexArray(0);
    return st;
}

rr_status_t rr_gfx_arrows_upload(rr_gfx_renderer_t *r, const rr_gfx_segment_t *segs, size_t n,
                                 rr_gfx_buffer_t **out, rr_error_t *err) {
    *out = NULL;
    RR_TRY(check_count(n, sizeof *segs, "arrows", err));
    rr_status_t st = new_buffer(r, BUF_ARROWS, segs, n * sizeof *segs, n, false, out, err);
    glBindVertexArray(0);
    return st;
}

rr_status_t rr_gfx_mesh_upload(rr_gfx_renderer_t *r, const rr_gfx_vertex_t *v, size_t nv,
                               const uint32_t *idx, size_t n_idx, rr_gfx_buffer_t **out,
                               rr_error_t *err) {
    *out = NULL;
    RR_TRY(check_count(nv, sizeof *v, "mesh vertices", err));
    RR_TRY(check_count(n_idx, sizeof *idx, "mesh indices", err));
    if (idx) {
        if (n_idx % 3)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "gfx: %zu mesh indices: not whole triangles",
                                n_idx);
        for (size_t i = 0; i < n_idx; i++)
            if (idx[i] >= nv)
                return rr_error_set(err, RR_ERR_INVALID_ARG,
                                    "gfx: mesh index %zu is %u, past the %zu vertices", i,
                                    (unsigned)idx[i], nv);
    }
    size_t count = idx ? n_idx : nv - nv % 3;
    rr_status_t st = new_buffer(r, BUF_MESH, v, nv * sizeof *v, count, false, out, err);
    if (st == RR_OK && idx) {
        rr_gfx_buffer_t *b = *out;
        b->indexed = true;
        glGenBuffers(1, &b->ibo);
        glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, b->ibo); /* recorded in the VAO */
        glBufferData(GL_ELEMENT_ARRAY_BUFFER, (GLsizeiptr)(n_idx * sizeof *idx), idx,
                     GL_STATIC_DRAW);
        b->bytes += n_idx * sizeof *idx;
        r->stats.bytes_uploaded += n_idx * sizeof *idx;
        r->stats.bytes_live += n_idx * sizeof *idx;
    }
    glBindVertexArray(0);
    return st;
}

void rr_gfx_buffer_free(rr_gfx_renderer_t *r, rr_gfx_buffer_t *b) {
    if (!b) return;
    if (b->vao) glDeleteVertexArrays(1, &b->vao);
    if (b->vbo) glDeleteBuffers(1, &b->vbo);
    if (b->ibo) glDeleteBuffers(1, &b->ibo);
    if (b->bytes) {
        r->stats.buffers_live--;
        r->stats.bytes_live -= b->bytes;
    }
    free(b);
}

size_t rr_gfx_buffer_bytes(const rr_gfx_buffer_t *b) { return b->bytes; }

/* ---------------- frames ---------------- */

void rr_gfx_begin(rr_gfx_renderer_t *r, rr_gfx_target_t *t, const rr_mat4_t *view,
                  const rr_mat4_t *proj, const float clear_rgba[4]) {
    r->target = t;
    r->view = *view;
    r->proj = *proj;
    r->stats.draw_calls = 0;
    memset(&r->style, 0, sizeof r->style);
    /* Near plane distance of a GL perspective matrix; ortho: none needed. */
    const float *m = proj->m;
    r->near_plane = m[11] != 0 ? m[14] / (m[10] - 1.0f) : -1e30f;
    glBindFramebuffer(GL_FRAMEBUFFER, t->fbo);
    glViewport(0, 0, t->w, t->h);
    glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
    glDepthMask(GL_TRUE);
    glClearColor(clear_rgba[0], clear_rgba[1], clear_rgba[2], 1.0f);
    glClearDepthf(1.0f);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT | GL_STENCIL_BUFFER_BIT);
    /* Alpha stays 1: fragment alpha only feeds coverage. */
    glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_FALSE);
    glEnable(GL_DEPTH_TEST);
    glDepthFunc(GL_LEQUAL);
    glDisable(GL_BLEND);
    glDisable(GL_CULL_FACE);
}

static void use_program(rr_gfx_renderer_t *r, const program_t *p, const rr_mat4_t *model) {
    rr_mat4_t mv = model ? rr_mat4_mul(&r->view, model) : r->view;
    glUseProgram(p->id);
    glUniformMatrix4fv(p->u_model_view, 1, GL_FALSE, mv.m);
    glUniformMatrix4fv(p->u_proj, 1, GL_FALSE, r->proj.m);
    glUniform2f(p->u_viewport, (float)r->target->w, (float)r->target->h);
    glUniform1f(p->u_radius_scale, model ? rr_mat4_max_scale(model) : 1.0f);
    glUniform1f(p->u_near, r->near_plane);
    glUniform1f(p->u_grow_px, r->style.grow_px);
    uint32_t c = r->style.color;
    glUniform4f(p->u_tint, (float)(c >> 24) / 255.0f, (float)(c >> 16 & 0xff) / 255.0f,
                (float)(c >> 8 & 0xff) / 255.0f, r->style.color_mix);
}

void rr_gfx_set_style(rr_gfx_renderer_t *r, const rr_gfx_style_t *s) {
    if (s) r->style = *s;
    else memset(&r->style, 0, sizeof r->style);
    if (r->style.overlay) glDisable(GL_DEPTH_TEST);
    else glEnable(GL_DEPTH_TEST);
    glDepthMask(r->style.overlay || r->style.blend ? GL_FALSE : GL_TRUE);
    if (r->style.blend) {
        glEnable(GL_BLEND);
        glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
    } else {
        glDisable(GL_BLEND);
    }
}

void rr_gfx_draw(rr_gfx_renderer_t *r, const rr_gfx_buffer_t *b, const rr_mat4_t *model) {
    if (!b || !b->count) return;
    glBindVertexArray(b->vao);
    switch (b->kind) {
    case BUF_POINTS:
        /* Grown (outlined) points are no longer tiny. */
        use_program(r,
                    b->tiny && r->style.grow_px == 0 ? (r->target->samples ? &r->tiny_msaa : &r->tiny)
                    : b->sprites                     ? &r->sprites
                                                     : &r->points,
                    model);
        if (r->target->samples) glEnable(GL_SAMPLE_ALPHA_TO_COVERAGE);
        if (b->sprites) glDrawArrays(GL_POINTS, 0, (GLsizei)b->count);
        else glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, (GLsizei)b->count);
        glDisable(GL_SAMPLE_ALPHA_TO_COVERAGE);
        break;
    case BUF_LINES:
        use_program(r, &r->lines, model);
        glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, (GLsizei)b->count);
        break;
    case BUF_ARROWS:
        use_program(r, &r->arrows, model);
        glDrawArraysInstanced(GL_TRIANGLES, 0, 9, (GLsizei)b->count);
        break;
    case BUF_MESH:
        use_program(r, &r->mesh, model);
        if (b->indexed) glDrawElements(GL_TRIANGLES, (GLsizei)b->count, GL_UNSIGNED_INT, NULL);
        else glDrawArrays(GL_TRIANGLES, 0, (GLsizei)b->count);
        break;
    }
    glBindVertexArray(0);
    r->stats.draw_calls++;
}

/* Copies transient geometry into the kind's stream buffer, bound in its VAO. */
static bool stream(rr_gfx_renderer_t *r, enum buffer_kind kind, const void *data, size_t n,
                   size_t elem) {
    if (!n || n > (size_t)INT32_MAX / elem) return false;
    int k = (int)kind - 1;
    glBindVertexArray(r->stream_vao[k]);
    glBindBuffer(GL_ARRAY_BUFFER, r->stream_vbo[k]);
    size_t bytes = n * elem;
    if (bytes > r->stream_cap[k]) {
        glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)bytes, data, GL_STREAM_DRAW);
        r->stream_cap[k] = bytes;
    } else {
        glBufferSubData(GL_ARRAY_BUFFER, 0, (GLsizeiptr)bytes, data);
    }
    if (kind == BUF_POINTS) setup_points_vao(true);
    else if (kind == BUF_MESH) setup_mesh_vao();
    else setup_lines_vao();
    r->stats.bytes_streamed += bytes;
    r->stats.draw_calls++;
    return true;
}

void rr_gfx_draw_segments(rr_gfx_renderer_t *r, const rr_gfx_segment_t *segs, size_t n,
                          const rr_mat4_t *model) {
    if (!stream(r, BUF_LINES, segs, n, sizeof *segs)) return;
    use_program(r, &r->lines, model);
    glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, (GLsizei)n);
    glBindVertexArray(0);
}

void rr_gfx_draw_arrows(rr_gfx_renderer_t *r, const rr_gfx_segment_t *segs, size_t n,
                        const rr_mat4_t *model) {
    if (!stream(r, BUF_ARROWS, segs, n, sizeof *segs)) return;
    use_program(r, &r->arrows, model);
    glDrawArraysInstanced(GL_TRIANGLES, 0, 9, (GLsizei)n);
    glBindVertexArray(0);
}

void rr_gfx_draw_points(rr_gfx_renderer_t *r, const rr_gfx_point_t *pts, size_t n,
                        const rr_mat4_t *model) {
    if (!stream(r, BUF_POINTS, pts, n, sizeof *pts)) return;
    use_program(r, &r->points, model);
    if (r->target->samples) glEnable(GL_SAMPLE_ALPHA_TO_COVERAGE);
    glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, (GLsizei)n);
    glDisable(GL_SAMPLE_ALPHA_TO_COVERAGE);
    glBindVertexArray(0);
}

void rr_gfx_draw_triangles(rr_gfx_renderer_t *r, const rr_gfx_vertex_t *v, size_t n,
                           const rr_mat4_t *model) {
    n -= n % 3;
    if (!stream(r, BUF_MESH, v, n, sizeof *v)) return;
    use_program(r, &r->mesh, model);
    glDrawArrays(GL_TRIANGLES, 0, (GLsizei)n);
    glBindVertexArray(0);
}

rr_status_t rr_gfx_end(rr_gfx_renderer_t *r, rr_error_t *err) {
    rr_gfx_target_t *t = r->target;
    r->target = NULL;
    if (!t) return rr_error_set(err, RR_ERR_INVALID_ARG, "gfx: end without begin");
    glBindFramebuffer(GL_READ_FRAMEBUFFER, t->fbo);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, t->resolve_fbo);
    glBlitFramebuffer(0, 0, t->w, t->h, 0, 0, t->w, t->h, GL_COLOR_BUFFER_BIT, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    GLenum e = glGetError();
    if (e != GL_NO_ERROR)
        return rr_error_set(err, RR_ERR_INTERNAL, "gfx: GL error 0x%x during the frame",
                            (unsigned)e);
    return RR_OK;
}

void rr_gfx_finish(rr_gfx_renderer_t *r) {
    (void)r;
    glFinish();
}
