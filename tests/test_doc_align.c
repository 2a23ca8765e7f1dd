/* SPDX-License-Identifier: MIT */
/* Word alignment from a forced decode (decode/align.c) and inline markup placed through it
 * (doc/inline.c):
 *  - the attention that tj_align_head recomputes from the step's scratch equals the one the
 *    decoder step itself computed (every head, side by side in the context's scores): this fails
 *    when transformer.c changes what its scratch holds after a step;
 *  - forced decoding of a greedy full-vocabulary output gives each token the best log-probability
 *    of its step, and attention rows that sum to 1;
 *  - span projection on hand-made alignments (nesting, reordered siblings, a span over a sentence
 *    boundary, points), expected values worked out by hand;
 *  - on random paragraphs, spans and alignments: every span exactly once, well nested, the text
 *    covered exactly once and in order. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/align.h"
#include "decode/search.h"
#include "doc/doc.h"
#include "tok/spm.h"

#include "check.h"

static void check_model(const char *dir)
{
    tj_model *m = NULL;
    tj_error err;
    if (tj_model_open(dir, &m, &err)) {
        CHECK(0, "open %s: %s", dir, err.message);
        return;
    }
    const char *text = strstr(dir, "ar-en") ? "وصل الرئيس إلى القاهرة صباح اليوم."
                                            : "The president arrived in Cairo this morning.";
    tj_piece *p = NULL;
    size_t np = 0;
    EXPECT(tj_spm_encode(m->src_spm, text, strlen(text), &p, &np, &err) == TJ_OK);
    int S = (int)np + 1;
    int *src = malloc((size_t)S * sizeof *src);
    for (size_t i = 0; i < np; i++) src[i] = p[i].id;
    src[np] = m->eos_id;
    tj_search_opts so = {1, 1.0f, 2.0f, 0, NULL, 0};
    int *ids = NULL, T = 0;
    EXPECT(tj_search(m, &so, src, S, &ids, &T, &err) == TJ_OK);
    CHECK(T > 1, "%s: output of %d tokens", dir, T);

    /* step by step: the recomputed heads against the step's own */
    tj_sentence_ctx c;
    EXPECT(tj_sentence_begin(&c, m, src, S, NULL, 0, 1, &err) == TJ_OK);
    float *state = calloc((size_t)m->dec_depth * m->d, sizeof(float));
    float *logits = malloc((size_t)m->vocab * sizeof(float));
    float *q = malloc((size_t)m->d * sizeof(float)), *a = malloc((size_t)S * sizeof(float));
    uint8_t *qbuf = malloc((size_t)m->d);
    float *attn = malloc((size_t)T * S * sizeof(float)), *lp = malloc((size_t)T * sizeof(float));
    EXPECT(tj_force_decode(m, src, S, ids, T, attn, lp, &err) == TJ_OK);
    double worst = 0;
    for (int t = 0; t < T; t++) {
        int prev = t ? ids[t - 1] : -1;
        tj_decoder_step(&c, &prev, t, 1, state, logits);
        /* the step leaves the last layer's heads side by side in c.scores: head h at h * S */
        for (int h = 0; h < m->heads; h++) {
            tj_align_head(&c, h, q, qbuf, a);
            for (int j = 0; j < S; j++) {
                double dd = fabs((double)a[j] - (double)c.scores[(size_t)h * S + j]);
                if (dd > worst) worst = dd;
            }
        }
        /* head 0, as tj_force_decode reports it */
        tj_align_head(&c, 0, q, qbuf, a);
        double sum = 0, diff = 0;
        for (int j = 0; j < S; j++) {
            sum += attn[(size_t)t * S + j];
            diff += fabs((double)a[j] - (double)attn[(size_t)t * S + j]);
        }
        CHECK(fabs(sum - 1.0) < 1e-4, "%s step %d: attention sums to %g", dir, t, sum);
        CHECK(diff < 1e-6, "%s step %d: forced decode attention differs by %g", dir, t, diff);
        /* greedy over the whole vocabulary: the token taken has the best score of its step */
        float best = logits[0];
        for (int j = 1; j < m->vocab; j++) best = logits[j] > best ? logits[j] : best;
        CHECK(logits[ids[t]] == best, "%s step %d: token %d is not the argmax", dir, t, ids[t]);
        CHECK(lp[t] <= 0 && lp[t] > -50, "%s step %d: log-probability %g", dir, t, lp[t]);
    }
    CHECK(worst < 1e-5,
          "%s: attention recomputed from the step's scratch differs from the step's own by %g "
          "(has transformer.c changed what c->y1 / c->scores hold after tj_decoder_step?)",
          dir, worst);
    tj_sentence_end(&c);
    free(state), free(logits), free(q), free(a), free(qbuf), free(attn), free(lp);
    free(ids), free(src), free(p);
    tj_model_close(m);
}

/* A hand-made one-sentence paragraph. */
static size_t src_tok1[] = {0, 3, 4, 7, 8, 11, 12, 15, 16, 23, 23, 24};
/* "Le grand voiture rouge arretee." */
static size_t trg_tok1[] = {0, 2, 3, 8, 9, 16, 17, 22, 23, 30, 30, 31};
static int align1[] = {0, 1, 3, 2, 4, 5};
static const char *src1 = "The big red car stopped.";
static const char *out1 = "Le grand voiture rouge arretee.";

static tj_doc_para para1(tj_doc_sent *s)
{
    memset(s, 0, sizeof *s);
    s->src_begin = 0, s->src_end = 24, s->trg_begin = 0, s->trg_end = 31;
    s->n_src = 6, s->n_trg = 6;
    s->src_tok = src_tok1, s->trg_tok = trg_tok1, s->align = align1;
    static float attn[6 * 7];
    for (int t = 0; t < 6; t++)
        for (int j = 0; j < 7; j++) attn[t * 7 + j] = j == align1[t] ? 0.9f : 0.1f / 6;
    s->attn = attn;
    tj_doc_para p = {(char *)out1, strlen(out1), s, 1};
    return p;
}

static void events_str(const tj_doc_para *p, const tj_doc_span *sp, size_t n, const char *names,
                       char *buf)
{
    tj_doc_event ev[64];
    long ne = tj_doc_events(p, sp, n, ev);
    buf[0] = '\0';
    for (long k = 0; k < ne; k++) {
        char t[64];
        if (ev[k].kind == TJ_EV_TEXT)
            snprintf(t, sizeof t, "%.*s", (int)(ev[k].end - ev[k].begin), p->out + ev[k].begin);
        else if (ev[k].kind == TJ_EV_OPEN)
            snprintf(t, sizeof t, "<%c>", names[ev[k].span]);
        else if (ev[k].kind == TJ_EV_CLOSE)
            snprintf(t, sizeof t, "</%c>", names[ev[k].span]);
        else
            snprintf(t, sizeof t, "<%c/>", names[ev[k].span]);
        strcat(buf, t);
    }
}

static void check_projection(void)
{
    tj_doc_sent s;
    tj_doc_para p = para1(&s);
    char buf[512];
    /* <a>big <b>red car</b></a> with <i>big</i> inside a */
    tj_doc_span sp[3] = {{4, 15, -1, 0, 0, 0}, {4, 7, 0, 0, 0, 0}, {8, 15, 0, 0, 0, 0}};
    tj_doc_project_spans(&p, src1, strlen(src1), sp, 3);
    events_str(&p, sp, 3, "aib", buf);
    CHECK(!strcmp(buf, "Le <a><i>grand</i> <b>voiture rouge</b></a> arretee."), "nested: %s", buf);

    /* siblings whose words swap: "red" (i) and "car" (u) -> voiture (u) rouge (i) */
    tj_doc_span sw[2] = {{8, 11, -1, 0, 0, 0}, {12, 15, -1, 0, 0, 0}};
    tj_doc_project_spans(&p, src1, strlen(src1), sw, 2);
    events_str(&p, sw, 2, "iu", buf);
    CHECK(!strcmp(buf, "Le grand <u>voiture</u> <i>rouge</i> arretee."), "swapped: %s", buf);

    /* a point (an image before "car"): before the first word aligned to "car" or later */
    tj_doc_span pt[1] = {{12, 12, -1, 1, 0, 0}};
    tj_doc_project_spans(&p, src1, strlen(src1), pt, 1);
    events_str(&p, pt, 1, "m", buf);
    CHECK(!strcmp(buf, "Le grand <m/>voiture rouge arretee."), "point: %s", buf);

    /* a blank atomic span (an inline element holding one space, kept whole) covers no word:
     * it goes in as a point and every word stays (it replaced the first word, "Le", found by
     * fuzzing with tests/fuzz/fake.h) */
    tj_doc_span bl[1] = {{7, 8, -1, 1, 0, 0}};
    tj_doc_project_spans(&p, src1, strlen(src1), bl, 1);
    events_str(&p, bl, 1, "w", buf);
    CHECK(!strcmp(buf, "Le grand <w/>voiture rouge arretee."), "blank atomic: %s", buf);

    /* part of a word: the tag takes the whole target word */
    size_t tt[] = {0, 2, 3, 6, 6, 8, 9, 16, 17, 22, 23, 30, 30, 31}; /* "gra" + "nd" */
    int al[] = {0, 1, 5, 3, 2, 4, 5};
    tj_doc_sent s2 = s;
    s2.n_trg = 7, s2.trg_tok = tt, s2.align = al;
    float at2[7 * 7];
    for (int t = 0; t < 7; t++)
        for (int j = 0; j < 7; j++) at2[t * 7 + j] = j == al[t] ? 0.9f : 0.1f / 6;
    s2.attn = at2;
    tj_doc_para p2 = {(char *)out1, strlen(out1), &s2, 1};
    tj_doc_span wb[1] = {{4, 7, -1, 0, 0, 0}};
    tj_doc_project_spans(&p2, src1, strlen(src1), wb, 1);
    events_str(&p2, wb, 1, "b", buf);
    CHECK(!strcmp(buf, "Le <b>grand</b> voiture rouge arretee."), "word: %s", buf);

    /* two sentences with a span from the middle of the first into the second:
     * "One two. Three four." -> "Un deux. Trois quatre." */
    static size_t st_a[] = {0, 3, 4, 7, 7, 8}, tt_a[] = {0, 2, 3, 7, 7, 8};
    static size_t st_b[] = {9, 14, 15, 19, 19, 20}, tt_b[] = {9, 14, 15, 21, 21, 22};
    static int al3[] = {0, 1, 2};
    static float at3[3 * 4];
    for (int t = 0; t < 3; t++)
        for (int j = 0; j < 4; j++) at3[t * 4 + j] = j == t ? 1.0f : 0.0f;
    tj_doc_sent two[2] = {{0, 8, 0, 8, 3, 3, st_a, tt_a, at3, al3, 0},
                          {9, 20, 9, 22, 3, 3, st_b, tt_b, at3, al3, 0}};
    const char *out3 = "Un deux. Trois quatre.";
    tj_doc_para p3 = {(char *)out3, strlen(out3), two, 2};
    tj_doc_span cross[1] = {{4, 14, -1, 0, 0, 0}}; /* "two. Three" */
    tj_doc_project_spans(&p3, "One two. Three four.", 20, cross, 1);
    events_str(&p3, cross, 1, "s", buf);
    CHECK(!strcmp(buf, "Un <s>deux. Trois</s> quatre."), "across sentences: %s", buf);
    /* the same span only in the second sentence stays there */
    tj_doc_span second[1] = {{15, 19, -1, 0, 0, 0}};
    tj_doc_project_spans(&p3, "One two. Three four.", 20, second, 1);
    events_str(&p3, second, 1, "s", buf);
    CHECK(!strcmp(buf, "Un deux. Trois <s>quatre</s>."), "second sentence: %s", buf);
}

static uint64_t rng = 0x2545F4914F6CDD1Du;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)((rng >> 33) % n);
}

/* Random words "xx xxx ..." with sentences, spans and alignments; the invariants. */
static void check_random(void)
{
    for (int iter = 0; iter < 2000; iter++) {
        char src[512], out[512];
        size_t sl = 0, ol = 0;
        tj_doc_sent ss[4];
        size_t stok[4][2 * 16], ttok[4][2 * 16];
        int al[4][16];
        float at[4][16 * 17];
        int ns = 1 + (int)rnd(3);
        for (int k = 0; k < ns; k++) {
            if (k) src[sl++] = ' ', out[ol++] = ' ';
            tj_doc_sent *s = &ss[k];
            memset(s, 0, sizeof *s);
            s->src_begin = sl, s->trg_begin = ol;
            int copied = rnd(5) == 0;
            int nw = 1 + (int)rnd(8), nt = 1 + (int)rnd(10);
            for (int w = 0; w < nw; w++) {
                if (w) src[sl++] = ' ';
                stok[k][2 * w] = sl;
                for (unsigned c = 0, L = 1 + rnd(4); c < L; c++) src[sl++] = (char)('a' + rnd(26));
                stok[k][2 * w + 1] = sl;
            }
            s->src_end = sl;
            if (copied) {
                memcpy(out + ol, src + s->src_begin, sl - s->src_begin);
                ol += sl - s->src_begin;
            } else {
                for (int t = 0; t < nt; t++) {
                    int space = t && rnd(3) != 0; /* some tokens continue a word */
                    if (space) out[ol++] = ' ';
                    ttok[k][2 * t] = ol;
                    for (unsigned c = 0, L = 1 + rnd(3); c < L; c++)
                        out[ol++] = (char)('A' + rnd(26));
                    ttok[k][2 * t + 1] = ol;
                    al[k][t] = (int)rnd((unsigned)nw);
                    for (int j = 0; j <= nw; j++) at[k][t * (nw + 1) + j] = (float)rnd(100) / 100;
                }
                s->n_src = nw, s->n_trg = nt;
                s->src_tok = stok[k], s->trg_tok = ttok[k], s->align = al[k], s->attn = at[k];
            }
            s->trg_end = ol;
        }
        src[sl] = out[ol] = '\0';
        tj_doc_para p = {out, ol, ss, (size_t)ns};
        /* random well-nested spans over src, pre-order */
        tj_doc_span sp[12];
        int n = 0;
        struct {
            size_t b, e;
            int idx;
        } stack[12];
        int top = 0;
        stack[0].b = 0, stack[0].e = sl, stack[0].idx = -1;
        size_t cur = 0;
        while (n < 12 && cur < sl) {
            size_t pe = stack[top].e;
            if (cur >= pe && top > 0) {
                top--;
                continue;
            }
            size_t b = cur + rnd((unsigned)(pe - cur + 1));
            size_t e = b + rnd((unsigned)(pe - b + 1));
            sp[n] = (tj_doc_span){b, e, stack[top].idx, rnd(6) == 0, 0, 0};
            if (!sp[n].atomic && e > b && top < 11) {
                stack[++top].b = b, stack[top].e = e, stack[top].idx = n;
                cur = b;
            } else {
                cur = e + (e == b);
            }
            n++;
            if (rnd(4) == 0 && top > 0) {
                cur = stack[top].e;
                top--;
            }
        }
        tj_doc_project_spans(&p, src, sl, sp, (size_t)n);
        tj_doc_event ev[64];
        long ne = tj_doc_events(&p, sp, (size_t)n, ev);
        int seen[12] = {0}, depth = 0, stk[12], bad = 0;
        size_t pos = 0;
        for (long k = 0; k < ne; k++) {
            tj_doc_event *e = &ev[k];
            if (e->kind == TJ_EV_TEXT) {
                if (e->begin != pos || e->end <= e->begin) bad = 1;
                pos = e->end;
            } else if (e->kind == TJ_EV_OPEN) {
                if (sp[e->span].parent != (depth ? stk[depth - 1] : -1)) bad = 2;
                stk[depth++] = e->span;
                seen[e->span]++;
                if (sp[e->span].out_begin != pos) bad = 3;
            } else if (e->kind == TJ_EV_CLOSE) {
                if (!depth || stk[depth - 1] != e->span) bad = 4;
                depth--;
                if (sp[e->span].out_end != pos) bad = 5;
            } else {
                seen[e->span]++;
                if (sp[e->span].out_begin != pos) bad = 6;
                pos = sp[e->span].out_end;
                if (sp[e->span].parent != (depth ? stk[depth - 1] : -1)) bad = 7;
            }
        }
        if (pos != ol || depth) bad = 8;
        for (int i = 0; i < n; i++)
            if (seen[i] != 1) bad = 9;
        CHECK(!bad, "random case %d: invariant %d broken (src '%s', out '%s', %d spans)", iter, bad,
              src, out, n);
        if (bad) {
            for (int i = 0; i < n; i++)
                printf("  span %d [%zu,%zu) parent %d atomic %d -> [%zu,%zu)\n", i, sp[i].begin,
                       sp[i].end, sp[i].parent, sp[i].atomic, sp[i].out_begin, sp[i].out_end);
            break;
        }
    }
}

int main(void)
{
    check_model("models/ar-en");
    check_model("models/en-ar");
    check_projection();
    check_random();
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
