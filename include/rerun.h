/* rerun-c: log multimodal data (points, images, transforms, scalars, text, ...)
 * from C programs into Rerun recordings (.rrd files, stdout, memory, or a live
 * viewer). The only header a user includes. Plain C11.
 *
 *   rr_recording_stream_t *rec;
 *   rr_recording_stream_new("my_app", NULL, &rec, NULL);
 *   rr_save(rec, "out.rrd", NULL);
 *   rr_set_time_sequence(rec, "frame", 42);
 *   rr_archetype_t *points;
 *   rr_points3d_new(&points, xyz, n, RR_COPY, NULL);
 *   rr_points3d_set_colors(points, rgba, n, RR_COPY, NULL);
 *   rr_log(rec, "world/points", points, NULL);
 *   rr_archetype_free(points);
 *   rr_recording_stream_free(rec);   (flushes and closes every sink)
 *
 * Errors: every function that can fail returns an rr_status_t and, when err
 * is not NULL, fills it with a message naming what was wrong. A wrong
 * argument never aborts the program; it is also logged once to stderr.
 *
 * Ownership: functions taking `rr_copy_mode_t` copy the data (RR_COPY) or
 * borrow it until the call that consumes it returns (RR_BORROW: the pointer
 * must stay valid until rr_log / rr_send_columns of that archetype returns, or
 * until the archetype is freed). Objects made by *_new are freed by the
 * matching *_free. Arrow arrays passed in follow the Arrow C Data Interface:
 * ownership moves to rerun-c, which calls their release callback. */
#ifndef RERUN_H
#define RERUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Status and errors (shared with the library's internals).            */

#include "rerun_status.h"

/* ------------------------------------------------------------------ */
/* Recording streams                                                   */

typedef struct rr_recording_stream rr_recording_stream_t;

/* The library's own sources share a few definitions with this header
 * (src/model/log_msg.h, time.h, component.h: same names, values and layout);
 * they include those first and the guards below keep one definition. */
#ifndef RR_MODEL_LOG_MSG_H
typedef enum rr_store_kind {
    RR_STORE_KIND_RECORDING = 1,
    RR_STORE_KIND_BLUEPRINT = 2,
} rr_store_kind_t;
#endif

/* Batching: row logging is gathered into chunks, flushed when any threshold
 * is reached. Zero fields take Rerun's defaults, overridden by the
 * environment (RERUN_FLUSH_TICK_SECS, RERUN_FLUSH_NUM_BYTES,
 * RERUN_FLUSH_NUM_ROWS), overridden by non-zero fields here. With the
 * background thread, a thread that has logged 4096 one-instance rows
 * (a scalar, a point) of an entity since its last chunk also hands them
 * over as a chunk whenever that thread is idle, so that it works while the
 * logging goes on: fast logging makes chunks of at least 4096 rows, smaller
 * than the thresholds would. */
typedef struct rr_batcher_config {
    uint64_t flush_tick_ns;   /* time since the oldest pending row */
    uint64_t flush_num_bytes; /* pending bytes */
    uint64_t flush_num_rows;  /* pending rows */
    /* No background thread at all (embedded targets): chunks are flushed
     * only by thresholds checked at log time and by rr_flush. */
    bool no_threads;
} rr_batcher_config_t;

/* How the stream's sinks (.rrd files, stdout, memory, the bodies custom
 * sinks get) compress chunks: every choice writes what Rerun reads. */
typedef enum rr_compression {
    /* LZ4 blocks by a fast encoder for columns of fixed-width values
     * (matches where values repeat their bytes), or by LZ4 proper where that
     * does not shrink a chunk by 1/8: on rows of a few numbers, blocks ~4%
     * bigger than LZ4 proper's, made ~3.6x faster (build/bench/bench_lz4). */
    RR_COMPRESSION_DEFAULT = 0,
    RR_COMPRESSION_LZ4,  /* LZ4 proper (the smallest files) */
    RR_COMPRESSION_NONE, /* uncompressed: the least CPU, the biggest files */
} rr_compression_t;

typedef struct rr_recording_options {
    const char *recording_id; /* NULL: a fresh random id */
    rr_store_kind_t store_kind; /* 0 means RR_STORE_KIND_RECORDING */
    rr_batcher_config_t batcher;
    /* Do not log `log_time` / `log_tick` automatically with every row. */
    bool no_default_timelines;
    /* Do not send the RecordingInfo properties (start time, at
     * /__properties) that Rerun sends with every new recording. */
    bool no_properties;
    rr_compression_t compression;
} rr_recording_options_t;

/* A new stream for application_id; opts may be NULL. It has no sink until
 * one is added (rr_save, rr_stdout, rr_memory_sink, rr_add_sink): rows logged
 * before are kept and sent to the first sink added. */
rr_status_t rr_recording_stream_new(const char *application_id, const rr_recording_options_t *opts,
                                    rr_recording_stream_t **out, rr_error_t *err);
/* Flushes, closes every sink, frees. NULL-safe. */
void rr_recording_stream_free(rr_recording_stream_t *rec);

/* The process-wide default stream used when a function is given rec == NULL. */
void rr_set_global_recording(rr_recording_stream_t *rec);
rr_recording_stream_t *rr_global_recording(void);

const char *rr_recording_id(const rr_recording_stream_t *rec);
const char *rr_application_id(const rr_recording_stream_t *rec);

/* ------------------------------------------------------------------ */
/* Sinks                                                               */

/* Writes an .rrd file (replaced if it exists). */
rr_status_t rr_save(rr_recording_stream_t *rec, const char *path, rr_error_t *err);
/* Writes the .rrd stream to standard output (to pipe into `rerun rrd ...`). */
rr_status_t rr_stdout(rr_recording_stream_t *rec, rr_error_t *err);

/* An in-memory .rrd: take its bytes at any time (after rr_flush for all rows). */
typedef struct rr_memory_sink rr_memory_sink_t;
rr_status_t rr_memory_sink(rr_recording_stream_t *rec, rr_memory_sink_t **out, rr_error_t *err);
/* Bytes written so far (valid until the next log call or free). */
const uint8_t *rr_memory_sink_data(rr_memory_sink_t *sink, size_t *len);

/* A sink of your own (the gRPC sink plugs in here). Messages arrive in order,
 * each a complete .rrd message: its kind (1 SetStoreInfo, 2 ArrowMsg, 3
 * BlueprintActivationCommand) and protobuf body, exactly as an .rrd frame
 * carries them. Callbacks run on the batcher's thread (or the logging thread
 * when no_threads) and must not call back into the stream.
 * Errors: a failing write_message or flush is logged (once per run of
 * failures) and returned by the next rr_flush, and the sink keeps getting
 * every later message: a custom sink keeps its own state and may recover
 * (the gRPC sink queues and reconnects by itself). Whatever it cannot
 * deliver is its own to drop or keep. The .rrd sinks (rr_save, rr_stdout,
 * rr_memory_sink) instead stop at their first failed write, since the bytes
 * after a torn message would not be readable; a failed sync of a file
 * (rr_flush) is reported and the file is still written. */
typedef struct rr_sink_vtable {
    rr_status_t (*write_message)(void *ctx, uint32_t kind, const uint8_t *body, size_t len,
                                 rr_error_t *err);
    rr_status_t (*flush)(void *ctx, rr_error_t *err);   /* may be NULL */
    void (*close)(void *ctx);                           /* may be NULL; called once */
} rr_sink_vtable_t;
rr_status_t rr_add_sink(rr_recording_stream_t *rec, const rr_sink_vtable_t *sink, void *ctx,
                        rr_error_t *err);

/* ------------------------------------------------------------------ */
/* gRPC sink: stream live to a viewer or `rerun --serve-grpc`          */

/* Rerun's default: a message proxy on this machine. */
#define RR_DEFAULT_CONNECT_URL "rerun+http://127.0.0.1:9876/proxy"

typedef struct rr_grpc_options {
    /* Bytes of messages the sink holds that the server has not yet
     * confirmed; 0: 64 MiB. When full, logging waits for room while
     * connected (backpressure, as Rerun) and drops the message with a
     * warning logged once when not connected or after flush_timeout_ms. */
    size_t queue_bytes;
    /* How long a flush (rr_flush, and closing the stream) waits without
     * progress before it gives up; 0: 5000 ms. */
    uint32_t flush_timeout_ms;
} rr_grpc_options_t;

/* Streams the recording to the message proxy at url (NULL:
 * RR_DEFAULT_CONNECT_URL): rerun+http://HOST[:PORT]/proxy, also rerun://
 * and rerun+https:// (refused: this build has no TLS), with Rerun's
 * defaults (port 9876 for local hosts). Returns at once: a background
 * thread connects, and logging never waits for a missing server. When the
 * server is absent or goes away it reconnects with exponential backoff
 * (100 ms doubling to 2 s) and re-sends the recording's SetStoreInfo and
 * every message the server has not confirmed; warnings say when the
 * connection is lost and when it is back. rr_flush waits until the server
 * confirmed everything logged before it, or fails after flush_timeout_ms
 * without progress, saying how many messages are still pending (the sink
 * keeps them and goes on trying). Freeing the stream flushes the same way
 * and then drops what is left, with a warning: it never hangs. A bad URL
 * is an error here. */
rr_status_t rr_connect_grpc(rr_recording_stream_t *rec, const char *url, rr_error_t *err);
rr_status_t rr_connect_grpc_opts(rr_recording_stream_t *rec, const char *url,
                                 const rr_grpc_options_t *opts, rr_error_t *err);

/* ------------------------------------------------------------------ */
/* Spawn: start a viewer if none runs, then stream to it               */

typedef struct rr_spawn_options {
    /* The viewer program; NULL: $RERUN_BIN, else `rerun` on PATH. */
    const char *executable;
    /* Port the viewer listens on for SDKs; 0: 9876. */
    uint16_t port;
    /* Passed as the viewer's --memory-limit (e.g. "75%", "2GiB"); NULL: none. */
    const char *memory_limit;
    /* How long to wait for a started viewer to listen; 0: 10000 ms. */
    uint32_t wait_ms;
} rr_spawn_options_t;

/* As Rerun's spawn: when nothing listens on 127.0.0.1:port, starts the
 * viewer detached (its own session; it outlives this program) with --port,
 * waits until it listens (at most wait_ms), then connects the stream to it
 * with rr_connect_grpc. opts may be NULL. Errors name the program that could
 * not be started or the port that never opened. */
rr_status_t rr_spawn(rr_recording_stream_t *rec, const rr_spawn_options_t *opts, rr_error_t *err);

/* Sends every pending row to every sink and waits until they took it. */
rr_status_t rr_flush(rr_recording_stream_t *rec, rr_error_t *err);

/* ------------------------------------------------------------------ */
/* Time. Per thread and per stream, as in Rerun.                       */

rr_status_t rr_set_time_sequence(rr_recording_stream_t *rec, const char *timeline, int64_t seq);
rr_status_t rr_set_time_duration_ns(rr_recording_stream_t *rec, const char *timeline, int64_t ns);
rr_status_t rr_set_time_timestamp_ns(rr_recording_stream_t *rec, const char *timeline,
                                     int64_t ns_since_epoch);
rr_status_t rr_disable_timeline(rr_recording_stream_t *rec, const char *timeline);
rr_status_t rr_reset_time(rr_recording_stream_t *rec);

/* ------------------------------------------------------------------ */
/* Archetypes and component batches                                    */

typedef enum rr_copy_mode {
    RR_COPY = 0,
    RR_BORROW = 1,
} rr_copy_mode_t;

/* Names of a component: e.g. archetype "rerun.archetypes.Points3D",
 * component "Points3D:positions", component type "rerun.components.Position3D".
 * archetype and component_type may be NULL. */
#ifndef RR_MODEL_COMPONENT_H
typedef struct rr_component_descriptor {
    const char *archetype;
    const char *component;
    const char *component_type;
} rr_component_descriptor_t;
#endif

/* A set of component batches to log at one entity: what every generated
 * archetype builder (rr_points3d_new, ...) makes, and what rr_log takes.
 * Opaque; free with rr_archetype_free. */
typedef struct rr_archetype rr_archetype_t;

/* An empty set for archetype (e.g. "rerun.archetypes.Points3D"; NULL for
 * loose components). */
rr_status_t rr_archetype_new(const char *archetype, rr_archetype_t **out, rr_error_t *err);
void rr_archetype_free(rr_archetype_t *a); /* NULL-safe */

struct ArrowSchema;
struct ArrowArray;

/* Adds (or replaces, by component name) a batch of instances: `array` holds
 * the instances (not wrapped in a list) and its schema gives their datatype;
 * ownership of both moves in (their release callbacks are called by us),
 * also on failure. */
rr_status_t rr_archetype_add_arrow(rr_archetype_t *a, const rr_component_descriptor_t *desc,
                                   struct ArrowSchema *schema, struct ArrowArray *array,
                                   rr_error_t *err);
/* Adds an empty batch (zero instances) for the component: logging it clears
 * that component at the entity (partial updates and clears). */
rr_status_t rr_archetype_add_empty(rr_archetype_t *a, const rr_component_descriptor_t *desc,
                                   const char *arrow_format, rr_error_t *err);

/* Same as rr_archetype_add_arrow, for buffers that point into the caller's
 * memory (RR_BORROW): they must stay valid until the rr_log /
 * rr_send_columns that consumes the archetype returns, or until it is freed;
 * logging copies them. Arrays added with rr_archetype_add_arrow are instead
 * shared (reference counted) by the rows logged from them, never copied. */
rr_status_t rr_archetype_add_arrow_borrowed(rr_archetype_t *a,
                                            const rr_component_descriptor_t *desc,
                                            struct ArrowSchema *schema, struct ArrowArray *array,
                                            rr_error_t *err);
/* Like rr_archetype_add_empty for any datatype, nested ones included
 * (schema is the instance type; it is copied, the caller keeps it). */
rr_status_t rr_archetype_add_empty_like(rr_archetype_t *a, const rr_component_descriptor_t *desc,
                                        const struct ArrowSchema *schema, rr_error_t *err);
/* The number of component batches, and the instance count of batch i (in
 * the order they were added; -1 when i is out of range). */
size_t rr_archetype_num_batches(const rr_archetype_t *a);
int64_t rr_archetype_batch_length(const rr_archetype_t *a, size_t i);

/* Logs the archetype's batches at entity_path for the current time of this
 * thread (plus log_time and log_tick unless turned off); `a` stays the
 * caller's. rec NULL: the global stream. log_time is the row id's time;
 * log_tick counts the stream's log calls (static and columnar ones too) as
 * Rerun's does: 0, 1, 2, ... while one thread logs to the stream; once a
 * second thread does, ticks stay unique and in each thread's call order but
 * skip the first thread's reserved rest (at most 1023) once. */
rr_status_t rr_log(rr_recording_stream_t *rec, const char *entity_path, const rr_archetype_t *a,
                   rr_error_t *err);
/* Same, as static data (no timeline; the latest static write wins). */
rr_status_t rr_log_static(rr_recording_stream_t *rec, const char *entity_path,
                          const rr_archetype_t *a, rr_error_t *err);

/* ------------------------------------------------------------------ */
/* Columnar logging (send_columns)                                     */

#ifndef RR_MODEL_TIME_H
typedef enum rr_time_type {
    RR_TIME_SEQUENCE = 0,
    RR_TIME_DURATION_NS = 1,
    RR_TIME_TIMESTAMP_NS = 2,
} rr_time_type_t;
#endif

typedef struct rr_time_column {
    const char *timeline;
    rr_time_type_t type;
    const int64_t *times; /* one per row */
    size_t n_rows;
} rr_time_column_t;

/* Logs n_rows rows at once: row i has the times times[*][i] and, for every
 * component batch of `a`, lengths[i] consecutive instances of that batch
 * (each component batch of `a` must hold the sum of its lengths).
 * lengths_per_batch[k] is the lengths array of batch k in the order the
 * batches were added; NULL for a batch means one instance per row. */
rr_status_t rr_send_columns(rr_recording_stream_t *rec, const char *entity_path,
                            const rr_time_column_t *time_columns, size_t n_time_columns,
                            const rr_archetype_t *a, const uint32_t *const *lengths_per_batch,
                            rr_error_t *err);

/* ------------------------------------------------------------------ */
/* Library                                                             */

/* "0.1.0 (Rerun 0.33.0 formats)". */
const char *rr_version_string(void);

#ifdef __cplusplus
}
#endif

/* The generated builders of Rerun's 49 archetypes: rr_points3d_new, ... */
#include "rerun_archetypes.h"

#endif
