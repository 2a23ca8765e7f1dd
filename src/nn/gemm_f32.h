/* float32 matrix products for float models. Each output element accumulates its inner
 * products in order with fused multiply-adds, as BLAS sgemm kernels do. */
#ifndef TJ_NN_GEMM_F32_H
#define TJ_NN_GEMM_F32_H

#include <stddef.h>

/* y[M][N] = x[M][K] · W[K][N] (+ bias[N] when bias != NULL, added to the finished sum). */
void tj_sgemm_bias(const float *x, size_t M, size_t K, const float *W, size_t N, const float *bias,
                   float *y);

/* The portable path behind tj_sgemm_bias (which uses AVX2+FMA when the CPU has them); exposed so
 * tests can check both give the same bits. */
void tj_sgemm_bias_scalar(const float *x, size_t M, size_t K, const float *W, size_t N,
                          const float *bias, float *y);

#endif
