/* Tests of the bar chart view's data: TensorData cells read back as
 * doubles for every buffer type the SDK writes (u8 .. f64, f16 included),
 * with the product of the shape; cells that are not TensorData refused
 * with a reason; and the default blueprint's one BarChart view per entity;
 * a Tensor's shape, and its one Tensor view. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/blueprint.h"
#include "viewer/views/cells.h"
#include "rerun.h" /* after the internal headers (it skips what they define) */
#include "rerun_archetypes.h"
#include "testutil.h"
#include "viewer_scene.h"

static rr_archetype_t *bars(rr_tensor_buffer_kind_t kind, const void *data, size_t n, const uint64_t *shape,
                            size_t dims) {
    rr_tensor_data_t t = {0};
    t.shape.data = shape;
    t.shape.count = dims;
    t.buffer.kind = kind;
    t.buffer.data = data;
    t.buffer.count = n;
    rr_archetype_t *a = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_bar_chart_new(&a, &t, RR_COPY, &err), &err);
    return a;
}

static void values_at(rr_store_t *store, const char *entity, double **out, size_t *n, uint64_t *shape_n) {
    rr_entity_path_t p;
    rr_error_t err = {0};
    assert_rr_ok(rr_entity_path_parse(entity, strlen(entity), &p, &err), &err);
    rr_store_row_t row;
    assert_true(rr_store_latest_at(store, &p, NULL, 0, "BarChart:values", &row));
    rr_cell_t c;
    assert_true(rr_cell_of(&row, &c));
    const char *why = NULL;
    if (!rr_cell_tensor_values(&c, 0, out, n, shape_n, &why)) fail_msg("%s: %s", entity, why);
    rr_entity_path_free(&p);
}

static void test_tensor_types(void **state) {
    (void)state;
    const uint8_t u8[3] = {1, 2, 250};
    const int16_t i16[3] = {-3, 0, 300};
    const uint64_t u64[3] = {7, 8, 1ull << 40};
    const int64_t i64[3] = {-5, 6, -7};
    const uint16_t f16[3] = {0x3c00, 0xc000, 0x3800}; /* 1, -2, 0.5 */
    const float f32[3] = {0.25f, -1.5f, 1e6f};
    const double f64[3] = {1e-3, 2.5, -4};
    const uint64_t shape1[1] = {3}, shape2[2] = {1, 3};
    scene_t s;
    scene_begin(&s);
    log_static(&s, "u8", bars(RR_TENSOR_BUFFER_U8, u8, 3, shape1, 1));
    log_static(&s, "i16", bars(RR_TENSOR_BUFFER_I16, i16, 3, shape1, 1));
    log_static(&s, "u64", bars(RR_TENSOR_BUFFER_U64, u64, 3, shape1, 1));
    log_static(&s, "i64", bars(RR_TENSOR_BUFFER_I64, i64, 3, shape2, 2));
    log_static(&s, "f16", bars(RR_TENSOR_BUFFER_F16, f16, 3, shape1, 1));
    log_static(&s, "f32", bars(RR_TENSOR_BUFFER_F32, f32, 3, shape1, 1));
    log_static(&s, "f64", bars(RR_TENSOR_BUFFER_F64, f64, 3, shape1, 1));
    rr_store_t *store = scene_end(&s);
    struct {
        const char *entity;
        double want[3];
    } cases[] = {
        {"u8", {1, 2, 250}},          {"i16", {-3, 0, 300}}, {"u64", {7, 8, 1099511627776.0}},
        {"i64", {-5, 6, -7}},         {"f16", {1, -2, 0.5}}, {"f32", {0.25, -1.5, 1e6}},
        {"f64", {1e-3, 2.5, -4}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        double *v = NULL;
        size_t n = 0;
        uint64_t shape_n = 0;
        values_at(store, cases[k].entity, &v, &n, &shape_n);
        assert_int_equal(n, 3);
        assert_int_equal(shape_n, 3);
        for (int i = 0; i < 3; i++)
            if (v[i] != cases[k].want[i]) fail_msg("%s[%d] = %g, want %g", cases[k].entity, i, v[i], cases[k].want[i]);
        free(v);
    }
    /* Another component's cell is not TensorData. */
    rr_entity_path_t p;
    rr_error_t err = {0};
    assert_rr_ok(rr_entity_path_parse("f64", 3, &p, &err), &err);
    rr_store_row_t row;
    assert_true(rr_store_latest_at(store, &p, NULL, 0, "BarChart:values", &row));
    rr_cell_t c;
    assert_true(rr_cell_of(&row, &c));
    double *v = (double *)1;
    size_t n = 9;
    uint64_t shape_n = 9;
    const char *why = NULL;
    assert_false(rr_cell_tensor_values(&c, 1, &v, &n, &shape_n, &why)); /* past the cell */
    assert_null(v);
    assert_int_equal(n, 0);
    assert_non_null(why);
    rr_cell_t wrong = c;
    wrong.type = c.type->children[0]; /* the shape list, not the struct */
    assert_false(rr_cell_tensor_values(&wrong, 0, &v, &n, &shape_n, &why));
    assert_non_null(why);
    rr_entity_path_free(&p);
    scene_free(&s);
}

static void test_blueprint(void **state) {
    (void)state;
    const int64_t vals[2] = {1, 2};
    const uint64_t shape[1] = {2};
    scene_t s;
    scene_begin(&s);
    log_static(&s, "charts/a", bars(RR_TENSOR_BUFFER_I64, vals, 2, shape, 1));
    log_static(&s, "charts/b", bars(RR_TENSOR_BUFFER_I64, vals, 2, shape, 1));
    rr_store_t *store = scene_end(&s);
    rr_blueprint_t bp;
    rr_error_t err = {0};
    assert_rr_ok(rr_blueprint_default(store, &bp, &err), &err);
    size_t found = 0;
    for (size_t i = 0; i < bp.n_views; i++) {
        if (bp.views[i].cls != RR_VIEW_BARCHART) continue;
        assert_false(bp.views[i].subtree);
        assert_string_equal(bp.views[i].origin.str, found ? "/charts/b" : "/charts/a");
        found++;
    }
    assert_int_equal(found, 2);
    assert_string_equal(rr_view_class_name(RR_VIEW_BARCHART), "BarChart");
    rr_blueprint_free(&bp);
    scene_free(&s);
}

/* A Tensor's shape read back, and one Tensor view per tensor entity. */
static void test_tensor_shape_and_view(void **state) {
    (void)state;
    rr_error_t err = {0};
    static float data[2 * 3 * 4];
    const uint64_t shape[3] = {2, 3, 4};
    rr_tensor_data_t t = {0};
    t.shape.data = shape;
    t.shape.count = 3;
    t.buffer.kind = RR_TENSOR_BUFFER_F32;
    t.buffer.data = data;
    t.buffer.count = 24;
    scene_t s;
    scene_begin(&s);
    rr_archetype_t *a = NULL;
    assert_rr_ok(rr_tensor_new(&a, &t, RR_COPY, &err), &err);
    log_static(&s, "volume", a);
    rr_store_t *store = scene_end(&s);
    rr_entity_path_t p;
    assert_rr_ok(rr_entity_path_parse("volume", 6, &p, &err), &err);
    rr_store_row_t row;
    assert_true(rr_store_latest_at(store, &p, NULL, 0, "Tensor:data", &row));
    rr_cell_t c;
    assert_true(rr_cell_of(&row, &c));
    uint64_t dims[2];
    size_t nd = 0;
    assert_true(rr_cell_tensor_shape(&c, 0, dims, 2, &nd));
    assert_int_equal(nd, 3); /* more than asked for: the count, the first two */
    assert_int_equal(dims[0], 2);
    assert_int_equal(dims[1], 3);
    rr_blueprint_t bp;
    assert_rr_ok(rr_blueprint_default(store, &bp, &err), &err);
    size_t found = 0;
    for (size_t i = 0; i < bp.n_views; i++)
        if (bp.views[i].cls == RR_VIEW_TENSOR) {
            found++;
            assert_string_equal(bp.views[i].origin.str, "/volume");
        }
    assert_int_equal(found, 1);
    assert_string_equal(rr_view_class_name(RR_VIEW_TENSOR), "Tensor");
    rr_blueprint_free(&bp);
    rr_entity_path_free(&p);
    scene_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tensor_types),
        cmocka_unit_test(test_blueprint),
        cmocka_unit_test(test_tensor_shape_and_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
