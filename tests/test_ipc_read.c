/* Tests of the Arrow IPC reader and its flatbuffer reader: every gold stream
 * and file of the Arrow integration corpus reads with the schema and batch
 * shapes its JSON describes; buffers are zero-copy where they can be; and
 * truncated, bit-flipped or hand-corrupted input gives clean errors naming
 * the message and field, never a crash (ASan watches). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/compare.h"
#include "arrow/fb_reader.h"
#include "arrow/ipc.h"
#include "arrow/ipc_format.h"
#include "arrow/schema.h"
#include "testutil.h"

/* ---------------- helpers ---------------- */

static void free_ctx(void *ctx) { free(ctx); }

/* A blob over a malloc'ed copy of exactly n bytes, so ASan sees any read
 * past the end. */
static rr_arrow_blob_t *blob_of(const uint8_t *data, size_t n) {
    uint8_t *copy = malloc(n ? n : 1);
    if (n) memcpy(copy, data, n);
    return rr_arrow_blob_wrap(copy, n, free_ctx, copy);
}

static rr_status_t read_bytes(const uint8_t *data, size_t n, rr_arrow_table_t *t, rr_error_t *err) {
    rr_arrow_blob_t *b = blob_of(data, n);
    rr_status_t st = rr_arrow_ipc_read_table(b, t, err);
    rr_arrow_blob_release(b);
    return st;
}

static char *gold_path(const char *dir, const char *name) {
    const char *root = rr_test_data_dir();
    if (!root) return NULL;
    size_t n = strlen(root) + strlen(dir) + strlen(name) + 32;
    char *p = malloc(n);
    snprintf(p, n, "%s/arrow-ipc/%s/%s", root, dir, name);
    return p;
}

static uint8_t *read_gold(const char *dir, const char *name, size_t *len) {
    char *p = gold_path(dir, name);
    if (!p) return NULL;
    uint8_t *d = rr_test_read_file(p, len);
    free(p);
    return d;
}

/* What the integration JSON says: top-level field count, batch lengths and
 * dictionary lengths. A structural scan, not a JSON parser: it only tracks
 * which keys lead to the current container. */
typedef struct json_info {
    int n_fields;
    int n_batches;
    int64_t batch_len[256];
    int n_dicts;
    int64_t dict_len[64];
} json_info_t;

static void json_scan(const char *s, json_info_t *o) {
    char stack[64][32];
    int depth = 0;
    char key[32] = "";
    memset(o, 0, sizeof *o);
    for (const char *p = s; *p; p++) {
        if (*p == '"') {
            char buf[32];
            size_t n = 0;
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1]) p++;
                if (n + 1 < sizeof buf) buf[n++] = *p;
            }
            buf[n] = '\0';
            const char *q = p + 1;
            while (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t') q++;
            if (*q == ':') {
                strcpy(key, buf);
                p = q;
            } else {
                key[0] = '\0';
            }
        } else if (*p == '{' || *p == '[') {
            if (depth < 64) strcpy(stack[depth], key);
            depth++;
            key[0] = '\0';
            if (depth == 4 && !strcmp(stack[1], "schema") && !strcmp(stack[2], "fields"))
                o->n_fields++;
        } else if (*p == '}' || *p == ']') {
            depth--;
            key[0] = '\0';
        } else if ((*p == '-' || (*p >= '0' && *p <= '9')) && !strcmp(key, "count")) {
            int64_t v = strtoll(p, (char **)&p, 10);
            p--;
            if (depth == 3 && !strcmp(stack[1], "batches") && o->n_batches < 256)
                o->batch_len[o->n_batches++] = v;
            if (depth == 4 && !strcmp(stack[1], "dictionaries") && !strcmp(stack[3], "data") &&
                o->n_dicts < 64)
                o->dict_len[o->n_dicts++] = v;
            key[0] = '\0';
        }
    }
}

/* ---------------- gold files ---------------- */

static int check_gold(const char *dir, const char *file) {
    size_t len, jlen;
    uint8_t *data = read_gold(dir, file, &len);
    assert_non_null(data);
    char base[256];
    snprintf(base, sizeof base, "%s", file);
    *strrchr(base, '.') = '\0';
    char jname[300];
    snprintf(jname, sizeof jname, "%s.json.gz", base);
    char *json = (char *)read_gold(dir, jname, &jlen);
    if (!json) fail_msg("%s/%s has no %s", dir, file, jname);
    json_info_t info;
    json_scan(json, &info);
    free(json);

    rr_arrow_blob_t *blob = rr_arrow_blob_wrap(data, len, free_ctx, data);
    rr_arrow_ipc_reader_t *r;
    rr_error_t err = {0};
    rr_status_t st = rr_arrow_ipc_reader_open(blob, &r, &err);
    if (st != RR_OK) fail_msg("%s/%s: %s", dir, file, err.msg);
    const struct ArrowSchema *schema = rr_arrow_ipc_reader_schema(r);
    if (schema->n_children != info.n_fields)
        fail_msg("%s/%s: %lld fields, the JSON has %d", dir, file, (long long)schema->n_children,
                 info.n_fields);
    int n = 0;
    bool compressed = false;
    for (;;) {
        struct ArrowArray batch;
        bool done;
        st = rr_arrow_ipc_reader_next(r, &batch, &done, &err);
        if (st != RR_OK) fail_msg("%s/%s batch %d: %s", dir, file, n, err.msg);
        if (done) break;
        assert_true(n < info.n_batches);
        if (batch.length != info.batch_len[n])
            fail_msg("%s/%s batch %d: length %lld, the JSON says %lld", dir, file, n,
                     (long long)batch.length, (long long)info.batch_len[n]);
        assert_int_equal(batch.n_children, info.n_fields);
        compressed |= rr_arrow_ipc_reader_compression(r) != RR_ARROW_COMPRESSION_NONE;
        rr_arrow_array_release(&batch);
        n++;
    }
    if (n != info.n_batches)
        fail_msg("%s/%s: %d batches, the JSON has %d", dir, file, n, info.n_batches);
    /* The compressed corpus must really have gone through the codecs. */
    if (strstr(dir, "compression") && n > 0 && !strstr(file, "uncompressible"))
        assert_true(compressed);
    rr_arrow_ipc_reader_free(r);
    rr_arrow_blob_release(blob);
    return n;
}

static void test_gold_corpus(void **state) {
    (void)state;
    if (!rr_test_data_dir()) {
        printf("skipped: no test data (RR_TESTDATA)\n");
        skip();
    }
    const char *dirs[] = {"1.0.0-littleendian", "2.0.0-compression"};
    int files = 0, batches = 0;
    for (size_t d = 0; d < 2; d++) {
        char *path = gold_path(dirs[d], "");
        DIR *dh = opendir(path);
        free(path);
        if (!dh) {
            printf("skipped: %s absent\n", dirs[d]);
            continue;
        }
        struct dirent *e;
        while ((e = readdir(dh))) {
            size_t n = strlen(e->d_name);
            bool stream = n > 7 && !strcmp(e->d_name + n - 7, ".stream");
            bool file = n > 11 && !strcmp(e->d_name + n - 11, ".arrow_file");
            if (!stream && !file) continue;
            batches += check_gold(dirs[d], e->d_name);
            files++;
        }
        closedir(dh);
    }
    printf("read %d gold files, %d batches\n", files, batches);
    assert_true(files > 0);
}

/* Stream and file of the same data read to equal batches. */
static void test_stream_file_agree(void **state) {
    (void)state;
    if (!rr_test_data_dir()) skip();
    const char *names[] = {"generated_primitive", "generated_nested", "generated_dictionary",
                           "generated_union", "generated_map"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char sn[128], fn[128];
        snprintf(sn, sizeof sn, "%s.stream", names[i]);
        snprintf(fn, sizeof fn, "%s.arrow_file", names[i]);
        size_t sl, fl;
        uint8_t *s = read_gold("1.0.0-littleendian", sn, &sl);
        uint8_t *f = read_gold("1.0.0-littleendian", fn, &fl);
        assert_non_null(s);
        assert_non_null(f);
        rr_arrow_table_t a, b;
        rr_error_t err = {0};
        assert_rr_ok(read_bytes(s, sl, &a, &err), &err);
        assert_rr_ok(read_bytes(f, fl, &b, &err), &err);
        if (!rr_arrow_schema_equal(&a.schema, &b.schema, &err)) fail_msg("%s: %s", names[i], err.msg);
        assert_int_equal(a.n_batches, b.n_batches);
        for (int64_t k = 0; k < a.n_batches; k++)
            if (!rr_arrow_array_equal(&a.schema, &a.batches[k], &b.schema, &b.batches[k], &err))
                fail_msg("%s batch %lld: %s", names[i], (long long)k, err.msg);
        rr_arrow_table_release(&a);
        rr_arrow_table_release(&b);
        free(s);
        free(f);
    }
}

/* ---------------- schema details ---------------- */

static const struct ArrowSchema *find_child(const struct ArrowSchema *s, const char *name) {
    for (int64_t i = 0; i < s->n_children; i++)
        if (!strcmp(s->children[i]->name, name)) return s->children[i];
    return NULL;
}

static void test_schema_details(void **state) {
    (void)state;
    if (!rr_test_data_dir()) skip();
    size_t len;
    rr_error_t err = {0};
    rr_arrow_table_t t;

    uint8_t *d = read_gold("1.0.0-littleendian", "generated_primitive.stream", &len);
    assert_rr_ok(read_bytes(d, len, &t, &err), &err);
    const struct ArrowSchema *f = find_child(&t.schema, "int32_nullable");
    assert_non_null(f);
    assert_string_equal(f->format, "i");
    assert_true(f->flags & ARROW_FLAG_NULLABLE);
    f = find_child(&t.schema, "uint64_nonnullable");
    assert_non_null(f);
    assert_string_equal(f->format, "L");
    assert_false(f->flags & ARROW_FLAG_NULLABLE);
    rr_arrow_table_release(&t);
    free(d);

    d = read_gold("1.0.0-littleendian", "generated_dictionary.stream", &len);
    assert_rr_ok(read_bytes(d, len, &t, &err), &err);
    int dict_cols = 0;
    for (int64_t i = 0; i < t.schema.n_children; i++) {
        const struct ArrowSchema *c = t.schema.children[i];
        if (!c->dictionary) continue;
        dict_cols++;
        for (int64_t b = 0; b < t.n_batches; b++) {
            assert_non_null(t.batches[b].children[i]->dictionary);
            assert_true(t.batches[b].children[i]->dictionary->length > 0);
        }
    }
    assert_true(dict_cols > 0);
    rr_arrow_table_release(&t);
    free(d);

    d = read_gold("1.0.0-littleendian", "generated_map.stream", &len);
    assert_rr_ok(read_bytes(d, len, &t, &err), &err);
    /* The corpus's maps all say keysSorted: false. */
    for (int64_t i = 0; i < t.schema.n_children; i++) {
        assert_string_equal(t.schema.children[i]->format, "+m");
        assert_false(t.schema.children[i]->flags & ARROW_FLAG_MAP_KEYS_SORTED);
    }
    rr_arrow_table_release(&t);
    free(d);

    d = read_gold("1.0.0-littleendian", "generated_custom_metadata.stream", &len);
    assert_rr_ok(read_bytes(d, len, &t, &err), &err);
    assert_true(rr_arrow_metadata_count(t.schema.metadata) > 0);
    int with_md = 0;
    for (int64_t i = 0; i < t.schema.n_children; i++)
        with_md += rr_arrow_metadata_count(t.schema.children[i]->metadata) > 0;
    assert_true(with_md > 0);
    rr_arrow_table_release(&t);
    free(d);

    d = read_gold("1.0.0-littleendian", "generated_datetime.stream", &len);
    assert_rr_ok(read_bytes(d, len, &t, &err), &err);
    bool tz = false;
    for (int64_t i = 0; i < t.schema.n_children; i++)
        tz |= !strncmp(t.schema.children[i]->format, "ts", 2) &&
              strlen(t.schema.children[i]->format) > 4;
    assert_true(tz);
    rr_arrow_table_release(&t);
    free(d);
}

/* ---------------- zero copy ---------------- */

static void test_zero_copy(void **state) {
    (void)state;
    if (!rr_test_data_dir()) skip();
    size_t len;
    uint8_t *data = read_gold("1.0.0-littleendian", "generated_primitive.stream", &len);
    assert_non_null(data);
    rr_arrow_blob_t *blob = rr_arrow_blob_wrap(data, len, free_ctx, data);
    rr_arrow_ipc_reader_t *r;
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_ipc_reader_open(blob, &r, &err), &err);
    const struct ArrowSchema *s = rr_arrow_ipc_reader_schema(r);
    int64_t col = -1;
    for (int64_t i = 0; i < s->n_children; i++)
        if (!strcmp(s->children[i]->name, "int32_nullable")) col = i;
    assert_true(col >= 0);
    struct ArrowArray batch;
    bool done;
    assert_rr_ok(rr_arrow_ipc_reader_next(r, &batch, &done, &err), &err);
    assert_false(done);
    const uint8_t *p = batch.children[col]->buffers[1];
    assert_true(p >= blob->data && p < blob->data + blob->len);
    /* The batch keeps the input alive after the reader and our reference go. */
    rr_arrow_ipc_reader_free(r);
    rr_arrow_blob_release(blob);
    volatile uint32_t sum = 0;
    for (int64_t i = 0; i < batch.children[col]->length; i++) sum += ((const uint32_t *)p)[i];
    (void)sum;
    rr_arrow_array_release(&batch);
}

/* A copy of a stream with every 0xFFFFFFFF continuation marker removed: the
 * pre-1.0 framing, whose bodies land 4 bytes off alignment. */
static uint8_t *strip_continuations(const uint8_t *s, size_t len, size_t *out_len) {
    uint8_t *o = malloc(len);
    size_t i = 0, n = 0;
    while (i + 8 <= len && rr_fb_read_u32(s + i) == RR_IPC_CONTINUATION) {
        int32_t ml = rr_fb_read_i32(s + i + 4);
        memcpy(o + n, s + i + 4, 4);
        n += 4;
        i += 8;
        if (ml == 0) break;
        rr_fb_table_t msg;
        assert_rr_ok(rr_fb_root(s + i, (size_t)ml, "Message", &msg, NULL), &(rr_error_t){0});
        size_t body = (size_t)rr_fb_field_i64(&msg, RR_FB_MESSAGE_BODY_LENGTH, 0);
        memcpy(o + n, s + i, (size_t)ml + body);
        n += (size_t)ml + body;
        i += (size_t)ml + body;
    }
    *out_len = n;
    return o;
}

static void test_legacy_framing(void **state) {
    (void)state;
    if (!rr_test_data_dir()) skip();
    const char *names[] = {"generated_primitive.stream", "generated_nested.stream",
                           "generated_dictionary.stream"};
    for (size_t k = 0; k < 3; k++) {
        size_t len, llen;
        uint8_t *d = read_gold("1.0.0-littleendian", names[k], &len);
        uint8_t *legacy = strip_continuations(d, len, &llen);
        assert_true(llen < len);
        rr_arrow_table_t a, b;
        rr_error_t err = {0};
        assert_rr_ok(read_bytes(d, len, &a, &err), &err);
        assert_rr_ok(read_bytes(legacy, llen, &b, &err), &err);
        assert_int_equal(a.n_batches, b.n_batches);
        for (int64_t i = 0; i < a.n_batches; i++)
            if (!rr_arrow_array_equal(&a.schema, &a.batches[i], &b.schema, &b.batches[i], &err))
                fail_msg("%s batch %lld: %s", names[k], (long long)i, err.msg);
        rr_arrow_table_release(&a);
        rr_arrow_table_release(&b);
        free(d);
        free(legacy);
    }
}

/* ---------------- dictionary deltas and replacements ---------------- */

/* Offset of stream message `index` (0 = schema) and its metadata. */
static size_t stream_message(const uint8_t *d, size_t len, int index, rr_fb_table_t *msg) {
    size_t off = 0;
    for (int i = 0;; i++) {
        assert_true(off + 8 <= len);
        int32_t ml = rr_fb_read_i32(d + off + 4);
        assert_rr_ok(rr_fb_root(d + off + 8, (size_t)ml, "Message", msg, NULL), &(rr_error_t){0});
        if (i == index) return off;
        off += 8 + (size_t)ml + (size_t)rr_fb_field_i64(msg, RR_FB_MESSAGE_BODY_LENGTH, 0);
    }
}


/* One batch of a dictionary<int32, utf8> column "d". */
static void dict_batch(const struct ArrowSchema *schema, const int32_t *idx, int n_idx,
                       const char *const *dict, int n_dict, struct ArrowArray *out) {
    rr_arrow_builder_t *b;
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_builder_new(schema, &b, &err), &err);
    rr_arrow_builder_t *col = rr_arrow_builder_child(b, 0);
    rr_arrow_builder_t *values = rr_arrow_builder_dictionary(col);
    for (int i = 0; i < n_dict; i++)
        assert_rr_ok(rr_arrow_builder_append_bytes(values, dict[i], strlen(dict[i]), &err), &err);
    for (int i = 0; i < n_idx; i++) {
        assert_rr_ok(rr_arrow_builder_append_int(col, idx[i], &err), &err);
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    }
    assert_rr_ok(rr_arrow_builder_finish(b, out, &err), &err);
    rr_arrow_builder_free(b);
}

static void test_dictionary_delta_and_replacement(void **state) {
    (void)state;
    rr_error_t err = {0};
    struct ArrowSchema schema;
    assert_rr_ok(rr_arrow_schema_init(&schema, "+s", "", 0, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(schema.children[0], "i", "d", ARROW_FLAG_NULLABLE, 0, &err),
                 &err);
    struct ArrowSchema *dv = rr_arrow_schema_add_dictionary(schema.children[0], &err);
    assert_non_null(dv);
    assert_rr_ok(rr_arrow_schema_init(dv, "u", "", ARROW_FLAG_NULLABLE, 0, &err), &err);

    const char *d1[] = {"a", "b"}, *d2[] = {"a", "b", "c"}, *d3[] = {"z"};
    const int32_t i1[] = {0, 1}, i2[] = {2, 0, 1}, i3[] = {0};
    struct ArrowArray batches[3];
    dict_batch(&schema, i1, 2, d1, 2, &batches[0]);
    dict_batch(&schema, i2, 3, d2, 3, &batches[1]); /* extends: a delta */
    dict_batch(&schema, i3, 1, d3, 1, &batches[2]); /* differs: a replacement */

    for (int file = 0; file < 2; file++) {
        /* The file format allows deltas but not replacements. */
        int64_t n = file ? 2 : 3;
        rr_buf_t out = {0};
        rr_arrow_ipc_write_options_t opts = {.file_format = file};
        assert_rr_ok(rr_arrow_ipc_write_table(&out, &schema, batches, n, &opts, &err), &err);
        if (!file) {
            /* Make sure the writer really sent a delta for the reader to join. */
            int deltas = 0;
            rr_fb_table_t msg, hdr;
            for (int m = 0; m < 7; m++) {
                stream_message(out.data, out.len, m, &msg);
                if (rr_fb_field_u8(&msg, RR_FB_MESSAGE_HEADER_TYPE, 0) !=
                    RR_FB_HEADER_DICTIONARY_BATCH)
                    continue;
                assert_rr_ok(rr_fb_field_table(&msg, RR_FB_MESSAGE_HEADER, "h", &hdr, &err), &err);
                deltas += rr_fb_field_bool(&hdr, RR_FB_DICT_BATCH_IS_DELTA, false);
            }
            assert_int_equal(deltas, 1);
        }
        rr_arrow_table_t t;
        assert_rr_ok(read_bytes(out.data, out.len, &t, &err), &err);
        assert_int_equal(t.n_batches, n);
        for (int64_t k = 0; k < n; k++) {
            if (!rr_arrow_array_equal(&schema, &batches[k], &t.schema, &t.batches[k], &err))
                fail_msg("%s batch %lld: %s", file ? "file" : "stream", (long long)k, err.msg);
        }
        /* The delta was concatenated: the second batch sees all three values. */
        assert_int_equal(t.batches[1].children[0]->dictionary->length, 3);
        if (!file) assert_int_equal(t.batches[2].children[0]->dictionary->length, 1);
        rr_arrow_table_release(&t);
        rr_buf_free(&out);
    }
    for (int k = 0; k < 3; k++) rr_arrow_array_release(&batches[k]);
    rr_arrow_schema_release(&schema);
}

/* ---------------- bad input ---------------- */

/* Full batch count of a gold input, for telling a clean short read from an
 * error. */
static int64_t batch_count(const uint8_t *d, size_t len) {
    rr_arrow_table_t t;
    rr_error_t err = {0};
    assert_rr_ok(read_bytes(d, len, &t, &err), &err);
    int64_t n = t.n_batches;
    rr_arrow_table_release(&t);
    return n;
}

static void test_truncation(void **state) {
    (void)state;
    if (!rr_test_data_dir()) skip();
    const char *names[] = {"generated_primitive.stream", "generated_dictionary.stream",
                           "generated_nested.arrow_file", "generated_union.stream",
                           "generated_nested_dictionary.arrow_file"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        size_t len;
        uint8_t *d = read_gold("1.0.0-littleendian", names[k], &len);
        int64_t full = batch_count(d, len);
        bool file = strstr(names[k], "arrow_file") != NULL;
        for (size_t n = 0; n < len; n++) {
            rr_arrow_table_t t;
            rr_error_t err = {0};
            rr_status_t st = read_bytes(d, n, &t, &err);
            if (st == RR_OK) {
                /* Only a stream cut at a message boundary reads cleanly, and
                 * then it has fewer batches (or lacks only the EOS marker). */
                if (file) fail_msg("%s cut at %zu bytes read without error", names[k], n);
                assert_true(t.n_batches <= full);
                rr_arrow_table_release(&t);
            } else {
                assert_true(strlen(err.msg) > 0);
                assert_null(t.batches);
            }
        }
        free(d);
    }
}

static void test_byte_flips(void **state) {
    (void)state;
    if (!rr_test_data_dir()) skip();
    const char *dirs[] = {"1.0.0-littleendian", "1.0.0-littleendian", "1.0.0-littleendian",
                          "1.0.0-littleendian", "2.0.0-compression", "2.0.0-compression"};
    const char *names[] = {"generated_primitive.stream", "generated_dictionary.arrow_file",
                           "generated_nested_large_offsets.stream", "generated_union.arrow_file",
                           "generated_lz4.stream", "generated_zstd.arrow_file"};
    static const uint8_t flips[] = {0xFF, 0x80, 0x01};
    int errors = 0, oks = 0;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        size_t len;
        uint8_t *d = read_gold(dirs[k], names[k], &len);
        assert_non_null(d);
        /* Every byte of the first 4 KiB (metadata lives there), then a stride. */
        for (size_t i = 0; i < len; i += i < 4096 ? 1 : 7) {
            for (size_t f = 0; f < sizeof flips; f++) {
                d[i] ^= flips[f];
                rr_arrow_table_t t;
                rr_error_t err = {0};
                if (read_bytes(d, len, &t, &err) == RR_OK) {
                    oks++;
                    rr_arrow_table_release(&t);
                } else {
                    errors++;
                    assert_true(strlen(err.msg) > 0);
                }
                d[i] ^= flips[f];
            }
        }
        free(d);
    }
    printf("byte flips: %d errors, %d still readable\n", errors, oks);
    assert_true(errors > 0);
}

static void test_error_names_message_and_field(void **state) {
    (void)state;
    if (!rr_test_data_dir()) skip();
    size_t len;
    uint8_t *d = read_gold("1.0.0-littleendian", "generated_primitive.stream", &len);
    rr_fb_table_t msg, rb;
    size_t off = stream_message(d, len, 1, &msg);
    assert_int_equal(rr_fb_field_u8(&msg, RR_FB_MESSAGE_HEADER_TYPE, 0), RR_FB_HEADER_RECORD_BATCH);
    assert_rr_ok(rr_fb_field_table(&msg, RR_FB_MESSAGE_HEADER, "h", &rb, NULL), &(rr_error_t){0});
    rr_fb_vector_t bufs;
    assert_rr_ok(rr_fb_field_vector(&rb, RR_FB_BATCH_BUFFERS, 16, "b", &bufs, NULL),
                 &(rr_error_t){0});
    assert_true(bufs.len > 2);
    /* Buffer 1 is the data of the first column; make it run past the body. */
    uint8_t *len_field = (uint8_t *)rr_fb_vector_elem(&bufs, 1) + 8;
    uint8_t saved[8];
    memcpy(saved, len_field, 8);
    memset(len_field, 0x7F, 8);
    len_field[0] = 0xFF;
    rr_arrow_table_t t;
    rr_error_t err = {0};
    assert_int_equal(read_bytes(d, len, &t, &err), RR_ERR_INVALID_DATA);
    char want[64];
    snprintf(want, sizeof want, "IPC message 1 at byte %zu", off);
    if (!strstr(err.msg, want) || !strstr(err.msg, "field 'bool_nullable'"))
        fail_msg("unexpected message: %s", err.msg);
    memcpy(len_field, saved, 8);

    /* A truncated body names the message too. */
    size_t off2 = stream_message(d, len, 2, &msg);
    assert_int_not_equal(read_bytes(d, off2 - 3, &t, &err), RR_OK);
    if (!strstr(err.msg, want)) fail_msg("unexpected message: %s", err.msg);

    /* A view type in the schema is unsupported, naming the field. */
    rr_fb_table_t schema, field;
    stream_message(d, len, 0, &msg);
    assert_rr_ok(rr_fb_field_table(&msg, RR_FB_MESSAGE_HEADER, "h", &schema, NULL),
                 &(rr_error_t){0});
    rr_fb_vector_t fields;
    assert_rr_ok(rr_fb_field_vector(&schema, RR_FB_SCHEMA_FIELDS, 4, "f", &fields, NULL),
                 &(rr_error_t){0});
    uint32_t utf8 = UINT32_MAX;
    for (uint32_t i = 0; i < fields.len && utf8 == UINT32_MAX; i++) {
        assert_rr_ok(rr_fb_vector_table(&fields, i, "f", &field, NULL), &(rr_error_t){0});
        if (rr_fb_field_u8(&field, RR_FB_FIELD_TYPE_TYPE, 0) == RR_FB_TYPE_UTF8) utf8 = i;
    }
    assert_true(utf8 != UINT32_MAX);
    const char *name;
    size_t name_len;
    assert_rr_ok(rr_fb_field_string(&field, RR_FB_FIELD_NAME, "n", &name, &name_len, NULL),
                 &(rr_error_t){0});
    uint16_t slot_off = rr_fb_read_u16(field.buf + field.vtable + 4 + 2 * RR_FB_FIELD_TYPE_TYPE);
    uint8_t *tt = (uint8_t *)field.buf + field.pos + slot_off;
    *tt = RR_FB_TYPE_UTF8_VIEW;
    assert_int_equal(read_bytes(d, len, &t, &err), RR_ERR_UNSUPPORTED);
    char fname[96];
    snprintf(fname, sizeof fname, "field '%.*s'", (int)name_len, name);
    if (!strstr(err.msg, fname) || !strstr(err.msg, "IPC message 0 at byte 0"))
        fail_msg("unexpected message: %s", err.msg);
    *tt = 200;
    assert_int_equal(read_bytes(d, len, &t, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "unknown type id 200"));
    free(d);
}

/* Two fields claiming one dictionary id is an error naming both. */
static void test_duplicate_dictionary_id(void **state) {
    (void)state;
    if (!rr_test_data_dir()) skip();
    size_t len;
    uint8_t *d = read_gold("1.0.0-littleendian", "generated_dictionary.stream", &len);
    rr_fb_table_t msg, schema, field, enc;
    stream_message(d, len, 0, &msg);
    assert_rr_ok(rr_fb_field_table(&msg, RR_FB_MESSAGE_HEADER, "h", &schema, NULL),
                 &(rr_error_t){0});
    rr_fb_vector_t fields;
    assert_rr_ok(rr_fb_field_vector(&schema, RR_FB_SCHEMA_FIELDS, 4, "f", &fields, NULL),
                 &(rr_error_t){0});
    bool changed = false;
    for (uint32_t i = 0; i < fields.len && !changed; i++) {
        assert_rr_ok(rr_fb_vector_table(&fields, i, "f", &field, NULL), &(rr_error_t){0});
        assert_rr_ok(rr_fb_field_table(&field, RR_FB_FIELD_DICTIONARY, "d", &enc, NULL),
                     &(rr_error_t){0});
        if (rr_fb_field_i64(&enc, RR_FB_DICT_ID, 0) == 1) {
            uint16_t off = rr_fb_read_u16(enc.buf + enc.vtable + 4 + 2 * RR_FB_DICT_ID);
            memset((uint8_t *)enc.buf + enc.pos + off, 0, 8);
            changed = true;
        }
    }
    assert_true(changed);
    rr_arrow_table_t t;
    rr_error_t err = {0};
    assert_int_equal(read_bytes(d, len, &t, &err), RR_ERR_INVALID_DATA);
    if (!strstr(err.msg, "dictionary id 0 is used by two fields"))
        fail_msg("unexpected message: %s", err.msg);
    free(d);
}

static void test_limits(void **state) {
    (void)state;
    rr_arrow_table_t t;
    rr_error_t err = {0};
    /* Metadata above 64 MiB is refused before anything is read. */
    uint8_t big[16] = {0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x05};
    assert_int_equal(read_bytes(big, sizeof big, &t, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "limit"));
    uint8_t neg[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xF0, 0xFF, 0xFF, 0xFF};
    assert_int_equal(read_bytes(neg, sizeof neg, &t, &err), RR_ERR_INVALID_DATA);
    assert_int_not_equal(read_bytes(NULL, 0, &t, &err), RR_OK);
    uint8_t eos[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};
    assert_int_equal(read_bytes(eos, sizeof eos, &t, &err), RR_ERR_TRUNCATED);
    const char magic_only[] = "ARROW1\0\0";
    assert_int_not_equal(read_bytes((const uint8_t *)magic_only, 8, &t, &err), RR_OK);
    /* NULL err is allowed everywhere. */
    assert_int_equal(read_bytes(big, sizeof big, &t, NULL), RR_ERR_INVALID_DATA);
}

/* ---------------- the flatbuffer reader ---------------- */

static void test_fb_reader(void **state) {
    (void)state;
    rr_fb_table_t t, sub;
    rr_error_t err = {0};
    /* [0] root uoffset -> table at 12; [4] vtable: size 8, table size 16,
     * field 0 at +4, field 1 at +8; [12] table: soffset 8 (-> 4), int32 7,
     * uoffset to the string at 32; [32] string "hi". Field 2 is absent. */
    uint8_t b[64] = {0};
    b[0] = 12;
    b[4] = 8; b[6] = 16; b[8] = 4; b[10] = 8;
    b[12] = 8;
    b[16] = 7;
    b[20] = 12;
    b[32] = 2; b[36] = 'h'; b[37] = 'i'; b[38] = 0;
    assert_rr_ok(rr_fb_root(b, sizeof b, "T", &t, &err), &err);
    assert_int_equal(rr_fb_field_i32(&t, 0, -1), 7);
    assert_int_equal(rr_fb_field_i32(&t, 5, -1), -1); /* beyond the vtable: default */
    const char *s;
    size_t n;
    assert_rr_ok(rr_fb_field_string(&t, 1, "T.s", &s, &n, &err), &err);
    assert_int_equal(n, 2);
    assert_string_equal(s, "hi");
    rr_fb_vector_t v;
    assert_rr_ok(rr_fb_field_vector(&t, 2, 4, "T.v", &v, &err), &err);
    assert_int_equal(v.len, 0); /* absent */

    /* A string without its NUL, and one running past the end. */
    b[38] = 'x';
    assert_int_equal(rr_fb_field_string(&t, 1, "T.s", &s, &n, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "T.s"));
    b[38] = 0;
    b[32] = 200;
    assert_int_equal(rr_fb_field_string(&t, 1, "T.s", &s, &n, &err), RR_ERR_INVALID_DATA);
    b[32] = 2;
    /* A sub-table offset out of bounds. */
    b[20] = 250;
    assert_int_equal(rr_fb_field_table(&t, 1, "T.sub", &sub, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "T.sub"));
    b[20] = 12;
    /* Root and vtable out of bounds. */
    b[0] = 200;
    assert_int_equal(rr_fb_root(b, sizeof b, "T", &t, &err), RR_ERR_INVALID_DATA);
    b[0] = 12;
    b[12] = 100;
    assert_int_equal(rr_fb_root(b, sizeof b, "T", &t, &err), RR_ERR_INVALID_DATA);
    b[12] = 8;
    b[6] = 200; /* table size beyond the buffer */
    assert_int_equal(rr_fb_root(b, sizeof b, "T", &t, &err), RR_ERR_INVALID_DATA);
    b[6] = 16;
    assert_int_equal(rr_fb_root(b, 7, "T", &t, &err), RR_ERR_TRUNCATED);

    /* A vector whose length overflows the buffer. */
    uint8_t c[32] = {0};
    c[0] = 12;
    c[4] = 6; c[6] = 8; c[8] = 4; /* vtable at 4: size 6, table size 8, field 0 at +4 */
    c[12] = 8;                    /* soffset -> vtable at 4 */
    c[16] = 4;                    /* vector at 20 */
    c[20] = 0xFF; c[21] = 0xFF; c[22] = 0xFF; c[23] = 0x3F;
    assert_rr_ok(rr_fb_root(c, sizeof c, "V", &t, &err), &err);
    assert_int_equal(rr_fb_field_vector(&t, 0, 16, "V.v", &v, &err), RR_ERR_INVALID_DATA);
    c[20] = 2; c[21] = c[22] = c[23] = 0;
    assert_rr_ok(rr_fb_field_vector(&t, 0, 4, "V.v", &v, &err), &err);
    assert_int_equal(v.len, 2);
}

/* A chain of 100 nested tables stops at the depth limit. */
static void test_fb_depth(void **state) {
    (void)state;
    enum { N = 100 };
    uint8_t *b = calloc(1, 12 + 8 * N + 8);
    b[0] = 12;
    b[4] = 6; b[6] = 8; b[8] = 4; /* shared vtable at 4: one offset field at +4 */
    for (int i = 0; i < N; i++) {
        size_t pos = 12 + 8 * (size_t)i;
        int32_t so = (int32_t)(pos - 4);
        memcpy(b + pos, &so, 4);
        b[pos + 4] = 4; /* next table right after this one */
    }
    rr_fb_table_t t, next;
    rr_error_t err = {0};
    assert_rr_ok(rr_fb_root(b, 12 + 8 * N + 8, "Deep", &t, &err), &err);
    int depth = 0;
    rr_status_t st;
    while ((st = rr_fb_field_table(&t, 0, "Deep.next", &next, &err)) == RR_OK &&
           rr_fb_table_present(&next)) {
        t = next;
        depth++;
    }
    assert_int_equal(st, RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "deeper"));
    assert_int_equal(depth, RR_FB_MAX_DEPTH);
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fb_reader),
        cmocka_unit_test(test_fb_depth),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_gold_corpus),
        cmocka_unit_test(test_stream_file_agree),
        cmocka_unit_test(test_schema_details),
        cmocka_unit_test(test_zero_copy),
        cmocka_unit_test(test_legacy_framing),
        cmocka_unit_test(test_dictionary_delta_and_replacement),
        cmocka_unit_test(test_error_names_message_and_field),
        cmocka_unit_test(test_duplicate_dictionary_id),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_byte_flips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
