/* SPDX-License-Identifier: MIT */
/* Whole-file loading. Plain regular files are mapped read-only so that a 40 MB model costs no
 * copy; compressed files have to be inflated into memory anyway. The decompressed buffer is
 * 64-byte aligned so that tensors inside it can be handed to SIMD kernels unchanged. */
#include "util/blob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "util/error.h"

/* Nothing legitimate (the largest Firefox model is ~45 MB) comes close; the cap turns a
 * decompression bomb or a corrupt size field into an error instead of an OOM kill. */
#define BLOB_MAX_SIZE ((size_t)4 << 30)
#define BLOB_ALIGN 64

static _Alignas(BLOB_ALIGN) const unsigned char empty_data[BLOB_ALIGN] = {0};

/* A growable output buffer, grown with realloc: glibc moves big blocks with mremap, so growing
 * never has the old and the new copy alive at once and the peak stays near the final size (an
 * aligned_alloc + memcpy growth peaked at twice that: 8.4 GB for a 4 GiB bomb). The 64-byte
 * alignment is made once at the end (outbuf_finish), with a memmove inside BLOB_ALIGN - 1 bytes
 * of slack. max is the caller's size limit: the buffer never grows past max + 1 bytes of data
 * (one more than allowed, to notice the overflow) plus that slack. */
typedef struct outbuf {
    unsigned char *p;
    size_t len, cap, max;
} outbuf;

static int outbuf_reserve(outbuf *o, size_t want)
{
    if (want > o->max + 1) want = o->max + 1;
    if (want <= o->cap) return 0;
    size_t cap = o->cap ? o->cap : 1 << 16;
    while (cap < want) cap = cap > o->max / 2 ? o->max + 1 : cap * 2;
    if (cap > o->max + 1) cap = o->max + 1; /* a small limit: no need for the first 64 kB */
    unsigned char *p = realloc(o->p, cap + BLOB_ALIGN - 1);
    if (!p) return -1;
    o->p = p;
    o->cap = cap;
    return 0;
}

/* Makes room for at least `chunk` more bytes (less near the size cap). Returns 0, or -1 on OOM. */
static int outbuf_grow(outbuf *o, size_t chunk)
{
    size_t want = o->len + chunk;
    if (want <= o->len) want = o->len + 1;
    return outbuf_reserve(o, want);
}

/* Hands the bytes to out, 64-byte aligned: gives back the unused tail, then moves the data up to
 * the first aligned address (the slack always has room for it). Returns 0, or -1 on OOM. */
static int outbuf_finish(outbuf *o, tj_blob *out)
{
    if (o->len == 0) {
        free(o->p);
        o->p = NULL;
        out->data = empty_data;
        out->size = 0;
        out->owned = NULL;
        return 0;
    }
    if (o->cap > o->len) {
        /* Shrinking keeps the bytes; a failure only means the tail stays allocated. */
        unsigned char *p = realloc(o->p, o->len + BLOB_ALIGN - 1);
        if (p) {
            o->p = p;
            o->cap = o->len;
        }
    }
    size_t off = (BLOB_ALIGN - (uintptr_t)o->p % BLOB_ALIGN) % BLOB_ALIGN;
    if (off) memmove(o->p + off, o->p, o->len);
    out->data = o->p + off;
    out->size = o->len;
    out->owned = o->p;
    o->p = NULL;
    return 0;
}

static int is_gzip(const unsigned char *p, size_t n)
{
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static int is_zstd(const unsigned char *p, size_t n)
{
    return n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd;
}

/* "4 GiB" for the real limit, a byte count for the small ones tests set. */
static const char *limit_text(size_t max, char buf[40])
{
    if (max >= ((size_t)1 << 30) && max % ((size_t)1 << 30) == 0)
        snprintf(buf, 40, "%zu GiB", max >> 30);
    else
        snprintf(buf, 40, "%zu-byte", max);
    return buf;
}

static tj_status too_big(const char *path, size_t max, tj_error *err)
{
    char lim[40];
    return tj_fail(err, TJ_ERR_FORMAT, "%s: decompressed size exceeds the %s limit", path,
                   limit_text(max, lim));
}

static tj_status gunzip(const char *path, const unsigned char *in, size_t n, outbuf *o,
                        tj_error *err)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return tj_fail(err, TJ_ERR_NOMEM, "%s: cannot initialise zlib", path);
    /* The gzip trailer holds the size mod 2^32: a good first guess for single-member files. */
    size_t hint = 0;
    if (n >= 18)
        hint = (size_t)in[n - 4] | (size_t)in[n - 3] << 8 | (size_t)in[n - 2] << 16 |
               (size_t)in[n - 1] << 24;
    /* A corrupt trailer must not make us reserve gigabytes: deflate never beats ~1032:1. */
    if (hint / 1032 > n) hint = n * 1032;
    if (outbuf_reserve(o, hint + 1) != 0) {
        inflateEnd(&zs);
        return tj_fail(err, TJ_ERR_NOMEM, "%s: out of memory decompressing", path);
    }
    size_t pos = 0;
    tj_status st = TJ_OK;
    for (;;) {
        /* zlib counts in uInt: feed at most 1 GiB at a time. */
        if (zs.avail_in == 0 && pos < n) {
            size_t take = n - pos < ((size_t)1 << 30) ? n - pos : (size_t)1 << 30;
            zs.next_in = (unsigned char *)(uintptr_t)(in + pos);
            zs.avail_in = (uInt)take;
            pos += take;
        }
        if (o->len == o->cap && outbuf_grow(o, o->cap) != 0) {
            st = tj_fail(err, TJ_ERR_NOMEM, "%s: out of memory decompressing", path);
            break;
        }
        size_t room = o->cap - o->len;
        if (room > ((size_t)1 << 30)) room = (size_t)1 << 30;
        zs.next_out = o->p + o->len;
        zs.avail_out = (uInt)room;
        int rc = inflate(&zs, Z_NO_FLUSH);
        o->len += room - zs.avail_out;
        if (o->len > o->max) {
            st = too_big(path, o->max, err);
            break;
        }
        if (rc == Z_STREAM_END) {
            size_t used = pos - zs.avail_in;
            if (used == n) break;
            /* Another member follows (multi-member gzip, as `cat a.gz b.gz` makes). */
            if (!is_gzip(in + used, n - used)) {
                st = tj_fail(err, TJ_ERR_FORMAT,
                             "%s: %zu bytes of trailing garbage after gzip data", path, n - used);
                break;
            }
            if (inflateReset(&zs) != Z_OK) {
                st = tj_fail(err, TJ_ERR_FORMAT, "%s: corrupt gzip data", path);
                break;
            }
            pos = used;
            zs.avail_in = 0;
            continue;
        }
        if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR) {
            st = tj_fail(err, TJ_ERR_FORMAT, "%s: corrupt gzip data (%s)", path,
                         zs.msg ? zs.msg : "invalid stream");
            break;
        }
        if (rc == Z_MEM_ERROR) {
            st = tj_fail(err, TJ_ERR_NOMEM, "%s: out of memory decompressing", path);
            break;
        }
        /* Z_OK or Z_BUF_ERROR: no progress possible once the input is used up. */
        if (zs.avail_in == 0 && pos == n && zs.avail_out != 0) {
            st = tj_fail(err, TJ_ERR_FORMAT, "%s: truncated gzip stream", path);
            break;
        }
    }
    inflateEnd(&zs);
    return st;
}

/* Sum of the content sizes the frames declare, or ZSTD_CONTENTSIZE_UNKNOWN when a frame has
 * none (ZSTD_CONTENTSIZE_ERROR when the frames cannot be walked: the decoder reports that). */
static unsigned long long zstd_declared_size(const unsigned char *in, size_t n)
{
    unsigned long long total = 0;
    while (n > 0) {
        unsigned long long fs = ZSTD_getFrameContentSize(in, n);
        if (fs == ZSTD_CONTENTSIZE_UNKNOWN || fs == ZSTD_CONTENTSIZE_ERROR) return fs;
        size_t used = ZSTD_findFrameCompressedSize(in, n);
        if (ZSTD_isError(used) || used > n || total + fs < total) return ZSTD_CONTENTSIZE_ERROR;
        total += fs;
        in += used;
        n -= used;
    }
    return total;
}

static tj_status unzstd(const char *path, const unsigned char *in, size_t n, outbuf *o,
                        tj_error *err)
{
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    if (!dc) return tj_fail(err, TJ_ERR_NOMEM, "%s: cannot initialise zstd", path);
    /* Content sizes in the frame headers may be absent, but a present one binds: the decoder
     * fails a frame whose output differs from it. So frames that declare more than the limit
     * are refused before anything is decompressed. As a buffer size it is only a hint: a tiny
     * file must not make us reserve gigabytes, whatever it claims. */
    unsigned long long cs = zstd_declared_size(in, n);
    if (cs != ZSTD_CONTENTSIZE_UNKNOWN && cs != ZSTD_CONTENTSIZE_ERROR && cs > o->max) {
        ZSTD_freeDCtx(dc);
        char lim[40];
        return tj_fail(err, TJ_ERR_FORMAT,
                       "%s: decompressed size %llu (from the zstd frame header) exceeds the %s "
                       "limit",
                       path, cs, limit_text(o->max, lim));
    }
    size_t hint =
        cs != ZSTD_CONTENTSIZE_UNKNOWN && cs != ZSTD_CONTENTSIZE_ERROR ? (size_t)cs : n * 4;
    if (hint > n * 64 + ((size_t)1 << 20)) hint = n * 64 + ((size_t)1 << 20);
    if (outbuf_reserve(o, hint + 1) != 0) {
        ZSTD_freeDCtx(dc);
        return tj_fail(err, TJ_ERR_NOMEM, "%s: out of memory decompressing", path);
    }
    ZSTD_inBuffer ib = {in, n, 0};
    size_t ret = 1;
    tj_status st = TJ_OK;
    for (;;) {
        if (o->len == o->cap && outbuf_grow(o, o->cap) != 0) {
            st = tj_fail(err, TJ_ERR_NOMEM, "%s: out of memory decompressing", path);
            break;
        }
        ZSTD_outBuffer ob = {o->p + o->len, o->cap - o->len, 0};
        ret = ZSTD_decompressStream(dc, &ob, &ib);
        o->len += ob.pos;
        if (ZSTD_isError(ret)) {
            st = tj_fail(err, TJ_ERR_FORMAT, "%s: corrupt zstd data (%s)", path,
                         ZSTD_getErrorName(ret));
            break;
        }
        if (o->len > o->max) {
            st = too_big(path, o->max, err);
            break;
        }
        /* Done when all input is consumed and the decoder holds nothing back (a full output
         * buffer may hide pending bytes, so only stop when there was room left). */
        if (ib.pos == ib.size && ob.pos < ob.size) {
            if (ret != 0) st = tj_fail(err, TJ_ERR_FORMAT, "%s: truncated zstd stream", path);
            break;
        }
    }
    ZSTD_freeDCtx(dc);
    return st;
}

static tj_status decompress(const char *path, const unsigned char *in, size_t n, size_t max,
                            tj_blob *out, tj_error *err)
{
    outbuf o = {NULL, 0, 0, max};
    tj_status st = is_gzip(in, n) ? gunzip(path, in, n, &o, err) : unzstd(path, in, n, &o, err);
    if (st == TJ_OK && outbuf_finish(&o, out) != 0)
        st = tj_fail(err, TJ_ERR_NOMEM, "%s: out of memory decompressing", path);
    free(o.p);
    return st;
}

/* Pipes and other non-regular files cannot be mapped: read them into an aligned buffer. */
static tj_status read_stream(const char *path, int fd, outbuf *o, tj_error *err)
{
    for (;;) {
        if (o->len == o->cap && outbuf_grow(o, o->cap) != 0)
            return tj_fail(err, TJ_ERR_NOMEM, "%s: out of memory reading", path);
        ssize_t got = read(fd, o->p + o->len, o->cap - o->len);
        if (got < 0) {
            if (errno == EINTR) continue;
            return tj_fail(err, TJ_ERR_IO, "%s: read error: %s", path, strerror(errno));
        }
        if (got == 0) return TJ_OK;
        o->len += (size_t)got;
        if (o->len > o->max) {
            char lim[40];
            return tj_fail(err, TJ_ERR_FORMAT, "%s: larger than the %s limit", path,
                           limit_text(o->max, lim));
        }
    }
}

tj_status tj_blob_load(const char *path, tj_blob *out, tj_error *err)
{
    return tj_blob_load_max(path, BLOB_MAX_SIZE, out, err);
}

static tj_status load(const char *path, size_t max, int keep_fd, tj_blob *out, tj_error *err)
{
    memset(out, 0, sizeof *out);
    if (!path || !*path) return tj_fail(err, TJ_ERR_ARG, "empty file name");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return tj_fail(err, e == ENOENT ? TJ_ERR_NOTFOUND : TJ_ERR_IO, "%s: cannot open: %s", path,
                       strerror(e));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return tj_fail(err, TJ_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        return tj_fail(err, TJ_ERR_IO, "%s: is a directory, expected a file", path);
    }

    tj_status st = TJ_OK;
    if (!S_ISREG(sb.st_mode)) {
        outbuf o = {NULL, 0, 0, max};
        st = read_stream(path, fd, &o, err);
        close(fd);
        if (st == TJ_OK && (is_gzip(o.p, o.len) || is_zstd(o.p, o.len))) {
            st = decompress(path, o.p, o.len, max, out, err);
            free(o.p);
            return st;
        }
        if (st == TJ_OK && outbuf_finish(&o, out) != 0)
            st = tj_fail(err, TJ_ERR_NOMEM, "%s: out of memory reading", path);
        free(o.p);
        return st;
    }

    if ((uint64_t)sb.st_size > (uint64_t)max) {
        close(fd);
        char lim[40];
        return tj_fail(err, TJ_ERR_FORMAT, "%s: larger than the %s limit", path,
                       limit_text(max, lim));
    }
    size_t size = (size_t)sb.st_size;
    if (size == 0) {
        close(fd);
        out->data = empty_data;
        return TJ_OK;
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    if (map == MAP_FAILED) {
        close(fd);
        return tj_fail(err, TJ_ERR_IO, "%s: cannot map: %s", path, strerror(e));
    }

    const unsigned char *p = map;
    if (is_gzip(p, size) || is_zstd(p, size)) {
        close(fd);
        st = decompress(path, p, size, max, out, err);
        munmap(map, size);
        return st;
    }
    if (keep_fd) {
        out->fd = fd;
        out->has_fd = 1;
    } else {
        close(fd);
    }
    out->data = p;
    out->size = size;
    out->map = map;
    out->map_size = size;
    return TJ_OK;
}

tj_status tj_blob_load_max(const char *path, size_t max, tj_blob *out, tj_error *err)
{
    return load(path, max, 0, out, err);
}

tj_status tj_blob_load_keep_fd(const char *path, tj_blob *out, tj_error *err)
{
    return load(path, BLOB_MAX_SIZE, 1, out, err);
}

void tj_blob_read(const tj_blob *b, const void *src, size_t n, void *dst)
{
    const unsigned char *s = src;
    unsigned char *d = dst;
    if (b->has_fd) {
        off_t off = (off_t)(s - b->data);
        while (n > 0) {
            ssize_t got = pread(b->fd, d, n, off);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) break; /* the rest from the mapping */
            d += got, s += got, off += got;
            n -= (size_t)got;
        }
    }
    memcpy(d, s, n);
}

void tj_blob_close_fd(tj_blob *b)
{
    if (b->has_fd) close(b->fd);
    b->has_fd = 0;
}

tj_status tj_blob_load_text(const char *path, size_t max, char **out, tj_error *err)
{
    *out = NULL;
    tj_blob b;
    tj_status st = tj_blob_load_max(path, max, &b, err);
    if (st) return st;
    char *s = malloc(b.size + 1);
    if (!s) {
        tj_blob_free(&b);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    memcpy(s, b.data, b.size);
    s[b.size] = '\0';
    tj_blob_free(&b);
    *out = s;
    return TJ_OK;
}

void tj_blob_free(tj_blob *b)
{
    if (!b) return;
    if (b->map) munmap(b->map, b->map_size);
    tj_blob_close_fd(b);
    free(b->owned);
    memset(b, 0, sizeof *b);
}
