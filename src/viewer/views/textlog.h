/* The text log view's data, as Rerun's TextLogView (re_view_text_log): every
 * TextLog entry of the view's entities (one per instance of TextLog:text,
 * with the level and colour logged in the same row), on the active
 * timeline, ordered by time then row id, static entries first. The shell
 * draws them as a table (shell_textlog.c); this module only reads the store.
 * Entries borrow their texts from the store's chunks: valid until the next
 * prepare, which rebuilds them whenever the store changed. */
#ifndef RR_VIEWER_VIEWS_TEXTLOG_H
#define RR_VIEWER_VIEWS_TEXTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "model/entity_path.h"
#include "store/store.h"

typedef struct rr_textlog rr_textlog_t;

typedef struct rr_textlog_entry {
    int64_t time; /* on the prepared timeline; RR_TIME_STATIC for static entries */
    rr_tuid_t row_id;
    const char *entity; /* the entity path's text (the view's copy) */
    const char *body, *level; /* level NULL when none was logged */
    size_t body_len, level_len;
    bool has_color;
    uint32_t color; /* 0xRRGGBBAA */
} rr_textlog_entry_t;

/* A view over origin (and its descendants when subtree) of store. */
rr_status_t rr_textlog_new(rr_store_t *store, const rr_entity_path_t *origin, bool subtree,
                           rr_textlog_t **out, rr_error_t *err);
void rr_textlog_free(rr_textlog_t *v); /* NULL-safe */
/* Entities (path texts) whose entries are left out (the shell's eyes);
 * copied. */
rr_status_t rr_textlog_set_hidden(rr_textlog_t *v, const char *const *paths, size_t n, rr_error_t *err);
/* Collects the entries on timeline (NULL: static ones only). Cheap when
 * neither the store, the timeline nor the hidden set changed. */
rr_status_t rr_textlog_prepare(rr_textlog_t *v, const char *timeline, rr_error_t *err);
size_t rr_textlog_num_entries(const rr_textlog_t *v);
const rr_textlog_entry_t *rr_textlog_entry(const rr_textlog_t *v, size_t i);
/* How many entries come before time t (static ones and those at times < t):
 * the row Rerun scrolls to when the time cursor moves. */
size_t rr_textlog_before(const rr_textlog_t *v, int64_t t);
/* Rerun's colour for a log level's text (level_to_rich_text): CRITICAL
 * (drawn on the error colour), ERROR, WARN, INFO, DEBUG, TRACE; 0 for
 * others (the ordinary text colour). */
uint32_t rr_textlog_level_color(const char *level, size_t len, bool dark_theme);

#endif
