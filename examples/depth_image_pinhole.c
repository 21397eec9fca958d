/* DepthImage seen through a Pinhole camera placed by a Transform3D: the
 * depth is back-projected into 3D by the viewer (Rerun's depth_image_3d
 * snippet). "world/camera" holds the camera's pose and its pinhole model,
 * "world/camera/depth" the 300x200 u16 depth image (10000 units a metre).
 *
 *   depth_image_pinhole [--save PATH | --stdout] [--recording-id ID]
 */
#include "example_util.h"

#define WIDTH 300
#define HEIGHT 200

int main(int argc, char **argv) {
    rr_recording_stream_t *rec = example_start("depth_image_pinhole", argc, argv, NULL);

    /* Far background, two nearer rectangles. */
    static uint16_t depth[WIDTH * HEIGHT];
    for (int i = 0; i < WIDTH * HEIGHT; i++) depth[i] = 65535;
    for (int y = 50; y < 150; y++)
        for (int x = 50; x < 150; x++) depth[y * WIDTH + x] = 20000;
    for (int y = 130; y < 180; y++)
        for (int x = 100; x < 280; x++) depth[y * WIDTH + x] = 45000;

    /* Focal length 200 px, principal point in the centre; column-major. */
    const float f = 200.0f;
    const rr_pinhole_projection_t image_from_camera = {f, 0, 0, 0, f, 0, WIDTH / 2.0f, HEIGHT / 2.0f, 1};
    const rr_resolution_t resolution = {WIDTH, HEIGHT};
    const rr_translation3d_t camera_position = {0.0f, 0.0f, -1.0f};
    const rr_image_format_t format = {
        .width = WIDTH,
        .height = HEIGHT,
        .channel_datatype = RR_CHANNEL_DATATYPE_U16,
    };

    rr_error_t err = {0};
    rr_archetype_t *pose = NULL, *pinhole = NULL, *image = NULL;
    bool failed = rr_transform3d_new(&pose, &err) ||
                  rr_transform3d_set_translation(pose, camera_position, RR_COPY, &err) ||
                  rr_log(rec, "world/camera", pose, &err) ||
                  rr_pinhole_new(&pinhole, image_from_camera, RR_COPY, &err) ||
                  rr_pinhole_set_resolution(pinhole, resolution, RR_COPY, &err) ||
                  rr_log(rec, "world/camera", pinhole, &err) ||
                  rr_depth_image_new(&image, (const uint8_t *)depth, sizeof depth, &format, RR_BORROW, &err) ||
                  rr_depth_image_set_meter(image, 10000.0f, RR_COPY, &err) ||
                  rr_depth_image_set_colormap(image, RR_COLORMAP_VIRIDIS, RR_COPY, &err) ||
                  rr_log(rec, "world/camera/depth", image, &err);
    rr_archetype_free(pose);
    rr_archetype_free(pinhole);
    rr_archetype_free(image);
    return example_finish(rec, failed ? &err : NULL);
}
