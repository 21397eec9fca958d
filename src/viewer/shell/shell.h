/* The viewer's shell, laid out as Rerun 0.33's (re_viewer app_state.rs,
 * re_ui design tokens): a top bar (app name, the active recording's
 * application id, load progress, panel and theme toggles) with the error
 * banner under it, a left panel (recordings grouped by application id, the
 * blueprint tree with visibility toggles), the viewport (the blueprint's
 * views in a grid, each with a tab header, one of them maximisable), a right
 * selection panel (the selected entity or instance and its components at
 * the current time) and a bottom time panel.
 *
 * One frame: the host feeds input into the UI context (rr_ui_input_*), calls
 * rr_shell_frame (which renders every visible view into its own cached
 * target and lays out the UI), binds the framebuffer it wants drawn (a
 * window's default framebuffer, or an off-screen target) and calls
 * rr_shell_render. Views are drawn into the UI as images of their targets.
 *
 * Ownership: the shell borrows the app, the renderer and the UI context
 * (all outlive it) and owns its views and their targets. Every call needs
 * the renderer's GL context current. */
#ifndef RR_VIEWER_SHELL_SHELL_H
#define RR_VIEWER_SHELL_SHELL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"
#include "viewer/app.h"
#include "viewer/blueprint.h"
#include "viewer/gfx/renderer.h"
#include "viewer/ui/ui.h"
#include "viewer/views/pick.h"

typedef struct rr_shell rr_shell_t;

/* Rerun's metrics (re_ui design_tokens.rs, app_state.rs, selection_panel.rs,
 * time_panel.rs), in UI points. */
#define RR_SHELL_TOP_BAR_HEIGHT 28.0f
#define RR_SHELL_TITLE_BAR_HEIGHT 24.0f /* panel titles and view tab headers */
#define RR_SHELL_SIDE_PANEL_MIN 120.0f

rr_status_t rr_shell_new(rr_app_t *app, rr_gfx_renderer_t *r, rr_ui_t *ui, rr_shell_t **out,
                         rr_error_t *err);
void rr_shell_free(rr_shell_t *s); /* NULL-safe */

/* One frame: the host has fed the frame's input into ui (rr_ui_input_*);
 * renders the views into their own targets and builds the UI over a screen
 * of width_pt x height_pt points at scale pixels per point (the UI font's
 * scale). now: seconds on any monotonic clock. Leaves no framebuffer of its
 * own bound (binds 0). */
rr_status_t rr_shell_frame(rr_shell_t *s, float width_pt, float height_pt, float scale, double now,
                           rr_error_t *err);
/* Draws the finished frame into the bound framebuffer of fb_w x fb_h pixels. */
rr_status_t rr_shell_render(rr_shell_t *s, int fb_w, int fb_h, rr_error_t *err);
/* Something animates (playback, loading, a tooltip's delay): draw again
 * without waiting for input. */
bool rr_shell_wants_repaint(const rr_shell_t *s);

/* The selected and the hovered thing (hit false when none). */
const rr_pick_t *rr_shell_selection(const rr_shell_t *s);
const rr_pick_t *rr_shell_hover(const rr_shell_t *s);
/* Selects p (NULL or !p->hit: clears), as a click would. */
void rr_shell_select(rr_shell_t *s, const rr_pick_t *p);

/* The selection panel's text as of the last frame, one line per row shown
 * (the path, then "name: value" per component); for tests and the debug
 * dump. Valid until the next frame. */
size_t rr_shell_selection_lines(const rr_shell_t *s, const char *const **lines);

/* Where the last frame put things, in points. Hidden panels have w or h 0. */
typedef struct rr_shell_layout {
    rr_ui_rect_t top_bar, banner, left, right, bottom, viewport;
} rr_shell_layout_t;
void rr_shell_layout(const rr_shell_t *s, rr_shell_layout_t *out);

/* The rect of one of the last frame's clickable items, by key, for tests
 * and hosts that script the mouse: "recording:<recording id>",
 * "view:<i>" and "view_eye:<i>" (view i's blueprint row and its eye),
 * "entity:<i>:<path>" and "entity_eye:<i>:<path>" (an entity under view i),
 * "maximize:<i>" (the button in view i's tab), "toggle:<p>" (the top
 * bar's button of rr_shell_panel_t p). False when not drawn
 * (scrolled out, panel hidden). */
bool rr_shell_item_rect(const rr_shell_t *s, const char *key, rr_ui_rect_t *out);

/* A view of the shell as of the last frame. */
typedef struct rr_shell_view_info {
    rr_view_class_t cls;
    char origin[256];
    char name[128];
    bool visible;         /* the view's eye in the blueprint tree */
    bool shown;           /* drawn in the viewport (visible, and not behind a maximised view) */
    rr_ui_rect_t tab;     /* its tab header */
    rr_ui_rect_t content; /* the image of its target */
    size_t drawables;     /* what the view drew (3D/2D drawables, visible series) */
} rr_shell_view_info_t;
size_t rr_shell_num_views(const rr_shell_t *s);
bool rr_shell_view_info(const rr_shell_t *s, size_t i, rr_shell_view_info_t *out);

/* Panel visibility (the top bar's toggles and the palette's commands). */
typedef enum rr_shell_panel {
    RR_SHELL_PANEL_LEFT = 0, RR_SHELL_PANEL_RIGHT, RR_SHELL_PANEL_BOTTOM
} rr_shell_panel_t;
void rr_shell_set_panel(rr_shell_t *s, rr_shell_panel_t p, bool shown);
bool rr_shell_panel_shown(const rr_shell_t *s, rr_shell_panel_t p);

/* Things the host does on the shell's behalf, asked for by keys or the
 * command palette since the last call (each reported once): a screenshot
 * (F12) and closing the viewer. */
bool rr_shell_take_screenshot_request(rr_shell_t *s);
bool rr_shell_take_quit_request(rr_shell_t *s);

/* The shell's state as JSON members without braces, for the debug dump's
 * `extra`: "views":[...], "play_button":[x,y,w,h] (points, while the time
 * panel shows) and "selection":{...}. Truncated to cap. */
void rr_shell_debug_json(const rr_shell_t *s, char *buf, size_t cap);

#endif
