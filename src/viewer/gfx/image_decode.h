/* Image data into RGBA8 for display, on the CPU, with Rerun 0.33's
 * semantics (re_viewer_context gpu_bridge, re_renderer colormap.rs,
 * re_sdk_types image.rs): every ColorModel and ChannelDatatype of an
 * ImageFormat, the YUV pixel formats, depth through colormaps, segmentation
 * class ids through a colour lookup, and PNG / JPEG through stb_image.
 *
 * Every function checks the buffer against what the format says and returns
 * RR_ERR_INVALID_DATA naming the shortfall instead of reading past it. The
 * output is width*height*4 bytes, top row first, sRGB, not premultiplied;
 * the caller frees it. Pure functions: no GL. */
#ifndef RR_VIEWER_GFX_IMAGE_DECODE_H
#define RR_VIEWER_GFX_IMAGE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* Rerun's enum values (rerun.datatypes.ImageFormat's fields); 0: unset. */
typedef struct rr_image_spec {
    uint32_t width, height;
    int pixel_format;     /* PixelFormat (NV12 26, YUY2 27, ...), 0: none */
    int color_model;      /* ColorModel: L 1, RGB 2, RGBA 3, BGR 4, BGRA 5; 0: L */
    int channel_datatype; /* ChannelDatatype: U8 6 ... F64 35; 0: U8 */
} rr_image_spec_t;

/* Bytes the format needs, 0 when the format is unknown or overflows. */
size_t rr_image_spec_bytes(const rr_image_spec_t *s);
/* Bytes per channel value (1, 2, 4, 8), 0 when unknown. */
int rr_channel_datatype_size(int channel_datatype);

/* A colour Image: U8 as is; other types mapped from Rerun's data range
 * heuristic ([0,1] for floats within it, [0,255] for data within it, else
 * the data's finite min..max), treated as sRGB when the data looks like it
 * (within 0..255, or floats within 0..1) and as linear otherwise. */
rr_status_t rr_image_to_rgba(const rr_image_spec_t *s, const uint8_t *buf, size_t len,
                             uint8_t **out, rr_error_t *err);

/* Rerun's Colormap values: Grayscale 1, Inferno 2, Magma 3, Plasma 4,
 * Turbo 5, Viridis 6, CyanToYellow 7, Spectral 8, Twilight 9, RVizMap 10,
 * RVizCostmap 11. t in [0, 1]; the colour as 0xRRGGBBAA. Unknown maps give
 * Turbo's colour (Rerun's default for depth). */
uint32_t rr_colormap_rgba(int colormap, float t);

/* A DepthImage (one channel of any type) through colormap over range
 * (range NULL: [0, the largest finite value], as Rerun). *used_range (may
 * be NULL) receives the range applied. Non-finite values are black. */
rr_status_t rr_depth_to_rgba(const rr_image_spec_t *s, const uint8_t *buf, size_t len,
                             int colormap, const double *range, double used_range[2],
                             uint8_t **out, rr_error_t *err);

/* A SegmentationImage (one channel, integer or float class ids): each
 * pixel's colour from class_color(ctx, id) as 0xRRGGBBAA (ids past 65535
 * and negative ones are transparent). */
typedef uint32_t (*rr_class_color_fn)(void *ctx, uint32_t class_id);
rr_status_t rr_segmentation_to_rgba(const rr_image_spec_t *s, const uint8_t *buf, size_t len,
                                    rr_class_color_fn class_color, void *ctx, uint8_t **out,
                                    rr_error_t *err);

/* Rerun's automatic colour for a value (a class id, or an entity path's
 * 16-bit hash): hue steps by the golden ratio, saturation 0.85, value 0.5. */
uint32_t rr_auto_color(uint16_t val);

/* An EncodedImage: PNG or JPEG (by media_type when given, else by the
 * magic bytes) into RGBA8. */
rr_status_t rr_image_decode_encoded(const uint8_t *data, size_t len, const char *media_type,
                                    int *width, int *height, uint8_t **out, rr_error_t *err);

/* An EncodedDepthImage into its raw values: *out holds width*height
 * values as *spec describes (color model L), caller frees.
 *  - PNG (media type image/png, or none and the PNG signature): one channel
 *    of 8 or 16 bits, u8 or u16 (host order);
 *  - RVL (application/rvl, as ROS's compressedDepth and Rerun's re_rvl):
 *    a 12-byte header (an i32, then the depth quantisation a and b as
 *    little-endian f32), width and height (u32), then the run-length and
 *    variable-length coded disparities; f32 values: a / (d - b) when a is
 *    not 0 (NaN where d is 0), else d itself, as Rerun decodes them.
 * Other media types: RR_ERR_UNSUPPORTED; damaged data: RR_ERR_INVALID_DATA
 * naming what is wrong. */
rr_status_t rr_image_decode_depth(const uint8_t *data, size_t len, const char *media_type,
                                  rr_image_spec_t *spec, uint8_t **out, size_t *out_len,
                                  rr_error_t *err);

/* The raw value of channel c of pixel (x, y) as a double (for hover
 * readouts); false when outside the image or the buffer. */
bool rr_image_value_at(const rr_image_spec_t *s, const uint8_t *buf, size_t len, uint32_t x,
                       uint32_t y, int c, double *out);

#endif
