/* SPDX-License-Identifier: MIT */
/* tj_blob_load: plain (mmap), gzip (incl. multi-member), zstd (known and unknown content size,
 * multi-frame), pipes, and every way the compressed data can be cut or damaged. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
