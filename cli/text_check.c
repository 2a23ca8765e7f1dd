/* SPDX-License-Identifier: MIT */
/* Input text checks shared by the commands that read text (tokenize, detokenize): the same
 * one-line errors as `translate` (src/decode/stream.c), so that every command rejects the same
 * bytes in the same words. */
#include "cli.h"

#include <string.h>

#include "util/utf8.h"

int cli_check_text(const char *name, const char *buf, size_t len)
{
    /* Whichever comes first: a NUL byte, or the start of an invalid UTF-8 sequence (a sequence
     * cut by a NUL counts as invalid, as it is). */
    const char *nul = memchr(buf, '\0', len);
    size_t upto = nul ? (size_t)(nul - buf) : len;
    size_t bad = tj_utf8_check(buf, upto);
    if (bad == len) return 0;
    size_t line = 1;
    for (size_t i = 0; i < bad; i++) line += buf[i] == '\n';
    cli_error("%s: %s at line %zu, byte offset %zu", name,
              bad < upto ? "invalid UTF-8" : "NUL byte", line, bad);
    return -1;
}
