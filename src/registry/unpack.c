/* SPDX-License-Identifier: MIT */
#include "registry/unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "util/error.h"

tj_codec tj_codec_from_name(const char *name)
{
    size_t n = strlen(name);
    if (n > 3 && strcmp(name + n - 3, ".gz") == 0) return TJ_CODEC_GZIP;
    if (n > 4 && strcmp(name + n - 4, ".zst") == 0) return TJ_CODEC_ZSTD;
    return TJ_CODEC_NONE;
}

enum { CHUNK = 1 << 17 };

/* Output side: a file descriptor, a running digest and a byte budget. */
typedef struct sink {
    int fd;
    const char *path;
    uint64_t written, max;
    tj_sha256 sha;
} sink;

static tj_status sink_write(sink *s, const unsigned char *p, size_t n, tj_error *err)
{
    if (n > s->max - s->written)
        return tj_fail(err, TJ_ERR_CHECKSUM,
                       "%s: decompresses to more than the expected %llu bytes", s->path,
                       (unsigned long long)s->max);
    tj_sha256_update(&s->sha, p, n);
    s->written += n;
    while (n > 0) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0)
            return tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", s->path, strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return TJ_OK;
}

/* Reads up to cap bytes; returns -1 on error (errno set). */
static ssize_t read_some(int fd, unsigned char *buf, size_t cap)
{
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n >= 0 || errno != EINTR) return n;
    }
}

static tj_status copy_plain(int in, const char *src, sink *out, unsigned char *buf, tj_error *err)
{
    for (;;) {
        ssize_t n = read_some(in, buf, CHUNK);
        if (n < 0) return tj_fail(err, TJ_ERR_IO, "%s: read error: %s", src, strerror(errno));
        if (n == 0) return TJ_OK;
        tj_status st = sink_write(out, buf, (size_t)n, err);
        if (st != TJ_OK) return st;
    }
}

static tj_status gunzip(int in, const char *src, sink *out, unsigned char *buf, tj_error *err)
{
    unsigned char *obuf = buf + CHUNK;
    z_stream z;
    memset(&z, 0, sizeof z);
    /* 16 + MAX_WBITS: gzip wrapper only, so a zlib or raw stream is rejected. */
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory (zlib)");
    tj_status st = TJ_OK;
    int ended = 0, eof = 0;
    while (st == TJ_OK) {
        if (z.avail_in == 0 && !eof) {
            ssize_t n = read_some(in, buf, CHUNK);
            if (n < 0) {
                st = tj_fail(err, TJ_ERR_IO, "%s: read error: %s", src, strerror(errno));
                break;
            }
            eof = n == 0;
            z.next_in = buf;
            z.avail_in = (uInt)n;
        }
        if (ended) {
            if (z.avail_in == 0) break; /* end of file right after a complete member */
            /* Another gzip member follows (as `cat a.gz b.gz` makes); anything else is junk. */
            if (z.next_in[0] != 0x1f) {
                st = tj_fail(err, TJ_ERR_FORMAT, "%s: trailing garbage after gzip data", src);
                break;
            }
            inflateReset(&z);
            ended = 0;
        }
        z.next_out = obuf;
        z.avail_out = CHUNK;
        int rc = inflate(&z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            ended = 1;
        } else if (rc == Z_BUF_ERROR && eof && z.avail_in == 0) {
            /* No progress possible: the input ended inside a member. */
            st = tj_fail(err, TJ_ERR_FORMAT, "%s: truncated gzip stream", src);
            break;
        } else if (rc != Z_OK) {
            st = tj_fail(err, TJ_ERR_FORMAT, "%s: corrupt gzip data (%s)", src,
                         z.msg ? z.msg : "inflate failed");
            break;
        }
        st = sink_write(out, obuf, CHUNK - z.avail_out, err);
    }
    inflateEnd(&z);
    return st;
}

static tj_status unzstd(int in, const char *src, sink *out, unsigned char *buf, tj_error *err)
{
    unsigned char *obuf = buf + CHUNK;
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    if (!dctx) return tj_fail(err, TJ_ERR_NOMEM, "out of memory (zstd)");
    tj_status st = TJ_OK;
    size_t last = 1; /* 0 once a frame is complete */
    int any = 0;
    while (st == TJ_OK) {
        ssize_t n = read_some(in, buf, CHUNK);
        if (n < 0) {
            st = tj_fail(err, TJ_ERR_IO, "%s: read error: %s", src, strerror(errno));
            break;
        }
        if (n == 0) {
            if (!any || last != 0)
                st = tj_fail(err, TJ_ERR_FORMAT, "%s: truncated zstd stream", src);
            break;
        }
        any = 1;
        ZSTD_inBuffer ib = {buf, (size_t)n, 0};
        /* A full output buffer may leave data inside the decoder: call again until it is not. */
        for (;;) {
            ZSTD_outBuffer ob = {obuf, CHUNK, 0};
            size_t consumed = ib.pos;
            size_t r = ZSTD_decompressStream(dctx, &ob, &ib);
            if (ZSTD_isError(r)) {
                st = tj_fail(err, TJ_ERR_FORMAT, "%s: corrupt zstd data (%s)", src,
                             ZSTD_getErrorName(r));
                break;
            }
            /* An idle call after a finished frame reports the next frame's needs: ignore it. */
            if (ib.pos != consumed || ob.pos > 0) last = r;
            st = sink_write(out, obuf, ob.pos, err);
            if (st != TJ_OK || (ib.pos == ib.size && ob.pos < CHUNK)) break;
        }
    }
    ZSTD_freeDCtx(dctx);
    return st;
}

static int magic_ok(int fd, tj_codec codec)
{
    unsigned char m[4];
    ssize_t n = pread(fd, m, sizeof m, 0);
    if (codec == TJ_CODEC_GZIP) return n >= 2 && m[0] == 0x1f && m[1] == 0x8b;
    if (codec == TJ_CODEC_ZSTD)
        return n == 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd;
    return 1;
}

tj_status tj_unpack(const char *src, tj_codec codec, const char *dst, uint64_t max_out,
                    uint64_t *out_size, char hex[TJ_SHA256_HEX_SIZE], tj_error *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) return tj_fail(err, TJ_ERR_IO, "%s: cannot open: %s", src, strerror(errno));
    if (!magic_ok(in, codec)) {
        close(in);
        return tj_fail(err, TJ_ERR_FORMAT, "%s: not a %s file", src,
                       codec == TJ_CODEC_GZIP ? "gzip" : "zstd");
    }
    sink out = {.path = dst, .max = max_out};
    out.fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out.fd < 0) {
        tj_status st = tj_fail(err, TJ_ERR_IO, "cannot create %s: %s", dst, strerror(errno));
        close(in);
        return st;
    }
    tj_sha256_init(&out.sha);
    unsigned char *buf = malloc(2 * CHUNK);
    tj_status st;
    if (!buf)
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    else if (codec == TJ_CODEC_GZIP)
        st = gunzip(in, src, &out, buf, err);
    else if (codec == TJ_CODEC_ZSTD)
        st = unzstd(in, src, &out, buf, err);
    else
        st = copy_plain(in, src, &out, buf, err);
    free(buf);
    close(in);
    /* A model file that only lives in the page cache is not installed yet. */
    if (st == TJ_OK && fsync(out.fd) != 0)
        st = tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", dst, strerror(errno));
    if (close(out.fd) != 0 && st == TJ_OK)
        st = tj_fail(err, TJ_ERR_IO, "disk error writing %s: %s", dst, strerror(errno));
    if (st != TJ_OK) {
        unlink(dst);
        return st;
    }
    unsigned char digest[TJ_SHA256_SIZE];
    tj_sha256_final(&out.sha, digest);
    tj_sha256_hex(digest, hex);
    *out_size = out.written;
    return TJ_OK;
}
