/* A demo recording in plain Arrow, until the .rrd codec lands: 100 frames of
 * a 3D point spiral laid out as Rerun lays out Points3D (one row per frame;
 * positions as list<fixed_size_list<float32, 3>>, colours as list<uint32>,
 * labels as list<utf8>), with a frame index and a log time column, written as
 * an LZ4-compressed Arrow IPC stream.
 *
 *   arrow_demo [OUT]     (default build/demo/points.arrows) */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "arrow/builder.h"
#include "arrow/ipc.h"
#include "arrow/schema.h"

#define N_FRAMES 100
#define N_POINTS 1000

static rr_status_t build_schema(struct ArrowSchema *s, rr_error_t *err) {
    RR_TRY(rr_arrow_schema_init(s, "+s", "", 0, 5, err));
    RR_TRY(rr_arrow_schema_init(s->children[0], "l", "frame", 0, 0, err));
    RR_TRY(rr_arrow_schema_init(s->children[1], "tsn:", "log_time", 0, 0, err));
    struct ArrowSchema *pos = s->children[2];
    RR_TRY(rr_arrow_schema_init(pos, "+l", "positions", ARROW_FLAG_NULLABLE, 1, err));
    RR_TRY(rr_arrow_schema_init(pos->children[0], "+w:3", "item", 0, 1, err));
    RR_TRY(rr_arrow_schema_init(pos->children[0]->children[0], "f", "item", 0, 0, err));
    rr_arrow_kv_t kv[] = {{"rerun:component", 15, "Points3D:positions", 18}};
    RR_TRY(rr_arrow_schema_set_metadata(pos, kv, 1, err));
    RR_TRY(rr_arrow_schema_init(s->children[3], "+l", "colors", ARROW_FLAG_NULLABLE, 1, err));
    RR_TRY(rr_arrow_schema_init(s->children[3]->children[0], "I", "item", 0, 0, err));
    RR_TRY(rr_arrow_schema_init(s->children[4], "+l", "labels", ARROW_FLAG_NULLABLE, 1, err));
    RR_TRY(rr_arrow_schema_init(s->children[4]->children[0], "u", "item", 0, 0, err));
    return RR_OK;
}

static rr_status_t build_batch(rr_arrow_builder_t *b, rr_error_t *err) {
    rr_arrow_builder_t *frame = rr_arrow_builder_child(b, 0);
    rr_arrow_builder_t *time_col = rr_arrow_builder_child(b, 1);
    rr_arrow_builder_t *pos = rr_arrow_builder_child(b, 2);
    rr_arrow_builder_t *xyz = rr_arrow_builder_child(rr_arrow_builder_child(pos, 0), 0);
    rr_arrow_builder_t *colors = rr_arrow_builder_child(b, 3);
    rr_arrow_builder_t *labels = rr_arrow_builder_child(b, 4);
    int64_t t0 = (int64_t)time(NULL) * 1000000000;
    for (int f = 0; f < N_FRAMES; f++) {
        RR_TRY(rr_arrow_builder_append_int(frame, f, err));
        RR_TRY(rr_arrow_builder_append_int(time_col, t0 + (int64_t)f * 40000000, err));
        for (int i = 0; i < N_POINTS; i++) {
            float a = 0.05f * (float)i + 0.1f * (float)f, r = 0.01f * (float)i;
            float p[3] = {r * cosf(a), r * sinf(a), 0.002f * (float)i};
            RR_TRY(rr_arrow_builder_append_values(xyz, p, 3, NULL, err));
            RR_TRY(rr_arrow_builder_finish_element(rr_arrow_builder_child(pos, 0), err));
            uint32_t rgba = 0xff0000ffu | ((uint32_t)(255 * i / N_POINTS) << 16);
            RR_TRY(rr_arrow_builder_append_uint(rr_arrow_builder_child(colors, 0), rgba, err));
        }
        RR_TRY(rr_arrow_builder_finish_element(pos, err));
        RR_TRY(rr_arrow_builder_finish_element(colors, err));
        char label[32];
        int n = snprintf(label, sizeof label, "spiral %d", f);
        RR_TRY(rr_arrow_builder_append_str(rr_arrow_builder_child(labels, 0), label, (size_t)n, err));
        RR_TRY(rr_arrow_builder_finish_element(labels, err));
        RR_TRY(rr_arrow_builder_finish_element(b, err));
    }
    return RR_OK;
}

int main(int argc, char **argv) {
    const char *out_path = argc > 1 ? argv[1] : "build/demo/points.arrows";
    if (argc <= 1) mkdir("build/demo", 0755);
    rr_error_t err = {0};
    struct ArrowSchema schema = {0};
    struct ArrowArray batch = {0};
    rr_arrow_builder_t *b = NULL;
    rr_buf_t buf = {0};
    rr_arrow_ipc_write_options_t opts = {.compression = RR_ARROW_COMPRESSION_LZ4_FRAME};
    rr_status_t st = build_schema(&schema, &err);
    if (st == RR_OK) st = rr_arrow_builder_new(&schema, &b, &err);
    if (st == RR_OK) st = build_batch(b, &err);
    if (st == RR_OK) st = rr_arrow_builder_finish(b, &batch, &err);
    if (st == RR_OK) st = rr_arrow_ipc_write_table(&buf, &schema, &batch, 1, &opts, &err);
    if (st == RR_OK) {
        FILE *f = fopen(out_path, "wb");
        if (!f || fwrite(buf.data, 1, buf.len, f) != buf.len)
            st = rr_error_set(&err, RR_ERR_IO, "cannot write %s", out_path);
        if (f && fclose(f) != 0 && st == RR_OK)
            st = rr_error_set(&err, RR_ERR_IO, "cannot write %s", out_path);
    }
    if (st == RR_OK)
        printf("wrote %s: %d frames x %d points, %zu bytes (Arrow IPC stream, LZ4)\n", out_path,
               N_FRAMES, N_POINTS, buf.len);
    else
        fprintf(stderr, "arrow_demo: %s\n", err.msg);
    rr_buf_free(&buf);
    rr_arrow_array_release(&batch);
    rr_arrow_builder_free(b);
    rr_arrow_schema_release(&schema);
    return st == RR_OK ? 0 : 1;
}
