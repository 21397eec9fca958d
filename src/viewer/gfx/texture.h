/* GL textures of RGBA8 images and a program that draws one as a quad: the
 * image layers of the 2D view. Drawn between rr_gfx_begin and rr_gfx_end of
 * the renderer (into its bound target) with a matrix the caller gives, so
 * the renderer needs nothing new; GLSL ES 3.00, for GLES 3 and WebGL 2.
 *
 * A texture wider or taller than the GL's limit (and never more than
 * RR_GFX_TEXTURE_MAX_SIDE) is downscaled by a box filter on upload; its
 * logical size stays the image's, so it still covers the image's rectangle.
 *
 * Every function needs the GL context current. Ownership: the caller frees
 * textures and the program, before the context goes. */
#ifndef RR_VIEWER_GFX_TEXTURE_H
#define RR_VIEWER_GFX_TEXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "viewer/gfx/math.h"

#define RR_GFX_TEXTURE_MAX_SIDE 8192

typedef struct rr_gfx_texture rr_gfx_texture_t;
typedef struct rr_gfx_quad_program rr_gfx_quad_program_t;

/* Uploads width*height RGBA8 pixels (top row first, not premultiplied).
 * nearest: magnify with GL_NEAREST (Rerun's default MagnificationFilter)
 * rather than GL_LINEAR. *downscaled (may be NULL) says whether the upload
 * had to shrink the image. */
rr_status_t rr_gfx_texture_new(const uint8_t *rgba, int width, int height, bool nearest,
                               rr_gfx_texture_t **out, bool *downscaled, rr_error_t *err);
void rr_gfx_texture_free(rr_gfx_texture_t *t); /* NULL-safe */
int rr_gfx_texture_width(const rr_gfx_texture_t *t);  /* the image's, not the upload's */
int rr_gfx_texture_height(const rr_gfx_texture_t *t);
size_t rr_gfx_texture_bytes(const rr_gfx_texture_t *t); /* GPU bytes held */
void rr_gfx_texture_set_nearest(rr_gfx_texture_t *t, bool nearest);
/* The GL texture name (for rr_ui_image). */
uint32_t rr_gfx_texture_gl(const rr_gfx_texture_t *t);

rr_status_t rr_gfx_quad_program_new(rr_gfx_quad_program_t **out, rr_error_t *err);
void rr_gfx_quad_program_free(rr_gfx_quad_program_t *p); /* NULL-safe */

/* Draws t over the rectangle (x0, y0) - (x1, y1) of the space mvp maps to
 * clip space, the texture's top row at y0, blended over what is there with
 * opacity (0..1) times the texture's alpha, under the depth state the
 * caller set (the 2D view: none). Leaves blending off. */
void rr_gfx_quad_draw(rr_gfx_quad_program_t *p, const rr_gfx_texture_t *t, const rr_mat4_t *mvp,
                      float x0, float y0, float x1, float y1, float opacity);

#endif
