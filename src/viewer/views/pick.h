/* What a view found under the mouse (hover) or was clicked (selection):
 * the entity, the instance within it, and where. Shared by the Spatial 3D
 * and 2D views (their rr_*_pick functions), the shell's selection panel and
 * its highlight of hovered and selected things. Plain data, no ownership:
 * the path is copied in as text so a pick stays valid while the store
 * changes. */
#ifndef RR_VIEWER_VIEWS_PICK_H
#define RR_VIEWER_VIEWS_PICK_H

#include <stdbool.h>
#include <stdint.h>

/* Rerun's "no particular instance": the entity as a whole is meant. */
#define RR_PICK_ALL_INSTANCES UINT64_MAX

typedef struct rr_pick {
    bool hit;
    char entity[512];   /* the entity path as text ("/points"), "" when !hit */
    uint64_t instance;  /* index within the entity's batch, or RR_PICK_ALL_INSTANCES */
    char archetype[64]; /* what was hit ("Points3D", "Image"...), "" when unknown */
    float world[3];     /* the hit position in the view's space (2D: x, y, 0) */
    float depth;        /* distance from the camera (3D), 0 in 2D */
} rr_pick_t;

static inline bool rr_pick_same(const rr_pick_t *a, const rr_pick_t *b) {
    if (a->hit != b->hit) return false;
    if (!a->hit) return true;
    if (a->instance != b->instance) return false;
    for (int i = 0; i < (int)sizeof a->entity; i++) {
        if (a->entity[i] != b->entity[i]) return false;
        if (!a->entity[i]) break;
    }
    return true;
}

#endif
