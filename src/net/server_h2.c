/* gRPC over HTTP/2 (grpc/doc/PROTOCOL-HTTP2.md) on an nghttp2 server
 * session: request headers become a call, DATA frames feed its deframer,
 * responses leave through a deferred data provider with NO_COPY, so each
 * DATA frame is its 9-byte header plus segments pointing into the queued
 * messages, and trailers carry grpc-status / grpc-message. Large windows
 * keep a fast peer from stalling on WINDOW_UPDATE round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "net/server_internal.h"

#define STREAM_WINDOW (16 << 20)
#define CONN_WINDOW (64 << 20)
#define MAX_FRAME (256 << 10)

#define NV(n, v, vl)                                                                            \
    {                                                                                           \
        (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vl), NGHTTP2_NV_FLAG_NONE               \
    }

static rr_grpc_call_t *stream_call(nghttp2_session *s, int32_t sid) {
    return nghttp2_session_get_stream_user_data(s, sid);
}

static ssize_t send_cb(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *ud) {
    rr_grpc_conn_t *c = ud;
    if (c->out_bytes >= RR_GRPC_OUTQ_LIMIT) {
        if (!rr_grpc_conn_flush(c)) return NGHTTP2_ERR_CALLBACK_FAILURE;
        if (c->out_bytes >= RR_GRPC_OUTQ_LIMIT) {
            /* nghttp2 holds the frame; the loop calls send again once the
             * socket drained (the peer may be reading nothing: PING floods). */
            c->out_blocked = true;
            return NGHTTP2_ERR_WOULDBLOCK;
        }
    }
    if (rr_grpc_conn_out_copy(c, data, len) != RR_OK) return NGHTTP2_ERR_CALLBACK_FAILURE;
    return (ssize_t)len;
}

static int send_data_cb(nghttp2_session *s, nghttp2_frame *frame, const uint8_t *framehd,
                        size_t length, nghttp2_data_source *source, void *ud) {
    rr_grpc_conn_t *c = ud;
    rr_grpc_call_t *call = source->ptr;
    if (rr_grpc_conn_out_copy(c, framehd, 9) != RR_OK) return NGHTTP2_ERR_CALLBACK_FAILURE;
    size_t pad = frame->data.padlen;
    if (pad > 0) {
        uint8_t p = (uint8_t)(pad - 1);
        if (rr_grpc_conn_out_copy(c, &p, 1) != RR_OK) return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    if (rr_grpc_call_take(call, length) != length) return NGHTTP2_ERR_CALLBACK_FAILURE;
    if (pad > 1) {
        static const uint8_t zeros[256];
        if (rr_grpc_conn_out_copy(c, zeros, pad - 1) != RR_OK) return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return 0;
}

static void submit_trailers(nghttp2_session *s, rr_grpc_call_t *call) {
    char code[16];
    int cl = snprintf(code, sizeof code, "%d", (int)call->code);
    nghttp2_nv nv[2] = {NV("grpc-status", code, (size_t)cl)};
    size_t n = 1;
    if (call->message)
        nv[n++] = (nghttp2_nv)NV("grpc-message", call->message, strlen(call->message));
    nghttp2_submit_trailer(s, call->stream_id, nv, n);
}

static ssize_t read_cb(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t length,
                       uint32_t *flags, nghttp2_data_source *source, void *ud) {
    rr_grpc_conn_t *c = ud;
    rr_grpc_call_t *call = source->ptr;
    if (call->pending == 0) {
        if (call->finished) {
            *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
            submit_trailers(s, call);
            return 0;
        }
        call->deferred = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    if (c->out_bytes >= RR_GRPC_OUTQ_LIMIT) {
        call->deferred = true;
        c->out_blocked = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    size_t n = call->pending < length ? call->pending : length;
    *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (n == call->pending && call->finished) {
        *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        submit_trailers(s, call);
    }
    return (ssize_t)n;
}

static ssize_t read_length_cb(nghttp2_session *s, uint8_t frame_type, int32_t sid,
                              int32_t conn_window, int32_t stream_window, uint32_t max_frame,
                              void *ud) {
    int64_t n = max_frame;
    if (conn_window < n) n = conn_window;
    if (stream_window < n) n = stream_window;
    return n > 0 ? (ssize_t)n : 1;
}

static void respond_http(nghttp2_session *s, rr_grpc_call_t *call, const char *status) {
    nghttp2_nv nv[] = {NV(":status", status, strlen(status))};
    call->finished = call->headers_sent = true;
    call->rx_done = true;
    call->code = RR_GRPC_INTERNAL;
    nghttp2_submit_response(s, call->stream_id, nv, 1, NULL);
}

static void start_call(nghttp2_session *s, rr_grpc_call_t *call) {
    const char *method = rr_grpc_call_header(call, ":method");
    const char *path = rr_grpc_call_header(call, ":path");
    const char *ct = rr_grpc_call_header(call, "content-type");
    if (!method || strcmp(method, "POST") != 0) {
        respond_http(s, call, "405");
        return;
    }
    /* application/grpc, application/grpc+proto, ...; anything else is not
     * gRPC and gets HTTP 415 (PROTOCOL-HTTP2.md). */
    if (!ct || strncmp(ct, "application/grpc", 16) != 0 ||
        (ct[16] && ct[16] != '+' && ct[16] != ';')) {
        respond_http(s, call, "415");
        return;
    }
    char msg[256];
    rr_grpc_code_t code = rr_grpc_call_check_headers(call, msg, sizeof msg);
    if (code != RR_GRPC_OK) {
        rr_grpc_call_fail(call, code, "%s", msg);
        return;
    }
    const rr_grpc_registered_t *m = path ? rr_grpc_find_method(call->srv, path, strlen(path)) : NULL;
    if (!m) {
        rr_grpc_call_fail(call, RR_GRPC_UNIMPLEMENTED, "unknown method %.200s",
                          path ? path : "(no :path)");
        return;
    }
    call->method = m;
    code = rr_grpc_call_open(call);
    if (code != RR_GRPC_OK) {
        rr_grpc_call_fail(call, code, "%s refused the call", m->m.path);
        return;
    }
    if (call->headers_sent) return; /* finished inside on_open: trailers-only went */
    nghttp2_nv nv[] = {
        NV(":status", "200", 3),
        NV("content-type", "application/grpc", 16),
        NV("grpc-accept-encoding", "identity,gzip", 13),
    };
    nghttp2_data_provider dp = {.source.ptr = call, .read_callback = read_cb};
    call->headers_sent = true;
    if (nghttp2_submit_response(s, call->stream_id, nv, 3, &dp) != 0)
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, call->stream_id, NGHTTP2_INTERNAL_ERROR);
}

void rr_grpc_h2_call_kick(rr_grpc_call_t *call) {
    nghttp2_session *s = call->conn->h2;
    if (!s || call->trailers_sent) return;
    if (!call->headers_sent) {
        if (!call->finished) return;
        /* Trailers-only: the status in the one HEADERS frame. */
        char code[16];
        int cl = snprintf(code, sizeof code, "%d", (int)call->code);
        nghttp2_nv nv[4] = {
            NV(":status", "200", 3),
            NV("content-type", "application/grpc", 16),
            NV("grpc-status", code, (size_t)cl),
        };
        size_t n = 3;
        if (call->message)
            nv[n++] = (nghttp2_nv)NV("grpc-message", call->message, strlen(call->message));
        call->headers_sent = true;
        nghttp2_submit_response(s, call->stream_id, nv, n, NULL);
        return;
    }
    if (call->deferred) {
        call->deferred = false;
        nghttp2_session_resume_data(s, call->stream_id);
    }
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *frame, void *ud) {
    rr_grpc_conn_t *c = ud;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    rr_grpc_call_t *call = rr_grpc_call_new(c, frame->hd.stream_id, false);
    if (!call) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    nghttp2_session_set_stream_user_data(s, frame->hd.stream_id, call);
    return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name,
                     size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *ud) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    rr_grpc_call_t *call = stream_call(s, frame->hd.stream_id);
    if (!call) return 0;
    if (rr_grpc_call_add_header(call, (const char *)name, nlen, (const char *)value, vlen) !=
        RR_OK) {
        RR_LOG_DEBUG("grpc server: %s: request headers over %u bytes", call->conn->peer,
                     RR_GRPC_MAX_HEADER_BYTES);
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *frame, void *ud) {
    rr_grpc_call_t *call = stream_call(s, frame->hd.stream_id);
    if (!call) return 0;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
        start_call(s, call);
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        rr_grpc_call_rx_end(call);
    return 0;
}

static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *data,
                         size_t len, void *ud) {
    rr_grpc_call_t *call = stream_call(s, sid);
    if (call) rr_grpc_call_rx(call, data, len);
    return 0;
}

static int on_frame_send(nghttp2_session *s, const nghttp2_frame *frame, void *ud) {
    if (frame->hd.type != NGHTTP2_HEADERS || !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    rr_grpc_call_t *call = stream_call(s, frame->hd.stream_id);
    if (call) call->trailers_sent = true;
    /* The status is out; a client still sending is told to stop (a server
     * may end a call before the request ends, PROTOCOL-HTTP2.md). */
    if (!nghttp2_session_get_stream_remote_close(s, frame->hd.stream_id))
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
    return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t sid, uint32_t error_code, void *ud) {
    rr_grpc_call_t *call = stream_call(s, sid);
    if (!call) return 0;
    nghttp2_session_set_stream_user_data(s, sid, NULL);
    rr_grpc_call_destroy(call, call->trailers_sent ? call->code : RR_GRPC_CANCELLED);
    return 0;
}

rr_status_t rr_grpc_h2_start(rr_grpc_conn_t *c) {
    nghttp2_session_callbacks *cb;
    if (nghttp2_session_callbacks_new(&cb) != 0) return RR_ERR_NOMEM;
    nghttp2_session_callbacks_set_send_callback(cb, send_cb);
    nghttp2_session_callbacks_set_send_data_callback(cb, send_data_cb);
    nghttp2_session_callbacks_set_data_source_read_length_callback(cb, read_length_cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    int rv = nghttp2_session_server_new(&c->h2, cb, c);
    nghttp2_session_callbacks_del(cb);
    if (rv != 0) {
        c->h2 = NULL;
        return RR_ERR_NOMEM;
    }
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, c->srv->cfg.max_streams_per_connection},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
        {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, MAX_FRAME},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, RR_GRPC_MAX_HEADER_BYTES},
    };
    if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]) != 0 ||
        nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW) != 0) {
        nghttp2_session_del(c->h2);
        c->h2 = NULL;
        return RR_ERR_NOMEM;
    }
    return RR_OK;
}

bool rr_grpc_h2_recv(rr_grpc_conn_t *c, const uint8_t *data, size_t len) {
    if (!c->h2) return false;
    ssize_t rv = nghttp2_session_mem_recv(c->h2, data, len);
    if (rv < 0) {
        RR_LOG_INFO("grpc server: %s: closing the HTTP/2 connection: %s", c->peer,
                    nghttp2_strerror((int)rv));
        nghttp2_session_terminate_session(c->h2, NGHTTP2_PROTOCOL_ERROR);
        return false;
    }
    return true;
}

bool rr_grpc_h2_pump(rr_grpc_conn_t *c) {
    if (!c->h2) return false;
    if (nghttp2_session_send(c->h2) != 0) return false;
    return nghttp2_session_want_read(c->h2) || nghttp2_session_want_write(c->h2);
}

void rr_grpc_h2_free(rr_grpc_conn_t *c) {
    nghttp2_session_del(c->h2);
    c->h2 = NULL;
}
