/* SPDX-License-Identifier: MIT */
/* HTML documents through libxml2's HTML parser (no regular expressions): the tree is cut into
 * paragraphs (each maximal run of text and inline elements inside a block), which are translated
 * with alignments; inline elements are put back on the words they were aligned to (doc/inline.c)
 * and everything else is left as it was. Not translated: script, style, pre, code, kbd, samp,
 * var, textarea, svg, math, template, and any element with translate="no" or class
 * "notranslate". Translated attributes: alt, title, placeholder, aria-label. */
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/xmlsave.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "doc/doc.h"
#include "text/passthrough.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/utf8.h"

static const char *const skip_names[] = {"script",   "style",    "pre",      "code",   "kbd",
                                         "samp",     "var",      "textarea", "svg",    "math",
                                         "template", "noscript", "iframe",   "object", NULL};
/* Elements that sit inside a line of text. */
static const char *const inline_names[] = {
    "a",     "abbr", "acronym", "b",      "bdi", "bdo", "big",   "cite", "code", "data", "del",
    "dfn",   "em",   "font",    "i",      "ins", "kbd", "label", "mark", "q",    "s",    "samp",
    "small", "span", "strike",  "strong", "sub", "sup", "time",  "tt",   "u",    "var",  NULL};
/* Inline elements without text of their own, kept in place as they are. */
static const char *const void_names[] = {"img", "wbr", "input", "embed", "svg", "math", NULL};
static const char *const attr_names[] = {"alt", "title", "placeholder", "aria-label", NULL};

static int in_list(const xmlChar *name, const char *const *list)
{
    if (!name) return 0;
    for (int i = 0; list[i]; i++)
        if (!xmlStrcasecmp(name, (const xmlChar *)list[i])) return 1;
    return 0;
}

/* translate="no" or class="... notranslate ...", or an element never translated. */
static int is_skip(xmlNodePtr n)
{
    if (n->type != XML_ELEMENT_NODE) return 0;
    if (in_list(n->name, skip_names)) return 1;
    xmlChar *t = xmlGetProp(n, (const xmlChar *)"translate");
    int skip = t && !xmlStrcasecmp(t, (const xmlChar *)"no");
    xmlFree(t);
    if (skip) return 1;
    xmlChar *c = xmlGetProp(n, (const xmlChar *)"class");
    if (c) {
        const char *p = (const char *)c;
        while (*p && !skip) {
            while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f') p++;
            const char *e = p;
            while (*e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r' && *e != '\f') e++;
            if (e - p == 11 && !strncmp(p, "notranslate", 11)) skip = 1;
            p = e;
        }
        xmlFree(c);
    }
    return skip;
}

/* Whether n can be part of a line of text: text, comments, inline elements whose content all
 * can, and (kept whole) skipped or void inline elements. */
static int runnable(xmlNodePtr n)
{
    switch (n->type) {
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
    case XML_COMMENT_NODE:
    case XML_PI_NODE:
    case XML_ENTITY_REF_NODE:
        return 1;
    case XML_ELEMENT_NODE:
        break;
    default:
        return 0;
    }
    if (in_list(n->name, void_names)) return 1;
    if (!in_list(n->name, inline_names)) return 0;
    if (is_skip(n)) return 1;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (!runnable(c)) return 0;
    return 1;
}

/* A paragraph: consecutive sibling nodes [first .. last] of one parent. */
typedef struct hrun {
    xmlNodePtr parent;
    xmlNodePtr *nodes; /* the siblings */
    size_t nn;
    tj_strbuf text;
    tj_doc_span *spans;
    xmlNodePtr *span_node;
    size_t nspans, cap;
} hrun;

typedef struct hattr {
    xmlNodePtr el;
    const char *name;
    xmlChar *value;
} hattr;

typedef struct hdoc {
    htmlDocPtr doc;
    hrun *runs;
    size_t nruns, cap_runs;
    hattr *attrs;
    size_t nattrs, cap_attrs;
    int oom;
} hdoc;

static int add_span(hrun *r, xmlNodePtr n, size_t b, int parent, int atomic)
{
    if (r->nspans == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        tj_doc_span *s = realloc(r->spans, cap * sizeof *s);
        if (!s) return -1;
        r->spans = s;
        xmlNodePtr *sn = realloc(r->span_node, cap * sizeof *sn);
        if (!sn) return -1;
        r->span_node = sn;
        r->cap = cap;
    }
    memset(&r->spans[r->nspans], 0, sizeof r->spans[0]);
    r->spans[r->nspans].begin = r->spans[r->nspans].end = b;
    r->spans[r->nspans].parent = parent;
    r->spans[r->nspans].atomic = atomic;
    r->span_node[r->nspans] = n;
    return (int)r->nspans++;
}

static void text_of(hrun *r, xmlNodePtr n)
{
    for (; n; n = n->next) {
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
            tj_strbuf_put(&r->text, (const char *)n->content, strlen((const char *)n->content));
        else if (n->type == XML_ELEMENT_NODE)
            text_of(r, n->children);
    }
}

/* Appends node n (runnable) to the run's text and spans. */
static int flatten(hrun *r, xmlNodePtr n, int parent)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content)
            tj_strbuf_put(&r->text, (const char *)n->content, strlen((const char *)n->content));
        return r->text.oom ? -1 : 0;
    }
    if (n->type != XML_ELEMENT_NODE) /* comment, processing instruction: kept in place */
        return add_span(r, n, r->text.len, parent, 1) < 0 ? -1 : 0;
    int atomic = in_list(n->name, void_names) || is_skip(n);
    int i = add_span(r, n, r->text.len, parent, atomic);
    if (i < 0) return -1;
    if (atomic) {
        /* the model still reads the words of a code span, so the sentence stays whole */
        text_of(r, n->children);
    } else {
        for (xmlNodePtr c = n->children; c; c = c->next)
            if (flatten(r, c, i)) return -1;
    }
    r->spans[i].end = r->text.len;
    if (!atomic) {
        /* an inline element with only white space inside is kept whole where it was */
        int blank = 1;
        for (size_t k = r->spans[i].begin; k < r->spans[i].end && blank; k++)
            blank = r->text.s[k] == ' ' || r->text.s[k] == '\n' || r->text.s[k] == '\t' ||
                    r->text.s[k] == '\r';
        if (blank && r->spans[i].end > r->spans[i].begin) {
            r->spans[i].atomic = 1;
            /* its descendants are copied with it */
            r->nspans = (size_t)i + 1;
        }
    }
    return r->text.oom ? -1 : 0;
}

static void run_free(hrun *r)
{
    free(r->nodes);
    free(r->text.s);
    free(r->spans);
    free(r->span_node);
}

static void flush(hdoc *h, xmlNodePtr parent, xmlNodePtr first, size_t nn)
{
    if (!nn || h->oom) return;
    hrun r;
    memset(&r, 0, sizeof r);
    r.parent = parent;
    r.nodes = malloc(nn * sizeof *r.nodes);
    if (!r.nodes) {
        h->oom = 1;
        return;
    }
    xmlNodePtr n = first;
    for (size_t i = 0; i < nn; i++, n = n->next) {
        r.nodes[i] = n;
        if (flatten(&r, n, -1)) {
            h->oom = 1;
            break;
        }
    }
    r.nn = nn;
    if (h->oom || !r.text.s || !tj_text_translatable(r.text.s, r.text.len)) {
        run_free(&r);
        return;
    }
    if (h->nruns == h->cap_runs) {
        size_t cap = h->cap_runs ? h->cap_runs * 2 : 32;
        hrun *v = realloc(h->runs, cap * sizeof *v);
        if (!v) {
            h->oom = 1;
            run_free(&r);
            return;
        }
        h->runs = v, h->cap_runs = cap;
    }
    h->runs[h->nruns++] = r;
}

static void collect(hdoc *h, xmlNodePtr parent, int depth)
{
    xmlNodePtr first = NULL;
    size_t nn = 0;
    for (xmlNodePtr c = parent->children; c && !h->oom; c = c->next) {
        if (runnable(c)) {
            if (!nn) first = c;
            nn++;
            continue;
        }
        flush(h, parent, first, nn);
        nn = 0;
        /* depth is bounded by libxml2's own limit on nesting (256 by default) */
        if (c->type == XML_ELEMENT_NODE && !is_skip(c) && depth < 1000) collect(h, c, depth + 1);
    }
    flush(h, parent, first, nn);
}

static void collect_attrs(hdoc *h, xmlNodePtr n)
{
    for (; n && !h->oom; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || is_skip(n)) continue;
        for (int i = 0; attr_names[i]; i++) {
            xmlChar *v = xmlGetProp(n, (const xmlChar *)attr_names[i]);
            if (!v) continue;
            if (!tj_text_translatable((const char *)v, strlen((const char *)v))) {
                xmlFree(v);
                continue;
            }
            if (h->nattrs == h->cap_attrs) {
                size_t cap = h->cap_attrs ? h->cap_attrs * 2 : 16;
                hattr *a = realloc(h->attrs, cap * sizeof *a);
                if (!a) {
                    xmlFree(v);
                    h->oom = 1;
                    return;
                }
                h->attrs = a, h->cap_attrs = cap;
            }
            h->attrs[h->nattrs++] = (hattr){n, attr_names[i], v};
        }
        collect_attrs(h, n->children);
    }
}

/* Replaces the run's nodes with the translation and its projected markup. */
static int rewrite(hdoc *h, hrun *r, const tj_doc_para *p)
{
    size_t n = r->nspans;
    tj_doc_event *ev = malloc((4 * n + 1) * sizeof *ev);
    xmlNodePtr *stack = malloc((n + 1) * sizeof *stack);
    xmlNodePtr tmp = xmlNewDocNode(h->doc, NULL, (const xmlChar *)"tj", NULL);
    long ne = ev && stack && tmp ? tj_doc_events(p, r->spans, n, ev) : -1;
    if (ne < 0) {
        free(ev), free(stack);
        if (tmp) xmlFreeNode(tmp);
        return -1;
    }
    int top = 0;
    stack[0] = tmp;
    char *moved = calloc(n + 1, 1);
    /* The place of the run, marked by an element before its first node while that is still
     * there: the first node may be atomic (a paragraph starting with <code>, <img> or a comment),
     * and moving it below would take the place with it (the paragraph's content was lost). The
     * new nodes go before the mark: libxml2 merges a text node inserted next to a text node into
     * it, so nothing new may touch an old text node. */
    xmlNodePtr mark = xmlNewDocNode(h->doc, NULL, (const xmlChar *)"tj-mark", NULL);
    if (!moved || !mark) {
        free(ev), free(stack), free(moved);
        if (mark) xmlFreeNode(mark);
        xmlFreeNode(tmp);
        return -1;
    }
    xmlAddPrevSibling(r->nodes[0], mark);
    for (long k = 0; k < ne; k++) {
        tj_doc_event *e = &ev[k];
        xmlNodePtr x = NULL;
        switch (e->kind) {
        case TJ_EV_TEXT:
            x = xmlNewDocTextLen(h->doc, (const xmlChar *)p->out + e->begin,
                                 (int)(e->end - e->begin));
            if (x) x = xmlAddChild(stack[top], x) ? x : NULL;
            break;
        case TJ_EV_OPEN:
            x = xmlDocCopyNode(r->span_node[e->span], h->doc, 2);
            if (x) {
                xmlAddChild(stack[top], x);
                stack[++top] = x;
            }
            break;
        case TJ_EV_CLOSE:
            top--;
            x = stack[top];
            break;
        case TJ_EV_ATOMIC:
            x = r->span_node[e->span];
            xmlUnlinkNode(x);
            xmlAddChild(stack[top], x);
            moved[e->span] = 1;
            break;
        }
        if (!x) {
            /* out of memory: the atomic nodes already moved stay in tmp, freed with it; the
             * rest of the run is intact */
            free(ev), free(stack), free(moved);
            xmlUnlinkNode(mark);
            xmlFreeNode(mark);
            xmlFreeNode(tmp);
            return -1;
        }
    }
    /* Drop the old nodes (not the atomic ones, moved already), then move the new ones into
     * their place. */
    for (size_t i = 0; i < r->nn; i++) {
        int is_moved = 0;
        for (size_t s = 0; s < n && !is_moved; s++)
            is_moved = moved[s] && r->span_node[s] == r->nodes[i];
        if (is_moved) continue;
        xmlUnlinkNode(r->nodes[i]);
        xmlFreeNode(r->nodes[i]);
    }
    while (tmp->children) {
        xmlNodePtr c = tmp->children;
        xmlUnlinkNode(c);
        xmlAddPrevSibling(mark, c);
    }
    xmlUnlinkNode(mark);
    xmlFreeNode(mark);
    xmlFreeNode(tmp);
    free(ev), free(stack), free(moved);
    return 0;
}

/* The first child element of n named name, or NULL. */
static xmlNodePtr child_named(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !xmlStrcasecmp(c->name, (const xmlChar *)name)) return c;
    return NULL;
}

/* Whether the input is a fragment (no <html>, <body> or doctype of its own): libxml2 then adds
 * html and body around it, and only the body's content is written back. A plain substring test
 * is enough here: it only decides how much of the parsed tree to write. */
static int is_fragment(const char *s, size_t n)
{
    static const char *const marks[] = {"<html", "<body", "<!doctype", "<head", NULL};
    for (size_t i = 0; i < n; i++)
        if (s[i] == '<')
            for (int k = 0; marks[k]; k++) {
                size_t l = strlen(marks[k]);
                if (n - i >= l && !strncasecmp(s + i, marks[k], l)) return 0;
            }
    return 1;
}

static void set_lang(hdoc *h, const char *lang, int fragment)
{
    xmlNodePtr root = xmlDocGetRootElement(h->doc);
    if (!root) return;
    if (fragment) {
        /* a fragment gets them only when it is one element */
        xmlNodePtr body = child_named(root, "body"), one = NULL;
        for (xmlNodePtr n = body ? body->children : NULL; n; n = n->next) {
            if (n->type == XML_ELEMENT_NODE) {
                if (one) return;
                one = n;
            } else if (n->type == XML_TEXT_NODE && n->content &&
                       tj_text_translatable((const char *)n->content,
                                            strlen((const char *)n->content))) {
                return;
            }
        }
        if (!one) return;
        root = one;
    }
    xmlSetProp(root, (const xmlChar *)"lang", (const xmlChar *)lang);
    if (!strcmp(lang, "ar")) {
        xmlSetProp(root, (const xmlChar *)"dir", (const xmlChar *)"rtl");
    } else {
        xmlChar *d = xmlGetProp(root, (const xmlChar *)"dir");
        if (d && !xmlStrcasecmp(d, (const xmlChar *)"rtl"))
            xmlSetProp(root, (const xmlChar *)"dir", (const xmlChar *)"ltr");
        xmlFree(d);
    }
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void xml_init(void)
{
    xmlInitParser();
}

tj_status tj_doc_html(const tj_doc_ctx *c, const char *data, size_t len, char **out,
                      size_t *out_len, tj_error *err)
{
    pthread_once(&xml_once, xml_init);
    if (len > (size_t)1 << 30)
        return tj_fail(err, TJ_ERR_INPUT, "HTML document too large (%zu bytes, at most 1 GiB)",
                       len);
    size_t bad = tj_utf8_check(data, len);
    if (bad != len) return tj_fail(err, TJ_ERR_INPUT, "invalid UTF-8 at byte offset %zu", bad);
    if (memchr(data, '\0', len)) return tj_fail(err, TJ_ERR_INPUT, "NUL byte in the HTML input");
    hdoc h;
    memset(&h, 0, sizeof h);
    /* (HTML_PARSE_NOIMPLIED is not used: with it libxml2 nests a fragment's second element
     * inside its first.) */
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
               HTML_PARSE_NODEFDTD;
    int fragment = is_fragment(data, len);
    size_t blank = 0;
    while (blank < len && (data[blank] == ' ' || data[blank] == '\n' || data[blank] == '\t' ||
                           data[blank] == '\r' || data[blank] == '\f'))
        blank++;
    if (blank == len) {
        /* nothing at all (libxml2 makes no document of it): written back as it is */
        return tj_doc_copy(data, len, out, out_len, err);
    }
    if (fragment) {
        /* Text before any element would get an implied <p> from libxml2; inside an explicit
         * body it does not. */
        char *wrapped = malloc(len + 7);
        if (!wrapped) return tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        memcpy(wrapped, "<body>", 6);
        memcpy(wrapped + 6, data, len);
        h.doc = htmlReadMemory(wrapped, (int)len + 6, NULL, "UTF-8", opts);
        free(wrapped);
    } else {
        h.doc = htmlReadMemory(data, (int)len, NULL, "UTF-8", opts);
    }
    if (!h.doc) return tj_fail(err, TJ_ERR_FORMAT, "HTML input could not be parsed");
    tj_status st = TJ_OK;
    collect(&h, (xmlNodePtr)h.doc, 0);
    collect_attrs(&h, h.doc->children);
    if (h.oom) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    size_t np = h.nruns + h.nattrs;
    const char **texts = malloc((np + 1) * sizeof *texts);
    size_t *lens = malloc((np + 1) * sizeof *lens);
    tj_doc_para *paras = calloc(np + 1, sizeof *paras);
    if (!st && (!texts || !lens || !paras)) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    if (!st) {
        for (size_t i = 0; i < h.nruns; i++)
            texts[i] = h.runs[i].text.s, lens[i] = h.runs[i].text.len;
        for (size_t i = 0; i < h.nattrs; i++)
            texts[h.nruns + i] = (const char *)h.attrs[i].value,
                            lens[h.nruns + i] = strlen((const char *)h.attrs[i].value);
        /* attributes need no alignment, but one call keeps every thread busy */
        st = tj_doc_ctx_paras(c, texts, lens, np, TJ_DOC_ALIGN | TJ_DOC_SCORE, paras, err);
    }
    for (size_t i = 0; i < h.nattrs && !st; i++)
        xmlSetProp(h.attrs[i].el, (const xmlChar *)h.attrs[i].name,
                   (const xmlChar *)paras[h.nruns + i].out);
    for (size_t i = 0; i < h.nruns && !st; i++) {
        hrun *r = &h.runs[i];
        tj_doc_project_spans(&paras[i], r->text.s, r->text.len, r->spans, r->nspans);
        if (c->d && c->d->mark_doubt && r->parent->type == XML_ELEMENT_NODE) {
            float worst = 0;
            int any = 0;
            for (size_t s = 0; s < paras[i].ns; s++)
                if (paras[i].s[s].n_src && (!any || paras[i].s[s].logprob < worst))
                    worst = paras[i].s[s].logprob, any = 1;
            if (any && worst < c->d->doubt_logprob) {
                char v[32];
                snprintf(v, sizeof v, "%.2f", (double)worst);
                xmlSetProp(r->parent, (const xmlChar *)"data-tj-doubt", (const xmlChar *)v);
            }
        }
        if (rewrite(&h, r, &paras[i])) st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
    }
    if (!st && c->d && c->d->target_lang) set_lang(&h, c->d->target_lang, fragment);
    if (!st) {
        xmlOutputBufferPtr ob = xmlAllocOutputBuffer(NULL);
        if (!ob) {
            st = tj_fail(err, TJ_ERR_NOMEM, "out of memory");
        } else {
            xmlNodePtr body = fragment ? child_named(xmlDocGetRootElement(h.doc), "body") : NULL;
            if (fragment) {
                for (xmlNodePtr n = body ? body->children : NULL; n; n = n->next)
                    htmlNodeDumpFormatOutput(ob, h.doc, n, NULL, 0);
            } else {
                htmlDocContentDumpFormatOutput(ob, h.doc, NULL, 0);
            }
            xmlOutputBufferFlush(ob);
            const xmlChar *content = xmlOutputBufferGetContent(ob);
            size_t n = xmlOutputBufferGetSize(ob);
            *out = malloc(n + 1);
            if (!*out || ob->error) {
                free(*out);
                *out = NULL;
                st = tj_fail(err, TJ_ERR_NOMEM, "out of memory writing the HTML output");
            } else {
                memcpy(*out, content, n);
                (*out)[n] = '\0';
                *out_len = n;
            }
            xmlOutputBufferClose(ob);
        }
    }
    for (size_t i = 0; paras && i < np; i++) tj_doc_para_free(&paras[i]);
    free(paras), free(texts), free(lens);
    for (size_t i = 0; i < h.nruns; i++) run_free(&h.runs[i]);
    free(h.runs);
    for (size_t i = 0; i < h.nattrs; i++) xmlFree(h.attrs[i].value);
    free(h.attrs);
    xmlFreeDoc(h.doc);
    return st;
}
