/* SPDX-License-Identifier: MIT */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/* Messages promise one line, but they quote names taken from files (item names, pieces, paths)
 * that may hold any byte: control characters become '?' so a crafted name cannot break the line
 * (or a terminal). Found by tests/fuzz (fuzz_marian_bin, fuzz_npz, fuzz_spm_model). Bytes that
 * are not UTF-8 become '?' too, among them a character cut by a quote's length limit or by the
 * message buffer's end: messages go into JSON replies (JSONL batch, the server), which must be
 * UTF-8 (fuzz_jsonl: an SRT error quoting 40 bytes of a line cut a 4-byte character). */
static void one_line(char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) s[i] = '?';
    for (size_t i = 0; (i += tj_utf8_check(s + i, len - i)) < len; i++) s[i] = '?';
}

tj_status tj_fail(tj_error *err, tj_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        one_line(err->message);
        err->code = code;
    }
    return code;
}

void tj_error_clear(tj_error *err)
{
    if (err) {
        err->code = TJ_OK;
        err->message[0] = '\0';
    }
}

void tj_error_prefix(tj_error *err, const char *prefix)
{
    if (!err || !prefix) return;
    char tmp[sizeof err->message];
    size_t plen = strlen(prefix);
    if (plen > sizeof tmp - 3) plen = sizeof tmp - 3;
    memcpy(tmp, prefix, plen);
    memcpy(tmp + plen, ": ", 2);
    size_t rest = sizeof tmp - plen - 3;
    size_t mlen = strnlen(err->message, rest);
    memcpy(tmp + plen + 2, err->message, mlen);
    tmp[plen + 2 + mlen] = '\0';
    memcpy(err->message, tmp, sizeof tmp);
    one_line(err->message);
}

const char *tj_status_str(tj_status code)
{
    switch (code) {
    case TJ_OK:
        return "ok";
    case TJ_ERR_ARG:
        return "invalid argument";
    case TJ_ERR_IO:
        return "i/o error";
    case TJ_ERR_FORMAT:
        return "format error";
    case TJ_ERR_UNSUPPORTED:
        return "unsupported";
    case TJ_ERR_NOMEM:
        return "out of memory";
    case TJ_ERR_INPUT:
        return "invalid input";
    case TJ_ERR_NOTFOUND:
        return "not found";
    case TJ_ERR_NETWORK:
        return "network error";
    case TJ_ERR_CHECKSUM:
        return "checksum mismatch";
    }
    return "unknown error";
}

const char *tj_version(void)
{
    return TJ_VERSION;
}

void tj_free(void *p)
{
    free(p);
}
