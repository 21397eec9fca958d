/* Random-access .rrd reader (reader.h): footer first, then chunks on demand.
 * A chunk's record batch is read in place from a blob the body was read into. */
#include "rrd/reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arrow/array.h"
#include "arrow/schema.h"
#include "model/chunk.h"
#include "rrd/frames.h"


static rr_status_t mem_read_at(void *ctx, uint64_t offset, void *dst, size_t len, rr_error_t *err) {
    (void)err;
    memcpy(dst, (const uint8_t *)ctx + offset, len);
    return RR_OK;
}

void rr_rrd_source_mem(rr_rrd_source_t *src, const void *data, size_t len) {
    src->read_at = mem_read_at;
    src->ctx = (void *)data;
    src->size = len;
}

static rr_status_t fd_read_at(void *ctx, uint64_t offset, void *dst, size_t len, rr_error_t *err) {
    int fd = (int)(intptr_t)ctx;
    uint8_t *p = dst;
    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return rr_error_set(err, RR_ERR_IO, "offset %llu: read failed: %s",
                                       (unsigned long long)offset, strerror(errno));
        if (n == 0) return rr_error_set(err, RR_ERR_TRUNCATED, "offset %llu: file ends early",
                                        (unsigned long long)offset);
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return RR_OK;
}

rr_status_t rr_rrd_source_fd(rr_rrd_source_t *src, int fd, rr_error_t *err) {
    struct stat stt;
    if (fstat(fd, &stt) != 0) return rr_error_set(err, RR_ERR_IO, "fstat failed: %s", strerror(errno));
    src->read_at = fd_read_at;
    src->ctx = (void *)(intptr_t)fd;
    src->size = (uint64_t)stt.st_size;
    return RR_OK;
}

/* Reads [offset, offset+len) after checking it lies inside the source. */
static rr_status_t read_span(const rr_rrd_source_t *src, uint64_t offset, uint64_t len, void *dst,
                             const char *what, rr_error_t *err) {
    if (offset > src->size || len > src->size - offset)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "%s at bytes %llu+%llu lies outside the file (%llu bytes)", what,
                            (unsigned long long)offset, (unsigned long long)len,
                            (unsigned long long)src->size);
    return src->read_at(src->ctx, offset, dst, (size_t)len, err);
}

void rr_rrd_index_free(rr_rrd_index_t *idx) {
    if (!idx) return;
    for (size_t i = 0; i < idx->n_manifests; i++) rr_rrd_manifest_free(&idx->manifests[i]);
    free(idx->manifests);
    memset(idx, 0, sizeof *idx);
}

rr_status_t rr_rrd_index_read(const rr_rrd_source_t *src, rr_rrd_index_t *out, rr_error_t *err) {
    memset(out, 0, sizeof *out);
    if (src->size < RR_RRD_STREAM_HEADER_SIZE)
        return rr_error_set(err, RR_ERR_TRUNCATED, "file of %llu bytes is too small for an .rrd",
                            (unsigned long long)src->size);
    uint8_t hdr[RR_RRD_STREAM_HEADER_SIZE];
    rr_rrd_stream_header_t h;
    RR_TRY(read_span(src, 0, sizeof hdr, hdr, "stream header", err));
    RR_TRY(rr_rrd_stream_header_parse(hdr, 0, &h, err));
    uint64_t min_size = RR_RRD_STREAM_HEADER_SIZE + RR_RRD_MESSAGE_HEADER_SIZE + RR_RRD_STREAM_FOOTER_SIZE;
    if (src->size < min_size) return rr_error_set(err, RR_ERR_NOT_FOUND, "no stream footer");
    uint8_t tail[RR_RRD_STREAM_FOOTER_SIZE];
    uint64_t tail_at = src->size - RR_RRD_STREAM_FOOTER_SIZE;
    RR_TRY(read_span(src, tail_at, sizeof tail, tail, "stream footer", err));
    if (memcmp(tail + 20, "RRF2FOOT", 8) != 0)
        return rr_error_set(err, RR_ERR_NOT_FOUND, "no stream footer (the file does not end in RRF2FOOT)");
    rr_rrd_stream_footer_t sf;
    RR_TRY(rr_rrd_stream_footer_parse(tail, tail_at, &sf, err));
    /* The RrdFooter body ends where the stream footer begins. */
    if (sf.footer_len > tail_at - RR_RRD_STREAM_HEADER_SIZE - RR_RRD_MESSAGE_HEADER_SIZE)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "offset %llu: stream footer says the RrdFooter is %llu bytes, more than the file holds",
                            (unsigned long long)tail_at, (unsigned long long)sf.footer_len);
    uint64_t body_at = tail_at - sf.footer_len;
    if (sf.footer_start > body_at)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "offset %llu: stream footer says the RrdFooter starts at %llu, after where it ends",
                            (unsigned long long)tail_at, (unsigned long long)sf.footer_start);
    uint64_t base = body_at - sf.footer_start;
    if (base != 0) {
        RR_TRY(read_span(src, base, sizeof hdr, hdr, "stream header", err));
        rr_status_t st = rr_rrd_stream_header_parse(hdr, base, &h, err);
        if (st != RR_OK) return rr_error_wrap(st, err, "stream footer offsets lead to a bad stream start: ");
    }
    uint8_t mh[RR_RRD_MESSAGE_HEADER_SIZE];
    RR_TRY(read_span(src, body_at - RR_RRD_MESSAGE_HEADER_SIZE, sizeof mh, mh, "End message header", err));
    uint64_t kind, len;
    rr_rrd_message_header_read(mh, &kind, &len);
    if (kind != RR_RRD_KIND_END || len != sf.footer_len)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "offset %llu: expected an End message of %llu bytes before the stream footer",
                            (unsigned long long)(body_at - RR_RRD_MESSAGE_HEADER_SIZE),
                            (unsigned long long)sf.footer_len);
    uint8_t *body = malloc(sf.footer_len ? (size_t)sf.footer_len : 1);
    if (!body) return rr_error_set(err, RR_ERR_NOMEM, "RrdFooter: out of memory");
    rr_status_t st = read_span(src, body_at, sf.footer_len, body, "RrdFooter", err);
    if (st == RR_OK) {
        uint32_t crc = rr_rrd_footer_crc(body, (size_t)sf.footer_len);
        if (crc != sf.crc)
            st = rr_error_set(err, RR_ERR_INVALID_DATA,
                              "offset %llu: RrdFooter checksum mismatch (footer says %08x, bytes give %08x)",
                              (unsigned long long)body_at, sf.crc, crc);
    }
    rr_rrd_footer_msg_t footer;
    memset(&footer, 0, sizeof footer);
    if (st == RR_OK) st = rr_rrd_footer_decode(body, (size_t)sf.footer_len, &footer, err);
    free(body);
    if (st != RR_OK) return rr_error_wrap(st, err, "offset %llu: ", (unsigned long long)body_at);
    out->stream_start = base;
    memcpy(out->version, h.version, 4);
    if (footer.n_manifests) {
        out->manifests = calloc(footer.n_manifests, sizeof *out->manifests);
        if (!out->manifests) st = rr_error_set(err, RR_ERR_NOMEM, "RrdFooter: out of memory");
    }
    for (size_t i = 0; st == RR_OK && i < footer.n_manifests; i++) {
        st = rr_rrd_manifest_read(&footer.manifests[i], &out->manifests[i], err);
        if (st == RR_OK) out->n_manifests = i + 1;
        else st = rr_error_wrap(st, err, "manifest %zu: ", i);
    }
    rr_rrd_footer_free(&footer);
    if (st != RR_OK) rr_rrd_index_free(out);
    return st;
}

/* Checks the frame header before a chunk's body; *len gets the body length. */
static rr_status_t chunk_frame(const rr_rrd_source_t *src, const rr_rrd_index_t *idx,
                               const rr_rrd_manifest_entry_t *e, uint64_t *at, uint64_t *len,
                               rr_error_t *err) {
    *at = idx->stream_start + e->byte_offset;
    if (*at < e->byte_offset || *at < RR_RRD_MESSAGE_HEADER_SIZE)
        return rr_error_set(err, RR_ERR_INVALID_DATA, "chunk offset %llu is out of range",
                            (unsigned long long)e->byte_offset);
    uint8_t mh[RR_RRD_MESSAGE_HEADER_SIZE];
    RR_TRY(read_span(src, *at - RR_RRD_MESSAGE_HEADER_SIZE, sizeof mh, mh, "chunk message header", err));
    uint64_t kind;
    rr_rrd_message_header_read(mh, &kind, len);
    if (kind != RR_LOG_MSG_ARROW || *len != e->byte_size)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "offset %llu: manifest points at an ArrowMsg of %llu bytes, found kind %llu of %llu bytes",
                            (unsigned long long)(*at - RR_RRD_MESSAGE_HEADER_SIZE),
                            (unsigned long long)e->byte_size, (unsigned long long)kind,
                            (unsigned long long)*len);
    /* A body the file cannot hold is refused before memory is set aside for it. */
    if (*at > src->size || *len > src->size - *at)
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "chunk at bytes %llu+%llu lies outside the file (%llu bytes)",
                            (unsigned long long)*at, (unsigned long long)*len,
                            (unsigned long long)src->size);
    return RR_OK;
}

rr_status_t rr_rrd_index_read_msg(const rr_rrd_source_t *src, const rr_rrd_index_t *idx,
                                  const rr_rrd_manifest_entry_t *e, rr_arrow_msg_t *out,
                                  rr_error_t *err) {
    memset(out, 0, sizeof *out);
    uint64_t at, len;
    RR_TRY(chunk_frame(src, idx, e, &at, &len, err));
    uint8_t *body = malloc(len ? (size_t)len : 1);
    if (!body) return rr_error_set(err, RR_ERR_NOMEM, "chunk: out of memory");
    rr_status_t st = read_span(src, at, len, body, "chunk", err);
    rr_log_msg_t msg;
    if (st == RR_OK) st = rr_log_msg_decode(RR_LOG_MSG_ARROW, body, (size_t)len, &msg, err);
    free(body);
    if (st != RR_OK) return rr_error_wrap(st, err, "offset %llu: ", (unsigned long long)at);
    *out = msg.u.arrow;
    return RR_OK;
}

/* The chunk's body read into a blob of its own, placed so that its payload is
 * 64-byte aligned: the record batch is then read in place (one copy, by the
 * read itself, for an uncompressed payload). */
static rr_status_t read_body_blob(const rr_rrd_source_t *src, uint64_t at, uint64_t len,
                                  rr_arrow_blob_t **out, const uint8_t **body, rr_error_t *err) {
    uint8_t peek[1024];
    size_t n = len < sizeof peek ? (size_t)len : sizeof peek;
    size_t pay = 0;
    RR_TRY(read_span(src, at, n, peek, "chunk", err));
    if (!rr_arrow_msg_payload_offset(peek, n, &pay)) pay = 0;
    size_t pad = (RR_ALIGNMENT - pay % RR_ALIGNMENT) % RR_ALIGNMENT;
    rr_arrow_blob_t *b = rr_arrow_blob_new(pad + (size_t)len);
    if (!b) return rr_error_set(err, RR_ERR_NOMEM, "chunk: out of memory for %llu bytes",
                                (unsigned long long)len);
    uint8_t *p = (uint8_t *)b->data + pad;
    memcpy(p, peek, n);
    rr_status_t st = read_span(src, at + n, len - n, p + n, "chunk", err);
    if (st != RR_OK) {
        rr_arrow_blob_release(b);
        return st;
    }
    *out = b;
    *body = p;
    return RR_OK;
}

rr_status_t rr_rrd_index_read_batch(const rr_rrd_source_t *src, const rr_rrd_index_t *idx,
                                    const rr_rrd_manifest_entry_t *e, struct ArrowSchema *schema,
                                    struct ArrowArray *batch, rr_error_t *err) {
    memset(schema, 0, sizeof *schema);
    memset(batch, 0, sizeof *batch);
    uint64_t at, len;
    RR_TRY(chunk_frame(src, idx, e, &at, &len, err));
    rr_arrow_blob_t *blob = NULL;
    const uint8_t *body = NULL;
    rr_status_t st = read_body_blob(src, at, len, &blob, &body, err);
    if (st != RR_OK) return rr_error_wrap(st, err, "offset %llu: ", (unsigned long long)at);
    rr_arrow_msg_t a;
    st = rr_arrow_msg_decode_borrowed(body, (size_t)len, &a, err);
    if (st == RR_OK) {
        st = rr_rrd_payload_decode_blob(&a, blob, 0, schema, batch, err);
        rr_arrow_msg_free_borrowed(&a);
    }
    rr_arrow_blob_release(blob);
    if (st != RR_OK) return rr_error_wrap(st, err, "offset %llu: ", (unsigned long long)(idx->stream_start + e->byte_offset));
    rr_tuid_t id;
    if (!rr_chunk_id_from_schema(schema, &id) || rr_tuid_cmp(id, e->chunk_id) != 0) {
        rr_arrow_array_release(batch);
        rr_arrow_schema_release(schema);
        return rr_error_set(err, RR_ERR_INVALID_DATA,
                            "offset %llu: the chunk found there is not the one the manifest names",
                            (unsigned long long)(idx->stream_start + e->byte_offset));
    }
    return RR_OK;
}
