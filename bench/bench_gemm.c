/* SPDX-License-Identifier: MIT */
/* Micro-benchmark of the int8 GEMM kernels (src/nn/gemm_i8.h): scalar against AVX2 at the shapes
 * of a tiny transformer, plus the activation quantisation that precedes every product. Each
 * shape is also a correctness check: the two kernels must give bit-identical outputs, on data
 * that spans the full uint8 x int8 range so that the int16 saturation is exercised.
 *
 * Build: make -C bench (see bench/Makefile), run: build-bench/bench_gemm [--quick] [--min-time S]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/gemm_i8.h"

typedef void (*gemm_fn)(const uint8_t *A, size_t M, size_t K, const int8_t *B, const int *cols,
                        size_t N, float unq, const float *pbias, float *C, size_t ldc);

typedef struct shape {
    size_t M, K, N;
    size_t vocab; /* > 0: N columns picked from a [vocab][K] matrix through cols (a shortlist) */
    const char *what;
} shape;

/* xorshift64*: deterministic data without touching the libc rand() state. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct gemm_args {
    gemm_fn fn;
    const uint8_t *A;
    const int8_t *B;
    const int *cols;
    const float *bias;
    float *C;
    const shape *s;
} gemm_args;

static void run_gemm(const gemm_args *g)
{
    g->fn(g->A, g->s->M, g->s->K, g->B, g->cols, g->s->N, 0.001f, g->bias, g->C, g->s->N);
}

typedef struct quant_args {
    const float *x;
    size_t n;
    uint8_t *au;
} quant_args;

static void run_quant(const quant_args *q)
{
    tj_quantize_shifted(q->x, q->n, 12.7f, q->au);
}

/* Seconds per call: the repeat count doubles until one batch lasts min_time, then the best of
 * three batches is kept (the least disturbed by other processes on a shared machine). */
#define TIME_CALLS(secs, min_time, call)                                                           \
    do {                                                                                           \
        long reps_ = 1;                                                                            \
        double t_;                                                                                 \
        call;                                                                                      \
        for (;;) {                                                                                 \
            double t0_ = now_s();                                                                  \
            for (long r_ = 0; r_ < reps_; r_++) call;                                              \
            t_ = now_s() - t0_;                                                                    \
            if (t_ >= (min_time) || reps_ >= (1L << 30)) break;                                    \
            reps_ *= 2;                                                                            \
        }                                                                                          \
        double best_ = t_;                                                                         \
        for (int k_ = 0; k_ < 2; k_++) {                                                           \
            double t0_ = now_s();                                                                  \
            for (long r_ = 0; r_ < reps_; r_++) call;                                              \
            t_ = now_s() - t0_;                                                                    \
            if (t_ < best_) best_ = t_;                                                            \
        }                                                                                          \
        (secs) = best_ / (double)reps_;                                                            \
    } while (0)

static void usage(FILE *f)
{
    fputs("usage: bench_gemm [--quick] [--min-time S]\n"
          "  --quick       M in {1,4} and the real transformer shapes only\n"
          "  --min-time S  seconds each timed batch lasts at least (default 0.1)\n",
          f);
}

int main(int argc, char **argv)
{
    double min_time = 0.1;
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            quick = 1;
        } else if (!strcmp(argv[i], "--min-time") && i + 1 < argc) {
            char *end;
            min_time = strtod(argv[++i], &end);
            if (*end || !(min_time > 0 && min_time <= 60)) {
                fprintf(stderr, "bench_gemm: --min-time needs seconds in (0, 60], got '%s'\n",
                        argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }

    /* dim-emb 256, FFN 1536, 16k vocab: the Firefox "tiny" students. M is the number of rows
     * multiplied at once: 1 for a greedy decoder step, 4 for beam 4, 32 and 128 for the encoder
     * over a sentence's pieces. */
    static const size_t Ms[] = {1, 4, 32, 128};
    static const size_t Ks[] = {256, 1536};
    static const size_t Ns[] = {256, 1536, 16000};
    shape shapes[64];
    size_t ns = 0;
    for (size_t a = 0; a < sizeof Ks / sizeof *Ks; a++)
        for (size_t b = 0; b < sizeof Ns / sizeof *Ns; b++)
            for (size_t c = 0; c < sizeof Ms / sizeof *Ms; c++) {
                size_t M = Ms[c], K = Ks[a], N = Ns[b];
                const char *what = "grid only";
                if (K == 256 && N == 256)
                    what = "attention projection";
                else if (K == 256 && N == 1536)
                    what = "FFN in";
                else if (K == 1536 && N == 256)
                    what = "FFN out";
                else if (K == 256 && N == 16000)
                    what = "output layer, no shortlist";
                if (quick && (M > 4 || !strcmp(what, "grid only"))) continue;
                shapes[ns++] = (shape){M, K, N, 0, what};
            }
    /* The output layer under a shortlist: a few hundred vocabulary rows picked through cols. */
    for (size_t c = 0; c < 2; c++)
        shapes[ns++] = (shape){Ms[c], 256, 512, 16000, "output layer, 512-entry shortlist"};

    size_t maxA = 0, maxB = 0, maxC = 0, maxN = 0;
    for (size_t i = 0; i < ns; i++) {
        const shape *s = &shapes[i];
        size_t rows = s->vocab ? s->vocab : s->N;
        if (s->M * s->K > maxA) maxA = s->M * s->K;
        if (rows * s->K > maxB) maxB = rows * s->K;
        if (s->M * s->N > maxC) maxC = s->M * s->N;
        if (s->N > maxN) maxN = s->N;
    }
    float *x = malloc(maxA * sizeof *x);
    uint8_t *A = malloc(maxA);
    int8_t *B = malloc(maxB);
    float *bias = malloc(maxN * sizeof *bias);
    int *cols = malloc(maxN * sizeof *cols);
    float *C1 = malloc(maxC * sizeof *C1), *C2 = malloc(maxC * sizeof *C2);
    if (!x || !A || !B || !bias || !cols || !C1 || !C2) {
        fprintf(stderr, "bench_gemm: out of memory\n");
        return 1;
    }
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    /* Activations around +-10 with alpha 12.7: most quantise inside [-127,127], some clip. */
    for (size_t i = 0; i < maxA; i++)
        x[i] = (float)((int64_t)(rng_next(&seed) % 20001) - 10000) * 0.001f;
    for (size_t i = 0; i < maxB; i++) B[i] = (int8_t)(int)(rng_next(&seed) % 256 - 128);
    for (size_t i = 0; i < maxN; i++) bias[i] = (float)(int)(rng_next(&seed) % 200) * 0.01f - 1.0f;

    int avx2 = tj_cpu_has_avx2();
    printf("| M | K | N | shape | scalar GOPS | AVX2 GOPS | AVX2/scalar | quantize G/s | quantize "
           "share | outputs |\n");
    printf("|---:|---:|---:|---|---:|---:|---:|---:|---:|---|\n");
    int mismatches = 0;
    for (size_t i = 0; i < ns; i++) {
        const shape *s = &shapes[i];
        /* Full-range A (0..254) so that pairs like 254*127 + 254*127 overflow int16 and the
         * saturation is checked, not just the easy path. */
        for (size_t k = 0; k < s->M * s->K; k++) A[k] = (uint8_t)(rng_next(&seed) % 255);
        if (s->vocab)
            for (size_t j = 0; j < s->N; j++) cols[j] = (int)(rng_next(&seed) % s->vocab);
        const int *c = s->vocab ? cols : NULL;
        double ops = 2.0 * (double)s->M * (double)s->K * (double)s->N;

        gemm_args g = {tj_gemm_i8_scalar, A, B, c, bias, C1, s};
        double t_scalar, t_avx2 = 0, t_quant;
        TIME_CALLS(t_scalar, min_time, run_gemm(&g));
        const char *same = "n/a (no AVX2)";
        if (avx2) {
            g.fn = tj_gemm_i8_avx2;
            g.C = C2;
            TIME_CALLS(t_avx2, min_time, run_gemm(&g));
            same = "identical";
            if (memcmp(C1, C2, s->M * s->N * sizeof *C1)) {
                same = "**DIFFER**";
                mismatches++;
            }
        }
        /* The quantisation of this product's A (M*K floats); the buffer A is overwritten only
         * after the kernels have been compared. */
        quant_args q = {x, s->M * s->K, A};
        TIME_CALLS(t_quant, min_time, run_quant(&q));
        double t_kernel = avx2 ? t_avx2 : t_scalar;

        printf("| %zu | %zu | %zu%s | %s | %.2f |", s->M, s->K, s->N, s->vocab ? " of 16000" : "",
               s->what, ops / t_scalar * 1e-9);
        if (avx2)
            printf(" %.2f | %.1f× |", ops / t_avx2 * 1e-9, t_scalar / t_avx2);
        else
            printf(" - | - |");
        printf(" %.2f | %.1f%% | %s |\n", (double)q.n / t_quant * 1e-9,
               100.0 * t_quant / (t_quant + t_kernel), same);
        fflush(stdout);
    }
    printf(
        "\nGOPS = 2*M*K*N / time per call / 1e9 (a multiply-add counts as 2 ops); quantize G/s = "
        "floats quantised per second / 1e9; quantize share = quantisation time / (quantisation "
        "+ %s GEMM time) for the same A.\n",
        avx2 ? "AVX2" : "scalar");
    if (mismatches) printf("\n%d shape(s) where the scalar and AVX2 outputs differ.\n", mismatches);

    free(x), free(A), free(B), free(bias), free(cols), free(C1), free(C2);
    return mismatches ? 1 : 0;
}
