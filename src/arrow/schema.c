/* ArrowSchema trees owned by rerun-c, and C Data Interface metadata (see schema.h). */
#include "arrow/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a schema of ours owns beyond the struct itself. The child structs live
 * in one allocation; children[] points into it. */
typedef struct schema_private {
    char *format;
    char *name;
    char *metadata;
    struct ArrowSchema *child_storage;
    struct ArrowSchema **child_ptrs;
    struct ArrowSchema *dictionary;
} schema_private_t;

static void schema_release(struct ArrowSchema *s) {
    if (!s || !s->release) return;
    schema_private_t *p = s->private_data;
    for (int64_t i = 0; i < s->n_children; i++) {
        struct ArrowSchema *c = s->children[i];
        if (c && c->release) c->release(c);
    }
    if (s->dictionary && s->dictionary->release) s->dictionary->release(s->dictionary);
    if (p) {
        free(p->format);
        free(p->name);
        free(p->metadata);
        free(p->child_storage);
        free(p->child_ptrs);
        free(p->dictionary);
        free(p);
    }
    s->release = NULL;
}

static char *dup_str(const char *s) {
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

rr_status_t rr_arrow_schema_init(struct ArrowSchema *s, const char *format, const char *name,
                                 int64_t flags, int64_t n_children, rr_error_t *err) {
    memset(s, 0, sizeof *s);
    if (!format) return rr_error_set(err, RR_ERR_INVALID_ARG, "schema format is NULL");
    if (n_children < 0 || n_children > (1 << 20))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "schema child count %lld out of range",
                            (long long)n_children);
    schema_private_t *p = calloc(1, sizeof *p);
    if (!p) goto nomem;
    s->private_data = p;
    s->release = schema_release;
    p->format = dup_str(format);
    p->name = dup_str(name ? name : "");
    if (!p->format || !p->name) goto nomem;
    s->format = p->format;
    s->name = p->name;
    s->flags = flags;
    if (n_children > 0) {
        p->child_storage = calloc((size_t)n_children, sizeof *p->child_storage);
        p->child_ptrs = calloc((size_t)n_children, sizeof *p->child_ptrs);
        if (!p->child_storage || !p->child_ptrs) goto nomem;
        for (int64_t i = 0; i < n_children; i++) p->child_ptrs[i] = &p->child_storage[i];
        s->children = p->child_ptrs;
        s->n_children = n_children;
    }
    return RR_OK;
nomem:
    rr_arrow_schema_release(s);
    return rr_error_set(err, RR_ERR_NOMEM, "out of memory building schema \"%s\"", format);
}

rr_status_t rr_arrow_schema_init_type(struct ArrowSchema *s, const rr_arrow_type_t *t,
                                      const char *name, int64_t flags, int64_t n_children,
                                      rr_error_t *err) {
    char fmt[1024];
    memset(s, 0, sizeof *s);
    RR_TRY(rr_arrow_type_format(t, fmt, sizeof fmt, err));
    return rr_arrow_schema_init(s, fmt, name, flags, n_children, err);
}

struct ArrowSchema *rr_arrow_schema_add_dictionary(struct ArrowSchema *s, rr_error_t *err) {
    if (!s || s->release != schema_release) {
        rr_error_set(err, RR_ERR_INVALID_ARG, "dictionary slot asked of a schema not made here");
        return NULL;
    }
    schema_private_t *p = s->private_data;
    if (!p->dictionary) {
        p->dictionary = calloc(1, sizeof *p->dictionary);
        if (!p->dictionary) {
            rr_error_set(err, RR_ERR_NOMEM, "out of memory adding a dictionary");
            return NULL;
        }
    }
    s->dictionary = p->dictionary;
    return p->dictionary;
}

rr_status_t rr_arrow_schema_set_name(struct ArrowSchema *s, const char *name, rr_error_t *err) {
    if (!s || s->release != schema_release)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "renaming a schema not made here");
    schema_private_t *p = s->private_data;
    char *n = dup_str(name ? name : "");
    if (!n) return rr_error_set(err, RR_ERR_NOMEM, "out of memory renaming a schema");
    free(p->name);
    p->name = n;
    s->name = n;
    return RR_OK;
}

rr_status_t rr_arrow_schema_set_metadata_raw(struct ArrowSchema *s, const char *metadata,
                                             rr_error_t *err) {
    if (!s || s->release != schema_release)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "setting metadata of a schema not made here");
    schema_private_t *p = s->private_data;
    char *copy = NULL;
    int64_t n = rr_arrow_metadata_size(metadata);
    if (n > 0) {
        copy = malloc((size_t)n);
        if (!copy) return rr_error_set(err, RR_ERR_NOMEM, "out of memory copying metadata");
        memcpy(copy, metadata, (size_t)n);
    }
    free(p->metadata);
    p->metadata = copy;
    s->metadata = copy;
    return RR_OK;
}

rr_status_t rr_arrow_schema_set_metadata(struct ArrowSchema *s, const rr_arrow_kv_t *kv, int32_t n,
                                         rr_error_t *err) {
    if (!s || s->release != schema_release)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "setting metadata of a schema not made here");
    char *enc = NULL;
    RR_TRY(rr_arrow_metadata_encode(kv, n, &enc, err));
    schema_private_t *p = s->private_data;
    free(p->metadata);
    p->metadata = enc;
    s->metadata = enc;
    return RR_OK;
}

rr_status_t rr_arrow_schema_copy(const struct ArrowSchema *src, struct ArrowSchema *dst,
                                 rr_error_t *err) {
    RR_TRY(rr_arrow_schema_init(dst, src->format, src->name, src->flags, src->n_children, err));
    rr_status_t st = rr_arrow_schema_set_metadata_raw(dst, src->metadata, err);
    for (int64_t i = 0; st == RR_OK && i < src->n_children; i++)
        st = rr_arrow_schema_copy(src->children[i], dst->children[i], err);
    if (st == RR_OK && src->dictionary) {
        struct ArrowSchema *d = rr_arrow_schema_add_dictionary(dst, err);
        st = d ? rr_arrow_schema_copy(src->dictionary, d, err) : RR_ERR_NOMEM;
    }
    if (st != RR_OK) rr_arrow_schema_release(dst);
    return st;
}

void rr_arrow_schema_release(struct ArrowSchema *s) {
    if (!s) return;
    if (s->release) s->release(s);
    memset(s, 0, sizeof *s);
}

void rr_arrow_schema_move(struct ArrowSchema *src, struct ArrowSchema *dst) {
    *dst = *src;
    memset(src, 0, sizeof *src);
}

/* ---- metadata ---- */

static int32_t rd_i32(const char *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

int32_t rr_arrow_metadata_count(const char *md) { return md ? rd_i32(md) : 0; }

void rr_arrow_metadata_get(const char *md, int32_t i, rr_arrow_kv_t *kv) {
    const char *p = md + 4;
    for (int32_t k = 0;; k++) {
        int32_t kl = rd_i32(p);
        const char *key = p + 4;
        int32_t vl = rd_i32(key + kl);
        const char *val = key + kl + 4;
        if (k == i) {
            kv->key = key;
            kv->key_len = kl;
            kv->value = val;
            kv->value_len = vl;
            return;
        }
        p = val + vl;
    }
}

bool rr_arrow_metadata_find(const char *md, const char *key, rr_arrow_kv_t *kv) {
    int32_t n = rr_arrow_metadata_count(md);
    size_t kl = strlen(key);
    for (int32_t i = 0; i < n; i++) {
        rr_arrow_kv_t e;
        rr_arrow_metadata_get(md, i, &e);
        if ((size_t)e.key_len == kl && memcmp(e.key, key, kl) == 0) {
            if (kv) *kv = e;
            return true;
        }
    }
    return false;
}

int64_t rr_arrow_metadata_size(const char *md) {
    if (!md) return 0;
    int32_t n = rd_i32(md);
    const char *p = md + 4;
    for (int32_t i = 0; i < n; i++) {
        int32_t kl = rd_i32(p);
        p += 4 + kl;
        int32_t vl = rd_i32(p);
        p += 4 + vl;
    }
    return (int64_t)(p - md);
}

rr_status_t rr_arrow_metadata_encode(const rr_arrow_kv_t *kv, int32_t n, char **out,
                                     rr_error_t *err) {
    *out = NULL;
    if (n <= 0) return RR_OK;
    size_t size = 4;
    for (int32_t i = 0; i < n; i++) {
        if (kv[i].key_len < 0 || kv[i].value_len < 0)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "metadata entry %d has a negative length",
                                (int)i);
        size += 8 + (size_t)kv[i].key_len + (size_t)kv[i].value_len;
    }
    if (size > INT32_MAX)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "metadata of %zu bytes is too large", size);
    char *buf = malloc(size);
    if (!buf) return rr_error_set(err, RR_ERR_NOMEM, "out of memory encoding metadata");
    char *p = buf;
    memcpy(p, &n, 4);
    p += 4;
    for (int32_t i = 0; i < n; i++) {
        memcpy(p, &kv[i].key_len, 4);
        p += 4;
        if (kv[i].key_len) memcpy(p, kv[i].key, (size_t)kv[i].key_len);
        p += kv[i].key_len;
        memcpy(p, &kv[i].value_len, 4);
        p += 4;
        if (kv[i].value_len) memcpy(p, kv[i].value, (size_t)kv[i].value_len);
        p += kv[i].value_len;
    }
    *out = buf;
    return RR_OK;
}

/* ---- equality ---- */

static bool metadata_equal(const char *a, const char *b) {
    int32_t na = rr_arrow_metadata_count(a), nb = rr_arrow_metadata_count(b);
    if (na != nb) return false;
    /* Order-insensitive: each key of a must be in b with the same value. */
    for (int32_t i = 0; i < na; i++) {
        rr_arrow_kv_t e, f;
        rr_arrow_metadata_get(a, i, &e);
        bool found = false;
        for (int32_t j = 0; j < nb && !found; j++) {
            rr_arrow_metadata_get(b, j, &f);
            found = f.key_len == e.key_len && !memcmp(f.key, e.key, (size_t)e.key_len) &&
                    f.value_len == e.value_len && !memcmp(f.value, e.value, (size_t)e.value_len);
        }
        if (!found) return false;
    }
    return true;
}

static bool schema_equal_at(const struct ArrowSchema *a, const struct ArrowSchema *b, char *path,
                            size_t path_len, size_t cap, rr_error_t *err) {
    const char *what = NULL;
    if (strcmp(a->format, b->format)) what = "format";
    else if (strcmp(a->name ? a->name : "", b->name ? b->name : "")) what = "name";
    else if (a->flags != b->flags) what = "flags";
    else if (!metadata_equal(a->metadata, b->metadata)) what = "metadata";
    else if (a->n_children != b->n_children) what = "child count";
    else if ((a->dictionary == NULL) != (b->dictionary == NULL)) what = "dictionary encoding";
    if (what) {
        rr_error_set(err, RR_ERR_INVALID_DATA,
                     "schemas differ at '%s': %s (\"%s\" %s, flags %lld vs \"%s\" %s, flags %lld)",
                     path_len ? path : "<root>", what, a->format, a->name ? a->name : "",
                     (long long)a->flags, b->format, b->name ? b->name : "", (long long)b->flags);
        return false;
    }
    for (int64_t i = 0; i < a->n_children; i++) {
        int n = snprintf(path + path_len, cap - path_len, "%s%s", path_len ? "." : "",
                         a->children[i]->name ? a->children[i]->name : "?");
        size_t nl = n < 0 ? path_len : path_len + (size_t)n;
        if (nl >= cap) nl = cap - 1;
        if (!schema_equal_at(a->children[i], b->children[i], path, nl, cap, err)) return false;
        path[path_len] = '\0';
    }
    if (a->dictionary) {
        int n = snprintf(path + path_len, cap - path_len, "%s<dictionary>", path_len ? "." : "");
        size_t nl = n < 0 ? path_len : path_len + (size_t)n;
        if (nl >= cap) nl = cap - 1;
        if (!schema_equal_at(a->dictionary, b->dictionary, path, nl, cap, err)) return false;
        path[path_len] = '\0';
    }
    return true;
}

bool rr_arrow_schema_equal(const struct ArrowSchema *a, const struct ArrowSchema *b,
                           rr_error_t *err) {
    char path[256] = "";
    return schema_equal_at(a, b, path, 0, sizeof path, err);
}
