/* The time panel (time_panel.h): Rerun 0.33's bottom panel (re_time_panel)
 * drawn with our immediate-mode UI. Layout and behaviour follow
 * time_panel.rs, the density graph data_density_graph.rs, the cursor
 * re_ui's paint_time_cursor, and the time text re_log_types' TimeType::format
 * with re_format's number and duration rules. */
#include "viewer/shell/time_panel.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The panel needs input the public UI API does not hand out (wheel, right
 * and middle buttons, modifiers, the mouse position); it reads them here
 * and takes the wheel when it zooms so no scroll area scrolls as well. */

#define TP_SIDE_MARGIN 26.0f    /* time_panel.rs: space left and right of the data */
#define TP_PANEL_MARGIN 8.0f    /* design_tokens.rs bottom_panel_margin (left, right) */
#define TP_TREE_MIN_W 150.0f    /* time_panel.rs: the tree column's least width */
#define TP_TIME_MIN_W 100.0f    /* ...and what it leaves the time area at least */
#define TP_CURSOR_W 10.0f       /* ui_ext.rs paint_time_cursor: the handle */
#define TP_MAX_POINT_EVENTS 10000 /* data_density_graph.rs: past this, chunks as ranges */
#define TP_MIN_RADIUS 1.5f      /* data_density_graph.rs MIN_RADIUS */
#define TP_MIN_MAX_DENSITY 2.0f /* one event alone does not fill the row */
#define TP_HOVER_RADIUS 3.0f    /* points around the mouse a tooltip counts */

#define THIN_SPACE "\xE2\x80\x89"   /* U+2009, Rerun's thousands separator */
#define MINUS_SIGN "\xE2\x88\x92"   /* U+2212 */
/* Typed times may hold the narrow no-break space U+202F too. */
#define NARROW_NBSP "\xE2\x80\xAF"

/* The mouse this frame. */
static rr_ui_mouse_t mouse(const rr_ui_t *ui) {
    rr_ui_mouse_t m;
    rr_ui_mouse(ui, &m);
    return m;
}

static const double k_speeds[] = {0.25, 0.5, 1, 2, 4, 8};
static const char *const k_speed_names[] = {"0.25x", "0.5x", "1x", "2x", "4x", "8x"};
#define N_SPEEDS 6

/* ---------------- text building ---------------- */

typedef struct sb {
    char *out;
    size_t cap, len; /* len: what was wanted */
} sb_t;

static void sb_putn(sb_t *b, const char *s, size_t n) {
    if (b->cap && b->len < b->cap - 1) {
        size_t room = b->cap - 1 - b->len;
        memcpy(b->out + b->len, s, n < room ? n : room);
    }
    b->len += n;
    if (b->cap) b->out[b->len < b->cap - 1 ? b->len : b->cap - 1] = 0;
}
static void sb_puts(sb_t *b, const char *s) { sb_putn(b, s, strlen(s)); }
static void sb_printf(sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sb_t *b, const char *fmt, ...) {
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) sb_putn(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* re_format::format_uint: groups of three digits joined by thin spaces. */
static void put_uint(sb_t *b, uint64_t v) {
    char d[24];
    int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v);
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) sb_puts(b, THIN_SPACE);
        sb_putn(b, d + i, 1);
    }
}

static uint64_t uabs64(int64_t v) { return v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v; }

/* re_format DurationFormatOptions::format_nanos with only_seconds: seconds
 * with the decimals in groups (1, 2, then 3 and 3 after thin spaces), at
 * least min_dec of them and more up to max_dec while they are not zero. */
static void put_secs(sb_t *b, int64_t ns, bool always_sign, int min_dec, int max_dec,
                     bool toward_zero) {
    uint64_t v = uabs64(ns);
    if (ns < 0) sb_puts(b, MINUS_SIGN);
    else if (always_sign) sb_puts(b, "+");
    bool g9 = min_dec >= 9 || (max_dec >= 9 && v % 1000 != 0);
    uint64_t p9 = v % 1000, us;
    if (g9) us = v / 1000, min_dec = 9;
    else us = toward_zero ? v / 1000 : (v + 500) / 1000;
    bool g6 = min_dec >= 6 || (max_dec >= 6 && us % 1000 != 0);
    uint64_t p6 = us % 1000, ms;
    if (g6) ms = us / 1000, min_dec = 6;
    else ms = toward_zero ? us / 1000 : (us + 500) / 1000;
    bool g3 = min_dec >= 3 || (max_dec >= 3 && ms % 100 != 0);
    uint64_t p3 = ms % 100, ds;
    if (g3) ds = ms / 100, min_dec = 3;
    else ds = toward_zero ? ms / 100 : (ms + 50) / 100;
    bool g1 = min_dec >= 1 || (max_dec >= 1 && ds % 10 != 0);
    uint64_t p1 = ds % 10, s;
    if (g1) s = ds / 10;
    else s = toward_zero ? ds / 10 : (ds + 5) / 10;
    put_uint(b, s);
    if (g1) sb_printf(b, ".%llu", (unsigned long long)p1);
    if (g3) sb_printf(b, "%02llu", (unsigned long long)p3);
    if (g6) sb_printf(b, THIN_SPACE "%03llu", (unsigned long long)p6);
    if (g9) sb_printf(b, THIN_SPACE "%03llu", (unsigned long long)p9);
    sb_puts(b, "s");
}

/* Days since 1970-01-01 to a proleptic Gregorian date (UTC). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

typedef struct civil {
    int64_t day; /* since the epoch */
    int64_t year;
    int month, mday, hour, min, sec;
    int64_t subsec_ns;
} civil_t;

static civil_t to_civil(int64_t ns) {
    civil_t c;
    int64_t secs = ns / 1000000000, sub = ns % 1000000000;
    if (sub < 0) sub += 1000000000, secs--;
    int64_t day = secs / 86400, sod = secs % 86400;
    if (sod < 0) sod += 86400, day--;
    c.day = day;
    civil_from_days(day, &c.year, &c.month, &c.mday);
    c.hour = (int)(sod / 3600);
    c.min = (int)(sod / 60 % 60);
    c.sec = (int)(sod % 60);
    c.subsec_ns = sub;
    return c;
}

static void put_date(sb_t *b, const civil_t *c) {
    sb_printf(b, "%04lld-%02d-%02d", (long long)c->year, c->month, c->mday);
}

static void format_into(sb_t *b, rr_time_type_t type, int64_t v, int64_t today_ns) {
    if (v == RR_TIME_STATIC) return sb_puts(b, "<static>");
    if (v == RR_TIME_MIN) return sb_puts(b, "beginning");
    if (v == RR_TIME_MAX) return sb_puts(b, "end");
    switch (type) {
    case RR_TIME_SEQUENCE:
        sb_puts(b, "#");
        if (v < 0) sb_puts(b, MINUS_SIGN);
        put_uint(b, uabs64(v));
        return;
    case RR_TIME_DURATION_NS:
        /* TimeType::format: Duration::format_secs(0..=6), always signed. */
        put_secs(b, v, true, 0, 6, false);
        return;
    case RR_TIME_TIMESTAMP_NS: {
        civil_t c = to_civil(v);
        bool hide_date = today_ns != RR_TIME_STATIC && to_civil(today_ns).day == c.day;
        if (!hide_date) {
            put_date(b, &c);
            sb_puts(b, " ");
        }
        sb_printf(b, "%02d:%02d:%02d", c.hour, c.min, c.sec);
        /* The fraction as format_nanos of the sub-second part, rounded
         * toward zero, without its leading zeros and its "s". */
        char frac[48];
        sb_t fb = {frac, sizeof frac, 0};
        put_secs(&fb, c.subsec_ns, false, 0, 6, true);
        const char *f = frac;
        while (*f == '0') f++;
        size_t fl = strlen(f);
        if (fl && f[fl - 1] == 's') fl--;
        sb_putn(b, f, fl);
        sb_puts(b, "Z");
        return;
    }
    }
    sb_printf(b, "%lld", (long long)v);
}

size_t rr_time_panel_format(rr_time_type_t type, int64_t value, int64_t today_ns, char *out,
                            size_t cap) {
    sb_t b = {out, cap, 0};
    if (cap) out[0] = 0;
    format_into(&b, type, value, today_ns);
    return b.len;
}

/* The ruler's labels (Timestamp::format_time_compact, UTC): a date at
 * midnight, milliseconds after the second within one, HH:MM on whole
 * minutes, else HH:MM:SS. Durations and sequences as rr_time_panel_format. */
static void format_compact(sb_t *b, rr_time_type_t type, int64_t v) {
    if (type != RR_TIME_TIMESTAMP_NS) return format_into(b, type, v, RR_TIME_STATIC);
    civil_t c = to_civil(v);
    if (c.subsec_ns != 0) {
        int64_t f = c.subsec_ns;
        int dec = f % 1000000 == 0 ? 0 : f % 100000 == 0 ? 1 : f % 10000 == 0 ? 2
                : f % 1000 == 0 ? 3 : f % 100 == 0 ? 4 : f % 10 == 0 ? 5 : 6;
        sb_printf(b, "%+.*f ms", dec, (double)f * 1e-6);
    } else if (c.hour == 0 && c.min == 0 && c.sec == 0) {
        put_date(b, &c);
    } else if (c.sec == 0) {
        sb_printf(b, "%02d:%02d", c.hour, c.min);
    } else {
        sb_printf(b, "%02d:%02d:%02d", c.hour, c.min, c.sec);
    }
}

size_t rr_time_panel_format_compact(rr_time_type_t type, int64_t value, char *out, size_t cap) {
    sb_t b = {out, cap, 0};
    if (cap) out[0] = 0;
    format_compact(&b, type, value);
    return b.len;
}

/* ---------------- parsing ---------------- */

/* Copies s without the separators Rerun prints (spaces, thin spaces),
 * with U+2212 as '-'. */
static bool normalize(const char *s, char *out, size_t cap) {
    size_t n = 0;
    while (*s) {
        if (!strncmp(s, THIN_SPACE, 3) || !strncmp(s, NARROW_NBSP, 3)) {
            s += 3;
            continue;
        }
        if (!strncmp(s, MINUS_SIGN, 3)) {
            s += 3;
            if (n + 1 >= cap) return false;
            out[n++] = '-';
            continue;
        }
        if (n + 1 >= cap) return false;
        out[n++] = *s++;
    }
    while (n > 0 && out[n - 1] == ' ') n--;
    out[n] = 0;
    return true;
}

static bool parse_int(const char *s, int64_t *out) {
    char *end;
    if (!*s) return false;
    long long v = strtoll(s, &end, 10);
    if (*end || end == s) return false;
    if (v == LLONG_MIN || v == LLONG_MAX) return false;
    *out = v;
    return true;
}

/* "<digits>[.<digits>]<unit>" (unit s, sec, ms, us, \u00b5s, ns, min, m, h;
 * an optional leading '-') in nanoseconds, exactly: integer arithmetic,
 * fraction digits past a nanosecond dropped; false on overflow. */
static bool parse_seconds_suffix(const char *s, int64_t *out) {
    bool neg = false;
    if (*s == '-' || *s == '+') neg = *s++ == '-';
    const char *p = s;
    int64_t whole = 0;
    while (*p >= '0' && *p <= '9') {
        if (__builtin_mul_overflow(whole, 10, &whole) || __builtin_add_overflow(whole, *p - '0', &whole))
            return false;
        p++;
    }
    size_t n_whole = (size_t)(p - s);
    const char *frac = NULL;
    size_t n_frac = 0;
    if (*p == '.') {
        frac = ++p;
        while (*p >= '0' && *p <= '9') p++;
        n_frac = (size_t)(p - frac);
    }
    if (n_whole == 0 && n_frac == 0) return false;
    while (*p == ' ') p++;
    int64_t mul;
    if (!strcmp(p, "s") || !strcmp(p, "sec")) mul = 1000000000;
    else if (!strcmp(p, "ms")) mul = 1000000;
    else if (!strcmp(p, "us") || !strcmp(p, "\xC2\xB5s")) mul = 1000;
    else if (!strcmp(p, "ns")) mul = 1;
    else if (!strcmp(p, "min") || !strcmp(p, "m")) mul = 60000000000LL;
    else if (!strcmp(p, "h")) mul = 3600000000000LL;
    else return false;
    int64_t ns;
    if (__builtin_mul_overflow(whole, mul, &ns)) return false;
    int64_t place = mul;
    for (size_t i = 0; i < n_frac && place >= 10; i++) {
        place /= 10;
        if (__builtin_add_overflow(ns, (int64_t)(frac[i] - '0') * place, &ns)) return false;
    }
    *out = neg ? -ns : ns;
    return true;
}

static bool digits(const char **p, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool parse_timestamp(const char *s, int64_t *out) {
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
    int64_t frac = 0;
    if (*p == ' ' || *p == 'T' || *p == 't') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi)) return false;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &se)) return false;
            if (*p == '.') {
                p++;
                int64_t scale = 100000000;
                if (*p < '0' || *p > '9') return false;
                while (*p >= '0' && *p <= '9') {
                    frac += (*p - '0') * scale;
                    scale /= 10;
                    p++;
                }
            }
        }
    }
    if (*p == 'Z' || *p == 'z') p++;
    if (*p) return false;
    if (h > 23 || mi > 59 || se > 60) return false;
    int64_t days = days_from_civil(y, mo, d);
    *out = ((days * 86400 + h * 3600 + mi * 60 + se) * 1000000000) + frac;
    return true;
}

bool rr_time_panel_parse(rr_time_type_t type, const char *s, int64_t *out) {
    char buf[128];
    while (*s == ' ') s++;
    if (!normalize(s, buf, sizeof buf) || !buf[0]) return false;
    switch (type) {
    case RR_TIME_SEQUENCE:
        return parse_int(buf[0] == '#' ? buf + 1 : buf, out);
    case RR_TIME_DURATION_NS:
        return parse_int(buf, out) || parse_seconds_suffix(buf, out);
    case RR_TIME_TIMESTAMP_NS:
        return parse_int(buf, out) || parse_timestamp(buf, out);
    }
    return false;
}

/* ---------------- data density ---------------- */

typedef struct dens {
    const char *timeline;
    const char *component; /* NULL: any */
    double t0, t1, w;
    float *b;
    size_t n;
    uint64_t rows;
    /* The chunks to add, each once: the store's any-component visit can
     * hand out a chunk once per component whose index ranges differ. */
    const rr_chunk_t **chunks;
    size_t n_chunks, cap_chunks;
    bool oom;
    size_t lo, hi; /* buckets touched: [lo, hi), empty when lo >= hi */
} dens_t;

static void dens_touch(dens_t *d, size_t i) {
    if (i < d->lo) d->lo = i;
    if (i + 1 > d->hi) d->hi = i + 1;
}

static const rr_chunk_index_t *chunk_index(const rr_chunk_t *c, const char *timeline) {
    for (int64_t k = 0; k < c->n_indexes; k++)
        if (!strcmp(c->indexes[k].timeline.name, timeline)) return &c->indexes[k];
    return NULL;
}

static bool dens_collect(void *ctx, const rr_chunk_t *c) {
    dens_t *d = ctx;
    if (d->n_chunks == d->cap_chunks) {
        size_t cap = d->cap_chunks ? d->cap_chunks * 2 : 64;
        const rr_chunk_t **nc = realloc(d->chunks, cap * sizeof *nc);
        if (!nc) {
            d->oom = true;
            return false;
        }
        d->chunks = nc;
        d->cap_chunks = cap;
    }
    d->chunks[d->n_chunks++] = c;
    return true;
}

static int cmp_ptr(const void *a, const void *b) {
    uintptr_t x = (uintptr_t) * (const rr_chunk_t *const *)a, y = (uintptr_t) * (const rr_chunk_t *const *)b;
    return x < y ? -1 : x > y;
}

static void dens_point(dens_t *d, double t, float count) {
    if (!(t >= d->t0 && t < d->t1)) return;
    size_t i = (size_t)((t - d->t0) / d->w);
    if (i >= d->n) i = d->n - 1;
    d->b[i] += count;
    dens_touch(d, i);
}

static bool cell_valid(const struct ArrowArray *a, int64_t row) {
    const uint8_t *valid = a->n_buffers > 0 ? (const uint8_t *)a->buffers[0] : NULL;
    if (a->null_count == 0 || !valid) return true;
    int64_t bit = a->offset + row;
    return valid[bit >> 3] >> (bit & 7) & 1;
}

/* A row is an event when any of its cells (or the one of column `only`,
 * when >= 0) holds data: a null cell is no data; an empty list is. */
static bool row_has_data(const rr_chunk_t *c, int64_t row, int64_t only) {
    if (only >= 0) return cell_valid(&c->components[only].array, row);
    for (int64_t j = 0; j < c->n_components; j++)
        if (cell_valid(&c->components[j].array, row)) return true;
    return false;
}

static void dens_rows(dens_t *d, const rr_chunk_t *c, const rr_chunk_index_t *ix) {
    const int64_t *v = (const int64_t *)ix->array.buffers[1] + ix->array.offset;
    int64_t only = -1;
    if (d->component) {
        for (int64_t j = 0; j < c->n_components && only < 0; j++)
            if (!strcmp(c->components[j].descr.component, d->component)) only = j;
        if (only < 0) return;
    }
    for (int64_t r = 0; r < ix->array.length; r++) {
        double t = (double)v[r];
        if (t >= d->t0 && t < d->t1 && row_has_data(c, r, only)) {
            dens_point(d, t, 1);
            d->rows++;
        }
    }
}

/* A chunk's rows as a box over its time range: each bucket gets its share
 * of the overlap. */
static void dens_spread(dens_t *d, const rr_chunk_t *c, const rr_chunk_index_t *ix) {
    d->rows += (uint64_t)c->num_rows;
    double a = (double)ix->range.min, z = (double)ix->range.max;
    if (a == z) {
        dens_point(d, a, (float)c->num_rows);
        return;
    }
    double lo = a > d->t0 ? a : d->t0, hi = z < d->t1 ? z : d->t1;
    if (lo >= hi) return;
    double per = (double)c->num_rows / (z - a);
    size_t i0 = (size_t)((lo - d->t0) / d->w), i1 = (size_t)((hi - d->t0) / d->w);
    if (i1 >= d->n) i1 = d->n - 1;
    for (size_t i = i0; i <= i1 && i < d->n; i++) {
        double b0 = d->t0 + (double)i * d->w, b1 = b0 + d->w;
        double o0 = b0 > lo ? b0 : lo, o1 = b1 < hi ? b1 : hi;
        if (o1 > o0) {
            d->b[i] += (float)((o1 - o0) * per);
            dens_touch(d, i);
        }
    }
}

static int64_t clamp_time_d(double t) {
    if (!(t > (double)RR_TIME_MIN)) return RR_TIME_MIN;
    if (t >= 9.2e18) return RR_TIME_MAX;
    return (int64_t)t;
}

/* rr_time_panel_density, also saying which buckets it touched. */
/* scratch: a chunk-pointer array kept between calls (grown here, freed by
 * the caller); NULL: a fresh one each call. */
typedef struct dens_scratch {
    const rr_chunk_t **chunks;
    size_t cap;
} dens_scratch_t;

static uint64_t density(const rr_store_t *s, const rr_entity_path_t *entity, const char *component,
                        const char *timeline, double t0, double t1, float *buckets, size_t n,
                        size_t *lo, size_t *hi, dens_scratch_t *scratch) {
    *lo = n, *hi = 0;
    if (!s || !entity || !timeline || !buckets || n == 0 || !(t1 > t0)) return 0;
    dens_t d = {timeline, component, t0, t1, (t1 - t0) / (double)n, buckets, n, 0,
                scratch ? scratch->chunks : NULL, 0, scratch ? scratch->cap : 0, false, n, 0};
    rr_time_range_t q = {clamp_time_d(floor(t0)), clamp_time_d(ceil(t1))};
    rr_store_visit_temporal_chunks(s, entity, timeline, component, q, dens_collect, &d);
    if (d.n_chunks > 1) qsort(d.chunks, d.n_chunks, sizeof *d.chunks, cmp_ptr);
    size_t u = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < d.n_chunks; i++)
        if (i == 0 || d.chunks[i] != d.chunks[u - 1]) {
            d.chunks[u++] = d.chunks[i];
            total += (uint64_t)d.chunks[i]->num_rows;
        }
    bool spread = total >= TP_MAX_POINT_EVENTS;
    for (size_t i = 0; i < u; i++) {
        const rr_chunk_index_t *ix = chunk_index(d.chunks[i], timeline);
        if (!ix || rr_time_range_is_empty(ix->range)) continue;
        if (spread) dens_spread(&d, d.chunks[i], ix);
        else dens_rows(&d, d.chunks[i], ix);
    }
    if (scratch) {
        scratch->chunks = d.chunks;
        scratch->cap = d.cap_chunks;
    } else {
        free(d.chunks);
    }
    *lo = d.lo, *hi = d.hi;
    return d.rows;
}

uint64_t rr_time_panel_density(const rr_store_t *s, const rr_entity_path_t *entity,
                               const char *timeline, double t0, double t1, float *buckets,
                               size_t n) {
    size_t lo, hi;
    return density(s, entity, NULL, timeline, t0, t1, buckets, n, &lo, &hi, NULL);
}

/* ---------------- the streams tree ---------------- */

typedef struct tp_node {
    char *name;              /* the last part (the recording row: its label) */
    rr_entity_path_t path;   /* owned; a component row: its entity's */
    char *component;         /* a component row's component (owned); NULL for entities */
    size_t comps_seen;       /* an entity's components given rows so far */
    int parent, first_child, next_sibling;
    int depth;
    bool is_entity;          /* the store has this entity (else only its children) */
    bool open;
    bool static_only;        /* an entity whose data is all static */
    bool has_data;           /* something on the timeline in the subtree */
    float *hist;             /* n_buckets, the subtree's density (into tp->hist) */
    float label_w;           /* the name's width in points; 0: not measured yet */
    size_t lo, hi;           /* hist's non-zero buckets lie in [lo, hi) */
} tp_node_t;

typedef struct tp_row {
    int node;
    rr_ui_rect_t r; /* the time area part */
} tp_row_t;

struct rr_time_panel {
    rr_time_panel_layout_t lay;

    /* What the state below belongs to (compared, never dereferenced when
     * the app shows another store). */
    const rr_store_t *store;
    char timeline[256];

    /* The time axis: view_min at x0, view_max at x1. */
    double view_min, view_max;
    bool user_view;
    float x0, x1;
    float tree_w;
    bool panning;
    /* The loop selection being made or changed on the ruler (SEL_*), where
     * the press was, whether the mouse has moved since, and the selection
     * at the press. */
    int sel_drag;
    float sel_press_x;
    bool sel_moved;
    rr_time_range_t sel_orig;

    tp_node_t *nodes; /* [0]: the recording */
    size_t n_nodes, cap_nodes;
    size_t entities_seen;

    /* The density cache. */
    float *hist;
    size_t hist_layout_n, hist_layout_nodes; /* buckets per node and nodes hist was last laid out for */
    size_t n_buckets, hist_cap;
    double hist_t0, hist_t1;
    uint64_t key_chunks, key_bytes, key_items;
    bool hist_valid;
    /* Rows are normalised together (data_density_graph.rs): by the largest
     * blurred bucket painted in the last frame, at least TP_MIN_MAX_DENSITY. */
    float max_density, frame_max;
    float *smooth; /* n_buckets: one row's blurred density while painting */
    size_t smooth_cap;
    uint64_t recomputes;
    dens_scratch_t scratch;
    uint64_t st_chunks, st_bytes, st_items; /* the store when statics were marked */
    size_t st_nodes;
    bool statics_valid;
    double last_cost, last_end; /* seconds: the last recompute's cost, its end */

    tp_row_t *rows;
    size_t n_rows, cap_rows;

    char time_buf[128];
    rr_ui_id_t time_field_id;
    char selected[512]; /* the shell's selected entity path, "" for none */
    char clicked[512];  /* the name clicked this frame, "" for none */
};

static void nodes_clear(rr_time_panel_t *tp) {
    for (size_t i = 0; i < tp->n_nodes; i++) {
        free(tp->nodes[i].name);
        free(tp->nodes[i].component);
        rr_entity_path_free(&tp->nodes[i].path);
    }
    tp->n_nodes = 0;
    tp->entities_seen = 0;
    tp->hist_valid = false;
    tp->statics_valid = false;
    tp->hist_layout_n = 0; /* the buffer's contents mean nothing now */
}

rr_status_t rr_time_panel_new(rr_time_panel_t **out, rr_error_t *err) {
    rr_time_panel_t *tp = calloc(1, sizeof *tp);
    if (!tp) return rr_error_set(err, RR_ERR_NOMEM, "time panel: out of memory");
    tp->tree_w = 200;
    tp->max_density = TP_MIN_MAX_DENSITY;
    *out = tp;
    return RR_OK;
}

void rr_time_panel_free(rr_time_panel_t *tp) {
    if (!tp) return;
    nodes_clear(tp);
    free(tp->nodes);
    free(tp->hist);
    free(tp->smooth);
    free(tp->scratch.chunks);
    free(tp->rows);
    free(tp);
}

const rr_time_panel_layout_t *rr_time_panel_layout(const rr_time_panel_t *tp) { return &tp->lay; }
uint64_t rr_time_panel_density_recomputes(const rr_time_panel_t *tp) { return tp->recomputes; }
double rr_time_panel_density_last_cost(const rr_time_panel_t *tp) { return tp->last_cost; }

void rr_time_panel_set_selected(rr_time_panel_t *tp, const char *entity_path) {
    snprintf(tp->selected, sizeof tp->selected, "%s", entity_path ? entity_path : "");
}

const char *rr_time_panel_clicked(const rr_time_panel_t *tp) {
    return tp->clicked[0] ? tp->clicked : NULL;
}

float rr_time_panel_x_from_time(const rr_time_panel_t *tp, double t) {
    double span = tp->view_max - tp->view_min;
    if (!(span > 0)) return tp->x0;
    return tp->x0 + (float)((t - tp->view_min) / span * (double)(tp->x1 - tp->x0));
}

double rr_time_panel_time_from_x(const rr_time_panel_t *tp, float x) {
    float w = tp->x1 - tp->x0;
    if (!(w > 0)) return tp->view_min;
    return tp->view_min + (double)(x - tp->x0) / (double)w * (tp->view_max - tp->view_min);
}

void rr_time_panel_view(const rr_time_panel_t *tp, double *t_min, double *t_max, bool *user_zoomed) {
    if (t_min) *t_min = tp->view_min;
    if (t_max) *t_max = tp->view_max;
    if (user_zoomed) *user_zoomed = tp->user_view;
}

/* A row's name: "/" for the recording, the entity path, or for a
 * component "<entity path> <component>". */
static void row_name(const tp_node_t *n, int id, char *out, size_t cap) {
    if (id == 0) snprintf(out, cap, "/");
    else if (n->component) snprintf(out, cap, "%s %s", n->path.str, n->component);
    else snprintf(out, cap, "%s", n->path.str);
}

bool rr_time_panel_row_rect(const rr_time_panel_t *tp, const char *path, rr_ui_rect_t *out) {
    for (size_t i = 0; i < tp->n_rows; i++) {
        const tp_node_t *n = &tp->nodes[tp->rows[i].node];
        char name[600];
        row_name(n, tp->rows[i].node, name, sizeof name);
        bool match = tp->rows[i].node == 0 ? !path || !path[0] || !strcmp(path, "/")
                                           : path && !strcmp(name, path);
        if (match) {
            *out = tp->rows[i].r;
            return true;
        }
    }
    return false;
}

static int node_add(rr_time_panel_t *tp, int parent, const char *name, const rr_entity_path_t *path,
                    bool is_component, rr_error_t *err) {
    if (tp->n_nodes == tp->cap_nodes) {
        size_t cap = tp->cap_nodes ? tp->cap_nodes * 2 : 64;
        tp_node_t *nn = realloc(tp->nodes, cap * sizeof *nn);
        if (!nn) return -1;
        tp->nodes = nn;
        tp->cap_nodes = cap;
    }
    tp_node_t *n = &tp->nodes[tp->n_nodes];
    memset(n, 0, sizeof *n);
    n->name = strdup(name);
    n->component = is_component ? strdup(name) : NULL;
    if (!n->name || (is_component && !n->component) || rr_entity_path_copy(path, &n->path, err) != RR_OK) {
        free(n->name);
        free(n->component);
        return -1;
    }
    n->parent = parent;
    n->first_child = n->next_sibling = -1;
    n->depth = parent < 0 ? 0 : tp->nodes[parent].depth + 1;
    /* streams_tree_data.rs: the root and the top-level entities start
     * open, but reserved ones ("__properties"). */
    n->open = !is_component && n->depth <= 1 && strncmp(name, "__", 2) != 0;
    int id = (int)tp->n_nodes++;
    if (parent >= 0) {
        /* Child entities in name order, then the entity's own components
         * in name order, as Rerun lists them. */
        int *link = &tp->nodes[parent].first_child;
        while (*link >= 0) {
            const tp_node_t *sib = &tp->nodes[*link];
            bool sib_comp = sib->component != NULL;
            if (sib_comp != is_component ? is_component : strcmp(sib->name, name) < 0)
                link = &tp->nodes[*link].next_sibling;
            else
                break;
        }
        tp->nodes[id].next_sibling = *link;
        *link = id;
    }
    return id;
}

/* Adds the entities the store gained since last time (the store only ever
 * gains entities), with the paths above them as nodes of their own. */
static rr_status_t tree_update(rr_time_panel_t *tp, const rr_store_t *s, rr_error_t *err) {
    size_t ne = rr_store_num_entities(s);
    if (tp->n_nodes > 0 && ne == tp->entities_seen) return RR_OK;
    if (tp->n_nodes == 0) {
        rr_entity_path_t root;
        if (rr_entity_path_root(&root, err) != RR_OK) return RR_ERR_NOMEM;
        /* The recording's row is named by its application (a recording id
         * is a long uuid), as the shell's recordings list groups them. */
        const rr_store_id_t *id = rr_store_store_id(s);
        const char *label = id && id->application_id && id->application_id[0] ? id->application_id
                            : id && id->recording_id && id->recording_id[0] ? id->recording_id
                                                                            : "Recording";
        int r = node_add(tp, -1, label, &root, false, err);
        rr_entity_path_free(&root);
        if (r < 0) return rr_error_set(err, RR_ERR_NOMEM, "time panel: out of memory for the streams tree");
    }
    for (size_t i = 0; i < ne; i++) {
        const rr_entity_path_t *e = rr_store_entity(s, i);
        int cur = 0;
        for (size_t k = 0; k < e->n_parts; k++) {
            int c = tp->nodes[cur].first_child;
            while (c >= 0 && (tp->nodes[c].component || strcmp(tp->nodes[c].name, e->parts[k]) != 0))
                c = tp->nodes[c].next_sibling;
            if (c < 0) {
                rr_entity_path_t sub;
                if (rr_entity_path_from_parts((const char *const *)e->parts, k + 1, &sub, err) != RR_OK)
                    return RR_ERR_NOMEM;
                c = node_add(tp, cur, e->parts[k], &sub, false, err);
                rr_entity_path_free(&sub);
                if (c < 0) return rr_error_set(err, RR_ERR_NOMEM, "time panel: out of memory for the streams tree");
            }
            cur = c;
        }
        tp->nodes[cur].is_entity = true;
    }
    tp->entities_seen = ne;
    tp->hist_valid = false;
    return RR_OK;
}

/* data_density_graph.rs smooth(): a slight blur, five taps of a cosine
 * (cos(pi/2 * x) at x = 0, +-1/3, +-2/3), normalised. */
static void blur(const float *in, float *out, size_t n) {
    static const float k[5] = {0.5f / 3.7320508f, 0.8660254f / 3.7320508f, 1.0f / 3.7320508f,
                               0.8660254f / 3.7320508f, 0.5f / 3.7320508f};
    for (size_t i = 0; i < n; i++) {
        float sum = 0;
        for (int j = 0; j < 5; j++) {
            size_t at = i + (size_t)j;
            if (at < 2 || at - 2 >= n) continue;
            sum += k[j] * in[at - 2];
        }
        out[i] = sum;
    }
}

static bool ensure_smooth(rr_time_panel_t *tp, size_t n) {
    if (n <= tp->smooth_cap) return true;
    float *b = realloc(tp->smooth, n * sizeof *b);
    if (!b) return false;
    tp->smooth = b;
    tp->smooth_cap = n;
    return true;
}

/* Recomputes every node's density when the store, the timeline, the
 * visible range or the width changed since the last one. */
/* Which entities hold static data only (no timeline at all), redone when
 * the store changes; independent of the timeline shown, so a recording
 * without any timeline marks them too. */
static void statics_update(rr_time_panel_t *tp, rr_app_t *app, const rr_store_t *s) {
    uint64_t kc = rr_store_num_chunks(s), kb = rr_store_memory_bytes(s), ki = rr_app_items_loaded(app);
    if (tp->statics_valid && tp->st_chunks == kc && tp->st_bytes == kb && tp->st_items == ki &&
        tp->st_nodes == tp->n_nodes)
        return;
    size_t ntl = rr_store_num_timelines(s);
    /* Components an entity gained get rows (their nodes go at the end of
     * the array, after their entity, as the sums below need). */
    size_t n_before = tp->n_nodes;
    for (size_t i = 0; i < n_before; i++) {
        if (!tp->nodes[i].is_entity) continue;
        size_t nc = rr_store_entity_num_components(s, &tp->nodes[i].path);
        if (nc == tp->nodes[i].comps_seen) continue;
        for (size_t k = 0; k < nc; k++) {
            const struct ArrowSchema *type;
            const rr_component_descriptor_t *d = rr_store_entity_component(s, &tp->nodes[i].path, k, &type);
            if (!d || !d->component) continue;
            int c = tp->nodes[i].first_child;
            while (c >= 0 && !(tp->nodes[c].component && !strcmp(tp->nodes[c].component, d->component)))
                c = tp->nodes[c].next_sibling;
            if (c >= 0) continue;
            rr_entity_path_t path;
            if (rr_entity_path_copy(&tp->nodes[i].path, &path, NULL) != RR_OK) return;
            c = node_add(tp, (int)i, d->component, &path, true, NULL);
            rr_entity_path_free(&path);
            if (c < 0) return; /* out of memory: tried again on the next change */
        }
        tp->nodes[i].comps_seen = nc;
        tp->hist_valid = false;
    }
    for (size_t i = 0; i < tp->n_nodes; i++) {
        tp_node_t *nd = &tp->nodes[i];
        nd->static_only = false;
        if (nd->component) {
            nd->static_only = rr_store_entity_component_is_static(s, &nd->path, nd->component);
            continue;
        }
        if (!nd->is_entity) continue;
        rr_time_range_t r;
        bool temporal = false;
        for (size_t k = 0; k < ntl && !temporal; k++)
            temporal = rr_store_time_range(s, &nd->path, rr_store_timeline(s, k)->name, &r);
        nd->static_only = !temporal && rr_store_entity_num_components(s, &nd->path) > 0;
    }
    tp->st_chunks = kc, tp->st_bytes = kb, tp->st_items = ki, tp->st_nodes = tp->n_nodes;
    tp->statics_valid = true;
}

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* *deferred: the store changed but the densities were left as they were
 * (see below); the caller asks for another frame. */
static rr_status_t densities_update(rr_time_panel_t *tp, rr_app_t *app, const rr_store_t *s,
                                    const char *timeline, double t0, double t1, size_t n,
                                    bool may_defer, bool *deferred, rr_error_t *err) {
    uint64_t kc = rr_store_num_chunks(s), kb = rr_store_memory_bytes(s), ki = rr_app_items_loaded(app);
    *deferred = false;
    bool same_view = tp->hist_valid && tp->n_buckets == n && tp->hist_t0 == t0 && tp->hist_t1 == t1;
    if (same_view && tp->key_chunks == kc && tp->key_bytes == kb && tp->key_items == ki) return RR_OK;
    /* While data streams in, every frame changes the store (and the axis
     * that follows it): when a recompute is costly (over 2 ms), such
     * changes wait until eight times its cost has passed, so it takes at
     * most about a ninth of the time; meanwhile the old buckets are drawn
     * where their times fall on the new axis. The user's zoom, pan and
     * resizing are never held back. */
    double start = mono_s();
    if (may_defer && tp->hist_valid && tp->n_buckets == n && tp->last_cost > 0.002 &&
        start - tp->last_end < 8 * tp->last_cost) {
        *deferred = true;
        return RR_OK;
    }
    size_t need = tp->n_nodes * n;
    if (need > tp->hist_cap) {
        float *h = realloc(tp->hist, need * sizeof *h);
        if (!h) return rr_error_set(err, RR_ERR_NOMEM, "time panel: out of memory for %zu density buckets", need);
        tp->hist = h;
        tp->hist_cap = need;
    }
    /* Clear what the last computation wrote: the buckets each node touched
     * when the layout is the same, else everything. */
    if (tp->hist_layout_n == n && tp->hist_layout_nodes <= tp->n_nodes) {
        for (size_t i = 0; i < tp->hist_layout_nodes; i++)
            if (tp->nodes[i].hi > tp->nodes[i].lo)
                memset(tp->hist + i * n + tp->nodes[i].lo, 0,
                       (tp->nodes[i].hi - tp->nodes[i].lo) * sizeof *tp->hist);
        memset(tp->hist + tp->hist_layout_nodes * n, 0,
               (tp->n_nodes - tp->hist_layout_nodes) * n * sizeof *tp->hist);
    } else {
        memset(tp->hist, 0, need * sizeof *tp->hist);
    }
    tp->hist_layout_n = n;
    tp->hist_layout_nodes = tp->n_nodes;
    for (size_t i = 0; i < tp->n_nodes; i++) {
        tp->nodes[i].hist = tp->hist + i * n;
        tp->nodes[i].has_data = false;
        tp->nodes[i].lo = n;
        tp->nodes[i].hi = 0;
    }
    /* Children come after their parents in the array, so walking it
     * backwards sums every subtree into its parent once. */
    for (size_t i = tp->n_nodes; i-- > 0;) {
        tp_node_t *nd = &tp->nodes[i];
        if (nd->is_entity || nd->component) {
            size_t lo, hi;
            uint64_t rows = density(s, &nd->path, nd->component, timeline, t0, t1, nd->hist, n, &lo,
                                    &hi, &tp->scratch);
            if (lo < nd->lo) nd->lo = lo;
            if (hi > nd->hi) nd->hi = hi;
            if (rows) nd->has_data = true;
        }
        /* A component's rows are its entity's, counted there already. */
        if (nd->parent >= 0 && nd->has_data && !nd->component) {
            tp_node_t *p = &tp->nodes[nd->parent];
            for (size_t b = nd->lo; b < nd->hi; b++) p->hist[b] += nd->hist[b];
            if (nd->lo < p->lo) p->lo = nd->lo;
            if (nd->hi > p->hi) p->hi = nd->hi;
            p->has_data = true;
        }
    }
    tp->recomputes++;
    tp->last_end = mono_s();
    tp->last_cost = tp->last_end - start;
    tp->n_buckets = n;
    tp->hist_t0 = t0;
    tp->hist_t1 = t1;
    tp->key_chunks = kc;
    tp->key_bytes = kb;
    tp->key_items = ki;
    tp->hist_valid = true;
    return RR_OK;
}

/* ---------------- the ruler ---------------- */

/* The i-th candidate tick step (time units), smallest first; 0 past the
 * last. Sequences: 1, 2, 5 times powers of ten. Durations and timestamps:
 * the same below a second, then steps people read on a clock. */
static int64_t tick_step(rr_time_type_t type, int i) {
    static const int64_t clock_steps[] = {
        1000000000LL, 2000000000LL, 5000000000LL, 10000000000LL, 15000000000LL, 30000000000LL,
        60000000000LL, 120000000000LL, 300000000000LL, 600000000000LL, 900000000000LL,
        1800000000000LL, 3600000000000LL, 7200000000000LL, 10800000000000LL, 21600000000000LL,
        43200000000000LL,
    };
    static const int mant[3] = {1, 2, 5};
    if (i < 0) return 0;
    if (type == RR_TIME_SEQUENCE || i < 27) {
        int64_t p = 1;
        for (int k = 0; k < i / 3; k++) {
            if (p > INT64_MAX / 100) return 0;
            p *= 10;
        }
        return mant[i % 3] * p;
    }
    i -= 27;
    if (i < (int)(sizeof clock_steps / sizeof clock_steps[0])) return clock_steps[i];
    i -= (int)(sizeof clock_steps / sizeof clock_steps[0]);
    int64_t day = 86400000000000LL, p = 1;
    for (int k = 0; k < i / 3; k++) {
        if (p > INT64_MAX / day / 100) return 0;
        p *= 10;
    }
    return mant[i % 3] * p * day;
}

static void paint_ruler(rr_time_panel_t *tp, rr_ui_t *ui, rr_time_type_t type, rr_ui_rect_t ruler,
                        const rr_ui_theme_t *th) {
    double span = tp->view_max - tp->view_min;
    float w = tp->x1 - tp->x0;
    if (!(span > 0) || !(w > 0)) return;
    double units_per_pt = span / (double)w;
    /* Labels need room for themselves; tick marks a few points. */
    char sample[64];
    sb_t sb = {sample, sizeof sample, 0};
    format_compact(&sb, type, (int64_t)tp->view_max);
    float label_w = rr_ui_text_width(ui, sample) + 24;
    int64_t major = 0, minor = 0;
    for (int i = 0;; i++) {
        int64_t st = tick_step(type, i);
        if (!st) break;
        if (!major && (double)st / units_per_pt >= label_w) major = st;
        if (major) break;
    }
    if (!major) return;
    for (int i = 0;; i++) {
        int64_t st = tick_step(type, i);
        if (!st || st >= major) break;
        if ((double)st / units_per_pt >= 6 && major % st == 0) {
            minor = st;
            break;
        }
    }
    double lo = rr_time_panel_time_from_x(tp, ruler.x), hi = rr_time_panel_time_from_x(tp, ruler.x + ruler.w);
    rr_ui_color_t faint = th->text_subdued & 0xffffff60u, strong = th->text_subdued;
    float bottom = ruler.y + ruler.h;
    if (minor) {
        double first = ceil(lo / (double)minor);
        for (double k = first; k * (double)minor <= hi && k - first < 4096; k += 1) {
            double t = k * (double)minor;
            if (fmod(t, (double)major) == 0) continue;
            float x = rr_time_panel_x_from_time(tp, t);
            rr_ui_draw_line(ui, x, bottom - 4, x, bottom, faint, 1);
        }
    }
    double first = ceil(lo / (double)major);
    for (double k = first; k * (double)major <= hi && k - first < 1024; k += 1) {
        double t = k * (double)major;
        float x = rr_time_panel_x_from_time(tp, t);
        rr_ui_draw_line(ui, x, ruler.y + 2, x, bottom, faint, 1);
        char lab[64];
        sb_t lb = {lab, sizeof lab, 0};
        format_compact(&lb, type, clamp_time_d(t));
        rr_ui_draw_text(ui, x + 4, ruler.y + 2, lab, strlen(lab), strong);
    }
}

static void paint_cursor(rr_ui_t *ui, float x, float top, float bottom, rr_ui_color_t c) {
    rr_ui_draw_triangle(ui, x - 0.5f * TP_CURSOR_W, top, x + 0.5f * TP_CURSOR_W, top, x,
                        top + TP_CURSOR_W, c);
    rr_ui_draw_line(ui, x, top + TP_CURSOR_W, x, bottom, c, 1.5f);
}

/* ---------------- the frame ---------------- */

static void set_time_at(rr_time_panel_t *tp, rr_app_t *app, float x, rr_time_range_t range) {
    double t = llround(rr_time_panel_time_from_x(tp, x));
    if (t < (double)range.min) t = (double)range.min;
    if (t > (double)range.max) t = (double)range.max;
    int64_t ti = clamp_time_d(t);
    if (ti < range.min) ti = range.min;
    if (ti > range.max) ti = range.max;
    rr_app_set_time(app, ti);
}

static void default_view(rr_time_panel_t *tp, rr_time_type_t type, rr_time_range_t r) {
    double lo = (double)r.min, hi = (double)r.max;
    if (hi <= lo) {
        double pad = type == RR_TIME_SEQUENCE ? 1 : 1e9;
        lo -= pad;
        hi += pad;
    }
    tp->view_min = lo;
    tp->view_max = hi;
}

static int64_t now_ns(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return RR_TIME_STATIC;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool is_dark(const rr_ui_theme_t *th) {
    uint32_t bg = th->panel_bg;
    return ((bg >> 24) & 0xff) + ((bg >> 16) & 0xff) + ((bg >> 8) & 0xff) < 3 * 128;
}

/* re_ui's large_button_selected: a flat button, filled with the selection
 * colour (or fill, when not 0) while its mode is on. True when clicked. */
static bool tool_button_fill(rr_ui_t *ui, const char *label, bool selected, rr_ui_color_t fill,
                             rr_ui_rect_t *rect_out) {
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    size_t len = rr_ui_label_length(label);
    float tw = rr_ui_font_text_width(rr_ui_font(ui), label, len), h = rr_ui_row_height(ui);
    float w = tw + 2 * th->padding_x;
    if (w < h) w = h;
    rr_ui_rect_t r = rr_ui_allocate(ui, w, h);
    rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, label), r);
    rr_ui_color_t bg = selected ? (fill ? fill : th->selection_bg) : resp.held ? th->widget_active
                                                  : resp.hovered ? th->widget_hovered : 0;
    if (bg) rr_ui_draw_rect(ui, r, bg, th->corner_radius);
    rr_ui_color_t fg = selected ? th->selection_text : resp.hovered ? th->text_strong : th->text;
    if (len == 0) {
        /* The pause icon (DejaVu Sans has no U+23F8): two bars. */
        float cx = r.x + w * 0.5f, cy = r.y + h * 0.5f, bh = h * 0.4f;
        rr_ui_draw_rect(ui, (rr_ui_rect_t){cx - 4, cy - bh * 0.5f, 3, bh}, fg, 0);
        rr_ui_draw_rect(ui, (rr_ui_rect_t){cx + 1, cy - bh * 0.5f, 3, bh}, fg, 0);
    } else {
        rr_ui_draw_text_in(ui, r, r.x + (w - tw) * 0.5f, label, len, fg);
    }
    *rect_out = r;
    return resp.clicked;
}

static bool tool_button(rr_ui_t *ui, const char *label, bool selected, rr_ui_rect_t *rect_out) {
    return tool_button_fill(ui, label, selected, 0, rect_out);
}

/* ---------------- the loop selection ---------------- */

/* What a press on the ruler grabbed (time_selection_ui.rs): nothing yet (a
 * new selection if the mouse moves), an edge, or the selection's middle. */
enum { SEL_NONE, SEL_NEW, SEL_LEFT, SEL_RIGHT, SEL_MOVE };
#define TP_SEL_GRAB 5.0f /* egui's resize_grab_radius_side */
#define TP_SEL_DRAG 3.0f /* mouse motion that makes a press a drag */

static int64_t time_at_x(const rr_time_panel_t *tp, float x, rr_time_range_t range) {
    double t = llround(rr_time_panel_time_from_x(tp, x));
    if (t < (double)range.min) t = (double)range.min;
    if (t > (double)range.max) t = (double)range.max;
    int64_t ti = clamp_time_d(t);
    return ti < range.min ? range.min : ti > range.max ? range.max : ti;
}

/* The first selection when looping switches to it without one (Rerun's
 * initial_time_selection): the middle half of the view, within the data. */
static void initial_selection(rr_time_panel_t *tp, rr_app_t *app, rr_time_range_t range) {
    double span = tp->view_max - tp->view_min;
    rr_time_range_t r = {clamp_time_d(tp->view_min + 0.25 * span), clamp_time_d(tp->view_min + 0.75 * span)};
    if (r.min < range.min) r.min = range.min;
    if (r.max > range.max) r.max = range.max;
    if (r.max <= r.min) r = range;
    rr_app_set_time_selection(app, r);
}

/* Presses and drags on the ruler (time_selection_ui.rs loop_selection_ui):
 * a drag makes a new selection and loops it; the edges of one resize it and
 * its middle moves it; a click on it switches between looping it and not,
 * with Alt removes it; a click beside it removes it. A press beside the
 * selection also moves the time there, as on the rest of the time area. */
static void ruler_input(rr_time_panel_t *tp, rr_ui_t *ui, rr_app_t *app, rr_ui_response_t rr,
                        rr_time_range_t range) {
    rr_time_range_t sel;
    bool has = rr_app_time_selection(app, &sel);
    if (rr.pressed) {
        tp->sel_press_x = mouse(ui).x;
        tp->sel_moved = false;
        tp->sel_drag = SEL_NEW;
        if (has) {
            float x0 = rr_time_panel_x_from_time(tp, (double)sel.min);
            float x1 = rr_time_panel_x_from_time(tp, (double)sel.max);
            /* The edges win over the middle; the nearer one when both are in reach. */
            float d0 = fabsf(mouse(ui).x - x0), d1 = fabsf(mouse(ui).x - x1);
            if (d1 <= TP_SEL_GRAB && (d1 < d0 || mouse(ui).x >= x1)) tp->sel_drag = SEL_RIGHT;
            else if (d0 <= TP_SEL_GRAB) tp->sel_drag = SEL_LEFT;
            else if (mouse(ui).x > x0 && mouse(ui).x < x1) tp->sel_drag = SEL_MOVE;
            tp->sel_orig = sel;
        }
        if (tp->sel_drag == SEL_NEW) set_time_at(tp, app, mouse(ui).x, range);
    }
    if (tp->sel_drag == SEL_NONE) return;
    if (fabsf(mouse(ui).x - tp->sel_press_x) > TP_SEL_DRAG) tp->sel_moved = true;
    /* Still down, unless pressed and released within this frame. */
    bool down = rr.held || (rr.pressed && !rr.clicked);
    if (down && tp->sel_moved) {
        int64_t t = time_at_x(tp, mouse(ui).x, range), t0 = time_at_x(tp, tp->sel_press_x, range);
        rr_time_range_t r = tp->sel_orig;
        switch (tp->sel_drag) {
        case SEL_NEW:
            rr_app_set_time_selection(app, (rr_time_range_t){t0, t});
            rr_app_set_loop_mode(app, RR_APP_LOOP_SELECTION);
            return;
        case SEL_LEFT: r.min = t; break;   /* past the other edge: they swap */
        case SEL_RIGHT: r.max = t; break;
        default: { /* SEL_MOVE: the same length, kept within the data */
            int64_t len = r.max - r.min, d = t - t0;
            r.min += d;
            if (r.min < range.min) r.min = range.min;
            if (r.min > range.max - len) r.min = range.max - len;
            r.max = r.min + len;
            break;
        }
        }
        rr_app_set_time_selection(app, r);
        return;
    }
    if (down) return;
    /* Released. */
    if (!tp->sel_moved) {
        if (tp->sel_drag == SEL_NEW) {
            if (has) rr_app_clear_time_selection(app);
        } else if (mouse(ui).mods & RR_UI_MOD_ALT) {
            rr_app_clear_time_selection(app);
        } else {
            rr_app_set_loop_mode(app, rr_app_loop_mode(app) == RR_APP_LOOP_SELECTION
                                          ? RR_APP_LOOP_OFF
                                          : RR_APP_LOOP_SELECTION);
        }
    }
    tp->sel_drag = SEL_NONE;
}

/* The selection over the ruler, and below it over the streams: in full
 * while it loops, faint below otherwise (re_ui's loop_selection_alpha 0.55
 * and _inactive 0.20 of the selection colour). */
static void paint_selection(rr_time_panel_t *tp, rr_ui_t *ui, rr_app_t *app, rr_ui_rect_t ruler,
                            rr_ui_rect_t streams) {
    rr_time_range_t sel;
    if (!rr_app_time_selection(app, &sel)) return;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    float x0 = rr_time_panel_x_from_time(tp, (double)sel.min);
    float x1 = rr_time_panel_x_from_time(tp, (double)sel.max);
    if (x1 - x0 < 2) { /* always visible */
        float c = 0.5f * (x0 + x1);
        x0 = c - 1;
        x1 = c + 1;
    }
    uint32_t a = th->selection_bg & 0xffu;
    rr_ui_color_t full = (th->selection_bg & ~0xffu) | (uint32_t)lroundf((float)a * 0.55f);
    rr_ui_color_t faint = (th->selection_bg & ~0xffu) | (uint32_t)lroundf((float)a * 0.20f);
    bool active = rr_app_loop_mode(app) == RR_APP_LOOP_SELECTION;
    rr_ui_rect_t area = {ruler.x, ruler.y, ruler.w, ruler.h + streams.h};
    rr_ui_push_clip(ui, area);
    rr_ui_draw_rect(ui, (rr_ui_rect_t){x0, ruler.y, x1 - x0, ruler.h}, full, 0);
    if (streams.h > 0)
        rr_ui_draw_rect(ui, (rr_ui_rect_t){x0, streams.y, x1 - x0, streams.h}, active ? full : faint, 0);
    rr_ui_pop_clip(ui);
}

static void top_row(rr_time_panel_t *tp, rr_ui_t *ui, rr_app_t *app, const rr_store_t *s,
                    const rr_timeline_t *tl) {
    rr_time_panel_layout_t *L = &tp->lay;
    rr_ui_rect_t a = rr_ui_available(ui);
    /* time_control_ui.rs play_pause_ui: play, follow, pause, step back,
     * step forward, loop; the modes in effect shown selected. */
    bool playing = rr_app_playing(app), following = rr_app_following(app);
    if (tool_button(ui, "\xE2\x96\xB6##play", playing, &L->play)) /* ▶ */
        rr_app_set_playing(app, !playing);
    rr_ui_same_line(ui);
    if (tool_button(ui, "Follow##follow", following, &L->follow)) rr_app_set_following(app, true);
    rr_ui_same_line(ui);
    if (tool_button(ui, "##pause", !playing && !following, &L->pause))
        rr_app_toggle_playing(app);
    rr_ui_same_line(ui);
    if (tool_button(ui, "\xE2\x86\x90##step_back", false, &L->step_back)) rr_app_step(app, -1); /* ← */
    rr_ui_same_line(ui);
    if (tool_button(ui, "\xE2\x86\x92##step_forward", false, &L->step_forward)) rr_app_step(app, 1); /* → */
    rr_ui_same_line(ui);
    /* time_control_ui.rs loop_button_ui: off, then the whole recording
     * (filled with re_ui's loop_everything_color), then the selection. */
    rr_app_loop_t mode = rr_app_loop_mode(app);
    rr_ui_color_t everything = is_dark(rr_ui_theme(ui)) ? 0x02502dffu : 0x06a35cffu;
    rr_time_range_t range;
    if (tool_button_fill(ui, "Loop##loop", mode != RR_APP_LOOP_OFF,
                         mode == RR_APP_LOOP_ALL ? everything : 0, &L->loop)) {
        if (mode == RR_APP_LOOP_OFF) {
            rr_app_set_loop_mode(app, RR_APP_LOOP_ALL);
        } else if (mode == RR_APP_LOOP_ALL) {
            if (!rr_app_time_selection(app, NULL) && tl && rr_app_time_range(app, &range))
                initial_selection(tp, app, range);
            rr_app_set_loop_mode(app, RR_APP_LOOP_SELECTION);
        } else {
            rr_app_set_loop_mode(app, RR_APP_LOOP_OFF);
        }
    }
    rr_ui_same_line(ui);
    /* Figma's 18 points between the groups (time_panel.rs top_row_ui). */
    float gap = 18 - 2 * rr_ui_theme(ui)->spacing_x;
    if (gap > 0) {
        rr_ui_allocate(ui, gap, 1);
        rr_ui_same_line(ui);
    }

    /* The timeline selector: the recording's timelines by name. */
    size_t ntl = s ? rr_store_num_timelines(s) : 0;
    if (ntl > 0) {
        /* Names for the combo; a short list on the stack, a long one on the
         * heap (the stack's 64 when even that fails). */
        const char *stack_items[64], **items = stack_items;
        if (ntl > 64 && ntl < (size_t)INT_MAX) {
            const char **heap = malloc(ntl * sizeof *heap);
            if (heap) items = heap;
        }
        int n = items != stack_items ? (int)ntl : ntl < 64 ? (int)ntl : 64, sel = -1;
        for (int i = 0; i < n; i++) {
            items[i] = rr_store_timeline(s, (size_t)i)->name;
            if (tl && !strcmp(items[i], tl->name)) sel = i;
        }
        int chosen = sel < 0 ? 0 : sel;
        if (rr_ui_combo(ui, "##timeline", &chosen, items, n) && chosen != sel)
            rr_app_set_timeline(app, items[chosen], NULL);
        if (items != stack_items) free(items);
    } else {
        rr_ui_label_colored(ui, "No timeline", rr_ui_theme(ui)->text_subdued);
    }
    L->timeline_combo = rr_ui_last_item_rect(ui);
    rr_ui_same_line(ui);

    int speed_sel = 2;
    double sp = rr_app_speed(app), best = INFINITY;
    for (int i = 0; i < N_SPEEDS; i++)
        if (fabs(k_speeds[i] - sp) < best) best = fabs(k_speeds[i] - sp), speed_sel = i;
    if (rr_ui_combo(ui, "##speed", &speed_sel, k_speed_names, N_SPEEDS))
        rr_app_set_speed(app, k_speeds[speed_sel]);
    L->speed_combo = rr_ui_last_item_rect(ui);
    rr_ui_same_line(ui);

    /* The current time, editable: shows the time while not being typed in;
     * Enter goes to what was typed. */
    tp->time_field_id = rr_ui_id(ui, "##time");
    bool editing = rr_ui_focus(ui) == tp->time_field_id;
    if (!editing) {
        if (tl) {
            rr_time_panel_format(tl->type, rr_app_time(app), now_ns(), tp->time_buf, sizeof tp->time_buf);
        } else {
            tp->time_buf[0] = 0;
        }
    }
    rr_ui_text_input(ui, "##time", tp->time_buf, sizeof tp->time_buf);
    L->time_field = rr_ui_last_item_rect(ui);
    if (editing && rr_ui_text_submitted(ui)) {
        int64_t t;
        rr_time_range_t r;
        if (tl && rr_time_panel_parse(tl->type, tp->time_buf, &t)) {
            if (rr_app_time_range(app, &r)) t = t < r.min ? r.min : t > r.max ? r.max : t;
            rr_app_set_time(app, t);
        }
        rr_ui_set_focus(ui, 0);
    }
    rr_ui_rect_t last = rr_ui_last_item_rect(ui);
    L->top_row = (rr_ui_rect_t){a.x, a.y, a.w, last.y + last.h - a.y};
}

typedef struct near_ctx {
    const char *timeline, *component;
    double lo, hi, mid;
    bool found;
    int64_t best;
} near_ctx_t;

static bool near_visit(void *ctx, const rr_chunk_t *c) {
    near_ctx_t *n = ctx;
    const rr_chunk_index_t *ix = chunk_index(c, n->timeline);
    if (!ix || rr_time_range_is_empty(ix->range)) return true;
    int64_t only = -1;
    if (n->component) {
        for (int64_t j = 0; j < c->n_components && only < 0; j++)
            if (!strcmp(c->components[j].descr.component, n->component)) only = j;
        if (only < 0) return true;
    }
    const int64_t *v = (const int64_t *)ix->array.buffers[1] + ix->array.offset;
    for (int64_t r = 0; r < ix->array.length; r++) {
        double t = (double)v[r];
        if (t < n->lo || t > n->hi || !row_has_data(c, r, only)) continue;
        if (!n->found || fabs(t - n->mid) < fabs((double)n->best - n->mid)) {
            n->best = v[r];
            n->found = true;
        }
    }
    return true;
}

/* The time of this row's event nearest to x, within TP_HOVER_RADIUS
 * points (its entity's, or its component's); false when none. Only the
 * chunks around x are read: this runs for the hovered row alone. */
static bool nearest_event(const rr_time_panel_t *tp, const rr_store_t *s, const tp_node_t *nd,
                          const char *timeline, float x, int64_t *out) {
    near_ctx_t n = {timeline, nd->component, rr_time_panel_time_from_x(tp, x - TP_HOVER_RADIUS),
                    rr_time_panel_time_from_x(tp, x + TP_HOVER_RADIUS), rr_time_panel_time_from_x(tp, x),
                    false, 0};
    rr_time_range_t q = {clamp_time_d(floor(n.lo)), clamp_time_d(ceil(n.hi))};
    if (q.min > q.max) return false;
    rr_store_visit_temporal_chunks(s, &nd->path, timeline, nd->component, q, near_visit, &n);
    if (n.found) *out = n.best;
    return n.found;
}

typedef struct row_ctx {
    rr_time_panel_t *tp;
    rr_ui_t *ui;
    rr_app_t *app;
    const rr_store_t *s;
    const rr_timeline_t *tl;
    rr_time_range_t range;
    bool has_range;
    float time_left, right, row_h;
    rr_ui_color_t bar, bar_selected;
} row_ctx_t;

/* The density as Rerun paints it: a band symmetric about the row's middle
 * whose half-height and opacity follow the blurred density from bucket to
 * bucket (at least TP_MIN_RADIUS where there is any data; fading to nothing
 * toward empty buckets). */
static void paint_density(row_ctx_t *c, const tp_node_t *nd, rr_ui_rect_t tr, bool selected) {
    rr_time_panel_t *tp = c->tp;
    size_t n = tp->n_buckets;
    if (!nd->hist || n == 0 || !ensure_smooth(tp, n)) return;
    float *d = tp->smooth;
    blur(nd->hist, d, n);
    for (size_t i = 0; i < n; i++) tp->frame_max = d[i] > tp->frame_max ? d[i] : tp->frame_max;
    float cy = tr.y + tr.h * 0.5f, max_r = tr.h * 0.35f;
    /* Buckets where their times fall on this frame's axis (the same
     * points unless a recompute was held back while the axis moved). */
    double bt = (tp->hist_t1 - tp->hist_t0) / (double)n;
    float prev_r = 0, prev_a = 0, prev_x = rr_time_panel_x_from_time(tp, tp->hist_t0);
    for (size_t i = 0; i <= n; i++) {
        float r = 0, a = 0, x = rr_time_panel_x_from_time(tp, tp->hist_t0 + ((double)i + 0.5) * bt);
        if (i < n && d[i] > 1e-6f) {
            float norm = d[i] / tp->max_density;
            if (norm > 1) norm = 1;
            r = max_r * norm;
            if (r < TP_MIN_RADIUS) r = TP_MIN_RADIUS;
            a = 0.5f + 0.5f * norm;
        }
        if (i == n) x = rr_time_panel_x_from_time(tp, tp->hist_t1);
        if ((r > 0 || prev_r > 0) && i > 0) {
            rr_ui_color_t base = selected ? c->bar_selected : c->bar;
            float alpha = (float)(base & 0xff) * 0.5f * (a + prev_a);
            rr_ui_color_t col = (base & 0xffffff00u) | (uint32_t)(alpha + 0.5f);
            /* A trapezoid from the last bucket's band to this one's. */
            rr_ui_draw_triangle(c->ui, prev_x, cy - prev_r, x, cy - r, x, cy + r, col);
            rr_ui_draw_triangle(c->ui, prev_x, cy - prev_r, x, cy + r, prev_x, cy + prev_r, col);
        }
        prev_r = r, prev_a = a, prev_x = x;
    }
}

static void draw_row(row_ctx_t *c, int id) {
    rr_time_panel_t *tp = c->tp;
    rr_ui_t *ui = c->ui;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    rr_ui_rect_t r = rr_ui_allocate(ui, -1, c->row_h);
    rr_ui_rect_t tr = {c->time_left, r.y, c->right - c->time_left, r.h};
    tp_node_t *nd = &tp->nodes[id];
    if (tp->n_rows == tp->cap_rows) {
        size_t cap = tp->cap_rows ? tp->cap_rows * 2 : 64;
        tp_row_t *nr = realloc(tp->rows, cap * sizeof *nr);
        if (nr) tp->rows = nr, tp->cap_rows = cap;
    }
    if (tp->n_rows < tp->cap_rows) tp->rows[tp->n_rows++] = (tp_row_t){id, tr};
    if (id == 0) tp->lay.recording_row = tr;

    float x = r.x + (float)nd->depth * th->indent;
    rr_ui_rect_t clip = rr_ui_clip_rect(ui);
    if (r.y > clip.y + clip.h || r.y + r.h < clip.y) return; /* scrolled away: room only */

    const char *path = id == 0 ? "/" : nd->path.str;
    char rowname[600];
    row_name(nd, id, rowname, sizeof rowname);
    bool selected = tp->selected[0] && !strcmp(tp->selected, rowname);
    bool hovered = mouse(ui).free &&
                   rr_ui_rect_contains(rr_ui_rect_intersect(r, clip), mouse(ui).x, mouse(ui).y);
    /* time_panel.rs highlight_timeline_row: the selected row in the
     * selection colour at 40 %, a hovered one in the hover colour at 30 %. */
    if (selected || hovered) {
        rr_ui_color_t hc = selected ? th->selection_bg : th->widget_hovered;
        float k = selected ? 0.4f : 0.3f;
        rr_ui_draw_rect(ui, tr, (hc & 0xffffff00u) | (uint32_t)((float)(hc & 0xff) * k), 0);
    }

    rr_ui_push_id_int(ui, id);
    rr_ui_push_clip(ui, (rr_ui_rect_t){r.x, r.y, c->time_left - r.x, r.h});
    /* Clicking the name selects the entity (the shell takes it). */
    rr_ui_rect_t name_r = {x + 16, r.y, c->time_left - (x + 16), r.h};
    if (name_r.w > 0 && rr_ui_interact(ui, rr_ui_id(ui, "##name"), name_r).clicked)
        snprintf(tp->clicked, sizeof tp->clicked, "%s", path);
    if (nd->first_child >= 0) {
        rr_ui_rect_t ar = {x, r.y, 16, r.h};
        rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, "##open"), ar);
        if (resp.clicked) nd->open = !nd->open;
        float ax = x + 7, ay = r.y + r.h * 0.5f;
        rr_ui_color_t ac = resp.hovered ? th->text_strong : th->text;
        if (nd->open) rr_ui_draw_triangle(ui, ax - 4, ay - 2, ax + 4, ay - 2, ax, ay + 3, ac);
        else rr_ui_draw_triangle(ui, ax - 2, ay - 4, ax - 2, ay + 4, ax + 3, ay, ac);
    }
    float ty = r.y + (r.h - rr_ui_font_line_height(rr_ui_font(ui))) * 0.5f;
    rr_ui_draw_text(ui, x + 16, ty, nd->name, strlen(nd->name), id == 0 ? th->text_strong : th->text);
    rr_ui_pop_clip(ui);

    rr_ui_push_clip(ui, tr);
    rr_ui_response_t resp = rr_ui_interact(ui, rr_ui_id(ui, "##data"), tr);
    /* time_panel.rs hovered_event_time: with an event of this row within
     * a few points of the mouse, a press goes exactly to it. */
    int64_t event_t = 0;
    bool on_event = false;
    if ((resp.hovered || resp.held) && c->has_range && (nd->is_entity || nd->component) && !nd->static_only)
        on_event = nearest_event(tp, c->s, nd, c->tl->name, mouse(ui).x, &event_t);
    if ((resp.pressed || resp.held) && c->has_range) {
        if (on_event) rr_app_set_time(c->app, event_t < c->range.min ? c->range.min
                                              : event_t > c->range.max ? c->range.max : event_t);
        else set_time_at(tp, c->app, mouse(ui).x, c->range);
    }
    if (nd->static_only) {
        rr_ui_draw_text(ui, tr.x + 4, ty, "static", 6, th->text_subdued);
    } else if (id == 0 || !nd->open || nd->first_child < 0) {
        /* An open entity leaves its density to its children's rows, as
         * Rerun's tree does; the recording's row always shows it all. */
        paint_density(c, nd, tr, selected);
    }
    if (resp.hovered && nd->hist && tp->n_buckets) {
        /* Events within a few points of the mouse. */
        double bt = (tp->hist_t1 - tp->hist_t0) / (double)tp->n_buckets;
        float bw = rr_time_panel_x_from_time(tp, tp->hist_t0 + bt) - rr_time_panel_x_from_time(tp, tp->hist_t0);
        double sum = 0;
        float mx = mouse(ui).x;
        for (size_t i = 0; i < tp->n_buckets; i++) {
            float bx = rr_time_panel_x_from_time(tp, tp->hist_t0 + ((double)i + 0.5) * bt);
            if (fabsf(bx - mx) <= TP_HOVER_RADIUS + 0.5f * fabsf(bw)) sum += nd->hist[i];
        }
        char tip[700];
        uint64_t ev = (uint64_t)llround(sum);
        if (nd->static_only)
            snprintf(tip, sizeof tip, "%s: static data only", rowname);
        else if (on_event) {
            char when[64];
            rr_time_panel_format(c->tl->type, event_t, now_ns(), when, sizeof when);
            snprintf(tip, sizeof tip, "%s: %llu event%s, nearest at %s", rowname,
                     (unsigned long long)ev, ev == 1 ? "" : "s", when);
        } else {
            snprintf(tip, sizeof tip, "%s: %llu event%s", rowname,
                     (unsigned long long)ev, ev == 1 ? "" : "s");
        }
        rr_ui_tooltip(ui, tip);
    }
    rr_ui_pop_clip(ui);
    rr_ui_pop_id(ui);
}

static void draw_subtree(row_ctx_t *c, int id) {
    draw_row(c, id);
    if (!c->tp->nodes[id].open) return;
    for (int ch = c->tp->nodes[id].first_child; ch >= 0; ch = c->tp->nodes[ch].next_sibling)
        draw_subtree(c, ch);
}

/* The tree column fits the widest row shown (time_panel.rs sizes it by
 * what the tree drew); names are measured once. */
static float tree_width(rr_time_panel_t *tp, rr_ui_t *ui, int id) {
    tp_node_t *nd = &tp->nodes[id];
    if (nd->label_w <= 0) nd->label_w = rr_ui_text_width(ui, nd->name) + 0.01f;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    float w = (float)nd->depth * th->indent + 16 + nd->label_w + 2 * th->padding_x;
    if (!nd->open) return w;
    for (int ch = nd->first_child; ch >= 0; ch = tp->nodes[ch].next_sibling) {
        float cw = tree_width(tp, ui, ch);
        if (cw > w) w = cw;
    }
    return w;
}


rr_status_t rr_time_panel(rr_time_panel_t *tp, rr_ui_t *ui, rr_app_t *app, rr_ui_rect_t rect,
                          rr_error_t *err) {
    if (!tp || !ui || !app) return rr_error_set(err, RR_ERR_INVALID_ARG, "rr_time_panel: NULL argument");
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    rr_store_t *s = rr_app_active_store(app);
    if (s != tp->store) {
        nodes_clear(tp);
        tp->store = s;
        tp->user_view = false;
    }
    const char *tlname = rr_app_timeline(app);
    if (strcmp(tlname, tp->timeline) != 0) {
        snprintf(tp->timeline, sizeof tp->timeline, "%s", tlname);
        tp->user_view = false;
        tp->hist_valid = false;
    }
    const rr_timeline_t *tl = s && tlname[0] ? rr_store_find_timeline(s, tlname) : NULL;
    rr_time_range_t range = {0, 0};
    bool has_range = tl && rr_app_time_range(app, &range);
    memset(&tp->lay, 0, sizeof tp->lay);
    tp->n_rows = 0;

    /* re_ui bottom_panel_margin: 8 points left and right; the streams give
     * the right one up to the time area (time_panel.rs). */
    rr_ui_rect_t inner = {rect.x + TP_PANEL_MARGIN, rect.y, rect.w - TP_PANEL_MARGIN, rect.h};
    if (inner.w < 0) inner.w = 0;
    rr_ui_begin_region(ui, inner);
    rr_ui_push_id(ui, "##time_panel");
    rr_ui_rect_t top_area = rr_ui_available(ui);
    top_area.w -= TP_PANEL_MARGIN;
    if (top_area.w < 0) top_area.w = 0;
    rr_ui_begin_region(ui, top_area);
    top_row(tp, ui, app, s, tl);
    float top_h = tp->lay.top_row.h;
    rr_ui_end_region(ui);
    rr_ui_allocate(ui, 1, top_h);
    rr_status_t st = s ? tree_update(tp, s, err) : RR_OK;
    if (st == RR_OK && s) statics_update(tp, app, s);

    rr_ui_rect_t avail = rr_ui_available(ui);
    float row_h = rr_ui_row_height(ui);
    if (tp->n_nodes > 0) {
        float need = tree_width(tp, ui, 0);
        tp->tree_w = need < TP_TREE_MIN_W ? TP_TREE_MIN_W : need;
    }
    float tree_w = tp->tree_w;
    if (tree_w > avail.w - TP_TIME_MIN_W) tree_w = avail.w - TP_TIME_MIN_W;
    if (tree_w < 80) tree_w = 80;
    float time_left = avail.x + tree_w + th->spacing_x, right = avail.x + avail.w;
    if (right < time_left + 2 * TP_SIDE_MARGIN + 2) right = time_left + 2 * TP_SIDE_MARGIN + 2;
    tp->x0 = time_left + TP_SIDE_MARGIN;
    tp->x1 = right - TP_SIDE_MARGIN;
    if (has_range && !tp->user_view) default_view(tp, tl->type, range);

    /* The header row: "Streams" over the tree, the ruler over the data. */
    rr_ui_rect_t hdr = rr_ui_allocate(ui, -1, row_h);
    rr_ui_rect_t ruler = {time_left, hdr.y, right - time_left, row_h};
    float text_y = hdr.y + (row_h - rr_ui_font_line_height(rr_ui_font(ui))) * 0.5f;
    rr_ui_push_clip(ui, (rr_ui_rect_t){hdr.x, hdr.y, time_left - hdr.x, hdr.h});
    rr_ui_draw_text(ui, hdr.x + th->padding_x, text_y, "Streams", 7, th->text_strong);
    rr_ui_pop_clip(ui);
    rr_ui_rect_t below = rr_ui_available(ui);
    rr_ui_rect_t streams = {time_left, below.y, right - time_left, below.h > 0 ? below.h : 0};
    rr_ui_rect_t time_area = {time_left, ruler.y, ruler.w, ruler.h + streams.h};
    tp->lay.ruler = ruler;
    tp->lay.streams = streams;
    tp->lay.tree = (rr_ui_rect_t){avail.x, hdr.y, tree_w, ruler.h + streams.h};
    tp->lay.row_height = row_h;

    /* Zoom and pan before the scroll area sees the wheel. */
    bool free_mouse = mouse(ui).free;
    bool in_ruler = free_mouse && rr_ui_rect_contains(rr_ui_rect_intersect(ruler, rr_ui_clip_rect(ui)), mouse(ui).x, mouse(ui).y);
    bool in_streams = free_mouse && rr_ui_rect_contains(rr_ui_rect_intersect(streams, rr_ui_clip_rect(ui)), mouse(ui).x, mouse(ui).y);
    bool user_moved = false;
    if (has_range) {
        if (rr_ui_wheel_y(ui) != 0 && (in_ruler || (in_streams && (mouse(ui).mods & RR_UI_MOD_CTRL)))) {
            /* About 10 % per wheel notch (RR_UI_WHEEL_NOTCH points). */
            double factor = exp((double)rr_ui_wheel_y(ui) * (0.1 / RR_UI_WHEEL_NOTCH));
            double tm = rr_time_panel_time_from_x(tp, mouse(ui).x);
            double lo = tm - (tm - tp->view_min) / factor, hi = tm + (tp->view_max - tm) / factor;
            double min_span = tl->type == RR_TIME_SEQUENCE ? 1.0 : 1000.0;
            if (hi - lo >= min_span && hi - lo <= 1.8e19) {
                tp->view_min = lo;
                tp->view_max = hi;
                tp->user_view = true;
                user_moved = true;
            }
            rr_ui_take_wheel(ui);
        }
        rr_ui_mouse_t mo;
        rr_ui_mouse(ui, &mo);
        if ((mo.pressed[RR_UI_MOUSE_RIGHT] || mo.pressed[RR_UI_MOUSE_MIDDLE]) && (in_ruler || in_streams))
            tp->panning = true;
        if (tp->panning) {
            if (mo.down[RR_UI_MOUSE_RIGHT] || mo.down[RR_UI_MOUSE_MIDDLE]) {
                float dx = mo.dx;
                double dt = -(double)dx * (tp->view_max - tp->view_min) / (double)(tp->x1 - tp->x0);
                if (dx != 0) {
                    tp->view_min += dt;
                    tp->view_max += dt;
                    tp->user_view = true;
                    user_moved = true;
                }
            } else {
                tp->panning = false;
            }
        }
    }

    /* The ruler: ticks, scrubbing, double click for everything. */
    rr_ui_response_t rr = rr_ui_interact(ui, rr_ui_id(ui, "##ruler"), ruler);
    if (has_range) {
        ruler_input(tp, ui, app, rr, range);
        if (rr.double_clicked) {
            tp->user_view = false;
            user_moved = true;
            default_view(tp, tl->type, range);
        }
        rr_ui_push_clip(ui, ruler);
        paint_ruler(tp, ui, tl->type, ruler, th);
        rr_ui_pop_clip(ui);
        paint_selection(tp, ui, app, ruler, streams);
    } else {
        tp->sel_drag = SEL_NONE;
    }
    rr_ui_draw_line(ui, hdr.x, ruler.y + ruler.h, right, ruler.y + ruler.h, th->widget_stroke, 1);

    /* The densities over what the rows show, one bucket per point. */
    size_t nb = streams.w > 1 ? (size_t)ceilf(streams.w) : 0;
    bool deferred = false;
    if (st == RR_OK && s && tl && has_range && nb)
        st = densities_update(tp, app, s, tl->name, rr_time_panel_time_from_x(tp, time_left),
                              rr_time_panel_time_from_x(tp, time_left + (float)nb), nb, !user_moved,
                              &deferred, err);
    if (deferred) rr_ui_request_repaint(ui);
    if (st != RR_OK || !has_range) {
        for (size_t i = 0; i < tp->n_nodes; i++) tp->nodes[i].hist = NULL;
        tp->hist_valid = false;
    }

    /* The streams: the recording, then its entities. */
    /* re_ui's density_graph_unselected / _selected tokens per theme. */
    bool dark = is_dark(th);
    row_ctx_t c = {tp, ui, app, s, tl, range, has_range, time_left, right, row_h,
                   dark ? 0xbfbfbfffu /* Gray.700 */ : 0x2c2b2bffu /* Gray.300 */,
                   dark ? 0xd4dbffffu /* Blue.800 */ : 0x001b53ffu /* Blue.200 */};
    tp->clicked[0] = 0;
    tp->frame_max = 0;
    if (streams.h > 0) {
        rr_ui_scroll_begin(ui, "##streams", streams.h);
        if (tp->n_nodes > 0) draw_subtree(&c, 0);
        else rr_ui_label_colored(ui, s ? "No data" : "No recording", th->text_subdued);
        rr_ui_scroll_end(ui);
        tp->lay.n_rows = tp->n_rows;
        /* Below the last row the time area scrubs too (time_panel.rs
         * takes presses anywhere in it). */
        float rows_bottom = tp->n_rows ? tp->rows[tp->n_rows - 1].r.y + tp->rows[tp->n_rows - 1].r.h : streams.y;
        if (rows_bottom < streams.y) rows_bottom = streams.y;
        rr_ui_rect_t below_rows = {time_left, rows_bottom, streams.w, streams.y + streams.h - rows_bottom};
        if (below_rows.h > 1 && has_range) {
            rr_ui_response_t br = rr_ui_interact(ui, rr_ui_id(ui, "##below_rows"), below_rows);
            if (br.pressed || br.held) set_time_at(tp, app, mouse(ui).x, range);
        }
    }

    /* Next frame's scale; another frame at once when it moved visibly. */
    float next_max = tp->frame_max > TP_MIN_MAX_DENSITY ? tp->frame_max : TP_MIN_MAX_DENSITY;
    if (fabsf(next_max - tp->max_density) > 0.01f * next_max) {
        tp->max_density = next_max;
        rr_ui_request_repaint(ui);
    }

    /* Hover preview and the current time on top of everything. */
    rr_ui_push_clip(ui, time_area);
    if ((in_ruler || in_streams) && has_range)
        rr_ui_draw_line(ui, mouse(ui).x, time_area.y, mouse(ui).x, time_area.y + time_area.h,
                        th->text_subdued, 1);
    if (has_range) {
        float x = rr_time_panel_x_from_time(tp, (double)rr_app_time(app));
        if (x >= time_area.x && x <= time_area.x + time_area.w)
            paint_cursor(ui, x, time_area.y, time_area.y + time_area.h, th->text);
    }
    rr_ui_pop_clip(ui);

    rr_ui_pop_id(ui);
    rr_ui_end_region(ui);
    return st;
}
