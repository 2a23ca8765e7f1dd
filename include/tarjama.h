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
    int threads;             /* worker threads for a batch (0 = one per CPU, at most 64) */
} tj_options;

/* Fills in the Firefox defaults: greedy, shortlist on, paragraph splitting. */
void tj_options_default(tj_options *opt);

/* OPUS-MT / Hugging Face models (docs/opus-mt.md). Call these after tj_model_open and before
 * translating with the model; they are not safe while translations run. */
/* Prepends the target-language token (e.g. ">>ara<<") to every source sentence; NULL or "" for
 * none. TJ_ERR_ARG when the model's vocabulary does not have it. */
tj_status tj_model_set_target_token(tj_model *model, const char *token, tj_error *err);
/* 1 when the model's README says a target-language token is required and none is set. */
int tj_model_needs_target_token(const tj_model *model);
/* tj_options_default, then the model's own decoding settings (an OPUS-MT decoder.yml's
 * beam-size, normalize and max-length-factor) where it has them. */
void tj_model_default_options(const tj_model *model, tj_options *opt);
/* Quantises a float32 model's weights to int8 (per-tensor scales, the int8 kernels of the
 * Firefox models); int8 models are left as they are. */
tj_status tj_model_quantize(tj_model *model, tj_error *err);

/* Translates n UTF-8 texts. On success out[i] holds a malloc'd NUL-terminated translation of
 * texts[i] (release each with tj_free); on failure every out[i] is NULL. A text may contain
 * newlines: in paragraph mode each line is a paragraph, and line structure is kept. */
tj_status tj_translate(const tj_model *model, const tj_options *opt, const char *const *texts,
                       size_t n, char **out, tj_error *err);

/* Documents that keep their form (docs/documents.md). */
typedef enum tj_format {
    TJ_FORMAT_TEXT = 0, /* plain text, as tj_translate */
    TJ_FORMAT_HTML,     /* HTML page or fragment: text, alt/title/placeholder; markup kept */
    TJ_FORMAT_SRT,      /* subtitles, SubRip (.srt) or WebVTT (.vtt): cue text only */
    TJ_FORMAT_MARKDOWN, /* Markdown (CommonMark, through cmark): text, emphasis, link text */
    TJ_FORMAT_DOCX,     /* Word .docx (ZIP package): paragraph runs; other entries copied */
} tj_format;

typedef struct tj_glossary tj_glossary;

/* How glossary terms are enforced (docs/documents.md has the measurements). */
typedef enum tj_glossary_mode {
    TJ_GLOSSARY_CONSTRAIN = 0, /* (default) constrained greedy search: the target term's pieces
                                  are forced into the output of each sentence holding its source
                                  term (sentences without terms are translated as without) */
    TJ_GLOSSARY_ALIGN = 1,     /* translate as usual, then put each target term on the words
                                  aligned to its source term */
} tj_glossary_mode;

/* What a glossary did in one call: term occurrences found in the source, placed on aligned
 * words, inserted where no words were aligned, emitted by the constrained search, and missing
 * (constrained search only: the term's pieces are not in the output). */
typedef struct tj_glossary_counts {
    size_t found, placed, inserted, forced, missing;
} tj_glossary_counts;

typedef struct tj_doc_options {
    tj_format format;
    /* target language code ("ar", "en") or NULL: HTML output gets lang= and dir= on its root */
    const char *target_lang;
    /* HTML: mark sentences whose mean token log-probability is below doubt_logprob with a
     * data-tj-doubt attribute on their block (0 = no marks) */
    int mark_doubt;
    float doubt_logprob;
    /* terms enforced in the translation (NULL: none), any format; counts (may be NULL) gets
     * what they did */
    const tj_glossary *glossary;
    tj_glossary_mode glossary_mode;
    tj_glossary_counts *glossary_counts;
} tj_doc_options;

/* The format named "text", "html", "htm", "srt", "vtt", "markdown", "md", "docx" (a file
 * extension works too); -1 when unknown. */
int tj_format_from_name(const char *name);
const char *tj_format_name(tj_format format);

/* Translates a whole document data[0..len) (UTF-8) in the given format. On success *out is a
 * malloc'd document (NUL-terminated, release with tj_free) of *out_len bytes. Malformed input
 * (a broken subtitle timing, ...) is TJ_ERR_FORMAT or TJ_ERR_INPUT with a one-line message.
 * TJ_FORMAT_DOCX: data is the binary package and so is *out (use *out_len, not strlen). */
tj_status tj_translate_document(const tj_model *model, const tj_options *opt,
                                const tj_doc_options *dopt, const char *data, size_t len,
                                char **out, size_t *out_len, tj_error *err);

/* Quality flags: each sentence of a text with the model's mean log-probability of its own
 * translation (a forced decode of the output: the mean over its tokens, end of sentence
 * included, of log p(token | source, tokens before)). Low values mark doubtful translations
 * (docs/documents.md has the calibration). */
typedef struct tj_scored_sentence {
    size_t line;       /* 1-based line of the text it is on */
    char *source;      /* the sentence (malloc'd) */
    char *translation; /* its translation (malloc'd) */
    float logprob;     /* mean token log-probability; 0 for text copied unchanged */
    int copied;        /* nothing to translate (numbers, URLs, ...): copied unchanged */
} tj_scored_sentence;

/* Translates text[0..len) as tj_translate does (each line a paragraph, or with
 * opt->split == TJ_SPLIT_LINE each line one sentence) and returns its sentences in order:
 * *out (release with tj_scored_free) gets *n entries. */
tj_status tj_translate_scored(const tj_model *model, const tj_options *opt, const char *text,
                              size_t len, tj_scored_sentence **out, size_t *n, tj_error *err);
/* The same with dopt's glossary (glossary, glossary_mode, glossary_counts; the rest of dopt is
 * not used; NULL: no glossary). */
tj_status tj_translate_scored_doc(const tj_model *model, const tj_options *opt,
                                  const tj_doc_options *dopt, const char *text, size_t len,
                                  tj_scored_sentence **out, size_t *n, tj_error *err);
void tj_scored_free(tj_scored_sentence *s, size_t n);

/* JSONL batch mode (docs/documents.md): lines[i][0..lens[i]) is one request object
 * {"id": ANY, "text": STRING, "format": "text"|"html"|"markdown"|"srt", "flags": BOOL}; out[i]
 * gets its malloc'd response line, ending in '\n': {"id": ANY, "translation": STRING} (with
 * "flags": [{"logprob": N, "doubtful": B}, ...] when asked; doubtful: below doubt_logprob; for a
 * request with a "glossary", what its terms did:
 * "glossary": {"found": N, "placed": N, "inserted": N, "forced": N, "missing": N}), or
 * {"id": ANY, "error": STRING} for a bad request. Fails only on bad arguments or out of memory. */
tj_status tj_translate_jsonl(const tj_model *model, const tj_options *opt, float doubt_logprob,
                             const char *const *lines, const size_t *lens, size_t n, char **out,
                             tj_error *err);

/* Glossaries (docs/documents.md): "source term<TAB>target term[<TAB>flags]" lines ('#'
 * comments, blank lines skipped). Source terms match whole words, in Arabic also after the
 * clitics و ف ب ل ك and with hamza/alef variants, ى/ي, ة/ه and diacritics ignored; in English
 * case-insensitively. Flags (comma- or space-separated): "case" compares letters exactly (no case
 * or alef/hamza folding), "part" also matches inside words. A term has at most
 * TJ_GLOSSARY_MAX_TERM bytes a side. */
#define TJ_GLOSSARY_MAX_TERM 512
enum { TJ_TERM_CASE = 1, TJ_TERM_PART = 2 };
tj_status tj_glossary_load(const char *path, tj_glossary **out, tj_error *err);
tj_status tj_glossary_parse(const char *data, size_t len, tj_glossary **out, tj_error *err);
/* An empty glossary, and one term added to it (src/trg: UTF-8, flags: TJ_TERM_*): for glossaries
 * that come with a request rather than from a file. */
tj_status tj_glossary_new(tj_glossary **out, tj_error *err);
tj_status tj_glossary_add(tj_glossary *g, const char *src, size_t src_len, const char *trg,
                          size_t trg_len, int flags, tj_error *err);
size_t tj_glossary_size(const tj_glossary *g);
void tj_glossary_free(tj_glossary *g);
/* Translates text (lines as tj_translate) and puts each glossary term found in the source on the
 * words of the translation aligned to it, replacing them with the target term; *applied counts
 * the terms placed so, *inserted those whose words found no place (inserted at the aligned
 * position instead). *out is malloc'd (tj_free). */
tj_status tj_translate_glossary(const tj_model *model, const tj_options *opt, const tj_glossary *g,
                                const char *text, size_t len, char **out, size_t *applied,
                                size_t *inserted, tj_error *err);

/* ---------------------------------------------------------------- streaming */

/* A stream translates text while it is being read: bytes go in with tj_stream_feed as they
 * arrive (any chunking, e.g. straight from read()), and each input line's translation comes out
 * through the write callback, in input order, as soon as its window of lines is done. Memory
 * stays bounded whatever the input size: at most `window` lines or about 1 MiB of text are held,
 * and one line may hold at most `max_line` bytes: a longer line is cut at its last white space
 * before the limit and translated in parts (joined back with that white space); a line with no
 * white space in max_line bytes is an error. Lines are as in tj_translate: '\n' ends a line, a
 * '\r' before it is dropped, blank lines are kept, and a last line without '\n' gets one. */
typedef struct tj_stream tj_stream;

/* Receives output: whole translated lines, each ending in '\n' (a line cut in parts arrives in
 * several calls, the last with the '\n'). Return 0 to go on; anything else stops the stream
 * (the calling tj_stream_* function fails with TJ_ERR_IO). */
typedef int (*tj_write_fn)(void *user, const char *data, size_t len);

typedef struct tj_stream_config {
    size_t window;   /* lines translated together (0 = 256); more keeps more threads busy */
    size_t max_line; /* longest line held in memory, bytes (0 = 1 MiB; at least 1024) */
} tj_stream_config;

/* Progress so far: input lines and bytes whose translation has been written, and the source
 * words (runs of non-space characters) in them. */
typedef struct tj_stream_stats {
    size_t lines, bytes, words;
} tj_stream_stats;

/* Opens a stream over model (which must outlive it). opt and cfg may be NULL for defaults. */
tj_status tj_stream_open(const tj_model *model, const tj_options *opt, const tj_stream_config *cfg,
                         tj_write_fn write, void *user, tj_stream **out, tj_error *err);
/* Takes len more bytes of input; translates and writes every window that fills up. Invalid
 * UTF-8 and NUL bytes are errors naming the line ("invalid UTF-8 at line 12, byte offset 400",
 * the offset counted from the start of the input); the lines before the bad one are translated
 * and written first. After an error the stream only accepts tj_stream_close. */
tj_status tj_stream_feed(tj_stream *s, const char *data, size_t len, tj_error *err);
/* Translates and writes every complete line held now (call it when the input pauses, so that
 * a line typed into a pipe comes back at once). */
tj_status tj_stream_flush(tj_stream *s, tj_error *err);
/* End of input: translates and writes everything left, including a last line without '\n'. */
tj_status tj_stream_finish(tj_stream *s, tj_error *err);
void tj_stream_get_stats(const tj_stream *s, tj_stream_stats *stats);
void tj_stream_close(tj_stream *s);

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
