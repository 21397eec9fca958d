/* The message proxy as a gRPC service: the five methods of
 * rerun.sdk_comms.v1alpha1.MessageProxyService on an rr_grpc_server, and the
 * SaveScreenshot hand-off to an in-process viewer. Everything here runs on
 * the server's loop thread but rr_proxy_screenshot_done.
 *
 * Statuses (Rerun 0.33's where it has one): a WriteMessages request that is
 * not a LogMsg ends the call with INVALID_ARGUMENT (Rerun logs the error and
 * answers OK; tonic itself says INTERNAL for undecodable protobuf) and the
 * messages before it stay; a reader cut for falling behind gets
 * RESOURCE_EXHAUSTED; SaveScreenshot without a viewer gets INTERNAL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "server/proxy.h"
#include "server/proxy_internal.h"

#include "sdk_comms.pb-c.h"

#define SERVICE "/rerun.sdk_comms.v1alpha1.MessageProxyService/"

enum method_id { M_WRITE_MESSAGES, M_READ_MESSAGES, M_WRITE_TABLE, M_READ_TABLES, M_SAVE_SCREENSHOT };

struct rr_proxy_screenshot {
    rr_grpc_server_t *srv;
    rr_grpc_call_t *call; /* NULL once the call closed */
    bool answered;
    char *view_id, *file_path;
    rr_grpc_code_t code;
    char message[256];
};

typedef struct call_state {
    rr_proxy_t *proxy;
    enum method_id method;
    bool got_request;
    bool done; /* finished by us: later messages are ignored */
    rr_proxy_reader_t *reader;
    rr_proxy_screenshot_t *shot;
} call_state_t;


static const uint8_t EMPTY[1] = {0};

static void reply_empty(rr_grpc_call_t *call, call_state_t *s) {
    s->done = true;
    /* An empty response message: every response of this service but the
     * streams is an empty protobuf. */
    rr_grpc_call_send_copy(call, EMPTY, 0);
    rr_grpc_call_finish(call, RR_GRPC_OK, NULL);
}

static void fail(rr_grpc_call_t *call, call_state_t *s, rr_grpc_code_t code, const char *msg) {
    s->done = true;
    rr_grpc_call_finish(call, code, msg);
}

/* --- reader sink over a call --- */

static rr_status_t call_sink_send(void *ctx, rr_grpc_bytes_t *msg) { return rr_grpc_call_send(ctx, msg); }

static void call_sink_finish(void *ctx, rr_grpc_code_t code, const char *message) {
    rr_grpc_call_t *call = ctx;
    call_state_t *s = rr_grpc_call_data(call);
    if (s) s->done = true;
    rr_grpc_call_finish(call, code, message);
}

static const rr_proxy_sink_t CALL_SINK = {call_sink_send, call_sink_finish};

/* --- screenshots --- */

static void shot_free(rr_proxy_screenshot_t *req) {
    free(req->view_id);
    free(req->file_path);
    free(req);
}

/* On the loop thread, after the viewer answered. */
static void shot_complete(void *ud) {
    rr_proxy_screenshot_t *req = ud;
    req->answered = true;
    if (!req->call) {
        shot_free(req);
        return;
    }
    call_state_t *s = rr_grpc_call_data(req->call);
    if (req->code == RR_GRPC_OK)
        reply_empty(req->call, s);
    else
        fail(req->call, s, req->code, req->message);
}

void rr_proxy_screenshot_done(rr_proxy_screenshot_t *req, rr_grpc_code_t code, const char *message) {
    if (!req) return;
    req->code = code;
    snprintf(req->message, sizeof req->message, "%s", message ? message : "");
    if (rr_grpc_server_post(req->srv, shot_complete, req) != RR_OK)
        RR_LOG_WARN("gRPC proxy: a screenshot answer could not reach the server loop (stopped?)");
}

static void save_screenshot(rr_grpc_call_t *call, call_state_t *s, const uint8_t *data, size_t len) {
    Rerun__SdkComms__V1alpha1__SaveScreenshotRequest *rq =
        rerun__sdk_comms__v1alpha1__save_screenshot_request__unpack(NULL, len, data);
    if (!rq) {
        fail(call, s, RR_GRPC_INVALID_ARGUMENT, "SaveScreenshotRequest: malformed protobuf");
        return;
    }
    rr_proxy_t *p = s->proxy;
    if (!p->screenshot_fn) {
        rerun__sdk_comms__v1alpha1__save_screenshot_request__free_unpacked(rq, NULL);
        fail(call, s, RR_GRPC_INTERNAL, "Screenshot completion signal was dropped before the screenshot was taken");
        return;
    }
    rr_proxy_screenshot_t *req = calloc(1, sizeof *req);
    bool oom = !req;
    if (req) {
        req->srv = p->server;
        req->call = call;
        req->view_id = rq->view_id ? strdup(rq->view_id) : NULL;
        req->file_path = strdup(rq->file_path ? rq->file_path : "");
        oom = !req->file_path || (rq->view_id && !req->view_id);
    }
    rerun__sdk_comms__v1alpha1__save_screenshot_request__free_unpacked(rq, NULL);
    if (oom) {
        if (req) shot_free(req);
        fail(call, s, RR_GRPC_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    s->shot = req;
    p->screenshot_fn(p->screenshot_ud, req, req->view_id, req->file_path);
}

/* --- method callbacks --- */

static rr_grpc_code_t on_open(rr_grpc_call_t *call, void *ud) {
    rr_proxy_method_ud_t *m = ud;
    call_state_t *s = calloc(1, sizeof *s);
    if (!s) return RR_GRPC_RESOURCE_EXHAUSTED;
    s->proxy = m->proxy;
    s->method = (enum method_id)m->method;
    rr_grpc_call_set_data(call, s);
    return RR_GRPC_OK;
}

static void open_reader(rr_grpc_call_t *call, call_state_t *s, rr_proxy_stream_t stream, const uint8_t *data,
                        size_t len) {
    rr_error_t err = {0};
    if (rr_proxy_check_protobuf(data, len, stream == RR_PROXY_READ_TABLES ? "ReadTablesRequest" : "ReadMessagesRequest",
                                &err) != RR_OK) {
        fail(call, s, RR_GRPC_INVALID_ARGUMENT, err.msg);
        return;
    }
    if (rr_proxy_reader_open(s->proxy, stream, &CALL_SINK, call, rr_grpc_call_peer(call), &s->reader, &err) != RR_OK)
        fail(call, s, RR_GRPC_RESOURCE_EXHAUSTED, err.msg);
}

static void on_message(rr_grpc_call_t *call, const uint8_t *data, size_t len, void *ud) {
    (void)ud;
    call_state_t *s = rr_grpc_call_data(call);
    if (!s || s->done) return;
    rr_error_t err = {0};
    bool first = !s->got_request;
    s->got_request = true;
    switch (s->method) {
    case M_WRITE_MESSAGES: {
        rr_status_t st = rr_proxy_write_message(s->proxy, data, len, &err);
        if (st != RR_OK) {
            RR_LOG_WARN("gRPC proxy: WriteMessages from %s: %s", rr_grpc_call_peer(call), err.msg);
            fail(call, s, st == RR_ERR_NOMEM ? RR_GRPC_RESOURCE_EXHAUSTED : RR_GRPC_INVALID_ARGUMENT, err.msg);
        }
        return;
    }
    case M_WRITE_TABLE: {
        rr_status_t st = rr_proxy_write_table(s->proxy, data, len, &err);
        if (st != RR_OK) {
            RR_LOG_WARN("gRPC proxy: WriteTable from %s: %s", rr_grpc_call_peer(call), err.msg);
            fail(call, s, st == RR_ERR_NOMEM ? RR_GRPC_RESOURCE_EXHAUSTED : RR_GRPC_INVALID_ARGUMENT, err.msg);
        } else {
            reply_empty(call, s);
        }
        return;
    }
    case M_READ_MESSAGES:
        if (first) open_reader(call, s, RR_PROXY_READ_MESSAGES, data, len);
        return;
    case M_READ_TABLES:
        if (first) open_reader(call, s, RR_PROXY_READ_TABLES, data, len);
        return;
    case M_SAVE_SCREENSHOT:
        if (first) save_screenshot(call, s, data, len);
        return;
    }
}

static void on_half_close(rr_grpc_call_t *call, void *ud) {
    (void)ud;
    call_state_t *s = rr_grpc_call_data(call);
    if (!s || s->done) return;
    if (s->method == M_WRITE_MESSAGES) {
        reply_empty(call, s);
        return;
    }
    if (!s->got_request) fail(call, s, RR_GRPC_INVALID_ARGUMENT, "missing request message");
    /* Readers stream on after the client's half close; a screenshot waits
     * for the viewer. */
}

static void on_writable(rr_grpc_call_t *call, void *ud) {
    (void)ud;
    call_state_t *s = rr_grpc_call_data(call);
    if (s && s->reader) rr_proxy_reader_writable(s->reader);
}

static void on_close(rr_grpc_call_t *call, rr_grpc_code_t code, void *ud) {
    (void)ud;
    (void)code;
    call_state_t *s = rr_grpc_call_data(call);
    if (!s) return;
    rr_proxy_reader_close(s->reader);
    if (s->shot) {
        s->shot->call = NULL;
        if (s->shot->answered) shot_free(s->shot);
    }
    rr_grpc_call_set_data(call, NULL);
    free(s);
}

rr_status_t rr_proxy_register(rr_proxy_t *p, rr_grpc_server_t *srv, rr_error_t *err) {
    static const struct {
        const char *path;
        enum method_id id;
    } methods[] = {
        {SERVICE "WriteMessages", M_WRITE_MESSAGES}, {SERVICE "ReadMessages", M_READ_MESSAGES},
        {SERVICE "WriteTable", M_WRITE_TABLE},       {SERVICE "ReadTables", M_READ_TABLES},
        {SERVICE "SaveScreenshot", M_SAVE_SCREENSHOT},
    };
    if (p->server) return rr_error_set(err, RR_ERR_INVALID_ARG, "proxy: already registered on a server");
    p->server = srv;
    for (size_t i = 0; i < 5; i++) {
        p->method_uds[i].proxy = p;
        p->method_uds[i].method = (int)methods[i].id;
        rr_grpc_method_t m = {
            .path = methods[i].path,
            .on_open = on_open,
            .on_message = on_message,
            .on_half_close = on_half_close,
            .on_writable = on_writable,
            .on_close = on_close,
        };
        RR_TRY(rr_grpc_server_add_method(srv, &m, &p->method_uds[i], err));
    }
    return RR_OK;
}
