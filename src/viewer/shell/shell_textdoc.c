/* The text document view drawn by the shell, as Rerun's TextDocumentView
 * (re_view_text_document): the latest TextDocument of the view's entity at
 * the current time, word-wrapped in a scroll area; "(empty)" before the
 * first one. Markdown (media type text/markdown) is shown with its
 * headings strong and its list bullets drawn, the rest of its syntax as
 * written: Rerun renders it fully (egui_commonmark). */
#include <string.h>

#include "viewer/shell/shell_internal.h"
#include "viewer/views/cells.h"

#define TD_PAD 8.0f

/* The latest text (and whether it is markdown) at the view's entity. */
static bool latest_text(rr_shell_t *s, shell_view_t *v, const char **text, size_t *len, bool *markdown) {
    rr_store_t *store = rr_app_active_store(s->app);
    if (!store) return false;
    static const char *const comps[2] = {"TextDocument:text", "TextDocument:media_type"};
    rr_store_row_t rows[2];
    bool found[2];
    const char *tl = rr_app_timeline(s->app);
    rr_store_query_latest_at(store, &v->origin, tl[0] ? tl : NULL, rr_app_time(s->app), comps, 2, rows, found);
    rr_cell_t c;
    const uint8_t *p;
    if (!found[0] || !rr_cell_of(&rows[0], &c) || !rr_cell_bytes(&c, 0, true, &p, len)) return false;
    *text = (const char *)p;
    size_t mlen = 0;
    *markdown = found[1] && rr_cell_of(&rows[1], &c) && rr_cell_bytes(&c, 0, true, &p, &mlen) && mlen == 13 &&
                !memcmp(p, "text/markdown", 13);
    return true;
}

/* One source line, wrapped at word boundaries to width w: each piece laid
 * out as a row of the scroll area. */
static void wrapped_line(rr_ui_t *ui, const char *s, size_t len, float x0, float w, rr_ui_color_t c) {
    const rr_ui_font_t *f = rr_ui_font(ui);
    float row_h = rr_ui_font_line_height(f) + 2;
    do {
        /* The longest prefix that fits (character widths summed), cut
         * after its last space when it has one; at least one character. */
        size_t take = len, last_space = 0, i = 0;
        float x = 0;
        while (i < len) {
            size_t cl = 1;
            while (i + cl < len && ((unsigned char)s[i + cl] & 0xc0) == 0x80) cl++;
            x += rr_ui_font_text_width(f, s + i, cl);
            if (x > w && i > 0) {
                take = last_space ? last_space : i;
                break;
            }
            if (s[i] == ' ') last_space = i + 1;
            i += cl;
        }
        rr_ui_rect_t r = rr_ui_allocate(ui, -1, row_h);
        rr_ui_draw_text_in(ui, r, x0, s, take, c);
        s += take;
        len -= take;
    } while (len > 0);
}

void shell_textdoc_overlay(rr_shell_t *s, shell_view_t *v) {
    rr_ui_t *ui = s->ui;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    rr_ui_rect_t r = shell_view_clear(s, v);
    rr_ui_rect_t in = {r.x + TD_PAD, r.y + TD_PAD * 0.5f, r.w - 2 * TD_PAD, r.h - TD_PAD};
    if (in.w < 8 || in.h < 8) return;
    rr_ui_push_id_int(ui, (int64_t)(v - s->views));
    rr_ui_begin_region(ui, in);
    const char *text = NULL;
    size_t len = 0;
    bool md = false;
    if (!latest_text(s, v, &text, &len, &md)) {
        rr_ui_label_colored(ui, "(empty)", th->text_subdued);
    } else {
        rr_ui_scroll_begin(ui, "##textdoc", in.h);
        float w = in.w - th->scrollbar_width - 4;
        const char *p = text, *end = text + len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            float x = in.x;
            rr_ui_color_t c = th->text;
            const char *q = p;
            size_t qn = n;
            if (md) {
                /* Headings strong, without their hashes; list items bulleted. */
                size_t h = 0;
                while (h < qn && q[h] == '#') h++;
                if (h > 0 && h < qn && q[h] == ' ') {
                    q += h + 1, qn -= h + 1;
                    c = th->text_strong;
                } else if (qn >= 2 && (q[0] == '-' || q[0] == '*') && q[1] == ' ') {
                    q += 2, qn -= 2;
                    x += 14;
                    rr_ui_draw_text(ui, in.x + 2, rr_ui_available(ui).y + 1, "\xE2\x80\xA2", 3, th->text);
                }
            }
            if (qn == 0) rr_ui_allocate(ui, -1, rr_ui_font_line_height(rr_ui_font(ui)) + 2);
            else wrapped_line(ui, q, qn, x, w - (x - in.x), c);
            p += n + (nl ? 1 : 0);
        }
        rr_ui_scroll_end(ui);
    }
    rr_ui_end_region(ui);
    rr_ui_pop_id(ui);
}
