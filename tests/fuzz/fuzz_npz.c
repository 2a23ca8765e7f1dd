/* SPDX-License-Identifier: MIT */
/* The .npz reader (ZIP directory, stored and deflated entries, ZIP64, .npy headers) on the bytes
 * directly, without the file layer, so every input reaches it (the .bin target only gets here
 * when the fuzzer keeps the "PK\3\4" magic). */
#include "fuzz.h"
#include "model/npz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tj_marian_file f;
    memset(&f, 0, sizeof f);
    /* tj_npz_parse frees the blob it was given: hand it an owned copy, as blob.c would. */
    unsigned char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    if (size) memcpy(copy, data, size);
    f.blob.data = copy;
    f.blob.size = size;
    f.blob.owned = copy;
    f.file_bytes = size;
    tj_error err;
    tj_status st = tj_npz_parse(&f, &err);
    fuzz_check_error(st, &err);
    if (st == TJ_OK) {
        for (size_t i = 0; i < f.n_items; i++) {
            fuzz_touch(f.items[i].name, strlen(f.items[i].name) + 1);
            fuzz_touch(f.items[i].data, f.items[i].bytes);
        }
        if (f.yaml) fuzz_touch(f.yaml, strlen(f.yaml) + 1);
    }
    tj_marian_close(&f);
    return 0;
}
