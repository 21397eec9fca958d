/* `rerun --headless --screenshot OUT.png [--size WxH] [--time TIMELINE=VALUE]
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
#include "viewer/gfx/png.h"
#include "viewer/headless.h"

static void view_usage(FILE *f) {
    fprintf(f,
            "usage: rerun --headless --screenshot OUT.png [--size WxH] [--time TIMELINE=VALUE]\n"
            "             [--samples N] [--compare REF.png [--tolerance FRACTION]] FILE.rrd...\n"
            "\n"
            "Renders the recording's 3D view off-screen (EGL) at the end of its first timeline\n"
            "(or at --time) and writes a PNG. --compare fails (exit 3) when more than FRACTION\n"
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

int rr_cli_view(int argc, char **argv) {
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
    if (rc == 0 && !headless)
        rc = rr_cli_fail("the native viewer window is not built yet; use --headless --screenshot OUT.png FILE.rrd");
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
