/* SPDX-License-Identifier: MIT */
/* tj_translate_document: the public entry for documents, which picks the format's reader. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/options.h"
#include "doc/doc.h"
#include "util/error.h"
#include "util/utf8.h"

static const struct {
    const char *name;
    tj_format f;
} names[] = {
    {"text", TJ_FORMAT_TEXT},   {"txt", TJ_FORMAT_TEXT},   {"html", TJ_FORMAT_HTML},
    {"htm", TJ_FORMAT_HTML},    {"xhtml", TJ_FORMAT_HTML}, {"srt", TJ_FORMAT_SRT},
    {"vtt", TJ_FORMAT_SRT},     {"webvtt", TJ_FORMAT_SRT}, {"markdown", TJ_FORMAT_MARKDOWN},
    {"md", TJ_FORMAT_MARKDOWN}, {"docx", TJ_FORMAT_DOCX}};

int tj_format_from_name(const char *name)
{
    if (!name) return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(name, names[i].name)) return (int)names[i].f;
    return -1;
}

const char *tj_format_name(tj_format f)
{
    switch (f) {
    case TJ_FORMAT_TEXT:
        return "text";
    case TJ_FORMAT_HTML:
        return "html";
    case TJ_FORMAT_SRT:
        return "srt";
    case TJ_FORMAT_MARKDOWN:
        return "markdown";
    case TJ_FORMAT_DOCX:
        return "docx";
    }
    return "unknown";
}

/* Text with a glossary: each line a paragraph, as tj_translate takes it (a '\r' before '\n' is
 * dropped), through the paragraph layer that enforces the terms. */
static tj_status text_glossary(const tj_doc_ctx *c, const char *text, size_t len, char **out,
                               size_t *out_len, tj_error *err)
{
    size_t bad = tj_utf8_check(text, len);
    if (bad != len) return tj_fail(err, TJ_ERR_INPUT, "invalid UTF-8 at byte offset %zu", bad);
    if (memchr(text, '\0', len)) return tj_fail(err, TJ_ERR_INPUT, "NUL byte in the text input");
    tj_doc_lines ln;
    tj_status st = tj_doc_split_lines(text, len, &ln, err);
    if (st) return st;
    const char **lines = ln.text;
    size_t k = ln.n;
    tj_doc_para *paras = calloc(k, sizeof *paras);
    if (!paras) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    if (!st) st = tj_doc_ctx_paras(c, lines, ln.len, k, 0, paras, err);
    size_t cap = 1;
    for (size_t i = 0; !st && i < k; i++) cap += paras[i].out_len + 1;
    char *res = st ? NULL : malloc(cap);
    if (!st && !res) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    size_t rn = 0;
    for (size_t i = 0; !st && i < k; i++) {
        memcpy(res + rn, paras[i].out, paras[i].out_len);
        rn += paras[i].out_len;
        if (i + 1 < k) res[rn++] = '\n';
    }
    for (size_t i = 0; paras && i < k; i++) tj_doc_para_free(&paras[i]);
    free(paras);
    tj_doc_lines_free(&ln);
    if (st) {
        free(res);
        return st;
    }
    res[rn] = '\0';
    *out = res, *out_len = rn;
    return TJ_OK;
}

tj_status tj_translate_document(const tj_model *model, const tj_options *opt,
                                const tj_doc_options *dopt, const char *data, size_t len,
                                char **out, size_t *out_len, tj_error *err)
{
    tj_error local;
    if (!err) err = &local;
    tj_error_clear(err);
    if (!model || !dopt || !out || !out_len || (!data && len))
        return tj_fail(err, TJ_ERR_ARG, "tj_translate_document: NULL argument");
    *out = NULL;
    *out_len = 0;
    tj_options o;
    tj_status st = tj_options_take(opt, &o, err);
    if (st) return st;
    if (dopt->glossary_mode != TJ_GLOSSARY_ALIGN && dopt->glossary_mode != TJ_GLOSSARY_CONSTRAIN)
        return tj_fail(err, TJ_ERR_ARG, "unknown glossary mode %d", (int)dopt->glossary_mode);
    tj_doc_ctx c = {model, &o, dopt, NULL, NULL};
    if (dopt->format == TJ_FORMAT_TEXT) {
        if (tj_glossary_size(dopt->glossary))
            return text_glossary(&c, data ? data : "", len, out, out_len, err);
        char *s = malloc(len + 1);
        if (!s) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        if (len) memcpy(s, data, len);
        s[len] = '\0';
        if (strlen(s) != len) {
            free(s);
            return tj_fail(err, TJ_ERR_INPUT, "NUL byte in the text input");
        }
        const char *t = s;
        st = tj_translate(model, &o, &t, 1, out, err);
        free(s);
        if (!st) *out_len = strlen(*out);
        return st;
    }
    return tj_doc_dispatch(&c, data, len, out, out_len, err);
}

tj_status tj_doc_copy(const char *data, size_t len, char **out, size_t *out_len, tj_error *err)
{
    if (!(*out = malloc(len + 1))) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    if (len) memcpy(*out, data, len);
    (*out)[len] = '\0';
    *out_len = len;
    return TJ_OK;
}

tj_status tj_doc_ctx_paras(const tj_doc_ctx *c, const char *const *texts, const size_t *lens,
                           size_t n, int want, tj_doc_para *out, tj_error *err)
{
    if (c->paras) return c->paras(c->paras_user, texts, lens, n, want, out, err);
    const tj_glossary *g = c->d ? c->d->glossary : NULL;
    tj_doc_gloss gl = {g, g ? c->d->glossary_mode : TJ_GLOSSARY_CONSTRAIN,
                       g ? c->d->glossary_counts : NULL};
    return tj_doc_translate_paras_g(c->m, c->o, g ? &gl : NULL, texts, lens, n, want, out, err);
}

tj_status tj_doc_dispatch(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                          size_t *out_len, tj_error *err)
{
    const tj_doc_options *dopt = c->d;
    switch (dopt->format) {
    case TJ_FORMAT_TEXT:
        return tj_fail(err, TJ_ERR_ARG, "tj_doc_dispatch: plain text goes to tj_translate");
    case TJ_FORMAT_HTML:
        return tj_doc_html(c, data ? data : "", len, out, out_len, err);
    case TJ_FORMAT_SRT:
        return tj_doc_srt(c, data ? data : "", len, out, out_len, err);
    case TJ_FORMAT_MARKDOWN:
        return tj_doc_markdown(c, data ? data : "", len, out, out_len, err);
    case TJ_FORMAT_DOCX:
        return tj_doc_docx(c, data ? data : "", len, out, out_len, err);
    }
    return tj_fail(err, TJ_ERR_ARG, "unknown document format %d", (int)dopt->format);
}
