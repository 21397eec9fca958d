/* Building a GLSL ES 3.00 program from a vertex and a fragment shader, with
 * the compiler's or linker's log in the error: shared by the renderer and
 * the UI toolkit's GL pass. */
#ifndef RR_VIEWER_GFX_SHADER_H
#define RR_VIEWER_GFX_SHADER_H

#include "base/status.h"
#include "viewer/gfx/gl.h"

/* On success *out is a linked program (the shaders are already released);
 * on failure nothing is left behind and err names `what` and the stage. */
rr_status_t rr_gfx_program_build(const char *vs, const char *fs, const char *what, GLuint *out,
                                 rr_error_t *err);

#endif
