/* RRD manifest builder and reader (manifest.h). The builder records, per chunk,
 * only the facts the manifest needs (ids, sizes, time ranges, which components
 * have data), then lays them out column by column at finish, padding every
 * column to one row per chunk as Rerun's builder does. */
#include "rrd/manifest.h"

#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/ipc.h"
#include "arrow/schema.h"
#include "rrd/frames.h"

/* ---------------- SHA-256 ---------------- */

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(uint32_t h[8], const uint8_t *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
               p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) +
                      K256[i] + w[i];
        uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void rr_rrd_sha256(const void *data, size_t len, uint8_t out[32]) {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const uint8_t *p = data;
    size_t n = len;
    while (n >= 64) {
        sha256_block(h, p);
        p += 64;
        n -= 64;
    }
    uint8_t tail[128] = {0};
    memcpy(tail, p, n);
    tail[n] = 0x80;
    size_t tl = n + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) tail[tl - 1 - i] = (uint8_t)(bits >> (8 * i));
    sha256_block(h, tail);
    if (tl == 128) sha256_block(h, tail + 64);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) out[4 * i + j] = (uint8_t)(h[i] >> (24 - 8 * j));
}

/* ---------------- builder state ---------------- */

typedef struct mrow {
    rr_tuid_t id;
    char *entity;
    bool is_static;
    uint64_t num_rows, offset, size, usize;
} mrow_t;

typedef struct mtimeline {
    char *name;
    rr_time_type_t type;
} mtimeline_t;

/* A (row, column) fact; column meaning depends on the list it is in. */
typedef struct mcell {
    int64_t row;
    int32_t col;
    bool valid;
    int64_t min, max;
    uint64_t num_rows;
} mcell_t;

typedef struct mkey {
    int32_t tl, desc;
} mkey_t;

typedef struct msorbet {
    char *key;
    struct ArrowSchema field;
    bool is_data, is_static;
} msorbet_t;

#define VEC(T)                                                                                     \
    struct {                                                                                       \
        T *v;                                                                                      \
        int64_t n, cap;                                                                            \
    }

struct rr_rrd_manifest_builder {
    VEC(mrow_t) rows;
    VEC(rr_component_descriptor_t) descs;
    VEC(mtimeline_t) tls;
    VEC(mkey_t) keys;
    VEC(mcell_t) static_cells;   /* col = desc */
    VEC(mcell_t) tl_cells;       /* col = timeline */
    VEC(mcell_t) comp_cells;     /* col = key */
    VEC(msorbet_t) sorbet;
};

static bool vec_grow(void **v, int64_t *cap, int64_t n, size_t elem) {
    if (n < *cap) return true;
    int64_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*v, (size_t)nc * elem);
    if (!p) return false;
    *v = p;
    *cap = nc;
    return true;
}
#define VEC_PUSH(vec, val)                                                                         \
    (vec_grow((void **)&(vec).v, &(vec).cap, (vec).n, sizeof *(vec).v)                              \
         ? ((vec).v[(vec).n++] = (val), true)                                                      \
         : false)

static char *dup_str(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

rr_status_t rr_rrd_manifest_builder_new(rr_rrd_manifest_builder_t **out, rr_error_t *err) {
    *out = calloc(1, sizeof **out);
    if (!*out) return rr_error_set(err, RR_ERR_NOMEM, "manifest builder: out of memory");
    return RR_OK;
}

void rr_rrd_manifest_builder_free(rr_rrd_manifest_builder_t *b) {
    if (!b) return;
    for (int64_t i = 0; i < b->rows.n; i++) free(b->rows.v[i].entity);
    for (int64_t i = 0; i < b->descs.n; i++) rr_component_descriptor_free(&b->descs.v[i]);
    for (int64_t i = 0; i < b->tls.n; i++) free(b->tls.v[i].name);
    for (int64_t i = 0; i < b->sorbet.n; i++) {
        free(b->sorbet.v[i].key);
        rr_arrow_schema_release(&b->sorbet.v[i].field);
    }
    free(b->rows.v);
    free(b->descs.v);
    free(b->tls.v);
    free(b->keys.v);
    free(b->static_cells.v);
    free(b->tl_cells.v);
    free(b->comp_cells.v);
    free(b->sorbet.v);
    free(b);
}

int64_t rr_rrd_manifest_builder_count(const rr_rrd_manifest_builder_t *b) { return b->rows.n; }

static rr_status_t oom(rr_error_t *err) {
    return rr_error_set(err, RR_ERR_NOMEM, "manifest builder: out of memory");
}

static int32_t find_desc(rr_rrd_manifest_builder_t *b, const rr_component_descriptor_t *d,
                         rr_error_t *err, rr_status_t *st) {
    for (int64_t i = 0; i < b->descs.n; i++)
        if (rr_component_descriptor_equal(&b->descs.v[i], d)) return (int32_t)i;
    rr_component_descriptor_t copy;
    *st = rr_component_descriptor_copy(d, &copy, err);
    if (*st != RR_OK) return -1;
    if (!VEC_PUSH(b->descs, copy)) {
        rr_component_descriptor_free(&copy);
        *st = oom(err);
        return -1;
    }
    return (int32_t)(b->descs.n - 1);
}

static int32_t find_timeline(rr_rrd_manifest_builder_t *b, const rr_timeline_t *tl, rr_error_t *err,
                             rr_status_t *st) {
    for (int64_t i = 0; i < b->tls.n; i++)
        if (strcmp(b->tls.v[i].name, tl->name) == 0) return (int32_t)i;
    mtimeline_t t = {dup_str(tl->name), tl->type};
    if (!t.name || !VEC_PUSH(b->tls, t)) {
        free(t.name);
        *st = oom(err);
        return -1;
    }
    return (int32_t)(b->tls.n - 1);
}

static int32_t find_key(rr_rrd_manifest_builder_t *b, int32_t tl, int32_t desc, rr_error_t *err,
                        rr_status_t *st) {
    for (int64_t i = 0; i < b->keys.n; i++)
        if (b->keys.v[i].tl == tl && b->keys.v[i].desc == desc) return (int32_t)i;
    mkey_t k = {tl, desc};
    if (!VEC_PUSH(b->keys, k)) {
        *st = oom(err);
        return -1;
    }
    return (int32_t)(b->keys.n - 1);
}

static bool meta_is(const char *metadata, const char *key, const char *value) {
    rr_arrow_kv_t kv;
    return rr_arrow_metadata_find(metadata, key, &kv) && (size_t)kv.value_len == strlen(value) &&
           memcmp(kv.value, value, (size_t)kv.value_len) == 0;
}

/* Copies a field's metadata without skip_key, plus up to two extra entries. */
static rr_status_t set_meta_edited(struct ArrowSchema *f, const char *src_meta, const char *skip_key,
                                   const char *k1, const char *v1, const char *k2, const char *v2,
                                   rr_error_t *err) {
    int32_t n = rr_arrow_metadata_count(src_meta);
    rr_arrow_kv_t *kv = calloc((size_t)n + 2, sizeof *kv);
    if (!kv) return oom(err);
    int32_t m = 0;
    for (int32_t i = 0; i < n; i++) {
        rr_arrow_metadata_get(src_meta, i, &kv[m]);
        bool skip = (skip_key && (size_t)kv[m].key_len == strlen(skip_key) &&
                     memcmp(kv[m].key, skip_key, (size_t)kv[m].key_len) == 0) ||
                    (k1 && (size_t)kv[m].key_len == strlen(k1) &&
                     memcmp(kv[m].key, k1, (size_t)kv[m].key_len) == 0) ||
                    (k2 && (size_t)kv[m].key_len == strlen(k2) &&
                     memcmp(kv[m].key, k2, (size_t)kv[m].key_len) == 0);
        if (!skip) m++;
    }
    const char *ks[2] = {k1, k2}, *vs[2] = {v1, v2};
    for (int i = 0; i < 2; i++) {
        if (!ks[i]) continue;
        kv[m].key = ks[i];
        kv[m].key_len = (int32_t)strlen(ks[i]);
        kv[m].value = vs[i];
        kv[m].value_len = (int32_t)strlen(vs[i]);
        m++;
    }
    rr_status_t st = rr_arrow_schema_set_metadata(f, kv, m, err);
    free(kv);
    return st;
}

static rr_status_t add_sorbet_fields(rr_rrd_manifest_builder_t *b, const rr_chunk_t *c,
                                     const struct ArrowSchema *schema, rr_error_t *err) {
    const char *entity = c->entity_path.str ? c->entity_path.str : "/";
    bool chunk_static = rr_chunk_is_static(c);
    for (int64_t i = 0; i < schema->n_children; i++) {
        const struct ArrowSchema *f = schema->children[i];
        bool is_data = meta_is(f->metadata, "rerun:kind", "data") ||
                       meta_is(f->metadata, "rerun:kind", "component");
        char *key;
        if (is_data) {
            rr_arrow_kv_t kv;
            const char *comp = f->name ? f->name : "";
            size_t clen = strlen(comp);
            if (rr_arrow_metadata_find(f->metadata, "rerun:component", &kv)) {
                comp = kv.value;
                clen = (size_t)kv.value_len;
            }
            size_t elen = strlen(entity);
            key = malloc(elen + 1 + clen + 1);
            if (!key) return oom(err);
            memcpy(key, entity, elen);
            key[elen] = ':';
            memcpy(key + elen + 1, comp, clen);
            key[elen + 1 + clen] = 0;
        } else {
            key = dup_str(f->name ? f->name : "");
            if (!key) return oom(err);
        }
        int64_t found = -1;
        for (int64_t j = 0; j < b->sorbet.n; j++)
            if (strcmp(b->sorbet.v[j].key, key) == 0) {
                found = j;
                break;
            }
        if (found >= 0) {
            b->sorbet.v[found].is_static |= is_data && chunk_static;
            free(key);
            continue;
        }
        msorbet_t s;
        memset(&s, 0, sizeof s);
        s.key = key;
        s.is_data = is_data;
        s.is_static = is_data && chunk_static;
        rr_status_t st = rr_arrow_schema_copy(f, &s.field, err);
        if (st == RR_OK) st = rr_arrow_schema_set_name(&s.field, key, err);
        if (st == RR_OK)
            st = set_meta_edited(&s.field, f->metadata, "rerun:is_sorted",
                                 is_data ? "rerun:entity_path" : NULL, entity, NULL, NULL, err);
        if (st == RR_OK && !VEC_PUSH(b->sorbet, s)) st = oom(err);
        if (st != RR_OK) {
            free(key);
            rr_arrow_schema_release(&s.field);
            return st;
        }
    }
    return RR_OK;
}

static int64_t index_value(const struct ArrowArray *a, int64_t i) {
    return ((const int64_t *)a->buffers[1])[a->offset + i];
}

static bool list_valid(const struct ArrowArray *a, int64_t i) {
    if (a->null_count == 0 || !a->buffers[0]) return true;
    return rr_arrow_bit_get(a->buffers[0], a->offset + i);
}

rr_status_t rr_rrd_manifest_builder_add(rr_rrd_manifest_builder_t *b, const rr_chunk_t *c,
                                        const struct ArrowSchema *chunk_schema,
                                        uint64_t byte_offset, uint64_t byte_size,
                                        uint64_t byte_size_uncompressed, rr_error_t *err) {
    rr_status_t st = RR_OK;
    mrow_t row = {c->id, dup_str(c->entity_path.str ? c->entity_path.str : "/"),
                  rr_chunk_is_static(c), (uint64_t)c->num_rows, byte_offset, byte_size,
                  byte_size_uncompressed};
    if (!row.entity || !VEC_PUSH(b->rows, row)) {
        free(row.entity);
        return oom(err);
    }
    int64_t r = b->rows.n - 1;
    if (chunk_schema) RR_TRY(add_sorbet_fields(b, c, chunk_schema, err));

    if (row.is_static) {
        for (int64_t j = 0; j < c->n_components; j++) {
            int32_t d = find_desc(b, &c->components[j].descr, err, &st);
            if (d < 0) return st;
            mcell_t cell = {r, d, true, 0, 0, 0};
            if (!VEC_PUSH(b->static_cells, cell)) return oom(err);
        }
        return RR_OK;
    }
    for (int64_t t = 0; t < c->n_indexes; t++) {
        const rr_chunk_index_t *ix = &c->indexes[t];
        int32_t tl = find_timeline(b, &ix->timeline, err, &st);
        if (tl < 0) return st;
        rr_time_range_t range = ix->range; /* kept by the chunk */
        bool valid = !rr_time_range_is_empty(range);
        mcell_t cell = {r, tl, valid, range.min, range.max, 0};
        if (!VEC_PUSH(b->tl_cells, cell)) return oom(err);
        for (int64_t j = 0; j < c->n_components; j++) {
            const rr_chunk_component_t *comp = &c->components[j];
            int32_t d = find_desc(b, &comp->descr, err, &st);
            if (d < 0) return st;
            int32_t k = find_key(b, tl, d, err, &st);
            if (k < 0) return st;
            rr_time_range_t cr = rr_time_range_empty();
            uint64_t n = 0;
            /* Every row holds a cell: the timeline's range. */
            bool all = comp->array.null_count == 0 || !comp->array.buffers[0];
            if (all) {
                cr = range;
                n = (uint64_t)c->num_rows;
            }
            for (int64_t i = 0; !all && i < c->num_rows; i++) {
                if (!list_valid(&comp->array, i)) continue;
                int64_t v = index_value(&ix->array, i);
                if (v < cr.min) cr.min = v;
                if (v > cr.max) cr.max = v;
                n++;
            }
            mcell_t cc = {r, k, !rr_time_range_is_empty(cr), cr.min, cr.max, n};
            if (!VEC_PUSH(b->comp_cells, cc)) return oom(err);
        }
    }
    return RR_OK;
}

/* ---------------- finishing ---------------- */

/* Rerun's RawRrdManifest::compute_column_name for (prefix, descriptor, suffix). */
static char *column_name(const char *prefix, const rr_component_descriptor_t *d, const char *suffix) {
    const char *parts[4] = {0};
    int n = 0;
    if (prefix) parts[n++] = prefix;
    const char *field = NULL;
    if (d) {
        field = d->component;
        if (d->archetype) {
            const char *a = d->archetype;
            static const char *prefixes[] = {"rerun.archetypes.", "rerun.blueprint.archetypes.",
                                             "rerun."};
            for (int i = 0; i < 3; i++) {
                size_t pl = strlen(prefixes[i]);
                if (strncmp(a, prefixes[i], pl) == 0) {
                    a += pl;
                    break;
                }
            }
            parts[n++] = a;
            size_t al = strlen(a);
            if (strncmp(field, a, al) == 0 && field[al] == ':') field += al + 1;
        }
        parts[n++] = field;
    }
    if (suffix) parts[n++] = suffix;
    size_t total = 1;
    for (int i = 0; i < n; i++) total += strlen(parts[i]) + 1;
    char *s = malloc(total);
    if (!s) return NULL;
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        if (!parts[i][0]) continue;
        if (len) s[len++] = ':';
        size_t pl = strlen(parts[i]);
        memcpy(s + len, parts[i], pl);
        len += pl;
    }
    s[len] = 0;
    for (size_t i = 0; i < len; i++)
        if (strchr(", -.\\", s[i])) s[i] = '_';
    size_t lead = 0;
    while (s[lead] == '_') lead++;
    memmove(s, s + lead, len - lead + 1);
    return s;
}

typedef enum colkind { C_ENTITY, C_ID, C_STATIC, C_NROWS, C_OFF, C_SIZE, C_USIZE, C_HAS_STATIC, C_TL_START, C_TL_END, C_CK_START, C_CK_END, C_CK_NROWS } colkind_t;

typedef struct mcol {
    colkind_t kind;
    int32_t ref; /* desc, timeline or key */
} mcol_t;

static rr_status_t init_field(struct ArrowSchema *f, const char *format, const char *name,
                              bool nullable, const char *index, const rr_component_descriptor_t *d,
                              rr_error_t *err) {
    RR_TRY(rr_arrow_schema_init(f, format, name, nullable ? ARROW_FLAG_NULLABLE : 0, 0, err));
    if (!index) return RR_OK;
    rr_arrow_kv_t kv[4];
    int32_t n = 0;
    kv[n++] = (rr_arrow_kv_t){"rerun:index", 11, index, (int32_t)strlen(index)};
    if (d) {
        if (d->component_type)
            kv[n++] = (rr_arrow_kv_t){"rerun:component_type", 20, d->component_type,
                                      (int32_t)strlen(d->component_type)};
        if (d->archetype)
            kv[n++] = (rr_arrow_kv_t){"rerun:archetype", 15, d->archetype, (int32_t)strlen(d->archetype)};
        kv[n++] = (rr_arrow_kv_t){"rerun:component", 15, d->component, (int32_t)strlen(d->component)};
    }
    return rr_arrow_schema_set_metadata(f, kv, n, err);
}

static const rr_rrd_manifest_builder_t *sort_b;
static int cmp_desc_idx(const void *a, const void *b) {
    return rr_component_descriptor_cmp(&sort_b->descs.v[*(const int32_t *)a],
                                       &sort_b->descs.v[*(const int32_t *)b]);
}
static int cmp_tl_idx(const void *a, const void *b) {
    return strcmp(sort_b->tls.v[*(const int32_t *)a].name, sort_b->tls.v[*(const int32_t *)b].name);
}
static int cmp_key_idx(const void *a, const void *b) {
    const mkey_t *ka = &sort_b->keys.v[*(const int32_t *)a], *kb = &sort_b->keys.v[*(const int32_t *)b];
    int c = strcmp(sort_b->tls.v[ka->tl].name, sort_b->tls.v[kb->tl].name);
    return c ? c : rr_component_descriptor_cmp(&sort_b->descs.v[ka->desc], &sort_b->descs.v[kb->desc]);
}

static int cmp_sorbet_name(const void *a, const void *b) {
    const struct ArrowSchema *fa = *(const struct ArrowSchema *const *)a;
    const struct ArrowSchema *fb = *(const struct ArrowSchema *const *)b;
    return strcmp(fa->name ? fa->name : "", fb->name ? fb->name : "");
}

/* IPC stream holding only a schema whose children are fields (copied). */
static rr_status_t schema_ipc(const struct ArrowSchema *const *fields, int64_t n, rr_buf_t *out,
                              rr_error_t *err) {
    struct ArrowSchema s;
    memset(&s, 0, sizeof s);
    RR_TRY(rr_arrow_schema_init(&s, "+s", "", 0, n, err));
    rr_status_t st = RR_OK;
    for (int64_t i = 0; st == RR_OK && i < n; i++) st = rr_arrow_schema_copy(fields[i], s.children[i], err);
    rr_arrow_ipc_writer_t *w = NULL;
    rr_arrow_ipc_write_options_t opts = {0};
    if (st == RR_OK) st = rr_arrow_ipc_writer_open(out, &s, &opts, &w, err);
    if (st == RR_OK) st = rr_arrow_ipc_writer_finish(w, err);
    rr_arrow_schema_release(&s);
    return st;
}

static rr_status_t build_sorbet(rr_rrd_manifest_builder_t *b, rr_rrd_manifest_msg_t *out,
                                rr_error_t *err) {
    int64_t n = b->sorbet.n;
    const struct ArrowSchema **fields = calloc((size_t)(n ? n : 1), sizeof *fields);
    if (!fields) return oom(err);
    rr_status_t st = RR_OK;
    for (int64_t i = 0; st == RR_OK && i < n; i++) {
        msorbet_t *s = &b->sorbet.v[i];
        if (s->is_static && !meta_is(s->field.metadata, "rerun:is_static", "true")) {
            char *meta = NULL;
            int64_t sz = rr_arrow_metadata_size(s->field.metadata);
            if (sz > 0 && !(meta = malloc((size_t)sz))) st = oom(err);
            if (st == RR_OK) {
                if (sz > 0) memcpy(meta, s->field.metadata, (size_t)sz);
                st = set_meta_edited(&s->field, meta, NULL, "rerun:is_static", "true", NULL, NULL, err);
            }
            free(meta);
        }
        fields[i] = &s->field;
    }
    rr_buf_t ipc = {0};
    if (st == RR_OK) st = schema_ipc(fields, n, &ipc, err);
    if (st == RR_OK) {
        out->has_sorbet_schema = true;
        out->sorbet_schema_ipc = malloc(ipc.len ? ipc.len : 1);
        if (!out->sorbet_schema_ipc) st = oom(err);
        else {
            memcpy(out->sorbet_schema_ipc, ipc.data, ipc.len);
            out->sorbet_schema_ipc_len = ipc.len;
        }
    }
    rr_buf_free(&ipc);
    if (st == RR_OK) {
        qsort(fields, (size_t)n, sizeof *fields, cmp_sorbet_name);
        st = schema_ipc(fields, n, &ipc, err);
        if (st == RR_OK) {
            rr_rrd_sha256(ipc.data, ipc.len, out->sorbet_schema_sha256);
            out->has_sorbet_schema_sha256 = true;
        }
        rr_buf_free(&ipc);
    }
    free(fields);
    return st;
}

static rr_status_t build_table(rr_rrd_manifest_builder_t *b, rr_rrd_manifest_msg_t *out,
                               rr_error_t *err) {
    int64_t nd = b->descs.n, nt = b->tls.n, nk = b->keys.n, nr = b->rows.n;
    int32_t *dord = malloc((size_t)(nd + 1) * sizeof *dord);
    int32_t *tord = malloc((size_t)(nt + 1) * sizeof *tord);
    int32_t *kord = malloc((size_t)(nk + 1) * sizeof *kord);
    int64_t ncols = 7 + nd + 2 * nt + 3 * nk;
    mcol_t *cols = malloc((size_t)ncols * sizeof *cols);
    /* Dense per-column cell lookup: cell index + 1 per (row, column ref), 0 = none. */
    int64_t *sidx = calloc((size_t)(nr * nd + 1), sizeof *sidx);
    int64_t *tidx = calloc((size_t)(nr * nt + 1), sizeof *tidx);
    int64_t *kidx = calloc((size_t)(nr * nk + 1), sizeof *kidx);
    struct ArrowSchema schema;
    memset(&schema, 0, sizeof schema);
    struct ArrowArray batch;
    memset(&batch, 0, sizeof batch);
    rr_arrow_builder_t *bld = NULL;
    rr_buf_t ipc = {0};
    rr_status_t st = RR_OK;
    if (!dord || !tord || !kord || !cols || !sidx || !tidx || !kidx) {
        st = oom(err);
        goto done;
    }
    for (int64_t i = 0; i < b->static_cells.n; i++)
        sidx[b->static_cells.v[i].row * nd + b->static_cells.v[i].col] = i + 1;
    for (int64_t i = 0; i < b->tl_cells.n; i++)
        tidx[b->tl_cells.v[i].row * nt + b->tl_cells.v[i].col] = i + 1;
    for (int64_t i = 0; i < b->comp_cells.n; i++)
        kidx[b->comp_cells.v[i].row * nk + b->comp_cells.v[i].col] = i + 1;
    for (int32_t i = 0; i < nd; i++) dord[i] = i;
    for (int32_t i = 0; i < nt; i++) tord[i] = i;
    for (int32_t i = 0; i < nk; i++) kord[i] = i;
    sort_b = b;
    qsort(dord, (size_t)nd, sizeof *dord, cmp_desc_idx);
    qsort(tord, (size_t)nt, sizeof *tord, cmp_tl_idx);
    qsort(kord, (size_t)nk, sizeof *kord, cmp_key_idx);
    sort_b = NULL;

    st = rr_arrow_schema_init(&schema, "+s", "", 0, ncols, err);
    if (st != RR_OK) goto done;
    int64_t c = 0;
    static const struct {
        const char *name, *format;
    } globals[7] = {{"chunk_entity_path", "u"}, {"chunk_id", "w:16"}, {"chunk_is_static", "b"},
                    {"chunk_num_rows", "L"},    {"chunk_byte_offset", "L"},
                    {"chunk_byte_size", "L"},   {"chunk_byte_size_uncompressed", "L"}};
    for (int i = 0; i < 7 && st == RR_OK; i++) {
        cols[c] = (mcol_t){(colkind_t)i, 0};
        st = init_field(schema.children[c++], globals[i].format, globals[i].name, false, NULL, NULL, err);
    }
    for (int64_t i = 0; i < nd && st == RR_OK; i++) {
        const rr_component_descriptor_t *d = &b->descs.v[dord[i]];
        char *name = column_name(NULL, d, "has_static_data");
        if (!name) { st = oom(err); break; }
        cols[c] = (mcol_t){C_HAS_STATIC, dord[i]};
        st = init_field(schema.children[c++], "b", name, false, "rerun:static", d, err);
        free(name);
    }
    for (int64_t i = 0; i < nt && st == RR_OK; i++) {
        const mtimeline_t *t = &b->tls.v[tord[i]];
        const char *fmt = rr_time_type_arrow_format(t->type);
        for (int e = 0; e < 2 && st == RR_OK; e++) {
            char *name = column_name(t->name, NULL, e ? "end" : "start");
            if (!name) { st = oom(err); break; }
            cols[c] = (mcol_t){e ? C_TL_END : C_TL_START, tord[i]};
            st = init_field(schema.children[c++], fmt, name, true, t->name, NULL, err);
            free(name);
        }
    }
    for (int64_t i = 0; i < nk && st == RR_OK; i++) {
        const mkey_t *k = &b->keys.v[kord[i]];
        const mtimeline_t *t = &b->tls.v[k->tl];
        const rr_component_descriptor_t *d = &b->descs.v[k->desc];
        static const char *suffix[3] = {"start", "end", "num_rows"};
        for (int e = 0; e < 3 && st == RR_OK; e++) {
            char *name = column_name(t->name, d, suffix[e]);
            if (!name) { st = oom(err); break; }
            cols[c] = (mcol_t){(colkind_t)(C_CK_START + e), kord[i]};
            st = init_field(schema.children[c++], e == 2 ? "L" : rr_time_type_arrow_format(t->type),
                            name, true, t->name, d, err);
            free(name);
        }
    }
    if (st == RR_OK) st = rr_arrow_builder_new(&schema, &bld, err);
    for (int64_t r = 0; r < nr && st == RR_OK; r++) {
        const mrow_t *row = &b->rows.v[r];
        for (int64_t j = 0; j < ncols && st == RR_OK; j++) {
            rr_arrow_builder_t *cb = rr_arrow_builder_child(bld, j);
            const mcell_t *cell = NULL;
            switch (cols[j].kind) {
            case C_ENTITY: st = rr_arrow_builder_append_str(cb, row->entity, strlen(row->entity), err); break;
            case C_ID: {
                uint8_t idb[16];
                rr_tuid_to_bytes(row->id, idb);
                st = rr_arrow_builder_append_bytes(cb, idb, 16, err);
                break;
            }
            case C_STATIC: st = rr_arrow_builder_append_bool(cb, row->is_static, err); break;
            case C_NROWS: st = rr_arrow_builder_append_uint(cb, row->num_rows, err); break;
            case C_OFF: st = rr_arrow_builder_append_uint(cb, row->offset, err); break;
            case C_SIZE: st = rr_arrow_builder_append_uint(cb, row->size, err); break;
            case C_USIZE: st = rr_arrow_builder_append_uint(cb, row->usize, err); break;
            case C_HAS_STATIC:
                st = rr_arrow_builder_append_bool(cb, sidx[r * nd + cols[j].ref] != 0, err);
                break;
            case C_TL_START:
            case C_TL_END:
                if (tidx[r * nt + cols[j].ref]) cell = &b->tl_cells.v[tidx[r * nt + cols[j].ref] - 1];
                if (cell && cell->valid)
                    st = rr_arrow_builder_append_int(cb, cols[j].kind == C_TL_START ? cell->min : cell->max, err);
                else
                    st = rr_arrow_builder_append_null(cb, err);
                break;
            case C_CK_START:
            case C_CK_END:
            case C_CK_NROWS:
                if (kidx[r * nk + cols[j].ref]) cell = &b->comp_cells.v[kidx[r * nk + cols[j].ref] - 1];
                if (cols[j].kind == C_CK_NROWS)
                    st = rr_arrow_builder_append_uint(cb, cell ? cell->num_rows : 0, err);
                else if (cell && cell->valid)
                    st = rr_arrow_builder_append_int(cb, cols[j].kind == C_CK_START ? cell->min : cell->max, err);
                else
                    st = rr_arrow_builder_append_null(cb, err);
                break;
            }
        }
        if (st == RR_OK) st = rr_arrow_builder_finish_element(bld, err);
    }
    if (st == RR_OK) st = rr_arrow_builder_finish(bld, &batch, err);
    if (st == RR_OK) {
        rr_arrow_ipc_write_options_t opts = {0};
        st = rr_arrow_ipc_write_table(&ipc, &schema, &batch, 1, &opts, err);
    }
    if (st == RR_OK) {
        /* LZ4 block, as Rerun's DataframePart conversion writes it. */
        if (ipc.len > (size_t)LZ4_MAX_INPUT_SIZE) {
            st = rr_error_set(err, RR_ERR_UNSUPPORTED, "manifest: %zu bytes is too large", ipc.len);
            goto done;
        }
        int bound = LZ4_compressBound((int)ipc.len);
        uint8_t *dst = malloc((size_t)bound);
        if (!dst) { st = oom(err); goto done; }
        int n = LZ4_compress_default((const char *)ipc.data, (char *)dst, (int)ipc.len, bound);
        if (n <= 0) {
            free(dst);
            st = rr_error_set(err, RR_ERR_INTERNAL, "manifest: LZ4 compression failed");
            goto done;
        }
        out->data.present = true;
        out->data.encoder_version = 1;
        out->data.compression = RR_PAYLOAD_COMPRESSION_LZ4;
        out->data.uncompressed_size = ipc.len;
        out->data.payload = dst;
        out->data.payload_len = (size_t)n;
    }
done:
    rr_buf_free(&ipc);
    rr_arrow_builder_free(bld);
    rr_arrow_array_release(&batch);
    rr_arrow_schema_release(&schema);
    free(dord);
    free(tord);
    free(kord);
    free(cols);
    free(sidx);
    free(tidx);
    free(kidx);
    return st;
}

rr_status_t rr_rrd_manifest_builder_finish(rr_rrd_manifest_builder_t *b,
                                           const rr_store_id_t *store_id,
                                           rr_rrd_manifest_msg_t *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    rr_status_t st = rr_store_id_copy(&out->store_id, store_id, err);
    if (st == RR_OK) st = build_sorbet(b, out, err);
    if (st == RR_OK) st = build_table(b, out, err);
    if (st != RR_OK) rr_rrd_manifest_msg_free(out);
    return st;
}

/* ---------------- reading ---------------- */

void rr_rrd_manifest_free(rr_rrd_manifest_t *m) {
    if (!m) return;
    rr_store_id_free(&m->store_id);
    for (int64_t i = 0; i < m->n_chunks; i++) free(m->chunks[i].entity_path);
    free(m->chunks);
    for (int64_t i = 0; i < m->n_batches; i++) rr_arrow_array_release(&m->batches[i]);
    free(m->batches);
    rr_arrow_schema_release(&m->data_schema);
    rr_arrow_schema_release(&m->sorbet_schema);
    memset(m, 0, sizeof *m);
}

static void free_aligned_ctx(void *p) { rr_free_aligned(p); }

static rr_status_t read_ipc(const uint8_t *data, size_t len, rr_payload_compression_t comp,
                            uint64_t usize, const char *what, rr_arrow_table_t *out,
                            rr_error_t *err) {
    rr_arrow_blob_t *blob;
    if (comp == RR_PAYLOAD_COMPRESSION_LZ4) {
        if (usize > (uint64_t)INT32_MAX || usize > (uint64_t)len * 255u + 16u || len > (size_t)INT32_MAX)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "%s: uncompressed_size %llu cannot come from %zu LZ4 bytes", what,
                                (unsigned long long)usize, len);
        uint8_t *dst = rr_alloc_aligned((size_t)usize);
        if (!dst) return oom(err);
        int n = LZ4_decompress_safe((const char *)data, (char *)dst, (int)len, (int)usize);
        if (n < 0 || (uint64_t)n != usize) {
            rr_free_aligned(dst);
            return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: corrupt LZ4 block", what);
        }
        blob = rr_arrow_blob_wrap(dst, (size_t)usize, free_aligned_ctx, dst);
        if (!blob) {
            rr_free_aligned(dst);
            return oom(err);
        }
    } else {
        blob = rr_arrow_blob_copy(data ? (const void *)data : "", len);
        if (!blob) return oom(err);
    }
    rr_status_t st = rr_arrow_ipc_read_table(blob, out, err);
    rr_arrow_blob_release(blob);
    if (st != RR_OK) return rr_error_wrap(st, err, "%s: ", what);
    return RR_OK;
}

static int64_t find_child(const struct ArrowSchema *s, const char *name, const char *format) {
    for (int64_t i = 0; i < s->n_children; i++)
        if (s->children[i]->name && strcmp(s->children[i]->name, name) == 0)
            return strcmp(s->children[i]->format, format) == 0 ? i : -2;
    return -1;
}

rr_status_t rr_rrd_manifest_read(const rr_rrd_manifest_msg_t *m, rr_rrd_manifest_t *out,
                                 rr_error_t *err) {
    memset(out, 0, sizeof *out);
    RR_TRY(rr_store_id_copy(&out->store_id, &m->store_id, err));
    rr_status_t st = RR_OK;
    if (!m->data.present) {
        st = rr_error_set(err, RR_ERR_INVALID_DATA, "RrdManifest: missing data");
        goto fail;
    }
    if (m->has_sorbet_schema && m->sorbet_schema_ipc_len > 0) {
        rr_arrow_table_t t;
        memset(&t, 0, sizeof t);
        st = read_ipc(m->sorbet_schema_ipc, m->sorbet_schema_ipc_len, RR_PAYLOAD_COMPRESSION_NONE, 0,
                      "RrdManifest sorbet schema", &t, err);
        if (st != RR_OK) goto fail;
        rr_arrow_schema_move(&t.schema, &out->sorbet_schema);
        rr_arrow_table_release(&t);
    }
    rr_arrow_table_t t;
    memset(&t, 0, sizeof t);
    st = read_ipc(m->data.payload, m->data.payload_len, m->data.compression, m->data.uncompressed_size,
                  "RrdManifest data", &t, err);
    if (st != RR_OK) goto fail;
    rr_arrow_schema_move(&t.schema, &out->data_schema);
    out->n_batches = t.n_batches;
    out->batches = t.batches;
    t.batches = NULL;
    t.n_batches = 0;
    rr_arrow_table_release(&t);

    static const struct {
        const char *name, *format;
    } need[7] = {{"chunk_entity_path", "u"}, {"chunk_id", "w:16"}, {"chunk_is_static", "b"},
                 {"chunk_num_rows", "L"},    {"chunk_byte_offset", "L"},
                 {"chunk_byte_size", "L"},   {"chunk_byte_size_uncompressed", "L"}};
    int64_t col[7];
    for (int i = 0; i < 7; i++) {
        col[i] = find_child(&out->data_schema, need[i].name, need[i].format);
        if (col[i] < 0) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA, "RrdManifest data: column '%s' %s (%s)",
                              need[i].name, col[i] == -1 ? "is missing" : "has the wrong type",
                              need[i].format);
            goto fail;
        }
    }
    int64_t total = 0;
    for (int64_t bi = 0; bi < out->n_batches; bi++) total += out->batches[bi].length;
    out->chunks = calloc((size_t)(total ? total : 1), sizeof *out->chunks);
    if (!out->chunks) {
        st = oom(err);
        goto fail;
    }
    for (int64_t bi = 0; bi < out->n_batches; bi++) {
        const struct ArrowArray *batch = &out->batches[bi];
        for (int64_t r = 0; r < batch->length; r++) {
            rr_rrd_manifest_entry_t *e = &out->chunks[out->n_chunks];
            const struct ArrowArray *a;
            int64_t i;
            for (int k = 0; k < 7; k++) {
                a = batch->children[col[k]];
                i = a->offset + r;
                if (!rr_arrow_array_is_valid(a, r)) {
                    st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                      "RrdManifest data: column '%s' row %lld is null", need[k].name,
                                      (long long)(out->n_chunks));
                    goto fail;
                }
            }
            a = batch->children[col[0]];
            i = a->offset + r;
            const int32_t *offs = a->buffers[1];
            const char *chars = a->buffers[2];
            int32_t len = offs[i + 1] - offs[i];
            e->entity_path = malloc((size_t)len + 1);
            if (!e->entity_path) {
                st = oom(err);
                goto fail;
            }
            memcpy(e->entity_path, chars + offs[i], (size_t)len);
            e->entity_path[len] = 0;
            out->n_chunks++;
            a = batch->children[col[1]];
            e->chunk_id = rr_tuid_from_bytes((const uint8_t *)a->buffers[1] + (a->offset + r) * 16);
            a = batch->children[col[2]];
            e->is_static = rr_arrow_bit_get(a->buffers[1], a->offset + r);
            uint64_t *dst[4] = {&e->num_rows, &e->byte_offset, &e->byte_size, &e->byte_size_uncompressed};
            for (int k = 0; k < 4; k++) {
                a = batch->children[col[3 + k]];
                *dst[k] = ((const uint64_t *)a->buffers[1])[a->offset + r];
            }
        }
    }
    return RR_OK;
fail:
    rr_rrd_manifest_free(out);
    return st;
}
