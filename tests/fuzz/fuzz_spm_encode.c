/* SPDX-License-Identifier: MIT */
/* The normaliser (precompiled charsmap, whitespace rules) and the Viterbi encoder of the real
 * ar-en vocabulary on arbitrary bytes: invalid UTF-8, NULs, huge runs. Every piece must map back
 * to a byte range inside the input, in order, and the ids must decode again. */
#include "fuzz.h"

/* Loads the vocabulary before the first input, so its load time is not charged to an input. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_vocab();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tj_spm *spm = fuzz_vocab();
    tj_piece *pieces;
    size_t n;
    tj_error err;
    tj_status st = tj_spm_encode(spm, (const char *)data, size, &pieces, &n, &err);
    fuzz_check_error(st, &err);
    if (st != TJ_OK) return 0;
    int *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids) abort();
    for (size_t i = 0; i < n; i++) {
        if (pieces[i].begin > pieces[i].end || pieces[i].end > size) abort();
        if (i > 0 && pieces[i].begin < pieces[i - 1].begin) abort();
        if (pieces[i].id < 0 || pieces[i].id >= tj_spm_size(spm)) abort();
        ids[i] = pieces[i].id;
    }
    char *text;
    st = tj_spm_decode(spm, ids, n, &text, &err);
    fuzz_check_error(st, &err);
    if (st != TJ_OK) abort(); /* ids the encoder produced must always decode */
    free(text);
    free(ids);
    free(pieces);
    return 0;
}
