/* SPDX-License-Identifier: MIT */
/* A growable, always NUL-terminated byte string for the writers that build text piece by piece
 * (document readers, the JSON writer, the SentencePiece decoder). Out of memory is sticky: the
 * first failed growth sets `oom` and every later put does nothing, so a caller appends freely and
 * checks once at the end instead of after every piece. */
#ifndef TJ_UTIL_STRBUF_H
#define TJ_UTIL_STRBUF_H

#include <stddef.h>

typedef struct tj_strbuf {
    char *s; /* NULL until the first put; owned by the buffer until taken */
    size_t len, cap;
    int oom;
} tj_strbuf;

/* Appends n bytes (which may hold NULs) and keeps s[len] == '\0'. */
void tj_strbuf_put(tj_strbuf *b, const char *s, size_t n);
/* Appends a NUL-terminated string. */
void tj_strbuf_puts(tj_strbuf *b, const char *s);
/* Frees the bytes and empties the buffer (it may be used again). */
void tj_strbuf_free(tj_strbuf *b);

#endif
