/* Streaming .rrd decoder (decoder.h): a push-driven state machine over a byte
 * queue. Bytes are appended to one buffer; frames are decoded in place once
 * complete, so a message body is never copied before protobuf-c reads it.
 *
 * Once next_ref is in use, a large ArrowMsg body is not queued: when its
 * first bytes show where the payload starts, it gets a blob of its own (the
 * payload 64-byte aligned in it) and the rest of its bytes go straight there,
 * so that next_ref can hand that blob out and the record batch reads the
 * payload in place. The queue
 * is empty while such a body fills: bytes after it are queued only once it
 * is complete, which keeps stream order. With next only, that buffer would
 * not save a copy (protobuf-c copies the payload out of it anyway) but add a
 * large allocation per message, so next alone keeps everything queued. */
#include "rrd/decoder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ArrowMsg bodies of this size get their own buffer. Above the upper bound
 * they are queued like the rest, so that a header alone cannot make the
 * decoder reserve more than this. */
#define BIG_BODY_MIN ((uint64_t)64 << 10)
#define BIG_BODY_MAX ((uint64_t)64 << 20)
/* Body bytes looked at to find the payload before placing the body. */
#define BIG_BODY_PEEK 1024
/* read_fd's read size into the queue: small, so that little of a large body
 * lands in the queue before its header has been seen. */
#define READ_PIECE ((size_t)64 << 10)

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
    bool zero_copy;       /* next_ref was called: large bodies get their own blob */
    rr_arrow_blob_t *blk; /* the large body being filled, or NULL */
    size_t blk_pad;       /* the body starts at blk->data + blk_pad */
    size_t blk_fill;      /* body bytes in it so far */
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
    rr_arrow_blob_release(d->blk);
    for (size_t i = 0; i < d->n_footers; i++) rr_rrd_footer_free(&d->footers[i]);
    free(d->footers);
    free(d);
}

/* Drops consumed bytes when they are most of the buffer, so that moves stay
 * amortised linear even for byte-at-a-time input. */
static void compact(rr_rrd_decoder_t *d) {
    if (d->pos > 0 && d->pos >= d->buf.len / 2) {
        size_t keep = d->buf.len - d->pos;
        memmove(d->buf.data, d->buf.data + d->pos, keep);
        d->buf.len = keep;
        d->base += d->pos;
        d->pos = 0;
    }
}

static uint8_t *blk_body(const rr_rrd_decoder_t *d) { return (uint8_t *)d->blk->data + d->blk_pad; }
static bool blk_filling(const rr_rrd_decoder_t *d) { return d->blk && d->blk_fill < d->len; }

/* Bytes that went straight into the large body count as consumed. */
static void blk_took(rr_rrd_decoder_t *d, size_t n) {
    d->blk_fill += n;
    d->base += n;
}

rr_status_t rr_rrd_decoder_push(rr_rrd_decoder_t *d, const void *data, size_t len, rr_error_t *err) {
    if (len == 0 || d->state == ST_FAILED) return RR_OK;
    if (blk_filling(d)) {
        size_t n = (size_t)(d->len - d->blk_fill) < len ? (size_t)(d->len - d->blk_fill) : len;
        memcpy(blk_body(d) + d->blk_fill, data, n);
        blk_took(d, n);
        data = (const uint8_t *)data + n;
        len -= n;
        if (len == 0) return RR_OK;
    }
    compact(d);
    if (rr_buf_append(&d->buf, data, len) != RR_OK)
        return rr_error_set(err, RR_ERR_NOMEM, "rrd decoder: cannot buffer %zu more bytes", len);
    return RR_OK;
}

static size_t avail(const rr_rrd_decoder_t *d) { return d->buf.len - d->pos; }
static const uint8_t *cur(const rr_rrd_decoder_t *d) { return d->buf.data + d->pos; }
static uint64_t offset_now(const rr_rrd_decoder_t *d) { return d->base + d->pos; }

rr_status_t rr_rrd_decoder_read_fd(rr_rrd_decoder_t *d, int fd, size_t *n_read, rr_error_t *err) {
    *n_read = 0;
    if (d->state == ST_FAILED) return RR_OK;
    uint8_t *dst;
    size_t room;
    bool direct = blk_filling(d);
    if (direct) {
        dst = blk_body(d) + d->blk_fill;
        room = (size_t)(d->len - d->blk_fill);
    } else {
        compact(d);
        if (rr_buf_reserve(&d->buf, READ_PIECE) != RR_OK)
            return rr_error_set(err, RR_ERR_NOMEM, "rrd decoder: cannot buffer %zu more bytes",
                                READ_PIECE);
        dst = d->buf.data + d->buf.len;
        room = READ_PIECE;
    }
    ssize_t n;
    do n = read(fd, dst, room);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return rr_error_set(err, RR_ERR_IO, "offset %llu: read failed: %s",
                            (unsigned long long)(direct ? d->base : d->base + d->buf.len),
                            strerror(errno));
    if (direct) blk_took(d, (size_t)n);
    else d->buf.len += (size_t)n;
    *n_read = (size_t)n;
    return RR_OK;
}

/* For a large ArrowMsg body only partly queued: once enough of it is in to
 * see where the payload starts, moves it into a blob of its own, placed so
 * that the payload is 64-byte aligned (the IPC reader uses 8-byte aligned
 * buffers in place; the writer aligns them to 64 from the payload's start). */
static rr_status_t maybe_start_blk(rr_rrd_decoder_t *d, rr_error_t *err) {
    if (!d->zero_copy || d->kind != RR_LOG_MSG_ARROW || d->len < BIG_BODY_MIN || d->len > BIG_BODY_MAX) return RR_OK;
    size_t have = avail(d);
    if (have < BIG_BODY_PEEK) return RR_OK;
    size_t at = 0;
    if (!rr_arrow_msg_payload_offset(cur(d), have, &at)) at = 0;
    size_t pad = (RR_ALIGNMENT - at % RR_ALIGNMENT) % RR_ALIGNMENT;
    rr_arrow_blob_t *b = rr_arrow_blob_new(pad + (size_t)d->len);
    if (!b)
        return rr_error_set(err, RR_ERR_NOMEM, "offset %llu: no memory for a %llu-byte message",
                            (unsigned long long)d->msg_offset, (unsigned long long)d->len);
    d->blk = b;
    d->blk_pad = pad;
    d->blk_fill = have;
    memcpy(blk_body(d), cur(d), have);
    /* The queue is now empty: restart it after these bytes. */
    d->base += d->buf.len;
    d->buf.len = 0;
    d->pos = 0;
    return RR_OK;
}

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

/* An ArrowMsg for next_ref: payload in place (in the large body's blob, now
 * the message's) or copied once into an aligned blob (from the queue). */
static rr_status_t decode_ref(rr_rrd_decoder_t *d, const uint8_t *body, size_t len,
                              rr_rrd_message_t *out, rr_error_t *err) {
    rr_arrow_msg_t *a = &out->msg.u.arrow;
    out->msg.kind = RR_LOG_MSG_ARROW;
    RR_TRY(rr_arrow_msg_decode_borrowed(body, len, a, err));
    if (!a->payload) return RR_OK;
    if (d->blk) {
        a->payload_owner = d->blk;
        d->blk = NULL;
        return RR_OK;
    }
    a->payload_owner = rr_arrow_blob_copy(a->payload, a->payload_len);
    if (!a->payload_owner) {
        rr_arrow_msg_free_borrowed(a);
        return rr_error_set(err, RR_ERR_NOMEM, "out of memory for a %zu-byte payload", a->payload_len);
    }
    a->payload = (uint8_t *)a->payload_owner->data;
    return RR_OK;
}

static rr_status_t next_impl(rr_rrd_decoder_t *d, rr_rrd_message_t *out, bool *got, bool ref,
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
            const uint8_t *body;
            if (d->blk) {
                if (d->blk_fill < d->len) return RR_OK;
                body = blk_body(d);
            } else if (avail(d) >= d->len) {
                body = cur(d);
            } else {
                return maybe_start_blk(d, err);
            }
            uint64_t body_offset = d->msg_offset + RR_RRD_MESSAGE_HEADER_SIZE;
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
            bool from_blk = d->blk != NULL;
            rr_status_t st =
                ref && d->kind == RR_LOG_MSG_ARROW
                    ? decode_ref(d, body, len, out, &local)
                    : rr_log_msg_decode((rr_log_msg_kind_t)d->kind, body, len, &out->msg, &local);
            if (from_blk) {
                /* Its bytes were counted as consumed when they came in. */
                rr_arrow_blob_release(d->blk); /* NULL when handed out */
                d->blk = NULL;
            } else {
                d->pos += len;
            }
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

rr_status_t rr_rrd_decoder_next(rr_rrd_decoder_t *d, rr_rrd_message_t *out, bool *got,
                                rr_error_t *err) {
    return next_impl(d, out, got, false, err);
}

rr_status_t rr_rrd_decoder_next_ref(rr_rrd_decoder_t *d, rr_rrd_message_t *out, bool *got,
                                    rr_error_t *err) {
    d->zero_copy = true;
    return next_impl(d, out, got, true, err);
}

rr_status_t rr_rrd_decoder_finish(rr_rrd_decoder_t *d, rr_error_t *err) {
    uint64_t at = offset_now(d);
    size_t left = d->blk ? d->blk_fill : avail(d);
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
    /* Fed a piece at a time: the decoder's buffer stays the size of a piece
     * (warm in cache, its pages faulted once) instead of a copy of the
     * whole input. */
    const size_t piece = (size_t)1 << 20;
    const uint8_t *p = data;
    rr_status_t st = RR_OK;
    for (size_t at = 0; st == RR_OK && (at < len || len == 0);) {
        size_t n = len - at < piece ? len - at : piece;
        st = rr_rrd_decoder_push(d, p + at, n, err);
        at += n;
        while (st == RR_OK) {
            rr_rrd_message_t m;
            bool got;
            st = rr_rrd_decoder_next(d, &m, &got, err);
            if (st != RR_OK || !got) break;
            st = fn(ctx, &m, err);
        }
        if (len == 0) break;
    }
    if (st == RR_OK) st = rr_rrd_decoder_finish(d, err);
    rr_rrd_decoder_free(d);
    return st;
}
