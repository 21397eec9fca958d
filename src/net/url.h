/* Rerun URLs as Rerun 0.33 reads them (crates/store/re_uri): the scheme
 * `rerun+http://` (plain gRPC), `rerun://` or `rerun+https://` (gRPC over
 * TLS), a host (name, IPv4 or [IPv6]), an optional port and an endpoint path:
 * /proxy (a message proxy: `rerun --serve-grpc` or a viewer), /catalog (also
 * an empty path), /entry/ID, /folder/NAME, /dataset/ID.
 *
 * Defaults follow Rerun: a local host (localhost, loopback, 0.0.0.0, ::)
 * without a port gets 9876 for /proxy URLs and 51234 otherwise; other hosts
 * get 443 (TLS) or 80. A URL without a scheme is taken as rerun+http when it
 * names localhost or 127.0.0.1, as rerun:// when it names rerun.io, and is an
 * error otherwise. "rerun http" / "rerun https" (a '+' a browser turned into
 * a space) read as the '+' forms. An unspecified host (0.0.0.0, ::) connects
 * to 127.0.0.1. */
#ifndef RR_NET_URL_H
#define RR_NET_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

#define RR_URL_DEFAULT_PROXY_PORT 9876
#define RR_URL_DEFAULT_REDAP_PORT 51234
/* What rr_connect_grpc uses when given no URL (Rerun's DEFAULT_CONNECT_URL). */
#define RR_URL_DEFAULT_CONNECT "rerun+http://127.0.0.1:9876/proxy"

typedef enum rr_url_endpoint {
    RR_URL_PROXY = 1,
    RR_URL_CATALOG,
    RR_URL_ENTRY,
    RR_URL_FOLDER,
    RR_URL_DATASET,
} rr_url_endpoint_t;

#define RR_URL_HOST_MAX 256
#define RR_URL_ARG_MAX 256

typedef struct rr_url {
    bool tls;                     /* rerun:// or rerun+https:// */
    char host[RR_URL_HOST_MAX];   /* as written; IPv6 without brackets, lower case */
    bool host_ipv6;
    uint16_t port;                /* always set (explicit or default) */
    rr_url_endpoint_t endpoint;
    char arg[RR_URL_ARG_MAX];     /* entry/dataset id or folder name (folder: percent-decoded) */
} rr_url_t;

/* Parses text into *out. Errors say what is wrong and quote the URL. */
rr_status_t rr_url_parse(const char *text, rr_url_t *out, rr_error_t *err);
/* rr_url_parse, then requires a /proxy endpoint (what the SDK connects to). */
rr_status_t rr_url_parse_proxy(const char *text, rr_url_t *out, rr_error_t *err);

/* The host to connect to: host, with 0.0.0.0 / :: replaced by 127.0.0.1. */
const char *rr_url_connect_host(const rr_url_t *url);
/* True when the host is local (localhost, loopback, unspecified). */
bool rr_url_is_local(const rr_url_t *url);

/* Canonical text, e.g. "rerun+http://127.0.0.1:9876/proxy" (TLS URLs print
 * as rerun://, as Rerun does). Returns the length snprintf would write. */
int rr_url_format(const rr_url_t *url, char *buf, size_t cap);

#endif
