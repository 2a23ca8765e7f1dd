/* SPDX-License-Identifier: MIT */
/* tj_translate_scored: a text's sentences with the model's confidence in its own translation,
 * for quality flags (the mean token log-probability from a forced decode, doc/para.c). */
#include <stdlib.h>
#include <string.h>

#include "decode/options.h"
#include "doc/doc.h"
#include "util/error.h"
#include "util/utf8.h"

void tj_scored_free(tj_scored_sentence *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++) {
        free(s[i].source);
        free(s[i].translation);
    }
    free(s);
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

tj_status tj_translate_scored(const tj_model *m, const tj_options *opt, const char *text,
                              size_t len, tj_scored_sentence **out, size_t *n, tj_error *err)
{
    return tj_translate_scored_doc(m, opt, NULL, text, len, out, n, err);
}

tj_status tj_translate_scored_doc(const tj_model *m, const tj_options *opt,
                                  const tj_doc_options *dopt, const char *text, size_t len,
                                  tj_scored_sentence **out, size_t *n, tj_error *err)
{
    tj_error local;
    if (!err) err = &local;
    tj_error_clear(err);
    if (!m || !out || !n || (!text && len))
        return tj_fail(err, TJ_ERR_ARG, "tj_translate_scored: NULL argument");
    *out = NULL, *n = 0;
    size_t bad = tj_utf8_check(text, len);
    if (bad != len) return tj_fail(err, TJ_ERR_INPUT, "invalid UTF-8 at byte offset %zu", bad);
    if (len && memchr(text, '\0', len)) return tj_fail(err, TJ_ERR_INPUT, "NUL byte in the text");
    tj_options o;
    tj_status st = tj_options_take(opt, &o, err);
    if (st) return st;
    tj_doc_lines ln;
    st = tj_doc_split_lines(text, len, &ln, err);
    if (st) return st;
    const char **lines = ln.text;
    size_t k = ln.n;
    tj_doc_para *paras = calloc(k, sizeof *paras);
    if (!paras) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    tj_doc_gloss gl = {dopt ? dopt->glossary : NULL, dopt ? dopt->glossary_mode : TJ_GLOSSARY_ALIGN,
                       dopt ? dopt->glossary_counts : NULL};
    if (!st)
        st = tj_doc_translate_paras_g(m, &o, gl.g ? &gl : NULL, lines, ln.len, k, TJ_DOC_SCORE,
                                      paras, err);
    size_t total = 0;
    for (size_t i = 0; !st && i < k; i++) total += paras[i].ns;
    tj_scored_sentence *v = st ? NULL : calloc(total + 1, sizeof *v);
    if (!st && !v) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    size_t j = 0;
    for (size_t i = 0; !st && i < k; i++)
        for (size_t s = 0; s < paras[i].ns && !st; s++, j++) {
            const tj_doc_sent *x = &paras[i].s[s];
            v[j].line = i + 1;
            v[j].source = dup_n(lines[i] + x->src_begin, x->src_end - x->src_begin);
            v[j].translation = dup_n(paras[i].out + x->trg_begin, x->trg_end - x->trg_begin);
            v[j].logprob = x->n_src ? x->logprob : 0.0f;
            v[j].copied = x->n_src == 0;
            if (!v[j].source || !v[j].translation) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        }
    for (size_t i = 0; paras && i < k; i++) tj_doc_para_free(&paras[i]);
    free(paras);
    tj_doc_lines_free(&ln);
    if (st) {
        tj_scored_free(v, total);
        return st;
    }
    *out = v, *n = total;
    return TJ_OK;
}
