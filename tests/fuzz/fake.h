/* SPDX-License-Identifier: MIT */
/* A fake translator for the document, JSONL and server fuzz targets: it keeps
 * tj_doc_translate_paras's contract (doc/doc.h) without a model, so that the fuzzer spends its
 * time in the readers, the markup projection and the writers rather than in the network, and
 * each input runs in microseconds. Sentences come from the real splitter; a sentence's "tokens"
 * are its runs of non-space bytes, and its "translation" rearranges them as the mode says, with
 * an exact alignment, so that markup must follow words that moved, vanished or multiplied. */
#ifndef TJ_FUZZ_FAKE_H
#define TJ_FUZZ_FAKE_H

#include "doc/doc.h"
#include "fuzz.h"
#include "text/passthrough.h"
#include "tok/ssplit.h"
#include "util/error.h"
#include "util/utf8.h"

enum {
    FAKE_REVERSE = 1,   /* words in reverse order */
    FAKE_DROP = 2,      /* every third word dropped (a sentence may come out empty) */
    FAKE_DOUBLE = 4,    /* every word twice, plus a word aligned to the first */
    FAKE_EMPTY = 8,     /* every sentence translates to nothing */
    FAKE_NO_ALIGN = 16, /* no alignment (align NULL): markup falls back to whole sentences */
    FAKE_FAIL = 32,     /* the call fails after doing all the work (error paths, leaks) */
    FAKE_WHOLE = 64,    /* the paragraph is one sentence (TJ_SPLIT_LINE) */
};

typedef struct fake_tr {
    int mode;
} fake_tr;

static inline int fake_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v';
}

typedef struct fake_buf {
    char *s;
    size_t n, cap;
} fake_buf;

static inline int fake_put(fake_buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) return -1;
        b->s = t, b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
    return 0;
}

/* One sentence text[b..e) of a paragraph, translated and appended to o; fills s. */
static inline int fake_sentence(int mode, int want, const char *text, size_t b, size_t e,
                                fake_buf *o, tj_doc_sent *s)
{
    size_t ntok = 0;
    for (size_t i = b; i < e;) {
        while (i < e && fake_space(text[i])) i++;
        if (i == e) break;
        ntok++;
        while (i < e && !fake_space(text[i])) i++;
    }
    size_t *tok = malloc((ntok + 1) * 2 * sizeof *tok);
    /* target words: source indices, at most 2 * ntok + 1 */
    int *order = malloc((2 * ntok + 2) * sizeof *order);
    if (!tok || !order) {
        free(tok), free(order);
        return -1;
    }
    size_t k = 0;
    for (size_t i = b; i < e;) {
        while (i < e && fake_space(text[i])) i++;
        if (i == e) break;
        tok[2 * k] = i;
        while (i < e && !fake_space(text[i])) i++;
        tok[2 * k + 1] = i;
        k++;
    }
    int nt = 0;
    if (!(mode & FAKE_EMPTY))
        for (size_t j = 0; j < ntok; j++) {
            size_t src = mode & FAKE_REVERSE ? ntok - 1 - j : j;
            if ((mode & FAKE_DROP) && j % 3 == 2) continue;
            order[nt++] = (int)src;
            if (mode & FAKE_DOUBLE) order[nt++] = (int)src;
        }
    if ((mode & FAKE_DOUBLE) && ntok && !(mode & FAKE_EMPTY)) order[nt++] = 0;
    s->n_src = (int)ntok, s->n_trg = nt;
    s->logprob = -(float)(ntok % 7) / 2.0f;
    size_t *trg = malloc(((size_t)nt + 1) * 2 * sizeof *trg);
    if (!trg) {
        free(tok), free(order);
        return -1;
    }
    s->trg_begin = o->n;
    for (int t = 0; t < nt; t++) {
        if (t && fake_put(o, " ", 1)) goto oom;
        size_t sb = tok[2 * order[t]], se = tok[2 * order[t] + 1];
        trg[2 * t] = o->n;
        if (fake_put(o, text + sb, se - sb)) goto oom;
        trg[2 * t + 1] = o->n;
    }
    s->trg_end = o->n;
    if (want & TJ_DOC_ALIGN) {
        int S = (int)ntok + 1;
        s->src_tok = tok, tok = NULL;
        s->trg_tok = trg, trg = NULL;
        s->attn = calloc((size_t)nt * (size_t)S + 1, sizeof *s->attn);
        if (!s->attn) goto oom;
        for (int t = 0; t < nt; t++) s->attn[(size_t)t * (size_t)S + (size_t)order[t]] = 1.0f;
        if (!(mode & FAKE_NO_ALIGN)) {
            s->align = malloc(((size_t)nt + 1) * sizeof *s->align);
            if (!s->align) goto oom;
            memcpy(s->align, order, (size_t)nt * sizeof *order);
        }
    }
    free(tok), free(trg), free(order);
    return 0;
oom:
    free(tok), free(trg), free(order);
    return -1;
}

/* tj_doc_paras_fn */
static inline tj_status fake_paras(void *user, const char *const *texts, const size_t *lens,
                                   size_t n, int want, tj_doc_para *out, tj_error *err)
{
    int mode = ((const fake_tr *)user)->mode;
    tj_status st = TJ_OK;
    for (size_t i = 0; i < n; i++) memset(&out[i], 0, sizeof out[i]);
    for (size_t i = 0; i < n && !st; i++) {
        const char *text = texts[i];
        size_t len = lens[i];
        tj_span *sp = NULL;
        size_t ns = 0;
        if (mode & FAKE_WHOLE) {
            if (len && !(sp = malloc(sizeof *sp))) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            if (sp) sp[0] = (tj_span){0, len}, ns = 1;
        } else {
            char *flat = malloc(len + 1);
            if (!flat) {
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                break;
            }
            for (size_t k = 0; k < len; k++) flat[k] = fake_space(text[k]) ? ' ' : text[k];
            flat[len] = '\0';
            st = tj_ssplit(flat, len, TJ_SSPLIT_DEFAULT, &sp, &ns, err);
            free(flat);
        }
        fake_buf o = {0};
        tj_doc_para *p = &out[i];
        p->s = calloc(ns + 1, sizeof *p->s);
        if (!st && (!p->s || fake_put(&o, "", 0))) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        size_t pos = 0;
        for (size_t k = 0; k < ns && !st; k++) {
            size_t b = sp[k].begin, e = sp[k].end;
            if (b < pos || e > len || b > e) abort(); /* the splitter's own contract */
            tj_doc_sent *s = &p->s[p->ns++];
            if (fake_put(&o, text + pos, b - pos)) {
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                break;
            }
            s->src_begin = b, s->src_end = e;
            if (!tj_text_translatable(text + b, e - b)) {
                s->trg_begin = o.n;
                if (fake_put(&o, text + b, e - b)) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
                s->trg_end = o.n;
            } else if (fake_sentence(mode, want, text, b, e, &o, s)) {
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            }
            pos = e;
        }
        if (!st && fake_put(&o, text + pos, len - pos))
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        p->out = o.s, p->out_len = o.n;
        free(sp);
    }
    if (!st && (mode & FAKE_FAIL)) st = tj_fail(err, TJ_ERR_INPUT, "fake translator: failing");
    if (st)
        for (size_t i = 0; i < n; i++) tj_doc_para_free(&out[i]);
    return st;
}

/* Checks a document result: NUL-terminated at out_len, valid UTF-8, no NUL inside. */
static inline void fake_check_doc(tj_status st, const tj_error *err, const char *out,
                                  size_t out_len)
{
    fuzz_check_error(st, err);
    if (st != TJ_OK) {
        if (out) abort(); /* nothing is left behind on failure */
        return;
    }
    if (!out || out[out_len] != '\0' || strlen(out) != out_len) abort();
    if (tj_utf8_check(out, out_len) != out_len) abort();
}

/* The quality-flags fake of the jsonl and server targets: one scored "sentence" per non-empty
 * line of text, its own translation. real_copied: "copied" as the library decides it
 * (tj_text_translatable), else every third line length, so that both values occur whatever the
 * text. */
static inline tj_status fake_scored_lines(const char *text, size_t len, int real_copied,
                                          tj_scored_sentence **out, size_t *n, tj_error *err)
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++) cap += text[i] == '\n';
    tj_scored_sentence *v = calloc(cap, sizeof *v);
    if (!v) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    size_t k = 0, line = 1;
    for (size_t b = 0; b <= len; line++) {
        const char *nl = memchr(text + b, '\n', len - b);
        size_t e = nl ? (size_t)(nl - text) : len;
        if (e > b) {
            v[k].line = line;
            v[k].source = strndup(text + b, e - b);
            v[k].translation = strndup(text + b, e - b);
            v[k].logprob = -(float)((e - b) % 5);
            v[k].copied = real_copied ? !tj_text_translatable(text + b, e - b) : (e - b) % 3 == 0;
            if (!v[k].source || !v[k].translation) {
                tj_scored_free(v, k + 1);
                return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
            }
            k++;
        }
        b = e + 1;
    }
    *out = v, *n = k;
    return TJ_OK;
}

/* One document through a reader: data[0] picks the fake translator's mode, data[1] the document
 * options (target language none/ar/en, doubt marks), the rest is the document. */
static inline int fake_doc_input(tj_format format, const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    fake_tr tr = {data[0] & 127};
    tj_doc_options d;
    memset(&d, 0, sizeof d);
    d.format = format;
    d.target_lang = (data[1] & 3) == 1 ? "ar" : (data[1] & 3) == 2 ? "en" : NULL;
    d.mark_doubt = (data[1] & 4) != 0;
    d.doubt_logprob = -1.0f;
    tj_options o;
    tj_options_default(&o);
    tj_doc_ctx c = {NULL, &o, &d, fake_paras, &tr};
    char *out = NULL;
    size_t out_len = 0;
    tj_error err;
    tj_error_clear(&err);
    tj_status st = tj_doc_dispatch(&c, (const char *)data + 2, size - 2, &out, &out_len, &err);
    fake_check_doc(st, &err, out, out_len);
    if (fuzz_verbose()) fprintf(stderr, "status %d: %s\n", (int)st, st ? err.message : out);
    free(out);
    return 0;
}

#endif
