/* Entity paths: Rerun's parsing, escaping and printing rules
 * (crates/store/re_log_types/src/path/parse_path.rs, entity_path_part.rs,
 * entity_path.rs at 0.33.0), and the tree relations the store walks.
 *
 * Parsing follows Rerun's two steps: split the string into tokens at
 * unescaped special characters (a backslash protects the next byte, and a
 * protected backslash protects the next one again, exactly as Rerun's
 * tokenizer does), then unescape each part. The strict parser also splits at
 * the data-path characters "[]:#" so that a component or instance suffix is
 * reported as such.
 *
 * Rust's char::is_alphanumeric decides which characters print bare. ASCII is
 * exact; beyond ASCII we approximate Unicode's Alphabetic/Numeric properties
 * by excluding the blocks of controls, punctuation, symbols, spaces, marks,
 * private use and noncharacters (see is_alnum_cp): letters and digits of
 * every script print bare, and everything else is escaped as \u{XXXX}, which
 * any Rerun parser reads back to the same character. */
#include "model/entity_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- characters ---------------- */

static bool is_ascii_punct(uint32_t c) {
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}

/* Approximates Rust's char::is_alphanumeric beyond ASCII. */
static bool is_alnum_cp(uint32_t c) {
    if (c < 0x80)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (c <= 0xBF) /* C1 controls and Latin-1 punctuation, but for the letters and No digits */
        return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA ||
               (c >= 0xBC && c <= 0xBE);
    if (c == 0xD7 || c == 0xF7) return false; /* multiplication and division signs */
    static const uint32_t excluded[][2] = {
        {0x02C2, 0x02C5}, {0x02D2, 0x02DF}, {0x02E5, 0x02EB}, {0x02ED, 0x02ED},
        {0x02EF, 0x02FF}, {0x0300, 0x036F}, /* modifier symbols, combining marks */
        {0x0375, 0x0375}, {0x037E, 0x037E}, {0x0384, 0x0385}, {0x0387, 0x0387},
        {0x03F6, 0x03F6}, {0x0482, 0x0489}, {0x055A, 0x055F}, {0x0589, 0x058A},
        {0x05BE, 0x05BE}, {0x05C0, 0x05C0}, {0x05C3, 0x05C3}, {0x05C6, 0x05C6},
        {0x0600, 0x060F}, {0x061B, 0x061F}, {0x066A, 0x066D}, {0x06D4, 0x06D4},
        {0x0964, 0x0965}, {0x0970, 0x0970}, {0x0E3F, 0x0E3F}, {0x0E4F, 0x0E4F},
        {0x0E5A, 0x0E5B}, {0x0F01, 0x0F17}, {0x10FB, 0x10FB}, {0x1360, 0x1368},
        {0x1680, 0x1680}, {0x169B, 0x169C}, {0x16EB, 0x16ED}, {0x180E, 0x180E},
        {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x1FBD, 0x1FBD}, {0x1FBF, 0x1FC1},
        {0x1FCD, 0x1FCF}, {0x1FDD, 0x1FDF}, {0x1FED, 0x1FEF}, {0x1FFD, 0x1FFE},
        {0x2000, 0x206F}, /* spaces and general punctuation */
        {0x207A, 0x207E}, {0x208A, 0x208E}, {0x20A0, 0x20FF}, /* currency, combining */
        {0x2100, 0x2101}, {0x2103, 0x2106}, {0x2108, 0x2109}, {0x2114, 0x2114},
        {0x2116, 0x2118}, {0x211E, 0x2123}, {0x2125, 0x2125}, {0x2127, 0x2127},
        {0x2129, 0x2129}, {0x212E, 0x212E}, {0x213A, 0x213B}, {0x2140, 0x2144},
        {0x214A, 0x214D}, {0x214F, 0x214F}, {0x218A, 0x245F}, /* arrows .. OCR */
        {0x2500, 0x2775}, {0x2794, 0x2BFF}, /* box drawing .. misc symbols, arrows */
        {0x2CE5, 0x2CEA}, {0x2CF9, 0x2CFC}, {0x2CFE, 0x2CFF}, {0x2E00, 0x2E7F},
        {0x2E80, 0x2FFF}, /* radicals (symbols), ideographic description */
        {0x3000, 0x3004}, {0x3008, 0x3020}, {0x3030, 0x3030}, {0x3036, 0x3037},
        {0x303D, 0x303F}, {0x3099, 0x309C}, {0x30A0, 0x30A0}, {0x30FB, 0x30FB},
        {0x3190, 0x3191}, {0x3196, 0x319F}, {0x31C0, 0x31EF}, {0x3200, 0x321F},
        {0x322A, 0x3247}, {0x3250, 0x3250}, {0x3260, 0x327F}, {0x328A, 0x32B0},
        {0x32C0, 0x33FF}, {0x4DC0, 0x4DFF}, {0xA490, 0xA4CF}, {0xA4FE, 0xA4FF},
        {0xA60D, 0xA60F}, {0xA670, 0xA67E}, {0xA6F2, 0xA6F7}, {0xA700, 0xA716},
        {0xA720, 0xA721}, {0xA789, 0xA78A}, {0xA828, 0xA82B}, {0xA874, 0xA877},
        {0xD800, 0xF8FF}, /* surrogates, private use */
        {0xFB29, 0xFB29}, {0xFD3E, 0xFD3F}, {0xFDD0, 0xFDEF}, {0xFDFC, 0xFDFF},
        {0xFE00, 0xFE6F}, /* variation selectors, small and vertical forms */
        {0xFEFF, 0xFEFF}, {0xFF01, 0xFF0F}, {0xFF1A, 0xFF20}, {0xFF3B, 0xFF40},
        {0xFF5B, 0xFF65}, {0xFFE0, 0xFFFF}, /* full-width punctuation, specials */
        {0x1D000, 0x1D24F}, {0x1D300, 0x1D35F}, /* musical and other symbols */
        {0x1EC70, 0x1ECBF}, {0x1F000, 0x1FBEF}, /* mahjong .. emoji, legacy computing */
        {0xE0000, 0x10FFFF}, /* tags, variation selectors, private use planes */
    };
    size_t lo = 0, hi = sizeof excluded / sizeof *excluded;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < excluded[mid][0]) hi = mid;
        else if (c > excluded[mid][1]) lo = mid + 1;
        else return false;
    }
    return true;
}

static bool is_bare(uint32_t c) { return is_alnum_cp(c) || c == '_' || c == '-' || c == '.'; }

/* Decodes one UTF-8 character at s[i..len). Returns its byte length, or 0
 * when the bytes there are not valid UTF-8. */
static size_t utf8_decode(const unsigned char *s, size_t i, size_t len, uint32_t *cp) {
    unsigned char b = s[i];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t n;
    uint32_t c, min;
    if ((b & 0xE0) == 0xC0) n = 2, c = b & 0x1F, min = 0x80;
    else if ((b & 0xF0) == 0xE0) n = 3, c = b & 0x0F, min = 0x800;
    else if ((b & 0xF8) == 0xF0) n = 4, c = b & 0x07, min = 0x10000;
    else return 0;
    if (len - i < n) return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (s[i + k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return n;
}

static size_t utf8_encode(uint32_t c, char out[4]) {
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* ---------------- a small string builder ---------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf_t;

static void sb_add(sbuf_t *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}
static void sb_ch(sbuf_t *b, char c) { sb_add(b, &c, 1); }
static void sb_cp(sbuf_t *b, uint32_t c) {
    char u[4];
    sb_add(b, u, utf8_encode(c, u));
}
/* Always a string (possibly empty), or NULL when out of memory. */
static char *sb_take(sbuf_t *b) {
    if (b->oom) {
        free(b->p);
        return NULL;
    }
    if (!b->p) return calloc(1, 1);
    return b->p;
}

/* ---------------- escaping ---------------- */

static void escape_part_into(sbuf_t *b, const char *part) {
    const unsigned char *s = (const unsigned char *)part;
    size_t len = strlen(part);
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t n = utf8_decode(s, i, len, &c);
        if (n == 0) { /* cannot happen for parts we built; escape the byte */
            c = s[i];
            n = 1;
        }
        if (is_bare(c)) sb_add(b, part + i, n);
        else if (c == '\n') sb_add(b, "\\n", 2);
        else if (c == '\r') sb_add(b, "\\r", 2);
        else if (c == '\t') sb_add(b, "\\t", 2);
        else if (c == ' ' || is_ascii_punct(c)) {
            sb_ch(b, '\\');
            sb_ch(b, (char)c);
        } else {
            char tmp[16];
            int k = snprintf(tmp, sizeof tmp, "\\u{%04X}", (unsigned)c);
            sb_add(b, tmp, (size_t)k);
        }
        i += n;
    }
}

char *rr_entity_path_escape_part(const char *part) {
    sbuf_t b = {0};
    escape_part_into(&b, part ? part : "");
    return sb_take(&b);
}

/* ---------------- construction ---------------- */

static uint64_t hash_parts(char *const *parts, size_t n) {
    /* FNV-1a over the parts, each followed by a 0xFF separator byte (which
     * never occurs in UTF-8), then a final avalanche so that nearby paths
     * spread over hash tables. */
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) {
            h ^= *p;
            h *= 0x100000001b3ull;
        }
        h ^= 0xFF;
        h *= 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* Takes ownership of parts (an array of n malloc'ed strings) and completes
 * the path: canonical string and hash. */
static rr_status_t finish_path(char **parts, size_t n, rr_entity_path_t *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    out->parts = parts;
    out->n_parts = n;
    sbuf_t b = {0};
    if (n == 0) sb_ch(&b, '/');
    for (size_t i = 0; i < n; i++) {
        sb_ch(&b, '/');
        escape_part_into(&b, parts[i]);
    }
    out->str = sb_take(&b);
    if (!out->str) {
        rr_entity_path_free(out);
        return rr_error_set(err, RR_ERR_NOMEM, "entity path: out of memory");
    }
    out->hash = hash_parts(parts, n);
    return RR_OK;
}

typedef struct parts_vec {
    char **v;
    size_t n, cap;
} parts_vec_t;

static bool pv_push(parts_vec_t *pv, char *s) {
    if (!s) return false;
    if (pv->n == pv->cap) {
        size_t cap = pv->cap ? pv->cap * 2 : 4;
        char **v = realloc(pv->v, cap * sizeof *v);
        if (!v) {
            free(s);
            return false;
        }
        pv->v = v;
        pv->cap = cap;
    }
    pv->v[pv->n++] = s;
    return true;
}

static void pv_free(parts_vec_t *pv) {
    for (size_t i = 0; i < pv->n; i++) free(pv->v[i]);
    free(pv->v);
    memset(pv, 0, sizeof *pv);
}

void rr_entity_path_free(rr_entity_path_t *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n_parts; i++) free(p->parts[i]);
    free(p->parts);
    free(p->str);
    memset(p, 0, sizeof *p);
}

rr_status_t rr_entity_path_from_parts(const char *const *parts, size_t n_parts,
                                      rr_entity_path_t *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (n_parts > 0 && !parts)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "entity path: NULL parts");
    for (size_t i = 0; i < n_parts; i++)
        if (!parts[i] || !parts[i][0])
            return rr_error_set(err, RR_ERR_INVALID_ARG, "entity path: part %zu is empty", i);
    char **v = n_parts ? calloc(n_parts, sizeof *v) : NULL;
    if (n_parts && !v) return rr_error_set(err, RR_ERR_NOMEM, "entity path: out of memory");
    for (size_t i = 0; i < n_parts; i++) {
        v[i] = strdup(parts[i]);
        if (!v[i]) {
            for (size_t k = 0; k < i; k++) free(v[k]);
            free(v);
            return rr_error_set(err, RR_ERR_NOMEM, "entity path: out of memory");
        }
    }
    return finish_path(v, n_parts, out, err);
}

rr_status_t rr_entity_path_root(rr_entity_path_t *out, rr_error_t *err) {
    return finish_path(NULL, 0, out, err);
}

rr_status_t rr_entity_path_copy(const rr_entity_path_t *src, rr_entity_path_t *dst,
                                rr_error_t *err) {
    return rr_entity_path_from_parts((const char *const *)src->parts, src->n_parts, dst, err);
}

/* ---------------- tokenizing and unescaping ---------------- */

typedef struct token {
    size_t start, len;
} token_t;

/* Rerun's tokenize_by: runs of bytes up to the next unescaped special byte,
 * and each special byte as a token of its own. */
static token_t *tokenize(const char *s, size_t len, const char *specials, size_t *n_out) {
    size_t cap = 8, n = 0;
    token_t *t = malloc(cap * sizeof *t);
    if (!t) return NULL;
    size_t pos = 0;
    while (pos < len) {
        size_t i = 0;
        bool in_escape = false;
        while (pos + i < len) {
            char c = s[pos + i];
            if (!in_escape && c != '\0' && strchr(specials, c)) break;
            in_escape = c == '\\';
            i++;
        }
        if (i == 0) i = 1;
        if (n == cap) {
            cap *= 2;
            token_t *nt = realloc(t, cap * sizeof *t);
            if (!nt) {
                free(t);
                return NULL;
            }
            t = nt;
        }
        t[n].start = pos;
        t[n].len = i;
        n++;
        pos += i;
    }
    *n_out = n;
    return t;
}

static bool tok_is(const char *s, token_t t, char c) { return t.len == 1 && s[t.start] == c; }

/* Rerun's parse_unicode_escape, after "\u": reads characters up to and
 * including '}' or until six bytes were read; valid when they are '{', four
 * hex digits, '}' and name a Unicode scalar value. *consumed says how many
 * bytes were read either way. */
static bool unicode_escape(const unsigned char *s, size_t i, size_t len, uint32_t *cp,
                           size_t *consumed) {
    size_t j = i;
    while (j < len) {
        uint32_t c;
        size_t n = utf8_decode(s, j, len, &c);
        if (n == 0) n = 1;
        j += n;
        if (c == '}' || j - i == 6) break;
    }
    *consumed = j - i;
    if (j - i != 6 || s[i] != '{' || s[i + 5] != '}') return false;
    uint32_t v = 0;
    for (size_t k = i + 1; k < i + 5; k++) {
        unsigned char h = s[k];
        unsigned d;
        if (h >= '0' && h <= '9') d = h - '0';
        else if (h >= 'a' && h <= 'f') d = h - 'a' + 10u;
        else if (h >= 'A' && h <= 'F') d = h - 'A' + 10u;
        else return false;
        v = v * 16 + d;
    }
    if (v >= 0xD800 && v <= 0xDFFF) return false;
    *cp = v;
    return true;
}

/* Unescapes one part, s[start .. start+len). strict: Rerun's parse_strict
 * (errors name the absolute byte position); otherwise parse_forgiving. */
static rr_status_t unescape_part(const char *str, size_t start, size_t len, bool strict,
                                 char **out, rr_error_t *err) {
    const unsigned char *s = (const unsigned char *)str;
    size_t end = start + len;
    sbuf_t b = {0};
    rr_status_t st = RR_OK;
    for (size_t i = start; i < end && st == RR_OK;) {
        uint32_t c;
        size_t n = utf8_decode(s, i, end, &c);
        if (n == 0) {
            if (strict) {
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "entity path: invalid UTF-8 at byte %zu", i);
                break;
            }
            sb_cp(&b, 0xFFFD);
            i++;
            continue;
        }
        if (c == 0) { /* parts are NUL-terminated: forgiving drops NUL bytes */
            i++;
            continue;
        }
        if (c != '\\') {
            if (strict && !is_bare(c)) {
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "entity path: character %s%c%s at byte %zu needs to be escaped "
                                  "with a backslash",
                                  c >= 0x20 && c < 0x7F ? "'" : "", c >= 0x20 && c < 0x7F ? (int)c : '?',
                                  c >= 0x20 && c < 0x7F ? "'" : "", i);
                break;
            }
            sb_add(&b, str + i, n);
            i += n;
            continue;
        }
        /* a backslash */
        size_t at = i;
        i++;
        if (i >= end) {
            if (strict)
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "entity path: string ends in a backslash (byte %zu)", at);
            else sb_ch(&b, '\\');
            break;
        }
        n = utf8_decode(s, i, end, &c);
        if (n == 0) {
            if (strict) {
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "entity path: invalid UTF-8 at byte %zu", i);
                break;
            }
            sb_cp(&b, 0xFFFD);
            i++;
            continue;
        }
        i += n;
        if (c == 'n') sb_ch(&b, '\n');
        else if (c == 'r') sb_ch(&b, '\r');
        else if (c == 't') sb_ch(&b, '\t');
        else if (c == 'u') {
            uint32_t v = 0;
            size_t used = 0;
            bool ok = unicode_escape(s, i, end, &v, &used);
            if (ok && v == 0) ok = false; /* parts are NUL-terminated */
            if (ok) sb_cp(&b, v);
            else if (strict) {
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "entity path: bad unicode escape at byte %zu: expected e.g. "
                                  "'\\u{262E}', found '\\u%.*s'%s",
                                  at, (int)used, str + i, v == 0 && used == 6 ? " (NUL)" : "");
            } else {
                sb_add(&b, "\\u", 2);
                sb_add(&b, str + i, used);
            }
            i += used;
        } else if (c == ' ' || is_ascii_punct(c)) {
            sb_ch(&b, (char)c);
        } else if (strict) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA,
                              "entity path: unknown escape sequence '\\%.*s' at byte %zu", (int)n,
                              str + i - n, at);
        } else {
            sb_add(&b, str + i - n, n);
        }
    }
    if (st != RR_OK) {
        free(b.p);
        return st;
    }
    *out = sb_take(&b);
    if (!*out) return rr_error_set(err, RR_ERR_NOMEM, "entity path: out of memory");
    return RR_OK;
}

/* ---------------- parsing ---------------- */

rr_status_t rr_entity_path_parse(const char *s, size_t len, rr_entity_path_t *out,
                                 rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (!s || len == 0)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "entity path: expected a path, found an empty string");
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\0')
            return rr_error_set(err, RR_ERR_INVALID_DATA, "entity path: NUL byte at byte %zu", i);
    size_t n = 0;
    token_t *t = tokenize(s, len, "/[]:#", &n);
    if (!t) return rr_error_set(err, RR_ERR_NOMEM, "entity path: out of memory");
    rr_status_t st = RR_OK;
    parts_vec_t pv = {0};
    /* A ':' starts a component suffix, a '[' an instance suffix: both make a
     * data path, not an entity path. */
    for (size_t i = 0; i < n && st == RR_OK; i++) {
        if (tok_is(s, t[i], ':')) {
            if (i + 1 == n || tok_is(s, t[n - 1], ':'))
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "entity path: trailing colon (':') at byte %zu", t[n - 1].start);
            else
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "entity path: unexpected component suffix at byte %zu (escape "
                                  "':' as '\\:')", t[i].start);
        }
    }
    for (size_t i = 0; i < n && st == RR_OK; i++) {
        if (tok_is(s, t[i], '[')) {
            bool ok = n - i == 4 && tok_is(s, t[i + 1], '#') && tok_is(s, t[n - 1], ']');
            if (ok) {
                for (size_t k = 0; k < t[i + 2].len; k++)
                    if (s[t[i + 2].start + k] < '0' || s[t[i + 2].start + k] > '9') ok = false;
            }
            st = rr_error_set(err, RR_ERR_INVALID_DATA,
                              ok ? "entity path: unexpected instance index at byte %zu"
                                 : "entity path: invalid instance index at byte %zu (expected "
                                   "'[#1234]')",
                              t[i].start);
        }
    }
    if (st == RR_OK && !(n == 1 && tok_is(s, t[0], '/'))) {
        size_t i = tok_is(s, t[0], '/') ? 1 : 0; /* the leading slash is optional */
        for (;;) {
            if (tok_is(s, t[i], '/')) {
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "entity path: double slash with no part between at byte %zu",
                                  t[i].start);
                break;
            }
            char *part = NULL;
            st = unescape_part(s, t[i].start, t[i].len, true, &part, err);
            if (st != RR_OK) break;
            if (!pv_push(&pv, part)) {
                st = rr_error_set(err, RR_ERR_NOMEM, "entity path: out of memory");
                break;
            }
            i++;
            if (i == n) break;
            if (!tok_is(s, t[i], '/')) {
                /* only '#' or ']' can follow a part here */
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "entity path: '%c' at byte %zu needs to be escaped with a "
                                  "backslash", s[t[i].start], t[i].start);
                break;
            }
            i++;
            if (i == n) {
                st = rr_error_set(err, RR_ERR_INVALID_DATA,
                                  "entity path: extra trailing slash at byte %zu", t[i - 1].start);
                break;
            }
        }
    }
    free(t);
    if (st != RR_OK) {
        pv_free(&pv);
        return st;
    }
    return finish_path(pv.v, pv.n, out, err);
}

rr_status_t rr_entity_path_parse_forgiving(const char *s, size_t len, rr_entity_path_t *out,
                                           rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (!s) len = 0;
    size_t n = 0;
    token_t *t = len ? tokenize(s, len, "/", &n) : NULL;
    if (len && !t) return rr_error_set(err, RR_ERR_NOMEM, "entity path: out of memory");
    parts_vec_t pv = {0};
    for (size_t i = 0; i < n; i++) {
        if (tok_is(s, t[i], '/')) continue;
        char *part = NULL;
        rr_status_t st = unescape_part(s, t[i].start, t[i].len, false, &part, err);
        if (st != RR_OK) {
            free(t);
            pv_free(&pv);
            return st;
        }
        if (!part[0]) { /* a part of only NUL bytes */
            free(part);
            continue;
        }
        if (!pv_push(&pv, part)) {
            free(t);
            pv_free(&pv);
            return rr_error_set(err, RR_ERR_NOMEM, "entity path: out of memory");
        }
    }
    free(t);
    return finish_path(pv.v, pv.n, out, err);
}

/* ---------------- relations ---------------- */

bool rr_entity_path_equal(const rr_entity_path_t *a, const rr_entity_path_t *b) {
    if (a->n_parts != b->n_parts || a->hash != b->hash) return false;
    for (size_t i = 0; i < a->n_parts; i++)
        if (strcmp(a->parts[i], b->parts[i]) != 0) return false;
    return true;
}

int rr_entity_path_cmp(const rr_entity_path_t *a, const rr_entity_path_t *b) {
    size_t n = a->n_parts < b->n_parts ? a->n_parts : b->n_parts;
    for (size_t i = 0; i < n; i++) {
        int c = strcmp(a->parts[i], b->parts[i]);
        if (c) return c < 0 ? -1 : 1;
    }
    return a->n_parts < b->n_parts ? -1 : a->n_parts > b->n_parts ? 1 : 0;
}

rr_status_t rr_entity_path_parent(const rr_entity_path_t *p, rr_entity_path_t *out,
                                  rr_error_t *err) {
    if (p->n_parts == 0) {
        memset(out, 0, sizeof *out);
        return rr_error_set(err, RR_ERR_INVALID_ARG, "entity path: the root has no parent");
    }
    return rr_entity_path_from_parts((const char *const *)p->parts, p->n_parts - 1, out, err);
}

rr_status_t rr_entity_path_child(const rr_entity_path_t *p, const char *part,
                                 rr_entity_path_t *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (!part || !part[0])
        return rr_error_set(err, RR_ERR_INVALID_ARG, "entity path: empty child part");
    const char **v = malloc((p->n_parts + 1) * sizeof *v);
    if (!v) return rr_error_set(err, RR_ERR_NOMEM, "entity path: out of memory");
    for (size_t i = 0; i < p->n_parts; i++) v[i] = p->parts[i];
    v[p->n_parts] = part;
    rr_status_t st = rr_entity_path_from_parts(v, p->n_parts + 1, out, err);
    free(v);
    return st;
}

static bool prefix_parts(const rr_entity_path_t *p, const rr_entity_path_t *prefix) {
    for (size_t i = 0; i < prefix->n_parts; i++)
        if (strcmp(p->parts[i], prefix->parts[i]) != 0) return false;
    return true;
}

bool rr_entity_path_starts_with(const rr_entity_path_t *p, const rr_entity_path_t *prefix) {
    return prefix->n_parts <= p->n_parts && prefix_parts(p, prefix);
}

bool rr_entity_path_is_descendant_of(const rr_entity_path_t *p, const rr_entity_path_t *ancestor) {
    return ancestor->n_parts < p->n_parts && prefix_parts(p, ancestor);
}

bool rr_entity_path_is_child_of(const rr_entity_path_t *p, const rr_entity_path_t *parent) {
    return parent->n_parts + 1 == p->n_parts && prefix_parts(p, parent);
}
