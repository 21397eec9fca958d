/* Error paths (see errpath.h). */
#include "base/errpath.h"

#include <stdarg.h>
#include <stdio.h>

size_t rr_errpath_push(rr_errpath_t *p, const char *fmt, ...) {
    size_t mark = p->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p->buf + p->len, sizeof p->buf - p->len, fmt, ap);
    va_end(ap);
    if (n > 0) p->len += (size_t)n;
    if (p->len >= sizeof p->buf) p->len = sizeof p->buf - 1;
    return mark;
}
