/* SPDX-License-Identifier: MIT */
/* Documents (issue 20): the pieces shared by the format readers in src/doc. A format reader cuts
 * its document into paragraphs of plain text (with the byte ranges of any inline markup), has
 * them translated here with sentence-level alignments, projects the markup onto the translation
 * and writes the document back in its own form. */
#ifndef TJ_DOC_DOC_H
#define TJ_DOC_DOC_H
#include <stddef.h>
#include "tarjama.h"

/* The lines of a text, pointing into it (src/doc/lines.c): cut at '\n', a '\r' before it dropped.
 */
typedef struct tj_doc_lines {
    const char **text;
    size_t *len;
    size_t n;
} tj_doc_lines;
tj_status tj_doc_split_lines(const char *text, size_t len, tj_doc_lines *out, tj_error *err);
void tj_doc_lines_free(tj_doc_lines *l);

/* One translated unit of a paragraph: a sentence (or a chunk of a long one), or a segment with
 * nothing to translate (copied: n_src == 0 and the target bytes equal the source bytes). */
typedef struct tj_doc_sent {
    size_t src_begin, src_end; /* byte range in the paragraph */
    size_t trg_begin, trg_end; /* byte range in the paragraph's translation */
    int n_src, n_trg;          /* tokens, EOS not counted */
    size_t *src_tok;           /* [n_src][2]: each source token's bytes in the paragraph */
    size_t *trg_tok;           /* [n_trg][2]: each target token's bytes in the translation
                                  (leading spaces excluded; may be empty) */
    float *attn;               /* [n_trg][n_src + 1] soft alignment (last column: source EOS) */
    int *align;                /* [n_trg]: the source token each target token attends most */
    float logprob;             /* mean log-probability of the output tokens, EOS included */
} tj_doc_sent;

typedef struct tj_doc_para {
    char *out; /* the translation, NUL-terminated */
    size_t out_len;
    tj_doc_sent *s;
    size_t ns;
} tj_doc_para;

/* What to compute besides the translation. */
enum { TJ_DOC_ALIGN = 1, TJ_DOC_SCORE = 2 };

/* Translates n paragraphs (texts[i][0..lens[i]), valid UTF-8; any white space including '\n' is
 * treated as a space for splitting, and the spacing between sentences is copied from the source)
 * as tj_translate's paragraph mode would. want: TJ_DOC_ALIGN fills the token ranges and
 * alignments, TJ_DOC_SCORE the log-probabilities. On failure every out[i] is zeroed. */
tj_status tj_doc_translate_paras(const tj_model *m, const tj_options *o, const char *const *texts,
                                 const size_t *lens, size_t n, int want, tj_doc_para *out,
                                 tj_error *err);
void tj_doc_para_free(tj_doc_para *p);

/* A glossary for tj_doc_translate_paras_g: its terms are found in each paragraph and enforced
 * (mode), and what they did is added to counts (may be NULL). */
typedef struct tj_doc_gloss {
    const tj_glossary *g;
    tj_glossary_mode mode;
    tj_glossary_counts *counts;
} tj_doc_gloss;
/* tj_doc_translate_paras with a glossary (gl NULL or without terms: the same). Units holding a
 * term get alignments whatever want says (their placement needs them). */
tj_status tj_doc_translate_paras_g(const tj_model *m, const tj_options *o, const tj_doc_gloss *gl,
                                   const char *const *texts, const size_t *lens, size_t n, int want,
                                   tj_doc_para *out, tj_error *err);

/* Inline markup of a paragraph: spans over its source text in pre-order (a parent before its
 * children, siblings in source order), parent = index of the enclosing span or -1. An atomic span
 * is copied as it is (its content is not translated: code, images, comments); it is placed where
 * its source text went. */
typedef struct tj_doc_span {
    size_t begin, end;
    int parent;
    int atomic;
    size_t out_begin, out_end; /* result: its bytes in the translation */
} tj_doc_span;

/* Places each span on the translation through the alignments: a span covers the target tokens
 * aligned to its source tokens (their hull), clipped to its parent and kept apart from its
 * siblings, so the result nests like the source; a span is never dropped or doubled (one whose
 * words found no place gets an empty range at the nearest position). */
void tj_doc_project_spans(const tj_doc_para *p, const char *src, size_t src_len, tj_doc_span *spans,
                          size_t n);

/* The output of a paragraph with its spans, as a sequence of events in document order. */
typedef enum tj_doc_ev_kind { TJ_EV_TEXT, TJ_EV_OPEN, TJ_EV_CLOSE, TJ_EV_ATOMIC } tj_doc_ev_kind;
typedef struct tj_doc_event {
    tj_doc_ev_kind kind;
    size_t begin, end; /* TJ_EV_TEXT: bytes of the translation */
    int span;          /* the others: index of the span */
} tj_doc_event;
/* Writes the events (at most 2 * n + 2 * n + 1 of them) to ev; returns their count, or -1 when
 * out of memory. Spans must have been projected. */
long tj_doc_events(const tj_doc_para *p, const tj_doc_span *spans, size_t n, tj_doc_event *ev);

/* What translates a reader's paragraphs, with tj_doc_translate_paras's contract. */
typedef tj_status (*tj_doc_paras_fn)(void *user, const char *const *texts, const size_t *lens,
                                     size_t n, int want, tj_doc_para *out, tj_error *err);

/* Formats. paras, when not NULL, stands in for the model (tj_doc_translate_paras over m and o):
 * the fuzz targets (tests/fuzz) pass a fake translator there, so that they explore the readers
 * and writers rather than the network, fast and without a model. The callers of
 * tj_translate_document leave it NULL. */
typedef struct tj_doc_ctx {
    const tj_model *m;
    const tj_options *o;
    const tj_doc_options *d;
    tj_doc_paras_fn paras;
    void *paras_user;
} tj_doc_ctx;
/* Translates a reader's paragraphs through c->paras or the model. */
tj_status tj_doc_ctx_paras(const tj_doc_ctx *c, const char *const *texts, const size_t *lens,
                           size_t n, int want, tj_doc_para *out, tj_error *err);
/* The reader of c->d->format (not text, which needs the model: TJ_ERR_ARG), after the options
   were checked. */
/* A document with nothing to translate, written back byte for byte (NUL-terminated copy). */
tj_status tj_doc_copy(const char *data, size_t len, char **out, size_t *out_len, tj_error *err);
tj_status tj_doc_dispatch(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                          size_t *out_len, tj_error *err);
tj_status tj_doc_html(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                      size_t *out_len, tj_error *err);
tj_status tj_doc_markdown(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                          size_t *out_len, tj_error *err);
/* DOCX (doc/docx.c): data is the ZIP package, *out the translated one (binary, NUL-terminated).
 * tj_doc_docx_with takes the translation as a function (the fuzz target gives one without a
 * model); fn fills out[0..n) as tj_doc_translate_paras does with TJ_DOC_ALIGN. target_lang:
 * "ar" sets right-to-left paragraphs and runs, another code clears them, NULL leaves them. */
tj_status tj_doc_docx(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                      size_t *out_len, tj_error *err);
typedef tj_status (*tj_doc_xlate_fn)(void *ctx, const char *const *texts, const size_t *lens,
                                     size_t n, tj_doc_para *out, tj_error *err);
tj_status tj_doc_docx_with(tj_doc_xlate_fn fn, void *ctx, const char *target_lang, const char *data,
                           size_t len, char **out, size_t *out_len, tj_error *err);
tj_status tj_doc_srt(const tj_doc_ctx *c, const char *data, size_t len, char **out, size_t *out_len,
                     tj_error *err);
/* What the JSONL batch mode translates with: tj_translate_jsonl passes the model's
 * tj_translate, tj_translate_scored_doc and tj_translate_document; the fuzz target passes fakes, so
 * that it explores the request reader and the response writer. Results are freed with tj_free
 * and tj_scored_free. */
typedef struct tj_jsonl_backend {
    void *user;
    tj_status (*texts)(void *user, const char *const *texts, size_t n, char **out, tj_error *err);
    tj_status (*scored)(void *user, const tj_doc_options *d, const char *text, size_t len,
                        tj_scored_sentence **out, size_t *n, tj_error *err);
    tj_status (*document)(void *user, const tj_doc_options *d, const char *data, size_t len,
                          char **out, size_t *out_len, tj_error *err);
} tj_jsonl_backend;
/* tj_translate_jsonl over any backend. */
tj_status tj_jsonl_run(const tj_jsonl_backend *b, float doubt_logprob, const char *const *lines,
                       const size_t *lens, size_t n, char **out, tj_error *err);

/* Glossary internals (doc/glossary.c). A term occurrence in a text: its bytes and term index. */
typedef struct tj_doc_term {
    size_t begin, end;
    int term;
    /* constrained mode: the target term holds characters the target vocabulary cannot write
     * (forcing its pieces would print <unk>), so it is placed by alignment instead */
    int no_cons;
} tj_doc_term;
/* The occurrences in text[0..len) (valid UTF-8): at each word start (anywhere for "part" terms)
 * the longest term, never overlapping, in text order. *out is malloc'd (NULL when none). */
tj_status tj_glossary_find(const tj_glossary *g, const char *text, size_t len, tj_doc_term **out,
                           size_t *n, tj_error *err);
const char *tj_glossary_target(const tj_glossary *g, int term);
/* The TJ_TERM_* flags named in s[0..n) ("case", "part", separated by commas or spaces); -1 when
 * a word is not one of them. */
int tj_glossary_flags(const char *s, size_t n);
/* Alignment mode: places the occurrences t[0..nt) of paragraph p's source src[0..len) on the
 * aligned words of its translation and replaces them with the target terms (p->out rewritten;
 * sentence and token ranges moved along, so markup placed afterwards still finds its words). */
tj_status tj_glossary_apply(const tj_glossary *g, const char *src, size_t len, const tj_doc_term *t,
                            size_t nt, tj_doc_para *p, tj_glossary_counts *c, tj_error *err);
#endif
