/* The UI toolkit (src/viewer/ui/) driven by scripted input and drawn
 * headless (EGL on llvmpipe): widgets answer as a user expects (a click
 * counts once, a slider follows the mouse in proportion, text edits, trees
 * open, scroll areas clip and scroll, the palette filters) and their pixels
 * land where their rects say. Writes a demo panel of every widget to
 * $RR_BUILD_DIR/ui_demo.png and compares it with tests/viewer_ref/ui_demo.png.
 * Exits 77 (skip) without EGL / OpenGL ES 3 or without the DejaVu font. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "viewer/gfx/context.h"
#include "viewer/gfx/png.h"
#include "viewer/gfx/renderer.h"
#include "viewer/ui/ui.h"
#include "viewer/ui/ui_gl.h"

#define W 320
#define H 240

static rr_gfx_context_t *g_ctx;
static rr_gfx_renderer_t *g_r;
static rr_ui_gl_t *g_gl;
static rr_ui_font_t *g_font;
static rr_ui_t *g_ui;
static double g_now;

/* ---------------- harness ---------------- */

static void begin(void) {
    g_now += 1.0 / 60;
    rr_ui_begin_frame(g_ui, W, H, g_now);
}

static void end(void) {
    rr_error_t err = {0};
    assert_rr_ok(rr_ui_end_frame(g_ui, &err), &err);
}

static void move(float x, float y) { rr_ui_input_mouse_pos(g_ui, x, y); }
static void press(int b) { rr_ui_input_mouse_button(g_ui, b, true); }
static void release(int b) { rr_ui_input_mouse_button(g_ui, b, false); }
static void key(rr_ui_key_t k) { rr_ui_input_key(g_ui, k, true); rr_ui_input_key(g_ui, k, false); }
static float cx(rr_ui_rect_t r) { return r.x + r.w * 0.5f; }
static float cy(rr_ui_rect_t r) { return r.y + r.h * 0.5f; }

/* Renders the ended frame of ui at w x h pixels; malloc'ed RGBA, top row first. */
static uint8_t *render_ui(rr_ui_t *ui, int w, int h) {
    rr_error_t err = {0};
    rr_gfx_target_t *t = NULL;
    assert_rr_ok(rr_gfx_target_new(g_r, w, h, 1, &t, &err), &err);
    rr_mat4_t id = rr_mat4_identity();
    const float clear[4] = {1, 0, 1, 1}; /* magenta: what no theme draws */
    rr_gfx_begin(g_r, t, &id, &id, clear);
    assert_rr_ok(rr_ui_gl_render(g_gl, ui, w, h, &err), &err);
    assert_rr_ok(rr_gfx_end(g_r, &err), &err);
    uint8_t *px = malloc((size_t)w * h * 4);
    assert_non_null(px);
    assert_rr_ok(rr_gfx_target_read_rgba(t, px, &err), &err);
    rr_gfx_target_free(t);
    return px;
}

static const uint8_t *pix(const uint8_t *px, int w, int x, int y) {
    return px + ((size_t)y * w + (size_t)x) * 4;
}

static bool same_rgb(const uint8_t *a, uint32_t rgba) {
    return abs(a[0] - (int)(rgba >> 24)) <= 2 && abs(a[1] - (int)(rgba >> 16 & 0xff)) <= 2 &&
           abs(a[2] - (int)(rgba >> 8 & 0xff)) <= 2;
}

/* Pixels inside r (points at scale s) that differ from the colour bg. */
static int count_not(const uint8_t *px, int w, int h, rr_ui_rect_t r, float s, uint32_t bg) {
    int n = 0;
    for (int y = (int)(r.y * s); y < (int)((r.y + r.h) * s) && y < h; y++)
        for (int x = (int)(r.x * s); x < (int)((r.x + r.w) * s) && x < w; x++)
            if (y >= 0 && x >= 0 && !same_rgb(pix(px, w, x, y), bg)) n++;
    return n;
}

static void reset_ui(void) {
    rr_ui_free(g_ui);
    rr_error_t err = {0};
    assert_rr_ok(rr_ui_new(g_font, &g_ui, &err), &err);
    move(-100, -100);
}

/* ---------------- behaviour ---------------- */

static rr_ui_rect_t g_rect;

static bool button_frame(void) {
    begin();
    bool clicked = rr_ui_button(g_ui, "Press me");
    g_rect = rr_ui_last_item_rect(g_ui);
    end();
    return clicked;
}

static void test_button_click_once(void **state) {
    (void)state;
    reset_ui();
    button_frame();
    move(cx(g_rect), cy(g_rect));
    assert_false(button_frame());
    press(0);
    assert_false(button_frame()); /* pressing is not clicking */
    assert_false(button_frame());
    release(0);
    assert_true(button_frame());
    assert_false(button_frame());
    assert_false(button_frame());
    /* Press and release between two frames still clicks, once. */
    press(0);
    release(0);
    assert_true(button_frame());
    assert_false(button_frame());
    /* Pressed outside and released over it: no click. */
    move(g_rect.x + g_rect.w + 40, cy(g_rect));
    press(0);
    assert_false(button_frame());
    move(cx(g_rect), cy(g_rect));
    assert_false(button_frame());
    release(0);
    assert_false(button_frame());
    /* Pressed on it and released elsewhere: no click either. */
    press(0);
    assert_false(button_frame());
    move(g_rect.x + g_rect.w + 40, cy(g_rect));
    release(0);
    assert_false(button_frame());
}

static void test_checkbox_toggles(void **state) {
    (void)state;
    reset_ui();
    bool v = false;
    rr_ui_rect_t r = {0};
    for (int i = 0; i < 6; i++) {
        if (i == 1) move(r.x + 5, cy(r));
        if (i == 2 || i == 4) press(0), release(0);
        begin();
        bool changed = rr_ui_checkbox(g_ui, "Visible", &v);
        r = rr_ui_last_item_rect(g_ui);
        end();
        assert_int_equal(changed, i == 2 || i == 4);
        assert_int_equal(v, i >= 2 && i < 4);
    }
}

static void test_slider_drag_proportional(void **state) {
    (void)state;
    reset_ui();
    float v = 0;
    int iv = 0;
    rr_ui_rect_t fr = {0}, ir = {0};
    const rr_ui_theme_t *th = rr_ui_theme(g_ui);
    /* The track starts 6 points in and is slider_width - 12 long. */
#define FRAME()                                                                 \
    do {                                                                        \
        begin();                                                                \
        rr_ui_slider_float(g_ui, "Float", &v, 10, 20, "%.2f");                  \
        fr = rr_ui_last_item_rect(g_ui);                                        \
        rr_ui_slider_int(g_ui, "Int", &iv, 0, 100);                             \
        ir = rr_ui_last_item_rect(g_ui);                                        \
        end();                                                                  \
    } while (0)
    FRAME();
    float tx = fr.x + 6, tw = th->slider_width - 12;
    move(tx + 0.25f * tw, cy(fr));
    press(0);
    FRAME();
    assert_float_equal(v, 12.5f, 0.05f);
    move(tx + 0.75f * tw, cy(fr));
    FRAME();
    assert_float_equal(v, 17.5f, 0.05f);
    move(tx + 5 * tw, cy(fr) + 50); /* dragging beyond the end clamps */
    FRAME();
    assert_float_equal(v, 20.0f, 1e-4f);
    release(0);
    FRAME();
    move(tx + 0.5f * tw, cy(fr)); /* hovering alone changes nothing */
    FRAME();
    assert_float_equal(v, 20.0f, 1e-4f);
    move(ir.x + 6 + 0.4f * tw, cy(ir));
    press(0);
    FRAME();
    assert_int_equal(iv, 40);
    move(ir.x + 6 + 0.1f * tw, cy(ir));
    FRAME();
    assert_int_equal(iv, 10);
    release(0);
    FRAME();
    assert_float_equal(v, 20.0f, 1e-4f); /* the other slider did not move */
#undef FRAME
}

static const char *g_clip_text;
static char g_clip_buf[64];
static void clip_set(void *user, const char *t) {
    (void)user;
    snprintf(g_clip_buf, sizeof g_clip_buf, "%s", t);
}
static const char *clip_get(void *user) {
    (void)user;
    return g_clip_text ? g_clip_text : g_clip_buf;
}

static char g_buf[16];
static bool text_frame(void) {
    begin();
    bool changed = rr_ui_text_input(g_ui, "Name", g_buf, sizeof g_buf);
    g_rect = rr_ui_last_item_rect(g_ui);
    end();
    return changed;
}

static void test_text_input_edits(void **state) {
    (void)state;
    reset_ui();
    rr_ui_set_clipboard(g_ui, &(rr_ui_clipboard_t){clip_set, clip_get, NULL});
    strcpy(g_buf, "");
    text_frame();
    rr_ui_input_text(g_ui, "ignored"); /* not focused yet */
    assert_false(text_frame());
    assert_string_equal(g_buf, "");
    move(g_rect.x + 20, cy(g_rect));
    press(0), release(0);
    text_frame();
    assert_true(rr_ui_wants_keyboard(g_ui));
    rr_ui_input_text(g_ui, "hello");
    assert_true(text_frame());
    assert_string_equal(g_buf, "hello");
    key(RR_UI_KEY_BACKSPACE);
    text_frame();
    assert_string_equal(g_buf, "hell");
    key(RR_UI_KEY_LEFT), key(RR_UI_KEY_LEFT);
    text_frame();
    rr_ui_input_text(g_ui, "X");
    text_frame();
    assert_string_equal(g_buf, "heXll");
    key(RR_UI_KEY_HOME);
    text_frame();
    key(RR_UI_KEY_DELETE);
    text_frame();
    assert_string_equal(g_buf, "eXll");
    /* Shift+End selects to the end; Ctrl+C copies, typing replaces. */
    key(RR_UI_KEY_RIGHT);
    text_frame();
    rr_ui_input_modifiers(g_ui, RR_UI_MOD_SHIFT);
    key(RR_UI_KEY_END);
    text_frame();
    rr_ui_input_modifiers(g_ui, RR_UI_MOD_CTRL);
    key(RR_UI_KEY_C);
    text_frame();
    assert_string_equal(g_clip_buf, "Xll");
    rr_ui_input_modifiers(g_ui, 0);
    rr_ui_input_text(g_ui, "yz");
    text_frame();
    assert_string_equal(g_buf, "eyz");
    /* Paste at the cursor; the field's capacity (15 bytes) bounds it. */
    g_clip_text = "0123456789abcdef";
    rr_ui_input_modifiers(g_ui, RR_UI_MOD_CTRL);
    key(RR_UI_KEY_V);
    text_frame();
    g_clip_text = NULL;
    assert_string_equal(g_buf, "eyz0123456789ab");
    /* Ctrl+A then typing replaces everything; UTF-8 is removed whole. */
    key(RR_UI_KEY_A);
    text_frame();
    rr_ui_input_modifiers(g_ui, 0);
    rr_ui_input_text(g_ui, "a\xc3\xa9");
    text_frame();
    assert_string_equal(g_buf, "a\xc3\xa9");
    key(RR_UI_KEY_BACKSPACE);
    text_frame();
    assert_string_equal(g_buf, "a");
    key(RR_UI_KEY_ENTER);
    begin();
    rr_ui_text_input(g_ui, "Name", g_buf, sizeof g_buf);
    assert_true(rr_ui_text_submitted(g_ui));
    end();
    /* A click elsewhere takes the focus away: typing no longer edits. */
    move(W - 5, H - 5);
    press(0), release(0);
    text_frame();
    assert_false(rr_ui_wants_keyboard(g_ui));
    rr_ui_input_text(g_ui, "zzz");
    assert_false(text_frame());
    assert_string_equal(g_buf, "a");
}

static bool g_child_drawn;
static rr_ui_rect_t tree_frame(void) {
    begin();
    rr_ui_rect_t node = {0};
    g_child_drawn = false;
    bool open = rr_ui_tree_node(g_ui, "world", false);
    node = rr_ui_last_item_rect(g_ui);
    if (open) {
        rr_ui_label(g_ui, "points");
        g_child_drawn = true;
        g_rect = rr_ui_last_item_rect(g_ui);
        rr_ui_tree_pop(g_ui);
    }
    rr_ui_label(g_ui, "after");
    end();
    return node;
}

static void test_tree_opens_and_closes(void **state) {
    (void)state;
    reset_ui();
    rr_ui_rect_t node = tree_frame();
    assert_false(g_child_drawn);
    move(node.x + 20, cy(node));
    press(0), release(0);
    tree_frame();
    tree_frame();
    assert_true(g_child_drawn);
    assert_true(g_rect.x > node.x + 10); /* children are indented */
    assert_true(g_rect.y > node.y);
    press(0), release(0);
    tree_frame();
    tree_frame();
    assert_false(g_child_drawn);
}

static rr_ui_rect_t g_items[50];
static rr_ui_rect_t scroll_frame(void) {
    begin();
    rr_ui_label(g_ui, "Above");
    rr_ui_scroll_begin(g_ui, "list", 100);
    for (int i = 0; i < 50; i++) {
        char name[32];
        snprintf(name, sizeof name, "Item number %d", i);
        rr_ui_label(g_ui, name);
        g_items[i] = rr_ui_last_item_rect(g_ui);
    }
    rr_ui_scroll_end(g_ui);
    rr_ui_rect_t area = rr_ui_last_item_rect(g_ui);
    end();
    return area;
}

static void test_scroll_area_clips_and_scrolls(void **state) {
    (void)state;
    reset_ui();
    rr_ui_rect_t area = scroll_frame();
    area = scroll_frame();
    assert_float_equal(area.h, 100, 1e-3);
    assert_true(g_items[40].y > area.y + area.h); /* laid out below the view */
    uint8_t *px = render_ui(g_ui, W, H);
    uint32_t bg = 0xff00ffffu;
    /* Text inside the area, none below it (items 5.. would be there unclipped). */
    assert_true(count_not(px, W, H, (rr_ui_rect_t){area.x, area.y, 60, area.h}, 1, bg) > 50);
    assert_int_equal(count_not(px, W, H, (rr_ui_rect_t){0, area.y + area.h + 1, W, H - area.y - area.h - 1}, 1, bg), 0);
    free(px);
    /* The wheel over it scrolls; outside it does not. */
    move(area.x + 10, area.y + 200);
    rr_ui_input_wheel(g_ui, 0, -60);
    scroll_frame();
    assert_float_equal(rr_ui_scroll_offset(g_ui, "list"), 0, 1e-3);
    move(area.x + 10, area.y + 10);
    rr_ui_input_wheel(g_ui, 0, -60);
    scroll_frame();
    scroll_frame();
    assert_float_equal(rr_ui_scroll_offset(g_ui, "list"), 60, 1e-3);
    assert_float_equal(g_items[0].y, area.y - 60, 1e-3);
    /* Scrolling stops at the end of the content. */
    rr_ui_input_wheel(g_ui, 0, -100000);
    scroll_frame();
    scroll_frame();
    float end_off = rr_ui_scroll_offset(g_ui, "list");
    assert_true(end_off > 500);
    assert_float_equal(g_items[49].y + g_items[49].h, area.y + area.h, 1.0);
    /* Dragging the scroll bar's thumb up to the top scrolls to the start. */
    const rr_ui_theme_t *th = rr_ui_theme(g_ui);
    float bx = area.x + area.w - th->scrollbar_width * 0.5f - 2;
    move(bx, area.y + area.h - 6);
    press(0);
    scroll_frame();
    move(bx, area.y - 200);
    scroll_frame();
    release(0);
    scroll_frame();
    assert_float_equal(rr_ui_scroll_offset(g_ui, "list"), 0, 1e-3);
}

static const rr_ui_command_t k_cmds[] = {
    {"Open file", "Ctrl+O"},     {"Save recording", "Ctrl+S"}, {"Toggle time panel", NULL},
    {"Reset view", "Dbl-click"}, {"Quit", "Ctrl+Q"},           {"Toggle dark theme", NULL},
};
#define N_CMDS (int)(sizeof k_cmds / sizeof k_cmds[0])
static int g_shown;

static int palette_frame(bool *open) {
    begin();
    int r = rr_ui_command_palette(g_ui, open, k_cmds, N_CMDS);
    rr_ui_draw_data_t dd;
    end();
    rr_ui_draw_data(g_ui, &dd);
    g_shown = (int)dd.lists[RR_UI_LAYER_POPUP]->n_vtx;
    return r;
}

static void test_command_palette_filters(void **state) {
    (void)state;
    assert_true(rr_ui_fuzzy_score("save", "Save recording") > rr_ui_fuzzy_score("svrec", "Save recording"));
    assert_true(rr_ui_fuzzy_score("svrec", "Save recording") >= 0);
    assert_true(rr_ui_fuzzy_score("xyz", "Save recording") < 0);
    assert_true(rr_ui_fuzzy_score("time", "Toggle time panel") > rr_ui_fuzzy_score("ime", "Toggle time panel"));
    reset_ui();
    bool open = true;
    assert_int_equal(palette_frame(&open), -1);
    assert_true(open);
    int all = g_shown;
    assert_true(rr_ui_wants_keyboard(g_ui));
    rr_ui_input_text(g_ui, "toggle");
    palette_frame(&open);
    palette_frame(&open);
    assert_true(g_shown < all); /* fewer rows drawn */
    /* Down picks the second match (the list keeps the commands' order). */
    key(RR_UI_KEY_DOWN);
    palette_frame(&open);
    key(RR_UI_KEY_ENTER);
    assert_int_equal(palette_frame(&open), 5);
    assert_false(open);
    assert_false(rr_ui_wants_keyboard(g_ui));
    /* Reopened, it starts empty; a fuzzy query and Enter run the best. */
    open = true;
    palette_frame(&open);
    rr_ui_input_text(g_ui, "svrec");
    palette_frame(&open);
    key(RR_UI_KEY_ENTER);
    assert_int_equal(palette_frame(&open), 1);
    /* Escape closes without a command. */
    open = true;
    palette_frame(&open);
    key(RR_UI_KEY_ESCAPE);
    assert_int_equal(palette_frame(&open), -1);
    assert_false(open);
    /* While open, it blocks the widgets below it. */
    open = true;
    begin();
    rr_ui_button(g_ui, "Below");
    g_rect = rr_ui_last_item_rect(g_ui);
    rr_ui_command_palette(g_ui, &open, k_cmds, N_CMDS);
    end();
    move(cx(g_rect), cy(g_rect) + 200); /* outside the palette's box, over nothing */
    move(cx(g_rect), cy(g_rect));
    press(0), release(0);
    begin();
    bool clicked = rr_ui_button(g_ui, "Below");
    rr_ui_command_palette(g_ui, &open, k_cmds, N_CMDS);
    end();
    assert_false(clicked);
}

static void test_combo_and_context_menu(void **state) {
    (void)state;
    reset_ui();
    const char *items[] = {"log_time", "log_tick", "frame"};
    int sel = 0;
    rr_ui_rect_t combo = {0}, label = {0};
    bool picked = false;
    int changes = 0;
#define FRAME()                                                                 \
    do {                                                                        \
        begin();                                                                \
        if (rr_ui_combo(g_ui, "Timeline", &sel, items, 3)) changes++;           \
        combo = rr_ui_last_item_rect(g_ui);                                     \
        rr_ui_label(g_ui, "world/points");                                      \
        label = rr_ui_last_item_rect(g_ui);                                     \
        if (rr_ui_context_menu_begin(g_ui)) {                                   \
            if (rr_ui_menu_item(g_ui, "Hide entity")) picked = true;            \
            rr_ui_menu_item(g_ui, "Remove");                                    \
            rr_ui_context_menu_end(g_ui);                                       \
        }                                                                       \
        end();                                                                  \
    } while (0)
    FRAME();
    float h = combo.h;
    move(combo.x + 10, cy(combo));
    press(0), release(0);
    FRAME();
    FRAME();
    /* The list opened under the combo: its third row is "frame". The label
     * under the combo is covered by the list and gets no hover. */
    move(combo.x + 10, combo.y + h + 2 + 2 + 2.5f * h);
    press(0), release(0);
    FRAME();
    assert_int_equal(sel, 2);
    assert_int_equal(changes, 1);
    FRAME();
    rr_ui_draw_data_t dd;
    rr_ui_draw_data(g_ui, &dd);
    assert_int_equal(dd.lists[RR_UI_LAYER_POPUP]->n_vtx, 0); /* closed */
    /* Right-click on the label opens its menu at the mouse. */
    move(label.x + 5, cy(label));
    press(1), release(1);
    FRAME();
    FRAME();
    rr_ui_draw_data(g_ui, &dd);
    assert_true(dd.lists[RR_UI_LAYER_POPUP]->n_vtx > 0);
    float row = rr_ui_theme(g_ui)->row_height;
    move(label.x + 15, cy(label) + 3 + row * 0.5f);
    press(0), release(0);
    FRAME();
    assert_true(picked);
    FRAME();
    rr_ui_draw_data(g_ui, &dd);
    assert_int_equal(dd.lists[RR_UI_LAYER_POPUP]->n_vtx, 0);
    /* A click outside an open menu closes it without picking. */
    picked = false;
    press(1), release(1);
    FRAME();
    move(W - 3, H - 3);
    press(0), release(0);
    FRAME();
    FRAME();
    rr_ui_draw_data(g_ui, &dd);
    assert_int_equal(dd.lists[RR_UI_LAYER_POPUP]->n_vtx, 0);
    assert_false(picked);
    assert_int_equal(sel, 2);
#undef FRAME
}

static void test_tooltip_after_delay(void **state) {
    (void)state;
    reset_ui();
    rr_ui_draw_data_t dd;
    size_t n[40];
    for (int i = 0; i < 40; i++) {
        begin();
        rr_ui_button(g_ui, "Play");
        g_rect = rr_ui_last_item_rect(g_ui);
        rr_ui_tooltip(g_ui, "Play from the current time");
        end();
        rr_ui_draw_data(g_ui, &dd);
        n[i] = dd.lists[RR_UI_LAYER_TOOLTIP]->n_vtx;
        if (i == 0) move(cx(g_rect), cy(g_rect));
    }
    /* 60 frames a second: at 0.5 s (frame 31) it shows, not before. */
    assert_int_equal(n[5], 0);
    assert_int_equal(n[25], 0);
    assert_true(n[39] > 0);
    assert_true(n[33] > 0);
}

static void test_panels_tabs_splitter(void **state) {
    (void)state;
    reset_ui();
    float left = 100, frac = 0.5f;
    int tab = 0;
    const char *tabs[] = {"3D view", "Plot"};
    rr_ui_rect_t a = {0}, b = {0}, tab_bar = {0};
    bool dragged = false;
#define FRAME()                                                                         \
    do {                                                                                \
        begin();                                                                        \
        rr_ui_panel_begin(g_ui, "left", RR_UI_SIDE_LEFT, &left, 50, 200, true);         \
        rr_ui_label(g_ui, "Blueprint");                                                 \
        rr_ui_panel_end(g_ui);                                                          \
        rr_ui_central_begin(g_ui);                                                      \
        rr_ui_tabs(g_ui, "views", tabs, 2, &tab);                                       \
        tab_bar = rr_ui_last_item_rect(g_ui);                                           \
        rr_ui_rect_t rest = rr_ui_available(g_ui);                                      \
        dragged = rr_ui_splitter(g_ui, "split", rest, true, &frac, &a, &b);             \
        rr_ui_central_end(g_ui);                                                        \
        end();                                                                          \
    } while (0)
    FRAME();
    assert_float_equal(tab_bar.x, 100, 1e-3);
    /* Drag the panel's edge from x = 100 to 150. */
    move(100, 120);
    press(0);
    FRAME();
    assert_int_equal(rr_ui_cursor(g_ui), RR_UI_CURSOR_RESIZE_H);
    move(150, 120);
    FRAME();
    release(0);
    FRAME();
    assert_float_equal(left, 150, 1e-3);
    assert_float_equal(tab_bar.x, 150, 1e-3);
    move(400, 120); /* beyond max: clamped */
    FRAME();
    /* Tabs: clicking the second one switches. */
    move(tab_bar.x + 80, cy(tab_bar));
    press(0), release(0);
    FRAME();
    assert_int_equal(tab, 1);
    /* The splitter divides the rest at frac and follows a drag. */
    assert_float_equal(a.w / (a.w + b.w + 1), 0.5f, 0.02f);
    move(a.x + a.w, a.y + 20);
    press(0);
    FRAME();
    move(a.x + (a.w + b.w) * 0.25f, a.y + 20);
    FRAME();
    assert_true(dragged);
    release(0);
    FRAME();
    assert_float_equal(frac, 0.25f, 0.02f);
#undef FRAME
}

/* ---------------- pixels ---------------- */

static void test_text_renders(void **state) {
    (void)state;
    reset_ui();
    float w1 = rr_ui_text_width(g_ui, "Hello"), w2 = rr_ui_text_width(g_ui, "Hello world");
    assert_true(w1 > 15 && w1 < 60);
    assert_true(w2 > w1 + 15);
    assert_float_equal(rr_ui_text_width(g_ui, "Hello##id"), rr_ui_text_width(g_ui, "Hello##id"), 0);
    assert_true(rr_ui_font_text_width(g_font, "\xe2\x96\xb6", (size_t)-1) > 3); /* U+25B6 is in the atlas */
    begin();
    rr_ui_spacing(g_ui, 20);
    rr_ui_indent(g_ui, 20);
    rr_ui_label(g_ui, "Hello");
    rr_ui_rect_t r = rr_ui_last_item_rect(g_ui);
    end();
    assert_float_equal(r.w, w1, 1e-3);
    uint8_t *px = render_ui(g_ui, W, H);
    uint32_t bg = 0xff00ffffu;
    int inside = count_not(px, W, H, r, 1, bg);
    assert_true(inside > 40);
    assert_true(inside < (int)(r.w * r.h * 0.6f));
    /* Nothing outside the label's rect (a pixel of slack for antialiasing). */
    int all = count_not(px, W, H, (rr_ui_rect_t){0, 0, W, H}, 1, bg);
    int near = count_not(px, W, H, (rr_ui_rect_t){r.x - 1, r.y - 1, r.w + 2, r.h + 2}, 1, bg);
    assert_int_equal(all, near);
    /* Glyph pixels are in the theme's text colour (their cores). */
    int exact = 0, green = (int)(rr_ui_theme(g_ui)->text >> 16 & 0xff);
    for (int y = (int)r.y; y < (int)(r.y + r.h); y++)
        for (int x = (int)r.x; x < (int)(r.x + r.w); x++)
            exact += pix(px, W, x, y)[1] >= green - 24; /* the clear colour has no green */
    assert_true(exact > 10);
    free(px);

    /* At HiDPI scale 2 the same text measures the same in points and covers
     * about four times the pixels. */
    rr_ui_font_t *f2 = NULL;
    rr_ui_t *ui2 = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_ui_font_load(rr_ui_font_default_path(), 12, 2, &f2, &err), &err);
    assert_rr_ok(rr_ui_new(f2, &ui2, &err), &err);
    assert_float_equal(rr_ui_text_width(ui2, "Hello world"), w2, w2 * 0.05f);
    rr_ui_begin_frame(ui2, W, H, 0);
    rr_ui_spacing(ui2, 20);
    rr_ui_indent(ui2, 20);
    rr_ui_label(ui2, "Hello");
    assert_rr_ok(rr_ui_end_frame(ui2, &err), &err);
    uint8_t *px2 = render_ui(ui2, 2 * W, 2 * H);
    int inside2 = count_not(px2, 2 * W, 2 * H, r, 2, bg);
    assert_true(inside2 > 2 * inside && inside2 < 8 * inside);
    free(px2);
    rr_ui_free(ui2);

    /* A context moved to scale 2 by a new font draws as one made at it. */
    rr_ui_t *ui3 = NULL;
    assert_rr_ok(rr_ui_new(g_font, &ui3, &err), &err);
    rr_ui_set_font(ui3, f2);
    assert_ptr_equal(rr_ui_font(ui3), f2);
    rr_ui_begin_frame(ui3, W, H, 0);
    rr_ui_spacing(ui3, 20);
    rr_ui_indent(ui3, 20);
    rr_ui_label(ui3, "Hello");
    assert_rr_ok(rr_ui_end_frame(ui3, &err), &err);
    rr_ui_draw_data_t dd;
    rr_ui_draw_data(ui3, &dd);
    assert_float_equal(dd.scale, 2, 0);
    uint8_t *px3 = render_ui(ui3, 2 * W, 2 * H);
    assert_int_equal(count_not(px3, 2 * W, 2 * H, r, 2, bg), inside2);
    free(px3);
    rr_ui_free(ui3);
    rr_ui_font_free(f2);
}

static void test_font_errors(void **state) {
    (void)state;
    rr_ui_font_t *f = NULL;
    rr_error_t err = {0};
    assert_int_equal(rr_ui_font_load("/nonexistent/font.ttf", 12, 1, &f, &err), RR_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/font.ttf"));
    assert_non_null(strstr(err.msg, "fonts-dejavu-core"));
    uint8_t junk[64];
    memset(junk, 0x41, sizeof junk);
    assert_int_equal(rr_ui_font_new(junk, sizeof junk, 12, 1, &f, &err), RR_ERR_INVALID_DATA);
    /* A real header whose table directory points past the end. */
    size_t len = 0;
    uint8_t *ttf = rr_test_read_file(rr_ui_font_default_path(), &len);
    assert_non_null(ttf);
    assert_int_equal(rr_ui_font_new(ttf, 4096, 12, 1, &f, &err), RR_ERR_INVALID_DATA);
    assert_int_equal(rr_ui_font_new(ttf, len, 0, 1, &f, &err), RR_ERR_INVALID_ARG);
    assert_null(f);
    free(ttf);
    /* UTF-8: malformed bytes decode as U+FFFD and always advance. */
    const char *bad = "a\xc3(\xff\xe2\x82";
    size_t i = 0, n = 0;
    uint32_t cps[8];
    while (i < strlen(bad)) cps[n++] = rr_ui_utf8_next(bad, strlen(bad), &i);
    assert_int_equal(cps[0], 'a');
    assert_int_equal(cps[1], 0xFFFD);
    assert_int_equal(cps[2], '(');
    assert_int_equal(cps[3], 0xFFFD);
    /* Unbalanced frames are reported, not crashed on. */
    reset_ui();
    begin();
    rr_ui_push_id(g_ui, "x");
    assert_int_equal(rr_ui_end_frame(g_ui, &err), RR_ERR_INTERNAL);
    assert_non_null(strstr(err.msg, "push_id"));
    begin();
    rr_ui_pop_id(g_ui);
    rr_ui_scroll_end(g_ui);
    assert_int_equal(rr_ui_end_frame(g_ui, &err), RR_ERR_INTERNAL);
    begin();
    end(); /* and the next frame is fine */
}

/* The demo panel: every widget, as the shell will use them. */
static bool g_demo_check = true;
static float g_demo_f = 0.35f, g_demo_drag = 1.5f, g_demo_left = 150, g_demo_bottom = 60;
static int g_demo_i = 42, g_demo_combo = 1, g_demo_tab = 0;
static char g_demo_text[64] = "world/points";
static bool g_demo_palette;

static void demo_frame(float w, float h) {
    static const char *combo_items[] = {"log_time", "log_tick", "frame_nr"};
    static const char *tabs[] = {"3D view", "Plot", "Logs"};
    rr_ui_begin_frame(g_ui, w, h, g_now);
    rr_ui_panel_begin(g_ui, "top", RR_UI_SIDE_TOP, &(float){24}, 24, 24, false);
    rr_ui_heading(g_ui, "rerun-c UI toolkit");
    rr_ui_panel_end(g_ui);
    rr_ui_panel_begin(g_ui, "bottom", RR_UI_SIDE_BOTTOM, &g_demo_bottom, 40, 120, true);
    rr_ui_combo(g_ui, "Timeline", &g_demo_combo, combo_items, 3);
    rr_ui_same_line(g_ui);
    rr_ui_button(g_ui, "\xe2\x96\xb6 Play");
    rr_ui_same_line(g_ui);
    rr_ui_drag_float(g_ui, "Speed", &g_demo_drag, 0.01f, 0.1f, 10);
    rr_ui_slider_int(g_ui, "Frame", &g_demo_i, 0, 100);
    rr_ui_panel_end(g_ui);
    rr_ui_panel_begin(g_ui, "left", RR_UI_SIDE_LEFT, &g_demo_left, 80, 300, true);
    rr_ui_label_colored(g_ui, "Blueprint", rr_ui_theme(g_ui)->text_subdued);
    rr_ui_scroll_begin(g_ui, "tree", -1);
    if (rr_ui_tree_node(g_ui, "Viewport", true)) {
        if (rr_ui_tree_node(g_ui, "3D view", true)) {
            rr_ui_checkbox(g_ui, "world/points", &g_demo_check);
            rr_ui_checkbox(g_ui, "world/mesh", &(bool){false});
            rr_ui_tree_pop(g_ui);
        }
        if (rr_ui_tree_node(g_ui, "Plot", false)) rr_ui_tree_pop(g_ui);
        rr_ui_tree_pop(g_ui);
    }
    for (int i = 0; i < 12; i++) {
        char s[32];
        snprintf(s, sizeof s, "recording %d", i);
        rr_ui_selectable(g_ui, s, i == 2);
    }
    rr_ui_scroll_end(g_ui);
    rr_ui_panel_end(g_ui);
    rr_ui_central_begin(g_ui);
    rr_ui_draw_rect(g_ui, rr_ui_available(g_ui), rr_ui_theme(g_ui)->panel_bg, 0);
    rr_ui_tabs(g_ui, "views", tabs, 3, &g_demo_tab);
    rr_ui_indent(g_ui, 8);
    rr_ui_spacing(g_ui, 4);
    rr_ui_label(g_ui, "Labels, buttons and values:");
    rr_ui_button(g_ui, "Reset view");
    rr_ui_tooltip(g_ui, "Fit the camera to the scene");
    rr_ui_same_line(g_ui);
    rr_ui_button(g_ui, "Screenshot");
    rr_ui_slider_float(g_ui, "Point radius", &g_demo_f, 0, 1, "%.2f");
    rr_ui_text_input(g_ui, "Entity", g_demo_text, sizeof g_demo_text);
    rr_ui_separator(g_ui);
    rr_ui_labelf(g_ui, "Unicode: caf\xc3\xa9 \xe2\x80\x94 %d%% \xe2\x9c\x93", 100);
    rr_ui_label(g_ui, "world/points");
    if (rr_ui_context_menu_begin(g_ui)) {
        rr_ui_menu_item(g_ui, "Hide");
        rr_ui_menu_item(g_ui, "Remove from view");
        rr_ui_context_menu_end(g_ui);
    }
    rr_ui_central_end(g_ui);
    rr_ui_command_palette(g_ui, &g_demo_palette, k_cmds, N_CMDS);
}

static uint8_t *render_demo(rr_ui_theme_kind_t kind) {
    rr_ui_theme_t th;
    rr_ui_theme_init(&th, kind);
    reset_ui();
    rr_ui_set_theme(g_ui, &th);
    const float dw = 480, dh = 320;
    /* Two frames: the scroll area knows its content height from the first. */
    for (int i = 0; i < 2; i++) {
        demo_frame(dw, dh);
        end();
    }
    uint8_t *px = render_ui(g_ui, (int)dw, (int)dh);
    return px;
}

static void test_themes_and_demo_screenshot(void **state) {
    (void)state;
    uint8_t *dark = render_demo(RR_UI_THEME_DARK);
    uint8_t *light = render_demo(RR_UI_THEME_LIGHT);
    const int dw = 480, dh = 320;
    double sum_d = 0, sum_l = 0;
    for (int i = 0; i < dw * dh; i++) {
        sum_d += dark[i * 4] + dark[i * 4 + 1] + dark[i * 4 + 2];
        sum_l += light[i * 4] + light[i * 4 + 1] + light[i * 4 + 2];
    }
    sum_d /= dw * dh * 3.0, sum_l /= dw * dh * 3.0;
    printf("mean brightness: dark %.1f, light %.1f\n", sum_d, sum_l);
    assert_true(sum_d < 60);
    assert_true(sum_l > 180);
    /* Every pixel is covered by some panel: no clear colour shows through. */
    for (int i = 0; i < dw * dh; i++) assert_false(dark[i * 4] == 255 && dark[i * 4 + 1] == 0 && dark[i * 4 + 2] == 255);
    rr_error_t err = {0};
    char path[4096];
    const char *bd = getenv("RR_BUILD_DIR");
    snprintf(path, sizeof path, "%s/ui_demo.png", bd ? bd : ".");
    assert_rr_ok(rr_png_write_rgba(path, dw, dh, dark, &err), &err);
    snprintf(path, sizeof path, "%s/ui_demo_light.png", bd ? bd : ".");
    assert_rr_ok(rr_png_write_rgba(path, dw, dh, light, &err), &err);
    /* Against the reference made by this test and looked at by eye. */
    const char *sd = getenv("RR_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tests/viewer_ref/ui_demo.png", sd ? sd : "..");
    int rw = 0, rh = 0;
    uint8_t *ref = NULL;
    assert_rr_ok(rr_png_read_rgba(path, &rw, &rh, &ref, &err), &err);
    assert_int_equal(rw, dw);
    assert_int_equal(rh, dh);
    rr_image_diff_t diff;
    rr_image_compare(dark, ref, dw, dh, 24, &diff);
    printf("demo vs reference: %.4f%% of pixels differ by > 24, max %d\n", diff.frac_over * 100,
           diff.max_channel_diff);
    assert_true(diff.frac_over < 0.01);
    free(ref);
    free(light);
    free(dark);
}

int main(void) {
    rr_error_t err = {0};
    if (rr_gfx_context_new_headless(&g_ctx, &err) != RR_OK) {
        printf("skipping: no headless OpenGL ES 3 context: %s\n", err.msg);
        return 77;
    }
    if (rr_ui_font_load(rr_ui_font_default_path(), 12, 1, &g_font, &err) != RR_OK) {
        printf("skipping: %s\n", err.msg);
        rr_gfx_context_free(g_ctx);
        return 77;
    }
    if (rr_gfx_renderer_new(&g_r, &err) != RR_OK || rr_ui_gl_new(&g_gl, &err) != RR_OK) {
        fprintf(stderr, "renderer: %s\n", err.msg);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_button_click_once),
        cmocka_unit_test(test_checkbox_toggles),
        cmocka_unit_test(test_slider_drag_proportional),
        cmocka_unit_test(test_text_input_edits),
        cmocka_unit_test(test_tree_opens_and_closes),
        cmocka_unit_test(test_scroll_area_clips_and_scrolls),
        cmocka_unit_test(test_command_palette_filters),
        cmocka_unit_test(test_combo_and_context_menu),
        cmocka_unit_test(test_tooltip_after_delay),
        cmocka_unit_test(test_panels_tabs_splitter),
        cmocka_unit_test(test_text_renders),
        cmocka_unit_test(test_font_errors),
        cmocka_unit_test(test_themes_and_demo_screenshot),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rr_ui_free(g_ui);
    rr_ui_gl_free(g_gl);
    rr_gfx_renderer_free(g_r);
    rr_ui_font_free(g_font);
    rr_gfx_context_free(g_ctx);
    return rc;
}
