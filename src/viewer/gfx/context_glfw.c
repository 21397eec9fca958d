/* The native window (context_glfw.h): GLFW with an OpenGL ES 3 context, and
 * the input its callbacks deliver, queued for the UI. Built only when CMake
 * found glfw3 (RR_HAVE_GLFW); otherwise opening a window says why not. */
#include "viewer/gfx/context_glfw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef RR_HAVE_GLFW

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

typedef struct glfw_state {
    GLFWwindow *win;
    rr_input_event_t *ev;     /* collecting */
    size_t n, cap;
    rr_input_event_t *out;    /* handed out by the last poll */
    size_t n_out, cap_out;
} glfw_state_t;

/* GLFW is process-wide: one init for every window, error text kept for
 * the message a failure returns. */
static int g_windows;
static char g_glfw_error[256];

static void on_glfw_error(int code, const char *desc) {
    snprintf(g_glfw_error, sizeof g_glfw_error, "GLFW error 0x%x: %s", (unsigned)code, desc ? desc : "");
}

static void push(GLFWwindow *w, const rr_input_event_t *e) {
    glfw_state_t *s = glfwGetWindowUserPointer(w);
    if (!s) return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        rr_input_event_t *n = realloc(s->ev, cap * sizeof *n);
        if (!n) return; /* input dropped rather than a crash when out of memory */
        s->ev = n;
        s->cap = cap;
    }
    s->ev[s->n] = *e;
    s->ev[s->n].time = glfwGetTime();
    s->n++;
}

static void on_cursor(GLFWwindow *w, double x, double y) {
    rr_input_event_t e = {.kind = RR_INPUT_MOUSE_MOVE, .x = x, .y = y};
    push(w, &e);
}

static void on_button(GLFWwindow *w, int button, int action, int mods) {
    rr_input_event_t e = {.kind = RR_INPUT_MOUSE_BUTTON, .pressed = action == GLFW_PRESS, .mods = mods};
    e.button = button == GLFW_MOUSE_BUTTON_LEFT ? 0 : button == GLFW_MOUSE_BUTTON_RIGHT ? 1 : button == GLFW_MOUSE_BUTTON_MIDDLE ? 2 : button;
    glfwGetCursorPos(w, &e.x, &e.y);
    push(w, &e);
}

static void on_scroll(GLFWwindow *w, double dx, double dy) {
    rr_input_event_t e = {.kind = RR_INPUT_SCROLL, .dx = dx, .dy = dy};
    glfwGetCursorPos(w, &e.x, &e.y);
    push(w, &e);
}

static void on_key(GLFWwindow *w, int key, int scancode, int action, int mods) {
    (void)scancode;
    if (action == GLFW_RELEASE && key == GLFW_KEY_UNKNOWN) return;
    rr_input_event_t e = {.kind = RR_INPUT_KEY, .key = key, .pressed = action != GLFW_RELEASE, .mods = mods};
    push(w, &e);
}

static void on_char(GLFWwindow *w, unsigned cp) {
    rr_input_event_t e = {.kind = RR_INPUT_CHAR, .codepoint = cp};
    push(w, &e);
}

static rr_status_t glfw_make_current(rr_gfx_context_t *c, rr_error_t *err) {
    (void)err;
    glfw_state_t *s = c->impl;
    glfwMakeContextCurrent(s->win);
    return RR_OK;
}

static void glfw_present(rr_gfx_context_t *c) {
    glfw_state_t *s = c->impl;
    glfwSwapBuffers(s->win);
}

static void glfw_destroy(rr_gfx_context_t *c) {
    glfw_state_t *s = c->impl;
    if (!s) return;
    if (s->win) {
        glfwMakeContextCurrent(NULL);
        glfwDestroyWindow(s->win);
        if (--g_windows == 0) glfwTerminate();
    }
    free(s->ev);
    free(s->out);
    free(s);
}

static const rr_gfx_context_vtable_t glfw_vtable = {
    .backend = "glfw",
    .make_current = glfw_make_current,
    .present = glfw_present,
    .destroy = glfw_destroy,
};

static GLFWwindow *open_window(const char *title, int w, int h, int creation_api) {
    glfwDefaultWindowHints();
    glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    glfwWindowHint(GLFW_CONTEXT_CREATION_API, creation_api);
    glfwWindowHint(GLFW_DEPTH_BITS, 24);
    return glfwCreateWindow(w, h, title, NULL, NULL);
}

rr_status_t rr_gfx_context_new_window(const char *title, int width, int height, rr_gfx_context_t **out,
                                      rr_error_t *err) {
    *out = NULL;
    const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    if ((!x || !*x) && (!wl || !*wl))
        return rr_error_set(err, RR_ERR_UNAVAILABLE,
                            "no display (DISPLAY and WAYLAND_DISPLAY are unset): set DISPLAY, or use "
                            "--headless --screenshot OUT.png");
    glfwSetErrorCallback(on_glfw_error);
    if (g_windows == 0 && !glfwInit())
        return rr_error_set(err, RR_ERR_UNAVAILABLE, "cannot open the display %s: %s", x ? x : wl, g_glfw_error);
    rr_gfx_context_t *c = calloc(1, sizeof *c);
    glfw_state_t *s = calloc(1, sizeof *s);
    if (!c || !s) {
        free(c);
        free(s);
        if (g_windows == 0) glfwTerminate();
        return rr_error_set(err, RR_ERR_NOMEM, "window: out of memory");
    }
    /* The platform's native context API first (GLX on X11), EGL next. */
    s->win = open_window(title, width, height, GLFW_NATIVE_CONTEXT_API);
    if (!s->win) s->win = open_window(title, width, height, GLFW_EGL_CONTEXT_API);
    if (!s->win) {
        free(c);
        free(s);
        if (g_windows == 0) glfwTerminate();
        return rr_error_set(err, RR_ERR_UNAVAILABLE, "cannot open a window with OpenGL ES 3: %s", g_glfw_error);
    }
    g_windows++;
    c->vt = &glfw_vtable;
    c->impl = s;
    glfwSetWindowUserPointer(s->win, s);
    glfwSetCursorPosCallback(s->win, on_cursor);
    glfwSetMouseButtonCallback(s->win, on_button);
    glfwSetScrollCallback(s->win, on_scroll);
    glfwSetKeyCallback(s->win, on_key);
    glfwSetCharCallback(s->win, on_char);
    glfwMakeContextCurrent(s->win);
    glfwSwapInterval(1);
    *out = c;
    return RR_OK;
}

size_t rr_gfx_window_poll(rr_gfx_context_t *ctx, const rr_input_event_t **events) {
    glfw_state_t *s = ctx->impl;
    glfwPollEvents();
    /* Swap the collecting and handed-out arrays: no copy, no realloc. */
    rr_input_event_t *t = s->out;
    size_t tc = s->cap_out;
    s->out = s->ev, s->cap_out = s->cap, s->n_out = s->n;
    s->ev = t, s->cap = tc, s->n = 0;
    *events = s->out;
    return s->n_out;
}

bool rr_gfx_window_should_close(rr_gfx_context_t *ctx) {
    return glfwWindowShouldClose(((glfw_state_t *)ctx->impl)->win) != 0;
}

void rr_gfx_window_framebuffer_size(rr_gfx_context_t *ctx, int *w, int *h) {
    glfwGetFramebufferSize(((glfw_state_t *)ctx->impl)->win, w, h);
}

void rr_gfx_window_size(rr_gfx_context_t *ctx, int *w, int *h) {
    glfwGetWindowSize(((glfw_state_t *)ctx->impl)->win, w, h);
}

void rr_gfx_window_cursor(rr_gfx_context_t *ctx, double *x, double *y) {
    glfwGetCursorPos(((glfw_state_t *)ctx->impl)->win, x, y);
}

bool rr_gfx_window_button_down(rr_gfx_context_t *ctx, int button) {
    int b = button == 0 ? GLFW_MOUSE_BUTTON_LEFT : button == 1 ? GLFW_MOUSE_BUTTON_RIGHT : GLFW_MOUSE_BUTTON_MIDDLE;
    return glfwGetMouseButton(((glfw_state_t *)ctx->impl)->win, b) == GLFW_PRESS;
}

void rr_gfx_window_set_title(rr_gfx_context_t *ctx, const char *title) {
    glfwSetWindowTitle(((glfw_state_t *)ctx->impl)->win, title);
}

#else /* no GLFW in this build */

rr_status_t rr_gfx_context_new_window(const char *title, int width, int height, rr_gfx_context_t **out,
                                      rr_error_t *err) {
    (void)title, (void)width, (void)height;
    *out = NULL;
    return rr_error_set(err, RR_ERR_UNAVAILABLE,
                        "this build has no native window (GLFW: install libglfw3-dev and rebuild); use "
                        "--headless --screenshot OUT.png");
}

size_t rr_gfx_window_poll(rr_gfx_context_t *ctx, const rr_input_event_t **events) {
    (void)ctx;
    *events = NULL;
    return 0;
}
bool rr_gfx_window_should_close(rr_gfx_context_t *ctx) {
    (void)ctx;
    return true;
}
void rr_gfx_window_framebuffer_size(rr_gfx_context_t *ctx, int *w, int *h) {
    (void)ctx;
    *w = *h = 0;
}
void rr_gfx_window_size(rr_gfx_context_t *ctx, int *w, int *h) {
    (void)ctx;
    *w = *h = 0;
}
void rr_gfx_window_cursor(rr_gfx_context_t *ctx, double *x, double *y) {
    (void)ctx;
    *x = *y = 0;
}
bool rr_gfx_window_button_down(rr_gfx_context_t *ctx, int button) {
    (void)ctx, (void)button;
    return false;
}
void rr_gfx_window_set_title(rr_gfx_context_t *ctx, const char *title) { (void)ctx, (void)title; }

#endif
