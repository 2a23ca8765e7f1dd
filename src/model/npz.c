/* SPDX-License-Identifier: MIT */
/* Float Marian models in NumPy's .npz format: a ZIP archive with one .npy array per parameter
 * (what `marian` writes when training, and what OPUS-MT publishes). The archive is walked through
 * its central directory; every entry is checked (bounds, CRC-32, sizes) and copied or inflated
 * into one aligned arena, so the items look exactly like those of a .bin: float32 weights, int8
 * for the embedded YAML. Stored and deflated entries and ZIP64 sizes are understood. */
#include "model/npz.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/error.h"

#define EOCD_SIZE 22
#define CDIR_SIZE 46
#define LOCAL_SIZE 30
#define MAX_ENTRIES 100000
#define ARENA_ALIGN 64
#define TJ_NPZ_MAX_SIZE ((size_t)4 << 30)

static uint32_t rd16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

typedef struct entry {
    const unsigned char *name; /* not NUL-terminated */
    size_t name_len;
    int method;
    uint32_t crc;
    uint64_t csize, usize, local;
} entry;

/* Finds the end-of-central-directory record and the directory's offset, size and entry count. */
static tj_status find_directory(const unsigned char *d, size_t size, uint64_t *off, uint64_t *len,
                                uint64_t *count, tj_error *err)
{
    if (size < EOCD_SIZE) return tj_fail(err, TJ_ERR_FORMAT, "truncated .npz (no ZIP directory)");
    size_t lo = size > EOCD_SIZE + 65535 ? size - EOCD_SIZE - 65535 : 0;
    size_t at = size - EOCD_SIZE;
    while (rd32(d + at) != 0x06054b50 && at > lo) at--;
    if (rd32(d + at) != 0x06054b50)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "truncated or corrupt .npz (ZIP end-of-directory record not found)");
    *count = rd16(d + at + 10);
    *len = rd32(d + at + 12);
    *off = rd32(d + at + 16);
    if (*count == 0xffff || *len == 0xffffffffu || *off == 0xffffffffu) {
        /* ZIP64: a locator just before the record points at the 64-bit record. */
        if (at < 20 || rd32(d + at - 20) != 0x07064b50)
            return tj_fail(err, TJ_ERR_FORMAT, "corrupt .npz (ZIP64 locator missing)");
        uint64_t z = rd64(d + at - 20 + 8);
        if (z > size || size - z < 56 || rd32(d + z) != 0x06064b50)
            return tj_fail(err, TJ_ERR_FORMAT, "corrupt .npz (bad ZIP64 directory record)");
        *count = rd64(d + z + 32);
        *len = rd64(d + z + 40);
        *off = rd64(d + z + 48);
    }
    if (*off > size || *len > size - *off)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "truncated or corrupt .npz (ZIP directory runs past the end of the file)");
    if (*count == 0) return tj_fail(err, TJ_ERR_FORMAT, ".npz archive is empty");
    if (*count > MAX_ENTRIES || *count > *len / CDIR_SIZE)
        return tj_fail(err, TJ_ERR_FORMAT, "corrupt .npz (impossible entry count %llu)",
                       (unsigned long long)*count);
    return TJ_OK;
}

/* Reads one central-directory entry at *pos (advanced past it). */
static tj_status read_entry(const unsigned char *d, size_t end, size_t *pos, entry *e,
                            tj_error *err)
{
    size_t p = *pos;
    if (end - p < CDIR_SIZE || rd32(d + p) != 0x02014b50)
        return tj_fail(err, TJ_ERR_FORMAT, "corrupt .npz (bad ZIP directory entry)");
    uint32_t flags = rd16(d + p + 8);
    e->method = (int)rd16(d + p + 10);
    e->crc = rd32(d + p + 16);
    e->csize = rd32(d + p + 20);
    e->usize = rd32(d + p + 24);
    size_t nlen = rd16(d + p + 28), xlen = rd16(d + p + 30), clen = rd16(d + p + 32);
    e->local = rd32(d + p + 42);
    if (end - p - CDIR_SIZE < nlen + xlen + clen)
        return tj_fail(err, TJ_ERR_FORMAT, "corrupt .npz (ZIP directory entry runs past its end)");
    e->name = d + p + CDIR_SIZE;
    e->name_len = nlen;
    if (flags & 1)
        return tj_fail(err, TJ_ERR_UNSUPPORTED, "encrypted entry '%.*s' in .npz", (int)nlen,
                       (const char *)e->name);
    /* ZIP64 extra field: the 64-bit values of the fields that hold 0xffffffff, in order. */
    const unsigned char *x = e->name + nlen, *xe = x + xlen;
    while (xe - x >= 4) {
        uint32_t id = rd16(x), sz = rd16(x + 2);
        if ((size_t)(xe - x - 4) < sz) break;
        if (id == 0x0001) {
            const unsigned char *v = x + 4, *ve = v + sz;
            if (e->usize == 0xffffffffu && ve - v >= 8) e->usize = rd64(v), v += 8;
            if (e->csize == 0xffffffffu && ve - v >= 8) e->csize = rd64(v), v += 8;
            if (e->local == 0xffffffffu && ve - v >= 8) e->local = rd64(v), v += 8;
        }
        x += 4 + sz;
    }
    *pos = p + CDIR_SIZE + nlen + xlen + clen;
    return TJ_OK;
}

/* The .npy header of one entry: dtype, shape, offset of the data. */
typedef struct npy_info {
    char descr[16];
    int ndim;
    uint64_t shape[8];
    size_t data_off;
} npy_info;

static tj_status parse_npy(const unsigned char *b, size_t n, const char *name, npy_info *info,
                           tj_error *err)
{
    if (n < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return tj_fail(err, TJ_ERR_FORMAT, "item '%s' is not a .npy array", name);
    size_t hl, ho;
    if (b[6] == 1) {
        hl = rd16(b + 8), ho = 10;
    } else if ((b[6] == 2 || b[6] == 3) && n >= 12) {
        hl = rd32(b + 8), ho = 12;
    } else {
        return tj_fail(err, TJ_ERR_UNSUPPORTED, "item '%s': .npy version %d is not supported", name,
                       b[6]);
    }
    if (hl > n - ho || hl > 16384)
        return tj_fail(err, TJ_ERR_FORMAT, "item '%s': .npy header runs past the data", name);
    char h[16385];
    memcpy(h, b + ho, hl);
    h[hl] = '\0';
    info->data_off = ho + hl;
    const char *p = strstr(h, "'descr'");
    const char *q = p ? strchr(p + 7, '\'') : NULL;
    const char *qe = q ? strchr(q + 1, '\'') : NULL;
    if (!qe || (size_t)(qe - q - 1) >= sizeof info->descr)
        return tj_fail(err, TJ_ERR_FORMAT, "item '%s': .npy header has no dtype", name);
    memcpy(info->descr, q + 1, (size_t)(qe - q - 1));
    info->descr[qe - q - 1] = '\0';
    p = strstr(h, "'fortran_order'");
    if (!p) return tj_fail(err, TJ_ERR_FORMAT, "item '%s': .npy header has no order", name);
    p += 15;
    while (*p == ':' || *p == ' ') p++;
    if (strncmp(p, "False", 5) != 0)
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "item '%s': Fortran-ordered arrays are not supported", name);
    p = strstr(h, "'shape'");
    p = p ? strchr(p, '(') : NULL;
    if (!p) return tj_fail(err, TJ_ERR_FORMAT, "item '%s': .npy header has no shape", name);
    p++;
    info->ndim = 0;
    for (;;) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == ')') break;
        if (*p < '0' || *p > '9' || info->ndim == 8)
            return tj_fail(err, TJ_ERR_FORMAT, "item '%s': bad .npy shape", name);
        uint64_t v = 0;
        while (*p >= '0' && *p <= '9') {
            if (v > (UINT64_MAX - 9) / 10)
                return tj_fail(err, TJ_ERR_FORMAT, "item '%s': bad .npy shape", name);
            v = v * 10 + (uint64_t)(*p++ - '0');
        }
        info->shape[info->ndim++] = v;
    }
    return TJ_OK;
}

/* Bytes of one entry, uncompressed, into out (usize bytes); checks the CRC. */
static tj_status extract(const unsigned char *d, size_t size, const entry *e, unsigned char *out,
                         const char *name, tj_error *err)
{
    if (e->local > size || size - e->local < LOCAL_SIZE || rd32(d + e->local) != 0x04034b50)
        return tj_fail(err, TJ_ERR_FORMAT, "item '%s': bad ZIP local header (corrupt .npz)", name);
    size_t start =
        (size_t)e->local + LOCAL_SIZE + rd16(d + e->local + 26) + rd16(d + e->local + 28);
    if (start > size || e->csize > size - start)
        return tj_fail(err, TJ_ERR_FORMAT,
                       "item '%s' runs past the end of the file (truncated .npz)", name);
    const unsigned char *src = d + start;
    if (e->method == 0) {
        if (e->csize != e->usize)
            return tj_fail(err, TJ_ERR_FORMAT, "item '%s': stored sizes disagree (corrupt .npz)",
                           name);
        memcpy(out, src, (size_t)e->usize);
    } else if (e->method == 8) {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, -15) != Z_OK) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        /* Sizes can exceed uInt: feed and drain in chunks. */
        uint64_t in_left = e->csize, out_left = e->usize;
        const unsigned char *ip = src;
        unsigned char *op = out;
        int rc;
        for (;;) {
            if (z.avail_in == 0 && in_left) {
                z.avail_in = (uInt)(in_left > (1u << 30) ? (1u << 30) : in_left);
                z.next_in = (Bytef *)ip;
                ip += z.avail_in, in_left -= z.avail_in;
            }
            if (z.avail_out == 0 && out_left) {
                z.avail_out = (uInt)(out_left > (1u << 30) ? (1u << 30) : out_left);
                z.next_out = op;
                op += z.avail_out, out_left -= z.avail_out;
            }
            /* Z_BUF_ERROR (input or room exhausted) ends the loop as an error below. */
            if ((rc = inflate(&z, Z_NO_FLUSH)) != Z_OK) break;
        }
        int done = rc == Z_STREAM_END && z.avail_out == 0 && out_left == 0;
        inflateEnd(&z);
        if (!done)
            return tj_fail(err, TJ_ERR_FORMAT, "item '%s': bad deflate data (corrupt .npz)", name);
    } else {
        return tj_fail(err, TJ_ERR_UNSUPPORTED, "item '%s': ZIP compression method %d", name,
                       e->method);
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    for (uint64_t o = 0; o < e->usize;) {
        uInt k = (uInt)(e->usize - o > (1u << 30) ? (1u << 30) : e->usize - o);
        crc = crc32(crc, out + o, k);
        o += k;
    }
    if ((uint32_t)crc != e->crc)
        return tj_fail(err, TJ_ERR_FORMAT, "item '%s': CRC mismatch (corrupt .npz)", name);
    return TJ_OK;
}

static size_t align_up(size_t v)
{
    return (v + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
}

tj_status tj_npz_parse(tj_marian_file *f, tj_error *err)
{
    const unsigned char *d = f->blob.data;
    size_t size = f->blob.size;
    uint64_t off = 0, len = 0, count = 0;
    tj_status st = find_directory(d, size, &off, &len, &count, err);
    if (st) return st;
    entry *ents = calloc((size_t)count, sizeof *ents);
    f->items = calloc((size_t)count, sizeof *f->items);
    if (!ents || !f->items) {
        free(ents);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    f->n_items = (size_t)count;

    /* Pass 1: directory entries and the arena size (names + payloads, each aligned). */
    size_t pos = (size_t)off, end = (size_t)(off + len), need = 0;
    uint64_t claimed = 0;
    for (size_t i = 0; i < count && st == TJ_OK; i++) {
        entry *e = &ents[i];
        if ((st = read_entry(d, end, &pos, e, err))) break;
        if (e->name_len == 0 || e->name_len > 4096) {
            st = tj_fail(err, TJ_ERR_FORMAT, "corrupt .npz (bad entry name length)");
            break;
        }
        /* Deflate expands at most ~1032:1; anything beyond is a corrupt header. The compressed
         * bytes must fit in the file, or a 1 KB file could claim (and make us allocate) 1 TB
         * (found by tests/fuzz/fuzz_npz). */
        if (e->usize > (uint64_t)1 << 40 || e->csize > size ||
            (e->method == 8 && e->usize / 1032 > e->csize + 1) ||
            (e->method == 0 && e->usize > size)) {
            st = tj_fail(err, TJ_ERR_FORMAT, "corrupt .npz (entry '%.*s' claims %llu bytes)",
                         (int)e->name_len, (const char *)e->name, (unsigned long long)e->usize);
            break;
        }
        need += align_up(e->name_len + 1) + align_up((size_t)e->usize + 1);
        claimed += e->usize;
        /* Entries may all claim the same compressed bytes, so the sum needs its own bound: the
         * entries of a real ZIP do not overlap, so together they inflate to at most 1032 times
         * the file; and the cap of any decompressed file (util/blob.c) applies. */
        if (claimed / 1032 > size || need > TJ_NPZ_MAX_SIZE) {
            st = tj_fail(err, TJ_ERR_FORMAT,
                         "corrupt .npz (entries claim %llu bytes in total, impossible for a "
                         "%zu-byte file or over the %d GiB limit)",
                         (unsigned long long)claimed, size, (int)(TJ_NPZ_MAX_SIZE >> 30));
            break;
        }
    }
    unsigned char *arena = NULL;
    if (st == TJ_OK && !(arena = aligned_alloc(ARENA_ALIGN, align_up(need ? need : 1))))
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory reading the .npz (%zu bytes)", need);
    f->arena = arena;

    /* Pass 2: names, payloads, .npy headers. */
    size_t at = 0;
    for (size_t i = 0; i < count && st == TJ_OK; i++) {
        entry *e = &ents[i];
        tj_item *it = &f->items[i];
        char *name = (char *)arena + at;
        memcpy(name, e->name, e->name_len);
        name[e->name_len] = '\0';
        if (e->name_len > 4 && strcmp(name + e->name_len - 4, ".npy") == 0)
            name[e->name_len - 4] = '\0';
        at += align_up(e->name_len + 1);
        it->name = name;
        unsigned char *raw = arena + at;
        at += align_up((size_t)e->usize + 1);
        if ((st = extract(d, size, e, raw, name, err))) break;
        npy_info ni;
        if ((st = parse_npy(raw, (size_t)e->usize, name, &ni, err))) break;
        size_t esize;
        if (strcmp(ni.descr, "<f4") == 0) {
            it->type = TJ_TYPE_FLOAT32, esize = 4;
        } else if (strcmp(ni.descr, "<i1") == 0 || strcmp(ni.descr, "|i1") == 0 ||
                   strcmp(ni.descr, "|u1") == 0 || strcmp(ni.descr, "|S1") == 0) {
            it->type = TJ_TYPE_INT8, esize = 1;
        } else {
            st = tj_fail(err, TJ_ERR_UNSUPPORTED,
                         "item '%s' has unsupported dtype '%s' (need float32 '<f4')", name,
                         ni.descr);
            break;
        }
        if (ni.ndim > 4) {
            st = tj_fail(err, TJ_ERR_UNSUPPORTED, "item '%s' has %d dimensions (at most 4)", name,
                         ni.ndim);
            break;
        }
        it->ndim = ni.ndim ? ni.ndim : 1;
        size_t elements = 1;
        for (int k = 0; k < it->ndim; k++) {
            uint64_t dim = ni.ndim ? ni.shape[k] : 1;
            if (dim == 0 || dim > INT32_MAX || elements > SIZE_MAX / dim) {
                st = tj_fail(err, TJ_ERR_FORMAT, "item '%s': bad shape", name);
                break;
            }
            it->shape[k] = (int)dim;
            elements *= (size_t)dim;
        }
        if (st) break;
        it->elements = elements;
        size_t avail = (size_t)e->usize - ni.data_off;
        if (elements > avail / esize) {
            st = tj_fail(err, TJ_ERR_FORMAT,
                         "item '%s': %zu bytes of data, its shape needs %zu (truncated .npz)", name,
                         avail, elements * esize);
            break;
        }
        it->bytes = elements * esize;
        /* Float kernels read in place: move the data to the aligned start of its slot. The slot
         * has one spare byte, which keeps the YAML text NUL-terminated. */
        memmove(raw, raw + ni.data_off, it->bytes);
        raw[it->bytes] = '\0';
        it->data = raw;
    }
    free(ents);
    if (st) return st;
    const tj_item *y = tj_marian_find(f, "special:model.yml");
    if (y) {
        if (y->type != TJ_TYPE_INT8)
            return tj_fail(err, TJ_ERR_FORMAT, "special:model.yml is not a byte array");
        f->yaml = (const char *)y->data;
    }
    /* Everything now lives in the arena; the file itself is no longer needed. */
    tj_blob_free(&f->blob);
    return TJ_OK;
}

tj_status tj_zip_each(const unsigned char *d, size_t size, tj_zip_entry_fn fn, void *ctx,
                      tj_error *err)
{
    uint64_t off = 0, len = 0, count = 0;
    tj_status st = find_directory(d, size, &off, &len, &count, err);
    if (st) return st;
    size_t pos = (size_t)off, end = (size_t)(off + len);
    for (uint64_t i = 0; i < count && !st; i++) {
        entry e;
        if ((st = read_entry(d, end, &pos, &e, err))) break;
        if (e.name_len == 0 || e.name_len > 4096)
            return tj_fail(err, TJ_ERR_FORMAT, "corrupt ZIP archive (bad entry name length)");
        char name[4097];
        memcpy(name, e.name, e.name_len);
        name[e.name_len] = '\0';
        if (name[e.name_len - 1] == '/') continue; /* a folder */
        if (e.usize > TJ_NPZ_MAX_SIZE || e.csize > size ||
            (e.method == 8 && e.usize / 1032 > e.csize + 1) || (e.method == 0 && e.usize > size))
            return tj_fail(err, TJ_ERR_FORMAT, "corrupt ZIP archive (entry '%s' claims %llu bytes)",
                           name, (unsigned long long)e.usize);
        unsigned char *buf = malloc((size_t)e.usize + 1);
        if (!buf) return tj_fail(err, TJ_ERR_NOMEM, "out of memory unpacking '%s'", name);
        st = extract(d, size, &e, buf, name, err);
        if (!st) st = fn(ctx, name, buf, (size_t)e.usize, err);
        free(buf);
    }
    return st;
}
