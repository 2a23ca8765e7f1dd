/* SPDX-License-Identifier: MIT */
/* Markdown through cmark-gfm (CommonMark, with GitHub's table extension): each paragraph, heading
 * and table cell is a paragraph of text whose
 * emphasis, strong emphasis and links are spans placed on the translation through the
 * alignments (doc/inline.c); inline code, raw HTML, images and hard line breaks are kept whole
 * where their words went; code blocks, HTML blocks and link destinations are untouched. The
 * document is written back by cmark's CommonMark renderer, so the structure is kept but the
 * spelling of markup is cmark's (e.g. '-' list bullets become cmark's, soft line breaks inside a
 * paragraph become spaces, and cmark separates two lists in a row with "<!-- end list -->").
 * Tables (GitHub's pipe tables) are translated cell by cell; rows, columns and alignments are
 * kept, and a '|' in a translated cell is escaped by the renderer. Note: cmark's own allocator
 * aborts when memory runs out; everything else here reports TJ_ERR_NOMEM. */
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"
#include "text/passthrough.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/utf8.h"

typedef struct mrun {
    cmark_node *block;
    tj_strbuf text;
    tj_doc_span *spans;
    cmark_node **span_node;
    size_t nspans, scap;
    int oom;
} mrun;

/* Appends to the paragraph's text; a failed growth marks the whole run out of memory. */
static void put(mrun *r, const char *s, size_t n)
{
    tj_strbuf_put(&r->text, s, n);
    r->oom |= r->text.oom;
}

static int add_span(mrun *r, cmark_node *n, int parent, int atomic)
{
    if (r->nspans == r->scap) {
        size_t cap = r->scap ? r->scap * 2 : 16;
        tj_doc_span *s = realloc(r->spans, cap * sizeof *s);
        if (!s) return -1;
        r->spans = s;
        cmark_node **sn = realloc(r->span_node, cap * sizeof *sn);
        if (!sn) return -1;
        r->span_node = sn, r->scap = cap;
    }
    tj_doc_span *s = &r->spans[r->nspans];
    memset(s, 0, sizeof *s);
    s->begin = s->end = r->text.len;
    s->parent = parent, s->atomic = atomic;
    r->span_node[r->nspans] = n;
    return (int)r->nspans++;
}

static int flatten(mrun *r, cmark_node *n, int parent)
{
    const char *lit;
    switch (cmark_node_get_type(n)) {
    case CMARK_NODE_TEXT:
        lit = cmark_node_get_literal(n);
        if (lit) put(r, lit, strlen(lit));
        return r->oom ? -1 : 0;
    case CMARK_NODE_SOFTBREAK:
        put(r, " ", 1);
        return r->oom ? -1 : 0;
    case CMARK_NODE_LINEBREAK: {
        /* kept whole in place, but the words on either side stay apart for the model ("end.A"
         * was read as one word; found with tests/fuzz/fake.h) */
        int i = add_span(r, n, parent, 1);
        if (i < 0) return -1;
        put(r, " ", 1);
        r->spans[i].end = r->text.len;
        return r->oom ? -1 : 0;
    }
    case CMARK_NODE_CODE: {
        /* the model reads the code's words, so the sentence stays whole; it is kept as is */
        int i = add_span(r, n, parent, 1);
        if (i < 0) return -1;
        lit = cmark_node_get_literal(n);
        if (lit) put(r, lit, strlen(lit));
        r->spans[i].end = r->text.len;
        return r->oom ? -1 : 0;
    }
    case CMARK_NODE_EMPH:
    case CMARK_NODE_STRONG:
    case CMARK_NODE_LINK: {
        int i = add_span(r, n, parent, 0);
        if (i < 0) return -1;
        for (cmark_node *c = cmark_node_first_child(n); c; c = cmark_node_next(c))
            if (flatten(r, c, i)) return -1;
        r->spans[i].end = r->text.len;
        return 0;
    }
    default: /* hard breaks, raw HTML, images: kept whole in place */
        return add_span(r, n, parent, 1) < 0 ? -1 : 0;
    }
}

typedef struct mdoc {
    mrun *runs;
    size_t n, cap;
    int oom;
} mdoc;

static void collect(mdoc *d, cmark_node *n)
{
    for (cmark_node *c = cmark_node_first_child(n); c && !d->oom; c = cmark_node_next(c)) {
        cmark_node_type t = cmark_node_get_type(c);
        /* the table extension's nodes are known by their names (their types are not public) */
        const char *name = cmark_node_get_type_string(c);
        int cell = !strcmp(name, "table_cell");
        if (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING || cell) {
            mrun r;
            memset(&r, 0, sizeof r);
            r.block = c;
            for (cmark_node *k = cmark_node_first_child(c); k && !r.oom; k = cmark_node_next(k))
                if (flatten(&r, k, -1)) r.oom = 1;
            if (r.oom || !r.text.s || !tj_text_translatable(r.text.s, r.text.len)) {
                d->oom |= r.oom;
                free(r.text.s), free(r.spans), free(r.span_node);
                continue;
            }
            if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 32;
                mrun *v = realloc(d->runs, cap * sizeof *v);
                if (!v) {
                    d->oom = 1;
                    free(r.text.s), free(r.spans), free(r.span_node);
                    return;
                }
                d->runs = v, d->cap = cap;
            }
            d->runs[d->n++] = r;
        } else if (t == CMARK_NODE_DOCUMENT || t == CMARK_NODE_BLOCK_QUOTE ||
                   t == CMARK_NODE_LIST || t == CMARK_NODE_ITEM || !strcmp(name, "table") ||
                   !strcmp(name, "table_header") || !strcmp(name, "table_row")) {
            collect(d, c);
        }
    }
}

/* Replaces the block's inline content with the translation and its spans. */
static int rewrite(mrun *r, const tj_doc_para *p)
{
    size_t n = r->nspans;
    tj_doc_event *ev = malloc((4 * n + 1) * sizeof *ev);
    cmark_node **stack = malloc((n + 1) * sizeof *stack);
    char *moved = calloc(n + 1, 1);
    long ne = ev && stack && moved ? tj_doc_events(p, r->spans, n, ev) : -1;
    if (ne < 0) {
        free(ev), free(stack), free(moved);
        return -1;
    }
    /* the old inline nodes come out first (atomic ones are moved back in) */
    cmark_node *old = cmark_node_new(CMARK_NODE_PARAGRAPH);
    while (cmark_node_first_child(r->block)) {
        cmark_node *c = cmark_node_first_child(r->block);
        cmark_node_unlink(c);
        cmark_node_append_child(old, c);
    }
    int top = 0;
    stack[0] = r->block;
    for (long k = 0; k < ne; k++) {
        tj_doc_event *e = &ev[k];
        cmark_node *x;
        switch (e->kind) {
        case TJ_EV_TEXT: {
            char *t = malloc(e->end - e->begin + 1);
            if (!t) break;
            memcpy(t, p->out + e->begin, e->end - e->begin);
            t[e->end - e->begin] = '\0';
            x = cmark_node_new(CMARK_NODE_TEXT);
            cmark_node_set_literal(x, t);
            free(t);
            cmark_node_append_child(stack[top], x);
            break;
        }
        case TJ_EV_OPEN: {
            cmark_node *o = r->span_node[e->span];
            cmark_node *last = cmark_node_last_child(stack[top]);
            cmark_node_type ty = cmark_node_get_type(o);
            if (last && cmark_node_get_type(last) == ty &&
                (ty == CMARK_NODE_EMPH || ty == CMARK_NODE_STRONG)) {
                /* "**a****b**" would not read back as two: continue the one just closed */
                stack[++top] = last;
                break;
            }
            x = cmark_node_new(ty);
            if (cmark_node_get_type(o) == CMARK_NODE_LINK) {
                cmark_node_set_url(x, cmark_node_get_url(o));
                cmark_node_set_title(x, cmark_node_get_title(o));
            }
            cmark_node_append_child(stack[top], x);
            stack[++top] = x;
            break;
        }
        case TJ_EV_CLOSE:
            top--;
            break;
        case TJ_EV_ATOMIC:
            x = r->span_node[e->span];
            cmark_node_unlink(x);
            cmark_node_append_child(stack[top], x);
            moved[e->span] = 1;
            break;
        }
    }
    cmark_node_free(old); /* the moved nodes are no longer in it */
    free(ev), free(stack), free(moved);
    return 0;
}

/* cmark-gfm finds its extensions in a registry of its own, filled once; its registering is not
 * thread-safe, hence the pthread_once. */
static void register_extensions(void)
{
    cmark_gfm_core_extensions_ensure_registered();
}

/* The document with the table extension (NULL when cmark-gfm fails). */
static cmark_node *parse_gfm(const char *data, size_t len)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_extensions);
    cmark_syntax_extension *table = cmark_find_syntax_extension("table");
    cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
    if (!p || !table) {
        if (p) cmark_parser_free(p);
        return NULL;
    }
    cmark_node *doc = NULL;
    if (cmark_parser_attach_syntax_extension(p, table)) {
        cmark_parser_feed(p, data, len);
        doc = cmark_parser_finish(p);
    }
    cmark_parser_free(p);
    return doc;
}

tj_status tj_doc_markdown(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                          size_t *out_len, tj_error *err)
{
    size_t bad = tj_utf8_check(data, len);
    if (bad != len) return tj_fail(err, TJ_ERR_INPUT, "invalid UTF-8 at byte offset %zu", bad);
    if (memchr(data, '\0', len))
        return tj_fail(err, TJ_ERR_INPUT, "NUL byte in the Markdown input");
    size_t blank = 0;
    while (blank < len && (data[blank] == ' ' || data[blank] == '\n' || data[blank] == '\t' ||
                           data[blank] == '\r'))
        blank++;
    if (blank == len) {
        /* nothing to translate: written back as it is (cmark would write a lone newline) */
        return tj_doc_copy(data, len, out, out_len, err);
    }
    cmark_node *doc = parse_gfm(data, len);
    if (!doc) return tj_fail(err, TJ_ERR_FORMAT, "Markdown input could not be parsed");
    mdoc d;
    memset(&d, 0, sizeof d);
    collect(&d, doc);
    tj_status st = d.oom ? tj_fail(err, TJ_ERR_NOMEM, "out of memory") : TJ_OK;
    const char **texts = malloc((d.n + 1) * sizeof *texts);
    size_t *lens = malloc((d.n + 1) * sizeof *lens);
    tj_doc_para *paras = calloc(d.n + 1, sizeof *paras);
    if (!st && (!texts || !lens || !paras)) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    if (!st) {
        for (size_t i = 0; i < d.n; i++) texts[i] = d.runs[i].text.s, lens[i] = d.runs[i].text.len;
        st = tj_doc_ctx_paras(c, texts, lens, d.n, TJ_DOC_ALIGN, paras, err);
    }
    for (size_t i = 0; i < d.n && !st; i++) {
        tj_doc_project_spans(&paras[i], d.runs[i].text.s, d.runs[i].text.len, d.runs[i].spans,
                             d.runs[i].nspans);
        if (rewrite(&d.runs[i], &paras[i])) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    if (!st) {
        char *md = cmark_render_commonmark(doc, CMARK_OPT_DEFAULT, 0);
        size_t n = md ? strlen(md) : 0, wide = 0;
        /* cmark's writer encodes U+FFFE and U+FFFF as the single bytes 0xFE and 0xFF (its
         * UTF-8 encoder keeps them as sentinels), which is not UTF-8; no other byte of its
         * output can be 0xFE or 0xFF, so they are put back as the three bytes they were. */
        for (size_t i = 0; i < n; i++) wide += (unsigned char)md[i] >= 0xFE;
        *out = md ? malloc(n + 2 * wide + 1) : NULL;
        if (!*out) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        } else {
            size_t k = 0;
            for (size_t i = 0; i <= n; i++) {
                unsigned char b = (unsigned char)md[i];
                if (b >= 0xFE) {
                    (*out)[k++] = (char)0xEF, (*out)[k++] = (char)0xBF;
                    (*out)[k++] = (char)(b == 0xFF ? 0xBF : 0xBE);
                } else {
                    (*out)[k++] = md[i];
                }
            }
            *out_len = n + 2 * wide;
        }
        free(md);
    }
    for (size_t i = 0; paras && i < d.n; i++) tj_doc_para_free(&paras[i]);
    free(paras), free(texts), free(lens);
    for (size_t i = 0; i < d.n; i++)
        free(d.runs[i].text.s), free(d.runs[i].spans), free(d.runs[i].span_node);
    free(d.runs);
    cmark_node_free(doc);
    return st;
}
