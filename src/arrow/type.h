/* The Arrow type model: a parsed form of the C Data Interface format string,
 * and the buffer layout of each type.
 *
 * The format string stays the source of truth (it is what crosses the ABI);
 * rr_arrow_type_t is what code switches on. A dictionary-encoded field has the
 * index type as its format and its value type in schema->dictionary. */
#ifndef RR_ARROW_TYPE_H
#define RR_ARROW_TYPE_H

#include <stdbool.h>
#include <stdint.h>

#include "arrow/abi.h"
#include "base/status.h"

typedef enum rr_arrow_type_id {
    RR_ARROW_NA = 0, /* the null type: no buffers, every slot null */
    RR_ARROW_BOOL,
    RR_ARROW_INT8,
    RR_ARROW_UINT8,
    RR_ARROW_INT16,
    RR_ARROW_UINT16,
    RR_ARROW_INT32,
    RR_ARROW_UINT32,
    RR_ARROW_INT64,
    RR_ARROW_UINT64,
    RR_ARROW_HALF_FLOAT,
    RR_ARROW_FLOAT,
    RR_ARROW_DOUBLE,
    RR_ARROW_STRING,       /* utf8, int32 offsets */
    RR_ARROW_LARGE_STRING, /* utf8, int64 offsets */
    RR_ARROW_BINARY,
    RR_ARROW_LARGE_BINARY,
    RR_ARROW_FIXED_SIZE_BINARY, /* byte width in fixed_size */
    RR_ARROW_DATE32,            /* days */
    RR_ARROW_DATE64,            /* milliseconds */
    RR_ARROW_TIME32,            /* unit s or ms */
    RR_ARROW_TIME64,            /* unit us or ns */
    RR_ARROW_TIMESTAMP,         /* unit, optional timezone */
    RR_ARROW_DURATION,          /* unit */
    RR_ARROW_INTERVAL_MONTHS,   /* int32 months */
    RR_ARROW_INTERVAL_DAY_TIME, /* int32 days, int32 ms */
    RR_ARROW_INTERVAL_MONTH_DAY_NANO, /* int32 months, int32 days, int64 ns */
    RR_ARROW_DECIMAL32,
    RR_ARROW_DECIMAL64,
    RR_ARROW_DECIMAL128,
    RR_ARROW_DECIMAL256,
    RR_ARROW_LIST,            /* one child, int32 offsets */
    RR_ARROW_LARGE_LIST,      /* one child, int64 offsets */
    RR_ARROW_FIXED_SIZE_LIST, /* one child, list size in fixed_size */
    RR_ARROW_STRUCT,
    RR_ARROW_SPARSE_UNION,
    RR_ARROW_DENSE_UNION,
    RR_ARROW_MAP, /* one child: struct<key, value>, int32 offsets */
    RR_ARROW_TYPE_COUNT
} rr_arrow_type_id_t;

typedef enum rr_arrow_time_unit {
    RR_ARROW_SECOND = 0,
    RR_ARROW_MILLI = 1,
    RR_ARROW_MICRO = 2,
    RR_ARROW_NANO = 3,
} rr_arrow_time_unit_t;

#define RR_ARROW_MAX_UNION_TYPES 128

typedef struct rr_arrow_type {
    rr_arrow_type_id_t id;
    rr_arrow_time_unit_t unit; /* time32/64, timestamp, duration */
    int32_t fixed_size;        /* fixed_size_binary byte width; fixed_size_list length */
    int32_t precision, scale;  /* decimals */
    /* Timestamp timezone: points into the format string it was parsed from
     * (NUL-terminated there); NULL when absent. */
    const char *timezone;
    /* Unions: the type code of child i is type_codes[i]. */
    int32_t n_type_codes;
    int8_t type_codes[RR_ARROW_MAX_UNION_TYPES];
} rr_arrow_type_t;

/* Parses a C Data Interface format string. Unknown or malformed formats get
 * RR_ERR_UNSUPPORTED / RR_ERR_INVALID_DATA naming the format. */
rr_status_t rr_arrow_type_parse(const char *format, rr_arrow_type_t *out, rr_error_t *err);

/* Writes the format string of t into out (size cap, NUL-terminated).
 * Fails with RR_ERR_INVALID_ARG if it does not fit. */
rr_status_t rr_arrow_type_format(const rr_arrow_type_t *t, char *out, size_t cap, rr_error_t *err);

/* Human name ("int32", "fixed_size_list", ...). */
const char *rr_arrow_type_id_name(rr_arrow_type_id_t id);

/* What each buffer of an array of a type holds. The IPC format and the C
 * Data Interface agree on buffer order and count for every type here. */
typedef enum rr_arrow_buffer_kind {
    RR_ARROW_BUF_VALIDITY,  /* bitmap, may be NULL when null_count == 0 */
    RR_ARROW_BUF_OFFSETS32, /* length+1 int32 */
    RR_ARROW_BUF_OFFSETS64, /* length+1 int64 */
    RR_ARROW_BUF_DATA,      /* fixed width values (bit width in layout) or var-size bytes */
    RR_ARROW_BUF_TYPE_IDS,  /* int8 per slot (unions) */
    RR_ARROW_BUF_UNION_OFFSETS, /* int32 per slot (dense unions) */
} rr_arrow_buffer_kind_t;

typedef struct rr_arrow_layout {
    int32_t n_buffers;
    rr_arrow_buffer_kind_t kinds[3];
    /* Bits per value of the DATA buffer for fixed-width types (1 for bool,
     * 8*byte width for fixed_size_binary and decimals); 0 for var-size data
     * (utf8/binary) and for types without a DATA buffer. */
    int32_t data_bit_width;
    /* Number of children the type requires; -1 for struct and unions (any). */
    int32_t n_children;
} rr_arrow_layout_t;

rr_arrow_layout_t rr_arrow_type_layout(const rr_arrow_type_t *t);

/* Convenience: true for types whose DATA buffer is fixed-width values. */
bool rr_arrow_type_is_fixed_width(rr_arrow_type_id_t id);

#endif
