/* SPDX-License-Identifier: MIT */
#include "nn/sgemm_order.h"

#include <math.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "nn/gemm_i8.h" /* tj_cpu_has_avx2 */
#include "nn/sgemm_rows512.h"

/* How OpenBLAS 0.3.21 computes a row-major y = alpha·x·W with its AVX2 sgemm kernel
 * (sgemm_kernel_8x4_haswell_2.c, chosen for Haswell and Zen), in the terms of this file:
 *
 * - cblas turns the row-major product into the column-major yᵀ = Wᵀ·xᵀ, so the kernel's "m"
 *   runs over our columns j and its "n" over our rows i.
 * - The driver cuts k into chunks of at most 320 (GEMM_Q); each chunk's partial sum is added to
 *   y as y = fma(alpha, partial, y), y starting at zero (beta 0).
 * - On one thread (driver/level3/level3.c) it calls the kernel on up to 320 columns (GEMM_P) at
 *   a time and, for the first column chunk, on rows 12 at a time, then 4, then what remains;
 *   later column chunks get all rows in one call. Above 262144 multiply-adds and with more than
 *   one thread (level3_thread.c), the columns are split into parts and the rows into regions,
 *   one per thread; a thread calls the kernel on its own region as above, in two halves, and on
 *   the other regions of its group one half at a time (plan_threads below).
 * - The kernel walks the rows of a call 12 at a time, then 8, 4, 2, 1, and the columns in
 *   groups of 8. Most (rows, group) blocks sum each output in one chain of fused multiply-adds
 *   over k. Some keep two chains, k even and k odd, for as many k as a multiple of 8 allows,
 *   continue the even chain with the remaining k, and add the chains (`even + odd`): every full
 *   group of a 4-row block, and in a 12-row block (when the call has at least 16 columns) group
 *   0 of its first 6 rows plus the last full group of the first or the last 6 rows, depending
 *   on the parity of its index (the kernel zig-zags between the two halves in steps of 8
 *   columns and finishes on the half the parity gives). 8-row blocks, columns past the last
 *   full group and chunks of fewer than 8 k use one chain.
 *
 * Found by probing the library with designed inputs and reading its source; tests/
 * test_sgemm_order.c checks it bit for bit against Debian's libopenblas (OPENBLAS_CORETYPE=
 * Haswell) on random shapes and attention shapes up to 400, on 1, 2, 4 and 8 threads. */

enum { GROUP = 8, KCHUNK = 320, MCHUNK = 320 };

/* Length of the next chunk of `left` items for a limit of q (level3.c's rule for k and m; `later`
 * for the column chunks after the first). */
static size_t chunk(size_t left, size_t q, int later)
{
    if (left >= 2 * q) return q;
    if (left > q) return ((later ? (left + 1) / 2 : left / 2) + GROUP - 1) / GROUP * GROUP;
    return left;
}

/* The next k chunk: level3.c's rule on one thread; level3_thread.c halves without rounding. */
static size_t k_chunk(size_t left, int threaded)
{
    if (threaded && left > KCHUNK && left < 2 * KCHUNK) return (left + 1) / 2;
    return chunk(left, KCHUNK, 0);
}

/* Which kernel block holds row i: *nb its rows, *r the row's place in it. */
typedef struct {
    size_t nb, r;
} row_place;

/* The kernel's own walk over rows [s, e) of one call: 12 at a time, then 8, 4, 2, 1. */
static row_place kernel_rows(size_t s, size_t e, size_t i)
{
    for (;;) {
        size_t left = e - s, b = left > 11 ? 12 : left > 7 ? 8 : left > 3 ? 4 : left > 1 ? 2 : 1;
        if (i < s + b) return (row_place){b, i - s};
        s += b;
    }
}

/* The driver's calls over rows [s, e) of the rows a thread packed itself (the jjs loop): 12 at a
 * time, then 4, then what remains; each call walked by the kernel as above. */
static row_place driver_rows(size_t s, size_t e, size_t i)
{
    for (;;) {
        size_t left = e - s, b = left >= 12 ? 12 : left > 4 ? 4 : left;
        if (i < s + b) return kernel_rows(s, s + b, i);
        s += b;
    }
}

/* Does row r of a kernel block of nb rows sum column group g (of ngroups full groups in a call of
 * mw columns) in two chains? 4-row blocks: every group. 12-row blocks of at least 16 columns:
 * group 0 of the first 6 rows, and the last group of the first 6 or the last 6 rows depending on
 * the parity of its index (the kernel zig-zags between the halves 8 columns at a time). */
static int two_chains(size_t nb, size_t r, size_t g, size_t ngroups, size_t mw)
{
    if (g >= ngroups) return 0;
    if (nb == 4) return 1;
    if (nb != 12 || mw < 16) return 0;
    size_t last = ngroups - 1;
    if (r < 6) return g == 0 || (g == last && last % 2 == 1);
    return g == last && last % 2 == 0;
}

/* OpenBLAS's split of the work between threads (driver/level3/level3_thread.c): the columns into
 * tm parts, the rows into tn groups of tm regions; thread (pm, pn) computes the columns of part
 * pm for the rows of group pn, first the region it packed itself, then the others. */
enum { MAX_THREADS = 64, SWITCH_RATIO = 4 };
typedef struct {
    size_t tm, tn;
    size_t cols[MAX_THREADS + 1], rows[MAX_THREADS + 1];
} split_plan;

static size_t ceil_div(size_t a, size_t b)
{
    return (a + b - 1) / b;
}

static void plan_threads(size_t M, size_t N, size_t threads, split_plan *p)
{
    size_t m = N, n = M, tm = threads, tn;
    if (m < 2 * SWITCH_RATIO)
        tm = 1;
    else
        while (m < tm * SWITCH_RATIO) tm /= 2;
    if (n < SWITCH_RATIO * tm)
        tn = 1;
    else {
        tn = ceil_div(n, SWITCH_RATIO * tm);
        if (tm * tn > threads) tn = threads / tm;
    }
    p->tm = tm, p->tn = tn;
    size_t parts = 0, left = m;
    p->cols[0] = 0;
    while (left > 0) {
        size_t w = ceil_div(left, tm - parts);
        left -= w;
        p->cols[parts + 1] = p->cols[parts] + w;
        parts++;
    }
    for (; parts < tm; parts++) p->cols[parts + 1] = p->cols[parts];
    parts = 0, left = n;
    p->rows[0] = 0;
    for (size_t j = 0; j < tn; j++) {
        size_t wn = ceil_div(left, tn - j);
        left -= wn;
        for (size_t i = 0; i < tm; i++) {
            size_t w = ceil_div(wn, tm - i);
            if (w < SWITCH_RATIO) w = SWITCH_RATIO;
            if (w > wn) w = wn;
            wn -= w;
            p->rows[parts + 1] = p->rows[parts] + w;
            parts++;
        }
    }
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

/* Four full groups side by side (columns W[0..32), y[0..32)), group g in two chains when bit g of
 * splits is set. Each group's roundings are group_avx2's: a one-chain group adds k and k+1 to e
 * in order inside the pair loop, exactly its single chain. Four (or eight) independent chains
 * hide the multiply-add latency that one group's single chain waits on. */
__attribute__((target("avx2,fma"))) static void group4_avx2(const float *xi, const float *W,
                                                            size_t ldw, size_t k0, size_t kl,
                                                            unsigned splits, float alpha, float *y)
{
    __m256 e[4], o[4];
    for (int g = 0; g < 4; g++) e[g] = o[g] = _mm256_setzero_ps();
    size_t pairs_end = splits && kl >= GROUP ? k0 + kl / GROUP * GROUP : k0, k = k0;
    for (; k < pairs_end; k += 2) {
        __m256 x0 = _mm256_set1_ps(xi[k]), x1 = _mm256_set1_ps(xi[k + 1]);
        const float *w0 = W + k * ldw, *w1 = w0 + ldw;
        for (int g = 0; g < 4; g++) {
            e[g] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + 8 * g), e[g]);
            if (splits >> g & 1)
                o[g] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w1 + 8 * g), o[g]);
            else
                e[g] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w1 + 8 * g), e[g]);
        }
    }
    for (; k < k0 + kl; k++) {
        __m256 x0 = _mm256_set1_ps(xi[k]);
        for (int g = 0; g < 4; g++)
            e[g] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(W + k * ldw + 8 * g), e[g]);
    }
    for (int g = 0; g < 4; g++) {
        __m256 t = (splits >> g & 1) && pairs_end > k0 ? _mm256_add_ps(e[g], o[g]) : e[g];
        _mm256_storeu_ps(y + 8 * g,
                         _mm256_fmadd_ps(_mm256_set1_ps(alpha), t, _mm256_loadu_ps(y + 8 * g)));
    }
}

/* group4_avx2 for two products at once (two heads: x0/W0/y0 and x1/W1/y1, the same shape and
 * so the same order) when no group keeps two chains: eight one-chain sums in flight, each
 * exactly group4_avx2's. */
__attribute__((target("avx2,fma"))) static void group4x2_avx2(const float *x0, const float *x1,
                                                              const float *W0, const float *W1,
                                                              size_t ldw, size_t k0, size_t kl,
                                                              float alpha, float *y0, float *y1)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (size_t k = k0; k < k0 + kl; k++) {
        const float *w = W0 + k * ldw, *v = W1 + k * ldw;
        __m256 p = _mm256_set1_ps(x0[k]), q = _mm256_set1_ps(x1[k]);
        a0 = _mm256_fmadd_ps(p, _mm256_loadu_ps(w), a0);
        b0 = _mm256_fmadd_ps(q, _mm256_loadu_ps(v), b0);
        a1 = _mm256_fmadd_ps(p, _mm256_loadu_ps(w + 8), a1);
        b1 = _mm256_fmadd_ps(q, _mm256_loadu_ps(v + 8), b1);
        a2 = _mm256_fmadd_ps(p, _mm256_loadu_ps(w + 16), a2);
        b2 = _mm256_fmadd_ps(q, _mm256_loadu_ps(v + 16), b2);
        a3 = _mm256_fmadd_ps(p, _mm256_loadu_ps(w + 24), a3);
        b3 = _mm256_fmadd_ps(q, _mm256_loadu_ps(v + 24), b3);
    }
    const __m256 va = _mm256_set1_ps(alpha);
    _mm256_storeu_ps(y0, _mm256_fmadd_ps(va, a0, _mm256_loadu_ps(y0)));
    _mm256_storeu_ps(y0 + 8, _mm256_fmadd_ps(va, a1, _mm256_loadu_ps(y0 + 8)));
    _mm256_storeu_ps(y0 + 16, _mm256_fmadd_ps(va, a2, _mm256_loadu_ps(y0 + 16)));
    _mm256_storeu_ps(y0 + 24, _mm256_fmadd_ps(va, a3, _mm256_loadu_ps(y0 + 24)));
    _mm256_storeu_ps(y1, _mm256_fmadd_ps(va, b0, _mm256_loadu_ps(y1)));
    _mm256_storeu_ps(y1 + 8, _mm256_fmadd_ps(va, b1, _mm256_loadu_ps(y1 + 8)));
    _mm256_storeu_ps(y1 + 16, _mm256_fmadd_ps(va, b2, _mm256_loadu_ps(y1 + 16)));
    _mm256_storeu_ps(y1 + 24, _mm256_fmadd_ps(va, b3, _mm256_loadu_ps(y1 + 24)));
}

/* The same for a partial group of n < 8 columns (the tail of a row of scores): lanes are
 * independent outputs, so masking the unused ones leaves each used lane's chain of roundings
 * exactly group_scalar's, without its libm fmaf calls. Masked-off lanes are neither read (no
 * fault past the row's end) nor written. */
__attribute__((target("avx2,fma"))) static void group_avx2_part(const float *xi, const float *W,
                                                                size_t ldw, size_t n, size_t k0,
                                                                size_t kl, int split, float alpha,
                                                                float *y)
{
    const __m256i mask =
        _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 e = _mm256_setzero_ps(), o = e;
    size_t pairs_end = split && kl >= GROUP ? k0 + kl / GROUP * GROUP : k0, k = k0;
    for (; k < pairs_end; k += 2) {
        e = _mm256_fmadd_ps(_mm256_set1_ps(xi[k]), _mm256_maskload_ps(W + k * ldw, mask), e);
        o = _mm256_fmadd_ps(_mm256_set1_ps(xi[k + 1]), _mm256_maskload_ps(W + (k + 1) * ldw, mask),
                            o);
    }
    for (; k < k0 + kl; k++)
        e = _mm256_fmadd_ps(_mm256_set1_ps(xi[k]), _mm256_maskload_ps(W + k * ldw, mask), e);
    if (pairs_end > k0) e = _mm256_add_ps(e, o);
    _mm256_maskstore_ps(y, mask,
                        _mm256_fmadd_ps(_mm256_set1_ps(alpha), e, _mm256_maskload_ps(y, mask)));
}
#endif

/* Columns [j0 + j, j0 + mw) of row i one group at a time (after the 4-group blocks). */
static void row_span_tail(const float *x, size_t ldx, const float *W, size_t ldw, float alpha,
                          float *y, size_t ldy, size_t i, size_t j0, size_t mw, size_t k0,
                          size_t kl, row_place at, int simd, size_t j)
{
    const float *xi = x + i * ldx;
    float *yi = y + i * ldy + j0;
    size_t ngroups = mw / GROUP;
    for (; j < mw; j += GROUP) {
        size_t n = mw - j < GROUP ? mw - j : GROUP;
        int split = two_chains(at.nb, at.r, j / GROUP, ngroups, mw);
#if defined(__x86_64__) || defined(__i386__)
        if (simd) {
            if (n == GROUP)
                group_avx2(xi, W + j0 + j, ldw, k0, kl, split, alpha, yi + j);
            else
                group_avx2_part(xi, W + j0 + j, ldw, n, k0, kl, split, alpha, yi + j);
            continue;
        }
#endif
        group_scalar(xi, W + j0 + j, ldw, n, k0, kl, split, alpha, yi + j);
    }
    (void)simd;
}

/* A second product of the same shape (x, W, y of another head; NULL: none) goes through the same
 * blocks, so its order is the first one's; 4-group blocks that keep one chain per group run both
 * products in one loop (eight chains in flight instead of four). */
typedef struct {
    const float *x, *W;
    float *y;
} second_product;

/* Row i of columns [j0, j0+mw) (one kernel call's width), k chunk [k0, k0+kl), in the order of
 * kernel block place. */
static void row_span(const float *x, size_t ldx, const float *W, size_t ldw, float alpha, float *y,
                     size_t ldy, size_t i, size_t j0, size_t mw, size_t k0, size_t kl, row_place at,
                     int simd, const second_product *p2)
{
    size_t j = 0;
#if defined(__x86_64__) || defined(__i386__)
    if (simd) {
        const float *xi = x + i * ldx;
        float *yi = y + i * ldy + j0;
        size_t ngroups = mw / GROUP;
        for (; j + 4 * GROUP <= mw; j += 4 * GROUP) {
            unsigned splits = 0;
            for (unsigned g = 0; g < 4; g++)
                splits |= (unsigned)two_chains(at.nb, at.r, j / GROUP + g, ngroups, mw) << g;
            if (p2 && !splits) {
                group4x2_avx2(xi, p2->x + i * ldx, W + j0 + j, p2->W + j0 + j, ldw, k0, kl, alpha,
                              yi + j, p2->y + i * ldy + j0 + j);
                continue;
            }
            group4_avx2(xi, W + j0 + j, ldw, k0, kl, splits, alpha, yi + j);
            if (p2)
                group4_avx2(p2->x + i * ldx, p2->W + j0 + j, ldw, k0, kl, splits, alpha,
                            p2->y + i * ldy + j0 + j);
        }
    }
#endif
    row_span_tail(x, ldx, W, ldw, alpha, y, ldy, i, j0, mw, k0, kl, at, simd, j);
    if (p2)
        row_span_tail(p2->x, ldx, p2->W, ldw, alpha, p2->y, ldy, i, j0, mw, k0, kl, at, simd, j);
}

/* Where row i of rows [s, e) sits in the kernel's blocks: in halves of `half` rows, through the
 * driver's calls (driver) or the kernel's walk alone. */
static row_place place(size_t s, size_t e, size_t half, size_t i, int driver)
{
    size_t hs = s + (i - s) / half * half, he = hs + half < e ? hs + half : e;
    return driver ? driver_rows(hs, he, i) : kernel_rows(hs, he, i);
}

#if defined(__x86_64__)
/* Rows whose column groups all sum the same way (two_chains gives the same answers): 1 for a
 * 4-row block (every full group split), 2 and 3 for the first and the last six rows of a 12-row
 * block of at least 16 columns, 0 for every other row (no group split). */
static int chain_kind(row_place at, size_t mw)
{
    if (at.nb == 4) return 1;
    if (at.nb == 12 && mw >= 16) return at.r < 6 ? 2 : 3;
    return 0;
}

/* row_span for rows i <= r < i + R of the same chain_kind on AVX-512 (nn/sgemm_rows512.h): the
 * same blocks and groups, each lane the same chain. */
static void row_span_rows(const float *x, size_t ldx, const float *W, size_t ldw, float alpha,
                          float *y, size_t ldy, size_t i, int R, size_t j0, size_t mw, size_t k0,
                          size_t kl, row_place at, const second_product *p2)
{
    size_t ngroups = mw / GROUP, j = 0;
    tj_sgo_rows b = {x + i * ldx,
                     p2 ? p2->x + i * ldx : NULL,
                     ldx,
                     W + j0,
                     p2 ? p2->W + j0 : NULL,
                     ldw,
                     y + i * ldy + j0,
                     p2 ? p2->y + i * ldy + j0 : NULL,
                     ldy,
                     R};
    while (j < mw) {
        /* A 4-group block whose groups all sum alike goes whole; anything else group by group. */
        int block = j + 4 * GROUP <= mw;
        unsigned splits = 0;
        for (unsigned g = 0; g < (block ? 4u : 1u); g++)
            splits |= (unsigned)two_chains(at.nb, at.r, j / GROUP + g, ngroups, mw) << g;
        size_t step = block && (splits == 0 || splits == 0xF) ? 4 * GROUP : GROUP;
        if (step > GROUP)
            tj_sgo_block32_avx512(&b, k0, kl, splits != 0, alpha);
        else
            tj_sgo_group_avx512(&b, mw - j < GROUP ? mw - j : GROUP, k0, kl, splits & 1, alpha);
        j += step;
        b.W += step, b.y += step;
        if (b.W2) b.W2 += step, b.y2 += step;
    }
}
#endif

static void sgemm_ordered(const float *x, size_t ldx, size_t M, size_t K, const float *W,
                          size_t ldw, size_t N, float alpha, float *y, size_t ldy, size_t threads,
                          int simd, const second_product *p2)
{
    for (size_t i = 0; i < M; i++) memset(y + i * ldy, 0, N * sizeof(float));
    if (p2)
        for (size_t i = 0; i < M; i++) memset(p2->y + i * ldy, 0, N * sizeof(float));
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    /* Below this size OpenBLAS (interface/gemm.c) runs on one thread. */
    split_plan plan;
    int threaded = threads > 1 && (double)M * (double)N * (double)K > 65536.0 * 4.0;
    if (threaded) {
        plan_threads(M, N, threads, &plan);
        threaded = plan.tm * plan.tn > 1;
    }
    if (!threaded) plan = (split_plan){.tm = 1, .tn = 1, .cols = {0, N}, .rows = {0, M}};
    int wide = simd && tj_cpu_has_avx512bw();
    (void)wide;
    for (size_t k0 = 0, kl; k0 < K; k0 += kl) {
        kl = k_chunk(K - k0, threaded);
        for (size_t pm = 0; pm < plan.tm; pm++) {
            size_t m_from = plan.cols[pm], m_to = plan.cols[pm + 1];
            for (size_t j0 = m_from, mw; j0 < m_to; j0 += mw) {
                mw = chunk(m_to - j0, MCHUNK, j0 > m_from);
                for (size_t q = 0; q < plan.tm * plan.tn; q++) {
                    size_t s = plan.rows[q], e = plan.rows[q + 1];
                    if (e <= s) continue;
                    /* The thread computing these columns for this region's group of rows. */
                    size_t owner = q / plan.tm * plan.tm + pm;
                    size_t half = threaded ? ceil_div(e - s, 2) : e - s;
                    for (size_t i = s; i < e;) {
                        row_place at = place(s, e, half, i, j0 == m_from && q == owner);
#if defined(__x86_64__)
                        if (wide) {
                            /* Up to four rows summing their groups the same way, together. */
                            int R = 1, kind = chain_kind(at, mw);
                            while (R < 4 && i + (size_t)R < e &&
                                   chain_kind(
                                       place(s, e, half, i + (size_t)R, j0 == m_from && q == owner),
                                       mw) == kind)
                                R++;
                            row_span_rows(x, ldx, W, ldw, alpha, y, ldy, i, R, j0, mw, k0, kl, at,
                                          p2);
                            i += (size_t)R;
                            continue;
                        }
#endif
                        row_span(x, ldx, W, ldw, alpha, y, ldy, i, j0, mw, k0, kl, at, simd, p2);
                        i++;
                    }
                }
            }
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)
/* y_h[0..16) of one k chunk for heads h < nh (nh <= 4) of tj_sgemm_ordered_rows: eight chains
 * (4 heads x 2 groups of 8 columns) in flight instead of one group's. Each lane's chain is
 * group_avx2's one-chain sum (e = 0; e = fma(x[k], w[k], e) in k order), added to y as
 * y = fma(alpha, e, y). Unless full (n >= 16), lanes at or past n are neither read nor written.
 * nh and full are constants where it is inlined: named accumulators, no branches in the loop. */
#define RB_LD(p, m) (full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m))
#define RB_ST(p, m, v) (full ? _mm256_storeu_ps(p, v) : _mm256_maskstore_ps(p, m, v))
#define RB_MAC(h)                                                                                  \
    do {                                                                                           \
        __m256 xv_ = _mm256_set1_ps(x[(h)*xh + k]);                                                \
        const float *w_ = W + (h)*wh + k * ldw;                                                    \
        e##h##0 = _mm256_fmadd_ps(xv_, RB_LD(w_, m0), e##h##0);                                    \
        e##h##1 = _mm256_fmadd_ps(xv_, RB_LD(w_ + 8, m1), e##h##1);                                \
    } while (0)
#define RB_OUT(h)                                                                                  \
    do {                                                                                           \
        float *y_ = y + (h)*yh;                                                                    \
        RB_ST(y_, m0, _mm256_fmadd_ps(va, e##h##0, RB_LD(y_, m0)));                                \
        RB_ST(y_ + 8, m1, _mm256_fmadd_ps(va, e##h##1, RB_LD(y_ + 8, m1)));                        \
    } while (0)
__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline)) void
rows_block_body(const float *x, size_t xh, const float *W, size_t wh, size_t ldw, size_t n,
                size_t k0, size_t kl, float alpha, float *y, size_t yh, int nh, int full)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), lane);
    const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n - 8), lane);
    __m256 e00 = _mm256_setzero_ps(), e01 = e00, e10 = e00, e11 = e00, e20 = e00, e21 = e00,
           e30 = e00, e31 = e00;
    for (size_t k = k0; k < k0 + kl; k++) {
        RB_MAC(0);
        if (nh > 1) RB_MAC(1);
        if (nh > 2) RB_MAC(2);
        if (nh > 3) RB_MAC(3);
    }
    const __m256 va = _mm256_set1_ps(alpha);
    RB_OUT(0);
    if (nh > 1) RB_OUT(1);
    if (nh > 2) RB_OUT(2);
    if (nh > 3) RB_OUT(3);
    (void)m0, (void)m1, (void)e10, (void)e11, (void)e20, (void)e21, (void)e30, (void)e31;
}
#define RB_FN(name, nh, full)                                                                      \
    __attribute__((target("avx2,fma"))) static void name(                                          \
        const float *x, size_t xh, const float *W, size_t wh, size_t ldw, size_t n, size_t k0,     \
        size_t kl, float alpha, float *y, size_t yh)                                               \
    {                                                                                              \
        rows_block_body(x, xh, W, wh, ldw, n, k0, kl, alpha, y, yh, nh, full);                     \
    }
RB_FN(rows_block4_full, 4, 1)
RB_FN(rows_block4_tail, 4, 0)
RB_FN(rows_block1_full, 1, 1)
RB_FN(rows_block1_tail, 1, 0)

/* The same chains on AVX-512: 16 columns per zmm lane set, so the eight chains in flight are 8
 * heads x 16 columns, or 4 heads x 32, or 1 head x 32 (two). Each lane is still its own
 * one-chain sum in k order, so the results are those of the AVX2 blocks bit for bit. */
#define RZ_LD(p, m) (full ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p))
#define RZ_ST(p, m, v) (full ? _mm512_storeu_ps(p, v) : _mm512_mask_storeu_ps(p, m, v))
#define RZ_MAC(h)                                                                                  \
    do {                                                                                           \
        __m512 xv_ = _mm512_set1_ps(x[(h)*xh + k]);                                                \
        const float *w_ = W + (h)*wh + k * ldw;                                                    \
        z##h##0 = _mm512_fmadd_ps(xv_, RZ_LD(w_, m0), z##h##0);                                    \
        if (g > 1) z##h##1 = _mm512_fmadd_ps(xv_, RZ_LD(w_ + 16, m1), z##h##1);                    \
    } while (0)
#define RZ_OUT(h)                                                                                  \
    do {                                                                                           \
        float *y_ = y + (h)*yh;                                                                    \
        RZ_ST(y_, m0, _mm512_fmadd_ps(va, z##h##0, RZ_LD(y_, m0)));                                \
        if (g > 1) RZ_ST(y_ + 16, m1, _mm512_fmadd_ps(va, z##h##1, RZ_LD(y_ + 16, m1)));           \
    } while (0)
__attribute__((target("avx2,fma,avx512f"))) static inline __attribute__((always_inline)) void
rows_block512_body(const float *x, size_t xh, const float *W, size_t wh, size_t ldw, size_t n,
                   size_t k0, size_t kl, float alpha, float *y, size_t yh, int nh, int g, int full)
{
    const __mmask16 m0 = n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
    const __mmask16 m1 = n >= 32  ? (__mmask16)0xffff
                         : n > 16 ? (__mmask16)((1u << (n - 16)) - 1u)
                                  : (__mmask16)0;
    __m512 z00 = _mm512_setzero_ps(), z01 = z00, z10 = z00, z11 = z00, z20 = z00, z21 = z00,
           z30 = z00, z31 = z00, z40 = z00, z41 = z00, z50 = z00, z51 = z00, z60 = z00, z61 = z00,
           z70 = z00, z71 = z00;
    for (size_t k = k0; k < k0 + kl; k++) {
        RZ_MAC(0);
        if (nh > 1) RZ_MAC(1);
        if (nh > 2) RZ_MAC(2);
        if (nh > 3) RZ_MAC(3);
        if (nh > 4) RZ_MAC(4);
        if (nh > 5) RZ_MAC(5);
        if (nh > 6) RZ_MAC(6);
        if (nh > 7) RZ_MAC(7);
    }
    const __m512 va = _mm512_set1_ps(alpha);
    RZ_OUT(0);
    if (nh > 1) RZ_OUT(1);
    if (nh > 2) RZ_OUT(2);
    if (nh > 3) RZ_OUT(3);
    if (nh > 4) RZ_OUT(4);
    if (nh > 5) RZ_OUT(5);
    if (nh > 6) RZ_OUT(6);
    if (nh > 7) RZ_OUT(7);
    (void)m1, (void)z01, (void)z11, (void)z21, (void)z31, (void)z41, (void)z51, (void)z61,
        (void)z71;
}
#define RZ_FN(name, nh, g, full)                                                                   \
    __attribute__((target("avx2,fma,avx512f"))) static void name(                                  \
        const float *x, size_t xh, const float *W, size_t wh, size_t ldw, size_t n, size_t k0,     \
        size_t kl, float alpha, float *y, size_t yh)                                               \
    {                                                                                              \
        rows_block512_body(x, xh, W, wh, ldw, n, k0, kl, alpha, y, yh, nh, g, full);               \
    }
RZ_FN(rows512_h8_full, 8, 1, 1)
RZ_FN(rows512_h8_tail, 8, 1, 0)
RZ_FN(rows512_h4_full, 4, 2, 1)
RZ_FN(rows512_h4_tail, 4, 2, 0)
RZ_FN(rows512_h1_full, 1, 2, 1)
RZ_FN(rows512_h1_tail, 1, 2, 0)

typedef void (*rows_fn)(const float *x, size_t xh, const float *W, size_t wh, size_t ldw, size_t n,
                        size_t k0, size_t kl, float alpha, float *y, size_t yh);

/* Heads h0 <= h < h0 + nh (nh 8, 4 or 1), all columns, k chunk [k0, k0 + kl), on AVX-512: column
 * blocks of 16 (8 heads) or 32. */
static void rows_heads512(const float *x, size_t xh, const float *W, size_t wh, size_t ldw,
                          size_t N, size_t k0, size_t kl, float alpha, float *y, size_t yh, int nh)
{
    size_t cols = nh == 8 ? 16 : 32;
    rows_fn full = nh == 8 ? rows512_h8_full : nh == 4 ? rows512_h4_full : rows512_h1_full;
    rows_fn tail = nh == 8 ? rows512_h8_tail : nh == 4 ? rows512_h4_tail : rows512_h1_tail;
    size_t j = 0;
    for (; j + cols <= N; j += cols) full(x, xh, W + j, wh, ldw, cols, k0, kl, alpha, y + j, yh);
    if (j < N) tail(x, xh, W + j, wh, ldw, N - j, k0, kl, alpha, y + j, yh);
}

/* Heads h0 <= h < h0 + nh (nh 4 or 1), all columns, k chunk [k0, k0 + kl). */
static void rows_heads(const float *x, size_t xh, const float *W, size_t wh, size_t ldw, size_t N,
                       size_t k0, size_t kl, float alpha, float *y, size_t yh, int nh)
{
    size_t j = 0;
    for (; j + 16 <= N; j += 16)
        (nh == 4 ? rows_block4_full : rows_block1_full)(x, xh, W + j, wh, ldw, 16, k0, kl, alpha,
                                                        y + j, yh);
    if (j < N)
        (nh == 4 ? rows_block4_tail : rows_block1_tail)(x, xh, W + j, wh, ldw, N - j, k0, kl, alpha,
                                                        y + j, yh);
}
#endif

void tj_sgemm_ordered_rows(const float *x, size_t xh, size_t K, const float *W, size_t wh,
                           size_t ldw, size_t N, float alpha, float *y, size_t yh, size_t H,
                           size_t threads)
{
#if defined(__x86_64__) || defined(__i386__)
    /* One row is one kernel block of one row (no second chain anywhere); on one thread the only
     * order left is the k chunking. Products big enough for OpenBLAS's threads go one by one. */
    if (tj_cpu_has_avx2() && N < ((size_t)1 << 30) &&
        !(threads > 1 && (double)N * (double)K > 65536.0 * 4.0)) {
        for (size_t h = 0; h < H; h++) memset(y + h * yh, 0, N * sizeof(float));
        int z = tj_cpu_has_avx512bw();
        for (size_t k0 = 0, kl; k0 < K; k0 += kl) {
            kl = k_chunk(K - k0, 0);
            size_t h = 0;
            if (z) {
                for (; h + 8 <= H; h += 8)
                    rows_heads512(x + h * xh, xh, W + h * wh, wh, ldw, N, k0, kl, alpha, y + h * yh,
                                  yh, 8);
                for (; h + 4 <= H; h += 4)
                    rows_heads512(x + h * xh, xh, W + h * wh, wh, ldw, N, k0, kl, alpha, y + h * yh,
                                  yh, 4);
                for (; h < H; h++)
                    rows_heads512(x + h * xh, xh, W + h * wh, wh, ldw, N, k0, kl, alpha, y + h * yh,
                                  yh, 1);
                continue;
            }
            for (; h + 4 <= H; h += 4)
                rows_heads(x + h * xh, xh, W + h * wh, wh, ldw, N, k0, kl, alpha, y + h * yh, yh,
                           4);
            for (; h < H; h++)
                rows_heads(x + h * xh, xh, W + h * wh, wh, ldw, N, k0, kl, alpha, y + h * yh, yh,
                           1);
        }
        return;
    }
#endif
    for (size_t h = 0; h < H; h++)
        tj_sgemm_ordered(x + h * xh, K, 1, K, W + h * wh, ldw, N, alpha, y + h * yh, N, threads);
}

void tj_sgemm_ordered_scalar(const float *x, size_t ldx, size_t M, size_t K, const float *W,
                             size_t ldw, size_t N, float alpha, float *y, size_t ldy,
                             size_t threads)
{
    sgemm_ordered(x, ldx, M, K, W, ldw, N, alpha, y, ldy, threads, 0, NULL);
}

void tj_sgemm_ordered(const float *x, size_t ldx, size_t M, size_t K, const float *W, size_t ldw,
                      size_t N, float alpha, float *y, size_t ldy, size_t threads)
{
    sgemm_ordered(x, ldx, M, K, W, ldw, N, alpha, y, ldy, threads, tj_cpu_has_avx2(), NULL);
}

void tj_sgemm_ordered2(const float *x, const float *x2, size_t ldx, size_t M, size_t K,
                       const float *W, const float *W2, size_t ldw, size_t N, float alpha, float *y,
                       float *y2, size_t ldy, size_t threads)
{
    second_product p2 = {x2, W2, y2};
    sgemm_ordered(x, ldx, M, K, W, ldw, N, alpha, y, ldy, threads, tj_cpu_has_avx2(), &p2);
}
