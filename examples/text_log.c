/* TextLog: a short application log with every level Rerun knows (TRACE,
 * DEBUG, INFO, WARN, ERROR, CRITICAL) at "log", one entry per `frame`.
 *
 *   text_log [--save PATH | --stdout] [--recording-id ID]
 */
#include "example_util.h"

int main(int argc, char **argv) {
    rr_recording_stream_t *rec = example_start("text_log", argc, argv, NULL);
    static const struct {
        const char *level;
        const char *text;
    } entries[] = {
        {"INFO", "Application started."},
        {"DEBUG", "Loaded 3 calibration files."},
        {"TRACE", "Entering the main loop."},
        {"WARN", "Camera 2 is running at 12 fps, expected 30."},
        {"ERROR", "Lost connection to the IMU."},
        {"CRITICAL", "Battery at 2%, shutting down."},
    };
    rr_error_t err = {0};
    bool failed = false;
    for (int i = 0; i < (int)(sizeof entries / sizeof entries[0]) && !failed; i++) {
        rr_archetype_t *entry = NULL;
        failed = example_failed(rr_set_time_sequence(rec, "frame", i), &err, "rr_set_time_sequence") ||
                 rr_text_log_new(&entry, entries[i].text, RR_BORROW, &err) ||
                 rr_text_log_set_level(entry, entries[i].level, RR_BORROW, &err) ||
                 rr_log(rec, "log", entry, &err);
        rr_archetype_free(entry);
    }
    return example_finish(rec, failed ? &err : NULL);
}
