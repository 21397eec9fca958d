/* Tests of the file sink's payload compression, rr_rrd_lz4_strided: its
 * blocks decompress (liblz4's safe decoder, as Rerun's) to the input for
 * inputs of every size up to a few hundred bytes and every kind (noise,
 * zeros, columns of 4-, 8- and 16-byte values, few symbols), end exactly as
 * the LZ4 block format wants (last 5 bytes literals, last match 12 bytes
 * before the end), stay within LZ4_compressBound, refuse a smaller output
 * buffer, and shrink chunk-like columns about as much as LZ4 does; the
 * gathered payload encoder uses it when asked and falls back to LZ4 on
 * text; an .rrd written by rr_save reads back with every row; and the
 * stream's compression option (default, LZ4 proper, none) reaches every
 * ArrowMsg, all three reading back the same. */
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arrow/schema.h"
#include "rrd/decoder.h"
#include "rrd/frames.h"
#include "sdk/sdk_internal.h"
#include "sdk_decode.h"
#include "testutil.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_rand(void) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33);
}

/* Compresses, checks the block's shape and decompresses it back. Returns
 * the block's size. */
static size_t roundtrip(const uint8_t *src, size_t n) {
    size_t cap = (size_t)LZ4_compressBound((int)n);
    uint8_t *dst = malloc(cap), *back = malloc(n ? n : 1);
    assert_non_null(dst);
    assert_non_null(back);
    size_t c = rr_rrd_lz4_strided(src, n, dst, cap);
    assert_true(c > 0 && c <= cap);
    int d = LZ4_decompress_safe((const char *)dst, (char *)back, (int)c, (int)n);
    assert_int_equal(d, (int)n);
    assert_memory_equal(src, back, n);
    /* Walk the sequences: the format's end rules hold. */
    size_t ip = 0, out = 0;
    for (;;) {
        uint8_t tok = dst[ip++];
        size_t lit = tok >> 4;
        if (lit == 15)
            for (uint8_t b = 255; b == 255; lit += b) b = dst[ip++];
        ip += lit;
        out += lit;
        if (ip == c) break; /* the last sequence: literals only */
        assert_true(ip + 2 <= c);
        ip += 2;
        size_t ml = (size_t)(tok & 15) + 4;
        if ((tok & 15) == 15)
            for (uint8_t b = 255; b == 255; ml += b) b = dst[ip++];
        assert_true(out + 12 <= n); /* a match starts 12 bytes before the end */
        out += ml;
        assert_true(out + 5 <= n); /* ... and ends 5 before it */
    }
    assert_int_equal(out, n);
    free(dst);
    free(back);
    return c;
}

static void fill(uint8_t *p, size_t n, int kind) {
    for (size_t i = 0; i < n; i++) {
        switch (kind) {
        case 0: p[i] = (uint8_t)next_rand(); break;
        case 1: p[i] = 0; break;
        case 2: p[i] = (uint8_t)(i % 4 == 0 ? next_rand() : 0); break;  /* int32 column */
        case 3: p[i] = (uint8_t)(i % 8 < 2 ? next_rand() : i % 8); break; /* int64-like */
        case 4: p[i] = (uint8_t)(i % 16 >= 14 ? next_rand() : i % 16); break; /* row ids */
        default: p[i] = (uint8_t)(next_rand() % 3); break;
        }
    }
}

static void test_roundtrip_small(void **state) {
    (void)state;
    uint8_t buf[600];
    for (int kind = 0; kind < 6; kind++)
        for (size_t n = 0; n <= 300; n++) {
            fill(buf, n, kind);
            roundtrip(buf, n);
        }
    for (int it = 0; it < 3000; it++) {
        size_t n = next_rand() % sizeof buf;
        /* Kinds change part-way, so runs start and end anywhere. */
        size_t cut = n ? next_rand() % n : 0;
        fill(buf, cut, (int)(next_rand() % 6));
        fill(buf + cut, n - cut, (int)(next_rand() % 6));
        roundtrip(buf, n);
    }
}

static void test_refuses_small_buffer(void **state) {
    (void)state;
    uint8_t src[100], dst[200];
    fill(src, sizeof src, 0);
    assert_int_equal(rr_rrd_lz4_strided(src, sizeof src, dst, (size_t)LZ4_compressBound(100) - 1), 0);
    assert_true(rr_rrd_lz4_strided(src, sizeof src, dst, sizeof dst) > 0);
}

/* A chunk's columns as the batcher lays them out: big-endian row ids (time,
 * increment), three int64 time columns, int32 offsets, f64 values. */
static uint8_t *chunk_like(size_t rows, size_t *n) {
    *n = rows * 52;
    uint8_t *src = malloc(*n), *p = src;
    assert_non_null(src);
    uint64_t t = 0x187654321000000ull, inc = 0x1234567890abcdull;
    for (size_t i = 0; i < rows; i++, inc++) {
        t += 900 + next_rand() % 400;
        for (int b = 0; b < 8; b++) *p++ = (uint8_t)(t >> (56 - 8 * b));
        for (int b = 0; b < 8; b++) *p++ = (uint8_t)(inc >> (56 - 8 * b));
    }
    for (size_t i = 0; i < rows; i++, p += 8) memcpy(p, &(int64_t){(int64_t)i}, 8);
    for (size_t i = 0; i < rows; i++, p += 8) memcpy(p, &(int64_t){(int64_t)i * 10 + 3}, 8);
    uint64_t lt = 1700000000000000000ull;
    for (size_t i = 0; i < rows; i++, p += 8) {
        lt += 950 + next_rand() % 200;
        memcpy(p, &lt, 8);
    }
    for (size_t i = 0; i < rows; i++, p += 4) memcpy(p, &(int32_t){(int32_t)i}, 4);
    double x = 0;
    for (size_t i = 0; i < rows; i++, p += 8) {
        x += ((double)next_rand() / 4294967296.0 - 0.5) * 0.2;
        memcpy(p, &x, 8);
    }
    return src;
}

static void test_chunk_columns(void **state) {
    (void)state;
    size_t n;
    uint8_t *src = chunk_like(40000, &n);
    size_t c = roundtrip(src, n);
    uint8_t *lz = malloc((size_t)LZ4_compressBound((int)n));
    int l = LZ4_compress_default((const char *)src, (char *)lz, (int)n, LZ4_compressBound((int)n));
    assert_true(l > 0);
    /* Within 10% of LZ4's block, and far below the input. */
    assert_true(c * 10 <= (size_t)l * 11);
    assert_true(c * 4 <= n * 3);
    free(lz);
    free(src);
}

/* A record batch of one large column of bytes, as a payload. */
static void one_column_batch(const uint8_t *bytes, size_t n, struct ArrowSchema *s,
                             struct ArrowArray *b) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_schema_init(s, "+s", "", 0, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(s->children[0], "C", "x", 0, 0, &err), &err);
    assert_rr_ok(rr_arrow_array_init(b, 1, 1, false, &err), &err);
    struct ArrowArray *c = b->children[0];
    assert_rr_ok(rr_arrow_array_init(c, 2, 0, false, &err), &err);
    uint8_t *p = rr_arrow_array_alloc_buffer(c, 1, n);
    assert_non_null(p);
    memcpy(p, bytes, n);
    c->length = (int64_t)n;
    c->null_count = 0;
    b->length = (int64_t)n;
    b->null_count = 0;
}

static size_t payload_size(const uint8_t *bytes, size_t n, bool strided, int *compression) {
    struct ArrowSchema s;
    struct ArrowArray b;
    one_column_batch(bytes, n, &s, &b);
    rr_rrd_payload_gather_t g;
    memset(&g, 0, sizeof g);
    g.lz4_strided = strided;
    rr_arrow_msg_t msg;
    memset(&msg, 0, sizeof msg);
    rr_error_t err = {0};
    assert_rr_ok(rr_rrd_payload_encode_gather(&s, &b, RR_RRD_LZ4_WHEN_IT_PAYS, &g, &msg, &err),
                 &err);
    *compression = (int)msg.compression;
    size_t len = msg.payload_len;
    /* It decodes to the same bytes. */
    uint8_t *flat = malloc(len);
    size_t at = 0;
    for (size_t i = 0; i < g.pieces.n; i++) {
        memcpy(flat + at, g.pieces.items[i].ext, g.pieces.items[i].len);
        at += g.pieces.items[i].len;
    }
    assert_int_equal(at, len);
    msg.payload = flat;
    struct ArrowSchema s2;
    struct ArrowArray b2;
    assert_rr_ok(rr_rrd_payload_decode(&msg, 0, &s2, &b2, &err), &err);
    assert_int_equal(b2.children[0]->length, (int64_t)n);
    assert_memory_equal(b2.children[0]->buffers[1], bytes, n);
    rr_arrow_array_release(&b2);
    rr_arrow_schema_release(&s2);
    free(flat);
    rr_rrd_payload_gather_free(&g);
    rr_arrow_array_release(&b);
    rr_arrow_schema_release(&s);
    return len;
}

static void test_gather_choice(void **state) {
    (void)state;
    size_t n;
    uint8_t *cols = chunk_like(20000, &n);
    int comp;
    size_t strided = payload_size(cols, n, true, &comp);
    assert_int_equal(comp, RR_PAYLOAD_COMPRESSION_LZ4);
    size_t plain = payload_size(cols, n, false, &comp);
    assert_int_equal(comp, RR_PAYLOAD_COMPRESSION_LZ4);
    assert_true(strided * 10 <= plain * 11);
    free(cols);
    /* Text repeats at distances other than 8 and 16: LZ4's block is used. */
    static const char *words[] = {"alpha ", "beta ", "gamma ", "delta ", "epsilon ", "zeta "};
    size_t tn = 200000;
    uint8_t *text = malloc(tn);
    for (size_t at = 0; at < tn;) {
        const char *w = words[next_rand() % 6];
        for (size_t i = 0; w[i] && at < tn; i++) text[at++] = (uint8_t)w[i];
    }
    size_t t_strided = payload_size(text, tn, true, &comp);
    assert_int_equal(comp, RR_PAYLOAD_COMPRESSION_LZ4);
    size_t t_plain = payload_size(text, tn, false, &comp);
    assert_int_equal(t_strided, t_plain);
    free(text);
    /* Noise stays uncompressed. */
    uint8_t *noise = malloc(tn);
    fill(noise, tn, 0);
    payload_size(noise, tn, true, &comp);
    assert_int_equal(comp, RR_PAYLOAD_COMPRESSION_NONE);
    free(noise);
}

/* rr_save's file (strided payloads) reads back with every row. */
static void test_file_sink_reads_back(void **state) {
    (void)state;
    char path[] = "/tmp/test_sdk_lz4_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    rr_error_t err = {0};
    rr_recording_options_t o;
    memset(&o, 0, sizeof o);
    o.no_properties = true;
    rr_recording_stream_t *rec;
    assert_rr_ok(rr_recording_stream_new("test_lz4", &o, &rec, &err), &err);
    assert_rr_ok(rr_save(rec, path, &err), &err);
    enum { ROWS = 30000 };
    for (int i = 0; i < ROWS; i++) {
        assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
        double v = i * 0.25;
        rr_archetype_t *a;
        assert_rr_ok(rr_scalars_new(&a, &v, 1, RR_BORROW, &err), &err);
        assert_rr_ok(rr_log(rec, "s", a, &err), &err);
        rr_archetype_free(a);
    }
    rr_recording_stream_free(rec);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc((size_t)len);
    assert_int_equal(fread(data, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    unlink(path);
    decoded_t *d = decode(data, (size_t)len);
    int64_t n = 0;
    for (size_t k = 0; k < d->n_chunks; k++) {
        const rr_chunk_t *c = d->chunks[k];
        const rr_chunk_component_t *cc = rr_chunk_find_component(c, "Scalars:scalars");
        const rr_chunk_index_t *fr = rr_chunk_find_index(c, "frame");
        assert_non_null(cc);
        assert_non_null(fr);
        const struct ArrowArray *v = cc->array.children[0];
        const double *vals = (const double *)v->buffers[1] + v->offset;
        const int32_t *off = (const int32_t *)cc->array.buffers[1] + cc->array.offset;
        for (int64_t r = 0; r < c->num_rows; r++, n++) {
            assert_int_equal(rr_chunk_index_value(fr, r), n);
            assert_true(vals[off[r]] == n * 0.25);
        }
    }
    assert_int_equal(n, ROWS);
    /* 52 bytes a row, compressed: well under that in the file. */
    assert_true((size_t)len < (size_t)ROWS * 40);
    decoded_free(d);
    free(data);
}

/* Counts ArrowMsg compressions of a decoded .rrd and decodes its payloads. */
typedef struct comp_count {
    int none, lz4;
    int64_t rows;
} comp_count_t;

static rr_status_t count_msg(void *ctx, rr_rrd_message_t *m, rr_error_t *err) {
    comp_count_t *c = ctx;
    rr_status_t st = RR_OK;
    if (m->msg.kind == RR_LOG_MSG_ARROW) {
        if (m->msg.u.arrow.compression == RR_PAYLOAD_COMPRESSION_LZ4) c->lz4++;
        else c->none++;
        struct ArrowSchema s;
        struct ArrowArray b;
        st = rr_rrd_payload_decode(&m->msg.u.arrow, 0, &s, &b, err);
        if (st == RR_OK) {
            c->rows += b.length;
            rr_arrow_array_release(&b);
            rr_arrow_schema_release(&s);
        }
    }
    rr_rrd_message_free(m);
    return st;
}

static void test_compression_option(void **state) {
    (void)state;
    size_t sizes[3];
    for (int mode = 0; mode < 3; mode++) {
        rr_error_t err = {0};
        rr_recording_options_t o;
        memset(&o, 0, sizeof o);
        o.no_properties = true;
        /* The same chunks in every mode (one): no batcher thread, which
         * would hand chunks over early whenever it happens to be idle. */
        o.batcher.no_threads = true;
        o.compression = mode == 0 ? RR_COMPRESSION_DEFAULT : mode == 1 ? RR_COMPRESSION_LZ4
                                                                       : RR_COMPRESSION_NONE;
        rr_recording_stream_t *rec;
        assert_rr_ok(rr_recording_stream_new("test_lz4", &o, &rec, &err), &err);
        rr_memory_sink_t *m;
        assert_rr_ok(rr_memory_sink(rec, &m, &err), &err);
        for (int i = 0; i < 20000; i++) {
            assert_rr_ok(rr_set_time_sequence(rec, "frame", i), &err);
            double v = i * 0.25;
            rr_archetype_t *a;
            assert_rr_ok(rr_scalars_new(&a, &v, 1, RR_BORROW, &err), &err);
            assert_rr_ok(rr_log(rec, "s", a, &err), &err);
            rr_archetype_free(a);
        }
        assert_rr_ok(rr_flush(rec, &err), &err);
        size_t len;
        const uint8_t *data = rr_memory_sink_data(m, &len);
        comp_count_t c = {0};
        assert_rr_ok(rr_rrd_decode_all(data, len, count_msg, &c, &err), &err);
        assert_int_equal(c.rows, 20000);
        if (mode == 2) {
            assert_int_equal(c.lz4, 0);
        } else {
            assert_true(c.lz4 > 0);
            assert_int_equal(c.none, 0);
        }
        sizes[mode] = len;
        rr_recording_stream_free(rec);
    }
    /* LZ4 proper is the smallest, the default close to it, none far bigger. */
    assert_true(sizes[1] <= sizes[0]);
    assert_true(sizes[0] * 10 <= sizes[1] * 11);
    assert_true(sizes[2] > sizes[0] * 5 / 4);
    /* An unknown choice is refused. */
    rr_recording_options_t o;
    memset(&o, 0, sizeof o);
    o.compression = (rr_compression_t)7;
    rr_recording_stream_t *rec = NULL;
    rr_error_t err = {0};
    assert_int_equal(rr_recording_stream_new("test_lz4", &o, &rec, &err), RR_ERR_INVALID_ARG);
    assert_null(rec);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_small),
        cmocka_unit_test(test_refuses_small_buffer),
        cmocka_unit_test(test_chunk_columns),
        cmocka_unit_test(test_gather_choice),
        cmocka_unit_test(test_file_sink_reads_back),
        cmocka_unit_test(test_compression_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
