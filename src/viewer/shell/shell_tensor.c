/* The tensor view, after Rerun's TensorView (re_view_tensor): the latest
 * Tensor of the view's entity as a 2D slice, its last two dimensions of
 * more than one element as height and width and every other at index 0,
 * coloured by Viridis (Rerun's default for tensors) over the value range
 * (logged, else the data's), drawn with nearest-neighbour magnification
 * and the slice's aspect. Rerun lets the user pick the dimensions and
 * slide through the others; this view does not yet. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/gfx/image_decode.h"
#include "viewer/gfx/texture.h"
#include "viewer/shell/shell_internal.h"
#include "viewer/views/cells.h"

#define TS_PAD 8.0f
#define TS_VIRIDIS 6

/* Builds v->tensor_tex from the tensor cell; a message instead on failure. */
static rr_status_t build(shell_view_t *v, const rr_store_row_t *rows, const bool *found, rr_error_t *err) {
    rr_cell_t c;
    double *vals = NULL;
    size_t n = 0, nd = 0;
    uint64_t prod = 0, dims[16];
    const char *why = "unreadable";
    if (!rr_cell_of(&rows[0], &c) || !rr_cell_tensor_values(&c, 0, &vals, &n, &prod, &why) ||
        !rr_cell_tensor_shape(&c, 0, dims, 16, &nd)) {
        snprintf(v->tensor_msg, sizeof v->tensor_msg, "Tensor:data: %s", why);
        free(vals);
        return RR_OK;
    }
    /* Height and width: the last two dimensions with more than one element. */
    size_t hi = nd, wi = nd;
    for (size_t d = nd < 16 ? nd : 16; d-- > 0;) {
        if (dims[d] <= 1) continue;
        if (wi == nd) wi = d;
        else if (hi == nd) hi = d;
    }
    uint64_t w = wi < nd ? dims[wi] : 1, h = hi < nd ? dims[hi] : 1;
    if (prod != n || w * h > n || w > RR_GFX_TEXTURE_MAX_SIDE * 4 || h > RR_GFX_TEXTURE_MAX_SIDE * 4) {
        snprintf(v->tensor_msg, sizeof v->tensor_msg, "Tensor:data: %zu values for its shape", n);
        free(vals);
        return RR_OK;
    }
    /* Row-major: element (y, x) of the slice at every other index 0. */
    uint64_t sw = 1, sh = 1;
    for (size_t d = nd; d-- > 0;) {
        if (d == wi) break;
        sw *= dims[d];
    }
    for (size_t d = nd; d-- > 0;) {
        if (d == hi) break;
        sh *= dims[d];
    }
    double lo = INFINITY, hv = -INFINITY, range[2];
    rr_cell_t rc;
    const uint8_t *rp;
    if (found[1] && rr_cell_of(&rows[1], &rc) && rc.len > 0 && (rp = rr_cell_fsl(&rc, 2, "g"))) {
        memcpy(range, rp, sizeof range);
        lo = range[0], hv = range[1];
    } else {
        for (size_t i = 0; i < n; i++)
            if (isfinite(vals[i])) lo = fmin(lo, vals[i]), hv = fmax(hv, vals[i]);
    }
    if (!(hv > lo)) hv = lo + 1;
    uint8_t *px = malloc((size_t)(w * h) * 4);
    if (!px) {
        free(vals);
        return rr_error_set(err, RR_ERR_NOMEM, "tensor view: out of memory");
    }
    for (uint64_t y = 0; y < h; y++)
        for (uint64_t x = 0; x < w; x++) {
            double val = vals[y * sh + x * sw];
            uint32_t col = isfinite(val) ? rr_colormap_rgba(TS_VIRIDIS, (float)fmin(fmax((val - lo) / (hv - lo), 0), 1))
                                         : 0x000000ffu;
            uint8_t *p = px + (y * w + x) * 4;
            p[0] = (uint8_t)(col >> 24), p[1] = (uint8_t)(col >> 16), p[2] = (uint8_t)(col >> 8), p[3] = 255;
        }
    free(vals);
    rr_status_t st = rr_gfx_texture_new(px, (int)w, (int)h, true, &v->tensor_tex, NULL, err);
    free(px);
    return st;
}

rr_status_t shell_tensor_frame(rr_shell_t *s, shell_view_t *v, rr_error_t *err) {
    rr_store_t *store = rr_app_active_store(s->app);
    static const char *const comps[2] = {"Tensor:data", "Tensor:value_range"};
    rr_store_row_t rows[2];
    bool found[2];
    const char *tl = rr_app_timeline(s->app);
    rr_store_query_latest_at(store, &v->origin, tl[0] ? tl : NULL, rr_app_time(s->app), comps, 2, rows, found);
    uint64_t key = found[0] ? rr_cell_row_key(&rows[0], true) * 31 + rr_cell_row_key(&rows[1], found[1]) : 0;
    if (key == v->tensor_key && (v->tensor_tex || v->tensor_msg[0] || !found[0])) return RR_OK;
    rr_gfx_texture_free(v->tensor_tex);
    v->tensor_tex = NULL;
    v->tensor_msg[0] = 0;
    v->tensor_key = key;
    v->drawables = 0;
    if (!found[0]) return RR_OK;
    RR_TRY(build(v, rows, found, err));
    v->drawables = v->tensor_tex != NULL;
    return RR_OK;
}

void shell_tensor_overlay(rr_shell_t *s, shell_view_t *v) {
    rr_ui_t *ui = s->ui;
    const rr_ui_theme_t *th = rr_ui_theme(ui);
    rr_ui_rect_t r = shell_view_clear(s, v);
    if (!v->tensor_tex) {
        const char *msg = v->tensor_msg[0] ? v->tensor_msg : "(empty)";
        rr_ui_draw_text(ui, r.x + TS_PAD, r.y + TS_PAD, msg, strlen(msg), th->text_subdued);
        return;
    }
    float w = (float)rr_gfx_texture_width(v->tensor_tex), h = (float)rr_gfx_texture_height(v->tensor_tex);
    float aw = r.w - 2 * TS_PAD, ah = r.h - 2 * TS_PAD;
    if (aw < 1 || ah < 1) return;
    float k = fminf(aw / w, ah / h);
    rr_ui_rect_t img = {r.x + (r.w - w * k) * 0.5f, r.y + (r.h - h * k) * 0.5f, w * k, h * k};
    rr_ui_image(ui, rr_gfx_texture_gl(v->tensor_tex), img, 0, 0, 1, 1);
}
