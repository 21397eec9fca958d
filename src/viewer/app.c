/* The app core (app.h): the queue between source threads and the UI thread,
 * the drain into the store set under a time budget, the memory limit, which
 * recording and timeline are shown, playback, the error banner and the
 * debug dump. Sources themselves live in app_sources.c. */
#include "viewer/app.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "rrd/frames.h"
#include "viewer/app_internal.h"

/* Rerun's TimeControl plays sequence timelines at 30 steps per second
 * (re_viewer_context time_control, fps 30). */
#define APP_SEQUENCE_FPS 30.0

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

rr_status_t rr_app_new(const rr_app_config_t *cfg, rr_app_t **out, rr_error_t *err) {
    *out = NULL;
    rr_app_t *app = calloc(1, sizeof *app);
    if (!app) return rr_error_set(err, RR_ERR_NOMEM, "viewer app: out of memory");
    if (cfg) app->cfg = *cfg;
    rr_store_config_t scfg;
    rr_store_config_default(&scfg);
    scfg.gc_limit_bytes = app->cfg.memory_limit;
    scfg.gc_protect_latest = 1;
    app->queue_bound = app->cfg.queue_bytes ? app->cfg.queue_bytes : 64ull << 20;
    /* Chunks waiting in the queue are memory too: under a small limit keep
     * the queue to a fraction of it. */
    if (app->cfg.memory_limit && app->queue_bound > app->cfg.memory_limit / 4)
        app->queue_bound = app->cfg.memory_limit / 4 > 65536 ? app->cfg.memory_limit / 4 : 65536;
    rr_status_t st = rr_store_set_new(&scfg, &app->set, err);
    if (st != RR_OK) {
        free(app);
        return st;
    }
    pthread_mutex_init(&app->mu, NULL);
    pthread_cond_init(&app->cv, NULL);
    atomic_init(&app->stopping, false);
    app->following = true;
    app->speed = 1.0;
    *out = app;
    return RR_OK;
}

void rr_app_item_free(rr_app_item_t *item) {
    if (!item) return;
    rr_chunk_free(item->chunk);
    rr_store_id_free(&item->id);
    rr_log_msg_free(&item->msg);
    free(item);
}

void rr_app_free(rr_app_t *app) {
    if (!app) return;
    rr_app_sources_stop(app);
    for (rr_app_item_t *it = app->head, *next; it; it = next) {
        next = it->next;
        rr_app_item_free(it);
    }
    rr_store_set_free(app->set);
    pthread_cond_destroy(&app->cv);
    pthread_mutex_destroy(&app->mu);
    free(app);
}

/* ---------------- the queue ---------------- */

bool rr_app_push(rr_app_t *app, rr_app_item_t *item, bool may_wait) {
    pthread_mutex_lock(&app->mu);
    while (may_wait && !atomic_load(&app->stopping) && app->queued_items > 0 &&
           app->queued_bytes + item->bytes > app->queue_bound)
        pthread_cond_wait(&app->cv, &app->mu);
    if (atomic_load(&app->stopping)) {
        pthread_mutex_unlock(&app->mu);
        rr_app_item_free(item);
        return false;
    }
    item->next = NULL;
    if (app->tail)
        app->tail->next = item;
    else
        app->head = item;
    app->tail = item;
    app->queued_bytes += item->bytes;
    app->queued_items++;
    pthread_mutex_unlock(&app->mu);
    return true;
}

/* *over: the queue still holds more than its bound after this pop. */
static rr_app_item_t *pop(rr_app_t *app, bool *over) {
    pthread_mutex_lock(&app->mu);
    rr_app_item_t *it = app->head;
    if (it) {
        app->head = it->next;
        if (!app->head) app->tail = NULL;
        app->queued_bytes -= it->bytes;
        app->queued_items--;
        pthread_cond_broadcast(&app->cv);
    }
    *over = app->queued_bytes > app->queue_bound;
    pthread_mutex_unlock(&app->mu);
    return it;
}

void rr_app_report_error(rr_app_t *app, const char *name, const char *msg) {
    pthread_mutex_lock(&app->mu);
    size_t n = strlen(app->error);
    if (n + 8 < sizeof app->error)
        snprintf(app->error + n, sizeof app->error - n, "%s%s%s%s", n ? "; " : "", name ? name : "",
                 name ? ": " : "", msg);
    app->n_errors++;
    pthread_mutex_unlock(&app->mu);
}

static uint64_t chunk_bytes(const rr_chunk_t *c) {
    /* A rough figure for the queue bound: the column buffers' sizes. */
    uint64_t b = (uint64_t)c->num_rows * 16;
    for (int64_t i = 0; i < c->n_components; i++) {
        const struct ArrowArray *a = &c->components[i].array;
        b += (uint64_t)a->length * 8;
        for (int64_t k = 0; k < a->n_children; k++)
            if (a->children[k]) b += (uint64_t)a->children[k]->length * 16;
    }
    for (int64_t i = 0; i < c->n_indexes; i++) b += (uint64_t)c->num_rows * 8;
    return b;
}

rr_app_item_t *rr_app_item_from_msg(rr_log_msg_t *msg, rr_store_chunk_decoder_t *dec,
                                    rr_error_t *err) {
    rr_app_item_t *it = calloc(1, sizeof *it);
    if (!it) {
        rr_log_msg_free(msg);
        rr_error_set(err, RR_ERR_NOMEM, "viewer: out of memory for a message");
        return NULL;
    }
    if (msg->kind != RR_LOG_MSG_ARROW) {
        it->msg = *msg;
        memset(msg, 0, sizeof *msg);
        it->bytes = 256;
        return it;
    }
    rr_status_t st = rr_store_chunk_decode(dec, &msg->u.arrow, &it->chunk, err);
    if (st == RR_OK) st = rr_store_id_copy(&it->id, &msg->u.arrow.store_id, err);
    rr_log_msg_free(msg);
    if (st != RR_OK) {
        rr_app_item_free(it);
        return NULL;
    }
    it->bytes = chunk_bytes(it->chunk) + 256;
    return it;
}

/* ---------------- the frame ---------------- */

static bool is_builtin_timeline(const char *name) {
    return !strcmp(name, "log_time") || !strcmp(name, "log_tick");
}

/* Rerun's pick: a user timeline over the built-in log_time / log_tick. */
static void choose_timeline(rr_app_t *app) {
    rr_store_t *s = app->active;
    if (!s) return;
    if (app->timeline[0] && rr_store_find_timeline(s, app->timeline)) {
        if (app->timeline_chosen_by_user || !is_builtin_timeline(app->timeline)) return;
    }
    const char *best = NULL;
    for (size_t i = 0; i < rr_store_num_timelines(s); i++) {
        const char *name = rr_store_timeline(s, i)->name;
        if (!best || (is_builtin_timeline(best) && !is_builtin_timeline(name))) best = name;
    }
    if (best && strcmp(best, app->timeline) != 0) {
        rr_app_clear_time_selection(app);
        snprintf(app->timeline, sizeof app->timeline, "%s", best);
        app->time_frac = 0;
        rr_time_range_t r;
        if (rr_app_time_range(app, &r)) app->time = app->following ? r.max : r.min;
    }
}

static void apply_memory_limit(rr_app_t *app) {
    uint64_t limit = app->cfg.memory_limit;
    if (!limit) return;
    uint64_t total = rr_app_memory_bytes(app);
    if (total <= limit) return;
    /* Other recordings give way before the one shown; each drops what it
     * can down to 90 % of the limit overall, furthest from the current time
     * first in the shown one. */
    uint64_t target = limit - limit / 10;
    for (int pass = 0; pass < 2 && total > target; pass++) {
        for (size_t i = 0; i < rr_store_set_count(app->set) && total > target; i++) {
            rr_store_t *s = rr_store_set_get(app->set, i);
            if ((pass == 0) == (s == app->active)) continue;
            rr_store_gc_options_t o = {.drop_at_least_bytes = total - target, .protect_latest = 1};
            if (s == app->active && app->timeline[0]) {
                o.furthest_from_timeline = app->timeline;
                o.furthest_from_time = app->time;
            }
            rr_store_gc_report_t rep;
            if (rr_store_gc(s, &o, &rep, NULL) == RR_OK)
                total = total > rep.bytes_dropped ? total - rep.bytes_dropped : 0;
        }
    }
}

static void insert_item(rr_app_t *app, rr_app_item_t *it) {
    rr_error_t err = {0};
    rr_status_t st = RR_OK;
    if (it->chunk) {
        rr_store_t *s = rr_store_set_find(app->set, &it->id);
        if (!s) {
            /* The set makes a store on a store info; an ArrowMsg may come
             * first (a file cut before its SetStoreInfo, a late reader). */
            rr_log_msg_t info;
            memset(&info, 0, sizeof info);
            info.kind = RR_LOG_MSG_SET_STORE_INFO;
            info.u.set_store_info.info.store_id = it->id; /* borrowed */
            st = rr_store_set_insert_log_msg(app->set, &info, &err);
            s = rr_store_set_find(app->set, &it->id);
        }
        if (st == RR_OK && s) {
            rr_chunk_t *c = it->chunk;
            it->chunk = NULL;
            st = rr_store_insert_chunk(s, c, &err);
        }
    } else {
        st = rr_store_set_insert_log_msg(app->set, &it->msg, &err);
    }
    if (st != RR_OK) rr_app_report_error(app, "store", err.msg);
    app->items_loaded++;
}

/* A new recording becomes the one shown, as Rerun switches to a recording
 * that opens; until one has data, any store will do. */
static void follow_recordings(rr_app_t *app) {
    size_t n = rr_store_set_count(app->set);
    for (size_t i = app->stores_seen; i < n; i++) {
        rr_store_t *s = rr_store_set_get(app->set, i);
        if (rr_store_store_id(s)->kind == RR_STORE_KIND_RECORDING || !app->active) {
            if (app->active != s) {
                app->active = s;
                app->timeline[0] = 0;
                app->timeline_chosen_by_user = false;
                app->following = true;
                app->playing = false;
            }
        }
    }
    app->stores_seen = n;
}

static void clamp_time(rr_app_t *app) {
    rr_time_range_t r;
    if (!rr_app_time_range(app, &r)) return;
    if (app->following) {
        app->time = r.max;
        return;
    }
    if (app->time < r.min) app->time = r.min;
    if (app->time > r.max) app->time = r.max;
}

size_t rr_app_update(rr_app_t *app, double budget_ms) {
    double start = now_ms();
    size_t n = 0;
    bool over = false;
    for (;;) {
        /* The endpoint's loop thread cannot wait for room: when it has
         * pushed the queue past its bound, the frame catches up beyond its
         * budget rather than let the queue grow without end. */
        if (n > 0 && budget_ms >= 0 && !over && now_ms() - start >= budget_ms) break;
        rr_app_item_t *it = pop(app, &over);
        if (!it) break;
        insert_item(app, it);
        rr_app_item_free(it);
        n++;
        /* GC as we go: a burst of chunks must not overshoot the limit
         * before the frame ends. */
        if (app->cfg.memory_limit && (n & 15) == 0) apply_memory_limit(app);
    }
    apply_memory_limit(app);
    follow_recordings(app);
    choose_timeline(app);
    clamp_time(app);
    return n;
}

static void source_state(rr_app_t *app, bool *busy, bool *live, size_t *queued) {
    pthread_mutex_lock(&app->mu);
    *busy = rr_app_sources_busy(app, live);
    *queued = app->queued_items;
    pthread_mutex_unlock(&app->mu);
}

bool rr_app_loading(const rr_app_t *app) {
    bool busy, live;
    size_t queued;
    source_state((rr_app_t *)app, &busy, &live, &queued);
    return busy || queued > 0;
}

bool rr_app_wait_loaded(rr_app_t *app, int timeout_ms) {
    double start = now_ms();
    for (;;) {
        size_t got = rr_app_update(app, 50);
        bool busy, live;
        size_t queued;
        source_state(app, &busy, &live, &queued);
        if (!busy && queued == 0) return true;
        if (timeout_ms >= 0 && now_ms() - start >= timeout_ms) return false;
        if (!got) usleep(2000);
    }
}

double rr_app_progress(const rr_app_t *app) {
    pthread_mutex_lock((pthread_mutex_t *)&app->mu);
    double p = rr_app_sources_progress((rr_app_t *)app);
    pthread_mutex_unlock((pthread_mutex_t *)&app->mu);
    return p;
}

/* ---------------- playback ---------------- */

static bool active_timeline(const rr_app_t *app, const rr_timeline_t **tl) {
    *tl = app->active && app->timeline[0] ? rr_store_find_timeline(app->active, app->timeline) : NULL;
    return *tl != NULL;
}

/* The range playback loops over: the selection in selection mode, else
 * the data range. False when there is no data range. */
static bool loop_range(const rr_app_t *app, rr_time_range_t *r) {
    if (!rr_app_time_range(app, r)) return false;
    if (app->loop_mode == RR_APP_LOOP_SELECTION && app->has_selection) *r = app->selection;
    return true;
}

void rr_app_tick(rr_app_t *app, double dt) {
    const rr_timeline_t *tl;
    rr_time_range_t r;
    if (!app->playing || dt <= 0 || !active_timeline(app, &tl) || !loop_range(app, &r)) return;
    /* Looping a selection: playback starts over inside it. */
    if (app->loop_mode == RR_APP_LOOP_SELECTION && (app->time < r.min || app->time > r.max)) {
        app->time = r.min;
        app->time_frac = 0;
        return;
    }
    /* Sequence timelines step at 30 per second, time timelines run in real
     * time, both scaled by the speed. */
    double units = dt * app->speed * (tl->type == RR_TIME_SEQUENCE ? APP_SEQUENCE_FPS : 1e9);
    app->time_frac += units;
    double whole = app->time_frac >= 9e18 ? 9e18 : (double)(int64_t)app->time_frac;
    app->time_frac -= whole;
    int64_t step = (int64_t)whole;
    if (app->time > r.max - step) {
        if (app->loop_mode != RR_APP_LOOP_OFF) {
            app->time = r.min;
        } else {
            app->time = r.max;
            app->playing = false;
        }
        app->time_frac = 0;
        return;
    }
    app->time += step;
    if (app->time < r.min) app->time = r.min;
}

rr_store_set_t *rr_app_stores(rr_app_t *app) { return app->set; }
rr_store_t *rr_app_active_store(rr_app_t *app) { return app->active; }

void rr_app_set_active_store(rr_app_t *app, rr_store_t *s) {
    if (s != app->active) rr_app_clear_time_selection(app);
    app->active = s;
    app->timeline[0] = 0;
    app->timeline_chosen_by_user = false;
    choose_timeline(app);
    clamp_time(app);
}

const char *rr_app_timeline(const rr_app_t *app) { return app->timeline; }

rr_status_t rr_app_set_timeline(rr_app_t *app, const char *name, rr_error_t *err) {
    if (!app->active || !rr_store_find_timeline(app->active, name))
        return rr_error_set(err, RR_ERR_NOT_FOUND, "no timeline '%s' in the recording shown", name);
    if (strcmp(app->timeline, name) != 0) rr_app_clear_time_selection(app);
    snprintf(app->timeline, sizeof app->timeline, "%s", name);
    app->timeline_chosen_by_user = true;
    app->time_frac = 0;
    clamp_time(app);
    return RR_OK;
}

int64_t rr_app_time(const rr_app_t *app) { return app->time; }

void rr_app_set_time(rr_app_t *app, int64_t t) {
    app->time = t;
    app->time_frac = 0;
    app->following = false;
    app->playing = false;
    clamp_time(app);
}

bool rr_app_time_range(const rr_app_t *app, rr_time_range_t *out) {
    return app->active && app->timeline[0] && rr_store_time_range(app->active, NULL, app->timeline, out);
}

bool rr_app_playing(const rr_app_t *app) { return app->playing; }

void rr_app_set_playing(rr_app_t *app, bool playing) {
    if (playing && !app->playing) {
        rr_time_range_t r;
        if (rr_app_time_range(app, &r) && app->time >= r.max && !app->following) app->time = r.min;
        if (app->following && rr_app_time_range(app, &r)) app->time = r.min;
        app->following = false;
        app->time_frac = 0;
    }
    app->playing = playing;
}

void rr_app_toggle_playing(rr_app_t *app) { rr_app_set_playing(app, !app->playing); }
bool rr_app_following(const rr_app_t *app) { return app->following; }

void rr_app_set_following(rr_app_t *app, bool follow) {
    app->following = follow;
    if (follow) app->playing = false;
    clamp_time(app);
}

rr_app_loop_t rr_app_loop_mode(const rr_app_t *app) { return app->loop_mode; }

void rr_app_set_loop_mode(rr_app_t *app, rr_app_loop_t mode) {
    if (mode == RR_APP_LOOP_SELECTION && !app->has_selection) mode = RR_APP_LOOP_OFF;
    if (mode != RR_APP_LOOP_OFF && mode != RR_APP_LOOP_ALL && mode != RR_APP_LOOP_SELECTION)
        mode = RR_APP_LOOP_OFF;
    app->loop_mode = mode;
}

bool rr_app_looping(const rr_app_t *app) { return app->loop_mode != RR_APP_LOOP_OFF; }
void rr_app_set_looping(rr_app_t *app, bool loop) {
    rr_app_set_loop_mode(app, loop ? RR_APP_LOOP_ALL : RR_APP_LOOP_OFF);
}

bool rr_app_time_selection(const rr_app_t *app, rr_time_range_t *out) {
    if (app->has_selection && out) *out = app->selection;
    return app->has_selection;
}

void rr_app_set_time_selection(rr_app_t *app, rr_time_range_t r) {
    if (r.min > r.max) {
        int64_t t = r.min;
        r.min = r.max;
        r.max = t;
    }
    rr_time_range_t d;
    if (!rr_app_time_range(app, &d) || r.max < d.min || r.min > d.max) {
        rr_app_clear_time_selection(app);
        return;
    }
    if (r.min < d.min) r.min = d.min;
    if (r.max > d.max) r.max = d.max;
    app->selection = r;
    app->has_selection = true;
}

void rr_app_clear_time_selection(rr_app_t *app) {
    app->has_selection = false;
    if (app->loop_mode == RR_APP_LOOP_SELECTION) app->loop_mode = RR_APP_LOOP_OFF;
}
double rr_app_speed(const rr_app_t *app) { return app->speed; }
void rr_app_set_speed(rr_app_t *app, double speed) {
    if (speed > 0) app->speed = speed;
}

typedef struct step_ctx {
    const char *timeline;
    int64_t from;
    int dir;
    bool found;
    int64_t best;
} step_ctx_t;

static void step_consider(step_ctx_t *c, int64_t t) {
    if (c->dir > 0 ? t <= c->from : t >= c->from) return;
    if (!c->found || (c->dir > 0 ? t < c->best : t > c->best)) c->best = t, c->found = true;
}

void rr_app_step(rr_app_t *app, int dir) {
    app->playing = false;
    app->following = false;
    app->time_frac = 0;
    rr_time_range_t r;
    if (!rr_app_time_range(app, &r)) return;
    step_ctx_t c = {app->timeline, app->time, dir < 0 ? -1 : 1, false, 0};
    /* The nearest time holding data in that direction, over every chunk's
     * index column of the timeline. */
    for (size_t i = 0; i < rr_store_num_chunks(app->active); i++) {
        const rr_chunk_t *ch = rr_store_chunk_at(app->active, i);
        for (int64_t k = 0; k < ch->n_indexes; k++) {
            const rr_chunk_index_t *ix = &ch->indexes[k];
            if (strcmp(ix->timeline.name, c.timeline) != 0 || rr_time_range_is_empty(ix->range)) continue;
            /* Whole chunks beyond the best so far add nothing. */
            if (c.dir > 0 ? ix->range.max <= c.from || (c.found && ix->range.min >= c.best)
                          : ix->range.min >= c.from || (c.found && ix->range.max <= c.best))
                continue;
            const int64_t *v = (const int64_t *)ix->array.buffers[1] + ix->array.offset;
            for (int64_t row = 0; row < ix->array.length; row++) step_consider(&c, v[row]);
        }
    }
    rr_time_range_t lr;
    bool sel = app->loop_mode == RR_APP_LOOP_SELECTION && loop_range(app, &lr);
    if (c.found && (!sel || (c.best >= lr.min && c.best <= lr.max)))
        app->time = c.best;
    else if (sel)
        app->time = c.dir > 0 ? lr.min : lr.max; /* wraps within the selection */
    else if (!c.found && app->loop_mode != RR_APP_LOOP_OFF)
        app->time = c.dir > 0 ? r.min : r.max;
}

/* ---------------- figures, banner, dump ---------------- */

size_t rr_app_num_chunks(const rr_app_t *app) {
    size_t n = 0;
    for (size_t i = 0; i < rr_store_set_count(app->set); i++)
        n += rr_store_num_chunks(rr_store_set_get(app->set, i));
    return n;
}

uint64_t rr_app_memory_bytes(const rr_app_t *app) {
    uint64_t n = 0;
    for (size_t i = 0; i < rr_store_set_count(app->set); i++)
        n += rr_store_memory_bytes(rr_store_set_get(app->set, i));
    return n;
}

uint64_t rr_app_items_loaded(const rr_app_t *app) { return app->items_loaded; }

const char *rr_app_error(const rr_app_t *app) { return app->error; }

size_t rr_app_num_errors(const rr_app_t *app) {
    pthread_mutex_lock((pthread_mutex_t *)&app->mu);
    size_t n = app->n_errors;
    pthread_mutex_unlock((pthread_mutex_t *)&app->mu);
    return n;
}

static void put_str(FILE *f, const char *key, const char *v) {
    fprintf(f, "\"%s\":\"", key);
    for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputs("\",", f);
}

rr_status_t rr_app_write_debug_dump(rr_app_t *app, const char *path, const char *extra,
                                    rr_error_t *err) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "debug dump: path too long: %s", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return rr_error_set(err, RR_ERR_IO, "debug dump: cannot write %s: %s", tmp, strerror(errno));
    const rr_store_id_t *id = app->active ? rr_store_store_id(app->active) : NULL;
    rr_time_range_t r;
    bool has_range = rr_app_time_range(app, &r);
    char error[sizeof app->error];
    pthread_mutex_lock(&app->mu);
    memcpy(error, app->error, sizeof error);
    size_t n_errors = app->n_errors;
    pthread_mutex_unlock(&app->mu);
    fputc('{', f);
    put_str(f, "recording_id", id ? id->recording_id : "");
    put_str(f, "application_id", id ? id->application_id : "");
    put_str(f, "timeline", app->timeline);
    fprintf(f, "\"time\":%" PRId64 ",", app->time);
    if (has_range) fprintf(f, "\"time_min\":%" PRId64 ",\"time_max\":%" PRId64 ",", r.min, r.max);
    static const char *const modes[] = {"off", "all", "selection"};
    fprintf(f, "\"playing\":%s,\"following\":%s,\"looping\":%s,\"loop_mode\":\"%s\",\"speed\":%g,",
            app->playing ? "true" : "false", app->following ? "true" : "false",
            app->loop_mode != RR_APP_LOOP_OFF ? "true" : "false", modes[app->loop_mode], app->speed);
    if (app->has_selection)
        fprintf(f, "\"loop_selection\":[%lld,%lld],", (long long)app->selection.min,
                (long long)app->selection.max);
    else
        fprintf(f, "\"loop_selection\":null,");
    fprintf(f, "\"recordings\":%zu,\"chunks\":%zu,\"memory_bytes\":%" PRIu64 ",",
            rr_store_set_count(app->set), rr_app_num_chunks(app), rr_app_memory_bytes(app));
    fprintf(f, "\"progress\":%.4f,\"loading\":%s,\"port\":%u,", rr_app_progress(app),
            rr_app_loading(app) ? "true" : "false", (unsigned)rr_app_listen_port(app));
    if (extra && *extra) fprintf(f, "%s,", extra);
    put_str(f, "error", error);
    fprintf(f, "\"errors\":%zu}\n", n_errors);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        unlink(tmp);
        return rr_error_set(err, RR_ERR_IO, "debug dump: writing %s failed", tmp);
    }
    if (rename(tmp, path) != 0)
        return rr_error_set(err, RR_ERR_IO, "debug dump: cannot rename to %s: %s", path, strerror(errno));
    return RR_OK;
}
