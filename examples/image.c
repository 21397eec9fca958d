/* Image: a 300x200 RGB image, red with a green square (Rerun's image_simple
 * snippet), logged at "image"; then the square moving over the `frame`
 * timeline.
 *
 *   image [--save PATH | --stdout] [--recording-id ID]
 */
#include "example_util.h"

#define WIDTH 300
#define HEIGHT 200
#define FRAMES 20

/* Red everywhere, a green 100x100 square with its corner at (x0, y0). */
static void draw(uint8_t *rgb, int x0, int y0) {
    for (int y = 0; y < HEIGHT; y++)
        for (int x = 0; x < WIDTH; x++) {
            uint8_t *p = rgb + 3 * (y * WIDTH + x);
            int inside = x >= x0 && x < x0 + 100 && y >= y0 && y < y0 + 100;
            p[0] = inside ? 0 : 255;
            p[1] = inside ? 255 : 0;
            p[2] = 0;
        }
}

int main(int argc, char **argv) {
    rr_recording_stream_t *rec = example_start("image", argc, argv, NULL);
    static uint8_t rgb[WIDTH * HEIGHT * 3];
    const rr_image_format_t format = {
        .width = WIDTH,
        .height = HEIGHT,
        .color_model = RR_COLOR_MODEL_RGB,
        .channel_datatype = RR_CHANNEL_DATATYPE_U8,
    };
    rr_error_t err = {0};
    bool failed = false;
    for (int frame = 0; frame < FRAMES && !failed; frame++) {
        draw(rgb, 50 + 5 * frame, 50);
        rr_archetype_t *image = NULL;
        /* RR_BORROW: rgb is copied into the row by rr_log, so it can be
         * redrawn for the next frame right after. */
        failed = example_failed(rr_set_time_sequence(rec, "frame", frame), &err, "rr_set_time_sequence") ||
                 rr_image_new(&image, rgb, sizeof rgb, &format, RR_BORROW, &err) ||
                 rr_log(rec, "image", image, &err);
        rr_archetype_free(image);
    }
    return example_finish(rec, failed ? &err : NULL);
}
