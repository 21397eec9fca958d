/* The store's chunk decoder (rr_store_chunk_decode: cached schemas, batches
 * read in place, packed straight into chunks) against the general path
 * (rr_rrd_payload_decode + rr_chunk_from_record_batch) on random chunks of
 * every column kind the store tests use (lists of int64, of fixed-size
 * lists, of strings, clears; nulls, empty cells, static chunks), LZ4 and
 * uncompressed: the same chunk every time. Then damage: every byte of a few
 * payloads flipped in turn, and every cut; the decoder must agree with the
 * general path on success or failure (and on the chunk), with schemas in
 * its cache from earlier messages of the same entity. And the ArrowMsg
 * protobuf read in one pass (log_msg.c) against protobuf-c's reading of
 * the same body (through the LogMsg wrapper), on bodies with fields left
 * out and with every byte flipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "arrow/array.h"
#include "arrow/schema.h"
#include "model/log_msg.h"
#include "rrd/frames.h"
#include "store/store.h"
#include "store_testgen.h"

#define N_ENT 3
#define N_TL 2
#define N_COMP 4
static const char *ENT[N_ENT] = {"/a", "/a/b", "/d"};
static const char *TL[N_TL] = {"frame", "time"};
static const char *COMP[N_COMP] = {"T:x", "T:p", "T:s", RR_STORE_CLEAR_COMPONENT};
static const char *ARCH[N_COMP] = {"T", "T", "T", "T"};
static const char *CHILD[N_COMP] = {"l", "+w:3", "u", "b"};

static tg_world_t W;

static rr_chunk_t *random_chunk(tg_ref_t *ref, bool strings) {
    tg_plan_t p = {0};
    p.ent = (int)tg_rnd(&W, N_ENT);
    p.is_static = tg_rnd(&W, 10) == 0;
    p.n = 1 + (int)tg_rnd(&W, tg_rnd(&W, 4) == 0 ? 12 : 3);
    p.has_tl[0] = !p.is_static;
    p.has_tl[1] = !p.is_static && tg_rnd(&W, 2) == 0;
    int n = 0;
    for (int c = 0; c < N_COMP; c++) {
        p.has_comp[c] = tg_rnd(&W, 100) < (c == 2 ? (strings ? 20 : 0) : c == 3 ? 15 : 60);
        n += p.has_comp[c];
    }
    if (!n) p.has_comp[0] = true;
    p.rid_time_base = 1000;
    p.rid_time_spread = 40;
    p.time_spread = 30;
    p.chunk_id_time = 5;
    return tg_chunk(&W, &p, ref);
}

/* The ArrowMsg of chunk c (payload malloc'ed into msg). */
static void encode(const rr_chunk_t *c, bool lz4, rr_arrow_msg_t *msg) {
    rr_error_t err = {0};
    struct ArrowSchema s;
    struct ArrowArray b;
    assert_rr_ok(rr_chunk_to_record_batch(c, &s, &b, &err), &err);
    memset(msg, 0, sizeof *msg);
    assert_rr_ok(rr_rrd_payload_encode(&s, &b, lz4, msg, &err), &err);
    msg->encoding = RR_PAYLOAD_ENCODING_ARROW_IPC;
    rr_arrow_schema_release(&s);
    rr_arrow_array_release(&b);
}

/* Both ways; they must agree. Returns whether the message decoded. */
static bool both_ways(rr_store_chunk_decoder_t *d, const rr_arrow_msg_t *msg) {
    rr_error_t e1 = {0}, e2 = {0};
    rr_chunk_t *fast = NULL, *slow = NULL;
    rr_status_t s1 = rr_store_chunk_decode(d, msg, &fast, &e1);
    rr_status_t s2 = rr_store_chunk_decode(NULL, msg, &slow, &e2);
    if (s1 != s2) fail_msg("decoder says %d (%s), general path %d (%s)", s1, e1.msg, s2, e2.msg);
    if (s1 == RR_OK) {
        rr_error_t why = {0};
        if (!rr_chunk_equal(fast, slow, &why)) fail_msg("chunks differ: %s", why.msg);
        assert_int_equal(rr_chunk_is_packed(fast), rr_chunk_is_packed(slow));
    } else {
        assert_string_equal(e1.msg, e2.msg);
    }
    rr_chunk_free(fast);
    rr_chunk_free(slow);
    return s1 == RR_OK;
}

static void test_random_chunks(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_store_chunk_decoder_t *d = NULL;
    assert_rr_ok(rr_store_chunk_decoder_new(&d, &err), &err);
    tg_ref_t ref = {0};
    int packed = 0;
    for (int i = 0; i < 3000; i++) {
        rr_chunk_t *c = random_chunk(&ref, i % 3 == 0);
        rr_arrow_msg_t msg;
        encode(c, tg_rnd(&W, 4) != 0, &msg);
        assert_true(both_ways(d, &msg));
        rr_chunk_t *got = NULL;
        assert_rr_ok(rr_store_chunk_decode(d, &msg, &got, &err), &err);
        assert_true(rr_chunk_equal(got, c, NULL));
        packed += rr_chunk_is_packed(got);
        rr_chunk_free(got);
        free(msg.payload);
        rr_chunk_free(c);
    }
    /* the fast path was taken (its chunks are packed), and not for all */
    assert_true(packed > 1000 && packed < 3000);
    tg_ref_free(&ref);
    rr_store_chunk_decoder_free(d);
}

static void test_damage(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_store_chunk_decoder_t *d = NULL;
    assert_rr_ok(rr_store_chunk_decoder_new(&d, &err), &err);
    tg_ref_t ref = {0};
    for (int round = 0; round < 6; round++) {
        rr_chunk_t *c = random_chunk(&ref, false);
        bool lz4 = round % 2 == 1;
        rr_arrow_msg_t msg;
        encode(c, lz4, &msg);
        /* the schema is cached first, as in a stream */
        assert_true(both_ways(d, &msg));
        size_t n = msg.payload_len;
        /* an aligned copy: uncompressed payloads are read in place */
        uint8_t *orig = rr_alloc_aligned(n);
        memcpy(orig, msg.payload, n);
        free(msg.payload);
        msg.payload = rr_alloc_aligned(n);
        int ok = 0, bad = 0;
        for (size_t at = 0; at < n; at++) {
            for (int bit = 0; bit < 8; bit += 3) {
                memcpy(msg.payload, orig, n);
                msg.payload[at] ^= (uint8_t)(1u << bit);
                if (both_ways(d, &msg)) ok++;
                else bad++;
            }
        }
        for (size_t cut = 0; cut < n; cut += 1 + n / 97) {
            memcpy(msg.payload, orig, n);
            msg.payload_len = cut;
            if (!lz4) both_ways(d, &msg);
        }
        msg.payload_len = n;
        assert_true(ok > 0 && bad > 0);
        rr_free_aligned(msg.payload);
        rr_free_aligned(orig);
        rr_chunk_free(c);
    }
    tg_ref_free(&ref);
    rr_store_chunk_decoder_free(d);
}

/* Many schemas: the cache evicts and stays right. */
static void test_many_schemas(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_store_chunk_decoder_t *d = NULL;
    assert_rr_ok(rr_store_chunk_decoder_new(&d, &err), &err);
    rr_component_descriptor_t descr;
    struct ArrowSchema type;
    assert_rr_ok(rr_arrow_schema_init(&type, "+l", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(type.children[0], "g", "item", ARROW_FLAG_NULLABLE, 0, &err),
                 &err);
    assert_rr_ok(rr_component_descriptor_init(&descr, "rerun.archetypes.Scalars", "Scalars:scalars",
                                              "rerun.components.Scalar", &err),
                 &err);
    for (int i = 0; i < 600; i++) {
        char path[32];
        snprintf(path, sizeof path, "/e%d", (i * 7919) % 150);
        rr_entity_path_t p;
        assert_rr_ok(rr_entity_path_parse(path, strlen(path), &p, &err), &err);
        int64_t t = i;
        double v = i * 0.5;
        struct ArrowArray list;
        rr_chunk_t *c = NULL;
        assert_rr_ok(rr_chunk_new(rr_tuid_new(), &p, 1, NULL, &c, &err), &err);
        assert_rr_ok(rr_chunk_add_index(c, "frame", RR_TIME_SEQUENCE, &t, &err), &err);
        assert_rr_ok(rr_arrow_array_init(&list, 2, 1, false, &err), &err);
        assert_rr_ok(rr_arrow_array_init(list.children[0], 2, 0, false, &err), &err);
        int32_t *off = rr_arrow_array_alloc_buffer(&list, 1, 8);
        double *vals = rr_arrow_array_alloc_buffer(list.children[0], 1, 8);
        assert_non_null(off);
        assert_non_null(vals);
        off[0] = 0;
        off[1] = 1;
        vals[0] = v;
        list.length = 1;
        list.children[0]->length = 1;
        assert_rr_ok(rr_chunk_add_component(c, &descr, &type, &list, &err), &err);
        rr_arrow_msg_t msg;
        encode(c, true, &msg);
        assert_true(both_ways(d, &msg));
        free(msg.payload);
        rr_chunk_free(c);
        rr_entity_path_free(&p);
    }
    rr_component_descriptor_free(&descr);
    rr_arrow_schema_release(&type);
    rr_store_chunk_decoder_free(d);
}

/* The body wrapped as LogMsg field 2 (arrow_msg): rr_log_msg_decode_wrapped
 * reads it with protobuf-c. */
static rr_status_t decode_pbc(const uint8_t *body, size_t n, rr_log_msg_t *out, rr_error_t *err) {
    uint8_t *w = malloc(n + 16);
    size_t k = 0;
    w[k++] = 2 << 3 | 2;
    size_t v = n;
    do {
        w[k++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    memcpy(w + k, body, n);
    rr_status_t st = rr_log_msg_decode_wrapped(w, k + n, out, err);
    free(w);
    return st;
}

static void same_msg(const uint8_t *body, size_t n) {
    rr_log_msg_t a, b;
    rr_error_t ea = {0}, eb = {0};
    rr_status_t sa = rr_log_msg_decode(RR_LOG_MSG_ARROW, body, n, &a, &ea);
    rr_status_t sb = decode_pbc(body, n, &b, &eb);
    if ((sa == RR_OK) != (sb == RR_OK)) fail_msg("one pass %d (%s), protobuf-c %d (%s)", sa, ea.msg, sb, eb.msg);
    if (sa != RR_OK) return;
    const rr_arrow_msg_t *x = &a.u.arrow, *y = &b.u.arrow;
    assert_true(rr_store_id_equal(&x->store_id, &y->store_id));
    assert_int_equal(x->store_id.kind, y->store_id.kind);
    assert_int_equal(x->has_chunk_id, y->has_chunk_id);
    assert_true(rr_tuid_cmp(x->chunk_id, y->chunk_id) == 0);
    assert_int_equal(x->compression, y->compression);
    assert_int_equal(x->uncompressed_size, y->uncompressed_size);
    assert_int_equal(x->encoding, y->encoding);
    assert_int_equal(x->has_is_static, y->has_is_static);
    assert_int_equal(x->is_static, y->is_static);
    assert_int_equal(x->payload_len, y->payload_len);
    assert_int_equal(x->payload == NULL, y->payload == NULL);
    if (x->payload_len) assert_memory_equal(x->payload, y->payload, x->payload_len);
    rr_arrow_msg_t c;
    rr_error_t ec = {0};
    assert_rr_ok(rr_arrow_msg_decode_borrowed(body, n, &c, &ec), &ec);
    assert_true(rr_store_id_equal(&c.store_id, &y->store_id));
    assert_int_equal(c.payload_len, y->payload_len);
    rr_arrow_msg_free_borrowed(&c);
    rr_log_msg_free(&a);
    rr_log_msg_free(&b);
}

static void test_arrow_msg_protobuf(void **state) {
    (void)state;
    rr_error_t err = {0};
    uint8_t payload[40];
    for (int i = 0; i < 40; i++) payload[i] = (uint8_t)(i * 7);
    for (int shape = 0; shape < 32; shape++) {
        rr_log_msg_t m;
        memset(&m, 0, sizeof m);
        m.kind = RR_LOG_MSG_ARROW;
        rr_arrow_msg_t *a = &m.u.arrow;
        assert_rr_ok(rr_store_id_init(&a->store_id, shape & 1 ? RR_STORE_KIND_BLUEPRINT : RR_STORE_KIND_RECORDING,
                                      shape & 2 ? "app" : "", shape & 4 ? "rec-1234" : "", &err),
                     &err);
        a->has_chunk_id = shape & 8;
        a->chunk_id = (rr_tuid_t){0x123456789abcdefull, (uint64_t)shape << 40 | 77};
        a->compression = shape & 16 ? RR_PAYLOAD_COMPRESSION_LZ4 : RR_PAYLOAD_COMPRESSION_NONE;
        a->uncompressed_size = shape & 16 ? 1000 + (uint64_t)shape : 0;
        a->encoding = RR_PAYLOAD_ENCODING_ARROW_IPC;
        a->payload = payload;
        a->payload_len = (size_t)(shape % 5) * 10;
        a->has_is_static = shape % 3 == 0;
        a->is_static = shape % 6 == 0;
        rr_buf_t body = {0};
        assert_rr_ok(rr_log_msg_encode(&m, &body, &err), &err);
        rr_store_id_free(&a->store_id);
        same_msg(body.data, body.len);
        uint8_t *copy = malloc(body.len);
        for (size_t at = 0; at < body.len; at++)
            for (int bit = 0; bit < 8; bit++) {
                memcpy(copy, body.data, body.len);
                copy[at] ^= (uint8_t)(1u << bit);
                same_msg(copy, body.len);
            }
        for (size_t cut = 0; cut < body.len; cut++) same_msg(body.data, cut);
        /* field numbers past INT32_MAX (a tag the fuzzer found) */
        static const uint8_t big[] = {0x88, 0x80, 0x80, 0x80, 0x40, 0x01, 0xf8, 0xff, 0xff, 0xff, 0x7f, 0x01};
        uint8_t *more = malloc(body.len + sizeof big);
        memcpy(more, body.data, body.len);
        memcpy(more + body.len, big, sizeof big);
        same_msg(more, body.len + sizeof big);
        same_msg(big, sizeof big);
        free(more);
        free(copy);
        rr_buf_free(&body);
    }
}

int main(void) {
    tg_world_init(&W, 0x2545F4914F6CDD1DULL, N_ENT, ENT, N_TL, TL, N_COMP, COMP, ARCH, CHILD, 3);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_chunks),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_many_schemas),
        cmocka_unit_test(test_arrow_msg_protobuf),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tg_world_free(&W);
    return rc;
}
