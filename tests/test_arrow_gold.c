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

/* ---- codec tests that need no test data ---- */

static rr_status_t json_roundtrip(const rr_arrow_table_t *t, rr_arrow_table_t *back,
                                  rr_error_t *err) {
    rr_buf_t buf = {0};
    rr_status_t st = rr_arrow_json_write(t, &buf, err);
    if (st == RR_OK) st = rr_arrow_json_read((const char *)buf.data, buf.len, back, err);
    rr_buf_free(&buf);
    return st;
}

#define FIELD(name, type) \
    "{\"name\":\"" name "\",\"nullable\":true,\"type\":" type ",\"children\":[]}"

/* Types the gold files lack: float16, month_day_nano intervals, 32/64-bit
 * decimals, non-finite floats, extreme 64-bit integers, large binary. */
static void test_codec_extra_types(void **state) {
    (void)state;
    const char *doc =
        "{\"schema\":{\"fields\":["
        FIELD("h", "{\"name\":\"floatingpoint\",\"precision\":\"HALF\"}") ","
        FIELD("mdn", "{\"name\":\"interval\",\"unit\":\"MONTH_DAY_NANO\"}") ","
        FIELD("d32", "{\"name\":\"decimal\",\"precision\":9,\"scale\":2,\"bitWidth\":32}") ","
        FIELD("d64", "{\"name\":\"decimal\",\"precision\":18,\"scale\":2,\"bitWidth\":64}") ","
        FIELD("d256", "{\"name\":\"decimal\",\"precision\":76,\"scale\":0,\"bitWidth\":256}") ","
        FIELD("f", "{\"name\":\"floatingpoint\",\"precision\":\"DOUBLE\"}") ","
        FIELD("u64", "{\"name\":\"int\",\"isSigned\":false,\"bitWidth\":64}") ","
        FIELD("lb", "{\"name\":\"largebinary\"}")
        "],\"metadata\":[{\"key\":\"k\",\"value\":\"v\\u00e9\"}]},"
        "\"batches\":[{\"count\":3,\"columns\":["
        "{\"name\":\"h\",\"count\":3,\"VALIDITY\":[1,0,1],\"DATA\":[1.5,0,-65504]},"
        "{\"name\":\"mdn\",\"count\":3,\"VALIDITY\":[1,1,0],\"DATA\":["
        "{\"months\":1,\"days\":-2,\"nanoseconds\":\"-9223372036854775808\"},"
        "{\"months\":0,\"days\":0,\"nanoseconds\":5},{\"months\":0,\"days\":0,\"nanoseconds\":0}]},"
        "{\"name\":\"d32\",\"count\":3,\"VALIDITY\":[1,1,1],\"DATA\":[\"-2147483648\",\"0\",\"2147483647\"]},"
        "{\"name\":\"d64\",\"count\":3,\"VALIDITY\":[1,1,1],\"DATA\":[\"-9223372036854775808\",\"1\",\"-1\"]},"
        "{\"name\":\"d256\",\"count\":3,\"VALIDITY\":[1,1,1],\"DATA\":["
        "\"-57896044618658097711785492504343953926634992332820282019728792003956564819968\","
        "\"57896044618658097711785492504343953926634992332820282019728792003956564819967\","
        "\"-12345678901234567890123456789012345678901234567890\"]},"
        "{\"name\":\"f\",\"count\":3,\"VALIDITY\":[1,1,1],\"DATA\":[\"NaN\",\"-Infinity\",0.1]},"
        "{\"name\":\"u64\",\"count\":3,\"VALIDITY\":[1,1,1],\"DATA\":[\"18446744073709551615\",\"0\",7]},"
        "{\"name\":\"lb\",\"count\":3,\"VALIDITY\":[1,0,1],\"OFFSET\":[\"0\",\"2\",\"2\",\"3\"],"
        "\"DATA\":[\"00fF\",\"\",\"7a\"]}"
        "]}]}";
    rr_error_t err = {0};
    rr_arrow_table_t t = {0}, back = {0};
    assert_rr_ok(rr_arrow_json_read(doc, strlen(doc), &t, &err), &err);
    const struct ArrowArray *b = &t.batches[0];
    uint16_t h0;
    memcpy(&h0, (const uint8_t *)b->children[0]->buffers[1], 2);
    assert_int_equal(h0, 0x3E00);
    uint16_t h2;
    memcpy(&h2, (const uint8_t *)b->children[0]->buffers[1] + 4, 2);
    assert_int_equal(h2, 0xFBFF);
    uint64_t u;
    memcpy(&u, b->children[6]->buffers[1], 8);
    assert_true(u == UINT64_MAX);
    const uint8_t *lb = b->children[7]->buffers[2];
    assert_int_equal(lb[0], 0x00);
    assert_int_equal(lb[1], 0xFF);
    assert_int_equal(lb[2], 0x7A);
    assert_int_equal(b->children[0]->null_count, 1);
    assert_rr_ok(json_roundtrip(&t, &back, &err), &err);
    assert_rr_ok(compare_tables(&t, &back, "json round trip", &err), &err);
    rr_arrow_table_release(&back);
    /* And through IPC. */
    rr_buf_t buf = {0};
    rr_arrow_ipc_write_options_t o = {.compression = RR_ARROW_COMPRESSION_ZSTD};
    assert_rr_ok(rr_arrow_ipc_write_table(&buf, &t.schema, t.batches, t.n_batches, &o, &err), &err);
    assert_rr_ok(read_ipc_bytes(buf.data, buf.len, &back, &err), &err);
    assert_rr_ok(compare_tables(&t, &back, "ipc round trip", &err), &err);
    rr_buf_free(&buf);
    rr_arrow_table_release(&back);
    rr_arrow_table_release(&t);
}

#define DICT_DOC(dict_data, dict_count, idx)                                                  \
    "{\"schema\":{\"fields\":[{\"name\":\"d\",\"nullable\":true,\"type\":{\"name\":\"utf8\"},"  \
    "\"children\":[],\"dictionary\":{\"id\":3,\"indexType\":{\"name\":\"int\",\"isSigned\":true," \
    "\"bitWidth\":32},\"isOrdered\":true}},"                                                    \
    "{\"name\":\"l\",\"nullable\":false,\"type\":{\"name\":\"list\"},\"children\":["           \
    "{\"name\":\"item\",\"nullable\":true,\"type\":{\"name\":\"int\",\"isSigned\":true,"       \
    "\"bitWidth\":16},\"children\":[]}]}]},"                                                    \
    "\"dictionaries\":[{\"id\":3,\"data\":{\"count\":" dict_count ",\"columns\":[" dict_data "]}}]," \
    "\"batches\":[{\"count\":4,\"columns\":[{\"name\":\"d\",\"count\":4,\"VALIDITY\":[1,1,0,1],"  \
    "\"DATA\":" idx "},{\"name\":\"l\",\"count\":4,\"VALIDITY\":[1,1,1,1],\"OFFSET\":[0,1,3,3,6]," \
    "\"children\":[{\"name\":\"item\",\"count\":6,\"VALIDITY\":[1,1,1,1,1,0],"                 \
    "\"DATA\":[1,2,3,4,5,6]}]}]}]}"

static rr_status_t read_doc(const char *doc, rr_arrow_table_t *t, rr_error_t *err) {
    return rr_arrow_json_read(doc, strlen(doc), t, err);
}

/* Sliced batches are written with rebased offsets; a dictionary that grows
 * between batches (an IPC delta) is written once, in its longest form; one
 * that changes is refused. */
static void test_codec_slices_and_dictionaries(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_arrow_table_t a = {0}, b = {0}, c = {0};
    assert_rr_ok(read_doc(DICT_DOC("{\"name\":\"x\",\"count\":2,\"VALIDITY\":[1,1],\"OFFSET\":[0,1,3],"
                                   "\"DATA\":[\"a\",\"bc\"]}", "2", "[1,0,0,1]"), &a, &err), &err);
    assert_rr_ok(read_doc(DICT_DOC("{\"name\":\"x\",\"count\":3,\"VALIDITY\":[1,1,1],\"OFFSET\":[0,1,3,4],"
                                   "\"DATA\":[\"a\",\"bc\",\"d\"]}", "3", "[2,2,0,1]"), &b, &err), &err);
    assert_rr_ok(read_doc(DICT_DOC("{\"name\":\"x\",\"count\":2,\"VALIDITY\":[1,1],\"OFFSET\":[0,1,2],"
                                   "\"DATA\":[\"q\",\"r\"]}", "2", "[1,0,0,1]"), &c, &err), &err);
    assert_true(a.schema.children[0]->flags & ARROW_FLAG_DICTIONARY_ORDERED);

    /* Two batches: a's, then b's (whose dictionary extends a's). */
    rr_arrow_table_t two = {0};
    assert_rr_ok(rr_arrow_schema_copy(&a.schema, &two.schema, &err), &err);
    two.batches = calloc(2, sizeof *two.batches);
    two.n_batches = 2;
    assert_rr_ok(rr_arrow_array_share(&a.batches[0], &two.batches[0], &err), &err);
    assert_rr_ok(rr_arrow_array_share(&b.batches[0], &two.batches[1], &err), &err);
    rr_arrow_table_t back = {0};
    assert_rr_ok(json_roundtrip(&two, &back, &err), &err);
    assert_rr_ok(compare_tables(&two, &back, "delta dictionary", &err), &err);
    assert_int_equal(back.batches[0].children[0]->dictionary->length, 3);
    rr_arrow_table_release(&back);

    /* A changed dictionary cannot be written. */
    rr_arrow_array_release(&two.batches[1]);
    assert_rr_ok(rr_arrow_array_share(&c.batches[0], &two.batches[1], &err), &err);
    rr_buf_t buf = {0};
    assert_int_equal(rr_arrow_json_write(&two, &buf, &err), RR_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "dictionary changes"));
    assert_int_equal(buf.len, 0);
    rr_buf_free(&buf);

    /* A slice of rows 1..3 of b's batch. */
    rr_arrow_array_release(&two.batches[1]);
    rr_arrow_array_release(&two.batches[0]);
    two.n_batches = 1;
    assert_rr_ok(rr_arrow_array_share(&b.batches[0], &two.batches[0], &err), &err);
    two.batches[0].offset = 1;
    two.batches[0].length = 3;
    assert_rr_ok(json_roundtrip(&two, &back, &err), &err);
    assert_rr_ok(compare_tables(&two, &back, "slice", &err), &err);
    assert_int_equal(back.batches[0].length, 3);
    assert_int_equal(back.batches[0].children[1]->children[0]->length, 5);
    rr_arrow_table_release(&back);

    rr_arrow_table_release(&two);
    rr_arrow_table_release(&a);
    rr_arrow_table_release(&b);
    rr_arrow_table_release(&c);
}

/* Malformed documents get an error naming the place, never a crash. */
static void test_codec_rejects(void **state) {
    (void)state;
    static const struct {
        const char *doc;
        rr_status_t code;
        const char *needle;
    } bad[] = {
        {"[]", RR_ERR_INVALID_DATA, "must be an object"},
        {"{\"schema\":{\"fields\":[]}}", RR_ERR_INVALID_DATA, "missing \"batches\""},
        {"{\"schema\":{\"fields\":[" FIELD("x", "{\"name\":\"utf8view\"}") "]},\"batches\":[]}",
         RR_ERR_UNSUPPORTED, "utf8view"},
        {"{\"schema\":{\"fields\":[" FIELD("x", "{\"name\":\"int\",\"isSigned\":true,\"bitWidth\":12}")
         "]},\"batches\":[]}", RR_ERR_INVALID_DATA, "bitWidth"},
        {"{\"schema\":{\"fields\":[" FIELD("x", "{\"name\":\"int\",\"isSigned\":true,\"bitWidth\":8}")
         "]},\"batches\":[{\"count\":2,\"columns\":[{\"name\":\"x\",\"count\":2,\"VALIDITY\":[1],"
         "\"DATA\":[1,2]}]}]}", RR_ERR_INVALID_DATA, "VALIDITY has 1 entries"},
        {"{\"schema\":{\"fields\":[" FIELD("x", "{\"name\":\"int\",\"isSigned\":true,\"bitWidth\":8}")
         "]},\"batches\":[{\"count\":1,\"columns\":[{\"name\":\"x\",\"count\":1,\"VALIDITY\":[1],"
         "\"DATA\":[128]}]}]}", RR_ERR_INVALID_DATA, "batches[0].columns[0]"},
        {"{\"schema\":{\"fields\":[" FIELD("x", "{\"name\":\"utf8\"}")
         "]},\"batches\":[{\"count\":1,\"columns\":[{\"name\":\"x\",\"count\":1,\"VALIDITY\":[1],"
         "\"OFFSET\":[0,5],\"DATA\":[\"abc\"]}]}]}", RR_ERR_INVALID_DATA, "OFFSET[1]"},
        {"{\"schema\":{\"fields\":[" FIELD("x", "{\"name\":\"binary\"}")
         "]},\"batches\":[{\"count\":1,\"columns\":[{\"name\":\"x\",\"count\":1,\"VALIDITY\":[1],"
         "\"OFFSET\":[0,1],\"DATA\":[\"zz\"]}]}]}", RR_ERR_INVALID_DATA, "hex"},
        {"{\"schema\":{\"fields\":[" FIELD("x", "{\"name\":\"decimal\",\"precision\":9,\"scale\":0,"
         "\"bitWidth\":32}") "]},\"batches\":[{\"count\":1,\"columns\":[{\"name\":\"x\",\"count\":1,"
         "\"VALIDITY\":[1],\"DATA\":[\"2147483648\"]}]}]}", RR_ERR_INVALID_DATA, "fitting 32 bits"},
        {"{\"schema\":{\"fields\":[{\"name\":\"l\",\"nullable\":true,\"type\":{\"name\":\"list\"},"
         "\"children\":[" FIELD("i", "{\"name\":\"null\"}") "]}]},\"batches\":[{\"count\":1,"
         "\"columns\":[{\"name\":\"l\",\"count\":1,\"VALIDITY\":[1],\"OFFSET\":[0,9],\"children\":"
         "[{\"name\":\"i\",\"count\":2}]}]}]}", RR_ERR_INVALID_DATA, "batches[0]"},
        {"{\"schema\":{\"fields\":[{\"name\":\"u\",\"nullable\":true,\"type\":{\"name\":\"union\","
         "\"mode\":\"SPARSE\",\"typeIds\":[4]},\"children\":[" FIELD("i", "{\"name\":\"null\"}")
         "]}]},\"batches\":[{\"count\":1,\"columns\":[{\"name\":\"u\",\"count\":1,\"TYPE_ID\":[5],"
         "\"children\":[{\"name\":\"i\",\"count\":1}]}]}]}", RR_ERR_INVALID_DATA, "batches[0]"},
        {"{\"schema\":{\"fields\":[{\"name\":\"d\",\"nullable\":true,\"type\":{\"name\":\"utf8\"},"
         "\"children\":[],\"dictionary\":{\"id\":0,\"indexType\":{\"name\":\"int\",\"isSigned\":true,"
         "\"bitWidth\":8}}}]},\"batches\":[{\"count\":1,\"columns\":[{\"name\":\"d\",\"count\":1,"
         "\"VALIDITY\":[1],\"DATA\":[0]}]}]}", RR_ERR_INVALID_DATA, "missing from \"dictionaries\""},
        {"{\"schema\":{\"fields\":[]},\"batches\":[],\"dictionaries\":[{\"id\":1,\"data\":{}}]}",
         RR_ERR_INVALID_DATA, "used by no field"},
        {"{\"schema\":{\"fields\":[]},\"batches\":[],\"batches\":[]}", RR_ERR_INVALID_DATA,
         "duplicate key"},
        {"{\"schema\":{\"fields\":[" FIELD("x", "{\"name\":\"bool\"}") "]},\"batches\":[{\"count\":1,"
         "\"columns\":[{\"name\":\"y\",\"count\":1,\"VALIDITY\":[1],\"DATA\":[true]}]}]}",
         RR_ERR_INVALID_DATA, "where the field is"},
        {"{\"schema\":{\"fields\":[" FIELD("x", "{\"name\":\"bool\"}") "]},\"batches\":[{\"count\":1,",
         RR_ERR_TRUNCATED, "line 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rr_error_t err = {0};
        rr_arrow_table_t t = {0};
        rr_status_t st = rr_arrow_json_read(bad[i].doc, strlen(bad[i].doc), &t, &err);
        if (st != bad[i].code || !strstr(err.msg, bad[i].needle))
            fail_msg("case %zu: status %d, message '%s' (wanted %d with '%s')", i, st, err.msg,
                     bad[i].code, bad[i].needle);
        assert_null(t.batches);
        assert_null(t.schema.release);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_extra_types),
        cmocka_unit_test(test_codec_slices_and_dictionaries),
        cmocka_unit_test(test_codec_rejects),
        cmocka_unit_test(test_gold_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
