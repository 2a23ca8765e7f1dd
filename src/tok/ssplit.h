/* SPDX-License-Identifier: MIT */
/* Sentence splitter for Arabic and English paragraphs: the algorithm of ssplit-cpp's paragraph
 * mode that bergamot uses (spec §9.1), plus an Arabic-aware mode. */
#ifndef TJ_TOK_SSPLIT_H
#define TJ_TOK_SSPLIT_H

#include <stddef.h>
#include "tarjama.h"

typedef struct tj_span {
    size_t begin, end; /* byte range of a sentence in the paragraph, whitespace-trimmed */
} tj_span;

typedef enum tj_ssplit_mode {
    /* tarjama's default: everything TJ_SSPLIT_BERGAMOT does, plus Arabic sentence punctuation
     * (U+061F ؟, U+06D4 ۔, ...) as sentence ends, and built-in English non-breaking prefixes
     * (Mr., Dr., e.g., U.S., No. 5, ...) and number handling (3.5, 1.000) so they do not split. */
    TJ_SSPLIT_DEFAULT = 0,
    /* Exactly ssplit-cpp's paragraph mode as bergamot runs it: only ASCII . ? ! end sentences,
     * no non-breaking prefixes. */
    TJ_SSPLIT_BERGAMOT = 1,
} tj_ssplit_mode;

/* Splits one paragraph (text without '\n') into sentences. *spans is malloc'd (NULL if *n==0:
 * a paragraph of only whitespace has no sentences). */
tj_status tj_ssplit(const char *text, size_t len, tj_ssplit_mode mode, tj_span **spans, size_t *n,
                    tj_error *err);

#endif
