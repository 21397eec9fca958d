/* What every benchmark shares: a monotonic clock, medians, the one-line
 * report with its ratio to a physical baseline measured in the same run, and
 * the raw tmpfs write/read baselines. Header-only: CMake builds each
 * bench/bench_*.c as its own program. */
#ifndef RR_BENCH_UTIL_H
#define RR_BENCH_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/status.h"

#define BENCH_PIECE (1u << 20)

static inline double bench_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of v (sorted in place). */
static inline double bench_median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Prints "PROG: what: reason" and exits 1 (err NULL: errno's reason). */
static inline void bench_die(const char *prog, const char *what, const rr_error_t *err) {
    fprintf(stderr, "%s: %s: %s\n", prog, what, err ? err->msg : strerror(errno));
    exit(1);
}

/* One figure: throughput of bytes in secs, and its ratio to the baseline's
 * throughput (base_gbs, named base_name) with the goal met or missed. */
static inline void bench_print_line(const char *what, double bytes, double secs, double base_gbs,
                                    const char *base_name, double goal) {
    double gbs = bytes / secs / 1e9;
    printf("%-28s %9.2f GB/s", what, gbs);
    if (base_gbs > 0) {
        double ratio = gbs / base_gbs;
        printf("  ratio %7.2fx %s", ratio, base_name);
        if (goal > 0) printf("  (goal >= %gx: %s)", goal, ratio >= goal ? "met" : "MISSED");
    }
    printf("\n");
}

static inline int bench_open_new(const char *path) {
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) bench_die("bench", path, NULL);
    return fd;
}

static inline void bench_write_all(int fd, const uint8_t *p, size_t len) {
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) bench_die("bench", "write", NULL);
        p += n;
        len -= (size_t)n;
    }
}

/* The physical baseline for writers: seconds to write `bytes` raw to a new
 * file, in BENCH_PIECE writes of buf (at least BENCH_PIECE bytes). */
static inline double bench_raw_write(const char *path, const uint8_t *buf, uint64_t bytes) {
    double t0 = bench_now_s();
    int fd = bench_open_new(path);
    for (uint64_t done = 0; done < bytes;) {
        size_t n = bytes - done < BENCH_PIECE ? (size_t)(bytes - done) : BENCH_PIECE;
        bench_write_all(fd, buf, n);
        done += n;
    }
    if (close(fd) != 0) bench_die("bench", "close", NULL);
    return bench_now_s() - t0;
}

/* The physical baseline for readers: seconds to read a file raw into buf (at
 * least BENCH_PIECE bytes); *bytes gets its size. */
static inline double bench_raw_read(const char *path, uint8_t *buf, uint64_t *bytes) {
    double t0 = bench_now_s();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) bench_die("bench", path, NULL);
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, BENCH_PIECE);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) bench_die("bench", "read", NULL);
        if (n == 0) break;
        total += (uint64_t)n;
    }
    close(fd);
    *bytes = total;
    return bench_now_s() - t0;
}

#endif
