/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4), incremental. Used to check downloaded and installed model files against
 * pinned digests, so it must be exact and must not depend on any crypto library. */
#ifndef TJ_UTIL_SHA256_H
#define TJ_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define TJ_SHA256_SIZE 32
#define TJ_SHA256_HEX_SIZE 65 /* 64 lowercase hex digits and a NUL */

typedef struct tj_sha256 {
    uint32_t state[8];
    uint64_t total;          /* bytes hashed so far */
    unsigned char block[64]; /* pending partial block */
    size_t used;             /* bytes in block */
} tj_sha256;

void tj_sha256_init(tj_sha256 *ctx);
void tj_sha256_update(tj_sha256 *ctx, const void *data, size_t len);
/* Writes the digest; ctx must be re-initialised before reuse. */
void tj_sha256_final(tj_sha256 *ctx, unsigned char digest[TJ_SHA256_SIZE]);

/* One-shot digest of a buffer. */
void tj_sha256_buf(const void *data, size_t len, unsigned char digest[TJ_SHA256_SIZE]);

/* Lowercase hex form of a digest. */
void tj_sha256_hex(const unsigned char digest[TJ_SHA256_SIZE], char hex[TJ_SHA256_HEX_SIZE]);

/* 1 when s is exactly 64 hex digits (either case). */
int tj_sha256_is_hex(const char *s);

#endif
