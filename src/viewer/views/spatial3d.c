/* The Spatial 3D view (spatial3d.h): per-frame latest-at queries, the
 * transform hierarchy, geometry built from Arrow cells and cached on the GPU
 * per chunk (with a CPU copy indexed in cells for picking and highlights),
 * then one draw per entity and archetype, then the highlights. */
#include "viewer/views/spatial3d.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rerun's defaults (re_sdk_types radius_ext.rs, re_view_spatial
 * shared_fallbacks.rs, re_component_fallbacks): negative radii are UI
 * points. */
#define DEFAULT_RADIUS (-1.5f)
#define DEFAULT_BOX_LINE_RADIUS (-0.5f)
#define DEFAULT_FRUSTUM_LINE_RADIUS (-1.0f)
#define FRUSTUM_COLOR 0x9f9f9fffu /* the dark theme's frustum_color, Gray.600 */
/* FillMode: MajorWireframe 1, DenseWireframe 2, Solid 3,
 * TransparentFillMajorWireframe 4 (the default). */
#define FILL_MODE_MAJOR 1
#define FILL_MODE_DENSE 2
#define FILL_MODE_SOLID 3
#define FILL_MODE_TRANSPARENT 4
#define RELATION_CHILD_FROM_PARENT 2
/* Outlines (re_view outlines.rs): hover is the strong text colour, the
 * selection the selection stroke colour, both 2 points wide, so 1 point
 * (here a pixel) of outline around the shape. */
#define HOVER_COLOR 0xffffffffu
#define SELECT_COLOR 0xf0f2ffffu
#define OUTLINE_PX 1.0f
/* Extra pixels around every shape a pick accepts: the renderer draws
 * discs half a pixel wider, and hairlines need some mercy. */
#define PICK_SLACK_PX 1.0f

enum vis_kind { VIS_POINTS = 1, VIS_LINES, VIS_BOXES, VIS_MESH, VIS_ARROWS, VIS_ELLIPSOIDS, VIS_PINHOLE };

/* ---------------- CPU copies of the geometry ---------------- */

enum geo_kind { GEO_POINTS = 1, GEO_SEGS, GEO_ARROWS, GEO_TRIS };

/* Items are picked cell by cell: a cell's box (of the items' positions,
 * sizes left out) and largest sizes reject it whole when the pick ray
 * passes wide of it. */
typedef struct cell {
    uint32_t first, count; /* into perm (points) or the items themselves */
    rr_aabb_t box;
    float r_scene; /* largest radius in scene units */
    float r_px;    /* largest radius in UI points (pixels) */
} cell_t;

#define CELL_ITEMS 2048

typedef struct geo {
    int kind;
    size_t n;       /* points, segments, arrows or triangles */
    void *items;    /* rr_gfx_point_t, rr_gfx_segment_t or 3 rr_gfx_vertex_t per item */
    uint32_t *inst; /* instance of each item; NULL: the item's index */
    cell_t *cells;
    size_t n_cells;
    uint32_t *perm; /* points only: item indices grouped by cell */
    rr_aabb_t box;  /* of all items' positions, sizes left out */
    float r_scene, r_px; /* the largest sizes, as in the cells */
    bool whole;     /* picked as the entity as a whole (a mesh), not by instance */
    bool transparent; /* drawn blended, after everything opaque */
    rr_gfx_buffer_t *buf;
} geo_t;

#define MAX_GEOS 2

typedef struct cache_entry {
    struct cache_entry *next;
    rr_tuid_t chunk_id; /* the chunk holding the primary component's cell */
    int64_t row;
    int kind;
    uint64_t key2; /* which secondary cells (colours, radii, ...) it was built from */
    bool built;
    geo_t geo[MAX_GEOS];
    int n_geo;
    rr_aabb_t bounds; /* in the entity's own space */
} cache_entry_t;

typedef struct drawable {
    const geo_t *geo;
    rr_mat4_t model;     /* entity to view space */
    size_t name;         /* offset of the entity path text in names */
    const char *archetype;
} drawable_t;

struct rr_spatial3d {
    rr_gfx_renderer_t *r;
    rr_store_t *store;
    uint32_t subscription;
    cache_entry_t **buckets;
    size_t n_buckets, n_entries;
    drawable_t *draws;
    size_t n_draws, cap_draws;
    size_t n_things; /* entity and archetype pairs drawn */
    char *names; /* entity path texts of this frame's drawables */
    size_t n_names, cap_names;
    rr_mat4_t *world; /* per store entity, this frame */
    size_t cap_world;
    rr_aabb_t bounds;
    rr_vec3_t up;
    char warning[512];
    rr_entity_path_t origin;
    bool has_origin, subtree;
    rr_entity_path_t *hidden;
    size_t n_hidden;
    rr_pick_t hover, selected;
    rr_mat4_t *poses; /* the current entity's InstancePoses3D */
    size_t n_poses, cap_poses;
};

void rr_spatial3d_options_default(rr_spatial3d_options_t *o) {
    o->grid = true;
    o->axes = true;
    /* Rerun's dark 3D background. */
    o->background[0] = 0.05f, o->background[1] = 0.05f, o->background[2] = 0.06f;
    o->background[3] = 1.0f;
}

/* ---------------- the GPU cache ---------------- */

static size_t bucket_of(const rr_spatial3d_t *v, rr_tuid_t id) {
    uint64_t h = (id.time_ns * 0x9E3779B97F4A7C15ull) ^ (id.inc * 0xC2B2AE3D27D4EB4Full);
    return (size_t)(h >> 17) & (v->n_buckets - 1);
}

static void warn(rr_spatial3d_t *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(rr_spatial3d_t *v, const char *fmt, ...) {
    if (v->warning[0]) return; /* the first problem is the one to fix */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->warning, sizeof v->warning, fmt, ap);
    va_end(ap);
}

static void geo_free(rr_spatial3d_t *v, geo_t *g) {
    rr_gfx_buffer_free(v->r, g->buf);
    free(g->items);
    free(g->inst);
    free(g->cells);
    free(g->perm);
    memset(g, 0, sizeof *g);
}

static void entry_clear(rr_spatial3d_t *v, cache_entry_t *e) {
    for (int i = 0; i < e->n_geo; i++) geo_free(v, &e->geo[i]);
    e->n_geo = 0;
    e->built = false;
}

static void drop_chunk(rr_spatial3d_t *v, rr_tuid_t id) {
    cache_entry_t **pp = &v->buckets[bucket_of(v, id)];
    while (*pp) {
        cache_entry_t *e = *pp;
        if (e->chunk_id.time_ns == id.time_ns && e->chunk_id.inc == id.inc) {
            *pp = e->next;
            entry_clear(v, e);
            free(e);
            v->n_entries--;
        } else {
            pp = &e->next;
        }
    }
}

static void on_store_event(void *ctx, const rr_store_event_t *ev) {
    rr_spatial3d_t *v = ctx;
    /* The frame's drawables may point into what is dropped: until the next
     * prepare there is nothing to draw or pick. */
    if (ev->kind == RR_STORE_EVENT_REMOVED) {
        drop_chunk(v, ev->chunk_id);
        v->n_draws = v->n_things = 0;
    }
    if (ev->kind == RR_STORE_EVENT_COMPACTED) {
        for (size_t i = 0; i < ev->n_compacted_from; i++) drop_chunk(v, ev->compacted_from[i]);
        v->n_draws = v->n_things = 0;
    }
}

static cache_entry_t *cache_find(rr_spatial3d_t *v, rr_tuid_t id, int64_t row, int kind) {
    for (cache_entry_t *e = v->buckets[bucket_of(v, id)]; e; e = e->next)
        if (e->chunk_id.time_ns == id.time_ns && e->chunk_id.inc == id.inc && e->row == row &&
            e->kind == kind)
            return e;
    return NULL;
}

static void cache_grow(rr_spatial3d_t *v) {
    size_t n = v->n_buckets * 2;
    cache_entry_t **nb = calloc(n, sizeof *nb);
    if (!nb) return; /* longer chains, still correct */
    cache_entry_t **old = v->buckets;
    size_t old_n = v->n_buckets;
    v->buckets = nb;
    v->n_buckets = n;
    for (size_t i = 0; i < old_n; i++)
        for (cache_entry_t *e = old[i], *next; e; e = next) {
            next = e->next;
            size_t b = bucket_of(v, e->chunk_id);
            e->next = nb[b];
            nb[b] = e;
        }
    free(old);
}

static cache_entry_t *cache_insert(rr_spatial3d_t *v, rr_tuid_t id, int64_t row, int kind) {
    if (v->n_entries >= v->n_buckets * 2) cache_grow(v);
    cache_entry_t *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->chunk_id = id;
    e->row = row;
    e->kind = kind;
    size_t b = bucket_of(v, id);
    e->next = v->buckets[b];
    v->buckets[b] = e;
    v->n_entries++;
    return e;
}

rr_status_t rr_spatial3d_new(rr_gfx_renderer_t *r, rr_store_t *store, rr_spatial3d_t **out,
                             rr_error_t *err) {
    *out = NULL;
    rr_spatial3d_t *v = calloc(1, sizeof *v);
    if (v) {
        v->n_buckets = 256;
        v->buckets = calloc(v->n_buckets, sizeof *v->buckets);
    }
    if (!v || !v->buckets) {
        free(v);
        return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: out of memory");
    }
    v->r = r;
    v->store = store;
    v->up = rr_v3(0, 0, 1);
    v->bounds = rr_aabb_empty();
    v->subtree = true;
    v->subscription = rr_store_subscribe(store, on_store_event, v);
    if (!v->subscription) {
        rr_spatial3d_free(v);
        return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: cannot subscribe to the store");
    }
    *out = v;
    return RR_OK;
}

static void free_hidden(rr_spatial3d_t *v) {
    for (size_t i = 0; i < v->n_hidden; i++) rr_entity_path_free(&v->hidden[i]);
    free(v->hidden);
    v->hidden = NULL;
    v->n_hidden = 0;
}

void rr_spatial3d_free(rr_spatial3d_t *v) {
    if (!v) return;
    if (v->subscription) rr_store_unsubscribe(v->store, v->subscription);
    for (size_t i = 0; i < v->n_buckets; i++)
        for (cache_entry_t *e = v->buckets[i], *next; e; e = next) {
            next = e->next;
            entry_clear(v, e);
            free(e);
        }
    free(v->buckets);
    free(v->draws);
    free(v->names);
    free(v->world);
    free(v->poses);
    rr_entity_path_free(&v->origin);
    free_hidden(v);
    free(v);
}

rr_status_t rr_spatial3d_set_origin(rr_spatial3d_t *v, const rr_entity_path_t *origin, bool subtree,
                                    rr_error_t *err) {
    rr_entity_path_free(&v->origin);
    v->has_origin = false;
    v->subtree = subtree;
    if (!origin) return RR_OK;
    RR_TRY(rr_entity_path_copy(origin, &v->origin, err));
    v->has_origin = true;
    return RR_OK;
}

void rr_spatial3d_set_hidden(rr_spatial3d_t *v, const char *const *entities, size_t n) {
    free_hidden(v);
    if (!n) return;
    v->hidden = calloc(n, sizeof *v->hidden);
    if (!v->hidden) return; /* nothing hidden beats a crash; the next call retries */
    for (size_t i = 0; i < n; i++) {
        if (!entities[i]) continue;
        rr_entity_path_t p;
        if (rr_entity_path_parse_forgiving(entities[i], strlen(entities[i]), &p, NULL) == RR_OK)
            v->hidden[v->n_hidden++] = p;
    }
}

void rr_spatial3d_set_highlight(rr_spatial3d_t *v, const rr_pick_t *hover, const rr_pick_t *selected) {
    memset(&v->hover, 0, sizeof v->hover);
    memset(&v->selected, 0, sizeof v->selected);
    if (hover && hover->hit) v->hover = *hover;
    if (selected && selected->hit) v->selected = *selected;
}

/* ---------------- reading cells ---------------- */

/* A cell's instances as a packed run of width x leaf values. */
typedef struct span {
    const uint8_t *p;
    int64_t n;
} span_t;

static size_t leaf_size(const char *fmt) {
    if (!strcmp(fmt, "f") || !strcmp(fmt, "I") || !strcmp(fmt, "i")) return 4;
    if (!strcmp(fmt, "C") || !strcmp(fmt, "c")) return 1;
    if (!strcmp(fmt, "g") || !strcmp(fmt, "L") || !strcmp(fmt, "l")) return 8;
    return 0;
}

/* The cell of row as list<leaf> (width 0) or list<fixed_size_list<leaf, width>>.
 * false with *why set when the datatype or the buffers do not fit. */
static bool cell_span(const rr_store_row_t *row, const char *leaf, int width, span_t *out,
                      const char **why) {
    const rr_chunk_component_t *c = rr_store_row_component(row);
    out->p = NULL;
    out->n = 0;
    if (strcmp(c->type.format, "+l") || c->type.n_children != 1 || c->array.n_children != 1) {
        *why = "not a list column";
        return false;
    }
    const struct ArrowSchema *item = c->type.children[0];
    const struct ArrowArray *child = c->array.children[0];
    int64_t start, len;
    rr_store_row_values_range(row, &start, &len);
    if (start < 0 || len < 0 || start + len > child->length) {
        *why = "list offsets out of range";
        return false;
    }
    const struct ArrowArray *values = child;
    int64_t first = child->offset + start; /* in leaf-run units below */
    if (width > 0) {
        char fsl[16];
        snprintf(fsl, sizeof fsl, "+w:%d", width);
        if (strcmp(item->format, fsl) || item->n_children != 1 || child->n_children != 1 ||
            strcmp(item->children[0]->format, leaf)) {
            *why = "unexpected datatype";
            return false;
        }
        values = child->children[0];
        if ((child->offset + start + len) * width > values->length) {
            *why = "fixed-size list values out of range";
            return false;
        }
        first = values->offset + (child->offset + start) * width;
    } else if (strcmp(item->format, leaf)) {
        *why = "unexpected datatype";
        return false;
    }
    if (len && (values->n_buffers < 2 || !values->buffers[1])) {
        *why = "missing value buffer";
        return false;
    }
    out->p = len ? (const uint8_t *)values->buffers[1] + (size_t)first * leaf_size(leaf) : NULL;
    out->n = len;
    return true;
}

static float span_f(const span_t *s, int width, int64_t i, int k) {
    float f;
    memcpy(&f, s->p + ((size_t)i * (size_t)width + (size_t)k) * 4, 4);
    return f;
}
static uint32_t span_u32(const span_t *s, int width, int64_t i, int k) {
    uint32_t u;
    memcpy(&u, s->p + ((size_t)i * (size_t)width + (size_t)k) * 4, 4);
    return u;
}
static int64_t clamp_i(int64_t i, int64_t n) { return i < n ? i : n - 1; }

/* Rerun's automatic colour: hue steps by the golden ratio over a 16-bit
 * value of the entity path's hash, saturation 0.85, value 0.5 (in linear
 * light, stored as sRGB). */
static float to_srgb(float x) {
    return x <= 0.0031308f ? 12.92f * x : 1.055f * powf(x, 1.0f / 2.4f) - 0.055f;
}
static uint32_t auto_color(const rr_entity_path_t *p) {
    uint16_t val = (uint16_t)(p->hash % 65535u);
    float h = fmodf((float)val * 0.61803398875f, 1.0f) * 6.0f, s = 0.85f, vv = 0.5f;
    int i = (int)h % 6;
    float f = h - floorf(h), pp = vv * (1 - s), q = vv * (1 - s * f), t = vv * (1 - s * (1 - f));
    float rgb[6][3] = {{vv, t, pp}, {q, vv, pp}, {pp, vv, t}, {pp, q, vv}, {t, pp, vv}, {vv, pp, q}};
    uint32_t c = 0;
    for (int k = 0; k < 3; k++) {
        float x = to_srgb(rgb[i][k]);
        c = c << 8 | (uint32_t)lrintf(fminf(fmaxf(x, 0), 1) * 255.0f);
    }
    return c << 8 | 0xff;
}

static uint64_t row_key(const rr_store_row_t *row, bool found) {
    if (!found) return 0x51ed27u;
    uint64_t h = row->chunk->id.time_ns * 0x9E3779B97F4A7C15ull ^ row->chunk->id.inc;
    return (h ^ (uint64_t)row->row) * 0xff51afd7ed558ccdull;
}

/* ---------------- geometry: cells, upload ---------------- */

static bool finite3(const float *p) { return isfinite(p[0]) && isfinite(p[1]) && isfinite(p[2]); }

/* The positions an item spans (1 point, 2 segment ends, 3 corners) and its radius. */
static int item_points(const geo_t *g, size_t i, const float *out[3], float *radius) {
    switch (g->kind) {
    case GEO_POINTS: {
        const rr_gfx_point_t *p = (const rr_gfx_point_t *)g->items + i;
        out[0] = p->pos;
        *radius = p->radius;
        return 1;
    }
    case GEO_SEGS:
    case GEO_ARROWS: {
        const rr_gfx_segment_t *s = (const rr_gfx_segment_t *)g->items + i;
        out[0] = s->p0;
        out[1] = s->p1;
        /* An arrow's head is twice as wide as its shaft. */
        *radius = g->kind == GEO_ARROWS ? 2.0f * s->radius : s->radius;
        return 2;
    }
    default: {
        const rr_gfx_vertex_t *t = (const rr_gfx_vertex_t *)g->items + i * 3;
        for (int k = 0; k < 3; k++) out[k] = t[k].pos;
        *radius = 0;
        return 3;
    }
    }
}

static void cell_add(cell_t *c, const geo_t *g, size_t i) {
    const float *p[3];
    float r;
    int n = item_points(g, i, p, &r);
    for (int k = 0; k < n; k++)
        if (finite3(p[k])) rr_aabb_add_point(&c->box, rr_v3(p[k][0], p[k][1], p[k][2]));
    if (r > c->r_scene) c->r_scene = r;
    if (-r > c->r_px) c->r_px = -r;
}

/* Points (often unordered clouds) go into a grid over their bounds so a
 * pick ray meets few cells; other items keep their order (strips and
 * meshes are coherent) in runs of CELL_ITEMS. */
static rr_status_t geo_index_cells(geo_t *g, rr_error_t *err);

static rr_status_t geo_index(geo_t *g, rr_error_t *err) {
    RR_TRY(geo_index_cells(g, err));
    g->box = rr_aabb_empty();
    for (size_t c = 0; c < g->n_cells; c++) {
        rr_aabb_add_box(&g->box, &g->cells[c].box);
        g->r_scene = fmaxf(g->r_scene, g->cells[c].r_scene);
        g->r_px = fmaxf(g->r_px, g->cells[c].r_px);
    }
    return RR_OK;
}

static rr_status_t geo_index_cells(geo_t *g, rr_error_t *err) {
    if (g->kind == GEO_POINTS && g->n > CELL_ITEMS) {
        const rr_gfx_point_t *pts = g->items;
        rr_aabb_t all = rr_aabb_empty();
        for (size_t i = 0; i < g->n; i++)
            if (finite3(pts[i].pos)) rr_aabb_add_point(&all, rr_v3(pts[i].pos[0], pts[i].pos[1], pts[i].pos[2]));
        int gs = (int)lrint(cbrt((double)g->n / CELL_ITEMS));
        gs = gs < 1 ? 1 : gs > 64 ? 64 : gs;
        size_t nc = (size_t)gs * gs * gs;
        g->cells = calloc(nc, sizeof *g->cells);
        g->perm = malloc(g->n * sizeof *g->perm);
        uint32_t *which = malloc(g->n * sizeof *which);
        if (!g->cells || !g->perm || !which) {
            free(which);
            return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: picking index of %zu points", g->n);
        }
        g->n_cells = nc;
        float lo[3] = {all.min.x, all.min.y, all.min.z}, hi[3] = {all.max.x, all.max.y, all.max.z};
        for (size_t i = 0; i < g->n; i++) {
            if (!finite3(pts[i].pos)) { /* never drawn where a ray can meet it */
                which[i] = UINT32_MAX;
                continue;
            }
            size_t c = 0;
            for (int k = 0; k < 3; k++) {
                float ext = hi[k] - lo[k];
                int q = ext > 0 ? (int)((pts[i].pos[k] - lo[k]) / ext * (float)gs) : 0;
                q = q < 0 ? 0 : q >= gs ? gs - 1 : q;
                c = c * (size_t)gs + (size_t)q;
            }
            which[i] = (uint32_t)c;
            g->cells[c].count++;
        }
        uint32_t acc = 0;
        for (size_t c = 0; c < nc; c++) {
            g->cells[c].first = acc;
            acc += g->cells[c].count;
            g->cells[c].count = 0;
            g->cells[c].box = rr_aabb_empty();
        }
        for (size_t i = 0; i < g->n; i++) {
            if (which[i] == UINT32_MAX) continue;
            cell_t *c = &g->cells[which[i]];
            g->perm[c->first + c->count++] = (uint32_t)i;
            cell_add(c, g, i);
        }
        free(which);
        return RR_OK;
    }
    size_t nc = (g->n + CELL_ITEMS - 1) / CELL_ITEMS;
    g->cells = calloc(nc ? nc : 1, sizeof *g->cells);
    if (!g->cells) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: picking index");
    g->n_cells = nc;
    for (size_t c = 0; c < nc; c++) {
        cell_t *cl = &g->cells[c];
        cl->first = (uint32_t)(c * CELL_ITEMS);
        cl->count = (uint32_t)(g->n - c * CELL_ITEMS < CELL_ITEMS ? g->n - c * CELL_ITEMS : CELL_ITEMS);
        cl->box = rr_aabb_empty();
        for (size_t i = cl->first; i < (size_t)cl->first + cl->count; i++) cell_add(cl, g, i);
    }
    return RR_OK;
}

/* Large clouds go to the GPU grouped by small cells of space (the CPU copy
 * keeps the logged order, which instances are numbered by). A software
 * rasteriser bins every point into the screen tiles it touches and later
 * reads them back tile by tile: points that are near on screen and near in
 * memory make those reads cache hits (llvmpipe: most of a frame of a
 * million points was waiting on them). Draw order does not change the
 * picture: opaque discs with a depth test. */
#define UPLOAD_CELL_POINTS 64
static rr_status_t upload_points(rr_gfx_renderer_t *r, geo_t *g, rr_error_t *err) {
    const rr_gfx_point_t *pts = g->items;
    if (g->n <= 4 * UPLOAD_CELL_POINTS || !g->perm) return rr_gfx_points_upload(r, pts, g->n, &g->buf, err);
    rr_aabb_t all = rr_aabb_empty();
    for (size_t i = 0; i < g->n_cells; i++) rr_aabb_add_box(&all, &g->cells[i].box);
    /* A power-of-two grid whose cells follow the Morton curve: neighbours
     * along it are neighbours in space in all three directions. */
    int bits = 0;
    while (bits < 8 && (double)(1u << (3 * (bits + 1))) * UPLOAD_CELL_POINTS <= (double)g->n) bits++;
    int gs = 1 << bits;
    size_t nc = (size_t)1 << (3 * bits);
    uint32_t *start = calloc(nc + 1, sizeof *start), *which = malloc(g->n * sizeof *which);
    rr_gfx_point_t *sorted = malloc(g->n * sizeof *sorted);
    if (!start || !which || !sorted) {
        free(start);
        free(which);
        free(sorted);
        return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: ordering %zu points", g->n);
    }
    float lo[3] = {all.min.x, all.min.y, all.min.z}, hi[3] = {all.max.x, all.max.y, all.max.z};
    for (size_t i = 0; i < g->n; i++) {
        size_t c = 0;
        for (int k = 0; k < 3; k++) {
            float ext = hi[k] - lo[k];
            int q = ext > 0 && isfinite(pts[i].pos[k]) ? (int)((pts[i].pos[k] - lo[k]) / ext * (float)gs) : 0;
            q = q < 0 ? 0 : q >= gs ? gs - 1 : q;
            for (int bit = 0; bit < bits; bit++) c |= (size_t)((q >> bit) & 1) << (3 * bit + k);
        }
        which[i] = (uint32_t)c;
        start[c + 1]++;
    }
    for (size_t c = 0; c < nc; c++) start[c + 1] += start[c];
    for (size_t i = 0; i < g->n; i++) sorted[start[which[i]]++] = pts[i];
    free(start);
    free(which);
    rr_status_t st = rr_gfx_points_upload(r, sorted, g->n, &g->buf, err);
    free(sorted);
    return st;
}

/* ---------------- archetypes into geometry ---------------- */

typedef struct build {
    rr_spatial3d_t *v;
    const rr_entity_path_t *entity;
    const rr_store_row_t *rows;
    const bool *found;
    rr_aabb_t bounds;
    cache_entry_t *ce;
    float plane_dist; /* pinholes: the image plane distance */
    const rr_mat4_t *poses; /* InstancePoses3D, for the shapes that take them per instance */
    size_t n_poses;
} build_t;

/* Adds geometry to the entry being built: takes items and inst (freed on
 * failure too), indexes them for picking, uploads them. */
static rr_status_t emit(build_t *b, int kind, void *items, size_t n, uint32_t *inst, rr_error_t *err) {
    cache_entry_t *ce = b->ce;
    if (ce->n_geo >= MAX_GEOS || n > UINT32_MAX / 4) {
        free(items);
        free(inst);
        return rr_error_set(err, RR_ERR_INTERNAL, "spatial3d: %zu items in one geometry", n);
    }
    geo_t *g = &ce->geo[ce->n_geo++];
    memset(g, 0, sizeof *g);
    g->kind = kind;
    g->n = n;
    g->items = items;
    g->inst = inst;
    RR_TRY(geo_index(g, err));
    switch (kind) {
    case GEO_POINTS: return upload_points(b->v->r, g, err);
    case GEO_SEGS: return rr_gfx_lines_upload(b->v->r, items, n, &g->buf, err);
    case GEO_ARROWS: return rr_gfx_arrows_upload(b->v->r, items, n, &g->buf, err);
    default: return rr_gfx_mesh_upload(b->v->r, items, n * 3, NULL, 0, &g->buf, err);
    }
}

/* Optional instance component i as a span (n = 0 when absent or unreadable). */
static span_t opt_span(build_t *b, int i, const char *leaf, int width, const char *name) {
    span_t s = {0};
    const char *why = NULL;
    if (b->found[i] && !cell_span(&b->rows[i], leaf, width, &s, &why)) {
        warn(b->v, "%s: %s: %s", b->entity->str, name, why);
        s.n = 0;
    }
    return s;
}

static rr_vec3_t span_v3(const span_t *s, int64_t i, rr_vec3_t dflt) {
    if (!s->n) return dflt;
    i = clamp_i(i, s->n);
    return rr_v3(span_f(s, 3, i, 0), span_f(s, 3, i, 1), span_f(s, 3, i, 2));
}

static rr_status_t build_points(build_t *b, rr_error_t *err) {
    span_t pos = opt_span(b, 0, "f", 3, "Points3D:positions");
    span_t radii = opt_span(b, 1, "f", 0, "Points3D:radii");
    span_t colors = opt_span(b, 2, "I", 0, "Points3D:colors");
    rr_gfx_point_t *pts = malloc((size_t)(pos.n ? pos.n : 1) * sizeof *pts);
    if (!pts) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %lld points", (long long)pos.n);
    uint32_t fallback = auto_color(b->entity);
    for (int64_t i = 0; i < pos.n; i++) {
        rr_gfx_point_t *p = &pts[i];
        for (int k = 0; k < 3; k++) p->pos[k] = span_f(&pos, 3, i, k);
        p->radius = radii.n ? span_f(&radii, 1, clamp_i(i, radii.n), 0) : DEFAULT_RADIUS;
        p->color = colors.n ? span_u32(&colors, 1, clamp_i(i, colors.n), 0) : fallback;
        rr_aabb_add_point(&b->bounds, rr_v3(p->pos[0], p->pos[1], p->pos[2]));
    }
    return emit(b, GEO_POINTS, pts, (size_t)pos.n, NULL, err);
}

static rr_status_t build_lines(build_t *b, rr_error_t *err) {
    /* LineStrip3D: list<list<fixed_size_list<f32, 3>>>; read the nested list by hand. */
    const rr_store_row_t *row = &b->rows[0];
    const rr_chunk_component_t *c = rr_store_row_component(row);
    const struct ArrowSchema *t = &c->type;
    bool ok = !strcmp(t->format, "+l") && t->n_children == 1 && !strcmp(t->children[0]->format, "+l") &&
              t->children[0]->n_children == 1 && !strcmp(t->children[0]->children[0]->format, "+w:3") &&
              t->children[0]->children[0]->n_children == 1 &&
              !strcmp(t->children[0]->children[0]->children[0]->format, "f") &&
              c->array.n_children == 1 && c->array.children[0]->n_children == 1 &&
              c->array.children[0]->children[0]->n_children == 1;
    if (!ok) {
        warn(b->v, "%s: LineStrips3D:strips: unexpected datatype", b->entity->str);
        return RR_OK;
    }
    const struct ArrowArray *inner = c->array.children[0];
    const struct ArrowArray *fsl = inner->children[0];
    const struct ArrowArray *flt = fsl->children[0];
    int64_t start, len;
    rr_store_row_values_range(row, &start, &len);
    const int32_t *offs = inner->n_buffers >= 2 ? inner->buffers[1] : NULL;
    const float *fl = flt->n_buffers >= 2 ? flt->buffers[1] : NULL;
    if (len && (!offs || !fl || start < 0 || start + len > inner->length)) {
        warn(b->v, "%s: LineStrips3D:strips: offsets out of range", b->entity->str);
        return RR_OK;
    }
    size_t n_seg = 0;
    for (int64_t j = start; j < start + len; j++) {
        int32_t o0 = offs[inner->offset + j], o1 = offs[inner->offset + j + 1];
        if (o0 < 0 || o1 < o0 || (fsl->offset + o1) * 3 > flt->length) {
            warn(b->v, "%s: LineStrips3D:strips: strip %lld out of range", b->entity->str,
                 (long long)(j - start));
            return RR_OK;
        }
        if (o1 - o0 > 1) n_seg += (size_t)(o1 - o0 - 1);
    }
    span_t radii = opt_span(b, 1, "f", 0, "LineStrips3D:radii");
    span_t colors = opt_span(b, 2, "I", 0, "LineStrips3D:colors");
    uint32_t fallback = auto_color(b->entity);
    rr_gfx_segment_t *segs = malloc((n_seg ? n_seg : 1) * sizeof *segs);
    uint32_t *inst = malloc((n_seg ? n_seg : 1) * sizeof *inst);
    if (!segs || !inst) {
        free(segs);
        free(inst);
        return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %zu line segments", n_seg);
    }
    size_t k = 0;
    for (int64_t j = start; j < start + len; j++) {
        int64_t i = j - start;
        float radius = radii.n ? span_f(&radii, 1, clamp_i(i, radii.n), 0) : DEFAULT_RADIUS;
        uint32_t color = colors.n ? span_u32(&colors, 1, clamp_i(i, colors.n), 0) : fallback;
        int32_t o0 = offs[inner->offset + j], o1 = offs[inner->offset + j + 1];
        for (int32_t p = o0; p < o1; p++) {
            const float *q = fl + flt->offset + (fsl->offset + p) * 3;
            rr_aabb_add_point(&b->bounds, rr_v3(q[0], q[1], q[2]));
            if (p + 1 >= o1) break;
            memcpy(segs[k].p0, q, 12);
            memcpy(segs[k].p1, q + 3, 12);
            segs[k].radius = radius;
            segs[k].color = color;
            inst[k] = (uint32_t)i;
            k++;
        }
    }
    return emit(b, GEO_SEGS, segs, k, inst, err);
}

/* Per-instance rotations of Boxes3D and Ellipsoids3D: rotation_axis_angles
 * (a struct {axis: [f32; 3], angle: f32}) then quaternions, as Rerun's
 * PoseRotationAxisAngle and PoseRotationQuat. */
typedef struct rotations {
    const struct ArrowArray *st, *axis, *angle;
    int64_t start, len;
    span_t quats;
} rotations_t;

static void read_rotations(build_t *b, int i_aa, int i_q, const char *arch, rotations_t *out) {
    memset(out, 0, sizeof *out);
    char name[96];
    snprintf(name, sizeof name, "%s:quaternions", arch);
    out->quats = opt_span(b, i_q, "f", 4, name);
    if (!b->found[i_aa]) return;
    const rr_chunk_component_t *c = rr_store_row_component(&b->rows[i_aa]);
    const struct ArrowSchema *item = c->type.n_children == 1 ? c->type.children[0] : NULL;
    if (item && !strcmp(item->format, "+s") && item->n_children == 2 &&
        !strcmp(item->children[0]->format, "+w:3") && !strcmp(item->children[1]->format, "f") &&
        c->array.n_children == 1 && c->array.children[0]->n_children == 2) {
        out->st = c->array.children[0];
        out->axis = out->st->children[0];
        out->angle = out->st->children[1];
        rr_store_row_values_range(&b->rows[i_aa], &out->start, &out->len);
        int64_t end = out->st->offset + out->start + out->len;
        if (out->axis->n_children != 1 || end > out->angle->length || end > out->axis->length ||
            (out->axis->offset + end) * 3 > out->axis->children[0]->length ||
            out->angle->n_buffers < 2 || !out->angle->buffers[1] ||
            out->axis->children[0]->n_buffers < 2 || !out->axis->children[0]->buffers[1])
            out->len = 0;
    }
    if (!out->len) warn(b->v, "%s: %s:rotation_axis_angles: unreadable", b->entity->str, arch);
}

static rr_mat4_t rotation_at(const rotations_t *r, int64_t i) {
    rr_mat4_t m = rr_mat4_identity();
    if (r->len) {
        int64_t k = r->st->offset + r->start + clamp_i(i, r->len);
        const float *ax = (const float *)r->axis->children[0]->buffers[1] + r->axis->children[0]->offset +
                          (r->axis->offset + k) * 3;
        float ang = ((const float *)r->angle->buffers[1])[r->angle->offset + k];
        m = rr_mat4_axis_angle(rr_v3(ax[0], ax[1], ax[2]), ang);
    }
    if (r->quats.n) {
        int64_t k = clamp_i(i, r->quats.n);
        rr_mat4_t q = rr_mat4_from_quat(span_f(&r->quats, 4, k, 0), span_f(&r->quats, 4, k, 1),
                                        span_f(&r->quats, 4, k, 2), span_f(&r->quats, 4, k, 3));
        m = rr_mat4_mul(&m, &q);
    }
    return m;
}

/* Boxes and ellipsoids join InstancePoses3D per instance (re_view_spatial
 * proc_mesh_vis): as many shapes as the longest of half sizes, centers,
 * rotations and poses, each clamped to its last value. */
static int64_t instance_count(const build_t *b, const span_t *half, const span_t *centers, const rotations_t *rot) {
    int64_t n = half->n > centers->n ? half->n : centers->n;
    if (rot->len > n) n = rot->len;
    if (rot->quats.n > n) n = rot->quats.n;
    if ((int64_t)b->n_poses > n) n = (int64_t)b->n_poses;
    return n;
}

static rr_mat4_t instance_pose(const build_t *b, int64_t i) {
    if (!b->n_poses) return rr_mat4_identity();
    return b->poses[(size_t)i < b->n_poses ? (size_t)i : b->n_poses - 1];
}

static rr_gfx_segment_t seg(rr_vec3_t a, rr_vec3_t c, float radius, uint32_t color) {
    return (rr_gfx_segment_t){{a.x, a.y, a.z}, {c.x, c.y, c.z}, radius, color};
}

/* Boxes and ellipsoids by fill mode (Rerun's FillMode): lines for the
 * wireframes, triangles for solid fills; the default transparent fill is
 * the solid one at a quarter of the colour's alpha under the major
 * wireframe (re_view_spatial proc_mesh_vis). */
typedef struct shapes {
    bool wire, solid, transparent;
    rr_gfx_segment_t *segs;
    uint32_t *seg_inst;
    rr_gfx_vertex_t *tris; /* three per triangle */
    uint32_t *tri_inst;
    size_t n_segs, n_tris;
} shapes_t;

static rr_status_t shapes_init(shapes_t *s, const span_t *fill, int64_t n, size_t segs_per, size_t tris_per,
                               rr_error_t *err) {
    memset(s, 0, sizeof *s);
    int mode = fill->n ? fill->p[0] : FILL_MODE_TRANSPARENT;
    if (mode < FILL_MODE_MAJOR || mode > FILL_MODE_TRANSPARENT) mode = FILL_MODE_TRANSPARENT;
    s->wire = mode != FILL_MODE_SOLID;
    s->solid = mode == FILL_MODE_SOLID || mode == FILL_MODE_TRANSPARENT;
    s->transparent = mode == FILL_MODE_TRANSPARENT;
    size_t m = (size_t)(n ? n : 1);
    if (s->wire) {
        s->segs = malloc(m * segs_per * sizeof *s->segs);
        s->seg_inst = malloc(m * segs_per * sizeof *s->seg_inst);
    }
    if (s->solid) {
        s->tris = malloc(m * tris_per * 3 * sizeof *s->tris);
        s->tri_inst = malloc(m * tris_per * sizeof *s->tri_inst);
    }
    if ((s->wire && (!s->segs || !s->seg_inst)) || (s->solid && (!s->tris || !s->tri_inst))) {
        free(s->segs);
        free(s->seg_inst);
        free(s->tris);
        free(s->tri_inst);
        return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %lld shapes", (long long)n);
    }
    return RR_OK;
}

static void shapes_seg(shapes_t *s, rr_vec3_t a, rr_vec3_t c, float radius, uint32_t color, int64_t inst) {
    s->segs[s->n_segs] = (rr_gfx_segment_t){{a.x, a.y, a.z}, {c.x, c.y, c.z}, radius, color};
    s->seg_inst[s->n_segs++] = (uint32_t)inst;
}

static void shapes_tri(shapes_t *s, const rr_vec3_t p[3], const rr_vec3_t *nrm, uint32_t color, int64_t inst) {
    if (s->transparent) color = (color & 0xffffff00u) | ((color & 0xffu) / 4);
    for (int k = 0; k < 3; k++) {
        rr_gfx_vertex_t *o = &s->tris[s->n_tris * 3 + (size_t)k];
        *o = (rr_gfx_vertex_t){{p[k].x, p[k].y, p[k].z}, {0, 0, 0}, color};
        if (nrm) o->normal[0] = nrm[k].x, o->normal[1] = nrm[k].y, o->normal[2] = nrm[k].z;
    }
    s->tri_inst[s->n_tris++] = (uint32_t)inst;
}

/* Fill first: a failure frees whatever was not handed over yet. */
static rr_status_t shapes_emit(build_t *b, shapes_t *s, rr_error_t *err) {
    rr_status_t st = RR_OK;
    if (s->solid) {
        st = emit(b, GEO_TRIS, s->tris, s->n_tris, s->tri_inst, err);
        if (st == RR_OK) b->ce->geo[b->ce->n_geo - 1].transparent = s->transparent;
    }
    if (!s->wire) return st;
    if (st != RR_OK) {
        free(s->segs);
        free(s->seg_inst);
        return st;
    }
    return emit(b, GEO_SEGS, s->segs, s->n_segs, s->seg_inst, err);
}

static rr_status_t build_boxes(build_t *b, rr_error_t *err) {
    span_t half = opt_span(b, 0, "f", 3, "Boxes3D:half_sizes");
    span_t centers = opt_span(b, 1, "f", 3, "Boxes3D:centers");
    span_t colors = opt_span(b, 4, "I", 0, "Boxes3D:colors");
    span_t radii = opt_span(b, 5, "f", 0, "Boxes3D:radii");
    span_t fill = opt_span(b, 6, "C", 0, "Boxes3D:fill_mode");
    rotations_t rot;
    read_rotations(b, 2, 3, "Boxes3D", &rot);
    int64_t n = instance_count(b, &half, &centers, &rot);
    uint32_t fallback = auto_color(b->entity);
    shapes_t sh;
    RR_TRY(shapes_init(&sh, &fill, n, 12, 12, err));
    static const int faces[6][4] = {{0, 1, 3, 2}, {4, 6, 7, 5}, {0, 4, 5, 1},
                                    {2, 3, 7, 6}, {0, 2, 6, 4}, {1, 5, 7, 3}};
    static const int edges[12][2] = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {0, 2}, {1, 3},
                                     {4, 6}, {5, 7}, {0, 4}, {1, 5}, {2, 6}, {3, 7}};
    for (int64_t i = 0; i < n; i++) {
        rr_vec3_t h = span_v3(&half, i, rr_v3(0, 0, 0));
        rr_mat4_t m = instance_pose(b, i), tr = rr_mat4_translation(span_v3(&centers, i, rr_v3(0, 0, 0)));
        rr_mat4_t r = rotation_at(&rot, i);
        m = rr_mat4_mul(&m, &tr);
        m = rr_mat4_mul(&m, &r);
        rr_vec3_t corner[8];
        for (int c = 0; c < 8; c++) {
            corner[c] = rr_mat4_point(&m, rr_v3(c & 1 ? h.x : -h.x, c & 2 ? h.y : -h.y, c & 4 ? h.z : -h.z));
            rr_aabb_add_point(&b->bounds, corner[c]);
        }
        uint32_t color = colors.n ? span_u32(&colors, 1, clamp_i(i, colors.n), 0) : fallback;
        if (sh.solid)
            for (int f = 0; f < 6; f++) { /* flat shaded: no normals */
                rr_vec3_t t0[3] = {corner[faces[f][0]], corner[faces[f][1]], corner[faces[f][2]]};
                rr_vec3_t t1[3] = {corner[faces[f][0]], corner[faces[f][2]], corner[faces[f][3]]};
                shapes_tri(&sh, t0, NULL, color, i);
                shapes_tri(&sh, t1, NULL, color, i);
            }
        if (sh.wire) {
            float radius = radii.n ? span_f(&radii, 1, clamp_i(i, radii.n), 0) : DEFAULT_BOX_LINE_RADIUS;
            for (int e = 0; e < 12; e++) shapes_seg(&sh, corner[edges[e][0]], corner[edges[e][1]], radius, color, i);
        }
    }
    return shapes_emit(b, &sh, err);
}

static rr_status_t build_arrows(build_t *b, rr_error_t *err) {
    span_t vec = opt_span(b, 0, "f", 3, "Arrows3D:vectors");
    span_t origins = opt_span(b, 1, "f", 3, "Arrows3D:origins");
    span_t radii = opt_span(b, 2, "f", 0, "Arrows3D:radii");
    span_t colors = opt_span(b, 3, "I", 0, "Arrows3D:colors");
    rr_gfx_segment_t *segs = malloc((size_t)(vec.n ? vec.n : 1) * sizeof *segs);
    if (!segs) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %lld arrows", (long long)vec.n);
    uint32_t fallback = auto_color(b->entity);
    for (int64_t i = 0; i < vec.n; i++) {
        rr_vec3_t o = span_v3(&origins, i, rr_v3(0, 0, 0));
        rr_vec3_t tip = rr_v3_add(o, span_v3(&vec, i, rr_v3(0, 0, 0)));
        float radius = radii.n ? span_f(&radii, 1, clamp_i(i, radii.n), 0) : DEFAULT_RADIUS;
        uint32_t color = colors.n ? span_u32(&colors, 1, clamp_i(i, colors.n), 0) : fallback;
        segs[i] = seg(o, tip, radius, color);
        rr_aabb_add_point(&b->bounds, o);
        rr_aabb_add_point(&b->bounds, tip);
    }
    return emit(b, GEO_ARROWS, segs, (size_t)vec.n, NULL, err);
}

/* Ellipsoid outlines on the unit sphere: Rerun's major wireframe is the
 * three axis-aligned cross-sections; the dense one is drawn here as
 * latitude and longitude circles. */
#define CIRCLE_SEGS 64
#define DENSE_LATS 7   /* circles of latitude between the poles */
#define DENSE_LONS 12  /* half-circles of longitude */
#define SPHERE_STACKS 16
#define SPHERE_SLICES 32

static rr_vec3_t sphere_at(float lat, float lon) { /* radians; z is the pole */
    return rr_v3(cosf(lat) * cosf(lon), cosf(lat) * sinf(lon), sinf(lat));
}

static rr_status_t build_ellipsoids(build_t *b, rr_error_t *err) {
    span_t half = opt_span(b, 0, "f", 3, "Ellipsoids3D:half_sizes");
    span_t centers = opt_span(b, 1, "f", 3, "Ellipsoids3D:centers");
    span_t colors = opt_span(b, 4, "I", 0, "Ellipsoids3D:colors");
    span_t radii = opt_span(b, 5, "f", 0, "Ellipsoids3D:line_radii");
    span_t fill = opt_span(b, 6, "C", 0, "Ellipsoids3D:fill_mode");
    rotations_t rot;
    read_rotations(b, 2, 3, "Ellipsoids3D", &rot);
    int64_t n = instance_count(b, &half, &centers, &rot);
    bool dense = fill.n && fill.p[0] == FILL_MODE_DENSE;
    int circles = dense ? DENSE_LATS + DENSE_LONS : 3;
    shapes_t sh;
    RR_TRY(shapes_init(&sh, &fill, n, (size_t)circles * CIRCLE_SEGS, 2 * SPHERE_STACKS * SPHERE_SLICES, err));
    uint32_t fallback = auto_color(b->entity);
    const float pi = 3.14159265358979f;
    for (int64_t i = 0; i < n; i++) {
        rr_vec3_t h = span_v3(&half, i, rr_v3(0, 0, 0));
        rr_mat4_t m = instance_pose(b, i), tr = rr_mat4_translation(span_v3(&centers, i, rr_v3(0, 0, 0)));
        rr_mat4_t r = rotation_at(&rot, i);
        m = rr_mat4_mul(&m, &tr);
        m = rr_mat4_mul(&m, &r);
        rr_mat4_t s = rr_mat4_scale(h);
        rr_mat4_t ms = rr_mat4_mul(&m, &s);
        for (int c = 0; c < 8; c++)
            rr_aabb_add_point(&b->bounds, rr_mat4_point(&m, rr_v3(c & 1 ? h.x : -h.x, c & 2 ? h.y : -h.y,
                                                                   c & 4 ? h.z : -h.z)));
        uint32_t color = colors.n ? span_u32(&colors, 1, clamp_i(i, colors.n), 0) : fallback;
        if (sh.solid)
            for (int a = 0; a < SPHERE_STACKS; a++)
                for (int o = 0; o < SPHERE_SLICES; o++) {
                    float la0 = -pi / 2 + pi * (float)a / SPHERE_STACKS, la1 = -pi / 2 + pi * (float)(a + 1) / SPHERE_STACKS;
                    float lo0 = 2 * pi * (float)o / SPHERE_SLICES, lo1 = 2 * pi * (float)(o + 1) / SPHERE_SLICES;
                    rr_vec3_t q[6] = {sphere_at(la0, lo0), sphere_at(la0, lo1), sphere_at(la1, lo1),
                                      sphere_at(la0, lo0), sphere_at(la1, lo1), sphere_at(la1, lo0)};
                    rr_vec3_t p[6], nr[6];
                    for (int t = 0; t < 6; t++) {
                        p[t] = rr_mat4_point(&ms, q[t]);
                        /* The ellipsoid's normal: the sphere's divided by the half sizes, then turned. */
                        rr_vec3_t nn = rr_v3(h.x != 0 ? q[t].x / h.x : 0, h.y != 0 ? q[t].y / h.y : 0,
                                             h.z != 0 ? q[t].z / h.z : 0);
                        nr[t] = rr_v3_norm(rr_v3_sub(rr_mat4_point(&r, nn), rr_mat4_point(&r, rr_v3(0, 0, 0))));
                    }
                    shapes_tri(&sh, p, nr, color, i);
                    shapes_tri(&sh, p + 3, nr + 3, color, i);
                }
        if (sh.wire) {
            float radius = radii.n ? span_f(&radii, 1, clamp_i(i, radii.n), 0) : DEFAULT_BOX_LINE_RADIUS;
            for (int c = 0; c < circles; c++)
                for (int j = 0; j < CIRCLE_SEGS; j++) {
                    float a0 = 2 * pi * (float)j / CIRCLE_SEGS, a1 = 2 * pi * (float)(j + 1) / CIRCLE_SEGS;
                    rr_vec3_t p0, p1;
                    if (!dense) { /* the cross-sections in the XY, YZ and ZX planes */
                        float u0 = cosf(a0), v0 = sinf(a0), u1 = cosf(a1), v1 = sinf(a1);
                        p0 = c == 0 ? rr_v3(u0, v0, 0) : c == 1 ? rr_v3(0, u0, v0) : rr_v3(v0, 0, u0);
                        p1 = c == 0 ? rr_v3(u1, v1, 0) : c == 1 ? rr_v3(0, u1, v1) : rr_v3(v1, 0, u1);
                    } else if (c < DENSE_LATS) {
                        float lat = -pi / 2 + pi * (float)(c + 1) / (DENSE_LATS + 1);
                        p0 = sphere_at(lat, a0);
                        p1 = sphere_at(lat, a1);
                    } else { /* a half-circle of longitude, pole to pole */
                        float lon = 2 * pi * (float)(c - DENSE_LATS) / DENSE_LONS;
                        p0 = sphere_at(-pi / 2 + a0 / 2, lon);
                        p1 = sphere_at(-pi / 2 + a1 / 2, lon);
                    }
                    shapes_seg(&sh, rr_mat4_point(&ms, p0), rr_mat4_point(&ms, p1), radius, color, i);
                }
        }
    }
    return shapes_emit(b, &sh, err);
}

static rr_status_t build_mesh(build_t *b, rr_error_t *err) {
    span_t pos = opt_span(b, 0, "f", 3, "Mesh3D:vertex_positions");
    span_t idx = opt_span(b, 1, "I", 3, "Mesh3D:triangle_indices");
    span_t nrm = opt_span(b, 2, "f", 3, "Mesh3D:vertex_normals");
    span_t colors = opt_span(b, 3, "I", 0, "Mesh3D:vertex_colors");
    span_t albedo = opt_span(b, 4, "I", 0, "Mesh3D:albedo_factor");
    uint32_t base = albedo.n ? span_u32(&albedo, 1, 0, 0) : auto_color(b->entity);
    /* Without indices every three vertices make a triangle (a rest is dropped). */
    size_t n_tri = idx.n ? (size_t)idx.n : (size_t)pos.n / 3;
    for (size_t t = 0; idx.n && t < n_tri; t++)
        for (int k = 0; k < 3; k++) {
            uint32_t j = span_u32(&idx, 3, (int64_t)t, k);
            if ((int64_t)j >= pos.n) {
                warn(b->v, "%s: Mesh3D: triangle %zu index %u is past the %lld vertices", b->entity->str,
                     t, (unsigned)j, (long long)pos.n);
                return RR_OK;
            }
        }
    /* Expanded to three vertices per triangle: the pick index and the
     * highlight pass read triangles one by one. */
    rr_gfx_vertex_t *vx = malloc((n_tri ? n_tri : 1) * 3 * sizeof *vx);
    if (!vx) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %zu mesh triangles", n_tri);
    for (size_t t = 0; t < n_tri; t++)
        for (int k = 0; k < 3; k++) {
            int64_t i = idx.n ? (int64_t)span_u32(&idx, 3, (int64_t)t, k) : (int64_t)(t * 3 + (size_t)k);
            rr_gfx_vertex_t *o = &vx[t * 3 + (size_t)k];
            for (int c = 0; c < 3; c++) {
                o->pos[c] = span_f(&pos, 3, i, c);
                o->normal[c] = nrm.n == pos.n ? span_f(&nrm, 3, i, c) : 0.0f;
            }
            o->color = colors.n ? span_u32(&colors, 1, clamp_i(i, colors.n), 0) : base;
        }
    for (int64_t i = 0; i < pos.n; i++)
        rr_aabb_add_point(&b->bounds, rr_v3(span_f(&pos, 3, i, 0), span_f(&pos, 3, i, 1), span_f(&pos, 3, i, 2)));
    /* A mesh is one instance, and Rerun picks it as the whole entity. */
    uint32_t *inst = calloc(n_tri ? n_tri : 1, sizeof *inst);
    if (!inst) {
        free(vx);
        return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %zu mesh triangles", n_tri);
    }
    RR_TRY(emit(b, GEO_TRIS, vx, n_tri, inst, err));
    b->ce->geo[b->ce->n_geo - 1].whole = true;
    return RR_OK;
}

/* The frustum of a Pinhole as Rerun's cameras visualizer draws it, at an
 * image plane distance of 1 (the model matrix scales it to the real one):
 * the image rectangle joined to the camera's centre, and a small triangle
 * above the image's top edge showing which way is up. In the camera's RDF
 * frame; the model matrix turns it into the camera_xyz one. */
static rr_status_t build_pinhole(build_t *b, rr_error_t *err) {
    span_t k = opt_span(b, 0, "f", 9, "Pinhole:image_from_camera");
    span_t res = opt_span(b, 1, "f", 2, "Pinhole:resolution");
    span_t colors = opt_span(b, 2, "I", 0, "Pinhole:color");
    span_t widths = opt_span(b, 3, "f", 0, "Pinhole:line_width");
    if (k.n < 1) return RR_OK;
    float m3[9];
    for (int i = 0; i < 9; i++) m3[i] = span_f(&k, 9, 0, i);
    rr_mat4_t image_from_camera = rr_mat4_from_mat3(m3), camera_from_image;
    if (!rr_mat4_invert(&image_from_camera, &camera_from_image)) {
        warn(b->v, "%s: Pinhole:image_from_camera cannot be inverted", b->entity->str);
        return RR_OK;
    }
    /* Without a resolution, twice the principal point. */
    float w = res.n ? span_f(&res, 2, 0, 0) : 2.0f * m3[6];
    float h = res.n ? span_f(&res, 2, 0, 1) : 2.0f * m3[7];
    if (!isfinite(w) || !isfinite(h) || w <= 0 || h <= 0) {
        warn(b->v, "%s: Pinhole: invalid resolution %gx%g", b->entity->str, (double)w, (double)h);
        return RR_OK;
    }
#define UNPROJECT(u, v) rr_mat4_point(&camera_from_image, rr_v3((u), (v), 1.0f))
    rr_vec3_t c[4] = {UNPROJECT(0, 0), UNPROJECT(0, h), UNPROJECT(w, h), UNPROJECT(w, 0)};
    rr_vec3_t up[3] = {UNPROJECT(0.4f * w, 0), UNPROJECT(0.5f * w, -0.1f * w), UNPROJECT(0.6f * w, 0)};
#undef UNPROJECT
    rr_vec3_t zero = rr_v3(0, 0, 0);
    rr_vec3_t strip[9] = {c[0], c[1], zero, c[2], c[3], zero, c[0], c[3], zero};
    float radius = widths.n ? span_f(&widths, 1, 0, 0) : DEFAULT_FRUSTUM_LINE_RADIUS;
    if (radius > 0 && b->plane_dist > 0) radius /= b->plane_dist; /* undone by the model's scale */
    uint32_t color = colors.n ? span_u32(&colors, 1, 0, 0) : FRUSTUM_COLOR;
    rr_gfx_segment_t *segs = malloc(11 * sizeof *segs);
    uint32_t *inst = calloc(11, sizeof *inst);
    if (!segs || !inst) {
        free(segs);
        free(inst);
        return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: frustum");
    }
    size_t n = 0;
    for (int i = 0; i + 1 < 9; i++) segs[n++] = seg(strip[i], strip[i + 1], radius, color);
    segs[n++] = seg(c[1], c[2], radius, color);
    segs[n++] = seg(up[0], up[1], radius, color);
    segs[n++] = seg(up[1], up[2], radius, color);
    for (int i = 0; i < 4; i++) rr_aabb_add_point(&b->bounds, c[i]);
    rr_aabb_add_point(&b->bounds, zero);
    return emit(b, GEO_SEGS, segs, n, inst, err);
}

typedef struct archetype_desc {
    int kind;
    const char *name;
    const char *const *components; /* [0] is the primary (required) one */
    size_t n;
    rr_status_t (*build)(build_t *b, rr_error_t *err);
} archetype_desc_t;

static const char *const points_components[] = {"Points3D:positions", "Points3D:radii", "Points3D:colors"};
static const char *const lines_components[] = {"LineStrips3D:strips", "LineStrips3D:radii",
                                               "LineStrips3D:colors"};
static const char *const boxes_components[] = {"Boxes3D:half_sizes", "Boxes3D:centers",
                                               "Boxes3D:rotation_axis_angles", "Boxes3D:quaternions",
                                               "Boxes3D:colors", "Boxes3D:radii", "Boxes3D:fill_mode"};
static const char *const mesh_components[] = {"Mesh3D:vertex_positions", "Mesh3D:triangle_indices",
                                              "Mesh3D:vertex_normals", "Mesh3D:vertex_colors",
                                              "Mesh3D:albedo_factor"};
static const char *const arrows_components[] = {"Arrows3D:vectors", "Arrows3D:origins", "Arrows3D:radii",
                                                "Arrows3D:colors"};
static const char *const ellipsoids_components[] = {
    "Ellipsoids3D:half_sizes", "Ellipsoids3D:centers", "Ellipsoids3D:rotation_axis_angles",
    "Ellipsoids3D:quaternions", "Ellipsoids3D:colors", "Ellipsoids3D:line_radii", "Ellipsoids3D:fill_mode"};
/* image_plane_distance and camera_xyz shape the model matrix, not the geometry. */
static const char *const pinhole_components[] = {"Pinhole:image_from_camera", "Pinhole:resolution",
                                                 "Pinhole:color", "Pinhole:line_width",
                                                 "Pinhole:image_plane_distance", "Pinhole:camera_xyz"};

static const archetype_desc_t archetypes[] = {
    {VIS_POINTS, "Points3D", points_components, 3, build_points},
    {VIS_LINES, "LineStrips3D", lines_components, 3, build_lines},
    {VIS_BOXES, "Boxes3D", boxes_components, 7, build_boxes},
    {VIS_MESH, "Mesh3D", mesh_components, 5, build_mesh},
    {VIS_ARROWS, "Arrows3D", arrows_components, 4, build_arrows},
    {VIS_ELLIPSOIDS, "Ellipsoids3D", ellipsoids_components, 7, build_ellipsoids},
    {VIS_PINHOLE, "Pinhole", pinhole_components, 6, build_pinhole},
};
#define N_ARCHETYPES (sizeof archetypes / sizeof archetypes[0])
#define PINHOLE_DESC (&archetypes[N_ARCHETYPES - 1])

#define MAX_COMPONENTS 8

/* ---------------- transforms ---------------- */

static bool read_floats(rr_spatial3d_t *v, const rr_entity_path_t *e, const rr_store_row_t *row,
                        int width, float *out, const char *name) {
    span_t s;
    const char *why = NULL;
    if (!cell_span(row, "f", width, &s, &why)) {
        warn(v, "%s: %s: %s", e->str, name, why);
        return false;
    }
    if (s.n < 1) return false; /* an empty cell: cleared */
    memcpy(out, s.p, (size_t)width * 4);
    return true;
}

/* The entity's Transform3D as parent_from_entity. Only the components of the
 * latest log call count: any update resets the fields it does not set. */
static rr_mat4_t local_transform(rr_spatial3d_t *v, const rr_entity_path_t *e, const char *timeline,
                                 int64_t t) {
    static const char *const comps[6] = {"Transform3D:translation", "Transform3D:rotation_axis_angle",
                                         "Transform3D:quaternion",  "Transform3D:scale",
                                         "Transform3D:mat3x3",      "Transform3D:relation"};
    rr_store_row_t rows[6];
    bool found[6];
    rr_store_query_latest_at(v->store, e, timeline, t, comps, 6, rows, found);
    int latest = -1;
    for (int i = 0; i < 6; i++) {
        if (!found[i]) continue;
        if (latest < 0 || rows[i].time > rows[latest].time ||
            (rows[i].time == rows[latest].time &&
             (rows[i].row_id.time_ns > rows[latest].row_id.time_ns ||
              (rows[i].row_id.time_ns == rows[latest].row_id.time_ns &&
               rows[i].row_id.inc > rows[latest].row_id.inc))))
            latest = i;
    }
    rr_mat4_t m = rr_mat4_identity();
    if (latest < 0) return m;
    for (int i = 0; i < 6; i++)
        found[i] = found[i] && rows[i].time == rows[latest].time &&
                   rows[i].row_id.time_ns == rows[latest].row_id.time_ns &&
                   rows[i].row_id.inc == rows[latest].row_id.inc;
    float f[9];
    /* Applied in the reverse of the listed order: mat3x3 first, translation last. */
    if (found[0] && read_floats(v, e, &rows[0], 3, f, comps[0])) m = rr_mat4_translation(rr_v3(f[0], f[1], f[2]));
    if (found[1]) {
        const rr_chunk_component_t *c = rr_store_row_component(&rows[1]);
        const struct ArrowSchema *item = c->type.n_children == 1 ? c->type.children[0] : NULL;
        int64_t start, len;
        rr_store_row_values_range(&rows[1], &start, &len);
        if (item && !strcmp(item->format, "+s") && item->n_children == 2 && len > 0 &&
            c->array.n_children == 1 && c->array.children[0]->n_children == 2) {
            const struct ArrowArray *st = c->array.children[0];
            const struct ArrowArray *axis = st->children[0], *ang = st->children[1];
            int64_t k = st->offset + start;
            if (axis->n_children == 1 && k < axis->length && k < ang->length && ang->buffers[1] &&
                axis->children[0]->buffers[1] && (axis->offset + k + 1) * 3 <= axis->children[0]->length) {
                const float *a = (const float *)axis->children[0]->buffers[1] + axis->children[0]->offset +
                                 (axis->offset + k) * 3;
                float angle = ((const float *)ang->buffers[1])[ang->offset + k];
                rr_mat4_t r = rr_mat4_axis_angle(rr_v3(a[0], a[1], a[2]), angle);
                m = rr_mat4_mul(&m, &r);
            }
        }
    }
    if (found[2] && read_floats(v, e, &rows[2], 4, f, comps[2])) {
        rr_mat4_t q = rr_mat4_from_quat(f[0], f[1], f[2], f[3]);
        m = rr_mat4_mul(&m, &q);
    }
    if (found[3] && read_floats(v, e, &rows[3], 3, f, comps[3])) {
        rr_mat4_t s = rr_mat4_scale(rr_v3(f[0], f[1], f[2]));
        m = rr_mat4_mul(&m, &s);
    }
    if (found[4] && read_floats(v, e, &rows[4], 9, f, comps[4])) {
        rr_mat4_t m3 = rr_mat4_from_mat3(f);
        m = rr_mat4_mul(&m, &m3);
    }
    if (found[5]) {
        span_t s;
        const char *why = NULL;
        if (cell_span(&rows[5], "C", 0, &s, &why) && s.n > 0 && s.p[0] == RELATION_CHILD_FROM_PARENT) {
            rr_mat4_t inv;
            if (rr_mat4_invert(&m, &inv)) m = inv;
            else warn(v, "%s: Transform3D: a child-from-parent transform that cannot be inverted", e->str);
        }
    }
    return m;
}

/* Index of entity in the store's sorted entity list, or -1. */
static long find_entity(const rr_store_t *s, const rr_entity_path_t *e) {
    size_t lo = 0, hi = rr_store_num_entities(s);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = rr_entity_path_cmp(rr_store_entity(s, mid), e);
        if (c == 0) return (long)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

/* World transform of entity i, given those of the entities before it (a
 * parent sorts before its children). */
static rr_status_t world_of(rr_spatial3d_t *v, size_t i, const char *timeline, int64_t t, rr_error_t *err) {
    const rr_entity_path_t *e = rr_store_entity(v->store, i);
    rr_mat4_t parent = rr_mat4_identity();
    rr_entity_path_t cur = {0}, up = {0};
    rr_status_t st = rr_entity_path_copy(e, &cur, err);
    while (st == RR_OK && cur.n_parts > 0) {
        st = rr_entity_path_parent(&cur, &up, err);
        rr_entity_path_free(&cur);
        cur = up;
        memset(&up, 0, sizeof up);
        if (st != RR_OK) break;
        long j = find_entity(v->store, &cur);
        if (j >= 0 && (size_t)j < i) {
            parent = v->world[j];
            break;
        }
    }
    rr_entity_path_free(&cur);
    if (st != RR_OK) return st;
    rr_mat4_t local = local_transform(v, e, timeline, t);
    v->world[i] = rr_mat4_mul(&parent, &local);
    return RR_OK;
}

/* ViewCoordinates (Rerun's ViewDir codes: Up 1, Down 2, Right 3, Left 4,
 * Forward 5, Back 6) of an entity, false when it has none. */
static bool view_coordinates(rr_spatial3d_t *v, const rr_entity_path_t *e, const char *comp,
                             const char *timeline, int64_t t, uint8_t out[3]) {
    rr_store_row_t row;
    bool found = false;
    rr_store_query_latest_at(v->store, e, timeline, t, &comp, 1, &row, &found);
    span_t s;
    const char *why = NULL;
    if (!found || !cell_span(&row, "C", 3, &s, &why) || s.n < 1) return false;
    memcpy(out, s.p, 3);
    return true;
}

/* The scene's up: ViewCoordinates at the origin, else at the root, else at
 * a top-level entity; +Z without any. */
static void find_up(rr_spatial3d_t *v, const char *timeline, int64_t t) {
    v->up = rr_v3(0, 0, 1);
    uint8_t c[3];
    bool found = v->has_origin && view_coordinates(v, &v->origin, "ViewCoordinates:xyz", timeline, t, c);
    size_t n = rr_store_num_entities(v->store);
    for (size_t i = 0; i < n && !found; i++) {
        const rr_entity_path_t *e = rr_store_entity(v->store, i);
        if (e->n_parts <= 1) found = view_coordinates(v, e, "ViewCoordinates:xyz", timeline, t, c);
    }
    if (!found) return;
    for (int k = 0; k < 3; k++) {
        float sign = c[k] == 1 ? 1.0f : c[k] == 2 ? -1.0f : 0.0f;
        if (sign != 0) {
            v->up = rr_v3(k == 0 ? sign : 0, k == 1 ? sign : 0, k == 2 ? sign : 0);
            return;
        }
    }
}

/* The rotation taking RDF coordinates (x right, y down, z forward) into
 * those of codes (Rerun's ViewCoordinates::from_rdf); identity when codes
 * do not name three distinct axes. */
static rr_mat4_t from_rdf(const uint8_t codes[3]) {
    static const float dirs[7][3] = {{0, 0, 0}, {0, -1, 0}, {0, 1, 0}, {1, 0, 0}, {-1, 0, 0}, {0, 0, 1}, {0, 0, -1}};
    rr_mat4_t m = rr_mat4_identity();
    int used = 0;
    for (int k = 0; k < 3; k++) {
        if (codes[k] < 1 || codes[k] > 6) return rr_mat4_identity();
        used |= 1 << ((codes[k] - 1) / 2);
        for (int c = 0; c < 3; c++) m.m[c * 4 + k] = dirs[codes[k]][c]; /* row k */
    }
    return used == 7 ? m : rr_mat4_identity();
}

/* ---------------- frames ---------------- */

static rr_status_t push_draw(rr_spatial3d_t *v, const geo_t *g, const rr_mat4_t *model, size_t name,
                             const char *archetype, rr_error_t *err) {
    if (v->n_draws == v->cap_draws) {
        size_t cap = v->cap_draws ? v->cap_draws * 2 : 64;
        drawable_t *d = realloc(v->draws, cap * sizeof *d);
        if (!d) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: out of memory");
        v->draws = d;
        v->cap_draws = cap;
    }
    v->draws[v->n_draws++] = (drawable_t){g, *model, name, archetype};
    return RR_OK;
}

static rr_status_t push_name(rr_spatial3d_t *v, const char *s, size_t *out, rr_error_t *err) {
    size_t len = strlen(s) + 1;
    if (v->n_names + len > v->cap_names) {
        size_t cap = v->cap_names ? v->cap_names : 1024;
        while (cap < v->n_names + len) cap *= 2;
        char *p = realloc(v->names, cap);
        if (!p) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: out of memory");
        v->names = p;
        v->cap_names = cap;
    }
    memcpy(v->names + v->n_names, s, len);
    *out = v->n_names;
    v->n_names += len;
    return RR_OK;
}

static bool visible(const rr_spatial3d_t *v, const rr_entity_path_t *e) {
    if (v->has_origin && !(v->subtree ? rr_entity_path_starts_with(e, &v->origin)
                                      : rr_entity_path_equal(e, &v->origin)))
        return false;
    for (size_t i = 0; i < v->n_hidden; i++)
        if (rr_entity_path_starts_with(e, &v->hidden[i])) return false;
    return true;
}

/* The cached geometry of one archetype at one entity (built when missing
 * or when its secondary cells changed), queued to draw with model. */
static rr_status_t use_entry(rr_spatial3d_t *v, const rr_entity_path_t *e, const archetype_desc_t *d,
                             const rr_store_row_t *rows, const bool *found, uint64_t extra,
                             const rr_mat4_t *model, float plane_dist, bool add_bounds, bool with_poses,
                             rr_error_t *err) {
    uint64_t key2 = extra;
    for (size_t k = 1; k < d->n; k++) key2 = key2 * 31 + row_key(&rows[k], found[k]);
    cache_entry_t *ce = cache_find(v, rows[0].chunk->id, rows[0].row, d->kind);
    if (ce && ce->built && ce->key2 != key2) entry_clear(v, ce); /* a colour or radius changed */
    if (!ce) {
        ce = cache_insert(v, rows[0].chunk->id, rows[0].row, d->kind);
        if (!ce) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: out of memory");
    }
    if (!ce->built) {
        build_t b = {v, e, rows, found, rr_aabb_empty(), ce, plane_dist, with_poses ? v->poses : NULL,
                     with_poses ? v->n_poses : 0};
        rr_status_t st = d->build(&b, err);
        if (st != RR_OK) {
            entry_clear(v, ce);
            return rr_error_prefix(err, "%s: ", e->str);
        }
        ce->built = true;
        ce->key2 = key2;
        ce->bounds = b.bounds;
    }
    if (!ce->n_geo) return RR_OK;
    if (v->n_draws == 0 || strcmp(v->names + v->draws[v->n_draws - 1].name, e->str) ||
        v->draws[v->n_draws - 1].archetype != d->name)
        v->n_things++;
    if (add_bounds && !rr_aabb_is_empty(&ce->bounds)) {
        rr_aabb_t wb = rr_aabb_transform(&ce->bounds, model);
        rr_aabb_add_box(&v->bounds, &wb);
    }
    size_t name = 0;
    RR_TRY(push_name(v, e->str, &name, err));
    for (int g = 0; g < ce->n_geo; g++) RR_TRY(push_draw(v, &ce->geo[g], model, name, d->name, err));
    return RR_OK;
}

/* InstancePoses3D at an entity (re_tf): pose i is translation *
 * rotation_axis_angle * quaternion * scale * mat3x3, each component clamped
 * to its last value; as many poses as the longest component. *key names
 * the cells they came from (0: none). */
static const char *const poses_components[5] = {
    "InstancePoses3D:translations", "InstancePoses3D:rotation_axis_angles", "InstancePoses3D:quaternions",
    "InstancePoses3D:scales", "InstancePoses3D:mat3x3"};

static rr_status_t read_poses(rr_spatial3d_t *v, const rr_entity_path_t *e, const char *timeline, int64_t t,
                              uint64_t *key, rr_error_t *err) {
    v->n_poses = 0;
    *key = 0;
    rr_store_row_t rows[5];
    bool found[5];
    rr_store_query_latest_at(v->store, e, timeline, t, poses_components, 5, rows, found);
    if (!found[0] && !found[1] && !found[2] && !found[3] && !found[4]) return RR_OK;
    build_t b = {v, e, rows, found, rr_aabb_empty(), NULL, 0, NULL, 0};
    span_t tr = opt_span(&b, 0, "f", 3, "InstancePoses3D:translations");
    span_t sc = opt_span(&b, 3, "f", 3, "InstancePoses3D:scales");
    span_t m3 = opt_span(&b, 4, "f", 9, "InstancePoses3D:mat3x3");
    rotations_t rot;
    read_rotations(&b, 1, 2, "InstancePoses3D", &rot);
    int64_t n = tr.n;
    if (rot.len > n) n = rot.len;
    if (rot.quats.n > n) n = rot.quats.n;
    if (sc.n > n) n = sc.n;
    if (m3.n > n) n = m3.n;
    for (int k = 0; k < 5; k++) *key = *key * 31 + row_key(&rows[k], found[k]);
    if ((size_t)n > v->cap_poses) {
        rr_mat4_t *p = realloc(v->poses, (size_t)n * sizeof *p);
        if (!p) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %lld instance poses", (long long)n);
        v->poses = p;
        v->cap_poses = (size_t)n;
    }
    for (int64_t i = 0; i < n; i++) {
        rr_mat4_t m = rr_mat4_translation(span_v3(&tr, i, rr_v3(0, 0, 0)));
        rr_mat4_t r = rotation_at(&rot, i);
        m = rr_mat4_mul(&m, &r);
        if (sc.n) {
            rr_mat4_t s = rr_mat4_scale(span_v3(&sc, i, rr_v3(1, 1, 1)));
            m = rr_mat4_mul(&m, &s);
        }
        if (m3.n) {
            float f[9];
            for (int k = 0; k < 9; k++) f[k] = span_f(&m3, 9, clamp_i(i, m3.n), k);
            rr_mat4_t mm = rr_mat4_from_mat3(f);
            m = rr_mat4_mul(&m, &mm);
        }
        v->poses[i] = m;
    }
    v->n_poses = (size_t)n;
    return RR_OK;
}

/* One archetype at an entity with its InstancePoses3D, as Rerun's
 * visualizers take them: points and meshes drawn once per pose, boxes and
 * ellipsoids posed instance by instance, lines and arrows by the first
 * pose only (Rerun wants a single transform there). */
static rr_status_t draw_with_poses(rr_spatial3d_t *v, const rr_entity_path_t *e, const archetype_desc_t *d,
                                   const rr_store_row_t *rows, const bool *found, const rr_mat4_t *model,
                                   uint64_t poses_key, rr_error_t *err) {
    if (!v->n_poses) return use_entry(v, e, d, rows, found, 0, model, 0, true, false, err);
    if (d->kind == VIS_BOXES || d->kind == VIS_ELLIPSOIDS)
        return use_entry(v, e, d, rows, found, poses_key, model, 0, true, true, err);
    size_t n = d->kind == VIS_POINTS || d->kind == VIS_MESH ? v->n_poses : 1;
    for (size_t i = 0; i < n; i++) {
        rr_mat4_t m = rr_mat4_mul(model, &v->poses[i]);
        RR_TRY(use_entry(v, e, d, rows, found, 0, &m, 0, true, false, err));
    }
    return RR_OK;
}

/* The origin's world transform: that of the origin or of its closest
 * ancestor the store knows (paths without data add no transform). */
static rr_mat4_t origin_world(rr_spatial3d_t *v) {
    rr_mat4_t m = rr_mat4_identity();
    if (!v->has_origin) return m;
    rr_entity_path_t cur = {0}, up = {0};
    if (rr_entity_path_copy(&v->origin, &cur, NULL) != RR_OK) return m;
    for (;;) {
        long j = find_entity(v->store, &cur);
        if (j >= 0) {
            m = v->world[j];
            break;
        }
        if (cur.n_parts == 0 || rr_entity_path_parent(&cur, &up, NULL) != RR_OK) break;
        rr_entity_path_free(&cur);
        cur = up;
        memset(&up, 0, sizeof up);
    }
    rr_entity_path_free(&cur);
    return m;
}

rr_status_t rr_spatial3d_prepare(rr_spatial3d_t *v, const char *timeline, int64_t t, rr_error_t *err) {
    v->n_draws = 0;
    v->n_things = 0;
    v->n_names = 0;
    v->bounds = rr_aabb_empty();
    v->warning[0] = 0;
    size_t n = rr_store_num_entities(v->store);
    if (n > v->cap_world) {
        rr_mat4_t *w = realloc(v->world, n * sizeof *w);
        if (!w) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: out of memory");
        v->world = w;
        v->cap_world = n;
    }
    find_up(v, timeline, t);
    for (size_t i = 0; i < n; i++) RR_TRY(world_of(v, i, timeline, t, err));
    rr_mat4_t ow = origin_world(v), view_from_world;
    if (!rr_mat4_invert(&ow, &view_from_world)) {
        warn(v, "%s: the origin's transform cannot be inverted", v->origin.str);
        view_from_world = rr_mat4_identity();
    }
    /* Pinholes come last: their default image plane distance follows the
     * size of everything else. */
    size_t n_pinholes = 0;
    for (int pass = 0; pass < 2; pass++) {
        float plane_default = 0.3f;
        if (pass == 1) {
            if (!n_pinholes) break;
            float size = rr_aabb_is_empty(&v->bounds) ? 0 : rr_v3_len(rr_v3_sub(v->bounds.max, v->bounds.min));
            if (isfinite(size) && size > 0) plane_default = size * 0.02f;
        }
        for (size_t i = 0; i < n; i++) {
            const rr_entity_path_t *e = rr_store_entity(v->store, i);
            if (!visible(v, e)) continue;
            rr_mat4_t model = rr_mat4_mul(&view_from_world, &v->world[i]);
            uint64_t poses_key = 0;
            if (pass == 0) RR_TRY(read_poses(v, e, timeline, t, &poses_key, err));
            for (size_t a = 0; a < N_ARCHETYPES; a++) {
                const archetype_desc_t *d = &archetypes[a];
                if ((d == PINHOLE_DESC) != (pass == 1)) continue;
                rr_store_row_t rows[MAX_COMPONENTS];
                bool found[MAX_COMPONENTS];
                rr_store_query_latest_at(v->store, e, timeline, t, d->components, d->n, rows, found);
                if (!found[0]) continue;
                if (d != PINHOLE_DESC) {
                    RR_TRY(draw_with_poses(v, e, d, rows, found, &model, poses_key, err));
                    continue;
                }
                if (pass == 0) continue;
                float plane = plane_default;
                span_t s;
                const char *why = NULL;
                if (found[4] && cell_span(&rows[4], "f", 0, &s, &why) && s.n > 0) {
                    float p = span_f(&s, 1, 0, 0);
                    if (isfinite(p) && p > 0) plane = p;
                }
                uint8_t codes[3] = {3, 2, 5}; /* RDF, Rerun's fallback */
                view_coordinates(v, e, "Pinhole:camera_xyz", timeline, t, codes);
                rr_mat4_t rdf = from_rdf(codes), sc = rr_mat4_scale(rr_v3(plane, plane, plane));
                rr_mat4_t m = rr_mat4_mul(&model, &rdf);
                m = rr_mat4_mul(&m, &sc);
                uint32_t bits;
                memcpy(&bits, &plane, 4);
                RR_TRY(use_entry(v, e, d, rows, found, bits, &m, plane, false, false, err));
            }
            if (pass == 0) {
                const char *pc = pinhole_components[0];
                rr_store_row_t row;
                bool f = false;
                rr_store_query_latest_at(v->store, e, timeline, t, &pc, 1, &row, &f);
                n_pinholes += f;
            }
        }
    }
    return RR_OK;
}

rr_aabb_t rr_spatial3d_bounds(const rr_spatial3d_t *v) { return v->bounds; }
rr_vec3_t rr_spatial3d_up(const rr_spatial3d_t *v) { return v->up; }
size_t rr_spatial3d_num_drawables(const rr_spatial3d_t *v) { return v->n_things; }
const char *rr_spatial3d_warning(const rr_spatial3d_t *v) { return v->warning[0] ? v->warning : NULL; }
size_t rr_spatial3d_cache_size(const rr_spatial3d_t *v) { return v->n_entries; }

/* ---------------- picking ---------------- */

typedef struct ray {
    rr_vec3_t eye, dir, fwd; /* dir, fwd unit */
    float px_per_depth;      /* world size of a pixel at depth 1 */
} ray_t;

/* Slab test of the ray against a box; the entry distance, or -1 on a miss. */
static float ray_box(const ray_t *r, const rr_aabb_t *b) {
    float o[3] = {r->eye.x, r->eye.y, r->eye.z}, d[3] = {r->dir.x, r->dir.y, r->dir.z};
    float lo[3] = {b->min.x, b->min.y, b->min.z}, hi[3] = {b->max.x, b->max.y, b->max.z};
    float t0 = 0, t1 = INFINITY;
    for (int k = 0; k < 3; k++) {
        if (fabsf(d[k]) < 1e-30f) {
            if (o[k] < lo[k] || o[k] > hi[k]) return -1;
            continue;
        }
        float a = (lo[k] - o[k]) / d[k], c = (hi[k] - o[k]) / d[k];
        if (a > c) {
            float tmp = a;
            a = c;
            c = tmp;
        }
        t0 = a > t0 ? a : t0;
        t1 = c < t1 ? c : t1;
        if (t0 > t1) return -1;
    }
    return t0;
}

/* Radius in world units at view depth z of a radius in Rerun's convention. */
static float world_radius(const ray_t *r, float radius, float scale, float z) {
    return (radius < 0 ? -radius * r->px_per_depth * z : radius * scale) + PICK_SLACK_PX * r->px_per_depth * z;
}

/* Distance along the ray at which item i is hit, or INFINITY. */
static float hit_item(const ray_t *r, const geo_t *g, size_t i, const rr_mat4_t *m, float scale) {
    const float *p[3];
    float radius;
    int np = item_points(g, i, p, &radius);
    if (np == 1) {
        rr_vec3_t c = rr_mat4_point(m, rr_v3(p[0][0], p[0][1], p[0][2]));
        rr_vec3_t d = rr_v3_sub(c, r->eye);
        float z = rr_v3_dot(d, r->fwd);
        if (!(z > 0)) return INFINITY;
        float rr = world_radius(r, radius, scale, z);
        float t = rr_v3_dot(d, r->dir);
        /* Not |d|^2 - t^2: far from the eye that difference is all rounding. */
        rr_vec3_t off = rr_v3_sub(d, rr_v3_scale(r->dir, t));
        float perp2 = rr_v3_dot(off, off);
        if (!(perp2 <= rr * rr)) return INFINITY;
        float th = t - sqrtf(fmaxf(rr * rr - perp2, 0));
        return th > 0 ? th : t;
    }
    if (np == 2) {
        rr_vec3_t a = rr_mat4_point(m, rr_v3(p[0][0], p[0][1], p[0][2]));
        rr_vec3_t b = rr_mat4_point(m, rr_v3(p[1][0], p[1][1], p[1][2]));
        rr_vec3_t e = rr_v3_sub(b, a), w0 = rr_v3_sub(r->eye, a);
        float bb = rr_v3_dot(r->dir, e), c = rr_v3_dot(e, e), d = rr_v3_dot(r->dir, w0), ee = rr_v3_dot(e, w0);
        float den = c - bb * bb;
        float u = den > 1e-12f * (c > 1 ? c : 1) ? (ee - bb * d) / den : 0.0f;
        if (c <= 0) u = 0;
        else if (den <= 1e-12f * (c > 1 ? c : 1)) u = 0; /* parallel: any point; the start */
        u = u < 0 ? 0 : u > 1 ? 1 : u;
        if (!isfinite(u)) return INFINITY;
        rr_vec3_t q = rr_v3_add(a, rr_v3_scale(e, u));
        rr_vec3_t dq = rr_v3_sub(q, r->eye);
        float t = rr_v3_dot(dq, r->dir), z = rr_v3_dot(dq, r->fwd);
        if (!(t > 0) || !(z > 0)) return INFINITY;
        rr_vec3_t off = rr_v3_sub(dq, rr_v3_scale(r->dir, t));
        float rr = world_radius(r, radius, scale, z);
        return rr_v3_dot(off, off) <= rr * rr ? t : INFINITY;
    }
    /* Moller-Trumbore. */
    rr_vec3_t v0 = rr_mat4_point(m, rr_v3(p[0][0], p[0][1], p[0][2]));
    rr_vec3_t v1 = rr_mat4_point(m, rr_v3(p[1][0], p[1][1], p[1][2]));
    rr_vec3_t v2 = rr_mat4_point(m, rr_v3(p[2][0], p[2][1], p[2][2]));
    rr_vec3_t e1 = rr_v3_sub(v1, v0), e2 = rr_v3_sub(v2, v0);
    rr_vec3_t pv = rr_v3_cross(r->dir, e2);
    float det = rr_v3_dot(e1, pv);
    if (!(fabsf(det) > 1e-20f)) return INFINITY;
    float inv = 1.0f / det;
    rr_vec3_t tv = rr_v3_sub(r->eye, v0);
    float u = rr_v3_dot(tv, pv) * inv;
    if (u < 0 || u > 1) return INFINITY;
    rr_vec3_t qv = rr_v3_cross(tv, e1);
    float w = rr_v3_dot(r->dir, qv) * inv;
    if (w < 0 || u + w > 1) return INFINITY;
    float t = rr_v3_dot(e2, qv) * inv;
    return t > 0 ? t : INFINITY;
}

static rr_mat4_t view_proj(const rr_spatial3d_t *v, const rr_camera_t *cam, int w, int h) {
    float radius = rr_aabb_is_empty(&v->bounds) ? 0 : 0.5f * rr_v3_len(rr_v3_sub(v->bounds.max, v->bounds.min));
    rr_mat4_t view = rr_camera_view(cam);
    rr_mat4_t proj = rr_camera_projection(cam, (float)w / (float)h, radius);
    return rr_mat4_mul(&proj, &view);
}

bool rr_spatial3d_pick(rr_spatial3d_t *v, const rr_camera_t *cam, int w, int h, float px, float py,
                       rr_pick_t *out) {
    memset(out, 0, sizeof *out);
    if (w < 1 || h < 1 || !isfinite(px) || !isfinite(py)) return false;
    rr_mat4_t vp = view_proj(v, cam, w, h), inv;
    if (!rr_mat4_invert(&vp, &inv)) return false;
    float nx = 2.0f * px / (float)w - 1.0f, ny = 1.0f - 2.0f * py / (float)h;
    rr_vec3_t a = rr_mat4_project(&inv, rr_v3(nx, ny, -1)), b = rr_mat4_project(&inv, rr_v3(nx, ny, 1));
    ray_t r;
    r.eye = rr_camera_eye(cam);
    r.dir = rr_v3_norm(rr_v3_sub(b, a));
    r.fwd = rr_v3_norm(rr_v3_sub(cam->target, r.eye));
    r.px_per_depth = 2.0f * tanf(cam->fovy * 0.5f) / (float)h;
    if (!(rr_v3_len(r.dir) > 0.5f) || !(rr_v3_len(r.fwd) > 0.5f)) return false;
    float best = INFINITY;
    size_t best_draw = 0, best_item = 0;
    for (size_t di = 0; di < v->n_draws; di++) {
        const drawable_t *d = &v->draws[di];
        const geo_t *g = d->geo;
        float scale = rr_mat4_max_scale(&d->model);
        for (size_t ci = 0; ci < g->n_cells; ci++) {
            const cell_t *c = &g->cells[ci];
            if (!c->count || rr_aabb_is_empty(&c->box)) continue;
            rr_aabb_t wb = rr_aabb_transform(&c->box, &d->model);
            float zmax = 0;
            for (int k = 0; k < 8; k++) {
                rr_vec3_t q = rr_v3(k & 1 ? wb.max.x : wb.min.x, k & 2 ? wb.max.y : wb.min.y, k & 4 ? wb.max.z : wb.min.z);
                float z = rr_v3_dot(rr_v3_sub(q, r.eye), r.fwd);
                zmax = z > zmax ? z : zmax;
            }
            if (!(zmax > 0)) continue;
            float margin = c->r_scene * scale + (c->r_px + PICK_SLACK_PX) * r.px_per_depth * zmax;
            wb.min = rr_v3_sub(wb.min, rr_v3(margin, margin, margin));
            wb.max = rr_v3_add(wb.max, rr_v3(margin, margin, margin));
            float t0 = ray_box(&r, &wb);
            if (t0 < 0 || t0 > best) continue;
            for (uint32_t j = 0; j < c->count; j++) {
                size_t i = g->perm ? g->perm[c->first + j] : (size_t)c->first + j;
                float t = hit_item(&r, g, i, &d->model, scale);
                if (t < best) {
                    best = t;
                    best_draw = di;
                    best_item = i;
                }
            }
        }
    }
    if (!isfinite(best)) return false;
    const drawable_t *d = &v->draws[best_draw];
    out->hit = true;
    snprintf(out->entity, sizeof out->entity, "%s", v->names + d->name);
    snprintf(out->archetype, sizeof out->archetype, "%s", d->archetype);
    out->instance = d->geo->whole ? RR_PICK_ALL_INSTANCES : d->geo->inst ? d->geo->inst[best_item] : best_item;
    rr_vec3_t hit = rr_v3_add(r.eye, rr_v3_scale(r.dir, best));
    out->world[0] = hit.x, out->world[1] = hit.y, out->world[2] = hit.z;
    out->depth = best;
    return true;
}

/* ---------------- drawing ---------------- */

/* Grid lines on the plane through the origin perpendicular to up, spaced by
 * a power of ten that suits the scene, plus the world axes. */
#define GRID_MAX_LINES 41
static void draw_grid(rr_spatial3d_t *v, const rr_spatial3d_options_t *o, float scene_radius) {
    rr_vec3_t up = v->up;
    rr_vec3_t u = fabsf(up.z) > 0.5f ? rr_v3(1, 0, 0) : fabsf(up.y) > 0.5f ? rr_v3(0, 0, 1) : rr_v3(0, 1, 0);
    rr_vec3_t w = rr_v3_norm(rr_v3_cross(up, u));
    u = rr_v3_cross(w, up);
    float r = scene_radius > 0 ? scene_radius : 1.0f;
    float spacing = powf(10.0f, floorf(log10f(r)));
    rr_vec3_t c = rr_aabb_is_empty(&v->bounds) ? rr_v3(0, 0, 0)
                                                : rr_v3_scale(rr_v3_add(v->bounds.min, v->bounds.max), 0.5f);
    float cu = roundf(rr_v3_dot(c, u) / spacing) * spacing, cw = roundf(rr_v3_dot(c, w) / spacing) * spacing;
    int half = (int)ceilf(1.5f * r / spacing);
    if (half > GRID_MAX_LINES / 2) half = GRID_MAX_LINES / 2;
    rr_gfx_segment_t segs[2 * GRID_MAX_LINES + 3];
    size_t k = 0;
    const uint32_t grid_color = 0x505058ffu;
    if (o->grid)
        for (int i = -half; i <= half; i++) {
            float a = (float)i * spacing, ext = (float)half * spacing;
            rr_vec3_t p0 = rr_v3_add(rr_v3_scale(u, cu + a), rr_v3_scale(w, cw - ext));
            rr_vec3_t p1 = rr_v3_add(rr_v3_scale(u, cu + a), rr_v3_scale(w, cw + ext));
            segs[k++] = seg(p0, p1, -0.5f, grid_color);
            p0 = rr_v3_add(rr_v3_scale(w, cw + a), rr_v3_scale(u, cu - ext));
            p1 = rr_v3_add(rr_v3_scale(w, cw + a), rr_v3_scale(u, cu + ext));
            segs[k++] = seg(p0, p1, -0.5f, grid_color);
        }
    if (o->axes) {
        static const uint32_t axis_colors[3] = {0xdd3333ffu, 0x33cc33ffu, 0x3366ffffu};
        for (int a = 0; a < 3; a++) {
            float e[3] = {0, 0, 0};
            e[a] = spacing;
            segs[k++] = seg(rr_v3(0, 0, 0), rr_v3(e[0], e[1], e[2]), -1.0f, axis_colors[a]);
        }
    }
    rr_gfx_draw_segments(v->r, segs, k, NULL);
}

/* Draws the items of g that belong to instance (all of them: the cached
 * buffer; one instance: a transient copy of its items). */
static void draw_items(rr_spatial3d_t *v, const geo_t *g, uint64_t instance, const rr_mat4_t *model) {
    if (instance == RR_PICK_ALL_INSTANCES) {
        rr_gfx_draw(v->r, g->buf, model);
        return;
    }
    size_t elem = g->kind == GEO_POINTS ? sizeof(rr_gfx_point_t)
                  : g->kind == GEO_TRIS ? 3 * sizeof(rr_gfx_vertex_t)
                                        : sizeof(rr_gfx_segment_t);
    const uint8_t *items = g->items;
    uint8_t *sel = NULL;
    size_t n = 0;
    if (!g->inst) {
        if (instance >= g->n) return;
        sel = malloc(elem);
        if (!sel) return;
        memcpy(sel, items + instance * elem, elem);
        n = 1;
    } else {
        for (size_t i = 0; i < g->n; i++) n += g->inst[i] == instance;
        if (!n) return;
        sel = malloc(n * elem);
        if (!sel) return; /* a frame without the highlight */
        n = 0;
        for (size_t i = 0; i < g->n; i++)
            if (g->inst[i] == instance) memcpy(sel + elem * n++, items + i * elem, elem);
    }
    switch (g->kind) {
    case GEO_POINTS: rr_gfx_draw_points(v->r, (const rr_gfx_point_t *)sel, n, model); break;
    case GEO_SEGS: rr_gfx_draw_segments(v->r, (const rr_gfx_segment_t *)sel, n, model); break;
    case GEO_ARROWS: rr_gfx_draw_arrows(v->r, (const rr_gfx_segment_t *)sel, n, model); break;
    default: rr_gfx_draw_triangles(v->r, (const rr_gfx_vertex_t *)sel, n * 3, model); break;
    }
    free(sel);
}

/* Rerun draws outlines around hovered and selected things, over the scene:
 * here the shape grown by OUTLINE_PX in the outline colour, then the shape
 * itself on top; surfaces (which cannot grow) are pulled toward the
 * outline colour instead. */
static void draw_highlight(rr_spatial3d_t *v, const rr_pick_t *p, uint32_t color) {
    if (!p->hit) return;
    for (size_t i = 0; i < v->n_draws; i++) {
        const drawable_t *d = &v->draws[i];
        if (strcmp(v->names + d->name, p->entity)) continue;
        if (d->geo->kind == GEO_TRIS) {
            rr_gfx_set_style(v->r, &(rr_gfx_style_t){.color = color, .color_mix = 0.5f, .blend = d->geo->transparent});
            draw_items(v, d->geo, p->instance, &d->model);
        } else {
            rr_gfx_set_style(v->r, &(rr_gfx_style_t){.grow_px = OUTLINE_PX, .color = color, .color_mix = 1.0f, .overlay = true});
            draw_items(v, d->geo, p->instance, &d->model);
            rr_gfx_set_style(v->r, &(rr_gfx_style_t){.overlay = true});
            draw_items(v, d->geo, p->instance, &d->model);
        }
    }
    rr_gfx_set_style(v->r, NULL);
}

/* False when the geometry, grown by its largest sizes, lies wholly on the
 * outer side of one plane of the view frustum: nothing of it can show (a
 * software rasteriser still pays for every vertex it is given). */
static bool in_view(const geo_t *g, const rr_mat4_t *model, const rr_mat4_t *view_proj, int w, int h) {
    if (rr_aabb_is_empty(&g->box)) return false;
    rr_aabb_t b = rr_aabb_transform(&g->box, model);
    float grow = g->r_scene * rr_mat4_max_scale(model);
    b.min = rr_v3_sub(b.min, rr_v3(grow, grow, grow));
    b.max = rr_v3_add(b.max, rr_v3(grow, grow, grow));
    /* UI-point sizes and outlines, as a fraction of the half viewport. */
    float mx = 2.0f * (g->r_px + OUTLINE_PX + 1.0f) / (float)w, my = 2.0f * (g->r_px + OUTLINE_PX + 1.0f) / (float)h;
    int out[6] = {0, 0, 0, 0, 0, 0};
    const float *m = view_proj->m;
    for (int k = 0; k < 8; k++) {
        float x = k & 1 ? b.max.x : b.min.x, y = k & 2 ? b.max.y : b.min.y, z = k & 4 ? b.max.z : b.min.z;
        float cx = m[0] * x + m[4] * y + m[8] * z + m[12], cy = m[1] * x + m[5] * y + m[9] * z + m[13];
        float cz = m[2] * x + m[6] * y + m[10] * z + m[14], cw = m[3] * x + m[7] * y + m[11] * z + m[15];
        out[0] += cx < -cw * (1 + mx);
        out[1] += cx > cw * (1 + mx);
        out[2] += cy < -cw * (1 + my);
        out[3] += cy > cw * (1 + my);
        out[4] += cz < -cw;
        out[5] += cz > cw;
    }
    for (int p = 0; p < 6; p++)
        if (out[p] == 8) return false;
    return true;
}

rr_status_t rr_spatial3d_draw(rr_spatial3d_t *v, rr_gfx_target_t *target, const rr_camera_t *cam,
                              const rr_spatial3d_options_t *opts, rr_error_t *err) {
    rr_spatial3d_options_t def;
    if (!opts) {
        rr_spatial3d_options_default(&def);
        opts = &def;
    }
    float radius = rr_aabb_is_empty(&v->bounds) ? 0 : 0.5f * rr_v3_len(rr_v3_sub(v->bounds.max, v->bounds.min));
    float aspect = (float)rr_gfx_target_width(target) / (float)rr_gfx_target_height(target);
    rr_mat4_t view = rr_camera_view(cam);
    rr_mat4_t proj = rr_camera_projection(cam, aspect, radius);
    rr_mat4_t vp = rr_mat4_mul(&proj, &view);
    int w = rr_gfx_target_width(target), h = rr_gfx_target_height(target);
    rr_gfx_begin(v->r, target, &view, &proj, opts->background);
    if (opts->grid || opts->axes) draw_grid(v, opts, radius);
    for (size_t i = 0; i < v->n_draws; i++)
        if (!v->draws[i].geo->transparent && in_view(v->draws[i].geo, &v->draws[i].model, &vp, w, h))
            rr_gfx_draw(v->r, v->draws[i].geo->buf, &v->draws[i].model);
    bool blended = false;
    for (size_t i = 0; i < v->n_draws; i++)
        if (v->draws[i].geo->transparent && in_view(v->draws[i].geo, &v->draws[i].model, &vp, w, h)) {
            if (!blended) rr_gfx_set_style(v->r, &(rr_gfx_style_t){.blend = true});
            blended = true;
            rr_gfx_draw(v->r, v->draws[i].geo->buf, &v->draws[i].model);
        }
    if (blended) rr_gfx_set_style(v->r, NULL);
    draw_highlight(v, &v->selected, SELECT_COLOR);
    draw_highlight(v, &v->hover, HOVER_COLOR);
    return rr_gfx_end(v->r, err);
}
