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

#include "model/yaml.h"
#include "util/blob.h"
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

enum role {
    R_BIN,
    R_NPZ,
    R_LEX,
    R_VOCAB,
    R_SRCVOCAB,
    R_TRGVOCAB,
    R_META,
    R_VOCABYML,
    R_DECODER,
    R_CONFIG,
    R_SAFET,
    R_VJSON,
    R_TVJSON,
    R_README,
    R_PTBIN,
    R_COUNT
};

static const char *const role_what[R_COUNT] = {"model files (model.*.bin)",
                                               "model files (*.npz)",
                                               "shortlists (lex.*.s2t.bin)",
                                               "vocabularies (vocab.*.spm)",
                                               "source vocabularies",
                                               "target vocabularies",
                                               "metadata files",
                                               "Marian vocabularies (*.vocab.yml)",
                                               "decoder.yml files",
                                               "config.json files",
                                               "safetensors files",
                                               "vocab.json files",
                                               "target_vocab.json files",
                                               "README files",
                                               "PyTorch checkpoints"};

static int classify(const char *name)
{
    if (matches(name, "model.", ".bin")) return R_BIN;
    if (has_suffix(name, ".npz") && strlen(name) > 4) return R_NPZ;
    if (matches(name, "lex.", ".s2t.bin")) return R_LEX;
    if (matches(name, "vocab.", ".spm")) return R_VOCAB;
    if (matches(name, "srcvocab.", ".spm") || !strcmp(name, "source.spm")) return R_SRCVOCAB;
    if (matches(name, "trgvocab.", ".spm") || !strcmp(name, "target.spm")) return R_TRGVOCAB;
    if (!strcmp(name, "metadata.json")) return R_META;
    if (!strcmp(name, "vocab.yml") || (has_suffix(name, ".vocab.yml") && strlen(name) > 10))
        return R_VOCABYML;
    if (!strcmp(name, "decoder.yml")) return R_DECODER;
    if (!strcmp(name, "config.json")) return R_CONFIG;
    if (has_suffix(name, ".safetensors") && strlen(name) > 12) return R_SAFET;
    if (!strcmp(name, "vocab.json")) return R_VJSON;
    if (!strcmp(name, "target_vocab.json")) return R_TVJSON;
    if (!strcmp(name, "README.md") || !strcmp(name, "README")) return R_README;
    if (!strcmp(name, "pytorch_model.bin")) return R_PTBIN;
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

/* A required single file of a role, or a message naming what is missing. */
static tj_status need(const char *dir, pick *pk, int role, const char *what, char **out,
                      tj_error *err)
{
    if (!pk[role].first)
        return tj_fail(err, TJ_ERR_NOTFOUND, "%s: no %s (needed by this layout)", dir, what);
    return take(dir, &pk[role], role, out, err);
}

/* The file a decoder.yml entry names, looked up in the model folder by its last path component
 * (releases use relative names; an absolute path from the trainer's machine means nothing here). */
static tj_status listed(const char *dir, const char *entry, char **out, tj_error *err)
{
    const char *base = strrchr(entry, '/');
    base = base ? base + 1 : entry;
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return tj_fail(err, TJ_ERR_FORMAT, "%s/decoder.yml: bad file name '%s'", dir, entry);
    if (!(*out = join(dir, base))) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    struct stat sb;
    if (stat(*out, &sb) != 0 || !S_ISREG(sb.st_mode))
        return tj_fail(err, TJ_ERR_NOTFOUND, "%s/decoder.yml names '%s', which is not in %s", dir,
                       entry, dir);
    return TJ_OK;
}

static int ends_with_spm(const char *p)
{
    return has_suffix(p, ".spm") || has_suffix(p, ".spm.gz") || has_suffix(p, ".spm.zst");
}

/* Hugging Face MarianMT: config.json, model.safetensors, source.spm, target.spm, vocab.json
 * (target_vocab.json too when the vocabularies are separate). */
static tj_status scan_hf(const char *dir, pick *pk, tj_modeldir *md, tj_error *err)
{
    md->layout = TJ_LAYOUT_HF;
    if (!pk[R_SAFET].first && pk[R_PTBIN].first)
        return tj_fail(err, TJ_ERR_UNSUPPORTED,
                       "%s: only pytorch_model.bin (a Python pickle, not read by tarjama); the "
                       "Hugging Face repository's model.safetensors is needed",
                       dir);
    tj_status st;
    if ((st = need(dir, pk, R_CONFIG, "config.json", &md->config, err))) return st;
    if ((st = need(dir, pk, R_SAFET, "model.safetensors", &md->model, err))) return st;
    if ((st = need(dir, pk, R_SRCVOCAB, "source.spm", &md->src_vocab, err))) return st;
    if ((st = need(dir, pk, R_TRGVOCAB, "target.spm", &md->trg_vocab, err))) return st;
    if ((st = need(dir, pk, R_VJSON, "vocab.json", &md->src_ids, err))) return st;
    if (pk[R_TVJSON].first)
        st = take(dir, &pk[R_TVJSON], R_TVJSON, &md->trg_ids, err);
    else if (!(md->trg_ids = strdup(md->src_ids)))
        st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    if (!st) st = take(dir, &pk[R_README], R_README, &md->readme, err);
    return st;
}

/* OPUS-MT / Tatoeba-MT release: *.npz, decoder.yml (models and vocabs lists), *.vocab.yml,
 * source.spm, target.spm, README.md. decoder.yml is required: it says which .npz and vocabularies
 * go together and the search the release was evaluated with (beam-size, normalize); guessing them
 * would translate silently with other settings (issue 24: a missing decoder.yml is an error). */
static tj_status scan_opus(const char *dir, pick *pk, tj_modeldir *md, tj_error *err)
{
    md->layout = TJ_LAYOUT_OPUS;
    tj_status st;
    if (!pk[R_DECODER].first)
        return tj_fail(err, TJ_ERR_NOTFOUND,
                       "%s: OPUS-MT release (%s) without its decoder.yml, which names the model, "
                       "the vocabularies and the search settings; restore it from the release zip",
                       dir, pk[R_VOCABYML].first);
    if ((st = take(dir, &pk[R_DECODER], R_DECODER, &md->decoder, err))) return st;
    char *y;
    if ((st = tj_blob_load_text(md->decoder, (size_t)1 << 20, &y, err))) return st;
    char m0[1024], m1[1024], v0[1024], v1[1024];
    if (!tj_yaml_get_seq(y, "models", 0, m0, sizeof m0))
        st = tj_fail(err, TJ_ERR_FORMAT, "%s: no 'models' list", md->decoder);
    else if (tj_yaml_get_seq(y, "models", 1, m1, sizeof m1))
        st = tj_fail(err, TJ_ERR_UNSUPPORTED,
                     "%s: an ensemble of several models (%s, %s, ...); tarjama runs one "
                     "model: list only one",
                     md->decoder, m0, m1);
    else if (!tj_yaml_get_seq(y, "vocabs", 0, v0, sizeof v0) ||
             !tj_yaml_get_seq(y, "vocabs", 1, v1, sizeof v1))
        st = tj_fail(err, TJ_ERR_FORMAT, "%s: 'vocabs' must list a source and a target vocabulary",
                     md->decoder);
    free(y);
    if (st) return st;
    if ((st = listed(dir, m0, &md->model, err))) return st;
    if (ends_with_spm(v0) && ends_with_spm(v1)) {
        /* SentencePiece vocabularies: their ids are the model's, as for Firefox models. */
        md->layout = TJ_LAYOUT_BERGAMOT;
        if ((st = listed(dir, v0, &md->src_vocab, err))) return st;
        return listed(dir, v1, &md->trg_vocab, err);
    }
    if ((st = listed(dir, v0, &md->src_ids, err))) return st;
    if ((st = listed(dir, v1, &md->trg_ids, err))) return st;
    if (pk[R_VOCAB].first && !pk[R_SRCVOCAB].first) {
        /* One joint SentencePiece model (vocab.*.spm) for both sides. */
        if ((st = take(dir, &pk[R_VOCAB], R_VOCAB, &md->src_vocab, err))) return st;
        if (!(md->trg_vocab = strdup(md->src_vocab)))
            return tj_fail(err, TJ_ERR_NOMEM, "no memory");
    } else {
        if ((st = need(dir, pk, R_SRCVOCAB, "source.spm", &md->src_vocab, err))) return st;
        if ((st = need(dir, pk, R_TRGVOCAB, "target.spm", &md->trg_vocab, err))) return st;
    }
    return take(dir, &pk[R_README], R_README, &md->readme, err);
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

    if (st == TJ_OK && (picks[R_CONFIG].first || picks[R_SAFET].first || picks[R_PTBIN].first)) {
        st = scan_hf(dir, picks, md, err);
    } else if (st == TJ_OK && (picks[R_DECODER].first || picks[R_VOCABYML].first)) {
        st = scan_opus(dir, picks, md, err);
    } else if (st == TJ_OK) {
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
    free(md->src_ids);
    free(md->trg_ids);
    free(md->decoder);
    free(md->config);
    free(md->readme);
    memset(md, 0, sizeof *md);
}
