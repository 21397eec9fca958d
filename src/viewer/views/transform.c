/* Entity placement shared by the spatial views (transform.h). Cells are read
 * in place from the chunk's columns, every length and format checked. */
#include "viewer/views/transform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long rr_view_find_entity(const rr_store_t *s, const rr_entity_path_t *e) {
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

rr_status_t rr_view_stored_ancestor(const rr_store_t *s, const rr_entity_path_t *e, size_t before,
                                    size_t min_parts, long *out, rr_error_t *err) {
    *out = -1;
    rr_entity_path_t cur = {0}, up = {0};
    RR_TRY(rr_entity_path_copy(e, &cur, err));
    rr_status_t st = RR_OK;
    while (cur.n_parts > min_parts) {
        st = rr_entity_path_parent(&cur, &up, err);
        rr_entity_path_free(&cur);
        cur = up;
        memset(&up, 0, sizeof up);
        if (st != RR_OK) break;
        long j = rr_view_find_entity(s, &cur);
        if (j >= 0 && (size_t)j < before) {
            *out = j;
            break;
        }
    }
    rr_entity_path_free(&cur);
    return st;
}

/* The cell's first instance as the struct / value array it lives in and its
 * index there; false with *why when the column is not a list or the cell is
 * out of range, false without *why for an empty (cleared) cell. */
static bool first_instance(const rr_store_row_t *row, const struct ArrowSchema **type,
                           const struct ArrowArray **arr, int64_t *k, const char **why) {
    const rr_chunk_component_t *c = rr_store_row_component(row);
    if (strcmp(c->type.format, "+l") || c->type.n_children != 1 || c->array.n_children != 1) {
        *why = "not a list column";
        return false;
    }
    const struct ArrowArray *child = c->array.children[0];
    int64_t start, len;
    rr_store_row_values_range(row, &start, &len);
    if (start < 0 || len < 0 || start + len > child->length) {
        *why = "list offsets out of range";
        return false;
    }
    if (len < 1) return false;
    *type = c->type.children[0];
    *arr = child;
    *k = child->offset + start;
    return true;
}

/* width f32 of the first instance of a FixedSizeList<f32, width> cell. */
static bool read_floats(const rr_store_row_t *row, int width, float *out, const char **why) {
    const struct ArrowSchema *type;
    const struct ArrowArray *arr;
    int64_t k;
    if (!first_instance(row, &type, &arr, &k, why)) return false;
    char fsl[16];
    snprintf(fsl, sizeof fsl, "+w:%d", width);
    if (strcmp(type->format, fsl) || type->n_children != 1 || strcmp(type->children[0]->format, "f") ||
        arr->n_children != 1) {
        *why = "unexpected datatype";
        return false;
    }
    const struct ArrowArray *v = arr->children[0];
    if ((k + 1) * width > v->length || v->n_buffers < 2 || !v->buffers[1]) {
        *why = "fixed-size list values out of range";
        return false;
    }
    memcpy(out, (const float *)v->buffers[1] + v->offset + k * width, (size_t)width * 4);
    return true;
}

/* RotationAxisAngle {axis: FixedSizeList<f32, 3>, angle: f32}. */
static bool read_axis_angle(const rr_store_row_t *row, float axis_out[3], float *angle, const char **why) {
    const struct ArrowSchema *type;
    const struct ArrowArray *st;
    int64_t k;
    if (!first_instance(row, &type, &st, &k, why)) return false;
    if (strcmp(type->format, "+s") || type->n_children != 2 || strcmp(type->children[0]->format, "+w:3") ||
        strcmp(type->children[1]->format, "f") || st->n_children != 2) {
        *why = "unexpected datatype";
        return false;
    }
    const struct ArrowArray *axis = st->children[0], *ang = st->children[1];
    if (axis->n_children != 1 || k >= axis->length || k >= ang->length || ang->n_buffers < 2 || !ang->buffers[1] ||
        axis->children[0]->n_buffers < 2 || !axis->children[0]->buffers[1] ||
        (axis->offset + k + 1) * 3 > axis->children[0]->length) {
        *why = "values out of range";
        return false;
    }
    const float *a = (const float *)axis->children[0]->buffers[1] + axis->children[0]->offset + (axis->offset + k) * 3;
    memcpy(axis_out, a, 12);
    *angle = ((const float *)ang->buffers[1])[ang->offset + k];
    return true;
}

/* TransformRelation (u8): ParentFromChild 1, ChildFromParent 2. */
static bool read_u8(const rr_store_row_t *row, uint8_t *out, const char **why) {
    const struct ArrowSchema *type;
    const struct ArrowArray *arr;
    int64_t k;
    if (!first_instance(row, &type, &arr, &k, why)) return false;
    if (strcmp(type->format, "C") || arr->n_buffers < 2 || !arr->buffers[1]) {
        *why = "unexpected datatype";
        return false;
    }
    *out = ((const uint8_t *)arr->buffers[1])[k];
    return true;
}

static bool later(const rr_store_row_t *a, const rr_store_row_t *b) {
    if (a->time != b->time) return a->time > b->time;
    if (a->row_id.time_ns != b->row_id.time_ns) return a->row_id.time_ns > b->row_id.time_ns;
    return a->row_id.inc > b->row_id.inc;
}

static bool same_call(const rr_store_row_t *a, const rr_store_row_t *b) {
    return a->time == b->time && a->row_id.time_ns == b->row_id.time_ns && a->row_id.inc == b->row_id.inc;
}

static void note_bad(int i, const char **why, int *bad, const char **first_why) {
    if (*why && *bad < 0) *bad = i, *first_why = *why;
    *why = NULL;
}

rr_mat4_t rr_view_local_transform(rr_store_t *s, const rr_entity_path_t *e, const char *timeline, int64_t t,
                                  char *problem, size_t cap) {
    enum { TRANSLATION, AXIS_ANGLE, QUATERNION, SCALE, MAT3X3, RELATION, N };
    static const char *const comps[N] = {"Transform3D:translation", "Transform3D:rotation_axis_angle",
                                         "Transform3D:quaternion",  "Transform3D:scale",
                                         "Transform3D:mat3x3",      "Transform3D:relation"};
    if (cap) problem[0] = 0;
    rr_store_row_t rows[N];
    bool found[N];
    rr_store_query_latest_at(s, e, timeline, t, comps, N, rows, found);
    int latest = -1;
    for (int i = 0; i < N; i++)
        if (found[i] && (latest < 0 || later(&rows[i], &rows[latest]))) latest = i;
    rr_mat4_t m = rr_mat4_identity();
    if (latest < 0) return m;
    for (int i = 0; i < N; i++) found[i] = found[i] && same_call(&rows[i], &rows[latest]);
    const char *why = NULL, *first_why = NULL; /* the first unreadable component says why */
    int bad = -1;
    float f[9];
    if (found[TRANSLATION]) {
        if (read_floats(&rows[TRANSLATION], 3, f, &why)) m = rr_mat4_translation(rr_v3(f[0], f[1], f[2]));
        note_bad(TRANSLATION, &why, &bad, &first_why);
    }
    if (found[AXIS_ANGLE]) {
        float axis[3], angle;
        if (read_axis_angle(&rows[AXIS_ANGLE], axis, &angle, &why)) {
            rr_mat4_t r = rr_mat4_axis_angle(rr_v3(axis[0], axis[1], axis[2]), angle);
            m = rr_mat4_mul(&m, &r);
        }
        note_bad(AXIS_ANGLE, &why, &bad, &first_why);
    }
    if (found[QUATERNION]) {
        if (read_floats(&rows[QUATERNION], 4, f, &why)) {
            rr_mat4_t q = rr_mat4_from_quat(f[0], f[1], f[2], f[3]);
            m = rr_mat4_mul(&m, &q);
        }
        note_bad(QUATERNION, &why, &bad, &first_why);
    }
    if (found[SCALE]) {
        if (read_floats(&rows[SCALE], 3, f, &why)) {
            rr_mat4_t sc = rr_mat4_scale(rr_v3(f[0], f[1], f[2]));
            m = rr_mat4_mul(&m, &sc);
        }
        note_bad(SCALE, &why, &bad, &first_why);
    }
    if (found[MAT3X3]) {
        if (read_floats(&rows[MAT3X3], 9, f, &why)) {
            rr_mat4_t m3 = rr_mat4_from_mat3(f);
            m = rr_mat4_mul(&m, &m3);
        }
        note_bad(MAT3X3, &why, &bad, &first_why);
    }
    if (bad >= 0 && cap) snprintf(problem, cap, "%s: %s: %s", e->str, comps[bad], first_why);
    uint8_t rel;
    const char *rel_why = NULL;
    if (found[RELATION] && read_u8(&rows[RELATION], &rel, &rel_why) && rel == 2) {
        rr_mat4_t inv;
        if (rr_mat4_invert(&m, &inv)) m = inv;
        else if (cap && !problem[0])
            snprintf(problem, cap, "%s: Transform3D: a child-from-parent transform that cannot be inverted", e->str);
    }
    return m;
}

rr_status_t rr_view_scope_new(size_t size, rr_store_t *store, const rr_entity_path_t *origin, bool subtree,
                              void **out, rr_error_t *err) {
    *out = NULL;
    rr_view_scope_t *sc = calloc(1, size);
    if (!sc) return rr_error_set(err, RR_ERR_NOMEM, "view: out of memory");
    sc->store = store;
    sc->subtree = subtree;
    rr_status_t st = origin ? rr_entity_path_copy(origin, &sc->origin, err)
                            : rr_entity_path_parse("/", 1, &sc->origin, err);
    if (st != RR_OK) {
        free(sc);
        return st;
    }
    *out = sc;
    return RR_OK;
}

void rr_view_scope_free(rr_view_scope_t *sc) { rr_entity_path_free(&sc->origin); }

bool rr_view_scope_holds(const rr_view_scope_t *sc, const rr_entity_path_t *e) {
    return rr_entity_path_equal(e, &sc->origin) ||
           (sc->subtree && rr_entity_path_is_descendant_of(e, &sc->origin));
}
