/* The native viewer loop: the app (app.h) in a GLFW window, shown by the
 * shell (shell/shell.h: panels, the blueprint's views, the time panel).
 * In a 3D view: left drag orbits, right (or middle) drag pans, the wheel
 * zooms, a double click resets the camera; keys: space plays / pauses,
 * left / right step to the previous / next time with data, Ctrl+P opens the
 * command palette, F12 writes a screenshot, Escape backs out of a maximised
 * view or the selection. SaveScreenshot requests to the app's built-in
 * endpoint are answered with the window's frame. */
#ifndef RR_VIEWER_APP_WINDOW_H
#define RR_VIEWER_APP_WINDOW_H

#include "base/status.h"
#include "viewer/app.h"

typedef struct rr_app_window_options {
    int width, height;              /* 0: 1280 x 800 */
    const char *title;              /* NULL: "Rerun" */
    /* The app state as JSON (rr_app_write_debug_dump, plus the frame
     * number) every dump_every frames (0: 10) and at exit; NULL: none. */
    const char *debug_dump;
    int dump_every;
    /* Where F12 and the exit screenshot go; NULL: F12 writes
     * rerun_screenshot.png and nothing at exit. */
    const char *screenshot;
    bool screenshot_on_exit;
    double max_seconds;             /* > 0: close after this long */
} rr_app_window_options_t;

/* Runs until the window closes (or rr_app_window_request_close). Errors:
 * no display / no GLES 3 (RR_ERR_UNAVAILABLE, saying what to do), GL
 * failures. */
rr_status_t rr_app_run_window(rr_app_t *app, const rr_app_window_options_t *opts, rr_error_t *err);
/* Async-signal-safe: the loop ends after its current frame. */
void rr_app_window_request_close(void);

#endif
