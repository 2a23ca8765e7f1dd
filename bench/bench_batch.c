/* SPDX-License-Identifier: MIT */
/* Batched greedy decoding (src/decode/batch.h) against one sentence at a time, on the library
 * directly (tj_translate batches greedy lines the same way): both runs translate the same
 * lines to token ids, the ids must be identical, and the report gives sentences/s and target
 * tokens/s of each.
 *   bench_batch MODEL_DIR FILE [LINES] [BATCH]     (one sentence per line, as --split line)
 * Timings are CPU time of this thread (clock_gettime CLOCK_THREAD_CPUTIME_ID), which a busy
 * shared machine disturbs less than wall time; run it A/B more than once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/batch.h"
#include "decode/model.h"
#include "tok/spm.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_batch MODEL_DIR FILE [LINES] [BATCH]\n");
        return 2;
    }
    size_t max_lines = argc > 3 ? (size_t)atol(argv[3]) : 200;
    size_t batch = argc > 4 ? (size_t)atol(argv[4]) : 32;
    tj_model *m;
    tj_error err;
    if (tj_model_open(argv[1], &m, &err) != TJ_OK) {
        fprintf(stderr, "bench_batch: %s\n", err.message);
        return 1;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    int **src = calloc(max_lines, sizeof *src), *len = calloc(max_lines, sizeof *len);
    char line[65536];
    size_t n = 0;
    while (n < max_lines && fgets(line, sizeof line, f)) {
        size_t l = strcspn(line, "\n");
        tj_piece *p = NULL;
        size_t np = 0;
        if (tj_spm_encode(m->src_spm, line, l, &p, &np, &err) != TJ_OK) return 1;
        src[n] = malloc((np + 1) * sizeof(int));
        for (size_t k = 0; k < np; k++) src[n][k] = p[k].id;
        src[n][np] = m->eos_id;
        len[n++] = (int)np + 1;
        free(p);
    }
    fclose(f);
    tj_search_opts o = {1, 1.0f, 3.0f, 1, NULL, 0};
    int **a = calloc(n, sizeof *a), *na = calloc(n, sizeof *na);
    int **b = calloc(n, sizeof *b), *nb = calloc(n, sizeof *nb);
    double t0 = cpu_s();
    for (size_t i = 0; i < n; i++)
        if (tj_search(m, &o, src[i], len[i], &a[i], &na[i], &err) != TJ_OK) return 1;
    double t1 = cpu_s();
    for (size_t i = 0; i < n; i += batch) {
        size_t k = n - i < batch ? n - i : batch;
        if (tj_search_batch(m, &o, (const int *const *)src + i, len + i, k, b + i, nb + i, &err))
            return 1;
    }
    double t2 = cpu_s();
    size_t toks = 0, diff = 0;
    for (size_t i = 0; i < n; i++) {
        toks += (size_t)na[i];
        diff += na[i] != nb[i] || memcmp(a[i], b[i], sizeof(int) * (size_t)na[i]) != 0;
    }
    printf(
        "| mode | lines | target tokens | CPU s | sentences/s | tokens/s |\n|---|---|---|---|---|"
        "---|\n");
    printf("| one at a time | %zu | %zu | %.2f | %.1f | %.0f |\n", n, toks, t1 - t0,
           (double)n / (t1 - t0), (double)toks / (t1 - t0));
    printf("| batch %zu | %zu | %zu | %.2f | %.1f | %.0f |\n", batch, n, toks, t2 - t1,
           (double)n / (t2 - t1), (double)toks / (t2 - t1));
    printf("\nspeed-up %.2fx; sentences whose ids differ: %zu\n", (t1 - t0) / (t2 - t1), diff);
    tj_model_close(m);
    return diff != 0;
}
