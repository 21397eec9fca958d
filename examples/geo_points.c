/* GeoPoints: a point on the map at latitude/longitude (Rerun's office in
 * Stockholm, from the geo_points_simple snippet), 10 UI points wide.
 *
 *   geo_points [--save PATH | --stdout] [--recording-id ID]
 */
#include "example_util.h"

int main(int argc, char **argv) {
    rr_recording_stream_t *rec = example_start("geo_points", argc, argv, NULL);
    const rr_lat_lon_t position = {59.319221, 18.075631};
    /* A negative radius is in UI points rather than scene units. */
    const rr_radius_t radius = -10.0f;
    const rr_color_t red = 0xff0000ff;

    rr_error_t err = {0};
    rr_archetype_t *points = NULL;
    bool failed = rr_geo_points_new(&points, &position, 1, RR_BORROW, &err) ||
                  rr_geo_points_set_radii(points, &radius, 1, RR_BORROW, &err) ||
                  rr_geo_points_set_colors(points, &red, 1, RR_BORROW, &err) ||
                  rr_log(rec, "rerun_hq", points, &err);
    rr_archetype_free(points);
    return example_finish(rec, failed ? &err : NULL);
}
