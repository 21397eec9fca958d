/* The UI context's insides, shared by the core (ui.c: frames, input, ids,
 * layout, drawing) and the widgets (widgets.c). Not for users of ui.h. */
#ifndef RR_VIEWER_UI_UI_INTERNAL_H
#define RR_VIEWER_UI_UI_INTERNAL_H

#include "viewer/ui/ui.h"

#define UI_MAX_STACK 64
#define UI_MAX_POPUP_RECTS 16
#define UI_TEXT_MAX 256 /* typed text kept per frame */

/* Per-id state kept across frames (open trees, scroll offsets, text cursors). */
typedef struct ui_state {
    rr_ui_id_t id; /* 0: free slot */
    bool open, init;
    float f0, f1, f2;   /* scroll offset, content height, popup size... */
    size_t cursor, anchor;
    uint64_t last_frame;
} ui_state_t;

typedef struct ui_layout {
    rr_ui_rect_t rect;   /* the region */
    float cx, cy;        /* where the next row starts (cx: after indent) */
    float indent;
    float content_bottom;
    rr_ui_rect_t last;   /* the last item */
    bool same_line, has_last;
} ui_layout_t;

typedef struct ui_popup {
    rr_ui_id_t id;       /* 0: closed */
    float x, y;          /* where it opened */
    bool keep;           /* its owner opened or toggled it this frame */
    bool drawn;          /* its owner drew it this frame (else it closes) */
} ui_popup_t;

typedef struct ui_scroll {
    rr_ui_id_t id;
    rr_ui_rect_t rect;   /* the visible area */
    float content_top;
} ui_scroll_t;

#define UI_PALETTE_MAX 512 /* matches listed by the command palette */

struct rr_ui {
    rr_ui_font_t *font;
    rr_ui_theme_t theme;
    rr_ui_clipboard_t clipboard;
    char *own_clip;

    /* Input as the host fed it since the last frame. */
    float mx, my, prev_mx, prev_my;
    bool mouse_in;
    bool down[3], pressed[3], released[3];
    float wheel_x, wheel_y;
    unsigned mods;
    uint8_t key_presses[RR_UI_KEY_COUNT];
    char text[UI_TEXT_MAX];
    size_t text_len;
    double press_time[3];
    float press_x[3], press_y[3];
    bool double_click;

    /* The frame. */
    float width, height;
    double now;
    uint64_t frame;
    bool oom;
    int layer;
    rr_ui_draw_list_t lists[RR_UI_LAYER_COUNT];
    rr_ui_rect_t clip[RR_UI_LAYER_COUNT][UI_MAX_STACK];
    int n_clip[RR_UI_LAYER_COUNT];
    rr_ui_id_t ids[UI_MAX_STACK];
    int n_ids;
    ui_layout_t layouts[UI_MAX_STACK];
    int n_layouts;
    int saved_layer[UI_MAX_STACK]; /* per layout: the layer to go back to */
    rr_ui_rect_t remaining; /* the screen minus the panels so far */
    const char *unbalanced;

    /* Interaction. */
    rr_ui_id_t hot, active, focus, last_id;
    rr_ui_id_t hover_id, hover_id_prev; /* for tooltips */
    double hover_since;
    bool last_hovered, submitted, any_hovered;
    rr_ui_cursor_t cursor;
    bool wants_repaint;
    /* Popups: mouse over last frame's popup rects belongs to them. */
    rr_ui_rect_t popup_rects[UI_MAX_POPUP_RECTS], popup_rects_prev[UI_MAX_POPUP_RECTS];
    int n_popup_rects, n_popup_rects_prev;
    bool mouse_over_popup;
    bool modal, modal_prev; /* the command palette blocks the main layer */
    ui_popup_t popup;
    int popup_vtx_patch; /* vertex index of the open popup's background */

    ui_scroll_t scrolls[UI_MAX_STACK];
    int n_scrolls;
    /* The open context menu's layout. */
    rr_ui_id_t menu_state;
    float menu_w;
    int menu_bg;
    /* The command palette. */
    char palette_query[128];
    int palette_sel;
    bool palette_was_open;
    int palette_match[UI_PALETTE_MAX];
    int palette_score[UI_PALETTE_MAX];

    ui_state_t *states;
    ui_state_t scratch_state; /* handed out when the table cannot grow */
    size_t n_states_cap, n_states;
};

/* Core services for the widgets. */
ui_state_t *ui_state(rr_ui_t *ui, rr_ui_id_t id);
ui_layout_t *ui_layout(rr_ui_t *ui);
void ui_push_layout(rr_ui_t *ui, rr_ui_rect_t r);
/* A region on another layer (popups); ending it returns to this layer. */
void ui_push_layout_on(rr_ui_t *ui, rr_ui_rect_t r, int layer);
/* Hover without taking presses (labels, for tooltips). */
bool ui_hover_only(rr_ui_t *ui, rr_ui_id_t id, rr_ui_rect_t r);
void ui_pop_layout(rr_ui_t *ui);
rr_ui_rect_t ui_clip(const rr_ui_t *ui);
/* The label's shown part ("Text##key" -> "Text") and its length. */
size_t ui_label_len(const char *label);
bool ui_key(const rr_ui_t *ui, rr_ui_key_t k); /* pressed this frame */
void ui_set_layer(rr_ui_t *ui, int layer);
void ui_add_popup_rect(rr_ui_t *ui, rr_ui_rect_t r);
float ui_row_h(const rr_ui_t *ui);
/* Text vertically centred in r at x. */
void ui_text_in(rr_ui_t *ui, rr_ui_rect_t r, float x, const char *s, size_t len, rr_ui_color_t c);
/* Reserves the popup background's four vertices to be placed by
 * ui_popup_bg_patch once the popup's content size is known. */
int ui_popup_bg_reserve(rr_ui_t *ui, rr_ui_color_t c);
void ui_popup_bg_patch(rr_ui_t *ui, int at, rr_ui_rect_t r);
rr_ui_id_t ui_hash(const char *s, size_t len, rr_ui_id_t seed);

#endif
