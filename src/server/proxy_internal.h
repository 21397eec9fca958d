/* The message proxy's inside, shared by proxy.c (history and readers) and
 * proxy_grpc.c (the gRPC binding), and visible to tests/test_proxy.c. */
#ifndef RR_SERVER_PROXY_INTERNAL_H
#define RR_SERVER_PROXY_INTERNAL_H

#include "server/proxy.h"

/* History queues, in the order a new reader replays them. */
typedef enum rr_proxy_class {
    RR_PROXY_CLASS_PERSISTENT = 0, /* store info, blueprint activation, blueprint data */
    RR_PROXY_CLASS_STATIC = 1,     /* static ArrowMsgs */
    RR_PROXY_CLASS_DISPOSABLE = 2, /* temporal ArrowMsgs, tables */
    RR_PROXY_CLASS_NONE = 3,       /* a request without a LogMsg */
} rr_proxy_class_t;

enum { RR_PROXY_ENTRY_LOG = 0, RR_PROXY_ENTRY_TABLE = 1 };

typedef struct rr_proxy_entry {
    rr_grpc_bytes_t *msg;
    uint64_t cost; /* bytes held for it (see entry_cost) */
    uint64_t seq;  /* arrival number */
    uint8_t type;  /* RR_PROXY_ENTRY_* */
} rr_proxy_entry_t;

/* A ring indexed by absolute positions: head and tail only grow, so a
 * reader's cursor stays meaningful across drops (cursor < head: dropped). */
typedef struct rr_proxy_queue {
    rr_proxy_entry_t *ring;
    size_t cap; /* a power of two */
    uint64_t head, tail;
    uint64_t bytes;
} rr_proxy_queue_t;

/* What a registered method's callbacks get as ud. */
typedef struct rr_proxy_method_ud {
    struct rr_proxy *proxy;
    int method;
} rr_proxy_method_ud_t;

struct rr_proxy {
    rr_proxy_config_t cfg;
    rr_proxy_queue_t queues[3];
    uint64_t next_seq;
    rr_proxy_reader_t *readers;
    rr_proxy_reader_t *dispatch_next; /* kept valid while readers close mid-dispatch */
    rr_proxy_stats_t stats;
    bool logged_dropping, logged_dropping_static, logged_over;
    double last_drop_log;
    rr_proxy_screenshot_fn screenshot_fn;
    void *screenshot_ud;
    rr_grpc_server_t *server; /* set by rr_proxy_register */
    rr_proxy_method_ud_t method_uds[5];
};

/* Which queue a WriteMessagesRequest belongs in, after checking that it
 * decodes as a LogMsg (RR_ERR_INVALID_DATA otherwise). RR_PROXY_CLASS_NONE
 * when the request holds no LogMsg. Repeated fields merge as protobuf does. */
rr_status_t rr_proxy_classify_message(const uint8_t *req, size_t len, rr_proxy_class_t *out,
                                      rr_error_t *err);
/* Checks that bytes parse as protobuf fields. */
rr_status_t rr_proxy_check_protobuf(const uint8_t *d, size_t len, const char *what, rr_error_t *err);

#endif
