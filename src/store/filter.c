/* Entity path filters (see filter.h): parsing Rerun's rule syntax, resolving
 * rules to paths, and matching paths against the most specific rule.
 *
 * Tokenising follows Rerun's split_whitespace_smart: split at unescaped ASCII
 * whitespace, except that a sign at the start of a token may be followed by
 * spaces (but never by a newline). Rules are then kept per rule text (the
 * last sign given for a text wins), resolved to paths, and sorted from least
 * to most specific. Two different texts can resolve to the same rule
 * ("/world" and "/world/" forgivingly); Rerun keys its map by resolved rule
 * and, collecting in text order, keeps the text that sorts last, and so do
 * we. */
#include "store/filter.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- characters ---------------- */

/* Rust's u8::is_ascii_whitespace: no vertical tab. */
static bool is_ascii_ws(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Decodes one UTF-8 scalar at *p (< end); an invalid byte decodes as itself. */
static uint32_t utf8_next(const unsigned char **p, const unsigned char *end) {
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int n = 0;
    if (c >= 0xF0 && c < 0xF8) n = 3, c &= 0x07;
    else if (c >= 0xE0) n = (c < 0xF0) ? 2 : 0, c = n ? (c & 0x0F) : c;
    else if (c >= 0xC0) n = 1, c &= 0x1F;
    if (n == 0 || end - s <= n) {
        *p = s + 1;
        return s[0];
    }
    for (int i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *p = s + 1;
            return s[0];
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *p = s + n + 1;
    return c;
}

/* Rust's char::is_whitespace (Unicode White_Space), which str::trim uses. */
static bool is_unicode_ws(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Trims Unicode whitespace from both ends of [*b, *e). */
static void trim(const char **b, const char **e) {
    const unsigned char *s = (const unsigned char *)*b, *end = (const unsigned char *)*e;
    while (s < end) {
        const unsigned char *q = s;
        uint32_t c = utf8_next(&q, end);
        if (!is_unicode_ws(c)) break;
        s = q;
    }
    /* Trailing: the end of the last scalar that is not whitespace. */
    const unsigned char *last = s, *q = s;
    while (q < end)
        if (!is_unicode_ws(utf8_next(&q, end))) last = q;
    end = last;
    *b = (const char *)s;
    *e = (const char *)end;
}

/* ---------------- natural order ---------------- */

static int digit_of(uint32_t c) { return (c >= '0' && c <= '9') ? (int)(c - '0') : -1; }

static uint32_t ascii_lower(uint32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int cmp_u32(uint32_t a, uint32_t b) { return a < b ? -1 : a > b; }

/* Non-digit characters: case-insensitive first, then by code point. */
static int cmp_chars(uint32_t a, uint32_t b) {
    uint32_t al = ascii_lower(a), bl = ascii_lower(b);
    return al == bl ? cmp_u32(a, b) : cmp_u32(al, bl);
}

typedef struct nat_iter {
    const unsigned char *p, *end;
    bool has;
    uint32_t c;
} nat_iter_t;

static void nat_read(nat_iter_t *it) {
    it->has = it->p < it->end;
    if (it->has) it->c = utf8_next(&it->p, it->end);
}

static int nat_digit(const nat_iter_t *it) { return it->has ? digit_of(it->c) : -1; }

/* Natural order as the natord crate defines it (runs of digits compare by
 * value, right-aligned; a run starting with 0 compares digit by digit,
 * left-aligned), with nothing skipped. */
static int natural_cmp(const char *a, const char *b) {
    nat_iter_t l = {(const unsigned char *)a, (const unsigned char *)a + strlen(a), false, 0};
    nat_iter_t r = {(const unsigned char *)b, (const unsigned char *)b + strlen(b), false, 0};
    nat_read(&l);
    nat_read(&r);
    for (;;) {
        if (!l.has || !r.has) return l.has ? 1 : (r.has ? -1 : 0);
        int dl = digit_of(l.c), dr = digit_of(r.c);
        if (dl >= 0 && dr >= 0) {
            if (dl == 0 || dr == 0) {
                if (dl != dr) return dl < dr ? -1 : 1;
                for (;;) {
                    nat_read(&l);
                    nat_read(&r);
                    dl = nat_digit(&l);
                    dr = nat_digit(&r);
                    if (dl >= 0 && dr >= 0) {
                        if (dl != dr) return dl < dr ? -1 : 1;
                    } else if (dl >= 0) {
                        return 1;
                    } else if (dr >= 0) {
                        return -1;
                    } else {
                        break;
                    }
                }
            } else {
                int last = dl < dr ? -1 : dl > dr;
                for (;;) {
                    nat_read(&l);
                    nat_read(&r);
                    dl = nat_digit(&l);
                    dr = nat_digit(&r);
                    if (dl >= 0 && dr >= 0) {
                        if (last == 0) last = dl < dr ? -1 : dl > dr;
                    } else if (dl >= 0) {
                        return 1;
                    } else if (dr >= 0) {
                        return -1;
                    } else {
                        break;
                    }
                }
                if (last) return last;
            }
            continue; /* l and r already hold the characters after the digits */
        }
        int c = cmp_chars(l.c, r.c);
        if (c) return c;
        nat_read(&l);
        nat_read(&r);
    }
}

int rr_entity_path_part_cmp_natural(const char *a, const char *b) {
    bool ra = a[0] == '_' && a[1] == '_', rb = b[0] == '_' && b[1] == '_';
    if (ra != rb) return ra ? 1 : -1;
    return natural_cmp(a, b);
}

int rr_entity_path_cmp_natural(const rr_entity_path_t *a, const rr_entity_path_t *b) {
    size_t n = a->n_parts < b->n_parts ? a->n_parts : b->n_parts;
    for (size_t i = 0; i < n; i++) {
        int c = rr_entity_path_part_cmp_natural(a->parts[i], b->parts[i]);
        if (c) return c;
    }
    return a->n_parts < b->n_parts ? -1 : a->n_parts > b->n_parts;
}

/* ---------------- tokens ---------------- */

typedef struct token {
    const char *b, *e; /* the whole token in the input */
} token_t;

/* Splits as Rerun's split_whitespace_smart. Returns the count; *out malloc'ed. */
static rr_status_t split_tokens(const char *s, size_t len, token_t **out, size_t *n_out,
                                rr_error_t *err) {
    size_t cap = 8, n = 0;
    token_t *toks = malloc(cap * sizeof *toks);
    if (!toks) return rr_error_set(err, RR_ERR_NOMEM, "entity path filter: out of memory");
    size_t pos = 0;
    while (pos < len) {
        size_t i = pos;
        bool in_escape = false, sign_pending = false, new_token = true;
        while (i < len) {
            unsigned char c = (unsigned char)s[i];
            bool ws = !in_escape && is_ascii_ws(c);
            bool nl = !in_escape && c == '\n';
            if (nl || (!sign_pending && ws)) break;
            in_escape = c == '\\';
            if (c == '+' || c == '-') {
                sign_pending = new_token;
            } else if (!ws) {
                sign_pending = false;
                new_token = false;
            }
            i++;
        }
        if (i > pos) {
            if (n == cap) {
                cap *= 2;
                token_t *t = realloc(toks, cap * sizeof *toks);
                if (!t) {
                    free(toks);
                    return rr_error_set(err, RR_ERR_NOMEM, "entity path filter: out of memory");
                }
                toks = t;
            }
            toks[n].b = s + pos;
            toks[n].e = s + i;
            n++;
        }
        while (i < len) {
            if (in_escape || !is_ascii_ws((unsigned char)s[i])) break;
            in_escape = s[i] == '\\';
            i++;
        }
        pos = i;
    }
    *out = toks;
    *n_out = n;
    return RR_OK;
}

/* ---------------- resolving ---------------- */

/* expr with "$origin" then "${origin}" replaced by origin's string. */
static char *substitute(const char *expr, const char *origin) {
    static const char *const keys[] = {"$origin", "${origin}"};
    char *cur = strdup(expr);
    if (!cur || !origin) return cur;
    size_t olen = strlen(origin);
    for (int k = 0; k < 2; k++) {
        size_t klen = strlen(keys[k]), count = 0;
        for (const char *q = strstr(cur, keys[k]); q; q = strstr(q + klen, keys[k])) count++;
        if (!count) continue;
        size_t nlen = strlen(cur) + count * olen - count * klen;
        char *next = malloc(nlen + 1), *w = next;
        if (!next) {
            free(cur);
            return NULL;
        }
        const char *r = cur;
        for (const char *q = strstr(r, keys[k]); q; q = strstr(r, keys[k])) {
            memcpy(w, r, (size_t)(q - r));
            w += q - r;
            memcpy(w, origin, olen);
            w += olen;
            r = q + klen;
        }
        strcpy(w, r);
        free(cur);
        cur = next;
    }
    return cur;
}

static void rule_free(rr_entity_path_rule_t *r) {
    free(r->expr);
    rr_entity_path_free(&r->path);
    memset(r, 0, sizeof *r);
}

void rr_entity_path_filter_free(rr_entity_path_filter_t *f) {
    if (!f) return;
    for (size_t i = 0; i < f->n_rules; i++) rule_free(&f->rules[i]);
    free(f->rules);
    memset(f, 0, sizeof *f);
}

/* Resolves one rule text. at: byte offset of the rule in the filter text. */
static rr_status_t resolve_rule(const char *expr, rr_filter_effect_t effect,
                                const rr_entity_path_t *origin, bool strict, size_t at,
                                rr_entity_path_rule_t *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    const char *sign = effect == RR_FILTER_INCLUDE ? "+" : "-";
    char *sub = substitute(expr, origin ? origin->str : NULL);
    if (!sub) return rr_error_set(err, RR_ERR_NOMEM, "entity path filter: out of memory");
    rr_status_t st = RR_OK;
    if (strict) {
        const char *dollar = strchr(sub, '$');
        if (dollar) {
            size_t n = 0;
            while (dollar[1 + n] && !is_unicode_ws((unsigned char)dollar[1 + n])) n++;
            st = rr_error_set(err, RR_ERR_INVALID_ARG,
                              "entity path filter: rule '%s %s' at byte %zu: unresolved "
                              "substitution '$%.*s'",
                              sign, expr, at, (int)n, dollar + 1);
            free(sub);
            return st;
        }
    }
    size_t slen = strlen(sub);
    bool subtree = strlen(expr) >= 3 && strcmp(expr + strlen(expr) - 3, "/**") == 0;
    size_t plen = slen;
    if (slen >= 3 && strcmp(sub + slen - 3, "/**") == 0) plen = slen - 3;
    if (strcmp(sub, "/**") == 0) {
        st = rr_entity_path_root(&out->path, err);
    } else if (strict) {
        if (plen == 0) {
            st = rr_error_set(err, RR_ERR_INVALID_ARG,
                              "entity path filter: rule '%s %s' at byte %zu: empty entity path",
                              sign, expr, at);
        } else {
            st = rr_entity_path_parse(sub, plen, &out->path, err);
            if (st != RR_OK)
                rr_error_prefix(err, "entity path filter: rule '%s %s' at byte %zu: ", sign, expr,
                                at);
        }
    } else {
        st = rr_entity_path_parse_forgiving(sub, plen, &out->path, err);
    }
    free(sub);
    if (st != RR_OK) return st;
    out->expr = strdup(expr);
    if (!out->expr) {
        rule_free(out);
        return rr_error_set(err, RR_ERR_NOMEM, "entity path filter: out of memory");
    }
    out->subtree = subtree;
    out->effect = effect;
    return RR_OK;
}

/* Least specific first; for equal (path, kind) by rule text. */
static int rule_order(const void *pa, const void *pb) {
    const rr_entity_path_rule_t *a = pa, *b = pb;
    int c = rr_entity_path_cmp_natural(&a->path, &b->path);
    if (c) return c;
    if (a->subtree != b->subtree) return a->subtree ? -1 : 1;
    return strcmp(a->expr, b->expr);
}

static bool same_rule(const rr_entity_path_rule_t *a, const rr_entity_path_rule_t *b) {
    return a->subtree == b->subtree && rr_entity_path_equal(&a->path, &b->path);
}

typedef struct raw_rule {
    char *expr;
    rr_filter_effect_t effect;
    size_t at;
} raw_rule_t;

rr_status_t rr_entity_path_filter_parse(const char *s, size_t len, const rr_entity_path_t *origin,
                                        bool strict, rr_entity_path_filter_t *out,
                                        rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (!s && len) return rr_error_set(err, RR_ERR_INVALID_ARG, "entity path filter: NULL text");
    token_t *toks = NULL;
    size_t n_toks = 0;
    RR_TRY(split_tokens(s ? s : "", len, &toks, &n_toks, err));

    rr_status_t st = RR_OK;
    raw_rule_t *raw = calloc(n_toks ? n_toks : 1, sizeof *raw);
    /* +1 for the default properties exclusion */
    rr_entity_path_rule_t *rules = calloc(n_toks + 1, sizeof *rules);
    size_t n_raw = 0, n_rules = 0;
    if (!raw || !rules) {
        st = rr_error_set(err, RR_ERR_NOMEM, "entity path filter: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_toks; i++) {
        const char *b = toks[i].b, *e = toks[i].e;
        trim(&b, &e);
        if (b == e) continue;
        rr_filter_effect_t effect = RR_FILTER_INCLUDE;
        if (*b == '+' || *b == '-') {
            effect = *b == '-' ? RR_FILTER_EXCLUDE : RR_FILTER_INCLUDE;
            b++;
        }
        trim(&b, &e);
        char *expr = strndup(b, (size_t)(e - b));
        if (!expr) {
            st = rr_error_set(err, RR_ERR_NOMEM, "entity path filter: out of memory");
            goto done;
        }
        /* The same rule text again: the later sign wins. */
        size_t j = 0;
        while (j < n_raw && strcmp(raw[j].expr, expr) != 0) j++;
        if (j < n_raw) {
            free(expr);
            raw[j].effect = effect;
            continue;
        }
        raw[n_raw].expr = expr;
        raw[n_raw].effect = effect;
        raw[n_raw].at = (size_t)(toks[i].b - s);
        n_raw++;
    }
    for (size_t i = 0; i < n_raw; i++) {
        st = resolve_rule(raw[i].expr, raw[i].effect, origin, strict, raw[i].at, &rules[n_rules],
                          err);
        if (st != RR_OK) goto done;
        n_rules++;
    }
    if (n_rules > 1) qsort(rules, n_rules, sizeof *rules, rule_order);
    /* Texts resolving to one rule: the one whose text sorts last stays. */
    size_t w = 0;
    for (size_t i = 0; i < n_rules; i++) {
        if (i + 1 < n_rules && same_rule(&rules[i], &rules[i + 1])) {
            rule_free(&rules[i]);
            continue;
        }
        rules[w++] = rules[i];
    }
    n_rules = w;

    /* Recording properties are out unless a rule says otherwise. */
    {
        rr_entity_path_rule_t props;
        memset(&props, 0, sizeof props);
        st = resolve_rule("/__properties/**", RR_FILTER_EXCLUDE, NULL, false, 0, &props, err);
        if (st != RR_OK) goto done;
        bool have = false;
        for (size_t i = 0; i < n_rules && !have; i++) have = same_rule(&rules[i], &props);
        if (have) {
            rule_free(&props);
        } else {
            size_t at = 0;
            while (at < n_rules && rule_order(&rules[at], &props) < 0) at++;
            memmove(&rules[at + 1], &rules[at], (n_rules - at) * sizeof *rules);
            rules[at] = props;
            n_rules++;
        }
    }
    out->rules = rules;
    out->n_rules = n_rules;
    rules = NULL;
    n_rules = 0;

done:
    if (rules) {
        for (size_t i = 0; i < n_rules; i++) rule_free(&rules[i]);
        free(rules);
    }
    if (raw)
        for (size_t i = 0; i < n_raw; i++) free(raw[i].expr);
    free(raw);
    free(toks);
    return st;
}

rr_status_t rr_entity_path_filter_all(rr_entity_path_filter_t *out, rr_error_t *err) {
    return rr_entity_path_filter_parse("+ /**", 5, NULL, true, out, err);
}

/* ---------------- matching ---------------- */

static bool rule_matches(const rr_entity_path_rule_t *r, const rr_entity_path_t *p) {
    if (r->path.n_parts > p->n_parts) return false;
    if (!r->subtree) return rr_entity_path_equal(&r->path, p);
    for (size_t i = r->path.n_parts; i-- > 0;)
        if (strcmp(r->path.parts[i], p->parts[i]) != 0) return false;
    return true;
}

rr_filter_effect_t rr_entity_path_filter_most_specific(const rr_entity_path_filter_t *f,
                                                       const rr_entity_path_t *p) {
    /* Every matching rule lies on p's chain of ancestors, so in specificity
     * order the last one that matches is the most specific. */
    for (size_t i = f->n_rules; i-- > 0;)
        if (rule_matches(&f->rules[i], p)) return f->rules[i].effect;
    return RR_FILTER_NO_MATCH;
}

bool rr_entity_path_filter_matches(const rr_entity_path_filter_t *f, const rr_entity_path_t *p) {
    return rr_entity_path_filter_most_specific(f, p) == RR_FILTER_INCLUDE;
}

bool rr_entity_path_filter_subtree_included(const rr_entity_path_filter_t *f,
                                            const rr_entity_path_t *p) {
    for (size_t i = 0; i < f->n_rules; i++)
        if (f->rules[i].effect == RR_FILTER_INCLUDE &&
            rr_entity_path_starts_with(&f->rules[i].path, p))
            return true;
    for (size_t i = f->n_rules; i-- > 0;) {
        const rr_entity_path_rule_t *r = &f->rules[i];
        if (!rule_matches(r, p)) continue;
        if (r->effect == RR_FILTER_INCLUDE) return true;
        /* An exact exclusion says nothing about the children. */
        if (r->subtree) return false;
    }
    return false;
}

char *rr_entity_path_filter_format(const rr_entity_path_filter_t *f, bool with_properties) {
    size_t cap = 1;
    for (size_t i = 0; i < f->n_rules; i++) cap += strlen(f->rules[i].expr) + 3;
    char *s = malloc(cap), *w = s;
    if (!s) return NULL;
    *w = 0;
    for (size_t i = 0; i < f->n_rules; i++) {
        const rr_entity_path_rule_t *r = &f->rules[i];
        if (!with_properties && r->effect == RR_FILTER_EXCLUDE &&
            strcmp(r->expr, "/__properties/**") == 0)
            continue;
        if (w != s) *w++ = '\n';
        *w++ = r->effect == RR_FILTER_INCLUDE ? '+' : '-';
        *w++ = ' ';
        size_t n = strlen(r->expr);
        memcpy(w, r->expr, n + 1);
        w += n;
    }
    return s;
}
