/* PNG writing and reading (png.h), per the PNG specification: signature,
 * IHDR, IDAT (zlib stream of filtered scanlines), IEND; CRC-32 over type and
 * data. Writes use filter 1 (Sub) on every row, which suits renders with
 * large flat areas. */
#include "viewer/gfx/png.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}
static uint32_t get_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int write_chunk(FILE *f, const char *type, const uint8_t *data, size_t len) {
    uint8_t hdr[8];
    put_be32(hdr, (uint32_t)len);
    memcpy(hdr + 4, type, 4);
    uLong crc = crc32(0, (const Bytef *)type, 4);
    if (len) crc = crc32(crc, data, (uInt)len);
    uint8_t tail[4];
    put_be32(tail, (uint32_t)crc);
    return fwrite(hdr, 1, 8, f) == 8 && (len == 0 || fwrite(data, 1, len, f) == len) &&
           fwrite(tail, 1, 4, f) == 4;
}

rr_status_t rr_png_write_rgba(const char *path, int width, int height, const uint8_t *rgba,
                              rr_error_t *err) {
    if (width < 1 || height < 1 || width > (1 << 15) || height > (1 << 15))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "png: bad size %dx%d", width, height);
    size_t stride = (size_t)width * 4, raw_len = (size_t)height * (stride + 1);
    uint8_t *raw = malloc(raw_len);
    uLongf z_len = compressBound((uLong)raw_len);
    uint8_t *z = malloc(z_len);
    if (!raw || !z) {
        free(raw);
        free(z);
        return rr_error_set(err, RR_ERR_NOMEM, "png: out of memory for %dx%d", width, height);
    }
    for (int y = 0; y < height; y++) {
        const uint8_t *src = rgba + (size_t)y * stride;
        uint8_t *dst = raw + (size_t)y * (stride + 1);
        dst[0] = 1; /* Sub */
        for (size_t i = 0; i < stride; i++) dst[1 + i] = (uint8_t)(src[i] - (i >= 4 ? src[i - 4] : 0));
    }
    rr_status_t st = RR_OK;
    if (compress2(z, &z_len, raw, (uLong)raw_len, 6) != Z_OK)
        st = rr_error_set(err, RR_ERR_INTERNAL, "png: zlib compression failed");
    FILE *f = st == RR_OK ? fopen(path, "wb") : NULL;
    if (st == RR_OK && !f) st = rr_error_set(err, RR_ERR_IO, "png: cannot create %s", path);
    if (st == RR_OK) {
        uint8_t ihdr[13];
        put_be32(ihdr, (uint32_t)width);
        put_be32(ihdr + 4, (uint32_t)height);
        ihdr[8] = 8;  /* bit depth */
        ihdr[9] = 6;  /* RGBA */
        ihdr[10] = ihdr[11] = ihdr[12] = 0;
        bool ok = fwrite(png_sig, 1, 8, f) == 8 && write_chunk(f, "IHDR", ihdr, 13) &&
                  write_chunk(f, "IDAT", z, z_len) && write_chunk(f, "IEND", NULL, 0);
        if (fclose(f) != 0) ok = false;
        if (!ok) st = rr_error_set(err, RR_ERR_IO, "png: writing %s failed", path);
    }
    free(raw);
    free(z);
    return st;
}

static int paeth(int a, int b, int c) {
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

rr_status_t rr_png_decode_rgba(const uint8_t *data, size_t len, int *width, int *height,
                               uint8_t **out, rr_error_t *err) {
    *out = NULL;
    if (len < 8 || memcmp(data, png_sig, 8))
        return rr_error_set(err, RR_ERR_INVALID_DATA, "png: no PNG signature");
    size_t pos = 8;
    uint32_t w = 0, h = 0;
    int channels = 0;
    bool have_ihdr = false, have_iend = false;
    uint8_t *idat = NULL;
    size_t idat_len = 0;
    rr_status_t st = RR_OK;
    while (st == RR_OK && !have_iend) {
        if (len - pos < 12) {
            st = rr_error_set(err, RR_ERR_TRUNCATED, "png: truncated chunk header at offset %zu", pos);
            break;
        }
        uint32_t clen = get_be32(data + pos);
        const uint8_t *type = data + pos + 4;
        if (clen > len - pos - 12) {
            st = rr_error_set(err, RR_ERR_TRUNCATED, "png: chunk of %u bytes at offset %zu runs past the end",
                              (unsigned)clen, pos);
            break;
        }
        const uint8_t *body = data + pos + 8;
        uLong crc = crc32(crc32(0, type, 4), body, clen);
        if ((uint32_t)crc != get_be32(body + clen)) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA, "png: CRC mismatch in chunk at offset %zu", pos);
            break;
        }
        if (!memcmp(type, "IHDR", 4)) {
            if (clen != 13) {
                st = rr_error_set(err, RR_ERR_INVALID_DATA, "png: IHDR of %u bytes", (unsigned)clen);
                break;
            }
            w = get_be32(body);
            h = get_be32(body + 4);
            if (body[8] != 8 || (body[9] != 6 && body[9] != 2) || body[12] != 0) {
                st = rr_error_set(err, RR_ERR_UNSUPPORTED,
                                  "png: only 8-bit RGB/RGBA non-interlaced (depth %d, colour type %d, interlace %d)",
                                  body[8], body[9], body[12]);
                break;
            }
            if (w < 1 || h < 1 || w > (1u << 15) || h > (1u << 15)) {
                st = rr_error_set(err, RR_ERR_UNSUPPORTED, "png: size %ux%u", (unsigned)w, (unsigned)h);
                break;
            }
            channels = body[9] == 6 ? 4 : 3;
            have_ihdr = true;
        } else if (!memcmp(type, "IDAT", 4)) {
            uint8_t *grown = realloc(idat, idat_len + clen + 1);
            if (!grown) {
                st = rr_error_set(err, RR_ERR_NOMEM, "png: out of memory");
                break;
            }
            idat = grown;
            memcpy(idat + idat_len, body, clen);
            idat_len += clen;
        } else if (!memcmp(type, "IEND", 4)) {
            have_iend = true;
        }
        pos += 12 + (size_t)clen;
    }
    if (st == RR_OK && (!have_ihdr || !idat))
        st = rr_error_set(err, RR_ERR_INVALID_DATA, "png: missing %s", have_ihdr ? "IDAT" : "IHDR");
    uint8_t *raw = NULL, *px = NULL;
    size_t stride = (size_t)w * (size_t)channels, raw_len = (size_t)h * (stride + 1);
    if (st == RR_OK) {
        raw = malloc(raw_len);
        px = malloc((size_t)w * h * 4);
        if (!raw || !px) st = rr_error_set(err, RR_ERR_NOMEM, "png: out of memory for %ux%u", w, h);
    }
    if (st == RR_OK) {
        uLongf got = (uLongf)raw_len;
        if (uncompress(raw, &got, idat, (uLong)idat_len) != Z_OK || got != raw_len)
            st = rr_error_set(err, RR_ERR_INVALID_DATA, "png: image data does not inflate to %zu bytes",
                              raw_len);
    }
    for (uint32_t y = 0; st == RR_OK && y < h; y++) {
        uint8_t *row = raw + (size_t)y * (stride + 1);
        const uint8_t *prev = y ? raw + (size_t)(y - 1) * (stride + 1) + 1 : NULL;
        uint8_t f = row[0];
        uint8_t *cur = row + 1;
        if (f > 4) {
            st = rr_error_set(err, RR_ERR_INVALID_DATA, "png: row %u has filter %d", (unsigned)y, f);
            break;
        }
        for (size_t i = 0; i < stride; i++) {
            int a = i >= (size_t)channels ? cur[i - channels] : 0;
            int b = prev ? prev[i] : 0;
            int c = prev && i >= (size_t)channels ? prev[i - channels] : 0;
            int add = f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : f == 4 ? paeth(a, b, c) : 0;
            cur[i] = (uint8_t)(cur[i] + add);
        }
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *d = px + ((size_t)y * w + x) * 4;
            const uint8_t *s = cur + (size_t)x * channels;
            d[0] = s[0], d[1] = s[1], d[2] = s[2], d[3] = channels == 4 ? s[3] : 255;
        }
    }
    free(raw);
    free(idat);
    if (st != RR_OK) {
        free(px);
        return st;
    }
    *width = (int)w;
    *height = (int)h;
    *out = px;
    return RR_OK;
}

rr_status_t rr_png_read_rgba(const char *path, int *width, int *height, uint8_t **out,
                             rr_error_t *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return rr_error_set(err, RR_ERR_IO, "png: cannot open %s", path);
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    rr_status_t st = RR_OK;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            uint8_t *g = cap <= (64u << 20) ? realloc(buf, cap) : NULL;
            if (!g) {
                st = rr_error_set(err, RR_ERR_NOMEM, "png: %s is too large", path);
                break;
            }
            buf = g;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        if (n == 0) break;
        len += n;
    }
    if (st == RR_OK && ferror(f)) st = rr_error_set(err, RR_ERR_IO, "png: reading %s failed", path);
    fclose(f);
    if (st == RR_OK) st = rr_png_decode_rgba(buf, len, width, height, out, err);
    if (st != RR_OK) rr_error_prefix(err, "%s: ", path);
    free(buf);
    return st;
}

void rr_image_compare(const uint8_t *a, const uint8_t *b, int width, int height, int threshold,
                      rr_image_diff_t *out) {
    size_t n = (size_t)width * (size_t)height, over = 0;
    uint64_t sum = 0;
    int maxd = 0;
    for (size_t i = 0; i < n; i++) {
        int m = 0;
        for (int c = 0; c < 3; c++) {
            int d = abs((int)a[i * 4 + c] - (int)b[i * 4 + c]);
            sum += (uint64_t)d;
            if (d > m) m = d;
        }
        if (m > maxd) maxd = m;
        if (m > threshold) over++;
    }
    out->max_channel_diff = maxd;
    out->frac_over = n ? (double)over / (double)n : 0;
    out->mean_abs = n ? (double)sum / (double)(n * 3) : 0;
}
