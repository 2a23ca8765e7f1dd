/* SPDX-License-Identifier: MIT */
/* Forced decoding of a finished translation: the decoder is run over the output's own ids to read
 * what the search does not keep, per target token: the soft alignment (the last decoder layer's
 * cross-attention of head 0, the head the Firefox students were trained on with guided alignment;
 * Marian's collectOneHead and Bergamot's HTML tag placement use the same) and the log-probability
 * the model gave the token over the full vocabulary. Used for inline markup placement in
 * documents and for quality flags. The search itself is not touched, so translations stay
 * bit-identical. */
#ifndef TJ_DECODE_ALIGN_H
#define TJ_DECODE_ALIGN_H
#include "decode/model.h"
#include "decode/transformer.h"

/* Runs the decoder over trg[0..T) (the search's output, EOS included when produced) for the
 * source src[0..S) (EOS included). When attn is not NULL it gets [T][S] alignment probabilities
 * (row t: the source distribution when token t was produced; rows sum to 1); when logprob is not
 * NULL it gets T log-probabilities log p(trg[t] | trg[<t], src). Models whose decoder is not the
 * SSRU student's (self-attention decoders, decode/sa_decoder.h) were not trained with guided
 * alignment and keep their attention elsewhere: their attn rows are all zero. */
tj_status tj_force_decode(const tj_model *m, const int *src, int S, const int *trg, int T,
                          float *attn, float *logprob, tj_error *err);

/* After a tj_decoder_step of one row on c, recomputes the last decoder layer's cross-attention
 * probabilities of head h for that row from what the step left in c's scratch (y1: the layer's
 * SSRU output after its layer norm) and writes S = c->src_len floats to out. qbuf needs d bytes,
 * q d floats. Exposed so that a test can compare it with the attention the step itself left in
 * c->scores (every head's row of the last layer, head h at h * S), which catches a change of the
 * scratch layout in transformer.c. */
void tj_align_head(const tj_sentence_ctx *c, int h, float *q, uint8_t *qbuf, float *out);
#endif
