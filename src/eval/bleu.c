/* SPDX-License-Identifier: MIT */
/* BLEU as sacreBLEU 2.x computes it (metrics/bleu.py): n-gram counts clipped by the maximum
 * count over the references, the closest reference length for the brevity penalty (ties go to
 * the shorter reference), mteval's exponential smoothing, and the same floating-point
 * operations in the same order so that scores agree to the last bit. */
#include "eval/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/ngram.h"
#include "eval/pystr.h"
#include "util/error.h"
#include "util/utf8.h"

/* Counts the 1..TJ_BLEU_ORDER-grams of a space-joined token string into m. */
static tj_status count_ngrams(tj_ngram_map *m, const char *toks, size_t ntok, tj_error *err)
{
    if (ntok == 0) return TJ_OK;
    size_t *start = malloc(2 * ntok * sizeof *start);
    if (!start) return tj_fail(err, TJ_ERR_NOMEM, "out of memory counting n-grams");
    size_t *end = start + ntok, k = 0, i = 0;
    while (k < ntok) {
        start[k] = i;
        while (toks[i] && toks[i] != ' ') i++;
        end[k++] = i++;
    }
    tj_status st = TJ_OK;
    for (int n = 1; n <= TJ_BLEU_ORDER && st == TJ_OK; n++)
        for (size_t t = 0; t + (size_t)n <= ntok && st == TJ_OK; t++)
            st = tj_ngram_add(m, n, toks + start[t], end[t + (size_t)n - 1] - start[t], 1, NULL,
                              err);
    free(start);
    return st;
}

/* Strips trailing whitespace, checks UTF-8 and tokenizes. *toks is NULL for an empty line. */
static tj_status prepare(const char *line, const char *what, char **toks, size_t *ntok,
                         tj_error *err)
{
    *toks = NULL;
    *ntok = 0;
    size_t len = tj_py_rstrip_len(line, strlen(line));
    if (tj_utf8_check(line, len) != len)
        return tj_fail(err, TJ_ERR_INPUT, "%s is not valid UTF-8", what);
    if (len == 0) return TJ_OK;
    return tj_tok13a(line, len, toks, ntok, err);
}

/* sacreBLEU's _get_closest_ref_len. */
static int64_t closest_ref_len(int64_t hyp_len, const int64_t *lens, size_t n)
{
    int64_t best_diff = -1, best = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t diff = hyp_len > lens[i] ? hyp_len - lens[i] : lens[i] - hyp_len;
        if (best_diff == -1 || diff < best_diff) {
            best_diff = diff;
            best = lens[i];
        } else if (diff == best_diff && lens[i] < best) {
            best = lens[i];
        }
    }
    return best;
}

tj_status tj_bleu_segment(const char *hyp, const char *const *refs, size_t nrefs,
                          tj_bleu_stats *out, size_t *used_refs, tj_error *err)
{
    memset(out, 0, sizeof *out);
    if (used_refs) *used_refs = 0;
    tj_status st = TJ_OK;
    tj_ngram_map merged, one;
    tj_ngram_map_init(&merged);
    tj_ngram_map_init(&one);
    char **rtoks = calloc(nrefs ? nrefs : 1, sizeof *rtoks);
    int64_t *rlens = calloc(nrefs ? nrefs : 1, sizeof *rlens);
    char *htoks = NULL;
    size_t used = 0;
    if (!rtoks || !rlens) {
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory scoring a segment");
        goto done;
    }

    for (size_t r = 0; r < nrefs; r++) {
        size_t ntok;
        st = prepare(refs[r], "reference", &rtoks[r], &ntok, err);
        if (st != TJ_OK) goto done;
        if (!rtoks[r]) continue; /* empty: sacreBLEU drops it from this segment's references */
        rlens[used++] = (int64_t)ntok;
        tj_ngram_map_clear(&one);
        st = count_ngrams(&one, rtoks[r], ntok, err);
        if (st != TJ_OK) goto done;
        /* Clip against the largest count any one reference has. */
        for (size_t i = 0; i < one.cap; i++) {
            const tj_ngram *e = &one.slots[i];
            if (!e->key) continue;
            tj_ngram *m;
            st = tj_ngram_add(&merged, e->order, e->key, e->len, 0, &m, err);
            if (st != TJ_OK) goto done;
            if (e->count > m->count) m->count = e->count;
        }
    }
    if (used == 0) {
        st = tj_fail(err, TJ_ERR_INPUT, "empty reference (sacreBLEU refuses to score it)");
        goto done;
    }

    size_t hlen;
    st = prepare(hyp, "hypothesis", &htoks, &hlen, err);
    if (st != TJ_OK) goto done;
    tj_ngram_map_clear(&one);
    if (htoks) st = count_ngrams(&one, htoks, hlen, err);
    if (st != TJ_OK) goto done;
    for (size_t i = 0; i < one.cap; i++) {
        const tj_ngram *e = &one.slots[i];
        if (!e->key) continue;
        out->total[e->order - 1] += e->count;
        const tj_ngram *r = tj_ngram_find(&merged, e->order, e->key, e->len);
        if (r) out->correct[e->order - 1] += e->count < r->count ? e->count : r->count;
    }
    out->hyp_len = (int64_t)hlen;
    out->ref_len = closest_ref_len(out->hyp_len, rlens, used);
    if (used_refs) *used_refs = used;

done:
    if (rtoks)
        for (size_t r = 0; r < nrefs; r++) free(rtoks[r]);
    free(rtoks);
    free(rlens);
    free(htoks);
    tj_ngram_map_free(&merged);
    tj_ngram_map_free(&one);
    return st;
}

void tj_bleu_stats_add(tj_bleu_stats *out, const tj_bleu_stats *add)
{
    out->hyp_len += add->hyp_len;
    out->ref_len += add->ref_len;
    for (int n = 0; n < TJ_BLEU_ORDER; n++) {
        out->correct[n] += add->correct[n];
        out->total[n] += add->total[n];
    }
}

/* sacreBLEU's my_log: log with log(0) floored to a huge negative number. */
static double floored_log(double x)
{
    return x == 0.0 ? -9999999999.0 : log(x);
}

void tj_bleu_compute(const tj_bleu_stats *st, int effective_order, tj_bleu_score *out)
{
    memset(out, 0, sizeof *out);
    int64_t sys_len = st->hyp_len, ref_len = st->ref_len;
    out->hyp_len = sys_len;
    out->ref_len = ref_len;
    out->ratio = ref_len ? (double)sys_len / (double)ref_len : 0.0;
    if (sys_len < ref_len)
        out->bp = sys_len > 0 ? exp(1.0 - (double)ref_len / (double)sys_len) : 0.0;
    else
        out->bp = 1.0;

    int any = 0;
    for (int n = 0; n < TJ_BLEU_ORDER; n++) any |= st->correct[n] != 0;
    if (!any) return; /* no match at any order: 0, unsmoothed (sacreBLEU #141) */

    double smooth = 1.0;
    int eff_order = TJ_BLEU_ORDER;
    for (int n = 1; n <= TJ_BLEU_ORDER; n++) {
        if (st->total[n - 1] == 0) break;
        if (effective_order) eff_order = n;
        if (st->correct[n - 1] == 0) {
            smooth *= 2;
            out->precisions[n - 1] = 100.0 / (smooth * (double)st->total[n - 1]);
        } else {
            out->precisions[n - 1] = 100.0 * (double)st->correct[n - 1] / (double)st->total[n - 1];
        }
    }
    double sum = 0.0;
    for (int n = 0; n < eff_order; n++) sum += floored_log(out->precisions[n]);
    out->score = out->bp * exp(sum / eff_order);
}
