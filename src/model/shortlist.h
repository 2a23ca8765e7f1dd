/* SPDX-License-Identifier: MIT */
/* Binary lexical shortlist (lex.*.s2t.bin): spec §7. */
#ifndef TJ_MODEL_SHORTLIST_H
#define TJ_MODEL_SHORTLIST_H

#include <stddef.h>
#include <stdint.h>
#include "util/blob.h"

typedef struct tj_shortlist {
    tj_blob blob;
    uint64_t first_num, best_num;
    uint64_t n_src;          /* wordToOffsetSize - 1 = source vocab size */
    uint64_t n_lists;        /* total target ids */
    const uint64_t *offsets; /* n_src + 1 entries (points into blob; blob data is 8-aligned) */
    const uint32_t *ids;
} tj_shortlist;

/* Loads and validates (sizes, offsets monotone, last == n_lists, every id < trg_vocab_size,
 * n_src <= src_vocab_size... ) a shortlist file (plain, .gz or .zst). */
tj_status tj_shortlist_open(const char *path, size_t src_vocab_size, size_t trg_vocab_size,
                            tj_shortlist *sl, tj_error *err);
void tj_shortlist_close(tj_shortlist *sl);

/* The per-sentence target set (spec §7.4) for source ids src[0..n) (include EOS): ids 0..first-1,
 * the source ids themselves when shared_vocab, each source id's list, padded with the next
 * unselected ids from first_num upward until the count is a multiple of 8. Writes ascending ids
 * to a malloc'd *ids_out; returns TJ_OK or TJ_ERR_NOMEM. */
tj_status tj_shortlist_generate(const tj_shortlist *sl, const int *src, size_t n,
                                size_t trg_vocab_size, int shared_vocab, int **ids_out,
                                size_t *n_out, tj_error *err);

#endif
