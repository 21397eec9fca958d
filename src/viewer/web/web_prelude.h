/* Force-included into every file of the browser build (scripts/build-web):
 * declarations the host's glibc has and emscripten 3.1.6's musl lacks, with
 * glibc's signatures; web_compat.c defines them. */
#ifndef RR_VIEWER_WEB_PRELUDE_H
#define RR_VIEWER_WEB_PRELUDE_H
#ifdef __EMSCRIPTEN__

#include <stddef.h>

void qsort_r(void *base, size_t n, size_t size,
             int (*cmp)(const void *, const void *, void *), void *arg);

#endif
#endif
