/* gRPC pieces shared by server and client: status names, shared message
 * bytes, and the length-prefixed message framing (grpc/doc/PROTOCOL-HTTP2.md:
 * Length-Prefixed-Message = Compressed-Flag Message-Length Message). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "net/grpc.h"

const char *rr_grpc_code_name(rr_grpc_code_t code) {
    static const char *const names[] = {
        "OK",           "CANCELLED",         "UNKNOWN",         "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED", "NOT_FOUND",    "ALREADY_EXISTS",  "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL",         "UNAVAILABLE",     "DATA_LOSS",
        "UNAUTHENTICATED",
    };
    if ((unsigned)code < sizeof names / sizeof names[0]) return names[code];
    return "UNKNOWN_CODE";
}

/* The count lives in front of the public struct, in the same allocation as
 * the data, so one message costs one malloc however many readers share it. */
typedef struct shared_bytes {
    atomic_size_t refs;
    rr_grpc_bytes_t pub;
} shared_bytes_t;

rr_grpc_bytes_t *rr_grpc_bytes_alloc(size_t len) {
    if (len > SIZE_MAX - sizeof(shared_bytes_t) - 1) return NULL;
    shared_bytes_t *s = malloc(sizeof *s + len + 1);
    if (!s) return NULL;
    atomic_init(&s->refs, 1);
    s->pub.len = len;
    s->pub.data = (uint8_t *)(s + 1);
    return &s->pub;
}

rr_grpc_bytes_t *rr_grpc_bytes_new(const void *data, size_t len) {
    rr_grpc_bytes_t *b = rr_grpc_bytes_alloc(len);
    if (b && len) memcpy(b->data, data, len);
    return b;
}

static shared_bytes_t *shared_of(rr_grpc_bytes_t *b) {
    return (shared_bytes_t *)((char *)b - offsetof(shared_bytes_t, pub));
}

rr_grpc_bytes_t *rr_grpc_bytes_ref(rr_grpc_bytes_t *b) {
    if (b) atomic_fetch_add_explicit(&shared_of(b)->refs, 1, memory_order_relaxed);
    return b;
}

void rr_grpc_bytes_unref(rr_grpc_bytes_t *b) {
    if (!b) return;
    shared_bytes_t *s = shared_of(b);
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) free(s);
}

void rr_grpc_frame_header(uint8_t out[RR_GRPC_FRAME_HEADER], size_t len, bool compressed) {
    out[0] = compressed ? 1 : 0;
    out[1] = (uint8_t)(len >> 24);
    out[2] = (uint8_t)(len >> 16);
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
}

bool rr_grpc_deframer_idle(const rr_grpc_deframer_t *d) { return d->hdr_have == 0; }

void rr_grpc_deframer_free(rr_grpc_deframer_t *d) {
    free(d->msg);
    d->msg = NULL;
    d->hdr_have = 0;
    d->msg_len = d->msg_have = 0;
}

rr_status_t rr_grpc_deframer_push(rr_grpc_deframer_t *d, const uint8_t *data, size_t len,
                                  rr_grpc_on_msg_fn on_msg, void *ud, rr_error_t *err) {
    size_t pos = 0;
    while (pos < len) {
        if (d->hdr_have < RR_GRPC_FRAME_HEADER) {
            size_t take = RR_GRPC_FRAME_HEADER - d->hdr_have;
            if (take > len - pos) take = len - pos;
            memcpy(d->hdr + d->hdr_have, data + pos, take);
            d->hdr_have += take;
            pos += take;
            if (d->hdr_have < RR_GRPC_FRAME_HEADER) break;
            if (d->hdr[0] > 1)
                return rr_error_set(err, RR_ERR_INVALID_DATA,
                                    "gRPC message prefix: compressed flag %u is neither 0 nor 1",
                                    d->hdr[0]);
            d->compressed = d->hdr[0] == 1;
            d->msg_len = (size_t)d->hdr[1] << 24 | (size_t)d->hdr[2] << 16 |
                         (size_t)d->hdr[3] << 8 | d->hdr[4];
            if (d->max_message && d->msg_len > d->max_message)
                return rr_error_set(err, RR_ERR_NOMEM,
                                    "gRPC message of %zu bytes is over the limit of %zu bytes",
                                    d->msg_len, d->max_message);
            d->msg_have = 0;
            /* Whole message in this piece: hand it over without a copy. */
            if (len - pos >= d->msg_len) {
                const uint8_t *m = data + pos;
                pos += d->msg_len;
                d->hdr_have = 0;
                rr_status_t st = on_msg(ud, m, d->msg_len, d->compressed, err);
                if (st != RR_OK) return st;
                continue;
            }
            free(d->msg);
            d->msg = malloc(d->msg_len ? d->msg_len : 1);
            if (!d->msg)
                return rr_error_set(err, RR_ERR_NOMEM, "gRPC message of %zu bytes: out of memory",
                                    d->msg_len);
        }
        size_t take = d->msg_len - d->msg_have;
        if (take > len - pos) take = len - pos;
        memcpy(d->msg + d->msg_have, data + pos, take);
        d->msg_have += take;
        pos += take;
        if (d->msg_have == d->msg_len) {
            d->hdr_have = 0;
            rr_status_t st = on_msg(ud, d->msg, d->msg_len, d->compressed, err);
            free(d->msg);
            d->msg = NULL;
            if (st != RR_OK) return st;
        }
    }
    return RR_OK;
}
