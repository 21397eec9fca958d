/* The viewer's app core: one store set (a store per recording) fed by data
 * sources that load on background threads, and the state the UI shows and
 * drives (active recording, active timeline, current time, play / pause /
 * loop / speed, memory limit, load progress, an error banner).
 *
 * Sources (.rrd files, standard input, http:// file URLs, rerun+http://
 * proxies, and a built-in gRPC endpoint that SDKs --connect to) decode on
 * their own threads, down to chunks, and hand them over through a queue.
 * Only rr_app_update, on the UI thread, touches the stores: it drains the
 * queue within a time budget, so the first frame is up at once and a large
 * file fills in over the next frames while the UI never waits on I/O.
 * Producers that can wait (files, pipes, sockets) pause while the queue holds
 * more than its bound, so loading never outruns the memory limit by much.
 *
 * Bad input (a corrupt or truncated file, a dropped connection) keeps what
 * loaded and sets the app's error banner; it never stops the viewer.
 *
 * Threading: every function but rr_app_source_count / the progress figures
 * belongs to the UI thread. Ownership: the app owns its sources and stores;
 * pointers it hands out are valid until the next rr_app_update or free. */
#ifndef RR_VIEWER_APP_H
#define RR_VIEWER_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "store/store.h"

typedef struct rr_app rr_app_t;

typedef struct rr_app_config {
    /* Store memory kept at or under this (store GC, oldest chunks first,
     * the newest per entity and component protected); 0: no limit. */
    uint64_t memory_limit;
    /* Bytes of decoded chunks waiting in the queue before file, pipe and
     * socket readers pause; 0: 64 MiB (less under a small memory limit). */
    uint64_t queue_bytes;
} rr_app_config_t;

rr_status_t rr_app_new(const rr_app_config_t *cfg, rr_app_t **out, rr_error_t *err);
/* Stops every source (threads joined, the endpoint closed) and frees the
 * stores. NULL-safe. */
void rr_app_free(rr_app_t *app);

/* ---------------- sources ---------------- */

/* Opens `path` ("-": standard input) and loads it on a thread. A file that
 * cannot be opened is an error here; damage found while loading goes to the
 * banner. */
rr_status_t rr_app_open_file(rr_app_t *app, const char *path, rr_error_t *err);
/* Loads an .rrd stream from fd (a file, a pipe, a socket) on a thread; the
 * app closes fd when done if take_fd. name labels errors. */
rr_status_t rr_app_open_fd(rr_app_t *app, int fd, bool take_fd, const char *name,
                           rr_error_t *err);
/* http://HOST[:PORT]/PATH (an .rrd over plain HTTP/1.1 GET),
 * rerun+http://HOST:PORT/proxy (a live message proxy: ReadMessages), or a
 * file path. https:// and rerun+https:// are RR_ERR_UNSUPPORTED (no TLS in
 * this build). Connection failures later go to the banner. */
rr_status_t rr_app_open_url(rr_app_t *app, const char *url, rr_error_t *err);
/* Starts the built-in gRPC endpoint (message proxy) on bind:port (bind NULL:
 * 127.0.0.1; port 0: any free one), whose messages feed the stores, so SDKs
 * can --connect to the viewer. A taken port is RR_ERR_UNAVAILABLE saying
 * whether a Rerun proxy or viewer answers there. */
rr_status_t rr_app_listen(rr_app_t *app, const char *bind, uint16_t port, rr_error_t *err);
/* The endpoint's port (0 when not listening). */
uint16_t rr_app_listen_port(const rr_app_t *app);

/* ---------------- the frame ---------------- */

/* Moves up to budget_ms worth of queued chunks into the stores (at least
 * one item when any is waiting; budget_ms < 0: everything queued; past the
 * budget while the queue is over its bound, which only the built-in
 * endpoint can cause since it never waits), applies
 * the memory limit, follows new recordings and timelines, and keeps the
 * current time in range. Returns the number of items taken. */
size_t rr_app_update(rr_app_t *app, double budget_ms);
/* Advances playback by dt seconds of wall time. */
void rr_app_tick(rr_app_t *app, double dt);
/* True while a source is still loading or anything is queued. */
bool rr_app_loading(const rr_app_t *app);
/* Waits (draining) until no source is loading and the queue is empty, or
 * timeout_ms passes (< 0: no limit). True when idle. For tests and
 * screenshots of fully loaded data; live sources never finish, so this
 * waits for finite sources only when live ones are open (they are left
 * alone). */
bool rr_app_wait_loaded(rr_app_t *app, int timeout_ms);
/* Bytes read over bytes known to come (files and HTTP with a length), 0..1;
 * 1 when nothing has a known size. */
double rr_app_progress(const rr_app_t *app);

/* ---------------- state ---------------- */

rr_store_set_t *rr_app_stores(rr_app_t *app);
/* The recording shown (NULL while none arrived). */
rr_store_t *rr_app_active_store(rr_app_t *app);
void rr_app_set_active_store(rr_app_t *app, rr_store_t *s);
/* The active timeline's name ("" for none: static data only). */
const char *rr_app_timeline(const rr_app_t *app);
rr_status_t rr_app_set_timeline(rr_app_t *app, const char *name, rr_error_t *err);
int64_t rr_app_time(const rr_app_t *app);
void rr_app_set_time(rr_app_t *app, int64_t t); /* pauses, stops following */
/* The active timeline's data range on the active recording; false if none. */
bool rr_app_time_range(const rr_app_t *app, rr_time_range_t *out);

bool rr_app_playing(const rr_app_t *app);
/* Play from where it is (from the start when at the end), or pause. */
void rr_app_set_playing(rr_app_t *app, bool playing);
void rr_app_toggle_playing(rr_app_t *app);
/* Following: the time stays at the newest data as it arrives (the state the
 * viewer starts in). Playing or setting a time ends it. */
bool rr_app_following(const rr_app_t *app);
void rr_app_set_following(rr_app_t *app, bool follow);
/* Rerun's loop modes (LoopMode): off, the whole recording, or the time
 * selection (a range of the active timeline, made on the time panel's
 * ruler). Playing in selection mode keeps the time inside the selection. */
typedef enum rr_app_loop {
    RR_APP_LOOP_OFF = 0,
    RR_APP_LOOP_ALL,
    RR_APP_LOOP_SELECTION,
} rr_app_loop_t;
rr_app_loop_t rr_app_loop_mode(const rr_app_t *app);
/* RR_APP_LOOP_SELECTION without a selection means off. */
void rr_app_set_loop_mode(rr_app_t *app, rr_app_loop_t mode);
bool rr_app_looping(const rr_app_t *app); /* any mode but off */
void rr_app_set_looping(rr_app_t *app, bool loop); /* all, or off */
/* The time selection on the active timeline; false when there is none. It
 * is dropped when the timeline or the recording shown changes. */
bool rr_app_time_selection(const rr_app_t *app, rr_time_range_t *out);
/* Sets it (min and max in either order), clamped to the timeline's data
 * range; a selection outside that range, or with no range, is none. */
void rr_app_set_time_selection(rr_app_t *app, rr_time_range_t r);
/* No selection (selection mode becomes off). */
void rr_app_clear_time_selection(rr_app_t *app);
double rr_app_speed(const rr_app_t *app);
void rr_app_set_speed(rr_app_t *app, double speed); /* > 0 */
/* Pauses and moves to the previous (dir < 0) or next time holding data on
 * the active timeline (wrapping when looping: within the selection in
 * selection mode). */
void rr_app_step(rr_app_t *app, int dir);

/* Chunks held by all stores; memory of all stores (rr_store_memory_bytes). */
size_t rr_app_num_chunks(const rr_app_t *app);
uint64_t rr_app_memory_bytes(const rr_app_t *app);
/* Items the sources produced and update moved into the stores so far. */
uint64_t rr_app_items_loaded(const rr_app_t *app);

/* The banner: every source error so far, newest last, joined by "; "
 * (truncated to fit); "" when none. */
const char *rr_app_error(const rr_app_t *app);
/* Adds "name: msg" to the banner (any thread; name may be NULL). */
void rr_app_report_error(rr_app_t *app, const char *name, const char *msg);
/* Count of errors reported (also those cut from the banner text). */
size_t rr_app_num_errors(const rr_app_t *app);

/* ---------------- SaveScreenshot over gRPC ---------------- */

/* A SaveScreenshot request that reached the built-in endpoint, handed from
 * the server thread to the UI thread: write the frame (the whole viewer, or
 * the view named view_id) to path, then answer it with
 * rr_app_screenshot_done exactly once. */
typedef struct rr_app_screenshot {
    void *req;           /* the proxy's request (opaque) */
    bool has_view;       /* view_id names one view (else the whole viewer) */
    char view_id[256];
    char path[1024];     /* "" when the client sent none */
} rr_app_screenshot_t;

/* A host that draws frames (the window) says it answers screenshots; until
 * then (and after it stops) requests are refused at once with INTERNAL,
 * as Rerun answers when no viewer takes the command. */
void rr_app_accept_screenshots(rr_app_t *app, bool accept);
/* Whether a request waits (the host draws a frame to answer it). */
bool rr_app_screenshot_pending(rr_app_t *app);
/* Takes the oldest waiting request; false when none. */
bool rr_app_take_screenshot(rr_app_t *app, rr_app_screenshot_t *out);
/* Answers a taken request: ok, or the failure (bad_view: the view id is
 * unknown, answered INVALID_ARGUMENT; else INTERNAL) with a message. */
void rr_app_screenshot_done(rr_app_t *app, rr_app_screenshot_t *shot, bool ok, bool bad_view,
                            const char *message);

/* Writes the state as one JSON object (to path, replaced atomically):
 * recording and application ids, timeline, time, range, playing,
 * following, chunks, memory, progress, loading, errors, plus `extra`
 * members when not NULL (a JSON fragment without braces, e.g.
 * "\"frame\":12"). */
rr_status_t rr_app_write_debug_dump(rr_app_t *app, const char *path, const char *extra,
                                    rr_error_t *err);

#endif
