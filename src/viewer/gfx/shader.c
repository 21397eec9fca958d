/* See shader.h. */
#include "viewer/gfx/shader.h"

static rr_status_t compile(GLenum kind, const char *src, const char *what, GLuint *out,
                           rr_error_t *err) {
    GLuint s = glCreateShader(kind);
    glShaderSource(s, 1, &src, NULL);
    glCompileShader(s);
    GLint ok = 0;
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[1024] = {0};
        glGetShaderInfoLog(s, sizeof log, NULL, log);
        glDeleteShader(s);
        return rr_error_set(err, RR_ERR_INTERNAL, "gfx: %s %s shader: %s", what,
                            kind == GL_VERTEX_SHADER ? "vertex" : "fragment", log);
    }
    *out = s;
    return RR_OK;
}

rr_status_t rr_gfx_program_build(const char *vs, const char *fs, const char *what, GLuint *out,
                                 rr_error_t *err) {
    GLuint v = 0, f = 0;
    RR_TRY(compile(GL_VERTEX_SHADER, vs, what, &v, err));
    rr_status_t st = compile(GL_FRAGMENT_SHADER, fs, what, &f, err);
    if (st != RR_OK) {
        glDeleteShader(v);
        return st;
    }
    GLuint p = glCreateProgram();
    glAttachShader(p, v);
    glAttachShader(p, f);
    glLinkProgram(p);
    glDeleteShader(v);
    glDeleteShader(f);
    GLint ok = 0;
    glGetProgramiv(p, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[1024] = {0};
        glGetProgramInfoLog(p, sizeof log, NULL, log);
        glDeleteProgram(p);
        return rr_error_set(err, RR_ERR_INTERNAL, "gfx: linking the %s program: %s", what, log);
    }
    *out = p;
    return RR_OK;
}
