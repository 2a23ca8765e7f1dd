/* SPDX-License-Identifier: MIT */
/* Forward computation of the Firefox student: transformer encoder and SSRU decoder steps
 * (spec §5). Everything for one sentence; the model is only read. */
#ifndef TJ_DECODE_TRANSFORMER_H
#define TJ_DECODE_TRANSFORMER_H

#include <stddef.h>
#include <stdint.h>
#include "decode/model.h"

/* Per-sentence decoding context: encoder output projected to each decoder layer's context keys
 * and values, the output-layer columns (shortlist) and scratch buffers. */
typedef struct tj_sentence_ctx {
    const tj_model *m;
    int src_len;
    float *ctx_k;    /* context keys, transposed for attention: [dec_depth][d][src_len] */
    float *ctx_v;    /* context values: [dec_depth][src_len][d] */
    const int *cols; /* output columns (token ids), NULL = full vocabulary */
    int n_cols;
    float *col_pbias; /* prepared bias of those columns */
    float *col_wt;    /* float models with a shortlist: those columns of Wembᵀ, [d][n_cols] */
    int max_rows;     /* rows the scratch below can hold */
    float *x, *y1, *tmp, *att, *scores, *ffn; /* scratch */
    uint8_t *qbuf;
    struct tj_sa_cache *sa; /* self-attention decoders: keys/values of earlier steps (owned) */
} tj_sentence_ctx;

/* Encodes src[0..len) (EOS included) and prepares ctx for decoding up to max_rows hypotheses at
 * a time with output columns cols[0..n_cols) (NULL: all). */
tj_status tj_sentence_begin(tj_sentence_ctx *ctx, const tj_model *m, const int *src, int len,
                            const int *cols, int n_cols, int max_rows, tj_error *err);
void tj_sentence_end(tj_sentence_ctx *ctx);

/* One decoder step for `rows` hypotheses: prev[r] is the previous token (-1 at step 0), t the
 * step index, state[r] the cell states [dec_depth][d] (updated in place). Writes raw scores
 * (logits) [rows][n_cols]. */
void tj_decoder_step(tj_sentence_ctx *ctx, const int *prev, int t, int rows, float *state,
                     float *logits);

#endif
