/* SPDX-License-Identifier: MIT */
/* Pass-through. A model given a segment with no words invents a sentence (the starter models
 * answer a row of dots with a paragraph, slowly); the Firefox models mostly copy such input. Not
 * sending it to the model is both faithful and fast. Letters inside URLs and e-mail addresses
 * do not count: "https://example.com/a" or "name@example.org" alone is copied, not translated. */
#include "text/passthrough.h"

#include <stdint.h>
#include <string.h>

#include "util/unicode.h"
#include "util/utf8.h"

static int has_prefix_ci(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    if (len < n) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != prefix[i]) return 0;
    }
    return 1;
}

/* A token (no white space inside) that is a URL or an e-mail address. */
static int is_address(const char *t, size_t n)
{
    /* Opening punctuation such as "(" or "<" may precede the address. */
    while (n > 0 && (*t == '(' || *t == '<' || *t == '[' || *t == '"' || *t == '\'')) t++, n--;
    if (has_prefix_ci(t, n, "www.")) return 1;
    for (size_t i = 0; i + 3 <= n; i++) {
        if (t[i] == ':' && t[i + 1] == '/' && t[i + 2] == '/') {
            /* a scheme of ASCII letters, digits, '+', '-', '.' before "://" */
            if (i == 0) return 0;
            for (size_t k = 0; k < i; k++) {
                char c = t[k];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '+' || c == '-' || c == '.'))
                    return 0;
            }
            return 1;
        }
    }
    const char *at = memchr(t, '@', n);
    if (at && at > t) {
        const char *dot = memchr(at + 1, '.', n - (size_t)(at + 1 - t));
        /* a dot in the domain with something on both sides of it */
        if (dot && dot > at + 1 && dot + 1 < t + n) return 1;
    }
    return 0;
}

static int has_letter(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        int n;
        uint32_t cp = tj_utf8_decode(s + i, len - i, &n);
        if (tj_unicode_is_letter(cp)) return 1;
        i += (size_t)n;
    }
    return 0;
}

int tj_text_translatable(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        int n;
        uint32_t cp = tj_utf8_decode(s + i, len - i, &n);
        if (tj_unicode_is_space(cp)) {
            i += (size_t)n;
            continue;
        }
        size_t start = i;
        while (i < len) {
            cp = tj_utf8_decode(s + i, len - i, &n);
            if (tj_unicode_is_space(cp)) break;
            i += (size_t)n;
        }
        if (!is_address(s + start, i - start) && has_letter(s + start, i - start)) return 1;
    }
    return 0;
}
