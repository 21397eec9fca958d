/* The viewer's immediate-mode UI toolkit: every frame the host feeds input,
 * the code lays out and draws the whole UI by calling widget functions
 * (which answer "was I clicked / changed" right away), and the frame ends in
 * draw lists of textured, coloured triangles with clip rects that ui_gl.h
 * renders with GLES3 (or WebGL 2).
 *
 * Units: UI points. The host gives the screen size in points and a HiDPI
 * scale (pixels per point); the font atlas is rasterised at that scale.
 * Colours: 0xRRGGBBAA (as the renderer's Rgba32).
 *
 * Ids: a widget's id is the hash of its label within the current id scope
 * (rr_ui_push_id / rr_ui_pop_id). A label "Text##key" shows "Text" and
 * hashes the whole string, so two widgets can show the same text.
 *
 * Layout: a region (the screen, a panel, a scroll area, a popup) stacks items
 * top to bottom; rr_ui_same_line puts the next item to the right of the last.
 * Panels carve the screen from its edges (left, right, top, bottom) and the
 * central region takes what is left, as in Rerun's shell.
 *
 * Layers: popups (combo lists, context menus, the command palette) and
 * tooltips draw above the main layer and take the mouse from it.
 *
 * There is one context per window; it is not thread-safe. Ownership: the
 * context owns its draw lists and state; the caller owns the font and frees
 * it after the context. */
#ifndef RR_VIEWER_UI_UI_H
#define RR_VIEWER_UI_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "viewer/ui/font.h"

typedef struct rr_ui rr_ui_t;
typedef uint32_t rr_ui_id_t;
typedef uint32_t rr_ui_color_t;

typedef struct rr_ui_rect {
    float x, y, w, h;
} rr_ui_rect_t;

static inline bool rr_ui_rect_contains(rr_ui_rect_t r, float x, float y) {
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}
rr_ui_rect_t rr_ui_rect_intersect(rr_ui_rect_t a, rr_ui_rect_t b);

/* ---------------- themes ---------------- */

typedef enum rr_ui_theme_kind { RR_UI_THEME_DARK = 0, RR_UI_THEME_LIGHT } rr_ui_theme_kind_t;

/* Colours named as in Rerun's re_ui design tokens; metrics in points. */
typedef struct rr_ui_theme {
    rr_ui_color_t panel_bg, top_bar_bg, bottom_bar_bg, tab_bar_bg, viewport_bg;
    rr_ui_color_t floating_bg, extreme_bg, faint_bg, text_edit_bg;
    rr_ui_color_t text, text_strong, text_subdued;
    rr_ui_color_t widget_bg, widget_hovered, widget_active, widget_stroke;
    rr_ui_color_t selection_bg, selection_text, focus_stroke, modal_dim;
    float font_size, spacing_x, spacing_y, padding_x, padding_y, corner_radius;
    float indent, scrollbar_width, splitter_width, slider_width, row_height;
    float tooltip_delay; /* seconds of hovering before a tooltip shows */
} rr_ui_theme_t;

void rr_ui_theme_init(rr_ui_theme_t *t, rr_ui_theme_kind_t kind);

/* ---------------- input ---------------- */

typedef enum rr_ui_key {
    RR_UI_KEY_NONE = 0,
    RR_UI_KEY_LEFT, RR_UI_KEY_RIGHT, RR_UI_KEY_UP, RR_UI_KEY_DOWN,
    RR_UI_KEY_HOME, RR_UI_KEY_END, RR_UI_KEY_PAGE_UP, RR_UI_KEY_PAGE_DOWN,
    RR_UI_KEY_BACKSPACE, RR_UI_KEY_DELETE, RR_UI_KEY_ENTER, RR_UI_KEY_ESCAPE,
    RR_UI_KEY_TAB, RR_UI_KEY_SPACE,
    RR_UI_KEY_A, RR_UI_KEY_C, RR_UI_KEY_P, RR_UI_KEY_V, RR_UI_KEY_X, RR_UI_KEY_Z,
    RR_UI_KEY_COUNT
} rr_ui_key_t;

enum {
    RR_UI_MOD_SHIFT = 1,
    RR_UI_MOD_CTRL = 2,
    RR_UI_MOD_ALT = 4,
    RR_UI_MOD_SUPER = 8, /* Cmd on macOS */
};

enum { RR_UI_MOUSE_LEFT = 0, RR_UI_MOUSE_RIGHT = 1, RR_UI_MOUSE_MIDDLE = 2 };

/* What the host should show as the mouse cursor after a frame. */
typedef enum rr_ui_cursor {
    RR_UI_CURSOR_ARROW = 0, RR_UI_CURSOR_HAND, RR_UI_CURSOR_TEXT,
    RR_UI_CURSOR_RESIZE_H, RR_UI_CURSOR_RESIZE_V,
} rr_ui_cursor_t;

/* Events from the host (a window's callbacks, or a test's script), between
 * frames; the next rr_ui_begin_frame sees them all. A press and a release
 * within one frame still count as a click. Positions are in points. */
void rr_ui_input_mouse_pos(rr_ui_t *ui, float x, float y);
void rr_ui_input_mouse_leave(rr_ui_t *ui);
void rr_ui_input_mouse_button(rr_ui_t *ui, int button, bool down);
/* Wheel motion in points, signed as GLFW reports it: positive dy moves the
 * view toward the top of the content (the scroll offset shrinks). Hosts
 * whose wheel counts notches (GLFW; a browser's line mode) multiply by
 * RR_UI_WHEEL_NOTCH, so a scroll area moves about two rows per notch and
 * the views zoom by the same step whatever the host. */
#define RR_UI_WHEEL_NOTCH 50.0f
void rr_ui_input_wheel(rr_ui_t *ui, float dx, float dy);
/* A key going down (again for auto-repeat) or up. */
void rr_ui_input_key(rr_ui_t *ui, rr_ui_key_t key, bool down);
void rr_ui_input_modifiers(rr_ui_t *ui, unsigned mods);
/* Typed text, UTF-8 (control characters are ignored). */
void rr_ui_input_text(rr_ui_t *ui, const char *utf8);

/* Clipboard hooks for copy/cut/paste in text inputs. Without them the
 * context keeps an internal clipboard. get returns a string that stays
 * valid until the next call (or NULL). */
typedef struct rr_ui_clipboard {
    void (*set)(void *user, const char *text);
    const char *(*get)(void *user);
    void *user;
} rr_ui_clipboard_t;
void rr_ui_set_clipboard(rr_ui_t *ui, const rr_ui_clipboard_t *cb);

/* ---------------- context and frames ---------------- */

rr_status_t rr_ui_new(rr_ui_font_t *font, rr_ui_t **out, rr_error_t *err);
void rr_ui_free(rr_ui_t *ui); /* NULL-safe */
void rr_ui_set_theme(rr_ui_t *ui, const rr_ui_theme_t *theme);
const rr_ui_theme_t *rr_ui_theme(const rr_ui_t *ui);
rr_ui_font_t *rr_ui_font(const rr_ui_t *ui);
/* Replaces the font between frames (not NULL; the old one stays the
 * caller's): a font rasterised for another scale when the window moves to
 * a screen of another pixel density. Everything else (focus, scroll,
 * panel state) stays. */
void rr_ui_set_font(rr_ui_t *ui, rr_ui_font_t *font);

/* Starts a frame over a screen of width x height points at time now
 * (seconds, any monotonic origin: hover delays and double clicks). */
void rr_ui_begin_frame(rr_ui_t *ui, float width, float height, double now);
/* Ends the frame: the draw data is ready. RR_ERR_NOMEM when geometry was
 * dropped for lack of memory; RR_ERR_INTERNAL when begin/end calls (ids,
 * regions, clips) were left unbalanced, naming which. */
rr_status_t rr_ui_end_frame(rr_ui_t *ui, rr_error_t *err);

/* The UI wants the mouse (it is over a popup or a widget is being dragged)
 * or the keyboard (a text input has focus): the host keeps such input from
 * the 3D views. */
bool rr_ui_wants_mouse(const rr_ui_t *ui);
bool rr_ui_wants_keyboard(const rr_ui_t *ui);
rr_ui_cursor_t rr_ui_cursor(const rr_ui_t *ui);
/* Frames the UI asks to be drawn even without input (a tooltip's delay is
 * running); hosts that sleep until input use it. */
bool rr_ui_wants_repaint(const rr_ui_t *ui);

/* ---------------- input, for widgets made outside the toolkit ---------------- */

/* The mouse this frame. */
typedef struct rr_ui_mouse {
    float x, y;             /* points */
    float dx, dy;           /* motion since the last frame */
    bool down[3], pressed[3]; /* left, right, middle: held; went down this frame */
    unsigned mods;          /* RR_UI_MOD_* */
    /* Over the main layer: in the window, not over a popup, no modal open. */
    bool free;
} rr_ui_mouse_t;
void rr_ui_mouse(const rr_ui_t *ui, rr_ui_mouse_t *out);
/* The wheel's motion this frame in points (y: up is positive), until a
 * widget takes it; taking it keeps scroll regions from scrolling too. */
float rr_ui_wheel_y(const rr_ui_t *ui);
void rr_ui_take_wheel(rr_ui_t *ui);
/* Another frame is wanted soon (an animation, work left for later). */
void rr_ui_request_repaint(rr_ui_t *ui);
/* The clip rectangle items are drawn in now. */
rr_ui_rect_t rr_ui_clip_rect(const rr_ui_t *ui);
/* The height of a row of widgets (the theme's row height, or the font's
 * line and padding when larger). */
float rr_ui_row_height(const rr_ui_t *ui);
/* The shown part of a label ("Text##key" -> "Text"): its length. */
size_t rr_ui_label_length(const char *label);
/* Text vertically centred in r, starting at x. */
void rr_ui_draw_text_in(rr_ui_t *ui, rr_ui_rect_t r, float x, const char *s, size_t len, rr_ui_color_t c);

/* ---------------- draw data ---------------- */

typedef struct rr_ui_vertex {
    float x, y; /* points */
    float u, v;
    rr_ui_color_t color;
} rr_ui_vertex_t;

/* A run of triangles with one clip rect and texture (0: the font atlas;
 * otherwise a GL texture name given to rr_ui_image). */
typedef struct rr_ui_cmd {
    rr_ui_rect_t clip;
    uint32_t texture;
    uint32_t idx_offset, idx_count;
} rr_ui_cmd_t;

typedef struct rr_ui_draw_list {
    rr_ui_vertex_t *vtx;
    uint32_t *idx;
    rr_ui_cmd_t *cmds;
    size_t n_vtx, n_idx, n_cmds;
    size_t cap_vtx, cap_idx, cap_cmds;
} rr_ui_draw_list_t;

enum { RR_UI_LAYER_MAIN = 0, RR_UI_LAYER_POPUP, RR_UI_LAYER_TOOLTIP, RR_UI_LAYER_COUNT };

typedef struct rr_ui_draw_data {
    const rr_ui_draw_list_t *lists[RR_UI_LAYER_COUNT]; /* back to front */
    float width, height, scale;
} rr_ui_draw_data_t;
/* Valid after rr_ui_end_frame until the next rr_ui_begin_frame. */
void rr_ui_draw_data(const rr_ui_t *ui, rr_ui_draw_data_t *out);

/* ---------------- painting (for custom widgets: rulers, plots) ---------------- */

void rr_ui_draw_rect(rr_ui_t *ui, rr_ui_rect_t r, rr_ui_color_t c, float rounding);
void rr_ui_draw_rect_stroke(rr_ui_t *ui, rr_ui_rect_t r, rr_ui_color_t c, float width);
void rr_ui_draw_line(rr_ui_t *ui, float x0, float y0, float x1, float y1, rr_ui_color_t c,
                     float width);
void rr_ui_draw_triangle(rr_ui_t *ui, float x0, float y0, float x1, float y1, float x2, float y2,
                         rr_ui_color_t c);
/* Text with its top-left corner at (x, y); returns its width. */
float rr_ui_draw_text(rr_ui_t *ui, float x, float y, const char *s, size_t len,
                      rr_ui_color_t c);
/* A GL texture (RGBA) drawn into r with texture coordinates (u0,v0)-(u1,v1). */
void rr_ui_image(rr_ui_t *ui, uint32_t texture, rr_ui_rect_t r, float u0, float v0, float u1,
                 float v1);
void rr_ui_push_clip(rr_ui_t *ui, rr_ui_rect_t r); /* intersected with the current clip */
void rr_ui_pop_clip(rr_ui_t *ui);
float rr_ui_text_width(const rr_ui_t *ui, const char *s);

/* ---------------- ids, layout, interaction ---------------- */

rr_ui_id_t rr_ui_id(const rr_ui_t *ui, const char *label); /* in the current scope */
void rr_ui_push_id(rr_ui_t *ui, const char *s);
void rr_ui_push_id_int(rr_ui_t *ui, int64_t n);
void rr_ui_pop_id(rr_ui_t *ui);

/* Lays out the items inside r (clipped to it) until rr_ui_end_region. */
void rr_ui_begin_region(rr_ui_t *ui, rr_ui_rect_t r);
void rr_ui_end_region(rr_ui_t *ui);
/* The region's space left for items: from the layout cursor to the region's
 * right and bottom edges. */
rr_ui_rect_t rr_ui_available(const rr_ui_t *ui);
/* Reserves w x h points for the next item (w < 0: the available width). */
rr_ui_rect_t rr_ui_allocate(rr_ui_t *ui, float w, float h);
void rr_ui_same_line(rr_ui_t *ui);
void rr_ui_spacing(rr_ui_t *ui, float h);
void rr_ui_separator(rr_ui_t *ui);
void rr_ui_indent(rr_ui_t *ui, float dx); /* negative to unindent */
rr_ui_rect_t rr_ui_last_item_rect(const rr_ui_t *ui);
rr_ui_id_t rr_ui_last_item_id(const rr_ui_t *ui);
bool rr_ui_last_item_hovered(const rr_ui_t *ui);

/* What the mouse does to an interactive rect this frame. */
typedef struct rr_ui_response {
    bool hovered;        /* under the mouse, nothing above it */
    bool pressed;        /* the left button went down on it this frame */
    bool held;           /* pressed on it earlier and still down (dragging) */
    bool clicked;        /* released over it after pressing on it */
    bool double_clicked;
    bool right_clicked;
    float drag_dx, drag_dy; /* mouse motion this frame while held */
} rr_ui_response_t;
rr_ui_response_t rr_ui_interact(rr_ui_t *ui, rr_ui_id_t id, rr_ui_rect_t r);

/* ---------------- widgets ---------------- */

void rr_ui_label(rr_ui_t *ui, const char *text);
void rr_ui_label_colored(rr_ui_t *ui, const char *text, rr_ui_color_t c);
void rr_ui_labelf(rr_ui_t *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rr_ui_heading(rr_ui_t *ui, const char *text);
/* True exactly once per click (press and release over it). */
bool rr_ui_button(rr_ui_t *ui, const char *label);
/* A row that shows selection; true when clicked. */
bool rr_ui_selectable(rr_ui_t *ui, const char *label, bool selected);
/* True on the frame *v flips. */
bool rr_ui_checkbox(rr_ui_t *ui, const char *label, bool *v);
/* Click or drag along the track: the value follows the mouse in proportion
 * to its position; true while it changes. fmt: printf for the value (NULL:
 * "%.3g" / "%d"). */
bool rr_ui_slider_float(rr_ui_t *ui, const char *label, float *v, float lo, float hi,
                        const char *fmt);
bool rr_ui_slider_int(rr_ui_t *ui, const char *label, int *v, int lo, int hi);
/* A value changed by dragging horizontally: speed per point of motion. */
bool rr_ui_drag_float(rr_ui_t *ui, const char *label, float *v, float speed, float lo, float hi);
/* A button showing items[*sel] that opens a list; true when *sel changes. */
bool rr_ui_combo(rr_ui_t *ui, const char *label, int *sel, const char *const *items, int n);
/* A single-line text field over buf (cap bytes with the NUL): click to
 * focus, type, arrows/Home/End (Shift selects), Backspace/Delete, Ctrl+A,
 * Ctrl+C/X/V through the clipboard hooks. True when the text changed;
 * rr_ui_text_submitted tells whether Enter was pressed in it this frame. */
bool rr_ui_text_input(rr_ui_t *ui, const char *label, char *buf, size_t cap);
bool rr_ui_text_submitted(const rr_ui_t *ui);
/* Keyboard focus to the widget with this id (a text input), or 0 for none. */
void rr_ui_set_focus(rr_ui_t *ui, rr_ui_id_t id);
rr_ui_id_t rr_ui_focus(const rr_ui_t *ui);

/* A collapsible tree node: true when open; then its children follow,
 * indented, and rr_ui_tree_pop closes it. */
bool rr_ui_tree_node(rr_ui_t *ui, const char *label, bool default_open);
void rr_ui_tree_pop(rr_ui_t *ui);
void rr_ui_tree_set_open(rr_ui_t *ui, const char *label, bool open);

/* A scroll area height points tall (< 0: the available height) as wide as
 * the region: items inside are clipped to it; the wheel over it and its
 * scrollbar (when the content is taller) scroll it. */
void rr_ui_scroll_begin(rr_ui_t *ui, const char *id, float height);
void rr_ui_scroll_end(rr_ui_t *ui);
/* The scroll offset (points) of a scroll area, and setting it. */
float rr_ui_scroll_offset(rr_ui_t *ui, const char *id);
void rr_ui_set_scroll_offset(rr_ui_t *ui, const char *id, float y);

/* Tabs in a row; true when the user picks another one. */
bool rr_ui_tabs(rr_ui_t *ui, const char *id, const char *const *names, int n, int *active);

/* A tooltip for the last item once it has been hovered tooltip_delay
 * seconds (the mouse resting on it). */
void rr_ui_tooltip(rr_ui_t *ui, const char *text);

/* Right-clicking the last item opens its context menu: while open,
 * rr_ui_context_menu_begin returns true and menu items follow; call
 * rr_ui_context_menu_end then. A click on an item or outside closes it. */
bool rr_ui_context_menu_begin(rr_ui_t *ui);
bool rr_ui_menu_item(rr_ui_t *ui, const char *label);
void rr_ui_context_menu_end(rr_ui_t *ui);

/* Resizable panels carved from the screen's edges, then the centre. *size
 * (points) is the panel's width (left/right) or height (top/bottom); when
 * resizable, dragging its inner edge changes it within [min, max]. */
typedef enum rr_ui_side {
    RR_UI_SIDE_LEFT = 0, RR_UI_SIDE_RIGHT, RR_UI_SIDE_TOP, RR_UI_SIDE_BOTTOM
} rr_ui_side_t;
void rr_ui_panel_begin(rr_ui_t *ui, const char *id, rr_ui_side_t side, float *size, float min,
                       float max, bool resizable);
void rr_ui_panel_end(rr_ui_t *ui);
void rr_ui_central_begin(rr_ui_t *ui);
void rr_ui_central_end(rr_ui_t *ui);
/* Splits r in two at *frac (0..1) along x (vertical divider) or y, with a
 * draggable divider; *a and *b are the two parts. True while dragged. */
bool rr_ui_splitter(rr_ui_t *ui, const char *id, rr_ui_rect_t r, bool vertical, float *frac,
                    rr_ui_rect_t *a, rr_ui_rect_t *b);

/* The command palette (Rerun: Ctrl/Cmd+P): a modal list of named commands
 * filtered as one types (fuzzy: the query's characters in order, words
 * matching first), Up/Down to choose, Enter or a click to run, Escape to
 * close. Returns the index of the command to run (and closes), or -1. */
typedef struct rr_ui_command {
    const char *name;
    const char *shortcut; /* shown at the right, or NULL */
} rr_ui_command_t;
int rr_ui_command_palette(rr_ui_t *ui, bool *open, const rr_ui_command_t *cmds, int n);
/* How well query matches name: < 0 no match, larger is better. */
int rr_ui_fuzzy_score(const char *query, const char *name);

#endif
