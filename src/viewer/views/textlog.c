/* The text log view's entries (views/textlog.h). */
#include "viewer/views/textlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "viewer/views/cells.h"
#include "viewer/views/transform.h"

struct rr_textlog {
    rr_view_scope_t scope; /* first: rr_view_scope_new */
    char **hidden;
    size_t n_hidden;
    rr_textlog_entry_t *entries;
    size_t n, cap;
    char *names; /* entity path texts, NUL-separated; entries point in */
    size_t names_len, names_cap;
    /* What the entries were made from. */
    bool valid;
    char timeline[256];
    bool has_timeline;
    rr_store_stats_t stats;
};

rr_status_t rr_textlog_new(rr_store_t *store, const rr_entity_path_t *origin, bool subtree,
                           rr_textlog_t **out, rr_error_t *err) {
    void *v = NULL;
    rr_status_t st = rr_view_scope_new(sizeof(rr_textlog_t), store, origin, subtree, &v, err);
    *out = v;
    return st;
}

static void hidden_free(rr_textlog_t *v) {
    for (size_t i = 0; i < v->n_hidden; i++) free(v->hidden[i]);
    free(v->hidden);
    v->hidden = NULL;
    v->n_hidden = 0;
}

void rr_textlog_free(rr_textlog_t *v) {
    if (!v) return;
    rr_view_scope_free(&v->scope);
    hidden_free(v);
    free(v->entries);
    free(v->names);
    free(v);
}

rr_status_t rr_textlog_set_hidden(rr_textlog_t *v, const char *const *paths, size_t n, rr_error_t *err) {
    hidden_free(v);
    v->valid = false;
    if (!n) return RR_OK;
    if (!(v->hidden = calloc(n, sizeof *v->hidden)))
        return rr_error_set(err, RR_ERR_NOMEM, "text log view: out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!(v->hidden[i] = strdup(paths[i])))
            return rr_error_set(err, RR_ERR_NOMEM, "text log view: out of memory");
        v->n_hidden++;
    }
    return RR_OK;
}

static bool shown(const rr_textlog_t *v, const rr_entity_path_t *e) {
    bool in = rr_view_scope_holds(&v->scope, e);
    for (size_t i = 0; in && i < v->n_hidden; i++)
        if (!strcmp(v->hidden[i], e->str)) in = false;
    return in;
}

/* The texts are kept by offset while names grows, then pointed at. */
static rr_status_t add_name(rr_textlog_t *v, const char *s, size_t *at, rr_error_t *err) {
    size_t len = strlen(s) + 1;
    if (v->names_len + len > v->names_cap) {
        size_t cap = v->names_cap ? v->names_cap * 2 : 1024;
        while (cap < v->names_len + len) cap *= 2;
        char *p = realloc(v->names, cap);
        if (!p) return rr_error_set(err, RR_ERR_NOMEM, "text log view: out of memory");
        v->names = p;
        v->names_cap = cap;
    }
    memcpy(v->names + v->names_len, s, len);
    *at = v->names_len;
    v->names_len += len;
    return RR_OK;
}

static rr_status_t push(rr_textlog_t *v, const rr_textlog_entry_t *e, rr_error_t *err) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        rr_textlog_entry_t *p = realloc(v->entries, cap * sizeof *p);
        if (!p) return rr_error_set(err, RR_ERR_NOMEM, "text log view: out of memory");
        v->entries = p;
        v->cap = cap;
    }
    v->entries[v->n++] = *e;
    return RR_OK;
}

/* The row's cell of another component of the same chunk row, if any. */
static bool sibling(const rr_store_row_t *row, const char *component, rr_cell_t *out) {
    const rr_chunk_t *c = row->chunk;
    for (int64_t k = 0; k < c->n_components; k++) {
        if (strcmp(c->components[k].descr.component, component)) continue;
        const struct ArrowArray *a = &c->components[k].array;
        if (a->null_count && a->buffers[0] && !rr_arrow_array_is_valid(a, row->row)) return false;
        rr_store_row_t r = *row;
        r.column = k;
        return rr_cell_of(&r, out);
    }
    return false;
}

/* The entries of one text row: one per instance, the level and colour of
 * the same row (the last one for instances past their count). */
static rr_status_t add_row(rr_textlog_t *v, const rr_store_row_t *row, size_t name_at, rr_error_t *err) {
    rr_cell_t text, level, color;
    if (!rr_cell_of(row, &text)) return RR_OK;
    bool has_level = sibling(row, "TextLog:level", &level) && level.len > 0;
    bool has_color = sibling(row, "TextLog:color", &color) && color.len > 0;
    for (int64_t i = 0; i < text.len; i++) {
        rr_textlog_entry_t e = {row->time, row->row_id, (const char *)(uintptr_t)name_at, NULL, NULL,
                                0, 0, false, 0};
        const uint8_t *p;
        size_t len;
        if (!rr_cell_bytes(&text, i, true, &p, &len)) continue;
        e.body = (const char *)p, e.body_len = len;
        if (has_level && rr_cell_bytes(&level, i < level.len ? i : level.len - 1, true, &p, &len))
            e.level = (const char *)p, e.level_len = len;
        double c;
        if (has_color && rr_cell_scalar(&color, "I", i < color.len ? i : color.len - 1, &c))
            e.has_color = true, e.color = (uint32_t)c;
        RR_TRY(push(v, &e, err));
    }
    return RR_OK;
}

static int cmp_entry(const void *a, const void *b) {
    const rr_textlog_entry_t *x = a, *y = b;
    if (x->time != y->time) return x->time < y->time ? -1 : 1;
    return rr_tuid_cmp(x->row_id, y->row_id);
}

rr_status_t rr_textlog_prepare(rr_textlog_t *v, const char *timeline, rr_error_t *err) {
    rr_store_stats_t stats;
    rr_store_get_stats(v->scope.store, &stats);
    bool same_tl = timeline ? v->has_timeline && !strcmp(v->timeline, timeline) : !v->has_timeline;
    if (v->valid && same_tl && !memcmp(&stats, &v->stats, sizeof stats)) return RR_OK;
    v->valid = false;
    v->n = 0;
    v->names_len = 0;
    v->has_timeline = timeline != NULL;
    snprintf(v->timeline, sizeof v->timeline, "%s", timeline ? timeline : "");
    rr_store_rows_t rows;
    rr_store_rows_init(&rows);
    rr_status_t st = RR_OK;
    const rr_time_range_t all = {RR_TIME_MIN, RR_TIME_MAX};
    for (size_t i = 0; st == RR_OK && i < rr_store_num_entities(v->scope.store); i++) {
        const rr_entity_path_t *e = rr_store_entity(v->scope.store, i);
        if (!shown(v, e)) continue;
        rr_store_rows_clear(&rows);
        rr_store_row_t srow;
        if (timeline) {
            st = rr_store_range(v->scope.store, e, timeline, all, "TextLog:text", &rows, err);
        } else if (rr_store_latest_static(v->scope.store, e, "TextLog:text", &srow)) {
            rows.rows = &srow; /* one row, not the list's storage */
            rows.n = 1;
        }
        size_t at = 0;
        if (st == RR_OK && rows.n) st = add_name(v, e->str, &at, err);
        for (size_t k = 0; st == RR_OK && k < rows.n; k++) st = add_row(v, &rows.rows[k], at, err);
        if (rows.rows == &srow) rr_store_rows_init(&rows);
    }
    rr_store_rows_free(&rows);
    if (st != RR_OK) {
        v->n = 0;
        return st;
    }
    for (size_t k = 0; k < v->n; k++) v->entries[k].entity = v->names + (uintptr_t)v->entries[k].entity;
    qsort(v->entries, v->n, sizeof *v->entries, cmp_entry);
    v->stats = stats;
    v->valid = true;
    return RR_OK;
}

size_t rr_textlog_num_entries(const rr_textlog_t *v) { return v->n; }

const rr_textlog_entry_t *rr_textlog_entry(const rr_textlog_t *v, size_t i) {
    return i < v->n ? &v->entries[i] : NULL;
}

size_t rr_textlog_before(const rr_textlog_t *v, int64_t t) {
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->entries[mid].time < t) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static bool level_is(const char *level, size_t len, const char *name) {
    return strlen(name) == len && !memcmp(level, name, len);
}

uint32_t rr_textlog_level_color(const char *level, size_t len, bool dark) {
    if (!level) return 0;
    /* re_ui's error_fg_color and warn_fg_color, and the log text colours:
     * Green, Blue and Gray 700 on the dark theme, 500, 500 and 300 on the
     * light one. */
    if (level_is(level, len, "CRITICAL") || level_is(level, len, "ERROR")) return 0xab0116ffu;
    if (level_is(level, len, "WARN")) return 0xff7a0cffu;
    if (level_is(level, len, "INFO")) return dark ? 0x00da7effu : 0x00894dffu;
    if (level_is(level, len, "DEBUG")) return dark ? 0xadbbffffu : 0x186addffu;
    if (level_is(level, len, "TRACE")) return dark ? 0xbfbfbfffu : 0x2c2b2bffu;
    return 0;
}
