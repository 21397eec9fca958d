/* Arrow's integration-test JSON format (the `.json` of the Arrow gold files):
 * a schema with fields, dictionaries, and batches of columns given as
 * VALIDITY / OFFSET / DATA / TYPE_ID / children. Used by `rerun arrow
 * to-json` / `from-json` and by tests that compare our IPC with the gold
 * files. Reading checks the document strictly: a malformed document gets an
 * error naming the JSON path at fault. */
#ifndef RR_ARROW_JSON_H
#define RR_ARROW_JSON_H

#include <stddef.h>

#include "arrow/ipc.h"
#include "base/mem.h"
#include "base/status.h"

/* Parses a document into a table (schema + batches, dictionaries attached). */
rr_status_t rr_arrow_json_read(const char *text, size_t len, rr_arrow_table_t *out,
                               rr_error_t *err);

/* Writes a table as a document (appended to out, NUL not included). */
rr_status_t rr_arrow_json_write(const rr_arrow_table_t *table, rr_buf_t *out, rr_error_t *err);

#endif
