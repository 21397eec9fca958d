/* One cell of an Arrow array as compact text, shared by `rerun rrd print -v`
 * and `rerun query`. Two styles: TEXT for people (bare struct keys; NaN and
 * inf spelled out; bad union slots marked) and JSON (quoted keys; non-finite
 * floats and bad slots as null; bytes as "0x..." strings). Floats print in
 * their shortest form that reads back to the same value (float32 at single
 * precision). */
#ifndef RR_CLI_RENDER_H
#define RR_CLI_RENDER_H

#include <stdint.h>
#include <stdio.h>

#include "arrow/abi.h"

typedef enum rr_cli_style {
    RR_CLI_STYLE_TEXT = 0,
    RR_CLI_STYLE_JSON = 1,
} rr_cli_style_t;

/* Logical slot i of a (a's offset not yet applied) of type s. */
void rr_cli_put_value(FILE *o, const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i,
                      rr_cli_style_t style);
/* A string quoted and escaped as JSON. */
void rr_cli_put_json_string(FILE *o, const uint8_t *s, int64_t len);

#endif
