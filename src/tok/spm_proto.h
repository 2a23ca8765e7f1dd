/* SPDX-License-Identifier: MIT */
/* Reader for the SentencePiece ModelProto wire format (spec §8.1), without a protobuf library.
 * The parsed description points into the caller's buffer, which must outlive it. */
#ifndef TJ_TOK_SPM_PROTO_H
#define TJ_TOK_SPM_PROTO_H

#include <stddef.h>
#include "tarjama.h"

/* SentencePiece.Type */
enum {
    SPM_NORMAL = 1,
    SPM_UNKNOWN = 2,
    SPM_CONTROL = 3,
    SPM_USER_DEFINED = 4,
    SPM_UNUSED = 5,
    SPM_BYTE = 6,
};

/* TrainerSpec.ModelType */
enum { SPM_MODEL_UNIGRAM = 1, SPM_MODEL_BPE = 2, SPM_MODEL_WORD = 3, SPM_MODEL_CHAR = 4 };

typedef struct spm_str {
    const char *s; /* not NUL-terminated */
    size_t len;
} spm_str;

typedef struct spm_proto_piece {
    spm_str piece;
    float score;
    int type;
} spm_proto_piece;

typedef struct spm_proto_normalizer {
    int present;
    spm_str charsmap; /* precompiled_charsmap; empty = identity */
    int add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces;
} spm_proto_normalizer;

typedef struct spm_proto {
    spm_proto_piece *pieces; /* from tj_bigmem_zalloc */
    size_t n_pieces, pieces_mapped;
    int model_type;
    int treat_whitespace_as_suffix, byte_fallback;
    int unk_id, bos_id, eos_id, pad_id;
    spm_str unk_surface, unk_piece, bos_piece, eos_piece, pad_piece;
    spm_proto_normalizer normalizer, denormalizer;
} spm_proto;

/* Parses data[0..size). Truncated or malformed input gives TJ_ERR_FORMAT. On success release
 * with spm_proto_free. */
tj_status spm_proto_parse(const unsigned char *data, size_t size, spm_proto *out, tj_error *err);
void spm_proto_free(spm_proto *p);

#endif
