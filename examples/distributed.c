/* A distributed recording: several processes log into ONE recording by
 * giving it the same recording id, each to its own sink. Run it twice with
 * different workers, then load both files together (or merge them with
 * `rerun rrd merge`):
 *
 *   distributed --worker a --recording-id run42 --save a.rrd &
 *   distributed --worker b --recording-id run42 --save b.rrd
 *   rerun a.rrd b.rrd            (one recording holding both workers)
 *
 * Each worker logs a sine with its own phase at "WORKER/signal" and a
 * greeting at "WORKER/log", on the shared `step` timeline. Without
 * --recording-id all runs use the fixed id below, like Rerun's
 * shared_recording example.
 *
 *   distributed [--save PATH | --stdout] [--recording-id ID] [--worker NAME]
 */
#include <math.h>
#include <unistd.h>

#include "example_util.h"

#define STEPS 100

int main(int argc, char **argv) {
    const char *worker = NULL;
    const example_option_t options[] = {
        {"worker", &worker, "this process's name, the root of its entities (default: process_PID)"},
        {NULL, NULL, NULL},
    };
    example_default_recording_id = "rerun_example_distributed_recording";
    rr_recording_stream_t *rec = example_start("distributed", argc, argv, options);

    char default_worker[32];
    if (!worker) {
        snprintf(default_worker, sizeof default_worker, "process_%ld", (long)getpid());
        worker = default_worker;
    }
    char signal_path[256], log_path[256], greeting[320];
    snprintf(signal_path, sizeof signal_path, "%s/signal", worker);
    snprintf(log_path, sizeof log_path, "%s/log", worker);
    snprintf(greeting, sizeof greeting, "Hello from %s (pid %ld)", worker, (long)getpid());
    /* A phase from the name, so the workers' curves differ. */
    double phase = 0;
    for (const char *c = worker; *c; c++) phase += (unsigned char)*c;

    rr_error_t err = {0};
    rr_archetype_t *hello = NULL;
    bool failed = example_failed(rr_set_time_sequence(rec, "step", 0), &err, "rr_set_time_sequence") ||
                  rr_text_log_new(&hello, greeting, RR_BORROW, &err) ||
                  rr_text_log_set_level(hello, "INFO", RR_BORROW, &err) ||
                  rr_log(rec, log_path, hello, &err);
    rr_archetype_free(hello);
    for (int step = 0; step < STEPS && !failed; step++) {
        double value = sin(step / 10.0 + phase);
        rr_archetype_t *scalar = NULL;
        failed = example_failed(rr_set_time_sequence(rec, "step", step), &err, "rr_set_time_sequence") ||
                 rr_scalars_new(&scalar, &value, 1, RR_BORROW, &err) ||
                 rr_log(rec, signal_path, scalar, &err);
        rr_archetype_free(scalar);
    }
    return example_finish(rec, failed ? &err : NULL);
}
