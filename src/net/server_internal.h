/* Internals of the gRPC server (src/net/server.c, server_h2.c, web.c):
 * the connection and call structures the two transports share, the output
 * queue of refcounted segments, and an entry point that feeds a connection
 * from memory for the fuzz targets. Not part of the public contract. */
#ifndef RR_NET_SERVER_INTERNAL_H
#define RR_NET_SERVER_INTERNAL_H

#include <nghttp2/nghttp2.h>
#include <pthread.h>
#include <stdatomic.h>

#include "net/grpc.h"

/* Unsent bytes a connection may hold before it stops pulling more out of
 * its calls' queues (the calls' own queues are bounded separately). */
#define RR_GRPC_OUTQ_LIMIT (1u << 20)
/* Request header block bound, HTTP/2 and HTTP/1.1 alike. */
#define RR_GRPC_MAX_HEADER_BYTES (16u << 10)

typedef struct rr_grpc_conn rr_grpc_conn_t;

typedef struct rr_grpc_registered {
    rr_grpc_method_t m;
    void *ud;
} rr_grpc_registered_t;

/* One piece of output: bytes inside `owner`, which the segment holds a
 * reference on, so payloads travel from rr_grpc_call_send to the socket
 * without a copy. */
typedef struct rr_grpc_seg {
    const uint8_t *p;
    size_t len;
    rr_grpc_bytes_t *owner;
} rr_grpc_seg_t;

struct rr_grpc_call {
    rr_grpc_server_t *srv;
    rr_grpc_conn_t *conn;
    const rr_grpc_registered_t *method; /* NULL: refused before on_open */
    rr_grpc_call_t *prev, *next;        /* in conn->calls */
    int32_t stream_id;                  /* HTTP/2; 0 for gRPC-web */
    bool web;
    /* Request headers as "name\0value\0" pairs, names lower-case. */
    char *hdrs;
    size_t hdrs_len, hdrs_cap;
    rr_grpc_deframer_t deframer;
    bool gzip;          /* grpc-encoding: gzip */
    bool opened;        /* on_open was called: on_close is owed */
    bool closed;        /* on_close was called */
    bool rx_done;       /* no more request messages are delivered */
    bool finished;      /* rr_grpc_call_finish (or an error) set the status */
    bool headers_sent;  /* response headers are on their way */
    bool trailers_sent; /* the status is on its way */
    bool deferred;      /* HTTP/2 data provider is waiting for bytes */
    bool want_writable; /* on_writable is owed when pending falls under half */
    rr_grpc_code_t code;
    char *message;
    /* Response queue: messages not yet handed to the connection. */
    rr_grpc_bytes_t **q;
    size_t q_head, q_count, q_cap;
    size_t q_off;   /* bytes of q[q_head] (5-byte prefix + payload) taken */
    size_t pending; /* unsent bytes, prefixes included */
    int64_t deadline_ns; /* CLOCK_MONOTONIC; 0: none */
    void *data;
};

typedef enum rr_grpc_conn_mode {
    RR_CONN_SNIFF,
    RR_CONN_H2,
    RR_CONN_WEB,
} rr_grpc_conn_mode_t;

/* HTTP/1.1 request parser state for gRPC-web (web.c). */
typedef enum rr_web_state {
    RR_WEB_HEAD,        /* reading the request line and headers */
    RR_WEB_BODY_LEN,    /* Content-Length body */
    RR_WEB_CHUNK_SIZE,  /* chunked: size line */
    RR_WEB_CHUNK_DATA,  /* chunked: data */
    RR_WEB_CHUNK_CRLF,  /* chunked: CRLF after data */
    RR_WEB_CHUNK_TRAIL, /* chunked: trailer lines after the 0 chunk */
    RR_WEB_DONE,        /* body read; waiting for the response to end */
} rr_web_state_t;

typedef struct rr_web {
    rr_web_state_t st;
    uint8_t *in; /* unparsed input */
    size_t in_start, in_len, in_cap;
    uint64_t remaining; /* body or chunk bytes left */
    bool text;          /* application/grpc-web-text: base64 both ways */
    bool keep_alive;
    bool discard;       /* body bytes are skipped (error already answered) */
    uint8_t b64[4];
    size_t b64_n;
    char content_type[64];
    char origin[256];
    rr_grpc_call_t *call; /* the request being served, or NULL */
} rr_web_t;

struct rr_grpc_conn {
    rr_grpc_server_t *srv;
    int fd; /* -1: fed from memory (fuzzing), output discarded */
    char peer[64];
    rr_grpc_conn_mode_t mode;
    size_t sniffed;
    nghttp2_session *h2;
    rr_web_t web;
    rr_grpc_call_t *calls; /* open calls */
    size_t ncalls;
    /* Output queue. */
    rr_grpc_seg_t *segs;
    size_t seg_head, seg_count, seg_cap;
    size_t out_bytes;
    rr_grpc_bytes_t *scratch; /* small writes (frame headers, prefixes) */
    size_t scratch_used;
    bool epollout;       /* EPOLLOUT is registered */
    bool epollin_off;    /* EPOLLIN is paused (web input backlog) */
    bool out_blocked;    /* streams were deferred because out_bytes was high */
    bool close_after;    /* close once the output is flushed */
    bool dead;           /* closed; freed after the current batch */
    bool dirty;          /* pump at the end of the batch */
    rr_grpc_conn_t *prev, *next;
    rr_grpc_conn_t *dirty_next, *dead_next;
};

typedef struct rr_grpc_post {
    void (*fn)(void *);
    void *ud;
    struct rr_grpc_post *next;
} rr_grpc_post_t;

struct rr_grpc_server {
    rr_grpc_server_config_t cfg;
    char bind[64];
    uint16_t port;
    int lfd, epfd, evfd;
    rr_grpc_registered_t *methods;
    size_t nmethods, methods_cap;
    rr_grpc_conn_t *conns;
    uint32_t nconns;
    rr_grpc_conn_t *dirty, *dead;
    size_t ndeadlines; /* calls with a deadline */
    atomic_bool stop;
    bool stopping; /* run is closing calls: on_close gets UNAVAILABLE */
    pthread_mutex_t post_mu;
    rr_grpc_post_t *posts, *posts_tail;
    uint8_t *rbuf; /* one read buffer: input is handled before the next read */
    size_t rbuf_cap;
};

/* --- server.c: shared by both transports ----------------------------- */

int64_t rr_grpc_now_ns(void);
const rr_grpc_registered_t *rr_grpc_find_method(const rr_grpc_server_t *srv, const char *path,
                                                size_t len);
rr_grpc_call_t *rr_grpc_call_new(rr_grpc_conn_t *c, int32_t stream_id, bool web);
/* Runs on_close once when it is owed, unlinks and frees the call. */
void rr_grpc_call_destroy(rr_grpc_call_t *call, rr_grpc_code_t code);
rr_status_t rr_grpc_call_add_header(rr_grpc_call_t *call, const char *name, size_t nlen,
                                    const char *value, size_t vlen);
/* After the headers: validates grpc-timeout/grpc-encoding, finds nothing
 * else. Returns OK or a status to refuse the call with (message filled). */
rr_grpc_code_t rr_grpc_call_check_headers(rr_grpc_call_t *call, char *msg, size_t msg_cap);
/* Runs on_open. Returns its code. */
rr_grpc_code_t rr_grpc_call_open(rr_grpc_call_t *call);
/* Request body bytes (gRPC framed): deframes, inflates, delivers. */
void rr_grpc_call_rx(rr_grpc_call_t *call, const uint8_t *data, size_t len);
/* The client ended its side. */
void rr_grpc_call_rx_end(rr_grpc_call_t *call);
/* Drops queued output and finishes with code (errors found by the server). */
void rr_grpc_call_fail(rr_grpc_call_t *call, rr_grpc_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Moves up to max bytes of queued response (prefixes and payloads) to the
 * connection's output as segments; returns the bytes moved. */
size_t rr_grpc_call_take(rr_grpc_call_t *call, size_t max);
/* Hands over the next whole queued message (the caller owns the ref). */
rr_grpc_bytes_t *rr_grpc_call_pop_message(rr_grpc_call_t *call);
/* grpc-message value: percent-encoded; malloc'd. */
char *rr_grpc_percent_encode(const char *s);

void rr_grpc_conn_mark_dirty(rr_grpc_conn_t *c);
/* Output queue. */
rr_status_t rr_grpc_conn_out_copy(rr_grpc_conn_t *c, const void *p, size_t len);
rr_status_t rr_grpc_conn_out_ref(rr_grpc_conn_t *c, rr_grpc_bytes_t *owner, const uint8_t *p,
                                 size_t len);
/* Writes what the socket takes. Returns false when the connection failed. */
bool rr_grpc_conn_flush(rr_grpc_conn_t *c);
void rr_grpc_conn_set_epollin(rr_grpc_conn_t *c, bool on);

/* --- server_h2.c ------------------------------------------------------ */

rr_status_t rr_grpc_h2_start(rr_grpc_conn_t *c);
/* Feeds input; false: the connection must close (after a final flush). */
bool rr_grpc_h2_recv(rr_grpc_conn_t *c, const uint8_t *data, size_t len);
/* Produces output; false when the session is over. */
bool rr_grpc_h2_pump(rr_grpc_conn_t *c);
void rr_grpc_h2_call_kick(rr_grpc_call_t *call); /* new bytes or finish */
void rr_grpc_h2_free(rr_grpc_conn_t *c);

/* --- web.c ------------------------------------------------------------ */

bool rr_grpc_web_recv(rr_grpc_conn_t *c, const uint8_t *data, size_t len);
bool rr_grpc_web_pump(rr_grpc_conn_t *c);
void rr_grpc_web_free(rr_grpc_conn_t *c);

/* --- fuzzing: a connection fed from memory, output discarded ---------- */

/* Feeds data into a new connection in the given mode (RR_CONN_H2 expects
 * the client preface first, as on a socket; RR_CONN_SNIFF sniffs), pumps
 * it, runs pending deadlines as expired, then closes it. */
void rr_grpc_server_feed_memory(rr_grpc_server_t *srv, rr_grpc_conn_mode_t mode,
                                const uint8_t *data, size_t len, size_t piece);

#endif
