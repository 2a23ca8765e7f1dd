/* SPDX-License-Identifier: MIT */
/* Batched greedy search (decode/batch.h) against tj_search one sentence at a time, on the starter
 * model in models/ar-en: every sentence's target ids must be identical, with and without the
 * shortlist, for sentences of mixed lengths (one that runs to the length limit, an empty one)
 * that leave the batch at different steps. tj_search is the reference: it is what the fixture
 * parity tests check against Marian's outputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/batch.h"
#include "decode/model.h"
#include "tok/spm.h"

#include "check.h"

static const char *texts[] = {
    "وصل الرئيس إلى القاهرة صباح اليوم.",
    "اللغة العربية جميلة.",
    "مرحبا بالعالم.",
    "",
    "كيف حالك؟",
    "ذهبت إلى السوق لشراء الخبز والحليب والفواكه مع أخي الصغير.",
    "قال المتحدث باسم الحكومة إن الاجتماع سيعقد يوم الخميس المقبل في العاصمة لمناقشة الميزانية.",
    "الطقس حار جدا في الصيف.",
    "يدرس الطلاب في المكتبة كل مساء، ثم يعودون إلى بيوتهم.",
    "نعم نعم نعم نعم نعم نعم نعم نعم نعم نعم نعم نعم نعم نعم نعم نعم",
};
enum { N = sizeof texts / sizeof *texts };

/* tj_batch_cut: at most max_jobs sentences and max_tokens tokens a batch, a longer sentence
 * alone, every sentence in exactly one batch, in order. */
static void test_cut(void)
{
    static const int len[] = {90, 80, 30, 30, 30, 700, 10, 10, 10, 10, 10};
    enum { NL = sizeof len / sizeof *len };
    size_t starts[NL + 1];
    /* 90+80+30 = 200 > 170: {90,80}; {30,30,30}; {700} alone; 10 x 5 cut at 4 jobs. */
    static const size_t want[] = {0, 2, 5, 6, 10, 11};
    size_t nb = tj_batch_cut(len, NL, 4, 170, starts);
    CHECK(nb == 5, "tj_batch_cut: %zu batches, expected 5", nb);
    for (size_t i = 0; i <= nb && i < 6; i++)
        CHECK(starts[i] == want[i], "tj_batch_cut: batch %zu starts at %zu, expected %zu", i,
              starts[i], want[i]);
    /* No limit that binds: one batch; nothing: no batch. */
    CHECK(tj_batch_cut(len, NL, 16, 10000, starts) == 1 && starts[1] == NL,
          "tj_batch_cut: one batch expected");
    CHECK(tj_batch_cut(len, 0, 16, 100, starts) == 0 && starts[0] == 0,
          "tj_batch_cut: no sentences, no batch");
}

int main(void)
{
    test_cut();
    tj_model *m;
    tj_error err;
    if (tj_model_open("models/ar-en", &m, &err) != TJ_OK) {
        printf("skip: models/ar-en does not open (%s)\n", err.message);
        return 77;
    }
    int *src[N], len[N];
    for (int i = 0; i < N; i++) {
        tj_piece *p = NULL;
        size_t np = 0;
        EXPECT(tj_spm_encode(m->src_spm, texts[i], strlen(texts[i]), &p, &np, &err) == TJ_OK);
        src[i] = malloc((np + 1) * sizeof(int));
        for (size_t k = 0; k < np; k++) src[i][k] = p[k].id;
        src[i][np] = m->eos_id;
        len[i] = (int)np + 1;
        free(p);
    }
    for (int sl = 0; sl < 2; sl++) {
        tj_search_opts o = {1, 1.0f, 3.0f, sl, NULL, 0};
        int *want[N], nwant[N], *got[N], ngot[N];
        for (int i = 0; i < N; i++)
            EXPECT(tj_search(m, &o, src[i], len[i], &want[i], &nwant[i], &err) == TJ_OK);
        /* The whole set, then a part of it (another mix of lengths in one batch). */
        for (int part = 0; part < 2; part++) {
            int off = part ? 3 : 0, n = part ? 5 : N;
            EXPECT(tj_search_batch(m, &o, (const int *const *)src + off, len + off, (size_t)n, got,
                                   ngot, &err) == TJ_OK);
            for (int i = 0; i < n; i++) {
                int j = off + i;
                CHECK(ngot[i] == nwant[j] && memcmp(got[i], want[j], sizeof(int) * ngot[i]) == 0,
                      "sentence %d (shortlist %d, part %d): batched ids differ from tj_search", j,
                      sl, part);
                free(got[i]);
            }
        }
        /* The batch must really see sentences leave at different steps. */
        int distinct = 0;
        for (int i = 0; i < N; i++) {
            int seen = 0;
            for (int j = 0; j < i; j++) seen |= nwant[j] == nwant[i];
            distinct += !seen;
        }
        CHECK(distinct >= 3, "only %d distinct output lengths: the test data is too uniform",
              distinct);
        for (int i = 0; i < N; i++) free(want[i]);
    }
    /* tj_translate decodes greedy lines in batches (decode/translate.c): each line must be
     * tj_search's translation of it alone, for one thread and for two (other batches). */
    tj_search_opts o = {1, 1.0f, 2.0f, 1, NULL, 0};
    size_t total = 0;
    char *want_txt[N];
    for (int i = 0; i < N; i++) {
        int *ids = NULL, nids = 0;
        want_txt[i] = NULL;
        if (!*texts[i]) continue; /* an empty line stays empty */
        EXPECT(tj_search(m, &o, src[i], len[i], &ids, &nids, &err) == TJ_OK);
        EXPECT(tj_spm_decode(m->trg_spm, ids, (size_t)nids, &want_txt[i], &err) == TJ_OK);
        total += strlen(want_txt[i]) + 1;
        free(ids);
    }
    size_t in_bytes = 0;
    for (int i = 0; i < N; i++) in_bytes += strlen(texts[i]) + 1;
    char *joined = malloc(in_bytes), *expect = malloc(total + N + 1);
    size_t jn = 0, en = 0;
    for (int i = 0; i < N; i++) {
        size_t l = strlen(texts[i]);
        memcpy(joined + jn, texts[i], l);
        jn += l;
        joined[jn++] = i + 1 < N ? '\n' : '\0';
        l = want_txt[i] ? strlen(want_txt[i]) : 0;
        if (l) memcpy(expect + en, want_txt[i], l);
        en += l;
        if (i + 1 < N) expect[en++] = '\n';
        free(want_txt[i]);
    }
    expect[en] = '\0';
    for (int threads = 1; threads <= 2; threads++) {
        tj_options to;
        tj_options_default(&to);
        to.split = TJ_SPLIT_LINE;
        to.threads = threads;
        const char *in = joined;
        char *out = NULL;
        EXPECT(tj_translate(m, &to, &in, 1, &out, &err) == TJ_OK);
        CHECK(strcmp(out, expect) == 0, "tj_translate (%d threads) differs from tj_search:\n%s\n%s",
              threads, out, expect);
        tj_free(out);
    }
    free(joined), free(expect);
    for (int i = 0; i < N; i++) free(src[i]);
    tj_model_close(m);
    if (failures) {
        printf("test_batch: %d failures\n", failures);
        return 1;
    }
    printf("test_batch: ok (%d checks)\n", checks);
    return 0;
}
