/* Conformance against the Arrow integration gold files: for every
 * NAME.json.gz under arrow-ipc/1.0.0-littleendian and 2.0.0-compression,
 *   (a) read the JSON with rr_arrow_json_read;
 *   (b) read NAME.stream and NAME.arrow_file with the IPC reader and compare
 *       schema and every batch, as data, with the JSON's;
 *   (c) write the JSON's table as stream and as file, uncompressed, LZ4 and
 *       ZSTD, read each back and compare;
 *   (d) write the table as JSON, read it back and compare.
 * Prints "gold: N/M files passed" and each failure with its message. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/compare.h"
#include "arrow/ipc.h"
#include "arrow/json.h"
#include "arrow/schema.h"
#include "base/mem.h"
#include "testutil.h"

/* Gold files of types we chose not to support, with the reason. Empty: every
 * type in the corpus is supported. */
static const char *const k_unsupported[][2] = {{NULL, NULL}};

static const char *unsupported_reason(const char *name) {
    for (size_t i = 0; k_unsupported[i][0]; i++)
        if (!strcmp(k_unsupported[i][0], name)) return k_unsupported[i][1];
    return NULL;
}

static rr_status_t compare_tables(const rr_arrow_table_t *a, const rr_arrow_table_t *b,
                                  const char *what, rr_error_t *err) {
    rr_error_t e = {0};
    if (!rr_arrow_schema_equal(&a->schema, &b->schema, &e))
        return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: schema: %s", what, e.msg);
    if (a->n_batches != b->n_batches)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: %lld batches, expected %lld", what,
                            (long long)b->n_batches, (long long)a->n_batches);
    for (int64_t i = 0; i < a->n_batches; i++)
        if (!rr_arrow_array_equal(&a->schema, &a->batches[i], &b->schema, &b->batches[i], &e))
            return rr_error_set(err, RR_ERR_INVALID_DATA, "%s: batch %lld: %s", what,
                                (long long)i, e.msg);
    return RR_OK;
}

/* Arrow gives no meaning to the names of a map's entries struct and its
 * key/value fields (its own comparisons ignore them), and the gold files of
 * generated_map_non_canonical differ there: the .stream says entries/key/value
 * where the JSON and the .arrow_file keep the producer's names. This renames
 * them to the canonical ones in a copy, for a second, tolerant comparison. */
static void canonical_map_names(struct ArrowSchema *s) {
    if (s->dictionary) canonical_map_names(s->dictionary);
    if (!strcmp(s->format, "+m") && s->n_children == 1) {
        struct ArrowSchema *e = s->children[0];
        rr_arrow_schema_set_name(e, "entries", NULL);
        if (e->n_children == 2) {
            rr_arrow_schema_set_name(e->children[0], "key", NULL);
            rr_arrow_schema_set_name(e->children[1], "value", NULL);
        }
    }
    for (int64_t i = 0; i < s->n_children; i++) canonical_map_names(s->children[i]);
}

static rr_status_t compare_tables_canonical(const rr_arrow_table_t *a, const rr_arrow_table_t *b,
                                            const char *what, rr_error_t *err) {
    rr_arrow_table_t ca = *a, cb = *b;
    memset(&ca.schema, 0, sizeof ca.schema);
    memset(&cb.schema, 0, sizeof cb.schema);
    rr_status_t st = rr_arrow_schema_copy(&a->schema, &ca.schema, err);
    if (st == RR_OK) st = rr_arrow_schema_copy(&b->schema, &cb.schema, err);
    if (st == RR_OK) {
        canonical_map_names(&ca.schema);
        canonical_map_names(&cb.schema);
        st = compare_tables(&ca, &cb, what, err);
    }
    rr_arrow_schema_release(&ca.schema);
    rr_arrow_schema_release(&cb.schema);
    return st;
}

static rr_status_t read_ipc_bytes(const uint8_t *data, size_t len, rr_arrow_table_t *out,
                                  rr_error_t *err) {
    rr_arrow_blob_t *blob = rr_arrow_blob_copy(data, len);
    if (!blob) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    rr_status_t st = rr_arrow_ipc_read_table(blob, out, err);
    rr_arrow_blob_release(blob);
    return st;
}

static rr_status_t check_ipc_file(const char *path, const char *what,
                                  const rr_arrow_table_t *json, rr_error_t *err) {
    size_t len;
    uint8_t *data = rr_test_read_file(path, &len);
    if (!data) return rr_error_set(err, RR_ERR_IO, "%s: cannot read %s", what, path);
    rr_arrow_table_t t = {0};
    rr_status_t st = read_ipc_bytes(data, len, &t, err);
    free(data);
    if (st != RR_OK) return rr_error_prefix(err, "%s: ", what);
    st = compare_tables(json, &t, what, err);
    if (st != RR_OK) {
        rr_error_t strict = *err;
        if (compare_tables_canonical(json, &t, what, err) == RR_OK) {
            printf("gold: note: %s matches only up to map entry names (%s)\n", path, strict.msg);
            st = RR_OK;
        } else {
            *err = strict;
        }
    }
    rr_arrow_table_release(&t);
    return st;
}

static rr_status_t check_rewrite(const rr_arrow_table_t *json, bool file_format,
                                 rr_arrow_compression_t codec, rr_error_t *err) {
    static const char *const codec_names[] = {"uncompressed", "lz4", "zstd"};
    char what[64];
    snprintf(what, sizeof what, "rewritten %s %s", file_format ? "file" : "stream",
             codec_names[codec]);
    rr_arrow_ipc_write_options_t o = {.compression = codec, .file_format = file_format};
    rr_buf_t buf = {0};
    rr_status_t st = rr_arrow_ipc_write_table(&buf, &json->schema, json->batches,
                                              json->n_batches, &o, err);
    if (st != RR_OK) {
        rr_buf_free(&buf);
        return rr_error_prefix(err, "%s: write: ", what);
    }
    rr_arrow_table_t t = {0};
    st = read_ipc_bytes(buf.data, buf.len, &t, err);
    rr_buf_free(&buf);
    if (st != RR_OK) return rr_error_prefix(err, "%s: read back: ", what);
    st = compare_tables(json, &t, what, err);
    rr_arrow_table_release(&t);
    return st;
}

static rr_status_t check_json_roundtrip(const rr_arrow_table_t *json, rr_error_t *err) {
    rr_buf_t buf = {0};
    rr_status_t st = rr_arrow_json_write(json, &buf, err);
    if (st != RR_OK) {
        rr_buf_free(&buf);
        return rr_error_prefix(err, "json write: ");
    }
    rr_arrow_table_t t = {0};
    st = rr_arrow_json_read((const char *)buf.data, buf.len, &t, err);
    rr_buf_free(&buf);
    if (st != RR_OK) return rr_error_prefix(err, "json read back: ");
    st = compare_tables(json, &t, "json round trip", err);
    rr_arrow_table_release(&t);
    return st;
}

static rr_status_t check_gold(const char *dir, const char *base, rr_error_t *err) {
    char path[2048];
    snprintf(path, sizeof path, "%s/%s.json.gz", dir, base);
    size_t len;
    uint8_t *text = rr_test_read_file(path, &len);
    if (!text) return rr_error_set(err, RR_ERR_IO, "cannot read %s", path);
    rr_arrow_table_t json = {0};
    rr_status_t st = rr_arrow_json_read((const char *)text, len, &json, err);
    free(text);
    if (st != RR_OK) return rr_error_prefix(err, "json read: ");
    snprintf(path, sizeof path, "%s/%s.stream", dir, base);
    st = check_ipc_file(path, "gold stream", &json, err);
    if (st == RR_OK) {
        snprintf(path, sizeof path, "%s/%s.arrow_file", dir, base);
        st = check_ipc_file(path, "gold file", &json, err);
    }
    for (int ff = 0; ff < 2 && st == RR_OK; ff++)
        for (int c = RR_ARROW_COMPRESSION_NONE; c <= RR_ARROW_COMPRESSION_ZSTD && st == RR_OK; c++)
            st = check_rewrite(&json, ff == 1, (rr_arrow_compression_t)c, err);
    if (st == RR_OK) st = check_json_roundtrip(&json, err);
    rr_arrow_table_release(&json);
    return st;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_gold_files(void **state) {
    (void)state;
    const char *root = rr_test_data_dir();
    char dir[1024];
    if (root) snprintf(dir, sizeof dir, "%s/arrow-ipc", root);
    DIR *probe = root ? opendir(dir) : NULL;
    if (!probe) {
        printf("gold: SKIPPED: no Arrow test data (set RR_TESTDATA to a directory holding "
               "arrow-ipc/)\n");
        skip();
        return;
    }
    closedir(probe);
    static const char *const subdirs[] = {"1.0.0-littleendian", "2.0.0-compression"};
    int total = 0, passed = 0, failed_unexpected = 0, skipped = 0;
    for (size_t s = 0; s < sizeof subdirs / sizeof *subdirs; s++) {
        char sub[1200];
        snprintf(sub, sizeof sub, "%s/%s", dir, subdirs[s]);
        DIR *d = opendir(sub);
        if (!d) {
            printf("gold: missing directory %s\n", sub);
            failed_unexpected++;
            continue;
        }
        char *names[256];
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL && n < 256) {
            size_t l = strlen(e->d_name);
            if (l > 8 && !strcmp(e->d_name + l - 8, ".json.gz"))
                names[n++] = strndup(e->d_name, l - 8);
        }
        closedir(d);
        qsort(names, n, sizeof *names, cmp_str);
        for (size_t i = 0; i < n; i++) {
            rr_error_t err = {0};
            total++;
            rr_status_t st = check_gold(sub, names[i], &err);
            const char *why = unsupported_reason(names[i]);
            if (st == RR_OK) {
                passed++;
            } else if (why) {
                skipped++;
                printf("gold: %s/%s: not supported (%s): %s\n", subdirs[s], names[i], why,
                       err.msg);
            } else {
                failed_unexpected++;
                printf("gold: FAIL %s/%s: %s\n", subdirs[s], names[i], err.msg);
            }
            free(names[i]);
        }
    }
    printf("gold: %d/%d files passed", passed, total);
    if (skipped) printf(" (%d of unsupported types)", skipped);
    printf("\n");
    fflush(stdout);
    assert_int_equal(failed_unexpected, 0);
    assert_true(total > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gold_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
