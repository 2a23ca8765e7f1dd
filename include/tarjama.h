/* SPDX-License-Identifier: MIT */
/*
 * tarjama — offline Arabic<->English machine translation.
 *
 * The public C API. Modelled on SQLite's: opaque handles, _open/_close pairs, status codes and a
 * human-readable message. The library never prints and never exits; every fallible call reports
 * through a tj_error the caller owns (pass NULL when you only want the status code).
 *
 * Threading: a tj_model is immutable once opened; any number of threads may call tj_translate on
 * the same model at the same time.
 */
#ifndef TARJAMA_H
#define TARJAMA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TJ_VERSION_MAJOR 0
#define TJ_VERSION_MINOR 1
#define TJ_VERSION_PATCH 0

typedef enum tj_status {
    TJ_OK = 0,
    TJ_ERR_ARG,         /* invalid argument or option */
    TJ_ERR_IO,          /* a file could not be opened or read */
    TJ_ERR_FORMAT,      /* a file is malformed, truncated or corrupt */
    TJ_ERR_UNSUPPORTED, /* a well-formed file of a kind tarjama does not run */
    TJ_ERR_NOMEM,       /* out of memory */
    TJ_ERR_INPUT,       /* bad input text (invalid UTF-8, ...) */
    TJ_ERR_NOTFOUND,    /* a model, file or entry does not exist */
    TJ_ERR_NETWORK,     /* a download failed */
    TJ_ERR_CHECKSUM,    /* a file's checksum differs from the pinned one */
} tj_status;

/* Error report: a status code and a one-line message (no trailing newline). */
typedef struct tj_error {
    tj_status code;
    char message[512];
} tj_error;

/* Returns a static string naming a status code ("format error", ...). */
const char *tj_status_str(tj_status code);

/* Library version, "MAJOR.MINOR.PATCH". */
const char *tj_version(void);

/* ---------------------------------------------------------------- models */

typedef struct tj_model tj_model;

/* Opens a model directory: model.*.bin[.gz|.zst] (Marian binary, intgemm8 or float32),
 * optional lex.*.s2t.bin[.gz|.zst] shortlist, vocab.*.spm (or srcvocab.*.spm + trgvocab.*.spm).
 * On failure *out is NULL and err says why. */
tj_status tj_model_open(const char *dir, tj_model **out, tj_error *err);
void tj_model_close(tj_model *model);

/* Facts about an opened model, for `tarjama info`. Strings are owned by the model. */
typedef struct tj_model_info {
    const char *model_path, *shortlist_path, *src_vocab_path, *trg_vocab_path;
    const char *architecture; /* e.g. "transformer encoder, ssru decoder" */
    const char *precision;    /* "int8 (intgemm8, precomputed alphas)" or "float32" */
    int dim_emb, dim_ffn, heads, enc_depth, dec_depth;
    int src_vocab_size, trg_vocab_size;
    int shared_vocab;   /* one vocabulary for both sides */
    int eos_id, unk_id; /* target vocabulary's end-of-sentence and unknown piece ids */
    size_t n_params, n_items, file_bytes;
    int has_shortlist;
    size_t shortlist_first, shortlist_best;
} tj_model_info;
void tj_model_get_info(const tj_model *model, tj_model_info *info);

/* ---------------------------------------------------------------- translation */

typedef enum tj_split {
    /* each text is a paragraph: split into sentences, rejoined with its spacing */
    TJ_SPLIT_PARAGRAPH = 0,
    TJ_SPLIT_LINE = 1, /* each text is one sentence */
} tj_split;

typedef struct tj_options {
    int beam_size;           /* 1 = greedy on raw scores (Firefox); >1 beam search on log-probs */
    float normalize;         /* length normalisation exponent for beam search (default 1.0) */
    float max_length_factor; /* output length limit factor (default 2.0) */
    int use_shortlist;       /* 1 = restrict the output layer to the lexical shortlist */
    tj_split split;          /* how texts are split into sentences */
    int threads;             /* worker threads for a batch (0 = one per CPU, capped) */
} tj_options;

/* Fills in the Firefox defaults: greedy, shortlist on, paragraph splitting. */
void tj_options_default(tj_options *opt);

/* Translates n UTF-8 texts. On success out[i] holds a malloc'd NUL-terminated translation of
 * texts[i] (release each with tj_free); on failure every out[i] is NULL. A text may contain
 * newlines: in paragraph mode each line is a paragraph, and line structure is kept. */
tj_status tj_translate(const tj_model *model, const tj_options *opt, const char *const *texts,
                       size_t n, char **out, tj_error *err);

/* Frees memory returned by the library. */
void tj_free(void *p);

/* ---------------------------------------------------------------- language detection */

typedef enum tj_lang {
    TJ_LANG_UNKNOWN = 0, /* no letters at all */
    TJ_LANG_AR,
    TJ_LANG_EN,
    TJ_LANG_MIXED, /* substantial amounts of both scripts */
} tj_lang;

/* Guesses the language of UTF-8 text from script statistics. *confidence (may be NULL) gets the
 * share of letters in the winning script, 0..1. */
tj_lang tj_detect_language(const char *text, size_t len, float *confidence);
const char *tj_lang_code(tj_lang lang); /* "ar", "en", "mixed", "unknown" */

#ifdef __cplusplus
}
#endif
#endif
