/* Dataframe queries: a store seen as a table indexed by one timeline, with
 * Rerun 0.33's semantics (re_dataframe QueryHandle, re_chunk_store
 * dataframe.rs, column naming from re_sorbet).
 *
 * A query names an index timeline (or none: one row of static data), the
 * view contents (an entity path filter and optionally a list of component
 * identifiers), and optionally a time range, explicit index values to keep
 * (filtered_index_values) or to sample (using_index_values), a column whose
 * non-null rows alone make rows (pov), latest-at fill, and a column
 * selection.
 *
 * Columns: every timeline of the store (by name), then one column per
 * (entity, component) in the view, by entity (Rerun's natural entity order)
 * then descriptor (archetype, component, type). Tombstone (Clear) columns and
 * semantically empty columns (no instance in any chunk) are left out unless
 * asked for. A component column is named "<entity path>:<component>"
 * ("/world/points:Points3D:positions"; under /__properties "property:..."),
 * holds the component's list type and carries Rerun's field metadata
 * (rerun:kind data, rerun:entity_path, rerun:archetype, rerun:component,
 * rerun:component_type, rerun:is_static ...). An index column is named after
 * its timeline, with rerun:kind index and rerun:index_name.
 *
 * Rows: one per distinct index value (ascending) at which at least one view
 * column has a non-null cell or a clear applies (its own Clear, or an
 * ancestor's recursive Clear), within the range. A cell is the row with the
 * greatest row id among that column's rows at exactly that index value; a
 * clear newer than the data gives an empty list; static data of the column
 * replaces every cell. Without fill other cells are null; with fill they take
 * the latest-at value (clears applied) at the index value. The queried index
 * column holds the row's index value; every other index column holds the
 * greatest value of that timeline among the row's cells (null if none).
 *
 * Streaming: rr_df_next_batch returns at most page_rows rows at a time,
 * working only on the chunks that overlap the page, so memory stays bounded
 * by the page, not by the recording.
 *
 * Lifetimes: a handle borrows the store; the store must not be mutated while
 * the handle lives. Batches returned are owned by the caller and outlive both. */
#ifndef RR_STORE_DATAFRAME_H
#define RR_STORE_DATAFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arrow/abi.h"
#include "base/status.h"
#include "model/component.h"
#include "model/entity_path.h"
#include "model/time.h"
#include "store/filter.h"
#include "store/store.h"

#define RR_DF_DEFAULT_PAGE_ROWS 8192

/* A column chosen by the caller: an index column (timeline set) or a
 * component column (entity and component set: entity path text as Rerun
 * prints it, component identifier such as "Points3D:positions"). */
typedef struct rr_df_selector {
    const char *timeline;
    const char *entity;
    const char *component;
} rr_df_selector_t;

typedef enum rr_df_static_columns {
    RR_DF_STATIC_BOTH = 0,
    RR_DF_STATIC_ONLY = 1,
    RR_DF_NON_STATIC_ONLY = 2,
} rr_df_static_columns_t;

typedef struct rr_df_query {
    const char *index;                       /* timeline name; NULL: static only */
    const rr_entity_path_filter_t *contents; /* NULL: every entity */
    const char *const *components;           /* NULL: every component */
    size_t n_components;
    bool has_range;
    rr_time_range_t range;                   /* inclusive */
    bool has_filtered_index_values;          /* keep only rows at these values */
    const int64_t *filtered_index_values;
    size_t n_filtered_index_values;
    bool has_using_index_values;             /* one row per value, data or not */
    const int64_t *using_index_values;
    size_t n_using_index_values;
    const rr_df_selector_t *pov;             /* rows only where this column is non-null */
    bool fill_latest_at;
    bool include_semantically_empty_columns;
    bool include_tombstone_columns;
    rr_df_static_columns_t static_columns;
    bool has_selection;                      /* else every view column */
    const rr_df_selector_t *selection;
    size_t n_selection;
    int64_t page_rows;                       /* 0: RR_DF_DEFAULT_PAGE_ROWS */
} rr_df_query_t;

typedef enum rr_df_column_kind {
    RR_DF_COLUMN_INDEX = 1,
    RR_DF_COLUMN_COMPONENT = 2,
} rr_df_column_kind_t;

/* A column of the result, as the handle describes it (borrowed). */
typedef struct rr_df_column {
    rr_df_column_kind_t kind;
    char *name;                      /* Arrow field name */
    /* index */
    rr_timeline_t timeline;          /* type SEQUENCE when the timeline is unknown */
    /* component */
    rr_entity_path_t entity;
    rr_component_descriptor_t descr; /* archetype/type NULL for an unknown selected column */
    bool is_static, is_tombstone, is_semantically_empty;
    /* both: the Arrow datatype; "n" (null) for a selected column the store lacks */
    struct ArrowSchema type;
} rr_df_column_t;

typedef struct rr_df_handle rr_df_handle_t;

/* Resolves the view and selection and prepares the first page. The query
 * and what it points to are copied. */
rr_status_t rr_df_query_open(const rr_store_t *store, const rr_df_query_t *query,
                             rr_df_handle_t **out, rr_error_t *err);
void rr_df_query_free(rr_df_handle_t *h); /* NULL-safe */

/* The selected columns, in output order. */
size_t rr_df_num_columns(const rr_df_handle_t *h);
const rr_df_column_t *rr_df_column(const rr_df_handle_t *h, size_t i);
/* The view contents (every column the rows are computed from). */
size_t rr_df_num_view_columns(const rr_df_handle_t *h);
const rr_df_column_t *rr_df_view_column(const rr_df_handle_t *h, size_t i);

/* The Arrow schema of every batch ("+s" with one field per selected column).
 * *out is owned by the caller. */
rr_status_t rr_df_schema(const rr_df_handle_t *h, struct ArrowSchema *out, rr_error_t *err);

/* The next page as a record batch (struct array, rr_df_schema's layout,
 * 1..page_rows rows). *done is set (and *out left released) when no rows
 * are left. */
rr_status_t rr_df_next_batch(rr_df_handle_t *h, struct ArrowArray *out, bool *done,
                             rr_error_t *err);

/* Rows returned so far. */
int64_t rr_df_rows_returned(const rr_df_handle_t *h);

/* Parses a column selector as Rerun prints column names: "TIMELINE" for an
 * index column, "ENTITY:COMPONENT" for a component column (the entity path
 * ends at the first unescaped ':'). The strings point into a malloc'ed copy
 * stored in *storage (free it after use). */
rr_status_t rr_df_selector_parse(const char *s, rr_df_selector_t *out, char **storage,
                                 rr_error_t *err);

#endif
