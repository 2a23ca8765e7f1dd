/* SPDX-License-Identifier: MIT */
/* Beam search's top-K selection against a full qsort, and the AVX2 activation quantiser against
 * an independent reference and the scalar path, on random and edge values. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/search.h"
#include "nn/gemm_i8.h"

#include "check.h"

/* Deterministic xorshift so failures reproduce. */
static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint32_t next_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

typedef struct item {
    float score;
    int index;
} item;

/* The order beam search has always used: score descending, then row, then column; with flat
 * row-major indices the last two are index ascending. */
static int item_cmp(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->index - y->index;
}

static void check_topk(const float *scores, size_t n, size_t k, const char *what)
{
    item *all = malloc((n ? n : 1) * sizeof *all);
    float *hs = malloc((k ? k : 1) * sizeof *hs);
    int *idx = malloc((k ? k : 1) * sizeof *idx);
    for (size_t i = 0; i < n; i++) all[i] = (item){scores[i], (int)i};
    qsort(all, n, sizeof *all, item_cmp);
    size_t want = k < n ? k : n;
    size_t got = tj_topk_scores(scores, n, k, hs, idx);
    CHECK(got == want, "%s n=%zu k=%zu: got %zu picks, want %zu", what, n, k, got, want);
    for (size_t i = 0; i < want && i < got; i++) {
        int same = idx[i] == all[i].index && memcmp(&hs[i], &all[i].score, sizeof(float)) == 0;
        CHECK(same, "%s n=%zu k=%zu pick %zu: (%g, %d), want (%g, %d)", what, n, k, i, hs[i],
              idx[i], all[i].score, all[i].index);
        if (!same) break;
    }
    free(all), free(hs), free(idx);
}

static void test_topk_hand(void)
{
    /* Ties on 2.0 keep index order; -0.0 and 0.0 compare equal so index decides between them. */
    float s[] = {1.0f, 2.0f, -0.0f, 2.0f, 0.0f, -FLT_MAX, 3.0f, 2.0f};
    float hs[8];
    int idx[8];
    size_t got = tj_topk_scores(s, 8, 8, hs, idx);
    int want[] = {6, 1, 3, 7, 0, 2, 4, 5};
    CHECK(got == 8, "hand: got %zu", got);
    for (int i = 0; i < 8; i++)
        CHECK(idx[i] == want[i], "hand pick %d: %d, want %d", i, idx[i], want[i]);
    got = tj_topk_scores(s, 8, 3, hs, idx);
    CHECK(got == 3 && idx[0] == 6 && idx[1] == 1 && idx[2] == 3, "hand top3: %d %d %d", idx[0],
          idx[1], idx[2]);
    CHECK(tj_topk_scores(s, 0, 4, hs, idx) == 0, "empty input gives no picks");
    CHECK(tj_topk_scores(s, 8, 0, hs, idx) == 0, "k = 0 gives no picks");
}

static void test_topk_random(void)
{
    /* Few distinct values so most comparisons are ties; -FLT_MAX as for the masked unk column. */
    const float pool[] = {-FLT_MAX, -7.25f, -3.5f, -3.5f, -1.0f, -0.0f, 0.0f, -0.125f, -2.0f};
    const size_t npool = sizeof pool / sizeof *pool;
    size_t n_max = 4 * 3000;
    float *s = malloc(n_max * sizeof *s);
    for (int trial = 0; trial < 400; trial++) {
        size_t n = next_u32() % (trial < 50 ? 40 : n_max);
        size_t k = 1 + next_u32() % (trial % 3 == 0 ? 40 : 8);
        int mode = trial % 4;
        for (size_t i = 0; i < n; i++) {
            if (mode == 0)
                s[i] = pool[next_u32() % npool];
            else if (mode == 1) /* continuous log-probability-like values, rare ties */
                s[i] = -(float)(next_u32() % 1000000) / 65536.0f;
            else if (mode == 2) /* ascending: every new score displaces the heap root */
                s[i] = (float)i * 0.5f - 100.0f;
            else /* all equal: selection must be the first k indices */
                s[i] = -4.0f;
        }
        check_topk(s, n, k, "random");
    }
    /* A beam-sized case: 4 rows of 16000 with quantised scores, k = 4. */
    float *big = malloc(4 * 16000 * sizeof *big);
    for (size_t i = 0; i < 4 * 16000; i++) big[i] = -(float)(next_u32() % 64) * 0.25f;
    check_topk(big, 4 * 16000, 4, "beam-sized");
    free(big);
    free(s);
}

static void test_topk_nan(void)
{
    /* NaN ranks below every number (even -inf), NaNs among themselves by index. */
    float s[] = {NAN, -INFINITY, 1.0f, NAN, -FLT_MAX, 1.0f, NAN};
    float hs[7];
    int idx[7];
    size_t got = tj_topk_scores(s, 7, 7, hs, idx);
    int want[] = {2, 5, 4, 1, 0, 3, 6};
    CHECK(got == 7, "nan: got %zu", got);
    for (int i = 0; i < 7; i++)
        CHECK(idx[i] == want[i], "nan pick %d: %d, want %d", i, idx[i], want[i]);
    got = tj_topk_scores(s, 7, 2, hs, idx);
    CHECK(got == 2 && idx[0] == 2 && idx[1] == 5, "nan top2: %d %d", idx[0], idx[1]);
}

/* Reference quantiser written from the definition (spec §5.11 / intgemm): round to nearest even
 * in double, INT32_MIN for NaN and anything outside int32, clamp to [-127, 127], shift by 127. */
static uint8_t ref_quant(float x, float alpha)
{
    float t = x * alpha;
    double r;
    int64_t v;
    if (isnan(t) || (double)t >= 2147483648.0 || (double)t < -2147483648.0)
        v = INT32_MIN;
    else {
        r = nearbyint((double)t);
        v = (int64_t)r;
        if (v > INT32_MAX || v < INT32_MIN) v = INT32_MIN;
    }
    if (v > 127) v = 127;
    if (v < -127) v = -127;
    return (uint8_t)(v + 127);
}

static float from_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static void check_quant(const float *x, size_t n, float alpha, const char *what)
{
    uint8_t *qs = malloc(n + 1), *qv = malloc(n + 1), *qd = malloc(n + 1);
    tj_quantize_shifted_scalar(x, n, alpha, qs);
    tj_quantize_shifted(x, n, alpha, qd);
    if (tj_cpu_has_avx2())
        tj_quantize_shifted_avx2(x, n, alpha, qv);
    else
        memcpy(qv, qs, n);
    for (size_t i = 0; i < n; i++) {
        uint8_t r = ref_quant(x[i], alpha);
        int ok = qs[i] == r && qv[i] == r && qd[i] == r;
        CHECK(ok, "%s [%zu] x=%a alpha=%a: scalar %d avx2 %d dispatch %d, want %d", what, i,
              (double)x[i], (double)alpha, qs[i], qv[i], qd[i], r);
        if (!ok) break;
    }
    free(qs), free(qv), free(qd);
}

static void test_quant_hand(void)
{
    /* Hand-computed with rne: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0, 126.5 -> 126, 127.5 -> 128
     * -> 127, -127.5 -> -128 -> -127; NaN, +-inf, >= 2^31 and -2^31 -> INT32_MIN -> -127. Then
     * +127. Repeated to 40 values so both the 32-wide loop and the tail see them. */
    float x[40] = {0.0f,     -0.0f,       0.5f,    1.5f,     2.5f,          -0.5f,
                   -1.5f,    126.5f,      127.5f,  -127.5f,  NAN,           -NAN,
                   INFINITY, -INFINITY,   FLT_MAX, -FLT_MAX, 2147483648.0f, -2147483648.0f,
                   1e-45f,   0.49999997f, -126.5f, 3.0f,     2147483520.0f, -2147483520.0f};
    int want[40] = {127, 127, 127, 129, 129, 127, 125, 253, 254, 0,   0,   0,
                    0,   0,   0,   0,   0,   0,   127, 127, 1,   130, 254, 0};
    for (int i = 24; i < 40; i++) x[i] = x[i - 24], want[i] = want[i - 24];
    uint8_t q[40];
    tj_quantize_shifted(x, 40, 1.0f, q);
    for (int i = 0; i < 40; i++)
        CHECK(q[i] == want[i], "quantize(%a) = %d, want %d", (double)x[i], q[i], want[i]);
    if (tj_cpu_has_avx2()) {
        tj_quantize_shifted_avx2(x, 40, 1.0f, q);
        for (int i = 0; i < 40; i++)
            CHECK(q[i] == want[i], "avx2 quantize(%a) = %d, want %d", (double)x[i], q[i], want[i]);
    }
}

static void test_quant_random(void)
{
    size_t n_max = 1000;
    float *x = malloc((n_max + 8) * sizeof *x);
    const float alphas[] = {1.0f, 0.5f, 3.0f, 127.0f / 4.3f, 1e30f, 1e-30f, 25.6f, -2.0f};
    for (int trial = 0; trial < 600; trial++) {
        size_t n = next_u32() % n_max, off = next_u32() % 8; /* unaligned starts too */
        float alpha = alphas[trial % 8];
        int mode = trial % 5;
        for (size_t i = 0; i < n + off; i++) {
            uint32_t u = next_u32();
            if (mode == 0) /* any bit pattern: NaNs, infinities, subnormals, huge values */
                x[i] = from_bits(u);
            else if (mode == 1) /* activation-sized values */
                x[i] = ((float)(int32_t)u / 2147483648.0f) * 8.0f;
            else if (mode == 2) /* exact halves: rounding ties, also past the clamp */
                x[i] = (float)((int32_t)(u % 601) - 300) * 0.5f;
            else if (mode == 3) /* near the int32 edges */
                x[i] = (u & 1 ? 1.0f : -1.0f) * from_bits(0x4EFFFFF0u + (u >> 1) % 32);
            else /* one ulp either side of halves */
                x[i] = nextafterf((float)((int32_t)(u % 301) - 150) + 0.5f,
                                  u & 1 ? INFINITY : -INFINITY);
        }
        check_quant(x + off, n, mode == 2 || mode == 4 ? 1.0f : alpha, "random");
    }
    free(x);
}

int main(void)
{
    test_topk_hand();
    test_topk_random();
    test_topk_nan();
    test_quant_hand();
    test_quant_random();
    if (!tj_cpu_has_avx2()) printf("note: no AVX2 on this CPU, only the scalar path was tested\n");
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
