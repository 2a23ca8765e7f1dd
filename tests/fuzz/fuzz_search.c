/* SPDX-License-Identifier: MIT */
/* The search on arbitrary source ids: greedy and beam search (tj_search), the batched search
 * (tj_search_batch), glossary-constrained greedy search and forced decoding (tj_force_decode)
 * of the tiny seed model (corpus/model/tiny.bin over corpus/spm_model/tiny_rules.spm), with and
 * without a shortlist, on id sequences the encoder might never produce: end-of-sentence and
 * unknown pieces anywhere, one id repeated, the longest sentence the library splits to.
 *
 * Input: byte 0 picks the options (bits 0-2 the beam size, bit 3 the model with a shortlist, bits
 * 4-5 the length factor, bit 6 length normalisation, bit 7 constraints); byte 1 the constraints'
 * source span; then 16-bit ids (taken modulo the vocabulary), 0xffff closing a group. With bit 7
 * the first group holds the constraints (0xfffe between two), every other group is one sentence
 * (EOS appended, as the encoder does).
 *
 * Checks besides the sanitizers: every id in range, EOS only last, at most the documented number
 * of tokens, shortlisted ids only, every constraint in the output, the batched search giving each
 * sentence what tj_search gives it alone (batch.h's promise), forced decoding's alignment rows
 * summing to 1 and its log-probabilities at most 0. */
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>

#include "decode/align.h"
#include "decode/batch.h"
#include "decode/model.h"
#include "fuzz.h"
#include "model/shortlist.h"

enum { MAX_SENTS = 4, MAX_LEN = 24, MAX_CONS = 4, MAX_CON_LEN = 8 };

static char dirs[2][64];
static tj_model *models[2]; /* [0] no shortlist, [1] with one */

static void path_in(char *p, size_t n, int k, const char *name)
{
    if (snprintf(p, n, "%s/%s", dirs[k], name) >= (int)n) abort(); /* cannot: 64 + 16 bytes */
}

static void cleanup(void)
{
    static const char *const names[] = {"model.fz.bin", "vocab.fz.spm", "lex.fz.s2t.bin"};
    for (int k = 0; k < 2; k++) {
        if (models[k]) tj_model_close(models[k]);
        if (!dirs[k][0]) continue;
        char p[128];
        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
            path_in(p, sizeof p, k, names[i]);
            unlink(p);
        }
        rmdir(dirs[k]);
    }
}

/* A shortlist for the seed model: 8 frequent ids, then two made-up translations per source id
 * (ascending, as the format wants). Layout: tests/fuzz/make_seeds.py shortlist(). */
static int write_shortlist(const char *path, int vocab)
{
    uint64_t head[6] = {0xF11A48D5013417F5ull, 0, 8, 2, (uint64_t)vocab + 1, 2 * (uint64_t)vocab};
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(head, sizeof head, 1, f) == 1;
    for (int s = 0; s <= vocab; s++) {
        uint64_t off = 2 * (uint64_t)s;
        ok &= fwrite(&off, sizeof off, 1, f) == 1;
    }
    for (int s = 0; s < vocab; s++) {
        uint32_t a = (uint32_t)((s * 7 + 3) % vocab), b = (uint32_t)((s * 31 + 11) % vocab);
        if (a == b) b = (b + 1) % (uint32_t)vocab;
        uint32_t ids[2] = {a < b ? a : b, a < b ? b : a};
        ok &= fwrite(ids, sizeof ids, 1, f) == 1;
    }
    return fclose(f) == 0 && ok ? 0 : -1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    atexit(cleanup);
    for (int k = 0; k < 2; k++) {
        snprintf(dirs[k], sizeof dirs[k], "/tmp/tj_fuzz_search.XXXXXX");
        char p[128];
        if (!mkdtemp(dirs[k])) goto fail;
        path_in(p, sizeof p, k, "vocab.fz.spm");
        if (symlink(TJ_SOURCE_DIR "/tests/fuzz/corpus/spm_model/tiny_rules.spm", p) != 0) goto fail;
        path_in(p, sizeof p, k, "model.fz.bin");
        if (symlink(TJ_SOURCE_DIR "/tests/fuzz/corpus/model/tiny.bin", p) != 0) goto fail;
        if (k == 1) {
            path_in(p, sizeof p, k, "lex.fz.s2t.bin");
            if (write_shortlist(p, models[0]->vocab) != 0) goto fail;
        }
        tj_error err;
        if (tj_model_open(dirs[k], &models[k], &err) != TJ_OK) {
            fprintf(stderr, "fuzz_search: cannot open the seed model: %s\n", err.message);
            exit(2);
        }
        if (k == 1 && !models[1]->has_shortlist) {
            fprintf(stderr, "fuzz_search: the shortlist was not loaded\n");
            exit(2);
        }
    }
    return 0;
fail:
    perror("fuzz_search: set-up");
    exit(2);
}

static void fail(const char *what, int sent)
{
    fprintf(stderr, "fuzz_search: sentence %d: %s\n", sent, what);
    abort();
}

static int contains(const int *ids, int n, const int *sub, int k)
{
    for (int i = 0; i + k <= n; i++)
        if (!memcmp(ids + i, sub, (size_t)k * sizeof *ids)) return 1;
    return 0;
}

/* The checks on one sentence's output. */
static void check_output(const tj_model *m, const tj_search_opts *o, const int *src, int len,
                         const int *out, int n, int sent)
{
    int max_steps = (int)ceilf(o->max_length_factor * (float)len);
    if (max_steps < 1) max_steps = 1;
    for (int k = 0; k < o->n_cons; k++) max_steps += o->cons[k].n;
    if (n < 1 || n > max_steps) fail("output length outside 1..limit", sent);
    for (int i = 0; i < n; i++) {
        if (out[i] < 0 || out[i] >= m->vocab) fail("id out of range", sent);
        if (out[i] == m->eos_id && i != n - 1) fail("EOS before the end", sent);
    }
    for (int k = 0; k < o->n_cons; k++)
        if (!contains(out, n, o->cons[k].ids, o->cons[k].n)) fail("a constraint is missing", sent);
    if (o->use_shortlist && m->has_shortlist) {
        int *cols;
        size_t n_cols;
        tj_error err;
        tj_status st = tj_shortlist_generate(&m->shortlist, src, (size_t)len, (size_t)m->vocab,
                                             m->shared_vocab, &cols, &n_cols, &err);
        fuzz_check_error(st, &err);
        if (st != TJ_OK) return;
        for (int i = 0; i < n; i++) {
            int in = tj_col_of(cols, (int)n_cols, out[i]) >= 0;
            for (int k = 0; k < o->n_cons && !in; k++)
                for (int j = 0; j < o->cons[k].n; j++) in |= o->cons[k].ids[j] == out[i];
            if (!in) fail("an id outside the shortlist", sent);
        }
        free(cols);
    }
    /* Forced decoding of the output: what documents use for markup placement. */
    float *attn = malloc((size_t)n * len * sizeof *attn), *lp = malloc((size_t)n * sizeof *lp);
    if (!attn || !lp) abort();
    tj_error err;
    tj_status st = tj_force_decode(m, src, len, out, n, attn, lp, &err);
    fuzz_check_error(st, &err);
    if (st == TJ_OK)
        for (int t = 0; t < n; t++) {
            float sum = 0;
            for (int s = 0; s < len; s++) sum += attn[(size_t)t * len + s];
            if (!(fabsf(sum - 1.0f) < 1e-3f)) fail("alignment row does not sum to 1", sent);
            if (!(lp[t] <= 1e-4f)) fail("log-probability above 0 or NaN", sent);
        }
    free(attn);
    free(lp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    static const int beams[8] = {1, 1, 2, 2, 3, 4, 5, 8};
    static const float factors[4] = {0.25f, 1.0f, 1.5f, 2.0f};
    uint8_t flags = data[0], span = data[1];
    const tj_model *m = models[(flags >> 3) & 1];
    tj_search_opts o = {
        beams[flags & 7], flags & 64 ? 1.0f : 0.0f, factors[(flags >> 4) & 3], 1, NULL, 0};

    /* Groups of ids closed by 0xffff. */
    static int src[MAX_SENTS][MAX_LEN + 1], con[MAX_CONS][MAX_CON_LEN];
    int len[MAX_SENTS] = {0}, n_sents = 0, n_cons = 0, con_len[MAX_CONS] = {0};
    int in_cons = (flags & 128) != 0;
    for (size_t i = 2; i + 1 < size; i += 2) {
        unsigned w = (unsigned)data[i] | (unsigned)data[i + 1] << 8;
        if (w == 0xffff) {
            if (in_cons) {
                if (con_len[n_cons] > 0 && n_cons < MAX_CONS) n_cons++;
                in_cons = 0;
            } else if (++n_sents == MAX_SENTS) {
                break;
            }
            continue;
        }
        int id = (int)(w % (unsigned)m->vocab);
        if (in_cons) {
            if (w == 0xfffe) {
                if (con_len[n_cons] > 0 && ++n_cons == MAX_CONS) in_cons = 0;
            } else if (id != m->eos_id && id != m->unk_id && con_len[n_cons] < MAX_CON_LEN) {
                /* glossary terms never hold EOS or <unk> (doc/glossary.c) */
                con[n_cons][con_len[n_cons]++] = id;
            }
        } else if (len[n_sents] < MAX_LEN) {
            src[n_sents][len[n_sents]++] = id;
        }
    }
    if (in_cons && n_cons < MAX_CONS && con_len[n_cons] > 0) n_cons++;
    if (n_sents < MAX_SENTS && len[n_sents] > 0) n_sents++;
    if (n_sents == 0) n_sents = 1; /* an empty sentence: EOS alone */
    for (int s = 0; s < n_sents; s++) src[s][len[s]++] = m->eos_id;

    /* The source span a term covers, inside every sentence (the glossary's always is). */
    int shortest = len[0];
    for (int s = 1; s < n_sents; s++) shortest = len[s] < shortest ? len[s] : shortest;
    tj_constraint cons[MAX_CONS];
    for (int k = 0; k < n_cons; k++) {
        int b = span & 15, e = b + (span >> 4) + 1;
        if (e > shortest) e = shortest;
        if (b >= e) b = e - 1;
        cons[k] = (tj_constraint){con[k], con_len[k], b, e};
    }
    o.cons = n_cons ? cons : NULL;
    o.n_cons = n_cons;

    int *alone[MAX_SENTS] = {0}, n_alone[MAX_SENTS] = {0};
    for (int s = 0; s < n_sents; s++) {
        tj_error err;
        tj_status st = tj_search(m, &o, src[s], len[s], &alone[s], &n_alone[s], &err);
        fuzz_check_error(st, &err);
        if (st != TJ_OK) {
            if (st != TJ_ERR_NOMEM) fail("tj_search failed", s);
            continue;
        }
        check_output(m, &o, src[s], len[s], alone[s], n_alone[s], s);
    }

    const int *srcs[MAX_SENTS] = {0};
    int *batch[MAX_SENTS], n_batch[MAX_SENTS];
    for (int s = 0; s < n_sents; s++) srcs[s] = src[s];
    tj_error err;
    tj_status st = tj_search_batch(m, &o, srcs, len, (size_t)n_sents, batch, n_batch, &err);
    fuzz_check_error(st, &err);
    if (st == TJ_OK) {
        for (int s = 0; s < n_sents; s++) {
            if (alone[s] && (n_batch[s] != n_alone[s] ||
                             memcmp(batch[s], alone[s], (size_t)n_alone[s] * sizeof(int))))
                fail("the batched search differs from tj_search", s);
            free(batch[s]);
        }
    } else if (st != TJ_ERR_NOMEM) {
        fail("tj_search_batch failed", 0);
    }
    for (int s = 0; s < n_sents; s++) free(alone[s]);
    return 0;
}
