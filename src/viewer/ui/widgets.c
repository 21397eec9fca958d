/* The widgets of the UI toolkit (ui.h): each lays itself out, asks the core
 * how the mouse treats its rect (rr_ui_interact), paints itself in the
 * theme's colours and answers right away. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/ui/ui_internal.h"

static rr_ui_color_t fill_for(const rr_ui_t *ui, const rr_ui_response_t *r) {
    if (r->held) return ui->theme.widget_active;
    if (r->hovered) return ui->theme.widget_hovered;
    return ui->theme.widget_bg;
}

/* ---------------- text ---------------- */

void rr_ui_label_colored(rr_ui_t *ui, const char *text, rr_ui_color_t c) {
    size_t len = ui_label_len(text);
    float w = rr_ui_font_text_width(ui->font, text, len);
    rr_ui_rect_t r = rr_ui_allocate(ui, w, ui_row_h(ui));
    ui_hover_only(ui, ui_hash(text, strlen(text), rr_ui_id(ui, "#label")), r);
    ui_text_in(ui, r, r.x, text, len, c);
}

void rr_ui_label(rr_ui_t *ui, const char *text) { rr_ui_label_colored(ui, text, ui->theme.text); }
void rr_ui_heading(rr_ui_t *ui, const char *text) { rr_ui_label_colored(ui, text, ui->theme.text_strong); }

void rr_ui_labelf(rr_ui_t *ui, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* Formatted text is never an id: "##" in it stays visible. */
    float w = rr_ui_font_text_width(ui->font, buf, strlen(buf));
    rr_ui_rect_t r = rr_ui_allocate(ui, w, ui_row_h(ui));
    ui_text_in(ui, r, r.x, buf, strlen(buf), ui->theme.text);
}

/* ---------------- buttons ---------------- */

bool rr_ui_button(rr_ui_t *ui, const char *label) {
    size_t len = ui_label_len(label);
    float tw = rr_ui_font_text_width(ui->font, label, len);
    rr_ui_rect_t r = rr_ui_allocate(ui, tw + 2 * ui->theme.padding_x, ui_row_h(ui));
    rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, label), r);
    if (resp.hovered) ui->cursor = RR_UI_CURSOR_HAND;
    rr_ui_draw_rect(ui, r, fill_for(ui, &resp), ui->theme.corner_radius);
    ui_text_in(ui, r, r.x + ui->theme.padding_x, label, len,
               resp.hovered ? ui->theme.text_strong : ui->theme.text);
    return resp.clicked;
}

bool rr_ui_selectable(rr_ui_t *ui, const char *label, bool selected) {
    size_t len = ui_label_len(label);
    rr_ui_rect_t r = rr_ui_allocate(ui, -1, ui_row_h(ui));
    rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, label), r);
    if (selected) rr_ui_draw_rect(ui, r, ui->theme.selection_bg, ui->theme.corner_radius);
    else if (resp.hovered) rr_ui_draw_rect(ui, r, ui->theme.widget_hovered, ui->theme.corner_radius);
    ui_text_in(ui, r, r.x + ui->theme.padding_x, label, len,
               selected ? ui->theme.selection_text : resp.hovered ? ui->theme.text_strong : ui->theme.text);
    return resp.clicked;
}

static void check_mark(rr_ui_t *ui, rr_ui_rect_t b, rr_ui_color_t c) {
    float x = b.x, y = b.y, s = b.w;
    rr_ui_draw_line(ui, x + s * 0.22f, y + s * 0.52f, x + s * 0.42f, y + s * 0.72f, c, 2);
    rr_ui_draw_line(ui, x + s * 0.40f, y + s * 0.74f, x + s * 0.80f, y + s * 0.28f, c, 2);
}

bool rr_ui_checkbox(rr_ui_t *ui, const char *label, bool *v) {
    size_t len = ui_label_len(label);
    float box = 14, tw = rr_ui_font_text_width(ui->font, label, len);
    float h = ui_row_h(ui);
    rr_ui_rect_t r = rr_ui_allocate(ui, box + (len ? ui->theme.spacing_x * 0.5f + tw : 0), h);
    rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, label), r);
    if (resp.clicked) *v = !*v;
    rr_ui_rect_t b = {r.x, r.y + (h - box) * 0.5f, box, box};
    rr_ui_draw_rect(ui, b, *v ? ui->theme.selection_bg : fill_for(ui, &resp), ui->theme.corner_radius);
    if (*v) check_mark(ui, b, ui->theme.text_strong);
    ui_text_in(ui, r, r.x + box + ui->theme.spacing_x * 0.5f, label, len,
               resp.hovered ? ui->theme.text_strong : ui->theme.text);
    return resp.clicked;
}

/* ---------------- sliders ---------------- */

/* The track with its filled part and handle; t in 0..1. */
static void slider_paint(rr_ui_t *ui, rr_ui_rect_t track, float t, const rr_ui_response_t *resp) {
    float cy = track.y + track.h * 0.5f;
    rr_ui_draw_rect(ui, (rr_ui_rect_t){track.x, cy - 2, track.w, 4}, ui->theme.widget_bg, 2);
    float hx = track.x + t * track.w;
    rr_ui_draw_rect(ui, (rr_ui_rect_t){track.x, cy - 2, hx - track.x, 4}, ui->theme.selection_bg, 2);
    float hr = resp->held || resp->hovered ? 6 : 5;
    rr_ui_draw_rect(ui, (rr_ui_rect_t){hx - hr, cy - hr, 2 * hr, 2 * hr},
                    resp->held ? ui->theme.text_strong : ui->theme.text, hr);
}

/* A slider's row: track, value, label. The value's column is as wide as
 * the widest of the range's ends so the row does not move while dragging. */
typedef struct slider_row {
    rr_ui_rect_t row, track;
    float value_x, label_x;
    rr_ui_response_t resp;
    float t_mouse; /* where the mouse is along the track, 0..1 */
} slider_row_t;

static slider_row_t slider_layout(rr_ui_t *ui, const char *label, const char *lo_s, const char *hi_s) {
    slider_row_t s;
    size_t len = ui_label_len(label);
    float vw = fmaxf(rr_ui_font_text_width(ui->font, lo_s, (size_t)-1),
                     rr_ui_font_text_width(ui->font, hi_s, (size_t)-1)) + 8;
    float lw = rr_ui_font_text_width(ui->font, label, len);
    float sw = ui->theme.slider_width, h = ui_row_h(ui);
    s.row = rr_ui_allocate(ui, sw + ui->theme.spacing_x + vw + (len ? ui->theme.spacing_x + lw : 0), h);
    /* The handle's radius stays inside the track's ends. */
    s.track = (rr_ui_rect_t){s.row.x + 6, s.row.y, sw - 12, h};
    s.resp = rr_ui_interact(ui, rr_ui_id(ui, label), (rr_ui_rect_t){s.row.x, s.row.y, sw, h});
    s.t_mouse = s.track.w > 0 ? (ui->mx - s.track.x) / s.track.w : 0;
    s.t_mouse = fminf(fmaxf(s.t_mouse, 0), 1);
    s.value_x = s.row.x + sw + ui->theme.spacing_x;
    s.label_x = s.value_x + vw + ui->theme.spacing_x;
    return s;
}

static void slider_text(rr_ui_t *ui, const slider_row_t *s, const char *label, const char *value) {
    ui_text_in(ui, s->row, s->value_x, value, strlen(value), ui->theme.text_strong);
    ui_text_in(ui, s->row, s->label_x, label, ui_label_len(label), ui->theme.text);
}

bool rr_ui_slider_float(rr_ui_t *ui, const char *label, float *v, float lo, float hi,
                        const char *fmt) {
    char value[64], lo_s[64], hi_s[64];
    if (!fmt) fmt = "%.3g";
    snprintf(lo_s, sizeof lo_s, fmt, (double)lo);
    snprintf(hi_s, sizeof hi_s, fmt, (double)hi);
    float old = *v;
    slider_row_t s = slider_layout(ui, label, lo_s, hi_s);
    if ((s.resp.held || s.resp.pressed) && hi > lo) *v = lo + s.t_mouse * (hi - lo);
    float t = hi > lo ? (fminf(fmaxf(*v, lo), hi) - lo) / (hi - lo) : 0;
    slider_paint(ui, s.track, t, &s.resp);
    snprintf(value, sizeof value, fmt, (double)*v);
    slider_text(ui, &s, label, value);
    return *v != old;
}

bool rr_ui_slider_int(rr_ui_t *ui, const char *label, int *v, int lo, int hi) {
    char value[32], lo_s[32], hi_s[32];
    snprintf(lo_s, sizeof lo_s, "%d", lo);
    snprintf(hi_s, sizeof hi_s, "%d", hi);
    int old = *v;
    slider_row_t s = slider_layout(ui, label, lo_s, hi_s);
    if ((s.resp.held || s.resp.pressed) && hi > lo)
        *v = lo + (int)lround(s.t_mouse * ((double)hi - lo));
    int c = *v < lo ? lo : *v > hi ? hi : *v;
    float t = hi > lo ? (float)(((double)c - lo) / ((double)hi - lo)) : 0;
    slider_paint(ui, s.track, t, &s.resp);
    snprintf(value, sizeof value, "%d", *v);
    slider_text(ui, &s, label, value);
    return *v != old;
}

bool rr_ui_drag_float(rr_ui_t *ui, const char *label, float *v, float speed, float lo, float hi) {
    size_t len = ui_label_len(label);
    char value[64];
    snprintf(value, sizeof value, "%.3g", (double)*v);
    float h = ui_row_h(ui), bw = 64;
    float lw = rr_ui_font_text_width(ui->font, label, len);
    rr_ui_rect_t r = rr_ui_allocate(ui, bw + (len ? ui->theme.spacing_x + lw : 0), h);
    rr_ui_rect_t box = {r.x, r.y, bw, h};
    rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, label), box);
    float old = *v;
    if (resp.hovered || resp.held) ui->cursor = RR_UI_CURSOR_RESIZE_H;
    if (resp.held && resp.drag_dx != 0) {
        *v += resp.drag_dx * speed;
        if (hi > lo) *v = fminf(fmaxf(*v, lo), hi);
        snprintf(value, sizeof value, "%.3g", (double)*v);
    }
    rr_ui_draw_rect(ui, box, fill_for(ui, &resp), ui->theme.corner_radius);
    float vw = rr_ui_font_text_width(ui->font, value, strlen(value));
    ui_text_in(ui, box, box.x + (bw - vw) * 0.5f, value, strlen(value), ui->theme.text_strong);
    ui_text_in(ui, r, r.x + bw + ui->theme.spacing_x, label, len, ui->theme.text);
    return *v != old;
}

/* ---------------- combo box ---------------- */

static void down_arrow(rr_ui_t *ui, float cx, float cy, float s, rr_ui_color_t c) {
    rr_ui_draw_triangle(ui, cx - s, cy - s * 0.5f, cx + s, cy - s * 0.5f, cx, cy + s * 0.5f, c);
}

static void right_arrow(rr_ui_t *ui, float cx, float cy, float s, rr_ui_color_t c) {
    rr_ui_draw_triangle(ui, cx - s * 0.5f, cy - s, cx + s * 0.5f, cy, cx - s * 0.5f, cy + s, c);
}

bool rr_ui_combo(rr_ui_t *ui, const char *label, int *sel, const char *const *items, int n) {
    size_t len = ui_label_len(label);
    float h = ui_row_h(ui), iw = 0;
    for (int i = 0; i < n; i++) iw = fmaxf(iw, rr_ui_font_text_width(ui->font, items[i], (size_t)-1));
    float bw = iw + 2 * ui->theme.padding_x + 14;
    float lw = rr_ui_font_text_width(ui->font, label, len);
    rr_ui_rect_t r = rr_ui_allocate(ui, bw + (len ? ui->theme.spacing_x + lw : 0), h);
    rr_ui_rect_t box = {r.x, r.y, bw, h};
    rr_ui_id_t id = rr_ui_id(ui, label);
    rr_ui_response_t resp = rr_ui_interact(ui, id, box);
    bool open = ui->popup.id == id;
    if (resp.clicked) {
        open = !open;
        ui->popup.id = open ? id : 0;
        ui->popup.keep = true;
    }
    rr_ui_draw_rect(ui, box, open ? ui->theme.widget_active : fill_for(ui, &resp), ui->theme.corner_radius);
    const char *shown = *sel >= 0 && *sel < n ? items[*sel] : "";
    ui_text_in(ui, box, box.x + ui->theme.padding_x, shown, strlen(shown), ui->theme.text_strong);
    down_arrow(ui, box.x + bw - 9, box.y + h * 0.5f, 4, ui->theme.text);
    ui_text_in(ui, r, r.x + bw + ui->theme.spacing_x, label, len, ui->theme.text);
    int old = *sel;
    if (open) {
        ui->popup.drawn = true;
        float ph = (float)n * h + 4;
        rr_ui_rect_t pr = {box.x, box.y + h + 2, fmaxf(bw, 80), ph};
        if (pr.y + ph > ui->height && box.y - ph - 2 >= 0) pr.y = box.y - ph - 2;
        ui_push_layout_on(ui, pr, RR_UI_LAYER_POPUP);
        rr_ui_draw_rect(ui, pr, ui->theme.floating_bg, ui->theme.corner_radius);
        rr_ui_draw_rect_stroke(ui, pr, ui->theme.widget_stroke, 1);
        ui_add_popup_rect(ui, pr);
        ui_layout(ui)->cy += 2;
        rr_ui_push_id(ui, label);
        for (int i = 0; i < n; i++) {
            rr_ui_push_id_int(ui, i);
            if (rr_ui_selectable(ui, items[i], i == *sel)) {
                *sel = i;
                ui->popup.id = 0;
            }
            rr_ui_pop_id(ui);
        }
        rr_ui_pop_id(ui);
        ui_pop_layout(ui);
    }
    ui->last_id = id;
    ui->layouts[ui->n_layouts - 1].last = r;
    return *sel != old;
}

/* ---------------- text input ---------------- */

static void clip_set(rr_ui_t *ui, const char *s, size_t len) {
    char *copy = malloc(len + 1);
    if (!copy) return;
    memcpy(copy, s, len);
    copy[len] = 0;
    if (ui->clipboard.set) {
        ui->clipboard.set(ui->clipboard.user, copy);
        free(copy);
    } else {
        free(ui->own_clip);
        ui->own_clip = copy;
    }
}

static const char *clip_get(rr_ui_t *ui) {
    if (ui->clipboard.get) return ui->clipboard.get(ui->clipboard.user);
    return ui->own_clip;
}

/* Deletes buf[a..b) and returns a. */
static size_t erase(char *buf, size_t a, size_t b) {
    memmove(buf + a, buf + b, strlen(buf + b) + 1);
    return a;
}

/* Inserts s (control characters dropped, whole characters only, as much as
 * fits in cap) at *at, advancing it; true when anything went in. */
static bool insert(char *buf, size_t cap, size_t *at, const char *s) {
    size_t len = strlen(buf), room = cap - 1 - len, n = 0;
    char tmp[UI_TEXT_MAX];
    for (size_t i = 0; s[i] && n + 1 < sizeof tmp;) {
        size_t j = i;
        rr_ui_utf8_next(s, strlen(s), &j);
        size_t cl = j - i;
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            i = j;
            continue;
        }
        if (n + cl > room || n + cl + 1 > sizeof tmp) break;
        memcpy(tmp + n, s + i, cl);
        n += cl;
        i = j;
    }
    if (!n) return false;
    memmove(buf + *at + n, buf + *at, len - *at + 1);
    memcpy(buf + *at, tmp, n);
    *at += n;
    return true;
}

/* Snaps a byte offset into buf back to a character's start. */
static size_t snap(const char *buf, size_t i) {
    size_t len = strlen(buf);
    if (i > len) i = len;
    while (i > 0 && ((unsigned char)buf[i] & 0xC0) == 0x80) i--;
    return i;
}

bool rr_ui_text_input(rr_ui_t *ui, const char *label, char *buf, size_t cap) {
    if (!cap) return false;
    buf[cap - 1] = 0;
    size_t len_l = ui_label_len(label);
    float lw = rr_ui_font_text_width(ui->font, label, len_l);
    float h = ui_row_h(ui);
    rr_ui_rect_t avail = rr_ui_available(ui);
    float fw = fmaxf(60, avail.w - (len_l ? ui->theme.spacing_x + lw : 0));
    rr_ui_rect_t r = rr_ui_allocate(ui, fw + (len_l ? ui->theme.spacing_x + lw : 0), h);
    rr_ui_rect_t field = {r.x, r.y, fw, h};
    rr_ui_id_t id = rr_ui_id(ui, label);
    ui_state_t *st = ui_state(ui, id);
    rr_ui_response_t resp = rr_ui_interact(ui, id, field);
    float pad = ui->theme.padding_x, inner = fw - 2 * pad;
    st->cursor = snap(buf, st->cursor);
    st->anchor = snap(buf, st->anchor);
    bool shift = ui->mods & RR_UI_MOD_SHIFT, ctrl = ui->mods & (RR_UI_MOD_CTRL | RR_UI_MOD_SUPER);
    if (resp.hovered || resp.held) ui->cursor = RR_UI_CURSOR_TEXT;
    float mouse_x = ui->mx - (field.x + pad) + st->f0;
    if (resp.pressed) {
        ui->focus = id;
        st->cursor = rr_ui_font_hit(ui->font, buf, strlen(buf), mouse_x);
        if (!shift) st->anchor = st->cursor;
        if (resp.double_clicked) st->anchor = 0, st->cursor = strlen(buf);
    } else if (resp.held && ui->focus == id) {
        st->cursor = rr_ui_font_hit(ui->font, buf, strlen(buf), mouse_x);
    }
    bool changed = false;
    if (ui->focus == id) {
        size_t lo = st->cursor < st->anchor ? st->cursor : st->anchor;
        size_t hi = st->cursor < st->anchor ? st->anchor : st->cursor;
#define DELETE_SELECTION()                                                     \
    do {                                                                       \
        if (lo != hi) {                                                        \
            st->cursor = st->anchor = erase(buf, lo, hi);                      \
            hi = lo;                                                           \
            changed = true;                                                    \
        }                                                                      \
    } while (0)
        if (ctrl && ui_key(ui, RR_UI_KEY_A)) st->anchor = 0, st->cursor = strlen(buf), lo = 0, hi = st->cursor;
        if (ctrl && (ui_key(ui, RR_UI_KEY_C) || ui_key(ui, RR_UI_KEY_X)) && lo != hi) {
            clip_set(ui, buf + lo, hi - lo);
            if (ui_key(ui, RR_UI_KEY_X)) DELETE_SELECTION();
        }
        if (ctrl && ui_key(ui, RR_UI_KEY_V)) {
            const char *paste = clip_get(ui);
            if (paste && *paste) {
                DELETE_SELECTION();
                /* Clip the pasted text to what one frame inserts. */
                char tmp[UI_TEXT_MAX];
                snprintf(tmp, sizeof tmp, "%s", paste);
                if (insert(buf, cap, &st->cursor, tmp)) changed = true;
                st->anchor = st->cursor;
            }
        }
        if (ui->text_len && !ctrl) {
            DELETE_SELECTION();
            if (insert(buf, cap, &st->cursor, ui->text)) changed = true;
            st->anchor = st->cursor;
        }
        for (int k = 0; k < ui->key_presses[RR_UI_KEY_BACKSPACE]; k++) {
            if (lo != hi) DELETE_SELECTION();
            else if (st->cursor > 0) {
                st->cursor = st->anchor = erase(buf, rr_ui_utf8_prev(buf, st->cursor), st->cursor);
                changed = true;
            }
            lo = hi = st->cursor;
        }
        for (int k = 0; k < ui->key_presses[RR_UI_KEY_DELETE]; k++) {
            size_t len = strlen(buf);
            if (lo != hi) DELETE_SELECTION();
            else if (st->cursor < len) {
                size_t j = st->cursor;
                rr_ui_utf8_next(buf, len, &j);
                erase(buf, st->cursor, j);
                changed = true;
            }
            lo = hi = st->cursor;
        }
#undef DELETE_SELECTION
        for (int k = 0; k < ui->key_presses[RR_UI_KEY_LEFT]; k++) {
            if (!shift && st->cursor != st->anchor) st->cursor = lo;
            else st->cursor = rr_ui_utf8_prev(buf, st->cursor);
            if (!shift) st->anchor = st->cursor;
            lo = hi = st->cursor;
        }
        for (int k = 0; k < ui->key_presses[RR_UI_KEY_RIGHT]; k++) {
            size_t len = strlen(buf);
            if (!shift && st->cursor != st->anchor) st->cursor = hi;
            else if (st->cursor < len) rr_ui_utf8_next(buf, len, &st->cursor);
            if (!shift) st->anchor = st->cursor;
            lo = hi = st->cursor;
        }
        if (ui_key(ui, RR_UI_KEY_HOME)) {
            st->cursor = 0;
            if (!shift) st->anchor = 0;
        }
        if (ui_key(ui, RR_UI_KEY_END)) {
            st->cursor = strlen(buf);
            if (!shift) st->anchor = st->cursor;
        }
        if (ui_key(ui, RR_UI_KEY_ENTER)) ui->submitted = true;
        if (ui_key(ui, RR_UI_KEY_ESCAPE)) ui->focus = 0;
    }
    /* Scroll the text horizontally to keep the cursor in view. */
    float cx = rr_ui_font_text_width(ui->font, buf, st->cursor);
    if (cx - st->f0 > inner) st->f0 = cx - inner;
    if (cx < st->f0) st->f0 = cx;
    float full = rr_ui_font_text_width(ui->font, buf, strlen(buf));
    if (st->f0 > 0 && full - st->f0 < inner) st->f0 = fmaxf(0, full - inner);

    bool focused = ui->focus == id;
    rr_ui_draw_rect(ui, field, ui->theme.text_edit_bg, ui->theme.corner_radius);
    if (focused) rr_ui_draw_rect_stroke(ui, field, ui->theme.focus_stroke, 1);
    else if (resp.hovered) rr_ui_draw_rect_stroke(ui, field, ui->theme.widget_hovered, 1);
    rr_ui_push_clip(ui, (rr_ui_rect_t){field.x + 2, field.y, fw - 4, h});
    float tx = field.x + pad - st->f0;
    if (focused && st->cursor != st->anchor) {
        size_t lo = st->cursor < st->anchor ? st->cursor : st->anchor;
        size_t hi = st->cursor < st->anchor ? st->anchor : st->cursor;
        float x0 = rr_ui_font_text_width(ui->font, buf, lo), x1 = rr_ui_font_text_width(ui->font, buf, hi);
        rr_ui_draw_rect(ui, (rr_ui_rect_t){tx + x0, field.y + 2, x1 - x0, h - 4}, ui->theme.selection_bg, 0);
    }
    ui_text_in(ui, field, tx, buf, strlen(buf), ui->theme.text_strong);
    if (focused) rr_ui_draw_rect(ui, (rr_ui_rect_t){roundf(tx + cx), field.y + 3, 1, h - 6}, ui->theme.text_strong, 0);
    rr_ui_pop_clip(ui);
    ui_text_in(ui, r, r.x + fw + ui->theme.spacing_x, label, len_l, ui->theme.text);
    ui->last_id = id;
    return changed;
}

/* ---------------- trees ---------------- */

bool rr_ui_tree_node(rr_ui_t *ui, const char *label, bool default_open) {
    size_t len = ui_label_len(label);
    rr_ui_id_t id = rr_ui_id(ui, label);
    ui_state_t *st = ui_state(ui, id);
    if (!st->init) {
        st->init = true;
        st->open = default_open;
    }
    float h = ui_row_h(ui);
    rr_ui_rect_t r = rr_ui_allocate(ui, -1, h);
    rr_ui_response_t resp = rr_ui_interact(ui, id, r);
    if (resp.clicked) st->open = !st->open;
    if (resp.hovered) rr_ui_draw_rect(ui, r, ui->theme.widget_hovered, ui->theme.corner_radius);
    float ax = r.x + 6, ay = r.y + h * 0.5f;
    if (st->open) down_arrow(ui, ax, ay, 4, ui->theme.text);
    else right_arrow(ui, ax, ay, 4, ui->theme.text);
    ui_text_in(ui, r, r.x + 14, label, len, resp.hovered ? ui->theme.text_strong : ui->theme.text);
    if (st->open) {
        rr_ui_indent(ui, ui->theme.indent);
        rr_ui_push_id(ui, label);
    }
    return st->open;
}

void rr_ui_tree_pop(rr_ui_t *ui) {
    rr_ui_pop_id(ui);
    rr_ui_indent(ui, -ui->theme.indent);
}

void rr_ui_tree_set_open(rr_ui_t *ui, const char *label, bool open) {
    ui_state_t *st = ui_state(ui, rr_ui_id(ui, label));
    st->init = true;
    st->open = open;
}

/* ---------------- scroll areas ---------------- */

void rr_ui_scroll_begin(rr_ui_t *ui, const char *id, float height) {
    rr_ui_rect_t avail = rr_ui_available(ui);
    if (height < 0) height = avail.h;
    rr_ui_rect_t r = rr_ui_allocate(ui, -1, height);
    rr_ui_id_t sid = rr_ui_id(ui, id);
    ui_state_t *st = ui_state(ui, sid);
    st->f0 = fminf(fmaxf(st->f0, 0), fmaxf(0, st->f1 - r.h));
    bool bar = st->f1 > r.h;
    if (ui->n_scrolls >= UI_MAX_STACK) {
        ui->unbalanced = "scroll area stack overflow";
        return;
    }
    ui->scrolls[ui->n_scrolls++] = (ui_scroll_t){sid, r, r.y - st->f0};
    rr_ui_push_id(ui, id);
    rr_ui_push_clip(ui, r);
    float w = bar ? r.w - ui->theme.scrollbar_width - 4 : r.w;
    ui_push_layout(ui, (rr_ui_rect_t){r.x, r.y - st->f0, fmaxf(0, w), fmaxf(st->f1, r.h) + r.h});
}

void rr_ui_scroll_end(rr_ui_t *ui) {
    if (ui->n_scrolls == 0) {
        ui->unbalanced = "scroll_end without scroll_begin";
        return;
    }
    ui_scroll_t sc = ui->scrolls[--ui->n_scrolls];
    float content = ui_layout(ui)->content_bottom - sc.content_top;
    ui_pop_layout(ui);
    rr_ui_pop_clip(ui);
    rr_ui_pop_id(ui);
    ui_state_t *st = ui_state(ui, sc.id);
    st->f1 = content;
    rr_ui_rect_t r = sc.rect;
    float max = fmaxf(0, content - r.h);
    /* The innermost area under the mouse takes the wheel (it ends first). */
    rr_ui_rect_t vis = rr_ui_rect_intersect(r, ui_clip(ui));
    bool blocked = ui->layer == RR_UI_LAYER_MAIN && (ui->mouse_over_popup || ui->modal_prev);
    if (ui->wheel_y != 0 && max > 0 && !blocked && ui->mouse_in && rr_ui_rect_contains(vis, ui->mx, ui->my)) {
        st->f0 -= ui->wheel_y;
        ui->wheel_y = 0;
    }
    st->f0 = fminf(fmaxf(st->f0, 0), max);
    if (max <= 0) return;
    float bw = ui->theme.scrollbar_width;
    rr_ui_rect_t track = {r.x + r.w - bw - 2, r.y + 2, bw, r.h - 4};
    float th = fmaxf(16, track.h * r.h / content);
    th = fminf(th, track.h);
    rr_ui_rect_t thumb = {track.x, track.y + (track.h - th) * (st->f0 / max), bw, th};
    rr_ui_response_t resp = rr_ui_interact(ui, ui_hash("#bar", 4, sc.id), track);
    if (resp.pressed && !rr_ui_rect_contains(thumb, ui->mx, ui->my)) {
        /* A press on the track jumps the thumb's centre to the mouse. */
        float t = (ui->my - track.y - th * 0.5f) / fmaxf(1, track.h - th);
        st->f0 = fminf(fmaxf(t, 0), 1) * max;
    } else if (resp.held && resp.drag_dy != 0) {
        st->f0 = fminf(fmaxf(st->f0 + resp.drag_dy * max / fmaxf(1, track.h - th), 0), max);
    }
    thumb.y = track.y + (track.h - th) * (st->f0 / max);
    rr_ui_draw_rect(ui, track, ui->theme.faint_bg, bw * 0.5f);
    rr_ui_draw_rect(ui, thumb, resp.held || resp.hovered ? ui->theme.text_subdued : ui->theme.widget_hovered,
                    bw * 0.5f);
}

float rr_ui_scroll_offset(rr_ui_t *ui, const char *id) { return ui_state(ui, rr_ui_id(ui, id))->f0; }
void rr_ui_set_scroll_offset(rr_ui_t *ui, const char *id, float y) {
    ui_state(ui, rr_ui_id(ui, id))->f0 = y;
}

/* ---------------- tabs ---------------- */

bool rr_ui_tabs(rr_ui_t *ui, const char *id, const char *const *names, int n, int *active) {
    float h = ui_row_h(ui) + 4;
    rr_ui_rect_t bar = rr_ui_allocate(ui, -1, h);
    rr_ui_draw_rect(ui, bar, ui->theme.tab_bar_bg, 0);
    rr_ui_push_id(ui, id);
    int old = *active;
    float x = bar.x;
    for (int i = 0; i < n; i++) {
        size_t len = ui_label_len(names[i]);
        float w = rr_ui_font_text_width(ui->font, names[i], len) + 2 * ui->theme.padding_x + 8;
        rr_ui_rect_t t = {x, bar.y, w, h};
        rr_ui_push_id_int(ui, i);
        rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, names[i]), t);
        rr_ui_pop_id(ui);
        if (resp.clicked) *active = i;
        bool on = i == *active;
        if (on) rr_ui_draw_rect(ui, t, ui->theme.panel_bg, 0);
        else if (resp.hovered) rr_ui_draw_rect(ui, t, ui->theme.widget_hovered, 0);
        if (on) rr_ui_draw_rect(ui, (rr_ui_rect_t){t.x, t.y + h - 2, t.w, 2}, ui->theme.selection_bg, 0);
        ui_text_in(ui, t, t.x + ui->theme.padding_x + 4, names[i], len,
                   on ? ui->theme.text_strong : resp.hovered ? ui->theme.text : ui->theme.text_subdued);
        x += w;
    }
    rr_ui_pop_id(ui);
    ui->layouts[ui->n_layouts - 1].last = bar;
    return *active != old;
}

/* ---------------- tooltips and context menus ---------------- */

void rr_ui_tooltip(rr_ui_t *ui, const char *text) {
    rr_ui_id_t id = ui->last_id;
    if (!id || !ui->last_hovered || id != ui->hover_id_prev) return;
    if (ui->now - ui->hover_since < ui->theme.tooltip_delay) {
        ui->wants_repaint = true;
        return;
    }
    float tw = rr_ui_font_text_width(ui->font, text, (size_t)-1);
    float h = ui_row_h(ui) + 4, w = tw + 2 * ui->theme.padding_x + 4;
    float x = fminf(ui->mx + 12, ui->width - w), y = ui->my + 18;
    if (y + h > ui->height) y = ui->my - h - 4;
    rr_ui_rect_t r = {fmaxf(0, x), fmaxf(0, y), w, h};
    ui_push_layout_on(ui, r, RR_UI_LAYER_TOOLTIP);
    rr_ui_draw_rect(ui, r, ui->theme.floating_bg, ui->theme.corner_radius);
    rr_ui_draw_rect_stroke(ui, r, ui->theme.widget_stroke, 1);
    ui_text_in(ui, r, r.x + ui->theme.padding_x + 2, text, strlen(text), ui->theme.text_strong);
    ui_pop_layout(ui);
}

bool rr_ui_context_menu_begin(rr_ui_t *ui) {
    rr_ui_rect_t last = rr_ui_last_item_rect(ui);
    rr_ui_id_t owner = ui->last_id;
    if (!owner) owner = ui_hash((const char *)&last, sizeof last, rr_ui_id(ui, "#item"));
    rr_ui_id_t mid = ui_hash("#ctx", 4, owner);
    ui_state_t *st = ui_state(ui, mid);
    if (ui->last_hovered && ui->released[1]) {
        ui->popup.id = mid;
        ui->popup.keep = true;
        st->f1 = ui->mx, st->f2 = ui->my;
    }
    if (ui->popup.id != mid) return false;
    ui->popup.drawn = true;
    float w = st->f0 > 0 ? st->f0 : 120;
    float x = fminf(st->f1, ui->width - w);
    ui_push_layout_on(ui, (rr_ui_rect_t){fmaxf(0, x), st->f2, w, ui->height}, RR_UI_LAYER_POPUP);
    ui->menu_state = mid;
    ui->menu_w = 0;
    ui->menu_bg = ui_popup_bg_reserve(ui, ui->theme.floating_bg);
    ui_layout(ui)->cy += 3;
    rr_ui_push_id(ui, "#menu");
    return true;
}

bool rr_ui_menu_item(rr_ui_t *ui, const char *label) {
    size_t len = ui_label_len(label);
    float tw = rr_ui_font_text_width(ui->font, label, len) + 4 * ui->theme.padding_x;
    ui->menu_w = fmaxf(ui->menu_w, tw);
    ui_layout_t *l = ui_layout(ui);
    l->rect.w = fmaxf(l->rect.w, tw);
    rr_ui_rect_t r = rr_ui_allocate(ui, -1, ui_row_h(ui));
    r.x += 3, r.w -= 6;
    rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, label), r);
    if (resp.hovered) rr_ui_draw_rect(ui, r, ui->theme.widget_hovered, ui->theme.corner_radius);
    ui_text_in(ui, r, r.x + ui->theme.padding_x, label, len,
               resp.hovered ? ui->theme.text_strong : ui->theme.text);
    if (resp.clicked) ui->popup.id = 0;
    return resp.clicked;
}

void rr_ui_context_menu_end(rr_ui_t *ui) {
    rr_ui_pop_id(ui);
    ui_layout_t *l = ui_layout(ui);
    ui_state_t *st = ui_state(ui, ui->menu_state);
    float w = fmaxf(ui->menu_w, 120);
    rr_ui_rect_t r = {l->rect.x, l->rect.y, w, l->content_bottom - l->rect.y + 3};
    ui_popup_bg_patch(ui, ui->menu_bg, r);
    rr_ui_draw_rect_stroke(ui, r, ui->theme.widget_stroke, 1);
    ui_add_popup_rect(ui, r);
    st->f0 = w;
    ui_pop_layout(ui);
}

/* ---------------- command palette ---------------- */

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

int rr_ui_fuzzy_score(const char *q, const char *name) {
    if (!*q) return 1;
    size_t nq = strlen(q), nn = strlen(name);
    /* A contiguous match scores highest, more so at a word's start. */
    for (size_t i = 0; i + nq <= nn; i++) {
        size_t k = 0;
        while (k < nq && lower((unsigned char)name[i + k]) == lower((unsigned char)q[k])) k++;
        if (k == nq) {
            bool word = i == 0 || !isalnum((unsigned char)name[i - 1]);
            return 10000 + (word ? 5000 : 0) - (int)(i < 1000 ? i : 1000);
        }
    }
    /* Otherwise the query's characters in order, fewer gaps better. */
    size_t k = 0, gaps = 0, last = 0;
    for (size_t i = 0; i < nn && k < nq; i++) {
        if (q[k] == ' ') {
            k++;
            continue;
        }
        if (lower((unsigned char)name[i]) == lower((unsigned char)q[k])) {
            if (k > 0 && i > last + 1) gaps++;
            last = i;
            k++;
        }
    }
    if (k < nq) return -1;
    return 1000 - (int)(gaps < 900 ? gaps : 900);
}

int rr_ui_command_palette(rr_ui_t *ui, bool *open, const rr_ui_command_t *cmds, int n) {
    rr_ui_id_t qid;
    rr_ui_push_id(ui, "#palette");
    qid = rr_ui_id(ui, "##query");
    rr_ui_pop_id(ui);
    if (!*open) {
        if (ui->palette_was_open && ui->focus == qid) ui->focus = 0;
        ui->palette_was_open = false;
        return -1;
    }
    if (!ui->palette_was_open) {
        ui->palette_query[0] = 0;
        ui->palette_sel = 0;
        ui->palette_was_open = true;
        ui->focus = qid;
    }
    ui->modal = true;
    int chosen = -1;
    /* Matches, best first (insertion sort keeps equal scores in order). */
    int nm = 0;
    for (int i = 0; i < n && nm < UI_PALETTE_MAX; i++) {
        int s = rr_ui_fuzzy_score(ui->palette_query, cmds[i].name);
        if (s < 0) continue;
        int j = nm++;
        while (j > 0 && ui->palette_score[j - 1] < s) {
            ui->palette_score[j] = ui->palette_score[j - 1];
            ui->palette_match[j] = ui->palette_match[j - 1];
            j--;
        }
        ui->palette_score[j] = s;
        ui->palette_match[j] = i;
    }
    for (int k = 0; k < ui->key_presses[RR_UI_KEY_DOWN]; k++) ui->palette_sel++;
    for (int k = 0; k < ui->key_presses[RR_UI_KEY_UP]; k++) ui->palette_sel--;
    if (ui->palette_sel >= nm) ui->palette_sel = nm - 1;
    if (ui->palette_sel < 0) ui->palette_sel = 0;

    float h = ui_row_h(ui);
    enum { VISIBLE = 10 };
    int shown = nm < VISIBLE ? nm : VISIBLE;
    float w = fminf(500, ui->width - 40);
    rr_ui_rect_t box = {roundf((ui->width - w) * 0.5f), 40, w, (float)(shown + 1) * (h + ui->theme.spacing_y) + 14};
    ui_push_layout_on(ui, (rr_ui_rect_t){0, 0, ui->width, ui->height}, RR_UI_LAYER_POPUP);
    rr_ui_draw_rect(ui, (rr_ui_rect_t){0, 0, ui->width, ui->height}, ui->theme.modal_dim, 0);
    rr_ui_draw_rect(ui, box, ui->theme.floating_bg, 6);
    rr_ui_draw_rect_stroke(ui, box, ui->theme.widget_stroke, 1);
    ui_add_popup_rect(ui, (rr_ui_rect_t){0, 0, ui->width, ui->height});
    ui_push_layout(ui, (rr_ui_rect_t){box.x + 6, box.y + 6, box.w - 12, box.h - 12});
    rr_ui_push_id(ui, "#palette");
    char before[sizeof ui->palette_query];
    memcpy(before, ui->palette_query, sizeof before);
    rr_ui_text_input(ui, "##query", ui->palette_query, sizeof ui->palette_query);
    if (strcmp(before, ui->palette_query) != 0) ui->palette_sel = 0;
    int first = ui->palette_sel >= VISIBLE ? ui->palette_sel - VISIBLE + 1 : 0;
    for (int k = first; k < nm && k < first + VISIBLE; k++) {
        const rr_ui_command_t *c = &cmds[ui->palette_match[k]];
        rr_ui_rect_t r = rr_ui_allocate(ui, -1, h);
        rr_ui_push_id_int(ui, ui->palette_match[k]);
        rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, "#cmd"), r);
        rr_ui_pop_id(ui);
        if (resp.hovered && (ui->mx != ui->prev_mx || ui->my != ui->prev_my)) ui->palette_sel = k;
        if (resp.clicked) chosen = ui->palette_match[k];
        bool on = k == ui->palette_sel;
        if (on) rr_ui_draw_rect(ui, r, ui->theme.selection_bg, ui->theme.corner_radius);
        ui_text_in(ui, r, r.x + ui->theme.padding_x, c->name, strlen(c->name),
                   on ? ui->theme.selection_text : ui->theme.text);
        if (c->shortcut) {
            float sw = rr_ui_font_text_width(ui->font, c->shortcut, (size_t)-1);
            ui_text_in(ui, r, r.x + r.w - sw - ui->theme.padding_x, c->shortcut, strlen(c->shortcut),
                       on ? ui->theme.selection_text : ui->theme.text_subdued);
        }
    }
    if (nm == 0) rr_ui_label_colored(ui, "No matching command", ui->theme.text_subdued);
    rr_ui_pop_id(ui);
    ui_pop_layout(ui);
    ui_pop_layout(ui);
    if (ui_key(ui, RR_UI_KEY_ENTER) && nm > 0) chosen = ui->palette_match[ui->palette_sel];
    if (ui->released[0] && !rr_ui_rect_contains(box, ui->mx, ui->my) && ui->mouse_in) *open = false;
    if (ui_key(ui, RR_UI_KEY_ESCAPE)) *open = false;
    if (chosen >= 0) *open = false;
    if (!*open) {
        if (ui->focus == qid) ui->focus = 0;
        ui->palette_was_open = false;
        ui->modal = false;
    }
    return chosen;
}
