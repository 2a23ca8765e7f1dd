/* SPDX-License-Identifier: MIT */
/* chrF and chrF++ as sacreBLEU 2.x computes them (metrics/chrf.py): character n-grams of the
 * text with all whitespace removed, counted per code point; for chrF++ also word n-grams after
 * splitting one leading or trailing ASCII punctuation mark off each word; with several
 * references, the statistics of the reference with the best sentence chrF. */
#include "eval/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "eval/ngram.h"
#include "eval/pystr.h"
#include "util/error.h"
#include "util/utf8.h"

/* One side of a segment: the text without whitespace with its code point offsets, and the
 * chrF++ words joined by single spaces with their extents. */
typedef struct side {
    char *chars;
    size_t *cp_off; /* ncp + 1 offsets into chars */
    size_t ncp;
    char *words;
    size_t *wstart, *wend;
    size_t nwords;
} side;

static void side_free(side *s)
{
    free(s->chars);
    free(s->cp_off);
    free(s->words);
    free(s->wstart);
    memset(s, 0, sizeof *s);
}

/* string.punctuation, which sacreBLEU strips from word edges. */
static int is_punct(unsigned char c)
{
    return c < 0x80 && c > ' ' && c != 0x7F && !(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z') &&
           !(c >= 'a' && c <= 'z');
}

/* sacreBLEU's _remove_punctuation on one whitespace-free word w[0..len): a word of two or more
 * characters loses a trailing punctuation mark, or else a leading one, into a word of its own.
 * Appends the resulting words to s. */
static void add_word(side *s, size_t *w, const char *word, size_t len)
{
    size_t cut_a = len, cut_b = len; /* word = [0, cut_a) + [cut_b, len) */
    int n;
    tj_utf8_decode(word, len, &n);
    if ((size_t)n < len) { /* more than one code point */
        if (is_punct((unsigned char)word[len - 1]))
            cut_a = cut_b = len - 1;
        else if (is_punct((unsigned char)word[0]))
            cut_a = cut_b = 1;
    }
    const size_t parts[2][2] = {{0, cut_a}, {cut_b, len}};
    for (int p = 0; p < 2; p++) {
        size_t a = parts[p][0], b = parts[p][1];
        if (a == b) continue;
        if (s->nwords) s->words[(*w)++] = ' ';
        s->wstart[s->nwords] = *w;
        memcpy(s->words + *w, word + a, b - a);
        *w += b - a;
        s->wend[s->nwords++] = *w;
    }
}

static tj_status side_init(side *s, const char *line, int with_words, tj_error *err)
{
    memset(s, 0, sizeof *s);
    size_t len = strlen(line);
    s->chars = malloc(len + 1);
    s->cp_off = malloc((len + 1) * sizeof *s->cp_off);
    if (with_words) {
        /* Splitting punctuation adds at most one separator per word. */
        s->words = malloc(2 * len + 1);
        s->wstart = malloc((2 * len + 2) * sizeof *s->wstart);
    }
    if (!s->chars || !s->cp_off || (with_words && (!s->words || !s->wstart))) {
        side_free(s);
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory scoring a segment");
    }
    s->wend = s->wstart ? s->wstart + len + 1 : NULL;

    size_t c = 0, w = 0, i = 0, word_start = 0;
    int in_word = 0;
    while (i <= len) {
        int n = 1;
        uint32_t cp = i < len ? tj_utf8_decode(line + i, len - i, &n) : ' ';
        if (tj_py_isspace(cp)) {
            if (in_word && with_words) add_word(s, &w, line + word_start, i - word_start);
            in_word = 0;
        } else {
            if (!in_word) word_start = i;
            in_word = 1;
            s->cp_off[s->ncp++] = c;
            memcpy(s->chars + c, line + i, (size_t)n);
            c += (size_t)n;
        }
        i += (size_t)n;
    }
    s->cp_off[s->ncp] = c;
    s->chars[c] = '\0';
    if (with_words) s->words[w] = '\0';
    return TJ_OK;
}

/* Counts every n-gram of s into m; per_order[k] gets the number of n-grams of order index k. */
static tj_status count_side(tj_ngram_map *m, const side *s, int word_order, int64_t *per_order,
                            tj_error *err)
{
    tj_status st = TJ_OK;
    for (int n = 1; n <= TJ_CHRF_CHAR_ORDER && st == TJ_OK; n++) {
        per_order[n - 1] = 0;
        for (size_t i = 0; i + (size_t)n <= s->ncp && st == TJ_OK; i++) {
            st = tj_ngram_add(m, n, s->chars + s->cp_off[i], s->cp_off[i + n] - s->cp_off[i], 1,
                              NULL, err);
            per_order[n - 1]++;
        }
    }
    for (int n = 1; n <= word_order && st == TJ_OK; n++) {
        int k = TJ_CHRF_CHAR_ORDER + n - 1;
        per_order[k] = 0;
        for (size_t i = 0; i + (size_t)n <= s->nwords && st == TJ_OK; i++) {
            size_t a = s->wstart[i], b = s->wend[i + (size_t)n - 1];
            st = tj_ngram_add(m, k + 1, s->words + a, b - a, 1, NULL, err);
            per_order[k]++;
        }
    }
    return st;
}

tj_status tj_chrf_segment(const char *hyp, const char *const *refs, size_t nrefs, int word_order,
                          tj_chrf_stats *out, size_t *used_refs, tj_error *err)
{
    memset(out, 0, sizeof *out);
    if (used_refs) *used_refs = 0;
    if (word_order < 0 || word_order > TJ_CHRF_MAX_WORD_ORDER)
        return tj_fail(err, TJ_ERR_ARG, "chrF word order %d is not in 0..%d", word_order,
                       TJ_CHRF_MAX_WORD_ORDER);
    size_t hlen = strlen(hyp);
    if (tj_utf8_check(hyp, hlen) != hlen)
        return tj_fail(err, TJ_ERR_INPUT, "hypothesis is not valid UTF-8");

    int order = TJ_CHRF_CHAR_ORDER + word_order;
    tj_ngram_map hmap, rmap;
    tj_ngram_map_init(&hmap);
    tj_ngram_map_init(&rmap);
    side h, r;
    memset(&r, 0, sizeof r);
    int64_t hcount[TJ_CHRF_MAX_ORDER] = {0}, rcount[TJ_CHRF_MAX_ORDER] = {0};
    size_t used = 0;
    double best = -1.0;

    tj_status st = side_init(&h, hyp, word_order > 0, err);
    if (st != TJ_OK) return st;
    st = count_side(&hmap, &h, word_order, hcount, err);

    for (size_t i = 0; i < nrefs && st == TJ_OK; i++) {
        size_t rlen = strlen(refs[i]);
        if (tj_utf8_check(refs[i], rlen) != rlen) {
            st = tj_fail(err, TJ_ERR_INPUT, "reference is not valid UTF-8");
            break;
        }
        if (tj_py_rstrip_len(refs[i], rlen) == 0) continue; /* empty: skipped, as in sacreBLEU */
        used++;
        side_free(&r);
        st = side_init(&r, refs[i], word_order > 0, err);
        if (st != TJ_OK) break;
        tj_ngram_map_clear(&rmap);
        st = count_side(&rmap, &r, word_order, rcount, err);
        if (st != TJ_OK) break;

        tj_chrf_stats cand;
        memset(&cand, 0, sizeof cand);
        for (size_t j = 0; j < hmap.cap; j++) {
            const tj_ngram *e = &hmap.slots[j];
            if (!e->key) continue;
            const tj_ngram *m = tj_ngram_find(&rmap, e->order, e->key, e->len);
            if (m) cand.match[e->order - 1] += e->count < m->count ? e->count : m->count;
        }
        for (int k = 0; k < order; k++) {
            /* sacreBLEU counts no hypothesis n-grams of an order the reference has none of. */
            cand.hyp[k] = rcount[k] > 0 ? hcount[k] : 0;
            cand.ref[k] = rcount[k];
        }
        double f = tj_chrf_compute(&cand, word_order);
        if (f > best) {
            best = f;
            *out = cand;
        }
    }
    if (st == TJ_OK && used == 0)
        st = tj_fail(err, TJ_ERR_INPUT, "empty reference (sacreBLEU refuses to score it)");
    if (st == TJ_OK && used_refs) *used_refs = used;
    if (st != TJ_OK) memset(out, 0, sizeof *out);
    side_free(&h);
    side_free(&r);
    tj_ngram_map_free(&hmap);
    tj_ngram_map_free(&rmap);
    return st;
}

void tj_chrf_stats_add(tj_chrf_stats *out, const tj_chrf_stats *add)
{
    for (int k = 0; k < TJ_CHRF_MAX_ORDER; k++) {
        out->hyp[k] += add->hyp[k];
        out->ref[k] += add->ref[k];
        out->match[k] += add->match[k];
    }
}

double tj_chrf_compute(const tj_chrf_stats *st, int word_order)
{
    const double factor = (double)(TJ_CHRF_BETA * TJ_CHRF_BETA);
    int order = TJ_CHRF_CHAR_ORDER + word_order, eff = 0;
    double avg_prec = 0.0, avg_rec = 0.0;
    for (int k = 0; k < order; k++) {
        if (st->hyp[k] > 0 && st->ref[k] > 0) {
            avg_prec += (double)st->match[k] / (double)st->hyp[k];
            avg_rec += (double)st->match[k] / (double)st->ref[k];
            eff++;
        }
    }
    if (eff == 0) return 0.0;
    avg_prec /= eff;
    avg_rec /= eff;
    if (avg_prec + avg_rec == 0.0) return 0.0;
    double score = (1.0 + factor) * avg_prec * avg_rec;
    score /= factor * avg_prec + avg_rec;
    return 100.0 * score;
}
