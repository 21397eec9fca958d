/* Growable chunks for compaction on insert. Rerun concatenates the elected
 * chunk with the new one (a copy of every row per insert, quadratic when
 * 1-row chunks stream in); here the merged chunk keeps spare capacity in its
 * Arrow buffers and rows are appended in place, amortised O(1) per row.
 *
 * The buffers are blobs the store holds a reference to; the chunk's arrays
 * hold another. Growing allocates a bigger blob, copies, and points the array
 * at it: anyone who shared the old buffers keeps the old blob alive, and
 * bytes past an array's length are never read by anyone, so appending past
 * the end is invisible to earlier readers. */
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "store/store_internal.h"

static int64_t prim_width(const char *f) {
    if (!f || f[0] == 0 || f[1] != 0) return 0;
    switch (f[0]) {
    case 'c': case 'C': return 1;
    case 's': case 'S': case 'e': return 2;
    case 'i': case 'I': case 'f': return 4;
    case 'l': case 'L': case 'g': return 8;
    default: return 0;
    }
}

/* Bytes per child element of a list column's type, 0 when not growable. */
static int64_t col_width(const struct ArrowSchema *list_type, bool *fsl) {
    if (list_type->n_children != 1) return 0;
    const struct ArrowSchema *ch = list_type->children[0];
    *fsl = false;
    if (ch->dictionary) return 0;
    int64_t w = prim_width(ch->format);
    if (w) return w;
    if (strncmp(ch->format, "+w:", 3) == 0 && ch->n_children == 1 &&
        !ch->children[0]->dictionary) {
        long n = strtol(ch->format + 3, NULL, 10);
        int64_t pw = prim_width(ch->children[0]->format);
        if (n > 0 && n < (1 << 20) && pw) {
            *fsl = true;
            return pw * n;
        }
    }
    return 0;
}

bool store_grow_can_take(const rr_chunk_t *c) {
    for (int64_t j = 0; j < c->n_components; j++) {
        bool fsl;
        if (!col_width(&c->components[j].type, &fsl)) return false;
        const struct ArrowArray *l = &c->components[j].array;
        if (l->n_children != 1) return false;
        if (fsl) {
            const struct ArrowArray *g = l->children[0]->children[0];
            if (g->null_count != 0 && g->buffers[0] != NULL) return false;
        }
    }
    return true;
}

uint64_t store_grow_rows_bytes(const rr_chunk_t *c) {
    int64_t n = c->num_rows;
    uint64_t b = (uint64_t)n * 16 + (uint64_t)(n * 8 * c->n_indexes);
    for (int64_t j = 0; j < c->n_components; j++) {
        bool fsl;
        const struct ArrowArray *l = &c->components[j].array;
        int64_t w = col_width(&c->components[j].type, &fsl);
        if (!w || l->n_children != 1) return UINT64_MAX;
        if (fsl) {
            const struct ArrowArray *g = l->children[0]->children[0];
            if (g->null_count != 0 && g->buffers[0] != NULL) return UINT64_MAX;
        }
        const int32_t *off = (const int32_t *)l->buffers[1] + l->offset;
        int64_t nv = (int64_t)off[n] - off[0];
        b += (uint64_t)(4 * (n + 1) + w * nv);
        if (l->buffers[0]) b += (uint64_t)rr_arrow_bitmap_bytes(n);
        if (l->children[0]->buffers[0]) b += (uint64_t)rr_arrow_bitmap_bytes(nv);
    }
    return b;
}

uint64_t store_grow_rows_bytes_as(const rr_chunk_t *c, const store_grow_t *g) {
    if (c->n_components != g->n_cols) return store_grow_rows_bytes(c);
    int64_t n = c->num_rows;
    uint64_t b = (uint64_t)n * 16 + (uint64_t)(n * 8 * c->n_indexes);
    for (int64_t j = 0; j < g->n_cols; j++) {
        const store_grow_col_t *gc = &g->cols[j];
        const struct ArrowArray *l = &c->components[j].array;
        if (l->n_children != 1) return UINT64_MAX;
        if (gc->fsl) {
            const struct ArrowArray *ch = l->children[0];
            if (ch->n_children != 1) return UINT64_MAX;
            const struct ArrowArray *gr = ch->children[0];
            if (gr->null_count != 0 && gr->buffers[0] != NULL) return UINT64_MAX;
        }
        const int32_t *off = (const int32_t *)l->buffers[1] + l->offset;
        int64_t nv = (int64_t)off[n] - off[0];
        b += (uint64_t)(4 * (n + 1) + gc->width * nv);
        if (l->buffers[0]) b += (uint64_t)rr_arrow_bitmap_bytes(n);
        if (l->children[0]->buffers[0]) b += (uint64_t)rr_arrow_bitmap_bytes(nv);
    }
    return b;
}

static void bits_set_range(uint8_t *bits, int64_t from, int64_t n, bool v) {
    for (int64_t i = 0; i < n; i++) rr_arrow_bit_set(bits, from + i, v);
}

/* Replaces *slot with a blob of new_len bytes holding the old content and
 * points buffer i of a at it. Past the old content only bitmaps are zeroed:
 * their last byte is written whole (Arrow IPC copies it) while bits are set
 * one by one; every other buffer is written before anyone reads it, so
 * zeroing a presized target would only touch its pages twice. */
static rr_status_t regrow(store_grow_t *g, rr_arrow_blob_t **slot, size_t new_len,
                          struct ArrowArray *a, int64_t i, bool zero, rr_error_t *err) {
    rr_arrow_blob_t *nb = rr_arrow_blob_new(new_len);
    if (!nb) return rr_error_set(err, RR_ERR_NOMEM, "store: out of memory growing a chunk (%zu bytes)", new_len);
    uint8_t *d = (uint8_t *)nb->data;
    size_t old = *slot ? (*slot)->len : 0;
    if (old > new_len) old = new_len;
    if (old) memcpy(d, (*slot)->data, old);
    if (zero) memset(d + old, 0, new_len - old);
    rr_arrow_array_set_buffer_blob(a, i, d, nb);
    g->bytes += new_len - (*slot ? (*slot)->len : 0);
    rr_arrow_blob_release(*slot);
    *slot = nb;
    return RR_OK;
}

static rr_status_t grow_rows(rr_chunk_t *c, store_grow_t *g, int64_t cap, rr_error_t *err) {
    RR_TRY(regrow(g, &g->row_ids, (size_t)cap * 16, &c->row_ids, 1, false, err));
    for (int64_t k = 0; k < g->n_times; k++)
        RR_TRY(regrow(g, &g->times[k], (size_t)cap * 8, &c->indexes[k].array, 1, false, err));
    for (int64_t j = 0; j < g->n_cols; j++) {
        struct ArrowArray *l = &c->components[j].array;
        RR_TRY(regrow(g, &g->cols[j].validity, (size_t)rr_arrow_bitmap_bytes(cap), l, 0, true, err));
        RR_TRY(regrow(g, &g->cols[j].offsets, (size_t)(cap + 1) * 4, l, 1, false, err));
    }
    g->cap_rows = cap;
    return RR_OK;
}

static rr_status_t grow_vals(rr_chunk_t *c, store_grow_t *g, store_grow_col_t *gc, int64_t j,
                             int64_t cap, rr_error_t *err) {
    struct ArrowArray *ch = c->components[j].array.children[0];
    RR_TRY(regrow(g, &gc->cvalid, (size_t)rr_arrow_bitmap_bytes(cap), ch, 0, true, err));
    if (gc->fsl)
        RR_TRY(regrow(g, &gc->values, (size_t)(cap * gc->width), ch->children[0], 1, false, err));
    else
        RR_TRY(regrow(g, &gc->values, (size_t)(cap * gc->width), ch, 1, false, err));
    gc->cap_vals = cap;
    return RR_OK;
}

rr_status_t store_grow_new(const rr_chunk_t *like, int64_t cap_rows, rr_chunk_t **out,
                           store_grow_t **grow, rr_error_t *err) {
    *out = NULL;
    *grow = NULL;
    if (cap_rows < 1) cap_rows = 1;
    store_grow_t *g = calloc(1, sizeof *g);
    if (!g) return rr_error_set(err, RR_ERR_NOMEM, "store: out of memory");
    rr_chunk_t *c = NULL;
    rr_status_t st = rr_chunk_new(rr_tuid_new(), &like->entity_path, 0, NULL, &c, err);
    if (st != RR_OK) {
        free(g);
        return st;
    }
    g->times = calloc((size_t)like->n_indexes + 1, sizeof *g->times);
    g->cols = calloc((size_t)like->n_components + 1, sizeof *g->cols);
    if (!g->times || !g->cols) {
        st = rr_error_set(err, RR_ERR_NOMEM, "store: out of memory");
        goto fail;
    }
    for (int64_t k = 0; k < like->n_indexes && st == RR_OK; k++) {
        struct ArrowArray a;
        st = rr_arrow_array_init(&a, 2, 0, false, err);
        if (st == RR_OK)
            st = rr_chunk_add_index_array(c, like->indexes[k].timeline.name,
                                          like->indexes[k].timeline.type, &a, err);
        g->n_times = k + 1;
    }
    for (int64_t j = 0; j < like->n_components && st == RR_OK; j++) {
        const rr_chunk_component_t *cc = &like->components[j];
        store_grow_col_t *gc = &g->cols[j];
        gc->width = col_width(&cc->type, &gc->fsl);
        if (!gc->width) {
            st = rr_error_set(err, RR_ERR_INVALID_ARG, "store: column '%s' cannot grow",
                              cc->descr.component);
            break;
        }
        struct ArrowArray l;
        st = rr_arrow_array_init(&l, 2, 1, false, err);
        if (st == RR_OK) st = rr_arrow_array_init(l.children[0], gc->fsl ? 1 : 2, gc->fsl ? 1 : 0, false, err);
        if (st == RR_OK && gc->fsl) st = rr_arrow_array_init(l.children[0]->children[0], 2, 0, false, err);
        /* Zero-length buffers so the empty column validates; grow_* below
         * gives them real capacity. */
        if (st == RR_OK) {
            uint8_t *o = rr_arrow_array_alloc_buffer(&l, 1, 4);
            if (!o) st = rr_error_set(err, RR_ERR_NOMEM, "store: out of memory");
        }
        if (st == RR_OK) {
            st = rr_chunk_add_component(c, &cc->descr, &cc->type, &l, err);
        } else {
            rr_arrow_array_release(&l);
        }
        g->n_cols = j + 1;
    }
    if (st == RR_OK) st = grow_rows(c, g, cap_rows, err);
    /* the empty columns' one offset (the rest are written as rows come) */
    for (int64_t j = 0; j < g->n_cols && st == RR_OK; j++) ((int32_t *)g->cols[j].offsets->data)[0] = 0;
    for (int64_t j = 0; j < g->n_cols && st == RR_OK; j++) st = grow_vals(c, g, &g->cols[j], j, cap_rows, err);
    if (st != RR_OK) goto fail;
    *out = c;
    *grow = g;
    return RR_OK;
fail:
    rr_chunk_free(c);
    store_grow_free(g);
    return st;
}

/* Big-endian TUIDs compared in two loads (a libc memcmp call costs more
 * than the compare on 1-row appends). */
static inline uint64_t be64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}
static bool tuid_bytes_le(const uint8_t *a, const uint8_t *b) {
    uint64_t ah = be64(a), bh = be64(b);
    return ah < bh || (ah == bh && be64(a + 8) <= be64(b + 8));
}

rr_status_t store_grow_append(rr_chunk_t *c, store_grow_t *g, const rr_chunk_t *src,
                              rr_error_t *err) {
    int64_t n = src->num_rows, r0 = c->num_rows;
    if (n == 0) return RR_OK;
    if (r0 + n > g->cap_rows) {
        int64_t cap = g->cap_rows * 2;
        if (cap < r0 + n) cap = r0 + n;
        RR_TRY(grow_rows(c, g, cap, err));
    }
    /* Value capacities first, so a failure leaves the chunk as it was. */
    for (int64_t j = 0; j < g->n_cols; j++) {
        const struct ArrowArray *l = &src->components[j].array;
        const int32_t *off = (const int32_t *)l->buffers[1] + l->offset;
        int64_t nv = (int64_t)off[n] - off[0];
        store_grow_col_t *gc = &g->cols[j];
        if (gc->n_vals + nv > INT32_MAX)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "store: column '%s' would pass 2^31 values",
                                src->components[j].descr.component);
        if (gc->n_vals + nv > gc->cap_vals) {
            int64_t cap = gc->cap_vals * 2;
            if (cap < gc->n_vals + nv) cap = gc->n_vals + nv;
            RR_TRY(grow_vals(c, g, gc, j, cap, err));
        }
    }
    /* Row ids. */
    uint8_t *rid = (uint8_t *)g->row_ids->data;
    const uint8_t *srid = (const uint8_t *)src->row_ids.buffers[1] + 16 * src->row_ids.offset;
    memcpy(rid + 16 * r0, srid, (size_t)n * 16);
    c->is_sorted = (r0 == 0 || tuid_bytes_le(rid + 16 * (r0 - 1), srid)) && src->is_sorted &&
                   (r0 == 0 || c->is_sorted);
    c->row_ids.length = r0 + n;
    /* Times. */
    for (int64_t k = 0; k < g->n_times; k++) {
        rr_chunk_index_t *ix = &c->indexes[k];
        const rr_chunk_index_t *six = &src->indexes[k];
        int64_t *t = (int64_t *)g->times[k]->data;
        const int64_t *st = (const int64_t *)six->array.buffers[1] + six->array.offset;
        memcpy(t + r0, st, (size_t)n * 8);
        ix->is_sorted = (r0 == 0 || (ix->is_sorted && t[r0 - 1] <= st[0])) && six->is_sorted;
        ix->range = r0 == 0 ? six->range : rr_time_range_union(ix->range, six->range);
        ix->array.length = r0 + n;
    }
    /* Component columns. */
    for (int64_t j = 0; j < g->n_cols; j++) {
        store_grow_col_t *gc = &g->cols[j];
        struct ArrowArray *l = &c->components[j].array;
        struct ArrowArray *ch = l->children[0];
        const struct ArrowArray *sl = &src->components[j].array;
        const struct ArrowArray *sch = sl->children[0];
        const int32_t *soff = (const int32_t *)sl->buffers[1] + sl->offset;
        int32_t *off = (int32_t *)g->cols[j].offsets->data;
        uint8_t *valid = (uint8_t *)gc->validity->data;
        int64_t v0 = gc->n_vals, nv = (int64_t)soff[n] - soff[0];
        if (r0 == 0) off[0] = 0;
        int64_t nulls = 0;
        for (int64_t r = 0; r < n; r++) {
            off[r0 + r + 1] = (int32_t)(v0 + (soff[r + 1] - soff[0]));
            bool v = rr_arrow_array_is_valid(sl, r);
            rr_arrow_bit_set(valid, r0 + r, v);
            nulls += !v;
        }
        l->null_count += nulls;
        l->length = r0 + n;
        /* Values: one contiguous run in the source child. */
        int64_t first = sch->offset + soff[0];
        const uint8_t *sv;
        if (gc->fsl) {
            const struct ArrowArray *sg = sch->children[0];
            /* A fixed-size list of N items of w bytes: element i's items
             * start at grandchild slot (offset + i) * N. */
            const struct ArrowSchema *ft = c->components[j].type.children[0];
            long items = strtol(ft->format + 3, NULL, 10);
            int64_t iw = gc->width / items;
            sv = (const uint8_t *)sg->buffers[1] + (sg->offset + first * items) * iw;
        } else {
            sv = (const uint8_t *)sch->buffers[1] + first * gc->width;
        }
        if (nv) memcpy((uint8_t *)gc->values->data + v0 * gc->width, sv, (size_t)(nv * gc->width));
        uint8_t *cv = (uint8_t *)gc->cvalid->data;
        int64_t cnulls = 0;
        if (sch->null_count != 0 && sch->buffers[0]) {
            const uint8_t *sb = sch->buffers[0];
            for (int64_t i = 0; i < nv; i++) {
                bool v = rr_arrow_bit_get(sb, first + i);
                rr_arrow_bit_set(cv, v0 + i, v);
                cnulls += !v;
            }
        } else {
            bits_set_range(cv, v0, nv, true);
        }
        gc->n_vals = v0 + nv;
        ch->length = gc->n_vals;
        ch->null_count += cnulls;
        if (gc->fsl) {
            const struct ArrowSchema *ft = c->components[j].type.children[0];
            long items = strtol(ft->format + 3, NULL, 10);
            ch->children[0]->length = gc->n_vals * items;
        }
    }
    c->num_rows = r0 + n;
    return RR_OK;
}

uint64_t store_grow_bytes(const store_grow_t *g) { return g->bytes; }

void store_grow_free(store_grow_t *g) {
    if (!g) return;
    rr_arrow_blob_release(g->row_ids);
    for (int64_t k = 0; k < g->n_times; k++) rr_arrow_blob_release(g->times[k]);
    for (int64_t j = 0; j < g->n_cols; j++) {
        rr_arrow_blob_release(g->cols[j].validity);
        rr_arrow_blob_release(g->cols[j].offsets);
        rr_arrow_blob_release(g->cols[j].cvalid);
        rr_arrow_blob_release(g->cols[j].values);
    }
    free(g->times);
    free(g->cols);
    free(g);
}
