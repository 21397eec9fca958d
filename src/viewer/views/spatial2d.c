/* The Spatial 2D view (spatial2d.h): per-frame latest-at queries of the
 * origin's subtree, images converted to RGBA and kept as textures, points,
 * lines and boxes as GPU buffers, all cached per store chunk and row; then
 * one draw per entity and archetype, back to front by draw order, through
 * the renderer (geometry) and gfx/texture (images) with the depth test off
 * so the order alone decides what is on top, as in Rerun's 2D views. */
#include "viewer/views/spatial2d.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "viewer/gfx/image_decode.h"
#include "viewer/gfx/texture.h"
#include "viewer/views/cells.h"
#include "viewer/views/row_cache.h"
#include "viewer/views/transform.h"

/* Rerun's defaults (re_sdk_types draw_order_ext.rs, radius_ext.rs). */
#define DEFAULT_RADIUS (-1.5f)
#define ORDER_DEPTH (-20.0f)
#define ORDER_IMAGE (-10.0f)
#define ORDER_SEGMENTATION 0.0f
#define ORDER_BOXES 10.0f
#define ORDER_LINES 20.0f
#define ORDER_POINTS 30.0f
#define MAG_NEAREST 1
#define COLORMAP_TURBO 5
/* Outlines (re_view outlines.rs), as the 3D view draws them: hover in the
 * strong text colour, selection in the selection stroke colour, a point
 * (here a pixel) around the shape. */
#define HOVER_COLOR 0xffffffffu
#define SELECT_COLOR 0xf0f2ffffu
#define OUTLINE_PX 1.0f

enum kind {
    K_IMAGE = 1, K_ENCODED, K_DEPTH, K_ENCODED_DEPTH, K_SEGMENTATION,
    K_POINTS, K_LINES, K_BOXES, K_ARROWS, K_ELLIPSES
};

/* An archetype's components: [0] is the primary one (its cell names the
 * cache entry); those before n_build are what the GPU data is built from;
 * the rest (opacity, draw order, filter) are read every frame. */
typedef struct archetype_desc {
    int kind;
    const char *name;
    const char *const *components;
    size_t n, n_build;
    int i_opacity, i_order, i_mag, i_labels, i_show; /* -1: none */
} archetype_desc_t;

static const char *const image_c[] = {"Image:buffer", "Image:format", "Image:opacity", "Image:draw_order",
                                      "Image:magnification_filter"};
static const char *const encoded_c[] = {"EncodedImage:blob", "EncodedImage:media_type", "EncodedImage:opacity",
                                        "EncodedImage:draw_order", "EncodedImage:magnification_filter"};
static const char *const depth_c[] = {"DepthImage:buffer",     "DepthImage:format",     "DepthImage:colormap",
                                      "DepthImage:depth_range", "DepthImage:draw_order",
                                      "DepthImage:magnification_filter"};
static const char *const encoded_depth_c[] = {
    "EncodedDepthImage:blob",        "EncodedDepthImage:media_type", "EncodedDepthImage:colormap",
    "EncodedDepthImage:depth_range", "EncodedDepthImage:draw_order", "EncodedDepthImage:magnification_filter"};
static const char *const seg_c[] = {"SegmentationImage:buffer", "SegmentationImage:format",
                                    "SegmentationImage:opacity", "SegmentationImage:draw_order"};
static const char *const points_c[] = {"Points2D:positions",   "Points2D:radii",      "Points2D:colors",
                                       "Points2D:class_ids",   "Points2D:keypoint_ids", "Points2D:draw_order",
                                       "Points2D:labels",      "Points2D:show_labels"};
static const char *const lines_c[] = {"LineStrips2D:strips",    "LineStrips2D:radii",  "LineStrips2D:colors",
                                      "LineStrips2D:class_ids", "LineStrips2D:draw_order", "LineStrips2D:labels",
                                      "LineStrips2D:show_labels"};
static const char *const boxes_c[] = {"Boxes2D:half_sizes", "Boxes2D:centers",    "Boxes2D:radii",
                                      "Boxes2D:colors",     "Boxes2D:class_ids",  "Boxes2D:draw_order",
                                      "Boxes2D:labels",     "Boxes2D:show_labels"};

static const char *const arrows_c[] = {"Arrows2D:vectors",   "Arrows2D:origins",    "Arrows2D:radii",
                                       "Arrows2D:colors",    "Arrows2D:class_ids",  "Arrows2D:draw_order",
                                       "Arrows2D:labels",    "Arrows2D:show_labels"};

static const char *const ellipses_c[] = {"Ellipses2D:half_sizes", "Ellipses2D:centers",   "Ellipses2D:line_radii",
                                         "Ellipses2D:colors",     "Ellipses2D:class_ids", "Ellipses2D:draw_order",
                                         "Ellipses2D:labels",     "Ellipses2D:show_labels"};

static const archetype_desc_t archetypes[] = {
    {K_DEPTH, "DepthImage", depth_c, 6, 4, -1, 4, 5, -1, -1},
    {K_ENCODED_DEPTH, "EncodedDepthImage", encoded_depth_c, 6, 4, -1, 4, 5, -1, -1},
    {K_IMAGE, "Image", image_c, 5, 2, 2, 3, 4, -1, -1},
    {K_ENCODED, "EncodedImage", encoded_c, 5, 2, 2, 3, 4, -1, -1},
    {K_SEGMENTATION, "SegmentationImage", seg_c, 4, 2, 2, 3, -1, -1, -1},
    {K_BOXES, "Boxes2D", boxes_c, 8, 5, -1, 5, -1, 6, 7},
    {K_ELLIPSES, "Ellipses2D", ellipses_c, 8, 5, -1, 5, -1, 6, 7},
    {K_LINES, "LineStrips2D", lines_c, 7, 4, -1, 4, -1, 5, 6},
    {K_ARROWS, "Arrows2D", arrows_c, 8, 5, -1, 5, -1, 6, 7},
    {K_POINTS, "Points2D", points_c, 8, 5, -1, 5, -1, 6, 7},
};
#define N_ARCHETYPES (sizeof archetypes / sizeof archetypes[0])
#define MAX_COMPONENTS 8
#define ELLIPSE_SEGMENTS 64
/* Rerun's MAX_NUM_LABELS_PER_ENTITY: more instances than this show no
 * labels unless asked to (or there is a single label for them all). */
#define MAX_LABELS_PER_ENTITY 30

static float default_order(int kind) {
    switch (kind) {
    case K_DEPTH: case K_ENCODED_DEPTH: return ORDER_DEPTH;
    case K_SEGMENTATION: return ORDER_SEGMENTATION;
    case K_BOXES: case K_ELLIPSES: return ORDER_BOXES;
    case K_LINES: case K_ARROWS: return ORDER_LINES;
    case K_POINTS: return ORDER_POINTS;
    default: return ORDER_IMAGE;
    }
}
static bool is_image(int kind) { return kind <= K_SEGMENTATION; }

/* A pickable primitive of a geometry entry: a segment (a point is one of
 * zero length) with its radius (negative: UI points) and instance. */
typedef struct prim {
    float a[2], b[2];
    float radius;
    uint32_t instance;
} prim_t;

/* An instance of a geometry entry, for its label: a point (a[0..1]) or a
 * rectangle (a[0..3], boxes), and its colour. */
typedef struct inst {
    float a[4];
    bool rect;
    uint32_t color;
} inst_t;

typedef struct entry {
    rr_row_cache_entry_t base; /* the chunk and row of the primary component's cell */
    uint64_t key2;
    bool built;
    char why[256]; /* non-empty: the data is bad, nothing to draw */
    rr_gfx_texture_t *tex;
    int img_w, img_h;
    rr_gfx_buffer_t *buf;
    rr_gfx_buffer_t *conn_buf; /* Points2D: keypoint connections, drawn under the points */
    float bounds[4];
    bool has_bounds;
    prim_t *prims;
    size_t n_prims;
    bool downscaled;
    size_t gpu_bytes;   /* held by tex and buf */
    uint64_t last_used; /* the prepare that last drew it */
    inst_t *inst;       /* per instance: where its label goes, its colour */
    size_t n_inst;
} entry_t;

/* A label of the frame, in the view's space. */
typedef struct label {
    size_t text_off, entity_off;
    uint64_t instance;
    uint32_t color;
    float a[4]; /* a point, or a rectangle when rect */
    bool rect;
} label_t;

typedef struct item {
    int kind;
    float order;
    size_t seq;
    entry_t *e;
    float opacity; /* < 0: the fallback, filled in after the frame's count */
    size_t entity_off; /* into the frame's text */
    rr_mat4_t model;   /* the view's space from the entity's */
} item_t;

struct rr_spatial2d {
    rr_gfx_renderer_t *r;
    rr_store_t *store;
    rr_entity_path_t origin;
    uint32_t subscription;
    rr_gfx_quad_program_t *quad;
    rr_row_cache_t cache;
    size_t gpu_bytes, gpu_budget;
    uint64_t frame;
    item_t *items;
    size_t n_items, cap_items;
    char *text; /* entity paths and label texts of the frame's items */
    size_t text_len, text_cap;
    struct label *labels;
    size_t n_labels, cap_labels;
    char **hidden;
    size_t n_hidden;
    rr_mat4_t *space_from; /* per store entity, this frame: the view's space from the entity's */
    uint8_t *where;        /* per store entity, this frame: enum where */
    size_t cap_entities;
    rr_pick_t hover, selected;
    char *timeline; /* of the last prepare (NULL: static only) */
    int64_t time;
    float bounds[4];
    bool has_bounds;
    bool user_cam;
    float cam_cx, cam_cy, cam_scale;
    char warning[512];
};

static void warn(rr_spatial2d_t *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(rr_spatial2d_t *v, const char *fmt, ...) {
    if (v->warning[0]) return; /* the first problem is the one to fix */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->warning, sizeof v->warning, fmt, ap);
    va_end(ap);
}

/* ---------------- the GPU cache ---------------- */

static void entry_free(rr_spatial2d_t *v, entry_t *e) {
    v->gpu_bytes -= e->gpu_bytes;
    rr_gfx_texture_free(e->tex);
    rr_gfx_buffer_free(v->r, e->buf);
    rr_gfx_buffer_free(v->r, e->conn_buf);
    free(e->prims);
    free(e->inst);
    free(e);
}

static void entry_reset(rr_spatial2d_t *v, entry_t *e) {
    v->gpu_bytes -= e->gpu_bytes;
    e->gpu_bytes = 0;
    rr_gfx_texture_free(e->tex);
    rr_gfx_buffer_free(v->r, e->buf);
    rr_gfx_buffer_free(v->r, e->conn_buf);
    free(e->prims);
    free(e->inst);
    e->inst = NULL, e->n_inst = 0;
    e->tex = NULL, e->buf = NULL, e->conn_buf = NULL, e->prims = NULL, e->n_prims = 0;
    e->built = false, e->why[0] = 0, e->has_bounds = false, e->downscaled = false;
}

static void drop_entry(void *ctx, rr_row_cache_entry_t *e) { entry_free(ctx, (entry_t *)e); }

static void drop_chunk(rr_spatial2d_t *v, rr_tuid_t id) {
    /* The frame's list may point at what goes: nothing to draw until the next prepare. */
    if (rr_row_cache_drop_chunk(&v->cache, id, drop_entry, v)) v->n_items = 0;
}

static void on_store_event(void *ctx, const rr_store_event_t *ev) {
    rr_spatial2d_t *v = ctx;
    if (ev->kind == RR_STORE_EVENT_REMOVED) drop_chunk(v, ev->chunk_id);
    if (ev->kind == RR_STORE_EVENT_COMPACTED)
        for (size_t i = 0; i < ev->n_compacted_from; i++) drop_chunk(v, ev->compacted_from[i]);
}

static entry_t *cache_find(rr_spatial2d_t *v, rr_tuid_t id, int64_t row, int kind) {
    return (entry_t *)rr_row_cache_find(&v->cache, id, row, kind);
}

static entry_t *cache_insert(rr_spatial2d_t *v, rr_tuid_t id, int64_t row, int kind) {
    return (entry_t *)rr_row_cache_insert(&v->cache, sizeof(entry_t), id, row, kind);
}

rr_status_t rr_spatial2d_new(rr_gfx_renderer_t *r, rr_store_t *store, const rr_entity_path_t *origin,
                             rr_spatial2d_t **out, rr_error_t *err) {
    *out = NULL;
    rr_spatial2d_t *v = calloc(1, sizeof *v);
    if (v && !rr_row_cache_init(&v->cache, 64)) {
        free(v);
        v = NULL;
    }
    if (!v) {
        return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: out of memory");
    }
    v->r = r;
    v->store = store;
    v->gpu_budget = RR_SPATIAL2D_DEFAULT_GPU_BUDGET;
    rr_status_t st = origin ? rr_entity_path_copy(origin, &v->origin, err) : rr_entity_path_root(&v->origin, err);
    if (st == RR_OK) st = rr_gfx_quad_program_new(&v->quad, err);
    if (st == RR_OK) {
        v->subscription = rr_store_subscribe(store, on_store_event, v);
        if (!v->subscription) st = rr_error_set(err, RR_ERR_NOMEM, "spatial2d: cannot subscribe to the store");
    }
    if (st != RR_OK) {
        rr_spatial2d_free(v);
        return st;
    }
    *out = v;
    return RR_OK;
}

void rr_spatial2d_free(rr_spatial2d_t *v) {
    if (!v) return;
    if (v->subscription) rr_store_unsubscribe(v->store, v->subscription);
    rr_row_cache_free(&v->cache, drop_entry, v);
    rr_gfx_quad_program_free(v->quad);
    rr_entity_path_free(&v->origin);
    for (size_t i = 0; i < v->n_hidden; i++) free(v->hidden[i]);
    free(v->hidden);
    free(v->items);
    free(v->text);
    free(v->labels);
    free(v->timeline);
    free(v->space_from);
    free(v->where);
    free(v);
}

/* ---------------- annotation contexts ---------------- */

typedef struct class_color {
    uint16_t id;
    bool has_color;
    uint16_t info_id;
    uint32_t color;
    const char *label; /* borrowed from the store for the prepare; NULL: none */
    size_t label_len;
    size_t kp_start, kp_n;     /* its keypoint annotations in annotations_t.kps */
    size_t conn_start, conn_n; /* its keypoint connections in annotations_t.conns */
} class_color_t;

/* A keypoint's AnnotationInfo within a class. */
typedef struct keypoint_info {
    uint16_t id;
    bool has_color;
    uint32_t color;
    const char *label;
    size_t label_len;
} keypoint_info_t;

typedef struct annotations {
    class_color_t *classes; /* sorted by id */
    size_t n;
    uint64_t key; /* which cell they came from (0: none) */
    keypoint_info_t *kps;
    size_t n_kps, cap_kps;
    uint16_t (*conns)[2];
    size_t n_conns, cap_conns;
} annotations_t;

static void annotations_free(annotations_t *a) {
    free(a->classes);
    free(a->kps);
    free(a->conns);
    memset(a, 0, sizeof *a);
}

static int cmp_class(const void *a, const void *b) {
    const class_color_t *x = a, *y = b;
    return (int)x->id - (int)y->id;
}

/* A list field of struct slot j, as a cell of its items. */
static bool struct_list(const struct ArrowSchema *st, const struct ArrowArray *sa, int64_t j, const char *name,
                        rr_cell_t *out) {
    int f = rr_cell_field_index(st, name);
    if (f < 0 || f >= sa->n_children) return false;
    const struct ArrowSchema *ft = st->children[f];
    const struct ArrowArray *fa = sa->children[f];
    if (strcmp(ft->format, "+l") || ft->n_children != 1 || fa->n_children != 1 || fa->n_buffers < 2 || !fa->buffers[1])
        return false;
    int64_t slot = sa->offset + j;
    if (slot < 0 || slot >= fa->length) return false;
    const int32_t *offs = fa->buffers[1];
    int64_t k = fa->offset + slot;
    int32_t o0 = offs[k], o1 = offs[k + 1];
    if (o0 < 0 || o1 < o0 || (int64_t)o1 > fa->children[0]->length) return false;
    *out = (rr_cell_t){ft->children[0], fa->children[0], o0, o1 - o0};
    return true;
}

/* A class description's keypoint annotations and connections (slot j of
 * the description struct array da). Out of memory loses them, nothing else. */
static void load_keypoints(annotations_t *a, const struct ArrowSchema *dt, const struct ArrowArray *da, int64_t j,
                           class_color_t *cc) {
    rr_cell_t kc, pc;
    if (struct_list(dt, da, j, "keypoint_annotations", &kc) && kc.len > 0 && !strcmp(kc.type->format, "+s")) {
        if (a->n_kps + (size_t)kc.len > a->cap_kps) {
            size_t cap = (a->n_kps + (size_t)kc.len) * 2;
            keypoint_info_t *n = realloc(a->kps, cap * sizeof *n);
            if (!n) return;
            a->kps = n, a->cap_kps = cap;
        }
        cc->kp_start = a->n_kps;
        for (int64_t m = 0; m < kc.len; m++) {
            uint64_t id, color;
            if (!rr_cell_struct_uint(kc.type, kc.arr, kc.start + m, "id", &id)) continue;
            keypoint_info_t *k = &a->kps[a->n_kps++];
            k->id = (uint16_t)id;
            k->has_color = rr_cell_struct_uint(kc.type, kc.arr, kc.start + m, "color", &color);
            k->color = (uint32_t)color;
            rr_cell_struct_text(kc.type, kc.arr, kc.start + m, "label", &k->label, &k->label_len);
        }
        cc->kp_n = a->n_kps - cc->kp_start;
    }
    if (struct_list(dt, da, j, "keypoint_connections", &pc) && pc.len > 0 && !strcmp(pc.type->format, "+s")) {
        if (a->n_conns + (size_t)pc.len > a->cap_conns) {
            size_t cap = (a->n_conns + (size_t)pc.len) * 2;
            uint16_t(*n)[2] = realloc(a->conns, cap * sizeof *n);
            if (!n) return;
            a->conns = n, a->cap_conns = cap;
        }
        cc->conn_start = a->n_conns;
        for (int64_t m = 0; m < pc.len; m++) {
            uint64_t k0, k1;
            if (!rr_cell_struct_uint(pc.type, pc.arr, pc.start + m, "keypoint0", &k0) ||
                !rr_cell_struct_uint(pc.type, pc.arr, pc.start + m, "keypoint1", &k1))
                continue;
            a->conns[a->n_conns][0] = (uint16_t)k0, a->conns[a->n_conns][1] = (uint16_t)k1;
            a->n_conns++;
        }
        cc->conn_n = a->n_conns - cc->conn_start;
    }
}

/* The AnnotationContext nearest to entity (itself, then its ancestors). */
static void load_annotations(rr_spatial2d_t *v, const rr_entity_path_t *entity, const char *timeline, int64_t t,
                             annotations_t *out) {
    memset(out, 0, sizeof *out);
    rr_entity_path_t cur = {0}, up = {0};
    if (rr_entity_path_copy(entity, &cur, NULL) != RR_OK) return;
    static const char *const comp = "AnnotationContext:context";
    for (;;) {
        rr_store_row_t row;
        bool found = false;
        rr_store_query_latest_at(v->store, &cur, timeline, t, &comp, 1, &row, &found);
        if (found) {
            rr_cell_t c;
            const struct ArrowSchema *st = NULL;
            /* One instance is a whole context: a list of class descriptions. */
            if (rr_cell_of(&row, &c) && c.len > 0 && !rr_cell_list_instance(&c, 0, &c)) c.len = 0;
            if (c.len > 0 && !strcmp(c.type->format, "+s")) st = c.type;
            int f_id = st ? rr_cell_field_index(st, "class_id") : -1, f_desc = st ? rr_cell_field_index(st, "class_description") : -1;
            out->key = rr_cell_row_key(&row, true);
            if (f_id >= 0 && f_desc >= 0 && c.len > 0 && f_desc < c.arr->n_children &&
                !strcmp(st->children[f_desc]->format, "+s")) {
                const struct ArrowSchema *dt = st->children[f_desc];
                const struct ArrowArray *da = c.arr->children[f_desc];
                int f_info = rr_cell_field_index(dt, "info");
                out->classes = calloc((size_t)c.len, sizeof *out->classes);
                if (out->classes && f_info >= 0 && f_info < da->n_children &&
                    !strcmp(dt->children[f_info]->format, "+s")) {
                    const struct ArrowSchema *it = dt->children[f_info];
                    const struct ArrowArray *ia = da->children[f_info];
                    for (int64_t i = 0; i < c.len; i++) {
                        uint64_t id, info_id, color;
                        if (!rr_cell_struct_uint(st, c.arr, c.start + i, "class_id", &id)) continue;
                        class_color_t *cc = &out->classes[out->n++];
                        cc->id = (uint16_t)id;
                        /* The description's slots line up with the context's. */
                        int64_t j = c.arr->offset + c.start + i;
                        cc->info_id = rr_cell_struct_uint(it, ia, da->offset + j, "id", &info_id) ? (uint16_t)info_id
                                                                                         : (uint16_t)id;
                        cc->has_color = rr_cell_struct_uint(it, ia, da->offset + j, "color", &color);
                        cc->color = (uint32_t)color;
                        rr_cell_struct_text(it, ia, da->offset + j, "label", &cc->label, &cc->label_len);
                        load_keypoints(out, dt, da, j, cc);
                    }
                    if (out->n > 1) qsort(out->classes, out->n, sizeof *out->classes, cmp_class);
                }
            }
            break;
        }
        if (cur.n_parts == 0) break;
        if (rr_entity_path_parent(&cur, &up, NULL) != RR_OK) break;
        rr_entity_path_free(&cur);
        cur = up;
        memset(&up, 0, sizeof up);
    }
    rr_entity_path_free(&cur);
}

/* Rerun's resolved class colour: the context's colour, else the automatic
 * colour of the description's id, else of the class id. */
static uint32_t class_color(void *ctx, uint32_t id) {
    const annotations_t *a = ctx;
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->classes[mid].id == id) {
            const class_color_t *c = &a->classes[mid];
            return c->has_color ? c->color : rr_auto_color(c->info_id);
        }
        if (a->classes[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return rr_auto_color((uint16_t)id);
}

/* The class's label from the annotation context, or NULL. */
static const class_color_t *find_class(const annotations_t *a, uint32_t id) {
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->classes[mid].id == id) return &a->classes[mid];
        if (a->classes[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* ---------------- building entries ---------------- */

typedef struct build {
    rr_spatial2d_t *v;
    const rr_entity_path_t *entity;
    const archetype_desc_t *d;
    const rr_store_row_t *rows;
    const bool *found;
    annotations_t *ann;
    entry_t *e;
} build_t;

static void bad(build_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(build_t *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(b->e->why, sizeof b->e->why, "%s: %s: ", b->entity->str, b->d->name);
    if (n > 0 && (size_t)n < sizeof b->e->why) vsnprintf(b->e->why + n, sizeof b->e->why - (size_t)n, fmt, ap);
    va_end(ap);
}

static rr_status_t upload_rgba(build_t *b, uint8_t *rgba, int w, int h, rr_error_t *err) {
    rr_status_t st = rr_gfx_texture_new(rgba, w, h, true, &b->e->tex, &b->e->downscaled, err);
    free(rgba);
    if (st != RR_OK) return st;
    b->e->img_w = w, b->e->img_h = h;
    b->e->bounds[0] = 0, b->e->bounds[1] = 0, b->e->bounds[2] = (float)w, b->e->bounds[3] = (float)h;
    b->e->has_bounds = true;
    return RR_OK;
}

/* A conversion's verdict: bad data marks the entry, anything else fails the view. */
static rr_status_t convert_result(build_t *b, rr_status_t st, rr_error_t *local, rr_error_t *err) {
    if (st == RR_ERR_INVALID_DATA || st == RR_ERR_UNSUPPORTED || st == RR_ERR_TRUNCATED) {
        bad(b, "%s", local->msg);
        return RR_OK;
    }
    if (st != RR_OK && err) *err = *local;
    return st;
}

/* A depth image's values through its colormap (components 2) and depth
 * range (3), as DepthImage and EncodedDepthImage both list them. */
static rr_status_t depth_rgba(build_t *b, const rr_image_spec_t *s, const uint8_t *vals, size_t len, uint8_t **rgba,
                              rr_error_t *err) {
    double cm = 0, range[2];
    const double *rp = NULL;
    if (!rr_cell_row_scalar(&b->rows[2], b->found[2], "C", &cm) || cm < 1) cm = COLORMAP_TURBO;
    rr_cell_t rc;
    const uint8_t *r = NULL;
    if (b->found[3] && rr_cell_of(&b->rows[3], &rc) && rc.len > 0 && (r = rr_cell_fsl(&rc, 2, "g"))) {
        memcpy(range, r, sizeof range);
        rp = range;
    }
    return rr_depth_to_rgba(s, vals, len, (int)cm, rp, NULL, rgba, err);
}

static rr_status_t build_image(build_t *b, rr_error_t *err) {
    rr_cell_t c;
    const uint8_t *bytes = NULL;
    size_t len = 0;
    if (!rr_cell_of(&b->rows[0], &c) || !rr_cell_bytes(&c, 0, false, &bytes, &len)) {
        bad(b, "the buffer is not a readable blob");
        return RR_OK;
    }
    uint8_t *rgba = NULL;
    rr_error_t local = {0};
    rr_status_t st;
    int w = 0, h = 0;
    if (b->d->kind == K_ENCODED || b->d->kind == K_ENCODED_DEPTH) {
        const uint8_t *mt = NULL;
        size_t mt_len = 0;
        char media[64] = "";
        rr_cell_t mc;
        if (b->found[1] && rr_cell_of(&b->rows[1], &mc) && rr_cell_bytes(&mc, 0, true, &mt, &mt_len) && mt_len < sizeof media) {
            memcpy(media, mt, mt_len);
            media[mt_len] = 0;
        }
        if (b->d->kind == K_ENCODED) {
            st = rr_image_decode_encoded(bytes, len, media, &w, &h, &rgba, &local);
        } else {
            /* Decoded to its raw values, then coloured as a DepthImage. */
            rr_image_spec_t s;
            uint8_t *vals = NULL;
            size_t n_vals = 0;
            st = rr_image_decode_depth(bytes, len, media, &s, &vals, &n_vals, &local);
            if (st == RR_OK) {
                w = (int)s.width, h = (int)s.height;
                st = depth_rgba(b, &s, vals, n_vals, &rgba, &local);
            }
            free(vals);
        }
    } else {
        rr_image_spec_t s;
        if (!b->found[1] || !rr_cell_image_format(&b->rows[1], &s)) {
            bad(b, "no readable ImageFormat");
            return RR_OK;
        }
        w = (int)s.width, h = (int)s.height;
        if (s.width > INT32_MAX || s.height > INT32_MAX) {
            bad(b, "%ux%u pixels is too large", (unsigned)s.width, (unsigned)s.height);
            return RR_OK;
        }
        if (b->d->kind == K_IMAGE) st = rr_image_to_rgba(&s, bytes, len, &rgba, &local);
        else if (b->d->kind == K_DEPTH) st = depth_rgba(b, &s, bytes, len, &rgba, &local);
        else st = rr_segmentation_to_rgba(&s, bytes, len, class_color, b->ann, &rgba, &local);
    }
    if (st != RR_OK) return convert_result(b, st, &local, err);
    return upload_rgba(b, rgba, w, h, err);
}

/* Colour of instance i: the colors component, else the class id's colour,
 * else the entity's automatic colour. */
typedef struct colorer {
    rr_cell_t colors, class_ids, keypoint_ids;
    bool has_colors, has_ids, has_kps;
    annotations_t *ann;
    uint32_t fallback;
} colorer_t;

/* i_kps: the keypoint ids' component, -1 when the archetype has none. */
static void colorer_init(colorer_t *c, build_t *b, int i_colors, int i_ids, int i_kps) {
    memset(c, 0, sizeof *c);
    c->has_colors = b->found[i_colors] && rr_cell_of(&b->rows[i_colors], &c->colors) && c->colors.len > 0 &&
                    !strcmp(c->colors.type->format, "I");
    c->has_ids = b->found[i_ids] && rr_cell_of(&b->rows[i_ids], &c->class_ids) && c->class_ids.len > 0 &&
                 !strcmp(c->class_ids.type->format, "S");
    c->has_kps = i_kps >= 0 && b->found[i_kps] && rr_cell_of(&b->rows[i_kps], &c->keypoint_ids) &&
                 c->keypoint_ids.len > 0 && !strcmp(c->keypoint_ids.type->format, "S");
    c->ann = b->ann;
    c->fallback = rr_auto_color((uint16_t)(b->entity->hash % 65535u));
}

static int64_t clamp_i(int64_t i, int64_t n) { return i < n ? i : n - 1; }

/* Rerun's annotation_info_with_keypoint: a keypoint's annotation of the
 * class overrides the class's colour and label; without a colour from
 * either, the automatic colour of the keypoint's id. */
static uint32_t resolve_annotation(const annotations_t *a, uint32_t class_id, bool has_kp, uint16_t kp,
                                   const char **label, size_t *label_len) {
    const class_color_t *cc = find_class(a, class_id);
    if (label) *label = NULL, *label_len = 0;
    if (!cc) return rr_auto_color((uint16_t)class_id);
    if (has_kp)
        for (size_t k = 0; k < cc->kp_n; k++) {
            const keypoint_info_t *ki = &a->kps[cc->kp_start + k];
            if (ki->id != kp) continue;
            if (label) {
                *label = ki->label ? ki->label : cc->label;
                *label_len = ki->label ? ki->label_len : cc->label_len;
            }
            return ki->has_color ? ki->color : cc->has_color ? cc->color : rr_auto_color(kp);
        }
    if (label) *label = cc->label, *label_len = cc->label_len;
    return cc->has_color ? cc->color : rr_auto_color(cc->info_id);
}

static bool class_at(const colorer_t *c, int64_t i, uint32_t *class_id, bool *has_kp, uint16_t *kp) {
    double x;
    if (!c->has_ids || !rr_cell_scalar(&c->class_ids, "S", clamp_i(i, c->class_ids.len), &x)) return false;
    *class_id = (uint32_t)x;
    *has_kp = c->has_kps && rr_cell_scalar(&c->keypoint_ids, "S", clamp_i(i, c->keypoint_ids.len), &x);
    *kp = *has_kp ? (uint16_t)x : 0;
    return true;
}

static uint32_t color_at(const colorer_t *c, int64_t i) {
    double x;
    if (c->has_colors && rr_cell_scalar(&c->colors, "I", clamp_i(i, c->colors.len), &x)) return (uint32_t)x;
    uint32_t id;
    bool has_kp;
    uint16_t kp;
    if (class_at(c, i, &id, &has_kp, &kp)) return resolve_annotation(c->ann, id, has_kp, kp, NULL, NULL);
    return c->fallback;
}

static float radius_at(build_t *b, int i_radii, int64_t i) {
    rr_cell_t c;
    double x;
    if (b->found[i_radii] && rr_cell_of(&b->rows[i_radii], &c) && c.len > 0 &&
        rr_cell_scalar(&c, "f", clamp_i(i, c.len), &x))
        return (float)x;
    return DEFAULT_RADIUS;
}

static void grow_bounds(entry_t *e, float x, float y) {
    if (!isfinite(x) || !isfinite(y)) return;
    if (!e->has_bounds) {
        e->bounds[0] = e->bounds[2] = x, e->bounds[1] = e->bounds[3] = y;
        e->has_bounds = true;
        return;
    }
    if (x < e->bounds[0]) e->bounds[0] = x;
    if (y < e->bounds[1]) e->bounds[1] = y;
    if (x > e->bounds[2]) e->bounds[2] = x;
    if (y > e->bounds[3]) e->bounds[3] = y;
}

/* Rerun's keypoint connections: per class of the points, a segment between
 * the positions of each connected keypoint pair (the last point with that
 * class and keypoint), in the class's colour, of the default radius. */
static rr_status_t build_connections(build_t *b, const colorer_t *col, const rr_gfx_point_t *pts, size_t n,
                                     rr_error_t *err) {
    const annotations_t *a = b->ann;
    if (!a->n_conns) return RR_OK;
    rr_gfx_segment_t *segs = NULL;
    size_t ns = 0, cap = 0;
    for (size_t c = 0; c < a->n; c++) {
        const class_color_t *cc = &a->classes[c];
        for (size_t k = 0; k < cc->conn_n; k++) {
            const uint16_t *pair = a->conns[cc->conn_start + k];
            const rr_gfx_point_t *end[2] = {NULL, NULL};
            for (size_t i = 0; i < n; i++) {
                uint32_t id;
                bool has_kp;
                uint16_t kp;
                if (!class_at(col, (int64_t)i, &id, &has_kp, &kp) || id != cc->id || !has_kp) continue;
                if (kp == pair[0]) end[0] = &pts[i];
                if (kp == pair[1]) end[1] = &pts[i];
            }
            if (!end[0] || !end[1]) continue;
            if (ns == cap) {
                size_t nc = cap ? cap * 2 : 32;
                rr_gfx_segment_t *g = realloc(segs, nc * sizeof *g);
                if (!g) {
                    free(segs);
                    return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: keypoint connections");
                }
                segs = g, cap = nc;
            }
            segs[ns++] = (rr_gfx_segment_t){{end[0]->pos[0], end[0]->pos[1], 0}, {end[1]->pos[0], end[1]->pos[1], 0},
                                            DEFAULT_RADIUS, cc->has_color ? cc->color : rr_auto_color(cc->info_id)};
        }
    }
    rr_status_t st = ns ? rr_gfx_lines_upload(b->v->r, segs, ns, &b->e->conn_buf, err) : RR_OK;
    free(segs);
    return st;
}

static rr_status_t build_points(build_t *b, rr_error_t *err) {
    rr_cell_t c;
    const uint8_t *pos = NULL;
    if (!rr_cell_of(&b->rows[0], &c) || !(pos = rr_cell_fsl(&c, 2, "f"))) {
        bad(b, "positions: unexpected datatype");
        return RR_OK;
    }
    size_t n = (size_t)c.len;
    rr_gfx_point_t *pts = malloc((n ? n : 1) * sizeof *pts);
    b->e->prims = malloc((n ? n : 1) * sizeof *b->e->prims);
    b->e->inst = calloc(n ? n : 1, sizeof *b->e->inst);
    if (!pts || !b->e->prims || !b->e->inst) {
        free(pts);
        return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: %zu points", n);
    }
    colorer_t col;
    colorer_init(&col, b, 2, 3, 4);
    for (size_t i = 0; i < n; i++) {
        float xy[2];
        memcpy(xy, pos + i * 8, 8);
        pts[i] = (rr_gfx_point_t){{xy[0], xy[1], 0}, radius_at(b, 1, (int64_t)i), color_at(&col, (int64_t)i)};
        b->e->prims[i] = (prim_t){{xy[0], xy[1]}, {xy[0], xy[1]}, pts[i].radius, (uint32_t)i};
        b->e->inst[i] = (inst_t){{xy[0], xy[1], xy[0], xy[1]}, false, pts[i].color};
        grow_bounds(b->e, xy[0], xy[1]);
    }
    b->e->n_prims = b->e->n_inst = n;
    rr_status_t st = rr_gfx_points_upload(b->v->r, pts, n, &b->e->buf, err);
    if (st == RR_OK && col.has_ids && col.has_kps) st = build_connections(b, &col, pts, n, err);
    free(pts);
    return st;
}

static rr_status_t push_segs(rr_gfx_segment_t **segs, prim_t **prims, size_t *n, size_t *cap, const float a[2],
                             const float c[2], float radius, uint32_t color, uint32_t instance, rr_error_t *err) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        rr_gfx_segment_t *s = realloc(*segs, nc * sizeof *s);
        if (s) *segs = s;
        prim_t *p = realloc(*prims, nc * sizeof *p);
        if (p) *prims = p;
        if (!s || !p) return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: %zu line segments", nc);
        *cap = nc;
    }
    (*segs)[*n] = (rr_gfx_segment_t){{a[0], a[1], 0}, {c[0], c[1], 0}, radius, color};
    (*prims)[*n] = (prim_t){{a[0], a[1]}, {c[0], c[1]}, radius, instance};
    (*n)++;
    return RR_OK;
}

static rr_status_t finish_segs(build_t *b, rr_gfx_segment_t *segs, prim_t *prims, size_t n, rr_status_t st,
                               rr_error_t *err) {
    if (st == RR_OK) st = rr_gfx_lines_upload(b->v->r, segs, n, &b->e->buf, err);
    free(segs);
    if (st == RR_OK) {
        b->e->prims = prims;
        b->e->n_prims = n;
    } else {
        free(prims);
    }
    return st;
}

/* Boxes2D and Ellipses2D: half sizes and centers (clamped), outlined;
 * Rerun's ellipses are 64-segment polylines, labelled at their centres. */
static rr_status_t build_boxes(build_t *b, rr_error_t *err) {
    rr_cell_t hc, cc;
    const uint8_t *half = NULL, *ctr = NULL;
    if (!rr_cell_of(&b->rows[0], &hc) || !(half = rr_cell_fsl(&hc, 2, "f"))) {
        bad(b, "half_sizes: unexpected datatype");
        return RR_OK;
    }
    if (b->found[1] && rr_cell_of(&b->rows[1], &cc) && cc.len > 0 && !(ctr = rr_cell_fsl(&cc, 2, "f"))) {
        bad(b, "centers: unexpected datatype");
        return RR_OK;
    }
    int64_t n = ctr && cc.len > hc.len ? cc.len : hc.len;
    if (!hc.len) n = 0;
    colorer_t col;
    colorer_init(&col, b, 3, 4, -1);
    rr_gfx_segment_t *segs = NULL;
    prim_t *prims = NULL;
    size_t ns = 0, cap = 0;
    b->e->inst = calloc(n ? (size_t)n : 1, sizeof *b->e->inst);
    if (!b->e->inst) return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: %lld boxes", (long long)n);
    b->e->n_inst = (size_t)n;
    rr_status_t st = RR_OK;
    for (int64_t i = 0; i < n && hc.len > 0 && st == RR_OK; i++) {
        float h[2], c[2] = {0, 0};
        memcpy(h, half + clamp_i(i, hc.len) * 8, 8);
        if (ctr) memcpy(c, ctr + clamp_i(i, cc.len) * 8, 8);
        float x0 = c[0] - h[0], y0 = c[1] - h[1], x1 = c[0] + h[0], y1 = c[1] + h[1];
        float radius = radius_at(b, 2, i);
        uint32_t color = color_at(&col, i);
        if (b->d->kind == K_ELLIPSES) {
            float prev[2] = {c[0] + h[0], c[1]};
            for (int k = 1; k <= ELLIPSE_SEGMENTS && st == RR_OK; k++) {
                float ang = 6.2831853f * (float)k / ELLIPSE_SEGMENTS;
                float cur[2] = {c[0] + h[0] * cosf(ang), c[1] + h[1] * sinf(ang)};
                st = push_segs(&segs, &prims, &ns, &cap, prev, cur, radius, color, (uint32_t)i, err);
                prev[0] = cur[0], prev[1] = cur[1];
            }
            b->e->inst[i] = (inst_t){{c[0], c[1], c[0], c[1]}, false, color};
        } else {
            const float corner[4][2] = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}};
            for (int k = 0; k < 4 && st == RR_OK; k++)
                st = push_segs(&segs, &prims, &ns, &cap, corner[k], corner[(k + 1) % 4], radius, color, (uint32_t)i, err);
            b->e->inst[i] = (inst_t){{x0, y0, x1, y1}, true, color};
        }
        grow_bounds(b->e, x0, y0);
        grow_bounds(b->e, x1, y1);
    }
    return finish_segs(b, segs, prims, ns, st, err);
}

static rr_status_t build_lines(build_t *b, rr_error_t *err) {
    /* LineStrip2D: list<list<fixed_size_list<f32, 2>>>. */
    rr_cell_t c;
    bool ok = rr_cell_of(&b->rows[0], &c) && !strcmp(c.type->format, "+l") && c.type->n_children == 1 &&
              !strcmp(c.type->children[0]->format, "+w:2") && c.type->children[0]->n_children == 1 &&
              !strcmp(c.type->children[0]->children[0]->format, "f") && c.arr->n_children == 1 &&
              c.arr->children[0]->n_children == 1 && c.arr->n_buffers >= 2 && c.arr->buffers[1];
    if (!ok) {
        bad(b, "strips: unexpected datatype");
        return RR_OK;
    }
    const int32_t *offs = c.arr->buffers[1];
    const struct ArrowArray *fsl = c.arr->children[0], *flt = fsl->children[0];
    const float *fl = flt->n_buffers >= 2 ? flt->buffers[1] : NULL;
    colorer_t col;
    colorer_init(&col, b, 2, 3, -1);
    rr_gfx_segment_t *segs = NULL;
    prim_t *prims = NULL;
    size_t ns = 0, cap = 0;
    b->e->inst = calloc(c.len ? (size_t)c.len : 1, sizeof *b->e->inst);
    if (!b->e->inst) return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: %lld line strips", (long long)c.len);
    b->e->n_inst = (size_t)c.len;
    rr_status_t st = RR_OK;
    for (int64_t i = 0; i < c.len && st == RR_OK; i++) {
        int64_t k = c.arr->offset + c.start + i;
        int32_t o0 = offs[k], o1 = offs[k + 1];
        if (o0 < 0 || o1 < o0 || o1 > fsl->length || (fsl->offset + o1) * 2 > flt->length || (o1 > o0 && !fl)) {
            bad(b, "strip %lld out of range", (long long)i);
            break;
        }
        float radius = radius_at(b, 1, i);
        uint32_t color = color_at(&col, i);
        double sum[2] = {0, 0};
        for (int32_t p = o0; p < o1 && st == RR_OK; p++) {
            const float *q = fl + flt->offset + (fsl->offset + p) * 2;
            grow_bounds(b->e, q[0], q[1]);
            sum[0] += q[0], sum[1] += q[1];
            if (p + 1 < o1) st = push_segs(&segs, &prims, &ns, &cap, q, q + 2, radius, color, (uint32_t)i, err);
        }
        /* A strip's label sits at the mean of its points, as Rerun's. */
        float mx = o1 > o0 ? (float)(sum[0] / (o1 - o0)) : NAN, my = o1 > o0 ? (float)(sum[1] / (o1 - o0)) : NAN;
        b->e->inst[i] = (inst_t){{mx, my, mx, my}, false, color};
    }
    if (b->e->why[0]) {
        free(segs);
        free(prims);
        return RR_OK;
    }
    return finish_segs(b, segs, prims, ns, st, err);
}

static rr_status_t build_arrows(build_t *b, rr_error_t *err) {
    rr_cell_t vc, oc;
    const uint8_t *vec = NULL, *org = NULL;
    if (!rr_cell_of(&b->rows[0], &vc) || !(vec = rr_cell_fsl(&vc, 2, "f"))) {
        bad(b, "vectors: unexpected datatype");
        return RR_OK;
    }
    if (b->found[1] && rr_cell_of(&b->rows[1], &oc) && oc.len > 0 && !(org = rr_cell_fsl(&oc, 2, "f"))) {
        bad(b, "origins: unexpected datatype");
        return RR_OK;
    }
    size_t n = (size_t)vc.len;
    colorer_t col;
    colorer_init(&col, b, 3, 4, -1);
    rr_gfx_segment_t *segs = malloc((n ? n : 1) * sizeof *segs);
    b->e->prims = malloc((n ? n : 1) * sizeof *b->e->prims);
    b->e->inst = calloc(n ? n : 1, sizeof *b->e->inst);
    if (!segs || !b->e->prims || !b->e->inst) {
        free(segs);
        return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: %zu arrows", n);
    }
    for (size_t i = 0; i < n; i++) {
        float v[2], o[2] = {0, 0};
        memcpy(v, vec + i * 8, 8);
        if (org) memcpy(o, org + clamp_i((int64_t)i, oc.len) * 8, 8);
        float tip[2] = {o[0] + v[0], o[1] + v[1]};
        float radius = radius_at(b, 2, (int64_t)i);
        uint32_t color = color_at(&col, (int64_t)i);
        segs[i] = (rr_gfx_segment_t){{o[0], o[1], 0}, {tip[0], tip[1], 0}, radius, color};
        b->e->prims[i] = (prim_t){{o[0], o[1]}, {tip[0], tip[1]}, radius, (uint32_t)i};
        /* Rerun puts an arrow's label 45 % of the way to its tip. */
        float lx = o[0] + v[0] * 0.45f, ly = o[1] + v[1] * 0.45f;
        b->e->inst[i] = (inst_t){{lx, ly, lx, ly}, false, color};
        grow_bounds(b->e, o[0], o[1]);
        grow_bounds(b->e, tip[0], tip[1]);
    }
    b->e->n_prims = b->e->n_inst = n;
    rr_status_t st = rr_gfx_arrows_upload(b->v->r, segs, n, &b->e->buf, err);
    free(segs);
    return st;
}

static rr_status_t build(build_t *b, rr_error_t *err) {
    switch (b->d->kind) {
    case K_ARROWS: return build_arrows(b, err);
    case K_POINTS: return build_points(b, err);
    case K_LINES: return build_lines(b, err);
    case K_BOXES: case K_ELLIPSES: return build_boxes(b, err);
    default: return build_image(b, err);
    }
}

/* ---------------- frames ---------------- */

static bool is_hidden(const rr_spatial2d_t *v, const char *path) {
    for (size_t i = 0; i < v->n_hidden; i++) {
        const char *h = v->hidden[i];
        size_t n = strlen(h);
        if (!strcmp(h, "/") || !strcmp(path, h) || (!strncmp(path, h, n) && path[n] == '/')) return true;
    }
    return false;
}

/* Appends len bytes of text and a NUL to the frame's text; *off is where. */
static rr_status_t push_text(rr_spatial2d_t *v, const char *text, size_t len, size_t *off, rr_error_t *err) {
    size_t need = len + 1;
    if (v->text_len + need > v->text_cap) {
        size_t cap = v->text_cap ? v->text_cap * 2 : 1024;
        while (cap < v->text_len + need) cap *= 2;
        char *t = realloc(v->text, cap);
        if (!t) return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: out of memory");
        v->text = t;
        v->text_cap = cap;
    }
    memcpy(v->text + v->text_len, text, len);
    v->text[v->text_len + len] = 0;
    *off = v->text_len;
    v->text_len += need;
    return RR_OK;
}

static rr_status_t push_item(rr_spatial2d_t *v, const item_t *it, const char *entity, rr_error_t *err) {
    size_t entity_off;
    RR_TRY(push_text(v, entity, strlen(entity), &entity_off, err));
    if (v->n_items == v->cap_items) {
        size_t cap = v->cap_items ? v->cap_items * 2 : 32;
        item_t *n = realloc(v->items, cap * sizeof *n);
        if (!n) return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: out of memory");
        v->items = n;
        v->cap_items = cap;
    }
    item_t *dst = &v->items[v->n_items++];
    *dst = *it;
    dst->seq = v->n_items;
    dst->entity_off = entity_off;
    return RR_OK;
}

static rr_status_t push_label(rr_spatial2d_t *v, const char *text, size_t len, size_t entity_off, uint64_t instance,
                              uint32_t color, const float a[4], bool rect, const rr_mat4_t *m, rr_error_t *err) {
    if (v->n_labels == v->cap_labels) {
        size_t cap = v->cap_labels ? v->cap_labels * 2 : 32;
        label_t *n = realloc(v->labels, cap * sizeof *n);
        if (!n) return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: out of memory");
        v->labels = n;
        v->cap_labels = cap;
    }
    label_t l = {0, entity_off, instance, color, {0, 0, 0, 0}, rect};
    /* Into the view's space: a point, or the bounding box of the corners. */
    float box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (int k = 0; k < (rect ? 4 : 1); k++) {
        rr_vec3_t p = rr_mat4_point(m, rr_v3(k & 1 ? a[2] : a[0], k & 2 ? a[3] : a[1], 0));
        box[0] = fminf(box[0], p.x), box[1] = fminf(box[1], p.y);
        box[2] = fmaxf(box[2], p.x), box[3] = fmaxf(box[3], p.y);
    }
    if (!isfinite(box[0]) || !isfinite(box[1]) || !isfinite(box[2]) || !isfinite(box[3])) return RR_OK;
    memcpy(l.a, box, sizeof box);
    RR_TRY(push_text(v, text, len, &l.text_off, err));
    v->labels[v->n_labels++] = l;
    return RR_OK;
}

/* Rerun's process_labels: shown when asked (ShowLabels), else when there
 * is a single label or fewer than 30 instances; one label for many
 * instances goes to the middle of their bounds; an instance without its own
 * label takes its class's from the annotation context. */
static rr_status_t collect_labels(rr_spatial2d_t *v, const archetype_desc_t *d, const rr_store_row_t *rows,
                                  const bool *found, const entry_t *e, const annotations_t *ann, const item_t *it,
                                  rr_error_t *err) {
    rr_cell_t lc, sc, ic;
    bool has_labels = found[d->i_labels] && rr_cell_of(&rows[d->i_labels], &lc) && lc.len > 0 &&
                      !strcmp(lc.type->format, "u");
    int64_t n_labels = has_labels ? lc.len : 0;
    int i_class = d->kind == K_BOXES || d->kind == K_ARROWS || d->kind == K_ELLIPSES ? 4 : 3;
    bool has_ids = found[i_class] && rr_cell_of(&rows[i_class], &ic) && ic.len > 0 && !strcmp(ic.type->format, "S");
    rr_cell_t kc;
    bool has_kps = d->kind == K_POINTS && found[4] && rr_cell_of(&rows[4], &kc) && kc.len > 0 && !strcmp(kc.type->format, "S");
    bool show = n_labels == 1 || e->n_inst < MAX_LABELS_PER_ENTITY;
    if (found[d->i_show] && rr_cell_of(&rows[d->i_show], &sc) && sc.len > 0 && !strcmp(sc.type->format, "b") &&
        sc.arr->n_buffers >= 2 && sc.arr->buffers[1])
        show = rr_arrow_bit_get(sc.arr->buffers[1], sc.arr->offset + sc.start);
    if (!show || !e->n_inst) return RR_OK;
    size_t entity_off = it->entity_off;
    const uint8_t *text;
    size_t len;
    if (n_labels == 1 && e->n_inst > 1) {
        if (!rr_cell_bytes(&lc, 0, true, &text, &len) || !e->has_bounds) return RR_OK;
        float mid[4] = {(e->bounds[0] + e->bounds[2]) / 2, (e->bounds[1] + e->bounds[3]) / 2, 0, 0};
        return push_label(v, (const char *)text, len, entity_off, RR_PICK_ALL_INSTANCES, e->inst[0].color, mid,
                          false, &it->model, err);
    }
    for (size_t i = 0; i < e->n_inst; i++) {
        text = NULL;
        len = 0;
        if ((int64_t)i < n_labels) {
            if (!rr_cell_bytes(&lc, (int64_t)i, true, &text, &len)) text = NULL;
        } else if (has_ids) {
            double id, kp = 0;
            bool has_kp = has_kps && rr_cell_scalar(&kc, "S", clamp_i((int64_t)i, kc.len), &kp);
            const char *l = NULL;
            if (rr_cell_scalar(&ic, "S", clamp_i((int64_t)i, ic.len), &id))
                resolve_annotation(ann, (uint32_t)id, has_kp, (uint16_t)kp, &l, &len);
            text = (const uint8_t *)l;
        }
        if (!text) continue;
        RR_TRY(push_label(v, (const char *)text, len, entity_off, i, e->inst[i].color, e->inst[i].a, e->inst[i].rect,
                          &it->model, err));
    }
    return RR_OK;
}

static int cmp_items(const void *a, const void *b) {
    const item_t *x = a, *y = b;
    if (x->order < y->order) return -1;
    if (x->order > y->order) return 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void add_bounds(rr_spatial2d_t *v, const float b[4]) {
    if (!v->has_bounds) {
        memcpy(v->bounds, b, sizeof v->bounds);
        v->has_bounds = true;
        return;
    }
    if (b[0] < v->bounds[0]) v->bounds[0] = b[0];
    if (b[1] < v->bounds[1]) v->bounds[1] = b[1];
    if (b[2] > v->bounds[2]) v->bounds[2] = b[2];
    if (b[3] > v->bounds[3]) v->bounds[3] = b[3];
}

/* Entities under the origin holding a Pinhole start spaces of their own
 * (the origin's own pinhole is this view's image space). */
static bool has_pinhole(rr_spatial2d_t *v, const rr_entity_path_t *e, const char *timeline, int64_t t) {
    static const char *const comp = "Pinhole:image_from_camera";
    rr_store_row_t row;
    bool found = false;
    rr_store_query_latest_at(v->store, e, timeline, t, &comp, 1, &row, &found);
    return found;
}

static void origin_pinhole_bounds(rr_spatial2d_t *v, const char *timeline, int64_t t) {
    static const char *const comps[2] = {"Pinhole:resolution", "Pinhole:image_from_camera"};
    rr_store_row_t rows[2];
    bool found[2];
    rr_store_query_latest_at(v->store, &v->origin, timeline, t, comps, 2, rows, found);
    rr_cell_t c;
    const uint8_t *p;
    float r[9];
    if (found[0] && rr_cell_of(&rows[0], &c) && c.len > 0 && (p = rr_cell_fsl(&c, 2, "f"))) {
        memcpy(r, p, 8);
    } else if (found[1] && rr_cell_of(&rows[1], &c) && c.len > 0 && (p = rr_cell_fsl(&c, 9, "f"))) {
        /* No resolution: twice the principal point (column-major [6], [7]). */
        memcpy(r, p, 36);
        r[0] = 2 * r[6], r[1] = 2 * r[7];
    } else {
        return;
    }
    if (r[0] > 0 && r[1] > 0 && isfinite(r[0]) && isfinite(r[1])) add_bounds(v, (float[4]){0, 0, r[0], r[1]});
}

/* ---------------- transforms ---------------- */

enum where { OUTSIDE = 0, IN_SPACE, BEHIND_PINHOLE };

/* Where store entity i is (given those before it: a parent sorts before its
 * children) and, in the space, its transform from the origin. */
static rr_status_t place(rr_spatial2d_t *v, size_t i, const char *timeline, int64_t t, rr_error_t *err) {
    const rr_entity_path_t *e = rr_store_entity(v->store, i);
    v->where[i] = OUTSIDE;
    v->space_from[i] = rr_mat4_identity();
    if (!rr_entity_path_starts_with(e, &v->origin)) return RR_OK;
    v->where[i] = IN_SPACE;
    if (e->n_parts == v->origin.n_parts) return RR_OK; /* the origin: its own transform is the space */
    long j;
    RR_TRY(rr_view_stored_ancestor(v->store, e, i, v->origin.n_parts + 1, &j, err));
    rr_mat4_t parent = j >= 0 ? v->space_from[j] : rr_mat4_identity();
    uint8_t parent_where = j >= 0 ? v->where[j] : IN_SPACE;
    /* A pinhole below the origin starts another space: its subtree is not ours. */
    if (parent_where != IN_SPACE || has_pinhole(v, e, timeline, t)) {
        v->where[i] = BEHIND_PINHOLE;
        return RR_OK;
    }
    char problem[512];
    rr_mat4_t local = rr_view_local_transform(v->store, e, timeline, t, problem, sizeof problem);
    if (problem[0]) warn(v, "%s", problem);
    v->space_from[i] = rr_mat4_mul(&parent, &local);
    return RR_OK;
}

/* Bounds b (in the entity's space) through m, into the view's. */
static void add_bounds_through(rr_spatial2d_t *v, const float b[4], const rr_mat4_t *m) {
    float out[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (int k = 0; k < 4; k++) {
        rr_vec3_t p = rr_mat4_point(m, rr_v3(k & 1 ? b[2] : b[0], k & 2 ? b[3] : b[1], 0));
        if (!isfinite(p.x) || !isfinite(p.y)) return;
        out[0] = fminf(out[0], p.x), out[1] = fminf(out[1], p.y);
        out[2] = fmaxf(out[2], p.x), out[3] = fmaxf(out[3], p.y);
    }
    add_bounds(v, out);
}

static int cmp_last_used(const void *a, const void *b) {
    const entry_t *x = *(entry_t *const *)a, *y = *(entry_t *const *)b;
    return x->last_used < y->last_used ? -1 : x->last_used > y->last_used;
}

/* Over the budget, the GPU data of the entries least recently drawn goes
 * (the entries stay, to be rebuilt if drawn again): scrubbing through a
 * chunk of large images must not keep a texture per row. */
static void evict(rr_spatial2d_t *v) {
    if (v->gpu_bytes <= v->gpu_budget) return;
    size_t n = 0;
    for (size_t i = 0; i < v->cache.n_buckets; i++)
        for (rr_row_cache_entry_t *b = v->cache.buckets[i]; b; b = b->next) {
            entry_t *e = (entry_t *)b;
            n += e->last_used != v->frame && e->gpu_bytes;
        }
    entry_t **old = n ? malloc(n * sizeof *old) : NULL;
    if (!old) return; /* out of memory: keep them, still correct */
    size_t k = 0;
    for (size_t i = 0; i < v->cache.n_buckets; i++)
        for (rr_row_cache_entry_t *b = v->cache.buckets[i]; b; b = b->next) {
            entry_t *e = (entry_t *)b;
            if (e->last_used != v->frame && e->gpu_bytes) old[k++] = e;
        }
    qsort(old, n, sizeof *old, cmp_last_used);
    for (size_t i = 0; i < n && v->gpu_bytes > v->gpu_budget; i++) entry_reset(v, old[i]);
    free(old);
}

rr_status_t rr_spatial2d_prepare(rr_spatial2d_t *v, const char *timeline, int64_t t, rr_error_t *err) {
    v->frame++;
    v->n_items = 0;
    v->n_labels = 0;
    if (!v->timeline || !timeline || strcmp(v->timeline, timeline)) {
        free(v->timeline);
        v->timeline = timeline ? strdup(timeline) : NULL;
        if (timeline && !v->timeline) return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: out of memory");
    }
    v->time = t;
    v->text_len = 0;
    v->has_bounds = false;
    v->warning[0] = 0;
    size_t n = rr_store_num_entities(v->store);
    if (n > v->cap_entities) {
        rr_mat4_t *m = realloc(v->space_from, n * sizeof *m);
        if (m) v->space_from = m;
        uint8_t *w = realloc(v->where, n);
        if (w) v->where = w;
        if (!m || !w) return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: out of memory");
        v->cap_entities = n;
    }
    origin_pinhole_bounds(v, timeline, t);
    int n_color = 0, n_depth = 0;
    for (size_t i = 0; i < n; i++) {
        RR_TRY(place(v, i, timeline, t, err));
        const rr_entity_path_t *e = rr_store_entity(v->store, i);
        if (v->where[i] != IN_SPACE || is_hidden(v, e->str)) continue;
        annotations_t ann = {0};
        bool ann_loaded = false;
        for (size_t a = 0; a < N_ARCHETYPES; a++) {
            const archetype_desc_t *d = &archetypes[a];
            rr_store_row_t rows[MAX_COMPONENTS];
            bool found[MAX_COMPONENTS];
            rr_store_query_latest_at(v->store, e, timeline, t, d->components, d->n, rows, found);
            if (!found[0]) continue;
            bool needs_ann = d->kind == K_SEGMENTATION || d->kind >= K_POINTS;
            if (needs_ann && !ann_loaded) {
                load_annotations(v, e, timeline, t, &ann);
                ann_loaded = true;
            }
            uint64_t key2 = needs_ann ? ann.key : 0;
            for (size_t k = 1; k < d->n_build; k++) key2 = key2 * 31 + rr_cell_row_key(&rows[k], found[k]);
            entry_t *ce = cache_find(v, rows[0].chunk->id, rows[0].row, d->kind);
            if (ce && ce->key2 != key2) entry_reset(v, ce); /* a format or colour changed: rebuild */
            if (!ce) {
                ce = cache_insert(v, rows[0].chunk->id, rows[0].row, d->kind);
                if (!ce) {
                    annotations_free(&ann);
                    return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: out of memory");
                }
            }
            if (!ce->built) {
                build_t b = {v, e, d, rows, found, &ann, ce};
                rr_status_t st = build(&b, err);
                if (st != RR_OK) {
                    entry_reset(v, ce);
                    annotations_free(&ann);
                    return rr_error_prefix(err, "%s: ", e->str);
                }
                ce->built = true;
                ce->key2 = key2;
                ce->gpu_bytes = (ce->tex ? rr_gfx_texture_bytes(ce->tex) : 0) + (ce->buf ? rr_gfx_buffer_bytes(ce->buf) : 0) +
                                (ce->conn_buf ? rr_gfx_buffer_bytes(ce->conn_buf) : 0);
                v->gpu_bytes += ce->gpu_bytes;
            }
            ce->last_used = v->frame;
            if (ce->why[0]) {
                warn(v, "%s", ce->why);
                continue;
            }
            if (ce->downscaled)
                warn(v, "%s: %s: %dx%d is larger than the GPU takes; shown downscaled", e->str, d->name, ce->img_w,
                     ce->img_h);
            item_t it = {d->kind, default_order(d->kind), 0, ce, -1.0f, 0, v->space_from[i]};
            double x;
            if (d->i_order >= 0 && rr_cell_row_scalar(&rows[d->i_order], found[d->i_order], "f", &x) && isfinite(x))
                it.order = (float)x;
            if (d->i_opacity >= 0 && rr_cell_row_scalar(&rows[d->i_opacity], found[d->i_opacity], "f", &x))
                it.opacity = (float)(x < 0 ? 0 : x > 1 ? 1 : x);
            if (d->kind == K_DEPTH || d->kind == K_ENCODED_DEPTH) it.opacity = 1.0f;
            if (is_image(d->kind)) {
                double mag = MAG_NEAREST;
                if (d->i_mag >= 0) rr_cell_row_scalar(&rows[d->i_mag], found[d->i_mag], "C", &mag);
                rr_gfx_texture_set_nearest(ce->tex, mag == MAG_NEAREST);
                if (d->kind == K_DEPTH || d->kind == K_ENCODED_DEPTH) n_depth++;
                if (d->kind == K_IMAGE || d->kind == K_ENCODED) n_color++;
            }
            if (ce->has_bounds) add_bounds_through(v, ce->bounds, &it.model);
            rr_status_t st = push_item(v, &it, e->str, err);
            if (st == RR_OK && d->i_labels >= 0)
                st = collect_labels(v, d, rows, found, ce, &ann, &v->items[v->n_items - 1], err);
            if (st != RR_OK) {
                annotations_free(&ann);
                return st;
            }
        }
        annotations_free(&ann);
    }
    /* Rerun's opacity fallbacks: colour over depth, segmentation over other images, at half. */
    for (size_t i = 0; i < v->n_items; i++) {
        item_t *it = &v->items[i];
        if (it->opacity >= 0) continue;
        if (it->kind == K_SEGMENTATION) it->opacity = n_color + n_depth > 0 ? 0.5f : 1.0f;
        else if (it->kind == K_IMAGE || it->kind == K_ENCODED) it->opacity = n_depth > 0 ? 0.5f : 1.0f;
        else it->opacity = 1.0f;
    }
    if (v->n_items > 1) qsort(v->items, v->n_items, sizeof *v->items, cmp_items);
    evict(v);
    return RR_OK;
}

/* ---------------- the camera ---------------- */

typedef struct cam {
    float cx, cy, scale; /* scene point at the target's centre; pixels per scene unit */
} cam_t;

static cam_t fitted(const rr_spatial2d_t *v, int w, int h) {
    if (!v->has_bounds || w < 1 || h < 1) return (cam_t){w * 0.5f, h * 0.5f, 1.0f};
    float bw = v->bounds[2] - v->bounds[0], bh = v->bounds[3] - v->bounds[1];
    if (!(bw > 1e-6f)) bw = bh > 1e-6f ? bh : 1.0f;
    if (!(bh > 1e-6f)) bh = bw;
    float sx = (float)w / bw, sy = (float)h / bh;
    return (cam_t){(v->bounds[0] + v->bounds[2]) * 0.5f, (v->bounds[1] + v->bounds[3]) * 0.5f, sx < sy ? sx : sy};
}

static cam_t camera(const rr_spatial2d_t *v, int w, int h) {
    return v->user_cam ? (cam_t){v->cam_cx, v->cam_cy, v->cam_scale} : fitted(v, w, h);
}

static void take_camera(rr_spatial2d_t *v, int w, int h) {
    cam_t c = camera(v, w, h);
    v->cam_cx = c.cx, v->cam_cy = c.cy, v->cam_scale = c.scale;
    v->user_cam = true;
}

void rr_spatial2d_pan(rr_spatial2d_t *v, int w, int h, float dx, float dy) {
    take_camera(v, w, h);
    v->cam_cx -= dx / v->cam_scale;
    v->cam_cy -= dy / v->cam_scale;
}

void rr_spatial2d_zoom(rr_spatial2d_t *v, int w, int h, float factor, float px, float py) {
    if (!(factor > 0) || !isfinite(factor)) return;
    take_camera(v, w, h);
    float ox = px - w * 0.5f, oy = py - h * 0.5f;
    float sx = v->cam_cx + ox / v->cam_scale, sy = v->cam_cy + oy / v->cam_scale;
    float s = v->cam_scale * factor;
    if (s < 1e-6f) s = 1e-6f;
    if (s > 1e6f) s = 1e6f;
    v->cam_scale = s;
    v->cam_cx = sx - ox / s;
    v->cam_cy = sy - oy / s;
}

void rr_spatial2d_reset_view(rr_spatial2d_t *v) { v->user_cam = false; }

void rr_spatial2d_visible_rect(rr_spatial2d_t *v, int w, int h, float out[4]) {
    cam_t c = camera(v, w, h);
    out[0] = c.cx - w * 0.5f / c.scale, out[1] = c.cy - h * 0.5f / c.scale;
    out[2] = c.cx + w * 0.5f / c.scale, out[3] = c.cy + h * 0.5f / c.scale;
}

bool rr_spatial2d_bounds(const rr_spatial2d_t *v, float out[4]) {
    if (v->has_bounds) memcpy(out, v->bounds, sizeof v->bounds);
    return v->has_bounds;
}

/* The renderer's view and projection for the camera: the view flips y (the
 * scene's y runs down) so the projection keeps a positive y scale, which
 * the renderer's UI-point radii rely on. */
static void matrices(const cam_t *c, int w, int h, rr_mat4_t *view, rr_mat4_t *proj) {
    *view = rr_mat4_identity();
    view->m[5] = -1.0f;
    *proj = rr_mat4_identity();
    proj->m[0] = 2.0f * c->scale / (float)w;
    proj->m[5] = 2.0f * c->scale / (float)h;
    proj->m[10] = -1.0f;
    proj->m[12] = -2.0f * c->scale * c->cx / (float)w;
    proj->m[13] = 2.0f * c->scale * c->cy / (float)h;
}

/* ---------------- highlights ---------------- */

static bool matches(const rr_pick_t *p, const char *entity) { return p->hit && !strcmp(p->entity, entity); }

static void outline_rect(rr_spatial2d_t *v, const rr_mat4_t *model, float x0, float y0, float x1, float y1,
                         uint32_t color) {
    rr_gfx_segment_t s[4];
    const float c[4][2] = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}};
    for (int k = 0; k < 4; k++)
        s[k] = (rr_gfx_segment_t){{c[k][0], c[k][1], 0}, {c[(k + 1) % 4][0], c[(k + 1) % 4][1], 0}, -OUTLINE_PX, color};
    rr_gfx_draw_segments(v->r, s, 4, model);
}

/* As the 3D view does it: the instance grown by OUTLINE_PX in the outline
 * colour, then the instance itself again on top, over everything. */
static void outline_item(rr_spatial2d_t *v, const item_t *it, const rr_pick_t *p, uint32_t color) {
    entry_t *e = it->e;
    if (is_image(it->kind)) {
        outline_rect(v, &it->model, 0, 0, (float)e->img_w, (float)e->img_h, color);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < e->n_prims; i++)
        n += p->instance == RR_PICK_ALL_INSTANCES || e->prims[i].instance == p->instance;
    if (!n) return;
    bool points = it->kind == K_POINTS;
    void *geo = malloc(n * (points ? sizeof(rr_gfx_point_t) : sizeof(rr_gfx_segment_t)));
    if (!geo) return; /* out of memory: no outline this frame */
    size_t k = 0;
    for (size_t i = 0; i < e->n_prims; i++) {
        const prim_t *q = &e->prims[i];
        if (p->instance != RR_PICK_ALL_INSTANCES && q->instance != p->instance) continue;
        uint32_t c = q->instance < e->n_inst ? e->inst[q->instance].color : color;
        if (points) ((rr_gfx_point_t *)geo)[k++] = (rr_gfx_point_t){{q->a[0], q->a[1], 0}, q->radius, c};
        else ((rr_gfx_segment_t *)geo)[k++] = (rr_gfx_segment_t){{q->a[0], q->a[1], 0}, {q->b[0], q->b[1], 0}, q->radius, c};
    }
    const rr_gfx_style_t grown = {.grow_px = OUTLINE_PX, .color = color, .color_mix = 1.0f, .overlay = true};
    const rr_gfx_style_t plain = {.overlay = true};
    for (int pass = 0; pass < 2; pass++) {
        rr_gfx_set_style(v->r, pass ? &plain : &grown);
        if (points) rr_gfx_draw_points(v->r, geo, n, &it->model);
        else if (it->kind == K_ARROWS) rr_gfx_draw_arrows(v->r, geo, n, &it->model);
        else rr_gfx_draw_segments(v->r, geo, n, &it->model);
    }
    free(geo);
}

rr_status_t rr_spatial2d_draw(rr_spatial2d_t *v, rr_gfx_target_t *target, rr_error_t *err) {
    int w = rr_gfx_target_width(target), h = rr_gfx_target_height(target);
    cam_t c = camera(v, w, h);
    rr_mat4_t view, proj;
    matrices(&c, w, h, &view, &proj);
    rr_mat4_t mvp = rr_mat4_mul(&proj, &view);
    static const float background[4] = {0, 0, 0, 1}; /* Rerun's dark viewport_background */
    rr_gfx_begin(v->r, target, &view, &proj, background);
    /* Draw order alone decides what is on top: no depth test for the
     * renderer's draws nor for the image quads. */
    static const rr_gfx_style_t flat = {.overlay = true};
    rr_gfx_set_style(v->r, &flat);
    for (size_t i = 0; i < v->n_items; i++) {
        const item_t *it = &v->items[i];
        if (is_image(it->kind)) {
            rr_mat4_t m = rr_mat4_mul(&mvp, &it->model);
            rr_gfx_quad_draw(v->quad, it->e->tex, &m, 0, 0, (float)it->e->img_w, (float)it->e->img_h, it->opacity);
        } else {
            rr_gfx_draw(v->r, it->e->conn_buf, &it->model);
            rr_gfx_draw(v->r, it->e->buf, &it->model);
        }
    }
    for (size_t i = 0; i < v->n_items; i++) {
        const item_t *it = &v->items[i];
        const char *entity = v->text + it->entity_off;
        if (matches(&v->selected, entity)) outline_item(v, it, &v->selected, SELECT_COLOR);
    }
    for (size_t i = 0; i < v->n_items; i++) {
        const item_t *it = &v->items[i];
        if (matches(&v->hover, v->text + it->entity_off)) outline_item(v, it, &v->hover, HOVER_COLOR);
    }
    rr_gfx_set_style(v->r, NULL);
    return rr_gfx_end(v->r, err);
}

/* ---------------- picking ---------------- */

static float seg_dist(const float p[2], const float a[2], const float b[2]) {
    float dx = b[0] - a[0], dy = b[1] - a[1];
    float l2 = dx * dx + dy * dy;
    float t = l2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    float qx = a[0] + t * dx - p[0], qy = a[1] + t * dy - p[1];
    return sqrtf(qx * qx + qy * qy);
}

static const char *kind_name(int kind) {
    for (size_t a = 0; a < N_ARCHETYPES; a++)
        if (archetypes[a].kind == kind) return archetypes[a].name;
    return "";
}

bool rr_spatial2d_pick(rr_spatial2d_t *v, int w, int h, float px, float py, rr_pick_t *out) {
    memset(out, 0, sizeof *out);
    out->instance = RR_PICK_ALL_INSTANCES;
    if (w < 1 || h < 1) return false;
    cam_t c = camera(v, w, h);
    float world[2] = {c.cx + (px - w * 0.5f) / c.scale, c.cy + (py - h * 0.5f) / c.scale};
    for (size_t i = v->n_items; i-- > 0;) {
        const item_t *it = &v->items[i];
        const entry_t *e = it->e;
        bool hit = false;
        /* Into the entity's own space (image pixels for images). */
        rr_mat4_t inv;
        if (!rr_mat4_invert(&it->model, &inv)) continue;
        rr_vec3_t q3 = rr_mat4_point(&inv, rr_v3(world[0], world[1], 0));
        float s[2] = {q3.x, q3.y};
        float ms = rr_mat4_max_scale(&it->model);
        float scale = c.scale * (ms > 0 ? ms : 1.0f);
        uint64_t instance = RR_PICK_ALL_INSTANCES;
        if (is_image(it->kind)) {
            hit = it->opacity > 0 && s[0] >= 0 && s[1] >= 0 && s[0] < (float)e->img_w && s[1] < (float)e->img_h;
        } else {
            float best = INFINITY;
            for (size_t k = 0; k < e->n_prims; k++) {
                const prim_t *q = &e->prims[k];
                float r_px = q->radius < 0 ? -q->radius : q->radius * scale;
                float d_px = seg_dist(s, q->a, q->b) * scale;
                /* Thin things get a little slack, as a mouse needs. */
                float slack = it->kind == K_POINTS ? 1.0f : 2.0f;
                if (d_px <= r_px + slack && d_px - r_px < best) {
                    best = d_px - r_px;
                    instance = q->instance;
                    hit = true;
                }
            }
        }
        if (!hit) continue;
        out->hit = true;
        snprintf(out->entity, sizeof out->entity, "%s", v->text + it->entity_off);
        snprintf(out->archetype, sizeof out->archetype, "%s", kind_name(it->kind));
        out->instance = instance;
        const float *at = is_image(it->kind) ? s : world;
        out->world[0] = at[0], out->world[1] = at[1], out->world[2] = 0;
        return true;
    }
    return false;
}

void rr_spatial2d_set_highlight(rr_spatial2d_t *v, const rr_pick_t *hover, const rr_pick_t *selected) {
    memset(&v->hover, 0, sizeof v->hover);
    memset(&v->selected, 0, sizeof v->selected);
    if (hover) v->hover = *hover;
    if (selected) v->selected = *selected;
    v->hover.entity[sizeof v->hover.entity - 1] = 0;
    v->selected.entity[sizeof v->selected.entity - 1] = 0;
}

rr_status_t rr_spatial2d_set_hidden(rr_spatial2d_t *v, const char *const *entities, size_t n,
                                    rr_error_t *err) {
    char **copy = n ? calloc(n, sizeof *copy) : NULL;
    if (n && !copy) return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: out of memory");
    for (size_t i = 0; i < n; i++) {
        /* Accept "image" as well as "/image". */
        const char *e = entities[i] ? entities[i] : "";
        size_t len = strlen(e);
        copy[i] = malloc(len + 2);
        if (!copy[i]) {
            for (size_t k = 0; k < i; k++) free(copy[k]);
            free(copy);
            return rr_error_set(err, RR_ERR_NOMEM, "spatial2d: out of memory");
        }
        snprintf(copy[i], len + 2, "%s%s", e[0] == '/' ? "" : "/", e);
    }
    for (size_t i = 0; i < v->n_hidden; i++) free(v->hidden[i]);
    free(v->hidden);
    v->hidden = copy;
    v->n_hidden = n;
    return RR_OK;
}

bool rr_spatial2d_pixel(rr_spatial2d_t *v, const char *entity, uint32_t x, uint32_t y, rr_spatial2d_pixel_t *out) {
    memset(out, 0, sizeof *out);
    rr_entity_path_t e = {0};
    if (!entity || rr_entity_path_parse(entity, strlen(entity), &e, NULL) != RR_OK) return false;
    bool ok = false;
    /* The raw images, topmost kind first as they stack by default. */
    static const int kinds[3] = {K_SEGMENTATION, K_IMAGE, K_DEPTH};
    for (int k = 0; k < 3 && !ok; k++) {
        const archetype_desc_t *d = NULL;
        for (size_t a = 0; a < N_ARCHETYPES; a++)
            if (archetypes[a].kind == kinds[k]) d = &archetypes[a];
        rr_store_row_t rows[MAX_COMPONENTS];
        bool found[MAX_COMPONENTS];
        rr_store_query_latest_at(v->store, &e, v->timeline, v->time, d->components, d->n, rows, found);
        rr_cell_t c;
        const uint8_t *bytes;
        size_t len;
        rr_image_spec_t spec;
        if (!found[0] || !found[1] || !rr_cell_of(&rows[0], &c) || !rr_cell_bytes(&c, 0, false, &bytes, &len) ||
            !rr_cell_image_format(&rows[1], &spec) || x >= spec.width || y >= spec.height)
            continue;
        if (spec.pixel_format) {
            /* YUV: the colour shown (the whole image converted: a hover, not a loop). */
            uint8_t *rgba = NULL;
            if (rr_image_to_rgba(&spec, bytes, len, &rgba, NULL) != RR_OK) continue;
            const uint8_t *px = rgba + ((size_t)y * spec.width + x) * 4;
            for (int ch = 0; ch < 3; ch++) out->value[ch] = px[ch];
            out->channels = 3;
            free(rgba);
        } else {
            for (int ch = 0; ch < 4; ch++)
                if (rr_image_value_at(&spec, bytes, len, x, y, ch, &out->value[ch])) out->channels = ch + 1;
            if (!out->channels) continue;
        }
        out->width = spec.width, out->height = spec.height;
        out->kind = kinds[k] == K_DEPTH ? RR_SPATIAL2D_PIXEL_DEPTH
                    : kinds[k] == K_SEGMENTATION ? RR_SPATIAL2D_PIXEL_CLASS : RR_SPATIAL2D_PIXEL_COLOR;
        if (kinds[k] == K_DEPTH) {
            /* Rerun's DepthMeter fallback: 1 for float images, 1000 for integer ones. */
            int dt = spec.channel_datatype;
            double meter = dt == 33 || dt == 34 || dt == 35 ? 1.0 : 1000.0, m;
            rr_cell_t mc;
            static const char *const meter_c = "DepthImage:meter";
            rr_store_row_t mrow;
            bool mfound = false;
            rr_store_query_latest_at(v->store, &e, v->timeline, v->time, &meter_c, 1, &mrow, &mfound);
            if (mfound && rr_cell_of(&mrow, &mc) && rr_cell_scalar(&mc, "f", 0, &m) && m != 0) meter = m;
            out->meters = out->value[0] / meter;
        }
        ok = true;
    }
    rr_entity_path_free(&e);
    return ok;
}

size_t rr_spatial2d_num_labels(const rr_spatial2d_t *v) { return v->n_labels; }

bool rr_spatial2d_label(rr_spatial2d_t *v, size_t i, int w, int h, rr_spatial2d_label_t *out) {
    memset(out, 0, sizeof *out);
    if (i >= v->n_labels || w < 1 || h < 1) return false;
    const label_t *l = &v->labels[i];
    cam_t c = camera(v, w, h);
    float x0 = (l->a[0] - c.cx) * c.scale + w * 0.5f, y0 = (l->a[1] - c.cy) * c.scale + h * 0.5f;
    out->text = v->text + l->text_off;
    out->entity = v->text + l->entity_off;
    out->instance = l->instance;
    out->color = l->color;
    if (l->rect) {
        float x1 = (l->a[2] - c.cx) * c.scale + w * 0.5f, y1 = (l->a[3] - c.cy) * c.scale + h * 0.5f;
        /* Below the box's bottom edge, wrapped to its width (at least 60). */
        out->x = (x0 + x1) * 0.5f, out->y = y1;
        out->wrap_width = x1 - x0 - 4.0f > 60.0f ? x1 - x0 - 4.0f : 60.0f;
    } else {
        out->x = x0, out->y = y0;
    }
    return true;
}

size_t rr_spatial2d_num_drawables(const rr_spatial2d_t *v) { return v->n_items; }
const char *rr_spatial2d_warning(const rr_spatial2d_t *v) { return v->warning[0] ? v->warning : NULL; }
size_t rr_spatial2d_cache_size(const rr_spatial2d_t *v) { return v->cache.n_entries; }
size_t rr_spatial2d_gpu_bytes(const rr_spatial2d_t *v) { return v->gpu_bytes; }
void rr_spatial2d_set_gpu_budget(rr_spatial2d_t *v, size_t bytes) { v->gpu_budget = bytes; }
