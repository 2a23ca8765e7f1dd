/* SPDX-License-Identifier: MIT */
/* The standard transformer decoder of OPUS-MT models (Marian `transformer-decoder-autoreg:
 * self-attention`, spec §10): each layer attends over its own inputs of every earlier step, then
 * over the encoder, then a feed-forward block. Marian keeps each layer's earlier inputs and
 * projects them to keys and values again at every step; projecting a row does not depend on the
 * other rows (nn/gemm_f32.h sums each output on its own), so the projections are kept instead. */
#ifndef TJ_DECODE_SA_DECODER_H
#define TJ_DECODE_SA_DECODER_H

#include <stddef.h>

#include "decode/transformer.h"

/* Per-sentence cache: `slots` hypotheses' keys and values for every layer and step so far.
 * Hypotheses are rows of the search; each row's state (the float block the search copies when
 * beams are reordered) holds the number of its slot in its first float, so two rows that come
 * from one parent share a slot until the step gives one of them a copy (copy on write). */
typedef struct tj_sa_cache tj_sa_cache;

/* Allocates c->sa for up to c->max_rows rows and `steps` decoder steps (more are grown on
 * demand). Does nothing for models without a self-attention decoder. */
tj_status tj_sa_begin(tj_sentence_ctx *c, int steps, tj_error *err);
void tj_sa_end(tj_sentence_ctx *c);

/* Whether a step could not grow the cache (out of memory): the step then returned logits that
 * end the hypotheses, and the search must report the failure. */
int tj_sa_failed(const tj_sentence_ctx *c);

/* One decoder step of a self-attention decoder, with tj_decoder_step's arguments and meaning
 * (state: dec_depth * d floats per row, of which the first holds the row's cache slot). */
void tj_sa_decoder_step(tj_sentence_ctx *c, const int *prev, int t, int rows, float *state,
                        float *logits);

/* Marian's swish x·sigmoid(x) in place on `rows` rows of n (SwishNodeOp through
 * element.h: the vector sigmoid e/(1+e) with Cephes exp when n is a multiple of 4, the scalar
 * one otherwise). */
void tj_swish_rows(float *x, size_t rows, size_t n);
/* The feed-forward activation act (TJ_ACT_*) in place on `rows` rows of n. */
void tj_activation_rows(int act, float *x, size_t rows, size_t n);

#endif
