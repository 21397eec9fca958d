/* The shell's frame (shell.h): panels carved from the screen's edges in
 * Rerun's order (top bar, error banner, bottom time panel, left blueprint
 * panel, right selection panel, then the viewport in what is left), the
 * keyboard shortcuts and the command palette. The views themselves live in
 * shell_views.c, the selection panel's text in shell_select.c. */
#include "viewer/shell/shell.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/gfx/gl.h"
#include "viewer/shell/shell_internal.h"

#define BANNER_BG 0xb3261eff /* a red strip, readable in both themes */
#define BANNER_TEXT 0xffffffff

rr_status_t rr_shell_new(rr_app_t *app, rr_gfx_renderer_t *r, rr_ui_t *ui, rr_shell_t **out,
                         rr_error_t *err) {
    *out = NULL;
    rr_shell_t *s = calloc(1, sizeof *s);
    if (!s) return rr_error_set(err, RR_ERR_NOMEM, "shell: out of memory");
    s->app = app, s->r = r, s->ui = ui;
    s->show[0] = s->show[1] = s->show[2] = true;
    s->maximized = -1;
    s->drag_view = -1;
    s->theme = RR_UI_THEME_DARK;
    rr_status_t st = rr_ui_gl_new(&s->gl, err);
    if (st == RR_OK) st = rr_time_panel_new(&s->tp, err);
    if (st != RR_OK) {
        rr_shell_free(s);
        return st;
    }
    *out = s;
    return RR_OK;
}

void rr_shell_free(rr_shell_t *s) {
    if (!s) return;
    shell_views_free(s);
    rr_time_panel_free(s->tp);
    rr_ui_gl_free(s->gl);
    free(s->sel_text);
    free(s->sel_lines);
    free(s->items);
    free(s);
}

void shell_item(rr_shell_t *s, rr_ui_rect_t r, const char *fmt, ...) {
    if (s->n_items == s->cap_items) {
        size_t cap = s->cap_items ? s->cap_items * 2 : 64;
        shell_item_t *t = realloc(s->items, cap * sizeof *t);
        if (!t) return; /* the rect is for tests only; the frame goes on */
        s->items = t;
        s->cap_items = cap;
    }
    shell_item_t *it = &s->items[s->n_items++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->key, sizeof it->key, fmt, ap);
    va_end(ap);
    it->rect = rr_ui_rect_intersect(r, ui_clip(s->ui));
}

bool rr_shell_item_rect(const rr_shell_t *s, const char *key, rr_ui_rect_t *out) {
    for (size_t i = 0; i < s->n_items; i++)
        if (!strcmp(s->items[i].key, key) && s->items[i].rect.w > 0 && s->items[i].rect.h > 0) {
            *out = s->items[i].rect;
            return true;
        }
    return false;
}

/* ---------------- state ---------------- */

const rr_pick_t *rr_shell_selection(const rr_shell_t *s) { return &s->selection; }
const rr_pick_t *rr_shell_hover(const rr_shell_t *s) { return &s->hover; }

void rr_shell_select(rr_shell_t *s, const rr_pick_t *p) {
    if (p && p->hit) s->selection = *p;
    else memset(&s->selection, 0, sizeof s->selection);
}

size_t rr_shell_selection_lines(const rr_shell_t *s, const char *const **lines) {
    *lines = (const char *const *)s->sel_lines;
    return s->n_sel_lines;
}

void rr_shell_layout(const rr_shell_t *s, rr_shell_layout_t *out) { *out = s->layout; }

size_t rr_shell_num_views(const rr_shell_t *s) { return s->n_views; }

bool rr_shell_view_info(const rr_shell_t *s, size_t i, rr_shell_view_info_t *out) {
    memset(out, 0, sizeof *out);
    if (i >= s->n_views) return false;
    const shell_view_t *v = &s->views[i];
    out->cls = v->cls;
    snprintf(out->origin, sizeof out->origin, "%s", v->origin.str);
    snprintf(out->name, sizeof out->name, "%s", v->name);
    out->visible = v->visible;
    out->shown = v->shown;
    out->tab = v->tab;
    out->content = v->content;
    out->drawables = v->drawables;
    return true;
}

void rr_shell_set_panel(rr_shell_t *s, rr_shell_panel_t p, bool shown) {
    if ((int)p >= 0 && (int)p < 3) s->show[p] = shown;
}
bool rr_shell_panel_shown(const rr_shell_t *s, rr_shell_panel_t p) {
    return (int)p >= 0 && (int)p < 3 && s->show[p];
}

bool rr_shell_take_screenshot_request(rr_shell_t *s) {
    bool w = s->want_screenshot;
    s->want_screenshot = false;
    return w;
}
bool rr_shell_take_quit_request(rr_shell_t *s) {
    bool w = s->want_quit;
    s->want_quit = false;
    return w;
}

bool rr_shell_wants_repaint(const rr_shell_t *s) {
    return s->repaint || rr_app_playing(s->app) || rr_app_loading(s->app) || rr_ui_wants_repaint(s->ui);
}

/* Appends text as a JSON string body (quotes and controls escaped). */
static size_t json_str(char *buf, size_t cap, size_t at, const char *t) {
    for (; *t && at + 7 < cap; t++) {
        unsigned char c = (unsigned char)*t;
        if (c == '"' || c == '\\') at += (size_t)snprintf(buf + at, cap - at, "\\%c", c);
        else if (c < 0x20) at += (size_t)snprintf(buf + at, cap - at, "\\u%04x", c);
        else buf[at++] = (char)c;
    }
    if (at < cap) buf[at] = 0;
    return at;
}

#define APPEND(...)                                                                 \
    do {                                                                            \
        if (at < cap) {                                                             \
            int n_ = snprintf(buf + at, cap - at, __VA_ARGS__);                     \
            at = n_ < 0 ? at : at + (size_t)n_ < cap ? at + (size_t)n_ : cap - 1;  \
        }                                                                           \
    } while (0)

void rr_shell_debug_json(const rr_shell_t *s, char *buf, size_t cap) {
    if (!cap) return;
    size_t at = 0;
    buf[0] = 0;
    APPEND("\"views\":[");
    for (size_t i = 0; i < s->n_views; i++) {
        const shell_view_t *v = &s->views[i];
        APPEND("%s{\"class\":\"%s\",\"origin\":\"", i ? "," : "", rr_view_class_name(v->cls));
        at = json_str(buf, cap, at, v->origin.str);
        APPEND("\",\"visible\":%s,\"shown\":%s,\"drawables\":%zu}", v->visible ? "true" : "false",
               v->shown ? "true" : "false", v->drawables);
    }
    APPEND("],");
    if (s->show[2]) {
        /* Where the time panel's play button is, for scripted clicks. */
        rr_ui_rect_t p = rr_time_panel_layout(s->tp)->play;
        APPEND("\"play_button\":[%.1f,%.1f,%.1f,%.1f],", (double)p.x, (double)p.y, (double)p.w, (double)p.h);
    }
    APPEND("\"selection\":{\"entity\":\"");
    at = json_str(buf, cap, at, s->selection.hit ? s->selection.entity : "");
    if (s->selection.hit && s->selection.instance != RR_PICK_ALL_INSTANCES)
        APPEND("\",\"instance\":%llu,\"lines\":[", (unsigned long long)s->selection.instance);
    else
        APPEND("\",\"instance\":null,\"lines\":[");
    for (size_t i = 0; i < s->n_sel_lines; i++) {
        APPEND("%s\"", i ? "," : "");
        at = json_str(buf, cap, at, s->sel_lines[i]);
        APPEND("\"");
    }
    APPEND("]}");
}

/* ---------------- commands ---------------- */

typedef enum cmd {
    CMD_TOGGLE_LEFT, CMD_TOGGLE_RIGHT, CMD_TOGGLE_BOTTOM, CMD_THEME, CMD_RESET_VIEWS, CMD_PLAY,
    CMD_FOLLOW, CMD_LOOP, CMD_SCREENSHOT, CMD_QUIT, CMD_COUNT
} cmd_t;

static const rr_ui_command_t g_commands[CMD_COUNT] = {
    {"Toggle blueprint panel", NULL},
    {"Toggle selection panel", NULL},
    {"Toggle time panel", NULL},
    {"Toggle light / dark theme", NULL},
    {"Reset views", NULL},
    {"Play / pause", "Space"},
    {"Follow the newest data", NULL},
    {"Toggle looping", NULL},
    {"Screenshot", "F12"},
    {"Quit", NULL},
};

static void set_theme(rr_shell_t *s, rr_ui_theme_kind_t k) {
    s->theme = k;
    rr_ui_theme_t t;
    rr_ui_theme_init(&t, k);
    rr_ui_set_theme(s->ui, &t);
}

static void run_command(rr_shell_t *s, int c) {
    switch ((cmd_t)c) {
    case CMD_TOGGLE_LEFT: s->show[0] = !s->show[0]; break;
    case CMD_TOGGLE_RIGHT: s->show[1] = !s->show[1]; break;
    case CMD_TOGGLE_BOTTOM: s->show[2] = !s->show[2]; break;
    case CMD_THEME: set_theme(s, s->theme == RR_UI_THEME_DARK ? RR_UI_THEME_LIGHT : RR_UI_THEME_DARK); break;
    case CMD_RESET_VIEWS:
        for (size_t i = 0; i < s->n_views; i++) shell_view_reset(&s->views[i]);
        break;
    case CMD_PLAY: rr_app_toggle_playing(s->app); break;
    case CMD_FOLLOW: rr_app_set_following(s->app, true); break;
    case CMD_LOOP: rr_app_set_looping(s->app, !rr_app_looping(s->app)); break;
    case CMD_SCREENSHOT: s->want_screenshot = true; break;
    case CMD_QUIT: s->want_quit = true; break;
    case CMD_COUNT: break;
    }
    s->repaint = true;
}

static void keyboard(rr_shell_t *s) {
    rr_ui_t *ui = s->ui;
    unsigned mods = shell_mods(ui);
    bool cmd = (mods & (RR_UI_MOD_CTRL | RR_UI_MOD_SUPER)) != 0;
    if (cmd && shell_key(ui, RR_UI_KEY_P)) s->palette_open = !s->palette_open;
    if (rr_ui_wants_keyboard(ui) || s->palette_open) return;
    if (shell_key(ui, RR_UI_KEY_SPACE)) run_command(s, CMD_PLAY);
    if (shell_key(ui, RR_UI_KEY_LEFT)) rr_app_step(s->app, -1);
    if (shell_key(ui, RR_UI_KEY_RIGHT)) rr_app_step(s->app, 1);
    if (shell_key(ui, RR_UI_KEY_ESCAPE)) {
        /* Escape backs out one level: a maximised view, then the selection. */
        if (s->maximized >= 0) s->maximized = -1;
        else rr_shell_select(s, NULL);
    }
}

/* ---------------- top bar and banner ---------------- */

/* A small text button drawn flat as Rerun's top-bar icons, lit when on,
 * with its right edge at *right (which moves left past it). */
static bool toggle_button(rr_ui_t *ui, float *right, float y, float h, const char *label, bool on) {
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    size_t n = strcspn(label, "#");
    float tw = rr_ui_font_text_width(rr_ui_font(ui), label, n);
    rr_ui_rect_t r = {*right - tw - 2 * th->padding_x, y, tw + 2 * th->padding_x, h};
    *right = r.x - th->spacing_x;
    rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, label), r);
    if (on || resp.hovered) rr_ui_draw_rect(ui, r, resp.hovered ? th->widget_hovered : th->widget_bg, th->corner_radius);
    rr_ui_draw_text(ui, r.x + th->padding_x, r.y + (r.h - rr_ui_font_line_height(rr_ui_font(ui))) * 0.5f, label, n,
                    on ? th->text_strong : th->text_subdued);
    return resp.clicked;
}

static void top_bar(rr_shell_t *s, float width) {
    rr_ui_t *ui = s->ui;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    float h = RR_SHELL_TOP_BAR_HEIGHT;
    rr_ui_panel_begin(ui, "top_bar", RR_UI_SIDE_TOP, &h, h, h, false);
    s->layout.top_bar = (rr_ui_rect_t){0, 0, width, h};
    float ty = (h - rr_ui_font_line_height(rr_ui_font(ui))) * 0.5f;
    float x = 8; /* Rerun's top_bar_margin */
    x += rr_ui_draw_text(ui, x, ty, "Rerun", 5, th->text_strong) + 12;
    rr_store_t *st = rr_app_active_store(s->app);
    const rr_store_id_t *id = st ? rr_store_store_id(st) : NULL;
    const char *appid = id && id->application_id ? id->application_id : "waiting for data";
    x += rr_ui_draw_text(ui, x, ty, appid, strlen(appid), th->text) + 12;
    if (rr_app_loading(s->app)) {
        /* A progress bar the width of a word, then the figure. */
        double p = rr_app_progress(s->app);
        rr_ui_rect_t bar = {x, h * 0.5f - 3, 80, 6};
        rr_ui_draw_rect(ui, bar, th->widget_bg, 3);
        rr_ui_draw_rect(ui, (rr_ui_rect_t){bar.x, bar.y, (float)(bar.w * (p < 0 ? 0 : p > 1 ? 1 : p)), bar.h},
                        th->focus_stroke, 3);
        char txt[48];
        int n = snprintf(txt, sizeof txt, "loading %.0f%%", p * 100.0);
        x += bar.w + 6;
        x += rr_ui_draw_text(ui, x, ty, txt, (size_t)n, th->text_subdued) + 12;
    }
    /* Toggles at the right edge, as Rerun puts its panel buttons: the
     * theme rightmost, then time, selection, blueprint leftwards. */
    static const char *const names[3] = {"Blueprint##tgl", "Selection##tgl", "Time##tgl"};
    float right = width - 8;
    if (toggle_button(ui, &right, 4, h - 8, s->theme == RR_UI_THEME_DARK ? "Light##theme" : "Dark##theme", false))
        run_command(s, CMD_THEME);
    for (int i = 2; i >= 0; i--) {
        float at = right;
        if (toggle_button(ui, &right, 4, h - 8, names[i], s->show[i])) run_command(s, CMD_TOGGLE_LEFT + i);
        shell_item(s, (rr_ui_rect_t){right + th->spacing_x, 4, at - right - th->spacing_x, h - 8}, "toggle:%d", i);
    }
    (void)x;
    rr_ui_panel_end(ui);

    const char *e = rr_app_error(s->app);
    s->layout.banner = (rr_ui_rect_t){0, h, width, 0};
    if (e[0]) {
        float bh = 24;
        /* Carved as a panel; painted after it, edge to edge (a panel's own
         * region is inset by its padding). */
        rr_ui_panel_begin(ui, "error_banner", RR_UI_SIDE_TOP, &bh, bh, bh, false);
        rr_ui_panel_end(ui);
        rr_ui_rect_t r = {0, h, width, bh};
        s->layout.banner = r;
        rr_ui_draw_rect(ui, r, BANNER_BG, 0);
        rr_ui_push_clip(ui, r);
        char txt[600];
        int n = snprintf(txt, sizeof txt, "Error: %s", e);
        rr_ui_draw_text(ui, 8, h + (bh - rr_ui_font_line_height(rr_ui_font(ui))) * 0.5f, txt,
                        n < 0 ? 0 : (size_t)n < sizeof txt ? (size_t)n : sizeof txt - 1, BANNER_TEXT);
        rr_ui_pop_clip(ui);
    }
}

/* ---------------- left panel: recordings and blueprint ---------------- */

static void panel_title(rr_ui_t *ui, const char *title) {
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    rr_ui_rect_t r = rr_ui_allocate(ui, -1, RR_SHELL_TITLE_BAR_HEIGHT);
    rr_ui_draw_text(ui, r.x + 4, r.y + (r.h - rr_ui_font_line_height(rr_ui_font(ui))) * 0.5f, title, strlen(title),
                    th->text_strong);
}

static int cmp_str(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : ""); }

static void recordings(rr_shell_t *s) {
    rr_ui_t *ui = s->ui;
    panel_title(ui, "Recordings");
    rr_store_set_t *set = rr_app_stores(s->app);
    size_t n = rr_store_set_count(set);
    rr_store_t *active = rr_app_active_store(s->app);
    /* Grouped by application id, in order of each group's first sight. */
    for (size_t i = 0; i < n; i++) {
        rr_store_t *st = rr_store_set_get(set, i);
        const rr_store_id_t *id = rr_store_store_id(st);
        if (id->kind != RR_STORE_KIND_RECORDING) continue;
        bool first = true;
        for (size_t j = 0; j < i && first; j++) {
            const rr_store_id_t *o = rr_store_store_id(rr_store_set_get(set, j));
            if (o->kind == RR_STORE_KIND_RECORDING && !cmp_str(o->application_id, id->application_id)) first = false;
        }
        if (!first) continue;
        const char *app_id = id->application_id ? id->application_id : "(no application id)";
        rr_ui_push_id_int(ui, (int64_t)i);
        if (rr_ui_tree_node(ui, app_id, true)) {
            for (size_t j = i; j < n; j++) {
                rr_store_t *rs = rr_store_set_get(set, j);
                const rr_store_id_t *rid = rr_store_store_id(rs);
                if (rid->kind != RR_STORE_KIND_RECORDING || cmp_str(rid->application_id, id->application_id)) continue;
                char label[160];
                snprintf(label, sizeof label, "%s##rec%zu", rid->recording_id ? rid->recording_id : "(no id)", j);
                bool clicked = rr_ui_selectable(ui, label, rs == active);
                shell_item(s, rr_ui_last_item_rect(ui), "recording:%s", rid->recording_id ? rid->recording_id : "");
                if (clicked && rs != active) {
                    rr_app_set_active_store(s->app, rs);
                    memset(&s->selection, 0, sizeof s->selection);
                    s->repaint = true;
                }
            }
            rr_ui_tree_pop(ui);
        }
        rr_ui_pop_id(ui);
    }
    if (!n) rr_ui_label_colored(ui, "No recordings yet", rr_ui_theme(ui)->text_subdued);
}

/* One blueprint row: an open/close arrow (when it has children), a label
 * that selects, and an eye toggle at the right. Returns whether it is open. */
typedef struct row_result {
    bool open, clicked, eye_clicked;
    rr_ui_rect_t row, eye;
} row_result_t;

static row_result_t tree_row(rr_shell_t *s, const char *key, const char *label, const char *sub, bool has_children,
                             bool visible, bool selected) {
    rr_ui_t *ui = s->ui;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    row_result_t out = {0};
    rr_ui_id_t id = rr_ui_id(ui, key);
    ui_state_t *st = ui_state(ui, id);
    if (!st->init) st->init = true, st->open = true;
    float h = ui_row_h(ui);
    rr_ui_rect_t r = rr_ui_allocate(ui, -1, h);
    rr_ui_rect_t eye = {r.x + r.w - h, r.y, h, h};
    rr_ui_rect_t arrow = {r.x, r.y, 14, h};
    rr_ui_response_t re = rr_ui_interact(ui, id ^ 0x5bd1e995u, eye);
    rr_ui_response_t ra = has_children ? rr_ui_interact(ui, id ^ 0x27d4eb2fu, arrow) : (rr_ui_response_t){0};
    rr_ui_rect_t body = {r.x + 14, r.y, r.w - 14 - h, h};
    rr_ui_response_t rb = rr_ui_interact(ui, id, body);
    if (ra.clicked) st->open = !st->open;
    if (selected) rr_ui_draw_rect(ui, r, th->selection_bg, th->corner_radius);
    else if (rb.hovered || re.hovered || ra.hovered) rr_ui_draw_rect(ui, r, th->widget_hovered, th->corner_radius);
    float ax = r.x + 6, ay = r.y + h * 0.5f;
    if (has_children) {
        if (st->open) rr_ui_draw_triangle(ui, ax - 4, ay - 2, ax + 4, ay - 2, ax, ay + 3, th->text);
        else rr_ui_draw_triangle(ui, ax - 2, ay - 4, ax - 2, ay + 4, ax + 3, ay, th->text);
    }
    rr_ui_color_t tc = selected ? th->selection_text : visible ? th->text : th->text_subdued;
    rr_ui_push_clip(ui, body);
    float tx = body.x + 2 + rr_ui_draw_text(ui, body.x + 2, r.y + (h - rr_ui_font_line_height(rr_ui_font(ui))) * 0.5f,
                                             label, strlen(label), tc);
    if (sub) rr_ui_draw_text(ui, tx + 6, r.y + (h - rr_ui_font_line_height(rr_ui_font(ui))) * 0.5f, sub, strlen(sub),
                             th->text_subdued);
    rr_ui_pop_clip(ui);
    /* The eye: an open ring with a pupil when visible, a dash when hidden. */
    float ex = eye.x + eye.w * 0.5f, ey = eye.y + eye.h * 0.5f;
    rr_ui_color_t ec = re.hovered ? th->text_strong : th->text_subdued;
    if (visible) {
        rr_ui_draw_line(ui, ex - 6, ey, ex, ey - 4, ec, 1.2f);
        rr_ui_draw_line(ui, ex, ey - 4, ex + 6, ey, ec, 1.2f);
        rr_ui_draw_line(ui, ex - 6, ey, ex, ey + 4, ec, 1.2f);
        rr_ui_draw_line(ui, ex, ey + 4, ex + 6, ey, ec, 1.2f);
        rr_ui_draw_rect(ui, (rr_ui_rect_t){ex - 1.5f, ey - 1.5f, 3, 3}, ec, 1.5f);
    } else {
        rr_ui_draw_line(ui, ex - 6, ey, ex + 6, ey, ec, 1.2f);
    }
    out.open = has_children && st->open;
    out.clicked = rb.clicked;
    out.eye_clicked = re.clicked;
    out.row = body;
    out.eye = eye;
    return out;
}

static void select_entity(rr_shell_t *s, const char *path) {
    rr_pick_t p;
    memset(&p, 0, sizeof p);
    p.hit = true;
    snprintf(p.entity, sizeof p.entity, "%s", path);
    p.instance = RR_PICK_ALL_INSTANCES;
    rr_shell_select(s, &p);
}

static void blueprint_tree(rr_shell_t *s) {
    rr_ui_t *ui = s->ui;
    panel_title(ui, "Blueprint");
    if (!s->n_views) rr_ui_label_colored(ui, "No views", rr_ui_theme(ui)->text_subdued);
    for (size_t i = 0; i < s->n_views; i++) {
        shell_view_t *v = &s->views[i];
        char key[320];
        snprintf(key, sizeof key, "view:%d:%s", (int)v->cls, v->origin.str);
        rr_ui_push_id(ui, key);
        row_result_t r = tree_row(s, "row", v->name, rr_view_class_name(v->cls), v->n_entities > 0, v->visible, false);
        shell_item(s, r.row, "view:%zu", i);
        shell_item(s, r.eye, "view_eye:%zu", i);
        if (r.eye_clicked) v->visible = !v->visible, s->repaint = true;
        if (r.clicked && s->maximized >= 0) s->maximized = (int)i;
        if (r.open) {
            rr_ui_indent(ui, rr_ui_theme(ui)->indent);
            for (size_t k = 0; k < v->n_entities; k++) {
                shell_entity_t *e = &v->entities[k];
                rr_ui_push_id_int(ui, (int64_t)k);
                bool sel = s->selection.hit && !strcmp(s->selection.entity, e->path);
                row_result_t er = tree_row(s, e->path, e->path, NULL, false, !e->hidden && v->visible, sel);
                shell_item(s, er.row, "entity:%zu:%s", i, e->path);
                shell_item(s, er.eye, "entity_eye:%zu:%s", i, e->path);
                if (er.eye_clicked) e->hidden = !e->hidden, v->hidden_dirty = true, s->repaint = true;
                if (er.clicked) select_entity(s, e->path);
                rr_ui_pop_id(ui);
            }
            rr_ui_indent(ui, -rr_ui_theme(ui)->indent);
        }
        rr_ui_pop_id(ui);
    }
}

/* ---------------- right panel: selection ---------------- */

static void selection_panel(rr_shell_t *s) {
    rr_ui_t *ui = s->ui;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    panel_title(ui, "Selection");
    if (!s->selection.hit) {
        rr_ui_label_colored(ui, "Nothing selected", th->text_subdued);
        return;
    }
    rr_ui_scroll_begin(ui, "selection_scroll", -1);
    for (size_t i = 0; i < s->n_sel_lines; i++) {
        if (i == 0) rr_ui_label_colored(ui, s->sel_lines[i], th->text_strong);
        else rr_ui_label(ui, s->sel_lines[i]);
    }
    rr_ui_scroll_end(ui);
}

/* ---------------- bottom panel ---------------- */

/* The time panel (time_panel.h): playback, timeline, the ruler, densities. */
static rr_status_t bottom_panel(rr_shell_t *s, rr_ui_rect_t r, rr_error_t *err) {
    return rr_time_panel(s->tp, s->ui, s->app, r, err);
}

/* ---------------- viewport ---------------- */

static rr_status_t viewport(rr_shell_t *s, rr_ui_rect_t vp, rr_error_t *err) {
    rr_ui_t *ui = s->ui;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    rr_ui_draw_rect(ui, vp, th->viewport_bg, 0);
    if (s->maximized >= (int)s->n_views) s->maximized = -1;
    size_t order[256], n = 0;
    for (size_t i = 0; i < s->n_views; i++) {
        shell_view_t *v = &s->views[i];
        v->shown = false;
        v->tab = v->content = (rr_ui_rect_t){0, 0, 0, 0};
        if (s->maximized >= 0 ? (int)i == s->maximized : v->visible)
            if (n < sizeof order / sizeof order[0]) order[n++] = i;
    }
    if (!n) {
        const char *msg = s->n_views ? "Every view is hidden" : rr_app_active_store(s->app) ? "Nothing to show yet" : "Waiting for data";
        float tw = rr_ui_text_width(ui, msg);
        rr_ui_draw_text(ui, vp.x + (vp.w - tw) * 0.5f, vp.y + vp.h * 0.5f - 8, msg, strlen(msg), th->text_subdued);
        return RR_OK;
    }
    for (size_t k = 0; k < n; k++) {
        shell_view_t *v = &s->views[order[k]];
        int x, y, w, h;
        /* The grid in whole points (the UI's unit), then a 1-point gap. */
        rr_blueprint_grid_cell(n, k, (int)vp.w, (int)vp.h, &x, &y, &w, &h);
        rr_ui_rect_t cell = {vp.x + (float)x, vp.y + (float)y, (float)w, (float)h};
        if (n > 1) {
            if (cell.x + cell.w < vp.x + vp.w - 0.5f) cell.w -= 1;
            if (cell.y + cell.h < vp.y + vp.h - 0.5f) cell.h -= 1;
        }
        float tb = RR_SHELL_TITLE_BAR_HEIGHT;
        v->tab = (rr_ui_rect_t){cell.x, cell.y, cell.w, fminf(tb, cell.h)};
        v->content = (rr_ui_rect_t){cell.x, cell.y + v->tab.h, cell.w, fmaxf(0, cell.h - v->tab.h)};
        v->shown = true;
        /* The tab header: name, class, and the maximise toggle. */
        rr_ui_draw_rect(ui, v->tab, th->tab_bar_bg, 0);
        rr_ui_push_clip(ui, v->tab);
        float ty = v->tab.y + (v->tab.h - rr_ui_font_line_height(rr_ui_font(ui))) * 0.5f;
        float tx = v->tab.x + 8;
        tx += rr_ui_draw_text(ui, tx, ty, v->name, strlen(v->name), th->text_strong) + 8;
        const char *cn = rr_view_class_name(v->cls);
        rr_ui_draw_text(ui, tx, ty, cn, strlen(cn), th->text_subdued);
        rr_ui_push_id_int(ui, (int64_t)order[k]);
        const char *mx = s->maximized >= 0 ? "Restore" : "Maximize";
        float mw = rr_ui_text_width(ui, mx) + 12;
        rr_ui_rect_t mr = {v->tab.x + v->tab.w - mw - 4, v->tab.y + 2, mw, v->tab.h - 4};
        rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, "maximize"), mr);
        shell_item(s, mr, "maximize:%zu", order[k]);
        if (resp.hovered) rr_ui_draw_rect(ui, mr, th->widget_hovered, th->corner_radius);
        rr_ui_draw_text(ui, mr.x + 6, ty, mx, strlen(mx), resp.hovered ? th->text_strong : th->text_subdued);
        if (resp.clicked) {
            s->maximized = s->maximized >= 0 ? -1 : (int)order[k];
            s->repaint = true;
        }
        rr_ui_pop_id(ui);
        rr_ui_pop_clip(ui);
        if (v->content.w >= 1 && v->content.h >= 1) {
            RR_TRY(shell_view_frame(s, order[k], err));
            uint32_t tex = v->target ? rr_gfx_target_texture(v->target) : 0;
            /* GL's rows run bottom-up: the top of the rect shows v = 1. */
            if (tex) rr_ui_image(ui, tex, v->content, 0, 1, 1, 0);
            shell_view_overlay(s, v);
        }
    }
    return RR_OK;
}

/* ---------------- the frame ---------------- */

rr_status_t rr_shell_frame(rr_shell_t *s, float width_pt, float height_pt, float scale, double now,
                           rr_error_t *err) {
    rr_ui_t *ui = s->ui;
    s->scale = scale > 0 ? scale : 1;
    s->last_now = s->now;
    s->now = now;
    s->repaint = false;
    RR_TRY(shell_sync_blueprint(s, err));
    shell_selection_build(s);
    memset(&s->hover, 0, sizeof s->hover); /* the views' picks fill it again */

    rr_ui_begin_frame(ui, width_pt, height_pt, now);
    keyboard(s);
    if (!s->sizes_init) {
        /* Rerun's defaults: default_blueprint_panel_width,
         * default_selection_panel_width, the time panel's default_size. */
        s->left_w = fminf(0.35f * width_pt, 200);
        s->right_w = fminf(0.45f * width_pt, 300);
        s->bottom_h = fminf(fmaxf(0.25f * height_pt, 150), 250);
        s->sizes_init = true;
    }
    memset(&s->layout, 0, sizeof s->layout);
    s->n_items = 0;
    top_bar(s, width_pt);
    rr_status_t st = RR_OK;
    if (s->show[2]) {
        rr_ui_panel_begin(ui, "time_panel", RR_UI_SIDE_BOTTOM, &s->bottom_h, 150, fmaxf(150, height_pt - 150), true);
        s->layout.bottom = (rr_ui_rect_t){0, height_pt - s->bottom_h, width_pt, s->bottom_h};
        st = bottom_panel(s, s->layout.bottom, err);
        rr_ui_panel_end(ui);
    }
    float side_top = s->layout.top_bar.h + s->layout.banner.h;
    float side_h = height_pt - side_top - (s->show[2] ? s->bottom_h : 0);
    if (s->show[0]) {
        rr_ui_panel_begin(ui, "blueprint_panel", RR_UI_SIDE_LEFT, &s->left_w, RR_SHELL_SIDE_PANEL_MIN,
                          fmaxf(RR_SHELL_SIDE_PANEL_MIN, width_pt * 0.5f), true);
        s->layout.left = (rr_ui_rect_t){0, side_top, s->left_w, side_h};
        rr_ui_scroll_begin(ui, "left_scroll", -1);
        recordings(s);
        rr_ui_spacing(ui, 6);
        rr_ui_separator(ui);
        blueprint_tree(s);
        rr_ui_scroll_end(ui);
        rr_ui_panel_end(ui);
    }
    if (s->show[1]) {
        rr_ui_panel_begin(ui, "selection_panel", RR_UI_SIDE_RIGHT, &s->right_w, RR_SHELL_SIDE_PANEL_MIN,
                          fmaxf(RR_SHELL_SIDE_PANEL_MIN, width_pt * 0.5f), true);
        s->layout.right = (rr_ui_rect_t){width_pt - s->right_w, side_top, s->right_w, side_h};
        selection_panel(s);
        rr_ui_panel_end(ui);
    }
    rr_ui_central_begin(ui);
    float vx = s->show[0] ? s->left_w : 0;
    s->layout.viewport = (rr_ui_rect_t){vx, side_top, width_pt - vx - (s->show[1] ? s->right_w : 0), side_h};
    if (st == RR_OK) st = viewport(s, s->layout.viewport, err);
    rr_ui_central_end(ui);

    int c = rr_ui_command_palette(ui, &s->palette_open, g_commands, CMD_COUNT);
    if (c >= 0) run_command(s, c);
    rr_status_t end = rr_ui_end_frame(ui, st == RR_OK ? err : NULL);
    /* The views rendered into their targets: hand the window back. */
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    return st != RR_OK ? st : end;
}

rr_status_t rr_shell_render(rr_shell_t *s, int fb_w, int fb_h, rr_error_t *err) {
    return rr_ui_gl_render(s->gl, s->ui, fb_w, fb_h, err);
}
