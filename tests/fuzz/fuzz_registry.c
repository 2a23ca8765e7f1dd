/* SPDX-License-Identifier: MIT */
/* Registry TSV files ($TARJAMA_REGISTRY: a mirror's list of files, sizes and digests) through
 * tj_registry_load_tsv, then lookups of the pair names it defines and of a few fixed specs. */
#include "fuzz.h"
#include "registry/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    if (fuzz_memfile(data, size, path) != 0) return 0;
    tj_registry *reg;
    tj_error err;
    tj_status st = tj_registry_load_tsv(path, &reg, &err);
    fuzz_check_error(st, &err);
    if (st != TJ_OK) return 0;
    static const char *const specs[] = {"ar-en", "en-ar:tiny", "ar-en:", ":", ""};
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        const tj_reg_model *m;
        st = tj_registry_find(reg, specs[i], &m, &err);
        fuzz_check_error(st, &err);
    }
    for (size_t i = 0; i < reg->n_models; i++) {
        const tj_reg_model *m = &reg->models[i], *found;
        char spec[256];
        snprintf(spec, sizeof spec, "%s:%s", m->pair, m->variant);
        st = tj_registry_find(reg, spec, &found, &err);
        fuzz_check_error(st, &err);
        for (size_t k = 0; k < m->n_files; k++) {
            char name[256];
            st = tj_reg_file_installed_name(&m->files[k], name, sizeof name, &err);
            fuzz_check_error(st, &err);
            fuzz_touch(m->files[k].url, strlen(m->files[k].url) + 1);
            fuzz_touch(m->files[k].sha256, strlen(m->files[k].sha256) + 1);
        }
        uint64_t pub, raw;
        tj_reg_model_sizes(m, &pub, &raw);
    }
    tj_registry_free(reg);
    return 0;
}
