/* Strict JSON parser and writer (see json.h).
 *
 * The parser is recursive descent with an explicit depth bound. Children of
 * an array or object are first collected on a scratch stack shared by the
 * whole parse, then copied into one exact-size arena block when the
 * container closes, so a tree costs no more than its nodes. Line and column
 * are tracked while skipping whitespace (the only place a raw newline may
 * appear), so every node knows where it came from. */
#include "base/json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- UTF-8 ---------------- */

/* Length of the valid UTF-8 sequence starting at s (n bytes available), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0; /* continuation byte or overlong 2-byte lead */
    if (c < 0xE0) return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;  /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0; /* UTF-16 surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;  /* overlong */
        if (c == 0xF4 && s[1] >= 0x90) return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

size_t rr_utf8_valid_prefix(const char *s, size_t len) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(u + i, len - i);
        if (k == 0) return i;
        i += k;
    }
    return len;
}

/* ---------------- parser ---------------- */

typedef struct parser {
    const char *start, *p, *end;
    const char *line_start;
    uint32_t line;
    int depth, max_depth;
    bool reject_dups;
    rr_arena_t *arena;
    rr_error_t *err;
    /* scratch stacks */
    rr_json_value_t **vals;
    size_t nvals, capvals;
    rr_json_member_t *mems;
    size_t nmems, capmems;
    rr_buf_t sb; /* string decoding */
} parser_t;

static uint32_t col_of(const parser_t *P, const char *at) {
    if (at < P->line_start) at = P->line_start;
    return (uint32_t)(at - P->line_start) + 1;
}

static rr_status_t fail_at(parser_t *P, const char *at, rr_status_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static rr_status_t fail_at(parser_t *P, const char *at, rr_status_t code, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rr_error_set(P->err, code, "line %u, column %u: %s", P->line, col_of(P, at), msg);
}

static rr_status_t fail_eof(parser_t *P, const char *what) {
    return fail_at(P, P->end, RR_ERR_TRUNCATED, "unexpected end of input %s", what);
}

static const char *char_desc(char c, char *buf, size_t cap) {
    unsigned char u = (unsigned char)c;
    if (u >= 0x21 && u < 0x7F)
        snprintf(buf, cap, "'%c'", c);
    else
        snprintf(buf, cap, "byte 0x%02X", u);
    return buf;
}

static void skip_ws(parser_t *P) {
    while (P->p < P->end) {
        char c = *P->p;
        if (c == ' ' || c == '\t' || c == '\r') {
            P->p++;
        } else if (c == '\n') {
            P->p++;
            P->line++;
            P->line_start = P->p;
        } else {
            break;
        }
    }
}

static rr_json_value_t *new_node(parser_t *P, rr_json_type_t t, const char *at) {
    rr_json_value_t *v = rr_arena_alloc(P->arena, sizeof *v);
    if (!v) return NULL;
    memset(v, 0, sizeof *v);
    v->type = t;
    v->line = P->line;
    v->column = col_of(P, at);
    return v;
}

static rr_status_t nomem(parser_t *P) {
    return fail_at(P, P->p, RR_ERR_NOMEM, "out of memory");
}

static rr_status_t push_val(parser_t *P, rr_json_value_t *v) {
    if (P->nvals == P->capvals) {
        size_t nc = P->capvals ? P->capvals * 2 : 64;
        rr_json_value_t **n = realloc(P->vals, nc * sizeof *n);
        if (!n) return nomem(P);
        P->vals = n;
        P->capvals = nc;
    }
    P->vals[P->nvals++] = v;
    return RR_OK;
}

static rr_status_t push_mem(parser_t *P, const rr_json_member_t *m) {
    if (P->nmems == P->capmems) {
        size_t nc = P->capmems ? P->capmems * 2 : 32;
        rr_json_member_t *n = realloc(P->mems, nc * sizeof *n);
        if (!n) return nomem(P);
        P->mems = n;
        P->capmems = nc;
    }
    P->mems[P->nmems++] = *m;
    return RR_OK;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads 4 hex digits after "\u" at p. */
static rr_status_t read_u4(parser_t *P, const char *p, uint32_t *out) {
    if (P->end - p < 4) return fail_eof(P, "in \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0) {
            char b[16];
            return fail_at(P, p + i, RR_ERR_INVALID_DATA, "bad hex digit %s in \\u escape",
                           char_desc(p[i], b, sizeof b));
        }
        v = v * 16 + (uint32_t)h;
    }
    *out = v;
    return RR_OK;
}

static void put_utf8(uint8_t *o, size_t *n, uint32_t cp) {
    if (cp < 0x80) {
        o[(*n)++] = (uint8_t)cp;
    } else if (cp < 0x800) {
        o[(*n)++] = (uint8_t)(0xC0 | (cp >> 6));
        o[(*n)++] = (uint8_t)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        o[(*n)++] = (uint8_t)(0xE0 | (cp >> 12));
        o[(*n)++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[(*n)++] = (uint8_t)(0x80 | (cp & 0x3F));
    } else {
        o[(*n)++] = (uint8_t)(0xF0 | (cp >> 18));
        o[(*n)++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        o[(*n)++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[(*n)++] = (uint8_t)(0x80 | (cp & 0x3F));
    }
}

/* Parses a string at P->p (the opening quote); the decoded text goes to the
 * arena. */
static rr_status_t parse_string(parser_t *P, const char **out, size_t *out_len) {
    const char *open = P->p;
    const char *p = P->p + 1;
    P->sb.len = 0;
    for (;;) {
        /* Copy the plain run up to the next special byte in one go. */
        const char *run = p;
        while (p < P->end) {
            unsigned char c = (unsigned char)*p;
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
            p++;
        }
        if (p > run && rr_buf_append(&P->sb, run, (size_t)(p - run)) != RR_OK) return nomem(P);
        if (p >= P->end) {
            P->p = p;
            return fail_at(P, open, RR_ERR_TRUNCATED, "unterminated string");
        }
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            p++;
            break;
        }
        if (c < 0x20)
            return fail_at(P, p, RR_ERR_INVALID_DATA,
                           "control character 0x%02X in string (must be escaped)", c);
        if (c >= 0x80) {
            size_t k = utf8_seq((const unsigned char *)p, (size_t)(P->end - p));
            if (k == 0) {
                /* A sequence cut off by the end of input is truncation. */
                size_t avail = (size_t)(P->end - p);
                size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
                bool prefix_ok = c >= 0xC2 && c < 0xF5 && avail < need;
                for (size_t i = 1; prefix_ok && i < avail; i++)
                    if (((unsigned char)p[i] & 0xC0) != 0x80) prefix_ok = false;
                if (prefix_ok) return fail_eof(P, "in a UTF-8 sequence");
                return fail_at(P, p, RR_ERR_INVALID_DATA, "invalid UTF-8 byte 0x%02X in string",
                               c);
            }
            if (rr_buf_append(&P->sb, p, k) != RR_OK) return nomem(P);
            p += k;
            continue;
        }
        /* backslash */
        if (p + 1 >= P->end) return fail_eof(P, "in escape");
        char e = p[1];
        uint8_t o[4];
        size_t on = 0;
        switch (e) {
        case '"': o[on++] = '"'; break;
        case '\\': o[on++] = '\\'; break;
        case '/': o[on++] = '/'; break;
        case 'b': o[on++] = '\b'; break;
        case 'f': o[on++] = '\f'; break;
        case 'n': o[on++] = '\n'; break;
        case 'r': o[on++] = '\r'; break;
        case 't': o[on++] = '\t'; break;
        case 'u': {
            uint32_t cp;
            RR_TRY(read_u4(P, p + 2, &cp));
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return fail_at(P, p, RR_ERR_INVALID_DATA, "lone low surrogate \\u%04X", cp);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                const char *q = p + 6;
                if (P->end - q < 2) return fail_eof(P, "after a high surrogate");
                if (q[0] != '\\' || q[1] != 'u')
                    return fail_at(P, p, RR_ERR_INVALID_DATA,
                                   "high surrogate \\u%04X not followed by a low surrogate", cp);
                uint32_t lo;
                RR_TRY(read_u4(P, q + 2, &lo));
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail_at(P, q, RR_ERR_INVALID_DATA,
                                   "high surrogate \\u%04X followed by \\u%04X, not a low surrogate",
                                   cp, lo);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            put_utf8(o, &on, cp);
            p += 4;
            break;
        }
        default: {
            char b[16];
            return fail_at(P, p, RR_ERR_INVALID_DATA, "invalid escape \\%s",
                           char_desc(e, b, sizeof b));
        }
        }
        p += 2;
        if (rr_buf_append(&P->sb, o, on) != RR_OK) return nomem(P);
    }
    P->p = p;
    char *s = rr_arena_strndup(P->arena, P->sb.len ? (const char *)P->sb.data : "", P->sb.len);
    if (!s) return nomem(P);
    *out = s;
    *out_len = P->sb.len;
    return RR_OK;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static rr_status_t parse_number(parser_t *P, rr_json_value_t **out) {
    const char *s = P->p, *p = P->p;
    if (p < P->end && *p == '-') p++;
    if (p >= P->end) return fail_eof(P, "in number");
    if (*p == '0') {
        p++;
        if (p < P->end && is_digit(*p))
            return fail_at(P, p, RR_ERR_INVALID_DATA, "leading zero in number");
    } else if (is_digit(*p)) {
        while (p < P->end && is_digit(*p)) p++;
    } else {
        return fail_at(P, p, RR_ERR_INVALID_DATA, "expected a digit in number");
    }
    if (p < P->end && *p == '.') {
        p++;
        if (p >= P->end) return fail_eof(P, "in number fraction");
        if (!is_digit(*p))
            return fail_at(P, p, RR_ERR_INVALID_DATA, "expected a digit after '.' in number");
        while (p < P->end && is_digit(*p)) p++;
    }
    if (p < P->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < P->end && (*p == '+' || *p == '-')) p++;
        if (p >= P->end) return fail_eof(P, "in number exponent");
        if (!is_digit(*p))
            return fail_at(P, p, RR_ERR_INVALID_DATA, "expected a digit in number exponent");
        while (p < P->end && is_digit(*p)) p++;
    }
    rr_json_value_t *v = new_node(P, RR_JSON_NUMBER, s);
    char *text = v ? rr_arena_strndup(P->arena, s, (size_t)(p - s)) : NULL;
    if (!text) return nomem(P);
    v->u.number.text = text;
    v->u.number.len = (size_t)(p - s);
    v->u.number.value = strtod(text, NULL);
    P->p = p;
    *out = v;
    return RR_OK;
}

static rr_status_t parse_literal(parser_t *P, const char *word, rr_json_value_t **out) {
    size_t n = strlen(word);
    size_t avail = (size_t)(P->end - P->p);
    size_t k = avail < n ? avail : n;
    if (memcmp(P->p, word, k) != 0) {
        return fail_at(P, P->p, RR_ERR_INVALID_DATA, "invalid literal (expected '%s')", word);
    }
    if (k < n) return fail_eof(P, "in literal");
    rr_json_value_t *v =
        new_node(P, word[0] == 'n' ? RR_JSON_NULL : RR_JSON_BOOL, P->p);
    if (!v) return nomem(P);
    v->u.boolean = word[0] == 't';
    P->p += n;
    *out = v;
    return RR_OK;
}

static int member_cmp(const void *a, const void *b) {
    const rr_json_member_t *x = *(const rr_json_member_t *const *)a;
    const rr_json_member_t *y = *(const rr_json_member_t *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

static rr_status_t check_dups(parser_t *P, rr_json_value_t *obj) {
    size_t n = obj->u.object.count;
    rr_json_member_t *m = obj->u.object.members;
    const rr_json_member_t *dup = NULL;
    if (n <= 16) {
        for (size_t i = 0; i < n && !dup; i++)
            for (size_t j = i + 1; j < n; j++)
                if (m[i].key_len == m[j].key_len && !memcmp(m[i].key, m[j].key, m[i].key_len)) {
                    dup = &m[j];
                    break;
                }
    } else {
        const rr_json_member_t **s = malloc(n * sizeof *s);
        if (!s) return nomem(P);
        for (size_t i = 0; i < n; i++) s[i] = &m[i];
        qsort(s, n, sizeof *s, member_cmp);
        for (size_t i = 1; i < n && !dup; i++)
            if (member_cmp(&s[i - 1], &s[i]) == 0) dup = s[i];
        free(s);
    }
    if (dup)
        return rr_error_set(P->err, RR_ERR_INVALID_DATA,
                            "line %u, column %u: duplicate key \"%.64s\" in object", dup->value->line,
                            dup->value->column, dup->key);
    return RR_OK;
}

static rr_status_t parse_value(parser_t *P, rr_json_value_t **out);

static rr_status_t parse_array(parser_t *P, rr_json_value_t **out) {
    rr_json_value_t *v = new_node(P, RR_JSON_ARRAY, P->p);
    if (!v) return nomem(P);
    P->p++;
    size_t base = P->nvals;
    skip_ws(P);
    if (P->p < P->end && *P->p == ']') {
        P->p++;
    } else {
        for (;;) {
            rr_json_value_t *item;
            RR_TRY(parse_value(P, &item));
            RR_TRY(push_val(P, item));
            skip_ws(P);
            if (P->p >= P->end) return fail_eof(P, "in array (expected ',' or ']')");
            if (*P->p == ',') {
                P->p++;
                continue;
            }
            if (*P->p == ']') {
                P->p++;
                break;
            }
            char b[16];
            return fail_at(P, P->p, RR_ERR_INVALID_DATA, "expected ',' or ']' in array, got %s",
                           char_desc(*P->p, b, sizeof b));
        }
    }
    size_t n = P->nvals - base;
    if (n) {
        rr_json_value_t **items = rr_arena_alloc(P->arena, n * sizeof *items);
        if (!items) return nomem(P);
        memcpy(items, P->vals + base, n * sizeof *items);
        v->u.array.items = items;
    }
    v->u.array.count = n;
    P->nvals = base;
    *out = v;
    return RR_OK;
}

static rr_status_t parse_object(parser_t *P, rr_json_value_t **out) {
    rr_json_value_t *v = new_node(P, RR_JSON_OBJECT, P->p);
    if (!v) return nomem(P);
    P->p++;
    size_t base = P->nmems;
    skip_ws(P);
    if (P->p < P->end && *P->p == '}') {
        P->p++;
    } else {
        for (;;) {
            skip_ws(P);
            if (P->p >= P->end) return fail_eof(P, "in object (expected a key)");
            if (*P->p != '"') {
                char b[16];
                return fail_at(P, P->p, RR_ERR_INVALID_DATA,
                               "expected a string key in object, got %s",
                               char_desc(*P->p, b, sizeof b));
            }
            rr_json_member_t m;
            RR_TRY(parse_string(P, &m.key, &m.key_len));
            skip_ws(P);
            if (P->p >= P->end) return fail_eof(P, "in object (expected ':')");
            if (*P->p != ':') {
                char b[16];
                return fail_at(P, P->p, RR_ERR_INVALID_DATA, "expected ':' after key, got %s",
                               char_desc(*P->p, b, sizeof b));
            }
            P->p++;
            RR_TRY(parse_value(P, &m.value));
            RR_TRY(push_mem(P, &m));
            skip_ws(P);
            if (P->p >= P->end) return fail_eof(P, "in object (expected ',' or '}')");
            if (*P->p == ',') {
                P->p++;
                continue;
            }
            if (*P->p == '}') {
                P->p++;
                break;
            }
            char b[16];
            return fail_at(P, P->p, RR_ERR_INVALID_DATA, "expected ',' or '}' in object, got %s",
                           char_desc(*P->p, b, sizeof b));
        }
    }
    size_t n = P->nmems - base;
    if (n) {
        rr_json_member_t *ms = rr_arena_alloc(P->arena, n * sizeof *ms);
        if (!ms) return nomem(P);
        memcpy(ms, P->mems + base, n * sizeof *ms);
        v->u.object.members = ms;
    }
    v->u.object.count = n;
    P->nmems = base;
    if (P->reject_dups && n > 1) RR_TRY(check_dups(P, v));
    *out = v;
    return RR_OK;
}

static rr_status_t parse_value(parser_t *P, rr_json_value_t **out) {
    skip_ws(P);
    if (P->p >= P->end) return fail_eof(P, "(expected a value)");
    char c = *P->p;
    switch (c) {
    case '{':
    case '[': {
        if (P->depth >= P->max_depth)
            return fail_at(P, P->p, RR_ERR_INVALID_DATA, "nesting deeper than %d", P->max_depth);
        P->depth++;
        rr_status_t st = c == '{' ? parse_object(P, out) : parse_array(P, out);
        P->depth--;
        return st;
    }
    case '"': {
        rr_json_value_t *v = new_node(P, RR_JSON_STRING, P->p);
        if (!v) return nomem(P);
        RR_TRY(parse_string(P, &v->u.string.ptr, &v->u.string.len));
        *out = v;
        return RR_OK;
    }
    case 't': return parse_literal(P, "true", out);
    case 'f': return parse_literal(P, "false", out);
    case 'n': return parse_literal(P, "null", out);
    default:
        if (c == '-' || is_digit(c)) return parse_number(P, out);
        {
            char b[16];
            return fail_at(P, P->p, RR_ERR_INVALID_DATA, "unexpected %s (expected a value)",
                           char_desc(c, b, sizeof b));
        }
    }
}

rr_status_t rr_json_parse(const char *text, size_t len, const rr_json_parse_options_t *opts,
                          rr_arena_t *arena, rr_json_value_t **out, rr_error_t *err) {
    *out = NULL;
    if (!text && len) return rr_error_set(err, RR_ERR_INVALID_ARG, "json: NULL text");
    parser_t P;
    memset(&P, 0, sizeof P);
    P.start = P.p = P.line_start = text ? text : "";
    P.end = P.start + len;
    P.line = 1;
    P.max_depth = opts && opts->max_depth > 0 ? opts->max_depth : RR_JSON_DEFAULT_MAX_DEPTH;
    P.reject_dups = opts && opts->reject_duplicate_keys;
    P.arena = arena;
    P.err = err;
    rr_json_value_t *v = NULL;
    rr_status_t st = parse_value(&P, &v);
    if (st == RR_OK) {
        skip_ws(&P);
        if (P.p < P.end) {
            char b[16];
            st = fail_at(&P, P.p, RR_ERR_INVALID_DATA, "unexpected %s after the document",
                         char_desc(*P.p, b, sizeof b));
        }
    }
    free(P.vals);
    free(P.mems);
    rr_buf_free(&P.sb);
    if (st == RR_OK) *out = v;
    return st;
}

const char *rr_json_type_name(rr_json_type_t t) {
    switch (t) {
    case RR_JSON_NULL: return "null";
    case RR_JSON_BOOL: return "boolean";
    case RR_JSON_NUMBER: return "number";
    case RR_JSON_STRING: return "string";
    case RR_JSON_ARRAY: return "array";
    case RR_JSON_OBJECT: return "object";
    }
    return "?";
}

const rr_json_value_t *rr_json_get(const rr_json_value_t *v, const char *key) {
    if (!v || v->type != RR_JSON_OBJECT) return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < v->u.object.count; i++) {
        const rr_json_member_t *m = &v->u.object.members[i];
        if (m->key_len == kl && !memcmp(m->key, key, kl)) return m->value;
    }
    return NULL;
}

bool rr_json_parse_u64(const char *text, size_t len, uint64_t *out) {
    if (len == 0 || len > 20) return false;
    if (text[0] == '0' && len > 1) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(text[i])) return false;
        uint64_t d = (uint64_t)(text[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool rr_json_parse_i64(const char *text, size_t len, int64_t *out) {
    bool neg = len > 0 && text[0] == '-';
    uint64_t m;
    if (!rr_json_parse_u64(text + neg, len - neg, &m)) return false;
    if (neg) {
        if (m > (uint64_t)INT64_MAX + 1) return false;
        *out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
    } else {
        if (m > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)m;
    }
    return true;
}

static bool int_lexeme(const rr_json_value_t *v, const char **s, size_t *n) {
    if (!v) return false;
    if (v->type == RR_JSON_NUMBER) {
        *s = v->u.number.text;
        *n = v->u.number.len;
        return true;
    }
    if (v->type == RR_JSON_STRING) {
        *s = v->u.string.ptr;
        *n = v->u.string.len;
        return true;
    }
    return false;
}

rr_status_t rr_json_to_i64(const rr_json_value_t *v, int64_t *out, rr_error_t *err) {
    const char *s;
    size_t n;
    if (!int_lexeme(v, &s, &n) || !rr_json_parse_i64(s, n, out))
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "line %u, column %u: expected a 64-bit signed integer", v ? v->line : 0,
                            v ? v->column : 0);
    return RR_OK;
}

rr_status_t rr_json_to_u64(const rr_json_value_t *v, uint64_t *out, rr_error_t *err) {
    const char *s;
    size_t n;
    if (!int_lexeme(v, &s, &n) || !rr_json_parse_u64(s, n, out))
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "line %u, column %u: expected a 64-bit unsigned integer",
                            v ? v->line : 0, v ? v->column : 0);
    return RR_OK;
}

/* ---------------- writer ---------------- */

rr_status_t rr_json_append_string(rr_buf_t *out, const char *s, size_t len, rr_error_t *err) {
    size_t bad = rr_utf8_valid_prefix(s, len);
    if (bad != len)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "json: string is not valid UTF-8 (byte %zu of %zu)", bad, len);
    size_t start_len = out->len;
    /* Worst case every byte becomes \u00XX. */
    if (rr_buf_reserve(out, len + 2) != RR_OK) goto nomem;
    out->data[out->len++] = '"';
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len) {
            unsigned char c = (unsigned char)s[j];
            if (c < 0x20 || c == '"' || c == '\\') break;
            j++;
        }
        if (j > i && rr_buf_append(out, s + i, j - i) != RR_OK) goto nomem;
        if (j == len) break;
        unsigned char c = (unsigned char)s[j];
        char esc[8];
        size_t en = 2;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default: en = (size_t)snprintf(esc, sizeof esc, "\\u%04X", c); break;
        }
        if (rr_buf_append(out, esc, en) != RR_OK) goto nomem;
        i = j + 1;
    }
    if (rr_buf_append_u8(out, '"') != RR_OK) goto nomem;
    return RR_OK;
nomem:
    out->len = start_len;
    return rr_error_set(err, RR_ERR_NOMEM, "json: out of memory writing a string");
}

void rr_json_writer_init(rr_json_writer_t *w, rr_buf_t *out, int indent) {
    w->out = out;
    w->indent = indent < 0 ? 0 : indent;
    w->depth = 0;
    w->status = RR_OK;
    w->after_key = false;
}

static void wfail(rr_json_writer_t *w, rr_status_t st) {
    if (w->status == RR_OK) w->status = st;
}

static void wput(rr_json_writer_t *w, const char *s, size_t n) {
    if (w->status == RR_OK && rr_buf_append(w->out, s, n) != RR_OK) wfail(w, RR_ERR_NOMEM);
}

static void newline(rr_json_writer_t *w, int level) {
    if (!w->indent) return;
    wput(w, "\n", 1);
    static const char spaces[] = "                                ";
    size_t n = (size_t)level * (size_t)w->indent;
    while (n > 0 && w->status == RR_OK) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        wput(w, spaces, k);
        n -= k;
    }
}

/* Separators and layout before a value; false when the writer has failed. */
static bool before_value(rr_json_writer_t *w, bool container) {
    if (w->status != RR_OK) return false;
    if (w->after_key) {
        w->after_key = false;
        return true;
    }
    if (w->depth == 0) return true;
    if (!w->stack[w->depth - 1].is_array) {
        wfail(w, RR_ERR_INTERNAL); /* a value inside an object needs a key first */
        return false;
    }
    int64_t n = w->stack[w->depth - 1].count++;
    if (n > 0) wput(w, ",", 1);
    if (container && w->indent) {
        w->stack[w->depth - 1].multiline = true;
        newline(w, w->depth);
    } else if (n > 0 && w->indent) {
        wput(w, " ", 1);
    }
    return w->status == RR_OK;
}

static void begin(rr_json_writer_t *w, bool is_array) {
    if (!before_value(w, true)) return;
    if (w->depth >= RR_JSON_WRITER_MAX_DEPTH) {
        wfail(w, RR_ERR_NOMEM);
        return;
    }
    wput(w, is_array ? "[" : "{", 1);
    w->stack[w->depth].is_array = is_array;
    w->stack[w->depth].multiline = false;
    w->stack[w->depth].count = 0;
    w->depth++;
}

static void end(rr_json_writer_t *w, bool is_array) {
    if (w->status != RR_OK) return;
    if (w->depth == 0 || w->stack[w->depth - 1].is_array != is_array || w->after_key) {
        wfail(w, RR_ERR_INTERNAL);
        return;
    }
    w->depth--;
    bool broken = is_array ? w->stack[w->depth].multiline : w->stack[w->depth].count > 0;
    if (broken) newline(w, w->depth);
    wput(w, is_array ? "]" : "}", 1);
}

void rr_json_begin_object(rr_json_writer_t *w) { begin(w, false); }
void rr_json_end_object(rr_json_writer_t *w) { end(w, false); }
void rr_json_begin_array(rr_json_writer_t *w) { begin(w, true); }
void rr_json_end_array(rr_json_writer_t *w) { end(w, true); }

void rr_json_key(rr_json_writer_t *w, const char *key) {
    if (w->status != RR_OK) return;
    if (w->depth == 0 || w->stack[w->depth - 1].is_array || w->after_key) {
        wfail(w, RR_ERR_INTERNAL);
        return;
    }
    if (w->stack[w->depth - 1].count++ > 0) wput(w, ",", 1);
    newline(w, w->depth);
    if (w->status == RR_OK && rr_json_append_string(w->out, key, strlen(key), NULL) != RR_OK)
        wfail(w, RR_ERR_INVALID_DATA);
    wput(w, w->indent ? ": " : ":", w->indent ? 2 : 1);
    w->after_key = true;
}

void rr_json_string_n(rr_json_writer_t *w, const char *s, size_t len) {
    if (!before_value(w, false)) return;
    rr_error_t e;
    if (rr_json_append_string(w->out, s, len, &e) != RR_OK) wfail(w, e.code);
}

void rr_json_string(rr_json_writer_t *w, const char *s) { rr_json_string_n(w, s, strlen(s)); }

void rr_json_raw(rr_json_writer_t *w, const char *text, size_t len) {
    if (!before_value(w, false)) return;
    wput(w, text, len);
}

void rr_json_int(rr_json_writer_t *w, int64_t v) {
    char b[32];
    int n = snprintf(b, sizeof b, "%lld", (long long)v);
    rr_json_raw(w, b, (size_t)n);
}

void rr_json_uint(rr_json_writer_t *w, uint64_t v) {
    char b[32];
    int n = snprintf(b, sizeof b, "%llu", (unsigned long long)v);
    rr_json_raw(w, b, (size_t)n);
}

void rr_json_double(rr_json_writer_t *w, double v) {
    if (!isfinite(v)) {
        wfail(w, RR_ERR_INVALID_DATA);
        return;
    }
    char b[40];
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(b, sizeof b, "%.*g", prec, v);
        if (strtod(b, NULL) == v) break;
    }
    rr_json_raw(w, b, (size_t)n);
}

void rr_json_float(rr_json_writer_t *w, float v) {
    if (!isfinite(v)) {
        wfail(w, RR_ERR_INVALID_DATA);
        return;
    }
    char b[40];
    int n = 0;
    for (int prec = 1; prec <= 9; prec++) {
        n = snprintf(b, sizeof b, "%.*g", prec, (double)v);
        if (strtof(b, NULL) == v) break;
    }
    rr_json_raw(w, b, (size_t)n);
}

void rr_json_bool(rr_json_writer_t *w, bool v) {
    rr_json_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void rr_json_null(rr_json_writer_t *w) { rr_json_raw(w, "null", 4); }

rr_status_t rr_json_writer_finish(rr_json_writer_t *w, rr_error_t *err) {
    if (w->status == RR_OK && (w->depth != 0 || w->after_key)) w->status = RR_ERR_INTERNAL;
    switch (w->status) {
    case RR_OK: return RR_OK;
    case RR_ERR_NOMEM:
        return rr_error_set(err, w->status, "json writer: out of memory or nesting too deep");
    case RR_ERR_INVALID_DATA:
        return rr_error_set(err, w->status,
                            "json writer: a string was not valid UTF-8 or a number not finite");
    default:
        return rr_error_set(err, w->status,
                            "json writer: unbalanced containers or a value without a key");
    }
}
