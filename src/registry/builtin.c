/* SPDX-License-Identifier: MIT */
/* The built-in registry: Mozilla's Firefox Translations models for Arabic<->English.
 *
 * Source: github.com/mozilla/firefox-translations-models at commit e7957fc4 (2025-12-15),
 * models/{base-memory,base}/{aren,enar}/. The published (.gz) sizes and digests are those of the
 * Git LFS pointers at that commit; the uncompressed size and digest of each model .bin are the
 * "byteSize" and "hash" of the metadata.json beside it (the hash Firefox checks). Mozilla
 * publishes no uncompressed digest for the vocabulary and shortlist, so those are pinned through
 * their .gz digest only (decompression is deterministic) and recorded in the installed
 * SHA256SUMS manifest.
 *
 * base-memory is the default variant: the smaller student (dim 384, 6 encoder / 4 SSRU decoder
 * layers, 31.6 MB) that Mozilla sizes for a browser's memory budget; base (dim 512, 43.0 MB) is
 * slightly better on FLORES (docs/models.md explains the choice). */
#include <stdlib.h>

#include "registry/registry.h"
#include "util/error.h"

/* Media host for Git LFS objects: a raw URL at a commit returns the blob, not the pointer. */
const char tj_registry_default_base[] = "https://media.githubusercontent.com/media/mozilla/"
                                        "firefox-translations-models/"
                                        "e7957fc407441a5e3e35bbcbf9d60d9b35764618/models";

static const tj_reg_file files_aren_base_memory[] = {
    {"model.aren.intgemm.alphas.bin.gz", "base-memory/aren/model.aren.intgemm.alphas.bin.gz",
     23224456, "31e032a402a8463a1e19c8e355529f73c0732926b22b1eadc8bade39ecc23a80", 31561787,
     "7b7af0282dc5f4d8805b9a298c2fa828967e3f09ca10f1942ebeea0b2cfc12fa"},
    {"vocab.aren.spm.gz", "base-memory/aren/vocab.aren.spm.gz", 416700,
     "c379c52857c2f0886ae52a255ac770e5992524782ee20bb0966deca079e9595f", 0, NULL},
    {"lex.50.50.aren.s2t.bin.gz", "base-memory/aren/lex.50.50.aren.s2t.bin.gz", 2259861,
     "59335a02934f19f5e9bf171de9db8b73b5e95a69dce03a7d2fe6e9e43e3f849e", 0, NULL},
};
static const tj_reg_file files_enar_base_memory[] = {
    {"model.enar.intgemm.alphas.bin.gz", "base-memory/enar/model.enar.intgemm.alphas.bin.gz",
     22857819, "88e85e33403cda6b1a529f32dc30c0977a4234285d6f8340e0d630da21b176e5", 31561787,
     "ae659d7045fc2e5d6ba50583586a5d94ee4358d92c019847e37b57a0e627faa8"},
    {"vocab.enar.spm.gz", "base-memory/enar/vocab.enar.spm.gz", 418930,
     "3a4b9e81c0f73ef8ed02c254b3ae99d64f8265afa54a6b838a0870bb4f9d0369", 0, NULL},
    {"lex.50.50.enar.s2t.bin.gz", "base-memory/enar/lex.50.50.enar.s2t.bin.gz", 1639219,
     "b7466406d7f5e0c493bc65dc7de221aa3e6cd7f95c6fc7dd1e73759520c937ac", 0, NULL},
};
static const tj_reg_file files_aren_base[] = {
    {"model.aren.intgemm.alphas.bin.gz", "base/aren/model.aren.intgemm.alphas.bin.gz", 30454343,
     "6a5cdf12eaeb7dc4ed4e03fe31a3d41a6fab9b0662d454717b1f1e34ab16cf54", 42992955,
     "f3888b9db780da4d681aaf987adfcd6ea54f82dd14ed2594b2b7ac7d253b6290"},
    {"vocab.aren.spm.gz", "base/aren/vocab.aren.spm.gz", 416700,
     "3357c6f71d3b4a77645419ecba54d0870130195ae23819b5158ef8305efa6690", 0, NULL},
    {"lex.50.50.aren.s2t.bin.gz", "base/aren/lex.50.50.aren.s2t.bin.gz", 2260042,
     "136a1326363651a11e0deb7eafe45b302fed1d4ffd03a048286db6dfb132d99f", 0, NULL},
};
static const tj_reg_file files_enar_base[] = {
    {"model.enar.intgemm.alphas.bin.gz", "base/enar/model.enar.intgemm.alphas.bin.gz", 32224151,
     "1411ff2e9b59db47bc3092cc727f52ee709e8d929bef5533c35f8d3f903f6c19", 42992955,
     "988c78be70a37ae8a63eb8e8ecbef5fc6854522a6f3275a08e2c693e261f8518"},
    {"vocab.enar.spm.gz", "base/enar/vocab.enar.spm.gz", 418930,
     "268dd1722005f7eaed17bf7604d6dda26f94b0d006dd61216e29384edbcaa8ed", 0, NULL},
    {"lex.50.50.enar.s2t.bin.gz", "base/enar/lex.50.50.enar.s2t.bin.gz", 1633784,
     "c21f0fe86ff2d1e46e15b9d7faa0da22c044c9dad0ccb21be64c9edfb541b77c", 0, NULL},
};

#define N_FILES(a) (sizeof(a) / sizeof((a)[0]))

static const tj_reg_model builtin_models[] = {
    {"ar-en", "base-memory", "ar-en", 1,
     "Arabic->English, memory-optimised (FLORES BLEU 38.3, COMET 0.860)", files_aren_base_memory,
     N_FILES(files_aren_base_memory)},
    {"ar-en", "base", "ar-en.base", 0, "Arabic->English, larger (FLORES BLEU 39.6, COMET 0.865)",
     files_aren_base, N_FILES(files_aren_base)},
    {"en-ar", "base-memory", "en-ar", 1,
     "English->Arabic, memory-optimised (FLORES BLEU 29.8, COMET 0.860)", files_enar_base_memory,
     N_FILES(files_enar_base_memory)},
    {"en-ar", "base", "en-ar.base", 0, "English->Arabic, larger (FLORES BLEU 29.9, COMET 0.860)",
     files_enar_base, N_FILES(files_enar_base)},
};

tj_status tj_registry_builtin(tj_registry **out, tj_error *err)
{
    tj_registry *reg = calloc(1, sizeof *reg);
    *out = reg;
    if (!reg) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    reg->models = builtin_models;
    reg->n_models = N_FILES(builtin_models);
    reg->base_url = tj_registry_default_base;
    reg->source = "built-in";
    return TJ_OK;
}
