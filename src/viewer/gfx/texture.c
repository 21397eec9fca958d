/* RGBA8 textures and the textured-quad program (texture.h). The quad needs
 * no vertex buffer: its four corners come from gl_VertexID and the
 * rectangle from a uniform, so an image costs one texture and one draw. */
#include "viewer/gfx/texture.h"

#include <stdlib.h>
#include <string.h>

#include "viewer/gfx/gl.h"
#include "viewer/gfx/shader.h"

struct rr_gfx_texture {
    GLuint id;
    int w, h;           /* the image's size */
    int up_w, up_h;     /* what was uploaded */
    bool opaque;        /* every alpha 255: drawn without blending at full opacity */
};

struct rr_gfx_quad_program {
    GLuint id, vao;
    GLint u_mvp, u_rect, u_opacity, u_tex;
};

static const char *quad_vs =
    "#version 300 es\n"
    "precision highp float;\n"
    "uniform mat4 u_mvp;\n"
    "uniform vec4 u_rect;\n"
    "out vec2 v_uv;\n"
    "void main() {\n"
    "  vec2 c = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));\n"
    "  v_uv = c;\n"
    "  gl_Position = u_mvp * vec4(mix(u_rect.xy, u_rect.zw, c), 0.0, 1.0);\n"
    "}\n";

static const char *quad_fs =
    "#version 300 es\n"
    "precision highp float;\n"
    "uniform sampler2D u_tex;\n"
    "uniform float u_opacity;\n"
    "in vec2 v_uv;\n"
    "out vec4 o_color;\n"
    "void main() {\n"
    "  vec4 c = texture(u_tex, v_uv);\n"
    "  o_color = vec4(c.rgb, c.a * u_opacity);\n"
    "}\n";

/* Averages factor x factor blocks (the last ones partial). */
static uint8_t *box_downscale(const uint8_t *src, int w, int h, int factor, int *ow, int *oh) {
    int nw = (w + factor - 1) / factor, nh = (h + factor - 1) / factor;
    uint8_t *dst = malloc((size_t)nw * (size_t)nh * 4);
    if (!dst) return NULL;
    for (int y = 0; y < nh; y++)
        for (int x = 0; x < nw; x++) {
            uint32_t acc[4] = {0, 0, 0, 0}, n = 0;
            for (int sy = y * factor; sy < h && sy < (y + 1) * factor; sy++)
                for (int sx = x * factor; sx < w && sx < (x + 1) * factor; sx++, n++) {
                    const uint8_t *p = src + ((size_t)sy * (size_t)w + (size_t)sx) * 4;
                    for (int k = 0; k < 4; k++) acc[k] += p[k];
                }
            uint8_t *d = dst + ((size_t)y * (size_t)nw + (size_t)x) * 4;
            for (int k = 0; k < 4; k++) d[k] = (uint8_t)((acc[k] + n / 2) / n);
        }
    *ow = nw, *oh = nh;
    return dst;
}

rr_status_t rr_gfx_texture_new(const uint8_t *rgba, int width, int height, bool nearest,
                               rr_gfx_texture_t **out, bool *downscaled, rr_error_t *err) {
    *out = NULL;
    if (downscaled) *downscaled = false;
    if (width < 1 || height < 1)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "gfx: texture of %dx%d", width, height);
    GLint max = 0;
    glGetIntegerv(GL_MAX_TEXTURE_SIZE, &max);
    if (max <= 0 || max > RR_GFX_TEXTURE_MAX_SIDE) max = RR_GFX_TEXTURE_MAX_SIDE;
    int side = width > height ? width : height;
    int factor = (side + max - 1) / max;
    const uint8_t *px = rgba;
    uint8_t *small = NULL;
    int uw = width, uh = height;
    if (factor > 1) {
        small = box_downscale(rgba, width, height, factor, &uw, &uh);
        if (!small)
            return rr_error_set(err, RR_ERR_NOMEM, "gfx: downscaling a %dx%d texture: out of memory",
                                width, height);
        px = small;
        if (downscaled) *downscaled = true;
    }
    rr_gfx_texture_t *t = calloc(1, sizeof *t);
    if (!t) {
        free(small);
        return rr_error_set(err, RR_ERR_NOMEM, "gfx: out of memory");
    }
    t->w = width, t->h = height, t->up_w = uw, t->up_h = uh;
    t->opaque = true;
    for (size_t i = 3, n = (size_t)uw * (size_t)uh * 4; i < n && t->opaque; i += 4) t->opaque = px[i] == 255;
    /* Errors raised before are not this upload's (a few flags at most). */
    for (int i = 0; i < 16 && glGetError() != GL_NO_ERROR; i++) {
    }
    glGenTextures(1, &t->id);
    glBindTexture(GL_TEXTURE_2D, t->id);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, uw, uh, 0, GL_RGBA, GL_UNSIGNED_BYTE, px);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, nearest ? GL_NEAREST : GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glBindTexture(GL_TEXTURE_2D, 0);
    free(small);
    GLenum e = glGetError();
    if (e != GL_NO_ERROR) {
        rr_gfx_texture_free(t);
        return rr_error_set(err, e == GL_OUT_OF_MEMORY ? RR_ERR_NOMEM : RR_ERR_INTERNAL,
                            "gfx: uploading a %dx%d texture: GL error 0x%x", uw, uh, (unsigned)e);
    }
    *out = t;
    return RR_OK;
}

void rr_gfx_texture_free(rr_gfx_texture_t *t) {
    if (!t) return;
    if (t->id) glDeleteTextures(1, &t->id);
    free(t);
}

int rr_gfx_texture_width(const rr_gfx_texture_t *t) { return t->w; }
int rr_gfx_texture_height(const rr_gfx_texture_t *t) { return t->h; }
size_t rr_gfx_texture_bytes(const rr_gfx_texture_t *t) { return (size_t)t->up_w * (size_t)t->up_h * 4; }

uint32_t rr_gfx_texture_gl(const rr_gfx_texture_t *t) { return t ? (uint32_t)t->id : 0; }

void rr_gfx_texture_set_nearest(rr_gfx_texture_t *t, bool nearest) {
    glBindTexture(GL_TEXTURE_2D, t->id);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, nearest ? GL_NEAREST : GL_LINEAR);
    glBindTexture(GL_TEXTURE_2D, 0);
}

rr_status_t rr_gfx_quad_program_new(rr_gfx_quad_program_t **out, rr_error_t *err) {
    *out = NULL;
    rr_gfx_quad_program_t *p = calloc(1, sizeof *p);
    if (!p) return rr_error_set(err, RR_ERR_NOMEM, "gfx: out of memory");
    rr_status_t st = rr_gfx_program_build(quad_vs, quad_fs, "textured quad", &p->id, err);
    if (st != RR_OK) {
        free(p);
        return st;
    }
    p->u_mvp = glGetUniformLocation(p->id, "u_mvp");
    p->u_rect = glGetUniformLocation(p->id, "u_rect");
    p->u_opacity = glGetUniformLocation(p->id, "u_opacity");
    p->u_tex = glGetUniformLocation(p->id, "u_tex");
    /* WebGL 2 and core-style GLES want a vertex array bound to draw, even
     * one without attributes. */
    glGenVertexArrays(1, &p->vao);
    *out = p;
    return RR_OK;
}

void rr_gfx_quad_program_free(rr_gfx_quad_program_t *p) {
    if (!p) return;
    if (p->id) glDeleteProgram(p->id);
    if (p->vao) glDeleteVertexArrays(1, &p->vao);
    free(p);
}

void rr_gfx_quad_draw(rr_gfx_quad_program_t *p, const rr_gfx_texture_t *t, const rr_mat4_t *mvp,
                      float x0, float y0, float x1, float y1, float opacity) {
    if (!t || opacity <= 0) return;
    glUseProgram(p->id);
    glUniformMatrix4fv(p->u_mvp, 1, GL_FALSE, mvp->m);
    glUniform4f(p->u_rect, x0, y0, x1, y1);
    glUniform1f(p->u_opacity, opacity > 1 ? 1 : opacity);
    glUniform1i(p->u_tex, 0);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, t->id);
    /* Blending costs a software rasteriser dearly: only when it shows. */
    if (!t->opaque || opacity < 1) {
        glEnable(GL_BLEND);
        glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE);
    }
    glBindVertexArray(p->vao);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    glBindVertexArray(0);
    glDisable(GL_BLEND);
    glBindTexture(GL_TEXTURE_2D, 0);
}
