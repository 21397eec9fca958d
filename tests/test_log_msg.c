/* Tests of the wire messages (model/log_msg.h): exact protobuf bytes as prost
 * writes them for Rerun 0.33's log_msg.proto, round trips of every message and
 * of the RrdFooter, the LogMsg oneof wrapper, and malformed input. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "model/log_msg.h"
#include "testutil.h"

static rr_log_msg_t make_store_info(void) {
    rr_error_t err = {0};
    rr_log_msg_t m;
    memset(&m, 0, sizeof m);
    m.kind = RR_LOG_MSG_SET_STORE_INFO;
    m.u.set_store_info.row_id = (rr_tuid_t){1, 2};
    assert_rr_ok(rr_store_id_init(&m.u.set_store_info.info.store_id, RR_STORE_KIND_RECORDING, "app",
                                  "rec", &err), &err);
    m.u.set_store_info.info.source_kind = RR_STORE_SOURCE_C_SDK;
    m.u.set_store_info.info.has_version = true;
    const uint8_t v[4] = RR_CRATE_VERSION_0_33_0;
    memcpy(m.u.set_store_info.info.version, v, 4);
    return m;
}

/* SetStoreInfo, byte for byte: fields in number order, proto3 defaults
 * omitted, StoreSource.extra present but empty, version bits 0x2100 as LE i32. */
static void test_set_store_info_bytes(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_log_msg_t m = make_store_info();
    rr_buf_t out = {0};
    assert_rr_ok(rr_log_msg_encode(&m, &out, &err), &err);
    const uint8_t want[] = {
        0x0a, 0x12, 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x11, 2, 0, 0, 0, 0, 0, 0, 0, /* row_id */
        0x12, 0x1b,                                                             /* info */
        0x12, 0x0e, 0x08, 0x01, 0x12, 0x03, 'r', 'e', 'c', 0x1a, 0x05, 0x0a, 0x03, 'a', 'p', 'p',
        0x2a, 0x04, 0x08, 0x01, 0x12, 0x00, /* store_source: C SDK, empty extra */
        0x32, 0x03, 0x08, 0x80, 0x42,       /* store_version: 0x2100 */
    };
    assert_int_equal(out.len, sizeof want);
    assert_memory_equal(out.data, want, sizeof want);

    rr_log_msg_t back;
    assert_rr_ok(rr_log_msg_decode(RR_LOG_MSG_SET_STORE_INFO, out.data, out.len, &back, &err), &err);
    const rr_set_store_info_t *s = &back.u.set_store_info;
    assert_int_equal(s->row_id.time_ns, 1);
    assert_int_equal(s->row_id.inc, 2);
    assert_string_equal(s->info.store_id.application_id, "app");
    assert_string_equal(s->info.store_id.recording_id, "rec");
    assert_int_equal(s->info.store_id.kind, RR_STORE_KIND_RECORDING);
    assert_int_equal(s->info.source_kind, RR_STORE_SOURCE_C_SDK);
    assert_true(s->info.has_version);
    assert_int_equal(s->info.version[1], 33);
    assert_true(rr_store_id_equal(&s->info.store_id, &m.u.set_store_info.info.store_id));
    rr_log_msg_free(&back);
    rr_log_msg_free(&m);
    rr_buf_free(&out);
}

static void test_arrow_msg_round_trip(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_log_msg_t m;
    memset(&m, 0, sizeof m);
    m.kind = RR_LOG_MSG_ARROW;
    assert_rr_ok(rr_store_id_init(&m.u.arrow.store_id, RR_STORE_KIND_BLUEPRINT, "a", "b", &err), &err);
    m.u.arrow.has_chunk_id = true;
    m.u.arrow.chunk_id = (rr_tuid_t){0x1234567890abcdefull, 42};
    m.u.arrow.compression = RR_PAYLOAD_COMPRESSION_LZ4;
    m.u.arrow.uncompressed_size = 1000;
    m.u.arrow.encoding = RR_PAYLOAD_ENCODING_ARROW_IPC;
    uint8_t payload[300];
    for (int i = 0; i < 300; i++) payload[i] = (uint8_t)i;
    m.u.arrow.payload = payload;
    m.u.arrow.payload_len = sizeof payload;
    m.u.arrow.has_is_static = true;
    m.u.arrow.is_static = false; /* proto3 optional: presence survives */
    rr_buf_t out = {0};
    assert_rr_ok(rr_log_msg_encode(&m, &out, &err), &err);
    rr_log_msg_t back;
    assert_rr_ok(rr_log_msg_decode(RR_LOG_MSG_ARROW, out.data, out.len, &back, &err), &err);
    const rr_arrow_msg_t *a = &back.u.arrow;
    assert_true(rr_store_id_equal(&a->store_id, &m.u.arrow.store_id));
    assert_true(a->has_chunk_id);
    assert_int_equal(a->chunk_id.time_ns, 0x1234567890abcdefull);
    assert_int_equal(a->chunk_id.inc, 42);
    assert_int_equal(a->compression, RR_PAYLOAD_COMPRESSION_LZ4);
    assert_int_equal(a->uncompressed_size, 1000);
    assert_int_equal(a->encoding, 1);
    assert_int_equal(a->payload_len, 300);
    assert_memory_equal(a->payload, payload, 300);
    assert_true(a->has_is_static);
    assert_false(a->is_static);

    /* The LogMsg oneof form: field 2, then the same body. */
    rr_buf_t wrapped = {0};
    assert_rr_ok(rr_log_msg_encode_wrapped(&m, &wrapped, &err), &err);
    assert_int_equal(wrapped.data[0], 0x12);
    rr_log_msg_t back2;
    assert_rr_ok(rr_log_msg_decode_wrapped(wrapped.data, wrapped.len, &back2, &err), &err);
    assert_int_equal(back2.kind, RR_LOG_MSG_ARROW);
    assert_int_equal(back2.u.arrow.payload_len, 300);

    m.u.arrow.payload = NULL; /* borrowed */
    rr_log_msg_free(&m);
    rr_log_msg_free(&back);
    rr_log_msg_free(&back2);
    rr_buf_free(&out);
    rr_buf_free(&wrapped);
}

static void test_blueprint_activation(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_log_msg_t m;
    memset(&m, 0, sizeof m);
    m.kind = RR_LOG_MSG_BLUEPRINT_ACTIVATION;
    assert_rr_ok(rr_store_id_init(&m.u.blueprint_activation.blueprint_id, RR_STORE_KIND_BLUEPRINT,
                                  "app", "bp", &err), &err);
    m.u.blueprint_activation.make_active = true;
    rr_buf_t out = {0};
    assert_rr_ok(rr_log_msg_encode(&m, &out, &err), &err);
    rr_log_msg_t back;
    assert_rr_ok(rr_log_msg_decode(RR_LOG_MSG_BLUEPRINT_ACTIVATION, out.data, out.len, &back, &err), &err);
    assert_true(back.u.blueprint_activation.make_active);
    assert_false(back.u.blueprint_activation.make_default);
    assert_string_equal(rr_log_msg_store_id(&back)->recording_id, "bp");
    rr_log_msg_free(&m);
    rr_log_msg_free(&back);
    rr_buf_free(&out);
}

static void test_footer_round_trip(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_rrd_manifest_msg_t ms[2];
    memset(ms, 0, sizeof ms);
    uint8_t schema_bytes[5] = {1, 2, 3, 4, 5}, data_bytes[7] = {9, 8, 7, 6, 5, 4, 3};
    for (int i = 0; i < 2; i++) {
        assert_rr_ok(rr_store_id_init(&ms[i].store_id, RR_STORE_KIND_RECORDING, "app", i ? "r2" : "r1", &err), &err);
        ms[i].has_sorbet_schema = true;
        ms[i].sorbet_schema_ipc = schema_bytes;
        ms[i].sorbet_schema_ipc_len = 5;
        ms[i].has_sorbet_schema_sha256 = true;
        memset(ms[i].sorbet_schema_sha256, 0xab, 32);
        ms[i].data.present = true;
        ms[i].data.encoder_version = 1;
        ms[i].data.compression = RR_PAYLOAD_COMPRESSION_LZ4;
        ms[i].data.uncompressed_size = 77;
        ms[i].data.payload = data_bytes;
        ms[i].data.payload_len = 7;
    }
    rr_rrd_footer_msg_t f = {2, ms};
    rr_buf_t out = {0};
    assert_rr_ok(rr_rrd_footer_encode(&f, &out, &err), &err);
    rr_rrd_footer_msg_t back;
    assert_rr_ok(rr_rrd_footer_decode(out.data, out.len, &back, &err), &err);
    assert_int_equal(back.n_manifests, 2);
    assert_string_equal(back.manifests[1].store_id.recording_id, "r2");
    assert_int_equal(back.manifests[0].sorbet_schema_ipc_len, 5);
    assert_memory_equal(back.manifests[0].sorbet_schema_ipc, schema_bytes, 5);
    assert_true(back.manifests[0].has_sorbet_schema_sha256);
    assert_int_equal(back.manifests[0].sorbet_schema_sha256[31], 0xab);
    assert_true(back.manifests[1].data.present);
    assert_int_equal(back.manifests[1].data.uncompressed_size, 77);
    assert_int_equal(back.manifests[1].data.compression, RR_PAYLOAD_COMPRESSION_LZ4);
    assert_memory_equal(back.manifests[1].data.payload, data_bytes, 7);
    rr_rrd_footer_free(&back);
    for (int i = 0; i < 2; i++) rr_store_id_free(&ms[i].store_id);

    /* A wrong-sized hash is refused. */
    const uint8_t bad[] = {0x0a, 0x06, 0x0a, 0x00, 0x1a, 0x02, 0x00, 0x00};
    assert_int_equal(rr_rrd_footer_decode(bad, sizeof bad, &back, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "sha256"));
    rr_buf_free(&out);
}

/* Shapes the official encoder writes: fields in another order, a Rust SDK
 * source with its CrateInfo extra, and (files before 0.25) the application id
 * only in StoreInfo's deprecated field 1. */
static void test_foreign_shapes(void **state) {
    (void)state;
    rr_error_t err = {0};
    const uint8_t arrow[] = {
        0x0a, 0x0a, 0x08, 0x01, 0x12, 0x01, 'r', 0x1a, 0x03, 0x0a, 0x01, 'a', /* store_id */
        0x32, 0x12, 0x09, 7, 0, 0, 0, 0, 0, 0, 0, 0x11, 9, 0, 0, 0, 0, 0, 0, 0, /* chunk_id (6) */
        0x10, 0x02, 0x18, 0x05, 0x20, 0x01, 0x2a, 0x03, 'x', 'y', 'z', 0x38, 0x01,
    };
    rr_log_msg_t m;
    assert_rr_ok(rr_log_msg_decode(RR_LOG_MSG_ARROW, arrow, sizeof arrow, &m, &err), &err);
    assert_string_equal(m.u.arrow.store_id.application_id, "a");
    assert_int_equal(m.u.arrow.chunk_id.time_ns, 7);
    assert_int_equal(m.u.arrow.chunk_id.inc, 9);
    assert_int_equal(m.u.arrow.compression, RR_PAYLOAD_COMPRESSION_LZ4);
    assert_int_equal(m.u.arrow.uncompressed_size, 5);
    assert_int_equal(m.u.arrow.payload_len, 3);
    assert_true(m.u.arrow.is_static);
    rr_log_msg_free(&m);

    const uint8_t info[] = {
        0x0a, 0x00,                                     /* row_id: all defaults */
        0x12, 0x1c,                                     /* info */
        0x0a, 0x05, 0x0a, 0x03, 'o', 'l', 'd',          /* legacy application_id */
        0x12, 0x05, 0x08, 0x01, 0x12, 0x01, 'r',        /* store_id without application id */
        0x2a, 0x0a, 0x08, 0x03, 0x12, 0x06, 0x0a, 0x04, /* Rust SDK, extra = */
        0x0a, 0x02, '1', '9',                           /*   CrateInfo{rustc_version "19"} */
        0x32, 0x00,                                     /* store_version: bits 0 */
    };
    assert_rr_ok(rr_log_msg_decode(RR_LOG_MSG_SET_STORE_INFO, info, sizeof info, &m, &err), &err);
    const rr_store_info_t *i = &m.u.set_store_info.info;
    assert_string_equal(i->store_id.application_id, "old");
    assert_string_equal(i->store_id.recording_id, "r");
    assert_int_equal(i->source_kind, RR_STORE_SOURCE_RUST_SDK);
    assert_int_equal(i->source_extra_len, 4);
    assert_memory_equal(i->source_extra, "\x0a\x02" "19", 4);
    assert_true(i->has_version);
    rr_log_msg_free(&m);
}

static void test_malformed(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_log_msg_t m = make_store_info(), back;
    rr_buf_t out = {0};
    assert_rr_ok(rr_log_msg_encode(&m, &out, &err), &err);
    /* Every truncation is either an error naming the message or a valid prefix. */
    for (size_t n = 0; n < out.len; n++) {
        rr_status_t st = rr_log_msg_decode(RR_LOG_MSG_SET_STORE_INFO, out.data, n, &back, &err);
        if (st == RR_OK) rr_log_msg_free(&back);
        else {
            assert_int_equal(st, RR_ERR_INVALID_DATA);
            assert_non_null(strstr(err.msg, "SetStoreInfo"));
        }
    }
    const uint8_t junk[] = {0xff, 0xff, 0xff};
    assert_int_equal(rr_log_msg_decode(RR_LOG_MSG_ARROW, junk, sizeof junk, &back, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "ArrowMsg: malformed protobuf"));
    /* An ArrowMsg without a store id is refused. */
    const uint8_t no_store[] = {0x18, 0x05};
    assert_int_equal(rr_log_msg_decode(RR_LOG_MSG_ARROW, no_store, sizeof no_store, &back, &err),
                     RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "store id"));
    assert_int_equal(rr_log_msg_decode((rr_log_msg_kind_t)9, junk, 0, &back, &err), RR_ERR_INVALID_DATA);
    assert_int_equal(rr_log_msg_decode_wrapped(junk, 0, &back, &err), RR_ERR_INVALID_DATA);
    rr_log_msg_free(&m);
    rr_buf_free(&out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_store_info_bytes),
        cmocka_unit_test(test_arrow_msg_round_trip),
        cmocka_unit_test(test_blueprint_activation),
        cmocka_unit_test(test_footer_round_trip),
        cmocka_unit_test(test_foreign_shapes),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
