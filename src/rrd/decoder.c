/* Streaming .rrd decoder (decoder.h): a push-driven state machine over a byte
 * queue. Bytes are appended to one buffer; frames are decoded in place once
 * complete, so a message body is never copied before protobuf-c reads it. */
#include "rrd/decoder.h"

#include <stdlib.h>
#include <string.h>

typedef enum dec_state {
    ST_FIRST_HEADER,   /* offset 0: a stream header is required */
    ST_MSG_HEADER,     /* inside a stream */
    ST_MSG_BODY,       /* header read, waiting for kind/len body */
    ST_AFTER_END,      /* after an End: a stream footer, or (empty End) a new stream */
    ST_STREAM_FOOTER,  /* a stream footer is required */
    ST_BETWEEN,        /* after a footer: nothing more, or another stream */
    ST_STREAM_HEADER,  /* a concatenated stream's header */
    ST_FAILED,
} dec_state_t;

struct rr_rrd_decoder {
    rr_rrd_decoder_options_t opts;
    rr_buf_t buf;
    size_t pos;        /* consumed bytes of buf */
    uint64_t base;     /* absolute offset of buf.data[0] */
    dec_state_t state;
    uint64_t kind, len; /* of the pending message */
    uint64_t msg_offset;
    uint64_t stream_start;
    uint32_t n_streams;
    uint8_t version[4];
    bool end_had_body;
    uint64_t end_body_offset, end_body_len;
    uint32_t end_body_crc;
    rr_error_t fatal;
    size_t n_footers;
    rr_rrd_footer_msg_t *footers;
};

void rr_rrd_message_free(rr_rrd_message_t *m) {
    if (!m) return;
    rr_log_msg_free(&m->msg);
    memset(m, 0, sizeof *m);
}

rr_status_t rr_rrd_decoder_new(const rr_rrd_decoder_options_t *opts, rr_rrd_decoder_t **out,
                               rr_error_t *err) {
    *out = NULL;
    rr_rrd_decoder_t *d = calloc(1, sizeof *d);
    if (!d) return rr_error_set(err, RR_ERR_NOMEM, "rrd decoder: out of memory");
    if (opts) d->opts = *opts;
    if (d->opts.max_message_size == 0) d->opts.max_message_size = (uint64_t)2 << 30;
    d->state = ST_FIRST_HEADER;
    *out = d;
    return RR_OK;
}

void rr_rrd_decoder_free(rr_rrd_decoder_t *d) {
    if (!d) return;
    rr_buf_free(&d->buf);
    for (size_t i = 0; i < d->n_footers; i++) rr_rrd_footer_free(&d->footers[i]);
    free(d->footers);
    free(d);
}

rr_status_t rr_rrd_decoder_push(rr_rrd_decoder_t *d, const void *data, size_t len, rr_error_t *err) {
    if (len == 0 || d->state == ST_FAILED) return RR_OK;
    /* Drop consumed bytes when they are most of the buffer, so that moves stay
     * amortised linear even for byte-at-a-time input. */
    if (d->pos > 0 && d->pos >= d->buf.len / 2) {
        size_t keep = d->buf.len - d->pos;
        memmove(d->buf.data, d->buf.data + d->pos, keep);
        d->buf.len = keep;
        d->base += d->pos;
        d->pos = 0;
    }
    if (rr_buf_append(&d->buf, data, len) != RR_OK)
        return rr_error_set(err, RR_ERR_NOMEM, "rrd decoder: cannot buffer %zu more bytes", len);
    return RR_OK;
}

static size_t avail(const rr_rrd_decoder_t *d) { return d->buf.len - d->pos; }
static const uint8_t *cur(const rr_rrd_decoder_t *d) { return d->buf.data + d->pos; }
static uint64_t offset_now(const rr_rrd_decoder_t *d) { return d->base + d->pos; }

static rr_status_t fail_with(rr_rrd_decoder_t *d, const rr_error_t *local, rr_error_t *err) {
    d->state = ST_FAILED;
    d->fatal = *local;
    if (err) *err = *local;
    return local->code;
}

static rr_status_t failf(rr_rrd_decoder_t *d, rr_error_t *err, rr_status_t code, const char *fmt,
                         uint64_t a, uint64_t b) {
    rr_error_t local;
    rr_error_set(&local, code, fmt, (unsigned long long)a, (unsigned long long)b);
    d->state = ST_FAILED;
    d->fatal = local;
    if (err) *err = local;
    return code;
}

static rr_status_t start_stream(rr_rrd_decoder_t *d, rr_error_t *err) {
    rr_rrd_stream_header_t h;
    rr_error_t local;
    if (rr_rrd_stream_header_parse(cur(d), offset_now(d), &h, &local) != RR_OK)
        return fail_with(d, &local, err);
    memcpy(d->version, h.version, 4);
    d->stream_start = offset_now(d);
    d->n_streams++;
    d->pos += RR_RRD_STREAM_HEADER_SIZE;
    d->state = ST_MSG_HEADER;
    return RR_OK;
}

static rr_status_t keep_footer(rr_rrd_decoder_t *d, rr_rrd_footer_msg_t *f, rr_error_t *err) {
    rr_rrd_footer_msg_t *grown = realloc(d->footers, (d->n_footers + 1) * sizeof *grown);
    if (!grown) {
        rr_rrd_footer_free(f);
        return rr_error_set(err, RR_ERR_NOMEM, "rrd decoder: out of memory");
    }
    d->footers = grown;
    d->footers[d->n_footers++] = *f;
    return RR_OK;
}

rr_status_t rr_rrd_decoder_next(rr_rrd_decoder_t *d, rr_rrd_message_t *out, bool *got,
                                rr_error_t *err) {
    *got = false;
    memset(out, 0, sizeof *out);
    for (;;) {
        switch (d->state) {
        case ST_FAILED:
            if (err) *err = d->fatal;
            return d->fatal.code ? d->fatal.code : RR_ERR_INVALID_DATA;

        case ST_FIRST_HEADER:
        case ST_STREAM_HEADER:
            if (avail(d) < RR_RRD_STREAM_HEADER_SIZE) return RR_OK;
            RR_TRY(start_stream(d, err));
            break;

        case ST_BETWEEN:
            if (avail(d) == 0) return RR_OK;
            d->state = ST_STREAM_HEADER;
            break;

        case ST_MSG_HEADER: {
            /* A stream header here means a stream concatenated without End: no
             * frame header starts with "RRF2" (its kind would be 0x32465252). */
            if (avail(d) >= 4 && memcmp(cur(d), RR_RRD_FOURCC, 4) == 0) {
                d->state = ST_STREAM_HEADER;
                break;
            }
            if (avail(d) < RR_RRD_MESSAGE_HEADER_SIZE) return RR_OK;
            uint64_t kind, len;
            rr_rrd_message_header_read(cur(d), &kind, &len);
            if (kind > RR_LOG_MSG_BLUEPRINT_ACTIVATION)
                return failf(d, err, RR_ERR_INVALID_DATA,
                             "offset %llu: unknown message kind %llu (expected 0..3)", offset_now(d),
                             kind);
            if (len > d->opts.max_message_size)
                return failf(d, err, RR_ERR_INVALID_DATA,
                             "offset %llu: message length %llu is above the limit", offset_now(d),
                             len);
            d->kind = kind;
            d->len = len;
            d->msg_offset = offset_now(d);
            d->pos += RR_RRD_MESSAGE_HEADER_SIZE;
            d->state = ST_MSG_BODY;
            break;
        }

        case ST_MSG_BODY: {
            if (avail(d) < d->len) return RR_OK;
            const uint8_t *body = cur(d);
            uint64_t body_offset = offset_now(d);
            size_t len = (size_t)d->len;
            if (d->kind == RR_RRD_KIND_END) {
                d->end_had_body = len > 0;
                d->end_body_offset = body_offset;
                d->end_body_len = len;
                d->pos += len;
                d->state = ST_AFTER_END;
                if (len > 0) {
                    d->end_body_crc = rr_rrd_footer_crc(body, len);
                    rr_rrd_footer_msg_t f;
                    rr_error_t local;
                    if (rr_rrd_footer_decode(body, len, &f, &local) != RR_OK) {
                        rr_error_set(err, local.code, "offset %llu: End message: %s",
                                     (unsigned long long)body_offset, local.msg);
                        return local.code;
                    }
                    RR_TRY(keep_footer(d, &f, err));
                }
                break;
            }
            rr_error_t local;
            rr_status_t st = rr_log_msg_decode((rr_log_msg_kind_t)d->kind, body, len, &out->msg, &local);
            d->pos += len;
            d->state = ST_MSG_HEADER;
            if (st != RR_OK) {
                rr_error_set(err, st, "offset %llu: %s message: %s",
                             (unsigned long long)d->msg_offset,
                             rr_log_msg_kind_str((rr_log_msg_kind_t)d->kind), local.msg);
                memset(out, 0, sizeof *out);
                return st;
            }
            out->offset = d->msg_offset;
            out->body_offset = body_offset;
            out->body_len = len;
            out->stream_index = d->n_streams - 1;
            memcpy(out->version, d->version, 4);
            *got = true;
            return RR_OK;
        }

        case ST_AFTER_END:
            if (!d->end_had_body) {
                /* An empty End (old encoders, or no data): a footer may follow, or not. */
                if (avail(d) < 4) return RR_OK;
                if (memcmp(cur(d), RR_RRD_FOURCC, 4) == 0) {
                    d->state = ST_STREAM_HEADER;
                    break;
                }
            }
            d->state = ST_STREAM_FOOTER;
            break;

        case ST_STREAM_FOOTER: {
            if (avail(d) < RR_RRD_STREAM_FOOTER_SIZE) return RR_OK;
            rr_rrd_stream_footer_t f;
            rr_error_t local;
            uint64_t at = offset_now(d);
            if (rr_rrd_stream_footer_parse(cur(d), at, &f, &local) != RR_OK)
                return fail_with(d, &local, err);
            d->pos += RR_RRD_STREAM_FOOTER_SIZE;
            d->state = ST_BETWEEN;
            /* Offsets in the footer count from the start of its own stream. */
            uint64_t rel = d->end_body_offset - d->stream_start;
            if (f.footer_start != rel || f.footer_len != d->end_body_len)
                return rr_error_set(err, RR_ERR_INVALID_DATA,
                                    "offset %llu: stream footer points at bytes %llu+%llu, but the "
                                    "RrdFooter is at %llu+%llu",
                                    (unsigned long long)at, (unsigned long long)f.footer_start,
                                    (unsigned long long)f.footer_len, (unsigned long long)rel,
                                    (unsigned long long)d->end_body_len);
            if (d->end_had_body && f.crc != d->end_body_crc)
                return rr_error_set(err, RR_ERR_INVALID_DATA,
                                    "offset %llu: RrdFooter checksum mismatch (footer says %08x, "
                                    "bytes give %08x)",
                                    (unsigned long long)at, f.crc, d->end_body_crc);
            break;
        }
        }
    }
}

rr_status_t rr_rrd_decoder_finish(rr_rrd_decoder_t *d, rr_error_t *err) {
    uint64_t at = offset_now(d);
    size_t left = avail(d);
    switch (d->state) {
    case ST_FAILED:
        if (err) *err = d->fatal;
        return d->fatal.code;
    case ST_FIRST_HEADER:
        if (left == 0 && at == 0)
            return rr_error_set(err, RR_ERR_TRUNCATED, "offset 0: empty input, not an .rrd stream");
        return rr_error_set(err, RR_ERR_TRUNCATED,
                            "offset %llu: input ends inside the stream header (%zu of 12 bytes)",
                            (unsigned long long)at, left);
    case ST_MSG_HEADER:
    case ST_BETWEEN:
        if (left == 0) return RR_OK;
        return rr_error_set(err, RR_ERR_TRUNCATED,
                            "offset %llu: input ends inside a message header (%zu of 16 bytes)",
                            (unsigned long long)at, left);
    case ST_STREAM_HEADER:
        return rr_error_set(err, RR_ERR_TRUNCATED,
                            "offset %llu: input ends inside a stream header (%zu of 12 bytes)",
                            (unsigned long long)at, left);
    case ST_MSG_BODY:
        return rr_error_set(err, RR_ERR_TRUNCATED,
                            "offset %llu: input ends inside a %s message body (%zu of %llu bytes)",
                            (unsigned long long)d->msg_offset,
                            d->kind == RR_RRD_KIND_END ? "End"
                                                       : rr_log_msg_kind_str((rr_log_msg_kind_t)d->kind),
                            left, (unsigned long long)d->len);
    case ST_AFTER_END:
        if (left == 0 && !d->end_had_body) return RR_OK;
        /* fallthrough */
    case ST_STREAM_FOOTER:
        return rr_error_set(err, RR_ERR_TRUNCATED,
                            "offset %llu: input ends inside the stream footer (%zu of 32 bytes)",
                            (unsigned long long)at, left);
    }
    return RR_OK;
}

bool rr_rrd_decoder_failed(const rr_rrd_decoder_t *d) { return d->state == ST_FAILED; }
uint64_t rr_rrd_decoder_offset(const rr_rrd_decoder_t *d) { return offset_now(d); }
uint32_t rr_rrd_decoder_stream_count(const rr_rrd_decoder_t *d) { return d->n_streams; }
size_t rr_rrd_decoder_footer_count(const rr_rrd_decoder_t *d) { return d->n_footers; }
const rr_rrd_footer_msg_t *rr_rrd_decoder_footer(const rr_rrd_decoder_t *d, size_t i) {
    return i < d->n_footers ? &d->footers[i] : NULL;
}

rr_status_t rr_rrd_decode_all(const void *data, size_t len, rr_rrd_message_fn fn, void *ctx,
                              rr_error_t *err) {
    rr_rrd_decoder_t *d = NULL;
    RR_TRY(rr_rrd_decoder_new(NULL, &d, err));
    rr_status_t st = rr_rrd_decoder_push(d, data, len, err);
    while (st == RR_OK) {
        rr_rrd_message_t m;
        bool got;
        st = rr_rrd_decoder_next(d, &m, &got, err);
        if (st != RR_OK || !got) break;
        st = fn(ctx, &m, err);
    }
    if (st == RR_OK) st = rr_rrd_decoder_finish(d, err);
    rr_rrd_decoder_free(d);
    return st;
}
