/* SPDX-License-Identifier: MIT */
#include "util/utf8.h"

uint32_t tj_utf8_decode(const char *str, size_t len, int *n)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned c = s[0];
    *n = 1;
    if (c < 0x80) return c;
    int need;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else
        return 0xFFFD;
    if ((size_t)need >= len) return 0xFFFD;
    for (int i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0xFFFD;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
    *n = need + 1;
    return cp;
}

size_t tj_utf8_check(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        int n;
        uint32_t cp = tj_utf8_decode(s + i, len - i, &n);
        /* A literal U+FFFD in the text is valid (EF BF BD, n == 3). */
        if (cp == 0xFFFD && n == 1) return i;
        i += (size_t)n;
    }
    return len;
}

size_t tj_utf8_clip(const char *s, size_t len, size_t max)
{
    if (len <= max) return len;
    /* back off over continuation bytes to the lead byte of the character that would be cut */
    size_t n = max;
    while (n > 0 && max - n < 3 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return ((unsigned char)s[n] & 0xC0) == 0x80 ? max : n;
}

int tj_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}
