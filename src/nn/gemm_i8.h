/* SPDX-License-Identifier: MIT */
/* int8 matrix products with intgemm's "shifted" arithmetic (Marian int8shiftAlphaAll), spec §5.11.
 *
 * A (activations, float) is quantised with a precomputed multiplier alpha to aq in [-127,127] and
 * shifted to au = aq + 127 in [0,254] (uint8). B (weights) is int8 stored [N][K]: each output
 * column's K weights contiguous, exactly as Marian files store them. The integer dot product is
 * formed the way AVX2's vpmaddubsw does it: products of adjacent k pairs summed into int16 with
 * saturation, then widened and summed exactly. The reference outputs were made on such a CPU, so
 * every path here (scalar and AVX2) reproduces that saturation bit for bit. */
#ifndef TJ_NN_GEMM_I8_H
#define TJ_NN_GEMM_I8_H

#include <stddef.h>
#include <stdint.h>

/* au[i] = clamp(rne(x[i]*alpha), -127, 127) + 127 for n values. */
void tj_quantize_shifted(const float *x, size_t n, float alpha, uint8_t *au);
/* Its two implementations (identical results; the AVX2 one only when tj_cpu_has_avx2()). */
void tj_quantize_shifted_scalar(const float *x, size_t n, float alpha, uint8_t *au);
void tj_quantize_shifted_avx2(const float *x, size_t n, float alpha, uint8_t *au);
/* tj_quantize_shifted of relu(x) (x > 0 ? x : 0, so NaN and -0 give +0), x left as it is: the
 * ReLU of a hidden layer fused into the next layer's quantisation, one pass instead of two. */
void tj_quantize_shifted_relu(const float *x, size_t n, float alpha, uint8_t *au);
void tj_quantize_shifted_relu_scalar(const float *x, size_t n, float alpha, uint8_t *au);
void tj_quantize_shifted_relu_avx2(const float *x, size_t n, float alpha, uint8_t *au);

/* C[i][j] = fma(float(S_ij), unq, pbias[j]) (intgemm's unquantise-and-add-bias, fused as Marian's
 * -march=native build fuses it) for i < M, j < N, where
 * S_ij = sum_m sat16(au[i][2m]*b[col_j][2m] + au[i][2m+1]*b[col_j][2m+1]) and
 * col_j = cols ? cols[j] : j. K must be a multiple of 32. A rows are K bytes apart, B rows K bytes
 * apart, C rows ldc floats apart. */
void tj_gemm_i8(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols, size_t N,
                float unq, const float *pbias, float *C, size_t ldc);

/* The two implementations behind tj_gemm_i8 (which picks AVX2 when the CPU has it); exposed so
 * tests can check they agree. tj_gemm_i8_avx2 must only be called when tj_cpu_has_avx2() (AVX2 and
 * FMA). */
void tj_gemm_i8_scalar(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols,
                       size_t N, float unq, const float *pbias, float *C, size_t ldc);
void tj_gemm_i8_avx2(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols,
                     size_t N, float unq, const float *pbias, float *C, size_t ldc);
int tj_cpu_has_avx2(void);
/* The AVX-512BW kernel (nn/gemm_i8_avx512.c): the same bits on 64 bytes per instruction. Call
 * only when tj_cpu_has_avx512bw() (which also requires tj_cpu_has_avx2()). tj_gemm_i8 picks the
 * widest path the CPU has: AVX-512BW, else AVX2, else scalar. */
void tj_gemm_i8_avx512bw(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols,
                         size_t N, float unq, const float *pbias, float *C, size_t ldc);
int tj_cpu_has_avx512bw(void);

/* Weights packed for the AVX-512BW kernel (packed at model load): 16 output columns side by side
 * in 4-byte steps of k, so that one vector holds k..k+3 of 16 columns. With a column order perm
 * (NULL: 0, 1, ...), P[(j/16)*16*K + (k/4)*64 + (j%16)*4 + k%4] = B[perm[j]][k] for packed
 * positions j < N; positions up to N rounded up to a multiple of 64 are zero.
 * tj_gemm_i8_packed_size gives the bytes P needs. N * K must be below 2^31. */
size_t tj_gemm_i8_packed_size(size_t K, size_t N);
void tj_gemm_i8_pack(const int8_t *B, size_t K, size_t N, const int32_t *perm, int8_t *P);
/* Its two implementations (the same bytes); the AVX-512 one only when tj_cpu_has_avx512bw(). */
void tj_gemm_i8_pack_scalar(const int8_t *B, size_t K, size_t N, const int32_t *perm, int8_t *P);
void tj_gemm_i8_pack_avx512(const int8_t *B, size_t K, size_t N, const int32_t *perm, int8_t *P);

/* 1 when no activations can saturate a pair of column b (K weights): for every pair k, k+1,
 * 254 * (positive weights) <= 32767 and 254 * (negative weights, negated) <= 32768. On such a
 * column, vpmaddubsw's saturated pair sums equal the exact products, so VNNI's vpdpbusd (4
 * products summed exactly) gives the same total: a property of the weights alone. */
int tj_gemm_i8_exact_column(const int8_t *b, size_t K);
/* The same answer with AVX-512BW; only when tj_cpu_has_avx512bw(). */
int tj_gemm_i8_exact_column_avx512(const int8_t *b, size_t K);
/* A packing order for VNNI over the columns cols[0..N) of B (ascending; NULL: 0..N-1): perm gets
 * the exact ones first (in order), then the others; returns how many are exact. */
size_t tj_gemm_i8_exact_order(const int8_t *B, size_t K, const int32_t *cols, size_t N,
                              int32_t *perm);
/* AVX-512 VNNI (vpdpbusd) on top of AVX-512BW. */
int tj_cpu_has_avx512vnni(void);

/* tj_gemm_i8 (cols NULL) from the packed P: the same bits. Packed positions below n_exact must be
 * exact columns (tj_gemm_i8_exact_column); 64-column panels wholly among them run with vpdpbusd,
 * and n_exact > 0 requires tj_cpu_has_avx512vnni(). perm as packed (NULL: none); pbias is in
 * packed order (pbias[j] for column perm[j]); C is in the columns' own order. With AMX
 * (tj_cpu_has_amx) the exact panels run in tj_gemm_i8_packed_amx, and so do the others when bound
 * (tj_gemm_i8_amx_bound for the first packed position after the exact panels) is not NULL.
 * Call only when tj_cpu_has_avx512bw(). */
void tj_gemm_i8_packed_avx512bw(const uint8_t *A, size_t M, size_t K, const int8_t *P, size_t N,
                                size_t n_exact, const uint8_t *bound, const int32_t *perm,
                                float unq, const float *pbias, float *C, size_t ldc);

/* tj_gemm_i8_packed_avx512bw for the column order of tj_gemm_i8_exact_order (the exact columns
 * in ascending order, then the others in ascending order), given as emask: bit c % 16 of
 * emask[c / 16] set when column c is among the first n_exact packed positions. The products are
 * stored in packed order and each row is then put back in the columns' order by two expands per
 * 16 columns, instead of scattered stores. Same bits. N <= TJ_SPLIT_MAX_N (the row is copied on
 * the stack). Call only when tj_cpu_has_avx512bw(). */
#define TJ_SPLIT_MAX_N 4096
void tj_gemm_i8_packed_split_avx512bw(const uint8_t *A, size_t M, size_t K, const int8_t *P,
                                      size_t N, size_t n_exact, const uint8_t *bound,
                                      const uint16_t *emask, float unq, const float *pbias,
                                      float *C, size_t ldc);

/* Intel AMX (tdpbusd: 16 rows x 16 columns x 64 of k per instruction, each four products added
 * exactly, no int16 saturation): on Linux, with the tile state granted to the process (asked
 * once, at the first call). Implies tj_cpu_has_avx512vnni(). */
int tj_cpu_has_amx(void);
/* The largest K the AMX product takes (its row block's split is on the stack). */
#define TJ_AMX_MAX_K 2048
/* 1 when tj_gemm_i8_packed_amx takes this K: a whole number of 64-byte tile rows, at most
 * TJ_AMX_MAX_K. */
static inline int tj_gemm_i8_amx_fits(size_t K)
{
    return K && K % 64 == 0 && K <= TJ_AMX_MAX_K;
}
/* Where the packed product's exact panels end (the first packed position after them): all of N
 * (rounded up to a panel) when every column is exact, else the whole 64-column panels among the
 * n_exact leading exact columns. */
static inline size_t tj_gemm_i8_exact_end(size_t n_exact, size_t N)
{
    return n_exact >= N ? (N + 63) / 64 * 64 : n_exact / 64 * 64;
}
/* For the AMX product of packed positions [jv, N) of P: bound[k] the largest weight of row k
 * (0 if none is positive), bound[K + k] the largest negated one (0..128); 2K bytes. */
void tj_gemm_i8_amx_bound(const int8_t *P, size_t K, size_t N, size_t jv, uint8_t *bound);
/* The packed product of packed positions [0, j1) (multiples of 64; N the real column count,
 * positions at or past it are not stored) with AMX, the same bits as tj_gemm_i8_packed_avx512bw:
 * [0, jv) must be exact columns (tdpbusd's exact sums are the saturated pairs' there); on
 * [jv, j1) each row's pairs that some column could saturate (from bound, tj_gemm_i8_amx_bound
 * for jv) are taken out of the tiles' input and added with vpmaddubsw's saturation, so every
 * int32 total is the scalar definition's. 64 <= K <= TJ_AMX_MAX_K, K % 64 == 0. Call only when
 * tj_cpu_has_amx(). */
size_t tj_gemm_i8_packed_amx(const uint8_t *A, size_t M, size_t K, const int8_t *P, size_t N,
                             size_t jv, size_t j1, const uint8_t *bound, const int32_t *perm,
                             float unq, const float *pbias, float *C, size_t ldc);

/* A model matrix's packed form (all NULL/0 when it has none). */
typedef struct tj_packed {
    const int8_t *w;       /* tj_gemm_i8_pack's P */
    const int32_t *perm;   /* its column order, or NULL */
    const float *pbias;    /* the prepared bias in packed order when perm, else NULL */
    size_t n_exact;        /* leading exact columns for VNNI (0: none) */
    const uint16_t *emask; /* with perm from tj_gemm_i8_exact_order: the exact columns, as in
                              tj_gemm_i8_packed_split_avx512bw; else NULL */
    const uint8_t *bound;  /* with AMX: tj_gemm_i8_amx_bound of the columns after the exact
                              panels, or NULL */
} tj_packed;

/* The product of a model's weight matrix: from the packed form when pk->w is not NULL (then the
 * CPU has AVX-512BW), else tj_gemm_i8 on B. */
void tj_gemm_i8_w(const uint8_t *A, size_t M, size_t K, const int8_t *B, const tj_packed *pk,
                  size_t N, float unq, const float *pbias, float *C, size_t ldc);

/* Column sums of B rows (sum over k of b[j][k]) for the bias correction. */
void tj_i8_colsums(const int8_t *B, size_t N, size_t K, int32_t *sums);
/* Its two implementations (the same sums); the AVX-512 one only when tj_cpu_has_avx512bw(). */
void tj_i8_colsums_scalar(const int8_t *B, size_t N, size_t K, int32_t *sums);
void tj_i8_colsums_avx512(const int8_t *B, size_t N, size_t K, int32_t *sums);
/* tj_i8_colsums and, in the same pass, the range of B's values: *lo is lowered to the smallest,
 * *hi raised to the largest (the caller starts them, e.g. both at 0, and may carry them over
 * consecutive blocks of rows). One read of the output matrix at load for both. */
void tj_i8_colsums_range(const int8_t *B, size_t N, size_t K, int32_t *sums, int8_t *lo,
                         int8_t *hi);
/* Its two implementations (the same results); the AVX-512 one only when tj_cpu_has_avx512bw(). */
void tj_i8_colsums_range_scalar(const int8_t *B, size_t N, size_t K, int32_t *sums, int8_t *lo,
                                int8_t *hi);
void tj_i8_colsums_range_avx512(const int8_t *B, size_t N, size_t K, int32_t *sums, int8_t *lo,
                                int8_t *hi);

/* dst[i] = tab[(uint8_t)src[i]] for n bytes (a byte-to-byte table, e.g. a re-quantisation). */
void tj_i8_map(const int8_t *src, size_t n, const int8_t tab[256], int8_t *dst);
/* Its two implementations; the AVX-512 one (vpermi2b) only when tj_cpu_has_avx512vbmi(). */
void tj_i8_map_scalar(const int8_t *src, size_t n, const int8_t tab[256], int8_t *dst);
void tj_i8_map_avx512vbmi(const int8_t *src, size_t n, const int8_t tab[256], int8_t *dst);
/* AVX-512 VBMI on top of AVX-512BW. */
int tj_cpu_has_avx512vbmi(void);

#endif
