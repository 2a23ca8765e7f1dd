/* SPDX-License-Identifier: MIT */
/* Attention products (Marian's bdot) summed in the order of the reference's BLAS.
 *
 * The reference marian-decoder ran its float32 attention products through OpenBLAS, whose AVX2
 * (Haswell/Zen) sgemm kernel does not add every output's products in one chain: for some blocks
 * of the output it keeps two chains, even and odd k, and adds them at the end. Which outputs get
 * which order follows from how the OpenBLAS driver cuts the product into kernel calls and how the
 * kernel walks its block; tj_sgemm_ordered reproduces that choice, so every output is rounded
 * exactly as in the reference. See docs/parity.md ("Attention products"). */
#ifndef TJ_NN_SGEMM_ORDER_H
#define TJ_NN_SGEMM_ORDER_H

#include <stddef.h>

/* y[i][j] = alpha · Σ_k x[i][k]·W[k][j] for i < M, j < N, k < K, as OpenBLAS computes the
 * row-major product (cblas_sgemm with beta 0) when it runs with `threads` threads (the split
 * between threads changes the order; this function itself runs on the calling thread). Rows of
 * x, W and y are ldx, ldw and ldy floats apart. Uses AVX2+FMA when the CPU has them; the result
 * is the same bits either way. */
void tj_sgemm_ordered(const float *x, size_t ldx, size_t M, size_t K, const float *W, size_t ldw,
                      size_t N, float alpha, float *y, size_t ldy, size_t threads);

/* Two products of the same shape (two attention heads): the bits of tj_sgemm_ordered(x, ...,
 * W, ..., y, ...) and of tj_sgemm_ordered(x2, ..., W2, ..., y2, ...), run through the same
 * blocks so that independent sums of both are in flight together. */
void tj_sgemm_ordered2(const float *x, const float *x2, size_t ldx, size_t M, size_t K,
                       const float *W, const float *W2, size_t ldw, size_t N, float alpha, float *y,
                       float *y2, size_t ldy, size_t threads);

/* H products of one row each (attention heads of one query): for h < H, the bits of
 * tj_sgemm_ordered(x + h*xh, K, 1, K, W + h*wh, ldw, N, alpha, y + h*yh, N, threads), computed
 * with the heads' independent sums interleaved (one row's sums alone wait on the multiply-add
 * latency). */
void tj_sgemm_ordered_rows(const float *x, size_t xh, size_t K, const float *W, size_t wh,
                           size_t ldw, size_t N, float alpha, float *y, size_t yh, size_t H,
                           size_t threads);

/* The portable path, exposed so tests can compare both. */
void tj_sgemm_ordered_scalar(const float *x, size_t ldx, size_t M, size_t K, const float *W,
                             size_t ldw, size_t N, float alpha, float *y, size_t ldy,
                             size_t threads);

#endif
