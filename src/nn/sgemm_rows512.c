/* SPDX-License-Identifier: MIT */
#include "nn/sgemm_rows512.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define T512 "avx2,fma,avx512f,avx512vl"

/* The group rule of tj_sgemm_ordered (group_avx2 / group4_avx2): with split, k in pairs up to
 * a multiple of 8, k into chain e and k + 1 into chain o, the rest into e, then e + o; without,
 * one chain e in k order. Then y = fma(alpha, sum, y). Here per lane, for H products x R rows
 * (block_body: two vectors of 16 columns; group_body: one masked vector of 8). R, H and split
 * are constants where inlined; the chains are named variables (eHRc, oHRc), which the compiler
 * keeps in registers (arrays of them went to the stack). */
#define EACH_R(M, h) M(h, 0) M(h, 1) M(h, 2) M(h, 3)
#define EACH_HR(M) EACH_R(M, 0) EACH_R(M, 1)

#define BK_DECL(h, r)                                                                              \
    __m512 e##h##r##0 = zero, e##h##r##1 = zero, o##h##r##0 = zero, o##h##r##1 = zero;
#define BK_PAIR_R(h, r)                                                                            \
    if (r < R) {                                                                                   \
        const float *xr = xs[h] + (size_t)(r)*b->ldx;                                              \
        __m512 p = _mm512_set1_ps(xr[k]), q = _mm512_set1_ps(xr[k + 1]);                           \
        e##h##r##0 = _mm512_fmadd_ps(p, a0, e##h##r##0);                                           \
        e##h##r##1 = _mm512_fmadd_ps(p, a1, e##h##r##1);                                           \
        o##h##r##0 = _mm512_fmadd_ps(q, n0, o##h##r##0);                                           \
        o##h##r##1 = _mm512_fmadd_ps(q, n1, o##h##r##1);                                           \
    }
#define BK_PAIR_H(h)                                                                               \
    if (h < H) {                                                                                   \
        const float *w0 = ws[h] + k * b->ldw, *w1 = w0 + b->ldw;                                   \
        __m512 a0 = _mm512_loadu_ps(w0), a1 = _mm512_loadu_ps(w0 + 16);                            \
        __m512 n0 = _mm512_loadu_ps(w1), n1 = _mm512_loadu_ps(w1 + 16);                            \
        EACH_R(BK_PAIR_R, h)                                                                       \
    }
#define BK_ONE_R(h, r)                                                                             \
    if (r < R) {                                                                                   \
        __m512 p = _mm512_set1_ps(xs[h][(size_t)(r)*b->ldx + k]);                                  \
        e##h##r##0 = _mm512_fmadd_ps(p, a0, e##h##r##0);                                           \
        e##h##r##1 = _mm512_fmadd_ps(p, a1, e##h##r##1);                                           \
    }
#define BK_ONE_H(h)                                                                                \
    if (h < H) {                                                                                   \
        const float *w0 = ws[h] + k * b->ldw;                                                      \
        __m512 a0 = _mm512_loadu_ps(w0), a1 = _mm512_loadu_ps(w0 + 16);                            \
        EACH_R(BK_ONE_R, h)                                                                        \
    }
#define BK_OUT(h, r)                                                                               \
    if (h < H && r < R) {                                                                          \
        float *y = ys[h] + (size_t)(r)*b->ldy;                                                     \
        __m512 t0 = two ? _mm512_add_ps(e##h##r##0, o##h##r##0) : e##h##r##0;                      \
        __m512 t1 = two ? _mm512_add_ps(e##h##r##1, o##h##r##1) : e##h##r##1;                      \
        _mm512_storeu_ps(y, _mm512_fmadd_ps(va, t0, _mm512_loadu_ps(y)));                          \
        _mm512_storeu_ps(y + 16, _mm512_fmadd_ps(va, t1, _mm512_loadu_ps(y + 16)));                \
    }

static inline __attribute__((always_inline, target(T512))) void
block_body(const tj_sgo_rows *b, size_t k0, size_t kl, int split, float alpha, int R, int H)
{
    const float *xs[2] = {b->x, b->x2}, *ws[2] = {b->W, b->W2};
    float *ys[2] = {b->y, b->y2};
    const __m512 zero = _mm512_setzero_ps();
    EACH_HR(BK_DECL)
    size_t pairs_end = split && kl >= 8 ? k0 + kl / 8 * 8 : k0, k = k0;
    for (; k < pairs_end; k += 2) {
        BK_PAIR_H(0)
        BK_PAIR_H(1)
    }
    for (; k < k0 + kl; k++) {
        BK_ONE_H(0)
        BK_ONE_H(1)
    }
    const __m512 va = _mm512_set1_ps(alpha);
    int two = split && pairs_end > k0;
    EACH_HR(BK_OUT)
}

#define GR_DECL(h, r) __m256 f##h##r = zero8, g##h##r = zero8;
#define GR_PAIR_R(h, r)                                                                            \
    if (r < R) {                                                                                   \
        const float *xr = xs[h] + (size_t)(r)*b->ldx;                                              \
        f##h##r = _mm256_fmadd_ps(_mm256_set1_ps(xr[k]), a, f##h##r);                              \
        g##h##r = _mm256_fmadd_ps(_mm256_set1_ps(xr[k + 1]), n, g##h##r);                          \
    }
#define GR_PAIR_H(h)                                                                               \
    if (h < H) {                                                                                   \
        const float *w0 = ws[h] + k * b->ldw;                                                      \
        __m256 a = _mm256_maskz_loadu_ps(m, w0), n = _mm256_maskz_loadu_ps(m, w0 + b->ldw);        \
        EACH_R(GR_PAIR_R, h)                                                                       \
    }
#define GR_ONE_R(h, r)                                                                             \
    if (r < R) f##h##r = _mm256_fmadd_ps(_mm256_set1_ps(xs[h][(size_t)(r)*b->ldx + k]), a, f##h##r);
#define GR_ONE_H(h)                                                                                \
    if (h < H) {                                                                                   \
        __m256 a = _mm256_maskz_loadu_ps(m, ws[h] + k * b->ldw);                                   \
        EACH_R(GR_ONE_R, h)                                                                        \
    }
#define GR_OUT(h, r)                                                                               \
    if (h < H && r < R) {                                                                          \
        float *y = ys[h] + (size_t)(r)*b->ldy;                                                     \
        __m256 t = two ? _mm256_add_ps(f##h##r, g##h##r) : f##h##r;                                \
        _mm256_mask_storeu_ps(y, m, _mm256_fmadd_ps(va, t, _mm256_maskz_loadu_ps(m, y)));          \
    }

/* The same for one group of n <= 8 columns in the low lanes of 256-bit vectors (masked: lanes
 * at or past n are neither read nor written). */
static inline __attribute__((always_inline, target(T512))) void
group_body(const tj_sgo_rows *b, __mmask8 m, size_t k0, size_t kl, int split, float alpha, int R,
           int H)
{
    const float *xs[2] = {b->x, b->x2}, *ws[2] = {b->W, b->W2};
    float *ys[2] = {b->y, b->y2};
    const __m256 zero8 = _mm256_setzero_ps();
    EACH_HR(GR_DECL)
    size_t pairs_end = split && kl >= 8 ? k0 + kl / 8 * 8 : k0, k = k0;
    for (; k < pairs_end; k += 2) {
        GR_PAIR_H(0)
        GR_PAIR_H(1)
    }
    for (; k < k0 + kl; k++) {
        GR_ONE_H(0)
        GR_ONE_H(1)
    }
    const __m256 va = _mm256_set1_ps(alpha);
    int two = split && pairs_end > k0;
    EACH_HR(GR_OUT)
}

#define B32(R, H, S)                                                                               \
    __attribute__((target(T512))) static void b32_##R##_##H##_##S(const tj_sgo_rows *b, size_t k0, \
                                                                  size_t kl, float alpha)          \
    {                                                                                              \
        block_body(b, k0, kl, S, alpha, R, H);                                                     \
    }
#define GRP(R, H, S)                                                                               \
    __attribute__((target(T512))) static void g_##R##_##H##_##S(const tj_sgo_rows *b, __mmask8 m,  \
                                                                size_t k0, size_t kl, float alpha) \
    {                                                                                              \
        group_body(b, m, k0, kl, S, alpha, R, H);                                                  \
    }
/* Every combination the tables below use (split products of two heads take at most two rows). */
/* clang-format off */
B32(1, 1, 0) GRP(1, 1, 0)
B32(2, 1, 0) GRP(2, 1, 0)
B32(3, 1, 0) GRP(3, 1, 0)
B32(4, 1, 0) GRP(4, 1, 0)
B32(1, 2, 0) GRP(1, 2, 0)
B32(2, 2, 0) GRP(2, 2, 0)
B32(3, 2, 0) GRP(3, 2, 0)
B32(4, 2, 0) GRP(4, 2, 0)
B32(1, 1, 1) GRP(1, 1, 1)
B32(2, 1, 1) GRP(2, 1, 1)
B32(3, 1, 1) GRP(3, 1, 1)
B32(4, 1, 1) GRP(4, 1, 1)
B32(1, 2, 1) GRP(1, 2, 1)
B32(2, 2, 1) GRP(2, 2, 1)
    /* clang-format on */

    typedef void (*b32_fn)(const tj_sgo_rows *, size_t, size_t, float);
typedef void (*grp_fn)(const tj_sgo_rows *, __mmask8, size_t, size_t, float);

/* [split][H - 1][R - 1]; two split products of more than two rows go two rows at a time (their
 * e and o chains would not fit the registers). */
static const b32_fn b32_tab[2][2][4] = {
    {{b32_1_1_0, b32_2_1_0, b32_3_1_0, b32_4_1_0}, {b32_1_2_0, b32_2_2_0, b32_3_2_0, b32_4_2_0}},
    {{b32_1_1_1, b32_2_1_1, b32_3_1_1, b32_4_1_1}, {b32_1_2_1, b32_2_2_1, NULL, NULL}}};
static const grp_fn grp_tab[2][2][4] = {
    {{g_1_1_0, g_2_1_0, g_3_1_0, g_4_1_0}, {g_1_2_0, g_2_2_0, g_3_2_0, g_4_2_0}},
    {{g_1_1_1, g_2_1_1, g_3_1_1, g_4_1_1}, {g_1_2_1, g_2_2_1, NULL, NULL}}};

/* The rows r0 <= r < r0 + R of b. */
static tj_sgo_rows sub_rows(const tj_sgo_rows *b, int r0, int R)
{
    tj_sgo_rows s = *b;
    s.x += (size_t)r0 * b->ldx;
    s.y += (size_t)r0 * b->ldy;
    if (s.x2) s.x2 += (size_t)r0 * b->ldx, s.y2 += (size_t)r0 * b->ldy;
    s.R = R;
    return s;
}

void tj_sgo_block32_avx512(const tj_sgo_rows *b, size_t k0, size_t kl, int split, float alpha)
{
    int H = b->x2 ? 2 : 1;
    if (split && H == 2 && b->R > 2) {
        tj_sgo_rows lo = sub_rows(b, 0, 2), hi = sub_rows(b, 2, b->R - 2);
        b32_tab[1][1][1](&lo, k0, kl, alpha);
        b32_tab[1][1][hi.R - 1](&hi, k0, kl, alpha);
        return;
    }
    b32_tab[split != 0][H - 1][b->R - 1](b, k0, kl, alpha);
}

void tj_sgo_group_avx512(const tj_sgo_rows *b, size_t n, size_t k0, size_t kl, int split,
                         float alpha)
{
    __mmask8 m = (__mmask8)((1u << n) - 1u);
    int H = b->x2 ? 2 : 1;
    if (split && H == 2 && b->R > 2) {
        tj_sgo_rows lo = sub_rows(b, 0, 2), hi = sub_rows(b, 2, b->R - 2);
        grp_tab[1][1][1](&lo, m, k0, kl, alpha);
        grp_tab[1][1][hi.R - 1](&hi, m, k0, kl, alpha);
        return;
    }
    grp_tab[split != 0][H - 1][b->R - 1](b, m, k0, kl, alpha);
}

#else
void tj_sgo_block32_avx512(const tj_sgo_rows *b, size_t k0, size_t kl, int split, float alpha)
{
    (void)b, (void)k0, (void)kl, (void)split, (void)alpha;
}
void tj_sgo_group_avx512(const tj_sgo_rows *b, size_t n, size_t k0, size_t kl, int split,
                         float alpha)
{
    (void)b, (void)n, (void)k0, (void)kl, (void)split, (void)alpha;
}
#endif
