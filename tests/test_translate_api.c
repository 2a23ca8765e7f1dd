/* SPDX-License-Identifier: MIT */
/* The public API as a program embedding tarjama sees it: status codes and messages of
 * tj_model_open and tj_translate on bad arguments, and, with the tiny-aren fixture from ../shared
 * (or $TJ_SHARED), that translations do not depend on threads or batch-mates: four threads sharing
 * one model give the sequential result, and a line translated alone gives what it gives among
 * others. The argument checks always run; the fixture checks are skipped without ../shared. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tarjama.h"
#include "check.h"

/* A reported error must be one non-empty line. */
static int one_line(const tj_error *e)
{
    return e->message[0] != '\0' && strchr(e->message, '\n') == NULL;
}

/* ------------------------------------------------------------------ without a model */

static void test_basics(void)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", TJ_VERSION_MAJOR, TJ_VERSION_MINOR, TJ_VERSION_PATCH);
    EXPECT(strcmp(tj_version(), want) == 0);
    for (int s = TJ_OK; s <= TJ_ERR_CHECKSUM; s++) {
        const char *str = tj_status_str((tj_status)s);
        EXPECT(str != NULL && str[0] != '\0');
    }

    /* The header documents the Firefox defaults. */
    tj_options o;
    memset(&o, 0x5a, sizeof o);
    tj_options_default(&o);
    EXPECT(o.beam_size == 1);
    EXPECT(o.use_shortlist == 1);
    EXPECT(o.split == TJ_SPLIT_PARAGRAPH);
    EXPECT(o.normalize == 1.0f);
    EXPECT(o.max_length_factor == 2.0f);
    EXPECT(o.threads == 0);
}

static void test_open_errors(const char *tmp)
{
    tj_error err;
    tj_model *m = (tj_model *)&err; /* must be reset to NULL on failure */

    EXPECT(tj_model_open(NULL, &m, &err) == TJ_ERR_ARG && m == NULL && err.code == TJ_ERR_ARG);
    EXPECT(one_line(&err));
    m = (tj_model *)&err;
    EXPECT(tj_model_open("", &m, &err) == TJ_ERR_ARG && m == NULL);
    EXPECT(tj_model_open(tmp, NULL, &err) == TJ_ERR_ARG && one_line(&err));

    char path[512];
    snprintf(path, sizeof path, "%s/does-not-exist", tmp);
    m = (tj_model *)&err;
    tj_status st = tj_model_open(path, &m, &err);
    EXPECT((st == TJ_ERR_NOTFOUND || st == TJ_ERR_IO) && m == NULL && err.code == st);
    EXPECT(one_line(&err) && strstr(err.message, "does-not-exist") != NULL);
    EXPECT(tj_model_open(path, &m, NULL) == st && m == NULL); /* err may be NULL */

    /* An empty folder: no model file in it. */
    EXPECT(tj_model_open(tmp, &m, &err) == TJ_ERR_NOTFOUND && m == NULL && one_line(&err));

    /* A regular file where a folder is expected. */
    snprintf(path, sizeof path, "%s/file.txt", tmp);
    FILE *f = fopen(path, "w");
    EXPECT(f != NULL);
    if (f) {
        fputs("not a model\n", f);
        fclose(f);
    }
    st = tj_model_open(path, &m, &err);
    EXPECT(st != TJ_OK && m == NULL && one_line(&err));
    remove(path);

    tj_model_close(NULL); /* a no-op, like free(NULL) */
}

static void test_translate_without_model(void)
{
    const char *texts[] = {"نص"};
    char *out[1] = {(char *)texts};
    tj_error err;
    EXPECT(tj_translate(NULL, NULL, texts, 1, out, &err) == TJ_ERR_ARG && one_line(&err));
    EXPECT(tj_translate(NULL, NULL, texts, 1, out, NULL) == TJ_ERR_ARG);
    tj_free(NULL);
}

/* ------------------------------------------------------------------ with the fixture model */

static char **read_lines(const char *path, size_t want, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char **v = calloc(want, sizeof *v);
    char buf[8192];
    *n = 0;
    while (v && *n < want && fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\r\n")] = '\0';
        v[(*n)++] = strdup(buf);
    }
    fclose(f);
    return v;
}

static void free_all(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) tj_free(v[i]);
}

static void test_translate_args(const tj_model *m)
{
    const char *texts[] = {"مرحبا", NULL};
    char *out[2] = {(char *)texts, (char *)texts};
    tj_error err;

    EXPECT(tj_translate(m, NULL, NULL, 1, out, &err) == TJ_ERR_ARG && one_line(&err));
    EXPECT(tj_translate(m, NULL, texts, 1, NULL, &err) == TJ_ERR_ARG && one_line(&err));
    EXPECT(tj_translate(m, NULL, NULL, 0, NULL, &err) == TJ_OK); /* nothing to do */

    /* A NULL text fails the whole call and leaves every output NULL. */
    EXPECT(tj_translate(m, NULL, texts, 2, out, &err) == TJ_ERR_ARG && one_line(&err));
    EXPECT(out[0] == NULL && out[1] == NULL);

    tj_options o;
    tj_options_default(&o);
    o.beam_size = 0;
    EXPECT(tj_translate(m, &o, texts, 1, out, &err) == TJ_ERR_ARG && out[0] == NULL);
    tj_options_default(&o);
    o.beam_size = 65;
    EXPECT(tj_translate(m, &o, texts, 1, out, &err) == TJ_ERR_ARG);
    tj_options_default(&o);
    o.split = (tj_split)7;
    EXPECT(tj_translate(m, &o, texts, 1, out, &err) == TJ_ERR_ARG);
    tj_options_default(&o);
    o.max_length_factor = 0.0f;
    EXPECT(tj_translate(m, &o, texts, 1, out, &err) == TJ_ERR_ARG);

    /* Invalid UTF-8 (a lone continuation byte) is the caller's input error, not a crash. */
    const char *bad[] = {"fine", "bad \x80 byte"};
    out[0] = out[1] = (char *)texts;
    EXPECT(tj_translate(m, NULL, bad, 2, out, &err) == TJ_ERR_INPUT && one_line(&err));
    EXPECT(out[0] == NULL && out[1] == NULL);

    /* Empty and blank texts translate to themselves: there is nothing to decode. */
    const char *blank[] = {"", "\n\n", " "};
    char *bout[3];
    EXPECT(tj_translate(m, NULL, blank, 3, bout, &err) == TJ_OK);
    if (!err.code) {
        EXPECT(strcmp(bout[0], "") == 0);
        EXPECT(strcmp(bout[1], "\n\n") == 0);
        EXPECT(strcmp(bout[2], " ") == 0);
        free_all(bout, 3);
    }

    /* Line structure is kept: one output line per input line, blank ones blank. */
    const char *para[] = {"مرحبا\n\nشكرا"};
    char *pout[1];
    EXPECT(tj_translate(m, NULL, para, 1, pout, &err) == TJ_OK);
    if (!err.code) {
        const char *nl = strchr(pout[0], '\n');
        EXPECT(nl != NULL && nl[1] == '\n' && strchr(nl + 2, '\n') == NULL);
        EXPECT(nl != NULL && nl > pout[0] && nl[2] != '\0');
        tj_free(pout[0]);
    }
}

typedef struct thread_arg {
    const tj_model *m;
    const tj_options *o;
    const char *const *texts;
    size_t n;
    char **out;
    tj_status st;
} thread_arg;

static void *translate_thread(void *p)
{
    thread_arg *a = p;
    a->st = tj_translate(a->m, a->o, a->texts, a->n, a->out, NULL);
    return NULL;
}

#define NTHREADS 4

/* Four threads translate the same texts on one shared model at the same time; each must get
 * exactly what a lone sequential call gets. */
static void test_concurrent(const tj_model *m, const tj_options *o, const char *const *texts,
                            size_t n)
{
    char **seq = calloc(n, sizeof *seq);
    char **par[NTHREADS];
    tj_error err;
    EXPECT(tj_translate(m, o, texts, n, seq, &err) == TJ_OK);
    if (err.code) {
        fprintf(stderr, "sequential translation failed: %s\n", err.message);
        free(seq);
        return;
    }
    pthread_t th[NTHREADS];
    thread_arg args[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        par[t] = calloc(n, sizeof *par[t]);
        args[t] = (thread_arg){m, o, texts, n, par[t], TJ_ERR_ARG};
        EXPECT(pthread_create(&th[t], NULL, translate_thread, &args[t]) == 0);
    }
    for (int t = 0; t < NTHREADS; t++) {
        pthread_join(th[t], NULL);
        EXPECT(args[t].st == TJ_OK);
        for (size_t i = 0; i < n && args[t].st == TJ_OK; i++) {
            if (strcmp(par[t][i], seq[i]) != 0) {
                fprintf(stderr, "thread %d, text %zu differs:\n  seq: %s\n  thr: %s\n", t, i + 1,
                        seq[i], par[t][i]);
                failures++;
            }
        }
        if (args[t].st == TJ_OK) free_all(par[t], n);
        free(par[t]);
    }
    free_all(seq, n);
    free(seq);
}

/* Each text translated alone must equal its translation in a batch with the others, and the
 * same texts joined into one multi-line text must give the same lines. */
static void test_batch_independence(const tj_model *m, const tj_options *o,
                                    const char *const *texts, size_t n)
{
    char **together = calloc(n, sizeof *together);
    tj_error err;
    EXPECT(tj_translate(m, o, texts, n, together, &err) == TJ_OK);
    if (err.code) {
        fprintf(stderr, "batch translation failed: %s\n", err.message);
        free(together);
        return;
    }
    size_t joined_len = 0;
    for (size_t i = 0; i < n; i++) {
        char *alone = NULL;
        EXPECT(tj_translate(m, o, texts + i, 1, &alone, &err) == TJ_OK);
        if (alone && strcmp(alone, together[i]) != 0) {
            fprintf(stderr,
                    "text %zu differs alone vs in a batch of %zu:\n  alone: %s\n  batch: %s\n",
                    i + 1, n, alone, together[i]);
            failures++;
        }
        tj_free(alone);
        joined_len += strlen(texts[i]) + 1;
    }

    char *joined = malloc(joined_len), *jout = NULL;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(texts[i]);
        memcpy(joined + at, texts[i], l);
        at += l;
        joined[at++] = i + 1 < n ? '\n' : '\0';
    }
    const char *one[] = {joined};
    EXPECT(tj_translate(m, o, one, 1, &jout, &err) == TJ_OK);
    if (jout) {
        const char *p = jout;
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(together[i]);
            if (strncmp(p, together[i], l) != 0 || p[l] != (i + 1 < n ? '\n' : '\0')) {
                fprintf(stderr, "line %zu of the joined text differs from text %zu\n", i + 1,
                        i + 1);
                failures++;
                break;
            }
            p += l + 1;
        }
        tj_free(jout);
    }
    free(joined);
    free_all(together, n);
    free(together);
}

static void test_info(const tj_model *m)
{
    tj_model_info in;
    tj_model_get_info(m, &in);
    /* Expected values from ../shared/fixtures/README.md (the training command) and
     * ../shared/corpus/README.md (the vocabulary's training flags: --eos_id=0 --unk_id=1). */
    EXPECT(in.dim_emb == 256 && in.dim_ffn == 1536 && in.heads == 8);
    EXPECT(in.enc_depth == 6 && in.dec_depth == 2);
    EXPECT(in.src_vocab_size == 16000 && in.trg_vocab_size == 16000 && in.shared_vocab);
    EXPECT(in.eos_id == 0 && in.unk_id == 1);
    EXPECT(in.has_shortlist && in.shortlist_first == 50 && in.shortlist_best == 50);
    EXPECT(in.model_path && strstr(in.model_path, "model.aren.intgemm.alphas.bin"));
}

static int run_fixture_tests(const char *shared)
{
    char dir[512], src[512];
    snprintf(dir, sizeof dir, "%s/fixtures/tiny-aren/model", shared);
    snprintf(src, sizeof src, "%s/fixtures/tiny-aren/src/tico19-test-500.ar", shared);
    tj_model *m = NULL;
    tj_error err;
    if (tj_model_open(dir, &m, &err) != TJ_OK) {
        fprintf(stderr, "cannot open the fixture model: %s\n", err.message);
        return 1;
    }
    size_t n = 0;
    char **lines = read_lines(src, 8, &n);
    EXPECT(lines != NULL && n == 8);
    if (!lines || n != 8) {
        tj_model_close(m);
        return 1;
    }
    const char *const *texts = (const char *const *)lines;

    test_info(m);
    test_translate_args(m);

    tj_options o;
    tj_options_default(&o); /* greedy, shortlist, paragraph split */
    o.threads = 2;
    test_concurrent(m, &o, texts, n);
    test_batch_independence(m, &o, texts, n);

    o.split = TJ_SPLIT_LINE;
    o.beam_size = 4;
    o.threads = 1;
    test_concurrent(m, &o, texts, 4);
    test_batch_independence(m, &o, texts, 4);

    o.beam_size = 1;
    o.use_shortlist = 0;
    o.threads = 3;
    test_batch_independence(m, &o, texts, n);

    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
    tj_model_close(m);
    return 0;
}

int main(void)
{
    char tmp[] = "/tmp/tj_api.XXXXXX";
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    test_basics();
    test_open_errors(tmp);
    test_translate_without_model();
    rmdir(tmp);

    const char *env = getenv("TJ_SHARED");
    const char *shared = env && *env ? env : "../shared";
    char probe[512];
    struct stat sb;
    snprintf(probe, sizeof probe, "%s/fixtures/tiny-aren/model", shared);
    int skipped = stat(probe, &sb) != 0;
    if (skipped)
        printf("note: %s not found: fixture checks skipped\n", probe);
    else if (run_fixture_tests(shared))
        failures++;

    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    if (skipped) {
        printf("skipped: ../shared not found (only the argument checks ran, and passed)\n");
        return 77;
    }
    printf("all translate API checks passed\n");
    return 0;
}
