/* SPDX-License-Identifier: MIT */
/* float32 matrix products of the float (.npz) models' layers. Each output element accumulates its
 * inner products in order with fused multiply-adds. (Attention sums in the reference BLAS's
 * order instead: nn/sgemm_order.h.) */
#ifndef TJ_NN_GEMM_F32_H
#define TJ_NN_GEMM_F32_H

#include <stddef.h>

/* y[i][j] = sum over k in order of x[i][k] · W[k][j] (+ bias[j] when bias != NULL, added to the
 * finished sum), for i < M, j < N, k < K. Rows of x, W and y are ldx, ldw and ldy floats apart,
 * so blocks of larger matrices (one attention head) can be multiplied in place. */
void tj_sgemm(const float *x, size_t ldx, size_t M, size_t K, const float *W, size_t ldw, size_t N,
              const float *bias, float *y, size_t ldy);

/* tj_sgemm on contiguous matrices: x [M][K], W [K][N], y [M][N]. */
void tj_sgemm_bias(const float *x, size_t M, size_t K, const float *W, size_t N, const float *bias,
                   float *y);

/* The portable path behind tj_sgemm (which uses AVX2+FMA when the CPU has them); exposed so tests
 * can check both give the same bits. */
void tj_sgemm_scalar(const float *x, size_t ldx, size_t M, size_t K, const float *W, size_t ldw,
                     size_t N, const float *bias, float *y, size_t ldy);

#endif
