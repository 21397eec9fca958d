/* A GL context behind a small interface, so the renderer never knows where
 * its context came from: EGL surfaceless (headless, here), a GLFW window or
 * emscripten's WebGL 2 context (later). A context is created current on the
 * calling thread and stays so until it is freed.
 *
 * Ownership: rr_gfx_context_free releases the context and whatever the
 * backend opened (display, window). */
#ifndef RR_VIEWER_GFX_CONTEXT_H
#define RR_VIEWER_GFX_CONTEXT_H

#include <stdbool.h>

#include "base/status.h"

typedef struct rr_gfx_context rr_gfx_context_t;

typedef struct rr_gfx_context_vtable {
    const char *backend; /* "egl-surfaceless", "glfw", "webgl" */
    rr_status_t (*make_current)(rr_gfx_context_t *ctx, rr_error_t *err);
    /* Presents the default framebuffer; a no-op for off-screen contexts. */
    void (*present)(rr_gfx_context_t *ctx);
    void (*destroy)(rr_gfx_context_t *ctx);
} rr_gfx_context_vtable_t;

struct rr_gfx_context {
    const rr_gfx_context_vtable_t *vt;
    void *impl; /* backend state */
};

/* A headless OpenGL ES 3 context on EGL's surfaceless platform (Mesa; no X
 * server or GPU needed: llvmpipe). Renders only into framebuffer objects.
 * RR_ERR_UNAVAILABLE with the reason when EGL or GLES 3 is not there. */
rr_status_t rr_gfx_context_new_headless(rr_gfx_context_t **out, rr_error_t *err);

static inline rr_status_t rr_gfx_context_make_current(rr_gfx_context_t *ctx, rr_error_t *err) {
    return ctx->vt->make_current(ctx, err);
}
static inline void rr_gfx_context_present(rr_gfx_context_t *ctx) { ctx->vt->present(ctx); }
void rr_gfx_context_free(rr_gfx_context_t *ctx); /* NULL-safe */

#endif
