/* SPDX-License-Identifier: MIT */
/* Float kernels of the transformer: the operations Marian runs in float32 around the int8
 * products, written to follow Marian's CPU arithmetic where it decides results (spec §5.12). */
#ifndef TJ_NN_OPS_H
#define TJ_NN_OPS_H

#include <stddef.h>

/* Cephes-style exp and log used by Marian's SIMD paths (sse/avx_mathfun), with the fused
 * multiply-adds GCC forms in them. */
float tj_exp_cephes(float x);
float tj_log_cephes(float x);

/* In-place softmax / log-softmax of each of `rows` rows of length n. Rows whose length is a
 * multiple of 8 follow Marian's 8-lane AVX path (lane-wise max/sum, Cephes exp); others the
 * scalar path (libm expf, left-to-right sums). */
void tj_softmax_rows(float *x, size_t rows, size_t n);
void tj_logsoftmax_rows(float *x, size_t rows, size_t n);
/* The portable code behind them (lane arrays in plain C), which the AVX2 path must match bit for
 * bit; exposed for tests. */
void tj_softmax_rows_portable(float *x, size_t rows, size_t n);
/* y[i] = expf(x[i]) with the bits of glibc's FMA expf, four at a time; the plain-float softmax
 * rows use it when tj_cpu_has_avx2() (which then is also the expf libm runs). Exposed for tests;
 * call it only when tj_cpu_has_avx2(). */
void tj_expf_rows_avx2(const float *x, size_t n, float *y);
/* The same, eight at a time on 512 bits; call it only when tj_cpu_has_avx512bw(). */
void tj_expf_rows_avx512(const float *x, size_t n, float *y);
void tj_logsoftmax_rows_portable(float *x, size_t rows, size_t n);

/* y = gamma * (x - mean) / sqrt(var + eps) + beta per row of length n (in place allowed). */
void tj_layernorm(const float *x, float *y, size_t rows, size_t n, const float *gamma,
                  const float *beta, float eps);

/* The greedy choice over x[0..n) (n >= 1): the first index whose value no later value exceeds,
 * i.e. `best = 0; for j: if (x[j] > x[best]) best = j`, NaNs included (they never win, and a NaN
 * at 0 is never replaced). tj_argmax_scalar is that loop; tj_argmax uses AVX-512 when it can. */
int tj_argmax(const float *x, int n);
int tj_argmax_scalar(const float *x, int n);

/* Sinusoidal position signal for position p into out[0..d) (spec §5.2). */
void tj_position_signal(int p, int d, float *out);

/* dst[j][i] = src[i][j] for a rows x cols matrix (dst: cols x rows). */
void tj_transpose(const float *src, size_t rows, size_t cols, float *dst);

/* Elementwise helpers. */
void tj_relu(float *x, size_t n);
void tj_add(float *y, const float *x, size_t n); /* y += x */
float tj_sigmoid_vec(float x); /* Marian's vector-path sigmoid: e/(1+e), e = cephes exp(x) */

/* One row of the SSRU cell (spec §5.8) for n values: f = sigmoid_vec(g); c = fma(1-f, u, f*c)
 * (Marian's fused highway); u = relu(c) + y. c and u are updated in place. The AVX2 path (n a
 * multiple of 8) gives the portable path's bits; the portable one is exposed for tests. */
void tj_ssru_cell(const float *g, float *u, float *c, const float *y, size_t n);
void tj_ssru_cell_portable(const float *g, float *u, float *c, const float *y, size_t n);

#endif
