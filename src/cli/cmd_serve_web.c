/* `rerun --serve-web [FILE|URL] [--web-port N] [--port N]`: serves the
 * browser viewer (the files scripts/build-web writes) and a page that starts
 * it on the given source, over a small HTTP/1.1 static server on loopback. A
 * FILE is served too, at /recording.rrd; a URL (http:// .rrd, rerun+http://
 * proxy) is handed to the page as is. With no source, as Rerun's
 * --serve-web, it also hosts a gRPC message proxy (the one --serve-grpc
 * runs, on --port, default 9876, on a thread of its own) and the page opens
 * rerun+http://127.0.0.1:PORT/proxy, so `example --connect` streams into the
 * browser. One page connection at a time, each closed after its response:
 * the page needs a handful of files, nothing more. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <pthread.h>

#include "cli/cli.h"
#include "net/grpc.h"
#include "server/proxy.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static void serve_web_usage(FILE *f) {
    fprintf(f,
            "usage: rerun --serve-web [FILE.rrd | URL] [--web-port 9090] [--web-dir DIR]\n"
            "                         [--port 9876] [--server-memory-limit 1GiB]\n"
            "\n"
            "Serves the web viewer on http://127.0.0.1:PORT/ and opens the source in it:\n"
            "a file (served at /recording.rrd), an http:// .rrd URL or a rerun+http:// proxy.\n"
            "Without a source it also hosts a gRPC message proxy (as --serve-grpc) that SDKs\n"
            "--connect to, and the page shows what they stream.\n"
            "  --web-port N   port (default 9090; 0: a free one); the URL is printed on stdout\n"
            "  --port N       the proxy's port when there is no source (default 9876; 0: a free one)\n"
            "  --server-memory-limit L  the proxy's history limit (default 1GiB, see --serve-grpc)\n"
            "  --web-dir DIR  the built viewer (scripts/build-web); default: $RERUN_WEB_DIR,\n"
            "                 else web/ or ../web/ beside the rerun binary\n");
}

/* dir/name into out; false when it does not fit. */
static bool join_path(char *out, size_t n, const char *dir, const char *name) {
    int r = snprintf(out, n, "%s/%s", dir, name);
    return r >= 0 && (size_t)r < n;
}

static bool is_dir_with_viewer(const char *dir) {
    char p[PATH_MAX];
    return join_path(p, sizeof p, dir, "rerun_viewer.wasm") && access(p, R_OK) == 0;
}

static bool find_web_dir(char *out, size_t n) {
    const char *env = getenv("RERUN_WEB_DIR");
    if (env && is_dir_with_viewer(env)) {
        snprintf(out, n, "%s", env);
        return true;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) return false;
    exe[len] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return false;
    *slash = 0;
    static const char *const rel[] = {"web", "../web"};
    for (size_t i = 0; i < 2; i++) {
        if (join_path(out, n, exe, rel[i]) && is_dir_with_viewer(out)) return true;
    }
    return false;
}

static const char *mime_of(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot) return "application/octet-stream";
    if (!strcmp(dot, ".html")) return "text/html; charset=utf-8";
    if (!strcmp(dot, ".js") || !strcmp(dot, ".mjs")) return "text/javascript";
    if (!strcmp(dot, ".wasm")) return "application/wasm";
    if (!strcmp(dot, ".png")) return "image/png";
    if (!strcmp(dot, ".css")) return "text/css";
    return "application/octet-stream";
}

static bool send_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

static void send_status(int fd, int code, const char *reason, const char *extra_headers) {
    char head[1024];
    char body[160];
    int bl = snprintf(body, sizeof body, "%d %s\n", code, reason);
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s"
                      "Connection: close\r\n\r\n",
                      code, reason, bl, extra_headers ? extra_headers : "");
    if (send_all(fd, head, (size_t)hl)) send_all(fd, body, (size_t)bl);
}

static void send_file(int fd, const char *path, bool head_only) {
    int in = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (in < 0 || fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (in >= 0) close(in);
        send_status(fd, 404, "Not Found", NULL);
        return;
    }
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %lld\r\n"
                      "Cache-Control: no-cache\r\nAccess-Control-Allow-Origin: *\r\n"
                      "Connection: close\r\n\r\n",
                      mime_of(path), (long long)st.st_size);
    bool ok = send_all(fd, head, (size_t)hl);
    char buf[65536];
    while (ok && !head_only) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        ok = send_all(fd, buf, (size_t)r);
    }
    close(in);
}

/* Percent-encodes s for a query string value. */
static void url_encode(const char *s, char *out, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s && o + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-_.~", c)) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = 0;
}

/* Reads the request head (up to the blank line) with a time limit, so a
 * silent client cannot hold the server. */
static ssize_t read_head(int fd, char *buf, size_t cap) {
    size_t len = 0;
    while (len + 1 < cap) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = poll(&p, 1, 5000);
        if (pr <= 0) return -1;
        ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        len += (size_t)r;
        buf[len] = 0;
        if (strstr(buf, "\r\n\r\n")) return (ssize_t)len;
    }
    return -1;
}

static void handle(int fd, const char *web_dir, const char *file, const char *source) {
    char req[8192];
    if (read_head(fd, req, sizeof req) < 0) return;
    char method[16], target[2048];
    if (sscanf(req, "%15s %2047s", method, target) != 2) {
        send_status(fd, 400, "Bad Request", NULL);
        return;
    }
    bool head_only = !strcmp(method, "HEAD");
    if (strcmp(method, "GET") && !head_only) {
        send_status(fd, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n");
        return;
    }
    char *q = strchr(target, '?');
    if (q) *q = 0;
    if (!strcmp(target, "/")) {
        char enc[2048 * 3], loc[2048 * 3 + 64];
        url_encode(source ? source : "", enc, sizeof enc);
        snprintf(loc, sizeof loc, "Location: /index.html%s%s\r\n", source ? "?url=" : "",
                 source ? enc : "");
        send_status(fd, 302, "Found", loc);
        return;
    }
    if (file && !strcmp(target, "/recording.rrd")) {
        send_file(fd, file, head_only);
        return;
    }
    /* only plain names from the viewer's folder: no traversal, no dot files */
    const char *name = target + 1;
    if (!*name || strstr(name, "..") || name[0] == '.' || strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                                      "0123456789_-./") != strlen(name)) {
        send_status(fd, 404, "Not Found", NULL);
        return;
    }
    char path[PATH_MAX];
    if (!join_path(path, sizeof path, web_dir, name)) {
        send_status(fd, 404, "Not Found", NULL);
        return;
    }
    send_file(fd, path, head_only);
}

/* The message proxy hosted beside the page when no source is given. */
typedef struct hosted_proxy {
    rr_proxy_t *proxy;
    rr_grpc_server_t *srv;
    pthread_t thread;
    bool running;
} hosted_proxy_t;

static void *proxy_thread(void *arg) {
    hosted_proxy_t *h = arg;
    rr_error_t err = {0};
    if (rr_grpc_server_run(h->srv, &err) != RR_OK) fprintf(stderr, "--serve-web: gRPC proxy: %s\n", err.msg);
    return NULL;
}

static bool proxy_start(hosted_proxy_t *h, long port, uint64_t limit, char *url, size_t n) {
    rr_error_t err = {0};
    rr_proxy_config_t pcfg = {.memory_limit = limit};
    rr_grpc_server_config_t scfg = {.bind = "127.0.0.1", .port = (uint16_t)port};
    if (rr_proxy_new(&pcfg, &h->proxy, &err) != RR_OK || rr_grpc_server_new(&scfg, &h->srv, &err) != RR_OK ||
        rr_proxy_register(h->proxy, h->srv, &err) != RR_OK) {
        rr_cli_fail("--serve-web: gRPC proxy on 127.0.0.1:%ld: %s", port, err.msg);
        return false;
    }
    if (pthread_create(&h->thread, NULL, proxy_thread, h) != 0) {
        rr_cli_fail("--serve-web: cannot start the gRPC proxy's thread");
        return false;
    }
    h->running = true;
    snprintf(url, n, "rerun+http://127.0.0.1:%u/proxy", (unsigned)rr_grpc_server_port(h->srv));
    return true;
}

static void proxy_stop(hosted_proxy_t *h) {
    if (h->running) {
        rr_grpc_server_stop(h->srv);
        pthread_join(h->thread, NULL);
    }
    rr_grpc_server_free(h->srv);
    rr_proxy_free(h->proxy);
}

int rr_cli_serve_web(int argc, char **argv) {
    long port = 9090, grpc_port = 9876;
    const char *limit_s = "1GiB";
    const char *source_arg = NULL, *web_dir_arg = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--serve-web")) continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            serve_web_usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--web-port") || !strcmp(a, "--web-dir") || !strcmp(a, "--port") ||
            !strcmp(a, "--server-memory-limit")) {
            if (i + 1 >= argc) return rr_cli_fail("--serve-web: %s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--web-dir")) {
                web_dir_arg = v;
                continue;
            }
            if (!strcmp(a, "--server-memory-limit")) {
                limit_s = v;
                continue;
            }
            char *end = NULL;
            long p = strtol(v, &end, 10);
            if (!*v || *end || p < 0 || p > 65535)
                return rr_cli_fail("--serve-web: %s %s: not a port number (0..65535)", a, v);
            if (!strcmp(a, "--port"))
                grpc_port = p;
            else
                port = p;
            continue;
        }
        if (a[0] == '-' && a[1]) return rr_cli_fail("--serve-web: unknown option %s (see --serve-web --help)", a);
        if (source_arg) return rr_cli_fail("--serve-web: one source only (%s and %s given)", source_arg, a);
        source_arg = a;
    }
    char web_dir[PATH_MAX];
    if (web_dir_arg) {
        if (!is_dir_with_viewer(web_dir_arg))
            return rr_cli_fail("--serve-web: %s holds no rerun_viewer.wasm (run scripts/build-web)", web_dir_arg);
        snprintf(web_dir, sizeof web_dir, "%s", web_dir_arg);
    } else if (!find_web_dir(web_dir, sizeof web_dir)) {
        return rr_cli_fail("--serve-web: the web viewer is not built: run scripts/build-web "
                           "(or give --web-dir / RERUN_WEB_DIR)");
    }
    const char *file = NULL, *source = source_arg;
    if (source_arg && !strstr(source_arg, "://")) {
        struct stat st;
        if (stat(source_arg, &st) != 0 || !S_ISREG(st.st_mode))
            return rr_cli_fail("--serve-web: %s: %s", source_arg, strerror(errno ? errno : ENOENT));
        file = source_arg;
        source = "/recording.rrd";
    }
    uint64_t limit = 0;
    rr_error_t lerr = {0};
    if (rr_proxy_parse_memory_limit(limit_s, &limit, &lerr) != RR_OK)
        return rr_cli_fail("--serve-web: bad --server-memory-limit: %s", lerr.msg);
    /* Rerun hosts a proxy unless there are only URLs to view directly. */
    hosted_proxy_t hp = {0};
    char proxy_url[96];
    if (!source) {
        if (grpc_port == port && port != 0)
            return rr_cli_fail("--serve-web: --port and --web-port are both %ld", port);
        if (!proxy_start(&hp, grpc_port, limit, proxy_url, sizeof proxy_url)) {
            proxy_stop(&hp);
            return 1;
        }
        source = proxy_url;
    }

    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0) {
        int e = errno;
        proxy_stop(&hp);
        return rr_cli_fail("--serve-web: socket: %s", strerror(e));
    }
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(ls, 16) != 0) {
        int e = errno;
        close(ls);
        proxy_stop(&hp);
        return rr_cli_fail("--serve-web: 127.0.0.1:%ld: %s", port, strerror(e));
    }
    socklen_t alen = sizeof addr;
    getsockname(ls, (struct sockaddr *)&addr, &alen);
    if (hp.running) printf("Hosting a gRPC message proxy at %s (SDKs: --connect %s)\n", proxy_url, proxy_url);
    printf("Serving the web viewer at http://127.0.0.1:%u/\n", ntohs(addr.sin_port));
    fflush(stdout);

    signal(SIGPIPE, SIG_IGN); /* a browser closing a stream early is no reason to die */
    struct sigaction sa = {0};
    sa.sa_handler = on_signal; /* no SA_RESTART: poll returns on the signal */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!g_stop) {
        struct pollfd p = {.fd = ls, .events = POLLIN};
        int pr = poll(&p, 1, 500);
        if (pr <= 0) continue;
        int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) continue;
        handle(c, web_dir, file, source);
        shutdown(c, SHUT_WR);
        close(c);
    }
    close(ls);
    proxy_stop(&hp);
    return 0;
}
