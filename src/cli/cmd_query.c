/* `rerun query`: a recording as a table (a dataframe query, store/dataframe.h).
 *
 *   rerun query FILE... (--index TIMELINE | --static) [--contents FILTER]
 *               [--components A,B] [--select COL,...] [--range A..B] [--fill]
 *               [--format table|csv|arrow|json] [-o OUT] [--recording-id ID]
 *
 * The files ("-": standard input, e.g. a pipe from a program's --stdout)
 * are loaded into one store per recording (several files of one recording
 * merge), through the decoder's in-place path (store.h,
 * rr_store_set_load_rrd_fd); the query runs on the recording given by --recording-id,
 * else the first one seen. The result streams out page by page: an aligned
 * text table (column widths from the first page), CSV, an Arrow IPC stream,
 * or a JSON array of row objects. Cell values print as JSON: lists as
 * [..], structs as {..}, null as null. Range bounds are raw index values
 * (sequence numbers, or nanoseconds for durations and timestamps); either
 * side may be left out ("10..", "..20").
 *
 * Errors are one line on stderr naming the file or argument; exit 1, or 2
 * for usage errors. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/format.h"
#include "arrow/ipc.h"
#include "arrow/schema.h"
#include "arrow/type.h"
#include "base/mem.h"
#include "cli/cli.h"
#include "store/dataframe.h"
#include "store/filter.h"
#include "store/store.h"

#define QUERY_USAGE                                                                              \
    "usage: rerun query FILE... (--index TIMELINE | --static) [--contents FILTER]\n"            \
    "                   [--components A,B] [--select COL,...] [--range A..B] [--fill]\n"         \
    "                   [--format table|csv|arrow|json] [-o OUT] [--recording-id ID]\n"         \
    "FILE: an .rrd file, or - for standard input.\n"                                            \
    "FILTER: entity path rules such as '+ /world/** - /world/cam' (default: everything).\n"      \
    "COL: a timeline name or ENTITY:COMPONENT (e.g. /world/points:Points3D:positions).\n"        \
    "A..B: raw index values (sequence numbers, or nanoseconds); either side may be omitted.\n"

static int usage_error(const char *fmt, const char *arg) {
    fputs("rerun: query: ", stderr);
    fprintf(stderr, fmt, arg ? arg : "");
    fputs(" (see rerun query --help)\n", stderr);
    return 2;
}

/* The message on one line (nested errors may carry newlines). */
static const char *one_line(rr_error_t *err) {
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return err->msg;
}

/* One cell as text: index values plainly (null as empty in tables). */
static char *cell_text(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i,
                       bool json_null) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    if (!json_null && !(strcmp(s->format, "n") != 0 && rr_arrow_array_is_valid(a, i)))
        fputs("", m);
    else
        rr_arrow_put_value(m, s, a, i, RR_ARROW_STYLE_JSON);
    fclose(m);
    return buf;
}

/* ---------------- writers ---------------- */

typedef enum { FMT_TABLE, FMT_CSV, FMT_ARROW, FMT_JSON } format_t;

typedef struct out {
    format_t fmt;
    FILE *f;
    const struct ArrowSchema *schema;
    size_t *width;        /* table: column widths, fixed by the first page */
    bool started;         /* header written */
    int64_t rows;
    rr_buf_t buf;         /* arrow */
    rr_arrow_ipc_writer_t *ipc;
} out_t;

static bool flush_buf(out_t *o) {
    if (o->buf.len && fwrite(o->buf.data, 1, o->buf.len, o->f) != o->buf.len) return false;
    o->buf.len = 0;
    return true;
}

static void put_csv(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_padded(FILE *f, const char *s, size_t w, bool last) {
    fputs(s, f);
    if (last) return;
    for (size_t k = strlen(s); k < w; k++) fputc(' ', f);
    fputs("  ", f);
}

static rr_status_t write_batch(out_t *o, const struct ArrowArray *b, rr_error_t *err) {
    const struct ArrowSchema *s = o->schema;
    int64_t nc = s->n_children;
    if (o->fmt == FMT_ARROW) {
        RR_TRY(rr_arrow_ipc_writer_write(o->ipc, b, err));
        if (!flush_buf(o)) return rr_error_set(err, RR_ERR_IO, "write: %s", strerror(errno));
        o->rows += b->length;
        return RR_OK;
    }
    /* every cell's text, row-major */
    char **cells = calloc((size_t)(b->length * nc + 1), sizeof *cells);
    if (!cells) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    rr_status_t st = RR_OK;
    for (int64_t r = 0; r < b->length && st == RR_OK; r++)
        for (int64_t c = 0; c < nc && st == RR_OK; c++)
            if (!(cells[r * nc + c] = cell_text(s->children[c], b->children[c], r, o->fmt == FMT_JSON)))
                st = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    if (st == RR_OK && o->fmt == FMT_TABLE && !o->started) {
        o->width = calloc((size_t)(nc ? nc : 1), sizeof *o->width);
        if (!o->width) st = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
        for (int64_t c = 0; st == RR_OK && c < nc; c++) {
            o->width[c] = strlen(s->children[c]->name);
            for (int64_t r = 0; r < b->length; r++) {
                size_t w = strlen(cells[r * nc + c]);
                if (w > o->width[c]) o->width[c] = w;
            }
        }
    }
    if (st == RR_OK && !o->started) {
        o->started = true;
        if (o->fmt == FMT_JSON) fputs("[", o->f);
        for (int64_t c = 0; o->fmt != FMT_JSON && c < nc; c++) {
            if (o->fmt == FMT_CSV) {
                if (c) fputc(',', o->f);
                put_csv(o->f, s->children[c]->name);
            } else {
                put_padded(o->f, s->children[c]->name, o->width[c], c == nc - 1);
            }
        }
        if (o->fmt != FMT_JSON) fputc('\n', o->f);
    }
    for (int64_t r = 0; st == RR_OK && r < b->length; r++) {
        if (o->fmt == FMT_JSON) {
            fputs(o->rows + r ? ",\n {" : "\n {", o->f);
            for (int64_t c = 0; c < nc; c++) {
                if (c) fputs(", ", o->f);
                const char *n = s->children[c]->name;
                rr_arrow_put_json_string(o->f, (const uint8_t *)n, (int64_t)strlen(n));
                fprintf(o->f, ": %s", cells[r * nc + c]);
            }
            fputc('}', o->f);
            continue;
        }
        for (int64_t c = 0; c < nc; c++) {
            if (o->fmt == FMT_CSV) {
                if (c) fputc(',', o->f);
                put_csv(o->f, cells[r * nc + c]);
            } else {
                put_padded(o->f, cells[r * nc + c], o->width[c], c == nc - 1);
            }
        }
        fputc('\n', o->f);
    }
    for (int64_t k = 0; k < b->length * nc; k++) free(cells[k]);
    free(cells);
    o->rows += b->length;
    if (st == RR_OK && ferror(o->f)) st = rr_error_set(err, RR_ERR_IO, "write: %s", strerror(errno));
    return st;
}

static rr_status_t out_begin(out_t *o, rr_error_t *err) {
    if (o->fmt != FMT_ARROW) return RR_OK;
    RR_TRY(rr_arrow_ipc_writer_open(&o->buf, o->schema, NULL, &o->ipc, err));
    if (!flush_buf(o)) return rr_error_set(err, RR_ERR_IO, "write: %s", strerror(errno));
    return RR_OK;
}

static rr_status_t out_end(out_t *o, rr_error_t *err) {
    rr_status_t st = RR_OK;
    if (o->fmt == FMT_ARROW) {
        st = rr_arrow_ipc_writer_finish(o->ipc, err);
        o->ipc = NULL;
        if (st == RR_OK && !flush_buf(o)) st = rr_error_set(err, RR_ERR_IO, "write: %s", strerror(errno));
    } else if (o->fmt == FMT_JSON) {
        fputs(o->started ? "\n]\n" : "[]\n", o->f);
    } else if (!o->started) {
        /* no rows: the header alone */
        for (int64_t c = 0; c < o->schema->n_children; c++) {
            if (c) fputs(o->fmt == FMT_CSV ? "," : "  ", o->f);
            if (o->fmt == FMT_CSV)
                put_csv(o->f, o->schema->children[c]->name);
            else
                fputs(o->schema->children[c]->name, o->f);
        }
        fputc('\n', o->f);
    }
    if (st == RR_OK && fflush(o->f) != 0) st = rr_error_set(err, RR_ERR_IO, "write: %s", strerror(errno));
    return st;
}

/* ---------------- arguments ---------------- */

static bool parse_i64(const char *s, size_t n, int64_t *out) {
    char tmp[32];
    if (n == 0 || n >= sizeof tmp) return false;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *end;
    errno = 0;
    long long v = strtoll(tmp, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

static bool parse_range(const char *s, rr_time_range_t *out) {
    const char *dots = strstr(s, "..");
    if (!dots) return false;
    out->min = RR_TIME_MIN;
    out->max = RR_TIME_MAX;
    size_t a = (size_t)(dots - s), b = strlen(dots + 2);
    if (a && !parse_i64(s, a, &out->min)) return false;
    if (b && !parse_i64(dots + 2, b, &out->max)) return false;
    return out->min <= out->max;
}

/* Splits a comma list in place. */
static size_t split_commas(char *s, char **items, size_t cap) {
    size_t n = 0;
    for (char *tok = strtok(s, ","); tok && n < cap; tok = strtok(NULL, ",")) items[n++] = tok;
    return n;
}

#define MAX_LIST 256

int rr_cli_query(int argc, char **argv) {
    const char *index = NULL, *contents = NULL, *components = NULL, *select = NULL;
    const char *range_s = NULL, *out_path = NULL, *format_s = "table", *recording = NULL;
    bool fill = false, static_only = false;
    const char *files[MAX_LIST];
    size_t n_files = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **val = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(QUERY_USAGE, stdout);
            return 0;
        }
        if (!strcmp(a, "--index")) val = &index;
        else if (!strcmp(a, "--contents")) val = &contents;
        else if (!strcmp(a, "--components")) val = &components;
        else if (!strcmp(a, "--select")) val = &select;
        else if (!strcmp(a, "--range")) val = &range_s;
        else if (!strcmp(a, "--format")) val = &format_s;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) val = &out_path;
        else if (!strcmp(a, "--recording-id")) val = &recording;
        else if (!strcmp(a, "--fill")) fill = true;
        else if (!strcmp(a, "--static")) static_only = true;
        else if (a[0] == '-' && a[1]) return usage_error("unknown option '%s'", a);
        else if (n_files == MAX_LIST) return usage_error("too many files%s", NULL);
        else files[n_files++] = a;
        if (val) {
            if (i + 1 >= argc) return usage_error("%s needs a value", a);
            *val = argv[++i];
        }
    }
    if (n_files == 0) return usage_error("no input file%s", NULL);
    if (!index == !static_only) return usage_error("give exactly one of --index TIMELINE and --static%s", NULL);
    format_t fmt;
    if (!strcmp(format_s, "table")) fmt = FMT_TABLE;
    else if (!strcmp(format_s, "csv")) fmt = FMT_CSV;
    else if (!strcmp(format_s, "arrow")) fmt = FMT_ARROW;
    else if (!strcmp(format_s, "json")) fmt = FMT_JSON;
    else return usage_error("--format '%s': expected table, csv, arrow or json", format_s);
    rr_time_range_t range = {0, 0};
    if (range_s && !parse_range(range_s, &range))
        return usage_error("--range '%s': expected A..B with integers A <= B", range_s);

    rr_error_t err = {0};
    rr_entity_path_filter_t filter = {0};
    bool have_filter = false;
    if (contents) {
        if (rr_entity_path_filter_parse(contents, strlen(contents), NULL, true, &filter, &err) != RR_OK)
            return usage_error("--contents: %s", one_line(&err));
        have_filter = true;
    }
    /* lists: copies to split in place */
    char *comp_copy = components ? strdup(components) : NULL;
    char *sel_copy = select ? strdup(select) : NULL;
    char *comp_items[MAX_LIST], *sel_items[MAX_LIST];
    size_t n_comp = comp_copy ? split_commas(comp_copy, comp_items, MAX_LIST) : 0;
    size_t n_sel = sel_copy ? split_commas(sel_copy, sel_items, MAX_LIST) : 0;
    rr_df_selector_t sels[MAX_LIST];
    char *sel_storage[MAX_LIST] = {0};
    int rc = 0;
    for (size_t i = 0; i < n_sel && rc == 0; i++)
        if (rr_df_selector_parse(sel_items[i], &sels[i], &sel_storage[i], &err) != RR_OK)
            rc = usage_error("--select: %s", one_line(&err));

    rr_store_set_t *set = NULL;
    rr_df_handle_t *h = NULL;
    struct ArrowSchema schema = {0};
    out_t o = {fmt, NULL, NULL, NULL, false, 0, {0}, NULL};
    bool opened_file = false;
    if (rc == 0 && rr_store_set_new(NULL, &set, &err) != RR_OK) rc = rr_cli_fail("query: %s", one_line(&err));
    for (size_t i = 0; i < n_files && rc == 0; i++) {
        if (rr_store_set_load_rrd_file(set, files[i], &err) != RR_OK)
            rc = rr_cli_fail("query: %s: %s", files[i], one_line(&err));
    }
    rr_store_t *store = NULL;
    for (size_t i = 0; rc == 0 && set && i < rr_store_set_count(set) && !store; i++) {
        rr_store_t *s = rr_store_set_get(set, i);
        const rr_store_id_t *id = rr_store_store_id(s);
        if (id->kind != RR_STORE_KIND_RECORDING) continue;
        if (!recording || (id->recording_id && !strcmp(id->recording_id, recording))) store = s;
    }
    if (rc == 0 && !store) {
        rc = recording ? rr_cli_fail("query: %s: no recording with id '%s'", files[0], recording)
                       : rr_cli_fail("query: %s: no recording in the input", files[0]);
    }
    if (rc == 0 && index && !rr_store_find_timeline(store, index)) {
        char names[512] = "";
        size_t len = 0;
        for (size_t i = 0; i < rr_store_num_timelines(store) && len < sizeof names - 1; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                                    rr_store_timeline(store, i)->name);
        rc = rr_cli_fail("query: --index '%s': no such timeline in %s (timelines: %s)", index,
                         files[0], len ? names : "none");
    }
    if (rc == 0) {
        rr_df_query_t q = {0};
        q.index = index;
        q.contents = have_filter ? &filter : NULL;
        q.components = n_comp ? (const char *const *)comp_items : NULL;
        q.n_components = n_comp;
        q.has_range = range_s != NULL;
        q.range = range;
        q.fill_latest_at = fill;
        q.has_selection = n_sel > 0;
        q.selection = sels;
        q.n_selection = n_sel;
        if (rr_df_query_open(store, &q, &h, &err) != RR_OK || rr_df_schema(h, &schema, &err) != RR_OK)
            rc = rr_cli_fail("query: %s", one_line(&err));
    }
    if (rc == 0) {
        if (out_path && strcmp(out_path, "-") != 0) {
            o.f = fopen(out_path, "wb");
            if (!o.f) rc = rr_cli_fail("query: %s: %s", out_path, strerror(errno));
            opened_file = o.f != NULL;
        } else {
            o.f = stdout;
        }
        o.schema = &schema;
    }
    if (rc == 0 && out_begin(&o, &err) != RR_OK)
        rc = rr_cli_fail("query: %s: %s", out_path ? out_path : "<stdout>", one_line(&err));
    while (rc == 0) {
        struct ArrowArray b;
        bool done = false;
        if (rr_df_next_batch(h, &b, &done, &err) != RR_OK) {
            rc = rr_cli_fail("query: %s", one_line(&err));
            break;
        }
        if (done) break;
        rr_status_t st = write_batch(&o, &b, &err);
        rr_arrow_array_release(&b);
        if (st != RR_OK) rc = rr_cli_fail("query: %s: %s", out_path ? out_path : "<stdout>", one_line(&err));
    }
    if (rc == 0 && out_end(&o, &err) != RR_OK)
        rc = rr_cli_fail("query: %s: %s", out_path ? out_path : "<stdout>", one_line(&err));
    if (o.ipc) rr_arrow_ipc_writer_free(o.ipc);
    rr_buf_free(&o.buf);
    free(o.width);
    if (opened_file && fclose(o.f) != 0 && rc == 0) rc = rr_cli_fail("query: %s: %s", out_path, strerror(errno));
    rr_arrow_schema_release(&schema);
    rr_df_query_free(h);
    rr_store_set_free(set);
    for (size_t i = 0; i < n_sel; i++) free(sel_storage[i]);
    free(comp_copy);
    free(sel_copy);
    if (have_filter) rr_entity_path_filter_free(&filter);
    return rc;
}
