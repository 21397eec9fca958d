/* A self-check of web_compat.c against the host libraries it stands in for,
 * run in the browser (WebViewer.selftest, tests/viewer_web.sh). The expected
 * bytes below were produced on the host by liblz4, libxxhash and the
 * protobuf-c runtime (through src/model/log_msg.c) from the same inputs this
 * file builds, so the Wasm build must decode them to the same fields and
 * encode the same fields to the same bytes. */
#ifdef __EMSCRIPTEN__

#include <emscripten.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "model/log_msg.h"

/* Host results: liblz4's LZ4_compress_default of src_text() (with matches),
 * and rr_log_msg_encode of the messages make_info / make_arrow build. */
static const uint8_t lz4_block[54] = {
    0xcf, 0x72, 0x65, 0x72, 0x75, 0x6e, 0x2d, 0x63, 0x20, 0x77, 0x65, 0x62,
    0x20, 0x0c, 0x00, 0x45, 0xcf, 0x6f, 0x2e, 0x64, 0x21, 0x78, 0x66, 0x63,
    0x21, 0x73, 0x66, 0x73, 0x76, 0x0c, 0x00, 0x45, 0xcf, 0x79, 0x67, 0x64,
    0x22, 0x74, 0x67, 0x74, 0x77, 0x70, 0x2f, 0x65, 0x22, 0x0c, 0x00, 0x40,
    0x50, 0x22, 0x79, 0x67, 0x64, 0x22};
static const uint8_t pb_set_store_info[76] = {
    0x0a, 0x12, 0x09, 0x24, 0x96, 0x25, 0x71, 0xdd, 0x41, 0xea, 0x18, 0x11,
    0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, 0x12, 0x36, 0x12, 0x29,
    0x08, 0x01, 0x12, 0x10, 0x72, 0x65, 0x63, 0x5f, 0x77, 0x65, 0x62, 0x5f,
    0x73, 0x65, 0x6c, 0x66, 0x74, 0x65, 0x73, 0x74, 0x1a, 0x13, 0x0a, 0x11,
    0x72, 0x65, 0x72, 0x75, 0x6e, 0x5f, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c,
    0x65, 0x5f, 0x77, 0x65, 0x62, 0x2a, 0x04, 0x08, 0x01, 0x12, 0x00, 0x32,
    0x03, 0x08, 0x80, 0x42};
static const uint8_t pb_arrow_msg[128] = {
    0x0a, 0x29, 0x08, 0x01, 0x12, 0x10, 0x72, 0x65, 0x63, 0x5f, 0x77, 0x65,
    0x62, 0x5f, 0x73, 0x65, 0x6c, 0x66, 0x74, 0x65, 0x73, 0x74, 0x1a, 0x13,
    0x0a, 0x11, 0x72, 0x65, 0x72, 0x75, 0x6e, 0x5f, 0x65, 0x78, 0x61, 0x6d,
    0x70, 0x6c, 0x65, 0x5f, 0x77, 0x65, 0x62, 0x10, 0x02, 0x18, 0xac, 0x02,
    0x20, 0x01, 0x2a, 0x36, 0xcf, 0x72, 0x65, 0x72, 0x75, 0x6e, 0x2d, 0x63,
    0x20, 0x77, 0x65, 0x62, 0x20, 0x0c, 0x00, 0x45, 0xcf, 0x6f, 0x2e, 0x64,
    0x21, 0x78, 0x66, 0x63, 0x21, 0x73, 0x66, 0x73, 0x76, 0x0c, 0x00, 0x45,
    0xcf, 0x79, 0x67, 0x64, 0x22, 0x74, 0x67, 0x74, 0x77, 0x70, 0x2f, 0x65,
    0x22, 0x0c, 0x00, 0x40, 0x50, 0x22, 0x79, 0x67, 0x64, 0x22, 0x32, 0x12,
    0x09, 0xe0, 0xab, 0x26, 0x71, 0xdd, 0x41, 0xea, 0x18, 0x11, 0x2a, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x38, 0x01};

static char g_report[512];

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            snprintf(g_report, sizeof g_report, __VA_ARGS__);                  \
            goto done;                                                         \
        }                                                                      \
    } while (0)

static void src_text(char out[300]) {
    for (int i = 0; i < 300; i++) out[i] = (char)("rerun-c web "[i % 12] + (i / 100));
}

static rr_status_t make_info(rr_log_msg_t *m, rr_error_t *err) {
    memset(m, 0, sizeof *m);
    m->kind = RR_LOG_MSG_SET_STORE_INFO;
    rr_set_store_info_t *s = &m->u.set_store_info;
    s->row_id.time_ns = 1795319820802430500ull;
    s->row_id.inc = 0x0123456789abcdefull;
    s->info.source_kind = RR_STORE_SOURCE_C_SDK;
    s->info.has_version = true;
    s->info.version[1] = 33;
    return rr_store_id_init(&s->info.store_id, RR_STORE_KIND_RECORDING, "rerun_example_web",
                            "rec_web_selftest", err);
}

static rr_status_t make_arrow(rr_log_msg_t *m, uint8_t *payload, size_t len, rr_error_t *err) {
    memset(m, 0, sizeof *m);
    m->kind = RR_LOG_MSG_ARROW;
    rr_arrow_msg_t *a = &m->u.arrow;
    a->has_chunk_id = true;
    a->chunk_id.time_ns = 1795319820802501600ull;
    a->chunk_id.inc = 42;
    a->compression = RR_PAYLOAD_COMPRESSION_LZ4;
    a->uncompressed_size = 300;
    a->encoding = RR_PAYLOAD_ENCODING_ARROW_IPC;
    a->payload = payload;
    a->payload_len = len;
    a->has_is_static = true;
    a->is_static = true;
    return rr_store_id_init(&a->store_id, RR_STORE_KIND_RECORDING, "rerun_example_web",
                            "rec_web_selftest", err);
}

/* "" when every check passed, else what differed first. */
EMSCRIPTEN_KEEPALIVE const char *rr_web_selftest(void) {
    rr_error_t err = {0};
    rr_log_msg_t info = {0}, arrow = {0}, dec = {0};
    rr_buf_t b = {0};
    char text[300], out[300];
    g_report[0] = 0;

    CHECK(XXH32("", 0, 0) == 0x02cc5d05u && XXH32("abc", 3, 0) == 0x32d153ffu, "xxh32 vectors");
    char as[100];
    memset(as, 'a', sizeof as);
    CHECK(XXH32(as, sizeof as, 7850921u) == 0x19fa4d7cu, "xxh32 of 100 bytes with the footer seed");

    src_text(text);
    CHECK(LZ4_decompress_safe((const char *)lz4_block, out, (int)sizeof lz4_block, 300) == 300 &&
              !memcmp(out, text, 300),
          "LZ4: liblz4's block does not decode to its input");
    CHECK(LZ4_decompress_safe((const char *)lz4_block, out, (int)sizeof lz4_block, 299) < 0,
          "LZ4: a too small output is not refused");
    CHECK(LZ4_decompress_safe((const char *)lz4_block, out, (int)sizeof lz4_block - 3, 300) < 0,
          "LZ4: a cut block is not refused");
    char enc[400];
    int n = LZ4_compress_default(text, enc, 300, (int)sizeof enc);
    CHECK(n > 0 && LZ4_decompress_safe(enc, out, n, 300) == 300 && !memcmp(out, text, 300),
          "LZ4: our block does not round-trip");

    CHECK(make_info(&info, &err) == RR_OK, "SetStoreInfo: %s", err.msg);
    CHECK(rr_log_msg_encode(&info, &b, &err) == RR_OK, "SetStoreInfo encode: %s", err.msg);
    CHECK(b.len == sizeof pb_set_store_info && !memcmp(b.data, pb_set_store_info, b.len),
          "SetStoreInfo: %zu bytes unlike protobuf-c's %zu", b.len, sizeof pb_set_store_info);
    CHECK(rr_log_msg_decode(RR_LOG_MSG_SET_STORE_INFO, pb_set_store_info, sizeof pb_set_store_info,
                            &dec, &err) == RR_OK,
          "SetStoreInfo decode: %s", err.msg);
    const rr_store_info_t *di = &dec.u.set_store_info.info;
    CHECK(rr_store_id_equal(&di->store_id, &info.u.set_store_info.info.store_id) &&
              di->source_kind == RR_STORE_SOURCE_C_SDK && di->has_version && di->version[1] == 33 &&
              dec.u.set_store_info.row_id.inc == 0x0123456789abcdefull,
          "SetStoreInfo decodes to other fields");
    rr_log_msg_free(&dec);
    b.len = 0;

    CHECK(make_arrow(&arrow, (uint8_t *)lz4_block, sizeof lz4_block, &err) == RR_OK, "ArrowMsg: %s", err.msg);
    CHECK(rr_log_msg_encode(&arrow, &b, &err) == RR_OK, "ArrowMsg encode: %s", err.msg);
    CHECK(b.len == sizeof pb_arrow_msg && !memcmp(b.data, pb_arrow_msg, b.len),
          "ArrowMsg: %zu bytes unlike protobuf-c's %zu", b.len, sizeof pb_arrow_msg);
    CHECK(rr_log_msg_decode(RR_LOG_MSG_ARROW, pb_arrow_msg, sizeof pb_arrow_msg, &dec, &err) == RR_OK,
          "ArrowMsg decode: %s", err.msg);
    const rr_arrow_msg_t *da = &dec.u.arrow;
    CHECK(rr_store_id_equal(&da->store_id, &arrow.u.arrow.store_id) && da->has_chunk_id &&
              da->chunk_id.inc == 42 && da->compression == RR_PAYLOAD_COMPRESSION_LZ4 &&
              da->uncompressed_size == 300 && da->payload_len == sizeof lz4_block &&
              !memcmp(da->payload, lz4_block, sizeof lz4_block) && da->has_is_static && da->is_static,
          "ArrowMsg decodes to other fields");
    CHECK(rr_log_msg_decode(RR_LOG_MSG_ARROW, pb_arrow_msg, sizeof pb_arrow_msg - 5, &dec, &err) != RR_OK,
          "a cut ArrowMsg decodes");
done:
    rr_log_msg_free(&dec);
    arrow.u.arrow.payload = NULL; /* points at the fixture */
    arrow.u.arrow.payload_len = 0;
    rr_log_msg_free(&arrow);
    rr_log_msg_free(&info);
    rr_buf_free(&b);
    return g_report;
}

#else
typedef int rr_web_selftest_host_build_empty;
#endif
