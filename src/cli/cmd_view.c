/* The viewer's command line.
 *
 * `rerun [FILE.rrd | URL | -]... [--port N] [--memory-limit L] ...` opens the
 * native viewer (src/viewer/app_window.h) on files, http:// URLs,
 * rerun+http://.../proxy live sources and standard input, with the built-in
 * gRPC endpoint on --port (9876) so SDKs can --connect; `rerun` alone only
 * waits for them. Without a display it says to set DISPLAY or use --headless.
 *
 * `rerun --headless --screenshot OUT.png [--size WxH] [--time TIMELINE=VALUE]
 * [--samples N] [--compare REF.png [--tolerance F]] FILE.rrd...`: renders a
 * recording's 3D view off-screen and writes a PNG (src/viewer/headless.h).
 * --compare checks the picture against a reference image, which is how
 * screenshot tests look at it. Exit codes: 0 ok; 1 failure (no EGL, bad
 * arguments, a damaged file: the picture still shows what loaded); 3 the
 * picture differs from the reference. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int rr_cli_view(int argc, char **argv);

#ifdef RR_HAVE_VIEWER
#include <signal.h>

#include "server/proxy.h"
#include "viewer/app.h"
#include "viewer/app_window.h"
#include "viewer/gfx/png.h"
#include "viewer/headless.h"

static void view_usage(FILE *f) {
    fprintf(f,
            "usage: rerun --headless --screenshot OUT.png [--size WxH] [--time TIMELINE=VALUE]\n"
            "             [--samples N] [--ui] [--compare REF.png [--tolerance FRACTION]] FILE.rrd...\n"
            "\n"
            "Renders the recording's views off-screen (EGL) at the end of its first timeline\n"
            "(or at --time) and writes a PNG; --ui draws the whole viewer (panels, tabs, banner).\n"
            "--compare fails (exit 3) when more than FRACTION\n"
            "(default 0.01) of the pixels differ from REF.png by more than 48 in a channel.\n");
}

static bool parse_int64(const char *s, int64_t *out) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) return false;
    *out = v;
    return true;
}

static int compare_with(const char *out_png, const char *ref, double tolerance) {
    rr_error_t err = {0};
    int w1, h1, w2, h2;
    uint8_t *a = NULL, *b = NULL;
    int rc = 0;
    if (rr_png_read_rgba(out_png, &w1, &h1, &a, &err) != RR_OK ||
        rr_png_read_rgba(ref, &w2, &h2, &b, &err) != RR_OK) {
        rc = rr_cli_fail("compare: %s", err.msg);
    } else if (w1 != w2 || h1 != h2) {
        fprintf(stderr, "rerun: compare: size %dx%d differs from %s's %dx%d\n", w1, h1, ref, w2, h2);
        rc = 3;
    } else {
        rr_image_diff_t d;
        rr_image_compare(a, b, w1, h1, 48, &d);
        printf("compare: %.4f%% of pixels differ (max channel difference %d, mean %.3f) from %s\n",
               d.frac_over * 100.0, d.max_channel_diff, d.mean_abs, ref);
        if (d.frac_over > tolerance) {
            fprintf(stderr, "rerun: compare: %.4f%% of pixels differ, more than the %.4f%% allowed\n",
                    d.frac_over * 100.0, tolerance * 100.0);
            rc = 3;
        }
    }
    free(a);
    free(b);
    return rc;
}

static void native_usage(FILE *f) {
    fprintf(f,
            "usage: rerun [FILE.rrd | http://HOST/FILE.rrd | rerun+http://HOST:PORT/proxy | -]...\n"
            "             [--port 9876] [--bind 127.0.0.1] [--memory-limit L] [--size WxH]\n"
            "             [--debug-dump PATH [--dump-every N]] [--screenshot PATH] [--screenshot-on-exit]\n"
            "             [--max-seconds S]\n"
            "\n"
            "Opens the viewer window on the sources (loaded in the background; '-' is standard\n"
            "input) and listens for SDKs (--connect, rr_spawn) on --port (0: any free port;\n"
            "'none': no endpoint). Alone, it waits for SDK connections.\n"
            "\n"
            "  --memory-limit L    keep the stores under L (e.g. 2GiB, 50%%): oldest data goes first\n"
            "  --debug-dump PATH   write the viewer state as JSON every N frames (default 10) and at\n"
            "                      exit (also env RERUN_DEBUG_DUMP)\n"
            "  --screenshot PATH   where F12 (and --screenshot-on-exit) writes a PNG of the window\n"
            "  --max-seconds S     close after S seconds\n"
            "\n"
            "Mouse: drag orbits, right-drag pans, wheel zooms, double click resets. Keys: space\n"
            "play/pause, left/right step, R reset camera, F12 screenshot, Escape quit.\n"
            "Without a display, use --headless --screenshot OUT.png FILE.rrd (see --headless --help).\n");
}

static void on_close_signal(int sig) {
    (void)sig;
    rr_app_window_request_close();
}

static int run_native(int argc, char **argv) {
    rr_app_config_t cfg = {0};
    rr_app_window_options_t wo = {0};
    const char *bind = NULL;
    long port = 9876;
    bool listen = true;
    const char **sources = calloc((size_t)argc + 1, sizeof *sources);
    size_t n_sources = 0;
    if (!sources) return rr_cli_fail("out of memory");
    wo.debug_dump = getenv("RERUN_DEBUG_DUMP");
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = !strcmp(a, "--port") || !strcmp(a, "--bind") || !strcmp(a, "--memory-limit") ||
                     !strcmp(a, "--debug-dump") || !strcmp(a, "--dump-every") || !strcmp(a, "--screenshot") ||
                     !strcmp(a, "--size") || !strcmp(a, "--max-seconds");
        if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "--viewer-help")) {
            native_usage(stdout);
            free(sources);
            return 0;
        } else if (takes && !v) {
            rc = rr_cli_fail("%s needs a value", a);
        } else if (!strcmp(a, "--port")) {
            char *end;
            i++;
            if (!strcmp(v, "none")) {
                listen = false;
            } else {
                port = strtol(v, &end, 10);
                if (!*v || *end || port < 0 || port > 65535) rc = rr_cli_fail("--port '%s': expected 0-65535 or 'none'", v);
            }
        } else if (!strcmp(a, "--bind")) {
            bind = v, i++;
        } else if (!strcmp(a, "--memory-limit")) {
            rr_error_t err = {0};
            i++;
            if (rr_proxy_parse_memory_limit(v, &cfg.memory_limit, &err) != RR_OK)
                rc = rr_cli_fail("--memory-limit: %s", err.msg);
            else if (cfg.memory_limit == RR_PROXY_UNLIMITED)
                cfg.memory_limit = 0;
            else if (cfg.memory_limit == 0)
                rc = rr_cli_fail("--memory-limit: 0 would keep nothing (use 'unlimited' for no limit)");
        } else if (!strcmp(a, "--debug-dump")) {
            wo.debug_dump = v, i++;
        } else if (!strcmp(a, "--dump-every")) {
            int64_t n;
            if (!parse_int64(v, &n) || n < 1 || n > 1000000) rc = rr_cli_fail("--dump-every: expected 1.., got %s", v);
            wo.dump_every = (int)n;
            i++;
        } else if (!strcmp(a, "--screenshot")) {
            wo.screenshot = v, i++;
        } else if (!strcmp(a, "--screenshot-on-exit")) {
            wo.screenshot_on_exit = true;
        } else if (!strcmp(a, "--size")) {
            if (sscanf(v, "%dx%d", &wo.width, &wo.height) != 2 || wo.width < 1 || wo.height < 1 ||
                wo.width > 16384 || wo.height > 16384)
                rc = rr_cli_fail("--size: expected WxH (1..16384), got %s", v);
            i++;
        } else if (!strcmp(a, "--max-seconds")) {
            char *end = NULL;
            wo.max_seconds = strtod(v, &end);
            if (end == v || *end || !(wo.max_seconds > 0)) rc = rr_cli_fail("--max-seconds: not a positive number: %s", v);
            i++;
        } else if (a[0] == '-' && a[1]) {
            rc = rr_cli_fail("unknown or incomplete option '%s' (try --viewer-help)", a);
        } else {
            sources[n_sources++] = a;
        }
    }
    if (rc != 0) {
        free(sources);
        return 2;
    }
    /* Say it before opening anything: the window cannot come up. */
    const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    if ((!x || !*x) && (!wl || !*wl)) {
        free(sources);
        return rr_cli_fail("no display to open the viewer window on (DISPLAY is unset): set DISPLAY, or "
                           "render off-screen with `rerun --headless --screenshot OUT.png FILE.rrd`");
    }
    signal(SIGPIPE, SIG_IGN);
    rr_app_t *app = NULL;
    rr_error_t err = {0};
    if (rr_app_new(&cfg, &app, &err) != RR_OK) {
        free(sources);
        return rr_cli_fail("%s", err.msg);
    }
    for (size_t i = 0; i < n_sources && rc == 0; i++)
        if (rr_app_open_url(app, sources[i], &err) != RR_OK) rc = rr_cli_fail("%s", err.msg);
    free(sources);
    if (rc == 0 && listen) {
        if (rr_app_listen(app, bind, (uint16_t)port, &err) != RR_OK) {
            /* With sources of its own the viewer still has work: the
             * endpoint is a convenience then. Alone it would be useless. */
            if (n_sources == 0)
                rc = rr_cli_fail("%s", err.msg);
            else
                fprintf(stderr, "rerun: warning: no gRPC endpoint: %s\n", err.msg);
        } else {
            fprintf(stderr, "rerun: listening for SDKs on rerun+http://%s:%u/proxy\n",
                    bind && strcmp(bind, "0.0.0.0") && strcmp(bind, "::") ? bind : "127.0.0.1",
                    (unsigned)rr_app_listen_port(app));
        }
    }
    if (rc == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_close_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        rr_status_t st = rr_app_run_window(app, &wo, &err);
        if (st != RR_OK) rc = rr_cli_fail("%s", err.msg);
    }
    if (rr_app_error(app)[0]) fprintf(stderr, "rerun: errors while loading: %s\n", rr_app_error(app));
    rr_app_free(app);
    return rc;
}

int rr_cli_view(int argc, char **argv) {
    bool is_headless = false;
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--headless")) is_headless = true;
    if (!is_headless) return run_native(argc, argv);
    rr_headless_options_t o = {0};
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    const char *compare = NULL;
    double tolerance = 0.01;
    bool headless = false;
    if (!files) return rr_cli_fail("out of memory");
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            view_usage(stdout);
            free(files);
            return 0;
        } else if (!strcmp(a, "--headless")) {
            headless = true;
        } else if (!strcmp(a, "--ui")) {
            o.ui = true;
        } else if (!strcmp(a, "--screenshot") && next) {
            o.out_png = next, i++;
        } else if (!strcmp(a, "--compare") && next) {
            compare = next, i++;
        } else if (!strcmp(a, "--tolerance") && next) {
            char *end = NULL;
            tolerance = strtod(next, &end);
            if (end == next || *end || !(tolerance >= 0)) rc = rr_cli_fail("--tolerance: not a fraction: %s", next);
            i++;
        } else if (!strcmp(a, "--size") && next) {
            if (sscanf(next, "%dx%d", &o.width, &o.height) != 2 || o.width < 1 || o.height < 1 ||
                o.width > 16384 || o.height > 16384)
                rc = rr_cli_fail("--size: expected WxH (1..16384), got %s", next);
            i++;
        } else if (!strcmp(a, "--samples") && next) {
            int64_t s;
            if (!parse_int64(next, &s) || s < 0 || s > 64) rc = rr_cli_fail("--samples: expected 0..64, got %s", next);
            o.samples = s == 0 ? 1 : (int)s;
            i++;
        } else if (!strcmp(a, "--time") && next) {
            const char *eq = strrchr(next, '=');
            static char timeline[256];
            if (!eq || eq == next || (size_t)(eq - next) >= sizeof timeline || !parse_int64(eq + 1, &o.time)) {
                rc = rr_cli_fail("--time: expected TIMELINE=VALUE (an integer), got %s", next);
            } else {
                memcpy(timeline, next, (size_t)(eq - next));
                timeline[eq - next] = 0;
                o.timeline = timeline;
                o.has_time = true;
            }
            i++;
        } else if (a[0] == '-' && a[1]) {
            rc = rr_cli_fail("unknown or incomplete option '%s' (try --headless --help)", a);
        } else {
            files[o.n_files++] = a;
        }
    }
    if (rc == 0 && !headless) {
        free(files);
        return run_native(argc, argv);
    }
    if (rc == 0 && !o.out_png) rc = rr_cli_fail("--headless needs --screenshot OUT.png (try --headless --help)");
    if (rc == 0 && o.n_files == 0) rc = rr_cli_fail("--headless: no .rrd file given");
    if (rc != 0) {
        free(files);
        return rc == 1 ? 2 : rc;
    }
    o.files = files;
    rr_headless_result_t res;
    rr_error_t err = {0};
    rr_status_t st = rr_headless_screenshot(&o, &res, &err);
    free(files);
    if (res.load_failed) fprintf(stderr, "rerun: error loading: %s (showing what loaded)\n", res.load_error.msg);
    if (st == RR_ERR_UNAVAILABLE)
        return rr_cli_fail("headless rendering needs EGL with OpenGL ES 3 (Mesa: libegl1 libgles2 "
                           "libgl1-mesa-dri): %s",
                           err.msg);
    if (st != RR_OK) return rr_cli_fail("screenshot: %s", err.msg);
    if (res.warning[0]) fprintf(stderr, "rerun: warning: %s\n", res.warning);
    if (res.timeline[0])
        printf("wrote %s (%s at %s=%" PRId64 ", %zu drawables)\n", o.out_png, res.renderer, res.timeline,
               res.time, res.drawables);
    else
        printf("wrote %s (%s, static data, %zu drawables)\n", o.out_png, res.renderer, res.drawables);
    rc = res.load_failed ? 1 : 0;
    if (compare) {
        int crc = compare_with(o.out_png, compare, tolerance);
        if (crc) rc = crc;
    }
    return rc;
}

#else /* the build has no viewer library (e.g. the fuzzing build) */

int rr_cli_view(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return rr_cli_fail("this build of rerun has no viewer");
}

#endif
