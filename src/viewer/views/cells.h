/* Reading the cells the views query from the store: a row's list cell as
 * its instances, their values as numbers, bytes, text, fixed-size lists
 * and struct fields, with every offset checked against the buffers (the
 * data comes from files and the network). Shared by the 2D and 3D views. */
#ifndef RR_VIEWER_VIEWS_CELLS_H
#define RR_VIEWER_VIEWS_CELLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "viewer/gfx/image_decode.h"

/* A cell's instances: the list column's child array (its schema) and the
 * logical range [start, start + len) in it. */
typedef struct rr_cell {
    const struct ArrowSchema *type;
    const struct ArrowArray *arr;
    int64_t start, len;
} rr_cell_t;

/* The cell of row; false when the column is not a list or its offsets do
 * not fit its values. */
bool rr_cell_of(const rr_store_row_t *row, rr_cell_t *c);
/* Values buffer of a primitive array of leaf format, or NULL when it does
 * not fit n logical slots from first. */
const uint8_t *rr_cell_prim_values(const struct ArrowSchema *t, const struct ArrowArray *a,
                                   const char *leaf, int64_t first, int64_t n);
/* Instance i of a cell of leaf values (f32 "f", u32 "I", u16 "S", u8 "C"),
 * as a double. */
bool rr_cell_scalar(const rr_cell_t *c, const char *leaf, int64_t i, double *out);
/* A cell of fixed-size lists of `width` f32 (or f64 with leaf "g"): the
 * values of its instances, packed; NULL when the type or buffers differ. */
const uint8_t *rr_cell_fsl(const rr_cell_t *c, int width, const char *leaf);
/* Instance i of a cell of lists of u8 (a Blob), or of utf8 text. */
bool rr_cell_bytes(const rr_cell_t *c, int64_t i, bool text, const uint8_t **out, size_t *len);
/* Instance i of a cell of lists, as a cell of the list's items. */
bool rr_cell_list_instance(const rr_cell_t *c, int64_t i, rr_cell_t *out);
/* A struct field by name, or -1. */
int rr_cell_field_index(const struct ArrowSchema *t, const char *name);
/* An integer field (u32, u16, u8) of struct slot j (logical, in the
 * struct array); false when absent or null. */
bool rr_cell_struct_uint(const struct ArrowSchema *st, const struct ArrowArray *sa, int64_t j,
                         const char *name, uint64_t *out);
/* A utf8 field of struct slot j; false (and *out NULL) when absent or null. */
bool rr_cell_struct_text(const struct ArrowSchema *st, const struct ArrowArray *sa, int64_t j,
                         const char *name, const char **out, size_t *len);
/* An ImageFormat cell (width, height, pixel format or color model and
 * channel datatype). */
bool rr_cell_image_format(const rr_store_row_t *row, rr_image_spec_t *s);
/* The first instance of a found row's cell of leaf values, as a double. */
bool rr_cell_row_scalar(const rr_store_row_t *row, bool found, const char *leaf, double *out);
/* Instance i of a cell of TensorData (struct {shape: list<u64>, names,
 * buffer: dense union of lists of u8 .. f64}): its values as doubles,
 * *n of them (malloc'ed, caller frees; NULL when *n is 0), and the
 * product of its shape in *shape_n. False (nothing allocated) when the
 * datatype or the buffers do not fit, with *why saying what. */
bool rr_cell_tensor_values(const rr_cell_t *c, int64_t i, double **out, size_t *n, uint64_t *shape_n,
                           const char **why);
/* The shape of instance i of a cell of TensorData: up to max dimensions
 * into dims, their count in *n (which may exceed max). False when the
 * cell is not TensorData. */
bool rr_cell_tensor_shape(const rr_cell_t *c, int64_t i, uint64_t *dims, size_t max, size_t *n);
/* What identifies a row's cell (0x51ed27 for none): cache keys. */
uint64_t rr_cell_row_key(const rr_store_row_t *row, bool found);

#endif
