/* SPDX-License-Identifier: MIT */
/* Inline markup carried onto the translation (the idea of Bergamot's HTML mode, our own rules):
 * each target token takes the source token it attends most to in the last decoder layer; a span
 * covers the hull of the target tokens whose source token lies in it. Then the spans are made to
 * nest like the source (clipped into their parent, siblings kept apart in target order), so the
 * output is well-formed and every span appears exactly once. Sentences are never crossed: a span
 * only reaches into the sentences its source reaches into. */
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Letters and digits; any byte of a multi-byte character counts (Arabic letters). */
static int is_word(char c)
{
    unsigned char u = (unsigned char)c;
    return u >= 0x80 || (u >= '0' && u <= '9') || ((u | 32) >= 'a' && (u | 32) <= 'z');
}

static size_t min_z(size_t a, size_t b)
{
    return a < b ? a : b;
}
static size_t max_z(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* Target position for source offset x inside sentence s (a point, for empty spans). */
static size_t point_in(const tj_doc_sent *s, size_t x)
{
    if (s->n_src && !s->align) return s->trg_begin; /* no alignment: the sentence's start */
    if (!s->n_src || !s->trg_tok || !s->n_trg) {
        /* copied unchanged, or no tokens: the same offset, clipped */
        size_t off = x - s->src_begin;
        return min_z(s->trg_begin + off, s->trg_end);
    }
    /* the first source token at or after x; the earliest target token aligned to it or later */
    int j = 0;
    while (j < s->n_src && s->src_tok[2 * j + 1] <= x) j++;
    if (j >= s->n_src) return s->trg_end;
    size_t best = s->trg_end;
    for (int t = 0; t < s->n_trg; t++)
        if (s->align[t] >= j && s->trg_tok[2 * t] < best) best = s->trg_tok[2 * t];
    return best;
}

/* The target range of source range [b, e) (non-empty) within sentence s; 0 when nothing there. */
static int range_in(const tj_doc_sent *s, const char *out, size_t b, size_t e, size_t *ob,
                    size_t *oe)
{
    size_t sb = max_z(b, s->src_begin), se = min_z(e, s->src_end);
    if (sb >= se) return 0;
    if (sb == s->src_begin && se == s->src_end) {
        *ob = s->trg_begin, *oe = s->trg_end;
        return 1;
    }
    if (s->n_src && !s->align) {
        /* no alignment from this model: the documented fallback, the whole sentence */
        *ob = s->trg_begin, *oe = s->trg_end;
        return 1;
    }
    if (!s->n_src || !s->trg_tok) {
        *ob = min_z(s->trg_begin + (sb - s->src_begin), s->trg_end);
        *oe = min_z(s->trg_begin + (se - s->src_begin), s->trg_end);
        return *oe > *ob;
    }
    size_t lo = (size_t)-1, hi = 0;
    int found = 0;
    for (int t = 0; t < s->n_trg; t++) {
        int a = s->align[t];
        if (a < 0 || s->trg_tok[2 * t] >= s->trg_tok[2 * t + 1]) continue;
        if (s->src_tok[2 * a] < se && s->src_tok[2 * a + 1] > sb) {
            lo = min_z(lo, s->trg_tok[2 * t]);
            hi = max_z(hi, s->trg_tok[2 * t + 1]);
            found = 1;
        }
    }
    if (!found) {
        /* No token chose this text: the target token with the most attention on it. Text
         * without a source token in it (blank) has none: it gets no range, so it becomes a point
         * (an atomic span placed over the first target token would have replaced that word). */
        int S = s->n_src + 1, bt = -1;
        float bm = 0;
        for (int t = 0; t < s->n_trg; t++) {
            if (s->trg_tok[2 * t] >= s->trg_tok[2 * t + 1]) continue;
            float sum = 0;
            for (int j = 0; j < s->n_src; j++)
                if (s->src_tok[2 * j] < se && s->src_tok[2 * j + 1] > sb)
                    sum += s->attn[(size_t)t * S + j];
            if (sum > bm) bm = sum, bt = t;
        }
        if (bt < 0) return 0;
        lo = s->trg_tok[2 * bt], hi = s->trg_tok[2 * bt + 1];
    }
    /* Whole words: tokens are pieces of words, and a tag inside a word helps nobody. */
    if (out) {
        while (lo > s->trg_begin && is_word(out[lo - 1])) lo--;
        while (hi < s->trg_end && is_word(out[hi])) hi++;
    }
    /* A span that goes on past the sentence takes the rest of it (and the start likewise), so
     * that it stays one piece across the sentence boundary. */
    if (e > s->src_end) hi = s->trg_end;
    if (b < s->src_begin) lo = s->trg_begin;
    *ob = lo, *oe = hi;
    return 1;
}

/* Unclipped target range of source range [b, e). */
static void raw_range(const tj_doc_para *p, size_t b, size_t e, size_t *ob, size_t *oe)
{
    size_t lo = (size_t)-1, hi = 0;
    int found = 0;
    size_t gap_src = 0, gap_trg = 0; /* start of the gap before sentence k, both sides */
    for (size_t k = 0; k <= p->ns; k++) {
        size_t gse = k < p->ns ? p->s[k].src_begin : (size_t)-1;
        size_t gte = k < p->ns ? p->s[k].trg_begin : p->out_len;
        size_t glen = gte - gap_trg; /* copied bytes: same length on both sides */
        /* the gap [gap_src, gap_src + glen) */
        size_t sb = max_z(b, gap_src), se = min_z(e, gap_src + glen);
        if (sb < se) {
            lo = min_z(lo, gap_trg + (sb - gap_src));
            hi = max_z(hi, gap_trg + (se - gap_src));
            found = 1;
        }
        (void)gse;
        if (k == p->ns) break;
        size_t a, z;
        if (range_in(&p->s[k], p->out, b, e, &a, &z)) {
            lo = min_z(lo, a), hi = max_z(hi, z);
            found = 1;
        }
        gap_src = p->s[k].src_end, gap_trg = p->s[k].trg_end;
    }
    if (found) {
        *ob = lo, *oe = hi;
        return;
    }
    /* Empty (or found no place): a point. */
    size_t x = b, pos = p->out_len;
    gap_src = 0, gap_trg = 0;
    for (size_t k = 0; k <= p->ns; k++) {
        size_t gte = k < p->ns ? p->s[k].trg_begin : p->out_len;
        if (x <= gap_src + (gte - gap_trg)) {
            pos = min_z(gap_trg + (x - gap_src), gte);
            break;
        }
        if (k == p->ns) break;
        if (x < p->s[k].src_end) {
            pos = point_in(&p->s[k], x);
            break;
        }
        gap_src = p->s[k].src_end, gap_trg = p->s[k].trg_end;
    }
    *ob = *oe = pos;
}

typedef struct kid {
    size_t i;
    size_t b;
    int empty;
} kid;

static int cmp_kid(const void *x, const void *y)
{
    const kid *a = x, *b = y;
    if (a->b != b->b) return a->b < b->b ? -1 : 1;
    if (a->empty != b->empty)
        return a->empty ? -1 : 1;          /* a point before a span at the same place */
    return a->i < b->i ? -1 : a->i > b->i; /* ties: source order */
}

void tj_doc_project_spans(const tj_doc_para *p, const char *src, size_t src_len, tj_doc_span *spans,
                          size_t n)
{
    (void)src, (void)src_len;
    for (size_t i = 0; i < n; i++) {
        tj_doc_span *s = &spans[i];
        raw_range(p, s->begin, s->end, &s->out_begin, &s->out_end);
        /* An atomic span replaces the words it is aligned to with its original content: when a
         * weak alignment spreads it over much more text than it had, those words would be lost,
         * so it goes in as a point at their start instead. */
        if (s->atomic && s->out_end - s->out_begin > 2 * (s->end - s->begin) + 8)
            s->out_end = s->out_begin;
    }
    /* Nest: for each parent (and the paragraph itself, -1), its children in target order, each
     * clipped into the parent and starting where the previous one ended. */
    kid *ks = malloc((n ? n : 1) * sizeof *ks);
    for (long par = -1; par < (long)n; par++) {
        size_t pb = par < 0 ? 0 : spans[par].out_begin,
               pe = par < 0 ? p->out_len : spans[par].out_end;
        size_t nk = 0;
        for (size_t i = 0; i < n; i++)
            if (spans[i].parent == par) {
                if (ks)
                    ks[nk] = (kid){i, spans[i].out_begin, spans[i].out_end == spans[i].out_begin};
                nk++;
            }
        if (!ks) {
            /* out of memory: keep source order, which is always consistent */
            size_t pos = pb;
            for (size_t i = 0; i < n; i++)
                if (spans[i].parent == par) {
                    size_t a = min_z(max_z(spans[i].out_begin, pos), pe);
                    size_t z = min_z(max_z(spans[i].out_end, a), pe);
                    spans[i].out_begin = a, spans[i].out_end = z, pos = z;
                }
            continue;
        }
        qsort(ks, nk, sizeof *ks, cmp_kid);
        size_t pos = pb;
        for (size_t k = 0; k < nk; k++) {
            tj_doc_span *s = &spans[ks[k].i];
            if (k && s->out_begin < pos && s->out_begin > spans[ks[k - 1].i].out_begin) {
                /* it starts inside the previous sibling: that one ends where this begins (a
                 * span in the middle of another cannot nest as a sibling any other way) */
                tj_doc_span *q = &spans[ks[k - 1].i];
                q->out_end = s->out_begin;
                while (q->out_end > q->out_begin && is_space(p->out[q->out_end - 1])) q->out_end--;
                pos = s->out_begin;
            }
            size_t a = min_z(max_z(s->out_begin, pos), pe);
            size_t z = min_z(max_z(s->out_end, a), pe);
            while (a < z && is_space(p->out[a])) a++; /* pushed onto a space: start at the word */
            s->out_begin = a, s->out_end = z;
            pos = z;
        }
    }
    free(ks);
}

/* Events of par's content [pb, pe): its children in output order (by out_begin, ties in source
 * order; projection made them disjoint) with the text between them. */
static long emit(const tj_doc_span *spans, size_t n, long par, size_t pb, size_t pe,
                 tj_doc_event *ev, long k)
{
    size_t pos = pb;
    size_t nk = 0;
    for (size_t i = 0; i < n; i++)
        if (spans[i].parent == par) nk++;
    kid *ks = malloc((nk ? nk : 1) * sizeof *ks);
    if (!ks) return -1;
    nk = 0;
    for (size_t i = 0; i < n; i++)
        if (spans[i].parent == par)
            ks[nk++] = (kid){i, spans[i].out_begin, spans[i].out_end == spans[i].out_begin};
    qsort(ks, nk, sizeof *ks, cmp_kid);
    for (size_t c = 0; c < nk; c++) {
        const tj_doc_span *s = &spans[ks[c].i];
        if (s->out_begin > pos) ev[k++] = (tj_doc_event){TJ_EV_TEXT, pos, s->out_begin, -1};
        if (s->atomic) {
            ev[k++] = (tj_doc_event){TJ_EV_ATOMIC, 0, 0, (int)ks[c].i};
        } else {
            ev[k++] = (tj_doc_event){TJ_EV_OPEN, 0, 0, (int)ks[c].i};
            k = emit(spans, n, (long)ks[c].i, s->out_begin, s->out_end, ev, k);
            if (k < 0) {
                free(ks);
                return -1;
            }
            ev[k++] = (tj_doc_event){TJ_EV_CLOSE, 0, 0, (int)ks[c].i};
        }
        pos = s->out_end;
    }
    free(ks);
    if (pe > pos) ev[k++] = (tj_doc_event){TJ_EV_TEXT, pos, pe, -1};
    return k;
}

long tj_doc_events(const tj_doc_para *p, const tj_doc_span *spans, size_t n, tj_doc_event *ev)
{
    return emit(spans, n, -1, 0, p->out_len, ev, 0);
}
