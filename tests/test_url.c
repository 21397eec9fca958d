/* Rerun URL parsing (src/net/url.c): every form Rerun 0.33's re_uri takes,
 * its defaults (ports, schemes guessed for bare hosts), and the errors for
 * bad URLs, which must say what is wrong. */
#include <stdio.h>
#include <string.h>

#include "net/url.h"
#include "testutil.h"

static rr_url_t parse_ok(const char *text) {
    rr_url_t u;
    rr_error_t err;
    assert_rr_ok(rr_url_parse(text, &u, &err), &err);
    return u;
}

static void expect_url(const char *text, bool tls, const char *host, unsigned port,
                       rr_url_endpoint_t ep, const char *canonical) {
    rr_url_t u = parse_ok(text);
    if (u.tls != tls || strcmp(u.host, host) != 0 || u.port != port || u.endpoint != ep)
        fail_msg("'%s': got tls=%d host='%s' port=%u endpoint=%d", text, u.tls, u.host, u.port,
                 u.endpoint);
    char buf[600];
    rr_url_format(&u, buf, sizeof buf);
    if (canonical && strcmp(buf, canonical) != 0)
        fail_msg("'%s' formats as '%s', expected '%s'", text, buf, canonical);
}

static void expect_bad(const char *text, const char *needle) {
    rr_url_t u;
    rr_error_t err = {0};
    rr_status_t st = rr_url_parse(text, &u, &err);
    if (st == RR_OK) fail_msg("'%s' parsed, expected an error mentioning '%s'", text, needle);
    if (!strstr(err.msg, needle)) fail_msg("'%s': error '%s' does not mention '%s'", text, err.msg, needle);
}

static void test_proxy_forms(void **state) {
    (void)state;
    expect_url("rerun+http://127.0.0.1:9876/proxy", false, "127.0.0.1", 9876, RR_URL_PROXY,
               "rerun+http://127.0.0.1:9876/proxy");
    expect_url(RR_URL_DEFAULT_CONNECT, false, "127.0.0.1", 9876, RR_URL_PROXY, NULL);
    /* No port on a local host: the proxy port for /proxy URLs. */
    expect_url("rerun+http://localhost/proxy", false, "localhost", 9876, RR_URL_PROXY,
               "rerun+http://localhost:9876/proxy");
    expect_url("rerun+http://127.0.0.1:4321/proxy/", false, "127.0.0.1", 4321, RR_URL_PROXY, NULL);
    expect_url("rerun+http://[::1]:9000/proxy", false, "::1", 9000, RR_URL_PROXY,
               "rerun+http://[::1]:9000/proxy");
    expect_url("rerun+http://[::1]/proxy", false, "::1", 9876, RR_URL_PROXY, NULL);
    /* TLS schemes; remote hosts default to 443, and print as rerun://. */
    expect_url("rerun+https://example.com/proxy", true, "example.com", 443, RR_URL_PROXY,
               "rerun://example.com:443/proxy");
    expect_url("rerun://Example.COM:8443/proxy", true, "example.com", 8443, RR_URL_PROXY, NULL);
    /* rerun+http to a remote host without a port: 80. */
    expect_url("rerun+http://10.0.0.7/proxy", false, "10.0.0.7", 80, RR_URL_PROXY, NULL);
    /* A browser turned the '+' into a space. */
    expect_url("rerun http://127.0.0.1:9876/proxy", false, "127.0.0.1", 9876, RR_URL_PROXY, NULL);
    expect_url("rerun https://rerun.io/proxy", true, "rerun.io", 443, RR_URL_PROXY, NULL);
    /* No scheme: local names mean plain gRPC, rerun.io means TLS. */
    expect_url("127.0.0.1:9876/proxy", false, "127.0.0.1", 9876, RR_URL_PROXY, NULL);
    expect_url("localhost/proxy", false, "localhost", 9876, RR_URL_PROXY, NULL);
    expect_url("app.rerun.io/proxy", true, "app.rerun.io", 443, RR_URL_PROXY, NULL);
    /* Query and fragment do not change a proxy URL. */
    expect_url("rerun+http://127.0.0.1:1234/proxy?x=1#frag", false, "127.0.0.1", 1234, RR_URL_PROXY,
               NULL);
}

static void test_other_endpoints(void **state) {
    (void)state;
    /* An empty path is the catalog, with the data platform's default port. */
    expect_url("rerun+http://localhost", false, "localhost", 51234, RR_URL_CATALOG,
               "rerun+http://localhost:51234/catalog");
    expect_url("rerun+http://localhost/", false, "localhost", 51234, RR_URL_CATALOG, NULL);
    expect_url("rerun://rerun.io/catalog", true, "rerun.io", 443, RR_URL_CATALOG, NULL);
    const char *tuid = "1830b33b1c43f8a5ba7dba2bbf2c4a92";
    char text[200];
    snprintf(text, sizeof text, "rerun://host.example:51234/entry/%s", tuid);
    rr_url_t u = parse_ok(text);
    assert_int_equal(u.endpoint, RR_URL_ENTRY);
    assert_string_equal(u.arg, tuid);
    snprintf(text, sizeof text, "rerun://host.example/dataset/%s?segment_id=abc", tuid);
    u = parse_ok(text);
    assert_int_equal(u.endpoint, RR_URL_DATASET);
    snprintf(text, sizeof text, "rerun://host.example/dataset/%s?partition_id=abc", tuid);
    u = parse_ok(text);
    assert_int_equal(u.endpoint, RR_URL_DATASET);
    u = parse_ok("rerun://host.example/folder/robots%2Farm.v2");
    assert_int_equal(u.endpoint, RR_URL_FOLDER);
    assert_string_equal(u.arg, "robots/arm.v2");
}

static void test_connect_host(void **state) {
    (void)state;
    rr_url_t u = parse_ok("rerun+http://0.0.0.0:9876/proxy");
    assert_string_equal(rr_url_connect_host(&u), "127.0.0.1");
    assert_true(rr_url_is_local(&u));
    u = parse_ok("rerun+http://[::]:9876/proxy");
    assert_string_equal(rr_url_connect_host(&u), "127.0.0.1");
    u = parse_ok("rerun+http://127.0.0.5/proxy");
    assert_true(rr_url_is_local(&u));
    assert_int_equal(u.port, 9876);
    u = parse_ok("rerun+http://192.168.1.2:9876/proxy");
    assert_false(rr_url_is_local(&u));
    assert_string_equal(rr_url_connect_host(&u), "192.168.1.2");
}

static void test_bad_urls(void **state) {
    (void)state;
    expect_bad("", "empty");
    expect_bad("http://127.0.0.1:9876/proxy", "not a Rerun scheme");
    expect_bad("grpc://localhost/proxy", "not a Rerun scheme");
    expect_bad("example.com:9876/proxy", "no scheme");
    expect_bad("rerun+http:///proxy", "no host");
    expect_bad("rerun+http://:9876/proxy", "no host");
    expect_bad("rerun+http://127.0.0.1:/proxy", "without a port");
    expect_bad("rerun+http://127.0.0.1:98x6/proxy", "not a number");
    expect_bad("rerun+http://127.0.0.1:65536/proxy", "out of range");
    expect_bad("rerun+http://127.0.0.1:0/proxy", "port 0");
    expect_bad("rerun+http://300.1.1.1/proxy", "not an IPv4 address");
    expect_bad("rerun+http://[::1/proxy", "closing ']'");
    expect_bad("rerun+http://[zz::1]:1/proxy", "not an IPv6 address");
    expect_bad("rerun+http://[::1]x/proxy", "after the IPv6 host");
    expect_bad("rerun+http://user:pw@localhost/proxy", "not supported");
    expect_bad("rerun+http://local host/proxy", "space");
    expect_bad("rerun+http://bad!host/proxy", "not allowed in a host name");
    expect_bad("rerun+http://localhost/proxi", "unexpected endpoint '/proxi'");
    expect_bad("rerun+http://localhost/proxy/extra", "unexpected endpoint '/proxy'");
    expect_bad("rerun://host/entry/notatuid", "not a TUID");
    expect_bad("rerun://host/entry", "unexpected endpoint '/entry'");
    expect_bad("rerun://host/dataset/1830b33b1c43f8a5ba7dba2bbf2c4a92", "segment_id");
    expect_bad("rerun://host/dataset/1830b33b1c43f8a5ba7dba2bbf2c4a92?segment_id=a&partition_id=b",
               "both");
    expect_bad("rerun://host/folder/a%zz", "percent escape");
    expect_bad("rerun://host/folder/a%2", "percent escape");
    char longurl[3000];
    memset(longurl, 'a', sizeof longurl - 1);
    longurl[sizeof longurl - 1] = 0;
    expect_bad(longurl, "too long");

    /* The SDK wants a proxy. */
    rr_url_t u;
    rr_error_t err;
    assert_int_equal(rr_url_parse_proxy("rerun+http://localhost:9876/catalog", &u, &err),
                     RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "/proxy"));
    assert_rr_ok(rr_url_parse_proxy("rerun+http://localhost:9876/proxy", &u, &err), &err);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proxy_forms),
        cmocka_unit_test(test_other_endpoints),
        cmocka_unit_test(test_connect_host),
        cmocka_unit_test(test_bad_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
