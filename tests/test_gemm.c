/* SPDX-License-Identifier: MIT */
/* int8 GEMM: hand-computed products, the vpmaddubsw pair saturation, and agreement of the
 * scalar and AVX2 paths on random data; the float product against in-order fmaf, both paths;
 * the softmax paths and the layer norm against Marian's computation written out. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gemm_f32.h"
#include "nn/gemm_i8.h"
#include "nn/ops.h"

#include "check.h"

static void test_quantize(void)
{
    float x[] = {0.0f, 1.0f, -1.0f, 0.5f, 1.5f, 2.5f, -2.5f, 1000.0f, -1000.0f, NAN};
    uint8_t q[10];
    tj_quantize_shifted(x, 10, 1.0f, q);
    /* rne: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -2.5 -> -2; clamp to +-127; NaN -> -127. Then +127. */
    int want[] = {127, 128, 126, 127, 129, 129, 125, 254, 0, 0};
    for (int i = 0; i < 10; i++)
        CHECK(q[i] == want[i], "quantize[%d] = %d, want %d", i, q[i], want[i]);
}

static void test_saturation(void)
{
    /* K = 32: a = 254 everywhere, b = 127 everywhere: each pair 2*254*127 = 64516 saturates to
     * 32767, 16 pairs -> 524272. Exact would be 1032256. */
    uint8_t a[32];
    int8_t b[32];
    memset(a, 254, sizeof a);
    memset(b, 127, sizeof b);
    float pb = 0.0f, c = 0.0f;
    tj_gemm_i8_scalar(a, 1, 32, b, NULL, 1, 1.0f, &pb, &c, 1);
    CHECK(c == 524272.0f, "scalar saturated sum %g", c);
    if (tj_cpu_has_avx2()) {
        tj_gemm_i8_avx2(a, 1, 32, b, NULL, 1, 1.0f, &pb, &c, 1);
        CHECK(c == 524272.0f, "avx2 saturated sum %g", c);
    }
    if (tj_cpu_has_avx512bw()) {
        c = 0.0f;
        tj_gemm_i8_avx512bw(a, 1, 32, b, NULL, 1, 1.0f, &pb, &c, 1);
        CHECK(c == 524272.0f, "avx512bw saturated sum %g", c);
    }
    /* Mixed signs within a pair do not saturate: 254*127 + 254*(-127) = 0. */
    for (int k = 0; k < 32; k += 2) b[k + 1] = -127;
    tj_gemm_i8_scalar(a, 1, 32, b, NULL, 1, 1.0f, &pb, &c, 1);
    CHECK(c == 0.0f, "mixed pair sum %g", c);
    /* A small exact case: a = 1..32, b = 1 -> 528; with unq 0.5 and bias 1 -> 265. */
    for (int k = 0; k < 32; k++) a[k] = (uint8_t)(k + 1), b[k] = 1;
    pb = 1.0f;
    tj_gemm_i8_scalar(a, 1, 32, b, NULL, 1, 0.5f, &pb, &c, 1);
    CHECK(c == 265.0f, "small product %g", c);
}

static void test_agreement(void)
{
    if (!tj_cpu_has_avx2()) {
        printf("note: no AVX2 on this CPU, agreement test skipped\n");
        return;
    }
    srand(7);
    /* Row pairs and an odd row, groups of four columns and single ones, with and without a
     * column list. */
    size_t K = 256, N = 37;
    static const size_t Ms[] = {1, 2, 5};
    uint8_t *a = malloc(5 * K);
    int8_t *b = malloc(N * K);
    float *pb = malloc(N * sizeof *pb), *c1 = malloc(5 * N * 4), *c2 = malloc(5 * N * 4);
    int cols[37];
    for (size_t i = 0; i < 5 * K; i++) a[i] = (uint8_t)(rand() % 255);
    for (size_t i = 0; i < N * K; i++) b[i] = (int8_t)(rand() % 255 - 127);
    for (size_t j = 0; j < N; j++)
        pb[j] = (float)(rand() % 1000) / 7.0f, cols[j] = (int)(N - 1 - j);
    for (size_t mi = 0; mi < 3; mi++)
        for (int use_cols = 0; use_cols < 2; use_cols++) {
            size_t M = Ms[mi];
            tj_gemm_i8_scalar(a, M, K, b, use_cols ? cols : NULL, N, 0.0123f, pb, c1, N);
            tj_gemm_i8_avx2(a, M, K, b, use_cols ? cols : NULL, N, 0.0123f, pb, c2, N);
            CHECK(memcmp(c1, c2, M * N * 4) == 0, "scalar and AVX2 results differ (M=%zu%s)", M,
                  use_cols ? ", cols" : "");
        }
    free(a), free(b), free(pb), free(c1), free(c2);
}

/* Every kernel against the scalar one, bit for bit: 4x4 blocks, leftover rows (M % 4) and columns
 * (N % 4), K a multiple of 64 and K % 64 == 32 (the 512-bit tail), column lists, and data that
 * saturates the int16 pair sums often (large a and b of one sign) mixed with random data. */
static void test_agreement_all(void)
{
    typedef void (*kern)(const uint8_t *, size_t, size_t, const int8_t *, const int *, size_t,
                         float, const float *, float *, size_t);
    kern ks[2] = {tj_gemm_i8_avx2, tj_gemm_i8_avx512bw};
    int have[2] = {tj_cpu_has_avx2(), tj_cpu_has_avx512bw()};
    static const char *names[2] = {"AVX2", "AVX-512BW"};
    for (int q = 0; q < 2; q++)
        if (!have[q]) printf("note: no %s on this CPU, its agreement test skipped\n", names[q]);
    static const size_t Ks[] = {32, 64, 96, 256, 288, 1536};
    static const size_t Ms[] = {1, 3, 4, 5, 8, 11};
    size_t N = 23, maxK = 1536, maxM = 11;
    uint8_t *a = malloc(maxM * maxK);
    int8_t *b = malloc(N * maxK);
    float *pb = malloc(N * sizeof *pb), *c1 = malloc(maxM * N * 4), *c2 = malloc(maxM * N * 4);
    int cols[23];
    srand(11);
    for (size_t j = 0; j < N; j++)
        pb[j] = (float)(rand() % 2000 - 1000) / 7.0f, cols[j] = (int)((j * 7) % N);
    for (int sat = 0; sat < 2; sat++) {
        for (size_t i = 0; i < maxM * maxK; i++)
            a[i] = (uint8_t)(sat && rand() % 2 ? 200 + rand() % 55 : rand() % 255);
        for (size_t i = 0; i < N * maxK; i++)
            b[i] = (int8_t)(sat && rand() % 2 ? 100 + rand() % 28 : rand() % 255 - 127);
        for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
            for (size_t mi = 0; mi < sizeof Ms / sizeof *Ms; mi++)
                for (int use_cols = 0; use_cols < 2; use_cols++) {
                    size_t K = Ks[ki], M = Ms[mi];
                    const int *cl = use_cols ? cols : NULL;
                    tj_gemm_i8_scalar(a, M, K, b, cl, N, 0.0123f, pb, c1, N);
                    for (int q = 0; q < 2; q++) {
                        if (!have[q]) continue;
                        memset(c2, 0xff, M * N * 4);
                        ks[q](a, M, K, b, cl, N, 0.0123f, pb, c2, N);
                        CHECK(memcmp(c1, c2, M * N * 4) == 0,
                              "scalar and %s results differ (M=%zu K=%zu%s%s)", names[q], M, K,
                              use_cols ? ", cols" : "", sat ? ", saturating" : "");
                    }
                }
    }
    free(a), free(b), free(pb), free(c1), free(c2);
}

/* The SSRU cell: the dispatched path (AVX2 on 8-lane rows) against the portable one and against
 * the formula written out with fmaf, bit for bit, over gates that reach exp's clamps. */
static void test_ssru_cell(void)
{
    enum { N = 256 };
    float g[N], u1[N], u2[N], c1[N], c2[N], y[N], uw[N], cw[N];
    srand(5);
    for (int i = 0; i < N; i++) {
        g[i] = (float)(rand() % 20001 - 10000) / (i % 7 == 0 ? 50.0f : 2000.0f);
        u1[i] = u2[i] = uw[i] = (float)(rand() % 2001 - 1000) / 300.0f;
        c1[i] = c2[i] = cw[i] = (float)(rand() % 2001 - 1000) / 250.0f;
        y[i] = (float)(rand() % 2001 - 1000) / 400.0f;
    }
    for (int i = 0; i < N; i++) {
        float e = tj_exp_cephes(g[i]), f = e / (1.0f + e);
        float cn = fmaf(1.0f - f, uw[i], f * cw[i]);
        cw[i] = cn;
        uw[i] = (cn > 0.0f ? cn : 0.0f) + y[i];
    }
    tj_ssru_cell(g, u1, c1, y, N);
    tj_ssru_cell_portable(g, u2, c2, y, N);
    CHECK(memcmp(c1, cw, sizeof c1) == 0 && memcmp(u1, uw, sizeof u1) == 0,
          "SSRU cell differs from the written-out computation");
    CHECK(memcmp(c2, cw, sizeof c2) == 0 && memcmp(u2, uw, sizeof u2) == 0,
          "portable SSRU cell differs from the written-out computation");
}

static void test_exp(void)
{
    /* The Cephes approximation is within a few ulp of expf over the softmax range. */
    for (float x = -80.0f; x <= 80.0f; x += 0.37f) {
        float e = tj_exp_cephes(x), r = expf(x);
        CHECK(fabsf(e - r) <= 4e-7f * r, "exp(%g) = %g vs %g", x, e, r);
    }
    float row[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    tj_softmax_rows(row, 1, 8);
    float s = 0;
    for (int i = 0; i < 8; i++) s += row[i];
    CHECK(fabsf(s - 1.0f) < 1e-6f, "softmax sums to %g", s);
}

/* tj_expf_rows_avx2 must give libm's expf bits (the plain-float softmax rows use it in place of
 * expf when tj_cpu_has_avx2()): every 61st float of the softmax range [-88, 0] (each
 * exponent and many mantissas), its ends, the special cases and values beyond the range that go
 * to libm itself. An exhaustive sweep of [-88, 0] (1.1e9 floats) passed when it was written. */
static void test_expf_rows_with(void (*expf_rows)(const float *, size_t, float *),
                                const char *name);
static void test_expf_rows(void)
{
    if (!tj_cpu_has_avx2()) {
        printf("test_gemm: no AVX2+FMA, vectorised expf not checked\n");
        return;
    }
    test_expf_rows_with(tj_expf_rows_avx2, "AVX2");
    if (tj_cpu_has_avx512bw())
        test_expf_rows_with(tj_expf_rows_avx512, "AVX-512");
    else
        printf("test_gemm: no AVX-512, its expf not checked\n");
}

static void test_expf_rows_with(void (*expf_rows)(const float *, size_t, float *), const char *name)
{
    enum { CH = 4096 };
    static float x[CH], y[CH];
    size_t n = 0, bad = 0, tested = 0;
    uint32_t lo = 0x80000000u, hi = 0xc2b00000u; /* -0 .. -88 */
    for (uint64_t u = lo; u <= hi; u += 61) {
        uint32_t b = (uint32_t)u;
        memcpy(&x[n++], &b, sizeof b);
        if (n == CH || u + 61 > hi) {
            expf_rows(x, n, y);
            for (size_t i = 0; i < n; i++) {
                float w = expf(x[i]);
                bad += memcmp(&w, &y[i], sizeof w) != 0;
            }
            tested += n;
            n = 0;
        }
    }
    static const float special[] = {0.0f,      -0.0f,   -88.0f,  -87.99f,  -88.5f,
                                    -103.9f,   -104.0f, -200.f,  1.0f,     88.0f,
                                    88.72f,    89.0f,   -1e-30f, -1e-45f,  INFINITY,
                                    -INFINITY, NAN,     0.5f,    -0.3466f, -3.4657359f};
    size_t ns = sizeof special / sizeof *special;
    expf_rows(special, ns, y);
    for (size_t i = 0; i < ns; i++) {
        float w = expf(special[i]);
        int same = isnan(w) ? isnan(y[i]) : memcmp(&w, &y[i], sizeof w) == 0;
        CHECK(same, "%s expf(%a) = %a, libm %a", name, special[i], y[i], w);
    }
    CHECK(bad == 0, "%s expf differs from libm on %zu of %zu values", name, bad, tested);
}

/* The packed AVX-512BW kernel (weights re-laid at model load) must give the scalar kernel's bits
 * on every shape: row counts around its 4-row blocks, column counts around its 16- and 64-column
 * blocks (masked stores), K from one 32-byte step up. Uniform data saturate ~3.5 % of the pairs.
 * With VNNI, the same again with the columns ordered exact-first (tj_gemm_i8_exact_order) and
 * the exact panels on vpdpbusd; there, a quarter of the columns get weights that can saturate
 * and the activations include all-254 rows, which saturate every pair that can. */
/* The packed tests' exact-first order: perm and the bias in packed order (pbp) from B's exact
 * columns; returns how many are exact. */
static size_t exact_first(const int8_t *B, size_t K, size_t N, const float *pb, int32_t *perm,
                          float *pbp)
{
    size_t n_exact = tj_gemm_i8_exact_order(B, K, NULL, N, perm);
    for (size_t j = 0; j < N; j++) pbp[j] = pb[perm[j]];
    return n_exact;
}

static void test_packed(void)
{
    if (!tj_cpu_has_avx512bw()) {
        printf("test_gemm: no AVX-512BW, packed kernel not checked\n");
        return;
    }
    int vnni = tj_cpu_has_avx512vnni();
    if (!vnni) printf("test_gemm: no AVX-512 VNNI, exact VNNI panels not checked\n");
    static const size_t Ms[] = {1, 3, 4, 5, 7, 16, 37}, Ns[] = {16, 40, 64, 100, 256, 300},
                        Ks[] = {32, 64, 96, 256, 1536};
    size_t n_vnni_panels = 0;
    for (int mode = 0; mode < 1 + vnni; mode++)
        for (size_t a = 0; a < sizeof Ms / sizeof *Ms; a++)
            for (size_t b = 0; b < sizeof Ns / sizeof *Ns; b++)
                for (size_t c = 0; c < sizeof Ks / sizeof *Ks; c++) {
                    size_t M = Ms[a], N = Ns[b], K = Ks[c], ldc = N + 3;
                    size_t psz = tj_gemm_i8_packed_size(K, N);
                    uint8_t *A = malloc(M * K);
                    int8_t *B = malloc(N * K), *P = malloc(psz), *P2 = malloc(psz);
                    int32_t *perm = malloc(N * sizeof *perm);
                    float *pb = malloc(N * sizeof *pb), *pbp = malloc(N * sizeof *pbp),
                          *c1 = calloc(M * ldc, sizeof *c1), *c2 = calloc(M * ldc, sizeof *c2);
                    for (size_t i = 0; i < M * K; i++)
                        A[i] = (uint8_t)(i / K % 3 == 1 ? 254 : rand() % 255);
                    for (size_t j = 0; j < N; j++)
                        for (size_t k = 0; k < K; k++)
                            B[j * K + k] = (int8_t)(mode == 0 || j % 4 == 1 ? rand() % 255 - 127
                                                                            : rand() % 129 - 64);
                    for (size_t j = 0; j < N; j++) pb[j] = 0.25f * (float)(rand() % 1000 - 500);
                    size_t n_exact = 0;
                    const int32_t *pm = NULL;
                    if (mode == 1) {
                        n_exact = exact_first(B, K, N, pb, perm, pbp);
                        pm = perm;
                        if (n_exact >= 64 || n_exact == N) n_vnni_panels++;
                    }
                    tj_gemm_i8_pack_scalar(B, K, N, pm, P2);
                    tj_gemm_i8_pack(B, K, N, pm, P);
                    CHECK(memcmp(P, P2, psz) == 0,
                          "AVX-512 packing differs from the scalar packing (K=%zu N=%zu)", K, N);
                    tj_gemm_i8_scalar(A, M, K, B, NULL, N, 0.0123f, pb, c1, ldc);
                    tj_gemm_i8_packed_avx512bw(A, M, K, P, N, n_exact, NULL, pm, 0.0123f,
                                               pm ? pbp : pb, c2, ldc);
                    CHECK(memcmp(c1, c2, M * ldc * sizeof *c1) == 0,
                          "packed kernel differs from scalar (M=%zu K=%zu N=%zu, %s)", M, K, N,
                          mode ? "VNNI order" : "file order");
                    if (mode == 1) {
                        /* The same order given as a mask of the exact columns. */
                        uint16_t *em = calloc((N + 15) / 16, sizeof *em);
                        for (size_t j = 0; j < n_exact; j++)
                            em[perm[j] / 16] |= (uint16_t)(1u << (perm[j] % 16));
                        memset(c2, 0, M * ldc * sizeof *c2);
                        tj_gemm_i8_packed_split_avx512bw(A, M, K, P, N, n_exact, NULL, em, 0.0123f,
                                                         pbp, c2, ldc);
                        CHECK(memcmp(c1, c2, M * ldc * sizeof *c1) == 0,
                              "split packed kernel differs from scalar (M=%zu K=%zu N=%zu)", M, K,
                              N);
                        free(em);
                    }
                    free(A), free(B), free(P), free(P2), free(perm), free(pb), free(pbp);
                    free(c1), free(c2);
                }
    if (vnni) CHECK(n_vnni_panels > 0, "no shape ran VNNI panels");
}

/* The AMX path (tj_gemm_i8_packed_amx through tj_gemm_i8_packed_avx512bw with a bound): equal to
 * the scalar kernel for activations that make few pairs hot (the split: AMX on the cold pairs,
 * vpmaddubsw on the hot ones) and many (the AVX-512BW kernel takes the columns after the exact
 * panels), in the file's order and with exact columns first; and the split ran on products whose
 * scalar result differs from the exact one (pairs that really saturate). */
static void test_amx(void)
{
    if (!tj_cpu_has_amx()) {
        printf("test_gemm: no AMX, AMX product not checked\n");
        return;
    }
    static const size_t Ms[] = {1, 3, 15, 16, 17, 40}, Ns[] = {16, 40, 64, 100, 256, 300},
                        Ks[] = {64, 256, 1536, 2048};
    size_t n_split = 0, n_dense = 0, n_saturated_split = 0;
    for (int mode = 0; mode < 2; mode++)
        for (int spikes = 0; spikes < 2; spikes++)
            for (size_t a = 0; a < sizeof Ms / sizeof *Ms; a++)
                for (size_t b = 0; b < sizeof Ns / sizeof *Ns; b++)
                    for (size_t c = 0; c < sizeof Ks / sizeof *Ks; c++) {
                        size_t M = Ms[a], N = Ns[b], K = Ks[c], ldc = N + 3;
                        size_t psz = tj_gemm_i8_packed_size(K, N);
                        uint8_t *A = malloc(M * K), *bound = malloc(2 * K);
                        int8_t *B = malloc(N * K), *P = malloc(psz);
                        int32_t *perm = malloc(N * sizeof *perm);
                        float *pb = malloc(N * sizeof *pb), *pbp = malloc(N * sizeof *pbp),
                              *c1 = calloc(M * ldc, sizeof *c1), *c2 = calloc(M * ldc, sizeof *c2);
                        /* Activations near the shift (127) with a few at the top (spikes: 3 %
                         * or 40 %), as trained layers give; weights full range, or half of the
                         * columns small (exact) in mode 1. */
                        int pct = spikes ? 40 : 3;
                        for (size_t i = 0; i < M * K; i++)
                            A[i] = (uint8_t)(rand() % 100 < pct ? 230 + rand() % 25
                                                                : 107 + rand() % 41);
                        for (size_t j = 0; j < N; j++)
                            for (size_t k = 0; k < K; k++)
                                B[j * K + k] = (int8_t)(mode == 0 || j % 2 ? rand() % 256 - 128
                                                                           : rand() % 129 - 64);
                        for (size_t j = 0; j < N; j++) pb[j] = 0.25f * (float)(rand() % 1000 - 500);
                        size_t n_exact = 0;
                        const int32_t *pm = NULL;
                        if (mode == 1) {
                            n_exact = exact_first(B, K, N, pb, perm, pbp);
                            pm = perm;
                        }
                        tj_gemm_i8_pack(B, K, N, pm, P);
                        size_t jv = tj_gemm_i8_exact_end(n_exact, N);
                        tj_gemm_i8_amx_bound(P, K, N, jv, bound);
                        tj_gemm_i8_scalar(A, M, K, B, NULL, N, 0.0123f, pb, c1, ldc);
                        tj_gemm_i8_packed_avx512bw(A, M, K, P, N, n_exact, bound, pm, 0.0123f,
                                                   pm ? pbp : pb, c2, ldc);
                        CHECK(memcmp(c1, c2, M * ldc * sizeof *c1) == 0,
                              "AMX product differs from scalar (M=%zu K=%zu N=%zu, %s, %d %%)", M,
                              K, N, mode ? "exact first" : "file order", pct);
                        if (mode == 1) {
                            uint16_t *em = calloc((N + 15) / 16, sizeof *em);
                            for (size_t j = 0; j < n_exact; j++)
                                em[perm[j] / 16] |= (uint16_t)(1u << (perm[j] % 16));
                            memset(c2, 0, M * ldc * sizeof *c2);
                            tj_gemm_i8_packed_split_avx512bw(A, M, K, P, N, n_exact, bound, em,
                                                             0.0123f, pbp, c2, ldc);
                            CHECK(memcmp(c1, c2, M * ldc * sizeof *c1) == 0,
                                  "AMX split-order product differs from scalar (M=%zu K=%zu "
                                  "N=%zu)",
                                  M, K, N);
                            free(em);
                        }
                        /* Which way the columns after the exact panels went, and whether any
                         * pair saturated (the scalar sums differ from the exact ones). */
                        if (jv < N) {
                            size_t j1 = (N + 63) / 64 * 64;
                            size_t got = tj_gemm_i8_packed_amx(A, M, K, P, N, jv, j1, bound, pm,
                                                               0.0123f, pm ? pbp : pb, c2, ldc);
                            int sat = 0;
                            for (size_t i = 0; i < M && !sat; i++)
                                for (size_t j = 0; j < N && !sat; j++) {
                                    long exact = 0, pairs = 0;
                                    for (size_t k = 0; k < K; k += 2) {
                                        long p = (long)A[i * K + k] * B[j * K + k] +
                                                 (long)A[i * K + k + 1] * B[j * K + k + 1];
                                        exact += p;
                                        pairs += p > 32767 ? 32767 : p < -32768 ? -32768 : p;
                                    }
                                    sat = exact != pairs;
                                }
                            if (got == j1) {
                                n_split++;
                                n_saturated_split += (size_t)sat;
                            } else {
                                n_dense++;
                            }
                        }
                        free(A), free(bound), free(B), free(P), free(perm), free(pb), free(pbp);
                        free(c1), free(c2);
                    }
    CHECK(n_split > 0 && n_dense > 0, "AMX: split %zu, dense %zu: both ways not covered", n_split,
          n_dense);
    CHECK(n_saturated_split > 0, "AMX: no split product had a saturating pair");
    printf("test_gemm: AMX: %zu split (%zu with saturating pairs), %zu dense\n", n_split,
           n_saturated_split, n_dense);
}

/* tj_gemm_i8_exact_column against its definition's boundaries: a pair whose positive weights
 * sum to 129 can reach 254 * 129 = 32766 (exact), 130 reaches 33020 (saturates); negative sums
 * may go one further (-32768 is representable): 254 * 129 = 32766, 254 * 130 = 33020 > 32768. */
static void test_exact_column(void)
{
    int8_t b[32] = {0};
    CHECK(tj_gemm_i8_exact_column(b, 32), "zero column not exact");
    b[4] = 127, b[5] = 2;
    CHECK(tj_gemm_i8_exact_column(b, 32), "pair 127+2 (254*129 = 32766) not exact");
    b[5] = 3;
    CHECK(!tj_gemm_i8_exact_column(b, 32), "pair 127+3 (254*130 = 33020) called exact");
    b[4] = 127, b[5] = -127;
    CHECK(tj_gemm_i8_exact_column(b, 32), "mixed-sign pair not exact");
    b[4] = 3, b[5] = 0, b[6] = 127; /* 3 and 127 are in different pairs (4-5, 6-7) */
    CHECK(tj_gemm_i8_exact_column(b, 32), "weights of different pairs added");
    b[4] = -127, b[5] = -2, b[6] = 0;
    CHECK(tj_gemm_i8_exact_column(b, 32), "pair -127-2 (-32766) not exact");
    b[5] = -3;
    CHECK(!tj_gemm_i8_exact_column(b, 32), "pair -127-3 (-33020) called exact");
    /* The AVX-512 form gives the same answer: random columns of several spreads (from always
     * exact to mostly not), lengths around its 64-byte steps, and every single-pair boundary. */
    if (tj_cpu_has_avx512bw()) {
        size_t agree = 0, n = 0, n_exact = 0;
        static const size_t Ks[] = {2, 30, 32, 64, 96, 100, 256, 1536};
        int8_t col[1536];
        for (int spread = 20; spread <= 256; spread += 4)
            for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
                for (int r = 0; r < 20; r++) {
                    size_t K = Ks[ki];
                    for (size_t k = 0; k < K; k++)
                        col[k] = (int8_t)(spread >= 256 ? rand() % 256 - 128
                                                        : rand() % spread - spread / 2);
                    int e = tj_gemm_i8_exact_column(col, K);
                    agree += e == tj_gemm_i8_exact_column_avx512(col, K);
                    n_exact += (size_t)e, n++;
                }
        for (int x = -128; x < 128; x++)
            for (int y = -128; y < 128; y++)
                for (size_t at = 0; at < 96; at += 38) {
                    memset(col, 0, 96);
                    col[at] = (int8_t)x, col[at + 1] = (int8_t)y;
                    agree +=
                        tj_gemm_i8_exact_column(col, 96) == tj_gemm_i8_exact_column_avx512(col, 96);
                    n++;
                }
        CHECK(agree == n, "AVX-512 exactness differs on %zu of %zu columns", n - agree, n);
        CHECK(n_exact > 100 && n_exact < n - 100, "exactness test columns too one-sided");
    }
    /* A saturating pair must really differ between the pair and the exact sums. */
    uint8_t a[32];
    memset(a, 254, sizeof a);
    float pb = 0, y = 0;
    tj_gemm_i8_scalar(a, 1, 32, b, NULL, 1, 1.0f, &pb, &y, 1);
    CHECK(y == -32768.0f, "saturated pair gives %g, expected -32768", (double)y);
}

/* The float product's contract: each output is fmaf over k in order, then + bias. Widths cover
 * the AVX2 kernel's 32-column strips (row pairs and an odd last row), its 8-column strips and
 * single columns; the strided call works on a block inside larger matrices and must leave the
 * rest of y alone. */
static unsigned rnd_state = 7;
static float rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (float)(rnd_state >> 9) / 4e6f - 1.0f;
}

static void test_sgemm(void)
{
    enum { M = 3, K = 19, NMAX = 77, LDX = K + 3, LDW = NMAX + 5, LDY = NMAX + 2 };
    static float x[M * LDX], W[K * LDW], bias[NMAX], y[M * LDY], want[M * LDY];
    static const size_t widths[] = {70, 45, 5, 77};
    for (size_t i = 0; i < M * LDX; i++) x[i] = rnd();
    for (size_t i = 0; i < K * LDW; i++) W[i] = rnd();
    for (size_t i = 0; i < NMAX; i++) bias[i] = (float)i / 7.0f;
    int unfused_differs = 0;
    for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++) {
        size_t N = widths[wi];
        for (int pass = 0; pass < 4; pass++) {
            const float *b = pass & 1 ? bias : NULL;
            int strided = pass >> 1;
            size_t ldx = strided ? LDX : K, ldw = strided ? LDW : N, ldy = strided ? LDY : N;
            for (size_t i = 0; i < M * LDY; i++) want[i] = y[i] = -99.0f;
            for (size_t i = 0; i < M; i++)
                for (size_t j = 0; j < N; j++) {
                    float sf = 0.0f, u = 0.0f;
                    for (size_t k = 0; k < K; k++) {
                        sf = fmaf(x[i * ldx + k], W[k * ldw + j], sf);
                        u = u + x[i * ldx + k] * W[k * ldw + j];
                    }
                    want[i * ldy + j] = b ? sf + b[j] : sf;
                    unfused_differs += u != sf;
                }
            if (strided)
                tj_sgemm(x, ldx, M, K, W, ldw, N, b, y, ldy);
            else
                tj_sgemm_bias(x, M, K, W, N, b, y);
            CHECK(memcmp(y, want, sizeof y) == 0,
                  "sgemm N=%zu (bias %s, %s) differs from in-order fmaf", N, b ? "on" : "off",
                  strided ? "strided" : "contiguous");
            for (size_t i = 0; i < M * LDY; i++) y[i] = -99.0f;
            tj_sgemm_scalar(x, ldx, M, K, W, ldw, N, b, y, ldy);
            CHECK(memcmp(y, want, sizeof y) == 0,
                  "scalar sgemm N=%zu (bias %s, %s) differs from in-order fmaf", N,
                  b ? "on" : "off", strided ? "strided" : "contiguous");
        }
    }
    /* Otherwise this test could not tell a fused product from an unfused one. */
    CHECK(unfused_differs > 0, "test data cannot distinguish fused from unfused sums");
}

/* The AVX2 softmax / log-softmax must be the portable lane code's exact bits, clamps of the
 * Cephes exp included (row values far below the maximum). */
static void test_softmax_paths(void)
{
    static const size_t lens[] = {8, 16, 40, 12, 13, 1, 16000, 4, 20, 36, 164};
    static float a[3 * 16000], b[3 * 16000];
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
        size_t n = lens[li], rows = 3;
        for (size_t i = 0; i < rows * n; i++) {
            a[i] = 30.0f * rnd();
            if (i % 7 == 3) a[i] = -200.0f * (1.0f + rnd()); /* below the clamp */
        }
        memcpy(b, a, rows * n * sizeof *a);
        tj_softmax_rows(a, rows, n);
        tj_softmax_rows_portable(b, rows, n);
        CHECK(memcmp(a, b, rows * n * sizeof *a) == 0, "softmax paths differ (n=%zu)", n);
        for (size_t i = 0; i < rows * n; i++) a[i] = b[i] = 25.0f * rnd();
        tj_logsoftmax_rows(a, rows, n);
        tj_logsoftmax_rows_portable(b, rows, n);
        CHECK(memcmp(a, b, rows * n * sizeof *a) == 0, "log-softmax paths differ (n=%zu)", n);
    }
    /* Rows of n % 4 != 0 go 8 at a time (lane r = row r): 8, 16 and 19 rows, with infinities and
     * a NaN among the values. */
    static const size_t lens1[] = {1, 3, 13, 41, 257}, nrows[] = {8, 16, 19};
    for (size_t li = 0; li < sizeof lens1 / sizeof *lens1; li++)
        for (size_t ri = 0; ri < sizeof nrows / sizeof *nrows; ri++) {
            size_t n = lens1[li], rows = nrows[ri];
            for (size_t i = 0; i < rows * n; i++) {
                a[i] = 30.0f * rnd();
                if (i % 7 == 3) a[i] = -200.0f * (1.0f + rnd());
                if (i % 23 == 5) a[i] = -INFINITY;
            }
            if (n > 2) a[2 * n + 1] = NAN, a[5 * n] = INFINITY;
            memcpy(b, a, rows * n * sizeof *a);
            tj_softmax_rows(a, rows, n);
            tj_softmax_rows_portable(b, rows, n);
            CHECK(memcmp(a, b, rows * n * sizeof *a) == 0, "softmax paths differ (n=%zu, %zu rows)",
                  n, rows);
        }
}

/* Rows of 4k + 4 entries take Marian's float32x4 log-softmax: per-lane maxima and Cephes exp
 * sums over columns i with i mod 4 = lane, lanes reduced left to right, then the Cephes log.
 * Checked against that computation written out here (the libm path gives other bits). */
static void test_logsoftmax_x4(void)
{
    static const size_t lens[] = {4, 12, 20, 36, 100};
    float a[100], want[100];
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
        size_t n = lens[li];
        for (size_t i = 0; i < n; i++) a[i] = 25.0f * rnd();
        float mx[4] = {a[0], a[1], a[2], a[3]}, sm[4] = {0, 0, 0, 0};
        for (size_t i = 4; i < n; i++) mx[i % 4] = a[i] > mx[i % 4] ? a[i] : mx[i % 4];
        float m = mx[0];
        for (int l = 1; l < 4; l++) m = mx[l] > m ? mx[l] : m;
        for (size_t i = 0; i < n; i++) sm[i % 4] += tj_exp_cephes(a[i] - m);
        float ls = tj_log_cephes(((sm[0] + sm[1]) + sm[2]) + sm[3]);
        for (size_t i = 0; i < n; i++) want[i] = (a[i] - m) - ls;
        tj_logsoftmax_rows(a, 1, n);
        CHECK(memcmp(a, want, n * sizeof *a) == 0, "float32x4 log-softmax differs (n=%zu)", n);
    }
}

/* Marian's layer norm as the reference build computes it (docs/parity.md): 8-lane sums reduced
 * (i, i+4) then (0+2)+(1+3), each square rounded before it is added, fma(var, 1/n, eps), an exact
 * sqrt and 1/sigma, fma(gamma * (1/sigma), x - mean, beta). Written out here; the same rows with
 * fused squares must give other bits somewhere, or the test could not see the difference that
 * decided the last parity lines. */
static float lanes8(const float *v)
{
    return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
}

static void test_layernorm(void)
{
    enum { ROWS = 64, N = 256 };
    static float x[ROWS * N], y[ROWS * N], g[N], b[N];
    for (size_t i = 0; i < N; i++) {
        g[i] = 1.0f + 0.5f * rnd();
        b[i] = 0.3f * rnd();
    }
    for (size_t i = 0; i < ROWS * N; i++) x[i] = 3.0f * rnd() + (float)(i / N % 5);
    tj_layernorm(x, y, ROWS, N, g, b, 1e-6f);
    int mismatches = 0, fused_differs = 0;
    for (size_t r = 0; r < ROWS; r++) {
        const float *xr = x + r * N;
        float acc[8] = {0}, sq[8] = {0}, sqf[8] = {0};
        for (size_t i = 0; i < N; i++) acc[i % 8] += xr[i];
        float inv_n = 1.0f / (float)N, mean = lanes8(acc) * inv_n;
        for (size_t i = 0; i < N; i++) {
            float d = xr[i] - mean, p = d * d;
            sq[i % 8] += p;
            sqf[i % 8] = fmaf(d, d, sqf[i % 8]);
        }
        float rs = 1.0f / sqrtf(fmaf(lanes8(sq), inv_n, 1e-6f));
        float rsf = 1.0f / sqrtf(fmaf(lanes8(sqf), inv_n, 1e-6f));
        for (size_t i = 0; i < N; i++) {
            float want = fmaf(g[i] * rs, xr[i] - mean, b[i]);
            mismatches += y[r * N + i] != want;
            fused_differs += want != fmaf(g[i] * rsf, xr[i] - mean, b[i]);
        }
    }
    CHECK(mismatches == 0, "layer norm: %d of %d outputs differ from the written-out computation",
          mismatches, ROWS * N);
    CHECK(fused_differs > 0, "layer norm test data cannot tell fused from rounded squares");
}

/* Model-load helpers: column sums (both paths) against the definition, extremes included, on
 * lengths around the 64-byte steps; the byte table map (both paths) on every byte value and
 * lengths around 64. */
static void test_load_helpers(void)
{
    static const size_t Ks[] = {1, 31, 32, 63, 64, 65, 96, 256, 1536};
    static int8_t B[7 * 1536];
    static int32_t want[7], got[7];
    for (size_t c = 0; c < sizeof Ks / sizeof *Ks; c++) {
        size_t K = Ks[c];
        for (size_t i = 0; i < 7 * K; i++)
            B[i] = (int8_t)(i / K == 0 ? -128 : i / K == 1 ? 127 : rand() % 256 - 128);
        for (size_t j = 0; j < 7; j++) {
            want[j] = 0;
            for (size_t k = 0; k < K; k++) want[j] += B[j * K + k];
        }
        tj_i8_colsums_scalar(B, 7, K, got);
        CHECK(memcmp(got, want, sizeof want) == 0, "scalar column sums wrong (K=%zu)", K);
        if (tj_cpu_has_avx512bw()) {
            tj_i8_colsums_avx512(B, 7, K, got);
            CHECK(memcmp(got, want, sizeof want) == 0, "AVX-512 column sums wrong (K=%zu)", K);
        }
        /* With the range: rows 2.. only (no -128/127 rows), from starts of 0 and of values
         * outside the rows' range; the bytes past K must not count. */
        int8_t wlo = 0, whi = 0;
        for (size_t i = 2 * K; i < 7 * K; i++) {
            wlo = B[i] < wlo ? B[i] : wlo;
            whi = B[i] > whi ? B[i] : whi;
        }
        static const int8_t starts[][2] = {{0, 0}, {-128, 127}, {5, -5}};
        for (int s = 0; s < 3; s++)
            for (int path = 0; path < 2; path++) {
                if (path && !tj_cpu_has_avx512bw()) continue;
                int8_t lo = starts[s][0], hi = starts[s][1];
                memset(got, 0x55, sizeof got);
                (path ? tj_i8_colsums_range_avx512 : tj_i8_colsums_range_scalar)(B + 2 * K, 5, K,
                                                                                 got, &lo, &hi);
                int8_t elo = wlo < starts[s][0] ? wlo : starts[s][0];
                int8_t ehi = whi > starts[s][1] ? whi : starts[s][1];
                CHECK(memcmp(got, want + 2, 5 * sizeof *got) == 0,
                      "%s column sums with range wrong (K=%zu)", path ? "AVX-512" : "scalar", K);
                CHECK(lo == elo && hi == ehi, "%s range [%d, %d], want [%d, %d] (K=%zu)",
                      path ? "AVX-512" : "scalar", lo, hi, elo, ehi, K);
            }
    }
    int8_t tab[256], src[700], a[700], b[700];
    for (int v = 0; v < 256; v++) tab[v] = (int8_t)(rand() % 256 - 128);
    for (size_t i = 0; i < sizeof src; i++) src[i] = (int8_t)(i < 256 ? i : (size_t)rand());
    static const size_t ns[] = {0, 1, 63, 64, 65, 256, 700};
    for (size_t c = 0; c < sizeof ns / sizeof *ns; c++) {
        size_t n = ns[c];
        memset(a, 0x55, sizeof a), memset(b, 0x55, sizeof b);
        tj_i8_map_scalar(src, n, tab, a);
        for (size_t i = 0; i < n; i++) CHECK(a[i] == tab[(uint8_t)src[i]], "map wrong at %zu", i);
        if (tj_cpu_has_avx512vbmi()) {
            tj_i8_map_avx512vbmi(src, n, tab, b);
            CHECK(memcmp(a, b, sizeof a) == 0, "AVX-512 VBMI map differs (n=%zu)", n);
        }
    }
    if (!tj_cpu_has_avx512vbmi()) printf("test_gemm: no AVX-512 VBMI, table map not checked\n");
}

/* The fused ReLU + quantisation against tj_relu then tj_quantize_shifted, both paths, on values
 * around zero, -0, NaN, infinities and lengths around 32. */
static void test_quantize_relu(void)
{
    static float x[100], r[100];
    static uint8_t want[100], a[100], b[100];
    for (size_t n = 0; n <= 100; n += 11) {
        for (size_t i = 0; i < n; i++) x[i] = 3.0f * rnd() - 1.0f;
        if (n > 5) x[1] = -0.0f, x[2] = NAN, x[3] = INFINITY, x[4] = -INFINITY, x[5] = 0.0f;
        memcpy(r, x, n * sizeof *x);
        tj_relu(r, n);
        tj_quantize_shifted_scalar(r, n, 37.5f, want);
        tj_quantize_shifted_relu_scalar(x, n, 37.5f, a);
        CHECK(memcmp(a, want, n) == 0, "scalar fused ReLU quantisation differs (n=%zu)", n);
        if (tj_cpu_has_avx2()) {
            tj_quantize_shifted_relu_avx2(x, n, 37.5f, b);
            CHECK(memcmp(b, want, n) == 0, "AVX2 fused ReLU quantisation differs (n=%zu)", n);
        }
    }
}

/* tj_argmax against the loop it replaces, on every length to 70 and some longer, with ties
 * (equal maxima, -0 against +0), -inf, -FLT_MAX (the masked unknown token) and NaNs placed at
 * the start, the middle and the end. */
static void test_argmax(void)
{
    static float x[300];
    uint32_t st = 12345;
    for (int n = 1; n <= 300; n += n < 70 ? 1 : 23)
        for (int kind = 0; kind < 8; kind++) {
            for (int j = 0; j < n; j++) {
                st = st * 1664525u + 1013904223u;
                /* few distinct values, so that maxima repeat */
                x[j] = (float)((int)(st >> 24) % 7) - 3.0f;
            }
            int at = (int)(st % (uint32_t)n);
            switch (kind) {
            case 1:
                x[at] = NAN;
                break;
            case 2:
                x[0] = NAN;
                break;
            case 3:
                x[n - 1] = NAN;
                break;
            case 4:
                for (int j = 0; j < n; j++) x[j] = j % 2 ? 0.0f : -0.0f;
                break;
            case 5:
                for (int j = 0; j < n; j++) x[j] = -INFINITY;
                break;
            case 6:
                x[at] = -FLT_MAX, x[n - 1] = 100.0f;
                break;
            case 7:
                x[at] = INFINITY;
                break;
            }
            CHECK(tj_argmax(x, n) == tj_argmax_scalar(x, n), "argmax n=%d kind %d: %d, loop %d", n,
                  kind, tj_argmax(x, n), tj_argmax_scalar(x, n));
        }
}

/* tj_transpose on shapes around its 8 x 8 blocks: every value lands at [j][i]. */
static void test_transpose(void)
{
    static float src[45 * 37], dst[45 * 37];
    static const size_t sizes[] = {1, 3, 8, 9, 16, 37, 45};
    for (size_t a = 0; a < sizeof sizes / sizeof *sizes; a++)
        for (size_t b = 0; b < sizeof sizes / sizeof *sizes; b++) {
            size_t rows = sizes[a], cols = sizes[b] < 37 ? sizes[b] : 37, bad = 0;
            for (size_t i = 0; i < rows * cols; i++) src[i] = (float)i;
            memset(dst, 0, sizeof dst);
            tj_transpose(src, rows, cols, dst);
            for (size_t i = 0; i < rows; i++)
                for (size_t j = 0; j < cols; j++) bad += dst[j * rows + i] != src[i * cols + j];
            CHECK(bad == 0, "transpose %zux%zu: %zu values misplaced", rows, cols, bad);
        }
}

int main(void)
{
    test_argmax();
    test_transpose();
    test_quantize_relu();
    test_load_helpers();
    test_quantize();
    test_saturation();
    test_agreement();
    test_agreement_all();
    test_packed();
    test_amx();
    test_exact_column();
    test_ssru_cell();
    test_exp();
    test_sgemm();
    test_expf_rows();
    test_softmax_paths();
    test_logsoftmax_x4();
    test_layernorm();
    if (failures) {
        printf("test_gemm: %d failures\n", failures);
        return 1;
    }
    printf("test_gemm: ok\n");
    return 0;
}
