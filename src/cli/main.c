/* The `rerun` binary: dispatches to subcommand groups (cli.h). Later layers
 * (rrd, query, serve, viewer) add their groups here. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int rr_cli_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("rerun: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static void usage(FILE *f) {
    fprintf(f,
            "rerun-c %s (speaks Rerun %s formats)\n"
            "\n"
            "usage: rerun <command> [args]\n"
            "\n"
            "commands:\n"
            "  arrow to-json FILE             print an Arrow IPC stream or file as integration JSON\n"
            "  arrow from-json FILE.json -o OUT [--file] [--compression lz4|zstd]\n"
            "                                 write integration JSON as an IPC stream (or file)\n"
            "  arrow diff A B                 compare two IPC/JSON files as data (exit 1: differ)\n"
            "  rrd print [-v] FILE...         stores and chunks of .rrd recordings (-v: the data)\n"
            "  rrd stats FILE...              counts, sizes, compression, per-entity totals\n"
            "  rrd verify FILE...             decode and check everything; ok or the first fault\n"
            "  rrd merge -o OUT FILE...       all recordings of the inputs in one file\n"
            "  rrd compact -o OUT FILE        rewrite with larger chunks (see rrd --help)\n"
            "  query FILE... --index TIMELINE [--contents FILTER] [--range A..B] [--fill]\n"
            "        [--format table|csv|arrow|json] [-o OUT]\n"
            "                                 the recording as a table (see query --help)\n"
            "  --serve-grpc [--port 9876] [--bind 127.0.0.1] [--server-memory-limit 1GiB]\n"
            "                                 host the gRPC message proxy (see --serve-grpc --help)\n"
            "  [FILE.rrd | URL | -]... [--port 9876] [--memory-limit L]\n"
            "                                 the viewer (see --viewer-help); alone: waits for SDKs\n"
            "  --headless --screenshot OUT.png [--size WxH] [--time TIMELINE=VALUE] FILE.rrd...\n"
            "                                 render the default views off-screen to a PNG (see --headless --help)\n"
            "  --serve-web [FILE.rrd | URL] [--web-port N]\n"
            "                                 serve the browser (Wasm) viewer and its page on localhost\n"
            "  --version                      print the version\n",
            RR_VERSION_STRING, RR_RERUN_COMPAT_VERSION);
}

int main(int argc, char **argv) {
    /* `rerun` alone: the viewer, waiting for SDK connections. */
    if (argc < 2) return rr_cli_view(0, argv + 1);
    /* Rerun's flag form: `rerun --serve-grpc` with its options in any order. */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--serve-grpc")) return rr_cli_serve(argc - 1, argv + 1);
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--headless")) return rr_cli_view(argc - 1, argv + 1);
    for (int i = 1; i < argc; i++) /* the web viewer (src/cli/cmd_serve_web.c) */
        if (!strcmp(argv[i], "--serve-web")) return rr_cli_serve_web(argc - 1, argv + 1);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("rerun-c %s (Rerun %s compatible)\n", RR_VERSION_STRING, RR_RERUN_COMPAT_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "arrow")) return rr_cli_arrow(argc - 2, argv + 2);
    if (!strcmp(cmd, "rrd")) return rr_cli_rrd(argc - 2, argv + 2);
    if (!strcmp(cmd, "query")) return rr_cli_query(argc - 2, argv + 2);
    /* Anything else is the viewer's: files, URLs, "-", its options. */
    return rr_cli_view(argc - 1, argv + 1);
}
