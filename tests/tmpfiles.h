/* SPDX-License-Identifier: MIT */
/* Scratch files for the unit tests: a temporary folder (the test makes it, e.g. with mkdtemp,
 * into tmpdir), paths in it, whole-file writes, gzip. Failures to write end the test: they are
 * the machine's fault, not the code's. */
#ifndef TJ_TESTS_TMPFILES_H
#define TJ_TESTS_TMPFILES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static char tmpdir[256];

/* tmpdir/name; the last four results stay valid, so a call can take several paths. */
static inline const char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static inline void write_file(const char *path, const void *data, size_t n)
{
    /* A new file each time: ext4 flushes a truncated-and-rewritten file to disk on close. */
    remove(path);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

/* A gzip member of in[0..n) at the given level (malloc'd, *out_n bytes). */
static inline unsigned char *gzip_bytes(const unsigned char *in, size_t n, int level, size_t *out_n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        exit(1);
    size_t cap = deflateBound(&zs, (uLong)n) + 64;
    unsigned char *out = malloc(cap);
    if (!out) exit(1);
    zs.next_in = (unsigned char *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) exit(1);
    *out_n = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

#endif
