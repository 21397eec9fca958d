/* Reading the cells of store rows (views/cells.h). */
#include "viewer/views/cells.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"

bool rr_cell_of(const rr_store_row_t *row, rr_cell_t *c) {
    const rr_chunk_component_t *col = rr_store_row_component(row);
    memset(c, 0, sizeof *c);
    if (strcmp(col->type.format, "+l") || col->type.n_children != 1 || col->array.n_children != 1) return false;
    c->type = col->type.children[0];
    c->arr = col->array.children[0];
    rr_store_row_values_range(row, &c->start, &c->len);
    return c->start >= 0 && c->len >= 0 && c->start + c->len <= c->arr->length;
}

/* Values buffer of a primitive array of leaf format and element size, or
 * NULL when it does not fit n logical slots from first. */
const uint8_t *rr_cell_prim_values(const struct ArrowSchema *t, const struct ArrowArray *a, const char *leaf,
                                  int64_t first, int64_t n) {
    if (strcmp(t->format, leaf) || a->n_buffers < 2 || first < 0 || n < 0 || first + n > a->length) return NULL;
    if (n && !a->buffers[1]) return NULL;
    return a->buffers[1];
}

/* Instance i of a cell of leaf values (f32, u32, u16, u8), as a double. */
bool rr_cell_scalar(const rr_cell_t *c, const char *leaf, int64_t i, double *out) {
    if (i < 0 || i >= c->len) return false;
    const uint8_t *p = rr_cell_prim_values(c->type, c->arr, leaf, c->start, c->len);
    if (!p) return false;
    int64_t k = c->arr->offset + c->start + i;
    if (!strcmp(leaf, "f")) {
        float f;
        memcpy(&f, p + k * 4, 4);
        *out = f;
    } else if (!strcmp(leaf, "I")) {
        uint32_t u;
        memcpy(&u, p + k * 4, 4);
        *out = u;
    } else if (!strcmp(leaf, "S")) {
        uint16_t u;
        memcpy(&u, p + k * 2, 2);
        *out = u;
    } else if (!strcmp(leaf, "C")) {
        *out = p[k];
    } else {
        return false;
    }
    return true;
}

/* A cell of fixed-size lists of `width` f32 (or f64 with leaf "g"): the
 * values of its instances, packed. */
const uint8_t *rr_cell_fsl(const rr_cell_t *c, int width, const char *leaf) {
    char fsl[16];
    snprintf(fsl, sizeof fsl, "+w:%d", width);
    if (strcmp(c->type->format, fsl) || c->type->n_children != 1 || c->arr->n_children != 1) return NULL;
    const struct ArrowArray *vals = c->arr->children[0];
    int64_t first = (c->arr->offset + c->start) * width; /* logical, in vals */
    const uint8_t *p = rr_cell_prim_values(c->type->children[0], vals, leaf, first, c->len * width);
    if (!p && c->len) return NULL;
    size_t sz = leaf[0] == 'g' ? 8 : 4;
    return p ? p + (size_t)(vals->offset + first) * sz : (const uint8_t *)"";
}

/* Instance i of a cell of lists of u8 (a Blob), or of utf8 text. */
bool rr_cell_bytes(const rr_cell_t *c, int64_t i, bool text, const uint8_t **out, size_t *len) {
    if (i < 0 || i >= c->len) return false;
    const struct ArrowArray *a = c->arr;
    int64_t k = a->offset + c->start + i;
    if (text) {
        if (strcmp(c->type->format, "u") || a->n_buffers < 3 || !a->buffers[1]) return false;
        const int32_t *offs = a->buffers[1];
        if (offs[k] < 0 || offs[k + 1] < offs[k]) return false;
        *out = (const uint8_t *)a->buffers[2] + offs[k];
        *len = (size_t)(offs[k + 1] - offs[k]);
        return a->buffers[2] || !*len;
    }
    if (strcmp(c->type->format, "+l") || c->type->n_children != 1 || a->n_children != 1 || a->n_buffers < 2 ||
        !a->buffers[1])
        return false;
    const int32_t *offs = a->buffers[1];
    const struct ArrowArray *bytes = a->children[0];
    int32_t o0 = offs[k], o1 = offs[k + 1];
    if (o0 < 0 || o1 < o0 || strcmp(c->type->children[0]->format, "C") || bytes->n_buffers < 2 ||
        (int64_t)o1 > bytes->length)
        return false;
    if (o1 > o0 && !bytes->buffers[1]) return false;
    *out = (const uint8_t *)bytes->buffers[1] + bytes->offset + o0;
    *len = (size_t)(o1 - o0);
    return true;
}

/* Instance i of a cell of lists, as a cell of the list's items. */
bool rr_cell_list_instance(const rr_cell_t *c, int64_t i, rr_cell_t *out) {
    const struct ArrowArray *a = c->arr;
    if (i < 0 || i >= c->len || strcmp(c->type->format, "+l") || c->type->n_children != 1 || a->n_children != 1 ||
        a->n_buffers < 2 || !a->buffers[1])
        return false;
    const int32_t *offs = a->buffers[1];
    int64_t k = a->offset + c->start + i;
    int32_t o0 = offs[k], o1 = offs[k + 1];
    const struct ArrowArray *items = a->children[0];
    if (o0 < 0 || o1 < o0 || (int64_t)o1 > items->length) return false;
    rr_cell_t r = {c->type->children[0], items, o0, o1 - o0};
    *out = r;
    return true;
}

/* A struct field by name, or -1. */
int rr_cell_field_index(const struct ArrowSchema *t, const char *name) {
    for (int64_t i = 0; i < t->n_children; i++)
        if (t->children[i]->name && !strcmp(t->children[i]->name, name)) return (int)i;
    return -1;
}

/* An integer field of struct slot j (logical, in the struct array); false
 * when absent or null. */
bool rr_cell_struct_uint(const struct ArrowSchema *st, const struct ArrowArray *sa, int64_t j, const char *name,
                        uint64_t *out) {
    int f = rr_cell_field_index(st, name);
    if (f < 0 || f >= sa->n_children) return false;
    const struct ArrowSchema *ft = st->children[f];
    const struct ArrowArray *fa = sa->children[f];
    int64_t slot = sa->offset + j;
    if (slot < 0 || slot >= fa->length || fa->n_buffers < 2 || !fa->buffers[1]) return false;
    if (!rr_arrow_array_is_valid(fa, slot)) return false;
    int64_t k = fa->offset + slot;
    const uint8_t *p = fa->buffers[1];
    if (!strcmp(ft->format, "I")) {
        uint32_t u;
        memcpy(&u, p + k * 4, 4);
        *out = u;
    } else if (!strcmp(ft->format, "S")) {
        uint16_t u;
        memcpy(&u, p + k * 2, 2);
        *out = u;
    } else if (!strcmp(ft->format, "C")) {
        *out = p[k];
    } else {
        return false;
    }
    return true;
}

/* A utf8 field of struct slot j; false (and *out NULL) when absent or null. */
bool rr_cell_struct_text(const struct ArrowSchema *st, const struct ArrowArray *sa, int64_t j, const char *name,
                        const char **out, size_t *len) {
    *out = NULL, *len = 0;
    int f = rr_cell_field_index(st, name);
    if (f < 0 || f >= sa->n_children || strcmp(st->children[f]->format, "u")) return false;
    const struct ArrowArray *fa = sa->children[f];
    int64_t slot = sa->offset + j;
    if (slot < 0 || slot >= fa->length || fa->n_buffers < 3 || !fa->buffers[1]) return false;
    if (!rr_arrow_array_is_valid(fa, slot)) return false;
    const int32_t *offs = fa->buffers[1];
    int64_t k = fa->offset + slot;
    if (offs[k] < 0 || offs[k + 1] < offs[k] || (offs[k + 1] > offs[k] && !fa->buffers[2])) return false;
    *out = (const char *)fa->buffers[2] + offs[k];
    *len = (size_t)(offs[k + 1] - offs[k]);
    return true;
}

bool rr_cell_image_format(const rr_store_row_t *row, rr_image_spec_t *s) {
    rr_cell_t c;
    memset(s, 0, sizeof *s);
    if (!rr_cell_of(row, &c) || c.len < 1 || strcmp(c.type->format, "+s")) return false;
    uint64_t w, h, u;
    if (!rr_cell_struct_uint(c.type, c.arr, c.start, "width", &w) || !rr_cell_struct_uint(c.type, c.arr, c.start, "height", &h))
        return false;
    s->width = (uint32_t)w, s->height = (uint32_t)h;
    if (rr_cell_struct_uint(c.type, c.arr, c.start, "pixel_format", &u)) s->pixel_format = (int)u;
    if (rr_cell_struct_uint(c.type, c.arr, c.start, "color_model", &u)) s->color_model = (int)u;
    if (rr_cell_struct_uint(c.type, c.arr, c.start, "channel_datatype", &u)) s->channel_datatype = (int)u;
    return true;
}

bool rr_cell_row_scalar(const rr_store_row_t *row, bool found, const char *leaf, double *out) {
    rr_cell_t c;
    return found && rr_cell_of(row, &c) && rr_cell_scalar(&c, leaf, 0, out);
}

uint64_t rr_cell_row_key(const rr_store_row_t *row, bool found) {
    if (!found) return 0x51ed27u;
    uint64_t h = row->chunk->id.time_ns * 0x9E3779B97F4A7C15ull ^ row->chunk->id.inc;
    return (h ^ (uint64_t)row->row) * 0xff51afd7ed558ccdull;
}

/* IEEE half to float (subnormals, infinities and NaN included). */
static float half_value(uint16_t h) {
    int e = (h >> 10) & 31, m = h & 1023;
    float v = e == 0 ? ldexpf((float)m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexpf((float)(m | 1024), e - 25);
    return (h & 0x8000) ? -v : v;
}

/* The union's children by type code: u8, u16, u32, u64, i8, i16, i32, i64,
 * f16, f32, f64 (Rerun's TensorBuffer, code 0 its null marker). */
static const char *const k_tensor_leaf[12] = {NULL, "C", "S", "I", "L", "c", "s", "i", "l", "e", "f", "g"};

static double tensor_value(const uint8_t *p, int code, int64_t k) {
    switch (code) {
    case 1: return p[k];
    case 2: { uint16_t v; memcpy(&v, p + k * 2, 2); return v; }
    case 3: { uint32_t v; memcpy(&v, p + k * 4, 4); return v; }
    case 4: { uint64_t v; memcpy(&v, p + k * 8, 8); return (double)v; }
    case 5: return (int8_t)p[k];
    case 6: { int16_t v; memcpy(&v, p + k * 2, 2); return v; }
    case 7: { int32_t v; memcpy(&v, p + k * 4, 4); return v; }
    case 8: { int64_t v; memcpy(&v, p + k * 8, 8); return (double)v; }
    case 9: { uint16_t v; memcpy(&v, p + k * 2, 2); return half_value(v); }
    case 10: { float v; memcpy(&v, p + k * 4, 4); return v; }
    default: { double v; memcpy(&v, p + k * 8, 8); return v; }
    }
}

bool rr_cell_tensor_shape(const rr_cell_t *c, int64_t i, uint64_t *dims, size_t max, size_t *n) {
    *n = 0;
    const struct ArrowSchema *st = c->type;
    const struct ArrowArray *sa = c->arr;
    if (i < 0 || i >= c->len || strcmp(st->format, "+s")) return false;
    int fs = rr_cell_field_index(st, "shape");
    if (fs < 0 || fs >= sa->n_children) return false;
    /* The children's logical index of the slot (each child adds its own
     * offset, as for any struct). */
    rr_cell_t shape_list = {st->children[fs], sa->children[fs], sa->offset + c->start + i, 1}, d;
    const uint8_t *sp;
    if (!rr_cell_list_instance(&shape_list, 0, &d) || !(sp = rr_cell_prim_values(d.type, d.arr, "L", d.start, d.len)))
        return false;
    for (int64_t k = 0; k < d.len; k++)
        if ((size_t)k < max) memcpy(&dims[k], sp + (size_t)(d.arr->offset + d.start + k) * 8, 8);
    *n = (size_t)d.len;
    return true;
}

bool rr_cell_tensor_values(const rr_cell_t *c, int64_t i, double **out, size_t *n, uint64_t *shape_n,
                           const char **why) {
    *out = NULL, *n = 0, *shape_n = 0;
    const struct ArrowSchema *st = c->type;
    const struct ArrowArray *sa = c->arr;
    if (i < 0 || i >= c->len || strcmp(st->format, "+s")) {
        *why = "not a TensorData struct";
        return false;
    }
    /* The children's logical index of the slot (each child adds its own
     * offset, as for any struct). */
    int64_t slot = sa->offset + c->start + i;
    int fs = rr_cell_field_index(st, "shape"), fb = rr_cell_field_index(st, "buffer");
    if (fs < 0 || fb < 0 || fs >= sa->n_children || fb >= sa->n_children) {
        *why = "no shape or buffer field";
        return false;
    }
    uint64_t dims[16];
    size_t nd = 0;
    if (!rr_cell_tensor_shape(c, i, dims, 16, &nd)) {
        *why = "unreadable shape";
        return false;
    }
    uint64_t prod = 1;
    for (size_t d = 0; d < nd && d < 16; d++)
        prod = dims[d] && prod > UINT64_MAX / dims[d] ? UINT64_MAX : prod * dims[d];
    /* The buffer: a dense union whose child `code` is a list of its type. */
    const struct ArrowSchema *ut = st->children[fb];
    const struct ArrowArray *ua = sa->children[fb];
    int64_t u = ua->offset + slot;
    if (strncmp(ut->format, "+ud:", 4) || ua->n_buffers < 2 || !ua->buffers[0] || !ua->buffers[1] || u < 0 ||
        u >= ua->offset + ua->length) {
        *why = "the buffer is not a dense union";
        return false;
    }
    int8_t code = ((const int8_t *)ua->buffers[0])[u];
    int32_t coff = ((const int32_t *)ua->buffers[1])[u];
    /* Child index of the type code, from the format's code list. */
    int child = -1, k = 0;
    for (const char *p = ut->format + 4; *p; k++) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p) break;
        if (v == code) child = k;
        p = *end == ',' ? end + 1 : end;
    }
    if (code < 1 || code > 11 || child < 0 || child >= ut->n_children || child >= ua->n_children) {
        *why = "an unknown tensor buffer type";
        return false;
    }
    rr_cell_t lst = {ut->children[child], ua->children[child], coff, 1}, items;
    const uint8_t *vp;
    if (coff < 0 || !rr_cell_list_instance(&lst, 0, &items) ||
        !(vp = rr_cell_prim_values(items.type, items.arr, k_tensor_leaf[code], items.start, items.len))) {
        *why = "unreadable tensor buffer";
        return false;
    }
    size_t cnt = (size_t)items.len;
    double *v = malloc((cnt ? cnt : 1) * sizeof *v);
    if (!v) {
        *why = "out of memory";
        return false;
    }
    for (size_t j = 0; j < cnt; j++) v[j] = tensor_value(vp, code, items.arr->offset + items.start + (int64_t)j);
    *out = cnt ? v : (free(v), NULL);
    *n = cnt;
    *shape_n = prod;
    return true;
}
