/* The Arrow C Data Interface: the ABI every Arrow implementation shares.
 *
 * These structs are rerun-c's in-memory form of Arrow data, so arrays pass to
 * and from any other Arrow implementation without copying. The layout and the
 * guard macro are fixed by the Arrow specification ("The Arrow C data
 * interface"). A record batch is a struct array ("+s") whose children are the
 * columns. */
#ifndef RR_ARROW_ABI_H
#define RR_ARROW_ABI_H

#include <stdint.h>

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#endif
