/* int8 GEMM: hand-computed products, the vpmaddubsw pair saturation, and agreement of the
 * scalar and AVX2 paths on random data; the float product against in-order fmaf, both paths. */
#include <math.h>
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
    size_t M = 5, K = 256, N = 37;
    uint8_t *a = malloc(M * K);
    int8_t *b = malloc(N * K);
    float *pb = malloc(N * sizeof *pb), *c1 = malloc(M * N * 4), *c2 = malloc(M * N * 4);
    int cols[37];
    for (size_t i = 0; i < M * K; i++) a[i] = (uint8_t)(rand() % 255);
    for (size_t i = 0; i < N * K; i++) b[i] = (int8_t)(rand() % 255 - 127);
    for (size_t j = 0; j < N; j++)
        pb[j] = (float)(rand() % 1000) / 7.0f, cols[j] = (int)(N - 1 - j);
    tj_gemm_i8_scalar(a, M, K, b, cols, N, 0.0123f, pb, c1, N);
    tj_gemm_i8_avx2(a, M, K, b, cols, N, 0.0123f, pb, c2, N);
    CHECK(memcmp(c1, c2, M * N * 4) == 0, "scalar and AVX2 results differ");
    free(a), free(b), free(pb), free(c1), free(c2);
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

/* The float product's contract: each output is fmaf over k in order, then + bias. Sizes cover
 * the AVX2 kernel's row pairs, its odd last row, its 32-column strips and the scalar tail. */
static void test_sgemm(void)
{
    enum { M = 3, K = 19, N = 70 };
    float x[M * K], W[K * N], bias[N], y[M * N], want[M * N];
    unsigned seed = 7;
    for (int i = 0; i < M * K; i++)
        x[i] = (float)((seed = seed * 1103515245u + 12345u) >> 9) / 4e6f - 1;
    for (int i = 0; i < K * N; i++)
        W[i] = (float)((seed = seed * 1103515245u + 12345u) >> 9) / 4e6f - 1;
    for (int i = 0; i < N; i++) bias[i] = (float)i / 7.0f;
    int unfused_differs = 0;
    for (int pass = 0; pass < 2; pass++) {
        const float *b = pass ? bias : NULL;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                float s = 0.0f, u = 0.0f;
                for (int k = 0; k < K; k++) {
                    s = fmaf(x[i * K + k], W[k * N + j], s);
                    u = u + x[i * K + k] * W[k * N + j];
                }
                want[i * N + j] = b ? s + b[j] : s;
                unfused_differs += u != s;
            }
        tj_sgemm_bias(x, M, K, W, N, b, y);
        CHECK(memcmp(y, want, sizeof y) == 0, "sgemm (bias %s) differs from in-order fmaf",
              b ? "on" : "off");
        tj_sgemm_bias_scalar(x, M, K, W, N, b, y);
        CHECK(memcmp(y, want, sizeof y) == 0, "scalar sgemm (bias %s) differs from in-order fmaf",
              b ? "on" : "off");
    }
    /* Otherwise this test could not tell a fused product from an unfused one. */
    CHECK(unfused_differs > 0, "test data cannot distinguish fused from unfused sums");
}

int main(void)
{
    test_quantize();
    test_saturation();
    test_agreement();
    test_exp();
    test_sgemm();
    if (failures) {
        printf("test_gemm: %d failures\n", failures);
        return 1;
    }
    printf("test_gemm: ok\n");
    return 0;
}
