/* Test helpers (see testutil.h). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

uint8_t *rr_test_read_file(const char *path, size_t *len) {
    size_t n = strlen(path);
    if (n > 3 && !strcmp(path + n - 3, ".gz")) {
        gzFile gz = gzopen(path, "rb");
        if (!gz) return NULL;
        size_t cap = 1 << 16, used = 0;
        uint8_t *buf = malloc(cap + 1);
        for (;;) {
            if (used == cap) {
                cap *= 2;
                buf = realloc(buf, cap + 1);
            }
            int r = gzread(gz, buf + used, (unsigned)(cap - used));
            if (r < 0) {
                free(buf);
                gzclose(gz);
                return NULL;
            }
            if (r == 0) break;
            used += (size_t)r;
        }
        gzclose(gz);
        buf[used] = 0;
        *len = used;
        return buf;
    }
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)sz + 1);
    if (sz > 0 && fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[sz] = 0;
    *len = (size_t)sz;
    return buf;
}

const char *rr_test_data_dir(void) {
    const char *d = getenv("RR_TESTDATA");
    struct stat st;
    if (d && stat(d, &st) == 0 && S_ISDIR(st.st_mode)) return d;
    return NULL;
}
