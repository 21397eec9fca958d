/* .rrd framing (stream header, message header, stream footer, footer checksum)
 * and the ArrowMsg payload codec (Arrow IPC stream + LZ4 block). Layout in
 * frames.h. */
#include "rrd/frames.h"

#include <limits.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "arrow/array.h"
#include "arrow/ipc.h"
#include "arrow/schema.h"

static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void rr_rrd_stream_header_write(const rr_rrd_stream_header_t *h, uint8_t out[12]) {
    memcpy(out, RR_RRD_FOURCC, 4);
    memcpy(out + 4, h->version, 4);
    out[8] = (uint8_t)h->compression;
    out[9] = 2; /* protobuf */
    out[10] = 0;
    out[11] = 0;
}

static void fourcc_str(const uint8_t *p, char out[17]) {
    int n = 0;
    for (int i = 0; i < 4; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
            out[n++] = (char)p[i];
        else
            n += snprintf(out + n, 5, "\\x%02x", p[i]);
    }
    out[n] = 0;
}

rr_status_t rr_rrd_stream_header_parse(const uint8_t in[12], uint64_t offset,
                                       rr_rrd_stream_header_t *out, rr_error_t *err) {
    if (memcmp(in, "RRF0", 4) == 0 || memcmp(in, "RRF1", 4) == 0)
        return rr_error_set(err, RR_ERR_UNSUPPORTED,
                            "offset %llu: .rrd stream of an old format (%.4s), before Rerun 0.23",
                            (unsigned long long)offset, (const char *)in);
    if (memcmp(in, RR_RRD_FOURCC, 4) != 0) {
        char s[17];
        fourcc_str(in, s);
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "offset %llu: not an .rrd stream (magic \"%s\", expected \"RRF2\")",
                            (unsigned long long)offset, s);
    }
    memcpy(out->version, in + 4, 4);
    if (in[4] == 0 && in[5] < 23)
        return rr_error_set(err, RR_ERR_UNSUPPORTED,
                            "offset %llu: .rrd stream version %u.%u.%u is older than 0.23, "
                            "which Rerun 0.33 no longer reads",
                            (unsigned long long)offset, in[4], in[5], in[6]);
    if (in[8] > 1)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "offset %llu: unknown compression option %u",
                            (unsigned long long)(offset + 8), in[8]);
    if (in[9] != 2)
        return rr_error_set(err, in[9] == 1 ? RR_ERR_UNSUPPORTED : RR_ERR_INVALID_DATA,
                            "offset %llu: serializer %u (%s), expected 2 (protobuf)",
                            (unsigned long long)(offset + 9), in[9],
                            in[9] == 1 ? "MsgPack, removed" : "unknown");
    if (in[10] || in[11])
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "offset %llu: reserved option bytes are %02x %02x, expected 00 00",
                            (unsigned long long)(offset + 10), in[10], in[11]);
    out->compression = (rr_rrd_compression_t)in[8];
    return RR_OK;
}

void rr_rrd_message_header_write(uint64_t kind, uint64_t len, uint8_t out[16]) {
    put_u64(out, kind);
    put_u64(out + 8, len);
}

void rr_rrd_message_header_read(const uint8_t in[16], uint64_t *kind, uint64_t *len) {
    *kind = get_u64(in);
    *len = get_u64(in + 8);
}

void rr_rrd_stream_footer_write(const rr_rrd_stream_footer_t *f, uint8_t out[32]) {
    put_u64(out, f->footer_start);
    put_u64(out + 8, f->footer_len);
    put_u32(out + 16, f->crc);
    memcpy(out + 20, "RRF2FOOT", 8);
    put_u32(out + 28, 1);
}

rr_status_t rr_rrd_stream_footer_parse(const uint8_t in[32], uint64_t offset,
                                       rr_rrd_stream_footer_t *out, rr_error_t *err) {
    if (memcmp(in + 20, "RRF2FOOT", 8) != 0) {
        char a[17], b[17];
        fourcc_str(in + 20, a);
        fourcc_str(in + 24, b);
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "offset %llu: stream footer magic \"%s%s\", expected \"RRF2FOOT\"",
                            (unsigned long long)(offset + 20), a, b);
    }
    uint32_t n = get_u32(in + 28);
    if (n != 1)
        return rr_error_set(err, n == 0 ? RR_ERR_INVALID_DATA : RR_ERR_UNSUPPORTED,
                            "offset %llu: stream footer points at %u RRD footers, expected 1",
                            (unsigned long long)(offset + 28), n);
    out->footer_start = get_u64(in);
    out->footer_len = get_u64(in + 8);
    out->crc = get_u32(in + 16);
    return RR_OK;
}

uint32_t rr_rrd_footer_crc(const void *data, size_t len) {
    return XXH32(data, len, RR_RRD_FOOTER_CRC_SEED);
}

/* ---------------- payloads ---------------- */

rr_status_t rr_rrd_payload_encode_buf(const struct ArrowSchema *schema,
                                      const struct ArrowArray *batch, bool lz4, rr_buf_t *payload,
                                      rr_arrow_msg_t *msg, rr_error_t *err) {
    rr_arrow_ipc_write_options_t opts = {0};
    msg->payload_owner = NULL; /* the payload lives in *payload */
    if (!lz4) {
        size_t at = payload->len;
        RR_TRY(rr_arrow_ipc_write_table(payload, schema, batch, 1, &opts, err));
        msg->encoding = RR_PAYLOAD_ENCODING_ARROW_IPC;
        msg->compression = RR_PAYLOAD_COMPRESSION_NONE;
        msg->uncompressed_size = payload->len - at;
        msg->payload = payload->data + at;
        msg->payload_len = payload->len - at;
        return RR_OK;
    }
    rr_buf_t ipc = {0};
    RR_TRY(rr_arrow_ipc_write_table(&ipc, schema, batch, 1, &opts, err));
    rr_status_t st = RR_OK;
    if (ipc.len > (size_t)LZ4_MAX_INPUT_SIZE) {
        st = rr_error_set(err, RR_ERR_UNSUPPORTED,
                          "ArrowMsg payload: %zu bytes is more than one LZ4 block holds (%d)",
                          ipc.len, LZ4_MAX_INPUT_SIZE);
        goto done;
    }
    int bound = LZ4_compressBound((int)ipc.len);
    size_t at = payload->len;
    if (rr_buf_reserve(payload, (size_t)bound) != RR_OK) {
        st = rr_error_set(err, RR_ERR_NOMEM, "ArrowMsg payload: out of memory");
        goto done;
    }
    int n = LZ4_compress_default((const char *)ipc.data, (char *)payload->data + at, (int)ipc.len,
                                 bound);
    if (n <= 0) {
        st = rr_error_set(err, RR_ERR_INTERNAL, "ArrowMsg payload: LZ4 compression failed");
        goto done;
    }
    payload->len = at + (size_t)n;
    msg->encoding = RR_PAYLOAD_ENCODING_ARROW_IPC;
    msg->compression = RR_PAYLOAD_COMPRESSION_LZ4;
    msg->uncompressed_size = ipc.len;
    msg->payload = payload->data + at;
    msg->payload_len = (size_t)n;
done:
    rr_buf_free(&ipc);
    return st;
}

void rr_rrd_payload_gather_free(rr_rrd_payload_gather_t *g) {
    if (!g) return;
    rr_buf_free(&g->meta);
    rr_buf_free(&g->flat);
    rr_buf_free(&g->lz4);
    rr_arrow_ipc_pieces_free(&g->pieces);
}

/* ---- the strided LZ4 encoder ----
 * LZ4 block format: sequences of a token (literal count << 4 | match length
 * - 4, each 15 meaning "more in the following bytes, 255 at a time"), the
 * literals, a 2-byte little-endian distance and the match length's extra
 * bytes; the last sequence is literals only. A match starts at least 12
 * bytes before the end and ends at least 5 before it.
 *
 * The encoder walks the input one 8-byte word at a time and compares each
 * word with the words 8 and 16 bytes before it. In a column of fixed-width
 * values that change a little from row to row, the bytes that do not change
 * sit at one end of each value: the high bytes (the end of a little-endian
 * word, the start of a big-endian one such as a row id's halves). So a match
 * is a run of equal bytes that starts at the end of one word (its trailing
 * equal bytes), goes on through whole equal words and stops in a later word
 * (that word's leading equal bytes). One run is followed at a time, at one
 * distance; a run that covers 4 bytes or more is emitted. Runs that lie
 * wholly inside a word are not seen. Each word costs a few word operations
 * and no hash table, and a column of such values costs one sequence per
 * value, in a loop whose branches go the same way value after value. */

enum { LZ_MIN_MATCH = 4, LZ_LAST_LITERALS = 5, LZ_MF_LIMIT = 12 };

static inline uint64_t ld64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Equal bytes at the start (in memory order) of two words whose xor is x,
 * and at their end; 8 when they are equal. Little-endian loads: memory byte
 * j is bits 8j..8j+7. */
static inline unsigned lead_equal(uint64_t x) {
    return x ? (unsigned)__builtin_ctzll(x) >> 3 : 8;
}
static inline unsigned tail_equal(uint64_t x) {
    return x ? (unsigned)__builtin_clzll(x) >> 3 : 8;
}

static inline uint8_t *lz_put_len(uint8_t *op, size_t len) {
    for (; len >= 255; len -= 255) *op++ = 255;
    *op++ = (uint8_t)len;
    return op;
}

/* One sequence: the literals [anchor, m) and a match of len at distance d.
 * Literals are copied 16 bytes at a time, past their end, when both the
 * input (src_end) and the output (dst_end) have room for that. */
static inline uint8_t *lz_put_seq(uint8_t *op, const uint8_t *anchor, const uint8_t *m, size_t d,
                                  size_t len, const uint8_t *src_end, const uint8_t *dst_end) {
    size_t lit = (size_t)(m - anchor), ml = len - LZ_MIN_MATCH;
    /* The usual sequence: a token, under 15 literals, a distance. */
    if (__builtin_expect(lit < 15 && ml < 15 && m + 16 <= src_end && op + 19 <= dst_end, 1)) {
        op[0] = (uint8_t)(lit << 4 | ml);
        memcpy(op + 1, anchor, 16);
        op += 1 + lit;
        uint16_t d16 = (uint16_t)d;
        memcpy(op, &d16, 2);
        return op + 2;
    }
    uint8_t *tok = op++;
    *tok = (uint8_t)((lit >= 15 ? 15 : lit) << 4 | (ml >= 15 ? 15 : ml));
    if (lit >= 15) op = lz_put_len(op, lit - 15);
    if (m + 16 <= src_end && op + lit + 16 <= dst_end) {
        memcpy(op, anchor, 16);
        for (size_t i = 16; i < lit; i += 16) memcpy(op + i, anchor + i, 16);
    } else {
        memcpy(op, anchor, lit);
    }
    op += lit;
    op[0] = (uint8_t)d;
    op[1] = (uint8_t)(d >> 8);
    op += 2;
    if (ml >= 15) op = lz_put_len(op, ml - 15);
    return op;
}

size_t rr_rrd_lz4_strided(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_cap) {
    if (n > (size_t)LZ4_MAX_INPUT_SIZE || dst_cap < (size_t)LZ4_compressBound((int)n)) return 0;
    const uint8_t *anchor = src, *end = src + n;
    uint8_t *op = dst, *dst_end = dst + dst_cap;
    if (n >= 16 + LZ_MF_LIMIT + 8) {
        /* Words [p, p + 8) up to the last match start: every run found
         * starts and ends within the format's limits. */
        const uint8_t *p = src + 16, *mf_limit = end - LZ_MF_LIMIT;
        const uint8_t *run = p; /* bytes [run, p) equal those d before */
        size_t d = 8, misses = 0;
        for (; p + 8 <= mf_limit; p += 8) {
            uint64_t w = ld64(p), x = w ^ ld64(p - d);
            /* No run reaching p: one may start here, at the distance with
             * more equal leading bytes (24 - d: the other one). */
            if (run == p) {
                uint64_t xo = w ^ ld64(p - (24 - d));
                if (lead_equal(xo) > lead_equal(x)) {
                    d = 24 - d;
                    x = xo;
                }
            }
            if (!x) continue; /* the run goes on through the whole word */
            const uint8_t *stop = p + lead_equal(x);
            if (stop - run >= LZ_MIN_MATCH) {
                op = lz_put_seq(op, anchor, run, d, (size_t)(stop - run), end, dst_end);
                anchor = stop;
                misses = 0;
            }
            /* The next run starts with this word's equal trailing bytes, at
             * the same distance unless the other has more of them. */
            unsigned t = tail_equal(x);
            if (t < LZ_MIN_MATCH) {
                unsigned to = tail_equal(w ^ ld64(p - (24 - d)));
                if (to > t) {
                    d = 24 - d;
                    t = to;
                }
            }
            run = p + 8 - t;
            if (run < anchor) run = anchor;
            /* Through bytes that match nothing (noise), as LZ4 does: after
             * 32 words without a match, skip a word more every 32, up to 7
             * words at a time. */
            if (t == 0 && anchor <= p && ++misses >= 32) {
                size_t skip = 8 * (misses >> 5 < 7 ? misses >> 5 : 7);
                p += skip;
                run = p + 8;
            }
        }
        if (p - run >= LZ_MIN_MATCH) {
            op = lz_put_seq(op, anchor, run, d, (size_t)(p - run), end, dst_end);
            anchor = p;
        }
    }
    size_t lit = (size_t)(end - anchor);
    *op++ = (uint8_t)((lit >= 15 ? 15 : lit) << 4);
    if (lit >= 15) op = lz_put_len(op, lit - 15);
    memcpy(op, anchor, lit);
    op += lit;
    return (size_t)(op - dst);
}

/* Whether LZ4 is worth it on the gathered buffers of g (the pieces with ext
 * set, before the others are resolved), judged by four
 * windows spread over them, each compressed alone (a little pessimistic:
 * matches reaching further back are not seen). The windows hold at most
 * 1/16 of the bytes, 16 KiB each. */
static bool sample_compresses(rr_rrd_payload_gather_t *g, size_t ext_total, int accel,
                              bool strided) {
    enum { WINDOWS = 4, MAX_WINDOW = 16 * 1024 };
    char out[LZ4_COMPRESSBOUND(MAX_WINDOW)];
    const size_t WINDOW = ext_total / (16 * WINDOWS) < MAX_WINDOW ? ext_total / (16 * WINDOWS)
                                                                   : MAX_WINDOW;
    size_t raw = 0, packed = 0;
    for (int k = 0; k < WINDOWS; k++) {
        /* The window starting at byte `at` of the gathered bytes. */
        size_t at = ext_total / WINDOWS * (size_t)k;
        for (size_t i = 0; i < g->pieces.n; i++) {
            const rr_arrow_ipc_piece_t *p = &g->pieces.items[i];
            if (p->ext == NULL) continue; /* bytes in g->meta: not sampled */
            if (at >= p->len) {
                at -= p->len;
                continue;
            }
            int n = (int)(p->len - at < WINDOW ? p->len - at : WINDOW);
            int c = strided ? (int)rr_rrd_lz4_strided(p->ext + at, (size_t)n, (uint8_t *)out,
                                                      sizeof out)
                            : LZ4_compress_fast((const char *)p->ext + at, out, n,
                                                (int)sizeof out, accel);
            raw += (size_t)n;
            packed += c > 0 ? (size_t)c : (size_t)n;
            break;
        }
    }
    return raw == 0 || packed < raw - raw / 8;
}

rr_status_t rr_rrd_payload_encode_gather(const struct ArrowSchema *schema,
                                         const struct ArrowArray *batch,
                                         rr_rrd_lz4_policy_t policy, rr_rrd_payload_gather_t *g,
                                         rr_arrow_msg_t *msg, rr_error_t *err) {
    msg->payload_owner = NULL;
    msg->payload = NULL;
    msg->payload_len = 0;
    g->meta.len = 0;
    g->pieces.n = 0;
    RR_TRY(rr_arrow_ipc_write_table_gather(&g->meta, schema, batch, 1, NULL,
                                           RR_RRD_GATHER_MIN_PIECE, &g->pieces, err));
    size_t total = 0, ext_total = 0;
    for (size_t i = 0; i < g->pieces.n; i++) {
        if (g->pieces.items[i].ext) ext_total += g->pieces.items[i].len;
        total += g->pieces.items[i].len;
    }
    msg->encoding = RR_PAYLOAD_ENCODING_ARROW_IPC;
    msg->uncompressed_size = total;
    msg->payload_len = total;
    msg->compression = RR_PAYLOAD_COMPRESSION_NONE;
    bool lz4 = policy != RR_RRD_LZ4_NEVER;
    int accel = g->lz4_acceleration > 1 ? g->lz4_acceleration : 1;
    if (lz4 && policy == RR_RRD_LZ4_WHEN_IT_PAYS && ext_total >= RR_RRD_LZ4_SAMPLE_MIN)
        lz4 = (g->lz4_strided && sample_compresses(g, ext_total, accel, true)) ||
              sample_compresses(g, ext_total, accel, false);
    if (lz4 && total > (size_t)LZ4_MAX_INPUT_SIZE) {
        if (policy == RR_RRD_LZ4_ALWAYS)
            return rr_error_set(err, RR_ERR_UNSUPPORTED,
                                "ArrowMsg payload: %zu bytes is more than one LZ4 block holds (%d)",
                                total, LZ4_MAX_INPUT_SIZE);
        lz4 = false;
    }
    /* Every piece gets its pointer, now that meta stays put. */
    for (size_t i = 0; i < g->pieces.n; i++) {
        rr_arrow_ipc_piece_t *p = &g->pieces.items[i];
        if (!p->ext) p->ext = g->meta.data + p->off;
        p->off = 0;
    }
    if (!lz4) {
        /* payload is only read when encoding (the field is not const). */
        if (g->pieces.n == 1) msg->payload = (uint8_t *)g->pieces.items[0].ext;
        return RR_OK;
    }
    /* One LZ4 block over the whole stream: it must be contiguous first. */
    g->flat.len = 0;
    int bound = LZ4_compressBound((int)total);
    g->lz4.len = 0;
    if (rr_buf_reserve(&g->flat, total) != RR_OK || rr_buf_reserve(&g->lz4, (size_t)bound) != RR_OK)
        return rr_error_set(err, RR_ERR_NOMEM, "ArrowMsg payload: out of memory");
    for (size_t i = 0; i < g->pieces.n; i++) {
        memcpy(g->flat.data + g->flat.len, g->pieces.items[i].ext, g->pieces.items[i].len);
        g->flat.len += g->pieces.items[i].len;
    }
    int n = 0;
    if (g->lz4_strided)
        n = (int)rr_rrd_lz4_strided(g->flat.data, total, g->lz4.data, (size_t)bound);
    if (n <= 0 || (size_t)n > total - total / 8)
        n = LZ4_compress_fast((const char *)g->flat.data, (char *)g->lz4.data, (int)total, bound,
                              accel);
    if (n <= 0)
        return rr_error_set(err, RR_ERR_INTERNAL, "ArrowMsg payload: LZ4 compression failed");
    g->pieces.n = 1;
    if (policy == RR_RRD_LZ4_WHEN_IT_PAYS && (size_t)n >= total) {
        /* Not smaller: the stream as it is. */
        g->pieces.items[0] = (rr_arrow_ipc_piece_t){g->flat.data, 0, total};
        msg->payload = g->flat.data;
        return RR_OK;
    }
    g->lz4.len = (size_t)n;
    g->pieces.items[0] = (rr_arrow_ipc_piece_t){g->lz4.data, 0, (size_t)n};
    msg->compression = RR_PAYLOAD_COMPRESSION_LZ4;
    msg->payload = g->lz4.data;
    msg->payload_len = (size_t)n;
    return RR_OK;
}

rr_status_t rr_rrd_payload_encode(const struct ArrowSchema *schema, const struct ArrowArray *batch,
                                  bool lz4, rr_arrow_msg_t *msg, rr_error_t *err) {
    rr_buf_t buf = {0};
    RR_TRY(rr_rrd_payload_encode_buf(schema, batch, lz4, &buf, msg, err));
    uint8_t *copy = malloc(msg->payload_len ? msg->payload_len : 1);
    if (!copy) {
        rr_buf_free(&buf);
        msg->payload = NULL;
        msg->payload_len = 0;
        return rr_error_set(err, RR_ERR_NOMEM, "ArrowMsg payload: out of memory");
    }
    memcpy(copy, msg->payload, msg->payload_len);
    msg->payload = copy;
    rr_buf_free(&buf);
    return RR_OK;
}

static void free_aligned_ctx(void *ctx) { rr_free_aligned(ctx); }

static void release_owner(void *ctx) { rr_arrow_blob_release(ctx); }

rr_status_t rr_rrd_payload_decode(const rr_arrow_msg_t *msg, uint64_t max_size,
                                  struct ArrowSchema *schema, struct ArrowArray *batch,
                                  rr_error_t *err) {
    return rr_rrd_payload_decode_blob(msg, msg->payload_owner, max_size, schema, batch, err);
}

rr_status_t rr_rrd_payload_decode_blob(const rr_arrow_msg_t *msg, rr_arrow_blob_t *owner,
                                       uint64_t max_size, struct ArrowSchema *schema,
                                       struct ArrowArray *batch, rr_error_t *err) {
    if (!owner) owner = msg->payload_owner;
    memset(schema, 0, sizeof *schema);
    memset(batch, 0, sizeof *batch);
    if (msg->encoding != RR_PAYLOAD_ENCODING_ARROW_IPC)
        return rr_error_set(err, RR_ERR_UNSUPPORTED, "ArrowMsg: payload encoding %d, expected 1 (Arrow IPC)",
                            (int)msg->encoding);
    if (max_size == 0 || max_size > (uint64_t)INT_MAX) max_size = (uint64_t)INT_MAX;
    rr_arrow_blob_t *blob = NULL;
    if (msg->compression == RR_PAYLOAD_COMPRESSION_LZ4) {
        uint64_t want = msg->uncompressed_size;
        /* One LZ4 sequence expands to at most 255 bytes per input byte. */
        uint64_t reachable = (uint64_t)msg->payload_len * 255u + 16u;
        if (want > max_size)
            return rr_error_set(err, RR_ERR_NOMEM,
                                "ArrowMsg: uncompressed_size %llu is above the limit %llu",
                                (unsigned long long)want, (unsigned long long)max_size);
        if (want > reachable || msg->payload_len > (size_t)INT_MAX)
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "ArrowMsg: uncompressed_size %llu cannot come from %zu LZ4 bytes",
                                (unsigned long long)want, msg->payload_len);
        uint8_t *dst = rr_alloc_aligned((size_t)want);
        if (!dst) return rr_error_set(err, RR_ERR_NOMEM, "ArrowMsg: out of memory");
        int n = LZ4_decompress_safe((const char *)msg->payload, (char *)dst, (int)msg->payload_len,
                                    (int)want);
        if (n < 0 || (uint64_t)n != want) {
            rr_free_aligned(dst);
            return rr_error_set(err, RR_ERR_INVALID_DATA,
                                "ArrowMsg: corrupt LZ4 block (%zu bytes, %s %llu)",
                                msg->payload_len, n < 0 ? "expected" : "short of",
                                (unsigned long long)want);
        }
        blob = rr_arrow_blob_wrap(dst, (size_t)want, free_aligned_ctx, dst);
        if (!blob) {
            rr_free_aligned(dst);
            return rr_error_set(err, RR_ERR_NOMEM, "ArrowMsg: out of memory");
        }
    } else if (msg->compression == RR_PAYLOAD_COMPRESSION_NONE ||
               msg->compression == RR_PAYLOAD_COMPRESSION_UNSPECIFIED) {
        if (owner && msg->payload && msg->payload_len > 0) {
            /* A view of the payload that keeps its owner alive. */
            rr_arrow_blob_retain(owner);
            blob = rr_arrow_blob_wrap(msg->payload, msg->payload_len, release_owner, owner);
            if (!blob) rr_arrow_blob_release(owner);
        } else {
            blob = rr_arrow_blob_copy(msg->payload ? (const void *)msg->payload : "",
                                      msg->payload_len);
        }
        if (!blob) return rr_error_set(err, RR_ERR_NOMEM, "ArrowMsg: out of memory");
    } else {
        return rr_error_set(err, RR_ERR_UNSUPPORTED, "ArrowMsg: unknown compression %d",
                            (int)msg->compression);
    }
    rr_arrow_table_t table;
    memset(&table, 0, sizeof table);
    rr_status_t st = rr_arrow_ipc_read_table(blob, &table, err);
    rr_arrow_blob_release(blob);
    if (st != RR_OK) return rr_error_wrap(st, err, "ArrowMsg payload: ");
    if (table.n_batches < 1) {
        rr_arrow_table_release(&table);
        return rr_error_set(err, RR_ERR_INVALID_DATA, "ArrowMsg payload: IPC stream has no record batch");
    }
    rr_arrow_schema_move(&table.schema, schema);
    rr_arrow_array_move(&table.batches[0], batch);
    rr_arrow_table_release(&table);
    return RR_OK;
}


bool rr_rrd_schema_is_static(const struct ArrowSchema *schema) {
    for (int64_t i = 0; i < schema->n_children; i++) {
        rr_arrow_kv_t kv;
        if (rr_arrow_metadata_find(schema->children[i]->metadata, "rerun:kind", &kv) &&
            ((kv.value_len == 5 && memcmp(kv.value, "index", 5) == 0) ||
             (kv.value_len == 4 && memcmp(kv.value, "time", 4) == 0)))
            return false;
    }
    return true;
}
