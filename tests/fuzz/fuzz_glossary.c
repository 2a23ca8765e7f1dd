/* SPDX-License-Identifier: MIT */
/* Glossary files (tj_glossary_parse) on arbitrary bytes: a glossary or a one-line error. A parsed
 * glossary is then matched against the input itself (when it is valid UTF-8) the way each
 * paragraph is: the occurrences must lie inside the text, be non-empty, in order, not overlap,
 * and name a term of the glossary. */
#include "doc/doc.h"
#include "fuzz.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tj_glossary *g = NULL;
    tj_error err;
    tj_status st = tj_glossary_parse((const char *)data, size, &g, &err);
    fuzz_check_error(st, &err);
    if (st != TJ_OK) {
        if (g) abort();
        return 0;
    }
    size_t nt = tj_glossary_size(g);
    tj_doc_term *t = NULL;
    size_t n = 0;
    st = tj_glossary_find(g, (const char *)data, size, &t, &n, &err);
    fuzz_check_error(st, &err);
    for (size_t i = 0; st == TJ_OK && i < n; i++) {
        if (t[i].begin >= t[i].end || t[i].end > size) abort();
        if (i && t[i].begin < t[i - 1].end) abort();
        if (t[i].term < 0 || (size_t)t[i].term >= nt) abort();
        fuzz_touch(tj_glossary_target(g, t[i].term), 1);
    }
    free(t);
    tj_glossary_free(g);
    return 0;
}
