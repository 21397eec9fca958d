/* Tests of the message proxy's core (server/proxy.h) without a network:
 * memory-limit parsing, what a writer may send, history order (persistent,
 * static, temporal, then live), the memory limit and what it drops, byte
 * accounting, slow readers cut within their bound while the others get
 * everything, replay resumed after a full sink, and tables. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "model/log_msg.h"
#include "net/client.h"
#include "server/proxy.h"
#include "server/proxy_internal.h"
#include "testutil.h"

/* ---------------- building requests ---------------- */

static void put_varint(rr_buf_t *b, uint64_t v) {
    while (v >= 0x80) {
        rr_buf_append_u8(b, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    rr_buf_append_u8(b, (uint8_t)v);
}

/* WriteMessagesRequest { log_msg = 1: LogMsg } around a message. */
static rr_buf_t wrap_request(const rr_log_msg_t *m) {
    rr_error_t err = {0};
    rr_buf_t inner = {0}, out = {0};
    assert_rr_ok(rr_log_msg_encode_wrapped(m, &inner, &err), &err);
    rr_buf_append_u8(&out, 0x0a);
    put_varint(&out, inner.len);
    rr_buf_append(&out, inner.data, inner.len);
    rr_buf_free(&inner);
    return out;
}

static rr_buf_t store_info_req(rr_store_kind_t kind, const char *rec) {
    rr_error_t err = {0};
    rr_log_msg_t m;
    memset(&m, 0, sizeof m);
    m.kind = RR_LOG_MSG_SET_STORE_INFO;
    m.u.set_store_info.row_id = (rr_tuid_t){1, 2};
    assert_rr_ok(rr_store_id_init(&m.u.set_store_info.info.store_id, kind, "app", rec, &err), &err);
    m.u.set_store_info.info.source_kind = RR_STORE_SOURCE_C_SDK;
    rr_buf_t b = wrap_request(&m);
    rr_log_msg_free(&m);
    return b;
}

/* An ArrowMsg whose payload is `size` bytes starting with a 4-byte tag, so a
 * test can tell messages apart by what a reader got. */
static rr_buf_t arrow_req(rr_store_kind_t kind, bool is_static, uint32_t tag, size_t size) {
    rr_error_t err = {0};
    rr_log_msg_t m;
    memset(&m, 0, sizeof m);
    m.kind = RR_LOG_MSG_ARROW;
    assert_rr_ok(rr_store_id_init(&m.u.arrow.store_id, kind, "app", "rec", &err), &err);
    m.u.arrow.compression = RR_PAYLOAD_COMPRESSION_NONE;
    m.u.arrow.encoding = RR_PAYLOAD_ENCODING_ARROW_IPC;
    if (size < 4) size = 4;
    m.u.arrow.payload = calloc(1, size);
    memcpy(m.u.arrow.payload, &tag, 4);
    m.u.arrow.payload_len = size;
    m.u.arrow.uncompressed_size = size;
    m.u.arrow.has_is_static = is_static;
    m.u.arrow.is_static = is_static;
    rr_buf_t b = wrap_request(&m);
    rr_log_msg_free(&m);
    return b;
}

static rr_buf_t temporal(uint32_t tag, size_t size) { return arrow_req(RR_STORE_KIND_RECORDING, false, tag, size); }

static void write_ok(rr_proxy_t *p, rr_buf_t b) {
    rr_error_t err = {0};
    assert_rr_ok(rr_proxy_write_message(p, b.data, b.len, &err), &err);
    rr_buf_free(&b);
}

/* The tag of a message a reader got: the payload's first 4 bytes, or a
 * negative kind for store info (-1) and blueprint activations (-3). */
static int64_t tag_of(const rr_grpc_bytes_t *m) {
    rr_error_t err = {0};
    /* Skip the WriteMessagesRequest wrapper: tag 0x0a + varint length. */
    size_t pos = 1;
    while (m->data[pos] & 0x80) pos++;
    pos++;
    rr_log_msg_t lm;
    assert_rr_ok(rr_log_msg_decode_wrapped(m->data + pos, m->len - pos, &lm, &err), &err);
    int64_t t;
    if (lm.kind == RR_LOG_MSG_ARROW) {
        uint32_t v;
        memcpy(&v, lm.u.arrow.payload, 4);
        t = v;
    } else {
        t = -(int64_t)lm.kind;
    }
    rr_log_msg_free(&lm);
    return t;
}

/* ---------------- a test sink ---------------- */

typedef struct test_sink {
    rr_grpc_bytes_t *got[4096];
    size_t n_got;
    size_t pending, max_pending; /* messages "on the wire", not yet read */
    bool finished;
    rr_grpc_code_t code;
    char message[256];
    rr_proxy_reader_t *reader;
    bool close_in_finish; /* closes the reader inside finish, like a synchronous on_close */
} test_sink_t;

static rr_status_t ts_send(void *ctx, rr_grpc_bytes_t *msg) {
    test_sink_t *s = ctx;
    if (s->max_pending && s->pending >= s->max_pending) return RR_ERR_FULL;
    assert_true(s->n_got < 4096);
    s->got[s->n_got++] = rr_grpc_bytes_ref(msg);
    s->pending++;
    return RR_OK;
}

static void ts_finish(void *ctx, rr_grpc_code_t code, const char *message) {
    test_sink_t *s = ctx;
    assert_false(s->finished);
    s->finished = true;
    s->code = code;
    snprintf(s->message, sizeof s->message, "%s", message ? message : "");
    if (s->close_in_finish) {
        rr_proxy_reader_close(s->reader);
        s->reader = NULL;
    }
}

static const rr_proxy_sink_t TS_SINK = {ts_send, ts_finish};

static void ts_open(rr_proxy_t *p, test_sink_t *s, rr_proxy_stream_t stream) {
    rr_error_t err = {0};
    assert_rr_ok(rr_proxy_reader_open(p, stream, &TS_SINK, s, "test", &s->reader, &err), &err);
}

/* The reader read everything on the wire; the proxy may send more. */
static void ts_drain(test_sink_t *s) {
    s->pending = 0;
    rr_proxy_reader_writable(s->reader);
}

static void ts_free(test_sink_t *s) {
    rr_proxy_reader_close(s->reader);
    for (size_t i = 0; i < s->n_got; i++) rr_grpc_bytes_unref(s->got[i]);
    memset(s, 0, sizeof *s);
}

static rr_proxy_t *new_proxy(uint64_t limit, size_t backlog) {
    rr_error_t err = {0};
    rr_proxy_t *p;
    rr_proxy_config_t cfg = {.memory_limit = limit, .reader_backlog_bytes = backlog};
    assert_rr_ok(rr_proxy_new(&cfg, &p, &err), &err);
    return p;
}

/* ---------------- tests ---------------- */

static void test_parse_memory_limit(void **state) {
    (void)state;
    rr_error_t err = {0};
    uint64_t v;
    struct {
        const char *s;
        uint64_t want;
    } ok[] = {
        {"0", 0},
        {"1GiB", 1073741824ull},
        {"16GB", 16000000000ull},
        {"1.5MiB", 1572864},
        {"12kB", 12000},
        {"12KiB", 12288},
        {"123B", 123},
        {"2TiB", 2199023255552ull},
        {"unlimited", RR_PROXY_UNLIMITED},
        {"none", RR_PROXY_UNLIMITED},
        {"max", RR_PROXY_UNLIMITED},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_rr_ok(rr_proxy_parse_memory_limit(ok[i].s, &v, &err), &err);
        if (v != ok[i].want) fail_msg("%s: got %llu", ok[i].s, (unsigned long long)v);
    }
    assert_rr_ok(rr_proxy_parse_memory_limit("50%", &v, &err), &err);
    uint64_t total = 0;
    assert_rr_ok(rr_proxy_parse_memory_limit("100%", &total, &err), &err);
    assert_true(total > 0 && total != RR_PROXY_UNLIMITED);
    assert_true(v > total / 2 - 4096 && v < total / 2 + 4096);
    const char *bad[] = {"", "12", "abc", "-1B", "1gib", "1Mb", "101%", "-5%", "x%", "1.5B", "GiB"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (rr_proxy_parse_memory_limit(bad[i], &v, &err) == RR_OK) fail_msg("'%s' parsed as %llu", bad[i], (unsigned long long)v);
        assert_true(strlen(err.msg) > 0);
    }
    char out[32];
    rr_proxy_format_bytes(1073741824ull, out);
    assert_string_equal(out, "1.0 GiB");
    rr_proxy_format_bytes(123, out);
    assert_string_equal(out, "123 B");
    rr_proxy_format_bytes(12345, out);
    assert_string_equal(out, "12.1 KiB");
    rr_proxy_format_bytes(123456789, out);
    assert_string_equal(out, "118 MiB");
}

/* A new reader gets store info, then static, then temporal data (each in
 * arrival order) whatever order they came in, and then live messages. */
static void test_history_then_live(void **state) {
    (void)state;
    rr_proxy_t *p = new_proxy(RR_PROXY_UNLIMITED, 0);
    write_ok(p, temporal(10, 100));
    write_ok(p, arrow_req(RR_STORE_KIND_RECORDING, true, 20, 100));
    write_ok(p, temporal(11, 100));
    write_ok(p, store_info_req(RR_STORE_KIND_RECORDING, "rec"));
    write_ok(p, arrow_req(RR_STORE_KIND_BLUEPRINT, false, 30, 50)); /* blueprint data: persistent */
    write_ok(p, arrow_req(RR_STORE_KIND_RECORDING, true, 21, 100));

    test_sink_t a = {0}, b = {0};
    ts_open(p, &a, RR_PROXY_READ_MESSAGES);
    int64_t want_hist[] = {-1, 30, 20, 21, 10, 11};
    assert_int_equal(a.n_got, 6);
    for (size_t i = 0; i < 6; i++) assert_int_equal(tag_of(a.got[i]), want_hist[i]);

    write_ok(p, temporal(12, 100));
    ts_open(p, &b, RR_PROXY_READ_MESSAGES);
    write_ok(p, temporal(13, 100));
    assert_int_equal(a.n_got, 8);
    assert_int_equal(tag_of(a.got[6]), 12);
    assert_int_equal(tag_of(a.got[7]), 13);
    int64_t want_b[] = {-1, 30, 20, 21, 10, 11, 12, 13};
    assert_int_equal(b.n_got, 8);
    for (size_t i = 0; i < 8; i++) assert_int_equal(tag_of(b.got[i]), want_b[i]);

    /* The readers share the writer's bytes: one copy, many references. */
    assert_ptr_equal(a.got[7], b.got[7]);

    rr_proxy_stats_t st;
    rr_proxy_get_stats(p, &st);
    assert_int_equal(st.readers, 2);
    assert_int_equal(st.history_messages, 8);
    assert_int_equal(st.messages_in, 8);
    ts_free(&a);
    ts_free(&b);
    rr_proxy_get_stats(p, &st);
    assert_int_equal(st.readers, 0);
    rr_proxy_free(p);
}

/* Over the limit the oldest temporal messages go; store info and static data
 * stay; held bytes never pass the limit; the accounting covers at least the
 * message bytes and returns to zero for what is dropped. */
static void test_memory_limit(void **state) {
    (void)state;
    const uint64_t limit = 64 * 1024;
    rr_proxy_t *p = new_proxy(limit, 0);
    write_ok(p, store_info_req(RR_STORE_KIND_RECORDING, "rec"));
    write_ok(p, arrow_req(RR_STORE_KIND_RECORDING, true, 500, 1000));
    rr_proxy_stats_t st;
    size_t msg_len = 0;
    for (uint32_t i = 0; i < 200; i++) {
        rr_buf_t b = temporal(1000 + i, 1000);
        msg_len = b.len;
        write_ok(p, b);
        rr_proxy_get_stats(p, &st);
        assert_true(st.history_bytes <= limit);
        assert_true(st.history_bytes == st.persistent_bytes + st.static_bytes + st.disposable_bytes);
    }
    rr_proxy_get_stats(p, &st);
    assert_true(st.history_peak_bytes <= limit && st.history_peak_bytes >= st.history_bytes);
    assert_true(st.dropped_messages > 100);
    assert_int_equal(st.history_messages + st.dropped_messages, 202);
    /* Accounting: each kept temporal message costs its bytes plus a bounded overhead. */
    uint64_t kept_temporal = st.history_messages - 2;
    assert_true(st.disposable_bytes >= kept_temporal * msg_len);
    assert_true(st.disposable_bytes <= kept_temporal * (msg_len + 128));
    assert_true(st.dropped_bytes >= st.dropped_messages * msg_len);

    test_sink_t a = {0};
    ts_open(p, &a, RR_PROXY_READ_MESSAGES);
    assert_int_equal(a.n_got, st.history_messages);
    assert_int_equal(tag_of(a.got[0]), -1);
    assert_int_equal(tag_of(a.got[1]), 500);
    /* The newest temporal messages survive, in order, ending with the last. */
    for (size_t i = 2; i < a.n_got; i++) assert_int_equal(tag_of(a.got[i]), 1000 + 200 - (a.n_got - i));
    ts_free(&a);

    /* Static data goes only when no temporal data is left. */
    for (uint32_t i = 0; i < 80; i++) write_ok(p, arrow_req(RR_STORE_KIND_RECORDING, true, 600 + i, 1000));
    rr_proxy_get_stats(p, &st);
    assert_int_equal(st.disposable_bytes, 0);
    assert_true(st.static_bytes > 0 && st.history_bytes <= limit);
    assert_true(st.persistent_bytes > 0);
    test_sink_t b = {0};
    ts_open(p, &b, RR_PROXY_READ_MESSAGES);
    assert_int_equal(tag_of(b.got[0]), -1);
    assert_int_equal(tag_of(b.got[b.n_got - 1]), 679);
    ts_free(&b);
    rr_proxy_free(p);
}

/* Limit 0 keeps no history (Rerun's "history disabled") but still forwards. */
static void test_no_history(void **state) {
    (void)state;
    rr_proxy_t *p = new_proxy(0, 0);
    write_ok(p, store_info_req(RR_STORE_KIND_RECORDING, "rec"));
    test_sink_t a = {0};
    ts_open(p, &a, RR_PROXY_READ_MESSAGES);
    assert_int_equal(a.n_got, 0);
    write_ok(p, temporal(1, 10));
    assert_int_equal(a.n_got, 1);
    rr_proxy_stats_t st;
    rr_proxy_get_stats(p, &st);
    assert_int_equal(st.history_bytes, 0);
    assert_int_equal(st.history_messages, 0);
    ts_free(&a);
    rr_proxy_free(p);
}

/* What a writer may not send is refused with a message, and leaves history
 * and readers as they were. */
static void test_malformed(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_proxy_t *p = new_proxy(RR_PROXY_UNLIMITED, 0);
    test_sink_t a = {0};
    ts_open(p, &a, RR_PROXY_READ_MESSAGES);
    write_ok(p, temporal(1, 10));

    const uint8_t garbage[] = {0xff, 0xff, 0xff};
    assert_int_equal(rr_proxy_write_message(p, garbage, sizeof garbage, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "WriteMessagesRequest"));
    /* field 1 says 100 bytes, has 2 */
    const uint8_t short_len[] = {0x0a, 100, 0x12, 0x00};
    assert_int_equal(rr_proxy_write_message(p, short_len, sizeof short_len, &err), RR_ERR_INVALID_DATA);
    /* field 1 as a varint */
    const uint8_t wrong_wire[] = {0x08, 0x01};
    assert_int_equal(rr_proxy_write_message(p, wrong_wire, sizeof wrong_wire, &err), RR_ERR_INVALID_DATA);
    /* an empty LogMsg: no oneof member */
    const uint8_t empty_logmsg[] = {0x0a, 0x00};
    assert_int_equal(rr_proxy_write_message(p, empty_logmsg, sizeof empty_logmsg, &err), RR_ERR_INVALID_DATA);
    /* an ArrowMsg without a store id */
    const uint8_t arrow_no_store[] = {0x0a, 0x04, 0x12, 0x02, 0x10, 0x01};
    assert_int_equal(rr_proxy_write_message(p, arrow_no_store, sizeof arrow_no_store, &err), RR_ERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "arrow_msg"));
    /* a truncated good message */
    rr_buf_t good = temporal(2, 50);
    assert_int_equal(rr_proxy_write_message(p, good.data, good.len - 3, &err), RR_ERR_INVALID_DATA);
    rr_buf_free(&good);
    /* no LogMsg at all: skipped as Rerun does, not an error */
    assert_rr_ok(rr_proxy_write_message(p, NULL, 0, &err), &err);
    const uint8_t unknown_only[] = {0x10, 0x05};
    assert_rr_ok(rr_proxy_write_message(p, unknown_only, sizeof unknown_only, &err), &err);

    write_ok(p, temporal(3, 10));
    assert_int_equal(a.n_got, 2);
    assert_int_equal(tag_of(a.got[1]), 3);
    rr_proxy_stats_t st;
    rr_proxy_get_stats(p, &st);
    assert_int_equal(st.history_messages, 2);
    ts_free(&a);
    rr_proxy_free(p);
}

/* Repeated fields merge as protobuf says: a later oneof member replaces an
 * earlier one, so an ArrowMsg followed by a SetStoreInfo is store info. */
static void test_merge(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_buf_t a = temporal(7, 10), s = store_info_req(RR_STORE_KIND_RECORDING, "rec");
    rr_buf_t both = {0};
    rr_buf_append(&both, a.data, a.len);
    rr_buf_append(&both, s.data, s.len);
    rr_proxy_class_t cls;
    assert_rr_ok(rr_proxy_classify_message(both.data, both.len, &cls, &err), &err);
    assert_int_equal(cls, RR_PROXY_CLASS_PERSISTENT);
    assert_rr_ok(rr_proxy_classify_message(a.data, a.len, &cls, &err), &err);
    assert_int_equal(cls, RR_PROXY_CLASS_DISPOSABLE);
    rr_buf_free(&a);
    rr_buf_free(&s);
    rr_buf_free(&both);
}

/* A reader that stops reading falls behind within its bound and is then
 * finished with RESOURCE_EXHAUSTED; the writer is never refused and the
 * other reader gets every message in order. */
static void test_slow_reader(void **state) {
    (void)state;
    const size_t backlog = 20 * 1024;
    rr_proxy_t *p = new_proxy(RR_PROXY_UNLIMITED, backlog);
    test_sink_t slow = {.max_pending = 5}, fast = {0}, closer = {.max_pending = 1, .close_in_finish = true};
    ts_open(p, &slow, RR_PROXY_READ_MESSAGES);
    ts_open(p, &closer, RR_PROXY_READ_MESSAGES);
    ts_open(p, &fast, RR_PROXY_READ_MESSAGES);
    size_t cut_at = 0;
    for (uint32_t i = 0; i < 100; i++) {
        write_ok(p, temporal(i, 1000));
        rr_proxy_stats_t st;
        rr_proxy_get_stats(p, &st);
        assert_true(st.backlog_bytes <= 2 * backlog);
        if (slow.finished && !cut_at) cut_at = i;
    }
    assert_true(slow.finished);
    assert_int_equal(slow.code, RR_GRPC_RESOURCE_EXHAUSTED);
    assert_non_null(strstr(slow.message, "too slow"));
    /* 5 on the wire + about 20 KiB of 1 KiB messages in the backlog. */
    assert_true(cut_at >= 20 && cut_at <= 30);
    assert_int_equal(slow.n_got, 5);
    assert_true(closer.finished && closer.reader == NULL);
    assert_int_equal(fast.n_got, 100);
    for (uint32_t i = 0; i < 100; i++) assert_int_equal(tag_of(fast.got[i]), i);
    /* A finished reader gets nothing more, even when it reads again. */
    ts_drain(&slow);
    assert_int_equal(slow.n_got, 5);
    rr_proxy_stats_t st;
    rr_proxy_get_stats(p, &st);
    assert_int_equal(st.readers_cut, 2);
    assert_int_equal(st.backlog_bytes, 0);
    ts_free(&slow);
    ts_free(&fast);
    ts_free(&closer);
    rr_proxy_free(p);
}

/* A reader whose sink fills during the replay resumes where it stopped when
 * it can take more; live messages that came meanwhile follow the history. */
static void test_replay_resumes(void **state) {
    (void)state;
    rr_proxy_t *p = new_proxy(RR_PROXY_UNLIMITED, 0);
    write_ok(p, store_info_req(RR_STORE_KIND_RECORDING, "rec"));
    for (uint32_t i = 0; i < 50; i++) write_ok(p, temporal(i, 100));
    test_sink_t a = {.max_pending = 7};
    ts_open(p, &a, RR_PROXY_READ_MESSAGES);
    assert_int_equal(a.n_got, 7);
    for (uint32_t i = 50; i < 60; i++) write_ok(p, temporal(i, 100));
    assert_int_equal(a.n_got, 7);
    for (int round = 0; round < 20 && a.n_got < 61; round++) ts_drain(&a);
    assert_int_equal(a.n_got, 61);
    assert_int_equal(tag_of(a.got[0]), -1);
    for (uint32_t i = 0; i < 60; i++) assert_int_equal(tag_of(a.got[1 + i]), i);
    /* Caught up: live again without a backlog. */
    ts_drain(&a);
    write_ok(p, temporal(60, 100));
    assert_int_equal(a.n_got, 62);
    assert_false(a.finished);
    ts_free(&a);
    rr_proxy_free(p);
}

/* Messages dropped by the limit while a reader replays are skipped, not
 * sent twice or out of order. */
static void test_drop_during_replay(void **state) {
    (void)state;
    rr_proxy_t *p = new_proxy(20 * 1024, 1 << 20);
    for (uint32_t i = 0; i < 15; i++) write_ok(p, temporal(i, 1000));
    test_sink_t a = {.max_pending = 3};
    ts_open(p, &a, RR_PROXY_READ_MESSAGES);
    assert_int_equal(a.n_got, 3);
    for (uint32_t i = 15; i < 40; i++) write_ok(p, temporal(i, 1000));
    for (int round = 0; round < 50; round++) ts_drain(&a);
    int64_t last = -1;
    for (size_t i = 0; i < a.n_got; i++) {
        int64_t t = tag_of(a.got[i]);
        assert_true(t > last);
        last = t;
    }
    assert_int_equal(last, 39);
    /* every live message (15..39) arrived */
    assert_true(a.n_got >= 3 + 25);
    ts_free(&a);
    rr_proxy_free(p);
}

/* A reader replaying a long history while writers go on past its backlog is
 * not cut: it replays on up to the newest message, every message exactly
 * once (temporal ones in order), a late store info among them. */
static void test_replay_rebase(void **state) {
    (void)state;
    rr_proxy_t *p = new_proxy(RR_PROXY_UNLIMITED, 2500);
    for (uint32_t i = 0; i < 50; i++) write_ok(p, temporal(i, 1000));
    test_sink_t a = {.max_pending = 3};
    ts_open(p, &a, RR_PROXY_READ_MESSAGES);
    for (uint32_t i = 50; i < 70; i++) {
        write_ok(p, temporal(i, 1000));
        if (i == 60) write_ok(p, store_info_req(RR_STORE_KIND_RECORDING, "rec"));
    }
    assert_false(a.finished);
    for (int round = 0; round < 100 && a.n_got < 71; round++) ts_drain(&a);
    assert_false(a.finished);
    assert_int_equal(a.n_got, 71);
    int64_t last = -1;
    int store_infos = 0;
    for (size_t i = 0; i < a.n_got; i++) {
        int64_t t = tag_of(a.got[i]);
        if (t == -1) {
            store_infos++;
            continue;
        }
        assert_int_equal(t, last + 1);
        last = t;
    }
    assert_int_equal(store_infos, 1);
    assert_int_equal(last, 69);
    rr_proxy_stats_t st;
    rr_proxy_get_stats(p, &st);
    assert_int_equal(st.readers_cut, 0);
    /* Caught up: live again. */
    write_ok(p, temporal(70, 10));
    assert_int_equal(a.n_got, 72);
    ts_free(&a);
    rr_proxy_free(p);
}

/* WriteTable / ReadTables: tables reach table readers only (and log
 * messages message readers only), history included. */
static void test_tables(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_proxy_t *p = new_proxy(RR_PROXY_UNLIMITED, 0);
    /* WriteTableRequest { id = TableId { id = "t" }, data = DataframePart { payload = "xy" } } */
    const uint8_t table[] = {0x0a, 0x03, 0x0a, 0x01, 't', 0x12, 0x04, 0x12, 0x02, 'x', 'y'};
    const uint8_t no_data[] = {0x0a, 0x03, 0x0a, 0x01, 't'};
    const uint8_t bad[] = {0x0a, 0x09, 0x0a};
    assert_rr_ok(rr_proxy_write_table(p, table, sizeof table, &err), &err);
    write_ok(p, temporal(1, 10));
    assert_rr_ok(rr_proxy_write_table(p, no_data, sizeof no_data, &err), &err); /* skipped */
    assert_int_equal(rr_proxy_write_table(p, bad, sizeof bad, &err), RR_ERR_INVALID_DATA);

    test_sink_t t = {0}, m = {0};
    ts_open(p, &t, RR_PROXY_READ_TABLES);
    ts_open(p, &m, RR_PROXY_READ_MESSAGES);
    assert_int_equal(t.n_got, 1);
    assert_int_equal(t.got[0]->len, sizeof table);
    assert_memory_equal(t.got[0]->data, table, sizeof table);
    assert_int_equal(m.n_got, 1);
    assert_rr_ok(rr_proxy_write_table(p, table, sizeof table, &err), &err);
    write_ok(p, temporal(2, 10));
    assert_int_equal(t.n_got, 2);
    assert_int_equal(m.n_got, 2);
    rr_proxy_stats_t st;
    rr_proxy_get_stats(p, &st);
    assert_int_equal(st.history_messages, 4);
    ts_free(&t);
    ts_free(&m);
    rr_proxy_free(p);
}

/* ---------------- SaveScreenshot through a real server ---------------- */

typedef struct shot_viewer {
    rr_grpc_code_t answer;
    char view_id[64], file_path[64];
    bool had_view_id;
    int calls;
} shot_viewer_t;

typedef struct shot_answer {
    rr_proxy_screenshot_t *req;
    rr_grpc_code_t code;
} shot_answer_t;

/* The viewer answers from its own thread, as a real one would. */
static void *answer_later(void *ud) {
    shot_answer_t *a = ud;
    usleep(20000);
    rr_proxy_screenshot_done(a->req, a->code, a->code == RR_GRPC_OK ? NULL : "Failed to parse view id");
    free(a);
    return NULL;
}

static void on_shot(void *ud, rr_proxy_screenshot_t *req, const char *view_id, const char *file_path) {
    shot_viewer_t *v = ud;
    v->calls++;
    v->had_view_id = view_id != NULL;
    snprintf(v->view_id, sizeof v->view_id, "%s", view_id ? view_id : "");
    snprintf(v->file_path, sizeof v->file_path, "%s", file_path);
    shot_answer_t *a = malloc(sizeof *a);
    a->req = req;
    a->code = v->answer;
    pthread_t t;
    pthread_create(&t, NULL, answer_later, a);
    pthread_detach(t);
}

/* The handler belongs to the loop thread: set it there. */
typedef struct set_handler {
    rr_proxy_t *p;
    shot_viewer_t *v;
    volatile int done;
} set_handler_t;

static void set_handler_on_loop(void *ud) {
    set_handler_t *h = ud;
    rr_proxy_set_screenshot_handler(h->p, on_shot, h->v);
    __atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
}

static void *run_server(void *ud) {
    rr_error_t err = {0};
    rr_grpc_server_run(ud, &err);
    return NULL;
}

static void test_screenshot(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_proxy_t *p = new_proxy(RR_PROXY_UNLIMITED, 0);
    rr_grpc_server_t *srv;
    rr_grpc_server_config_t cfg = {0};
    assert_rr_ok(rr_grpc_server_new(&cfg, &srv, &err), &err);
    assert_rr_ok(rr_proxy_register(p, srv, &err), &err);
    pthread_t t;
    pthread_create(&t, NULL, run_server, srv);
    rr_grpc_client_t *c;
    assert_rr_ok(rr_grpc_client_connect("127.0.0.1", rr_grpc_server_port(srv), NULL, &c, &err), &err);
    const char *path = "/rerun.sdk_comms.v1alpha1.MessageProxyService/SaveScreenshot";
    /* SaveScreenshotRequest { file_path = "a.png" } */
    const uint8_t req[] = {0x12, 0x05, 'a', '.', 'p', 'n', 'g'};
    /* view_id = "v1", file_path = "b.png" */
    const uint8_t req_view[] = {0x0a, 0x02, 'v', '1', 0x12, 0x05, 'b', '.', 'p', 'n', 'g'};
    rr_grpc_bytes_t *resp = NULL;

    /* No viewer: Rerun's INTERNAL. */
    assert_int_not_equal(rr_grpc_client_unary(c, path, req, sizeof req, 5000, &resp, &err), RR_OK);
    assert_non_null(strstr(err.msg, "INTERNAL"));
    assert_non_null(strstr(err.msg, "dropped before the screenshot was taken"));

    shot_viewer_t v = {.answer = RR_GRPC_OK};
    set_handler_t h = {p, &v, 0};
    assert_int_equal(rr_grpc_server_post(srv, set_handler_on_loop, &h), RR_OK);
    while (!__atomic_load_n(&h.done, __ATOMIC_ACQUIRE)) usleep(1000);
    assert_rr_ok(rr_grpc_client_unary(c, path, req, sizeof req, 5000, &resp, &err), &err);
    assert_int_equal(resp->len, 0);
    rr_grpc_bytes_unref(resp);
    resp = NULL;
    assert_int_equal(v.calls, 1);
    assert_false(v.had_view_id);
    assert_string_equal(v.file_path, "a.png");

    v.answer = RR_GRPC_INVALID_ARGUMENT;
    assert_int_not_equal(rr_grpc_client_unary(c, path, req_view, sizeof req_view, 5000, &resp, &err), RR_OK);
    assert_non_null(strstr(err.msg, "INVALID_ARGUMENT"));
    assert_int_equal(v.calls, 2);
    assert_string_equal(v.view_id, "v1");
    assert_string_equal(v.file_path, "b.png");

    rr_grpc_client_free(c);
    rr_grpc_server_stop(srv);
    pthread_join(t, NULL);
    rr_grpc_server_free(srv);
    rr_proxy_free(p);
}

int main(void) {
    if (!getenv("RERUN_LOG")) rr_log_set_level(RR_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_memory_limit), cmocka_unit_test(test_history_then_live),
        cmocka_unit_test(test_memory_limit),       cmocka_unit_test(test_no_history),
        cmocka_unit_test(test_malformed),          cmocka_unit_test(test_merge),
        cmocka_unit_test(test_slow_reader),        cmocka_unit_test(test_replay_resumes),
        cmocka_unit_test(test_drop_during_replay), cmocka_unit_test(test_tables),
        cmocka_unit_test(test_replay_rebase),      cmocka_unit_test(test_screenshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
