/* `rerun arrow ...`: Arrow IPC and integration-JSON tools.
 *
 *   to-json FILE            IPC stream or file -> integration JSON on stdout
 *   from-json FILE -o OUT   JSON (or .json.gz) -> IPC stream (--file: file
 *                           format; --compression lz4|zstd)
 *   diff A B                compare two tables (IPC or JSON each) as data;
 *                           exit 0 when equal, 1 with the first difference
 *
 * Every failure is one line on stderr naming the file and the fault. Usage
 * errors exit 2; bad input exits 1 (diff exits 2 for bad input, since 1
 * means "different"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "arrow/array.h"
#include "arrow/compare.h"
#include "arrow/ipc.h"
#include "arrow/json.h"
#include "arrow/schema.h"
#include "base/mem.h"
#include "cli/cli.h"

#define ARROW_USAGE                                                                      \
    "usage: rerun arrow to-json FILE\n"                                                  \
    "       rerun arrow from-json FILE.json[.gz] -o OUT [--file] [--compression lz4|zstd]\n" \
    "       rerun arrow diff A B\n"

static int usage_error(const char *fmt, const char *arg) {
    fputs("rerun: arrow: ", stderr);
    fprintf(stderr, fmt, arg ? arg : "");
    fputs(" (see rerun arrow --help)\n", stderr);
    return 2;
}

/* Messages from the libraries are one line already; keep it so. */
static const char *one_line(rr_error_t *err) {
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return err->msg;
}

static bool has_suffix(const char *s, const char *suf) {
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcmp(s + n - m, suf);
}

/* Reads a whole file; gzip-compressed files (by magic) are inflated. *out is
 * malloc'ed with a NUL after the data. */
static rr_status_t read_file(const char *path, uint8_t **out, size_t *len, rr_error_t *err) {
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return rr_error_set(err, RR_ERR_IO, "cannot open: %s", strerror(errno));
    unsigned char magic[2] = {0, 0};
    size_t got = fread(magic, 1, 2, f);
    fclose(f);
    bool gz = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    size_t cap = 1 << 16, used = 0;
    uint8_t *buf = malloc(cap + 1);
    if (!buf) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    rr_status_t st = RR_OK;
    if (gz) {
        gzFile g = gzopen(path, "rb");
        if (!g) {
            free(buf);
            return rr_error_set(err, RR_ERR_IO, "cannot open: %s", strerror(errno));
        }
        for (;;) {
            if (used == cap) {
                if (cap > ((size_t)1 << 40)) {
                    st = rr_error_set(err, RR_ERR_NOMEM, "file too large");
                    break;
                }
                uint8_t *n = realloc(buf, cap * 2 + 1);
                if (!n) {
                    st = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
                    break;
                }
                buf = n;
                cap *= 2;
            }
            size_t want = cap - used > (1u << 30) ? (1u << 30) : cap - used;
            int r = gzread(g, buf + used, (unsigned)want);
            if (r < 0) {
                int e;
                const char *m = gzerror(g, &e);
                st = rr_error_set(err, RR_ERR_INVALID_DATA, "gzip: %s", m ? m : "read error");
                break;
            }
            if (r == 0) {
                /* gzread returns 0 both at the end and on a cut-off stream. */
                int e;
                const char *m = gzerror(g, &e);
                if (e != Z_OK && e != Z_STREAM_END)
                    st = rr_error_set(err, RR_ERR_TRUNCATED, "gzip: %s", m ? m : "truncated");
                break;
            }
            used += (size_t)r;
        }
        gzclose(g);
    } else {
        f = fopen(path, "rb");
        if (!f) {
            free(buf);
            return rr_error_set(err, RR_ERR_IO, "cannot open: %s", strerror(errno));
        }
        for (;;) {
            if (used == cap) {
                uint8_t *n = realloc(buf, cap * 2 + 1);
                if (!n) {
                    st = rr_error_set(err, RR_ERR_NOMEM, "out of memory");
                    break;
                }
                buf = n;
                cap *= 2;
            }
            size_t r = fread(buf + used, 1, cap - used, f);
            used += r;
            if (r == 0) {
                if (ferror(f)) st = rr_error_set(err, RR_ERR_IO, "read error: %s", strerror(errno));
                break;
            }
        }
        fclose(f);
    }
    if (st != RR_OK) {
        free(buf);
        return st;
    }
    buf[used] = 0;
    *out = buf;
    *len = used;
    return RR_OK;
}

/* JSON when the name says so or the text starts with '{' (after
 * whitespace); IPC otherwise. */
static bool looks_like_json(const char *path, const uint8_t *data, size_t len) {
    if (has_suffix(path, ".json") || has_suffix(path, ".json.gz")) return true;
    for (size_t i = 0; i < len; i++) {
        char c = (char)data[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        return c == '{';
    }
    return false;
}

static rr_status_t load_ipc(const uint8_t *data, size_t len, rr_arrow_table_t *t,
                            rr_error_t *err) {
    rr_arrow_blob_t *blob = rr_arrow_blob_copy(data, len);
    if (!blob) return rr_error_set(err, RR_ERR_NOMEM, "out of memory");
    rr_status_t st = rr_arrow_ipc_read_table(blob, t, err);
    rr_arrow_blob_release(blob);
    return st;
}

typedef enum { LOAD_ANY, LOAD_IPC, LOAD_JSON } load_kind_t;

static rr_status_t load_table(const char *path, load_kind_t kind, rr_arrow_table_t *t,
                              rr_error_t *err) {
    uint8_t *data;
    size_t len;
    RR_TRY(read_file(path, &data, &len, err));
    bool json = kind == LOAD_JSON || (kind == LOAD_ANY && looks_like_json(path, data, len));
    rr_status_t st = len == 0 ? rr_error_set(err, RR_ERR_TRUNCATED, "empty file")
                     : json   ? rr_arrow_json_read((const char *)data, len, t, err)
                              : load_ipc(data, len, t, err);
    free(data);
    return st;
}

static int cmd_to_json(int argc, char **argv) {
    if (argc != 1) return usage_error("to-json takes one FILE%s", NULL);
    const char *path = argv[0];
    rr_error_t err = {0};
    rr_arrow_table_t t = {0};
    if (load_table(path, LOAD_IPC, &t, &err) != RR_OK)
        return rr_cli_fail("arrow to-json: %s: %s", path, one_line(&err));
    rr_buf_t out = {0};
    rr_status_t st = rr_arrow_json_write(&t, &out, &err);
    rr_arrow_table_release(&t);
    if (st != RR_OK) {
        rr_buf_free(&out);
        return rr_cli_fail("arrow to-json: %s: %s", path, one_line(&err));
    }
    errno = 0;
    bool ok = fwrite(out.data, 1, out.len, stdout) == out.len;
    ok = fflush(stdout) == 0 && ok;
    int e = errno;
    rr_buf_free(&out);
    if (!ok)
        return rr_cli_fail("arrow to-json: writing to stdout: %s",
                           e ? strerror(e) : "short write");
    return 0;
}

static int cmd_from_json(int argc, char **argv) {
    const char *in = NULL, *out_path = NULL;
    rr_arrow_ipc_write_options_t opts = {0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) return usage_error("%s needs a file name", a);
            out_path = argv[++i];
        } else if (!strcmp(a, "--file")) {
            opts.file_format = true;
        } else if (!strcmp(a, "--compression")) {
            if (i + 1 >= argc) return usage_error("--compression needs lz4 or zstd%s", NULL);
            const char *c = argv[++i];
            if (!strcmp(c, "lz4"))
                opts.compression = RR_ARROW_COMPRESSION_LZ4_FRAME;
            else if (!strcmp(c, "zstd"))
                opts.compression = RR_ARROW_COMPRESSION_ZSTD;
            else if (!strcmp(c, "none"))
                opts.compression = RR_ARROW_COMPRESSION_NONE;
            else
                return usage_error("unknown compression '%s' (lz4, zstd or none)", c);
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("from-json: unknown option '%s'", a);
        } else if (!in) {
            in = a;
        } else {
            return usage_error("from-json: unexpected argument '%s'", a);
        }
    }
    if (!in) return usage_error("from-json needs an input FILE.json%s", NULL);
    if (!out_path) return usage_error("from-json needs -o OUT%s", NULL);
    rr_error_t err = {0};
    rr_arrow_table_t t = {0};
    if (load_table(in, LOAD_JSON, &t, &err) != RR_OK)
        return rr_cli_fail("arrow from-json: %s: %s", in, one_line(&err));
    rr_buf_t buf = {0};
    rr_status_t st = rr_arrow_ipc_write_table(&buf, &t.schema, t.batches, t.n_batches, &opts, &err);
    rr_arrow_table_release(&t);
    if (st != RR_OK) {
        rr_buf_free(&buf);
        return rr_cli_fail("arrow from-json: %s: %s", in, one_line(&err));
    }
    FILE *f = fopen(out_path, "wb");
    if (!f) {
        rr_buf_free(&buf);
        return rr_cli_fail("arrow from-json: %s: cannot create: %s", out_path, strerror(errno));
    }
    bool ok = fwrite(buf.data, 1, buf.len, f) == buf.len;
    ok = (fclose(f) == 0) && ok;
    rr_buf_free(&buf);
    if (!ok) {
        int e = errno;
        remove(out_path);
        return rr_cli_fail("arrow from-json: %s: write failed: %s", out_path, strerror(e));
    }
    return 0;
}

static int cmd_diff(int argc, char **argv) {
    if (argc != 2) return usage_error("diff takes two files A B%s", NULL);
    rr_error_t err = {0};
    rr_arrow_table_t a = {0}, b = {0};
    if (load_table(argv[0], LOAD_ANY, &a, &err) != RR_OK) {
        rr_cli_fail("arrow diff: %s: %s", argv[0], one_line(&err));
        return 2;
    }
    if (load_table(argv[1], LOAD_ANY, &b, &err) != RR_OK) {
        rr_arrow_table_release(&a);
        rr_cli_fail("arrow diff: %s: %s", argv[1], one_line(&err));
        return 2;
    }
    int rc = 0;
    if (!rr_arrow_schema_equal(&a.schema, &b.schema, &err)) {
        printf("%s and %s differ: schema: %s\n", argv[0], argv[1], one_line(&err));
        rc = 1;
    } else if (a.n_batches != b.n_batches) {
        printf("%s and %s differ: %lld batches vs %lld\n", argv[0], argv[1],
               (long long)a.n_batches, (long long)b.n_batches);
        rc = 1;
    } else {
        for (int64_t i = 0; i < a.n_batches; i++) {
            if (!rr_arrow_array_equal(&a.schema, &a.batches[i], &b.schema, &b.batches[i], &err)) {
                printf("%s and %s differ: batch %lld: %s\n", argv[0], argv[1], (long long)i,
                       one_line(&err));
                rc = 1;
                break;
            }
        }
    }
    rr_arrow_table_release(&a);
    rr_arrow_table_release(&b);
    fflush(stdout);
    return rc;
}

int rr_cli_arrow(int argc, char **argv) {
    if (argc < 1) {
        fputs(ARROW_USAGE, stderr);
        return 2;
    }
    const char *sub = argv[0];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        fputs(ARROW_USAGE, stdout);
        return 0;
    }
    if (!strcmp(sub, "to-json")) return cmd_to_json(argc - 1, argv + 1);
    if (!strcmp(sub, "from-json")) return cmd_from_json(argc - 1, argv + 1);
    if (!strcmp(sub, "diff")) return cmd_diff(argc - 1, argv + 1);
    return usage_error("unknown subcommand '%s'", sub);
}
