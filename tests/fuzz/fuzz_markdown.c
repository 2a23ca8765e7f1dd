/* SPDX-License-Identifier: MIT */
/* Markdown (cmark-gfm's parser with tables; paragraphs, headings and cells with emphasis, links and
 * code spans projected onto the translation, cmark's writer), through tj_doc_dispatch with the fake
 * translator of fake.h: the first byte picks how the fake "translates" (words reversed, dropped,
 * doubled, none, no alignment, a failing call), the second the document options. A result must be
 * one NUL-terminated UTF-8 document; a failure one line. */
#include "fake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fake_doc_input(TJ_FORMAT_MARKDOWN, data, size);
}
