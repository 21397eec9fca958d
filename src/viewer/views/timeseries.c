/* The Time series view (timeseries.h): series found per entity, chunks of
 * the visible window reduced to per-column min/max on a fixed time grid and
 * cached per chunk, the window fitted to the data, then axes, series,
 * legend and cursor drawn in pixel space through the gfx renderer. */
#include "viewer/views/timeseries.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCALARS "Scalars:scalars"
#define MAX_INSTANCES 64 /* series per entity we plot */

/* ---------------- plot math ---------------- */

float rr_ts_x_of_time(const rr_ts_window_t *w, const rr_ts_rect_t *r, double t) {
    return r->x + (float)((t - w->t0) / (w->t1 - w->t0) * r->w);
}
float rr_ts_y_of_value(const rr_ts_window_t *w, const rr_ts_rect_t *r, double v) {
    return r->y + r->h - (float)((v - w->v0) / (w->v1 - w->v0) * r->h);
}
double rr_ts_time_of_x(const rr_ts_window_t *w, const rr_ts_rect_t *r, float x) {
    return w->t0 + (double)(x - r->x) / r->w * (w->t1 - w->t0);
}
double rr_ts_value_of_y(const rr_ts_window_t *w, const rr_ts_rect_t *r, float y) {
    return w->v0 + (double)(r->y + r->h - y) / r->h * (w->v1 - w->v0);
}

void rr_ts_window_zoom(rr_ts_window_t *w, const rr_ts_rect_t *r, double fx, double fy, float px, float py) {
    if (fx > 0 && fx != 1) {
        double t = rr_ts_time_of_x(w, r, px);
        w->t0 = t - (t - w->t0) / fx;
        w->t1 = t + (w->t1 - t) / fx;
    }
    if (fy > 0 && fy != 1) {
        double v = rr_ts_value_of_y(w, r, py);
        w->v0 = v - (v - w->v0) / fy;
        w->v1 = v + (w->v1 - v) / fy;
    }
}

void rr_ts_window_pan(rr_ts_window_t *w, const rr_ts_rect_t *r, float dx, float dy) {
    double dt = (double)dx / r->w * (w->t1 - w->t0), dv = (double)dy / r->h * (w->v1 - w->v0);
    w->t0 -= dt, w->t1 -= dt;
    w->v0 += dv, w->v1 += dv; /* pixels grow downwards, values upwards */
}

double rr_ts_grid_step(double span) {
    if (!(span > 1e-9)) return 1e-9;
    return exp2(floor(log2(span) * 4.0) / 4.0);
}

void rr_ts_columns_clear(rr_ts_column_t *cols, size_t n) { memset(cols, 0, n * sizeof *cols); }

static inline void col_add(rr_ts_column_t *c, int64_t t, double v) {
    if (!c->n) {
        c->min = c->max = c->first = c->last = v;
        c->t_first = c->t_last = t;
    } else {
        if (v < c->min) c->min = v;
        if (v > c->max) c->max = v;
        if (t < c->t_first) c->t_first = t, c->first = v;
        if (t >= c->t_last) c->t_last = t, c->last = v;
    }
    c->n++;
}

void rr_ts_decimate(const int64_t *times, const double *values, size_t n, double dt, int64_t c0,
                    rr_ts_column_t *cols, size_t n_cols) {
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(values[i])) continue;
        int64_t c = rr_ts_column_of(times[i], dt) - c0;
        if (c >= 0 && (uint64_t)c < n_cols) col_add(&cols[c], times[i], values[i]);
    }
}

void rr_ts_columns_merge(rr_ts_column_t *dst, const rr_ts_column_t *src, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const rr_ts_column_t *s = &src[i];
        rr_ts_column_t *d = &dst[i];
        if (!s->n) continue;
        if (!d->n) {
            *d = *s;
            continue;
        }
        if (s->min < d->min) d->min = s->min;
        if (s->max > d->max) d->max = s->max;
        if (s->t_first < d->t_first) d->t_first = s->t_first, d->first = s->first;
        if (s->t_last >= d->t_last) d->t_last = s->t_last, d->last = s->last;
        d->n += s->n;
    }
}

/* ---------------- the view's state ---------------- */

/* A chunk's columns on one grid: instances x n_cols, for the absolute
 * columns [c0, c0 + n_cols). */
typedef struct col_entry {
    struct col_entry *next;
    rr_tuid_t chunk_id;
    uint64_t timeline_hash;
    double dt;
    int64_t c0;
    size_t n_cols;
    int n_inst;
    rr_ts_column_t *cols;
    uint64_t last_used;
} col_entry_t;

typedef struct series {
    rr_ts_series_info_t info;
    size_t entity_slot; /* index into v->entities */
} series_t;

typedef struct entity_slot {
    const rr_entity_path_t *path;
    int n_inst;
    size_t first_series;
} entity_slot_t;

struct rr_timeseries {
    rr_gfx_renderer_t *r;
    rr_store_t *store;
    rr_entity_path_t origin;
    bool subtree;
    uint32_t subscription;
    char timeline[128];
    uint64_t timeline_hash;
    int64_t cursor;
    bool has_timeline;
    rr_ts_window_t win;
    bool auto_x, auto_y, have_window;
    rr_time_range_t data_range;
    entity_slot_t *entities;
    size_t n_entities, cap_entities;
    series_t *series;
    size_t n_series, cap_series;
    col_entry_t **buckets;
    size_t n_buckets, n_entries;
    uint64_t frame;
    rr_ts_stats_t stats;
    /* per-draw scratch, reused */
    rr_ts_column_t *merged;
    size_t cap_merged;
    rr_gfx_segment_t *segs;
    size_t cap_segs;
    const rr_chunk_t **chunks;
    size_t n_chunks, cap_chunks;
    rr_entity_path_t *hidden; /* the user's hidden entities, with their subtrees */
    size_t n_hidden;
    char warning[512];
};

static void hidden_clear(rr_timeseries_t *v);
static void warn(rr_timeseries_t *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(rr_timeseries_t *v, const char *fmt, ...) {
    if (v->warning[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->warning, sizeof v->warning, fmt, ap);
    va_end(ap);
}

static uint64_t str_hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static size_t bucket_of(const rr_timeseries_t *v, rr_tuid_t id) {
    uint64_t h = (id.time_ns * 0x9E3779B97F4A7C15ull) ^ (id.inc * 0xC2B2AE3D27D4EB4Full);
    return (size_t)(h >> 17) & (v->n_buckets - 1);
}

static void entry_free(col_entry_t *e) {
    if (e) free(e->cols);
    free(e);
}

static void drop_chunk(rr_timeseries_t *v, rr_tuid_t id) {
    col_entry_t **pp = &v->buckets[bucket_of(v, id)];
    while (*pp) {
        col_entry_t *e = *pp;
        if (e->chunk_id.time_ns == id.time_ns && e->chunk_id.inc == id.inc) {
            *pp = e->next;
            entry_free(e);
            v->n_entries--;
        } else {
            pp = &e->next;
        }
    }
}

static void on_store_event(void *ctx, const rr_store_event_t *ev) {
    rr_timeseries_t *v = ctx;
    if (ev->kind == RR_STORE_EVENT_REMOVED) drop_chunk(v, ev->chunk_id);
    if (ev->kind == RR_STORE_EVENT_COMPACTED)
        for (size_t i = 0; i < ev->n_compacted_from; i++) drop_chunk(v, ev->compacted_from[i]);
}

/* Entries not used for a while (other zoom levels, other timelines) go, so
 * the cache holds about what the last frames needed. */
static void cache_trim(rr_timeseries_t *v) {
    for (size_t b = 0; b < v->n_buckets; b++) {
        col_entry_t **pp = &v->buckets[b];
        while (*pp) {
            col_entry_t *e = *pp;
            if (v->frame - e->last_used > 8) {
                *pp = e->next;
                entry_free(e);
                v->n_entries--;
            } else {
                pp = &e->next;
            }
        }
    }
}

static void cache_grow(rr_timeseries_t *v) {
    size_t n = v->n_buckets * 2;
    col_entry_t **nb = calloc(n, sizeof *nb);
    if (!nb) return; /* longer chains, still correct */
    col_entry_t **old = v->buckets;
    size_t old_n = v->n_buckets;
    v->buckets = nb;
    v->n_buckets = n;
    for (size_t i = 0; i < old_n; i++)
        for (col_entry_t *e = old[i], *next; e; e = next) {
            next = e->next;
            size_t b = bucket_of(v, e->chunk_id);
            e->next = nb[b];
            nb[b] = e;
        }
    free(old);
}

rr_status_t rr_timeseries_new(rr_gfx_renderer_t *r, rr_store_t *store, const rr_entity_path_t *origin,
                              bool subtree, rr_timeseries_t **out, rr_error_t *err) {
    *out = NULL;
    rr_timeseries_t *v = calloc(1, sizeof *v);
    if (v) {
        v->n_buckets = 256;
        v->buckets = calloc(v->n_buckets, sizeof *v->buckets);
    }
    if (!v || !v->buckets) {
        free(v);
        return rr_error_set(err, RR_ERR_NOMEM, "timeseries: out of memory");
    }
    v->r = r;
    v->store = store;
    v->subtree = subtree;
    v->auto_x = v->auto_y = true;
    rr_status_t st = rr_entity_path_copy(origin, &v->origin, err);
    if (st != RR_OK) {
        free(v->buckets);
        free(v);
        return st;
    }
    v->subscription = rr_store_subscribe(store, on_store_event, v);
    if (!v->subscription) {
        rr_timeseries_free(v);
        return rr_error_set(err, RR_ERR_NOMEM, "timeseries: cannot subscribe to the store");
    }
    *out = v;
    return RR_OK;
}

void rr_timeseries_free(rr_timeseries_t *v) {
    if (!v) return;
    if (v->subscription) rr_store_unsubscribe(v->store, v->subscription);
    hidden_clear(v);
    for (size_t i = 0; i < v->n_buckets; i++)
        for (col_entry_t *e = v->buckets[i], *next; e; e = next) {
            next = e->next;
            entry_free(e);
        }
    free(v->buckets);
    rr_entity_path_free(&v->origin);
    free(v->entities);
    free(v->series);
    free(v->merged);
    free(v->segs);
    free(v->chunks);
    free(v);
}

/* ---------------- cells ---------------- */

/* The row's cell as a list<leaf> run; false when the datatype or buffers do
 * not fit. */
static bool cell_run(const rr_store_row_t *row, const char *leaf, const struct ArrowArray **values,
                     int64_t *first, int64_t *len) {
    const rr_chunk_component_t *c = rr_store_row_component(row);
    if (strcmp(c->type.format, "+l") || c->type.n_children != 1 || c->array.n_children != 1 ||
        strcmp(c->type.children[0]->format, leaf))
        return false;
    const struct ArrowArray *child = c->array.children[0];
    int64_t start, n;
    rr_store_row_values_range(row, &start, &n);
    if (start < 0 || n < 0 || start + n > child->length) return false;
    if (strcmp(leaf, "u") && n && (child->n_buffers < 2 || !child->buffers[1])) return false;
    *values = child;
    *first = child->offset + start;
    *len = n;
    return true;
}

/* Rerun's automatic colour (re_viewer_context auto_color_egui): hue steps
 * by the golden ratio over a 16-bit value, saturation 0.85, value 0.5, the
 * HSV taken in linear light and stored as sRGB. */
static float to_srgb(float x) { return x <= 0.0031308f ? 12.92f * x : 1.055f * powf(x, 1.0f / 2.4f) - 0.055f; }
static uint32_t auto_color(uint64_t hash) {
    uint16_t val = (uint16_t)(hash % 65535u);
    float h = fmodf((float)val * 0.61803398875f, 1.0f) * 6.0f, s = 0.85f, vv = 0.5f;
    int i = (int)h % 6;
    float f = h - floorf(h), pp = vv * (1 - s), q = vv * (1 - s * f), t = vv * (1 - s * (1 - f));
    float rgb[6][3] = {{vv, t, pp}, {q, vv, pp}, {pp, vv, t}, {pp, q, vv}, {t, pp, vv}, {vv, pp, q}};
    uint32_t c = 0;
    for (int k = 0; k < 3; k++) c = c << 8 | (uint32_t)lrintf(fminf(fmaxf(to_srgb(rgb[i][k]), 0), 1) * 255.0f);
    return c << 8 | 0xff;
}

static bool entity_has(const rr_store_t *s, const rr_entity_path_t *e, const char *component) {
    size_t n = rr_store_entity_num_components(s, e);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rr_store_entity_component(s, e, i, NULL)->component, component)) return true;
    return false;
}

static bool entity_has_prefix(const rr_store_t *s, const rr_entity_path_t *e, const char *prefix) {
    size_t n = rr_store_entity_num_components(s, e), k = strlen(prefix);
    for (size_t i = 0; i < n; i++)
        if (!strncmp(rr_store_entity_component(s, e, i, NULL)->component, prefix, k)) return true;
    return false;
}

static rr_status_t push_series(rr_timeseries_t *v, const series_t *s, rr_error_t *err) {
    if (v->n_series == v->cap_series) {
        size_t cap = v->cap_series ? v->cap_series * 2 : 16;
        series_t *n = realloc(v->series, cap * sizeof *n);
        if (!n) return rr_error_set(err, RR_ERR_NOMEM, "timeseries: out of memory");
        v->series = n;
        v->cap_series = cap;
    }
    v->series[v->n_series++] = *s;
    return RR_OK;
}

/* Styles of an entity's n series, latest-at the cursor (static wins). */
static void style_series(rr_timeseries_t *v, entity_slot_t *slot, bool points) {
    const char *comps[4];
    const char *a = points ? "SeriesPoints:" : "SeriesLines:";
    char names[4][48];
    snprintf(names[0], sizeof names[0], "%scolors", a);
    snprintf(names[1], sizeof names[1], "%s%s", a, points ? "marker_sizes" : "widths");
    snprintf(names[2], sizeof names[2], "%snames", a);
    snprintf(names[3], sizeof names[3], "%svisible_series", a);
    for (int i = 0; i < 4; i++) comps[i] = names[i];
    rr_store_row_t rows[4];
    bool found[4];
    rr_store_query_latest_at(v->store, slot->path, v->timeline, v->cursor, comps, 4, rows, found);
    const struct ArrowArray *arr[4] = {0};
    int64_t first[4] = {0}, len[4] = {0};
    static const char *const leaf[4] = {"I", "f", "u", "b"};
    for (int i = 0; i < 4; i++)
        if (found[i] && !cell_run(&rows[i], leaf[i], &arr[i], &first[i], &len[i])) {
            warn(v, "%s: %s: unexpected datatype", slot->path->str, comps[i]);
            len[i] = 0;
        }
    for (int k = 0; k < slot->n_inst; k++) {
        series_t *s = &v->series[slot->first_series + (size_t)k];
        rr_ts_series_info_t *in = &s->info;
        in->kind = points ? RR_TS_POINTS : RR_TS_LINES;
        int64_t j;
        /* Colours, sizes and visibility repeat their last value for the
         * remaining series (Rerun's clamping); names do not. */
        if (len[0]) {
            j = k < len[0] ? k : len[0] - 1;
            in->color = ((const uint32_t *)arr[0]->buffers[1])[first[0] + j];
        } else {
            uint64_t h = slot->path->hash;
            if (slot->n_inst > 1) h = (h ^ (uint64_t)k) * 0x9E3779B97F4A7C15ull;
            in->color = auto_color(h);
        }
        float size = points ? RR_TS_DEFAULT_MARKER_SIZE : RR_TS_DEFAULT_STROKE_WIDTH;
        if (len[1]) {
            j = k < len[1] ? k : len[1] - 1;
            size = ((const float *)arr[1]->buffers[1])[first[1] + j];
        }
        if (!isfinite(size) || size < 0) size = 0;
        if (points) {
            in->radius_px = size;
        } else {
            /* Thinner than 1.5 px: drawn 1.5 px wide, its colour faded (Rerun). */
            float radius = size * 0.5f;
            if (radius < RR_TS_MIN_LINE_RADIUS) {
                float f = radius / RR_TS_MIN_LINE_RADIUS;
                uint32_t c = in->color;
                uint32_t rr = (uint32_t)lrintf((float)(c >> 24) * f), gg = (uint32_t)lrintf((float)(c >> 16 & 0xff) * f),
                         bb = (uint32_t)lrintf((float)(c >> 8 & 0xff) * f);
                in->color = rr << 24 | gg << 16 | bb << 8 | (c & 0xff);
                radius = RR_TS_MIN_LINE_RADIUS;
            }
            in->radius_px = radius;
        }
        in->visible = true;
        if (len[3]) {
            j = k < len[3] ? k : len[3] - 1;
            const uint8_t *bits = arr[3]->buffers[1];
            int64_t bit = first[3] + j;
            in->visible = bits[bit >> 3] >> (bit & 7) & 1;
        }
        const char *last = slot->path->n_parts ? slot->path->parts[slot->path->n_parts - 1] : "/";
        if (len[2] > k && arr[2]->n_buffers >= 3 && arr[2]->buffers[1] && arr[2]->buffers[2]) {
            const int32_t *offs = arr[2]->buffers[1];
            int32_t o0 = offs[first[2] + k], o1 = offs[first[2] + k + 1];
            if (o0 >= 0 && o1 >= o0)
                snprintf(in->name, sizeof in->name, "%.*s", (int)(o1 - o0), (const char *)arr[2]->buffers[2] + o0);
        } else if (slot->n_inst > 1) {
            snprintf(in->name, sizeof in->name, "%s[%d]", last, k);
        } else {
            snprintf(in->name, sizeof in->name, "%s", last);
        }
    }
}

static void hidden_clear(rr_timeseries_t *v) {
    for (size_t i = 0; i < v->n_hidden; i++) rr_entity_path_free(&v->hidden[i]);
    free(v->hidden);
    v->hidden = NULL;
    v->n_hidden = 0;
}

rr_status_t rr_timeseries_set_hidden(rr_timeseries_t *v, const char *const *entities, size_t n, rr_error_t *err) {
    hidden_clear(v);
    if (!n) return RR_OK;
    v->hidden = calloc(n, sizeof *v->hidden);
    if (!v->hidden) return rr_error_set(err, RR_ERR_NOMEM, "timeseries: out of memory for %zu hidden entities", n);
    for (size_t i = 0; i < n; i++)
        if (rr_entity_path_parse(entities[i], strlen(entities[i]), &v->hidden[v->n_hidden], NULL) == RR_OK) v->n_hidden++;
    return RR_OK;
}

static bool is_hidden(const rr_timeseries_t *v, const rr_entity_path_t *e) {
    for (size_t i = 0; i < v->n_hidden; i++)
        if (rr_entity_path_equal(e, &v->hidden[i]) || rr_entity_path_is_descendant_of(e, &v->hidden[i])) return true;
    return false;
}

rr_status_t rr_timeseries_prepare(rr_timeseries_t *v, const char *timeline, int64_t cursor, rr_error_t *err) {
    v->warning[0] = 0;
    v->n_series = v->n_entities = 0;
    v->cursor = cursor;
    if (!timeline || strlen(timeline) >= sizeof v->timeline) {
        v->has_timeline = false;
        v->timeline[0] = 0;
        return RR_OK;
    }
    if (!v->has_timeline || strcmp(v->timeline, timeline)) { /* another timeline: start over */
        snprintf(v->timeline, sizeof v->timeline, "%s", timeline);
        v->timeline_hash = str_hash(timeline);
        v->auto_x = v->auto_y = true;
        v->have_window = false;
    }
    v->has_timeline = true;
    v->data_range = rr_time_range_empty();
    size_t n = rr_store_num_entities(v->store);
    for (size_t i = 0; i < n; i++) {
        const rr_entity_path_t *e = rr_store_entity(v->store, i);
        if (!(rr_entity_path_equal(e, &v->origin) || (v->subtree && rr_entity_path_is_descendant_of(e, &v->origin))))
            continue;
        if (!entity_has(v->store, e, SCALARS)) continue;
        if (is_hidden(v, e)) continue;
        if (rr_store_entity_component_is_static(v->store, e, SCALARS)) {
            warn(v, "%s: can't plot data that was logged statically in a time series", e->str);
            continue;
        }
        rr_time_range_t tr;
        if (!rr_store_time_range(v->store, e, timeline, &tr)) continue;
        /* Series count: the length of the newest non-empty cell (Rerun takes
         * the first; a recording rarely changes it). */
        rr_store_row_t row;
        int n_inst = 1;
        if (rr_store_latest_at(v->store, e, timeline, INT64_MAX, SCALARS, &row)) {
            int64_t k = rr_store_row_num_instances(&row);
            if (k > MAX_INSTANCES) {
                warn(v, "%s: %lld scalars per row, plotting the first %d", e->str, (long long)k, MAX_INSTANCES);
                k = MAX_INSTANCES;
            }
            if (k > 1) n_inst = (int)k;
        }
        if (v->n_entities == v->cap_entities) {
            size_t cap = v->cap_entities ? v->cap_entities * 2 : 8;
            entity_slot_t *ne = realloc(v->entities, cap * sizeof *ne);
            if (!ne) return rr_error_set(err, RR_ERR_NOMEM, "timeseries: out of memory");
            v->entities = ne;
            v->cap_entities = cap;
        }
        entity_slot_t *slot = &v->entities[v->n_entities];
        *slot = (entity_slot_t){e, n_inst, v->n_series};
        for (int k = 0; k < n_inst; k++) {
            series_t s = {0};
            s.info.entity = e;
            s.info.instance = k;
            s.entity_slot = v->n_entities;
            RR_TRY(push_series(v, &s, err));
        }
        v->n_entities++;
        style_series(v, slot, entity_has_prefix(v->store, e, "SeriesPoints:"));
        v->data_range = rr_time_range_union(v->data_range, tr);
    }
    if (v->auto_x || !v->have_window) {
        double t0 = 0, t1 = 1;
        if (!rr_time_range_is_empty(v->data_range)) {
            t0 = (double)v->data_range.min;
            t1 = (double)v->data_range.max;
        }
        if (!(t1 > t0)) t0 -= 0.5, t1 += 0.5;
        v->win.t0 = t0, v->win.t1 = t1;
        if (!v->have_window) v->win.v0 = 0, v->win.v1 = 1;
        v->have_window = true;
    }
    return RR_OK;
}

rr_ts_rect_t rr_timeseries_plot_rect(int width, int height) {
    /* Room on the left and below for tick labels, a little elsewhere. */
    float left = width >= 200 ? 48 : 4, bottom = height >= 120 ? 20 : 4, pad = width >= 200 ? 8 : 2;
    rr_ts_rect_t r = {left, pad, (float)width - left - pad, (float)height - pad - bottom};
    if (r.w < 1) r.w = 1;
    if (r.h < 1) r.h = 1;
    return r;
}

rr_ts_window_t rr_timeseries_window(const rr_timeseries_t *v) { return v->win; }
void rr_timeseries_set_window(rr_timeseries_t *v, const rr_ts_window_t *w) {
    v->win = *w;
    v->have_window = true;
    v->auto_x = v->auto_y = false;
}
void rr_timeseries_zoom(rr_timeseries_t *v, int width, int height, double fx, double fy, float px, float py) {
    rr_ts_rect_t r = rr_timeseries_plot_rect(width, height);
    rr_ts_window_zoom(&v->win, &r, fx, fy, px, py);
    if (fx != 1) v->auto_x = false;
    if (fy != 1) v->auto_y = false;
}
void rr_timeseries_pan(rr_timeseries_t *v, int width, int height, float dx, float dy) {
    rr_ts_rect_t r = rr_timeseries_plot_rect(width, height);
    rr_ts_window_pan(&v->win, &r, dx, dy);
    if (dx != 0) v->auto_x = false;
    if (dy != 0) v->auto_y = false;
}
void rr_timeseries_reset_view(rr_timeseries_t *v) { v->auto_x = v->auto_y = true; }

float rr_timeseries_cursor_x(const rr_timeseries_t *v, int width, int height) {
    rr_ts_rect_t r = rr_timeseries_plot_rect(width, height);
    if (!v->has_timeline || (double)v->cursor < v->win.t0 || (double)v->cursor > v->win.t1) return NAN;
    return rr_ts_x_of_time(&v->win, &r, (double)v->cursor);
}

size_t rr_timeseries_num_series(const rr_timeseries_t *v) { return v->n_series; }
const rr_ts_series_info_t *rr_timeseries_series(const rr_timeseries_t *v, size_t i) {
    return i < v->n_series ? &v->series[i].info : NULL;
}
const char *rr_timeseries_warning(const rr_timeseries_t *v) { return v->warning[0] ? v->warning : NULL; }
void rr_timeseries_stats(const rr_timeseries_t *v, rr_ts_stats_t *out) {
    *out = v->stats;
    out->cache_entries = v->n_entries;
}

/* ---------------- decimation of chunks, cached ---------------- */

static bool collect_chunk(void *ctx, const rr_chunk_t *c) {
    rr_timeseries_t *v = ctx;
    if (v->n_chunks == v->cap_chunks) {
        size_t cap = v->cap_chunks ? v->cap_chunks * 2 : 64;
        const rr_chunk_t **n = realloc(v->chunks, cap * sizeof *n);
        if (!n) return false; /* fewer chunks this frame; the caller notices */
        v->chunks = n;
        v->cap_chunks = cap;
    }
    v->chunks[v->n_chunks++] = c;
    return true;
}

/* Reads the chunk's scalars into new columns [c0, c0 + n_cols) on grid dt. */
static rr_status_t decimate_chunk(rr_timeseries_t *v, const rr_chunk_t *c, int n_inst, double dt, int64_t c0,
                                  size_t n_cols, col_entry_t **out, rr_error_t *err) {
    *out = NULL;
    const rr_chunk_index_t *ix = rr_chunk_find_index(c, v->timeline);
    const rr_chunk_component_t *cc = rr_chunk_find_component(c, SCALARS);
    if (!ix || !cc) return RR_OK;
    const struct ArrowArray *list = &cc->array;
    bool ok = !strcmp(cc->type.format, "+l") && cc->type.n_children == 1 &&
              !strcmp(cc->type.children[0]->format, "g") && list->n_children == 1 && list->n_buffers >= 2 &&
              list->buffers[1] && list->length >= c->num_rows && ix->array.n_buffers >= 2 && ix->array.buffers[1] &&
              ix->array.length >= c->num_rows;
    const struct ArrowArray *vals = ok ? list->children[0] : NULL;
    if (ok && (vals->n_buffers < 2 || (!vals->buffers[1] && vals->length > 0))) ok = false;
    if (!ok) {
        warn(v, "%s: %s: unexpected datatype or buffers", c->entity_path.str, SCALARS);
        return RR_OK;
    }
    col_entry_t *e = calloc(1, sizeof *e);
    rr_ts_column_t *cols = e ? calloc(n_cols * (size_t)n_inst, sizeof *cols) : NULL;
    if (!cols) {
        free(e);
        return rr_error_set(err, RR_ERR_NOMEM, "timeseries: %zu columns", n_cols);
    }
    const int64_t *times = (const int64_t *)ix->array.buffers[1] + ix->array.offset;
    const int32_t *offs = (const int32_t *)list->buffers[1] + list->offset;
    const uint8_t *valid = list->null_count != 0 ? list->buffers[0] : NULL;
    const double *values = (const double *)vals->buffers[1];
    const uint8_t *vvalid = vals->null_count != 0 ? vals->buffers[0] : NULL;
    bool bad = false;
    for (int64_t r = 0; r < c->num_rows; r++) {
        int64_t lr = list->offset + r;
        if (valid && !(valid[lr >> 3] >> (lr & 7) & 1)) continue;
        int64_t o0 = offs[r], o1 = offs[r + 1];
        if (o0 < 0 || o1 < o0 || o1 > vals->length) {
            bad = true;
            continue;
        }
        int64_t col = rr_ts_column_of(times[r], dt) - c0;
        if (col < 0 || (uint64_t)col >= n_cols) continue;
        int64_t k_end = o1 - o0 < n_inst ? o1 - o0 : n_inst;
        for (int64_t k = 0; k < k_end; k++) {
            int64_t vi = vals->offset + o0 + k;
            if (vvalid && !(vvalid[vi >> 3] >> (vi & 7) & 1)) continue;
            double x = values[vi];
            if (isfinite(x)) col_add(&cols[(size_t)k * n_cols + (size_t)col], times[r], x);
        }
    }
    if (bad) warn(v, "%s: %s: list offsets out of range", c->entity_path.str, SCALARS);
    e->chunk_id = c->id;
    e->timeline_hash = v->timeline_hash;
    e->dt = dt;
    e->c0 = c0;
    e->n_cols = n_cols;
    e->n_inst = n_inst;
    e->cols = cols;
    v->stats.chunks_decimated++;
    v->stats.points_decimated += (uint64_t)c->num_rows;
    *out = e;
    return RR_OK;
}

/* The chunk's columns covering [w0, w1] on grid dt, from the cache or read
 * now (then a window's width either side too, so pans reuse them). */
static rr_status_t chunk_columns(rr_timeseries_t *v, const rr_chunk_t *c, int n_inst, double dt, int64_t w0,
                                 int64_t w1, col_entry_t **out, rr_error_t *err) {
    *out = NULL;
    rr_time_range_t tr;
    if (!rr_chunk_time_range(c, v->timeline, &tr) || rr_time_range_is_empty(tr)) return RR_OK;
    int64_t lo = rr_ts_column_of(tr.min, dt), hi = rr_ts_column_of(tr.max, dt);
    int64_t need0 = w0 > lo ? w0 : lo, need1 = w1 < hi ? w1 : hi;
    if (need0 > need1) return RR_OK;
    for (col_entry_t *e = v->buckets[bucket_of(v, c->id)]; e; e = e->next)
        if (e->chunk_id.time_ns == c->id.time_ns && e->chunk_id.inc == c->id.inc && e->dt == dt &&
            e->timeline_hash == v->timeline_hash && e->n_inst == n_inst && e->c0 <= need0 &&
            need1 < e->c0 + (int64_t)e->n_cols) {
            e->last_used = v->frame;
            *out = e;
            return RR_OK;
        }
    int64_t span = w1 - w0 + 1;
    int64_t c0 = w0 - span > lo ? w0 - span : lo, c1 = w1 + span < hi ? w1 + span : hi;
    col_entry_t *e = NULL;
    RR_TRY(decimate_chunk(v, c, n_inst, dt, c0, (size_t)(c1 - c0 + 1), &e, err));
    if (!e) return RR_OK;
    if (v->n_entries >= v->n_buckets * 2) cache_grow(v);
    size_t b = bucket_of(v, c->id);
    e->next = v->buckets[b];
    v->buckets[b] = e;
    v->n_entries++;
    e->last_used = v->frame;
    *out = e;
    return RR_OK;
}

/* ---------------- drawing ---------------- */

static rr_status_t need_segs(rr_timeseries_t *v, size_t n, rr_error_t *err) {
    if (n <= v->cap_segs) return RR_OK;
    size_t cap = v->cap_segs ? v->cap_segs : 256;
    while (cap < n) cap *= 2;
    rr_gfx_segment_t *s = realloc(v->segs, cap * sizeof *s);
    if (!s) return rr_error_set(err, RR_ERR_NOMEM, "timeseries: out of memory");
    v->segs = s;
    v->cap_segs = cap;
    return RR_OK;
}

/* Pixel (x, y from the top) to the renderer's space: y up, so the
 * projection is a plain orthographic one. */
typedef struct px_space {
    float h;
} px_space_t;

static rr_gfx_segment_t seg(const px_space_t *ps, float x0, float y0, float x1, float y1, float radius_px,
                            uint32_t color) {
    return (rr_gfx_segment_t){{x0, ps->h - y0, 0}, {x1, ps->h - y1, 0}, -radius_px, color};
}

double rr_ts_nice_step(double span, double want) {
    if (!(span > 0) || !(want > 0)) return 1;
    double raw = span / want, p = pow(10.0, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

void rr_ts_tick_steps(const rr_ts_window_t *win, const rr_ts_rect_t *pr, double *tstep, double *ystep) {
    *ystep = rr_ts_nice_step(win->v1 - win->v0, fmax(2.0, pr->h / 60.0));
    *tstep = rr_ts_nice_step(win->t1 - win->t0, fmax(2.0, pr->w / 100.0));
    if (*tstep < 1) *tstep = 1; /* times are integers */
}

#define AXIS_COLOR 0x6a6e73ffu
#define GRID_COLOR 0x26292cffu
#define CURSOR_COLOR 0xd0d3d6ffu
#define PLOT_BG 0.05f, 0.05f, 0.06f, 1.0f

rr_status_t rr_timeseries_draw(rr_timeseries_t *v, rr_gfx_target_t *target, rr_error_t *err) {
    int W = rr_gfx_target_width(target), H = rr_gfx_target_height(target);
    rr_ts_rect_t pr = rr_timeseries_plot_rect(W, H);
    px_space_t ps = {(float)H};
    v->frame++;
    v->stats.last_frame_chunks = v->stats.last_frame_segments = 0;
    for (size_t i = 0; i < v->n_series; i++) v->series[i].info.vertices = 0;

    /* The window's columns on the grid, the same for every series. */
    double dt = rr_ts_grid_step((v->win.t1 - v->win.t0) / pr.w);
    int64_t w0 = rr_ts_column_of((int64_t)floor(v->win.t0), dt), w1 = rr_ts_column_of((int64_t)ceil(v->win.t1), dt);
    size_t n_cols = (size_t)(w1 - w0 + 1);
    size_t total = n_cols * (v->n_series ? v->n_series : 1);
    if (total > v->cap_merged) {
        rr_ts_column_t *m = realloc(v->merged, total * sizeof *m);
        if (!m) return rr_error_set(err, RR_ERR_NOMEM, "timeseries: %zu columns", total);
        v->merged = m;
        v->cap_merged = total;
    }
    rr_ts_columns_clear(v->merged, total);
    rr_time_range_t qr = {(int64_t)floor(v->win.t0), (int64_t)ceil(v->win.t1)};
    for (size_t ei = 0; ei < v->n_entities && v->has_timeline; ei++) {
        entity_slot_t *slot = &v->entities[ei];
        v->n_chunks = 0;
        rr_store_visit_temporal_chunks(v->store, slot->path, v->timeline, SCALARS, qr, collect_chunk, v);
        for (size_t ci = 0; ci < v->n_chunks; ci++) {
            col_entry_t *e = NULL;
            RR_TRY(chunk_columns(v, v->chunks[ci], slot->n_inst, dt, w0, w1, &e, err));
            if (!e) continue;
            int64_t a = w0 > e->c0 ? w0 : e->c0, b = w1 < e->c0 + (int64_t)e->n_cols - 1 ? w1 : e->c0 + (int64_t)e->n_cols - 1;
            if (a > b) continue;
            for (int k = 0; k < slot->n_inst; k++)
                rr_ts_columns_merge(v->merged + (slot->first_series + (size_t)k) * n_cols + (size_t)(a - w0),
                                    e->cols + (size_t)k * e->n_cols + (size_t)(a - e->c0), (size_t)(b - a + 1));
            v->stats.last_frame_chunks++;
        }
    }
    cache_trim(v);

    /* Y follows the visible data (Rerun: 5 % margin, a flat range widened). */
    if (v->auto_y) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t s = 0; s < v->n_series; s++) {
            if (!v->series[s].info.visible) continue;
            const rr_ts_column_t *m = v->merged + s * n_cols;
            for (size_t i = 0; i < n_cols; i++)
                if (m[i].n) {
                    if (m[i].min < lo) lo = m[i].min;
                    if (m[i].max > hi) hi = m[i].max;
                }
        }
        if (!(lo <= hi)) lo = 0, hi = 1;
        if (hi - lo <= 1e-12 * fmax(fabs(lo), 1.0)) lo -= 1, hi += 1;
        double m = (hi - lo) * 0.05;
        v->win.v0 = lo - m, v->win.v1 = hi + m;
    }

    rr_mat4_t view = rr_mat4_identity(), proj = rr_mat4_identity();
    proj.m[0] = 2.0f / (float)W, proj.m[5] = 2.0f / (float)H, proj.m[10] = -1.0f;
    proj.m[12] = -1.0f, proj.m[13] = -1.0f;
    const float bg[4] = {PLOT_BG};
    rr_gfx_begin(v->r, target, &view, &proj, bg);

    /* Grid, ticks and the frame. */
    size_t k = 0;
    RR_TRY(need_segs(v, 256, err));
    double tstep, ystep;
    rr_ts_tick_steps(&v->win, &pr, &tstep, &ystep);
    for (double y = ceil(v->win.v0 / ystep) * ystep; y <= v->win.v1 && k < 120; y += ystep) {
        float py = rr_ts_y_of_value(&v->win, &pr, y);
        v->segs[k++] = seg(&ps, pr.x, py, pr.x + pr.w, py, 0.5f, GRID_COLOR);
        v->segs[k++] = seg(&ps, pr.x - 4, py, pr.x, py, 0.5f, AXIS_COLOR);
    }
    for (double t = ceil(v->win.t0 / tstep) * tstep; t <= v->win.t1 && k < 240; t += tstep) {
        float px = rr_ts_x_of_time(&v->win, &pr, t);
        v->segs[k++] = seg(&ps, px, pr.y, px, pr.y + pr.h, 0.5f, GRID_COLOR);
        v->segs[k++] = seg(&ps, px, pr.y + pr.h, px, pr.y + pr.h + 4, 0.5f, AXIS_COLOR);
    }
    v->segs[k++] = seg(&ps, pr.x, pr.y + pr.h, pr.x + pr.w, pr.y + pr.h, 0.5f, AXIS_COLOR);
    v->segs[k++] = seg(&ps, pr.x, pr.y, pr.x, pr.y + pr.h, 0.5f, AXIS_COLOR);
    rr_gfx_draw_segments(v->r, v->segs, k, NULL);

    /* Series: per column a vertical stroke min..max, joined to the next
     * column from last to first; points at min and max. */
    rr_gfx_buffer_t *pts_buf[8] = {0};
    size_t n_pts_buf = 0;
    rr_status_t st = RR_OK;
    for (size_t s = 0; s < v->n_series && st == RR_OK; s++) {
        rr_ts_series_info_t *in = &v->series[s].info;
        if (!in->visible) continue;
        const rr_ts_column_t *m = v->merged + s * n_cols;
        st = need_segs(v, 2 * n_cols + 2, err);
        if (st != RR_OK) break;
        k = 0;
        float prev_x = 0, prev_y = 0;
        bool have_prev = false;
        for (size_t i = 0; i < n_cols; i++) {
            if (!m[i].n) continue;
            /* The column's centre in time, then to pixels. */
            float x = rr_ts_x_of_time(&v->win, &pr, ((double)(w0 + (int64_t)i) + 0.5) * dt);
            if (dt <= 1.0) x = rr_ts_x_of_time(&v->win, &pr, (double)m[i].t_first); /* exact times when zoomed in */
            float ymin = rr_ts_y_of_value(&v->win, &pr, m[i].min), ymax = rr_ts_y_of_value(&v->win, &pr, m[i].max);
            if (in->kind == RR_TS_LINES) {
                float yf = rr_ts_y_of_value(&v->win, &pr, m[i].first), yl = rr_ts_y_of_value(&v->win, &pr, m[i].last);
                if (have_prev) v->segs[k++] = seg(&ps, prev_x, prev_y, x, yf, in->radius_px, in->color);
                if (m[i].n > 1) v->segs[k++] = seg(&ps, x, ymin, x, ymax, in->radius_px, in->color);
                prev_x = x, prev_y = yl, have_prev = true;
            } else {
                v->segs[k++] = seg(&ps, x, ymin, x, ymin, 0, in->color);
                if (m[i].n > 1 && ymax != ymin) v->segs[k++] = seg(&ps, x, ymax, x, ymax, 0, in->color);
            }
        }
        if (in->kind == RR_TS_LINES && k == 0 && have_prev) /* a single point: a dot */
            v->segs[k++] = seg(&ps, prev_x, prev_y, prev_x, prev_y, in->radius_px, in->color);
        in->vertices = k;
        v->stats.last_frame_segments += k;
        if (in->kind == RR_TS_LINES) {
            rr_gfx_draw_segments(v->r, v->segs, k, NULL);
        } else if (k) {
            /* Markers: the segment array holds their centres. */
            rr_gfx_point_t *p = malloc(k * sizeof *p);
            if (!p) {
                st = rr_error_set(err, RR_ERR_NOMEM, "timeseries: %zu markers", k);
                break;
            }
            for (size_t i = 0; i < k; i++)
                p[i] = (rr_gfx_point_t){{v->segs[i].p0[0], v->segs[i].p0[1], 0}, -in->radius_px, in->color};
            if (n_pts_buf == sizeof pts_buf / sizeof pts_buf[0]) {
                rr_gfx_buffer_free(v->r, pts_buf[--n_pts_buf]);
            }
            st = rr_gfx_points_upload(v->r, p, k, &pts_buf[n_pts_buf], err);
            free(p);
            if (st == RR_OK) rr_gfx_draw(v->r, pts_buf[n_pts_buf++], NULL);
        }
    }

    /* Legend (top left inside the plot): a swatch per visible series; the
     * names are text, drawn over the image by whoever shows it (the shell,
     * with the UI toolkit) at rr_ts_legend_row. */
    if (st == RR_OK && v->n_series > 0 && (st = need_segs(v, v->n_series + 1, err)) == RR_OK) {
        k = 0;
        size_t row = 0;
        for (size_t s = 0; s < v->n_series; s++) {
            const rr_ts_series_info_t *in = &v->series[s].info;
            if (!in->visible) continue;
            float y = rr_ts_legend_row(&pr, row++);
            if (y >= pr.y + pr.h - 4) break;
            v->segs[k++] = seg(&ps, pr.x + RR_TS_LEGEND_SWATCH_X0, y, pr.x + RR_TS_LEGEND_SWATCH_X1, y, 2.0f, in->color);
        }
        rr_gfx_draw_segments(v->r, v->segs, k, NULL);
    }

    /* The current time. */
    float cx = rr_timeseries_cursor_x(v, W, H);
    if (st == RR_OK && isfinite(cx)) {
        rr_gfx_segment_t c = seg(&ps, cx, pr.y, cx, pr.y + pr.h, 0.75f, CURSOR_COLOR);
        rr_gfx_draw_segments(v->r, &c, 1, NULL);
    }
    rr_status_t end = rr_gfx_end(v->r, st == RR_OK ? err : NULL);
    for (size_t i = 0; i < n_pts_buf; i++) rr_gfx_buffer_free(v->r, pts_buf[i]);
    return st != RR_OK ? st : end;
}
