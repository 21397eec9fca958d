/* Draws the UI toolkit's draw lists (ui.h) with OpenGL ES 3.0 / WebGL 2:
 * one small shader, the font atlas as a single-channel texture, user
 * textures as RGBA, clip rects as scissor rects. It draws over whatever the
 * bound framebuffer holds (a renderer target between rr_gfx_begin and
 * rr_gfx_end, or a window's), so 3D views can be drawn first.
 *
 * Needs the GL context current. Leaves blending, scissoring and depth
 * testing disabled. Ownership: the caller frees the rr_ui_gl_t before the
 * context. */
#ifndef RR_VIEWER_UI_UI_GL_H
#define RR_VIEWER_UI_UI_GL_H

#include "base/status.h"
#include "viewer/ui/ui.h"

typedef struct rr_ui_gl rr_ui_gl_t;

rr_status_t rr_ui_gl_new(rr_ui_gl_t **out, rr_error_t *err);
void rr_ui_gl_free(rr_ui_gl_t *g); /* NULL-safe */

/* Renders the frame the context ended into the bound framebuffer of
 * fb_width x fb_height pixels (the UI's size times its scale), uploading
 * the font's atlas when it is new. Reports GL errors raised meanwhile. */
rr_status_t rr_ui_gl_render(rr_ui_gl_t *g, const rr_ui_t *ui, int fb_width, int fb_height,
                            rr_error_t *err);

#endif
