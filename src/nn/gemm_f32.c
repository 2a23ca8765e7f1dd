#include "nn/gemm_f32.h"

#include <math.h>
#include <stdlib.h>

void tj_sgemm_bias(const float *x, size_t M, size_t K, const float *W, size_t N, const float *bias,
                   float *y)
{
    for (size_t i = 0; i < M; i++) {
        float *yi = y + i * N;
        for (size_t j = 0; j < N; j++) yi[j] = 0.0f;
        const float *xi = x + i * K;
        for (size_t k = 0; k < K; k++) {
            const float *wk = W + k * N;
            float a = xi[k];
            for (size_t j = 0; j < N; j++) yi[j] = fmaf(a, wk[j], yi[j]);
        }
        if (bias)
            for (size_t j = 0; j < N; j++) yi[j] += bias[j];
    }
}

void tj_sgemm_rows_bias(const float *x, size_t M, size_t K, const float *E, const int *cols,
                        size_t N, const float *bias, float *y)
{
    for (size_t i = 0; i < M; i++) {
        const float *xi = x + i * K;
        for (size_t j = 0; j < N; j++) {
            size_t c = cols ? (size_t)cols[j] : j;
            const float *e = E + c * K;
            float s = 0.0f;
            for (size_t k = 0; k < K; k++) s = fmaf(xi[k], e[k], s);
            y[i * N + j] = bias ? s + bias[c] : s;
        }
    }
}
