/* Tests of the IPC writer and its flatbuffer builder: the framing bytes
 * (continuation markers, alignment, footer), the flatbuffers decoded by our
 * reader (fb_reader.h), and round trips through rr_arrow_ipc_read_table
 * compared with rr_arrow_array_equal, over every type, slices, nulls,
 * dictionaries (deltas, replacements), compression, streams and files; and
 * bad arguments. Arrays are built by hand so slices and odd layouts are
 * exactly what each test says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/compare.h"
#include "arrow/fb_builder.h"
#include "arrow/fb_reader.h"
#include "arrow/ipc.h"
#include "arrow/ipc_format.h"
#include "arrow/schema.h"
#include "base/mem.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* building arrays by hand                                              */

/* valid: one byte per slot (0 = null), or NULL for all valid. */
static void set_validity(struct ArrowArray *a, int64_t n, const uint8_t *valid) {
    a->null_count = 0;
    if (!valid) return;
    uint8_t *bits = rr_arrow_array_alloc_buffer(a, 0, (size_t)rr_arrow_bitmap_bytes(n) + 1);
    for (int64_t i = 0; i < n; i++) {
        rr_arrow_bit_set(bits, i, valid[i] != 0);
        if (!valid[i]) a->null_count++;
    }
}

static void mk_fixed(struct ArrowArray *a, int64_t n, int width, const uint8_t *valid, int seed) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_array_init(a, 2, 0, false, &err), &err);
    a->length = n;
    set_validity(a, n, valid);
    uint8_t *d = rr_arrow_array_alloc_buffer(a, 1, (size_t)(n * width) + 1);
    for (int64_t i = 0; i < n * width; i++) d[i] = (uint8_t)(i * 31 + seed * 7 + (i >> 5));
}

static void mk_bool(struct ArrowArray *a, int64_t n, const uint8_t *valid) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_array_init(a, 2, 0, false, &err), &err);
    a->length = n;
    set_validity(a, n, valid);
    uint8_t *d = rr_arrow_array_alloc_buffer(a, 1, (size_t)rr_arrow_bitmap_bytes(n) + 1);
    for (int64_t i = 0; i < n; i++) rr_arrow_bit_set(d, i, (i % 3) == 1);
}

static void mk_null(struct ArrowArray *a, int64_t n) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_array_init(a, 0, 0, false, &err), &err);
    a->length = n;
    a->null_count = n;
}

/* strs[i] == NULL is a null slot. */
static void mk_str(struct ArrowArray *a, int64_t n, const char *const *strs, bool large) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_array_init(a, 3, 0, false, &err), &err);
    a->length = n;
    uint8_t *valid = calloc(1, (size_t)n + 1);
    size_t total = 0;
    for (int64_t i = 0; i < n; i++) {
        valid[i] = strs[i] != NULL;
        total += strs[i] ? strlen(strs[i]) : 0;
    }
    set_validity(a, n, valid);
    free(valid);
    char *data = rr_arrow_array_alloc_buffer(a, 2, total + 1);
    void *offs = rr_arrow_array_alloc_buffer(a, 1, (size_t)(n + 1) * (large ? 8 : 4));
    int64_t pos = 0;
    for (int64_t i = 0; i <= n; i++) {
        if (large)
            ((int64_t *)offs)[i] = pos;
        else
            ((int32_t *)offs)[i] = (int32_t)pos;
        if (i < n && strs[i]) {
            memcpy(data + pos, strs[i], strlen(strs[i]));
            pos += (int64_t)strlen(strs[i]);
        }
    }
}

/* A list (or large list, or map) of n slots whose slot i has sizes[i] items
 * (sizes[i] < 0: null slot with no items); child is moved in. */
static void mk_list(struct ArrowArray *a, int64_t n, const int32_t *sizes, bool large,
                    struct ArrowArray *child) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_array_init(a, 2, 1, false, &err), &err);
    a->length = n;
    uint8_t *valid = calloc(1, (size_t)n + 1);
    for (int64_t i = 0; i < n; i++) valid[i] = sizes[i] >= 0;
    set_validity(a, n, valid);
    free(valid);
    void *offs = rr_arrow_array_alloc_buffer(a, 1, (size_t)(n + 1) * (large ? 8 : 4));
    int64_t pos = 0;
    for (int64_t i = 0; i <= n; i++) {
        if (large)
            ((int64_t *)offs)[i] = pos;
        else
            ((int32_t *)offs)[i] = (int32_t)pos;
        if (i < n && sizes[i] > 0) pos += sizes[i];
    }
    assert_true(child->length >= pos);
    rr_arrow_array_move(child, a->children[0]);
}

static void mk_fsl(struct ArrowArray *a, int64_t n, const uint8_t *valid,
                   struct ArrowArray *child) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_array_init(a, 1, 1, false, &err), &err);
    a->length = n;
    set_validity(a, n, valid);
    rr_arrow_array_move(child, a->children[0]);
}

static void mk_struct(struct ArrowArray *a, int64_t n, const uint8_t *valid,
                      struct ArrowArray *children, int64_t nc) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_array_init(a, 1, nc, false, &err), &err);
    a->length = n;
    set_validity(a, n, valid);
    for (int64_t i = 0; i < nc; i++) rr_arrow_array_move(&children[i], a->children[i]);
}

static void mk_union(struct ArrowArray *a, int64_t n, const int8_t *ids, const int32_t *offs,
                     struct ArrowArray *children, int64_t nc) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_array_init(a, offs ? 2 : 1, nc, false, &err), &err);
    a->length = n;
    a->null_count = 0;
    memcpy(rr_arrow_array_alloc_buffer(a, 0, (size_t)n + 1), ids, (size_t)n);
    if (offs) memcpy(rr_arrow_array_alloc_buffer(a, 1, (size_t)n * 4 + 4), offs, (size_t)n * 4);
    for (int64_t i = 0; i < nc; i++) rr_arrow_array_move(&children[i], a->children[i]);
}

/* int32 indices into dict (moved in); idx < 0 is a null slot. */
static void mk_dict(struct ArrowArray *a, int64_t n, const int32_t *idx, struct ArrowArray *dict) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_array_init(a, 2, 0, true, &err), &err);
    a->length = n;
    uint8_t *valid = calloc(1, (size_t)n + 1);
    for (int64_t i = 0; i < n; i++) valid[i] = idx[i] >= 0;
    set_validity(a, n, valid);
    free(valid);
    int32_t *d = rr_arrow_array_alloc_buffer(a, 1, (size_t)n * 4 + 4);
    for (int64_t i = 0; i < n; i++) d[i] = idx[i] < 0 ? 0 : idx[i];
    rr_arrow_array_move(dict, a->dictionary);
}

/* A batch: a struct array of the given columns (moved in). */
static void mk_batch(struct ArrowArray *b, int64_t n, struct ArrowArray *cols, int64_t nc) {
    mk_struct(b, n, NULL, cols, nc);
}

static void sch(struct ArrowSchema *s, const char *fmt, const char *name, int64_t flags,
                int64_t nc) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_schema_init(s, fmt, name, flags, nc, &err), &err);
}

/* ------------------------------------------------------------------ */
/* reading our output back                                              */

typedef struct msg_info {
    size_t pos;       /* of the continuation marker */
    int32_t meta_len; /* after the 8-byte prefix */
    uint8_t header_type;
    int64_t body_len;
    rr_fb_table_t msg, header;
} msg_info_t;

/* Walks the messages of a stream starting at pos; checks the framing. */
static int walk_stream(const uint8_t *d, size_t len, size_t pos, msg_info_t *msgs, int max,
                       size_t *end) {
    int n = 0;
    for (;;) {
        assert_true(pos + 8 <= len);
        uint32_t cont;
        int32_t ml;
        memcpy(&cont, d + pos, 4);
        memcpy(&ml, d + pos + 4, 4);
        assert_int_equal(cont, 0xFFFFFFFFu);
        if (ml == 0) {
            *end = pos + 8;
            return n;
        }
        assert_true(ml > 0 && ml % 8 == 0);
        assert_true(n < max);
        msg_info_t *m = &msgs[n++];
        m->pos = pos;
        m->meta_len = ml;
        rr_error_t err = {0};
        assert_rr_ok(rr_fb_root(d + pos + 8, (size_t)ml, "Message", &m->msg, &err), &err);
        assert_int_equal(rr_fb_field_i16(&m->msg, RR_FB_MESSAGE_VERSION, 0), RR_FB_METADATA_V5);
        m->header_type = rr_fb_field_u8(&m->msg, RR_FB_MESSAGE_HEADER_TYPE, 0);
        m->body_len = rr_fb_field_i64(&m->msg, RR_FB_MESSAGE_BODY_LENGTH, -1);
        assert_rr_ok(rr_fb_field_table(&m->msg, RR_FB_MESSAGE_HEADER, "header", &m->header, &err),
                     &err);
        assert_true(rr_fb_table_present(&m->header));
        pos += 8 + (size_t)ml + (size_t)m->body_len;
        assert_true(pos <= len);
    }
}

/* Writes, reads back, and compares schema and every batch. */
static void roundtrip(const struct ArrowSchema *schema, const struct ArrowArray *batches, int64_t n,
                      const rr_arrow_ipc_write_options_t *opts) {
    rr_error_t err = {0};
    rr_buf_t out = {0};
    assert_rr_ok(rr_arrow_ipc_write_table(&out, schema, batches, n, opts, &err), &err);
    rr_arrow_blob_t *blob = rr_arrow_blob_copy(out.data, out.len);
    rr_buf_free(&out);
    rr_arrow_table_t t;
    assert_rr_ok(rr_arrow_ipc_read_table(blob, &t, &err), &err);
    rr_arrow_blob_release(blob);
    if (!rr_arrow_schema_equal(schema, &t.schema, &err)) fail_msg("schema differs: %s", err.msg);
    assert_int_equal(t.n_batches, n);
    for (int64_t i = 0; i < n; i++)
        if (!rr_arrow_array_equal(schema, &batches[i], &t.schema, &t.batches[i], &err))
            fail_msg("batch %lld differs: %s", (long long)i, err.msg);
    rr_arrow_table_release(&t);
}

static void roundtrip_all_ways(const struct ArrowSchema *schema, const struct ArrowArray *batches,
                               int64_t n) {
    for (int file = 0; file < 2; file++)
        for (int c = 0; c < 3; c++) {
            rr_arrow_ipc_write_options_t o = {.compression = (rr_arrow_compression_t)c,
                                              .file_format = file != 0};
            roundtrip(schema, batches, n, &o);
        }
}

/* ------------------------------------------------------------------ */
/* flatbuffer builder                                                   */

/* Strings whose bytes end exactly at the buffer's capacity once needed room
 * for their length prefix too (a heap overflow before the fix). */
static void test_fb_builder_strings_at_capacity(void **state) {
    (void)state;
    char text[2100];
    memset(text, 'a', sizeof text);
    rr_error_t err = {0};
    for (size_t first = 0; first < 40; first++)
        for (size_t len = 1000; len < 1040; len++) {
            rr_fb_builder_t b;
            rr_fb_init(&b);
            rr_fb_ref_t s0 = rr_fb_create_string(&b, text, first);
            rr_fb_ref_t s1 = rr_fb_create_string(&b, text, len);
            rr_fb_start_table(&b);
            rr_fb_add_ref(&b, 0, s0);
            rr_fb_add_ref(&b, 1, s1);
            rr_fb_ref_t root = rr_fb_end_table(&b);
            const uint8_t *data;
            size_t n;
            assert_rr_ok(rr_fb_finish(&b, root, &data, &n, &err), &err);
            uint8_t *copy = rr_alloc_aligned(n);
            memcpy(copy, data, n);
            rr_fb_table_t t;
            const char *s;
            size_t sl;
            assert_rr_ok(rr_fb_root(copy, n, "root", &t, &err), &err);
            assert_rr_ok(rr_fb_field_string(&t, 1, "s1", &s, &sl, &err), &err);
            assert_int_equal(sl, len);
            assert_rr_ok(rr_fb_field_string(&t, 0, "s0", &s, &sl, &err), &err);
            assert_int_equal(sl, first);
            rr_free_aligned(copy);
            rr_fb_free(&b);
        }
}

static void test_fb_builder_roundtrip(void **state) {
    (void)state;
    rr_fb_builder_t b;
    rr_fb_init(&b);
    rr_error_t err = {0};
    for (int rep = 0; rep < 2; rep++) { /* the second pass reuses the memory */
        rr_fb_reset(&b);
        rr_fb_ref_t name = rr_fb_create_string(&b, "hello", 5);
        int64_t longs[3] = {1, -2, INT64_MAX};
        rr_fb_ref_t vec = rr_fb_create_vector(&b, longs, 3, 8, 8);
        rr_fb_ref_t kids[3];
        for (int i = 0; i < 3; i++) {
            rr_fb_start_table(&b);
            rr_fb_add_i32(&b, 0, 100 + i);
            rr_fb_add_bool(&b, 1, i & 1);
            kids[i] = rr_fb_end_table(&b);
        }
        rr_fb_ref_t kv = rr_fb_create_ref_vector(&b, kids, 3);
        /* A table big enough to grow the buffer several times. */
        char big[5000];
        memset(big, 'x', sizeof big);
        rr_fb_ref_t bigs = rr_fb_create_string(&b, big, sizeof big);
        rr_fb_start_table(&b);
        rr_fb_add_u8(&b, 0, 7);
        rr_fb_add_i64(&b, 1, -5);
        rr_fb_add_ref(&b, 2, name);
        rr_fb_add_ref(&b, 3, vec);
        rr_fb_add_ref(&b, 5, kv); /* slot 4 left absent */
        rr_fb_add_i16(&b, 6, -300);
        rr_fb_add_ref(&b, 7, bigs);
        rr_fb_ref_t root = rr_fb_end_table(&b);
        const uint8_t *data;
        size_t len;
        assert_rr_ok(rr_fb_finish(&b, root, &data, &len, &err), &err);
        assert_int_equal(len % 8, 0);
        /* Read it from an 8-aligned copy, as the IPC framing places it. */
        uint8_t *copy = rr_alloc_aligned(len);
        memcpy(copy, data, len);
        rr_fb_table_t t, kid;
        assert_rr_ok(rr_fb_root(copy, len, "root", &t, &err), &err);
        assert_int_equal(rr_fb_field_u8(&t, 0, 0), 7);
        assert_int_equal(rr_fb_field_i64(&t, 1, 0), -5);
        assert_int_equal(rr_fb_field_i16(&t, 6, 0), -300);
        assert_false(rr_fb_field_present(&t, 4));
        const char *s;
        size_t sl;
        assert_rr_ok(rr_fb_field_string(&t, 2, "name", &s, &sl, &err), &err);
        assert_int_equal(sl, 5);
        assert_memory_equal(s, "hello", 5);
        assert_rr_ok(rr_fb_field_string(&t, 7, "big", &s, &sl, &err), &err);
        assert_int_equal(sl, sizeof big);
        rr_fb_vector_t v;
        assert_rr_ok(rr_fb_field_vector(&t, 3, 8, "vec", &v, &err), &err);
        assert_int_equal(v.len, 3);
        assert_true(((uintptr_t)rr_fb_vector_elem(&v, 0) & 7) == 0);
        for (uint32_t i = 0; i < 3; i++) assert_true(rr_fb_vector_i64(&v, i) == longs[i]);
        assert_rr_ok(rr_fb_field_vector(&t, 5, 4, "kids", &v, &err), &err);
        assert_int_equal(v.len, 3);
        for (uint32_t i = 0; i < 3; i++) {
            assert_rr_ok(rr_fb_vector_table(&v, i, "kid", &kid, &err), &err);
            assert_int_equal(rr_fb_field_i32(&kid, 0, 0), 100 + (int)i);
            assert_int_equal(rr_fb_field_bool(&kid, 1, false), (i & 1) != 0);
        }
        /* The three kids have the same shape: one shared vtable. */
        assert_int_equal(b.n_vtables, 2);
        rr_free_aligned(copy);
    }
    rr_fb_free(&b);
}

/* ------------------------------------------------------------------ */
/* framing                                                              */

static void small_schema_batch(struct ArrowSchema *s, struct ArrowArray *batch, int64_t n) {
    sch(s, "+s", "", 0, 2);
    sch(s->children[0], "i", "ints", ARROW_FLAG_NULLABLE, 0);
    sch(s->children[1], "u", "strs", ARROW_FLAG_NULLABLE, 0);
    struct ArrowArray cols[2];
    uint8_t valid[64];
    for (int i = 0; i < 64; i++) valid[i] = i % 5 != 0;
    mk_fixed(&cols[0], n, 4, valid, 1);
    const char *strs[64];
    for (int i = 0; i < 64; i++) strs[i] = i % 4 == 0 ? NULL : (i % 2 ? "abc" : "hello world");
    mk_str(&cols[1], n, strs, false);
    mk_batch(batch, n, cols, 2);
}

static void test_stream_framing(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray batch;
    small_schema_batch(&s, &batch, 50);
    rr_error_t err = {0};
    for (int align = 8; align <= 128; align *= 4) {
        rr_buf_t out = {0};
        rr_arrow_ipc_write_options_t o = {.alignment = align};
        struct ArrowArray two[2] = {batch, batch};
        assert_rr_ok(rr_arrow_ipc_write_table(&out, &s, two, 2, &o, &err), &err);
        msg_info_t m[8];
        size_t end = 0;
        int n = walk_stream(out.data, out.len, 0, m, 8, &end);
        assert_int_equal(end, out.len);
        assert_int_equal(n, 3);
        assert_int_equal(m[0].header_type, RR_FB_HEADER_SCHEMA);
        assert_int_equal(m[0].body_len, 0);
        for (int i = 1; i < 3; i++) {
            assert_int_equal(m[i].header_type, RR_FB_HEADER_RECORD_BATCH);
            size_t body = m[i].pos + 8 + (size_t)m[i].meta_len;
            assert_int_equal(body % (size_t)align, 0);
            assert_int_equal(m[i].body_len % align, 0);
            assert_int_equal(rr_fb_field_i64(&m[i].header, RR_FB_BATCH_LENGTH, -1), 50);
            rr_fb_vector_t nodes, bufs;
            assert_rr_ok(rr_fb_field_vector(&m[i].header, RR_FB_BATCH_NODES, 16, "nodes", &nodes,
                                            &err),
                         &err);
            assert_rr_ok(rr_fb_field_vector(&m[i].header, RR_FB_BATCH_BUFFERS, 16, "buffers",
                                            &bufs, &err),
                         &err);
            assert_int_equal(nodes.len, 2);
            assert_int_equal(bufs.len, 5);
            assert_int_equal(rr_fb_vector_i64(&nodes, 0), 50);
            assert_int_equal(rr_fb_read_i64(rr_fb_vector_elem(&nodes, 0) + 8), 10); /* i%5==0 */
            assert_int_equal(rr_fb_vector_i64(&nodes, 1), 50);
            assert_int_equal(rr_fb_read_i64(rr_fb_vector_elem(&nodes, 1) + 8), 13); /* i%4==0 */
            for (uint32_t k = 0; k < bufs.len; k++) {
                int64_t off = rr_fb_read_i64(rr_fb_vector_elem(&bufs, k));
                int64_t blen = rr_fb_read_i64(rr_fb_vector_elem(&bufs, k) + 8);
                assert_int_equal(off % align, 0);
                assert_true(off + blen <= m[i].body_len);
            }
            /* ints: validity 7 bytes, data 200 bytes */
            assert_int_equal(rr_fb_read_i64(rr_fb_vector_elem(&bufs, 0) + 8), 7);
            assert_int_equal(rr_fb_read_i64(rr_fb_vector_elem(&bufs, 1) + 8), 200);
            assert_int_equal(rr_fb_read_i64(rr_fb_vector_elem(&bufs, 3) + 8), 51 * 4);
        }
        rr_buf_free(&out);
        roundtrip(&s, &batch, 1, &o);
    }
    rr_arrow_array_release(&batch);
    rr_arrow_schema_release(&s);
}

static void test_file_framing(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray batch;
    small_schema_batch(&s, &batch, 64);
    rr_error_t err = {0};
    rr_buf_t out = {0};
    /* Something already in the buffer: the file starts after it. */
    assert_int_equal(rr_buf_append(&out, "prefix..", 8), RR_OK);
    rr_arrow_ipc_write_options_t o = {.file_format = true};
    struct ArrowArray three[3] = {batch, batch, batch};
    assert_rr_ok(rr_arrow_ipc_write_table(&out, &s, three, 3, &o, &err), &err);
    const uint8_t *d = out.data + 8;
    size_t len = out.len - 8;
    assert_memory_equal(d, "ARROW1\0\0", 8);
    assert_memory_equal(d + len - 6, "ARROW1", 6);
    msg_info_t m[8];
    size_t end = 0;
    int n = walk_stream(d, len, 8, m, 8, &end);
    assert_int_equal(n, 4);
    int32_t flen;
    memcpy(&flen, d + len - 10, 4);
    assert_int_equal(end + (size_t)flen + 10, len);
    assert_int_equal(end % 8, 0);
    rr_fb_table_t footer;
    assert_rr_ok(rr_fb_root(d + end, (size_t)flen, "Footer", &footer, &err), &err);
    assert_int_equal(rr_fb_field_i16(&footer, RR_FB_FOOTER_VERSION, 0), RR_FB_METADATA_V5);
    rr_fb_table_t fs;
    assert_rr_ok(rr_fb_field_table(&footer, RR_FB_FOOTER_SCHEMA, "schema", &fs, &err), &err);
    rr_fb_vector_t fields;
    assert_rr_ok(rr_fb_field_vector(&fs, RR_FB_SCHEMA_FIELDS, 4, "fields", &fields, &err), &err);
    assert_int_equal(fields.len, 2);
    rr_fb_vector_t blocks;
    assert_rr_ok(rr_fb_field_vector(&footer, RR_FB_FOOTER_RECORD_BATCHES, RR_FB_BLOCK_SIZE,
                                    "recordBatches", &blocks, &err),
                 &err);
    assert_int_equal(blocks.len, 3);
    for (uint32_t i = 0; i < 3; i++) {
        const uint8_t *bl = rr_fb_vector_elem(&blocks, i);
        assert_int_equal(rr_fb_read_i64(bl), (int64_t)m[i + 1].pos);
        assert_int_equal(rr_fb_read_i32(bl + 8), m[i + 1].meta_len + 8);
        assert_int_equal(rr_fb_read_i64(bl + 16), m[i + 1].body_len);
    }
    rr_fb_vector_t dblocks;
    assert_rr_ok(rr_fb_field_vector(&footer, RR_FB_FOOTER_DICTIONARIES, RR_FB_BLOCK_SIZE,
                                    "dictionaries", &dblocks, &err),
                 &err);
    assert_int_equal(dblocks.len, 0);
    rr_buf_free(&out);
    rr_arrow_array_release(&batch);
    rr_arrow_schema_release(&s);
}

static void test_empty_table(void **state) {
    (void)state;
    struct ArrowSchema s;
    sch(&s, "+s", "", 0, 1);
    sch(s.children[0], "f", "x", ARROW_FLAG_NULLABLE, 0);
    rr_error_t err = {0};
    for (int file = 0; file < 2; file++) {
        rr_buf_t out = {0};
        rr_arrow_ipc_write_options_t o = {.file_format = file != 0};
        assert_rr_ok(rr_arrow_ipc_write_table(&out, &s, NULL, 0, &o, &err), &err);
        rr_arrow_blob_t *blob = rr_arrow_blob_copy(out.data, out.len);
        rr_arrow_table_t t;
        assert_rr_ok(rr_arrow_ipc_read_table(blob, &t, &err), &err);
        assert_int_equal(t.n_batches, 0);
        assert_true(rr_arrow_schema_equal(&s, &t.schema, &err));
        rr_arrow_table_release(&t);
        rr_arrow_blob_release(blob);
        rr_buf_free(&out);
    }
    rr_arrow_schema_release(&s);
}

/* ------------------------------------------------------------------ */
/* round trips                                                          */

static const struct {
    const char *format;
    int width;
} k_fixed[] = {
    {"c", 1},      {"C", 1},        {"s", 2},        {"S", 2},          {"i", 4},
    {"I", 4},      {"l", 8},        {"L", 8},        {"e", 2},          {"f", 4},
    {"g", 8},      {"w:5", 5},      {"tdD", 4},      {"tdm", 8},        {"tts", 4},
    {"ttm", 4},    {"ttu", 8},      {"ttn", 8},      {"tsu:UTC", 8},    {"tss:", 8},
    {"tsn:Europe/Paris", 8},        {"tDs", 8},      {"tDn", 8},        {"tiM", 4},
    {"tiD", 8},    {"tin", 16},     {"d:9,2,32", 4}, {"d:18,3,64", 8},  {"d:38,4", 16},
    {"d:76,5,256", 32},
};
#define N_FIXED ((int64_t)(sizeof k_fixed / sizeof *k_fixed))

/* Every flat type, each column with and without nulls, whole and sliced at
 * offsets that are not byte multiples. */
static void test_roundtrip_flat_types(void **state) {
    (void)state;
    const int64_t n = 77;
    int64_t nc = N_FIXED + 7;
    struct ArrowSchema s;
    sch(&s, "+s", "", 0, nc);
    rr_arrow_kv_t md = {"purpose", 7, "test", 4};
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_schema_set_metadata(&s, &md, 1, &err), &err);
    struct ArrowArray *cols = calloc((size_t)nc, sizeof *cols);
    uint8_t valid[77];
    for (int i = 0; i < n; i++) valid[i] = (i * 7) % 11 > 2;
    char name[32];
    for (int64_t i = 0; i < N_FIXED; i++) {
        snprintf(name, sizeof name, "col%lld_%s", (long long)i, k_fixed[i].format);
        sch(s.children[i], k_fixed[i].format, name, i % 2 ? ARROW_FLAG_NULLABLE : 0, 0);
        mk_fixed(&cols[i], n, k_fixed[i].width, i % 2 ? valid : NULL, (int)i);
    }
    int64_t k = N_FIXED;
    sch(s.children[k], "b", "bools", ARROW_FLAG_NULLABLE, 0);
    mk_bool(&cols[k++], n, valid);
    sch(s.children[k], "n", "nulls", ARROW_FLAG_NULLABLE, 0);
    mk_null(&cols[k++], n);
    const char *strs[77];
    for (int i = 0; i < n; i++)
        strs[i] = valid[i] ? (i % 3 == 0 ? "" : i % 3 == 1 ? "short" : "a longer string é") : NULL;
    const char *fmts[4] = {"u", "U", "z", "Z"};
    for (int f = 0; f < 4; f++) {
        sch(s.children[k], fmts[f], fmts[f], ARROW_FLAG_NULLABLE, 0);
        mk_str(&cols[k++], n, strs, f % 2 == 1);
    }
    sch(s.children[k], "u", "no_nulls", 0, 0);
    for (int i = 0; i < n; i++) strs[i] = i % 2 ? "x" : "yz";
    mk_str(&cols[k++], n, strs, false);
    assert_int_equal(k, nc);
    struct ArrowArray batch;
    mk_batch(&batch, n, cols, nc);
    free(cols);
    roundtrip_all_ways(&s, &batch, 1);

    /* The whole batch sliced by its own offset. */
    batch.offset = 13;
    batch.length = 51;
    roundtrip_all_ways(&s, &batch, 1);
    /* Each column sliced differently, under a batch offset too. */
    batch.offset = 2;
    batch.length = 40;
    for (int64_t i = 0; i < nc; i++) {
        struct ArrowArray *c = batch.children[i];
        c->offset = (i * 3) % 9 + 1;
        c->length = n - c->offset;
        c->null_count = c->n_buffers > 0 && c->buffers[0] ? -1 : (i == N_FIXED + 1 ? c->length : 0);
    }
    roundtrip_all_ways(&s, &batch, 1);
    rr_arrow_array_release(&batch);
    rr_arrow_schema_release(&s);
}

/* list<fixed_size_list<float32, 3>>, large_list<utf8>, struct<int16, list<bool>>,
 * map<utf8, int32>, unions; sliced at several offsets. */
static void build_nested(struct ArrowSchema *s, struct ArrowArray *batch, int64_t n) {
    sch(s, "+s", "", 0, 6);
    rr_error_t err = {0};
    /* points: list<fsl<f32,3>> */
    sch(s->children[0], "+l", "points", ARROW_FLAG_NULLABLE, 1);
    sch(s->children[0]->children[0], "+w:3", "item", ARROW_FLAG_NULLABLE, 1);
    sch(s->children[0]->children[0]->children[0], "f", "item", 0, 0);
    rr_arrow_kv_t md = {"rerun:component", 15, "Position3D", 10};
    assert_rr_ok(rr_arrow_schema_set_metadata(s->children[0], &md, 1, &err), &err);
    /* names: large_list<utf8> */
    sch(s->children[1], "+L", "names", ARROW_FLAG_NULLABLE, 1);
    sch(s->children[1]->children[0], "u", "item", ARROW_FLAG_NULLABLE, 0);
    /* st: struct<a: int16, b: list<bool>> */
    sch(s->children[2], "+s", "st", ARROW_FLAG_NULLABLE, 2);
    sch(s->children[2]->children[0], "s", "a", ARROW_FLAG_NULLABLE, 0);
    sch(s->children[2]->children[1], "+l", "b", ARROW_FLAG_NULLABLE, 1);
    sch(s->children[2]->children[1]->children[0], "b", "item", ARROW_FLAG_NULLABLE, 0);
    /* map<utf8, int32>, keys sorted */
    sch(s->children[3], "+m", "m", ARROW_FLAG_NULLABLE | ARROW_FLAG_MAP_KEYS_SORTED, 1);
    sch(s->children[3]->children[0], "+s", "entries", 0, 2);
    sch(s->children[3]->children[0]->children[0], "u", "key", 0, 0);
    sch(s->children[3]->children[0]->children[1], "i", "value", ARROW_FLAG_NULLABLE, 0);
    /* sparse union<int32 (code 3), utf8 (code 7)> */
    sch(s->children[4], "+us:3,7", "su", 0, 2);
    sch(s->children[4]->children[0], "i", "i", ARROW_FLAG_NULLABLE, 0);
    sch(s->children[4]->children[1], "u", "s", ARROW_FLAG_NULLABLE, 0);
    /* dense union<float64 (0), fsl<int8, 2> (1)> */
    sch(s->children[5], "+ud:0,1", "du", 0, 2);
    sch(s->children[5]->children[0], "g", "g", ARROW_FLAG_NULLABLE, 0);
    sch(s->children[5]->children[1], "+w:2", "w", ARROW_FLAG_NULLABLE, 1);
    sch(s->children[5]->children[1]->children[0], "c", "item", 0, 0);

    struct ArrowArray cols[6];
    int32_t *sizes = calloc(1, (size_t)n * sizeof *sizes);
    uint8_t *valid = calloc(1, (size_t)n);
    const char **strs = calloc(1, (size_t)(n * 4) * sizeof *strs);
    static const char *words[] = {"alpha", "", "gamma", "delta epsilon", "ζ"};

    /* points */
    int64_t items = 0;
    for (int64_t i = 0; i < n; i++) {
        sizes[i] = i % 7 == 3 ? -1 : (int32_t)(i % 4);
        items += sizes[i] > 0 ? sizes[i] : 0;
    }
    struct ArrowArray f, fsl, tmp[2];
    mk_fixed(&f, items * 3, 4, NULL, 3);
    uint8_t *fvalid = calloc(1, (size_t)items + 1);
    for (int64_t i = 0; i < items; i++) fvalid[i] = i % 9 != 4;
    mk_fsl(&fsl, items, fvalid, &f);
    free(fvalid);
    mk_list(&cols[0], n, sizes, false, &fsl);

    /* names */
    items = 0;
    for (int64_t i = 0; i < n; i++) {
        sizes[i] = i % 5 == 2 ? -1 : (int32_t)(i % 3 + 1);
        items += sizes[i] > 0 ? sizes[i] : 0;
    }
    for (int64_t i = 0; i < items; i++) strs[i] = i % 6 == 5 ? NULL : words[i % 5];
    mk_str(&tmp[0], items, strs, false);
    mk_list(&cols[1], n, sizes, true, &tmp[0]);

    /* st */
    for (int64_t i = 0; i < n; i++) valid[i] = i % 6 != 1;
    mk_fixed(&tmp[0], n, 2, valid, 9);
    items = 0;
    for (int64_t i = 0; i < n; i++) {
        sizes[i] = i % 8 == 0 ? -1 : (int32_t)(i % 5);
        items += sizes[i] > 0 ? sizes[i] : 0;
    }
    uint8_t *bvalid = calloc(1, (size_t)items + 1);
    for (int64_t i = 0; i < items; i++) bvalid[i] = i % 4 != 2;
    mk_bool(&tmp[1], items, bvalid);
    free(bvalid);
    struct ArrowArray lb;
    mk_list(&lb, n, sizes, false, &tmp[1]);
    tmp[1] = lb;
    for (int64_t i = 0; i < n; i++) valid[i] = i % 10 != 9;
    mk_struct(&cols[2], n, valid, tmp, 2);

    /* map */
    items = 0;
    for (int64_t i = 0; i < n; i++) {
        sizes[i] = i % 9 == 4 ? -1 : (int32_t)(i % 3);
        items += sizes[i] > 0 ? sizes[i] : 0;
    }
    for (int64_t i = 0; i < items; i++) strs[i] = words[(i * 3) % 5];
    struct ArrowArray kv[2], entries;
    mk_str(&kv[0], items, strs, false);
    uint8_t *vvalid = calloc(1, (size_t)items + 1);
    for (int64_t i = 0; i < items; i++) vvalid[i] = i % 3 != 0;
    mk_fixed(&kv[1], items, 4, vvalid, 11);
    free(vvalid);
    mk_struct(&entries, items, NULL, kv, 2);
    mk_list(&cols[3], n, sizes, false, &entries);

    /* sparse union */
    int8_t *ids = calloc(1, (size_t)n);
    for (int64_t i = 0; i < n; i++) {
        ids[i] = i % 3 == 0 ? 7 : 3;
        valid[i] = i % 4 != 3;
        strs[i] = i % 5 == 1 ? NULL : words[i % 5];
    }
    mk_fixed(&tmp[0], n, 4, valid, 12);
    mk_str(&tmp[1], n, strs, false);
    mk_union(&cols[4], n, ids, NULL, tmp, 2);

    /* dense union: children of different lengths, offsets into them */
    int32_t *offs = calloc(1, (size_t)n * sizeof *offs);
    int32_t counts[2] = {0, 0};
    for (int64_t i = 0; i < n; i++) {
        ids[i] = (int8_t)(i % 5 == 0 ? 1 : 0);
        offs[i] = counts[ids[i]]++;
    }
    uint8_t *gvalid = calloc(1, (size_t)counts[0] + 1);
    for (int32_t i = 0; i < counts[0]; i++) gvalid[i] = i % 7 != 6;
    mk_fixed(&tmp[0], counts[0], 8, gvalid, 13);
    free(gvalid);
    struct ArrowArray c8;
    mk_fixed(&c8, counts[1] * 2, 1, NULL, 14);
    mk_fsl(&tmp[1], counts[1], NULL, &c8);
    mk_union(&cols[5], n, ids, offs, tmp, 2);

    mk_batch(batch, n, cols, 6);
    free(sizes);
    free(valid);
    free(strs);
    free(ids);
    free(offs);
}

static void test_roundtrip_nested(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray batch;
    build_nested(&s, &batch, 100);
    roundtrip_all_ways(&s, &batch, 1);
    /* Slices of the batch, which slice every column and through them the
     * children (list offsets re-based, fixed-size children cut, bitmaps
     * shifted). */
    static const int64_t cuts[][2] = {{1, 98}, {3, 50}, {17, 0}, {60, 40}, {99, 1}};
    for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
        batch.offset = cuts[c][0];
        batch.length = cuts[c][1];
        roundtrip_all_ways(&s, &batch, 1);
    }
    /* Columns sliced on their own (offsets in the arrays, not the batch). */
    batch.offset = 0;
    batch.length = 60;
    for (int64_t i = 0; i < batch.n_children; i++) {
        batch.children[i]->offset = 5 + i;
        batch.children[i]->length = 100 - 5 - i;
        batch.children[i]->null_count = -1;
    }
    roundtrip_all_ways(&s, &batch, 1);
    rr_arrow_array_release(&batch);
    rr_arrow_schema_release(&s);
}

static void test_roundtrip_null_heavy(void **state) {
    (void)state;
    const int64_t n = 1000;
    struct ArrowSchema s;
    sch(&s, "+s", "", 0, 3);
    sch(s.children[0], "l", "all_null", ARROW_FLAG_NULLABLE, 0);
    sch(s.children[1], "u", "mostly_null", ARROW_FLAG_NULLABLE, 0);
    sch(s.children[2], "+l", "lists", ARROW_FLAG_NULLABLE, 1);
    sch(s.children[2]->children[0], "i", "item", ARROW_FLAG_NULLABLE, 0);
    uint8_t *none = calloc((size_t)n, 1), *rare = calloc((size_t)n, 1);
    for (int64_t i = 0; i < n; i += 97) rare[i] = 1;
    struct ArrowArray cols[3], child;
    mk_fixed(&cols[0], n, 8, none, 0);
    const char **strs = calloc((size_t)n, sizeof *strs);
    for (int64_t i = 0; i < n; i++) strs[i] = rare[i] ? "value" : NULL;
    mk_str(&cols[1], n, strs, false);
    int32_t *sizes = calloc(1, (size_t)n * sizeof *sizes);
    for (int64_t i = 0; i < n; i++) sizes[i] = rare[i] ? 2 : -1;
    mk_fixed(&child, 22, 4, NULL, 5);
    mk_list(&cols[2], n, sizes, false, &child);
    struct ArrowArray batch;
    mk_batch(&batch, n, cols, 3);
    roundtrip_all_ways(&s, &batch, 1);
    batch.offset = 3;
    batch.length = 900;
    roundtrip_all_ways(&s, &batch, 1);
    rr_arrow_array_release(&batch);
    rr_arrow_schema_release(&s);
    free(none);
    free(rare);
    free(strs);
    free(sizes);
}

/* Compression: each buffer has its uncompressed length first, or -1 and the
 * raw bytes when compressing did not help. */
static void test_compression_buffers(void **state) {
    (void)state;
    const int64_t n = 4096;
    struct ArrowSchema s;
    sch(&s, "+s", "", 0, 2);
    sch(s.children[0], "l", "compressible", 0, 0);
    sch(s.children[1], "l", "noise", 0, 0);
    struct ArrowArray cols[2];
    mk_fixed(&cols[0], n, 8, NULL, 0);
    memset((void *)cols[0].buffers[1], 0x11, (size_t)n * 8);
    mk_fixed(&cols[1], n, 8, NULL, 0);
    uint64_t x = 88172645463325252ull;
    uint8_t *noise = (uint8_t *)cols[1].buffers[1];
    for (int64_t i = 0; i < n * 8; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        noise[i] = (uint8_t)x;
    }
    struct ArrowArray batch;
    mk_batch(&batch, n, cols, 2);
    rr_error_t err = {0};
    for (int c = 1; c <= 2; c++) {
        rr_buf_t out = {0};
        rr_arrow_ipc_write_options_t o = {.compression = (rr_arrow_compression_t)c};
        assert_rr_ok(rr_arrow_ipc_write_table(&out, &s, &batch, 1, &o, &err), &err);
        msg_info_t m[4];
        size_t end;
        assert_int_equal(walk_stream(out.data, out.len, 0, m, 4, &end), 2);
        rr_fb_table_t comp;
        assert_rr_ok(rr_fb_field_table(&m[1].header, RR_FB_BATCH_COMPRESSION, "compression",
                                       &comp, &err),
                     &err);
        assert_true(rr_fb_table_present(&comp));
        assert_int_equal(rr_fb_field_u8(&comp, RR_FB_COMPRESSION_CODEC, 99),
                         c == 1 ? RR_FB_CODEC_LZ4_FRAME : RR_FB_CODEC_ZSTD);
        rr_fb_vector_t bufs;
        assert_rr_ok(rr_fb_field_vector(&m[1].header, RR_FB_BATCH_BUFFERS, 16, "buffers", &bufs,
                                        &err),
                     &err);
        assert_int_equal(bufs.len, 4);
        const uint8_t *body = out.data + m[1].pos + 8 + m[1].meta_len;
        /* validity buffers omitted: length 0 */
        assert_int_equal(rr_fb_read_i64(rr_fb_vector_elem(&bufs, 0) + 8), 0);
        assert_int_equal(rr_fb_read_i64(rr_fb_vector_elem(&bufs, 2) + 8), 0);
        int64_t off1 = rr_fb_read_i64(rr_fb_vector_elem(&bufs, 1));
        int64_t len1 = rr_fb_read_i64(rr_fb_vector_elem(&bufs, 1) + 8);
        assert_int_equal(rr_fb_read_i64(body + off1), n * 8);
        assert_true(len1 < n * 8 / 10);
        int64_t off3 = rr_fb_read_i64(rr_fb_vector_elem(&bufs, 3));
        int64_t len3 = rr_fb_read_i64(rr_fb_vector_elem(&bufs, 3) + 8);
        assert_int_equal(rr_fb_read_i64(body + off3), -1);
        assert_int_equal(len3, n * 8 + 8);
        assert_memory_equal(body + off3 + 8, noise, (size_t)n * 8);
        rr_buf_free(&out);
    }
    roundtrip_all_ways(&s, &batch, 1);
    rr_arrow_array_release(&batch);
    rr_arrow_schema_release(&s);
}

/* ------------------------------------------------------------------ */
/* dictionaries                                                         */

static void dict_schema(struct ArrowSchema *s) {
    rr_error_t err = {0};
    sch(s, "+s", "", 0, 2);
    sch(s->children[0], "i", "color", ARROW_FLAG_NULLABLE | ARROW_FLAG_DICTIONARY_ORDERED, 0);
    struct ArrowSchema *d = rr_arrow_schema_add_dictionary(s->children[0], &err);
    assert_non_null(d);
    sch(d, "u", "", ARROW_FLAG_NULLABLE, 0);
    /* a list of dictionary-encoded int64 */
    sch(s->children[1], "+l", "tags", ARROW_FLAG_NULLABLE, 1);
    sch(s->children[1]->children[0], "i", "item", ARROW_FLAG_NULLABLE, 0);
    d = rr_arrow_schema_add_dictionary(s->children[1]->children[0], &err);
    assert_non_null(d);
    sch(d, "l", "", ARROW_FLAG_NULLABLE, 0); /* IPC keeps no flags for values: readers say nullable */
}

/* A batch whose color dictionary holds words[0..n_words) and whose tags
 * dictionary holds tag_len values of seed tag_seed. */
static void dict_batch(struct ArrowArray *b, const char *const *words, int64_t n_words,
                       int64_t tag_len, int tag_seed) {
    struct ArrowArray cols[2], dict, idx, tags;
    mk_str(&dict, n_words, words, false);
    int32_t ix[10];
    for (int i = 0; i < 10; i++) ix[i] = i == 4 ? -1 : (int32_t)((i * 3) % n_words);
    mk_dict(&cols[0], 10, ix, &dict);
    mk_fixed(&tags, tag_len, 8, NULL, tag_seed);
    int32_t tix[15];
    for (int i = 0; i < 15; i++) tix[i] = (int32_t)((i * 5) % tag_len);
    mk_dict(&idx, 15, tix, &tags);
    int32_t sizes[10] = {1, 2, 0, -1, 3, 1, 2, 1, 3, 2};
    mk_list(&cols[1], 10, sizes, false, &idx);
    mk_batch(b, 10, cols, 2);
}

/* Counts DictionaryBatch messages in a stream and their delta flags. */
static int count_dict_messages(const uint8_t *d, size_t len, size_t start, int *n_delta) {
    msg_info_t m[32];
    size_t end;
    int n = walk_stream(d, len, start, m, 32, &end), k = 0;
    *n_delta = 0;
    for (int i = 0; i < n; i++) {
        if (m[i].header_type != RR_FB_HEADER_DICTIONARY_BATCH) continue;
        k++;
        if (rr_fb_field_bool(&m[i].header, RR_FB_DICT_BATCH_IS_DELTA, false)) (*n_delta)++;
    }
    return k;
}

static void test_dictionaries(void **state) {
    (void)state;
    struct ArrowSchema s;
    dict_schema(&s);
    static const char *w1[] = {"red", "green", "blue"};
    static const char *w2[] = {"red", "green", "blue", "cyan", "magenta"}; /* extends w1 */
    static const char *w3[] = {"black", "white"};                          /* replaces */
    struct ArrowArray b[4];
    dict_batch(&b[0], w1, 3, 6, 1);
    dict_batch(&b[1], w1, 3, 6, 1); /* same content, other buffers: not resent */
    dict_batch(&b[2], w2, 5, 6, 1); /* color: delta */
    dict_batch(&b[3], w3, 2, 6, 1); /* color: replacement */
    rr_error_t err = {0};
    rr_buf_t out = {0};
    rr_arrow_ipc_write_options_t o = {0};
    assert_rr_ok(rr_arrow_ipc_write_table(&out, &s, b, 4, &o, &err), &err);
    int n_delta;
    /* batch 0: both dictionaries; batch 2: color delta; batch 3: color replacement */
    assert_int_equal(count_dict_messages(out.data, out.len, 0, &n_delta), 4);
    assert_int_equal(n_delta, 1);
    rr_buf_free(&out);
    roundtrip(&s, b, 4, &o);
    o.compression = RR_ARROW_COMPRESSION_ZSTD;
    roundtrip(&s, b, 4, &o);

    /* File format: deltas are fine, replacements are not. */
    o.file_format = true;
    roundtrip(&s, b, 3, &o);
    assert_int_equal(rr_arrow_ipc_write_table(&out, &s, b, 4, &o, &err), RR_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "color"));
    assert_int_equal(out.len, 0);
    /* The same failure through the writer API leaves earlier output intact. */
    rr_arrow_ipc_writer_t *w;
    assert_rr_ok(rr_arrow_ipc_writer_open(&out, &s, &o, &w, &err), &err);
    for (int i = 0; i < 3; i++) assert_rr_ok(rr_arrow_ipc_writer_write(w, &b[i], &err), &err);
    size_t before = out.len;
    assert_int_equal(rr_arrow_ipc_writer_write(w, &b[3], &err), RR_ERR_UNSUPPORTED);
    assert_int_equal(out.len, before);
    assert_rr_ok(rr_arrow_ipc_writer_finish(w, &err), &err);
    int n_dict_file = count_dict_messages(out.data, out.len, 8, &n_delta);
    assert_int_equal(n_dict_file, 3);
    assert_int_equal(n_delta, 1);
    rr_buf_free(&out);

    /* A changed tags dictionary (same length, other values) nested in a list. */
    struct ArrowArray b2[2];
    dict_batch(&b2[0], w1, 3, 6, 1);
    dict_batch(&b2[1], w1, 3, 6, 2);
    o = (rr_arrow_ipc_write_options_t){0};
    assert_rr_ok(rr_arrow_ipc_write_table(&out, &s, b2, 2, &o, &err), &err);
    assert_int_equal(count_dict_messages(out.data, out.len, 0, &n_delta), 3);
    assert_int_equal(n_delta, 0);
    rr_buf_free(&out);
    roundtrip(&s, b2, 2, &o);

    /* Sliced dictionary-encoded columns. */
    b2[0].offset = 2;
    b2[0].length = 7;
    roundtrip_all_ways(&s, b2, 1);

    for (int i = 0; i < 4; i++) rr_arrow_array_release(&b[i]);
    for (int i = 0; i < 2; i++) rr_arrow_array_release(&b2[i]);
    rr_arrow_schema_release(&s);
}

/* Dictionaries that are slices of a bigger array: a prefix then the whole
 * (a delta), and a window that moves (a replacement). */
static void test_dictionary_slices(void **state) {
    (void)state;
    struct ArrowSchema s;
    dict_schema(&s);
    static const char *w[] = {"red", "green", "blue", "cyan", "magenta"};
    struct ArrowArray b[3];
    for (int i = 0; i < 3; i++) dict_batch(&b[i], w, 5, 6, 1);
    /* batch 0: color dictionary = w[0..3), indices kept below 3 */
    struct ArrowArray *col = b[0].children[0];
    col->dictionary->length = 3;
    col->dictionary->null_count = -1;
    int32_t *ix = (int32_t *)col->buffers[1];
    for (int64_t i = 0; i < col->length; i++) ix[i] %= 3;
    /* batch 2: color dictionary = w[1..4) */
    col = b[2].children[0];
    col->dictionary->offset = 1;
    col->dictionary->length = 3;
    col->dictionary->null_count = -1;
    ix = (int32_t *)col->buffers[1];
    for (int64_t i = 0; i < col->length; i++) ix[i] %= 3;

    rr_error_t err = {0};
    rr_buf_t out = {0};
    rr_arrow_ipc_write_options_t o = {.compression = RR_ARROW_COMPRESSION_LZ4_FRAME};
    assert_rr_ok(rr_arrow_ipc_write_table(&out, &s, b, 3, &o, &err), &err);
    int n_delta;
    /* batch 0: color + tags; batch 1: color delta; batch 2: color replacement */
    assert_int_equal(count_dict_messages(out.data, out.len, 0, &n_delta), 4);
    assert_int_equal(n_delta, 1);
    rr_buf_free(&out);
    roundtrip(&s, b, 3, &o);
    o.file_format = true;
    roundtrip(&s, b, 2, &o);
    assert_int_equal(rr_arrow_ipc_write_table(&out, &s, b, 3, &o, &err), RR_ERR_UNSUPPORTED);
    assert_int_equal(out.len, 0);
    rr_buf_free(&out);
    for (int i = 0; i < 3; i++) rr_arrow_array_release(&b[i]);
    rr_arrow_schema_release(&s);
}

/* Field and schema metadata, names, nullability and the dictionary flags
 * reach the schema message. */
static void test_schema_details(void **state) {
    (void)state;
    struct ArrowSchema s;
    dict_schema(&s);
    rr_error_t err = {0};
    rr_arrow_kv_t kv[2] = {{"k1", 2, "v1", 2}, {"empty", 5, "", 0}};
    assert_rr_ok(rr_arrow_schema_set_metadata(&s, kv, 2, &err), &err);
    assert_rr_ok(rr_arrow_schema_set_metadata(s.children[1], kv, 1, &err), &err);
    rr_buf_t out = {0};
    rr_arrow_ipc_writer_t *w;
    assert_rr_ok(rr_arrow_ipc_writer_open(&out, &s, NULL, &w, &err), &err);
    assert_rr_ok(rr_arrow_ipc_writer_finish(w, &err), &err);
    msg_info_t m[2];
    size_t end;
    assert_int_equal(walk_stream(out.data, out.len, 0, m, 2, &end), 1);
    rr_fb_vector_t md, fields;
    assert_rr_ok(rr_fb_field_vector(&m[0].header, RR_FB_SCHEMA_CUSTOM_METADATA, 4, "md", &md, &err),
                 &err);
    assert_int_equal(md.len, 2);
    assert_rr_ok(rr_fb_field_vector(&m[0].header, RR_FB_SCHEMA_FIELDS, 4, "fields", &fields, &err),
                 &err);
    rr_fb_table_t color, dict, index;
    assert_rr_ok(rr_fb_vector_table(&fields, 0, "color", &color, &err), &err);
    assert_true(rr_fb_field_bool(&color, RR_FB_FIELD_NULLABLE, false));
    assert_int_equal(rr_fb_field_u8(&color, RR_FB_FIELD_TYPE_TYPE, 0), RR_FB_TYPE_UTF8);
    assert_rr_ok(rr_fb_field_table(&color, RR_FB_FIELD_DICTIONARY, "dict", &dict, &err), &err);
    assert_int_equal(rr_fb_field_i64(&dict, RR_FB_DICT_ID, -1), 0);
    assert_true(rr_fb_field_bool(&dict, RR_FB_DICT_IS_ORDERED, false));
    assert_rr_ok(rr_fb_field_table(&dict, RR_FB_DICT_INDEX_TYPE, "index", &index, &err), &err);
    assert_int_equal(rr_fb_field_i32(&index, RR_FB_INT_BIT_WIDTH, 0), 32);
    assert_true(rr_fb_field_bool(&index, RR_FB_INT_IS_SIGNED, false));
    rr_buf_free(&out);

    /* The reader gives the same schema back (names, flags, metadata, dictionaries). */
    rr_arrow_ipc_write_options_t o = {0};
    roundtrip(&s, NULL, 0, &o);
    rr_arrow_schema_release(&s);
}

/* ------------------------------------------------------------------ */
/* bad arguments                                                        */

static void expect_invalid(const struct ArrowSchema *s, const struct ArrowArray *b,
                           const char *needle) {
    rr_error_t err = {0};
    rr_buf_t out = {0};
    rr_status_t st = rr_arrow_ipc_write_table(&out, s, b, 1, NULL, &err);
    if (st != RR_ERR_INVALID_ARG) fail_msg("expected invalid arg, got %d: %s", (int)st, err.msg);
    if (!strstr(err.msg, needle)) fail_msg("'%s' does not name '%s'", err.msg, needle);
    assert_int_equal(out.len, 0);
    rr_buf_free(&out);
}

static void test_bad_arguments(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray batch;
    build_nested(&s, &batch, 20);
    rr_error_t err = {0};
    rr_buf_t out = {0};

    /* released batch, NULL schema, non-struct schema, bad alignment */
    struct ArrowArray dead = {0};
    expect_invalid(&s, &dead, "released");
    assert_int_equal(rr_arrow_ipc_write_table(&out, NULL, &batch, 1, NULL, &err), RR_ERR_INVALID_ARG);
    rr_arrow_ipc_write_options_t o = {.alignment = 12};
    assert_int_equal(rr_arrow_ipc_write_table(&out, &s, &batch, 1, &o, &err), RR_ERR_INVALID_ARG);
    struct ArrowSchema *c0 = s.children[0];
    const char *fmt = c0->format;
    c0->format = "+x"; /* a schema we cannot parse */
    assert_int_not_equal(rr_arrow_ipc_write_table(&out, &s, &batch, 1, NULL, &err), RR_OK);
    assert_non_null(strstr(err.msg, "points"));
    c0->format = fmt;
    assert_int_equal(out.len, 0);

    /* column count */
    batch.n_children = 5;
    expect_invalid(&s, &batch, "columns");
    batch.n_children = 6;

    /* a released column */
    struct ArrowArray *col = batch.children[2];
    void (*rel)(struct ArrowArray *) = col->release;
    col->release = NULL;
    expect_invalid(&s, &batch, "st");
    col->release = rel;

    /* a nested array with the wrong child count */
    struct ArrowArray *st = batch.children[2];
    st->n_children = 1;
    expect_invalid(&s, &batch, "column 'st'");
    st->n_children = 2;

    /* wrong buffer count deep inside */
    struct ArrowArray *names_items = batch.children[1]->children[0];
    names_items->n_buffers = 2;
    expect_invalid(&s, &batch, "names");
    names_items->n_buffers = 3;

    /* list offsets past the child's end */
    struct ArrowArray *pts = batch.children[0];
    int32_t *offs = (int32_t *)pts->buffers[1];
    int32_t saved = offs[20];
    offs[20] = 1000000;
    expect_invalid(&s, &batch, "points");
    offs[20] = saved;

    /* a batch longer than a column */
    batch.length = 25;
    expect_invalid(&s, &batch, "column");
    batch.length = 20;

    /* null_count without a bitmap */
    struct ArrowArray *a = batch.children[2]->children[0];
    const void *vb = a->buffers[0];
    a->buffers[0] = NULL;
    a->null_count = 3;
    expect_invalid(&s, &batch, "st");
    a->buffers[0] = vb;
    a->null_count = -1;

    /* The good batch still goes through after all that. */
    roundtrip(&s, &batch, 1, NULL);

    /* dictionary-encoded column without its dictionary */
    struct ArrowSchema ds;
    dict_schema(&ds);
    struct ArrowArray db;
    static const char *w1[] = {"a", "b", "c"};
    dict_batch(&db, w1, 3, 4, 0);
    struct ArrowArray *saved_dict = db.children[0]->dictionary;
    db.children[0]->dictionary = NULL;
    expect_invalid(&ds, &db, "color");
    db.children[0]->dictionary = saved_dict;
    roundtrip(&ds, &db, 1, NULL);
    rr_arrow_array_release(&db);
    rr_arrow_schema_release(&ds);

    /* A writer after a failure keeps working for good batches. */
    rr_arrow_ipc_writer_t *w;
    assert_rr_ok(rr_arrow_ipc_writer_open(&out, &s, NULL, &w, &err), &err);
    batch.n_children = 2;
    assert_int_equal(rr_arrow_ipc_writer_write(w, &batch, &err), RR_ERR_INVALID_ARG);
    batch.n_children = 6;
    assert_rr_ok(rr_arrow_ipc_writer_write(w, &batch, &err), &err);
    assert_rr_ok(rr_arrow_ipc_writer_finish(w, &err), &err);
    rr_arrow_blob_t *blob = rr_arrow_blob_copy(out.data, out.len);
    rr_arrow_table_t t;
    assert_rr_ok(rr_arrow_ipc_read_table(blob, &t, &err), &err);
    assert_int_equal(t.n_batches, 1);
    rr_arrow_table_release(&t);
    rr_arrow_blob_release(blob);
    rr_buf_free(&out);

    rr_arrow_array_release(&batch);
    rr_arrow_schema_release(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fb_builder_roundtrip),
        cmocka_unit_test(test_fb_builder_strings_at_capacity),
        cmocka_unit_test(test_stream_framing),
        cmocka_unit_test(test_file_framing),
        cmocka_unit_test(test_empty_table),
        cmocka_unit_test(test_roundtrip_flat_types),
        cmocka_unit_test(test_roundtrip_nested),
        cmocka_unit_test(test_roundtrip_null_heavy),
        cmocka_unit_test(test_compression_buffers),
        cmocka_unit_test(test_dictionaries),
        cmocka_unit_test(test_dictionary_slices),
        cmocka_unit_test(test_schema_details),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
