/* SPDX-License-Identifier: MIT */
/* Model directory recognition. Firefox ships model.XXYY.intgemm.alphas.bin, lex.50.50.XXYY.s2t.bin
 * and vocab.XXYY.spm (gzipped in Mozilla's repository); models with separate vocabularies use
 * srcvocab/trgvocab; OPUS-MT directories carry an .npz with source.spm/target.spm. Candidates are
 * collected and resolved in name order so that results and messages do not depend on readdir. */
#include "model/modeldir.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/error.h"

static const char *const compress_ext[] = {"", ".gz", ".zst"};

static int has_prefix(const char *s, const char *pre)
{
    return strncmp(s, pre, strlen(pre)) == 0;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* name = PREFIX + something + EXT + optional compression suffix, with a non-empty middle. */
static int matches(const char *name, const char *prefix, const char *ext)
{
    if (!has_prefix(name, prefix)) return 0;
    size_t n = strlen(name), p = strlen(prefix), e = strlen(ext);
    for (size_t i = 0; i < sizeof compress_ext / sizeof compress_ext[0]; i++) {
        size_t c = strlen(compress_ext[i]);
        if (n > p + e + c && has_suffix(name, compress_ext[i]) &&
            strncmp(name + n - c - e, ext, e) == 0)
            return 1;
    }
    return 0;
}

enum role { R_BIN, R_NPZ, R_LEX, R_VOCAB, R_SRCVOCAB, R_TRGVOCAB, R_META, R_COUNT };

static const char *const role_what[R_COUNT] = {"model files (model.*.bin)",
                                               "model files (*.npz)",
                                               "shortlists (lex.*.s2t.bin)",
                                               "vocabularies (vocab.*.spm)",
                                               "source vocabularies",
                                               "target vocabularies",
                                               "metadata files"};

static int classify(const char *name)
{
    if (matches(name, "model.", ".bin")) return R_BIN;
    if (has_suffix(name, ".npz") && strlen(name) > 4) return R_NPZ;
    if (matches(name, "lex.", ".s2t.bin")) return R_LEX;
    if (matches(name, "vocab.", ".spm")) return R_VOCAB;
    if (matches(name, "srcvocab.", ".spm") || !strcmp(name, "source.spm")) return R_SRCVOCAB;
    if (matches(name, "trgvocab.", ".spm") || !strcmp(name, "target.spm")) return R_TRGVOCAB;
    if (!strcmp(name, "metadata.json")) return R_META;
    return -1;
}

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    int slash = a > 0 && dir[a - 1] != '/';
    char *p = malloc(a + slash + b + 1);
    if (!p) return NULL;
    memcpy(p, dir, a);
    if (slash) p[a] = '/';
    memcpy(p + a + slash, name, b + 1);
    return p;
}

/* Keeps the two smallest names seen per role: the winner, and a rival for the message. */
typedef struct pick {
    char *first, *second;
} pick;

static int offer(pick *pk, const char *name)
{
    char *s = strdup(name);
    if (!s) return -1;
    if (!pk->first || strcmp(s, pk->first) < 0) {
        free(pk->second);
        pk->second = pk->first;
        pk->first = s;
    } else if (!pk->second || strcmp(s, pk->second) < 0) {
        free(pk->second);
        pk->second = s;
    } else {
        free(s);
    }
    return 0;
}

static tj_status take(const char *dir, pick *pk, int role, char **out, tj_error *err)
{
    if (pk->second)
        return tj_fail(err, TJ_ERR_ARG, "%s: several %s: %s and %s; keep one", dir, role_what[role],
                       pk->first, pk->second);
    if (pk->first && !(*out = join(dir, pk->first)))
        return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    return TJ_OK;
}

tj_status tj_modeldir_scan(const char *dir, tj_modeldir *md, tj_error *err)
{
    memset(md, 0, sizeof *md);
    if (!dir || !*dir) return tj_fail(err, TJ_ERR_ARG, "no model directory given");
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        int e = errno;
        return tj_fail(err, e == ENOENT ? TJ_ERR_NOTFOUND : TJ_ERR_IO, "%s: %s", dir, strerror(e));
    }
    if (!S_ISDIR(sb.st_mode))
        return tj_fail(err, TJ_ERR_ARG, "%s: not a directory (give the model directory)", dir);
    DIR *dp = opendir(dir);
    if (!dp) return tj_fail(err, TJ_ERR_IO, "%s: cannot open directory: %s", dir, strerror(errno));

    pick picks[R_COUNT];
    memset(picks, 0, sizeof picks);
    tj_status st = TJ_OK;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        if (de->d_name[0] == '.') continue;
        int role = classify(de->d_name);
        if (role < 0) continue;
        /* Skip directories and broken links that merely carry a matching name. */
        char *full = join(dir, de->d_name);
        if (!full) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            break;
        }
        int regular = stat(full, &sb) == 0 && S_ISREG(sb.st_mode);
        free(full);
        if (regular && offer(&picks[role], de->d_name) != 0) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            break;
        }
    }
    closedir(dp);

    if (st == TJ_OK) {
        /* A .bin wins over an .npz: a directory may keep the float original next to it. */
        int model_role = picks[R_BIN].first ? R_BIN : R_NPZ;
        int have_pair = picks[R_SRCVOCAB].first || picks[R_TRGVOCAB].first;
        if (!picks[model_role].first)
            st = tj_fail(err, TJ_ERR_NOTFOUND,
                         "%s: no model file (model.*.bin, model.*.bin.gz, model.*.bin.zst or "
                         "*.npz)",
                         dir);
        else if (picks[R_VOCAB].first && have_pair)
            st = tj_fail(err, TJ_ERR_ARG,
                         "%s: both a joint vocabulary (%s) and separate source/target "
                         "vocabularies; keep one kind",
                         dir, picks[R_VOCAB].first);
        else if (!picks[R_VOCAB].first && !have_pair)
            st = tj_fail(err, TJ_ERR_NOTFOUND,
                         "%s: no vocabulary (vocab.*.spm, or srcvocab.*.spm and trgvocab.*.spm)",
                         dir);
        else if (have_pair && !picks[R_SRCVOCAB].first)
            st = tj_fail(err, TJ_ERR_NOTFOUND, "%s: %s has no matching srcvocab.*.spm", dir,
                         picks[R_TRGVOCAB].first);
        else if (have_pair && !picks[R_TRGVOCAB].first)
            st = tj_fail(err, TJ_ERR_NOTFOUND, "%s: %s has no matching trgvocab.*.spm", dir,
                         picks[R_SRCVOCAB].first);
        if (st == TJ_OK) st = take(dir, &picks[model_role], model_role, &md->model, err);
        if (st == TJ_OK) st = take(dir, &picks[R_LEX], R_LEX, &md->shortlist, err);
        if (st == TJ_OK) st = take(dir, &picks[R_META], R_META, &md->metadata, err);
        if (st == TJ_OK && picks[R_VOCAB].first) {
            st = take(dir, &picks[R_VOCAB], R_VOCAB, &md->src_vocab, err);
            if (st == TJ_OK && !(md->trg_vocab = strdup(md->src_vocab)))
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        } else if (st == TJ_OK) {
            st = take(dir, &picks[R_SRCVOCAB], R_SRCVOCAB, &md->src_vocab, err);
            if (st == TJ_OK) st = take(dir, &picks[R_TRGVOCAB], R_TRGVOCAB, &md->trg_vocab, err);
        }
    }
    for (int r = 0; r < R_COUNT; r++) {
        free(picks[r].first);
        free(picks[r].second);
    }
    if (st != TJ_OK) tj_modeldir_free(md);
    return st;
}

void tj_modeldir_free(tj_modeldir *md)
{
    if (!md) return;
    free(md->model);
    free(md->shortlist);
    free(md->src_vocab);
    free(md->trg_vocab);
    free(md->metadata);
    memset(md, 0, sizeof *md);
}
