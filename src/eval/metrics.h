/* SPDX-License-Identifier: MIT */
/* Translation quality metrics, scored exactly as sacreBLEU 2.4.x scores them with its defaults:
 * corpus BLEU (13a tokenization, mixed case, exponential smoothing, n-grams up to 4), chrF
 * (character 6-grams, beta 2, whitespace removed, effective-order averaging) and chrF++ (chrF
 * plus word uni- and bigrams).
 *
 * Scoring works on sufficient statistics: each segment (one hypothesis line and its references)
 * yields integer counts, corpus scores come from the sums of those counts, and sentence scores
 * from one segment's counts. Lines are UTF-8; trailing whitespace is ignored, as sacreBLEU's
 * command line strips it when reading. */
#ifndef TJ_EVAL_METRICS_H
#define TJ_EVAL_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "tarjama.h"

/* The sacreBLEU release whose default scores these reproduce; it ends every signature. */
#define TJ_SACREBLEU_VERSION "2.4.3"

/* ---------------------------------------------------------------- 13a tokenizer */

/* Tokenizes a line like mteval-v13a.pl / sacreBLEU's "13a": unescapes &quot; &amp; &lt; &gt;,
 * splits off ASCII punctuation and symbols (but not '.' or ',' between digits, nor '-' unless a
 * digit precedes it, nor the apostrophe), and returns in *out a malloc'd string of the tokens
 * joined by single spaces (release with free). *ntok (may be NULL) gets the token count. */
tj_status tj_tok13a(const char *line, size_t len, char **out, size_t *ntok, tj_error *err);

/* ---------------------------------------------------------------- BLEU */

#define TJ_BLEU_ORDER 4

typedef struct tj_bleu_stats {
    int64_t hyp_len, ref_len; /* tokens; ref_len is the closest reference length */
    int64_t correct[TJ_BLEU_ORDER], total[TJ_BLEU_ORDER];
} tj_bleu_stats;

typedef struct tj_bleu_score {
    double score;                     /* 0..100 */
    double precisions[TJ_BLEU_ORDER]; /* 0..100, smoothed */
    double bp, ratio;
    int64_t hyp_len, ref_len;
} tj_bleu_score;

/* Statistics of one hypothesis against nrefs references. Empty references (after stripping
 * trailing whitespace) are skipped, as sacreBLEU skips them; *used_refs (may be NULL) gets how
 * many were not. Fails with TJ_ERR_INPUT when every reference is empty or the text is not UTF-8. */
tj_status tj_bleu_segment(const char *hyp, const char *const *refs, size_t nrefs,
                          tj_bleu_stats *out, size_t *used_refs, tj_error *err);

/* out += add */
void tj_bleu_stats_add(tj_bleu_stats *out, const tj_bleu_stats *add);

/* BLEU from (summed) statistics with exponential smoothing. effective_order = 1 stops at the
 * highest order the hypothesis has n-grams of, as sacreBLEU does for sentence scores. */
void tj_bleu_compute(const tj_bleu_stats *st, int effective_order, tj_bleu_score *out);

/* ---------------------------------------------------------------- chrF / chrF++ */

#define TJ_CHRF_CHAR_ORDER 6
#define TJ_CHRF_MAX_WORD_ORDER 2
#define TJ_CHRF_BETA 2
#define TJ_CHRF_MAX_ORDER (TJ_CHRF_CHAR_ORDER + TJ_CHRF_MAX_WORD_ORDER)

/* Per order (character orders 1..6 first, then word orders): hypothesis n-grams, reference
 * n-grams and matched n-grams. */
typedef struct tj_chrf_stats {
    int64_t hyp[TJ_CHRF_MAX_ORDER], ref[TJ_CHRF_MAX_ORDER], match[TJ_CHRF_MAX_ORDER];
} tj_chrf_stats;

/* Statistics of one hypothesis against nrefs references; with several, those of the reference
 * giving the best chrF. word_order is 0 (chrF) or 1..2 (2 = chrF++). Empty references are
 * skipped as in tj_bleu_segment. */
tj_status tj_chrf_segment(const char *hyp, const char *const *refs, size_t nrefs, int word_order,
                          tj_chrf_stats *out, size_t *used_refs, tj_error *err);

void tj_chrf_stats_add(tj_chrf_stats *out, const tj_chrf_stats *add);

/* chrF (0..100) from (summed) statistics, averaging precision and recall over the orders that
 * have both hypothesis and reference n-grams (sacreBLEU's default, not epsilon smoothing). */
double tj_chrf_compute(const tj_chrf_stats *st, int word_order);

/* ---------------------------------------------------------------- reports */

/* The metric signature, e.g. "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.3".
 * nrefs is a count, or 0 for "var" (lines with different numbers of references). */
void tj_bleu_signature(char *buf, size_t cap, size_t nrefs, int effective_order);
void tj_chrf_signature(char *buf, size_t cap, size_t nrefs, int word_order);

/* BLEU's detail string: "70.1/46.2/32.0/22.6 (BP = 0.987 ratio = 0.987 hyp_len = 26578
 * ref_len = 26926)". */
void tj_bleu_verbose(const tj_bleu_score *s, char *buf, size_t cap);

/* One score as sacreBLEU's text format prints it: "NAME|SIGNATURE = SCORE[ VERBOSE]" with the
 * score to width decimals (sacreBLEU's default width is 1). verbose may be NULL or "". */
void tj_score_text(char *buf, size_t cap, const char *name, double score, int width,
                   const char *signature, const char *verbose);

/* One score as sacreBLEU's JSON format prints it (keys name, score, signature, verbose_score,
 * then the signature's fields). indent 1 gives sacreBLEU's layout; indent 0 one line. */
void tj_score_json(char *buf, size_t cap, const char *name, double score, int width,
                   const char *signature, const char *verbose, int indent);

#endif
