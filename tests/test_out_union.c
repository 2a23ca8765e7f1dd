/* SPDX-License-Identifier: MIT */
/* The output layer over the union of a batch's shortlists (decode/out_union.h) against the scalar
 * int8 product on each sentence's own columns (tj_gemm_i8_scalar, the reference the other kernels
 * are tested against): every logit must be the same bits, for the packed form (AVX-512BW, exact
 * columns first for VNNI) and the plain one, on the starter model (trained: mostly exact
 * columns) and on the tiny-aren fixture from ../shared (random weights: few exact columns). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/model.h"
#include "decode/out_union.h"
#include "nn/gemm_i8.h"

#include "check.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

enum { NS = 6 };

static int check_model(const char *dir)
{
    tj_model *m;
    tj_error err;
    if (tj_model_open(dir, &m, &err) != TJ_OK) {
        printf("skip %s: %s\n", dir, err.message);
        return 0;
    }
    CHECK(tj_out_union_usable(m), "%s: the union output layer should apply", dir);
    size_t V = (size_t)m->vocab, d = (size_t)m->d;
    /* Shortlists of different sizes (ascending ids, no repeats), overlapping at random, with
     * the first and the last token in some of them. */
    int *cols[NS], n_cols[NS];
    for (int g = 0; g < NS; g++) {
        cols[g] = malloc(V * sizeof(int));
        size_t keep = 20 + (size_t)g * 150; /* per mille */
        n_cols[g] = 0;
        for (size_t id = 0; id < V; id++)
            if (next() % 1000 < keep || (g % 2 == 0 && (id == 0 || id + 1 == V)))
                cols[g][n_cols[g]++] = (int)id;
    }
    uint8_t *A = malloc(NS * d);
    for (size_t i = 0; i < NS * d; i++) A[i] = (uint8_t)(next() % 255);
    float *ref = malloc(V * sizeof(float)), *pb = malloc(V * sizeof(float));
    for (int packed = 0; packed <= tj_cpu_has_avx512bw(); packed++) {
        tj_out_union u;
        if (tj_out_union_build(&u, m, (const int *const *)cols, n_cols, NS, NS, packed, &err)) {
            CHECK(0, "%s: build: %s", dir, err.message);
            continue;
        }
        /* The union's size; its first n_exact columns exact. */
        char *in = calloc(V, 1);
        size_t n = 0;
        for (int g = 0; g < NS; g++)
            for (int j = 0; j < n_cols[g]; j++) n += !in[cols[g][j]]++;
        CHECK(u.n == n, "%s: union of %zu columns, expected %zu", dir, u.n, n);
        CHECK(packed || u.n_exact == 0, "%s: exact columns without packing", dir);
        for (int g = 0; g < NS; g++)
            for (int j = 0; j < n_cols[g]; j++) {
                size_t p = (size_t)u.pos[u.off[g] + (size_t)j];
                if (p < u.n_exact)
                    CHECK(tj_gemm_i8_exact_column(m->out_w + (size_t)cols[g][j] * d, d),
                          "%s: column %d is not exact", dir, cols[g][j]);
            }
        tj_out_union_step(&u, m, A, NS);
        size_t bad = 0;
        for (int g = 0; g < NS; g++) {
            for (int j = 0; j < n_cols[g]; j++) pb[j] = m->out_pbias[cols[g][j]];
            tj_gemm_i8_scalar(A + (size_t)g * d, 1, d, m->out_w, cols[g], (size_t)n_cols[g],
                              m->out_unq, pb, ref, (size_t)n_cols[g]);
            for (int j = 0; j < n_cols[g]; j++) {
                float v = u.logits[(size_t)g * u.n + (size_t)u.pos[u.off[g] + (size_t)j]];
                bad += memcmp(&v, &ref[j], sizeof v) != 0;
            }
        }
        CHECK(bad == 0, "%s (packed %d, %zu columns, %zu exact): %zu logits differ", dir, packed,
              u.n, u.n_exact, bad);
        printf("%s: packed %d: %zu union columns (%zu exact), logits identical\n", dir, packed, u.n,
               u.n_exact);
        free(in);
        tj_out_union_free(&u);
    }
    for (int g = 0; g < NS; g++) free(cols[g]);
    free(A), free(ref), free(pb);
    tj_model_close(m);
    return 1;
}

int main(void)
{
    int opened = check_model("models/ar-en");
    opened += check_model("../shared/fixtures/tiny-aren/model");
    if (!opened) return 77;
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
