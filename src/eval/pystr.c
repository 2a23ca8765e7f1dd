/* SPDX-License-Identifier: MIT */
#include "eval/pystr.h"

#include "util/utf8.h"

int tj_py_isspace(uint32_t cp)
{
    if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
    switch (cp) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return 1;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

/* Decodes the code point at s[i]; *n gets its byte length. */
static uint32_t cp_at(const char *s, size_t len, size_t i, int *n)
{
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
        *n = 1;
        return c;
    }
    return tj_utf8_decode(s + i, len - i, n);
}

size_t tj_py_rstrip_len(const char *s, size_t len)
{
    size_t end = 0, i = 0;
    while (i < len) {
        int n;
        uint32_t cp = cp_at(s, len, i, &n);
        i += (size_t)n;
        if (!tj_py_isspace(cp)) end = i;
    }
    return end;
}

size_t tj_py_split_join(const char *s, size_t len, char *out, size_t *out_len)
{
    size_t words = 0, w = 0, i = 0;
    int in_word = 0;
    while (i < len) {
        int n;
        uint32_t cp = cp_at(s, len, i, &n);
        if (tj_py_isspace(cp)) {
            in_word = 0;
        } else {
            if (!in_word) {
                if (words > 0) out[w++] = ' ';
                words++;
                in_word = 1;
            }
            for (int k = 0; k < n; k++) out[w++] = s[i + (size_t)k];
        }
        i += (size_t)n;
    }
    out[w] = '\0';
    *out_len = w;
    return words;
}
