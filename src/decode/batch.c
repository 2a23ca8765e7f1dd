/* SPDX-License-Identifier: MIT */
#include "decode/batch.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode/out_union.h"
#include "decode/sa_decoder.h"
#include "decode/transformer.h"
#include "nn/gemm_i8.h"
#include "nn/ops.h"
#include "util/error.h"

/* Sentences decoded together at most: the batch's memory (encoder caches, shortlists, scratch)
 * grows with it, and past a few dozen rows the products gain little more. */
enum { BATCH_MAX = 32 };

typedef struct sent {
    size_t idx; /* position in the caller's arrays */
    int *cols;
    size_t n_cols;
    int unk_col, max_steps, n;
    int *ids;
    float *logits;
    tj_sentence_ctx ctx;
    int begun;
} sent;

static int by_len(const void *a, const void *b, const int *len)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (len[x] != len[y]) return len[x] < len[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Insertion sort of the sentence order by length (stable): qsort has no context argument in C11,
 * and batches are small. */
static void sort_by_len(size_t *order, size_t n, const int *len)
{
    for (size_t i = 1; i < n; i++) {
        size_t v = order[i], j = i;
        while (j > 0 && by_len(&order[j - 1], &v, len) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

static void free_sents(sent *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].begun) tj_sentence_end(&s[i].ctx);
        free(s[i].cols);
        free(s[i].ids);
        free(s[i].logits);
    }
}

/* The output layer over the union of the shortlists of sentences s[active[0..na)]
 * (decode/out_union.h), replacing *ou. */
static tj_status build_union(const tj_model *m, sent *s, const int *active, int na,
                             tj_out_union *ou, tj_error *err)
{
    const int *cl[BATCH_MAX];
    int nc[BATCH_MAX];
    for (int k = 0; k < na; k++) cl[k] = s[active[k]].ctx.cols, nc[k] = s[active[k]].ctx.n_cols;
    tj_out_union_free(ou);
    tj_status st = tj_out_union_build(ou, m, cl, nc, na, na, tj_cpu_has_avx512bw(), err);
    if (st) return st;
    for (int k = 0; k < na; k++) s[active[k]].ctx.ucols = ou->pos + ou->off[k];
    return TJ_OK;
}

/* Greedy search of ns sentences together: every step decodes one row per unfinished sentence;
 * a sentence leaves the batch when it emits EOS or reaches its length limit (as greedy() in
 * search.c), and the state rows of the others close up. No allocation inside the step loop. */
static tj_status greedy_batch(const tj_model *m, const tj_search_opts *o, const int *const *src,
                              const int *len, sent *s, int ns, tj_error *err)
{
    int max_len = 1;
    for (int g = 0; g < ns; g++) {
        size_t i = s[g].idx;
        if (len[i] > max_len) max_len = len[i];
        tj_status st;
        if (o->use_shortlist && m->has_shortlist) {
            st = tj_shortlist_generate(&m->shortlist, src[i], (size_t)len[i], (size_t)m->vocab,
                                       m->shared_vocab, &s[g].cols, &s[g].n_cols, err);
            if (st) return st;
        }
        int steps = (int)ceilf(o->max_length_factor * (float)len[i]);
        s[g].max_steps = steps < 1 ? 1 : steps;
        st = tj_sentence_begin(&s[g].ctx, m, src[i], len[i], s[g].cols, (int)s[g].n_cols, 1, err);
        if (st) return st;
        s[g].begun = 1;
        /* SSRU decoders step the batch in the shared workspace below; the sentence's own
         * scratch served its encoder only. Freeing it now lets the next sentence's encoder reuse
         * the same (cached, already mapped) memory instead of touching new pages for every
         * sentence of the batch. Self-attention decoders step in their sentence's scratch. */
        if (!m->dec_self_att) tj_sentence_drop_scratch(&s[g].ctx);
        s[g].unk_col = m->unk_id >= 0 ? tj_col_of(s[g].cols, s[g].ctx.n_cols, m->unk_id) : -1;
        s[g].ids = malloc(((size_t)s[g].max_steps + 1) * sizeof *s[g].ids);
        s[g].logits = malloc((size_t)s[g].ctx.n_cols * sizeof(float));
        if (!s[g].ids || !s[g].logits)
            return tj_fail(err, TJ_ERR_NOMEM, "out of memory decoding a sentence of %d tokens",
                           len[i]);
    }
    size_t sdim = (size_t)m->dec_depth * m->d;
    tj_step_ws ws;
    tj_status st = tj_step_ws_init(&ws, m, ns, max_len, err);
    if (st) return st;
    tj_out_union ou = {0};
    float *state = calloc((size_t)ns * sdim, sizeof(float));
    int *active = malloc((size_t)ns * sizeof *active), *prev = malloc((size_t)ns * sizeof *prev);
    int *ones = malloc((size_t)ns * sizeof *ones);
    tj_sentence_ctx **ctxs = malloc((size_t)ns * sizeof *ctxs);
    float **lp = malloc((size_t)ns * sizeof *lp);
    if (!state || !active || !prev || !ones || !ctxs || !lp) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory (decoder batch of %d sentences)", ns);
        goto done;
    }
    int na = ns;
    for (int g = 0; g < ns; g++) active[g] = g, prev[g] = -1, ones[g] = 1;
    /* Several shortlists: the output layer over their union, built again for the sentences
     * left when the batch has drained so far that the old union no longer pays. */
    int union_ok = ns > 1 && tj_out_union_usable(m), union_na = 0;
    for (int g = 0; g < ns; g++) union_ok = union_ok && s[g].ctx.cols;
    for (int t = 0; na > 0; t++) {
        size_t sum_cols = 0;
        for (int k = 0; k < na; k++) sum_cols += (size_t)s[active[k]].ctx.n_cols;
        if (union_ok && na < union_na && !tj_out_union_pays(&ou, na, sum_cols)) union_na = 0;
        if (union_ok && !union_na) {
            if ((st = build_union(m, s, active, na, &ou, err))) goto done;
            ws.ou = &ou;
            union_na = na;
        }
        for (int k = 0; k < na; k++) ctxs[k] = &s[active[k]].ctx, lp[k] = s[active[k]].logits;
        tj_decoder_step_groups(ctxs, ones, na, prev, t, state, lp, &ws);
        int kept = 0;
        for (int k = 0; k < na; k++) {
            sent *e = &s[active[k]];
            float *lg = e->logits;
            if (e->unk_col >= 0) lg[e->unk_col] = -FLT_MAX;
            int best = tj_argmax(lg, e->ctx.n_cols);
            int w = e->cols ? e->cols[best] : best;
            e->ids[e->n++] = w;
            if (w == m->eos_id || tj_reached_limit(t, o->max_length_factor, e->ctx.src_len) ||
                t + 1 >= e->max_steps)
                continue;
            if (kept != k)
                memcpy(state + (size_t)kept * sdim, state + (size_t)k * sdim, sdim * sizeof(float));
            active[kept] = active[k];
            prev[kept] = w;
            kept++;
        }
        na = kept;
    }
    for (int g = 0; g < ns && !st; g++)
        if (tj_sa_failed(&s[g].ctx))
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory decoding a sentence of %d tokens",
                         len[s[g].idx]);
done:
    tj_step_ws_free(&ws);
    tj_out_union_free(&ou);
    free(state), free(active), free(prev), free(ones), free(ctxs), free(lp);
    return st;
}

tj_status tj_search_batch(const tj_model *m, const tj_search_opts *o, const int *const *src,
                          const int *len, size_t n, int **out, int *n_out, tj_error *err)
{
    for (size_t i = 0; i < n; i++) out[i] = NULL, n_out[i] = 0;
    tj_status st = TJ_OK;
    if (o->beam_size > 1 || o->n_cons > 0) {
        /* Beam and constrained searches: one sentence after the other. */
        for (size_t i = 0; i < n && !st; i++)
            st = tj_search(m, o, src[i], len[i], &out[i], &n_out[i], err);
        goto finish;
    }
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order) return tj_fail(err, TJ_ERR_NOMEM, "out of memory (batch of %zu sentences)", n);
    for (size_t i = 0; i < n; i++) order[i] = i;
    /* Neighbours in length finish at about the same step, so the batch stays full longer. */
    sort_by_len(order, n, len);
    sent s[BATCH_MAX];
    for (size_t b = 0; b < n && !st; b += BATCH_MAX) {
        int ns = (int)(n - b < BATCH_MAX ? n - b : BATCH_MAX);
        memset(s, 0, sizeof s);
        for (int g = 0; g < ns; g++) s[g].idx = order[b + (size_t)g];
        st = greedy_batch(m, o, src, len, s, ns, err);
        for (int g = 0; g < ns && !st; g++) {
            out[s[g].idx] = s[g].ids;
            n_out[s[g].idx] = s[g].n;
            s[g].ids = NULL;
        }
        free_sents(s, (size_t)ns);
    }
    free(order);
finish:
    if (st)
        for (size_t i = 0; i < n; i++) {
            free(out[i]);
            out[i] = NULL;
            n_out[i] = 0;
        }
    return st;
}

size_t tj_batch_cut(const int *len, size_t n, size_t max_jobs, size_t max_tokens, size_t *starts)
{
    size_t nb = 0;
    for (size_t i = 0; i < n;) {
        starts[nb++] = i;
        size_t tokens = (size_t)len[i], k = 1;
        for (i++; i < n && k < max_jobs; i++, k++) {
            tokens += (size_t)len[i];
            if (tokens > max_tokens) break;
        }
    }
    starts[nb] = n;
    return nb;
}
