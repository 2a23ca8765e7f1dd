/* SPDX-License-Identifier: MIT */
#include "decode/out_union.h"

#include <stdlib.h>
#include <string.h>

#include "nn/gemm_i8.h"
#include "util/error.h"

int tj_out_union_usable(const tj_model *m)
{
    return !m->is_float && !m->int8_at_load && !m->dec_self_att && m->out_w && m->d % 4 == 0 &&
           (size_t)m->vocab * (size_t)m->d < ((size_t)1 << 31);
}

void tj_out_union_free(tj_out_union *u)
{
    free(u->P);
    free(u->cols);
    free(u->pbias);
    free(u->logits);
    free(u->pos);
    free(u->off);
    memset(u, 0, sizeof *u);
}

tj_status tj_out_union_build(tj_out_union *u, const tj_model *m, const int *const *cols,
                             const int *n_cols, int ns, int rows, int packed, tj_error *err)
{
    memset(u, 0, sizeof *u);
    size_t V = (size_t)m->vocab, K = (size_t)m->d, total = 0;
    for (int g = 0; g < ns; g++) total += (size_t)n_cols[g];
    /* at[id]: the id's packed position + 1 (0: not in the union). */
    int32_t *at = calloc(V, sizeof *at), *order = malloc((V ? V : 1) * sizeof *order);
    u->pos = malloc((total ? total : 1) * sizeof *u->pos);
    u->off = malloc((size_t)ns * sizeof *u->off);
    if (!at || !order || !u->pos || !u->off) goto nomem;
    for (int g = 0; g < ns; g++)
        for (int j = 0; j < n_cols[g]; j++) at[cols[g][j]] = 1;
    /* Packed only where VNNI pays for the copy (n x d bytes per batch and thread): when at least
     * half of a sample of the columns (the union's first 256) are exact, as in trained models;
     * randomly initialised ones have few, and their union is read from out_w in place. Packed,
     * the exact columns go first (ascending), then the others (ascending). */
    int vnni = packed && tj_cpu_has_avx512vnni();
    if (vnni) {
        size_t seen = 0, exact = 0;
        for (size_t id = 0; id < V && seen < 256; id++)
            if (at[id])
                seen++, exact += (size_t)tj_gemm_i8_exact_column_avx512(m->out_w + id * K, K);
        vnni = 2 * exact >= seen;
    }
    size_t n = 0, n_exact = 0;
    for (size_t id = 0; id < V; id++)
        if (at[id]) order[n++] = (int32_t)id;
    if (vnni) {
        /* In ids: the union ascending, reordered into order. */
        int32_t *ids = order;
        if (!(order = malloc((n ? n : 1) * sizeof *order))) {
            order = ids;
            goto nomem;
        }
        n_exact = tj_gemm_i8_exact_order(m->out_w, K, ids, n, order);
        free(ids);
    }
    for (size_t j = 0; j < n; j++) at[order[j]] = (int32_t)j + 1;
    for (int g = 0, o = 0; g < ns; g++) {
        u->off[g] = (size_t)o;
        for (int j = 0; j < n_cols[g]; j++) u->pos[o++] = at[cols[g][j]] - 1;
    }
    u->n = n;
    u->n_exact = n_exact;
    u->pbias = malloc((n ? n : 1) * sizeof *u->pbias);
    u->logits = malloc((size_t)rows * (n ? n : 1) * sizeof *u->logits);
    if (!u->pbias || !u->logits) goto nomem;
    for (size_t j = 0; j < n; j++) u->pbias[j] = m->out_pbias[order[j]];
    if (vnni) {
        size_t psize = (tj_gemm_i8_packed_size(K, n) + 63) / 64 * 64;
        if (!(u->P = aligned_alloc(64, psize ? psize : 64))) goto nomem;
        tj_gemm_i8_pack(m->out_w, K, n, order, u->P);
        free(order);
    } else {
        /* The union's columns straight from out_w, all rows at once. */
        u->cols = order;
    }
    free(at);
    return TJ_OK;
nomem:
    free(at);
    if (order != u->cols) free(order);
    tj_out_union_free(u);
    return tj_fail(err, TJ_ERR_NOMEM, "out of memory (output layer of a batch of %d sentences)",
                   ns);
}

int tj_out_union_pays(const tj_out_union *u, int rows, size_t sum_cols)
{
    /* Measured (CPU time over 200 FLORES lines, tiny-aren and the starter model): the packed
     * VNNI product over the union runs about 5x faster per column than one-row products, the
     * plain multi-row product 2-3x, so each wins until the union is that many times the columns
     * the rows need. */
    return (size_t)rows * u->n <= (u->P ? 4 : 2) * sum_cols;
}

void tj_out_union_step(tj_out_union *u, const tj_model *m, const uint8_t *A, int rows)
{
    if (u->P)
        tj_gemm_i8_packed_avx512bw(A, (size_t)rows, (size_t)m->d, u->P, u->n, u->n_exact, NULL,
                                   NULL, m->out_unq, u->pbias, u->logits, u->n);
    else
        tj_gemm_i8(A, (size_t)rows, (size_t)m->d, m->out_w, u->cols, u->n, m->out_unq, u->pbias,
                   u->logits, u->n);
}
