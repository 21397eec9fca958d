/* Benchmark of the SDK's payload compression: rr_rrd_lz4_strided (the
 * default of every sink) against LZ4 proper (LZ4_compress_default, the
 * RR_COMPRESSION_LZ4 choice) on the payload of a chunk as bench_sdk (c)
 * makes it: rows of one scalar with row ids, log_tick, log_time and a frame
 * sequence (52 bytes a row), after 1 KiB of IPC metadata; and on noise
 * (which neither shrinks). The baseline is memcpy of the same bytes in the
 * same run. Each figure is the median of BENCH_REPS runs (default 21),
 * printed as ns per row, GB/s of input and the ratio to memcpy, with the
 * block's size; every block is checked by LZ4's safe decoder.
 * Environment: BENCH_ROWS (default 40329: a chunk at Rerun's 2 MiB
 * threshold), BENCH_REPS. */
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "rrd/frames.h"

#define PROG "bench_lz4"

static uint64_t g_rng = 0x2545F4914F6CDD1Dull;
static uint64_t next_rand(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static void put_be64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* The chunk-like payload of rows rows; returns its size. */
static size_t chunk_payload(uint8_t *p, size_t rows) {
    uint8_t *start = p;
    for (int i = 0; i < 1024; i++) *p++ = (uint8_t)next_rand();
    uint64_t t = 1763800000000000000ull, inc = next_rand() >> 1;
    for (size_t i = 0; i < rows; i++, p += 16) { /* row ids: big-endian halves */
        t += 60 + next_rand() % 40;
        put_be64(p, t);
        put_be64(p + 8, ++inc);
    }
    int64_t v;
    for (size_t i = 0; i < rows; i++, p += 8) { /* log_tick: every 10th */
        v = (int64_t)(i * 10 + 3);
        memcpy(p, &v, 8);
    }
    uint64_t lt = 1763800000000000000ull;
    for (size_t i = 0; i < rows; i++, p += 8) { /* log_time */
        lt += 700 + next_rand() % 200;
        memcpy(p, &lt, 8);
    }
    for (size_t i = 0; i < rows; i++, p += 8) { /* frame */
        v = (int64_t)i;
        memcpy(p, &v, 8);
    }
    for (size_t i = 0; i <= rows; i++, p += 4) { /* list offsets */
        int32_t o = (int32_t)i;
        memcpy(p, &o, 4);
    }
    double d = 0;
    for (size_t i = 0; i < rows; i++, p += 8) { /* the scalars: a random walk */
        d += ((double)(next_rand() % 16777216) - 8388608.0) / 83886080.0;
        memcpy(p, &d, 8);
    }
    return (size_t)(p - start);
}

typedef enum { MEMCPY, STRIDED, LZ4 } method_t;

static double run(method_t m, const uint8_t *src, size_t n, uint8_t *dst, size_t cap,
                  size_t *out_len) {
    double t0 = bench_now_s();
    size_t c = n;
    switch (m) {
    case MEMCPY: memcpy(dst, src, n); break;
    case STRIDED: c = rr_rrd_lz4_strided(src, n, dst, cap); break;
    case LZ4: c = (size_t)LZ4_compress_default((const char *)src, (char *)dst, (int)n, (int)cap); break;
    }
    double secs = bench_now_s() - t0;
    *out_len = c;
    return secs;
}

static void bench_payload(const char *name, const uint8_t *src, size_t n, size_t rows, int reps) {
    size_t cap = (size_t)LZ4_compressBound((int)n);
    uint8_t *dst = malloc(cap), *back = malloc(n);
    double *t = malloc((size_t)reps * sizeof *t);
    if (!dst || !back || !t) bench_die(PROG, "out of memory", NULL);
    static const char *names[] = {"memcpy (baseline)", "rr_rrd_lz4_strided", "LZ4_compress_default"};
    double base_gbs = 0;
    printf("%s: %s: %zu rows, %zu bytes, median of %d runs\n", PROG, name, rows, n, reps);
    for (int m = MEMCPY; m <= LZ4; m++) {
        size_t len = 0;
        run((method_t)m, src, n, dst, cap, &len); /* warm */
        for (int r = 0; r < reps; r++) t[r] = run((method_t)m, src, n, dst, cap, &len);
        double secs = bench_median(t, reps);
        if (m != MEMCPY) {
            int got = LZ4_decompress_safe((const char *)dst, (char *)back, (int)len, (int)n);
            if (got != (int)n || memcmp(back, src, n) != 0) bench_die(PROG, "a block did not decode back", NULL);
        }
        double gbs = (double)n / secs / 1e9;
        if (m == MEMCPY) base_gbs = gbs;
        printf("  %-22s %7.1f ns/row %7.2f GB/s  ratio %6.3fx memcpy  block %5.1f%% of the input\n",
               names[m], secs * 1e9 / (double)rows, gbs, gbs / base_gbs, 100.0 * (double)len / (double)n);
    }
    free(dst);
    free(back);
    free(t);
}

int main(void) {
    size_t rows = getenv("BENCH_ROWS") ? (size_t)atol(getenv("BENCH_ROWS")) : 40329;
    int reps = getenv("BENCH_REPS") ? atoi(getenv("BENCH_REPS")) : 21;
    if (rows < 1 || reps < 1) bench_die(PROG, "BENCH_ROWS and BENCH_REPS must be positive", NULL);
    size_t cap = 1024 + rows * 52 + 4;
    uint8_t *src = malloc(cap);
    if (!src) bench_die(PROG, "out of memory", NULL);
    size_t n = chunk_payload(src, rows);
    bench_payload("a chunk of scalar rows", src, n, rows, reps);
    for (size_t i = 0; i < n; i++) src[i] = (uint8_t)next_rand();
    bench_payload("noise", src, n, rows, reps);
    free(src);
    return 0;
}
