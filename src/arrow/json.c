/* Arrow integration-test JSON (see json.h): the documents the Arrow project
 * ships beside its gold IPC files, read into our schemas and arrays and
 * written back from them.
 *
 * Reading parses the text with base/json.h, builds the schema from
 * "schema.fields", then each batch column by column, walking the JSON field
 * and the ArrowSchema in step (dictionary ids live only in the JSON). The
 * "dictionaries" section is built lazily, when a column first needs an id,
 * because a dictionary's values may themselves be dictionary-encoded (its
 * own dictionary is then built first). Every batch is validated before it is
 * handed out, so a document whose offsets or type ids lie gets an error, not
 * an array that reads out of bounds later.
 *
 * Writing walks each array by (absolute position, length) so sliced arrays
 * come out with offsets rebased to zero. Dictionary ids are assigned in
 * depth-first order; one document holds one dictionary per id, so batches
 * whose dictionaries differ are written with the longest one when the others
 * are its prefix (IPC delta dictionaries) and refused otherwise.
 *
 * JSON has no NaN or infinities: floats that are not finite are written as
 * the strings "NaN", "Infinity" and "-Infinity", and read back from them. */
#include "arrow/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/schema.h"
#include "arrow/type.h"
#include "arrow/validate.h"
#include "base/errpath.h"
#include "base/json.h"

/* ====================== shared helpers ====================== */

static const char *const k_units[] = {"SECOND", "MILLISECOND", "MICROSECOND", "NANOSECOND"};

static float half_to_float(uint16_t h) {
    int sign = h >> 15, e = (h >> 10) & 0x1F, m = h & 0x3FF;
    double v;
    if (e == 0)
        v = ldexp(m, -24);
    else if (e == 31)
        v = m ? NAN : INFINITY;
    else
        v = ldexp(1024 + m, e - 25);
    return (float)(sign ? -v : v);
}

/* Round to nearest, ties to even (the default rounding mode of nearbyint). */
static uint16_t double_to_half(double d) {
    uint16_t sign = signbit(d) ? 0x8000 : 0;
    if (isnan(d)) return 0x7E00;
    double a = fabs(d);
    if (a >= 65520.0) return sign | 0x7C00;
    if (a < ldexp(1, -14)) return sign | (uint16_t)nearbyint(ldexp(a, 24));
    int ex;
    frexp(a, &ex);
    int e = ex - 1;
    double m = nearbyint(ldexp(a, 10 - e));
    if (m >= 2048) {
        m = 1024;
        e++;
    }
    if (e + 15 >= 31) return sign | 0x7C00;
    return sign | (uint16_t)((e + 15) << 10) | (uint16_t)((int)m - 1024);
}

/* 256-bit two's complement integers as four little-endian limbs, for decimals. */
typedef struct u256 {
    uint64_t l[4];
} u256_t;

static void u256_neg(u256_t *x) {
    unsigned carry = 1;
    for (int i = 0; i < 4; i++) {
        uint64_t v = ~x->l[i] + carry;
        carry = carry && v == 0;
        x->l[i] = v;
    }
}

/* Parses an optionally signed decimal integer; false if malformed or beyond
 * 256-bit two's complement. */
static bool u256_parse(const char *s, size_t n, u256_t *out) {
    bool neg = n > 0 && s[0] == '-';
    size_t i = neg;
    if (i == n) return false;
    if (s[i] == '0' && n - i > 1) return false;
    u256_t x = {{0, 0, 0, 0}};
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned __int128 carry = (unsigned)(s[i] - '0');
        for (int k = 0; k < 4; k++) {
            unsigned __int128 p = (unsigned __int128)x.l[k] * 10 + carry;
            x.l[k] = (uint64_t)p;
            carry = p >> 64;
        }
        if (carry) return false;
    }
    /* Magnitude limit: 2^255 - 1, or 2^255 when negative. */
    if (x.l[3] >> 63) {
        bool is_min = neg && x.l[3] == (1ull << 63) && !x.l[2] && !x.l[1] && !x.l[0];
        if (!is_min) return false;
    }
    if (neg) u256_neg(&x);
    *out = x;
    return true;
}

/* Writes the signed decimal text of x into buf (at least 80 bytes). */
static size_t u256_format(u256_t x, char *buf) {
    bool neg = x.l[3] >> 63;
    if (neg) u256_neg(&x); /* -2^255 stays itself, and reads right as unsigned */
    char tmp[80];
    size_t n = 0;
    do {
        unsigned __int128 rem = 0;
        for (int k = 3; k >= 0; k--) {
            unsigned __int128 cur = (rem << 64) | x.l[k];
            x.l[k] = (uint64_t)(cur / 10);
            rem = cur % 10;
        }
        tmp[n++] = (char)('0' + (int)rem);
    } while (x.l[0] | x.l[1] | x.l[2] | x.l[3]);
    size_t o = 0;
    if (neg) buf[o++] = '-';
    while (n) buf[o++] = tmp[--n];
    buf[o] = '\0';
    return o;
}

/* ====================== reading ====================== */

typedef struct dict_slot {
    int64_t id;
    const rr_json_value_t *jfield;     /* the first field using it */
    struct ArrowSchema *value_schema;  /* that field's dictionary (value) schema */
    const rr_json_value_t *jdata;      /* its "data" in the dictionaries section */
    struct ArrowArray array;
    int state; /* 0 not built, 1 building, 2 built */
} dict_slot_t;

typedef struct reader {
    rr_error_t *err;
    rr_errpath_t path;
    dict_slot_t *dicts;
    size_t ndicts, capdicts;
} reader_t;


static rr_status_t rfail(reader_t *R, const rr_json_value_t *at, rr_status_t code, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));
static rr_status_t rfail(reader_t *R, const rr_json_value_t *at, rr_status_t code, const char *fmt,
                         ...) {
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at)
        return rr_error_set(R->err, code, "arrow json: %s (line %u, column %u): %s",
                            rr_errpath_str(&R->path, "<document>"), at->line, at->column, msg);
    return rr_error_set(R->err, code, "arrow json: %s: %s", rr_errpath_str(&R->path, "<document>"), msg);
}

static rr_status_t nomem(reader_t *R) {
    return rfail(R, NULL, RR_ERR_NOMEM, "out of memory");
}

/* Member key of obj with the given JSON type; *out NULL when absent and not
 * required. */
static rr_status_t member(reader_t *R, const rr_json_value_t *obj, const char *key,
                          rr_json_type_t type, bool required, const rr_json_value_t **out) {
    const rr_json_value_t *v = rr_json_get(obj, key);
    *out = NULL;
    if (!v) {
        if (required) return rfail(R, obj, RR_ERR_INVALID_DATA, "missing \"%s\"", key);
        return RR_OK;
    }
    if (v->type != type)
        return rfail(R, v, RR_ERR_INVALID_DATA, "\"%s\" must be a %s, not a %s", key,
                     rr_json_type_name(type), rr_json_type_name(v->type));
    *out = v;
    return RR_OK;
}

static rr_status_t member_int(reader_t *R, const rr_json_value_t *obj, const char *key,
                              int64_t lo, int64_t hi, bool required, int64_t dflt, int64_t *out) {
    const rr_json_value_t *v = rr_json_get(obj, key);
    if (!v) {
        if (required) return rfail(R, obj, RR_ERR_INVALID_DATA, "missing \"%s\"", key);
        *out = dflt;
        return RR_OK;
    }
    int64_t x;
    if (v->type != RR_JSON_NUMBER || !rr_json_parse_i64(v->u.number.text, v->u.number.len, &x) ||
        x < lo || x > hi)
        return rfail(R, v, RR_ERR_INVALID_DATA, "\"%s\" must be an integer in [%lld, %lld]", key,
                     (long long)lo, (long long)hi);
    *out = x;
    return RR_OK;
}

static rr_status_t member_bool(reader_t *R, const rr_json_value_t *obj, const char *key,
                               bool required, bool dflt, bool *out) {
    const rr_json_value_t *v;
    RR_TRY(member(R, obj, key, RR_JSON_BOOL, required, &v));
    *out = v ? v->u.boolean : dflt;
    return RR_OK;
}

static bool str_is(const rr_json_value_t *v, const char *s) {
    return v && v->type == RR_JSON_STRING && v->u.string.len == strlen(s) &&
           !memcmp(v->u.string.ptr, s, v->u.string.len);
}

static rr_status_t member_enum(reader_t *R, const rr_json_value_t *obj, const char *key,
                               const char *const *names, int n, bool required, int dflt,
                               int *out) {
    const rr_json_value_t *v;
    RR_TRY(member(R, obj, key, RR_JSON_STRING, required, &v));
    if (!v) {
        *out = dflt;
        return RR_OK;
    }
    for (int i = 0; i < n; i++)
        if (names[i] && str_is(v, names[i])) {
            *out = i;
            return RR_OK;
        }
    return rfail(R, v, RR_ERR_INVALID_DATA, "unknown %s \"%.40s\"", key, v->u.string.ptr);
}

/* The JSON "type" object into a parsed type. */
static rr_status_t read_type(reader_t *R, const rr_json_value_t *jt, rr_arrow_type_t *t) {
    memset(t, 0, sizeof *t);
    const rr_json_value_t *jn;
    RR_TRY(member(R, jt, "name", RR_JSON_STRING, true, &jn));
    const char *n = jn->u.string.ptr;
    int64_t x;
    int e;
    if (!strcmp(n, "null")) {
        t->id = RR_ARROW_NA;
    } else if (!strcmp(n, "bool")) {
        t->id = RR_ARROW_BOOL;
    } else if (!strcmp(n, "int")) {
        bool is_signed;
        RR_TRY(member_int(R, jt, "bitWidth", 8, 64, true, 0, &x));
        RR_TRY(member_bool(R, jt, "isSigned", true, false, &is_signed));
        switch (x) {
        case 8: t->id = is_signed ? RR_ARROW_INT8 : RR_ARROW_UINT8; break;
        case 16: t->id = is_signed ? RR_ARROW_INT16 : RR_ARROW_UINT16; break;
        case 32: t->id = is_signed ? RR_ARROW_INT32 : RR_ARROW_UINT32; break;
        case 64: t->id = is_signed ? RR_ARROW_INT64 : RR_ARROW_UINT64; break;
        default: return rfail(R, jt, RR_ERR_INVALID_DATA, "int bitWidth %lld", (long long)x);
        }
    } else if (!strcmp(n, "floatingpoint")) {
        static const char *const p[] = {"HALF", "SINGLE", "DOUBLE"};
        RR_TRY(member_enum(R, jt, "precision", p, 3, true, 0, &e));
        t->id = e == 0 ? RR_ARROW_HALF_FLOAT : e == 1 ? RR_ARROW_FLOAT : RR_ARROW_DOUBLE;
    } else if (!strcmp(n, "utf8")) {
        t->id = RR_ARROW_STRING;
    } else if (!strcmp(n, "largeutf8")) {
        t->id = RR_ARROW_LARGE_STRING;
    } else if (!strcmp(n, "binary")) {
        t->id = RR_ARROW_BINARY;
    } else if (!strcmp(n, "largebinary")) {
        t->id = RR_ARROW_LARGE_BINARY;
    } else if (!strcmp(n, "fixedsizebinary")) {
        t->id = RR_ARROW_FIXED_SIZE_BINARY;
        RR_TRY(member_int(R, jt, "byteWidth", 0, INT32_MAX, true, 0, &x));
        t->fixed_size = (int32_t)x;
    } else if (!strcmp(n, "date")) {
        static const char *const u[] = {"DAY", "MILLISECOND"};
        RR_TRY(member_enum(R, jt, "unit", u, 2, false, 1, &e));
        t->id = e == 0 ? RR_ARROW_DATE32 : RR_ARROW_DATE64;
    } else if (!strcmp(n, "time")) {
        RR_TRY(member_enum(R, jt, "unit", k_units, 4, false, 1, &e));
        t->unit = (rr_arrow_time_unit_t)e;
        t->id = e <= 1 ? RR_ARROW_TIME32 : RR_ARROW_TIME64;
        RR_TRY(member_int(R, jt, "bitWidth", 32, 64, false, e <= 1 ? 32 : 64, &x));
        if (x != (e <= 1 ? 32 : 64))
            return rfail(R, jt, RR_ERR_INVALID_DATA, "time unit %s needs bitWidth %d", k_units[e],
                         e <= 1 ? 32 : 64);
    } else if (!strcmp(n, "timestamp")) {
        t->id = RR_ARROW_TIMESTAMP;
        RR_TRY(member_enum(R, jt, "unit", k_units, 4, true, 0, &e));
        t->unit = (rr_arrow_time_unit_t)e;
        const rr_json_value_t *tz;
        RR_TRY(member(R, jt, "timezone", RR_JSON_STRING, false, &tz));
        if (tz) {
            if (strlen(tz->u.string.ptr) != tz->u.string.len)
                return rfail(R, tz, RR_ERR_INVALID_DATA, "timezone holds a NUL character");
            t->timezone = tz->u.string.ptr;
        }
    } else if (!strcmp(n, "duration")) {
        t->id = RR_ARROW_DURATION;
        RR_TRY(member_enum(R, jt, "unit", k_units, 4, false, 1, &e));
        t->unit = (rr_arrow_time_unit_t)e;
    } else if (!strcmp(n, "interval")) {
        static const char *const u[] = {"YEAR_MONTH", "DAY_TIME", "MONTH_DAY_NANO"};
        RR_TRY(member_enum(R, jt, "unit", u, 3, true, 0, &e));
        t->id = e == 0   ? RR_ARROW_INTERVAL_MONTHS
                : e == 1 ? RR_ARROW_INTERVAL_DAY_TIME
                         : RR_ARROW_INTERVAL_MONTH_DAY_NANO;
    } else if (!strcmp(n, "decimal")) {
        int64_t p, s;
        RR_TRY(member_int(R, jt, "precision", 1, 76, true, 0, &p));
        RR_TRY(member_int(R, jt, "scale", INT32_MIN, INT32_MAX, true, 0, &s));
        RR_TRY(member_int(R, jt, "bitWidth", 32, 256, false, 128, &x));
        switch (x) {
        case 32: t->id = RR_ARROW_DECIMAL32; break;
        case 64: t->id = RR_ARROW_DECIMAL64; break;
        case 128: t->id = RR_ARROW_DECIMAL128; break;
        case 256: t->id = RR_ARROW_DECIMAL256; break;
        default: return rfail(R, jt, RR_ERR_INVALID_DATA, "decimal bitWidth %lld", (long long)x);
        }
        t->precision = (int32_t)p;
        t->scale = (int32_t)s;
    } else if (!strcmp(n, "list")) {
        t->id = RR_ARROW_LIST;
    } else if (!strcmp(n, "largelist")) {
        t->id = RR_ARROW_LARGE_LIST;
    } else if (!strcmp(n, "fixedsizelist")) {
        t->id = RR_ARROW_FIXED_SIZE_LIST;
        RR_TRY(member_int(R, jt, "listSize", 0, INT32_MAX, true, 0, &x));
        t->fixed_size = (int32_t)x;
    } else if (!strcmp(n, "struct")) {
        t->id = RR_ARROW_STRUCT;
    } else if (!strcmp(n, "map")) {
        t->id = RR_ARROW_MAP;
    } else if (!strcmp(n, "union")) {
        static const char *const m[] = {"SPARSE", "DENSE"};
        RR_TRY(member_enum(R, jt, "mode", m, 2, true, 0, &e));
        t->id = e == 0 ? RR_ARROW_SPARSE_UNION : RR_ARROW_DENSE_UNION;
        const rr_json_value_t *ids;
        RR_TRY(member(R, jt, "typeIds", RR_JSON_ARRAY, true, &ids));
        if (ids->u.array.count > RR_ARROW_MAX_UNION_TYPES)
            return rfail(R, ids, RR_ERR_INVALID_DATA, "more than %d union type ids",
                         RR_ARROW_MAX_UNION_TYPES);
        for (size_t i = 0; i < ids->u.array.count; i++) {
            const rr_json_value_t *v = ids->u.array.items[i];
            int64_t id;
            if (v->type != RR_JSON_NUMBER ||
                !rr_json_parse_i64(v->u.number.text, v->u.number.len, &id) || id < 0 || id > 127)
                return rfail(R, v, RR_ERR_INVALID_DATA, "union type id must be in [0, 127]");
            for (size_t j = 0; j < i; j++)
                if (t->type_codes[j] == id)
                    return rfail(R, v, RR_ERR_INVALID_DATA, "repeated union type id %lld",
                                 (long long)id);
            t->type_codes[i] = (int8_t)id;
        }
        t->n_type_codes = (int32_t)ids->u.array.count;
    } else {
        return rfail(R, jn, RR_ERR_UNSUPPORTED, "type \"%.40s\" is not supported", n);
    }
    return RR_OK;
}

static rr_status_t read_metadata(reader_t *R, const rr_json_value_t *owner,
                                 struct ArrowSchema *s) {
    const rr_json_value_t *md;
    RR_TRY(member(R, owner, "metadata", RR_JSON_ARRAY, false, &md));
    if (!md || md->u.array.count == 0) return RR_OK;
    if (md->u.array.count > INT32_MAX / 16)
        return rfail(R, md, RR_ERR_INVALID_DATA, "too many metadata entries");
    int32_t n = (int32_t)md->u.array.count;
    rr_arrow_kv_t *kv = calloc((size_t)n, sizeof *kv);
    if (!kv) return nomem(R);
    rr_status_t st = RR_OK;
    for (int32_t i = 0; i < n && st == RR_OK; i++) {
        const rr_json_value_t *e = md->u.array.items[i], *k, *v;
        size_t old = rr_errpath_push(&R->path, ".metadata[%d]", (int)i);
        if (e->type != RR_JSON_OBJECT)
            st = rfail(R, e, RR_ERR_INVALID_DATA, "metadata entry must be an object");
        if (st == RR_OK) st = member(R, e, "key", RR_JSON_STRING, true, &k);
        if (st == RR_OK) st = member(R, e, "value", RR_JSON_STRING, true, &v);
        if (st == RR_OK && (k->u.string.len > INT32_MAX || v->u.string.len > INT32_MAX))
            st = rfail(R, e, RR_ERR_INVALID_DATA, "metadata entry too long");
        if (st == RR_OK) {
            kv[i].key = k->u.string.ptr;
            kv[i].key_len = (int32_t)k->u.string.len;
            kv[i].value = v->u.string.ptr;
            kv[i].value_len = (int32_t)v->u.string.len;
        }
        rr_errpath_pop(&R->path, old);
    }
    if (st == RR_OK) st = rr_arrow_schema_set_metadata(s, kv, n, R->err);
    free(kv);
    return st;
}

static rr_status_t register_dict(reader_t *R, int64_t id, const rr_json_value_t *jfield,
                                 struct ArrowSchema *value, const rr_json_value_t *at) {
    for (size_t i = 0; i < R->ndicts; i++) {
        if (R->dicts[i].id != id) continue;
        rr_error_t e = {0};
        if (!rr_arrow_schema_equal(R->dicts[i].value_schema, value, &e))
            return rfail(R, at, RR_ERR_INVALID_DATA,
                         "dictionary id %lld is used with two different value types (%s)",
                         (long long)id, e.msg);
        return RR_OK;
    }
    if (R->ndicts == R->capdicts) {
        size_t nc = R->capdicts ? R->capdicts * 2 : 8;
        dict_slot_t *n = realloc(R->dicts, nc * sizeof *n);
        if (!n) return nomem(R);
        R->dicts = n;
        R->capdicts = nc;
    }
    dict_slot_t *d = &R->dicts[R->ndicts++];
    memset(d, 0, sizeof *d);
    d->id = id;
    d->jfield = jfield;
    d->value_schema = value;
    return RR_OK;
}

static rr_status_t read_field(reader_t *R, const rr_json_value_t *jf, struct ArrowSchema *out,
                              int depth);

/* Fills the children of s (already initialised with the right count). */
static rr_status_t read_children(reader_t *R, const rr_json_value_t *jch, struct ArrowSchema *s,
                                 int depth) {
    for (int64_t i = 0; i < s->n_children; i++) {
        size_t old = rr_errpath_push(&R->path, ".children[%lld]", (long long)i);
        rr_status_t st = read_field(R, jch->u.array.items[i], s->children[i], depth + 1);
        rr_errpath_pop(&R->path, old);
        RR_TRY(st);
    }
    return RR_OK;
}

static rr_status_t read_field(reader_t *R, const rr_json_value_t *jf, struct ArrowSchema *out,
                              int depth) {
    if (depth > 64) return rfail(R, jf, RR_ERR_INVALID_DATA, "fields nested deeper than 64");
    if (jf->type != RR_JSON_OBJECT) return rfail(R, jf, RR_ERR_INVALID_DATA, "field must be an object");
    const rr_json_value_t *jname, *jtype, *jch, *jdict;
    bool nullable;
    RR_TRY(member(R, jf, "name", RR_JSON_STRING, true, &jname));
    size_t old = rr_errpath_push(&R->path, "(\"%.40s\")", jname->u.string.ptr);
    rr_status_t st = member_bool(R, jf, "nullable", true, false, &nullable);
    if (st == RR_OK) st = member(R, jf, "type", RR_JSON_OBJECT, true, &jtype);
    if (st == RR_OK) st = member(R, jf, "children", RR_JSON_ARRAY, true, &jch);
    if (st == RR_OK) st = member(R, jf, "dictionary", RR_JSON_OBJECT, false, &jdict);
    rr_arrow_type_t t;
    if (st == RR_OK) st = read_type(R, jtype, &t);
    if (st != RR_OK) goto done;
    if (strlen(jname->u.string.ptr) != jname->u.string.len) {
        st = rfail(R, jname, RR_ERR_INVALID_DATA, "field name holds a NUL character");
        goto done;
    }
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    int64_t want = l.n_children;
    if (t.id == RR_ARROW_SPARSE_UNION || t.id == RR_ARROW_DENSE_UNION) want = t.n_type_codes;
    if (want >= 0 && (int64_t)jch->u.array.count != want) {
        st = rfail(R, jch, RR_ERR_INVALID_DATA, "type %s needs %lld children, found %zu",
                   rr_arrow_type_id_name(t.id), (long long)want, jch->u.array.count);
        goto done;
    }
    int64_t flags = nullable ? ARROW_FLAG_NULLABLE : 0;
    int64_t value_flags = 0;
    if (t.id == RR_ARROW_MAP) {
        bool sorted;
        st = member_bool(R, jtype, "keysSorted", false, false, &sorted);
        if (st != RR_OK) goto done;
        if (sorted) value_flags |= ARROW_FLAG_MAP_KEYS_SORTED;
    }
    int64_t nch = (int64_t)jch->u.array.count;
    if (!jdict) {
        st = rr_arrow_schema_init_type(out, &t, jname->u.string.ptr, flags | value_flags, nch,
                                       R->err);
        if (st == RR_OK) st = read_children(R, jch, out, depth);
    } else {
        int64_t id;
        bool ordered;
        const rr_json_value_t *jidx;
        rr_arrow_type_t it;
        size_t o2 = rr_errpath_push(&R->path, ".dictionary");
        st = member_int(R, jdict, "id", INT64_MIN, INT64_MAX, true, 0, &id);
        if (st == RR_OK) st = member_bool(R, jdict, "isOrdered", false, false, &ordered);
        if (st == RR_OK) st = member(R, jdict, "indexType", RR_JSON_OBJECT, true, &jidx);
        if (st == RR_OK) st = read_type(R, jidx, &it);
        if (st == RR_OK && (it.id < RR_ARROW_INT8 || it.id > RR_ARROW_UINT64))
            st = rfail(R, jidx, RR_ERR_INVALID_DATA, "dictionary indexType must be an integer");
        rr_errpath_pop(&R->path, o2);
        if (st != RR_OK) goto done;
        if (ordered) flags |= ARROW_FLAG_DICTIONARY_ORDERED;
        st = rr_arrow_schema_init_type(out, &it, jname->u.string.ptr, flags, 0, R->err);
        struct ArrowSchema *d = st == RR_OK ? rr_arrow_schema_add_dictionary(out, R->err) : NULL;
        if (st == RR_OK && !d) st = R->err ? R->err->code : RR_ERR_NOMEM;
        /* As the IPC reader does: dictionary values may hold nulls whatever
         * the field says, so the value schema is always nullable. */
        if (st == RR_OK)
            st = rr_arrow_schema_init_type(d, &t, "", value_flags | ARROW_FLAG_NULLABLE, nch,
                                           R->err);
        if (st == RR_OK) st = read_children(R, jch, d, depth);
        if (st == RR_OK) st = register_dict(R, id, jf, d, jdict);
    }
    if (st == RR_OK) st = read_metadata(R, jf, out);
done:
    rr_errpath_pop(&R->path, old);
    return st;
}

/* ---- columns ---- */

static rr_status_t data_array(reader_t *R, const rr_json_value_t *jcol, const char *key,
                              int64_t count, const rr_json_value_t ***items) {
    const rr_json_value_t *a;
    RR_TRY(member(R, jcol, key, RR_JSON_ARRAY, true, &a));
    if ((int64_t)a->u.array.count != count)
        return rfail(R, a, RR_ERR_INVALID_DATA, "%s has %zu entries, count is %lld", key,
                     a->u.array.count, (long long)count);
    *items = (const rr_json_value_t **)a->u.array.items;
    return RR_OK;
}

static rr_status_t read_validity(reader_t *R, const rr_json_value_t *jcol, int64_t count,
                                 struct ArrowArray *a) {
    const rr_json_value_t **v;
    RR_TRY(data_array(R, jcol, "VALIDITY", count, &v));
    int64_t nulls = 0;
    for (int64_t i = 0; i < count; i++)
        if (v[i]->type == RR_JSON_NUMBER && v[i]->u.number.len == 1 &&
            v[i]->u.number.text[0] == '0')
            nulls++;
        else if (!(v[i]->type == RR_JSON_NUMBER && v[i]->u.number.len == 1 &&
                   v[i]->u.number.text[0] == '1'))
            return rfail(R, v[i], RR_ERR_INVALID_DATA, "VALIDITY[%lld] must be 0 or 1",
                         (long long)i);
    a->null_count = nulls;
    if (nulls == 0) return RR_OK;
    uint8_t *bits = rr_arrow_array_alloc_buffer(a, 0, (size_t)rr_arrow_bitmap_bytes(count));
    if (!bits) return nomem(R);
    for (int64_t i = 0; i < count; i++)
        if (v[i]->u.number.text[0] == '1') rr_arrow_bit_set(bits, i, true);
    return RR_OK;
}

static rr_status_t elem_i64(reader_t *R, const rr_json_value_t *v, int64_t i, int64_t lo,
                            int64_t hi, int64_t *out) {
    int64_t x;
    bool ok = (v->type == RR_JSON_NUMBER &&
               rr_json_parse_i64(v->u.number.text, v->u.number.len, &x)) ||
              (v->type == RR_JSON_STRING &&
               rr_json_parse_i64(v->u.string.ptr, v->u.string.len, &x));
    if (!ok || x < lo || x > hi)
        return rfail(R, v, RR_ERR_INVALID_DATA, "value %lld: expected an integer in [%lld, %lld]",
                     (long long)i, (long long)lo, (long long)hi);
    *out = x;
    return RR_OK;
}

static rr_status_t elem_u64(reader_t *R, const rr_json_value_t *v, int64_t i, uint64_t *out) {
    bool ok = (v->type == RR_JSON_NUMBER &&
               rr_json_parse_u64(v->u.number.text, v->u.number.len, out)) ||
              (v->type == RR_JSON_STRING &&
               rr_json_parse_u64(v->u.string.ptr, v->u.string.len, out));
    if (!ok)
        return rfail(R, v, RR_ERR_INVALID_DATA, "value %lld: expected an unsigned 64-bit integer",
                     (long long)i);
    return RR_OK;
}

/* Fixed-width integers of `bytes` bytes into a new buffer i of a. */
static rr_status_t read_ints(reader_t *R, const rr_json_value_t **v, int64_t count, int bytes,
                             bool is_signed, struct ArrowArray *a, int64_t buf) {
    uint8_t *dst = rr_arrow_array_alloc_buffer(a, buf, (size_t)count * (size_t)bytes);
    if (!dst) return nomem(R);
    for (int64_t i = 0; i < count; i++) {
        if (bytes == 8 && !is_signed) {
            uint64_t u;
            RR_TRY(elem_u64(R, v[i], i, &u));
            memcpy(dst + i * 8, &u, 8);
            continue;
        }
        int64_t lo, hi;
        if (is_signed) {
            hi = bytes == 8 ? INT64_MAX : (int64_t)((1ull << (bytes * 8 - 1)) - 1);
            lo = -hi - 1;
        } else {
            lo = 0;
            hi = (int64_t)((1ull << (bytes * 8)) - 1);
        }
        int64_t x;
        RR_TRY(elem_i64(R, v[i], i, lo, hi, &x));
        switch (bytes) {
        case 1: dst[i] = (uint8_t)x; break;
        case 2: { uint16_t y = (uint16_t)x; memcpy(dst + i * 2, &y, 2); break; }
        case 4: { uint32_t y = (uint32_t)x; memcpy(dst + i * 4, &y, 4); break; }
        default: memcpy(dst + i * 8, &x, 8); break;
        }
    }
    return RR_OK;
}

static rr_status_t elem_double(reader_t *R, const rr_json_value_t *v, int64_t i, bool single,
                               double *out) {
    if (v->type == RR_JSON_NUMBER) {
        *out = single ? (double)strtof(v->u.number.text, NULL) : v->u.number.value;
        return RR_OK;
    }
    if (str_is(v, "NaN")) *out = NAN;
    else if (str_is(v, "Infinity")) *out = INFINITY;
    else if (str_is(v, "-Infinity")) *out = -INFINITY;
    else return rfail(R, v, RR_ERR_INVALID_DATA, "value %lld: expected a number", (long long)i);
    return RR_OK;
}

static int hexv(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static rr_status_t elem_hex(reader_t *R, const rr_json_value_t *v, int64_t i, uint8_t *dst) {
    const char *s = v->u.string.ptr;
    for (size_t k = 0; k + 1 < v->u.string.len; k += 2) {
        int hi = hexv(s[k]), lo = hexv(s[k + 1]);
        if (hi < 0 || lo < 0)
            return rfail(R, v, RR_ERR_INVALID_DATA, "value %lld: bad hex digit", (long long)i);
        dst[k / 2] = (uint8_t)(hi * 16 + lo);
    }
    return RR_OK;
}

static rr_status_t read_varbinary(reader_t *R, const rr_json_value_t *jcol, int64_t count,
                                  bool large, bool hex, struct ArrowArray *a) {
    const rr_json_value_t **v, **o;
    RR_TRY(data_array(R, jcol, "DATA", count, &v));
    const rr_json_value_t *ja;
    RR_TRY(member(R, jcol, "OFFSET", RR_JSON_ARRAY, true, &ja));
    if ((int64_t)ja->u.array.count != count + 1)
        return rfail(R, ja, RR_ERR_INVALID_DATA, "OFFSET has %zu entries, count+1 is %lld",
                     ja->u.array.count, (long long)count + 1);
    o = (const rr_json_value_t **)ja->u.array.items;
    size_t total = 0;
    for (int64_t i = 0; i < count; i++) {
        if (v[i]->type != RR_JSON_STRING)
            return rfail(R, v[i], RR_ERR_INVALID_DATA, "value %lld: expected a string",
                         (long long)i);
        size_t n = v[i]->u.string.len;
        if (hex && n % 2)
            return rfail(R, v[i], RR_ERR_INVALID_DATA, "value %lld: odd number of hex digits",
                         (long long)i);
        total += hex ? n / 2 : n;
    }
    if (!large && total > INT32_MAX)
        return rfail(R, jcol, RR_ERR_INVALID_DATA, "more than 2 GiB of data in a 32-bit offset array");
    uint8_t *data = rr_arrow_array_alloc_buffer(a, 2, total);
    void *offs = rr_arrow_array_alloc_buffer(a, 1, (size_t)(count + 1) * (large ? 8 : 4));
    if (!data || !offs) return nomem(R);
    int64_t prev_decl = 0;
    size_t pos = 0;
    for (int64_t i = 0; i <= count; i++) {
        int64_t decl;
        RR_TRY(elem_i64(R, o[i], i, large ? INT64_MIN : INT32_MIN, large ? INT64_MAX : INT32_MAX,
                        &decl));
        if (i > 0) {
            size_t n = hex ? v[i - 1]->u.string.len / 2 : v[i - 1]->u.string.len;
            if (decl < prev_decl || (uint64_t)(decl - prev_decl) != n)
                return rfail(R, o[i], RR_ERR_INVALID_DATA,
                             "OFFSET[%lld] - OFFSET[%lld] does not match the length %zu of DATA[%lld]",
                             (long long)i, (long long)i - 1, n, (long long)i - 1);
            if (hex)
                RR_TRY(elem_hex(R, v[i - 1], i - 1, data + pos));
            else if (n)
                memcpy(data + pos, v[i - 1]->u.string.ptr, n);
            pos += n;
        }
        prev_decl = decl;
        if (large)
            ((int64_t *)offs)[i] = (int64_t)pos;
        else
            ((int32_t *)offs)[i] = (int32_t)pos;
    }
    return RR_OK;
}

static rr_status_t build_dict(reader_t *R, int64_t id, const rr_json_value_t *at,
                              struct ArrowArray **out);

static rr_status_t read_column(reader_t *R, const rr_json_value_t *jf,
                               const struct ArrowSchema *schema, const rr_json_value_t *jcol,
                               bool check_name, int depth, struct ArrowArray *a);

static rr_status_t read_column_body(reader_t *R, const rr_json_value_t *jf,
                                    const struct ArrowSchema *schema, const rr_json_value_t *jcol,
                                    int64_t count, int depth, struct ArrowArray *a) {
    rr_arrow_type_t t;
    RR_TRY(rr_arrow_type_parse(schema->format, &t, R->err));
    bool is_dict = schema->dictionary != NULL;
    /* For a dictionary-encoded field the JSON children describe the values. */
    const struct ArrowSchema *vs = is_dict ? schema->dictionary : schema;
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    int64_t nch = is_dict ? 0 : schema->n_children;
    RR_TRY(rr_arrow_array_init(a, l.n_buffers, nch, is_dict, R->err));
    a->length = count;
    if (t.id == RR_ARROW_NA) {
        a->null_count = count;
        return RR_OK;
    }
    if (l.n_buffers > 0 && l.kinds[0] == RR_ARROW_BUF_VALIDITY)
        RR_TRY(read_validity(R, jcol, count, a));
    const rr_json_value_t **v;
    switch (t.id) {
    case RR_ARROW_BOOL: {
        RR_TRY(data_array(R, jcol, "DATA", count, &v));
        uint8_t *bits = rr_arrow_array_alloc_buffer(a, 1, (size_t)rr_arrow_bitmap_bytes(count));
        if (!bits) return nomem(R);
        for (int64_t i = 0; i < count; i++) {
            if (v[i]->type != RR_JSON_BOOL)
                return rfail(R, v[i], RR_ERR_INVALID_DATA, "value %lld: expected true or false",
                             (long long)i);
            if (v[i]->u.boolean) rr_arrow_bit_set(bits, i, true);
        }
        break;
    }
    case RR_ARROW_INT8: case RR_ARROW_UINT8: case RR_ARROW_INT16: case RR_ARROW_UINT16:
    case RR_ARROW_INT32: case RR_ARROW_UINT32: case RR_ARROW_INT64: case RR_ARROW_UINT64:
    case RR_ARROW_DATE32: case RR_ARROW_DATE64: case RR_ARROW_TIME32: case RR_ARROW_TIME64:
    case RR_ARROW_TIMESTAMP: case RR_ARROW_DURATION: case RR_ARROW_INTERVAL_MONTHS: {
        RR_TRY(data_array(R, jcol, "DATA", count, &v));
        int bytes = l.data_bit_width / 8;
        bool is_signed = !(t.id == RR_ARROW_UINT8 || t.id == RR_ARROW_UINT16 ||
                           t.id == RR_ARROW_UINT32 || t.id == RR_ARROW_UINT64);
        RR_TRY(read_ints(R, v, count, bytes, is_signed, a, 1));
        break;
    }
    case RR_ARROW_HALF_FLOAT: case RR_ARROW_FLOAT: case RR_ARROW_DOUBLE: {
        RR_TRY(data_array(R, jcol, "DATA", count, &v));
        int bytes = l.data_bit_width / 8;
        uint8_t *dst = rr_arrow_array_alloc_buffer(a, 1, (size_t)count * (size_t)bytes);
        if (!dst) return nomem(R);
        for (int64_t i = 0; i < count; i++) {
            double d = 0;
            RR_TRY(elem_double(R, v[i], i, t.id == RR_ARROW_FLOAT, &d));
            if (t.id == RR_ARROW_HALF_FLOAT) {
                uint16_t h = double_to_half(d);
                memcpy(dst + i * 2, &h, 2);
            } else if (t.id == RR_ARROW_FLOAT) {
                float f = (float)d;
                memcpy(dst + i * 4, &f, 4);
            } else {
                memcpy(dst + i * 8, &d, 8);
            }
        }
        break;
    }
    case RR_ARROW_INTERVAL_DAY_TIME: case RR_ARROW_INTERVAL_MONTH_DAY_NANO: {
        RR_TRY(data_array(R, jcol, "DATA", count, &v));
        bool mdn = t.id == RR_ARROW_INTERVAL_MONTH_DAY_NANO;
        size_t w = mdn ? 16 : 8;
        uint8_t *dst = rr_arrow_array_alloc_buffer(a, 1, (size_t)count * w);
        if (!dst) return nomem(R);
        for (int64_t i = 0; i < count; i++) {
            if (v[i]->type != RR_JSON_OBJECT)
                return rfail(R, v[i], RR_ERR_INVALID_DATA, "value %lld: expected an object",
                             (long long)i);
            const char *k0 = mdn ? "months" : "days", *k1 = mdn ? "days" : "milliseconds";
            const rr_json_value_t *f0 = rr_json_get(v[i], k0), *f1 = rr_json_get(v[i], k1);
            const rr_json_value_t *f2 = mdn ? rr_json_get(v[i], "nanoseconds") : NULL;
            if (!f0 || !f1 || (mdn && !f2))
                return rfail(R, v[i], RR_ERR_INVALID_DATA, "value %lld: needs \"%s\", \"%s\"%s",
                             (long long)i, k0, k1, mdn ? " and \"nanoseconds\"" : "");
            int64_t x0, x1, x2 = 0;
            RR_TRY(elem_i64(R, f0, i, INT32_MIN, INT32_MAX, &x0));
            RR_TRY(elem_i64(R, f1, i, INT32_MIN, INT32_MAX, &x1));
            if (mdn) RR_TRY(elem_i64(R, f2, i, INT64_MIN, INT64_MAX, &x2));
            int32_t y0 = (int32_t)x0, y1 = (int32_t)x1;
            memcpy(dst + i * w, &y0, 4);
            memcpy(dst + i * w + 4, &y1, 4);
            if (mdn) memcpy(dst + i * w + 8, &x2, 8);
        }
        break;
    }
    case RR_ARROW_DECIMAL32: case RR_ARROW_DECIMAL64: case RR_ARROW_DECIMAL128:
    case RR_ARROW_DECIMAL256: {
        RR_TRY(data_array(R, jcol, "DATA", count, &v));
        size_t w = (size_t)l.data_bit_width / 8;
        uint8_t *dst = rr_arrow_array_alloc_buffer(a, 1, (size_t)count * w);
        if (!dst) return nomem(R);
        for (int64_t i = 0; i < count; i++) {
            u256_t x;
            bool ok = v[i]->type == RR_JSON_STRING &&
                      u256_parse(v[i]->u.string.ptr, v[i]->u.string.len, &x);
            /* It fits when the bytes beyond the width are the sign extension. */
            if (ok) {
                uint8_t full[32];
                memcpy(full, x.l, 32);
                uint8_t ext = (full[w - 1] & 0x80) ? 0xFF : 0x00;
                for (size_t k = w; k < 32 && ok; k++) ok = full[k] == ext;
                if (ok) memcpy(dst + (size_t)i * w, full, w);
            }
            if (!ok)
                return rfail(R, v[i], RR_ERR_INVALID_DATA,
                             "value %lld: expected a decimal integer string fitting %d bits",
                             (long long)i, l.data_bit_width);
        }
        break;
    }
    case RR_ARROW_FIXED_SIZE_BINARY: {
        RR_TRY(data_array(R, jcol, "DATA", count, &v));
        size_t w = (size_t)t.fixed_size;
        uint8_t *dst = rr_arrow_array_alloc_buffer(a, 1, (size_t)count * w);
        if (!dst) return nomem(R);
        for (int64_t i = 0; i < count; i++) {
            if (v[i]->type != RR_JSON_STRING || v[i]->u.string.len != 2 * w)
                return rfail(R, v[i], RR_ERR_INVALID_DATA,
                             "value %lld: expected a string of %zu hex digits", (long long)i,
                             2 * w);
            RR_TRY(elem_hex(R, v[i], i, dst + (size_t)i * w));
        }
        break;
    }
    case RR_ARROW_STRING: case RR_ARROW_LARGE_STRING: case RR_ARROW_BINARY:
    case RR_ARROW_LARGE_BINARY:
        RR_TRY(read_varbinary(R, jcol, count,
                              t.id == RR_ARROW_LARGE_STRING || t.id == RR_ARROW_LARGE_BINARY,
                              t.id == RR_ARROW_BINARY || t.id == RR_ARROW_LARGE_BINARY, a));
        break;
    case RR_ARROW_LIST: case RR_ARROW_LARGE_LIST: case RR_ARROW_MAP: {
        bool large = t.id == RR_ARROW_LARGE_LIST;
        RR_TRY(data_array(R, jcol, "OFFSET", count + 1, &v));
        RR_TRY(read_ints(R, v, count + 1, large ? 8 : 4, true, a, 1));
        break;
    }
    case RR_ARROW_SPARSE_UNION: case RR_ARROW_DENSE_UNION: {
        RR_TRY(data_array(R, jcol, "TYPE_ID", count, &v));
        RR_TRY(read_ints(R, v, count, 1, true, a, 0));
        if (t.id == RR_ARROW_DENSE_UNION) {
            RR_TRY(data_array(R, jcol, "OFFSET", count, &v));
            RR_TRY(read_ints(R, v, count, 4, true, a, 1));
        }
        break;
    }
    case RR_ARROW_FIXED_SIZE_LIST: case RR_ARROW_STRUCT:
        break;
    default:
        return rfail(R, jcol, RR_ERR_UNSUPPORTED, "type %s is not supported",
                     rr_arrow_type_id_name(t.id));
    }
    if (nch > 0) {
        const rr_json_value_t *jch, *jfch;
        RR_TRY(member(R, jcol, "children", RR_JSON_ARRAY, true, &jch));
        RR_TRY(member(R, jf, "children", RR_JSON_ARRAY, true, &jfch));
        if ((int64_t)jch->u.array.count != nch)
            return rfail(R, jch, RR_ERR_INVALID_DATA, "%zu children, the field has %lld",
                         jch->u.array.count, (long long)nch);
        for (int64_t i = 0; i < nch; i++) {
            size_t old = rr_errpath_push(&R->path, ".children[%lld]", (long long)i);
            rr_status_t st = read_column(R, jfch->u.array.items[i], vs->children[i],
                                         jch->u.array.items[i], true, depth + 1, a->children[i]);
            rr_errpath_pop(&R->path, old);
            RR_TRY(st);
        }
    }
    if (is_dict) {
        const rr_json_value_t *jd;
        int64_t id;
        RR_TRY(member(R, jf, "dictionary", RR_JSON_OBJECT, true, &jd));
        RR_TRY(member_int(R, jd, "id", INT64_MIN, INT64_MAX, true, 0, &id));
        struct ArrowArray *dict = NULL;
        RR_TRY(build_dict(R, id, jcol, &dict));
        RR_TRY(rr_arrow_array_share(dict, a->dictionary, R->err));
    }
    return RR_OK;
}

static rr_status_t read_column(reader_t *R, const rr_json_value_t *jf,
                               const struct ArrowSchema *schema, const rr_json_value_t *jcol,
                               bool check_name, int depth, struct ArrowArray *a) {
    if (depth > 64) return rfail(R, jcol, RR_ERR_INVALID_DATA, "columns nested deeper than 64");
    if (jcol->type != RR_JSON_OBJECT)
        return rfail(R, jcol, RR_ERR_INVALID_DATA, "column must be an object");
    int64_t count;
    RR_TRY(member_int(R, jcol, "count", 0, INT64_MAX / 16, true, 0, &count));
    const rr_json_value_t *jname;
    RR_TRY(member(R, jcol, "name", RR_JSON_STRING, true, &jname));
    if (check_name && strcmp(jname->u.string.ptr, schema->name ? schema->name : ""))
        return rfail(R, jname, RR_ERR_INVALID_DATA, "column \"%.40s\" where the field is \"%.40s\"",
                     jname->u.string.ptr, schema->name ? schema->name : "");
    size_t old = rr_errpath_push(&R->path, "(\"%.40s\")", jname->u.string.ptr);
    rr_status_t st = read_column_body(R, jf, schema, jcol, count, depth, a);
    rr_errpath_pop(&R->path, old);
    if (st != RR_OK) rr_arrow_array_release(a);
    return st;
}

static rr_status_t build_dict(reader_t *R, int64_t id, const rr_json_value_t *at,
                              struct ArrowArray **out) {
    dict_slot_t *d = NULL;
    size_t idx = 0;
    for (; idx < R->ndicts; idx++)
        if (R->dicts[idx].id == id) {
            d = &R->dicts[idx];
            break;
        }
    if (!d) return rfail(R, at, RR_ERR_INVALID_DATA, "dictionary id %lld is not in the schema", (long long)id);
    if (d->state == 2) {
        *out = &d->array;
        return RR_OK;
    }
    if (d->state == 1)
        return rfail(R, at, RR_ERR_INVALID_DATA, "dictionary id %lld contains itself", (long long)id);
    if (!d->jdata)
        return rfail(R, at, RR_ERR_INVALID_DATA, "dictionary id %lld is missing from \"dictionaries\"",
                     (long long)id);
    d->state = 1;
    rr_errpath_t saved = R->path;
    rr_errpath_pop(&R->path, 0);
    rr_errpath_push(&R->path, "dictionaries(id %lld).data", (long long)id);
    const rr_json_value_t *jdata = d->jdata, *jcols;
    const rr_json_value_t *jfield = d->jfield;
    struct ArrowSchema *vs = d->value_schema;
    int64_t count;
    rr_status_t st = member_int(R, jdata, "count", 0, INT64_MAX / 16, true, 0, &count);
    if (st == RR_OK) st = member(R, jdata, "columns", RR_JSON_ARRAY, true, &jcols);
    if (st == RR_OK && jcols->u.array.count != 1)
        st = rfail(R, jcols, RR_ERR_INVALID_DATA, "a dictionary batch needs exactly one column");
    struct ArrowArray arr;
    memset(&arr, 0, sizeof arr);
    /* The dictionary column reads with the value schema: the JSON field
     * stands in for its type and children, minus the "dictionary" key that
     * would make it recurse into itself. */
    if (st == RR_OK) {
        rr_errpath_push(&R->path, ".columns[0]");
        struct ArrowSchema plain = *vs;
        plain.dictionary = NULL;
        st = read_column(R, jfield, &plain, jcols->u.array.items[0], false, 0, &arr);
    }
    if (st == RR_OK && arr.length != count)
        st = rfail(R, jdata, RR_ERR_INVALID_DATA, "count %lld but the column has %lld",
                   (long long)count, (long long)arr.length);
    if (st == RR_OK) st = rr_arrow_validate(vs, &arr, R->err);
    /* R->dicts may have moved while nested dictionaries were built. */
    d = &R->dicts[idx];
    if (st == RR_OK) {
        rr_arrow_array_move(&arr, &d->array);
        d->state = 2;
        *out = &d->array;
    } else {
        rr_arrow_array_release(&arr);
        d->state = 0;
    }
    R->path = saved;
    return st;
}

static void table_free(rr_arrow_table_t *t) {
    if (t->batches) {
        for (int64_t i = 0; i < t->n_batches; i++) rr_arrow_array_release(&t->batches[i]);
        free(t->batches);
    }
    rr_arrow_schema_release(&t->schema);
    memset(t, 0, sizeof *t);
}

static rr_status_t read_document(reader_t *R, const rr_json_value_t *doc, rr_arrow_table_t *out) {
    if (doc->type != RR_JSON_OBJECT)
        return rfail(R, doc, RR_ERR_INVALID_DATA, "the document must be an object");
    const rr_json_value_t *js, *jfields, *jbatches, *jdicts;
    RR_TRY(member(R, doc, "schema", RR_JSON_OBJECT, true, &js));
    RR_TRY(member(R, doc, "batches", RR_JSON_ARRAY, true, &jbatches));
    RR_TRY(member(R, doc, "dictionaries", RR_JSON_ARRAY, false, &jdicts));
    rr_errpath_push(&R->path, "schema");
    RR_TRY(member(R, js, "fields", RR_JSON_ARRAY, true, &jfields));
    int64_t nf = (int64_t)jfields->u.array.count;
    RR_TRY(rr_arrow_schema_init(&out->schema, "+s", "", 0, nf, R->err));
    for (int64_t i = 0; i < nf; i++) {
        size_t old = rr_errpath_push(&R->path, ".fields[%lld]", (long long)i);
        rr_status_t st = read_field(R, jfields->u.array.items[i], out->schema.children[i], 0);
        rr_errpath_pop(&R->path, old);
        RR_TRY(st);
    }
    RR_TRY(read_metadata(R, js, &out->schema));
    rr_errpath_pop(&R->path, 0);

    if (jdicts) {
        for (size_t i = 0; i < jdicts->u.array.count; i++) {
            const rr_json_value_t *e = jdicts->u.array.items[i], *jdata;
            rr_errpath_pop(&R->path, 0);
            rr_errpath_push(&R->path, "dictionaries[%zu]", i);
            if (e->type != RR_JSON_OBJECT)
                return rfail(R, e, RR_ERR_INVALID_DATA, "dictionary must be an object");
            int64_t id;
            RR_TRY(member_int(R, e, "id", INT64_MIN, INT64_MAX, true, 0, &id));
            RR_TRY(member(R, e, "data", RR_JSON_OBJECT, true, &jdata));
            dict_slot_t *d = NULL;
            for (size_t k = 0; k < R->ndicts; k++)
                if (R->dicts[k].id == id) d = &R->dicts[k];
            if (!d)
                return rfail(R, e, RR_ERR_INVALID_DATA, "dictionary id %lld is used by no field",
                             (long long)id);
            if (d->jdata)
                return rfail(R, e, RR_ERR_INVALID_DATA, "dictionary id %lld appears twice",
                             (long long)id);
            d->jdata = jdata;
        }
        rr_errpath_pop(&R->path, 0);
    }

    size_t nb = jbatches->u.array.count;
    out->batches = calloc(nb ? nb : 1, sizeof *out->batches);
    if (!out->batches) return nomem(R);
    for (size_t b = 0; b < nb; b++) {
        const rr_json_value_t *jb = jbatches->u.array.items[b], *jcols;
        rr_errpath_pop(&R->path, 0);
        rr_errpath_push(&R->path, "batches[%zu]", b);
        if (jb->type != RR_JSON_OBJECT)
            return rfail(R, jb, RR_ERR_INVALID_DATA, "batch must be an object");
        int64_t count;
        RR_TRY(member_int(R, jb, "count", 0, INT64_MAX / 16, true, 0, &count));
        RR_TRY(member(R, jb, "columns", RR_JSON_ARRAY, true, &jcols));
        if ((int64_t)jcols->u.array.count != nf)
            return rfail(R, jcols, RR_ERR_INVALID_DATA, "%zu columns, the schema has %lld fields",
                         jcols->u.array.count, (long long)nf);
        struct ArrowArray *ba = &out->batches[b];
        RR_TRY(rr_arrow_array_init(ba, 1, nf, false, R->err));
        out->n_batches = (int64_t)b + 1;
        ba->length = count;
        for (int64_t i = 0; i < nf; i++) {
            size_t old = rr_errpath_push(&R->path, ".columns[%lld]", (long long)i);
            RR_TRY(read_column(R, jfields->u.array.items[i], out->schema.children[i],
                               jcols->u.array.items[i], true, 0, ba->children[i]));
            if (ba->children[i]->length != count)
                return rfail(R, jcols->u.array.items[i], RR_ERR_INVALID_DATA,
                             "column count %lld, batch count %lld",
                             (long long)ba->children[i]->length, (long long)count);
            rr_errpath_pop(&R->path, old);
        }
        rr_status_t st = rr_arrow_validate(&out->schema, ba, R->err);
        if (st != RR_OK) return rr_error_prefix(R->err, "arrow json: batches[%zu]: ", b);
    }
    return RR_OK;
}

rr_status_t rr_arrow_json_read(const char *text, size_t len, rr_arrow_table_t *out,
                               rr_error_t *err) {
    memset(out, 0, sizeof *out);
    rr_arena_t arena = {0};
    arena.block_size = 1 << 20;
    rr_json_value_t *doc;
    rr_json_parse_options_t opts = {.max_depth = 0, .reject_duplicate_keys = true};
    rr_status_t st = rr_json_parse(text, len, &opts, &arena, &doc, err);
    if (st != RR_OK) {
        rr_arena_free(&arena);
        return err ? rr_error_prefix(err, "arrow json: ") : st;
    }
    reader_t R;
    memset(&R, 0, sizeof R);
    R.err = err;
    st = read_document(&R, doc, out);
    for (size_t i = 0; i < R.ndicts; i++) rr_arrow_array_release(&R.dicts[i].array);
    free(R.dicts);
    rr_arena_free(&arena);
    if (st != RR_OK) table_free(out);
    return st;
}

/* ====================== writing ====================== */

typedef struct dict_out {
    const struct ArrowSchema *schema; /* the dictionary-encoded field (index type) */
    int64_t id;
    const struct ArrowArray **inst; /* distinct dictionary arrays seen in the batches */
    size_t ninst, capinst;
} dict_out_t;

typedef struct writer {
    rr_error_t *err;
    rr_errpath_t path;
    dict_out_t *dicts;
    size_t ndicts, capdicts;
} writer_t;

static rr_status_t wfail(writer_t *W, rr_status_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static rr_status_t wfail(writer_t *W, rr_status_t code, const char *fmt, ...) {
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rr_error_set(W->err, code, "arrow json write: %s: %s", rr_errpath_str(&W->path, "<table>"), msg);
}


static rr_status_t assign_ids(writer_t *W, const struct ArrowSchema *s, int depth) {
    if (depth > 64) return wfail(W, RR_ERR_INVALID_DATA, "schema nested deeper than 64");
    if (s->dictionary) {
        if (W->ndicts == W->capdicts) {
            size_t nc = W->capdicts ? W->capdicts * 2 : 8;
            dict_out_t *n = realloc(W->dicts, nc * sizeof *n);
            if (!n) return wfail(W, RR_ERR_NOMEM, "out of memory");
            W->dicts = n;
            W->capdicts = nc;
        }
        dict_out_t *d = &W->dicts[W->ndicts];
        memset(d, 0, sizeof *d);
        d->schema = s;
        d->id = (int64_t)W->ndicts++;
        s = s->dictionary;
    }
    for (int64_t i = 0; i < s->n_children; i++) RR_TRY(assign_ids(W, s->children[i], depth + 1));
    return RR_OK;
}

static dict_out_t *find_dict(writer_t *W, const struct ArrowSchema *s) {
    for (size_t i = 0; i < W->ndicts; i++)
        if (W->dicts[i].schema == s) return &W->dicts[i];
    return NULL;
}

static rr_status_t gather(writer_t *W, const struct ArrowSchema *s, const struct ArrowArray *a) {
    if (s->dictionary) {
        dict_out_t *d = find_dict(W, s);
        if (!d || !a->dictionary) return wfail(W, RR_ERR_INTERNAL, "dictionary bookkeeping");
        bool seen = false;
        for (size_t i = 0; i < d->ninst && !seen; i++) seen = d->inst[i] == a->dictionary;
        if (!seen) {
            if (d->ninst == d->capinst) {
                size_t nc = d->capinst ? d->capinst * 2 : 4;
                const struct ArrowArray **n = realloc(d->inst, nc * sizeof *n);
                if (!n) return wfail(W, RR_ERR_NOMEM, "out of memory");
                d->inst = n;
                d->capinst = nc;
            }
            d->inst[d->ninst++] = a->dictionary;
        }
        return gather(W, s->dictionary, a->dictionary);
    }
    for (int64_t i = 0; i < s->n_children && i < a->n_children; i++)
        RR_TRY(gather(W, s->children[i], a->children[i]));
    return RR_OK;
}

static void write_type(rr_json_writer_t *w, const rr_arrow_type_t *t, bool keys_sorted) {
    rr_json_begin_object(w);
    rr_json_key(w, "name");
    switch (t->id) {
    case RR_ARROW_NA: rr_json_string(w, "null"); break;
    case RR_ARROW_BOOL: rr_json_string(w, "bool"); break;
    case RR_ARROW_INT8: case RR_ARROW_UINT8: case RR_ARROW_INT16: case RR_ARROW_UINT16:
    case RR_ARROW_INT32: case RR_ARROW_UINT32: case RR_ARROW_INT64: case RR_ARROW_UINT64: {
        rr_arrow_layout_t l = rr_arrow_type_layout(t);
        rr_json_string(w, "int");
        rr_json_key(w, "isSigned");
        rr_json_bool(w, t->id == RR_ARROW_INT8 || t->id == RR_ARROW_INT16 ||
                            t->id == RR_ARROW_INT32 || t->id == RR_ARROW_INT64);
        rr_json_key(w, "bitWidth");
        rr_json_int(w, l.data_bit_width);
        break;
    }
    case RR_ARROW_HALF_FLOAT: case RR_ARROW_FLOAT: case RR_ARROW_DOUBLE:
        rr_json_string(w, "floatingpoint");
        rr_json_key(w, "precision");
        rr_json_string(w, t->id == RR_ARROW_HALF_FLOAT ? "HALF"
                          : t->id == RR_ARROW_FLOAT    ? "SINGLE"
                                                       : "DOUBLE");
        break;
    case RR_ARROW_STRING: rr_json_string(w, "utf8"); break;
    case RR_ARROW_LARGE_STRING: rr_json_string(w, "largeutf8"); break;
    case RR_ARROW_BINARY: rr_json_string(w, "binary"); break;
    case RR_ARROW_LARGE_BINARY: rr_json_string(w, "largebinary"); break;
    case RR_ARROW_FIXED_SIZE_BINARY:
        rr_json_string(w, "fixedsizebinary");
        rr_json_key(w, "byteWidth");
        rr_json_int(w, t->fixed_size);
        break;
    case RR_ARROW_DATE32: case RR_ARROW_DATE64:
        rr_json_string(w, "date");
        rr_json_key(w, "unit");
        rr_json_string(w, t->id == RR_ARROW_DATE32 ? "DAY" : "MILLISECOND");
        break;
    case RR_ARROW_TIME32: case RR_ARROW_TIME64:
        rr_json_string(w, "time");
        rr_json_key(w, "unit");
        rr_json_string(w, k_units[t->unit]);
        rr_json_key(w, "bitWidth");
        rr_json_int(w, t->id == RR_ARROW_TIME32 ? 32 : 64);
        break;
    case RR_ARROW_TIMESTAMP:
        rr_json_string(w, "timestamp");
        rr_json_key(w, "unit");
        rr_json_string(w, k_units[t->unit]);
        if (t->timezone && t->timezone[0]) {
            rr_json_key(w, "timezone");
            rr_json_string(w, t->timezone);
        }
        break;
    case RR_ARROW_DURATION:
        rr_json_string(w, "duration");
        rr_json_key(w, "unit");
        rr_json_string(w, k_units[t->unit]);
        break;
    case RR_ARROW_INTERVAL_MONTHS: case RR_ARROW_INTERVAL_DAY_TIME:
    case RR_ARROW_INTERVAL_MONTH_DAY_NANO:
        rr_json_string(w, "interval");
        rr_json_key(w, "unit");
        rr_json_string(w, t->id == RR_ARROW_INTERVAL_MONTHS     ? "YEAR_MONTH"
                          : t->id == RR_ARROW_INTERVAL_DAY_TIME ? "DAY_TIME"
                                                                : "MONTH_DAY_NANO");
        break;
    case RR_ARROW_DECIMAL32: case RR_ARROW_DECIMAL64: case RR_ARROW_DECIMAL128:
    case RR_ARROW_DECIMAL256:
        rr_json_string(w, "decimal");
        rr_json_key(w, "precision");
        rr_json_int(w, t->precision);
        rr_json_key(w, "scale");
        rr_json_int(w, t->scale);
        rr_json_key(w, "bitWidth");
        rr_json_int(w, rr_arrow_type_layout(t).data_bit_width);
        break;
    case RR_ARROW_LIST: rr_json_string(w, "list"); break;
    case RR_ARROW_LARGE_LIST: rr_json_string(w, "largelist"); break;
    case RR_ARROW_FIXED_SIZE_LIST:
        rr_json_string(w, "fixedsizelist");
        rr_json_key(w, "listSize");
        rr_json_int(w, t->fixed_size);
        break;
    case RR_ARROW_STRUCT: rr_json_string(w, "struct"); break;
    case RR_ARROW_MAP:
        rr_json_string(w, "map");
        rr_json_key(w, "keysSorted");
        rr_json_bool(w, keys_sorted);
        break;
    case RR_ARROW_SPARSE_UNION: case RR_ARROW_DENSE_UNION:
        rr_json_string(w, "union");
        rr_json_key(w, "mode");
        rr_json_string(w, t->id == RR_ARROW_SPARSE_UNION ? "SPARSE" : "DENSE");
        rr_json_key(w, "typeIds");
        rr_json_begin_array(w);
        for (int32_t i = 0; i < t->n_type_codes; i++) rr_json_int(w, t->type_codes[i]);
        rr_json_end_array(w);
        break;
    default: rr_json_string(w, "?"); break;
    }
    rr_json_end_object(w);
}

static void write_metadata(rr_json_writer_t *w, const char *md) {
    int32_t n = rr_arrow_metadata_count(md);
    if (n <= 0) return;
    rr_json_key(w, "metadata");
    rr_json_begin_array(w);
    for (int32_t i = 0; i < n; i++) {
        rr_arrow_kv_t kv;
        rr_arrow_metadata_get(md, i, &kv);
        rr_json_begin_object(w);
        rr_json_key(w, "key");
        rr_json_string_n(w, kv.key, (size_t)kv.key_len);
        rr_json_key(w, "value");
        rr_json_string_n(w, kv.value, (size_t)kv.value_len);
        rr_json_end_object(w);
    }
    rr_json_end_array(w);
}

static rr_status_t write_field(writer_t *W, rr_json_writer_t *w, const struct ArrowSchema *s) {
    const struct ArrowSchema *vs = s->dictionary ? s->dictionary : s;
    rr_arrow_type_t t;
    RR_TRY(rr_arrow_type_parse(vs->format, &t, W->err));
    const char *name = s->name ? s->name : "";
    size_t old = rr_errpath_push(&W->path, "%s'%.40s'", W->path.len ? "." : "", name);
    if (rr_utf8_valid_prefix(name, strlen(name)) != strlen(name))
        return wfail(W, RR_ERR_INVALID_DATA, "field name is not valid UTF-8");
    rr_json_begin_object(w);
    rr_json_key(w, "name");
    rr_json_string(w, name);
    rr_json_key(w, "nullable");
    rr_json_bool(w, (s->flags & ARROW_FLAG_NULLABLE) != 0);
    rr_json_key(w, "type");
    write_type(w, &t, (vs->flags & ARROW_FLAG_MAP_KEYS_SORTED) != 0);
    rr_json_key(w, "children");
    rr_json_begin_array(w);
    for (int64_t i = 0; i < vs->n_children; i++) RR_TRY(write_field(W, w, vs->children[i]));
    rr_json_end_array(w);
    if (s->dictionary) {
        dict_out_t *d = find_dict(W, s);
        rr_arrow_type_t it;
        RR_TRY(rr_arrow_type_parse(s->format, &it, W->err));
        rr_json_key(w, "dictionary");
        rr_json_begin_object(w);
        rr_json_key(w, "id");
        rr_json_int(w, d ? d->id : 0);
        rr_json_key(w, "indexType");
        write_type(w, &it, false);
        rr_json_key(w, "isOrdered");
        rr_json_bool(w, (s->flags & ARROW_FLAG_DICTIONARY_ORDERED) != 0);
        rr_json_end_object(w);
    }
    write_metadata(w, s->metadata);
    rr_json_end_object(w);
    rr_errpath_pop(&W->path, old);
    return RR_OK;
}

static void hex_string(rr_json_writer_t *w, const uint8_t *p, size_t n, rr_buf_t *tmp) {
    static const char digits[] = "0123456789ABCDEF";
    tmp->len = 0;
    if (rr_buf_reserve(tmp, 2 * n + 1) != RR_OK) {
        w->status = w->status == RR_OK ? RR_ERR_NOMEM : w->status;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        tmp->data[2 * i] = (uint8_t)digits[p[i] >> 4];
        tmp->data[2 * i + 1] = (uint8_t)digits[p[i] & 15];
    }
    rr_json_string_n(w, n ? (const char *)tmp->data : "", 2 * n);
}

static void write_double(rr_json_writer_t *w, double d) {
    if (isnan(d)) rr_json_string(w, "NaN");
    else if (isinf(d)) rr_json_string(w, d > 0 ? "Infinity" : "-Infinity");
    else rr_json_double(w, d);
}

/* A column: arr's logical slots [off, off+len), off counted in arr's buffers
 * (arr->offset already added). */
static rr_status_t write_column(writer_t *W, rr_json_writer_t *w, const struct ArrowSchema *s,
                                const struct ArrowArray *a, int64_t off, int64_t len,
                                const char *name, rr_buf_t *tmp) {
    rr_arrow_type_t t;
    RR_TRY(rr_arrow_type_parse(s->format, &t, W->err));
    rr_arrow_layout_t l = rr_arrow_type_layout(&t);
    size_t old = rr_errpath_push(&W->path, "%s'%.40s'", W->path.len ? "." : "", name);
    rr_json_begin_object(w);
    rr_json_key(w, "name");
    rr_json_string(w, name);
    rr_json_key(w, "count");
    rr_json_int(w, len);
    if (t.id == RR_ARROW_NA) goto end;
    if (l.kinds[0] == RR_ARROW_BUF_VALIDITY) {
        const uint8_t *bits = a->buffers[0];
        rr_json_key(w, "VALIDITY");
        rr_json_begin_array(w);
        for (int64_t i = 0; i < len; i++) rr_json_int(w, bits ? rr_arrow_bit_get(bits, off + i) : 1);
        rr_json_end_array(w);
    }
    const uint8_t *data = a->n_buffers > 1 ? a->buffers[1] : NULL;
    int bytes = l.data_bit_width / 8;
    switch (t.id) {
    case RR_ARROW_BOOL:
        rr_json_key(w, "DATA");
        rr_json_begin_array(w);
        for (int64_t i = 0; i < len; i++) rr_json_bool(w, rr_arrow_bit_get(data, off + i));
        rr_json_end_array(w);
        break;
    case RR_ARROW_INT8: case RR_ARROW_UINT8: case RR_ARROW_INT16: case RR_ARROW_UINT16:
    case RR_ARROW_INT32: case RR_ARROW_UINT32: case RR_ARROW_INT64: case RR_ARROW_UINT64:
    case RR_ARROW_DATE32: case RR_ARROW_DATE64: case RR_ARROW_TIME32: case RR_ARROW_TIME64:
    case RR_ARROW_TIMESTAMP: case RR_ARROW_DURATION: case RR_ARROW_INTERVAL_MONTHS:
        rr_json_key(w, "DATA");
        rr_json_begin_array(w);
        for (int64_t i = 0; i < len; i++) {
            const uint8_t *p = data + (off + i) * bytes;
            char b[32];
            switch (t.id) {
            case RR_ARROW_INT8: rr_json_int(w, (int8_t)p[0]); break;
            case RR_ARROW_UINT8: rr_json_int(w, p[0]); break;
            case RR_ARROW_INT16: { int16_t x; memcpy(&x, p, 2); rr_json_int(w, x); break; }
            case RR_ARROW_UINT16: { uint16_t x; memcpy(&x, p, 2); rr_json_int(w, x); break; }
            case RR_ARROW_UINT32: { uint32_t x; memcpy(&x, p, 4); rr_json_int(w, x); break; }
            case RR_ARROW_UINT64: {
                uint64_t x;
                memcpy(&x, p, 8);
                snprintf(b, sizeof b, "%llu", (unsigned long long)x);
                rr_json_string(w, b);
                break;
            }
            default:
                if (bytes == 4) {
                    int32_t x;
                    memcpy(&x, p, 4);
                    rr_json_int(w, x);
                } else {
                    int64_t x;
                    memcpy(&x, p, 8);
                    snprintf(b, sizeof b, "%lld", (long long)x);
                    rr_json_string(w, b);
                }
                break;
            }
        }
        rr_json_end_array(w);
        break;
    case RR_ARROW_HALF_FLOAT: case RR_ARROW_FLOAT: case RR_ARROW_DOUBLE:
        rr_json_key(w, "DATA");
        rr_json_begin_array(w);
        for (int64_t i = 0; i < len; i++) {
            const uint8_t *p = data + (off + i) * bytes;
            if (t.id == RR_ARROW_DOUBLE) {
                double d;
                memcpy(&d, p, 8);
                write_double(w, d);
            } else if (t.id == RR_ARROW_FLOAT) {
                float f;
                memcpy(&f, p, 4);
                if (isfinite(f)) rr_json_float(w, f);
                else write_double(w, f);
            } else {
                uint16_t h;
                memcpy(&h, p, 2);
                double d = half_to_float(h);
                if (!isfinite(d)) {
                    write_double(w, d);
                    continue;
                }
                char b[40];
                int n = 0;
                for (int prec = 1; prec <= 17; prec++) {
                    n = snprintf(b, sizeof b, "%.*g", prec, d);
                    if (double_to_half(strtod(b, NULL)) == h) break;
                }
                rr_json_raw(w, b, (size_t)n);
            }
        }
        rr_json_end_array(w);
        break;
    case RR_ARROW_INTERVAL_DAY_TIME: case RR_ARROW_INTERVAL_MONTH_DAY_NANO: {
        bool mdn = t.id == RR_ARROW_INTERVAL_MONTH_DAY_NANO;
        rr_json_key(w, "DATA");
        rr_json_begin_array(w);
        for (int64_t i = 0; i < len; i++) {
            const uint8_t *p = data + (off + i) * bytes;
            int32_t x0, x1;
            int64_t x2;
            memcpy(&x0, p, 4);
            memcpy(&x1, p + 4, 4);
            rr_json_begin_object(w);
            rr_json_key(w, mdn ? "months" : "days");
            rr_json_int(w, x0);
            rr_json_key(w, mdn ? "days" : "milliseconds");
            rr_json_int(w, x1);
            if (mdn) {
                memcpy(&x2, p + 8, 8);
                rr_json_key(w, "nanoseconds");
                rr_json_int(w, x2);
            }
            rr_json_end_object(w);
        }
        rr_json_end_array(w);
        break;
    }
    case RR_ARROW_DECIMAL32: case RR_ARROW_DECIMAL64: case RR_ARROW_DECIMAL128:
    case RR_ARROW_DECIMAL256:
        rr_json_key(w, "DATA");
        rr_json_begin_array(w);
        for (int64_t i = 0; i < len; i++) {
            const uint8_t *p = data + (off + i) * bytes;
            uint8_t full[32];
            memset(full, (p[bytes - 1] & 0x80) ? 0xFF : 0x00, 32);
            memcpy(full, p, (size_t)bytes);
            u256_t x;
            memcpy(x.l, full, 32);
            char b[80];
            u256_format(x, b);
            rr_json_string(w, b);
        }
        rr_json_end_array(w);
        break;
    case RR_ARROW_FIXED_SIZE_BINARY:
        rr_json_key(w, "DATA");
        rr_json_begin_array(w);
        for (int64_t i = 0; i < len; i++)
            hex_string(w, data + (off + i) * t.fixed_size, (size_t)t.fixed_size, tmp);
        rr_json_end_array(w);
        break;
    case RR_ARROW_STRING: case RR_ARROW_LARGE_STRING: case RR_ARROW_BINARY:
    case RR_ARROW_LARGE_BINARY: {
        bool large = t.id == RR_ARROW_LARGE_STRING || t.id == RR_ARROW_LARGE_BINARY;
        bool hex = t.id == RR_ARROW_BINARY || t.id == RR_ARROW_LARGE_BINARY;
        const uint8_t *bytes_buf = a->buffers[2];
#define OFF_AT(k) (large ? ((const int64_t *)data)[k] : (int64_t)((const int32_t *)data)[k])
        int64_t base = len ? OFF_AT(off) : 0;
        rr_json_key(w, "OFFSET");
        rr_json_begin_array(w);
        for (int64_t i = 0; i <= len; i++) {
            int64_t o = len ? OFF_AT(off + i) - base : 0;
            if (large) {
                char b[32];
                snprintf(b, sizeof b, "%lld", (long long)o);
                rr_json_string(w, b);
            } else {
                rr_json_int(w, o);
            }
        }
        rr_json_end_array(w);
        rr_json_key(w, "DATA");
        rr_json_begin_array(w);
        for (int64_t i = 0; i < len; i++) {
            int64_t s0 = OFF_AT(off + i), s1 = OFF_AT(off + i + 1);
            const char *p = (const char *)bytes_buf + s0;
            size_t n = (size_t)(s1 - s0);
            if (hex) {
                hex_string(w, (const uint8_t *)p, n, tmp);
            } else {
                if (rr_utf8_valid_prefix(p, n) != n)
                    return wfail(W, RR_ERR_INVALID_DATA, "slot %lld is not valid UTF-8",
                                 (long long)(off + i - a->offset));
                rr_json_string_n(w, n ? p : "", n);
            }
        }
        rr_json_end_array(w);
        break;
    }
    case RR_ARROW_LIST: case RR_ARROW_LARGE_LIST: case RR_ARROW_MAP: {
        bool large = t.id == RR_ARROW_LARGE_LIST;
        int64_t base = OFF_AT(off), last = OFF_AT(off + len);
        rr_json_key(w, "OFFSET");
        rr_json_begin_array(w);
        for (int64_t i = 0; i <= len; i++) {
            int64_t o = OFF_AT(off + i) - base;
            if (large) {
                char b[32];
                snprintf(b, sizeof b, "%lld", (long long)o);
                rr_json_string(w, b);
            } else {
                rr_json_int(w, o);
            }
        }
        rr_json_end_array(w);
        rr_json_key(w, "children");
        rr_json_begin_array(w);
        const struct ArrowArray *c = a->children[0];
        RR_TRY(write_column(W, w, s->children[0], c, c->offset + base, last - base,
                            s->children[0]->name ? s->children[0]->name : "", tmp));
        rr_json_end_array(w);
        break;
#undef OFF_AT
    }
    case RR_ARROW_FIXED_SIZE_LIST: {
        rr_json_key(w, "children");
        rr_json_begin_array(w);
        const struct ArrowArray *c = a->children[0];
        RR_TRY(write_column(W, w, s->children[0], c, c->offset + off * t.fixed_size,
                            len * t.fixed_size, s->children[0]->name ? s->children[0]->name : "",
                            tmp));
        rr_json_end_array(w);
        break;
    }
    case RR_ARROW_STRUCT: case RR_ARROW_SPARSE_UNION: case RR_ARROW_DENSE_UNION: {
        bool dense = t.id == RR_ARROW_DENSE_UNION;
        if (t.id != RR_ARROW_STRUCT) {
            const int8_t *ids = a->buffers[0];
            rr_json_key(w, "TYPE_ID");
            rr_json_begin_array(w);
            for (int64_t i = 0; i < len; i++) rr_json_int(w, ids[off + i]);
            rr_json_end_array(w);
        }
        if (dense) {
            const int32_t *uo = a->buffers[1];
            rr_json_key(w, "OFFSET");
            rr_json_begin_array(w);
            for (int64_t i = 0; i < len; i++) rr_json_int(w, uo[off + i]);
            rr_json_end_array(w);
        }
        rr_json_key(w, "children");
        rr_json_begin_array(w);
        for (int64_t k = 0; k < s->n_children; k++) {
            const struct ArrowArray *c = a->children[k];
            const char *cn = s->children[k]->name ? s->children[k]->name : "";
            /* Dense children are written whole: the offsets index into them. */
            RR_TRY(write_column(W, w, s->children[k], c, dense ? c->offset : c->offset + off,
                                dense ? c->length : len, cn, tmp));
        }
        rr_json_end_array(w);
        break;
    }
    default:
        return wfail(W, RR_ERR_UNSUPPORTED, "type %s is not supported",
                     rr_arrow_type_id_name(t.id));
    }
end:
    rr_json_end_object(w);
    rr_errpath_pop(&W->path, old);
    if (w->status != RR_OK) return rr_json_writer_finish(w, W->err);
    return RR_OK;
}

/* Compact JSON of a dictionary's first len values, to compare instances. */
static rr_status_t dict_text(writer_t *W, const struct ArrowSchema *vs, const struct ArrowArray *a,
                             int64_t len, rr_buf_t *out, rr_buf_t *tmp) {
    out->len = 0;
    rr_json_writer_t w;
    rr_json_writer_init(&w, out, 0);
    RR_TRY(write_column(W, &w, vs, a, a->offset, len, "", tmp));
    return rr_json_writer_finish(&w, W->err);
}

/* Picks the dictionary of d to write: the longest instance, when every
 * other instance is a prefix of it. Returns it in *best (NULL: none seen). */
static rr_status_t choose_dict(writer_t *W, dict_out_t *d, const struct ArrowArray **best) {
    *best = NULL;
    if (d->ninst == 0) return RR_OK;
    const struct ArrowArray *b = d->inst[0];
    for (size_t i = 1; i < d->ninst; i++)
        if (d->inst[i]->length > b->length) b = d->inst[i];
    const struct ArrowSchema *vs = d->schema->dictionary;
    rr_buf_t t1 = {0}, t2 = {0}, tmp = {0};
    rr_status_t st = RR_OK;
    for (size_t i = 0; i < d->ninst && st == RR_OK; i++) {
        const struct ArrowArray *x = d->inst[i];
        if (x == b) continue;
        bool same_buffers = x->length == b->length && x->offset == b->offset &&
                            x->n_buffers == b->n_buffers && x->n_children == b->n_children;
        for (int64_t k = 0; same_buffers && k < x->n_buffers; k++)
            same_buffers = x->buffers[k] == b->buffers[k];
        for (int64_t k = 0; same_buffers && k < x->n_children; k++)
            same_buffers = x->children[k] == b->children[k];
        if (same_buffers && x->dictionary == b->dictionary) continue;
        st = dict_text(W, vs, x, x->length, &t1, &tmp);
        if (st == RR_OK) st = dict_text(W, vs, b, x->length, &t2, &tmp);
        if (st == RR_OK && (t1.len != t2.len || memcmp(t1.data, t2.data, t1.len)))
            st = wfail(W, RR_ERR_UNSUPPORTED,
                       "field '%.40s': the dictionary changes between batches, and the JSON "
                       "format holds one dictionary per id",
                       d->schema->name ? d->schema->name : "");
    }
    rr_buf_free(&t1);
    rr_buf_free(&t2);
    rr_buf_free(&tmp);
    if (st == RR_OK) *best = b;
    return st;
}

static rr_status_t write_document(writer_t *W, const rr_arrow_table_t *table, rr_json_writer_t *w) {
    const struct ArrowSchema *s = &table->schema;
    if (!s->release || !s->format || strcmp(s->format, "+s"))
        return wfail(W, RR_ERR_INVALID_ARG, "the table schema must be a struct (\"+s\")");
    RR_TRY(assign_ids(W, s, 0));
    for (int64_t b = 0; b < table->n_batches; b++) {
        size_t old = rr_errpath_push(&W->path, "batches[%lld]", (long long)b);
        RR_TRY(rr_arrow_validate(s, &table->batches[b], W->err));
        RR_TRY(gather(W, s, &table->batches[b]));
        rr_errpath_pop(&W->path, old);
    }
    rr_buf_t tmp = {0};
    rr_status_t st = RR_OK;
    rr_json_begin_object(w);
    rr_json_key(w, "schema");
    rr_json_begin_object(w);
    rr_json_key(w, "fields");
    rr_json_begin_array(w);
    for (int64_t i = 0; i < s->n_children && st == RR_OK; i++) {
        size_t old = rr_errpath_push(&W->path, "schema.fields[%lld]", (long long)i);
        st = write_field(W, w, s->children[i]);
        rr_errpath_pop(&W->path, old);
    }
    rr_json_end_array(w);
    write_metadata(w, s->metadata);
    rr_json_end_object(w);
    bool any = false;
    for (size_t i = 0; i < W->ndicts && st == RR_OK; i++) {
        const struct ArrowArray *best;
        st = choose_dict(W, &W->dicts[i], &best);
        if (st != RR_OK || !best) continue;
        if (!any) {
            rr_json_key(w, "dictionaries");
            rr_json_begin_array(w);
            any = true;
        }
        char name[32];
        snprintf(name, sizeof name, "DICT%lld", (long long)W->dicts[i].id);
        size_t old = rr_errpath_push(&W->path, "dictionaries[%zu]", i);
        rr_json_begin_object(w);
        rr_json_key(w, "id");
        rr_json_int(w, W->dicts[i].id);
        rr_json_key(w, "data");
        rr_json_begin_object(w);
        rr_json_key(w, "count");
        rr_json_int(w, best->length);
        rr_json_key(w, "columns");
        rr_json_begin_array(w);
        st = write_column(W, w, W->dicts[i].schema->dictionary, best, best->offset, best->length,
                          name, &tmp);
        rr_json_end_array(w);
        rr_json_end_object(w);
        rr_json_end_object(w);
        rr_errpath_pop(&W->path, old);
    }
    if (any) rr_json_end_array(w);
    rr_json_key(w, "batches");
    rr_json_begin_array(w);
    for (int64_t b = 0; b < table->n_batches && st == RR_OK; b++) {
        const struct ArrowArray *ba = &table->batches[b];
        size_t old = rr_errpath_push(&W->path, "batches[%lld]", (long long)b);
        rr_json_begin_object(w);
        rr_json_key(w, "count");
        rr_json_int(w, ba->length);
        rr_json_key(w, "columns");
        rr_json_begin_array(w);
        for (int64_t i = 0; i < s->n_children && st == RR_OK; i++) {
            const struct ArrowArray *c = ba->children[i];
            st = write_column(W, w, s->children[i], c, c->offset + ba->offset, ba->length,
                              s->children[i]->name ? s->children[i]->name : "", &tmp);
        }
        rr_json_end_array(w);
        rr_json_end_object(w);
        rr_errpath_pop(&W->path, old);
    }
    rr_json_end_array(w);
    rr_json_end_object(w);
    rr_buf_free(&tmp);
    return st;
}

rr_status_t rr_arrow_json_write(const rr_arrow_table_t *table, rr_buf_t *out, rr_error_t *err) {
    writer_t W;
    memset(&W, 0, sizeof W);
    W.err = err;
    size_t start = out->len;
    rr_json_writer_t *w = malloc(sizeof *w);
    if (!w) return rr_error_set(err, RR_ERR_NOMEM, "arrow json write: out of memory");
    rr_json_writer_init(w, out, 2);
    rr_status_t st = write_document(&W, table, w);
    if (st == RR_OK) st = rr_json_writer_finish(w, err);
    if (st == RR_OK) st = rr_buf_append_u8(out, '\n');
    for (size_t i = 0; i < W.ndicts; i++) free(W.dicts[i].inst);
    free(W.dicts);
    free(w);
    if (st != RR_OK) out->len = start;
    return st;
}
