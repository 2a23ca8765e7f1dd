/* SPDX-License-Identifier: MIT */
/* SentencePiece unigram models (.spm): protobuf reader, normaliser with precompiled charsmap,
 * Viterbi encoder and the v0.1.95 decoder that bergamot uses. Spec §8. */
#ifndef TJ_TOK_SPM_H
#define TJ_TOK_SPM_H

#include <stddef.h>
#include "tarjama.h"

typedef struct tj_spm tj_spm;

/* A piece of an encoded sentence: its id and the byte range of the ORIGINAL (un-normalised)
 * text it came from (spec §8.4, norm_to_orig). */
typedef struct tj_piece {
    int id;
    size_t begin, end;
} tj_piece;

tj_status tj_spm_load(const char *path, tj_spm **out, tj_error *err); /* plain, .gz, .zst */
tj_status tj_spm_load_mem(const void *data, size_t size, tj_spm **out, tj_error *err);
void tj_spm_free(tj_spm *spm);

int tj_spm_size(const tj_spm *spm);   /* number of pieces */
int tj_spm_eos_id(const tj_spm *spm); /* from trainer_spec */
int tj_spm_unk_id(const tj_spm *spm);
int tj_spm_bos_id(const tj_spm *spm);                    /* -1 when absent */
const char *tj_spm_piece_str(const tj_spm *spm, int id); /* NULL when out of range */

/* Encodes text[0..len) (need not be NUL-terminated; invalid UTF-8 is handled as SentencePiece
 * does: U+FFFD per bad byte). No EOS is added. *pieces is malloc'd (NULL when *n == 0). */
tj_status tj_spm_encode(const tj_spm *spm, const char *text, size_t len, tj_piece **pieces,
                        size_t *n, tj_error *err);

/* Decodes ids to UTF-8 text (malloc'd, NUL-terminated). Ids out of range -> TJ_ERR_ARG. */
tj_status tj_spm_decode(const tj_spm *spm, const int *ids, size_t n, char **text, tj_error *err);

#endif
