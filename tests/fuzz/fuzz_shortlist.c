/* SPDX-License-Identifier: MIT */
/* Binary lexical shortlists (lex.*.s2t.bin, plain or compressed) through tj_shortlist_open, then
 * the per-sentence target set. The first two input bytes pick the source and target vocabulary
 * sizes (1..1021) the file is checked against; the rest is the file. */
#include "fuzz.h"
#include "model/shortlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t src_vocab = 1 + (size_t)data[0] * 4, trg_vocab = 1 + (size_t)data[1] * 4;
    char path[64];
    if (fuzz_memfile(data + 2, size - 2, path) != 0) return 0;
    tj_shortlist sl;
    tj_error err;
    tj_status st = tj_shortlist_open(path, src_vocab, trg_vocab, &sl, &err);
    fuzz_check_error(st, &err);
    if (st != TJ_OK) return 0;
    /* Every source id, one beyond the shortlist and one beyond the vocabulary, EOS-like 0. */
    int src[] = {0, 1, 2, (int)sl.n_src, (int)src_vocab, (int)src_vocab - 1, 7};
    for (int shared = 0; shared < 2; shared++) {
        int *ids;
        size_t n;
        st = tj_shortlist_generate(&sl, src, sizeof src / sizeof *src, trg_vocab, shared, &ids, &n,
                                   &err);
        fuzz_check_error(st, &err);
        if (st != TJ_OK) continue;
        for (size_t i = 0; i < n; i++)
            if (ids[i] < 0 || (size_t)ids[i] >= trg_vocab || (i && ids[i] <= ids[i - 1])) abort();
        if (n % 8 != 0 && n != trg_vocab) abort();
        free(ids);
    }
    tj_shortlist_close(&sl);
    return 0;
}
