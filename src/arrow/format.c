/* Cells as compact text (see format.h). The printer writes through a small
 * sink that is either a stdio stream or a fixed buffer, so the CLI streams
 * and the viewer fills a label with the same rules. */
#include "arrow/format.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/type.h"

typedef struct sink {
    FILE *f;
    char *buf;
    size_t cap, len; /* buf holds len bytes and a NUL */
    bool full;
} sink_t;

static void s_write(sink_t *o, const char *p, size_t n) {
    if (o->f) {
        fwrite(p, 1, n, o->f);
        return;
    }
    if (o->full) return;
    size_t room = o->cap - 1 - o->len;
    if (n > room) {
        n = room;
        o->full = true;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    o->buf[o->len] = 0;
}

static void s_puts(sink_t *o, const char *p) { s_write(o, p, strlen(p)); }
static void s_putc(sink_t *o, char c) { s_write(o, &c, 1); }

__attribute__((format(printf, 2, 3))) static void s_printf(sink_t *o, const char *fmt, ...) {
    char b[96];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    s_write(o, b, (size_t)n < sizeof b ? (size_t)n : sizeof b - 1);
}

static void put_float(sink_t *o, double v, bool single, rr_arrow_style_t style) {
    if (isnan(v) || isinf(v)) {
        /* JSON has no NaN or infinity. */
        s_puts(o, style == RR_ARROW_STYLE_JSON ? "null" : isnan(v) ? "NaN" : v < 0 ? "-inf" : "inf");
        return;
    }
    /* The shortest form that reads back as the same value. */
    char b[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(b, sizeof b, "%.*g", p, v);
        double back = strtod(b, NULL);
        if (single ? (float)back == (float)v : back == v) break;
    }
    s_puts(o, b);
}

static double half_to_double(uint16_t h) {
    int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double v = exp == 0 ? ldexp(mant, -24) : exp == 31 ? (mant ? NAN : INFINITY)
                                                       : ldexp(mant | 0x400, exp - 25);
    return (h & 0x8000) ? -v : v;
}

static void put_json_string(sink_t *o, const uint8_t *s, int64_t len) {
    s_putc(o, '"');
    for (int64_t i = 0; i < len && !o->full; i++) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\')
            s_printf(o, "\\%c", c);
        else if (c == '\n')
            s_puts(o, "\\n");
        else if (c == '\t')
            s_puts(o, "\\t");
        else if (c == '\r')
            s_puts(o, "\\r");
        else if (c < 0x20 || c == 0x7f)
            s_printf(o, "\\u%04x", c);
        else
            s_putc(o, (char)c);
    }
    s_putc(o, '"');
}

static void put_hex(sink_t *o, const uint8_t *p, int64_t len, rr_arrow_style_t style) {
    const char *q = style == RR_ARROW_STYLE_JSON ? "\"" : "";
    s_printf(o, "%s0x", q);
    for (int64_t i = 0; i < len && !o->full; i++) s_printf(o, "%02x", p[i]);
    s_puts(o, q);
}

static void put_value(sink_t *o, const struct ArrowSchema *schema, const struct ArrowArray *a, int64_t i,
                      rr_arrow_style_t style) {
    if (o->full) return; /* a huge list into a small label: nothing more fits */
    const bool json = style == RR_ARROW_STYLE_JSON;
    rr_arrow_type_t t;
    if (rr_arrow_type_parse(schema->format, &t, NULL) != RR_OK) {
        s_printf(o, json ? "null" : "<%s>", schema->format);
        return;
    }
    if (t.id == RR_ARROW_NA) {
        s_puts(o, "null");
        return;
    }
    int64_t j = a->offset + i; /* physical slot */
    bool is_union = t.id == RR_ARROW_SPARSE_UNION || t.id == RR_ARROW_DENSE_UNION;
    if (!is_union && !rr_arrow_array_is_valid(a, i)) {
        s_puts(o, "null");
        return;
    }
    if (schema->dictionary && a->dictionary) {
        int64_t k;
        switch (t.id) {
        case RR_ARROW_INT8: k = ((const int8_t *)a->buffers[1])[j]; break;
        case RR_ARROW_UINT8: k = ((const uint8_t *)a->buffers[1])[j]; break;
        case RR_ARROW_INT16: k = ((const int16_t *)a->buffers[1])[j]; break;
        case RR_ARROW_UINT16: k = ((const uint16_t *)a->buffers[1])[j]; break;
        case RR_ARROW_INT32: k = ((const int32_t *)a->buffers[1])[j]; break;
        case RR_ARROW_UINT32: k = ((const uint32_t *)a->buffers[1])[j]; break;
        default: k = ((const int64_t *)a->buffers[1])[j]; break;
        }
        put_value(o, schema->dictionary, a->dictionary, k, style);
        return;
    }
    const void *b1 = a->n_buffers > 1 ? a->buffers[1] : NULL;
    switch (t.id) {
    case RR_ARROW_BOOL: s_puts(o, rr_arrow_bit_get(b1, j) ? "true" : "false"); break;
    case RR_ARROW_INT8: s_printf(o, "%d", ((const int8_t *)b1)[j]); break;
    case RR_ARROW_UINT8: s_printf(o, "%u", ((const uint8_t *)b1)[j]); break;
    case RR_ARROW_INT16: s_printf(o, "%d", ((const int16_t *)b1)[j]); break;
    case RR_ARROW_UINT16: s_printf(o, "%u", ((const uint16_t *)b1)[j]); break;
    case RR_ARROW_INT32:
    case RR_ARROW_DATE32:
    case RR_ARROW_TIME32:
    case RR_ARROW_INTERVAL_MONTHS: s_printf(o, "%" PRId32, ((const int32_t *)b1)[j]); break;
    case RR_ARROW_UINT32: s_printf(o, "%" PRIu32, ((const uint32_t *)b1)[j]); break;
    case RR_ARROW_INT64:
    case RR_ARROW_DATE64:
    case RR_ARROW_TIME64:
    case RR_ARROW_TIMESTAMP:
    case RR_ARROW_DURATION: s_printf(o, "%" PRId64, ((const int64_t *)b1)[j]); break;
    case RR_ARROW_UINT64: s_printf(o, "%" PRIu64, ((const uint64_t *)b1)[j]); break;
    case RR_ARROW_HALF_FLOAT: put_float(o, half_to_double(((const uint16_t *)b1)[j]), true, style); break;
    case RR_ARROW_FLOAT: put_float(o, ((const float *)b1)[j], true, style); break;
    case RR_ARROW_DOUBLE: put_float(o, ((const double *)b1)[j], false, style); break;
    case RR_ARROW_STRING:
    case RR_ARROW_BINARY: {
        const int32_t *off = b1;
        const uint8_t *d = a->buffers[2];
        if (t.id == RR_ARROW_STRING)
            put_json_string(o, d + off[j], off[j + 1] - off[j]);
        else
            put_hex(o, d + off[j], off[j + 1] - off[j], style);
        break;
    }
    case RR_ARROW_LARGE_STRING:
    case RR_ARROW_LARGE_BINARY: {
        const int64_t *off = b1;
        const uint8_t *d = a->buffers[2];
        if (t.id == RR_ARROW_LARGE_STRING)
            put_json_string(o, d + off[j], off[j + 1] - off[j]);
        else
            put_hex(o, d + off[j], off[j + 1] - off[j], style);
        break;
    }
    case RR_ARROW_FIXED_SIZE_BINARY:
        put_hex(o, (const uint8_t *)b1 + j * t.fixed_size, t.fixed_size, style);
        break;
    case RR_ARROW_INTERVAL_DAY_TIME: put_hex(o, (const uint8_t *)b1 + j * 8, 8, style); break;
    case RR_ARROW_INTERVAL_MONTH_DAY_NANO: put_hex(o, (const uint8_t *)b1 + j * 16, 16, style); break;
    case RR_ARROW_DECIMAL32: put_hex(o, (const uint8_t *)b1 + j * 4, 4, style); break;
    case RR_ARROW_DECIMAL64: put_hex(o, (const uint8_t *)b1 + j * 8, 8, style); break;
    case RR_ARROW_DECIMAL128: put_hex(o, (const uint8_t *)b1 + j * 16, 16, style); break;
    case RR_ARROW_DECIMAL256: put_hex(o, (const uint8_t *)b1 + j * 32, 32, style); break;
    case RR_ARROW_LIST:
    case RR_ARROW_MAP:
    case RR_ARROW_LARGE_LIST:
    case RR_ARROW_FIXED_SIZE_LIST: {
        int64_t from, to;
        if (t.id == RR_ARROW_FIXED_SIZE_LIST) {
            from = j * t.fixed_size;
            to = from + t.fixed_size;
        } else if (t.id == RR_ARROW_LARGE_LIST) {
            from = ((const int64_t *)b1)[j];
            to = ((const int64_t *)b1)[j + 1];
        } else {
            from = ((const int32_t *)b1)[j];
            to = ((const int32_t *)b1)[j + 1];
        }
        s_putc(o, '[');
        for (int64_t k = from; k < to && !o->full; k++) {
            if (k > from) s_puts(o, ", ");
            put_value(o, schema->children[0], a->children[0], k, style);
        }
        s_putc(o, ']');
        break;
    }
    case RR_ARROW_STRUCT:
        s_putc(o, '{');
        for (int64_t c = 0; c < schema->n_children && !o->full; c++) {
            if (c) s_puts(o, ", ");
            const char *n = schema->children[c]->name ? schema->children[c]->name : "";
            if (json)
                put_json_string(o, (const uint8_t *)n, (int64_t)strlen(n));
            else
                s_puts(o, n);
            s_puts(o, ": ");
            put_value(o, schema->children[c], a->children[c], j, style);
        }
        s_putc(o, '}');
        break;
    case RR_ARROW_SPARSE_UNION:
    case RR_ARROW_DENSE_UNION: {
        int8_t code = ((const int8_t *)a->buffers[0])[j];
        int64_t c = 0;
        while (c < t.n_type_codes && t.type_codes[c] != code) c++;
        if (c == t.n_type_codes || c >= schema->n_children) {
            s_puts(o, json ? "null" : "<bad union slot>");
            break;
        }
        int64_t k = t.id == RR_ARROW_DENSE_UNION ? ((const int32_t *)a->buffers[1])[j] : j;
        put_value(o, schema->children[c], a->children[c], k, style);
        break;
    }
    default: s_printf(o, json ? "\"<%s>\"" : "<%s>", schema->format); break;
    }
}

void rr_arrow_put_value(FILE *o, const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i,
                        rr_arrow_style_t style) {
    sink_t k = {.f = o};
    put_value(&k, s, a, i, style);
}

bool rr_arrow_format_value(char *buf, size_t cap, const struct ArrowSchema *s,
                           const struct ArrowArray *a, int64_t i, rr_arrow_style_t style) {
    sink_t k = {.buf = buf, .cap = cap};
    buf[0] = 0;
    put_value(&k, s, a, i, style);
    if (k.full) {
        /* Mark the cut so a reader never takes it for the whole value. */
        size_t at = cap > 4 ? cap - 4 : 0;
        while (at > 0 && (buf[at] & 0xc0) == 0x80) at--; /* whole UTF-8 characters only */
        snprintf(buf + at, cap - at, "...");
        return false;
    }
    return true;
}

void rr_arrow_put_json_string(FILE *o, const uint8_t *s, int64_t len) {
    sink_t k = {.f = o};
    put_json_string(&k, s, len);
}
