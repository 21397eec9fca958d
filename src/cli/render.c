/* Cells as compact text for `rerun rrd print -v` and `rerun query` (see render.h). */
#include "cli/render.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/type.h"


static void put_float(FILE *o, double v, bool single, rr_cli_style_t style) {
    if (isnan(v) || isinf(v)) {
        /* JSON has no NaN or infinity. */
        fputs(style == RR_CLI_STYLE_JSON ? "null" : isnan(v) ? "NaN" : v < 0 ? "-inf" : "inf", o);
        return;
    }
    /* The shortest form that reads back as the same value. */
    char b[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(b, sizeof b, "%.*g", p, v);
        double back = strtod(b, NULL);
        if (single ? (float)back == (float)v : back == v) break;
    }
    fputs(b, o);
}

static double half_to_double(uint16_t h) {
    int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double v = exp == 0 ? ldexp(mant, -24) : exp == 31 ? (mant ? NAN : INFINITY)
                                                       : ldexp(mant | 0x400, exp - 25);
    return (h & 0x8000) ? -v : v;
}

void rr_cli_put_json_string(FILE *o, const uint8_t *s, int64_t len) {
    fputc('"', o);
    for (int64_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\')
            fprintf(o, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", o);
        else if (c == '\t')
            fputs("\\t", o);
        else if (c == '\r')
            fputs("\\r", o);
        else if (c < 0x20 || c == 0x7f)
            fprintf(o, "\\u%04x", c);
        else
            fputc(c, o);
    }
    fputc('"', o);
}

static void put_hex(FILE *o, const uint8_t *p, int64_t len, rr_cli_style_t style) {
    const char *q = style == RR_CLI_STYLE_JSON ? "\"" : "";
    fprintf(o, "%s0x", q);
    for (int64_t i = 0; i < len; i++) fprintf(o, "%02x", p[i]);
    fputs(q, o);
}

void rr_cli_put_value(FILE *o, const struct ArrowSchema *schema, const struct ArrowArray *a,
                      int64_t i, rr_cli_style_t style) {
    const bool json = style == RR_CLI_STYLE_JSON;
    rr_arrow_type_t t;
    if (rr_arrow_type_parse(schema->format, &t, NULL) != RR_OK) {
        fprintf(o, json ? "null" : "<%s>", schema->format);
        return;
    }
    if (t.id == RR_ARROW_NA) {
        fputs("null", o);
        return;
    }
    int64_t j = a->offset + i; /* physical slot */
    bool is_union = t.id == RR_ARROW_SPARSE_UNION || t.id == RR_ARROW_DENSE_UNION;
    if (!is_union && !rr_arrow_array_is_valid(a, i)) {
        fputs("null", o);
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
        rr_cli_put_value(o, schema->dictionary, a->dictionary, k, style);
        return;
    }
    const void *b1 = a->n_buffers > 1 ? a->buffers[1] : NULL;
    switch (t.id) {
    case RR_ARROW_BOOL: fputs(rr_arrow_bit_get(b1, j) ? "true" : "false", o); break;
    case RR_ARROW_INT8: fprintf(o, "%d", ((const int8_t *)b1)[j]); break;
    case RR_ARROW_UINT8: fprintf(o, "%u", ((const uint8_t *)b1)[j]); break;
    case RR_ARROW_INT16: fprintf(o, "%d", ((const int16_t *)b1)[j]); break;
    case RR_ARROW_UINT16: fprintf(o, "%u", ((const uint16_t *)b1)[j]); break;
    case RR_ARROW_INT32:
    case RR_ARROW_DATE32:
    case RR_ARROW_TIME32:
    case RR_ARROW_INTERVAL_MONTHS: fprintf(o, "%" PRId32, ((const int32_t *)b1)[j]); break;
    case RR_ARROW_UINT32: fprintf(o, "%" PRIu32, ((const uint32_t *)b1)[j]); break;
    case RR_ARROW_INT64:
    case RR_ARROW_DATE64:
    case RR_ARROW_TIME64:
    case RR_ARROW_TIMESTAMP:
    case RR_ARROW_DURATION: fprintf(o, "%" PRId64, ((const int64_t *)b1)[j]); break;
    case RR_ARROW_UINT64: fprintf(o, "%" PRIu64, ((const uint64_t *)b1)[j]); break;
    case RR_ARROW_HALF_FLOAT: put_float(o, half_to_double(((const uint16_t *)b1)[j]), true, style); break;
    case RR_ARROW_FLOAT: put_float(o, ((const float *)b1)[j], true, style); break;
    case RR_ARROW_DOUBLE: put_float(o, ((const double *)b1)[j], false, style); break;
    case RR_ARROW_STRING:
    case RR_ARROW_BINARY: {
        const int32_t *off = b1;
        const uint8_t *d = a->buffers[2];
        if (t.id == RR_ARROW_STRING)
            rr_cli_put_json_string(o, d + off[j], off[j + 1] - off[j]);
        else
            put_hex(o, d + off[j], off[j + 1] - off[j], style);
        break;
    }
    case RR_ARROW_LARGE_STRING:
    case RR_ARROW_LARGE_BINARY: {
        const int64_t *off = b1;
        const uint8_t *d = a->buffers[2];
        if (t.id == RR_ARROW_LARGE_STRING)
            rr_cli_put_json_string(o, d + off[j], off[j + 1] - off[j]);
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
        fputc('[', o);
        for (int64_t k = from; k < to; k++) {
            if (k > from) fputs(", ", o);
            rr_cli_put_value(o, schema->children[0], a->children[0], k, style);
        }
        fputc(']', o);
        break;
    }
    case RR_ARROW_STRUCT:
        fputc('{', o);
        for (int64_t c = 0; c < schema->n_children; c++) {
            if (c) fputs(", ", o);
            const char *n = schema->children[c]->name ? schema->children[c]->name : "";
            if (json)
                rr_cli_put_json_string(o, (const uint8_t *)n, (int64_t)strlen(n));
            else
                fputs(n, o);
            fputs(": ", o);
            rr_cli_put_value(o, schema->children[c], a->children[c], j, style);
        }
        fputc('}', o);
        break;
    case RR_ARROW_SPARSE_UNION:
    case RR_ARROW_DENSE_UNION: {
        int8_t code = ((const int8_t *)a->buffers[0])[j];
        int64_t c = 0;
        while (c < t.n_type_codes && t.type_codes[c] != code) c++;
        if (c == t.n_type_codes || c >= schema->n_children) {
            fputs(json ? "null" : "<bad union slot>", o);
            break;
        }
        int64_t k = t.id == RR_ARROW_DENSE_UNION ? ((const int32_t *)a->buffers[1])[j] : j;
        rr_cli_put_value(o, schema->children[c], a->children[c], k, style);
        break;
    }
    default: fprintf(o, json ? "\"<%s>\"" : "<%s>", schema->format); break;
    }
}
