/* A path to the place at fault, built up while walking nested input
 * ("batches[0].columns[2].children[0]") so error messages can name it. Push
 * returns a mark; pop back to the mark on the way out. */
#ifndef RR_BASE_ERRPATH_H
#define RR_BASE_ERRPATH_H

#include <stddef.h>

typedef struct rr_errpath {
    char buf[1024];
    size_t len;
} rr_errpath_t;

/* Appends printf-style text (truncating when full); returns the mark to pop to. */
size_t rr_errpath_push(rr_errpath_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void rr_errpath_pop(rr_errpath_t *p, size_t mark) {
    p->len = mark;
    p->buf[mark] = '\0';
}
/* The path, or `empty` when nothing is pushed. */
static inline const char *rr_errpath_str(const rr_errpath_t *p, const char *empty) {
    return p->len ? p->buf : empty;
}

#endif
