/* The one place that includes the GL headers: OpenGL ES 3.0 only, so the
 * same renderer runs on Mesa (native, EGL headless) and on WebGL 2
 * (emscripten). Nothing desktop-GL-only may be called from src/viewer. */
#ifndef RR_VIEWER_GFX_GL_H
#define RR_VIEWER_GFX_GL_H

#include <GLES3/gl3.h>

#endif
