/* A push source for the viewer's app core (app.h): the caller hands over
 * data as it gets it, on its own thread, instead of the app reading it on a
 * thread of its own. The browser build feeds everything this way: fetch
 * streams .rrd bytes in, and gRPC-web delivers live LogMsgs, both read by
 * JavaScript.
 *
 * Bytes are decoded on the calling thread, down to chunks, and queued
 * without waiting (the caller is the UI thread in the browser and must
 * never block); rr_app_update moves them into the stores as for any other
 * source. Damage (a corrupt message, a cut-off stream) goes to the app's
 * error banner under the source's name and keeps what loaded.
 *
 * Loading: in the browser build (compiled with RR_APP_PUSH_ONLY_SOURCES,
 * where push sources are the app's only sources and this file stands in for
 * app_sources.c) an open push source counts in rr_app_loading and
 * rr_app_progress until it is finished, unless it is live. Natively push
 * sources are not counted there: app_sources.c keeps the list.
 *
 * Ownership: the caller frees each push source with rr_app_push_free, before
 * or after the app; after the app is freed, give it nothing else (the
 * browser build ignores it then: RR_ERR_UNAVAILABLE). */
#ifndef RR_VIEWER_APP_PUSH_H
#define RR_VIEWER_APP_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "model/log_msg.h"
#include "viewer/app.h"

typedef struct rr_app_push_source rr_app_push_source_t;

/* name labels the source's errors in the banner (a URL, a file name). */
rr_status_t rr_app_open_push(rr_app_t *app, const char *name, rr_app_push_source_t **out,
                             rr_error_t *err);
/* Ends the source (no truncation check: see rr_app_push_finish) and frees
 * it. NULL-safe. */
void rr_app_push_free(rr_app_push_source_t *src);

/* The next len bytes of an .rrd stream (copied; pieces of any size).
 * Every whole message in them is decoded and queued. RR_OK while the stream
 * is sound; once a framing error stopped it, that error's status (the
 * banner says what and where) and later bytes are ignored. A damaged
 * message whose frame is sound is reported and skipped: RR_OK. */
rr_status_t rr_app_push_bytes(rr_app_push_source_t *src, const void *data, size_t len);
/* One protobuf LogMsg (the oneof wrapper, as gRPC carries it), decoded and
 * queued. A bad one is reported to the banner and skipped:
 * RR_ERR_INVALID_DATA. */
rr_status_t rr_app_push_log_msg(rr_app_push_source_t *src, const uint8_t *data, size_t len);
/* One ReadMessagesResponse of the message proxy (sdk_comms.proto: LogMsg
 * in field 1, other fields skipped), as rr_app_push_log_msg. One without a
 * LogMsg is skipped quietly (RR_OK), as Rerun's reader does; malformed
 * protobuf is reported: RR_ERR_INVALID_DATA. */
rr_status_t rr_app_push_read_response(rr_app_push_source_t *src, const uint8_t *data, size_t len);
/* The stream ended: an .rrd stream cut inside a message is reported
 * (RR_ERR_TRUNCATED). The source stops counting as loading. */
rr_status_t rr_app_push_finish(rr_app_push_source_t *src);

/* The size of the whole stream when known (an HTTP Content-Length), for
 * rr_app_progress; 0: unknown. */
void rr_app_push_set_size(rr_app_push_source_t *src, uint64_t total);
/* A live stream (a message proxy): never counted as loading. */
void rr_app_push_set_live(rr_app_push_source_t *src, bool live);
/* Bytes given so far (rr_app_push_bytes and the LogMsgs). */
uint64_t rr_app_push_bytes_in(const rr_app_push_source_t *src);
/* Open and not yet finished. */
bool rr_app_push_open(const rr_app_push_source_t *src);
/* The app's queue holds more than its bound (rr_app_config_t.queue_bytes):
 * a caller that cannot wait (the browser's only thread) drains it with
 * rr_app_update before pushing more, so memory stays bounded however fast
 * the data comes. False once the app is gone. */
bool rr_app_push_backlogged(const rr_app_push_source_t *src);

/* Called with every SetStoreInfo the source decodes, before it is queued
 * (the store set keeps no store info; a host that reports it, as the web
 * viewer's recording_open event does, takes it here). info is borrowed for
 * the call. fn NULL: none. */
typedef void (*rr_app_push_info_fn)(void *ud, const rr_store_info_t *info);
void rr_app_push_on_store_info(rr_app_push_source_t *src, rr_app_push_info_fn fn, void *ud);

#endif
