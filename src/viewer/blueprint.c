/* Default blueprint heuristics (blueprint.h): entities classified by the
 * archetypes of their components, grouped into spaces by pinholes, then
 * one list of views per class. */
#include "viewer/blueprint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HAS_3D = 1, HAS_2D = 2, HAS_SCALARS = 4, HAS_PINHOLE = 8, HAS_VIEWCOORDS = 16, HAS_TEXTLOG = 32,
       HAS_TEXTDOC = 64, HAS_BARCHART = 128, HAS_GRAPH = 256, HAS_GEO = 512,
       HAS_TENSOR = 1024 };

static const char *const archetypes_3d[] = {"Points3D",     "LineStrips3D", "Boxes3D",    "Mesh3D",
                                            "Arrows3D",     "Ellipsoids3D", "Capsules3D", "Cylinders3D",
                                            "Asset3D",      "Pinhole",      "ViewCoordinates"};
static const char *const archetypes_2d[] = {"Image",    "EncodedImage",        "DepthImage",   "EncodedDepthImage",
                                            "SegmentationImage", "Points2D",   "Boxes2D",      "LineStrips2D",
                                            "Arrows2D", "VideoFrameReference", "AssetVideo"};

const char *rr_view_class_name(rr_view_class_t cls) {
    switch (cls) {
    case RR_VIEW_SPATIAL3D: return "Spatial3D";
    case RR_VIEW_SPATIAL2D: return "Spatial2D";
    case RR_VIEW_TIMESERIES: return "TimeSeries";
    case RR_VIEW_TEXTLOG: return "TextLog";
    case RR_VIEW_TEXTDOC: return "TextDocument";
    case RR_VIEW_BARCHART: return "BarChart";
    case RR_VIEW_GRAPH: return "Graph";
    case RR_VIEW_MAP: return "Map";
    case RR_VIEW_TENSOR: return "Tensor";
    }
    return "?";
}

/* "Points3D:positions" is of archetype "Points3D". */
static bool of_archetype(const char *component, const char *arch) {
    size_t n = strlen(arch);
    return !strncmp(component, arch, n) && component[n] == ':';
}

static unsigned classify(const rr_store_t *s, const rr_entity_path_t *e) {
    unsigned f = 0;
    size_t n = rr_store_entity_num_components(s, e);
    for (size_t i = 0; i < n; i++) {
        const char *c = rr_store_entity_component(s, e, i, NULL)->component;
        for (size_t k = 0; k < sizeof archetypes_3d / sizeof *archetypes_3d; k++)
            if (of_archetype(c, archetypes_3d[k])) f |= HAS_3D;
        for (size_t k = 0; k < sizeof archetypes_2d / sizeof *archetypes_2d; k++)
            if (of_archetype(c, archetypes_2d[k])) f |= HAS_2D;
        if (of_archetype(c, "Pinhole")) f |= HAS_PINHOLE;
        if (of_archetype(c, "ViewCoordinates")) f |= HAS_VIEWCOORDS;
        if (!strcmp(c, "Scalars:scalars") && !rr_store_entity_component_is_static(s, e, c)) f |= HAS_SCALARS;
        if (!strcmp(c, "TextLog:text")) f |= HAS_TEXTLOG;
        if (!strcmp(c, "TextDocument:text")) f |= HAS_TEXTDOC;
        if (!strcmp(c, "BarChart:values")) f |= HAS_BARCHART;
        if (!strcmp(c, "Tensor:data")) f |= HAS_TENSOR;
        if (!strcmp(c, "GraphNodes:node_ids") || !strcmp(c, "GraphEdges:edges")) f |= HAS_GRAPH;
        if (!strcmp(c, "GeoPoints:positions") || !strcmp(c, "GeoLineStrings:line_strings")) f |= HAS_GEO;
    }
    return f;
}

static void view_free(rr_blueprint_view_t *v) {
    rr_entity_path_free(&v->origin);
    for (size_t i = 0; i < v->n_entities; i++) rr_entity_path_free(&v->entities[i]);
    free(v->entities);
    memset(v, 0, sizeof *v);
}

void rr_blueprint_free(rr_blueprint_t *bp) {
    if (!bp) return;
    for (size_t i = 0; i < bp->n_views; i++) view_free(&bp->views[i]);
    free(bp->views);
    memset(bp, 0, sizeof *bp);
}

typedef struct ctx {
    const rr_store_t *s;
    size_t n;            /* store entities */
    unsigned *flags;     /* per entity */
    long *space;         /* per entity: index of the pinhole entity it is under (itself excluded), -1: root */
} ctx_t;

static bool in_view(const rr_entity_path_t *e, const rr_entity_path_t *origin, bool subtree) {
    return rr_entity_path_equal(e, origin) || (subtree && rr_entity_path_is_descendant_of(e, origin));
}

/* Adds a view of class cls at origin; its entities are those of the store
 * under it (in the same space when space >= -1) that have any of the flags. */
static rr_status_t add_view(rr_blueprint_t *bp, const ctx_t *c, rr_view_class_t cls, const rr_entity_path_t *origin,
                            bool subtree, long space, unsigned want, rr_error_t *err) {
    rr_blueprint_view_t *nv = realloc(bp->views, (bp->n_views + 1) * sizeof *nv);
    if (!nv) return rr_error_set(err, RR_ERR_NOMEM, "blueprint: out of memory");
    bp->views = nv;
    rr_blueprint_view_t *v = &bp->views[bp->n_views];
    memset(v, 0, sizeof *v);
    v->cls = cls;
    v->subtree = subtree;
    RR_TRY(rr_entity_path_copy(origin, &v->origin, err));
    bp->n_views++; /* from here on freed with the blueprint */
    snprintf(v->name, sizeof v->name, "%s", origin->n_parts ? origin->parts[origin->n_parts - 1] : "/");
    for (size_t i = 0; i < c->n; i++) {
        const rr_entity_path_t *e = rr_store_entity(c->s, i);
        if (!(c->flags[i] & want) || !in_view(e, origin, subtree) || (space >= -1 && c->space[i] != space)) continue;
        rr_entity_path_t *ne = realloc(v->entities, (v->n_entities + 1) * sizeof *ne);
        if (!ne) return rr_error_set(err, RR_ERR_NOMEM, "blueprint: out of memory");
        v->entities = ne;
        RR_TRY(rr_entity_path_copy(e, &v->entities[v->n_entities], err));
        v->n_entities++;
    }
    return RR_OK;
}

/* The deepest common ancestor (or self) of the entities of `space` with flag. */
static rr_status_t common_ancestor(const ctx_t *c, long space, unsigned flag, rr_entity_path_t *out, bool *any,
                                   rr_error_t *err) {
    *any = false;
    const rr_entity_path_t *first = NULL;
    size_t depth = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!(c->flags[i] & flag) || c->space[i] != space) continue;
        const rr_entity_path_t *e = rr_store_entity(c->s, i);
        if (!first) {
            first = e;
            depth = e->n_parts;
            continue;
        }
        size_t k = 0;
        while (k < depth && k < e->n_parts && !strcmp(first->parts[k], e->parts[k])) k++;
        depth = k;
    }
    if (!first) return RR_OK;
    *any = true;
    rr_entity_path_t cur = {0}, up = {0};
    RR_TRY(rr_entity_path_copy(first, &cur, err));
    while (cur.n_parts > depth) {
        rr_status_t st = rr_entity_path_parent(&cur, &up, err);
        rr_entity_path_free(&cur);
        if (st != RR_OK) return st;
        cur = up;
        memset(&up, 0, sizeof up);
    }
    *out = cur;
    return RR_OK;
}

/* A view of class cls for each entity with flag, at most
 * RR_BLUEPRINT_MAX_VIEWS_PER_CLASS. */
static rr_status_t view_per_entity(const ctx_t *c, rr_blueprint_t *bp, rr_view_class_t cls, unsigned flag,
                                   rr_error_t *err) {
    size_t n = 0;
    for (size_t i = 0; i < c->n && n < RR_BLUEPRINT_MAX_VIEWS_PER_CLASS; i++)
        if (c->flags[i] & flag) {
            RR_TRY(add_view(bp, c, cls, rr_store_entity(c->s, i), false, -2, flag, err));
            n++;
        }
    return RR_OK;
}

/* One view of class cls at the root, holding every entity with flag, when
 * there is any. */
static rr_status_t view_at_root(const ctx_t *c, rr_blueprint_t *bp, rr_view_class_t cls, unsigned flag,
                                rr_error_t *err) {
    for (size_t i = 0; i < c->n; i++)
        if (c->flags[i] & flag) {
            rr_entity_path_t root;
            RR_TRY(rr_entity_path_parse("/", 1, &root, err));
            rr_status_t st = add_view(bp, c, cls, &root, true, -2, flag, err);
            rr_entity_path_free(&root);
            return st;
        }
    return RR_OK;
}

static rr_status_t build(const ctx_t *c, rr_blueprint_t *bp, rr_error_t *err) {
    const rr_store_t *s = c->s;
    /* Spatial 3D in the root space. */
    size_t n3 = 0;
    bool uncovered = false;
    for (size_t i = 0; i < c->n; i++)
        if ((c->flags[i] & HAS_VIEWCOORDS) && !(c->flags[i] & HAS_PINHOLE) && c->space[i] == -1 &&
            n3 < RR_BLUEPRINT_MAX_VIEWS_PER_CLASS) {
            RR_TRY(add_view(bp, c, RR_VIEW_SPATIAL3D, rr_store_entity(s, i), true, -2, HAS_3D, err));
            n3++;
        }
    size_t first3 = bp->n_views - n3;
    bool root_has_view = false;
    for (size_t j = first3; j < bp->n_views; j++) root_has_view |= rr_entity_path_is_root(&bp->views[j].origin);
    for (size_t i = 0; i < c->n && !root_has_view; i++) {
        if (!(c->flags[i] & HAS_3D) || c->space[i] != -1) continue;
        bool covered = false;
        for (size_t j = first3; j < bp->n_views; j++)
            covered |= in_view(rr_store_entity(s, i), &bp->views[j].origin, true);
        uncovered |= !covered;
    }
    if (uncovered && n3 < RR_BLUEPRINT_MAX_VIEWS_PER_CLASS) {
        rr_entity_path_t root;
        RR_TRY(rr_entity_path_parse("/", 1, &root, err));
        rr_status_t st = add_view(bp, c, RR_VIEW_SPATIAL3D, &root, true, -2, HAS_3D, err);
        rr_entity_path_free(&root);
        RR_TRY(st);
        /* The root view first, as Rerun sorts recommendations by path. */
        rr_blueprint_view_t rv = bp->views[bp->n_views - 1];
        memmove(&bp->views[first3 + 1], &bp->views[first3], (bp->n_views - 1 - first3) * sizeof rv);
        bp->views[first3] = rv;
    }

    /* Spatial 2D: the root space's 2D content, then each pinhole space's. */
    size_t n2 = 0;
    for (long sp = -1; sp < (long)c->n && n2 < RR_BLUEPRINT_MAX_VIEWS_PER_CLASS; sp++) {
        if (sp >= 0 && !(c->flags[sp] & HAS_PINHOLE)) continue;
        bool any = false;
        rr_entity_path_t origin = {0};
        if (sp == -1) {
            RR_TRY(common_ancestor(c, -1, HAS_2D, &origin, &any, err));
        } else {
            for (size_t i = 0; i < c->n && !any; i++) any = c->space[i] == sp && (c->flags[i] & HAS_2D);
            if (any) RR_TRY(rr_entity_path_copy(rr_store_entity(s, (size_t)sp), &origin, err));
        }
        if (!any) continue;
        rr_status_t st = add_view(bp, c, RR_VIEW_SPATIAL2D, &origin, true, sp, HAS_2D, err);
        rr_entity_path_free(&origin);
        RR_TRY(st);
        n2++;
    }

    /* One view per entity: time series (per scalar entity), graphs (nodes
     * or edges), bar charts, tensors, text documents (each class's
     * suggest_view_for_each_entity). */
    RR_TRY(view_per_entity(c, bp, RR_VIEW_TIMESERIES, HAS_SCALARS, err));
    RR_TRY(view_per_entity(c, bp, RR_VIEW_GRAPH, HAS_GRAPH, err));
    RR_TRY(view_per_entity(c, bp, RR_VIEW_BARCHART, HAS_BARCHART, err));
    RR_TRY(view_per_entity(c, bp, RR_VIEW_TENSOR, HAS_TENSOR, err));
    RR_TRY(view_per_entity(c, bp, RR_VIEW_TEXTDOC, HAS_TEXTDOC, err));

    /* One view at the root holding all: geospatial data (re_view_map),
     * text logs (re_view_text_log). */
    RR_TRY(view_at_root(c, bp, RR_VIEW_MAP, HAS_GEO, err));
    return view_at_root(c, bp, RR_VIEW_TEXTLOG, HAS_TEXTLOG, err);
}

rr_status_t rr_blueprint_default(const rr_store_t *s, rr_blueprint_t *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    ctx_t c = {s, rr_store_num_entities(s), NULL, NULL};
    c.flags = calloc(c.n ? c.n : 1, sizeof *c.flags);
    c.space = calloc(c.n ? c.n : 1, sizeof *c.space);
    if (!c.flags || !c.space) {
        free(c.flags);
        free(c.space);
        return rr_error_set(err, RR_ERR_NOMEM, "blueprint: out of memory");
    }
    /* Entities are sorted, so ancestors come before descendants: the
     * nearest pinhole above an entity is found among earlier ones. */
    for (size_t i = 0; i < c.n; i++) {
        c.flags[i] = classify(s, rr_store_entity(s, i));
        c.space[i] = -1;
        const rr_entity_path_t *e = rr_store_entity(s, i);
        for (size_t j = 0; j < i; j++)
            if ((c.flags[j] & HAS_PINHOLE) && rr_entity_path_is_descendant_of(e, rr_store_entity(s, j)))
                c.space[i] = (long)j; /* later matches are deeper */
    }
    rr_status_t st = build(&c, out, err);
    free(c.flags);
    free(c.space);
    if (st != RR_OK) rr_blueprint_free(out);
    return st;
}

void rr_blueprint_grid_cell(size_t n, size_t i, int width, int height, int *x, int *y, int *w, int *h) {
    if (n == 0) n = 1;
    size_t cols = (size_t)ceil(sqrt((double)n));
    while (cols * cols < n) cols++; /* guard sqrt rounding */
    size_t rows = (n + cols - 1) / cols;
    size_t col = i % cols, row = i / cols;
    *x = (int)((size_t)width * col / cols);
    *w = (int)((size_t)width * (col + 1) / cols) - *x;
    *y = (int)((size_t)height * row / rows);
    *h = (int)((size_t)height * (row + 1) / rows) - *y;
}
