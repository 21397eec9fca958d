/* Format string parsing and printing, and per-type buffer layouts (see type.h).
 * Format strings are those of the Arrow C Data Interface specification. */
#include "arrow/type.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_names[RR_ARROW_TYPE_COUNT] = {
    [RR_ARROW_NA] = "null",
    [RR_ARROW_BOOL] = "bool",
    [RR_ARROW_INT8] = "int8",
    [RR_ARROW_UINT8] = "uint8",
    [RR_ARROW_INT16] = "int16",
    [RR_ARROW_UINT16] = "uint16",
    [RR_ARROW_INT32] = "int32",
    [RR_ARROW_UINT32] = "uint32",
    [RR_ARROW_INT64] = "int64",
    [RR_ARROW_UINT64] = "uint64",
    [RR_ARROW_HALF_FLOAT] = "float16",
    [RR_ARROW_FLOAT] = "float32",
    [RR_ARROW_DOUBLE] = "float64",
    [RR_ARROW_STRING] = "utf8",
    [RR_ARROW_LARGE_STRING] = "large_utf8",
    [RR_ARROW_BINARY] = "binary",
    [RR_ARROW_LARGE_BINARY] = "large_binary",
    [RR_ARROW_FIXED_SIZE_BINARY] = "fixed_size_binary",
    [RR_ARROW_DATE32] = "date32",
    [RR_ARROW_DATE64] = "date64",
    [RR_ARROW_TIME32] = "time32",
    [RR_ARROW_TIME64] = "time64",
    [RR_ARROW_TIMESTAMP] = "timestamp",
    [RR_ARROW_DURATION] = "duration",
    [RR_ARROW_INTERVAL_MONTHS] = "interval_months",
    [RR_ARROW_INTERVAL_DAY_TIME] = "interval_day_time",
    [RR_ARROW_INTERVAL_MONTH_DAY_NANO] = "interval_month_day_nano",
    [RR_ARROW_DECIMAL32] = "decimal32",
    [RR_ARROW_DECIMAL64] = "decimal64",
    [RR_ARROW_DECIMAL128] = "decimal128",
    [RR_ARROW_DECIMAL256] = "decimal256",
    [RR_ARROW_LIST] = "list",
    [RR_ARROW_LARGE_LIST] = "large_list",
    [RR_ARROW_FIXED_SIZE_LIST] = "fixed_size_list",
    [RR_ARROW_STRUCT] = "struct",
    [RR_ARROW_SPARSE_UNION] = "sparse_union",
    [RR_ARROW_DENSE_UNION] = "dense_union",
    [RR_ARROW_MAP] = "map",
};

const char *rr_arrow_type_id_name(rr_arrow_type_id_t id) {
    return (unsigned)id < RR_ARROW_TYPE_COUNT ? k_names[id] : "unknown";
}

/* Parses a decimal int32 from *p up to a delimiter in `stops` or NUL. */
static bool parse_i32(const char **p, const char *stops, int32_t *out) {
    const char *s = *p;
    char *end = NULL;
    if (!(*s == '-' || (*s >= '0' && *s <= '9'))) return false;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || v < INT32_MIN || v > INT32_MAX) return false;
    if (*end != '\0' && !strchr(stops, *end)) return false;
    *out = (int32_t)v;
    *p = end;
    return true;
}

static rr_status_t bad_format(const char *format, rr_error_t *err) {
    return rr_error_set(err, RR_ERR_INVALID_DATA, "malformed Arrow format string \"%.64s\"", format);
}

static rr_status_t parse_unit(const char *format, char c, rr_arrow_time_unit_t *u,
                              rr_error_t *err) {
    switch (c) {
    case 's': *u = RR_ARROW_SECOND; return RR_OK;
    case 'm': *u = RR_ARROW_MILLI; return RR_OK;
    case 'u': *u = RR_ARROW_MICRO; return RR_OK;
    case 'n': *u = RR_ARROW_NANO; return RR_OK;
    default: return bad_format(format, err);
    }
}

rr_status_t rr_arrow_type_parse(const char *format, rr_arrow_type_t *t, rr_error_t *err) {
    memset(t, 0, sizeof *t);
    if (!format || !*format)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "empty Arrow format string");
    const char *f = format;
    if (f[1] == '\0') {
        switch (f[0]) {
        case 'n': t->id = RR_ARROW_NA; return RR_OK;
        case 'b': t->id = RR_ARROW_BOOL; return RR_OK;
        case 'c': t->id = RR_ARROW_INT8; return RR_OK;
        case 'C': t->id = RR_ARROW_UINT8; return RR_OK;
        case 's': t->id = RR_ARROW_INT16; return RR_OK;
        case 'S': t->id = RR_ARROW_UINT16; return RR_OK;
        case 'i': t->id = RR_ARROW_INT32; return RR_OK;
        case 'I': t->id = RR_ARROW_UINT32; return RR_OK;
        case 'l': t->id = RR_ARROW_INT64; return RR_OK;
        case 'L': t->id = RR_ARROW_UINT64; return RR_OK;
        case 'e': t->id = RR_ARROW_HALF_FLOAT; return RR_OK;
        case 'f': t->id = RR_ARROW_FLOAT; return RR_OK;
        case 'g': t->id = RR_ARROW_DOUBLE; return RR_OK;
        case 'z': t->id = RR_ARROW_BINARY; return RR_OK;
        case 'Z': t->id = RR_ARROW_LARGE_BINARY; return RR_OK;
        case 'u': t->id = RR_ARROW_STRING; return RR_OK;
        case 'U': t->id = RR_ARROW_LARGE_STRING; return RR_OK;
        default: break;
        }
    }
    if (f[0] == 'w' && f[1] == ':') {
        const char *p = f + 2;
        t->id = RR_ARROW_FIXED_SIZE_BINARY;
        if (!parse_i32(&p, "", &t->fixed_size) || *p || t->fixed_size < 0)
            return bad_format(format, err);
        return RR_OK;
    }
    if (f[0] == 'd' && f[1] == ':') {
        const char *p = f + 2;
        int32_t bits = 128;
        if (!parse_i32(&p, ",", &t->precision) || *p != ',') return bad_format(format, err);
        p++;
        if (!parse_i32(&p, ",", &t->scale)) return bad_format(format, err);
        if (*p == ',') {
            p++;
            if (!parse_i32(&p, "", &bits)) return bad_format(format, err);
        }
        if (*p) return bad_format(format, err);
        switch (bits) {
        case 32: t->id = RR_ARROW_DECIMAL32; break;
        case 64: t->id = RR_ARROW_DECIMAL64; break;
        case 128: t->id = RR_ARROW_DECIMAL128; break;
        case 256: t->id = RR_ARROW_DECIMAL256; break;
        default:
            return rr_error_set(err, RR_ERR_UNSUPPORTED, "decimal bit width %d in format \"%.64s\"",
                                (int)bits, format);
        }
        if (t->precision <= 0) return bad_format(format, err);
        return RR_OK;
    }
    if (f[0] == 't') {
        switch (f[1]) {
        case 'd':
            if (!strcmp(f, "tdD")) { t->id = RR_ARROW_DATE32; return RR_OK; }
            if (!strcmp(f, "tdm")) { t->id = RR_ARROW_DATE64; return RR_OK; }
            break;
        case 't':
            if (f[2] && !f[3]) {
                RR_TRY(parse_unit(format, f[2], &t->unit, err));
                t->id = t->unit <= RR_ARROW_MILLI ? RR_ARROW_TIME32 : RR_ARROW_TIME64;
                return RR_OK;
            }
            break;
        case 's':
            if (f[2] && f[3] == ':') {
                RR_TRY(parse_unit(format, f[2], &t->unit, err));
                t->id = RR_ARROW_TIMESTAMP;
                t->timezone = f[4] ? f + 4 : NULL;
                return RR_OK;
            }
            break;
        case 'D':
            if (f[2] && !f[3]) {
                RR_TRY(parse_unit(format, f[2], &t->unit, err));
                t->id = RR_ARROW_DURATION;
                return RR_OK;
            }
            break;
        case 'i':
            if (!strcmp(f, "tiM")) { t->id = RR_ARROW_INTERVAL_MONTHS; return RR_OK; }
            if (!strcmp(f, "tiD")) { t->id = RR_ARROW_INTERVAL_DAY_TIME; return RR_OK; }
            if (!strcmp(f, "tin")) { t->id = RR_ARROW_INTERVAL_MONTH_DAY_NANO; return RR_OK; }
            break;
        default: break;
        }
        return bad_format(format, err);
    }
    if (f[0] == '+') {
        if (!strcmp(f, "+l")) { t->id = RR_ARROW_LIST; return RR_OK; }
        if (!strcmp(f, "+L")) { t->id = RR_ARROW_LARGE_LIST; return RR_OK; }
        if (!strcmp(f, "+s")) { t->id = RR_ARROW_STRUCT; return RR_OK; }
        if (!strcmp(f, "+m")) { t->id = RR_ARROW_MAP; return RR_OK; }
        if (f[1] == 'w' && f[2] == ':') {
            const char *p = f + 3;
            t->id = RR_ARROW_FIXED_SIZE_LIST;
            if (!parse_i32(&p, "", &t->fixed_size) || *p || t->fixed_size < 0)
                return bad_format(format, err);
            return RR_OK;
        }
        if (f[1] == 'u' && (f[2] == 'd' || f[2] == 's') && f[3] == ':') {
            t->id = f[2] == 'd' ? RR_ARROW_DENSE_UNION : RR_ARROW_SPARSE_UNION;
            const char *p = f + 4;
            while (*p) {
                int32_t code;
                if (t->n_type_codes >= RR_ARROW_MAX_UNION_TYPES || !parse_i32(&p, ",", &code) ||
                    code < 0 || code > 127)
                    return bad_format(format, err);
                t->type_codes[t->n_type_codes++] = (int8_t)code;
                if (*p == ',') {
                    p++;
                    if (!*p) return bad_format(format, err);
                }
            }
            return RR_OK;
        }
        if (!strncmp(f, "+v", 2) || !strcmp(f, "+r"))
            return rr_error_set(err, RR_ERR_UNSUPPORTED, "Arrow type \"%.64s\" is not supported",
                                format);
        return bad_format(format, err);
    }
    if (!strcmp(f, "vu") || !strcmp(f, "vz"))
        return rr_error_set(err, RR_ERR_UNSUPPORTED, "Arrow type \"%s\" is not supported", format);
    return bad_format(format, err);
}

/* A literal format as snprintf would write it (truncated to cap, its full
 * length returned): every field of every IPC schema message comes through
 * here, and most formats are one to three fixed characters. */
static int put_lit(char *out, size_t cap, const char *lit, size_t n) {
    if (cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(out, lit, k);
        out[k] = 0;
    }
    return (int)n;
}
#define PUT_LIT(lit) put_lit(out, cap, lit, sizeof lit - 1)

rr_status_t rr_arrow_type_format(const rr_arrow_type_t *t, char *out, size_t cap,
                                 rr_error_t *err) {
    static const char unit_c[] = {'s', 'm', 'u', 'n'};
    static const char simple[RR_ARROW_TYPE_COUNT] = {
        [RR_ARROW_NA] = 'n',     [RR_ARROW_BOOL] = 'b',         [RR_ARROW_INT8] = 'c',
        [RR_ARROW_UINT8] = 'C',  [RR_ARROW_INT16] = 's',        [RR_ARROW_UINT16] = 'S',
        [RR_ARROW_INT32] = 'i',  [RR_ARROW_UINT32] = 'I',       [RR_ARROW_INT64] = 'l',
        [RR_ARROW_UINT64] = 'L', [RR_ARROW_HALF_FLOAT] = 'e',   [RR_ARROW_FLOAT] = 'f',
        [RR_ARROW_DOUBLE] = 'g', [RR_ARROW_BINARY] = 'z',       [RR_ARROW_LARGE_BINARY] = 'Z',
        [RR_ARROW_STRING] = 'u', [RR_ARROW_LARGE_STRING] = 'U',
    };
    int n = -1;
    if ((unsigned)t->id >= RR_ARROW_TYPE_COUNT)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "unknown type id %d", (int)t->id);
    if (simple[t->id] || t->id == RR_ARROW_NA) {
        char one[2] = {simple[t->id], 0};
        n = put_lit(out, cap, one, one[0] ? 1 : 0);
    } else {
        char u = unit_c[t->unit & 3];
        switch (t->id) {
        case RR_ARROW_FIXED_SIZE_BINARY: n = snprintf(out, cap, "w:%d", (int)t->fixed_size); break;
        case RR_ARROW_DATE32: n = PUT_LIT("tdD"); break;
        case RR_ARROW_DATE64: n = PUT_LIT("tdm"); break;
        case RR_ARROW_TIME32:
        case RR_ARROW_TIME64: n = put_lit(out, cap, (char[]){'t', 't', u, 0}, 3); break;
        case RR_ARROW_TIMESTAMP:
            n = snprintf(out, cap, "ts%c:%s", u, t->timezone ? t->timezone : "");
            break;
        case RR_ARROW_DURATION: n = put_lit(out, cap, (char[]){'t', 'D', u, 0}, 3); break;
        case RR_ARROW_INTERVAL_MONTHS: n = PUT_LIT("tiM"); break;
        case RR_ARROW_INTERVAL_DAY_TIME: n = PUT_LIT("tiD"); break;
        case RR_ARROW_INTERVAL_MONTH_DAY_NANO: n = PUT_LIT("tin"); break;
        case RR_ARROW_DECIMAL32:
        case RR_ARROW_DECIMAL64:
        case RR_ARROW_DECIMAL256: {
            int bits = t->id == RR_ARROW_DECIMAL32 ? 32 : t->id == RR_ARROW_DECIMAL64 ? 64 : 256;
            n = snprintf(out, cap, "d:%d,%d,%d", (int)t->precision, (int)t->scale, bits);
            break;
        }
        case RR_ARROW_DECIMAL128:
            n = snprintf(out, cap, "d:%d,%d", (int)t->precision, (int)t->scale);
            break;
        case RR_ARROW_LIST: n = PUT_LIT("+l"); break;
        case RR_ARROW_LARGE_LIST: n = PUT_LIT("+L"); break;
        case RR_ARROW_FIXED_SIZE_LIST: n = snprintf(out, cap, "+w:%d", (int)t->fixed_size); break;
        case RR_ARROW_STRUCT: n = PUT_LIT("+s"); break;
        case RR_ARROW_MAP: n = PUT_LIT("+m"); break;
        case RR_ARROW_SPARSE_UNION:
        case RR_ARROW_DENSE_UNION: {
            n = snprintf(out, cap, "+u%c:", t->id == RR_ARROW_DENSE_UNION ? 'd' : 's');
            for (int32_t i = 0; i < t->n_type_codes && n >= 0 && (size_t)n < cap; i++)
                n += snprintf(out + n, cap - (size_t)n, i ? ",%d" : "%d", (int)t->type_codes[i]);
            break;
        }
        default: break;
        }
    }
    if (n < 0 || (size_t)n >= cap)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "format string of %s does not fit in %zu bytes",
                            rr_arrow_type_id_name(t->id), cap);
    return RR_OK;
}

bool rr_arrow_type_is_fixed_width(rr_arrow_type_id_t id) {
    switch (id) {
    case RR_ARROW_NA:
    case RR_ARROW_STRING:
    case RR_ARROW_LARGE_STRING:
    case RR_ARROW_BINARY:
    case RR_ARROW_LARGE_BINARY:
    case RR_ARROW_LIST:
    case RR_ARROW_LARGE_LIST:
    case RR_ARROW_FIXED_SIZE_LIST:
    case RR_ARROW_STRUCT:
    case RR_ARROW_SPARSE_UNION:
    case RR_ARROW_DENSE_UNION:
    case RR_ARROW_MAP:
        return false;
    default:
        return (unsigned)id < RR_ARROW_TYPE_COUNT;
    }
}

rr_arrow_layout_t rr_arrow_type_layout(const rr_arrow_type_t *t) {
    rr_arrow_layout_t l = {0};
    l.kinds[0] = RR_ARROW_BUF_VALIDITY;
    switch (t->id) {
    case RR_ARROW_NA: l.n_buffers = 0; break;
    case RR_ARROW_STRING:
    case RR_ARROW_BINARY:
        l.n_buffers = 3;
        l.kinds[1] = RR_ARROW_BUF_OFFSETS32;
        l.kinds[2] = RR_ARROW_BUF_DATA;
        break;
    case RR_ARROW_LARGE_STRING:
    case RR_ARROW_LARGE_BINARY:
        l.n_buffers = 3;
        l.kinds[1] = RR_ARROW_BUF_OFFSETS64;
        l.kinds[2] = RR_ARROW_BUF_DATA;
        break;
    case RR_ARROW_LIST:
    case RR_ARROW_MAP:
        l.n_buffers = 2;
        l.kinds[1] = RR_ARROW_BUF_OFFSETS32;
        l.n_children = 1;
        break;
    case RR_ARROW_LARGE_LIST:
        l.n_buffers = 2;
        l.kinds[1] = RR_ARROW_BUF_OFFSETS64;
        l.n_children = 1;
        break;
    case RR_ARROW_FIXED_SIZE_LIST:
        l.n_buffers = 1;
        l.n_children = 1;
        break;
    case RR_ARROW_STRUCT:
        l.n_buffers = 1;
        l.n_children = -1;
        break;
    case RR_ARROW_SPARSE_UNION:
        l.n_buffers = 1;
        l.kinds[0] = RR_ARROW_BUF_TYPE_IDS;
        l.n_children = -1;
        break;
    case RR_ARROW_DENSE_UNION:
        l.n_buffers = 2;
        l.kinds[0] = RR_ARROW_BUF_TYPE_IDS;
        l.kinds[1] = RR_ARROW_BUF_UNION_OFFSETS;
        l.n_children = -1;
        break;
    default: {
        /* fixed width */
        int32_t bits = 0;
        switch (t->id) {
        case RR_ARROW_BOOL: bits = 1; break;
        case RR_ARROW_INT8:
        case RR_ARROW_UINT8: bits = 8; break;
        case RR_ARROW_INT16:
        case RR_ARROW_UINT16:
        case RR_ARROW_HALF_FLOAT: bits = 16; break;
        case RR_ARROW_INT32:
        case RR_ARROW_UINT32:
        case RR_ARROW_FLOAT:
        case RR_ARROW_DATE32:
        case RR_ARROW_TIME32:
        case RR_ARROW_INTERVAL_MONTHS:
        case RR_ARROW_DECIMAL32: bits = 32; break;
        case RR_ARROW_INT64:
        case RR_ARROW_UINT64:
        case RR_ARROW_DOUBLE:
        case RR_ARROW_DATE64:
        case RR_ARROW_TIME64:
        case RR_ARROW_TIMESTAMP:
        case RR_ARROW_DURATION:
        case RR_ARROW_INTERVAL_DAY_TIME:
        case RR_ARROW_DECIMAL64: bits = 64; break;
        case RR_ARROW_INTERVAL_MONTH_DAY_NANO:
        case RR_ARROW_DECIMAL128: bits = 128; break;
        case RR_ARROW_DECIMAL256: bits = 256; break;
        case RR_ARROW_FIXED_SIZE_BINARY: bits = t->fixed_size * 8; break;
        default: break;
        }
        l.n_buffers = 2;
        l.kinds[1] = RR_ARROW_BUF_DATA;
        l.data_bit_width = bits;
        break;
    }
    }
    return l;
}
