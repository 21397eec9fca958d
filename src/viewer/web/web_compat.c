/* The browser build's stand-ins for the host libraries the decoder links
 * (liblz4, libxxhash, the protobuf-c runtime, Arrow IPC body codecs), which
 * Debian ships only as host binaries. Each is written from the public format
 * specs and keeps the library's C API, so src/rrd, src/model and src/store
 * compile unchanged for Wasm:
 *   - LZ4 block format: a full decoder; the encoder emits literal-only blocks
 *     (valid LZ4, no compression: the web viewer never writes files);
 *   - xxh32 (the .rrd footer checksum);
 *   - protobuf-c's message unpack / free / pack driven by the descriptors
 *     protoc-c generates (proto2 labels, oneofs, packed repeated fields);
 *   - Arrow IPC body compression: refused (Rerun never compresses IPC bodies;
 *     .rrd payloads use LZ4 blocks above).
 * Only scripts/build-web compiles this; the host build sees an empty unit. */
#ifdef __EMSCRIPTEN__

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <lz4.h>
#include <protobuf-c/protobuf-c.h>
#include <xxhash.h>

#include "arrow/compress.h"

/* ---------------- qsort_r (glibc's argument order) ---------------- */

static void swap_bytes(char *a, char *b, size_t n) {
    while (n--) {
        char t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

static void sift_down(char *base, size_t root, size_t n, size_t size,
                      int (*cmp)(const void *, const void *, void *), void *arg) {
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size, arg) < 0) child++;
        if (cmp(base + root * size, base + child * size, arg) >= 0) return;
        swap_bytes(base + root * size, base + child * size, size);
        root = child;
    }
}

/* Heap sort: O(n log n) in every case and no allocation that could fail. */
void qsort_r(void *base, size_t n, size_t size,
             int (*cmp)(const void *, const void *, void *), void *arg) {
    char *b = base;
    if (n < 2 || size == 0) return;
    for (size_t i = n / 2; i-- > 0;) sift_down(b, i, n, size, cmp, arg);
    for (size_t end = n - 1; end > 0; end--) {
        swap_bytes(b, b + end * size, size);
        sift_down(b, 0, end, size, cmp, arg);
    }
}

/* ---------------- LZ4 block ---------------- */

int LZ4_compressBound(int n) {
    return (n < 0 || n > LZ4_MAX_INPUT_SIZE) ? 0 : n + n / 255 + 16;
}

/* One sequence of literals only: token, length bytes, the literals. */
int LZ4_compress_default(const char *src, char *dst, int src_size, int dst_cap) {
    if (src_size < 0 || dst_cap < LZ4_compressBound(src_size)) return 0;
    uint8_t *o = (uint8_t *)dst;
    int n = src_size;
    if (n < 15) {
        *o++ = (uint8_t)(n << 4);
    } else {
        *o++ = 0xF0;
        int rest = n - 15;
        while (rest >= 255) {
            *o++ = 255;
            rest -= 255;
        }
        *o++ = (uint8_t)rest;
    }
    memcpy(o, src, (size_t)n);
    o += n;
    return (int)(o - (uint8_t *)dst);
}

int LZ4_compress_fast(const char *src, char *dst, int src_size, int dst_cap, int accel) {
    (void)accel;
    return LZ4_compress_default(src, dst, src_size, dst_cap);
}

/* Reads an LZ4 length extension (bytes of 255 continue); -1 past the end. */
static int64_t lz4_ext_len(const uint8_t **p, const uint8_t *end) {
    int64_t n = 0;
    for (;;) {
        if (*p >= end) return -1;
        uint8_t b = *(*p)++;
        n += b;
        if (n > INT_MAX) return -1;
        if (b != 255) return n;
    }
}

int LZ4_decompress_safe(const char *src, char *dst, int src_size, int dst_cap) {
    if (src_size <= 0 || dst_cap < 0) return -1;
    const uint8_t *p = (const uint8_t *)src, *end = p + src_size;
    uint8_t *o = (uint8_t *)dst, *oend = o + dst_cap;
    for (;;) {
        uint8_t token = *p++;
        int64_t lit = token >> 4;
        if (lit == 15) {
            int64_t e = lz4_ext_len(&p, end);
            if (e < 0) return -1;
            lit += e;
        }
        if (lit > end - p || lit > oend - o) return -1;
        memcpy(o, p, (size_t)lit);
        o += lit;
        p += lit;
        if (p == end) break; /* the last sequence holds literals only */
        if (end - p < 2) return -1;
        size_t off = (size_t)p[0] | ((size_t)p[1] << 8);
        p += 2;
        if (off == 0 || off > (size_t)(o - (uint8_t *)dst)) return -1;
        int64_t mlen = token & 15;
        if (mlen == 15) {
            int64_t e = lz4_ext_len(&p, end);
            if (e < 0) return -1;
            mlen += e;
        }
        mlen += 4;
        if (mlen > oend - o) return -1;
        const uint8_t *m = o - off;
        for (int64_t i = 0; i < mlen; i++) o[i] = m[i]; /* overlapping copies repeat */
        o += mlen;
        if (p >= end) return -1;
    }
    return (int)(o - (uint8_t *)dst);
}

/* ---------------- xxh32 ---------------- */

#define XP1 2654435761u
#define XP2 2246822519u
#define XP3 3266489917u
#define XP4 668265263u
#define XP5 374761393u

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint32_t xround(uint32_t acc, uint32_t in) { return rotl32(acc + in * XP2, 13) * XP1; }

XXH32_hash_t XXH32(const void *data, size_t len, XXH32_hash_t seed) {
    const uint8_t *p = data, *end = p + len;
    uint32_t h;
    if (len >= 16) {
        uint32_t v1 = seed + XP1 + XP2, v2 = seed + XP2, v3 = seed, v4 = seed - XP1;
        while (end - p >= 16) {
            v1 = xround(v1, rd32(p));
            v2 = xround(v2, rd32(p + 4));
            v3 = xround(v3, rd32(p + 8));
            v4 = xround(v4, rd32(p + 12));
            p += 16;
        }
        h = rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18);
    } else {
        h = seed + XP5;
    }
    h += (uint32_t)len;
    while (end - p >= 4) {
        h = rotl32(h + rd32(p) * XP3, 17) * XP4;
        p += 4;
    }
    while (p < end) h = rotl32(h + (*p++) * XP5, 11) * XP1;
    h ^= h >> 15;
    h *= XP2;
    h ^= h >> 13;
    h *= XP3;
    h ^= h >> 16;
    return h;
}

/* chunk.c keys its packed-column blocks with XXH3_64bits, an in-process
 * hash that is never stored or sent; the browser build gives it a different
 * well-mixed 64-bit hash (64-bit words multiplied in, murmur3's finalizer),
 * which is all that use needs. */
XXH64_hash_t XXH3_64bits(const void *data, size_t len) {
    const uint8_t *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)len * 0xC2B2AE3D27D4EB4Full);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ (w * 0x87C37B91114253D5ull)) * 0x4CF5AD432745937Full;
        h = (h << 31) | (h >> 33);
        p += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, p, len);
    h ^= tail * 0x87C37B91114253D5ull;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

/* tuid.c seeds from getrandom(2); emscripten's getentropy draws from the
 * browser's crypto.getRandomValues, at most 256 bytes per call. */
ssize_t getrandom(void *buf, size_t len, unsigned flags) {
    (void)flags;
    uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        size_t n = len - done < 256 ? len - done : 256;
        if (getentropy(p + done, n) != 0) return done ? (ssize_t)done : -1;
        done += n;
    }
    return (ssize_t)done;
}

/* ---------------- Arrow IPC body codecs ---------------- */

rr_status_t rr_arrow_decompress(rr_arrow_compression_t codec, const uint8_t *src, size_t src_len,
                                uint8_t *dst, size_t dst_len, rr_error_t *err) {
    (void)codec, (void)src, (void)src_len, (void)dst, (void)dst_len;
    return rr_error_set(err, RR_ERR_UNSUPPORTED,
                        "compressed Arrow IPC bodies are not supported by the web viewer");
}

rr_status_t rr_arrow_compress(rr_arrow_compression_t codec, int level, const uint8_t *src,
                              size_t src_len, rr_buf_t *out, rr_error_t *err) {
    (void)codec, (void)level, (void)src, (void)src_len, (void)out;
    return rr_error_set(err, RR_ERR_UNSUPPORTED,
                        "compressed Arrow IPC bodies are not supported by the web viewer");
}

/* ---------------- protobuf-c runtime ---------------- */

const char protobuf_c_empty_string[] = "";

static void *pb_alloc(ProtobufCAllocator *a, size_t n) {
    return a ? a->alloc(a->allocator_data, n) : malloc(n);
}
static void pb_free(ProtobufCAllocator *a, void *p) {
    if (!p) return;
    if (a)
        a->free(a->allocator_data, p);
    else
        free(p);
}

static size_t pb_elem_size(ProtobufCType t) {
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return 8;
    case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
    default: return 4;
    }
}

static int pb_wire_type(ProtobufCType t) {
    switch (t) {
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT: return 5;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return 1;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE: return 2;
    default: return 0;
    }
}

static bool pb_varint(const uint8_t **p, const uint8_t *end, uint64_t *out) {
    uint64_t v = 0;
    for (int s = 0; s < 70; s += 7) {
        if (*p >= end) return false;
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7F) << s;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static const ProtobufCFieldDescriptor *pb_field(const ProtobufCMessageDescriptor *d, uint32_t id) {
    for (unsigned i = 0; i < d->n_fields; i++)
        if (d->fields[i].id == id) return &d->fields[i];
    return NULL;
}

/* Whether a oneof member or plain field currently owns its storage. */
static bool pb_owns(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f) {
    if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) return true;
    return *(const uint32_t *)((const char *)m + f->quantifier_offset) == f->id;
}

static void pb_free_value(ProtobufCAllocator *a, const ProtobufCFieldDescriptor *f, void *slot) {
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        char *s = *(char **)slot;
        if (s && s != (const char *)f->default_value && s != protobuf_c_empty_string) pb_free(a, s);
        *(char **)slot = NULL;
    } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
        ProtobufCBinaryData *b = slot;
        const ProtobufCBinaryData *def = f->default_value;
        if (b->data && (!def || b->data != def->data)) pb_free(a, b->data);
        b->data = NULL;
        b->len = 0;
    } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        protobuf_c_message_free_unpacked(*(ProtobufCMessage **)slot, a);
        *(void **)slot = NULL;
    }
}

void protobuf_c_message_free_unpacked(ProtobufCMessage *m, ProtobufCAllocator *a) {
    if (!m) return;
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        void *slot = (char *)m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(size_t *)((char *)m + f->quantifier_offset);
            char *arr = *(char **)slot;
            size_t es = pb_elem_size(f->type);
            for (size_t k = 0; arr && k < n; k++) {
                if (f->type == PROTOBUF_C_TYPE_STRING) {
                    pb_free(a, *(char **)(arr + k * es));
                } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
                    pb_free(a, ((ProtobufCBinaryData *)(arr + k * es))->data);
                } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                    protobuf_c_message_free_unpacked(*(ProtobufCMessage **)(arr + k * es), a);
                }
            }
            pb_free(a, arr);
        } else if (pb_owns(m, f)) {
            pb_free_value(a, f, slot);
        }
    }
    pb_free(a, m);
}

/* Reads one scalar of f's type in wire form `wt` from p into slot. */
static bool pb_read_scalar(const ProtobufCFieldDescriptor *f, int wt, const uint8_t **p,
                           const uint8_t *end, void *slot) {
    uint64_t v = 0;
    if (wt == 0) {
        if (!pb_varint(p, end, &v)) return false;
    } else if (wt == 5) {
        if (end - *p < 4) return false;
        v = rd32(*p);
        *p += 4;
    } else if (wt == 1) {
        if (end - *p < 8) return false;
        v = (uint64_t)rd32(*p) | ((uint64_t)rd32(*p + 4) << 32);
        *p += 8;
    } else {
        return false;
    }
    switch (f->type) {
    case PROTOBUF_C_TYPE_SINT32: *(int32_t *)slot = (int32_t)((uint32_t)(v >> 1) ^ -(uint32_t)(v & 1)); break;
    case PROTOBUF_C_TYPE_SINT64: *(int64_t *)slot = (int64_t)((v >> 1) ^ -(v & 1)); break;
    case PROTOBUF_C_TYPE_BOOL: *(protobuf_c_boolean *)slot = v != 0; break;
    case PROTOBUF_C_TYPE_FLOAT: {
        uint32_t u = (uint32_t)v;
        memcpy(slot, &u, 4);
        break;
    }
    case PROTOBUF_C_TYPE_DOUBLE: memcpy(slot, &v, 8); break;
    default:
        if (pb_elem_size(f->type) == 8)
            *(uint64_t *)slot = v;
        else
            *(uint32_t *)slot = (uint32_t)v;
    }
    return true;
}

/* Grows a repeated field by one element; capacity is implied by the count
 * (the next power of two), so no extra bookkeeping lives in the message. */
static void *pb_push(ProtobufCAllocator *a, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f) {
    size_t *n = (size_t *)((char *)m + f->quantifier_offset);
    char **arr = (char **)((char *)m + f->offset);
    size_t es = pb_elem_size(f->type);
    if (*n == 0 || (*n & (*n - 1)) == 0) {
        size_t cap = *n ? *n * 2 : 1;
        char *na = pb_alloc(a, cap * es);
        if (!na) return NULL;
        if (*n) memcpy(na, *arr, *n * es);
        pb_free(a, *arr);
        *arr = na;
    }
    void *slot = *arr + (*n) * es;
    memset(slot, 0, es);
    (*n)++;
    return slot;
}

static bool pb_read_len(const ProtobufCFieldDescriptor *f, ProtobufCAllocator *a, const uint8_t *q,
                        size_t len, void *slot) {
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        char *s = pb_alloc(a, len + 1);
        if (!s) return false;
        memcpy(s, q, len);
        s[len] = 0;
        *(char **)slot = s;
    } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
        ProtobufCBinaryData *b = slot;
        b->data = len ? pb_alloc(a, len) : NULL;
        if (len && !b->data) return false;
        if (len) memcpy(b->data, q, len);
        b->len = len;
    } else {
        ProtobufCMessage *sub = protobuf_c_message_unpack(f->descriptor, a, len, q);
        if (!sub) return false;
        *(ProtobufCMessage **)slot = sub;
    }
    return true;
}

ProtobufCMessage *protobuf_c_message_unpack(const ProtobufCMessageDescriptor *d,
                                            ProtobufCAllocator *a, size_t len, const uint8_t *data) {
    ProtobufCMessage *m = pb_alloc(a, d->sizeof_message);
    if (!m) return NULL;
    memset(m, 0, d->sizeof_message);
    d->message_init(m);
    const uint8_t *p = data, *end = data + len;
    while (p < end) {
        uint64_t key;
        if (!pb_varint(&p, end, &key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX) goto bad;
        int wt = (int)(key & 7);
        const ProtobufCFieldDescriptor *f = pb_field(d, (uint32_t)(key >> 3));
        uint64_t n = 0;
        const uint8_t *q = NULL;
        if (wt == 2) {
            if (!pb_varint(&p, end, &n) || n > (uint64_t)(end - p)) goto bad;
            q = p;
            p += n;
        }
        if (!f) { /* unknown field: skip */
            uint64_t skip;
            if (wt == 0 && !pb_varint(&p, end, &skip)) goto bad;
            if (wt == 1 && (end - p < 8 || (p += 8, false))) goto bad;
            if (wt == 5 && (end - p < 4 || (p += 4, false))) goto bad;
            if (wt != 0 && wt != 1 && wt != 2 && wt != 5) goto bad;
            continue;
        }
        bool lenfield = pb_wire_type(f->type) == 2;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            if (wt == 2 && !lenfield) { /* packed scalars */
                const uint8_t *r = q, *rend = q + n;
                int ewt = pb_wire_type(f->type);
                while (r < rend) {
                    void *slot = pb_push(a, m, f);
                    if (!slot || !pb_read_scalar(f, ewt, &r, rend, slot)) goto bad;
                }
                continue;
            }
            if ((wt == 2) != lenfield) goto bad;
            void *slot = pb_push(a, m, f);
            if (!slot) goto bad;
            if (lenfield ? !pb_read_len(f, a, q, (size_t)n, slot)
                         : !pb_read_scalar(f, wt, &p, end, slot)) {
                size_t *cnt = (size_t *)((char *)m + f->quantifier_offset);
                (*cnt)--; /* the failed element holds nothing to free */
                goto bad;
            }
            continue;
        }
        if ((wt == 2) != lenfield) goto bad;
        void *slot = (char *)m + f->offset;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t *which = (uint32_t *)((char *)m + f->quantifier_offset);
            if (*which && *which != f->id) { /* another member owns the union: release it */
                const ProtobufCFieldDescriptor *old = pb_field(d, *which);
                if (old) pb_free_value(a, old, (char *)m + old->offset);
            }
            if (*which == f->id) pb_free_value(a, f, slot);
            memset(slot, 0, pb_elem_size(f->type));
            *which = 0;
            if (lenfield ? !pb_read_len(f, a, q, (size_t)n, slot)
                         : !pb_read_scalar(f, wt, &p, end, slot))
                goto bad;
            *which = f->id;
            continue;
        }
        if (lenfield) {
            pb_free_value(a, f, slot); /* a repeated occurrence replaces the earlier one */
            if (!pb_read_len(f, a, q, (size_t)n, slot)) goto bad;
        } else if (!pb_read_scalar(f, wt, &p, end, slot)) {
            goto bad;
        }
        if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
            f->type != PROTOBUF_C_TYPE_MESSAGE) /* bytes, like scalars, have a has_ flag */
            *(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
    }
    for (unsigned i = 0; i < d->n_fields; i++) { /* required fields must be there */
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label != PROTOBUF_C_LABEL_REQUIRED) continue;
        const void *slot = (const char *)m + f->offset;
        if ((f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING) &&
            !*(void *const *)slot)
            goto bad;
    }
    return m;
bad:
    protobuf_c_message_free_unpacked(m, a);
    return NULL;
}

/* ---- packing: one walk that measures (out NULL) or writes ---- */

static size_t pb_put_varint(uint8_t *out, uint64_t v) {
    size_t n = 0;
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        if (out) out[n] = b | (v ? 0x80 : 0);
        n++;
    } while (v);
    return n;
}

static size_t pb_put_scalar(const ProtobufCFieldDescriptor *f, const void *slot, uint8_t *out) {
    uint64_t v;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_ENUM: v = (uint64_t)(int64_t) * (const int32_t *)slot; break;
    case PROTOBUF_C_TYPE_SINT32: {
        int32_t x = *(const int32_t *)slot;
        v = ((uint32_t)x << 1) ^ (uint32_t)(x >> 31);
        break;
    }
    case PROTOBUF_C_TYPE_SINT64: {
        int64_t x = *(const int64_t *)slot;
        v = ((uint64_t)x << 1) ^ (uint64_t)(x >> 63);
        break;
    }
    case PROTOBUF_C_TYPE_BOOL: v = *(const protobuf_c_boolean *)slot ? 1 : 0; break;
    default:
        v = pb_elem_size(f->type) == 8 ? *(const uint64_t *)slot : *(const uint32_t *)slot;
    }
    int wt = pb_wire_type(f->type);
    size_t w = wt == 5 ? 4 : wt == 1 ? 8 : 0;
    if (!w) return pb_put_varint(out, v);
    if (out)
        for (size_t i = 0; i < w; i++) out[i] = (uint8_t)(v >> (8 * i));
    return w;
}

static size_t pb_pack(const ProtobufCMessage *m, uint8_t *out);

/* One element with its key (packed elements go without: key NULL). */
static size_t pb_put_elem(const ProtobufCFieldDescriptor *f, const void *slot, bool with_key,
                          uint8_t *out) {
    size_t n = with_key ? pb_put_varint(out, ((uint64_t)f->id << 3) | (uint64_t)pb_wire_type(f->type)) : 0;
    uint8_t *o = out ? out + n : NULL;
    if (pb_wire_type(f->type) != 2) return n + pb_put_scalar(f, slot, o);
    const uint8_t *src = NULL;
    size_t len = 0;
    const ProtobufCMessage *sub = NULL;
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        src = *(const uint8_t *const *)slot;
        len = src ? strlen((const char *)src) : 0;
    } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
        src = ((const ProtobufCBinaryData *)slot)->data;
        len = ((const ProtobufCBinaryData *)slot)->len;
    } else {
        sub = *(const ProtobufCMessage *const *)slot;
        len = sub ? pb_pack(sub, NULL) : 0;
    }
    size_t h = pb_put_varint(o, len);
    if (o) {
        if (sub)
            pb_pack(sub, o + h);
        else if (len)
            memcpy(o + h, src, len);
    }
    return n + h + len;
}

static bool pb_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f) {
    const char *base = (const char *)m;
    const void *slot = base + f->offset;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) return pb_owns(m, f);
    bool ptr = f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE;
    if (f->label == PROTOBUF_C_LABEL_REQUIRED) return !ptr || *(const void *const *)slot;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
        if (ptr) return *(const void *const *)slot != NULL;
        return *(const protobuf_c_boolean *)(base + f->quantifier_offset) != 0;
    }
    /* proto3 without presence: zero values are not written */
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        const char *s = *(const char *const *)slot;
        return s && *s;
    }
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) return *(const void *const *)slot != NULL;
    if (f->type == PROTOBUF_C_TYPE_BYTES) return ((const ProtobufCBinaryData *)slot)->len != 0;
    static const uint8_t zero[8];
    return memcmp(slot, zero, pb_elem_size(f->type)) != 0;
}

static size_t pb_pack(const ProtobufCMessage *m, uint8_t *out) {
    const ProtobufCMessageDescriptor *d = m->descriptor;
    size_t n = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *slot = (const char *)m + f->offset;
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            if (pb_present(m, f)) n += pb_put_elem(f, slot, true, out ? out + n : NULL);
            continue;
        }
        size_t cnt = *(const size_t *)((const char *)m + f->quantifier_offset);
        const char *arr = *(const char *const *)slot;
        size_t es = pb_elem_size(f->type);
        if (!cnt) continue;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_PACKED) && pb_wire_type(f->type) != 2) {
            size_t body = 0;
            for (size_t k = 0; k < cnt; k++) body += pb_put_elem(f, arr + k * es, false, NULL);
            n += pb_put_varint(out ? out + n : NULL, ((uint64_t)f->id << 3) | 2);
            n += pb_put_varint(out ? out + n : NULL, body);
            for (size_t k = 0; k < cnt; k++) n += pb_put_elem(f, arr + k * es, false, out ? out + n : NULL);
        } else {
            for (size_t k = 0; k < cnt; k++) n += pb_put_elem(f, arr + k * es, true, out ? out + n : NULL);
        }
    }
    return n;
}

size_t protobuf_c_message_get_packed_size(const ProtobufCMessage *m) { return pb_pack(m, NULL); }

size_t protobuf_c_message_pack(const ProtobufCMessage *m, uint8_t *out) { return pb_pack(m, out); }

size_t protobuf_c_message_pack_to_buffer(const ProtobufCMessage *m, ProtobufCBuffer *buf) {
    size_t n = pb_pack(m, NULL);
    uint8_t *tmp = malloc(n ? n : 1);
    if (!tmp) return 0;
    pb_pack(m, tmp);
    buf->append(buf, n, tmp);
    free(tmp);
    return n;
}

#else
typedef int rr_web_compat_host_build_empty;
#endif
