/* The selection panel's text: the selected entity's path (and instance),
 * then each of its components latest-at the current time, as Rerun's
 * selection panel lists them: the component's name and its value(s) —
 * for an instance selection that instance's value, for long batches the
 * first few and the count. Built once per frame into one buffer so the
 * panel, the tests and the debug dump read the same lines. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/format.h"
#include "viewer/shell/shell_internal.h"

#define SHOW_INSTANCES 4 /* values listed before "... (N total)" */
#define LINE_MAX_BYTES 512

void shell_lines_clear(rr_shell_t *s) {
    s->sel_len = 0;
    s->n_sel_lines = 0;
}

void shell_lines_add(rr_shell_t *s, const char *fmt, ...) {
    char line[LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (s->sel_len + len + 1 > s->sel_cap) {
        size_t cap = s->sel_cap ? s->sel_cap * 2 : 4096;
        while (cap < s->sel_len + len + 1) cap *= 2;
        char *t = realloc(s->sel_text, cap);
        if (!t) return; /* the panel shows fewer lines; nothing else depends on them */
        s->sel_text = t;
        s->sel_cap = cap;
    }
    if (s->n_sel_lines + 1 > s->cap_sel_lines) {
        size_t cap = s->cap_sel_lines ? s->cap_sel_lines * 2 : 32;
        const char **t = realloc(s->sel_lines, cap * sizeof *t);
        if (!t) return;
        s->sel_lines = t;
        s->cap_sel_lines = cap;
    }
    memcpy(s->sel_text + s->sel_len, line, len);
    s->sel_text[s->sel_len + len] = 0;
    /* Offsets now, pointers once the buffer stops moving (below). */
    s->sel_lines[s->n_sel_lines++] = (const char *)(uintptr_t)s->sel_len;
    s->sel_len += len + 1;
}

static void fix_pointers(rr_shell_t *s) {
    for (size_t i = 0; i < s->n_sel_lines; i++) s->sel_lines[i] = s->sel_text + (uintptr_t)s->sel_lines[i];
}

/* One value as text; colours as Rerun shows them (hex RGBA), the rest by
 * the Arrow formatter. */
static void value_text(char *buf, size_t cap, const rr_component_descriptor_t *d, const struct ArrowSchema *cs,
                       const struct ArrowArray *ca, int64_t i) {
    if (d->component_type && !strcmp(d->component_type, "rerun.components.Color") && !strcmp(cs->format, "I") &&
        ca->n_buffers > 1 && ca->buffers[1]) {
        uint32_t c = ((const uint32_t *)ca->buffers[1])[ca->offset + i];
        snprintf(buf, cap, "#%08x", c);
        return;
    }
    rr_arrow_format_value(buf, cap, cs, ca, i, RR_ARROW_STYLE_TEXT);
}

/* "name: v0, v1, v2, v3, ... (N total)" or one instance's value. */
static void component_line(rr_shell_t *s, const rr_component_descriptor_t *d, const rr_store_row_t *row,
                           uint64_t instance) {
    const char *name = d->component;
    const rr_chunk_component_t *c = rr_store_row_component(row);
    int64_t start = 0, len = 0;
    rr_store_row_values_range(row, &start, &len);
    const struct ArrowSchema *cs = c->type.n_children > 0 ? c->type.children[0] : NULL;
    const struct ArrowArray *ca = c->array.n_children > 0 ? c->array.children[0] : NULL;
    if (!cs || !ca) {
        shell_lines_add(s, "%s: <%s>", name, c->type.format);
        return;
    }
    char val[LINE_MAX_BYTES / 2];
    if (instance != RR_PICK_ALL_INSTANCES) {
        /* Rerun clamps an instance past a shorter batch to its last value. */
        if (len == 0) {
            shell_lines_add(s, "%s: (empty)", name);
            return;
        }
        int64_t k = instance < (uint64_t)len ? (int64_t)instance : len - 1;
        value_text(val, sizeof val, d, cs, ca, start + k);
        shell_lines_add(s, "%s: %s", name, val);
        return;
    }
    char out[LINE_MAX_BYTES];
    size_t at = 0;
    out[0] = 0;
    int64_t shown = len < SHOW_INSTANCES ? len : SHOW_INSTANCES;
    for (int64_t k = 0; k < shown; k++) {
        value_text(val, sizeof val / 2, d, cs, ca, start + k);
        int n = snprintf(out + at, sizeof out - at, "%s%s", k ? ", " : "", val);
        if (n < 0 || (size_t)n >= sizeof out - at) break;
        at += (size_t)n;
    }
    if (len == 0) shell_lines_add(s, "%s: (empty)", name);
    else if (len > shown) shell_lines_add(s, "%s: %s, ... (%lld total)", name, out, (long long)len);
    else shell_lines_add(s, "%s: %s", name, out);
}

void shell_selection_build(rr_shell_t *s) {
    shell_lines_clear(s);
    const rr_pick_t *p = &s->selection;
    rr_store_t *store = rr_app_active_store(s->app);
    if (!p->hit) return;
    if (p->instance != RR_PICK_ALL_INSTANCES) shell_lines_add(s, "%s[%llu]", p->entity, (unsigned long long)p->instance);
    else shell_lines_add(s, "%s", p->entity);
    rr_entity_path_t path;
    if (!store || rr_entity_path_parse(p->entity, strlen(p->entity), &path, NULL) != RR_OK) {
        fix_pointers(s);
        return;
    }
    if (!rr_store_has_entity(store, &path)) {
        shell_lines_add(s, "(no data)");
    } else {
        const char *tl = rr_app_timeline(s->app);
        int64_t t = rr_app_time(s->app);
        size_t nc = rr_store_entity_num_components(store, &path);
        for (size_t i = 0; i < nc; i++) {
            const struct ArrowSchema *type = NULL;
            const rr_component_descriptor_t *d = rr_store_entity_component(store, &path, i, &type);
            if (!d) continue;
            (void)type;
            const char *name = d->component;
            rr_store_row_t row;
            bool found = false;
            rr_store_query_latest_at(store, &path, tl[0] ? tl : NULL, t, &name, 1, &row, &found);
            if (found) component_line(s, d, &row, p->instance);
            else shell_lines_add(s, "%s: (no data at this time)", name);
        }
    }
    rr_entity_path_free(&path);
    fix_pointers(s);
}
