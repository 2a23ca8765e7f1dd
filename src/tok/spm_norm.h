/* SPDX-License-Identifier: MIT */
/* SentencePiece normaliser (spec §8.3): the precompiled charsmap (a darts-clone double array
 * plus a pool of replacement strings), whitespace handling, and the byte map from the
 * normalised text back to the original. */
#ifndef TJ_TOK_SPM_NORM_H
#define TJ_TOK_SPM_NORM_H

#include <stddef.h>
#include <stdint.h>
#include "tarjama.h"
#include "tok/spm_trie.h"

typedef struct spm_norm {
    uint32_t *units; /* double-array units (host order), NULL when the charsmap is empty */
    size_t n_units;
    char *pool; /* NUL-terminated replacement strings */
    size_t pool_len;
    int add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces;
    int treat_whitespace_as_suffix;
} spm_norm;

/* Copies and checks a precompiled_charsmap blob (may be empty). */
tj_status spm_norm_init(spm_norm *n, const unsigned char *charsmap, size_t len, tj_error *err);
void spm_norm_free(spm_norm *n);

/* Output of spm_normalize: text[0..len) and, for every byte of it plus one final entry, the
 * offset in the input it came from. Both malloc'd; release with spm_normalized_free. */
typedef struct spm_normalized {
    char *text;
    size_t len;
    size_t *to_orig; /* len + 1 entries */
} spm_normalized;

/* Normalises in[0..len). user_defined (may be NULL) holds the user-defined symbols, which are
 * copied unchanged (NormalizePrefix step 1). */
tj_status spm_normalize(const spm_norm *n, const spm_trie *user_defined, const char *in, size_t len,
                        spm_normalized *out, tj_error *err);
void spm_normalized_free(spm_normalized *out);

/* SentencePiece's validity test for the UTF-8 character at s (len > 0): returns its length, or
 * 0 when it is malformed. A literal U+FFFD counts as valid. */
size_t spm_utf8_valid_len(const char *s, size_t len);

/* Length of the character at s judged by its first byte only (string_util::OneCharLen). */
static inline size_t spm_one_char_len(const char *s)
{
    static const unsigned char lens[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return lens[(unsigned char)*s >> 4];
}

#endif
