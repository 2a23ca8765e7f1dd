/* float32 matrix products for float models. Each output element accumulates its inner
 * products in order with fused multiply-adds, as BLAS sgemm kernels do. */
#ifndef TJ_NN_GEMM_F32_H
#define TJ_NN_GEMM_F32_H

#include <stddef.h>

/* y[M][N] = x[M][K] · W[K][N] (+ bias[N] when bias != NULL). */
void tj_sgemm_bias(const float *x, size_t M, size_t K, const float *W, size_t N, const float *bias,
                   float *y);

/* y[M][N] = x[M][K] · E[col_j]ᵀ + bias[col_j], E row-major [*][K]; col_j = cols ? cols[j] : j. */
void tj_sgemm_rows_bias(const float *x, size_t M, size_t K, const float *E, const int *cols,
                        size_t N, const float *bias, float *y);

#endif
