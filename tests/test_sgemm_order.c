/* SPDX-License-Identifier: MIT */
/* tj_sgemm_ordered: the attention products summed in the reference BLAS's order.
 *
 * 1. Hand-derived cases: x is all ones and one column of W holds +2^30 at k = 0, -2^30 at k = 1
 *    and ones elsewhere. Summed in one chain the big pair cancels first and the 14 later ones
 *    survive (14); summed as an even and an odd chain, each chain swallows its ones (2^30 + 1
 *    rounds back to 2^30) and the chains cancel (0). Which outputs get which order is spelt out
 *    in src/nn/sgemm_order.c.
 * 2. The AVX2 and portable paths give the same bits.
 * 3. Where Debian's OpenBLAS is installed (libopenblas0), its cblas_sgemm with the Haswell
 *    kernel, the reference's BLAS, gives the same bits on random shapes and on the shapes of
 *    attention, on 1, 2, 4 and 8 threads (OpenBLAS splits large products between threads, and
 *    the split decides the order too). */
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/sgemm_order.h"

static float W[16 * 24], X[20 * 16], Y[20 * 24]; /* up to 20 rows, 24 columns, K = 16 */

/* Every column gets the cancelling pair; y for M rows, N columns, K = 16. */
static void run_cancel(size_t M, size_t N)
{
    for (size_t i = 0; i < M * 16; i++) X[i] = 1.0f;
    for (size_t k = 0; k < 16; k++)
        for (size_t j = 0; j < N; j++) W[k * N + j] = k == 0 ? 0x1p30f : k == 1 ? -0x1p30f : 1.0f;
    tj_sgemm_ordered(X, 16, M, 16, W, N, N, 1.0f, Y, N, 1);
}

/* two_chain_map has one character per row and group of 8 columns: '2' where the outputs are
 * summed in two chains (expect 0), 's' where in one (expect 14). */
static void expect(size_t M, size_t N, const char *two_chain_map)
{
    run_cancel(M, N);
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            float want = two_chain_map[i * (N / 8) + j / 8] == '2' ? 0.0f : 14.0f;
            CHECK(Y[i * N + j] == want, "M=%zu N=%zu y[%zu][%zu] = %g, want %g", M, N, i, j,
                  Y[i * N + j], want);
        }
}

static uint32_t rng = 12345;
static float rnd(void)
{
    rng = rng * 1664525u + 1013904223u;
    float u = (float)(rng >> 8) / 16777216.0f * 2.0f - 1.0f;
    return ldexpf(u, (int)(rng >> 29) - 3);
}

typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                               const float *, int, float, float *, int);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);

/* One product of random values: SIMD and scalar paths agree, and agree with OpenBLAS on
 * `threads` threads when blas is given. With keys, OpenBLAS gets W as Marian passes the keys for
 * the scores, bdot(q, k, transB = true): W transposed ([N][K]) and cblas's Trans flag, against
 * tarjama's call on W as it is (the keys stored transposed, as src/decode/transformer.c does). */
static void compare(cblas_sgemm_fn blas, size_t M, size_t N, size_t K, size_t threads, float alpha,
                    int keys)
{
    size_t ldw = N + K % 3;
    float *x = malloc(M * K * sizeof(float)), *w = malloc(K * ldw * sizeof(float));
    float *a = malloc(M * N * sizeof(float)), *b = malloc(M * N * sizeof(float));
    for (size_t i = 0; i < M * K; i++) x[i] = rnd();
    for (size_t i = 0; i < K * ldw; i++) w[i] = rnd();
    tj_sgemm_ordered(x, K, M, K, w, ldw, N, alpha, a, N, threads);
    tj_sgemm_ordered_scalar(x, K, M, K, w, ldw, N, alpha, b, N, threads);
    CHECK(memcmp(a, b, M * N * sizeof(float)) == 0,
          "SIMD and scalar differ, M=%zu N=%zu K=%zu threads=%zu", M, N, K, threads);
    if (blas) {
        /* row-major (101), A not transposed (111), B not transposed (111) or transposed (112),
         * beta 0 */
        if (keys) {
            float *wt = malloc(N * K * sizeof(float));
            for (size_t k = 0; k < K; k++)
                for (size_t j = 0; j < N; j++) wt[j * K + k] = w[k * ldw + j];
            blas(101, 111, 112, (int)M, (int)N, (int)K, alpha, x, (int)K, wt, (int)K, 0.0f, b,
                 (int)N);
            free(wt);
        } else {
            blas(101, 111, 111, (int)M, (int)N, (int)K, alpha, x, (int)K, w, (int)ldw, 0.0f, b,
                 (int)N);
        }
        size_t bad = 0;
        for (size_t i = 0; i < M * N; i++) bad += a[i] != b[i];
        CHECK(bad == 0,
              "OpenBLAS differs on %zu of %zu outputs, M=%zu N=%zu K=%zu threads=%zu keys=%d", bad,
              M * N, M, N, K, threads, keys);
    }
    free(x), free(w), free(a), free(b);
}

static void random_shapes(cblas_sgemm_fn blas, size_t threads)
{
    for (int t = 0; t < 200; t++) {
        size_t M = 1 + rng % 60, N = 1 + (rng >> 8) % 140, K = 1 + (rng >> 16) % 120;
        if (t % 10 == 0) K = 300 + (rng >> 4) % 600; /* several k chunks */
        compare(blas, M, N, K, threads, t % 2 ? 0.17677669f : 1.0f, 0);
    }
    /* Attention in the encoder of an L-token sentence: scores L x L over 32, context L x 32
     * over L; past 262144 multiply-adds OpenBLAS splits them between threads. */
    for (size_t L = 85; L < 400; L += 13 + L % 7) {
        compare(blas, L, L, 32, threads, 0.17677669f, 0);
        compare(blas, L, 32, L, threads, 1.0f, 0);
    }
    /* Every sentence length up to 140 tokens, the encoder's products and the decoder's (one
     * query row), with the scores in Marian's own call. */
    for (size_t L = 1; L <= 140; L++) {
        compare(blas, L, L, 32, threads, 0.17677669f, 1);
        compare(blas, 1, L, 32, threads, 0.17677669f, 1);
        compare(blas, L, 32, L, threads, 1.0f, 0);
        compare(blas, 1, 32, L, threads, 1.0f, 0);
    }
}

/* tj_sgemm_ordered_rows (the heads of one decoder query interleaved) against one
 * tj_sgemm_ordered_scalar call per head: head counts around its blocks of 4, K across the
 * 320-wide k chunks, N around its 16-column blocks, strided heads as attention lays them out,
 * and products large enough for OpenBLAS's threads. */
static void rows_shapes(void)
{
    static const size_t Hs[] = {1, 3, 4, 5, 8, 9}, Ks[] = {1, 7, 32, 64, 321, 700},
                        Ns[] = {1, 5, 8, 15, 16, 17, 40, 333, 1200};
    for (size_t hi = 0; hi < sizeof Hs / sizeof *Hs; hi++)
        for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
            for (size_t ni = 0; ni < sizeof Ns / sizeof *Ns; ni++)
                for (size_t threads = 1; threads <= 2; threads++) {
                    size_t H = Hs[hi], K = Ks[ki], N = Ns[ni];
                    /* x heads K + 3 apart, W heads N * K + 5 apart with rows N + 2 apart, y
                     * heads N + 1 apart: no head reads or writes another's values. */
                    size_t xh = K + 3, ldw = N + 2, wh = ldw * K + 5, yh = N + 1;
                    float *x = malloc(H * xh * sizeof(float)), *w = malloc(H * wh * sizeof(float));
                    float *a = malloc(H * yh * sizeof(float)), *b = malloc(H * yh * sizeof(float));
                    if (!x || !w || !a || !b) {
                        CHECK(0, "out of memory");
                        free(x), free(w), free(a), free(b);
                        return;
                    }
                    for (size_t i = 0; i < H * xh; i++) x[i] = rnd();
                    for (size_t i = 0; i < H * wh; i++) w[i] = rnd();
                    for (size_t i = 0; i < H * yh; i++) a[i] = b[i] = -7.0f;
                    tj_sgemm_ordered_rows(x, xh, K, w, wh, ldw, N, 0.375f, a, yh, H, threads);
                    for (size_t h = 0; h < H; h++)
                        tj_sgemm_ordered_scalar(x + h * xh, K, 1, K, w + h * wh, ldw, N, 0.375f,
                                                b + h * yh, N, threads);
                    CHECK(memcmp(a, b, H * yh * sizeof(float)) == 0,
                          "rows: H=%zu K=%zu N=%zu threads=%zu differ from one call per head", H, K,
                          N, threads);
                    free(x), free(w), free(a), free(b);
                }
}

/* tj_sgemm_ordered2 (two heads through the same blocks) against two tj_sgemm_ordered_scalar
 * calls: row counts that make 12-, 8-, 4-, 2- and 1-row blocks (two-chain groups included),
 * column counts around the 32-column blocks, K across the k chunks, 1 and 2 threads (products
 * above OpenBLAS's threading size split differently). */
static void two_heads(void)
{
    static const size_t Ms[] = {1, 3, 4, 6, 12, 13, 20, 42, 101}, Ns[] = {5, 8, 32, 40, 64, 101},
                        Ks[] = {7, 32, 64, 333};
    for (size_t mi = 0; mi < sizeof Ms / sizeof *Ms; mi++)
        for (size_t ni = 0; ni < sizeof Ns / sizeof *Ns; ni++)
            for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
                for (size_t threads = 1; threads <= 2; threads++) {
                    size_t M = Ms[mi], N = Ns[ni], K = Ks[ki], ldx = K + 2, ldw = N + 3,
                           ldy = N + 1;
                    float *x = malloc(2 * M * ldx * sizeof(float)),
                          *w = malloc(2 * K * ldw * sizeof(float)),
                          *a = malloc(2 * M * ldy * sizeof(float)),
                          *b = malloc(2 * M * ldy * sizeof(float));
                    if (!x || !w || !a || !b) {
                        CHECK(0, "out of memory");
                        free(x), free(w), free(a), free(b);
                        return;
                    }
                    for (size_t i = 0; i < 2 * M * ldx; i++) x[i] = rnd();
                    for (size_t i = 0; i < 2 * K * ldw; i++) w[i] = rnd();
                    for (size_t i = 0; i < 2 * M * ldy; i++) a[i] = b[i] = -3.0f;
                    tj_sgemm_ordered2(x, x + M * ldx, ldx, M, K, w, w + K * ldw, ldw, N, 0.625f, a,
                                      a + M * ldy, ldy, threads);
                    for (size_t h = 0; h < 2; h++)
                        tj_sgemm_ordered_scalar(x + h * M * ldx, ldx, M, K, w + h * K * ldw, ldw, N,
                                                0.625f, b + h * M * ldy, ldy, threads);
                    CHECK(memcmp(a, b, 2 * M * ldy * sizeof(float)) == 0,
                          "two heads: M=%zu N=%zu K=%zu threads=%zu differ from two calls", M, N, K,
                          threads);
                    free(x), free(w), free(a), free(b);
                }
}

int main(void)
{
    rows_shapes();
    two_heads();
    /* One row: one chain. */
    expect(1, 8, "s");
    /* A 4-row block: every full group in two chains. */
    expect(4, 8, "2222");
    /* Three rows: blocks of 2 and 1, one chain. */
    expect(3, 16, "ssssss");
    /* A 12-row block over 2 groups (last group 1, odd): first 6 rows both groups, rest none. */
    expect(12, 16,
           "222222222222"
           "ssssssssssss");
    /* Over 3 groups (last group 2, even): rows 0-5 group 0, rows 6-11 group 2. */
    expect(12, 24,
           "2ss2ss2ss2ss2ss2ss"
           "ss2ss2ss2ss2ss2ss2");
    /* 20 rows = a 12-row block then an 8-row block (all groups two chains). */
    {
        char map[20 * 2 + 1];
        for (int i = 0; i < 20; i++) {
            map[2 * i] = i < 12 ? (i < 6 ? '2' : 's') : '2';
            map[2 * i + 1] = i < 12 ? (i < 6 ? '2' : 's') : '2';
        }
        map[40] = 0;
        expect(20, 16, map);
    }

    cblas_sgemm_fn blas = NULL;
    set_threads_fn set_threads = NULL;
    get_threads_fn get_threads = NULL;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        /* Read by OpenBLAS when it loads: the reference's (Haswell) kernel. */
        setenv("OPENBLAS_CORETYPE", "Haswell", 1);
        void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
        if (h) {
            blas = (cblas_sgemm_fn)(uintptr_t)dlsym(h, "cblas_sgemm");
            set_threads = (set_threads_fn)(uintptr_t)dlsym(h, "openblas_set_num_threads");
            get_threads = (get_threads_fn)(uintptr_t)dlsym(h, "openblas_get_num_threads");
            if (!set_threads || !get_threads) blas = NULL;
        }
    }
#endif
    if (!blas)
        printf("note: libopenblas.so.0 not found (or no AVX2): OpenBLAS comparison skipped\n");
    int compared = 0;
    for (size_t threads = 1; threads <= 8; threads *= 2) {
        cblas_sgemm_fn with = NULL;
        if (blas) {
            set_threads((int)threads);
            if ((size_t)get_threads() == threads)
                with = blas, compared++;
            else
                printf("note: OpenBLAS would not run %zu threads here; compared without it\n",
                       threads);
        }
        random_shapes(with, threads);
    }
    if (failures == 0)
        printf("sgemm_order: ok (%d thread counts compared with OpenBLAS's Haswell kernel)\n",
               compared);
    return failures != 0;
}
