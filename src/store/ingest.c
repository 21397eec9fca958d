/* The store's fast way in for small ArrowMsgs: a live stream, or a file
 * written by a logger that flushes often, carries one 1-row chunk per
 * message, each an Arrow IPC stream of a schema message and one small
 * batch. Read the general way, every message parses its whole schema again
 * (types, field and schema metadata, a dozen allocations), builds arrays
 * with reference-counted buffers and then packs them into a chunk.
 *
 * Here the payload is decompressed into one reused buffer, and the schema
 * message is looked up by its bytes in a small per-store cache: messages
 * of one entity repeat the same schema but for the chunk id in the schema's
 * "rerun:id" metadata, so the key is the flatbuffer with that value's bytes
 * left out (the entry knows where they are). A hit gives the
 * schema parsed once, the batch plan (ipc_view.h) and the chunk plan
 * (chunk.h): the batch is read into stack-free view arrays pointing at the
 * buffer, validated with the sizes the message declares (every message,
 * as the general reader does), and packed into the chunk in one copy.
 *
 * The cached schema came from bytes equal to this message's everywhere
 * outside the chunk id's value, and the id is read from this message; a
 * crafted flatbuffer whose id value doubles as structure can at worst be
 * read as the other message's (valid, validated) schema, never past a
 * bound. Anything unusual goes the general way, which also words the
 * errors for damaged input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>

#include "arrow/array.h"
#include "arrow/fb_reader.h"
#include "arrow/ipc.h"
#include "arrow/ipc_format.h"
#include "arrow/ipc_view.h"
#include "arrow/schema.h"
#include "base/mem.h"
#include "rrd/frames.h"
#include "store/store.h"

/* Payloads above this go the general way: their chunks are too large to
 * pack (over 64 KiB of values, chunk.c), and reading them in place beats a
 * copy into the scratch buffer. The margin is for the schema; a payload
 * under it whose chunk still cannot be packed is decompressed twice. */
#define INGEST_MAX_PAYLOAD (80 * 1024)
#define INGEST_SLOTS 64

typedef struct ingest_entry {
    uint64_t used;
    uint8_t *key; /* the schema flatbuffer; the id's bytes are not compared */
    size_t key_len, id_off, id_len;
    struct ArrowSchema schema;
    rr_arrow_batch_plan_t bplan;
    rr_chunk_plan_t *cplan; /* NULL: this schema goes the general way */
} ingest_entry_t;

struct rr_store_chunk_decoder {
    ingest_entry_t *slots[INGEST_SLOTS];
    uint64_t tick;
    size_t last; /* the slot of the last hit, tried first */
    uint8_t *scratch;
    size_t scratch_cap;
    rr_arrow_batch_view_t view;
};

static void entry_free(ingest_entry_t *e) {
    if (!e) return;
    rr_chunk_plan_free(e->cplan);
    rr_arrow_schema_release(&e->schema);
    free(e->key);
    free(e);
}

void rr_store_chunk_decoder_free(rr_store_chunk_decoder_t *ing) {
    if (!ing) return;
    for (int i = 0; i < INGEST_SLOTS; i++) entry_free(ing->slots[i]);
    rr_free_aligned(ing->scratch);
    free(ing);
}

/* The bytes of the schema's "rerun:id" value inside fb (the Message
 * flatbuffer); false when there is none, or more than one. */
static bool find_id(const uint8_t *fb, size_t len, size_t *off, size_t *n) {
    rr_fb_table_t msg, schema;
    rr_fb_vector_t md;
    if (rr_fb_root(fb, len, "Message", &msg, NULL) != RR_OK ||
        rr_fb_field_table(&msg, RR_FB_MESSAGE_HEADER, "header", &schema, NULL) != RR_OK ||
        !rr_fb_table_present(&schema) ||
        rr_fb_field_vector(&schema, RR_FB_SCHEMA_CUSTOM_METADATA, 4, "md", &md, NULL) != RR_OK)
        return false;
    bool found = false;
    for (uint32_t i = 0; i < md.len; i++) {
        rr_fb_table_t kv;
        const char *k = NULL, *v = NULL;
        size_t kl = 0, vl = 0;
        if (rr_fb_vector_table(&md, i, "kv", &kv, NULL) != RR_OK ||
            rr_fb_field_string(&kv, RR_FB_KV_KEY, "key", &k, &kl, NULL) != RR_OK)
            return false;
        if (!k || kl != strlen(RR_META_CHUNK_ID) || memcmp(k, RR_META_CHUNK_ID, kl) != 0) continue;
        if (found || rr_fb_field_string(&kv, RR_FB_KV_VALUE, "value", &v, &vl, NULL) != RR_OK ||
            !v || (const uint8_t *)v < fb || (const uint8_t *)v + vl > fb + len)
            return false;
        found = true;
        *off = (size_t)((const uint8_t *)v - fb);
        *n = vl;
    }
    return found;
}

static bool key_equal(const ingest_entry_t *e, const uint8_t *fb, size_t len) {
    size_t off = e->id_off, n = e->id_len;
    return e->key_len == len && memcmp(e->key, fb, off) == 0 &&
           memcmp(e->key + off + n, fb + off + n, len - off - n) == 0;
}

/* A new entry for the schema of the stream in data, parsed the general
 * way. NULL with RR_OK when the stream's schema does not parse (the general
 * path will say why). */
static rr_status_t entry_new(const uint8_t *data, size_t len, const uint8_t *fb, size_t fb_len,
                             size_t off, size_t n, ingest_entry_t **out, rr_error_t *err) {
    *out = NULL;
    rr_arrow_blob_t *blob = rr_arrow_blob_wrap(data, len, NULL, NULL);
    if (!blob) return rr_error_set(err, RR_ERR_NOMEM, "store: out of memory (ingest)");
    rr_arrow_ipc_reader_t *r = NULL;
    rr_status_t st = rr_arrow_ipc_reader_open(blob, &r, NULL);
    rr_arrow_blob_release(blob);
    if (st != RR_OK) return RR_OK;
    ingest_entry_t *e = calloc(1, sizeof *e);
    if (e) e->key = malloc(fb_len ? fb_len : 1);
    if (!e || !e->key ||
        rr_arrow_schema_copy(rr_arrow_ipc_reader_schema(r), &e->schema, NULL) != RR_OK) {
        rr_arrow_ipc_reader_free(r);
        entry_free(e);
        return rr_error_set(err, RR_ERR_NOMEM, "store: out of memory (ingest)");
    }
    rr_arrow_ipc_reader_free(r);
    memcpy(e->key, fb, fb_len);
    e->key_len = fb_len;
    e->id_off = off;
    e->id_len = n;
    if (rr_arrow_batch_plan_init(&e->schema, &e->bplan)) {
        st = rr_chunk_plan_new(&e->schema, &e->cplan, err);
        if (st != RR_OK) {
            entry_free(e);
            return st;
        }
    }
    *out = e;
    return RR_OK;
}

/* The entry for the schema message fb, made when missing (the least
 * recently used one gives way). A stream has few schemas at a time (one
 * per entity and column set), so the lookup is a scan comparing lengths
 * and then bytes: no hash, and the chunk id's place is known from the
 * entry, so a hit reads no flatbuffer at all. NULL when the schema is not
 * for the fast path. */
static rr_status_t lookup(rr_store_chunk_decoder_t *ing, const uint8_t *data, size_t len,
                          const uint8_t *fb, size_t fb_len, ingest_entry_t **out,
                          rr_error_t *err) {
    *out = NULL;
    ing->tick++;
    ingest_entry_t *last = ing->slots[ing->last];
    if (last && key_equal(last, fb, fb_len)) {
        last->used = ing->tick;
        *out = last;
        return RR_OK;
    }
    size_t victim = 0;
    for (size_t i = 0; i < INGEST_SLOTS; i++) {
        ingest_entry_t *e = ing->slots[i];
        if (e && e->key_len == fb_len && key_equal(e, fb, fb_len)) {
            e->used = ing->tick;
            ing->last = i;
            *out = e;
            return RR_OK;
        }
        if (!e || (ing->slots[victim] && e->used < ing->slots[victim]->used)) victim = i;
    }
    size_t id_off = 0, id_len = 0;
    if (!find_id(fb, fb_len, &id_off, &id_len)) return RR_OK;
    ingest_entry_t *e = NULL;
    RR_TRY(entry_new(data, len, fb, fb_len, id_off, id_len, &e, err));
    if (!e) return RR_OK;
    entry_free(ing->slots[victim]);
    ing->slots[victim] = e;
    ing->last = victim;
    e->used = ing->tick;
    *out = e;
    return RR_OK;
}

rr_status_t rr_store_chunk_decoder_new(rr_store_chunk_decoder_t **out, rr_error_t *err) {
    *out = calloc(1, sizeof **out);
    if (!*out) return rr_error_set(err, RR_ERR_NOMEM, "store: out of memory (chunk decoder)");
    return RR_OK;
}

/* The chunk of msg the fast way: *out set, or NULL when msg is not for
 * this path (large, unusual or damaged: the general path takes it and
 * words any damage). RR_ERR_NOMEM only. */
static rr_status_t fast_chunk(rr_store_chunk_decoder_t *ing, const rr_arrow_msg_t *msg,
                              rr_chunk_t **out, rr_error_t *err) {
    *out = NULL;
    if (msg->encoding != RR_PAYLOAD_ENCODING_ARROW_IPC || !msg->payload) return RR_OK;
    bool lz4 = msg->compression == RR_PAYLOAD_COMPRESSION_LZ4;
    if (!lz4 && msg->compression != RR_PAYLOAD_COMPRESSION_NONE &&
        msg->compression != RR_PAYLOAD_COMPRESSION_UNSPECIFIED)
        return RR_OK;
    size_t len = lz4 ? (size_t)msg->uncompressed_size : msg->payload_len;
    if (len == 0 || len > INGEST_MAX_PAYLOAD || (lz4 && msg->payload_len > INGEST_MAX_PAYLOAD))
        return RR_OK;
    const uint8_t *data = msg->payload;
    if (lz4) {
        if (ing->scratch_cap < len) {
            size_t cap = len < 4096 ? 4096 : len;
            uint8_t *p = rr_alloc_aligned(cap);
            if (!p) return rr_error_set(err, RR_ERR_NOMEM, "store: out of memory (ingest)");
            rr_free_aligned(ing->scratch);
            ing->scratch = p;
            ing->scratch_cap = cap;
        }
        int got = LZ4_decompress_safe((const char *)msg->payload, (char *)ing->scratch,
                                      (int)msg->payload_len, (int)len);
        if (got < 0 || (size_t)got != len) return RR_OK;
        data = ing->scratch;
    }
    size_t fb_off = 0, fb_len = 0, next = 0;
    bool fits = false;
    if (rr_arrow_ipc_schema_span(data, len, &fb_off, &fb_len, &next, &fits, NULL) != RR_OK || !fits)
        return RR_OK;
    ingest_entry_t *e = NULL;
    RR_TRY(lookup(ing, data, len, data + fb_off, fb_len, &e, err));
    rr_tuid_t id;
    if (!e || !e->cplan ||
        !rr_chunk_id_parse((const char *)data + fb_off + e->id_off, e->id_len, &id))
        return RR_OK;
    if (rr_arrow_ipc_read_batch_view(data, len, next, &e->schema, &e->bplan, &ing->view, &fits,
                                     NULL) != RR_OK ||
        !fits)
        return RR_OK;
    rr_chunk_plan_build(e->cplan, id, &ing->view.root, out);
    return RR_OK;
}

rr_status_t rr_store_chunk_decode(rr_store_chunk_decoder_t *d, const rr_arrow_msg_t *msg,
                                  rr_chunk_t **out, rr_error_t *err) {
    *out = NULL;
    if (d) RR_TRY(fast_chunk(d, msg, out, err));
    if (*out) return RR_OK;
    struct ArrowSchema schema;
    struct ArrowArray batch;
    RR_TRY(rr_rrd_payload_decode(msg, 0, &schema, &batch, err));
    rr_status_t st = rr_chunk_from_record_batch(&schema, &batch, out, err);
    rr_arrow_schema_release(&schema);
    return st;
}
