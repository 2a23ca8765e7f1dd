/* SPDX-License-Identifier: MIT */
/* Marian's own vocabularies (OPUS-MT `*.vocab.yml`, Hugging Face `vocab.json`): piece -> id maps
 * whose ids are the model's embedding rows, not the SentencePiece ids. tarjama still tokenises
 * with the SentencePiece model and translates ids through these maps (decode/model.c). */
#ifndef TJ_MODEL_VOCAB_H
#define TJ_MODEL_VOCAB_H

#include <stddef.h>
#include "tarjama.h"

typedef struct tj_vocab {
    int n;        /* ids are 0..n-1, every one used exactly once */
    char **piece; /* [n] NUL-terminated pieces */
    int *table;   /* open-addressing hash of piece -> id, cap slots (-1 empty) */
    size_t cap;
    char *storage; /* the pieces' bytes */
} tj_vocab;

/* Loads a vocab.yml (`piece: id` lines, YAML quoting as yaml-cpp writes it) or a vocab.json
 * (one object of piece -> id), told apart by the first non-blank character. Duplicate pieces or
 * ids, ids with no piece, and files without `</s>` are errors naming the file. */
tj_status tj_vocab_load(const char *path, tj_vocab *v, tj_error *err);
/* The same from memory (name is used in messages). */
tj_status tj_vocab_parse(const char *name, const char *text, size_t len, tj_vocab *v,
                         tj_error *err);
/* A vocabulary of the given n pieces (copied); duplicate pieces keep the first id. */
tj_status tj_vocab_from_pieces(const char *const *pieces, int n, tj_vocab *v, tj_error *err);
void tj_vocab_free(tj_vocab *v);

/* The id of piece, or -1. */
int tj_vocab_find(const tj_vocab *v, const char *piece);

#endif
