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
    float *pre; /* scratch: preprocessed block inputs, then the embeddings (2 x max rows x d) */
    uint8_t *qbuf;
    struct tj_sa_cache *sa; /* self-attention decoders: keys/values of earlier steps (owned) */
    const int *ucols; /* with a batch's union output layer (tj_step_ws.ou): each column's position
                         in it (not owned); NULL otherwise */
} tj_sentence_ctx;

/* Encodes src[0..len) (EOS included) and prepares ctx for decoding up to max_rows hypotheses at
 * a time with output columns cols[0..n_cols) (NULL: all). */
tj_status tj_sentence_begin(tj_sentence_ctx *ctx, const tj_model *m, const int *src, int len,
                            const int *cols, int n_cols, int max_rows, tj_error *err);
void tj_sentence_end(tj_sentence_ctx *ctx);
/* Frees the scratch buffers (x .. qbuf) once the encoder has run, for callers that step the
 * decoder in a tj_step_ws of their own (tj_decoder_step_groups); tj_decoder_step then must not
 * be called on ctx. */
void tj_sentence_drop_scratch(tj_sentence_ctx *ctx);

/* One decoder step for `rows` hypotheses: prev[r] is the previous token (-1 at step 0), t the
 * step index, state[r] the cell states [dec_depth][d] (updated in place). Writes raw scores
 * (logits) [rows][n_cols]. */
void tj_decoder_step(tj_sentence_ctx *ctx, const int *prev, int t, int rows, float *state,
                     float *logits);

/* Scratch of a decoder step over up to cap_rows rows in all, against sources of up to the
 * max_src_len given to tj_step_ws_init. Allocated once, reused by every step. */
typedef struct tj_step_ws {
    int cap_rows;
    float *x, *y1, *tmp, *att, *scores, *ffn;
    uint8_t *qbuf;
    struct tj_out_union *ou; /* set by the caller (not owned): the output layer over the union of
                                the groups' columns (decode/out_union.h), when it pays */
} tj_step_ws;
tj_status tj_step_ws_init(tj_step_ws *ws, const tj_model *m, int rows, int max_src_len,
                          tj_error *err);
void tj_step_ws_free(tj_step_ws *ws);

/* One decoder step for ng groups of rows (sentences) at once: group g has grows[g] rows (its
 * hypotheses) decoded against ctxs[g]; rows are stacked group after group in prev and state
 * (as in tj_decoder_step), and group g's logits [grows[g]][ctxs[g]->n_cols] go to logits[g].
 * Every row's results are bit for bit those of tj_decoder_step on its group alone. All groups
 * share the step index t and the model. */
void tj_decoder_step_groups(tj_sentence_ctx *const *ctxs, const int *grows, int ng, const int *prev,
                            int t, float *state, float *const *logits, tj_step_ws *ws);

/* Marian's transformer blocks (transformer.h preProcess / postProcess) with the model's
 * transformer-preprocess and -postprocess operations, over M rows of d. */
/* The block's input as its sublayer sees it: x itself, or x layer-normalised into buf. */
const float *tj_block_pre(const tj_model *m, const tj_norm *n, const float *x, int M, float *buf);
/* x <- postprocess(out, skip x) (out is clobbered). */
void tj_block_post(const tj_model *m, const tj_norm *n, float *out, float *x, int M);
/* ops ('a' add skip, 'n' layer norm) in place on out. */
void tj_block_ops(const tj_model *m, const char *ops, const tj_norm *n, float *out,
                  const float *skip, int M);
/* Floats of feed-forward scratch for rows rows. */
size_t tj_ffn_scratch(const tj_model *m, int rows);
/* x <- the feed-forward block of x (hid: tj_ffn_scratch floats; tmp: M*d; prebuf: M*d). */
void tj_ffn_block(const tj_model *m, const tj_ffn *f, float *x, int M, float *hid, float *tmp,
                  float *prebuf, uint8_t *qbuf);

#endif
