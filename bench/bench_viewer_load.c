/* Loading a recording into the viewer's app core, native side: rr_app
 * (src/viewer/app.h) opens an .rrd with rr_app_open_file and is updated as
 * the viewer's frame loop does (rr_app_update with a frame's budget) until
 * rr_app_loading turns false. Printed: time to the first chunk in a store
 * (what the first frame can show), time to fully loaded, and MB/s, beside
 * reading the same file into memory with read() in the same run (the page
 * cache warm for both). Medians of 3.
 *
 * The recording is a realistic mix in batched chunks, written by our SDK:
 * per frame a point cloud (positions and colours), a camera image (RGB)
 * and a few scalars, and, as the very last row of the file, a marker at
 * the frame after the last one, so that a viewer's time range reaching it
 * says the whole file went in (bench/bench_viewer_load.sh uses that for
 * the official web viewer).
 *
 *   bench_viewer_load                    64 MiB (x BENCH_SCALE) in $TMPDIR, measured
 *   bench_viewer_load --file F.rrd ...   measures these files
 *   bench_viewer_load --gen OUT.rrd MIB  writes a recording of about MIB MiB and
 *                                        prints its last frame ("frames N")
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "rerun.h"

/* The app core's calls used here, as src/viewer/app.h declares them: that
 * header brings the internal model headers, which define the same public
 * types rerun.h does (one translation unit takes one or the other), and
 * the recording is written with the public SDK. */
typedef struct rr_app rr_app_t;
typedef struct rr_app_config rr_app_config_t;
rr_status_t rr_app_new(const rr_app_config_t *cfg, rr_app_t **out, rr_error_t *err);
void rr_app_free(rr_app_t *app);
rr_status_t rr_app_open_file(rr_app_t *app, const char *path, rr_error_t *err);
size_t rr_app_update(rr_app_t *app, double budget_ms);
bool rr_app_loading(const rr_app_t *app);
size_t rr_app_num_chunks(const rr_app_t *app);
const char *rr_app_error(const rr_app_t *app);

#define PROG "bench_viewer_load"

#define POINTS 20000
#define IMG_W 256
#define IMG_H 192

/* Bytes one frame adds to the file: what it logs, times what LZ4 leaves
 * of it (0.92, measured on this generator's data). */
#define FRAME_BYTES (((double)POINTS * 16 + IMG_W * IMG_H * 3 + 4 * 8) * 0.92)

static int64_t frames_for(double mib) {
    int64_t n = (int64_t)(mib * 1048576.0 / FRAME_BYTES + 0.5);
    return n < 1 ? 1 : n;
}

/* Writes about `mib` MiB; returns the number of frames (the marker is at
 * frame == that number). */
static int64_t generate(const char *path, double mib) {
    rr_error_t err = {0};
    rr_recording_stream_t *rec = NULL;
    if (rr_recording_stream_new("rerun_c_load_bench", NULL, &rec, &err) != RR_OK ||
        rr_save(rec, path, &err) != RR_OK)
        bench_die(PROG, "recording", &err);
    int64_t frames = frames_for(mib);
    rr_position3d_t *pos = malloc(sizeof *pos * POINTS);
    rr_color_t *col = malloc(sizeof *col * POINTS);
    uint8_t *rgb = malloc(IMG_W * IMG_H * 3);
    if (!pos || !col || !rgb) bench_die(PROG, "malloc", NULL);
    const rr_image_format_t fmt = {.width = IMG_W, .height = IMG_H, .color_model = RR_COLOR_MODEL_RGB,
                                   .channel_datatype = RR_CHANNEL_DATATYPE_U8};
    uint32_t seed = 12345;
    for (int64_t f = 0; f < frames; f++) {
        /* a rippling sheet of points, noisy enough that LZ4 keeps most bytes */
        float ph = (float)f * 0.05f;
        for (int i = 0; i < POINTS; i++) {
            seed = seed * 1664525u + 1013904223u;
            float x = (float)(i % 200) * 0.05f - 5.0f, y = (float)(i / 200) * 0.05f - 2.5f;
            float jitter = (float)(seed >> 8) * (1.0f / 16777216.0f) * 0.01f;
            pos[i][0] = x;
            pos[i][1] = y;
            pos[i][2] = 0.5f * sinf(x * 1.3f + ph) * cosf(y * 0.7f - ph) + jitter;
            uint32_t r = (uint32_t)(128 + 127 * sinf(x + ph)), g = seed >> 16 & 0xff;
            col[i] = r << 24 | g << 16 | 0x40u << 8 | 0xffu; /* 0xRRGGBBAA */
        }
        for (int i = 0; i < IMG_W * IMG_H; i++) {
            seed = seed * 1664525u + 1013904223u;
            int x = i % IMG_W, y = i / IMG_W;
            rgb[3 * i + 0] = (uint8_t)(x + f);
            rgb[3 * i + 1] = (uint8_t)(y * 2 + (seed >> 28));
            rgb[3 * i + 2] = (uint8_t)(seed >> 24);
        }
        double sc[4] = {sin((double)f * 0.1), cos((double)f * 0.1), (double)f, (double)(seed & 1023)};
        rr_archetype_t *pts = NULL, *img = NULL, *s = NULL;
        if (rr_set_time_sequence(rec, "frame", f) != RR_OK ||
            rr_points3d_new(&pts, (const rr_position3d_t *)pos, POINTS, RR_BORROW, &err) != RR_OK ||
            rr_points3d_set_colors(pts, col, POINTS, RR_BORROW, &err) != RR_OK ||
            rr_log(rec, "world/points", pts, &err) != RR_OK ||
            rr_image_new(&img, rgb, IMG_W * IMG_H * 3, &fmt, RR_BORROW, &err) != RR_OK ||
            rr_log(rec, "camera/image", img, &err) != RR_OK)
            bench_die(PROG, "log", &err);
        for (int k = 0; k < 4; k++) {
            char ent[32];
            snprintf(ent, sizeof ent, "plots/s%d", k);
            if (rr_scalars_new(&s, &sc[k], 1, RR_BORROW, &err) != RR_OK ||
                rr_log(rec, ent, s, &err) != RR_OK)
                bench_die(PROG, "log scalar", &err);
            rr_archetype_free(s);
            s = NULL;
        }
        rr_archetype_free(pts);
        rr_archetype_free(img);
    }
    /* everything before the marker is in the file before it */
    if (rr_flush(rec, &err) != RR_OK) bench_die(PROG, "flush", &err);
    double one = 1;
    rr_archetype_t *m = NULL;
    if (rr_set_time_sequence(rec, "frame", frames) != RR_OK ||
        rr_scalars_new(&m, &one, 1, RR_BORROW, &err) != RR_OK || rr_log(rec, "end", m, &err) != RR_OK)
        bench_die(PROG, "marker", &err);
    rr_archetype_free(m);
    rr_recording_stream_free(rec);
    free(pos);
    free(col);
    free(rgb);
    return frames;
}

static uint64_t file_size(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) bench_die(PROG, path, NULL);
    return (uint64_t)st.st_size;
}

/* The baseline: the whole file read() into memory. */
static double read_secs(const char *path, uint64_t size) {
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) bench_die(PROG, "malloc", NULL);
    double t0 = bench_now_s();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) bench_die(PROG, path, NULL);
    for (uint64_t done = 0; done < size;) {
        ssize_t n = read(fd, buf + done, size - done > (1u << 24) ? (1u << 24) : size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) bench_die(PROG, "read", NULL);
        done += (uint64_t)n;
    }
    close(fd);
    double s = bench_now_s() - t0;
    free(buf);
    return s;
}

static void measure(const char *path) {
    enum { REPS = 3 };
    uint64_t size = file_size(path);
    double t_first[REPS], t_full[REPS], t_read[REPS];
    size_t chunks = 0;
    for (int r = 0; r < REPS; r++) {
        t_read[r] = read_secs(path, size);
        rr_error_t err = {0};
        rr_app_t *app = NULL;
        if (rr_app_new(NULL, &app, &err) != RR_OK) bench_die(PROG, "app", &err);
        double t0 = bench_now_s();
        if (rr_app_open_file(app, path, &err) != RR_OK) bench_die(PROG, "open", &err);
        t_first[r] = -1;
        for (;;) {
            /* a frame's worth of work, as the window's loop gives it */
            rr_app_update(app, 16.0);
            if (t_first[r] < 0 && rr_app_num_chunks(app) > 0) t_first[r] = bench_now_s() - t0;
            if (!rr_app_loading(app)) break;
            usleep(500);
        }
        t_full[r] = bench_now_s() - t0;
        if (t_first[r] < 0) t_first[r] = t_full[r];
        chunks = rr_app_num_chunks(app);
        if (rr_app_error(app)[0]) {
            fprintf(stderr, "%s: %s: %s\n", PROG, path, rr_app_error(app));
            exit(1);
        }
        rr_app_free(app);
    }
    double first = bench_median(t_first, REPS), full = bench_median(t_full, REPS),
           rd = bench_median(t_read, REPS);
    double mb = (double)size / 1e6;
    printf("load %-22s %8.1f MB: first chunk %7.1f ms, fully loaded %8.1f ms = %7.1f MB/s "
           "(%zu chunks)  ratio %.3fx read() of the file (%.0f MB/s)\n",
           strrchr(path, '/') ? strrchr(path, '/') + 1 : path, mb, first * 1e3, full * 1e3,
           mb / full, chunks, (mb / full) / (mb / rd), mb / rd);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--gen") == 0) {
        double mib = atof(argv[3]);
        if (!(mib > 0)) bench_die(PROG, "--gen OUT.rrd MIB: MIB must be > 0", NULL);
        int64_t frames = generate(argv[2], mib);
        printf("frames %lld bytes %llu\n", (long long)frames,
               (unsigned long long)file_size(argv[2]));
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "--file") == 0) {
        for (int i = 2; i < argc; i++) measure(argv[i]);
        return 0;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--file F.rrd... | --gen OUT.rrd MIB]\n", PROG);
        return 2;
    }
    double scale = 1;
    const char *e = getenv("BENCH_SCALE");
    if (e) scale = atof(e);
    if (!(scale > 0)) scale = 1;
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/bench_viewer_load_%d.rrd", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    double t0 = bench_now_s();
    generate(path, 64 * scale);
    printf("(recording of %.1f MB written in %.2f s)\n", (double)file_size(path) / 1e6,
           bench_now_s() - t0);
    measure(path);
    unlink(path);
    return 0;
}
