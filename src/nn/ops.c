/* SPDX-License-Identifier: MIT */
#include "nn/ops.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn/fma.h"
#include "nn/gemm_i8.h" /* tj_cpu_has_avx2 */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TJ_OPS_X86 1
#endif

/* Marian is built with -march=native and GCC's default -ffp-contract=fast for C++, so on the
 * reference machine (AVX2 + FMA) every a*b+c in its float code became one fused multiply-add.
 * Bit parity needs the same roundings, hence the explicit fmaf() calls in this file (the build
 * uses -ffp-contract=off so that no other expression is fused behind our back). */

static inline __attribute__((always_inline)) float exp_cephes(float x)
{
    /* Range reduction x = n*ln2 + r (ln2 split in two for accuracy), then a degree-5 polynomial
     * for e^r: the Cephes single-precision constants, in the order of avx_mathfun's exp256_ps.
     * NaN (a corrupt model's weights; found by fuzz_model) passes both clamps and would reach
     * the float-to-int conversion below, which is undefined for NaN: it comes out as NaN. */
    if (x != x) return x;
    if (x > 88.3762626647949f) x = 88.3762626647949f;
    if (x < -88.3762626647949f) x = -88.3762626647949f;
    float n = floorf(fmaf(x, 1.44269504088896341f, 0.5f));
    float r = fmaf(-n, 0.693359375f, x);
    r = fmaf(-n, -2.12194440e-4f, r);
    float r2 = r * r;
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    p = fmaf(p, r2, r);
    p = p + 1.0f;
    union {
        unsigned u;
        float f;
    } pow2;
    pow2.u = (unsigned)((int)n + 127) << 23;
    return p * pow2.f;
}

static inline __attribute__((always_inline)) float log_cephes(float x)
{
    /* avx_mathfun's log256_ps: x = m * 2^e with m in [0.5, 1), folded to [sqrt(1/2), sqrt(2)),
     * then a degree-8 polynomial. Used by Marian's vectorised log-softmax. */
    if (!(x > 0.0f)) return NAN;
    if (x < 1.17549435e-38f) x = 1.17549435e-38f;
    union {
        float f;
        unsigned u;
    } v = {x};
    float e = (float)((int)(v.u >> 23) - 127) + 1.0f;
    v.u = (v.u & ~0x7f800000u) | 0x3f000000u; /* mantissa with exponent of 0.5 */
    float m = v.f;
    if (m < 0.707106781186547524f) {
        e = e - 1.0f;
        m = (m - 1.0f) + m;
    } else {
        m = m - 1.0f;
    }
    float z = m * m;
    float y = 7.0376836292e-2f;
    y = fmaf(y, m, -1.1514610310e-1f);
    y = fmaf(y, m, 1.1676998740e-1f);
    y = fmaf(y, m, -1.2420140846e-1f);
    y = fmaf(y, m, 1.4249322787e-1f);
    y = fmaf(y, m, -1.6668057665e-1f);
    y = fmaf(y, m, 2.0000714765e-1f);
    y = fmaf(y, m, -2.4999993993e-1f);
    y = fmaf(y, m, 3.3333331174e-1f);
    y = y * m;
    /* GCC 12 fuses y·z with the separately rounded e·q1 (checked in its code for log256_ps). */
    y = fmaf(y, z, e * -2.12194440e-4f);
    y = fmaf(-z, 0.5f, y);
    float r = m + y;
    return fmaf(e, 0.693359375f, r);
}

TJ_FMA_TARGET static float exp_cephes_fma(float x)
{
    return exp_cephes(x);
}

TJ_FMA_TARGET static float log_cephes_fma(float x)
{
    return log_cephes(x);
}

float tj_exp_cephes(float x)
{
    return tj_cpu_has_fma() ? exp_cephes_fma(x) : exp_cephes(x);
}

float tj_log_cephes(float x)
{
    return tj_cpu_has_fma() ? log_cephes_fma(x) : log_cephes(x);
}

/* Marian's vector-path sigmoid, e/(1+e) with e the Cephes exp. */
TJ_INLINE float sigmoid_vec(float x)
{
    float e = exp_cephes(x);
    return e / (1.0f + e);
}

TJ_FMA_TARGET static float sigmoid_vec_fma(float x)
{
    return sigmoid_vec(x);
}

float tj_sigmoid_vec(float x)
{
    return tj_cpu_has_fma() ? sigmoid_vec_fma(x) : sigmoid_vec(x);
}

/* Marian reduces the 8 lanes of a float32x8 left to right (functional::Ops::sumReduce). */
static float hsum8(const float *v)
{
    float s = 0.0f;
    for (int i = 0; i < 8; i++) s += v[i];
    return s;
}

static float hmax8(const float *v)
{
    float m = v[0];
    for (int i = 1; i < 8; i++) m = v[i] > m ? v[i] : m;
    return m;
}

/* The row part Marian's Softmax and LogSoftmax kernels share (tensor_operators.cpp), on `w` lanes:
 * 8 (float32x8) when n is a multiple of 8, 4 (float32x4, SSE) when of 4, else 1 (plain float).
 * Lane l holds the columns ≡ l (mod w); the per-lane maxima are reduced from lane 0, then the
 * per-lane sums of exp(x - max) (the vector paths' Cephes exp, libm's expf on plain floats) are
 * reduced left to right (Ops::sumReduce). The row becomes exp(x - max) when keep_exp is set
 * (softmax), else x - max (log-softmax); returns the sum. */
static inline __attribute__((always_inline)) float exp_sum_lanes(float *row, size_t n, size_t w,
                                                                 int keep_exp)
{
    float mx[8], sm[8] = {0};
    memcpy(mx, row, w * sizeof *mx);
    for (size_t i = w; i < n; i += w)
        for (size_t l = 0; l < w; l++) mx[l] = row[i + l] > mx[l] ? row[i + l] : mx[l];
    float m = mx[0];
    for (size_t l = 1; l < w; l++) m = mx[l] > m ? mx[l] : m;
    for (size_t i = 0; i < n; i += w)
        for (size_t l = 0; l < w; l++) {
            float d = row[i + l] - m;
            float e = w > 1 ? exp_cephes(d) : expf(d);
            sm[l] += e;
            row[i + l] = keep_exp ? e : d;
        }
    float s = 0.0f;
    for (size_t l = 0; l < w; l++) s += sm[l];
    return s;
}

/* Lane count as a constant at each call, so that each width compiles to its own loops. */
static inline __attribute__((always_inline)) float exp_sum(float *row, size_t n, int keep_exp)
{
    if (n % 8 == 0) return exp_sum_lanes(row, n, 8, keep_exp);
    if (n % 4 == 0) return exp_sum_lanes(row, n, 4, keep_exp);
    return exp_sum_lanes(row, n, 1, keep_exp);
}

TJ_INLINE void tj_softmax_rows_portable_body(float *x, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * n;
        float s = exp_sum(row, n, 1);
        for (size_t i = 0; i < n; i++) row[i] = row[i] / s;
    }
}

/* Beam search meets the float32x4 path without a shortlist on a vocabulary of 8k + 4 pieces;
 * its log is sse_mathfun's log_ps, the same Cephes steps as the 8-lane one. */
TJ_INLINE void tj_logsoftmax_rows_portable_body(float *x, size_t rows, size_t n)
{
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * n;
        float s = exp_sum(row, n, 0);
        float ls = n % 4 == 0 ? log_cephes(s) : logf(s);
        for (size_t i = 0; i < n; i++) row[i] = row[i] - ls;
    }
}

TJ_FMA_DISPATCH(tj_softmax_rows_portable, (float *x, size_t rows, size_t n), (x, rows, n))
TJ_FMA_DISPATCH(tj_logsoftmax_rows_portable, (float *x, size_t rows, size_t n), (x, rows, n))

#ifdef TJ_OPS_X86
/* Marian's float32x8 path is one AVX register per step, lane l holding columns ≡ l (mod 8); the
 * code below is the same computation as the portable lane arrays further down, instruction for
 * instruction (tests/test_gemm.c compares them bit for bit). */
__attribute__((target("avx2,fma"))) static inline __m256 exp8(__m256 x)
{
    x = _mm256_min_ps(_mm256_set1_ps(88.3762626647949f), x);
    x = _mm256_max_ps(_mm256_set1_ps(-88.3762626647949f), x);
    __m256 n = _mm256_floor_ps(
        _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 r2 = _mm256_mul_ps(r, r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, r2, r);
    p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
    __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* Marian's float32x4 path (rows of 4k entries, k odd): exp8's operations, lane for lane, on
 * four values (the upper four lanes zero and discarded). */
__attribute__((target("avx2,fma"))) static inline __m128 exp4(__m128 x)
{
    return _mm256_castps256_ps128(exp8(_mm256_zextps128_ps256(x)));
}

/* exp_sum_lanes with 4 lanes, then the division: the portable float32x4 softmax of one row. */
__attribute__((target("avx2,fma"))) static void softmax_row4_avx2(float *row, size_t n)
{
    __m128 mx = _mm_loadu_ps(row);
    for (size_t i = 4; i < n; i += 4) mx = _mm_max_ps(_mm_loadu_ps(row + i), mx);
    float v[4];
    _mm_storeu_ps(v, mx);
    float m = v[0];
    for (int l = 1; l < 4; l++) m = v[l] > m ? v[l] : m;
    __m128 vm = _mm_set1_ps(m), sm = _mm_setzero_ps();
    for (size_t i = 0; i < n; i += 4) {
        __m128 e = exp4(_mm_sub_ps(_mm_loadu_ps(row + i), vm));
        sm = _mm_add_ps(sm, e);
        _mm_storeu_ps(row + i, e);
    }
    _mm_storeu_ps(v, sm);
    float sum = 0.0f;
    for (int l = 0; l < 4; l++) sum += v[l];
    __m128 vs = _mm_set1_ps(sum);
    for (size_t i = 0; i < n; i += 4) _mm_storeu_ps(row + i, _mm_div_ps(_mm_loadu_ps(row + i), vs));
}

/* Row maximum over 8 lanes (max(new, old) per lane), then across lanes as hmax8 does. */
__attribute__((target("avx2,fma"))) static float rowmax8(const float *row, size_t n)
{
    __m256 mx = _mm256_loadu_ps(row);
    for (size_t i = 8; i < n; i += 8) mx = _mm256_max_ps(_mm256_loadu_ps(row + i), mx);
    float v[8];
    _mm256_storeu_ps(v, mx);
    return hmax8(v);
}

__attribute__((target("avx2,fma"))) static void softmax_row8_avx2(float *row, size_t n)
{
    __m256 m = _mm256_set1_ps(rowmax8(row, n)), sm = _mm256_setzero_ps();
    for (size_t i = 0; i < n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(row + i), m));
        sm = _mm256_add_ps(sm, e);
        _mm256_storeu_ps(row + i, e);
    }
    float v[8];
    _mm256_storeu_ps(v, sm);
    __m256 s = _mm256_set1_ps(hsum8(v));
    for (size_t i = 0; i < n; i += 8)
        _mm256_storeu_ps(row + i, _mm256_div_ps(_mm256_loadu_ps(row + i), s));
}

__attribute__((target("avx2,fma"))) static void logsoftmax_row8_avx2(float *row, size_t n)
{
    __m256 m = _mm256_set1_ps(rowmax8(row, n)), sm = _mm256_setzero_ps();
    for (size_t i = 0; i < n; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(row + i), m);
        sm = _mm256_add_ps(sm, exp8(d));
        _mm256_storeu_ps(row + i, d);
    }
    float v[8];
    _mm256_storeu_ps(v, sm);
    __m256 ls = _mm256_set1_ps(log_cephes(hsum8(v)));
    for (size_t i = 0; i < n; i += 8)
        _mm256_storeu_ps(row + i, _mm256_sub_ps(_mm256_loadu_ps(row + i), ls));
}
/* Rows of other lengths take Marian's plain-float path, whose exp is libm's expf. On an x86-64 CPU
 * with AVX2 and FMA, glibc (2.27 and later) runs the FMA build of its expf: x in double,
 * k = round(x * 32/ln2) through the 1.5*2^52 shift, r = x * 32/ln2 - k fused, 2^(k/32) from a
 * 32-entry table of 2^(i/32) (bits less i << 47, so that adding k << 47 scales by 2^(k>>5)), a
 * cubic in r evaluated with three fused multiply-adds, one product and a rounding to float. The
 * code below is that computation on four values at a time, operation for operation, with the
 * same constants; values with |x| >= 88 or NaN (glibc's special cases) go to libm itself.
 * tests/test_gemm.c compares it with libm's expf over every float in [-88, 0] and samples
 * beyond. */
static const uint64_t expf_tab[32] = {
    0x3ff0000000000000ULL, 0x3fefd9b0d3158574ULL, 0x3fefb5586cf9890fULL, 0x3fef9301d0125b51ULL,
    0x3fef72b83c7d517bULL, 0x3fef54873168b9aaULL, 0x3fef387a6e756238ULL, 0x3fef1e9df51fdee1ULL,
    0x3fef06fe0a31b715ULL, 0x3feef1a7373aa9cbULL, 0x3feedea64c123422ULL, 0x3feece086061892dULL,
    0x3feebfdad5362a27ULL, 0x3feeb42b569d4f82ULL, 0x3feeab07dd485429ULL, 0x3feea47eb03a5585ULL,
    0x3feea09e667f3bcdULL, 0x3fee9f75e8ec5f74ULL, 0x3feea11473eb0187ULL, 0x3feea589994cce13ULL,
    0x3feeace5422aa0dbULL, 0x3feeb737b0cdc5e5ULL, 0x3feec49182a3f090ULL, 0x3feed503b23e255dULL,
    0x3feee89f995ad3adULL, 0x3feeff76f2fb5e47ULL, 0x3fef199bdd85529cULL, 0x3fef3720dcef9069ULL,
    0x3fef5818dcfba487ULL, 0x3fef7c97337b9b5fULL, 0x3fefa4afa2a490daULL, 0x3fefd0765b6e4540ULL};

__attribute__((target("avx2,fma"))) static __m128 expf4_glibc(__m128 x)
{
    __m128i ax = _mm_and_si128(_mm_castps_si128(x), _mm_set1_epi32(0x7fffffff));
    if (_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(ax, _mm_set1_epi32(0x42afffff))))) {
        float v[4];
        _mm_storeu_ps(v, x);
        for (int l = 0; l < 4; l++) v[l] = expf(v[l]);
        return _mm_loadu_ps(v);
    }
    const __m256d inv_ln2n = _mm256_set1_pd(0x1.71547652b82fep+5);
    const __m256d shift = _mm256_set1_pd(0x1.8p+52);
    __m256d xd = _mm256_cvtps_pd(x);
    __m256d kd = _mm256_fmadd_pd(inv_ln2n, xd, shift);
    __m256i ki = _mm256_castpd_si256(kd);
    kd = _mm256_sub_pd(kd, shift);
    __m256d r = _mm256_fmsub_pd(inv_ln2n, xd, kd);
    __m256i t = _mm256_i64gather_epi64((const long long *)expf_tab,
                                       _mm256_and_si256(ki, _mm256_set1_epi64x(31)), 8);
    __m256d sc = _mm256_castsi256_pd(_mm256_add_epi64(t, _mm256_slli_epi64(ki, 47)));
    __m256d z = _mm256_fmadd_pd(r, _mm256_set1_pd(0x1.c6af84b912394p-20),
                                _mm256_set1_pd(0x1.ebfce50fac4f3p-13));
    __m256d r2 = _mm256_mul_pd(r, r);
    __m256d y = _mm256_fmadd_pd(r, _mm256_set1_pd(0x1.62e42ff0c52d6p-6), _mm256_set1_pd(1.0));
    y = _mm256_fmadd_pd(z, r2, y);
    return _mm256_cvtpd_ps(_mm256_mul_pd(y, sc));
}

__attribute__((target("avx2,fma"))) void tj_expf_rows_avx2(const float *x, size_t n, float *y)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(y + i, expf4_glibc(_mm_loadu_ps(x + i)));
    for (; i < n; i++) y[i] = expf(x[i]);
}

/* expf4_glibc on eight values: the same double-precision operations on 512 bits, with the table
 * held in four registers (two vpermt2q pick among entries 0-15 and 16-31 by the low four bits
 * of k, bit 4 picks between them) instead of a gather. */
__attribute__((target("avx2,fma,avx512f"))) static __m256 expf8_glibc(__m256 x)
{
    __m256i ax = _mm256_and_si256(_mm256_castps_si256(x), _mm256_set1_epi32(0x7fffffff));
    if (_mm256_movemask_ps(
            _mm256_castsi256_ps(_mm256_cmpgt_epi32(ax, _mm256_set1_epi32(0x42afffff))))) {
        float v[8];
        _mm256_storeu_ps(v, x);
        for (int l = 0; l < 8; l++) v[l] = expf(v[l]);
        return _mm256_loadu_ps(v);
    }
    const __m512d inv_ln2n = _mm512_set1_pd(0x1.71547652b82fep+5);
    const __m512d shift = _mm512_set1_pd(0x1.8p+52);
    __m512d xd = _mm512_cvtps_pd(x);
    __m512d kd = _mm512_fmadd_pd(inv_ln2n, xd, shift);
    __m512i ki = _mm512_castpd_si512(kd);
    kd = _mm512_sub_pd(kd, shift);
    __m512d r = _mm512_fmsub_pd(inv_ln2n, xd, kd);
    const __m512i t0 = _mm512_loadu_si512(expf_tab), t1 = _mm512_loadu_si512(expf_tab + 8),
                  t2 = _mm512_loadu_si512(expf_tab + 16), t3 = _mm512_loadu_si512(expf_tab + 24);
    __m512i t = _mm512_mask_blend_epi64(_mm512_test_epi64_mask(ki, _mm512_set1_epi64(16)),
                                        _mm512_permutex2var_epi64(t0, ki, t1),
                                        _mm512_permutex2var_epi64(t2, ki, t3));
    __m512d sc = _mm512_castsi512_pd(_mm512_add_epi64(t, _mm512_slli_epi64(ki, 47)));
    __m512d z = _mm512_fmadd_pd(r, _mm512_set1_pd(0x1.c6af84b912394p-20),
                                _mm512_set1_pd(0x1.ebfce50fac4f3p-13));
    __m512d r2 = _mm512_mul_pd(r, r);
    __m512d y = _mm512_fmadd_pd(r, _mm512_set1_pd(0x1.62e42ff0c52d6p-6), _mm512_set1_pd(1.0));
    y = _mm512_fmadd_pd(z, r2, y);
    return _mm512_cvtpd_ps(_mm512_mul_pd(y, sc));
}

__attribute__((target("avx2,fma,avx512f"))) void tj_expf_rows_avx512(const float *x, size_t n,
                                                                     float *y)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, expf8_glibc(_mm256_loadu_ps(x + i)));
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(y + i, expf4_glibc(_mm_loadu_ps(x + i)));
    for (; i < n; i++) y[i] = expf(x[i]);
}

/* exp_sum_lanes with one lane (a row length not a multiple of 4): the same maximum, differences,
 * exps (four at a time above) and left-to-right sum. */
__attribute__((target("avx2,fma"))) static float exp_sum1_avx2(float *row, size_t n, int keep_exp)
{
    float m = row[0];
    for (size_t i = 1; i < n; i++) m = row[i] > m ? row[i] : m;
    const __m128 vm = _mm_set1_ps(m);
    float s = 0.0f;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128 d = _mm_sub_ps(_mm_loadu_ps(row + i), vm);
        __m128 e = expf4_glibc(d);
        float ev[4];
        _mm_storeu_ps(ev, e);
        s += ev[0];
        s += ev[1];
        s += ev[2];
        s += ev[3];
        _mm_storeu_ps(row + i, keep_exp ? e : d);
    }
    for (; i < n; i++) {
        float d = row[i] - m, e = expf(d);
        s += e;
        row[i] = keep_exp ? e : d;
    }
    return s;
}

/* row[i] / s for one row, four at a time (a division per value: any grouping gives its bits). */
__attribute__((target("avx2,fma"))) static void div_row_avx2(float *row, size_t n, float s)
{
    __m128 vs = _mm_set1_ps(s);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(row + i, _mm_div_ps(_mm_loadu_ps(row + i), vs));
    for (; i < n; i++) row[i] = row[i] / s;
}

__attribute__((target("avx2,fma"))) static void softmax_row1_avx2(float *row, size_t n)
{
    div_row_avx2(row, n, exp_sum1_avx2(row, n, 1));
}

/* Columns i..i+7 of 8 rows n apart as 8 vectors (c[j]: column i + j, lane r: row r): eight
 * loads and an 8x8 transpose instead of eight gathers. */
__attribute__((target("avx2,fma"))) static inline void columns8(const float *x, size_t n,
                                                                __m256 c[8])
{
    __m256 r[8], t[8];
    for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(x + (size_t)k * n);
    for (int k = 0; k < 8; k += 2) {
        t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
        t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
    }
    for (int k = 0; k < 8; k += 4)
        for (int h = 0; h < 2; h++) {
            r[k + h] = _mm256_shuffle_ps(t[k + h], t[k + h + 2], _MM_SHUFFLE(1, 0, 1, 0));
            r[k + h + 2] = _mm256_shuffle_ps(t[k + h], t[k + h + 2], _MM_SHUFFLE(3, 2, 3, 2));
        }
    /* Now r[0], r[2], r[1], r[3] hold columns 0-3 of rows 0-3 in their low halves and columns 4-7
     * in their high halves; r[4..7] the same for rows 4-7: pair the halves. */
    for (int k = 0; k < 4; k++) {
        int a = (k % 2) * 2 + k / 2; /* column k is in r[a] */
        c[k] = _mm256_permute2f128_ps(r[a], r[a + 4], 0x20);
        c[k + 4] = _mm256_permute2f128_ps(r[a], r[a + 4], 0x31);
    }
}

/* tj_transpose by 8 x 8 blocks (columns8), the edges one value at a time. */
__attribute__((target("avx2,fma"))) static void transpose_avx2(const float *src, size_t rows,
                                                               size_t cols, float *dst)
{
    size_t r8 = rows / 8 * 8, c8 = cols / 8 * 8;
    __m256 c[8];
    for (size_t i = 0; i < r8; i += 8) {
        for (size_t j = 0; j < c8; j += 8) {
            columns8(src + i * cols + j, cols, c);
            for (int k = 0; k < 8; k++) _mm256_storeu_ps(dst + (j + (size_t)k) * rows + i, c[k]);
        }
        for (size_t j = c8; j < cols; j++)
            for (size_t k = i; k < i + 8; k++) dst[j * rows + k] = src[k * cols + j];
    }
    for (size_t j = 0; j < cols; j++)
        for (size_t k = r8; k < rows; k++) dst[j * rows + k] = src[k * cols + j];
}

/* softmax_row1_avx2 on 8 rows at once (x: 8 rows of n, n % 4 != 0). One row's maximum and sum are
 * each a chain of dependent operations (the sum's order is fixed: left to right), so a row alone
 * waits on an add's latency per value; here vector lane r carries row r's chain, reading the
 * columns of the 8 rows eight at a time through columns8 (the last ones with a gather each), so
 * the 8 chains advance together. Every lane does what the single row does, in the same order:
 * m = x[i] > m ? x[i] : m (vmaxps(x, m)), then e = expf(x - m) (tj_expf_rows_avx2/avx512 give
 * libm's bits whatever the grouping), s = 0 + e0 + e1 + ..., x / s. */
__attribute__((target("avx2,fma"))) static void softmax_rows8x1_avx2(float *x, size_t n)
{
    const __m256i idx =
        _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)n));
    __m256 vm = _mm256_i32gather_ps(x, idx, 4), c[8];
    size_t i = 1;
    if (n >= 9) {
        columns8(x, n, c);
        for (int j = 1; j < 8; j++) vm = _mm256_max_ps(c[j], vm);
        for (i = 8; i + 8 <= n; i += 8) {
            columns8(x + i, n, c);
            for (int j = 0; j < 8; j++) vm = _mm256_max_ps(c[j], vm);
        }
    }
    for (; i < n; i++) vm = _mm256_max_ps(_mm256_i32gather_ps(x + i, idx, 4), vm);
    float m[8], s[8];
    _mm256_storeu_ps(m, vm);
    for (size_t r = 0; r < 8; r++) {
        float *row = x + r * n;
        const __m128 mr = _mm_set1_ps(m[r]);
        size_t l = 0;
        for (; l + 4 <= n; l += 4) _mm_storeu_ps(row + l, _mm_sub_ps(_mm_loadu_ps(row + l), mr));
        for (; l < n; l++) row[l] = row[l] - m[r];
    }
    if (tj_cpu_has_avx512bw())
        tj_expf_rows_avx512(x, 8 * n, x);
    else
        tj_expf_rows_avx2(x, 8 * n, x);
    __m256 vs = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        columns8(x + i, n, c);
        for (int j = 0; j < 8; j++) vs = _mm256_add_ps(vs, c[j]);
    }
    for (; i < n; i++) vs = _mm256_add_ps(vs, _mm256_i32gather_ps(x + i, idx, 4));
    _mm256_storeu_ps(s, vs);
    for (size_t r = 0; r < 8; r++) div_row_avx2(x + r * n, n, s[r]);
}
#else
#define softmax_row8_avx2(row, n) ((void)0)
#define softmax_row4_avx2(row, n) ((void)0)
#define logsoftmax_row8_avx2(row, n) ((void)0)
#define softmax_row1_avx2(row, n) ((void)0)
#define softmax_rows8x1_avx2(x, n) ((void)0)
void tj_expf_rows_avx2(const float *x, size_t n, float *y)
{
    for (size_t i = 0; i < n; i++) y[i] = expf(x[i]);
}
void tj_expf_rows_avx512(const float *x, size_t n, float *y)
{
    tj_expf_rows_avx2(x, n, y);
}
#endif

void tj_softmax_rows(float *x, size_t rows, size_t n)
{
    if (n % 8 == 0 && n > 0 && tj_cpu_has_avx2()) {
        for (size_t r = 0; r < rows; r++) softmax_row8_avx2(x + r * n, n);
        return;
    }
    if (n % 4 == 0 && n > 0 && tj_cpu_has_avx2()) {
        for (size_t r = 0; r < rows; r++) softmax_row4_avx2(x + r * n, n);
        return;
    }
    if (n % 4 != 0 && tj_cpu_has_avx2()) {
        size_t r = 0;
        /* Gather offsets are int32: 8 rows of n floats stay far below 2^31 bytes in practice;
         * longer rows go one at a time. */
        if (n < ((size_t)1 << 24))
            for (; r + 8 <= rows; r += 8) softmax_rows8x1_avx2(x + r * n, n);
        for (; r < rows; r++) softmax_row1_avx2(x + r * n, n);
        return;
    }
    tj_softmax_rows_portable(x, rows, n);
}

void tj_logsoftmax_rows(float *x, size_t rows, size_t n)
{
    if (n % 8 == 0 && n > 0 && tj_cpu_has_avx2()) {
        for (size_t r = 0; r < rows; r++) logsoftmax_row8_avx2(x + r * n, n);
        return;
    }
    tj_logsoftmax_rows_portable(x, rows, n);
}

/* Marian's layer norm is compiled with -ffast-math (MARIAN_FFAST_MATH_BEGIN, a GCC optimize
 * pragma around that one function): GCC 12 (-O3 -funroll-loops -march=haswell) vectorises the two
 * reductions over 8 lanes (one AVX accumulator), reduces the lanes pairwise (i with i+4, then 0+2
 * with 1+3), divides by n as a product with 1/n, fuses var·(1/n) + eps, takes an exact sqrt
 * (std::sqrt is compiled outside the pragma) and an exact 1/sigma (vdivss), and regroups
 * gamma * ((x - mean) / sigma) + beta as fma(gamma * (1/sigma), x - mean, beta). The squares of
 * the variance sum are rounded before they are added (not fused): the fixtures decide it, 65
 * differing greedy lines with the fused form, none without (docs/parity.md). */
static float lane_sum8(const float *v)
{
    float a0 = v[0] + v[4], a1 = v[1] + v[5], a2 = v[2] + v[6], a3 = v[3] + v[7];
    return (a0 + a2) + (a1 + a3);
}

TJ_INLINE void tj_layernorm_body(const float *x, float *y, size_t rows, size_t n,
                                 const float *gamma, const float *beta, float eps)
{
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        float acc[8] = {0};
        size_t i = 0;
        for (; i + 8 <= n; i += 8)
            for (int l = 0; l < 8; l++) acc[l] += xr[i + l];
        float sum = lane_sum8(acc);
        for (; i < n; i++) sum += xr[i];
        float inv_n = 1.0f / (float)n; /* fast-math: divisions by n become products */
        float mean = sum * inv_n;
        memset(acc, 0, sizeof acc);
        for (i = 0; i + 8 <= n; i += 8)
            for (int l = 0; l < 8; l++) {
                float d = xr[i + l] - mean;
                acc[l] += d * d;
            }
        float sq = lane_sum8(acc);
        for (; i < n; i++) {
            float d = xr[i] - mean;
            sq += d * d;
        }
        float sigma = sqrtf(fmaf(sq, inv_n, eps)); /* fused, as GCC compiles Marian's */
        float rs = 1.0f / sigma;
        for (i = 0; i < n; i++) yr[i] = fmaf(gamma[i] * rs, xr[i] - mean, beta[i]);
    }
}

TJ_FMA_DISPATCH(tj_layernorm,
                (const float *x, float *y, size_t rows, size_t n, const float *gamma,
                 const float *beta, float eps),
                (x, y, rows, n, gamma, beta, eps))

/* SSRU cell of one row (spec §5.8): f = sigmoid(g); c = f*c + (1-f)*u; u = relu(c) + y. Marian's
 * highway, _1 * _2 + (1 - _1) * _3 on float32x8, as GCC 12 fuses it: the second product into the
 * sum (checked in its assembly). */
TJ_INLINE void tj_ssru_cell_portable_body(const float *g, float *u, float *c, const float *y,
                                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float f = sigmoid_vec(g[i]);
        float cn = fmaf(1.0f - f, u[i], f * c[i]);
        c[i] = cn;
        u[i] = (cn > 0.0f ? cn : 0.0f) + y[i];
    }
}
TJ_FMA_DISPATCH(tj_ssru_cell_portable,
                (const float *g, float *u, float *c, const float *y, size_t n), (g, u, c, y, n))

#ifdef TJ_OPS_X86
/* The same on 8 lanes: exp8 is exp_cephes lane for lane, the division and the fused highway the
 * same single roundings, so every lane is the portable result. */
__attribute__((target("avx2,fma"))) static void ssru_cell_avx2(const float *g, float *u, float *c,
                                                               const float *y, size_t n)
{
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    for (size_t i = 0; i < n; i += 8) {
        __m256 e = exp8(_mm256_loadu_ps(g + i));
        __m256 f = _mm256_div_ps(e, _mm256_add_ps(one, e));
        __m256 cn = _mm256_fmadd_ps(_mm256_sub_ps(one, f), _mm256_loadu_ps(u + i),
                                    _mm256_mul_ps(f, _mm256_loadu_ps(c + i)));
        _mm256_storeu_ps(c + i, cn);
        _mm256_storeu_ps(u + i, _mm256_add_ps(_mm256_max_ps(cn, zero), _mm256_loadu_ps(y + i)));
    }
}
#endif

void tj_ssru_cell(const float *g, float *u, float *c, const float *y, size_t n)
{
#ifdef TJ_OPS_X86
    if (n % 8 == 0 && tj_cpu_has_avx2()) {
        ssru_cell_avx2(g, u, c, y, n);
        return;
    }
#endif
    tj_ssru_cell_portable(g, u, c, y, n);
}

void tj_position_signal(int p, int d, float *out)
{
    int half = d / 2;
    float nf = (float)half;
    float inc = logf(10000.0f) / (nf - 1.0f);
    for (int i = 0; i < half; i++) {
        float v = (float)p * expf((float)i * -inc);
        out[i] = sinf(v);
        out[half + i] = cosf(v);
    }
}

int tj_argmax_scalar(const float *x, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        if (x[j] > x[best]) best = j;
    return best;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* Without NaNs the loop's answer is the first index holding the maximum (values equal to it,
 * -0 and +0 alike, do not replace an earlier one): one pass for the maximum, one to find it.
 * With a NaN anywhere the loop itself decides. */
__attribute__((target("avx2,avx512f"))) static int argmax_avx512(const float *x, int n)
{
    __m512 mx = _mm512_set1_ps(-INFINITY);
    __mmask16 nan = 0;
    int j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 v = _mm512_loadu_ps(x + j);
        nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        mx = _mm512_max_ps(mx, v);
    }
    if (j < n) {
        __mmask16 m = (__mmask16)((1u << (n - j)) - 1u);
        __m512 v = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), m, x + j);
        nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        mx = _mm512_max_ps(mx, v);
    }
    if (nan) return tj_argmax_scalar(x, n);
    float top = _mm512_reduce_max_ps(mx);
    __m512 t = _mm512_set1_ps(top);
    for (j = 0; j < n; j += 16) {
        __mmask16 m = n - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - j)) - 1u);
        __mmask16 eq = _mm512_mask_cmp_ps_mask(m, _mm512_maskz_loadu_ps(m, x + j), t, _CMP_EQ_OQ);
        if (eq) return j + __builtin_ctz(eq);
    }
    return 0; /* not reached: the maximum is one of the values */
}

int tj_argmax(const float *x, int n)
{
    if (n > 16 && tj_cpu_has_avx512bw()) return argmax_avx512(x, n);
    return tj_argmax_scalar(x, n);
}
#else
int tj_argmax(const float *x, int n)
{
    return tj_argmax_scalar(x, n);
}
#endif

void tj_transpose(const float *src, size_t rows, size_t cols, float *dst)
{
#ifdef TJ_OPS_X86
    if (tj_cpu_has_avx2()) {
        transpose_avx2(src, rows, cols, dst);
        return;
    }
#endif
    for (size_t j = 0; j < cols; j++)
        for (size_t i = 0; i < rows; i++) dst[j * rows + i] = src[i * cols + j];
}

void tj_relu(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void tj_add(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}
