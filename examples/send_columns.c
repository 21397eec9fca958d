/* Columnar logging: 64 scalars and their 64 `step` times sent in one call
 * (Rerun's scalars_column_updates snippet). It gives the same recording as
 * logging the rows one by one, much faster.
 *
 *   send_columns [--save PATH | --stdout] [--recording-id ID]
 */
#include <math.h>

#include "example_util.h"

#define N 64

int main(int argc, char **argv) {
    rr_recording_stream_t *rec = example_start("send_columns", argc, argv, NULL);
    double values[N];
    int64_t steps[N];
    for (int i = 0; i < N; i++) {
        values[i] = sin(i / 10.0);
        steps[i] = i;
    }
    const rr_time_column_t step = {.timeline = "step", .type = RR_TIME_SEQUENCE, .times = steps, .n_rows = N};

    rr_error_t err = {0};
    rr_archetype_t *scalars = NULL;
    /* No lengths: one scalar per row. */
    bool failed = rr_scalars_new(&scalars, values, N, RR_BORROW, &err) ||
                  rr_send_columns(rec, "scalars", &step, 1, scalars, NULL, &err);
    rr_archetype_free(scalars);
    return example_finish(rec, failed ? &err : NULL);
}
