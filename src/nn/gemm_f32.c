/* SPDX-License-Identifier: MIT */
#include "nn/gemm_f32.h"

#include <math.h>

#include "nn/gemm_i8.h" /* tj_cpu_has_avx2 */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

/* Float products of the float32 (.npz) path's layers. Every output accumulates over k in order
 * with fused multiply-adds, and the bias is added to the finished sum; so the order of the
 * roundings is fixed and the AVX2 and portable paths agree bit for bit. */

void tj_sgemm_scalar(const float *x, size_t ldx, size_t M, size_t K, const float *W, size_t ldw,
                     size_t N, const float *bias, float *y, size_t ldy)
{
    for (size_t i = 0; i < M; i++) {
        float *yi = y + i * ldy;
        const float *xi = x + i * ldx;
        for (size_t j = 0; j < N; j++) yi[j] = 0.0f;
        for (size_t k = 0; k < K; k++) {
            const float *wk = W + k * ldw;
            for (size_t j = 0; j < N; j++) yi[j] = fmaf(xi[k], wk[j], yi[j]);
        }
        if (bias)
            for (size_t j = 0; j < N; j++) yi[j] += bias[j];
    }
}

#if defined(__x86_64__) || defined(__i386__)
/* Lanes are independent outputs, so vectorising changes no output's order of operations. A strip
 * of 32 outputs of two rows lives in eight registers for the whole k loop; the strip of W is read
 * from memory once and reused from cache by every row pair. Narrower strips of 8, then single
 * outputs, finish the columns. */
__attribute__((target("avx2,fma"))) static inline void
store32(float *yi, const float *bias, __m256 a0, __m256 a1, __m256 a2, __m256 a3)
{
    if (bias) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(bias));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(bias + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(bias + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(bias + 24));
    }
    _mm256_storeu_ps(yi, a0);
    _mm256_storeu_ps(yi + 8, a1);
    _mm256_storeu_ps(yi + 16, a2);
    _mm256_storeu_ps(yi + 24, a3);
}

__attribute__((target("avx2,fma"))) static void sgemm_avx2(const float *x, size_t ldx, size_t M,
                                                           size_t K, const float *W, size_t ldw,
                                                           size_t N, const float *bias, float *y,
                                                           size_t ldy)
{
    size_t j = 0;
    for (; j + 32 <= N; j += 32) {
        const float *bj = bias ? bias + j : NULL;
        size_t i = 0;
        for (; i + 2 <= M; i += 2) {
            const float *x0 = x + i * ldx, *x1 = x0 + ldx;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            const float *w = W + j;
            for (size_t k = 0; k < K; k++, w += ldw) {
                __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
                __m256 w2 = _mm256_loadu_ps(w + 16), w3 = _mm256_loadu_ps(w + 24);
                __m256 u = _mm256_set1_ps(x0[k]), v = _mm256_set1_ps(x1[k]);
                a0 = _mm256_fmadd_ps(u, w0, a0);
                a1 = _mm256_fmadd_ps(u, w1, a1);
                a2 = _mm256_fmadd_ps(u, w2, a2);
                a3 = _mm256_fmadd_ps(u, w3, a3);
                b0 = _mm256_fmadd_ps(v, w0, b0);
                b1 = _mm256_fmadd_ps(v, w1, b1);
                b2 = _mm256_fmadd_ps(v, w2, b2);
                b3 = _mm256_fmadd_ps(v, w3, b3);
            }
            store32(y + i * ldy + j, bj, a0, a1, a2, a3);
            store32(y + (i + 1) * ldy + j, bj, b0, b1, b2, b3);
        }
        if (i < M) {
            const float *x0 = x + i * ldx;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            const float *w = W + j;
            for (size_t k = 0; k < K; k++, w += ldw) {
                __m256 u = _mm256_set1_ps(x0[k]);
                a0 = _mm256_fmadd_ps(u, _mm256_loadu_ps(w), a0);
                a1 = _mm256_fmadd_ps(u, _mm256_loadu_ps(w + 8), a1);
                a2 = _mm256_fmadd_ps(u, _mm256_loadu_ps(w + 16), a2);
                a3 = _mm256_fmadd_ps(u, _mm256_loadu_ps(w + 24), a3);
            }
            store32(y + i * ldy + j, bj, a0, a1, a2, a3);
        }
    }
    for (; j + 8 <= N; j += 8)
        for (size_t i = 0; i < M; i++) {
            const float *xi = x + i * ldx, *w = W + j;
            __m256 a = _mm256_setzero_ps();
            for (size_t k = 0; k < K; k++, w += ldw)
                a = _mm256_fmadd_ps(_mm256_set1_ps(xi[k]), _mm256_loadu_ps(w), a);
            if (bias) a = _mm256_add_ps(a, _mm256_loadu_ps(bias + j));
            _mm256_storeu_ps(y + i * ldy + j, a);
        }
    for (; j < N; j++)
        for (size_t i = 0; i < M; i++) {
            const float *xi = x + i * ldx;
            float s = 0.0f;
            for (size_t k = 0; k < K; k++) s = fmaf(xi[k], W[k * ldw + j], s);
            y[i * ldy + j] = bias ? s + bias[j] : s;
        }
}
#else
#define sgemm_avx2 tj_sgemm_scalar
#endif

void tj_sgemm(const float *x, size_t ldx, size_t M, size_t K, const float *W, size_t ldw, size_t N,
              const float *bias, float *y, size_t ldy)
{
    if (tj_cpu_has_avx2())
        sgemm_avx2(x, ldx, M, K, W, ldw, N, bias, y, ldy);
    else
        tj_sgemm_scalar(x, ldx, M, K, W, ldw, N, bias, y, ldy);
}

void tj_sgemm_bias(const float *x, size_t M, size_t K, const float *W, size_t N, const float *bias,
                   float *y)
{
    tj_sgemm(x, K, M, K, W, N, N, bias, y, N);
}
