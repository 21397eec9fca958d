/* Building, copying and reading ArrowSchema trees that rerun-c owns, and the
 * binary key/value metadata of the C Data Interface.
 *
 * Ownership: a schema made here owns its strings, children and dictionary;
 * its release callback frees them all. Children start as zeroed slots
 * (release == NULL) for the caller to fill with rr_arrow_schema_init. */
#ifndef RR_ARROW_SCHEMA_H
#define RR_ARROW_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "arrow/abi.h"
#include "arrow/type.h"
#include "base/status.h"

/* Fills *s (which must not hold a live schema) with a copy of format and
 * name (NULL name is stored as ""), the flags, and n_children zeroed child
 * slots. On failure *s is left released (release == NULL). */
rr_status_t rr_arrow_schema_init(struct ArrowSchema *s, const char *format, const char *name,
                                 int64_t flags, int64_t n_children, rr_error_t *err);

/* Same, with the format written from a parsed type. */
rr_status_t rr_arrow_schema_init_type(struct ArrowSchema *s, const rr_arrow_type_t *t,
                                      const char *name, int64_t flags, int64_t n_children,
                                      rr_error_t *err);

/* Gives an initialised schema of ours a zeroed dictionary slot (value type),
 * returned for the caller to rr_arrow_schema_init. Only for schemas made by
 * rr_arrow_schema_init. */
struct ArrowSchema *rr_arrow_schema_add_dictionary(struct ArrowSchema *s, rr_error_t *err);

/* Replaces the name of a schema made here. */
rr_status_t rr_arrow_schema_set_name(struct ArrowSchema *s, const char *name, rr_error_t *err);

/* One metadata entry. Keys and values are byte strings (not NUL-terminated
 * when read from encoded metadata). */
typedef struct rr_arrow_kv {
    const char *key;
    int32_t key_len;
    const char *value;
    int32_t value_len;
} rr_arrow_kv_t;

/* Replaces the metadata of a schema made here with n entries (n == 0 clears). */
rr_status_t rr_arrow_schema_set_metadata(struct ArrowSchema *s, const rr_arrow_kv_t *kv, int32_t n,
                                         rr_error_t *err);
/* Sets metadata already in the C Data Interface encoding (copied; NULL clears). */
rr_status_t rr_arrow_schema_set_metadata_raw(struct ArrowSchema *s, const char *metadata,
                                             rr_error_t *err);

/* Deep copy of any valid schema (ours or foreign) into dst, owned by us. */
rr_status_t rr_arrow_schema_copy(const struct ArrowSchema *src, struct ArrowSchema *dst,
                                 rr_error_t *err);

/* Releases if live, and zeroes. Safe on a zeroed struct. */
void rr_arrow_schema_release(struct ArrowSchema *s);

/* Moves src into dst (dst must not be live); src is left released. */
void rr_arrow_schema_move(struct ArrowSchema *src, struct ArrowSchema *dst);

/* --- metadata encoding: int32 count, then per entry int32 key length, key
 * bytes, int32 value length, value bytes (native endian, as the spec says). */

/* Number of entries, or 0 for NULL metadata. */
int32_t rr_arrow_metadata_count(const char *metadata);
/* Reads entry i (0 <= i < count) into *kv. Walks from the start: O(i). */
void rr_arrow_metadata_get(const char *metadata, int32_t i, rr_arrow_kv_t *kv);
/* Looks a key up; returns true and fills *kv when present. */
bool rr_arrow_metadata_find(const char *metadata, const char *key, rr_arrow_kv_t *kv);
/* Encodes entries; *out is malloc'ed (free with free()); n == 0 gives NULL. */
rr_status_t rr_arrow_metadata_encode(const rr_arrow_kv_t *kv, int32_t n, char **out,
                                     rr_error_t *err);
/* Byte size of encoded metadata (0 for NULL). */
int64_t rr_arrow_metadata_size(const char *metadata);

/* Extension types live in field metadata under these keys. */
#define RR_ARROW_EXTENSION_NAME "ARROW:extension:name"
#define RR_ARROW_EXTENSION_METADATA "ARROW:extension:metadata"

/* True when two schemas describe the same types, names, flags, metadata and
 * dictionaries. When different and err is given, err says where. */
bool rr_arrow_schema_equal(const struct ArrowSchema *a, const struct ArrowSchema *b,
                           rr_error_t *err);

#endif
