/* SPDX-License-Identifier: MIT */
/* Many threads translating on one shared model (tarjama.h: a tj_model is immutable once opened):
 * 8 threads each translate the same texts with their own tj_translate calls, and one call
 * translates the batch with 4 worker threads; every result must equal the sequential one. Uses
 * the starter model models/ar-en, so it runs without ../shared; CI also runs it in a
 * ThreadSanitizer build (.ci/run), which is what makes it a race check rather than only a
 * determinism check. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tarjama.h"
#include "check.h"

#define NTHREADS 8
#define NTEXTS 4

static const char *const texts[NTEXTS] = {
    "وصل الرئيس إلى القاهرة صباح اليوم.",
    "اللغة العربية جميلة. هل تتحدثها؟",
    "قال الوزير إن الاجتماع سيعقد غدا.",
    "شكرا جزيلا",
};

typedef struct arg {
    const tj_model *m;
    int t;
    char *out[NTEXTS];
    tj_status st;
} arg;

static void *worker(void *p)
{
    arg *a = p;
    tj_options o;
    tj_options_default(&o);
    o.threads = 1;
    a->st = TJ_OK;
    /* One call per text, in a different order per thread, so calls interleave differently. */
    for (int k = 0; k < NTEXTS && a->st == TJ_OK; k++) {
        int i = (k + a->t) % NTEXTS;
        a->st = tj_translate(a->m, &o, &texts[i], 1, &a->out[i], NULL);
    }
    return NULL;
}

int main(void)
{
    const char *dir = "models/ar-en";
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        printf("skipped: %s not found (run from the repository root)\n", dir);
        return 77;
    }
    tj_model *m;
    tj_error err;
    if (tj_model_open(dir, &m, &err) != TJ_OK) {
        fprintf(stderr, "cannot open %s: %s\n", dir, err.message);
        return 1;
    }
    tj_options o;
    tj_options_default(&o);
    o.threads = 1;
    char *seq[NTEXTS];
    EXPECT(tj_translate(m, &o, texts, NTEXTS, seq, &err) == TJ_OK);
    if (failures) return 1;

    pthread_t th[NTHREADS];
    arg args[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        memset(&args[t], 0, sizeof args[t]);
        args[t].m = m;
        args[t].t = t;
        EXPECT(pthread_create(&th[t], NULL, worker, &args[t]) == 0);
    }
    /* Meanwhile the batch with 4 worker threads of the library's own. */
    char *par[NTEXTS];
    o.threads = 4;
    EXPECT(tj_translate(m, &o, texts, NTEXTS, par, &err) == TJ_OK);
    for (int i = 0; i < NTEXTS && !failures; i++) {
        EXPECT(strcmp(par[i], seq[i]) == 0);
        tj_free(par[i]);
    }
    for (int t = 0; t < NTHREADS; t++) {
        pthread_join(th[t], NULL);
        EXPECT(args[t].st == TJ_OK);
        for (int i = 0; i < NTEXTS; i++) {
            if (!args[t].out[i]) continue;
            if (strcmp(args[t].out[i], seq[i]) != 0) {
                fprintf(stderr, "thread %d, text %d differs:\n  seq: %s\n  thr: %s\n", t, i + 1,
                        seq[i], args[t].out[i]);
                failures++;
            }
            tj_free(args[t].out[i]);
        }
    }
    for (int i = 0; i < NTEXTS; i++) tj_free(seq[i]);
    tj_model_close(m);
    if (!failures)
        printf("%d threads x %d texts and a 4-worker batch match the sequential run\n", NTHREADS,
               NTEXTS);
    return failures ? 1 : 0;
}
