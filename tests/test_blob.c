/* SPDX-License-Identifier: MIT */
/* tj_blob_load: plain (mmap), gzip (incl. multi-member), zstd (known and unknown content size,
 * multi-frame), pipes, and every way the compressed data can be cut or damaged. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "util/blob.h"
#include "check.h"
#include "tmpfiles.h"

/* Streaming compression without a pledged size: the frame header has no content size. */
static unsigned char *zstd_bytes(const unsigned char *in, size_t n, int known_size, int checksum,
                                 size_t *out_n)
{
    size_t cap = ZSTD_compressBound(n);
    unsigned char *out = malloc(cap);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, checksum);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, known_size);
    if (known_size) ZSTD_CCtx_setPledgedSrcSize(cc, n);
    ZSTD_inBuffer ib = {in, n, 0};
    ZSTD_outBuffer ob = {out, cap, 0};
    size_t r;
    do {
        r = ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end);
        if (ZSTD_isError(r)) exit(1);
    } while (r != 0);
    ZSTD_freeCCtx(cc);
    *out_n = ob.pos;
    return out;
}

/* Appends one gzip member of n zero bytes to f, streamed from a small buffer. */
static void append_gzip_zeros(FILE *f, size_t n)
{
    static unsigned char zeros[1 << 16], out[1 << 16];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) exit(1);
    int flush;
    do {
        size_t take = n < sizeof zeros ? n : sizeof zeros;
        n -= take;
        zs.next_in = zeros;
        zs.avail_in = (uInt)take;
        flush = n ? Z_NO_FLUSH : Z_FINISH;
        do {
            zs.next_out = out;
            zs.avail_out = sizeof out;
            if (deflate(&zs, flush) == Z_STREAM_ERROR) exit(1);
            fwrite(out, 1, sizeof out - zs.avail_out, f);
        } while (zs.avail_out == 0);
    } while (flush != Z_FINISH);
    deflateEnd(&zs);
}

/* A zstd frame of n zero bytes, with or without the content size in its header. */
static void write_zstd_zeros(const char *path, size_t n, int known_size)
{
    static unsigned char zeros[1 << 16], out[1 << 16];
    FILE *f = fopen(path, "wb");
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    if (!f || !cc) exit(1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, known_size);
    if (known_size) ZSTD_CCtx_setPledgedSrcSize(cc, n);
    size_t r;
    do {
        size_t take = n < sizeof zeros ? n : sizeof zeros;
        n -= take;
        ZSTD_inBuffer ib = {zeros, take, 0};
        ZSTD_EndDirective end = n ? ZSTD_e_continue : ZSTD_e_end;
        do {
            ZSTD_outBuffer ob = {out, sizeof out, 0};
            r = ZSTD_compressStream2(cc, &ob, &ib, end);
            if (ZSTD_isError(r)) exit(1);
            fwrite(out, 1, ob.pos, f);
        } while (end == ZSTD_e_end ? r != 0 : ib.pos < ib.size);
    } while (n);
    ZSTD_freeCCtx(cc);
    if (fclose(f) != 0) exit(1);
}

#if defined(__SANITIZE_ADDRESS__)
#define TJ_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TJ_TEST_ASAN 1
#endif
#endif

#ifndef TJ_TEST_ASAN /* the peak checks below are skipped under ASan */
/* Loads path with limit max in a child process; returns how far the child's peak resident size
 * rose during the load, in KiB, or -1 when the load did not fail with TJ_ERR_FORMAT. */
static long bomb_peak_kib(const char *path, size_t max)
{
    int fds[2];
    if (pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        struct rusage before, after;
        getrusage(RUSAGE_SELF, &before);
        tj_blob b;
        tj_error err;
        tj_status st = tj_blob_load_max(path, max, &b, &err);
        getrusage(RUSAGE_SELF, &after);
        long grew = st == TJ_ERR_FORMAT && strstr(err.message, "limit")
                        ? after.ru_maxrss - before.ru_maxrss
                        : -1;
        if (write(fds[1], &grew, sizeof grew) != sizeof grew) _exit(1);
        _exit(0);
    }
    close(fds[1]);
    long grew = -1;
    if (pid < 0 || read(fds[0], &grew, sizeof grew) != sizeof grew) grew = -1;
    close(fds[0]);
    if (pid > 0) waitpid(pid, NULL, 0);
    return grew;
}
#endif

/* Size limits, with a limit of 64 MiB standing in for the 4 GiB one (tj_blob_load_max). A gzip
 * bomb whose trailer understates its size (the trailer holds the size mod 2^32, so a 5 GiB bomb
 * says 1 GiB; here a second member says 16 MiB) made the old aligned-copy growth hold the full
 * buffer and a copy of it at once: twice the limit (8.4 GB for 4 GiB). Growth is now bounded by
 * the limit plus a little. */
static void test_limits(void)
{
    const size_t lim = (size_t)64 << 20;
    FILE *f = fopen(tmp_path("bomb.gz"), "wb");
    if (!f) exit(1);
    append_gzip_zeros(f, lim + (lim >> 2));
    append_gzip_zeros(f, lim >> 2);
    if (fclose(f) != 0) exit(1);
    write_zstd_zeros(tmp_path("bomb-known.zst"), lim + (lim >> 2), 1);
    write_zstd_zeros(tmp_path("bomb-unknown.zst"), lim + (lim >> 2), 0);

    tj_blob b;
    tj_error err;
    EXPECT(tj_blob_load_max(tmp_path("bomb.gz"), lim, &b, &err) == TJ_ERR_FORMAT &&
           strstr(err.message, "decompressed size exceeds the 67108864-byte limit"));
    EXPECT(tj_blob_load_max(tmp_path("bomb-unknown.zst"), lim, &b, &err) == TJ_ERR_FORMAT &&
           strstr(err.message, "decompressed size exceeds the 67108864-byte limit"));
    /* A declared content size over the limit is refused before decompressing. */
    EXPECT(tj_blob_load_max(tmp_path("bomb-known.zst"), lim, &b, &err) == TJ_ERR_FORMAT &&
           strstr(err.message, "83886080 (from the zstd frame header) exceeds"));
    /* Exactly the limit is fine, one byte less is not; a plain file is held to it too. */
    write_zstd_zeros(tmp_path("lim.zst"), 100000, 0);
    EXPECT(tj_blob_load_max(tmp_path("lim.zst"), 100000, &b, &err) == TJ_OK && b.size == 100000 &&
           ((uintptr_t)b.data & 63) == 0);
    tj_blob_free(&b);
    EXPECT(tj_blob_load_max(tmp_path("lim.zst"), 99999, &b, &err) == TJ_ERR_FORMAT);
    EXPECT(tj_blob_load_max(tmp_path("plain.bin"), 99999, &b, &err) == TJ_ERR_FORMAT &&
           strstr(err.message, "larger than the 99999-byte limit"));

#ifdef TJ_TEST_ASAN
    printf("note: peak-memory checks skipped under AddressSanitizer (its allocator copies on "
           "realloc and keeps freed blocks)\n");
#else
    const long bound = (long)((lim + ((size_t)16 << 20)) >> 10);
    long gz = bomb_peak_kib(tmp_path("bomb.gz"), lim);
    long zs = bomb_peak_kib(tmp_path("bomb-unknown.zst"), lim);
    long zk = bomb_peak_kib(tmp_path("bomb-known.zst"), lim);
    printf("peak growth refusing bombs with a 65536 KiB limit: gzip %ld KiB, zstd %ld KiB, zstd "
           "with a declared size %ld KiB\n",
           gz, zs, zk);
    CHECK(gz >= 0 && gz < bound, "gzip bomb: peak grew %ld KiB, limit 65536 KiB", gz);
    CHECK(zs >= 0 && zs < bound, "zstd bomb: peak grew %ld KiB, limit 65536 KiB", zs);
    CHECK(zk >= 0 && zk < 8192, "zstd bomb with a declared size: peak grew %ld KiB", zk);
#endif
    remove(tmp_path("bomb.gz"));
    remove(tmp_path("bomb-known.zst"));
    remove(tmp_path("bomb-unknown.zst"));
    remove(tmp_path("lim.zst"));
}

static int blob_equals(const tj_blob *b, const unsigned char *data, size_t n)
{
    return b->size == n && (n == 0 || memcmp(b->data, data, n) == 0);
}

/* Loads path with a fresh error record. */
static tj_status load(const char *path, tj_blob *b, tj_error *err)
{
    memset(err, 0, sizeof *err);
    return tj_blob_load(path, b, err);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/tj_blob_XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }

    /* Content: compressible but not trivial, 100 000 bytes. */
    size_t n = 100000;
    unsigned char *content = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        content[i] = (unsigned char)("abcdefgh \n"[(x >> 16) % 10]);
    }
    tj_blob b;
    tj_error err;

    /* Plain: mapped, not copied. */
    write_file(tmp_path("plain.bin"), content, n);
    EXPECT(load(tmp_path("plain.bin"), &b, &err) == TJ_OK);
    EXPECT(blob_equals(&b, content, n));
    EXPECT(b.map != NULL && b.owned == NULL);
    tj_blob_free(&b);
    EXPECT(b.data == NULL && b.size == 0);

    /* Empty and one-byte files are fine (a lone 0x1f is not a gzip header). */
    write_file(tmp_path("empty"), "", 0);
    EXPECT(load(tmp_path("empty"), &b, &err) == TJ_OK);
    EXPECT(b.size == 0 && b.data != NULL);
    tj_blob_free(&b);
    write_file(tmp_path("one"), "\x1f", 1);
    EXPECT(load(tmp_path("one"), &b, &err) == TJ_OK);
    EXPECT(b.size == 1 && b.data[0] == 0x1f);
    tj_blob_free(&b);

    /* gzip, detected by magic even without a .gz name. */
    size_t gz_n;
    unsigned char *gz = gzip_bytes(content, n, 9, &gz_n);
    write_file(tmp_path("data.noext"), gz, gz_n);
    EXPECT(load(tmp_path("data.noext"), &b, &err) == TJ_OK);
    EXPECT(blob_equals(&b, content, n));
    EXPECT(b.owned != NULL && b.map == NULL);
    EXPECT(((uintptr_t)b.data & 63) == 0);
    tj_blob_free(&b);

    /* Multi-member gzip = concatenation of the members' contents. */
    size_t gz1_n, gz2_n;
    unsigned char *gz1 = gzip_bytes(content, 30000, 9, &gz1_n);
    unsigned char *gz2 = gzip_bytes(content + 30000, n - 30000, 9, &gz2_n);
    unsigned char *multi = malloc(gz1_n + gz2_n);
    memcpy(multi, gz1, gz1_n);
    memcpy(multi + gz1_n, gz2, gz2_n);
    write_file(tmp_path("multi.gz"), multi, gz1_n + gz2_n);
    EXPECT(load(tmp_path("multi.gz"), &b, &err) == TJ_OK);
    EXPECT(blob_equals(&b, content, n));
    tj_blob_free(&b);

    /* gzip of an empty file. */
    size_t gz0_n;
    unsigned char *gz0 = gzip_bytes(content, 0, 9, &gz0_n);
    write_file(tmp_path("empty.gz"), gz0, gz0_n);
    EXPECT(load(tmp_path("empty.gz"), &b, &err) == TJ_OK);
    EXPECT(b.size == 0);
    tj_blob_free(&b);

    /* Truncated gzip: every cut from 2 bytes on is an error naming the file. */
    for (size_t cut = 2; cut < gz_n; cut += (cut < 64 || cut > gz_n - 64) ? 1 : 997) {
        write_file(tmp_path("cut.gz"), gz, cut);
        tj_status st = load(tmp_path("cut.gz"), &b, &err);
        EXPECT(st == TJ_ERR_FORMAT);
        EXPECT(strstr(err.message, "cut.gz") != NULL);
        if (st == TJ_OK) tj_blob_free(&b);
    }
    write_file(tmp_path("cut.gz"), gz, gz_n - 1);
    EXPECT(load(tmp_path("cut.gz"), &b, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "truncated gzip") != NULL);

    /* Corrupt gzip: any damaged byte after the 10-byte header (whose MTIME/OS bytes carry no
     * checked information) is caught by inflate or by the CRC/length trailer. */
    unsigned char *bad = malloc(gz_n + ZSTD_compressBound(n));
    for (size_t at = 10; at < gz_n; at += (at > gz_n - 16) ? 1 : 211) {
        memcpy(bad, gz, gz_n);
        bad[at] ^= 0x55;
        write_file(tmp_path("bad.gz"), bad, gz_n);
        tj_status st = load(tmp_path("bad.gz"), &b, &err);
        EXPECT(st == TJ_ERR_FORMAT);
        if (st == TJ_OK) tj_blob_free(&b);
    }
    /* Trailing garbage after a complete member. */
    unsigned char *trail = malloc(gz_n + 5);
    memcpy(trail, gz, gz_n);
    memcpy(trail + gz_n, "junk!", 5);
    write_file(tmp_path("trail.gz"), trail, gz_n + 5);
    EXPECT(load(tmp_path("trail.gz"), &b, &err) == TJ_ERR_FORMAT);
    EXPECT(strstr(err.message, "trailing garbage") != NULL);

    /* zstd with and without a content size in the header, with a checksum. */
    for (int known = 0; known <= 1; known++) {
        size_t zn;
        unsigned char *z = zstd_bytes(content, n, known, 1, &zn);
        EXPECT(ZSTD_getFrameContentSize(z, zn) ==
               (known ? (unsigned long long)n : ZSTD_CONTENTSIZE_UNKNOWN));
        write_file(tmp_path("data.zst"), z, zn);
        EXPECT(load(tmp_path("data.zst"), &b, &err) == TJ_OK);
        EXPECT(blob_equals(&b, content, n));
        EXPECT(((uintptr_t)b.data & 63) == 0);
        tj_blob_free(&b);
        /* Every cut after the magic is detected (the frame's last block or checksum is missing). */
        for (size_t cut = 4; cut < zn; cut += (cut < 64 || cut > zn - 64) ? 1 : 499) {
            write_file(tmp_path("cut.zst"), z, cut);
            tj_status st = load(tmp_path("cut.zst"), &b, &err);
            EXPECT(st == TJ_ERR_FORMAT);
            EXPECT(strstr(err.message, "cut.zst") != NULL);
            if (st == TJ_OK) tj_blob_free(&b);
        }
        /* Damage: with the checksum on, any changed byte is an error. */
        for (size_t at = 4; at < zn; at += 97) {
            memcpy(bad, z, zn);
            bad[at] ^= 0x55;
            write_file(tmp_path("bad.zst"), bad, zn);
            tj_status st = load(tmp_path("bad.zst"), &b, &err);
            EXPECT(st == TJ_ERR_FORMAT);
            if (st == TJ_OK) tj_blob_free(&b);
        }
        free(z);
    }
    /* Two zstd frames back to back decode to the concatenation. */
    {
        size_t an, bn;
        unsigned char *za = zstd_bytes(content, 1000, 1, 0, &an);
        unsigned char *zb = zstd_bytes(content + 1000, n - 1000, 0, 0, &bn);
        unsigned char *zz = malloc(an + bn);
        memcpy(zz, za, an);
        memcpy(zz + an, zb, bn);
        write_file(tmp_path("two.zst"), zz, an + bn);
        EXPECT(load(tmp_path("two.zst"), &b, &err) == TJ_OK);
        EXPECT(blob_equals(&b, content, n));
        tj_blob_free(&b);
        free(za);
        free(zb);
        free(zz);
    }

    /* Missing file, directory. */
    EXPECT(load(tmp_path("nope.bin"), &b, &err) == TJ_ERR_NOTFOUND);
    EXPECT(strstr(err.message, "nope.bin") != NULL);
    EXPECT(strstr(err.message, "No such file") != NULL);
    EXPECT(load(tmpdir, &b, &err) != TJ_OK);
    EXPECT(strstr(err.message, "directory") != NULL);
    EXPECT(load("", &b, &err) == TJ_ERR_ARG);

    /* A pipe cannot be mapped: it is read, and decompressed when it holds gzip. */
    const char *fifo = tmp_path("pipe");
    char fifo_path[512];
    snprintf(fifo_path, sizeof fifo_path, "%s", fifo);
    if (mkfifo(fifo_path, 0600) == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            FILE *f = fopen(fifo_path, "wb");
            if (!f) _exit(1);
            fwrite(gz, 1, gz_n, f);
            fclose(f);
            _exit(0);
        }
        EXPECT(load(fifo_path, &b, &err) == TJ_OK);
        EXPECT(blob_equals(&b, content, n));
        tj_blob_free(&b);
        int status;
        waitpid(pid, &status, 0);
        EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }

    test_limits();

    const char *names[] = {"plain.bin", "empty",   "one",     "data.noext", "multi.gz",
                           "empty.gz",  "cut.gz",  "bad.gz",  "trail.gz",   "data.zst",
                           "cut.zst",   "bad.zst", "two.zst", "pipe"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) remove(tmp_path(names[i]));
    rmdir(tmpdir);
    free(content);
    free(gz);
    free(gz0);
    free(gz1);
    free(gz2);
    free(multi);
    free(bad);
    free(trail);
    if (failures) {
        fprintf(stderr, "test_blob: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_blob: ok\n");
    return 0;
}
