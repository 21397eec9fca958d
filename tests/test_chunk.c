/* Tests of chunks: building, helpers, the sorbet record batch form (every
 * metadata key checked against Rerun 0.33's values), IPC round trips with and
 * without compression, and malformed batches rejected with clear errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/compare.h"
#include "arrow/ipc.h"
#include "arrow/kernels.h"
#include "arrow/schema.h"
#include "base/mem.h"
#include "model/chunk.h"
#include "testutil.h"

/* list<item: fixed_size_list<item: float, 3>>, Points3D:positions' type. */
static void positions_type(struct ArrowSchema *s) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_schema_init(s, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(s->children[0], "+w:3", "item", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(s->children[0]->children[0], "f", "item", 0, 0, &err), &err);
}

/* list<item: utf8>, a text component. */
static void text_type(struct ArrowSchema *s) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_schema_init(s, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(s->children[0], "u", "item", ARROW_FLAG_NULLABLE, 0, &err), &err);
}

/* Rows: row r has r points (row 1 is null: no data). */
static void positions_array(const struct ArrowSchema *type, int64_t rows, struct ArrowArray *out) {
    rr_error_t err = {0};
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(type, &b, &err), &err);
    rr_arrow_builder_t *pts = rr_arrow_builder_child(b, 0);
    rr_arrow_builder_t *xyz = rr_arrow_builder_child(pts, 0);
    for (int64_t r = 0; r < rows; r++) {
        if (r == 1) {
            assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
            continue;
        }
        for (int64_t k = 0; k < r; k++) {
            for (int d = 0; d < 3; d++)
                assert_rr_ok(rr_arrow_builder_append_double(xyz, (double)(r * 10 + k + d), &err), &err);
            assert_rr_ok(rr_arrow_builder_finish_element(pts, &err), &err);
        }
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    }
    assert_rr_ok(rr_arrow_builder_finish(b, out, &err), &err);
    rr_arrow_builder_free(b);
}

static void text_array(const struct ArrowSchema *type, int64_t rows, struct ArrowArray *out) {
    rr_error_t err = {0};
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(type, &b, &err), &err);
    rr_arrow_builder_t *s = rr_arrow_builder_child(b, 0);
    for (int64_t r = 0; r < rows; r++) {
        char buf[32];
        snprintf(buf, sizeof buf, "line %lld", (long long)r);
        assert_rr_ok(rr_arrow_builder_append_str(s, buf, strlen(buf), &err), &err);
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    }
    assert_rr_ok(rr_arrow_builder_finish(b, out, &err), &err);
    rr_arrow_builder_free(b);
}

/* A chunk on /world/points\ a with frame (sequence) and log_time (timestamp)
 * timelines, positions and text components. */
static rr_chunk_t *make_chunk(int64_t rows, bool with_time) {
    rr_error_t err = {0};
    rr_entity_path_t path;
    assert_rr_ok(rr_entity_path_parse("/world/points\\ a", 16, &path, &err), &err);
    rr_tuid_t *ids = malloc((size_t)(rows ? rows : 1) * sizeof *ids);
    for (int64_t i = 0; i < rows; i++) ids[i] = (rr_tuid_t){1000 + (uint64_t)i, 7};
    rr_chunk_t *c;
    assert_rr_ok(rr_chunk_new((rr_tuid_t){0x182342300c5f8c32ull, 0x7a7b4a6e5a379ac4ull}, &path,
                              rows, ids, &c, &err), &err);
    free(ids);
    rr_entity_path_free(&path);
    if (with_time) {
        int64_t *frames = malloc((size_t)(rows ? rows : 1) * 8), *ts = malloc((size_t)(rows ? rows : 1) * 8);
        for (int64_t i = 0; i < rows; i++) {
            frames[i] = i;
            ts[i] = 1700000000000000000ll - i; /* descending: not sorted */
        }
        assert_rr_ok(rr_chunk_add_index(c, "log_time", RR_TIME_TIMESTAMP_NS, ts, &err), &err);
        assert_rr_ok(rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, frames, &err), &err);
        free(frames);
        free(ts);
    }
    struct ArrowSchema pt, tt;
    struct ArrowArray pa, ta;
    positions_type(&pt);
    text_type(&tt);
    positions_array(&pt, rows, &pa);
    text_array(&tt, rows, &ta);
    rr_component_descriptor_t dp, dt;
    assert_rr_ok(rr_component_descriptor_init(&dp, "rerun.archetypes.Points3D", "Points3D:positions",
                                              "rerun.components.Position3D", &err), &err);
    assert_rr_ok(rr_component_descriptor_init(&dt, NULL, "my_text", NULL, &err), &err);
    assert_rr_ok(rr_chunk_add_component(c, &dt, &tt, &ta, &err), &err);
    assert_rr_ok(rr_chunk_add_component(c, &dp, &pt, &pa, &err), &err);
    rr_component_descriptor_free(&dp);
    rr_component_descriptor_free(&dt);
    rr_arrow_schema_release(&pt);
    rr_arrow_schema_release(&tt);
    return c;
}

static void expect_meta(const char *md, const char *key, const char *value) {
    rr_arrow_kv_t kv;
    if (!rr_arrow_metadata_find(md, key, &kv)) fail_msg("metadata key '%s' missing", key);
    if (kv.value_len != (int32_t)strlen(value) || memcmp(kv.value, value, strlen(value)) != 0)
        fail_msg("metadata '%s' = '%.*s', expected '%s'", key, kv.value_len, kv.value, value);
}

static void expect_no_meta(const char *md, const char *key) {
    rr_arrow_kv_t kv;
    if (md && rr_arrow_metadata_find(md, key, &kv)) fail_msg("metadata key '%s' present", key);
}

static void test_build_and_helpers(void **state) {
    (void)state;
    rr_chunk_t *c = make_chunk(5, true);
    assert_int_equal(rr_chunk_num_rows(c), 5);
    assert_false(rr_chunk_is_static(c));
    assert_true(c->is_sorted);
    assert_int_equal(c->n_indexes, 2);
    assert_string_equal(c->indexes[0].timeline.name, "frame"); /* sorted by name */
    assert_string_equal(c->indexes[1].timeline.name, "log_time");
    assert_true(c->indexes[0].is_sorted);
    assert_false(c->indexes[1].is_sorted);
    rr_time_range_t r;
    assert_true(rr_chunk_time_range(c, "frame", &r));
    assert_true(r.min == 0 && r.max == 4);
    assert_true(rr_chunk_time_range(c, "log_time", &r));
    assert_true(r.min == 1700000000000000000ll - 4 && r.max == 1700000000000000000ll);
    assert_false(rr_chunk_time_range(c, "nope", &r));
    assert_true(rr_time_range_is_empty(r));
    /* components sorted by descriptor: no archetype first */
    assert_int_equal(c->n_components, 2);
    assert_string_equal(c->components[0].descr.component, "my_text");
    assert_string_equal(c->components[1].descr.component, "Points3D:positions");
    assert_non_null(rr_chunk_find_component(c, "Points3D:positions"));
    assert_null(rr_chunk_find_component(c, "nope"));
    rr_tuid_t id = rr_chunk_row_id(c, 3);
    assert_true(id.time_ns == 1003 && id.inc == 7);
    assert_int_equal(rr_chunk_index_value(rr_chunk_find_index(c, "frame"), 2), 2);
    assert_true(rr_chunk_byte_size(c) > 5 * (16 + 16));

    rr_error_t err = {0};
    /* repeated timeline and component, wrong lengths, static marker */
    int64_t t[5] = {0, 1, 2, 3, 4};
    assert_int_equal(rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, t, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "'frame' was specified more than once"));
    t[2] = RR_TIME_STATIC;
    assert_int_equal(rr_chunk_add_index(c, "other", RR_TIME_SEQUENCE, t, &err), RR_ERR_INVALID_ARG);
    struct ArrowSchema tt;
    struct ArrowArray ta;
    text_type(&tt);
    text_array(&tt, 4, &ta);
    rr_component_descriptor_t d;
    assert_rr_ok(rr_component_descriptor_init(&d, NULL, "other", NULL, &err), &err);
    assert_int_equal(rr_chunk_add_component(c, &d, &tt, &ta, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "'other' has 4 rows, the chunk 5"));
    assert_null(ta.release); /* taken even on failure */
    text_array(&tt, 5, &ta);
    rr_component_descriptor_free(&d);
    assert_rr_ok(rr_component_descriptor_init(&d, "x", "my_text", NULL, &err), &err);
    assert_int_equal(rr_chunk_add_component(c, &d, &tt, &ta, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "'my_text' was specified more than once"));
    rr_component_descriptor_free(&d);
    rr_arrow_schema_release(&tt);
    rr_chunk_free(c);

    /* fresh row ids are increasing; no index: static */
    rr_entity_path_t root;
    assert_rr_ok(rr_entity_path_root(&root, &err), &err);
    assert_rr_ok(rr_chunk_new(rr_tuid_new(), &root, 3, NULL, &c, &err), &err);
    assert_true(rr_chunk_is_static(c));
    assert_true(c->is_sorted);
    assert_true(rr_tuid_cmp(rr_chunk_row_id(c, 0), rr_chunk_row_id(c, 2)) < 0);
    rr_chunk_free(c);
    rr_entity_path_free(&root);
}

static void test_record_batch_schema(void **state) {
    (void)state;
    rr_chunk_t *c = make_chunk(4, true);
    rr_error_t err = {0};
    struct ArrowSchema s;
    struct ArrowArray b;
    assert_rr_ok(rr_chunk_to_record_batch(c, &s, &b, &err), &err);
    assert_string_equal(s.format, "+s");
    assert_int_equal(rr_arrow_metadata_count(s.metadata), 3);
    expect_meta(s.metadata, "sorbet:version", "0.1.3");
    expect_meta(s.metadata, "rerun:id", "chunk_182342300C5F8C327a7b4a6e5a379ac4");
    expect_meta(s.metadata, "rerun:entity_path", "/world/points\\ a");
    assert_int_equal(s.n_children, 5);
    assert_int_equal(b.length, 4);

    const struct ArrowSchema *f = s.children[0];
    assert_string_equal(f->name, "rerun.controls.RowId");
    assert_string_equal(f->format, "w:16");
    assert_int_equal(f->flags & ARROW_FLAG_NULLABLE, 0);
    assert_int_equal(rr_arrow_metadata_count(f->metadata), 4);
    expect_meta(f->metadata, "rerun:kind", "control");
    expect_meta(f->metadata, "ARROW:extension:name", "rerun.datatypes.TUID");
    expect_meta(f->metadata, "ARROW:extension:metadata", "{\"namespace\":\"row\"}");
    expect_meta(f->metadata, "rerun:is_sorted", "true");
    /* row ids big-endian */
    const uint8_t *rid = (const uint8_t *)b.children[0]->buffers[1];
    assert_int_equal(rid[7], 0xE8); /* 1000 = 0x3E8 */
    assert_int_equal(rid[6], 0x03);
    assert_int_equal(rid[15], 7);

    f = s.children[1];
    assert_string_equal(f->name, "frame");
    assert_string_equal(f->format, "l");
    assert_true(f->flags & ARROW_FLAG_NULLABLE);
    assert_int_equal(rr_arrow_metadata_count(f->metadata), 3);
    expect_meta(f->metadata, "rerun:kind", "index");
    expect_meta(f->metadata, "rerun:index_name", "frame");
    expect_meta(f->metadata, "rerun:is_sorted", "true");
    f = s.children[2];
    assert_string_equal(f->name, "log_time");
    assert_string_equal(f->format, "tsn:");
    assert_int_equal(rr_arrow_metadata_count(f->metadata), 2);
    expect_meta(f->metadata, "rerun:index_name", "log_time");
    expect_no_meta(f->metadata, "rerun:is_sorted");

    f = s.children[3];
    assert_string_equal(f->name, "my_text");
    assert_string_equal(f->format, "+l");
    assert_true(f->flags & ARROW_FLAG_NULLABLE);
    assert_int_equal(rr_arrow_metadata_count(f->metadata), 2);
    expect_meta(f->metadata, "rerun:kind", "data");
    expect_meta(f->metadata, "rerun:component", "my_text");
    expect_no_meta(f->metadata, "rerun:archetype");
    f = s.children[4];
    assert_string_equal(f->name, "Points3D:positions");
    assert_int_equal(rr_arrow_metadata_count(f->metadata), 4);
    expect_meta(f->metadata, "rerun:kind", "data");
    expect_meta(f->metadata, "rerun:component", "Points3D:positions");
    expect_meta(f->metadata, "rerun:archetype", "rerun.archetypes.Points3D");
    expect_meta(f->metadata, "rerun:component_type", "rerun.components.Position3D");
    expect_no_meta(f->metadata, "rerun:is_static");
    expect_no_meta(f->metadata, "rerun:entity_path");
    assert_string_equal(f->children[0]->format, "+w:3");

    rr_arrow_schema_release(&s);
    rr_arrow_array_release(&b);
    rr_chunk_free(c);
}

/* chunk -> batch -> IPC bytes -> batch -> chunk, equal to the original. */
static void ipc_roundtrip(const rr_chunk_t *c, rr_arrow_compression_t comp) {
    rr_error_t err = {0};
    struct ArrowSchema s;
    struct ArrowArray b;
    assert_rr_ok(rr_chunk_to_record_batch(c, &s, &b, &err), &err);
    rr_buf_t out = {0};
    rr_arrow_ipc_write_options_t o = {.compression = comp};
    assert_rr_ok(rr_arrow_ipc_write_table(&out, &s, &b, 1, &o, &err), &err);
    rr_arrow_schema_release(&s);
    rr_arrow_array_release(&b);
    rr_arrow_blob_t *blob = rr_arrow_blob_copy(out.data, out.len);
    rr_buf_free(&out);
    rr_arrow_table_t t;
    assert_rr_ok(rr_arrow_ipc_read_table(blob, &t, &err), &err);
    rr_arrow_blob_release(blob);
    assert_int_equal(t.n_batches, 1);
    rr_chunk_t *back;
    assert_rr_ok(rr_chunk_from_record_batch(&t.schema, &t.batches[0], &back, &err), &err);
    assert_null(t.batches[0].release);
    if (!rr_chunk_equal(c, back, &err)) fail_msg("chunk differs after IPC: %s", err.msg);
    /* and its batch again equals the first one, schema included */
    struct ArrowSchema s2;
    struct ArrowArray b2;
    assert_rr_ok(rr_chunk_to_record_batch(back, &s2, &b2, &err), &err);
    if (!rr_arrow_schema_equal(&t.schema, &s2, &err)) fail_msg("schema differs: %s", err.msg);
    rr_arrow_schema_release(&s2);
    rr_arrow_array_release(&b2);
    rr_chunk_free(back);
    rr_arrow_table_release(&t);
}

static void test_ipc_roundtrip(void **state) {
    (void)state;
    int64_t sizes[] = {0, 1, 4, 1000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int st = 0; st < 2; st++) {
            rr_chunk_t *c = make_chunk(sizes[i], st == 0);
            ipc_roundtrip(c, RR_ARROW_COMPRESSION_NONE);
            ipc_roundtrip(c, RR_ARROW_COMPRESSION_LZ4_FRAME);
            rr_chunk_free(c);
        }
}

/* ---- packed chunks ---- */

static void scalar_type(struct ArrowSchema *s) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_schema_init(s, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(s->children[0], "g", "item", ARROW_FLAG_NULLABLE, 0, &err), &err);
}

/* Row r (first <= r < first + rows): row id 1000 + r, frame r, log_time
 * descending; positions: r % 3 points, null at r == 1; scalars: r / 2 with
 * a null list at r == 3 and a null value inside at r == 4. Rows first.. of
 * any such chunk equal the same rows of any other. */
static void fixed_columns(int64_t first, int64_t rows, struct ArrowSchema *pt, struct ArrowArray *pa,
                          struct ArrowSchema *st, struct ArrowArray *sa) {
    rr_error_t err = {0};
    positions_type(pt);
    scalar_type(st);
    rr_arrow_builder_t *b, *g;
    assert_rr_ok(rr_arrow_builder_new(pt, &b, &err), &err);
    assert_rr_ok(rr_arrow_builder_new(st, &g, &err), &err);
    rr_arrow_builder_t *pts = rr_arrow_builder_child(b, 0), *xyz = rr_arrow_builder_child(pts, 0);
    rr_arrow_builder_t *vals = rr_arrow_builder_child(g, 0);
    for (int64_t r = first; r < first + rows; r++) {
        if (r == 1) {
            assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
        } else {
            for (int64_t k = 0; k < r % 3; k++) {
                for (int d = 0; d < 3; d++)
                    assert_rr_ok(rr_arrow_builder_append_double(xyz, (double)(r * 10 + k + d), &err), &err);
                assert_rr_ok(rr_arrow_builder_finish_element(pts, &err), &err);
            }
            assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
        }
        if (r == 3) {
            assert_rr_ok(rr_arrow_builder_append_null(g, &err), &err);
        } else {
            if (r == 4) assert_rr_ok(rr_arrow_builder_append_null(vals, &err), &err);
            else assert_rr_ok(rr_arrow_builder_append_double(vals, (double)r / 2, &err), &err);
            assert_rr_ok(rr_arrow_builder_finish_element(g, &err), &err);
        }
    }
    assert_rr_ok(rr_arrow_builder_finish(b, pa, &err), &err);
    assert_rr_ok(rr_arrow_builder_finish(g, sa, &err), &err);
    rr_arrow_builder_free(b);
    rr_arrow_builder_free(g);
}

static const rr_tuid_t FIXED_ID = {0x182342300c5f8c32ull, 0x7a7b4a6e5a379ac5ull};

/* The fixed-width chunk of rows first.., built column by column. */
static rr_chunk_t *make_fixed_chunk(int64_t first, int64_t rows) {
    rr_error_t err = {0};
    rr_entity_path_t path;
    assert_rr_ok(rr_entity_path_parse("/world/fixed", 12, &path, &err), &err);
    rr_tuid_t ids[64];
    int64_t frames[64], ts[64];
    assert_true(rows <= 64);
    for (int64_t i = 0; i < rows; i++) {
        ids[i] = (rr_tuid_t){1000 + (uint64_t)(first + i), 7};
        frames[i] = first + i;
        ts[i] = 1700000000000000000ll - (first + i);
    }
    rr_chunk_t *c;
    assert_rr_ok(rr_chunk_new(FIXED_ID, &path, rows, ids, &c, &err), &err);
    rr_entity_path_free(&path);
    assert_rr_ok(rr_chunk_add_index(c, "log_time", RR_TIME_TIMESTAMP_NS, ts, &err), &err);
    assert_rr_ok(rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, frames, &err), &err);
    struct ArrowSchema pt, st;
    struct ArrowArray pa, sa;
    fixed_columns(first, rows, &pt, &pa, &st, &sa);
    rr_component_descriptor_t dp, ds;
    assert_rr_ok(rr_component_descriptor_init(&dp, "rerun.archetypes.Points3D", "Points3D:positions",
                                              "rerun.components.Position3D", &err), &err);
    assert_rr_ok(rr_component_descriptor_init(&ds, "rerun.archetypes.Scalars", "Scalars:scalars",
                                              "rerun.components.Scalar", &err), &err);
    assert_rr_ok(rr_chunk_add_component(c, &ds, &st, &sa, &err), &err);
    assert_rr_ok(rr_chunk_add_component(c, &dp, &pt, &pa, &err), &err);
    rr_component_descriptor_free(&dp);
    rr_component_descriptor_free(&ds);
    rr_arrow_schema_release(&pt);
    rr_arrow_schema_release(&st);
    return c;
}

static void expect_chunks_equal(const rr_chunk_t *a, const rr_chunk_t *b, const char *what) {
    rr_error_t err = {0};
    if (!rr_chunk_equal(a, b, &err)) fail_msg("%s: %s", what, err.msg);
    /* the batches too, schemas included */
    struct ArrowSchema sa, sb;
    struct ArrowArray ba, bb;
    assert_rr_ok(rr_chunk_to_record_batch(a, &sa, &ba, &err), &err);
    assert_rr_ok(rr_chunk_to_record_batch(b, &sb, &bb, &err), &err);
    if (!rr_arrow_schema_equal(&sa, &sb, &err) || !rr_arrow_array_equal(&sa, &ba, &sb, &bb, &err))
        fail_msg("%s: batches differ: %s", what, err.msg);
    rr_arrow_schema_release(&sa);
    rr_arrow_schema_release(&sb);
    rr_arrow_array_release(&ba);
    rr_arrow_array_release(&bb);
}

/* A packed 1-row chunk of one list column (child format fmt, 8 bytes wide)
 * on one timeline, for the column key checks. */
static rr_chunk_t *key_chunk(const char *path, const char *timeline, rr_time_type_t tt,
                             const char *arch, const char *fmt, int64_t t) {
    rr_error_t err = {0};
    rr_entity_path_t p;
    assert_rr_ok(rr_entity_path_parse(path, strlen(path), &p, &err), &err);
    struct ArrowSchema type;
    struct ArrowArray l;
    rr_component_descriptor_t d;
    assert_rr_ok(rr_arrow_schema_init(&type, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(type.children[0], fmt, "item", ARROW_FLAG_NULLABLE, 0, &err), &err);
    assert_rr_ok(rr_component_descriptor_init(&d, arch, "Scalars:scalars", "rerun.components.Scalar", &err), &err);
    assert_rr_ok(rr_arrow_array_init(&l, 2, 1, false, &err), &err);
    assert_rr_ok(rr_arrow_array_init(l.children[0], 2, 0, false, &err), &err);
    int32_t *off = rr_arrow_array_alloc_buffer(&l, 1, 8);
    int64_t *v = rr_arrow_array_alloc_buffer(l.children[0], 1, 8);
    assert_non_null(off);
    assert_non_null(v);
    off[0] = 0;
    off[1] = 1;
    *v = t * 3;
    l.length = 1;
    l.children[0]->length = 1;
    rr_chunk_time_column_t tc = {timeline, tt, &t};
    rr_chunk_list_column_t lc = {&d, &type, &l};
    rr_chunk_t *c = NULL;
    assert_rr_ok(rr_chunk_new_columns(rr_tuid_new(), &p, 1, NULL, &tc, 1, &lc, 1, &c, &err), &err);
    assert_true(rr_chunk_is_packed(c));
    rr_arrow_array_release(&l);
    rr_arrow_schema_release(&type);
    rr_component_descriptor_free(&d);
    rr_entity_path_free(&p);
    return c;
}

/* Column keys: equal for chunks of the same entity and columns whatever
 * their ids and data, different when any name, type or path differs. */
static void test_column_key(void **state) {
    (void)state;
    rr_chunk_t *a = key_chunk("/a/b", "frame", RR_TIME_SEQUENCE, "rerun.archetypes.Scalars", "g", 1);
    rr_chunk_t *same = key_chunk("/a/b", "frame", RR_TIME_SEQUENCE, "rerun.archetypes.Scalars", "g", 7);
    rr_chunk_t *other[] = {
        key_chunk("/a/c", "frame", RR_TIME_SEQUENCE, "rerun.archetypes.Scalars", "g", 1),
        key_chunk("/a", "frame", RR_TIME_SEQUENCE, "rerun.archetypes.Scalars", "g", 1),
        key_chunk("/a/b/c", "frame", RR_TIME_SEQUENCE, "rerun.archetypes.Scalars", "g", 1),
        key_chunk("/a\\/b", "frame", RR_TIME_SEQUENCE, "rerun.archetypes.Scalars", "g", 1),
        key_chunk("/a/b", "frames", RR_TIME_SEQUENCE, "rerun.archetypes.Scalars", "g", 1),
        key_chunk("/a/b", "frame", RR_TIME_DURATION_NS, "rerun.archetypes.Scalars", "g", 1),
        key_chunk("/a/b", "frame", RR_TIME_SEQUENCE, NULL, "g", 1),
        key_chunk("/a/b", "frame", RR_TIME_SEQUENCE, "rerun.archetypes.Scalar", "g", 1),
        key_chunk("/a/b", "frame", RR_TIME_SEQUENCE, "rerun.archetypes.Scalars", "l", 1),
    };
    rr_chunk_key_t ka, ks, ko;
    assert_true(rr_chunk_column_key(a, &ka));
    assert_true(rr_chunk_column_key(same, &ks));
    assert_true(ka.len > 0 && ka.len == ks.len && ka.hash == ks.hash);
    assert_memory_equal(ka.bytes, ks.bytes, ka.len);
    for (size_t i = 0; i < sizeof other / sizeof *other; i++) {
        assert_true(rr_chunk_column_key(other[i], &ko));
        bool differ = ko.len != ka.len || memcmp(ko.bytes, ka.bytes, ka.len) != 0;
        if (!differ) fail_msg("key %zu equals the first one's", i);
        rr_chunk_free(other[i]);
    }
    /* a chunk built column by column has none; its packed copy has the key */
    rr_chunk_t *loose = make_fixed_chunk(0, 3), *packed = NULL;
    rr_error_t err = {0};
    assert_false(rr_chunk_column_key(loose, &ko));
    assert_rr_ok(rr_chunk_pack(loose, &packed, &err), &err);
    assert_true(rr_chunk_column_key(packed, &ko));
    rr_chunk_t *packed2 = make_fixed_chunk(2, 4), *p2 = NULL;
    assert_rr_ok(rr_chunk_pack(packed2, &p2, &err), &err);
    assert_true(rr_chunk_column_key(p2, &ks));
    assert_true(ko.len == ks.len && ko.hash == ks.hash);
    assert_memory_equal(ko.bytes, ks.bytes, ko.len);
    rr_chunk_free(loose);
    rr_chunk_free(packed);
    rr_chunk_free(packed2);
    rr_chunk_free(p2);
    rr_chunk_free(a);
    rr_chunk_free(same);
}

static void test_packed(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_chunk_t *c = make_fixed_chunk(0, 6);
    assert_false(rr_chunk_is_packed(c));
    assert_true(rr_chunk_can_pack(c));

    /* rr_chunk_pack: the same chunk in one block */
    rr_chunk_t *p;
    assert_rr_ok(rr_chunk_pack(c, &p, &err), &err);
    assert_true(rr_chunk_is_packed(p));
    expect_chunks_equal(c, p, "packed copy");
    assert_string_equal(p->entity_path.str, "/world/fixed");
    assert_int_equal(p->entity_path.n_parts, 2);
    assert_string_equal(p->entity_path.parts[1], "fixed");
    assert_string_equal(p->indexes[0].timeline.name, "frame");
    assert_false(p->indexes[1].is_sorted);
    assert_string_equal(p->components[0].descr.component, "Points3D:positions");
    assert_true(p->components[0].array.null_count == 1); /* row 1 */
    assert_true(p->components[1].array.null_count == 1); /* scalars: row 3 */
    assert_true(p->components[1].array.children[0]->null_count == 1); /* row 4's value */

    /* a packed chunk takes no more columns */
    int64_t t6[6] = {0};
    assert_int_equal(rr_chunk_add_index(p, "other", RR_TIME_SEQUENCE, t6, &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "packed"));

    /* a column shared out of it outlives the chunk */
    struct ArrowArray keep;
    assert_rr_ok(rr_arrow_array_share(&p->components[0].array, &keep, &err), &err);
    rr_chunk_free(p);
    const struct ArrowArray *pts = keep.children[0];
    const float *xyz = (const float *)pts->children[0]->buffers[1];
    /* row 2 holds 2 points, the first at 20, 21, 22 (rows 0 and 1 hold none) */
    assert_true(xyz[3 * pts->offset + 0] == 20.0f && xyz[3 * pts->offset + 2] == 22.0f);
    rr_arrow_array_release(&keep);

    /* a record batch of fixed-width columns reads packed, whole or sliced */
    struct ArrowSchema s;
    struct ArrowArray b, sl;
    assert_rr_ok(rr_chunk_to_record_batch(c, &s, &b, &err), &err);
    assert_rr_ok(rr_arrow_slice(&s, &b, 2, 3, &sl, &err), &err);
    rr_chunk_t *q;
    assert_rr_ok(rr_chunk_from_record_batch(&s, &b, &q, &err), &err);
    assert_null(b.release);
    assert_true(rr_chunk_is_packed(q));
    expect_chunks_equal(c, q, "from a batch");
    rr_chunk_free(q);
    assert_rr_ok(rr_chunk_from_record_batch(&s, &sl, &q, &err), &err);
    assert_true(rr_chunk_is_packed(q));
    rr_chunk_t *mid = make_fixed_chunk(2, 3);
    expect_chunks_equal(mid, q, "from a sliced batch");
    rr_chunk_free(q);
    rr_chunk_free(mid);
    rr_arrow_schema_release(&s);

    /* and through IPC */
    ipc_roundtrip(c, RR_ARROW_COMPRESSION_NONE);
    ipc_roundtrip(c, RR_ARROW_COMPRESSION_LZ4_FRAME);
    rr_chunk_free(c);

    /* rr_chunk_new_columns: columns in any order; packed, equal to the
     * chunk built column by column */
    for (int64_t rows = 0; rows <= 6; rows += 3) {
        rr_chunk_t *ref = make_fixed_chunk(0, rows);
        struct ArrowSchema pt, st;
        struct ArrowArray pa, sa;
        fixed_columns(0, rows, &pt, &pa, &st, &sa);
        rr_tuid_t ids[6];
        int64_t frames[6], ts[6];
        for (int64_t i = 0; i < rows; i++) {
            ids[i] = (rr_tuid_t){1000 + (uint64_t)i, 7};
            frames[i] = i;
            ts[i] = 1700000000000000000ll - i;
        }
        rr_chunk_time_column_t tcs[2] = {{"frame", RR_TIME_SEQUENCE, frames},
                                         {"log_time", RR_TIME_TIMESTAMP_NS, ts}};
        rr_chunk_list_column_t lcs[2] = {{&ref->components[1].descr, &st, &sa},
                                         {&ref->components[0].descr, &pt, &pa}};
        rr_chunk_t *n = NULL;
        assert_rr_ok(rr_chunk_new_columns(FIXED_ID, &ref->entity_path, rows, ids, tcs, 2, lcs, 2, &n,
                                          &err), &err);
        assert_true(rr_chunk_is_packed(n));
        expect_chunks_equal(ref, n, "new_columns");
        rr_chunk_free(n);
        /* the same errors as column by column */
        rr_chunk_time_column_t dup[2] = {tcs[0], tcs[0]};
        assert_int_equal(rr_chunk_new_columns(FIXED_ID, &ref->entity_path, rows, ids, dup, 2, lcs, 2,
                                              &n, &err), RR_ERR_INVALID_DATA);
        assert_null(n);
        assert_non_null(strstr(err.msg, "'frame' was specified more than once"));
        if (rows) {
            frames[rows - 1] = RR_TIME_STATIC;
            assert_int_equal(rr_chunk_new_columns(FIXED_ID, &ref->entity_path, rows, ids, tcs, 2, lcs,
                                                  2, &n, &err), RR_ERR_INVALID_ARG);
            assert_non_null(strstr(err.msg, "static marker"));
            frames[rows - 1] = rows - 1;
            assert_int_equal(rr_chunk_new_columns(FIXED_ID, &ref->entity_path, rows - 1, ids, tcs, 2,
                                                  lcs, 2, &n, &err), RR_ERR_INVALID_DATA);
            assert_non_null(strstr(err.msg, "rows, the chunk"));
        }
        rr_arrow_array_release(&pa);
        rr_arrow_array_release(&sa);
        rr_arrow_schema_release(&pt);
        rr_arrow_schema_release(&st);
        rr_chunk_free(ref);
    }

    /* strings cannot be packed: the chunk is built column by column */
    c = make_chunk(3, true);
    assert_false(rr_chunk_can_pack(c));
    assert_int_equal(rr_chunk_pack(c, &p, &err), RR_ERR_INVALID_ARG);
    assert_null(p);
    struct ArrowArray text;
    assert_rr_ok(rr_arrow_array_share(&c->components[0].array, &text, &err), &err);
    rr_chunk_list_column_t lc = {&c->components[0].descr, &c->components[0].type, &text};
    rr_chunk_t *n = NULL;
    rr_tuid_t ids[3] = {rr_chunk_row_id(c, 0), rr_chunk_row_id(c, 1), rr_chunk_row_id(c, 2)};
    assert_rr_ok(rr_chunk_new_columns(c->id, &c->entity_path, 3, ids, NULL, 0, &lc, 1, &n, &err), &err);
    assert_false(rr_chunk_is_packed(n));
    assert_int_equal(n->n_components, 1);
    assert_true(rr_arrow_array_equal(&c->components[0].type, &c->components[0].array,
                                     &n->components[0].type, &n->components[0].array, &err));
    rr_chunk_free(n);
    rr_arrow_array_release(&text);
    rr_chunk_free(c);
}

/* Builds the batch of a 3-row chunk for the malformed-input tests. */
static void good_batch(struct ArrowSchema *s, struct ArrowArray *b) {
    rr_chunk_t *c = make_chunk(3, true);
    rr_error_t err = {0};
    assert_rr_ok(rr_chunk_to_record_batch(c, s, b, &err), &err);
    rr_chunk_free(c);
}

static void expect_reject(struct ArrowSchema *s, struct ArrowArray *b, const char *msg_part) {
    rr_error_t err = {0};
    rr_chunk_t *c = NULL;
    rr_status_t st = rr_chunk_from_record_batch(s, b, &c, &err);
    if (st == RR_OK) fail_msg("accepted a batch that should fail with '%s'", msg_part);
    assert_null(c);
    assert_null(b->release);
    if (!strstr(err.msg, msg_part)) fail_msg("error '%s' lacks '%s'", err.msg, msg_part);
    rr_arrow_schema_release(s);
}

/* Removes schema field and batch column i. */
static void drop_column(struct ArrowSchema *s, struct ArrowArray *b, int64_t i) {
    rr_arrow_schema_release(s->children[i]);
    rr_arrow_array_release(b->children[i]);
    struct ArrowSchema *fs = s->children[i];
    struct ArrowArray *ca = b->children[i];
    for (int64_t k = i; k + 1 < s->n_children; k++) {
        s->children[k] = s->children[k + 1];
        b->children[k] = b->children[k + 1];
    }
    /* park the emptied slots last so the release callbacks still free them */
    s->children[s->n_children - 1] = fs;
    b->children[b->n_children - 1] = ca;
    s->n_children--;
    b->n_children--;
}

static void set_field_meta(struct ArrowSchema *f, const char *key, const char *value) {
    rr_error_t err = {0};
    int32_t n = rr_arrow_metadata_count(f->metadata);
    rr_arrow_kv_t kv[16];
    int32_t m = 0;
    for (int32_t i = 0; i < n; i++) {
        rr_arrow_metadata_get(f->metadata, i, &kv[m]);
        if (kv[m].key_len == (int32_t)strlen(key) && memcmp(kv[m].key, key, strlen(key)) == 0) continue;
        m++;
    }
    char *copy = NULL;
    if (value) kv[m++] = (rr_arrow_kv_t){key, (int32_t)strlen(key), value, (int32_t)strlen(value)};
    /* kv points into f->metadata: encode before replacing it */
    assert_rr_ok(rr_arrow_metadata_encode(kv, m, &copy, &err), &err);
    assert_rr_ok(rr_arrow_schema_set_metadata_raw(f, copy, &err), &err);
    free(copy);
}

/* Replaces the format of a leaf field (same name, flags, metadata). */
static void retype(struct ArrowSchema *f, const char *format) {
    rr_error_t err = {0};
    struct ArrowSchema n;
    char *name = strdup(f->name);
    char *md = NULL;
    int64_t size = rr_arrow_metadata_size(f->metadata);
    if (size) {
        md = malloc((size_t)size);
        memcpy(md, f->metadata, (size_t)size);
    }
    int64_t flags = f->flags;
    rr_arrow_schema_release(f);
    assert_rr_ok(rr_arrow_schema_init(&n, format, name, flags, 0, &err), &err);
    assert_rr_ok(rr_arrow_schema_set_metadata_raw(&n, md, &err), &err);
    rr_arrow_schema_move(&n, f);
    free(name);
    free(md);
}

static void expect_reject_keep(struct ArrowSchema *s, struct ArrowArray *b, const char *msg_part) {
    rr_error_t err = {0};
    rr_chunk_t *c = NULL;
    rr_status_t st = rr_chunk_from_record_batch(s, b, &c, &err);
    if (st == RR_OK) fail_msg("accepted a batch that should fail with '%s'", msg_part);
    assert_null(b->release);
    if (!strstr(err.msg, msg_part)) fail_msg("error '%s' lacks '%s'", err.msg, msg_part);
}

static void test_malformed(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray b;

    good_batch(&s, &b);
    drop_column(&s, &b, 0);
    expect_reject(&s, &b, "missing the row id column");

    good_batch(&s, &b);
    set_field_meta(&s, "rerun:id", NULL);
    expect_reject(&s, &b, "missing chunk id ('rerun:id'");

    good_batch(&s, &b);
    set_field_meta(&s, "rerun:entity_path", NULL);
    expect_reject(&s, &b, "missing entity path");

    good_batch(&s, &b);
    set_field_meta(&s, "rerun:id", "not hex");
    expect_reject(&s, &b, "bad chunk id 'not hex'");

    /* Only Rerun's "chunk_" namespace prefix is accepted before the TUID. */
    good_batch(&s, &b);
    set_field_meta(&s, "rerun:id", "row_182342300C5F8C327a7b4a6e5a379ac4");
    expect_reject(&s, &b, "bad chunk id 'row_");

    /* A bare TUID (no prefix) is accepted, as Rerun's parser does. */
    good_batch(&s, &b);
    set_field_meta(&s, "rerun:id", "182342300C5F8C327a7b4a6e5a379ac4");
    {
        rr_error_t err = {0};
        rr_chunk_t *c = NULL;
        assert_rr_ok(rr_chunk_from_record_batch(&s, &b, &c, &err), &err);
        assert_int_equal(c->id.time_ns, 0x182342300C5F8C32ull);
        assert_int_equal(c->id.inc, 0x7a7b4a6e5a379ac4ull);
        rr_chunk_free(c);
        rr_arrow_schema_release(&s);
    }

    /* wrong datatypes: row ids as int64, a time column as float64 */
    good_batch(&s, &b);
    {
        rr_error_t err = {0};
        struct ArrowSchema *f = s.children[0];
        rr_arrow_schema_release(f);
        assert_rr_ok(rr_arrow_schema_init(f, "+w:2", "rerun.controls.RowId", 0, 1, &err), &err);
        assert_rr_ok(rr_arrow_schema_init(f->children[0], "l", "item", 0, 0, &err), &err);
        struct ArrowArray *a = b.children[0];
        /* 3 rows of 16 bytes read as 3 fixed lists of 2 int64: same bytes */
        struct ArrowArray shared;
        assert_rr_ok(rr_arrow_array_share(a, &shared, &err), &err);
        rr_arrow_array_release(a);
        assert_rr_ok(rr_arrow_array_init(a, 1, 1, false, &err), &err);
        a->length = 3;
        shared.length = 6;
        rr_arrow_array_move(&shared, a->children[0]);
        set_field_meta(f, "rerun:kind", "control");
    }
    expect_reject(&s, &b, "column 'rerun.controls.RowId': row ids must be fixed_size_binary(16)");

    /* a time column of doubles (same buffers as int64) */
    good_batch(&s, &b);
    retype(s.children[1], "g");
    expect_reject(&s, &b, "column 'frame': unsupported time type 'g'");

    /* a component column that is not a list: its utf8 child in its place */
    good_batch(&s, &b);
    {
        rr_error_t err = {0};
        struct ArrowArray inner;
        assert_rr_ok(rr_arrow_array_share(b.children[3]->children[0], &inner, &err), &err);
        rr_arrow_array_release(b.children[3]);
        rr_arrow_array_move(&inner, b.children[3]);
        retype(s.children[3], "u");
    }
    expect_reject(&s, &b, "component column 'my_text' must be a list array, got format 'u'");

    /* mismatched lengths: a column shorter than the batch */
    good_batch(&s, &b);
    b.children[2]->length = 2;
    expect_reject(&s, &b, "log_time");

    /* a schema and a batch that disagree on the column count */
    good_batch(&s, &b);
    s.n_children--;
    expect_reject_keep(&s, &b, "4 fields in the schema, 5 columns");
    s.n_children++;
    rr_arrow_schema_release(&s);

    /* an unknown kind, a data column before an index column */
    good_batch(&s, &b);
    set_field_meta(s.children[2], "rerun:kind", "weird");
    expect_reject(&s, &b, "column 'log_time': unknown rerun:kind 'weird'");
    good_batch(&s, &b);
    set_field_meta(s.children[1], "rerun:kind", "data");
    expect_reject(&s, &b, "column 'log_time': index columns must come before any data columns");
    good_batch(&s, &b);
    set_field_meta(s.children[1], "rerun:kind", "control");
    expect_reject(&s, &b, "column 'frame': a second row id column");

    /* a repeated timeline (by rerun:index_name) */
    good_batch(&s, &b);
    retype(s.children[2], "l");
    set_field_meta(s.children[2], "rerun:index_name", "frame");
    expect_reject(&s, &b, "time column 'frame' was specified more than once");

    /* nulls in an index column */
    good_batch(&s, &b);
    {
        struct ArrowArray *a = b.children[1];
        uint8_t *bits = rr_arrow_array_alloc_buffer(a, 0, 8);
        bits[0] = 0x5; /* row 1 null */
        a->null_count = 1;
    }
    expect_reject(&s, &b, "time column 'frame' has nulls");

    /* a NULL or released batch */
    good_batch(&s, &b);
    rr_arrow_array_release(&b);
    expect_reject(&s, &b, "no batch given");
}

/* What Rerun is lenient about we accept: no sorbet:version, other spellings
 * of rerun:kind, no rerun:kind on data columns, no rerun:index_name or
 * rerun:component (the field name stands in), a time zone on timestamps, and
 * unversioned indicator columns (dropped). */
static void test_lenient(void **state) {
    (void)state;
    struct ArrowSchema s;
    struct ArrowArray b;
    rr_error_t err = {0};
    good_batch(&s, &b);
    set_field_meta(&s, "sorbet:version", NULL);
    set_field_meta(s.children[0], "rerun:kind", "row_id");
    set_field_meta(s.children[0], "rerun:is_sorted", "No");
    set_field_meta(s.children[1], "rerun:kind", "time");
    set_field_meta(s.children[1], "rerun:index_name", NULL);
    retype(s.children[2], "tsn:Europe/Paris");
    set_field_meta(s.children[3], "rerun:kind", NULL);
    set_field_meta(s.children[3], "rerun:component", NULL);
    set_field_meta(s.children[4], "rerun:kind", "component");
    {
        /* make my_text an unversioned indicator column: it is dropped */
        struct ArrowSchema *f = s.children[3];
        set_field_meta(f, "rerun:is_indicator", "true");
    }
    rr_chunk_t *c;
    assert_rr_ok(rr_chunk_from_record_batch(&s, &b, &c, &err), &err);
    assert_int_equal(c->n_indexes, 2);
    assert_string_equal(c->indexes[0].timeline.name, "frame");
    assert_int_equal(c->indexes[1].timeline.type, RR_TIME_TIMESTAMP_NS);
    assert_int_equal(c->n_components, 1);
    assert_string_equal(c->components[0].descr.component, "Points3D:positions");
    assert_true(c->is_sorted); /* computed from the data */
    rr_chunk_free(c);
    rr_arrow_schema_release(&s);

    /* With a version of 0.1.1 or later, the indicator column stays, named by
     * its field name. */
    good_batch(&s, &b);
    set_field_meta(s.children[3], "rerun:is_indicator", "true");
    set_field_meta(s.children[3], "rerun:component", NULL);
    assert_rr_ok(rr_chunk_from_record_batch(&s, &b, &c, &err), &err);
    assert_int_equal(c->n_components, 2);
    assert_non_null(rr_chunk_find_component(c, "my_text"));
    rr_chunk_free(c);
    rr_arrow_schema_release(&s);

    /* A sliced batch (offset 1, 2 rows) gives the window's rows. */
    good_batch(&s, &b);
    b.offset = 1;
    b.length = 2;
    assert_rr_ok(rr_chunk_from_record_batch(&s, &b, &c, &err), &err);
    assert_int_equal(c->num_rows, 2);
    assert_true(rr_chunk_row_id(c, 0).time_ns == 1001);
    assert_int_equal(rr_chunk_index_value(rr_chunk_find_index(c, "frame"), 0), 1);
    rr_time_range_t r;
    assert_true(rr_chunk_time_range(c, "frame", &r));
    assert_true(r.min == 1 && r.max == 2);
    rr_chunk_free(c);
    rr_arrow_schema_release(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_and_helpers),
        cmocka_unit_test(test_record_batch_schema),
        cmocka_unit_test(test_ipc_roundtrip),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_lenient),
        cmocka_unit_test(test_packed),
        cmocka_unit_test(test_column_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
