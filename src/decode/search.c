/* SPDX-License-Identifier: MIT */
#include "decode/search.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode/align.h"
#include "decode/sa_decoder.h"
#include "decode/topk_stl.h"
#include "decode/transformer.h"
#include "nn/ops.h"
#include "tok/spm.h"
#include "util/error.h"

int tj_col_of(const int *cols, int n, int id)
{
    if (!cols) return id;
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cols[mid] == id) return mid;
        if (cols[mid] < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

int tj_reached_limit(int t, float factor, int len)
{
    return (float)(t + 1) >= factor * (float)len;
}

static tj_status greedy(tj_sentence_ctx *c, const tj_search_opts *o, int *ids, int *n_out, int eos,
                        int unk_col, int max_steps, float *state, float *logits)
{
    int prev = -1, n = 0;
    for (int t = 0; t < max_steps; t++) {
        tj_decoder_step(c, &prev, t, 1, state, logits);
        if (unk_col >= 0) logits[unk_col] = -FLT_MAX;
        int best = tj_argmax(logits, c->n_cols);
        int w = c->cols ? c->cols[best] : best;
        ids[n++] = w;
        if (w == eos || tj_reached_limit(t, o->max_length_factor, c->src_len)) break;
        prev = w;
    }
    *n_out = n;
    return TJ_OK;
}

/* A pending constraint starts when its first piece ranks among the CONS_RANK best, when the
 * cross-attention (head 0 of the last layer, the guided-alignment head) turns to its source
 * term, or when the steps left are just enough for the pieces still owed. */
#define CONS_RANK 3

/* Whether piece id would continue the word before it: it does not start with the word mark ▁
 * and starts with a letter or digit (any non-ASCII byte counts: Arabic letters). */
static int glues(const tj_model *m, int id)
{
    const unsigned char *p = (const unsigned char *)tj_model_piece(m, id);
    if (!p || !*p) return 0;
    if (p[0] == 0xE2 && p[1] == 0x96 && p[2] == 0x81) return 0;
    if (p[0] == '<') return 0; /* control pieces: </s> */
    return p[0] >= 0x80 || (p[0] >= '0' && p[0] <= '9') ||
           ((p[0] | 32) >= 'a' && (p[0] | 32) <= 'z');
}

/* Greedy search with lexical constraints (glossary terms): a started constraint forces its
 * remaining pieces, and end of sentence is forbidden while any piece is owed, so every
 * constraint is in the output. Only sentences with constraints come here. */
static tj_status greedy_cons(tj_sentence_ctx *c, const tj_search_opts *o, int *ids, int *n_out,
                             int eos, int unk_col, int max_steps, float *state, float *logits,
                             tj_error *err)
{
    const tj_model *m = c->m;
    int nc = o->n_cons, S = c->src_len, need = 0;
    char *done = calloc((size_t)nc, 1);
    float *att = NULL, *q = NULL;
    uint8_t *qbuf = NULL;
    if (!m->dec_self_att) {
        att = malloc((size_t)S * sizeof *att);
        q = malloc((size_t)m->d * sizeof *q);
        qbuf = malloc((size_t)m->d);
    }
    if (!done || (!m->dec_self_att && (!att || !q || !qbuf))) {
        free(done), free(att), free(q), free(qbuf);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory in constrained search");
    }
    for (int k = 0; k < nc; k++) {
        need += o->cons[k].n;
        done[k] = o->cons[k].n == 0;
    }
    int eos_col = tj_col_of(c->cols, c->n_cols, eos);
    /* the bare word mark "▁": before a term (whose first piece brings its own) it would leave two
     * spaces, so it is not taken while a term is owed */
    int mark_col = -1;
    for (int j = 0; j < c->n_cols && mark_col < 0; j++) {
        const char *p = tj_model_piece(m, c->cols ? c->cols[j] : j);
        if (p && !strcmp(p, "\xE2\x96\x81")) mark_col = j;
    }
    int active = -1, pos = 0, n = 0, prev = -1, after = 0;
    for (int t = 0; t < max_steps; t++) {
        tj_decoder_step(c, &prev, t, 1, state, logits);
        int w;
        if (active < 0) {
            if (unk_col >= 0) logits[unk_col] = -FLT_MAX;
            /* right after a term, a piece that would glue onto its last word ("AI" + "DS") */
            for (int j = 0; after && j < c->n_cols; j++)
                if (glues(m, c->cols ? c->cols[j] : j)) logits[j] = -FLT_MAX;
            if (need > 0 && eos_col >= 0) logits[eos_col] = -FLT_MAX;
            if (need > 0 && mark_col >= 0) logits[mark_col] = -FLT_MAX;
            int best = 0;
            for (int j = 1; j < c->n_cols; j++)
                if (logits[j] > logits[best]) best = j;
            int focus = -1;
            if (need > 0 && att) {
                tj_align_head(c, 0, q, qbuf, att);
                focus = 0; /* the source EOS (last) is left out, as for markup */
                for (int j = 1; j < S - 1; j++)
                    if (att[j] > att[focus]) focus = j;
            }
            for (int k = 0; k < nc && need > 0 && active < 0; k++) {
                if (done[k]) continue;
                const tj_constraint *cn = &o->cons[k];
                int col0 = tj_col_of(c->cols, c->n_cols, cn->ids[0]), above = 0;
                if (col0 >= 0)
                    for (int j = 0; j < c->n_cols && above < CONS_RANK; j++)
                        above += logits[j] > logits[col0];
                if ((col0 >= 0 && above < CONS_RANK) ||
                    (focus >= cn->src_begin && focus < cn->src_end) || max_steps - t <= need)
                    active = k, pos = 0;
            }
            w = c->cols ? c->cols[best] : best;
        }
        if (active >= 0) {
            w = o->cons[active].ids[pos++];
            need--;
            if (pos == o->cons[active].n) done[active] = 1, active = -1, after = 1;
        } else {
            after = 0;
        }
        ids[n++] = w;
        if (w == eos) break;
        prev = w;
    }
    *n_out = n;
    free(done), free(att), free(q), free(qbuf);
    return TJ_OK;
}

typedef struct hyp {
    int parent; /* index into the hyp arena, -1 for the start */
    int word;
    int len;
    float score;
} hyp;

/* Candidate a ranks above b: higher score, then lower flat index (row-major, so lower row, then
 * lower column). NaN ranks below every number so the order stays total. */
static inline int ranks_above(float sa, int ia, float sb, int ib)
{
    if (isnan(sa) || isnan(sb)) return isnan(sa) == isnan(sb) ? ia < ib : !isnan(sa);
    if (sa != sb) return sa > sb;
    return ia < ib;
}

/* Restores the heap below slot i: every parent ranks below its children, so the root is the
 * weakest of the kept candidates. */
static void sift_down(float *hs, int *hi, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && ranks_above(hs[w], hi[w], hs[l], hi[l])) w = l;
        if (r < n && ranks_above(hs[w], hi[w], hs[r], hi[r])) w = r;
        if (w == i) return;
        float ts = hs[i];
        int ti = hi[i];
        hs[i] = hs[w], hi[i] = hi[w];
        hs[w] = ts, hi[w] = ti;
        i = w;
    }
}

/* Writes to idx the flat indices of the k best of scores[0..n) best first, in the order of a full
 * sort by score descending then index ascending, and returns how many it wrote (min(k, n)).
 * A bounded heap of k candidates keeps the cost near one comparison per score instead of a
 * sort of n (beam x vocabulary) items. hs gets k floats of scratch. */
size_t tj_topk_scores(const float *scores, size_t n, size_t k, float *hs, int *idx)
{
    if (k > n) k = n;
    if (k == 0) return 0;
    size_t h = 0;
    for (size_t i = 0; i < n; i++) {
        float s = scores[i];
        if (h < k) {
            /* Sift up: the newcomer's index is the largest so far. */
            size_t c = h++;
            while (c > 0) {
                size_t p = (c - 1) / 2;
                if (!ranks_above(hs[p], idx[p], s, (int)i)) break;
                hs[c] = hs[p], idx[c] = idx[p];
                c = p;
            }
            hs[c] = s, idx[c] = (int)i;
            continue;
        }
        /* A later index never wins a tie, so only a strictly higher score displaces the root. */
        if (!(s > hs[0]) && !(isnan(hs[0]) && !isnan(s))) continue;
        hs[0] = s, idx[0] = (int)i;
        sift_down(hs, idx, k, 0);
    }
    /* Heapsort in place: the weakest goes to the back each time, leaving best first. */
    for (size_t e = k - 1; e > 0; e--) {
        float ts = hs[0];
        int ti = idx[0];
        hs[0] = hs[e], idx[0] = idx[e];
        hs[e] = ts, idx[e] = ti;
        sift_down(hs, idx, e, 0);
    }
    return k;
}

/* Beam search as Marian's BeamSearch::search with one sentence: finished hypotheses leave the
 * beam, which shrinks; at the length limit every live hypothesis is final. */
static tj_status beam(tj_sentence_ctx *c, const tj_search_opts *o, int *ids, int *n_out, int eos,
                      int unk_col, int max_steps, float *state, float *logits, tj_error *err)
{
    const tj_model *m = c->m;
    int K = o->beam_size, S = c->n_cols;
    size_t sdim = (size_t)m->dec_depth * m->d;
    size_t arena_cap = (size_t)K * (max_steps + 1) + 1, n_arena = 0;
    hyp *arena = malloc(arena_cap * sizeof *arena);
    int *live = malloc((size_t)K * sizeof *live), *next_live = malloc((size_t)K * sizeof *live);
    int *prev = malloc((size_t)K * sizeof *prev);
    float *new_state = malloc((size_t)K * sdim * sizeof(float));
    float *top_s = malloc((size_t)K * sizeof *top_s);
    int *top = malloc((size_t)K * sizeof *top);
    if (!arena || !live || !next_live || !prev || !new_state || !top_s || !top) {
        free(arena), free(live), free(next_live), free(prev), free(new_state), free(top_s),
            free(top);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory in beam search");
    }
    arena[n_arena++] = (hyp){-1, -1, 0, 0.0f};
    live[0] = 0;
    int n_live = 1;
    int best = -1;
    float best_norm = -FLT_MAX;
    for (int t = 0; t < max_steps && n_live > 0; t++) {
        for (int r = 0; r < n_live; r++) prev[r] = arena[live[r]].word;
        if (t == 0) prev[0] = -1;
        tj_decoder_step(c, prev, t, n_live, state, logits);
        tj_logsoftmax_rows(logits, (size_t)n_live, (size_t)S);
        /* Candidate scores replace the log-probabilities in place; flat index r*S+j. */
        for (int r = 0; r < n_live; r++) {
            float *row = logits + (size_t)r * S;
            if (unk_col >= 0) row[unk_col] = -FLT_MAX;
            float base = arena[live[r]].score;
            for (int j = 0; j < S; j++) row[j] = base + row[j];
        }
        /* At step 0 all K start hypotheses are the same, so one row is expanded to K picks. */
        int want = (int)(m->dec_self_att ? tj_topk_stl : tj_topk_scores)(
            logits, (size_t)n_live * S, (size_t)(t == 0 ? K : n_live), top_s, top);
        int at_limit = tj_reached_limit(t, o->max_length_factor, c->src_len) || t + 1 == max_steps;
        int n_next = 0;
        for (int i = 0; i < want; i++) {
            int row = top[i] / S, col = top[i] % S;
            int w = c->cols ? c->cols[col] : col;
            hyp h = {live[row], w, t + 1, top_s[i]};
            arena[n_arena] = h;
            int idx = (int)n_arena++;
            if (w == eos || at_limit) {
                float norm = h.score / powf((float)h.len, o->normalize);
                if (norm > best_norm) {
                    best_norm = norm;
                    best = idx;
                }
            } else {
                memcpy(new_state + (size_t)n_next * sdim, state + (size_t)row * sdim,
                       sdim * sizeof(float));
                next_live[n_next++] = idx;
            }
        }
        memcpy(state, new_state, (size_t)n_next * sdim * sizeof(float));
        memcpy(live, next_live, (size_t)n_next * sizeof *live);
        n_live = at_limit ? 0 : n_next;
    }
    int n = 0;
    for (int i = best; i > 0; i = arena[i].parent) n++;
    for (int i = best, k = n - 1; i > 0; i = arena[i].parent) ids[k--] = arena[i].word;
    *n_out = n;
    free(arena), free(live), free(next_live), free(prev), free(new_state), free(top_s), free(top);
    return TJ_OK;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The shortlist's columns with the constraints' pieces added (ascending, no repeats). */
static tj_status add_cols(const tj_model *m, const tj_search_opts *o, int **cols, size_t *n,
                          tj_error *err)
{
    size_t extra = 0;
    for (int k = 0; k < o->n_cons; k++) extra += (size_t)o->cons[k].n;
    int *v = realloc(*cols, (*n + extra + 1) * sizeof *v);
    if (!v) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    *cols = v;
    for (int k = 0; k < o->n_cons; k++)
        for (int j = 0; j < o->cons[k].n; j++)
            if (o->cons[k].ids[j] >= 0 && o->cons[k].ids[j] < m->vocab)
                v[(*n)++] = o->cons[k].ids[j];
    qsort(v, *n, sizeof *v, cmp_int);
    size_t u = 0;
    for (size_t i = 0; i < *n; i++)
        if (!u || v[i] != v[u - 1]) v[u++] = v[i];
    *n = u;
    return TJ_OK;
}

tj_status tj_search(const tj_model *m, const tj_search_opts *o, const int *src, int len, int **out,
                    int *n_out, tj_error *err)
{
    *out = NULL;
    *n_out = 0;
    int *cols = NULL;
    size_t n_cols = 0;
    tj_status st;
    if (o->use_shortlist && m->has_shortlist) {
        st = tj_shortlist_generate(&m->shortlist, src, (size_t)len, (size_t)m->vocab,
                                   m->shared_vocab, &cols, &n_cols, err);
        if (st) return st;
    }
    int K = o->beam_size < 1 ? 1 : o->beam_size;
    int max_steps = (int)ceilf(o->max_length_factor * (float)len);
    if (max_steps < 1) max_steps = 1;
    if (o->n_cons > 0) {
        /* constrained: greedy, room for every constraint's pieces, and those pieces among the
         * shortlist's columns */
        K = 1;
        for (int k = 0; k < o->n_cons; k++) max_steps += o->cons[k].n;
        if (cols && (st = add_cols(m, o, &cols, &n_cols, err))) {
            free(cols);
            return st;
        }
    }
    tj_sentence_ctx c;
    st = tj_sentence_begin(&c, m, src, len, cols, (int)n_cols, K, err);
    if (st) {
        free(cols);
        return st;
    }
    float *state = calloc((size_t)K * m->dec_depth * m->d, sizeof(float));
    float *logits = malloc((size_t)K * c.n_cols * sizeof(float));
    int *ids = malloc(((size_t)max_steps + 1) * sizeof *ids);
    if (!state || !logits || !ids) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory decoding a sentence of %d tokens", len);
    } else {
        int unk_col = m->unk_id >= 0 ? tj_col_of(cols, c.n_cols, m->unk_id) : -1;
        if (o->n_cons > 0)
            st = greedy_cons(&c, o, ids, n_out, m->eos_id, unk_col, max_steps, state, logits, err);
        else if (K == 1)
            st = greedy(&c, o, ids, n_out, m->eos_id, unk_col, max_steps, state, logits);
        else
            st = beam(&c, o, ids, n_out, m->eos_id, unk_col, max_steps, state, logits, err);
        if (!st && tj_sa_failed(&c))
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory decoding a sentence of %d tokens", len);
    }
    free(state);
    free(logits);
    tj_sentence_end(&c);
    free(cols);
    if (st) {
        free(ids);
        *n_out = 0;
        return st;
    }
    *out = ids;
    return TJ_OK;
}
