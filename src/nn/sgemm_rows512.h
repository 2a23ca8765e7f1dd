/* SPDX-License-Identifier: MIT */
/* Blocks of tj_sgemm_ordered (nn/sgemm_order.c) for several rows at once on AVX-512, so that each
 * weight vector loaded feeds every row and enough independent chains are in flight. Rows taken
 * together must sum every column group the same way (one chain, or the two-chain split), which
 * the caller checks; each lane then carries exactly the chain the one-row AVX2 code gives that
 * output, so the bits are the same. Internal to nn/; call only when tj_cpu_has_avx512bw(). */
#ifndef TJ_NN_SGEMM_ROWS512_H
#define TJ_NN_SGEMM_ROWS512_H

#include <stddef.h>

/* One product (x, W, y) and optionally a second of the same shape (x2, W2, y2; NULL when none):
 * rows r < R (1 to 4) of x and y, ldx and ldy apart. */
typedef struct tj_sgo_rows {
    const float *x, *x2;
    size_t ldx;
    const float *W, *W2; /* at the block's first column */
    size_t ldw;
    float *y, *y2; /* at the block's first column of the first row */
    size_t ldy;
    int R;
} tj_sgo_rows;

/* 32 columns (four full groups of 8), k chunk [k0, k0 + kl): every group in one chain (split 0)
 * or every group in two (split 1). y = fma(alpha, sum, y). */
void tj_sgo_block32_avx512(const tj_sgo_rows *b, size_t k0, size_t kl, int split, float alpha);

/* One group of n <= 8 columns, split as above (a partial group never splits). */
void tj_sgo_group_avx512(const tj_sgo_rows *b, size_t n, size_t k0, size_t kl, int split,
                         float alpha);

#endif
