/* SPDX-License-Identifier: MIT */
/* Internals of the SentencePiece model shared by the loader, encoder and decoder (and by the
 * `tarjama tokenize` command, which needs piece surfaces that tj_piece does not carry). */
#ifndef TJ_TOK_SPM_INTERNAL_H
#define TJ_TOK_SPM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "tok/spm.h"
#include "tok/spm_norm.h"
#include "tok/spm_proto.h"
#include "tok/spm_trie.h"

struct tj_spm {
    int n_pieces;
    /* in the matchable trie's block (spm_trie_build's extra), freed with it */
    char *pool;          /* every piece string, each NUL-terminated */
    uint32_t *piece_off; /* piece i = pool + piece_off[i], piece_len[i] bytes */
    uint32_t *piece_len;
    float *score;
    unsigned char *type; /* SPM_NORMAL ... SPM_BYTE */

    spm_trie matchable;    /* NORMAL, USER_DEFINED and UNUSED pieces: what Viterbi can use */
    spm_trie reserved;     /* CONTROL, UNKNOWN and BYTE pieces (looked up first by piece) */
    spm_trie user_defined; /* USER_DEFINED pieces only; n_nodes == 0 when there are none */

    int unk_id; /* the UNKNOWN piece */
    int bos_id, eos_id, pad_id;
    float min_score, max_score; /* over NORMAL pieces */
    int byte_fallback;
    int byte_ids[256]; /* id of <0xXX>, or -1 */
    char *unk_surface; /* what <unk> decodes to */
    size_t unk_surface_len;

    spm_norm norm;
    spm_norm denorm; /* used only when has_denorm */
    int has_denorm;
};

/* One encoded piece with its byte ranges in the original and in the normalised text. */
typedef struct spm_token {
    int id;
    size_t begin, end;           /* original text */
    size_t norm_begin, norm_end; /* normalised text; a piece's surface as spm_encode prints it */
} spm_token;

typedef struct spm_encoding {
    spm_normalized norm;
    spm_token *tokens;
    size_t n;
} spm_encoding;

/* Full encoder: normalise, Viterbi, merge unknowns / byte fallback (spec §8.4). */
tj_status spm_encode_full(const tj_spm *spm, const char *text, size_t len, spm_encoding *out,
                          tj_error *err);
void spm_encoding_free(spm_encoding *enc);

/* SentencePiece's PieceToId: reserved pieces first, then the others, else the unknown id. */
int spm_piece_to_id(const tj_spm *spm, const char *piece, size_t len);

/* Decodes n pieces given as strings (spm_decode --input_format=piece); *text is malloc'd and
 * NUL-terminated, *len (may be NULL) its length, which counts any NUL bytes inside it. */
tj_status spm_decode_pieces(const tj_spm *spm, const char *const *pieces, const size_t *lens,
                            size_t n, char **text, size_t *len, tj_error *err);

/* As tj_spm_decode, with the length of the result. */
tj_status spm_decode_ids(const tj_spm *spm, const int *ids, size_t n, char **text, size_t *len,
                         tj_error *err);

#endif
