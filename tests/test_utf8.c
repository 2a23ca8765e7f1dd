/* SPDX-License-Identifier: MIT */
/* UTF-8 helpers against RFC 3629's definition: the encodings of boundary code points, the
 * sequences the RFC forbids (overlongs, surrogates, above U+10FFFF, stray continuation bytes,
 * truncated sequences), and tj_utf8_clip never cutting a character. */
#include <string.h>

#include "check.h"
#include "util/utf8.h"

/* s is valid UTF-8 exactly when tj_utf8_check returns its length */
static void valid(const char *s, size_t len, int want)
{
    size_t at = tj_utf8_check(s, len);
    CHECK((at == len) == want, "check of %zu bytes starting %02X: stopped at %zu, want %s", len,
          (unsigned char)s[0], at, want ? "valid" : "invalid");
}

int main(void)
{
    /* RFC 3629 section 4 table: first and last code point of each length */
    static const struct {
        unsigned cp;
        const char *bytes;
    } enc[] = {
        {0x0, "\x00"},
        {0x7F, "\x7F"},
        {0x80, "\xC2\x80"},
        {0x7FF, "\xDF\xBF"},
        {0x800, "\xE0\xA0\x80"},
        {0xFFFF, "\xEF\xBF\xBF"},
        {0x10000, "\xF0\x90\x80\x80"},
        {0x10FFFF, "\xF4\x8F\xBF\xBF"},
        {0x628, "\xD8\xA8"}, /* ARABIC LETTER BEH */
    };
    for (size_t i = 0; i < sizeof enc / sizeof enc[0]; i++) {
        size_t n = enc[i].cp ? strlen(enc[i].bytes) : 1;
        char out[4];
        int k = tj_utf8_encode(enc[i].cp, out);
        CHECK(k == (int)n && !memcmp(out, enc[i].bytes, n), "encode U+%04X", enc[i].cp);
        int m;
        unsigned cp = tj_utf8_decode(enc[i].bytes, n, &m);
        CHECK(cp == enc[i].cp && m == (int)n, "decode U+%04X: got U+%04X, %d bytes", enc[i].cp, cp,
              m);
        valid(enc[i].bytes, n, 1);
    }
    /* forbidden by RFC 3629 */
    valid("\xC0\x80", 2, 0);         /* overlong NUL */
    valid("\xE0\x80\xAF", 3, 0);     /* overlong '/' */
    valid("\xF0\x80\x80\xAF", 4, 0); /* overlong '/' */
    valid("\xED\xA0\x80", 3, 0);     /* U+D800, a surrogate */
    valid("\xED\xBF\xBF", 3, 0);     /* U+DFFF */
    valid("\xF4\x90\x80\x80", 4, 0); /* U+110000 */
    valid("\xF5\x80\x80\x80", 4, 0);
    valid("\xFF", 1, 0);
    valid("\x80", 1, 0); /* a continuation byte alone */
    valid("\xD8", 1, 0); /* truncated two-byte sequence */
    valid("\xF0\x9F\x98", 3, 0);
    valid("\xEF\xBF\xBD", 3, 1); /* U+FFFD itself is valid text */
    int m;
    CHECK(tj_utf8_decode("\xC0\x80", 2, &m) == 0xFFFD && m == 1, "overlong decodes to U+FFFD");

    /* clip: 13 four-byte characters (U+1F600), cut at every limit from 36 to 44 bytes */
    char faces[52];
    for (int i = 0; i < 13; i++) memcpy(faces + 4 * i, "\xF0\x9F\x98\x80", 4);
    for (size_t max = 36; max <= 44; max++) {
        size_t n = tj_utf8_clip(faces, sizeof faces, max);
        CHECK(n == max / 4 * 4, "clip 4-byte characters at %zu: %zu", max, n);
    }
    CHECK(tj_utf8_clip("a\xD8\xA8", 3, 2) == 1, "clip before a two-byte letter");
    CHECK(tj_utf8_clip("a\xD8\xA8", 3, 3) == 3, "no clip when it fits");
    CHECK(tj_utf8_clip("abc", 3, 40) == 3, "short text unchanged");
    CHECK(tj_utf8_clip("abcdef", 6, 4) == 4, "ASCII cut anywhere");
    CHECK(tj_utf8_clip("\xD8\xA8", 2, 0) == 0, "max 0");
    /* not UTF-8 (five continuation bytes): the limit itself, the error path makes them '?' */
    CHECK(tj_utf8_clip("a\x80\x80\x80\x80\x80", 6, 5) == 5, "stray continuation bytes");
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
