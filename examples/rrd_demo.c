/* A demo recording written as an .rrd file, the way a Rerun user's program
 * logs data, with the chunks built by hand (the SDK comes later):
 *
 *   /world          ViewCoordinates (RIGHT_HAND_Z_UP), static
 *   /readme         TextDocument (markdown), static
 *   /world/points   Points3D (positions, colors, radii) on the `frame`
 *                   sequence timeline, frames 0..99, ten frames per chunk
 *   /plots/sine     Scalars on the `log_time` timestamp timeline
 *   /plots/cosine   Scalars on `log_time`
 *   /logs           TextLog (text, level) on `log_time`
 *
 * Application id "rerun_c_demo", a fresh random recording id (a UUID v4, as
 * Rerun's SDKs make them) unless --recording-id gives one. Open the file in
 * Rerun 0.33 (`rerun OUT.rrd`) or inspect it with `rerun rrd print OUT.rrd`.
 *
 *   rrd_demo OUT.rrd [--recording-id ID] [--no-compression]
 *
 * Prints nothing on success; errors go to stderr with exit status 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/schema.h"
#include "base/tuid.h"
#include "model/chunk.h"
#include "rrd/encoder.h"

#define N_FRAMES 100
#define FRAMES_PER_CHUNK 10
#define N_POINTS 200
#define N_SAMPLES 200       /* scalar samples per plot */
#define SAMPLES_PER_CHUNK 50
#define SAMPLE_STEP_NS 10000000LL /* 10 ms */

/* ---- Arrow types of Rerun's components (re_sdk_types definitions) ----
 * A component column is a list of the component's datatype; Rerun names the
 * list's child "item" and makes it nullable. Fixed-size lists (Vec3D, the
 * ViewCoordinates triple) have a non-nullable "item" child. */

/* list<leaf> */
static rr_status_t list_of(struct ArrowSchema *s, const char *leaf, rr_error_t *err) {
    RR_TRY(rr_arrow_schema_init(s, "+l", "", 0, 1, err));
    return rr_arrow_schema_init(s->children[0], leaf, "item", ARROW_FLAG_NULLABLE, 0, err);
}

/* list<fixed_size_list<leaf, 3>> */
static rr_status_t list_of_triples(struct ArrowSchema *s, const char *leaf, rr_error_t *err) {
    RR_TRY(rr_arrow_schema_init(s, "+l", "", 0, 1, err));
    RR_TRY(rr_arrow_schema_init(s->children[0], "+w:3", "item", ARROW_FLAG_NULLABLE, 1, err));
    return rr_arrow_schema_init(s->children[0]->children[0], leaf, "item", 0, 0, err);
}

/* One component column under construction: its descriptor, type and builder. */
typedef struct column {
    rr_component_descriptor_t descr;
    struct ArrowSchema type;
    rr_arrow_builder_t *b;
} column_t;

static rr_status_t column_init(column_t *col, const char *archetype, const char *component,
                               const char *component_type, bool triples, const char *leaf,
                               rr_error_t *err) {
    memset(col, 0, sizeof *col);
    RR_TRY(rr_component_descriptor_init(&col->descr, archetype, component, component_type, err));
    RR_TRY(triples ? list_of_triples(&col->type, leaf, err) : list_of(&col->type, leaf, err));
    return rr_arrow_builder_new(&col->type, &col->b, err);
}

static void column_free(column_t *col) {
    rr_component_descriptor_free(&col->descr);
    rr_arrow_schema_release(&col->type);
    rr_arrow_builder_free(col->b);
}

/* The instances of the current row go into the list's child builder. */
static rr_arrow_builder_t *items(column_t *col) { return rr_arrow_builder_child(col->b, 0); }

/* Ends the current row of a column. */
static rr_status_t end_row(column_t *col, rr_error_t *err) {
    return rr_arrow_builder_finish_element(col->b, err);
}

/* Moves the rows built so far into the chunk as a component column. */
static rr_status_t add_column(rr_chunk_t *chunk, column_t *col, rr_error_t *err) {
    struct ArrowArray list;
    RR_TRY(rr_arrow_builder_finish(col->b, &list, err));
    return rr_chunk_add_component(chunk, &col->descr, &col->type, &list, err);
}

static rr_status_t append_triple(rr_arrow_builder_t *fsl, const void *xyz, rr_error_t *err) {
    RR_TRY(rr_arrow_builder_append_values(rr_arrow_builder_child(fsl, 0), xyz, 3, NULL, err));
    return rr_arrow_builder_finish_element(fsl, err);
}

static rr_status_t new_chunk(const char *path, int64_t rows, rr_chunk_t **out, rr_error_t *err) {
    rr_entity_path_t ep;
    RR_TRY(rr_entity_path_parse(path, strlen(path), &ep, err));
    rr_status_t st = rr_chunk_new(rr_tuid_new(), &ep, rows, NULL, out, err);
    rr_entity_path_free(&ep);
    return st;
}

/* Writes the chunk and frees it whatever happens. */
static rr_status_t write_chunk(rr_rrd_writer_t *w, const rr_store_id_t *store, rr_chunk_t *chunk,
                               rr_status_t st, rr_error_t *err) {
    if (st == RR_OK) st = rr_rrd_writer_write_chunk(w, store, chunk, err);
    rr_chunk_free(chunk);
    return st;
}

/* ---- the data ---- */

/* /world: X=Right, Y=Forward, Z=Up (ViewDir codes Right 3, Forward 5, Up 1). */
static rr_status_t log_view_coordinates(rr_rrd_writer_t *w, const rr_store_id_t *store,
                                        rr_error_t *err) {
    rr_chunk_t *chunk = NULL;
    column_t xyz;
    rr_status_t st = column_init(&xyz, "rerun.archetypes.ViewCoordinates", "ViewCoordinates:xyz",
                                 "rerun.components.ViewCoordinates", true, "C", err);
    const uint8_t right_hand_z_up[3] = {3, 5, 1};
    if (st == RR_OK) st = append_triple(items(&xyz), right_hand_z_up, err);
    if (st == RR_OK) st = end_row(&xyz, err);
    if (st == RR_OK) st = new_chunk("/world", 1, &chunk, err);
    if (st == RR_OK) st = add_column(chunk, &xyz, err);
    column_free(&xyz);
    return write_chunk(w, store, chunk, st, err);
}

static rr_status_t log_readme(rr_rrd_writer_t *w, const rr_store_id_t *store, rr_error_t *err) {
    static const char text[] =
        "# rerun-c demo\n\n"
        "A spiral of points on the `frame` timeline, two plots and a text log on "
        "`log_time`, written by `examples/rrd_demo.c`.\n";
    static const char media_type[] = "text/markdown";
    rr_chunk_t *chunk = NULL;
    column_t txt, mt;
    rr_status_t st = column_init(&txt, "rerun.archetypes.TextDocument", "TextDocument:text",
                                 "rerun.components.Text", false, "u", err);
    rr_status_t st2 = column_init(&mt, "rerun.archetypes.TextDocument", "TextDocument:media_type",
                                  "rerun.components.MediaType", false, "u", err);
    if (st == RR_OK) st = st2;
    if (st == RR_OK) st = rr_arrow_builder_append_str(items(&txt), text, strlen(text), err);
    if (st == RR_OK) st = end_row(&txt, err);
    if (st == RR_OK) st = rr_arrow_builder_append_str(items(&mt), media_type, strlen(media_type), err);
    if (st == RR_OK) st = end_row(&mt, err);
    if (st == RR_OK) st = new_chunk("/readme", 1, &chunk, err);
    if (st == RR_OK) st = add_column(chunk, &txt, err);
    if (st == RR_OK) st = add_column(chunk, &mt, err);
    column_free(&txt);
    column_free(&mt);
    return write_chunk(w, store, chunk, st, err);
}

/* Frames [first, first + FRAMES_PER_CHUNK) of a turning spiral: one row per
 * frame, N_POINTS points per row. */
static rr_status_t log_points(rr_rrd_writer_t *w, const rr_store_id_t *store, int first,
                              rr_error_t *err) {
    rr_chunk_t *chunk = NULL;
    column_t pos, colors, radii;
    rr_status_t st = column_init(&pos, "rerun.archetypes.Points3D", "Points3D:positions",
                                 "rerun.components.Position3D", true, "f", err);
    rr_status_t st2 = column_init(&colors, "rerun.archetypes.Points3D", "Points3D:colors",
                                  "rerun.components.Color", false, "I", err);
    rr_status_t st3 = column_init(&radii, "rerun.archetypes.Points3D", "Points3D:radii",
                                  "rerun.components.Radius", false, "f", err);
    if (st == RR_OK) st = st2;
    if (st == RR_OK) st = st3;
    int64_t frames[FRAMES_PER_CHUNK];
    for (int r = 0; st == RR_OK && r < FRAMES_PER_CHUNK; r++) {
        int f = first + r;
        frames[r] = f;
        for (int i = 0; st == RR_OK && i < N_POINTS; i++) {
            float a = 0.1f * (float)i + 0.05f * (float)f, radius = 0.02f * (float)i;
            float xyz[3] = {radius * cosf(a), radius * sinf(a), 0.01f * (float)i};
            /* Colors are 0xRRGGBBAA: red to blue along the spiral, opaque. */
            uint32_t t = (uint32_t)(255 * i / (N_POINTS - 1));
            uint32_t rgba = ((255 - t) << 24) | (64u << 16) | (t << 8) | 0xffu;
            st = append_triple(items(&pos), xyz, err);
            if (st == RR_OK) st = rr_arrow_builder_append_uint(items(&colors), rgba, err);
            if (st == RR_OK) st = rr_arrow_builder_append_double(items(&radii), 0.02 + 0.0001 * i, err);
        }
        if (st == RR_OK) st = end_row(&pos, err);
        if (st == RR_OK) st = end_row(&colors, err);
        if (st == RR_OK) st = end_row(&radii, err);
    }
    if (st == RR_OK) st = new_chunk("/world/points", FRAMES_PER_CHUNK, &chunk, err);
    if (st == RR_OK) st = rr_chunk_add_index(chunk, "frame", RR_TIME_SEQUENCE, frames, err);
    if (st == RR_OK) st = add_column(chunk, &pos, err);
    if (st == RR_OK) st = add_column(chunk, &colors, err);
    if (st == RR_OK) st = add_column(chunk, &radii, err);
    column_free(&pos);
    column_free(&colors);
    column_free(&radii);
    return write_chunk(w, store, chunk, st, err);
}

/* Samples [first, first + SAMPLES_PER_CHUNK) of a sine (or cosine) wave, one
 * scalar per row, SAMPLE_STEP_NS apart from t0. */
static rr_status_t log_scalars(rr_rrd_writer_t *w, const rr_store_id_t *store, const char *path,
                               bool cosine, int first, int64_t t0, rr_error_t *err) {
    rr_chunk_t *chunk = NULL;
    column_t scalars;
    rr_status_t st = column_init(&scalars, "rerun.archetypes.Scalars", "Scalars:scalars",
                                 "rerun.components.Scalar", false, "g", err);
    int64_t times[SAMPLES_PER_CHUNK];
    for (int r = 0; st == RR_OK && r < SAMPLES_PER_CHUNK; r++) {
        int k = first + r;
        times[r] = t0 + k * SAMPLE_STEP_NS;
        double x = 0.05 * k;
        st = rr_arrow_builder_append_double(items(&scalars), cosine ? cos(x) : sin(x), err);
        if (st == RR_OK) st = end_row(&scalars, err);
    }
    if (st == RR_OK) st = new_chunk(path, SAMPLES_PER_CHUNK, &chunk, err);
    if (st == RR_OK) st = rr_chunk_add_index(chunk, "log_time", RR_TIME_TIMESTAMP_NS, times, err);
    if (st == RR_OK) st = add_column(chunk, &scalars, err);
    column_free(&scalars);
    return write_chunk(w, store, chunk, st, err);
}

/* A few log lines spread over the plots' time span. */
static rr_status_t log_text(rr_rrd_writer_t *w, const rr_store_id_t *store, int64_t t0,
                            rr_error_t *err) {
    enum { N_LINES = 8 };
    static const char *const levels[N_LINES] = {"INFO", "DEBUG", "INFO", "WARN",
                                                "INFO", "ERROR", "INFO", "INFO"};
    rr_chunk_t *chunk = NULL;
    column_t text, level;
    rr_status_t st = column_init(&text, "rerun.archetypes.TextLog", "TextLog:text",
                                 "rerun.components.Text", false, "u", err);
    rr_status_t st2 = column_init(&level, "rerun.archetypes.TextLog", "TextLog:level",
                                  "rerun.components.TextLogLevel", false, "u", err);
    if (st == RR_OK) st = st2;
    int64_t times[N_LINES];
    for (int r = 0; st == RR_OK && r < N_LINES; r++) {
        times[r] = t0 + (int64_t)r * (N_SAMPLES / N_LINES) * SAMPLE_STEP_NS;
        char line[64];
        int n = snprintf(line, sizeof line, "step %d of %d: %s", r + 1, N_LINES,
                         r == 5 ? "the sine went negative" : "all good");
        st = rr_arrow_builder_append_str(items(&text), line, (size_t)n, err);
        if (st == RR_OK) st = end_row(&text, err);
        if (st == RR_OK)
            st = rr_arrow_builder_append_str(items(&level), levels[r], strlen(levels[r]), err);
        if (st == RR_OK) st = end_row(&level, err);
    }
    if (st == RR_OK) st = new_chunk("/logs", N_LINES, &chunk, err);
    if (st == RR_OK) st = rr_chunk_add_index(chunk, "log_time", RR_TIME_TIMESTAMP_NS, times, err);
    if (st == RR_OK) st = add_column(chunk, &text, err);
    if (st == RR_OK) st = add_column(chunk, &level, err);
    column_free(&text);
    column_free(&level);
    return write_chunk(w, store, chunk, st, err);
}

/* A random (version 4) UUID in its usual text form, as Rerun's SDKs use for
 * recording ids. */
static bool random_recording_id(char out[37]) {
    uint8_t b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) return false;
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
    return true;
}

static rr_status_t write_recording(rr_rrd_writer_t *w, const rr_store_id_t *store,
                                   rr_error_t *err) {
    rr_store_info_t info;
    memset(&info, 0, sizeof info);
    info.store_id = *store; /* only read by the writer */
    info.source_kind = RR_STORE_SOURCE_C_SDK;
    RR_TRY(rr_rrd_writer_set_store_info(w, &info, err));

    RR_TRY(log_view_coordinates(w, store, err));
    RR_TRY(log_readme(w, store, err));

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t t0 = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    /* Interleaved as a program logging as it goes would write them. */
    for (int k = 0; k * FRAMES_PER_CHUNK < N_FRAMES || k * SAMPLES_PER_CHUNK < N_SAMPLES; k++) {
        if (k * FRAMES_PER_CHUNK < N_FRAMES) RR_TRY(log_points(w, store, k * FRAMES_PER_CHUNK, err));
        if (k * SAMPLES_PER_CHUNK < N_SAMPLES) {
            RR_TRY(log_scalars(w, store, "/plots/sine", false, k * SAMPLES_PER_CHUNK, t0, err));
            RR_TRY(log_scalars(w, store, "/plots/cosine", true, k * SAMPLES_PER_CHUNK, t0, err));
        }
    }
    return log_text(w, store, t0, err);
}

int main(int argc, char **argv) {
    const char *out_path = NULL, *recording_id = NULL;
    rr_rrd_writer_options_t opts;
    memset(&opts, 0, sizeof opts);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--recording-id") && i + 1 < argc)
            recording_id = argv[++i];
        else if (!strcmp(argv[i], "--no-compression"))
            opts.no_compression = true;
        else if (argv[i][0] != '-' && !out_path)
            out_path = argv[i];
        else {
            out_path = NULL;
            break;
        }
    }
    if (!out_path) {
        fprintf(stderr, "usage: rrd_demo OUT.rrd [--recording-id ID] [--no-compression]\n");
        return 1;
    }
    char fresh_id[37];
    if (!recording_id) {
        if (!random_recording_id(fresh_id)) {
            fprintf(stderr, "rrd_demo: no random bytes for a recording id\n");
            return 1;
        }
        recording_id = fresh_id;
    }

    rr_error_t err;
    memset(&err, 0, sizeof err);
    rr_store_id_t store;
    rr_status_t st = rr_store_id_init(&store, RR_STORE_KIND_RECORDING, "rerun_c_demo", recording_id,
                                      &err);
    FILE *f = NULL;
    if (st == RR_OK && !(f = fopen(out_path, "wb")))
        st = rr_error_set(&err, RR_ERR_IO, "cannot create %s", out_path);
    rr_rrd_writer_t *w = NULL;
    if (st == RR_OK) st = rr_rrd_writer_open_file(f, &opts, &w, &err);
    if (st == RR_OK) st = write_recording(w, &store, &err);
    if (st == RR_OK) {
        st = rr_rrd_writer_finish(w, &err);
        w = NULL;
    }
    rr_rrd_writer_free(w);
    if (f && fclose(f) != 0 && st == RR_OK)
        st = rr_error_set(&err, RR_ERR_IO, "cannot write %s", out_path);
    rr_store_id_free(&store);
    if (st != RR_OK) {
        fprintf(stderr, "rrd_demo: %s\n", err.msg);
        return 1;
    }
    return 0;
}
