/* SPDX-License-Identifier: MIT */
/* The decoder (v0.1.95 rules: byte pieces, control and unknown pieces, the dummy-prefix space) on
 * arbitrary id sequences of the real ar-en vocabulary: each 2 input bytes are one id, mostly in
 * range and sometimes outside it (which must be TJ_ERR_ARG, nothing worse). */
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
    int vocab = tj_spm_size(spm);
    size_t n = size / 2;
    int *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids) abort();
    int out_of_range = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)data[2 * i] | (unsigned)data[2 * i + 1] << 8;
        /* 0xfff0.. name the edges: negative ids, the size itself, INT_MAX. */
        if (v >= 0xfff0)
            ids[i] = v == 0xffff   ? -1
                     : v == 0xfffe ? vocab
                     : v == 0xfffd ? 0x7fffffff
                                   : (int)v - 0x10000;
        else
            ids[i] = (int)(v % (unsigned)vocab);
        out_of_range |= ids[i] < 0 || ids[i] >= vocab;
    }
    char *text;
    tj_error err;
    tj_status st = tj_spm_decode(spm, ids, n, &text, &err);
    fuzz_check_error(st, &err);
    if (st == TJ_OK) {
        if (out_of_range) abort(); /* out-of-range ids must be refused */
        fuzz_touch(text, strlen(text) + 1);
        free(text);
    } else if (!out_of_range && st != TJ_ERR_NOMEM) {
        abort(); /* valid ids must decode */
    }
    free(ids);
    return 0;
}
