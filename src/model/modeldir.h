/* SPDX-License-Identifier: MIT */
/* Recognises a model directory from the files in it. */
#ifndef TJ_MODEL_MODELDIR_H
#define TJ_MODEL_MODELDIR_H

#include "tarjama.h"

/* Which kind of folder it is (docs/opus-mt.md): Firefox/Bergamot (SentencePiece ids are the
 * model's ids), an OPUS-MT / Tatoeba-MT release (an .npz with decoder.yml and *.vocab.yml, whose
 * ids are Marian's own), or a Hugging Face MarianMT checkpoint (config.json, model.safetensors,
 * vocab.json). */
typedef enum tj_layout { TJ_LAYOUT_BERGAMOT = 0, TJ_LAYOUT_OPUS, TJ_LAYOUT_HF } tj_layout;

typedef struct tj_modeldir {
    tj_layout layout;
    char *model;     /* model.*.bin, model.*.bin.gz, model.*.bin.zst, a float *.npz, or
                      * model.safetensors */
    char *shortlist; /* lex.*.s2t.bin[.gz|.zst], or NULL */
    char *src_vocab; /* vocab.*.spm[.gz|.zst], or srcvocab.*.spm */
    char *trg_vocab; /* same path as src_vocab when shared, else trgvocab.*.spm */
    char *metadata;  /* metadata.json or NULL */
    char *src_ids;   /* OPUS/HF: the source side's piece -> model id map (vocab.yml/json) */
    char *trg_ids;   /* its target side (the same path when joint) */
    char *decoder;   /* OPUS: decoder.yml, or NULL */
    char *config;    /* HF: config.json */
    char *readme;    /* README.md or NULL (the target-language token convention) */
} tj_modeldir;

/* Scans dir. Missing model or vocab -> TJ_ERR_NOTFOUND naming what is missing; two candidate
 * model files -> TJ_ERR_ARG naming both. All strings are malloc'd full paths. */
tj_status tj_modeldir_scan(const char *dir, tj_modeldir *md, tj_error *err);
void tj_modeldir_free(tj_modeldir *md);

#endif
