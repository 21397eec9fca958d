/* The text log view drawn by the shell, as Rerun's TextLogView table
 * (re_view_text_log view_class.rs): a header, then a row per entry with
 * its time on the active timeline, entity path, level (in Rerun's level
 * colours) and body (in the entry's colour when it has one). When the time
 * cursor moves, the view scrolls the first entry at or after it to the
 * middle, and a line marks where the current time falls between rows. Only
 * the rows in sight are laid out and drawn: a log of millions of entries
 * costs what a screenful does. A click on a row's time moves the time
 * cursor there, and one on its entity path selects the entity. */
#include <stdio.h>
#include <string.h>

#include "viewer/shell/shell_internal.h"

#define TL_PAD 8.0f   /* around the table, and between columns */
#define TL_MAX_COL 400.0f /* the widest a time, path or level column gets */

static bool dark_theme(const rr_ui_theme_t *th) {
    uint32_t bg = th->panel_bg;
    return ((bg >> 24) & 0xff) + ((bg >> 16) & 0xff) + ((bg >> 8) & 0xff) < 3 * 128;
}

static float col_width(rr_ui_t *ui, const char *s, size_t len, float w) {
    float tw = rr_ui_font_text_width(rr_ui_font(ui), s, len) + TL_PAD;
    if (tw > w) w = tw;
    return w < TL_MAX_COL ? w : TL_MAX_COL;
}

/* Text clipped to its column. */
static void cell_text(rr_ui_t *ui, rr_ui_rect_t row, float x, float w, const char *s, size_t len,
                      rr_ui_color_t c) {
    rr_ui_push_clip(ui, (rr_ui_rect_t){x, row.y, w - TL_PAD * 0.5f, row.h});
    rr_ui_draw_text_in(ui, row, x, s, len, c);
    rr_ui_pop_clip(ui);
}

void shell_textlog_overlay(rr_shell_t *s, shell_view_t *v) {
    rr_ui_t *ui = s->ui;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    rr_ui_rect_t r = shell_view_clear(s, v);
    if (!v->tlog) return;
    size_t n = rr_textlog_num_entries(v->tlog);
    rr_ui_rect_t in = {r.x + TL_PAD, r.y + TL_PAD * 0.5f, r.w - 2 * TL_PAD, r.h - TL_PAD};
    if (in.w < 8 || in.h < 8) return;
    rr_ui_push_id_int(ui, (int64_t)(v - s->views));
    rr_ui_begin_region(ui, in);
    if (n == 0) {
        rr_ui_label_colored(ui, "No text log entries", th->text_subdued);
        rr_ui_end_region(ui);
        rr_ui_pop_id(ui);
        return;
    }
    rr_store_t *store = rr_app_active_store(s->app);
    const char *tlname = rr_app_timeline(s->app);
    const rr_timeline_t *tl = store && tlname[0] ? rr_store_find_timeline(store, tlname) : NULL;
    float row_h = rr_ui_row_height(ui);
    float body_h = in.h - row_h;
    if (body_h < row_h) body_h = row_h;
    int64_t now = rr_app_time(s->app);

    /* Follow the time cursor (view_class.rs: scroll_to_row, centred). */
    const char *sid = "##textlog_rows";
    if (!v->tlog_followed || now != v->tlog_time || n != v->tlog_n) {
        size_t k = tl ? rr_textlog_before(v->tlog, now) : n;
        float y = (float)k * row_h - 0.5f * (body_h - row_h);
        rr_ui_set_scroll_offset(ui, sid, y > 0 ? y : 0);
        v->tlog_followed = true;
        v->tlog_time = now;
        v->tlog_n = n;
    }
    float off = rr_ui_scroll_offset(ui, sid);
    size_t first = off > 0 ? (size_t)(off / row_h) : 0;
    size_t last = first + (size_t)(body_h / row_h) + 2;
    if (first > n) first = n;
    if (last > n) last = n;

    /* Columns as wide as the header and the rows in sight need. */
    const char *head_time = tl ? tl->name : "time";
    float w_time = col_width(ui, head_time, strlen(head_time), 0);
    float w_ent = col_width(ui, "Entity path", 11, 0), w_lvl = col_width(ui, "Level", 5, 0);
    char tbuf[64];
    for (size_t i = first; i < last; i++) {
        const rr_textlog_entry_t *e = rr_textlog_entry(v->tlog, i);
        size_t tn = e->time == RR_TIME_STATIC || !tl ? (size_t)snprintf(tbuf, sizeof tbuf, "static")
                                                     : rr_time_panel_format(tl->type, e->time, RR_TIME_STATIC,
                                                                            tbuf, sizeof tbuf);
        w_time = col_width(ui, tbuf, tn, w_time);
        w_ent = col_width(ui, e->entity, strlen(e->entity), w_ent);
        if (e->level) w_lvl = col_width(ui, e->level, e->level_len, w_lvl);
    }
    float x_time = in.x, x_ent = x_time + w_time, x_lvl = x_ent + w_ent, x_body = x_lvl + w_lvl;

    /* The header. */
    rr_ui_rect_t hdr = rr_ui_allocate(ui, -1, row_h);
    cell_text(ui, hdr, x_time, w_time, head_time, strlen(head_time), th->text_strong);
    cell_text(ui, hdr, x_ent, w_ent, "Entity path", 11, th->text_strong);
    cell_text(ui, hdr, x_lvl, w_lvl, "Level", 5, th->text_strong);
    cell_text(ui, hdr, x_body, in.x + in.w - x_body + TL_PAD, "Body", 4, th->text_strong);
    rr_ui_draw_line(ui, in.x, hdr.y + hdr.h, in.x + in.w, hdr.y + hdr.h, th->widget_stroke, 1);

    /* The rows in sight, between spacers for the rest. */
    bool dark = dark_theme(th);
    rr_ui_scroll_begin(ui, sid, body_h);
    if (first) rr_ui_allocate(ui, -1, (float)first * row_h);
    float cursor_y = -1;
    for (size_t i = first; i < last; i++) {
        const rr_textlog_entry_t *e = rr_textlog_entry(v->tlog, i);
        rr_ui_rect_t row = rr_ui_allocate(ui, -1, row_h);
        bool is_static = e->time == RR_TIME_STATIC || !tl;
        size_t tn = is_static ? (size_t)snprintf(tbuf, sizeof tbuf, "static")
                              : rr_time_panel_format(tl->type, e->time, RR_TIME_STATIC, tbuf, sizeof tbuf);
        rr_ui_rect_t tr = {x_time, row.y, w_time, row.h};
        rr_ui_push_id_int(ui, (int64_t)i);
        rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, "time"), tr);
        rr_ui_pop_id(ui);
        if (resp.hovered && !is_static) rr_ui_draw_rect(ui, tr, th->widget_hovered, th->corner_radius);
        if (resp.clicked && !is_static) rr_app_set_time(s->app, e->time);
        cell_text(ui, row, x_time, w_time, tbuf, tn, th->text);
        /* The entity path selects the entity (re_view_text_log's
         * entity_path_button). */
        rr_ui_rect_t er = {x_ent, row.y, w_ent - TL_PAD * 0.5f, row.h};
        rr_ui_push_id_int(ui, (int64_t)i);
        rr_ui_response_t eresp = rr_ui_interact(ui, rr_ui_id(ui, "entity"), er);
        rr_ui_pop_id(ui);
        if (eresp.hovered) rr_ui_draw_rect(ui, er, th->widget_hovered, th->corner_radius);
        if (eresp.clicked) {
            rr_pick_t p = shell_entity_pick(e->entity, RR_PICK_ALL_INSTANCES, "TextLog");
            rr_shell_select(s, &p);
        }
        cell_text(ui, row, x_ent, w_ent, e->entity, strlen(e->entity), th->text);
        if (e->level) {
            uint32_t lc = rr_textlog_level_color(e->level, e->level_len, dark);
            bool critical = e->level_len == 8 && !memcmp(e->level, "CRITICAL", 8);
            if (critical) {
                float lw = rr_ui_font_text_width(rr_ui_font(ui), e->level, e->level_len);
                rr_ui_draw_rect(ui, (rr_ui_rect_t){x_lvl - 2, row.y + 2, lw + 4, row.h - 4}, lc, 2);
            }
            cell_text(ui, row, x_lvl, w_lvl, e->level, e->level_len,
                      critical ? th->text_strong : lc ? lc : th->text);
        } else {
            cell_text(ui, row, x_lvl, w_lvl, "-", 1, th->text_subdued);
        }
        cell_text(ui, row, x_body, in.x + in.w - x_body + TL_PAD, e->body, e->body_len,
                  e->has_color ? e->color | 0xffu : th->text);
        /* The current time falls above the first row after it. */
        if (tl && !is_static && cursor_y < 0 && e->time > now) cursor_y = row.y;
    }
    if (last < n) rr_ui_allocate(ui, -1, (float)(n - last) * row_h);
    if (tl && cursor_y >= 0) rr_ui_draw_line(ui, in.x, cursor_y, in.x + in.w, cursor_y, th->text, 1);
    rr_ui_scroll_end(ui);
    rr_ui_end_region(ui);
    rr_ui_pop_id(ui);
}
