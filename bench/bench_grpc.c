/* The message proxy under load, on loopback: an in-process `--serve-grpc`
 * server (rr_grpc_server + rr_proxy, one loop thread), 8 writer threads each
 * streaming 100,000 WriteMessages (ArrowMsgs with a 1,000-byte payload, so
 * ~1.05 KiB LogMsgs; the proxy checks the protobuf, not the Arrow bytes) and
 * 8 reader threads on ReadMessages at once, each with its own connection
 * (src/net/client.h). Every reader must get every message, in order per
 * writer (each payload carries its writer and sequence number); the server's
 * history must stay under its memory limit (256 MiB: most of the 800 MB
 * passes through and is dropped from history, as it would in a long session).
 *
 * Figures: messages/s and MB/s through the proxy (writes in + reads out), and
 * the ratio to the same bytes through a raw loopback TCP socket in the same
 * run (one sender thread, one receiver thread, 256 KiB writes; median of 3).
 * Goal >= 0.5x.
 *
 * Env: BENCH_GRPC_MSGS (per writer, default 100000), BENCH_GRPC_REPEATS
 * (default 1; the median is reported). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "bench_util.h"
#include "model/log_msg.h"
#include "net/client.h"
#include "net/grpc.h"
#include "server/proxy.h"

#define N_WRITERS 8
#define N_READERS 8
#define PAYLOAD 1000
#define HISTORY_LIMIT (256ull << 20)
#define READER_BUFFER (128u << 20)
#define WRITER_WINDOW (4u << 20)

static const char *PROG = "bench_grpc";
static uint64_t g_msgs = 100000;

/* The message template and where its 8-byte (writer, seq) stamp goes. */
static rr_buf_t g_tmpl;
static size_t g_stamp_at;

static void build_template(void) {
    rr_error_t err = {0};
    rr_log_msg_t m;
    memset(&m, 0, sizeof m);
    m.kind = RR_LOG_MSG_ARROW;
    if (rr_store_id_init(&m.u.arrow.store_id, RR_STORE_KIND_RECORDING, "bench_grpc", "bench", &err) != RR_OK)
        bench_die(PROG, "store id", &err);
    m.u.arrow.compression = RR_PAYLOAD_COMPRESSION_NONE;
    m.u.arrow.encoding = RR_PAYLOAD_ENCODING_ARROW_IPC;
    m.u.arrow.payload = malloc(PAYLOAD);
    memset(m.u.arrow.payload, 0xab, PAYLOAD);
    memcpy(m.u.arrow.payload, "RRBENCH!", 8);
    m.u.arrow.payload_len = PAYLOAD;
    m.u.arrow.uncompressed_size = PAYLOAD;
    rr_buf_t inner = {0};
    if (rr_log_msg_encode_wrapped(&m, &inner, &err) != RR_OK) bench_die(PROG, "encode", &err);
    rr_log_msg_free(&m);
    /* WriteMessagesRequest { log_msg = 1 } */
    uint8_t hdr[11];
    size_t h = 0, v = inner.len;
    hdr[h++] = 0x0a;
    while (v >= 0x80) {
        hdr[h++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    hdr[h++] = (uint8_t)v;
    rr_buf_append(&g_tmpl, hdr, h);
    rr_buf_append(&g_tmpl, inner.data, inner.len);
    rr_buf_free(&inner);
    uint8_t *at = memmem(g_tmpl.data, g_tmpl.len, "RRBENCH!", 8);
    if (!at) bench_die(PROG, "template: no stamp", NULL);
    g_stamp_at = (size_t)(at - g_tmpl.data);
}

/* ---------------- server ---------------- */

typedef struct server {
    rr_grpc_server_t *srv;
    rr_proxy_t *proxy;
    pthread_t thread;
    rr_status_t run_st;
    rr_error_t run_err;
    atomic_uint readers; /* readers the proxy holds, sampled on the loop thread */
} server_t;

static void *server_main(void *ud) {
    server_t *s = ud;
    s->run_st = rr_grpc_server_run(s->srv, &s->run_err);
    return NULL;
}

static void sample_readers(void *ud) {
    server_t *s = ud;
    rr_proxy_stats_t st;
    rr_proxy_get_stats(s->proxy, &st);
    atomic_store(&s->readers, st.readers);
}

/* ---------------- writers and readers ---------------- */

typedef struct worker {
    int id;
    uint16_t port;
    server_t *server;
    /* reader results */
    uint64_t received;
    uint32_t next_seq[N_WRITERS];
    uint64_t out_of_order, bad;
    uint64_t bytes;
    char failure[RR_ERROR_MSG_MAX + 64];
    atomic_bool *go;
} worker_t;

static void *writer_main(void *ud) {
    worker_t *w = ud;
    rr_error_t err = {0};
    rr_grpc_client_t *c = NULL;
    rr_grpc_ccall_t *call = NULL;
    while (!atomic_load(w->go)) usleep(1000);
    if (rr_grpc_client_connect("127.0.0.1", w->port, NULL, &c, &err) != RR_OK ||
        rr_grpc_ccall_start(c, "/rerun.sdk_comms.v1alpha1.MessageProxyService/WriteMessages", NULL, NULL, &call,
                            &err) != RR_OK) {
        snprintf(w->failure, sizeof w->failure, "writer %d: %s", w->id, err.msg);
        rr_grpc_client_free(c);
        return NULL;
    }
    for (uint32_t seq = 0; seq < g_msgs;) {
        if (rr_grpc_ccall_pending_bytes(call) < WRITER_WINDOW) {
            rr_grpc_bytes_t *m = rr_grpc_bytes_alloc(g_tmpl.len);
            if (!m) bench_die(PROG, "out of memory", NULL);
            memcpy(m->data, g_tmpl.data, g_tmpl.len);
            uint32_t stamp[2] = {(uint32_t)w->id, seq};
            memcpy(m->data + g_stamp_at, stamp, 8);
            rr_status_t st = rr_grpc_ccall_send(call, m, &err);
            rr_grpc_bytes_unref(m);
            if (st != RR_OK) {
                snprintf(w->failure, sizeof w->failure, "writer %d send: %s", w->id, err.msg);
                break;
            }
            w->bytes += g_tmpl.len;
            seq++;
            if (seq % 64) continue;
        }
        if (rr_grpc_client_pump(c, seq % 64 ? 5 : 0, -1, &err) != RR_OK) {
            snprintf(w->failure, sizeof w->failure, "writer %d pump: %s", w->id, err.msg);
            break;
        }
    }
    if (!w->failure[0]) {
        rr_grpc_code_t code;
        if (rr_grpc_ccall_close_send(call, &err) != RR_OK || rr_grpc_ccall_wait(call, 600000, &code, &err) != RR_OK)
            snprintf(w->failure, sizeof w->failure, "writer %d end: %s", w->id, err.msg);
    }
    rr_grpc_ccall_free(call);
    rr_grpc_client_free(c);
    return NULL;
}

static rr_status_t on_read(void *ud, const uint8_t *data, size_t len, rr_error_t *err) {
    worker_t *r = ud;
    r->received++;
    r->bytes += len;
    if (len != g_tmpl.len) {
        r->bad++;
        return RR_OK;
    }
    uint32_t stamp[2];
    memcpy(stamp, data + g_stamp_at, 8);
    if (stamp[0] >= N_WRITERS) {
        r->bad++;
        return RR_OK;
    }
    if (stamp[1] != r->next_seq[stamp[0]]) r->out_of_order++;
    r->next_seq[stamp[0]] = stamp[1] + 1;
    return RR_OK;
}

static void *reader_main(void *ud) {
    worker_t *r = ud;
    rr_error_t err = {0};
    rr_grpc_client_t *c = NULL;
    rr_grpc_ccall_t *call = NULL;
    rr_grpc_bytes_t *empty = rr_grpc_bytes_alloc(0);
    if (rr_grpc_client_connect("127.0.0.1", r->port, NULL, &c, &err) != RR_OK ||
        rr_grpc_ccall_start(c, "/rerun.sdk_comms.v1alpha1.MessageProxyService/ReadMessages", on_read, r, &call,
                            &err) != RR_OK ||
        rr_grpc_ccall_send(call, empty, &err) != RR_OK || rr_grpc_ccall_close_send(call, &err) != RR_OK) {
        snprintf(r->failure, sizeof r->failure, "reader %d: %s", r->id, err.msg);
        goto done;
    }
    uint64_t want = g_msgs * N_WRITERS;
    double t_last = bench_now_s();
    uint64_t last = 0;
    while (r->received < want) {
        if (rr_grpc_client_pump(c, 50, -1, &err) != RR_OK) {
            snprintf(r->failure, sizeof r->failure, "reader %d pump: %s", r->id, err.msg);
            break;
        }
        if (rr_grpc_ccall_done(call)) {
            rr_grpc_code_t code;
            rr_grpc_ccall_result(call, &code, &err);
            snprintf(r->failure, sizeof r->failure, "reader %d ended after %llu messages: %s", r->id,
                     (unsigned long long)r->received, err.msg);
            break;
        }
        if (r->received != last) {
            last = r->received;
            t_last = bench_now_s();
        } else if (bench_now_s() - t_last > 60) {
            snprintf(r->failure, sizeof r->failure, "reader %d: nothing for 60 s after %llu messages", r->id,
                     (unsigned long long)r->received);
            break;
        }
    }
done:
    rr_grpc_bytes_unref(empty);
    rr_grpc_ccall_free(call);
    rr_grpc_client_free(c);
    return NULL;
}

typedef struct run_result {
    double secs;
    uint64_t bytes_in, bytes_out;
    rr_proxy_stats_t stats;
} run_result_t;

static run_result_t run_proxy(void) {
    rr_error_t err = {0};
    server_t s;
    memset(&s, 0, sizeof s);
    rr_proxy_config_t pcfg = {.memory_limit = HISTORY_LIMIT, .reader_backlog_bytes = READER_BUFFER / 2};
    rr_grpc_server_config_t scfg = {.port = 0, .max_pending_bytes_per_call = READER_BUFFER / 2};
    if (rr_proxy_new(&pcfg, &s.proxy, &err) != RR_OK || rr_grpc_server_new(&scfg, &s.srv, &err) != RR_OK ||
        rr_proxy_register(s.proxy, s.srv, &err) != RR_OK)
        bench_die(PROG, "server", &err);
    uint16_t port = rr_grpc_server_port(s.srv);
    pthread_create(&s.thread, NULL, server_main, &s);

    atomic_bool go = false;
    worker_t ws[N_WRITERS], rs[N_READERS];
    pthread_t wt[N_WRITERS], rt[N_READERS];
    for (int i = 0; i < N_READERS; i++) {
        memset(&rs[i], 0, sizeof rs[i]);
        rs[i].id = i;
        rs[i].port = port;
        rs[i].go = &go;
        pthread_create(&rt[i], NULL, reader_main, &rs[i]);
    }
    /* Writers start once the proxy holds all readers: every message is live. */
    for (int tries = 0; tries < 1000; tries++) {
        rr_grpc_server_post(s.srv, sample_readers, &s);
        usleep(10000);
        if (atomic_load(&s.readers) == N_READERS) break;
    }
    if (atomic_load(&s.readers) != N_READERS) bench_die(PROG, "readers did not connect", NULL);
    for (int i = 0; i < N_WRITERS; i++) {
        memset(&ws[i], 0, sizeof ws[i]);
        ws[i].id = i;
        ws[i].port = port;
        ws[i].go = &go;
        pthread_create(&wt[i], NULL, writer_main, &ws[i]);
    }
    double t0 = bench_now_s();
    atomic_store(&go, true);
    for (int i = 0; i < N_WRITERS; i++) pthread_join(wt[i], NULL);
    for (int i = 0; i < N_READERS; i++) pthread_join(rt[i], NULL);
    double secs = bench_now_s() - t0;
    rr_grpc_server_stop(s.srv);
    pthread_join(s.thread, NULL);
    if (s.run_st != RR_OK) bench_die(PROG, "server run", &s.run_err);

    run_result_t res = {.secs = secs};
    rr_proxy_get_stats(s.proxy, &res.stats);
    int failed = 0;
    for (int i = 0; i < N_WRITERS; i++) {
        if (ws[i].failure[0]) fprintf(stderr, "%s: %s\n", PROG, ws[i].failure), failed = 1;
        res.bytes_in += ws[i].bytes;
    }
    for (int i = 0; i < N_READERS; i++) {
        worker_t *r = &rs[i];
        if (r->failure[0]) fprintf(stderr, "%s: %s\n", PROG, r->failure), failed = 1;
        for (int w = 0; w < N_WRITERS; w++)
            if (r->next_seq[w] != g_msgs)
                fprintf(stderr, "%s: reader %d got writer %d up to %u of %llu\n", PROG, i, w, r->next_seq[w],
                        (unsigned long long)g_msgs),
                    failed = 1;
        if (r->received != g_msgs * N_WRITERS || r->out_of_order || r->bad) {
            fprintf(stderr, "%s: reader %d: %llu received, %llu out of order, %llu malformed\n", PROG, i,
                    (unsigned long long)r->received, (unsigned long long)r->out_of_order,
                    (unsigned long long)r->bad);
            failed = 1;
        }
        res.bytes_out += r->bytes;
    }
    if (res.stats.history_peak_bytes > HISTORY_LIMIT) {
        fprintf(stderr, "%s: history peaked at %llu bytes, over its limit %llu\n", PROG,
                (unsigned long long)res.stats.history_peak_bytes, (unsigned long long)HISTORY_LIMIT);
        failed = 1;
    }
    if (res.stats.readers_cut) {
        fprintf(stderr, "%s: %llu readers were cut as too slow\n", PROG, (unsigned long long)res.stats.readers_cut);
        failed = 1;
    }
    rr_grpc_server_free(s.srv);
    rr_proxy_free(s.proxy);
    if (failed) {
        fprintf(stderr, "%s: FAILED (messages lost, out of order, or memory over the limit)\n", PROG);
        exit(1);
    }
    return res;
}

/* ---------------- raw loopback TCP baseline ---------------- */

typedef struct tcp_job {
    int fd;
    uint64_t bytes;
} tcp_job_t;

static void *tcp_sink(void *ud) {
    tcp_job_t *j = ud;
    static __thread uint8_t buf[1 << 18];
    uint64_t got = 0;
    while (got < j->bytes) {
        ssize_t n = read(j->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (uint64_t)n;
    }
    j->bytes = got;
    return NULL;
}

static double raw_tcp(uint64_t bytes) {
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) ||
        getsockname(ls, (struct sockaddr *)&a, &al))
        bench_die(PROG, "tcp listen", NULL);
    int cs = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (cs < 0 || connect(cs, (struct sockaddr *)&a, sizeof a)) bench_die(PROG, "tcp connect", NULL);
    int ss = accept(ls, NULL, NULL);
    if (ss < 0) bench_die(PROG, "tcp accept", NULL);
    tcp_job_t j = {.fd = ss, .bytes = bytes};
    uint8_t *buf = malloc(1 << 18);
    memset(buf, 0x5a, 1 << 18);
    double t0 = bench_now_s();
    pthread_t t;
    pthread_create(&t, NULL, tcp_sink, &j);
    for (uint64_t sent = 0; sent < bytes;) {
        size_t n = bytes - sent < (1u << 18) ? (size_t)(bytes - sent) : (1u << 18);
        bench_write_all(cs, buf, n);
        sent += n;
    }
    pthread_join(t, NULL);
    double secs = bench_now_s() - t0;
    if (j.bytes != bytes) bench_die(PROG, "tcp baseline: short read", NULL);
    free(buf);
    close(cs);
    close(ss);
    close(ls);
    return secs;
}

int main(void) {
    const char *e = getenv("BENCH_GRPC_MSGS");
    if (e && atoll(e) > 0) g_msgs = (uint64_t)atoll(e);
    int repeats = 1;
    e = getenv("BENCH_GRPC_REPEATS");
    if (e && atoi(e) > 0) repeats = atoi(e);
    build_template();
    printf("%s: %d writers x %llu messages of %zu bytes (ArrowMsg, %d-byte payload), %d readers, history limit %llu MiB\n",
           PROG, N_WRITERS, (unsigned long long)g_msgs, g_tmpl.len, PAYLOAD, N_READERS,
           (unsigned long long)(HISTORY_LIMIT >> 20));

    double secs[16];
    if (repeats > 16) repeats = 16;
    run_result_t last = {0};
    for (int i = 0; i < repeats; i++) {
        last = run_proxy();
        secs[i] = last.secs;
    }
    double proxy_s = bench_median(secs, repeats);
    uint64_t total = last.bytes_in + last.bytes_out;
    double tcp[3];
    for (int i = 0; i < 3; i++) tcp[i] = raw_tcp(total);
    double tcp_s = bench_median(tcp, 3);
    double msgs = (double)g_msgs * N_WRITERS;
    printf("every reader got all %.0f messages in order per writer; history peak %.1f MiB (limit %llu MiB), "
           "%llu dropped from history, 0 readers cut\n",
           msgs, last.stats.history_peak_bytes / 1048576.0, (unsigned long long)(HISTORY_LIMIT >> 20),
           (unsigned long long)last.stats.dropped_messages);
    printf("proxy: %.2f s, %.0f messages/s written, %.0f messages/s delivered, %.1f MB/s in + %.1f MB/s out\n",
           proxy_s, msgs / proxy_s, msgs * N_READERS / proxy_s, last.bytes_in / proxy_s / 1e6,
           last.bytes_out / proxy_s / 1e6);
    printf("raw loopback TCP, same %.2f GB: %.2f s (%.1f MB/s)\n", total / 1e9, tcp_s, total / tcp_s / 1e6);
    bench_print_line("proxy in+out bytes", (double)total, proxy_s, total / tcp_s / 1e9, "raw loopback TCP", 0.5);
    rr_buf_free(&g_tmpl);
    return 0;
}
