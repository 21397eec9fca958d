/* Tests of the .rrd codec (src/rrd/): framing bytes, chunks -> rrd -> chunks
 * round trips (LZ4 on and off, whole and byte at a time), footers and
 * manifests (random access), concatenated streams, files without footer, and
 * damaged input (every truncation, bit flips, wrong magic, absurd lengths, bad
 * checksums, a corrupt chunk in the middle); gathered payloads (the same
 * bytes as copied ones) and LZ4 only where it pays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/compare.h"
#include "arrow/schema.h"
#include "base/mem.h"
#include "model/chunk.h"
#include "model/log_msg.h"
#include "rrd/decoder.h"
#include "rrd/encoder.h"
#include "rrd/frames.h"
#include "rrd/manifest.h"
#include "rrd/reader.h"
#include "testutil.h"

/* ---------------- fixtures ---------------- */

static void list_f32_type(struct ArrowSchema *s) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_schema_init(s, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(s->children[0], "f", "item", ARROW_FLAG_NULLABLE, 0, &err), &err);
}

static void list_utf8_type(struct ArrowSchema *s) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_schema_init(s, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(s->children[0], "u", "item", ARROW_FLAG_NULLABLE, 0, &err), &err);
}

/* Row r holds r floats; rows where null_every divides r+1 are null. */
static void f32_lists(const struct ArrowSchema *type, int64_t rows, int64_t null_every,
                      struct ArrowArray *out) {
    rr_error_t err = {0};
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(type, &b, &err), &err);
    for (int64_t r = 0; r < rows; r++) {
        if (null_every && (r + 1) % null_every == 0) {
            assert_rr_ok(rr_arrow_builder_append_null(b, &err), &err);
            continue;
        }
        for (int64_t k = 0; k < r % 5; k++)
            assert_rr_ok(rr_arrow_builder_append_double(rr_arrow_builder_child(b, 0), (double)(r * 3 + k), &err), &err);
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    }
    assert_rr_ok(rr_arrow_builder_finish(b, out, &err), &err);
    rr_arrow_builder_free(b);
}

static void text_lists(const struct ArrowSchema *type, int64_t rows, struct ArrowArray *out) {
    rr_error_t err = {0};
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(type, &b, &err), &err);
    for (int64_t r = 0; r < rows; r++) {
        char buf[32];
        snprintf(buf, sizeof buf, "log line %lld", (long long)r);
        assert_rr_ok(rr_arrow_builder_append_str(rr_arrow_builder_child(b, 0), buf, strlen(buf), &err), &err);
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    }
    assert_rr_ok(rr_arrow_builder_finish(b, out, &err), &err);
    rr_arrow_builder_free(b);
}

/* A chunk on path: `frame` (sequence, first_frame..) and optionally
 * `log_time` (timestamp) timelines, or static when timelines == 0; a
 * Points3D-like float component (sparse) and a text component. */
static rr_chunk_t *make_chunk(const char *path, int64_t rows, int timelines, int64_t first_frame) {
    rr_error_t err = {0};
    rr_entity_path_t ep;
    assert_rr_ok(rr_entity_path_parse(path, strlen(path), &ep, &err), &err);
    rr_chunk_t *c;
    assert_rr_ok(rr_chunk_new(rr_tuid_new(), &ep, rows, NULL, &c, &err), &err);
    rr_entity_path_free(&ep);
    int64_t *t = malloc((size_t)(rows ? rows : 1) * sizeof *t);
    if (timelines >= 1) {
        for (int64_t i = 0; i < rows; i++) t[i] = first_frame + i;
        assert_rr_ok(rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, t, &err), &err);
    }
    if (timelines >= 2) {
        for (int64_t i = 0; i < rows; i++) t[i] = 1700000000000000000ll + i * 1000;
        assert_rr_ok(rr_chunk_add_index(c, "log_time", RR_TIME_TIMESTAMP_NS, t, &err), &err);
    }
    free(t);
    struct ArrowSchema ft, tt;
    struct ArrowArray fa, ta;
    list_f32_type(&ft);
    list_utf8_type(&tt);
    f32_lists(&ft, rows, 3, &fa);
    text_lists(&tt, rows, &ta);
    rr_component_descriptor_t dp, dt;
    assert_rr_ok(rr_component_descriptor_init(&dp, "rerun.archetypes.Points3D", "Points3D:radii",
                                              "rerun.components.Radius", &err), &err);
    assert_rr_ok(rr_component_descriptor_init(&dt, "rerun.archetypes.TextLog", "TextLog:text",
                                              "rerun.components.Text", &err), &err);
    assert_rr_ok(rr_chunk_add_component(c, &dp, &ft, &fa, &err), &err);
    assert_rr_ok(rr_chunk_add_component(c, &dt, &tt, &ta, &err), &err);
    rr_component_descriptor_free(&dp);
    rr_component_descriptor_free(&dt);
    rr_arrow_schema_release(&ft);
    rr_arrow_schema_release(&tt);
    return c;
}

typedef struct fixture {
    rr_store_info_t info;
    int n_chunks;
    rr_chunk_t *chunks[4];
} fixture_t;

static void fixture_init(fixture_t *f, const char *rec) {
    rr_error_t err = {0};
    memset(f, 0, sizeof *f);
    assert_rr_ok(rr_store_id_init(&f->info.store_id, RR_STORE_KIND_RECORDING, "rerun_c_test", rec, &err), &err);
    f->chunks[f->n_chunks++] = make_chunk("/points", 10, 2, 0);
    f->chunks[f->n_chunks++] = make_chunk("/points", 7, 1, 10);
    f->chunks[f->n_chunks++] = make_chunk("/static/thing", 1, 0, 0);
    f->chunks[f->n_chunks++] = make_chunk("/logs", 4, 2, 3);
}

static void fixture_free(fixture_t *f) {
    rr_store_info_free(&f->info);
    for (int i = 0; i < f->n_chunks; i++) rr_chunk_free(f->chunks[i]);
}

static void write_fixture(const fixture_t *f, const rr_rrd_writer_options_t *opts, rr_buf_t *out) {
    rr_error_t err = {0};
    rr_rrd_writer_t *w;
    assert_rr_ok(rr_rrd_writer_open_buf(out, opts, &w, &err), &err);
    assert_rr_ok(rr_rrd_writer_set_store_info(w, &f->info, &err), &err);
    for (int i = 0; i < f->n_chunks; i++)
        assert_rr_ok(rr_rrd_writer_write_chunk(w, &f->info.store_id, f->chunks[i], &err), &err);
    assert_rr_ok(rr_rrd_writer_finish(w, &err), &err);
}

/* Collects decoded messages. */
typedef struct collected {
    int n;
    rr_rrd_message_t msgs[64];
} collected_t;

static void collected_free(collected_t *c) {
    for (int i = 0; i < c->n; i++) rr_rrd_message_free(&c->msgs[i]);
    c->n = 0;
}

/* Feeds data in pieces of `step` bytes; returns the first error (or finish's). */
static rr_status_t feed(const uint8_t *data, size_t len, size_t step, collected_t *out,
                        rr_rrd_decoder_t **keep, rr_error_t *err) {
    rr_rrd_decoder_t *d;
    assert_rr_ok(rr_rrd_decoder_new(NULL, &d, err), err);
    rr_status_t st = RR_OK;
    for (size_t pos = 0; pos < len && st == RR_OK; pos += step) {
        size_t n = len - pos < step ? len - pos : step;
        assert_rr_ok(rr_rrd_decoder_push(d, data + pos, n, err), err);
        for (;;) {
            bool got;
            assert_true(out->n < 64);
            st = rr_rrd_decoder_next(d, &out->msgs[out->n], &got, err);
            if (st != RR_OK || !got) break;
            out->n++;
        }
    }
    if (st == RR_OK) st = rr_rrd_decoder_finish(d, err);
    if (keep)
        *keep = d;
    else
        rr_rrd_decoder_free(d);
    return st;
}

/* The decoded ArrowMsg equals the chunk, as record batches and as chunks. */
static void expect_chunk(const rr_rrd_message_t *m, const rr_chunk_t *c, bool lz4) {
    rr_error_t err = {0};
    assert_int_equal(m->msg.kind, RR_LOG_MSG_ARROW);
    const rr_arrow_msg_t *a = &m->msg.u.arrow;
    assert_int_equal(a->compression, lz4 ? RR_PAYLOAD_COMPRESSION_LZ4 : RR_PAYLOAD_COMPRESSION_NONE);
    assert_true(a->has_chunk_id);
    assert_int_equal(rr_tuid_cmp(a->chunk_id, c->id), 0);
    assert_true(a->has_is_static);
    assert_int_equal(a->is_static, rr_chunk_is_static(c));
    if (!lz4) assert_int_equal(a->uncompressed_size, a->payload_len);
    struct ArrowSchema s1, s2;
    struct ArrowArray b1, b2;
    assert_rr_ok(rr_rrd_payload_decode(a, 0, &s1, &b1, &err), &err);
    assert_rr_ok(rr_chunk_to_record_batch(c, &s2, &b2, &err), &err);
    if (!rr_arrow_schema_equal(&s1, &s2, &err)) fail_msg("schema differs: %s", err.msg);
    if (!rr_arrow_array_equal(&s1, &b1, &s2, &b2, &err)) fail_msg("batch differs: %s", err.msg);
    rr_chunk_t *back;
    assert_rr_ok(rr_chunk_from_record_batch(&s1, &b1, &back, &err), &err);
    if (!rr_chunk_equal(back, c, &err)) fail_msg("chunk differs: %s", err.msg);
    rr_chunk_free(back);
    rr_arrow_schema_release(&s1);
    rr_arrow_schema_release(&s2);
    rr_arrow_array_release(&b2);
}

/* ---------------- framing ---------------- */

static void test_stream_header_bytes(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_buf_t out = {0};
    rr_rrd_writer_t *w;
    rr_rrd_writer_options_t opts = {.no_compression = true, .no_footer = true};
    assert_rr_ok(rr_rrd_writer_open_buf(&out, &opts, &w, &err), &err);
    rr_rrd_writer_free(w);
    const uint8_t want[12] = {'R', 'R', 'F', '2', 0x00, 0x21, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00};
    assert_int_equal(out.len, 12);
    assert_memory_equal(out.data, want, 12);
    out.len = 0;
    assert_rr_ok(rr_rrd_writer_open_buf(&out, NULL, &w, &err), &err);
    assert_int_equal(out.data[8], 1); /* LZ4 by default */
    /* An empty recording still ends with End + empty footer + RRF2FOOT. */
    assert_rr_ok(rr_rrd_writer_finish(w, &err), &err);
    assert_int_equal(out.len, 12 + 16 + 32);
    assert_memory_equal(out.data + out.len - 12, "RRF2FOOT\x01\0\0\0", 12);
    collected_t got = {0};
    assert_rr_ok(feed(out.data, out.len, 1, &got, NULL, &err), &err);
    assert_int_equal(got.n, 0);
    rr_buf_free(&out);

    /* Header parse errors name what is wrong and where. */
    rr_rrd_stream_header_t h;
    uint8_t bad[12] = {'R', 'R', 'F', '1', 0, 0x21, 0, 0, 0, 2, 0, 0};
    assert_int_equal(rr_rrd_stream_header_parse(bad, 0, &h, &err), RR_ERR_UNSUPPORTED);
    memcpy(bad, "PK\3\4", 4);
    assert_int_equal(rr_rrd_stream_header_parse(bad, 0, &h, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "not an .rrd"));
    memcpy(bad, "RRF2", 4);
    bad[5] = 20;
    assert_int_equal(rr_rrd_stream_header_parse(bad, 0, &h, &err), RR_ERR_UNSUPPORTED);
    bad[5] = 33;
    bad[8] = 7;
    assert_int_equal(rr_rrd_stream_header_parse(bad, 0, &h, &err), RR_ERR_INVALID_DATA);
    bad[8] = 0;
    bad[11] = 1;
    assert_int_equal(rr_rrd_stream_header_parse(bad, 0, &h, &err), RR_ERR_INVALID_DATA);
}

/* The minimal file INTEROP.md says the official viewer opens: header with
 * options 00 02 00 00, then one SetStoreInfo frame, no End. */
static void test_minimal_viewer_file(void **state) {
    (void)state;
    rr_error_t err = {0};
    fixture_t f;
    memset(&f, 0, sizeof f);
    assert_rr_ok(rr_store_id_init(&f.info.store_id, RR_STORE_KIND_RECORDING, "my_app", "my_rec", &err), &err);
    rr_buf_t out = {0};
    rr_rrd_writer_t *w;
    rr_rrd_writer_options_t opts = {.no_compression = true, .no_footer = true};
    assert_rr_ok(rr_rrd_writer_open_buf(&out, &opts, &w, &err), &err);
    assert_rr_ok(rr_rrd_writer_set_store_info(w, &f.info, &err), &err);
    assert_rr_ok(rr_rrd_writer_finish(w, &err), &err);
    assert_memory_equal(out.data + 8, "\0\2\0\0", 4);
    assert_int_equal(out.data[12], 1); /* kind SetStoreInfo */
    collected_t got = {0};
    assert_rr_ok(feed(out.data, out.len, 1, &got, NULL, &err), &err);
    assert_int_equal(got.n, 1);
    const rr_set_store_info_t *s = &got.msgs[0].msg.u.set_store_info;
    assert_string_equal(s->info.store_id.application_id, "my_app");
    assert_string_equal(s->info.store_id.recording_id, "my_rec");
    assert_int_equal(s->info.source_kind, RR_STORE_SOURCE_C_SDK);
    assert_int_equal(got.msgs[0].offset, 12);
    collected_free(&got);
    fixture_free(&f);
    rr_buf_free(&out);
}

/* ---------------- round trips ---------------- */

static void round_trip(bool lz4) {
    rr_error_t err = {0};
    fixture_t f;
    fixture_init(&f, "rec-1");
    rr_buf_t out = {0};
    rr_rrd_writer_options_t opts = {.no_compression = !lz4};
    write_fixture(&f, &opts, &out);
    size_t steps[] = {out.len, 1, 7, 4096};
    for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
        collected_t got = {0};
        rr_rrd_decoder_t *d;
        assert_rr_ok(feed(out.data, out.len, steps[s], &got, &d, &err), &err);
        assert_int_equal(got.n, 1 + f.n_chunks);
        assert_int_equal(got.msgs[0].msg.kind, RR_LOG_MSG_SET_STORE_INFO);
        for (int i = 0; i < f.n_chunks; i++) {
            expect_chunk(&got.msgs[1 + i], f.chunks[i], lz4);
            assert_true(rr_store_id_equal(&got.msgs[1 + i].msg.u.arrow.store_id, &f.info.store_id));
        }
        assert_int_equal(rr_rrd_decoder_footer_count(d), 1);
        assert_int_equal(rr_rrd_decoder_footer(d, 0)->n_manifests, 1);
        assert_int_equal(rr_rrd_decoder_offset(d), out.len);
        rr_rrd_decoder_free(d);
        collected_free(&got);
    }
    fixture_free(&f);
    rr_buf_free(&out);
}

static void test_round_trip_lz4(void **state) {
    (void)state;
    round_trip(true);
}
static void test_round_trip_uncompressed(void **state) {
    (void)state;
    round_trip(false);
}

/* ---------------- manifest and random access ---------------- */

static void test_manifest_random_access(void **state) {
    (void)state;
    rr_error_t err = {0};
    fixture_t f;
    fixture_init(&f, "rec-ra");
    rr_buf_t out = {0};
    write_fixture(&f, NULL, &out);
    collected_t got = {0};
    assert_rr_ok(feed(out.data, out.len, out.len, &got, NULL, &err), &err);

    rr_rrd_source_t src;
    rr_rrd_source_mem(&src, out.data, out.len);
    rr_rrd_index_t idx;
    assert_rr_ok(rr_rrd_index_read(&src, &idx, &err), &err);
    assert_int_equal(idx.stream_start, 0);
    assert_int_equal(idx.n_manifests, 1);
    const rr_rrd_manifest_t *m = &idx.manifests[0];
    assert_true(rr_store_id_equal(&m->store_id, &f.info.store_id));
    assert_int_equal(m->n_chunks, f.n_chunks);
    for (int i = 0; i < f.n_chunks; i++) {
        const rr_rrd_manifest_entry_t *e = &m->chunks[i];
        assert_int_equal(rr_tuid_cmp(e->chunk_id, f.chunks[i]->id), 0);
        assert_string_equal(e->entity_path, f.chunks[i]->entity_path.str);
        assert_int_equal(e->is_static, rr_chunk_is_static(f.chunks[i]));
        assert_int_equal(e->num_rows, (uint64_t)f.chunks[i]->num_rows);
        /* Offsets match what the streaming decoder saw. */
        assert_int_equal(e->byte_offset, got.msgs[1 + i].body_offset);
        assert_int_equal(e->byte_size, got.msgs[1 + i].body_len);
        assert_int_equal(e->byte_size_uncompressed, got.msgs[1 + i].msg.u.arrow.uncompressed_size);
        struct ArrowSchema s;
        struct ArrowArray b;
        assert_rr_ok(rr_rrd_index_read_batch(&src, &idx, e, &s, &b, &err), &err);
        rr_chunk_t *back;
        assert_rr_ok(rr_chunk_from_record_batch(&s, &b, &back, &err), &err);
        if (!rr_chunk_equal(back, f.chunks[i], &err)) fail_msg("chunk %d: %s", i, err.msg);
        rr_chunk_free(back);
        rr_arrow_schema_release(&s);
    }
    /* The per-timeline and per-component columns, as Rerun names them. */
    const struct ArrowSchema *ds = &m->data_schema;
    const char *expect_cols[] = {"chunk_entity_path", "chunk_id", "chunk_is_static", "chunk_num_rows",
                                 "chunk_byte_offset", "chunk_byte_size", "chunk_byte_size_uncompressed",
                                 "Points3D:radii:has_static_data", "TextLog:text:has_static_data",
                                 "frame:start", "frame:end", "log_time:start", "log_time:end",
                                 "frame:Points3D:radii:start", "frame:Points3D:radii:end",
                                 "frame:Points3D:radii:num_rows", "log_time:TextLog:text:num_rows"};
    for (size_t k = 0; k < sizeof expect_cols / sizeof *expect_cols; k++) {
        int64_t j = 0;
        while (j < ds->n_children && strcmp(ds->children[j]->name, expect_cols[k]) != 0) j++;
        if (j == ds->n_children) fail_msg("manifest column '%s' missing", expect_cols[k]);
        if (k == 9) {
            assert_string_equal(ds->children[j]->format, "l");
            rr_arrow_kv_t kv;
            assert_true(rr_arrow_metadata_find(ds->children[j]->metadata, "rerun:index", &kv));
            /* frame:start of chunk 1 is 10, of the static chunk null. */
            const struct ArrowArray *col = m->batches[0].children[j];
            assert_int_equal(((const int64_t *)col->buffers[1])[col->offset + 1], 10);
            assert_false(rr_arrow_array_is_valid(col, 2));
        }
        if (k == 15) { /* radii null every 3rd row: 10 rows -> 7 valid */
            const struct ArrowArray *col = m->batches[0].children[j];
            assert_int_equal(((const uint64_t *)col->buffers[1])[col->offset + 0], 7);
        }
        if (k == 8) { /* static chunk has text statically */
            const struct ArrowArray *col = m->batches[0].children[j];
            assert_true(rr_arrow_bit_get(col->buffers[1], col->offset + 2));
            assert_false(rr_arrow_bit_get(col->buffers[1], col->offset + 0));
        }
    }
    /* The sorbet schema: data columns renamed "<entity>:<component>", static flagged. */
    bool saw_static = false;
    for (int64_t j = 0; j < m->sorbet_schema.n_children; j++) {
        const struct ArrowSchema *fld = m->sorbet_schema.children[j];
        if (strcmp(fld->name, "/static/thing:TextLog:text") == 0) {
            rr_arrow_kv_t kv;
            assert_true(rr_arrow_metadata_find(fld->metadata, "rerun:is_static", &kv));
            assert_true(rr_arrow_metadata_find(fld->metadata, "rerun:entity_path", &kv));
            saw_static = true;
        }
    }
    assert_true(saw_static);
    rr_rrd_index_free(&idx);

    /* Through a file descriptor too. */
    char path[] = "/tmp/rr_test_rrd_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, out.data, out.len), (ssize_t)out.len);
    assert_rr_ok(rr_rrd_source_fd(&src, fd, &err), &err);
    assert_rr_ok(rr_rrd_index_read(&src, &idx, &err), &err);
    assert_int_equal(idx.manifests[0].n_chunks, f.n_chunks);
    rr_rrd_index_free(&idx);
    close(fd);
    unlink(path);

    /* A flipped footer byte fails the checksum, in both readers. */
    out.data[out.len - 40] ^= 0x10;
    rr_rrd_source_mem(&src, out.data, out.len);
    assert_int_equal(rr_rrd_index_read(&src, &idx, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "checksum"));
    collected_t got2 = {0};
    rr_status_t st = feed(out.data, out.len, 3, &got2, NULL, &err);
    assert_int_not_equal(st, RR_OK);
    assert_int_equal(got2.n, 1 + f.n_chunks); /* every chunk still delivered */
    collected_free(&got2);

    collected_free(&got);
    fixture_free(&f);
    rr_buf_free(&out);
}

/* ---------------- streams ---------------- */

static void test_concatenated(void **state) {
    (void)state;
    rr_error_t err = {0};
    fixture_t a, b;
    fixture_init(&a, "rec-a");
    fixture_init(&b, "rec-b");
    rr_buf_t out = {0};
    write_fixture(&a, NULL, &out);
    size_t a_len = out.len;
    rr_rrd_writer_options_t nofoot = {.no_footer = true};
    write_fixture(&b, &nofoot, &out); /* no End between b and c */
    write_fixture(&a, NULL, &out);
    collected_t got = {0};
    rr_rrd_decoder_t *d;
    assert_rr_ok(feed(out.data, out.len, 5, &got, &d, &err), &err);
    assert_int_equal(got.n, 3 * (1 + a.n_chunks));
    assert_int_equal(rr_rrd_decoder_stream_count(d), 3);
    assert_int_equal(rr_rrd_decoder_footer_count(d), 2);
    assert_int_equal(got.msgs[1 + a.n_chunks].stream_index, 1);
    assert_string_equal(got.msgs[1 + a.n_chunks].msg.u.set_store_info.info.store_id.recording_id, "rec-b");
    expect_chunk(&got.msgs[1 + a.n_chunks + 2], b.chunks[1], true);
    rr_rrd_decoder_free(d);

    /* Random access finds the last stream's footer and resolves its offsets. */
    rr_rrd_source_t src;
    rr_rrd_source_mem(&src, out.data, out.len);
    rr_rrd_index_t idx;
    assert_rr_ok(rr_rrd_index_read(&src, &idx, &err), &err);
    assert_true(idx.stream_start > a_len);
    const rr_rrd_manifest_entry_t *e = &idx.manifests[0].chunks[3];
    struct ArrowSchema s;
    struct ArrowArray bt;
    assert_rr_ok(rr_rrd_index_read_batch(&src, &idx, e, &s, &bt, &err), &err);
    rr_chunk_t *back;
    assert_rr_ok(rr_chunk_from_record_batch(&s, &bt, &back, &err), &err);
    assert_true(rr_chunk_equal(back, a.chunks[3], &err));
    rr_chunk_free(back);
    rr_arrow_schema_release(&s);
    rr_rrd_index_free(&idx);

    collected_free(&got);
    fixture_free(&a);
    fixture_free(&b);
    rr_buf_free(&out);
}

static void test_no_footer_and_sinks(void **state) {
    (void)state;
    rr_error_t err = {0};
    fixture_t f;
    fixture_init(&f, "rec-nf");
    FILE *tf = tmpfile();
    assert_non_null(tf);
    rr_rrd_writer_t *w;
    rr_rrd_writer_options_t opts = {.no_footer = true};
    assert_rr_ok(rr_rrd_writer_open_file(tf, &opts, &w, &err), &err);
    assert_rr_ok(rr_rrd_writer_set_store_info(w, &f.info, &err), &err);
    for (int i = 0; i < f.n_chunks; i++)
        assert_rr_ok(rr_rrd_writer_write_chunk(w, &f.info.store_id, f.chunks[i], &err), &err);
    uint64_t n = rr_rrd_writer_bytes_written(w);
    assert_rr_ok(rr_rrd_writer_finish(w, &err), &err);
    fflush(tf);
    rewind(tf);
    uint8_t *data = malloc(n);
    assert_int_equal(fread(data, 1, n, tf), n);
    fclose(tf);
    collected_t got = {0};
    assert_rr_ok(feed(data, n, 64, &got, NULL, &err), &err);
    assert_int_equal(got.n, 1 + f.n_chunks);
    expect_chunk(&got.msgs[4], f.chunks[3], true);
    rr_rrd_source_t src;
    rr_rrd_index_t idx;
    rr_rrd_source_mem(&src, data, n);
    assert_int_equal(rr_rrd_index_read(&src, &idx, &err), RR_ERR_NOT_FOUND);
    collected_free(&got);
    free(data);

    /* A raw ArrowMsg disables the footer (no manifest entry for it). */
    rr_buf_t out = {0};
    assert_rr_ok(rr_rrd_writer_open_buf(&out, NULL, &w, &err), &err);
    rr_log_msg_t m;
    memset(&m, 0, sizeof m);
    m.kind = RR_LOG_MSG_BLUEPRINT_ACTIVATION;
    m.u.blueprint_activation.blueprint_id = f.info.store_id;
    m.u.blueprint_activation.make_default = true;
    assert_rr_ok(rr_rrd_writer_write_msg(w, &m, &err), &err);
    assert_rr_ok(rr_rrd_writer_finish(w, &err), &err);
    assert_rr_ok(feed(out.data, out.len, 1, &got, NULL, &err), &err);
    assert_int_equal(got.n, 1);
    assert_true(got.msgs[0].msg.u.blueprint_activation.make_default);
    collected_free(&got);
    rr_buf_free(&out);
    fixture_free(&f);
}


/* ---------------- gathered payloads ---------------- */

/* A chunk of one row holding n floats: noise (incompressible) or a ramp of
 * small integers (LZ4 shrinks it a lot). */
static rr_chunk_t *big_chunk(const char *path, int64_t n, bool noise) {
    rr_error_t err = {0};
    rr_entity_path_t ep;
    assert_rr_ok(rr_entity_path_parse(path, strlen(path), &ep, &err), &err);
    rr_chunk_t *c;
    assert_rr_ok(rr_chunk_new(rr_tuid_new(), &ep, 1, NULL, &c, &err), &err);
    rr_entity_path_free(&ep);
    int64_t t = 7;
    assert_rr_ok(rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, &t, &err), &err);
    struct ArrowSchema ls;
    struct ArrowArray la;
    list_f32_type(&ls);
    assert_rr_ok(rr_arrow_array_init(&la, 2, 1, false, &err), &err);
    int32_t *off = rr_arrow_array_alloc_buffer(&la, 1, 2 * sizeof *off);
    assert_non_null(off);
    off[0] = 0;
    off[1] = (int32_t)n;
    la.length = 1;
    struct ArrowArray *v = la.children[0];
    assert_rr_ok(rr_arrow_array_init(v, 2, 0, false, &err), &err);
    float *f = rr_arrow_array_alloc_buffer(v, 1, (size_t)n * sizeof *f);
    assert_non_null(f);
    uint64_t x = 88172645463325252ull;
    for (int64_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t bits = (uint32_t)x;
        if (noise)
            memcpy(&f[i], &bits, 4);
        else
            f[i] = (float)(i % 16);
    }
    v->length = n;
    rr_component_descriptor_t d;
    assert_rr_ok(rr_component_descriptor_init(&d, "rerun.archetypes.Points3D", "Points3D:radii",
                                              "rerun.components.Radius", &err), &err);
    assert_rr_ok(rr_chunk_add_component(c, &d, &ls, &la, &err), &err);
    rr_component_descriptor_free(&d);
    rr_arrow_schema_release(&ls);
    return c;
}

static void pieces_join(const rr_arrow_ipc_pieces_t *ps, const rr_buf_t *meta, rr_buf_t *out) {
    out->len = 0;
    for (size_t i = 0; i < ps->n; i++) {
        const rr_arrow_ipc_piece_t *p = &ps->items[i];
        const uint8_t *src = p->ext ? p->ext : meta->data + p->off;
        assert_int_equal(rr_buf_append(out, src, p->len), RR_OK);
    }
}

/* Gathered IPC streams and payloads are byte for byte the copied ones. */
static void test_gather_same_bytes(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_chunk_t *chunks[3] = {make_chunk("/points", 300, 2, 0), big_chunk("/noise", 50000, true),
                             big_chunk("/ramp", 50000, false)};
    for (int k = 0; k < 3; k++) {
        struct ArrowSchema s;
        struct ArrowArray b;
        assert_rr_ok(rr_chunk_to_record_batch(chunks[k], &s, &b, &err), &err);
        rr_buf_t whole = {0}, meta = {0}, joined = {0};
        assert_rr_ok(rr_arrow_ipc_write_table(&whole, &s, &b, 1, NULL, &err), &err);
        const size_t mins[3] = {0, 64, RR_RRD_GATHER_MIN_PIECE};
        for (int m = 0; m < 3; m++) {
            rr_arrow_ipc_pieces_t ps = {0};
            meta.len = 0;
            assert_rr_ok(rr_arrow_ipc_write_table_gather(&meta, &s, &b, 1, NULL, mins[m], &ps, &err),
                         &err);
            pieces_join(&ps, &meta, &joined);
            assert_int_equal(joined.len, whole.len);
            assert_memory_equal(joined.data, whole.data, whole.len);
            /* Large buffers really are not copied: fewer bytes in meta. */
            if (k > 0) assert_true(meta.len + 50000 * 4 <= whole.len);
            rr_arrow_ipc_pieces_free(&ps);
        }
        /* Compression asked for, not allowed when gathering. */
        rr_arrow_ipc_write_options_t lz = {.compression = RR_ARROW_COMPRESSION_LZ4_FRAME};
        rr_arrow_ipc_pieces_t ps = {0};
        assert_int_equal(rr_arrow_ipc_write_table_gather(&meta, &s, &b, 1, &lz, 0, &ps, &err),
                         RR_ERR_INVALID_ARG);

        /* Payloads: NEVER and ALWAYS equal the copying encoder's. */
        for (int lz4 = 0; lz4 < 2; lz4++) {
            rr_rrd_payload_gather_t g = {0};
            rr_arrow_msg_t a, c;
            memset(&a, 0, sizeof a);
            memset(&c, 0, sizeof c);
            rr_buf_t copied = {0};
            assert_rr_ok(rr_rrd_payload_encode_gather(&s, &b, lz4 ? RR_RRD_LZ4_ALWAYS : RR_RRD_LZ4_NEVER,
                                                      &g, &a, &err), &err);
            assert_rr_ok(rr_rrd_payload_encode_buf(&s, &b, lz4, &copied, &c, &err), &err);
            rr_buf_t flat = {0};
            for (size_t i = 0; i < g.pieces.n; i++)
                assert_int_equal(rr_buf_append(&flat, g.pieces.items[i].ext, g.pieces.items[i].len), RR_OK);
            assert_int_equal(a.compression, c.compression);
            assert_int_equal(a.uncompressed_size, c.uncompressed_size);
            assert_int_equal(a.payload_len, c.payload_len);
            assert_int_equal(flat.len, c.payload_len);
            assert_memory_equal(flat.data, c.payload, c.payload_len);
            rr_buf_free(&flat);
            rr_buf_free(&copied);
            rr_rrd_payload_gather_free(&g);
        }
        rr_buf_free(&whole);
        rr_buf_free(&meta);
        rr_buf_free(&joined);
        rr_arrow_array_release(&b);
        rr_arrow_schema_release(&s);
    }
    for (int k = 0; k < 3; k++) rr_chunk_free(chunks[k]);
}

/* LZ4 only where it pays: noise goes uncompressed (compression NONE), a
 * compressible payload as LZ4; a file descriptor (writev of pieces) and a
 * buffer get the same bytes, and every chunk decodes back. */
static void test_lz4_when_it_pays(void **state) {
    (void)state;
    rr_error_t err = {0};
    fixture_t f;
    fixture_init(&f, "rec-pays");
    rr_chunk_free(f.chunks[3]);
    rr_chunk_free(f.chunks[2]);
    f.chunks[2] = big_chunk("/noise", 200000, true);
    f.chunks[3] = big_chunk("/ramp", 200000, false);
    rr_buf_t mem = {0};
    write_fixture(&f, NULL, &mem);

    char path[] = "/tmp/test_rrd_pays_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    rr_rrd_writer_t *w;
    assert_rr_ok(rr_rrd_writer_open_fd(fd, NULL, &w, &err), &err);
    assert_rr_ok(rr_rrd_writer_set_store_info(w, &f.info, &err), &err);
    for (int i = 0; i < f.n_chunks; i++)
        assert_rr_ok(rr_rrd_writer_write_chunk(w, &f.info.store_id, f.chunks[i], &err), &err);
    assert_rr_ok(rr_rrd_writer_finish(w, &err), &err);
    off_t size = lseek(fd, 0, SEEK_END);
    assert_int_equal((size_t)size, mem.len);
    uint8_t *data = malloc((size_t)size);
    assert_int_equal(pread(fd, data, (size_t)size, 0), size);
    close(fd);
    unlink(path);
    /* SetStoreInfo carries a fresh row id per writer: compare from the
     * first ArrowMsg on. */
    uint64_t kind, len;
    rr_rrd_message_header_read(mem.data + RR_RRD_STREAM_HEADER_SIZE, &kind, &len);
    size_t first = RR_RRD_STREAM_HEADER_SIZE + RR_RRD_MESSAGE_HEADER_SIZE + (size_t)len;
    assert_memory_equal(data + first, mem.data + first, mem.len - first);

    collected_t got = {0};
    assert_rr_ok(feed(data, (size_t)size, 4096, &got, NULL, &err), &err);
    assert_int_equal(got.n, 1 + f.n_chunks);
    expect_chunk(&got.msgs[1], f.chunks[0], true);
    expect_chunk(&got.msgs[3], f.chunks[2], false); /* noise: NONE */
    expect_chunk(&got.msgs[4], f.chunks[3], true);  /* ramp: LZ4 */
    assert_true(got.msgs[4].msg.u.arrow.payload_len * 4 < got.msgs[4].msg.u.arrow.uncompressed_size);
    collected_free(&got);
    /* The footer's manifest still finds every chunk. */
    rr_rrd_source_t src;
    rr_rrd_index_t idx;
    rr_rrd_source_mem(&src, data, (size_t)size);
    assert_rr_ok(rr_rrd_index_read(&src, &idx, &err), &err);
    rr_rrd_index_free(&idx);
    free(data);
    rr_buf_free(&mem);
    fixture_free(&f);
}

/* ---------------- damage ---------------- */

static void small_file(rr_buf_t *out, fixture_t *f) {
    rr_error_t err = {0};
    memset(f, 0, sizeof *f);
    assert_rr_ok(rr_store_id_init(&f->info.store_id, RR_STORE_KIND_RECORDING, "a", "r", &err), &err);
    f->chunks[f->n_chunks++] = make_chunk("/p", 3, 1, 0);
    f->chunks[f->n_chunks++] = make_chunk("/q", 1, 0, 0);
    write_fixture(f, NULL, out);
}

static void test_truncation_everywhere(void **state) {
    (void)state;
    rr_error_t err = {0};
    fixture_t f;
    rr_buf_t out = {0};
    small_file(&out, &f);
    collected_t full = {0};
    assert_rr_ok(feed(out.data, out.len, out.len, &full, NULL, &err), &err);
    for (size_t n = 0; n < out.len; n++) {
        collected_t got = {0};
        rr_status_t st = feed(out.data, n, n ? n : 1, &got, NULL, &err);
        /* Every message that ends inside the prefix is delivered, in order. */
        int want = 0;
        for (int i = 0; i < full.n; i++)
            if (full.msgs[i].body_offset + full.msgs[i].body_len <= n) want++;
        assert_int_equal(got.n, want);
        for (int i = 0; i < got.n; i++) assert_int_equal(got.msgs[i].offset, full.msgs[i].offset);
        bool boundary = n == 12;
        for (int i = 0; i < full.n; i++)
            if (full.msgs[i].body_offset + full.msgs[i].body_len == n) boundary = true;
        if (boundary)
            assert_int_equal(st, RR_OK);
        else {
            assert_int_equal(st, RR_ERR_TRUNCATED);
            assert_non_null(strstr(err.msg, "offset "));
        }
        collected_free(&got);
    }
    collected_free(&full);
    fixture_free(&f);
    rr_buf_free(&out);
}

static void test_bit_flips(void **state) {
    (void)state;
    rr_error_t err = {0};
    fixture_t f;
    rr_buf_t out = {0};
    small_file(&out, &f);
    uint8_t *copy = malloc(out.len);
    for (size_t i = 0; i < out.len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(copy, out.data, out.len);
            copy[i] ^= (uint8_t)(1u << bit);
            collected_t got = {0};
            rr_rrd_decoder_t *d;
            rr_status_t st = feed(copy, out.len, out.len, &got, &d, &err);
            /* Keep reading after recoverable errors, as a tool would. */
            for (int guard = 0; st != RR_OK && !rr_rrd_decoder_failed(d); guard++) {
                bool g;
                assert_true(got.n < 64 && guard < 64);
                st = rr_rrd_decoder_next(d, &got.msgs[got.n], &g, &err);
                if (st == RR_OK && g) got.n++;
                else if (st == RR_OK) {
                    (void)rr_rrd_decoder_finish(d, &err);
                    break;
                }
            }
            /* Payloads decode or fail cleanly. */
            for (int k = 0; k < got.n; k++) {
                if (got.msgs[k].msg.kind != RR_LOG_MSG_ARROW) continue;
                struct ArrowSchema s;
                struct ArrowArray b;
                if (rr_rrd_payload_decode(&got.msgs[k].msg.u.arrow, 1 << 20, &s, &b, &err) == RR_OK) {
                    rr_arrow_array_release(&b);
                    rr_arrow_schema_release(&s);
                }
            }
            assert_true(got.n <= 3);
            rr_rrd_decoder_free(d);
            collected_free(&got);
        }
    }
    free(copy);
    fixture_free(&f);
    rr_buf_free(&out);
}

static void test_bad_input(void **state) {
    (void)state;
    rr_error_t err = {0};
    fixture_t f;
    rr_buf_t out = {0};
    small_file(&out, &f);
    collected_t got = {0};

    /* Absurd length: refused at the header, before buffering. */
    uint8_t absurd[12 + 16];
    memcpy(absurd, out.data, 12);
    rr_rrd_message_header_write(2, UINT64_MAX / 2, absurd + 12);
    assert_int_equal(feed(absurd, sizeof absurd, 1, &got, NULL, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "offset 12: message length"));

    /* Unknown kind. */
    rr_rrd_message_header_write(9, 4, absurd + 12);
    assert_int_equal(feed(absurd, sizeof absurd, 28, &got, NULL, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "unknown message kind 9"));

    /* Wrong magic. */
    uint8_t zip[16] = "PK\3\4 not an rrd";
    assert_int_equal(feed(zip, sizeof zip, 16, &got, NULL, &err), RR_ERR_INVALID_DATA);
    assert_int_equal(got.n, 0);
    assert_int_equal(feed(zip, 0, 1, &got, NULL, &err), RR_ERR_TRUNCATED);

    /* A corrupt chunk in the middle: the frame is sound, its protobuf is not.
     * The messages before it come out, the error names its offset, and the
     * decoder carries on to the next one. */
    collected_t full = {0};
    assert_rr_ok(feed(out.data, out.len, out.len, &full, NULL, &err), &err);
    uint64_t at = full.msgs[1].body_offset;
    memset(out.data + at, 0xff, 8);
    rr_rrd_decoder_t *d;
    assert_rr_ok(rr_rrd_decoder_new(NULL, &d, &err), &err);
    assert_rr_ok(rr_rrd_decoder_push(d, out.data, out.len, &err), &err);
    bool g;
    assert_rr_ok(rr_rrd_decoder_next(d, &got.msgs[0], &g, &err), &err);
    assert_true(g);
    got.n = 1;
    assert_int_equal(rr_rrd_decoder_next(d, &got.msgs[1], &g, &err), RR_ERR_INVALID_DATA);
    char want[64];
    snprintf(want, sizeof want, "offset %llu: ArrowMsg", (unsigned long long)full.msgs[1].offset);
    assert_non_null(strstr(err.msg, want));
    assert_false(rr_rrd_decoder_failed(d));
    assert_rr_ok(rr_rrd_decoder_next(d, &got.msgs[1], &g, &err), &err);
    assert_true(g);
    got.n = 2;
    expect_chunk(&got.msgs[1], f.chunks[1], true);
    rr_rrd_decoder_free(d);
    collected_free(&got);

    /* A corrupt LZ4 payload with a sound protobuf: a clear payload error. */
    rr_arrow_msg_t a = full.msgs[2].msg.u.arrow;
    a.uncompressed_size = a.payload_len * 300;
    struct ArrowSchema s;
    struct ArrowArray b;
    assert_int_equal(rr_rrd_payload_decode(&a, 0, &s, &b, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "LZ4"));
    a = full.msgs[2].msg.u.arrow;
    uint8_t saved = a.payload[a.payload_len / 2];
    a.payload[a.payload_len / 2] ^= 0x55;
    rr_status_t st = rr_rrd_payload_decode(&a, 0, &s, &b, &err);
    if (st == RR_OK) {
        rr_arrow_array_release(&b);
        rr_arrow_schema_release(&s);
    }
    a.payload[a.payload_len / 2] = saved;
    collected_free(&full);
    fixture_free(&f);
    rr_buf_free(&out);
}

static void test_sha256(void **state) {
    (void)state;
    uint8_t h[32];
    rr_rrd_sha256("abc", 3, h);
    const uint8_t want[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                              0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                              0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    assert_memory_equal(h, want, 32);
    /* 56 bytes: padding spills into a second block. */
    const char *s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    rr_rrd_sha256(s, strlen(s), h);
    const uint8_t want2[4] = {0x24, 0x8d, 0x6a, 0x61};
    assert_memory_equal(h, want2, 4);
}

/* ---------------- in-place reading (next_ref, read_fd) ---------------- */

/* Reads a file through read_fd + next_ref; returns the first error or finish's. */
static rr_status_t read_ref(int fd, collected_t *out, rr_error_t *err) {
    rr_rrd_decoder_t *d;
    assert_rr_ok(rr_rrd_decoder_new(NULL, &d, err), err);
    rr_status_t st = RR_OK;
    for (;;) {
        bool got = true;
        while (st == RR_OK && got) {
            assert_true(out->n < 64);
            st = rr_rrd_decoder_next_ref(d, &out->msgs[out->n], &got, err);
            if (st == RR_OK && got) out->n++;
        }
        if (st != RR_OK) break;
        size_t n = 0;
        st = rr_rrd_decoder_read_fd(d, fd, &n, err);
        if (st != RR_OK || n == 0) break;
    }
    if (st == RR_OK) st = rr_rrd_decoder_finish(d, err);
    rr_rrd_decoder_free(d);
    return st;
}

static int temp_file(const uint8_t *data, size_t len, char path[64]) {
    strcpy(path, "/tmp/rr_test_rrd_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

/* Big chunks (bodies above 64 KiB take the own-buffer path) and small ones,
 * LZ4 on and off, twice concatenated: read_fd + next_ref gives the same
 * chunks as push + next, and uncompressed columns are read where the bytes
 * landed (inside the message's payload owner). */
static void test_read_in_place(void **state) {
    (void)state;
    rr_error_t err = {0};
    fixture_t f;
    fixture_init(&f, "rec-in-place");
    rr_chunk_free(f.chunks[0]);
    f.chunks[0] = make_chunk("/points", 20000, 2, 0); /* ~0.5 MB */
    for (int lz4 = 0; lz4 < 2; lz4++) {
        rr_rrd_writer_options_t opts = {.no_compression = !lz4};
        rr_buf_t buf = {0};
        write_fixture(&f, &opts, &buf);
        write_fixture(&f, &opts, &buf); /* cat a.rrd a.rrd */
        char path[64];
        int fd = temp_file(buf.data, buf.len, path);
        collected_t got = {0};
        assert_rr_ok(read_ref(fd, &got, &err), &err);
        assert_int_equal(got.n, 2 * (1 + f.n_chunks));
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < f.n_chunks; i++) {
                const rr_rrd_message_t *m = &got.msgs[k * (1 + f.n_chunks) + 1 + i];
                expect_chunk(m, f.chunks[i], lz4);
                if (!lz4 && i == 0) {
                    const rr_arrow_blob_t *owner = m->msg.u.arrow.payload_owner;
                    assert_non_null(owner);
                    struct ArrowSchema sch;
                    struct ArrowArray b;
                    assert_rr_ok(rr_rrd_payload_decode(&m->msg.u.arrow, 0, &sch, &b, &err), &err);
                    /* The f32 values of the radii column lie inside the owner. */
                    const struct ArrowArray *values = b.children[b.n_children - 2]->children[0];
                    const uint8_t *p = values->buffers[1];
                    assert_true(p >= owner->data && p < owner->data + owner->len);
                    rr_arrow_array_release(&b);
                    rr_arrow_schema_release(&sch);
                }
            }
        collected_free(&got);
        /* Truncated inside the big message: what came before is delivered. */
        assert_int_equal(ftruncate(fd, 12 + 200 + 70000), 0);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        assert_int_equal(read_ref(fd, &got, &err), RR_ERR_TRUNCATED);
        assert_int_equal(got.n, 1);
        assert_int_equal(got.msgs[0].msg.kind, RR_LOG_MSG_SET_STORE_INFO);
        collected_free(&got);
        close(fd);
        unlink(path);
        rr_buf_free(&buf);
    }
    fixture_free(&f);
}

/* rr_arrow_msg_decode_borrowed accepts and refuses what rr_log_msg_decode
 * does, on real ArrowMsg bodies and on every single-byte corruption of one. */
static void test_borrowed_decode_agrees(void **state) {
    (void)state;
    rr_error_t err = {0}, e1 = {0}, e2 = {0};
    fixture_t f;
    fixture_init(&f, "rec-borrowed");
    rr_buf_t buf = {0};
    write_fixture(&f, NULL, &buf);
    collected_t got = {0};
    assert_rr_ok(feed(buf.data, buf.len, buf.len, &got, NULL, &err), &err);
    const rr_rrd_message_t *m = &got.msgs[1];
    assert_int_equal(m->msg.kind, RR_LOG_MSG_ARROW);
    const uint8_t *body = buf.data + m->body_offset;
    size_t len = (size_t)m->body_len;
    uint8_t *copy = malloc(len);
    for (size_t i = 0; i < len; i++)
        for (int flip = 0; flip < 3; flip++) {
            memcpy(copy, body, len);
            static const uint8_t masks[3] = {0x01, 0x80, 0xff};
            copy[i] ^= masks[flip];
            rr_log_msg_t full;
            rr_arrow_msg_t borrowed;
            rr_status_t s1 = rr_log_msg_decode(RR_LOG_MSG_ARROW, copy, len, &full, &e1);
            rr_status_t s2 = rr_arrow_msg_decode_borrowed(copy, len, &borrowed, &e2);
            if ((s1 == RR_OK) != (s2 == RR_OK))
                fail_msg("byte %zu ^ %02x: full decode %s (%s), borrowed %s (%s)", i, masks[flip],
                         rr_status_str(s1), e1.msg, rr_status_str(s2), e2.msg);
            if (s1 == RR_OK) {
                assert_int_equal(full.u.arrow.payload_len, borrowed.payload_len);
                assert_memory_equal(full.u.arrow.payload, borrowed.payload, borrowed.payload_len);
                rr_log_msg_free(&full);
                rr_arrow_msg_free_borrowed(&borrowed);
            }
        }
    free(copy);
    collected_free(&got);
    rr_buf_free(&buf);
    fixture_free(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_header_bytes),
        cmocka_unit_test(test_minimal_viewer_file),
        cmocka_unit_test(test_round_trip_lz4),
        cmocka_unit_test(test_round_trip_uncompressed),
        cmocka_unit_test(test_manifest_random_access),
        cmocka_unit_test(test_concatenated),
        cmocka_unit_test(test_no_footer_and_sinks),
        cmocka_unit_test(test_gather_same_bytes),
        cmocka_unit_test(test_lz4_when_it_pays),
        cmocka_unit_test(test_truncation_everywhere),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_read_in_place),
        cmocka_unit_test(test_borrowed_decode_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
