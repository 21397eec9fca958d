/* The start of the viewer's GL tests: a headless EGL context and the gfx
 * renderer, or the exit code main returns (77, CTest's skip, when this
 * machine has no OpenGL ES 3 context; 1 when the renderer fails), with the
 * reason printed. */
#ifndef RR_TESTS_VIEWER_TESTGL_H
#define RR_TESTS_VIEWER_TESTGL_H

#include <stdio.h>

#include "viewer/gfx/context.h"
#include "viewer/gfx/renderer.h"

static inline int viewer_test_gl_open(rr_gfx_context_t **ctx, rr_gfx_renderer_t **r) {
    rr_error_t err = {0};
    if (rr_gfx_context_new_headless(ctx, &err) != RR_OK) {
        printf("skipping: no headless OpenGL ES 3 context: %s\n", err.msg);
        return 77;
    }
    if (rr_gfx_renderer_new(r, &err) != RR_OK) {
        fprintf(stderr, "renderer: %s\n", err.msg);
        rr_gfx_context_free(*ctx);
        *ctx = NULL;
        return 1;
    }
    printf("renderer: %s (%s)\n", rr_gfx_renderer_name(*r), rr_gfx_renderer_gl_version(*r));
    return 0;
}

#endif
