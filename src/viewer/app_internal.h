/* Shared between the app core (app.c: state, queue drain, playback) and its
 * data sources (app_sources.c: loader threads, the built-in endpoint). Not
 * for other modules: they use app.h. */
#ifndef RR_VIEWER_APP_INTERNAL_H
#define RR_VIEWER_APP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "model/chunk.h"
#include "model/log_msg.h"
#include "store/store.h"
#include "viewer/app.h"

/* One unit of work for the UI thread: a decoded chunk for a store id, or a
 * message the store set routes itself (store info, blueprint activation). */
typedef struct rr_app_item {
    struct rr_app_item *next;
    rr_store_id_t id;     /* with chunk */
    rr_chunk_t *chunk;    /* owned; NULL: msg */
    rr_log_msg_t msg;     /* owned when chunk is NULL */
    uint64_t bytes;       /* counted against the queue bound */
} rr_app_item_t;

typedef struct rr_app_source rr_app_source_t;

typedef struct rr_app_shot {
    struct rr_app_shot *next;
    rr_app_screenshot_t shot;
} rr_app_shot_t;

struct rr_app {
    rr_app_config_t cfg;
    rr_store_set_t *set;

    /* Everything below up to `ui` is shared with source threads: mu. */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* queue room, source done */
    rr_app_item_t *head, *tail;
    uint64_t queued_bytes, queue_bound;
    size_t queued_items;
    atomic_bool stopping;
    rr_app_source_t **sources;
    size_t n_sources, cap_sources;
    char error[2048];
    size_t n_errors;

    /* The built-in endpoint (app_sources.c). */
    void *endpoint;
    /* SaveScreenshot requests waiting for the UI thread (under mu). */
    struct rr_app_shot *shots_head, *shots_tail;
    bool shots_accepted;

    /* UI-thread state. */
    rr_store_t *active;
    size_t stores_seen;
    char timeline[256];
    bool timeline_chosen_by_user;
    int64_t time;
    double time_frac; /* sub-unit playback progress */
    bool playing, following;
    rr_app_loop_t loop_mode;
    bool has_selection;
    rr_time_range_t selection; /* on the active timeline */
    double speed;
    uint64_t items_loaded;
};

/* Sources call these (any thread). */
/* Queues an item, waiting for room when may_wait (else over the bound).
 * False when the app is stopping (the item is freed). */
bool rr_app_push(rr_app_t *app, rr_app_item_t *item, bool may_wait);
void rr_app_item_free(rr_app_item_t *item);
/* Turns a decoded LogMsg into an item (an ArrowMsg's chunk decoded here,
 * on the calling thread); takes msg. NULL with *err on a bad payload. dec:
 * the calling source's chunk decoder, which reads streams of small
 * messages several times faster (rr_store_chunk_decode; one per source
 * thread, not shared), or NULL. */
rr_app_item_t *rr_app_item_from_msg(rr_log_msg_t *msg, rr_store_chunk_decoder_t *dec,
                                    rr_error_t *err);

/* app_sources.c */
void rr_app_sources_stop(rr_app_t *app); /* joins threads, closes the endpoint */
bool rr_app_sources_busy(rr_app_t *app, bool *any_live); /* under mu */
double rr_app_sources_progress(rr_app_t *app);           /* under mu */

#endif
