#include "nn/sgemm_order.h"

#include <math.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

/* How OpenBLAS 0.3 computes a row-major y = alpha·x·W on one thread with its AVX2 sgemm kernel
 * (sgemm_kernel_8x4_haswell_2.c, chosen for Haswell and Zen), in the terms of this file:
 *
 * - cblas turns the row-major product into the column-major yᵀ = Wᵀ·xᵀ, so the kernel's "m"
 *   runs over our columns j and its "n" over our rows i.
 * - The driver (driver/level3/level3.c) cuts k into chunks of at most 320 (GEMM_Q); each chunk's
 *   partial sum is added to y as y = fma(alpha, partial, y), y starting at zero (beta 0).
 * - For each chunk it calls the kernel on all columns (up to GEMM_P = 320 of them) and on blocks
 *   of rows: 12 while 12 are left, then 8, then 4, then what remains.
 * - The kernel walks the columns in groups of 8. Most (row, group) blocks sum each output in one
 *   chain of fused multiply-adds over k. Some keep two chains, k even and k odd, for as many k
 *   as a multiple of 8 allows, continue the even chain with the remaining k, and add the chains
 *   (`even + odd`): every full group of a 4- or 8-row block, and in a 12-row block (when there
 *   are at least 16 columns) group 0 of its first 6 rows plus the last full group of the first
 *   or the last 6 rows, depending on the parity of the number of groups (the kernel zig-zags
 *   between the two halves in steps of 16 columns and finishes on the half the parity gives).
 *   Columns past the last full group, and chunks of fewer than 8 k, use one chain.
 *
 * Checked bit for bit against Debian's libopenblas 0.3.21 (OPENBLAS_CORETYPE=Haswell, one
 * thread) on random products up to 320 columns and any k; for more than 320 columns the driver
 * also cuts the columns, and the cut below follows level3.c but is not verified. */

enum { GROUP = 8, KCHUNK = 320, MCHUNK = 320 };

/* Length of the next chunk of n left items for a limit of q (level3.c's rule for k and m). */
static size_t chunk(size_t left, size_t q, int later)
{
    if (left >= 2 * q) return q;
    if (left > q) return ((later ? (left + 1) / 2 : left / 2) + GROUP - 1) / GROUP * GROUP;
    return left;
}

/* Rows in the kernel call that starts with `left` rows still to do. */
static size_t row_block(size_t left)
{
    return left >= 12 ? 12 : left >= 8 ? 8 : left > 4 ? 4 : left;
}

/* Does row r of a block of nb rows sum column group g (of ngroups full groups in a column chunk
 * of width mw) in two chains? */
static int two_chains(size_t nb, size_t r, size_t g, size_t ngroups, size_t mw)
{
    if (g >= ngroups) return 0;
    if (nb == 8 || nb == 4) return 1;
    if (nb != 12 || mw < 16) return 0;
    size_t last = ngroups - 1;
    if (r < 6) return g == 0 || (g == last && last % 2 == 1);
    return g == last && last % 2 == 0;
}

/* y[0..n) += alpha · Σ_{k in [k0, k0+kl)} xi[k]·W[k][0..n), W rows ldw apart. */
static void group_scalar(const float *xi, const float *W, size_t ldw, size_t n, size_t k0,
                         size_t kl, int split, float alpha, float *y)
{
    float e[GROUP] = {0}, o[GROUP] = {0};
    size_t pairs_end = split && kl >= GROUP ? k0 + kl / GROUP * GROUP : k0, k = k0;
    for (; k < pairs_end; k += 2)
        for (size_t l = 0; l < n; l++) {
            e[l] = fmaf(xi[k], W[k * ldw + l], e[l]);
            o[l] = fmaf(xi[k + 1], W[(k + 1) * ldw + l], o[l]);
        }
    for (; k < k0 + kl; k++)
        for (size_t l = 0; l < n; l++) e[l] = fmaf(xi[k], W[k * ldw + l], e[l]);
    for (size_t l = 0; l < n; l++) y[l] = fmaf(alpha, pairs_end > k0 ? e[l] + o[l] : e[l], y[l]);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) static void group_avx2(const float *xi, const float *W,
                                                           size_t ldw, size_t k0, size_t kl,
                                                           int split, float alpha, float *y)
{
    __m256 e = _mm256_setzero_ps(), o = e;
    size_t pairs_end = split && kl >= GROUP ? k0 + kl / GROUP * GROUP : k0, k = k0;
    for (; k < pairs_end; k += 2) {
        e = _mm256_fmadd_ps(_mm256_set1_ps(xi[k]), _mm256_loadu_ps(W + k * ldw), e);
        o = _mm256_fmadd_ps(_mm256_set1_ps(xi[k + 1]), _mm256_loadu_ps(W + (k + 1) * ldw), o);
    }
    for (; k < k0 + kl; k++)
        e = _mm256_fmadd_ps(_mm256_set1_ps(xi[k]), _mm256_loadu_ps(W + k * ldw), e);
    if (pairs_end > k0) e = _mm256_add_ps(e, o);
    _mm256_storeu_ps(y, _mm256_fmadd_ps(_mm256_set1_ps(alpha), e, _mm256_loadu_ps(y)));
}

static int have_avx2_fma(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
static int have_avx2_fma(void)
{
    return 0;
}
#endif

static void sgemm_ordered(const float *x, size_t ldx, size_t M, size_t K, const float *W,
                          size_t ldw, size_t N, float alpha, float *y, size_t ldy, int simd)
{
    for (size_t i = 0; i < M; i++) memset(y + i * ldy, 0, N * sizeof(float));
    for (size_t k0 = 0, kl; k0 < K; k0 += kl) {
        kl = chunk(K - k0, KCHUNK, 0);
        for (size_t j0 = 0, mw; j0 < N; j0 += mw) {
            mw = chunk(N - j0, MCHUNK, j0 > 0);
            size_t ngroups = mw / GROUP;
            for (size_t i0 = 0, nb; i0 < M; i0 += nb) {
                nb = row_block(M - i0);
                for (size_t r = 0; r < nb; r++) {
                    const float *xi = x + (i0 + r) * ldx;
                    float *yi = y + (i0 + r) * ldy + j0;
                    for (size_t j = 0; j < mw; j += GROUP) {
                        size_t n = mw - j < GROUP ? mw - j : GROUP;
                        int split = two_chains(nb, r, j / GROUP, ngroups, mw);
#if defined(__x86_64__) || defined(__i386__)
                        if (simd && n == GROUP) {
                            group_avx2(xi, W + j0 + j, ldw, k0, kl, split, alpha, yi + j);
                            continue;
                        }
#endif
                        group_scalar(xi, W + j0 + j, ldw, n, k0, kl, split, alpha, yi + j);
                    }
                }
            }
        }
    }
    (void)simd;
}

void tj_sgemm_ordered_scalar(const float *x, size_t ldx, size_t M, size_t K, const float *W,
                             size_t ldw, size_t N, float alpha, float *y, size_t ldy)
{
    sgemm_ordered(x, ldx, M, K, W, ldw, N, alpha, y, ldy, 0);
}

void tj_sgemm_ordered(const float *x, size_t ldx, size_t M, size_t K, const float *W, size_t ldw,
                      size_t N, float alpha, float *y, size_t ldy)
{
    sgemm_ordered(x, ldx, M, K, W, ldw, N, alpha, y, ldy, have_avx2_fma());
}
