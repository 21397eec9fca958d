/* BarChart: bars from a 1-D TensorData of i64, with the default abscissa,
 * a custom abscissa, and custom abscissa and widths (Rerun's bar_chart
 * snippet).
 *
 *   bar_chart [--save PATH | --stdout] [--recording-id ID]
 */
#include "example_util.h"

/* A 1-D i64 tensor over values (borrowed: they must outlive its use). */
static rr_tensor_data_t tensor_i64(const int64_t *values, const uint64_t *len) {
    rr_tensor_data_t t = {0};
    t.shape.data = len;
    t.shape.count = 1;
    t.buffer.kind = RR_TENSOR_BUFFER_I64;
    t.buffer.data = values;
    t.buffer.count = (size_t)*len;
    return t;
}

int main(int argc, char **argv) {
    rr_recording_stream_t *rec = example_start("bar_chart", argc, argv, NULL);
    const int64_t values10[10] = {8, 4, 0, 9, 1, 4, 1, 6, 9, 0};
    const int64_t values6[6] = {8, 4, 0, 9, 1, 4};
    const int64_t abscissa6[6] = {0, 1, 3, 4, 7, 11};
    const float widths6[6] = {1, 2, 1, 3, 4, 1};
    const uint64_t ten = 10, six = 6;
    const rr_tensor_data_t bars10 = tensor_i64(values10, &ten);
    const rr_tensor_data_t bars6 = tensor_i64(values6, &six);
    const rr_tensor_data_t abscissa = tensor_i64(abscissa6, &six);

    rr_error_t err = {0};
    rr_archetype_t *plain = NULL, *custom = NULL, *wide = NULL;
    bool failed = rr_bar_chart_new(&plain, &bars10, RR_BORROW, &err) ||
                  rr_log(rec, "bar_chart", plain, &err) ||
                  rr_bar_chart_new(&custom, &bars6, RR_BORROW, &err) ||
                  rr_bar_chart_set_abscissa(custom, &abscissa, RR_BORROW, &err) ||
                  rr_log(rec, "bar_chart_custom_abscissa", custom, &err) ||
                  rr_bar_chart_new(&wide, &bars6, RR_BORROW, &err) ||
                  rr_bar_chart_set_abscissa(wide, &abscissa, RR_BORROW, &err) ||
                  rr_bar_chart_set_widths(wide, widths6, 6, RR_BORROW, &err) ||
                  rr_log(rec, "bar_chart_custom_abscissa_and_widths", wide, &err);
    rr_archetype_free(plain);
    rr_archetype_free(custom);
    rr_archetype_free(wide);
    return example_finish(rec, failed ? &err : NULL);
}
