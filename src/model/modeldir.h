/* SPDX-License-Identifier: MIT */
/* Recognises a model directory from the files in it. */
#ifndef TJ_MODEL_MODELDIR_H
#define TJ_MODEL_MODELDIR_H

#include "tarjama.h"

typedef struct tj_modeldir {
    char *model;     /* model.*.bin, model.*.bin.gz, model.*.bin.zst, or a float *.npz */
    char *shortlist; /* lex.*.s2t.bin[.gz|.zst], or NULL */
    char *src_vocab; /* vocab.*.spm[.gz|.zst], or srcvocab.*.spm */
    char *trg_vocab; /* same path as src_vocab when shared, else trgvocab.*.spm */
    char *metadata;  /* metadata.json or NULL */
} tj_modeldir;

/* Scans dir. Missing model or vocab -> TJ_ERR_NOTFOUND naming what is missing; two candidate
 * model files -> TJ_ERR_ARG naming both. All strings are malloc'd full paths. */
tj_status tj_modeldir_scan(const char *dir, tj_modeldir *md, tj_error *err);
void tj_modeldir_free(tj_modeldir *md);

#endif
