/* The archetype container: a list of component batches (descriptor, instance
 * datatype, instances) that the generated builders fill and rr_log /
 * rr_send_columns read. Instances live in refcounted cells so that logging
 * the same archetype many times shares the data instead of copying it. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/schema.h"
#include "arrow/type.h"
#include "sdk/sdk_internal.h"

/* ---- cells ---- */

static int64_t fixed_bits(const rr_arrow_type_t *t) {
    switch (t->id) {
    case RR_ARROW_BOOL: return 1;
    case RR_ARROW_INT8: case RR_ARROW_UINT8: return 8;
    case RR_ARROW_INT16: case RR_ARROW_UINT16: case RR_ARROW_HALF_FLOAT: return 16;
    case RR_ARROW_INT32: case RR_ARROW_UINT32: case RR_ARROW_FLOAT: case RR_ARROW_DATE32:
    case RR_ARROW_TIME32: case RR_ARROW_INTERVAL_MONTHS: case RR_ARROW_DECIMAL32: return 32;
    case RR_ARROW_INT64: case RR_ARROW_UINT64: case RR_ARROW_DOUBLE: case RR_ARROW_DATE64:
    case RR_ARROW_TIME64: case RR_ARROW_TIMESTAMP: case RR_ARROW_DURATION:
    case RR_ARROW_INTERVAL_DAY_TIME: case RR_ARROW_DECIMAL64: return 64;
    case RR_ARROW_INTERVAL_MONTH_DAY_NANO: case RR_ARROW_DECIMAL128: return 128;
    case RR_ARROW_DECIMAL256: return 256;
    case RR_ARROW_FIXED_SIZE_BINARY: return (int64_t)t->fixed_size * 8;
    default: return 0;
    }
}

/* Walks the layout: validity bitmaps, fixed-width values, offsets plus the
 * data they reach, and children (over the range the parent reaches). */
static int64_t bytes_of(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t offset,
                        int64_t length, int depth) {
    if (!s || !a || !s->format || depth > 64 || length <= 0) return 0;
    rr_arrow_type_t t;
    if (rr_arrow_type_parse(s->format, &t, NULL) != RR_OK) return 0;
    int64_t total = a->null_count != 0 && a->n_buffers > 0 && a->buffers && a->buffers[0]
                        ? (length + 7) / 8
                        : 0;
    int64_t start = offset + a->offset;
    int64_t bits = fixed_bits(&t);
    if (s->dictionary) return total + length * bits / 8;
    switch (t.id) {
    case RR_ARROW_NA: return 0;
    case RR_ARROW_STRING: case RR_ARROW_BINARY:
        if (a->n_buffers >= 3 && a->buffers && a->buffers[1]) {
            const int32_t *o = a->buffers[1];
            total += 4 * (length + 1) + (int64_t)(o[start + length] - o[start]);
        }
        return total;
    case RR_ARROW_LARGE_STRING: case RR_ARROW_LARGE_BINARY:
        if (a->n_buffers >= 3 && a->buffers && a->buffers[1]) {
            const int64_t *o = a->buffers[1];
            total += 8 * (length + 1) + (o[start + length] - o[start]);
        }
        return total;
    case RR_ARROW_LIST: case RR_ARROW_MAP:
        if (a->n_buffers >= 2 && a->buffers && a->buffers[1] && a->n_children == 1 &&
            s->n_children == 1) {
            const int32_t *o = a->buffers[1];
            total += 4 * (length + 1) +
                     bytes_of(s->children[0], a->children[0], o[start], o[start + length] - o[start],
                              depth + 1);
        }
        return total;
    case RR_ARROW_LARGE_LIST:
        if (a->n_buffers >= 2 && a->buffers && a->buffers[1] && a->n_children == 1 &&
            s->n_children == 1) {
            const int64_t *o = a->buffers[1];
            total += 8 * (length + 1) + bytes_of(s->children[0], a->children[0], o[start],
                                                 o[start + length] - o[start], depth + 1);
        }
        return total;
    case RR_ARROW_FIXED_SIZE_LIST:
        if (a->n_children == 1 && s->n_children == 1)
            total += bytes_of(s->children[0], a->children[0], start * t.fixed_size,
                              length * t.fixed_size, depth + 1);
        return total;
    case RR_ARROW_STRUCT:
        for (int64_t i = 0; i < a->n_children && i < s->n_children; i++)
            total += bytes_of(s->children[i], a->children[i], start, length, depth + 1);
        return total;
    case RR_ARROW_SPARSE_UNION: case RR_ARROW_DENSE_UNION:
        total += length * (t.id == RR_ARROW_DENSE_UNION ? 5 : 1);
        for (int64_t i = 0; i < a->n_children && i < s->n_children; i++) {
            const struct ArrowArray *c = a->children[i];
            total += bytes_of(s->children[i], c, 0, c ? c->length - c->offset : 0, depth + 1);
        }
        return total;
    default:
        return total + (length * bits + 7) / 8;
    }
}

int64_t rr_sdk_array_bytes(const struct ArrowSchema *schema, const struct ArrowArray *array) {
    return bytes_of(schema, array, 0, array ? array->length : 0, 0);
}

rr_sdk_cell_t *rr_sdk_cell_new(struct ArrowArray *array, const struct ArrowSchema *schema) {
    rr_sdk_cell_t *c = malloc(sizeof *c);
    if (!c) return NULL;
    atomic_init(&c->refs, 1);
    rr_arrow_array_move(array, &c->array);
    c->bytes = rr_sdk_array_bytes(schema, &c->array);
    return c;
}

void rr_sdk_cell_release(rr_sdk_cell_t *c) {
    if (!c) return;
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1) return;
    rr_arrow_array_release(&c->array);
    free(c);
}

/* ---- flat values ---- */

/* Fixed-width primitives whose values are plain bytes (no bit-packing). */
static uint32_t prim_width(const char *format) {
    rr_arrow_type_t t;
    if (!format || rr_arrow_type_parse(format, &t, NULL) != RR_OK) return 0;
    switch (t.id) {
    case RR_ARROW_INT8: case RR_ARROW_UINT8: case RR_ARROW_INT16: case RR_ARROW_UINT16:
    case RR_ARROW_HALF_FLOAT: case RR_ARROW_INT32: case RR_ARROW_UINT32: case RR_ARROW_FLOAT:
    case RR_ARROW_INT64: case RR_ARROW_UINT64: case RR_ARROW_DOUBLE:
        return (uint32_t)(fixed_bits(&t) / 8);
    default: return 0;
    }
}

uint32_t rr_sdk_flat_width(const struct ArrowSchema *s) {
    if (!s || !s->format || s->dictionary) return 0;
    if (strncmp(s->format, "+w:", 3) != 0) return prim_width(s->format);
    rr_arrow_type_t t;
    if (rr_arrow_type_parse(s->format, &t, NULL) != RR_OK || s->n_children != 1 ||
        !s->children[0] || s->children[0]->dictionary || t.fixed_size <= 0)
        return 0;
    uint32_t w = prim_width(s->children[0]->format);
    return w && (uint64_t)w * (uint64_t)t.fixed_size <= UINT32_MAX / 2
               ? w * (uint32_t)t.fixed_size
               : 0;
}

static bool no_nulls(const struct ArrowArray *a) {
    return a->null_count == 0 || a->n_buffers < 1 || !a->buffers || !a->buffers[0];
}

const void *rr_sdk_flat_values(const struct ArrowArray *a, uint32_t width,
                               const struct ArrowSchema *s) {
    if (!no_nulls(a)) return NULL;
    if (strncmp(s->format, "+w:", 3) != 0)
        return a->n_buffers >= 2 && a->buffers[1]
                   ? (const uint8_t *)a->buffers[1] + a->offset * (int64_t)width
                   : NULL;
    if (a->n_children != 1 || !a->children[0]) return NULL;
    const struct ArrowArray *c = a->children[0];
    if (!no_nulls(c) || c->n_buffers < 2 || !c->buffers[1]) return NULL;
    uint32_t iw = prim_width(s->children[0]->format);
    return (const uint8_t *)c->buffers[1] + c->offset * (int64_t)iw + a->offset * (int64_t)width;
}

/* A flat batch as an Arrow array of its type (a copy of the bytes). */
static rr_status_t flat_to_array(const rr_sdk_batch_t *b, struct ArrowArray *out,
                                 rr_error_t *err) {
    const struct ArrowSchema *s = rr_sdk_batch_schema(b);
    size_t bytes = (size_t)b->length * b->width;
    bool fsl = strncmp(s->format, "+w:", 3) == 0;
    RR_TRY(rr_arrow_array_init(out, fsl ? 1 : 2, fsl ? 1 : 0, false, err));
    out->length = b->length;
    struct ArrowArray *leaf = out;
    int64_t leaf_len = b->length;
    rr_status_t st = RR_OK;
    if (fsl) {
        uint32_t iw = prim_width(s->children[0]->format);
        leaf = out->children[0];
        leaf_len = (int64_t)(bytes / iw);
        st = rr_arrow_array_init(leaf, 2, 0, false, err);
        leaf->length = leaf_len;
    }
    void *p = NULL;
    if (st == RR_OK && !(p = rr_arrow_array_alloc_buffer(leaf, 1, bytes ? bytes : 1)))
        st = rr_error_set(err, RR_ERR_NOMEM, "out of memory copying %zu bytes", bytes);
    if (st != RR_OK) {
        rr_arrow_array_release(out);
        return st;
    }
    if (bytes) memcpy(p, rr_sdk_batch_data(b), bytes);
    return RR_OK;
}

rr_status_t rr_sdk_batch_values(const rr_sdk_batch_t *b, struct ArrowArray *out, rr_error_t *err) {
    if (b->width) return flat_to_array(b, out, err);
    return rr_sdk_copy_array(rr_sdk_batch_schema(b), &b->cell->array, out, err);
}

/* ---- the container ---- */

/* The last container this thread freed, kept for its next new: logging in a
 * loop (new, set, rr_log, free) then calls malloc and free for containers
 * only once per thread. The thread-specific value (set once per thread)
 * points at the slot, so the spare is freed at thread exit. */
static _Thread_local rr_archetype_t *t_spare;
static _Thread_local bool t_spare_keyed;
static pthread_key_t g_spare_key;
static pthread_once_t g_spare_once = PTHREAD_ONCE_INIT;
static bool g_spare_key_ok;

static void spare_free(void *slot) {
    rr_archetype_t **p = slot;
    free(*p);
    *p = NULL;
}
static void spare_key_init(void) { g_spare_key_ok = pthread_key_create(&g_spare_key, spare_free) == 0; }

static rr_archetype_t *container_alloc(void) {
    rr_archetype_t *a = t_spare;
    if (a) {
        t_spare = NULL;
        return a;
    }
    return malloc(sizeof *a);
}

static void container_free(rr_archetype_t *a) {
    if (!t_spare && !t_spare_keyed) {
        pthread_once(&g_spare_once, spare_key_init);
        t_spare_keyed = g_spare_key_ok && pthread_setspecific(g_spare_key, &t_spare) == 0;
    }
    if (!t_spare && t_spare_keyed) {
        t_spare = a;
        return;
    }
    free(a);
}

static rr_status_t archetype_new(const char *archetype, bool static_name, rr_archetype_t **out,
                                 rr_error_t *err) {
    if (!out) RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "rr_archetype_new: out is NULL");
    *out = NULL;
    rr_archetype_t *a = container_alloc();
    if (!a) return rr_error_set(err, RR_ERR_NOMEM, "rr_archetype_new: out of memory");
    a->n = 0;
    a->cap = sizeof a->first / sizeof a->first[0];
    a->batches = a->first;
    a->static_name = static_name || !archetype;
    a->name = archetype;
    if (archetype && !static_name && !(a->name = strdup(archetype))) {
        container_free(a);
        return rr_error_set(err, RR_ERR_NOMEM, "rr_archetype_new: out of memory");
    }
    *out = a;
    return RR_OK;
}

rr_status_t rr_archetype_new(const char *archetype, rr_archetype_t **out, rr_error_t *err) {
    return archetype_new(archetype, false, out, err);
}

rr_status_t rr_sdk_archetype_new_static(const char *name, rr_archetype_t **out, rr_error_t *err) {
    return archetype_new(name, true, out, err);
}

static void batch_free(rr_sdk_batch_t *b) {
    if (!b->static_desc) rr_component_descriptor_free(&b->desc);
    if (!b->shared) rr_arrow_schema_release(&b->schema);
    if (!b->width) rr_sdk_cell_release(b->cell);
    if (b->owns_ext) free((void *)b->ext);
    b->cell = NULL;
    b->ext = NULL;
    b->owns_ext = false;
}

void rr_archetype_free(rr_archetype_t *a) {
    if (!a) return;
    for (size_t i = 0; i < a->n; i++) batch_free(&a->batches[i]);
    if (a->batches != a->first) free(a->batches);
    if (!a->static_name) free((char *)a->name);
    container_free(a);
}

size_t rr_archetype_num_batches(const rr_archetype_t *a) { return a ? a->n : 0; }

int64_t rr_archetype_batch_length(const rr_archetype_t *a, size_t i) {
    if (!a || i >= a->n) return -1;
    return a->batches[i].length;
}

static void release_inputs(struct ArrowSchema *schema, struct ArrowArray *array) {
    if (schema && schema->release) schema->release(schema);
    if (array && array->release) array->release(array);
}

/* Checks the arguments every add function shares; on failure releases the
 * inputs (ownership moved in also then). */
static rr_status_t check_desc(const char *fn, rr_archetype_t *a,
                              const rr_component_descriptor_t *desc, rr_error_t *err) {
    if (!a) RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: archetype is NULL", fn);
    if (!desc) RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: descriptor is NULL", fn);
    if (!desc->component || !desc->component[0])
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: descriptor without a component name", fn);
    return RR_OK;
}

/* Points a flat batch's Arrow view at its bytes (after every move). */
static void flat_view_fix(rr_sdk_batch_t *b) {
    rr_sdk_flat_view_t *v = &b->view;
    const void *data = b->length ? rr_sdk_batch_data(b) : NULL;
    b->cell = &v->cell;
    struct ArrowArray *top = &v->cell.array;
    top->buffers = v->bufs;
    if (b->schema.n_children == 1) {
        v->children[0] = &v->child;
        top->children = v->children;
        v->child.buffers = v->child_bufs;
        v->child_bufs[1] = data;
    } else {
        v->bufs[1] = data;
    }
}

/* A dummy release: the view's memory belongs to the batch. */
static void view_release(struct ArrowArray *a) { a->release = NULL; }

static rr_sdk_batch_t *place(rr_sdk_batch_t *dst, const rr_sdk_batch_t *b) {
    *dst = *b;
    if (dst->width) flat_view_fix(dst);
    return dst;
}

/* The slot a batch of this component goes to: the old batch of the
 * component (freed) or a new one at the end. NULL when out of memory. */
static rr_sdk_batch_t *slot_for(rr_archetype_t *a, const char *component) {
    for (size_t i = 0; i < a->n; i++) {
        const char *c = a->batches[i].desc.component;
        if (c == component || strcmp(c, component) == 0) {
            batch_free(&a->batches[i]);
            return &a->batches[i];
        }
    }
    if (a->n == a->cap) {
        size_t cap = a->cap * 2;
        rr_sdk_batch_t *nb = a->batches == a->first ? malloc(cap * sizeof *nb)
                                                    : realloc(a->batches, cap * sizeof *nb);
        if (!nb) return NULL;
        bool moved = a->batches == a->first || nb != a->batches;
        if (a->batches == a->first) memcpy(nb, a->first, a->n * sizeof *nb);
        a->batches = nb;
        a->cap = cap;
        for (size_t i = 0; moved && i < a->n; i++)
            if (nb[i].width) flat_view_fix(&nb[i]);
    }
    return &a->batches[a->n++];
}

/* Puts a finished batch in a (taken: freed on failure), replacing a batch
 * of the same component. */
static rr_status_t put_batch(const char *fn, rr_archetype_t *a, rr_sdk_batch_t *b,
                             rr_error_t *err) {
    rr_sdk_batch_t *slot = slot_for(a, b->desc.component);
    if (!slot) {
        batch_free(b);
        return rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory", fn);
    }
    place(slot, b);
    return RR_OK;
}

static rr_status_t add_batch(const char *fn, rr_archetype_t *a,
                             const rr_component_descriptor_t *desc, struct ArrowSchema *schema,
                             struct ArrowArray *array, bool borrowed, rr_error_t *err) {
    rr_status_t st = check_desc(fn, a, desc, err);
    if (st != RR_OK) {
        release_inputs(schema, array);
        return st;
    }
    if (!schema || !schema->release || !array || !array->release) {
        release_inputs(schema, array);
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: component '%s': %s is NULL or released", fn,
                    desc->component, !schema || !schema->release ? "schema" : "array");
    }
    rr_arrow_type_t t;
    rr_error_t e;
    if (rr_arrow_type_parse(schema->format ? schema->format : "", &t, &e) != RR_OK) {
        release_inputs(schema, array);
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: component '%s': %s", fn, desc->component,
                    e.msg);
    }
    if (array->length < 0 || array->offset < 0) {
        release_inputs(schema, array);
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: component '%s': negative length or offset", fn,
                    desc->component);
    }

    rr_sdk_batch_t b;
    memset(&b, 0, offsetof(rr_sdk_batch_t, small));
    b.borrowed = borrowed;
    st = rr_component_descriptor_init(&b.desc, desc->archetype, desc->component,
                                      desc->component_type, err);
    if (st != RR_OK) {
        release_inputs(schema, array);
        return st;
    }
    rr_arrow_schema_move(schema, &b.schema);
    b.length = array->length;
    b.cell = rr_sdk_cell_new(array, &b.schema);
    if (!b.cell) {
        release_inputs(NULL, array);
        batch_free(&b);
        return rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory", fn);
    }
    return put_batch(fn, a, &b, err);
}

rr_status_t rr_sdk_archetype_add_flat(rr_archetype_t *a, const rr_component_descriptor_t *desc,
                                      const struct ArrowSchema *schema, const void *data,
                                      int64_t n, uint32_t width, uint32_t item_width, bool borrow,
                                      rr_error_t *err) {
    static const char fn[] = "rr_archetype_add";
    RR_TRY(check_desc(fn, a, desc, err));
    size_t bytes = (size_t)n * width;
    const void *ext = NULL;
    bool owns = false;
    if (borrow && data) {
        ext = data;
    } else if (bytes > RR_SDK_SMALL_BYTES) {
        void *p = malloc(bytes);
        if (!p) return rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory (%zu bytes)", fn, bytes);
        memcpy(p, data, bytes);
        ext = p;
        owns = true;
    }
    /* Built where it lands: a batch is large (it carries its view). The
     * first batch of a container has nothing to replace. */
    rr_sdk_batch_t *b = a->n == 0 ? &a->batches[a->n++] : slot_for(a, desc->component);
    if (!b) {
        if (owns) free((void *)ext);
        return rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory", fn);
    }
    b->desc = *desc;
    b->static_desc = true;
    b->borrowed = borrow && data;
    b->width = width;
    b->length = n;
    b->shared = schema;
    b->schema = *schema;
    b->ext = ext;
    b->owns_ext = owns;
    if (!ext && bytes) memcpy(b->small, data, bytes);

    rr_sdk_flat_view_t *v = &b->view;
    atomic_init(&v->cell.refs, 1);
    v->cell.bytes = (int64_t)bytes;
    struct ArrowArray *top = &v->cell.array;
    top->length = n;
    top->null_count = 0;
    top->offset = 0;
    top->dictionary = NULL;
    top->private_data = NULL;
    top->release = view_release;
    v->bufs[0] = NULL;
    if (schema->n_children == 1) { /* a fixed-size list */
        top->n_buffers = 1;
        top->n_children = 1;
        struct ArrowArray *c = &v->child;
        c->length = n * (int64_t)(width / item_width);
        c->null_count = 0;
        c->offset = 0;
        c->n_buffers = 2;
        c->n_children = 0;
        c->children = NULL;
        c->dictionary = NULL;
        c->private_data = NULL;
        c->release = view_release;
        v->child_bufs[0] = NULL;
    } else {
        top->n_buffers = 2;
        top->n_children = 0;
        top->children = NULL;
    }
    flat_view_fix(b);
    return RR_OK;
}

rr_status_t rr_sdk_archetype_add_shared(rr_archetype_t *a, const rr_component_descriptor_t *desc,
                                        const struct ArrowSchema *schema, struct ArrowArray *array,
                                        bool borrowed, rr_error_t *err) {
    static const char fn[] = "rr_archetype_add";
    rr_status_t st = check_desc(fn, a, desc, err);
    if (st != RR_OK) {
        release_inputs(NULL, array);
        return st;
    }
    rr_sdk_batch_t b;
    memset(&b, 0, offsetof(rr_sdk_batch_t, small));
    b.desc = *desc;
    b.static_desc = true;
    b.shared = schema;
    b.schema = *schema;
    b.borrowed = borrowed;
    b.length = array->length;
    if (!(b.cell = rr_sdk_cell_new(array, schema))) {
        release_inputs(NULL, array);
        return rr_error_set(err, RR_ERR_NOMEM, "%s: out of memory", fn);
    }
    return put_batch(fn, a, &b, err);
}

rr_status_t rr_archetype_add_arrow(rr_archetype_t *a, const rr_component_descriptor_t *desc,
                                   struct ArrowSchema *schema, struct ArrowArray *array,
                                   rr_error_t *err) {
    return add_batch("rr_archetype_add_arrow", a, desc, schema, array, false, err);
}

rr_status_t rr_archetype_add_arrow_borrowed(rr_archetype_t *a,
                                            const rr_component_descriptor_t *desc,
                                            struct ArrowSchema *schema, struct ArrowArray *array,
                                            rr_error_t *err) {
    return add_batch("rr_archetype_add_arrow_borrowed", a, desc, schema, array, true, err);
}

/* An empty array of any type: the layout's buffers left NULL (valid for a
 * zero-length array) except offsets, which need their one 0 entry, and
 * children made empty the same way. */
static rr_status_t empty_array(const struct ArrowSchema *s, struct ArrowArray *out, int depth,
                               rr_error_t *err) {
    if (depth > 64) return rr_error_set(err, RR_ERR_INVALID_ARG, "datatype nested too deep");
    RR_TRY(rr_arrow_array_init_for(out, s, err));
    rr_arrow_type_t t;
    rr_status_t st = rr_arrow_type_parse(s->format, &t, err);
    if (st == RR_OK) {
        size_t off = 0;
        switch (t.id) {
        case RR_ARROW_STRING: case RR_ARROW_BINARY: case RR_ARROW_LIST: case RR_ARROW_MAP:
            off = 4; break;
        case RR_ARROW_LARGE_STRING: case RR_ARROW_LARGE_BINARY: case RR_ARROW_LARGE_LIST:
            off = 8; break;
        default: break;
        }
        if (off && !rr_arrow_array_alloc_buffer(out, 1, off))
            st = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    }
    for (int64_t i = 0; st == RR_OK && i < out->n_children && i < s->n_children; i++)
        st = empty_array(s->children[i], out->children[i], depth + 1, err);
    if (st == RR_OK && s->dictionary && out->dictionary)
        st = empty_array(s->dictionary, out->dictionary, depth + 1, err);
    if (st != RR_OK) rr_arrow_array_release(out);
    return st;
}

rr_status_t rr_archetype_add_empty_like(rr_archetype_t *a, const rr_component_descriptor_t *desc,
                                        const struct ArrowSchema *schema, rr_error_t *err) {
    static const char fn[] = "rr_archetype_add_empty_like";
    RR_TRY(check_desc(fn, a, desc, err));
    if (!schema || !schema->release || !schema->format)
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: component '%s': schema is NULL or released", fn,
                    desc->component);
    struct ArrowSchema s;
    rr_error_t e;
    if (rr_arrow_schema_copy(schema, &s, &e) != RR_OK)
        RR_SDK_FAIL(err, e.code, "%s: component '%s': %s", fn, desc->component, e.msg);
    struct ArrowArray arr;
    if (empty_array(&s, &arr, 0, &e) != RR_OK) {
        rr_arrow_schema_release(&s);
        RR_SDK_FAIL(err, e.code, "%s: component '%s': %s", fn, desc->component, e.msg);
    }
    return add_batch(fn, a, desc, &s, &arr, false, err);
}

rr_status_t rr_archetype_add_empty(rr_archetype_t *a, const rr_component_descriptor_t *desc,
                                   const char *arrow_format, rr_error_t *err) {
    static const char fn[] = "rr_archetype_add_empty";
    RR_TRY(check_desc(fn, a, desc, err));
    if (!arrow_format)
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: component '%s': arrow_format is NULL", fn,
                    desc->component);
    rr_arrow_type_t t;
    rr_error_t e;
    if (rr_arrow_type_parse(arrow_format, &t, &e) != RR_OK)
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG, "%s: component '%s': %s", fn, desc->component,
                    e.msg);
    switch (t.id) {
    case RR_ARROW_LIST: case RR_ARROW_LARGE_LIST: case RR_ARROW_FIXED_SIZE_LIST:
    case RR_ARROW_STRUCT: case RR_ARROW_SPARSE_UNION: case RR_ARROW_DENSE_UNION: case RR_ARROW_MAP:
        RR_SDK_FAIL(err, RR_ERR_INVALID_ARG,
                    "%s: component '%s': nested format '%s' needs its children "
                    "(use rr_archetype_add_empty_like)",
                    fn, desc->component, arrow_format);
    default: break;
    }
    struct ArrowSchema s;
    RR_TRY(rr_arrow_schema_init(&s, arrow_format, "", ARROW_FLAG_NULLABLE, 0, err));
    rr_status_t st = rr_archetype_add_empty_like(a, desc, &s, err);
    rr_arrow_schema_release(&s);
    return st;
}
