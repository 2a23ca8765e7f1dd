/* SPDX-License-Identifier: MIT */
/* The sentence splitter in both modes on arbitrary bytes (it is handed one paragraph, i.e. text
 * without '\n', but must not misbehave on anything). Spans must be inside the text, non-empty,
 * in order and not overlapping. */
#include "fuzz.h"
#include "tok/ssplit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int mode = TJ_SSPLIT_DEFAULT; mode <= TJ_SSPLIT_BERGAMOT; mode++) {
        tj_span *spans;
        size_t n;
        tj_error err;
        tj_status st = tj_ssplit((const char *)data, size, (tj_ssplit_mode)mode, &spans, &n, &err);
        fuzz_check_error(st, &err);
        if (st != TJ_OK) continue;
        for (size_t i = 0; i < n; i++) {
            if (spans[i].begin >= spans[i].end || spans[i].end > size) abort();
            if (i && spans[i].begin < spans[i - 1].end) abort();
        }
        free(spans);
    }
    return 0;
}
