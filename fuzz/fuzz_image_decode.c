/* libFuzzer target for the viewer's image decoders (src/viewer/gfx/
 * image_decode.h): the bytes of Image, DepthImage, SegmentationImage,
 * EncodedImage and EncodedDepthImage components come from files and the
 * network. The first byte picks the decoder, the next bytes an ImageFormat
 * (small dimensions, so a run explores formats rather than allocates); the
 * rest is the buffer. Raw decoders get buffers of every length, short ones
 * included; PNG and JPEG go to stb_image behind our size checks. Any crash,
 * leak or sanitizer report is a bug; errors are fine. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "viewer/gfx/image_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t class_color(void *ctx, uint32_t id) {
    (void)ctx;
    return rr_auto_color((uint16_t)id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 6) return 0;
    rr_image_spec_t s = {
        .width = 1u + data[1] % 64u,
        .height = 1u + data[2] % 64u,
        .pixel_format = data[3] < 64 ? data[3] : 0,
        .color_model = data[4] % 8,
        .channel_datatype = data[5] % 40,
    };
    const uint8_t *buf = data + 6;
    size_t len = size - 6;
    rr_error_t err;
    uint8_t *out = NULL;
    switch (data[0] % 6) {
    case 0:
        if (rr_image_to_rgba(&s, buf, len, &out, &err) == RR_OK) free(out);
        break;
    case 1: {
        double range[2] = {0, 1 + data[1]}, used[2];
        if (rr_depth_to_rgba(&s, buf, len, data[2] % 13, (data[0] & 8) ? range : NULL, used, &out,
                             &err) == RR_OK)
            free(out);
        break;
    }
    case 2:
        if (rr_segmentation_to_rgba(&s, buf, len, class_color, NULL, &out, &err) == RR_OK) free(out);
        break;
    case 3: {
        int w, h;
        const char *mt = (data[1] & 3) == 0 ? "image/png" : (data[1] & 3) == 1 ? "image/jpeg" : NULL;
        if (rr_image_decode_encoded(buf, len, mt, &w, &h, &out, &err) == RR_OK) free(out);
        break;
    }
    case 4: {
        rr_image_spec_t got;
        size_t n;
        const char *mt = (data[1] & 3) == 0 ? "image/png" : (data[1] & 3) == 1 ? "application/rvl" : NULL;
        if (rr_image_decode_depth(buf, len, mt, &got, &out, &n, &err) == RR_OK)
            free(out);
        break;
    }
    default: {
        double v;
        for (uint32_t y = 0; y < s.height + 1; y += 7)
            for (uint32_t x = 0; x < s.width + 1; x += 5)
                for (int c = 0; c < 5; c++) (void)rr_image_value_at(&s, buf, len, x, y, c, &v);
        break;
    }
    }
    return 0;
}
