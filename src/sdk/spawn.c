/* rr_spawn (rerun.h): Rerun's spawn for C programs. If no viewer listens on
 * the port, start one (detached: double fork into its own session, so it
 * outlives the logging program and leaves no zombie), wait until its port
 * opens, then stream to it through the gRPC sink.
 *
 * Whether exec worked is learnt through a close-on-exec pipe: a successful
 * exec closes it with nothing written, a failed one writes its errno. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rerun.h"

#define SPAWN_DEFAULT_PORT 9876
#define SPAWN_DEFAULT_WAIT_MS 10000

static rr_status_t spawn_fail(rr_error_t *err, rr_status_t code, const char *fmt, const char *a, const char *b) {
    if (err) {
        err->code = code;
        snprintf(err->msg, sizeof err->msg, fmt, a, b);
    }
    return code;
}

/* A TCP connect to loopback: something listens there. */
static int port_open(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Starts exe detached; returns the exec errno (0: it runs). */
static int start_detached(const char *exe, char *const argv[]) {
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) return errno;
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        close(pfd[0]);
        close(pfd[1]);
        return e;
    }
    if (child == 0) {
        close(pfd[0]);
        setsid();
        pid_t grandchild = fork();
        if (grandchild != 0) _exit(grandchild < 0 ? 1 : 0);
        /* The viewer: no terminal input, its output where ours goes. */
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, 0);
            if (devnull > 2) close(devnull);
        }
        execvp(exe, argv);
        int e = errno;
        ssize_t w = write(pfd[1], &e, sizeof e);
        (void)w;
        _exit(127);
    }
    close(pfd[1]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    int e = 0;
    ssize_t n;
    do {
        n = read(pfd[0], &e, sizeof e);
    } while (n < 0 && errno == EINTR);
    close(pfd[0]);
    if (n != (ssize_t)sizeof e) e = 0; /* closed by a successful exec */
    return e;
}

rr_status_t rr_spawn(rr_recording_stream_t *rec, const rr_spawn_options_t *opts, rr_error_t *err) {
    rr_spawn_options_t o;
    memset(&o, 0, sizeof o);
    if (opts) o = *opts;
    uint16_t port = o.port ? o.port : SPAWN_DEFAULT_PORT;
    uint32_t wait_ms = o.wait_ms ? o.wait_ms : SPAWN_DEFAULT_WAIT_MS;
    char port_s[12], url[64];
    snprintf(port_s, sizeof port_s, "%u", (unsigned)port);
    snprintf(url, sizeof url, "rerun+http://127.0.0.1:%u/proxy", (unsigned)port);
    if (!port_open(port)) {
        const char *exe = o.executable;
        if (!exe || !*exe) exe = getenv("RERUN_BIN");
        if (!exe || !*exe) exe = "rerun";
        char *argv[8];
        int n = 0;
        argv[n++] = (char *)exe;
        argv[n++] = "--port";
        argv[n++] = port_s;
        if (o.memory_limit) {
            argv[n++] = "--memory-limit";
            argv[n++] = (char *)o.memory_limit;
        }
        argv[n] = NULL;
        int e = start_detached(exe, argv);
        if (e)
            return spawn_fail(err, RR_ERR_UNAVAILABLE,
                              "spawn: cannot start the viewer '%s': %s (give its path in "
                              "rr_spawn_options_t.executable or RERUN_BIN, or put rerun on PATH)",
                              exe, strerror(e));
        double deadline = now_ms() + wait_ms;
        while (!port_open(port)) {
            if (now_ms() >= deadline)
                return spawn_fail(err, RR_ERR_UNAVAILABLE,
                                  "spawn: started '%s' but nothing listens on port %s in time "
                                  "(does it have a display? see its messages)",
                                  exe, port_s);
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    return rr_connect_grpc(rec, url, err);
}
