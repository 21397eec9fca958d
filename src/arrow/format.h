/* One cell of an Arrow array as compact text: `rerun rrd print -v` and
 * `rerun query` print with it, and the viewer's selection panel shows
 * component values with it. Two styles: TEXT for people (bare struct keys;
 * NaN and inf spelled out; bad union slots marked) and JSON (quoted keys;
 * non-finite floats and bad slots as null; bytes as "0x..." strings).
 * Floats print in their shortest form that reads back to the same value
 * (float32 at single precision). */
#ifndef RR_ARROW_FORMAT_H
#define RR_ARROW_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arrow/abi.h"

typedef enum rr_arrow_style {
    RR_ARROW_STYLE_TEXT = 0,
    RR_ARROW_STYLE_JSON = 1,
} rr_arrow_style_t;

/* Logical slot i of a (a's offset not yet applied) of type s, to o. */
void rr_arrow_put_value(FILE *o, const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i,
                        rr_arrow_style_t style);
/* The same into buf (cap bytes with the NUL, cap > 0): stops once buf is
 * full and then ends the text with "..." (returns false); true when it fits. */
bool rr_arrow_format_value(char *buf, size_t cap, const struct ArrowSchema *s,
                           const struct ArrowArray *a, int64_t i, rr_arrow_style_t style);
/* A string quoted and escaped as JSON. */
void rr_arrow_put_json_string(FILE *o, const uint8_t *s, int64_t len);

#endif
