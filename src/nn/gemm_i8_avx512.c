/* SPDX-License-Identifier: MIT */
/* The AVX-512BW int8 product (nn/gemm_i8.h): the same arithmetic as the AVX2 kernel on 64 bytes
 * per instruction. vpmaddubsw on 512 bits forms exactly the saturated int16 pair sums of the
 * 256-bit one (each pair is a lane of its own), and those are widened and added exactly, so every
 * int32 total, and hence every output, is bit for bit the AVX2 and scalar result.
 *
 * AVX512_VNNI is not used: vpdpbusd skips the int16 saturation (different results), and
 * vpdpwssd(acc, pairs, 1) in place of vpmaddwd + vpaddd gives the same bits but measured 10-20%
 * slower on this project's AMD EPYC (bench_gemm-style runs at encoder shapes). */
#include "nn/gemm_i8.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

int tj_cpu_has_avx512bw(void)
{
    /* The kernel also uses AVX2/FMA forms (the epilogue), so it requires what the AVX2 path
     * requires; tj_cpu_has_avx2() returning 0 (bench/force_scalar.c) turns both off. */
    return tj_cpu_has_avx2() && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw");
}

#include "nn/gemm_i8_512.h"

/* 64 bytes at p; the _T form reads the last 32 (K % 64 == 32) with zeros above: zero bytes add
 * zero pairs. Separate loops for the two, so the main loop has no branch on the load. */
#define LD(p) _mm512_loadu_si512(p)
#define LD_T(p) _mm512_maskz_loadu_epi8(0xffffffffULL, p)

/* acc += the widened pair sums of vpmaddubsw(a, b). */
#define MAC_BW(acc, a, b) acc = tj_i8_mac_pairs(acc, a, b, ones)

/* Per 128-bit lane, the four accumulators' partial totals side by side: lane q of the result holds
 * [Σ a0, Σ a1, Σ a2, Σ a3] over that lane's four int32s. Integer sums: grouping changes nothing. */
#define SUM4_PER_LANE(r, a0, a1, a2, a3)                                                           \
    do {                                                                                           \
        __m512i s01_ =                                                                             \
            _mm512_add_epi32(_mm512_unpacklo_epi32(a0, a1), _mm512_unpackhi_epi32(a0, a1));        \
        __m512i s23_ =                                                                             \
            _mm512_add_epi32(_mm512_unpacklo_epi32(a2, a3), _mm512_unpackhi_epi32(a2, a3));        \
        r = _mm512_add_epi32(_mm512_unpacklo_epi64(s01_, s23_),                                    \
                             _mm512_unpackhi_epi64(s01_, s23_));                                   \
    } while (0)

/* One 64-byte step of a 4-row x 4-column block (accumulators cRC) and of a 1-row block. */
#define STEP4x4(L, MAC)                                                                            \
    do {                                                                                           \
        __m512i w0 = L(b0 + k), w1 = L(b1 + k), w2 = L(b2 + k), w3 = L(b3 + k);                    \
        __m512i x = L(a0 + k);                                                                     \
        MAC(c00, x, w0);                                                                           \
        MAC(c01, x, w1);                                                                           \
        MAC(c02, x, w2);                                                                           \
        MAC(c03, x, w3);                                                                           \
        x = L(a1 + k);                                                                             \
        MAC(c10, x, w0);                                                                           \
        MAC(c11, x, w1);                                                                           \
        MAC(c12, x, w2);                                                                           \
        MAC(c13, x, w3);                                                                           \
        x = L(a2 + k);                                                                             \
        MAC(c20, x, w0);                                                                           \
        MAC(c21, x, w1);                                                                           \
        MAC(c22, x, w2);                                                                           \
        MAC(c23, x, w3);                                                                           \
        x = L(a3 + k);                                                                             \
        MAC(c30, x, w0);                                                                           \
        MAC(c31, x, w1);                                                                           \
        MAC(c32, x, w2);                                                                           \
        MAC(c33, x, w3);                                                                           \
    } while (0)
#define STEP1x4(L, MAC)                                                                            \
    do {                                                                                           \
        __m512i x = L(a0 + k);                                                                     \
        MAC(c0, x, L(b0 + k));                                                                     \
        MAC(c1, x, L(b1 + k));                                                                     \
        MAC(c2, x, L(b2 + k));                                                                     \
        MAC(c3, x, L(b3 + k));                                                                     \
    } while (0)

#define STEP1x8(L, MAC)                                                                            \
    do {                                                                                           \
        __m512i x = L(a0 + k);                                                                     \
        MAC(c0, x, L(b0 + k));                                                                     \
        MAC(c1, x, L(b1 + k));                                                                     \
        MAC(c2, x, L(b2 + k));                                                                     \
        MAC(c3, x, L(b3 + k));                                                                     \
        MAC(c4, x, L(b4 + k));                                                                     \
        MAC(c5, x, L(b5 + k));                                                                     \
        MAC(c6, x, L(b6 + k));                                                                     \
        MAC(c7, x, L(b7 + k));                                                                     \
    } while (0)

/* The kernel body (MAC: the accumulate step). Blocks of 4 A rows x 4 B rows (output
 * columns): every load feeds four products, 16 accumulators stay in registers. Leftover rows go
 * one at a time against the same 4 columns; leftover columns one at a time. The epilogue is the
 * scalar path's fmaf(float(S), unq, pbias[j]) on 16 lanes. */
#define GEMM_I8_512_BODY(MAC)                                                                      \
    const __m512i ones = _mm512_set1_epi16(1);                                                     \
    const size_t kfull = K / 64 * 64;                                                              \
    const __m512 vunq = _mm512_set1_ps(unq);                                                       \
    size_t j = 0;                                                                                  \
    /* One row (a decoder step of one sentence): 8 columns a round, so that eight independent      \
     * sums are in flight and the lane reduction is shared by eight outputs. */                    \
    if (M == 1)                                                                                    \
        for (; j + 8 <= N; j += 8) {                                                               \
            const int8_t *b0 = B + (size_t)(cols ? cols[j] : (int)j) * K;                          \
            const int8_t *b1 = B + (size_t)(cols ? cols[j + 1] : (int)j + 1) * K;                  \
            const int8_t *b2 = B + (size_t)(cols ? cols[j + 2] : (int)j + 2) * K;                  \
            const int8_t *b3 = B + (size_t)(cols ? cols[j + 3] : (int)j + 3) * K;                  \
            const int8_t *b4 = B + (size_t)(cols ? cols[j + 4] : (int)j + 4) * K;                  \
            const int8_t *b5 = B + (size_t)(cols ? cols[j + 5] : (int)j + 5) * K;                  \
            const int8_t *b6 = B + (size_t)(cols ? cols[j + 6] : (int)j + 6) * K;                  \
            const int8_t *b7 = B + (size_t)(cols ? cols[j + 7] : (int)j + 7) * K;                  \
            const uint8_t *a0 = A;                                                                 \
            __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0;                        \
            __m512i c4 = c0, c5 = c0, c6 = c0, c7 = c0;                                            \
            size_t k = 0;                                                                          \
            for (; k < kfull; k += 64) STEP1x8(LD, MAC);                                           \
            if (k < K) STEP1x8(LD_T, MAC);                                                         \
            __m512i r0, r1;                                                                        \
            SUM4_PER_LANE(r0, c0, c1, c2, c3);                                                     \
            SUM4_PER_LANE(r1, c4, c5, c6, c7);                                                     \
            __m512i u = _mm512_add_epi32(_mm512_shuffle_i32x4(r0, r1, 0x44),                       \
                                         _mm512_shuffle_i32x4(r0, r1, 0xEE));                      \
            u = _mm512_add_epi32(_mm512_shuffle_i32x4(u, u, 0x88),                                 \
                                 _mm512_shuffle_i32x4(u, u, 0xDD));                                \
            __m256 y = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm512_castsi512_si256(u)),              \
                                       _mm256_set1_ps(unq), _mm256_loadu_ps(pbias + j));           \
            _mm256_storeu_ps(C + j, y);                                                            \
        }                                                                                          \
    for (; j + 4 <= N; j += 4) {                                                                   \
        const int8_t *b0 = B + (size_t)(cols ? cols[j] : (int)j) * K;                              \
        const int8_t *b1 = B + (size_t)(cols ? cols[j + 1] : (int)j + 1) * K;                      \
        const int8_t *b2 = B + (size_t)(cols ? cols[j + 2] : (int)j + 2) * K;                      \
        const int8_t *b3 = B + (size_t)(cols ? cols[j + 3] : (int)j + 3) * K;                      \
        const __m512 pb = _mm512_broadcast_f32x4(_mm_loadu_ps(pbias + j));                         \
        size_t i = 0;                                                                              \
        for (; i + 4 <= M; i += 4) {                                                               \
            const uint8_t *a0 = A + i * K, *a1 = a0 + K, *a2 = a1 + K, *a3 = a2 + K;               \
            __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00;                 \
            __m512i c10 = c00, c11 = c00, c12 = c00, c13 = c00;                                    \
            __m512i c20 = c00, c21 = c00, c22 = c00, c23 = c00;                                    \
            __m512i c30 = c00, c31 = c00, c32 = c00, c33 = c00;                                    \
            size_t k = 0;                                                                          \
            for (; k < kfull; k += 64) STEP4x4(LD, MAC);                                           \
            if (k < K) STEP4x4(LD_T, MAC);                                                         \
            __m512i r0, r1, r2, r3;                                                                \
            SUM4_PER_LANE(r0, c00, c01, c02, c03);                                                 \
            SUM4_PER_LANE(r1, c10, c11, c12, c13);                                                 \
            SUM4_PER_LANE(r2, c20, c21, c22, c23);                                                 \
            SUM4_PER_LANE(r3, c30, c31, c32, c33);                                                 \
            /* Add the four 128-bit lanes of each row: result lane q = row q's four totals. */     \
            __m512i u01 = _mm512_add_epi32(_mm512_shuffle_i32x4(r0, r1, 0x44),                     \
                                           _mm512_shuffle_i32x4(r0, r1, 0xEE));                    \
            __m512i u23 = _mm512_add_epi32(_mm512_shuffle_i32x4(r2, r3, 0x44),                     \
                                           _mm512_shuffle_i32x4(r2, r3, 0xEE));                    \
            __m512i s = _mm512_add_epi32(_mm512_shuffle_i32x4(u01, u23, 0x88),                     \
                                         _mm512_shuffle_i32x4(u01, u23, 0xDD));                    \
            __m512 y = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), vunq, pb);                           \
            _mm_storeu_ps(C + i * ldc + j, _mm512_castps512_ps128(y));                             \
            _mm_storeu_ps(C + (i + 1) * ldc + j, _mm512_extractf32x4_ps(y, 1));                    \
            _mm_storeu_ps(C + (i + 2) * ldc + j, _mm512_extractf32x4_ps(y, 2));                    \
            _mm_storeu_ps(C + (i + 3) * ldc + j, _mm512_extractf32x4_ps(y, 3));                    \
        }                                                                                          \
        for (; i < M; i++) {                                                                       \
            const uint8_t *a0 = A + i * K;                                                         \
            __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0;                        \
            size_t k = 0;                                                                          \
            for (; k < kfull; k += 64) STEP1x4(LD, MAC);                                           \
            if (k < K) STEP1x4(LD_T, MAC);                                                         \
            __m512i r;                                                                             \
            SUM4_PER_LANE(r, c0, c1, c2, c3);                                                      \
            __m256i h =                                                                            \
                _mm256_add_epi32(_mm512_castsi512_si256(r), _mm512_extracti64x4_epi64(r, 1));      \
            __m128i q = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));  \
            _mm_storeu_ps(C + i * ldc + j, _mm_fmadd_ps(_mm_cvtepi32_ps(q), _mm_set1_ps(unq),      \
                                                        _mm_loadu_ps(pbias + j)));                 \
        }                                                                                          \
    }                                                                                              \
    for (; j < N; j++) {                                                                           \
        const int8_t *b0 = B + (size_t)(cols ? cols[j] : (int)j) * K;                              \
        for (size_t i = 0; i < M; i++) {                                                           \
            const uint8_t *a0 = A + i * K;                                                         \
            __m512i c0 = _mm512_setzero_si512();                                                   \
            size_t k = 0;                                                                          \
            for (; k < kfull; k += 64) MAC(c0, LD(a0 + k), LD(b0 + k));                            \
            if (k < K) MAC(c0, LD_T(a0 + k), LD_T(b0 + k));                                        \
            C[i * ldc + j] = fmaf((float)_mm512_reduce_add_epi32(c0), unq, pbias[j]);              \
        }                                                                                          \
    }

__attribute__((target(TJ_T512))) void tj_gemm_i8_avx512bw(const uint8_t *A, size_t M, size_t K,
                                                          const int8_t *B, const int *cols,
                                                          size_t N, float unq, const float *pbias,
                                                          float *C, size_t ldc)
{
    GEMM_I8_512_BODY(MAC_BW)
}

/* tj_gemm_i8_pack at model load (its speed is load time): 64 bytes of each of 16 columns loaded
 * as 16 vectors (vector r: column r's k..k+63 as 16 dwords) and transposed as a 16 x 16 matrix of
 * dwords, so that vector i holds the 16 columns' k+4i..k+4i+3: the packed layout, 16 stores per
 * 16 loads and 64 shuffles, 3x fewer cycles than one 16-lane gather per 64 bytes. Columns at or
 * past N are zero. Streaming stores measured no faster here. */
__attribute__((target(TJ_T512))) void tj_gemm_i8_pack_avx512(const int8_t *B, size_t K, size_t N,
                                                             const int32_t *perm, int8_t *P)
{
    size_t np = (N + 63) / 64 * 64;
    for (size_t g = 0; g < np; g += 16) {
        int8_t *dst = P + g * K;
        const int8_t *col[16];
        for (size_t r = 0; r < 16; r++)
            col[r] = g + r < N ? B + (size_t)(perm ? perm[g + r] : (int32_t)(g + r)) * K : NULL;
        for (size_t k = 0; k < K; k += 64) {
            size_t rem = K - k;
            __mmask64 m = rem >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << rem) - 1);
            __m512i v[16], t[16];
            for (size_t r = 0; r < 16; r++)
                v[r] = col[r] ? _mm512_maskz_loadu_epi8(m, col[r] + k) : _mm512_setzero_si512();
            /* Per 128-bit lane: rows in pairs, then in fours (t[4q + c] holds dword c of each
             * lane for rows 4q..4q+3). */
            for (size_t q = 0; q < 4; q++) {
                __m512i a0 = _mm512_unpacklo_epi32(v[4 * q], v[4 * q + 1]),
                        a1 = _mm512_unpackhi_epi32(v[4 * q], v[4 * q + 1]),
                        a2 = _mm512_unpacklo_epi32(v[4 * q + 2], v[4 * q + 3]),
                        a3 = _mm512_unpackhi_epi32(v[4 * q + 2], v[4 * q + 3]);
                t[4 * q] = _mm512_unpacklo_epi64(a0, a2);
                t[4 * q + 1] = _mm512_unpackhi_epi64(a0, a2);
                t[4 * q + 2] = _mm512_unpacklo_epi64(a1, a3);
                t[4 * q + 3] = _mm512_unpackhi_epi64(a1, a3);
            }
            /* Across lanes: output 4L + c takes lane L of t[c], t[4 + c], t[8 + c], t[12 + c]. */
            size_t n4 = rem >= 64 ? 16 : rem / 4;
            for (size_t c = 0; c < 4; c++) {
                __m512i lo01 = _mm512_shuffle_i32x4(t[c], t[4 + c], 0x44),
                        hi01 = _mm512_shuffle_i32x4(t[c], t[4 + c], 0xEE),
                        lo23 = _mm512_shuffle_i32x4(t[8 + c], t[12 + c], 0x44),
                        hi23 = _mm512_shuffle_i32x4(t[8 + c], t[12 + c], 0xEE);
                __m512i o[4] = {
                    _mm512_shuffle_i32x4(lo01, lo23, 0x88), _mm512_shuffle_i32x4(lo01, lo23, 0xDD),
                    _mm512_shuffle_i32x4(hi01, hi23, 0x88), _mm512_shuffle_i32x4(hi01, hi23, 0xDD)};
                for (size_t L = 0; L < 4; L++)
                    if (4 * L + c < n4) _mm512_storeu_si512(dst + (k / 4 + 4 * L + c) * 64, o[L]);
            }
        }
    }
}

/* The packed product (nn/gemm_i8.h, tj_gemm_i8_pack): each 64-byte vector of P holds k..k+3 of
 * 16 columns, so one broadcast of a row's a[k..k+3] against it gives, per 32-bit lane, that
 * column's two saturated pairs (vpmaddubsw pairs bytes 0-1 and 2-3 of the lane, i.e. k, k+1 and
 * k+2, k+3, the pairs of the scalar definition) widened and added exactly. A block of 4 rows x 64
 * columns keeps 16 accumulators that end as 16 output columns each: no lane reduction, and each
 * B vector loaded feeds four rows. The int32 totals and the epilogue (fmaf(float(S), unq, pbias))
 * are those of every other path, so the outputs are bit for bit the same. The pair sums are
 * MAC_BW's (tj_i8_mac_pairs). */
/* vpdpbusd: the four products of a lane summed exactly into it. Equal to the two saturated pairs
 * only on columns that cannot saturate (tj_gemm_i8_exact_column), which the packing puts first. */
#define PK_MAC_VNNI(acc, x, b) acc = _mm512_dpbusd_epi32(acc, x, b)
#define PK_ROW(MAC, r)                                                                             \
    do {                                                                                           \
        int32_t a4_;                                                                               \
        memcpy(&a4_, a + (r)*K + 4 * k4, sizeof a4_);                                              \
        __m512i x_ = _mm512_set1_epi32(a4_);                                                       \
        MAC(c##r##0, x_, w0);                                                                      \
        MAC(c##r##1, x_, w1);                                                                      \
        MAC(c##r##2, x_, w2);                                                                      \
        MAC(c##r##3, x_, w3);                                                                      \
    } while (0)
/* Packed position j holds column perm[j] (j itself without perm); pbias is in packed order. */
#define PK_STORE(r, q)                                                                             \
    tj_i8_store16(c##r##q, jb + 16 * (q), N, perm, vunq, pbias, C + (i + (r)) * ldc)
#define PK_STORE_ROW(r)                                                                            \
    do {                                                                                           \
        PK_STORE(r, 0);                                                                            \
        PK_STORE(r, 1);                                                                            \
        PK_STORE(r, 2);                                                                            \
        PK_STORE(r, 3);                                                                            \
    } while (0)

/* Column panels jb0 <= jb < jb1 of 64 (4 blocks of 16, 64 x K bytes: in L1 or L2 while every row
 * block passes), rows 4 at a time inside. */
#define PK_PANELS(MAC)                                                                             \
    {                                                                                              \
        const __m512i ones = _mm512_set1_epi16(1);                                                 \
        const __m512 vunq = _mm512_set1_ps(unq);                                                   \
        const size_t K4 = K / 4, M4 = M / 4 * 4;                                                   \
        (void)ones;                                                                                \
        for (size_t jb = jb0; jb < jb1; jb += 64) {                                                \
            const int8_t *p0 = P + jb * K, *p1 = p0 + 16 * K, *p2 = p1 + 16 * K,                   \
                         *p3 = p2 + 16 * K;                                                        \
            for (size_t i = 0; i < M4; i += 4) {                                                   \
                const uint8_t *a = A + i * K;                                                      \
                __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00;             \
                __m512i c10 = c00, c11 = c00, c12 = c00, c13 = c00;                                \
                __m512i c20 = c00, c21 = c00, c22 = c00, c23 = c00;                                \
                __m512i c30 = c00, c31 = c00, c32 = c00, c33 = c00;                                \
                for (size_t k4 = 0; k4 < K4; k4++) {                                               \
                    __m512i w0 = _mm512_loadu_si512(p0 + 64 * k4),                                 \
                            w1 = _mm512_loadu_si512(p1 + 64 * k4);                                 \
                    __m512i w2 = _mm512_loadu_si512(p2 + 64 * k4),                                 \
                            w3 = _mm512_loadu_si512(p3 + 64 * k4);                                 \
                    PK_ROW(MAC, 0);                                                                \
                    PK_ROW(MAC, 1);                                                                \
                    PK_ROW(MAC, 2);                                                                \
                    PK_ROW(MAC, 3);                                                                \
                }                                                                                  \
                PK_STORE_ROW(0);                                                                   \
                PK_STORE_ROW(1);                                                                   \
                PK_STORE_ROW(2);                                                                   \
                PK_STORE_ROW(3);                                                                   \
            }                                                                                      \
            /* The last M % 4 rows one at a time, while the panel is still in cache. */            \
            for (size_t i = M4; i < M; i++) {                                                      \
                const uint8_t *a = A + i * K;                                                      \
                __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00;             \
                for (size_t k4 = 0; k4 < K4; k4++) {                                               \
                    __m512i w0 = _mm512_loadu_si512(p0 + 64 * k4),                                 \
                            w1 = _mm512_loadu_si512(p1 + 64 * k4);                                 \
                    __m512i w2 = _mm512_loadu_si512(p2 + 64 * k4),                                 \
                            w3 = _mm512_loadu_si512(p3 + 64 * k4);                                 \
                    PK_ROW(MAC, 0);                                                                \
                }                                                                                  \
                PK_STORE_ROW(0);                                                                   \
            }                                                                                      \
        }                                                                                          \
    }

#define PK_ARGS                                                                                    \
    const uint8_t *A, size_t M, size_t K, const int8_t *P, size_t N, size_t jb0, size_t jb1,       \
        const int32_t *perm, float unq, const float *pbias, float *C, size_t ldc

__attribute__((target(TJ_T512))) static void pk_panels_bw(PK_ARGS) PK_PANELS(MAC_BW)
    __attribute__((target(TJ_T512 ",avx512vnni"))) static void pk_panels_vnni(PK_ARGS)
        PK_PANELS(PK_MAC_VNNI)

    /* tj_gemm_i8_exact_column on 64 bytes at a time (it runs over every weight at model load): the
     * positive and the negated negative weights as unsigned bytes, summed in pairs by vpmaddubsw
     * against ones (at most 256: no saturation); a pair fails when either sum is above 129
     * (254 * 129 = 32766, 254 * 130 = 33020). Bytes past K read as zero, which pairs leave exact.
     */
    __attribute__((target(TJ_T512))) int tj_gemm_i8_exact_column_avx512(const int8_t *b, size_t K)
{
    const __m512i zero = _mm512_setzero_si512(), ones = _mm512_set1_epi8(1),
                  lim = _mm512_set1_epi16(129);
    for (size_t k = 0; k < K; k += 64) {
        size_t rem = K - k;
        __mmask64 m = rem >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << rem) - 1);
        __m512i v = _mm512_maskz_loadu_epi8(m, b + k);
        __m512i pos = _mm512_max_epi8(v, zero);
        __m512i neg = _mm512_abs_epi8(_mm512_min_epi8(v, zero)); /* -128 gives 0x80: 128 */
        __m512i ps = _mm512_maddubs_epi16(pos, ones), ns = _mm512_maddubs_epi16(neg, ones);
        if (_mm512_cmpgt_epi16_mask(ps, lim) | _mm512_cmpgt_epi16_mask(ns, lim)) return 0;
    }
    return 1;
}

int tj_cpu_has_avx512vnni(void)
{
    return tj_cpu_has_avx512bw() && __builtin_cpu_supports("avx512vnni");
}

int tj_cpu_has_avx512vbmi(void)
{
    return tj_cpu_has_avx512bw() && __builtin_cpu_supports("avx512vbmi");
}

/* Column sums at model load (every weight once): bytes xor 0x80 are the weights + 128 as unsigned
 * bytes, which vpsadbw against zero sums 8 at a time exactly into 64-bit lanes; the total less
 * 128 per byte is the signed sum. Bytes past K (masked loads) read 0x00 before the xor, so they
 * are excluded by loading them as 0x80 instead. With lo/hi, the bytes as loaded (before the xor)
 * also go through masked vpminsb/vpmaxsb, so the -128 that stands in for bytes past K changes
 * neither. One body for both entry points; each gets its own copy with lo/hi known. */
__attribute__((target(TJ_T512), always_inline)) static inline void
colsums_body(const int8_t *B, size_t N, size_t K, int32_t *sums, int8_t *lo, int8_t *hi)
{
    const __m512i flip = _mm512_set1_epi8((char)0x80), zero = _mm512_setzero_si512();
    __m512i vmin = _mm512_set1_epi8(lo ? *lo : 0), vmax = _mm512_set1_epi8(hi ? *hi : 0);
    for (size_t j = 0; j < N; j++) {
        const int8_t *b = B + j * K;
        __m512i acc = _mm512_setzero_si512();
        for (size_t k = 0; k < K; k += 64) {
            size_t rem = K - k;
            __mmask64 m = rem >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << rem) - 1);
            __m512i v = _mm512_mask_loadu_epi8(flip, m, b + k); /* past K: -128, i.e. 0 below */
            if (lo) {
                vmin = _mm512_mask_min_epi8(vmin, m, vmin, v);
                vmax = _mm512_mask_max_epi8(vmax, m, vmax, v);
            }
            acc = _mm512_add_epi64(acc, _mm512_sad_epu8(_mm512_xor_si512(v, flip), zero));
        }
        sums[j] = (int32_t)(_mm512_reduce_add_epi64(acc) - 128 * (long long)K);
    }
    if (!lo) return;
    int8_t mn[64], mx[64];
    _mm512_storeu_si512(mn, vmin);
    _mm512_storeu_si512(mx, vmax);
    for (int i = 0; i < 64; i++) {
        *lo = mn[i] < *lo ? mn[i] : *lo;
        *hi = mx[i] > *hi ? mx[i] : *hi;
    }
}

__attribute__((target(TJ_T512))) void tj_i8_colsums_avx512(const int8_t *B, size_t N, size_t K,
                                                           int32_t *sums)
{
    colsums_body(B, N, K, sums, NULL, NULL);
}

__attribute__((target(TJ_T512))) void tj_i8_colsums_range_avx512(const int8_t *B, size_t N,
                                                                 size_t K, int32_t *sums,
                                                                 int8_t *lo, int8_t *hi)
{
    colsums_body(B, N, K, sums, lo, hi);
}

/* tj_i8_map with two 128-entry halves of the table in four registers: vpermi2b picks from the
 * low or the high 64 entries of a half by bit 6 of the byte, and the byte's top bit picks the
 * half (a masked blend). */
__attribute__((target(TJ_T512 ",avx512vbmi"))) void
tj_i8_map_avx512vbmi(const int8_t *src, size_t n, const int8_t tab[256], int8_t *dst)
{
    const __m512i t0 = _mm512_loadu_si512(tab), t1 = _mm512_loadu_si512(tab + 64),
                  t2 = _mm512_loadu_si512(tab + 128), t3 = _mm512_loadu_si512(tab + 192);
    for (size_t i = 0; i < n; i += 64) {
        size_t rem = n - i;
        __mmask64 m = rem >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << rem) - 1);
        __m512i x = _mm512_maskz_loadu_epi8(m, src + i);
        __m512i lo = _mm512_permutex2var_epi8(t0, x, t1), hi = _mm512_permutex2var_epi8(t2, x, t3);
        __m512i y = _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi);
        _mm512_mask_storeu_epi8(dst + i, m, y);
    }
}

/* The exact panels [0, jv) and, with bound, the others through AMX when the CPU has it. Returns
 * where the AVX-512BW kernel takes over. */
static size_t packed_amx(const uint8_t *A, size_t M, size_t K, const int8_t *P, size_t N, size_t jv,
                         const uint8_t *bound, const int32_t *perm, float unq, const float *pbias,
                         float *C, size_t ldc)
{
    if (!tj_gemm_i8_amx_fits(K) || !tj_cpu_has_amx()) return 0;
    size_t j1 = bound && jv < N ? (N + 63) / 64 * 64 : jv;
    return j1 ? tj_gemm_i8_packed_amx(A, M, K, P, N, jv, j1, jv < j1 ? bound : NULL, perm, unq,
                                      pbias, C, ldc)
              : 0;
}

/* The packed product (nn/gemm_i8.h): panels wholly inside the first n_exact packed columns with
 * AMX or vpdpbusd, the rest with vpmaddubsw (or AMX's split). The int32 totals and the epilogue
 * (fmaf(float(S), unq, pbias)) are those of every other path, so the outputs are bit for bit the
 * same. */
void tj_gemm_i8_packed_avx512bw(const uint8_t *A, size_t M, size_t K, const int8_t *P, size_t N,
                                size_t n_exact, const uint8_t *bound, const int32_t *perm,
                                float unq, const float *pbias, float *C, size_t ldc)
{
    size_t jv = tj_gemm_i8_exact_end(n_exact, N);
    size_t ja = packed_amx(A, M, K, P, N, jv, bound, perm, unq, pbias, C, ldc);
    if (ja < jv) {
        pk_panels_vnni(A, M, K, P, N, ja, jv, perm, unq, pbias, C, ldc);
        ja = jv;
    }
    if (ja < N) pk_panels_bw(A, M, K, P, N, ja, N, perm, unq, pbias, C, ldc);
}

/* Row i of C holds the products in packed order (the exact columns, then the others); put them
 * back: for each 16 columns of the row, the exact ones expand from the next exact products, the
 * others from the next other products. The row is copied first (tmp, with 16 floats of slack
 * for the last unaligned loads). */
__attribute__((target(TJ_T512))) static void
unsplit_rows(size_t M, size_t N, size_t n_exact, const uint16_t *emask, float *C, size_t ldc)
{
    float tmp[TJ_SPLIT_MAX_N + 16];
    for (size_t i = 0; i < M; i++) {
        float *row = C + i * ldc;
        memcpy(tmp, row, N * sizeof *tmp);
        const float *pe = tmp, *po = tmp + n_exact;
        for (size_t j = 0; j < N; j += 16) {
            __mmask16 live = j + 16 <= N ? (__mmask16)0xffff : (__mmask16)((1u << (N - j)) - 1u);
            __mmask16 em = (__mmask16)(emask[j / 16] & live), om = (__mmask16)(~em & live);
            __m512 v = _mm512_maskz_expand_ps(em, _mm512_loadu_ps(pe));
            v = _mm512_mask_expand_ps(v, om, _mm512_loadu_ps(po));
            _mm512_mask_storeu_ps(row + j, live, v);
            pe += __builtin_popcount(em);
            po += __builtin_popcount(om);
        }
    }
}

void tj_gemm_i8_packed_split_avx512bw(const uint8_t *A, size_t M, size_t K, const int8_t *P,
                                      size_t N, size_t n_exact, const uint8_t *bound,
                                      const uint16_t *emask, float unq, const float *pbias,
                                      float *C, size_t ldc)
{
    tj_gemm_i8_packed_avx512bw(A, M, K, P, N, n_exact, bound, NULL, unq, pbias, C, ldc);
    unsplit_rows(M, N, n_exact, emask, C, ldc);
}

#else
int tj_cpu_has_avx512bw(void)
{
    return 0;
}
void tj_gemm_i8_avx512bw(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols,
                         size_t N, float unq, const float *pbias, float *C, size_t ldc)
{
    tj_gemm_i8_scalar(A, M, K, B, cols, N, unq, pbias, C, ldc);
}
int tj_cpu_has_avx512vnni(void)
{
    return 0;
}
int tj_cpu_has_avx512vbmi(void)
{
    return 0;
}
void tj_i8_colsums_avx512(const int8_t *B, size_t N, size_t K, int32_t *sums)
{
    tj_i8_colsums_scalar(B, N, K, sums);
}
void tj_i8_map_avx512vbmi(const int8_t *src, size_t n, const int8_t tab[256], int8_t *dst)
{
    tj_i8_map_scalar(src, n, tab, dst);
}
void tj_i8_colsums_range_avx512(const int8_t *B, size_t N, size_t K, int32_t *sums, int8_t *lo,
                                int8_t *hi)
{
    tj_i8_colsums_range_scalar(B, N, K, sums, lo, hi);
}
int tj_gemm_i8_exact_column_avx512(const int8_t *b, size_t K)
{
    return tj_gemm_i8_exact_column(b, K);
}
void tj_gemm_i8_pack_avx512(const int8_t *B, size_t K, size_t N, const int32_t *perm, int8_t *P)
{
    (void)B, (void)K, (void)N, (void)perm, (void)P;
}
void tj_gemm_i8_packed_split_avx512bw(const uint8_t *A, size_t M, size_t K, const int8_t *P,
                                      size_t N, size_t n_exact, const uint8_t *bound,
                                      const uint16_t *emask, float unq, const float *pbias,
                                      float *C, size_t ldc)
{
    (void)A, (void)M, (void)K, (void)P, (void)N, (void)n_exact, (void)bound, (void)emask, (void)unq,
        (void)pbias, (void)C, (void)ldc;
}
void tj_gemm_i8_packed_avx512bw(const uint8_t *A, size_t M, size_t K, const int8_t *P, size_t N,
                                size_t n_exact, const uint8_t *bound, const int32_t *perm,
                                float unq, const float *pbias, float *C, size_t ldc)
{
    (void)A, (void)M, (void)K, (void)P, (void)N, (void)n_exact, (void)bound, (void)perm, (void)unq,
        (void)pbias, (void)C, (void)ldc;
}
#endif
