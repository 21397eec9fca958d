/* gRPC-web over HTTP/1.1 (grpc/doc/PROTOCOL-WEB.md) for browsers, on the
 * same port as HTTP/2: a small strict HTTP/1.1 request parser (bounded
 * headers, Content-Length or chunked bodies, keep-alive), CORS preflights,
 * and responses as a chunked stream of length-prefixed messages ending in a
 * trailer frame (flag 0x80, "grpc-status:N\r\n..."). The -text content types
 * carry base64 both ways: the request may be several padded base64 pieces
 * concatenated, the response encodes each chunk on its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "net/server_internal.h"

#define MAX_HEADERS 100
#define MAX_BACKLOG (64u << 10)
#define DEFAULT_ALLOW_HEADERS                                                                      \
    "content-type, x-grpc-web, x-user-agent, grpc-timeout, grpc-encoding, grpc-accept-encoding, "  \
    "authorization"

typedef struct hfield {
    const char *name, *value;
    size_t nlen, vlen;
} hfield_t;

static bool lower_eq(const char *s, size_t n, const char *lit) {
    size_t l = strlen(lit);
    if (n != l) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch + 32);
        if (ch != lit[i]) return false;
    }
    return true;
}

static bool lower_prefix(const char *s, size_t n, const char *lit) {
    size_t l = strlen(lit);
    return n >= l && lower_eq(s, l, lit);
}

static bool is_tchar(unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static void out_str(rr_grpc_conn_t *c, const char *s) { rr_grpc_conn_out_copy(c, s, strlen(s)); }

static bool bad_request(rr_grpc_conn_t *c, const char *status, const char *why) {
    RR_LOG_DEBUG("grpc-web: %s: %s: %s", c->peer, status, why);
    char buf[256];
    snprintf(buf, sizeof buf,
             "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
    out_str(c, buf);
    c->web.discard = true;
    return false;
}

static void consume(rr_web_t *w, size_t n) {
    w->in_start += n;
    if (w->in_start == w->in_len) w->in_start = w->in_len = 0;
}

/* --- base64 ------------------------------------------------------------ */

static int b64_val(uint8_t ch) {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+' || ch == '-') return 62;
    if (ch == '/' || ch == '_') return 63;
    return -1;
}

/* Decodes request body bytes; quads may end in padding anywhere, since a
 * body is allowed to be several base64 messages concatenated. */
static void body_text(rr_grpc_call_t *call, rr_web_t *w, const uint8_t *p, size_t n) {
    uint8_t out[3072];
    size_t o = 0;
    for (size_t i = 0; i < n && !call->rx_done; i++) {
        w->b64[w->b64_n++] = p[i];
        if (w->b64_n < 4) continue;
        w->b64_n = 0;
        int v[4];
        for (int k = 0; k < 4; k++) v[k] = b64_val(w->b64[k]);
        size_t bytes;
        if (v[0] < 0 || v[1] < 0) {
            bytes = 0;
        } else if (w->b64[2] == '=' && w->b64[3] == '=') {
            bytes = 1;
            v[2] = v[3] = 0;
        } else if (v[2] >= 0 && w->b64[3] == '=') {
            bytes = 2;
            v[3] = 0;
        } else if (v[2] >= 0 && v[3] >= 0) {
            bytes = 3;
        } else {
            bytes = 0;
        }
        if (!bytes) {
            rr_grpc_call_fail(call, RR_GRPC_INTERNAL, "grpc-web-text body: invalid base64");
            return;
        }
        uint32_t q = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[o++] = (uint8_t)(q >> 16);
        if (bytes > 1) out[o++] = (uint8_t)(q >> 8);
        if (bytes > 2) out[o++] = (uint8_t)q;
        if (o + 3 > sizeof out) {
            rr_grpc_call_rx(call, out, o);
            o = 0;
        }
    }
    if (o && !call->rx_done) rr_grpc_call_rx(call, out, o);
}

/* base64 of a ‖ b into a new bytes object. */
static rr_grpc_bytes_t *b64_encode2(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = alen + blen;
    rr_grpc_bytes_t *out = rr_grpc_bytes_alloc((n + 2) / 3 * 4);
    if (!out) return NULL;
    uint8_t *o = out->data;
    size_t i = 0;
#define AT(k) ((k) < alen ? a[k] : b[(k) - alen])
    for (; i + 3 <= n; i += 3) {
        uint32_t q = (uint32_t)AT(i) << 16 | (uint32_t)AT(i + 1) << 8 | AT(i + 2);
        *o++ = (uint8_t)tab[q >> 18];
        *o++ = (uint8_t)tab[(q >> 12) & 63];
        *o++ = (uint8_t)tab[(q >> 6) & 63];
        *o++ = (uint8_t)tab[q & 63];
    }
    if (i < n) {
        uint32_t q = (uint32_t)AT(i) << 16 | (i + 1 < n ? (uint32_t)AT(i + 1) << 8 : 0);
        *o++ = (uint8_t)tab[q >> 18];
        *o++ = (uint8_t)tab[(q >> 12) & 63];
        *o++ = i + 1 < n ? (uint8_t)tab[(q >> 6) & 63] : '=';
        *o++ = '=';
    }
#undef AT
    return out;
}

/* --- request parsing --------------------------------------------------- */

static void body_bytes(rr_grpc_conn_t *c, const uint8_t *p, size_t n) {
    rr_web_t *w = &c->web;
    rr_grpc_call_t *call = w->call;
    if (!call || w->discard || call->rx_done) return;
    if (w->text) body_text(call, w, p, n);
    else rr_grpc_call_rx(call, p, n);
}

static void body_end(rr_grpc_conn_t *c) {
    rr_web_t *w = &c->web;
    w->st = RR_WEB_DONE;
    rr_grpc_call_t *call = w->call;
    if (!call || w->discard || call->rx_done) return;
    if (w->text && w->b64_n) {
        rr_grpc_call_fail(call, RR_GRPC_INTERNAL, "grpc-web-text body ends inside a base64 quantum");
        return;
    }
    rr_grpc_call_rx_end(call);
}

static void copy_field(char *dst, size_t cap, const char *v, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        if ((unsigned char)v[i] >= 0x20 && (unsigned char)v[i] < 0x7f) dst[k++] = v[i];
    dst[k] = 0;
}

static bool preflight(rr_grpc_conn_t *c, const hfield_t *h, size_t nh) {
    char acrh[1024] = DEFAULT_ALLOW_HEADERS;
    for (size_t i = 0; i < nh; i++)
        if (lower_eq(h[i].name, h[i].nlen, "access-control-request-headers") && h[i].vlen)
            copy_field(acrh, sizeof acrh, h[i].value, h[i].vlen);
    char buf[2048];
    snprintf(buf, sizeof buf,
             "HTTP/1.1 204 No Content\r\n"
             "Access-Control-Allow-Origin: %s\r\n"
             "Access-Control-Allow-Methods: POST, GET, OPTIONS\r\n"
             "Access-Control-Allow-Headers: %s\r\n"
             "Access-Control-Max-Age: 86400\r\n"
             "Vary: Origin\r\n"
             "%s\r\n",
             c->web.origin, acrh, c->web.keep_alive ? "" : "Connection: close\r\n");
    out_str(c, buf);
    return true;
}

static bool start_call(rr_grpc_conn_t *c, const char *target, size_t tlen, const hfield_t *h,
                       size_t nh) {
    rr_web_t *w = &c->web;
    rr_grpc_call_t *call = rr_grpc_call_new(c, 0, true);
    if (!call) return bad_request(c, "503 Service Unavailable", "out of memory");
    w->call = call;
    size_t plen = 0;
    while (plen < tlen && target[plen] != '?') plen++;
    if (rr_grpc_call_add_header(call, ":method", 7, "POST", 4) != RR_OK ||
        rr_grpc_call_add_header(call, ":path", 5, target, plen) != RR_OK)
        return bad_request(c, "431 Request Header Fields Too Large", "path too long");
    for (size_t i = 0; i < nh; i++)
        if (rr_grpc_call_add_header(call, h[i].name, h[i].nlen, h[i].value, h[i].vlen) != RR_OK)
            return bad_request(c, "431 Request Header Fields Too Large", "headers too large");
    char msg[256];
    rr_grpc_code_t code = rr_grpc_call_check_headers(call, msg, sizeof msg);
    if (code != RR_GRPC_OK) {
        rr_grpc_call_fail(call, code, "%s", msg);
        return true;
    }
    const rr_grpc_registered_t *m = rr_grpc_find_method(c->srv, target, plen);
    if (!m) {
        rr_grpc_call_fail(call, RR_GRPC_UNIMPLEMENTED, "unknown method %.*s",
                          (int)(plen > 200 ? 200 : plen), target);
        return true;
    }
    call->method = m;
    code = rr_grpc_call_open(call);
    if (code != RR_GRPC_OK) rr_grpc_call_fail(call, code, "%s refused the call", m->m.path);
    return true;
}

/* Request line and headers (without the blank line). False: answered and
 * the connection closes. */
static bool parse_head(rr_grpc_conn_t *c, const char *p, size_t n) {
    rr_web_t *w = &c->web;
    size_t eol = 0;
    while (eol + 1 < n && !(p[eol] == '\r' && p[eol + 1] == '\n')) eol++;
    if (eol + 1 >= n) eol = n; /* request line alone */
    /* method SP target SP HTTP/1.x */
    size_t i = 0;
    while (i < eol && is_tchar((unsigned char)p[i])) i++;
    size_t mlen = i;
    if (mlen == 0 || i >= eol || p[i] != ' ') return bad_request(c, "400 Bad Request", "request line");
    const char *target = p + ++i;
    while (i < eol && p[i] > ' ' && p[i] < 0x7f) i++;
    size_t tlen = (size_t)(p + i - target);
    if (tlen == 0 || i >= eol || p[i] != ' ') return bad_request(c, "400 Bad Request", "request target");
    i++;
    if (eol - i != 8 || memcmp(p + i, "HTTP/1.", 7) != 0 || (p[i + 7] != '1' && p[i + 7] != '0'))
        return bad_request(c, "505 HTTP Version Not Supported", "version");
    bool http10 = p[i + 7] == '0';

    hfield_t h[MAX_HEADERS];
    size_t nh = 0;
    size_t pos = eol + 2;
    while (pos < n) {
        size_t e = pos;
        while (e + 1 < n && !(p[e] == '\r' && p[e + 1] == '\n')) e++;
        if (e + 1 >= n) e = n;
        if (p[pos] == ' ' || p[pos] == '\t') return bad_request(c, "400 Bad Request", "folded header");
        size_t k = pos;
        while (k < e && is_tchar((unsigned char)p[k])) k++;
        if (k == pos || k >= e || p[k] != ':') return bad_request(c, "400 Bad Request", "header name");
        if (nh == MAX_HEADERS)
            return bad_request(c, "431 Request Header Fields Too Large", "too many headers");
        size_t vs = k + 1, ve = e;
        while (vs < ve && (p[vs] == ' ' || p[vs] == '\t')) vs++;
        while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t')) ve--;
        for (size_t j = vs; j < ve; j++)
            if (((unsigned char)p[j] < 0x20 && p[j] != '\t') || p[j] == 0x7f)
                return bad_request(c, "400 Bad Request", "header value");
        h[nh++] = (hfield_t){.name = p + pos, .nlen = k - pos, .value = p + vs, .vlen = ve - vs};
        pos = e + 2;
    }

    bool chunked = false, have_len = false, expect_continue = false;
    uint64_t clen = 0;
    const hfield_t *ct = NULL;
    w->keep_alive = !http10;
    snprintf(w->origin, sizeof w->origin, "*");
    for (size_t j = 0; j < nh; j++) {
        const hfield_t *f = &h[j];
        if (lower_eq(f->name, f->nlen, "content-length")) {
            uint64_t v = 0;
            if (f->vlen == 0 || f->vlen > 15) return bad_request(c, "400 Bad Request", "content-length");
            for (size_t q = 0; q < f->vlen; q++) {
                if (f->value[q] < '0' || f->value[q] > '9')
                    return bad_request(c, "400 Bad Request", "content-length");
                v = v * 10 + (uint64_t)(f->value[q] - '0');
            }
            if (have_len && v != clen) return bad_request(c, "400 Bad Request", "content-length twice");
            have_len = true;
            clen = v;
        } else if (lower_eq(f->name, f->nlen, "transfer-encoding")) {
            if (!lower_eq(f->value, f->vlen, "chunked"))
                return bad_request(c, "501 Not Implemented", "transfer-encoding");
            chunked = true;
        } else if (lower_eq(f->name, f->nlen, "connection")) {
            if (lower_eq(f->value, f->vlen, "close")) w->keep_alive = false;
            else if (lower_eq(f->value, f->vlen, "keep-alive")) w->keep_alive = true;
        } else if (lower_eq(f->name, f->nlen, "origin") && f->vlen) {
            copy_field(w->origin, sizeof w->origin, f->value, f->vlen);
        } else if (lower_eq(f->name, f->nlen, "content-type")) {
            ct = f;
        } else if (lower_eq(f->name, f->nlen, "expect") &&
                   lower_eq(f->value, f->vlen, "100-continue")) {
            expect_continue = true;
        }
    }
    if (chunked && have_len) return bad_request(c, "400 Bad Request", "both content-length and chunked");

    w->discard = false;
    w->text = false;
    w->b64_n = 0;
    w->call = NULL;
    if (mlen == 7 && memcmp(p, "OPTIONS", 7) == 0) {
        w->discard = true;
        preflight(c, h, nh);
        if (!w->keep_alive) return false;
    } else if (mlen == 4 && memcmp(p, "POST", 4) == 0) {
        if (!ct || !lower_prefix(ct->value, ct->vlen, "application/grpc-web"))
            return bad_request(c, "415 Unsupported Media Type", "content-type is not grpc-web");
        const char *rest = ct->value + 20;
        size_t rlen = ct->vlen - 20;
        if (lower_prefix(rest, rlen, "-text")) {
            w->text = true;
            rest += 5;
            rlen -= 5;
        }
        if (rlen && rest[0] != '+' && rest[0] != ';')
            return bad_request(c, "415 Unsupported Media Type", "content-type is not grpc-web");
        copy_field(w->content_type, sizeof w->content_type, ct->value, ct->vlen);
        if (!start_call(c, target, tlen, h, nh)) return false;
    } else {
        return bad_request(c, "405 Method Not Allowed", "method");
    }
    /* curl and others wait for this before sending a larger body. */
    if (expect_continue && (chunked || clen)) out_str(c, "HTTP/1.1 100 Continue\r\n\r\n");
    if (chunked) {
        w->st = RR_WEB_CHUNK_SIZE;
    } else if (have_len && clen) {
        w->st = RR_WEB_BODY_LEN;
        w->remaining = clen;
    } else {
        body_end(c);
    }
    return true;
}

static const uint8_t *find_crlf(const uint8_t *p, size_t n) {
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n') return p + i;
    return NULL;
}

static bool web_parse(rr_grpc_conn_t *c) {
    rr_web_t *w = &c->web;
    for (;;) {
        const uint8_t *p = w->in + w->in_start;
        size_t avail = w->in_len - w->in_start;
        switch (w->st) {
        case RR_WEB_HEAD: {
            if (!avail) return true;
            const uint8_t *end = NULL;
            size_t lim = avail < RR_GRPC_MAX_HEADER_BYTES + 4 ? avail : RR_GRPC_MAX_HEADER_BYTES + 4;
            for (size_t i = 0; i + 3 < lim; i++)
                if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
                    end = p + i;
                    break;
                }
            if (!end) {
                if (avail >= RR_GRPC_MAX_HEADER_BYTES + 4)
                    return bad_request(c, "431 Request Header Fields Too Large", "header block");
                return true;
            }
            size_t hl = (size_t)(end - p);
            if (!parse_head(c, (const char *)p, hl)) return false;
            consume(w, hl + 4);
            break;
        }
        case RR_WEB_BODY_LEN:
        case RR_WEB_CHUNK_DATA: {
            if (!avail) return true;
            size_t n = avail < w->remaining ? avail : (size_t)w->remaining;
            body_bytes(c, p, n);
            consume(w, n);
            w->remaining -= n;
            if (w->remaining == 0) {
                if (w->st == RR_WEB_BODY_LEN) body_end(c);
                else w->st = RR_WEB_CHUNK_CRLF;
            }
            break;
        }
        case RR_WEB_CHUNK_SIZE: {
            const uint8_t *e = find_crlf(p, avail < 1024 ? avail : 1024);
            if (!e) {
                if (avail >= 1024) return bad_request(c, "400 Bad Request", "chunk size line");
                return true;
            }
            size_t len = (size_t)(e - p), i = 0;
            uint64_t v = 0;
            for (; i < len; i++) {
                int d = p[i] >= '0' && p[i] <= '9'   ? p[i] - '0'
                        : p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
                        : p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10
                                                     : -1;
                if (d < 0) break;
                if (v >> 40) return bad_request(c, "400 Bad Request", "chunk size too large");
                v = v * 16 + (uint64_t)d;
            }
            if (i == 0 || (i < len && p[i] != ';' && p[i] != ' ' && p[i] != '\t'))
                return bad_request(c, "400 Bad Request", "chunk size");
            consume(w, len + 2);
            w->remaining = v;
            w->st = v ? RR_WEB_CHUNK_DATA : RR_WEB_CHUNK_TRAIL;
            break;
        }
        case RR_WEB_CHUNK_CRLF:
            if (avail < 2) return true;
            if (p[0] != '\r' || p[1] != '\n') return bad_request(c, "400 Bad Request", "chunk end");
            consume(w, 2);
            w->st = RR_WEB_CHUNK_SIZE;
            break;
        case RR_WEB_CHUNK_TRAIL: {
            const uint8_t *e = find_crlf(p, avail < 4096 ? avail : 4096);
            if (!e) {
                if (avail >= 4096) return bad_request(c, "400 Bad Request", "chunk trailer");
                return true;
            }
            consume(w, (size_t)(e - p) + 2);
            if (e == p) body_end(c);
            break;
        }
        case RR_WEB_DONE:
            /* Pipelined input waits for the response; a flood pauses reading. */
            if (avail > MAX_BACKLOG) rr_grpc_conn_set_epollin(c, false);
            return true;
        }
    }
}

bool rr_grpc_web_recv(rr_grpc_conn_t *c, const uint8_t *data, size_t len) {
    rr_web_t *w = &c->web;
    if (w->in_start && w->in_start == w->in_len) w->in_start = w->in_len = 0;
    if (w->in_len + len > w->in_cap) {
        if (w->in_start) {
            memmove(w->in, w->in + w->in_start, w->in_len - w->in_start);
            w->in_len -= w->in_start;
            w->in_start = 0;
        }
        if (w->in_len + len > w->in_cap) {
            size_t cap = w->in_cap ? w->in_cap : 4096;
            while (cap < w->in_len + len) cap *= 2;
            uint8_t *n = realloc(w->in, cap);
            if (!n) return false;
            w->in = n;
            w->in_cap = cap;
        }
    }
    memcpy(w->in + w->in_len, data, len);
    w->in_len += len;
    return web_parse(c);
}

/* --- responses --------------------------------------------------------- */

static void write_headers(rr_grpc_conn_t *c) {
    rr_web_t *w = &c->web;
    char buf[1024];
    snprintf(buf, sizeof buf,
             "HTTP/1.1 200 OK\r\n"
             "Content-Type: %s\r\n"
             "Transfer-Encoding: chunked\r\n"
             "Access-Control-Allow-Origin: %s\r\n"
             "Access-Control-Expose-Headers: grpc-status, grpc-message\r\n"
             "Vary: Origin\r\n"
             "%s\r\n",
             w->content_type[0] ? w->content_type
                                : (w->text ? "application/grpc-web-text+proto"
                                           : "application/grpc-web+proto"),
             w->origin, w->keep_alive ? "" : "Connection: close\r\n");
    out_str(c, buf);
}

/* One HTTP chunk holding prefix ‖ payload (base64 in text mode). */
static void write_frame(rr_grpc_conn_t *c, const uint8_t prefix[5], rr_grpc_bytes_t *payload,
                        const uint8_t *p, size_t len) {
    char head[32];
    if (c->web.text) {
        rr_grpc_bytes_t *b = b64_encode2(prefix, 5, p, len);
        if (!b) {
            c->close_after = true;
            return;
        }
        int hl = snprintf(head, sizeof head, "%zx\r\n", b->len);
        rr_grpc_conn_out_copy(c, head, (size_t)hl);
        rr_grpc_conn_out_ref(c, b, b->data, b->len);
        rr_grpc_bytes_unref(b);
    } else {
        int hl = snprintf(head, sizeof head, "%zx\r\n", len + 5);
        memcpy(head + hl, prefix, 5);
        rr_grpc_conn_out_copy(c, head, (size_t)hl + 5);
        if (payload) rr_grpc_conn_out_ref(c, payload, p, len);
        else rr_grpc_conn_out_copy(c, p, len);
    }
    rr_grpc_conn_out_copy(c, "\r\n", 2);
}

static void write_trailers(rr_grpc_conn_t *c, rr_grpc_call_t *call) {
    char body[700];
    int bl = snprintf(body, sizeof body, "grpc-status:%d\r\n", (int)call->code);
    if (call->message)
        bl += snprintf(body + bl, sizeof body - (size_t)bl, "grpc-message:%.600s\r\n", call->message);
    uint8_t prefix[5];
    rr_grpc_frame_header(prefix, (size_t)bl, false);
    prefix[0] = 0x80;
    write_frame(c, prefix, NULL, (const uint8_t *)body, (size_t)bl);
    out_str(c, "0\r\n\r\n");
}

bool rr_grpc_web_pump(rr_grpc_conn_t *c) {
    rr_web_t *w = &c->web;
    for (int guard = 0; guard < 64 && !c->dead; guard++) {
        rr_grpc_call_t *call = w->call;
        if (call) {
            if (!call->headers_sent && (call->q_count || call->finished)) {
                write_headers(c);
                call->headers_sent = true;
            }
            while (call->q_count && c->out_bytes < RR_GRPC_OUTQ_LIMIT) {
                rr_grpc_bytes_t *m = rr_grpc_call_pop_message(call);
                uint8_t prefix[5];
                rr_grpc_frame_header(prefix, m->len, false);
                write_frame(c, prefix, m, m->data, m->len);
                rr_grpc_bytes_unref(m);
            }
            if (call->finished && !call->q_count) {
                write_trailers(c, call);
                call->trailers_sent = true;
                w->call = NULL;
                rr_grpc_call_destroy(call, call->code);
                if (!w->keep_alive) {
                    c->close_after = true;
                    return true;
                }
            }
        }
        if (!w->call && w->st == RR_WEB_DONE && !c->close_after) {
            w->st = RR_WEB_HEAD;
            rr_grpc_conn_set_epollin(c, true);
            if (!web_parse(c)) {
                c->close_after = true;
                return true;
            }
            continue;
        }
        return true;
    }
    /* Many pipelined requests: the rest go in the next round. */
    rr_grpc_conn_mark_dirty(c);
    return true;
}

void rr_grpc_web_free(rr_grpc_conn_t *c) {
    free(c->web.in);
    c->web.in = NULL;
    c->web.in_start = c->web.in_len = c->web.in_cap = 0;
    c->web.call = NULL;
}
