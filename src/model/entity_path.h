/* Entity paths: where data lives in a recording ("/world/robot/arm").
 *
 * A path is a list of parts. The canonical string joins the parts with '/'
 * behind a leading '/', and escapes with a backslash every character that is
 * not allowed bare in a part (Rerun's rules, crates/store/re_log_types/src/
 * path/). The root path has no parts and prints as "/". Paths are values:
 * each rr_entity_path_t owns its storage; copy with rr_entity_path_copy and
 * free with rr_entity_path_free. */
#ifndef RR_MODEL_ENTITY_PATH_H
#define RR_MODEL_ENTITY_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef struct rr_entity_path {
    size_t n_parts;
    char **parts;    /* unescaped, NUL-terminated (a part never holds NUL) */
    char *str;       /* canonical string, "/" for the root */
    uint64_t hash;   /* of the parts; equal paths hash equal */
} rr_entity_path_t;

/* Strict parse, as Rerun's EntityPath::parse_strict: "/" is the root, the
 * leading '/' is optional, "" is an error, and so are empty parts ("a//b"), a
 * trailing '/', an unescaped ':' (a component path), "[#N]" (an instance),
 * bad escapes, invalid UTF-8, and characters outside the bare set (letters,
 * digits, '_', '-', '.'). Escapes: \n \r \t, \u{XXXX} (exactly four hex
 * digits), and a backslash before any ASCII punctuation or space. Errors name
 * the byte position. *out is zeroed on failure. */
rr_status_t rr_entity_path_parse(const char *s, size_t len, rr_entity_path_t *out, rr_error_t *err);

/* Forgiving parse, as Rerun's EntityPath::parse_forgiving (how Rerun reads
 * "rerun:entity_path"): never fails on content. Empty parts are dropped, any
 * character is taken bare, an unknown escape "\c" gives c, a bad \u escape
 * and a trailing backslash are kept literally. Invalid UTF-8 bytes become
 * U+FFFD (Rust strings cannot hold them). Parts are NUL-terminated, so NUL
 * bytes are dropped and \u{0000} is kept literally. Fails only on allocation. */
rr_status_t rr_entity_path_parse_forgiving(const char *s, size_t len, rr_entity_path_t *out,
                                           rr_error_t *err);

/* From unescaped parts (copied). A part must be non-empty and NUL-free. */
rr_status_t rr_entity_path_from_parts(const char *const *parts, size_t n_parts,
                                      rr_entity_path_t *out, rr_error_t *err);

/* The root path ("/"). */
rr_status_t rr_entity_path_root(rr_entity_path_t *out, rr_error_t *err);

rr_status_t rr_entity_path_copy(const rr_entity_path_t *src, rr_entity_path_t *dst,
                                rr_error_t *err);
void rr_entity_path_free(rr_entity_path_t *p); /* NULL-safe, zeroes */

/* Escapes one part as Rerun prints it: letters, digits, '_', '-', '.' bare;
 * \n \r \t; '\' before ASCII punctuation and space; \u{XXXX} (upper-case
 * hex, at least four digits) for the rest. malloc'ed; NULL on failure. */
char *rr_entity_path_escape_part(const char *part);

static inline bool rr_entity_path_is_root(const rr_entity_path_t *p) { return p->n_parts == 0; }

bool rr_entity_path_equal(const rr_entity_path_t *a, const rr_entity_path_t *b);
/* A total order: part by part, byte-wise, a prefix first. (Rerun's UI order
 * uses natural ordering with "__" parts last; this one is for sorting and
 * lookups.) */
int rr_entity_path_cmp(const rr_entity_path_t *a, const rr_entity_path_t *b);

/* The parent; the root has none (RR_ERR_INVALID_ARG), as Rerun's None. */
rr_status_t rr_entity_path_parent(const rr_entity_path_t *p, rr_entity_path_t *out,
                                  rr_error_t *err);
/* p joined with one more (unescaped) part. */
rr_status_t rr_entity_path_child(const rr_entity_path_t *p, const char *part,
                                 rr_entity_path_t *out, rr_error_t *err);
/* True when p starts with all of prefix's parts (a path starts with itself). */
bool rr_entity_path_starts_with(const rr_entity_path_t *p, const rr_entity_path_t *prefix);
/* True when p lies strictly under ancestor. */
bool rr_entity_path_is_descendant_of(const rr_entity_path_t *p, const rr_entity_path_t *ancestor);
/* True when p is exactly one part under parent. */
bool rr_entity_path_is_child_of(const rr_entity_path_t *p, const rr_entity_path_t *parent);

#endif
