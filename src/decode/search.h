/* SPDX-License-Identifier: MIT */
/* Greedy and beam search over one sentence (spec §6). */
#ifndef TJ_DECODE_SEARCH_H
#define TJ_DECODE_SEARCH_H

#include <stddef.h>

#include "decode/model.h"

/* A lexical constraint (glossary terms, doc/glossary.c): the target pieces ids[0..n) must appear
 * in the output; the source term is the source tokens [src_begin, src_end). */
typedef struct tj_constraint {
    const int *ids;
    int n;
    int src_begin, src_end;
} tj_constraint;

typedef struct tj_search_opts {
    int beam_size;           /* 1: greedy on raw logits (Firefox); >1: beam on log-softmax */
    float normalize;         /* length normalisation exponent (beam search) */
    float max_length_factor; /* at most ceil(factor * source length incl. EOS) output tokens */
    int use_shortlist;
    /* constraints (n_cons > 0): a constrained greedy search whatever beam_size says; with none
     * the search is exactly the unconstrained one */
    const tj_constraint *cons;
    int n_cons;
} tj_search_opts;

/* Beam selection: writes to idx the indices of the k best of scores[0..n), in the order score
 * descending then index ascending (NaN below every number), and returns how many it wrote
 * (min(k, n)). hs is scratch for k floats. */
size_t tj_topk_scores(const float *scores, size_t n, size_t k, float *hs, int *idx);

/* Position of token id in the ascending column list cols[0..n), or -1 (id itself when cols is
 * NULL). */
int tj_col_of(const int *cols, int n, int id);
/* Whether the output token of step t reaches the length limit factor · len. */
int tj_reached_limit(int t, float factor, int len);

/* Translates one source sentence src[0..len) (EOS included). *out gets malloc'd target ids
 * (EOS included when produced), *n_out their count. */
tj_status tj_search(const tj_model *m, const tj_search_opts *o, const int *src, int len, int **out,
                    int *n_out, tj_error *err);

#endif
