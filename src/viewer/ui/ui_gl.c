/* The UI's GLES3 pass (ui_gl.h). Vertices are streamed each frame (the UI
 * is rebuilt every frame anyway); GLSL ES 3.00 so WebGL 2 takes it too. */
#include "viewer/ui/ui_gl.h"
#include "viewer/gfx/shader.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "viewer/gfx/gl.h"

struct rr_ui_gl {
    GLuint prog, vao, vbo, ibo, atlas;
    GLint u_screen, u_tex, u_alpha_tex;
    const rr_ui_font_t *font; /* whose atlas is uploaded */
    const uint8_t *atlas_px;
};

static const char *vs_src =
    "#version 300 es\n"
    "precision highp float;\n"
    "uniform vec2 u_screen;\n"
    "layout(location = 0) in vec2 a_pos;\n"
    "layout(location = 1) in vec2 a_uv;\n"
    "layout(location = 2) in vec4 a_color;\n"
    "out vec2 v_uv;\n"
    "out vec4 v_color;\n"
    "void main() {\n"
    "  v_uv = a_uv;\n"
    /* 0xRRGGBBAA stored little-endian arrives as (A, B, G, R). */
    "  v_color = a_color.wzyx;\n"
    "  gl_Position = vec4(a_pos.x / u_screen.x * 2.0 - 1.0, 1.0 - a_pos.y / u_screen.y * 2.0, 0.0, 1.0);\n"
    "}\n";

static const char *fs_src =
    "#version 300 es\n"
    "precision mediump float;\n"
    "uniform sampler2D u_tex;\n"
    "uniform bool u_alpha_tex;\n"
    "in vec2 v_uv;\n"
    "in vec4 v_color;\n"
    "out vec4 o_color;\n"
    "void main() {\n"
    "  vec4 t = texture(u_tex, v_uv);\n"
    "  o_color = u_alpha_tex ? vec4(v_color.rgb, v_color.a * t.r) : v_color * t;\n"
    "}\n";

rr_status_t rr_ui_gl_new(rr_ui_gl_t **out, rr_error_t *err) {
    *out = NULL;
    rr_ui_gl_t *g = calloc(1, sizeof *g);
    if (!g) return rr_error_set(err, RR_ERR_NOMEM, "ui_gl: out of memory");
    rr_status_t st = rr_gfx_program_build(vs_src, fs_src, "UI", &g->prog, err);
    if (st != RR_OK) {
        free(g);
        return st;
    }
    g->u_screen = glGetUniformLocation(g->prog, "u_screen");
    g->u_tex = glGetUniformLocation(g->prog, "u_tex");
    g->u_alpha_tex = glGetUniformLocation(g->prog, "u_alpha_tex");
    glGenVertexArrays(1, &g->vao);
    glGenBuffers(1, &g->vbo);
    glGenBuffers(1, &g->ibo);
    glBindVertexArray(g->vao);
    glBindBuffer(GL_ARRAY_BUFFER, g->vbo);
    glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, g->ibo);
    GLsizei stride = sizeof(rr_ui_vertex_t);
    glEnableVertexAttribArray(0);
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, stride, (void *)offsetof(rr_ui_vertex_t, x));
    glEnableVertexAttribArray(1);
    glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, stride, (void *)offsetof(rr_ui_vertex_t, u));
    glEnableVertexAttribArray(2);
    glVertexAttribPointer(2, 4, GL_UNSIGNED_BYTE, GL_TRUE, stride, (void *)offsetof(rr_ui_vertex_t, color));
    glBindVertexArray(0);
    glGenTextures(1, &g->atlas);
    GLenum e = glGetError();
    if (e != GL_NO_ERROR) {
        rr_ui_gl_free(g);
        return rr_error_set(err, RR_ERR_INTERNAL, "ui_gl: GL error 0x%x while setting up", (unsigned)e);
    }
    *out = g;
    return RR_OK;
}

void rr_ui_gl_free(rr_ui_gl_t *g) {
    if (!g) return;
    glDeleteTextures(1, &g->atlas);
    glDeleteBuffers(1, &g->vbo);
    glDeleteBuffers(1, &g->ibo);
    glDeleteVertexArrays(1, &g->vao);
    glDeleteProgram(g->prog);
    free(g);
}

static void upload_atlas(rr_ui_gl_t *g, const rr_ui_font_t *f) {
    int w, h;
    const uint8_t *px = rr_ui_font_atlas(f, &w, &h);
    if (g->font == f && g->atlas_px == px) return;
    glBindTexture(GL_TEXTURE_2D, g->atlas);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, w, h, 0, GL_RED, GL_UNSIGNED_BYTE, px);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    g->font = f;
    g->atlas_px = px;
}

rr_status_t rr_ui_gl_render(rr_ui_gl_t *g, const rr_ui_t *ui, int fb_w, int fb_h, rr_error_t *err) {
    rr_ui_draw_data_t dd;
    rr_ui_draw_data(ui, &dd);
    if (fb_w <= 0 || fb_h <= 0 || dd.width <= 0 || dd.height <= 0) return RR_OK;
    upload_atlas(g, rr_ui_font(ui));
    glViewport(0, 0, fb_w, fb_h);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    glEnable(GL_SCISSOR_TEST);
    glUseProgram(g->prog);
    glUniform2f(g->u_screen, dd.width, dd.height);
    glUniform1i(g->u_tex, 0);
    glActiveTexture(GL_TEXTURE0);
    glBindVertexArray(g->vao);
    /* Points to pixels of this framebuffer (it may differ from the UI's
     * scale when the host renders at another size). */
    float sx = (float)fb_w / dd.width, sy = (float)fb_h / dd.height;
    for (int l = 0; l < RR_UI_LAYER_COUNT; l++) {
        const rr_ui_draw_list_t *d = dd.lists[l];
        if (!d->n_idx) continue;
        glBindBuffer(GL_ARRAY_BUFFER, g->vbo);
        glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)(d->n_vtx * sizeof *d->vtx), d->vtx, GL_STREAM_DRAW);
        glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, g->ibo);
        glBufferData(GL_ELEMENT_ARRAY_BUFFER, (GLsizeiptr)(d->n_idx * sizeof *d->idx), d->idx, GL_STREAM_DRAW);
        for (size_t i = 0; i < d->n_cmds; i++) {
            const rr_ui_cmd_t *c = &d->cmds[i];
            if (!c->idx_count) continue;
            int x0 = (int)floorf(c->clip.x * sx), y0 = (int)floorf(c->clip.y * sy);
            int x1 = (int)ceilf((c->clip.x + c->clip.w) * sx), y1 = (int)ceilf((c->clip.y + c->clip.h) * sy);
            if (x1 <= x0 || y1 <= y0) continue;
            glScissor(x0, fb_h - y1, x1 - x0, y1 - y0);
            glBindTexture(GL_TEXTURE_2D, c->texture ? c->texture : g->atlas);
            glUniform1i(g->u_alpha_tex, c->texture == 0);
            glDrawElements(GL_TRIANGLES, (GLsizei)c->idx_count, GL_UNSIGNED_INT,
                           (void *)((size_t)c->idx_offset * sizeof(uint32_t)));
        }
    }
    glBindVertexArray(0);
    glDisable(GL_SCISSOR_TEST);
    glDisable(GL_BLEND);
    GLenum e = glGetError();
    if (e != GL_NO_ERROR)
        return rr_error_set(err, RR_ERR_INTERNAL, "ui_gl: GL error 0x%x while drawing the UI", (unsigned)e);
    return RR_OK;
}
