/* SPDX-License-Identifier: MIT */
#include "nn/gemm_i8.h"

#include <string.h>

#include <math.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TJ_X86 1
#endif

void tj_quantize_shifted_scalar(const float *x, size_t n, float alpha, uint8_t *au)
{
    for (size_t i = 0; i < n; i++) {
        float t = x[i] * alpha;
        /* cvtps_epi32 under round-to-nearest-even; NaN and out-of-range give INT32_MIN, which
         * saturates to -127 below. */
        long v;
        if (!(t > -2147483648.0f && t < 2147483648.0f))
            v = -127;
        else
            v = lrintf(t);
        if (v > 127) v = 127;
        if (v < -127) v = -127;
        au[i] = (uint8_t)(v + 127);
    }
}

void tj_quantize_shifted_relu_scalar(const float *x, size_t n, float alpha, uint8_t *au)
{
    for (size_t i = 0; i < n; i++) {
        float r = x[i] > 0.0f ? x[i] : 0.0f;
        tj_quantize_shifted_scalar(&r, 1, alpha, au + i);
    }
}

#ifdef TJ_X86
/* 32 values per round: vcvtps2dq rounds under MXCSR (nearest-even by default, as lrintf under the
 * default rounding mode) and turns NaN and out-of-range into INT32_MIN, which the clamp takes to
 * -127 exactly as the scalar path does. With relu, vmaxps(x, 0) first: x > 0 ? x : 0 per lane
 * (NaN and -0 give the second operand, +0), the scalar path's ReLU. Inlined into the two entry
 * points below with relu a constant, so each loop has no test in it. */
__attribute__((target("avx2,fma"), always_inline)) static inline void
quantize_shifted_avx2(const float *x, size_t n, float alpha, uint8_t *au, int relu)
{
    const __m256 va = _mm256_set1_ps(alpha), zero = _mm256_setzero_ps();
    const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
    /* packs/packus interleave the two 128-bit lanes; this puts the 4-byte groups back in order. */
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i q[4];
        for (int g = 0; g < 4; g++) {
            __m256 r = _mm256_loadu_ps(x + i + 8 * g);
            if (relu) r = _mm256_max_ps(r, zero);
            __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(r, va));
            v = _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
            q[g] = _mm256_add_epi32(v, hi);
        }
        __m256i w01 = _mm256_packs_epi32(q[0], q[1]), w23 = _mm256_packs_epi32(q[2], q[3]);
        __m256i b = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w01, w23), order);
        _mm256_storeu_si256((__m256i *)(au + i), b);
    }
    if (relu)
        tj_quantize_shifted_relu_scalar(x + i, n - i, alpha, au + i);
    else
        tj_quantize_shifted_scalar(x + i, n - i, alpha, au + i);
}

__attribute__((target("avx2,fma"))) void tj_quantize_shifted_avx2(const float *x, size_t n,
                                                                  float alpha, uint8_t *au)
{
    quantize_shifted_avx2(x, n, alpha, au, 0);
}

__attribute__((target("avx2,fma"))) void tj_quantize_shifted_relu_avx2(const float *x, size_t n,
                                                                       float alpha, uint8_t *au)
{
    quantize_shifted_avx2(x, n, alpha, au, 1);
}
#else
void tj_quantize_shifted_avx2(const float *x, size_t n, float alpha, uint8_t *au)
{
    tj_quantize_shifted_scalar(x, n, alpha, au);
}
void tj_quantize_shifted_relu_avx2(const float *x, size_t n, float alpha, uint8_t *au)
{
    tj_quantize_shifted_relu_scalar(x, n, alpha, au);
}
#endif

void tj_quantize_shifted_relu(const float *x, size_t n, float alpha, uint8_t *au)
{
    if (tj_cpu_has_avx2())
        tj_quantize_shifted_relu_avx2(x, n, alpha, au);
    else
        tj_quantize_shifted_relu_scalar(x, n, alpha, au);
}

void tj_quantize_shifted(const float *x, size_t n, float alpha, uint8_t *au)
{
    if (tj_cpu_has_avx2())
        tj_quantize_shifted_avx2(x, n, alpha, au);
    else
        tj_quantize_shifted_scalar(x, n, alpha, au);
}

void tj_i8_colsums(const int8_t *B, size_t N, size_t K, int32_t *sums)
{
    if (tj_cpu_has_avx512bw())
        tj_i8_colsums_avx512(B, N, K, sums);
    else
        tj_i8_colsums_scalar(B, N, K, sums);
}

void tj_i8_colsums_range(const int8_t *B, size_t N, size_t K, int32_t *sums, int8_t *lo, int8_t *hi)
{
    if (tj_cpu_has_avx512bw())
        tj_i8_colsums_range_avx512(B, N, K, sums, lo, hi);
    else
        tj_i8_colsums_range_scalar(B, N, K, sums, lo, hi);
}

/* Both scalar column sums: lo/hi NULL for the plain ones (inlined into each, lo/hi known). */
static inline void colsums_scalar(const int8_t *B, size_t N, size_t K, int32_t *sums, int8_t *lo,
                                  int8_t *hi)
{
    int8_t mn = lo ? *lo : 0, mx = hi ? *hi : 0;
    for (size_t j = 0; j < N; j++) {
        int32_t s = 0;
        for (size_t k = 0; k < K; k++) {
            int8_t v = B[j * K + k];
            s += v;
            if (lo) {
                mn = v < mn ? v : mn;
                mx = v > mx ? v : mx;
            }
        }
        sums[j] = s;
    }
    if (lo) *lo = mn, *hi = mx;
}

void tj_i8_colsums_range_scalar(const int8_t *B, size_t N, size_t K, int32_t *sums, int8_t *lo,
                                int8_t *hi)
{
    colsums_scalar(B, N, K, sums, lo, hi);
}

void tj_i8_map_scalar(const int8_t *src, size_t n, const int8_t tab[256], int8_t *dst)
{
    for (size_t i = 0; i < n; i++) dst[i] = tab[(uint8_t)src[i]];
}

void tj_i8_map(const int8_t *src, size_t n, const int8_t tab[256], int8_t *dst)
{
    if (tj_cpu_has_avx512vbmi())
        tj_i8_map_avx512vbmi(src, n, tab, dst);
    else
        tj_i8_map_scalar(src, n, tab, dst);
}

void tj_i8_colsums_scalar(const int8_t *B, size_t N, size_t K, int32_t *sums)
{
    colsums_scalar(B, N, K, sums, NULL, NULL);
}

static inline int32_t sat16(int32_t v)
{
    return v > 32767 ? 32767 : (v < -32768 ? -32768 : v);
}

void tj_gemm_i8_scalar(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols,
                       size_t N, float unq, const float *pbias, float *C, size_t ldc)
{
    for (size_t i = 0; i < M; i++) {
        const uint8_t *a = A + i * K;
        for (size_t j = 0; j < N; j++) {
            const int8_t *b = B + (size_t)(cols ? cols[j] : (int)j) * K;
            int32_t s = 0;
            for (size_t k = 0; k < K; k += 2)
                s += sat16((int32_t)a[k] * b[k] + (int32_t)a[k + 1] * b[k + 1]);
            C[i * ldc + j] = fmaf((float)s, unq, pbias[j]);
        }
    }
}

#ifdef TJ_X86
int tj_cpu_has_avx2(void)
{
    /* Every AVX2 CPU also has FMA; the kernel uses it for the exact fmaf of its epilogue. */
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

__attribute__((target("avx2,fma"))) static inline int32_t hsum_epi32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

/* acc += the 32-byte dot product of av (u8) and b (s8) with vpmaddubsw's saturated pair sums. */
__attribute__((target("avx2,fma"))) static inline __m256i dot32(__m256i acc, __m256i av,
                                                                const int8_t *b, __m256i ones)
{
    __m256i bv = _mm256_loadu_si256((const __m256i *)b);
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(av, bv), ones));
}

/* The four int32 totals of four accumulators, in order: two rounds of pairwise adds inside each
 * 128-bit half, then the halves added. Integer sums, so the grouping changes nothing. */
__attribute__((target("avx2,fma"))) static inline __m128i hsum4(__m256i s0, __m256i s1, __m256i s2,
                                                                __m256i s3)
{
    __m256i c = _mm256_hadd_epi32(_mm256_hadd_epi32(s0, s1), _mm256_hadd_epi32(s2, s3));
    return _mm_add_epi32(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
}

/* c[0..4) = fma(float(S), unq, pbias[0..4)): the same roundings as the scalar epilogue. */
__attribute__((target("avx2,fma"))) static inline void unquant4(float *c, __m128i S, float unq,
                                                                const float *pbias)
{
    _mm_storeu_ps(c, _mm_fmadd_ps(_mm_cvtepi32_ps(S), _mm_set1_ps(unq), _mm_loadu_ps(pbias)));
}

/* Four B rows (output columns) at a time, against every A row in turn: the four B rows (4 K bytes)
 * stay in L1 while the A rows stream past, and the four totals are unquantised together.
 * vpmaddubsw (u8 x s8 -> saturated s16 pair sums), then vpmaddwd with ones to widen pairs of s16
 * exactly into s32. The last N % 4 columns go one at a time. Pairs of A rows sharing each B load
 * were tried and are slower: eight accumulators are one more than GCC keeps in registers. */
__attribute__((target("avx2,fma"))) void tj_gemm_i8_avx2(const uint8_t *A, size_t M, size_t K,
                                                         const int8_t *B, const int *cols, size_t N,
                                                         float unq, const float *pbias, float *C,
                                                         size_t ldc)
{
    const __m256i ones = _mm256_set1_epi16(1);
    size_t j = 0;
    for (; j + 4 <= N; j += 4) {
        const int8_t *b0 = B + (size_t)(cols ? cols[j] : (int)j) * K;
        const int8_t *b1 = B + (size_t)(cols ? cols[j + 1] : (int)j + 1) * K;
        const int8_t *b2 = B + (size_t)(cols ? cols[j + 2] : (int)j + 2) * K;
        const int8_t *b3 = B + (size_t)(cols ? cols[j + 3] : (int)j + 3) * K;
        for (size_t i = 0; i < M; i++) {
            const uint8_t *a0 = A + i * K;
            __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
            for (size_t k = 0; k < K; k += 32) {
                __m256i av = _mm256_loadu_si256((const __m256i *)(a0 + k));
                s0 = dot32(s0, av, b0 + k, ones);
                s1 = dot32(s1, av, b1 + k, ones);
                s2 = dot32(s2, av, b2 + k, ones);
                s3 = dot32(s3, av, b3 + k, ones);
            }
            unquant4(C + i * ldc + j, hsum4(s0, s1, s2, s3), unq, pbias + j);
        }
    }
    for (; j < N; j++) {
        const int8_t *b0 = B + (size_t)(cols ? cols[j] : (int)j) * K;
        for (size_t i = 0; i < M; i++) {
            const uint8_t *a0 = A + i * K;
            __m256i s0 = _mm256_setzero_si256();
            for (size_t k = 0; k < K; k += 32) {
                __m256i av = _mm256_loadu_si256((const __m256i *)(a0 + k));
                s0 = dot32(s0, av, b0 + k, ones);
            }
            C[i * ldc + j] = fmaf((float)hsum_epi32(s0), unq, pbias[j]);
        }
    }
}
#else
int tj_cpu_has_avx2(void)
{
    return 0;
}
void tj_gemm_i8_avx2(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols,
                     size_t N, float unq, const float *pbias, float *C, size_t ldc)
{
    tj_gemm_i8_scalar(A, M, K, B, cols, N, unq, pbias, C, ldc);
}
#endif

void tj_gemm_i8(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols, size_t N,
                float unq, const float *pbias, float *C, size_t ldc)
{
    if (tj_cpu_has_avx512bw())
        tj_gemm_i8_avx512bw(A, M, K, B, cols, N, unq, pbias, C, ldc);
    else if (tj_cpu_has_avx2())
        tj_gemm_i8_avx2(A, M, K, B, cols, N, unq, pbias, C, ldc);
    else
        tj_gemm_i8_scalar(A, M, K, B, cols, N, unq, pbias, C, ldc);
}

size_t tj_gemm_i8_packed_size(size_t K, size_t N)
{
    return (N + 63) / 64 * 64 * K;
}

void tj_gemm_i8_pack_scalar(const int8_t *B, size_t K, size_t N, const int32_t *perm, int8_t *P)
{
    /* Group by group of 16 columns, k in steps of 4: 32-bit moves on 16 streams of B and one
     * stream of P. */
    size_t np = (N + 63) / 64 * 64;
    for (size_t g = 0; g < np; g += 16) {
        int8_t *dst = P + g * K;
        for (size_t k = 0; k < K; k += 4, dst += 64)
            for (size_t c = 0; c < 16; c++) {
                uint32_t v = 0;
                size_t j = g + c;
                if (j < N) memcpy(&v, B + (size_t)(perm ? perm[j] : (int32_t)j) * K + k, 4);
                memcpy(dst + 4 * c, &v, 4);
            }
    }
}

void tj_gemm_i8_pack(const int8_t *B, size_t K, size_t N, const int32_t *perm, int8_t *P)
{
    if (tj_cpu_has_avx512bw() && N * K < ((size_t)1 << 31))
        tj_gemm_i8_pack_avx512(B, K, N, perm, P);
    else
        tj_gemm_i8_pack_scalar(B, K, N, perm, P);
}

int tj_gemm_i8_exact_column(const int8_t *b, size_t K)
{
    for (size_t k = 0; k + 1 < K; k += 2) {
        int32_t b0 = b[k], b1 = b[k + 1];
        int32_t pos = (b0 > 0 ? b0 : 0) + (b1 > 0 ? b1 : 0);
        int32_t neg = (b0 < 0 ? -b0 : 0) + (b1 < 0 ? -b1 : 0);
        if (254 * pos > 32767 || 254 * neg > 32768) return 0;
    }
    return 1;
}

size_t tj_gemm_i8_exact_order(const int8_t *B, size_t K, const int32_t *cols, size_t N,
                              int32_t *perm)
{
    /* One pass: exact columns from the front, the others from the back, then the back put in
     * ascending order. */
    size_t n = 0, e = N;
    int wide = tj_cpu_has_avx512bw();
    for (size_t j = 0; j < N; j++) {
        int32_t c = cols ? cols[j] : (int32_t)j;
        if (wide ? tj_gemm_i8_exact_column_avx512(B + (size_t)c * K, K)
                 : tj_gemm_i8_exact_column(B + (size_t)c * K, K))
            perm[n++] = c;
        else
            perm[--e] = c;
    }
    for (size_t a = n, b = N; a + 1 < b; a++, b--) {
        int32_t t = perm[a];
        perm[a] = perm[b - 1];
        perm[b - 1] = t;
    }
    return n;
}

void tj_gemm_i8_w(const uint8_t *A, size_t M, size_t K, const int8_t *B, const tj_packed *pk,
                  size_t N, float unq, const float *pbias, float *C, size_t ldc)
{
    if (pk->w && pk->emask)
        tj_gemm_i8_packed_split_avx512bw(A, M, K, pk->w, N, pk->n_exact, pk->bound, pk->emask, unq,
                                         pk->pbias, C, ldc);
    else if (pk->w)
        tj_gemm_i8_packed_avx512bw(A, M, K, pk->w, N, pk->n_exact, pk->bound, pk->perm, unq,
                                   pk->perm ? pk->pbias : pbias, C, ldc);
    else
        tj_gemm_i8(A, M, K, B, NULL, N, unq, pbias, C, ldc);
}
