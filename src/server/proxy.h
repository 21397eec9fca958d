/* The message proxy (Rerun 0.33's MessageProxyService, re_grpc_server): SDKs
 * write LogMsgs and tables, viewers read them, history first and then live.
 *
 * History is kept in three queues, as Rerun keeps it: "persistent" (store
 * info, blueprint activations, blueprint data: never dropped), "static"
 * (static ArrowMsgs: dropped only when nothing temporal is left) and
 * "disposable" (temporal ArrowMsgs and tables: the oldest go first when the
 * memory limit is reached). A new reader gets persistent, then static, then
 * disposable history (each in arrival order), then every later message in
 * arrival order.
 *
 * Messages travel as the bytes a writer sent: a WriteMessagesRequest is
 * wire-identical to a ReadMessagesResponse (LogMsg in field 1), and a
 * WriteTableRequest to a ReadTablesResponse, so one refcounted copy serves
 * history and every reader.
 *
 * Readers never slow writers or each other: each reader drains into its own
 * sink (the gRPC call's send queue) and, when that is full or while history is
 * still being replayed, into its own backlog. A live reader whose backlog
 * would pass its bound is finished with RESOURCE_EXHAUSTED and a log line
 * (Rerun instead blocks the writers; the issue asks that a slow reader never
 * does). A reader still replaying history when its backlog fills is not cut:
 * it drops the backlog and replays on up to the newest message instead (all
 * of which history holds, minus what the memory limit drops), in the order a
 * reader connecting at that moment would get.
 *
 * Threading: a proxy and its readers belong to one thread (the gRPC server's
 * loop thread once registered); other threads reach it through
 * rr_grpc_server_post. Only rr_proxy_screenshot_done may be called from any
 * thread. */
#ifndef RR_SERVER_PROXY_H
#define RR_SERVER_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "net/grpc.h"

/* Rerun's --server-memory-limit default. */
#define RR_PROXY_DEFAULT_MEMORY_LIMIT (1024ull * 1024 * 1024)
#define RR_PROXY_UNLIMITED UINT64_MAX
/* Default bound of a reader's backlog (beyond the call's own send queue). */
#define RR_PROXY_DEFAULT_READER_BACKLOG (32u * 1024 * 1024)

/* Parses a memory limit as Rerun does: "0", "unlimited"/"none"/"max",
 * "N%" of physical memory, or a size with a unit: B, kB, MB, GB, TB
 * (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), fractions allowed
 * ("1.5GiB"). Units are case sensitive. Unlimited is RR_PROXY_UNLIMITED. */
rr_status_t rr_proxy_parse_memory_limit(const char *s, uint64_t *out, rr_error_t *err);

/* "1.0 GiB", "12.1 KiB", "123 B" (Rerun's format_bytes style). */
void rr_proxy_format_bytes(uint64_t bytes, char out[32]);

typedef struct rr_proxy rr_proxy_t;
typedef struct rr_proxy_reader rr_proxy_reader_t;

typedef struct rr_proxy_config {
    /* Bytes of history kept for late readers: RR_PROXY_UNLIMITED for no
     * limit, 0 for no history at all (only live forwarding), as in Rerun. */
    uint64_t memory_limit;
    /* Bound of each reader's backlog; 0: RR_PROXY_DEFAULT_READER_BACKLOG. */
    size_t reader_backlog_bytes;
} rr_proxy_config_t;

rr_status_t rr_proxy_new(const rr_proxy_config_t *cfg, rr_proxy_t **out, rr_error_t *err);
/* Finishes nothing: close readers first (the server's stop does, through
 * on_close). Frees the history. NULL-safe. */
void rr_proxy_free(rr_proxy_t *p);

/* One WriteMessagesRequest as received. It must decode as a LogMsg
 * (RR_ERR_INVALID_DATA naming what is wrong otherwise; nothing is kept). A
 * request without a LogMsg is skipped with a warning, as Rerun does. On OK the
 * bytes are copied once, kept in history and sent to every message reader. */
rr_status_t rr_proxy_write_message(rr_proxy_t *p, const uint8_t *req, size_t len, rr_error_t *err);
/* The same for bytes already in a refcounted buffer (takes its own ref). */
rr_status_t rr_proxy_write_message_bytes(rr_proxy_t *p, rr_grpc_bytes_t *req, rr_error_t *err);
/* One WriteTableRequest. Malformed protobuf: RR_ERR_INVALID_DATA. Without an
 * id or data it is skipped with a warning (Rerun's "malformed
 * WriteTableRequest"), else kept and sent to every table reader. */
rr_status_t rr_proxy_write_table(rr_proxy_t *p, const uint8_t *req, size_t len, rr_error_t *err);

/* --- readers ---------------------------------------------------------- */

typedef enum rr_proxy_stream {
    RR_PROXY_READ_MESSAGES = 0, /* ReadMessages: LogMsgs */
    RR_PROXY_READ_TABLES = 1,   /* ReadTables: tables */
} rr_proxy_stream_t;

/* Where a reader's messages go. */
typedef struct rr_proxy_sink {
    /* Queue one message (take your own reference). RR_ERR_FULL: nothing
     * taken; the proxy keeps it and waits for rr_proxy_reader_writable. */
    rr_status_t (*send)(void *ctx, rr_grpc_bytes_t *msg);
    /* The proxy gives up on the reader (it fell too far behind): end it with
     * this status. Called at most once; after it the proxy sends nothing
     * more, and the owner still calls rr_proxy_reader_close. */
    void (*finish)(void *ctx, rr_grpc_code_t code, const char *message);
} rr_proxy_sink_t;

/* A new reader: replays the history as it is now, then everything later.
 * The sink struct is copied. `name` (e.g. the peer address) is for log
 * lines. Sends as much as the sink takes before returning. */
rr_status_t rr_proxy_reader_open(rr_proxy_t *p, rr_proxy_stream_t stream, const rr_proxy_sink_t *sink,
                                 void *ctx, const char *name, rr_proxy_reader_t **out,
                                 rr_error_t *err);
/* The sink has room again: continue the replay and drain the backlog. */
void rr_proxy_reader_writable(rr_proxy_reader_t *r);
/* The reader is gone (or finished): forget it, release what it held.
 * NULL-safe. Never calls the sink. */
void rr_proxy_reader_close(rr_proxy_reader_t *r);

/* --- accounting --------------------------------------------------------- */

typedef struct rr_proxy_stats {
    /* History, in bytes actually held: message bytes plus the per-message
     * allocation and bookkeeping overhead. */
    uint64_t history_bytes;
    uint64_t persistent_bytes, static_bytes, disposable_bytes;
    uint64_t history_messages;
    uint64_t history_peak_bytes; /* the most history_bytes ever was after a write */
    uint64_t messages_in;      /* accepted LogMsgs and tables, ever */
    uint64_t dropped_messages; /* dropped from history by the memory limit */
    uint64_t dropped_bytes;
    uint32_t readers;     /* open readers */
    uint64_t readers_cut; /* readers finished for falling behind */
    uint64_t backlog_bytes; /* held in reader backlogs now (not in history_bytes) */
} rr_proxy_stats_t;

void rr_proxy_get_stats(const rr_proxy_t *p, rr_proxy_stats_t *out);

/* --- gRPC service --------------------------------------------------------- */

/* Registers the five methods of rerun.sdk_comms.v1alpha1.MessageProxyService
 * on srv (before rr_grpc_server_run). The proxy must outlive the server's run;
 * free the server before the proxy. */
rr_status_t rr_proxy_register(rr_proxy_t *p, rr_grpc_server_t *srv, rr_error_t *err);

/* --- SaveScreenshot, answered by an in-process viewer ------------------ */

typedef struct rr_proxy_screenshot rr_proxy_screenshot_t;

/* Called on the loop thread for each SaveScreenshot request. view_id is NULL
 * when the whole viewer is wanted; file_path may be "" when the client sent
 * none. Both strings are valid until rr_proxy_screenshot_done. The viewer
 * must answer every request exactly once with rr_proxy_screenshot_done. */
typedef void (*rr_proxy_screenshot_fn)(void *ud, rr_proxy_screenshot_t *req, const char *view_id,
                                       const char *file_path);

/* Registers (fn non-NULL) or removes (NULL) the viewer's handler. Without
 * one, SaveScreenshot ends with INTERNAL "Screenshot completion signal was
 * dropped before the screenshot was taken", Rerun's status when no viewer
 * takes the command. */
void rr_proxy_set_screenshot_handler(rr_proxy_t *p, rr_proxy_screenshot_fn fn, void *ud);

/* The viewer's answer: RR_GRPC_OK once the file is written; otherwise
 * INVALID_ARGUMENT for a bad view id, INTERNAL for an image or file failure
 * (Rerun's mapping), with a message. Any thread, while the server is alive.
 * Frees req (when the client already went away, the answer is dropped). */
void rr_proxy_screenshot_done(rr_proxy_screenshot_t *req, rr_grpc_code_t code, const char *message);

#endif
