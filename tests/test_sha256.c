/* SPDX-License-Identifier: MIT */
/* SHA-256 against the FIPS 180-2 example vectors (Appendix B) and NIST's long-message vector,
 * plus padding-boundary lengths whose digests were taken from coreutils sha256sum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/sha256.h"

static int failures;

static void check_hex(const char *what, const unsigned char digest[TJ_SHA256_SIZE],
                      const char *want)
{
    char hex[TJ_SHA256_HEX_SIZE];
    tj_sha256_hex(digest, hex);
    if (strcmp(hex, want) != 0) {
        fprintf(stderr, "FAIL %s\n  got  %s\n  want %s\n", what, hex, want);
        failures++;
    }
}

/* Hashes msg in pieces of `step` bytes, to exercise the partial-block path. */
static void digest_in_steps(const unsigned char *msg, size_t len, size_t step,
                            unsigned char digest[TJ_SHA256_SIZE])
{
    tj_sha256 ctx;
    tj_sha256_init(&ctx);
    for (size_t off = 0; off < len; off += step)
        tj_sha256_update(&ctx, msg + off, len - off < step ? len - off : step);
    tj_sha256_final(&ctx, digest);
}

int main(void)
{
    static const struct {
        const char *msg, *want;
    } fips[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopq"
         "rlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    unsigned char d[TJ_SHA256_SIZE];
    for (size_t i = 0; i < sizeof fips / sizeof fips[0]; i++) {
        const char *m = fips[i].msg;
        tj_sha256_buf(m, strlen(m), d);
        check_hex(m[0] ? m : "(empty)", d, fips[i].want);
        for (size_t step = 1; step <= 7; step += 3) {
            digest_in_steps((const unsigned char *)m, strlen(m), step, d);
            check_hex("stepwise", d, fips[i].want);
        }
    }

    /* One million 'a' (FIPS 180-2 B.3), in odd-sized pieces. */
    size_t mlen = 1000000;
    unsigned char *million = malloc(mlen);
    if (!million) return 1;
    memset(million, 'a', mlen);
    tj_sha256_buf(million, mlen, d);
    check_hex("million a", d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    digest_in_steps(million, mlen, 1013, d);
    check_hex("million a, 1013-byte pieces", d,
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);

    /* Lengths around the 56-byte padding limit and block edges: n copies of 'x'. */
    static const struct {
        size_t n;
        const char *want;
    } edges[] = {
        {55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"},
        {56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"},
        {57, "ae14a2563ccf969d99aca69ce6bb74981f734bbf9f655f73b8f06db68cab5217"},
        {63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"},
        {64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"},
        {65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9"},
        {119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"},
        {120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98"},
        {127, "70156a14adbabf98cff3a71c7084b417abf057a8efd27329ca36b7202c87d81f"},
        {128, "24da1b81d0b16df6428eee73c69fcb2a93c76bc6df706f0c6670fe6bfe800464"},
    };
    unsigned char xs[128];
    memset(xs, 'x', sizeof xs);
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        char what[32];
        snprintf(what, sizeof what, "%zu x", edges[i].n);
        tj_sha256_buf(xs, edges[i].n, d);
        check_hex(what, d, edges[i].want);
        digest_in_steps(xs, edges[i].n, 60, d);
        check_hex(what, d, edges[i].want);
    }

    if (!tj_sha256_is_hex("E3B0C44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") ||
        tj_sha256_is_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85") ||
        tj_sha256_is_hex("g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") ||
        tj_sha256_is_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555")) {
        fprintf(stderr, "FAIL tj_sha256_is_hex\n");
        failures++;
    }

    if (failures) {
        fprintf(stderr, "%d sha256 check(s) failed\n", failures);
        return 1;
    }
    printf("sha256: all vectors ok\n");
    return 0;
}
