/* The headless GL context: EGL on Mesa's surfaceless platform, an OpenGL ES
 * 3 context with no window surface (the renderer draws into framebuffer
 * objects). Works without an X server or GPU (llvmpipe). */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/gfx/context.h"

#ifndef EGL_PLATFORM_SURFACELESS_MESA
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#endif

typedef struct egl_state {
    EGLDisplay dpy;
    EGLContext ctx;
} egl_state_t;

static rr_status_t egl_make_current(rr_gfx_context_t *c, rr_error_t *err) {
    egl_state_t *s = c->impl;
    if (!eglMakeCurrent(s->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, s->ctx))
        return rr_error_set(err, RR_ERR_UNAVAILABLE, "EGL: eglMakeCurrent failed (0x%x)",
                            (unsigned)eglGetError());
    return RR_OK;
}

static void egl_present(rr_gfx_context_t *c) { (void)c; }

static void egl_destroy(rr_gfx_context_t *c) {
    egl_state_t *s = c->impl;
    if (!s) return;
    if (s->dpy != EGL_NO_DISPLAY) {
        eglMakeCurrent(s->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
        if (s->ctx != EGL_NO_CONTEXT) eglDestroyContext(s->dpy, s->ctx);
        /* No eglTerminate: the platform display is one per process, shared
         * by every context on it, and terminating it would pull the rug
         * from under the others. It lives until exit. */
    }
    eglReleaseThread();
    free(s);
}

static const rr_gfx_context_vtable_t egl_vtable = {
    .backend = "egl-surfaceless",
    .make_current = egl_make_current,
    .present = egl_present,
    .destroy = egl_destroy,
};

static bool has_ext(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; p && (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0)) return true;
    return false;
}

static EGLDisplay open_display(void) {
    const char *client_exts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    if (!has_ext(client_exts, "EGL_MESA_platform_surfaceless")) return EGL_NO_DISPLAY;
    PFNEGLGETPLATFORMDISPLAYEXTPROC get_platform_display =
        (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
    if (!get_platform_display) return EGL_NO_DISPLAY;
    return get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
}

rr_status_t rr_gfx_context_new_headless(rr_gfx_context_t **out, rr_error_t *err) {
    *out = NULL;
    rr_gfx_context_t *c = calloc(1, sizeof *c);
    egl_state_t *s = calloc(1, sizeof *s);
    if (!c || !s) {
        free(c);
        free(s);
        return rr_error_set(err, RR_ERR_NOMEM, "EGL: out of memory");
    }
    s->dpy = EGL_NO_DISPLAY;
    s->ctx = EGL_NO_CONTEXT;
    c->vt = &egl_vtable;
    c->impl = s;
    rr_status_t st = RR_OK;
    EGLint major = 0, minor = 0;
    s->dpy = open_display();
    if (s->dpy == EGL_NO_DISPLAY) {
        st = rr_error_set(err, RR_ERR_UNAVAILABLE,
                          "EGL: no surfaceless platform display (needs Mesa's EGL: "
                          "libegl1, libgl1-mesa-dri)");
    } else if (!eglInitialize(s->dpy, &major, &minor)) {
        st = rr_error_set(err, RR_ERR_UNAVAILABLE, "EGL: eglInitialize failed (0x%x)",
                          (unsigned)eglGetError());
        s->dpy = EGL_NO_DISPLAY;
    }
    EGLConfig cfg = NULL;
    if (st == RR_OK) {
        const EGLint attrs[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_ES3_BIT, EGL_SURFACE_TYPE,
                                EGL_PBUFFER_BIT, EGL_NONE};
        EGLint n = 0;
        if (!eglBindAPI(EGL_OPENGL_ES_API) || !eglChooseConfig(s->dpy, attrs, &cfg, 1, &n) ||
            n < 1) {
            /* Surfaceless contexts need no surface-capable config. */
            const EGLint attrs2[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_ES3_BIT, EGL_NONE};
            if (!eglChooseConfig(s->dpy, attrs2, &cfg, 1, &n) || n < 1) {
                const char *exts = eglQueryString(s->dpy, EGL_EXTENSIONS);
                if (has_ext(exts, "EGL_KHR_no_config_context"))
                    cfg = (EGLConfig)0; /* EGL_NO_CONFIG_KHR */
                else
                    st = rr_error_set(err, RR_ERR_UNAVAILABLE,
                                      "EGL %d.%d: no OpenGL ES 3 config", major, minor);
            }
        }
    }
    if (st == RR_OK) {
        const EGLint ctx_attrs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 0,
                                    EGL_NONE};
        s->ctx = eglCreateContext(s->dpy, cfg, EGL_NO_CONTEXT, ctx_attrs);
        if (s->ctx == EGL_NO_CONTEXT)
            st = rr_error_set(err, RR_ERR_UNAVAILABLE,
                              "EGL %d.%d: cannot create an OpenGL ES 3 context (0x%x)", major,
                              minor, (unsigned)eglGetError());
    }
    if (st == RR_OK) st = egl_make_current(c, err);
    if (st != RR_OK) {
        rr_gfx_context_free(c);
        return st;
    }
    *out = c;
    return RR_OK;
}

void rr_gfx_context_free(rr_gfx_context_t *ctx) {
    if (!ctx) return;
    ctx->vt->destroy(ctx);
    free(ctx);
}
