/* The Spatial 3D view (spatial3d.h): per-frame latest-at queries, the
 * transform hierarchy, geometry (built by spatial3d_build.c) cached on the
 * GPU per chunk with a CPU copy for picking and highlights, then one draw
 * per entity and archetype, then the highlights. */
#include "viewer/views/spatial3d_internal.h"
#include "viewer/views/transform.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rr_spatial3d_options_default(rr_spatial3d_options_t *o) {
    o->grid = true;
    o->axes = true;
    /* Rerun's dark 3D background. */
    o->background[0] = 0.05f, o->background[1] = 0.05f, o->background[2] = 0.06f;
    o->background[3] = 1.0f;
}

/* ---------------- the GPU cache ---------------- */

void rr_s3d_warn(rr_spatial3d_t *v, const char *fmt, ...) {
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

static void drop_entry(void *ctx, rr_row_cache_entry_t *base) {
    cache_entry_t *e = (cache_entry_t *)base;
    entry_clear(ctx, e);
    free(e);
}

static void drop_chunk(rr_spatial3d_t *v, rr_tuid_t id) { rr_row_cache_drop_chunk(&v->cache, id, drop_entry, v); }

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
    return (cache_entry_t *)rr_row_cache_find(&v->cache, id, row, kind);
}

static cache_entry_t *cache_insert(rr_spatial3d_t *v, rr_tuid_t id, int64_t row, int kind) {
    return (cache_entry_t *)rr_row_cache_insert(&v->cache, sizeof(cache_entry_t), id, row, kind);
}

rr_status_t rr_spatial3d_new(rr_gfx_renderer_t *r, rr_store_t *store, rr_spatial3d_t **out,
                             rr_error_t *err) {
    *out = NULL;
    rr_spatial3d_t *v = calloc(1, sizeof *v);
    if (v && !rr_row_cache_init(&v->cache, 256)) {
        free(v);
        v = NULL;
    }
    if (!v) {
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
    rr_row_cache_free(&v->cache, drop_entry, v);
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

/* ---------------- transforms ---------------- */

/* World transform of entity i, given those of the entities before it (a
 * parent sorts before its children). */
static rr_status_t world_of(rr_spatial3d_t *v, size_t i, const char *timeline, int64_t t, rr_error_t *err) {
    const rr_entity_path_t *e = rr_store_entity(v->store, i);
    long j;
    RR_TRY(rr_view_stored_ancestor(v->store, e, i, 0, &j, err));
    rr_mat4_t parent = j >= 0 ? v->world[j] : rr_mat4_identity();
    char problem[512];
    rr_mat4_t local = rr_view_local_transform(v->store, e, timeline, t, problem, sizeof problem);
    if (problem[0]) rr_s3d_warn(v, "%s", problem);
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
    if (!found || !rr_s3d_cell_span(&row, "C", 3, &s, &why) || s.n < 1) return false;
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
    for (size_t k = 1; k < d->n; k++) key2 = key2 * 31 + rr_cell_row_key(&rows[k], found[k]);
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
    span_t tr = rr_s3d_opt_span(&b, 0, "f", 3, "InstancePoses3D:translations");
    span_t sc = rr_s3d_opt_span(&b, 3, "f", 3, "InstancePoses3D:scales");
    span_t m3 = rr_s3d_opt_span(&b, 4, "f", 9, "InstancePoses3D:mat3x3");
    rotations_t rot;
    rr_s3d_read_rotations(&b, 1, 2, "InstancePoses3D", &rot);
    int64_t n = tr.n;
    if (rot.len > n) n = rot.len;
    if (rot.quats.n > n) n = rot.quats.n;
    if (sc.n > n) n = sc.n;
    if (m3.n > n) n = m3.n;
    for (int k = 0; k < 5; k++) *key = *key * 31 + rr_cell_row_key(&rows[k], found[k]);
    if ((size_t)n > v->cap_poses) {
        rr_mat4_t *p = realloc(v->poses, (size_t)n * sizeof *p);
        if (!p) return rr_error_set(err, RR_ERR_NOMEM, "spatial3d: %lld instance poses", (long long)n);
        v->poses = p;
        v->cap_poses = (size_t)n;
    }
    for (int64_t i = 0; i < n; i++) {
        rr_mat4_t m = rr_mat4_translation(rr_s3d_span_v3(&tr, i, rr_v3(0, 0, 0)));
        rr_mat4_t r = rr_s3d_rotation_at(&rot, i);
        m = rr_mat4_mul(&m, &r);
        if (sc.n) {
            rr_mat4_t s = rr_mat4_scale(rr_s3d_span_v3(&sc, i, rr_v3(1, 1, 1)));
            m = rr_mat4_mul(&m, &s);
        }
        if (m3.n) {
            float f[9];
            for (int k = 0; k < 9; k++) f[k] = rr_s3d_span_f(&m3, 9, rr_s3d_clamp_i(i, m3.n), k);
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

/* The nearest entity at or above store entity i with a Pinhole at
 * (timeline, t): *out its index (-1: none) and *cam its intrinsics and
 * resolution. */
static rr_status_t find_pinhole(rr_spatial3d_t *v, size_t i, const char *timeline, int64_t t,
                                rr_s3d_camera_t *cam, long *out, rr_error_t *err) {
    long j = (long)i;
    while (j >= 0) {
        const rr_entity_path_t *e = rr_store_entity(v->store, (size_t)j);
        rr_store_row_t rows[2];
        bool found[2];
        rr_store_query_latest_at(v->store, e, timeline, t, rr_s3d_pinhole_components, 2, rows, found);
        span_t k, res;
        const char *why = NULL;
        if (found[0] && rr_s3d_cell_span(&rows[0], "f", 9, &k, &why) && k.n > 0) {
            for (int c = 0; c < 9; c++) cam->k[c] = rr_s3d_span_f(&k, 9, 0, c);
            cam->has_res = found[1] && rr_s3d_cell_span(&rows[1], "f", 2, &res, &why) && res.n > 0;
            cam->res[0] = cam->has_res ? rr_s3d_span_f(&res, 2, 0, 0) : 1;
            cam->res[1] = cam->has_res ? rr_s3d_span_f(&res, 2, 0, 1) : 1;
            *out = j;
            return RR_OK;
        }
        long up = -1;
        RR_TRY(rr_view_stored_ancestor(v->store, e, (size_t)j, 0, &up, err));
        j = up;
    }
    *out = -1;
    return RR_OK;
}

/* A depth image as a cloud in the space of the pinhole above it (Rerun
 * places it at the pinhole, ignoring any transform in between), or a
 * warning when there is none. */
static rr_status_t draw_depth_cloud(rr_spatial3d_t *v, size_t i, const archetype_desc_t *d,
                                    const rr_store_row_t *rows, const bool *found,
                                    const rr_mat4_t *view_from_world, const char *timeline, int64_t t,
                                    rr_error_t *err) {
    const rr_entity_path_t *e = rr_store_entity(v->store, i);
    long pj = -1;
    RR_TRY(find_pinhole(v, i, timeline, t, &v->depth_cam, &pj, err));
    if (pj < 0) {
        rr_s3d_warn(v, "%s: cannot draw the depth image as a 3D point cloud: it is not under a pinhole camera",
                    e->str);
        return RR_OK;
    }
    uint8_t codes[3] = {3, 2, 5}; /* RDF, Rerun's fallback */
    view_coordinates(v, rr_store_entity(v->store, (size_t)pj), "Pinhole:camera_xyz", timeline, t, codes);
    rr_mat4_t rdf = from_rdf(codes), m = rr_mat4_mul(view_from_world, &v->world[pj]);
    m = rr_mat4_mul(&m, &rdf);
    /* The cloud depends on the camera: it is part of the cache key. */
    uint64_t key = 0x9e3779b97f4a7c15ull;
    uint32_t bits;
    for (int c = 0; c < 9; c++) {
        memcpy(&bits, &v->depth_cam.k[c], 4);
        key = (key ^ bits) * 0x100000001b3ull;
    }
    for (int c = 0; c < 2; c++) {
        memcpy(&bits, &v->depth_cam.res[c], 4);
        key = (key ^ bits ^ (uint64_t)v->depth_cam.has_res << 40) * 0x100000001b3ull;
    }
    return use_entry(v, e, d, rows, found, key, &m, 0, true, false, err);
}

/* The origin's world transform: that of the origin or of its closest
 * ancestor the store knows (paths without data add no transform). */
static rr_mat4_t origin_world(rr_spatial3d_t *v) {
    rr_mat4_t m = rr_mat4_identity();
    if (!v->has_origin) return m;
    rr_entity_path_t cur = {0}, up = {0};
    if (rr_entity_path_copy(&v->origin, &cur, NULL) != RR_OK) return m;
    for (;;) {
        long j = rr_view_find_entity(v->store, &cur);
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
        rr_s3d_warn(v, "%s: the origin's transform cannot be inverted", v->origin.str);
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
            for (size_t a = 0; a < rr_s3d_n_archetypes; a++) {
                const archetype_desc_t *d = &rr_s3d_archetypes[a];
                if ((d == PINHOLE_DESC) != (pass == 1)) continue;
                rr_store_row_t rows[MAX_COMPONENTS];
                bool found[MAX_COMPONENTS];
                rr_store_query_latest_at(v->store, e, timeline, t, d->components, d->n, rows, found);
                if (!found[0]) continue;
                if (d->kind == VIS_DEPTH || d->kind == VIS_ENCODED_DEPTH) {
                    RR_TRY(draw_depth_cloud(v, i, d, rows, found, &view_from_world, timeline, t, err));
                    continue;
                }
                if (d != PINHOLE_DESC) {
                    RR_TRY(draw_with_poses(v, e, d, rows, found, &model, poses_key, err));
                    continue;
                }
                if (pass == 0) continue;
                float plane = plane_default;
                span_t s;
                const char *why = NULL;
                if (found[4] && rr_s3d_cell_span(&rows[4], "f", 0, &s, &why) && s.n > 0) {
                    float p = rr_s3d_span_f(&s, 1, 0, 0);
                    if (isfinite(p) && p > 0) plane = p;
                }
                uint8_t codes[3] = {3, 2, 5}; /* RDF, Rerun's fallback */
                view_coordinates(v, e, "Pinhole:camera_xyz", timeline, t, codes);
                rr_mat4_t rdf = from_rdf(codes), sc = rr_mat4_scale(rr_v3(plane, plane, plane));
                rr_mat4_t m = rr_mat4_mul(&model, &rdf);
                m = rr_mat4_mul(&m, &sc);
                uint32_t bits;
                memcpy(&bits, &plane, 4);
                size_t before = v->n_draws;
                RR_TRY(use_entry(v, e, d, rows, found, bits, &m, plane, false, false, err));
                /* Rerun bounds a drawn camera by its centre alone (a zero-sized
                 * box at the pinhole's transform), not by its frustum. */
                if (v->n_draws > before) rr_aabb_add_point(&v->bounds, rr_mat4_point(&model, rr_v3(0, 0, 0)));
            }
            if (pass == 0) {
                const char *pc = rr_s3d_pinhole_components[0];
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
size_t rr_spatial3d_cache_size(const rr_spatial3d_t *v) { return v->cache.n_entries; }

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
    int np = rr_s3d_item_points(g, i, p, &radius);
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
            segs[k++] = rr_s3d_seg(p0, p1, -0.5f, grid_color);
            p0 = rr_v3_add(rr_v3_scale(w, cw + a), rr_v3_scale(u, cu - ext));
            p1 = rr_v3_add(rr_v3_scale(w, cw + a), rr_v3_scale(u, cu + ext));
            segs[k++] = rr_s3d_seg(p0, p1, -0.5f, grid_color);
        }
    if (o->axes) {
        static const uint32_t axis_colors[3] = {0xdd3333ffu, 0x33cc33ffu, 0x3366ffffu};
        for (int a = 0; a < 3; a++) {
            float e[3] = {0, 0, 0};
            e[a] = spacing;
            segs[k++] = rr_s3d_seg(rr_v3(0, 0, 0), rr_v3(e[0], e[1], e[2]), -1.0f, axis_colors[a]);
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
