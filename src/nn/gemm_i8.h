/* SPDX-License-Identifier: MIT */
/* int8 matrix products with intgemm's "shifted" arithmetic (Marian int8shiftAlphaAll), spec §5.11.
 *
 * A (activations, float) is quantised with a precomputed multiplier alpha to aq in [-127,127] and
 * shifted to au = aq + 127 in [0,254] (uint8). B (weights) is int8 stored [N][K]: each output
 * column's K weights contiguous, exactly as Marian files store them. The integer dot product is
 * formed the way AVX2's vpmaddubsw does it: products of adjacent k pairs summed into int16 with
 * saturation, then widened and summed exactly. The reference outputs were made on such a CPU, so
 * every path here (scalar and AVX2) reproduces that saturation bit for bit. */
#ifndef TJ_NN_GEMM_I8_H
#define TJ_NN_GEMM_I8_H

#include <stddef.h>
#include <stdint.h>

/* au[i] = clamp(rne(x[i]*alpha), -127, 127) + 127 for n values. */
void tj_quantize_shifted(const float *x, size_t n, float alpha, uint8_t *au);
/* Its two implementations (identical results; the AVX2 one only when tj_cpu_has_avx2()). */
void tj_quantize_shifted_scalar(const float *x, size_t n, float alpha, uint8_t *au);
void tj_quantize_shifted_avx2(const float *x, size_t n, float alpha, uint8_t *au);

/* C[i][j] = fma(float(S_ij), unq, pbias[j]) (intgemm's unquantise-and-add-bias, fused as Marian's
 * -march=native build fuses it) for i < M, j < N, where
 * S_ij = sum_m sat16(au[i][2m]*b[col_j][2m] + au[i][2m+1]*b[col_j][2m+1]) and
 * col_j = cols ? cols[j] : j. K must be a multiple of 32. A rows are K bytes apart, B rows K bytes
 * apart, C rows ldc floats apart. */
void tj_gemm_i8(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols, size_t N,
                float unq, const float *pbias, float *C, size_t ldc);

/* The two implementations behind tj_gemm_i8 (which picks AVX2 when the CPU has it); exposed so
 * tests can check they agree. tj_gemm_i8_avx2 must only be called when tj_cpu_has_avx2() (AVX2 and
 * FMA). */
void tj_gemm_i8_scalar(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols,
                       size_t N, float unq, const float *pbias, float *C, size_t ldc);
void tj_gemm_i8_avx2(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols,
                     size_t N, float unq, const float *pbias, float *C, size_t ldc);
int tj_cpu_has_avx2(void);
/* The AVX-512BW kernel (nn/gemm_i8_avx512.c): the same bits on 64 bytes per instruction. Call
 * only when tj_cpu_has_avx512bw() (which also requires tj_cpu_has_avx2()). tj_gemm_i8 picks the
 * widest path the CPU has: AVX-512BW, else AVX2, else scalar. */
void tj_gemm_i8_avx512bw(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols,
                         size_t N, float unq, const float *pbias, float *C, size_t ldc);
int tj_cpu_has_avx512bw(void);

/* Column sums of B rows (sum over k of b[j][k]) for the bias correction. */
void tj_i8_colsums(const int8_t *B, size_t N, size_t K, int32_t *sums);

#endif
