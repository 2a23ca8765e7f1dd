/* SPDX-License-Identifier: MIT */
/* UTF-8 helpers. */
#ifndef TJ_UTIL_UTF8_H
#define TJ_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns the byte offset of the first invalid sequence, or len when s[0..len) is valid UTF-8
 * (no overlongs, no surrogates, nothing above U+10FFFF). */
size_t tj_utf8_check(const char *s, size_t len);

/* Decodes one code point at s (len > 0 bytes available); stores its byte length in *n. Invalid
 * sequences give U+FFFD with *n = 1. */
uint32_t tj_utf8_decode(const char *s, size_t len, int *n);

/* The length of the longest prefix of s[0..len) that is at most max bytes and does not end inside
 * a multi-byte sequence: error messages quote a bounded part of a line without cutting a
 * character in two. */
size_t tj_utf8_clip(const char *s, size_t len, size_t max);

/* Encodes cp into out (4 bytes room); returns the number of bytes. */
int tj_utf8_encode(uint32_t cp, char *out);

#endif
