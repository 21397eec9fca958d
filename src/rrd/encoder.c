/* .rrd writer (encoder.h). Frames are assembled in a scratch buffer and
 * handed to the sink in one call, but for ArrowMsgs: their header and
 * protobuf fields go first, then the payload as it was encoded, in pieces
 * (a file descriptor gets the whole message in one writev, so the large
 * buffers of a chunk go from its arrays to the file without a copy, and a
 * crash still leaves whole messages behind). The manifest builders (one per
 * store that has chunks) record where each ArrowMsg body landed. */
#include "rrd/encoder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "arrow/array.h"
#include "arrow/schema.h"
#include "rrd/frames.h"
#include "rrd/manifest.h"

typedef struct store_manifest {
    rr_store_id_t store;
    rr_rrd_manifest_builder_t *builder;
} store_manifest_t;

struct rr_rrd_writer {
    rr_rrd_sink_fn sink;
    void *ctx;
    rr_rrd_writer_options_t opts;
    uint64_t written;
    rr_buf_t scratch;
    int fd;           /* the sink's file descriptor (writev), or -1 */
    rr_rrd_payload_gather_t g; /* the current ArrowMsg payload, buffers reused */
    bool footer_disabled;
    size_t n_manifests;
    store_manifest_t *manifests;
};

static rr_status_t buf_sink(void *ctx, const void *data, size_t len, rr_error_t *err) {
    if (rr_buf_append(ctx, data, len) != RR_OK)
        return rr_error_set(err, RR_ERR_NOMEM, "rrd writer: cannot grow the output buffer by %zu bytes", len);
    return RR_OK;
}

static rr_status_t file_sink(void *ctx, const void *data, size_t len, rr_error_t *err) {
    if (len && fwrite(data, 1, len, ctx) != len)
        return rr_error_set(err, RR_ERR_IO, "rrd writer: write failed: %s", strerror(errno));
    return RR_OK;
}

static rr_status_t fd_sink(void *ctx, const void *data, size_t len, rr_error_t *err) {
    int fd = (int)(intptr_t)ctx;
    const uint8_t *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return rr_error_set(err, RR_ERR_IO, "rrd writer: write failed: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    return RR_OK;
}

static rr_status_t emit(rr_rrd_writer_t *w, const void *data, size_t len, rr_error_t *err) {
    RR_TRY(w->sink(w->ctx, data, len, err));
    w->written += len;
    return RR_OK;
}

rr_status_t rr_rrd_writer_open(rr_rrd_sink_fn sink, void *ctx, const rr_rrd_writer_options_t *opts,
                               rr_rrd_writer_t **out, rr_error_t *err) {
    *out = NULL;
    rr_rrd_writer_t *w = calloc(1, sizeof *w);
    if (!w) return rr_error_set(err, RR_ERR_NOMEM, "rrd writer: out of memory");
    w->sink = sink;
    w->ctx = ctx;
    w->fd = sink == fd_sink ? (int)(intptr_t)ctx : -1;
    if (opts) w->opts = *opts;
    w->g.lz4_acceleration = w->opts.lz4_acceleration;
    w->g.lz4_strided = w->opts.lz4_strided;
    if (!(w->opts.version[0] | w->opts.version[1] | w->opts.version[2] | w->opts.version[3])) {
        const uint8_t v[4] = RR_CRATE_VERSION_0_33_0;
        memcpy(w->opts.version, v, 4);
    }
    rr_rrd_stream_header_t h;
    memcpy(h.version, w->opts.version, 4);
    h.compression = w->opts.no_compression ? RR_RRD_COMPRESSION_OFF : RR_RRD_COMPRESSION_LZ4;
    uint8_t hdr[RR_RRD_STREAM_HEADER_SIZE];
    rr_rrd_stream_header_write(&h, hdr);
    rr_status_t st = emit(w, hdr, sizeof hdr, err);
    if (st != RR_OK) {
        free(w);
        return st;
    }
    *out = w;
    return RR_OK;
}

rr_status_t rr_rrd_writer_open_buf(rr_buf_t *buf, const rr_rrd_writer_options_t *opts,
                                   rr_rrd_writer_t **out, rr_error_t *err) {
    return rr_rrd_writer_open(buf_sink, buf, opts, out, err);
}
rr_status_t rr_rrd_writer_open_file(FILE *f, const rr_rrd_writer_options_t *opts,
                                    rr_rrd_writer_t **out, rr_error_t *err) {
    return rr_rrd_writer_open(file_sink, f, opts, out, err);
}
rr_status_t rr_rrd_writer_open_fd(int fd, const rr_rrd_writer_options_t *opts,
                                  rr_rrd_writer_t **out, rr_error_t *err) {
    return rr_rrd_writer_open(fd_sink, (void *)(intptr_t)fd, opts, out, err);
}

uint64_t rr_rrd_writer_bytes_written(const rr_rrd_writer_t *w) { return w->written; }

/* Frames the protobuf body now in w->scratch (after 16 reserved bytes). */
static rr_status_t emit_framed(rr_rrd_writer_t *w, uint64_t kind, rr_error_t *err) {
    uint64_t body_len = w->scratch.len - RR_RRD_MESSAGE_HEADER_SIZE;
    rr_rrd_message_header_write(kind, body_len, w->scratch.data);
    return emit(w, w->scratch.data, w->scratch.len, err);
}

static rr_status_t start_scratch(rr_rrd_writer_t *w, rr_error_t *err) {
    w->scratch.len = 0;
    if (rr_buf_append_zeros(&w->scratch, RR_RRD_MESSAGE_HEADER_SIZE) != RR_OK)
        return rr_error_set(err, RR_ERR_NOMEM, "rrd writer: out of memory");
    return RR_OK;
}

rr_status_t rr_rrd_writer_write_msg(rr_rrd_writer_t *w, const rr_log_msg_t *msg, rr_error_t *err) {
    RR_TRY(start_scratch(w, err));
    RR_TRY(rr_log_msg_encode(msg, &w->scratch, err));
    RR_TRY(emit_framed(w, (uint64_t)msg->kind, err));
    if (msg->kind == RR_LOG_MSG_ARROW) w->footer_disabled = true;
    return RR_OK;
}

rr_status_t rr_rrd_writer_set_store_info(rr_rrd_writer_t *w, const rr_store_info_t *info,
                                         rr_error_t *err) {
    rr_log_msg_t msg;
    memset(&msg, 0, sizeof msg);
    msg.kind = RR_LOG_MSG_SET_STORE_INFO;
    msg.u.set_store_info.row_id = rr_tuid_new();
    msg.u.set_store_info.info = *info; /* borrowed: only read by the encoder */
    rr_store_info_t *i = &msg.u.set_store_info.info;
    if (i->source_kind == RR_STORE_SOURCE_UNSPECIFIED) i->source_kind = RR_STORE_SOURCE_C_SDK;
    if (!i->has_version) {
        i->has_version = true;
        memcpy(i->version, w->opts.version, 4);
    }
    RR_TRY(start_scratch(w, err));
    RR_TRY(rr_log_msg_encode(&msg, &w->scratch, err));
    return emit_framed(w, RR_LOG_MSG_SET_STORE_INFO, err);
}

static rr_rrd_manifest_builder_t *manifest_for(rr_rrd_writer_t *w, const rr_store_id_t *store,
                                               rr_error_t *err) {
    for (size_t i = 0; i < w->n_manifests; i++)
        if (rr_store_id_equal(&w->manifests[i].store, store)) return w->manifests[i].builder;
    store_manifest_t *grown = realloc(w->manifests, (w->n_manifests + 1) * sizeof *grown);
    if (!grown) {
        rr_error_set(err, RR_ERR_NOMEM, "rrd writer: out of memory");
        return NULL;
    }
    w->manifests = grown;
    store_manifest_t *m = &w->manifests[w->n_manifests];
    memset(m, 0, sizeof *m);
    if (rr_store_id_copy(&m->store, store, err) != RR_OK) return NULL;
    if (rr_rrd_manifest_builder_new(&m->builder, err) != RR_OK) {
        rr_store_id_free(&m->store);
        return NULL;
    }
    w->n_manifests++;
    return m->builder;
}

/* The ArrowMsg of a chunk, in two parts so a writer can send the payload
 * from where it was encoded: `head` gets the protobuf without the payload and
 * then field 5's tag and length (field order does not matter to protobuf
 * readers); g gets the payload's pieces. *a is filled (its store id
 * borrowed); schema and batch are the chunk's record batch (the pieces point
 * into it), left for the caller to release also on failure. */
static rr_status_t chunk_msg(const rr_store_id_t *store, const rr_chunk_t *chunk,
                             rr_rrd_lz4_policy_t policy, struct ArrowSchema *schema,
                             struct ArrowArray *batch, rr_arrow_msg_t *a, rr_buf_t *head,
                             rr_rrd_payload_gather_t *g, rr_error_t *err) {
    memset(schema, 0, sizeof *schema);
    memset(batch, 0, sizeof *batch);
    RR_TRY(rr_chunk_to_record_batch(chunk, schema, batch, err));
    rr_log_msg_t msg;
    memset(&msg, 0, sizeof msg);
    msg.kind = RR_LOG_MSG_ARROW;
    RR_TRY(rr_rrd_payload_encode_gather(schema, batch, policy, g, &msg.u.arrow, err));
    msg.u.arrow.store_id = *store;
    msg.u.arrow.has_chunk_id = true;
    msg.u.arrow.chunk_id = chunk->id;
    msg.u.arrow.has_is_static = true;
    msg.u.arrow.is_static = rr_chunk_is_static(chunk);
    size_t payload_len = msg.u.arrow.payload_len;
    uint8_t *payload = msg.u.arrow.payload;
    msg.u.arrow.payload_len = 0;
    msg.u.arrow.payload = NULL;
    RR_TRY(rr_log_msg_encode(&msg, head, err));
    msg.u.arrow.payload_len = payload_len;
    msg.u.arrow.payload = payload;
    *a = msg.u.arrow;
    uint8_t tag[11];
    size_t n = 0;
    tag[n++] = 0x2a; /* field 5, length-delimited */
    uint64_t v = payload_len;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        tag[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
    } while (v);
    if (rr_buf_append(head, tag, n) != RR_OK)
        return rr_error_set(err, RR_ERR_NOMEM, "rrd writer: out of memory");
    return RR_OK;
}

static rr_status_t wrap_chunk_error(rr_status_t st, const rr_chunk_t *chunk, rr_error_t *err) {
    return rr_error_wrap(st, err, "chunk %016llx%016llx: ", (unsigned long long)chunk->id.time_ns,
                         (unsigned long long)chunk->id.inc);
}

rr_status_t rr_rrd_chunk_body_encode(const rr_store_id_t *store, const rr_chunk_t *chunk,
                                     bool compress, rr_buf_t *out, rr_error_t *err) {
    rr_rrd_writer_options_t o = {.no_compression = !compress};
    return rr_rrd_chunk_body_encode_opts(store, chunk, &o, out, err);
}

rr_status_t rr_rrd_chunk_body_encode_opts(const rr_store_id_t *store, const rr_chunk_t *chunk,
                                          const rr_rrd_writer_options_t *opts, rr_buf_t *out,
                                          rr_error_t *err) {
    struct ArrowSchema schema = {0};
    struct ArrowArray batch = {0};
    rr_arrow_msg_t a;
    rr_rrd_payload_gather_t g = {0};
    bool compress = !opts || !opts->no_compression;
    if (opts) {
        g.lz4_acceleration = opts->lz4_acceleration;
        g.lz4_strided = opts->lz4_strided;
    }
    rr_status_t st = chunk_msg(store, chunk, compress ? RR_RRD_LZ4_WHEN_IT_PAYS : RR_RRD_LZ4_NEVER,
                               &schema, &batch, &a, out, &g, err);
    if (st == RR_OK && rr_buf_reserve(out, a.payload_len) != RR_OK)
        st = rr_error_set(err, RR_ERR_NOMEM, "rrd writer: out of memory");
    for (size_t i = 0; st == RR_OK && i < g.pieces.n; i++) {
        memcpy(out->data + out->len, g.pieces.items[i].ext, g.pieces.items[i].len);
        out->len += g.pieces.items[i].len;
    }
    rr_rrd_payload_gather_free(&g);
    rr_arrow_array_release(&batch);
    rr_arrow_schema_release(&schema);
    return st == RR_OK ? RR_OK : wrap_chunk_error(st, chunk, err);
}

/* head (frame header and protobuf fields) then the payload pieces: one
 * writev per IOV_MAX pieces for a file descriptor, else one sink call per
 * piece. */
static rr_status_t emit_pieces(rr_rrd_writer_t *w, const rr_buf_t *head,
                               const rr_rrd_payload_gather_t *g, rr_error_t *err) {
    if (w->fd < 0) {
        RR_TRY(emit(w, head->data, head->len, err));
        for (size_t i = 0; i < g->pieces.n; i++)
            RR_TRY(emit(w, g->pieces.items[i].ext, g->pieces.items[i].len, err));
        return RR_OK;
    }
    enum { MAX_IOV = 512 };
    struct iovec iov[MAX_IOV];
    size_t next = 0; /* the next piece to queue */
    bool head_done = false;
    while (!head_done || next < g->pieces.n) {
        int n = 0;
        if (!head_done) {
            iov[n++] = (struct iovec){head->data, head->len};
            head_done = true;
        }
        while (n < MAX_IOV && next < g->pieces.n) {
            const rr_arrow_ipc_piece_t *p = &g->pieces.items[next++];
            if (!p->len) continue;
            iov[n++] = (struct iovec){(void *)p->ext, p->len};
        }
        /* writev may write less than asked (signals, large writes): go on
         * from where it stopped. */
        struct iovec *v = iov;
        int left = n;
        while (left > 0) {
            ssize_t r = writev(w->fd, v, left);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0)
                return rr_error_set(err, RR_ERR_IO, "rrd writer: write failed: %s",
                                    r < 0 ? strerror(errno) : "no progress");
            w->written += (uint64_t)r;
            size_t done = (size_t)r;
            while (left > 0 && done >= v->iov_len) {
                done -= v->iov_len;
                v++;
                left--;
            }
            if (left > 0) {
                v->iov_base = (uint8_t *)v->iov_base + done;
                v->iov_len -= done;
            }
        }
    }
    return RR_OK;
}

rr_status_t rr_rrd_writer_write_chunk(rr_rrd_writer_t *w, const rr_store_id_t *store,
                                      const rr_chunk_t *chunk, rr_error_t *err) {
    struct ArrowSchema schema = {0};
    struct ArrowArray batch = {0};
    rr_arrow_msg_t a;
    rr_status_t st = start_scratch(w, err);
    if (st == RR_OK)
        st = chunk_msg(store, chunk,
                       w->opts.no_compression ? RR_RRD_LZ4_NEVER : RR_RRD_LZ4_WHEN_IT_PAYS,
                       &schema, &batch, &a, &w->scratch, &w->g, err);
    uint64_t body_offset = 0, body_len = 0;
    if (st == RR_OK) {
        body_offset = w->written + RR_RRD_MESSAGE_HEADER_SIZE;
        body_len = w->scratch.len - RR_RRD_MESSAGE_HEADER_SIZE + a.payload_len;
        rr_rrd_message_header_write(RR_LOG_MSG_ARROW, body_len, w->scratch.data);
        st = emit_pieces(w, &w->scratch, &w->g, err);
    }
    if (st == RR_OK && !w->opts.no_footer && !w->footer_disabled) {
        rr_rrd_manifest_builder_t *b = manifest_for(w, store, err);
        st = b ? rr_rrd_manifest_builder_add(b, chunk, &schema, body_offset, body_len,
                                             a.uncompressed_size, err)
               : (err ? err->code : RR_ERR_NOMEM);
    }
    rr_arrow_array_release(&batch);
    rr_arrow_schema_release(&schema);
    return st == RR_OK ? RR_OK : wrap_chunk_error(st, chunk, err);
}

static rr_status_t write_footer(rr_rrd_writer_t *w, rr_error_t *err) {
    rr_rrd_footer_msg_t footer;
    memset(&footer, 0, sizeof footer);
    rr_status_t st = RR_OK;
    if (w->n_manifests) {
        footer.manifests = calloc(w->n_manifests, sizeof *footer.manifests);
        if (!footer.manifests) return rr_error_set(err, RR_ERR_NOMEM, "rrd writer: out of memory");
    }
    for (size_t i = 0; st == RR_OK && i < w->n_manifests; i++) {
        st = rr_rrd_manifest_builder_finish(w->manifests[i].builder, &w->manifests[i].store,
                                            &footer.manifests[i], err);
        if (st == RR_OK) footer.n_manifests = i + 1;
    }
    if (st == RR_OK) st = start_scratch(w, err);
    if (st == RR_OK) st = rr_rrd_footer_encode(&footer, &w->scratch, err);
    rr_rrd_footer_free(&footer);
    if (st != RR_OK) return rr_error_wrap(st, err, "RrdFooter: ");
    uint64_t body_offset = w->written + RR_RRD_MESSAGE_HEADER_SIZE;
    uint64_t body_len = w->scratch.len - RR_RRD_MESSAGE_HEADER_SIZE;
    rr_rrd_stream_footer_t sf = {body_offset, body_len,
                                 rr_rrd_footer_crc(w->scratch.data + RR_RRD_MESSAGE_HEADER_SIZE,
                                                   (size_t)body_len)};
    uint8_t tail[RR_RRD_STREAM_FOOTER_SIZE];
    rr_rrd_stream_footer_write(&sf, tail);
    if (rr_buf_append(&w->scratch, tail, sizeof tail) != RR_OK)
        return rr_error_set(err, RR_ERR_NOMEM, "rrd writer: out of memory");
    rr_rrd_message_header_write(RR_RRD_KIND_END, body_len, w->scratch.data);
    return emit(w, w->scratch.data, w->scratch.len, err);
}

rr_status_t rr_rrd_writer_finish(rr_rrd_writer_t *w, rr_error_t *err) {
    rr_status_t st = RR_OK;
    if (!w->opts.no_footer && !w->footer_disabled) st = write_footer(w, err);
    rr_rrd_writer_free(w);
    return st;
}

void rr_rrd_writer_free(rr_rrd_writer_t *w) {
    if (!w) return;
    for (size_t i = 0; i < w->n_manifests; i++) {
        rr_store_id_free(&w->manifests[i].store);
        rr_rrd_manifest_builder_free(w->manifests[i].builder);
    }
    free(w->manifests);
    rr_buf_free(&w->scratch);
    rr_rrd_payload_gather_free(&w->g);
    free(w);
}
