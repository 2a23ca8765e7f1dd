/* SPDX-License-Identifier: MIT */
/* Several sentences translated together (issue 25): the decoder's dense products run on one row
 * per sentence at once, so each weight matrix is read once per step for the whole batch instead
 * of once per sentence. Each sentence's output is bit for bit what tj_search gives it alone. */
#ifndef TJ_DECODE_BATCH_H
#define TJ_DECODE_BATCH_H

#include "decode/search.h"

/* Translates the n sentences src[i][0..len[i]) (EOS included), as n calls of tj_search would:
 * out[i] gets malloc'd target ids (EOS included when produced), n_out[i] their count. Greedy
 * search (beam_size 1) on any model runs batched; beam and constrained searches (n_cons > 0) run
 * the sentences one after the other. On failure every out[i] is NULL. Sentences of similar length
 * batch best (they finish together); the caller may pass them in any order. */
tj_status tj_search_batch(const tj_model *m, const tj_search_opts *o, const int *const *src,
                          const int *len, size_t n, int **out, int *n_out, tj_error *err);

/* Cuts n sentences of lengths len[0..n) (in decoding order) into consecutive batches of at most
 * max_jobs sentences and at most max_tokens tokens together; a sentence longer than max_tokens
 * makes a batch alone. Batch i is [starts[i], starts[i + 1]); starts has room for n + 1 entries.
 * Returns the number of batches. */
size_t tj_batch_cut(const int *len, size_t n, size_t max_jobs, size_t max_tokens, size_t *starts);

#endif
