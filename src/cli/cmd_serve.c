/* `rerun --serve-grpc`: the message proxy on its own, as Rerun's
 * `rerun --serve-grpc` runs it. SDKs connect and write, viewers connect and
 * read (history first, then live) until SIGINT or SIGTERM. Binds loopback
 * unless told otherwise (Rerun binds 0.0.0.0; the issue asks for a safe
 * default). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "net/grpc.h"
#include "server/proxy.h"

static rr_grpc_server_t *volatile g_server;

static void on_signal(int sig) {
    (void)sig;
    rr_grpc_server_t *srv = g_server;
    if (srv) rr_grpc_server_stop(srv);
}

static void serve_usage(FILE *f) {
    fprintf(f,
            "usage: rerun --serve-grpc [--port 9876] [--bind 127.0.0.1] [--server-memory-limit 1GiB]\n"
            "                          [--max-message-size 64MiB] [--reader-buffer 64MiB]\n"
            "\n"
            "Hosts the gRPC message proxy: SDKs write to it (rr_connect_grpc, examples' --connect),\n"
            "viewers read from it (rerun+http://HOST:PORT/proxy), late viewers get the history.\n"
            "\n"
            "  --port N                 TCP port (default 9876; 0 or 'auto': a free port, printed)\n"
            "  --bind ADDR              address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all)\n"
            "  --server-memory-limit L  history kept for late readers: e.g. 1GiB (default), 16GB,\n"
            "                           25%% (of physical memory), 0 (no history), unlimited\n"
            "  --max-message-size S     largest message accepted (default 64MiB); larger ones get\n"
            "                           RESOURCE_EXHAUSTED\n"
            "  --reader-buffer S        how far a reader may fall behind before it is disconnected\n"
            "                           with RESOURCE_EXHAUSTED (default 64MiB: half in its send\n"
            "                           queue, half in the proxy's backlog)\n"
            "\n"
            "Prints the rerun+http://.../proxy URL on stdout once listening; stops on SIGINT/SIGTERM.\n");
}

/* The URL a client uses: loopback for a loopback or wildcard bind, as Rerun
 * prints it. */
static void connect_url(const char *bind, uint16_t port, char *out, size_t n) {
    if (!strcmp(bind, "0.0.0.0") || !strcmp(bind, "::") || !strcmp(bind, "[::]") || !strncmp(bind, "127.", 4) ||
        !strcmp(bind, "localhost") || !strcmp(bind, "::1"))
        snprintf(out, n, "rerun+http://127.0.0.1:%u/proxy", port);
    else if (strchr(bind, ':') && bind[0] != '[')
        snprintf(out, n, "rerun+http://[%s]:%u/proxy", bind, port);
    else
        snprintf(out, n, "rerun+http://%s:%u/proxy", bind, port);
}

int rr_cli_serve(int argc, char **argv) {
    const char *bind = "127.0.0.1";
    const char *limit_s = "1GiB";
    long port = 9876;
    uint64_t max_message = 64ull * 1024 * 1024;
    uint64_t reader_buffer = 64ull * 1024 * 1024;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--serve-grpc")) continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            serve_usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--port") || !strcmp(a, "--bind") || !strcmp(a, "--server-memory-limit") ||
            !strcmp(a, "--max-message-size") || !strcmp(a, "--reader-buffer")) {
            if (!v) return rr_cli_fail("%s needs a value", a);
            i++;
            if (!strcmp(a, "--bind")) {
                bind = v;
            } else if (!strcmp(a, "--server-memory-limit")) {
                limit_s = v;
            } else if (!strcmp(a, "--port")) {
                char *end;
                if (!strcmp(v, "auto")) {
                    port = 0;
                } else {
                    port = strtol(v, &end, 10);
                    if (!*v || *end || port < 0 || port > 65535)
                        return rr_cli_fail("--port '%s': expected a port number 0-65535 or 'auto'", v);
                }
            } else {
                rr_error_t err = {0};
                uint64_t m;
                if (rr_proxy_parse_memory_limit(v, &m, &err) != RR_OK) return rr_cli_fail("%s: %s", a, err.msg);
                if (m < 2 || m == RR_PROXY_UNLIMITED || m > 0xffffffffull)
                    return rr_cli_fail("%s '%s': between 2B and 4GiB", a, v);
                if (!strcmp(a, "--reader-buffer"))
                    reader_buffer = m;
                else
                    max_message = m;
            }
            continue;
        }
        serve_usage(stderr);
        return rr_cli_fail("--serve-grpc: unknown argument '%s'", a);
    }

    rr_error_t err = {0};
    uint64_t limit;
    if (rr_proxy_parse_memory_limit(limit_s, &limit, &err) != RR_OK)
        return rr_cli_fail("Bad --server-memory-limit: %s", err.msg);
    /* Rerun's CLI logs at info: the listening line and the memory-limit
     * drops are meant to be seen. */
    if (!getenv("RERUN_LOG")) rr_log_set_level(RR_LOG_INFO);

    rr_proxy_t *proxy = NULL;
    rr_proxy_config_t pcfg = {.memory_limit = limit, .reader_backlog_bytes = (size_t)(reader_buffer / 2)};
    if (rr_proxy_new(&pcfg, &proxy, &err) != RR_OK) return rr_cli_fail("%s", err.msg);
    rr_grpc_server_config_t scfg = {
        .bind = bind,
        .port = (uint16_t)port,
        .max_message_bytes = (size_t)max_message,
        .max_pending_bytes_per_call = (size_t)(reader_buffer - reader_buffer / 2),
    };
    rr_grpc_server_t *srv = NULL;
    if (rr_grpc_server_new(&scfg, &srv, &err) != RR_OK || rr_proxy_register(proxy, srv, &err) != RR_OK) {
        rr_grpc_server_free(srv);
        rr_proxy_free(proxy);
        return rr_cli_fail("--serve-grpc: %s", err.msg);
    }

    g_server = srv;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    uint16_t bound = rr_grpc_server_port(srv);
    char url[320], lim[32];
    connect_url(bind, bound, url, sizeof url);
    if (limit == RR_PROXY_UNLIMITED)
        snprintf(lim, sizeof lim, "unlimited");
    else
        rr_proxy_format_bytes(limit, lim);
    RR_LOG_INFO("Listening for gRPC connections on %s:%u (server memory limit %s). Connect by running "
                "`rerun --connect %s`",
                bind, bound, lim, url);
    /* The URL alone on stdout, for scripts (port 0 picks one). */
    printf("%s\n", url);
    fflush(stdout);

    rr_status_t st = rr_grpc_server_run(srv, &err);
    g_server = NULL;
    rr_proxy_stats_t stats;
    rr_proxy_get_stats(proxy, &stats);
    char held[32], dropped[32];
    rr_proxy_format_bytes(stats.history_bytes, held);
    rr_proxy_format_bytes(stats.dropped_bytes, dropped);
    RR_LOG_INFO("gRPC proxy stopped: %llu messages in, %llu held (%s), %llu dropped (%s), %llu slow readers cut",
                (unsigned long long)stats.messages_in, (unsigned long long)stats.history_messages, held,
                (unsigned long long)stats.dropped_messages, dropped, (unsigned long long)stats.readers_cut);
    rr_grpc_server_free(srv);
    rr_proxy_free(proxy);
    if (st != RR_OK) return rr_cli_fail("--serve-grpc: %s", err.msg);
    return 0;
}
