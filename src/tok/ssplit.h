/* Sentence splitter for Arabic and English paragraphs: the algorithm of ssplit-cpp's paragraph
 * mode that bergamot uses (spec §9.1), plus an Arabic-aware mode. */
#ifndef TJ_TOK_SSPLIT_H
#define TJ_TOK_SSPLIT_H

#include <stddef.h>
#include "tarjama.h"

typedef struct tj_span {
    size_t begin, end; /* byte range of a sentence in the paragraph, whitespace-trimmed */
} tj_span;

/* Splits one paragraph (text without '\n') into sentences. *spans is malloc'd (NULL if *n==0:
 * a paragraph of only whitespace has no sentences). */
tj_status tj_ssplit(const char *text, size_t len, tj_span **spans, size_t *n, tj_error *err);

#endif
