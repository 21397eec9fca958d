/* The Spatial 3D view (spatial3d.h): per-frame latest-at queries, the
 * transform hierarchy, geometry built from Arrow cells and cached on the GPU
 * per chunk, then one draw per entity and archetype. */
#include "viewer/views/spatial3d.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rerun's defaults (re_sdk_types radius_ext.rs, re_view_spatial
 * shared_fallbacks.rs): negative radii are UI points. */
#define DEFAULT_RADIUS (-1.5f)
#define DEFAULT_BOX_LINE_RADIUS (-0.5f)
#define FILL_MODE_SOLID 3
#define RELATION_CHILD_FROM_PARENT 2

enum vis_kind { VIS_POINTS = 1, VIS_LINES, VIS_BOXES, VIS_MESH };

typedef struct cache_entry {
    struct cache_entry *next;
    rr_tuid_t chunk_id; /* the chunk holding the primary component's cell */
    int64_t row;
    int kind;
    uint64_t key2; /* which secondary cells (colours, radii, ...) it was built from */
    rr_gfx_buffer_t *buf;
    rr_aabb_t bounds; /* in the entity's own space */
} cache_entry_t;

typedef struct drawable {
    const rr_gfx_buffer_t *buf;
    rr_mat4_t model;
} drawable_t;

struct rr_spatial3d {
    rr_gfx_renderer_t *r;
    rr_store_t *store;
    uint32_t subscription;
    cache_entry_t **buckets;
    size_t n_buckets, n_entries;
    drawable_t *draws;
    size_t n_draws, cap_draws;
    rr_mat4_t *world; /* per store entity, this frame */
    size_t cap_world;
    rr_aabb_t bounds;
    rr_vec3_t up;
    char warning[512];
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

static void drop_chunk(rr_spatial3d_t *v, rr_tuid_t id) {
    cache_entry_t **pp = &v->buckets[bucket_of(v, id)];
    while (*pp) {
        cache_entry_t *e = *pp;
        if (e->chunk_id.time_ns == id.time_ns && e->chunk_id.inc == id.inc) {
            *pp = e->next;
            rr_gfx_buffer_free(v->r, e->buf);
            free(e);
            v->n_entries--;
        } else {
            pp = &e->next;
        }
    }
}

static void on_store_event(void *ctx, const rr_store_event_t *ev) {
    rr_spatial3d_t *v = ctx;
    if (ev->kind == RR_STORE_EVENT_REMOVED) drop_chunk(v, ev->chunk_id);
    if (ev->kind == RR_STORE_EVENT_COMPACTED)
        for (size_t i = 0; i < ev->n_compacted_from; i++) drop_chunk(v, ev->compacted_from[i]);
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
    v->subscription = rr_store_subscribe(store, on_store_event, v);
    if (!v->subscription) {
        rr_spatial3d_free(v);
        return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: cannot subscribe to the store");
    }
    *out = v;
    return RR_OK;
}

void rr_spatial3d_free(rr_spatial3d_t *v) {
    if (!v) return;
    if (v->subscription) rr_store_unsubscribe(v->store, v->subscription);
    for (size_t i = 0; i < v->n_buckets; i++)
        for (cache_entry_t *e = v->buckets[i], *next; e; e = next) {
            next = e->next;
            rr_gfx_buffer_free(v->r, e->buf);
            free(e);
        }
    free(v->buckets);
    free(v->draws);
    free(v->world);
    free(v);
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

/* ---------------- archetypes into GPU buffers ---------------- */

typedef struct build {
    rr_spatial3d_t *v;
    const rr_entity_path_t *entity;
    const rr_store_row_t *rows;
    const bool *found;
    rr_aabb_t bounds;
} build_t;

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

static rr_status_t build_points(build_t *b, rr_gfx_buffer_t **out, rr_error_t *err) {
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
    rr_status_t st = rr_gfx_points_upload(b->v->r, pts, (size_t)pos.n, out, err);
    free(pts);
    return st;
}

static rr_status_t build_lines(build_t *b, rr_gfx_buffer_t **out, rr_error_t *err) {
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
        *out = NULL;
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
        *out = NULL;
        return RR_OK;
    }
    size_t n_seg = 0;
    for (int64_t j = start; j < start + len; j++) {
        int32_t o0 = offs[inner->offset + j], o1 = offs[inner->offset + j + 1];
        if (o0 < 0 || o1 < o0 || (fsl->offset + o1) * 3 > flt->length) {
            warn(b->v, "%s: LineStrips3D:strips: strip %lld out of range", b->entity->str,
                 (long long)(j - start));
            *out = NULL;
            return RR_OK;
        }
        if (o1 - o0 > 1) n_seg += (size_t)(o1 - o0 - 1);
    }
    span_t radii = opt_span(b, 1, "f", 0, "LineStrips3D:radii");
    span_t colors = opt_span(b, 2, "I", 0, "LineStrips3D:colors");
    uint32_t fallback = auto_color(b->entity);
    rr_gfx_segment_t *segs = malloc((n_seg ? n_seg : 1) * sizeof *segs);
    if (!segs) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %zu line segments", n_seg);
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
            k++;
        }
    }
    rr_status_t st = rr_gfx_lines_upload(b->v->r, segs, k, out, err);
    free(segs);
    return st;
}

static rr_status_t build_boxes(build_t *b, rr_gfx_buffer_t **out, rr_error_t *err) {
    span_t half = opt_span(b, 0, "f", 3, "Boxes3D:half_sizes");
    span_t centers = opt_span(b, 1, "f", 3, "Boxes3D:centers");
    span_t quats = opt_span(b, 3, "f", 4, "Boxes3D:quaternions");
    span_t colors = opt_span(b, 4, "I", 0, "Boxes3D:colors");
    span_t radii = opt_span(b, 5, "f", 0, "Boxes3D:radii");
    span_t fill = opt_span(b, 6, "C", 0, "Boxes3D:fill_mode");
    /* RotationAxisAngle is a struct {axis: [f32; 3], angle: f32}. */
    const struct ArrowArray *aa_axis = NULL, *aa_angle = NULL, *aa_struct = NULL;
    int64_t aa_start = 0, aa_len = 0;
    if (b->found[2]) {
        const rr_chunk_component_t *c = rr_store_row_component(&b->rows[2]);
        const struct ArrowSchema *item = c->type.n_children == 1 ? c->type.children[0] : NULL;
        if (item && !strcmp(item->format, "+s") && item->n_children == 2 &&
            !strcmp(item->children[0]->format, "+w:3") && !strcmp(item->children[1]->format, "f") &&
            c->array.n_children == 1 && c->array.children[0]->n_children == 2) {
            aa_struct = c->array.children[0];
            aa_axis = aa_struct->children[0];
            aa_angle = aa_struct->children[1];
            rr_store_row_values_range(&b->rows[2], &aa_start, &aa_len);
            int64_t end = aa_struct->offset + aa_start + aa_len;
            if (aa_axis->n_children != 1 || end > aa_angle->length || end > aa_axis->length ||
                (aa_axis->offset + end) * 3 > aa_axis->children[0]->length ||
                !aa_angle->buffers[1] || !aa_axis->children[0]->buffers[1])
                aa_len = 0;
        }
        if (!aa_len) warn(b->v, "%s: Boxes3D:rotation_axis_angles: unreadable", b->entity->str);
    }
    int64_t n = half.n > centers.n ? half.n : centers.n;
    bool solid = fill.n && fill.p[0] == FILL_MODE_SOLID;
    uint32_t fallback = auto_color(b->entity);
    size_t per = solid ? 36 : 12;
    void *geo = malloc((size_t)(n ? n : 1) * per * (solid ? sizeof(rr_gfx_vertex_t) : sizeof(rr_gfx_segment_t)));
    if (!geo) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %lld boxes", (long long)n);
    static const int faces[6][4] = {{0, 1, 3, 2}, {4, 6, 7, 5}, {0, 4, 5, 1},
                                    {2, 3, 7, 6}, {0, 2, 6, 4}, {1, 5, 7, 3}};
    static const int edges[12][2] = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {0, 2}, {1, 3},
                                     {4, 6}, {5, 7}, {0, 4}, {1, 5}, {2, 6}, {3, 7}};
    for (int64_t i = 0; i < n; i++) {
        rr_vec3_t h = half.n ? rr_v3(span_f(&half, 3, clamp_i(i, half.n), 0), span_f(&half, 3, clamp_i(i, half.n), 1),
                                     span_f(&half, 3, clamp_i(i, half.n), 2))
                             : rr_v3(0, 0, 0);
        rr_vec3_t ctr = centers.n ? rr_v3(span_f(&centers, 3, clamp_i(i, centers.n), 0),
                                          span_f(&centers, 3, clamp_i(i, centers.n), 1),
                                          span_f(&centers, 3, clamp_i(i, centers.n), 2))
                                  : rr_v3(0, 0, 0);
        rr_mat4_t m = rr_mat4_translation(ctr);
        if (aa_len) {
            int64_t k = aa_struct->offset + aa_start + clamp_i(i, aa_len);
            const float *ax = (const float *)aa_axis->children[0]->buffers[1] +
                              aa_axis->children[0]->offset + (aa_axis->offset + k) * 3;
            float ang = ((const float *)aa_angle->buffers[1])[aa_angle->offset + k];
            rr_mat4_t r = rr_mat4_axis_angle(rr_v3(ax[0], ax[1], ax[2]), ang);
            m = rr_mat4_mul(&m, &r);
        }
        if (quats.n) {
            int64_t k = clamp_i(i, quats.n);
            rr_mat4_t q = rr_mat4_from_quat(span_f(&quats, 4, k, 0), span_f(&quats, 4, k, 1),
                                            span_f(&quats, 4, k, 2), span_f(&quats, 4, k, 3));
            m = rr_mat4_mul(&m, &q);
        }
        rr_vec3_t corner[8];
        for (int c = 0; c < 8; c++) {
            corner[c] = rr_mat4_point(&m, rr_v3(c & 1 ? h.x : -h.x, c & 2 ? h.y : -h.y, c & 4 ? h.z : -h.z));
            rr_aabb_add_point(&b->bounds, corner[c]);
        }
        uint32_t color = colors.n ? span_u32(&colors, 1, clamp_i(i, colors.n), 0) : fallback;
        if (solid) {
            rr_gfx_vertex_t *vx = (rr_gfx_vertex_t *)geo + (size_t)i * per;
            for (int f = 0; f < 6; f++) {
                static const int tri[6] = {0, 1, 2, 0, 2, 3};
                for (int k = 0; k < 6; k++) {
                    rr_vec3_t p = corner[faces[f][tri[k]]];
                    rr_gfx_vertex_t *o = &vx[f * 6 + k];
                    o->pos[0] = p.x, o->pos[1] = p.y, o->pos[2] = p.z;
                    o->normal[0] = o->normal[1] = o->normal[2] = 0; /* flat */
                    o->color = color;
                }
            }
        } else {
            rr_gfx_segment_t *sg = (rr_gfx_segment_t *)geo + (size_t)i * per;
            float radius = radii.n ? span_f(&radii, 1, clamp_i(i, radii.n), 0) : DEFAULT_BOX_LINE_RADIUS;
            for (int e = 0; e < 12; e++) {
                rr_vec3_t a = corner[edges[e][0]], c2 = corner[edges[e][1]];
                sg[e] = (rr_gfx_segment_t){{a.x, a.y, a.z}, {c2.x, c2.y, c2.z}, radius, color};
            }
        }
    }
    rr_status_t st = solid ? rr_gfx_mesh_upload(b->v->r, geo, (size_t)n * per, NULL, 0, out, err)
                           : rr_gfx_lines_upload(b->v->r, geo, (size_t)n * per, out, err);
    free(geo);
    return st;
}

static rr_status_t build_mesh(build_t *b, rr_gfx_buffer_t **out, rr_error_t *err) {
    span_t pos = opt_span(b, 0, "f", 3, "Mesh3D:vertex_positions");
    span_t idx = opt_span(b, 1, "I", 3, "Mesh3D:triangle_indices");
    span_t nrm = opt_span(b, 2, "f", 3, "Mesh3D:vertex_normals");
    span_t colors = opt_span(b, 3, "I", 0, "Mesh3D:vertex_colors");
    span_t albedo = opt_span(b, 4, "I", 0, "Mesh3D:albedo_factor");
    *out = NULL;
    uint32_t base = albedo.n ? span_u32(&albedo, 1, 0, 0) : auto_color(b->entity);
    rr_gfx_vertex_t *vx = malloc((size_t)(pos.n ? pos.n : 1) * sizeof *vx);
    if (!vx) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %lld mesh vertices", (long long)pos.n);
    for (int64_t i = 0; i < pos.n; i++) {
        for (int k = 0; k < 3; k++) {
            vx[i].pos[k] = span_f(&pos, 3, i, k);
            vx[i].normal[k] = nrm.n == pos.n ? span_f(&nrm, 3, i, k) : 0.0f;
        }
        vx[i].color = colors.n ? span_u32(&colors, 1, clamp_i(i, colors.n), 0) : base;
        rr_aabb_add_point(&b->bounds, rr_v3(vx[i].pos[0], vx[i].pos[1], vx[i].pos[2]));
    }
    const uint32_t *indices = NULL;
    uint32_t *copy = NULL;
    if (idx.n) {
        copy = malloc((size_t)idx.n * 3 * sizeof *copy);
        if (!copy) {
            free(vx);
            return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %lld triangles", (long long)idx.n);
        }
        memcpy(copy, idx.p, (size_t)idx.n * 12);
        indices = copy;
    }
    rr_error_t local = {0};
    rr_status_t st = rr_gfx_mesh_upload(b->v->r, vx, (size_t)pos.n, indices, (size_t)idx.n * 3, out, &local);
    if (st == RR_ERR_INVALID_ARG) { /* bad indices are the data's fault, not the view's */
        warn(b->v, "%s: Mesh3D: %s", b->entity->str, local.msg);
        st = RR_OK;
    } else if (st != RR_OK && err) {
        *err = local;
    }
    free(vx);
    free(copy);
    return st;
}

typedef struct archetype_desc {
    int kind;
    const char *const *components; /* [0] is the primary (required) one */
    size_t n;
    rr_status_t (*build)(build_t *b, rr_gfx_buffer_t **out, rr_error_t *err);
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

static const archetype_desc_t archetypes[] = {
    {VIS_POINTS, points_components, 3, build_points},
    {VIS_LINES, lines_components, 3, build_lines},
    {VIS_BOXES, boxes_components, 7, build_boxes},
    {VIS_MESH, mesh_components, 5, build_mesh},
};

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

/* ViewCoordinates (Rerun's ViewDir codes: Up 1, Down 2) at the root, else
 * at a top-level entity. */
static void find_up(rr_spatial3d_t *v, const char *timeline, int64_t t) {
    v->up = rr_v3(0, 0, 1);
    size_t n = rr_store_num_entities(v->store);
    for (size_t i = 0; i < n; i++) {
        const rr_entity_path_t *e = rr_store_entity(v->store, i);
        if (e->n_parts > 1) continue;
        const char *comp = "ViewCoordinates:xyz";
        rr_store_row_t row;
        bool found = false;
        rr_store_query_latest_at(v->store, e, timeline, t, &comp, 1, &row, &found);
        span_t s;
        const char *why = NULL;
        if (!found || !cell_span(&row, "C", 3, &s, &why) || s.n < 1) continue;
        for (int k = 0; k < 3; k++) {
            float sign = s.p[k] == 1 ? 1.0f : s.p[k] == 2 ? -1.0f : 0.0f;
            if (sign != 0) {
                v->up = rr_v3(k == 0 ? sign : 0, k == 1 ? sign : 0, k == 2 ? sign : 0);
                return;
            }
        }
    }
}

/* ---------------- frames ---------------- */

static rr_status_t push_draw(rr_spatial3d_t *v, const rr_gfx_buffer_t *buf, const rr_mat4_t *model,
                             rr_error_t *err) {
    if (v->n_draws == v->cap_draws) {
        size_t cap = v->cap_draws ? v->cap_draws * 2 : 64;
        drawable_t *d = realloc(v->draws, cap * sizeof *d);
        if (!d) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: out of memory");
        v->draws = d;
        v->cap_draws = cap;
    }
    v->draws[v->n_draws++] = (drawable_t){buf, *model};
    return RR_OK;
}

rr_status_t rr_spatial3d_prepare(rr_spatial3d_t *v, const char *timeline, int64_t t, rr_error_t *err) {
    v->n_draws = 0;
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
    for (size_t i = 0; i < n; i++) {
        RR_TRY(world_of(v, i, timeline, t, err));
        const rr_entity_path_t *e = rr_store_entity(v->store, i);
        for (size_t a = 0; a < sizeof archetypes / sizeof archetypes[0]; a++) {
            const archetype_desc_t *d = &archetypes[a];
            rr_store_row_t rows[MAX_COMPONENTS];
            bool found[MAX_COMPONENTS];
            rr_store_query_latest_at(v->store, e, timeline, t, d->components, d->n, rows, found);
            if (!found[0]) continue;
            uint64_t key2 = 0;
            for (size_t k = 1; k < d->n; k++) key2 = key2 * 31 + row_key(&rows[k], found[k]);
            cache_entry_t *ce = cache_find(v, rows[0].chunk->id, rows[0].row, d->kind);
            if (ce && ce->key2 != key2) { /* a colour or radius changed: rebuild */
                rr_gfx_buffer_free(v->r, ce->buf);
                ce->buf = NULL;
            }
            if (!ce) {
                ce = cache_insert(v, rows[0].chunk->id, rows[0].row, d->kind);
                if (!ce) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: out of memory");
            }
            if (!ce->buf) {
                build_t b = {v, e, rows, found, rr_aabb_empty()};
                rr_status_t st = d->build(&b, &ce->buf, err);
                if (st != RR_OK) return rr_error_prefix(err, "%s: ", e->str);
                ce->key2 = key2;
                ce->bounds = b.bounds;
            }
            if (!ce->buf) continue;
            rr_aabb_t wb = rr_aabb_transform(&ce->bounds, &v->world[i]);
            rr_aabb_add_box(&v->bounds, &wb);
            RR_TRY(push_draw(v, ce->buf, &v->world[i], err));
        }
    }
    return RR_OK;
}

rr_aabb_t rr_spatial3d_bounds(const rr_spatial3d_t *v) { return v->bounds; }
rr_vec3_t rr_spatial3d_up(const rr_spatial3d_t *v) { return v->up; }
size_t rr_spatial3d_num_drawables(const rr_spatial3d_t *v) { return v->n_draws; }
const char *rr_spatial3d_warning(const rr_spatial3d_t *v) { return v->warning[0] ? v->warning : NULL; }
size_t rr_spatial3d_cache_size(const rr_spatial3d_t *v) { return v->n_entries; }

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
            segs[k++] = (rr_gfx_segment_t){{p0.x, p0.y, p0.z}, {p1.x, p1.y, p1.z}, -0.5f, grid_color};
            p0 = rr_v3_add(rr_v3_scale(w, cw + a), rr_v3_scale(u, cu - ext));
            p1 = rr_v3_add(rr_v3_scale(w, cw + a), rr_v3_scale(u, cu + ext));
            segs[k++] = (rr_gfx_segment_t){{p0.x, p0.y, p0.z}, {p1.x, p1.y, p1.z}, -0.5f, grid_color};
        }
    if (o->axes) {
        static const uint32_t axis_colors[3] = {0xdd3333ffu, 0x33cc33ffu, 0x3366ffffu};
        for (int a = 0; a < 3; a++) {
            float e[3] = {0, 0, 0};
            e[a] = spacing;
            segs[k++] = (rr_gfx_segment_t){{0, 0, 0}, {e[0], e[1], e[2]}, -1.0f, axis_colors[a]};
        }
    }
    rr_gfx_draw_segments(v->r, segs, k, NULL);
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
    rr_gfx_begin(v->r, target, &view, &proj, opts->background);
    if (opts->grid || opts->axes) draw_grid(v, opts, radius);
    for (size_t i = 0; i < v->n_draws; i++) rr_gfx_draw(v->r, v->draws[i].buf, &v->draws[i].model);
    return rr_gfx_end(v->r, err);
}
