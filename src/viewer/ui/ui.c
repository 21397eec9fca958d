/* The UI toolkit's core (ui.h): input collected between frames, frames,
 * ids, per-id state, layout regions, panels, the draw lists and the mouse
 * interaction every widget goes through. Widgets live in widgets.c. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/ui/ui_internal.h"

#define DOUBLE_CLICK_S 0.3
#define DOUBLE_CLICK_DIST 4.0f

/* ---------------- themes ---------------- */

/* Rerun's colour table (re_ui color_table.ron): the grey scale and blues. */
#define GRAY_0 0x000000ffu
#define GRAY_100 0x0d0d0dffu
#define GRAY_150 0x171717ffu
#define GRAY_200 0x212121ffu
#define GRAY_250 0x272626ffu
#define GRAY_300 0x2c2b2bffu
#define GRAY_350 0x525151ffu
#define GRAY_500 0x827f7fffu
#define GRAY_550 0x939090ffu
#define GRAY_650 0xadadadffu
#define GRAY_700 0xbfbfbfffu
#define GRAY_750 0xcfcfcfffu
#define GRAY_800 0xe0dfdfffu
#define GRAY_900 0xeeeeedffu
#define GRAY_1000 0xffffffffu
#define BLUE_400 0x004bc2ffu
#define BLUE_500 0x186addffu
#define BLUE_900 0xf0f2ffffu

void rr_ui_theme_init(rr_ui_theme_t *t, rr_ui_theme_kind_t kind) {
    memset(t, 0, sizeof *t);
    /* Token assignments follow re_ui's dark_theme.ron / light_theme.ron. */
    if (kind == RR_UI_THEME_LIGHT) {
        t->panel_bg = GRAY_1000, t->top_bar_bg = GRAY_800, t->bottom_bar_bg = GRAY_1000;
        t->tab_bar_bg = GRAY_900, t->viewport_bg = GRAY_1000;
        t->floating_bg = GRAY_1000, t->extreme_bg = GRAY_1000, t->faint_bg = GRAY_900;
        t->text_edit_bg = GRAY_900;
        t->text = GRAY_250, t->text_strong = GRAY_0, t->text_subdued = GRAY_500;
        t->widget_bg = GRAY_800, t->widget_hovered = GRAY_700, t->widget_active = GRAY_650;
        t->widget_stroke = GRAY_800;
        t->modal_dim = 0x00000040u;
    } else {
        t->panel_bg = GRAY_100, t->top_bar_bg = GRAY_100, t->bottom_bar_bg = GRAY_150;
        t->tab_bar_bg = GRAY_200, t->viewport_bg = GRAY_0;
        t->floating_bg = GRAY_200, t->extreme_bg = GRAY_0, t->faint_bg = GRAY_150;
        t->text_edit_bg = GRAY_200;
        t->text = GRAY_750, t->text_strong = GRAY_1000, t->text_subdued = GRAY_550;
        t->widget_bg = GRAY_300, t->widget_hovered = GRAY_350, t->widget_active = GRAY_350;
        t->widget_stroke = GRAY_250;
        t->modal_dim = 0x00000080u;
    }
    t->selection_bg = BLUE_500;
    t->selection_text = kind == RR_UI_THEME_LIGHT ? GRAY_1000 : BLUE_900;
    t->focus_stroke = BLUE_400;
    /* re_ui: 12 px text on 16 px lines, 8 pt item spacing, 4 pt small
     * corners, 14 pt indent, 6 pt scroll bars. Rows are denser than egui's
     * default spacing so lists stay compact. */
    t->font_size = 12;
    t->spacing_x = 8, t->spacing_y = 4;
    t->padding_x = 6, t->padding_y = 2;
    t->corner_radius = 4;
    t->indent = 14;
    t->scrollbar_width = 6;
    t->splitter_width = 6;
    t->slider_width = 140;
    t->row_height = 18;
    t->tooltip_delay = 0.5f;
}

/* ---------------- context ---------------- */

rr_status_t rr_ui_new(rr_ui_font_t *font, rr_ui_t **out, rr_error_t *err) {
    *out = NULL;
    if (!font) return rr_error_set(err, RR_ERR_INVALID_ARG, "ui: no font given");
    rr_ui_t *ui = calloc(1, sizeof *ui);
    if (!ui) return rr_error_set(err, RR_ERR_NOMEM, "ui: out of memory");
    ui->font = font;
    rr_ui_theme_init(&ui->theme, RR_UI_THEME_DARK);
    ui->n_states_cap = 256;
    ui->states = calloc(ui->n_states_cap, sizeof *ui->states);
    if (!ui->states) {
        free(ui);
        return rr_error_set(err, RR_ERR_NOMEM, "ui: out of memory");
    }
    ui->mx = ui->my = -1e9f;
    *out = ui;
    return RR_OK;
}

void rr_ui_free(rr_ui_t *ui) {
    if (!ui) return;
    for (int i = 0; i < RR_UI_LAYER_COUNT; i++) {
        free(ui->lists[i].vtx);
        free(ui->lists[i].idx);
        free(ui->lists[i].cmds);
    }
    free(ui->states);
    free(ui->own_clip);
    free(ui);
}

void rr_ui_set_theme(rr_ui_t *ui, const rr_ui_theme_t *theme) { ui->theme = *theme; }
const rr_ui_theme_t *rr_ui_theme(const rr_ui_t *ui) { return &ui->theme; }
rr_ui_font_t *rr_ui_font(const rr_ui_t *ui) { return ui->font; }

void rr_ui_set_font(rr_ui_t *ui, rr_ui_font_t *font) {
    if (ui && font) ui->font = font;
}

void rr_ui_set_clipboard(rr_ui_t *ui, const rr_ui_clipboard_t *cb) {
    if (cb) ui->clipboard = *cb;
    else memset(&ui->clipboard, 0, sizeof ui->clipboard);
}

/* ---------------- input ---------------- */

void rr_ui_input_mouse_pos(rr_ui_t *ui, float x, float y) {
    ui->mx = x, ui->my = y;
    ui->mouse_in = true;
}

void rr_ui_input_mouse_leave(rr_ui_t *ui) { ui->mouse_in = false; }

void rr_ui_input_mouse_button(rr_ui_t *ui, int b, bool down) {
    if (b < 0 || b > 2) return;
    if (down && !ui->down[b]) {
        ui->pressed[b] = true;
        if (b == 0) {
            if (ui->now - ui->press_time[0] < DOUBLE_CLICK_S &&
                fabsf(ui->mx - ui->press_x[0]) < DOUBLE_CLICK_DIST &&
                fabsf(ui->my - ui->press_y[0]) < DOUBLE_CLICK_DIST)
                ui->double_click = true;
            ui->press_time[0] = ui->now;
            ui->press_x[0] = ui->mx, ui->press_y[0] = ui->my;
        }
    } else if (!down && ui->down[b]) {
        ui->released[b] = true;
    }
    ui->down[b] = down;
}

void rr_ui_input_wheel(rr_ui_t *ui, float dx, float dy) {
    ui->wheel_x += dx;
    ui->wheel_y += dy;
}

void rr_ui_input_key(rr_ui_t *ui, rr_ui_key_t key, bool down) {
    if (key <= RR_UI_KEY_NONE || key >= RR_UI_KEY_COUNT || !down) return;
    if (ui->key_presses[key] < 255) ui->key_presses[key]++;
}

void rr_ui_input_modifiers(rr_ui_t *ui, unsigned mods) { ui->mods = mods; }

void rr_ui_input_text(rr_ui_t *ui, const char *utf8) {
    for (const char *p = utf8; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) continue;
        if (ui->text_len + 1 < UI_TEXT_MAX) ui->text[ui->text_len++] = *p;
    }
    /* A multi-byte character cut at the end would be malformed: drop it. */
    size_t i = ui->text_len;
    while (i > 0 && ((unsigned char)ui->text[i - 1] & 0xC0) == 0x80) i--;
    if (i > 0 && ((unsigned char)ui->text[i - 1] & 0x80)) {
        unsigned char lead = (unsigned char)ui->text[i - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (ui->text_len - (i - 1) < need) ui->text_len = i - 1;
    }
    ui->text[ui->text_len] = 0;
}

bool ui_key(const rr_ui_t *ui, rr_ui_key_t k) { return ui->key_presses[k] > 0; }

/* ---------------- ids and state ---------------- */

rr_ui_id_t ui_hash(const char *s, size_t len, rr_ui_id_t seed) {
    uint32_t h = 2166136261u ^ seed;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h ? h : 1; /* 0 means "no id" */
}

static rr_ui_id_t scope(const rr_ui_t *ui) { return ui->n_ids ? ui->ids[ui->n_ids - 1] : 0; }

rr_ui_id_t rr_ui_id(const rr_ui_t *ui, const char *label) {
    return ui_hash(label, strlen(label), scope(ui));
}

void rr_ui_push_id(rr_ui_t *ui, const char *s) {
    if (ui->n_ids >= UI_MAX_STACK) {
        ui->unbalanced = "id stack overflow (push_id)";
        return;
    }
    ui->ids[ui->n_ids] = rr_ui_id(ui, s);
    ui->n_ids++;
}

void rr_ui_push_id_int(rr_ui_t *ui, int64_t n) {
    char buf[32];
    int len = snprintf(buf, sizeof buf, "#%lld", (long long)n);
    if (ui->n_ids >= UI_MAX_STACK) {
        ui->unbalanced = "id stack overflow (push_id_int)";
        return;
    }
    ui->ids[ui->n_ids] = ui_hash(buf, (size_t)len, scope(ui));
    ui->n_ids++;
}

void rr_ui_pop_id(rr_ui_t *ui) {
    if (ui->n_ids == 0) ui->unbalanced = "pop_id without push_id";
    else ui->n_ids--;
}

size_t ui_label_len(const char *label) {
    const char *h = strstr(label, "##");
    return h ? (size_t)(h - label) : strlen(label);
}

/* Open addressing on the id; grown at 3/4 load. State a frame no longer
 * touches stays (trees keep their open flag while scrolled out of view). */
ui_state_t *ui_state(rr_ui_t *ui, rr_ui_id_t id) {
    size_t mask = ui->n_states_cap - 1;
    for (size_t i = id & mask;; i = (i + 1) & mask) {
        ui_state_t *s = &ui->states[i];
        if (s->id == id) {
            s->last_frame = ui->frame;
            return s;
        }
        if (s->id == 0) break;
    }
    if ((ui->n_states + 1) * 4 > ui->n_states_cap * 3) {
        size_t ncap = ui->n_states_cap * 2;
        ui_state_t *ns = calloc(ncap, sizeof *ns);
        if (ns) {
            for (size_t i = 0; i < ui->n_states_cap; i++) {
                if (!ui->states[i].id) continue;
                size_t j = ui->states[i].id & (ncap - 1);
                while (ns[j].id) j = (j + 1) & (ncap - 1);
                ns[j] = ui->states[i];
            }
            free(ui->states);
            ui->states = ns;
            ui->n_states_cap = ncap;
            mask = ncap - 1;
        } else if ((ui->n_states + 2) > ui->n_states_cap) {
            /* Full and out of memory: share a scratch slot rather than fail. */
            ui->oom = true;
            memset(&ui->scratch_state, 0, sizeof ui->scratch_state);
            return &ui->scratch_state;
        }
    }
    size_t i = id & mask;
    while (ui->states[i].id) i = (i + 1) & mask;
    ui_state_t *s = &ui->states[i];
    memset(s, 0, sizeof *s);
    s->id = id;
    s->last_frame = ui->frame;
    ui->n_states++;
    return s;
}

/* ---------------- draw lists ---------------- */

rr_ui_rect_t rr_ui_rect_intersect(rr_ui_rect_t a, rr_ui_rect_t b) {
    float x0 = fmaxf(a.x, b.x), y0 = fmaxf(a.y, b.y);
    float x1 = fminf(a.x + a.w, b.x + b.w), y1 = fminf(a.y + a.h, b.y + b.h);
    return (rr_ui_rect_t){x0, y0, fmaxf(0, x1 - x0), fmaxf(0, y1 - y0)};
}

rr_ui_rect_t ui_clip(const rr_ui_t *ui) {
    int l = ui->layer;
    return ui->clip[l][ui->n_clip[l] - 1];
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return true;
    size_t ncap = *cap ? *cap : 256;
    while (ncap < need) ncap *= 2;
    void *np = realloc(*p, ncap * elem);
    if (!np) return false;
    *p = np;
    *cap = ncap;
    return true;
}

/* Room for nv vertices and ni indices in the current layer under the
 * current clip and texture; returns the first vertex's index or -1. */
static long reserve(rr_ui_t *ui, size_t nv, size_t ni, uint32_t texture) {
    rr_ui_draw_list_t *d = &ui->lists[ui->layer];
    if (d->n_vtx + nv > UINT32_MAX || ui->oom ||
        !grow((void **)&d->vtx, &d->cap_vtx, d->n_vtx + nv, sizeof *d->vtx) ||
        !grow((void **)&d->idx, &d->cap_idx, d->n_idx + ni, sizeof *d->idx) ||
        !grow((void **)&d->cmds, &d->cap_cmds, d->n_cmds + 1, sizeof *d->cmds)) {
        ui->oom = true;
        return -1;
    }
    rr_ui_rect_t clip = ui_clip(ui);
    rr_ui_cmd_t *last = d->n_cmds ? &d->cmds[d->n_cmds - 1] : NULL;
    if (!last || last->texture != texture || memcmp(&last->clip, &clip, sizeof clip) != 0) {
        last = &d->cmds[d->n_cmds++];
        last->clip = clip;
        last->texture = texture;
        last->idx_offset = (uint32_t)d->n_idx;
        last->idx_count = 0;
    }
    last->idx_count += (uint32_t)ni;
    long base = (long)d->n_vtx;
    d->n_vtx += nv;
    return base;
}

static void vtx(rr_ui_t *ui, size_t at, float x, float y, float u, float v, rr_ui_color_t c) {
    ui->lists[ui->layer].vtx[at] = (rr_ui_vertex_t){x, y, u, v, c};
}

static void idx3(rr_ui_t *ui, uint32_t a, uint32_t b, uint32_t c) {
    rr_ui_draw_list_t *d = &ui->lists[ui->layer];
    d->idx[d->n_idx++] = a;
    d->idx[d->n_idx++] = b;
    d->idx[d->n_idx++] = c;
}

static void quad_uv(rr_ui_t *ui, float x0, float y0, float x1, float y1, float u0, float v0,
                    float u1, float v1, rr_ui_color_t c, uint32_t texture) {
    long b = reserve(ui, 4, 6, texture);
    if (b < 0) return;
    size_t i = (size_t)b;
    vtx(ui, i, x0, y0, u0, v0, c);
    vtx(ui, i + 1, x1, y0, u1, v0, c);
    vtx(ui, i + 2, x1, y1, u1, v1, c);
    vtx(ui, i + 3, x0, y1, u0, v1, c);
    idx3(ui, (uint32_t)i, (uint32_t)i + 1, (uint32_t)i + 2);
    idx3(ui, (uint32_t)i, (uint32_t)i + 2, (uint32_t)i + 3);
}

void rr_ui_draw_rect(rr_ui_t *ui, rr_ui_rect_t r, rr_ui_color_t c, float rounding) {
    if (r.w <= 0 || r.h <= 0 || (c & 0xff) == 0) return;
    float wu, wv;
    rr_ui_font_white_uv(ui->font, &wu, &wv);
    rounding = fminf(rounding, fminf(r.w, r.h) * 0.5f);
    if (rounding < 0.5f) {
        quad_uv(ui, r.x, r.y, r.x + r.w, r.y + r.h, wu, wv, wu, wv, c, 0);
        return;
    }
    /* A fan from the centre around four quarter circles. */
    enum { SEG = 4, NV = 1 + 4 * (SEG + 1) };
    long b = reserve(ui, NV, (NV - 1) * 3, 0);
    if (b < 0) return;
    size_t i0 = (size_t)b;
    vtx(ui, i0, r.x + r.w * 0.5f, r.y + r.h * 0.5f, wu, wv, c);
    const float cx[4] = {r.x + r.w - rounding, r.x + rounding, r.x + rounding, r.x + r.w - rounding};
    const float cy[4] = {r.y + r.h - rounding, r.y + r.h - rounding, r.y + rounding, r.y + rounding};
    size_t k = 1;
    for (int q = 0; q < 4; q++) {
        for (int s = 0; s <= SEG; s++, k++) {
            float a = (float)(q * SEG + s) * (1.5707964f / SEG);
            vtx(ui, i0 + k, cx[q] + cosf(a) * rounding, cy[q] + sinf(a) * rounding, wu, wv, c);
        }
    }
    for (size_t j = 1; j < NV; j++)
        idx3(ui, (uint32_t)i0, (uint32_t)(i0 + j), (uint32_t)(i0 + (j % (NV - 1)) + 1));
}

void rr_ui_draw_rect_stroke(rr_ui_t *ui, rr_ui_rect_t r, rr_ui_color_t c, float w) {
    rr_ui_draw_rect(ui, (rr_ui_rect_t){r.x, r.y, r.w, w}, c, 0);
    rr_ui_draw_rect(ui, (rr_ui_rect_t){r.x, r.y + r.h - w, r.w, w}, c, 0);
    rr_ui_draw_rect(ui, (rr_ui_rect_t){r.x, r.y + w, w, r.h - 2 * w}, c, 0);
    rr_ui_draw_rect(ui, (rr_ui_rect_t){r.x + r.w - w, r.y + w, w, r.h - 2 * w}, c, 0);
}

void rr_ui_draw_line(rr_ui_t *ui, float x0, float y0, float x1, float y1, rr_ui_color_t c,
                     float width) {
    float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
    if (len <= 0 || !(width > 0)) return;
    float nx = -dy / len * width * 0.5f, ny = dx / len * width * 0.5f;
    float wu, wv;
    rr_ui_font_white_uv(ui->font, &wu, &wv);
    long b = reserve(ui, 4, 6, 0);
    if (b < 0) return;
    size_t i = (size_t)b;
    vtx(ui, i, x0 + nx, y0 + ny, wu, wv, c);
    vtx(ui, i + 1, x1 + nx, y1 + ny, wu, wv, c);
    vtx(ui, i + 2, x1 - nx, y1 - ny, wu, wv, c);
    vtx(ui, i + 3, x0 - nx, y0 - ny, wu, wv, c);
    idx3(ui, (uint32_t)i, (uint32_t)i + 1, (uint32_t)i + 2);
    idx3(ui, (uint32_t)i, (uint32_t)i + 2, (uint32_t)i + 3);
}

void rr_ui_draw_triangle(rr_ui_t *ui, float x0, float y0, float x1, float y1, float x2, float y2,
                         rr_ui_color_t c) {
    float wu, wv;
    rr_ui_font_white_uv(ui->font, &wu, &wv);
    long b = reserve(ui, 3, 3, 0);
    if (b < 0) return;
    size_t i = (size_t)b;
    vtx(ui, i, x0, y0, wu, wv, c);
    vtx(ui, i + 1, x1, y1, wu, wv, c);
    vtx(ui, i + 2, x2, y2, wu, wv, c);
    idx3(ui, (uint32_t)i, (uint32_t)i + 1, (uint32_t)i + 2);
}

float rr_ui_draw_text(rr_ui_t *ui, float x, float y, const char *s, size_t len, rr_ui_color_t c) {
    if (len == (size_t)-1) len = strlen(s);
    float scale = rr_ui_font_scale(ui->font);
    /* Baselines on whole pixels keep glyphs as sharp as the atlas has them. */
    float base = roundf((y + rr_ui_font_ascent(ui->font)) * scale) / scale;
    float pen = x;
    rr_ui_rect_t clip = ui_clip(ui);
    for (size_t i = 0; i < len;) {
        const rr_ui_glyph_t *g = rr_ui_font_glyph(ui->font, rr_ui_utf8_next(s, len, &i));
        float gx = roundf(pen * scale) / scale;
        if (g->x1 > g->x0 && gx + g->x0 < clip.x + clip.w && gx + g->x1 > clip.x)
            quad_uv(ui, gx + g->x0, base + g->y0, gx + g->x1, base + g->y1, g->u0, g->v0, g->u1,
                    g->v1, c, 0);
        pen += g->advance;
    }
    return pen - x;
}

void rr_ui_image(rr_ui_t *ui, uint32_t texture, rr_ui_rect_t r, float u0, float v0, float u1,
                 float v1) {
    if (!texture) return;
    quad_uv(ui, r.x, r.y, r.x + r.w, r.y + r.h, u0, v0, u1, v1, 0xffffffffu, texture);
}

float rr_ui_text_width(const rr_ui_t *ui, const char *s) {
    return rr_ui_font_text_width(ui->font, s, (size_t)-1);
}

void rr_ui_push_clip(rr_ui_t *ui, rr_ui_rect_t r) {
    int l = ui->layer;
    if (ui->n_clip[l] >= UI_MAX_STACK) {
        ui->unbalanced = "clip stack overflow (push_clip)";
        return;
    }
    ui->clip[l][ui->n_clip[l]] = rr_ui_rect_intersect(ui_clip(ui), r);
    ui->n_clip[l]++;
}

void rr_ui_pop_clip(rr_ui_t *ui) {
    int l = ui->layer;
    if (ui->n_clip[l] <= 1) ui->unbalanced = "pop_clip without push_clip";
    else ui->n_clip[l]--;
}

void ui_set_layer(rr_ui_t *ui, int layer) { ui->layer = layer; }

void ui_add_popup_rect(rr_ui_t *ui, rr_ui_rect_t r) {
    if (ui->n_popup_rects < UI_MAX_POPUP_RECTS) ui->popup_rects[ui->n_popup_rects++] = r;
}

int ui_popup_bg_reserve(rr_ui_t *ui, rr_ui_color_t c) {
    float wu, wv;
    rr_ui_font_white_uv(ui->font, &wu, &wv);
    long b = reserve(ui, 4, 6, 0);
    if (b < 0) return -1;
    size_t i = (size_t)b;
    for (int k = 0; k < 4; k++) vtx(ui, i + (size_t)k, 0, 0, wu, wv, c);
    idx3(ui, (uint32_t)i, (uint32_t)i + 1, (uint32_t)i + 2);
    idx3(ui, (uint32_t)i, (uint32_t)i + 2, (uint32_t)i + 3);
    return (int)i;
}

void ui_popup_bg_patch(rr_ui_t *ui, int at, rr_ui_rect_t r) {
    if (at < 0) return;
    rr_ui_vertex_t *v = ui->lists[ui->layer].vtx + at;
    v[0].x = r.x, v[0].y = r.y;
    v[1].x = r.x + r.w, v[1].y = r.y;
    v[2].x = r.x + r.w, v[2].y = r.y + r.h;
    v[3].x = r.x, v[3].y = r.y + r.h;
}

void rr_ui_draw_data(const rr_ui_t *ui, rr_ui_draw_data_t *out) {
    for (int i = 0; i < RR_UI_LAYER_COUNT; i++) out->lists[i] = &ui->lists[i];
    out->width = ui->width;
    out->height = ui->height;
    out->scale = rr_ui_font_scale(ui->font);
}

/* ---------------- layout ---------------- */

ui_layout_t *ui_layout(rr_ui_t *ui) { return &ui->layouts[ui->n_layouts - 1]; }

float ui_row_h(const rr_ui_t *ui) {
    return fmaxf(ui->theme.row_height, rr_ui_font_line_height(ui->font) + 2 * ui->theme.padding_y);
}

void ui_push_layout(rr_ui_t *ui, rr_ui_rect_t r) { ui_push_layout_on(ui, r, ui->layer); }

void ui_push_layout_on(rr_ui_t *ui, rr_ui_rect_t r, int layer) {
    if (ui->n_layouts >= UI_MAX_STACK) {
        ui->unbalanced = "region stack overflow";
        return;
    }
    ui->saved_layer[ui->n_layouts] = ui->layer;
    ui->layer = layer;
    ui_layout_t *l = &ui->layouts[ui->n_layouts++];
    memset(l, 0, sizeof *l);
    l->rect = r;
    l->cx = r.x, l->cy = r.y;
    l->content_bottom = r.y;
    rr_ui_push_clip(ui, r);
}

void ui_pop_layout(rr_ui_t *ui) {
    if (ui->n_layouts <= 1) {
        ui->unbalanced = "end of a region that was not begun";
        return;
    }
    rr_ui_pop_clip(ui);
    ui->n_layouts--;
    ui->layer = ui->saved_layer[ui->n_layouts];
}

void rr_ui_begin_region(rr_ui_t *ui, rr_ui_rect_t r) { ui_push_layout(ui, r); }
void rr_ui_end_region(rr_ui_t *ui) { ui_pop_layout(ui); }

rr_ui_rect_t rr_ui_available(const rr_ui_t *ui) {
    const ui_layout_t *l = &ui->layouts[ui->n_layouts - 1];
    float x = l->cx + l->indent, y = l->cy;
    return (rr_ui_rect_t){x, y, fmaxf(0, l->rect.x + l->rect.w - x), fmaxf(0, l->rect.y + l->rect.h - y)};
}

rr_ui_rect_t rr_ui_allocate(rr_ui_t *ui, float w, float h) {
    ui_layout_t *l = ui_layout(ui);
    float x, y;
    if (l->same_line && l->has_last) {
        x = l->last.x + l->last.w + ui->theme.spacing_x;
        y = l->last.y;
    } else {
        x = l->cx + l->indent;
        y = l->cy;
    }
    if (w < 0) w = fmaxf(0, l->rect.x + l->rect.w - x);
    rr_ui_rect_t r = {x, y, w, h};
    l->last = r;
    l->has_last = true;
    l->same_line = false;
    l->cy = fmaxf(l->cy, y + h + ui->theme.spacing_y);
    l->content_bottom = fmaxf(l->content_bottom, y + h);
    ui->last_id = 0;
    ui->last_hovered = false;
    return r;
}

void rr_ui_same_line(rr_ui_t *ui) { ui_layout(ui)->same_line = true; }
void rr_ui_spacing(rr_ui_t *ui, float h) { ui_layout(ui)->cy += h; }
void rr_ui_indent(rr_ui_t *ui, float dx) { ui_layout(ui)->indent += dx; }

void rr_ui_separator(rr_ui_t *ui) {
    rr_ui_rect_t r = rr_ui_allocate(ui, -1, 1);
    rr_ui_draw_rect(ui, r, ui->theme.widget_stroke, 0);
}

rr_ui_rect_t rr_ui_last_item_rect(const rr_ui_t *ui) { return ui->layouts[ui->n_layouts - 1].last; }
rr_ui_id_t rr_ui_last_item_id(const rr_ui_t *ui) { return ui->last_id; }
bool rr_ui_last_item_hovered(const rr_ui_t *ui) { return ui->last_hovered; }

void ui_text_in(rr_ui_t *ui, rr_ui_rect_t r, float x, const char *s, size_t len, rr_ui_color_t c) {
    float y = r.y + (r.h - rr_ui_font_line_height(ui->font)) * 0.5f;
    rr_ui_draw_text(ui, x, y, s, len, c);
}

/* ---------------- input, for widgets made outside the toolkit ---------------- */

void rr_ui_mouse(const rr_ui_t *ui, rr_ui_mouse_t *out) {
    out->x = ui->mx, out->y = ui->my;
    out->dx = ui->mx - ui->prev_mx, out->dy = ui->my - ui->prev_my;
    for (int b = 0; b < 3; b++) out->down[b] = ui->down[b], out->pressed[b] = ui->pressed[b];
    out->mods = ui->mods;
    out->free = ui->mouse_in && !ui->mouse_over_popup && !ui->modal_prev;
}

float rr_ui_wheel_y(const rr_ui_t *ui) { return ui->wheel_y; }
void rr_ui_take_wheel(rr_ui_t *ui) { ui->wheel_x = ui->wheel_y = 0; }
void rr_ui_request_repaint(rr_ui_t *ui) { ui->wants_repaint = true; }
rr_ui_rect_t rr_ui_clip_rect(const rr_ui_t *ui) { return ui_clip(ui); }
float rr_ui_row_height(const rr_ui_t *ui) { return ui_row_h(ui); }
size_t rr_ui_label_length(const char *label) { return ui_label_len(label); }
void rr_ui_draw_text_in(rr_ui_t *ui, rr_ui_rect_t r, float x, const char *s, size_t len, rr_ui_color_t c) {
    ui_text_in(ui, r, x, s, len, c);
}

/* ---------------- interaction ---------------- */

rr_ui_response_t rr_ui_interact(rr_ui_t *ui, rr_ui_id_t id, rr_ui_rect_t r) {
    rr_ui_response_t resp = {0};
    rr_ui_rect_t vis = rr_ui_rect_intersect(r, ui_clip(ui));
    bool inside = ui->mouse_in && rr_ui_rect_contains(vis, ui->mx, ui->my);
    bool blocked = ui->layer == RR_UI_LAYER_MAIN && (ui->mouse_over_popup || ui->modal_prev);
    resp.hovered = inside && !blocked && (ui->active == 0 || ui->active == id);
    if (resp.hovered) {
        ui->hot = id;
        ui->hover_id = id;
        ui->any_hovered = true;
        if (ui->pressed[0]) {
            ui->active = id;
            resp.pressed = true;
        }
        resp.right_clicked = ui->released[1];
        resp.double_clicked = ui->double_click && resp.pressed;
    }
    if (ui->active == id) {
        resp.held = ui->down[0];
        resp.drag_dx = ui->mx - ui->prev_mx;
        resp.drag_dy = ui->my - ui->prev_my;
        resp.clicked = ui->released[0] && inside;
    }
    ui->last_id = id;
    ui->last_hovered = resp.hovered;
    return resp;
}

bool ui_hover_only(rr_ui_t *ui, rr_ui_id_t id, rr_ui_rect_t r) {
    rr_ui_rect_t vis = rr_ui_rect_intersect(r, ui_clip(ui));
    bool blocked = ui->layer == RR_UI_LAYER_MAIN && (ui->mouse_over_popup || ui->modal_prev);
    bool hovered = ui->mouse_in && rr_ui_rect_contains(vis, ui->mx, ui->my) && !blocked &&
                   ui->active == 0;
    if (hovered) ui->hover_id = id;
    ui->last_id = id;
    ui->last_hovered = hovered;
    return hovered;
}

/* ---------------- frames ---------------- */

void rr_ui_begin_frame(rr_ui_t *ui, float width, float height, double now) {
    ui->width = fmaxf(0, width);
    ui->height = fmaxf(0, height);
    ui->now = now;
    ui->frame++;
    for (int i = 0; i < RR_UI_LAYER_COUNT; i++) {
        ui->lists[i].n_vtx = ui->lists[i].n_idx = ui->lists[i].n_cmds = 0;
        ui->clip[i][0] = (rr_ui_rect_t){0, 0, ui->width, ui->height};
        ui->n_clip[i] = 1;
    }
    ui->oom = false;
    ui->unbalanced = NULL;
    ui->layer = RR_UI_LAYER_MAIN;
    ui->n_ids = 0;
    ui->n_layouts = 0;
    rr_ui_rect_t screen = {0, 0, ui->width, ui->height};
    ui_push_layout(ui, screen);
    ui->n_clip[0] = 1; /* the root region's clip is the screen's */
    ui->remaining = screen;
    ui->hot = 0;
    ui->hover_id = 0;
    ui->any_hovered = false;
    ui->submitted = false;
    ui->cursor = RR_UI_CURSOR_ARROW;
    ui->wants_repaint = false;
    ui->mouse_over_popup = false;
    for (int i = 0; i < ui->n_popup_rects_prev; i++)
        if (ui->mouse_in && rr_ui_rect_contains(ui->popup_rects_prev[i], ui->mx, ui->my))
            ui->mouse_over_popup = true;
    ui->n_popup_rects = 0;
    ui->popup.keep = false;
    ui->popup.drawn = false;
    ui->n_scrolls = 0;
    ui->modal = false;
}

rr_status_t rr_ui_end_frame(rr_ui_t *ui, rr_error_t *err) {
    const char *unbalanced = ui->unbalanced;
    if (!unbalanced && ui->n_layouts != 1) unbalanced = "a region, panel or scroll area was not ended";
    if (!unbalanced && ui->n_scrolls != 0) unbalanced = "scroll_begin without scroll_end";
    if (!unbalanced && ui->n_ids != 0) unbalanced = "push_id without pop_id";
    if (!unbalanced && ui->layer != RR_UI_LAYER_MAIN) unbalanced = "a popup was not ended";
    for (int l = 0; !unbalanced && l < RR_UI_LAYER_COUNT; l++)
        if (ui->n_clip[l] != 1) unbalanced = "push_clip without pop_clip";

    /* A popup closes when its owner stops drawing it, on Escape, and on a
     * click outside it that did not come from its owner. */
    bool outside = true;
    for (int i = 0; i < ui->n_popup_rects; i++)
        if (rr_ui_rect_contains(ui->popup_rects[i], ui->mx, ui->my)) outside = false;
    if (ui->popup.id && !ui->popup.keep &&
        (!ui->popup.drawn || ((ui->released[0] || ui->released[1]) && outside) ||
         ui_key(ui, RR_UI_KEY_ESCAPE)))
        ui->popup.id = 0;
    /* Pressing anywhere but the focused widget takes its focus. */
    if (ui->pressed[0] && ui->active != ui->focus) ui->focus = 0;
    if (!ui->down[0]) ui->active = 0;
    if (ui->hover_id != ui->hover_id_prev) {
        ui->hover_id_prev = ui->hover_id;
        ui->hover_since = ui->now;
    }
    if (ui->hover_id && ui->now - ui->hover_since < ui->theme.tooltip_delay) ui->wants_repaint = true;
    memcpy(ui->popup_rects_prev, ui->popup_rects, sizeof ui->popup_rects);
    ui->n_popup_rects_prev = ui->n_popup_rects;
    ui->modal_prev = ui->modal;

    /* This frame's events are used up. */
    ui->prev_mx = ui->mx, ui->prev_my = ui->my;
    memset(ui->pressed, 0, sizeof ui->pressed);
    memset(ui->released, 0, sizeof ui->released);
    memset(ui->key_presses, 0, sizeof ui->key_presses);
    ui->wheel_x = ui->wheel_y = 0;
    ui->text_len = 0;
    ui->text[0] = 0;
    ui->double_click = false;

    if (unbalanced) return rr_error_set(err, RR_ERR_INTERNAL, "ui frame %llu: %s",
                                        (unsigned long long)ui->frame, unbalanced);
    if (ui->oom) return rr_error_set(err, RR_ERR_NOMEM, "ui frame %llu: out of memory for geometry",
                                     (unsigned long long)ui->frame);
    return RR_OK;
}

bool rr_ui_wants_mouse(const rr_ui_t *ui) {
    return ui->active != 0 || ui->mouse_over_popup || ui->modal_prev || ui->any_hovered;
}
bool rr_ui_wants_keyboard(const rr_ui_t *ui) { return ui->focus != 0 || ui->modal_prev; }
rr_ui_cursor_t rr_ui_cursor(const rr_ui_t *ui) { return ui->cursor; }
bool rr_ui_wants_repaint(const rr_ui_t *ui) { return ui->wants_repaint; }

void rr_ui_set_focus(rr_ui_t *ui, rr_ui_id_t id) { ui->focus = id; }
rr_ui_id_t rr_ui_focus(const rr_ui_t *ui) { return ui->focus; }
bool rr_ui_text_submitted(const rr_ui_t *ui) { return ui->submitted; }

/* ---------------- panels ---------------- */

void rr_ui_panel_begin(rr_ui_t *ui, const char *id, rr_ui_side_t side, float *size, float min,
                       float max, bool resizable) {
    rr_ui_rect_t rem = ui->remaining;
    bool horiz = side == RR_UI_SIDE_LEFT || side == RR_UI_SIDE_RIGHT;
    float extent = horiz ? rem.w : rem.h;
    if (max > extent) max = extent;
    if (min > max) min = max;
    if (!(*size >= min)) *size = min;
    if (*size > max) *size = max;
    float s = *size;
    rr_ui_rect_t r = rem;
    switch (side) {
    case RR_UI_SIDE_LEFT: r.w = s, rem.x += s, rem.w -= s; break;
    case RR_UI_SIDE_RIGHT: r.x = rem.x + rem.w - s, r.w = s, rem.w -= s; break;
    case RR_UI_SIDE_TOP: r.h = s, rem.y += s, rem.h -= s; break;
    case RR_UI_SIDE_BOTTOM: r.y = rem.y + rem.h - s, r.h = s, rem.h -= s; break;
    }
    ui->remaining = rem;
    rr_ui_draw_rect(ui, r, side == RR_UI_SIDE_TOP ? ui->theme.top_bar_bg : ui->theme.panel_bg, 0);
    /* The inner edge: a 1 pt line and a wider grip to drag. */
    float hw = ui->theme.splitter_width * 0.5f;
    rr_ui_rect_t edge, grip;
    switch (side) {
    case RR_UI_SIDE_LEFT: edge = (rr_ui_rect_t){r.x + r.w - 1, r.y, 1, r.h}; break;
    case RR_UI_SIDE_RIGHT: edge = (rr_ui_rect_t){r.x, r.y, 1, r.h}; break;
    case RR_UI_SIDE_TOP: edge = (rr_ui_rect_t){r.x, r.y + r.h - 1, r.w, 1}; break;
    default: edge = (rr_ui_rect_t){r.x, r.y, r.w, 1}; break;
    }
    grip = horiz ? (rr_ui_rect_t){edge.x - hw, edge.y, 2 * hw, edge.h}
                 : (rr_ui_rect_t){edge.x, edge.y - hw, edge.w, 2 * hw};
    rr_ui_color_t edge_c = ui->theme.widget_stroke;
    if (resizable) {
        rr_ui_id_t gid = ui_hash("#resize", 7, rr_ui_id(ui, id));
        rr_ui_response_t resp = rr_ui_interact(ui, gid, grip);
        if (resp.hovered || resp.held) {
            ui->cursor = horiz ? RR_UI_CURSOR_RESIZE_H : RR_UI_CURSOR_RESIZE_V;
            edge_c = ui->theme.focus_stroke;
        }
        if (resp.held) {
            float ns = side == RR_UI_SIDE_LEFT    ? ui->mx - r.x
                       : side == RR_UI_SIDE_RIGHT ? r.x + r.w - ui->mx
                       : side == RR_UI_SIDE_TOP   ? ui->my - r.y
                                                  : r.y + r.h - ui->my;
            *size = fminf(fmaxf(ns, min), max);
        }
    }
    rr_ui_draw_rect(ui, edge, edge_c, 0);
    rr_ui_push_id(ui, id);
    float px = ui->theme.padding_x, py = ui->theme.padding_y + 2;
    ui_push_layout(ui, (rr_ui_rect_t){r.x + px, r.y + py, fmaxf(0, r.w - 2 * px), fmaxf(0, r.h - 2 * py)});
}

void rr_ui_panel_end(rr_ui_t *ui) {
    ui_pop_layout(ui);
    rr_ui_pop_id(ui);
}

void rr_ui_central_begin(rr_ui_t *ui) { ui_push_layout(ui, ui->remaining); }
void rr_ui_central_end(rr_ui_t *ui) { ui_pop_layout(ui); }

bool rr_ui_splitter(rr_ui_t *ui, const char *id, rr_ui_rect_t r, bool vertical, float *frac,
                    rr_ui_rect_t *a, rr_ui_rect_t *b) {
    if (!(*frac >= 0.05f)) *frac = 0.05f;
    if (*frac > 0.95f) *frac = 0.95f;
    float hw = ui->theme.splitter_width * 0.5f;
    rr_ui_rect_t grip;
    float at;
    if (vertical) {
        at = r.x + roundf(r.w * *frac);
        grip = (rr_ui_rect_t){at - hw, r.y, 2 * hw, r.h};
        *a = (rr_ui_rect_t){r.x, r.y, at - r.x, r.h};
        *b = (rr_ui_rect_t){at + 1, r.y, fmaxf(0, r.x + r.w - at - 1), r.h};
    } else {
        at = r.y + roundf(r.h * *frac);
        grip = (rr_ui_rect_t){r.x, at - hw, r.w, 2 * hw};
        *a = (rr_ui_rect_t){r.x, r.y, r.w, at - r.y};
        *b = (rr_ui_rect_t){r.x, at + 1, r.w, fmaxf(0, r.y + r.h - at - 1)};
    }
    rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, id), grip);
    rr_ui_color_t c = ui->theme.widget_stroke;
    if (resp.hovered || resp.held) {
        ui->cursor = vertical ? RR_UI_CURSOR_RESIZE_H : RR_UI_CURSOR_RESIZE_V;
        c = ui->theme.focus_stroke;
    }
    if (resp.held) {
        float f = vertical ? (ui->mx - r.x) / fmaxf(r.w, 1) : (ui->my - r.y) / fmaxf(r.h, 1);
        *frac = fminf(fmaxf(f, 0.05f), 0.95f);
    }
    if (vertical) rr_ui_draw_rect(ui, (rr_ui_rect_t){at, r.y, 1, r.h}, c, 0);
    else rr_ui_draw_rect(ui, (rr_ui_rect_t){r.x, at, r.w, 1}, c, 0);
    return resp.held;
}
