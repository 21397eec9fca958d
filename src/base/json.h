/* A strict JSON (RFC 8259) parser into a read-only tree, and a small writer.
 *
 * The parser is for documents from outside (Arrow integration JSON, config,
 * test fixtures): it accepts exactly the RFC grammar (no comments, trailing
 * commas, NaN, BOM or bare control characters), checks UTF-8, rejects lone
 * surrogates in \u escapes, bounds nesting depth, and reports errors as
 * "line L, column C: what". Numbers keep their lexeme so callers can read
 * integers beyond double precision exactly.
 *
 * Ownership: every node and string of a parsed tree lives in the arena the
 * caller passes; rr_arena_free releases the whole tree at once.
 *
 * The writer appends JSON text to an rr_buf_t, inserting commas and (when
 * asked) indentation itself, and escapes strings. Its first error sticks and
 * is returned by rr_json_writer_status. */
#ifndef RR_BASE_JSON_H
#define RR_BASE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mem.h"
#include "base/status.h"

typedef enum rr_json_type {
    RR_JSON_NULL = 0,
    RR_JSON_BOOL,
    RR_JSON_NUMBER,
    RR_JSON_STRING,
    RR_JSON_ARRAY,
    RR_JSON_OBJECT,
} rr_json_type_t;

typedef struct rr_json_value rr_json_value_t;
typedef struct rr_json_member rr_json_member_t;

struct rr_json_value {
    rr_json_type_t type;
    uint32_t line, column; /* 1-based position of the value's first byte */
    union {
        bool boolean;
        /* The lexeme as written (NUL-terminated copy) and its value as the
         * nearest double. */
        struct {
            const char *text;
            size_t len;
            double value;
        } number;
        /* Decoded UTF-8, NUL-terminated; len excludes the NUL (the string
         * may itself contain NUL bytes from \u0000). */
        struct {
            const char *ptr;
            size_t len;
        } string;
        struct {
            rr_json_value_t **items;
            size_t count;
        } array;
        struct {
            rr_json_member_t *members; /* in document order */
            size_t count;
        } object;
    } u;
};

struct rr_json_member {
    const char *key; /* decoded, NUL-terminated */
    size_t key_len;
    rr_json_value_t *value;
};

#define RR_JSON_DEFAULT_MAX_DEPTH 256

typedef struct rr_json_parse_options {
    int max_depth;               /* 0 means RR_JSON_DEFAULT_MAX_DEPTH */
    bool reject_duplicate_keys;  /* RFC 8259 allows them; most consumers should not */
} rr_json_parse_options_t;

/* Parses text[0..len) as one JSON value (surrounded only by whitespace).
 * opts may be NULL for the defaults. On error *out is NULL, err holds
 * "line L, column C: ..." and whatever the arena holds is freed with it. */
rr_status_t rr_json_parse(const char *text, size_t len, const rr_json_parse_options_t *opts,
                          rr_arena_t *arena, rr_json_value_t **out, rr_error_t *err);

/* Name of a type ("object"). */
const char *rr_json_type_name(rr_json_type_t t);

/* Member of an object by key (first match), or NULL (also when v is not an
 * object or is NULL). */
const rr_json_value_t *rr_json_get(const rr_json_value_t *v, const char *key);

/* Exact integer reading of a number lexeme or a string holding one (the
 * Arrow JSON writes 64-bit integers as strings). Only plain integer syntax
 * ("-12", not "1e3" or "1.0") is accepted; out of range is an error. The
 * error names the position of v. */
rr_status_t rr_json_to_i64(const rr_json_value_t *v, int64_t *out, rr_error_t *err);
rr_status_t rr_json_to_u64(const rr_json_value_t *v, uint64_t *out, rr_error_t *err);
/* Parses an integer lexeme text[0..len) (optional '-', digits, no leading
 * zeros unless "0"). Returns false when malformed or out of range. */
bool rr_json_parse_i64(const char *text, size_t len, int64_t *out);
bool rr_json_parse_u64(const char *text, size_t len, uint64_t *out);

/* ---------------- writer ---------------- */

#define RR_JSON_WRITER_MAX_DEPTH 256

typedef struct rr_json_writer {
    rr_buf_t *out;
    int indent; /* spaces per level; 0 writes compact text */
    int depth;
    rr_status_t status; /* first error, sticky */
    bool after_key;
    /* Per open container: whether it is an array, how many items it has, and
     * whether the array was broken over lines (it holds containers). */
    struct {
        bool is_array;
        bool multiline;
        int64_t count;
    } stack[RR_JSON_WRITER_MAX_DEPTH];
} rr_json_writer_t;

/* Starts writing into out (appended to). indent 0 = compact. Pretty mode puts
 * each object member and each container inside an array on its own line, but
 * keeps arrays of scalars on one line. */
void rr_json_writer_init(rr_json_writer_t *w, rr_buf_t *out, int indent);
/* RR_OK, or the first error (allocation failure, bad nesting, invalid UTF-8
 * in a string, a non-finite double). Also checks every container is closed. */
rr_status_t rr_json_writer_finish(rr_json_writer_t *w, rr_error_t *err);

void rr_json_begin_object(rr_json_writer_t *w);
void rr_json_end_object(rr_json_writer_t *w);
void rr_json_begin_array(rr_json_writer_t *w);
void rr_json_end_array(rr_json_writer_t *w);
/* Object member name; the next call writes its value. */
void rr_json_key(rr_json_writer_t *w, const char *key);
void rr_json_string(rr_json_writer_t *w, const char *s);
/* s[0..len) must be valid UTF-8 (else the writer fails with INVALID_DATA). */
void rr_json_string_n(rr_json_writer_t *w, const char *s, size_t len);
void rr_json_int(rr_json_writer_t *w, int64_t v);
void rr_json_uint(rr_json_writer_t *w, uint64_t v);
/* Shortest text that reads back as the same double (finite only). */
void rr_json_double(rr_json_writer_t *w, double v);
/* Same for a float: shortest text that reads back (through double) as v. */
void rr_json_float(rr_json_writer_t *w, float v);
void rr_json_bool(rr_json_writer_t *w, bool v);
void rr_json_null(rr_json_writer_t *w);
/* A pre-formatted scalar (a number lexeme) written as is. */
void rr_json_raw(rr_json_writer_t *w, const char *text, size_t len);

/* Appends s[0..len) as a quoted, escaped JSON string to out. Invalid UTF-8
 * is an RR_ERR_INVALID_DATA error (nothing is appended then). */
rr_status_t rr_json_append_string(rr_buf_t *out, const char *s, size_t len, rr_error_t *err);

/* Length of the valid UTF-8 prefix of s[0..len) (== len when all valid).
 * Overlongs, surrogates and code points above U+10FFFF are invalid. */
size_t rr_utf8_valid_prefix(const char *s, size_t len);

#endif
