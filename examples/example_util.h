/* What every example shares, like Rerun's script helpers: the command line
 * (--save PATH, --stdout, --connect [URL], --recording-id ID, plus options
 * of the example's own), the recording stream with its sinks, and the final
 * flush with its error report. Header-only, because CMake builds every example source as its
 * own program; it uses only the public header, as a user's program would.
 *
 *   rr_recording_stream_t *rec = example_start("points3d", argc, argv, NULL);
 *   ... log, collecting the first failure in err ...
 *   return example_finish(rec, failed ? &err : NULL);
 */
#ifndef RR_EXAMPLE_UTIL_H
#define RR_EXAMPLE_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rerun.h"

/* An option of the example's own: "--NAME VALUE" stores VALUE in *value. */
typedef struct example_option {
    const char *name; /* without the leading "--" */
    const char **value;
    const char *help; /* one line for the usage text */
} example_option_t;

/* The recording id used when --recording-id is not given; NULL (the
 * default) makes a fresh random one. Set it before example_start. */
static const char *example_default_recording_id = NULL;

/* The example's name and where its recording goes, for example_finish. */
static const char *example_name_ = "example";
static char example_where_[4096];
static bool example_to_stdout_ = false;
static bool example_connected_ = false;
static bool example_streamed_ = false; /* --connect alone: no file */

static inline void example_usage_(FILE *to, const example_option_t *extra) {
    fprintf(to,
            "usage: %s [--save PATH | --stdout] [--connect [URL]] [--spawn] [--recording-id ID]",
            example_name_);
    for (const example_option_t *o = extra; o && o->name; o++) fprintf(to, " [--%s VALUE]", o->name);
    fprintf(to,
            "\n  --save PATH         write the recording to PATH (default: ./%s.rrd)\n"
            "  --stdout            write the .rrd stream to standard output\n"
            "                      (pipe it into `rerun rrd ...` or the viewer)\n"
            "  --connect [URL]     stream live over gRPC to a viewer or `rerun --serve-grpc`\n"
            "                      (default URL: %s); with --save or\n"
            "                      --stdout as well, the recording goes to both\n"
            "  --spawn             start a viewer (RERUN_BIN or rerun on PATH) unless one\n"
            "                      listens on port 9876, and stream to it\n"
            "  --recording-id ID   log into recording ID (default: %s);\n"
            "                      processes given the same ID make one recording\n",
            example_name_, RR_DEFAULT_CONNECT_URL,
            example_default_recording_id ? example_default_recording_id : "a fresh random id");
    for (const example_option_t *o = extra; o && o->name; o++)
        fprintf(to, "  --%-17s %s\n", o->name, o->help);
}

static inline void example_bad_args_(const char *what, const char *arg, const example_option_t *extra) {
    fprintf(stderr, "%s: %s%s%s\n", example_name_, what, arg ? ": " : "", arg ? arg : "");
    example_usage_(stderr, extra);
    exit(2);
}

/* Parses the command line (prints usage and exits 2 on a bad argument, 0 on
 * --help), creates the stream "rerun_example_NAME" and gives it its sink.
 * Exits 1 with the message when the stream or its sink cannot be made. */
static inline rr_recording_stream_t *example_start(const char *name, int argc, char **argv,
                                            const example_option_t *extra) {
    example_name_ = name;
    const char *save = NULL, *recording_id = NULL, *connect = NULL;
    bool to_stdout = false, to_connect = false, to_spawn = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            example_usage_(stdout, extra);
            exit(0);
        }
        if (!strcmp(a, "--stdout")) {
            to_stdout = true;
            continue;
        }
        if (!strcmp(a, "--spawn")) {
            /* Rerun's --spawn: start a viewer unless one runs, stream to it. */
            to_spawn = true;
            continue;
        }
        if (!strcmp(a, "--connect")) {
            /* The URL is optional, as in Rerun's script helpers. */
            to_connect = true;
            if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0 && argv[i + 1][0] != '\0')
                connect = argv[++i];
            continue;
        }
        if (strncmp(a, "--", 2) != 0) example_bad_args_("unexpected argument", a, extra);
        const char **dst = NULL;
        if (!strcmp(a, "--save")) dst = &save;
        else if (!strcmp(a, "--recording-id")) dst = &recording_id;
        for (const example_option_t *o = extra; !dst && o && o->name; o++)
            if (!strcmp(a + 2, o->name)) dst = o->value;
        if (!dst) example_bad_args_("unknown option", a, extra);
        if (i + 1 >= argc || argv[i + 1][0] == '\0') example_bad_args_("missing value of", a, extra);
        *dst = argv[++i];
    }
    if (save && to_stdout) example_bad_args_("--save and --stdout exclude each other", NULL, extra);

    char app_id[256];
    snprintf(app_id, sizeof app_id, "rerun_example_%s", name);
    if (!recording_id) recording_id = example_default_recording_id;
    rr_recording_options_t opts = {.recording_id = recording_id};
    rr_recording_stream_t *rec = NULL;
    rr_error_t err = {0};
    rr_status_t st = rr_recording_stream_new(app_id, &opts, &rec, &err);
    if (st == RR_OK && to_connect) {
        example_connected_ = true;
        st = rr_connect_grpc(rec, connect, &err);
    }
    if (st == RR_OK && to_spawn) {
        example_connected_ = true;
        st = rr_spawn(rec, NULL, &err);
    }
    if (st == RR_OK && (to_connect || to_spawn) && !save && !to_stdout) {
        example_streamed_ = true;
        snprintf(example_where_, sizeof example_where_, "%s",
                 connect ? connect : to_spawn ? "a spawned viewer" : RR_DEFAULT_CONNECT_URL);
    } else if (st == RR_OK) {
        if (to_stdout) {
            example_to_stdout_ = true;
            snprintf(example_where_, sizeof example_where_, "standard output");
            st = rr_stdout(rec, &err);
        } else {
            if (!save) {
                snprintf(example_where_, sizeof example_where_, "%s.rrd", name);
                save = example_where_;
            } else {
                snprintf(example_where_, sizeof example_where_, "%s", save);
            }
            st = rr_save(rec, save, &err);
        }
    }
    if (st != RR_OK) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        rr_recording_stream_free(rec);
        exit(1);
    }
    return rec;
}

/* For the calls that return a status but take no rr_error_t (the time
 * setters): true when st is a failure, with err saying which call failed. */
static inline bool example_failed(rr_status_t st, rr_error_t *err, const char *what) {
    if (st == RR_OK) return false;
    err->code = st;
    snprintf(err->msg, sizeof err->msg, "%s failed (status %d)", what, (int)st);
    return true;
}

/* Ends the example: with failure NULL, flushes every row to the sink,
 * closes it, says where the recording went (on stderr when it went to
 * stdout) and returns 0; otherwise prints the failure and returns 1.
 * A live stream that could not deliver everything (no server, or it went
 * away) is a warning, not a failure, as in Rerun: the program ran fine. */
static inline int example_finish(rr_recording_stream_t *rec, const rr_error_t *failure) {
    rr_error_t err = {0};
    if (!failure && rr_flush(rec, &err) != RR_OK) {
        if (example_connected_ && strncmp(err.msg, "gRPC sink:", 10) == 0)
            fprintf(stderr, "%s: warning: %s\n", example_name_, err.msg);
        else
            failure = &err;
    }
    const char *id = rr_recording_id(rec);
    if (failure) {
        fprintf(stderr, "%s: %s\n", example_name_, failure->msg);
        rr_recording_stream_free(rec);
        return 1;
    }
    /* With --stdout, standard output carries the recording alone. */
    FILE *to = example_to_stdout_ ? stderr : stdout;
    fprintf(to, "%s: recording %s %s %s\n", example_name_, id,
            example_streamed_ ? "streamed to" : "written to", example_where_);
    rr_recording_stream_free(rec);
    return 0;
}

#endif
