/* SPDX-License-Identifier: MIT */
/* The output layer of a greedy batch over the union of its sentences' shortlists (issue 25).
 *
 * Each sentence of a batch has its own shortlist, so the output layer is a one-row product per
 * sentence per step: every column's weights are read from memory for one row only. Here every
 * step computes all rows against the union of the batch's columns in one multi-row product,
 * and each sentence reads its own columns from it. The union has more columns than any one
 * sentence needs (3-6x for 16 sentences), so it pays where the multi-row product is that much
 * faster: with VNNI on a trained model (most columns exact) the union is packed once per batch,
 * exact columns first, and runs about 5x faster than the one-row products; otherwise it is read
 * from out_w in place (2-3x faster) and falls back to the one-row products sooner
 * (tj_out_union_pays). Every value is the fmaf(float(S), unq, pbias) of the same exact int32 S
 * as tj_gemm_i8 on the sentence's own columns, so the logits are bit for bit the same. */
#ifndef TJ_DECODE_OUT_UNION_H
#define TJ_DECODE_OUT_UNION_H

#include <stddef.h>
#include <stdint.h>
#include "decode/model.h"

typedef struct tj_out_union {
    size_t n;       /* columns in the union */
    size_t n_exact; /* the first n_exact packed columns are exact (VNNI); 0 without VNNI */
    int8_t *P;      /* out_w's union columns packed (nn/gemm_i8.h), exact ones first; or NULL,
                       and the product reads them through cols */
    int *cols;      /* without P: the union's token ids, ascending */
    float *pbias;   /* their prepared bias, in packed order */
    float *logits;  /* [rows][n] scratch of one step */
    int *pos;       /* per sentence: packed position of each of its columns, concatenated */
    size_t *off;    /* sentence g's positions start at pos + off[g] */
} tj_out_union;

/* 1 when the model's output layer can run this way: an int8 output matrix (not a float model,
 * not int8 at load), an SSRU decoder (batched steps) and d a multiple of 4. */
int tj_out_union_usable(const tj_model *m);

/* Builds the union of ns sentences' columns cols[g][0..n_cols[g]) (ascending token ids) for up
 * to `rows` rows per step; packed (only when tj_cpu_has_avx512bw()) allows packing it for the
 * AVX-512 kernels, which happens with VNNI when most columns are exact; else the product reads
 * out_w's columns. */
tj_status tj_out_union_build(tj_out_union *u, const tj_model *m, const int *const *cols,
                             const int *n_cols, int ns, int rows, int packed, tj_error *err);
void tj_out_union_free(tj_out_union *u);

/* Whether one step of `rows` rows whose sentences have sum_cols columns in all is cheaper over
 * the union than one product per sentence (the union's cost grows with rows x n; a batch that
 * has drained to a few sentences goes back to their own columns). */
int tj_out_union_pays(const tj_out_union *u, int rows, size_t sum_cols);

/* The union product for `rows` rows of quantised activations A ([rows][d]): u->logits. */
void tj_out_union_step(tj_out_union *u, const tj_model *m, const uint8_t *A, int rows);

#endif
