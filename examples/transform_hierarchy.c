/* Transform3D hierarchy: a sun, a planet circling it and a moon circling the
 * planet (Rerun's transform3d_hierarchy snippet, with boxes for bodies and
 * arrows for the planet's axes). Each body is drawn in its own space; only
 * the transforms of "sun/planet" and "sun/planet/moon" move, over the
 * `sim_time` duration timeline, and children follow their parents.
 *
 *   transform_hierarchy [--save PATH | --stdout] [--recording-id ID]
 */
#include <math.h>

#include "example_util.h"

#define TAU 6.28318530717958647692f
#define STEPS (6 * 120)

/* A solid box of the given half size and colour at the entity's origin. */
static rr_status_t log_body(rr_recording_stream_t *rec, const char *path, float half, rr_color_t color,
                            rr_error_t *err) {
    const rr_half_size3d_t half_size = {half, half, half};
    rr_archetype_t *box = NULL;
    rr_status_t st = rr_boxes3d_new(&box, &half_size, 1, RR_COPY, err);
    if (!st) st = rr_boxes3d_set_colors(box, &color, 1, RR_COPY, err);
    if (!st) st = rr_boxes3d_set_fill_mode(box, RR_FILL_MODE_SOLID, RR_COPY, err);
    if (!st) st = rr_log(rec, path, box, err);
    rr_archetype_free(box);
    return st;
}

/* A planet's frame: the x, y and z axes as red, green and blue arrows. */
static rr_status_t log_axes(rr_recording_stream_t *rec, const char *path, rr_error_t *err) {
    const rr_vector3d_t vectors[3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    const rr_color_t colors[3] = {0xff0000ff, 0x00ff00ff, 0x0000ffff};
    rr_archetype_t *arrows = NULL;
    rr_status_t st = rr_arrows3d_new(&arrows, vectors, 3, RR_COPY, err);
    if (!st) st = rr_arrows3d_set_colors(arrows, colors, 3, RR_COPY, err);
    if (!st) st = rr_log(rec, path, arrows, err);
    rr_archetype_free(arrows);
    return st;
}

/* A transform from translation (and optionally a rotation), with its relation. */
static rr_status_t log_transform(rr_recording_stream_t *rec, const char *path, const rr_translation3d_t t,
                                 const rr_rotation_axis_angle_t *rotation, rr_transform_relation_t relation,
                                 rr_error_t *err) {
    rr_archetype_t *tf = NULL;
    rr_status_t st = rr_transform3d_new(&tf, err);
    if (!st) st = rr_transform3d_set_translation(tf, t, RR_COPY, err);
    if (!st && rotation) st = rr_transform3d_set_rotation_axis_angle(tf, rotation, RR_COPY, err);
    if (!st && relation) st = rr_transform3d_set_relation(tf, relation, RR_COPY, err);
    if (!st) st = rr_log(rec, path, tf, err);
    rr_archetype_free(tf);
    return st;
}

int main(int argc, char **argv) {
    rr_recording_stream_t *rec = example_start("transform_hierarchy", argc, argv, NULL);
    rr_error_t err = {0};

    /* Planetary motion is in the XY plane: Z up (Forward, Left, Up). */
    const rr_view_coordinates_t z_up = {5, 4, 1};
    rr_archetype_t *coords = NULL;
    bool failed = rr_view_coordinates_new(&coords, z_up, RR_COPY, &err) ||
                  rr_log_static(rec, "/", coords, &err);
    rr_archetype_free(coords);

    failed = failed || example_failed(rr_set_time_duration_ns(rec, "sim_time", 0), &err, "rr_set_time_duration_ns") ||
             log_body(rec, "sun", 1.0f, 0xffc80aff, &err) ||
             log_body(rec, "sun/planet", 0.4f, 0x2850c8ff, &err) ||
             log_axes(rec, "sun/planet/axes", &err) ||
             log_body(rec, "sun/planet/moon", 0.15f, 0xb4b4b4ff, &err);

    const float d_planet = 6.0f, d_moon = 3.0f;
    for (int i = 0; i < STEPS && !failed; i++) {
        float time = (float)i / 120.0f;
        float r_planet = time * 2.0f, r_moon = time * 5.0f;
        const rr_translation3d_t planet = {sinf(r_planet) * d_planet, cosf(r_planet) * d_planet, 0};
        const rr_translation3d_t moon = {cosf(r_moon) * d_moon, sinf(r_moon) * d_moon, 0};
        /* Angles are in radians: a 20 degree tilt around x. */
        const rr_rotation_axis_angle_t tilt = {.axis = {1, 0, 0}, .angle = 20.0f * TAU / 360.0f};
        failed = example_failed(rr_set_time_duration_ns(rec, "sim_time", (int64_t)i * 1000000000 / 120), &err,
                                "rr_set_time_duration_ns") ||
                 log_transform(rec, "sun/planet", planet, &tilt, 0, &err) ||
                 log_transform(rec, "sun/planet/moon", moon, NULL, RR_TRANSFORM_RELATION_CHILD_FROM_PARENT, &err);
    }
    return example_finish(rec, failed ? &err : NULL);
}
