/* The Spatial 3D view's archetypes (spatial3d_internal.h): each one's Arrow
 * cells read into points, segments, arrows or triangles with Rerun 0.33's
 * defaults, indexed in cells for picking and uploaded to the GPU. */
#include "viewer/views/spatial3d_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- reading cells ---------------- */


static size_t leaf_size(const char *fmt) {
    if (!strcmp(fmt, "f") || !strcmp(fmt, "I") || !strcmp(fmt, "i")) return 4;
    if (!strcmp(fmt, "C") || !strcmp(fmt, "c")) return 1;
    if (!strcmp(fmt, "g") || !strcmp(fmt, "L") || !strcmp(fmt, "l")) return 8;
    return 0;
}

/* The cell of row as list<leaf> (width 0) or list<fixed_size_list<leaf, width>>.
 * false with *why set when the datatype or the buffers do not fit. */
bool rr_s3d_cell_span(const rr_store_row_t *row, const char *leaf, int width, span_t *out,
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

static uint32_t span_u32(const span_t *s, int width, int64_t i, int k) {
    uint32_t u;
    memcpy(&u, s->p + ((size_t)i * (size_t)width + (size_t)k) * 4, 4);
    return u;
}

/* Rerun's automatic colour of an entity: of a 16-bit value of its path's hash. */
static uint32_t auto_color(const rr_entity_path_t *p) { return rr_auto_color((uint16_t)(p->hash % 65535u)); }

/* ---------------- geometry: cells, upload ---------------- */

static bool finite3(const float *p) { return isfinite(p[0]) && isfinite(p[1]) && isfinite(p[2]); }

/* The positions an item spans (1 point, 2 segment ends, 3 corners) and its radius. */
int rr_s3d_item_points(const geo_t *g, size_t i, const float *out[3], float *radius) {
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
    int n = rr_s3d_item_points(g, i, p, &r);
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

/* ---------------- rr_s3d_archetypes into geometry ---------------- */


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
span_t rr_s3d_opt_span(build_t *b, int i, const char *leaf, int width, const char *name) {
    span_t s = {0};
    const char *why = NULL;
    if (b->found[i] && !rr_s3d_cell_span(&b->rows[i], leaf, width, &s, &why)) {
        rr_s3d_warn(b->v, "%s: %s: %s", b->entity->str, name, why);
        s.n = 0;
    }
    return s;
}

rr_vec3_t rr_s3d_span_v3(const span_t *s, int64_t i, rr_vec3_t dflt) {
    if (!s->n) return dflt;
    i = rr_s3d_clamp_i(i, s->n);
    return rr_v3(rr_s3d_span_f(s, 3, i, 0), rr_s3d_span_f(s, 3, i, 1), rr_s3d_span_f(s, 3, i, 2));
}

static rr_status_t build_points(build_t *b, rr_error_t *err) {
    span_t pos = rr_s3d_opt_span(b, 0, "f", 3, "Points3D:positions");
    span_t radii = rr_s3d_opt_span(b, 1, "f", 0, "Points3D:radii");
    span_t colors = rr_s3d_opt_span(b, 2, "I", 0, "Points3D:colors");
    rr_gfx_point_t *pts = malloc((size_t)(pos.n ? pos.n : 1) * sizeof *pts);
    if (!pts) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %lld points", (long long)pos.n);
    uint32_t fallback = auto_color(b->entity);
    for (int64_t i = 0; i < pos.n; i++) {
        rr_gfx_point_t *p = &pts[i];
        for (int k = 0; k < 3; k++) p->pos[k] = rr_s3d_span_f(&pos, 3, i, k);
        p->radius = radii.n ? rr_s3d_span_f(&radii, 1, rr_s3d_clamp_i(i, radii.n), 0) : DEFAULT_RADIUS;
        p->color = colors.n ? span_u32(&colors, 1, rr_s3d_clamp_i(i, colors.n), 0) : fallback;
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
        rr_s3d_warn(b->v, "%s: LineStrips3D:strips: unexpected datatype", b->entity->str);
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
        rr_s3d_warn(b->v, "%s: LineStrips3D:strips: offsets out of range", b->entity->str);
        return RR_OK;
    }
    size_t n_seg = 0;
    for (int64_t j = start; j < start + len; j++) {
        int32_t o0 = offs[inner->offset + j], o1 = offs[inner->offset + j + 1];
        if (o0 < 0 || o1 < o0 || (fsl->offset + o1) * 3 > flt->length) {
            rr_s3d_warn(b->v, "%s: LineStrips3D:strips: strip %lld out of range", b->entity->str,
                 (long long)(j - start));
            return RR_OK;
        }
        if (o1 - o0 > 1) n_seg += (size_t)(o1 - o0 - 1);
    }
    span_t radii = rr_s3d_opt_span(b, 1, "f", 0, "LineStrips3D:radii");
    span_t colors = rr_s3d_opt_span(b, 2, "I", 0, "LineStrips3D:colors");
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
        float radius = radii.n ? rr_s3d_span_f(&radii, 1, rr_s3d_clamp_i(i, radii.n), 0) : DEFAULT_RADIUS;
        uint32_t color = colors.n ? span_u32(&colors, 1, rr_s3d_clamp_i(i, colors.n), 0) : fallback;
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


void rr_s3d_read_rotations(build_t *b, int i_aa, int i_q, const char *arch, rotations_t *out) {
    memset(out, 0, sizeof *out);
    char name[96];
    snprintf(name, sizeof name, "%s:quaternions", arch);
    out->quats = rr_s3d_opt_span(b, i_q, "f", 4, name);
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
    if (!out->len) rr_s3d_warn(b->v, "%s: %s:rotation_axis_angles: unreadable", b->entity->str, arch);
}

rr_mat4_t rr_s3d_rotation_at(const rotations_t *r, int64_t i) {
    rr_mat4_t m = rr_mat4_identity();
    if (r->len) {
        int64_t k = r->st->offset + r->start + rr_s3d_clamp_i(i, r->len);
        const float *ax = (const float *)r->axis->children[0]->buffers[1] + r->axis->children[0]->offset +
                          (r->axis->offset + k) * 3;
        float ang = ((const float *)r->angle->buffers[1])[r->angle->offset + k];
        m = rr_mat4_axis_angle(rr_v3(ax[0], ax[1], ax[2]), ang);
    }
    if (r->quats.n) {
        int64_t k = rr_s3d_clamp_i(i, r->quats.n);
        rr_mat4_t q = rr_mat4_from_quat(rr_s3d_span_f(&r->quats, 4, k, 0), rr_s3d_span_f(&r->quats, 4, k, 1),
                                        rr_s3d_span_f(&r->quats, 4, k, 2), rr_s3d_span_f(&r->quats, 4, k, 3));
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

rr_gfx_segment_t rr_s3d_seg(rr_vec3_t a, rr_vec3_t c, float radius, uint32_t color) {
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
    span_t half = rr_s3d_opt_span(b, 0, "f", 3, "Boxes3D:half_sizes");
    span_t centers = rr_s3d_opt_span(b, 1, "f", 3, "Boxes3D:centers");
    span_t colors = rr_s3d_opt_span(b, 4, "I", 0, "Boxes3D:colors");
    span_t radii = rr_s3d_opt_span(b, 5, "f", 0, "Boxes3D:radii");
    span_t fill = rr_s3d_opt_span(b, 6, "C", 0, "Boxes3D:fill_mode");
    rotations_t rot;
    rr_s3d_read_rotations(b, 2, 3, "Boxes3D", &rot);
    int64_t n = instance_count(b, &half, &centers, &rot);
    uint32_t fallback = auto_color(b->entity);
    shapes_t sh;
    RR_TRY(shapes_init(&sh, &fill, n, 12, 12, err));
    static const int faces[6][4] = {{0, 1, 3, 2}, {4, 6, 7, 5}, {0, 4, 5, 1},
                                    {2, 3, 7, 6}, {0, 2, 6, 4}, {1, 5, 7, 3}};
    static const int edges[12][2] = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {0, 2}, {1, 3},
                                     {4, 6}, {5, 7}, {0, 4}, {1, 5}, {2, 6}, {3, 7}};
    for (int64_t i = 0; i < n; i++) {
        rr_vec3_t h = rr_s3d_span_v3(&half, i, rr_v3(0, 0, 0));
        rr_mat4_t m = instance_pose(b, i), tr = rr_mat4_translation(rr_s3d_span_v3(&centers, i, rr_v3(0, 0, 0)));
        rr_mat4_t r = rr_s3d_rotation_at(&rot, i);
        m = rr_mat4_mul(&m, &tr);
        m = rr_mat4_mul(&m, &r);
        rr_vec3_t corner[8];
        for (int c = 0; c < 8; c++) {
            corner[c] = rr_mat4_point(&m, rr_v3(c & 1 ? h.x : -h.x, c & 2 ? h.y : -h.y, c & 4 ? h.z : -h.z));
            rr_aabb_add_point(&b->bounds, corner[c]);
        }
        uint32_t color = colors.n ? span_u32(&colors, 1, rr_s3d_clamp_i(i, colors.n), 0) : fallback;
        if (sh.solid)
            for (int f = 0; f < 6; f++) { /* flat shaded: no normals */
                rr_vec3_t t0[3] = {corner[faces[f][0]], corner[faces[f][1]], corner[faces[f][2]]};
                rr_vec3_t t1[3] = {corner[faces[f][0]], corner[faces[f][2]], corner[faces[f][3]]};
                shapes_tri(&sh, t0, NULL, color, i);
                shapes_tri(&sh, t1, NULL, color, i);
            }
        if (sh.wire) {
            float radius = radii.n ? rr_s3d_span_f(&radii, 1, rr_s3d_clamp_i(i, radii.n), 0) : DEFAULT_BOX_LINE_RADIUS;
            for (int e = 0; e < 12; e++) shapes_seg(&sh, corner[edges[e][0]], corner[edges[e][1]], radius, color, i);
        }
    }
    return shapes_emit(b, &sh, err);
}

static rr_status_t build_arrows(build_t *b, rr_error_t *err) {
    span_t vec = rr_s3d_opt_span(b, 0, "f", 3, "Arrows3D:vectors");
    span_t origins = rr_s3d_opt_span(b, 1, "f", 3, "Arrows3D:origins");
    span_t radii = rr_s3d_opt_span(b, 2, "f", 0, "Arrows3D:radii");
    span_t colors = rr_s3d_opt_span(b, 3, "I", 0, "Arrows3D:colors");
    rr_gfx_segment_t *segs = malloc((size_t)(vec.n ? vec.n : 1) * sizeof *segs);
    if (!segs) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %lld arrows", (long long)vec.n);
    uint32_t fallback = auto_color(b->entity);
    for (int64_t i = 0; i < vec.n; i++) {
        rr_vec3_t o = rr_s3d_span_v3(&origins, i, rr_v3(0, 0, 0));
        rr_vec3_t tip = rr_v3_add(o, rr_s3d_span_v3(&vec, i, rr_v3(0, 0, 0)));
        float radius = radii.n ? rr_s3d_span_f(&radii, 1, rr_s3d_clamp_i(i, radii.n), 0) : DEFAULT_RADIUS;
        uint32_t color = colors.n ? span_u32(&colors, 1, rr_s3d_clamp_i(i, colors.n), 0) : fallback;
        segs[i] = rr_s3d_seg(o, tip, radius, color);
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
    span_t half = rr_s3d_opt_span(b, 0, "f", 3, "Ellipsoids3D:half_sizes");
    span_t centers = rr_s3d_opt_span(b, 1, "f", 3, "Ellipsoids3D:centers");
    span_t colors = rr_s3d_opt_span(b, 4, "I", 0, "Ellipsoids3D:colors");
    span_t radii = rr_s3d_opt_span(b, 5, "f", 0, "Ellipsoids3D:line_radii");
    span_t fill = rr_s3d_opt_span(b, 6, "C", 0, "Ellipsoids3D:fill_mode");
    rotations_t rot;
    rr_s3d_read_rotations(b, 2, 3, "Ellipsoids3D", &rot);
    int64_t n = instance_count(b, &half, &centers, &rot);
    bool dense = fill.n && fill.p[0] == FILL_MODE_DENSE;
    int circles = dense ? DENSE_LATS + DENSE_LONS : 3;
    shapes_t sh;
    RR_TRY(shapes_init(&sh, &fill, n, (size_t)circles * CIRCLE_SEGS, 2 * SPHERE_STACKS * SPHERE_SLICES, err));
    uint32_t fallback = auto_color(b->entity);
    const float pi = 3.14159265358979f;
    for (int64_t i = 0; i < n; i++) {
        rr_vec3_t h = rr_s3d_span_v3(&half, i, rr_v3(0, 0, 0));
        rr_mat4_t m = instance_pose(b, i), tr = rr_mat4_translation(rr_s3d_span_v3(&centers, i, rr_v3(0, 0, 0)));
        rr_mat4_t r = rr_s3d_rotation_at(&rot, i);
        m = rr_mat4_mul(&m, &tr);
        m = rr_mat4_mul(&m, &r);
        rr_mat4_t s = rr_mat4_scale(h);
        rr_mat4_t ms = rr_mat4_mul(&m, &s);
        for (int c = 0; c < 8; c++)
            rr_aabb_add_point(&b->bounds, rr_mat4_point(&m, rr_v3(c & 1 ? h.x : -h.x, c & 2 ? h.y : -h.y,
                                                                   c & 4 ? h.z : -h.z)));
        uint32_t color = colors.n ? span_u32(&colors, 1, rr_s3d_clamp_i(i, colors.n), 0) : fallback;
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
            float radius = radii.n ? rr_s3d_span_f(&radii, 1, rr_s3d_clamp_i(i, radii.n), 0) : DEFAULT_BOX_LINE_RADIUS;
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
    span_t pos = rr_s3d_opt_span(b, 0, "f", 3, "Mesh3D:vertex_positions");
    span_t idx = rr_s3d_opt_span(b, 1, "I", 3, "Mesh3D:triangle_indices");
    span_t nrm = rr_s3d_opt_span(b, 2, "f", 3, "Mesh3D:vertex_normals");
    span_t colors = rr_s3d_opt_span(b, 3, "I", 0, "Mesh3D:vertex_colors");
    span_t albedo = rr_s3d_opt_span(b, 4, "I", 0, "Mesh3D:albedo_factor");
    uint32_t base = albedo.n ? span_u32(&albedo, 1, 0, 0) : auto_color(b->entity);
    /* Without indices every three vertices make a triangle (a rest is dropped). */
    size_t n_tri = idx.n ? (size_t)idx.n : (size_t)pos.n / 3;
    for (size_t t = 0; idx.n && t < n_tri; t++)
        for (int k = 0; k < 3; k++) {
            uint32_t j = span_u32(&idx, 3, (int64_t)t, k);
            if ((int64_t)j >= pos.n) {
                rr_s3d_warn(b->v, "%s: Mesh3D: triangle %zu index %u is past the %lld vertices", b->entity->str,
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
                o->pos[c] = rr_s3d_span_f(&pos, 3, i, c);
                o->normal[c] = nrm.n == pos.n ? rr_s3d_span_f(&nrm, 3, i, c) : 0.0f;
            }
            o->color = colors.n ? span_u32(&colors, 1, rr_s3d_clamp_i(i, colors.n), 0) : base;
        }
    for (int64_t i = 0; i < pos.n; i++)
        rr_aabb_add_point(&b->bounds, rr_v3(rr_s3d_span_f(&pos, 3, i, 0), rr_s3d_span_f(&pos, 3, i, 1), rr_s3d_span_f(&pos, 3, i, 2)));
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
    span_t k = rr_s3d_opt_span(b, 0, "f", 9, "Pinhole:image_from_camera");
    span_t res = rr_s3d_opt_span(b, 1, "f", 2, "Pinhole:resolution");
    span_t colors = rr_s3d_opt_span(b, 2, "I", 0, "Pinhole:color");
    span_t widths = rr_s3d_opt_span(b, 3, "f", 0, "Pinhole:line_width");
    if (k.n < 1) return RR_OK;
    float m3[9];
    for (int i = 0; i < 9; i++) m3[i] = rr_s3d_span_f(&k, 9, 0, i);
    rr_mat4_t image_from_camera = rr_mat4_from_mat3(m3), camera_from_image;
    if (!rr_mat4_invert(&image_from_camera, &camera_from_image)) {
        rr_s3d_warn(b->v, "%s: Pinhole:image_from_camera cannot be inverted", b->entity->str);
        return RR_OK;
    }
    /* Without a resolution, twice the principal point. */
    float w = res.n ? rr_s3d_span_f(&res, 2, 0, 0) : 2.0f * m3[6];
    float h = res.n ? rr_s3d_span_f(&res, 2, 0, 1) : 2.0f * m3[7];
    if (!isfinite(w) || !isfinite(h) || w <= 0 || h <= 0) {
        rr_s3d_warn(b->v, "%s: Pinhole: invalid resolution %gx%g", b->entity->str, (double)w, (double)h);
        return RR_OK;
    }
#define UNPROJECT(u, v) rr_mat4_point(&camera_from_image, rr_v3((u), (v), 1.0f))
    rr_vec3_t c[4] = {UNPROJECT(0, 0), UNPROJECT(0, h), UNPROJECT(w, h), UNPROJECT(w, 0)};
    rr_vec3_t up[3] = {UNPROJECT(0.4f * w, 0), UNPROJECT(0.5f * w, -0.1f * w), UNPROJECT(0.6f * w, 0)};
#undef UNPROJECT
    rr_vec3_t zero = rr_v3(0, 0, 0);
    rr_vec3_t strip[9] = {c[0], c[1], zero, c[2], c[3], zero, c[0], c[3], zero};
    float radius = widths.n ? rr_s3d_span_f(&widths, 1, 0, 0) : DEFAULT_FRUSTUM_LINE_RADIUS;
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
    for (int i = 0; i + 1 < 9; i++) segs[n++] = rr_s3d_seg(strip[i], strip[i + 1], radius, color);
    segs[n++] = rr_s3d_seg(c[1], c[2], radius, color);
    segs[n++] = rr_s3d_seg(up[0], up[1], radius, color);
    segs[n++] = rr_s3d_seg(up[1], up[2], radius, color);
    for (int i = 0; i < 4; i++) rr_aabb_add_point(&b->bounds, c[i]);
    rr_aabb_add_point(&b->bounds, zero);
    return emit(b, GEO_SEGS, segs, n, inst, err);
}


/* Rerun's depth cloud (depth_images.rs, depth_cloud.wgsl): a DepthImage or
 * EncodedDepthImage under a pinhole, drawn in the 3D view as a point for
 * every pixel whose depth is above 0 and finite: depth = value / meter
 * (by default 1 for float images, 1000 otherwise), the pixel (x, y)
 * back-projected through the pinhole's intrinsics into its RDF camera
 * space (the caller's model matrix places that), coloured by the colormap
 * (Turbo) over the depth range (by default 0 to the largest value), each
 * point fill_ratio (1) times as wide as a pixel at its depth. */
static rr_status_t build_depth_cloud(build_t *b, bool encoded, rr_error_t *err) {
    const char *arch = encoded ? "EncodedDepthImage" : "DepthImage";
    rr_cell_t c;
    const uint8_t *bytes = NULL;
    size_t len = 0;
    if (!rr_cell_of(&b->rows[0], &c) || !rr_cell_bytes(&c, 0, false, &bytes, &len)) {
        rr_s3d_warn(b->v, "%s: %s: the %s is not a readable blob", b->entity->str, arch,
                    encoded ? "blob" : "buffer");
        return RR_OK;
    }
    rr_image_spec_t spec;
    const uint8_t *vals = bytes;
    size_t n_vals = len;
    uint8_t *owned = NULL;
    if (encoded) {
        char media[64] = "";
        const uint8_t *mt = NULL;
        size_t mt_len = 0;
        rr_cell_t mc;
        if (b->found[1] && rr_cell_of(&b->rows[1], &mc) && rr_cell_bytes(&mc, 0, true, &mt, &mt_len) &&
            mt_len < sizeof media) {
            memcpy(media, mt, mt_len);
            media[mt_len] = 0;
        }
        rr_error_t local = {0};
        rr_status_t st = rr_image_decode_depth(bytes, len, media, &spec, &owned, &n_vals, &local);
        if (st == RR_ERR_NOMEM) return rr_error_set(err, st, "%s", local.msg);
        if (st != RR_OK) {
            rr_s3d_warn(b->v, "%s: %s", b->entity->str, local.msg);
            return RR_OK;
        }
        vals = owned;
    } else if (!b->found[1] || !rr_cell_image_format(&b->rows[1], &spec)) {
        rr_s3d_warn(b->v, "%s: DepthImage: no readable ImageFormat", b->entity->str);
        return RR_OK;
    }
    uint32_t w = spec.width, h = spec.height;
    int dt = spec.channel_datatype;
    double meter = dt == 33 || dt == 34 || dt == 35 /* F16, F32, F64 */
                       ? 1.0
                       : 1000.0;
    double m, cm = 5 /* Turbo */, fill = 1.0;
    if (rr_cell_row_scalar(&b->rows[2], b->found[2], "f", &m) && isfinite(m) && m != 0) meter = m;
    if (!rr_cell_row_scalar(&b->rows[3], b->found[3], "C", &cm) || cm < 1) cm = 5;
    if (rr_cell_row_scalar(&b->rows[5], b->found[5], "f", &m) && isfinite(m) && m > 0) fill = m;
    double v;
    if (spec.pixel_format || (spec.color_model != 0 && spec.color_model != 1) ||
        (w && h && !rr_image_value_at(&spec, vals, n_vals, w - 1, h - 1, 0, &v))) {
        rr_s3d_warn(b->v, "%s: %s: %ux%u: not a one-channel image of that size in %zu bytes", b->entity->str,
                    arch, (unsigned)w, (unsigned)h, n_vals);
        free(owned);
        return RR_OK;
    }
    /* The range: depth_range, else 0 to the largest finite value. */
    double lo = 0, hi = 0;
    bool ranged = false;
    rr_cell_t rc;
    if (b->found[4] && rr_cell_of(&b->rows[4], &rc) && rc.len >= 1) {
        const uint8_t *p = rr_cell_fsl(&rc, 2, "g");
        if (p) {
            memcpy(&lo, p, 8);
            memcpy(&hi, p + 8, 8);
            ranged = isfinite(lo) && isfinite(hi) && hi > lo;
        }
    }
    size_t n = (size_t)w * h, kept = 0;
    if (!ranged) {
        lo = 0, hi = 0;
        for (size_t i = 0; i < n; i++)
            if (rr_image_value_at(&spec, vals, n_vals, (uint32_t)(i % w), (uint32_t)(i / w), 0, &v) && isfinite(v) &&
                v > hi)
                hi = v;
        if (!(hi > lo)) hi = lo + 1;
    }
    const rr_s3d_camera_t *cam = &b->v->depth_cam;
    float fx = cam->k[0], fy = cam->k[4], cx = cam->k[6], cy = cam->k[7];
    if (!(fx != 0 && fy != 0 && isfinite(fx) && isfinite(fy) && isfinite(cx) && isfinite(cy))) {
        rr_s3d_warn(b->v, "%s: the pinhole's focal length is 0 or not finite", b->entity->str);
        free(owned);
        return RR_OK;
    }
    /* tan(fov_y / 2) / (h / 2), fov_y from the pinhole's resolution (1 x 1
     * when it has none, as Rerun). */
    float res_h = cam->has_res ? cam->res[1] : 1.0f;
    float px_from_depth = h ? (0.5f * res_h / fabsf(fy)) / (0.5f * (float)h) : 0;
    rr_gfx_point_t *pts = malloc((n ? n : 1) * sizeof *pts);
    uint32_t *inst = malloc((n ? n : 1) * sizeof *inst);
    if (!pts || !inst) {
        free(pts), free(inst), free(owned);
        return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: a depth cloud of %ux%u", (unsigned)w, (unsigned)h);
    }
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            if (!rr_image_value_at(&spec, vals, n_vals, x, y, 0, &v) || !(v > 0) || !isfinite(v)) continue;
            float z = (float)(v / meter);
            if (!(z > 0) || !isfinite(z)) continue;
            rr_gfx_point_t *p = &pts[kept];
            p->pos[0] = ((float)x - cx) * z / fx;
            p->pos[1] = ((float)y - cy) * z / fy;
            p->pos[2] = z;
            p->radius = (float)fill * px_from_depth * z;
            float t = (float)((v - lo) / (hi - lo));
            p->color = rr_colormap_rgba((int)cm, t < 0 ? 0 : t > 1 ? 1 : t);
            rr_aabb_add_point(&b->bounds, rr_v3(p->pos[0], p->pos[1], p->pos[2]));
            inst[kept++] = y * w + x;
        }
    free(owned);
    return emit(b, GEO_POINTS, pts, kept, inst, err);
}

static rr_status_t build_depth(build_t *b, rr_error_t *err) { return build_depth_cloud(b, false, err); }
static rr_status_t build_encoded_depth(build_t *b, rr_error_t *err) { return build_depth_cloud(b, true, err); }

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
static const char *const depth_components[] = {"DepthImage:buffer",   "DepthImage:format",
                                               "DepthImage:meter",    "DepthImage:colormap",
                                               "DepthImage:depth_range", "DepthImage:point_fill_ratio"};
static const char *const encoded_depth_components[] = {
    "EncodedDepthImage:blob",     "EncodedDepthImage:media_type",  "EncodedDepthImage:meter",
    "EncodedDepthImage:colormap", "EncodedDepthImage:depth_range", "EncodedDepthImage:point_fill_ratio"};
/* image_plane_distance and camera_xyz shape the model matrix, not the geometry. */
const char *const rr_s3d_pinhole_components[] = {"Pinhole:image_from_camera", "Pinhole:resolution",
                                                 "Pinhole:color", "Pinhole:line_width",
                                                 "Pinhole:image_plane_distance", "Pinhole:camera_xyz"};

const archetype_desc_t rr_s3d_archetypes[] = {
    {VIS_POINTS, "Points3D", points_components, 3, build_points},
    {VIS_LINES, "LineStrips3D", lines_components, 3, build_lines},
    {VIS_BOXES, "Boxes3D", boxes_components, 7, build_boxes},
    {VIS_MESH, "Mesh3D", mesh_components, 5, build_mesh},
    {VIS_ARROWS, "Arrows3D", arrows_components, 4, build_arrows},
    {VIS_ELLIPSOIDS, "Ellipsoids3D", ellipsoids_components, 7, build_ellipsoids},
    {VIS_DEPTH, "DepthImage", depth_components, 6, build_depth},
    {VIS_ENCODED_DEPTH, "EncodedDepthImage", encoded_depth_components, 6, build_encoded_depth},
    {VIS_PINHOLE, "Pinhole", rr_s3d_pinhole_components, 6, build_pinhole},
};
const size_t rr_s3d_n_archetypes = sizeof rr_s3d_archetypes / sizeof rr_s3d_archetypes[0];
