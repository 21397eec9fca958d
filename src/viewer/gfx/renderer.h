/* The GLES3 renderer: points, lines and triangle meshes into an off-screen
 * target, one code base for OpenGL ES 3.0 and WebGL 2.
 *
 * - Geometry lives in GPU buffers (rr_gfx_buffer_t) uploaded once and drawn
 *   any number of frames with a model matrix; views cache them per chunk so a
 *   frame whose data did not change uploads nothing (see the stats).
 * - Points are instanced camera-facing quads cut to discs whose depth is
 *   that of a sphere (points intersect correctly); lines are instanced
 *   screen-aligned quads per segment; meshes are lit by a headlight (flat
 *   normals from screen derivatives when a mesh has none).
 * - Sizes follow Rerun's Radius: positive = scene units (scaled by the model
 *   matrix), negative = UI points (here 1 point = 1 pixel).
 * - Arrows are segments drawn as Rerun's line "triangle cap": a shaft of the
 *   segment's width ending in a flat, screen-facing head 4 radii long and
 *   4 radii wide (re_renderer's cap length and width factors 4 and 2).
 * - A style (rr_gfx_set_style) changes how the following draws look: views
 *   draw hover and selection highlights with it (outlines grown by pixels,
 *   colours pulled toward the outline colour, drawn over everything).
 * - Colours are Rerun's Rgba32: 0xRRGGBBAA as a uint32.
 * - A target is a framebuffer object with depth, multisampled when the GL
 *   allows (resolved by a blit), read back as top-down RGBA8.
 *
 * Every function needs the renderer's GL context current. Ownership: the
 * caller frees what it creates (renderer, targets, buffers), buffers and
 * targets before their renderer. */
#ifndef RR_VIEWER_GFX_RENDERER_H
#define RR_VIEWER_GFX_RENDERER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "viewer/gfx/math.h"

typedef struct rr_gfx_renderer rr_gfx_renderer_t;
typedef struct rr_gfx_target rr_gfx_target_t;
typedef struct rr_gfx_buffer rr_gfx_buffer_t;

/* Interleaved layouts the GPU reads directly. */
typedef struct rr_gfx_point {
    float pos[3];
    float radius;
    uint32_t color;
} rr_gfx_point_t;

typedef struct rr_gfx_segment {
    float p0[3];
    float p1[3];
    float radius; /* half the line's width */
    uint32_t color;
} rr_gfx_segment_t;

typedef struct rr_gfx_vertex {
    float pos[3];
    float normal[3]; /* all zero: flat shading */
    uint32_t color;
} rr_gfx_vertex_t;

typedef struct rr_gfx_stats {
    uint64_t buffers_created;
    uint64_t buffers_live;
    uint64_t bytes_uploaded;  /* into cached buffers, ever */
    uint64_t bytes_live;      /* held by live buffers */
    uint64_t bytes_streamed;  /* per-frame transient geometry (grid, axes) */
    uint64_t draw_calls;      /* since the last rr_gfx_begin */
} rr_gfx_stats_t;

/* Compiles the shaders in the current context. */
rr_status_t rr_gfx_renderer_new(rr_gfx_renderer_t **out, rr_error_t *err);
void rr_gfx_renderer_free(rr_gfx_renderer_t *r); /* NULL-safe */
/* GL_RENDERER and GL_VERSION of the context (owned by the renderer). */
const char *rr_gfx_renderer_name(const rr_gfx_renderer_t *r);
const char *rr_gfx_renderer_gl_version(const rr_gfx_renderer_t *r);
void rr_gfx_renderer_stats(const rr_gfx_renderer_t *r, rr_gfx_stats_t *out);

/* An off-screen target of width x height with up to `samples` MSAA samples
 * (clamped to what the GL offers; 0 or 1: none). */
rr_status_t rr_gfx_target_new(rr_gfx_renderer_t *r, int width, int height, int samples,
                              rr_gfx_target_t **out, rr_error_t *err);
void rr_gfx_target_free(rr_gfx_target_t *t); /* NULL-safe */
int rr_gfx_target_samples(const rr_gfx_target_t *t);
int rr_gfx_target_width(const rr_gfx_target_t *t);
int rr_gfx_target_height(const rr_gfx_target_t *t);
/* The GL texture (RGBA8) holding the last finished frame (rr_gfx_end), for
 * drawing it into another target or the window (e.g. with rr_ui_image).
 * GL's row order: texture v = 0 is the bottom row. Owned by the target. */
uint32_t rr_gfx_target_texture(const rr_gfx_target_t *t);
/* Reads the last finished frame as width*height*4 bytes, top row first,
 * alpha 255. */
rr_status_t rr_gfx_target_read_rgba(rr_gfx_target_t *t, uint8_t *out, rr_error_t *err);

/* Uploads geometry into a new buffer (the arrays are copied to the GPU). */
rr_status_t rr_gfx_points_upload(rr_gfx_renderer_t *r, const rr_gfx_point_t *pts, size_t n,
                                 rr_gfx_buffer_t **out, rr_error_t *err);
rr_status_t rr_gfx_lines_upload(rr_gfx_renderer_t *r, const rr_gfx_segment_t *segs, size_t n,
                                rr_gfx_buffer_t **out, rr_error_t *err);
/* Triangles: indices (3 per triangle, each < nv) or, when idx is NULL,
 * every three vertices in order. */
rr_status_t rr_gfx_mesh_upload(rr_gfx_renderer_t *r, const rr_gfx_vertex_t *v, size_t nv,
                               const uint32_t *idx, size_t n_idx, rr_gfx_buffer_t **out,
                               rr_error_t *err);
/* Arrows: each segment goes from the arrow's origin (p0) to its tip (p1). */
rr_status_t rr_gfx_arrows_upload(rr_gfx_renderer_t *r, const rr_gfx_segment_t *segs, size_t n,
                                 rr_gfx_buffer_t **out, rr_error_t *err);
void rr_gfx_buffer_free(rr_gfx_renderer_t *r, rr_gfx_buffer_t *b); /* NULL-safe */
size_t rr_gfx_buffer_bytes(const rr_gfx_buffer_t *b);

/* A frame: begin (binds and clears the target), draws, end (resolves). */
void rr_gfx_begin(rr_gfx_renderer_t *r, rr_gfx_target_t *t, const rr_mat4_t *view,
                  const rr_mat4_t *proj, const float clear_rgba[4]);
void rr_gfx_draw(rr_gfx_renderer_t *r, const rr_gfx_buffer_t *b, const rr_mat4_t *model);
/* Draws transient segments (streamed, not cached): grids, axes, gizmos. */
void rr_gfx_draw_segments(rr_gfx_renderer_t *r, const rr_gfx_segment_t *segs, size_t n,
                          const rr_mat4_t *model);
/* Transient geometry of the other kinds (highlights of a few instances). */
void rr_gfx_draw_points(rr_gfx_renderer_t *r, const rr_gfx_point_t *pts, size_t n,
                        const rr_mat4_t *model);
void rr_gfx_draw_arrows(rr_gfx_renderer_t *r, const rr_gfx_segment_t *segs, size_t n,
                        const rr_mat4_t *model);
/* Unindexed triangles: every three vertices. */
void rr_gfx_draw_triangles(rr_gfx_renderer_t *r, const rr_gfx_vertex_t *v, size_t n,
                           const rr_mat4_t *model);

/* How the following draws of the frame look (rr_gfx_begin resets it). */
typedef struct rr_gfx_style {
    float grow_px;     /* added to every point radius and line half-width, in pixels */
    uint32_t color;    /* Rgba32 the colours are pulled toward... */
    float color_mix;   /* ...by this much, 0 (own colour) to 1 (color) */
    bool overlay;      /* drawn over everything: no depth test, depth untouched */
    bool blend;        /* alpha-blended over what is there, depth tested but untouched */
} rr_gfx_style_t;
void rr_gfx_set_style(rr_gfx_renderer_t *r, const rr_gfx_style_t *s); /* NULL: the plain look */

/* Resolves the frame; reports any GL error raised during it. */
rr_status_t rr_gfx_end(rr_gfx_renderer_t *r, rr_error_t *err);
/* Waits until the GPU finished the submitted work (for timing). */
void rr_gfx_finish(rr_gfx_renderer_t *r);

#endif
