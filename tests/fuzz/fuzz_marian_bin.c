/* SPDX-License-Identifier: MIT */
/* Marian model files as tj_model_open reads them: .bin (plain, gzip or zstd, told apart by magic
 * bytes in util/blob.c) and float .npz (ZIP magic, model/npz.c), through tj_marian_open. On
 * success every item's payload must be readable over its whole declared length, and the embedded
 * YAML is queried the way the model builder queries it. */
#include "fuzz.h"
#include "model/marian_bin.h"
#include "model/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    if (fuzz_memfile(data, size, path) != 0) return 0;
    tj_marian_file f;
    tj_error err;
    tj_status st = tj_marian_open(path, &f, &err);
    fuzz_check_error(st, &err);
    if (st != TJ_OK) return 0;
    for (size_t i = 0; i < f.n_items; i++) {
        const tj_item *it = &f.items[i];
        fuzz_touch(it->name, strlen(it->name) + 1);
        fuzz_touch(it->data, it->bytes);
        (void)tj_item_quant_mult(it);
        if (tj_marian_find(&f, it->name) == NULL) abort();
    }
    if (f.yaml) {
        char buf[64];
        (void)tj_yaml_get(f.yaml, "type", buf, sizeof buf);
        (void)tj_yaml_get_int(f.yaml, "dim-emb", 0);
        (void)tj_yaml_get_bool(f.yaml, "tied-embeddings-all", 0);
        (void)tj_yaml_get_seq(f.yaml, "dim-vocabs", 1, buf, sizeof buf);
    }
    tj_marian_close(&f);
    return 0;
}
