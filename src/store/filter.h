/* Entity path filters: which entities a query (dataframe, view) covers.
 *
 * Rerun 0.33's syntax and semantics (re_log_types path/entity_path_filter.rs):
 * a filter is a list of rules such as
 *
 *     + /world/\**          include /world and everything under it
 *     - /world/roads/\**    ...but not the roads
 *     + /world/roads/main  ...except the main road
 *
 * one per line or separated by spaces ("+ /world/\** - /world/cam"; a space may
 * follow the sign). A rule without a sign includes. "/\**" at the end of a rule
 * covers the path and its whole subtree; anything else is one exact path.
 *
 * The MOST SPECIFIC matching rule decides: a longer path beats a shorter one,
 * and for the same path an exact rule beats a subtree rule. Only when two
 * rules are the same (same path, same kind) does the later one win. A path no
 * rule matches is excluded. Unless the filter has its own rule for
 * "/__properties/\**", that subtree (recording properties) is excluded, as in
 * Rerun's resolved filters.
 *
 * Variables: "$origin" and "${origin}" are replaced by the origin path when
 * one is given.
 *
 * (In these comments "\**" stands for two stars after a slash, which C would
 * read as the start of a comment.)
 *
 * Ownership: a filter owns its rules; free it with rr_entity_path_filter_free. */
#ifndef RR_STORE_FILTER_H
#define RR_STORE_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"
#include "model/entity_path.h"

typedef enum rr_filter_effect {
    RR_FILTER_NO_MATCH = -1,
    RR_FILTER_INCLUDE = 0,
    RR_FILTER_EXCLUDE = 1,
} rr_filter_effect_t;

typedef struct rr_entity_path_rule {
    char *expr;              /* the rule as written, sign and spaces trimmed ("/world/\**") */
    rr_entity_path_t path;   /* resolved path (the root for "/\**") */
    bool subtree;            /* expr ends in "/\**" */
    rr_filter_effect_t effect;
} rr_entity_path_rule_t;

typedef struct rr_entity_path_filter {
    size_t n_rules;
    /* Least specific first (by path in Rerun's entity order, a subtree rule
     * before the exact rule of the same path): the last rule that matches a
     * path is the one that decides. */
    rr_entity_path_rule_t *rules;
} rr_entity_path_filter_t;

/* Parses rules. strict: every path must parse with Rerun's strict entity path
 * rules (rr_entity_path_parse), and a rule that is only a sign or keeps an
 * unresolved "$variable" is an error naming the rule and its byte offset in
 * s. Not strict: paths are read forgivingly and nothing fails but allocation
 * (Rerun's parse_forgiving + resolve_forgiving). origin may be NULL (no
 * substitution). *out is zeroed on failure. */
rr_status_t rr_entity_path_filter_parse(const char *s, size_t len, const rr_entity_path_t *origin,
                                        bool strict, rr_entity_path_filter_t *out,
                                        rr_error_t *err);

/* "+ /\**": everything but recording properties. */
rr_status_t rr_entity_path_filter_all(rr_entity_path_filter_t *out, rr_error_t *err);

void rr_entity_path_filter_free(rr_entity_path_filter_t *f); /* NULL-safe, zeroes */

/* The effect of the most specific rule matching p, or RR_FILTER_NO_MATCH. */
rr_filter_effect_t rr_entity_path_filter_most_specific(const rr_entity_path_filter_t *f,
                                                       const rr_entity_path_t *p);
/* True when the filter includes p. */
bool rr_entity_path_filter_matches(const rr_entity_path_filter_t *f, const rr_entity_path_t *p);
/* True when p or anything under p can be included (lets a tree walk skip a
 * whole subtree when false). */
bool rr_entity_path_filter_subtree_included(const rr_entity_path_filter_t *f,
                                            const rr_entity_path_t *p);

/* The rules in evaluation order, one per line ("+ /\**\n- /__properties/\**"),
 * as Rerun's formatted(); with_properties false leaves out the default
 * properties exclusion. malloc'ed; NULL on allocation failure. */
char *rr_entity_path_filter_format(const rr_entity_path_filter_t *f, bool with_properties);

/* Rerun's order of entity paths (EntityPath's Ord): part by part, a prefix
 * first; parts starting with "__" after all others, otherwise natural order
 * ("image2" < "image10"), case-insensitive first ("a" < "B" < "b"). This is
 * the order of entity columns in a dataframe. */
int rr_entity_path_cmp_natural(const rr_entity_path_t *a, const rr_entity_path_t *b);
/* The same order on single parts (unescaped, NUL-terminated). */
int rr_entity_path_part_cmp_natural(const char *a, const char *b);

#endif
