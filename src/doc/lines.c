/* SPDX-License-Identifier: MIT */
/* The lines of a plain text as tj_translate's callers see them: cut at '\n', with a '\r' just
 * before it dropped (CRLF files), and a last line without '\n' kept. The text-with-glossary path
 * and the scored path both need the same cut, so that a line number means the same in both. */
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"
#include "util/error.h"

tj_status tj_doc_split_lines(const char *text, size_t len, tj_doc_lines *out, tj_error *err)
{
    out->text = NULL, out->len = NULL, out->n = 0;
    size_t nl = 1;
    for (size_t i = 0; i < len; i++) nl += text[i] == '\n';
    out->text = malloc(nl * sizeof *out->text);
    out->len = malloc(nl * sizeof *out->len);
    if (!out->text || !out->len) {
        tj_doc_lines_free(out);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    for (size_t p = 0; out->n < nl;) {
        const char *q = memchr(text + p, '\n', len - p);
        size_t e = q ? (size_t)(q - text) : len;
        out->text[out->n] = text + p;
        out->len[out->n++] = e - p - (e > p && text[e - 1] == '\r');
        if (!q) break;
        p = e + 1;
    }
    return TJ_OK;
}

void tj_doc_lines_free(tj_doc_lines *l)
{
    free(l->text), free(l->len);
    l->text = NULL, l->len = NULL, l->n = 0;
}
