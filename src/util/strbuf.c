/* SPDX-License-Identifier: MIT */
#include "util/strbuf.h"

#include <stdlib.h>
#include <string.h>

void tj_strbuf_put(tj_strbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->cap - b->len <= n) { /* room for n bytes and the NUL */
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len <= n) {
            if (cap > (size_t)-1 / 2) {
                b->oom = 1;
                return;
            }
            cap *= 2;
        }
        char *t = realloc(b->s, cap);
        if (!t) {
            b->oom = 1;
            return;
        }
        b->s = t, b->cap = cap;
    }
    if (n) memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void tj_strbuf_puts(tj_strbuf *b, const char *s)
{
    tj_strbuf_put(b, s, strlen(s));
}

void tj_strbuf_free(tj_strbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}
