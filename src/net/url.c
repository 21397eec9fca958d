/* Rerun URL parsing (see url.h): the same forms, defaults and refusals as
 * Rerun 0.33's re_uri, with messages that quote the URL and say which part
 * is wrong. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/url.h"

#define URL_MAX 2048

static bool starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_hex(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i])) return false;
    return n > 0;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool rr_url_is_local(const rr_url_t *url) {
    if (url->host_ipv6) {
        struct in6_addr a;
        if (inet_pton(AF_INET6, url->host, &a) != 1) return false;
        return IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_UNSPECIFIED(&a);
    }
    if (!strcmp(url->host, "localhost")) return true;
    struct in_addr a;
    if (inet_pton(AF_INET, url->host, &a) != 1) return false;
    uint32_t ip = ntohl(a.s_addr);
    return (ip >> 24) == 127 || ip == 0;
}

const char *rr_url_connect_host(const rr_url_t *url) {
    if (!strcmp(url->host, "0.0.0.0") || (url->host_ipv6 && !strcmp(url->host, "::")))
        return "127.0.0.1";
    return url->host;
}

int rr_url_format(const rr_url_t *url, char *buf, size_t cap) {
    const char *scheme = url->tls ? "rerun" : "rerun+http";
    char host[RR_URL_HOST_MAX + 2];
    if (url->host_ipv6) snprintf(host, sizeof host, "[%s]", url->host);
    else snprintf(host, sizeof host, "%s", url->host);
    switch (url->endpoint) {
    case RR_URL_PROXY: return snprintf(buf, cap, "%s://%s:%u/proxy", scheme, host, url->port);
    case RR_URL_CATALOG: return snprintf(buf, cap, "%s://%s:%u/catalog", scheme, host, url->port);
    case RR_URL_ENTRY:
        return snprintf(buf, cap, "%s://%s:%u/entry/%s", scheme, host, url->port, url->arg);
    case RR_URL_FOLDER:
        return snprintf(buf, cap, "%s://%s:%u/folder/%s", scheme, host, url->port, url->arg);
    case RR_URL_DATASET:
        return snprintf(buf, cap, "%s://%s:%u/dataset/%s", scheme, host, url->port, url->arg);
    }
    return snprintf(buf, cap, "%s://%s:%u", scheme, host, url->port);
}

/* A TUID as text: 32 hex digits (128 bits). */
static rr_status_t parse_tuid_arg(const char *seg, size_t n, const char *what, const char *text,
                                  rr_url_t *out, rr_error_t *err) {
    if (n != 32 || !is_hex(seg, n))
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "URL '%s': %s id '%.*s' is not a TUID (32 hex digits)", text, what,
                            (int)(n > 64 ? 64 : n), seg);
    memcpy(out->arg, seg, n);
    out->arg[n] = 0;
    return RR_OK;
}

rr_status_t rr_url_parse(const char *text, rr_url_t *out, rr_error_t *err) {
    if (!out) return rr_error_set(err, RR_ERR_INVALID_ARG, "rr_url_parse: out is NULL");
    memset(out, 0, sizeof *out);
    if (!text || !text[0]) return rr_error_set(err, RR_ERR_INVALID_ARG, "URL is empty");
    size_t tl = strlen(text);
    if (tl >= URL_MAX)
        return rr_error_set(err, RR_ERR_INVALID_ARG, "URL of %zu characters is too long (limit %d)",
                            tl, URL_MAX - 1);
    for (size_t i = 0; i < tl; i++)
        if ((unsigned char)text[i] <= ' ' && !(text[i] == ' ' && starts_with(text, "rerun ")))
            return rr_error_set(err, RR_ERR_INVALID_ARG,
                                "URL '%s': control character or space at offset %zu", text, i);

    /* A '+' that went through a browser's query string comes back a space. */
    char buf[URL_MAX];
    memcpy(buf, text, tl + 1);
    if (starts_with(buf, "rerun http")) buf[5] = '+';
    if (strchr(buf, ' '))
        return rr_error_set(err, RR_ERR_INVALID_ARG, "URL '%s': space at offset %zu", text,
                            (size_t)(strchr(buf, ' ') - buf));

    const char *p;
    const char *sep = strstr(buf, "://");
    if (sep) {
        if (starts_with(buf, "rerun+http://")) {
            p = buf + strlen("rerun+http://");
        } else if (starts_with(buf, "rerun+https://")) {
            out->tls = true;
            p = buf + strlen("rerun+https://");
        } else if (starts_with(buf, "rerun://")) {
            out->tls = true;
            p = buf + strlen("rerun://");
        } else {
            return rr_error_set(err, RR_ERR_INVALID_ARG,
                                "URL '%s': scheme '%.*s://' is not a Rerun scheme (expected one "
                                "of rerun://, rerun+http://, rerun+https://)",
                                text, (int)(sep - buf > 32 ? 32 : sep - buf), buf);
        }
    } else if (strstr(buf, "localhost") || strstr(buf, "127.0.0.1")) {
        p = buf; /* a local address: plain gRPC, as Rerun guesses */
    } else if (strstr(buf, "rerun.io")) {
        out->tls = true;
        p = buf;
    } else {
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "URL '%s' has no scheme (expected one of rerun://, rerun+http://, "
                            "rerun+https://)",
                            text);
    }

    /* Authority: up to the path, query or fragment. */
    size_t alen = strcspn(p, "/?#");
    const char *auth = p;
    const char *rest = p + alen;
    if (alen == 0) return rr_error_set(err, RR_ERR_INVALID_ARG, "URL '%s' has no host", text);
    if (memchr(auth, '@', alen))
        return rr_error_set(err, RR_ERR_UNSUPPORTED,
                            "URL '%s': user names or passwords in the URL are not supported", text);

    const char *host = auth, *port_s = NULL;
    size_t hlen, plen = 0;
    if (auth[0] == '[') {
        const char *close = memchr(auth, ']', alen);
        if (!close)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "URL '%s': IPv6 host without a closing ']'",
                                text);
        host = auth + 1;
        hlen = (size_t)(close - host);
        const char *after = close + 1;
        if (after < auth + alen) {
            if (*after != ':')
                return rr_error_set(err, RR_ERR_INVALID_ARG,
                                    "URL '%s': unexpected '%c' after the IPv6 host", text, *after);
            port_s = after + 1;
            plen = (size_t)(auth + alen - port_s);
        }
        if (hlen == 0 || hlen >= RR_URL_HOST_MAX)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "URL '%s': empty or overlong IPv6 host",
                                text);
        memcpy(out->host, host, hlen);
        out->host[hlen] = 0;
        struct in6_addr a6;
        if (inet_pton(AF_INET6, out->host, &a6) != 1)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "URL '%s': '%s' is not an IPv6 address",
                                text, out->host);
        out->host_ipv6 = true;
    } else {
        const char *colon = memchr(auth, ':', alen);
        hlen = colon ? (size_t)(colon - auth) : alen;
        if (colon) {
            port_s = colon + 1;
            plen = (size_t)(auth + alen - port_s);
        }
        if (hlen == 0) return rr_error_set(err, RR_ERR_INVALID_ARG, "URL '%s' has no host", text);
        if (hlen >= RR_URL_HOST_MAX)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "URL '%s': host name is too long", text);
        bool numeric = true;
        for (size_t i = 0; i < hlen; i++) {
            char c = (char)tolower((unsigned char)host[i]);
            if (!(isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_'))
                return rr_error_set(err, RR_ERR_INVALID_ARG,
                                    "URL '%s': character '%c' is not allowed in a host name", text,
                                    host[i]);
            if (!(isdigit((unsigned char)c) || c == '.')) numeric = false;
            out->host[i] = c;
        }
        out->host[hlen] = 0;
        struct in_addr a4;
        if (numeric && inet_pton(AF_INET, out->host, &a4) != 1)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "URL '%s': '%s' is not an IPv4 address",
                                text, out->host);
    }

    if (port_s) {
        if (plen == 0)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "URL '%s': ':' without a port number",
                                text);
        unsigned long port = 0;
        for (size_t i = 0; i < plen; i++) {
            if (!isdigit((unsigned char)port_s[i]))
                return rr_error_set(err, RR_ERR_INVALID_ARG,
                                    "URL '%s': port '%.*s' is not a number", text, (int)plen,
                                    port_s);
            port = port * 10 + (unsigned long)(port_s[i] - '0');
            if (port > 65535)
                return rr_error_set(err, RR_ERR_INVALID_ARG,
                                    "URL '%s': port '%.*s' is out of range (1..65535)", text,
                                    (int)plen, port_s);
        }
        if (port == 0)
            return rr_error_set(err, RR_ERR_INVALID_ARG, "URL '%s': port 0 cannot be connected to",
                                text);
        out->port = (uint16_t)port;
    } else if (rr_url_is_local(out)) {
        /* Rerun's rule, literally: any "/proxy" in the URL picks the proxy port. */
        out->port = strstr(buf, "/proxy") ? RR_URL_DEFAULT_PROXY_PORT : RR_URL_DEFAULT_REDAP_PORT;
    } else {
        out->port = out->tls ? 443 : 80;
    }

    /* Path: the first two segments, empty ones (trailing slashes) dropped. */
    size_t path_len = strcspn(rest, "?#");
    const char *query = rest[path_len] == '?' ? rest + path_len + 1 : NULL;
    const char *seg[2];
    size_t seg_len[2];
    int nseg = 0;
    const char *q = rest;
    for (int taken = 0; taken < 2 && q < rest + path_len; taken++) {
        if (*q == '/') q++;
        size_t n = strcspn(q, "/?#");
        if (q + n > rest + path_len) n = (size_t)(rest + path_len - q);
        if (n > 0) {
            seg[nseg] = q;
            seg_len[nseg] = n;
            nseg++;
        }
        q += n;
    }
#define SEG_IS(i, s) (seg_len[i] == strlen(s) && !memcmp(seg[i], s, seg_len[i]))
    if (nseg == 0 || (nseg == 1 && SEG_IS(0, "catalog"))) {
        out->endpoint = RR_URL_CATALOG;
    } else if (nseg == 1 && SEG_IS(0, "proxy")) {
        out->endpoint = RR_URL_PROXY;
    } else if (nseg == 2 && SEG_IS(0, "entry")) {
        out->endpoint = RR_URL_ENTRY;
        RR_TRY(parse_tuid_arg(seg[1], seg_len[1], "entry", text, out, err));
    } else if (nseg == 2 && SEG_IS(0, "dataset")) {
        out->endpoint = RR_URL_DATASET;
        RR_TRY(parse_tuid_arg(seg[1], seg_len[1], "dataset", text, out, err));
        bool seg_id = query && (starts_with(query, "segment_id=") || strstr(query, "&segment_id="));
        bool part_id =
            query && (starts_with(query, "partition_id=") || strstr(query, "&partition_id="));
        if (seg_id && part_id)
            return rr_error_set(err, RR_ERR_INVALID_ARG,
                                "URL '%s': a dataset URL cannot have both ?segment_id and the "
                                "legacy ?partition_id",
                                text);
        if (!seg_id && !part_id)
            return rr_error_set(err, RR_ERR_INVALID_ARG,
                                "URL '%s': a dataset URL needs a ?segment_id query parameter", text);
    } else if (nseg == 2 && SEG_IS(0, "folder")) {
        out->endpoint = RR_URL_FOLDER;
        size_t o = 0;
        for (size_t i = 0; i < seg_len[1]; i++) {
            char c = seg[1][i];
            if (c == '%') {
                int hi = i + 2 < seg_len[1] ? hexval(seg[1][i + 1]) : -1;
                int lo = i + 2 < seg_len[1] ? hexval(seg[1][i + 2]) : -1;
                if (hi < 0 || lo < 0)
                    return rr_error_set(err, RR_ERR_INVALID_ARG,
                                        "URL '%s': bad percent escape in folder name at offset %zu",
                                        text, (size_t)(seg[1] + i - buf));
                c = (char)(hi << 4 | lo);
                i += 2;
            }
            if (c == 0)
                return rr_error_set(err, RR_ERR_INVALID_ARG, "URL '%s': NUL in folder name", text);
            if (o + 1 >= RR_URL_ARG_MAX)
                return rr_error_set(err, RR_ERR_INVALID_ARG, "URL '%s': folder name is too long",
                                    text);
            out->arg[o++] = c;
        }
        out->arg[o] = 0;
    } else {
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "URL '%s': unexpected endpoint '/%.*s' (expected /proxy, /catalog, "
                            "/entry/ID, /folder/NAME or /dataset/ID)",
                            text, (int)(seg_len[0] > 64 ? 64 : seg_len[0]), seg[0]);
    }
#undef SEG_IS
    return RR_OK;
}

rr_status_t rr_url_parse_proxy(const char *text, rr_url_t *out, rr_error_t *err) {
    RR_TRY(rr_url_parse(text, out, err));
    if (out->endpoint != RR_URL_PROXY)
        return rr_error_set(err, RR_ERR_INVALID_ARG,
                            "URL '%s' is not a message proxy URL: its path must be /proxy (e.g. %s)",
                            text, RR_URL_DEFAULT_CONNECT);
    return RR_OK;
}
