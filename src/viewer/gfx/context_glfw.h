/* A native window with an OpenGL ES 3 context (GLFW; X11 or Wayland, Mesa's
 * llvmpipe under Xvfb included), behind context.h's interface, plus the
 * input the window received: mouse, wheel, keys and text, collected between
 * polls for the UI to consume. Key codes are GLFW's (printable keys are
 * their upper-case ASCII; the named ones below). */
#ifndef RR_VIEWER_GFX_CONTEXT_GLFW_H
#define RR_VIEWER_GFX_CONTEXT_GLFW_H

#include <stdbool.h>
#include <stddef.h>

#include "viewer/gfx/context.h"

enum {
    RR_KEY_SPACE = 32,
    RR_KEY_R = 82,
    RR_KEY_ESCAPE = 256,
    RR_KEY_RIGHT = 262,
    RR_KEY_LEFT = 263,
    RR_KEY_DOWN = 264,
    RR_KEY_UP = 265,
    RR_KEY_HOME = 268,
    RR_KEY_END = 269,
    RR_KEY_F12 = 301,
};

typedef enum rr_input_kind {
    RR_INPUT_MOUSE_MOVE = 1, /* x, y in window pixels */
    RR_INPUT_MOUSE_BUTTON,   /* button 0 left, 1 right, 2 middle; pressed; x, y */
    RR_INPUT_SCROLL,         /* dx, dy in wheel steps (dy > 0: away from the user) */
    RR_INPUT_KEY,            /* key, pressed (repeats come as presses), mods */
    RR_INPUT_CHAR,           /* codepoint typed */
} rr_input_kind_t;

typedef struct rr_input_event {
    rr_input_kind_t kind;
    double x, y, dx, dy;
    int button, key, mods;
    bool pressed;
    unsigned codepoint;
    double time; /* seconds, glfwGetTime */
} rr_input_event_t;

/* Opens a window of width x height (screen coordinates) titled `title`,
 * with its GLES 3 context current. RR_ERR_UNAVAILABLE with the reason when
 * there is no display (DISPLAY / WAYLAND_DISPLAY unset), no GLFW in this
 * build, or no GLES 3. */
rr_status_t rr_gfx_context_new_window(const char *title, int width, int height,
                                      rr_gfx_context_t **out, rr_error_t *err);

/* Collects pending window events (no waiting); then *events points at what
 * arrived since the previous poll (valid until the next poll). */
size_t rr_gfx_window_poll(rr_gfx_context_t *ctx, const rr_input_event_t **events);
bool rr_gfx_window_should_close(rr_gfx_context_t *ctx);
void rr_gfx_window_framebuffer_size(rr_gfx_context_t *ctx, int *w, int *h);
/* The window's size in screen coordinates (the mouse's), 0 x 0 when minimised. */
void rr_gfx_window_size(rr_gfx_context_t *ctx, int *w, int *h);
/* The cursor position and whether a button (0 left, 1 right, 2 middle) is held. */
void rr_gfx_window_cursor(rr_gfx_context_t *ctx, double *x, double *y);
bool rr_gfx_window_button_down(rr_gfx_context_t *ctx, int button);
void rr_gfx_window_set_title(rr_gfx_context_t *ctx, const char *title);

#endif
