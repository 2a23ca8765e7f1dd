/* SPDX-License-Identifier: MIT */
/* The two 512-bit pieces every packed int8 kernel shares (nn/gemm_i8_avx512.c, nn/gemm_i8_amx.c):
 * the saturated pair sums of the reference arithmetic, and the epilogue that turns 16 int32 totals
 * into outputs. One definition, so that every kernel's bits are the same by construction.
 * Include only inside an x86-64 GCC/clang section, after <immintrin.h>. */
#ifndef TJ_NN_GEMM_I8_512_H
#define TJ_NN_GEMM_I8_512_H

#include <stddef.h>
#include <stdint.h>

#define TJ_T512 "avx2,fma,avx512f,avx512bw"

/* acc + the widened pair sums of vpmaddubsw(a, b): each pair a[k]*b[k] + a[k+1]*b[k+1] saturated
 * to int16 (the reference's intgemm), then pairs of those added exactly into int32 (ones: 16-bit
 * ones). */
__attribute__((target(TJ_T512), always_inline)) static inline __m512i
tj_i8_mac_pairs(__m512i acc, __m512i a, __m512i b, __m512i ones)
{
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(a, b), ones));
}

/* The 16 totals s of packed positions j.. of a row to row: fmaf(float(S), unq, pbias) (vunq: unq
 * in every lane; pbias in packed order), position j holding column perm[j] (j itself without
 * perm); positions at or past N are not stored. */
__attribute__((target(TJ_T512), always_inline)) static inline void
tj_i8_store16(__m512i s, size_t j, size_t N, const int32_t *perm, __m512 vunq, const float *pbias,
              float *row)
{
    if (j >= N) return;
    __mmask16 m = j + 16 <= N ? (__mmask16)0xffff : (__mmask16)((1u << (N - j)) - 1u);
    __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), vunq, _mm512_maskz_loadu_ps(m, pbias + j));
    if (perm)
        _mm512_mask_i32scatter_ps(row, m, _mm512_maskz_loadu_epi32(m, perm + j), v, 4);
    else
        _mm512_mask_storeu_ps(row + j, m, v);
}

#endif
