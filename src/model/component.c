/* Component descriptors (Rerun 0.33 re_types_core ComponentDescriptor):
 * owned strings, and the order Rerun sorts component columns by. */
#include "model/component.h"

#include <stdlib.h>
#include <string.h>

rr_status_t rr_component_descriptor_init(rr_component_descriptor_t *d, const char *archetype,
                                         const char *component, const char *component_type,
                                         rr_error_t *err) {
    memset(d, 0, sizeof *d);
    if (!component || !component[0])
        return rr_error_set(err, RR_ERR_INVALID_ARG, "component descriptor: empty component");
    d->component = strdup(component);
    d->archetype = archetype ? strdup(archetype) : NULL;
    d->component_type = component_type ? strdup(component_type) : NULL;
    if (!d->component || (archetype && !d->archetype) || (component_type && !d->component_type)) {
        rr_component_descriptor_free(d);
        return rr_error_set(err, RR_ERR_NOMEM, "component descriptor '%s': out of memory",
                            component);
    }
    return RR_OK;
}

rr_status_t rr_component_descriptor_copy(const rr_component_descriptor_t *src,
                                         rr_component_descriptor_t *dst, rr_error_t *err) {
    return rr_component_descriptor_init(dst, src->archetype, src->component, src->component_type,
                                        err);
}

void rr_component_descriptor_free(rr_component_descriptor_t *d) {
    if (!d) return;
    free(d->archetype);
    free(d->component);
    free(d->component_type);
    memset(d, 0, sizeof *d);
}

/* Option<String> order: None first. */
static int opt_cmp(const char *a, const char *b) {
    if (!a || !b) return (a != NULL) - (b != NULL);
    int c = strcmp(a, b);
    return c < 0 ? -1 : c > 0;
}

int rr_component_descriptor_cmp(const rr_component_descriptor_t *a,
                                const rr_component_descriptor_t *b) {
    int c = opt_cmp(a->archetype, b->archetype);
    if (!c) c = opt_cmp(a->component, b->component);
    if (!c) c = opt_cmp(a->component_type, b->component_type);
    return c;
}

bool rr_component_descriptor_equal(const rr_component_descriptor_t *a,
                                   const rr_component_descriptor_t *b) {
    return rr_component_descriptor_cmp(a, b) == 0;
}

static uint64_t str_hash(const char *s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return s ? h : 0;
}

uint64_t rr_component_descriptor_hash(const rr_component_descriptor_t *d) {
    uint64_t h = str_hash(d->archetype) * 31u + str_hash(d->component);
    h = h * 31u + str_hash(d->component_type);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}
